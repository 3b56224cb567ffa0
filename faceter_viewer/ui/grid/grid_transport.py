"""The layout's transport row: play/pause, frame step, speed (0.5×–8×), back to live, the layout's
time and the Sync toggle. It shows what the grid page tells it (`show_state`) and announces
clicks; the keys are the window's commands (ui/actions.py), which give the buttons their
tooltips, as on the single player's transport bar.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QToolButton, QWidget

from faceter_viewer.player.backend import MAX_RATE, MIN_RATE
from faceter_viewer.ui.actions import tooltip
from faceter_viewer.ui.transport_bar import RATES


class GridTransport(QWidget):
    play_pause_clicked = Signal()
    step_clicked = Signal()
    live_clicked = Signal()
    rate_chosen = Signal(float)
    sync_toggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gridTransport")
        self.play_button = self._button("Pause", tooltip("play_pause"), self.play_pause_clicked)
        self.step_button = self._button("Step ▸", tooltip("frame_step"), self.step_clicked)
        self.live_button = self._button("Live", tooltip("live"), self.live_clicked)
        self.rate_combo = QComboBox(self)
        for rate in RATES:
            self.rate_combo.addItem(f"{rate:g}×", rate)
        self.rate_combo.setCurrentIndex(RATES.index(1.0))
        self.rate_combo.setToolTip(f"Archive playback speed of the layout ({MIN_RATE:g}× – {MAX_RATE:g}×)")
        self.rate_combo.currentIndexChanged.connect(lambda i: self.rate_chosen.emit(self.rate_combo.itemData(i)))
        self.time_label = QLabel("", self)
        self.time_label.setObjectName("layoutTime")
        self.sync_button = self._button("Sync on", tooltip("sync_toggle"), None)
        self.sync_button.setObjectName("syncButton")
        self.sync_button.setCheckable(True)
        self.sync_button.setChecked(True)
        self.sync_button.toggled.connect(self._on_sync_button_toggled)
        self.scope_label = QLabel("", self)  # what the transport acts on
        self.scope_label.setObjectName("transportScope")
        self.scope_label.setStyleSheet("color: #8a8f98;")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.play_button, self.step_button, self.rate_combo, self.live_button, self.time_label):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addWidget(self.scope_label)
        layout.addWidget(self.sync_button)

    def _button(self, text: str, tip: str, signal) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        if signal is not None:
            button.clicked.connect(signal)
        return button

    def show_state(self, *, archive: bool, playing: bool, at: float | None, rate: float, sync: bool, scope: str) -> None:
        """Archive or live, playing or paused, the time on screen, the speed, Sync, and what the
        transport acts on ("all tiles" / the selected tile's title)."""
        self.play_button.setText("Pause" if playing else "Play")
        self.step_button.setEnabled(archive)
        self.rate_combo.setEnabled(archive)
        self.live_button.setEnabled(archive)
        self.time_label.setText(f"{datetime.fromtimestamp(at):%Y-%m-%d %H:%M:%S}" if at is not None else "")
        self.set_rate(rate)
        self.set_sync(sync)
        self.scope_label.setText(scope)

    def set_rate(self, rate: float) -> None:
        index = self.rate_combo.findData(rate)
        if index >= 0 and index != self.rate_combo.currentIndex():
            self.rate_combo.blockSignals(True)
            self.rate_combo.setCurrentIndex(index)
            self.rate_combo.blockSignals(False)

    def set_sync(self, sync: bool) -> None:
        if self.sync_button.isChecked() != sync:
            self.sync_button.blockSignals(True)
            self.sync_button.setChecked(sync)
            self.sync_button.blockSignals(False)
        self.sync_button.setText("Sync on" if sync else "Sync off")  # a checked look alone is easy to miss

    def _on_sync_button_toggled(self, checked: bool) -> None:
        self.sync_button.setText("Sync on" if checked else "Sync off")
        self.sync_toggled.emit(checked)
