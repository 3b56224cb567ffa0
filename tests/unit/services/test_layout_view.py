"""LayoutView (services/layout_view.py) on the demo service over real HTTP, with scripted players
(tests/helpers/fake_backend.py): which tiles decode, what a tile plays when it comes back, where
the transport goes with Sync on and off, a layout restored before the camera list. The same with
real libvlc (decoded frames stop and start): tests/integration/test_layout_view_vlc.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from faceter_viewer.core.layouts import Layout, LayoutKind
from faceter_viewer.player.backend import PlayerState
from faceter_viewer.services.layout_view import LayoutView
from faceter_viewer.services.playback import Mode
from faceter_viewer.services.sync_controller import TileSync
from faceter_viewer.services.tile_status import TileState, tile_header
from tests.helpers.demo_fixtures import recent_archive_time
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.sessions import session  # noqa: F401 (fixture)

TIMEOUT = 10_000


@pytest.fixture
def cameras(qtbot, session):  # noqa: F811
    with qtbot.waitSignal(session.cameras_loaded, timeout=TIMEOUT):
        session.refresh_cameras()
    return session.cameras()


def close_layout(layout: LayoutView) -> None:
    """Close it and delete it on the GUI thread: left to Python's cycle collector, which may run
    on a worker thread, its QObjects would be destroyed there (a crash in the GUI's event loop)."""
    layout.close()
    layout.deleteLater()


@pytest.fixture
def layout(session) -> Iterator[LayoutView]:  # noqa: F811
    view = LayoutView(session, FakeBackend)
    yield view
    close_layout(view)


def online(cameras, n):
    found = [c for c in cameras if c.is_online and c.has_archive_access]
    assert len(found) >= n
    return found[:n]


def fake(layout: LayoutView, index: int) -> FakeBackend:
    view = layout.view(index)
    assert view is not None
    backend = view.backend
    assert isinstance(backend, FakeBackend)
    return backend


def plays_archive(backend: FakeBackend) -> bool:
    """The player was last opened on the session's archive proxy (live URLs are the demo's /live/)."""
    return bool(backend.opened) and "/live/" not in backend.last_opened.url


def decoding(layout: LayoutView, index: int) -> bool:
    view = layout.view(index)
    return view is not None and view.backend.state() is not PlayerState.IDLE


def fill(layout, cameras, kind="2x2"):
    layout.set_kind(kind)
    layout.set_active(True)
    for i, camera in enumerate(cameras):
        layout.set_tile_camera(i, camera)
    for i in range(len(cameras)):
        if layout.is_shown(i):
            fake(layout, i).show_first_frame()


def test_views_are_made_when_their_tiles_show_and_are_silent(layout, cameras):
    made = []
    layout.tile_view_changed.connect(lambda index, view: made.append(index))
    layout.set_kind("2x2")
    assert made == [] and layout.view(0) is None  # not on screen yet: nothing made
    layout.set_active(True)
    assert made == [0, 1, 2, 3]
    assert all(fake(layout, i).is_muted() for i in range(4))
    assert layout.view(4) is None
    assert [view is layout.view(i) for i, view in enumerate(layout.shown_views())] == [True] * 4


def test_tiles_out_of_view_stop_decoding_and_start_again(layout, cameras):
    four = online(cameras, 4)
    fill(layout, four)
    assert all(layout.view(i).playback.mode is Mode.LIVE for i in range(4))
    opens = [len(fake(layout, i).opened) for i in range(4)]
    layout.set_kind("1")
    assert decoding(layout, 0) and not any(decoding(layout, i) for i in (1, 2, 3))
    assert [layout.view(i).playback.mode for i in (1, 2, 3)] == [Mode.IDLE] * 3
    assert layout.shown_views() == [layout.view(0)]
    layout.set_kind("2x2")
    assert [len(fake(layout, i).opened) for i in range(4)] == [opens[0], opens[1] + 1, opens[2] + 1, opens[3] + 1]
    assert all(fake(layout, i).last_opened.url == four[i].live_hls_url for i in range(4))  # live re-opened

    layout.set_active(False)  # the grid page hidden, or the window minimized
    assert not any(decoding(layout, i) for i in range(4)) and layout.shown_views() == []
    layout.set_active(True)
    assert all(decoding(layout, i) and layout.view(i).playback.mode is Mode.LIVE for i in range(4))


def test_a_camera_put_on_a_hidden_tile_waits_until_it_shows(layout, cameras):
    six = online(cameras, 6)
    fill(layout, six[:4])
    layout.set_tile_camera(5, six[5])
    assert layout.view(5) is None and layout.tile_camera(5).id == six[5].id
    layout.set_kind("3x3")
    assert fake(layout, 5).last_opened.url == six[5].live_hls_url
    assert layout.view(4).camera is None and not decoding(layout, 4)  # an empty tile plays nothing


def test_a_tile_that_comes_back_rejoins_the_layouts_archive_time(qtbot, layout, cameras, demo_service):
    four = online(cameras, 4)
    fill(layout, four)
    t = float(recent_archive_time(demo_service))
    layout.seek(t)  # Sync is on: every tile
    qtbot.waitUntil(lambda: all(plays_archive(fake(layout, i)) for i in range(4)), timeout=TIMEOUT)
    assert all(layout.view(i).playback.mode is Mode.ARCHIVE for i in range(4))
    for i in range(4):
        fake(layout, i).show_first_frame()
    assert layout.in_archive() and layout.current_time() == pytest.approx(t, abs=1.0)

    layout.set_kind("1")
    assert layout.view(3).playback.mode is Mode.IDLE
    before = len(fake(layout, 3).opened)
    layout.set_kind("2x2")
    view = layout.view(3)
    assert view.playback.mode is Mode.ARCHIVE  # not live: the layout plays the archive
    qtbot.waitUntil(lambda: len(fake(layout, 3).opened) > before, timeout=TIMEOUT)
    assert plays_archive(fake(layout, 3))
    fake(layout, 3).show_first_frame()
    assert view.playback.current_time() == pytest.approx(t, abs=1.0)

    # The whole layout leaves the screen and comes back: one synchronized seek at its time.
    layout.set_active(False)
    assert not any(decoding(layout, i) for i in range(4))
    opens = [len(fake(layout, i).opened) for i in range(4)]
    layout.set_active(True)
    assert all(layout.view(i).playback.mode is Mode.ARCHIVE for i in range(4))
    # (waited for: a window still being prepared when the session closes would restart its proxy)
    qtbot.waitUntil(lambda: all(len(fake(layout, i).opened) > opens[i] for i in range(4)), timeout=TIMEOUT)
    assert all(plays_archive(fake(layout, i)) for i in range(4))
    for i in range(4):
        fake(layout, i).show_first_frame()
    assert layout.sync.time() == pytest.approx(t, abs=1.0)


def test_with_sync_off_the_transport_acts_on_the_selected_tile(qtbot, layout, cameras, demo_service):
    fill(layout, online(cameras, 4))
    layout.toggle_sync()
    assert not layout.sync_enabled
    layout.select(2)
    t = float(recent_archive_time(demo_service))
    layout.seek(t)
    assert [layout.view(i).playback.mode for i in range(4)] == [Mode.LIVE, Mode.LIVE, Mode.ARCHIVE, Mode.LIVE]
    qtbot.waitUntil(lambda: plays_archive(fake(layout, 2)), timeout=TIMEOUT)
    fake(layout, 2).show_first_frame()
    layout.set_rate(4.0)
    assert fake(layout, 2).rate() == 4.0 and fake(layout, 1).rate() == 1.0
    layout.play_pause()
    assert fake(layout, 2).state() is PlayerState.PAUSED and fake(layout, 1).state() is PlayerState.PLAYING
    layout.go_live()
    assert layout.view(2).playback.mode is Mode.LIVE


def test_space_on_a_live_layout_pauses_and_resumes_every_tile(layout, cameras):
    fill(layout, online(cameras, 4))
    layout.play_pause()
    assert all(fake(layout, i).state() is PlayerState.PAUSED for i in range(4))
    layout.play_pause()
    assert all(fake(layout, i).state() is PlayerState.PLAYING for i in range(4))


def test_clear_gives_the_tile_a_fresh_view(layout, cameras):
    fill(layout, online(cameras, 2))
    old = layout.view(1)
    replaced = []
    layout.tile_view_changed.connect(lambda index, view: replaced.append((index, view)))
    changed = []
    layout.tile_camera_changed.connect(lambda index, camera: changed.append((index, camera)))
    layout.clear_tile(1)
    assert old.backend.closed
    assert replaced == [(1, layout.view(1))] and layout.view(1) is not old
    assert layout.view(1).camera is None and changed == [(1, None)]
    assert layout.tile_camera_id(1) is None


def test_maximize_and_select_stay_inside_the_kind(layout, cameras):
    fill(layout, online(cameras, 4))
    events = []
    layout.maximized_changed.connect(lambda i: events.append(("max", i)))
    layout.selected_changed.connect(lambda i: events.append(("sel", i)))
    layout.select(3)
    layout.toggle_maximized()
    assert layout.maximized == 3
    assert all(decoding(layout, i) for i in range(4))  # the others keep playing behind it
    layout.toggle_maximized(3)
    assert layout.maximized == -1
    layout.set_maximized(3)
    layout.set_kind("1")
    assert layout.maximized == -1 and layout.selected == 0
    layout.set_maximized(5)  # no such tile in "1"
    assert layout.maximized == -1
    assert events == [("sel", 3), ("max", 3), ("max", -1), ("max", 3), ("max", -1), ("sel", 0)]


def test_a_layout_restored_before_the_camera_list_plays_when_it_loads(qtbot, session, demo_service):  # noqa: F811
    layout = LayoutView(session, FakeBackend)
    try:
        ids = [c.id for c in demo_service.cameras if c.is_online][:3]
        layout.apply(Layout("", LayoutKind.GRID_2X2, (ids[0], "gone-camera", ids[1], ids[2])))
        layout.set_active(True)
        assert layout.tile_camera(0) is None  # the list has not loaded
        header = tile_header(layout.view(0), layout.tile_camera_id(0), TileSync.IDLE, known=False)
        assert header.title == "Loading…"
        assert not any(decoding(layout, i) for i in range(4))
        with qtbot.waitSignal(session.cameras_loaded, timeout=TIMEOUT):
            session.refresh_cameras()
        assert [fake(layout, i).last_opened.url for i in (0, 2, 3)] == [
            session.camera(camera_id).live_hls_url for camera_id in ids
        ]
        assert layout.tile_camera(1) is None and not decoding(layout, 1)
        header = tile_header(layout.view(1), layout.tile_camera_id(1), TileSync.IDLE, known=True)
        assert (header.state, header.title) == (TileState.UNAVAILABLE, "Camera not available")
        assert layout.layout("x") == Layout("x", LayoutKind.GRID_2X2, (ids[0], "gone-camera", ids[1], ids[2]))
    finally:
        close_layout(layout)


def test_tile_headers_say_live_archive_buffering_offline(qtbot, layout, cameras, demo_service):
    live_camera = online(cameras, 1)[0]
    offline = next(c for c in cameras if not c.is_online)
    fill(layout, [live_camera, offline])
    notes = []
    layout.view(1).picture_note_changed.connect(notes.append)

    def header(i: int, sync: TileSync = TileSync.IDLE):
        return tile_header(layout.view(i), layout.tile_camera_id(i), sync, known=True)

    assert (header(0).title, header(0).state) == (live_camera.title, TileState.LIVE)
    assert header(1).state is TileState.OFFLINE
    assert header(2).state is TileState.EMPTY
    fake(layout, 0).report_buffering(30)
    assert header(0).state is TileState.BUFFERING
    t = float(recent_archive_time(demo_service))
    layout.view(0).play_archive(t)
    qtbot.waitUntil(lambda: plays_archive(fake(layout, 0)), timeout=TIMEOUT)
    assert header(0).state is TileState.BUFFERING  # opening
    fake(layout, 0).show_first_frame()
    assert header(0).state is TileState.ARCHIVE and header(0).time == pytest.approx(t, abs=1.0)
    assert header(0, TileSync.NO_ARCHIVE).text == "no archive here"
    fake(layout, 0).pause()
    assert header(0).text == "archive ❚❚"
    layout.view(0).go_live()
    layout.set_kind("1")
    layout.set_kind("2x2")  # the offline tile comes back (the layout is live): its note again
    assert notes and "offline since" in notes[-1]
