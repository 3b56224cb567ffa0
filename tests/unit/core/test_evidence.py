"""The evidence sidecar and SHA256SUMS: the JSON validates against docs/evidence.schema.json, the
real `sha256sum -c SHA256SUMS` accepts the folder (and catches one changed byte), other files'
lines survive a re-export, odd names work, and every write is atomic."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import subprocess
import threading
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import jsonschema
import pytest

from faceter_viewer.api.models import Event
from faceter_viewer.core import evidence
from faceter_viewer.core.evidence import (
    EvidenceInput,
    sha256_file,
    sidecar_path,
    update_sha256sums,
    write_evidence,
)

SCHEMA_PATH = Path(__file__).resolve().parents[3] / "docs" / "evidence.schema.json"
BERLIN = ZoneInfo("Europe/Berlin")
# 2026-03-29 01:00 UTC is when Berlin moves from +01:00 to +02:00: the range crosses it.
START = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
END = START + timedelta(hours=1, milliseconds=250)
SHA256SUM = shutil.which("sha256sum")
needs_sha256sum = pytest.mark.skipif(SHA256SUM is None, reason="GNU sha256sum is not installed")


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _media(folder: Path, name: str = "Entrance_2026-03-29_01-30-00.mp4", data: bytes | None = None) -> Path:
    path = folder / name
    path.write_bytes(data if data is not None else os.urandom(50_000))
    return path


def _event(event_id: str = "e1", preview: str = "https://cdn.example/p.jpg?signature=SECRETSIG&exp=1") -> dict:
    return Event(
        id=event_id,
        camera_id="cam-1",
        type="Motion",
        start_time=START + timedelta(minutes=5),
        end_time=START + timedelta(minutes=6),
        preview_url=preview,
        attributes={"zone": "door"},
    ).to_api()


def _input(file: Path, **changes: object) -> EvidenceInput:
    values: dict[str, object] = dict(
        file=file,
        camera_id="cam-1",
        camera_title="Entrance: O'Brien \u201cmain\u201d",
        location="HQ",
        room=None,
        serial_number="SN-42",
        start=START,
        end=END,
        mode="video",
        export_id="exp-123",
        source_url="http://127.0.0.1:1/demo-files/exports/exp-123.mp4?signature=abc123&exp=99",
        events=[_event()],
        app_version="0.1.0",
        created_at=datetime(2026, 3, 30, 9, 0, 0, 123456, tzinfo=UTC),
        local_tz=BERLIN,
    )
    values.update(changes)
    return EvidenceInput(**values)  # type: ignore[arg-type]


def _check(folder: Path) -> subprocess.CompletedProcess[str]:
    assert SHA256SUM is not None
    return subprocess.run([SHA256SUM, "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True, timeout=30)


# --- the sidecar --------------------------------------------------------------------------------


def test_the_sidecar_says_what_the_design_lists_and_validates(tmp_path, validator):
    media = _media(tmp_path)
    sidecar = write_evidence(_input(media))
    assert sidecar == tmp_path / (media.name + ".json") == sidecar_path(media)
    document = json.loads(sidecar.read_text(encoding="utf-8"))
    validator.validate(document)
    assert document["schemaVersion"] == 1
    assert document["file"] == {
        "name": media.name,
        "size": 50_000,
        "sha256": hashlib.sha256(media.read_bytes()).hexdigest(),
    }
    assert document["camera"] == {
        "id": "cam-1",
        "title": "Entrance: O'Brien \u201cmain\u201d",
        "location": "HQ",
        "room": None,
        "serialNumber": "SN-42",
    }
    # UTC with Z, and Berlin's wall clock with the offset of each instant (DST began in between).
    assert document["start"] == {"utc": "2026-03-29T00:30:00.000Z", "local": "2026-03-29T01:30:00.000+01:00"}
    assert document["end"] == {"utc": "2026-03-29T01:30:00.250Z", "local": "2026-03-29T03:30:00.250+02:00"}
    assert document["durationSeconds"] == 3600.25
    assert document["timeZone"] == "Europe/Berlin"
    assert (document["mode"], document["exportId"], document["appVersion"]) == ("video", "exp-123", "0.1.0")
    assert document["createdAt"] == "2026-03-30T09:00:00.123Z"
    assert document["events"] == [{**_event(), "previewUrl": "https://cdn.example/p.jpg?signature=***&exp=1"}]
    assert "\u201cmain\u201d" in sidecar.read_text(encoding="utf-8")  # UTF-8, not \u escapes


def test_secrets_are_masked_in_the_source_url_and_the_events(tmp_path):
    document = json.loads(write_evidence(_input(_media(tmp_path))).read_text(encoding="utf-8"))
    assert document["sourceUrl"] == "http://127.0.0.1:1/demo-files/exports/exp-123.mp4?signature=***&exp=99"
    assert "SECRETSIG" not in json.dumps(document) and "signature=***" in document["events"][0]["previewUrl"]


def test_a_clip_without_export_id_events_or_place_validates(tmp_path, validator):
    media = _media(tmp_path, "clip.mp4")
    inp = _input(media, mode="clip", export_id=None, events=[], location=None, serial_number=None, local_tz=None)
    document = json.loads(write_evidence(inp).read_text(encoding="utf-8"))
    validator.validate(document)
    assert document["exportId"] is None and document["events"] == [] and document["timeZone"]


def test_events_dumped_with_their_nulls_validate(tmp_path, validator):
    """The export runner dumps events without exclude_none: endTime and the rest may be null."""
    bare = Event(id="e2", start_time=START).model_dump(mode="json", by_alias=True)
    assert bare["endTime"] is None and bare["previewUrl"] is None
    document = json.loads(write_evidence(_input(_media(tmp_path), events=[bare])).read_text(encoding="utf-8"))
    validator.validate(document)
    assert document["events"] == [bare]


def test_a_fixed_offset_zone_is_named_as_it_names_itself(tmp_path, validator):
    zone = timezone(timedelta(hours=5, minutes=30), "IST")
    document = json.loads(write_evidence(_input(_media(tmp_path), local_tz=zone)).read_text(encoding="utf-8"))
    validator.validate(document)
    assert document["timeZone"] == "IST" and document["start"]["local"] == "2026-03-29T06:00:00.000+05:30"


def test_the_schema_is_strict(tmp_path, validator):
    document = json.loads(write_evidence(_input(_media(tmp_path))).read_text(encoding="utf-8"))
    broken = [
        {**document, "extra": 1},
        {k: v for k, v in document.items() if k != "sourceUrl"},
        {**document, "file": {**document["file"], "sha256": "ABC"}},
        {**document, "camera": {**document["camera"], "nickname": "x"}},
        {**document, "start": {"utc": "2026-03-29T00:30:00Z", "local": document["start"]["local"]}},
        {**document, "end": {**document["end"], "local": "2026-03-29T03:30:00.250"}},
        {**document, "mode": "snapshot"},
        {**document, "schemaVersion": 2},
        {**document, "events": [{"type": "Motion"}]},
    ]
    for bad in broken:
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(bad)


@pytest.mark.parametrize(
    "changes",
    [
        {"start": datetime(2026, 3, 29, 0, 30)},  # naive
        {"created_at": datetime(2026, 3, 30)},
        {"end": START - timedelta(seconds=1)},
        {"mode": "snapshot"},
    ],
)
def test_bad_input_is_refused_and_writes_nothing(tmp_path, changes):
    media = _media(tmp_path)
    with pytest.raises(ValueError, match="evidence"):
        write_evidence(_input(media, **changes))
    assert sorted(p.name for p in tmp_path.iterdir()) == [media.name]


def test_a_sidecar_written_again_replaces_the_old_one_whole(tmp_path, validator):
    media = _media(tmp_path)
    write_evidence(_input(media, events=[_event(f"e{i}") for i in range(200)]))
    media.write_bytes(b"shorter")
    sidecar = write_evidence(_input(media, events=[]))
    document = json.loads(sidecar.read_text(encoding="utf-8"))
    validator.validate(document)
    assert document["file"]["size"] == 7 and document["events"] == []
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([media.name, sidecar.name])


# --- SHA256SUMS ---------------------------------------------------------------------------------


@needs_sha256sum
def test_sha256sum_accepts_the_package_and_catches_one_changed_byte(tmp_path):
    media = _media(tmp_path)
    sidecar = write_evidence(_input(media))
    sums = update_sha256sums(tmp_path, [media.name, sidecar.name])
    assert sums == tmp_path / "SHA256SUMS"
    result = _check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [f"{media.name}: OK", f"{sidecar.name}: OK"]
    data = bytearray(media.read_bytes())
    data[len(data) // 2] ^= 0x01
    media.write_bytes(bytes(data))
    result = _check(tmp_path)
    assert result.returncode == 1 and f"{media.name}: FAILED" in result.stdout
    assert f"{sidecar.name}: OK" in result.stdout


@needs_sha256sum
def test_the_lines_are_the_ones_gnu_sha256sum_writes(tmp_path):
    names = ["a.mp4", "b c.mp4", "Камера ворота_2026.mp4", "a\\b.mp4"]
    for name in names:
        _media(tmp_path, name, name.encode() * 10)
    update_sha256sums(tmp_path, names)
    assert SHA256SUM is not None
    theirs = subprocess.run([SHA256SUM, "--", *names], cwd=tmp_path, capture_output=True, check=True).stdout
    assert (tmp_path / "SHA256SUMS").read_bytes() == theirs


def test_other_files_lines_are_kept_and_a_re_exported_file_gets_one_new_line(tmp_path):
    first, second = _media(tmp_path, "first.mp4"), _media(tmp_path, "second.mp4")
    update_sha256sums(tmp_path, [first.name])
    update_sha256sums(tmp_path, [second.name])
    before = (tmp_path / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert [line.split("  ", 1)[1] for line in before] == ["first.mp4", "second.mp4"]
    first.write_bytes(b"exported again")
    update_sha256sums(tmp_path, [first.name])
    after = (tmp_path / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert after == [before[1], f"{sha256_file(first)}  first.mp4"]


def test_lines_in_other_forms_are_recognised_and_foreign_lines_kept_byte_for_byte(tmp_path):
    media = _media(tmp_path, "x.mp4")
    stale = "0" * 64
    foreign = [
        f"SHA256 (x.mp4) = {stale}".encode(),  # BSD / --tag form of the same file: replaced
        f"{stale} *x.mp4".encode(),  # binary-mode form of the same file: replaced
        f"{stale}  old\xff.mp4".encode("latin-1"),  # not UTF-8: kept as it is
        b"# a note someone added",
        f"{stale}  other.mp4".encode(),
    ]
    (tmp_path / "SHA256SUMS").write_bytes(b"\n".join(foreign) + b"\n")
    update_sha256sums(tmp_path, [media.name])
    lines = (tmp_path / "SHA256SUMS").read_bytes().splitlines()
    assert lines == [*foreign[2:], f"{sha256_file(media)}  x.mp4".encode()]


@needs_sha256sum
@pytest.mark.parametrize(
    "name",
    [
        "Front gate 2026-04-10 03-12-05.mp4",
        " leading and trailing space .mp4",
        "Камера №1_2026-04-10.mp4",
        "入口カメラ_🎥.mp4",
        "back\\slash.mp4",
        "\\leading-backslash.mp4",
        "*star.mp4",
        "tab\there.mp4",
    ],
)
def test_odd_names_pass_sha256sum(tmp_path, name):
    media = _media(tmp_path, name)
    sidecar = write_evidence(_input(media))
    update_sha256sums(tmp_path, [media.name, sidecar.name])
    result = _check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    update_sha256sums(tmp_path, [media.name])  # its escaped line is found again, not doubled
    assert len((tmp_path / "SHA256SUMS").read_bytes().splitlines()) == 2
    assert _check(tmp_path).returncode == 0


@pytest.mark.parametrize("name", ["line\nbreak.mp4", "carriage\rreturn.mp4", "sub/dir.mp4", "", "..", "SHA256SUMS"])
def test_names_sha256sum_cannot_list_portably_are_refused(tmp_path, name):
    with pytest.raises(ValueError, match="SHA256SUMS"):
        update_sha256sums(tmp_path, [name])
    assert not (tmp_path / "SHA256SUMS").exists()


def test_a_missing_file_changes_nothing(tmp_path):
    update_sha256sums(tmp_path, [_media(tmp_path, "a.mp4").name])
    before = (tmp_path / "SHA256SUMS").read_bytes()
    with pytest.raises(FileNotFoundError):
        update_sha256sums(tmp_path, ["a.mp4", "gone.mp4"])
    assert (tmp_path / "SHA256SUMS").read_bytes() == before


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path, monkeypatch):
    a, b = _media(tmp_path, "a.mp4"), _media(tmp_path, "b.mp4")
    update_sha256sums(tmp_path, [a.name])
    before = (tmp_path / "SHA256SUMS").read_bytes()

    def disk_full(fd: int) -> None:  # a full disk shows at the latest when the data is flushed
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(evidence.os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space left"):
        update_sha256sums(tmp_path, [b.name])
    with pytest.raises(OSError, match="No space left"):
        write_evidence(_input(b))
    monkeypatch.undo()
    assert (tmp_path / "SHA256SUMS").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SHA256SUMS", "a.mp4", "b.mp4"]


def test_exports_finishing_together_keep_every_line(tmp_path):
    names = [_media(tmp_path, f"cam{i}.mp4", bytes([i]) * 1000).name for i in range(16)]
    barrier = threading.Barrier(len(names))

    def finish(name: str) -> None:
        barrier.wait()
        update_sha256sums(tmp_path, [name])

    threads = [threading.Thread(target=finish, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    listed = sorted(line.split("  ", 1)[1] for line in (tmp_path / "SHA256SUMS").read_text().splitlines())
    assert listed == sorted(names)


def test_sha256_file_matches_hashlib_on_a_file_larger_than_one_read(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)
    path = _media(tmp_path, "big.bin", data)
    assert sha256_file(path) == hashlib.sha256(data).hexdigest()
