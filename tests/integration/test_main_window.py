"""The app as wired by AppController on the demo service: the window shows before the session,
cameras load, the last camera comes back, geometry is kept, sign-out forgets the key; and the keys
work as a new user tries them (real key events on the focused widget, real libvlc)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QPoint, QRect, QSettings, Qt
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
    # Inside the offscreen screen (800x800) and above the window's minimum width with the player
    # attached (769): 761 passed only while that minimum was not yet applied. The events panel
    # beside them does not fit 800 px: hidden (Ctrl+E), as on a small screen, and that is kept too.
    assert first.window.events_dock.isVisible()
    first.window.toggle_events_panel()
    qtbot.wait(100)  # the layout gives up the dock's width on its next pass
    first.window.resize(781, 523)
    first.close_session()  # closing saves the state

    second = open_window(qtbot, controller, demo_service)
    qtbot.waitUntil(lambda: second.window.browser.selected_camera_id() == target.id, timeout=10000)
    assert (second.window.width(), second.window.height()) == (781, 523)
    assert not second.window.events_dock.isVisible()


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


# --- messages float over the content: they never move what is under the mouse ------------------


def window_rect(widget) -> QRect:
    return QRect(widget.mapTo(widget.window(), QPoint(0, 0)), widget.size())


def visible_cameras(tree) -> list:
    """The camera rows of the tree, top to bottom (groups left out)."""
    model, rows = tree.model(), []
    index = model.index(0, 0)
    while index.isValid():
        if model.camera_at(index) is not None:
            rows.append(index)
        index = tree.indexBelow(index)
    return rows


def on_top_at(window, widget, point: QPoint) -> bool:
    """`widget` (or one of its children) is what a click at `point` (window coordinates) hits."""
    hit = window.childAt(point)
    return hit is widget or (hit is not None and widget.isAncestorOf(hit))


def test_messages_float_over_the_content_and_move_nothing(qtbot, controller, demo_service):
    app = open_window(qtbot, controller, demo_service)
    window, hub, bar = app.window, app.session.messages, app.window.message_bar
    watched = {
        "browser": window.browser,
        "filter": window.browser.filter_edit,
        "tree": window.browser.tree,
        "player": window.player_panel,
        "video": window.player_panel.video,
    }
    qtbot.wait(200)  # the first camera's title and state settle
    before = {name: window_rect(widget) for name, widget in watched.items()}

    hub.error(
        "Could not load the cameras: the Faceter service cannot be reached.",
        action_text="Retry",
        on_action=window.refresh,
        details="NetworkError: GET /v1/cameras: cannot connect ([Errno 111] Connection refused)",
    )
    hub.warning("Could not load the events: the service did not answer in time. " * 6, scope="elsewhere")
    hub.info("Snapshot saved: /home/user/Pictures/Faceter Viewer/Gate 2024-05-01 10-00-00.png")
    hub.warning("Faceter service unreachable, retrying in 5 s", key="reconnect")
    qtbot.waitUntil(lambda: len(bar.rows()) == 4 and bar.isVisible(), timeout=3000)
    bar.rows()[0].details_button.click()
    hub.warning("Faceter service unreachable, retrying in 4 s", key="reconnect")  # in place
    qtbot.wait(100)
    assert {name: window_rect(widget) for name, widget in watched.items()} == before
    assert bar.height() > 4 * 20
    assert on_top_at(window, bar, window_rect(bar).center())
    video = window.player_panel.video
    assert window_rect(bar) == window_rect(video).adjusted(0, 0, 0, bar.height() - video.height())
    header = window.player_panel.mode_label  # "reconnecting…", "stalled since …" stay readable
    for name, rect in (("filter", before["filter"]), ("tree", before["tree"]), ("header", window_rect(header))):
        assert not window_rect(bar).intersects(rect), name  # where the user types, clicks and reads

    for row in bar.rows():
        row.close_button.click()
    qtbot.waitUntil(lambda: bar.messages() == [], timeout=3000)
    assert bar.isHidden()
    assert {name: window_rect(widget) for name, widget in watched.items()} == before


def test_a_click_aimed_at_a_camera_selects_it_while_a_message_appears(qtbot, controller, demo_service):
    app = open_window(qtbot, controller, demo_service)
    window, tree = app.window, app.window.browser.tree
    qtbot.waitUntil(lambda: len(visible_cameras(tree)) >= 3, timeout=5000)
    third = visible_cameras(tree)[2]
    camera = tree.model().camera_at(third)
    assert window.browser.selected_camera_id() != camera.id
    aim = tree.viewport().mapTo(window, tree.visualRect(third).center())  # where the mouse is
    app.session.messages.error(
        "Could not load the cameras: the Faceter service cannot be reached.",
        action_text="Retry",
        on_action=window.refresh,
        details="NetworkError: GET /v1/cameras",
    )
    QApplication.processEvents()  # the banner is up before the click lands
    assert window.message_bar.isVisible()
    hit = window.childAt(aim)  # the click goes to what is at the aimed point now
    assert hit is tree.viewport(), f"the click at {aim} would land on {hit}"
    QTest.mouseClick(hit, Qt.MouseButton.LeftButton, pos=hit.mapFrom(window, aim))
    assert window.browser.selected_camera_id() == camera.id
    assert window.player_panel.camera.id == camera.id
