"""The app's ExportQueue against the demo service: jobs move through their states in order on
the GUI thread, a taken file name becomes 'name (2)', closing the app stops a job without
cancelling it and the next start resumes the same export, and an unusable store still exports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.services.exports.job import ExportMode, ExportRequest, JobState
from faceter_viewer.services.exports.queue import ExportQueue
from faceter_viewer.services.exports.store import JobStore
from faceter_viewer.services.messages import MessageHub
from tests.helpers.demo_fixtures import recent_archive_time


def _request(service, client, tmp_path, mode=ExportMode.CLIP, name="out.mp4", offset=3, **changes) -> ExportRequest:
    camera = next(c for c in client.list_cameras() if c.has_archive_access and c.is_audio_granted)
    start = datetime.fromtimestamp(recent_archive_time(service) + offset, UTC)
    return ExportRequest(camera=camera, start=start, duration=4, mode=mode, folder=tmp_path, file_name=name, **changes)


def _states(queue: ExportQueue, job_id: str) -> list[JobState]:
    seen: list[JobState] = []

    def on_changed(changed: str) -> None:
        job = queue.job(changed)
        if changed == job_id and job is not None and (not seen or seen[-1] is not job.state):
            seen.append(job.state)

    queue.job_changed.connect(on_changed)
    return seen


@pytest.fixture
def queue_factory(qtbot, tmp_path):
    made: list[ExportQueue] = []

    def make(client: IntegrationClient, store_path=None, **options) -> ExportQueue:
        queue = ExportQueue(client, store_path or tmp_path / "jobs.sqlite3", **options)
        made.append(queue)
        qtbot.waitUntil(lambda: queue.is_loaded, timeout=10000)
        return queue

    yield make
    for queue in made:
        queue.close()


def test_a_video_job_shows_each_state_in_order_and_a_taken_name_is_numbered(qtbot, demo_service, demo_client, tmp_path, queue_factory):
    queue = queue_factory(demo_client)
    (tmp_path / "out.mp4").write_bytes(b"somebody else's file")
    job = queue.submit(_request(demo_service, demo_client, tmp_path, ExportMode.VIDEO, evidence=False))
    seen = _states(queue, job.id)
    assert queue.job(job.id).state is JobState.QUEUED  # shown at once
    qtbot.waitUntil(lambda: queue.job(job.id).finished, timeout=60000)

    done = queue.job(job.id)
    assert done.state is JobState.DONE, done.error
    assert seen[-3:] == [JobState.DOWNLOADING, JobState.VERIFYING, JobState.DONE]  # none skipped by the throttle
    assert JobState.EXPORTING in seen and seen.index(JobState.EXPORTING) < seen.index(JobState.DOWNLOADING)
    assert done.dest.name == "out (2).mp4" and done.dest.read_bytes()[4:8] == b"ftyp"
    assert (tmp_path / "out.mp4").read_bytes() == b"somebody else's file"
    assert done.bytes_done == done.dest.stat().st_size


def test_a_clip_job_reports_downloading_even_when_it_starts_at_once(qtbot, demo_service, demo_client, tmp_path, queue_factory):
    # QUEUED → DOWNLOADING comes within a millisecond: the progress throttle must not eat it
    queue = queue_factory(demo_client)
    job = queue.submit(_request(demo_service, demo_client, tmp_path, ExportMode.CLIP, name="clip.mp4", evidence=False))
    seen = _states(queue, job.id)
    qtbot.waitUntil(lambda: queue.job(job.id).finished, timeout=60000)
    assert seen == [JobState.QUEUED, JobState.DOWNLOADING, JobState.VERIFYING, JobState.DONE], seen


def test_closing_stops_a_job_without_cancelling_it_and_the_next_start_resumes_the_same_export(
    qtbot, make_demo_service, tmp_path, queue_factory
):
    service = make_demo_service(export_delay=3.0)
    with IntegrationClient(service.integration_key, service.base_url) as client:
        first = queue_factory(client)
        job = first.submit(_request(service, client, tmp_path, ExportMode.VIDEO, evidence=False))
        qtbot.waitUntil(lambda: first.job(job.id).export_id is not None, timeout=20000)
        export_id = first.job(job.id).export_id
        first.close()

        stored = JobStore(tmp_path / "jobs.sqlite3")
        try:
            assert stored.get(job.id).state is JobState.EXPORTING and stored.get(job.id).export_id == export_id
        finally:
            stored.close()

        second = queue_factory(client)
        assert second.job(job.id) is not None  # listed at start
        qtbot.waitUntil(lambda: second.job(job.id).finished, timeout=60000)
        resumed = second.job(job.id)
        assert resumed.state is JobState.DONE, resumed.error
        assert resumed.export_id == export_id
        assert len(service.state.exports._jobs) == 1, "a second export was made"


def test_cancel_and_retry(qtbot, make_demo_service, tmp_path, queue_factory):
    service = make_demo_service(export_delay=3.0)
    with IntegrationClient(service.integration_key, service.base_url) as client:
        queue = queue_factory(client)
        job = queue.submit(_request(service, client, tmp_path, ExportMode.VIDEO, evidence=False))
        qtbot.waitUntil(lambda: queue.job(job.id).state is JobState.EXPORTING, timeout=20000)
        queue.cancel(job.id)
        qtbot.waitUntil(lambda: queue.job(job.id).finished, timeout=20000)
        assert queue.job(job.id).state is JobState.CANCELLED and queue.job(job.id).can_retry
        queue.retry(job.id)
        qtbot.waitUntil(lambda: queue.job(job.id).state is JobState.DONE, timeout=60000)
        assert queue.job(job.id).dest.exists()
        queue.remove(job.id)
        assert queue.job(job.id) is None and queue.job(job.id) not in queue.jobs()


def test_a_store_that_cannot_be_opened_still_exports_and_says_so(qtbot, demo_service, demo_client, tmp_path, queue_factory):
    messages = MessageHub()
    said: list[str] = []
    messages.posted.connect(lambda message: said.append(message.text))
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the store's folder should be")
    queue = queue_factory(demo_client, blocked / "jobs.sqlite3", messages=messages)
    assert any("not kept after you quit" in text for text in said), said
    job = queue.submit(_request(demo_service, demo_client, tmp_path, evidence=False))
    qtbot.waitUntil(lambda: queue.job(job.id).finished, timeout=60000)
    assert queue.job(job.id).state is JobState.DONE, queue.job(job.id).error
