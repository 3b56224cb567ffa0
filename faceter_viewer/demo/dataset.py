"""The demo service's cameras, deterministic from a seed.

The first twelve cameras each cover an edge case the app must handle (the table below); any
further cameras (``cameras=5000`` for benchmarks) are ordinary ones spread over more locations.
Building the dataset only makes the camera records: archives and events are made lazily, per
camera, from a per-camera seed (archive.py, events.py), so 5000 cameras build in milliseconds.

    #   title              edge case
    0   Entrance           Embedded; archiveApiUrl is the bare base (archive id = camera id)
    1   Reception          ThirdParty; archiveApiUrl ends in /archives/<archiveId> (id differs)
    2   Parking Lot        Mobile; no audio grant
    3   Loading Dock       offline since about a day ago (lastOnlineDate in the past)
    4   Server Room        no archive grant (no archiveApiUrl / token)
    5   Living Room        a location without a room
    6   Street View        no location at all
    7   Garden             a platform this app version does not know ("SmartHub")
    8   Neighbour's Porch  shared: not owner, not full access, tempAccessExpiryDate in 5 days
    9   Kitchen            a one-day archive
    10  Storage            many archive gaps
    11  Corridor           Embedded; /archives/<archiveId> form
Even-numbered cameras use the bare-base archive URL form, odd-numbered ones the
/archives/<archiveId> form (api-rules §14), so both forms are always exercised.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field

from faceter_viewer.demo.media import CameraLook

SEGMENT_SECONDS = 2
DAY = 86400


@dataclass(frozen=True, slots=True)
class Place:
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class CameraSpec:
    """Everything fixed about one demo camera (tokens, URLs and times are made per request)."""

    index: int
    id: str
    device_id: str
    archive_id: str
    bare_archive_url: bool  # True: archiveApiUrl is the base; False: it ends in /archives/<id>
    title: str
    hue: int
    platform: str
    is_online: bool
    last_online: int | None  # epoch seconds, offline cameras only
    archive_granted: bool
    audio_granted: bool
    is_owner: bool
    is_full_access: bool
    temp_access_expiry: int | None
    location: Place | None
    room: Place | None
    archive_days: int
    camera_model: str
    serial_number: str
    firmware_version: str
    application_version: str
    seed: int
    many_gaps: bool = False
    look: CameraLook = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "look", CameraLook(self.id, self.title, self.hue))


@dataclass(frozen=True)
class Dataset:
    seed: int
    anchor: int  # epoch seconds on the 2-s grid: "now" when the dataset was built
    cameras: list[CameraSpec]
    by_id: dict[str, CameraSpec]
    by_archive_id: dict[str, CameraSpec]


# (title, location index or None, room index within location or None)
_EDGE_CASE_PLACES: list[tuple[str, int | None, int | None]] = [
    ("Entrance", 0, 0),
    ("Reception", 0, 1),
    ("Parking Lot", 1, 0),
    ("Loading Dock", 1, 1),
    ("Server Room", 0, 2),
    ("Living Room", 2, None),
    ("Street View", None, None),
    ("Garden", 2, 0),
    ("Neighbour's Porch", 2, 1),
    ("Kitchen", 2, 2),
    ("Storage", 1, 2),
    ("Corridor", 0, 0),
]
_LOCATIONS = [
    ("Main Office", ["Hall", "Reception", "Server Room"]),
    ("Warehouse", ["Yard", "Dock", "Storage"]),
    ("Home", ["Garden", "Porch", "Kitchen"]),
]
_MODELS = {
    "Embedded": ["Faceter FC-200", "Faceter FC-410 Dome"],
    "ThirdParty": ["Hikvision DS-2CD2043", "Dahua IPC-HFW2431"],
    "Mobile": ["Android phone", "iPhone"],
    "SmartHub": ["Hub X1"],
}
UNKNOWN_PLATFORM = "SmartHub"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_dataset(*, seed: int, count: int = 12, archive_days: int = 3, now: float) -> Dataset:
    """Cameras for `seed`; `now` (epoch seconds) anchors archives and offline times."""
    if count < 1:
        raise ValueError("the demo needs at least one camera")
    if archive_days < 1:
        raise ValueError("archive_days must be at least 1")
    anchor = int(now) - int(now) % SEGMENT_SECONDS
    rng = random.Random(f"faceter-demo/{seed}")
    locations = _make_locations(rng, count)
    cameras = [_make_camera(rng, i, seed, anchor, archive_days, locations) for i in range(count)]
    return Dataset(
        seed=seed,
        anchor=anchor,
        cameras=cameras,
        by_id={c.id: c for c in cameras},
        by_archive_id={c.archive_id: c for c in cameras},
    )


def _make_locations(rng: random.Random, count: int) -> list[tuple[Place, list[Place]]]:
    locations = []
    extra = max(0, (count - 12) // 25)  # big datasets: ~25 cameras per extra location
    names = list(_LOCATIONS) + [
        (f"Site {n + 1:03d}", ["Entrance", "Hall", "Yard"]) for n in range(extra)
    ]
    for title, rooms in names:
        location = Place(f"loc-{_uuid(rng)[:8]}", title)
        locations.append((location, [Place(f"room-{_uuid(rng)[:8]}", r) for r in rooms]))
    return locations


def _make_camera(
    rng: random.Random,
    index: int,
    seed: int,
    anchor: int,
    archive_days: int,
    locations: list[tuple[Place, list[Place]]],
) -> CameraSpec:
    camera_id, device_id, other_archive_id = _uuid(rng), _uuid(rng), _uuid(rng)
    camera_seed = rng.getrandbits(63)
    if index < len(_EDGE_CASE_PLACES):
        title, loc_index, room_index = _EDGE_CASE_PLACES[index]
        platform = ["Embedded", "ThirdParty", "Mobile"][index % 3] if index != 7 else UNKNOWN_PLATFORM
        if index == 11:
            platform = "Embedded"
    else:
        title = f"Camera {index + 1:04d}"
        loc_index = 3 + (index - 12) // 25 if len(locations) > 3 else index % 3
        loc_index = min(loc_index, len(locations) - 1)
        room_index = index % 3
        platform = ["Embedded", "ThirdParty", "Mobile"][index % 3]
    location = room = None
    if loc_index is not None:
        location, rooms = locations[loc_index]
        room = rooms[room_index] if room_index is not None else None
    offline = index == 3
    shared = index == 8
    return CameraSpec(
        index=index,
        id=camera_id,
        device_id=device_id,
        archive_id=camera_id if index % 2 == 0 else other_archive_id,
        bare_archive_url=index % 2 == 0,
        title=title,
        hue=(index * 47 + seed * 13) % 360,
        platform=platform,
        is_online=not offline,
        # Offline for 26 h and a bit: the archive ends there, and the timeline shows it.
        last_online=anchor - 26 * 3600 - 2 * rng.randrange(0, 900) if offline else None,
        archive_granted=index != 4,
        audio_granted=index != 2,
        is_owner=not shared,
        is_full_access=not shared,
        temp_access_expiry=anchor + 5 * DAY if shared else None,
        location=location,
        room=room,
        archive_days=1 if index == 9 else archive_days,
        camera_model=rng.choice(_MODELS[platform]),
        serial_number=f"FC{rng.randrange(10**8):08d}",
        firmware_version=f"{rng.randrange(1, 4)}.{rng.randrange(10)}.{rng.randrange(20)}",
        application_version=f"2.{rng.randrange(10)}.{rng.randrange(10)}",
        seed=camera_seed,
        many_gaps=index == 10,
    )
