"""The demo service's Archive API through the real ArchiveClient: timeline, playlist, size,
preview, both archiveApiUrl forms, signed URLs (expiry 401, tampering 403) and token refresh."""

from __future__ import annotations

import time

import httpx
import pytest

from faceter_viewer.api import errors, rules
from faceter_viewer.api.archive import ArchiveClient
from faceter_viewer.api.http import HttpSession
from tests.helpers.demo_fixtures import find_gap, recent_archive_time


def _signed(camera, method: str, **params: str) -> str:
    url = httpx.URL(rules.archive_method_url(camera.archive_api_url, camera.id, method))
    token = camera.archive_api_token
    return str(url.copy_merge_params({**params, "signature": token.signature, "exp": str(token.exp)}))


@pytest.mark.parametrize("index", [0, 1], ids=["bare-base-url", "archives-id-url"])
def test_timeline_is_in_milliseconds_for_both_url_forms(demo_service, demo_client, index):
    camera = demo_client.get_camera(demo_service.cameras[index].id)
    archive = demo_client.archive(camera)
    end = time.time()
    intervals = archive.timeline(end - 2 * 86400, end)
    assert intervals
    recordings = demo_client.list_recordings(camera.id)
    recorded_ends = {round((r.start_date.timestamp() + r.duration_seconds) * 1000) for r in recordings}
    for interval in intervals[:-1]:
        assert interval.time > 1_600_000_000_000, "epoch milliseconds"
        assert interval.time + interval.duration in recorded_ends
    previous_end = 0
    for interval in intervals:
        assert interval.time >= previous_end
        previous_end = interval.time + interval.duration


def test_timeline_offset_is_the_position_in_the_playlist_of_the_same_window(demo_service, demo_client):
    gap_start, gap_end = find_gap(demo_service, 0)
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    archive = demo_client.archive(camera)
    start, end = gap_start - 20, gap_end + 10
    intervals = archive.timeline(start, end)
    assert [i.offset for i in intervals] == [0, 20_000]
    assert intervals[1].time == gap_end * 1000 and intervals[1].duration == 10_000


def test_playlist_lists_signed_two_second_segments_of_the_window(demo_client, demo_service):
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    archive = demo_client.archive(camera)
    start = recent_archive_time(demo_service)
    text = archive.fetch_playlist(start + 1, 9)  # overlaps the segments start..start+8
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U"
    assert "#EXT-X-TARGETDURATION:2" in lines and "#EXT-X-PLAYLIST-TYPE:VOD" in lines
    assert lines[-1] == "#EXT-X-ENDLIST"
    assert f"#EXT-X-MEDIA-SEQUENCE:{start // 2}" in lines
    uris = [line for line in lines if line and not line.startswith("#")]
    assert [u.split("?")[0] for u in uris] == [f"segments/{s}.ts" for s in range(start, start + 10, 2)]
    assert all("signature=" in u and "exp=" in u for u in uris)
    assert lines.count("#EXTINF:2.000,") == 5


def test_playlist_marks_gaps_only_when_asked(demo_service, demo_client):
    gap_start, gap_end = find_gap(demo_service, 0)
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    archive = demo_client.archive(camera)
    plain = archive.fetch_playlist(gap_start - 4, gap_end - gap_start + 8)
    marked = archive.fetch_playlist(gap_start - 4, gap_end - gap_start + 8, discontinuity=True)
    assert "#EXT-X-DISCONTINUITY" not in plain
    assert marked.count("#EXT-X-DISCONTINUITY") == 1
    after = marked.splitlines()[marked.splitlines().index("#EXT-X-DISCONTINUITY") + 3]
    assert after.startswith(f"segments/{gap_end}.ts")
    assert len([line for line in plain.splitlines() if line.startswith("segments/")]) == 4


def test_no_archive_in_the_window_is_playlist_not_found(demo_service, demo_client):
    gap_start, gap_end = find_gap(demo_service, 0, min_seconds=30)
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    archive = demo_client.archive(camera)
    with pytest.raises(errors.NoArchiveError) as caught:
        archive.fetch_playlist(gap_start + 2, 20)
    assert caught.value.code == "PlaylistNotFound" and caught.value.status == 404
    raw = httpx.get(_signed(camera, "index.m3u8", start=str(gap_start + 2), duration="20"))
    assert raw.json() == {"status": 404, "code": "PlaylistNotFound", "description": "Archive playlist was not found"}
    assert archive.timeline(gap_start + 2, gap_start + 22) == []
    assert archive.size(gap_start + 2, 20) == 0


def test_size_grows_with_the_archived_seconds(demo_service, demo_client):
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    archive = demo_client.archive(camera)
    start = recent_archive_time(demo_service)
    one_minute, two_minutes = archive.size(start, 60), archive.size(start, 120)
    assert 0 < one_minute < two_minutes and two_minutes == pytest.approx(2 * one_minute, rel=0.01)


def test_preview_is_jpeg_in_the_archive_and_404_problem_in_a_gap(demo_service, demo_client):
    camera = demo_client.get_camera(demo_service.cameras[1].id)
    archive = demo_client.archive(camera)
    jpeg = archive.preview_jpeg(recent_archive_time(demo_service))
    assert jpeg.startswith(b"\xff\xd8")
    gap_start, _ = find_gap(demo_service, 1)
    with pytest.raises(errors.NoArchiveError):
        archive.preview_jpeg(gap_start + 1)
    raw = httpx.get(_signed(camera, "preview", time=str(gap_start + 1)))
    body = raw.json()
    assert raw.status_code == 404
    assert body["status"] == 404 and body["title"] == "Not Found" and body["detail"] == "Preview not found"
    assert body["instance"].endswith("/preview")


def test_bad_archive_parameters_are_400(demo_client, demo_service):
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    for params in ({"start": "yesterday", "duration": "60"}, {"start": "1712745600", "duration": "0"}, {}):
        raw = httpx.get(_signed(camera, "timeline", **params))
        assert raw.status_code == 400, params


def test_tampered_signature_is_403_and_missing_is_401(demo_service, demo_client):
    camera = demo_client.get_camera(demo_service.cameras[0].id)
    url = _signed(camera, "size", start=str(recent_archive_time(demo_service)), duration="10")
    assert httpx.get(url).status_code == 200
    sig = camera.archive_api_token.signature
    tampered = url.replace(sig, ("0" if sig[0] != "0" else "1") + sig[1:])
    denied = httpx.get(tampered)
    assert denied.status_code == 403 and denied.json()["status"] == 403
    longer = url.replace(f"exp={camera.archive_api_token.exp}", f"exp={camera.archive_api_token.exp + 3600}")
    assert httpx.get(longer).status_code == 403, "exp is covered by the signature"
    unsigned = rules.archive_method_url(camera.archive_api_url, camera.id, "size") + "?start=1&duration=1"
    assert httpx.get(unsigned).status_code == 401
    # another camera's valid signature does not open this archive
    other = demo_client.get_camera(demo_service.cameras[1].id)
    crossed = url.replace(sig, other.archive_api_token.signature)
    assert httpx.get(crossed).status_code == 403


def _wait_until(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def test_expired_url_is_401_and_the_client_refreshes_its_token(make_demo_service):
    service = make_demo_service(token_ttl=2)
    from faceter_viewer.api import IntegrationClient

    with IntegrationClient(service.integration_key, service.base_url) as client:
        camera = client.get_camera(service.cameras[0].id)
        start = str(recent_archive_time(service))
        url = _signed(camera, "size", start=start, duration="10")
        assert httpx.get(url).status_code == 200
        _wait_until(lambda: time.time() > camera.archive_api_token.exp + 0.2, timeout=5)
        expired = httpx.get(url)
        assert expired.status_code == 401 and "expired" in expired.json()["detail"]

        # §18: with a 2-s lifetime, less than max(60 s, 20 %) is always left: the client fetches
        # the camera again before each Archive API call, and the calls succeed.
        archive = client.archive(camera)
        camera_path = f"/integration-api/v1/cameras/{camera.id}"
        before = service.state.request_counts[camera_path]
        for _ in range(3):
            assert archive.size(int(start), 10) > 0
        assert service.state.request_counts[camera_path] - before == 3
        assert archive.token_expires_at > camera.archive_api_token.exp


def test_archive_client_refreshes_once_after_a_401(make_demo_service):
    """A token the client believes fresh but the server finds expired: 401, one refresh, success."""
    service = make_demo_service(token_ttl=1)
    from faceter_viewer.api import IntegrationClient

    with IntegrationClient(service.integration_key, service.base_url) as client:
        camera = client.get_camera(service.cameras[1].id)
        _wait_until(lambda: time.time() > camera.archive_api_token.exp + 0.2, timeout=5)
        http = HttpSession()
        believed_fresh = ArchiveClient(
            camera, http, refresh_camera=lambda: client.get_camera(camera.id), clock=lambda: 0.0
        )
        start = recent_archive_time(service)
        try:
            # the refreshed token is 1 s long: sign and use it at once
            assert believed_fresh.timeline(start, start + 10)
        finally:
            http.close()
        archive_paths = [p for m, p in service.state.requests if p.endswith("/timeline")]
        assert len(archive_paths) == 2, "the refused call and its one retry"
