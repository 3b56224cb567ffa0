"""The row of player controls under the timeline, a view of a CameraView: it shows the
view-model's state (playing, archive or live, audio allowed, the stream protocol) and hands the
player commands that need no decision (speed, volume, frame step, protocol) straight to it; what
needs one (play/pause, live, snapshot) it only announces, for the player panel.

The buttons have no shortcuts of their own: the keys are the window's commands (ui/actions.py),
which also give the buttons their tooltips, so a tooltip names the key that really works.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSlider, QToolButton, QWidget

from faceter_viewer.player.backend import MAX_RATE, MIN_RATE, PlayerState
from faceter_viewer.services.camera_view import CameraStatus, CameraView, Stream
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.actions import tooltip

RATES = (0.5, 1.0, 2.0, 4.0, 8.0)


class TransportBar(QWidget):
    play_pause_clicked = Signal()
    step_clicked = Signal()
    live_clicked = Signal()
    rate_chosen = Signal(float)
    mute_toggled = Signal(bool)
    volume_changed = Signal(int)
    stream_chosen = Signal(str)
    snapshot_clicked = Signal()
    fullscreen_clicked = Signal()

    def __init__(self, view: CameraView | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.play_button = self._button("Pause", tooltip("play_pause"), self.play_pause_clicked)
        self.step_button = self._button("Step ▸", tooltip("frame_step"), self.step_clicked)
        self.live_button = self._button("Live", tooltip("live"), self.live_clicked)
        self.rate_combo = QComboBox(self)
        for rate in RATES:
            self.rate_combo.addItem(f"{rate:g}×", rate)
        self.rate_combo.setCurrentIndex(RATES.index(1.0))
        self.rate_combo.setToolTip(f"Archive playback speed ({MIN_RATE:g}× – {MAX_RATE:g}×)")
        self.rate_combo.currentIndexChanged.connect(lambda i: self.rate_chosen.emit(self.rate_combo.itemData(i)))
        self.mute_button = self._button("Mute", tooltip("mute"), None)
        self.mute_button.setCheckable(True)
        self.mute_button.toggled.connect(self.mute_toggled)
        self.volume_slider = QSlider(Qt.Orientation.Horizontal, self)
        self.volume_slider.setRange(0, 100)
        self.volume_slider.setValue(80)
        self.volume_slider.setMaximumWidth(110)
        self.volume_slider.setToolTip("Volume")
        self.volume_slider.valueChanged.connect(self.volume_changed)
        self.stream_combo = QComboBox(self)
        self.stream_combo.addItems([stream.value for stream in Stream])
        self.stream_combo.setToolTip("Live stream protocol")
        self.stream_combo.currentTextChanged.connect(self.stream_chosen)
        self.time_label = QLabel("", self)
        self.time_label.setObjectName("playbackTime")
        self.snapshot_button = self._button("Snapshot", tooltip("snapshot"), self.snapshot_clicked)
        self.fullscreen_button = self._button("Fullscreen", tooltip("fullscreen"), self.fullscreen_clicked)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.step_button, self.rate_combo, self.live_button, self.time_label):
            layout.addWidget(widget)
        layout.addStretch(1)
        for widget in (self.mute_button, self.volume_slider, self.stream_combo, self.snapshot_button, self.fullscreen_button):
            layout.addWidget(widget)
        if view is not None:
            self._follow(view)

    def _button(self, text: str, tip: str, signal) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        if signal is not None:
            button.clicked.connect(signal)
        return button

    def _follow(self, view: CameraView) -> None:
        backend = view.backend
        self.step_clicked.connect(backend.frame_step)
        self.rate_chosen.connect(backend.set_rate)
        self.volume_changed.connect(backend.set_volume)
        self.stream_chosen.connect(view.set_stream)
        # Bound methods, not lambdas: Qt disconnects them when this bar is deleted, so a view-model
        # that outlives its widgets (sign-out) never calls into a deleted combo box.
        self._view = view
        backend.state_changed.connect(self._on_backend_state_changed)
        view.playback.mode_changed.connect(self._on_playback_mode_changed)
        view.status_changed.connect(self._on_view_status_changed)
        self.set_archive_mode(False)
        self.set_audio_allowed(view.audio_allowed)

    def _on_playback_mode_changed(self, mode: Mode) -> None:
        self.set_archive_mode(mode is Mode.ARCHIVE)
        if mode is Mode.LIVE:
            self.reset_rate()  # live plays at 1× (the view-model set the player so)

    def _on_backend_state_changed(self, state: PlayerState) -> None:
        self.set_playing(state in (PlayerState.PLAYING, PlayerState.BUFFERING, PlayerState.OPENING))

    def _on_view_status_changed(self, _status: CameraStatus) -> None:
        self.set_stream(self._view.stream)
        self.set_audio_allowed(self._view.audio_allowed)

    def set_playing(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")

    def set_archive_mode(self, archive: bool) -> None:
        """Speed and frame step are for the archive; the protocol choice is for live."""
        self.step_button.setEnabled(archive)
        self.rate_combo.setEnabled(archive)
        self.live_button.setEnabled(archive)
        self.stream_combo.setEnabled(not archive)

    def set_audio_allowed(self, allowed: bool) -> None:
        self.mute_button.setEnabled(allowed)
        self.volume_slider.setEnabled(allowed)
        tip = "Volume" if allowed else "This key has no audio access for this camera"
        self.volume_slider.setToolTip(tip)
        self.mute_button.setToolTip(tooltip("mute") if allowed else tip)

    def set_stream(self, stream: str) -> None:
        self.stream_combo.blockSignals(True)
        self.stream_combo.setCurrentText(stream)
        self.stream_combo.blockSignals(False)

    def reset_rate(self) -> None:
        self.rate_combo.blockSignals(True)
        self.rate_combo.setCurrentIndex(RATES.index(1.0))
        self.rate_combo.blockSignals(False)
