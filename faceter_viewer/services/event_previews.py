"""The events' own preview images (`previewUrl`), loaded lazily for the rows on screen.

The list's delegate asks `image(event)` while painting a row: a cached image answers at once,
otherwise the request is queued and None returned (the row paints a placeholder). Requests run
on the session's shared pool, at most MAX_IN_FLIGHT at a time, newest first (the rows the user
is looking at now, not the ones scrolled past), and the queue keeps only the MAX_QUEUED newest.
Images are decoded and scaled on the worker; the GUI thread only stores them. `loaded(event_id)`
says one arrived (the model repaints that row).
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtGui import QImage

from faceter_viewer.api.models import Event
from faceter_viewer.services.session import Session

log = logging.getLogger("faceter_viewer.services.event_previews")

PREVIEW_SIZE = QSize(96, 54)
MAX_IN_FLIGHT = 3
MAX_QUEUED = 48
MAX_CACHED = 400  # ~96×54×4 B each: about 8 MB


class EventPreviews(QObject):
    loaded = Signal(str)  # event id

    def __init__(self, session: Session, parent: QObject | None = None, *, size: QSize = PREVIEW_SIZE) -> None:
        super().__init__(parent)
        self.session = session
        self.size = size
        self._tasks = session.tasks()
        self._cache: OrderedDict[str, QImage | None] = OrderedDict()  # None: it has no image
        self._queue: OrderedDict[str, str] = OrderedDict()  # event id -> url, newest last
        self._running: set[str] = set()

    def image(self, event: Event) -> QImage | None:
        """The cached preview, or None (and it is asked for) — never waits."""
        if event.id in self._cache:
            self._cache.move_to_end(event.id)
            return self._cache[event.id]
        if event.preview_url and event.id not in self._running:
            self._queue.pop(event.id, None)
            self._queue[event.id] = event.preview_url
            while len(self._queue) > MAX_QUEUED:
                self._queue.popitem(last=False)  # scrolled past long ago
            self._pump()
        return None

    def clear(self) -> None:
        self._queue.clear()
        self._tasks.cancel_all()
        self._running.clear()

    def close(self) -> None:
        self._queue.clear()
        self._tasks.close()

    def _pump(self) -> None:
        while self._queue and len(self._running) < MAX_IN_FLIGHT:
            event_id, url = self._queue.popitem(last=True)  # newest first
            self._running.add(event_id)
            self._tasks.submit(
                self._load,
                url,
                on_done=lambda image, i=event_id: self._on_done(i, image),
                on_error=lambda exc, i=event_id: self._on_failed(i, exc),
                key=("preview", event_id),
            )

    def _load(self, url: str) -> QImage:
        image = QImage.fromData(self.session.client.fetch_bytes(url))  # decoded on the worker
        if image.isNull():
            raise ValueError("the preview is not an image")
        return image.scaled(self.size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)

    def _on_done(self, event_id: str, image: QImage) -> None:
        self._store(event_id, image)

    def _on_failed(self, event_id: str, exc: BaseException) -> None:
        log.info("event preview %s failed: %s", event_id, exc)
        self._store(event_id, None)

    def _store(self, event_id: str, image: QImage | None) -> None:
        self._running.discard(event_id)
        self._cache[event_id] = image
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        self.loaded.emit(event_id)
        self._pump()
