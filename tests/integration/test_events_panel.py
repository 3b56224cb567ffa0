"""The events panel against the demo service: pages on scroll without duplicates, filters,
triage from the keyboard (J/K play the event from its start minus the pre-roll, decoded from the
frame on screen; R persists), and the link to the timeline."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLineEdit

from faceter_viewer.demo.media.timecode import decode_timecode
from faceter_viewer.player.vlc_backend import VlcBackend
from faceter_viewer.player.vlc_runtime import wait_for_releases
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.events_feed import RangePreset
from faceter_viewer.services.review_store import ReviewState
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from faceter_viewer.ui.events_list import EVENT_ROLE
from faceter_viewer.ui.events_panel import EventsPanel
from faceter_viewer.ui.player_panel import PlayerPanel
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.frames import qimage_to_array

REPO_ROOT = Path(__file__).resolve().parents[2]
FRAME = 0.040


class Rig:
    def __init__(self, qtbot, client, tmp_path, backend) -> None:
        self.runner = TaskRunner(max_workers=4)
        self.session = Session(client, self.runner)
        self.settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        self.settings.setValue("events/filter/preset", RangePreset.WEEK.value)
        self.review_path = tmp_path / "reviewed.sqlite"
        self.review = ReviewState(path=self.review_path)
        self.player = PlayerPanel(CameraView(self.session, backend, snapshot_dir=tmp_path))
        self.panel = EventsPanel(self.player.view, self.review, self.settings)
        self.panel.attach_timeline(self.player.timeline)
        for widget in (self.player, self.panel):
            qtbot.addWidget(widget)
        self.player.resize(900, 600)
        self.panel.resize(420, 700)
        self.player.show()
        self.panel.show()

    def close(self) -> None:
        self.panel.close_panel()
        self.player.shutdown()
        self.review.close()
        self.runner.shutdown()
        self.session.close()
        assert wait_for_releases(10.0)


@pytest.fixture
def rig(qtbot, demo_client, tmp_path) -> Iterator[Rig]:
    made = Rig(qtbot, demo_client, tmp_path, FakeBackend())
    yield made
    made.close()


def listed(panel: EventsPanel) -> list:
    return [panel.proxy.index(row, 0).data(EVENT_ROLE) for row in range(panel.proxy.rowCount())]


def camera_with_events(client, service, index: int = 0):
    return client.get_camera(service.cameras[index].id)


def test_scrolling_pages_through_a_week_without_duplicates_in_order(qtbot, rig, demo_client, demo_service):
    camera = camera_with_events(demo_client, demo_service)
    rig.player.show_camera(camera)
    qtbot.waitUntil(lambda: rig.panel.model.rowCount() > 0, timeout=15000)
    for _ in range(40):  # the user scrolls to the end again and again
        if not rig.panel.feed.has_more:
            break
        rig.panel.list.scrollToBottom()
        qtbot.waitUntil(lambda: not rig.panel.feed.loading, timeout=15000)
        qtbot.wait(20)
    events = listed(rig.panel)
    ids = [e.id for e in events]
    assert len(ids) == len(set(ids)) > 100  # several pages, nothing twice
    starts = [e.start_timestamp for e in events]
    assert starts == sorted(starts, reverse=True)  # newest first, as asked
    truth = list(demo_client.iter_events(camera.id, start=events[-1].start_time, end=None, page_size=500))
    assert {e.id for e in truth} <= set(ids)  # none missing


def test_a_type_filter_lists_only_that_type_and_is_remembered(qtbot, rig, demo_client, demo_service):
    rig.player.show_camera(camera_with_events(demo_client, demo_service))
    qtbot.waitUntil(lambda: rig.panel.model.rowCount() > 0, timeout=15000)
    wanted = listed(rig.panel)[0].type
    action = next(a for a in rig.panel.types_menu.actions() if a.isCheckable() and a.data() == wanted)
    action.setChecked(True)
    qtbot.waitUntil(lambda: rig.panel.model.rowCount() > 0 and not rig.panel.feed.loading, timeout=15000)
    assert {e.type for e in listed(rig.panel)} == {wanted}
    assert rig.settings.value("events/filter/types") == wanted


def test_r_marks_reviewed_moves_on_and_unreviewed_only_hides_it(qtbot, rig, demo_client, demo_service):
    camera = camera_with_events(demo_client, demo_service)
    rig.player.show_camera(camera)
    qtbot.waitUntil(lambda: rig.panel.proxy.rowCount() > 3, timeout=15000)
    rig.panel.next_event()  # J: the first row
    first = rig.panel.selected_events()[0]
    rig.panel.mark_reviewed()  # R: marked, and the next one is selected (auto-advance)
    assert rig.review.is_reviewed(demo_client.base_url, camera.id, first.id)
    assert rig.panel.selected_events()[0].id == listed(rig.panel)[1].id
    rig.panel.toggle_unreviewed_only()
    assert first.id not in {e.id for e in listed(rig.panel)}
    rig.panel.toggle_unreviewed_only()
    assert rig.review.flush(5.0)
    # A new process reads it back from the database file.
    script = textwrap.dedent(
        f"""
        from PySide6.QtCore import QCoreApplication
        from faceter_viewer.services.review_store import ReviewState
        app = QCoreApplication([])
        state = ReviewState(path={str(rig.review_path)!r})
        state.load({demo_client.base_url!r}, {camera.id!r})
        import time
        deadline = time.monotonic() + 10
        while not state.is_reviewed({demo_client.base_url!r}, {camera.id!r}, {first.id!r}) and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.01)
        print("REVIEWED", state.is_reviewed({demo_client.base_url!r}, {camera.id!r}, {first.id!r}))
        state.close()
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO_ROOT, timeout=60, check=False)
    assert "REVIEWED True" in result.stdout, result.stdout + result.stderr


def test_selecting_an_event_highlights_it_on_the_timeline_and_a_glyph_click_selects_it(qtbot, rig, demo_client, demo_service):
    rig.player.show_camera(camera_with_events(demo_client, demo_service))
    qtbot.waitUntil(lambda: rig.panel.proxy.rowCount() > 2, timeout=15000)
    second = listed(rig.panel)[1]
    rig.panel.list.setCurrentIndex(rig.panel.proxy.index(1, 0))
    assert rig.player.timeline.highlighted_event()[0] == second.start_timestamp
    rig.player.timeline.event_picked.emit(listed(rig.panel)[2].start_timestamp)
    assert rig.panel.selected_events()[0].id == listed(rig.panel)[2].id


@pytest.mark.slow
def test_j_plays_the_event_from_its_start_minus_the_pre_roll(qtbot, demo_client, demo_service, tmp_path):
    made = Rig(qtbot, demo_client, tmp_path, VlcBackend())
    try:
        camera = camera_with_events(demo_client, demo_service)
        made.settings.setValue("events/filter/preset", RangePreset.HOUR.value)
        made.panel._restore_filter()
        made.player.show_camera(camera)
        qtbot.waitUntil(lambda: made.panel.proxy.rowCount() > 0, timeout=15000)
        # An event inside the demo's gap-free last 20 minutes, so its pre-roll is recorded too.
        anchor = demo_service.dataset.anchor
        rows = [i for i, e in enumerate(listed(made.panel)) if anchor - 1100 < e.start_timestamp < anchor - 30]
        assert rows, "no event in the last 20 minutes of the demo"
        made.panel.list.setCurrentIndex(made.panel.proxy.index(rows[0] - 1, 0) if rows[0] > 0 else made.panel.proxy.index(0, 0))
        event = listed(made.panel)[rows[0]]
        first: list[float] = []
        made.player.backend.first_frame_shown.connect(lambda _s: first.append(1.0))
        if rows[0] > 0:
            made.panel.next_event()  # J
        else:
            made.panel._on_list_activated(made.panel.proxy.index(0, 0))  # Enter on the first row
        qtbot.waitUntil(lambda: bool(first), timeout=20000)
        qtbot.waitUntil(lambda: not made.player.video.current_image().isNull(), timeout=5000)
        shown = decode_timecode(qimage_to_array(made.player.video.current_image())).timestamp()
        assert abs(shown - (event.start_timestamp - made.panel.pre_roll)) <= FRAME + 0.001
    finally:
        made.close()


def test_the_triage_keys_work_from_the_list_and_not_in_a_text_field(qtbot, rig, demo_client, demo_service):
    from faceter_viewer.ui.actions import ActionSet, Scope

    actions = ActionSet(rig.panel, (Scope.WINDOW,))
    for name, target in (("next_event", rig.panel.next_event), ("mark_reviewed", rig.panel.mark_reviewed)):
        actions.bind(name, target)
    rig.player.show_camera(camera_with_events(demo_client, demo_service))
    qtbot.waitUntil(lambda: rig.panel.proxy.rowCount() > 2, timeout=15000)
    rig.panel.activateWindow()
    rig.panel.list.setFocus()
    qtbot.waitUntil(rig.panel.list.hasFocus, timeout=3000)
    QTest.keyClick(rig.panel.list, Qt.Key.Key_J)
    assert rig.panel.current_row() == 0
    QTest.keyClick(rig.panel.list, Qt.Key.Key_R)
    assert rig.panel.current_row() == 1
    field = QLineEdit(rig.panel)  # a text field keeps the letters it types
    field.show()
    field.setFocus()
    qtbot.waitUntil(field.hasFocus, timeout=3000)
    QTest.keyClick(field, Qt.Key.Key_J)
    assert field.text() == "j" and rig.panel.current_row() == 1


def test_a_newer_event_shows_as_a_pill_and_the_list_does_not_reshuffle(qtbot, rig, demo_client, demo_service):
    from datetime import UTC, datetime

    from faceter_viewer.api.models import NewEvent

    camera = camera_with_events(demo_client, demo_service, index=1)
    rig.player.show_camera(camera)
    qtbot.waitUntil(lambda: rig.panel.model.rowCount() > 0 and not rig.panel.feed.loading, timeout=15000)
    before = [e.id for e in listed(rig.panel)]
    new = NewEvent(start_date=datetime.now(UTC), instant=True, attributes={"note": "gate open"})
    demo_client.create_event(camera.id, new)
    rig.panel.feed.refresh()
    qtbot.waitUntil(lambda: rig.panel.new_pill.isVisibleTo(rig.panel), timeout=10000)
    assert rig.panel.new_pill.text() == "1 new"
    assert [e.id for e in listed(rig.panel)] == before  # nothing moved under the user
    rig.panel.new_pill.click()
    qtbot.waitUntil(lambda: rig.panel.model.rowCount() > 0 and not rig.panel.feed.loading, timeout=15000)
    assert listed(rig.panel)[0].id == new.event_id and not rig.panel.new_pill.isVisibleTo(rig.panel)
    assert listed(rig.panel)[0].attributes.get("note") == "gate open"
