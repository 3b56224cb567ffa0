"""PlayerBackend on libvlc (python-vlc), rendering through video callbacks into QImages.

Threads: every method runs on the GUI thread and only makes libvlc calls that return at once
(creating a player, play, pause, set_time, set_rate, getters: measured at well under 1 ms).
The two that can block are kept off it: loading libvlc (vlc_runtime.load_runtime_async) and
stopping/releasing a player (vlc_runtime.release_in_background), so switching streams never
waits for the old one to wind down. libvlc's callbacks (vlc_frames) only copy and notify; this
class reacts to what they collected when the queued notification arrives.

Each open() gets a fresh VlcSession (a media player with its own FrameSink), so nothing from
an old stream - a late picture, a Stopped event - can reach the new one.

libvlc 3 behaviours worked around here (measured on HLS):
- ":start-time" and a set_time() before the streams exist land on the KEYFRAME before the
  target (up to a GOP early); a set_time() once they exist lands on the target frame. So
  open(start_offset=...) plays from 0 with pictures held back and seeks when the first one is
  displayed. (Seeking at ESAdded or at the first full buffer lands ~50 ms sooner, but on a
  busy machine the rest of the start-up's buffering then passes for the seek's and lets a
  picture from 0 through.)
- A seek made while libvlc is paused lands unreliably (on a keyframe, on no picture at all, or
  runs a second of pictures while "paused"), and resuming after next_frame() restarts an HLS
  stream from its very beginning. So a seek while paused opens a fresh player at the target
  that plays to the landing picture and pauses there, and resuming after frame steps opens one
  at the next frame. Plain pause/resume and next_frame() itself are reliable.
- libvlc reports no buffering when the network stalls mid-stream; a watchdog turns "no picture
  for a while" into BUFFERING.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from faceter_viewer.api.redaction import redact
from faceter_viewer.player.backend import PlayerBackend, PlayerState, check_rate
from faceter_viewer.player.capability import Capabilities
from faceter_viewer.player.clock import PlaybackClock
from faceter_viewer.player.vlc_reactions import DEFAULT_FPS, VlcReactions
from faceter_viewer.player.vlc_runtime import (
    VlcRuntime,
    load_runtime_async,
    loaded_runtime,
)
from faceter_viewer.player.vlc_session import VlcSession
from faceter_viewer.player.vlc_tracks import TrackReader

log = logging.getLogger(__name__)

WATCHDOG_MS = 250


class VlcBackend(VlcReactions, PlayerBackend):
    _sink_notified = Signal()  # from libvlc threads
    _runtime_loaded = Signal(int, object, object)  # (open serial, runtime, capabilities)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        network_caching_ms: int = 500,
        open_timeout: float = 20.0,
    ) -> None:
        super().__init__(parent)
        self._network_caching_ms = network_caching_ms
        self._open_timeout = open_timeout
        self._sink_notified.connect(self._on_sink_notified, Qt.ConnectionType.QueuedConnection)
        self._runtime_loaded.connect(self._on_runtime_loaded, Qt.ConnectionType.QueuedConnection)
        self._session: VlcSession | None = None
        self._serial = 0
        self._state = PlayerState.IDLE
        self._url: str | None = None
        self._start_offset = 0.0
        self._start_paused = False
        self._skip_repeats_of: QImage | None = None
        self._announce_first_frame = False
        self._opened_at = 0.0
        self._error: str | None = None
        self._muted = False
        self._volume = 100
        self._rate = 1.0
        self._duration = 0.0
        self._has_audio = False
        self._video_size = QSize()
        self._last_image = QImage()
        self._fps = DEFAULT_FPS
        self._shown_media = 0.0  # media time of the picture last handed to the GUI
        self._clock = PlaybackClock()
        self._tracks: TrackReader | None = None  # once libvlc is loaded
        self._release_threads: list[threading.Thread] = []
        self._open_timer = QTimer(self)
        self._open_timer.setSingleShot(True)
        self._open_timer.timeout.connect(self._on_open_timer_timeout)
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self._on_watchdog_timeout)

    # -- PlayerBackend: transport ---------------------------------------------------------------

    def open(self, url: str, *, start_offset: float = 0.0, muted: bool | None = None) -> None:
        self._url = url
        if muted is not None:
            self._muted = muted
        self._error = None
        self._opened_at = time.monotonic()
        self._announce_first_frame = True
        self._set_duration(0.0)
        self._set_has_audio(False)
        self._set_state(PlayerState.OPENING)
        self._begin(max(0.0, float(start_offset)), paused=False)

    def _begin(
        self,
        start_offset: float,
        *,
        paused: bool,
        anchor: float | None = None,
        skip_repeats_of: QImage | None = None,
    ) -> None:
        """A fresh libvlc player for self._url from start_offset (open, or a seek while paused,
        or resuming after frame steps); `anchor` is the media time of the frame expected there."""
        self._discard_session()
        self._serial += 1
        self._start_offset, self._start_paused = start_offset, paused
        self._skip_repeats_of = (
            skip_repeats_of if skip_repeats_of and not skip_repeats_of.isNull() else None
        )
        self._clock.reset(self._landing_estimate(start_offset) if anchor is None else anchor)
        self._clock.set_running(not paused)
        self._open_timer.start(int(self._open_timeout * 1000))
        runtime = loaded_runtime()
        if runtime is not None:
            self._start(runtime)
            return
        serial = self._serial
        load_runtime_async(lambda rt, caps: self._runtime_loaded.emit(serial, rt, caps))

    def play(self) -> None:
        session = self._session
        if session is None or self._state in (PlayerState.ENDED, PlayerState.ERROR):
            if self._url is None:
                return
            if self._state is PlayerState.ERROR and self._duration > 0:
                offset = self._clock.position()  # retry an archive where it failed
            elif self._state is PlayerState.ENDED:
                offset = 0.0
            else:
                offset = self._start_offset
            self.open(self._url, start_offset=offset)
            return
        if not self._clock.running or self._state is PlayerState.PAUSED:
            if session.stepped:
                # libvlc 3 resumes HLS from the very beginning after next_frame(): play the
                # frame after the one on screen from a fresh player instead.
                interval = 1.0 / self._fps
                # The shown frame's time is known to a frame: never show it twice.
                self._begin(
                    self._shown_media + interval / 2,
                    paused=False,
                    anchor=self._shown_media + interval,
                    skip_repeats_of=self._last_image,
                )
                self._set_state(PlayerState.BUFFERING)
                return
            session.sink.set_paused(False)
            session.landing_pause = False
            self._clock.set_running(True)
            session.set_pause(False)
            self._set_state(PlayerState.PLAYING if session.first_frame else PlayerState.BUFFERING)

    def pause(self) -> None:
        session = self._session
        if session is None or self._state in (
            PlayerState.IDLE,
            PlayerState.ENDED,
            PlayerState.ERROR,
        ):
            return
        if not self._clock.running:
            return
        self._clock.set_running(False)
        if session.first_frame and not self._clock.holding:
            # The paused position is the picture shown.
            self._shown_media = self._on_frame_grid(self._shown_media)
            self._clock.snap(self._shown_media)
        session.sink.set_paused(True, show_next=not session.first_frame)
        session.set_pause(True)
        self._set_state(PlayerState.PAUSED)

    def stop(self) -> None:
        self._discard_session()
        self._clock.reset(0.0)
        self._clock.set_running(False)
        self._set_state(PlayerState.IDLE)

    def close(self, *, wait: bool = False) -> None:
        self.stop()
        if wait:
            for thread in self._release_threads:
                thread.join(10.0)
        self._release_threads = [t for t in self._release_threads if t.is_alive()]

    def seek(self, seconds: float) -> None:
        session = self._session
        if session is None:
            return
        target = max(0.0, float(seconds))
        if self._duration > 0:
            target = min(target, max(0.0, self._duration - 1.0 / self._fps))
        if not session.ready_to_seek:
            # Still opening: land there instead of at the original offset.
            if session.seek_on_ready is None:
                session.sink.begin_hold(seek_pending=True)
            session.seek_on_ready = target
            self._clock.reset(self._landing_estimate(target))
        elif not session.is_seekable():
            log.info("seek ignored: the stream is not seekable (live)")
            return
        elif self._clock.running:
            self._seek_session(session, target)
        else:
            # libvlc 3 lands a seek made while paused unreliably (on a keyframe, on no picture,
            # or runs a second of pictures while "paused"), and resuming after it, or after
            # next_frame(), may restart somewhere else. A fresh player opened at the target
            # (the reliable path) plays to the landing picture and pauses there.
            if self._state is PlayerState.ENDED:
                self._set_state(PlayerState.PAUSED)
            self._begin(target, paused=True)
        self.position_changed.emit(target)

    def frame_step(self) -> None:
        session = self._session
        if session is None or not session.first_frame or self._clock.holding:
            return  # nothing shown yet, or a seek is still landing
        if self._clock.running:
            self.pause()
        # libvlc shows the next frame; the sink passes it on as a new picture while paused
        # and _on_frame moves the position by one frame. Now and then (a player paused right
        # after it started) libvlc ignores next_frame(): the watchdog then steps by reopening.
        session.stepped = True
        session.step_requested_at = time.monotonic()
        session.next_frame()

    def set_rate(self, rate: float) -> None:
        self._rate = check_rate(rate)
        self._clock.set_rate(self._rate)
        if self._session is not None:
            self._session.set_rate(self._rate)

    def rate(self) -> float:
        return self._rate

    # -- PlayerBackend: audio -------------------------------------------------------------------

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)
        self._apply_audio()

    def is_muted(self) -> bool:
        return self._muted

    def set_volume(self, volume: int) -> None:
        self._volume = max(0, min(100, int(volume)))
        self._apply_audio()

    def volume(self) -> int:
        return self._volume

    def has_audio(self) -> bool:
        return self._has_audio

    # -- PlayerBackend: what is showing ---------------------------------------------------------

    def state(self) -> PlayerState:
        return self._state

    def url(self) -> str | None:
        return self._url

    def error_message(self) -> str | None:
        return self._error

    def position(self) -> float:
        if self._state is PlayerState.ENDED and self._duration > 0:
            return self._duration
        return self._clock.position()

    def duration(self) -> float:
        return self._duration

    def video_size(self) -> QSize:
        return QSize(self._video_size)

    def snapshot(self) -> QImage:
        return self._last_image.copy()

    # -- diagnostics ----------------------------------------------------------------------------

    def frame_counters(self) -> dict[str, int]:
        """Of the current stream: pictures libvlc displayed, handed to the GUI thread, replaced
        before the GUI took them, and dropped as re-displays of the last one."""
        sink = self._session.sink if self._session else None
        if sink is None:
            return {"displayed": 0, "delivered": 0, "superseded": 0, "repeats": 0}
        return {
            "displayed": sink.displayed,
            "delivered": sink.delivered,
            "superseded": sink.superseded,
            "repeats": sink.repeats,
        }

    # -- starting a stream ----------------------------------------------------------------------

    def _on_runtime_loaded(
        self, serial: int, runtime: VlcRuntime | None, caps: Capabilities
    ) -> None:
        if serial != self._serial or self._session is not None or self._state is PlayerState.IDLE:
            return  # another open() or stop() came meanwhile
        if runtime is None:
            self._fail(caps.problem or "Video playback is not available.")
            return
        self._start(runtime)

    def _start(self, runtime: VlcRuntime) -> None:
        url = self._url or ""
        if urlsplit(url).scheme.lower() in ("rtsp", "rtsps") and runtime.capabilities.rtsp is False:
            self._fail(runtime.capabilities.rtsp_message or "RTSP is not supported.")
            return
        if self._tracks is None:
            self._tracks = TrackReader(runtime.vlc)
        session = VlcSession.create(
            runtime,
            self._tracks,
            url,
            self._make_notify(),
            network_caching_ms=self._network_caching_ms,
        )
        sink = session.sink
        if self._start_offset > 0:
            session.seek_on_ready = self._start_offset
            sink.begin_hold(seek_pending=True)
        if self._skip_repeats_of is not None:
            sink.skip_repeats_of(self._skip_repeats_of)
        if self._start_paused:
            # Plays until the first picture lands, then pauses (_on_frame).
            session.landing_pause = True
            sink.set_paused(True, show_next=True)
        if self._rate != 1.0:
            session.set_rate(self._rate)
        self._session = session
        self._apply_audio()
        if not session.play():
            self._fail(self._playback_failed_message())
            return
        self._watchdog.start()
        log.debug("opened %s", redact(url))

    def _make_notify(self):
        signal = self._sink_notified

        def notify() -> None:
            try:
                signal.emit()
            except RuntimeError:  # the backend's C++ object is gone; the sink is closing
                pass

        return notify

    # -- what libvlc reported (GUI thread) ------------------------------------------------------

    # -- helpers --------------------------------------------------------------------------------

    def _seek_session(self, session: VlcSession, target: float) -> None:
        session.sink.begin_hold()
        self._clock.hold(self._landing_estimate(target))
        session.seek(target)

    def _apply_audio(self) -> None:
        # libvlc forgets mute/volume set before its audio output exists: re-applied on Playing.
        if self._session is not None:
            self._session.apply_audio(self._muted, self._volume)

    def _fail(self, message: str) -> None:
        log.warning("playback failed: %s", message)
        self._discard_session()
        self._clock.set_running(False)
        self._error = message
        self._set_state(PlayerState.ERROR)
        self.error_occurred.emit(message)

    def _playback_failed_message(self) -> str:
        return (
            f"The video stream could not be played {self._where()}. Check the connection and retry."
        )

    def _where(self) -> str:
        parts = urlsplit(self._url or "")
        if parts.scheme in ("http", "https", "rtsp", "rtsps") and parts.hostname:
            host = parts.hostname + (f":{parts.port}" if parts.port else "")
            return f"(from {host})"
        return "(from a local file)" if self._url else ""

    def _discard_session(self) -> None:
        session, self._session = self._session, None
        self._open_timer.stop()
        self._watchdog.stop()
        if session is None:
            return
        self._release_threads = [t for t in self._release_threads if t.is_alive()]
        self._release_threads.append(session.release())

    def _set_state(self, state: PlayerState) -> None:
        if state is not self._state:
            self._state = state
            self.state_changed.emit(state)

    def _set_duration(self, seconds: float) -> None:
        if seconds != self._duration:
            self._duration = seconds
            self.duration_changed.emit(seconds)

    def _set_has_audio(self, has_audio: bool) -> None:
        if has_audio != self._has_audio:
            self._has_audio = has_audio
            self.has_audio_changed.emit(has_audio)
