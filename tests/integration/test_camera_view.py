"""CameraView, the per-camera view-model, against the demo service over real HTTP.

The player is the scripted FakeBackend (tests/helpers/fake_backend.py): what is checked here is
what the view-model loads, on which threads, and what it tells the user; the real-libvlc
playback through the same view-model is tested in test_archive_view.py and test_live_view.py.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtGui import QImage

from faceter_viewer.app import WORKERS
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.message_bar import MessageBar
from tests.helpers.demo_fixtures import recent_archive_time
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.sessions import session  # noqa: F401 (fixture)

SERVER_ROOM = 4  # the demo camera without an archive grant (demo/dataset.py)


def settle(qtbot, views: list[CameraView]) -> None:
    qtbot.waitUntil(lambda: all(v.timeline_data.idle for v in views), timeout=30000)


DEMO_THREADS = ("AnyIO worker thread", "demo-server")  # the in-process demo service's, serving us
SESSION_THREADS = ("archive-proxy",)  # one per session, whatever the number of views


def worker_threads() -> int:
    """The app's threads besides the main thread (the demo service's grow with our requests)."""
    return sum(1 for t in threading.enumerate() if t is not threading.main_thread() and t.name not in DEMO_THREADS + SESSION_THREADS)


def test_the_thread_count_does_not_grow_with_the_number_of_views(qtbot, session, demo_client, demo_service):
    cameras = [c for c in demo_client.list_cameras() if c.has_archive_access and c.is_online]
    t = recent_archive_time(demo_service) - 300.0
    before = worker_threads()

    def open_views(n: int) -> list[CameraView]:
        views = [CameraView(session, FakeBackend()) for _ in range(n)]
        for i, view in enumerate(views):
            view.set_camera(cameras[i % len(cameras)])
            view.timeline_data.request_range(t - 3600, t + 600)
            view.play_archive(t)  # a playlist fetch on the pool
            view.request_thumbnail(t)  # and a preview
        qtbot.waitUntil(lambda: all(v.backend.opened and v.playback.mode is Mode.ARCHIVE for v in views), timeout=30000)
        settle(qtbot, views)
        return views

    one = open_views(1)
    with_one = worker_threads() - before
    sixteen = open_views(16)
    with_sixteen = worker_threads() - before
    print(f"app threads besides the main thread: 1 view {with_one}, 16 views {with_sixteen}")
    for view in one + sixteen:
        view.close()
    # Every view's work ran on the session's pool: no view added a thread of its own.
    assert with_sixteen <= WORKERS, f"{with_sixteen} threads for 16 views (pool of {WORKERS})"
    assert all(v.backend.opened[-1].url.endswith("index.m3u8") or "m3u8" in v.backend.opened[-1].url for v in sixteen)


def test_a_camera_without_archive_access_says_so_in_place_not_in_banners(qtbot, session, demo_client):
    cameras = demo_client.list_cameras()
    no_archive = cameras[SERVER_ROOM]
    assert not no_archive.has_archive_access
    other = next(c for c in cameras if c.is_online and c.has_archive_access)
    view = CameraView(session, FakeBackend())
    statuses = []
    view.status_changed.connect(statuses.append)
    for camera in (no_archive, other, no_archive):  # selecting it again must not bring banners back
        view.set_camera(camera)
        view.timeline_data.request_range(time.time() - 3 * 3600, time.time())
        settle(qtbot, [view])
    assert view.status.camera is not None and view.status.camera.id == no_archive.id
    assert "no archive access" in view.status.badges
    assert view.status.timeline_note.startswith("No archive access")
    assert [m.text for m in session.posted] == [], "a standing state is not a banner"
    assert view.playback.mode is Mode.LIVE  # it still plays live

    view.play_archive(1.0)  # the user asks for the archive anyway: told once, why
    assert len(session.posted) == 1 and "no archive access" in session.posted[0].text
    view.close()


def test_switching_camera_retargets_everything(qtbot, session, demo_client):
    first, second = [c for c in demo_client.list_cameras() if c.is_online and c.has_archive_access][:2]
    view = CameraView(session, FakeBackend())
    changed = []
    view.camera_changed.connect(changed.append)
    view.set_camera(first)
    view.set_camera(first.model_copy())  # a fresher copy from a list refresh: nothing restarts
    view.set_camera(second)
    assert [c.id for c in changed] == [first.id, second.id]
    assert view.timeline_data.camera.id == second.id
    assert view.playback.camera.id == second.id
    assert view.backend.last_opened.url == second.live_hls_url
    assert len(view.backend.opened) == 2  # live of the first, then of the second
    view.close()


def test_what_is_said_about_a_camera_goes_when_the_user_leaves_it(qtbot, session, demo_client):
    cameras = demo_client.list_cameras()
    no_archive = cameras[SERVER_ROOM]
    other = next(c for c in cameras if c.is_online and c.has_archive_access)
    bar = MessageBar(info_timeout_ms=0)
    qtbot.addWidget(bar)
    bar.listen(session.messages)
    view = CameraView(session, FakeBackend())
    view.set_camera(no_archive)
    view.play_archive(time.time() - 600)  # refused at once: this key has no archive for it
    view.play_archive(time.time() - 300)
    refused = [m for m in session.posted if "no archive access" in m.text]
    assert refused and all(m.scope == no_archive.id for m in refused)
    assert [row.repeats for row in bar.rows()] == [2]  # "(×2)", as in the issue
    session.messages.error("Could not load the cameras: the Faceter service cannot be reached.")  # no scope
    view.set_camera(no_archive.model_copy())  # a fresher copy of the same camera: it stays said
    assert len(bar.messages()) == 2
    view.set_camera(other)
    assert [text for _, text in bar.messages()] == ["Could not load the cameras: the Faceter service cannot be reached."]
    view.play_archive(time.time() + 3600)  # in the future: said about `other`...
    assert session.posted[-1].scope == other.id
    view.set_camera(no_archive)  # ...and gone when the user leaves it
    assert len(bar.messages()) == 1
    view.close()


def test_a_snapshot_that_cannot_be_written_says_why_in_plain_words(qtbot, session, demo_client, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the snapshot folder should be")
    view = CameraView(session, FakeBackend(), snapshot_dir=blocker / "snapshots")
    view.set_camera(next(c for c in demo_client.list_cameras() if c.is_online))
    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(0)
    view.save_snapshot(fallback=image)
    qtbot.waitUntil(lambda: any(m.text.startswith("Could not save the snapshot") for m in session.posted), timeout=10000)
    message = next(m for m in session.posted if m.text.startswith("Could not save the snapshot"))
    assert "Errno" not in message.text and "Error" not in message.text
    assert str(blocker) in message.text  # which folder
    assert message.details and "Errno" in message.details  # the technical text, for the details
    assert message.scope is None  # about a file, not the camera: it stays when the user moves on
    view.close()
