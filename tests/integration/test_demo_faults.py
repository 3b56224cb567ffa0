"""Every fault of the demo service, provoked and observed through the real client."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from faceter_viewer.api import IntegrationClient, errors
from faceter_viewer.api.models import VideoExportRequest
from faceter_viewer.api.retry import RetryPolicy
from faceter_viewer.demo.faults import FaultSpecError
from tests.helpers.demo_fixtures import decode_video_frame, recent_archive_time

pytestmark = pytest.mark.usefixtures("demo_faults")


def _count(service, path_end: str) -> int:
    return sum(n for path, n in service.state.request_counts.items() if path.endswith(path_end))


def test_latency_delays_the_answer(demo_service, demo_faults, demo_client):
    demo_client.list_cameras()  # warm connection
    began = time.perf_counter()
    demo_client.list_cameras()
    plain = time.perf_counter() - began
    demo_faults.add_spec("latency=/v1/cameras:300ms")
    began = time.perf_counter()
    demo_client.list_cameras()
    assert time.perf_counter() - began >= 0.3 > plain


def test_error_rate_one_fails_after_three_attempts(demo_service, demo_faults, fast_retry_client):
    camera_id = demo_service.cameras[0].id
    demo_faults.add_spec("error_rate=/v1/cameras/*:1")
    before = _count(demo_service, f"/v1/cameras/{camera_id}")
    with pytest.raises(errors.ServerError) as caught:
        fast_retry_client.get_camera(camera_id)
    assert caught.value.status == 500 and "Injected fault" in caught.value.message
    assert _count(demo_service, f"/v1/cameras/{camera_id}") - before == 3
    fast_retry_client.list_cameras()  # the pattern is per camera, not the list


def test_error_rate_is_repeatable_for_the_same_seed(demo_service, demo_faults):
    no_retry = RetryPolicy(max_retries=0)

    def outcomes() -> list[bool]:
        results = []
        with IntegrationClient(demo_service.integration_key, demo_service.base_url, retry=no_retry) as client:
            for _ in range(16):
                try:
                    client.list_cameras()
                    results.append(True)
                except errors.ServerError:
                    results.append(False)
        return results

    with demo_faults.injected("error_rate=/v1/cameras:0.5"):
        first = outcomes()
    with demo_faults.injected("error_rate=/v1/cameras:0.5"):
        second = outcomes()
    assert first == second
    assert 0 < first.count(False) < 16


def test_status429_with_retry_after_is_retried_then_succeeds(demo_service, demo_faults, demo_client):
    camera_id = demo_service.cameras[0].id
    demo_faults.add_spec("status429=/v1/cameras/*/events:2:0.2")
    before = _count(demo_service, "/events")
    began = time.perf_counter()
    page = demo_client.list_events(camera_id, limit=3)
    assert len(page.items) == 3
    assert _count(demo_service, "/events") - before == 3
    assert time.perf_counter() - began >= 0.4, "Retry-After 0.2 s honoured twice"
    assert demo_faults.fired["status429"] == 2


def test_status429_beyond_the_retries_is_rate_limited(demo_service, demo_faults, fast_retry_client):
    demo_faults.add_spec("status429=/v1/cameras:*:0")
    with pytest.raises(errors.RateLimitedError) as caught:
        fast_retry_client.list_cameras()
    assert caught.value.status == 429 and caught.value.retry_after == 0
    demo_faults.clear()
    demo_faults.add_spec("status429=/v1/cameras:1:120")
    began = time.perf_counter()
    with pytest.raises(errors.RateLimitedError, match="120 s"):
        fast_retry_client.list_cameras()  # more than the 60 s cap: fails at once, no waiting
    assert time.perf_counter() - began < 2


def test_malformed_json_is_an_invalid_response(demo_faults, demo_client):
    demo_faults.add_spec("malformed=/v1/cameras:1")
    with pytest.raises(errors.InvalidResponseError):
        demo_client.list_cameras()
    assert len(demo_client.list_cameras()) == 12, "spent after one request"


def test_drop_mid_body_on_a_clip_is_resumed(demo_service, demo_faults, fast_retry_client, tmp_path):
    camera_id = demo_service.cameras[0].id
    start = datetime.fromtimestamp(recent_archive_time(demo_service), UTC)
    reference = fast_retry_client.download_clip(camera_id, start, 4, tmp_path / "reference.mp4")
    demo_faults.add_spec("drop=/archive/clip:1:0.4")
    before = _count(demo_service, "/archive/clip")
    resumed = fast_retry_client.download_clip(camera_id, start, 4, tmp_path / "resumed.mp4")
    assert demo_faults.fired["drop"] == 1
    assert _count(demo_service, "/archive/clip") - before == 2
    assert resumed.read_bytes() == reference.read_bytes()
    decode_video_frame(resumed)


def test_truncated_body_of_an_export_file_is_resumed(demo_service, demo_faults, fast_retry_client, tmp_path):
    camera_id = demo_service.cameras[0].id
    start = datetime.fromtimestamp(recent_archive_time(demo_service), UTC)
    task = fast_retry_client.create_video_export(camera_id, VideoExportRequest(start_date=start, duration_seconds=2))
    deadline = time.monotonic() + 60
    while not (export := fast_retry_client.get_video_export(camera_id, task.export_id)).is_finished:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    reference = fast_retry_client.download_file(export.video_url, tmp_path / "reference.mp4")
    demo_faults.add_spec("truncate=/demo-files/**:1:0.3")
    resumed = fast_retry_client.download_file(export.video_url, tmp_path / "resumed.mp4")
    assert demo_faults.fired["truncate"] == 1
    assert resumed.read_bytes() == reference.read_bytes()


def test_drop_on_a_json_call_is_retried(demo_faults, fast_retry_client):
    demo_faults.add_spec("drop=/v1/cameras:1")
    assert len(fast_retry_client.list_cameras()) == 12
    assert demo_faults.fired["drop"] == 1


def test_dropped_every_time_is_a_network_error(demo_faults, fast_retry_client):
    demo_faults.add_spec("truncate=/v1/cameras")
    with pytest.raises(errors.NetworkError, match="closed mid-answer"):
        fast_retry_client.list_cameras()
    assert demo_faults.fired["truncate"] == 3


def test_faults_from_the_constructor_spec(make_demo_service):
    service = make_demo_service(faults="malformed=/v1/cameras:1;latency=/v1/integration-key/*:100ms")
    with IntegrationClient(service.integration_key, service.base_url) as client:
        with pytest.raises(errors.InvalidResponseError):
            client.list_cameras()
        began = time.perf_counter()
        assert client.validate_key()
        assert time.perf_counter() - began >= 0.1
    with pytest.raises(FaultSpecError, match="unknown fault kind"):
        make_demo_service(faults="explode=/v1/cameras")
