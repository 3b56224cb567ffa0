"""The media position between libvlc's coarse time updates (no Qt, no libvlc: plain math).

libvlc 3 reports the playback time about once a second, up to a second stale, and briefly wrong
after a seek; a timeline cursor needs better. Measured on HLS (demo archive, 25 fps, 1-s GOP):

- the first frame after a precise seek is the first one at or after the target, so a seek or
  an open-at-offset gives an exact ANCHOR when its first frame arrives ("landing"). Now and
  then (~1 in 10) libvlc drops that frame and shows the next one: the position is then one
  frame behind the picture, which nothing on the libvlc side can tell us (no timestamps);
- from there the media advances with the wall clock times the rate, as long as frames keep
  coming; when they stop (network stall) the clock must stop too, and resume from the frame
  after the last one shown;
- the landing picture is shown 10-60 ms ahead of its schedule (libvlc displays it as soon as
  it is decoded), so the wall time of the anchor is refined over the next frames:
  frame n after the anchor implies the anchor was shown at its time - n frame intervals (n
  counts a dropped frame where the gap is two intervals); the median of these wins;
- libvlc's own time, at the moments it changes, is within about -0.3..+0.1 s of the truth at
  1x, so it only corrects gross errors (a stall we did not see, a rate change that took effect
  late), never the steady state.

Times are in seconds. `now` is injectable so tests run without waiting.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

# libvlc's time at its change moments lags the shown frame by up to ~0.3 s and leads by ~0.1 s
# (1x); outside this window (scaled by the rate) our estimate is the one that is wrong.
_LIBVLC_LEADS_BY_AT_MOST = 0.2
_LIBVLC_LAGS_BY_AT_MOST = 1.3
# libvlc's time after a landing (open, seek) is not trusted for this many wall seconds.
LANDING_GRACE = 3.0
REFINE_FRAMES = 12  # frames after an anchor used to refine its wall time
STALL_SAMPLES = 3  # libvlc time changes that correct the position after a stall


class PlaybackClock:
    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._anchor_media = 0.0
        self._anchor_wall = 0.0
        self._rate = 1.0
        self._running = False  # the player is (meant to be) playing
        self._holding = True  # waiting for the first frame at the anchor (open/seek)
        self._last_frame_wall: float | None = None
        self._frame_interval = 0.04  # media seconds per frame; from the stream's fps
        self._disagreements = 0  # consecutive libvlc times outside the plausible window
        self._trust_libvlc_from = 0.0  # wall time
        self._refining = False
        self._resumed_after_stall = False  # correct by libvlc's next few time changes
        self._stall_errors: list[float] = []
        self._refine_index = 0  # which frame after the anchor the last one shown was
        self._refine_last = 0.0  # wall time of that frame
        self._refine_implied: list[float] = []  # anchor wall times the frames imply

    # -- events -----------------------------------------------------------------------------

    def reset(self, media_seconds: float = 0.0) -> None:
        """A new stream: stand at `media_seconds` until its first frame lands."""
        self._anchor_media = max(0.0, media_seconds)
        self._anchor_wall = self._now()
        self._holding = True
        self._last_frame_wall = None
        self._disagreements = 0
        self._refining = False
        self._resumed_after_stall = False

    def hold(self, target: float) -> None:
        """A seek was issued: the position is the target, standing still until it lands."""
        self.reset(target)

    def landed(self, wall: float | None = None, skipped: int = 0) -> None:
        """The first frame at the anchor was shown (at `wall`): run from there if playing.
        `skipped`: frames after the landing one that were shown before it reached us."""
        wall = self._now() if wall is None else wall
        self._anchor_media += skipped * self._frame_interval
        self._anchor_wall = wall
        self._trust_libvlc_from = wall + LANDING_GRACE
        self._holding = False
        self._last_frame_wall = wall
        self._disagreements = 0
        self._start_refining(wall)

    def frame_shown(self, wall: float) -> None:
        """A frame (not a landing) was shown at `wall`: refines the anchor, detects stalls."""
        if self._holding:
            return
        last = self._last_frame_wall
        self._last_frame_wall = wall
        if not self._running:
            return
        if last is not None and wall - last > self.stall_after():
            # Frames stopped and came back. Best guess: this is the frame after the last one we
            # saw; but libvlc may have skipped some (seen: 0.8 s after a 1.4 s stall), so its
            # next few time changes correct that (observe_libvlc_time).
            self._anchor_media = self._estimate(last) + self._frame_interval * self._rate
            self._anchor_wall = wall
            self._start_refining(wall)
            self._resumed_after_stall, self._stall_errors = True, []
            return
        if self._refining:
            self._refine(wall)

    def _start_refining(self, wall: float) -> None:
        self._refining = True
        self._refine_index = 0
        self._refine_last = wall
        self._refine_implied = []

    def _refine(self, wall: float) -> None:
        step = self._frame_interval / self._rate  # wall seconds per frame
        if self._refine_index == 0:
            index = 1  # the frame shown at the anchor itself may have come early: not counted
        else:
            # A gap of two frames means one was dropped: count it, so it implies no later anchor.
            index = self._refine_index + max(1, round((wall - self._refine_last) / step))
        self._refine_index, self._refine_last = index, wall
        self._refine_implied.append(wall - index * step)
        self._anchor_wall = statistics.median(self._refine_implied)
        if len(self._refine_implied) >= REFINE_FRAMES:
            self._refining = False

    def set_running(self, running: bool) -> None:
        """Play (True) or pause (False): the position continues from where it stands."""
        if running == self._running:
            return
        self._rebase()
        self._running = running
        if running and not self._holding:
            # Pausing is not a stall; the next frame is the one after the paused one.
            self._last_frame_wall = self._now()
            self._start_refining(self._now())

    def snap(self, media_seconds: float) -> None:
        """While paused: the picture on screen is at `media_seconds`; stand there."""
        if not self._running:
            self._anchor_media = max(0.0, media_seconds)
            self._anchor_wall = self._now()

    def set_rate(self, rate: float) -> None:
        self._rebase()
        self._rate = rate
        self._refining = False  # libvlc switches speed a few frames late: do not refine
        self._trust_libvlc_from = self._now() + LANDING_GRACE  # libvlc applies it late

    def set_frame_rate(self, fps: float) -> None:
        if fps > 0:
            self._frame_interval = 1.0 / fps

    def observe_libvlc_time(self, media_seconds: float, wall: float | None = None) -> bool:
        """libvlc's time CHANGED to `media_seconds` at `wall`; True if it corrected us.

        After a landing libvlc's time is wrong for a while (seen: 2-3 s behind for over a
        second), and any single value may be stale; so only an error that persists over two
        consecutive changes, well after landing, moves the anchor.
        """
        wall = self._now() if wall is None else wall
        if self._holding or not self._running or wall < self._trust_libvlc_from:
            self._disagreements = 0
            return False
        error = media_seconds - self._estimate(wall)
        if self._resumed_after_stall:
            # libvlc's values lag the picture by 0..0.5 s (they change when its 250 ms
            # statistics tick sees a new second) and rarely lead it by more than 0.06 s: the
            # largest of a few is the closest.
            self._stall_errors.append(error)
            if len(self._stall_errors) < STALL_SAMPLES:
                return False
            self._resumed_after_stall = False
            self._anchor_media += max(self._stall_errors)
            return True
        scale = max(1.0, self._rate)
        if -_LIBVLC_LAGS_BY_AT_MOST * scale <= error <= _LIBVLC_LEADS_BY_AT_MOST * scale:
            self._disagreements = 0
            return False
        self._disagreements += 1
        if self._disagreements < 2:
            return False
        self._disagreements = 0
        self._anchor_media, self._anchor_wall = media_seconds, wall
        self._last_frame_wall = wall
        return True

    # -- reading ----------------------------------------------------------------------------

    def position(self, now: float | None = None) -> float:
        """The position now, or at the wall time `now` (e.g. when a frame was shown)."""
        now = self._now() if now is None else now
        if self._holding or not self._running:
            return self._anchor_media
        if self._last_frame_wall is not None:
            # No frame for a while: the player is stalled, so stop where the next frame would be.
            now = min(now, self._last_frame_wall + self.stall_after())
        return self._estimate(now)

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def holding(self) -> bool:
        return self._holding

    @property
    def running(self) -> bool:
        return self._running

    def stall_after(self) -> float:
        """Wall seconds without a frame after which playback counts as stalled."""
        return max(0.25, 3.0 * self._frame_interval)

    # -- internals --------------------------------------------------------------------------

    def _estimate(self, wall: float) -> float:
        return self._anchor_media + max(0.0, wall - self._anchor_wall) * self._rate

    def _rebase(self) -> None:
        """Fold the time run so far into the anchor (before the rate or running changes)."""
        now = self._now()
        self._anchor_media = self.position(now)
        self._anchor_wall = now
