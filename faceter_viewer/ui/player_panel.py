"""The player area: video, timeline and controls for the selected camera.

Live by default (HLS; RTSP when chosen and this libvlc supports it, else back to HLS with a
message). A click on the timeline plays the archive from that moment, the cursor follows playback,
hovering or scrubbing shows preview thumbnails, L goes back to live. An offline camera shows its
preview image and "offline since …". Messages for the message bar leave through `message_posted`.
The widgets here only paint and forward: PlaybackController, TimelineDataService and
ThumbnailService do the work.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from faceter_viewer.api.models import Camera
from faceter_viewer.core.filenames import safe_filename
from faceter_viewer.player.backend import PlayerBackend, PlayerState
from faceter_viewer.player.video_widget import VideoWidget
from faceter_viewer.services.playback import Mode, PlaybackController
from faceter_viewer.services.session import Session
from faceter_viewer.services.snapshots import snapshot_folder, write_png
from faceter_viewer.services.thumbnails import ThumbnailService
from faceter_viewer.services.timeline_data import TimelineDataService
from faceter_viewer.ui.actions import ActionSet
from faceter_viewer.ui.message_bar import MessageLevel
from faceter_viewer.ui.thumbnail_popup import ThumbnailPopup
from faceter_viewer.ui.timeline_widget import TimelineWidget
from faceter_viewer.ui.transport_bar import STREAM_HLS, STREAM_RTSP, TransportBar

log = logging.getLogger("faceter_viewer.ui.player_panel")

CURSOR_INTERVAL_MS = 33  # the timeline cursor follows playback at ~30 Hz


class PlayerPanel(QWidget):
    message_posted = Signal(str, object)  # text, MessageLevel
    snapshot_saved = Signal(str)  # path
    selection_changed = Signal(float, float)  # the timeline selection, for exports (NaN: none)

    def __init__(
        self,
        session: Session,
        backend: PlayerBackend | None = None,
        parent: QWidget | None = None,
        *,
        snapshot_dir: Path | None = None,
    ) -> None:
        super().__init__(parent)
        if backend is None:
            from faceter_viewer.player.vlc_backend import VlcBackend

            backend = VlcBackend(self)
        self.session = session
        self.backend = backend
        self.snapshot_dir = snapshot_dir or snapshot_folder()
        self.camera: Camera | None = None
        self._fullscreen = False

        self.playback = PlaybackController(session, backend, self)
        self.timeline_data = TimelineDataService(session, self)
        self.thumbnails = ThumbnailService(session, self)

        self.video = VideoWidget(backend, self)
        self.title_label = QLabel("Select a camera", self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.mode_label = QLabel("", self)
        self.mode_label.setObjectName("modeLabel")
        self.timeline = TimelineWidget(self)
        self.timeline.setMinimumHeight(96)
        # A click on the video gives the timeline the keyboard (its arrows, +/-, [ ]).
        self.video.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.video.setFocusProxy(self.timeline)
        self.transport = TransportBar(self)
        self.thumbnail_popup = ThumbnailPopup(self)

        header = QHBoxLayout()
        header.addWidget(self.title_label)
        header.addStretch(1)
        header.addWidget(self.mode_label)
        self.video_layout = QVBoxLayout(self)
        self.video_layout.setContentsMargins(0, 0, 0, 0)
        self.video_layout.addLayout(header)
        self.video_layout.addWidget(self.video, 1)
        self.video_layout.addWidget(self.timeline)
        self.video_layout.addWidget(self.transport)

        self._cursor_timer = QTimer(self)
        self._cursor_timer.setInterval(CURSOR_INTERVAL_MS)
        self._cursor_timer.timeout.connect(self._on_cursor_timer_timeout)
        self._cursor_timer.start()

        self._connect()
        self.transport.set_archive_mode(False)
        self._update_audio_controls()

    def _connect(self) -> None:
        video, timeline, transport, backend = self.video, self.timeline, self.transport, self.backend
        video.retry_requested.connect(self.retry)
        video.fullscreen_requested.connect(self.toggle_fullscreen)
        transport.play_pause_clicked.connect(self.toggle_play_pause)
        transport.step_clicked.connect(backend.frame_step)
        transport.live_clicked.connect(self.go_live)
        transport.rate_chosen.connect(backend.set_rate)
        transport.mute_toggled.connect(lambda _checked: backend.set_muted(self._muted()))
        transport.volume_changed.connect(backend.set_volume)
        transport.stream_chosen.connect(self._on_transport_stream_chosen)
        transport.snapshot_clicked.connect(self.save_snapshot)
        transport.fullscreen_clicked.connect(self.toggle_fullscreen)

        timeline.position_clicked.connect(self.play_archive)
        timeline.scrub_moved.connect(self._on_timeline_scrub_moved)
        timeline.scrub_released.connect(self._on_timeline_scrub_released)
        timeline.hovered.connect(self._on_timeline_hovered)
        timeline.hover_left.connect(self.thumbnail_popup.hide)
        timeline.jump_requested.connect(self.play_archive)
        timeline.visible_range_changed.connect(self.timeline_data.request_range)
        timeline.selection_changed.connect(self.selection_changed)

        self.timeline_data.intervals_changed.connect(timeline.set_intervals)
        self.timeline_data.events_changed.connect(timeline.set_events)
        self.timeline_data.failed.connect(lambda text: self.message_posted.emit(text, MessageLevel.WARNING))
        self.timeline_data.source_changed.connect(self._on_timeline_data_source_changed)
        self.thumbnails.thumbnail_ready.connect(self._on_thumbnail_ready)
        self.thumbnails.thumbnail_missing.connect(self._on_thumbnail_missing)

        self.playback.mode_changed.connect(self._on_playback_mode_changed)
        self.playback.gap_skipped.connect(self._on_playback_gap_skipped)
        self.playback.no_archive.connect(self._on_playback_no_archive)
        self.playback.failed.connect(lambda text: self.message_posted.emit(text, MessageLevel.ERROR))

        backend.first_frame_shown.connect(self._on_backend_first_frame_shown)
        backend.state_changed.connect(self._on_backend_state_changed)
        backend.error_occurred.connect(self._on_backend_error_occurred)

    def bind_actions(self, actions: ActionSet) -> None:
        """Give the window's player commands (ui/actions.py) their targets here; they work in the
        fullscreen video too, and a button's command is off while the button is."""
        transport = self.transport
        actions.bind("play_pause", self.toggle_play_pause)
        actions.bind("frame_step", self.backend.frame_step, follow=transport.step_button)
        actions.bind("live", self.go_live, follow=transport.live_button)
        actions.bind("mute", transport.mute_button.toggle, follow=transport.mute_button)
        actions.bind("snapshot", self.save_snapshot)
        actions.bind("fullscreen", self.toggle_fullscreen)
        actions.bind("leave_fullscreen", self._leave_fullscreen)
        actions.bind("jump_to_time", self.timeline.open_jump_dialog)
        actions.attach_fullscreen_view(self.video)

    # --- what to play -----------------------------------------------------------------------

    def show_camera(self, camera: Camera) -> None:
        """Show a camera: its live stream (or its preview when offline) and its timeline."""
        same = self.camera is not None and self.camera.id == camera.id
        self.camera = camera
        self.title_label.setText(camera.title)
        self._update_audio_controls()
        if same:
            self.playback.camera = camera  # fresher details (token, grants); keep what plays
            return
        self.playback.set_camera(camera)
        self.thumbnails.cancel()
        self.thumbnail_popup.hide()
        self.timeline.set_intervals([], [])
        self.timeline.set_events([], [], [])
        self.timeline.set_cursor(None)
        self.timeline_data.set_camera(camera)  # events show even without archive access
        self.timeline_data.request_range(*self.timeline.visible_range())
        self.go_live()

    def go_live(self) -> None:
        camera = self.camera
        if camera is None:
            return
        self.transport.reset_rate()
        self.backend.set_rate(1.0)
        self.timeline.set_cursor(None)
        if not camera.is_online:
            self._show_offline(camera)
            return
        self.video.hide_message()
        if self.transport.stream_combo.currentText() == STREAM_RTSP:
            from faceter_viewer.player.capability import cached_capabilities

            # The probe may load libvlc (up to a second): never on the GUI thread.
            self.session.runner.submit(
                cached_capabilities,
                on_done=lambda caps: self._open_live(camera, caps.rtsp),
                key=("rtsp-probe", id(self)),
            )
            return
        self._open_live(camera, None)

    def _open_live(self, camera: Camera, rtsp_supported: bool | None) -> None:
        if self.camera is None or self.camera.id != camera.id:
            return  # the user moved on while the probe ran
        url = camera.live_hls_url
        if self.transport.stream_combo.currentText() == STREAM_RTSP:
            url = self._rtsp_or_fallback(camera, rtsp_supported) or url
        if not url:
            self.playback.stop()
            self.video.clear()
            self.video.show_message(f"“{camera.title}” has no live stream address.")
            return
        self.playback.play_live(url)
        self.backend.set_muted(self._muted())

    def _rtsp_or_fallback(self, camera: Camera, rtsp_supported: bool | None) -> str | None:
        if not camera.live_rtsp_url:
            self.message_posted.emit(f"“{camera.title}” has no RTSP address; playing HLS.", MessageLevel.INFO)
        elif rtsp_supported is False:
            self.message_posted.emit(
                "This VLC cannot play RTSP (it was built without live555); playing HLS instead.",
                MessageLevel.WARNING,
            )
        else:
            return camera.live_rtsp_url
        self.transport.set_stream(STREAM_HLS)
        return None

    def play_archive(self, t: float) -> None:
        if self.camera is None:
            return
        if not self.camera.has_archive_access:
            self.message_posted.emit(f"This key has no archive access for “{self.camera.title}”.", MessageLevel.WARNING)
            return
        self.video.hide_message()
        self.timeline.set_cursor(t)
        self.playback.play_archive(t)
        self.backend.set_muted(self._muted())

    def _show_offline(self, camera: Camera) -> None:
        self.playback.stop()
        self.video.clear()
        since = camera.last_online_date.astimezone().strftime("%Y-%m-%d %H:%M") if camera.last_online_date else "unknown"
        self.mode_label.setText("offline")
        self.video.show_message(f"“{camera.title}” is offline since {since}.")
        if camera.preview_url:
            camera_id = camera.id
            self.session.runner.submit(
                self._load_preview_image,
                camera.preview_url,
                on_done=lambda image: self._on_preview_loaded(camera_id, image),
                on_error=lambda exc: log.info("preview of an offline camera failed: %s", exc),
                key=("offline-preview", id(self)),
            )

    def _load_preview_image(self, url: str) -> QImage:
        image = QImage.fromData(self.session.client.fetch_bytes(url))  # decoded here, on the worker
        if image.isNull():
            raise ValueError("the preview is not an image")
        return image

    def _on_preview_loaded(self, camera_id: str, image: QImage) -> None:
        if self.camera is not None and self.camera.id == camera_id and self.playback.mode is Mode.IDLE:
            self.video.set_frame(image)

    def retry(self) -> None:
        at = self.playback.current_time()
        if self.playback.mode is Mode.ARCHIVE and at is not None:
            self.play_archive(at)
        else:
            self.go_live()

    # --- timeline: cursor, thumbnails -------------------------------------------------------

    def _on_cursor_timer_timeout(self) -> None:
        now = datetime.now().timestamp()
        self.timeline.set_now(now)
        at = self.playback.current_time()
        if at is not None:
            self.timeline.set_cursor(at)
            self.transport.time_label.setText(datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S"))
        elif self.playback.mode is Mode.LIVE:
            self.transport.time_label.setText("")

    def _request_thumbnail(self, t: float, x: float) -> None:
        if self.camera is None or not self.camera.has_archive_access:
            return
        bucket = self.timeline.thumbnail_grid().bucket_time(t)
        self.thumbnail_popup.show_loading(bucket)
        self.thumbnail_popup.place_above(int(x), self.timeline)
        self.thumbnails.request(self.camera, bucket)

    def _on_timeline_hovered(self, t: float, x: float) -> None:
        self._request_thumbnail(t, x)

    def _on_timeline_scrub_moved(self, t: float) -> None:
        self._request_thumbnail(t, self.timeline.scale.to_x(t))

    def _on_timeline_scrub_released(self, t: float) -> None:
        self.thumbnail_popup.hide()
        self.play_archive(t)

    def _on_thumbnail_ready(self, camera_id: str, t: float, image: QImage) -> None:
        if self.camera is not None and camera_id == self.camera.id and self.thumbnail_popup.shown_time == t:
            self.thumbnail_popup.show_image(t, image)

    def _on_thumbnail_missing(self, camera_id: str, t: float) -> None:
        if self.camera is not None and camera_id == self.camera.id and self.thumbnail_popup.shown_time == t:
            self.thumbnail_popup.show_gap(t)

    def _on_timeline_data_source_changed(self, source: str) -> None:
        if source != "archive":
            self.message_posted.emit("The Archive API is unavailable; the timeline shows /recordings instead.", MessageLevel.INFO)

    # --- playback state ---------------------------------------------------------------------

    def _on_playback_mode_changed(self, mode: Mode) -> None:
        archive = mode is Mode.ARCHIVE
        self.transport.set_archive_mode(archive)
        self.mode_label.setText({Mode.LIVE: "● LIVE", Mode.ARCHIVE: "ARCHIVE"}.get(mode, ""))
        if mode is Mode.LIVE:
            self.timeline.set_cursor(None)

    def _on_playback_gap_skipped(self, start: float, end: float) -> None:
        minutes = (end - start) / 60
        gap = f"{minutes:.0f} min" if minutes >= 1 else f"{end - start:.0f} s"
        self.message_posted.emit(
            f"No video from {datetime.fromtimestamp(start):%H:%M:%S}: jumped over a gap of {gap} "
            f"to {datetime.fromtimestamp(end):%Y-%m-%d %H:%M:%S}.",
            MessageLevel.INFO,
        )

    def _on_playback_no_archive(self, t: float) -> None:
        self.message_posted.emit(
            f"There is no archive video from {datetime.fromtimestamp(t):%Y-%m-%d %H:%M:%S} on.", MessageLevel.INFO
        )
        if self.camera is not None and self.camera.is_online:
            self.go_live()

    def _on_backend_first_frame_shown(self, seconds: float) -> None:
        # The e2e test and support requests read this line from the log.
        log.info("first frame shown after %.0f ms (%s)", seconds * 1000, self.camera.title if self.camera else "?")

    def _on_backend_state_changed(self, state: PlayerState) -> None:
        self.transport.set_playing(state in (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING))

    def _on_backend_error_occurred(self, message: str) -> None:
        title = self.camera.title if self.camera else "the stream"
        if self.playback.mode is Mode.ARCHIVE:
            return  # the playback controller resumes, or says why it cannot
        self.message_posted.emit(f"Cannot play {title}: {message}", MessageLevel.ERROR)

    def toggle_play_pause(self) -> None:
        state = self.backend.state()
        if state in (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING):
            self.backend.pause()
        elif state == PlayerState.PAUSED:
            self.backend.play()
        else:
            self.retry()

    def _on_transport_stream_chosen(self, _text: str) -> None:
        if self.camera is not None and self.playback.mode is not Mode.ARCHIVE:
            self.go_live()

    # --- audio ------------------------------------------------------------------------------

    def _muted(self) -> bool:
        return self.transport.mute_button.isChecked() or not (self.camera and self.camera.is_audio_granted)

    def _update_audio_controls(self) -> None:
        self.transport.set_audio_allowed(bool(self.camera and self.camera.is_audio_granted))
        self.backend.set_muted(self._muted())

    # --- snapshot ---------------------------------------------------------------------------

    def save_snapshot(self) -> None:
        image = self.backend.snapshot()
        if image.isNull():
            image = self.video.current_image()
        if image.isNull() or self.camera is None:
            self.message_posted.emit("There is no picture to save yet.", MessageLevel.INFO)
            return
        at = self.playback.current_time()
        when = datetime.fromtimestamp(at).astimezone() if at is not None else datetime.now().astimezone()
        path = self.snapshot_dir / safe_filename(self.camera.title, when, ".png")
        self.session.runner.submit(
            write_png,
            image,
            path,
            on_done=self._on_snapshot_written,
            on_error=lambda exc: self.message_posted.emit(f"Could not save the snapshot: {exc}", MessageLevel.ERROR),
        )

    def _on_snapshot_written(self, path: Path) -> None:
        self.message_posted.emit(f"Snapshot saved: {path}", MessageLevel.INFO)
        self.snapshot_saved.emit(str(path))

    # --- fullscreen -------------------------------------------------------------------------

    def toggle_fullscreen(self) -> None:
        if self._fullscreen:
            self._leave_fullscreen()
            return
        self._fullscreen = True
        self.video.setParent(None)
        self.video.setWindowTitle(self.camera.title if self.camera else "Faceter Viewer")
        self.video.showFullScreen()
        self.video.setFocus()

    def _leave_fullscreen(self) -> None:
        if not self._fullscreen:
            return
        self._fullscreen = False
        self.video.showNormal()
        self.video_layout.insertWidget(1, self.video, 1)
        self.video.show()

    @property
    def is_fullscreen(self) -> bool:
        return self._fullscreen

    def selection(self) -> tuple[float, float] | None:
        selection = self.timeline.selection()
        return None if selection is None else (selection.start, selection.end)

    def shutdown(self) -> None:
        self._cursor_timer.stop()
        self._leave_fullscreen()
        self.thumbnails.close()
        self.timeline_data.close()
        self.backend.close()

