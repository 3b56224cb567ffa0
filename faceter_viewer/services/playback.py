"""What one player plays for one camera: live, or the archive from a moment (api-rules §17, §18, §20).

The controller plans the archive window (core/archive_window.py), fetches its playlist on a worker
(to read the first frame's time and to tell "no archive there" from a failure), and opens the
signed `index.m3u8` at the right offset. At a recording's end it moves to the next one and says
it skipped a gap; when the archive token is about to expire, or a segment was refused, it
refreshes the token and resumes at the same moment (§18). Live re-opens itself when its picture
stops moving (`live`, a LiveKeeper: services/live_keeper.py). One controller drives one backend, so
a grid of tiles is a list of controllers.
"""

from __future__ import annotations

import enum
import logging
import time

from PySide6.QtCore import QObject, QTimer, Signal

from faceter_viewer.api import errors
from faceter_viewer.api.models import Camera
from faceter_viewer.core.archive_window import MAX_WINDOW_SECONDS, PlaylistWindow, plan_window
from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.player.backend import PlayerBackend, PlayerState
from faceter_viewer.services.live_keeper import LiveHealth, LiveKeeper
from faceter_viewer.services.session import Session

log = logging.getLogger("faceter_viewer.services.playback")

RESUME_LIMIT = 3  # resumes without a frame in between before giving up
TOKEN_MARGIN_SECONDS = 8.0  # re-open this long before the archive token expires


class Mode(enum.Enum):
    IDLE = "idle"
    LIVE = "live"
    ARCHIVE = "archive"


class PlaybackController(QObject):
    mode_changed = Signal(object)  # Mode
    archive_started = Signal(float)  # the wall time the archive opens at (after a skipped gap too)
    gap_skipped = Signal(float, float)  # from, to
    no_archive = Signal(float)  # nothing to play from that moment on
    failed = Signal(str)  # a message for the user
    refused = Signal(str)  # a message for the user about what no retry can change (no grant)
    live_health_changed = Signal(object)  # LiveHealth: is the live picture moving (live_keeper.py)
    live_recovered = Signal()  # live pictures flow again after a failure or a stall

    def __init__(self, session: Session, backend: PlayerBackend, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.backend = backend
        self._tasks = session.tasks()  # on the session's shared pool
        self.camera: Camera | None = None
        self.mode = Mode.IDLE
        self.window: PlaylistWindow | None = None
        self._serial = 0  # a newer request makes older worker results stale
        self._resumes = 0
        self._last_time: float | None = None
        self._token_timer = QTimer(self)
        self._token_timer.setSingleShot(True)
        self._token_timer.timeout.connect(self._on_token_timer_timeout)
        self._live_url: str | None = None
        # Live re-opens itself after a stall or a failure, with backoff (services/live_keeper.py).
        self.live = LiveKeeper(backend, self._reopen_live, self)
        self.live.health_changed.connect(self.live_health_changed)
        self.live.recovered.connect(self.live_recovered)
        backend.state_changed.connect(self._on_backend_state_changed)
        backend.first_frame_shown.connect(self._on_backend_first_frame_shown)

    # --- requests ---------------------------------------------------------------------------

    def set_camera(self, camera: Camera | None) -> None:
        self.camera = camera
        self._serial += 1
        self.window = None
        self._token_timer.stop()
        self.live.stop()

    def play_live(self, url: str) -> None:
        self._serial += 1
        self._token_timer.stop()
        self.window = None
        self._live_url = url
        self._set_mode(Mode.LIVE)
        self.backend.open(url)
        self.live.start()

    @property
    def live_health(self) -> LiveHealth:
        return self.live.health

    def _reopen_live(self) -> None:
        if self.mode is Mode.LIVE and self._live_url:
            self.backend.open(self._live_url)

    def play_archive(self, t: float) -> None:
        """Play the archive from the moment `t` (epoch seconds): the user's request, so the
        resumes of an earlier failure count from zero again."""
        self._resumes = 0
        self._open_archive(t)

    def _open_archive(self, t: float) -> None:
        camera = self.camera
        if camera is None:
            return
        if not camera.has_archive_access:  # the one archive-access check (views only show it)
            self.refused.emit(f"This key has no archive access for “{camera.title}”.")
            return
        self._serial += 1
        serial = self._serial
        self._last_time = t
        self._set_mode(Mode.ARCHIVE)
        try:
            archive = self.session.archive(camera)
        except errors.FaceterError as exc:
            self.failed.emit(str(exc))
            return
        self._tasks.submit(
            _prepare_window,
            archive,
            t,
            on_done=lambda result: self._on_window_prepared(serial, t, result),
            on_error=lambda exc: self._on_window_failed(serial, t, exc),
            key="archive-window",
        )

    def current_time(self) -> float | None:
        """The wall time on screen in archive mode (interpolated); None when live or idle."""
        if self.mode is not Mode.ARCHIVE:
            return None
        state = self.backend.state()
        if self.window is None or state not in (PlayerState.PLAYING, PlayerState.PAUSED, PlayerState.BUFFERING):
            return self._last_time
        self._last_time = self.window.time_at(self.backend.position())
        return self._last_time

    def close(self) -> None:
        """Stop, and cancel what this controller has on the shared pool."""
        self.stop()
        self._tasks.close()

    def stop(self) -> None:
        self._serial += 1
        self._token_timer.stop()
        self.backend.stop()
        self._set_mode(Mode.IDLE)

    # --- worker results ---------------------------------------------------------------------

    def _on_window_prepared(self, serial: int, t: float, result: tuple[PlaylistWindow, str, float] | None) -> None:
        if serial != self._serial:
            return  # the user clicked elsewhere meanwhile
        if result is None:
            self.window = None
            self.no_archive.emit(t)
            return
        window, url, token_exp = result
        self.window = window
        self._last_time = window.start
        if window.skipped_gap:
            self.gap_skipped.emit(window.requested, window.start)
        self.backend.open(url, start_offset=window.start_offset)
        self.archive_started.emit(window.start)
        self._arm_token_timer(token_exp)

    def _on_window_failed(self, serial: int, t: float, exc: BaseException) -> None:
        if serial != self._serial:
            return
        self.session.report(exc)
        self.failed.emit(f"Cannot play the archive: {exc}")

    # --- the end of a window, token expiry, failures ----------------------------------------

    def _on_backend_first_frame_shown(self, _seconds: float) -> None:
        self._resumes = 0

    def _on_backend_state_changed(self, state: PlayerState) -> None:
        if self.mode is not Mode.ARCHIVE or self.window is None:
            return
        if state not in (PlayerState.ENDED, PlayerState.ERROR):
            return
        # Where the picture stopped (the backend keeps the position on ENDED and ERROR): resume
        # there, not at the last moment somebody happened to poll current_time().
        at = self.window.time_at(self.backend.position())
        if state is PlayerState.ENDED and at >= self.window.end - 2.5:
            self._open_archive(self.window.end)  # on to the next recording
            return
        self._last_time = at
        if state is PlayerState.ENDED:
            self._resume("the stream ended early")
        else:
            self._resume(self.backend.error_message() or "the stream failed")

    def _resume(self, why: str) -> None:
        """Refresh the archive token and play again from the moment on screen (§18)."""
        at = self._last_time
        if at is None or self.camera is None:
            return
        self._resumes += 1
        if self._resumes > RESUME_LIMIT:
            self.failed.emit(f"Archive playback stopped: {why}")
            return
        log.info("resuming archive playback at %.3f (%s)", at, why)
        archive = self.session.archive(self.camera)
        # The refresh takes a round trip: if the user picks another camera or moment meanwhile,
        # the serial moves on and the resume is dropped (it would play the old moment there).
        serial = self._serial
        self._tasks.submit(
            archive.refresh,
            on_done=lambda _camera: self._on_token_refreshed(serial, at),
            on_error=lambda exc: self._on_window_failed(serial, at, exc),
            key="archive-refresh",
        )

    def _on_token_refreshed(self, serial: int, at: float) -> None:
        if serial == self._serial:
            self._open_archive(at)

    def _arm_token_timer(self, token_exp: float) -> None:
        remaining = token_exp - time.time() - TOKEN_MARGIN_SECONDS
        if self.window is not None and remaining < self.window.duration:
            self._token_timer.start(max(1000, int(remaining * 1000)))
        else:
            self._token_timer.stop()

    def _on_token_timer_timeout(self) -> None:
        # Paused playback is left alone: if its segments are refused later, _resume handles it.
        if self.mode is Mode.ARCHIVE and self.backend.state() in (PlayerState.PLAYING, PlayerState.BUFFERING):
            self.current_time()  # note the moment on screen
            self._resumes = 0
            self._resume("the archive token is about to expire")

    def _set_mode(self, mode: Mode) -> None:
        if mode is not Mode.LIVE:
            self.live.stop()
        if mode is not self.mode:
            self.mode = mode
            self.mode_changed.emit(mode)


def _prepare_window(archive, t: float) -> tuple[PlaylistWindow, str, float] | None:
    """On a worker: the recordings around t, the window to play, its playlist and signed URL."""
    now = time.time()
    try:
        found = archive.timeline(t - 1.0, min(now, t + MAX_WINDOW_SECONDS * 24))
        intervals = ArchiveIntervals.from_pairs((i.start_timestamp, i.end_timestamp) for i in found)
    except errors.NoArchiveError:
        return None
    window = plan_window(intervals, t, now)
    if window is None:
        return None
    try:
        text = archive.fetch_playlist(window.start, window.duration)
    except errors.NoArchiveError:
        return None
    url = archive.playlist_url(window.start, window.duration)
    return window.with_playlist(text), url, archive.token_expires_at

