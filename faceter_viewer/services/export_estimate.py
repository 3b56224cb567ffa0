"""The export dialog's size estimate: the Archive API `size` of each chosen camera for the range,
asked on the session's shared pool (never on the GUI thread) through one TaskGroup.

`estimate(cameras, start, duration)` supersedes the estimate still running (latest wins: the
dialog asks again as the range changes, debounced), and `answered(SizeAnswer)` brings the sizes
back on the GUI thread. A camera whose range holds no archive (NoArchiveError) has size 0; one
that could not be asked (no grant, an error) has None, and the answer says why.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from faceter_viewer.api import errors
from faceter_viewer.services.explain import explain
from faceter_viewer.services.session import Session

if TYPE_CHECKING:
    from faceter_viewer.api.archive import ArchiveClient
    from faceter_viewer.api.models import Camera

log = logging.getLogger("faceter_viewer.services.export_estimate")


@dataclass(frozen=True)
class SizeAnswer:
    start: float
    duration: int
    sizes: dict[str, int | None] = field(default_factory=dict)  # camera id -> bytes
    problem: str = ""  # why some size is missing, in the user's words

    def matches(self, start: float, duration: int) -> bool:
        return self.start == start and self.duration == duration


def _ask_sizes(archives: list[tuple[str, ArchiveClient | None]], start: float, duration: int) -> tuple[dict, list]:
    """On a worker: each camera's archive size; errors are kept, not raised (one camera's failure
    does not hide the others' sizes)."""
    sizes: dict[str, int | None] = {}
    failures: list[BaseException] = []
    for camera_id, archive in archives:
        if archive is None:
            sizes[camera_id] = None
            continue
        try:
            sizes[camera_id] = archive.size(start, duration)
        except errors.NoArchiveError:
            sizes[camera_id] = 0
        except errors.FaceterError as exc:
            sizes[camera_id] = None
            failures.append(exc)
    return sizes, failures


class SizeEstimator(QObject):
    answered = Signal(object)  # SizeAnswer
    busy_changed = Signal(bool)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = session.tasks()
        self._busy = False

    @property
    def busy(self) -> bool:
        return self._busy

    def estimate(self, cameras: Sequence[Camera], start: float, duration: int) -> None:
        if duration <= 0 or not cameras:
            self._tasks.cancel("size")
            self._set_busy(False)
            return
        archives: list[tuple[str, ArchiveClient | None]] = []
        refused: list[BaseException] = []
        for camera in cameras:
            try:
                archives.append((camera.id, self._session.archive(camera)))  # GUI thread: the session's dict
            except errors.FaceterError as exc:  # no grant, no Archive API address: nothing to ask
                archives.append((camera.id, None))
                refused.append(exc)
        self._set_busy(True)
        self._tasks.submit(
            _ask_sizes,
            archives,
            start,
            duration,
            on_done=lambda result: self._on_done(start, duration, result, refused),
            on_error=lambda exc: self._on_done(start, duration, ({c.id: None for c in cameras}, [exc]), refused),
            key="size",
        )

    def close(self) -> None:
        self._tasks.close()
        self._set_busy(False)

    def _on_done(self, start: float, duration: int, result: tuple[dict, list], refused: list) -> None:
        sizes, failures = result
        problem = ""
        for exc in failures:
            self._session.report(exc)  # a rejected key, no answer at all: the session's business
        if failures or refused:
            first = (failures or refused)[0]
            said = explain(first, "estimate the size")
            log.info("size estimate: %s", said.details)
            problem = said.text
        self._set_busy(False)
        self.answered.emit(SizeAnswer(start, duration, sizes, problem))

    def _set_busy(self, busy: bool) -> None:
        if busy != self._busy:
            self._busy = busy
            self.busy_changed.emit(busy)
