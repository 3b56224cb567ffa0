"""Time ↔ pixel mapping of the timeline: the visible window [start, end) over `width` pixels.

A `TimeScale` is immutable: zooming or panning returns a new scale, so a widget can keep the scale
it had when a drag began and derive every drag step from it (no accumulated rounding), and a test
can compare before/after. Times are float epoch seconds (UTC); x is in logical pixels, 0 = left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import overload

import numpy as np

MIN_SPAN = 60.0  # 1 minute: closer than that a 1,920 px timeline shows sub-frame detail nobody needs
MAX_SPAN = 30 * 86400.0  # 30 days: the widest view the tick levels and the benchmark are built for


@dataclass(frozen=True)
class TimeScale:
    start: float
    end: float
    width: int
    bounds: tuple[float, float] | None = None  # the visible window never leaves these, if given
    min_span: float = MIN_SPAN
    max_span: float = MAX_SPAN

    def __post_init__(self) -> None:
        if self.width < 1:
            object.__setattr__(self, "width", 1)
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            raise ValueError(f"TimeScale needs finite times, got [{self.start}, {self.end})")
        start, end = _clamped(self.start, self.end, self.bounds, self.min_span, self.max_span)
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)

    # --- measures ----------------------------------------------------------------------------

    @property
    def span(self) -> float:
        return self.end - self.start

    @property
    def seconds_per_pixel(self) -> float:
        return self.span / self.width

    @property
    def center(self) -> float:
        return (self.start + self.end) / 2

    # --- mapping -----------------------------------------------------------------------------

    @overload
    def to_x(self, t: float) -> float: ...
    @overload
    def to_x(self, t: np.ndarray) -> np.ndarray: ...
    def to_x(self, t):
        """Pixel position of time t (arrays too); the left edge of pixel column k is x = k."""
        return (t - self.start) * (self.width / self.span)

    @overload
    def to_time(self, x: float) -> float: ...
    @overload
    def to_time(self, x: np.ndarray) -> np.ndarray: ...
    def to_time(self, x):
        return self.start + x * (self.span / self.width)

    def contains(self, t: float) -> bool:
        return self.start <= t < self.end

    # --- new scales --------------------------------------------------------------------------

    def with_range(self, start: float, end: float) -> TimeScale:
        if end < start:
            start, end = end, start
        return replace(self, start=float(start), end=float(end))

    def with_width(self, width: int) -> TimeScale:
        """Same start and seconds-per-pixel: resizing reveals more time instead of stretching."""
        width = max(1, int(width))
        return replace(self, width=width, end=self.start + self.seconds_per_pixel * width)

    def with_bounds(self, bounds: tuple[float, float] | None) -> TimeScale:
        return replace(self, bounds=bounds)

    def zoom_at(self, x: float, factor: float) -> TimeScale:
        """Zoom in (factor > 1) or out (factor < 1) keeping the time under pixel x under x.

        The span is clamped first and the anchor applied to the clamped span, so zooming past the
        limit does not drift; only the bounds may move the window (and the anchor) at the edges.
        """
        if factor <= 0 or not math.isfinite(factor):
            raise ValueError(f"zoom factor must be positive, got {factor}")
        anchor = self.to_time(x)
        span = _clamp_span(self.span / factor, self.bounds, self.min_span, self.max_span)
        start = anchor - (x / self.width) * span
        return replace(self, start=start, end=start + span)

    def zoom_to_span(self, x: float, span: float) -> TimeScale:
        return self.zoom_at(x, self.span / span)

    def pan_pixels(self, dx: float) -> TimeScale:
        """Move the window by dx pixels (positive: later times come into view)."""
        shift = dx * self.seconds_per_pixel
        return replace(self, start=self.start + shift, end=self.end + shift)

    def pan_seconds(self, seconds: float) -> TimeScale:
        return replace(self, start=self.start + seconds, end=self.end + seconds)

    def centered_on(self, t: float) -> TimeScale:
        half = self.span / 2
        return replace(self, start=t - half, end=t + half)


def _clamp_span(span: float, bounds: tuple[float, float] | None, min_span: float, max_span: float) -> float:
    upper = max_span
    if bounds is not None:
        upper = min(upper, max(bounds[1] - bounds[0], min_span))
    return min(max(span, min_span), upper)


def _clamped(
    start: float, end: float, bounds: tuple[float, float] | None, min_span: float, max_span: float
) -> tuple[float, float]:
    span = _clamp_span(end - start, bounds, min_span, max_span)
    if span != end - start:  # keep the centre when only the span changes
        middle = (start + end) / 2
        start = middle - span / 2
    if bounds is not None:
        lo, hi = bounds
        if hi - lo < span:  # bounds narrower than the minimum span: centre on them
            start = (lo + hi) / 2 - span / 2
        elif start < lo:
            start = lo
        elif start + span > hi:
            start = hi - span
    return float(start), float(start + span)
