"""The app's export jobs: one ExportQueue per signed-in session (`Session.exports`).

Jobs run on the queue's own threads (at most MAX_PARALLEL at once; a download may take minutes,
so they do not sit on the session's shared pool where they would hold up the timeline). The GUI
thread never touches the store or the disk: it keeps a copy of every job, updated from the job
threads through a queued signal, at most every PROGRESS_INTERVAL per job while bytes arrive.

At start the store is read on a job thread and every unfinished job of this service resumes
where it was (runner.py). Closing the queue (sign-out, quit) stops the running jobs without
cancelling them: they resume at the next start.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from faceter_viewer.core.filenames import numbered_filename
from faceter_viewer.services.explain import explain
from faceter_viewer.services.exports.job import ExportJob, ExportRequest, JobState
from faceter_viewer.services.exports.runner import JobRunner, discard_partial
from faceter_viewer.services.exports.store import JobStore

if TYPE_CHECKING:
    from faceter_viewer.api.integration import IntegrationClient
    from faceter_viewer.services.messages import MessageHub

log = logging.getLogger("faceter_viewer.services.exports")

MAX_PARALLEL = 2
PROGRESS_INTERVAL = 0.1  # seconds between progress updates of one job on the GUI thread


class ExportQueue(QObject):
    job_added = Signal(str)
    job_changed = Signal(str)
    job_removed = Signal(str)
    loaded = Signal()  # the stored jobs are known (job_added was emitted for each)

    _from_worker = Signal(str, object)  # (what, payload), emitted on a job thread, run here

    def __init__(
        self,
        client: IntegrationClient,
        store_path: Path | None = None,
        *,
        messages: MessageHub | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._client = client
        self._service = client.base_url.rstrip("/")
        self._messages = messages
        self._jobs: dict[str, ExportJob] = {}  # the GUI thread's copies
        self._cancel: dict[str, threading.Event] = {}
        self._sent_at: dict[str, float] = {}
        self._sent_state: dict[str, JobState] = {}  # written by job threads, one job each
        self._stopping = threading.Event()
        self._closed = False
        self.is_loaded = False  # the stored jobs are in jobs() (the `loaded` signal came)
        self._store: JobStore | _MemoryStore | None = None
        self._store_failed: str | None = None
        self._store_ready = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=MAX_PARALLEL, thread_name_prefix="faceter-export")
        self._store_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="faceter-export-store")
        self._from_worker.connect(self._on_worker)
        self._store_thread.submit(self._open_store, store_path)

    # --- what the panel asks ----------------------------------------------------------------

    def jobs(self) -> list[ExportJob]:
        return sorted(self._jobs.values(), key=lambda job: job.created_at)

    def job(self, job_id: str) -> ExportJob | None:
        return self._jobs.get(job_id)

    def submit(self, request: ExportRequest) -> ExportJob:
        """Queue one export; the job shows at once as QUEUED (its file name may still change
        to 'name (2).mp4' when the name is taken)."""
        job = ExportJob.from_request(request, self._service)
        self._jobs[job.id] = job
        self._cancel[job.id] = threading.Event()
        self.job_added.emit(job.id)
        self._pool.submit(self._run, dataclasses.replace(job), True)
        return job

    def cancel(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or not job.can_cancel:
            return
        self._cancel.setdefault(job_id, threading.Event()).set()

    def retry(self, job_id: str) -> None:
        job = self._jobs.get(job_id)
        if job is None or not job.can_retry:
            return
        job.state, job.error, job.speed = JobState.QUEUED, None, None
        self._cancel[job_id] = threading.Event()
        self.job_changed.emit(job_id)
        self._pool.submit(self._run, dataclasses.replace(job), False)

    def remove(self, job_id: str) -> None:
        """Forget a finished job (its file stays where it is)."""
        job = self._jobs.get(job_id)
        if job is None or not job.finished:
            return
        del self._jobs[job_id]
        self._cancel.pop(job_id, None)
        self._store_thread.submit(self._delete, job_id)
        self.job_removed.emit(job_id)

    def close(self) -> None:
        """Stop the running jobs WITHOUT cancelling them (they resume at the next start)."""
        if self._closed:
            return
        self._closed = True
        self._stopping.set()
        self._store_ready.set()  # a job waiting for the store gives up
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._store_thread.shutdown(wait=True)
        if self._store is not None:
            self._store.close()

    # --- job threads ------------------------------------------------------------------------

    def _open_store(self, path: Path | None) -> None:
        try:
            self._store = JobStore(path)
            stored = self._store.jobs(self._service)
        except Exception as exc:  # sqlite3 / OSError: exports still run, unsaved
            said = explain(exc, "open the list of export jobs")
            log.warning("%s (%s)", said.text, said.details)
            self._store_failed = said.text
            self._store = _MemoryStore()
            stored = []
        finally:
            self._store_ready.set()
        self._from_worker.emit("loaded", stored)

    def _delete(self, job_id: str) -> None:
        if self._store is not None:
            self._store.delete(job_id)

    def _run(self, job: ExportJob, new: bool) -> None:
        self._store_ready.wait()
        if self._stopping.is_set():
            return
        store = self._store
        assert store is not None  # set before _store_ready
        if new:
            job.dest = _free_name(job.dest, store)
            store.save(job)
            self._send(job, force=True)
        cancel = self._cancel.get(job.id) or threading.Event()
        runner = JobRunner(self._client, store, on_change=self._send)  # type: ignore[arg-type]
        runner.run(job, cancelled=cancel.is_set, stopping=self._stopping.is_set)
        self._send(job, force=True)

    def _send(self, job: ExportJob, force: bool = False) -> None:
        """A copy of the job to the GUI thread; progress at most every PROGRESS_INTERVAL."""
        now = time.monotonic()
        state_changed = self._sent_state.get(job.id) is not job.state
        progress_only = job.state is JobState.DOWNLOADING and not state_changed
        if progress_only and not force and now - self._sent_at.get(job.id, 0.0) < PROGRESS_INTERVAL:
            return  # bytes: at most every PROGRESS_INTERVAL; a new state or export id always goes
        self._sent_at[job.id] = now
        self._sent_state[job.id] = job.state
        self._from_worker.emit("changed", dataclasses.replace(job))

    # --- GUI thread -------------------------------------------------------------------------

    @Slot(str, object)
    def _on_worker(self, what: str, payload: object) -> None:
        if self._closed:
            return
        if what == "loaded":
            self._on_loaded(payload)  # type: ignore[arg-type]
        elif what == "changed":
            self._on_changed(payload)  # type: ignore[arg-type]

    def _on_loaded(self, stored: list[ExportJob]) -> None:
        if self._store_failed and self._messages is not None:
            self._messages.warning(self._store_failed + " Exports run, but are not kept after you quit.")
        for job in stored:
            if job.id in self._jobs:
                continue
            self._jobs[job.id] = job
            self.job_added.emit(job.id)
            if not job.finished:
                log.info("export job %s resumes in state %s", job.id, job.state)
                self._cancel[job.id] = threading.Event()
                self._pool.submit(self._run, dataclasses.replace(job), False)
        self.is_loaded = True
        self.loaded.emit()

    def _on_changed(self, job: ExportJob) -> None:
        before = self._jobs.get(job.id)
        if before is None:  # removed meanwhile
            return
        self._jobs[job.id] = job
        self.job_changed.emit(job.id)
        if before.state is not job.state and self._messages is not None:
            self._tell(job)

    def _tell(self, job: ExportJob) -> None:
        assert self._messages is not None
        if job.state is JobState.FAILED:
            self._messages.error(job.error or f"The export of “{job.camera_title}” failed.", key=f"export:{job.id}")
        elif job.state is JobState.DONE:
            self._messages.info(f"Saved {job.dest.name}", key=f"export:{job.id}")


def _free_name(dest: Path, store: JobStore | _MemoryStore) -> Path:
    """`dest`, or `name (2).mp4`, … when a file or another unfinished job already has it."""
    taken = {job.dest for job in store.jobs() if not job.finished}
    n = 1
    candidate = dest
    while candidate in taken or candidate.exists() or candidate.with_name(candidate.name + ".part").exists():
        n += 1
        candidate = dest.with_name(numbered_filename(dest.name, n))
    return candidate


class _MemoryStore:
    """Where jobs are kept when the SQLite file cannot be used: this run only."""

    def __init__(self) -> None:
        self._jobs: dict[str, ExportJob] = {}
        self._lock = threading.Lock()

    def save(self, job: ExportJob) -> None:
        with self._lock:
            self._jobs[job.id] = dataclasses.replace(job)

    def jobs(self, service_url: str | None = None) -> list[ExportJob]:
        with self._lock:
            return list(self._jobs.values())

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def close(self) -> None:
        pass
