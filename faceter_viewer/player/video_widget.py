"""A widget that paints a PlayerBackend's frames: aspect-fit with black bars, a buffering
indicator, a message overlay (the stream's error, with a Retry button), and a loading state
("Loading Kitchen…" over the previous picture, dimmed) until the next stream's first frame.

It paints QImages with QPainter, so it works wherever Qt does: offscreen (tests), Xvfb,
Wayland, inside a grid of tiles. It does no I/O and never calls libvlc; the owner connects
`retry_requested` (usually to `backend.play()`, which re-opens after an error) and
`fullscreen_requested`.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QFrame, QLabel, QPushButton, QVBoxLayout, QWidget

from faceter_viewer.player.backend import PlayerBackend, PlayerState

SPINNER_INTERVAL_MS = 50
_BUSY_STATES = (PlayerState.OPENING, PlayerState.BUFFERING)
LOADING_DIM = QColor(0, 0, 0, 200)  # over the previous camera's picture: it is not this camera's


def aspect_fit(image: QSize, area: QRect) -> QRect:
    """The largest rectangle of the image's aspect ratio centred in `area`."""
    if image.isEmpty() or area.isEmpty():
        return QRect()
    scale = min(area.width() / image.width(), area.height() / image.height())
    width, height = round(image.width() * scale), round(image.height() * scale)
    return QRect(
        area.x() + (area.width() - width) // 2,
        area.y() + (area.height() - height) // 2,
        width,
        height,
    )


class _MessagePanel(QFrame):
    retry_clicked = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("videoMessage")
        self.setStyleSheet(
            "#videoMessage { background: rgba(20, 20, 20, 210); border-radius: 6px; }"
            "#videoMessage QLabel { color: white; }"
        )
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.retry_button = QPushButton("Retry", self)
        self.retry_button.clicked.connect(self.retry_clicked)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.addWidget(self.label)
        layout.addWidget(self.retry_button, 0, Qt.AlignmentFlag.AlignHCenter)
        self.hide()


class VideoWidget(QWidget):
    fullscreen_requested = Signal()
    retry_requested = Signal()
    first_frame_painted = Signal()  # the first frame of each open()ed stream reached the screen

    def __init__(self, backend: PlayerBackend | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)  # every pixel is painted
        self.setMinimumSize(160, 90)
        self._backend: PlayerBackend | None = None
        self._image = QImage()
        self._image_serial = 0
        self._painted_serial = 0
        self._painted_frames = 0
        self._first_frame_serial: int | None = None  # a stream's first frame, to announce
        self._buffering = False
        self._loading_text: str | None = None
        self._buffering_percent: float | None = None
        self._spinner_angle = 0
        self._spinner = QTimer(self)
        self._spinner.setInterval(SPINNER_INTERVAL_MS)
        self._spinner.timeout.connect(self._on_spinner_timeout)
        self._message = _MessagePanel(self)
        self._message.retry_clicked.connect(self.retry_requested)
        self.set_backend(backend)

    # -- wiring ---------------------------------------------------------------------------------

    def backend(self) -> PlayerBackend | None:
        return self._backend

    def set_backend(self, backend: PlayerBackend | None) -> None:
        if self._backend is not None:
            old = self._backend
            old.frame_ready.disconnect(self._on_backend_frame_ready)
            old.state_changed.disconnect(self._on_backend_state_changed)
            old.buffering_changed.disconnect(self._on_backend_buffering_changed)
            old.error_occurred.disconnect(self._on_backend_error_occurred)
            old.first_frame_shown.disconnect(self._on_backend_first_frame_shown)
        self._backend = backend
        if backend is not None:
            backend.frame_ready.connect(self._on_backend_frame_ready)
            backend.state_changed.connect(self._on_backend_state_changed)
            backend.buffering_changed.connect(self._on_backend_buffering_changed)
            backend.error_occurred.connect(self._on_backend_error_occurred)
            backend.first_frame_shown.connect(self._on_backend_first_frame_shown)
            self._on_backend_state_changed(backend.state())

    # -- what to show ---------------------------------------------------------------------------

    @property
    def painted_frames(self) -> int:
        """How many distinct frames have been painted (each counted once)."""
        return self._painted_frames

    def current_image(self) -> QImage:
        return self._image

    def set_frame(self, image: QImage) -> None:
        self._image = image
        self._image_serial += 1
        self.update()

    def clear(self) -> None:
        self._image = QImage()
        self._image_serial += 1
        self.update()

    def show_message(self, text: str, *, retry: bool = False) -> None:
        self._message.label.setText(text)
        self._message.retry_button.setVisible(retry)
        self._message.show()
        self._place_message()
        self._message.raise_()

    def hide_message(self) -> None:
        self._message.hide()

    def message_text(self) -> str | None:
        return self._message.label.text() if self._message.isVisibleTo(self) else None

    def retry_button(self) -> QPushButton:
        return self._message.retry_button

    def show_loading(self, text: str) -> None:
        """Another stream is coming (a camera switch): dim what is shown, which belongs to the
        previous one, and say `text` over it, until the new stream's first frame arrives (the
        backend's first_frame_shown) or `hide_loading`."""
        self._loading_text = text
        self.update()

    def hide_loading(self) -> None:
        if self._loading_text is not None:
            self._loading_text = None
            self.update()

    def loading_text(self) -> str | None:
        return self._loading_text

    def set_buffering(self, buffering: bool, percent: float | None = None) -> None:
        self._buffering = buffering
        self._buffering_percent = percent if buffering else None
        if buffering and not self._spinner.isActive():
            self._spinner.start()
        elif not buffering:
            self._spinner.stop()
        self.update()

    def is_buffering(self) -> bool:
        return self._buffering

    # -- backend signals ------------------------------------------------------------------------

    def _on_backend_frame_ready(self, image: QImage) -> None:
        self.set_frame(image)

    def _on_backend_first_frame_shown(self, _seconds: float) -> None:
        # Emitted right after the frame_ready of a stream's first frame: the image just set.
        # (A frame of the previous stream may still be painted after open(): not this one.)
        self._first_frame_serial = self._image_serial
        self.hide_loading()
        self.update()

    def _on_backend_state_changed(self, state: PlayerState) -> None:
        if state is PlayerState.OPENING:
            self.hide_message()
        self.set_buffering(state in _BUSY_STATES, self._buffering_percent)

    def _on_backend_buffering_changed(self, percent: float) -> None:
        if self._buffering:
            self._buffering_percent = percent
            self.update()

    def _on_backend_error_occurred(self, message: str) -> None:
        self.hide_loading()  # the message says what happened instead
        self.show_message(message, retry=True)

    def _on_spinner_timeout(self) -> None:
        self._spinner_angle = (self._spinner_angle + 30) % 360
        self.update()

    # -- Qt events ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if not self._image.isNull():
            target = aspect_fit(self._image.size(), self.rect())
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self._image)
            if self._painted_serial != self._image_serial:
                self._painted_serial = self._image_serial
                self._painted_frames += 1
            first = self._first_frame_serial
            if first is not None and self._painted_serial >= first:
                self._first_frame_serial = None
                self.first_frame_painted.emit()
        if self._loading_text is not None:
            self._paint_loading(painter, self._loading_text)
        if self._buffering:
            self._paint_spinner(painter)
        painter.end()

    def _paint_loading(self, painter: QPainter, text: str) -> None:
        painter.fillRect(self.rect(), LOADING_DIM)
        painter.setPen(QColor(255, 255, 255, 230))
        font = painter.font()
        font.setPointSizeF(max(9.0, min(16.0, self.height() / 24)))
        painter.setFont(font)
        # Under the spinner, which sits in the middle.
        side = max(24, min(64, min(self.width(), self.height()) // 6))
        area = QRect(0, (self.height() + side) // 2 + 8, self.width(), max(20, self.height() // 6))
        painter.drawText(area, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, text)

    def _paint_spinner(self, painter: QPainter) -> None:
        side = max(24, min(64, min(self.width(), self.height()) // 6))
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(255, 255, 255, 60), side / 10))
        painter.drawEllipse(box)
        painter.setPen(QPen(QColor(255, 255, 255, 220), side / 10))
        painter.drawArc(box, -self._spinner_angle * 16, 90 * 16)
        if self._buffering_percent is not None and 0 < self._buffering_percent < 100:
            painter.drawText(
                box.adjusted(-side, side, side, side * 1.6).toRect(),
                Qt.AlignmentFlag.AlignCenter,
                f"{self._buffering_percent:.0f} %",
            )

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.fullscreen_requested.emit()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_message()

    def _place_message(self) -> None:
        width = max(120, min(self.width() - 40, 460))
        self._message.setFixedWidth(width)
        self._message.adjustSize()
        self._message.move(
            (self.width() - width) // 2, (self.height() - self._message.height()) // 2
        )

    def sizeHint(self) -> QSize:
        return QSize(640, 360)
