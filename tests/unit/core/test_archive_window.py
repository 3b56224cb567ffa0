from __future__ import annotations

import pytest

from faceter_viewer.core.archive_window import PlaylistWindow, plan_window, playlist_start_time
from faceter_viewer.core.timeline.intervals import ArchiveIntervals

NOW = 10_000.0
INTERVALS = ArchiveIntervals.from_pairs([(1000.0, 2000.0), (3000.0, 9000.0)])


def test_click_inside_a_recording_plays_to_its_end():
    window = plan_window(INTERVALS, 1500.0, NOW)
    assert (window.start, window.end) == (1500.0, 2000.0)
    assert not window.skipped_gap


def test_click_in_a_gap_starts_at_the_next_recording():
    window = plan_window(INTERVALS, 2500.0, NOW)
    assert window.start == 3000.0 and window.skipped_gap
    assert window.end == 3000.0 + 3600.0  # capped at an hour


def test_nothing_after_the_last_recording():
    assert plan_window(INTERVALS, 9500.0, NOW) is None


def test_window_never_reaches_past_now():
    window = plan_window(ArchiveIntervals.from_pairs([(0.0, 50_000.0)]), 9_990.0, NOW)
    assert window.end == NOW


def test_a_sliver_at_an_interval_end_moves_to_the_next():
    window = plan_window(INTERVALS, 1999.5, NOW)
    assert window.start == 3000.0


def test_position_maps_to_wall_time_from_the_playlist_first_frame():
    playlist = "#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:25:00Z\n#EXTINF:2.000,\nseg/1500.ts\n"
    window = PlaylistWindow(requested=1501.3, start=1501.3, end=2000.0).with_playlist(playlist)
    assert window.first_frame == 1500.0
    assert window.start_offset == pytest.approx(1.3)
    assert window.time_at(10.0) == 1510.0


def test_without_program_date_time_the_start_is_the_first_frame():
    assert playlist_start_time("#EXTM3U\n#EXTINF:2,\na.ts\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n", 42.0) == 42.0
    window = PlaylistWindow(10.0, 10.0, 20.0).with_playlist("#EXTM3U\n#EXTINF:2,\na.ts\n")
    assert window.start_offset == 0.0 and window.time_at(3.0) == 13.0


def test_offset_forms_of_program_date_time():
    text = "#EXTM3U\n#EXT-X-PROGRAM-DATE-TIME:2026-04-10T12:00:00.5+03:00\nx.ts\n"
    assert playlist_start_time(text, 0.0) == pytest.approx(1775811600.5)
