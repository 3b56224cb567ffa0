"""How cameras are grouped and ordered: location → room → camera (api-rules §8), naturally sorted.

Used by the camera tree and the CLI table alike.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

from faceter_viewer.api.rules import NO_LOCATION_TITLE

if TYPE_CHECKING:  # pydantic loads with the API client, after the window is shown
    from faceter_viewer.api.models import Camera

_DIGITS = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=65536)  # a refresh sorts the same titles again
def natural_key(text: str) -> tuple:
    """"Camera 2" before "Camera 10"; case-insensitive."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in _DIGITS.split(text or ""))


def group_path(camera: Camera) -> tuple[str, ...]:
    """(location,) or (location, room); cameras without a location go under "No location", and
    cameras without a room directly under their location (§8)."""
    location = camera.location
    if location is None or not (location.title or location.id):
        return (NO_LOCATION_TITLE,)
    title = location.title or location.id or NO_LOCATION_TITLE
    if location.room is None or not (location.room.title or location.room.id):
        return (title,)
    return (title, location.room.title or location.room.id or "")


def camera_sort_key(camera: Camera) -> tuple:
    """Natural order by group, then title; "No location" last."""
    path = group_path(camera)
    return (path == (NO_LOCATION_TITLE,), tuple(natural_key(part) for part in path), natural_key(camera.title), camera.id)
