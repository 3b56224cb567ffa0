"""PlayerBackend on libvlc (python-vlc), rendering through video callbacks into QImages.

Threads: every method runs on the GUI thread and only makes libvlc calls that return at once
(creating a player, play, pause, set_time, set_rate, getters: measured at well under 1 ms).
The two that can block are kept off it: loading libvlc (vlc_runtime.load_runtime_async) and
stopping/releasing a player (vlc_runtime.release_in_background), so switching streams never
waits for the old one to wind down. libvlc's callbacks (vlc_frames) only copy and notify; this
class reacts to what they collected when the queued notification arrives.

What to do about each command and each report - when to seek, when a seek has landed, when a
stall is BUFFERING, when to open a fresh player instead of trusting libvlc (the libvlc 3
behaviours worked around are listed in stream_machine.py) - is decided by a StreamMachine,
which knows neither Qt nor libvlc. This class feeds it and carries out the actions it returns:
libvlc calls on the current VlcSession and the PlayerBackend signals.

Each fresh player (open, a seek while paused, resuming after frame steps) is a new VlcSession
with its own FrameSink, so nothing from an old stream - a late picture, a Stopped event - can
reach the new one.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from PySide6.QtCore import QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from faceter_viewer.api.redaction import redact
from faceter_viewer.player import stream_actions as act
from faceter_viewer.player.backend import PlayerBackend, PlayerState, check_rate
from faceter_viewer.player.capability import Capabilities
from faceter_viewer.player.libvlc_events import LibvlcEvent
from faceter_viewer.player.stream_machine import StreamMachine
from faceter_viewer.player.vlc_frames import Frame
from faceter_viewer.player.vlc_runtime import (
    VlcRuntime,
    load_runtime_async,
    loaded_runtime,
    wait_for_releases,
)
from faceter_viewer.player.vlc_session import VlcSession
from faceter_viewer.player.vlc_tracks import TrackReader

log = logging.getLogger(__name__)

WATCHDOG_MS = 250
CLOSE_WAIT = 10.0  # seconds close(wait=True) waits for this backend's players to be released


class VlcBackend(PlayerBackend):
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
        self._sink_notified.connect(self._on_sink_notified, Qt.ConnectionType.QueuedConnection)
        self._runtime_loaded.connect(self._on_runtime_loaded, Qt.ConnectionType.QueuedConnection)
        self._machine = StreamMachine(open_timeout=open_timeout)
        self._session: VlcSession | None = None
        self._serial = 0  # of the last Begin: a runtime that loads for an older one is ignored
        self._url: str | None = None
        self._muted = False
        self._volume = 100
        self._rate = 1.0
        self._has_audio = False
        self._video_size = QSize()
        self._last_image = QImage()
        self._tracks: TrackReader | None = None  # once libvlc is loaded
        self._watchdog = QTimer(self)
        self._watchdog.setInterval(WATCHDOG_MS)
        self._watchdog.timeout.connect(self._on_watchdog)

    # -- PlayerBackend: transport ---------------------------------------------------------------

    def open(self, url: str, *, start_offset: float = 0.0, muted: bool | None = None, paused: bool = False) -> None:
        self._url = url
        if muted is not None:
            self._muted = muted
        self._set_has_audio(False)
        self._run(self._machine.open(start_offset, source=self._where(), paused=paused))

    def play(self) -> None:
        self._run(self._machine.play())

    def pause(self) -> None:
        self._run(self._machine.pause())

    def stop(self) -> None:
        self._run(self._machine.stop())

    def close(self, *, wait: bool = False) -> None:
        self.stop()
        if wait:
            wait_for_releases(CLOSE_WAIT, owner=self)

    def seek(self, seconds: float) -> None:
        session = self._session
        seekable = session is not None and session.is_seekable()
        self._run(self._machine.seek(seconds, seekable=seekable))

    def frame_step(self) -> None:
        self._run(self._machine.frame_step())

    def set_rate(self, rate: float) -> None:
        self._rate = check_rate(rate)
        self._run(self._machine.set_rate(self._rate))

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
        return self._machine.state

    def url(self) -> str | None:
        return self._url

    def error_message(self) -> str | None:
        return self._machine.error

    def position(self) -> float:
        return self._machine.position()

    def duration(self) -> float:
        return self._machine.duration

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

    # -- carrying out the machine's actions -----------------------------------------------------

    def _run(self, actions: list[act.Action], frame_image: QImage | None = None) -> None:
        """Do `actions` in order; `frame_image` is the picture a ShowFrame among them shows."""
        for action in actions:
            self._do(action, frame_image)

    def _do(self, action: act.Action, frame_image: QImage | None) -> None:
        match action:
            case act.Begin():
                self._begin()
            case act.Reopen(start_offset=offset):
                if self._url is not None:
                    self.open(self._url, start_offset=offset)
            case act.Discard():
                self._discard_session()
            case act.SetState(state=state):
                self.state_changed.emit(state)
            case act.SetDuration(seconds=seconds):
                self.duration_changed.emit(seconds)
            case act.EmitPosition(seconds=seconds):
                self.position_changed.emit(seconds)
            case act.ShowFrame():
                if frame_image is not None:
                    self._last_image = frame_image
                    self.frame_ready.emit(frame_image)
            case act.EmitFirstFrame(seconds=seconds):
                self.first_frame_shown.emit(seconds)
            case act.EmitError(message=message):
                self.error_occurred.emit(message)
            case act.ApplyAudio():
                self._apply_audio()
            case _:
                if self._session is not None:
                    self._do_on_session(self._session, action)

    def _do_on_session(self, session: VlcSession, action: act.Action) -> None:
        sink = session.sink
        match action:
            case act.HoldForSeek():
                sink.begin_hold(seek_pending=True)
            case act.IssuePendingSeek(seconds=seconds):
                session.seek(seconds)
                sink.seek_issued()
            case act.ReleaseHold():
                sink.release_hold()
            case act.SeekNow(seconds=seconds):
                sink.begin_hold()  # before the seek: no picture from before it may pass
                session.seek(seconds)
            case act.SkipRepeatsOfShown():
                if not self._last_image.isNull():
                    sink.skip_repeats_of(self._last_image)
            case act.ShowFirstWhilePaused():
                sink.set_paused(True, show_next=True)
            case act.Pause(show_next=show_next):
                sink.set_paused(True, show_next=show_next)
                session.set_pause(True)
            case act.PausePlayer():
                session.set_pause(True)
            case act.Resume():
                sink.set_paused(False)
                session.set_pause(False)
            case act.NextFrame():
                session.next_frame()
            case act.ApplyRate(rate=rate):
                session.set_rate(rate)
            case act.RefreshAudio():
                self._set_has_audio(session.has_audio())
            case _:
                raise AssertionError(f"unhandled stream action {action!r}")

    # -- starting a stream ----------------------------------------------------------------------

    def _begin(self) -> None:
        """A fresh libvlc player for self._url (the machine knows from where and how)."""
        self._discard_session()
        self._serial += 1
        runtime = loaded_runtime()
        if runtime is not None:
            self._start(runtime)
            return
        serial = self._serial
        load_runtime_async(lambda rt, caps: self._runtime_loaded.emit(serial, rt, caps))

    def _on_runtime_loaded(
        self, serial: int, runtime: VlcRuntime | None, caps: Capabilities
    ) -> None:
        if (
            serial != self._serial
            or self._session is not None
            or self._machine.state is PlayerState.IDLE
        ):
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
        self._session = session
        self._run(self._machine.session_created())
        if self._rate != 1.0:
            session.set_rate(self._rate)
        self._apply_audio()
        if not session.play():
            self._run(self._machine.fail_playback())
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

    def _on_sink_notified(self) -> None:
        session = self._session
        if session is None:
            return
        taken = session.sink.take()
        for kind, value in taken.events:
            if self._session is not session:
                return  # an event ended the session (error)
            seekable = kind is LibvlcEvent.HELD and session.is_seekable()
            self._run(self._machine.on_event(kind, value, seekable=seekable))
        if self._session is not session:
            return
        if taken.buffering is not None:
            self.buffering_changed.emit(taken.buffering)
        if taken.time_ms is not None:
            self._run(self._machine.on_time(*taken.time_ms))
        if taken.frame is not None:
            self._on_frame(session, taken.frame)

    def _on_watchdog(self) -> None:
        self._run(self._machine.tick())

    def _on_frame(self, session: VlcSession, frame: Frame) -> None:
        image = frame.image
        if session.size_serial != session.sink.format_serial or not session.sink.has_visible_size():
            self._refresh_video_size(session)
        size = self._video_size
        if size.isValid() and image.size() != size:
            # Decoded before the real size was known: libvlc stretched it (see vlc_frames).
            image = image.scaled(
                size,
                Qt.AspectRatioMode.IgnoreAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
        self._run(self._machine.on_frame(frame.shown_at, frame.skipped), frame_image=image)

    def _refresh_video_size(self, session: VlcSession) -> None:
        serial = session.sink.format_serial
        video = session.video_format()
        if video is None:
            return  # asked again with the next picture
        width, height, fps = video
        self._machine.set_frame_rate(fps)
        session.sink.set_visible_size(width, height)
        session.size_serial = serial
        if QSize(width, height) != self._video_size:
            self._video_size = QSize(width, height)
            self.video_size_changed.emit(QSize(self._video_size))

    # -- helpers --------------------------------------------------------------------------------

    def _apply_audio(self) -> None:
        # libvlc forgets mute/volume set before its audio output exists: re-applied on Playing.
        if self._session is not None:
            self._session.apply_audio(self._muted, self._volume)

    def _fail(self, message: str) -> None:
        self._run(self._machine.fail(message))

    def _where(self) -> str:
        parts = urlsplit(self._url or "")
        if parts.scheme in ("http", "https", "rtsp", "rtsps") and parts.hostname:
            host = parts.hostname + (f":{parts.port}" if parts.port else "")
            return f"(from {host})"
        return "(from a local file)" if self._url else ""

    def _discard_session(self) -> None:
        session, self._session = self._session, None
        self._watchdog.stop()
        if session is not None:
            session.release(owner=self)

    def _set_has_audio(self, has_audio: bool) -> None:
        if has_audio != self._has_audio:
            self._has_audio = has_audio
            self.has_audio_changed.emit(has_audio)
