from __future__ import annotations

from faceter_viewer.api.rules import NO_LOCATION_TITLE
from faceter_viewer.services.camera_view import CameraStatus
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
    # Granted, but without an Archive API address: no archive all the same, as the header says.
    no_address = make_camera(archiveApiUrl=None)
    assert camera_badges(no_address) == ["no archive access"] == CameraStatus(no_address).badges


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


# --- focus: the filter never keeps the keyboard from the content -------------------------------


def _window_with_browser(qtbot, *, connect: bool):
    """A window: the browser on the left, a focusable "content" (the player's stand-in) on the
    right; shown and active, as the main window is at start."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

    window = QWidget()
    qtbot.addWidget(window)
    browser = CameraBrowser(window)
    content = QWidget(window)
    content.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    layout = QHBoxLayout(window)
    layout.addWidget(browser)
    layout.addWidget(content)
    browser.set_cameras([make_camera("a", "Gate"), make_camera("b", "Yard")])
    released = []
    browser.focus_released.connect(lambda: released.append(True))
    if connect:
        browser.focus_released.connect(lambda: content.setFocus(Qt.FocusReason.OtherFocusReason))
    window.resize(700, 400)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and not browser.filter_edit.hasFocus(), timeout=3000)
    return window, browser, content, released


def _press(key, modifiers=None) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    target = QApplication.focusWidget()
    assert target is not None, "nothing has the keyboard focus"
    QTest.keyClick(target, key, modifiers or Qt.KeyboardModifier.NoModifier)


def test_at_start_the_filter_does_not_have_the_keyboard(qtbot):
    from PySide6.QtCore import Qt

    window, browser, content, released = _window_with_browser(qtbot, connect=True)
    assert content.hasFocus()  # handed on to whoever listens: the main window gives it to the player
    assert released == [True]
    _press(Qt.Key.Key_J)
    assert browser.filter_edit.text() == ""  # J is a command, not a letter in the filter

    window2, browser2, _content2, _ = _window_with_browser(qtbot, connect=False)
    assert browser2.tree.hasFocus()  # nobody listening: the tree takes it
    _press(Qt.Key.Key_J)
    assert browser2.filter_edit.text() == ""


def test_escape_in_the_filter_clears_it_and_hands_the_keyboard_back(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    _window, browser, content, released = _window_with_browser(qtbot, connect=True)
    released.clear()
    browser.focus_filter()  # the window's Ctrl+F
    assert browser.filter_edit.hasFocus()
    QTest.keyClicks(browser.filter_edit, "gate")
    assert browser.count_label.text() == "1 of 2 cameras"
    _press(Qt.Key.Key_Escape)
    assert browser.filter_edit.text() == "" and browser.count_label.text() == "2 cameras"
    assert released == [True] and content.hasFocus()

    # An empty filter, entered with the mouse: Escape leaves it too.
    QTest.mouseClick(browser.filter_edit, Qt.MouseButton.LeftButton)
    assert browser.filter_edit.hasFocus()
    QTest.keyClicks(browser.filter_edit, "j")  # typed by choice: it is text here
    assert browser.filter_edit.text() == "j"
    browser.filter_edit.clear()
    _press(Qt.Key.Key_Escape)
    assert released == [True, True] and content.hasFocus()


def test_escape_with_nobody_listening_moves_the_keyboard_to_the_tree(qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    _window, browser, _content, _released = _window_with_browser(qtbot, connect=False)
    browser.focus_filter()
    QTest.keyClicks(browser.filter_edit, "yard")
    _press(Qt.Key.Key_Escape)
    assert browser.tree.hasFocus() and browser.filter_edit.text() == ""


def test_the_filter_keeps_the_keyboard_the_user_gave_it_when_the_window_comes_back(qtbot):
    from PySide6.QtWidgets import QApplication, QWidget

    window, browser, _content, released = _window_with_browser(qtbot, connect=True)
    released.clear()
    browser.focus_filter()
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is other, timeout=3000)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    qtbot.wait(20)
    assert browser.filter_edit.hasFocus() and released == []


# --- the cameras in view, for the unreviewed counts --------------------------------------------


class _CountsStandIn:
    """What the browser needs of UnreviewedCounts (the real one, over HTTP, is tested in
    tests/integration/test_unreviewed_counts.py): it records what it was told."""

    def __init__(self) -> None:
        from PySide6.QtCore import QObject, Signal

        class Signals(QObject):
            changed = Signal(object)

        self._signals = Signals()
        self.changed = self._signals.changed
        self.told: list[list[str]] = []
        self.counts: dict = {}

    def count(self, camera_id: str):
        return self.counts.get(camera_id)

    def set_visible(self, camera_ids) -> None:
        self.told.append(list(camera_ids))


def test_the_browser_says_which_cameras_are_in_view_after_a_scroll_a_collapse_and_a_resize(qtbot):
    from faceter_viewer.services.unreviewed_counts import UnreviewedCount

    browser = CameraBrowser()
    qtbot.addWidget(browser)
    browser.resize(400, 500)
    browser.show()
    qtbot.waitExposed(browser)
    browser.set_cameras(many_cameras(2000))
    counts = _CountsStandIn()
    browser.attach_unreviewed_counts(counts, debounce_ms=30)
    qtbot.waitUntil(lambda: len(counts.told) == 1, timeout=3000)
    first = counts.told[-1]
    assert first == browser.visible_camera_ids() and 10 < len(first) < 40

    # Ten scroll steps in a row: one message, after the last.
    scrollbar = browser.tree.verticalScrollBar()
    for _ in range(10):
        scrollbar.setValue(scrollbar.value() + 3 * scrollbar.singleStep())
    qtbot.waitUntil(lambda: len(counts.told) == 2, timeout=3000)
    qtbot.wait(80)
    assert len(counts.told) == 2 and not set(counts.told[-1]) & set(first)

    # A wheel that keeps turning is still followed (not only once it stops), and the last
    # message is the view where it stopped.
    for _ in range(30):
        scrollbar.setValue(scrollbar.value() + scrollbar.singleStep())
        qtbot.wait(10)
    assert len(counts.told) >= 4  # two or more while it turned (30 ms checks over ≥ 300 ms)
    qtbot.waitUntil(lambda: counts.told[-1] == browser.visible_camera_ids(), timeout=3000)
    qtbot.wait(80)
    told = len(counts.told)

    browser.resize(400, 900)  # more rows in view
    qtbot.waitUntil(lambda: len(counts.told) == told + 1, timeout=3000)
    assert len(counts.told[-1]) > len(counts.told[-2])

    browser.tree.scrollToTop()
    qtbot.waitUntil(lambda: len(counts.told) == told + 2, timeout=3000)
    browser.tree.collapse(browser.model.index(0, 0))  # the first location folds away
    qtbot.waitUntil(lambda: len(counts.told) == told + 3, timeout=3000)
    assert counts.told[-1] != counts.told[-2]

    # A count that arrives repaints its row; the model answers it.
    camera_id = counts.told[-1][0]
    counts.counts[camera_id] = UnreviewedCount(12)
    counts.changed.emit({camera_id})
    assert browser.model.index_of(camera_id).data(Role.UNREVIEWED).text() == "12"

    browser.detach_unreviewed_counts()
    assert browser.model.index_of(camera_id).data(Role.UNREVIEWED) is None
    scrollbar.setValue(scrollbar.value() + 10)
    qtbot.wait(80)
    assert len(counts.told) == told + 3  # detached: nothing more is said


def test_unreviewed_count_texts():
    from faceter_viewer.services.unreviewed_counts import UnreviewedCount

    assert UnreviewedCount(0).text() == ""
    assert UnreviewedCount(1).text() == "1"
    assert UnreviewedCount(99).text() == "99"
    assert UnreviewedCount(100).text() == "99+"
    assert UnreviewedCount(100, more=True).text() == "99+"
    assert UnreviewedCount(40, more=True).text() == "40+"
    assert UnreviewedCount(1).describe() == "1 unreviewed event in the last 24 h"
    assert UnreviewedCount(100, more=True).describe() == "More than 99 unreviewed events in the last 24 h"
    assert UnreviewedCount(40, more=True).describe() == "At least 40 unreviewed events in the last 24 h"
    assert UnreviewedCount(0).describe() == "No unreviewed events in the last 24 h"


def test_camera_rows_are_dragged_with_their_ids(qtbot):
    """The drag a layout tile accepts (ui/grid/tile.py): the tree starts it with the camera ids.
    A real QDrag runs a modal loop, so the drag's data is taken from the model as the view does."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QAbstractItemView

    from faceter_viewer.ui.camera_model import CAMERA_MIME, camera_ids_from_mime

    browser = CameraBrowser()
    qtbot.addWidget(browser)
    browser.set_cameras([make_camera("a", "Gate"), make_camera("b", "Yard")])
    model = browser.model
    gate, yard = model.index_of("a"), model.index_of("b")
    assert browser.tree.dragEnabled()
    assert browser.tree.dragDropMode() is QAbstractItemView.DragDropMode.DragOnly
    assert model.flags(gate) & Qt.ItemFlag.ItemIsDragEnabled
    group = gate.parent()
    assert not model.flags(group) & Qt.ItemFlag.ItemIsDragEnabled  # a room is a heading
    assert model.supportedDragActions() == Qt.DropAction.CopyAction  # a drop never removes the row
    assert CAMERA_MIME in model.mimeTypes()
    mime = model.mimeData([yard, gate, yard])
    assert camera_ids_from_mime(mime) == ["b", "a"]
    assert mime.text() == "Yard, Gate"
    assert model.mimeData([group]) is None
    assert _tree(browser) == ["Main Office", "  Hall", "    Gate", "    Yard"]  # no item was made on a camera row
