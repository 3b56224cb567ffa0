"""The app as wired by AppController on the demo service: the window shows before the session,
cameras load, the last camera comes back, geometry is kept, sign-out forgets the key; and the keys
work as a new user tries them (real key events on the focused widget, real libvlc)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from faceter_viewer.app import AppController
from faceter_viewer.player.backend import PlayerState
from faceter_viewer.ui.jump_dialog import JumpDialog
from faceter_viewer.player.vlc_runtime import wait_for_releases
from tests.helpers.memory_keyring import MemoryKeyring, keyring_backend

pytestmark = pytest.mark.slow


@pytest.fixture
def settings_dir(tmp_path) -> Iterator[None]:
    QCoreApplication.setOrganizationName("FaceterTests")
    QCoreApplication.setApplicationName("faceter-viewer-tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    yield
    QSettings.setDefaultFormat(QSettings.Format.NativeFormat)


@pytest.fixture
def controller(qtbot, settings_dir) -> Iterator[AppController]:
    made: list[AppController] = []

    def make() -> AppController:
        app = AppController()
        made.append(app)
        return app

    yield make
    for app in made:
        app.close_session()
        app.runner.shutdown()
    assert wait_for_releases(10.0)


def open_window(qtbot, controller, demo_service):
    app = controller()
    app.open_session(demo_service.base_url, demo_service.integration_key)
    assert app.window is not None and app.window.isVisible()  # shown before the session exists
    qtbot.waitUntil(lambda: app.session is not None and app.window.player_panel is not None, timeout=10000)
    qtbot.waitUntil(lambda: bool(app.window.browser.model.cameras()), timeout=10000)
    return app


def test_first_start_plays_an_online_camera(qtbot, controller, demo_service):
    app = open_window(qtbot, controller, demo_service)
    selected = app.window.browser.selected_camera_id()
    camera = app.session.camera(selected)
    assert camera is not None and camera.is_online
    panel = app.window.player_panel
    qtbot.waitUntil(lambda: panel.video.painted_frames >= 10, timeout=20000)
    assert app.window.details.title_label.text() == camera.title


def test_last_camera_and_geometry_come_back(qtbot, controller, demo_service):
    first = open_window(qtbot, controller, demo_service)
    target = next(c for c in demo_service.cameras if c.is_online and c.id != first.window.browser.selected_camera_id())
    assert first.window.browser.select_camera(target.id)
    first.window.resize(761, 523)  # inside the offscreen screen (800x800)
    first.close_session()  # closing saves the state

    second = open_window(qtbot, controller, demo_service)
    qtbot.waitUntil(lambda: second.window.browser.selected_camera_id() == target.id, timeout=10000)
    assert (second.window.width(), second.window.height()) == (761, 523)


def test_refresh_keeps_the_selection(qtbot, controller, demo_service):
    app = open_window(qtbot, controller, demo_service)
    selected = app.window.browser.selected_camera_id()
    with qtbot.waitSignal(app.session.cameras_loaded, timeout=10000):
        app.window.refresh()
    assert app.window.browser.selected_camera_id() == selected


def test_sign_out_forgets_the_key_and_asks_again(qtbot, controller, demo_service):
    with keyring_backend(MemoryKeyring()) as backend:
        app = open_window(qtbot, controller, demo_service)
        app.key_store.save(demo_service.base_url, demo_service.integration_key)
        assert backend.passwords
        QApplication.instance().setQuitOnLastWindowClosed(False)
        app.window.sign_out_action.trigger()
        qtbot.waitUntil(lambda: app.sign_in is not None and app.sign_in.isVisible(), timeout=5000)
        qtbot.waitUntil(lambda: not backend.passwords, timeout=5000)  # forgotten on a worker
        assert app.window is None and app.session is None
        app.sign_in.reject()


# --- keys, as a new user tries them on the demo -------------------------------------------------


def press(sequence: str) -> None:
    combo = QKeySequence(sequence)[0]
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClick(target, combo.key(), combo.keyboardModifiers())


def playing_window(qtbot, controller, demo_service):
    app = open_window(qtbot, controller, demo_service)
    window = app.window
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    panel = window.player_panel
    qtbot.waitUntil(lambda: panel.backend.state() is PlayerState.PLAYING, timeout=20000)
    window.browser.tree.setFocus()  # where a user's last click on a camera leaves it
    qtbot.waitUntil(window.browser.tree.hasFocus, timeout=3000)
    return app


def test_space_pauses_and_resumes_every_time(qtbot, controller, demo_service):
    app = playing_window(qtbot, controller, demo_service)
    panel = app.window.player_panel
    for expected in (PlayerState.PAUSED, PlayerState.PLAYING, PlayerState.PAUSED):
        press("Space")
        qtbot.waitUntil(lambda expected=expected: panel.backend.state() is expected, timeout=10000)
    panel.transport.play_button.click()  # resume with the mouse...
    qtbot.waitUntil(lambda: panel.backend.state() is PlayerState.PLAYING, timeout=10000)
    press("Space")  # ...and the keyboard still works
    qtbot.waitUntil(lambda: panel.backend.state() is PlayerState.PAUSED, timeout=10000)


def test_ctrl_f_type_a_camera_enter_plays_it(qtbot, controller, demo_service):
    app = playing_window(qtbot, controller, demo_service)
    window = app.window
    corridor = next(c for c in demo_service.cameras if c.title == "Corridor")
    assert window.browser.selected_camera_id() != corridor.id
    for _ in range(2):  # Ctrl+F works every time, not only the first
        press("Ctrl+F")
        assert window.browser.filter_edit.hasFocus()
        window.browser.tree.setFocus()
    press("Ctrl+F")
    QTest.keyClicks(window.browser.filter_edit, "Corridor")
    press("Return")
    assert window.browser.selected_camera_id() == corridor.id
    assert window.player_panel.camera.id == corridor.id
    assert window.player_panel.title_label.text() == "Corridor"


def test_ctrl_g_opens_the_jump_dialog_whatever_has_focus(qtbot, controller, demo_service):
    app = playing_window(qtbot, controller, demo_service)
    window = app.window
    press("Ctrl+G")
    dialog = window.player_panel.timeline._jump_dialog
    assert isinstance(dialog, JumpDialog) and dialog.isVisible()
    assert window.browser.filter_edit.text() == ""
    dialog.reject()


def test_a_click_on_the_video_gives_the_timeline_its_keys(qtbot, controller, demo_service):
    app = playing_window(qtbot, controller, demo_service)
    panel = app.window.player_panel
    QTest.mouseClick(panel.video, Qt.MouseButton.LeftButton, pos=QPoint(20, 20))
    assert panel.timeline.hasFocus()
    before = panel.timeline.visible_range()
    press("Left")
    qtbot.waitUntil(lambda: panel.timeline.visible_range()[0] < before[0], timeout=3000)


def test_f11_fullscreen_keeps_the_player_keys_and_escape_leaves(qtbot, controller, demo_service):
    app = playing_window(qtbot, controller, demo_service)
    panel = app.window.player_panel
    press("F11")
    assert panel.is_fullscreen
    qtbot.waitUntil(lambda: QApplication.activeWindow() is panel.video, timeout=5000)
    QTest.keyClick(panel.video.window(), Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: panel.backend.state() is PlayerState.PAUSED, timeout=10000)
    QTest.keyClick(panel.video.window(), Qt.Key.Key_Escape)
    assert not panel.is_fullscreen
    assert not app.window.commands.is_enabled("leave_fullscreen")  # Escape is free again
