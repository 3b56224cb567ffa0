"""The frame timecode: drawn in numpy, read back after scaling and JPEG, garbage refused."""

from __future__ import annotations

import io
import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from faceter_viewer.demo.media.timecode import (
    MAX_EPOCH_MS,
    TimecodeError,
    cell_rects,
    checksum,
    checksum_expression,
    decode_epoch_ms,
    decode_timecode,
    draw_timecode,
)

APRIL_10 = 1_712_745_600_000  # 2024-04-10T10:40:00Z


def scene(epoch_ms: int, width: int = 640, height: int = 360, seed: int = 0) -> np.ndarray:
    """A busy random picture (worst case for the codec) with the code drawn on top."""
    rng = np.random.default_rng(seed)
    frame = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return draw_timecode(frame, epoch_ms)


def jpeg(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "epoch_ms", [0, 1, APRIL_10, APRIL_10 + 40, 1_999_999_999_960, MAX_EPOCH_MS, 0x5555_5555_555]
)
def test_round_trip_is_exact(epoch_ms: int) -> None:
    assert decode_epoch_ms(scene(epoch_ms)) == epoch_ms


def test_decode_timecode_gives_aware_utc_datetime_with_milliseconds() -> None:
    decoded = decode_timecode(scene(APRIL_10 + 123))
    assert decoded == datetime(2024, 4, 10, 10, 40, 0, 123_000, tzinfo=UTC)
    assert decoded.utcoffset() is not None


@pytest.mark.parametrize(
    "size", [(1280, 720), (960, 540), (320, 180), (213, 120), (800, 450), (640, 480), (1024, 300)]
)
def test_survives_scaling_to_other_sizes_and_aspects(size: tuple[int, int]) -> None:
    image = Image.fromarray(scene(APRIL_10 + 4_040)).resize(size, Image.Resampling.BILINEAR)
    assert decode_epoch_ms(image) == APRIL_10 + 4_040


@pytest.mark.parametrize("quality", [30, 50, 75, 95])
def test_survives_jpeg(quality: int) -> None:
    data = jpeg(Image.fromarray(scene(APRIL_10 + 80)), quality)
    assert decode_epoch_ms(data) == APRIL_10 + 80


def test_survives_scaling_and_jpeg_together() -> None:
    image = Image.fromarray(scene(APRIL_10 + 1_960)).resize((427, 240), Image.Resampling.BICUBIC)
    assert decode_epoch_ms(jpeg(image, 60)) == APRIL_10 + 1_960


def test_threshold_adapts_to_dim_low_contrast_frames() -> None:
    # A washed-out picture (black at 70, white at 150) still reads: the reference cells set the
    # threshold, not a fixed 128.
    dim = (scene(APRIL_10).astype(np.float32) * (80 / 255) + 70).astype(np.uint8)
    assert decode_epoch_ms(dim) == APRIL_10


def test_accepts_rgba_arrays_pil_images_and_png_bytes() -> None:
    rgb = scene(APRIL_10 + 40)
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    png = io.BytesIO()
    Image.fromarray(rgb).save(png, "PNG")
    assert decode_epoch_ms(rgba) == APRIL_10 + 40
    assert decode_epoch_ms(Image.fromarray(rgb)) == APRIL_10 + 40
    assert decode_epoch_ms(png.getvalue()) == APRIL_10 + 40


@pytest.mark.parametrize("fill", [0, 128, 255])
def test_uniform_frames_raise(fill: int) -> None:
    with pytest.raises(TimecodeError):
        decode_timecode(np.full((360, 640, 3), fill, np.uint8))


@pytest.mark.parametrize("seed", range(20))
def test_noise_raises(seed: int) -> None:
    noise = np.random.default_rng(seed).integers(0, 256, (360, 640, 3), dtype=np.uint8)
    with pytest.raises(TimecodeError):
        decode_timecode(noise)


def test_a_flipped_data_cell_is_caught_by_the_checksum() -> None:
    frame = scene(APRIL_10)
    x, y, w, h = cell_rects(640, 360)[10]  # a data bit in the first row
    frame[y : y + h, x : x + w] = 255 - frame[y + h // 2, x + w // 2]
    with pytest.raises(TimecodeError, match="checksum"):
        decode_timecode(frame)


def test_a_grey_cell_is_refused_rather_than_guessed() -> None:
    frame = scene(APRIL_10)
    x, y, w, h = cell_rects(640, 360)[40]
    frame[y : y + h, x : x + w] = 128
    with pytest.raises(TimecodeError, match="neither"):
        decode_timecode(frame)


@pytest.mark.parametrize("bad", [b"", b"not an image", b"\xff\xd8\xff broken jpeg"])
def test_undecodable_bytes_raise_timecode_error(bad: bytes) -> None:
    with pytest.raises(TimecodeError):
        decode_timecode(bad)


def test_wrong_array_shapes_and_tiny_images_raise() -> None:
    with pytest.raises(TimecodeError):
        decode_timecode(np.zeros((360, 640, 2), np.uint8))
    with pytest.raises(TimecodeError):
        decode_timecode(np.zeros((4, 8, 3), np.uint8))
    assert issubclass(TimecodeError, ValueError)


@pytest.mark.parametrize("epoch_ms", [-1, MAX_EPOCH_MS + 1])
def test_out_of_range_times_cannot_be_drawn(epoch_ms: int) -> None:
    with pytest.raises(ValueError, match="range"):
        draw_timecode(np.zeros((360, 640, 3), np.uint8), epoch_ms)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_EPOCH_MS))
def test_round_trip_for_any_codable_time(epoch_ms: int) -> None:
    assert decode_epoch_ms(draw_timecode(np.zeros((180, 320, 3), np.uint8), epoch_ms)) == epoch_ms


@settings(max_examples=300)
@given(st.integers(min_value=0, max_value=MAX_EPOCH_MS))
def test_ffmpeg_checksum_expression_matches_python(epoch_ms: int) -> None:
    # The expression uses only mod/floor/+/*/ (ffmpeg's and Python's agree on these for
    # non-negative integers below 2^53), so Python can evaluate the very text ffmpeg gets.
    expression = checksum_expression(str(epoch_ms))
    value = eval(expression, {"__builtins__": {}}, {"mod": math.fmod, "floor": math.floor})  # noqa: S307
    assert int(value) == checksum(epoch_ms)
