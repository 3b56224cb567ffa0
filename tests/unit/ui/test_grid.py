"""The layout grid page (ui/grid/) on the demo service with scripted players: tiles placed per
kind, a camera dragged from the tree onto a tile, maximize by double-click and by Enter, the tile
menu, the headers, the layout's transport and timeline slot. The same grid in the real window:
tests/integration/test_window_layouts.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from faceter_viewer.core.layouts import LayoutKind
from faceter_viewer.player.backend import PlayerState
from faceter_viewer.services.layout_view import LayoutView
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.camera_model import CameraTreeModel
from faceter_viewer.ui.grid.grid_page import GridPage
from faceter_viewer.ui.grid.tile import EMPTY_HINT, Tile, format_tile_time
from faceter_viewer.ui.grid.tile_menu import open_group
from tests.helpers.demo_fixtures import recent_archive_time
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.sessions import session  # noqa: F401 (fixture)

TIMEOUT = 10_000


@pytest.fixture
def cameras(qtbot, session):  # noqa: F811
    with qtbot.waitSignal(session.cameras_loaded, timeout=TIMEOUT):
        session.refresh_cameras()
    return session.cameras()


@pytest.fixture
def page(qtbot, session, cameras) -> Iterator[GridPage]:  # noqa: F811
    layout = LayoutView(session, FakeBackend)
    page = GridPage(layout)
    qtbot.addWidget(page)
    page.resize(960, 640)
    layout.set_kind("2x2")
    layout.set_active(True)
    page.show()
    qtbot.waitExposed(page)
    yield page
    page.shutdown()
    layout.close()
    layout.deleteLater()  # on the GUI thread, not by a collector on a worker


def online(cameras, n=1):
    return [c for c in cameras if c.is_online and c.has_archive_access][:n]


def tile(page: GridPage, index: int) -> Tile:
    found = page.grid.tile(index)
    assert found is not None
    return found


def drag_data(cameras, camera) -> QMimeData:
    """What the camera tree's drag carries (its model's mimeData, as QAbstractItemView.startDrag
    takes it)."""
    model = CameraTreeModel()
    model.set_cameras(cameras)
    mime = model.mimeData([model.index_of(camera.id)])
    assert mime is not None
    return mime


def drop(widget, mime: QMimeData) -> QDropEvent:
    centre = widget.rect().center()
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    event = QDropEvent(QPointF(centre), Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(widget, event)
    return event


def test_tiles_are_placed_per_kind(qtbot, page):
    layout = page.layout_view
    for kind, count in (("2x2", 4), ("3x3", 9), ("4x4", 16), ("1+5", 6)):
        layout.set_kind(kind)
        qtbot.waitUntil(lambda count=count: len(page.grid.shown_tiles()) == count, timeout=3000)
    QApplication.processEvents()
    big, small = tile(page, 0).geometry(), tile(page, 1).geometry()
    assert big.width() > 1.8 * small.width() and big.height() > 1.8 * small.height()  # one large, five small
    assert tile(page, 5).geometry().top() > big.bottom()  # the bottom row
    layout.set_kind("3x3")
    QApplication.processEvents()
    widths = {tile(page, i).width() for i in range(9)}
    assert max(widths) - min(widths) <= 2 and not tile(page, 9).isVisible()


def test_a_camera_dropped_on_a_tile_plays_there(qtbot, page, cameras):
    camera = online(cameras)[0]
    event = drop(tile(page, 2), drag_data(cameras, camera))
    assert event.isAccepted() and event.dropAction() is Qt.DropAction.CopyAction  # the tree keeps its row
    layout = page.layout_view
    assert layout.tile_camera_id(2) == camera.id and layout.selected == 2
    backend = layout.view(2).backend
    assert backend.last_opened.url == camera.live_hls_url
    assert tile(page, 2).is_selected() and not tile(page, 0).is_selected()
    backend.show_first_frame()
    page.refresh()
    header = tile(page, 2).header
    assert header.title_label.toolTip() == camera.title and header.state_label.text() == "● LIVE"


def test_anything_else_dropped_is_refused(page):
    mime = QMimeData()
    mime.setText("Entrance")
    target = tile(page, 1)
    enter = QDragEnterEvent(target.rect().center(), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(target, enter)
    assert not enter.isAccepted()
    assert page.layout_view.tile_camera_id(1) is None


def test_double_click_and_enter_maximize_a_tile_and_back(qtbot, page, cameras):
    layout = page.layout_view
    for i, camera in enumerate(online(cameras, 4)):
        layout.set_tile_camera(i, camera)
    QTest.mouseDClick(tile(page, 1).video, Qt.MouseButton.LeftButton)
    assert layout.maximized == 1 and page.grid.shown_tiles() == [tile(page, 1)]
    QApplication.processEvents()
    assert tile(page, 1).width() >= page.grid.width() - 4  # it fills the grid
    QTest.mouseDClick(tile(page, 1), Qt.MouseButton.LeftButton)
    assert layout.maximized == -1 and len(page.grid.shown_tiles()) == 4

    page.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=3000)
    QTest.mouseClick(tile(page, 3), Qt.MouseButton.LeftButton)  # a click selects and gives the keys
    qtbot.waitUntil(tile(page, 3).hasFocus, timeout=3000)
    assert layout.selected == 3
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert layout.maximized == 3
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Enter, Qt.KeyboardModifier.KeypadModifier)
    assert layout.maximized == -1
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert layout.maximized == -1
    assert tile(page, 3).hasFocus()  # the keyboard stays on the tile through it all


def test_the_tile_menu_sets_the_camera_maximizes_and_clears(page, cameras):
    layout = page.layout_view
    menu = page.grid.make_tile_menu(1)
    cameras_menu = next(a.menu() for a in menu.actions() if a.menu() is not None)
    # location ▸ room ▸ camera, as the tree groups them: walk down to the first camera
    level = cameras_menu
    while True:
        entries = [a for a in level.actions() if not a.isSeparator()]
        sub = next((a.menu() for a in entries if a.menu() is not None), None)
        leaf = next((a for a in entries if a.menu() is None), None)
        if leaf is not None:
            break
        assert sub is not None
        open_group(sub)
        level = sub
    leaf.trigger()
    chosen = layout.tile_camera(1)
    assert chosen is not None and chosen.title == leaf.text() and layout.selected == 1

    menu = page.grid.make_tile_menu(1)
    by_name = {a.objectName(): a for a in menu.actions()}
    by_name["tileMaximize"].trigger()
    assert layout.maximized == 1
    menu = page.grid.make_tile_menu(1)
    by_name = {a.objectName(): a for a in menu.actions()}
    assert by_name["tileMaximize"].text() == "Back to the &grid"
    by_name["tileMaximize"].trigger()
    by_name["tileClear"].trigger()
    assert layout.tile_camera_id(1) is None and layout.maximized == -1
    assert tile(page, 1).video.message_text() == EMPTY_HINT
    assert not {a.objectName(): a for a in page.grid.make_tile_menu(1).actions()}["tileClear"].isEnabled()


def test_an_offline_tile_shows_its_preview_and_since_when(qtbot, page, cameras):
    offline = next(c for c in cameras if not c.is_online and c.preview_url)
    layout = page.layout_view
    layout.set_tile_camera(0, offline)
    video = tile(page, 0).video
    qtbot.waitUntil(lambda: not video.current_image().isNull(), timeout=TIMEOUT)  # its last preview
    assert "offline since" in (video.message_text() or "")
    page.refresh()
    assert tile(page, 0).header.state_label.text() == "offline"


def test_the_transport_and_the_timeline_slot_act_on_the_layout(qtbot, page, cameras, demo_service):
    layout = page.layout_view
    four = online(cameras, 4)
    for i, camera in enumerate(four):
        layout.set_tile_camera(i, camera)
        layout.view(i).backend.show_first_frame()
    transport = page.transport
    page.refresh()
    assert not transport.step_button.isEnabled() and not transport.live_button.isEnabled()  # live
    assert transport.scope_label.text() == "all tiles in step"

    t = float(recent_archive_time(demo_service))
    page.timeline.position_clicked.emit(t)  # a click on the layout's timeline (the placeholder for now)
    assert all(layout.view(i).playback.mode is Mode.ARCHIVE for i in range(4))
    qtbot.waitUntil(lambda: all("/live/" not in layout.view(i).backend.last_opened.url for i in range(4)), timeout=TIMEOUT)
    for i in range(4):
        layout.view(i).backend.show_first_frame()
    page.refresh()
    assert transport.step_button.isEnabled() and transport.rate_combo.isEnabled()
    assert page.timeline.cursor_time() == pytest.approx(t, abs=1.0)
    assert transport.time_label.text() == f"{__import__('datetime').datetime.fromtimestamp(layout.current_time()):%Y-%m-%d %H:%M:%S}"
    transport.rate_combo.setCurrentIndex(transport.rate_combo.findData(4.0))
    assert all(layout.view(i).backend.rate() == 4.0 for i in range(4))
    transport.play_button.click()
    assert all(layout.view(i).backend.state() is PlayerState.PAUSED for i in range(4))
    page.refresh()
    assert transport.play_button.text() == "Play"

    transport.sync_button.click()  # Sync off: the selected tile alone
    assert not layout.sync_enabled
    layout.select(2)
    page.refresh()
    assert transport.scope_label.text() == f"{four[2].title} on its own"
    transport.live_button.click()
    assert [layout.view(i).playback.mode for i in range(4)] == [Mode.ARCHIVE, Mode.ARCHIVE, Mode.LIVE, Mode.ARCHIVE]
    layout.toggle_sync()
    assert transport.sync_button.isChecked()  # the button follows S too


def test_tile_time_shows_the_date_only_when_not_today():
    now = 1_776_000_000.0
    assert len(format_tile_time(now - 60, now)) == len("03:12:07")
    assert format_tile_time(now - 3 * 86400, now).count("-") == 2


def test_header_text_is_readable_over_the_picture(page, cameras):
    """The header is a dark band over the top of the picture with light text."""
    layout = page.layout_view
    layout.set_tile_camera(0, online(cameras)[0])
    layout.view(0).backend.show_first_frame()
    page.refresh()
    QApplication.processEvents()
    shot = tile(page, 0).grab().toImage()
    header = tile(page, 0).header
    band = shot.pixelColor(QPoint(header.x() + header.width() - 4, header.y() + header.height() // 2))
    assert band.lightness() < 80  # dark behind the text, whatever the video
    assert header.geometry().top() <= 3 and header.height() >= header.title_label.fontMetrics().height()
    assert LayoutKind(layout.kind) is LayoutKind.GRID_2X2
