"""A tile's context menu: "Camera ▸" (location ▸ room ▸ camera, as the camera tree groups them),
"Maximize" / "Back to the grid", "Clear".

The camera submenus are filled when they open (`aboutToShow`), so a menu over 5,000 cameras costs
only the groups the user walks through.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu, QWidget

from faceter_viewer.core.camera_groups import camera_sort_key, group_path

if TYPE_CHECKING:
    from faceter_viewer.api.models import Camera


def build_tile_menu(
    cameras: Sequence[Camera],
    *,
    current_id: str | None,
    maximized: bool,
    on_camera: Callable[[Camera], None],
    on_maximize: Callable[[], None],
    on_clear: Callable[[], None],
    parent: QWidget | None = None,
) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("tileMenu")
    cameras_menu = menu.addMenu("&Camera")
    cameras_menu.setObjectName("tileCameraMenu")
    _fill_groups(cameras_menu, sorted(cameras, key=camera_sort_key), 0, current_id, on_camera)
    if not cameras:
        cameras_menu.setEnabled(False)
    maximize = menu.addAction("Back to the &grid" if maximized else "&Maximize", on_maximize)
    maximize.setObjectName("tileMaximize")
    clear = menu.addAction("C&lear", on_clear)
    clear.setObjectName("tileClear")
    clear.setEnabled(current_id is not None)
    return menu


def _fill_groups(menu: QMenu, cameras: list[Camera], depth: int, current_id: str | None, on_camera) -> None:
    """One level: the cameras directly at this depth, then a submenu per group below it (made
    when it first opens)."""
    groups: dict[str, list[Camera]] = {}
    for camera in cameras:
        path = group_path(camera)
        if len(path) <= depth:
            action = menu.addAction(camera.title or camera.id, lambda camera=camera: on_camera(camera))
            action.setCheckable(True)
            action.setChecked(camera.id == current_id)
            action.setToolTip("offline" if not camera.is_online else "")
        else:
            groups.setdefault(path[depth], []).append(camera)
    for title, members in groups.items():  # in camera_sort_key order already
        sub = menu.addMenu(title)
        filled = [False]

        def fill(sub=sub, members=members, filled=filled) -> None:
            if not filled[0]:
                filled[0] = True
                _fill_groups(sub, members, depth + 1, current_id, on_camera)

        sub.aboutToShow.connect(fill)
        sub.setProperty("fill", fill)  # kept with the menu (tests open a level without showing it)


def open_group(menu: QMenu) -> None:
    """Fill a lazily filled camera submenu as if it were opened (for tests and keyboard walks)."""
    fill = menu.property("fill")
    if fill is not None:
        fill()
