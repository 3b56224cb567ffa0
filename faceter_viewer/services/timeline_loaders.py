"""The loads TimelineDataService runs on worker threads (one API call or one paged query each),
and the words for their failures. The chunk grid and the cached data they fill are Qt-free and
live in core/timeline/chunks.py."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import numpy as np

from faceter_viewer.api import errors
from faceter_viewer.api.archive import ArchiveClient
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import Event
from faceter_viewer.core.timeline.chunks import Chunk, EventData, EventTypeTable
from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.services.explain import NO_ARCHIVE_ACCESS, explain


class LoadKind(enum.StrEnum):
    """What a timeline load asks for; ARCHIVE and RECORDINGS are also the intervals' source."""

    ARCHIVE = "archive"  # the Archive API `timeline`
    RECORDINGS = "recordings"  # GET /recordings, when the Archive API cannot answer
    EVENTS = "events"


ARCHIVE, RECORDINGS, EVENTS = LoadKind.ARCHIVE, LoadKind.RECORDINGS, LoadKind.EVENTS


def load_timeline(archive: ArchiveClient, chunk: Chunk, since: float | None = None) -> ArchiveIntervals:
    """The chunk's intervals, or only those from `since` on (a refresh of its tail)."""
    intervals = archive.timeline(chunk.start if since is None else since, chunk.end)
    return ArchiveIntervals.from_arrays([i.start_timestamp for i in intervals], [i.end_timestamp for i in intervals])


def load_recordings(client: IntegrationClient, camera_id: str) -> ArchiveIntervals:
    """Every recording of the camera (GET /recordings answers for all time at once)."""
    recordings = client.list_recordings(camera_id)
    return ArchiveIntervals.from_arrays([r.start_timestamp for r in recordings], [r.end_timestamp for r in recordings])


def load_events(
    client: IntegrationClient,
    camera_id: str,
    chunk: Chunk,
    types: EventTypeTable,
    page_size: int,
    cap: int,
    since: float | None = None,
    ticket=None,
) -> EventData | None:
    """Every event with chunk.start (or `since`) ≤ startTime < chunk.end (the end bound of the
    API is inclusive, so an event exactly on the border belongs to the next chunk only). None
    when cancelled: the range is no longer shown."""
    events: list[Event] = []
    first = chunk.start if since is None else since
    start, end = datetime.fromtimestamp(first, UTC), datetime.fromtimestamp(chunk.end, UTC)
    for event in client.iter_events(camera_id, start=start, end=end, page_size=page_size, max_items=cap + 1):
        if ticket is not None and ticket.cancelled:
            return None  # checked per event, but only a new page costs a request
        events.append(event)
    truncated = len(events) > cap
    times = np.array([e.start_timestamp for e in events], dtype=np.float64)
    keep = np.flatnonzero((times >= first) & (times < chunk.end))
    keep = keep[np.argsort(times[keep], kind="stable")]
    keep = keep[-cap:]  # pages come newest first: past the cap, the oldest are the ones missing
    kept = [events[i] for i in keep]
    return EventData(times[keep], types.codes_for([e.type for e in kept]), kept, truncated)


def user_message(exc: BaseException, kind: str) -> str:
    """What the user reads for a failed load (explain(): no method, path or status in it). A
    refusal names what this camera's key lacks; everything else says what could not load, why."""
    if isinstance(exc, errors.PermissionDeniedError):
        return "No access to this camera's events" if kind == EVENTS else NO_ARCHIVE_ACCESS
    return explain(exc, "load the events" if kind == EVENTS else "load the archive").text
