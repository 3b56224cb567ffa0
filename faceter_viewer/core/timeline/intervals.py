"""Archive intervals: where recordings exist, as sorted, non-overlapping [start, end) arrays.

What the timeline needs from them, all by binary search or vectorised numpy, so that the cost of
a repaint depends on the pixel width, not on how many recordings there are (the Nx time slider
idea: search the visible window, merge sub-pixel runs):
- `visible_slice`: the intervals touching a window;
- `pixel_spans`: the visible intervals as whole-pixel spans, neighbours closer than a pixel merged;
- `covered_columns`: per pixel column, is there archive in it;
- `playable_from` / `next_start_after` / `interval_at`: "jump over the gap" for playback;
- `clipped` / `with_tail` / `union` / `nbytes`: what the timeline data cache keeps per chunk
  (core/timeline/chunks.py) and how its pieces are joined.

This is the one interval type of the app, and `from_arrays` its one merge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from faceter_viewer.core.timeline.scale import TimeScale


@dataclass(frozen=True)
class PixelSpans:
    """Merged spans in whole pixels: column x0[i] … x1[i]-1 are covered (0 ≤ x0 < x1 ≤ width)."""

    x0: np.ndarray
    x1: np.ndarray

    def __len__(self) -> int:
        return len(self.x0)


class ArchiveIntervals:
    """Immutable set of recordings. Build with `from_arrays` (which sorts and merges overlaps)."""

    __slots__ = ("starts", "ends")

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        # Trusted constructor: callers guarantee sorted, non-overlapping, start < end.
        self.starts = starts
        self.ends = ends

    @classmethod
    def empty(cls) -> ArchiveIntervals:
        return cls(np.empty(0), np.empty(0))

    @classmethod
    def from_arrays(cls, starts: Iterable[float] | np.ndarray, ends: Iterable[float] | np.ndarray) -> ArchiveIntervals:
        """Sort by start, drop empty/NaN ones, and merge those that overlap or touch."""
        s = np.asarray(starts, dtype=np.float64).ravel()
        e = np.asarray(ends, dtype=np.float64).ravel()
        if s.shape != e.shape:
            raise ValueError(f"starts and ends differ in length: {s.shape[0]} != {e.shape[0]}")
        keep = np.isfinite(s) & np.isfinite(e) & (e > s)
        s, e = s[keep], e[keep]
        if len(s) == 0:
            return cls.empty()
        order = np.argsort(s, kind="stable")
        s, e = s[order], e[order]
        running_end = np.maximum.accumulate(e)
        # A new run starts where the interval begins after everything before it has ended.
        new_run = np.empty(len(s), dtype=bool)
        new_run[0] = True
        new_run[1:] = s[1:] > running_end[:-1]
        first = np.flatnonzero(new_run)
        last = np.append(first[1:] - 1, len(s) - 1)
        return cls(s[first].copy(), running_end[last].copy())

    @classmethod
    def union(cls, parts: Sequence[ArchiveIntervals]) -> ArchiveIntervals:
        """Everything in any of the parts, merged (borders between adjacent parts disappear)."""
        if not parts:
            return cls.empty()
        return cls.from_arrays(np.concatenate([p.starts for p in parts]), np.concatenate([p.ends for p in parts]))

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[float, float]]) -> ArchiveIntervals:
        array = np.asarray(list(pairs), dtype=np.float64).reshape(-1, 2)
        return cls.from_arrays(array[:, 0], array[:, 1])

    def __len__(self) -> int:
        return len(self.starts)

    def __repr__(self) -> str:
        return f"ArchiveIntervals({len(self)} intervals)"

    @property
    def total_duration(self) -> float:
        return float(np.sum(self.ends - self.starts))

    @property
    def nbytes(self) -> int:
        """What keeping this costs, for a cache budget (the arrays plus the object)."""
        return 256 + self.starts.nbytes + self.ends.nbytes

    def clipped(self, lo: float, hi: float) -> ArchiveIntervals:
        """The parts of the intervals inside [lo, hi)."""
        window = self.visible_slice(lo, hi)
        starts = np.maximum(self.starts[window], lo)
        ends = np.minimum(self.ends[window], hi)
        keep = ends > starts
        return ArchiveIntervals(starts[keep], ends[keep])

    def with_tail(self, tail: ArchiveIntervals, since: float) -> ArchiveIntervals:
        """These intervals before `since`, then `tail` (a fresh load from `since` on)."""
        return ArchiveIntervals.union([self.clipped(-math.inf, since), tail])

    # --- search ------------------------------------------------------------------------------

    def visible_slice(self, t0: float, t1: float) -> slice:
        """Indices of the intervals that overlap [t0, t1)."""
        first = int(np.searchsorted(self.ends, t0, side="right"))  # first one ending after t0
        last = int(np.searchsorted(self.starts, t1, side="left"))  # first one starting at/after t1
        return slice(first, max(first, last))

    def interval_at(self, t: float) -> tuple[float, float] | None:
        i = int(np.searchsorted(self.starts, t, side="right")) - 1
        if i >= 0 and t < self.ends[i]:
            return float(self.starts[i]), float(self.ends[i])
        return None

    def contains(self, t: float) -> bool:
        return self.interval_at(t) is not None

    def next_start_after(self, t: float) -> float | None:
        """The start of the first recording that begins strictly after t (the far side of a gap)."""
        i = int(np.searchsorted(self.starts, t, side="right"))
        return float(self.starts[i]) if i < len(self.starts) else None

    def playable_from(self, t: float) -> float | None:
        """Where archive can be played from moment t: t itself when it is inside a recording,
        else the start of the next recording; None when no recording starts after t.
        Intervals are [start, end): at a recording's very end, t is in the gap that follows."""
        return t if self.contains(t) else self.next_start_after(t)

    def previous_end_before(self, t: float) -> float | None:
        i = int(np.searchsorted(self.ends, t, side="left")) - 1
        return float(self.ends[i]) if i >= 0 else None

    def gaps_between(self, t0: float, t1: float) -> list[tuple[float, float]]:
        """The gaps inside [t0, t1) (for tests and tooltips; not used while painting)."""
        window = self.visible_slice(t0, t1)
        s, e = self.starts[window], self.ends[window]
        edges = np.concatenate(([t0], np.ravel(np.column_stack((s, e))), [t1]))
        edges = np.clip(edges, t0, t1)
        return [(float(a), float(b)) for a, b in zip(edges[0::2], edges[1::2], strict=True) if b > a]

    # --- pixels ------------------------------------------------------------------------------

    def pixel_spans(self, scale: TimeScale) -> PixelSpans:
        """The visible intervals in whole pixels, merged where the gap between them is under a
        pixel, so painting costs O(width) whatever the number of intervals.

        Edges are rounded to the nearest pixel boundary and every interval gets at least one
        column, so a 2-second clip at the 30-day zoom is still seen.
        """
        window = self.visible_slice(scale.start, scale.end)
        if window.stop <= window.start:
            return PixelSpans(np.empty(0, np.int64), np.empty(0, np.int64))
        width = scale.width
        x0 = np.floor(scale.to_x(self.starts[window]) + 0.5)
        x1 = np.floor(scale.to_x(self.ends[window]) + 0.5)
        x0 = np.clip(x0, 0, width - 1).astype(np.int64)
        x1 = np.clip(x1, 0, width).astype(np.int64)
        x1 = np.maximum(x1, x0 + 1)
        # x1 is non-decreasing (ends are sorted, x0 too), so a run ends where the next interval's
        # first column lies past this one's last.
        breaks = np.flatnonzero(x0[1:] > x1[:-1])
        first = np.concatenate(([0], breaks + 1))
        last = np.concatenate((breaks, [len(x0) - 1]))
        return PixelSpans(x0[first], x1[last])

    def covered_columns(self, scale: TimeScale) -> np.ndarray:
        """bool[width]: column x shows archive."""
        spans = self.pixel_spans(scale)
        edges = np.zeros(scale.width + 1, dtype=np.int32)
        np.add.at(edges, spans.x0, 1)
        np.add.at(edges, spans.x1, -1)
        return np.cumsum(edges[:-1]) > 0
