"""The tiles of a LayoutView (services/layout_view.py) in a QGridLayout, per core/layouts.py
tile_rects: 2×2, 3×3, 4×4, or one large tile and five small ones.

A click (or Tab) selects a tile; a double-click, or Enter while a tile has the keyboard,
maximizes it (the tile alone fills the grid) and back; Escape goes back too. A camera dragged
from the camera tree onto a tile plays there; the tile menu sets its camera, maximizes or clears
it. The grid paints nothing of its own and does no I/O: what each tile plays is the LayoutView's.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QWidget

from faceter_viewer.core.layouts import MAX_TILES, tile_rects
from faceter_viewer.services.layout_view import LayoutView
from faceter_viewer.services.sync_controller import TileSync
from faceter_viewer.services.tile_status import tile_header
from faceter_viewer.ui.actions import ActionSet, Scope
from faceter_viewer.ui.grid.tile import FRAME_PX, HEADER_PAD_PX, Tile
from faceter_viewer.ui.grid.tile_menu import build_tile_menu

GAP_PX = 2


class LayoutGrid(QWidget):
    tile_selected = Signal(int)  # the user picked a tile (click, Tab, drop, menu)
    camera_dropped = Signal(int, object)  # tile index, Camera: the user put a camera on a tile

    def __init__(self, layout_view: LayoutView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layoutGrid")
        self.layout_view = layout_view
        self.setStyleSheet("#layoutGrid { background: #0d0d0d; }")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setSpacing(GAP_PX)
        self.tiles: list[Tile | None] = [None] * MAX_TILES
        self.tile_menu = None  # the context menu last opened (tests trigger its actions)

        self.commands = ActionSet(self, (Scope.TILE,))
        self.commands.bind("maximize_tile", lambda: layout_view.toggle_maximized())
        self.commands.bind("restore_tile", lambda: layout_view.set_maximized(-1))

        layout_view.tile_view_changed.connect(self._on_layout_tile_view_changed)
        layout_view.kind_changed.connect(self._on_layout_changed)
        layout_view.maximized_changed.connect(self._on_layout_changed)
        layout_view.selected_changed.connect(self._on_layout_selected_changed)
        layout_view.tile_camera_changed.connect(self._on_layout_tile_camera_changed)
        layout_view.sync.tile_state_changed.connect(self._on_sync_tile_state_changed)
        for index in range(MAX_TILES):
            view = layout_view.view(index)
            if view is not None:
                self._on_layout_tile_view_changed(index, view)
        self.arrange()

    # --- what shows ----------------------------------------------------------------------------

    def tile(self, index: int) -> Tile | None:
        return self.tiles[index]

    def shown_tiles(self) -> list[Tile]:
        return [tile for tile in self.tiles if tile is not None and tile.isVisibleTo(self)]

    def arrange(self) -> None:
        """Place the kind's tiles (or the maximized one alone) and hide the others."""
        layout = self.layout_view
        kind = layout.kind
        rects = tile_rects(kind)
        while self._grid.count():
            self._grid.takeAt(0)
        for row in range(MAX_TILES):
            self._grid.setRowStretch(row, 0)
            self._grid.setColumnStretch(row, 0)
        maximized = layout.maximized
        placed = set()
        if maximized >= 0 and self.tiles[maximized] is not None:
            self._grid.addWidget(self.tiles[maximized], 0, 0)
            self._grid.setRowStretch(0, 1)
            self._grid.setColumnStretch(0, 1)
            placed.add(maximized)
        else:
            for index, rect in enumerate(rects):
                tile = self.tiles[index]
                if tile is None:
                    continue
                self._grid.addWidget(tile, rect.row, rect.column, rect.row_span, rect.column_span)
                placed.add(index)
            rows = max(r.row + r.row_span for r in rects)
            columns = max(r.column + r.column_span for r in rects)
            for row in range(rows):
                self._grid.setRowStretch(row, 1)
            for column in range(columns):
                self._grid.setColumnStretch(column, 1)
        for index, tile in enumerate(self.tiles):
            if tile is not None:
                tile.setVisible(index in placed)
        self._on_layout_selected_changed(layout.selected)
        self.refresh_headers()

    def refresh_headers(self, now: float | None = None) -> None:
        """Bring every shown tile's header up to date (the page calls this a few times a second)."""
        layout = self.layout_view
        known = not layout.session.loading and bool(layout.session.cameras())
        now = time.time() if now is None else now
        for index, tile in enumerate(self.tiles):
            if tile is None or not tile.isVisibleTo(self):
                continue
            sync_state = layout.sync.tile_state(index) if layout.is_shown(index) else TileSync.IDLE
            header = tile_header(layout.view(index), layout.tile_camera_id(index), sync_state, known=known)
            tile.show_header(header, now)

    def header_margin(self) -> int:
        """How far from the grid's top the tiles' headers end: the message bar floats below
        them, so the top row's titles and states stay readable while a message is up."""
        return FRAME_PX + HEADER_PAD_PX * 2 + self.fontMetrics().height()

    def focus_selected(self) -> None:
        tile = self.tiles[self.layout_view.selected]
        if tile is not None and tile.isVisibleTo(self):
            tile.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- tiles ---------------------------------------------------------------------------------

    def _on_layout_tile_view_changed(self, index: int, view) -> None:
        old = self.tiles[index]
        had_focus = old is not None and old.hasFocus()
        tile = Tile(index, view, self)
        tile.clicked.connect(self._on_tile_clicked)
        tile.double_clicked.connect(self._on_tile_double_clicked)
        tile.camera_dropped.connect(self._on_tile_camera_dropped)
        tile.menu_requested.connect(self._on_tile_menu_requested)
        self.tiles[index] = tile
        if old is not None:
            self._grid.removeWidget(old)
            old.hide()
            old.deleteLater()
        self.arrange()
        if had_focus:
            tile.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_layout_changed(self, *_args) -> None:
        had_focus = self.focusWidget() is not None and self.isAncestorOf(self.focusWidget())
        self.arrange()
        if had_focus:
            self.focus_selected()

    def _on_layout_selected_changed(self, selected: int) -> None:
        for index, tile in enumerate(self.tiles):
            if tile is not None:
                tile.set_selected(index == selected)

    def _on_layout_tile_camera_changed(self, _index: int, _camera) -> None:
        self.refresh_headers()

    def _on_sync_tile_state_changed(self, _index: int, _state) -> None:
        self.refresh_headers()

    def _on_tile_clicked(self, index: int) -> None:
        if index != self.layout_view.selected:
            self.layout_view.select(index)
            self.tile_selected.emit(index)

    def _on_tile_double_clicked(self, index: int) -> None:
        self.layout_view.select(index)
        self.layout_view.toggle_maximized(index)

    def _on_tile_camera_dropped(self, index: int, camera_id: str) -> None:
        camera = self.layout_view.session.camera(camera_id)
        if camera is None:
            return  # gone from the list since the drag began
        self.put_camera(index, camera)

    def put_camera(self, index: int, camera) -> None:
        """The user put `camera` on tile `index` (a drop, the tile menu): it plays there and the
        tile is selected."""
        self.layout_view.set_tile_camera(index, camera)
        self.layout_view.select(index)
        self.camera_dropped.emit(index, camera)
        self.tile_selected.emit(index)

    def _on_tile_menu_requested(self, index: int, position: QPoint) -> None:
        menu = self.make_tile_menu(index)
        menu.popup(position)

    def make_tile_menu(self, index: int):
        """The tile's context menu (shown by a right-click; tests trigger its actions)."""
        layout = self.layout_view
        if self.tile_menu is not None:
            self.tile_menu.deleteLater()
        self.tile_menu = build_tile_menu(
            layout.session.cameras(),
            current_id=layout.tile_camera_id(index),
            maximized=layout.maximized == index,
            on_camera=lambda camera: self.put_camera(index, camera),
            on_maximize=lambda: self._on_tile_double_clicked(index),
            on_clear=lambda: layout.clear_tile(index),
            parent=self,
        )
        return self.tile_menu
