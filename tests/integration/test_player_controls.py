"""The player's controls tell the truth (issue 9, "honest controls"), through the PlayerPanel and
its CameraView against the demo service over real HTTP, with the scripted FakeBackend for the
player (what is checked is what the controls ask for and what the panel shows, not decoding):

- a time in the future is refused before any request (no "ARCHIVE" over live video);
- switching camera dims the previous camera's picture under "Loading <title>…" until the new
  camera's first frame;
- an offline camera's timeline opens on its last recording, and Play plays it;
- two snapshots in the same second are two files;
- a preview that could not be fetched says "no preview" and why, never "loading" for ever.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from faceter_viewer.player.video_widget import aspect_fit
from faceter_viewer.services.camera_view import OFFLINE_PLAY_SECONDS, CameraView
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.player_panel import PlayerPanel
from tests.helpers.demo_fixtures import recent_archive_time
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.sessions import session  # noqa: F401 (fixture)

LOADING_DOCK = 3  # the demo's offline camera (demo/dataset.py): its archive ends where it went offline
TIMEOUT = 20_000  # ms; the machine is shared


@pytest.fixture
def panel(qtbot, session, tmp_path) -> Iterator[PlayerPanel]:
    view = CameraView(session, FakeBackend(), snapshot_dir=tmp_path / "snapshots")
    panel = PlayerPanel(view)
    qtbot.addWidget(panel)
    panel.resize(900, 640)
    panel.show()
    qtbot.waitExposed(panel)
    yield panel
    panel.shutdown()


def online_cameras(client):
    return [c for c in client.list_cameras() if c.is_online and c.has_archive_access]


def archive_requests(service) -> int:
    return sum(1 for _method, path in service.state.requests if path.startswith("/archive-api/"))


def test_a_future_time_is_refused_without_a_request_and_live_stays_live(qtbot, panel, session, demo_client, demo_service):
    panel.show_camera(online_cameras(demo_client)[0])
    backend = panel.backend
    backend.show_first_frame()
    assert panel.view.playback.mode is Mode.LIVE
    qtbot.waitUntil(lambda: panel.view.timeline_data.idle, timeout=TIMEOUT)
    opened, asked = len(backend.opened), archive_requests(demo_service)
    panel.play_archive(time.time() + 420)  # what OK in Ctrl+G asked for with "7 minutes ahead"
    assert panel.view.playback.mode is Mode.LIVE and panel.mode_label.text() == "● LIVE"
    assert len(backend.opened) == opened
    assert [m.text for m in session.posted if "in the future" in m.text], session.posted
    qtbot.wait(300)  # a worker would have asked by now
    assert archive_requests(demo_service) == asked


def picture_lightness(panel) -> int:
    """Inside the picture (aspect-fit), near its left edge: away from the spinner and the text."""
    frame = aspect_fit(panel.backend.video_size(), panel.video.rect())
    return QColor(panel.video.grab().toImage().pixel(frame.left() + 10, frame.center().y())).lightness()


def test_switching_camera_dims_the_last_frame_under_loading_until_the_new_first_frame(qtbot, panel, demo_client):
    first, second = online_cameras(demo_client)[:2]
    panel.show_camera(first)
    backend = panel.backend
    backend.show_first_frame()  # the first camera's picture: rgb(40, 80, 120)
    assert panel.video.loading_text() is None
    lit = picture_lightness(panel)
    panel.show_camera(second)
    assert panel.title_label.text() == second.title
    assert panel.video.loading_text() == f"Loading {second.title}…"
    dim = picture_lightness(panel)
    assert dim < lit / 2, (dim, lit)
    backend.show_first_frame()  # the second camera's first frame
    assert panel.video.loading_text() is None
    assert picture_lightness(panel) == lit


def test_an_offline_cameras_timeline_opens_on_its_last_recording_and_play_plays_it(qtbot, panel, demo_client):
    panel.show_camera(online_cameras(demo_client)[0])
    offline = demo_client.list_cameras()[LOADING_DOCK]
    assert not offline.is_online and offline.has_archive_access and offline.last_online_date is not None
    went_offline = offline.last_online_date.timestamp()
    ends = []
    panel.view.archive_end_found.connect(ends.append)
    panel.show_camera(offline)
    transport = panel.transport
    assert not transport.play_button.isEnabled()  # nothing known to play yet
    start, end = panel.timeline.visible_range()
    assert start < went_offline < end  # not "now", 26 hours later, where nothing is
    qtbot.waitUntil(lambda: bool(ends) and transport.play_button.isEnabled(), timeout=TIMEOUT)
    archive_end = ends[0]
    assert went_offline - 3600 < archive_end <= went_offline
    assert panel.timeline.scale.center == pytest.approx(archive_end, abs=1.0)
    assert panel.view.playback.mode is Mode.IDLE and panel.mode_label.text() == "offline"

    panel.toggle_play_pause()  # Play (Space)
    assert panel.view.playback.mode is Mode.ARCHIVE
    qtbot.waitUntil(lambda: panel.view.playback.window is not None, timeout=TIMEOUT)
    assert "index.m3u8" in panel.backend.last_opened.url  # the archive's playlist was opened
    started = panel.view.playback.window.start
    assert archive_end - OFFLINE_PLAY_SECONDS - 1 <= started < archive_end


def test_play_on_an_offline_camera_plays_from_the_cursor(qtbot, panel, demo_client):
    offline = demo_client.list_cameras()[LOADING_DOCK]
    panel.show_camera(offline)
    qtbot.waitUntil(panel.transport.play_button.isEnabled, timeout=TIMEOUT)
    at = offline.last_online_date.timestamp() - 1800
    panel.timeline.set_cursor(at)
    panel.toggle_play_pause()
    qtbot.waitUntil(lambda: panel.view.playback.window is not None, timeout=TIMEOUT)
    assert panel.view.playback.window.requested == at


def test_two_snapshots_in_the_same_second_are_both_kept(qtbot, panel, session, demo_client, tmp_path):
    panel.show_camera(online_cameras(demo_client)[0])
    panel.backend.show_first_frame()
    saved = []
    panel.view.snapshot_saved.connect(saved.append)
    panel.save_snapshot()
    panel.save_snapshot()
    qtbot.waitUntil(lambda: len(saved) == 2, timeout=TIMEOUT)
    assert session.posted[-2:] and all(m.text.startswith("Snapshot saved") for m in session.posted[-2:])
    files = sorted((tmp_path / "snapshots").iterdir())
    assert len(files) == 2 and len(set(saved)) == 2, files
    assert all(f.suffix == ".png" and f.stat().st_size > 0 for f in files)


def test_play_after_an_offline_cameras_archive_ran_out_plays_its_last_minutes_again(qtbot, panel, demo_client):
    offline = demo_client.list_cameras()[LOADING_DOCK]
    ends = []
    panel.view.archive_end_found.connect(ends.append)
    panel.show_camera(offline)
    qtbot.waitUntil(lambda: bool(ends), timeout=TIMEOUT)
    panel.timeline.set_cursor(ends[0])  # where playback stopped at the archive's end
    panel.toggle_play_pause()
    qtbot.waitUntil(lambda: panel.view.playback.window is not None, timeout=TIMEOUT)
    assert ends[0] - OFFLINE_PLAY_SECONDS - 1 <= panel.view.playback.window.start < ends[0]


def test_a_preview_that_cannot_be_fetched_says_no_preview_not_loading(qtbot, panel, demo_client, demo_service, demo_faults):
    demo_faults.add("error_rate", "/preview", probability=1.0, status=400)  # not retried
    panel.show_camera(online_cameras(demo_client)[0])
    target = recent_archive_time(demo_service) - 50.0
    timeline, popup = panel.timeline, panel.thumbnail_popup
    timeline.set_visible_range(target - 300, target + 300)
    x = round(timeline.scale.to_x(target))
    QTest.mouseMove(timeline, QPoint(x, timeline.height() // 2))  # the user hovers the archive
    bucket = timeline.thumbnail_grid().bucket_time(timeline.scale.to_time(x))
    qtbot.waitUntil(lambda: popup.isVisible() and popup.shown_time == bucket, timeout=TIMEOUT)
    qtbot.waitUntil(lambda: popup.placeholder != "…", timeout=TIMEOUT)  # "…" is loading
    assert popup.placeholder is not None and popup.placeholder.startswith("no preview\n"), popup.placeholder
    assert popup.placeholder != "no preview\n"  # and why
    assert popup.shown_time == bucket and popup.painted_time is None
