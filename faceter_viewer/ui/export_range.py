"""The export dialog's range: start, duration and end, linked, in local time with UTC beside
them; and the range the dialog opens on.

Editing the start moves the range (its length stays), the duration moves the end, the end moves
the end (and the duration follows; an end before the start shows a duration of 0 and the form
says why). The fields show whole seconds, as the export asks for them (api-rules §22).
"""

from __future__ import annotations

import time
from datetime import tzinfo

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QSpinBox, QWidget

from faceter_viewer.api.models import Event
from faceter_viewer.core.timeline.localtime import format_duration
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.export_form import event_range, whole_seconds
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.local_time_fields import instant, local_time_edit, quiet, utc_text, wall_clock

DEFAULT_SECONDS = 60  # the range from the menu without a selection: a minute
MAX_TYPED_SECONDS = 24 * 3600  # the duration field goes past the limit: too long is said, not clamped


def export_range(
    view: CameraView,
    *,
    selection: tuple[float, float] | None = None,
    event: Event | None = None,
    pre_roll: float = 5.0,
    now: float | None = None,
) -> tuple[float, float]:
    """What the dialog opens on: the selection, else the event (pre-roll before, a few seconds
    after), else the minute from the playhead while the archive plays, else the last minute."""
    now = time.time() if now is None else now
    if selection is not None and selection[1] > selection[0]:
        return whole_seconds(*selection)
    if event is not None:
        return event_range(event.start_timestamp, event.end_timestamp, pre_roll, now)
    at = view.playback.current_time() if view.playback.mode is Mode.ARCHIVE else None
    if at is not None:
        return whole_seconds(at, min(at + DEFAULT_SECONDS, now))
    return whole_seconds(now - DEFAULT_SECONDS, now)


class RangeFields(QObject):
    """The three linked rows, added to a form; `changed` after every edit (and set_range)."""

    changed = Signal()

    def __init__(self, start: float, end: float, tz: tzinfo, form: QWidget, fields: QFormLayout) -> None:
        super().__init__(form)
        self._tz = tz
        self.start, self.end = whole_seconds(start, end)
        self._updating = False  # the fields are being set from code: no feedback loop
        self.start_edit = local_time_edit(self.start, tz, "Start (local time)", form)
        self.start_utc = quiet(QLabel("", form))
        self.start_utc.setObjectName("exportStartUtc")
        self.duration_spin = QSpinBox(form)
        self.duration_spin.setRange(0, MAX_TYPED_SECONDS)
        self.duration_spin.setSuffix(" s")
        self.duration_spin.setAccessibleName("Duration in seconds")
        self.duration_spin.setValue(max(0, int(self.end - self.start)))
        self.duration_text = quiet(QLabel("", form))
        self.end_edit = local_time_edit(self.end, tz, "End (local time)", form)
        self.end_utc = quiet(QLabel("", form))
        self.end_utc.setObjectName("exportEndUtc")
        self.start_edit.dateTimeChanged.connect(lambda _v: self._on_start_edited())
        self.duration_spin.valueChanged.connect(lambda _v: self._on_duration_edited())
        self.end_edit.dateTimeChanged.connect(lambda _v: self._on_end_edited())
        fields.addRow(_buddy("&Start:", self.start_edit, form), _row(self.start_edit, self.start_utc))
        fields.addRow(_buddy("&Duration:", self.duration_spin, form), _row(self.duration_spin, self.duration_text))
        fields.addRow(_buddy("E&nd:", self.end_edit, form), _row(self.end_edit, self.end_utc))
        self._show_notes()

    @property
    def duration(self) -> int:
        return max(0, int(self.end - self.start))

    def set_range(self, start: float, end: float) -> None:
        self.start, self.end = whole_seconds(start, end)
        self._show()
        self.changed.emit()

    def _on_start_edited(self) -> None:
        if self._updating:
            return
        length = max(0.0, self.end - self.start)
        self.start = instant(self.start_edit.dateTime(), self._tz)
        self.end = self.start + length  # the start moves the range; its length stays
        self._show(keep="start")
        self.changed.emit()

    def _on_duration_edited(self) -> None:
        if self._updating:
            return
        self.end = self.start + self.duration_spin.value()
        self._show(keep="duration")
        self.changed.emit()

    def _on_end_edited(self) -> None:
        if self._updating:
            return
        self.end = instant(self.end_edit.dateTime(), self._tz)
        self._show(keep="end")
        self.changed.emit()

    def _show(self, keep: str = "") -> None:
        """Put the range into the fields the user is not editing (`keep`)."""
        self._updating = True
        try:
            if keep != "start":
                self.start_edit.setDateTime(wall_clock(self.start, self._tz))
            if keep != "end":
                self.end_edit.setDateTime(wall_clock(self.end, self._tz))
            if keep != "duration":
                self.duration_spin.setValue(self.duration)
        finally:
            self._updating = False
        self._show_notes()

    def _show_notes(self) -> None:
        self.start_utc.setText(utc_text(self.start))
        self.end_utc.setText(utc_text(self.end))
        length = self.end - self.start
        self.duration_text.setText(format_duration(length) if length >= 60 else "")  # "46 s" says itself


def _buddy(text: str, widget: QWidget, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)  # a row holding a layout gets no buddy of its own: Alt+S
    label.setBuddy(widget)
    return label


def _row(edit: QWidget, note: QLabel) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    row.addWidget(note)
    return row
