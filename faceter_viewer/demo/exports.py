"""Video and audio exports: Queued -> InProgress -> Completed (or Failed), with real files.

A job stays Queued for the first quarter of `delay`, then InProgress while ffmpeg writes the file
(MediaStore.write_clip / write_audio), and becomes Completed no earlier than `delay` seconds after
it was created, so the app's polling is exercised even when the media is quick. A range without
any archive ends Failed with an errorMessage (the document's 202 first, as an asynchronous
service would). Jobs run one at a time on a worker thread; `close()` stops them.
`callbackUrl` is accepted and never called (the demo makes no outgoing requests).
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from faceter_viewer.api.models import ExportStatus
from faceter_viewer.demo.media import CameraLook, MediaStore

log = logging.getLogger(__name__)

VIDEO, AUDIO = "video", "audio"


@dataclass
class ExportJob:
    id: str
    kind: str  # VIDEO or AUDIO
    camera_id: str
    start: float  # the range actually exported (clipped to the archive)
    duration: float
    created_at: float
    status: str = ExportStatus.QUEUED
    error: str | None = None
    completed_at: float | None = None
    file: Path | None = None


class ExportManager:
    def __init__(
        self,
        media: MediaStore,
        files_dir: Path,
        delay: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._media = media
        self.files_dir = files_dir
        self.delay = max(0.0, float(delay))
        self._clock = clock
        self._lock = threading.Lock()
        self._jobs: dict[str, ExportJob] = {}
        self._stopping = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-export")

    def create(
        self, kind: str, camera_id: str, look: CameraLook, start: float | None, duration: float, reason: str = ""
    ) -> ExportJob:
        """Queue a job. `start` None means "nothing to export": the job fails with `reason`."""
        job = ExportJob(
            id=str(uuid.uuid4()),
            kind=kind,
            camera_id=camera_id,
            start=start if start is not None else 0.0,
            duration=duration,
            created_at=self._clock(),
        )
        with self._lock:
            self._jobs[job.id] = job
        self._executor.submit(self._run, job, look, reason if start is None else None)
        return job

    def get(self, export_id: str) -> ExportJob | None:
        with self._lock:
            return self._jobs.get(export_id)

    def file_for(self, name: str) -> Path | None:
        """The finished file served as /demo-files/exports/<name>, if any."""
        job = self.get(Path(name).stem)
        if job is None or job.status != ExportStatus.COMPLETED or job.file is None or job.file.name != name:
            return None
        return job.file

    def close(self) -> None:
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _wait_until(self, moment: float) -> bool:
        """Sleep until `moment` on the clock; False when the manager is closing."""
        return not self._stopping.wait(max(0.0, moment - self._clock()))

    def _run(self, job: ExportJob, look: CameraLook, failure: str | None) -> None:
        if not self._wait_until(job.created_at + self.delay / 4):
            return
        self._set(job, status=ExportStatus.IN_PROGRESS)
        try:
            if failure:
                raise _ExportFailed(failure)
            suffix = ".mp4" if job.kind == VIDEO else self._media.AUDIO_SUFFIX
            out = self.files_dir / f"{job.id}{suffix}"
            if job.kind == VIDEO:
                self._media.write_clip(look, job.start, job.duration, out)
            else:
                self._media.write_audio(look, job.start, job.duration, out)
        except _ExportFailed as exc:
            self._finish(job, error=str(exc))
            return
        except Exception as exc:  # MediaError and the like: the job fails, the server lives
            log.warning("export %s failed: %s", job.id, exc)
            self._finish(job, error=f"Generating the file failed: {exc}")
            return
        self._finish(job, file=out)

    def _finish(self, job: ExportJob, *, file: Path | None = None, error: str | None = None) -> None:
        if not self._wait_until(job.created_at + self.delay):
            return
        if error:
            self._set(job, status=ExportStatus.FAILED, error=error, completed_at=self._clock())
        else:
            self._set(job, status=ExportStatus.COMPLETED, file=file, completed_at=self._clock())

    def _set(self, job: ExportJob, **changes: object) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)


class _ExportFailed(Exception):
    pass
