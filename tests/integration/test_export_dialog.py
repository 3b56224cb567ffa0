"""E, the export dialog (ui/export_dialog.py), and the jobs panel (ui/jobs_panel.py), against the
demo service over real HTTP with the real ExportQueue (its SQLite store in the test's folder).

The dialog is prefilled from a selection and from an event, refuses what cannot be exported with
the reason in place (Export off), shows the size the demo's Archive API `size` answers, and works
from the keyboard (focus in the start, Enter exports, Escape closes). The panel follows a job
through its states in order, shows a failure's message, retries it, and opens the file and its
folder through QDesktopServices (a URL handler records what the desktop would open).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QSettings, Qt, QUrl, Slot
from PySide6.QtGui import QAction, QDesktopServices
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog

from faceter_viewer.api import rules
from faceter_viewer.core.timeline.localtime import local_datetime, system_timezone
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.events_feed import RangePreset
from faceter_viewer.services.export_form import EVENT_TAIL, event_range, format_size
from faceter_viewer.services.exports.job import ExportMode, ExportRequest, JobState
from faceter_viewer.services.exports.queue import ExportQueue
from faceter_viewer.services.review_store import ReviewState
from faceter_viewer.ui.events_list import EVENT_ROLE
from faceter_viewer.ui.events_panel import EventsPanel
from faceter_viewer.ui.export_dialog import FOLDER_KEY, ExportDialog, open_export_dialog
from faceter_viewer.ui.jobs_panel import SPEED_KEY, JobsPanel
from tests.helpers.demo_fixtures import find_gap, recent_archive_time
from tests.helpers.cameras import make_camera
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.fake_export_queue import FakeExportQueue
from tests.helpers.sessions import session  # noqa: F401 (fixture)


@pytest.fixture
def settings(tmp_path) -> QSettings:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue(FOLDER_KEY, str(tmp_path / "exports"))  # never the developer's own Videos
    return settings


@pytest.fixture
def exports(qtbot, session, tmp_path) -> Iterator[ExportQueue]:  # noqa: F811
    queue = ExportQueue(session.client, tmp_path / "jobs.sqlite3", messages=session.messages)
    with qtbot.waitSignal(queue.loaded, timeout=10000):
        pass  # the store is open, the stored jobs (none) are known
    yield queue
    queue.close()


def camera_named(session, title: str):  # noqa: F811
    return next(c for c in session.cameras() if c.title == title)


@pytest.fixture
def view(qtbot, session) -> Iterator[CameraView]:  # noqa: F811
    with qtbot.waitSignal(session.cameras_loaded, timeout=10000):
        session.refresh_cameras()  # the list the window would have
    view = CameraView(session, FakeBackend())
    view.set_camera(camera_named(session, "Entrance"))  # Main Office / Hall, with Corridor
    yield view
    view.close()


@pytest.fixture(autouse=True)
def _no_dialog_left_open() -> Iterator[None]:
    """The dialogs delete themselves when closed (as in the app): a test that stops half-way
    closes what it opened here."""
    yield
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, ExportDialog) and widget.isVisible():
            widget.reject()


def show(qtbot, dialog: ExportDialog) -> ExportDialog:
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow, timeout=3000)
    return dialog


def loaded_timeline(qtbot, view: CameraView, a: float, b: float) -> None:
    view.timeline_data.request_range(a - 600, b + 600)
    qtbot.waitUntil(lambda: view.timeline_data.archive_seconds(a, b) is not None, timeout=20000)


def stamp(t: float) -> str:
    return local_datetime(t, system_timezone()).strftime("%Y-%m-%d_%H-%M-%S")


# --- prefill ------------------------------------------------------------------------------------


def test_prefilled_from_the_selection_with_the_room_mates_listed(qtbot, view, exports, settings, demo_service, tmp_path):
    start = float(recent_archive_time(demo_service, 900)) + 0.4
    loaded_timeline(qtbot, view, start - 0.4, start + 29.6)
    assert view.timeline_data.archive_seconds(start - 0.4, start + 29.6) == pytest.approx(30.0)  # gap-free there
    dialog = show(qtbot, open_export_dialog(view, exports, settings, selection=(start, start + 29.2)))
    assert dialog.range() == (start - 0.4, start - 0.4 + 30)  # widened to whole seconds
    assert dialog.duration_spin.value() == 30
    assert dialog.start_utc.text() == datetime.fromtimestamp(start - 0.4, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    titles = [dialog.camera_list.item(row).text() for row in range(dialog.camera_list.count())]
    assert titles == ["Entrance", "Corridor"]  # the camera on screen first, then its room
    assert [c.title for c in dialog.chosen_cameras()] == ["Entrance"]
    assert dialog.mode() is ExportMode.VIDEO and dialog.audio_check.isChecked() and dialog.evidence_check.isChecked()
    assert dialog.name_edit.placeholderText() == f"Entrance_{stamp(start)}.mp4"
    assert dialog.folder_edit.text() == str(tmp_path / "exports")
    assert dialog.start_edit.hasFocus()  # the field one adjusts most
    dialog.set_mode(ExportMode.CLIP)
    assert not dialog.evidence_check.isChecked()  # on by default for video only
    assert dialog.name_edit.placeholderText().endswith(".mp4")
    dialog.set_mode(ExportMode.AUDIO)
    assert dialog.name_edit.placeholderText().endswith(".m4a")
    dialog.reject()


def test_prefilled_from_an_event_with_its_pre_roll(qtbot, view, exports, settings, demo_service, demo_client):
    camera = view.camera
    t = recent_archive_time(demo_service, 1800)
    around = (datetime.fromtimestamp(t - 3600, UTC), datetime.fromtimestamp(t, UTC))
    event = next(e for e in demo_client.iter_events(camera.id, start=around[0], end=around[1]) if e.end_time is not None)
    dialog = show(qtbot, open_export_dialog(view, exports, settings, event=event, pre_roll=7.0))
    start, end = dialog.range()
    assert start == int(event.start_timestamp - 7.0)
    assert end == -(-(event.end_timestamp + EVENT_TAIL) // 1)  # ceil
    dialog.reject()


# --- refusals -----------------------------------------------------------------------------------


def refused(dialog: ExportDialog, words: str) -> None:
    assert not dialog.export_button.isEnabled(), f"Export should be off: {words}"
    assert words in dialog.problem_text(), dialog.problem_text()


def test_every_refusal_is_said_in_the_dialog_and_export_is_off(qtbot, view, exports, settings, demo_service):
    start = float(recent_archive_time(demo_service, 900))
    dialog = show(qtbot, open_export_dialog(view, exports, settings, selection=(start, start + 20)))
    assert dialog.export_button.isEnabled() and dialog.problem_text() == ""

    dialog.end_edit.setFocus()
    dialog.end_edit.setDateTime(dialog.start_edit.dateTime().addSecs(-30))
    refused(dialog, "The end is before the start.")
    assert dialog.duration_spin.value() == 0  # no negative length: the reason says it
    dialog.duration_spin.setValue(5)
    assert dialog.export_button.isEnabled() and dialog.range()[1] == dialog.range()[0] + 5  # the end follows
    dialog.duration_spin.setValue(0)
    refused(dialog, "The range is empty")
    dialog.duration_spin.setValue(rules.MAX_EXPORT_SECONDS + 1)
    refused(dialog, "at most 1 h 00 min can be exported at once")
    dialog.duration_spin.setValue(20)
    assert dialog.export_button.isEnabled()

    dialog.advanced_button.click()
    assert dialog.callback_edit.isVisible() and dialog.callback_edit.hasFocus()
    QTest.keyClicks(dialog.callback_edit, "ftp://127.0.0.1/hook")
    refused(dialog, "must start with http:// or https://")
    dialog.callback_edit.setText("http://127.0.0.1:9/hook")
    assert dialog.export_button.isEnabled()

    dialog.folder_edit.clear()
    refused(dialog, "Choose the folder")
    dialog.folder_edit.setText(settings.value(FOLDER_KEY))
    dialog.set_camera_checked(view.camera.id, False)
    refused(dialog, "Choose at least one camera.")
    dialog.set_camera_checked(view.camera.id, True)

    dialog.set_range(start + 7200, start + 7210)  # two hours after a moment 15 minutes ago
    refused(dialog, "The range starts in the future")
    dialog.reject()


def test_no_archive_in_the_range_is_refused_from_the_timeline_and_from_the_size(
    qtbot, view, exports, settings, demo_service, session  # noqa: F811
):
    index = next(i for i, c in enumerate(demo_service.cameras) if c.title == "Storage")  # many gaps
    storage = camera_named(session, "Storage")
    gap_start, _gap_end = find_gap(demo_service, index, min_seconds=40)
    gap = (gap_start + 5.0, gap_start + 25.0)

    # The timeline shows that gap: refused at once, before any size is asked.
    view.set_camera(storage)
    loaded_timeline(qtbot, view, *gap)
    dialog = show(qtbot, open_export_dialog(view, exports, settings, selection=gap))
    refused(dialog, "There is no archive of “Storage” in this range.")
    assert dialog.form().sizes == {}
    dialog.reject()

    # Nothing loaded there (a fresh view): the Archive API size of 0 says it.
    fresh = CameraView(session, FakeBackend())
    fresh.set_camera(storage)
    try:
        dialog = show(qtbot, open_export_dialog(fresh, exports, settings, selection=gap))
        assert fresh.timeline_data.archive_seconds(*gap) is None
        assert dialog.export_button.isEnabled()  # nothing known yet: not refused on a guess
        qtbot.waitUntil(lambda: "no archive" in dialog.problem_text(), timeout=10000)
        refused(dialog, "There is no archive of “Storage” in this range.")
        assert dialog.form().sizes == {storage.id: 0}
        dialog.reject()
    finally:
        fresh.close()

    # A room-mate whose timeline is not loaded but which has archive there: not refused.
    view.set_camera(camera_named(session, "Entrance"))
    t = float(recent_archive_time(demo_service, 900))
    dialog = show(qtbot, open_export_dialog(view, exports, settings, selection=(t, t + 10)))
    dialog.set_camera_checked(camera_named(session, "Corridor").id, True)
    qtbot.waitUntil(lambda: "for 2 cameras" in dialog.estimate_label.text(), timeout=10000)
    assert dialog.export_button.isEnabled()
    dialog.reject()


def test_no_archive_access_and_no_audio_grant(qtbot, view, exports, settings, demo_service, session):  # noqa: F811
    t = float(recent_archive_time(demo_service, 900))
    view.set_camera(camera_named(session, "Server Room"))
    dialog = show(qtbot, open_export_dialog(view, exports, settings, selection=(t, t + 10)))
    refused(dialog, "This key has no archive access to “Server Room”.")
    dialog.reject()

    view.set_camera(camera_named(session, "Parking Lot"))
    dialog = show(qtbot, open_export_dialog(view, exports, settings, selection=(t, t + 10)))
    for widget in (dialog.audio_radio, dialog.audio_check):
        assert not widget.isEnabled() and "no audio grant for “Parking Lot”" in widget.toolTip()
    assert not dialog.audio_check.isChecked() and dialog.export_button.isEnabled()  # a silent video is fine
    dialog.set_mode(ExportMode.AUDIO)  # what a click cannot do: the mode falls back to video
    assert dialog.mode() is ExportMode.VIDEO and dialog.export_button.isEnabled()
    dialog.reject()


# --- the estimate -------------------------------------------------------------------------------


def test_the_estimate_is_the_demos_archive_size_and_follows_the_range(qtbot, view, exports, settings, demo_service, demo_client):
    t = float(recent_archive_time(demo_service, 900))
    dialog = ExportDialog(view, exports, settings, start=t, end=t + 30, speed=2_000_000)
    qtbot.addWidget(dialog)  # not self-deleting: made here, not by open_export_dialog
    dialog.show()
    show(qtbot, dialog)
    archive = demo_client.archive(view.camera)
    expected = format_size(archive.size(t, 30))
    qtbot.waitUntil(lambda: expected in dialog.estimate_label.text(), timeout=10000)
    assert "to download" in dialog.estimate_label.text() and "2.0 MB/s" in dialog.estimate_label.text()

    answers = []
    dialog.estimator.answered.connect(answers.append)
    for seconds in (40, 50, 60):  # typed quickly: one request, for the last one (debounced)
        dialog.duration_spin.setValue(seconds)
    longer = format_size(archive.size(t, 60))
    qtbot.waitUntil(lambda: longer in dialog.estimate_label.text(), timeout=10000)
    assert [(a.duration, a.sizes) for a in answers] == [(60, {view.camera.id: archive.size(t, 60)})]
    dialog.reject()


# --- keyboard -----------------------------------------------------------------------------------


def test_enter_exports_one_job_per_camera_and_escape_closes(qtbot, view, exports, settings, demo_service, session, tmp_path):  # noqa: F811
    t = float(recent_archive_time(demo_service, 900))
    dialog = show(qtbot, open_export_dialog(view, exports, settings, selection=(t, t + 4)))
    corridor = camera_named(session, "Corridor")
    dialog.set_camera_checked(corridor.id, True)
    assert dialog.start_edit.hasFocus()
    results = []
    dialog.finished.connect(results.append)
    with qtbot.waitSignal(dialog.submitted, timeout=5000) as submitted:
        QTest.keyClick(dialog.start_edit, Qt.Key.Key_Return)
    assert results == [QDialog.DialogCode.Accepted]
    jobs = [exports.job(job_id) for job_id in submitted.args[0]]
    assert [j.camera_title for j in jobs] == ["Entrance", "Corridor"]
    assert [j.dest.name for j in jobs] == [f"Entrance_{stamp(t)}.mp4", f"Corridor_{stamp(t)}.mp4"]
    assert all(j.dest.parent == tmp_path / "exports" and j.duration == 4 and j.mode is ExportMode.VIDEO for j in jobs)
    assert all(j.start == datetime.fromtimestamp(t, UTC) and j.evidence and j.audio for j in jobs)
    qtbot.waitUntil(lambda: all(exports.job(j.id).finished for j in jobs), timeout=60000)
    assert [exports.job(j.id).state for j in jobs] == [JobState.DONE, JobState.DONE], [exports.job(j.id).error for j in jobs]

    dialog = show(qtbot, open_export_dialog(view, exports, settings, selection=(t, t + 4)))
    results: list[int] = []
    dialog.finished.connect(results.append)
    QTest.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert results == [QDialog.DialogCode.Rejected] and len(exports.jobs()) == 2

    dialog = show(qtbot, open_export_dialog(view, exports, settings, selection=(t, t + 4)))
    dialog.duration_spin.setValue(0)
    QTest.keyClick(dialog.start_edit, Qt.Key.Key_Return)  # refused: nothing is sent, the dialog stays
    assert dialog.isVisible() and len(exports.jobs()) == 2 and "empty" in dialog.problem_text()
    dialog.reject()


# --- from a layout -------------------------------------------------------------------------------


@pytest.fixture
def layout_views(qtbot, session) -> Iterator[list[CameraView]]:  # noqa: F811
    """The tiles of a layout: Entrance, Parking Lot (no audio grant), Server Room (no archive
    access), Storage (many gaps), and Entrance again on a fifth tile."""
    with qtbot.waitSignal(session.cameras_loaded, timeout=10000):
        session.refresh_cameras()
    views = []
    for title in ("Entrance", "Parking Lot", "Server Room", "Storage"):
        view = CameraView(session, FakeBackend())
        view.set_camera(camera_named(session, title))
        views.append(view)
    yield views
    for view in views:
        view.close()


def test_a_layouts_cameras_are_offered_checked_for_one_range_one_job_each(
    qtbot, layout_views, exports, settings, demo_service, session, tmp_path  # noqa: F811
):
    from faceter_viewer.services.layout_timeline import LayoutTimelineSource

    source = LayoutTimelineSource()
    source.set_views(layout_views)
    t = float(recent_archive_time(demo_service, 900))
    source.request_range(t - 600, t + 600)
    with_archive = [v for v in layout_views if v.camera.has_archive_access]
    qtbot.waitUntil(lambda: all(source.archive_seconds(v.camera.id, t, t + 4) is not None for v in with_archive), timeout=20000)
    cameras = [v.camera for v in layout_views] + [layout_views[0].camera]  # a camera on two tiles: offered once
    parking = layout_views[1]  # the selected tile
    dialog = show(qtbot, open_export_dialog(parking, exports, settings, selection=(t, t + 4),
                                            layout_cameras=cameras, archive_seconds=source.archive_seconds))  # fmt: skip
    listed = [dialog.camera_list.item(row) for row in range(dialog.camera_list.count())]
    assert [item.text() for item in listed] == ["Parking Lot", "Entrance", "Server Room", "Storage"]
    assert [c.title for c in dialog.chosen_cameras()] == ["Parking Lot", "Entrance", "Storage"]
    assert "no archive access" in listed[2].toolTip(), "offered, unchecked, and said why"
    assert dialog.form().archive == {v.camera.id: 4.0 for v in with_archive}, "each tile's timeline asked"
    assert not dialog.audio_check.isEnabled(), "Parking Lot has no audio grant: a silent video for all"
    assert dialog.name_edit.placeholderText() == f"Parking Lot_{stamp(t)}.mp4"
    with qtbot.waitSignal(dialog.submitted, timeout=5000) as submitted:
        dialog.export_button.click()
    jobs = [exports.job(job_id) for job_id in submitted.args[0]]
    assert [j.camera_title for j in jobs] == ["Parking Lot", "Entrance", "Storage"]
    assert all(j.start == datetime.fromtimestamp(t, UTC) and j.duration == 4 and not j.audio for j in jobs)
    assert len({j.dest.name for j in jobs}) == 3
    qtbot.waitUntil(lambda: all(exports.job(j.id).finished for j in jobs), timeout=90000)
    assert [exports.job(j.id).state for j in jobs] == [JobState.DONE] * 3, [exports.job(j.id).error for j in jobs]

    # A range where one tile has no archive: refused from that tile's timeline, at once.
    storage_index = next(i for i, c in enumerate(demo_service.cameras) if c.title == "Storage")
    gap_start, _ = find_gap(demo_service, storage_index, min_seconds=40)
    gap = (gap_start + 5.0, gap_start + 25.0)
    source.request_range(gap[0] - 600, gap[1] + 600)
    qtbot.waitUntil(lambda: source.archive_seconds(layout_views[3].camera.id, *gap) is not None, timeout=20000)
    dialog = show(qtbot, open_export_dialog(parking, exports, settings, selection=gap,
                                            layout_cameras=cameras, archive_seconds=source.archive_seconds))  # fmt: skip
    refused(dialog, "There is no archive of “Storage” in this range.")
    dialog.set_camera_checked(layout_views[3].camera.id, False)
    assert dialog.problem_text() == "" and dialog.export_button.isEnabled()  # the others recorded there
    dialog.reject()
    source.close()


# --- the jobs panel -----------------------------------------------------------------------------


class OpenedUrls(QObject):
    """Where QDesktopServices.openUrl sends file URLs during a test: recorded, not opened."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


@pytest.fixture
def opened() -> Iterator[OpenedUrls]:
    handler = OpenedUrls()
    QDesktopServices.setUrlHandler("file", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def panel(qtbot, exports, settings) -> Iterator[JobsPanel]:
    panel = JobsPanel(exports, settings)
    qtbot.addWidget(panel)
    panel.resize(420, 500)
    panel.show()
    qtbot.waitExposed(panel)
    yield panel
    panel.close_panel()


def request_for(dialog_view, exports, settings, t, mode, qtbot):
    dialog = show(qtbot, open_export_dialog(dialog_view, exports, settings, selection=(t, t + 4)))
    dialog.set_mode(mode)
    with qtbot.waitSignal(dialog.submitted, timeout=5000) as submitted:
        dialog.export_button.click()
    return submitted.args[0][0]


def test_the_panel_shows_a_jobs_states_in_order_and_opens_the_file(qtbot, panel, view, exports, settings, demo_service, opened):
    assert panel.empty_label.isVisible()
    seen: dict[str, list[JobState]] = {}
    panel.state_shown.connect(lambda job_id, state: seen.setdefault(job_id, []).append(state))
    t = float(recent_archive_time(demo_service, 900))
    job_id = request_for(view, exports, settings, t, ExportMode.VIDEO, qtbot)
    assert seen[job_id] == [JobState.QUEUED]  # at once
    row = panel.rows[job_id]
    assert row.title_label.text() == "Entrance · Video export"
    assert row.range_label.text().startswith(local_datetime(t, system_timezone()).strftime("%Y-%m-%d %H:%M:%S"))
    assert row.cancel_button.isVisible() and not row.open_button.isVisible()
    qtbot.waitUntil(lambda: panel.shown_state(job_id) is JobState.DONE, timeout=60000)
    order = [JobState.QUEUED, JobState.EXPORTING, JobState.DOWNLOADING, JobState.VERIFYING, JobState.DONE]
    assert seen[job_id] == sorted(seen[job_id], key=order.index) and seen[job_id][0] is JobState.QUEUED
    assert JobState.EXPORTING in seen[job_id] and seen[job_id][-1] is JobState.DONE
    job = exports.job(job_id)
    assert row.state_label.text().startswith("Done") and job.dest.name in row.state_label.text()
    assert row.progress.value() == row.progress.maximum()
    assert not panel.empty_label.isVisible() and panel.clear_button.isVisible()

    assert row.open_button.isVisible() and row.folder_button.isVisible() and not row.cancel_button.isVisible()
    row.open_button.click()
    row.folder_button.click()
    assert [Path(url.toLocalFile()) for url in opened.urls] == [job.dest, job.dest.parent]
    assert job.dest.is_file()

    panel.clear_button.click()
    qtbot.waitUntil(lambda: job_id not in panel.rows, timeout=3000)
    assert panel.empty_label.isVisible() and job.dest.is_file()  # the file stays


def test_a_failed_job_shows_its_message_and_retry_completes_it(qtbot, panel, view, exports, settings, demo_service, demo_faults):
    demo_faults.add_spec("error_rate=/archive/clip:1:400")  # the service refuses the clip
    t = float(recent_archive_time(demo_service, 900))
    job_id = request_for(view, exports, settings, t, ExportMode.CLIP, qtbot)
    qtbot.waitUntil(lambda: panel.shown_state(job_id) is JobState.FAILED, timeout=30000)
    row = panel.rows[job_id]
    assert row.error_label.isVisible() and row.error_label.text() == exports.job(job_id).error
    assert row.error_label.text().startswith("Could not")
    assert row.retry_button.isVisible() and not row.open_button.isVisible()

    demo_faults.clear()
    row.retry_button.click()
    qtbot.waitUntil(lambda: panel.shown_state(job_id) is JobState.DONE, timeout=30000)
    assert not row.error_label.isVisible() and exports.job(job_id).dest.is_file()


def test_progress_repaints_are_throttled_and_say_speed_and_time_left(qtbot, settings, tmp_path):
    # A burst of 50 changes in one go (the real queue sends at most 10 a second per job): the
    # row is repainted once, with the last values. The fake queue runs nothing, so the burst
    # comes exactly when the test says.
    queue = FakeExportQueue()
    panel = JobsPanel(queue, settings)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    camera = make_camera("gate", "Front gate")
    start = datetime(2026, 4, 10, 3, 12, 5, tzinfo=UTC)
    request = ExportRequest(camera=camera, start=start, duration=60, mode=ExportMode.CLIP, folder=tmp_path, file_name="a.mp4")
    job = queue.submit(request)
    row = panel.rows[job.id]
    painted: list[int] = []
    real_show_job = row.show_job
    row.show_job = lambda job, tz=None: (painted.append(job.bytes_done), real_show_job(job, tz))  # type: ignore[method-assign]
    for i in range(1, 51):
        queue.advance(job.id, JobState.DOWNLOADING, bytes_done=i * 100_000, bytes_total=10_000_000, speed=2_000_000.0)
    assert painted == []  # nothing yet: the repaint waits for the timer
    qtbot.waitUntil(lambda: bool(painted), timeout=3000)
    assert painted == [5_000_000]
    assert row.state_label.text() == "Downloading 50 % · 5.0 MB of 10.0 MB · 2.0 MB/s · 2.5 s left"
    assert row.progress.value() == 500 and row.cancel_button.isVisible()
    assert panel.expected_speed() == 2_000_000.0
    queue.advance(job.id, JobState.DONE, bytes_done=10_000_000, speed=None)
    qtbot.waitUntil(lambda: panel.shown_state(job.id) is JobState.DONE, timeout=3000)
    assert settings.value(SPEED_KEY, 0.0, float) == 2_000_000.0  # kept for the next dialog's estimate
    assert not row.cancel_button.isVisible() and row.remove_button.isVisible()
    row.remove_button.click()
    assert queue.calls == [("remove", job.id)] and job.id not in panel.rows
    panel.close_panel()


def test_a_download_too_quick_for_the_runners_speed_is_timed_by_the_panel(qtbot, settings, tmp_path):
    queue = FakeExportQueue()
    clock = [100.0]
    panel = JobsPanel(queue, settings, clock=lambda: clock[0])
    qtbot.addWidget(panel)
    request = ExportRequest(camera=make_camera(), start=datetime(2026, 4, 10, tzinfo=UTC), duration=10,
                            mode=ExportMode.CLIP, folder=tmp_path, file_name="a.mp4")  # fmt: skip
    job = queue.submit(request)
    queue.advance(job.id, JobState.DOWNLOADING, bytes_done=0, bytes_total=8_000_000)  # no speed: too soon
    qtbot.waitUntil(lambda: panel.shown_state(job.id) is JobState.DOWNLOADING, timeout=3000)
    clock[0] += 0.5
    queue.advance(job.id, JobState.VERIFYING, bytes_done=8_000_000)
    qtbot.waitUntil(lambda: panel.shown_state(job.id) is JobState.VERIFYING, timeout=3000)
    assert panel.expected_speed() == 16_000_000.0  # 8 MB in the half second it was seen downloading
    assert settings.value(SPEED_KEY, 0.0, float) == 16_000_000.0
    panel.close_panel()


# --- from an event ------------------------------------------------------------------------------


def test_export_in_an_events_context_menu_opens_the_dialog_on_its_range(qtbot, view, exports, settings, tmp_path):
    settings.setValue("events/filter/preset", RangePreset.WEEK.value)
    review = ReviewState(path=tmp_path / "reviewed.sqlite")
    panel = EventsPanel(view, review, settings)
    qtbot.addWidget(panel)
    panel.resize(420, 600)
    panel.show()
    qtbot.waitExposed(panel)
    opened: list[ExportDialog] = []
    panel.export_requested.connect(
        lambda event: opened.append(open_export_dialog(view, exports, settings, event=event, pre_roll=panel.pre_roll))
    )
    try:
        qtbot.waitUntil(lambda: panel.proxy.rowCount() > 0, timeout=15000)
        event = panel.proxy.index(0, 0).data(EVENT_ROLE)
        # The menu a right click pops up (not popped here: the offscreen platform cannot grab
        # the keyboard for a popup, and says so in warnings).
        assert panel.list.contextMenuPolicy() is Qt.ContextMenuPolicy.CustomContextMenu
        menu = panel.event_menu(event)
        assert [a.text() for a in menu.actions()] == ["&Play", "&Export…"]
        menu.findChild(QAction, "exportEvent").trigger()
        menu.deleteLater()
        qtbot.waitUntil(lambda: bool(opened), timeout=3000)
        dialog = show(qtbot, opened[0])
        assert dialog.range() == event_range(event.start_timestamp, event.end_timestamp, panel.pre_roll, time.time())
        assert dialog.range()[0] == int(event.start_timestamp - 5.0)  # the default pre-roll
        dialog.reject()
    finally:
        panel.close_panel()
        review.close()
