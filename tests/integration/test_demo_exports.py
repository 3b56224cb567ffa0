"""Clips and exports of the demo service through the real client: real MP4/audio files, the
Queued -> InProgress -> Completed progression, Range downloads, and the 400/403/404 answers;
audioEnabled on the real file, errorMessage null on the wire, the seeded failure fraction, and
callbackUrl POSTs received by a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import logging
import re
import subprocess
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from faceter_viewer.api import IntegrationClient, errors
from faceter_viewer.api.models import AudioExportRequest, ExportStatus, VideoExportRequest
from faceter_viewer.demo.exports import FailurePicker
from faceter_viewer.demo.media.graph import ffmpeg_exe
from tests.helpers.callback_receiver import CallbackReceiver
from tests.helpers.demo_fixtures import DEMO_SEED, find_gap, recent_archive_time


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


# --- audioEnabled, errorMessage, failure rate, callbackUrl --------------------------------------


def _stream_kinds(path: Path) -> list[str]:
    """The kinds of the streams `ffmpeg -i` lists ("Video", "Audio"), in order."""
    listing = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, timeout=60)
    return re.findall(r"Stream #\d+:\d+.*?: (Video|Audio|Data|Subtitle):", listing.stderr)


@pytest.mark.parametrize("audio_enabled", [False, True], ids=["audio-off", "audio-on"])
def test_video_export_has_an_audio_track_only_when_asked(demo_service, demo_client, tmp_path, audio_enabled):
    camera = demo_service.cameras[0]
    request = VideoExportRequest(
        start_date=_at(recent_archive_time(demo_service)), duration_seconds=2, audio_enabled=audio_enabled
    )
    task = demo_client.create_video_export(camera.id, request)
    _, export = _poll(lambda: demo_client.get_video_export(camera.id, task.export_id))
    path = demo_client.download_file(export.video_url, tmp_path / "export.mp4")
    assert _stream_kinds(path) == (["Video", "Audio"] if audio_enabled else ["Video"])


def _raw_export(service, camera_id: str, body: dict, kind: str = "archive/exports"):
    url = f"{service.base_url}/v1/cameras/{camera_id}/{kind}"
    headers = {"X-Integration-Key": service.integration_key}
    created = httpx.post(url, json=body, headers=headers)
    assert created.status_code == 202, created.text
    export_id = created.json()["exportId"]
    return created.json(), lambda: httpx.get(f"{url}/{export_id}", headers=headers).json()


def _poll_raw(get, timeout: float = 60.0) -> list[dict]:
    """Every answer (as JSON) until the export is finished."""
    answers, deadline = [], time.monotonic() + timeout
    while not answers or answers[-1]["status"] not in ("Completed", "Failed"):
        assert time.monotonic() < deadline, answers[-1]
        answers.append(get())
        time.sleep(0.05)
    return answers


@pytest.mark.parametrize("kind", ["archive/exports", "exports/audio"], ids=["video", "audio"])
def test_error_message_is_null_on_the_wire_until_the_export_fails(demo_service, kind):
    camera = demo_service.cameras[0]
    start = _at(recent_archive_time(demo_service)).isoformat().replace("+00:00", "Z")
    created, get = _raw_export(demo_service, camera.id, {"startDate": start, "durationSeconds": 2}, kind)
    answers = [created, *_poll_raw(get)]
    assert answers[-1]["status"] == "Completed"
    assert all("errorMessage" in a and a["errorMessage"] is None for a in answers), answers
    gap_start, _ = find_gap(demo_service, 0, min_seconds=30)
    gap = _at(gap_start + 2).isoformat().replace("+00:00", "Z")
    created, get = _raw_export(demo_service, camera.id, {"startDate": gap, "durationSeconds": 10}, kind)
    answers = [created, *_poll_raw(get)]
    assert all(a["errorMessage"] is None for a in answers[:-1])
    assert answers[-1]["status"] == "Failed" and "no archive" in answers[-1]["errorMessage"].lower()


def test_a_seeded_fraction_of_exports_fails_with_a_message(make_demo_service):
    service = make_demo_service(export_failure_rate=0.5, export_delay=0.0)
    camera = service.cameras[0]
    start = _at(recent_archive_time(service))
    expected = FailurePicker(0.5, DEMO_SEED)
    pattern = [expected.next_fails() for _ in range(8)]
    assert 0 < sum(pattern) < len(pattern), "this seed must give a mix for the test to mean anything"
    with IntegrationClient(service.integration_key, service.base_url) as client:
        tasks = [client.create_video_export(camera.id, VideoExportRequest(start_date=start, duration_seconds=1)) for _ in pattern]
        finals = [_poll(lambda t=task: client.get_video_export(camera.id, t.export_id))[1] for task in tasks]
    assert [export.status == ExportStatus.FAILED for export in finals] == pattern
    for export in finals:
        if export.status == ExportStatus.FAILED:
            assert "simulated failure" in export.error_message and export.video_url is None
        else:
            assert export.status == ExportStatus.COMPLETED and export.video_url and export.error_message is None


def test_export_failure_rate_outside_0_to_1_is_refused(demo_media_store):
    from faceter_viewer.demo.service import DemoService

    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="between 0 and 1"):
            DemoService(media=demo_media_store, export_failure_rate=bad)


def _export_json(service, camera_id: str, export_id: str, kind: str = "archive/exports") -> dict:
    url = f"{service.base_url}/v1/cameras/{camera_id}/{kind}/{export_id}"
    return httpx.get(url, headers={"X-Integration-Key": service.integration_key}).json()


def test_callback_receives_the_status_json_on_completion_and_on_failure(demo_service, demo_client):
    camera = demo_service.cameras[0]
    gap_start, _ = find_gap(demo_service, 0, min_seconds=30)
    with CallbackReceiver() as receiver:
        done = demo_client.create_video_export(
            camera.id,
            VideoExportRequest(start_date=_at(recent_archive_time(demo_service)), duration_seconds=2, callback_url=receiver.url),
        )
        bodies = receiver.wait_for(1)
        failed = demo_client.create_audio_export(
            camera.id, AudioExportRequest(start_date=_at(gap_start + 2), duration_seconds=10, callback_url=receiver.url)
        )
        bodies = receiver.wait_for(2)
    assert bodies[0]["exportId"] == done.export_id and bodies[0]["status"] == "Completed"
    assert bodies[0] == _export_json(demo_service, camera.id, done.export_id)  # the GET's body, exactly
    assert bodies[0]["errorMessage"] is None and bodies[0]["videoUrl"].startswith(demo_service.origin)
    assert bodies[1] == _export_json(demo_service, camera.id, failed.export_id, "exports/audio")
    assert bodies[1]["status"] == "Failed" and "no archive" in bodies[1]["errorMessage"].lower()
    assert receiver.paths == ["/hooks/export"] * 2


def _wait_for_log(caplog, *texts: str, timeout: float = 10.0) -> None:
    """Until one log record holds all of `texts` (the sender logs from its own threads)."""
    deadline = time.monotonic() + timeout
    while not any(all(t in record.getMessage() for t in texts) for record in caplog.records):
        assert time.monotonic() < deadline, f"no log record with {texts!r}"
        time.sleep(0.02)


def test_callback_is_tried_once_and_retried_twice(demo_service, demo_client, monkeypatch, caplog):
    monkeypatch.setattr(demo_service.state.exports.callbacks, "retry_delays", (0.05, 0.05))
    caplog.set_level(logging.INFO, logger="faceter_viewer.demo.export_callbacks")
    camera = demo_service.cameras[0]
    start = _at(recent_archive_time(demo_service))
    with CallbackReceiver() as receiver:
        receiver.statuses.extend([500, 503])  # the third try gets 200
        first = demo_client.create_video_export(
            camera.id, VideoExportRequest(start_date=start, duration_seconds=2, callback_url=receiver.url)
        )
        bodies = receiver.wait_for(3)
        _wait_for_log(caplog, f"callback for export {first.export_id} sent")
        assert all(body == bodies[0] for body in bodies) and bodies[0]["exportId"] == first.export_id

        receiver.statuses.extend([500, 500, 500, 500])  # never accepted: three tries, no fourth
        second = demo_client.create_video_export(
            camera.id, VideoExportRequest(start_date=start, duration_seconds=2, callback_url=receiver.url)
        )
        _wait_for_log(caplog, f"callback for export {second.export_id} to {receiver.url.rsplit('/', 2)[0]}", "(try 3 of 3): HTTP 500")
        time.sleep(0.2)  # a fourth try would come 0.05 s after the third
        assert [b["exportId"] for b in receiver.bodies] == [first.export_id] * 3 + [second.export_id] * 3


def test_a_stalled_callback_receiver_blocks_neither_requests_nor_other_exports(demo_service, demo_client):
    camera = demo_service.cameras[0]
    start = _at(recent_archive_time(demo_service))
    with CallbackReceiver() as receiver:
        receiver.release.clear()  # the receiver takes the POST and does not answer
        held = demo_client.create_video_export(
            camera.id, VideoExportRequest(start_date=start, duration_seconds=2, callback_url=receiver.url)
        )
        receiver.wait_for(1)
        began = time.monotonic()
        assert demo_client.get_video_export(camera.id, held.export_id).status == ExportStatus.COMPLETED
        assert time.monotonic() - began < 1.0
        other = demo_client.create_video_export(camera.id, VideoExportRequest(start_date=start, duration_seconds=2))
        _, export = _poll(lambda: demo_client.get_video_export(camera.id, other.export_id), timeout=20)
        assert export.status == ExportStatus.COMPLETED
        # ... while the first try still waits for its answer (the sender's timeout is 3 s): the
        # export worker did not wait for it.
        assert len(receiver.bodies) == 1
        receiver.release.set()


@pytest.mark.parametrize(
    "url", ["http://192.0.2.10/hook", "http://localhost.example/hook", "https://example.com/x?token=secret"]
)
def test_a_callback_to_another_host_is_logged_and_skipped(demo_service, demo_client, caplog, url):
    caplog.set_level(logging.WARNING, logger="faceter_viewer.demo.export_callbacks")
    camera = demo_service.cameras[0]
    request = VideoExportRequest(start_date=_at(recent_archive_time(demo_service)), duration_seconds=2, callback_url=url)
    task = demo_client.create_video_export(camera.id, request)
    _, export = _poll(lambda: demo_client.get_video_export(camera.id, task.export_id))
    assert export.status == ExportStatus.COMPLETED
    _wait_for_log(caplog, "is not a loopback address: not called")
    assert "secret" not in caplog.text
