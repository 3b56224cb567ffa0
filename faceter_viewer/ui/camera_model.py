"""The camera tree: location → room → camera (api-rules §8), naturally sorted, filterable.

Built for 5,000 cameras. Two costs dominate a Qt tree fed from Python, and this model avoids both:

- Creating a QStandardItem and calling setData for every camera (~20,000 calls into Qt at 5,000
  cameras). Here only the group rows (a few hundred) are real QStandardItems; a group gets
  `setRowCount(n)` for its cameras, which leaves those rows as empty slots in C++.
- A Python `index()`/`flags()` that QTreeView calls for every row it lays out (~4 µs a call, so
  ~20 ms per layout of 5,000 expanded rows, on every keystroke). Structure (index, parent,
  rowCount, flags) stays in C++ QStandardItemModel code: that layout takes about a millisecond.

Only `data()` is Python: it serves the camera rows from plain lists, and views ask it only for the
rows they paint. Filtering happens in the model: a substring test over precomputed casefolded
texts, then the group items are rebuilt for the matching cameras (no per-row Python calls from a
QSortFilterProxyModel). Caveat: QStandardItemModel.itemFromIndex() on a camera row creates an
empty item there; use `camera_at(index)` instead.

Camera rows can be dragged (onto the tiles of a layout, ui/grid/tile.py): `mimeData` carries the
camera ids as CAMERA_MIME (one id a line; `camera_ids_from_mime` reads them), and the only drag
action is Copy, so a drop never makes the tree remove the row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from enum import IntEnum
from itertools import compress
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel

from faceter_viewer.core.camera_groups import camera_sort_key, group_path, natural_key

if TYPE_CHECKING:  # pydantic loads with the API client, after the window is shown
    from faceter_viewer.api.models import Camera


CAMERA_MIME = "application/x-faceter-camera-ids"


def camera_ids_from_mime(mime: QMimeData) -> list[str]:
    """The camera ids a drag from the camera tree carries ([] for anything else)."""
    if not mime.hasFormat(CAMERA_MIME):
        return []
    text = bytes(mime.data(CAMERA_MIME).data()).decode("utf-8", errors="replace")
    return [line for line in text.splitlines() if line]


class Role(IntEnum):
    KIND = Qt.ItemDataRole.UserRole + 1
    CAMERA_ID = Qt.ItemDataRole.UserRole + 2
    CAMERA = Qt.ItemDataRole.UserRole + 3
    SEARCH_TEXT = Qt.ItemDataRole.UserRole + 4
    UNREVIEWED = Qt.ItemDataRole.UserRole + 5  # UnreviewedCount | None (services/unreviewed_counts.py)


class Kind(IntEnum):
    LOCATION = 1
    ROOM = 2
    CAMERA = 3


def camera_badges(camera: Camera) -> list[str]:
    """The short labels shown next to a camera in the tree."""
    badges = []
    if not camera.has_archive_access:  # as the player header says (CameraStatus.badges)
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


# --- the tree as plain Python -------------------------------------------------------------------


class CameraGroup:
    """A location or room (or the invisible root, path ()): its own cameras, then its rooms."""

    __slots__ = ("camera_count", "cameras", "groups", "path", "search_texts", "title")

    def __init__(
        self, path: tuple[str, ...], cameras: list[Camera], search_texts: list[str], groups: list[CameraGroup]
    ) -> None:
        self.path = path
        self.title = path[-1] if path else ""
        self.cameras = cameras
        self.search_texts = search_texts  # casefolded, one per camera
        self.groups = groups
        self.camera_count = len(cameras) + sum(group.camera_count for group in groups)

    @property
    def kind(self) -> int:
        return _LOCATION if len(self.path) == 1 else _ROOM

    def row_of(self, camera_id: str) -> int | None:
        for row, camera in enumerate(self.cameras):
            if camera.id == camera_id:
                return row
        return None


def search_text(camera: Camera, group_text: str) -> str:
    """Title, location, room, serial number, id. `group_text` is " ".join(group path): with the
    location and room in it, "hall" finds every camera in the Hall, and whenever a group's own
    text matches, every camera below it matches too."""
    return f"{camera.title} {group_text} {camera.serial_number or ''} {camera.id}"


def _title_key(camera: Camera) -> tuple:
    return natural_key(camera.title), camera.id


def build_groups(cameras: list[Camera]) -> CameraGroup:
    """The tree in camera_sort_key order, without computing camera_sort_key for every camera.

    camera_sort_key orders by group path, then natural title, then id, and computes group_path
    again for each camera: at 5,000 cameras sorting by it took ~18 ms, a third of the build
    budget. Cameras are bucketed by group_path (needed for the tree anyway), each bucket is sorted
    by (natural title, id) — the rest of camera_sort_key once the path is equal — and the buckets
    are ordered by camera_sort_key of their first camera. A unit test checks that this gives the
    tree that walking sorted(cameras, key=camera_sort_key) gives.

    The search texts are made here too (~5 ms at 5,000 cameras): the refresh has the time, the
    first keystroke after it does not."""
    buckets: dict[tuple[str, ...], list[Camera]] = {}
    for camera in cameras:
        path = group_path(camera)
        bucket = buckets.get(path)
        if bucket is None:
            buckets[path] = [camera]
        else:
            bucket.append(camera)
    for bucket in buckets.values():
        bucket.sort(key=_title_key)
    ordered = sorted(buckets, key=lambda path: camera_sort_key(buckets[path][0]))

    # Groups appear in the order of their first camera, parents created on first need.
    children: dict[tuple[str, ...], list[tuple[str, ...]]] = {(): []}
    for path in ordered:
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key not in children:
                children[key] = []
                children[path[: depth - 1]].append(key)

    def make(path: tuple[str, ...]) -> CameraGroup:
        cameras = buckets.get(path, [])
        group_text = " ".join(path)
        texts = [search_text(camera, group_text).casefold() for camera in cameras]
        return CameraGroup(path, cameras, texts, [make(sub) for sub in children[path]])

    return make(())


def filter_groups(group: CameraGroup, needle: str) -> CameraGroup:
    """A copy of `group` with the cameras whose search text contains `needle` (casefolded) and
    the groups that still hold some. Groups that keep every camera share their lists."""
    cameras, texts = group.cameras, group.search_texts
    keep = [needle in text for text in texts]
    if not all(keep):
        cameras, texts = list(compress(cameras, keep)), list(compress(texts, keep))
    groups = [sub for sub in (filter_groups(sub, needle) for sub in group.groups) if sub.camera_count]
    return CameraGroup(group.path, cameras, texts, groups)


# data() runs for every painted row and role: plain ints compare fastest.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_KIND, _CAMERA_ID, _CAMERA, _SEARCH_TEXT, _UNREVIEWED = (int(role) for role in Role)
_LOCATION, _ROOM, _CAMERA_KIND = (int(kind) for kind in Kind)
_GROUP_FLAGS = Qt.ItemFlag.ItemIsEnabled  # groups are headings: not selectable


class _GroupItem(QStandardItem):
    """A location or room row; knows its CameraGroup so data() can find the cameras below it."""

    def __init__(self, group: CameraGroup) -> None:
        # Views read the text through data(); it is stored here too so that the item is complete
        # for code that reads items directly (QStandardItemModel.itemData, mimeData).
        super().__init__(group.title)
        self.group = group


class CameraTreeModel(QStandardItemModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._cameras: dict[str, Camera] = {}
        self._full = CameraGroup((), [], [], [])  # every camera
        self._shown = self._full  # the tree as shown: the full one or a filtered copy
        self._items: dict[tuple[str, ...], _GroupItem] = {}  # group path → its row, as shown
        self._filter = ""
        self._unreviewed: Callable[[str], object] | None = None  # camera id → its count or None

    # --- content ----------------------------------------------------------------------------

    def set_cameras(self, cameras: list[Camera]) -> None:
        """Rebuild the tree; the filter stays. The browser keeps its selection and collapsed
        groups by camera id and group path."""
        self._cameras = {camera.id: camera for camera in cameras}
        self._full = build_groups(cameras)
        self._show(filter_groups(self._full, self._filter) if self._filter else self._full)

    def set_filter_text(self, text: str) -> None:
        """Show only the cameras whose title, location, room, serial number or id contains `text`
        (case-insensitive), with the groups above them."""
        needle = text.strip().casefold()
        if needle == self._filter:
            return
        # Typing on narrows the last result: search only what it showed.
        base = self._shown if self._filter and self._filter in needle else self._full
        self._filter = needle
        self._show(filter_groups(base, needle) if needle else self._full)

    def filter_text(self) -> str:
        """The filter as applied: stripped and casefolded."""
        return self._filter

    def set_unreviewed_source(self, source: Callable[[str], object] | None) -> None:
        """Where the camera rows' unreviewed counts come from: `source(camera_id)` gives an
        UnreviewedCount or None (unknown); None: no counts shown. The views repaint themselves
        (a dataChanged per camera would be 5,000 signals)."""
        self._unreviewed = source

    def unreviewed_count(self, camera_id: str):
        """The camera's UnreviewedCount, None while unknown (the delegate asks this directly:
        a plain call, cheaper than one more data() round trip per painted row)."""
        source = self._unreviewed
        return source(camera_id) if source is not None else None

    def refresh_unreviewed(self, camera_ids: Iterable[str]) -> None:
        """The counts of these cameras changed: repaint their rows (those shown)."""
        roles = [_UNREVIEWED]
        for camera_id in camera_ids:
            index = self.index_of(camera_id)
            if index.isValid():
                self.dataChanged.emit(index, index, roles)

    def _show(self, tree: CameraGroup) -> None:
        self._shown = tree
        self._items = {}
        top = [self._make_item(group) for group in tree.groups]
        # One reset and one insertion of the top rows, whatever the number of cameras.
        self.clear()
        self.invisibleRootItem().appendRows(top)

    def _make_item(self, group: CameraGroup) -> _GroupItem:
        item = _GroupItem(group)
        item.setFlags(_GROUP_FLAGS)
        # A group's own cameras come first (camera_sort_key puts (location,) before
        # (location, room)), as empty C++ rows; then its rooms.
        offset = len(group.cameras)
        item.setColumnCount(1)  # rows without a column have no index
        item.setRowCount(offset + len(group.groups))
        for row, sub in enumerate(group.groups, offset):
            item.setChild(row, self._make_item(sub))
        self._items[group.path] = item
        return item

    # --- queries ----------------------------------------------------------------------------

    def count_matching(self, text: str) -> int:
        """How many cameras the filter `text` shows."""
        needle = text.strip().casefold()
        if needle == self._filter:
            return self._shown.camera_count
        return filter_groups(self._full, needle).camera_count if needle else self._full.camera_count

    def visible_camera_count(self) -> int:
        return self._shown.camera_count

    def camera(self, camera_id: str) -> Camera | None:
        return self._cameras.get(camera_id)

    def first_camera_id(self) -> str | None:
        """The topmost camera of the tree as shown (the first match of a filter), if any."""
        pending = list(reversed(self._shown.groups))
        while pending:  # depth first, in tree order: a group's own cameras, then its rooms
            group = pending.pop()
            if group.cameras:
                return group.cameras[0].id
            pending.extend(reversed(group.groups))
        return None

    def cameras(self) -> list[Camera]:
        return list(self._cameras.values())

    def index_of(self, camera_id: str) -> QModelIndex:
        """The camera's index in the tree as shown; invalid when unknown or filtered out."""
        camera = self._cameras.get(camera_id)
        item = self._items.get(group_path(camera)) if camera is not None else None
        row = item.group.row_of(camera_id) if item is not None else None
        if row is None:
            return QModelIndex()
        return self.index(row, 0, self.indexFromItem(item))

    def group_indexes(self) -> list[tuple[tuple[str, ...], QModelIndex]]:
        """(path, index) of every group row shown, parents before children."""
        return [(path, self.indexFromItem(item)) for path, item in self._items.items()]

    def camera_at(self, index: QModelIndex | QPersistentModelIndex) -> Camera | None:
        group, row = self._locate(index)
        return group.cameras[row] if group is not None and row < len(group.cameras) else None

    def group_at(self, index: QModelIndex | QPersistentModelIndex) -> CameraGroup | None:
        group, row = self._locate(index)
        if group is None:
            return None
        row -= len(group.cameras)
        return group.groups[row] if 0 <= row < len(group.groups) else None

    def _locate(self, index: QModelIndex | QPersistentModelIndex) -> tuple[CameraGroup | None, int]:
        """The group that holds the row, and the row. An index's parent is always a group row,
        which has an item, so itemFromIndex creates nothing here."""
        if not index.isValid():
            return None, 0
        parent = index.parent()
        return (self.itemFromIndex(parent).group if parent.isValid() else self._shown), index.row()

    # --- QStandardItemModel -----------------------------------------------------------------

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = _DISPLAY):
        # Runs for every painted row and role: kept flat.
        group, row = self._locate(index)
        if group is None:
            return None
        if row < len(group.cameras):
            camera = group.cameras[row]
            if role == _DISPLAY:
                return camera.title or camera.id
            if role == _KIND:
                return _CAMERA_KIND
            if role == _CAMERA:
                return camera
            if role == _CAMERA_ID:
                return camera.id
            if role == _SEARCH_TEXT:
                return search_text(camera, " ".join(group.path))
            if role == _UNREVIEWED:
                return self.unreviewed_count(camera.id)
            return None  # tooltips are made by the delegate when hovered
        row -= len(group.cameras)
        if row >= len(group.groups):
            return None
        sub = group.groups[row]
        if role == _DISPLAY:
            return sub.title
        if role == _KIND:
            return sub.kind
        if role == _SEARCH_TEXT:
            return " ".join(sub.path)
        if role == _TOOLTIP:
            return f"{len(sub.cameras) + len(sub.groups)} item(s)"
        return None

    # --- dragging cameras -----------------------------------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData | None:  # type: ignore[override]
        # Not the base class's: it would read items from the camera rows (creating them).
        ids = list(dict.fromkeys(c.id for c in (self.camera_at(i) for i in indexes) if c is not None))
        if not ids:
            return None
        mime = QMimeData()
        mime.setData(CAMERA_MIME, "\n".join(ids).encode())
        mime.setText(", ".join(self._cameras[i].title or i for i in ids))  # dropped into a text field
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction
