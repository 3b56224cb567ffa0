"""The export jobs on this machine, kept in SQLite so that they survive a restart or a kill.

One row per job: its id, service, state and times as columns (for the queries), the whole job as
JSON (so a field added later needs no migration). WAL mode, every save its own committed
transaction, `synchronous=NORMAL`: a killed process loses nothing that was saved. The app and the
CLI may use the file at the same time (SQLite's locking, a busy timeout of 5 s).

Thread-safe (one connection behind a lock): the app's ExportQueue saves from its job threads,
never from the GUI thread.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from faceter_viewer.services.exports.job import ExportJob, ExportMode, JobState

APP_NAME = "faceter-viewer"
FILE_NAME = "export-jobs.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA_V1 = """
CREATE TABLE jobs (
    id         TEXT PRIMARY KEY,
    service    TEXT NOT NULL,   -- the Integration API base URL, without a trailing '/'
    state      TEXT NOT NULL,   -- JobState
    created_at REAL NOT NULL,   -- epoch seconds
    updated_at REAL NOT NULL,
    data       TEXT NOT NULL    -- the whole job as JSON (job_to_json)
)
"""


def default_path() -> Path:
    """The file in the user data folder (~/.local/share/faceter-viewer on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME)) / FILE_NAME


class JobStore:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, timeout=5.0, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL").fetchone()
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise sqlite3.DatabaseError(
                f"{self.path} was written by a newer Faceter Viewer (schema {version}; this one knows {SCHEMA_VERSION})"
            )
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(_SCHEMA_V1)
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def save(self, job: ExportJob) -> None:
        """Insert or replace the job; committed when this returns."""
        job.updated_at = time.time()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO jobs (id, service, state, created_at, updated_at, data) VALUES (?, ?, ?, ?, ?, ?)",
                (job.id, job.service_url, str(job.state), job.created_at, job.updated_at, job_to_json(job)),
            )

    def get(self, job_id: str) -> ExportJob | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return job_from_json(row[0]) if row else None

    def jobs(self, service_url: str | None = None) -> list[ExportJob]:
        """Every job (of one service, when given), oldest first."""
        with self._lock:
            if service_url is None:
                rows = self._db.execute("SELECT data FROM jobs ORDER BY created_at").fetchall()
            else:
                rows = self._db.execute(
                    "SELECT data FROM jobs WHERE service = ? ORDER BY created_at", (service_url.rstrip("/"),)
                ).fetchall()
        return [job_from_json(row[0]) for row in rows]

    def unfinished(self, service_url: str) -> list[ExportJob]:
        return [job for job in self.jobs(service_url) if not job.finished]

    def find_same(self, job: ExportJob) -> ExportJob | None:
        """The newest stored job that asks for the same thing (service, camera, range, mode and
        file) and is not done: the CLI re-run after a kill resumes it instead of exporting again."""
        for stored in reversed(self.jobs(job.service_url)):
            if stored.state is not JobState.DONE and _same_request(stored, job):
                return stored
        return None

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _same_request(a: ExportJob, b: ExportJob) -> bool:
    return (
        a.camera_id == b.camera_id
        and a.start == b.start
        and a.duration == b.duration
        and a.mode == b.mode
        and a.dest == b.dest
        and a.audio == b.audio
    )


# --- JSON form ------------------------------------------------------------------------------

def job_to_dict(job: ExportJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "serviceUrl": job.service_url,
        "cameraId": job.camera_id,
        "cameraTitle": job.camera_title,
        "start": job.start.isoformat(),
        "duration": job.duration,
        "mode": str(job.mode),
        "dest": str(job.dest),
        "audio": job.audio,
        "evidence": job.evidence,
        "callbackUrl": job.callback_url,
        "state": str(job.state),
        "exportId": job.export_id,
        "fileUrl": job.file_url,
        "bytesDone": job.bytes_done,
        "bytesTotal": job.bytes_total,
        "error": job.error,
        "sizeEstimate": job.size_estimate,
        "createdAt": job.created_at,
        "updatedAt": job.updated_at,
    }


def job_to_json(job: ExportJob) -> str:
    return json.dumps(job_to_dict(job), ensure_ascii=False)


def job_from_json(text: str) -> ExportJob:
    data = json.loads(text)
    return ExportJob(
        id=data["id"],
        service_url=data["serviceUrl"],
        camera_id=data["cameraId"],
        camera_title=data.get("cameraTitle", ""),
        start=datetime.fromisoformat(data["start"]),
        duration=int(data["duration"]),
        mode=ExportMode(data["mode"]),
        dest=Path(data["dest"]),
        audio=bool(data.get("audio", False)),
        evidence=bool(data.get("evidence", True)),
        callback_url=data.get("callbackUrl"),
        state=JobState(data["state"]),
        export_id=data.get("exportId"),
        file_url=data.get("fileUrl"),
        bytes_done=int(data.get("bytesDone") or 0),
        bytes_total=data.get("bytesTotal"),
        error=data.get("error"),
        size_estimate=data.get("sizeEstimate"),
        created_at=float(data["createdAt"]),
        updated_at=float(data.get("updatedAt", data["createdAt"])),
    )
