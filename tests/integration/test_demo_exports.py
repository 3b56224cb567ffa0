"""Clips and exports of the demo service through the real client: real MP4/audio files, the
Queued -> InProgress -> Completed progression, Range downloads, and the 400/403/404 answers."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from faceter_viewer.api import errors
from faceter_viewer.api.models import AudioExportRequest, ExportStatus, VideoExportRequest
from tests.helpers.demo_fixtures import find_gap, recent_archive_time


def _at(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _poll(get, timeout: float = 60.0):
    """Statuses seen (in order, without repeats) until the export finishes, and the last answer."""
    seen, deadline = [], time.monotonic() + timeout
    while True:
        export = get()
        if not seen or seen[-1] != export.status:
            seen.append(export.status)
        if export.is_finished:
            return seen, export
        assert time.monotonic() < deadline, f"export still {export.status}"
        time.sleep(0.05)


def _is_mp4(path: Path) -> bool:
    return path.read_bytes()[4:8] == b"ftyp"


def test_clip_downloads_as_mp4(demo_service, demo_client, tmp_path):
    camera = demo_service.cameras[0]
    dest = demo_client.download_clip(camera.id, _at(recent_archive_time(demo_service)), 4, tmp_path / "clip.mp4")
    assert _is_mp4(dest) and dest.stat().st_size > 10_000
    assert not list(tmp_path.glob("*.part"))


def test_clip_errors(demo_service, demo_client, tmp_path):
    camera = demo_service.cameras[0]
    start = _at(recent_archive_time(demo_service))
    for bad in (0, -5, 3601):
        with pytest.raises(errors.BadRequestError, match="duration"):
            demo_client.download_clip(camera.id, start, bad, tmp_path / "x.mp4")
    gap_start, _ = find_gap(demo_service, 0, min_seconds=30)
    with pytest.raises(errors.NotFoundError):
        demo_client.download_clip(camera.id, _at(gap_start + 2), 10, tmp_path / "x.mp4")
    with pytest.raises(errors.NotFoundError):
        demo_client.download_clip(camera.id, _at(time.time() + 3600), 10, tmp_path / "x.mp4")
    assert not (tmp_path / "x.mp4").exists()


def test_video_export_completes_and_serves_ranges(demo_service, demo_client, tmp_path):
    camera = demo_service.cameras[0]
    request = VideoExportRequest(start_date=_at(recent_archive_time(demo_service)), duration_seconds=4)
    task = demo_client.create_video_export(camera.id, request)
    assert task.status == ExportStatus.QUEUED
    seen, export = _poll(lambda: demo_client.get_video_export(camera.id, task.export_id))
    assert seen == [ExportStatus.QUEUED, ExportStatus.IN_PROGRESS, ExportStatus.COMPLETED]
    assert export.video_url and export.created_at_utc <= export.completed_at_utc and export.error_message is None
    whole = demo_client.download_file(export.video_url, tmp_path / "export.mp4")
    assert _is_mp4(whole)
    size = whole.stat().st_size
    ranged = httpx.get(export.video_url, headers={"Range": "bytes=100-199"})
    assert ranged.status_code == 206
    assert ranged.headers["content-range"] == f"bytes 100-199/{size}"
    assert ranged.content == whole.read_bytes()[100:200]
    assert httpx.get(export.video_url, headers={"Range": "bytes=-10"}).content == whole.read_bytes()[-10:]


def test_audio_export_completes_with_an_audio_file(demo_service, demo_client, tmp_path):
    camera = demo_service.cameras[0]
    request = AudioExportRequest(start_date=_at(recent_archive_time(demo_service)), duration_seconds=4)
    task = demo_client.create_audio_export(camera.id, request)
    seen, export = _poll(lambda: demo_client.get_audio_export(camera.id, task.export_id))
    assert seen[-1] == ExportStatus.COMPLETED and export.audio_url
    assert export.audio_url.endswith(demo_service.media.AUDIO_SUFFIX)
    path = demo_client.download_file(export.audio_url, tmp_path / f"audio{demo_service.media.AUDIO_SUFFIX}")
    assert path.stat().st_size > 1000
    ranged = httpx.get(export.audio_url, headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.content == path.read_bytes()[:10]


def test_export_of_a_range_without_archive_fails_with_a_message(demo_service, demo_client):
    camera = demo_service.cameras[0]
    gap_start, _ = find_gap(demo_service, 0, min_seconds=30)
    task = demo_client.create_video_export(camera.id, VideoExportRequest(start_date=_at(gap_start + 2), duration_seconds=10))
    seen, export = _poll(lambda: demo_client.get_video_export(camera.id, task.export_id))
    assert seen[-1] == ExportStatus.FAILED and "no archive" in export.error_message.lower()
    assert export.video_url is None


def test_export_permissions_and_unknown_ids(demo_service, demo_client):
    cameras = {c.title: c for c in demo_service.cameras}
    start = _at(recent_archive_time(demo_service))
    no_audio = cameras["Parking Lot"]
    assert not no_audio.audio_granted
    with pytest.raises(errors.PermissionDeniedError):
        demo_client.create_audio_export(no_audio.id, AudioExportRequest(start_date=start, duration_seconds=4))
    with pytest.raises(errors.PermissionDeniedError):
        demo_client.create_video_export(
            cameras["Server Room"].id, VideoExportRequest(start_date=start, duration_seconds=4)
        )
    task = demo_client.create_video_export(cameras["Entrance"].id, VideoExportRequest(start_date=start, duration_seconds=2))
    with pytest.raises(errors.PermissionDeniedError):
        demo_client.get_video_export(cameras["Reception"].id, task.export_id)
    with pytest.raises(errors.NotFoundError):
        demo_client.get_video_export(cameras["Entrance"].id, "00000000-0000-4000-8000-000000000000")
    with pytest.raises(errors.NotFoundError):
        demo_client.get_audio_export(cameras["Entrance"].id, task.export_id)  # a video export's id
    _poll(lambda: demo_client.get_video_export(cameras["Entrance"].id, task.export_id))


def test_invalid_export_bodies_are_400(demo_service):
    camera = demo_service.cameras[0]
    url = f"{demo_service.base_url}/v1/cameras/{camera.id}/archive/exports"
    headers = {"X-Integration-Key": demo_service.integration_key}
    for body in ({"startDate": "2026-04-10T08:00:00Z", "durationSeconds": 0}, {"durationSeconds": 10}):
        answer = httpx.post(url, json=body, headers=headers)
        assert answer.status_code == 400 and answer.json()["detail"].startswith("Invalid request body")
    too_long = {"startDate": "2026-04-10T08:00:00Z", "durationSeconds": 7200}
    assert httpx.post(url, json=too_long, headers=headers).status_code == 400
