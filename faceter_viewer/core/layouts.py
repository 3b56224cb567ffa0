"""Multi-camera layouts (issue 12): the kinds of grid, where each tile sits, and a layout as data.

    LayoutKind          "1", "2x2", "3x3", "4x4", "1+5" (one large tile and five small ones)
    tile_rects(kind)    each tile's TileRect (row, column, spans) in the kind's grid, tile 0 first
    grid_size(kind)     (rows, columns) of that grid
    tile_count(kind)    how many tiles the kind shows
    kind_for_count(n)   the smallest square kind holding n cameras (1, 2x2, 3x3, 4x4)
    Layout              a name, a kind and the camera id of each tile (None: an empty tile),
                        to_dict / from_dict for the settings file; from_dict raises ValueError
                        with the reason for anything it cannot read (the caller starts without
                        it), never anything else
    parse_layouts(data) the readable layouts of a saved list, and why the others were dropped
    save_named / delete_named: the list of named layouts after "Save as…" or "Delete"

A layout keeps up to MAX_TILES cameras whatever its kind: switching from 3x3 to 2x2 and back
keeps the five tiles out of view (`visible_cameras` are the kind's own).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from faceter_viewer.core.camera_groups import natural_key

MAX_TILES = 16
MAX_NAME_LENGTH = 100
FORMAT_VERSION = 1


class LayoutKind(enum.StrEnum):
    SINGLE = "1"
    GRID_2X2 = "2x2"
    GRID_3X3 = "3x3"
    GRID_4X4 = "4x4"
    ONE_PLUS_FIVE = "1+5"

    @property
    def label(self) -> str:
        """How the toolbar writes it: "2×2"."""
        return self.value.replace("x", "×")


@dataclass(frozen=True, slots=True)
class TileRect:
    row: int
    column: int
    row_span: int = 1
    column_span: int = 1


def _square(n: int) -> tuple[TileRect, ...]:
    return tuple(TileRect(i // n, i % n) for i in range(n * n))


# 1+5: a 3×3 grid, the big tile 2×2 at the top left, then the right column top to bottom and the
# bottom row left to right (the order Nx and Milestone fill it in).
_RECTS: dict[LayoutKind, tuple[TileRect, ...]] = {
    LayoutKind.SINGLE: _square(1),
    LayoutKind.GRID_2X2: _square(2),
    LayoutKind.GRID_3X3: _square(3),
    LayoutKind.GRID_4X4: _square(4),
    LayoutKind.ONE_PLUS_FIVE: (
        TileRect(0, 0, 2, 2),
        TileRect(0, 2),
        TileRect(1, 2),
        TileRect(2, 0),
        TileRect(2, 1),
        TileRect(2, 2),
    ),
}
_GRID = {
    LayoutKind.SINGLE: (1, 1),
    LayoutKind.GRID_2X2: (2, 2),
    LayoutKind.GRID_3X3: (3, 3),
    LayoutKind.GRID_4X4: (4, 4),
    LayoutKind.ONE_PLUS_FIVE: (3, 3),
}


def tile_rects(kind: LayoutKind | str) -> tuple[TileRect, ...]:
    return _RECTS[LayoutKind(kind)]


def tile_count(kind: LayoutKind | str) -> int:
    return len(_RECTS[LayoutKind(kind)])


def grid_size(kind: LayoutKind | str) -> tuple[int, int]:
    """(rows, columns) of the kind's grid."""
    return _GRID[LayoutKind(kind)]


def kind_for_count(n: int) -> LayoutKind:
    """The smallest square kind holding `n` cameras (more than 16: 4x4, holding the first 16)."""
    if n <= 1:
        return LayoutKind.SINGLE
    if n <= 4:
        return LayoutKind.GRID_2X2
    if n <= 9:
        return LayoutKind.GRID_3X3
    return LayoutKind.GRID_4X4


@dataclass(frozen=True)
class Layout:
    name: str
    kind: LayoutKind
    cameras: tuple[str | None, ...] = ()  # per tile, trailing empty tiles left out

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", LayoutKind(self.kind))
        cameras = tuple(self.cameras)
        if len(cameras) > MAX_TILES:
            raise ValueError(f"a layout has at most {MAX_TILES} tiles, not {len(cameras)}")
        for camera in cameras:
            if camera is not None and (not isinstance(camera, str) or not camera):
                raise ValueError(f"a tile's camera must be a camera id or empty, not {camera!r}")
        while cameras and cameras[-1] is None:
            cameras = cameras[:-1]
        object.__setattr__(self, "cameras", cameras)
        if not isinstance(self.name, str) or len(self.name) > MAX_NAME_LENGTH:
            raise ValueError(f"a layout name is text of at most {MAX_NAME_LENGTH} characters")

    def camera(self, index: int) -> str | None:
        return self.cameras[index] if 0 <= index < len(self.cameras) else None

    def visible_cameras(self) -> tuple[str | None, ...]:
        """The camera of each tile the kind shows (None for an empty one)."""
        return tuple(self.camera(i) for i in range(tile_count(self.kind)))

    def named(self, name: str) -> Layout:
        """This layout as the named layout `name`, with only the tiles its kind shows."""
        return Layout(clean_name(name), self.kind, self.visible_cameras())

    def to_dict(self) -> dict[str, object]:
        return {"version": FORMAT_VERSION, "name": self.name, "kind": self.kind.value, "cameras": list(self.cameras)}

    @classmethod
    def from_dict(cls, data: object) -> Layout:
        """A layout from the settings file; ValueError says what is wrong with anything else."""
        if not isinstance(data, Mapping):
            raise ValueError(f"a saved layout is an object, not {type(data).__name__}")
        version = data.get("version", FORMAT_VERSION)
        if version != FORMAT_VERSION:
            raise ValueError(f"a saved layout of format {version!r} (this version reads {FORMAT_VERSION})")
        kind = data.get("kind")
        if kind not in {k.value for k in LayoutKind}:
            raise ValueError(f"unknown layout kind {kind!r}")
        cameras = data.get("cameras", [])
        if not isinstance(cameras, list):
            raise ValueError("a saved layout's cameras are a list")
        name = data.get("name", "")
        return cls(name if isinstance(name, str) else _not_text(name), LayoutKind(kind), tuple(cameras))


def _not_text(value: object) -> str:
    raise ValueError(f"a layout name is text, not {type(value).__name__}")


def clean_name(name: str) -> str:
    """A layout name as kept: surrounding space removed, inner runs of space made one space.
    ValueError for an empty or too long name."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ValueError("a layout needs a name")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValueError(f"a layout name has at most {MAX_NAME_LENGTH} characters")
    return cleaned


def parse_layouts(data: object) -> tuple[list[Layout], list[str]]:
    """The named layouts of a saved list, and why each dropped entry was dropped. Entries
    without a usable name are dropped; of two with the same name (case-insensitive) the later
    wins."""
    if not isinstance(data, list):
        return [], [f"the saved layouts are a list, not {type(data).__name__}"]
    found: dict[str, Layout] = {}
    problems: list[str] = []
    for i, item in enumerate(data):
        try:
            layout = Layout.from_dict(item)
            layout = Layout(clean_name(layout.name), layout.kind, layout.cameras)
        except ValueError as exc:
            problems.append(f"layout {i + 1}: {exc}")
            continue
        found[layout.name.casefold()] = layout
    return sorted_layouts(found.values()), problems


def sorted_layouts(layouts: Iterable[Layout]) -> list[Layout]:
    return sorted(layouts, key=lambda layout: natural_key(layout.name))


def save_named(layouts: Sequence[Layout], layout: Layout) -> list[Layout]:
    """The named layouts with `layout` added, replacing one of the same name (case-insensitive)."""
    key = layout.name.casefold()
    return sorted_layouts([*(other for other in layouts if other.name.casefold() != key), layout])


def delete_named(layouts: Sequence[Layout], name: str) -> list[Layout]:
    key = name.casefold()
    return [layout for layout in layouts if layout.name.casefold() != key]


def find_named(layouts: Sequence[Layout], name: str) -> Layout | None:
    key = name.casefold()
    return next((layout for layout in layouts if layout.name.casefold() == key), None)
