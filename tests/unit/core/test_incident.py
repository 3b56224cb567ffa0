"""core/incident.py: which cameras an incident view opens, in which layout, from when; and the
command line's "camera at time"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from faceter_viewer.core.incident import (
    MAX_CAMERAS,
    IncidentError,
    IncidentRequest,
    Scope,
    kind_for_count,
    parse_incident_spec,
    plan_incident,
)
from tests.helpers.cameras import make_camera

BERLIN = ZoneInfo("Europe/Berlin")
T = datetime(2026, 12, 3, 3, 12, tzinfo=BERLIN).timestamp()
NOW = T + 86400


def place(location: str | None, room: str | None = None) -> dict | None:
    if location is None:
        return None
    return {"id": f"loc-{location}", "title": location, "room": {"id": f"room-{room}", "title": room} if room else None}


def no_archive(camera_id: str, title: str, location: dict | None):
    return make_camera(camera_id, title, location=location, isArchiveGranted=False)


OFFICE = [
    make_camera("entrance", "Entrance", location=place("Main Office", "Hall")),
    make_camera("corridor", "Corridor", location=place("Main Office", "Hall")),
    make_camera("hall-2", "Camera 10", location=place("Main Office", "Hall")),
    make_camera("hall-3", "Camera 2", location=place("Main Office", "Hall")),
    no_archive("hall-dark", "Hall dark", place("Main Office", "Hall")),
    make_camera("reception", "Reception", location=place("Main Office", "Reception")),
    no_archive("server", "Server Room", place("Main Office", "Server Room")),
    make_camera("lobby", "Lobby", location=place("Main Office")),  # no room
    make_camera("yard", "Yard", location=place("Warehouse", "Yard")),
    make_camera("street", "Street", location=None),
]


def titles(plan) -> list[str]:
    return [camera.title for camera in plan.cameras]


def test_the_room_first_the_events_camera_first_then_the_trees_order():
    plan = plan_incident("corridor", T, OFFICE, pre_roll=5.0)
    assert plan.scope is Scope.ROOM and plan.group == "Hall"
    assert titles(plan) == ["Corridor", "Camera 2", "Camera 10", "Entrance"]  # natural order after it
    assert plan.kind == "2x2"
    assert plan.start == T - 5.0 and plan.event_time == T
    assert [c.title for c in plan.without_archive] == ["Hall dark"], "left out, and said"


def test_a_room_of_one_opens_the_location_and_so_does_asking_for_it():
    alone = plan_incident("reception", T, OFFICE)
    assert alone.scope is Scope.LOCATION and alone.group == "Main Office"
    assert titles(alone)[0] == "Reception"
    assert set(titles(alone)) == {"Reception", "Entrance", "Corridor", "Camera 10", "Camera 2", "Lobby"}
    assert {c.title for c in alone.without_archive} == {"Hall dark", "Server Room"}
    assert alone.kind == "3x3"  # six cameras
    asked = plan_incident("entrance", T, OFFICE, location=True)
    assert asked.scope is Scope.LOCATION and titles(asked)[0] == "Entrance" and len(asked.cameras) == 6


def test_a_room_whose_others_have_no_archive_counts_as_a_room_of_one():
    cameras = [make_camera("a", "A", location=place("Shop", "Till")), no_archive("b", "B", place("Shop", "Till")),
               make_camera("c", "C", location=place("Shop", "Door"))]  # fmt: skip
    plan = plan_incident("a", T, cameras)
    assert plan.scope is Scope.LOCATION and titles(plan) == ["A", "C"] and [c.id for c in plan.without_archive] == ["b"]


def test_a_camera_without_a_location_and_one_alone_in_its_location_open_alone():
    street = plan_incident("street", T, OFFICE)
    assert street.scope is Scope.CAMERA and titles(street) == ["Street"] and street.kind == "1"
    yard = plan_incident("yard", T, OFFICE)
    assert titles(yard) == ["Yard"] and yard.kind == "1"


def test_the_events_own_camera_stays_without_archive_access():
    plan = plan_incident("server", T, OFFICE)
    assert titles(plan)[0] == "Server Room", "the camera asked for, even if its tile says no archive"
    assert all(c.has_archive_access for c in plan.cameras[1:])


def test_at_most_sixteen_cameras_the_rest_counted():
    crowd = [make_camera(f"c{i}", f"Camera {i}", location=place("Mall", "Atrium")) for i in range(20)]
    plan = plan_incident("c19", T, crowd)
    assert len(plan.cameras) == MAX_CAMERAS and plan.over_limit == 4 and plan.kind == "4x4"
    assert plan.cameras[0].id == "c19"


@pytest.mark.parametrize(
    ("count", "kind"), [(0, "1"), (1, "1"), (2, "2x2"), (4, "2x2"), (5, "3x3"), (9, "3x3"), (10, "4x4"), (16, "4x4")]
)
def test_the_layout_kind_for_a_count(count, kind):
    assert kind_for_count(count) == kind


def test_an_unknown_camera_is_an_error():
    with pytest.raises(IncidentError, match="not in the camera list"):
        plan_incident("gone", T, OFFICE)


# --- "camera at time" ------------------------------------------------------------------------------


def test_a_spec_with_a_local_time():
    request = parse_incident_spec("Entrance@2026-12-03 03:12", tz=BERLIN, now=NOW)
    assert request == IncidentRequest("Entrance", T)
    assert request.plan(OFFICE, pre_roll=10).start == T - 10
    assert parse_incident_spec("  Entrance @ 2026-12-03T03:12:30 ", tz=BERLIN, now=NOW).time == T + 30


def test_a_spec_with_an_offset_is_read_in_its_own_zone():
    assert parse_incident_spec("entrance@2026-12-03T02:12:00Z", tz=BERLIN, now=NOW).time == T
    assert parse_incident_spec("entrance@2026-12-03T05:12:00+03:00", tz=BERLIN, now=NOW).time == T
    assert parse_incident_spec("entrance@2026-12-03 03:12:00.250", tz=BERLIN, now=NOW).time == T + 0.25


def test_a_time_alone_is_today_and_the_last_at_sign_separates():
    request = parse_incident_spec("Door @ side@03:12", tz=BERLIN, now=T + 3600)
    assert request.camera == "Door @ side" and request.time == T


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        ("Entrance 2026-12-03 03:12", "CAMERA@TIME"),
        ("@2026-12-03 03:12", "Name the camera"),
        ("Entrance@", "Give the time"),
        ("Entrance@yesterday", "is not a time"),
        ("Entrance@2026-13-03 03:12", "is not a time"),
        ("Entrance@2027-01-01 00:00", "in the future"),
    ],
)
def test_a_bad_spec_says_what_is_wrong(spec, words):
    with pytest.raises(IncidentError, match=words):
        parse_incident_spec(spec, tz=BERLIN, now=NOW)


def test_the_camera_is_found_by_id_or_exact_title_with_clear_errors():
    assert IncidentRequest("corridor", T).resolve(OFFICE).title == "Corridor"
    assert IncidentRequest("Corridor", T).resolve(OFFICE).id == "corridor"
    with pytest.raises(IncidentError, match="Did you mean “Corridor”"):
        IncidentRequest("CORRIDOR", T).resolve(OFFICE)
    with pytest.raises(IncidentError, match="No camera has the id or title “Nowhere”"):
        IncidentRequest("Nowhere", T).resolve(OFFICE)
    twins = [make_camera("a", "Door"), make_camera("b", "Door")]
    with pytest.raises(IncidentError, match="2 cameras are titled “Door”"):
        IncidentRequest("Door", T).resolve(twins)
