"""How each event type looks on the timeline, readable without colour: a colour AND a shape.

Colours follow the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies)
as far as it goes; every type also has its own glyph (filled vs hollow, round vs square vs
triangle), so two types never differ by colour alone. Unknown types share a generic hollow glyph.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter, QPainterPath, QPen, QPolygonF

from faceter_viewer.api.models import EventType


class Shape(enum.Enum):
    DISC = "disc"
    RING = "ring"
    TRIANGLE_UP = "triangle_up"
    TRIANGLE_DOWN = "triangle_down"
    TRIANGLE_OPEN = "triangle_open"
    SQUARE = "square"
    SQUARE_OPEN = "square_open"
    DIAMOND = "diamond"
    DIAMOND_OPEN = "diamond_open"
    PLUS = "plus"
    CROSS = "cross"
    STAR = "star"


@dataclass(frozen=True)
class TypeStyle:
    name: str  # the text shown in the legend
    color: QColor
    shape: Shape


_KNOWN: dict[str, tuple[str, str, Shape]] = {
    EventType.MOTION: ("Motion", "#E69F00", Shape.DISC),
    EventType.HUMAN: ("Human", "#56B4E9", Shape.TRIANGLE_UP),
    EventType.VEHICLE: ("Vehicle", "#009E73", Shape.SQUARE),
    EventType.LINE_CROSSING: ("Line crossing", "#F0E442", Shape.PLUS),
    EventType.INTRUSION: ("Intrusion", "#D55E00", Shape.DIAMOND),
    EventType.PEOPLE_COUNTING: ("People counting", "#3B8FD9", Shape.CROSS),
    EventType.LICENSE_PLATE: ("License plate", "#CC79A7", Shape.SQUARE_OPEN),
    EventType.PET: ("Pet", "#A6D854", Shape.TRIANGLE_OPEN),
    EventType.PERSONAL_MOBILITY_VEHICLE: ("Personal mobility", "#8DD3C7", Shape.TRIANGLE_DOWN),
    EventType.FACE: ("Face", "#FF9DA7", Shape.RING),
    EventType.CUSTOM: ("Custom", "#E0E0E0", Shape.STAR),
}
UNKNOWN_COLOR = "#B0B0B0"


@lru_cache(maxsize=64)
def type_style(type_name: str) -> TypeStyle:
    """The style of an event type name; a name this version does not know keeps its own text and
    gets the generic hollow diamond."""
    known = _KNOWN.get(type_name)
    if known is None:
        return TypeStyle(type_name or "Unknown", QColor(UNKNOWN_COLOR), Shape.DIAMOND_OPEN)
    label, color, shape = known
    return TypeStyle(label, QColor(color), shape)


def _polygon(points: list[tuple[float, float]]) -> QPolygonF:
    return QPolygonF([QPointF(x, y) for x, y in points])


def glyph_path(shape: Shape, size: float) -> tuple[QPainterPath, bool]:
    """(outline in a size×size box at the origin, filled?)."""
    s, m = size, size / 2
    path = QPainterPath()
    filled = True
    if shape in (Shape.DISC, Shape.RING):
        path.addEllipse(QRectF(0.5, 0.5, s - 1, s - 1))
        filled = shape is Shape.DISC
    elif shape in (Shape.TRIANGLE_UP, Shape.TRIANGLE_OPEN):
        path.addPolygon(_polygon([(m, 0.2), (s - 0.2, s - 0.6), (0.2, s - 0.6), (m, 0.2)]))
        filled = shape is Shape.TRIANGLE_UP
    elif shape is Shape.TRIANGLE_DOWN:
        path.addPolygon(_polygon([(0.2, 0.6), (s - 0.2, 0.6), (m, s - 0.2), (0.2, 0.6)]))
    elif shape in (Shape.SQUARE, Shape.SQUARE_OPEN):
        inset = 1.0 if shape is Shape.SQUARE else 1.5
        path.addRect(QRectF(inset, inset, s - 2 * inset, s - 2 * inset))
        filled = shape is Shape.SQUARE
    elif shape in (Shape.DIAMOND, Shape.DIAMOND_OPEN):
        path.addPolygon(_polygon([(m, 0), (s, m), (m, s), (0, m), (m, 0)]))
        filled = shape is Shape.DIAMOND
    elif shape is Shape.PLUS:
        t = s * 0.16
        path.addRect(QRectF(m - t, 0, 2 * t, s))
        path.addRect(QRectF(0, m - t, s, 2 * t))
        path.setFillRule(Qt.FillRule.WindingFill)
    elif shape is Shape.CROSS:
        path.moveTo(1, 1)
        path.lineTo(s - 1, s - 1)
        path.moveTo(s - 1, 1)
        path.lineTo(1, s - 1)
        filled = False
    elif shape is Shape.STAR:
        points = []
        for i in range(11):
            radius = m if i % 2 == 0 else m * 0.45
            angle = -math.pi / 2 + i * math.pi / 5
            points.append((m + radius * math.cos(angle), m + radius * math.sin(angle)))
        path.addPolygon(_polygon(points))
    return path, filled


def paint_glyph(painter: QPainter, style: TypeStyle, x: float, y: float, size: float) -> None:
    path, filled = glyph_path(style.shape, size)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.translate(x, y)
    if filled:
        painter.fillPath(path, style.color)
    else:
        painter.setPen(QPen(style.color, max(1.4, size / 6)))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
    painter.restore()


def glyph_tiles(styles: list[TypeStyle], background: QColor, tile_w: int, tile_h: int, glyph: int) -> np.ndarray:
    """uint32[len(styles) + 1, tile_h, tile_w] opaque 0xAARRGGBB tiles: each glyph centred on the
    background (antialiased by QPainter once), and a last, empty tile. The event lane stamps them
    per cell with one numpy fancy-index, so no glyph is drawn per event or per repaint."""
    tiles = np.empty((len(styles) + 1, tile_h, tile_w), dtype=np.uint32)
    image = QImage(tile_w, tile_h, QImage.Format.Format_RGB32)
    for i, style in enumerate([*styles, None]):
        image.fill(background)
        if style is not None:
            painter = QPainter(image)
            paint_glyph(painter, style, (tile_w - glyph) / 2, (tile_h - glyph) / 2, glyph)
            painter.end()
        tiles[i] = _image_to_array(image)
    return tiles


def _image_to_array(image: QImage) -> np.ndarray:
    width, height = image.width(), image.height()
    raw = np.frombuffer(image.constBits(), dtype=np.uint32, count=image.bytesPerLine() * height // 4)
    return raw.reshape(height, image.bytesPerLine() // 4)[:, :width].copy()


# --- the legend panel --------------------------------------------------------------------------


def legend_entries(type_names: tuple[str, ...], visible_counts: np.ndarray | None) -> list[tuple[TypeStyle, int]]:
    """Types with events in view (or all given types when nothing is counted), busiest first."""
    entries = []
    for code, name in enumerate(type_names):
        count = int(visible_counts[code]) if visible_counts is not None and code < len(visible_counts) else -1
        if count != 0:
            entries.append((type_style(name), count))
    entries.sort(key=lambda entry: (-entry[1], entry[0].name))
    return entries


def _entry_text(style: TypeStyle, count: int) -> str:
    return f"{style.name} {count:,}" if count >= 0 else style.name


def paint_legend(
    painter: QPainter, area: QRectF, entries: list[tuple[TypeStyle, int]], font: QFont, glyph: int
) -> QRectF:
    """A small panel of glyph + type + count-in-view entries, flowing left to right in rows, sized
    to its content and anchored at the top-right corner of `area`. Returns its rect."""
    metrics = QFontMetricsF(font)
    row_h = max(metrics.height(), glyph) + 3
    pad, spacing = 6.0, 14.0
    items = [(style, _entry_text(style, count)) for style, count in entries] or [(None, "No events in view")]
    widths = [glyph + 4 + metrics.horizontalAdvance(text) for _, text in items]
    max_w = area.width() - 2 * pad
    rows: list[list[int]] = [[]]
    row_w = 0.0
    for i, w in enumerate(widths):
        if rows[-1] and row_w + spacing + w > max_w:
            rows.append([])
            row_w = 0.0
        row_w += (spacing if rows[-1] else 0) + w
        rows[-1].append(i)
    max_rows = max(1, int((area.height() - 2 * pad + 1) // row_h))
    if len(rows) > max_rows:  # too many types for the space: keep the busiest (they come first)
        rows = rows[:max_rows]
    content_w = max(sum(widths[i] for i in row) + spacing * (len(row) - 1) for row in rows)
    rect = QRectF(area.right() - content_w - 2 * pad, area.top(), content_w + 2 * pad, len(rows) * row_h + 2 * pad)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    painter.setPen(QPen(QColor(255, 255, 255, 70), 1))
    painter.setBrush(QColor(20, 22, 26, 240))
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
    painter.setFont(font)
    y = rect.top() + pad
    for row in rows:
        x = rect.left() + pad
        for i in row:
            style, text = items[i]
            if style is not None:
                paint_glyph(painter, style, x, y + (row_h - glyph) / 2, glyph)
            painter.setPen(QColor("#E8E8E8"))
            painter.drawText(QRectF(x + glyph + 4, y, widths[i], row_h), Qt.AlignmentFlag.AlignVCenter, text)
            x += widths[i] + spacing
        y += row_h
    painter.restore()
    return rect
