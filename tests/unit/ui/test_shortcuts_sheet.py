"""The shortcuts sheet (ui/shortcuts_sheet.py) is made from COMMANDS: every command with its
keys, under the place it works; searchable; Escape closes it. F1 in the real window:
tests/integration/test_window_dialogs.py."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest

from faceter_viewer.ui.actions import COMMANDS, command
from faceter_viewer.ui.shortcuts_sheet import ALSO_COLUMN, KEY_COLUMN, SCOPE_TITLES, WHAT_COLUMN, ShortcutsSheet


def make_sheet(qtbot) -> ShortcutsSheet:
    sheet = ShortcutsSheet()
    qtbot.addWidget(sheet)
    sheet.show()
    qtbot.waitExposed(sheet)
    sheet.activateWindow()
    qtbot.waitUntil(sheet.isActiveWindow, timeout=3000)
    return sheet


def test_every_command_is_listed_with_its_keys_under_its_scope(qtbot):
    sheet = make_sheet(qtbot)
    assert set(sheet.rows) == {cmd.name for cmd in COMMANDS}
    for cmd in COMMANDS:
        row = sheet.rows[cmd.name]
        assert row.parent() is sheet.groups[cmd.scope]
        assert row.parent().text(0) == SCOPE_TITLES[cmd.scope]
        for key in cmd.keys:
            native = QKeySequence(key).toString(QKeySequence.SequenceFormat.NativeText)
            if key.startswith("Num+"):  # Qt writes "Num++": the sheet says "keypad +"
                native = "keypad " + key[len("Num+") :]
            assert native in row.text(KEY_COLUMN).split(" or "), (cmd.name, native, row.text(KEY_COLUMN))
        assert row.text(KEY_COLUMN).startswith(cmd.key_text())
        assert row.text(WHAT_COLUMN) == cmd.tip
        assert row.text(ALSO_COLUMN) == cmd.also
    assert sheet.rows["shortcuts"].text(KEY_COLUMN) == "F1 or ?"
    assert sheet.rows["zoom_in"].text(KEY_COLUMN) == "+ or = or keypad +"
    assert sheet.rows["fullscreen"].text(ALSO_COLUMN) == "double-click the video"
    assert sheet.visible_commands() == [cmd.name for cmd in COMMANDS]


def test_typing_in_the_search_keeps_the_matching_rows(qtbot):
    sheet = make_sheet(qtbot)
    qtbot.waitUntil(sheet.search.hasFocus, timeout=3000)  # typing searches at once
    QTest.keyClicks(sheet.search, "selection")
    assert set(sheet.visible_commands()) == {"bookmark", "export", "mark_start", "mark_end", "clear_selection"}
    assert sheet.groups[command("play_pause").scope].isHidden()  # nothing left in the player group
    sheet.search.clear()
    QTest.keyClicks(sheet.search, "F11")  # a key works as well as a word
    assert sheet.visible_commands() == ["fullscreen"]
    sheet.search.clear()
    QTest.keyClicks(sheet.search, "no such thing")
    assert sheet.visible_commands() == [] and sheet.nothing.isVisible()
    sheet.search.clear()
    assert len(sheet.visible_commands()) == len(COMMANDS) and sheet.nothing.isHidden()


def test_escape_closes_it_even_from_the_search_field(qtbot):
    sheet = make_sheet(qtbot)
    QTest.keyClicks(sheet.search, "zoom")
    QTest.keyClick(sheet.search, Qt.Key.Key_Escape)
    assert not sheet.isVisible()
