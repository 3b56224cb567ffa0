"""B, the bookmark dialog (ui/bookmark_dialog.py), against the demo service over real HTTP.

The dialog is filled as a user fills it (keys and clicks), OK posts on the session's pool, and
what the service then lists is checked with the client. The client's transport records every POST
body on its way to the demo (a real HTTP transport underneath), so a retried request's eventId is
seen, not assumed. The player is the scripted FakeBackend: its frame is the picture on screen.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDateTimeEdit

from faceter_viewer.api import IntegrationClient
from faceter_viewer.app import WORKERS
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from faceter_viewer.ui.bookmark_dialog import BookmarkDialog
from tests.helpers.demo_fixtures import FAST_RETRY, recent_archive_time
from tests.helpers.fake_backend import FakeBackend

EVENTS_PATH = "/v1/cameras/*/events"


class RecordingTransport(httpx.BaseTransport):
    """A real HTTP transport that keeps the body of every POST of an event."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self._lock = threading.Lock()
        self._posted: list[dict] = []

    @property
    def posted(self) -> list[dict]:
        with self._lock:
            return list(self._posted)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.endswith("/events"):
            with self._lock:
                self._posted.append(json.loads(request.read()))
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()


@pytest.fixture
def recorder() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
def session(demo_service, recorder) -> Iterator[Session]:
    """A Session with the app's shared pool; its client retries fast (fault tests)."""
    client = IntegrationClient(demo_service.integration_key, demo_service.base_url, transport=recorder, retry=FAST_RETRY)
    runner = TaskRunner(max_workers=WORKERS, name="faceter-worker")
    session = Session(client, runner)
    session.posted = []  # type: ignore[attr-defined]
    session.messages.posted.connect(session.posted.append)
    yield session
    session.close()
    runner.shutdown()


@pytest.fixture
def view(session, demo_client) -> Iterator[CameraView]:
    view = CameraView(session, FakeBackend())
    view.set_camera(next(c for c in demo_client.list_cameras() if c.is_online and c.has_archive_access))
    view.backend.show_first_frame()  # a picture on screen
    yield view
    view.close()


def show(qtbot, dialog: BookmarkDialog) -> BookmarkDialog:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog


def listed(client: IntegrationClient, camera_id: str, event_id: str, start: float) -> list:
    """The events of that id the service lists around `start`."""
    around = [datetime.fromtimestamp(start - 5, UTC), datetime.fromtimestamp(start + 5, UTC)]
    return [e for e in client.iter_events(camera_id, start=around[0], end=around[1]) if e.id == event_id]


def type_attribute(qtbot, dialog: BookmarkDialog, name: str, value: str) -> None:
    """Add, type the name, Tab, type the value, Enter: as a user does."""
    QTest.mouseClick(dialog.add_attribute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.attributes.viewport().isAncestorOf(QApplication.focusWidget()), timeout=3000)
    QTest.keyClicks(QApplication.focusWidget(), name)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # to the value, committing the name
    qtbot.waitUntil(lambda: dialog.attributes.currentColumn() == 1, timeout=3000)
    QTest.keyClicks(QApplication.focusWidget(), value)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # ends the entry, does not send
    qtbot.waitUntil(lambda: dialog.attributes.state() != dialog.attributes.State.EditingState, timeout=3000)


def click_cell(dialog: BookmarkDialog, index: int) -> None:
    QTest.mouseClick(dialog.preview, Qt.MouseButton.LeftButton, pos=dialog.preview.cell_rect(index).center().toPoint())


def test_a_bookmark_made_with_keys_and_clicks_is_listed_and_shown_on_the_timeline(
    qtbot, view, session, demo_client, demo_service, recorder
):
    camera = view.camera
    start = float(recent_archive_time(demo_service, 900)) + 0.25
    end = start + 20
    # The timeline shows that range, its events loaded: the new one must appear without a wait
    # for the 30-s refresh.
    view.timeline_data.request_range(start - 1800, start + 1800)
    qtbot.waitUntil(lambda: view.timeline_data.idle, timeout=20000)
    assert view.timeline_data.events_between(start - 1800, start + 1800)  # the demo's own events

    dialog = show(qtbot, BookmarkDialog.for_view(view, selection=(start, end)))
    assert dialog.range_button.isChecked()  # the selection is the range
    assert (dialog.start_time(), dialog.end_time()) == (start, end)  # milliseconds kept
    assert dialog.event_type() == "Custom"
    assert dialog.start_utc.text() == datetime.fromtimestamp(start, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    assert dialog.snapshot_check.isChecked()  # the picture on screen is attached unless unticked

    dialog.type_combo.setFocus()
    QTest.keyClicks(dialog.type_combo, "Human")  # a non-editable combo selects by typing
    assert dialog.event_type() == "Human"
    type_attribute(qtbot, dialog, "note", "door left open")
    type_attribute(qtbot, dialog, "guard", "Dina")
    assert dialog.isVisible() and not dialog.sending  # Enter in the table sent nothing
    QTest.mouseClick(dialog.grid_check, Qt.MouseButton.LeftButton)
    dialog.rows_spin.setFocus()
    dialog.rows_spin.selectAll()
    QTest.keyClicks(dialog.rows_spin, "2")
    dialog.cols_spin.selectAll()
    QTest.keyClicks(dialog.cols_spin, "3")
    qtbot.waitUntil(lambda: dialog.preview.grid_marks() is not None and dialog.preview.grid_marks().cols == 3, timeout=3000)
    click_cell(dialog, 1)
    click_cell(dialog, 5)

    with qtbot.waitSignal(dialog.created, timeout=15000) as created:
        QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    camera_id, event_id, got_start, got_end = created.args
    assert (camera_id, event_id, got_start, got_end) == (camera.id, dialog.event_id, start, end)
    assert not dialog.isVisible()

    [event] = listed(demo_client, camera.id, event_id, start)
    assert event.type == "Human"
    assert event.attributes == {"note": "door left open", "guard": "Dina"}
    assert abs(event.start_timestamp - start) < 0.002 and abs(event.end_timestamp - end) < 0.002
    [body] = recorder.posted
    assert body["eventId"] == event_id and body["instant"] is False
    assert body["grid"] == {"rows": 2, "cols": 3, "cells": [0, 1, 0, 0, 0, 1]}
    assert base64.b64decode(body["snapshot"])[:3] == b"\xff\xd8\xff"  # the frame on screen, as JPEG

    # On the timeline, without waiting for its refresh.
    qtbot.waitUntil(lambda: any(e.id == event_id for e in view.timeline_data.events_between(start - 1, start + 1)), timeout=10000)
    assert any("Created a Human event" in m.text for m in session.posted)


def test_the_service_keeps_the_grid_it_was_given(qtbot, view, demo_client, demo_service):
    # The Integration API does not list an event's grid (GET events has no such field): the demo
    # service's own store says what it received.
    start = float(recent_archive_time(demo_service, 1000))
    dialog = show(qtbot, BookmarkDialog.for_view(view, selection=(start, start + 5)))
    QTest.mouseClick(dialog.grid_check, Qt.MouseButton.LeftButton)
    click_cell(dialog, 0)
    with qtbot.waitSignal(dialog.created, timeout=15000):
        QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert listed(demo_client, view.camera.id, dialog.event_id, start)  # listed once
    stored = demo_service.state.events.posted_event(view.camera.id, dialog.event_id)
    grid = stored.grid
    assert (grid.rows, grid.cols, grid.cells[0], sum(grid.cells)) == (4, 4, 1, 1)


def test_an_end_before_the_start_is_refused_in_the_form(qtbot, view, recorder, demo_service):
    start = float(recent_archive_time(demo_service, 800))
    dialog = show(qtbot, BookmarkDialog.for_view(view, selection=(start, start + 30)))
    dialog.end_edit.setFocus()
    dialog.end_edit.setCurrentSection(QDateTimeEdit.Section.HourSection)
    QTest.keyClick(dialog.end_edit, Qt.Key.Key_Down)  # an hour earlier: before the start
    assert dialog.end_time() == start + 30 - 3600
    QTest.keyClick(dialog.end_edit, Qt.Key.Key_Return)  # Enter is OK
    assert dialog.isVisible()
    assert dialog.problem_text() == "The end must be after the start."
    assert dialog.end_edit.hasFocus()  # where to fix it
    assert recorder.posted == []  # nothing was sent

    QTest.keyClick(dialog.end_edit, Qt.Key.Key_Up)  # fixing it takes the complaint away
    assert dialog.problem_text() == ""

    dialog.set_times(time.time() + 120)  # an instant in the future
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert "future" in dialog.problem_text()
    assert recorder.posted == []
    dialog.reject()


def test_a_refusal_by_the_service_keeps_the_form_and_try_again_sends_the_same_event(
    qtbot, view, demo_client, demo_faults, recorder, demo_service
):
    start = float(recent_archive_time(demo_service, 700))
    dialog = show(qtbot, BookmarkDialog.for_view(view, selection=(start, start + 10)))
    type_attribute(qtbot, dialog, "note", "kept after a failure")
    demo_faults.add_spec(f"error_rate={EVENTS_PATH}:1:400")
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.problem_text()), timeout=10000)
    assert dialog.problem_text() == "Could not create the event: the service refused the request."
    assert "400" in dialog.details_text.toPlainText()  # the technical part, behind Details
    assert dialog.details_button.isVisible() and not dialog.details_text.isVisible()
    assert dialog.isVisible() and dialog.form.isEnabled()
    assert dialog.attribute_rows() == (("note", "kept after a failure"),)
    assert dialog.ok_button.text() == "Try again"
    assert len(recorder.posted) == 1  # a 400 is never resent (api-rules §13)

    demo_faults.clear()
    with qtbot.waitSignal(dialog.created, timeout=15000) as created:
        QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    ids = [body["eventId"] for body in recorder.posted]
    assert ids == [created.args[1]] * 2  # Try again sent the same event
    assert len(listed(demo_client, view.camera.id, created.args[1], start)) == 1


def test_a_5xx_is_resent_with_the_same_event_id_and_stored_once(qtbot, view, demo_client, demo_faults, recorder, demo_service):
    start = float(recent_archive_time(demo_service, 650))
    dialog = show(qtbot, BookmarkDialog.for_view(view, selection=(start, start + 10)))
    demo_faults.add("error_rate", EVENTS_PATH, probability=1.0, status=503, count=1)
    with qtbot.waitSignal(dialog.created, timeout=15000) as created:
        QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert demo_faults.fired["error_rate"] == 1  # the first POST got the 503
    assert [body["eventId"] for body in recorder.posted] == [created.args[1]] * 2
    assert recorder.posted[0] == recorder.posted[1]  # the very same body
    assert len(listed(demo_client, view.camera.id, created.args[1], start)) == 1


def test_a_failure_after_every_resend_then_try_again_stores_the_event_once(
    qtbot, view, demo_client, demo_faults, recorder, demo_service
):
    start = float(recent_archive_time(demo_service, 600))
    dialog = show(qtbot, BookmarkDialog.for_view(view, selection=(start, start + 10)))
    demo_faults.add("error_rate", EVENTS_PATH, probability=1.0, status=500, count=3)  # every attempt
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(dialog.problem_text()), timeout=10000)
    assert dialog.problem_text() == "Could not create the event: the service had an internal problem; try again later."
    assert len(recorder.posted) == 3
    # Meanwhile the service did get it once (the same eventId from another attempt, say a
    # response lost on the way back): Try again must not make it twice.
    demo_client.create_event(view.camera.id, dialog.draft().to_new_event())
    with qtbot.waitSignal(dialog.created, timeout=15000):
        QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert {body["eventId"] for body in recorder.posted} == {dialog.event_id}
    assert len(listed(demo_client, view.camera.id, dialog.event_id, start)) == 1


def test_while_sending_the_dialog_answers_and_says_so(qtbot, view, demo_faults, demo_service):
    dialog = show(qtbot, BookmarkDialog.for_view(view))  # live: now, an instant
    assert dialog.instant_button.isChecked() and not dialog.end_edit.isEnabled()
    assert abs(dialog.start_time() - time.time()) < 5
    demo_faults.add_spec(f"latency={EVENTS_PATH}:1500ms")
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.sending and dialog.sending_label.isVisible() and dialog.busy.isVisible()
    assert not dialog.form.isEnabled() and not dialog.ok_button.isEnabled()
    # The GUI thread is free while the POST waits on the service: a 20-ms timer fires on time.
    began = time.monotonic()
    fired: list[float] = []
    QTimer.singleShot(20, lambda: fired.append(time.monotonic() - began))
    qtbot.waitUntil(lambda: bool(fired), timeout=1000)
    assert fired[0] < 0.3 and dialog.sending
    with qtbot.waitSignal(dialog.created, timeout=15000) as created:
        pass
    assert created.args[2] == created.args[3]  # an instant: end == start
    assert not dialog.isVisible()


def test_cancel_while_sending_closes_at_once(qtbot, view, demo_faults, demo_service, recorder):
    start = float(recent_archive_time(demo_service, 550))
    dialog = show(qtbot, BookmarkDialog.for_view(view, selection=(start, start + 10)))
    created = []
    dialog.created.connect(lambda *args: created.append(args))
    demo_faults.add_spec(f"latency={EVENTS_PATH}:700ms")
    QTest.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.sending
    QTest.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert not dialog.isVisible() and not dialog.sending
    qtbot.wait(1000)  # the answer comes back: dropped with the dialog
    assert created == [] and len(recorder.posted) == 1


def test_the_playhead_is_the_instant_while_the_archive_plays(qtbot, view, demo_service):
    t = float(recent_archive_time(demo_service, 300))
    view.play_archive(t)
    qtbot.waitUntil(lambda: bool(view.backend.opened) and view.playback.window is not None, timeout=15000)
    view.backend.show_first_frame()
    view.backend.report_position(view.backend.position() + 4.0)
    at = view.playback.current_time()
    assert at is not None
    dialog = show(qtbot, BookmarkDialog.for_view(view))
    assert dialog.instant_button.isChecked()
    assert dialog.start_time() == pytest.approx(at, abs=0.001)
    dialog.reject()
