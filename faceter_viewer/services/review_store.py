"""Which events the user marked reviewed: kept in SQLite on this machine, across restarts.

Two parts:

- `ReviewStore`: the database, plain Python (no Qt), used by one thread only. One row per
  reviewed event, keyed by (service base URL, camera id, event id): two services (production and
  the demo) never share marks. WAL mode, and every change is its own transaction, committed
  before the next is taken: a killed process loses nothing that was committed, and with
  `synchronous=NORMAL` a WAL commit survives a process crash (only a power cut may lose the last
  ones). The schema version is the database's `user_version`, so a later release can migrate.
- `ReviewState`: the QObject the app uses. The GUI thread never touches the disk: it asks
  memory (`is_reviewed`, `reviewed_ids`) and hands loads and writes to ONE writer thread that
  runs them in order. Results come back as signals on the GUI thread.

A database that cannot be opened or written never stops the app: a corrupt file is moved aside
and a new one started; a folder that cannot be written leaves the marks in memory for this run.
Either way the user is told once (the MessageHub when there is one, else the log).
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from faceter_viewer.services.explain import explain

if TYPE_CHECKING:
    from faceter_viewer.services.messages import MessageHub

log = logging.getLogger("faceter_viewer.services.review_store")

APP_NAME = "faceter-viewer"
FILE_NAME = "reviewed-events.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA_V1 = """
CREATE TABLE reviewed (
    service     TEXT NOT NULL,  -- the Integration API base URL, without a trailing '/'
    camera_id   TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    reviewed_at REAL NOT NULL,  -- epoch seconds: lets a later version forget very old marks
    PRIMARY KEY (service, camera_id, event_id)
) WITHOUT ROWID
"""


def default_path() -> Path:
    """The file in the user data folder (~/.local/share/faceter-viewer on Linux)."""
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME)) / FILE_NAME


def service_key(base_url: str) -> str:
    """The service part of the key: "https://x/api/" and "https://x/api" are one service."""
    return base_url.rstrip("/")


class StoreError(Exception):
    """The database cannot be used as it was; `text` says so in the user's words. `kept`: marks
    are still kept on disk (a new file was started), rather than in memory only."""

    def __init__(self, text: str, details: str, *, kept: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.details = details
        self.kept = kept


class ReviewStore:
    """The SQLite file. Not thread-safe: one thread opens it, uses it and closes it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.moved_aside: Path | None = None  # where a corrupt file went, if one was found
        self._db = self._open()

    # --- opening ----------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unwritable(self.path, exc) from exc
        try:
            return self._connect()
        except _NewerSchemaError as exc:
            raise StoreError(
                "Reviewed marks will not be kept after you quit: their file was written by a newer "
                "version of Faceter Viewer.",
                f"{exc}\nFile: {self.path}",
            ) from exc
        except sqlite3.DatabaseError as exc:
            if not _is_corrupt(exc):
                raise _unwritable(self.path, exc) from exc
            log.warning("reviewed events: %s is not a readable database (%s); starting a new one", self.path, exc)
        self.moved_aside = self._move_aside()
        try:
            return self._connect()
        except sqlite3.DatabaseError as exc:
            raise _unwritable(self.path, exc) from exc

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, timeout=5.0)  # autocommit; BEGIN by hand
        try:
            db.execute("PRAGMA journal_mode=WAL").fetchone()
            db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(db)
            # A file that opens but is damaged further in fails here, not at the first mark.
            check = db.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"database disk image is malformed ({check[0] if check else 'no answer'})")
        except BaseException:
            db.close()
            raise
        return db

    @staticmethod
    def _migrate(db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            # Written by a newer release: reading its rows might be wrong, writing them worse,
            # and moving the file aside would lose them for that release. Memory only.
            raise _NewerSchemaError(version)
        db.execute("BEGIN IMMEDIATE")
        try:
            if version < 1:
                db.execute(_SCHEMA_V1)
            # Later versions: `if version < 2: ...` here, each step in this one transaction.
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _move_aside(self) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.unreadable-{stamp}")
        try:
            for suffix in ("-wal", "-shm"):  # they belong to the bad file, not to the new one
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    side.replace(target.with_name(target.name + suffix))
            self.path.replace(target)
        except OSError as exc:
            raise _unwritable(self.path, exc) from exc
        return target

    # --- use --------------------------------------------------------------------------------

    def reviewed_ids(self, service: str, camera_id: str) -> set[str]:
        rows = self._db.execute(
            "SELECT event_id FROM reviewed WHERE service = ? AND camera_id = ?", (service, camera_id)
        )
        return {row[0] for row in rows}

    def mark(self, service: str, camera_id: str, event_ids: Iterable[str], reviewed: bool) -> None:
        """One transaction, committed before this returns."""
        ids = list(event_ids)
        if not ids:
            return
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if reviewed:
                now = time.time()
                self._db.executemany(
                    "INSERT OR IGNORE INTO reviewed (service, camera_id, event_id, reviewed_at) VALUES (?, ?, ?, ?)",
                    [(service, camera_id, event_id, now) for event_id in ids],
                )
            else:
                self._db.executemany(
                    "DELETE FROM reviewed WHERE service = ? AND camera_id = ? AND event_id = ?",
                    [(service, camera_id, event_id) for event_id in ids],
                )
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()


class _NewerSchemaError(sqlite3.DatabaseError):
    def __init__(self, version: int) -> None:
        super().__init__(f"the file has schema version {version}; this release knows {SCHEMA_VERSION}")


def _is_corrupt(exc: sqlite3.DatabaseError) -> bool:
    """Not a database, or a damaged one (rather than: cannot open or write the file)."""
    if isinstance(exc, sqlite3.OperationalError):
        return False  # "unable to open database file", "attempt to write a readonly database", locks
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text or "corrupt" in text


def _unwritable(path: Path, exc: BaseException) -> StoreError:
    if isinstance(exc, OSError):
        reason = explain(exc, "keep the reviewed events").reason
    else:
        reason = f"the file {path} cannot be opened or written"
    text = f"Reviewed marks will not be kept after you quit: {reason}."
    details = f"{type(exc).__name__}: {exc}\nFile: {path}"
    return StoreError(text, details)


# --- the QObject the GUI uses ------------------------------------------------------------------


@dataclass
class _Camera:
    """What memory knows of one camera's marks."""

    ids: set[str] = field(default_factory=set)
    loaded: bool = False
    load_seq: int | None = None  # the pending load, when one is queued
    # Marks made while a load is pending: replayed over what the disk answers (they came later).
    journal: list[tuple[int, frozenset[str], bool]] = field(default_factory=list)


_STOP = object()


class ReviewState(QObject):
    """The reviewed marks in memory, kept on disk by one writer thread (see the module doc).

    `mark()` changes memory at once and emits `changed`; the write follows on the writer thread,
    in the order the calls were made. `load()` reads one camera's marks in the background and
    emits `loaded` when `reviewed_ids()` has them. Call `close()` when done (it waits for the
    writes still queued)."""

    changed = Signal(str, object)  # camera_id, set[str] of event ids whose state changed
    loaded = Signal(str)  # camera_id: its reviewed ids are in memory now

    _loaded_from_disk = Signal(object)  # (service, camera_id, seq, ids | None), from the writer
    _store_failed = Signal(object)  # StoreError, from the writer

    def __init__(
        self,
        path: Path | str | None = None,
        parent: QObject | None = None,
        *,
        messages: MessageHub | None = None,
    ) -> None:
        super().__init__(parent)
        self.path = Path(path) if path is not None else default_path()
        self._messages = messages
        self._cameras: dict[tuple[str, str], _Camera] = {}
        self._seq = 0
        self._closed = False
        self.available = True  # False once the disk could not be used: memory only from then on
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._loaded_from_disk.connect(self._on_loaded_from_disk)
        self._store_failed.connect(self._on_store_failed)
        self._thread = threading.Thread(target=self._run_writer, name="faceter-review-writer", daemon=True)
        self._thread.start()

    # --- memory (GUI thread) ------------------------------------------------------------------

    def is_loaded(self, base_url: str, camera_id: str) -> bool:
        camera = self._cameras.get((service_key(base_url), camera_id))
        return camera is not None and camera.loaded

    def is_reviewed(self, base_url: str, camera_id: str, event_id: str) -> bool:
        camera = self._cameras.get((service_key(base_url), camera_id))
        return camera is not None and event_id in camera.ids

    def reviewed_ids(self, base_url: str, camera_id: str) -> frozenset[str]:
        camera = self._cameras.get((service_key(base_url), camera_id))
        return frozenset(camera.ids) if camera is not None else frozenset()

    def load(self, base_url: str, camera_id: str) -> None:
        """Read the camera's marks in the background; `loaded(camera_id)` says they are in memory
        (also when they already were: the signal then comes after the writes queued before)."""
        key = (service_key(base_url), camera_id)
        camera = self._cameras.setdefault(key, _Camera())
        if camera.load_seq is not None:
            return  # one is on its way
        self._seq += 1
        camera.load_seq = self._seq
        self._put(("load", key, self._seq, camera.loaded))

    def mark(self, base_url: str, camera_id: str, event_ids: Iterable[str], reviewed: bool = True) -> None:
        """Mark (or unmark) events: memory now, disk in the background. Emits `changed` with the
        ids whose state changed (all of them while the camera's marks are not loaded yet)."""
        key = (service_key(base_url), camera_id)
        camera = self._cameras.setdefault(key, _Camera())
        ids = frozenset(str(event_id) for event_id in event_ids)
        if not ids:
            return
        if camera.loaded:
            changed = ids - camera.ids if reviewed else ids & camera.ids
        else:
            changed = set(ids)  # unknown before: say all of them
        if reviewed:
            camera.ids |= ids
        else:
            camera.ids -= ids
        self._seq += 1
        if camera.load_seq is not None:
            camera.journal.append((self._seq, ids, reviewed))
        if changed or not camera.loaded:
            self._put(("mark", key, ids, reviewed))
        if changed:
            self.changed.emit(camera_id, set(changed))

    # --- lifetime -----------------------------------------------------------------------------

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every write queued so far is on disk (or given up on); False on timeout."""
        if self._closed or not self._thread.is_alive():
            return True
        done = threading.Event()
        self._queue.put(("flush", done))
        return done.wait(timeout)

    def close(self) -> None:
        """Write what is queued, then stop the writer thread and close the file."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join(10.0)
        if self._thread.is_alive():
            log.warning("reviewed events: the writer thread did not stop within 10 s")

    def _put(self, job: tuple) -> None:
        if not self._closed:
            self._queue.put(job)

    # --- the writer thread ----------------------------------------------------------------------

    def _run_writer(self) -> None:
        store: ReviewStore | None = None
        try:
            store = ReviewStore(self.path)
            if store.moved_aside is not None:
                self._report(
                    StoreError(
                        "The list of reviewed events could not be read, so a new one was started; "
                        f"the old file was kept as {store.moved_aside.name}.",
                        f"Unreadable database moved to {store.moved_aside}",
                        kept=True,
                    )
                )
        except StoreError as exc:
            self._report(exc)
        except Exception as exc:  # anything else: the same outcome, memory only
            self._report(_unwritable(self.path, exc))
        try:
            while True:
                job = self._queue.get()
                if job is _STOP:
                    return
                store = self._run_job(store, job)
        finally:
            if store is not None:
                store.close()

    def _run_job(self, store: ReviewStore | None, job: tuple) -> ReviewStore | None:
        kind = job[0]
        if kind == "flush":
            job[1].set()
            return store
        if kind == "load":
            _, (service, camera_id), seq, already_loaded = job
            ids: set[str] | None = None
            if store is not None and not already_loaded:
                try:
                    ids = store.reviewed_ids(service, camera_id)
                except sqlite3.Error as exc:
                    self._report(_unwritable(store.path, exc))
                    store = _closed_quietly(store)
            self._deliver(self._loaded_from_disk, (service, camera_id, seq, ids))
            return store
        if kind == "mark" and store is not None:
            _, (service, camera_id), ids, reviewed = job
            try:
                store.mark(service, camera_id, ids, reviewed)
            except sqlite3.Error as exc:
                self._report(_unwritable(store.path, exc))
                store = _closed_quietly(store)
        return store

    def _report(self, exc: StoreError) -> None:
        log.warning("reviewed events: %s [%s]", exc.text, " | ".join(exc.details.splitlines()))
        self._deliver(self._store_failed, exc)

    def _deliver(self, signal, payload: object) -> None:
        try:
            signal.emit(payload)
        except RuntimeError:  # the QObject was deleted while the writer ran
            pass

    # --- back on the GUI thread ---------------------------------------------------------------

    @Slot(object)
    def _on_loaded_from_disk(self, payload: tuple) -> None:
        service, camera_id, seq, ids = payload
        camera = self._cameras.setdefault((service, camera_id), _Camera())
        if camera.load_seq != seq:
            return
        if ids is not None:
            # The disk answered as of when the load was queued; marks made since then win.
            merged = set(ids)
            for mark_seq, marked, reviewed in camera.journal:
                if mark_seq > seq:
                    merged = merged | marked if reviewed else merged - marked
            camera.ids = merged
        camera.loaded = True
        camera.load_seq = None
        camera.journal.clear()
        self.loaded.emit(camera_id)

    @Slot(object)
    def _on_store_failed(self, exc: StoreError) -> None:
        if not exc.kept:
            if not self.available:
                return  # said once: the marks stay in memory from then on
            self.available = False
        if self._messages is not None:
            self._messages.warning(exc.text, details=exc.details, key="review-store")


def _closed_quietly(store: ReviewStore) -> None:
    """After a failed read or write: memory only from then on (one message, not one per mark)."""
    try:
        store.close()
    except sqlite3.Error:
        pass
    return None
