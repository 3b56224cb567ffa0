"""The app as wired by AppController on the demo service: the window shows before the session,
cameras load, the last camera comes back, geometry is kept, sign-out forgets the key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from faceter_viewer.app import AppController
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
