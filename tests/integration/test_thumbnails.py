"""ThumbnailService against the demo service over real HTTP: the picture decodes to the asked time,
the newest request wins, no request storms, at most two in flight, gaps, cache and its byte bound."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtGui import QImage

from faceter_viewer.api.models import Camera
from faceter_viewer.demo.media.timecode import decode_epoch_ms
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from faceter_viewer.services.thumbnails import ThumbnailService, image_time
from tests.helpers.demo_fixtures import find_gap, recent_archive_time

FRAME_MS = 40


@pytest.fixture
def session(demo_client) -> Iterator[Session]:
    runner = TaskRunner(max_workers=2)
    yield Session(demo_client, runner)
    runner.shutdown()


@pytest.fixture
def make_service(qtbot, session) -> Iterator:
    services: list[ThumbnailService] = []

    def make(**options) -> ThumbnailService:
        service = ThumbnailService(session, **options)
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()


@pytest.fixture
def camera(demo_service, demo_client) -> Camera:
    return demo_client.get_camera(demo_service.cameras[0].id)


class Recorder:
    """Everything a ThumbnailService emitted, in order."""

    def __init__(self, service: ThumbnailService) -> None:
        self.ready: list[tuple[str, float, QImage]] = []
        self.missing: list[tuple[str, float]] = []
        self.failed: list[tuple[str, float, str]] = []
        service.thumbnail_ready.connect(lambda cid, t, image: self.ready.append((cid, t, image)))
        service.thumbnail_missing.connect(lambda cid, t: self.missing.append((cid, t)))
        service.thumbnail_failed.connect(lambda cid, t, message: self.failed.append((cid, t, message)))

    @property
    def ready_times(self) -> list[float]:
        return [t for _, t, _ in self.ready]


def preview_requests(demo_service) -> int:
    return sum(n for path, n in demo_service.state.request_counts.items() if path.endswith("/preview"))


def rgb_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    raw = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return raw[:, : width * 3].reshape(height, width, 3).copy()


def frame_floor_ms(t: float) -> int:
    return round(t * 1_000_000) // (FRAME_MS * 1000) * FRAME_MS


def settled(service: ThumbnailService) -> bool:
    return service.in_flight == 0 and not service.has_pending


def test_thumbnail_decodes_to_the_requested_time_floored_to_its_frame(qtbot, make_service, camera, demo_service):
    service = make_service()
    seen = Recorder(service)
    t = recent_archive_time(demo_service, 420) + 3.517  # mid-frame: the server floors to 3.480
    with qtbot.waitSignal(service.thumbnail_ready, timeout=15000):
        service.request(camera, t)
    camera_id, bucket_time, image = seen.ready[0]
    assert camera_id == camera.id and bucket_time == t
    assert image_time(image) == t
    assert (image.width(), image.height()) == (640, 360)
    assert decode_epoch_ms(rgb_array(image)) == frame_floor_ms(t)
    assert not seen.missing and not seen.failed


def test_a_cached_thumbnail_is_emitted_in_the_same_call_without_a_request(
    qtbot, make_service, camera, demo_service
):
    service = make_service()
    seen = Recorder(service)
    t = recent_archive_time(demo_service, 430) + 1.2
    with qtbot.waitSignal(service.thumbnail_ready, timeout=15000):
        service.request(camera, t)
    before = preview_requests(demo_service)
    service.request(camera, t)  # synchronous: emitted before request() returns
    assert seen.ready_times == [t, t]
    assert seen.ready[1][2] is not None and decode_epoch_ms(rgb_array(seen.ready[1][2])) == frame_floor_ms(t)
    assert preview_requests(demo_service) == before
    assert service.stats()["images"].hits == 1


def test_rapid_requests_emit_only_the_last_one_and_do_not_storm_the_server(
    qtbot, make_service, camera, demo_service
):
    service = make_service()
    seen = Recorder(service)
    base = recent_archive_time(demo_service, 500)
    times = [base + 0.2 * i for i in range(30)]  # 30 hovers in a row, each a new bucket
    before = preview_requests(demo_service)
    for t in times:
        service.request(camera, t)
        assert service.in_flight <= 2
    qtbot.waitUntil(lambda: seen.ready_times == [times[-1]] and settled(service), timeout=15000)
    # Drain anything queued on the event loop: a superseded result must never show up late.
    qtbot.waitUntil(lambda: settled(service))
    assert seen.ready_times == [times[-1]]
    assert decode_epoch_ms(rgb_array(seen.ready[0][2])) == frame_floor_ms(times[-1])
    assert preview_requests(demo_service) - before <= 3  # the 2 started at once, then the last
    assert service.requests_dropped >= 27
    # The superseded fetches that had started still filled the cache.
    assert service.cached_image(camera.id, times[0]) is not None


def test_at_most_two_fetches_in_flight_while_the_server_is_slow(
    qtbot, make_service, camera, demo_service, demo_faults
):
    latency = 0.4
    demo_faults.add("latency", "/preview", delay=latency)
    service = make_service()
    seen = Recorder(service)
    base = recent_archive_time(demo_service, 520)
    times = [base + 0.4 * i for i in range(30)]
    before = preview_requests(demo_service)
    started = time.monotonic()
    for t in times:
        service.request(camera, t)
        assert service.in_flight <= 2
    qtbot.waitUntil(lambda: preview_requests(demo_service) - before == 2, timeout=5000)
    assert service.in_flight == 2 and service.has_pending
    qtbot.waitUntil(lambda: bool(seen.ready), timeout=15000)
    elapsed = time.monotonic() - started
    qtbot.waitUntil(lambda: settled(service), timeout=5000)
    assert seen.ready_times == [times[-1]]
    assert preview_requests(demo_service) - before == 3
    # The last request could only start once one of the first two had come back.
    assert elapsed >= 2 * latency * 0.95


def test_a_gap_is_thumbnail_missing_and_is_remembered(qtbot, make_service, camera, demo_service):
    service = make_service()
    seen = Recorder(service)
    gap_start, gap_end = find_gap(demo_service, 0)
    t = (gap_start + gap_end) / 2
    with qtbot.waitSignal(service.thumbnail_missing, timeout=15000) as blocker:
        service.request(camera, t)
    assert blocker.args == [camera.id, t]
    assert not seen.ready and not seen.failed
    before = preview_requests(demo_service)
    service.request(camera, t)
    assert seen.missing == [(camera.id, t), (camera.id, t)]
    assert preview_requests(demo_service) == before


def test_a_camera_without_archive_access_fails_with_a_message(qtbot, make_service, demo_service, demo_client):
    service = make_service()
    seen = Recorder(service)
    no_grant = demo_client.get_camera(demo_service.cameras[4].id)
    service.request(no_grant, recent_archive_time(demo_service))
    assert seen.failed and "No archive access" in seen.failed[0][2]
    assert not seen.ready and service.in_flight == 0


def test_a_server_error_is_thumbnail_failed_not_missing(qtbot, make_service, camera, demo_service, demo_faults):
    demo_faults.add("error_rate", "/preview", probability=1.0, status=400)
    service = make_service()
    seen = Recorder(service)
    with qtbot.waitSignal(service.thumbnail_failed, timeout=15000):
        service.request(camera, recent_archive_time(demo_service, 540))
    assert not seen.missing and not seen.ready


def test_cancel_stops_the_current_request_from_being_shown(qtbot, make_service, camera, demo_service, demo_faults):
    demo_faults.add("latency", "/preview", delay=0.2)
    service = make_service()
    seen = Recorder(service)
    t = recent_archive_time(demo_service, 560) + 0.6
    service.request(camera, t)
    service.cancel()
    qtbot.waitUntil(lambda: settled(service), timeout=5000)
    assert not seen.ready
    assert service.cached_image(camera.id, t) is not None  # fetched all the same, for next time


def test_the_cache_is_bounded_in_bytes_and_evicts_the_oldest(qtbot, make_service, camera, demo_service):
    # Room for one decoded frame (640x360x4 = 921,600 B) and a couple of ~11 KB JPEGs.
    service = make_service(cache_bytes=2 * 921_600 + 1000)
    seen = Recorder(service)
    base = recent_archive_time(demo_service, 600)
    a, b = base + 0.44, base + 0.84
    for t in (a, b):
        with qtbot.waitSignal(service.thumbnail_ready, timeout=15000):
            service.request(camera, t)
    stats = service.stats()["images"]
    assert stats.items == 1 and stats.evictions == 1 and stats.total_bytes <= stats.max_bytes
    assert service.cached_image(camera.id, a) is None and service.cached_image(camera.id, b) is not None
    # a's JPEG is still cached: decoded again on a worker, no request to the server.
    before = preview_requests(demo_service)
    with qtbot.waitSignal(service.thumbnail_ready, timeout=15000):
        service.request(camera, a)
    assert preview_requests(demo_service) == before
    assert decode_epoch_ms(rgb_array(seen.ready[-1][2])) == frame_floor_ms(a)


def test_evicted_jpegs_are_fetched_again(qtbot, make_service, camera, demo_service):
    # Too small for any decoded frame, room for one JPEG: every other picture pushes the last out.
    service = make_service(cache_bytes=2 * 16_000)
    base = recent_archive_time(demo_service, 620)
    a, b = base + 0.12, base + 0.52
    for t in (a, b):
        with qtbot.waitSignal(service.thumbnail_ready, timeout=15000):
            service.request(camera, t)
    jpegs = service.stats()["jpegs"]
    assert jpegs.items == 1 and jpegs.evictions == 1 and jpegs.total_bytes <= 16_000
    before = preview_requests(demo_service)
    with qtbot.waitSignal(service.thumbnail_ready, timeout=15000):
        service.request(camera, a)
    assert preview_requests(demo_service) == before + 1
