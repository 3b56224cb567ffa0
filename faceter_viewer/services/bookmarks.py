"""Creating an event by hand (a bookmark): what the form must hold, the body it becomes, and the
POST on the session's shared pool.

`BookmarkDraft` is the form's content as plain values; `problem(now)` says what is wrong with it
in the user's words (and which field), before anything is sent. `BookmarkSender` posts a draft
with `IntegrationClient.create_event` on a worker. The draft carries its `event_id`, made once
per dialog: a resend by the HTTP layer after a 5xx (api-rules §13) and a "Try again" after a
failure send the same id, so the service stores the event once however often it is sent.

The snapshot is the frame on screen as JPEG in base64; it is encoded on the worker, as part of
the send (a 1080p frame takes tens of milliseconds), never on the GUI thread.
"""

from __future__ import annotations

import base64
import logging
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, Qt, Signal
from PySide6.QtGui import QImage

from faceter_viewer.api.models import EventGrid, EventType, NewEvent
from faceter_viewer.services.explain import Explanation, explain
from faceter_viewer.services.session import Session

log = logging.getLogger("faceter_viewer.services.bookmarks")

SNAPSHOT_MAX_SIDE = 1920  # a larger frame is scaled down: the service needs no 4K snapshot
SNAPSHOT_QUALITY = 85
FUTURE_TOLERANCE = 2.0  # seconds: the service's clock and ours may differ a little
MAX_GRID = 32  # rows or columns


def new_event_id() -> str:
    return str(uuid.uuid4())


def jpeg_base64(image: QImage, max_side: int = SNAPSHOT_MAX_SIDE, quality: int = SNAPSHOT_QUALITY) -> str:
    """The image as JPEG, base64 text (no data: prefix). QImage is safe off the GUI thread."""
    if image.isNull():
        raise ValueError("there is no picture to attach")
    if max(image.width(), image.height()) > max_side:
        image = image.scaled(
            max_side, max_side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    if image.hasAlphaChannel():
        image = image.convertToFormat(QImage.Format.Format_RGB32)  # JPEG has no alpha
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "JPEG", quality):
        raise ValueError("the picture could not be encoded as JPEG")
    buffer.close()
    return base64.b64encode(bytes(data.data())).decode("ascii")


@dataclass(frozen=True)
class Problem:
    field: str  # "start", "end", "attributes", "grid": where the form puts the focus
    text: str


@dataclass(frozen=True)
class GridMarks:
    rows: int
    cols: int
    cells: tuple[int, ...]  # rows*cols, row-major, 1 = marked

    @property
    def marked(self) -> int:
        return sum(1 for cell in self.cells if cell)


@dataclass(frozen=True)
class BookmarkDraft:
    camera_id: str
    event_id: str
    start: float  # epoch seconds
    end: float | None = None  # None: an instant event
    event_type: str = EventType.CUSTOM
    attributes: tuple[tuple[str, str], ...] = ()  # the rows as typed, in order
    grid: GridMarks | None = None
    snapshot: QImage | None = field(default=None, compare=False)

    @property
    def instant(self) -> bool:
        return self.end is None

    @property
    def end_or_start(self) -> float:
        return self.start if self.end is None else self.end

    def problem(self, now: float) -> Problem | None:
        """What keeps the draft from being sent, or None. The service refuses an end before the
        start; a start in the future is a mistake (nothing happened there yet)."""
        if not math.isfinite(self.start) or (self.end is not None and not math.isfinite(self.end)):
            return Problem("start", "The time is not valid.")
        if self.start > now + FUTURE_TOLERANCE:
            return Problem("start", "The start is in the future: choose a moment that has happened.")
        if self.end is not None and self.end <= self.start:
            return Problem("end", "The end must be after the start.")
        seen: set[str] = set()
        for key, value in self.attributes:
            key = key.strip()
            if not key and value.strip():
                return Problem("attributes", f"The attribute with the value “{value.strip()}” has no name.")
            if key in seen:
                return Problem("attributes", f"The attribute “{key}” is given twice.")
            if key:
                seen.add(key)
        if self.grid is not None and self.grid.marked == 0:
            return Problem("grid", "Click the cells of the grid to mark on the picture, or turn the grid off.")
        return None

    def attribute_map(self) -> dict[str, str]:
        """The named rows (blank rows are left out), as the API takes them (§6)."""
        return {key.strip(): value for key, value in self.attributes if key.strip()}

    def to_new_event(self, snapshot: str | None = None) -> NewEvent:
        """The POST body; `snapshot` is the encoded frame (jpeg_base64), when attached."""
        grid = None
        if self.grid is not None:
            grid = EventGrid(rows=self.grid.rows, cols=self.grid.cols, cells=list(self.grid.cells))
        return NewEvent(
            event_id=self.event_id,
            start_date=datetime.fromtimestamp(self.start, UTC),
            end_date=None if self.end is None else datetime.fromtimestamp(self.end, UTC),
            event_type=self.event_type,
            instant=self.end is None,
            grid=grid,
            attributes=self.attribute_map(),
            snapshot=snapshot,
        )


def post_bookmark(client, draft: BookmarkDraft) -> None:
    """On a worker: encode the snapshot, POST the event (the client retries with the same body)."""
    snapshot = jpeg_base64(draft.snapshot) if draft.snapshot is not None and not draft.snapshot.isNull() else None
    client.create_event(draft.camera_id, draft.to_new_event(snapshot))


class BookmarkSender(QObject):
    """Sends one draft at a time on the session's pool; the answer comes back as a signal."""

    sent = Signal(object)  # BookmarkDraft: the service has the event
    failed = Signal(object, object)  # BookmarkDraft, Explanation
    sending_changed = Signal(bool)

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._tasks = session.tasks()
        self._sending = False

    @property
    def sending(self) -> bool:
        return self._sending

    def send(self, draft: BookmarkDraft) -> None:
        if self._sending:
            return  # one POST at a time: a second OK while it runs would only race it
        self._set_sending(True)
        self._tasks.submit(
            post_bookmark,
            self._session.client,
            draft,
            on_done=lambda _none: self._on_sent(draft),
            on_error=lambda exc: self._on_failed(draft, exc),
            key="post",
        )

    def close(self) -> None:
        """Drop the answer of a POST still running (the service may still store the event; it
        shows on the timeline's next refresh)."""
        self._tasks.close()
        self._set_sending(False)

    def _on_sent(self, draft: BookmarkDraft) -> None:
        self._set_sending(False)
        log.info("event %s created on camera %s", draft.event_id, draft.camera_id)
        self.sent.emit(draft)

    def _on_failed(self, draft: BookmarkDraft, exc: BaseException) -> None:
        self._set_sending(False)
        explanation: Explanation = explain(exc, "create the event")
        log.warning("creating event %s failed: %s", draft.event_id, explanation.details)
        # A revoked key ends the session; no answer at all starts the connectivity watch. The
        # dialog says what happened either way: it is where the user is looking.
        self._session.report(exc)
        self.failed.emit(draft, explanation)

    def _set_sending(self, sending: bool) -> None:
        if sending != self._sending:
            self._sending = sending
            self.sending_changed.emit(sending)
