"""The layout toolbar: the kinds (1, 2×2, 3×3, 4×4, 1+5: the window's commands, Alt+1..Alt+5)
and the named layouts (a combo to restore one, "Save as…", "Delete").

It shows and announces; the window's layouts (ui/grid/window_layouts.py) decide. "Save as…"
asks for the name in a dialog that does not block (`open()`), prefilled with the layout last
restored or saved.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QInputDialog, QLineEdit, QToolBar, QToolButton, QWidget

from faceter_viewer.core.layouts import LayoutKind
from faceter_viewer.ui.actions import ActionSet

KIND_COMMANDS: dict[LayoutKind, str] = {
    LayoutKind.SINGLE: "layout_1",
    LayoutKind.GRID_2X2: "layout_2x2",
    LayoutKind.GRID_3X3: "layout_3x3",
    LayoutKind.GRID_4X4: "layout_4x4",
    LayoutKind.ONE_PLUS_FIVE: "layout_1_5",
}
PLACEHOLDER = "Saved layouts…"


class LayoutToolbar(QToolBar):
    named_chosen = Signal(str)
    save_requested = Signal(str)  # the name typed
    delete_requested = Signal(str)

    def __init__(self, commands: ActionSet, parent: QWidget | None = None) -> None:
        super().__init__("Layout", parent)
        self.setObjectName("layoutToolbar")
        self.setMovable(False)
        self.kind_actions: dict[LayoutKind, QAction] = {}
        group = QActionGroup(self)
        group.setExclusive(True)
        for kind, name in KIND_COMMANDS.items():
            action = commands[name]
            action.setCheckable(True)
            action.setIconText(kind.label)
            group.addAction(action)
            self.addAction(action)
            self.kind_actions[kind] = action
        self.kind_actions[LayoutKind.SINGLE].setChecked(True)
        self.addSeparator()

        self.named_combo = QComboBox(self)
        self.named_combo.setObjectName("namedLayouts")
        self.named_combo.setMinimumContentsLength(14)
        self.named_combo.setToolTip("Restore a saved layout")
        self.named_combo.activated.connect(self._on_named_combo_activated)
        self.addWidget(self.named_combo)
        self.save_button = self._button("Save as…", "Save the layout on screen under a name")
        self.save_button.clicked.connect(self.ask_name)
        self.delete_button = self._button("Delete", "Delete the saved layout chosen here")
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.name_dialog: QInputDialog | None = None
        self._current = ""
        self.set_named([], "")

    def _button(self, text: str, tip: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        self.addWidget(button)
        return button

    def set_kind(self, kind: LayoutKind) -> None:
        self.kind_actions[LayoutKind(kind)].setChecked(True)

    def set_named(self, names: Sequence[str], current: str = "") -> None:
        """The saved layouts' names, and the one last restored or saved ("" none)."""
        self._current = current if current in names else ""
        combo = self.named_combo
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(PLACEHOLDER if names else "No saved layouts", "")
        for name in names:
            combo.addItem(name, name)
        combo.setCurrentIndex(max(0, combo.findData(self._current)) if self._current else 0)
        combo.blockSignals(False)
        combo.setEnabled(bool(names))
        self.delete_button.setEnabled(bool(self._current))

    def current_name(self) -> str:
        return self._current

    def ask_name(self) -> None:
        """"Save as…": the name dialog (window-modal, not blocking)."""
        dialog = QInputDialog(self)
        dialog.setObjectName("layoutNameDialog")
        dialog.setWindowTitle("Save layout")
        dialog.setLabelText("Name of the layout:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Normal)
        dialog.setTextValue(self._current)
        dialog.textValueSelected.connect(self._on_name_chosen)
        dialog.finished.connect(dialog.deleteLater)
        self.name_dialog = dialog
        dialog.open()

    def _on_name_chosen(self, name: str) -> None:
        if name.strip():
            self.save_requested.emit(name)

    def _on_named_combo_activated(self, index: int) -> None:
        name = self.named_combo.itemData(index)
        if name:
            self._current = name
            self.delete_button.setEnabled(True)
            self.named_chosen.emit(name)

    def _on_delete_clicked(self) -> None:
        if self._current:
            self.delete_requested.emit(self._current)
