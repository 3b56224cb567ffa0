"""The export job store: every field survives a reopen, a second process sees what one saved,
and the CLI's "same request" lookup finds an unfinished job but never a done one."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import pytest

from faceter_viewer.services.exports.job import ExportJob, ExportMode, JobState
from faceter_viewer.services.exports.store import JobStore

START = datetime(2026, 12, 3, 3, 12, 7, 250000, tzinfo=timezone.utc)


def make_job(tmp_path: Path, **changes) -> ExportJob:
    job = ExportJob(
        service_url="http://127.0.0.1:9/integration-api",
        camera_id="cam-1",
        camera_title="Gate «north» 门",
        start=START,
        duration=60,
        mode=ExportMode.VIDEO,
        dest=tmp_path / "Gate 2026-12-03 06-12-07.mp4",
    )
    for name, value in changes.items():
        setattr(job, name, value)
    return job


def test_every_field_survives_a_reopen(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    job = make_job(
        tmp_path, audio=True, evidence=False, callback_url="http://127.0.0.1:5/cb", state=JobState.DOWNLOADING,
        export_id="exp-1", file_url="http://x/f.mp4", bytes_done=123, bytes_total=456, error=None, size_estimate=999,
    )
    store = JobStore(path)
    store.save(job)
    store.close()
    again = JobStore(path)
    try:
        [read] = again.jobs(job.service_url)
        assert read == job
        assert read.start.tzinfo is not None and read.start == START
        assert again.unfinished(job.service_url) == [job]
        assert again.jobs("http://other") == []
        assert again.get(job.id) == job and again.get("nope") is None
    finally:
        again.close()


def test_the_store_is_wal_with_a_schema_version(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    JobStore(path).close()
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    finally:
        db.close()


def test_a_newer_schema_is_refused_not_overwritten(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=7")
    db.close()
    with pytest.raises(sqlite3.DatabaseError, match="newer"):
        JobStore(path)


def test_find_same_finds_the_unfinished_job_of_the_same_request_only(tmp_path):
    store = JobStore(tmp_path / "jobs.sqlite3")
    try:
        failed = make_job(tmp_path, state=JobState.FAILED, created_at=1.0)
        exporting = make_job(tmp_path, state=JobState.EXPORTING, export_id="e-2", created_at=2.0)
        done = make_job(tmp_path, state=JobState.DONE, created_at=3.0)
        other_range = make_job(tmp_path, duration=61, state=JobState.EXPORTING, created_at=4.0)
        for job in (failed, exporting, done, other_range):
            store.save(job)
        asked = make_job(tmp_path)
        assert store.find_same(asked) == exporting
        store.delete(exporting.id)
        assert store.find_same(asked) == failed
        assert store.find_same(make_job(tmp_path, mode=ExportMode.AUDIO)) is None
    finally:
        store.close()


def _save_in_child(path: str, job_id: str) -> None:
    store = JobStore(Path(path))
    job = make_job(Path(path).parent, id=job_id, state=JobState.EXPORTING, export_id="from-child")
    store.save(job)
    # no close: the process ends the hard way, as a killed app would
    import os

    os._exit(0)


def test_a_save_is_on_disk_when_it_returns_even_if_the_process_dies(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    child = multiprocessing.get_context("spawn").Process(target=_save_in_child, args=(str(path), "j-child"))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    store = JobStore(path)
    try:
        job = store.get("j-child")
        assert job is not None and job.export_id == "from-child" and job.state is JobState.EXPORTING
    finally:
        store.close()
