"""The CLI against the demo service over real HTTP: output, --json, exit codes, no secrets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from faceter_viewer.cli.main import main


@pytest.fixture
def cli(demo_service, monkeypatch, capsys):
    monkeypatch.setenv("FACETER_INTEGRATION_KEY", demo_service.integration_key)
    monkeypatch.delenv("FACETER_BASE_URL", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["--base-url", demo_service.base_url, *args])
        except SystemExit as exc:  # argparse and usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "faceter_viewer", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("cameras", "events", "export", "demo-server"):
        assert command in result.stdout


def test_cameras_table_and_json(cli, demo_service):
    code, out, err = cli("cameras")
    assert code == 0, err
    assert f"{len(demo_service.cameras)} camera(s)" in out
    code, out, _ = cli("cameras", "--json")
    assert code == 0
    cameras = json.loads(out)
    assert {c["id"] for c in cameras} == {c.id for c in demo_service.cameras}
    assert all("isOnline" in c and "is_online" not in c for c in cameras)
    tokens = [c["archiveApiToken"] for c in cameras if "archiveApiToken" in c]
    assert tokens and all(t["signature"] == "***" for t in tokens)  # §21: no secret printed


def test_events_by_title_with_type_and_limit(cli, demo_client):
    camera = next(c for c in demo_client.list_cameras() if c.is_archive_granted)
    code, out, err = cli("events", camera.title, "--type", "Motion", "--type", "Human", "--limit", "150", "--json")
    assert code == 0, err
    events = json.loads(out)
    assert 0 < len(events) <= 150
    assert len({e["id"] for e in events}) == len(events)
    assert {e["type"] for e in events} <= {"Motion", "Human"}
    starts = [e["startTime"] for e in events]
    assert starts == sorted(starts, reverse=True)  # newest first
    assert all(isinstance(e.get("attributes", []), list) for e in events)  # as the API names them


def test_events_limit_is_the_total_across_pages(cli, demo_client):
    camera = next(c for c in demo_client.list_cameras() if c.is_archive_granted)
    code, out, _ = cli("events", camera.id, "--limit", "250", "--json")
    assert code == 0
    assert len(json.loads(out)) == 250  # more than one page of 100


def test_exit_codes(cli, demo_service, monkeypatch):
    code, _, err = cli("events", "no such camera")
    assert code == 4 and "no such camera" in err and "Traceback" not in err
    code, _, err = cli("events", demo_service.cameras[0].id, "--from", "yesterday-ish")
    assert code == 2 and "--from" in err
    code, _, err = cli("events", demo_service.cameras[0].id, "--limit", "0")
    assert code == 2
    monkeypatch.setenv("FACETER_INTEGRATION_KEY", "wrong-key-123456")
    code, _, err = cli("cameras")
    assert code == 3 and "wrong-key-123456" not in err
    assert len(err.strip().splitlines()) == 1


def test_no_key_is_an_authentication_error(demo_service, monkeypatch, capsys, tmp_path):
    monkeypatch.delenv("FACETER_INTEGRATION_KEY", raising=False)
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        assert main(["--base-url", demo_service.base_url, "cameras"]) == 3
    finally:
        keyring.set_keyring(previous)
    assert "FACETER_INTEGRATION_KEY" in capsys.readouterr().err
    key_file = tmp_path / "key"
    key_file.write_text(demo_service.integration_key + "\n")
    assert main(["--base-url", demo_service.base_url, "--key-file", str(key_file), "cameras"]) == 0


def test_unreachable_service_is_exit_5(monkeypatch, capsys):
    monkeypatch.setenv("FACETER_INTEGRATION_KEY", "some-key-123456")
    code = main(["--base-url", "http://127.0.0.1:9/integration-api", "cameras"])
    err = capsys.readouterr().err
    assert code == 5
    assert "cannot connect" in err and "some-key-123456" not in err


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["clip", "video", "audio"])
def test_export_writes_the_file_only_when_complete(cli, demo_client, tmp_path, mode):
    camera = next(c for c in demo_client.list_cameras() if c.is_archive_granted and c.is_audio_granted)
    start = demo_client.list_recordings(camera.id)[-1].start_date
    output = tmp_path / f"out-{mode}"
    code, out, err = cli("export", camera.id, "--from", start.isoformat(), "--duration", "4", "--mode", mode, "--output", str(output))
    assert code == 0, err
    assert "Saved" in err
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [output.name]  # no .part left behind
    data = output.read_bytes()
    assert len(data) > 1000
    if mode != "audio":
        assert data[4:8] == b"ftyp"  # an MP4
