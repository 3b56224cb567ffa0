"""The CLI against the demo service over real HTTP: output, --json, exit codes, no secrets."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from faceter_viewer.api.models import NewEvent
from faceter_viewer.cli.main import main


def _runner(service, monkeypatch, capsys):
    monkeypatch.setenv("FACETER_INTEGRATION_KEY", service.integration_key)
    monkeypatch.delenv("FACETER_BASE_URL", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            code = main(["--base-url", service.base_url, *args])
        except SystemExit as exc:  # argparse and usage errors
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def cli(demo_service, monkeypatch, capsys):
    return _runner(demo_service, monkeypatch, capsys)


def test_help_lists_the_commands():
    result = subprocess.run([sys.executable, "-m", "faceter_viewer", "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for command in ("cameras", "events", "create-event", "export", "demo-server"):
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


@pytest.mark.parametrize("sort", ["asc", "DESC"])
def test_events_sort(cli, demo_service, sort):
    code, out, err = cli("events", demo_service.cameras[0].id, "--sort", sort, "--limit", "150", "--json")
    assert code == 0, err
    starts = [e["startTime"] for e in json.loads(out)]
    assert len(starts) == 150
    assert starts == sorted(starts, reverse=sort == "DESC")


def test_events_sort_none_is_one_answer_in_the_services_order(cli, demo_service, demo_client):
    camera = demo_service.cameras[0]
    code, out, err = cli("events", camera.id, "--sort", "none", "--limit", "7", "--json")
    assert code == 0 and err == ""
    assert [e["id"] for e in json.loads(out)] == [e.id for e in demo_client.list_events(camera.id, limit=7, sort="None").items]
    code, out, err = cli("events", camera.id, "--sort", "none", "--limit", "1500", "--json")
    assert code == 0
    assert len(json.loads(out)) == 1000  # the demo answers at most 1000 at a time
    assert "--sort none cannot read past one answer" in err
    code, _, err = cli("events", camera.id, "--sort", "sideways")
    assert code == 2 and "--sort" in err


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
    evidence = [] if mode == "audio" else [f"{output.name}.json", "SHA256SUMS"]  # on by default for video
    assert files == sorted([output.name, *evidence])  # no .part left behind
    data = output.read_bytes()
    assert len(data) > 1000
    if mode != "audio":
        assert data[4:8] == b"ftyp"  # an MP4


def test_export_evidence_switch_and_callback_url(cli, demo_client, tmp_path):
    from tests.helpers.callback_receiver import CallbackReceiver

    camera = next(c for c in demo_client.list_cameras() if c.is_archive_granted and c.is_audio_granted)
    start = demo_client.list_recordings(camera.id)[-1].start_date.isoformat()
    plain = tmp_path / "plain"
    plain.mkdir()
    code, _, err = cli("export", camera.id, "--from", start, "--duration", "2", "--no-evidence", "--output", str(plain / "a.mp4"))
    assert code == 0, err
    assert sorted(p.name for p in plain.iterdir()) == ["a.mp4"]

    with CallbackReceiver() as receiver:
        code, _, err = cli(
            "export", camera.id, "--from", start, "--duration", "2", "--mode", "audio", "--evidence",
            "--callback-url", receiver.url + "/hook", "--output", str(tmp_path / "sound.m4a"),
        )  # fmt: skip
        assert code == 0, err
        [body] = receiver.wait_for(1)
    saved = next(p for p in tmp_path.iterdir() if p.name.startswith("sound."))
    assert body["status"] == "Completed" and body["audioUrl"]
    assert (tmp_path / f"{saved.name}.json").exists() and (tmp_path / "SHA256SUMS").exists()


def test_jobs_lists_what_export_stored(cli, demo_client, tmp_path):
    camera = next(c for c in demo_client.list_cameras() if c.is_archive_granted)
    start = demo_client.list_recordings(camera.id)[-1].start_date.isoformat()
    code, _, err = cli("export", camera.id, "--from", start, "--duration", "2", "--no-evidence", "--output", str(tmp_path / "j.mp4"))
    assert code == 0, err
    code, out, _ = cli("jobs", "--json")
    assert code == 0
    mine = [job for job in json.loads(out) if job["dest"] == str(tmp_path / "j.mp4")]
    assert len(mine) == 1 and mine[0]["state"] == "done" and mine[0]["mode"] == "clip"
    code, out, _ = cli("jobs")
    assert code == 0 and "j.mp4" in out and "STATE" in out


# --- create-event -------------------------------------------------------------------------------


def _jpeg_file(path) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 27), (20, 90, 200)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def _events_at(client, camera_id, at):
    return client.list_events(camera_id, start=at, end=at, limit=1000).items


def test_create_event_prints_the_new_id_and_the_event_is_listed(cli, demo_service, demo_client):
    camera = demo_service.cameras[1]
    start = datetime(2026, 1, 20, 6, 30, 15, tzinfo=UTC)  # outside the generated archive: alone there
    code, out, err = cli(
        "create-event", camera.title, "--start", "2026-01-20T06:30:15Z", "--end", "2026-01-20T06:31:00Z",
        "--type", "human", "--attr", "zone=door", "--attr", "note=a = b",
    )  # fmt: skip
    assert code == 0, err
    event_id = out.strip()
    assert str(uuid.UUID(event_id)) == event_id and len(out.splitlines()) == 1
    [listed] = _events_at(demo_client, camera.id, start)
    assert listed.id == event_id and listed.type == "Human"
    assert listed.end_time == start + timedelta(seconds=45)
    assert listed.attributes == {"zone": "door", "note": "a = b"}


def test_create_event_instant_with_a_snapshot_as_json(cli, demo_service, demo_client, tmp_path):
    camera = demo_service.cameras[1]
    jpeg = _jpeg_file(tmp_path / "snap.jpg")
    code, out, err = cli(
        "create-event", camera.id, "--start", "2026-01-20T07:00:00.250Z", "--instant",
        "--snapshot", str(tmp_path / "snap.jpg"), "--json",
    )  # fmt: skip
    assert code == 0, err
    sent = json.loads(out)
    assert sent["cameraId"] == camera.id and sent["instant"] is True and "endDate" not in sent
    assert sent["eventType"] == "Custom" and sent["snapshotBytes"] == len(jpeg) and "snapshot" not in sent
    start = datetime(2026, 1, 20, 7, 0, 0, 250_000, tzinfo=UTC)
    [listed] = _events_at(demo_client, camera.id, start)
    assert listed.id == sent["eventId"] and listed.end_time == start
    assert httpx.get(listed.preview_url).content == jpeg  # the demo serves the posted snapshot


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--start", "soon"], "--start"),
        (["--start", "2026-01-20T07:00:00Z", "--end", "2026-01-20T06:00:00Z"], "--end must not be before --start"),
        (["--start", "2026-01-20T07:00:00Z", "--end", "2026-01-20T08:00:00Z", "--instant"], "not allowed with"),
        (["--start", "2026-01-20T07:00:00Z", "--attr", "novalue"], "KEY=VALUE"),
        (["--start", "2026-01-20T07:00:00Z", "--attr", "=v"], "KEY=VALUE"),
        (["--start", "2026-01-20T07:00:00Z", "--attr", "a=1", "--attr", "a=2"], "given twice"),
        (["--start", "2026-01-20T07:00:00Z", "--type", "Doorbell"], "unknown event type 'Doorbell'"),
        (["--start", "2026-01-20T07:00:00Z", "--snapshot", "/no/such/file.jpg"], "cannot read"),
        (["--start", "2026-01-20T07:00:00Z", "--snapshot", __file__], "is not a JPEG"),
        (["--end", "2026-01-20T07:00:00Z"], "--start"),
    ],
)
def test_create_event_bad_input_is_exit_2_before_any_request(cli, demo_service, args, says):
    before = len(demo_service.state.requests)
    code, out, err = cli("create-event", demo_service.cameras[1].id, *args)
    assert code == 2 and out == ""
    assert says in err and "Traceback" not in err
    assert len(demo_service.state.requests) == before, "nothing was sent"


def test_create_event_retried_after_a_5xx_exists_once(cli, demo_service, demo_client, demo_faults):
    camera = demo_service.cameras[1]
    path = f"/integration-api/v1/cameras/{camera.id}/events"
    posts_before = demo_service.state.request_counts[path]
    demo_faults.add("error_rate", "/v1/cameras/*/events", probability=1.0, status=503, count=1)
    code, out, err = cli("create-event", camera.id, "--start", "2026-01-21T00:00:00Z", "--type", "Intrusion")
    assert code == 0, err
    assert demo_faults.fired["error_rate"] == 1
    assert demo_service.state.request_counts[path] - posts_before == 2  # the 503, then the retry
    listed = _events_at(demo_client, camera.id, datetime(2026, 1, 21, tzinfo=UTC))
    assert [e.id for e in listed] == [out.strip()]


def test_create_event_answer_lost_then_resent_is_stored_once(cli, demo_service, demo_client):
    """What the retry relies on: the service took the first POST, its answer was lost, and the
    same body (same eventId) comes again."""
    camera = demo_service.cameras[1]
    event = NewEvent(start_date=datetime(2026, 1, 21, 1, 0, tzinfo=UTC), event_type="Face")
    demo_client.create_event(camera.id, event)
    demo_client.create_event(camera.id, event)
    assert [e.id for e in _events_at(demo_client, camera.id, event.start_date)] == [event.event_id]


def test_events_reports_an_instant_holding_more_than_a_page(make_demo_service, monkeypatch, capsys):
    service = make_demo_service(cameras=1)
    cli = _runner(service, monkeypatch, capsys)
    camera = service.cameras[0]
    at = datetime(2026, 1, 22, 12, 0, 0, 500_000, tzinfo=UTC)
    from faceter_viewer.api import IntegrationClient

    with IntegrationClient(service.integration_key, service.base_url) as client:
        for _ in range(105):
            client.create_event(camera.id, NewEvent(start_date=at, instant=True))
        client.create_event(camera.id, NewEvent(event_id=str(uuid.uuid4()), start_date=at - timedelta(minutes=5)))
    code, out, err = cli(
        "events", camera.id, "--from", "2026-01-22T11:00:00Z", "--to", "2026-01-22T13:00:00Z", "--limit", "500", "--json"
    )
    assert code == 0
    assert len(json.loads(out)) == 101  # a page of the instant, and the older event past it
    local = at.astimezone()
    assert f"faceter-viewer: more than 100 events at {local:%H:%M:%S}.500; showing 100" in err
