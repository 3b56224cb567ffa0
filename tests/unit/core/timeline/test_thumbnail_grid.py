from __future__ import annotations

import numpy as np
import pytest

from faceter_viewer.core.timeline.scale import TimeScale
from faceter_viewer.core.timeline.thumbnail_grid import NICE_STEPS, ThumbnailGrid, grid_for_scale, nice_step

T0 = 1_776_000_000.0


@pytest.mark.parametrize("span", [60.0, 600.0, 3600.0, 6 * 3600.0, 86400.0, 7 * 86400.0, 30 * 86400.0])
@pytest.mark.parametrize("width", [640, 1920])
def test_about_one_bucket_per_four_pixels(span, width):
    scale = TimeScale(T0, T0 + span, width)
    grid = grid_for_scale(scale)
    assert grid.step in NICE_STEPS
    pixels_per_bucket = grid.step / scale.seconds_per_pixel
    assert pixels_per_bucket >= 4 or grid.step == NICE_STEPS[0]
    smaller = [s for s in NICE_STEPS if s < grid.step]
    assert not smaller or smaller[-1] / scale.seconds_per_pixel < 4  # the finest that is >= 4 px
    # Hence never more requests than a quarter of the width, at any zoom.
    assert len(grid.bucket_times(scale.start, scale.end)) <= width / 4 + 1 or grid.step == NICE_STEPS[0]


def test_nice_step_table():
    assert nice_step(0.1) == 1
    assert nice_step(3) == 5
    assert nice_step(5) == 5
    assert nice_step(61) == 120
    assert nice_step(10 * 86400) == 86400


def test_hovering_nearby_repeats_the_same_bucket_time():
    grid = ThumbnailGrid(10.0)
    assert grid.bucket_time(T0 + 3) == T0
    assert grid.bucket_time(T0 + 4.99) == T0
    assert grid.bucket_time(T0 + 5.01) == T0 + 10
    hovers = T0 + np.linspace(-4.9, 4.9, 50)
    assert {grid.bucket_time(t) for t in hovers} == {T0}
    assert grid.bucket_index(T0 + 12) == int(T0 / 10) + 1


def test_bucket_time_is_idempotent_and_near():
    rng = np.random.default_rng(4)
    for step in NICE_STEPS:
        grid = ThumbnailGrid(step)
        for t in rng.uniform(T0, T0 + 86400, 50):
            bucket = grid.bucket_time(t)
            assert abs(bucket - t) <= step / 2 + 1e-6
            assert grid.bucket_time(bucket) == bucket


def test_bucket_times_in_a_range():
    grid = ThumbnailGrid(15.0)
    times = grid.bucket_times(T0 + 1, T0 + 61)
    assert times.tolist() == [T0 + 15, T0 + 30, T0 + 45, T0 + 60]
