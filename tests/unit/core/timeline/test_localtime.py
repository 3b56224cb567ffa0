from __future__ import annotations

import time
from datetime import datetime, tzinfo
from zoneinfo import ZoneInfo

import pytest

from faceter_viewer.core.timeline.localtime import (
    SystemLocalTimezone,
    format_datetime,
    format_duration,
    format_time,
    parse_typed_time,
    system_timezone,
    utc_offset,
    wall_clock_to_epoch,
)

BERLIN = ZoneInfo("Europe/Berlin")


def test_offsets_and_wall_clock_in_a_dst_zone():
    winter = wall_clock_to_epoch(2026, 1, 15, 12, tz=BERLIN)
    summer = wall_clock_to_epoch(2026, 7, 15, 12, tz=BERLIN)
    assert utc_offset(winter, BERLIN) == 3600 and utc_offset(summer, BERLIN) == 7200
    assert format_time(summer, BERLIN) == "12:00:00"
    assert format_time(summer, BERLIN, seconds=False) == "12:00"
    assert format_time(summer, ZoneInfo("Asia/Kolkata")) == "15:30:00"
    assert format_datetime(winter, BERLIN) == "Thu 15 Jan 2026 12:00:00"
    # The repeated autumn hour: the first occurrence; the skipped spring hour: read as CET.
    assert wall_clock_to_epoch(2026, 10, 25, 2, 30, tz=BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("UTC")).timestamp()
    assert format_time(wall_clock_to_epoch(2026, 3, 29, 2, 30, tz=BERLIN), BERLIN) == "03:30:00"


def test_system_timezone_agrees_with_the_c_library():
    zone = system_timezone()
    assert isinstance(zone, tzinfo)
    for t in (1_767_225_600.0, 1_783_000_000.0):  # winter and summer
        assert utc_offset(t, zone) == time.localtime(t).tm_gmtoff
        assert utc_offset(t, SystemLocalTimezone()) == time.localtime(t).tm_gmtoff
        assert format_time(t, SystemLocalTimezone()) == time.strftime("%H:%M:%S", time.localtime(t))


def test_durations_read_naturally():
    assert format_duration(0) == "0 s"
    assert format_duration(4.5) == "4.5 s"
    assert format_duration(45) == "45 s"
    assert format_duration(725) == "12 min 05 s"
    assert format_duration(3 * 3600 + 20 * 60) == "3 h 20 min"
    assert format_duration(2 * 86400 + 4 * 3600 + 59) == "2 d 4 h"


# --- typed times ("Jump to", Ctrl+G) -----------------------------------------------------------

_OPENED_AT = datetime(2026, 4, 12, 15, 20, tzinfo=BERLIN).timestamp()


@pytest.mark.parametrize(
    ("typed", "wall"),
    [
        ("2026-04-10 03:12:07", (2026, 4, 10, 3, 12, 7)),
        ("  2026-04-10T03:12  ", (2026, 4, 10, 3, 12, 0)),
        ("2026-04-10   03:12:07", (2026, 4, 10, 3, 12, 7)),
        ("2026-04-10", (2026, 4, 10, 0, 0, 0)),
        ("10.04.2026 03:12", (2026, 4, 10, 3, 12, 0)),
        ("03:12:07", (2026, 4, 12, 3, 12, 7)),  # a time alone: on the day the dialog opened at
        ("3:12", (2026, 4, 12, 3, 12, 0)),
    ],
)
def test_a_typed_time_is_read_as_local_wall_clock(typed, wall):
    assert parse_typed_time(typed, _OPENED_AT, BERLIN) == datetime(*wall, tzinfo=BERLIN).timestamp()


@pytest.mark.parametrize("typed", ["", "   ", "yesterday", "2026-13-01 00:00", "25:00", "03:12:07 pm"])
def test_what_is_not_a_time_is_refused_with_a_hint(typed):
    with pytest.raises(ValueError, match="e.g."):
        parse_typed_time(typed, _OPENED_AT, BERLIN)
