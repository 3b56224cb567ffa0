from __future__ import annotations

import math
import statistics
import time

import numpy as np
import pytest

from faceter_viewer.core.timeline.events_binning import EventSeries, bin_events, cell_phase, group_cells
from faceter_viewer.core.timeline.scale import TimeScale

T0 = 1_776_000_000.0
NAMES = ("Motion", "Human", "Vehicle", "Face")


def random_series(rng, n, span=30 * 86400.0):
    times = rng.uniform(T0, T0 + span, n)
    return EventSeries.from_arrays(times, rng.integers(0, len(NAMES), n), NAMES)


def naive_bins(series, scale):
    counts = np.zeros((len(series.type_names), scale.width), dtype=np.int32)
    for t, code in zip(series.times, series.codes, strict=True):
        if scale.start <= t < scale.end:
            x = min(int((t - scale.start) * scale.width / scale.span), scale.width - 1)
            counts[code, x] += 1
    return counts


@pytest.mark.parametrize("span", [60.0, 3600.0, 86400.0, 30 * 86400.0])
@pytest.mark.parametrize("seed", [11, 12])
def test_binning_matches_a_naive_loop(span, seed):
    rng = np.random.default_rng(seed)
    series = random_series(rng, 20_000)
    offset = rng.uniform(0, 30 * 86400.0 - span)
    scale = TimeScale(T0 + offset, T0 + offset + span, 1920)
    assert np.array_equal(bin_events(series, scale), naive_bins(series, scale))


def test_edges_of_the_window():
    scale = TimeScale(T0, T0 + 100, 100)
    series = EventSeries.from_arrays([T0 - 0.001, T0, T0 + 99.999, T0 + 100], [0, 1, 2, 3], NAMES)
    counts = bin_events(series, scale)
    assert counts[1, 0] == 1 and counts[2, 99] == 1  # start included
    assert counts.sum() == 2  # before the start and at the end: not in view
    assert bin_events(EventSeries.empty(), scale).shape == (1, 100)


def test_hundred_thousand_events_bin_in_milliseconds():
    rng = np.random.default_rng(3)
    series = random_series(rng, 100_000)
    scale = TimeScale(T0, T0 + 30 * 86400, 1920)
    timings = []
    for _ in range(15):
        started = time.perf_counter()
        counts = bin_events(series, scale)
        timings.append(time.perf_counter() - started)
    assert counts.sum() == 100_000
    # Typically ~0.4 ms; a Python loop over the events would take ~50 ms. The bound is loose
    # because this machine is shared; the benchmark reports the real figure.
    assert statistics.median(timings) < 0.010


def test_series_sorts_and_validates():
    series = EventSeries.from_arrays([3.0, 1.0, 2.0, math.nan], [0, 1, 2, 0], NAMES)
    assert series.times.tolist() == [1.0, 2.0, 3.0]
    assert series.codes.tolist() == [1, 2, 0]
    with pytest.raises(ValueError):
        EventSeries.from_arrays([1.0], [4], NAMES)
    with pytest.raises(ValueError):
        EventSeries.from_arrays([1.0, 2.0], [0], NAMES)


def test_cells_sum_columns_and_pick_the_busiest_type():
    scale = TimeScale(T0, T0 + 120, 120)  # 1 s per pixel; T0 is a multiple of 12
    assert T0 % 12 == 0 and cell_phase(scale, 12) == 0
    times = [T0 + 1, T0 + 2, T0 + 3, T0 + 13, T0 + 14, T0 + 15, T0 + 16]
    codes = [0, 1, 1, 2, 2, 3, 3]  # cell 1: a tie between 2 and 3
    series = EventSeries.from_arrays(times, codes, NAMES)
    cells = group_cells(bin_events(series, scale), scale, 12)
    assert cells.x0.tolist() == list(range(0, 120, 12))
    assert cells.totals.tolist()[:3] == [3, 4, 0]
    assert cells.dominant().tolist()[:3] == [1, 2, -1]  # busiest; tie -> lower code; empty -> -1
    assert cells.counts.sum() == 7
    assert cells.cell_at(13.5) == 1 and cells.cell_at(-1) is None


def test_cells_are_anchored_to_time_so_panning_keeps_events_together():
    rng = np.random.default_rng(8)
    series = random_series(rng, 5000, span=7200)
    scale = TimeScale(T0 + 100, T0 + 3700, 1200)  # 3 s per pixel
    before = group_cells(bin_events(series, scale), scale, 12)
    for dx in (1, 5, 7, 30):
        panned = scale.pan_pixels(dx)
        after = group_cells(bin_events(series, panned), panned, 12)
        # The cell grid moves with the content: each cell boundary time is unchanged.
        boundary_times_before = {round(scale.to_time(x), 3) for x in before.x0.tolist()}
        boundary_times_after = {round(panned.to_time(x), 3) for x in after.x0.tolist()}
        shared = boundary_times_before & boundary_times_after
        assert len(shared) >= len(after.x0) - 4
        # And the same events are counted per shared cell.
        by_time_before = {round(scale.to_time(x), 3): before.counts[:, i].tolist() for i, x in enumerate(before.x0)}
        by_time_after = {round(panned.to_time(x), 3): after.counts[:, i].tolist() for i, x in enumerate(after.x0)}
        inner = sorted(shared)[1:-1]
        assert inner and all(by_time_before[t] == by_time_after[t] for t in inner)


def test_cells_with_a_phase_cover_every_column_once():
    scale = TimeScale(T0 + 5, T0 + 105, 100)  # phase: first boundary at T0+12 -> x=7
    series = EventSeries.from_arrays(T0 + 5 + np.arange(100) + 0.5, np.zeros(100, int), NAMES)
    cells = group_cells(bin_events(series, scale), scale, 12)
    assert cells.x0[0] < 0 and cells.x0[1] == 7
    assert cells.totals.tolist()[0] == 7
    assert cells.totals.sum() == 100


def test_merged_series_match_types_by_name_not_by_code():
    """A layout's timeline: every camera's events in one series. Each camera's table codes types
    its own way (unknown types are appended as they appear), so "Tamper" is code 1 in one part and
    code 0 in the other."""
    hall = EventSeries.from_arrays([T0 + 30, T0 + 10], [1, 0], ("Motion", "Tamper"))
    door = EventSeries.from_arrays([T0 + 20, T0 + 10], [0, 1], ("Tamper", "Human"))
    merged = EventSeries.merged([hall, door, EventSeries.empty()])
    assert merged.type_names == ("Motion", "Tamper", "Human")
    assert merged.times.tolist() == [T0 + 10, T0 + 10, T0 + 20, T0 + 30]
    assert [merged.type_names[c] for c in merged.codes] == ["Motion", "Human", "Tamper", "Tamper"]
    assert len(EventSeries.merged([])) == 0 and len(EventSeries.merged([EventSeries.empty()])) == 0
