"""Key validation, cameras and recordings of the demo service, through the real client."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from faceter_viewer.api import IntegrationClient, errors, rules
from faceter_viewer.api.models import CameraPlatform
from faceter_viewer.demo.service import DemoService


def test_validate_key_answers_true_for_the_demo_key_and_false_for_another(demo_service, demo_client):
    assert demo_client.validate_key() is True
    with IntegrationClient("not-the-key", demo_service.base_url) as wrong:
        assert wrong.validate_key() is False
    raw = httpx.post(demo_service.base_url + "/v1/integration-key/validate", headers={"X-Integration-Key": "x"})
    assert raw.status_code == 200 and raw.json() == {"isValid": False}


def test_a_wrong_or_missing_key_is_a_401_problem_everywhere_else(demo_service):
    with IntegrationClient("not-the-key", demo_service.base_url) as wrong, pytest.raises(errors.AuthenticationError):
        wrong.list_cameras()
    raw = httpx.get(demo_service.base_url + "/v1/cameras")
    assert raw.status_code == 401
    body = raw.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized" and "X-Integration-Key" in body["detail"]


def test_twelve_cameras_cover_the_edge_cases(demo_client):
    cameras = demo_client.list_cameras()
    assert len(cameras) == 12
    assert len({c.id for c in cameras}) == 12
    platforms = {c.platform for c in cameras}
    assert {CameraPlatform.EMBEDDED, CameraPlatform.THIRD_PARTY, CameraPlatform.MOBILE} <= platforms
    assert platforms - {p.value for p in CameraPlatform}, "one platform this app does not know"
    offline = [c for c in cameras if not c.is_online]
    assert len(offline) == 1 and offline[0].last_online_date < datetime.now(UTC) - timedelta(hours=20)
    assert [c.title for c in cameras if not c.is_archive_granted] == ["Server Room"]
    no_archive = next(c for c in cameras if not c.is_archive_granted)
    assert no_archive.archive_api_token is None and not no_archive.has_archive_access
    assert any(not c.is_audio_granted for c in cameras)
    assert any(c.location is None for c in cameras)
    assert any(c.location is not None and c.location.room is None for c in cameras)
    shared = [c for c in cameras if c.temp_access_expiry_date is not None]
    assert shared and not shared[0].is_owner and shared[0].temp_access_expiry_date > datetime.now(UTC)
    for camera in cameras:
        assert camera.live_hls_url and camera.live_rtsp_url.startswith("rtsp://127.0.0.1:1/")
        assert camera.preview_url and camera.archive_days >= 1


def test_both_archive_url_forms_are_used(demo_client):
    granted = [c for c in demo_client.list_cameras() if c.is_archive_granted]
    bare = [c for c in granted if c.archive_api_url.endswith("/archive-api")]
    with_id = [c for c in granted if "/archives/" in c.archive_api_url]
    assert bare and with_id
    for camera in with_id:
        archive_id = camera.archive_api_url.rsplit("/", 1)[1]
        assert archive_id != camera.id
        assert rules.archive_method_url(camera.archive_api_url, camera.id, "timeline").endswith(
            f"/archives/{archive_id}/timeline"
        )


def test_get_camera_matches_the_list_and_issues_a_fresh_token(demo_service, demo_client):
    listed = demo_client.list_cameras()[1]
    before = time.time()
    camera = demo_client.get_camera(listed.id)
    assert camera.title == listed.title and camera.location == listed.location
    token = camera.archive_api_token
    ttl = demo_service.state.signer.ttl
    assert before + ttl <= token.exp <= time.time() + ttl + 1
    assert len(token.signature) == 64  # hex HMAC-SHA256


def test_unknown_camera_is_404(demo_client):
    with pytest.raises(errors.NotFoundError):
        demo_client.get_camera("00000000-0000-4000-8000-000000000000")
    with pytest.raises(errors.NotFoundError):
        demo_client.list_recordings("no-such-camera")


def test_recordings_are_sorted_intervals_on_the_segment_grid_ending_now(demo_service, demo_client):
    cameras = demo_client.list_cameras()
    recordings = demo_client.list_recordings(cameras[0].id)
    assert len(recordings) >= 2, "the archive has gaps"
    starts = [r.start_date.timestamp() for r in recordings]
    assert starts == sorted(starts)
    for r, following in zip(recordings, recordings[1:], strict=False):
        end = r.start_date.timestamp() + r.duration_seconds
        assert end < following.start_date.timestamp(), "a gap between intervals"
        assert r.start_date.timestamp() % 2 == 0 and r.duration_seconds % 2 == 0
    last_end = recordings[-1].start_date.timestamp() + recordings[-1].duration_seconds
    assert time.time() - 4 <= last_end <= time.time()
    first = recordings[0].start_date
    # The archive reaches back archive_days from the service's start (its anchor), not from now:
    # the session's service may have been running for minutes when this test comes.
    reach = demo_service.dataset.anchor - first.timestamp()
    assert reach <= timedelta(days=cameras[0].archive_days, minutes=1).total_seconds()


def test_recordings_duration_is_an_integer_in_the_json(demo_service):
    camera = demo_service.cameras[0]
    raw = httpx.get(
        f"{demo_service.base_url}/v1/cameras/{camera.id}/recordings",
        headers={"X-Integration-Key": demo_service.integration_key},
    )
    assert raw.status_code == 200
    assert all(isinstance(item["durationSeconds"], int) for item in raw.json())


def test_offline_camera_archive_ends_at_its_last_online_date(demo_client):
    offline = next(c for c in demo_client.list_cameras() if not c.is_online)
    last = demo_client.list_recordings(offline.id)[-1]
    end = last.start_date + timedelta(seconds=last.duration_seconds)
    assert abs((end - offline.last_online_date).total_seconds()) < 2


def test_camera_without_archive_grant_is_403_for_archive_features(demo_client, tmp_path):
    camera = next(c for c in demo_client.list_cameras() if not c.is_archive_granted)
    with pytest.raises(errors.PermissionDeniedError):
        demo_client.list_recordings(camera.id)
    with pytest.raises(errors.PermissionDeniedError):
        demo_client.download_clip(camera.id, datetime.now(UTC) - timedelta(minutes=5), 4, tmp_path / "clip.mp4")
    with pytest.raises(errors.PermissionDeniedError):
        demo_client.archive(camera)
    assert not (tmp_path / "clip.mp4").exists()


def test_five_thousand_cameras_build_quickly_and_list(demo_media_store):
    began = time.perf_counter()
    service = DemoService(cameras=5000, media=demo_media_store)
    built = time.perf_counter() - began
    try:
        assert built < 2.0, f"building 5000 cameras took {built:.2f} s"
        service.start()
        with IntegrationClient(service.integration_key, service.base_url) as client:
            cameras = client.list_cameras()
            assert len(cameras) == 5000 and len({c.id for c in cameras}) == 5000
            page = client.list_events(cameras[4321].id, limit=10)
            assert len(page.items) == 10
    finally:
        service.stop()
