"""The camera tree: location → room → camera (API-NOTES §8), naturally sorted, filterable.

A QStandardItemModel built in one pass, and a QSortFilterProxyModel that filters in C++ on one
precomputed text role (title, location, room, serial number): at 5,000 cameras a keystroke costs a
few milliseconds because no Python runs per row.
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from faceter_viewer.core.camera_groups import camera_sort_key, group_path

if TYPE_CHECKING:  # pydantic loads with the API client, after the window is shown
    from faceter_viewer.api.models import Camera


class Role(IntEnum):
    KIND = Qt.ItemDataRole.UserRole + 1
    CAMERA_ID = Qt.ItemDataRole.UserRole + 2
    CAMERA = Qt.ItemDataRole.UserRole + 3
    SEARCH_TEXT = Qt.ItemDataRole.UserRole + 4


class Kind(IntEnum):
    LOCATION = 1
    ROOM = 2
    CAMERA = 3


def camera_badges(camera: Camera) -> list[str]:
    """The short labels shown next to a camera in the tree."""
    badges = []
    if not camera.is_archive_granted:
        badges.append("no archive access")
    if not camera.is_audio_granted:
        badges.append("no audio")
    if camera.temp_access_expiry_date is not None:
        badges.append(f"temporary access until {camera.temp_access_expiry_date.astimezone():%d %b %H:%M}")
    return badges


def camera_tooltip(camera: Camera) -> str:
    state = "online" if camera.is_online else "offline"
    parts = [camera.title, f"{state} · {camera.platform or 'unknown platform'}"]
    if camera.camera_model:
        parts.append(camera.camera_model)
    parts.extend(camera_badges(camera))
    return "\n".join(parts)


class CameraTreeModel(QStandardItemModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._cameras: dict[str, Camera] = {}
        self._items: dict[str, QStandardItem] = {}
        self._search_texts: list[str] = []

    def set_cameras(self, cameras: list[Camera]) -> None:
        """Rebuild the tree. Views keep their selection by camera id (see CameraBrowser)."""
        self.clear()
        self._cameras = {camera.id: camera for camera in cameras}
        self._items = {}
        self._search_texts = []
        groups: dict[tuple[str, ...], QStandardItem] = {}
        top_level: list[QStandardItem] = []
        # The tree is built detached and attached in one appendRows at the end: items outside a
        # model emit nothing, so the proxy and view see one insertion instead of 5,000.
        # camera_sort_key orders groups naturally and "No location" last, so groups can be
        # created in the order cameras come.
        for camera in sorted(cameras, key=camera_sort_key):
            parent = None
            path = group_path(camera)
            for depth in range(len(path)):
                key = path[: depth + 1]
                group = groups.get(key)
                if group is None:
                    group = _group_item(key, Kind.LOCATION if depth == 0 else Kind.ROOM)
                    groups[key] = group
                    if parent is None:
                        top_level.append(group)
                    else:
                        parent.appendRow(group)
                parent = group
            item = _camera_item(camera, path)
            self._search_texts.append(item.data(Role.SEARCH_TEXT).casefold())
            self._items[camera.id] = item
            parent.appendRow(item)
        for group in groups.values():
            group.setToolTip(f"{group.rowCount()} item(s)")
        self.invisibleRootItem().appendRows(top_level)

    def count_matching(self, text: str) -> int:
        """How many cameras the proxy shows for `text`, counted without walking the view. A camera's
        search text contains its location and room, so this equals the proxy's recursive result."""
        needle = text.strip().casefold()
        return sum(1 for haystack in self._search_texts if needle in haystack)

    def camera(self, camera_id: str) -> Camera | None:
        return self._cameras.get(camera_id)

    def cameras(self) -> list[Camera]:
        return list(self._cameras.values())

    def index_of(self, camera_id: str) -> QModelIndex:
        item = self._items.get(camera_id)
        return item.index() if item is not None else QModelIndex()


def _group_item(path: tuple[str, ...], kind: Kind) -> QStandardItem:
    item = QStandardItem(path[-1])
    item.setEditable(False)
    item.setData(int(kind), Role.KIND)
    item.setData(" ".join(path), Role.SEARCH_TEXT)
    item.setSelectable(False)
    return item


_CAMERA_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def _camera_item(camera: Camera, path: tuple[str, ...]) -> QStandardItem:
    # Only what the filter and selection need is stored; badges and tooltips are made from the
    # Camera when a row is painted or hovered (CameraDelegate), so building 5,000 rows stays cheap.
    item = QStandardItem(camera.title or camera.id)
    item.setFlags(_CAMERA_FLAGS)
    item.setData(int(Kind.CAMERA), Role.KIND)
    item.setData(camera.id, Role.CAMERA_ID)
    item.setData(camera, Role.CAMERA)
    # Location and room are part of the search text, so "hall" finds every camera in the Hall.
    item.setData(" ".join((camera.title, *path, camera.serial_number or "", camera.id)), Role.SEARCH_TEXT)
    return item


class CameraFilterProxy(QSortFilterProxyModel):
    """Filters in C++ on Role.SEARCH_TEXT; a group stays while any camera below it matches, and
    the cameras under a matching location or room stay too."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFilterRole(Role.SEARCH_TEXT)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)

    def set_filter_text(self, text: str) -> None:
        self.setFilterFixedString(text.strip())
