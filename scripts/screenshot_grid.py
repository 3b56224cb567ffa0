"""Screenshot of a 3×3 layout (docs/grid.png): the real app on the demo service on a private
Xvfb, switched to 3×3 with Alt+3 as a user does, cameras dropped from the camera tree onto the
tiles (the drop a drag ends in: a real QDrag runs a modal loop a script cannot drive), one tile
clicked (its focus frame), grabbed from the X screen. Run from the repository:

    PYTHONPATH=. xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshot_grid.py

It writes /tmp/shots/grid.png (look at it before copying to docs/), and to look at the other
states: grid-archive.png (a click on the layout's timeline: every tile in the archive at that
time, each header with its time), grid-1+5.png (Alt+5) and grid-maximized.png (Enter on a tile)."""

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "xcb"
os.environ["TZ"] = "Europe/Berlin"
TMP = Path(tempfile.mkdtemp(prefix="faceter-shots-"))
os.environ["XDG_DATA_HOME"] = str(TMP / "data")
os.environ["HOME"] = str(TMP)
OUT = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
OUT.mkdir(parents=True, exist_ok=True)

from PySide6.QtCore import QCoreApplication, QEventLoop, QPointF, QSettings, Qt  # noqa: E402
from PySide6.QtGui import QDragEnterEvent, QDropEvent  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

app = QApplication(sys.argv)
QCoreApplication.setOrganizationName("FaceterShots")
QCoreApplication.setApplicationName("faceter-viewer-shots")
QSettings.setDefaultFormat(QSettings.Format.IniFormat)
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(TMP / "settings"))

from faceter_viewer.app import AppController  # noqa: E402
from faceter_viewer.demo.service import DemoService  # noqa: E402
from faceter_viewer.player.backend import PlayerState  # noqa: E402

# The tiles, in order: tile 0 keeps the camera on screen when the grid opens (Entrance).
TILE_CAMERAS = ("Reception", "Parking Lot", "Corridor", "Loading Dock", "Garden", "Kitchen", "Storage")


def wait_until(condition, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def settle(seconds=0.5):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.01)


def drop_camera(window, camera_id, tile):
    """What the end of a drag from the camera tree does: the tree's own drag data, dropped."""
    model = window.browser.model
    mime = model.mimeData([model.index_of(camera_id)])
    centre = tile.rect().center()
    actions = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(tile, QDragEnterEvent(centre, actions, mime, buttons, modifiers))
    QApplication.sendEvent(tile, QDropEvent(QPointF(centre), actions, mime, buttons, modifiers))


def grab(widget, path: Path):
    rect = widget.frameGeometry()
    shot = QApplication.primaryScreen().grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height())
    shot.save(str(path))
    print("wrote", path, shot.width(), "x", shot.height())


service = DemoService(seed=7).start()
controller = AppController()
try:
    controller.open_session(service.base_url, service.integration_key)
    wait_until(lambda: controller.window is not None and controller.window.layouts is not None, what="window")
    window = controller.window
    window.settings.setValue("window/eventsVisible", False)
    if window.events_dock is not None:
        window.events_dock.hide()  # the grid gets the width
    window.resize(1560, 940)
    window.move(0, 0)
    wait_until(lambda: bool(window.browser.model.cameras()), what="cameras")
    by_title = {c.title: c for c in service.cameras}
    window.browser.select_camera(by_title["Entrance"].id)
    wait_until(lambda: window.player_panel.backend.state() is PlayerState.PLAYING, 60, "live")

    window.activateWindow()
    wait_until(lambda: QApplication.activeWindow() is window, 10, "active window")
    window.browser.tree.setFocus()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # Alt+3
    layouts = window.layouts
    wait_until(lambda: layouts.grid_shown, 5, "the grid")
    grid = layouts.page.grid
    settle(0.5)
    for index, title in enumerate(TILE_CAMERAS, start=1):
        drop_camera(window, by_title[title].id, grid.tile(index))
    layout = layouts.layout_view
    playing = [i for i in range(8) if layout.tile_camera(i) is not None and layout.tile_camera(i).is_online]
    wait_until(lambda: all(layout.view(i).backend.state() is PlayerState.PLAYING for i in playing), 90, "tiles live")
    QTest.mouseClick(grid.tile(2), Qt.MouseButton.LeftButton)  # select a tile: its frame
    window.message_bar.clear()
    settle(3.0)
    print({i: grid.tile(i).header_state() for i in range(9)})
    grab(window, OUT / "grid.png")

    page = layouts.page
    anchor = service.dataset.anchor
    page.timeline.position_clicked.emit(float(anchor - 600))  # a click on the layout's timeline
    wait_until(lambda: all(layout.view(i).backend.state() is PlayerState.PLAYING for i in playing), 90, "archive")
    settle(3.0)
    print({i: grid.tile(i).header_state() for i in range(9)})
    grab(window, OUT / "grid-archive.png")
    page.go_live()
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)  # Alt+5
    settle(3.0)
    grab(window, OUT / "grid-1+5.png")
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # the selected tile has the keys
    settle(2.0)
    grab(window, OUT / "grid-maximized.png")
finally:
    controller.close_session()
    controller.runner.shutdown()
    service.stop()
