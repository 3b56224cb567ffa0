"""PlaybackController: what it asks the player to open, and what it does when the player reports
the end of a window, a failure or nothing at all — against the real demo service over HTTP
(real timeline, playlists, the session's real archive proxy), with a scripted player
(tests/helpers/fake_backend.py) standing in for libvlc so that "the stream failed at 4 s" happens
exactly when the test says; where the player would fetch segments, httpx fetches them from the proxy.

A refresh of the archive token is GET /v1/cameras/{id}; the tests count those requests with a
zero-latency demo fault on that path (the fault counts every request it matches).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import Camera
from faceter_viewer.demo.faults import FaultSet
from faceter_viewer.demo.service import DemoService
from faceter_viewer.player.backend import PlayerState
from faceter_viewer.services.playback import RESUME_LIMIT, Mode, PlaybackController
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from tests.helpers.demo_fixtures import find_gap, recent_archive_time
from tests.helpers.fake_backend import FakeBackend

SIGNAL_TIMEOUT = 10_000  # ms; the demo answers in milliseconds, the machine may be busy
CAMERA_REFRESH = "/v1/cameras/*"  # GET /v1/cameras/{id}: a fresh archive token (§18)


@pytest.fixture
def runner() -> Iterator[TaskRunner]:
    runner = TaskRunner(max_workers=2)
    yield runner
    runner.shutdown()


@pytest.fixture
def backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture
def controller(demo_client: IntegrationClient, runner: TaskRunner, backend: FakeBackend) -> Iterator[PlaybackController]:
    session = Session(demo_client, runner)
    controller = PlaybackController(session, backend)
    controller.events = []
    controller.gap_skipped.connect(lambda a, b: controller.events.append(("gap_skipped", a, b)))
    controller.no_archive.connect(lambda t: controller.events.append(("no_archive", t)))
    controller.failed.connect(lambda text, _details: controller.events.append(("failed", text)))
    controller.refused.connect(lambda text: controller.events.append(("refused", text)))
    yield controller
    controller.stop()
    session.close()  # its archive proxy


@pytest.fixture
def refreshes(demo_faults: FaultSet):
    """How many token refreshes reached the demo service so far."""
    demo_faults.add("latency", CAMERA_REFRESH, delay=0.0)
    return lambda: demo_faults.fired["latency"]


def camera_at(client: IntegrationClient, service: DemoService, index: int) -> Camera:
    wanted = service.cameras[index].id
    return next(c for c in client.list_cameras() if c.id == wanted)


def archive_camera(client: IntegrationClient, service: DemoService) -> Camera:
    return camera_at(client, service, 0)


def start_archive(qtbot, controller: PlaybackController, camera: Camera, t: float) -> float:
    """Play the archive at t and wait until the player was opened; returns archive_started's time."""
    controller.set_camera(camera)
    with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT) as started:
        controller.play_archive(t)
    return started.args[0]


def fetch_segments(controller: PlaybackController, indexes=None) -> list[int]:
    """Play the player's part: fetch the stream's segments from the proxy; their statuses."""
    stream = controller.stream
    indexes = range(len(stream.segments)) if indexes is None else indexes
    return [httpx.get(stream.url.replace("index.m3u8", f"{i}.ts"), timeout=10).status_code for i in indexes]


def playing(backend: FakeBackend, controller: PlaybackController) -> None:
    """The player shows the first frame of the window it was given (its duration known)."""
    window = controller.window
    assert window is not None
    backend.show_first_frame(duration=window.end - window.time_at(0.0))


# --- live ---------------------------------------------------------------------------------------


def test_live_opens_the_live_url(qtbot, controller, backend, demo_client, demo_service):
    camera = archive_camera(demo_client, demo_service)
    controller.set_camera(camera)
    with qtbot.waitSignal(controller.mode_changed) as changed:
        controller.play_live(camera.live_hls_url)
    assert changed.args == [Mode.LIVE]
    assert backend.last_opened.url == camera.live_hls_url
    assert backend.last_opened.start_offset == 0.0
    assert controller.current_time() is None  # live has no archive moment
    # the URL is the demo's real live playlist
    assert httpx.get(camera.live_hls_url, timeout=10).text.startswith("#EXTM3U")


def test_live_requested_while_the_archive_is_prepared_wins(qtbot, controller, backend, demo_client, demo_service):
    camera = archive_camera(demo_client, demo_service)
    controller.set_camera(camera)
    controller.play_archive(recent_archive_time(demo_service))
    controller.play_live(camera.live_hls_url)
    with qtbot.assertNotEmitted(controller.archive_started, wait=1000):
        pass
    assert [o.url for o in backend.opened] == [camera.live_hls_url]
    assert controller.mode is Mode.LIVE


# --- archive at a moment ------------------------------------------------------------------------


def test_archive_at_t_opens_the_signed_playlist_at_the_right_offset(qtbot, controller, backend, demo_client, demo_service):
    camera = archive_camera(demo_client, demo_service)
    t = recent_archive_time(demo_service) + 3.3
    started_at = start_archive(qtbot, controller, camera, t)

    assert started_at == t and controller.mode is Mode.ARCHIVE
    opened = backend.last_opened
    # The player opens the session's proxy (no signature in its hands), which serves the window.
    assert opened.url == controller.stream.url and opened.url.startswith("http://127.0.0.1:")
    assert "signature" not in opened.url
    window = controller.window
    assert window.start == t and window.end > t
    playlist = httpx.get(opened.url, timeout=10)
    assert playlist.status_code == 200 and playlist.text.startswith("#EXTM3U")
    assert "signature" not in playlist.text
    # The playlist starts on a segment boundary before t: the player starts that far into it.
    assert window.time_at(0.0) == controller.stream.segments[0].start <= t
    assert opened.start_offset == pytest.approx(t - window.time_at(0.0), abs=0.001)
    assert opened.start_offset < 10.0
    assert fetch_segments(controller, [0]) == [200]

    # What is on screen maps back to wall time through the window.
    playing(backend, controller)
    backend.report_position(opened.start_offset + 2.0)
    assert controller.current_time() == pytest.approx(t + 2.0, abs=0.001)


def test_end_of_the_window_moves_on_to_the_next_recording(qtbot, controller, backend, demo_client, demo_service):
    gap_start, gap_end = find_gap(demo_service, 0, min_seconds=30)
    camera = archive_camera(demo_client, demo_service)
    start_archive(qtbot, controller, camera, gap_start - 20.0)
    assert controller.window.end == pytest.approx(gap_start, abs=0.001)  # one recording at a time
    playing(backend, controller)
    assert set(fetch_segments(controller)) == {200}  # the player got to the last segment

    with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT) as started:
        backend.end()
    assert controller.events == [("gap_skipped", gap_start, gap_end)]
    assert started.args == [gap_end]
    assert len(backend.opened) == 2
    assert controller.window.start == pytest.approx(gap_end, abs=0.001)


def test_archive_asked_paused_opens_the_player_paused(qtbot, controller, backend, demo_client, demo_service):
    camera = archive_camera(demo_client, demo_service)
    controller.set_camera(camera)
    with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT):
        controller.play_archive(recent_archive_time(demo_service) + 1.0, paused=True)
    assert backend.last_opened.paused
    playing(backend, controller)
    assert backend.state() is PlayerState.PAUSED  # landed, standing on its frame


def test_held_after_gaps_the_next_recording_opens_paused(qtbot, controller, backend, demo_client, demo_service):
    # Synchronized tiles: the layout starts the next recording when its time gets there.
    gap_start, gap_end = find_gap(demo_service, 0, min_seconds=30)
    controller.hold_after_gaps = True
    start_archive(qtbot, controller, archive_camera(demo_client, demo_service), gap_start - 20.0)
    assert not backend.last_opened.paused  # inside a recording: plays at once
    playing(backend, controller)
    fetch_segments(controller)
    with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT) as started:
        backend.end()
    assert started.args == [gap_end] and backend.last_opened.paused
    with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT) as started:
        controller.play_archive(gap_start + 5.0)  # a moment in the gap, asked for directly
    assert controller.events[-1] == ("gap_skipped", gap_start + 5.0, gap_end) and backend.last_opened.paused


def test_ended_before_the_last_segment_is_not_the_end_of_the_window(qtbot, controller, backend, demo_client, demo_service):
    """libvlc reports ENDED with the stream's length as the position when it gives up on a
    segment: that once read as "the window's end" and playback jumped half an hour ahead."""
    camera = archive_camera(demo_client, demo_service)
    t = recent_archive_time(demo_service)
    start_archive(qtbot, controller, camera, t)
    playing(backend, controller)
    backend.report_position(backend.last_opened.start_offset + 3.0)
    with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT) as resumed:
        backend.end()  # at the duration, as libvlc says
    assert resumed.args[0] == pytest.approx(t + 3.0, abs=0.001)
    assert controller.events == []


def test_a_moment_without_archive_says_so_and_opens_nothing(qtbot, controller, backend, demo_client, demo_service):
    camera = archive_camera(demo_client, demo_service)
    before_the_archive = time.time() - (camera.archive_days + 3) * 86400
    controller.set_camera(camera)
    with qtbot.waitSignal(controller.no_archive, timeout=SIGNAL_TIMEOUT) as nothing:
        controller.play_archive(before_the_archive)
    assert nothing.args == [before_the_archive]
    assert backend.opened == [] and controller.window is None


def test_a_camera_without_archive_access_fails_at_once(controller, backend, demo_client, demo_service):
    camera = next(c for c in demo_client.list_cameras() if not c.has_archive_access)
    controller.set_camera(camera)
    controller.play_archive(recent_archive_time(demo_service))
    assert controller.events == [("refused", f"This key has no archive access for “{camera.title}”.")]
    assert backend.opened == []


def test_a_failing_archive_api_is_reported(qtbot, controller, backend, demo_client, demo_service, demo_faults):
    camera = archive_camera(demo_client, demo_service)
    controller.set_camera(camera)
    demo_faults.add("error_rate", "/archive-api/**", probability=1.0, status=400)
    with qtbot.waitSignal(controller.failed, timeout=SIGNAL_TIMEOUT) as failed:
        controller.play_archive(recent_archive_time(demo_service))
    assert failed.args[0].startswith(f"Could not load the archive of {camera.title} from ")
    assert "GET" not in failed.args[0] and "/archive-api" not in failed.args[0]
    assert backend.opened == []


def test_a_timeline_that_fails_after_retries_is_not_no_archive(qtbot, controller, backend, demo_client, demo_service, demo_faults):
    camera = archive_camera(demo_client, demo_service)
    controller.set_camera(camera)
    demo_faults.add("error_rate", "/archive-api/**/timeline", probability=1.0, status=503)
    with qtbot.waitSignal(controller.failed, timeout=SIGNAL_TIMEOUT):
        controller.play_archive(recent_archive_time(demo_service))
    assert demo_faults.fired["error_rate"] == 3  # retried (§13)
    assert not any(e[0] == "no_archive" for e in controller.events)
    assert backend.opened == [] and controller.mode is Mode.ARCHIVE


def test_a_span_that_cannot_be_loaded_is_reported_and_retry_plays_it(
    qtbot, controller, backend, demo_client, demo_service, demo_faults
):
    camera = archive_camera(demo_client, demo_service)
    t = recent_archive_time(demo_service)
    start_archive(qtbot, controller, camera, t)
    playing(backend, controller)
    messages = []
    controller.session.messages.posted.connect(messages.append)
    missing = int(controller.stream.segments[2].start)
    rule = demo_faults.add("error_rate", f"/segments/{missing}.ts", probability=1.0)
    assert fetch_segments(controller, [0, 1]) == [200, 200]
    with qtbot.waitSignal(controller.span_unavailable, timeout=SIGNAL_TIMEOUT) as lost:
        threading.Thread(target=fetch_segments, args=(controller, [2]), daemon=True).start()  # held
    assert lost.args == [missing, missing + 2.0]
    (message,) = messages
    assert message.text == f"Could not load {time.strftime('%H:%M:%S', time.localtime(missing))}–" \
        f"{time.strftime('%H:%M:%S', time.localtime(missing + 2))} of {camera.title}."
    assert message.action_text == "Retry"
    with qtbot.assertNotEmitted(controller.archive_started, wait=300):
        backend.end()  # the player ran dry before the gap: it stays there, no jump, no resume
    assert len(backend.opened) == 1

    demo_faults.remove(rule)
    with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT) as retried:
        message.on_action()
    assert retried.args == [missing]
    assert fetch_segments(controller, [0]) == [200]


# --- failures: resume with a fresh token ------------------------------------------------------


@pytest.mark.parametrize("how", ["error", "ended early"])
def test_a_failure_resumes_at_the_moment_on_screen_with_a_fresh_token(
    qtbot, controller, backend, demo_client, demo_service, refreshes, how
):
    camera = archive_camera(demo_client, demo_service)
    t = recent_archive_time(demo_service)
    start_archive(qtbot, controller, camera, t)
    playing(backend, controller)
    first = backend.last_opened
    backend.report_position(first.start_offset + 4.0)  # nobody polls current_time() here
    assert refreshes() == 0

    with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT) as resumed:
        if how == "error":
            backend.fail("segment refused")
        else:
            backend.end(at=first.start_offset + 4.0)
    assert resumed.args[0] == pytest.approx(t + 4.0, abs=0.001)
    assert refreshes() == 0  # the proxy signs each request: a resume needs no new token
    assert len(backend.opened) == 2
    assert controller.window.start == pytest.approx(t + 4.0, abs=0.001)
    assert controller.events == []


def test_resumes_stop_after_the_limit(qtbot, controller, backend, demo_client, demo_service):
    camera = archive_camera(demo_client, demo_service)
    start_archive(qtbot, controller, camera, recent_archive_time(demo_service))
    for _ in range(RESUME_LIMIT):
        with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT):
            backend.fail()  # no frame ever shows
    with qtbot.waitSignal(controller.failed, timeout=SIGNAL_TIMEOUT) as failed:
        backend.fail("the stream failed again")
    assert failed.args == ["Archive playback stopped: the stream failed again", ""]
    assert len(backend.opened) == 1 + RESUME_LIMIT
    # The user clicks again: a new request, whose failures are resumed again from zero.
    start_archive(qtbot, controller, camera, recent_archive_time(demo_service))
    with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT):
        backend.fail()
    assert len(backend.opened) == 3 + RESUME_LIMIT


def test_a_frame_in_between_starts_the_count_again(qtbot, controller, backend, demo_client, demo_service):
    camera = archive_camera(demo_client, demo_service)
    start_archive(qtbot, controller, camera, recent_archive_time(demo_service))
    for _ in range(RESUME_LIMIT + 2):
        playing(backend, controller)
        with qtbot.waitSignal(controller.archive_started, timeout=SIGNAL_TIMEOUT):
            backend.fail()
    assert len(backend.opened) == RESUME_LIMIT + 3
    assert controller.events == []


def test_a_slow_resume_does_not_play_the_old_moment_on_the_camera_switched_to(
    qtbot, controller, backend, demo_client, demo_service, demo_faults
):
    first = archive_camera(demo_client, demo_service)
    second = next(c for c in demo_client.list_cameras() if c.id != first.id and c.has_archive_access and c.is_online)
    t = recent_archive_time(demo_service)
    start_archive(qtbot, controller, first, t)
    playing(backend, controller)

    demo_faults.add("latency", "/archive-api/**/timeline", delay=1.0)
    backend.fail("segment refused")  # the resume's timeline is in flight for a second
    controller.set_camera(second)  # ... and the user picks another camera meanwhile
    controller.play_live(second.live_hls_url)

    qtbot.waitUntil(lambda: demo_faults.fired["latency"] == 1, timeout=SIGNAL_TIMEOUT)
    with qtbot.assertNotEmitted(controller.archive_started, wait=1500):
        pass
    assert [o.url for o in backend.opened][1:] == [second.live_hls_url]
    assert controller.mode is Mode.LIVE and controller.camera is second
    assert controller.events == [] and controller.stream is None


def test_a_future_moment_is_refused_without_a_request(qtbot, controller, backend, demo_client, demo_service):
    controller.set_camera(archive_camera(demo_client, demo_service))
    controller.play_live("http://127.0.0.1:9/live.m3u8")
    asked = len(demo_service.state.requests)
    controller.play_archive(time.time() + 420)
    assert controller.mode is Mode.LIVE  # not "ARCHIVE" over live video
    assert [kind for kind, *_ in controller.events] == ["refused"] and "in the future" in controller.events[0][1]
    qtbot.wait(200)
    assert len(demo_service.state.requests) == asked  # no timeline or playlist request
    assert [c[0] for c in backend.calls] == ["open"]
