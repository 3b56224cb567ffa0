"""What the CLI prints: tables, JSON, progress on stderr, and how it reads the user's times."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from typing import Any, TextIO

from faceter_viewer.api import rules
from faceter_viewer.api.models import Camera, Event
from faceter_viewer.api.redaction import MASK
from faceter_viewer.cli.usage import UsageError
from faceter_viewer.core.camera_groups import camera_sort_key, group_path


def parse_user_time(text: str | None, option: str) -> datetime | None:
    """An ISO time from the command line. Without an offset it is LOCAL time: that is what a
    person typing `--from 2026-04-10T03:12` means. (The API's own naive times are UTC, §4.)"""
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            return rules.parse_api_datetime(text)
        except ValueError:
            raise UsageError(f"{option}: not an ISO 8601 time: {text!r} (e.g. 2026-04-10T03:12:00)") from None
    if value.tzinfo is None:
        value = value.astimezone()  # interpret as local time
    return value.astimezone(UTC)


def local(value: datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S") if value else "-"


def public_camera(camera: Camera) -> dict[str, Any]:
    """The camera as the API names it, with the archive token's signature masked (§21)."""
    data = camera.to_api()
    token = data.get("archiveApiToken")
    if isinstance(token, dict) and "signature" in token:
        token["signature"] = MASK
    return data


def print_json(value: Any, stream: TextIO | None = None) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2), file=stream or sys.stdout)


def print_camera_table(cameras: list[Camera], stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    rows = [
        (
            " / ".join(group_path(camera)),
            camera.title,
            "online" if camera.is_online else "offline",
            camera.platform or "-",
            "yes" if camera.has_archive_access else "no",
            camera.id,
        )
        for camera in sorted(cameras, key=camera_sort_key)
    ]
    _print_table(("LOCATION / ROOM", "CAMERA", "STATE", "PLATFORM", "ARCHIVE", "ID"), rows, stream)
    print(f"{len(cameras)} camera(s)", file=stream)


def print_event_table(events: list[Event], stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    rows = [
        (
            local(event.start_time),
            local(event.end_time) if event.end_time else "-",
            event.type,
            str(event.merged_events_count or 1),
            ", ".join(f"{k}={v}" for k, v in event.attributes.items()),
            event.id,
        )
        for event in events
    ]
    _print_table(("START (LOCAL)", "END", "TYPE", "COUNT", "ATTRIBUTES", "ID"), rows, stream)
    print(f"{len(events)} event(s)", file=stream)


def print_job_table(jobs: list, stream: TextIO | None = None) -> None:
    """Stored export jobs (services/exports ExportJob), oldest first."""
    stream = stream or sys.stdout
    rows = [
        (
            job.id[:8],
            str(job.state),
            str(job.mode),
            job.camera_title,
            local(job.start),
            f"{job.duration} s",
            job.export_id or "-",
            str(job.dest),
            job.error or "",
        )
        for job in jobs
    ]
    _print_table(("JOB", "STATE", "MODE", "CAMERA", "START (LOCAL)", "LENGTH", "EXPORT ID", "FILE", "ERROR"), rows, stream)
    print(f"{len(jobs)} job(s)", file=stream)


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]], stream: TextIO) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip(), file=stream)


class Progress:
    """Progress lines on stderr: one line redrawn on a terminal, a line every few seconds in a log."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._tty = stream.isatty()
        self._last = 0.0
        self._open_line = False

    def say(self, text: str) -> None:
        self._end_line()
        print(text, file=self._stream, flush=True)

    def bytes(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        if not self._tty and now - self._last < 2.0 and (total is None or done < total):
            return
        self._last = now
        text = f"{_size(done)} of {_size(total)} ({done * 100 // total}%)" if total else f"{_size(done)}"
        if self._tty:
            self._stream.write("\r" + text.ljust(40))
            self._open_line = True
        else:
            self._stream.write(text + "\n")
        self._stream.flush()

    def done(self, text: str) -> None:
        self.say(text)

    def _end_line(self) -> None:
        if self._open_line:
            self._stream.write("\n")
            self._open_line = False


def _size(value: int | None) -> str:
    if value is None:
        return "?"
    if value < 1024 * 1024:
        return f"{value / 1024:.0f} KiB"
    return f"{value / 1024 / 1024:.1f} MiB"
