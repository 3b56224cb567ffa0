"""Where a demo camera has archive: intervals on the 2-s segment grid, with realistic gaps.

The archive spans `archive_days` before the dataset's anchor. Each UTC day gets a few gaps
(minutes to hours; many more on the "many gaps" camera) drawn from a RNG seeded with the camera
and the day, so the layout is the same for the same seed whenever the server starts. The last
20 minutes before the anchor are kept gap-free so "now" is always watchable. An online camera's
last interval is open: it grows with the wall clock, so the archive always ends at "now" (the
last complete segment). An offline camera's archive ends at its lastOnlineDate.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass

from faceter_viewer.demo.dataset import DAY, SEGMENT_SECONDS, CameraSpec

_PROTECTED_TAIL = 20 * 60
_MIN_GAP, _MAX_GAP = 120, 3 * 3600


def floor_segment(t: float) -> int:
    """The start of the 2-s segment containing t."""
    whole = math.floor(t)
    return whole - whole % SEGMENT_SECONDS


def ceil_segment(t: float) -> int:
    whole = math.ceil(t)
    return whole + (-whole) % SEGMENT_SECONDS


@dataclass(frozen=True)
class ArchiveLayout:
    """Archive intervals of one camera: [start, end) epoch seconds, sorted, disjoint, on the
    2-s grid. `open_end` means the last interval ends at the wall clock's last complete segment."""

    fixed: tuple[tuple[int, int], ...]
    open_end: bool

    @classmethod
    def for_camera(cls, camera: CameraSpec, anchor: int) -> ArchiveLayout:
        start = anchor - camera.archive_days * DAY
        end = camera.last_online - camera.last_online % SEGMENT_SECONDS if camera.last_online else anchor
        gaps = _gaps(camera, start, end - _PROTECTED_TAIL)
        intervals, cursor = [], start
        for gap_start, gap_end in gaps:
            if gap_start > cursor:
                intervals.append((cursor, gap_start))
            cursor = max(cursor, gap_end)
        intervals.append((cursor, end))
        return cls(tuple(intervals), open_end=camera.is_online)

    def intervals(self, now: float) -> list[tuple[int, int]]:
        """All intervals, the open one closed at the last complete segment before `now`."""
        result = list(self.fixed)
        if self.open_end:
            last_start, last_end = result[-1]
            result[-1] = (last_start, max(last_end, floor_segment(now)))
        return result

    def overlapping(self, start: float, end: float, now: float) -> list[tuple[float, float]]:
        """Intervals clipped to [start, end)."""
        result = []
        intervals = self.intervals(now)
        first = max(0, bisect.bisect_right(intervals, (start, math.inf)) - 1)
        for a, b in intervals[first:]:
            if a >= end:
                break
            lo, hi = max(a, start), min(b, end)
            if lo < hi:
                result.append((lo, hi))
        return result

    def contains(self, t: float, now: float) -> bool:
        return bool(self.overlapping(t, t + 1e-6, now))

    def segments(self, start: float, end: float, now: float) -> list[int]:
        """Starts of the archived 2-s segments overlapping [start, end), ascending."""
        result: list[int] = []
        for a, b in self.overlapping(floor_segment(start), end, now):
            result.extend(range(floor_segment(a), int(b), SEGMENT_SECONDS))
        return result

    def seconds_between(self, start: float, end: float, now: float) -> float:
        """How many seconds of archive lie in [start, end)."""
        return sum(b - a for a, b in self.overlapping(start, end, now))

    def first_start(self) -> int:
        return self.fixed[0][0]

    def last_end(self, now: float) -> int:
        return self.intervals(now)[-1][1]


def _gaps(camera: CameraSpec, start: int, protect_from: int) -> list[tuple[int, int]]:
    """Sorted, merged gaps inside [start, protect_from)."""
    gaps = []
    for day in range(start // DAY, protect_from // DAY + 1):
        rng = random.Random(f"{camera.seed}/gaps/{day}")
        count = rng.randint(6, 12) if camera.many_gaps else rng.choice((1, 2, 2, 3, 4))
        for _ in range(count):
            length = math.exp(rng.uniform(math.log(_MIN_GAP), math.log(_MAX_GAP)))
            length_s = max(SEGMENT_SECONDS, int(length) - int(length) % SEGMENT_SECONDS)
            gap_start = day * DAY + SEGMENT_SECONDS * rng.randrange(DAY // SEGMENT_SECONDS)
            lo, hi = max(gap_start, start + SEGMENT_SECONDS), min(gap_start + length_s, protect_from)
            if lo < hi:
                gaps.append((lo, hi))
    gaps.sort()
    merged: list[tuple[int, int]] = []
    for a, b in gaps:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
