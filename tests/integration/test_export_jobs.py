"""Export jobs end to end against the demo service: the three modes give files of the asked
length that start at the asked moment, with an evidence sidecar and SHA256SUMS that
`sha256sum -c` accepts; a job stopped mid-poll resumes the same export; cancel leaves nothing."""

from __future__ import annotations

import json
import re
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from imageio_ffmpeg import get_ffmpeg_exe

from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.demo.media.timecode import decode_timecode
from faceter_viewer.services.exports.job import ExportJob, ExportMode, JobState
from faceter_viewer.services.exports.runner import JobRunner
from faceter_viewer.services.exports.store import JobStore
from tests.helpers.demo_fixtures import decode_video_frame, recent_archive_time

FRAME = 0.04  # the demo's 25 fps


def _camera(client: IntegrationClient, audio: bool = True):
    return next(c for c in client.list_cameras() if c.has_archive_access and c.is_audio_granted == audio)


def _job(client: IntegrationClient, camera, start: float, tmp_path: Path, mode: ExportMode, **changes) -> ExportJob:
    job = ExportJob(
        service_url=client.base_url,
        camera_id=camera.id,
        camera_title=camera.title,
        start=datetime.fromtimestamp(start, UTC),
        duration=changes.pop("duration", 4),
        mode=mode,
        dest=tmp_path / f"{camera.title} {mode}{mode.suffix}",
    )
    for name, value in changes.items():
        setattr(job, name, value)
    return job


def _streams(path: Path) -> tuple[float, bool, bool]:
    """(duration in seconds, has video, has audio) as ffmpeg reads the file."""
    result = subprocess.run([get_ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, text=True, timeout=60)
    text = result.stderr
    found = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", text)
    assert found, text
    hours, minutes, seconds = found.groups()
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds), "Video:" in text, "Audio:" in text


@pytest.fixture
def store(tmp_path):
    job_store = JobStore(tmp_path / "jobs.sqlite3")
    yield job_store
    job_store.close()


def test_a_clip_job_gives_the_asked_seconds_with_evidence_that_sha256sum_accepts(demo_service, demo_client, store, tmp_path):
    camera = _camera(demo_client)
    start = recent_archive_time(demo_service) + 3
    job = _job(demo_client, camera, start, tmp_path, ExportMode.CLIP)
    seen: list[JobState] = []
    JobRunner(demo_client, store, on_change=lambda j: seen.append(j.state) if not seen or seen[-1] != j.state else None).run(job)

    assert job.state is JobState.DONE, job.error
    assert seen == [JobState.DOWNLOADING, JobState.VERIFYING, JobState.DONE]
    duration, video, _ = _streams(job.dest)
    assert video and abs(duration - 4) <= 2 * FRAME
    first = decode_timecode(decode_video_frame(job.dest)).timestamp()
    assert abs(first - start) <= FRAME + 1e-6, f"first frame {first - start:+.3f} s from the start asked"

    sidecar = json.loads((tmp_path / (job.dest.name + ".json")).read_text())
    assert sidecar["camera"]["id"] == camera.id and sidecar["mode"] == "clip"
    assert sidecar["file"]["size"] == job.dest.stat().st_size
    assert "signature" not in json.dumps(sidecar).lower() or "***" in json.dumps(sidecar)
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert store.get(job.id).state is JobState.DONE  # what the store says, not just the object
    assert not list(tmp_path.glob("*.part*"))


@pytest.mark.parametrize("audio", [True, False])
def test_a_video_export_has_audio_exactly_when_asked(demo_service, demo_client, store, tmp_path, audio):
    camera = _camera(demo_client)
    start = recent_archive_time(demo_service) + 7
    job = _job(demo_client, camera, start, tmp_path, ExportMode.VIDEO, audio=audio, evidence=False)
    JobRunner(demo_client, store).run(job)

    assert job.state is JobState.DONE, job.error
    assert job.export_id
    duration, video, has_audio = _streams(job.dest)
    assert video and has_audio is audio and abs(duration - 4) <= 2 * FRAME + 0.1
    first = decode_timecode(decode_video_frame(job.dest)).timestamp()
    assert abs(first - start) <= FRAME + 1e-6
    assert not (tmp_path / "SHA256SUMS").exists()  # evidence off


def test_an_audio_export_is_audio_only_under_the_name_of_its_real_container(demo_service, demo_client, store, tmp_path):
    camera = _camera(demo_client)
    job = _job(demo_client, camera, recent_archive_time(demo_service) + 11, tmp_path, ExportMode.AUDIO)
    JobRunner(demo_client, store).run(job)

    assert job.state is JobState.DONE, job.error
    duration, video, audio = _streams(job.dest)
    assert audio and not video and abs(duration - 4) <= 0.2
    head = job.dest.read_bytes()[:12]
    assert job.dest.suffix == (".m4a" if head[4:8] == b"ftyp" else ".mp3")


def test_cancel_while_polling_leaves_no_file_and_stop_leaves_the_job_to_resume(make_demo_service, tmp_path):
    service = make_demo_service(export_delay=3.0)
    store = JobStore(tmp_path / "jobs.sqlite3")
    try:
        with IntegrationClient(service.integration_key, service.base_url) as client:
            camera = _camera(client)
            start = recent_archive_time(service) + 5

            # stopped (the app closes) while the service prepares the file
            job = _job(client, camera, start, tmp_path, ExportMode.VIDEO, evidence=False)
            stop = threading.Event()
            runner = JobRunner(client, store, on_change=lambda j: stop.set() if j.export_id else None)
            runner.run(job, stopping=stop.is_set)
            stored = store.get(job.id)
            assert stored.state is JobState.EXPORTING and stored.export_id == job.export_id
            exports_before = len(service.state.exports._jobs)

            # the next start: the same export is polled, none is created
            JobRunner(client, store).run(stored)
            assert stored.state is JobState.DONE, stored.error
            assert stored.export_id == job.export_id
            assert len(service.state.exports._jobs) == exports_before

            # cancelled by the user: nothing left, the job says cancelled
            other = _job(client, camera, start, tmp_path, ExportMode.VIDEO, evidence=False, duration=5)
            other.dest = tmp_path / "cancelled.mp4"
            cancel = threading.Event()
            JobRunner(client, store, on_change=lambda j: cancel.set() if j.export_id else None).run(other, cancelled=cancel.is_set)
            assert other.state is JobState.CANCELLED and store.get(other.id).state is JobState.CANCELLED
            assert not other.dest.exists() and not list(tmp_path.glob("*.part*"))
    finally:
        store.close()


def test_an_export_the_service_fails_says_why_and_a_retry_asks_for_a_new_one(make_demo_service, tmp_path):
    service = make_demo_service(export_failure_rate=1.0)
    store = JobStore(tmp_path / "jobs.sqlite3")
    try:
        with IntegrationClient(service.integration_key, service.base_url) as client:
            camera = _camera(client)
            job = _job(client, camera, recent_archive_time(service) + 5, tmp_path, ExportMode.VIDEO, evidence=False)
            JobRunner(client, store).run(job)
            assert job.state is JobState.FAILED and job.error and "Could not export" in job.error
            assert job.export_id is None and not job.dest.exists()
    finally:
        store.close()
