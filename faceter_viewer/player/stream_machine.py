"""What a VlcBackend's stream is doing, and what to do next: a state machine without Qt or libvlc.

VlcBackend (vlc_backend.py) feeds it plain values - its own commands (open, seek, pause...),
the events, coarse times and pictures libvlc reported (vlc_frames collects them), and watchdog
ticks - and carries out the ACTIONS it returns (stream_actions.py), in order: libvlc calls
(Begin a fresh player, SeekNow, Pause, NextFrame...) and Qt signals (SetState, EmitPosition,
ShowFrame...). Time comes from an injected `now` (time.monotonic by default, shared with the
PlaybackClock), so every sequence - a stall, a frame step libvlc ignored, an open that never
shows a picture - is testable without libvlc or waiting (tests/unit/player/
test_stream_machine.py).

libvlc 3 behaviours this works around (measured on HLS):
- ":start-time" and a set_time() before the streams exist land on the KEYFRAME before the
  target (up to a GOP early); a set_time() once they exist lands on the target frame. So an
  open at an offset plays from 0 with pictures held back (HoldForSeek) and seeks when libvlc
  displayed the first one (the sink reports it as LibvlcEvent.HELD).
- A seek made while paused lands unreliably, and resuming after next_frame() restarts an HLS
  stream from its very beginning. So a seek while paused Begins a fresh player at the target
  that plays to the landing picture and pauses there, and resuming after frame steps Begins one
  at the next frame.
- libvlc reports no buffering when the network stalls mid-stream: no picture for STALLED_AFTER
  while playing is BUFFERING. Now and then libvlc ignores next_frame(): after STEP_TIMEOUT the
  step is made by Beginning a paused player at the next frame.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from faceter_viewer.core.playback_clock import PlaybackClock
from faceter_viewer.player.libvlc_events import LibvlcEvent
from faceter_viewer.player.player_state import PlayerState
from faceter_viewer.player.stream_actions import (
    Action,
    ApplyAudio,
    ApplyRate,
    Begin,
    Discard,
    EmitError,
    EmitFirstFrame,
    EmitPosition,
    HoldForSeek,
    IssuePendingSeek,
    NextFrame,
    Pause,
    PausePlayer,
    RefreshAudio,
    ReleaseHold,
    Reopen,
    Resume,
    SeekNow,
    SetDuration,
    SetState,
    ShowFirstWhilePaused,
    ShowFrame,
    SkipRepeatsOfShown,
)

log = logging.getLogger("faceter_viewer.player.vlc_backend")

DEFAULT_FPS = 25.0
STALLED_AFTER = 1.0  # seconds without a picture while playing -> BUFFERING
STEP_TIMEOUT = 0.6  # seconds for next_frame()'s picture before stepping another way
DEFAULT_OPEN_TIMEOUT = 20.0  # seconds for a stream's first picture before it counts as failed


@dataclass
class _Stream:
    """What one player (one Begin) has done so far."""

    seek_on_ready: float | None  # open-at-offset: seek once libvlc displayed a picture
    landing_pause: bool  # playing only until the landing picture, then pause
    skip_repeats: bool  # resuming after frame steps: the picture on screen is not shown again
    created: bool = False  # the backend has the player (session_created)
    created_at: float = 0.0  # the open timeout counts from here
    ready_to_seek: bool = False  # libvlc displayed a picture: a seek now lands precisely
    first_frame: bool = False
    last_frame_at: float = 0.0
    stepped: bool = False  # next_frame() was used: libvlc cannot simply resume any more
    step_requested_at: float | None = None  # a next_frame() whose picture has not come yet
    libvlc_time_ms: float | None = None


class StreamMachine:
    def __init__(
        self,
        *,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._now = now
        self._open_timeout = open_timeout
        self._clock = PlaybackClock(now)
        self._state = PlayerState.IDLE
        self._stream: _Stream | None = None
        self._source = ""  # where the stream comes from, for messages: "(from host:port)"
        self._error: str | None = None
        self._start_offset = 0.0  # of the last Begin: where play() retries an open
        self._duration = 0.0
        self._fps = DEFAULT_FPS
        self._shown_media = 0.0  # media time of the picture last handed to the GUI
        self._opened_at = 0.0
        self._announce_first_frame = False

    # -- reading ------------------------------------------------------------------------------

    @property
    def state(self) -> PlayerState:
        return self._state

    @property
    def error(self) -> str | None:
        return self._error

    @property
    def duration(self) -> float:
        return self._duration

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def awaiting_landing(self) -> bool:
        """Is the next picture the one a seek, an open or a reopen lands on? THE notion of a
        landing: a picture arriving while this is True is the landing picture (the position is
        anchored there), and pause/frame_step treat the position as not yet known."""
        return self._clock.holding

    def position(self) -> float:
        if self._state is PlayerState.ENDED and self._duration > 0:
            return self._duration
        return self._clock.position()

    # -- the backend's commands -----------------------------------------------------------------

    def open(self, start_offset: float = 0.0, *, source: str = "", paused: bool = False) -> list[Action]:
        """A new stream from `start_offset` seconds; `source` says where from, in messages.
        `paused`: play only to the frame at start_offset and pause there (PAUSED on landing)."""
        self._source = source
        self._error = None
        self._opened_at = self._now()
        self._announce_first_frame = True
        actions = self._set_duration(0.0) + self._set_state(PlayerState.OPENING)
        return actions + self._begin(max(0.0, float(start_offset)), paused=paused)

    def session_created(self) -> list[Action]:
        """The player of the last Begin exists (not playing yet): how to set it up."""
        stream = self._stream
        if stream is None:
            return []
        stream.created, stream.created_at = True, self._now()
        actions: list[Action] = []
        if stream.seek_on_ready is not None:
            actions.append(HoldForSeek())
        if stream.skip_repeats:
            actions.append(SkipRepeatsOfShown())
        if stream.landing_pause:
            actions.append(ShowFirstWhilePaused())
        return actions

    def play(self) -> list[Action]:
        stream = self._created()
        if stream is None or self._state in (PlayerState.ENDED, PlayerState.ERROR):
            if self._state is PlayerState.ERROR and self._duration > 0:
                offset = self._clock.position()  # retry an archive where it failed
            elif self._state is PlayerState.ENDED:
                offset = 0.0
            else:
                offset = self._start_offset
            return [Reopen(offset)]
        if self._clock.running and self._state is not PlayerState.PAUSED:
            return []
        if stream.stepped:
            # libvlc 3 resumes HLS from the very beginning after next_frame(): play the frame
            # after the one on screen from a fresh player instead. The shown frame's time is
            # known to a frame: never show it twice.
            # (BUFFERING first: should the fresh player fail at once, ERROR comes after it.)
            interval = 1.0 / self._fps
            return self._set_state(PlayerState.BUFFERING) + self._begin(
                self._shown_media + interval / 2,
                paused=False,
                anchor=self._shown_media + interval,
                skip_repeats=True,
            )
        stream.landing_pause = False
        self._clock.set_running(True)
        state = PlayerState.PLAYING if stream.first_frame else PlayerState.BUFFERING
        return [Resume(), *self._set_state(state)]

    def pause(self) -> list[Action]:
        stream = self._created()
        if stream is None or self._state in (
            PlayerState.IDLE,
            PlayerState.ENDED,
            PlayerState.ERROR,
        ):
            return []
        if not self._clock.running:
            return []
        self._clock.set_running(False)
        if stream.first_frame and not self.awaiting_landing:
            # The paused position is the picture shown.
            self._shown_media = self._on_frame_grid(self._shown_media)
            self._clock.snap(self._shown_media)
        return [Pause(show_next=not stream.first_frame), *self._set_state(PlayerState.PAUSED)]

    def stop(self) -> list[Action]:
        self._stream = None
        self._clock.reset(0.0)
        self._clock.set_running(False)
        return [Discard(), *self._set_state(PlayerState.IDLE)]

    def seek(self, seconds: float, *, seekable: bool) -> list[Action]:
        """`seekable`: libvlc's is_seekable() for the current player (False for live)."""
        stream = self._created()
        if stream is None:
            return []
        target = max(0.0, float(seconds))
        if self._duration > 0:
            target = min(target, max(0.0, self._duration - 1.0 / self._fps))
        actions: list[Action] = []
        if not stream.ready_to_seek:
            # Still opening: land there instead of at the original offset.
            if stream.seek_on_ready is None:
                actions.append(HoldForSeek())
            stream.seek_on_ready = target
            self._clock.reset(self._landing_estimate(target))
        elif not seekable:
            log.info("seek ignored: the stream is not seekable (live)")
            return []
        elif self._clock.running:
            self._clock.hold(self._landing_estimate(target))
            actions.append(SeekNow(target))
        else:
            # libvlc 3 lands a seek made while paused unreliably (on a keyframe, on no picture,
            # or runs a second of pictures while "paused"), and resuming after it, or after
            # next_frame(), may restart somewhere else. A fresh player opened at the target
            # (the reliable path) plays to the landing picture and pauses there.
            if self._state is PlayerState.ENDED:
                actions += self._set_state(PlayerState.PAUSED)
            actions += self._begin(target, paused=True)
        return [*actions, EmitPosition(target)]

    def frame_step(self) -> list[Action]:
        stream = self._created()
        if stream is None or not stream.first_frame or self.awaiting_landing:
            return []  # nothing shown yet, or a seek is still landing
        actions = self.pause() if self._clock.running else []
        # libvlc shows the next frame; the sink passes it on as a new picture while paused and
        # on_frame moves the position by one frame. Now and then (a player paused right after
        # it started) libvlc ignores next_frame(): tick() then steps by reopening.
        stream.stepped = True
        stream.step_requested_at = self._now()
        return [*actions, NextFrame()]

    def set_rate(self, rate: float) -> list[Action]:
        self._clock.set_rate(rate)
        return [ApplyRate(rate)] if self._created() is not None else []

    def set_frame_rate(self, fps: float) -> None:
        """The stream's frame rate, once libvlc tells it (ignored outside 1..240)."""
        if 1.0 <= fps <= 240.0:
            self._fps = fps
            self._clock.set_frame_rate(fps)

    def fail(self, message: str) -> list[Action]:
        """Playback failed for good: `message` is for the user."""
        log.warning("playback failed: %s", message)
        self._stream = None
        self._clock.set_running(False)
        self._error = message
        return [Discard(), *self._set_state(PlayerState.ERROR), EmitError(message)]

    def fail_playback(self) -> list[Action]:
        """libvlc could not play the stream (an error event, or play() refused)."""
        return self.fail(
            f"The video stream could not be played {self._source}. Check the connection and retry."
        )

    # -- what libvlc reported -------------------------------------------------------------------

    def on_event(
        self, kind: LibvlcEvent, value: float = 0.0, *, seekable: bool = False
    ) -> list[Action]:
        """An event of the current player; `seekable` (libvlc's is_seekable()) matters for
        HELD only."""
        stream = self._created()
        if stream is None:
            return []
        if kind is LibvlcEvent.HELD:
            return self._on_held(stream, seekable)
        if kind is LibvlcEvent.ES_ADDED:
            return [RefreshAudio()]
        if kind is LibvlcEvent.PLAYING:
            actions: list[Action] = [RefreshAudio(), ApplyAudio()]
            if self._state is PlayerState.OPENING:
                state = PlayerState.PLAYING if stream.first_frame else PlayerState.BUFFERING
                actions += self._set_state(state)
            return actions
        if kind is LibvlcEvent.LENGTH:
            return self._set_duration(value / 1000.0)
        if kind is LibvlcEvent.ENDED:
            self._clock.set_running(False)
            return self._set_state(PlayerState.ENDED)
        if kind is LibvlcEvent.ERROR:
            return self.fail_playback()
        if kind is LibvlcEvent.STOPPED and self._state not in (
            PlayerState.ENDED,
            PlayerState.ERROR,
        ):
            # libvlc stopped by itself (we never stop a live session's player): the stream ended.
            self._clock.set_running(False)
            return self._set_state(PlayerState.ENDED)
        return []

    def _on_held(self, stream: _Stream, seekable: bool) -> list[Action]:
        if stream.ready_to_seek:
            return []
        # libvlc displayed its first picture (held back by the sink): its start-up is over, a
        # seek now is precise and whatever buffering follows is the seek's own.
        stream.ready_to_seek = True
        if stream.seek_on_ready is None:
            return []
        target, stream.seek_on_ready = stream.seek_on_ready, None
        if seekable:
            return [IssuePendingSeek(target)]
        # Live: there is nothing to seek in; show it from where it is.
        self._clock.reset(0.0)
        return [ReleaseHold()]

    def on_time(self, time_ms: float, reported_at: float) -> list[Action]:
        """libvlc's coarse time (ms) as it was at `reported_at` (monotonic)."""
        stream = self._created()
        if stream is None or time_ms == stream.libvlc_time_ms:
            return []
        stream.libvlc_time_ms = time_ms
        if self._clock.observe_libvlc_time(time_ms / 1000.0, reported_at):
            log.debug("position corrected to libvlc's %.3f s", time_ms / 1000.0)
        return [EmitPosition(self.position())]

    def on_frame(self, shown_at: float, skipped: int = 0) -> list[Action]:
        """A picture libvlc displayed at `shown_at` (monotonic) reached the GUI; `skipped`
        pictures after the one expected came before it and were never taken."""
        stream = self._created()
        if stream is None:
            return []
        actions: list[Action] = []
        landed = self.awaiting_landing
        if landed:
            self._clock.landed(shown_at, skipped)
            if stream.landing_pause:
                stream.landing_pause = False
                actions.append(PausePlayer())
        elif not self._clock.running:
            # A new picture while paused: libvlc showed one more after pause() (or one was on
            # its way to us), or next_frame() stepped. That is where it stands now.
            self._clock.snap(self._shown_media + (1 + skipped) / self._fps)
            stream.step_requested_at = None
        else:
            self._clock.frame_shown(shown_at)
        self._shown_media = self._clock.position(shown_at)
        if not self._clock.running:
            self._shown_media = self._on_frame_grid(self._shown_media)
            self._clock.snap(self._shown_media)
        stream.last_frame_at = self._now()
        first = not stream.first_frame
        stream.first_frame = stream.ready_to_seek = True
        if self._state in (PlayerState.OPENING, PlayerState.BUFFERING):
            # Landed (or frames flow again); an open(paused=True) stands PAUSED at its frame.
            actions += self._set_state(PlayerState.PLAYING if self._clock.running else PlayerState.PAUSED)
        actions.append(ShowFrame(self._shown_media))
        if first and self._announce_first_frame:
            self._announce_first_frame = False
            actions.append(EmitFirstFrame(self._now() - self._opened_at))
        if landed:
            actions.append(EmitPosition(self._clock.position()))
        return actions

    def tick(self) -> list[Action]:
        """The watchdog (every ~250 ms while a player exists): a first picture that never
        came, a next_frame() libvlc ignored, a stall libvlc does not report."""
        stream = self._created()
        if stream is None:
            return []
        now = self._now()
        if not stream.first_frame and now - stream.created_at > self._open_timeout:
            return self.fail(f"No video arrived within {self._open_timeout:.0f} s {self._source}.")
        if self._state is PlayerState.ENDED:
            return []
        if stream.step_requested_at is not None:
            if now - stream.step_requested_at <= STEP_TIMEOUT:
                return []
            log.info("libvlc ignored next_frame(); stepping by reopening")
            interval = 1.0 / self._fps
            return self._begin(
                self._shown_media + interval / 2,
                paused=True,
                anchor=self._shown_media + interval,
            )
        if not stream.first_frame or not self._clock.running:
            return []
        stalled = now - stream.last_frame_at > max(STALLED_AFTER, self._clock.stall_after())
        if stalled and self._state is PlayerState.PLAYING:
            return self._set_state(PlayerState.BUFFERING)
        return []

    # -- helpers --------------------------------------------------------------------------------

    def _created(self) -> _Stream | None:
        """The current stream, once its player exists (commands before that are ignored)."""
        stream = self._stream
        return stream if stream is not None and stream.created else None

    def _begin(
        self,
        start_offset: float,
        *,
        paused: bool,
        anchor: float | None = None,
        skip_repeats: bool = False,
    ) -> list[Action]:
        """A fresh player from `start_offset` (open, a seek while paused, resuming or stepping
        after frame steps); `anchor` is the media time of the frame expected there."""
        self._stream = _Stream(
            seek_on_ready=start_offset if start_offset > 0 else None,
            landing_pause=paused,
            skip_repeats=skip_repeats,
        )
        self._start_offset = start_offset
        self._clock.reset(self._landing_estimate(start_offset) if anchor is None else anchor)
        self._clock.set_running(not paused)
        return [Begin(start_offset, paused)]

    def _landing_estimate(self, target: float) -> float:
        """Media time of the frame a seek to `target` lands on: the first frame at or after it.
        Frames carry no timestamps through libvlc's video callbacks, so this assumes what HLS
        (and the Faceter archive) gives: a constant frame rate with a frame at time 0."""
        return math.ceil(target * self._fps - 1e-6) / self._fps

    def _on_frame_grid(self, seconds: float) -> float:
        return round(seconds * self._fps) / self._fps

    def _set_state(self, state: PlayerState) -> list[Action]:
        if state is self._state:
            return []
        self._state = state
        return [SetState(state)]

    def _set_duration(self, seconds: float) -> list[Action]:
        if seconds == self._duration:
            return []
        self._duration = seconds
        return [SetDuration(seconds)]
