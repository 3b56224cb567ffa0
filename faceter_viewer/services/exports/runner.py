"""One export job's steps, from wherever it stopped: Qt-free, shared by the app and the CLI.

    QUEUED → EXPORTING (video/audio: create the export once, then poll it, api-rules §9, §10)
           → DOWNLOADING (resumable: `.part` + Range/If-Range, api-rules §11)
           → VERIFYING (the container is whole, the SHA-256, the evidence sidecar)
           → DONE                     (or FAILED with a message, or CANCELLED)

Every step saves the job before it goes on, so a killed process resumes where it was: an export
id that was stored is polled again (never a second export), a `.part` on disk is resumed with a
Range request, and a file already under its final name is only verified.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from faceter_viewer import __version__
from faceter_viewer.api import errors, rules
from faceter_viewer.api.models import AudioExportRequest, ExportTask, VideoExportRequest
from faceter_viewer.core import evidence, media_check
from faceter_viewer.services.exports.job import ExportJob, ExportMode, JobState
from faceter_viewer.services.explain import explain

if TYPE_CHECKING:
    from faceter_viewer.api.integration import IntegrationClient
    from faceter_viewer.services.exports.store import JobStore

log = logging.getLogger("faceter_viewer.services.exports")

SAVE_EVERY = 1.0  # seconds between saves of download progress (the last one is always saved)
SPEED_WINDOW = 3.0  # seconds of download the speed is measured over

_SECRET_PARAM_WORDS = ("sig", "token", "key", "auth", "secret", "credential", "password", "policy")


class Cancelled(Exception):
    """The user cancelled the job (raised inside the runner, never leaves `run`)."""


class Stopped(Exception):
    """The app is closing: the job stays as stored, to resume at the next start."""


class JobRunner:
    """Runs jobs one step after another on the calling thread (a worker thread in the app)."""

    def __init__(
        self,
        client: IntegrationClient,
        store: JobStore,
        *,
        on_change: Callable[[ExportJob], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        poll_delays: Callable[[], Iterable[float]] = rules.export_poll_delays,
    ) -> None:
        self._client = client
        self._store = store
        self._on_change = on_change
        self._sleep = sleep
        self._poll_delays = poll_delays

    def run(
        self,
        job: ExportJob,
        cancelled: Callable[[], bool] = lambda: False,
        stopping: Callable[[], bool] = lambda: False,
    ) -> ExportJob:
        """Take the job from its stored state to DONE, FAILED or CANCELLED; never raises for a
        failure of the service, the network or the disk (the job says what happened). When
        `stopping()` turns true (the app closes) the job is left as stored, `.part` included,
        and resumes at the next start."""
        cancelled_or_stopping = lambda: cancelled() or stopping()  # noqa: E731 - the download asks one
        try:
            if job.mode is not ExportMode.CLIP and not self._file_is_here(job):
                self._export(job, cancelled_or_stopping)
            if not self._file_is_here(job):
                self._download(job, cancelled_or_stopping)
            self._verify(job)
            self._set(job, JobState.DONE, error=None)
        except Cancelled:
            if stopping():
                log.info("export job %s stopped in state %s; it resumes at the next start", job.id, job.state)
                return job
            discard_partial(job.dest)
            self._set(job, JobState.CANCELLED, error=None, speed=None)
        except (errors.FaceterError, OSError, media_check.MediaCheckError) as exc:
            if stopping() and _is_cancel(exc):
                log.info("export job %s stopped in state %s; it resumes at the next start", job.id, job.state)
                return job
            if cancelled() and _is_cancel(exc):
                discard_partial(job.dest)
                self._set(job, JobState.CANCELLED, error=None, speed=None)
            else:
                said = explain(exc, _doing(job))
                log.warning("export job %s failed: %s", job.id, said.details)
                self._set(job, JobState.FAILED, error=said.text, speed=None)
        return job

    # --- the steps --------------------------------------------------------------------------

    def _export(self, job: ExportJob, cancelled: Callable[[], bool]) -> None:
        """Create the export (once: its id is saved before anything else) and poll it."""
        if job.export_id is None:
            self._set(job, JobState.EXPORTING, error=None)
            task = self._create(job)
            job.export_id = task.export_id
            self._set(job, JobState.EXPORTING)
        else:
            self._set(job, JobState.EXPORTING, error=None)
            task = self._poll(job)  # resumed: ask at once where it is
        for delay in self._poll_delays():
            if task.is_finished:
                break
            self._wait(delay, cancelled)
            task = self._poll(job)
        if not task.is_finished:
            raise errors.TimeoutError(
                f"the export did not finish within {rules.EXPORT_GIVE_UP_AFTER / 60:.0f} minutes"
            )
        if not task.is_completed:
            job.export_id = None  # a retry asks for a new export: this one is over
            raise errors.ServerError(f"the service could not make the export: {task.error_message or task.status}")
        if not task.file_url:
            raise errors.InvalidResponseError("the export completed without a file URL")
        job.file_url = task.file_url
        self._store.save(job)

    def _create(self, job: ExportJob) -> ExportTask:
        if job.mode is ExportMode.VIDEO:
            return self._client.create_video_export(
                job.camera_id,
                VideoExportRequest(
                    start_date=job.start,
                    duration_seconds=job.duration,
                    audio_enabled=job.audio,
                    callback_url=job.callback_url,
                ),
            )
        return self._client.create_audio_export(
            job.camera_id,
            AudioExportRequest(start_date=job.start, duration_seconds=job.duration, callback_url=job.callback_url),
        )

    def _poll(self, job: ExportJob) -> ExportTask:
        assert job.export_id is not None
        if job.mode is ExportMode.VIDEO:
            return self._client.get_video_export(job.camera_id, job.export_id)
        return self._client.get_audio_export(job.camera_id, job.export_id)

    def _download(self, job: ExportJob, cancelled: Callable[[], bool]) -> None:
        progress = _Progress(job, self._store, self._changed)
        self._set(job, JobState.DOWNLOADING, error=None)
        job.dest.parent.mkdir(parents=True, exist_ok=True)
        if job.mode is ExportMode.CLIP:
            self._client.download_clip(
                job.camera_id,
                job.start,
                job.duration,
                job.dest,
                on_progress=progress,
                cancelled=cancelled,
                resume=True,
                verify=verify_container,
            )
        else:
            assert job.file_url is not None
            self._client.download_file(
                job.file_url, job.dest, on_progress=progress, cancelled=cancelled, resume=True, verify=verify_container
            )
        progress.finish()

    def _verify(self, job: ExportJob) -> None:
        self._set(job, JobState.VERIFYING, speed=None)
        kind = media_check.check_media(job.dest)
        if job.mode is ExportMode.AUDIO and kind == "mp3" and job.dest.suffix.lower() == ExportMode.AUDIO.suffix:
            # The extension is the mode's; an audio export's container is known only now (a
            # name the user typed with another extension, or none, is kept as typed).
            target = job.dest.with_suffix(".mp3")
            os.replace(job.dest, target)
            job.dest = target
        job.bytes_done = job.bytes_total = job.dest.stat().st_size
        if job.evidence:
            self._write_evidence(job)
        self._store.save(job)

    def _write_evidence(self, job: ExportJob) -> None:
        camera = self._client.get_camera(job.camera_id)
        events = [
            event.model_dump(mode="json", by_alias=True)
            for event in self._client.iter_events(job.camera_id, start=job.start, end=job.end, max_items=10_000)
        ]
        sidecar = evidence.write_evidence(
            evidence.EvidenceInput(
                file=job.dest,
                camera_id=camera.id,
                camera_title=camera.title,
                location=camera.location.title if camera.location else None,
                room=camera.location.room.title if camera.location and camera.location.room else None,
                serial_number=camera.serial_number,
                start=job.start,
                end=job.end,
                mode=str(job.mode),
                export_id=job.export_id,
                source_url=public_url(self._source_url(job)),
                events=events,
                app_version=__version__,
                created_at=datetime.now(timezone.utc),
            )
        )
        evidence.update_sha256sums(job.dest.parent, [job.dest.name, sidecar.name])

    def _source_url(self, job: ExportJob) -> str:
        if job.file_url:
            return job.file_url
        query = urlencode(rules.query_params({"startDate": job.start, "duration": job.duration}))
        return f"{self._client.base_url}/v1/cameras/{job.camera_id}/archive/clip?{query}"

    # --- helpers ----------------------------------------------------------------------------

    def _file_is_here(self, job: ExportJob) -> bool:
        """The download finished before a restart (the final name exists only when whole)."""
        return job.dest.exists() and job.state in (JobState.VERIFYING, JobState.DOWNLOADING)

    def _wait(self, seconds: float, cancelled: Callable[[], bool]) -> None:
        end = time.monotonic() + seconds
        while True:
            if cancelled():
                raise Cancelled()
            left = end - time.monotonic()
            if left <= 0:
                return
            self._sleep(min(left, 0.2))

    def _set(self, job: ExportJob, state: JobState, **changes: object) -> None:
        job.state = state
        for name, value in changes.items():
            setattr(job, name, value)
        self._store.save(job)
        self._changed(job)

    def _changed(self, job: ExportJob) -> None:
        if self._on_change is not None:
            self._on_change(job)


class _Progress:
    """The download's progress callback: bytes, total and a recent speed on the job, saved about
    once a second (the store is not asked for every 256-KB chunk)."""

    def __init__(self, job: ExportJob, store: JobStore, changed: Callable[[ExportJob], None]) -> None:
        self._job, self._store, self._changed = job, store, changed
        self._samples: list[tuple[float, int]] = []
        self._saved_at = 0.0

    def __call__(self, written: int, total: int | None) -> None:
        now = time.monotonic()
        job = self._job
        job.bytes_done, job.bytes_total = written, total
        self._samples.append((now, written))
        while len(self._samples) > 2 and now - self._samples[0][0] > SPEED_WINDOW:
            self._samples.pop(0)
        first_time, first_bytes = self._samples[0]
        if now - first_time > 0.2 and written >= first_bytes:
            job.speed = (written - first_bytes) / (now - first_time)
        if now - self._saved_at >= SAVE_EVERY:
            self._saved_at = now
            self._store.save(job)
        self._changed(job)

    def finish(self) -> None:
        self._store.save(self._job)


def verify_container(path: Path) -> None:
    """The download's `verify`: a body that ended early is not a whole file (api-rules §11)."""
    try:
        media_check.check_media(path)
    except media_check.MediaCheckError as exc:
        raise errors.InvalidResponseError(f"the downloaded file is incomplete or damaged: {exc}") from None


def discard_partial(dest: Path) -> None:
    """Remove what a cancelled download left (its `.part` and the validator kept beside it)."""
    for name in (dest.name + ".part", dest.name + ".part.validator"):
        try:
            (dest.parent / name).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("could not remove %s: %s", dest.parent / name, exc)


def public_url(url: str) -> str:
    """The URL as the evidence may show it: no user:password, secret-looking query values
    (signatures, tokens, keys) replaced by '***'."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    query = [
        (name, "***" if any(word in name.lower() for word in _SECRET_PARAM_WORDS) else value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*:"), ""))


def _doing(job: ExportJob) -> str:
    return f"export “{job.camera_title}” ({job.mode.label.lower()})"


def _is_cancel(exc: BaseException) -> bool:
    return isinstance(exc, errors.FaceterError) and str(exc).endswith("cancelled")
