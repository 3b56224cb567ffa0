"""Tick levels of the timeline: which steps to mark, where, and how to label them, in local time.

Every step (1 s … 1 week) is aligned to the LOCAL wall clock: hour ticks fall on :00 local even
in a +05:30 zone, day ticks on local midnight, and across a DST change the hour ticks follow the
clock (a 23-hour spring day has 23 hour ticks, a 25-hour autumn day shows 02:00 twice). The trick
is to split the visible window into runs of constant UTC offset and, inside each run, put ticks
at multiples of the step in "local epoch seconds" (t + offset), all vectorised with numpy.

Labels use English names on purpose: the UI is English, and strftime's %a/%b follow the C locale
that Qt changes at start-up, which would make labels depend on who imported Qt first.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo

import numpy as np

from faceter_viewer.core.timeline.localtime import local_datetime, system_timezone, utc_offset, wall_clock_to_epoch

MINUTE, HOUR, DAY, WEEK = 60, 3600, 86400, 7 * 86400
# Every step divides a day (or is whole days), so "multiple of the step in local epoch seconds"
# is a wall-clock alignment: 15 min ticks on :00/:15/:30/:45, 6 h ticks on 00/06/12/18.
STEPS: tuple[int, ...] = (
    1, 2, 5, 10, 15, 30,
    MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
    HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
    DAY, 2 * DAY, WEEK,
)  # fmt: skip
# 1970-01-01 was a Thursday; weeks start on Monday, 4 days later.
_WEEK_PHASE = 4 * DAY
_OFFSET_SAMPLE = 12 * HOUR  # zones change offset at most a few times a year, never twice in 12 h

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def default_label_px(step: float) -> float:
    """Pixels a major label of this step needs, including the gap to the next one."""
    return 66.0 if step < MINUTE else 50.0


@dataclass(frozen=True)
class TickSet:
    major_step: int
    minor_step: int
    major: np.ndarray  # epoch seconds of labelled ticks
    minor: np.ndarray  # epoch seconds of the other ticks (never also in `major`)
    labels: list[str]  # one per major tick
    context: list[tuple[float, str]] = field(default_factory=list)  # day/month starts in view
    context_at_start: str = ""  # the day (or month) the left edge lies in, for a sticky label


def choose_steps(
    seconds_per_pixel: float,
    label_px: Callable[[float], float] = default_label_px,
    min_minor_px: float = 7.0,
) -> tuple[int, int]:
    """(major, minor): the finest major step whose labels fit, and the finest minor step at
    least `min_minor_px` apart that divides the major step."""
    major = next((s for s in STEPS if s / seconds_per_pixel >= label_px(s)), STEPS[-1])
    minor = next(
        (s for s in STEPS if s <= major and _divides(s, major) and s / seconds_per_pixel >= min_minor_px),
        major,
    )
    return major, minor


def _divides(small: int, big: int) -> bool:
    if big == WEEK:
        return small <= DAY and DAY % small == 0
    return big % small == 0


def offset_runs(start: float, end: float, tz: tzinfo) -> list[tuple[float, float, float]]:
    """[(run_start, run_end, utc_offset_seconds)] covering [start, end), split at offset changes."""
    samples = np.append(np.arange(start, end, _OFFSET_SAMPLE), end)
    offsets = [utc_offset(float(t), tz) for t in samples]
    runs: list[tuple[float, float, float]] = []
    run_start, run_offset = start, offsets[0]
    for i in range(1, len(samples)):
        if offsets[i] == run_offset:
            continue
        lo, hi = float(samples[i - 1]), float(samples[i])  # offset(lo) == run_offset != offset(hi)
        while hi - lo > 0.5:
            middle = (lo + hi) / 2
            if utc_offset(middle, tz) == run_offset:
                lo = middle
            else:
                hi = middle
        change = float(math.ceil(lo)) if utc_offset(float(math.ceil(lo)), tz) != run_offset else float(math.ceil(hi))
        runs.append((run_start, change, run_offset))
        run_start, run_offset = change, utc_offset(change, tz)
    runs.append((run_start, end, run_offset))
    return runs


def tick_times(start: float, end: float, step: int, tz: tzinfo | None = None) -> np.ndarray:
    """Instants in [start, end) where the local wall clock is a multiple of `step`."""
    tz = tz or system_timezone()
    phase = _WEEK_PHASE if step == WEEK else 0
    parts = []
    for run_start, run_end, offset in offset_runs(start, end, tz):
        local_lo, local_hi = run_start + offset - phase, run_end + offset - phase
        first, last = math.ceil(local_lo / step), math.ceil(local_hi / step)
        if last > first:
            parts.append(np.arange(first, last, dtype=np.float64) * step + phase - offset)
    if not parts:
        return np.empty(0)
    ticks = np.concatenate(parts)
    return ticks[(ticks >= start) & (ticks < end)]


def label_for(t: float, step: int, tz: tzinfo | None = None) -> str:
    local = local_datetime(t, tz)
    if step < MINUTE:
        return f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    if step < DAY:
        return f"{local.hour:02d}:{local.minute:02d}"
    return f"{WEEKDAYS[local.weekday()]} {local.day}"


def day_label(t: float, tz: tzinfo | None = None) -> str:
    local = local_datetime(t, tz)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}"


def month_label(t: float, tz: tzinfo | None = None) -> str:
    local = local_datetime(t, tz)
    return f"{MONTH_NAMES[local.month - 1]} {local.year}"


def month_starts(start: float, end: float, tz: tzinfo | None = None) -> list[float]:
    local = local_datetime(start, tz)
    year, month = local.year, local.month
    starts: list[float] = []
    while True:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        t = wall_clock_to_epoch(year, month, 1, tz=tz)
        if t >= end:
            return starts
        starts.append(t)


def compute_ticks(
    start: float,
    end: float,
    seconds_per_pixel: float,
    tz: tzinfo | None = None,
    label_px: Callable[[float], float] = default_label_px,
    min_minor_px: float = 7.0,
) -> TickSet:
    tz = tz or system_timezone()
    major_step, minor_step = choose_steps(seconds_per_pixel, label_px, min_minor_px)
    major = tick_times(start, end, major_step, tz)
    minor = tick_times(start, end, minor_step, tz)
    if minor_step != major_step:
        # A DST change can put a minor tick where the clock says a major one would be; a tick is
        # major when it is in `major`, whatever the arithmetic says.
        minor = minor[~np.isin(minor, major)]
    else:
        minor = np.empty(0)
    labels = [label_for(float(t), major_step, tz) for t in major]
    if major_step < DAY:
        context = [(float(t), day_label(float(t), tz)) for t in tick_times(start, end, DAY, tz)]
        at_start = day_label(start, tz)
    else:
        context = [(t, month_label(t, tz)) for t in month_starts(start, end, tz)]
        at_start = month_label(start, tz)
    return TickSet(major_step, minor_step, major, minor, labels, context, at_start)
