"""How VlcBackend reacts to what libvlc reported: events, coarse times, pictures; and its
watchdog. A mixin of VlcBackend (vlc_backend.py), split off to keep each file readable: it
works on VlcBackend's state and signals and runs on the GUI thread only.
"""

from __future__ import annotations

import logging
import math
import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt

from faceter_viewer.player.backend import PlayerState
from faceter_viewer.player.vlc_frames import Frame
from faceter_viewer.player.vlc_session import VlcSession

if TYPE_CHECKING:
    from faceter_viewer.player.vlc_backend import VlcBackend

log = logging.getLogger("faceter_viewer.player.vlc_backend")

DEFAULT_FPS = 25.0
STALLED_AFTER = 1.0  # seconds without a picture while playing -> BUFFERING
STEP_TIMEOUT = 0.6  # seconds for next_frame()'s picture before stepping another way


class VlcReactions:
    """Methods of VlcBackend; `self` is the VlcBackend."""

    def _on_sink_notified(self: VlcBackend) -> None:
        session = self._session
        if session is None:
            return
        taken = session.sink.take()
        for kind, value in taken.events:
            if self._session is not session:
                return  # an event ended the session (error)
            self._on_libvlc_event(session, kind, value)
        if self._session is not session:
            return
        if taken.buffering is not None:
            self.buffering_changed.emit(taken.buffering)
        if taken.time_ms is not None:
            self._on_libvlc_time(session, *taken.time_ms)
        if taken.frame is not None:
            self._on_frame(session, taken.frame)

    def _on_libvlc_event(self: VlcBackend, session: VlcSession, kind: str, value: float) -> None:
        if kind == "held" and not session.ready_to_seek:
            # libvlc displayed its first picture (held back by the sink): its start-up is over,
            # a seek now is precise and whatever buffering follows is the seek's own.
            session.ready_to_seek = True
            if session.seek_on_ready is not None:
                target, session.seek_on_ready = session.seek_on_ready, None
                if session.is_seekable():
                    session.seek(target)
                    session.sink.seek_issued()
                else:  # live: there is nothing to seek in; show it from where it is
                    session.sink.release_hold()
                    self._clock.reset(0.0)
        elif kind == "es_added":
            self._refresh_audio(session)
        elif kind == "playing":
            self._refresh_audio(session)
            self._apply_audio()
            if self._state is PlayerState.OPENING:
                self._set_state(
                    PlayerState.PLAYING if session.first_frame else PlayerState.BUFFERING
                )
        elif kind == "length":
            self._set_duration(value / 1000.0)
        elif kind == "ended":
            self._clock.set_running(False)
            self._watchdog.stop()
            self._set_state(PlayerState.ENDED)
        elif kind == "error":
            self._fail(self._playback_failed_message())
        elif kind == "stopped" and self._state not in (PlayerState.ENDED, PlayerState.ERROR):
            # libvlc stopped by itself (we never stop a live session's player): the stream ended.
            self._clock.set_running(False)
            self._set_state(PlayerState.ENDED)

    def _on_libvlc_time(
        self: VlcBackend, session: VlcSession, time_ms: float, reported_at: float
    ) -> None:
        if time_ms == session.libvlc_time_ms:
            return
        session.libvlc_time_ms = time_ms
        if self._clock.observe_libvlc_time(time_ms / 1000.0, reported_at):
            log.debug("position corrected to libvlc's %.3f s", time_ms / 1000.0)
        self.position_changed.emit(self.position())

    def _on_frame(self: VlcBackend, session: VlcSession, frame: Frame) -> None:
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
        landed = self._clock.holding
        if landed:
            self._clock.landed(frame.shown_at, frame.skipped)
            if session.landing_pause:
                session.landing_pause = False
                session.set_pause(True)
        elif not self._clock.running:
            # A new picture while paused: libvlc showed one more after pause() (or one was on
            # its way to us), or next_frame() stepped. That is where it stands now.
            self._clock.snap(self._shown_media + (1 + frame.skipped) / self._fps)
            session.step_requested_at = None
        else:
            self._clock.frame_shown(frame.shown_at)
        self._shown_media = self._clock.position(frame.shown_at)
        if not self._clock.running:
            self._shown_media = self._on_frame_grid(self._shown_media)
            self._clock.snap(self._shown_media)
        session.last_frame_at = time.monotonic()
        self._last_image = image
        first = not session.first_frame
        session.first_frame = session.ready_to_seek = True
        if self._clock.running and self._state in (PlayerState.OPENING, PlayerState.BUFFERING):
            self._set_state(PlayerState.PLAYING)
        self.frame_ready.emit(image)
        if first:
            self._open_timer.stop()
            if self._announce_first_frame:
                self._announce_first_frame = False
                self.first_frame_shown.emit(time.monotonic() - self._opened_at)
        if landed:
            self.position_changed.emit(self._clock.position())

    def _landing_estimate(self: VlcBackend, target: float) -> float:
        """Media time of the frame a seek to `target` lands on: the first frame at or after it.
        Frames carry no timestamps through libvlc's video callbacks, so this assumes what HLS
        (and the Faceter archive) gives: a constant frame rate with a frame at time 0."""
        return math.ceil(target * self._fps - 1e-6) / self._fps

    def _on_frame_grid(self: VlcBackend, seconds: float) -> float:
        return round(seconds * self._fps) / self._fps

    def _refresh_video_size(self: VlcBackend, session: VlcSession) -> None:
        serial = session.sink.format_serial
        size = self._query_video_size(session)
        if size is None:
            return  # asked again with the next picture
        width, height = size
        session.sink.set_visible_size(width, height)
        session.size_serial = serial
        if QSize(width, height) != self._video_size:
            self._video_size = QSize(width, height)
            self.video_size_changed.emit(QSize(self._video_size))

    def _query_video_size(self: VlcBackend, session: VlcSession) -> tuple[int, int] | None:
        video = session.video_format()
        if video is None:
            return None
        width, height, fps = video
        if 1.0 <= fps <= 240.0:
            self._fps = fps
            self._clock.set_frame_rate(fps)
        return width, height

    def _refresh_audio(self: VlcBackend, session: VlcSession) -> None:
        self._set_has_audio(session.has_audio())

    def _on_open_timer_timeout(self: VlcBackend) -> None:
        if self._session is not None and not self._session.first_frame:
            self._fail(f"No video arrived within {self._open_timeout:.0f} s {self._where()}.")

    def _on_watchdog_timeout(self: VlcBackend) -> None:
        session = self._session
        if session is not None and session.step_requested_at is not None:
            if time.monotonic() - session.step_requested_at > STEP_TIMEOUT:
                log.info("libvlc ignored next_frame(); stepping by reopening")
                interval = 1.0 / self._fps
                self._begin(
                    self._shown_media + interval / 2,
                    paused=True,
                    anchor=self._shown_media + interval,
                )
            return
        if session is None or not session.first_frame or not self._clock.running:
            return
        stalled = time.monotonic() - session.last_frame_at > max(
            STALLED_AFTER, self._clock.stall_after()
        )
        if stalled and self._state is PlayerState.PLAYING:
            self._set_state(PlayerState.BUFFERING)
