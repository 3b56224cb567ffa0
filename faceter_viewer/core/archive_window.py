"""Which archive playlist to play for a moment, and how player time maps back to wall time.

Archive playback asks the Archive API for `index.m3u8` over ONE recording interval at a time, from
the requested moment to the interval's end (or a cap). Inside one interval the playlist has no
gaps, so wall time = the playlist's first frame + the player's position. At the interval's end
playback moves on to the next interval (jumping the gap visibly).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from faceter_viewer.api.rules import parse_api_datetime
from faceter_viewer.core.timeline.intervals import ArchiveIntervals

MAX_WINDOW_SECONDS = 3600.0
"""A long interval is played an hour at a time; the next hour is asked for at the window's end."""

MIN_WINDOW_SECONDS = 2.0

_DATE_TIME = re.compile(r"^#EXT-X-PROGRAM-DATE-TIME:(?P<value>\S+)\s*$", re.MULTILINE)
_FIRST_URI = re.compile(r"^[^#\s].*$", re.MULTILINE)


@dataclass(frozen=True)
class PlaylistWindow:
    requested: float  # the moment the user asked for (epoch seconds)
    start: float  # where the window begins: `requested`, or the next recording after a gap
    end: float  # where this window's playlist ends
    first_frame: float | None = None  # the wall time of the playlist's first frame, once known

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def skipped_gap(self) -> bool:
        """The requested moment had no archive; playback starts at the next recording."""
        return self.start > self.requested + 0.5

    @property
    def start_offset(self) -> float:
        """Seconds into the playlist where `start` is (segments begin on the server's grid)."""
        origin = self.first_frame if self.first_frame is not None else self.start
        return max(0.0, self.start - origin)

    def time_at(self, position: float) -> float:
        """Wall time of a player position (seconds into the playlist)."""
        origin = self.first_frame if self.first_frame is not None else self.start
        return origin + max(0.0, position)

    def with_playlist(self, text: str) -> PlaylistWindow:
        """This window, with the first frame's time read from the playlist."""
        return PlaylistWindow(self.requested, self.start, self.end, playlist_start_time(text, self.start))


def plan_window(
    intervals: ArchiveIntervals, t: float, now: float, max_duration: float = MAX_WINDOW_SECONDS
) -> PlaylistWindow | None:
    """The window to play for a click at `t`: from t (or the next recording after a gap) to its
    interval's end, at most `max_duration`; None when there is no archive from t on."""
    start = intervals.playable_from(t)
    if start is None or start >= now:
        return None
    interval = intervals.interval_at(start)
    end = interval[1] if interval is not None else start + max_duration
    end = min(end, start + max_duration, now)
    if end - start < MIN_WINDOW_SECONDS:
        following = intervals.next_start_after(end)
        if following is None or following >= now:
            return None
        return plan_window(intervals, following, now, max_duration)
    return PlaylistWindow(requested=t, start=start, end=end)


def playlist_start_time(text: str, fallback: float) -> float:
    """The wall time of a playlist's first segment: its `#EXT-X-PROGRAM-DATE-TIME` when given
    before the first segment URI, else `fallback` (the requested start)."""
    first_uri = _FIRST_URI.search(text)
    limit = first_uri.start() if first_uri else len(text)
    match = _DATE_TIME.search(text, 0, limit)
    if match is None:
        return fallback
    try:
        return parse_api_datetime(match["value"]).timestamp()
    except ValueError:
        return fallback
