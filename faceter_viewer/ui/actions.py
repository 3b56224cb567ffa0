"""Every command that has a keyboard shortcut, in one table, and the QActions made from it.

One place says which key does what, where it works and what the tooltip says, so a shortcut is
bound once (two bindings of one key make Qt refuse both: "Ambiguous shortcut overload") and a
button shows the same key its command answers to. Widgets never set shortcuts of their own: a
QAbstractButton's `setText` silently replaces its shortcut with the text's mnemonic, which is how
Space once stopped working after the play button's text changed to "Play".

Where a key works (`Scope`):
- WINDOW: anywhere in the main window. Text fields keep the keys they type: QLineEdit accepts the
  ShortcutOverride of printable keys, so Space, L, M and "." typed into the camera filter are
  text, not commands. Dialogs are windows of their own and keep all their keys.
- PLAYER: as WINDOW, and also in the video while it is fullscreen (a window of its own).
- FULLSCREEN: only in the fullscreen video (Escape leaves it; elsewhere Escape is left alone).
- TIMELINE: only while the timeline has keyboard focus (arrows, +/-, [ ] have other meanings
  in the camera tree and in text fields).
- TILE: only while a tile of the layout grid has keyboard focus (Enter means "play the first
  match" in the camera filter; Escape clears the timeline's selection there).

`ActionSet(owner, scopes)` makes the QActions of those scopes on `owner`; `bind(name, target)`
says what each does (unbound commands are disabled), `set_enabled` switches one off and on.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


class Scope(enum.Enum):
    WINDOW = "window"
    PLAYER = "player"
    FULLSCREEN = "fullscreen"
    TIMELINE = "timeline"
    TILE = "tile"


_CONTEXT = {
    Scope.WINDOW: Qt.ShortcutContext.WindowShortcut,
    Scope.PLAYER: Qt.ShortcutContext.WindowShortcut,
    Scope.FULLSCREEN: Qt.ShortcutContext.WindowShortcut,
    Scope.TIMELINE: Qt.ShortcutContext.WidgetShortcut,
    Scope.TILE: Qt.ShortcutContext.WidgetWithChildrenShortcut,  # the grid: any tile in it
}


@dataclass(frozen=True)
class Command:
    name: str
    text: str  # the menu text, with its & mnemonic
    keys: tuple[str, ...]  # portable QKeySequence text; the first one is shown
    tip: str  # what it does, without the key (the tooltip adds it)
    scope: Scope
    also: str = ""  # another way to do it, shown after the key: "double-click the video"

    def key_sequences(self) -> list[QKeySequence]:
        return [QKeySequence(key) for key in self.keys]

    def key_text(self) -> str:
        return QKeySequence(self.keys[0]).toString(QKeySequence.SequenceFormat.NativeText)

    def tooltip(self) -> str:
        return f"{self.tip} ({self.key_text()}{', ' + self.also if self.also else ''})"


_W, _P, _F, _T, _G = Scope.WINDOW, Scope.PLAYER, Scope.FULLSCREEN, Scope.TIMELINE, Scope.TILE

COMMANDS: tuple[Command, ...] = (
    # the window
    Command("find_camera", "&Find camera", ("Ctrl+F",), "Filter the cameras by title, location, room or serial", _W),
    Command("jump_to_time", "&Jump to date and time…", ("Ctrl+G",), "Jump to a date and time in the archive", _W),
    Command("refresh", "&Refresh cameras", ("F5",), "Load the camera list again", _W),
    Command("quit", "&Quit", ("Ctrl+Q",), "Quit Faceter Viewer", _W),
    Command("shortcuts", "&Keyboard shortcuts", ("F1", "?"), "Show every keyboard shortcut", _W),
    # event review (issue 10): anywhere but in a text field
    Command("events_panel", "&Events panel", ("Ctrl+E",), "Show or hide the events of this camera", _W),
    Command("next_event", "&Next event", ("J",), "Select and play the next event", _W),
    Command("previous_event", "&Previous event", ("K",), "Select and play the previous event", _W),
    Command("mark_reviewed", "Mark &reviewed", ("R",), "Mark the selected events reviewed (and move on)", _W),
    Command("unmark_reviewed", "Mark &unreviewed", ("Shift+R",), "Mark the selected events not reviewed", _W),
    Command("select_all_events", "Select &all events", ("Ctrl+A",), "Select every event in the list", _W),
    Command("unreviewed_only", "&Unreviewed only", ("U",), "Show only the events not reviewed yet", _W),
    Command("bookmark", "&Bookmark…", ("B",), "Create an event at the playhead or the selection", _W),
    # exports (issue 11)
    Command("export", "&Export…", ("E",), "Export the selection, the selected event or the minute at the playhead", _W),
    Command("jobs_panel", "Export &jobs", ("Ctrl+J",), "Show or hide the export jobs", _W),
    # layouts (issue 12)
    Command("layout_1", "&Single camera", ("Alt+1",), "Show one camera", _W),
    Command("layout_2x2", "&2×2 layout", ("Alt+2",), "Show four cameras in a 2×2 grid", _W),
    Command("layout_3x3", "&3×3 layout", ("Alt+3",), "Show nine cameras in a 3×3 grid", _W),
    Command("layout_4x4", "&4×4 layout", ("Alt+4",), "Show sixteen cameras in a 4×4 grid", _W),
    Command("layout_1_5", "1+&5 layout", ("Alt+5",), "Show one large and five small cameras", _W),
    Command("sync_toggle", "&Sync tiles", ("S",), "Play the layout's cameras in step, or each on its own", _W),
    # the player, also in fullscreen
    Command("play_pause", "&Play / pause", ("Space",), "Play or pause", _P),
    Command("frame_step", "Next &frame", (".",), "Next frame (archive)", _P),
    Command("live", "Back to &live", ("L",), "Back to live", _P),
    Command("mute", "&Mute", ("M",), "Mute", _P),
    Command("snapshot", "Save &snapshot", ("Ctrl+S",), "Save the picture as PNG", _P),
    Command("fullscreen", "F&ullscreen", ("F11",), "Fullscreen", _P, "double-click the video"),
    Command("leave_fullscreen", "Leave fullscreen", ("Esc",), "Leave fullscreen", _F),
    # the timeline, while it has focus
    Command("zoom_in", "Zoom in", ("+", "=", "Num++"), "Zoom the timeline in", _T),
    Command("zoom_out", "Zoom out", ("-", "_", "Num+-"), "Zoom the timeline out", _T),
    Command("pan_left", "Earlier", ("Left",), "Show earlier time", _T),
    Command("pan_right", "Later", ("Right",), "Show later time", _T),
    Command("page_left", "Page earlier", ("PgUp",), "Show the previous span", _T),
    Command("page_right", "Page later", ("PgDown",), "Show the next span", _T),
    Command("mark_start", "Selection start", ("[",), "Start the selection at the cursor", _T),
    Command("mark_end", "Selection end", ("]",), "End the selection at the cursor", _T),
    Command("clear_selection", "Clear selection", ("Esc",), "Clear the selection", _T),
    # the layout grid, while a tile has focus
    Command("maximize_tile", "&Maximize tile", ("Return", "Enter"), "Maximize the selected tile, or back to the grid", _G,
            "double-click the tile"),  # fmt: skip
    Command("restore_tile", "Back to the grid", ("Esc",), "Back to the grid from a maximized tile", _G),
)

_BY_NAME = {command.name: command for command in COMMANDS}


def command(name: str) -> Command:
    return _BY_NAME[name]


def tooltip(name: str) -> str:
    """The tooltip of a command's button: what it does and its key, e.g. "Play or pause (Space)"."""
    return _BY_NAME[name].tooltip()


class ActionSet(QObject):
    """The QActions of some scopes, made on `owner` (which must stay alive as long as they do),
    by command name: `actions["play_pause"]`."""

    def __init__(self, owner: QWidget, scopes: Collection[Scope]) -> None:
        super().__init__(owner)
        self._actions: dict[str, QAction] = {}
        self._targets: dict[str, Callable[[], object]] = {}
        self._wanted: dict[str, bool] = {}
        self._follow: dict[str, QWidget] = {}
        self._fullscreen_view: QWidget | None = None
        for cmd in COMMANDS:
            if cmd.scope not in scopes:
                continue
            action = QAction(cmd.text, owner)
            action.setObjectName(cmd.name)
            action.setShortcuts(cmd.key_sequences())
            action.setShortcutContext(_CONTEXT[cmd.scope])
            action.setToolTip(cmd.tooltip())
            action.setStatusTip(cmd.tip)
            action.triggered.connect(partial(self._on_action_triggered, cmd.name))
            if cmd.scope is not Scope.FULLSCREEN:  # those live on the fullscreen view only
                owner.addAction(action)
            self._actions[cmd.name] = action
            self._wanted[cmd.name] = True
            self._refresh(cmd.name)

    def __getitem__(self, name: str) -> QAction:
        return self._actions[name]

    def __contains__(self, name: object) -> bool:
        return name in self._actions

    def __iter__(self) -> Iterator[str]:
        return iter(self._actions)

    def bind(self, name: str, target: Callable[[], object], *, follow: QWidget | None = None) -> None:
        """What the command does (replacing what it did, and the widget it followed). With
        `follow`, the command is enabled only while that widget is (the button it stands for:
        "Live" is off while live)."""
        self._targets[name] = target
        self._follow.pop(name, None)
        if follow is not None:
            self._follow[name] = follow
            follow.installEventFilter(self)
        self._refresh(name)

    def set_enabled(self, name: str, enabled: bool) -> None:
        self._wanted[name] = enabled
        self._refresh(name)

    def is_enabled(self, name: str) -> bool:
        return self._actions[name].isEnabled()

    def attach_fullscreen_view(self, view: QWidget) -> None:
        """Let PLAYER commands work in `view` while it is a window of its own (fullscreen), and
        FULLSCREEN ones only then."""
        self._fullscreen_view = view
        view.installEventFilter(self)
        for name, action in self._actions.items():
            if command(name).scope in (Scope.PLAYER, Scope.FULLSCREEN):
                view.addAction(action)
        self._refresh_all()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.EnabledChange, QEvent.Type.ParentChange):
            self._refresh_all()
        return False

    def _refresh_all(self) -> None:
        for name in self._actions:
            self._refresh(name)

    def _refresh(self, name: str) -> None:
        follow = self._follow.get(name)
        enabled = name in self._targets and self._wanted[name] and (follow is None or follow.isEnabled())
        if command(name).scope is Scope.FULLSCREEN:
            view = self._fullscreen_view
            enabled = enabled and view is not None and view.isWindow()
        self._actions[name].setEnabled(enabled)

    def _on_action_triggered(self, name: str, _checked: bool = False) -> None:
        target = self._targets.get(name)
        if target is not None:
            target()
