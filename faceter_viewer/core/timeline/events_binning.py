"""Events per pixel column and per type, vectorised: what the event lane paints.

Events are given once as sorted start times (float64 epoch seconds) and small integer type codes.
For a scale, `bin_events` counts them per (type, column) by binary-searching the pixel column
boundaries in each type's own sorted times: O(types × width × log n), with no temporary array
as long as the events (100,000 events: ~0.3 ms), and never a Python loop over events.

`cells` groups columns into fixed-width cells anchored to TIME (not to the left edge), so a glyph
drawn per cell stays put while the view pans by whole pixels instead of hopping between cells.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from faceter_viewer.core.timeline.scale import TimeScale


class EventSeries:
    """Sorted event start times with their type codes; `type_names[code]` names a code."""

    __slots__ = ("times", "codes", "type_names", "times_by_type")

    def __init__(self, times: np.ndarray, codes: np.ndarray, type_names: tuple[str, ...]) -> None:
        self.times = times
        self.codes = codes
        self.type_names = type_names
        # Each type's times, still sorted (a stable sort by code keeps the time order within one).
        order = np.argsort(codes, kind="stable")
        splits = np.searchsorted(codes[order], np.arange(1, max(1, len(type_names))))
        self.times_by_type: list[np.ndarray] = np.split(times[order], splits)

    @classmethod
    def empty(cls) -> EventSeries:
        return cls(np.empty(0), np.empty(0, np.int16), ())

    @classmethod
    def from_arrays(cls, times: npt.ArrayLike, codes: npt.ArrayLike, type_names: Iterable[object]) -> EventSeries:
        """Copy, sort by time (stable) and check the codes against `type_names`."""
        t = np.asarray(times, dtype=np.float64).ravel()
        c = np.asarray(codes).ravel()
        names = tuple(str(name) for name in type_names)
        if t.shape != c.shape:
            raise ValueError(f"times and type codes differ in length: {t.shape[0]} != {c.shape[0]}")
        if len(c) and (c.min() < 0 or c.max() >= len(names)):
            raise ValueError(f"type codes must be in 0..{len(names) - 1}, got {c.min()}..{c.max()}")
        keep = np.isfinite(t)
        t, c = t[keep], c[keep].astype(np.int16)
        if len(t) > 1 and np.any(t[1:] < t[:-1]):
            order = np.argsort(t, kind="stable")
            t, c = t[order], c[order]
        return cls(t, c, names)

    @classmethod
    def merged(cls, parts: Sequence[EventSeries]) -> EventSeries:
        """Every event of the parts in one series (a layout's timeline: several cameras). Each
        part codes types its own way, so codes are matched by NAME: the names in first-seen
        order, each part's codes mapped onto them; times sorted (stable: equal times keep the
        parts' order)."""
        names: dict[str, int] = {}
        times, codes = [], []
        for part in parts:
            mapping = np.array([names.setdefault(name, len(names)) for name in part.type_names] or [0], dtype=np.int16)
            times.append(part.times)
            codes.append(mapping[part.codes] if len(part) else np.empty(0, np.int16))
        if not names:
            return cls.empty()
        return cls.from_arrays(np.concatenate(times), np.concatenate(codes), names)

    def __len__(self) -> int:
        return len(self.times)

    def visible_slice(self, t0: float, t1: float) -> slice:
        return slice(int(np.searchsorted(self.times, t0, "left")), int(np.searchsorted(self.times, t1, "left")))


def column_edges(scale: TimeScale) -> np.ndarray:
    """float64[width + 1]: column x holds times in [edges[x], edges[x + 1])."""
    edges = scale.start + np.arange(scale.width + 1) * scale.seconds_per_pixel
    edges[-1] = scale.end
    return edges


def bin_events(series: EventSeries, scale: TimeScale) -> np.ndarray:
    """int32[n_types, width]: how many events of each type start in each pixel column."""
    n_types, width = max(1, len(series.type_names)), scale.width
    counts = np.zeros((n_types, width), dtype=np.int32)
    if len(series) == 0:
        return counts
    edges = column_edges(scale)
    for code, times in enumerate(series.times_by_type):  # a loop over types (a dozen), not events
        if len(times):
            counts[code] = np.diff(np.searchsorted(times, edges, side="left"))
    return counts


@dataclass(frozen=True)
class Cells:
    """Columns grouped into cells of `cell_px`; cell i covers columns [x0[i], x1[i]) ∩ [0, width)."""

    cell_px: int
    x0: np.ndarray  # int64, may be negative for the first, partly visible cell
    counts: np.ndarray  # int32[n_types, n_cells]

    @property
    def x1(self) -> np.ndarray:
        return self.x0 + self.cell_px

    @property
    def totals(self) -> np.ndarray:
        return self.counts.sum(axis=0)

    def dominant(self) -> np.ndarray:
        """Per cell, the type code with the most events, or -1 for an empty cell (ties: lower code)."""
        best = np.argmax(self.counts, axis=0)
        return np.where(self.totals > 0, best, -1)

    def cell_at(self, x: float) -> int | None:
        i = int(math.floor((x - self.x0[0]) / self.cell_px)) if len(self.x0) else -1
        return i if 0 <= i < len(self.x0) else None


def cell_phase(scale: TimeScale, cell_px: int) -> int:
    """Pixel offset (0 ≤ phase < cell_px) of the cell grid anchored at multiples of the cell's
    duration since the epoch, rounded to a whole pixel."""
    cell_seconds = cell_px * scale.seconds_per_pixel
    first_boundary = math.floor(scale.start / cell_seconds) * cell_seconds
    return int(round(scale.to_x(first_boundary))) % cell_px


def group_cells(column_counts: np.ndarray, scale: TimeScale, cell_px: int) -> Cells:
    """Sum per-column counts into time-anchored cells of `cell_px` columns."""
    width = column_counts.shape[1]
    phase = cell_phase(scale, cell_px)
    x0 = np.arange(phase - cell_px if phase else 0, width, cell_px, dtype=np.int64)
    starts = np.clip(x0, 0, width - 1)
    counts = np.add.reduceat(column_counts, starts, axis=1) if width else column_counts
    return Cells(cell_px, x0, counts.astype(np.int32))
