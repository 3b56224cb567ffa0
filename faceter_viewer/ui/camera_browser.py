"""The camera browser: a filter box over the location → room → camera tree.

It keeps the selected camera and the collapsed groups across a refresh and a filter, and says
`camera_selected(Camera)` when the user picks a camera. In the filter, Enter opens the first match,
Down goes into the results and Escape clears it and hands the keyboard back (`focus_released`:
the window gives it to the player; with nobody listening, the tree takes it). The window's
Ctrl+F calls `focus_filter()`. The filter never takes the keyboard by itself: when the window
first gets focus Qt gives it to the first field in the tab order, the filter, where J, K, R...
would be typed as text; the browser hands that first focus on as Escape does.
The selected camera (the one that plays) stays highlighted while the keyboard walks over group
rows, which cannot be selected.

With `attach_unreviewed_counts(counts)` each camera row shows its unreviewed events of the last
24 h (services/unreviewed_counts.py): the browser tells the counts which cameras are in view
(`visible_cameras_changed`, at most every 150 ms while the view scrolls, resizes, expands or
collapses or shows a new filter, and once after it stops) and repaints a row when its count
changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.ui.actions import command
from faceter_viewer.ui.camera_delegate import CameraDelegate
from faceter_viewer.ui.camera_model import CameraTreeModel

if TYPE_CHECKING:  # pydantic loads with the API client, after the window is shown
    from faceter_viewer.api.models import Camera
    from faceter_viewer.services.unreviewed_counts import UnreviewedCounts

VISIBLE_DEBOUNCE_MS = 150  # the cameras in view are looked at this long after a scroll step, resize or expand
MAX_VISIBLE_ROWS = 400  # a safety bound on the rows walked to find the cameras in view


class CameraBrowser(QWidget):
    camera_selected = Signal(object)  # Camera
    focus_released = Signal()  # Escape in the filter (or its unasked first focus): keys to the content
    visible_cameras_changed = Signal(list)  # list[str]: camera ids in view, top to bottom

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = CameraTreeModel(self)
        # The selected camera by id: it survives a refresh, and a filter that hides it for a while.
        self._selected_id: str | None = None
        # Groups the user collapsed (by path), kept across refreshes. While a filter is typed
        # every match is shown expanded; clearing it brings these back.
        self._collapsed: set[tuple[str, ...]] = set()
        self._restoring = False  # True while the browser itself resets expansion and selection
        self._filter_asked_for = False  # the user put the keyboard in the filter at least once
        self._counts: UnreviewedCounts | None = None
        self._visible_ids: list[str] = []
        self._visible_timer = QTimer(self)
        self._visible_timer.setObjectName("visibleCamerasDebounce")
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(VISIBLE_DEBOUNCE_MS)
        self._visible_timer.timeout.connect(self._on_visible_timer_timeout)
        self._tracking_visible = False

        self.filter_edit = QLineEdit(self)
        find_key = command("find_camera").key_text()
        self.filter_edit.setPlaceholderText(f"Filter cameras: title, location, room, serial ({find_key})")
        self.filter_edit.setToolTip("Enter plays the first match, Down goes to the list, Esc clears")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self._on_filter_edit_text_changed)
        self.filter_edit.returnPressed.connect(self._on_filter_edit_return_pressed)
        self.filter_edit.installEventFilter(self)

        self.tree = QTreeView(self)
        self.tree.setModel(self.model)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)  # lets the view skip measuring 5,000 rows
        self.tree.setItemDelegate(CameraDelegate(self.tree))
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Cameras are dragged onto the tiles of a layout (ui/grid/tile.py); nothing drops here.
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.selectionModel().currentChanged.connect(self._on_tree_current_changed)
        self.tree.selectionModel().selectionChanged.connect(self._on_tree_selection_changed)
        self.tree.collapsed.connect(self._on_tree_collapsed)
        self.tree.expanded.connect(self._on_tree_expanded)
        self.tree.verticalScrollBar().valueChanged.connect(self._schedule_visible_check)
        self.tree.viewport().installEventFilter(self)
        self.model.modelReset.connect(self._schedule_visible_check)
        self.model.layoutChanged.connect(self._schedule_visible_check)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("cameraCount")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.count_label)

    # --- data -------------------------------------------------------------------------------

    def set_cameras(self, cameras: list[Camera]) -> None:
        """Show a new camera list, keeping the filter, the selection and the collapsed groups."""
        self.model.set_cameras(cameras)
        if self._selected_id is not None and self.model.camera(self._selected_id) is None:
            self._selected_id = None  # gone from the account
        self._restore_view()
        self._update_count()
        if self._selected_id is not None:
            camera = self.model.camera(self._selected_id)
            if camera is not None:
                self.camera_selected.emit(camera)  # the details may have changed

    def selected_camera_id(self) -> str | None:
        """The camera last picked or selected, also while a filter hides its row."""
        return self._selected_id

    def select_camera(self, camera_id: str, *, emit: bool = True) -> bool:
        if self.model.camera(camera_id) is None:
            return False
        index = self.model.index_of(camera_id)
        if not index.isValid():  # filtered out: clear the filter so the camera can be shown
            self.filter_edit.clear()
            index = self.model.index_of(camera_id)
        self.tree.scrollTo(index)
        if not emit:
            self._selected_id = camera_id
            self._set_current_quietly(index)
            return True
        self.tree.setCurrentIndex(index)
        return True

    def focus_filter(self) -> None:
        """Put the keyboard in the filter box, its text selected so typing replaces it."""
        self._filter_asked_for = True
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    def release_focus(self) -> None:
        """Hand the keyboard from the filter back to the content: `focus_released` (the window
        gives it to the player); if the filter still has it then (nobody took it), the tree."""
        self.focus_released.emit()
        if self.window().focusWidget() is self.filter_edit:
            self.tree.setFocus(Qt.FocusReason.OtherFocusReason)

    def open_first_match(self) -> bool:
        """Select (and so play) the topmost camera shown, and go to the list; False if none."""
        camera_id = self.model.first_camera_id()
        if camera_id is None:
            return False
        self.select_camera(camera_id)
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    # --- filter keys --------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.filter_edit:
            if isinstance(event, QKeyEvent) and self._handle_filter_key(event):
                return True
            if isinstance(event, QFocusEvent) and event.type() == QEvent.Type.FocusIn:
                self._on_filter_focus_in(event)
        elif watched is self.tree.viewport() and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._schedule_visible_check()
        return super().eventFilter(watched, event)

    def _on_filter_focus_in(self, event: QFocusEvent) -> None:
        if event.reason() != Qt.FocusReason.ActiveWindowFocusReason:
            self._filter_asked_for = True  # a click, Tab, Ctrl+F: the user's choice
        elif not self._filter_asked_for:
            # The window's first focus, given by Qt to the first field in the tab order: hand
            # it on once the focus change is complete (not from inside it).
            QTimer.singleShot(0, self, self._hand_back_unasked_focus)

    def _hand_back_unasked_focus(self) -> None:
        if not self._filter_asked_for and self.window().focusWidget() is self.filter_edit:
            self.release_focus()

    def _handle_filter_key(self, event: QKeyEvent) -> bool:
        """Down and Escape in the filter box; True when handled."""
        key = event.key()
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.KeypadModifier)
        escape = key == Qt.Key.Key_Escape and plain
        if event.type() == QEvent.Type.ShortcutOverride:
            if escape:  # the filter takes Escape before any window shortcut does
                event.accept()
            return escape
        if event.type() != QEvent.Type.KeyPress:
            return False
        if escape:
            self.filter_edit.clear()
            self.release_focus()
            return True
        if key == Qt.Key.Key_Down and plain:
            self.open_first_match()
            return True
        return False

    # --- unreviewed counts and the cameras in view ------------------------------------------

    def attach_unreviewed_counts(self, counts: UnreviewedCounts, *, debounce_ms: int = VISIBLE_DEBOUNCE_MS) -> None:
        """Show `counts` on the camera rows and keep telling it which cameras are in view."""
        self.detach_unreviewed_counts()
        self._counts = counts
        self.model.set_unreviewed_source(counts.count)
        counts.changed.connect(self.model.refresh_unreviewed)
        self.visible_cameras_changed.connect(counts.set_visible)
        self._visible_timer.setInterval(debounce_ms)
        self._tracking_visible = True
        self._visible_ids = []
        self._schedule_visible_check()
        self.tree.viewport().update()

    def detach_unreviewed_counts(self) -> None:
        """Stop showing counts (the session that made them ends)."""
        counts, self._counts = self._counts, None
        if counts is None:
            return
        counts.changed.disconnect(self.model.refresh_unreviewed)
        self.visible_cameras_changed.disconnect(counts.set_visible)
        self.model.set_unreviewed_source(None)
        self._tracking_visible = False
        self._visible_timer.stop()
        self.tree.viewport().update()

    def visible_camera_ids(self) -> list[str]:
        """The cameras whose rows are in view now (also partly), top to bottom."""
        tree = self.tree
        viewport = tree.viewport()
        if not tree.isVisible() or viewport.height() <= 0:
            return []
        bottom = viewport.height()
        index = tree.indexAt(QPoint(viewport.width() // 2, 0))
        ids: list[str] = []
        for _ in range(MAX_VISIBLE_ROWS):
            if not index.isValid() or tree.visualRect(index).top() >= bottom:
                break
            camera = self.model.camera_at(index)
            if camera is not None:
                ids.append(camera.id)
            index = tree.indexBelow(index)
        return ids

    def _schedule_visible_check(self, *_args) -> None:
        # Not restarted by each scroll step: a wheel that keeps turning would otherwise never let
        # it fire. One check at most every VISIBLE_DEBOUNCE_MS while the view moves, and one
        # that late after the last step (it looks at the view as it is then).
        if self._tracking_visible and not self._visible_timer.isActive():
            self._visible_timer.start()

    def _on_visible_timer_timeout(self) -> None:
        ids = self.visible_camera_ids()
        if ids != self._visible_ids:
            self._visible_ids = ids
            self.visible_cameras_changed.emit(ids)

    # --- slots ------------------------------------------------------------------------------

    def _on_filter_edit_text_changed(self, text: str) -> None:
        self.model.set_filter_text(text)
        self._restore_view()
        if not self.tree.currentIndex().isValid():  # nothing to keep in view: start at the top
            self.tree.scrollToTop()
        self._update_count()

    def _on_filter_edit_return_pressed(self) -> None:
        self.open_first_match()

    def _on_tree_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        camera = None if self._restoring else self.model.camera_at(current)
        if camera is not None:
            self._selected_id = camera.id
            self.camera_selected.emit(camera)

    def _on_tree_selection_changed(self, _selected, _deselected) -> None:
        self._keep_playing_camera_selected()

    def _on_tree_collapsed(self, index: QModelIndex) -> None:
        self._schedule_visible_check()
        group = None if self._restoring or self.model.filter_text() else self.model.group_at(index)
        if group is not None:
            self._collapsed.add(group.path)

    def _on_tree_expanded(self, index: QModelIndex) -> None:
        self._schedule_visible_check()
        group = None if self._restoring or self.model.filter_text() else self.model.group_at(index)
        if group is not None:
            self._collapsed.discard(group.path)

    # --- helpers ----------------------------------------------------------------------------

    def _restore_view(self) -> None:
        """After a model reset: expand the groups and select the selected camera again.

        Only group rows are expanded, one by one (a few hundred at 5,000 cameras): right after a
        reset the view only records them and lays the tree out once, later. expandAll() would
        also mark every camera row expanded, a persistent index each, on every keystroke."""
        filtering = bool(self.model.filter_text())
        self._restoring = True
        try:
            for path, index in self.model.group_indexes():
                if filtering or path not in self._collapsed:
                    self.tree.expand(index)
            if self._selected_id is not None:
                index = self.model.index_of(self._selected_id)
                if index.isValid():
                    self._set_current_quietly(index)
        finally:
            self._restoring = False

    def _keep_playing_camera_selected(self) -> None:
        """The keyboard (or a click) moved onto a group row, which cannot be selected: moving
        there cleared the selection (twice: QAbstractItemView selects on setCurrentIndex and
        again after it). The camera that plays stays highlighted."""
        selection = self.tree.selectionModel()
        if self._restoring or self._selected_id is None or selection.selectedIndexes():
            return
        if self.model.camera_at(self.tree.currentIndex()) is not None:
            return  # moving onto a camera: that one is being selected
        index = self.model.index_of(self._selected_id)
        if index.isValid():
            restoring, self._restoring = self._restoring, True
            try:
                selection.select(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            finally:
                self._restoring = restoring

    def _set_current_quietly(self, index: QModelIndex) -> None:
        restoring, self._restoring = self._restoring, True
        try:
            self.tree.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        finally:
            self._restoring = restoring

    def _update_count(self) -> None:
        total = len(self.model.cameras())
        if self.model.filter_text():
            self.count_label.setText(f"{self.model.visible_camera_count()} of {total} cameras")
        else:
            self.count_label.setText(f"{total} cameras")

    def collapsed_groups(self) -> set[tuple[str, ...]]:
        """The groups the user collapsed, as paths: (location,) or (location, room)."""
        return set(self._collapsed)

