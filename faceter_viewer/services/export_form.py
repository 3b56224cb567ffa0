"""What the export dialog holds, what is wrong with it, and the requests it becomes (Qt-free).

`ExportForm` is the dialog's content as plain values; `refusal(now)` says in the user's words
(and for which field) why it cannot be exported yet, or None: an empty or reversed range, one
longer than api-rules §22 allows, a range in the future, no archive access or no audio grant for
a chosen camera, no archive in the range (`archive` says what the timeline knows, `sizes` what
the Archive API `size` answered), a callback URL that is not http(s), no folder or file name.
`requests()` makes one ExportRequest per chosen camera, named by `default_file_name` (camera
title and local start time, core/filenames.py) unless the user typed a name for the first one.

The size estimate is the sum of the Archive API `size` of every chosen camera (fetched by
services/export_estimate.py on the session's pool); `download_eta` turns it into seconds at a
speed measured on earlier downloads (`SpeedMemory`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from urllib.parse import urlsplit

from typing import TYPE_CHECKING

from faceter_viewer.api import rules
from faceter_viewer.core.camera_groups import camera_sort_key, group_path
from faceter_viewer.core.filenames import MAX_NAME_BYTES, clean_title, safe_filename
from faceter_viewer.core.timeline.localtime import format_duration, local_datetime
from faceter_viewer.services.exports.job import ExportMode, ExportRequest

if TYPE_CHECKING:
    from faceter_viewer.api.models import Camera

FUTURE_TOLERANCE = 2.0  # seconds: the service's clock and ours may differ a little
EVENT_TAIL = 5.0  # an export of an event runs this long past its end
_MEDIA_SUFFIXES = (".mp4", ".m4a", ".mp3")  # a typed one is replaced by the mode's own


@dataclass(frozen=True)
class Refusal:
    field: str  # "cameras", "start", "end", "duration", "mode", "audio", "callback", "folder", "name"
    text: str


def whole_seconds(start: float, end: float) -> tuple[float, float]:
    """The range widened to whole seconds (api-rules §22): the file covers all that was chosen."""
    return float(math.floor(start)), float(math.ceil(end))


def event_range(start: float, end: float | None, pre_roll: float, now: float) -> tuple[float, float]:
    """What an export of an event covers: from the pre-roll before it to EVENT_TAIL after it
    (an instant event: after its start), never past now."""
    last = (end if end is not None and end > start else start) + EVENT_TAIL
    return whole_seconds(max(0.0, start - pre_roll), min(last, now))


def room_mates(camera: Camera, cameras: Sequence[Camera]) -> list[Camera]:
    """The other cameras of the camera's group (its room, else its location; api-rules §8), in
    the tree's order: the ones an export of one range for several cameras offers."""
    path = group_path(camera)
    return sorted((c for c in cameras if c.id != camera.id and group_path(c) == path), key=camera_sort_key)


def default_file_name(camera: Camera, start: float, mode: ExportMode, tz: tzinfo | None = None) -> str:
    """`Front gate_2026-04-10_03-12-05.mp4`: the title and the local start time, safe on every OS;
    the extension is the mode's, never the server's."""
    return safe_filename(camera.title, local_datetime(start, tz), mode.suffix)


def typed_file_name(text: str, mode: ExportMode) -> str:
    """A name the user typed, made safe (core/filenames.clean_title) and given the mode's
    extension (a typed .mp4/.m4a/.mp3 is replaced); "" when nothing usable is left."""
    text = text.strip()
    if text.lower().endswith(_MEDIA_SUFFIXES):
        text = text[: text.rfind(".")]
    if not text.strip(" ."):
        return ""
    suffix = mode.suffix
    stem = clean_title(text)
    room = MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    stem = stem.encode("utf-8")[:room].decode("utf-8", errors="ignore").rstrip(" .") or "camera"
    return stem + suffix


def callback_url_problem(text: str) -> str | None:
    """Why a callback URL cannot be sent, or None ("" means no callback)."""
    text = text.strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https"):
        return "The callback URL must start with http:// or https://."
    if not parts.hostname:
        return "The callback URL has no host name."
    try:
        parts.port  # noqa: B018 - raises for a port that is not a number in range
    except ValueError:
        return "The callback URL's port is not valid."
    return None


@dataclass(frozen=True)
class ExportForm:
    cameras: tuple[Camera, ...]  # the chosen ones; the first is the camera on screen
    start: float  # epoch seconds
    end: float
    mode: ExportMode
    folder: Path | None
    file_name: str = ""  # the first camera's file, as typed; "" = its default name
    audio: bool = False  # video export: audioEnabled
    evidence: bool = True
    callback_url: str = ""
    # What is known of the archive in the range, per camera id: seconds recorded (from the
    # timeline data the view already has), absent or None when not known.
    archive: Mapping[str, float | None] = field(default_factory=dict)
    sizes: Mapping[str, int | None] = field(default_factory=dict)  # Archive API size, when answered
    tz: tzinfo | None = None

    @property
    def duration(self) -> int:
        """Whole seconds (the range is widened to them, api-rules §22); 0 for an empty range."""
        start, end = whole_seconds(self.start, self.end)
        return max(0, int(end - start))

    def refusal(self, now: float) -> Refusal | None:
        """The first reason the form cannot be exported, or None."""
        for check in (self._range_refusal, self._permission_refusal, self._archive_refusal, self._output_refusal):
            refusal = check(now)
            if refusal is not None:
                return refusal
        return None

    def _range_refusal(self, now: float) -> Refusal | None:
        if not self.cameras:
            return Refusal("cameras", "Choose at least one camera.")
        if not (math.isfinite(self.start) and math.isfinite(self.end)):
            return Refusal("start", "The time is not valid.")
        if self.end < self.start:
            return Refusal("end", "The end is before the start.")
        if self.duration == 0:
            return Refusal("duration", "The range is empty: give it a duration of at least a second.")
        if self.duration > rules.MAX_EXPORT_SECONDS:
            limit = format_duration(rules.MAX_EXPORT_SECONDS)
            return Refusal(
                "duration",
                f"The range is {format_duration(self.duration)} long; at most {limit} can be exported "
                "at once: shorten it, or export it in parts.",
            )
        if self.start > now + FUTURE_TOLERANCE:
            return Refusal("start", "The range starts in the future: nothing is recorded there yet.")
        if self.end > now + FUTURE_TOLERANCE:
            return Refusal("end", "The range ends in the future: end it at the latest now.")
        return None

    def _permission_refusal(self, _now: float) -> Refusal | None:
        for camera in self.cameras:
            if not camera.has_archive_access:
                return Refusal("cameras", f"This key has no archive access to “{camera.title}”.")
        if self.mode is ExportMode.AUDIO or (self.mode is ExportMode.VIDEO and self.audio):
            for camera in self.cameras:
                if not camera.is_audio_granted:
                    what = "Audio export" if self.mode is ExportMode.AUDIO else "Audio in the video"
                    return Refusal("mode" if self.mode is ExportMode.AUDIO else "audio",
                                   f"{what} is not permitted for “{camera.title}” (no audio grant).")  # fmt: skip
        return None

    def _archive_refusal(self, _now: float) -> Refusal | None:
        for camera in self.cameras:
            recorded = self.archive.get(camera.id)
            size = self.sizes.get(camera.id)
            if (recorded is not None and recorded <= 0) or (recorded is None and size == 0):
                return Refusal("start", f"There is no archive of “{camera.title}” in this range.")
        return None

    def _output_refusal(self, _now: float) -> Refusal | None:
        problem = callback_url_problem(self.callback_url)
        if problem is not None:
            return Refusal("callback", problem)
        if self.folder is None or not str(self.folder).strip():
            return Refusal("folder", "Choose the folder to save the export in.")
        if self.file_name.strip() and not typed_file_name(self.file_name, self.mode):
            return Refusal("name", "Give the file a name.")
        return None

    def file_names(self) -> list[str]:
        """One name per chosen camera: the typed one for the first (when there is one), each
        camera's default name otherwise."""
        names = [default_file_name(camera, self.start, self.mode, self.tz) for camera in self.cameras]
        typed = typed_file_name(self.file_name, self.mode) if self.file_name.strip() else ""
        if typed and names:
            names[0] = typed
        return names

    def requests(self) -> list[ExportRequest]:
        """One ExportRequest per chosen camera (call only when `refusal` is None)."""
        start, _end = whole_seconds(self.start, self.end)
        assert self.folder is not None
        return [
            ExportRequest(
                camera=camera,
                start=datetime.fromtimestamp(start, UTC),
                duration=self.duration,
                mode=self.mode,
                folder=Path(self.folder),
                file_name=name,
                audio=self.mode is ExportMode.VIDEO and self.audio,
                evidence=self.evidence,
                callback_url=self.callback_url.strip() or None,
                size_estimate=self.sizes.get(camera.id),
            )
            for camera, name in zip(self.cameras, self.file_names(), strict=True)
        ]


# --- the size estimate and the time it takes ---------------------------------------------------


def total_size(sizes: Mapping[str, int | None], camera_ids: Sequence[str]) -> int | None:
    """The sum over the cameras, or None while any of them is not known."""
    values = [sizes.get(camera_id) for camera_id in camera_ids]
    if not values or any(value is None for value in values):
        return None
    return sum(value for value in values if value is not None)


def download_eta(size: int | None, speed: float | None) -> float | None:
    """Seconds to download `size` bytes at `speed` bytes/s, when both are known."""
    if size is None or not speed or speed <= 0:
        return None
    return size / speed


class SpeedMemory:
    """A download speed to expect: a moving average of the speeds seen on earlier downloads
    (each new sample weighs ALPHA), starting from what was remembered last time."""

    ALPHA = 0.3

    def __init__(self, remembered: float | None = None) -> None:
        self.value = remembered if remembered and remembered > 0 and math.isfinite(remembered) else None

    def observe(self, speed: float | None) -> None:
        if not speed or speed <= 0 or not math.isfinite(speed):
            return
        self.value = speed if self.value is None else self.value + self.ALPHA * (speed - self.value)


def format_size(n: int | None) -> str:
    """"850 B", "12.4 MB", "1.2 GB" (decimal units, as file managers show them)."""
    if n is None:
        return "?"
    if n < 1000:
        return f"{n} B"
    value = float(n)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1000
        if value < 999.5 or unit == "TB":
            break
    return f"{value:.0f} {unit}" if value >= 100 else f"{value:.1f} {unit}"


def format_speed(speed: float | None) -> str:
    return "" if not speed else f"{format_size(int(speed))}/s"


def estimate_text(size: int | None, speed: float | None, mode: ExportMode, cameras: int = 1) -> str:
    """The dialog's estimate line: size, and the download time when a speed is known."""
    if size is None:
        return ""
    what = f"about {format_size(size)}" + (f" for {cameras} cameras" if cameras > 1 else "")
    sentence = "A" + what[1:]
    if mode is ExportMode.AUDIO:
        # `size` is the archive's (picture and sound); the sound alone is a small part of it.
        return f"The archive holds {what} here; the audio file is much smaller."
    eta = download_eta(size, speed)
    if eta is None:
        return f"{sentence}. The download time shows after a first download."
    ready = " once the service has prepared it" if mode is ExportMode.VIDEO else ""
    return f"{sentence}: about {format_duration(max(1.0, eta))} to download{ready} (at {format_speed(speed)})."
