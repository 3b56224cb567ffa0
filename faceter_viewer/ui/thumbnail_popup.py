"""The preview thumbnail shown above the timeline while hovering or scrubbing.

It shows the picture with its actual time; for a gap a placeholder ("no video here"); when the
preview could not be fetched, "no preview" and the reason (never "loading" forever).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

WIDTH, HEIGHT = 192, 108
LABEL_HEIGHT = 18


class ThumbnailPopup(QWidget):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setFixedSize(WIDTH + 4, HEIGHT + LABEL_HEIGHT + 4)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._image = QImage()
        self._time: float | None = None
        self._placeholder: str | None = None
        self.painted_time: float | None = None  # what was last painted (tests, benchmarks)
        self.hide()

    @property
    def shown_time(self) -> float | None:
        return self._time

    @property
    def placeholder(self) -> str | None:
        return self._placeholder

    def show_loading(self, t: float) -> None:
        self._time, self._placeholder = t, "…"
        self.update()

    def show_image(self, t: float, image: QImage) -> None:
        self._time, self._image, self._placeholder = t, image, None
        self.update()

    def show_gap(self, t: float) -> None:
        self._time, self._placeholder = t, "no video here"
        self.update()

    def show_error(self, t: float, message: str) -> None:
        self._time, self._placeholder = t, f"no preview\n{message}"
        self.update()

    def place_above(self, x: int, anchor: QWidget) -> None:
        """Centre the popup over x of `anchor` (the timeline), kept inside the parent."""
        parent = self.parentWidget()
        top_left = anchor.mapTo(parent, QPoint(x - self.width() // 2, -self.height() - 4))
        left = max(0, min(top_left.x(), parent.width() - self.width()))
        self.move(left, max(0, top_left.y()))
        self.raise_()
        self.show()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(20, 20, 20, 235))
        picture = QRect(2, 2, WIDTH, HEIGHT)
        if self._placeholder is None and not self._image.isNull():
            painter.drawImage(picture, self._image)
        else:
            painter.fillRect(picture, QColor(50, 50, 55))
            painter.setPen(QColor(200, 200, 200))
            flags = Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap
            painter.drawText(picture.adjusted(6, 6, -6, -6), flags, self._placeholder or "")
        if self._time is not None:
            painter.setPen(QColor(255, 255, 255))
            label = datetime.fromtimestamp(self._time).strftime("%Y-%m-%d %H:%M:%S")
            painter.drawText(QRect(2, HEIGHT + 2, WIDTH, LABEL_HEIGHT), Qt.AlignmentFlag.AlignCenter, label)
        painter.end()
        self.painted_time = self._time if self._placeholder is None else None
