"""The incident view: every camera that may have seen an event, in one grid, from just before it.

"The person left the hall at 03:12 — which door did they take?" From an event (its camera and
start time) and the camera list, `plan_incident` says what to open:

- the cameras of the event's ROOM; of its LOCATION when asked, or when the room holds no other
  camera that can play its archive (a room of one is no incident view); a camera without a
  location only itself;
- the event's camera first, then the others in the camera tree's order (core/camera_groups.py),
  at most MAX_CAMERAS (16, the largest grid); the others are counted in `over_limit`;
- cameras this key has no archive access to are left out (`without_archive` names them, for the
  UI to say so); the event's own camera stays, whatever its grants: it is the one asked for;
- the layout kind for that count (1 → "1", 2–4 → "2x2", 5–9 → "3x3", 10–16 → "4x4");
- the start: the event's start minus the pre-roll (the events panel's `events/preRollSeconds`).

`parse_incident_spec("Entrance@2026-12-03 03:12")` reads the command line's "camera at time"
(`faceter-viewer --incident SPEC`): a camera id or exact title, "@", and a local wall-clock time
(as the Jump dialog takes it) or an ISO 8601 time with an offset. `IncidentRequest.resolve`
finds the camera once the list is known. Errors are `IncidentError`s in the user's words.

Qt-free: the grid page (ui/grid) opens the plan through its LayoutView.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from faceter_viewer.core.camera_groups import camera_sort_key
from faceter_viewer.core.layouts import kind_for_count
from faceter_viewer.core.timeline.localtime import TYPED_TIME_HINT, parse_typed_time, system_timezone

if TYPE_CHECKING:  # pydantic loads with the API client
    from faceter_viewer.api.models import Camera

MAX_CAMERAS = 16
DEFAULT_PRE_ROLL = 5.0  # seconds; the events panel's default (events/preRollSeconds)
FUTURE_TOLERANCE = 60.0  # a typed minute that is still running is not "the future"
SPEC_EXAMPLE = '"Entrance@2026-12-03 03:12"'


class IncidentError(ValueError):
    """Why an incident cannot be opened, in the user's words."""


class Scope(enum.StrEnum):
    ROOM = "room"
    LOCATION = "location"
    CAMERA = "camera"  # a camera without a location: only itself


@dataclass(frozen=True)
class IncidentPlan:
    cameras: tuple[Camera, ...]  # the event's camera first; at most MAX_CAMERAS
    kind: str  # the layout kind for their count
    start: float  # epoch seconds: where every tile starts playing (event start − pre-roll)
    event_time: float  # the event's start
    scope: Scope  # what was gathered: the room, the location, or the camera alone
    group: str  # the room's or location's title ("" for a camera alone)
    without_archive: tuple[Camera, ...] = ()  # of the group, left out: no archive access
    over_limit: int = 0  # of the group, left out: more than MAX_CAMERAS

    @property
    def camera_ids(self) -> tuple[str, ...]:
        return tuple(camera.id for camera in self.cameras)


def plan_incident(
    camera_id: str,
    event_time: float,
    cameras: Sequence[Camera],
    *,
    pre_roll: float = DEFAULT_PRE_ROLL,
    location: bool = False,
) -> IncidentPlan:
    """What the incident view of an event opens (see the module docstring). `location`: the
    whole location even when the room has other cameras. Raises IncidentError when the event's
    camera is not in `cameras`."""
    origin = next((camera for camera in cameras if camera.id == camera_id), None)
    if origin is None:
        raise IncidentError(f"The camera of this event ({camera_id}) is not in the camera list.")
    scope, group, title = _group_of(origin, cameras, location)
    others = [c for c in group if c.id != origin.id]
    without_archive = tuple(c for c in others if not c.has_archive_access)
    chosen = [origin, *(c for c in others if c.has_archive_access)]
    over = max(0, len(chosen) - MAX_CAMERAS)
    chosen = chosen[:MAX_CAMERAS]
    return IncidentPlan(
        cameras=tuple(chosen),
        kind=kind_for_count(len(chosen)),
        start=event_time - max(0.0, pre_roll),
        event_time=event_time,
        scope=scope,
        group=title,
        without_archive=without_archive,
        over_limit=over,
    )


def _room_key(camera: Camera) -> tuple[str, str] | None:
    location, room = camera.location, camera.location.room if camera.location else None
    if location is None or room is None or not (room.id or room.title):
        return None
    return (location.id or location.title, room.id or room.title)


def _location_key(camera: Camera) -> str | None:
    location = camera.location
    return (location.id or location.title or None) if location is not None else None


def _group_of(origin: Camera, cameras: Sequence[Camera], whole_location: bool) -> tuple[Scope, list[Camera], str]:
    """The cameras to gather (the origin among them), in the tree's order, with the scope."""
    ordered = sorted(cameras, key=camera_sort_key)
    room = _room_key(origin)
    if room is not None and not whole_location:
        mates = [c for c in ordered if _room_key(c) == room]
        if any(c.id != origin.id and c.has_archive_access for c in mates):
            assert origin.location is not None and origin.location.room is not None
            return Scope.ROOM, mates, origin.location.room.title or origin.location.room.id or ""
    location = _location_key(origin)
    if location is None:
        return Scope.CAMERA, [origin], ""
    assert origin.location is not None
    mates = [c for c in ordered if _location_key(c) == location]
    return Scope.LOCATION, mates, origin.location.title or origin.location.id or ""


# --- "camera at time" ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentRequest:
    """What `--incident` asked for: a camera (an id or exact title, as typed) and a moment."""

    camera: str
    time: float  # epoch seconds

    def resolve(self, cameras: Sequence[Camera]) -> Camera:
        """The camera named, by id, else by exact title (as the CLI's CAMERA argument)."""
        by_id = [c for c in cameras if c.id == self.camera]
        if by_id:
            return by_id[0]
        by_title = [c for c in cameras if c.title == self.camera]
        if len(by_title) > 1:
            raise IncidentError(f"{len(by_title)} cameras are titled “{self.camera}”: give the camera id instead.")
        if by_title:
            return by_title[0]
        close = [c.title for c in cameras if c.title.casefold() == self.camera.casefold()]
        hint = f" Did you mean “{close[0]}”?" if close else ""
        raise IncidentError(f"No camera has the id or title “{self.camera}”.{hint}")

    def plan(self, cameras: Sequence[Camera], *, pre_roll: float = DEFAULT_PRE_ROLL, location: bool = False) -> IncidentPlan:
        return plan_incident(self.resolve(cameras).id, self.time, cameras, pre_roll=pre_roll, location=location)


def parse_incident_spec(text: str, *, tz: tzinfo | None = None, now: float | None = None) -> IncidentRequest:
    """`CAMERA@TIME` → IncidentRequest. TIME is local wall-clock time in `tz` ("2026-12-03
    03:12", "2026-12-03 03:12:07", "03:12" for today) or ISO 8601 with an offset
    ("2026-12-03T03:12:00+03:00", "…Z"). The last "@" separates: a title may hold one."""
    now = time.time() if now is None else now
    camera, at, when = text.rpartition("@")
    camera, when = camera.strip(), when.strip()
    if not at:
        raise IncidentError(f"Write the incident as CAMERA@TIME, e.g. {SPEC_EXAMPLE}; “{text}” has no “@”.")
    if not camera:
        raise IncidentError(f"Name the camera before the “@” (its title or id), e.g. {SPEC_EXAMPLE}.")
    if not when:
        raise IncidentError(f"Give the time after the “@”, e.g. {SPEC_EXAMPLE}.")
    t = _parse_time(when, tz, now)
    if t > now + FUTURE_TOLERANCE:
        raise IncidentError(f"{when} is in the future: nothing is recorded there yet.")
    return IncidentRequest(camera, t)


def _parse_time(text: str, tz: tzinfo | None, now: float) -> float:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        value = None
    if value is not None:
        # An offset says where the clock was; without one it is the local wall clock (the
        # first of a repeated autumn hour, as the Jump dialog reads it).
        return value.timestamp() if value.tzinfo is not None else value.replace(tzinfo=tz or system_timezone()).timestamp()
    try:
        return parse_typed_time(text, now, tz or system_timezone())
    except ValueError:
        raise IncidentError(
            f"“{text}” is not a time; write a local time ({TYPED_TIME_HINT}) or ISO 8601 with an offset "
            "(2026-12-03T03:12:00+03:00)."
        ) from None
