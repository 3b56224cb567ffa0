"""The timeline under the player: archive, events, ticks, cursor, selection; zoom, pan, scrub.

It paints and forwards input, nothing else: data comes in through setters (`set_intervals`,
`set_events`, `set_cursor`, ...), the user's intent goes out through signals, and a service
(elsewhere) loads data for `visible_range_changed`. The math lives in `core/timeline/`.

Painting has two layers. The static one (archive, events, ticks, labels) is rebuilt only when the
data, the scale or the size changes (`timeline_painter.render_static`, numpy, no per-item loops);
cursor, hover, selection, "now" and the legend are drawn over it on every paint, so a playing
cursor or a moving mouse costs one image blit and a few lines.

What it shows comes from one camera (`TimelineWidget(view)`: its CameraView's timeline data,
status and playback) or from a layout (`TimelineWidget(None)` then `follow_source(source)`: a
services/layout_timeline.LayoutTimelineSource, the union of the tiles' archive, their events,
and one thin track per camera under the bar while `set_show_tracks(True)`). A layout's cursor and
live state are its owner's to set (the sync controller's time: `set_cursor`, `set_live`).

In live view (`set_live`) the view follows now: it slides when now nears the right edge, a zoom
keeps now's place and a resize keeps now's distance from the right edge, until the user pans now
out of view (panning it back in resumes following).
"""

from __future__ import annotations

import enum
import math
import time
from dataclasses import replace
from datetime import tzinfo

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QHelpEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QApplication, QSizePolicy, QToolTip, QWidget

from faceter_viewer.core.timeline.events_binning import EventSeries
from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.core.timeline.localtime import system_timezone
from faceter_viewer.core.timeline.scale import TimeScale
from faceter_viewer.core.timeline.selection import Handle, Selection, SelectionState, hit_test
from faceter_viewer.core.timeline.thumbnail_grid import ThumbnailGrid, grid_for_scale
from faceter_viewer.services.camera_view import CameraStatus, CameraView
from faceter_viewer.services.layout_timeline import LayoutTimelineSource, Track
from faceter_viewer.services.playback import Mode
from faceter_viewer.ui.actions import ActionSet, Scope
from faceter_viewer.ui.timeline_overlay import OverlayState, legend_chip_rect, paint_overlay
from faceter_viewer.ui.timeline_painter import (
    CELL_PX,
    EventPalette,
    LabelCache,
    StaticLayer,
    TimelineLayout,
    render_static,
    tracks_height,
)

WHEEL_ZOOM_PER_NOTCH = 1.5
KEY_ZOOM = 2.0
ARROW_STEP = 0.1  # of the visible span
CURSOR_GRAB_PX = 6.0
RANGE_SIGNAL_MS = 30  # visible_range_changed at most this often while zooming/panning
FOCUS_FRAME_PX = 2
NOW_PLACE = 0.9  # where a sliding live view puts now (of the width, from the left)
NOW_EDGE = 0.98  # the live view slides when now passes this far to the right
NOTE_COLOR = QColor("#8a8f98")


class Drag(enum.Enum):
    """What a left press started."""

    PENDING = "pending"  # a click, or a pan once the mouse moves far enough
    PAN = "pan"
    SCRUB = "scrub"  # dragging the playback cursor
    SELECT = "select"  # Shift+drag
    EDGE = "edge"  # dragging an edge of the selection


class TimelineWidget(QWidget):
    position_clicked = Signal(float)
    scrub_moved = Signal(float)
    scrub_released = Signal(float)
    hovered = Signal(float, float)  # time, x
    hover_left = Signal()
    jump_requested = Signal(float)
    visible_range_changed = Signal(float, float)
    selection_changed = Signal(float, float)  # NaN, NaN when cleared
    event_picked = Signal(float)  # a click on an event's glyph: that event's start time

    def __init__(
        self,
        view: CameraView | None = None,
        parent: QWidget | None = None,
        *,
        tz: tzinfo | None = None,
        now: float | None = None,
    ) -> None:
        """With a `view`, the widget shows its camera's timeline data and asks it for each range
        it shows; without one (tests, benchmarks) it paints what it is given."""
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(90)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)  # the static layer covers all

        self._tz = tz or system_timezone()
        self._now: float | None = now
        anchor = now if now is not None else time.time()
        self._scale = TimeScale(anchor - 3600 * 0.9, anchor + 3600 * 0.1, max(1, self.width()))
        self._intervals = ArchiveIntervals.empty()
        self._events = EventSeries.empty()
        self._highlight: tuple[float, float] | None = None
        self._palette = EventPalette(())
        self._selection = SelectionState()
        self._cursor: float | None = None
        self._follow_cursor = True
        self._live = False
        self._follow_now = False  # live, and now is in view: the view keeps it there
        self._hover: tuple[float, float] | None = None  # x, y
        self._legend_visible = False
        self._note = ""
        self._tracks: list[Track] = []
        self._show_tracks = False
        self._source: LayoutTimelineSource | None = None
        self._source_connections: list = []

        font = QFont(self.font())
        font.setPixelSize(10)
        self._labels = LabelCache(font)
        self._static: StaticLayer | None = None
        self._painted_once = False

        # Drag state: what the press started, where, and the scale/selection at that moment.
        self._drag: Drag | None = None
        self._press_x = 0.0
        self._press_scale = self._scale
        self._drag_moved = False
        self._select_anchor = 0.0  # the edge that stays put while a selection edge is dragged

        self._range_timer = QTimer(self)
        self._range_timer.setSingleShot(True)
        self._range_timer.setInterval(RANGE_SIGNAL_MS)
        self._range_timer.timeout.connect(self._on_range_timer_timeout)
        self._emitted_range: tuple[float, float] | None = None
        self._jump_dialog = None

        # Its keys (ui/actions.py): they work while the timeline has focus, which a click on it
        # (or on the video, its focus proxy) or Tab gives it; the focus frame shows it.
        self.commands = ActionSet(self, (Scope.TIMELINE,))
        for name, target in {
            "zoom_in": lambda: self.zoom_at(self._key_anchor_x(), KEY_ZOOM),
            "zoom_out": lambda: self.zoom_at(self._key_anchor_x(), 1 / KEY_ZOOM),
            "pan_left": lambda: self._pan_spans(-ARROW_STEP),
            "pan_right": lambda: self._pan_spans(ARROW_STEP),
            "page_left": lambda: self._pan_spans(-1.0),
            "page_right": lambda: self._pan_spans(1.0),
            "mark_start": lambda: self._mark(self._selection.mark_start),
            "mark_end": lambda: self._mark(self._selection.mark_end),
            "clear_selection": self.clear_selection,
        }.items():
            self.commands.bind(name, target)
        if view is not None:
            self._follow(view)

    def _follow(self, view: CameraView) -> None:
        data = view.timeline_data
        data.intervals_changed.connect(self.set_intervals)
        data.events_changed.connect(self.set_events)
        self.visible_range_changed.connect(data.request_range)
        view.status_changed.connect(self._on_view_status_changed)
        view.playback.archive_started.connect(self.set_cursor)  # at once, past a skipped gap
        view.playback.mode_changed.connect(self._on_playback_mode_changed)  # bound: gone with the widget
        self.set_live(view.playback.mode is Mode.LIVE)

    def follow_source(self, source: LayoutTimelineSource | None) -> None:
        """Show a layout's timeline (None: stop following one): its intervals, events, tracks and
        note now and as they change; every range shown is asked of it."""
        for signal, slot in self._source_connections:
            signal.disconnect(slot)
        self._source_connections = []
        self._source = source
        if source is None:
            return
        self._source_connections = [
            (source.intervals_changed, self.set_intervals),
            (source.events_changed, self.set_events),
            (source.tracks_changed, self.set_tracks),
            (source.note_changed, self.set_note),
            (self.visible_range_changed, source.request_range),
        ]
        for signal, slot in self._source_connections:
            signal.connect(slot)
        self.set_intervals(source.intervals.starts, source.intervals.ends)
        events = source.events
        self.set_events(events.times, events.codes, events.type_names)
        self.set_tracks(source.tracks)
        self.set_note(source.note)
        source.request_range(*self.visible_range())

    def source(self) -> LayoutTimelineSource | None:
        return self._source

    def _on_playback_mode_changed(self, mode: Mode) -> None:
        self.set_live(mode is Mode.LIVE)

    def _on_view_status_changed(self, status: CameraStatus) -> None:
        self.set_note(status.timeline_note)

    # --- setters (data in) -------------------------------------------------------------------

    def set_intervals(self, starts, ends) -> None:
        """Archive recordings as [start, end) epoch seconds; unsorted or overlapping is fine."""
        self._intervals = ArchiveIntervals.from_arrays(starts, ends)
        self._invalidate()

    def set_events(self, times, type_codes, type_names) -> None:
        """Event start times with a type code each; `type_names[code]` is an EventType name
        (or any other text: unknown types get the generic glyph)."""
        self._events = EventSeries.from_arrays(times, type_codes, type_names)
        if self._events.type_names != self._palette.type_names:
            self._palette = EventPalette(self._events.type_names)
        self._invalidate()

    def set_tracks(self, tracks: list[Track]) -> None:
        """One thin track per camera (a layout's), drawn under the bar while tracks are shown."""
        count = len(self._tracks)
        self._tracks = list(tracks)
        if self._show_tracks and len(self._tracks) != count:
            self.updateGeometry()  # the widget grows or shrinks by the tracks' rows
        self._invalidate()

    def tracks(self) -> list[Track]:
        return list(self._tracks)

    def set_show_tracks(self, show: bool) -> None:
        """Thin per-camera tracks under the archive bar on or off (the widget's height follows)."""
        if show != self._show_tracks:
            self._show_tracks = show
            self.updateGeometry()
            self._invalidate()

    def tracks_shown(self) -> bool:
        return self._show_tracks

    def track_at(self, y: float) -> Track | None:
        """The camera whose track is under y (for its tooltip), or None."""
        index = self.layout_rows().track_at(y)
        return self._tracks[index] if index is not None else None

    def _shown_tracks(self) -> list[Track]:
        return self._tracks if self._show_tracks else []

    def set_highlighted_event(self, start: float | None, end: float | None = None) -> None:
        """Mark the event selected elsewhere (the events list); None clears it. The view pans to
        it when it is out of sight."""
        highlight = None if start is None else (start, end if end is not None and end > start else start)
        if highlight == self._highlight:
            return
        self._highlight = highlight
        if highlight is not None and not self._scale.contains(highlight[0]):
            self._set_scale(self._scale.centered_on(highlight[0]))  # shown, not played
            self._user_moved_view()
        self.update()

    def highlighted_event(self) -> tuple[float, float] | None:
        return self._highlight

    def set_cursor(self, t: float | None) -> None:
        """The playback position (None or NaN hides it). While the cursor was in view and runs
        off the right edge, the view follows it, unless the user is dragging."""
        t = None if t is None or math.isnan(t) else float(t)
        previous, self._cursor = self._cursor, t
        if (
            t is not None
            and previous is not None
            and self._follow_cursor
            and self._drag is None
            and self._scale.contains(previous)
            and t >= self._scale.end
        ):
            self._set_scale(self._scale.pan_seconds(t - self._scale.start - self._scale.span * 0.1))
        self.update()

    def cursor_time(self) -> float | None:
        return self._cursor

    def set_now(self, t: float | None) -> None:
        """The clock (the owner calls this ~30 times a second): the now line, the latest time a
        selection edge may take, and, in live view, what the view keeps in sight."""
        self._now = None if t is None or math.isnan(t) else float(t)
        self._selection.latest = self._now
        if self._follow_now and self._drag is None:
            self._keep_now_in_view()
        self.update()

    def set_live(self, live: bool) -> None:
        """Live view: the view follows now (and comes back to it) until the user pans away."""
        self._live = live
        self._follow_now = live
        if live:
            self._keep_now_in_view()

    def follows_now(self) -> bool:
        return self._follow_now

    def _keep_now_in_view(self) -> None:
        """Slide the view so now sits at NOW_PLACE, when now left the view or nears its right edge."""
        if self._now is None:
            return
        x = self._scale.to_x(self._now)
        if 0 <= x <= self._scale.width * NOW_EDGE:
            return
        self._set_scale(self._scale.pan_seconds(self._now - self._scale.to_time(self._scale.width * NOW_PLACE)))

    def _user_moved_view(self) -> None:
        """The user panned: follow now while it is still in view, else leave the view where it is."""
        now_x = self._scale.to_x(self._now) if self._now is not None else math.nan
        self._follow_now = self._live and 0 <= now_x <= self._scale.width

    def current_now(self) -> float:
        """The owner's "now" (set_now), or the machine's clock when none was given."""
        return self._now if self._now is not None else time.time()

    def set_visible_range(self, start: float, end: float) -> None:
        self._set_scale(self._scale.with_range(start, end))
        self._user_moved_view()

    def visible_range(self) -> tuple[float, float]:
        return self._scale.start, self._scale.end

    @property
    def scale(self) -> TimeScale:
        return self._scale

    def set_selection(self, a: float | None, b: float | None = None) -> None:
        if a is None or b is None or math.isnan(a) or math.isnan(b):
            self.clear_selection()
            return
        self._selection.set(a, b)
        self._emit_selection()

    def clear_selection(self) -> None:
        had = self._selection.selection is not None
        self._selection.clear()
        if had:
            self._emit_selection()
        self.update()

    def selection(self) -> Selection | None:
        return self._selection.selection

    def set_follow_cursor(self, follow: bool) -> None:
        self._follow_cursor = follow

    def set_legend_visible(self, visible: bool) -> None:
        self._legend_visible = visible
        self.update()

    def legend_visible(self) -> bool:
        return self._legend_visible

    def set_note(self, text: str) -> None:
        """A short muted caption over the tracks for a standing state ("No archive access",
        "Showing recordings"); an empty text hides it."""
        if text != self._note:
            self._note = text
            self.update()

    def note(self) -> str:
        return self._note

    def set_timezone(self, tz: tzinfo) -> None:
        self._tz = tz
        self._invalidate()

    def thumbnail_grid(self) -> ThumbnailGrid:
        """The preview bucket grid for the current zoom (about one bucket per 4 px)."""
        return grid_for_scale(self._scale)

    # --- view changes ------------------------------------------------------------------------

    def zoom_at(self, x: float, factor: float) -> None:
        """Zoom keeping the time under x in place; in a live view that follows now, now's place."""
        if self._follow_now and self._now is not None and self._scale.contains(self._now):
            x = self._scale.to_x(self._now)
        self._set_scale(self._scale.zoom_at(x, factor))

    def pan_pixels(self, dx: float) -> None:
        self._set_scale(self._scale.pan_pixels(dx))
        self._user_moved_view()

    def jump_to(self, t: float) -> None:
        """Centre the view on t and say so (`jump_requested`): the player seeks there."""
        self._set_scale(self._scale.centered_on(t))
        self.jump_requested.emit(float(t))

    def open_jump_dialog(self) -> None:
        """"Jump to date and time" (Ctrl+G, window-wide: ui/actions.py); accepting it jumps."""
        from faceter_viewer.ui.jump_dialog import JumpDialog

        # The playhead (the cursor while the archive plays), else now: never a time in the
        # future, which the dialog refuses.
        dialog = JumpDialog(self.playhead(), tz=self._tz, now=self.current_now(), parent=self)
        dialog.time_chosen.connect(self.jump_to)
        dialog.finished.connect(dialog.deleteLater)
        self._jump_dialog = dialog
        dialog.open()

    def _set_scale(self, scale: TimeScale) -> None:
        if scale == self._scale:
            return
        self._scale = scale
        self._invalidate()
        if not self._range_timer.isActive():
            self._range_timer.start()
        if self._hover is not None and self._drag is None:
            # Keys or a swipe moved the view under a resting mouse: the time it points at changed.
            self.hovered.emit(scale.to_time(self._hover[0]), self._hover[0])

    def _on_range_timer_timeout(self) -> None:
        current = self.visible_range()
        if current != self._emitted_range:
            self._emitted_range = current
            self.visible_range_changed.emit(*current)

    def _invalidate(self) -> None:
        self._static = None
        self.update()

    def _emit_selection(self) -> None:
        selection = self._selection.selection
        if selection is None:
            self.selection_changed.emit(math.nan, math.nan)
        else:
            self.selection_changed.emit(selection.start, selection.end)
        self.update()

    # --- painting ----------------------------------------------------------------------------

    def sizeHint(self) -> QSize:
        return QSize(800, 104 + tracks_height(len(self._shown_tracks())))

    def minimumSizeHint(self) -> QSize:
        return QSize(200, 90 + tracks_height(len(self._shown_tracks())))

    def layout_rows(self) -> TimelineLayout:
        return TimelineLayout.for_size(self._scale.width, self.height(), tracks=len(self._shown_tracks()))

    def static_layer(self) -> StaticLayer:
        stale = self._static is None or self._static.image.height() != self.height()
        if stale or self._static.image.devicePixelRatio() != self.devicePixelRatioF():  # moved screens
            self._static = render_static(
                self._scale,
                self.layout_rows(),
                self._intervals,
                self._events,
                self._palette,
                self._labels,
                self._tz,
                self.devicePixelRatioF(),
                [t.intervals if t.has_archive else None for t in self._shown_tracks()],
            )
        return self._static

    def paintEvent(self, event: QPaintEvent) -> None:
        self._painted_once = True
        layer = self.static_layer()
        painter = QPainter(self)
        try:
            painter.drawImage(QPointF(0, 0), layer.image)
            if self._note:  # under the overlay: the hover readout and the cursor stay on top
                self._paint_note(painter)
            paint_overlay(painter, self._overlay_state(layer), self._labels)
            if self.hasFocus():
                self._paint_focus_frame(painter)
        finally:
            painter.end()

    def _paint_note(self, painter: QPainter) -> None:
        layout = self.layout_rows()
        area = QRectF(0, layout.hist_top, layout.width, layout.hist_h)
        painter.setFont(self._labels.font)
        painter.setPen(NOTE_COLOR)
        painter.drawText(area, Qt.AlignmentFlag.AlignCenter, self._note)

    def _paint_focus_frame(self, painter: QPainter) -> None:
        """Says "the keys act here" (the arrows, +/-, [ ]); without it nothing tells the user."""
        pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), FOCUS_FRAME_PX)
        pen.setJoinStyle(Qt.PenJoinStyle.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        half = FOCUS_FRAME_PX / 2
        painter.drawRect(QRectF(self.rect()).adjusted(half, half, -half, -half))

    def _overlay_state(self, layer: StaticLayer) -> OverlayState:
        return OverlayState(
            scale=self._scale,
            layout=self.layout_rows(),
            layer=layer,
            palette=self._palette,
            type_names=self._events.type_names,
            tz=self._tz,
            now=self._now,
            cursor=self._cursor,
            hover=self._hover if self._drag in (None, Drag.PENDING) else None,
            selection=self._selection.selection,
            pending_edge=self._selection.pending,
            legend_visible=self._legend_visible,
            highlight=self._highlight,
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = max(1, event.size().width())
        old = self._scale
        if self._painted_once:
            # The user widened the window: show more time at the same zoom.
            scale = old.with_width(width)
            if self._follow_now and self._now is not None and old.contains(self._now):
                # Live: now keeps its distance from the right edge; the new room shows the past.
                from_right = old.width - old.to_x(self._now)
                x = width - from_right if from_right < width else width * NOW_PLACE
                scale = scale.pan_seconds(self._now - scale.to_time(x))
            self._set_scale(scale)
        else:
            # The first layout: keep the range the owner asked for, spread over the real width.
            self._set_scale(replace(old, width=width))
        if self._follow_now:
            self._keep_now_in_view()
        self._invalidate()

    # --- mouse -------------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        x, y = event.position().x(), event.position().y()
        self._press_x, self._press_scale, self._drag_moved = x, self._scale, False
        if legend_chip_rect(self.layout_rows(), self._labels).contains(QPointF(x, y)):
            self.set_legend_visible(not self._legend_visible)
            self._drag = None
            return
        near_cursor = self._cursor is not None and abs(self._scale.to_x(self._cursor) - x) <= CURSOR_GRAB_PX
        edge = hit_test(self._selection.selection, self._scale, x)
        layout = self.layout_rows()
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self._drag, self._select_anchor = Drag.SELECT, self._scale.to_time(x)
        elif near_cursor and (edge is None or y < layout.hist_top):  # the cursor's knob wins on top
            self._drag = Drag.SCRUB
        elif edge is not None:
            selection = self._selection.selection
            assert selection is not None
            # Dragging an edge is a selection drag anchored at the other edge, so dragging past
            # it simply flips which edge moves.
            other = Handle.END if edge is Handle.START else Handle.START
            self._drag, self._select_anchor = Drag.EDGE, selection.edge(other)
        else:
            self._drag = Drag.PENDING
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        x, y = event.position().x(), event.position().y()
        t = self._scale.to_time(min(max(x, 0.0), float(self._scale.width)))
        drag = self._drag
        if drag is None or not (event.buttons() & Qt.MouseButton.LeftButton):
            self._hover = (x, y)
            self.hovered.emit(t, x)
            self.update()
            return
        if drag is Drag.PENDING and abs(x - self._press_x) >= QApplication.startDragDistance():
            self._drag = drag = Drag.PAN
        self._drag_moved = self._drag_moved or x != self._press_x
        if drag is Drag.PAN:
            self._set_scale(self._press_scale.pan_pixels(self._press_x - x))
            self._user_moved_view()
        elif drag is Drag.SCRUB:
            self._cursor = t
            self.scrub_moved.emit(t)
        elif drag in (Drag.SELECT, Drag.EDGE) and self._drag_moved:
            self._selection.set(self._select_anchor, t, keep=self._select_anchor)
            self._emit_selection()
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._drag is None:
            return super().mouseReleaseEvent(event)
        drag, self._drag = self._drag, None
        t = self._scale.to_time(min(max(event.position().x(), 0.0), float(self._scale.width)))
        if drag is Drag.PENDING or (drag is Drag.SCRUB and not self._drag_moved):
            picked = self._event_near(event.position().x(), event.position().y())
            if picked is not None:
                self.event_picked.emit(picked)  # the events list selects it (and plays it)
                self.update()
                return
            self._cursor = t
            self.position_clicked.emit(t)
        elif drag is Drag.SCRUB:
            self._cursor = t
            self.scrub_released.emit(t)
        self.update()

    def _event_near(self, x: float, y: float) -> float | None:
        """The start of the event whose glyph is under (x, y): the glyph row only, so a click
        in the histogram or the archive bar still plays from that moment."""
        layout = self.layout_rows()
        times = self._events.times
        if not (layout.glyph_top <= y < layout.glyph_top + layout.glyph_h) or len(times) == 0:
            return None
        lo, hi = self._scale.to_time(x - CELL_PX / 2), self._scale.to_time(x + CELL_PX / 2)
        i, j = np.searchsorted(times, lo, "left"), np.searchsorted(times, hi, "right")
        if i >= j:
            return None
        t = self._scale.to_time(x)
        return float(min(times[i:j], key=lambda v: abs(v - t)))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        chip = legend_chip_rect(self.layout_rows(), self._labels)
        if event.button() == Qt.MouseButton.LeftButton and not chip.contains(event.position()):
            self._drag = None  # the first click of the pair already seeked
            self.zoom_at(event.position().x(), 1 / KEY_ZOOM)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if delta.y():
            self.zoom_at(event.position().x(), WHEEL_ZOOM_PER_NOTCH ** (delta.y() / 120))
        elif delta.x():  # a horizontal wheel or a touchpad swipe pans
            self.pan_pixels(-delta.x() / 120 * self._scale.width * ARROW_STEP)
        event.accept()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            track = self.track_at(event.pos().y())
            if track is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), track.title + ("" if track.has_archive else ": no archive access"), self)
            return True
        return super().event(event)

    def leaveEvent(self, event) -> None:
        if self._hover is not None:
            self._hover = None
            self.hover_left.emit()
            self.update()
        super().leaveEvent(event)

    # --- keyboard (the keys themselves are in ui/actions.py) -------------------------------------

    def _key_anchor_x(self) -> float:
        """Keyboard zoom keeps the playback cursor in place when it is in view, else the middle."""
        if self._cursor is not None and self._scale.contains(self._cursor):
            return self._scale.to_x(self._cursor)
        return self._scale.width / 2

    def playhead(self) -> float:
        """Where `[`, `]` and Ctrl+G act: the cursor while the archive plays, else now; never
        past now."""
        now = self.current_now()
        return min(self._cursor, now) if self._cursor is not None else now

    def _pan_spans(self, spans: float) -> None:
        self.pan_pixels(self._scale.width * spans)

    def _mark(self, mark) -> None:
        """[ or ]: a selection edge at the playhead (the view's middle is not what plays)."""
        mark(self.playhead())
        if self._selection.selection is not None:
            self._emit_selection()
        self.update()
