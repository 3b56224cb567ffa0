"""The timeline's static layer: archive bar, event lane, ticks and labels, in one cached image.

A layout's timeline (services/layout_timeline.py) may add one thin track per camera under the
archive bar (`TimelineLayout.for_size(..., tracks=n)`, `render_static(..., tracks=[...])`): the
bar is the union of the cameras' archive, each track one camera's own.

Everything that depends on data and scale (not on the cursor or the mouse) is composed here with
numpy into a uint32 image, one row-block per lane, and wrapped as a QImage without copying; only
the tick labels are drawn with QPainter (a few dozen cached QStaticTexts). Nothing loops over
intervals or events in Python: the core hands over per-pixel arrays (covered columns, per-column
counts per type, per-cell dominant type) and numpy paints them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from datetime import tzinfo

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QStaticText

from faceter_viewer.core.timeline.events_binning import EventSeries, bin_events, group_cells
from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.core.timeline.scale import TimeScale
from faceter_viewer.core.timeline.ticks import MINUTE, TickSet, compute_ticks
from faceter_viewer.ui.timeline_legend import TypeStyle, glyph_tiles, type_style


def _rgb(hex_color: str) -> int:
    return 0xFF000000 | int(hex_color.lstrip("#"), 16)


@dataclass(frozen=True)
class Colors:
    """The timeline's colours as 0xAARRGGBB words (what numpy writes into the image)."""

    background: int = _rgb("#17191D")
    lane: int = _rgb("#1E2126")
    grid: int = _rgb("#2A2E35")
    archive: int = _rgb("#3A9D5D")
    archive_top: int = _rgb("#5CBF7E")  # a 1 px highlight, so the bar reads as a solid block
    gap: int = _rgb("#101113")
    gap_hatch: int = _rgb("#3A2A2E")  # diagonal hatch: a gap is seen without relying on colour
    track: int = _rgb("#2F7F4B")  # a camera's own archive, under the layout's (union) bar
    track_none: int = _rgb("#1E2126")  # a camera without archive access: nothing to show, not a gap
    tick_major: int = _rgb("#9AA0A8")
    tick_minor: int = _rgb("#555B63")
    day_separator: int = _rgb("#C8CCD2")
    label: str = "#C8CCD2"
    context_label: str = "#EDEFF2"


COLORS = Colors()
GLYPH_PX = 9
CELL_PX = 12  # one glyph per 12 px cell: glyphs never overlap, and 3 px of air between them
TRACK_PX = 4  # a camera's thin track
TRACK_GAP_PX = 1  # between tracks (and above the first one): they read as separate lines


@dataclass(frozen=True)
class TimelineLayout:
    """Row positions (logical px) for a widget of this size, top to bottom."""

    width: int
    height: int
    glyph_top: int
    glyph_h: int
    hist_top: int
    hist_h: int
    archive_top: int
    archive_h: int
    ticks_top: int
    ticks_h: int
    labels_top: int
    labels_h: int
    context_top: int
    context_h: int
    track_count: int = 0  # thin per-camera tracks between the archive bar and the ticks
    tracks_top: int = 0

    @classmethod
    def for_size(cls, width: int, height: int, text_h: int = 13, tracks: int = 0) -> TimelineLayout:
        top, glyph_h, archive_h, ticks_h = 3, GLYPH_PX + 3, 16, 7
        tracks_h = tracks_height(tracks)
        fixed = top + glyph_h + 2 + archive_h + tracks_h + ticks_h + 2 * text_h + 3
        hist_h = max(8, height - fixed)
        hist_top = top + glyph_h
        archive_top = hist_top + hist_h + 2
        tracks_top = archive_top + archive_h
        ticks_top = tracks_top + tracks_h
        labels_top = ticks_top + ticks_h
        return cls(
            width, height, top, glyph_h, hist_top, hist_h, archive_top, archive_h,
            ticks_top, ticks_h, labels_top, text_h, labels_top + text_h, text_h, tracks, tracks_top,
        )  # fmt: skip

    @property
    def lanes_top(self) -> int:
        return self.glyph_top

    @property
    def lanes_bottom(self) -> int:
        """The bottom of the archive bar, or of the last track: a selection covers them all."""
        return self.tracks_top + tracks_height(self.track_count)

    def track_top(self, index: int) -> int:
        return self.tracks_top + TRACK_GAP_PX + index * (TRACK_PX + TRACK_GAP_PX)

    def track_at(self, y: float) -> int | None:
        """The track under y (its gap above it included), or None."""
        if self.track_count == 0 or not self.tracks_top <= y < self.lanes_bottom:
            return None
        return min(self.track_count - 1, int((y - self.tracks_top) // (TRACK_PX + TRACK_GAP_PX)))

    def in_event_lane(self, y: float) -> bool:
        return self.glyph_top <= y < self.hist_top + self.hist_h


def tracks_height(count: int) -> int:
    """The pixels `count` thin tracks take (each with the gap above it, one more gap below)."""
    return count * (TRACK_PX + TRACK_GAP_PX) + TRACK_GAP_PX if count else 0


class EventPalette:
    """Per type code of the current series: style, colour word, and glyph tile index."""

    def __init__(self, type_names: tuple[str, ...]) -> None:
        self.type_names = type_names
        self.styles: list[TypeStyle] = [type_style(name) for name in type_names]
        self.colors = np.array([_rgb(style.color.name()) for style in self.styles] or [0], dtype=np.uint32)
        self.lane_color = np.uint32(COLORS.lane)
        self.tiles = glyph_tiles(self.styles, QColor.fromRgba(COLORS.lane), CELL_PX, GLYPH_PX + 3, GLYPH_PX)
        self.empty_tile = len(self.styles)


@dataclass
class StaticLayer:
    image: QImage
    pixels: np.ndarray  # keeps the buffer `image` wraps alive
    column_counts: np.ndarray  # int32[n_types, width], for the hover readout and the legend
    ticks: TickSet
    cell_x0: np.ndarray
    cell_counts: np.ndarray
    label_spans: list[tuple[float, float]]  # x extents of the tick labels
    context_spans: list[tuple[float, float]]  # x extents of the day/month labels


class LabelCache:
    """QStaticText per label text: laying out the same "14:00" on every rebuild is the slow part
    of drawing text."""

    def __init__(self, font: QFont) -> None:
        self.font = font
        self.metrics = QFontMetricsF(font)
        self._texts: dict[str, QStaticText] = {}

    def get(self, text: str) -> QStaticText:
        static = self._texts.get(text)
        if static is None:
            if len(self._texts) > 2048:
                self._texts.clear()
            static = QStaticText(text)
            static.setTextFormat(Qt.TextFormat.PlainText)
            static.prepare(font=self.font)
            self._texts[text] = static
        return static

    def width(self, text: str) -> float:
        return self.get(text).size().width()

    def label_px(self, step: float) -> float:
        sample = "00:00:00" if step < MINUTE else "Wed 30"
        return self.metrics.horizontalAdvance(sample) + 16


def render_static(
    scale: TimeScale,
    layout: TimelineLayout,
    intervals: ArchiveIntervals,
    events: EventSeries,
    palette: EventPalette,
    labels: LabelCache,
    tz: tzinfo | None,
    device_pixel_ratio: float = 1.0,
    tracks: Sequence[ArchiveIntervals | None] = (),
) -> StaticLayer:
    """`tracks`: one camera's archive per track (None: a camera without archive access), painted
    in the layout's track rows (as many as it has)."""
    width, height = scale.width, layout.height
    pixels = np.empty((height, width), dtype=np.uint32)
    pixels[:] = COLORS.background
    pixels[layout.glyph_top : layout.hist_top + layout.hist_h] = COLORS.lane

    ticks = compute_ticks(scale.start, scale.end, scale.seconds_per_pixel, tz, label_px=labels.label_px)
    major_x = _columns(scale, ticks.major)

    counts = bin_events(events, scale)
    cells = group_cells(counts, scale, CELL_PX)
    if len(events):
        _paint_histogram(pixels, layout, counts, palette)
        _paint_glyphs(pixels, layout, cells, palette)
    # A faint grid at major ticks behind the event lane helps read event times off the axis.
    lane = pixels[layout.glyph_top : layout.hist_top + layout.hist_h, major_x]
    pixels[layout.glyph_top : layout.hist_top + layout.hist_h, major_x] = np.where(lane == COLORS.lane, COLORS.grid, lane)
    _paint_archive(pixels, layout, intervals, scale)
    _paint_tracks(pixels, layout, tracks, scale)
    _paint_ticks(pixels, layout, ticks, scale, major_x)

    image = QImage(pixels.data, width, height, width * 4, QImage.Format.Format_RGB32)
    if device_pixel_ratio != 1.0:
        # HiDPI: the lanes are scaled up (they are pixel art anyway), the text is drawn sharp.
        lanes = image
        image = QImage(
            round(width * device_pixel_ratio), round(height * device_pixel_ratio), QImage.Format.Format_RGB32
        )
        image.setDevicePixelRatio(device_pixel_ratio)
        painter = QPainter(image)
        painter.drawImage(QRectF(0, 0, width, height), lanes)
    else:
        painter = QPainter(image)
    try:
        label_spans, context_spans = _paint_labels(painter, layout, ticks, scale, labels)
    finally:
        painter.end()  # an exception with an active painter would crash Qt at teardown
    return StaticLayer(image, pixels, counts, ticks, cells.x0, cells.counts, label_spans, context_spans)


def _columns(scale: TimeScale, times: np.ndarray) -> np.ndarray:
    x = np.floor(scale.to_x(times) + 0.5).astype(np.int64)
    return x[(x >= 0) & (x < scale.width)]


def _paint_histogram(pixels: np.ndarray, layout: TimelineLayout, counts: np.ndarray, palette: EventPalette) -> None:
    """Per column, a bar stacked by type whose height grows with log(count): dense columns show
    how many, not a pile of overdrawn markers. A lone event is still a 2 px bar.

    Each column is a run-length sequence (lane colour, then the types top to bottom), so the
    whole block is one `np.repeat` of colours by run lengths.
    """
    totals = counts.sum(axis=0)
    peak = int(totals.max())
    if peak == 0:
        return
    h, width = layout.hist_h, counts.shape[1]
    heights = np.where(totals > 0, np.maximum(2, np.rint(h * np.log1p(totals) / np.log1p(peak))), 0).astype(np.int64)
    # Rounded cumulative boundaries keep every column exactly `heights` tall.
    tops = np.rint(heights * (np.cumsum(counts, axis=0) / np.maximum(totals, 1))).astype(np.int64)
    runs = np.diff(tops, axis=0, prepend=0)  # [n_types, width], bottom type first
    lengths = np.concatenate(((h - heights)[None, :], runs[::-1]), axis=0).T  # top to bottom
    colors = np.concatenate(([palette.lane_color], palette.colors[: counts.shape[0]][::-1]))
    colors = np.broadcast_to(colors, lengths.shape)
    columns = np.repeat(colors.ravel(), lengths.ravel()).reshape(width, h)
    pixels[layout.hist_top : layout.hist_top + h] = columns.T


def _paint_glyphs(pixels: np.ndarray, layout: TimelineLayout, cells, palette: EventPalette) -> None:
    """The busiest type's glyph in every non-empty cell, stamped from pre-rendered tiles."""
    dominant = cells.dominant()
    tile_of_cell = np.where(dominant >= 0, dominant, palette.empty_tile)
    offset = np.arange(layout.width) - cells.x0[0]
    tile_of_column = tile_of_cell[np.minimum(offset // CELL_PX, len(tile_of_cell) - 1)]
    column_in_tile = offset % CELL_PX
    stamped = palette.tiles[tile_of_column, :, column_in_tile]  # (width, tile_h)
    pixels[layout.glyph_top : layout.glyph_top + stamped.shape[1]] = stamped.T


def _paint_archive(pixels: np.ndarray, layout: TimelineLayout, intervals: ArchiveIntervals, scale: TimeScale) -> None:
    covered = intervals.covered_columns(scale)
    top, h = layout.archive_top, layout.archive_h
    # The hatch is anchored to time (the first pixel column's index since the epoch), so panning
    # moves it with the content instead of making it crawl.
    shift = int(round(scale.start / scale.seconds_per_pixel)) % HATCH_PERIOD
    gap = _hatch(h, layout.width)[:, shift : shift + layout.width]
    block = np.where(covered[None, :], np.uint32(COLORS.archive), gap)
    block[0] = np.where(covered, COLORS.archive_top, block[0])
    pixels[top : top + h] = block


def _paint_tracks(
    pixels: np.ndarray, layout: TimelineLayout, tracks: Sequence[ArchiveIntervals | None], scale: TimeScale
) -> None:
    """Each track a plain line: archive or gap (no hatch: 4 px cannot carry it; the main bar
    above says where nothing at all is recorded)."""
    for index, intervals in enumerate(tracks[: layout.track_count]):
        top = layout.track_top(index)
        if intervals is None:
            pixels[top : top + TRACK_PX] = COLORS.track_none
            continue
        row = np.where(intervals.covered_columns(scale), np.uint32(COLORS.track), np.uint32(COLORS.gap))
        pixels[top : top + TRACK_PX] = row[None, :]


HATCH_PERIOD = 6


@lru_cache(maxsize=4)
def _hatch(h: int, width: int) -> np.ndarray:
    ys, xs = np.ogrid[0:h, 0 : width + HATCH_PERIOD]
    return np.where((xs + ys) % HATCH_PERIOD == 0, COLORS.gap_hatch, COLORS.gap).astype(np.uint32)


def _paint_ticks(pixels: np.ndarray, layout: TimelineLayout, ticks: TickSet, scale: TimeScale, major_x: np.ndarray) -> None:
    top = layout.ticks_top
    pixels[top : top + 3, _columns(scale, ticks.minor)] = COLORS.tick_minor
    pixels[top : top + layout.ticks_h, major_x] = COLORS.tick_major
    day_x = _columns(scale, np.array([t for t, _ in ticks.context]))
    pixels[top : layout.context_top + layout.context_h, day_x] = COLORS.day_separator


def _paint_labels(
    painter: QPainter, layout: TimelineLayout, ticks: TickSet, scale: TimeScale, labels: LabelCache
) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Draw the tick labels and the day row; return both rows' label extents [(x0, x1)], so the
    overlay can blank whole labels under a readout instead of leaving fragments around it."""
    painter.setFont(labels.font)
    painter.setPen(QColor(COLORS.label))
    text_y = layout.labels_top + (layout.labels_h - labels.metrics.height()) / 2
    label_spans = []
    for t, text in zip(ticks.major.tolist(), ticks.labels, strict=True):
        static = labels.get(text)
        width = static.size().width()
        x = scale.to_x(t) - width / 2
        painter.drawStaticText(QPointF(x, text_y), static)
        label_spans.append((x, x + width))

    # The day (or month) row: a label at each day start, and the day of the left edge pinned at
    # the left until the next day's label pushes it out (like a sticky header).
    painter.setPen(QColor(COLORS.context_label))
    context_y = layout.context_top + (layout.context_h - labels.metrics.height()) / 2
    positions = [(scale.to_x(t) + 4, text) for t, text in ticks.context]
    sticky = labels.get(ticks.context_at_start)
    sticky_x = 4.0
    if positions:
        sticky_x = min(sticky_x, positions[0][0] - sticky.size().width() - 12)
    context_spans = []
    for x, text in [(sticky_x, ticks.context_at_start), *positions]:
        static = labels.get(text)
        painter.drawStaticText(QPointF(x, context_y), static)
        context_spans.append((x, x + static.size().width()))
    return label_spans, context_spans
