"""The events panel beside the player: filters, the paged list, triage from the keyboard.

It follows the camera of one CameraView. Selecting an event highlights it on the timeline (and a
click on a glyph there selects it here); Enter or a double-click plays it from its start minus
the pre-roll (`events/preRollSeconds`, default 5 s); while the archive plays, the event under
the playhead is marked. Triage (the window's commands, ui/actions.py): J / K select and play the
next / previous event, R marks the selected events reviewed and moves on (auto-advance), Shift+R
unmarks, Ctrl+A selects every row, U shows only unreviewed events. Reviewed state is the
ReviewState's (services/review_store.py: SQLite, per service, camera and event). The filter is
remembered in QSettings (`events/filter/...`). An event's context menu plays it or exports its
range (`export_requested`: the window opens the export dialog, ui/export_dialog.py).
"""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QItemSelection, QModelIndex, QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from faceter_viewer.api.enums import SortOrder
from faceter_viewer.api.models import Camera, Event
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.event_previews import EventPreviews
from faceter_viewer.services.events_feed import KNOWN_TYPES, EventFilter, EventsFeed, RangePreset
from faceter_viewer.services.messages import MessageLevel
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.events_list import EVENT_ROLE, EventDelegate, EventsModel, UnreviewedOnly
from faceter_viewer.ui.timeline_legend import type_style

DEFAULT_PRE_ROLL = 5.0
PLAYHEAD_MS = 250


class EventsPanel(QWidget):
    event_played = Signal(object)  # Event: played from its start minus the pre-roll
    export_requested = Signal(object)  # Event: "Export…" in its context menu (the window opens the dialog)

    def __init__(self, view: CameraView, review_state, settings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = view
        self.review = review_state
        self.settings = settings
        self.auto_advance = True
        self.feed = EventsFeed(view.session, self)
        self.previews = EventPreviews(view.session, self)
        self.model = EventsModel(self.feed, self)
        self.proxy = UnreviewedOnly(self)
        self.proxy.setSourceModel(self.model)
        self._timeline = None

        self.types_button = QToolButton(self)
        self.types_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.types_button.setAccessibleName("Event types")
        self.types_menu = QMenu(self.types_button)
        self.types_button.setMenu(self.types_menu)
        self.range_combo = QComboBox(self)
        self.range_combo.setAccessibleName("Date range")
        for preset in RangePreset:
            self.range_combo.addItem(preset.label, preset.value)
        self.custom_start = QDateTimeEdit(self)
        self.custom_end = QDateTimeEdit(self)
        for edit, name in ((self.custom_start, "From"), (self.custom_end, "To")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setAccessibleName(name)
            edit.hide()
        self.merge_spin = QSpinBox(self)
        self.merge_spin.setRange(0, 3600)
        self.merge_spin.setSpecialValueText("no merge")
        self.merge_spin.setSuffix(" s merge")
        self.merge_spin.setAccessibleName("Merge interval")
        self.sort_combo = QComboBox(self)
        self.sort_combo.addItem("Newest first", SortOrder.DESC.value)
        self.sort_combo.addItem("Oldest first", SortOrder.ASC.value)
        self.sort_combo.setAccessibleName("Sort order")
        self.unreviewed_box = QCheckBox("Unreviewed only", self)
        self.new_pill = QPushButton(self)
        self.new_pill.setObjectName("newEventsPill")
        self.new_pill.setStyleSheet("#newEventsPill { border-radius: 9px; background: #1a5fc8; color: white; padding: 2px 10px; }")
        self.new_pill.hide()

        self.list = QListView(self)
        self.list.setObjectName("eventsList")
        self.list.setAccessibleName("Events")
        self.list.setModel(self.proxy)
        self.list.setItemDelegate(EventDelegate(self.previews, self.list))
        self.list.setUniformItemSizes(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.status_label = QLabel("", self)
        self.status_label.setWordWrap(True)
        self.truncation_label = QLabel("", self)
        self.truncation_label.setWordWrap(True)
        self.truncation_label.setStyleSheet("color: #b86e00;")
        self.truncation_label.hide()

        # Two short rows rather than one long one: the dock stays narrow beside the player.
        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        for widget in (self.types_button, self.range_combo):
            filters.addWidget(widget, 1)
        order = QHBoxLayout()
        order.setContentsMargins(0, 0, 0, 0)
        for widget in (self.merge_spin, self.sort_combo):
            order.addWidget(widget, 1)
        custom = QHBoxLayout()
        custom.setContentsMargins(0, 0, 0, 0)
        custom.addWidget(self.custom_start)
        custom.addWidget(self.custom_end)
        toggles = QHBoxLayout()
        toggles.setContentsMargins(0, 0, 0, 0)
        toggles.addWidget(self.unreviewed_box)
        toggles.addStretch(1)
        toggles.addWidget(self.new_pill)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(filters)
        layout.addLayout(order)
        layout.addLayout(custom)
        layout.addLayout(toggles)
        layout.addWidget(self.truncation_label)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.status_label)

        self._playhead_timer = QTimer(self)
        self._playhead_timer.setInterval(PLAYHEAD_MS)
        self._playhead_timer.timeout.connect(self._on_playhead_timer_timeout)
        self._playhead_timer.start()

        self._restore_filter()
        self._rebuild_types_menu()
        self.range_combo.currentIndexChanged.connect(self._on_filter_edited)
        self.custom_start.dateTimeChanged.connect(self._on_filter_edited)
        self.custom_end.dateTimeChanged.connect(self._on_filter_edited)
        self.merge_spin.valueChanged.connect(self._on_filter_edited)
        self.sort_combo.currentIndexChanged.connect(self._on_filter_edited)
        self.unreviewed_box.toggled.connect(self._on_unreviewed_toggled)
        self.new_pill.clicked.connect(self.feed.show_new)
        self.list.activated.connect(self._on_list_activated)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._on_list_context_menu_requested)
        self.list.selectionModel().selectionChanged.connect(self._on_selection_changed)
        self.feed.loading_changed.connect(self._update_status)
        self.feed.page_loaded.connect(self._on_feed_page_loaded)
        self.feed.cleared.connect(self._update_status)
        self.feed.failed.connect(self._on_feed_failed)
        self.feed.truncations_changed.connect(self._on_feed_truncations_changed)
        self.feed.new_available.connect(self._on_feed_new_available)
        self.feed.types_seen.connect(lambda _names: self._rebuild_types_menu())
        self.previews.loaded.connect(self.model.refresh_row)
        self.review.changed.connect(self._on_review_changed)
        self.review.loaded.connect(self._on_review_loaded)
        view.camera_changed.connect(self._on_view_camera_changed)
        if view.camera is not None:
            self._on_view_camera_changed(view.camera)

    # --- wiring -------------------------------------------------------------------------------

    def attach_timeline(self, timeline) -> None:
        """Highlight the selected event on `timeline`; a click on its glyphs selects here."""
        self._timeline = timeline
        timeline.event_picked.connect(self._on_timeline_event_picked)

    @property
    def pre_roll(self) -> float:
        return float(self.settings.value("events/preRollSeconds", DEFAULT_PRE_ROLL, float))

    @property
    def base_url(self) -> str:
        return self.view.session.base_url

    def close_panel(self) -> None:
        self._playhead_timer.stop()
        self.feed.close()
        self.previews.close()

    def on_event_created(self, camera_id: str, _event_id: str, _start: float, _end: float) -> None:
        """A bookmark was created here: read the list again so it shows in its place."""
        if self.view.camera is not None and camera_id == self.view.camera.id:
            self.feed.show_new()

    # --- triage (the window's commands) -----------------------------------------------------------

    def selected_events(self) -> list[Event]:
        rows = sorted(index.row() for index in self.list.selectionModel().selectedRows())
        return [self.proxy.index(row, 0).data(EVENT_ROLE) for row in rows]

    def current_row(self) -> int:
        """The row J and K step from: the current one if it is selected (a list that just got
        the focus has a current row nobody chose: J then starts at the first)."""
        index = self.list.currentIndex()
        selected = index.isValid() and self.list.selectionModel().isSelected(index)
        return index.row() if selected else -1

    def next_event(self) -> None:
        self._step(+1)

    def previous_event(self) -> None:
        self._step(-1)

    def mark_reviewed(self) -> None:
        self._mark(True)

    def unmark_reviewed(self) -> None:
        self._mark(False)

    def select_all(self) -> None:
        self.list.selectAll()

    def toggle_unreviewed_only(self) -> None:
        self.unreviewed_box.toggle()

    def play(self, event: Event) -> None:
        self.view.play_archive(max(event.start_timestamp - self.pre_roll, 0.0))
        self.event_played.emit(event)

    def _step(self, delta: int) -> None:
        count = self.proxy.rowCount()
        if count == 0:
            return
        row = self.current_row()
        row = 0 if row < 0 else min(max(row + delta, 0), count - 1)
        if delta > 0 and row == count - 1 and self.proxy.canFetchMore(QModelIndex()):
            self.proxy.fetchMore(QModelIndex())  # J at the end reads the next page
        self._select_row(row)
        event = self.proxy.index(row, 0).data(EVENT_ROLE)
        if event is not None:
            self.play(event)

    def _select_row(self, row: int) -> None:
        index = self.proxy.index(row, 0)
        self.list.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.list.scrollTo(index)

    def _mark(self, reviewed: bool) -> None:
        camera = self.view.camera
        events = self.selected_events()
        if camera is None or not events:
            return
        last_row = max(index.row() for index in self.list.selectionModel().selectedRows())
        next_event = self.proxy.index(last_row + 1, 0).data(EVENT_ROLE) if reviewed and self.auto_advance else None
        self.review.mark(self.base_url, camera.id, [event.id for event in events], reviewed)
        if next_event is not None:
            self.proxy.refilter()
            row = self.model.row_of(next_event.id)
            proxy_row = self.proxy.mapFromSource(self.model.index(row)).row() if row is not None else -1
            if proxy_row >= 0:
                self._select_row(proxy_row)
                self.play(next_event)
        else:
            self.proxy.refilter()

    # --- filters ----------------------------------------------------------------------------------

    def current_filter(self) -> EventFilter:
        preset = RangePreset(self.range_combo.currentData())
        start = end = None
        if preset is RangePreset.CUSTOM:
            start = self.custom_start.dateTime().toSecsSinceEpoch()
            end = self.custom_end.dateTime().toSecsSinceEpoch()
        return EventFilter(
            types=frozenset(a.data() for a in self.types_menu.actions() if a.isCheckable() and a.isChecked()),
            preset=preset,
            custom_start=float(start) if start is not None else None,
            custom_end=float(end) if end is not None else None,
            merge_interval=self.merge_spin.value() or None,
            sort=SortOrder(self.sort_combo.currentData()),
        )

    def _rebuild_types_menu(self) -> None:
        chosen = set(self._chosen_types())
        self.types_menu.clear()
        everything = QAction("All types", self.types_menu)
        everything.triggered.connect(self._on_all_types_triggered)
        self.types_menu.addAction(everything)
        self.types_menu.addSeparator()
        for name in (*KNOWN_TYPES, *self.feed.unknown_types):
            action = QAction(type_style(name).name if name in KNOWN_TYPES else name, self.types_menu)
            action.setCheckable(True)
            action.setChecked(name in chosen)
            action.setData(name)
            action.toggled.connect(self._on_filter_edited)
            self.types_menu.addAction(action)
        self._update_types_button()

    def _chosen_types(self) -> list[str]:
        if not self.types_menu.actions():
            return list(self._saved_types)
        return [a.data() for a in self.types_menu.actions() if a.isCheckable() and a.isChecked()]

    def _update_types_button(self) -> None:
        chosen = self._chosen_types()
        self.types_button.setText("All types" if not chosen else ", ".join(type_style(t).name for t in chosen[:2]) + ("…" if len(chosen) > 2 else ""))

    def _on_all_types_triggered(self) -> None:
        for action in self.types_menu.actions():
            if action.isCheckable():
                action.blockSignals(True)
                action.setChecked(False)
                action.blockSignals(False)
        self._on_filter_edited()

    def _on_filter_edited(self, *_args) -> None:
        custom = self.range_combo.currentData() == RangePreset.CUSTOM.value
        self.custom_start.setVisible(custom)
        self.custom_end.setVisible(custom)
        self._update_types_button()
        f = self.current_filter()
        self._save_filter(f)
        self.feed.set_filter(f)

    def _save_filter(self, f: EventFilter) -> None:
        s = self.settings
        s.setValue("events/filter/types", ",".join(sorted(f.types)))
        s.setValue("events/filter/preset", f.preset.value)
        s.setValue("events/filter/mergeInterval", f.merge_interval or 0)
        s.setValue("events/filter/sort", f.sort.value)
        s.setValue("events/filter/unreviewedOnly", self.unreviewed_box.isChecked())

    def _restore_filter(self) -> None:
        s = self.settings
        self._saved_types = [t for t in str(s.value("events/filter/types", "", str)).split(",") if t]
        preset = str(s.value("events/filter/preset", RangePreset.DAY.value, str))
        index = self.range_combo.findData(preset)
        self.range_combo.setCurrentIndex(index if index >= 0 else self.range_combo.findData(RangePreset.DAY.value))
        now = QDateTime.currentDateTime()
        self.custom_start.setDateTime(now.addDays(-1))
        self.custom_end.setDateTime(now)
        self.merge_spin.setValue(int(s.value("events/filter/mergeInterval", 0, int)))
        sort = self.sort_combo.findData(str(s.value("events/filter/sort", SortOrder.DESC.value, str)))
        self.sort_combo.setCurrentIndex(max(0, sort))
        self.unreviewed_box.setChecked(bool(s.value("events/filter/unreviewedOnly", False, bool)))
        self.proxy.set_enabled(self.unreviewed_box.isChecked())
        self.feed.filter = EventFilter(
            types=frozenset(self._saved_types), preset=RangePreset(self.range_combo.currentData()),
            merge_interval=self.merge_spin.value() or None, sort=SortOrder(self.sort_combo.currentData()),
        )  # fmt: skip

    def _on_unreviewed_toggled(self, checked: bool) -> None:
        self.proxy.set_enabled(checked)
        self.settings.setValue("events/filter/unreviewedOnly", checked)
        self._update_status()

    # --- what happened -------------------------------------------------------------------------------

    def _on_view_camera_changed(self, camera: Camera) -> None:
        self.previews.clear()
        self.review.load(self.base_url, camera.id)
        self.model.set_reviewed(self.review.reviewed_ids(self.base_url, camera.id))
        self.feed.set_camera(camera)
        if self._timeline is not None:
            self._timeline.set_highlighted_event(None)

    def _on_review_loaded(self, camera_id: str) -> None:
        if self._show_reviewed(camera_id):
            self.proxy.refilter()

    def _on_review_changed(self, camera_id: str, _ids) -> None:
        if self._show_reviewed(camera_id):
            self._update_status()

    def _show_reviewed(self, camera_id: str) -> bool:
        """The reviewed marks of this panel's camera into the model; False for another camera."""
        if self.view.camera is None or camera_id != self.view.camera.id:
            return False
        self.model.set_reviewed(self.review.reviewed_ids(self.base_url, camera_id))
        return True

    def _on_feed_page_loaded(self, _events) -> None:
        self._update_status()
        # Keep the list filled: with "unreviewed only" a page may add no visible row.
        if self.proxy.rowCount() < 20 and self.feed.has_more:
            self.feed.fetch_more()

    def _on_feed_failed(self, text: str, details: str) -> None:
        self.status_label.setText(text)
        self.view.session.messages.post(
            text, MessageLevel.WARNING, action_text="Retry", on_action=self.feed.retry, details=details or None,
            scope=self.view.camera.id if self.view.camera else None,
        )  # fmt: skip

    def _on_feed_truncations_changed(self, messages: list[str]) -> None:
        self.truncation_label.setText("\n".join(messages))
        self.truncation_label.setVisible(bool(messages))

    def _on_feed_new_available(self, count: int) -> None:
        self.new_pill.setText(f"{count} new" if count < 100 else "99+ new")
        self.new_pill.setVisible(count > 0)

    def _on_list_activated(self, index) -> None:
        event = index.data(EVENT_ROLE)
        if event is not None:
            self.play(event)

    def event_menu(self, event: Event) -> QMenu:
        """An event's context menu: play it, export its range (pre-roll before, a few seconds after)."""
        menu = QMenu(self)
        menu.setObjectName("eventMenu")
        play = menu.addAction("&Play")
        play.triggered.connect(lambda: self.play(event))
        export = menu.addAction("&Export…")
        export.setObjectName("exportEvent")
        export.triggered.connect(lambda: self.export_requested.emit(event))
        return menu

    def _on_list_context_menu_requested(self, pos) -> None:
        index = self.list.indexAt(pos)
        event = index.data(EVENT_ROLE) if index.isValid() else None
        if event is None:
            return
        menu = self.event_menu(event)
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(self.list.viewport().mapToGlobal(pos))

    def _on_selection_changed(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._timeline is None:
            return
        index = self.list.currentIndex()
        event = index.data(EVENT_ROLE) if index.isValid() else None
        if event is None:
            self._timeline.set_highlighted_event(None)
        else:
            self._timeline.set_highlighted_event(event.start_timestamp, event.end_timestamp)

    def _on_timeline_event_picked(self, t: float) -> None:
        row = self.model.row_at_start(t)
        if row is None:
            return
        proxy_row = self.proxy.mapFromSource(self.model.index(row)).row()
        if proxy_row >= 0:
            self._select_row(proxy_row)
            event = self.model.event_at(row)
            if event is not None:
                self.play(event)

    def _on_playhead_timer_timeout(self) -> None:
        playback = self.view.playback
        at = playback.current_time() if playback.mode is Mode.ARCHIVE else None
        event = self.model.event_at_time(at) if at is not None else None
        self.model.set_current(event.id if event is not None else None)

    def _update_status(self, *_args) -> None:
        shown, total = self.proxy.rowCount(), self.model.rowCount()
        if self.feed.loading:
            text = "Loading events…"
        elif self.view.camera is None:
            text = ""
        elif total == 0:
            text = "No events in this range."
        else:
            more = " (scroll for more)" if self.feed.has_more else ""
            hidden = f", {total - shown} reviewed hidden" if shown != total else ""
            text = f"{total} events{hidden}{more}"
        self.status_label.setText(text)

