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
