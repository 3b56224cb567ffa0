"""Camera objects for unit tests, built through the real model from API-shaped JSON."""

from __future__ import annotations

from typing import Any

from faceter_viewer.api.models import Camera


def make_camera(camera_id: str = "cam-1", title: str = "Camera 1", **fields: Any) -> Camera:
    data: dict[str, Any] = {
        "id": camera_id,
        "title": title,
        "isOnline": True,
        "platform": "Embedded",
        "isArchiveGranted": True,
        "isAudioGranted": True,
        "archiveDays": 7,
        "archiveApiUrl": "http://127.0.0.1:9/archive-api",
        "archiveApiToken": {"signature": "sig-test", "exp": 4102444800},
        "location": {"id": "loc-1", "title": "Main Office", "room": {"id": "room-1", "title": "Hall"}},
    }
    data.update(fields)
    return Camera.model_validate(data)


def many_cameras(count: int) -> list[Camera]:
    """`count` cameras over 20 locations × 10 rooms, some without room or location."""
    cameras = []
    for i in range(count):
        location: dict[str, Any] | None = {
            "id": f"loc-{i % 20}",
            "title": f"Site {i % 20}",
            "room": {"id": f"room-{i % 10}", "title": f"Room {i % 10}"},
        }
        if i % 97 == 0:
            location = None
        elif i % 13 == 0:
            location["room"] = None  # type: ignore[index]
        cameras.append(
            make_camera(f"cam-{i}", f"Camera {i}", location=location, serialNumber=f"SN{i:06d}", isOnline=i % 7 != 0)
        )
    return cameras
