from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from faceter_viewer.core.timeline.localtime import wall_clock_to_epoch
from faceter_viewer.core.timeline.ticks import (
    DAY,
    HOUR,
    MINUTE,
    STEPS,
    WEEK,
    choose_steps,
    compute_ticks,
    default_label_px,
    label_for,
    offset_runs,
    tick_times,
)

BERLIN = ZoneInfo("Europe/Berlin")
KOLKATA = ZoneInfo("Asia/Kolkata")  # +05:30, no DST
MOSCOW = ZoneInfo("Europe/Moscow")  # +03:00, no DST
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # +05:45
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")  # +10:30 / +11:00: a 30-minute DST shift
UTC = timezone.utc

# Europe/Berlin 2026: clocks go 02:00 -> 03:00 on 29 March, 03:00 -> 02:00 on 25 October.
SPRING_DAY = (2026, 3, 29)
AUTUMN_DAY = (2026, 10, 25)


def local(t, tz):
    return datetime.fromtimestamp(float(t), tz)


def day_range(tz, y, m, d):
    start = wall_clock_to_epoch(y, m, d, tz=tz)
    nxt = datetime(y, m, d, tzinfo=tz).toordinal() + 1
    nd = datetime.fromordinal(nxt)
    return start, wall_clock_to_epoch(nd.year, nd.month, nd.day, tz=tz)


def brute_force_ticks(start, end, step, tz, resolution=MINUTE):
    """Every instant on a `resolution` grid in [start, end) whose local wall clock is a multiple
    of `step` - the slow truth tick_times must match."""
    first = np.ceil(start / resolution) * resolution
    found = []
    for t in np.arange(first, end, resolution):
        wall = local(t, tz)
        seconds_of_day = wall.hour * 3600 + wall.minute * 60 + wall.second
        if step <= DAY and seconds_of_day % step == 0:
            found.append(float(t))
    return found


@pytest.mark.parametrize("span", [60, 600, 3600, 6 * 3600, DAY, 7 * DAY, 30 * DAY])
@pytest.mark.parametrize("width", [300, 1920])
def test_steps_leave_room_for_labels_and_minor_ticks_divide_major(span, width):
    spp = span / width
    major, minor = choose_steps(spp)
    assert major in STEPS and minor in STEPS
    assert major / spp >= default_label_px(major) or major == STEPS[-1]
    # The finest step that fits: the one below it would not leave room for its labels.
    finer = [s for s in STEPS if s < major]
    assert not finer or finer[-1] / spp < default_label_px(finer[-1])
    assert minor <= major and (major % minor == 0 or (major == WEEK and DAY % minor == 0))
    assert minor == major or minor / spp >= 7.0


def test_steps_per_zoom_level_at_1920_px():
    assert choose_steps(60 / 1920) == (5, 1)
    assert choose_steps(3600 / 1920) == (2 * MINUTE, 15)
    assert choose_steps(DAY / 1920) == (HOUR, 10 * MINUTE)
    assert choose_steps(30 * DAY / 1920) == (DAY, 3 * HOUR)


@pytest.mark.parametrize("step", [HOUR, 3 * HOUR, 6 * HOUR, DAY])
def test_berlin_spring_forward_day_has_23_hours_of_wall_clock_ticks(step):
    start, end = day_range(BERLIN, *SPRING_DAY)
    assert end - start == 23 * HOUR
    ticks = tick_times(start, end, step, BERLIN)
    assert ticks.tolist() == brute_force_ticks(start, end, step, BERLIN)
    hours = [local(t, BERLIN).hour for t in ticks]
    if step == HOUR:
        assert len(ticks) == 23 and 2 not in hours  # 02:00 never happened
        assert hours[:3] == [0, 1, 3]
    if step == 3 * HOUR:
        assert hours == [0, 3, 6, 9, 12, 15, 18, 21]
    if step == DAY:
        assert ticks.tolist() == [start]


def test_berlin_fall_back_day_has_25_hour_ticks_and_02_00_twice():
    start, end = day_range(BERLIN, *AUTUMN_DAY)
    assert end - start == 25 * HOUR
    ticks = tick_times(start, end, HOUR, BERLIN)
    assert len(ticks) == 25
    assert np.all(np.diff(ticks) == HOUR)  # evenly spaced in real time
    labels = [label_for(t, HOUR, BERLIN) for t in ticks]
    assert labels[:5] == ["00:00", "01:00", "02:00", "02:00", "03:00"]
    assert ticks.tolist() == brute_force_ticks(start, end, HOUR, BERLIN)
    # 3-hourly ticks follow the wall clock, so the one interval spanning the change is 4 h long.
    three = tick_times(start, end, 3 * HOUR, BERLIN)
    assert [local(t, BERLIN).hour for t in three] == [0, 3, 6, 9, 12, 15, 18, 21]
    assert np.diff(three).tolist()[0] == 4 * HOUR


def test_day_ticks_at_local_midnight_across_both_dst_changes():
    start, end = wall_clock_to_epoch(2026, 3, 20, tz=BERLIN), wall_clock_to_epoch(2026, 4, 19, tz=BERLIN)
    assert end - start == 30 * DAY - HOUR
    ticks = tick_times(start, end, DAY, BERLIN)
    assert all(local(t, BERLIN).hour == 0 and local(t, BERLIN).minute == 0 for t in ticks)
    assert len(ticks) == 30
    assert sorted(set(np.diff(ticks).tolist())) == [23 * HOUR, 24 * HOUR]
    autumn = wall_clock_to_epoch(2026, 10, 20, tz=BERLIN)
    ticks = tick_times(autumn, autumn + 10 * DAY, DAY, BERLIN)
    assert sorted(set(np.diff(ticks).tolist())) == [24 * HOUR, 25 * HOUR]


@pytest.mark.parametrize("tz", [KOLKATA, MOSCOW, KATHMANDU, LORD_HOWE, BERLIN, UTC])
@pytest.mark.parametrize("step", [MINUTE, 15 * MINUTE, HOUR, 6 * HOUR])
def test_ticks_align_to_the_local_wall_clock_in_offset_zones(tz, step):
    # Around Lord Howe's April change (30 min back) and Berlin's October one.
    start = 1_775_300_000.0 if tz is not BERLIN else wall_clock_to_epoch(2026, 10, 24, 12, tz=BERLIN)
    end = start + 2 * DAY
    if tz in (LORD_HOWE, BERLIN):
        assert len(offset_runs(start, end, tz)) == 2  # the window really holds a DST change
    ticks = tick_times(start, end, step, tz)
    assert ticks.tolist() == brute_force_ticks(start, end, step, tz)
    for t in ticks:
        wall = local(t, tz)
        assert (wall.hour * 3600 + wall.minute * 60 + wall.second) % step == 0


def test_kolkata_hour_ticks_are_at_half_past_in_utc():
    start = datetime(2026, 4, 12, 0, 0, tzinfo=UTC).timestamp()
    ticks = tick_times(start, start + 6 * HOUR, HOUR, KOLKATA)
    assert {local(t, UTC).minute for t in ticks} == {30}
    assert {local(t, KOLKATA).minute for t in ticks} == {0}
    assert label_for(ticks[0], HOUR, KOLKATA) == "06:00"  # 00:30 UTC


def test_offset_runs_split_exactly_at_the_change():
    start, end = day_range(BERLIN, *SPRING_DAY)
    runs = offset_runs(start, end, BERLIN)
    change = datetime(2026, 3, 29, 1, 0, tzinfo=UTC).timestamp()
    assert runs == [(start, change, 3600.0), (change, end, 7200.0)]
    assert offset_runs(start, end, KOLKATA) == [(start, end, 19800.0)]


def test_week_ticks_fall_on_monday_midnight():
    start = wall_clock_to_epoch(2026, 3, 1, tz=BERLIN)
    ticks = tick_times(start, start + 30 * DAY, WEEK, BERLIN)
    assert len(ticks) >= 4
    assert all(local(t, BERLIN).weekday() == 0 and local(t, BERLIN).hour == 0 for t in ticks)


def test_labels_adapt_to_the_step():
    t = wall_clock_to_epoch(2026, 4, 13, 9, 5, 30, tz=BERLIN)  # a Monday
    assert label_for(t, 5, BERLIN) == "09:05:30"
    assert label_for(t, 5 * MINUTE, BERLIN) == "09:05"
    assert label_for(t, DAY, BERLIN) == "Mon 13"
    assert label_for(t, 5, KOLKATA) == "12:35:30"


def test_compute_ticks_gives_labels_minor_ticks_and_day_context():
    start = wall_clock_to_epoch(2026, 4, 12, 22, tz=BERLIN)
    ticks = compute_ticks(start, start + 4 * HOUR, 4 * HOUR / 1920, BERLIN)
    assert (ticks.major_step, ticks.minor_step) == (10 * MINUTE, MINUTE)
    assert len(ticks.labels) == len(ticks.major) == 24
    assert ticks.labels[0] == "22:00" and ticks.labels[12] == "00:00"
    assert not np.isin(ticks.minor, ticks.major).any()
    assert ticks.context_at_start == "Sun 12 Apr 2026"
    assert ticks.context == [(wall_clock_to_epoch(2026, 4, 13, tz=BERLIN), "Mon 13 Apr 2026")]


def test_compute_ticks_at_thirty_days_uses_days_and_months():
    start = wall_clock_to_epoch(2026, 3, 20, tz=BERLIN)
    ticks = compute_ticks(start, start + 30 * DAY, 30 * DAY / 1920, BERLIN)
    assert ticks.major_step == DAY
    assert ticks.labels[:3] == ["Fri 20", "Sat 21", "Sun 22"]
    assert ticks.context_at_start == "March 2026"
    assert ticks.context == [(wall_clock_to_epoch(2026, 4, 1, tz=BERLIN), "April 2026")]


def test_compute_ticks_cost_is_bounded_by_pixels_not_span():
    start = wall_clock_to_epoch(2026, 3, 20, tz=BERLIN)
    for span in (60, HOUR, DAY, 30 * DAY):
        ticks = compute_ticks(start, start + span, span / 1920, BERLIN)
        assert len(ticks.major) + len(ticks.minor) <= 1920 / 7 + 2
