from __future__ import annotations

from faceter_viewer.api.rules import NO_LOCATION_TITLE
from faceter_viewer.ui.camera_browser import CameraBrowser
from faceter_viewer.ui.camera_details import describe_camera
from faceter_viewer.ui.camera_model import Kind, Role, camera_badges
from tests.helpers.cameras import make_camera, many_cameras


def _tree(browser: CameraBrowser, parent=None, depth=0) -> list[str]:
    """The visible tree as indented lines."""
    from PySide6.QtCore import QModelIndex

    parent = parent or QModelIndex()
    lines = []
    for row in range(browser.model.rowCount(parent)):
        index = browser.model.index(row, 0, parent)
        lines.append("  " * depth + index.data())
        lines.extend(_tree(browser, index, depth + 1))
    return lines


def test_grouping_location_room_and_missing_ones(qtbot):
    browser = CameraBrowser()
    qtbot.addWidget(browser)
    browser.set_cameras(
        [
            make_camera("a", "Gate 10"),
            make_camera("b", "Gate 2"),
            make_camera("c", "Lobby", location={"id": "l2", "title": "Warehouse", "room": None}),
            make_camera("d", "Phone", location=None),
            make_camera("e", "Yard", location={"id": "l3", "title": "Annex", "room": {"id": "r", "title": "Back"}}),
        ]
    )
    assert _tree(browser) == [
        "Annex",
        "  Back",
        "    Yard",
        "Main Office",
        "  Hall",
        "    Gate 2",  # natural order: 2 before 10
        "    Gate 10",
        "Warehouse",
        "  Lobby",  # no room: directly under its location
        NO_LOCATION_TITLE,  # last
        "  Phone",
    ]


def test_filter_matches_title_location_room_and_serial(qtbot):
    browser = CameraBrowser()
    qtbot.addWidget(browser)
    browser.set_cameras(
        [
            make_camera("a", "Front gate", serialNumber="XYZ-1"),
            make_camera("b", "Parking", location={"id": "l2", "title": "Warehouse", "room": {"id": "r", "title": "Dock"}}),
        ]
    )
    browser.filter_edit.setText("gate")
    assert _tree(browser) == ["Main Office", "  Hall", "    Front gate"]
    browser.filter_edit.setText("dock")
    assert _tree(browser) == ["Warehouse", "  Dock", "    Parking"]
    browser.filter_edit.setText("xyz-1")
    assert _tree(browser)[-1].strip() == "Front gate"
    assert browser.count_label.text() == "1 of 2 cameras"
    browser.filter_edit.setText("nothing like this")
    assert _tree(browser) == []
    browser.filter_edit.clear()
    assert len(_tree(browser)) == 6


def test_badges():
    assert camera_badges(make_camera()) == []
    badges = camera_badges(
        make_camera(isArchiveGranted=False, isAudioGranted=False, tempAccessExpiryDate="2030-01-02T03:04:00Z")
    )
    assert badges[:2] == ["no archive access", "no audio"]
    assert badges[2].startswith("temporary access until")


def test_details_text_for_offline_camera():
    text = describe_camera(make_camera(isOnline=False, lastOnlineDate="2026-01-02T03:04:05Z", isAudioGranted=False))
    assert text["state"].startswith("Offline since 2026-01-0")
    assert "audio" not in text["permissions"] and "archive" in text["permissions"]


def test_selection_kept_across_refresh(qtbot):
    browser = CameraBrowser()
    qtbot.addWidget(browser)
    cameras = [make_camera(f"c{i}", f"Cam {i}") for i in range(5)]
    browser.set_cameras(cameras)
    with qtbot.waitSignal(browser.camera_selected) as blocker:
        assert browser.select_camera("c3")
    assert blocker.args[0].id == "c3"
    renamed = [make_camera(f"c{i}", f"Cam {i}" + (" (renamed)" if i == 3 else "")) for i in range(6)]
    with qtbot.waitSignal(browser.camera_selected) as blocker:
        browser.set_cameras(renamed)
    assert browser.selected_camera_id() == "c3"
    assert blocker.args[0].title == "Cam 3 (renamed)"
    assert browser.tree.currentIndex().data(Role.KIND) == Kind.CAMERA


def test_five_thousand_cameras(qtbot):
    browser = CameraBrowser()
    qtbot.addWidget(browser)
    cameras = many_cameras(5000)
    browser.set_cameras(cameras)
    assert browser.count_label.text() == "5000 cameras"
    browser.filter_edit.setText("Camera 4999")
    assert browser.count_label.text() == "1 of 5000 cameras"
    assert _tree(browser)[-1].strip() == "Camera 4999"


# --- the model built for 5,000 cameras: order, structure, filter, kept state -------------------


def _tricky_cameras():
    """Natural numbers, equal titles, group names equal when casefolded, locations and rooms
    known only by id, no room, no location."""
    hall = {"id": "l1", "title": "Site 2", "room": {"id": "r1", "title": "Hall"}}
    hall_lower = {"id": "l1", "title": "Site 2", "room": {"id": "r2", "title": "hall"}}
    return [
        make_camera("z", "Cam 10", location=hall),
        make_camera("y", "cam 9", location=hall_lower),
        make_camera("x", "Cam 9", location=hall),
        make_camera("w", "Cam 9", location=hall),  # same title: ordered by id
        make_camera("v", "Entrance", location={"id": "l1", "title": "Site 2", "room": None}),
        make_camera("u", "Roof", location={"id": "l9", "title": "Site 10", "room": {"id": "r9", "title": ""}}),
        make_camera("t", "Gate", location={"id": "l-only-id", "title": "", "room": {"id": "r-only-id", "title": ""}}),
        make_camera("s", "Phone 2", location=None),
        make_camera("r", "Phone 1", location={"id": "", "title": "", "room": None}),
        make_camera("q", "", location={"id": "l3", "title": "site 2", "room": None}),
    ]


def _flatten(group) -> list:
    """Group paths and camera ids in tree order."""
    out: list = [camera.id for camera in group.cameras]
    for sub in group.groups:
        out.append(sub.path)
        out.extend(_flatten(sub))
    return out


def _reference_order(cameras) -> list:
    """The tree as the earlier build made it: walk sorted(cameras, key=camera_sort_key), create
    each group when its first camera comes, append each camera to its group."""
    from faceter_viewer.core.camera_groups import camera_sort_key, group_path

    children: dict = {(): []}
    for camera in sorted(cameras, key=camera_sort_key):
        path = group_path(camera)
        for depth in range(1, len(path) + 1):
            if path[:depth] not in children:
                children[path[:depth]] = []
                children[path[: depth - 1]].append(path[:depth])
        children[path].append(camera.id)

    def flat(path) -> list:
        out: list = []
        for child in children[path]:
            out.extend([child, *flat(child)] if isinstance(child, tuple) else [child])
        return out

    return flat(())


def test_tree_order_is_the_camera_sort_key_order():
    from faceter_viewer.ui.camera_model import build_groups

    for cameras in (_tricky_cameras(), many_cameras(600)):
        expected = _reference_order(cameras)
        assert _flatten(build_groups(list(reversed(cameras)))) == expected
        assert _flatten(build_groups(cameras)) == expected
    # "Hall" and "hall" are two rooms whose cameras camera_sort_key interleaves: each keeps its own.
    assert _reference_order(_tricky_cameras())[:8] == [
        ("l-only-id",),
        ("l-only-id", "r-only-id"),
        "t",
        ("site 2",),
        "q",
        ("Site 2",),
        "v",
        ("Site 2", "Hall"),
    ]


def test_group_rows_are_not_selectable_and_camera_rows_stay_empty_slots(qtbot):
    from PySide6.QtCore import Qt

    browser = CameraBrowser()
    qtbot.addWidget(browser)
    browser.resize(400, 400)
    browser.show()
    browser.set_cameras([make_camera("a", "Gate"), make_camera("b", "Yard")])
    location = browser.model.index(0, 0)
    room = browser.model.index(0, 0, location)
    assert not browser.model.flags(location) & Qt.ItemFlag.ItemIsSelectable
    assert not browser.model.flags(room) & Qt.ItemFlag.ItemIsSelectable
    with qtbot.assertNotEmitted(browser.camera_selected):
        qtbot.mouseClick(browser.tree.viewport(), Qt.MouseButton.LeftButton, pos=browser.tree.visualRect(room).center())
    assert browser.tree.selectionModel().selectedIndexes() == []
    assert browser.selected_camera_id() is None

    gate = browser.model.index_of("a")
    with qtbot.waitSignal(browser.camera_selected) as blocker:
        qtbot.mouseClick(browser.tree.viewport(), Qt.MouseButton.LeftButton, pos=browser.tree.visualRect(gate).center())
    assert blocker.args[0].id == "a"
    assert browser.tree.selectionModel().selectedIndexes() == [gate]
    # Painted, clicked and selected, the camera rows are still C++ slots without items.
    room_item = browser.model.itemFromIndex(room)
    assert [room_item.child(row) for row in range(room_item.rowCount())] == [None, None]


def test_selection_and_collapsed_groups_survive_refresh_and_filter(qtbot):
    browser = CameraBrowser()
    qtbot.addWidget(browser)
    cameras = many_cameras(300)
    browser.set_cameras(cameras)
    with qtbot.waitSignal(browser.camera_selected):
        assert browser.select_camera("cam-42")
    site_5 = next(i for i in range(browser.model.rowCount()) if browser.model.index(i, 0).data() == "Site 5")
    browser.tree.collapse(browser.model.index(site_5, 0))
    assert browser.collapsed_groups() == {("Site 5",)}

    def site_5_expanded() -> bool:
        row = next(i for i in range(browser.model.rowCount()) if browser.model.index(i, 0).data() == "Site 5")
        return browser.tree.isExpanded(browser.model.index(row, 0))

    def current_id():
        return browser.tree.currentIndex().data(Role.CAMERA_ID)

    with qtbot.waitSignal(browser.camera_selected) as blocker:
        browser.set_cameras(list(reversed(cameras)))
    assert blocker.args[0].id == "cam-42"
    assert current_id() == "cam-42" and not site_5_expanded()

    # Filtering neither re-emits nor loses the selection; matches are shown expanded.
    with qtbot.assertNotEmitted(browser.camera_selected):
        browser.filter_edit.setText("camera 4")
        assert current_id() == "cam-42" and site_5_expanded()
        browser.filter_edit.setText("camera 43")  # hides cam-42 for a while
        assert not browser.tree.currentIndex().isValid()
        assert browser.selected_camera_id() == "cam-42"
        browser.filter_edit.setText("")
    assert current_id() == "cam-42" and not site_5_expanded()
    assert browser.tree.selectionModel().selectedIndexes() == [browser.model.index_of("cam-42")]

    # A camera the filter hides can still be selected: the filter makes way.
    browser.filter_edit.setText("camera 43")
    with qtbot.waitSignal(browser.camera_selected) as blocker:
        assert browser.select_camera("cam-7")
    assert blocker.args[0].id == "cam-7" and browser.filter_edit.text() == ""

    # A camera that is gone after a refresh is no longer selected.
    browser.set_cameras([camera for camera in cameras if camera.id != "cam-7"])
    assert browser.selected_camera_id() is None
    assert not browser.select_camera("cam-7")


def test_narrowing_and_widening_the_filter_give_fresh_results(qtbot):
    browser = CameraBrowser()
    qtbot.addWidget(browser)
    browser.set_cameras(many_cameras(500))
    fresh = {}
    for text in ("Camera 4", "Camera 49", "site 1", "room 3", "sn000123"):
        browser.filter_edit.setText(text)
        fresh[text] = _tree(browser)
        browser.filter_edit.clear()
    for typed in (["C", "Ca", "Camera", "Camera 4", "Camera 49"], ["Camera 49", "Camera 4"], ["s", "si", "site 1"]):
        for text in typed:
            browser.filter_edit.setText(text)
        assert _tree(browser) == fresh[typed[-1]]
    browser.filter_edit.setText("  ROOM 3 ")
    assert _tree(browser) == fresh["room 3"]
    assert browser.count_label.text() == f"{browser.model.count_matching('room 3')} of 500 cameras"
    browser.filter_edit.setText("SN000123")
    assert [line.strip() for line in _tree(browser)][-1] == "Camera 123"


def test_tooltips_and_roles(qtbot):
    from PySide6.QtCore import Qt

    browser = CameraBrowser()
    qtbot.addWidget(browser)
    browser.set_cameras([make_camera("a", "Gate", serialNumber="S-1"), make_camera("b", "Yard")])
    location = browser.model.index(0, 0)
    room = browser.model.index(0, 0, location)
    gate = browser.model.index_of("a")
    assert location.data(Role.KIND) == Kind.LOCATION and room.data(Role.KIND) == Kind.ROOM
    assert room.data(Qt.ItemDataRole.ToolTipRole) == "2 item(s)"
    assert gate.data(Role.KIND) == Kind.CAMERA and gate.data(Role.CAMERA_ID) == "a"
    assert gate.data(Role.CAMERA).title == "Gate"
    assert gate.data(Role.SEARCH_TEXT) == "Gate Main Office Hall S-1 a"
    assert room.data(Role.SEARCH_TEXT) == "Main Office Hall"
    assert browser.model.camera("b").title == "Yard" and len(browser.model.cameras()) == 2
