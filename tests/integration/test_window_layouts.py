"""Layouts in the main window on the demo service: the keys switch the player side between the
single player and the grid, only the one on screen decodes, a camera picked in the tree goes to
the selected tile, named layouts are saved and restored, a minimized window stops its tiles.
Players are scripted here (tests/helpers/fake_backend.py); decoding stopping with real libvlc is
tests/integration/test_layout_view_vlc.py, and a restart in a new process with the real app is
the last test below.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from faceter_viewer.core.layouts import LayoutKind
from faceter_viewer.player.backend import PlayerState
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.layout_view import LayoutView
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.main_window import MainWindow
from faceter_viewer.ui.player_panel import PlayerPanel
from tests.helpers.demo_fixtures import recent_archive_time
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.sessions import session  # noqa: F401 (fixture)

TIMEOUT = 10_000
REPO = Path(__file__).resolve().parents[2]


def press(sequence: str) -> None:
    combo = QKeySequence(sequence)[0]
    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClick(target, combo.key(), combo.keyboardModifiers())


@pytest.fixture
def settings(tmp_path) -> QSettings:
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def open_window(qtbot, session, settings) -> Iterator:  # noqa: F811
    windows = []

    def make() -> MainWindow:
        window = MainWindow(settings, base_url=session.base_url)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.attach_session(session, PlayerPanel(CameraView(session, FakeBackend())), layout_view=LayoutView(session, FakeBackend))
        qtbot.waitUntil(lambda: bool(window.browser.model.cameras()), timeout=TIMEOUT)
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
        windows.append(window)
        return window

    yield make
    for window in windows:
        if window.isVisible():
            window.close()


def tiles_decoding(window: MainWindow) -> list[bool]:
    layout = window.layouts.layout_view
    return [layout.view(i) is not None and layout.view(i).backend.state() is not PlayerState.IDLE for i in range(layout.count)]


def test_the_keys_switch_between_the_single_player_and_the_grid(qtbot, open_window):
    window = open_window()
    panel, layouts = window.player_panel, window.layouts
    first = panel.camera
    assert first is not None and panel.backend.state() is not PlayerState.IDLE  # the first camera plays
    window.browser.tree.setFocus()
    qtbot.waitUntil(window.browser.tree.hasFocus, timeout=3000)

    press("Alt+3")
    assert layouts.grid_shown and layouts.kind is LayoutKind.GRID_3X3
    assert layouts.stack.currentWidget() is layouts.page
    assert panel.backend.state() is PlayerState.IDLE  # the single player stopped decoding
    layout = layouts.layout_view
    assert layout.tile_camera_id(0) == first.id and layout.selected == 0  # the camera on screen: tile 0
    assert layout.view(0).backend.last_opened.url == first.live_hls_url
    assert window.layout_toolbar.kind_actions[LayoutKind.GRID_3X3].isChecked()

    # A camera picked in the tree while the grid shows goes to the selected tile.
    other = next(c for c in window.session.cameras() if c.is_online and c.id != first.id)
    layout.select(4)
    assert window.browser.select_camera(other.id)
    assert layout.tile_camera_id(4) == other.id and layout.tile_camera_id(0) == first.id
    assert panel.camera.id == first.id  # not played in the hidden single player
    assert tiles_decoding(window)[4]

    press("Alt+1")  # back: the selected tile's camera in the single player, the tiles stopped
    assert not layouts.grid_shown and layouts.stack.currentWidget() is panel
    assert not any(tiles_decoding(window)) and layout.shown_views() == []
    assert panel.camera.id == other.id and panel.backend.last_opened.url == other.live_hls_url
    assert window.browser.selected_camera_id() == other.id

    press("Alt+2")  # up again: the camera is in tile 4, out of a 2x2: it goes to tile 0
    assert layout.tile_camera_id(0) == other.id and layout.selected == 0
    press("Alt+5")
    assert layouts.kind is LayoutKind.ONE_PLUS_FIVE and len(window.layouts.page.grid.shown_tiles()) == 6
    decoding = tiles_decoding(window)
    assert decoding[0] and decoding[4] and not decoding[1]  # tiles with a camera play, empty ones do not


def test_the_player_keys_act_on_the_layout_while_the_grid_shows(qtbot, open_window, demo_service):
    window = open_window()
    panel, layouts = window.player_panel, window.layouts
    t = float(recent_archive_time(demo_service))
    panel.play_archive(t)  # the single player in the archive...
    qtbot.waitUntil(lambda: "/live/" not in panel.backend.last_opened.url, timeout=TIMEOUT)
    panel.backend.show_first_frame()
    window.browser.tree.setFocus()
    qtbot.waitUntil(window.browser.tree.hasFocus, timeout=3000)
    press("Alt+2")  # ...and the grid goes on at its time
    layout = layouts.layout_view
    view = layout.view(0)
    assert view.playback.mode is Mode.ARCHIVE
    qtbot.waitUntil(lambda: "/live/" not in view.backend.last_opened.url, timeout=TIMEOUT)
    view.backend.show_first_frame()
    assert layout.current_time() == pytest.approx(t, abs=1.0)
    assert not window.commands.is_enabled("fullscreen") and window.commands.is_enabled("sync_toggle")

    press("Space")
    assert view.backend.state() is PlayerState.PAUSED and panel.backend.state() is PlayerState.IDLE
    press("S")
    assert not layout.sync_enabled and not layouts.page.transport.sync_button.isChecked()
    press("S")
    assert layout.sync_enabled
    press("L")
    assert view.playback.mode is Mode.LIVE
    press("Alt+1")
    assert window.commands.is_enabled("fullscreen") and not window.commands.is_enabled("sync_toggle")
    press("Space")  # the single player's again
    assert panel.backend.state() is PlayerState.PAUSED


def test_a_minimized_window_stops_its_tiles(qtbot, open_window):
    window = open_window()
    window.layouts.set_kind("2x2")
    assert tiles_decoding(window)[0]
    window.setWindowState(Qt.WindowState.WindowMinimized)
    qtbot.waitUntil(lambda: not any(tiles_decoding(window)), timeout=3000)
    window.setWindowState(Qt.WindowState.WindowNoState)
    qtbot.waitUntil(lambda: tiles_decoding(window)[0], timeout=3000)


def test_named_layouts_are_saved_restored_and_deleted(qtbot, open_window, settings):
    window = open_window()
    layouts, toolbar = window.layouts, window.layout_toolbar
    cameras = [c for c in window.session.cameras() if c.is_online][:3]
    layouts.set_kind("3x3")
    layout = layouts.layout_view
    for i, camera in enumerate(cameras):
        layout.set_tile_camera(i * 2, camera)
    toolbar.save_button.click()  # "Save as…": a dialog that does not block
    dialog = toolbar.name_dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    dialog.setTextValue("  Front   doors ")
    dialog.accept()
    assert [layout.name for layout in layouts.named] == ["Front doors"]
    saved = json.loads(settings.value("layouts/named"))
    assert saved == [{"version": 1, "name": "Front doors", "kind": "3x3", "cameras": [cameras[0].id, None, cameras[1].id, None, cameras[2].id]}]

    layouts.set_kind("1")
    layouts.set_kind("2x2")
    layout.clear_tile(0)
    index = toolbar.named_combo.findText("Front doors")
    toolbar.named_combo.setCurrentIndex(index)
    toolbar.named_combo.activated.emit(index)  # what a pick in the combo sends
    assert layouts.kind is LayoutKind.GRID_3X3
    assert [layout.tile_camera_id(i) for i in (0, 2, 4)] == [c.id for c in cameras]
    assert tiles_decoding(window)[4]
    toolbar.delete_button.click()
    assert layouts.named == [] and json.loads(settings.value("layouts/named")) == []
    assert not toolbar.delete_button.isEnabled()


def test_bad_saved_layouts_never_stop_the_start(qtbot, open_window, settings):
    settings.setValue("layouts/named", '[{"name": "ok", "kind": "2x2"}, {"name": "bad", "kind": "9x9"}, 7]')
    settings.setValue("layouts/current", "{not json")
    window = open_window()
    assert [layout.name for layout in window.layouts.named] == ["ok"]
    assert not window.layouts.grid_shown and window.player_panel.camera is not None


# --- across a new process ------------------------------------------------------------------------

RESTART = REPO / "tests" / "helpers" / "layout_restart.py"


def run_app_once(step: str, settings_dir: Path, demo_service) -> dict:
    result = subprocess.run(
        [sys.executable, str(RESTART), step, str(settings_dir), demo_service.base_url, demo_service.integration_key],
        capture_output=True, text=True, timeout=120, cwd=REPO,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_layout_and_named_layouts_come_back_in_a_new_process(tmp_path, demo_service):
    """The real app (AppController, real libvlc) run twice with one settings file."""
    first = run_app_once("arrange", tmp_path, demo_service)
    second = run_app_once("look", tmp_path, demo_service)
    assert second["kind"] == "3x3" and second["grid_shown"]
    assert second["cameras"][:9] == first["cameras"][:9]
    assert second["named"] == ["Hall and doors"]
    assert second["tiles_playing"] == [camera is not None for camera in first["cameras"][:9]]
    assert not second["single_player_decoding"]


def test_an_incident_opens_the_room_in_a_synchronized_grid_at_the_event_minus_the_pre_roll(qtbot, open_window, demo_service):
    from faceter_viewer.core.incident import IncidentRequest

    window = open_window()
    cameras = window.browser.model.cameras()
    entrance = next(c for c in cameras if c.title == "Entrance")
    room = [c for c in cameras if c.location and c.location.room and c.location.room.id == entrance.location.room.id]
    assert len(room) >= 2, "the demo's Hall holds Entrance and Corridor"
    t = float(recent_archive_time(demo_service))
    window.open_incident(IncidentRequest("Entrance", t))
    layouts = window.layouts
    layout = layouts.layout_view
    assert layouts.grid_shown and layout.kind is LayoutKind.GRID_2X2 and layout.sync_enabled
    assert layout.tile_camera_id(0) == entrance.id
    assert {layout.tile_camera_id(i) for i in range(len(room))} == {c.id for c in room}
    for i in range(len(room)):
        view = layout.view(i)
        qtbot.waitUntil(lambda v=view: v.playback.mode is Mode.ARCHIVE and "/live/" not in v.backend.last_opened.url, timeout=TIMEOUT)
        view.backend.show_first_frame()
    assert layout.current_time() == pytest.approx(t - window.events_panel.pre_roll if window.events_panel else t - 5.0, abs=1.0)
    # The layout's timeline shows the union of the room's archive, one track per camera.
    source = layouts.page.timeline_source
    assert {v.camera.id for v in source.views() if v.camera is not None} == {c.id for c in room}


def test_an_incident_for_an_unknown_camera_says_so_and_changes_nothing(qtbot, open_window, session):
    from faceter_viewer.core.incident import IncidentRequest

    window = open_window()
    window.open_incident(IncidentRequest("No such camera", 1.0))
    assert not window.layouts.grid_shown
    assert any("No camera has the id or title" in m.text for m in session.posted)
