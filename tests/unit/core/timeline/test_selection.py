from __future__ import annotations

import math

import pytest

from faceter_viewer.core.timeline.scale import TimeScale
from faceter_viewer.core.timeline.selection import Handle, Selection, SelectionState, hit_test, make_selection

T0 = 1_776_000_000.0


def test_make_selection_normalises_and_measures():
    selection = make_selection(T0 + 50, T0 + 10)
    assert selection == Selection(T0 + 10, T0 + 50)
    assert selection.duration == 40
    assert selection.contains(T0 + 10) and selection.contains(T0 + 50) and not selection.contains(T0 + 51)
    with pytest.raises(ValueError):
        make_selection(math.nan, T0)


def test_minimum_length_grows_away_from_the_kept_edge():
    assert make_selection(T0, T0 + 0.2, min_length=1.0, keep=T0) == Selection(T0, T0 + 1)
    assert make_selection(T0, T0 + 0.2, min_length=1.0, keep=T0 + 0.2) == Selection(T0 - 0.8, T0 + 0.2)
    middle = make_selection(T0, T0, min_length=2.0)
    assert (middle.start, middle.end) == (T0 - 1, T0 + 1)


def test_bounds_clamp_and_keep_the_minimum():
    bounds = (T0, T0 + 100)
    assert make_selection(T0 - 50, T0 + 50, bounds=bounds) == Selection(T0, T0 + 50)
    assert make_selection(T0 + 90, T0 + 500, bounds=bounds) == Selection(T0 + 90, T0 + 100)
    # Entirely past the end: a minimum-length range at the end, still inside.
    assert make_selection(T0 + 200, T0 + 300, bounds=bounds, min_length=5) == Selection(T0 + 95, T0 + 100)
    assert make_selection(T0 - 9, T0 - 8, bounds=bounds, min_length=5) == Selection(T0, T0 + 5)


def test_edges_move_and_swap_when_dragged_past_each_other():
    selection = Selection(T0 + 10, T0 + 20)
    assert selection.with_edge(Handle.END, T0 + 30) == Selection(T0 + 10, T0 + 30)
    assert selection.with_edge(Handle.START, T0 + 15) == Selection(T0 + 15, T0 + 20)
    assert selection.with_edge(Handle.END, T0 + 5) == Selection(T0 + 5, T0 + 10)  # swapped
    assert selection.with_edge(Handle.END, T0 + 10.1, min_length=1.0) == Selection(T0 + 10, T0 + 11)


def test_hit_test_with_tolerance():
    scale = TimeScale(T0, T0 + 1000, 1000)  # 1 px per second
    selection = Selection(T0 + 100, T0 + 200)
    assert hit_test(selection, scale, 100) is Handle.START
    assert hit_test(selection, scale, 104.9) is Handle.START
    assert hit_test(selection, scale, 106) is None
    assert hit_test(selection, scale, 197) is Handle.END
    assert hit_test(selection, scale, 150) is None
    assert hit_test(None, scale, 100) is None
    narrow = Selection(T0 + 100, T0 + 104)
    assert hit_test(narrow, scale, 101) is Handle.START  # the closer one
    assert hit_test(narrow, scale, 103.5) is Handle.END
    point = Selection(T0 + 100, T0 + 100)
    assert hit_test(point, scale, 102) is Handle.END  # a tie: the side the mouse is on
    assert hit_test(point, scale, 98) is Handle.START


def test_brackets_mark_start_then_end():
    state = SelectionState(min_length=1.0)
    assert state.mark_start(T0 + 10) is None
    assert state.pending == (Handle.START, T0 + 10)
    assert state.mark_end(T0 + 40) == Selection(T0 + 10, T0 + 40)
    assert state.pending is None
    # With a selection, `[` moves its start; `]` moves its end.
    assert state.mark_start(T0 + 20) == Selection(T0 + 20, T0 + 40)
    assert state.mark_end(T0 + 60) == Selection(T0 + 20, T0 + 60)
    # `[` after the end starts afresh: the old range is gone, a lone start waits.
    assert state.mark_start(T0 + 100) is None
    assert state.pending == (Handle.START, T0 + 100)
    state.clear()
    assert state.selection is None and state.pending is None


def test_end_first_then_start():
    state = SelectionState()
    assert state.mark_end(T0 + 50) is None
    assert state.mark_start(T0 + 20) == Selection(T0 + 20, T0 + 50)
    state.clear()
    state.mark_end(T0 + 50)
    assert state.mark_end(T0 + 70) is None  # a second `]` just moves the lone end
    assert state.pending == (Handle.END, T0 + 70)


def test_state_applies_bounds_and_moves_edges():
    state = SelectionState(min_length=1.0)
    state.bounds = (T0, T0 + 100)
    assert state.set(T0 - 10, T0 + 150) == Selection(T0, T0 + 100)
    assert state.move_edge(Handle.START, T0 + 30) == Selection(T0 + 30, T0 + 100)
    assert state.set(T0 + 50, T0 + 50.2, keep=T0 + 50) == Selection(T0 + 50, T0 + 51)


def test_no_edge_goes_past_latest():
    state = SelectionState()
    state.latest = 1000.0
    state.mark_start(900.0)
    assert state.mark_end(1060.0) == Selection(900.0, 1000.0)  # `]` past now marks now
    state.clear()
    state.mark_end(1200.0)
    assert state.pending == (Handle.END, 1000.0)
    assert state.set(950.0, 1300.0) == Selection(950.0, 1000.0)  # a drag past now stops there
