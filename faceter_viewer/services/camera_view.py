"""The view-model of one camera on screen: what plays, its timeline data, its previews.

`CameraView` owns, for one camera at a time, the PlaybackController (and its backend), the
TimelineDataService and the ThumbnailService, all on the session's shared pool. Widgets are
views of it: PlayerPanel, TimelineWidget and TransportBar take it in their constructor and
connect to its signals (napari's `QtDims(dims)`); a grid tile is one more CameraView.
Switching camera re-targets it (`set_camera`); nothing else changes.

What happens that the user should notice (a failed load, a jumped gap, a snapshot saved) is
posted to the session's MessageHub; what is said about the camera on screen carries its id as the
message's scope, and leaving the camera takes those messages back (`set_camera`), so nothing said
about one camera stays up over another. What a camera *is* (offline, no archive access, no audio,
the timeline showing /recordings) is `status`, shown in place by the views, never a banner.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from faceter_viewer.core.filenames import safe_filename
from faceter_viewer.player.backend import PlayerBackend
from faceter_viewer.services.explain import explain
from faceter_viewer.services.messages import Message, MessageLevel
from faceter_viewer.services.playback import Mode, PlaybackController
from faceter_viewer.services.session import Session
from faceter_viewer.services.snapshots import snapshot_folder, write_png
from faceter_viewer.services.thumbnails import ThumbnailService
from faceter_viewer.services.timeline_data import TimelineDataService
from faceter_viewer.services.timeline_loaders import LoadKind

if TYPE_CHECKING:
    from faceter_viewer.api.models import Camera

log = logging.getLogger("faceter_viewer.services.camera_view")

OFFLINE_PLAY_SECONDS = 300.0  # Play on an offline camera: its last recording's last 5 minutes


class Stream(enum.StrEnum):
    """The live stream protocol the user chose (the transport bar's combo shows these texts)."""

    HLS = "HLS"
    RTSP = "RTSP"


@dataclass(frozen=True)
class CameraStatus:
    """A camera's standing state, shown in the player header and on the timeline."""

    camera: Camera | None = None
    timeline_source: LoadKind = LoadKind.ARCHIVE  # or RECORDINGS (TimelineDataService.source)
    timeline_empty_loading: bool = False  # loading, with nothing to show yet
    events_truncated: bool = False  # more events in the range than the timeline keeps
    stream: Stream = Stream.HLS  # the live protocol in use (RTSP may fall back to HLS)

    @property
    def badges(self) -> list[str]:
        camera = self.camera
        if camera is None:
            return []
        badges = []
        if not camera.is_online:
            badges.append("offline")
        if not camera.has_archive_access:
            badges.append("no archive access")
        if not camera.is_audio_granted:
            badges.append("no audio")
        return badges

    @property
    def timeline_note(self) -> str:
        """A caption for the timeline: why it shows less than the archive (empty: nothing)."""
        if self.camera is None:
            return ""
        if not self.camera.has_archive_access:
            return "No archive access for this key: events only"
        if self.timeline_source != LoadKind.ARCHIVE:
            return "Archive API unavailable: showing recordings"
        if self.events_truncated:
            return "Too many events to show them all here: zoom in"
        if self.timeline_empty_loading:
            return "Loading…"
        return ""

    def offline_note(self) -> str:
        camera = self.camera
        if camera is None or camera.is_online:
            return ""
        since = camera.last_online_date.astimezone().strftime("%Y-%m-%d %H:%M") if camera.last_online_date else "unknown"
        return f"“{camera.title}” is offline since {since}."


class CameraView(QObject):
    camera_changed = Signal(object)  # Camera | None: a different camera (not a fresher copy)
    status_changed = Signal(object)  # CameraStatus
    picture_note_changed = Signal(str)  # what to say over the picture ("" = nothing)
    offline_preview_loaded = Signal(QImage)  # the last preview of an offline camera
    snapshot_saved = Signal(str)  # path
    # An offline camera: where its archive ends (once per camera, when the intervals first show
    # it), and whether Play has anything to play (its archive, as it has no live stream).
    archive_end_found = Signal(float)
    playable_changed = Signal(bool)

    def __init__(
        self,
        session: Session,
        backend: PlayerBackend | None = None,
        parent: QObject | None = None,
        *,
        snapshot_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        if backend is None:
            from faceter_viewer.player.vlc_backend import VlcBackend  # libvlc loads with the first view

            backend = VlcBackend(self)
        self.session = session
        self.backend = backend
        self.snapshot_dir = snapshot_dir or snapshot_folder()
        self.camera: Camera | None = None
        self.stream = Stream.HLS
        self.playback = PlaybackController(session, backend, self)
        self.timeline_data = TimelineDataService(session, self)
        self.thumbnails = ThumbnailService(session, self)
        self._tasks = session.tasks()
        self._status = CameraStatus()

        self.playback.gap_skipped.connect(self._on_playback_gap_skipped)
        self.playback.no_archive.connect(self._on_playback_no_archive)
        self.playback.failed.connect(self._on_playback_failed)
        self.playback.refused.connect(self._on_playback_refused)
        self.timeline_data.failed.connect(self._on_timeline_data_failed)
        self.timeline_data.source_changed.connect(lambda _source: self._update_status())
        self.timeline_data.loading_changed.connect(lambda _loading: self._update_status())
        self.timeline_data.intervals_changed.connect(self._on_timeline_data_intervals_changed)
        self.timeline_data.events_changed.connect(lambda *_: self._update_status())
        self._intervals_shown = False
        self._last_recording: tuple[float, float] | None = None  # the latest seen, this camera
        self._archive_end_announced = False
        self._playable = True
        self._synchronized = False
        self.playback.live_recovered.connect(self._on_playback_live_recovered)
        self._live_error_key: str | None = None  # the live failure message shown, to withdraw
        backend.error_occurred.connect(self._on_backend_error_occurred)
        session.connectivity.online_changed.connect(self._on_connectivity_online_changed)
        backend.first_frame_shown.connect(self._on_backend_first_frame_shown)

    @property
    def messages(self):
        return self.session.messages

    @property
    def status(self) -> CameraStatus:
        return self._status

    @property
    def audio_allowed(self) -> bool:
        return bool(self.camera and self.camera.is_audio_granted)

    # --- what to show -------------------------------------------------------------------------

    def set_camera(self, camera: Camera) -> None:
        """Show a camera: its live stream (or its preview when offline) and its timeline. The
        same camera again (a fresher copy from a camera-list refresh) keeps what plays (and what
        was said about it); another camera takes back the messages about the one left."""
        previous = self.camera
        same = previous is not None and previous.id == camera.id
        self.camera = camera
        if same:
            self.playback.camera = camera  # fresher details (token, grants)
            self._update_status()  # a copy that differs (grants, token) is a new status
            return
        if previous is not None:
            self._live_error_key = None  # its message goes with the scope
            self.messages.clear_scope(previous.id)
        self.playback.set_camera(camera)
        self._last_recording, self._archive_end_announced = None, False
        self.thumbnails.cancel()
        self.timeline_data.set_camera(camera)  # events show even without archive access
        self.camera_changed.emit(camera)
        self._update_status()
        self._update_playable()
        self.go_live()

    def set_stream(self, stream: Stream | str) -> None:
        """Choose the live protocol; re-opens live unless the archive plays."""
        stream = Stream(stream)
        if stream is self.stream:
            return
        self.stream = stream
        self._update_status()
        if self.camera is not None and self.playback.mode is not Mode.ARCHIVE:
            self.go_live()

    def go_live(self) -> None:
        camera = self.camera
        if camera is None:
            return
        self.backend.set_rate(1.0)
        if not camera.is_online:
            self._show_offline(camera)
            return
        self.picture_note_changed.emit("")
        if self.stream is Stream.RTSP:
            from faceter_viewer.player.capability import cached_capabilities

            # The probe may load libvlc (up to a second): never on the GUI thread.
            self._tasks.submit(
                cached_capabilities, on_done=lambda caps: self._open_live(camera, caps.rtsp), key="rtsp-probe"
            )
            return
        self._open_live(camera, None)

    def play_archive(self, t: float, *, paused: bool = False) -> None:
        """Play the archive from `t` (epoch seconds); the controller checks access and says why not.
        `paused`: land on that frame and stand there (a synchronized layout starts its tiles together)."""
        if self.camera is None:
            return
        self.picture_note_changed.emit("")
        self.playback.play_archive(t, paused=paused)

    @property
    def synchronized(self) -> bool:
        """A tile of a synchronized layout (services/sync_controller.py): the layout decides what
        plays at a gap or where the archive ends, so this view neither jumps a gap (the next
        recording opens paused, waiting for the layout's time; no "jumped over a gap" message)
        nor falls back to live when there is no archive from a moment on."""
        return self._synchronized

    def set_synchronized(self, synchronized: bool) -> None:
        self._synchronized = synchronized
        self.playback.hold_after_gaps = synchronized

    @property
    def playable(self) -> bool:
        """Play has something to play: the live stream, or an offline camera's known archive."""
        return self._playable

    def offline_view_time(self) -> float | None:
        """Where an offline camera's timeline opens: where it went offline (its archive ends
        about there); None for an online camera or when that is unknown."""
        camera = self.camera
        if camera is None or camera.is_online or camera.last_online_date is None:
            return None
        return camera.last_online_date.timestamp()

    def play_offline_archive(self, at: float | None = None) -> bool:
        """Play for an offline camera (it has no live stream): its archive from `at` (the
        cursor), else the last minutes of its last known recording. False: nothing to play."""
        last = self._last_recording
        if at is not None and last is not None and at >= last[1] - 1.0:
            at = None  # the cursor where the last playback ran out: play those minutes again
        if at is None:
            if self._last_recording is None:
                return False
            start, end = self._last_recording
            at = max(start, end - OFFLINE_PLAY_SECONDS)
        self.play_archive(at)
        return True

    def retry(self) -> None:
        at = self.playback.current_time()
        if self.playback.mode is Mode.ARCHIVE and at is not None:
            self.play_archive(at)
        else:
            self.go_live()

    @property
    def has_previews(self) -> bool:
        """Archive previews exist for this camera and key (the Archive API needs the grant)."""
        return bool(self.camera and self.camera.has_archive_access)

    def request_thumbnail(self, bucket_time: float) -> None:
        """Ask for the preview at a bucket time (the thumbnails' signals answer)."""
        if self.camera is not None and self.has_previews:
            self.thumbnails.request(self.camera, bucket_time)

    def save_snapshot(self, fallback: QImage | None = None) -> None:
        """Write the picture on screen as PNG on a worker (the backend's snapshot, else what the
        video widget shows)."""
        image = self.backend.snapshot()
        if image.isNull() and fallback is not None:
            image = fallback
        if image.isNull() or self.camera is None:
            self.messages.info("There is no picture to save yet.")
            return
        at = self.playback.current_time()
        when = datetime.fromtimestamp(at).astimezone() if at is not None else datetime.now().astimezone()
        path = self.snapshot_dir / safe_filename(self.camera.title, when, ".png")
        self._tasks.submit(
            write_png,
            image,
            path,
            on_done=self._on_snapshot_written,
            on_error=self._on_snapshot_failed,
        )

    def close(self) -> None:
        """Stop everything this view runs; the shared pool stays for the others."""
        self._tasks.close()
        self.thumbnails.close()
        self.timeline_data.close()
        self.playback.close()
        self.backend.close()

    # --- live ---------------------------------------------------------------------------------

    def _open_live(self, camera: Camera, rtsp_supported: bool | None) -> None:
        if self.camera is None or self.camera.id != camera.id:
            return  # the user moved on while the probe ran
        url = camera.live_hls_url
        if self.stream is Stream.RTSP:
            url = self._rtsp_or_fallback(camera, rtsp_supported) or url
        if not url:
            self.playback.stop()
            self.picture_note_changed.emit(f"“{camera.title}” has no live stream address.")
            return
        self.playback.play_live(url)

    def _rtsp_or_fallback(self, camera: Camera, rtsp_supported: bool | None) -> str | None:
        if not camera.live_rtsp_url:
            self._post(f"“{camera.title}” has no RTSP address; playing HLS.", MessageLevel.INFO)
        elif rtsp_supported is False:
            self._post("This VLC cannot play RTSP (it was built without live555); playing HLS instead.", MessageLevel.WARNING)
        else:
            return camera.live_rtsp_url
        self.stream = Stream.HLS
        self._update_status()  # the transport's combo follows the status
        return None

    def _show_offline(self, camera: Camera) -> None:
        self.playback.stop()
        self.picture_note_changed.emit(self._status.offline_note())
        if camera.preview_url:
            camera_id = camera.id
            self._tasks.submit(
                self._load_preview_image,
                camera.preview_url,
                on_done=lambda image: self._on_preview_loaded(camera_id, image),
                on_error=lambda exc: log.info("preview of an offline camera failed: %s", exc),
                key="offline-preview",
            )

    def _load_preview_image(self, url: str) -> QImage:
        image = QImage.fromData(self.session.client.fetch_bytes(url))  # decoded here, on the worker
        if image.isNull():
            raise ValueError("the preview is not an image")
        return image

    def _on_preview_loaded(self, camera_id: str, image: QImage) -> None:
        if self.camera is not None and self.camera.id == camera_id and self.playback.mode is Mode.IDLE:
            self.offline_preview_loaded.emit(image)

    # --- what happened: messages ----------------------------------------------------------------

    def _post(self, text: str, level: MessageLevel, **options) -> Message:
        """A message about the camera on screen: scoped to it, so it goes when the user leaves it."""
        return self.messages.post(text, level, scope=self.camera.id if self.camera else None, **options)

    def _on_playback_gap_skipped(self, start: float, end: float) -> None:
        if self._synchronized:
            return  # nothing jumps: the tile says "no archive" until the layout gets there
        minutes = (end - start) / 60
        gap = f"{minutes:.0f} min" if minutes >= 1 else f"{end - start:.0f} s"
        self._post(
            f"No video from {datetime.fromtimestamp(start):%H:%M:%S}: jumped over a gap of {gap} "
            f"to {datetime.fromtimestamp(end):%Y-%m-%d %H:%M:%S}.",
            MessageLevel.INFO,
        )

    def _on_playback_no_archive(self, t: float) -> None:
        if self._synchronized:
            return  # the tile says "no archive" (the layout's controller); the others play on
        self._post(f"There is no archive video from {datetime.fromtimestamp(t):%Y-%m-%d %H:%M:%S} on.", MessageLevel.INFO)
        self.go_live()  # live, or the offline camera's last preview: never "archive" with nothing

    def _on_playback_refused(self, text: str) -> None:
        self._post(text, MessageLevel.WARNING)

    # `details`: explain()'s technical text for the Details view ("" when there is none).
    def _on_playback_failed(self, text: str, details: str | None = None) -> None:
        self._post(text, MessageLevel.ERROR, action_text="Retry", on_action=self.retry, details=details or None)

    def _on_timeline_data_failed(self, text: str, details: str | None = None) -> None:
        self._post(
            text, MessageLevel.WARNING, action_text="Retry", on_action=self.timeline_data.retry, details=details or None
        )

    def _on_backend_error_occurred(self, message: str) -> None:
        if self.playback.mode is Mode.ARCHIVE:
            return  # the playback controller resumes, or says why it cannot
        # libvlc fetched live without our client: first ask whether the service is there. If it
        # is not, the one "service unreachable" message says it; live re-opens when it is back.
        camera_id = self.camera.id if self.camera else None
        self.session.connectivity.check(if_online=lambda: self._post_live_error(camera_id, message))

    def _post_live_error(self, camera_id: str | None, message: str) -> None:
        if self.playback.mode is not Mode.LIVE or (self.camera.id if self.camera else None) != camera_id:
            return  # the user moved on while the service was asked
        if self.playback.live_health.moving:
            return  # it plays again already
        title = self.camera.title if self.camera else "the stream"
        # Live re-opens itself (services/live_keeper.py); the message goes when pictures flow.
        key = f"live-error:{self.camera.id if self.camera else ''}"
        self._live_error_key = key
        self._post(f"Cannot play {title}: {message}", MessageLevel.ERROR, action_text="Retry", on_action=self.retry, key=key)

    def _on_connectivity_online_changed(self, online: bool) -> None:
        if not online:
            self._on_playback_live_recovered()  # one message while the service is gone: its own
        elif self.playback.mode is Mode.LIVE:
            self.playback.live.retry_now()  # do not sit out the rest of a backoff delay

    def _on_playback_live_recovered(self) -> None:
        if self._live_error_key is not None:
            self.messages.withdraw(self._live_error_key)
            self._live_error_key = None

    def _on_backend_first_frame_shown(self, seconds: float) -> None:
        if self.playback.mode is Mode.LIVE:
            self._on_playback_live_recovered()  # video flows: the live failure is over
        # The e2e test and support requests read this line from the log.
        log.info("first frame shown after %.0f ms (%s)", seconds * 1000, self.camera.title if self.camera else "?")

    def _on_snapshot_written(self, path: Path) -> None:
        self.messages.info(f"Snapshot saved: {path}")  # about a file, not the camera: it stays
        self.snapshot_saved.emit(str(path))

    def _on_snapshot_failed(self, exc: BaseException) -> None:
        explanation = explain(exc, "save the snapshot")
        self.messages.error(explanation.text, details=explanation.details)

    def _on_timeline_data_intervals_changed(self, starts, ends) -> None:
        self._intervals_shown = len(starts) > 0
        if len(ends) and (self._last_recording is None or ends[-1] > self._last_recording[1]):
            self._last_recording = (float(starts[-1]), float(ends[-1]))
            self._update_playable()
            camera = self.camera
            if camera is not None and not camera.is_online and not self._archive_end_announced:
                self._archive_end_announced = True
                self.archive_end_found.emit(self._last_recording[1])
        self._update_status()

    def _update_playable(self) -> None:
        camera = self.camera
        playable = camera is not None and (
            camera.is_online or (camera.has_archive_access and self._last_recording is not None)
        )
        if playable != self._playable:
            self._playable = playable
            self.playable_changed.emit(playable)

    def _update_status(self) -> None:
        data = self.timeline_data
        status = CameraStatus(
            self.camera,
            data.source,
            timeline_empty_loading=data.loading and not self._intervals_shown,
            events_truncated=data.events_truncated,
            stream=self.stream,
        )
        if status != self._status:
            self._status = status
            self.status_changed.emit(status)
