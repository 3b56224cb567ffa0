"""Video and audio exports: Queued -> InProgress -> Completed (or Failed), with real files.

A job stays Queued for the first quarter of `delay`, then InProgress while ffmpeg writes the file
(MediaStore.write_clip / write_audio), and becomes Completed no earlier than `delay` seconds after
it was created, so the app's polling is exercised even when the media is quick. A video export's
MP4 has an audio track only when the request asked for it (`audioEnabled`). A range without any
archive ends Failed with an errorMessage (the document's 202 first, as an asynchronous service
would), and so does a `failure_rate` fraction of the others: which ones is drawn from a RNG
seeded with the service's seed, so the same seed and the same sequence of exports fail the same
way every run. Jobs run one at a time on a worker thread; `close()` stops them.

`callbackUrl`: once a job is Completed or Failed, its status JSON (the body a GET answers) is
POSTed to the callback URL, for loopback hosts only, on a worker thread of its own with one try
and two retries (export_callbacks.py); a request handler never waits for it.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from faceter_viewer.api.models import ExportStatus
from faceter_viewer.demo.export_callbacks import CallbackSender
from faceter_viewer.demo.media import CameraLook, MediaStore

log = logging.getLogger(__name__)

VIDEO, AUDIO = "video", "audio"
SIMULATED_FAILURE = "The recorder did not deliver the footage (simulated failure: --export-failure-rate)"


@dataclasses.dataclass(frozen=True)
class Callback:
    """Where to POST a finished job's status, and how to write that status (the GET's body)."""

    url: str
    body: Callable[[ExportJob], dict[str, Any]]


@dataclasses.dataclass
class ExportJob:
    id: str
    kind: str  # VIDEO or AUDIO
    camera_id: str
    start: float  # the range actually exported (clipped to the archive)
    duration: float
    created_at: float
    audio: bool = True  # a video export's audio track (audioEnabled); audio exports are audio
    status: str = ExportStatus.QUEUED
    error: str | None = None
    completed_at: float | None = None
    file: Path | None = None


class FailurePicker:
    """Which exports fail on purpose: each draw is True with probability `rate`, from a RNG of
    its own seeded with `seed` (repeatable whatever else uses `random`)."""

    def __init__(self, rate: float, seed: int) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"the export failure rate must be between 0 and 1, got {rate}")
        self.rate = rate
        self._random = random.Random(f"demo-export-failures-{seed}")
        self._lock = threading.Lock()

    def next_fails(self) -> bool:
        with self._lock:
            return self._random.random() < self.rate


class ExportManager:
    def __init__(
        self,
        media: MediaStore,
        files_dir: Path,
        delay: float = 3.0,
        clock: Callable[[], float] = time.time,
        *,
        failure_rate: float = 0.0,
        seed: int = 1,
    ) -> None:
        self._media = media
        self.files_dir = files_dir
        self.delay = max(0.0, float(delay))
        self._clock = clock
        self._failures = FailurePicker(failure_rate, seed)
        self.callbacks = CallbackSender()
        self._lock = threading.Lock()
        self._jobs: dict[str, ExportJob] = {}
        self._stopping = threading.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-export")

    @property
    def failure_rate(self) -> float:
        return self._failures.rate

    def create(
        self,
        kind: str,
        camera_id: str,
        look: CameraLook,
        start: float | None,
        duration: float,
        reason: str = "",
        *,
        audio: bool = True,
        callback: Callback | None = None,
    ) -> ExportJob:
        """Queue a job. `start` None means "nothing to export": the job fails with `reason`."""
        job = ExportJob(
            id=str(uuid.uuid4()),
            kind=kind,
            camera_id=camera_id,
            start=start if start is not None else 0.0,
            duration=duration,
            created_at=self._clock(),
            audio=audio,
        )
        # Drawn for every job, in the order they are created, so the pattern is the seed's.
        simulated = self._failures.next_fails()
        failure = reason if start is None else (SIMULATED_FAILURE if simulated else None)
        with self._lock:
            self._jobs[job.id] = job
        self._executor.submit(self._run, job, look, failure, callback)
        return job

    def get(self, export_id: str) -> ExportJob | None:
        """A copy of the job as it is now (the worker changes the job itself, several fields at
        once: a copy never shows Completed without its file)."""
        with self._lock:
            job = self._jobs.get(export_id)
            return dataclasses.replace(job) if job is not None else None

    def file_for(self, name: str) -> Path | None:
        """The finished file served as /demo-files/exports/<name>, if any."""
        job = self.get(Path(name).stem)
        if job is None or job.status != ExportStatus.COMPLETED or job.file is None or job.file.name != name:
            return None
        return job.file

    def close(self) -> None:
        self._stopping.set()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.callbacks.close()

    def _wait_until(self, moment: float) -> bool:
        """Sleep until `moment` on the clock; False when the manager is closing."""
        return not self._stopping.wait(max(0.0, moment - self._clock()))

    def _run(self, job: ExportJob, look: CameraLook, failure: str | None, callback: Callback | None) -> None:
        if not self._wait_until(job.created_at + self.delay / 4):
            return
        self._set(job, status=ExportStatus.IN_PROGRESS)
        try:
            if failure:
                raise _ExportFailed(failure)
            suffix = ".mp4" if job.kind == VIDEO else self._media.AUDIO_SUFFIX
            out = self.files_dir / f"{job.id}{suffix}"
            if job.kind == VIDEO:
                self._media.write_clip(look, job.start, job.duration, out, audio=job.audio)
            else:
                self._media.write_audio(look, job.start, job.duration, out)
        except _ExportFailed as exc:
            self._finish(job, callback, error=str(exc))
            return
        except Exception as exc:  # MediaError and the like: the job fails, the server lives
            log.warning("export %s failed: %s", job.id, exc)
            self._finish(job, callback, error=f"Generating the file failed: {exc}")
            return
        self._finish(job, callback, file=out)

    def _finish(
        self, job: ExportJob, callback: Callback | None, *, file: Path | None = None, error: str | None = None
    ) -> None:
        if not self._wait_until(job.created_at + self.delay):
            return
        if error:
            self._set(job, status=ExportStatus.FAILED, error=error, completed_at=self._clock())
        else:
            self._set(job, status=ExportStatus.COMPLETED, file=file, completed_at=self._clock())
        if callback is not None:  # after the status is set: a receiver that GETs sees it final
            try:
                body = callback.body(self.get(job.id) or job)
            except Exception:  # noqa: BLE001 - a broken body must not stop the export worker
                log.exception("export %s: the callback body could not be made", job.id)
                return
            self.callbacks.send(callback.url, body)

    def _set(self, job: ExportJob, **changes: object) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(job, name, value)


class _ExportFailed(Exception):
    pass
