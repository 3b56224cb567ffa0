from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.core.timeline.scale import TimeScale

T0 = 1_776_000_000.0


def random_intervals(rng, n, span):
    """Recordings from 1 s to 20 min with gaps from sub-second to hours, over `span` seconds."""
    starts = np.sort(rng.uniform(T0, T0 + span, n))
    return ArchiveIntervals.from_arrays(starts, starts + rng.exponential(120, n) + 1)


def naive_covered(intervals, scale):
    """One interval at a time: round both edges, at least one column, clip to the view."""
    covered = np.zeros(scale.width, dtype=bool)
    for s, e in zip(intervals.starts, intervals.ends, strict=True):
        if e <= scale.start or s >= scale.end:
            continue
        x0 = min(max(math.floor(scale.to_x(s) + 0.5), 0), scale.width - 1)
        x1 = min(max(math.floor(scale.to_x(e) + 0.5), 0), scale.width)
        covered[x0 : max(x1, x0 + 1)] = True
    return covered


def test_from_arrays_sorts_merges_and_drops_empty():
    intervals = ArchiveIntervals.from_arrays(
        [50, 0, 10, 30, 100, 200, math.nan], [60, 10, 20, 40, 100, 250, 300]
    )  # [0,10] touches [10,20]; [100,100] is empty; NaN dropped
    assert intervals.starts.tolist() == [0, 30, 50, 200]
    assert intervals.ends.tolist() == [20, 40, 60, 250]
    nested = ArchiveIntervals.from_pairs([(0, 100), (10, 20), (50, 150), (200, 210)])
    assert list(zip(nested.starts, nested.ends, strict=True)) == [(0, 150), (200, 210)]
    assert nested.total_duration == 160
    with pytest.raises(ValueError):
        ArchiveIntervals.from_arrays([1, 2], [3])
    assert len(ArchiveIntervals.from_arrays([], [])) == 0


@given(
    pairs=st.lists(st.tuples(st.floats(0, 1000), st.floats(0.001, 100)), max_size=40),
    t0=st.floats(-50, 1100),
    length=st.floats(0, 300),
)
def test_visible_slice_matches_a_linear_scan(pairs, t0, length):
    intervals = ArchiveIntervals.from_pairs([(s, s + d) for s, d in pairs])
    t1 = t0 + length
    window = intervals.visible_slice(t0, t1)
    expected = [i for i in range(len(intervals)) if intervals.ends[i] > t0 and intervals.starts[i] < t1]
    assert list(range(len(intervals))[window]) == expected


@pytest.mark.parametrize("span", [60.0, 3600.0, 86400.0, 30 * 86400.0])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pixel_coverage_matches_naive_per_interval_painting(span, seed):
    rng = np.random.default_rng(seed)
    intervals = random_intervals(rng, 2000, 30 * 86400.0)
    offset = rng.uniform(0, 30 * 86400.0 - span)
    scale = TimeScale(T0 + offset, T0 + offset + span, 1920)
    assert np.array_equal(intervals.covered_columns(scale), naive_covered(intervals, scale))


def test_ten_thousand_intervals_become_at_most_one_span_per_two_pixels():
    rng = np.random.default_rng(5)
    starts = np.sort(rng.uniform(T0, T0 + 30 * 86400, 10_000))
    intervals = ArchiveIntervals.from_arrays(starts, starts + rng.uniform(5, 200, 10_000))
    scale = TimeScale(T0, T0 + 30 * 86400, 1920)
    spans = intervals.pixel_spans(scale)
    assert len(intervals) > 5000
    assert len(spans) <= 1920 // 2
    assert np.all(spans.x0[1:] > spans.x1[:-1])  # separate spans keep at least one gap column
    assert np.all(spans.x1 > spans.x0)


def test_sub_pixel_gaps_merge_and_wider_gaps_stay():
    scale = TimeScale(T0, T0 + 1000, 1000)  # 1 s per pixel
    intervals = ArchiveIntervals.from_pairs(
        [(T0 + 10, T0 + 20), (T0 + 20.4, T0 + 30), (T0 + 33, T0 + 40), (T0 + 500, T0 + 500.01)]
    )
    spans = intervals.pixel_spans(scale)
    assert spans.x0.tolist() == [10, 33, 500]  # 0.4 px gap merged, 3 px gap kept
    assert spans.x1.tolist() == [30, 40, 501]  # a 10 ms clip still gets its column


def test_spans_are_clipped_to_the_view():
    scale = TimeScale(T0, T0 + 100, 100)
    intervals = ArchiveIntervals.from_pairs([(T0 - 50, T0 + 10), (T0 + 90, T0 + 500)])
    spans = intervals.pixel_spans(scale)
    assert spans.x0.tolist() == [0, 90] and spans.x1.tolist() == [10, 100]
    assert len(ArchiveIntervals.from_pairs([(T0 - 50, T0 - 10)]).pixel_spans(scale)) == 0


def test_gap_search_for_jumping_over_gaps():
    intervals = ArchiveIntervals.from_pairs([(0, 10), (20, 30), (50, 60)])
    assert intervals.next_start_after(5) == 20
    assert intervals.next_start_after(10) == 20
    assert intervals.next_start_after(20) == 50  # strictly after
    assert intervals.next_start_after(55) is None
    assert intervals.interval_at(25) == (20, 30)
    assert intervals.interval_at(30) is None  # [start, end)
    assert intervals.playable_from(25) == 25
    assert intervals.playable_from(35) == 50
    assert intervals.playable_from(-5) == 0
    assert intervals.playable_from(70) is None
    assert intervals.previous_end_before(40) == 30
    assert intervals.previous_end_before(5) is None
    assert intervals.gaps_between(5, 55) == [(10, 20), (30, 50)]
    assert intervals.gaps_between(0, 10) == []
    assert intervals.playable_from(10) == 20  # at a recording's very end: the gap after it
    assert intervals.playable_from(20) == 20


def test_clipped_keeps_the_parts_inside_the_window():
    intervals = ArchiveIntervals.from_pairs([(0, 10), (20, 30), (50, 60)])
    clipped = intervals.clipped(5, 25)
    assert list(zip(clipped.starts.tolist(), clipped.ends.tolist(), strict=True)) == [(5, 10), (20, 25)]
    assert len(intervals.clipped(10, 20)) == 0  # [start, end): the window touches, nothing inside
    assert len(intervals.clipped(-math.inf, math.inf)) == 3


def test_with_tail_replaces_everything_from_since_on():
    head = ArchiveIntervals.from_pairs([(0, 10), (20, 40)])
    # The refresh from 30 on says the recording went on to 45 and another one started.
    tail = ArchiveIntervals.from_pairs([(28, 45), (50, 55)])
    joined = head.with_tail(tail, since=30)
    assert list(zip(joined.starts.tolist(), joined.ends.tolist(), strict=True)) == [(0, 10), (20, 45), (50, 55)]
    # What the head said after `since` is gone when the tail no longer says it.
    shrunk = head.with_tail(ArchiveIntervals.empty(), since=30)
    assert shrunk.ends.tolist() == [10, 30]


@given(st.lists(st.lists(st.tuples(st.integers(0, 200), st.integers(1, 30)), max_size=8), max_size=4))
def test_union_covers_exactly_the_seconds_of_its_parts(parts):
    pieces = [ArchiveIntervals.from_pairs((s, s + d) for s, d in part) for part in parts]
    union = ArchiveIntervals.union(pieces)
    assert np.all(union.starts[1:] > union.ends[:-1]), "sorted, merged, borders gone"
    covered = {t for part in parts for s, d in part for t in range(s, s + d)}
    assert {t for s, e in zip(union.starts, union.ends, strict=True) for t in range(int(s), int(e))} == covered


def test_nbytes_grows_with_the_intervals():
    small = ArchiveIntervals.from_pairs([(0, 1)])
    large = ArchiveIntervals.from_arrays(np.arange(0, 2000, 2), np.arange(1, 2001, 2))
    assert large.nbytes - small.nbytes == 999 * 16


def test_the_union_of_a_layout_shows_archive_where_any_camera_has_some():
    """Three cameras of a layout with gaps at different times: the layout's timeline has a gap
    only where all three have one; a camera without archive adds nothing."""
    hall = ArchiveIntervals.from_pairs([(0, 100), (200, 300)])
    door = ArchiveIntervals.from_pairs([(90, 150), (400, 500)])
    yard = ArchiveIntervals.from_pairs([(300, 350)])  # touches hall's end: one run
    union = ArchiveIntervals.union([hall, door, yard, ArchiveIntervals.empty()])
    assert list(zip(union.starts.tolist(), union.ends.tolist(), strict=True)) == [(0, 150), (200, 350), (400, 500)]
    assert union.gaps_between(0, 500) == [(150, 200), (350, 400)]
    assert union.playable_from(160) == 200  # a click in the common gap plays from the first recording after it
    assert len(ArchiveIntervals.union([])) == 0 and len(ArchiveIntervals.union([ArchiveIntervals.empty()])) == 0
