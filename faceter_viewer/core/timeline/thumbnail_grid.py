"""The bucket grid hover previews snap to: about one bucket per 4 px at the current zoom.

Snapping to "nice" steps (1 s, 2 s, 5 s, … 1 day) aligned to the epoch makes the same instants
come back while the mouse wanders, so the thumbnail cache hits and the server sees one request
per bucket instead of one per mouse move. Buckets are centred on their grid time: hovering at t
asks for the grid time nearest to t, never more than half a step away.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from faceter_viewer.core.timeline.scale import TimeScale

PIXELS_PER_BUCKET = 4.0
NICE_STEPS: tuple[float, ...] = (
    1, 2, 5, 10, 15, 30,
    60, 120, 300, 600, 900, 1800,
    3600, 7200, 10800, 21600, 43200, 86400,
)  # fmt: skip


@dataclass(frozen=True)
class ThumbnailGrid:
    step: float  # seconds between bucket times

    def bucket_time(self, t: float) -> float:
        return math.floor(t / self.step + 0.5) * self.step

    def bucket_index(self, t: float) -> int:
        return int(math.floor(t / self.step + 0.5))

    def bucket_times(self, t0: float, t1: float) -> np.ndarray:
        """Every bucket time in [t0, t1] (for prefetching a visible range)."""
        first, last = math.ceil(t0 / self.step), math.floor(t1 / self.step)
        return np.arange(first, last + 1, dtype=np.float64) * self.step


def nice_step(seconds: float) -> float:
    """The smallest nice step ≥ seconds (the largest one beyond the table)."""
    return next((step for step in NICE_STEPS if step >= seconds), NICE_STEPS[-1])


def grid_for_scale(scale: TimeScale, pixels_per_bucket: float = PIXELS_PER_BUCKET) -> ThumbnailGrid:
    return ThumbnailGrid(nice_step(scale.seconds_per_pixel * pixels_per_bucket))
