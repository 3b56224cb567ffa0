"""F1 or ?: every keyboard shortcut, made from ui/actions.py COMMANDS (so it cannot go stale),
grouped by where the keys work, searchable; Escape closes it.

Each row: the keys (all of them: "+" and "=" both zoom in), what the command does, and another
way to do it (`also`: "double-click the video"). Typing in the search field keeps the rows whose
keys, text or description hold what was typed; a group with nothing left is hidden.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.ui.actions import COMMANDS, Command, Scope

# The groups, in the order a new user meets them, and what each means.
SCOPE_TITLES: dict[Scope, str] = {
    Scope.WINDOW: "Anywhere in the window (not while typing in a text field)",
    Scope.PLAYER: "Player (also in fullscreen)",
    Scope.FULLSCREEN: "Fullscreen video",
    Scope.TIMELINE: "Timeline (click it, or the video, first)",
    Scope.TILE: "Layout tiles (click a tile first)",
}
KEY_COLUMN, WHAT_COLUMN, ALSO_COLUMN = 0, 1, 2


def key_text(key: str) -> str:
    """One key as the platform writes it; a keypad key as "keypad +" (Qt writes "Num++")."""
    if key.startswith("Num+") and len(key) > len("Num+"):
        return "keypad " + QKeySequence(key[len("Num+") :]).toString(QKeySequence.SequenceFormat.NativeText)
    return QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)


def keys_text(command: Command) -> str:
    """Every key of a command: "F1 or ?", "+ or = or keypad +"."""
    return " or ".join(dict.fromkeys(key_text(key) for key in command.keys))  # no key twice


class ShortcutsSheet(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        self.setObjectName("shortcutsSheet")
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search: a key or what it does")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the shortcuts")
        self.search.textChanged.connect(self.filter)

        self.tree = QTreeWidget(self)
        self.tree.setObjectName("shortcutsTree")
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Keys", "What it does", "Also"])
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(12)
        self.tree.setItemsExpandable(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.groups: dict[Scope, QTreeWidgetItem] = {}
        self.rows: dict[str, QTreeWidgetItem] = {}  # command name -> its row
        self._fill()
        # Widths fitted to every row once: they do not jump as a search hides rows.
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(WHAT_COLUMN, QHeaderView.ResizeMode.Stretch)
        for column in (KEY_COLUMN, ALSO_COLUMN):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            self.tree.resizeColumnToContents(column)

        self.nothing = QLabel("No shortcut matches.", self)
        self.nothing.setObjectName("shortcutsNothing")
        self.nothing.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.nothing)
        layout.addWidget(buttons)
        self.resize(640, 640)
        self.search.setFocus()

    def _fill(self) -> None:
        bold = self.tree.font()
        bold.setBold(True)
        for scope, title in SCOPE_TITLES.items():
            group = QTreeWidgetItem(self.tree, [title])
            group.setFirstColumnSpanned(True)
            group.setFont(KEY_COLUMN, bold)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.groups[scope] = group
        for command in COMMANDS:
            row = QTreeWidgetItem(self.groups[command.scope], [keys_text(command), command.tip, command.also])
            row.setData(KEY_COLUMN, Qt.ItemDataRole.UserRole, command.name)
            row.setToolTip(WHAT_COLUMN, command.text.replace("&", ""))
            self.rows[command.name] = row
        self.tree.expandAll()

    def filter(self, text: str) -> None:
        """Show the rows whose keys, description or menu text hold `text` (any case)."""
        needle = text.strip().casefold()
        shown = 0
        for command in COMMANDS:
            row = self.rows[command.name]
            haystack = " ".join((row.text(KEY_COLUMN), command.tip, command.also, command.text.replace("&", "")))
            hidden = bool(needle) and needle not in haystack.casefold()
            row.setHidden(hidden)
            shown += not hidden
        for group in self.groups.values():
            group.setHidden(all(group.child(i).isHidden() for i in range(group.childCount())))
        self.nothing.setVisible(shown == 0)

    def visible_commands(self) -> list[str]:
        return [name for name, row in self.rows.items() if not row.isHidden() and not row.parent().isHidden()]


def show_shortcuts_sheet(window: QWidget) -> ShortcutsSheet:
    """The window's one sheet, shown and raised (made on first use). Modeless: it may stay open
    beside the window while the user goes back to work."""
    sheet = window.findChild(ShortcutsSheet, "shortcutsSheet")
    if sheet is None:
        sheet = ShortcutsSheet(window)
    sheet.search.clear()
    if sheet.isVisible():
        sheet.raise_()  # open behind the window: bring it forward (a hidden one shows on top)
    sheet.show()
    sheet.activateWindow()
    sheet.search.setFocus()
    return sheet
