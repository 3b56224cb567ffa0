"""One tile of a layout: a VideoWidget of the tile's CameraView and a header over its top.

The header says the tile's title, its state (live, archive, buffering, no archive here, offline,
…: services/tile_status.py) and its archive time; it is drawn over the picture on a dark band so
it stays readable over any video. An offline camera shows its last preview with "offline since
…" (CameraView loads it: offline_preview_loaded, picture_note_changed). A selected tile has a
coloured frame, brighter while it has the keyboard.

The tile takes cameras dragged from the camera tree (ui/camera_model.py CAMERA_MIME) and says
so (`camera_dropped`); clicks, double-clicks and its context menu are announced for the grid
(ui/grid/layout_grid.py) to act on. It does no I/O.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from faceter_viewer.player.video_widget import VideoWidget
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.tile_status import TileHeader, TileState
from faceter_viewer.ui.camera_model import camera_ids_from_mime

FRAME_PX = 3
HEADER_PAD_PX = 2  # above and below the header's text
IDLE_FRAME = QColor("#1b1b1b")
SELECTED_FRAME = QColor("#2f7de1")
FOCUS_FRAME = QColor("#6cb2ff")
DROP_FRAME = QColor("#f0b429")  # a camera dragged over the tile
STATE_COLOURS = {
    TileState.LIVE: "#5fd35f",
    TileState.ARCHIVE: "#7fb8ff",
    TileState.BUFFERING: "#f0b429",
    TileState.NO_ARCHIVE: "#ff9f5a",
    TileState.OFFLINE: "#ff6b6b",
    TileState.UNAVAILABLE: "#ff6b6b",
}
EMPTY_HINT = "Drag a camera here from the list, or right-click for the camera menu."


def format_tile_time(t: float, now: float | None = None) -> str:
    """The tile's archive time: "03:12:07", with the date when it is not today."""
    when = datetime.fromtimestamp(t)
    today = datetime.fromtimestamp(now) if now is not None else datetime.now()
    return f"{when:%H:%M:%S}" if when.date() == today.date() else f"{when:%Y-%m-%d %H:%M:%S}"


class TileHeaderBar(QWidget):
    """The band over the top of the picture: title · state … time."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("tileHeader")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#tileHeader { background: rgba(0, 0, 0, 165); }"
            "#tileHeader QLabel { color: #f2f2f2; background: transparent; }"
        )
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)  # clicks reach the tile
        self.title_label = QLabel(self)
        self.title_label.setObjectName("tileTitle")
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)  # elided by width
        self.state_label = QLabel(self)
        self.state_label.setObjectName("tileState")
        self.time_label = QLabel(self)
        self.time_label.setObjectName("tileTime")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, HEADER_PAD_PX, 6, HEADER_PAD_PX)
        layout.setSpacing(8)
        layout.addWidget(self.title_label, 1)
        layout.addWidget(self.state_label)
        layout.addWidget(self.time_label)
        self._title = ""

    def show_header(self, header: TileHeader, now: float | None = None) -> None:
        self._title = header.title
        self._elide_title()
        self.title_label.setToolTip(header.title)
        self.state_label.setText(header.text)
        colour = STATE_COLOURS.get(header.state, "#f2f2f2")
        self.state_label.setStyleSheet(f"color: {colour};")
        self.time_label.setText(format_tile_time(header.time, now) if header.time is not None else "")

    def _elide_title(self) -> None:
        metrics = self.title_label.fontMetrics()
        width = max(20, self.title_label.width())
        self.title_label.setText(metrics.elidedText(self._title, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide_title()


class Tile(QWidget):
    clicked = Signal(int)
    double_clicked = Signal(int)
    camera_dropped = Signal(int, str)  # tile index, camera id
    menu_requested = Signal(int, QPoint)  # tile index, global position

    def __init__(self, index: int, view: CameraView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.index = index
        self.view = view
        self.setObjectName(f"tile{index}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAcceptDrops(True)
        self.setMinimumSize(96, 54)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)  # the grid shares the room
        self._selected = False
        self._drop_hover = False
        self._header = TileHeader("", TileState.EMPTY, "")

        self.video = VideoWidget(view.backend, self)
        self.video.setMinimumSize(80, 45)
        self.video.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.video.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.video.setFocusProxy(self)  # a click on the picture selects the tile and gives it the keys
        self.header = TileHeaderBar(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(FRAME_PX, FRAME_PX, FRAME_PX, FRAME_PX)
        layout.addWidget(self.video)

        self.video.fullscreen_requested.connect(self._on_video_fullscreen_requested)
        self.video.retry_requested.connect(view.retry)
        view.offline_preview_loaded.connect(self.video.set_frame)
        view.picture_note_changed.connect(self._on_view_picture_note_changed)
        view.camera_changed.connect(self._on_view_camera_changed)
        if view.camera is None:
            self.video.show_message(EMPTY_HINT)

    # --- state shown -------------------------------------------------------------------------

    def set_selected(self, selected: bool) -> None:
        if selected != self._selected:
            self._selected = selected
            self.update()

    def is_selected(self) -> bool:
        return self._selected

    def show_header(self, header: TileHeader, now: float | None = None) -> None:
        previous = self._header
        self._header = header
        self.header.show_header(header, now)
        if header.state is not previous.state and TileState.UNAVAILABLE in (header.state, previous.state):
            self._show_placeholder_note(header)
        elif header.state is TileState.EMPTY and previous.state is not TileState.EMPTY:
            self._show_placeholder_note(header)

    def header_state(self) -> TileHeader:
        return self._header

    def _show_placeholder_note(self, header: TileHeader) -> None:
        if header.state is TileState.EMPTY:
            self.video.clear()
            self.video.show_message(EMPTY_HINT)
        elif header.state is TileState.UNAVAILABLE and header.text:
            self.video.clear()
            self.video.show_message("This camera is no longer in the camera list.")
        else:
            self.video.hide_message()

    def _on_view_camera_changed(self, camera) -> None:
        self.video.hide_message()
        self.video.show_loading(f"Loading {camera.title}…")

    def _on_view_picture_note_changed(self, text: str) -> None:
        if text:
            self.video.hide_loading()
            self.video.clear()  # the preview, when it comes, replaces the black
            self.video.show_message(text)
        else:
            self.video.hide_message()

    # --- Qt events ---------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        if self._drop_hover:
            colour = DROP_FRAME
        elif self._selected:
            colour = FOCUS_FRAME if self.hasFocus() else SELECTED_FRAME
        else:
            colour = IDLE_FRAME
        painter.fillRect(self.rect(), colour)
        painter.end()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._place_header()

    def _place_header(self) -> None:
        height = self.header.sizeHint().height()
        self.header.setGeometry(FRAME_PX, FRAME_PX, max(0, self.width() - 2 * FRAME_PX), height)
        self.header.raise_()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._place_header()

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.clicked.emit(self.index)  # Tab onto a tile selects it, as a click does
        self.update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.clicked.emit(self.index)
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.double_clicked.emit(self.index)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _on_video_fullscreen_requested(self) -> None:
        self.double_clicked.emit(self.index)  # the video's double-click: maximize, not fullscreen

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        self.menu_requested.emit(self.index, event.globalPos())
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if camera_ids_from_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self._drop_hover = True
            self.update()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if camera_ids_from_mime(event.mimeData()):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._drop_hover = False
        self.update()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        self._drop_hover = False
        self.update()
        ids = camera_ids_from_mime(event.mimeData())
        if not ids:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)  # never Move: the tree keeps its row
        event.accept()
        self.camera_dropped.emit(self.index, ids[0])
