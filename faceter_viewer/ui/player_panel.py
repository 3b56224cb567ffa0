"""The player area: the video, its controls, and what to play for the selected camera.

Live by default (HLS; RTSP when chosen and this libvlc supports it, else back to HLS with a
message). An offline camera shows its preview image and "offline since …". Messages for the
message bar leave through `message_posted(text, level)`.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.api.models import Camera
from faceter_viewer.core.filenames import safe_filename
from faceter_viewer.player.backend import PlayerBackend, PlayerState
from faceter_viewer.player.video_widget import VideoWidget
from faceter_viewer.services.session import Session
from faceter_viewer.ui.message_bar import MessageLevel

log = logging.getLogger("faceter_viewer.ui.player_panel")

STREAM_HLS = "HLS"
STREAM_RTSP = "RTSP"


def snapshot_folder() -> Path:
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures or Path.home()) / "Faceter Viewer"


class PlayerPanel(QWidget):
    message_posted = Signal(str, object)  # text, MessageLevel
    snapshot_saved = Signal(str)  # path

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

        self.video = VideoWidget(backend, self)
        self.video.retry_requested.connect(self.retry)
        self.video.fullscreen_requested.connect(self.toggle_fullscreen)

        self.title_label = QLabel("Select a camera", self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.mode_label = QLabel("", self)
        self.mode_label.setObjectName("modeLabel")

        self.play_button = self._tool_button("Pause", "Play or pause (Space)", self._on_play_button_clicked)
        self.play_button.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.mute_button = self._tool_button("Mute", "Mute (M)", self._on_mute_button_clicked)
        self.mute_button.setCheckable(True)
        self.mute_button.setShortcut(QKeySequence(Qt.Key.Key_M))
        self.volume_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(80)
        self.volume_slider.setMaximumWidth(110)
        self.volume_slider.setToolTip("Volume")
        self.volume_slider.valueChanged.connect(self._on_volume_slider_value_changed)
        self.stream_combo = QComboBox(self)
        self.stream_combo.addItems([STREAM_HLS, STREAM_RTSP])
        self.stream_combo.setToolTip("Live stream protocol")
        self.stream_combo.currentTextChanged.connect(self._on_stream_combo_changed)
        self.snapshot_button = self._tool_button("Snapshot", "Save the current picture as PNG (Ctrl+S)", self.save_snapshot)
        self.snapshot_button.setShortcut(QKeySequence.StandardKey.Save)
        self.fullscreen_button = self._tool_button("Fullscreen", "Fullscreen (F11, double-click)", self.toggle_fullscreen)

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.mute_button, self.volume_slider):
            controls.addWidget(widget)
        controls.addStretch(1)
        controls.addWidget(self.stream_combo)
        controls.addWidget(self.snapshot_button)
        controls.addWidget(self.fullscreen_button)

        header = QHBoxLayout()
        header.addWidget(self.title_label)
        header.addStretch(1)
        header.addWidget(self.mode_label)

        self.video_layout = QVBoxLayout(self)
        self.video_layout.setContentsMargins(0, 0, 0, 0)
        self.video_layout.addLayout(header)
        self.video_layout.addWidget(self.video, 1)
        self.video_layout.addLayout(controls)

        fullscreen = QShortcut(QKeySequence(Qt.Key.Key_F11), self)
        fullscreen.setContext(Qt.ShortcutContext.ApplicationShortcut)
        fullscreen.activated.connect(self.toggle_fullscreen)
        leave = QShortcut(QKeySequence(Qt.Key.Key_Escape), self.video)
        leave.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        leave.activated.connect(self._leave_fullscreen)

        backend.first_frame_shown.connect(self._on_backend_first_frame_shown)
        backend.state_changed.connect(self._on_backend_state_changed)
        backend.error_occurred.connect(self._on_backend_error_occurred)
        backend.has_audio_changed.connect(lambda _has: self._update_audio_controls())
        self._update_audio_controls()
        self._update_play_button(backend.state())

    def _tool_button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.clicked.connect(slot)
        return button

    # --- what to play -----------------------------------------------------------------------

    def show_camera(self, camera: Camera) -> None:
        """Show a camera: its live stream, or its preview when it is offline."""
        same = self.camera is not None and self.camera.id == camera.id
        self.camera = camera
        self.title_label.setText(camera.title)
        self._update_audio_controls()
        if same and self.backend.state() in (PlayerState.PLAYING, PlayerState.OPENING, PlayerState.BUFFERING):
            return  # a refresh of the same camera must not restart its stream
        if not camera.is_online:
            self._show_offline(camera)
            return
        self.play_live()

    def play_live(self) -> None:
        camera = self.camera
        if camera is None:
            return
        self.video.hide_message()
        if self.stream_combo.currentText() == STREAM_RTSP:
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
        if rtsp_supported is not None or self.stream_combo.currentText() == STREAM_RTSP:
            url = self._rtsp_or_fallback(camera, rtsp_supported) or url
        if not url:
            self.backend.stop()
            self.video.clear()
            self.video.show_message(f"“{camera.title}” has no live stream address.")
            return
        self.mode_label.setText("● LIVE")
        self.backend.open(url, muted=self._muted())

    def _rtsp_or_fallback(self, camera: Camera, rtsp_supported: bool | None) -> str | None:
        if not camera.live_rtsp_url:
            self.message_posted.emit(f"“{camera.title}” has no RTSP address; playing HLS.", MessageLevel.INFO)
            return None
        if rtsp_supported is False:
            self.message_posted.emit(
                "This VLC cannot play RTSP (it was built without live555); playing HLS instead.",
                MessageLevel.WARNING,
            )
            self.stream_combo.blockSignals(True)
            self.stream_combo.setCurrentText(STREAM_HLS)
            self.stream_combo.blockSignals(False)
            return None
        return camera.live_rtsp_url

    def _show_offline(self, camera: Camera) -> None:
        self.backend.stop()
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
        data = self.session.client.fetch_bytes(url)
        image = QImage.fromData(data)  # decoded here, on the worker
        if image.isNull():
            raise ValueError("the preview is not an image")
        return image

    def _on_preview_loaded(self, camera_id: str, image: QImage) -> None:
        if self.camera is not None and self.camera.id == camera_id and not self.camera.is_online:
            self.video.set_frame(image)

    def retry(self) -> None:
        if self.camera is not None and self.camera.is_online:
            self.play_live()

    # --- controls ---------------------------------------------------------------------------

    def _muted(self) -> bool:
        return self.mute_button.isChecked() or not (self.camera and self.camera.is_audio_granted)

    def _update_audio_controls(self) -> None:
        granted = bool(self.camera and self.camera.is_audio_granted)
        self.mute_button.setEnabled(granted)
        self.volume_slider.setEnabled(granted)
        tip = "Volume" if granted else "This key has no audio access for this camera"
        self.volume_slider.setToolTip(tip)
        self.mute_button.setToolTip("Mute (M)" if granted else tip)
        self.backend.set_muted(self._muted())

    def _on_play_button_clicked(self) -> None:
        state = self.backend.state()
        if state in (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING):
            self.backend.pause()
        elif state == PlayerState.PAUSED:
            self.backend.play()
        else:
            self.retry()

    def _on_mute_button_clicked(self) -> None:
        self.backend.set_muted(self._muted())

    def _on_volume_slider_value_changed(self, value: int) -> None:
        self.backend.set_volume(value)

    def _on_stream_combo_changed(self, _text: str) -> None:
        if self.camera is not None and self.camera.is_online:
            self.play_live()

    def _on_backend_first_frame_shown(self, seconds: float) -> None:
        # The e2e test and support requests read this line from the log.
        log.info("first frame shown after %.0f ms (%s)", seconds * 1000, self.camera.title if self.camera else "?")

    def _on_backend_state_changed(self, state: PlayerState) -> None:
        self._update_play_button(state)

    def _update_play_button(self, state: PlayerState) -> None:
        playing = state in (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING)
        self.play_button.setText("Pause" if playing else "Play")

    def _on_backend_error_occurred(self, message: str) -> None:
        self.mode_label.setText("")
        title = self.camera.title if self.camera else "the stream"
        self.message_posted.emit(f"Cannot play {title}: {message}", MessageLevel.ERROR)

    # --- snapshot ---------------------------------------------------------------------------

    def save_snapshot(self) -> None:
        image = self.backend.snapshot()
        if image.isNull():
            image = self.video.current_image()
        if image.isNull() or self.camera is None:
            self.message_posted.emit("There is no picture to save yet.", MessageLevel.INFO)
            return
        path = self.snapshot_dir / safe_filename(self.camera.title, datetime.now().astimezone(), ".png")
        self.session.runner.submit(
            _save_png,
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

    def shutdown(self) -> None:
        self._leave_fullscreen()
        self.backend.close()


def _save_png(image: QImage, path: Path) -> Path:
    """Write a PNG under a temporary name, then rename: no half-written snapshot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    if not image.save(str(tmp), "PNG"):
        tmp.unlink(missing_ok=True)
        raise OSError(f"cannot write {path}")
    tmp.replace(path)
    return path
