"""The Faceter service gone and back (issue 9 item 3), for what is not archive playback (that is
in test_archive_resilience.py): the camera list and live video. The demo service closes its
port (`stop_serving`) and opens the same port again with the same state (`start`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from faceter_viewer.api import errors
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.demo.media.timecode import TimecodeError, decode_timecode
from faceter_viewer.player.vlc_backend import VlcBackend
from faceter_viewer.player.vlc_runtime import wait_for_releases
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from tests.helpers.demo_fixtures import FAST_RETRY
from tests.helpers.frames import qimage_to_array


@pytest.fixture
def outage(make_demo_service) -> Iterator[tuple]:
    """(service, session) on a demo service of the test's own, so it can be stopped."""
    service = make_demo_service()
    client = IntegrationClient(service.integration_key, service.base_url, retry=FAST_RETRY)
    runner = TaskRunner(max_workers=4)
    session = Session(client, runner)
    session.posted = []  # type: ignore[attr-defined]
    session.messages.posted.connect(lambda m: session.posted.append(m.text))
    yield service, session
    session.close()
    runner.shutdown()
    assert wait_for_releases(10.0)


def test_the_camera_list_loads_by_itself_when_the_service_is_back(qtbot, outage):
    service, session = outage
    failures, loaded = [], []
    session.cameras_failed.connect(failures.append)
    session.cameras_loaded.connect(loaded.append)
    service.stop_serving()
    session.refresh_cameras()
    qtbot.waitUntil(lambda: bool(failures), timeout=10000)
    assert isinstance(failures[0], errors.NetworkError) and not session.connectivity.online
    service.start()
    qtbot.waitUntil(lambda: bool(loaded), timeout=10000)  # no Refresh pressed
    assert [c.id for c in loaded[0]] == [c.id for c in service.cameras]
    assert session.posted and all(t.startswith("Faceter service unreachable") for t in session.posted)


@pytest.mark.slow
def test_live_says_one_thing_while_the_service_is_gone_and_plays_again_when_back(qtbot, outage):
    service, session = outage
    backend = VlcBackend()
    view = CameraView(session, backend)
    shown: list[tuple[float, float]] = []  # (monotonic, decoded)

    def on_frame(image) -> None:
        try:
            shown.append((time.monotonic(), decode_timecode(qimage_to_array(image)).timestamp()))
        except TimecodeError:
            pass

    backend.frame_ready.connect(on_frame)
    try:
        camera = next(c for c in session.client.list_cameras() if c.is_online)
        view.set_camera(camera)
        qtbot.waitUntil(lambda: len(shown) > 10, timeout=30000)
        service.stop_serving()
        qtbot.waitUntil(lambda: not session.connectivity.online, timeout=20000)
        qtbot.wait(8000)
        service.start()
        back = time.monotonic()
        qtbot.waitUntil(lambda: shown[-1][0] > back + 1.0, timeout=30000)
        first_after = next(m for m, _ in shown if m > back)
        resumed = first_after - back
        qtbot.waitUntil(lambda: session.connectivity.online, timeout=5000)
    finally:
        view.close()
    print(f"live moving again {resumed:.2f} s after the service came back")
    assert resumed < 15.0
    assert shown[-1][1] > time.time() - 15.0  # live again, not the picture from before the outage
    # One message while it was gone: nothing raw, nothing about the archive or a failed request.
    assert session.posted and all(t.startswith("Faceter service unreachable") for t in session.posted), session.posted


def test_the_picture_says_it_waits_for_the_service_not_a_stream_error(qtbot, outage):
    from faceter_viewer.ui.player_panel import WAITING_FOR_SERVICE, PlayerPanel
    from tests.helpers.fake_backend import FakeBackend

    service, session = outage
    backend = FakeBackend()
    panel = PlayerPanel(CameraView(session, backend))
    qtbot.addWidget(panel)
    try:
        panel.show_camera(next(c for c in session.client.list_cameras() if c.is_online))
        backend.show_first_frame()
        service.stop_serving()
        backend.fail("The video stream could not be played (from 127.0.0.1). Check the connection and retry.")
        qtbot.waitUntil(lambda: panel.video.message_text() == WAITING_FOR_SERVICE, timeout=10000)
        assert not panel.video.retry_button().isVisibleTo(panel.video)  # the banner has "Retry now"
        backend.fail("The video stream could not be played again.")  # a re-open that failed too
        assert panel.video.message_text() == WAITING_FOR_SERVICE
        service.start()
        qtbot.waitUntil(lambda: session.connectivity.online, timeout=10000)
        assert panel.video.message_text() is None
    finally:
        panel.shutdown()
