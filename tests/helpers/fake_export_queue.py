"""An ExportQueue with exactly the documented interface (services/exports/queue.py) that runs
nothing: jobs stay where `advance` puts them. For UI tests of what the real queue cannot be made
to do on cue (a burst of changes); the round trips use the real queue on the demo service."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import QObject, Signal

from faceter_viewer.services.exports.job import ExportJob, ExportRequest, JobState


class FakeExportQueue(QObject):
    job_added = Signal(str)
    job_changed = Signal(str)
    job_removed = Signal(str)
    loaded = Signal()

    def __init__(self, service_url: str = "http://127.0.0.1:9/integration-api", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._service = service_url
        self._jobs: dict[str, ExportJob] = {}
        self.calls: list[tuple[str, str]] = []  # (what, job id): cancel / retry / remove

    def jobs(self) -> list[ExportJob]:
        return sorted(self._jobs.values(), key=lambda job: job.created_at)

    def job(self, job_id: str) -> ExportJob | None:
        return self._jobs.get(job_id)

    def submit(self, request: ExportRequest) -> ExportJob:
        job = ExportJob.from_request(request, self._service)
        self._jobs[job.id] = job
        self.job_added.emit(job.id)
        return job

    def cancel(self, job_id: str) -> None:
        self.calls.append(("cancel", job_id))

    def retry(self, job_id: str) -> None:
        self.calls.append(("retry", job_id))

    def remove(self, job_id: str) -> None:
        self.calls.append(("remove", job_id))
        if self._jobs.pop(job_id, None) is not None:
            self.job_removed.emit(job_id)

    def close(self) -> None:
        pass

    def advance(self, job_id: str, state: JobState, **changes: object) -> ExportJob:
        """Move a job on, as the runner would, and say so."""
        job = dataclasses.replace(self._jobs[job_id], state=state, **changes)  # type: ignore[arg-type]
        self._jobs[job_id] = job
        self.job_changed.emit(job_id)
        return job
