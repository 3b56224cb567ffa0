"""Local time for the timeline: the display zone, UTC offsets and wall-clock formatting.

Every function takes the zone as an argument (a `tzinfo`, normally a `ZoneInfo`) so tests can pin
Europe/Berlin or Asia/Kolkata whatever the machine's zone is. `system_timezone()` is the default:
the IANA zone named by $TZ or /etc/localtime when there is one (correct across DST changes), else
a tzinfo that asks the C library (`time.localtime`), which is just as correct, only slower.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, tzinfo
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SystemLocalTimezone(tzinfo):
    """The C library's local zone (the `LocalTimezone` recipe of the `datetime` docs)."""

    def fromutc(self, dt: datetime) -> datetime:
        seconds = (dt.replace(tzinfo=None) - datetime(1970, 1, 1)).total_seconds()
        offset = timedelta(seconds=time.localtime(seconds).tm_gmtoff)
        return (dt + offset).replace(tzinfo=self)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(seconds=time.localtime().tm_gmtoff)
        stamp = time.mktime((dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, dt.weekday(), 0, -1))
        return timedelta(seconds=time.localtime(stamp).tm_gmtoff)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return time.strftime("%Z")

    def __repr__(self) -> str:
        return "SystemLocalTimezone()"


@lru_cache(maxsize=1)
def system_timezone() -> tzinfo:
    key = os.environ.get("TZ", "").lstrip(":")
    if not key:
        try:
            target = str(Path("/etc/localtime").resolve())
            if "/zoneinfo/" in target:
                key = target.split("/zoneinfo/", 1)[1]
        except OSError:
            key = ""
    if key:
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return SystemLocalTimezone()


def local_datetime(t: float, tz: tzinfo | None = None) -> datetime:
    return datetime.fromtimestamp(t, tz or system_timezone())


def utc_offset(t: float, tz: tzinfo | None = None) -> float:
    """Seconds east of UTC at the instant t in zone tz."""
    offset = local_datetime(t, tz).utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


def wall_clock_to_epoch(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, tz: tzinfo | None = None
) -> float:
    """The instant a wall clock in tz shows this time: the first of the two when the hour repeats
    (autumn), and read with the offset before the jump when it never happens (spring: 02:30 in
    Berlin is taken as 03:30 CEST)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=tz or system_timezone()).timestamp()


def format_time(t: float, tz: tzinfo | None = None, *, seconds: bool = True) -> str:
    return local_datetime(t, tz).strftime("%H:%M:%S" if seconds else "%H:%M")


def format_datetime(t: float, tz: tzinfo | None = None) -> str:
    return local_datetime(t, tz).strftime("%a %d %b %Y %H:%M:%S")


def format_duration(seconds: float) -> str:
    """"45 s", "12 min 05 s", "3 h 20 min", "2 d 4 h" - for the selection length."""
    seconds = max(0.0, seconds)
    if seconds < 60:
        return f"{seconds:.0f} s" if seconds >= 10 or seconds == int(seconds) else f"{seconds:.1f} s"
    whole = int(round(seconds))
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s"


_TYPED_FORMATS = (  # what "Jump to" accepts as typed, most specific first; no date: that day
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%H:%M:%S",
    "%H:%M",
)
TYPED_TIME_HINT = "2026-04-10 03:12:07, 2026-04-10 03:12, 03:12:07 or 03:12"


def parse_typed_time(text: str, reference: float, tz: tzinfo | None = None) -> float:
    """The instant of a wall-clock time typed by the user in zone tz: a date and time, a date
    (midnight), or a time alone (on the local date of `reference`, the moment the dialog opened
    at). Raises ValueError with a message for the user."""
    typed = " ".join(text.replace("T", " ").split())
    if not typed:
        raise ValueError("Type a date and time, e.g. " + TYPED_TIME_HINT)
    for layout in _TYPED_FORMATS:
        try:
            wall = datetime.strptime(typed, layout)
        except ValueError:
            continue
        if "%d" not in layout:  # a time alone
            day = local_datetime(reference, tz)
            wall = wall.replace(year=day.year, month=day.month, day=day.day)
        return wall_clock_to_epoch(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second, tz)
    raise ValueError(f"“{text.strip()}” is not a date and time; type e.g. {TYPED_TIME_HINT}")
