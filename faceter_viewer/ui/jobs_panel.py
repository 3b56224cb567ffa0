"""The export jobs (a downloads manager), in a dock beside the player: one row per job, newest
on top, with its camera, range (local time), mode and state, a progress bar with speed and time
left, and cancel / retry / open file / show in folder / remove. A failed job says why.

It is a view of the session's ExportQueue (services/exports/queue.py) and never touches the disk
or the network: the queue's signals say what changed; rows are repainted at most every
REFRESH_MS (a download's progress arrives ~10 times a second per job). The speeds seen are kept
(`SpeedMemory`, remembered in QSettings) so the export dialog can say how long a download takes.
Opening a file or its folder goes through QDesktopServices (the desktop's own file manager).
"""

from __future__ import annotations

import time
from datetime import tzinfo
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.core.timeline.localtime import format_duration, local_datetime, system_timezone
from faceter_viewer.services.export_form import SpeedMemory, format_size, format_speed
from faceter_viewer.services.exports.job import ExportJob, JobState
from faceter_viewer.ui.local_time_fields import quiet

REFRESH_MS = 100
MIN_MEASURED = 0.2  # seconds of download: less says nothing about the pace
SPEED_KEY = "exports/downloadSpeed"

_STATE_TEXT = {
    JobState.QUEUED: "Queued",
    JobState.EXPORTING: "The service prepares the file…",
    JobState.DOWNLOADING: "Downloading",
    JobState.VERIFYING: "Checking the file…",
    JobState.DONE: "Done",
    JobState.FAILED: "Failed",
    JobState.CANCELLED: "Cancelled",
}


def range_text(job: ExportJob, tz: tzinfo | None = None) -> str:
    """"2026-04-10 03:12:05 – 03:13:05 (1 min 00 s)" in local time (the end's date only when it
    is another day)."""
    start, end = local_datetime(job.start.timestamp(), tz), local_datetime(job.end.timestamp(), tz)
    end_format = "%H:%M:%S" if end.date() == start.date() else "%Y-%m-%d %H:%M:%S"
    return f"{start:%Y-%m-%d %H:%M:%S} – {end.strftime(end_format)} ({format_duration(job.duration)})"


def progress_text(job: ExportJob) -> str:
    """The state in words, with the bytes, speed and time left while downloading."""
    text = _STATE_TEXT.get(job.state, str(job.state))
    if job.state is JobState.DOWNLOADING:
        parts = [text]
        if job.bytes_total:
            parts[0] += f" {min(100, job.bytes_done * 100 // job.bytes_total)} %"
            parts.append(f"{format_size(job.bytes_done)} of {format_size(job.bytes_total)}")
        else:
            parts.append(format_size(job.bytes_done))
        if job.speed:
            parts.append(format_speed(job.speed))
        if job.eta is not None:
            parts.append(f"{format_duration(max(1.0, job.eta))} left")
        return " · ".join(parts)
    if job.state is JobState.DONE:
        size = f" · {format_size(job.bytes_total or job.bytes_done)}" if (job.bytes_total or job.bytes_done) else ""
        return f"{text}{size} · {job.dest.name}"
    return text


class JobRow(QFrame):
    """One job: what, when, how far, and what can be done with it."""

    def __init__(self, job: ExportJob, panel: JobsPanel) -> None:
        super().__init__(panel.rows_widget)
        self.job = job
        self.setObjectName("exportJob")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title_label = QLabel(self)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        self.title_label.setWordWrap(True)
        self.range_label = quiet(QLabel(self))
        self.range_label.setWordWrap(True)
        self.state_label = QLabel(self)
        self.state_label.setObjectName("jobState")
        self.state_label.setWordWrap(True)  # the dock is narrow: lines wrap, nothing scrolls sideways
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.error_label = QLabel(self)
        self.error_label.setObjectName("jobError")
        self.error_label.setStyleSheet("color: #c5221f;")
        self.error_label.setWordWrap(True)
        self.error_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cancel_button = self._button("Cancel", "Stop this export", lambda: panel.exports.cancel(self.job.id))
        self.retry_button = self._button("Retry", "Run this export again", lambda: panel.exports.retry(self.job.id))
        self.open_button = self._button("Open", "Open the file", lambda: panel.open_file(self.job))
        self.folder_button = self._button("Show in folder", "Open the folder that holds the file", lambda: panel.show_in_folder(self.job))
        self.remove_button = self._button("Remove", "Remove from this list (the file stays)", lambda: panel.exports.remove(self.job.id))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        for button in (self.cancel_button, self.retry_button, self.open_button, self.folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.title_label)
        layout.addWidget(self.range_label)
        layout.addWidget(self.state_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.error_label)
        layout.addLayout(buttons)
        self.show_job(job, panel.tz)

    def _button(self, text: str, tip: str, slot) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        return button

    def show_job(self, job: ExportJob, tz: tzinfo | None = None) -> None:
        self.job = job
        self.title_label.setText(f"{job.camera_title} · {job.mode.label}")
        self.range_label.setText(range_text(job, tz))
        self.state_label.setText(progress_text(job))
        self.setToolTip(str(job.dest))
        busy = job.state in (JobState.EXPORTING, JobState.VERIFYING) or (
            job.state is JobState.DOWNLOADING and not job.bytes_total
        )
        if busy:
            self.progress.setRange(0, 0)  # no total: it only shows that something runs
        else:
            self.progress.setRange(0, 1000)
            done = job.state is JobState.DONE
            share = 1.0 if done else (job.bytes_done / job.bytes_total if job.bytes_total else 0.0)
            self.progress.setValue(round(1000 * min(1.0, share)))
        self.progress.setVisible(not job.state.finished or job.state is JobState.DONE)
        failed = job.state is JobState.FAILED
        self.error_label.setText((job.error or "The export failed.") if failed else "")
        self.error_label.setVisible(failed)
        self.cancel_button.setVisible(job.can_cancel)
        self.retry_button.setVisible(job.can_retry)
        self.open_button.setVisible(job.state is JobState.DONE)
        self.folder_button.setVisible(job.state is JobState.DONE)
        self.remove_button.setVisible(job.finished)


class JobsPanel(QWidget):
    """See the module docstring. `state_shown(job_id, state)` each time a row shows a new state
    (what a test or a screen reader follows)."""

    state_shown = Signal(str, object)  # job id, JobState

    def __init__(
        self, exports, settings: QSettings, parent: QWidget | None = None, *, tz: tzinfo | None = None, clock=time.monotonic
    ) -> None:
        super().__init__(parent)
        self._clock = clock
        self.exports = exports
        self.settings = settings
        self.tz = tz or system_timezone()
        remembered = settings.value(SPEED_KEY, 0.0, float)
        self.speed = SpeedMemory(remembered)
        self.rows: dict[str, JobRow] = {}
        self._shown_state: dict[str, JobState] = {}
        self._dirty: set[str] = set()
        self._download_seen: dict[str, tuple[float, int, bool]] = {}  # when, bytes, runner's speed seen
        self.setObjectName("jobsPanel")

        self.rows_widget = QWidget(self)
        self.rows_layout = QVBoxLayout(self.rows_widget)
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.rows_layout.addStretch(1)
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(self.rows_widget)
        self.empty_label = quiet(QLabel("No exports yet. Select a range on the timeline and press E.", self))
        self.empty_label.setWordWrap(True)
        self.clear_button = QPushButton("Clear &finished", self)
        self.clear_button.setToolTip("Remove the finished jobs from this list (their files stay)")
        self.clear_button.clicked.connect(self.clear_finished)
        top = QHBoxLayout()
        top.addWidget(self.empty_label, 1)
        top.addWidget(self.clear_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.scroll, 1)

        self.setMinimumWidth(260)

        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(REFRESH_MS)
        self._refresh_timer.timeout.connect(self._on_refresh_timer_timeout)
        exports.job_added.connect(self._on_exports_job_added)
        exports.job_changed.connect(self._on_exports_job_changed)
        exports.job_removed.connect(self._on_exports_job_removed)
        for job in exports.jobs():
            self._add_row(job)
        self._update_summary()

    def sizeHint(self) -> QSize:
        return QSize(320, 320)  # room for about three jobs

    # --- what the window asks -------------------------------------------------------------------

    def expected_speed(self) -> float | None:
        """Bytes per second a download can be expected to reach (None before the first one)."""
        return self.speed.value

    def clear_finished(self) -> None:
        for job in list(self.exports.jobs()):
            if job.finished:
                self.exports.remove(job.id)

    def open_file(self, job: ExportJob) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(job.dest)))

    def show_in_folder(self, job: ExportJob) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(Path(job.dest).parent)))

    def close_panel(self) -> None:
        self._refresh_timer.stop()
        for signal, slot in (
            (self.exports.job_added, self._on_exports_job_added),
            (self.exports.job_changed, self._on_exports_job_changed),
            (self.exports.job_removed, self._on_exports_job_removed),
        ):
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass  # the queue went first

    def shown_state(self, job_id: str) -> JobState | None:
        return self._shown_state.get(job_id)

    # --- the queue's signals --------------------------------------------------------------------

    def _on_exports_job_added(self, job_id: str) -> None:
        job = self.exports.job(job_id)
        if job is not None and job_id not in self.rows:
            self._add_row(job)
            self._update_summary()

    def _on_exports_job_changed(self, job_id: str) -> None:
        job = self.exports.job(job_id)
        if job is not None:
            self._measure_speed(job)  # at each change, not each repaint: a quick download is seen
        self._dirty.add(job_id)
        if not self._refresh_timer.isActive():  # not restarted: a steady stream still repaints
            self._refresh_timer.start()

    def _on_exports_job_removed(self, job_id: str) -> None:
        row = self.rows.pop(job_id, None)
        self._dirty.discard(job_id)
        self._shown_state.pop(job_id, None)
        self._download_seen.pop(job_id, None)
        if row is not None:
            self.rows_layout.removeWidget(row)
            row.deleteLater()
        self._update_summary()

    def _on_refresh_timer_timeout(self) -> None:
        dirty, self._dirty = self._dirty, set()
        for job_id in dirty:
            job = self.exports.job(job_id)
            row = self.rows.get(job_id)
            if job is None or row is None:
                continue
            row.show_job(job, self.tz)
            self._note_state(job)
        self._update_summary()

    def _measure_speed(self, job: ExportJob) -> None:
        """Learn the pace of downloads: the runner's recent speed while it has one, else (a
        download too quick for it) the bytes over the time this panel saw it downloading."""
        now = self._clock()
        if job.state is JobState.DOWNLOADING:
            self._download_seen.setdefault(job.id, (now, job.bytes_done, False))
            if job.speed:
                self.speed.observe(job.speed)
                self._download_seen[job.id] = (*self._download_seen[job.id][:2], True)
            return
        seen = self._download_seen.pop(job.id, None)
        if seen is None:
            return
        since, bytes_then, measured = seen
        if not measured and job.state in (JobState.VERIFYING, JobState.DONE) and now - since >= MIN_MEASURED:
            self.speed.observe((job.bytes_done - bytes_then) / (now - since))
        if self.speed.value:
            self.settings.setValue(SPEED_KEY, self.speed.value)  # a download ended: remember its pace

    def _add_row(self, job: ExportJob) -> None:
        row = JobRow(job, self)
        self.rows[job.id] = row
        self.rows_layout.insertWidget(0, row)  # newest on top
        row.show()  # now, not at the layout's next pass (a row's buttons are usable at once)
        self._note_state(job)

    def _note_state(self, job: ExportJob) -> None:
        if self._shown_state.get(job.id) is not job.state:
            self._shown_state[job.id] = job.state
            self.state_shown.emit(job.id, job.state)

    def _update_summary(self) -> None:
        self.empty_label.setVisible(not self.rows)
        self.clear_button.setVisible(any(row.job.finished for row in self.rows.values()))
