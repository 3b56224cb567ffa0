"""A machine-readable timestamp burnt into every demo video frame.

The code is a band across the top of the frame with two rows of 28 black/white cells:

    row 0:  W B d43 d42 ... d18          (2 reference cells + 26 data bits)
    row 1:  d17 ... d0 c7 ... c0 B W     (18 data bits + 8 checksum bits + 2 reference cells)

``d`` is the frame's Unix time in milliseconds (44 bits: good until the year 2527), ``c`` an
8-bit checksum over it. A cell is 1/28 of 95 % of the width and 16/360 of the height (21x16 px
at 640x360), big enough to survive H.264 at any sane bitrate and JPEG at quality >= 50.

Everything is placed in *fractions* of the frame size, and the decoder samples only the middle
of each cell, so a frame scaled to another size (the player may render at 1280x720 or 320x180)
decodes the same. The reference cells give the black/white levels, so the threshold adapts to
whatever brightness/contrast the codec or scaler left. The checksum (odd weights per byte, so
any single flipped bit changes it) and a "decisive cells" test turn a garbage read into
``TimecodeError`` instead of a wrong time.

The same layout is produced three ways and must stay in lockstep: ``draw_timecode`` (numpy, for
tests), ``timecode_drawboxes`` (ffmpeg ``drawbox`` filters with ``enable`` expressions) and the
decoder. ``checksum`` and ``checksum_expression`` are the two spellings of one formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import numpy as np
from PIL import Image

DATA_BITS = 44
CHECK_BITS = 8
COLUMNS = 28
ROWS = 2
# Cells as (kind, bit index). Kinds: "W"/"B" reference, "d" data bit, "c" checksum bit.
_CELLS: list[tuple[str, int]] = (
    [("W", 0), ("B", 0)]
    + [("d", b) for b in range(DATA_BITS - 1, DATA_BITS - 27, -1)]
    + [("d", b) for b in range(DATA_BITS - 27, -1, -1)]
    + [("c", b) for b in range(CHECK_BITS - 1, -1, -1)]
    + [("B", 0), ("W", 0)]
)
assert len(_CELLS) == ROWS * COLUMNS

# Geometry as fractions of a 640x360 reference frame.
BAND_BOTTOM = 44 / 360  # the black band the cells sit on (text goes below it)
_LEFT, _RIGHT = 0.025, 0.975
_ROW_TOPS = (4 / 360, 24 / 360)
_CELL_HEIGHT = 16 / 360

_CHECK_SALT = 0x5A  # makes an all-black or all-white band invalid
_MIN_CONTRAST = 48.0  # white reference minus black reference, in 0..255 luma
_MIN_MARGIN = 0.12  # each cell must be this far (fraction of contrast) from the threshold

MAX_EPOCH_MS = (1 << DATA_BITS) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TimecodeError(ValueError):
    """The image carries no valid timecode (or it was damaged beyond reading)."""


def checksum(epoch_ms: int) -> int:
    """Weighted byte sum: sum((2k+1) * byte_k) + salt, modulo 256 (bytes little-endian)."""
    total = _CHECK_SALT
    for k in range(6):
        total += (2 * k + 1) * ((epoch_ms >> (8 * k)) & 0xFF)
    return total & 0xFF


def checksum_expression(value_expr: str) -> str:
    """``checksum`` written in ffmpeg's expression language over the expression ``value_expr``."""
    terms = [f"{2 * k + 1}*mod(floor(({value_expr})/{256**k}),256)" for k in range(6)]
    return f"mod({'+'.join(terms)}+{_CHECK_SALT},256)"


def cell_rects(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Pixel rectangles (x, y, w, h) of the 56 cells in a frame of this size, in cell order."""
    rects = []
    for index in range(len(_CELLS)):
        row, col = divmod(index, COLUMNS)
        x0 = round(width * (_LEFT + (_RIGHT - _LEFT) * col / COLUMNS))
        x1 = round(width * (_LEFT + (_RIGHT - _LEFT) * (col + 1) / COLUMNS))
        y0 = round(height * _ROW_TOPS[row])
        y1 = round(height * (_ROW_TOPS[row] + _CELL_HEIGHT))
        rects.append((x0, y0, x1 - x0, y1 - y0))
    return rects


def band_height(height: int) -> int:
    return round(height * BAND_BOTTOM)


def cell_values(epoch_ms: int) -> list[bool]:
    """True for a white cell, in cell order."""
    _check_range(epoch_ms)
    check = checksum(epoch_ms)
    values = []
    for kind, bit in _CELLS:
        if kind == "W":
            values.append(True)
        elif kind == "B":
            values.append(False)
        elif kind == "d":
            values.append(bool((epoch_ms >> bit) & 1))
        else:
            values.append(bool((check >> bit) & 1))
    return values


def draw_timecode(frame: np.ndarray, epoch_ms: int) -> np.ndarray:
    """Draw the band and cells into an HxWx3 (or x4) uint8 array in place; returns it."""
    height, width = frame.shape[:2]
    frame[: band_height(height), :, :3] = 0
    for (x, y, w, h), white in zip(cell_rects(width, height), cell_values(epoch_ms), strict=True):
        if white:
            frame[y : y + h, x : x + w, :3] = 255
    return frame


def timecode_drawboxes(value_expr: str, width: int, height: int) -> list[str]:
    """ffmpeg ``drawbox`` filters drawing the code for the epoch-ms expression ``value_expr``.

    ``value_expr`` is evaluated per frame (it normally contains ``t``); each white cell is a box
    enabled when its bit is 1, on top of an always-on black band.
    """
    boxes = [f"drawbox=x=0:y=0:w={width}:h={band_height(height)}:color=black:t=fill"]
    check_expr = checksum_expression(value_expr)
    for (x, y, w, h), (kind, bit) in zip(cell_rects(width, height), _CELLS, strict=True):
        if kind == "B":
            continue
        box = f"drawbox=x={x}:y={y}:w={w}:h={h}:color=white:t=fill"
        if kind == "d":
            box += f":enable='mod(floor(({value_expr})/{1 << bit}),2)'"
        elif kind == "c":
            box += f":enable='mod(floor({check_expr}/{1 << bit}),2)'"
        boxes.append(box)
    return boxes


def decode_timecode(image: Image.Image | np.ndarray | bytes | bytearray) -> datetime:
    """The UTC time carried by a frame (PIL image, HxWx3/4 RGB(A) array, or JPEG/PNG bytes)."""
    return _EPOCH + timedelta(milliseconds=decode_epoch_ms(image))


def decode_epoch_ms(image: Image.Image | np.ndarray | bytes | bytearray) -> int:
    """Like ``decode_timecode`` but returns integer Unix milliseconds (exact, no float)."""
    luma = _to_luma(image)
    height, width = luma.shape
    levels = [_cell_level(luma, rect) for rect in cell_rects(width, height)]
    whites = [v for v, (kind, _) in zip(levels, _CELLS, strict=True) if kind == "W"]
    blacks = [v for v, (kind, _) in zip(levels, _CELLS, strict=True) if kind == "B"]
    white, black = min(whites), max(blacks)
    contrast = white - black
    if contrast < _MIN_CONTRAST:
        raise TimecodeError(f"no timecode: reference cells have contrast {contrast:.0f}")
    threshold = (white + black) / 2
    value = check = 0
    for level, (kind, bit) in zip(levels, _CELLS, strict=True):
        if abs(level - threshold) < _MIN_MARGIN * contrast:
            raise TimecodeError("no timecode: a cell is neither black nor white")
        is_one = level > threshold
        if kind in "WB":
            if is_one != (kind == "W"):
                raise TimecodeError("no timecode: reference cells do not match")
        elif is_one:
            if kind == "d":
                value |= 1 << bit
            else:
                check |= 1 << bit
    if checksum(value) != check:
        raise TimecodeError("no timecode: checksum mismatch")
    return value


def _to_luma(image: Image.Image | np.ndarray | bytes | bytearray) -> np.ndarray:
    if isinstance(image, bytes | bytearray):
        try:
            image = Image.open(io.BytesIO(image))
            image.load()
        except Exception as exc:  # PIL raises several unrelated types for bad data
            raise TimecodeError(f"not a decodable image: {exc}") from exc
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGB"))
    array = np.asarray(image)
    if array.ndim == 2:
        return array.astype(np.float32)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise TimecodeError(f"expected an HxWx3 or HxWx4 image, got shape {array.shape}")
    rgb = array[:, :, :3].astype(np.float32)
    return rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _cell_level(luma: np.ndarray, rect: Sequence[int]) -> float:
    """Mean luma of the middle half of a cell: away from edges blurred by scaling/codecs."""
    x, y, w, h = rect
    x0, x1 = int(x + w * 0.25), max(int(x + w * 0.75), int(x + w * 0.25) + 1)
    y0, y1 = int(y + h * 0.25), max(int(y + h * 0.75), int(y + h * 0.25) + 1)
    region = luma[y0:y1, x0:x1]
    if region.size == 0:
        raise TimecodeError(f"image too small for a timecode: {luma.shape[1]}x{luma.shape[0]}")
    return float(region.mean())


def _check_range(epoch_ms: int) -> None:
    if not 0 <= epoch_ms <= MAX_EPOCH_MS:
        raise ValueError(f"epoch_ms out of the codable range 0..{MAX_EPOCH_MS}: {epoch_ms}")
