"""Range selection on the timeline (for exports): the range, its editing handles, and `[` / `]`.

`Selection` is an immutable normalised range. `SelectionState` adds what the keyboard needs: `[`
or `]` on its own marks one edge (shown as a single line) until the other one completes it; and
`latest` ("now": nothing is recorded later), past which no edge goes.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

from faceter_viewer.core.timeline.scale import TimeScale

MIN_SELECTION = 1.0  # seconds: the shortest export worth asking for
HANDLE_TOLERANCE_PX = 5.0


class Handle(enum.Enum):
    START = "start"
    END = "end"


@dataclass(frozen=True)
class Selection:
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start

    def contains(self, t: float) -> bool:
        return self.start <= t <= self.end

    def edge(self, handle: Handle) -> float:
        return self.start if handle is Handle.START else self.end

    def with_edge(self, handle: Handle, t: float, **limits: Any) -> Selection:
        """Move one edge to t; dragging an edge past the other swaps their roles."""
        other = self.end if handle is Handle.START else self.start
        return make_selection(t, other, **limits, keep=other)


def make_selection(
    a: float,
    b: float,
    *,
    min_length: float = MIN_SELECTION,
    bounds: tuple[float, float] | None = None,
    keep: float | None = None,
) -> Selection:
    """[min(a, b), max(a, b)], clamped to bounds and at least `min_length` long.

    A too-short range grows away from `keep` (the edge that is not being dragged), or around its
    middle, and stays inside the bounds when they allow it.
    """
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"a selection needs finite times, got {a}, {b}")
    start, end = (a, b) if a <= b else (b, a)
    if bounds is not None:
        lo, hi = bounds
        start, end = min(max(start, lo), hi), min(max(end, lo), hi)
    if end - start < min_length:
        if keep is not None and abs(keep - end) < abs(keep - start):
            start = end - min_length  # the end stays, the range grows backwards
        elif keep is not None and abs(keep - start) < abs(keep - end):
            end = start + min_length
        else:
            middle = (start + end) / 2
            start, end = middle - min_length / 2, middle + min_length / 2
        if bounds is not None:
            lo, hi = bounds
            if end > hi:
                start, end = hi - min_length, hi
            if start < lo:
                start, end = lo, min(lo + min_length, hi)
    return Selection(float(start), float(end))


def hit_test(selection: Selection | None, scale: TimeScale, x: float, tolerance: float = HANDLE_TOLERANCE_PX) -> Handle | None:
    """The edge handle under pixel x, if any; when both are near (a narrow selection), the closer
    one, and on a tie the one on the side x lies (so a 0 px wide selection can still be widened)."""
    if selection is None:
        return None
    d_start = abs(scale.to_x(selection.start) - x)
    d_end = abs(scale.to_x(selection.end) - x)
    if min(d_start, d_end) > tolerance:
        return None
    if math.isclose(d_start, d_end, abs_tol=1e-6):
        return Handle.END if x >= scale.to_x(selection.end) else Handle.START
    return Handle.START if d_start < d_end else Handle.END


class SelectionState:
    """The current selection plus a lone edge marked with `[` or `]` and not yet completed."""

    def __init__(self, *, min_length: float = MIN_SELECTION) -> None:
        self.min_length = min_length
        self.bounds: tuple[float, float] | None = None
        self.latest: float | None = None  # now: no edge is set past it
        self.selection: Selection | None = None
        self.pending: tuple[Handle, float] | None = None

    def _limits(self) -> tuple[float, float] | None:
        if self.latest is None:
            return self.bounds
        lo, hi = self.bounds if self.bounds is not None else (-math.inf, math.inf)
        return lo, min(hi, self.latest)

    def _make(self, a: float, b: float, keep: float | None = None) -> Selection:
        return make_selection(a, b, min_length=self.min_length, bounds=self._limits(), keep=keep)

    def _clamp(self, t: float) -> float:
        return t if self.latest is None else min(t, self.latest)

    def set(self, a: float, b: float, *, keep: float | None = None) -> Selection:
        """Select [a, b]; `keep` names the edge that stays put if the range must grow (the
        anchor of a drag)."""
        self.selection, self.pending = self._make(a, b, keep), None
        return self.selection

    def clear(self) -> None:
        self.selection, self.pending = None, None

    def move_edge(self, handle: Handle, t: float) -> Selection:
        assert self.selection is not None
        self.selection = self.selection.with_edge(handle, t, min_length=self.min_length, bounds=self._limits())
        return self.selection

    def mark_start(self, t: float) -> Selection | None:
        """`[`: the selection starts at t (at most `latest`). Completes a selection when an end
        lies after t."""
        t = self._clamp(t)
        end = self._known_edge(Handle.END)
        if end is not None and end > t:
            self.selection, self.pending = self._make(t, end, keep=end), None
        else:
            self.selection, self.pending = None, (Handle.START, t)
        return self.selection

    def mark_end(self, t: float) -> Selection | None:
        """`]`: the selection ends at t (at most `latest`). Completes a selection when a start
        lies before t."""
        t = self._clamp(t)
        start = self._known_edge(Handle.START)
        if start is not None and start < t:
            self.selection, self.pending = self._make(start, t, keep=start), None
        else:
            self.selection, self.pending = None, (Handle.END, t)
        return self.selection

    def _known_edge(self, handle: Handle) -> float | None:
        if self.selection is not None:
            return self.selection.edge(handle)
        if self.pending is not None and self.pending[0] is handle:
            return self.pending[1]
        return None
