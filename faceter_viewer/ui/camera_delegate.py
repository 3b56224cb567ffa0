"""Paints a camera row: a state mark, the title, the platform, and badges as small pills.

Online is a filled green disc, offline a hollow grey ring: the shape tells it without colour.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from faceter_viewer.ui.camera_model import Role, camera_badges, camera_tooltip

ONLINE = QColor("#2e9d4f")
OFFLINE = QColor("#8a8f98")
PILL = QColor("#e8a33d")


class CameraDelegate(QStyledItemDelegate):
    """Paints every visible row on each keystroke of the filter, so it asks the model for one
    value per camera row: the Camera."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        camera = index.data(Role.CAMERA)
        if camera is None:  # a location or room
            super().paint(painter, option, index)
            return
        # Only the panel (selection, hover, focus) is drawn by the style. initStyleOption is left
        # out: it reads seven roles through Python data() per row, and a camera row has no text,
        # icon, font or brush roles for the style to draw.
        opt = QStyleOptionViewItem(option)
        opt.index = index
        widget = opt.widget
        style = widget.style() if widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = opt.rect.adjusted(4, 0, -4, 0)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        text_color = opt.palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)

        # state mark
        d = 9
        mark = QRect(rect.left(), rect.center().y() - d // 2, d, d)
        if camera.is_online:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(ONLINE)
        else:
            pen = painter.pen()
            pen.setColor(OFFLINE)
            pen.setWidthF(1.6)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(mark)
        x = mark.right() + 7

        # title, then the platform dimmed
        metrics = QFontMetrics(opt.font)
        painter.setFont(opt.font)
        painter.setPen(text_color if camera.is_online else OFFLINE if not selected else text_color)
        title = metrics.elidedText(camera.title or camera.id, Qt.TextElideMode.ElideRight, max(40, rect.right() - x))
        painter.drawText(QRect(x, rect.top(), rect.right() - x, rect.height()), Qt.AlignmentFlag.AlignVCenter, title)
        x += metrics.horizontalAdvance(title) + 8
        if camera.platform and x < rect.right() - 30:
            small = opt.font
            small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.85))
            painter.setFont(small)
            painter.setPen(OFFLINE if not selected else text_color)
            painter.drawText(QRect(x, rect.top(), rect.right() - x, rect.height()), Qt.AlignmentFlag.AlignVCenter, camera.platform)
            x += QFontMetrics(small).horizontalAdvance(camera.platform) + 8

        # badges
        badges = camera_badges(camera)
        if badges:
            small = opt.font
            small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.8))
            painter.setFont(small)
            fm = QFontMetrics(small)
            for badge in badges:
                width = fm.horizontalAdvance(badge) + 10
                if x + width > rect.right():
                    break
                pill = QRect(x, rect.center().y() - fm.height() // 2 - 1, width, fm.height() + 2)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(PILL.lighter(150))
                painter.drawRoundedRect(pill, 6, 6)
                painter.setPen(QColor("#5a3b00"))
                painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, badge)
                x += width + 4
        painter.restore()

    def helpEvent(self, event, view, option, index) -> bool:
        camera = index.data(Role.CAMERA) if event.type() == QEvent.Type.ToolTip else None
        if camera is not None:
            QToolTip.showText(event.globalPos(), camera_tooltip(camera), view)
            return True
        return super().helpEvent(event, view, option, index)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 200, max(size.height(), 24))
