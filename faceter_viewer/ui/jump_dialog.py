""""Jump to date/time": a field to type the time in (a date and time, or a time alone: it is
focused and selected, so "Ctrl+G, 03:12, Enter" works), and a date-time field with a calendar
popup that follows it, both in the timeline's local zone. What cannot be read, and a time in
the future (there is no archive there yet, and the service refuses a window that ends before it
starts), is refused in place with the reason, and OK stays off.

The field holds the local WALL-CLOCK time (carried in a UTC QDateTime so Qt never shifts it by
the machine's own zone); converting to an instant happens here, with the same tz the timeline
uses, so a test can pin Europe/Berlin whatever the machine's zone is.
"""

from __future__ import annotations

import time
from datetime import datetime, tzinfo

from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone, Signal
from PySide6.QtWidgets import (
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.core.timeline.localtime import (
    TYPED_TIME_HINT,
    local_datetime,
    parse_typed_time,
    system_timezone,
)

TYPED_FORMAT = "%Y-%m-%d %H:%M:%S"


def _wall_clock(t: float, tz: tzinfo) -> QDateTime:
    local = local_datetime(t, tz)
    return QDateTime(
        QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second), QTimeZone.utc()
    )


def _instant(value: QDateTime, tz: tzinfo) -> float:
    date, clock = value.date(), value.time()
    wall = datetime(date.year(), date.month(), date.day(), clock.hour(), clock.minute(), clock.second(), tzinfo=tz)
    return wall.timestamp()


class JumpDialog(QDialog):
    time_chosen = Signal(float)  # epoch seconds, when the user accepts

    def __init__(
        self, initial: float, *, tz: tzinfo | None = None, now: float | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Jump to date and time")
        self._tz = tz or system_timezone()
        self._now = now
        # `now` is the caller's clock when the dialog opened; it moves on while the dialog is up.
        self._opened = time.monotonic()
        initial = min(initial, self.latest())
        self._initial = initial

        self.typed = QLineEdit(self)
        self.typed.setPlaceholderText(TYPED_TIME_HINT)
        self.typed.setToolTip("Local date and time, e.g. " + TYPED_TIME_HINT)
        self.typed.setAccessibleName("Date and time to jump to")
        self.problem = QLabel("", self)
        self.problem.setObjectName("jumpProblem")
        self.problem.setStyleSheet("color: #c5221f;")
        self.problem.hide()

        self.edit = QDateTimeEdit(self)
        self.edit.setTimeZone(QTimeZone.utc())
        self.edit.setCalendarPopup(True)
        self.edit.setDisplayFormat("yyyy-MM-dd  HH:mm:ss")
        self.edit.setDateTime(_wall_clock(initial, self._tz))

        zone = local_datetime(initial, self._tz).strftime("%Z (UTC%z)")
        note = QLabel(f"Local time, {zone}", self)
        note.setObjectName("jumpZone")

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.now_button = QPushButton("Now", self)
        buttons.addButton(self.now_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.now_button.clicked.connect(self._on_now_button_clicked)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.typed.textEdited.connect(self._on_typed_text_edited)
        self.edit.dateTimeChanged.connect(self._on_edit_date_time_changed)
        self._show_in_typed()
        self.typed.selectAll()
        self.typed.setFocus()  # typing replaces the whole time

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Go to:", self))
        layout.addWidget(self.typed)
        layout.addWidget(self.problem)
        layout.addWidget(self.edit)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def latest(self) -> float:
        """The latest time that can be chosen: now (the archive has nothing later)."""
        now = self._now if self._now is not None else time.time()
        return now + (time.monotonic() - self._opened)

    def selected_time(self) -> float:
        return _instant(self.edit.dateTime(), self._tz)

    def set_selected_time(self, t: float) -> None:
        self.edit.setDateTime(_wall_clock(t, self._tz))

    def _show_in_typed(self) -> None:
        if not self.typed.hasFocus() or self.problem.isHidden():
            self.typed.setText(local_datetime(self.selected_time(), self._tz).strftime(TYPED_FORMAT))

    def _on_typed_text_edited(self, text: str) -> None:
        try:
            t = parse_typed_time(text, self._initial, self._tz)
        except ValueError as exc:
            self._set_problem(str(exc))
            return
        self.edit.blockSignals(True)  # the typed text stays as typed
        self.edit.setDateTime(_wall_clock(t, self._tz))
        self.edit.blockSignals(False)
        self._set_problem(self._future_problem())

    def _on_edit_date_time_changed(self, _value: QDateTime) -> None:
        self._set_problem("")  # the calendar's time replaces whatever was typed
        self._show_in_typed()
        self._set_problem(self._future_problem())

    def _future_problem(self) -> str:
        if self.selected_time() <= self.latest():
            return ""
        latest = local_datetime(self.latest(), self._tz).strftime(TYPED_FORMAT)
        return f"That is in the future: nothing is recorded there yet (now is {latest})."

    def _set_problem(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.setVisible(bool(text))
        self.ok_button.setEnabled(not text)

    def accept(self) -> None:
        if not self.ok_button.isEnabled():
            return  # Enter on text that is not a time, or in the future: the reason is shown
        chosen = self.selected_time()
        super().accept()
        self.time_chosen.emit(chosen)

    def _on_now_button_clicked(self) -> None:
        self.set_selected_time(self.latest())
