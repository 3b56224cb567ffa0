"""Paints a camera row: a state mark, the title, the platform, badges as small pills, and at
the right end the number of unreviewed events of the last 24 h ("12", "99+"; nothing while it
is unknown or zero).

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
COUNT = QColor("#2f6fd0")  # the unreviewed count's pill; white text


class CameraDelegate(QStyledItemDelegate):
    """Paints every visible row on each keystroke of the filter, so it asks the model for one
    value per camera row through data(), the Camera, and its unreviewed count through a plain
    Python call (CameraTreeModel.unreviewed_count)."""

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
        right = self._paint_count(painter, opt, index.model(), camera.id, rect, selected)  # what is left for the rest

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
        title = metrics.elidedText(camera.title or camera.id, Qt.TextElideMode.ElideRight, max(40, right - x))
        painter.drawText(QRect(x, rect.top(), right - x, rect.height()), Qt.AlignmentFlag.AlignVCenter, title)
        x += metrics.horizontalAdvance(title) + 8
        if camera.platform and x < right - 30:
            small = opt.font
            small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.85))
            painter.setFont(small)
            painter.setPen(OFFLINE if not selected else text_color)
            painter.drawText(QRect(x, rect.top(), right - x, rect.height()), Qt.AlignmentFlag.AlignVCenter, camera.platform)
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
                if x + width > right:
                    break
                pill = QRect(x, rect.center().y() - fm.height() // 2 - 1, width, fm.height() + 2)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(PILL.lighter(150))
                painter.drawRoundedRect(pill, 6, 6)
                painter.setPen(QColor("#5a3b00"))
                painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, badge)
                x += width + 4
        painter.restore()

    @staticmethod
    def _paint_count(painter: QPainter, opt: QStyleOptionViewItem, model, camera_id: str, rect: QRect, selected: bool) -> int:
        """The count's pill at the right end of the row; returns where the rest must stop."""
        count = model.unreviewed_count(camera_id) if hasattr(model, "unreviewed_count") else None
        text = count.text() if count is not None else ""
        if not text:
            return rect.right()
        small = opt.font
        small.setPointSizeF(max(6.0, opt.font.pointSizeF() * 0.8))
        small.setBold(True)
        fm = QFontMetrics(small)
        width = max(fm.horizontalAdvance(text) + 10, fm.height() + 4)
        pill = QRect(rect.right() - width, rect.center().y() - fm.height() // 2 - 1, width, fm.height() + 2)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(opt.palette.color(QPalette.ColorRole.HighlightedText) if selected else COUNT)
        painter.drawRoundedRect(pill, pill.height() / 2, pill.height() / 2)
        painter.setFont(small)
        painter.setPen(opt.palette.color(QPalette.ColorRole.Highlight) if selected else QColor("white"))
        painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, text)
        return pill.left() - 6

    def helpEvent(self, event, view, option, index) -> bool:
        camera = index.data(Role.CAMERA) if event.type() == QEvent.Type.ToolTip else None
        if camera is not None:
            text = camera_tooltip(camera)
            count = index.data(Role.UNREVIEWED)
            if count is not None:
                text += "\n" + count.describe()
            QToolTip.showText(event.globalPos(), text, view)
            return True
        return super().helpEvent(event, view, option, index)

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        size = super().sizeHint(option, index)
        return QSize(size.width() + 200, max(size.height(), 24))
