"""The keyboard commands (ui/actions.py), pressed as a user presses them: real key events sent to
the focused widget of a shown, active main window (QTest goes through Qt's shortcut map, as a
real key does), each command's target replaced by a recorder."""

from __future__ import annotations

from collections import Counter

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from faceter_viewer.ui.actions import COMMANDS, ActionSet, Scope, command, tooltip
from faceter_viewer.ui.jump_dialog import JumpDialog
from faceter_viewer.ui.main_window import MainWindow
from faceter_viewer.ui.timeline_widget import TimelineWidget
from faceter_viewer.ui.transport_bar import TransportBar
from tests.helpers.cameras import make_camera

WINDOW_SCOPES = (Scope.WINDOW, Scope.PLAYER)


def press(sequence: QKeySequence | str) -> None:
    """Press a key (with its modifiers) on whatever has the keyboard focus, like a user."""
    combo = QKeySequence(sequence)[0]
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClick(target, combo.key(), combo.keyboardModifiers())


def activate(qtbot, widget: QWidget) -> None:
    widget.show()
    qtbot.waitExposed(widget)
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget.window(), timeout=3000)


def focus(qtbot, widget: QWidget) -> None:
    widget.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(widget.hasFocus, timeout=3000)


class Recorder(Counter):
    def bind_all(self, actions: ActionSet) -> None:
        for name in actions:
            actions.bind(name, lambda name=name: self.update([name]))


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings, base_url="http://127.0.0.1:1/test")
    qtbot.addWidget(window)
    window.browser.set_cameras(
        [
            make_camera("a", "Entrance"),
            make_camera("b", "Corridor", location={"id": "l2", "title": "Warehouse", "room": {"id": "r", "title": "Dock"}}),
            make_camera("c", "Corridor 2", location={"id": "l2", "title": "Warehouse", "room": {"id": "r", "title": "Dock"}}),
        ]
    )
    activate(qtbot, window)
    return window


@pytest.fixture
def timeline(qtbot):
    widget = TimelineWidget(now=1_776_000_000.0)
    qtbot.addWidget(widget)
    widget.resize(600, 104)
    activate(qtbot, widget)
    focus(qtbot, widget)
    return widget


# --- the table --------------------------------------------------------------------------------


def test_every_key_is_declared_once_per_place_it_works():
    seen: dict[tuple[str, str], str] = {}
    for cmd in COMMANDS:
        assert cmd.keys and cmd.tip, cmd.name
        for sequence in cmd.key_sequences():
            assert not sequence.isEmpty(), (cmd.name, sequence)
            # FULLSCREEN keys live in another window than WINDOW and TIMELINE ones
            place = {Scope.FULLSCREEN: "fullscreen", Scope.TIMELINE: "timeline", Scope.TILE: "tile"}.get(cmd.scope, "window")
            clash = seen.setdefault((place, sequence.toString()), cmd.name)
            assert clash == cmd.name, f"{sequence.toString()} is bound to {clash} and {cmd.name}"
    # PLAYER keys also work in the fullscreen video: none may clash with a FULLSCREEN one there
    player = {s.toString() for c in COMMANDS if c.scope is Scope.PLAYER for s in c.key_sequences()}
    fullscreen = {s.toString() for c in COMMANDS if c.scope is Scope.FULLSCREEN for s in c.key_sequences()}
    assert not player & fullscreen


def test_tooltips_name_the_key(qtbot):
    assert tooltip("play_pause") == "Play or pause (Space)"
    assert tooltip("fullscreen") == "Fullscreen (F11, double-click the video)"
    bar = TransportBar()
    qtbot.addWidget(bar)
    assert bar.play_button.toolTip() == tooltip("play_pause")
    assert bar.snapshot_button.toolTip() == "Save the picture as PNG (Ctrl+S)"
    # the buttons have no shortcuts of their own: the window's commands are the only binding
    assert all(button.shortcut().isEmpty() for button in (bar.play_button, bar.step_button, bar.live_button, bar.mute_button))


def test_unbound_commands_are_disabled_and_set_enabled_switches(window):
    commands = window.commands
    assert not commands.is_enabled("play_pause")  # no player yet
    assert commands.is_enabled("find_camera")
    commands.set_enabled("find_camera", False)
    assert not commands["find_camera"].isEnabled()
    commands.set_enabled("find_camera", True)
    assert commands["find_camera"].isEnabled()


def test_a_command_follows_the_button_it_stands_for(window):
    bar = TransportBar(parent=window)
    window.commands.bind("live", lambda: None, follow=bar.live_button)
    bar.set_archive_mode(False)  # live: "Back to live" is off
    assert not window.commands.is_enabled("live")
    bar.set_archive_mode(True)
    assert window.commands.is_enabled("live")


# --- every registered shortcut, by its real key ---------------------------------------------------


def test_every_window_key_runs_its_command_once(qtbot, window):
    recorder = Recorder()
    recorder.bind_all(window.commands)
    focus(qtbot, window.browser.tree)  # not a text field: every window key is a command here
    expected = Counter()
    for cmd in COMMANDS:
        if cmd.scope not in WINDOW_SCOPES:
            continue
        for sequence in cmd.key_sequences():
            press(sequence)
            expected[cmd.name] += 1
            assert recorder == expected, f"{sequence.toString()} should run {cmd.name} once"
            focus(qtbot, window.browser.tree)


def test_fullscreen_keys_work_in_the_fullscreen_view_only(qtbot, window):
    recorder = Recorder()
    recorder.bind_all(window.commands)
    video = QWidget(window.centralWidget())
    window.commands.attach_fullscreen_view(video)
    assert not window.commands.is_enabled("leave_fullscreen")  # embedded: Escape is left alone
    video.setParent(None)  # what PlayerPanel.toggle_fullscreen does
    qtbot.addWidget(video)
    video.resize(320, 180)
    activate(qtbot, video)
    assert window.commands.is_enabled("leave_fullscreen")
    focus_target = video  # a fullscreen video may have no focus widget: keys go to the window
    for cmd in COMMANDS:
        if cmd.scope in (Scope.PLAYER, Scope.FULLSCREEN):
            for sequence in cmd.key_sequences():
                combo = sequence[0]
                QTest.keyClick(focus_target, combo.key(), combo.keyboardModifiers())
                assert recorder[cmd.name] >= 1, f"{sequence.toString()} in fullscreen should run {cmd.name}"
    assert recorder["find_camera"] == 0  # a window command, not the fullscreen video's
    video.setParent(window.centralWidget())
    assert not window.commands.is_enabled("leave_fullscreen")


def test_every_timeline_key_runs_its_command_once(qtbot, timeline):
    recorder = Recorder()
    recorder.bind_all(timeline.commands)
    expected = Counter()
    for cmd in COMMANDS:
        if cmd.scope is not Scope.TIMELINE:
            continue
        for sequence in cmd.key_sequences():
            press(sequence)
            expected[cmd.name] += 1
            assert recorder == expected, f"{sequence.toString()} should run {cmd.name} once"


@pytest.fixture
def grid_with_tile(qtbot, window):
    """A stand-in for the layout grid (ui/grid/layout_grid.py): its TILE commands on the grid,
    a focusable tile inside it, in the main window beside the tree."""
    grid = QWidget(window.centralWidget())
    window.centralWidget().layout().addWidget(grid)
    tile = QWidget(grid)
    tile.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    tile.resize(80, 45)
    commands = ActionSet(grid, (Scope.TILE,))
    qtbot.waitExposed(grid)
    return commands, tile


def test_every_tile_key_runs_its_command_once(qtbot, grid_with_tile):
    commands, tile = grid_with_tile
    recorder = Recorder()
    recorder.bind_all(commands)
    focus(qtbot, tile)
    expected = Counter()
    for cmd in COMMANDS:
        if cmd.scope is not Scope.TILE:
            continue
        for sequence in cmd.key_sequences():
            combo = sequence[0]
            modifiers = combo.keyboardModifiers()
            if combo.key() == Qt.Key.Key_Enter:
                modifiers |= Qt.KeyboardModifier.KeypadModifier  # Enter is the keypad's
            QTest.keyClick(QApplication.focusWidget(), combo.key(), modifiers)
            expected[cmd.name] += 1
            assert recorder == expected, f"{sequence.toString()} should run {cmd.name} once"


def test_tile_keys_act_only_while_a_tile_has_focus(qtbot, window, grid_with_tile):
    commands, tile = grid_with_tile
    recorder = Recorder()
    recorder.bind_all(commands)
    window_recorder = Recorder()
    window_recorder.bind_all(window.commands)
    focus(qtbot, window.browser.tree)
    press("Return")
    press("Esc")
    assert recorder == {}  # Enter in the tree is the tree's
    focus(qtbot, window.browser.filter_edit)
    QTest.keyClicks(window.browser.filter_edit, "corr")
    press("Return")  # the filter's Enter: the first match, not a tile
    assert recorder == {}
    focus(qtbot, tile)
    press("Return")
    press("S")  # a window key works from a tile too
    assert recorder == {"maximize_tile": 1} and window_recorder["sync_toggle"] == 1


def test_timeline_keys_act_only_while_the_timeline_has_focus(qtbot, window):
    timeline = TimelineWidget(parent=window.centralWidget())
    window.centralWidget().layout().addWidget(timeline)
    qtbot.waitExposed(timeline)
    recorder = Recorder()
    recorder.bind_all(timeline.commands)
    focus(qtbot, window.browser.tree)
    press("Left")
    press("+")
    assert recorder == {}  # the tree's own keys stay the tree's
    focus(qtbot, timeline)
    press("Left")
    press("+")
    assert recorder == {"pan_left": 1, "zoom_in": 1}


# --- the cases of the issue --------------------------------------------------------------------


def test_space_toggles_every_time_even_as_the_button_text_changes(qtbot, window):
    """The bug: the play button's own Space shortcut was wiped by setText("Play")."""
    bar = TransportBar(parent=window.centralWidget())
    window.centralWidget().layout().addWidget(bar)
    playing = [True]

    def toggle() -> None:
        playing[0] = not playing[0]
        bar.set_playing(playing[0])

    window.commands.bind("play_pause", toggle)
    bar.play_pause_clicked.connect(toggle)
    focus(qtbot, window.browser.tree)
    states = []
    for _ in range(4):
        press("Space")
        states.append(playing[0])
    assert states == [False, True, False, True]
    bar.play_button.click()  # pause with the mouse, then the keyboard again
    assert not playing[0]
    press("Space")
    assert playing[0]


def test_ctrl_f_works_every_time_and_selects_the_filter_text(qtbot, window):
    browser = window.browser
    for text in ("corr", "dock"):
        focus(qtbot, browser.tree)
        browser.filter_edit.setText(text)
        press("Ctrl+F")
        assert browser.filter_edit.hasFocus()
        assert browser.filter_edit.selectedText() == text  # typing replaces it


def test_printable_window_keys_typed_in_the_filter_are_text(qtbot, window):
    recorder = Recorder()
    recorder.bind_all(window.commands)
    window.commands.bind("find_camera", window.browser.focus_filter)
    press("Ctrl+F")
    for key in ("L", "M", ".", "Space"):
        press(key)
    assert recorder == {}
    assert window.browser.filter_edit.text() == "lm. "
    press("Ctrl+S")  # a key with Ctrl is still the window's
    assert recorder == {"snapshot": 1}


def test_ctrl_g_opens_the_jump_dialog_with_focus_in_the_camera_tree(qtbot, window):
    timeline = TimelineWidget(parent=window.centralWidget())
    window.centralWidget().layout().addWidget(timeline)
    window.commands.bind("jump_to_time", timeline.open_jump_dialog)
    recorder = Recorder()
    window.commands.bind("play_pause", lambda: recorder.update(["play_pause"]))
    focus(qtbot, window.browser.tree)
    press("Ctrl+G")
    dialog = timeline._jump_dialog
    assert isinstance(dialog, JumpDialog) and dialog.isVisible()
    assert window.browser.filter_edit.text() == ""  # nothing typed into the filter
    # The dialog is a window of its own: the main window's Space is not a command in it.
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=3000)
    QTest.keyClick(dialog.edit, Qt.Key.Key_Space)
    assert recorder == {}
    dialog.reject()


# --- the camera filter ---------------------------------------------------------------------------


def test_enter_in_the_filter_plays_the_first_match(qtbot, window):
    browser = window.browser
    assert browser.select_camera("a")
    press("Ctrl+F")
    QTest.keyClicks(browser.filter_edit, "Corridor")
    with qtbot.waitSignal(browser.camera_selected, timeout=1000) as blocker:
        press("Return")
    assert blocker.args[0].id == "b"  # the first match, not the old camera
    assert browser.selected_camera_id() == "b"
    assert browser.tree.hasFocus()  # Space and the arrows act on what now plays


def test_enter_without_a_match_keeps_the_camera(qtbot, window):
    browser = window.browser
    assert browser.select_camera("a")
    press("Ctrl+F")
    QTest.keyClicks(browser.filter_edit, "nothing like it")
    with qtbot.assertNotEmitted(browser.camera_selected):
        press("Return")
    assert browser.selected_camera_id() == "a" and browser.filter_edit.hasFocus()


def test_down_in_the_filter_goes_into_the_results(qtbot, window):
    browser = window.browser
    press("Ctrl+F")
    QTest.keyClicks(browser.filter_edit, "dock")
    with qtbot.waitSignal(browser.camera_selected, timeout=1000) as blocker:
        press("Down")
    assert blocker.args[0].id == "b"
    assert browser.tree.hasFocus()
    press("Down")  # and on through the list
    assert browser.selected_camera_id() == "c"


def test_escape_in_the_filter_clears_it(qtbot, window):
    browser = window.browser
    press("Ctrl+F")
    QTest.keyClicks(browser.filter_edit, "dock")
    assert browser.count_label.text() == "2 of 3 cameras"
    press("Esc")
    assert browser.filter_edit.text() == "" and browser.count_label.text() == "3 cameras"


def test_arrowing_onto_a_group_keeps_the_playing_camera_highlighted(qtbot, window):
    browser = window.browser
    with qtbot.waitSignal(browser.camera_selected):
        assert browser.select_camera("b")
    focus(qtbot, browser.tree)
    playing = browser.model.index_of("b")
    with qtbot.assertNotEmitted(browser.camera_selected):
        press("Up")  # onto the "Dock" room
    assert browser.model.group_at(browser.tree.currentIndex()) is not None
    assert browser.tree.selectionModel().isSelected(playing)
    assert browser.selected_camera_id() == "b"
    with qtbot.waitSignal(browser.camera_selected) as blocker:
        press("Down")
    assert blocker.args[0].id == "b"


def test_the_filter_placeholder_names_the_key(window):
    assert command("find_camera").key_text() in window.browser.filter_edit.placeholderText()
