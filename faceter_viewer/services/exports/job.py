"""An export job as it is stored and shown: what was asked, how far it got, how it ended."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faceter_viewer.api.models import Camera


class ExportMode(StrEnum):
    CLIP = "clip"  # GET archive/clip: the file streams at once
    VIDEO = "video"  # POST archive/exports, poll, download videoUrl
    AUDIO = "audio"  # POST exports/audio, poll, download audioUrl

    @property
    def label(self) -> str:
        return {ExportMode.CLIP: "Clip", ExportMode.VIDEO: "Video export", ExportMode.AUDIO: "Audio export"}[self]

    @property
    def suffix(self) -> str:
        """The file's extension comes from the mode, never from the server's URL. An audio
        export's real container (AAC in MP4, or MP3) is known only once downloaded: the runner
        renames `.m4a` to `.mp3` when the check finds MP3."""
        return ".m4a" if self is ExportMode.AUDIO else ".mp4"


class JobState(StrEnum):
    QUEUED = "queued"
    EXPORTING = "exporting"  # the service prepares the file (video and audio exports)
    DOWNLOADING = "downloading"
    VERIFYING = "verifying"  # container check, checksum, evidence
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


@dataclass(frozen=True)
class ExportRequest:
    """What the export dialog (or the CLI) asks for, for one camera."""

    camera: Camera
    start: datetime  # aware UTC
    duration: int  # seconds
    mode: ExportMode
    folder: Path
    file_name: str  # core.filenames.safe_filename(...), with the mode's extension
    audio: bool = False  # video export: audioEnabled
    evidence: bool = True
    callback_url: str | None = None
    size_estimate: int | None = None  # Archive API size, bytes, when the dialog knew it


@dataclass
class ExportJob:
    """One row of the job store. Mutable: the runner moves it on and the store saves it."""

    service_url: str
    camera_id: str
    camera_title: str
    start: datetime  # aware UTC
    duration: int
    mode: ExportMode
    dest: Path  # the final file; bytes arrive in <dest>.part
    audio: bool = False
    evidence: bool = True
    callback_url: str | None = None
    state: JobState = JobState.QUEUED
    export_id: str | None = None  # the service's id, stored as soon as it is known
    file_url: str | None = None
    bytes_done: int = 0
    bytes_total: int | None = None
    speed: float | None = None  # bytes per second, recent
    error: str | None = None
    size_estimate: int | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    @classmethod
    def from_request(cls, request: ExportRequest, service_url: str) -> ExportJob:
        return cls(
            service_url=service_url.rstrip("/"),
            camera_id=request.camera.id,
            camera_title=request.camera.title,
            start=request.start,
            duration=int(request.duration),
            mode=request.mode,
            dest=Path(request.folder) / request.file_name,
            audio=request.audio,
            evidence=request.evidence,
            callback_url=request.callback_url,
            size_estimate=request.size_estimate,
        )

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.duration)

    @property
    def finished(self) -> bool:
        return self.state.finished

    @property
    def can_cancel(self) -> bool:
        return not self.state.finished

    @property
    def can_retry(self) -> bool:
        return self.state in (JobState.FAILED, JobState.CANCELLED)

    @property
    def eta(self) -> float | None:
        """Seconds left for the download, when speed and size are known."""
        if not self.speed or not self.bytes_total or self.state is not JobState.DOWNLOADING:
            return None
        return max(0.0, (self.bytes_total - self.bytes_done) / self.speed)
