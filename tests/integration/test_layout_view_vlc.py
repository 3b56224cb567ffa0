"""A layout's tiles on real libvlc and the demo's live HLS: tiles out of view stop decoding
(their painted-frame counters and their players' frames stop), and start again when shown.

Each tile's VideoWidget here stays on screen whatever the layout shows, so a counter that stops
proves the player stopped decoding, not only that a hidden widget stopped painting.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QGridLayout, QWidget

from faceter_viewer.player.backend import PlayerState
from faceter_viewer.player.video_widget import VideoWidget
from faceter_viewer.player.vlc_backend import VlcBackend
from faceter_viewer.player.vlc_runtime import wait_for_releases
from faceter_viewer.services.layout_view import LayoutView
from tests.helpers.sessions import session  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

QUIET_MS = 1200  # a stopped player paints nothing for this long (the demo runs at 25 fps)


class Tiles:
    """The layout with a VideoWidget per tile view and a count of each player's frames."""

    def __init__(self, qtbot, layout: LayoutView) -> None:
        self.layout = layout
        self.window = QWidget()
        qtbot.addWidget(self.window)
        self.grid = QGridLayout(self.window)
        self.widgets: dict[int, VideoWidget] = {}
        self.frames: dict[int, int] = {}
        layout.tile_view_changed.connect(self._on_tile_view_changed)
        self.window.resize(800, 460)
        self.window.show()

    def _on_tile_view_changed(self, index: int, view) -> None:
        widget = VideoWidget(view.backend, self.window)
        self.grid.addWidget(widget, index // 2, index % 2)
        self.widgets[index] = widget
        self.frames[index] = 0
        view.backend.frame_ready.connect(lambda _image, index=index: self.frames.__setitem__(index, self.frames[index] + 1))

    def painted(self, index: int) -> int:
        return self.widgets[index].painted_frames


@pytest.fixture
def tiles(qtbot, session) -> Iterator[Tiles]:  # noqa: F811
    layout = LayoutView(session, VlcBackend)
    made = Tiles(qtbot, layout)
    yield made
    layout.close()
    layout.deleteLater()
    assert wait_for_releases(10.0)


def wait_moving(qtbot, tiles: Tiles, indexes, frames: int = 10) -> None:
    start = {i: tiles.painted(i) for i in indexes}
    qtbot.waitUntil(lambda: all(tiles.painted(i) >= start[i] + frames for i in indexes), timeout=30000)


def assert_still(qtbot, tiles: Tiles, indexes) -> None:
    qtbot.waitUntil(lambda: all(tiles.layout.view(i).backend.state() is PlayerState.IDLE for i in indexes), timeout=5000)
    qtbot.wait(200)  # a picture already on its way may still land
    painted = {i: tiles.painted(i) for i in indexes}
    frames = {i: tiles.frames[i] for i in indexes}
    qtbot.wait(QUIET_MS)
    assert {i: tiles.painted(i) for i in indexes} == painted, "a tile out of view still paints new frames"
    assert {i: tiles.frames[i] for i in indexes} == frames, "a tile out of view still decodes"


def test_hidden_tiles_stop_decoding_and_start_again_when_shown(qtbot, tiles, session):  # noqa: F811
    with qtbot.waitSignal(session.cameras_loaded, timeout=10000):
        session.refresh_cameras()
    cameras = [c for c in session.cameras() if c.is_online and c.live_hls_url][:4]
    layout = tiles.layout
    layout.set_kind("2x2")
    layout.set_active(True)
    for i, camera in enumerate(cameras):
        layout.set_tile_camera(i, camera)
    wait_moving(qtbot, tiles, range(4))

    layout.set_kind("1")  # tiles 1-3 leave the screen
    assert_still(qtbot, tiles, (1, 2, 3))
    wait_moving(qtbot, tiles, (0,))  # tile 0 plays on

    layout.set_kind("2x2")  # and come back: live again
    wait_moving(qtbot, tiles, range(4))

    layout.set_active(False)  # the window minimized, or the single player shown
    assert_still(qtbot, tiles, range(4))
    layout.set_active(True)
    wait_moving(qtbot, tiles, range(4))
