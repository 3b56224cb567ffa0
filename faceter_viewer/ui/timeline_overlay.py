"""What the timeline draws over its cached static layer on every paint: "now" and the future,
the selection, the playback cursor, the hover line with its readout, and the legend.

A handful of QPainter calls, none per item: this is all a playing cursor or a moving mouse costs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import tzinfo

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF

from faceter_viewer.core.timeline.localtime import format_duration, local_datetime
from faceter_viewer.core.timeline.scale import TimeScale
from faceter_viewer.core.timeline.selection import Handle, Selection
from faceter_viewer.core.timeline.ticks import DAY, WEEKDAYS
from faceter_viewer.ui.timeline_legend import legend_entries, paint_glyph, paint_legend
from faceter_viewer.ui.timeline_painter import CELL_PX, GLYPH_PX, EventPalette, LabelCache, StaticLayer, TimelineLayout

FUTURE = QColor(8, 9, 11, 170)
NOW = QColor("#FF5A5A")
CURSOR = QColor("#FFFFFF")
CURSOR_OUTLINE = QColor(0, 0, 0, 160)
HOVER = QColor(255, 255, 255, 120)
SELECTION_FILL = QColor(100, 170, 255, 55)
SELECTION_EDGE = QColor("#64B5F6")
HIGHLIGHT_FILL = QColor(255, 214, 0, 45)  # the event selected in the list
HIGHLIGHT_EDGE = QColor("#FFD600")
READOUT_BG = QColor(20, 22, 26)  # opaque: nothing under a readout shows through
READOUT_TEXT = QColor("#F0F0F0")


@dataclass(frozen=True)
class OverlayState:
    scale: TimeScale
    layout: TimelineLayout
    layer: StaticLayer
    palette: EventPalette
    type_names: tuple[str, ...]
    tz: tzinfo | None
    now: float | None
    cursor: float | None
    hover: tuple[float, float] | None  # x, y
    selection: Selection | None
    pending_edge: tuple[Handle, float] | None
    legend_visible: bool
    highlight: tuple[float, float] | None = None  # the event selected in the events list (start, end)


def legend_chip_rect(layout: TimelineLayout, labels: LabelCache) -> QRectF:
    """The "Legend" toggle at the right end of the day row."""
    width = labels.width("Legend ▴") + 10
    return QRectF(layout.width - width - 2, layout.context_top, width, layout.context_h)


def paint_overlay(painter: QPainter, state: OverlayState, labels: LabelCache) -> None:
    layout, scale = state.layout, state.scale
    lanes = QRectF(0, layout.lanes_top, layout.width, layout.lanes_bottom - layout.lanes_top)
    if state.now is not None and state.now < scale.end:
        x_now = max(0.0, scale.to_x(state.now))
        painter.fillRect(QRectF(x_now, lanes.top(), layout.width - x_now, lanes.height()), FUTURE)
        if x_now > 0:
            painter.fillRect(QRectF(x_now - 0.5, lanes.top() - 2, 1.5, lanes.height() + layout.ticks_h + 2), NOW)
    if state.highlight is not None:
        _paint_highlight(painter, state)
    if state.selection is not None:
        _paint_selection(painter, state, labels)
    if state.pending_edge is not None:
        x = scale.to_x(state.pending_edge[1])
        painter.setPen(QPen(SELECTION_EDGE, 2, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x, lanes.top()), QPointF(x, layout.ticks_top + layout.ticks_h))
    _paint_legend_chip(painter, state, labels)
    legend_rect = None
    if state.legend_visible:
        counts = state.layer.column_counts.sum(axis=1) if state.type_names else None
        entries = legend_entries(state.type_names, counts)
        area = QRectF(layout.width * 0.3, lanes.top(), layout.width * 0.7 - 2, layout.ticks_top - lanes.top())
        legend_rect = paint_legend(painter, area, entries, labels.font, GLYPH_PX)
    # The hover readout and the cursor come last: what the user points at is never hidden.
    if state.hover is not None:
        _paint_hover(painter, state, labels, legend_rect)
    if state.cursor is not None and -8 <= scale.to_x(state.cursor) <= layout.width + 8:
        _paint_cursor(painter, scale.to_x(state.cursor), layout)


def _paint_highlight(painter: QPainter, state: OverlayState) -> None:
    """The selected event: a band over its span (at least a few px wide) and a ring on its glyph row."""
    layout, scale = state.layout, state.scale
    start, end = state.highlight  # type: ignore[misc]
    x0, x1 = scale.to_x(start), scale.to_x(end)
    if x1 < -8 or x0 > layout.width + 8:
        return
    if x1 - x0 < 4:
        x0, x1 = x0 - 2, x0 + 2
    top = layout.lanes_top
    painter.fillRect(QRectF(x0, top, x1 - x0, layout.lanes_bottom - top), HIGHLIGHT_FILL)
    painter.setPen(QPen(HIGHLIGHT_EDGE, 2))
    painter.setBrush(Qt.BrushStyle.NoBrush)
    centre = scale.to_x(start)
    painter.drawEllipse(QPointF(centre, layout.glyph_top + layout.glyph_h / 2), GLYPH_PX * 0.9, GLYPH_PX * 0.9)


def _paint_selection(painter: QPainter, state: OverlayState, labels: LabelCache) -> None:
    layout, scale, selection = state.layout, state.scale, state.selection
    assert selection is not None
    x0, x1 = scale.to_x(selection.start), scale.to_x(selection.end)
    top, bottom = layout.lanes_top, layout.ticks_top + layout.ticks_h
    painter.fillRect(QRectF(x0, top, max(1.0, x1 - x0), layout.lanes_bottom - top), SELECTION_FILL)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    for x in (x0, x1):
        painter.fillRect(QRectF(x - 1, top, 2, bottom - top), SELECTION_EDGE)
        # A grip on the archive bar says "drag me".
        painter.setPen(QPen(QColor("#FFFFFF"), 1))
        painter.setBrush(SELECTION_EDGE)
        painter.drawRoundedRect(QRectF(x - 3.5, layout.archive_top + 1, 7, layout.archive_h - 2), 2, 2)
    painter.restore()
    text = format_duration(selection.duration)
    _readout(painter, labels, text, (x0 + x1) / 2, layout.context_top, layout.context_h, state.layer.context_spans)


def _paint_cursor(painter: QPainter, x: float, layout: TimelineLayout) -> None:
    top, bottom = 0.0, layout.ticks_top + layout.ticks_h
    painter.fillRect(QRectF(x - 1.5, top, 3, bottom - top), CURSOR_OUTLINE)
    painter.fillRect(QRectF(x - 0.75, top, 1.5, bottom - top), CURSOR)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(CURSOR_OUTLINE, 1))
    painter.setBrush(CURSOR)
    painter.drawPolygon(QPolygonF([QPointF(x - 5.5, 0), QPointF(x + 5.5, 0), QPointF(x, 7)]))
    painter.restore()


def _paint_hover(painter: QPainter, state: OverlayState, labels: LabelCache, legend_rect: QRectF | None) -> None:
    layout, scale = state.layout, state.scale
    x, y = state.hover  # type: ignore[misc]
    t = scale.to_time(x)
    painter.fillRect(QRectF(x, layout.lanes_top, 1, layout.ticks_top + layout.ticks_h - layout.lanes_top), HOVER)
    _readout(painter, labels, hover_text(t, scale, state.tz), x, layout.labels_top, layout.labels_h, state.layer.label_spans)
    if layout.in_event_lane(y):
        _paint_cell_readout(painter, state, labels, x, legend_rect)


def hover_text(t: float, scale: TimeScale, tz: tzinfo | None) -> str:
    local = local_datetime(t, tz)
    clock = f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    if scale.seconds_per_pixel < 0.1:
        clock += f".{int(local.microsecond / 100_000)}"
    if scale.span > DAY / 2:
        clock = f"{WEEKDAYS[local.weekday()]} {local.day}  {clock}"
    return clock


def _paint_cell_readout(
    painter: QPainter, state: OverlayState, labels: LabelCache, x: float, legend_rect: QRectF | None
) -> None:
    """Counts per type in the cell under the mouse: the numbers the histogram only hints at."""
    layer = state.layer
    if not len(layer.cell_x0):
        return
    cell = int((x - layer.cell_x0[0]) // CELL_PX)
    if not 0 <= cell < layer.cell_counts.shape[1]:
        return
    counts = layer.cell_counts[:, cell]
    codes = [int(c) for c in np.argsort(-counts, kind="stable") if counts[c] > 0][:4]
    if not codes:
        return
    texts = [f"{int(counts[c]):,} {state.palette.styles[c].name}" for c in codes]
    widths = [GLYPH_PX + 4 + labels.width(text) for text in texts]
    box_w = sum(widths) + 10 * (len(texts) - 1) + 10
    box_h = labels.metrics.height() + 4
    left = x + 8 if x + 8 + box_w <= state.layout.width else x - 8 - box_w
    rect = QRectF(left, state.layout.hist_top + 2, box_w, box_h)
    if legend_rect is not None and rect.intersects(legend_rect):
        rect.moveTop(min(legend_rect.bottom() + 2, state.layout.archive_top - box_h))  # below it
    painter.fillRect(rect, READOUT_BG)
    cx = rect.left() + 5
    for code, text, w in zip(codes, texts, widths, strict=True):
        paint_glyph(painter, state.palette.styles[code], cx, rect.top() + (box_h - GLYPH_PX) / 2, GLYPH_PX)
        painter.setPen(READOUT_TEXT)
        painter.drawStaticText(QPointF(cx + GLYPH_PX + 4, rect.top() + 2), labels.get(text))
        cx += w + 10


def _readout(
    painter: QPainter,
    labels: LabelCache,
    text: str,
    x: float,
    top: float,
    h: float,
    covered_labels: list[tuple[float, float]],
) -> None:
    """A text box centred at x in a label row. The box also blanks every static label it
    touches, whole, so no half-hidden "0(" or ":00" peeks out beside it."""
    static = labels.get(text)
    w = static.size().width() + 8
    limit = painter.device().width() / max(1.0, painter.device().devicePixelRatioF())
    left = min(max(0.0, x - w / 2), limit - w)
    box_left, box_right = left, left + w
    for x0, x1 in covered_labels:  # sorted left to right, a few dozen at most
        if x0 < box_right and x1 > box_left:
            box_left, box_right = min(box_left, x0 - 2), max(box_right, x1 + 2)
    painter.fillRect(QRectF(box_left, top, box_right - box_left, h), READOUT_BG)
    painter.setPen(READOUT_TEXT)
    painter.drawStaticText(QPointF(left + 4, top + (h - labels.metrics.height()) / 2), static)


def _paint_legend_chip(painter: QPainter, state: OverlayState, labels: LabelCache) -> None:
    rect = legend_chip_rect(state.layout, labels)
    painter.fillRect(rect, QColor(45, 49, 56) if state.legend_visible else READOUT_BG)
    painter.setPen(QColor("#C8CCD2"))
    text = "Legend ▾" if state.legend_visible else "Legend ▴"
    painter.drawStaticText(QPointF(rect.left() + 5, rect.top() + (rect.height() - labels.metrics.height()) / 2), labels.get(text))
