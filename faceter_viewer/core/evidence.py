"""The evidence package of an export: a JSON sidecar next to the file, and a SHA256SUMS file.

An exported clip may end up in a report or a court file, so what it shows must be checkable by
someone who has neither this app nor the cloud account: `<file>.json` says which camera, which
range (UTC, and local time with its offset and zone), how the file was made (mode, export id, the
source URL with secrets masked), which events fall in the range, and the file's size and SHA-256;
`SHA256SUMS` lists the file and its sidecar in the format `sha256sum -c SHA256SUMS` checks. The
sidecar's shape is docs/evidence.schema.json (JSON Schema 2020-12, `schemaVersion` 1).

    sidecar = write_evidence(EvidenceInput(file=path, ...))
    update_sha256sums(path.parent, [path.name, sidecar.name])

Both files are written atomically (a hidden temp file in the same folder, fsync, os.replace, the
folder fsynced), so a crash leaves the old version or the new one, never half of one. SHA256SUMS
keeps the lines of other files (one folder collects many exports) and replaces the line of a
file exported again. GNU sha256sum escapes a name holding a backslash (the line then starts with
`\\`); such names are written that way. Names with a newline or a carriage return are refused:
coreutils before 9 cannot read them back (safe_filename never makes them).

Pure Python, no Qt: the export runner calls this on a worker thread (hashing a large file takes
a while).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from faceter_viewer.api.redaction import redact
from faceter_viewer.core.timeline.localtime import system_timezone

SCHEMA_VERSION = 1
SUMS_NAME = "SHA256SUMS"
MODES = ("clip", "video", "audio")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
# GNU: "<hash>  <name>" (text) or "<hash> *<name>" (binary); BSD/--tag: "SHA256 (<name>) = <hash>".
# Either may start with a backslash, meaning the name is escaped (\\ and \n).
_GNU_LINE = re.compile(r"(\\?)([0-9a-fA-F]{64}) [ *](.*)")
_TAG_LINE = re.compile(r"(\\?)SHA256 \((.*)\) = ([0-9a-fA-F]{64})")
_folder_locks: dict[str, threading.Lock] = {}
_folder_locks_guard = threading.Lock()


@dataclass(frozen=True)
class EvidenceInput:
    """Everything the sidecar says. Datetimes must be aware; they are written in UTC and local."""

    file: Path
    camera_id: str
    camera_title: str
    location: str | None
    room: str | None
    serial_number: str | None
    start: datetime
    end: datetime
    mode: str  # "clip" | "video" | "audio"
    export_id: str | None
    source_url: str  # already redacted by the caller (masked again here, to be sure)
    events: list[dict[str, Any]]  # the API's event JSON (by alias), as read for the range
    app_version: str
    created_at: datetime
    local_tz: tzinfo | None = None  # the zone "local time" means; None: the system's


def sha256_file(path: Path) -> str:
    """The file's SHA-256 as 64 lowercase hex digits."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def sidecar_path(file: Path) -> Path:
    """`clip.mp4` -> `clip.mp4.json` (the whole name kept: `clip.mp3` and `clip.mp4` differ)."""
    return file.with_name(file.name + ".json")


def evidence_document(inp: EvidenceInput) -> dict[str, Any]:
    """The sidecar's content (hashes the file)."""
    _check_input(inp)
    zone = inp.local_tz or system_timezone()
    return {
        "schemaVersion": SCHEMA_VERSION,
        "file": {"name": inp.file.name, "size": inp.file.stat().st_size, "sha256": sha256_file(inp.file)},
        "camera": {
            "id": inp.camera_id,
            "title": inp.camera_title,
            "location": inp.location,
            "room": inp.room,
            "serialNumber": inp.serial_number,
        },
        "start": _moment(inp.start, zone),
        "end": _moment(inp.end, zone),
        "durationSeconds": (inp.end - inp.start).total_seconds(),
        "timeZone": _zone_name(zone, inp.start),
        "mode": inp.mode,
        "exportId": inp.export_id,
        "sourceUrl": redact(inp.source_url),
        "events": [_redacted(event) for event in inp.events],
        "appVersion": inp.app_version,
        "createdAt": _utc_text(inp.created_at),
    }


def write_evidence(inp: EvidenceInput) -> Path:
    """Write `<file>.json` atomically; return its path."""
    document = evidence_document(inp)
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    path = sidecar_path(inp.file)
    _write_atomic(path, text.encode("utf-8"))
    return path


def update_sha256sums(folder: Path, names: list[str]) -> Path:
    """Hash `names` (files in `folder`) into `folder/SHA256SUMS`: their old lines are replaced,
    the other files' lines kept as they were, new names appended. Atomic; returns the path."""
    folder = Path(folder)
    for name in names:
        _check_listable(name)
    digests = {name: sha256_file(folder / name) for name in dict.fromkeys(names)}
    path = folder / SUMS_NAME
    with _folder_lock(folder):
        try:
            old_lines = path.read_bytes().decode("utf-8", errors="surrogateescape").splitlines()
        except FileNotFoundError:
            old_lines = []
        lines = [line for line in old_lines if _listed_name(line) not in digests]
        lines += [sums_line(digest, name) for name, digest in digests.items()]
        data = "".join(line + "\n" for line in lines).encode("utf-8", errors="surrogateescape")
        _write_atomic(path, data)
    return path


def sums_line(digest: str, name: str) -> str:
    """One line as GNU sha256sum writes it (text mode), escaping a backslash in the name."""
    _check_listable(name)
    if "\\" in name:
        return f"\\{digest}  {name.replace(chr(92), chr(92) * 2)}"
    return f"{digest}  {name}"


# --- helpers ------------------------------------------------------------------------------------


def _check_input(inp: EvidenceInput) -> None:
    for label, value in (("start", inp.start), ("end", inp.end), ("created_at", inp.created_at)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"evidence: {label} must be an aware datetime, got {value!r}")
    if inp.end < inp.start:
        raise ValueError(f"evidence: end {inp.end} is before start {inp.start}")
    if inp.mode not in MODES:
        raise ValueError(f"evidence: mode must be one of {', '.join(MODES)}, got {inp.mode!r}")


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _moment(value: datetime, zone: tzinfo) -> dict[str, str]:
    """UTC with Z, and the wall clock of `zone` with its offset at that instant (DST included)."""
    return {"utc": _utc_text(value), "local": value.astimezone(zone).isoformat(timespec="milliseconds")}


def _zone_name(zone: tzinfo, at: datetime) -> str:
    """The IANA name when there is one (Europe/Berlin), else what the zone calls itself (CET)."""
    if isinstance(zone, ZoneInfo):
        return zone.key
    return at.astimezone(zone).tzname() or "local"


def _redacted(value: Any) -> Any:
    """A copy of event JSON with secrets masked in every string (a signed previewUrl)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value


def _check_listable(name: str) -> None:
    if not name or name in (".", "..") or "/" in name or "\0" in name or (os.sep != "/" and os.sep in name):
        raise ValueError(f"SHA256SUMS lists names of files in its folder, not {name!r}")
    if "\n" in name or "\r" in name:
        raise ValueError(f"a file name with a line break cannot be listed in SHA256SUMS: {name!r}")
    if name == SUMS_NAME:
        raise ValueError("SHA256SUMS cannot list itself")


def _listed_name(line: str) -> str | None:
    """The file name a SHA256SUMS line is about (unescaped), or None for a line of another kind."""
    if match := _GNU_LINE.fullmatch(line):
        escaped, name = match.group(1), match.group(3)
    elif match := _TAG_LINE.fullmatch(line):
        escaped, name = match.group(1), match.group(2)
    else:
        return None
    return _unescape(name) if escaped else name


def _unescape(name: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "r": "\r"}.get(m.group(1), m.group(1)), name)


def _folder_lock(folder: Path) -> threading.Lock:
    """One lock per folder in this process: two exports finishing together into one folder must
    not lose each other's SHA256SUMS line (read, change, replace is not atomic as a whole)."""
    key = os.path.normcase(os.path.abspath(folder))
    with _folder_locks_guard:
        return _folder_locks.setdefault(key, threading.Lock())


def _write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to a hidden temp file beside `path`, fsync it, put it in place, fsync the folder."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "xb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; Windows cannot open a folder for this)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

