from __future__ import annotations

import json

import pytest

from faceter_viewer.core.layouts import (
    MAX_TILES,
    Layout,
    LayoutKind,
    TileRect,
    clean_name,
    delete_named,
    find_named,
    grid_size,
    kind_for_count,
    parse_layouts,
    save_named,
    tile_count,
    tile_rects,
)


def covered_cells(kind: LayoutKind) -> list[tuple[int, int]]:
    cells = []
    for rect in tile_rects(kind):
        for row in range(rect.row, rect.row + rect.row_span):
            for column in range(rect.column, rect.column + rect.column_span):
                cells.append((row, column))
    return cells


@pytest.mark.parametrize("kind", list(LayoutKind))
def test_the_tiles_cover_the_grid_once(kind):
    rows, columns = grid_size(kind)
    cells = covered_cells(kind)
    assert sorted(cells) == [(r, c) for r in range(rows) for c in range(columns)]  # no hole, no overlap


def test_counts_and_the_one_plus_five_shape():
    assert [tile_count(kind) for kind in LayoutKind] == [1, 4, 9, 16, 6]
    big, *small = tile_rects("1+5")
    assert big == TileRect(0, 0, 2, 2)
    assert small == [TileRect(0, 2), TileRect(1, 2), TileRect(2, 0), TileRect(2, 1), TileRect(2, 2)]
    assert tile_rects(LayoutKind.GRID_2X2)[3] == TileRect(1, 1)
    assert LayoutKind.GRID_3X3.label == "3×3" and LayoutKind.ONE_PLUS_FIVE.label == "1+5"


@pytest.mark.parametrize(
    ("n", "kind"), [(0, "1"), (1, "1"), (2, "2x2"), (4, "2x2"), (5, "3x3"), (9, "3x3"), (10, "4x4"), (16, "4x4"), (40, "4x4")]
)
def test_kind_for_count(n, kind):
    assert kind_for_count(n) == kind


def test_a_layout_round_trips_through_json():
    layout = Layout("Night shift", LayoutKind.GRID_3X3, ("a", None, "c", None, None))
    assert layout.cameras == ("a", None, "c")  # trailing empty tiles are not kept
    text = json.dumps(layout.to_dict())
    assert Layout.from_dict(json.loads(text)) == layout
    assert layout.visible_cameras() == ("a", None, "c", None, None, None, None, None, None)
    assert layout.camera(8) is None and layout.camera(-1) is None


def test_named_keeps_the_tiles_the_kind_shows():
    working = Layout("", LayoutKind.GRID_2X2, tuple(f"c{i}" for i in range(9)))  # 5 out of view
    named = working.named("  Hall   and  doors ")
    assert named.name == "Hall and doors"
    assert named.cameras == ("c0", "c1", "c2", "c3")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        ("2x2", "is an object"),
        ({"kind": "5x5"}, "unknown layout kind"),
        ({"kind": "2x2", "cameras": "abc"}, "cameras are a list"),
        ({"kind": "2x2", "cameras": [1, 2]}, "camera id or empty"),
        ({"kind": "2x2", "cameras": [""]}, "camera id or empty"),
        ({"kind": "2x2", "cameras": ["a"] * (MAX_TILES + 1)}, "at most 16 tiles"),
        ({"kind": "2x2", "name": 7}, "name is text"),
        ({"kind": "2x2", "name": "x" * 101}, "at most 100"),
        ({"kind": "2x2", "version": 2}, "format 2"),
        (None, "is an object"),
    ],
)
def test_bad_saved_data_is_a_clear_value_error(data, reason):
    with pytest.raises(ValueError, match=reason):
        Layout.from_dict(data)


def test_parse_layouts_keeps_the_good_ones_and_says_why_others_went():
    data = [
        {"name": "Doors", "kind": "2x2", "cameras": ["a", "b"]},
        {"name": "", "kind": "3x3"},  # no name
        {"name": "Hall", "kind": "nope"},
        {"name": "doors", "kind": "4x4", "cameras": ["z"]},  # same name: the later wins
        {"name": "Camera 10", "kind": "1"},
        {"name": "Camera 2", "kind": "1"},
    ]
    layouts, problems = parse_layouts(data)
    assert [layout.name for layout in layouts] == ["Camera 2", "Camera 10", "doors"]  # natural order
    assert find_named(layouts, "DOORS") == Layout("doors", LayoutKind.GRID_4X4, ("z",))
    assert problems == ["layout 2: a layout needs a name", "layout 3: unknown layout kind 'nope'"]
    assert parse_layouts({"a": 1}) == ([], ["the saved layouts are a list, not dict"])


def test_save_replaces_by_name_and_delete_removes():
    layouts = save_named([], Layout("B", LayoutKind.GRID_2X2, ("a",)))
    layouts = save_named(layouts, Layout("a", LayoutKind.GRID_3X3))
    layouts = save_named(layouts, Layout("b", LayoutKind.GRID_4X4))
    assert [(layout.name, layout.kind) for layout in layouts] == [("a", "3x3"), ("b", "4x4")]
    assert [layout.name for layout in delete_named(layouts, "A")] == ["b"]
    with pytest.raises(ValueError):
        clean_name("   ")
