"""The camera browser: a filter box (Ctrl+F) over the location → room → camera tree.

It keeps the selected camera and the expanded groups across a refresh, and says
`camera_selected(Camera)` when the user picks a camera.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.ui.camera_delegate import CameraDelegate
from faceter_viewer.ui.camera_model import (
    CameraFilterProxy,
    CameraTreeModel,
    Kind,
    Role,
)

if TYPE_CHECKING:  # pydantic loads with the API client, after the window is shown
    from faceter_viewer.api.models import Camera


class CameraBrowser(QWidget):
    camera_selected = Signal(object)  # Camera

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CameraTreeModel(self)
        self.proxy = CameraFilterProxy(self)
        self.proxy.setSourceModel(self.model)

        self.filter_edit = QLineEdit(self)
        self.filter_edit.setPlaceholderText("Filter cameras: title, location, room, serial (Ctrl+F)")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)

        self.tree = QTreeView(self)
        self.tree.setModel(self.proxy)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)  # lets the view skip measuring 5,000 rows
        self.tree.setItemDelegate(CameraDelegate(self.tree))
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("cameraCount")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.count_label)

        shortcut = QShortcut(QKeySequence.StandardKey.Find, self)
        shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        shortcut.activated.connect(self._on_find_shortcut_activated)

    # --- data -------------------------------------------------------------------------------

    def set_cameras(self, cameras: list[Camera]) -> None:
        """Show a new camera list, keeping the selection and the expanded groups."""
        selected = self.selected_camera_id()
        collapsed = self._collapsed_groups()
        self.tree.selectionModel().blockSignals(True)
        try:
            self.model.set_cameras(cameras)
            self._expand_all_except(collapsed)
            if selected is not None:
                self.select_camera(selected, emit=False)
        finally:
            self.tree.selectionModel().blockSignals(False)
        self._update_count()
        if selected is not None:
            camera = self.model.camera(selected)
            if camera is not None:
                self.camera_selected.emit(camera)  # the details may have changed

    def selected_camera_id(self) -> str | None:
        index = self.tree.currentIndex()
        if index.isValid() and index.data(Role.KIND) == Kind.CAMERA:
            return index.data(Role.CAMERA_ID)
        return None

    def select_camera(self, camera_id: str, *, emit: bool = True) -> bool:
        source = self.model.index_of(camera_id)
        if not source.isValid():
            return False
        index = self.proxy.mapFromSource(source)
        if not index.isValid():  # filtered out: clear the filter so the camera can be shown
            self.filter_edit.clear()
            index = self.proxy.mapFromSource(source)
        self.tree.scrollTo(index)
        if not emit:
            self.tree.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            return True
        self.tree.setCurrentIndex(index)
        return True

    # --- slots ------------------------------------------------------------------------------

    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.proxy.set_filter_text(text)
        if text.strip():
            self.tree.expandAll()
        self._update_count()

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and current.data(Role.KIND) == Kind.CAMERA:
            self.camera_selected.emit(current.data(Role.CAMERA))

    def _on_find_shortcut_activated(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    # --- helpers ----------------------------------------------------------------------------

    def _update_count(self) -> None:
        total = len(self.model.cameras())
        text = self.filter_edit.text().strip()
        if text:
            self.count_label.setText(f"{self.model.count_matching(text)} of {total} cameras")
        else:
            self.count_label.setText(f"{total} cameras")

    def _collapsed_groups(self) -> set[str]:
        collapsed: set[str] = set()

        def walk(parent: QModelIndex) -> None:
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                if index.data(Role.KIND) != Kind.CAMERA:
                    if not self.tree.isExpanded(index):
                        collapsed.add(index.data(Role.SEARCH_TEXT))
                    walk(index)

        walk(QModelIndex())
        return collapsed

    def _expand_all_except(self, collapsed: set[str]) -> None:
        self.tree.expandAll()
        if not collapsed:
            return

        def walk(parent: QModelIndex) -> None:
            for row in range(self.proxy.rowCount(parent)):
                index = self.proxy.index(row, 0, parent)
                if index.data(Role.KIND) != Kind.CAMERA:
                    if index.data(Role.SEARCH_TEXT) in collapsed:
                        self.tree.collapse(index)
                    walk(index)

        walk(QModelIndex())
