"""Date-time fields in local time, as the jump, bookmark and export dialogs show them.

A QDateTimeEdit here holds the local WALL-CLOCK time of a zone `tz`, carried in a UTC QDateTime
so Qt never shifts it by the machine's own zone; `wall_clock` and `instant` convert with the same
tz the timeline uses, so a test can pin Europe/Berlin whatever the machine's zone is. Beside a
field, the same instant in UTC (`utc_text`) in a greyed-out label (`quiet`).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone
from PySide6.QtWidgets import QDateTimeEdit, QLabel, QWidget

from faceter_viewer.core.timeline.localtime import local_datetime, wall_clock_to_epoch

SHOWN_FORMAT = "%Y-%m-%d %H:%M:%S"


def wall_clock(t: float, tz: tzinfo) -> QDateTime:
    local = local_datetime(t, tz)
    return QDateTime(
        QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second), QTimeZone.utc()
    )


def instant(value: QDateTime, tz: tzinfo) -> float:
    d, c = value.date(), value.time()
    return wall_clock_to_epoch(d.year(), d.month(), d.day(), c.hour(), c.minute(), c.second(), tz)


def utc_text(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime(SHOWN_FORMAT) + " UTC"


def quiet(label: QLabel) -> QLabel:
    """A secondary text (UTC, the zone, a hint), in the theme's greyed-out text colour whether the
    form is enabled or not (a stylesheet colour would turn dark when it is disabled)."""
    palette = label.palette()
    grey = palette.color(palette.ColorGroup.Disabled, palette.ColorRole.WindowText)
    for group in (palette.ColorGroup.Active, palette.ColorGroup.Inactive):
        palette.setColor(group, palette.ColorRole.WindowText, grey)
    label.setPalette(palette)
    return label


def local_time_edit(t: float, tz: tzinfo, accessible_name: str, parent: QWidget | None = None) -> QDateTimeEdit:
    """A field showing t as the wall clock of tz, to the second, with a calendar popup."""
    edit = QDateTimeEdit(parent)
    edit.setTimeZone(QTimeZone.utc())  # the wall clock of tz (see wall_clock)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd  HH:mm:ss")
    edit.setDateTime(wall_clock(t, tz))
    edit.setAccessibleName(accessible_name)
    return edit
