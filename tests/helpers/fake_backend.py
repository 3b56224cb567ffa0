"""A scriptable PlayerBackend for the tests of what drives a player (services/playback.py).

libvlc's timing is not repeatable: a test that needs "the stream failed at 12.4 s" or "it ended
before the window's end" cannot wait for libvlc to do it. `FakeBackend` keeps the contract of
faceter_viewer/player/backend.py (same signals, same state rules, never raises, every method
returns at once) and does nothing on its own: no timers, no threads. The test scripts what the
player reports:

    backend.open(...)                  # called by the code under test: recorded in `opened`
    backend.show_first_frame()         # PLAYING (PAUSED after open(paused=True)), first_frame_shown,
                                       # frame_ready, position
    backend.report_position(12.4)      # the player moved on
    backend.report_buffering(40.0)     # BUFFERING with a fill level
    backend.fail("segment refused")    # ERROR + error_occurred
    backend.end()                      # ENDED at the media's end (position = duration)

Every call the code under test made is in `calls` (name, arguments), in order.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QImage

from faceter_viewer.player.backend import PlayerBackend, PlayerState, check_rate


@dataclass(frozen=True)
class Opened:
    """One open() (or the re-open of play() after stop, ENDED or ERROR)."""

    url: str
    start_offset: float
    muted: bool
    paused: bool = False  # open(paused=True): lands PAUSED on its first frame


class FakeBackend(PlayerBackend):
    def __init__(self, *, video_size: QSize = QSize(640, 360)) -> None:
        super().__init__()
        self.opened: list[Opened] = []
        self.calls: list[tuple] = []
        self.closed = False
        self._frame_size = QSize(video_size)
        self._state = PlayerState.IDLE
        self._url: str | None = None
        self._start_offset = 0.0
        self._open_paused = False  # the open asked to land paused, and has not landed yet
        self._error: str | None = None
        self._position = 0.0
        self._duration = 0.0
        self._rate = 1.0
        self._muted = False
        self._volume = 100
        self._has_audio = False
        self._video_size = QSize()
        self._last_image = QImage()

    @property
    def last_opened(self) -> Opened:
        assert self.opened, "the backend was never opened"
        return self.opened[-1]

    # --- scripting: what the player reports -----------------------------------------------------

    def show_first_frame(self, after_seconds: float = 0.2, *, duration: float | None = None) -> None:
        """The first picture of the open stream: duration (archive) known, PLAYING."""
        if duration is not None:
            self.report_duration(duration)
        self._last_image = QImage(self._frame_size, QImage.Format.Format_RGB32)
        self._last_image.fill(QColor(40, 80, 120))
        if self._video_size != self._frame_size:
            self._video_size = QSize(self._frame_size)
            self.video_size_changed.emit(QSize(self._video_size))
        self._set_state(PlayerState.PAUSED if self._open_paused else PlayerState.PLAYING)
        self._open_paused = False
        self.frame_ready.emit(self._last_image)
        self.first_frame_shown.emit(after_seconds)
        self.position_changed.emit(self._position)

    def report_position(self, seconds: float) -> None:
        self._position = max(0.0, float(seconds))
        self.position_changed.emit(self._position)

    def report_duration(self, seconds: float) -> None:
        if seconds != self._duration:
            self._duration = float(seconds)
            self.duration_changed.emit(self._duration)

    def report_buffering(self, percent: float) -> None:
        self._set_state(PlayerState.BUFFERING)
        self.buffering_changed.emit(float(percent))

    def report_state(self, state: PlayerState) -> None:
        """Any state change the real player may make (use fail() and end() for those two)."""
        self._set_state(state)

    def fail(self, message: str = "The video stream could not be played (from a fake). Retry.") -> None:
        self._error = message
        self._set_state(PlayerState.ERROR)
        self.error_occurred.emit(message)

    def end(self, at: float | None = None) -> None:
        """The stream played to its end: at the duration, or at `at` seconds (ended early)."""
        self._position = self._duration if at is None else float(at)
        self._set_state(PlayerState.ENDED)

    # --- PlayerBackend: transport ---------------------------------------------------------------

    def open(self, url: str, *, start_offset: float = 0.0, muted: bool | None = None, paused: bool = False) -> None:
        self.calls.append(("open", url, start_offset, muted) + (("paused",) if paused else ()))
        if muted is not None:
            self._muted = muted
        self._url = url
        self._start_offset = max(0.0, float(start_offset))
        self._position = self._start_offset
        self._error = None
        self._open_paused = paused
        self.opened.append(Opened(url, self._start_offset, self._muted, paused))
        self.report_duration(0.0)
        self._set_state(PlayerState.OPENING)

    def play(self) -> None:
        self.calls.append(("play",))
        if self._state in (PlayerState.IDLE, PlayerState.ENDED, PlayerState.ERROR):
            if self._url is None:
                return
            offset = self._position if self._state is PlayerState.ERROR and self._duration > 0 else 0.0
            if self._state is PlayerState.IDLE:
                offset = self._start_offset
            self.open(self._url, start_offset=offset)
        elif self._state is PlayerState.PAUSED:
            self._set_state(PlayerState.PLAYING)
        elif self._open_paused:
            self._open_paused = False  # play() before the landing: it plays from there

    def pause(self) -> None:
        self.calls.append(("pause",))
        if self._state in (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING):
            self._set_state(PlayerState.PAUSED)

    def stop(self) -> None:
        self.calls.append(("stop",))
        self._position = 0.0
        self._set_state(PlayerState.IDLE)

    def close(self, *, wait: bool = False) -> None:
        self.calls.append(("close", wait))
        self.stop()
        self.closed = True

    def seek(self, seconds: float) -> None:
        self.calls.append(("seek", seconds))
        if self._url is None or self._state is PlayerState.IDLE:
            return
        target = max(0.0, float(seconds))
        if self._duration > 0:
            target = min(target, self._duration)
        self.report_position(target)

    def frame_step(self) -> None:
        self.calls.append(("frame_step",))
        if self._last_image.isNull():
            return
        self.pause()
        self.report_position(self._position + 0.04)

    def set_rate(self, rate: float) -> None:
        self.calls.append(("set_rate", rate))
        self._rate = check_rate(rate)

    def rate(self) -> float:
        return self._rate

    # --- PlayerBackend: audio -------------------------------------------------------------------

    def set_muted(self, muted: bool) -> None:
        self._muted = bool(muted)

    def is_muted(self) -> bool:
        return self._muted

    def set_volume(self, volume: int) -> None:
        self._volume = max(0, min(100, int(volume)))

    def volume(self) -> int:
        return self._volume

    def has_audio(self) -> bool:
        return self._has_audio

    # --- PlayerBackend: what is showing ---------------------------------------------------------

    def state(self) -> PlayerState:
        return self._state

    def url(self) -> str | None:
        return self._url

    def error_message(self) -> str | None:
        return self._error if self._state is PlayerState.ERROR else None

    def position(self) -> float:
        return self._position

    def duration(self) -> float:
        return self._duration

    def video_size(self) -> QSize:
        return QSize(self._video_size)

    def snapshot(self) -> QImage:
        return self._last_image.copy()

    def _set_state(self, state: PlayerState) -> None:
        if state is not self._state:
            self._state = state
            self.state_changed.emit(state)
