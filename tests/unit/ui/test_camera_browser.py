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
    for row in range(browser.proxy.rowCount(parent)):
        index = browser.proxy.index(row, 0, parent)
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
