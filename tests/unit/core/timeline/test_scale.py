from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faceter_viewer.core.timeline.scale import MAX_SPAN, MIN_SPAN, TimeScale

T0 = 1_776_000_000.0  # 2026-04-12, a realistic epoch: float64 precision is what it is up there
ZOOM_LEVELS = [60.0, 300.0, 3600.0, 6 * 3600.0, 86400.0, 7 * 86400.0, 30 * 86400.0]


@pytest.mark.parametrize("span", ZOOM_LEVELS)
@pytest.mark.parametrize("width", [200, 1920])
def test_time_and_pixel_round_trip_at_every_zoom(span, width):
    scale = TimeScale(T0, T0 + span, width)
    xs = np.linspace(0, width, 97)
    assert np.allclose(scale.to_x(scale.to_time(xs)), xs, atol=1e-3)
    assert scale.to_x(T0) == 0
    assert scale.to_x(T0 + span) == pytest.approx(width)
    assert scale.seconds_per_pixel == pytest.approx(span / width)
    # A pixel column is spp seconds wide, at any zoom, even 1.7e9 s from the epoch.
    assert scale.to_time(1.0) - scale.to_time(0.0) == pytest.approx(span / width, rel=1e-6)


@given(
    span=st.floats(MIN_SPAN, MAX_SPAN),
    x=st.floats(0, 1920),
    factor=st.floats(0.05, 20),
)
def test_zoom_keeps_the_time_under_the_mouse(span, x, factor):
    scale = TimeScale(T0, T0 + span, 1920)
    anchor = scale.to_time(x)
    zoomed = scale.zoom_at(x, factor)
    assert zoomed.to_time(x) == pytest.approx(anchor, abs=1e-4)
    expected = min(max(scale.span / factor, MIN_SPAN), MAX_SPAN)
    assert zoomed.span == pytest.approx(expected, abs=1e-6)  # float64 at 1.7e9 s: ~2e-7 s steps


def test_zoom_clamps_to_one_minute_and_thirty_days_without_drifting():
    scale = TimeScale(T0, T0 + 600, 1000)
    anchor = scale.to_time(250)
    tight = scale.zoom_at(250, 1e6)
    assert tight.span == pytest.approx(MIN_SPAN)
    assert tight.to_time(250) == pytest.approx(anchor, abs=1e-5)
    # Zooming in further at the limit changes nothing.
    assert tight.zoom_at(250, 2).start == pytest.approx(tight.start, abs=1e-6)
    wide = scale.zoom_at(250, 1e-9)
    assert wide.span == pytest.approx(MAX_SPAN)
    assert wide.to_time(250) == pytest.approx(anchor, abs=1e-3)


def test_constructor_clamps_span_around_the_middle():
    scale = TimeScale(T0, T0 + 10, 100)
    assert scale.span == MIN_SPAN
    assert scale.center == pytest.approx(T0 + 5)
    assert TimeScale(T0, T0 + 90 * 86400, 100).span == MAX_SPAN


def test_pan_by_pixels_and_seconds():
    scale = TimeScale(T0, T0 + 3600, 1200)  # 3 s per pixel
    moved = scale.pan_pixels(100)
    assert moved.start == pytest.approx(T0 + 300)
    assert moved.span == pytest.approx(3600)
    assert moved.pan_pixels(-100).start == pytest.approx(T0)
    assert scale.pan_seconds(-60).end == pytest.approx(T0 + 3540)


def test_bounds_keep_the_window_inside():
    bounds = (T0, T0 + 86400)
    scale = TimeScale(T0 + 3600, T0 + 7200, 800, bounds=bounds)
    assert scale.pan_pixels(-100_000).start == pytest.approx(T0)
    assert scale.pan_pixels(+100_000).end == pytest.approx(T0 + 86400)
    # Zooming out past the bounds shows exactly the bounds.
    out = scale.zoom_at(400, 1e-6)
    assert (out.start, out.end) == pytest.approx(bounds)
    # Bounds narrower than a minute: centred on them, one minute wide.
    tiny = TimeScale(T0, T0 + 600, 800, bounds=(T0, T0 + 10))
    assert tiny.span == MIN_SPAN and tiny.center == pytest.approx(T0 + 5)


def test_resizing_keeps_seconds_per_pixel_and_start():
    scale = TimeScale(T0, T0 + 3600, 900)
    wider = scale.with_width(1800)
    assert wider.start == T0
    assert wider.seconds_per_pixel == pytest.approx(scale.seconds_per_pixel)
    assert wider.span == pytest.approx(7200)


def test_with_range_normalises_and_centering():
    scale = TimeScale(T0, T0 + 3600, 900).with_range(T0 + 7200, T0 + 3600)
    assert (scale.start, scale.end) == (T0 + 3600, T0 + 7200)
    centred = scale.centered_on(T0)
    assert centred.center == pytest.approx(T0) and centred.span == pytest.approx(3600)
    assert centred.contains(T0) and not centred.contains(centred.end)


def test_arrays_map_like_scalars():
    scale = TimeScale(T0, T0 + 100, 100)
    times = np.array([T0, T0 + 50, T0 + 100])
    assert scale.to_x(times).tolist() == pytest.approx([0, 50, 100])


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_times_are_refused(bad):
    with pytest.raises(ValueError):
        TimeScale(bad, T0, 100)
    with pytest.raises(ValueError):
        TimeScale(T0, T0 + 60, 100).zoom_at(10, 0)
