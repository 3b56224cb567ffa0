"""What one player plays for one camera: live, or the archive from a moment (api-rules §17, §18, §20).

The controller plans the archive window (core/archive_window.py) and, on a worker, has the
session's loopback proxy (services/archive_proxy.py) fetch its playlist (to read the first
frame's time and to tell "no archive there" from a failure); the player opens the proxy's URL at
the right offset. The proxy fetches every segment with the retry policy and the CURRENT archive
token, so a token that runs out mid-playback costs no re-open (§18). A segment that cannot be
fetched after the retries stops the picture at the frame before it: the controller says which
span could not be loaded and offers Retry; it never jumps past it. When the service is
unreachable (services/connectivity.py says so, once) nothing is "missing": the picture waits at
its frame, and when the service is back the proxy's held request fetches the segment again (or,
when the window itself could not be prepared, it is prepared again at that moment). At a recording's end it moves
to the next one and says it skipped a gap. Live re-opens itself when its picture stops moving
(`live`, a LiveKeeper: services/live_keeper.py). One controller drives one backend, so a grid of
tiles is a list of controllers.
"""

from __future__ import annotations

import enum
import logging
import time
from datetime import datetime

from PySide6.QtCore import QObject, Signal

from faceter_viewer.api import errors
from faceter_viewer.api.models import Camera
from faceter_viewer.core.archive_window import MAX_WINDOW_SECONDS, PlaylistWindow, plan_window
from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.player.backend import PlayerBackend, PlayerState
from faceter_viewer.services.archive_proxy import ArchiveProxy, ArchiveStream
from faceter_viewer.services.explain import explain
from faceter_viewer.services.messages import MessageLevel
from faceter_viewer.services.live_keeper import LiveHealth, LiveKeeper
from faceter_viewer.services.session import Session

log = logging.getLogger("faceter_viewer.services.playback")

RESUME_LIMIT = 3  # resumes without a frame in between before giving up
END_TOLERANCE_SECONDS = 2.5  # a picture this close to the window's end reached it


class Mode(enum.Enum):
    IDLE = "idle"
    LIVE = "live"
    ARCHIVE = "archive"


class PlaybackController(QObject):
    mode_changed = Signal(object)  # Mode
    archive_started = Signal(float)  # the wall time the archive opens at (after a skipped gap too)
    gap_skipped = Signal(float, float)  # from, to
    no_archive = Signal(float)  # nothing to play from that moment on
    failed = Signal(str, str)  # a message for the user, its details ("" when none)
    refused = Signal(str)  # a message for the user about what no retry can change (no grant)
    span_unavailable = Signal(float, float)  # archive footage that could not be fetched (start, end)
    _stream_span_failed = Signal(object, float, float, object)  # from a proxy thread: (stream, start, end, exc)
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
        self.stream: ArchiveStream | None = None  # what the player is fed through the proxy
        self._serial = 0  # a newer request makes older worker results stale
        self._resumes = 0
        self._last_time: float | None = None
        self._shown_position: float | None = None  # the player position of the last picture
        self._waiting: tuple[int, float] | None = None  # (serial, t): to open when the service is back
        self._open_paused = False  # the pending window opens paused on its first frame
        # Synchronized playback (services/sync_controller.py): a window that starts after a gap
        # opens PAUSED on its first frame, for the layout to start when its time gets there.
        self.hold_after_gaps = False
        self._stream_span_failed.connect(self._on_stream_span_failed)
        session.connectivity.recovered.connect(self._on_connectivity_recovered)
        self._live_url: str | None = None
        # Live re-opens itself after a stall or a failure, with backoff (services/live_keeper.py).
        self.live = LiveKeeper(backend, self._reopen_live, self)
        self.live.health_changed.connect(self.live_health_changed)
        self.live.recovered.connect(self.live_recovered)
        backend.state_changed.connect(self._on_backend_state_changed)
        backend.first_frame_shown.connect(self._on_backend_first_frame_shown)
        backend.position_changed.connect(self._on_backend_position_changed)

    # --- requests ---------------------------------------------------------------------------

    def set_camera(self, camera: Camera | None) -> None:
        self.camera = camera
        self._serial += 1
        self.window = None
        self._close_stream()
        self.live.stop()

    def play_live(self, url: str) -> None:
        self._serial += 1
        self.window = None
        self._live_url = url
        self._set_mode(Mode.LIVE)
        self.backend.open(url)
        self._close_stream()
        self.live.start()

    @property
    def live_health(self) -> LiveHealth:
        return self.live.health

    def _reopen_live(self) -> None:
        if self.mode is Mode.LIVE and self._live_url:
            self.backend.open(self._live_url)

    def play_archive(self, t: float, *, paused: bool = False) -> None:
        """Play the archive from the moment `t` (epoch seconds): the user's request, so the
        resumes of an earlier failure count from zero again. `paused`: land on the frame at t
        (or the next recording's first) and stand there until backend.play()."""
        self._resumes = 0
        self._open_archive(t, paused=paused)

    def _open_archive(self, t: float, *, paused: bool = False) -> None:
        camera = self.camera
        if camera is None:
            return
        if not camera.has_archive_access:  # the one archive-access check (views only show it)
            self.refused.emit(f"This key has no archive access for “{camera.title}”.")
            return
        if t > time.time():  # nothing is recorded there yet: no request, no "archive" mode
            when = datetime.fromtimestamp(t)
            self.refused.emit(f"{when:%Y-%m-%d %H:%M:%S} is in the future: there is no archive there yet.")
            return
        self._serial += 1
        serial = self._serial
        self._last_time = t
        self._waiting = None
        self._open_paused = paused
        self._set_mode(Mode.ARCHIVE)
        try:
            archive = self.session.archive(camera)
        except errors.FaceterError as exc:
            explanation = explain(exc, f"play the archive of {camera.title}")
            self.failed.emit(explanation.text, explanation.details)
            return
        proxy = self.session.archive_proxy()
        self._tasks.submit(
            _prepare_window,
            archive,
            proxy,
            t,
            lambda stream, a, b, exc: self._stream_span_failed.emit(stream, a, b, exc),  # a proxy thread
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
        self.backend.stop()
        self._close_stream()
        self._set_mode(Mode.IDLE)

    # --- worker results ---------------------------------------------------------------------

    def _on_window_prepared(
        self, serial: int, t: float, result: tuple[PlaylistWindow, ArchiveStream] | None
    ) -> None:
        if serial != self._serial:
            if result is not None:
                result[1].close()
            return  # the user clicked elsewhere meanwhile
        if result is None:
            self.window = None
            self.no_archive.emit(t)
            return
        window, stream = result
        self.window = window
        self._last_time = window.start
        self._shown_position = None
        if window.skipped_gap:
            self.gap_skipped.emit(window.requested, window.start)
        previous, self.stream = self.stream, stream
        paused = self._open_paused or (self.hold_after_gaps and window.skipped_gap)
        self.backend.open(stream.url, start_offset=window.start_offset, paused=paused)
        if previous is not None:
            previous.close()  # after the open: the old player is already let go
        self.archive_started.emit(window.start)

    def _on_window_failed(self, serial: int, t: float, exc: BaseException) -> None:
        if serial != self._serial:
            return
        log.warning("archive at %.3f could not be prepared: %s", t, exc)
        if self.session.report(exc):  # no answer: said once, for the session; resumed when back
            self._waiting = (serial, t)
            return
        # An error is not "no archive": stay at that moment and let the user try again.
        title = self.camera.title if self.camera is not None else "this camera"
        self.failed.emit(f"Could not load the archive of {title} from {_clock(t)}.", explain(exc, "load the archive").details)

    # --- the end of a window, missing footage, failures -------------------------------------

    def _on_backend_first_frame_shown(self, _seconds: float) -> None:
        self._resumes = 0

    def _on_backend_position_changed(self, position: float) -> None:
        # ENDED reports the stream's length as the position, whatever was last shown: keep the
        # position of the pictures instead (a segment libvlc gave up on once made this "the
        # window's end", and playback jumped half an hour ahead).
        if self.backend.state() in (PlayerState.PLAYING, PlayerState.PAUSED, PlayerState.BUFFERING):
            self._shown_position = position

    def _on_stream_span_failed(self, stream: ArchiveStream, start: float, end: float, exc: BaseException) -> None:
        if stream is not self.stream or self.mode is not Mode.ARCHIVE:
            return
        if self.session.connectivity.report(exc):
            return  # the service is unreachable: the proxy holds the request until it is back
        self._last_time = start  # Retry, and any resume, start where the picture had to stop
        self.span_unavailable.emit(start, end)
        title = self.camera.title if self.camera is not None else "the camera"
        self.session.messages.post(
            f"Could not load {_clock(start)}–{_clock(end)} of {title}.",
            MessageLevel.ERROR,
            action_text="Retry",
            on_action=lambda: self._retry_span(stream, start),
            details=explain(exc, "load the archive").details,
            scope=self.camera.id if self.camera is not None else None,
        )

    def _retry_span(self, stream: ArchiveStream, start: float) -> None:
        if stream is self.stream and self.mode is Mode.ARCHIVE:
            self.play_archive(start)

    def _on_backend_state_changed(self, state: PlayerState) -> None:
        if self.mode is not Mode.ARCHIVE or self.window is None:
            return
        if state not in (PlayerState.ENDED, PlayerState.ERROR):
            return
        stream = self.stream
        if stream is not None and stream.unavailable:
            return  # already said which span is missing; the picture stays before it
        position = self._shown_position if self._shown_position is not None else self.window.start_offset
        at = self.window.time_at(position)
        reached_the_end = stream.served_last if stream is not None else at >= self.window.end - END_TOLERANCE_SECONDS
        if state is PlayerState.ENDED and reached_the_end:
            self._open_archive(self.window.end)  # on to the next recording
            return
        self._last_time = at
        if state is PlayerState.ENDED:
            self._resume("the stream ended early")
        else:
            self._resume(self.backend.error_message() or "the stream failed")

    def _on_connectivity_recovered(self) -> None:
        if self.mode is not Mode.ARCHIVE:
            return
        waiting, self._waiting = self._waiting, None
        if waiting is not None and waiting[0] == self._serial:
            log.info("the service is back: opening the archive at %.3f again", waiting[1])
            self._open_archive(waiting[1])
        elif self.stream is not None:
            self.stream.resume_held()  # the held segment request fetches again; the player plays on

    def _resume(self, why: str) -> None:
        """Play again from the moment on screen. No token refresh first: the proxy signs every
        request with a token fresh enough for it (§18)."""
        at = self._last_time
        if at is None or self.camera is None:
            return
        if not self.session.connectivity.online:
            self._waiting = (self._serial, at)  # no request would get an answer: wait for the service
            return
        self._resumes += 1
        if self._resumes > RESUME_LIMIT:
            self.failed.emit(f"Archive playback stopped: {why}", "")  # why: the player's own words
            return
        log.info("resuming archive playback at %.3f (%s)", at, why)
        self._open_archive(at)

    def _close_stream(self) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None

    def _set_mode(self, mode: Mode) -> None:
        if mode is not Mode.LIVE:
            self.live.stop()
        if mode is not self.mode:
            self.mode = mode
            self.mode_changed.emit(mode)


def _clock(t: float) -> str:
    return f"{datetime.fromtimestamp(t):%H:%M:%S}"


def _prepare_window(archive, proxy: ArchiveProxy, t: float, on_unavailable) -> tuple[PlaylistWindow, ArchiveStream] | None:
    """On a worker: the recordings around t, the window to play, and its playlist served by the
    proxy. None only when the service SAID there is nothing there (an empty timeline, a
    PlaylistNotFound); a failed request raises (an error is not "no archive")."""
    now = time.time()
    try:
        found = archive.timeline(t - 1.0, min(now, t + MAX_WINDOW_SECONDS * 24))
    except errors.NoArchiveError:
        return None
    intervals = ArchiveIntervals.from_pairs((i.start_timestamp, i.end_timestamp) for i in found)
    window = plan_window(intervals, t, now)
    if window is None:
        return None
    try:
        stream = proxy.open_stream(archive, window.start, window.duration, on_unavailable)
    except errors.NoArchiveError:
        return None
    return window.with_playlist(stream.upstream_text), stream
