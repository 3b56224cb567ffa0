"""The events list: a Qt model over the EventsFeed's pages, the "unreviewed only" proxy, and the
delegate that paints a row (preview, the timeline's glyph for the type, local time, duration,
merged count, attributes; reviewed rows dimmed; the event under the playhead marked).

The model holds the rows; the feed only delivers pages (`page_loaded`), so rows are inserted
with beginInsertRows and never reordered. `canFetchMore`/`fetchMore` ask the feed for the next
page when the view scrolls near the end (the proxy forwards them).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRect, QSize, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from faceter_viewer.api.models import Event
from faceter_viewer.core.timeline.localtime import format_duration
from faceter_viewer.services.event_previews import PREVIEW_SIZE, EventPreviews
from faceter_viewer.services.events_feed import EventsFeed
from faceter_viewer.ui.timeline_legend import paint_glyph, type_style

EVENT_ROLE = Qt.ItemDataRole.UserRole + 1
REVIEWED_ROLE = Qt.ItemDataRole.UserRole + 2
CURRENT_ROLE = Qt.ItemDataRole.UserRole + 3  # under the playhead
ROW_HEIGHT = PREVIEW_SIZE.height() + 8


class EventsModel(QAbstractListModel):
    def __init__(self, feed: EventsFeed, parent=None) -> None:
        super().__init__(parent)
        self.feed = feed
        self._events: list[Event] = []
        self._rows: dict[str, int] = {}
        self._reviewed: frozenset[str] = frozenset()
        self._current: str | None = None
        feed.cleared.connect(self._on_feed_cleared)
        feed.page_loaded.connect(self._on_feed_page_loaded)

    # --- Qt model ---------------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._events)

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._events):
            return None
        event = self._events[index.row()]
        if role == EVENT_ROLE:
            return event
        if role == REVIEWED_ROLE:
            return event.id in self._reviewed
        if role == CURRENT_ROLE:
            return event.id == self._current
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return summary(event) + ("; reviewed" if event.id in self._reviewed else "")
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(event)
        return None

    def canFetchMore(self, parent: QModelIndex) -> bool:  # noqa: N802
        return not parent.isValid() and self.feed.has_more and not self.feed.loading

    def fetchMore(self, parent: QModelIndex) -> None:  # noqa: N802
        if not parent.isValid():
            self.feed.fetch_more()

    # --- ours -------------------------------------------------------------------------------

    def events(self) -> list[Event]:
        return list(self._events)

    def event_at(self, row: int) -> Event | None:
        return self._events[row] if 0 <= row < len(self._events) else None

    def row_of(self, event_id: str) -> int | None:
        return self._rows.get(event_id)

    def row_at_start(self, t: float) -> int | None:
        """The row of the event starting nearest to t (a glyph clicked on the timeline)."""
        if not self._events:
            return None
        best = min(range(len(self._events)), key=lambda i: abs(self._events[i].start_timestamp - t))
        return best if abs(self._events[best].start_timestamp - t) < 1.0 else None

    def event_at_time(self, t: float) -> Event | None:
        """The event under the playhead: the latest started at or before t that has not ended
        (an instant counts for 2 s)."""
        found = None
        for event in self._events:
            start = event.start_timestamp
            end = event.end_timestamp if event.end_timestamp is not None else start + 2.0
            if start <= t <= max(end, start + 2.0) and (found is None or start > found.start_timestamp):
                found = event
        return found

    def set_reviewed(self, ids: frozenset[str]) -> None:
        changed = self._reviewed ^ ids
        self._reviewed = ids
        self._rows_changed(changed, REVIEWED_ROLE)

    def set_current(self, event_id: str | None) -> None:
        if event_id != self._current:
            old, self._current = self._current, event_id
            self._rows_changed({i for i in (old, event_id) if i}, CURRENT_ROLE)

    def refresh_row(self, event_id: str) -> None:
        self._rows_changed({event_id}, Qt.ItemDataRole.DecorationRole)

    def _rows_changed(self, ids, role: int) -> None:
        for event_id in ids:
            row = self._rows.get(event_id)
            if row is not None:
                index = self.index(row)
                self.dataChanged.emit(index, index, [role])

    def _on_feed_cleared(self) -> None:
        self.beginResetModel()
        self._events, self._rows, self._current = [], {}, None
        self.endResetModel()

    def _on_feed_page_loaded(self, events: list[Event]) -> None:
        fresh = [event for event in events if event.id not in self._rows]
        if not fresh:
            return
        first = len(self._events)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        for offset, event in enumerate(fresh):
            self._rows[event.id] = first + offset
        self._events.extend(fresh)
        self.endInsertRows()


class UnreviewedOnly(QSortFilterProxyModel):
    """Hides reviewed rows while `enabled`; keeps the source order (no sorting)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._enabled = False
        self.setDynamicSortFilter(False)  # a row marked reviewed goes when the filter is re-run

    @property
    def enabled(self) -> bool:
        return self._enabled

    def set_enabled(self, enabled: bool) -> None:
        if enabled != self._enabled:
            self._filter_change(lambda: setattr(self, "_enabled", enabled))

    def refilter(self) -> None:
        """Reviewed state changed: hide what is reviewed now."""
        if self._enabled:
            self._filter_change(lambda: None)

    def _filter_change(self, change) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt 6.9+; invalidateFilter() is deprecated there
            self.beginFilterChange()
            change()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            change()
            self.invalidateFilter()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:  # noqa: N802
        if not self._enabled:
            return True
        return not self.sourceModel().index(source_row, 0, source_parent).data(REVIEWED_ROLE)


class EventDelegate(QStyledItemDelegate):
    def __init__(self, previews: EventPreviews, parent=None) -> None:
        super().__init__(parent)
        self.previews = previews

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # noqa: N802
        return QSize(option.rect.width() or 320, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        event: Event | None = index.data(EVENT_ROLE)
        if event is None:
            return super().paint(painter, option, index)
        reviewed = bool(index.data(REVIEWED_ROLE))
        current = bool(index.data(CURRENT_ROLE))
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:  # the selection and focus look of the platform
            opt = QStyleOptionViewItem(option)
            opt.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, option.widget)
        rect = option.rect.adjusted(4, 4, -4, -4)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if current:
            painter.fillRect(QRect(option.rect.left(), option.rect.top(), 3, option.rect.height()), QColor("#FFD600"))
        preview = self.previews.image(event)
        frame = QRect(rect.left(), rect.top(), PREVIEW_SIZE.width(), PREVIEW_SIZE.height())
        if preview is not None and not preview.isNull():
            target = QRect(frame.topLeft(), preview.size().scaled(frame.size(), Qt.AspectRatioMode.KeepAspectRatio))
            painter.drawImage(target, preview)
        else:
            painter.fillRect(frame, QColor(40, 42, 46))
        type_ = type_style(event.type)
        x = frame.right() + 14
        paint_glyph(painter, type_, x, rect.top() + 9, 10)
        group = QPalette.ColorGroup.Normal
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        color = option.palette.color(group, role)
        if reviewed:
            color.setAlpha(130)
        painter.setPen(color)
        bold = QFont(option.font)
        bold.setBold(not reviewed)
        painter.setFont(bold)
        text_left = x + 12
        line = QRect(text_left, rect.top(), rect.right() - text_left, 18)
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, first_line(event))
        painter.setFont(option.font)
        second = QRect(text_left, rect.top() + 20, rect.right() - text_left, 18)
        details = second_line(event) + ("   ✓ reviewed" if reviewed else "")
        painter.drawText(second, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, details)
        painter.restore()


def first_line(event: Event) -> str:
    """"Human · 03:12:07 · 12 s · ×3"."""
    parts = [type_style(event.type).name, f"{datetime.fromtimestamp(event.start_timestamp):%H:%M:%S}"]
    if event.end_timestamp is not None and event.end_timestamp > event.start_timestamp:
        parts.append(format_duration(event.end_timestamp - event.start_timestamp))
    if event.merged_events_count and event.merged_events_count > 1:
        parts.append(f"×{event.merged_events_count}")
    return " · ".join(parts)


def second_line(event: Event) -> str:
    day = f"{datetime.fromtimestamp(event.start_timestamp):%a %d %b}"
    attributes = ", ".join(f"{k} {v}" for k, v in list(event.attributes.items())[:4])
    return f"{day}   {attributes}" if attributes else day


def summary(event: Event) -> str:
    return f"{first_line(event)}, {second_line(event)}"


def tooltip(event: Event) -> str:
    lines = [f"{type_style(event.type).name} at {datetime.fromtimestamp(event.start_timestamp):%Y-%m-%d %H:%M:%S.%f}"[:-3]]
    if event.end_timestamp is not None:
        lines.append(f"until {datetime.fromtimestamp(event.end_timestamp):%H:%M:%S}")
    lines += [f"{k}: {v}" for k, v in event.attributes.items()]
    return "\n".join(lines)
