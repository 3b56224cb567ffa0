"""A killed `faceter-viewer export` resumes its stored job when run again: the same export id
(no second export is made), and `faceter-viewer jobs` lists it. Real processes, SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from faceter_viewer.api.integration import IntegrationClient
from tests.helpers.demo_fixtures import recent_archive_time


def _env(service, data_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        FACETER_BASE_URL=service.base_url,
        FACETER_INTEGRATION_KEY=service.integration_key,
        XDG_DATA_HOME=str(data_home),  # the job store of this test only
        PYTHONUNBUFFERED="1",
    )
    return env


def _export_command(camera_id: str, start: float, output: Path) -> list[str]:
    when = datetime.fromtimestamp(start, UTC).isoformat()
    return [sys.executable, "-m", "faceter_viewer", "export", camera_id, "--from", when, "--duration", "4",
            "--mode", "video", "--output", str(output)]  # fmt: skip


def _wait_for_line(process: subprocess.Popen, pattern: str, timeout: float = 60.0) -> str:
    deadline = time.monotonic() + timeout
    assert process.stderr is not None
    lines = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        if pattern in line:
            return line
    raise AssertionError(f"{pattern!r} not seen; stderr was: {''.join(lines)}")


@pytest.mark.slow
def test_an_export_killed_while_polling_resumes_the_same_export_when_run_again(make_demo_service, tmp_path):
    service = make_demo_service(export_delay=6.0)
    with IntegrationClient(service.integration_key, service.base_url) as client:
        camera = next(c for c in client.list_cameras() if c.has_archive_access)
    output = tmp_path / "out.mp4"
    command = _export_command(camera.id, recent_archive_time(service) + 5, output)
    env = _env(service, tmp_path / "data")

    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        line = _wait_for_line(first, "Exporting (export ")
        export_id = line.split("(export ", 1)[1].rstrip(")\n")
        first.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        if first.poll() is None:
            first.kill()
        first.stderr.close()
    assert not output.exists()
    assert len(service.state.exports._jobs) == 1

    listed = subprocess.run([sys.executable, "-m", "faceter_viewer", "jobs", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    [stored] = json.loads(listed.stdout)
    assert stored["exportId"] == export_id and stored["state"] == "exporting"

    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert f"Resuming the stored job {stored['id'][:8]}" in again.stderr
    assert f"export {export_id}" in again.stderr
    assert len(service.state.exports._jobs) == 1, "the run again made a second export"
    assert output.read_bytes()[4:8] == b"ftyp"
    assert (tmp_path / "SHA256SUMS").exists() and (tmp_path / "out.mp4.json").exists()

    table = subprocess.run([sys.executable, "-m", "faceter_viewer", "jobs"], env=env, capture_output=True, text=True, timeout=60)
    assert "done" in table.stdout and "1 job(s)" in table.stdout


KILLED_MID_DOWNLOAD = """
import os, signal, sys
from datetime import datetime, timezone
from pathlib import Path
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.services.exports.job import ExportJob, ExportMode
from faceter_viewer.services.exports.runner import JobRunner
from faceter_viewer.services.exports.store import JobStore

base_url, key, camera_id, title, start, dest, store_path = sys.argv[1:]
client = IntegrationClient(key, base_url)
store = JobStore(Path(store_path))
job = ExportJob(service_url=base_url, camera_id=camera_id, camera_title=title,
                start=datetime.fromtimestamp(int(start), timezone.utc), duration=20,
                mode=ExportMode.VIDEO, dest=Path(dest))
print(job.id, flush=True)

def on_change(job):
    if job.state == "downloading" and job.bytes_done > 0:
        os.kill(os.getpid(), signal.SIGKILL)  # mid-body, the job stored as downloading

JobRunner(client, store, on_change=on_change).run(job)
"""


@pytest.mark.slow
def test_an_export_killed_mid_download_resumes_with_a_range_request_and_the_same_export(make_demo_service, tmp_path):
    service = make_demo_service(export_delay=0.6)
    with IntegrationClient(service.integration_key, service.base_url) as client:
        camera = next(c for c in client.list_cameras() if c.has_archive_access)
    dest = tmp_path / "incident.mp4"
    store_path = tmp_path / "jobs.sqlite3"
    child = subprocess.run(
        [sys.executable, "-c", KILLED_MID_DOWNLOAD, service.base_url, service.integration_key, camera.id,
         camera.title, str(recent_archive_time(service) + 5), str(dest), str(store_path)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    job_id = child.stdout.strip()
    part = tmp_path / "incident.mp4.part"
    assert not dest.exists() and part.exists() and part.stat().st_size > 0
    kept = part.stat().st_size

    from faceter_viewer.services.exports.job import JobState
    from faceter_viewer.services.exports.runner import JobRunner
    from faceter_viewer.services.exports.store import JobStore

    store = JobStore(store_path)
    try:
        job = store.get(job_id)
        assert job.state is JobState.DOWNLOADING and job.export_id
        export_id = job.export_id
        with IntegrationClient(service.integration_key, service.base_url) as client:
            JobRunner(client, store).run(job)
    finally:
        store.close()
    assert job.state is JobState.DONE, job.error
    assert job.export_id == export_id and len(service.state.exports._jobs) == 1
    ranges = [range_ for path, range_, _ in service.state.range_requests if path.startswith("/demo-files/exports/")]
    assert f"bytes={kept}-" in ranges, ranges
    assert dest.read_bytes()[4:8] == b"ftyp" and not part.exists()
