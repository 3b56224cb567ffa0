"""The player area: video, timeline and controls, a view of one CameraView.

Live by default; a click on the timeline plays the archive from that moment, the cursor follows
playback, hovering or scrubbing shows preview thumbnails, L goes back to live. The header shows
the mode and the camera's standing state (offline, no archive access, no audio); the timeline
says why it shows less than the archive. Everything that is not painting or forwarding (what to
play, what to load, what to tell the user) is the view-model's: services/camera_view.py.
"""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from faceter_viewer.api.models import Camera
from faceter_viewer.player.backend import PlayerState
from faceter_viewer.player.video_widget import VideoWidget
from faceter_viewer.services.camera_view import CameraStatus, CameraView
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.actions import ActionSet, tooltip
from faceter_viewer.ui.thumbnail_popup import ThumbnailPopup
from faceter_viewer.ui.timeline_widget import TimelineWidget
from faceter_viewer.ui.transport_bar import TransportBar

log = logging.getLogger("faceter_viewer.ui.player_panel")

CURSOR_INTERVAL_MS = 33  # the timeline cursor follows playback at ~30 Hz
WAITING_FOR_SERVICE = "Waiting for the Faceter service to answer…"  # the picture while it is gone


class PlayerPanel(QWidget):
    event_created = Signal(str, str, float, float)  # a bookmark was created: camera id, event id, start, end

    def __init__(self, view: CameraView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.backend = view.backend
        self._fullscreen = False
        self.bookmark_dialog = None  # the B dialog last opened (it deletes itself when closed)

        self.video = VideoWidget(view.backend, self)
        self.title_label = QLabel("Select a camera", self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.status_label = QLabel("", self)  # the camera's standing state, in place
        self.status_label.setObjectName("cameraStatus")
        self.status_label.setStyleSheet("color: #b86e00;")
        self.mode_label = QLabel("", self)
        self.mode_label.setObjectName("modeLabel")
        self.timeline = TimelineWidget(view, self)
        self.timeline.setMinimumHeight(96)
        # A click on the video gives the timeline the keyboard (its arrows, +/-, [ ]).
        self.video.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.video.setFocusProxy(self.timeline)
        self.transport = TransportBar(view, self)
        self.thumbnail_popup = ThumbnailPopup(self)

        header = QHBoxLayout()
        header.addWidget(self.title_label)
        header.addWidget(self.status_label)
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
        self._update_audio_controls()

    @property
    def camera(self) -> Camera | None:
        return self.view.camera

    def _connect(self) -> None:
        view, video, timeline, transport, backend = self.view, self.video, self.timeline, self.transport, self.backend
        video.retry_requested.connect(view.retry)
        video.fullscreen_requested.connect(self.toggle_fullscreen)
        transport.play_pause_clicked.connect(self.toggle_play_pause)
        transport.live_clicked.connect(self.go_live)
        transport.mute_toggled.connect(lambda _checked: backend.set_muted(self._muted()))
        transport.snapshot_clicked.connect(self.save_snapshot)
        transport.fullscreen_clicked.connect(self.toggle_fullscreen)

        timeline.position_clicked.connect(self.play_archive)
        timeline.scrub_moved.connect(self._on_timeline_scrub_moved)
        timeline.scrub_released.connect(self._on_timeline_scrub_released)
        timeline.hovered.connect(self._on_timeline_hovered)
        timeline.hover_left.connect(self.thumbnail_popup.hide)
        timeline.jump_requested.connect(self.play_archive)

        view.camera_changed.connect(self._on_view_camera_changed)
        view.status_changed.connect(self._on_view_status_changed)
        view.picture_note_changed.connect(self._on_view_picture_note_changed)
        # After the video widget's own error panel (connected in its constructor): while the
        # service is unreachable, the picture says that, not a stream error of its own.
        view.backend.error_occurred.connect(self._on_backend_error_occurred)
        view.session.connectivity.online_changed.connect(self._on_connectivity_online_changed)
        view.offline_preview_loaded.connect(self.video.set_frame)
        view.archive_end_found.connect(self._on_view_archive_end_found)
        view.playable_changed.connect(self._on_view_playable_changed)
        view.thumbnails.thumbnail_ready.connect(self._on_thumbnail_ready)
        view.thumbnails.thumbnail_missing.connect(self._on_thumbnail_missing)
        view.thumbnails.thumbnail_failed.connect(self._on_thumbnail_failed)
        view.playback.mode_changed.connect(self._on_playback_mode_changed)
        view.playback.live_health_changed.connect(self._on_live_health_changed)  # bound: gone with the panel

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
        actions.bind("bookmark", self.open_bookmark_dialog)
        actions.attach_fullscreen_view(self.video)

    # --- what to play (the view-model decides; these are the commands the UI offers) --------

    def show_camera(self, camera: Camera) -> None:
        self.view.set_camera(camera)

    def go_live(self) -> None:
        self.transport.reset_rate()
        self.timeline.set_cursor(None)
        self.view.go_live()
        self.backend.set_muted(self._muted())

    def play_archive(self, t: float) -> None:
        self.view.play_archive(t)
        self.backend.set_muted(self._muted())

    def retry(self) -> None:
        self.view.retry()

    def toggle_play_pause(self) -> None:
        state = self.backend.state()
        if state in (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING):
            self.backend.pause()
        elif state == PlayerState.PAUSED:
            self.backend.play()
        elif self.camera is not None and not self.camera.is_online and self.view.playback.mode is not Mode.ARCHIVE:
            # No live stream to go back to: Play plays the archive (at the cursor, else the
            # last recording's last minutes), or nothing when none is known.
            self.view.play_offline_archive(self.timeline.cursor_time())
        else:
            self.view.retry()

    def save_snapshot(self) -> None:
        self.view.save_snapshot(fallback=self.video.current_image())

    def open_bookmark_dialog(self) -> None:
        """B: create an event at the selection, else the playhead (ui/bookmark_dialog.py)."""
        from faceter_viewer.ui.bookmark_dialog import open_bookmark_dialog

        self.bookmark_dialog = open_bookmark_dialog(
            self.view, selection=self.selection(), fallback_frame=self.video.current_image(), parent=self.window()
        )
        if self.bookmark_dialog is not None:
            self.bookmark_dialog.created.connect(self.event_created)  # the events list shows it

    def _on_view_camera_changed(self, camera: Camera) -> None:
        self.title_label.setText(camera.title)
        # The previous camera's last frame is not this camera's: dimmed, under what is coming,
        # until the new stream's first frame (or the offline note, or an error) replaces it.
        self.video.show_loading(f"Loading {camera.title}…")
        self.thumbnail_popup.hide()
        self.timeline.set_intervals([], [])
        self.timeline.set_events([], [], [])
        self.timeline.set_cursor(None)
        self.transport.reset_rate()
        self.timeline.set_live(camera.is_online)  # a camera opens live: its timeline shows now
        offline_at = self.view.offline_view_time()
        if offline_at is not None:  # an offline camera opens where its archive ends
            self._centre_timeline_on(offline_at)
        self.view.timeline_data.request_range(*self.timeline.visible_range())

    def _centre_timeline_on(self, t: float) -> None:
        half = self.timeline.scale.span / 2
        self.timeline.set_visible_range(t - half, t + half)

    def _on_view_archive_end_found(self, end: float) -> None:
        if self.view.playback.mode is not Mode.ARCHIVE:  # not while its archive plays
            self._centre_timeline_on(end)

    def _on_view_playable_changed(self, playable: bool) -> None:
        self.transport.play_button.setEnabled(playable)
        self.transport.play_button.setToolTip(tooltip("play_pause") if playable else "Nothing recorded to play here")

    def _on_view_status_changed(self, status: CameraStatus) -> None:
        badges = status.badges
        self.status_label.setText(" · ".join(badges))
        self.status_label.setToolTip("This camera: " + ", ".join(badges) if badges else "")
        self._update_audio_controls()
        self._update_mode_label()

    def _on_backend_error_occurred(self, _message: str) -> None:
        if not self.view.session.connectivity.online:
            self.video.show_message(WAITING_FOR_SERVICE)

    def _on_connectivity_online_changed(self, online: bool) -> None:
        shown = self.video.message_text()
        if not online and shown is not None and self.view.playback.mode is not Mode.IDLE:
            self.video.show_message(WAITING_FOR_SERVICE)  # the stream's error was the service's
        elif online and shown == WAITING_FOR_SERVICE:
            self.video.hide_message()

    def _on_view_picture_note_changed(self, text: str) -> None:
        if text:
            self.video.hide_loading()  # the note says what is there instead
            self.video.clear()
            self.video.show_message(text)
        else:
            self.video.hide_message()

    # --- timeline: cursor, thumbnails -------------------------------------------------------

    def _on_cursor_timer_timeout(self) -> None:
        now = datetime.now().timestamp()
        self.timeline.set_now(now)
        at = self.view.playback.current_time()
        if at is not None:
            self.timeline.set_cursor(at)
            self.transport.time_label.setText(datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M:%S"))
        elif self.view.playback.mode is Mode.LIVE:
            self.transport.time_label.setText("")

    def _request_thumbnail(self, t: float, x: float) -> None:
        if not self.view.has_previews:
            return
        bucket = self.timeline.thumbnail_grid().bucket_time(t)
        self.thumbnail_popup.show_loading(bucket)  # first: a cached picture arrives inside request
        self.thumbnail_popup.place_above(int(x), self.timeline)
        self.view.request_thumbnail(bucket)

    def _on_timeline_hovered(self, t: float, x: float) -> None:
        self._request_thumbnail(t, x)

    def _on_timeline_scrub_moved(self, t: float) -> None:
        self._request_thumbnail(t, self.timeline.scale.to_x(t))

    def _on_timeline_scrub_released(self, t: float) -> None:
        self.thumbnail_popup.hide()
        self.play_archive(t)

    def _shows(self, camera_id: str, t: float) -> bool:
        return self.camera is not None and camera_id == self.camera.id and self.thumbnail_popup.shown_time == t

    def _on_thumbnail_ready(self, camera_id: str, t: float, image: QImage) -> None:
        if self._shows(camera_id, t):
            self.thumbnail_popup.show_image(t, image)

    def _on_thumbnail_missing(self, camera_id: str, t: float) -> None:
        if self._shows(camera_id, t):
            self.thumbnail_popup.show_gap(t)

    def _on_thumbnail_failed(self, camera_id: str, t: float, message: str) -> None:
        if self._shows(camera_id, t):
            self.thumbnail_popup.show_error(t, message)

    # --- playback state ---------------------------------------------------------------------

    def _on_playback_mode_changed(self, mode: Mode) -> None:
        self._update_mode_label()
        if mode is Mode.LIVE:
            self.timeline.set_cursor(None)

    def _on_live_health_changed(self, _health: object) -> None:
        self._update_mode_label()

    def _update_mode_label(self) -> None:
        mode = self.view.playback.mode
        camera = self.camera
        if mode is Mode.IDLE and camera is not None and not camera.is_online:
            self.mode_label.setText("offline")
        elif mode is Mode.LIVE:
            # "● LIVE" only while the picture moves; else "stalled since …" / "reconnecting…".
            self.mode_label.setText(self.view.playback.live_health.label)
        else:
            self.mode_label.setText("ARCHIVE" if mode is Mode.ARCHIVE else "")

    # --- audio ------------------------------------------------------------------------------

    def _muted(self) -> bool:
        return self.transport.mute_button.isChecked() or not self.view.audio_allowed

    def _update_audio_controls(self) -> None:
        self.backend.set_muted(self._muted())

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
        self.view.close()

