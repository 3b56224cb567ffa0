"""A layout's timeline over real HTTP: three tiles' CameraViews on the demo service, the
LayoutTimelineSource fanning the widget's range out to each tile's TimelineDataService, and the
TimelineWidget painting the union and one track per camera.

The truth is the demo service's own recording layout (what its Archive API answers from), not
what the app loaded. FakeBackend plays: nothing here depends on decoding.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

import numpy as np
import pytest
from PySide6.QtGui import QColor

from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.core.timeline.scale import TimeScale
from faceter_viewer.services.camera_view import CameraView
from faceter_viewer.services.layout_timeline import LayoutTimelineSource
from faceter_viewer.ui.timeline_painter import COLORS
from faceter_viewer.ui.timeline_widget import TimelineWidget
from tests.helpers.fake_backend import FakeBackend
from tests.helpers.sessions import session  # noqa: F401 (fixture)

# Three cameras with archive access whose gaps fall at different times in the last 36 hours
# (demo/dataset.py, seed 7); "Loading Dock" is offline, its archive ends a day ago.
TITLES = ("Entrance", "Storage", "Loading Dock")
NO_ACCESS = "Server Room"
WIDTH = 1000


def truth(demo_service, camera, lo: float, hi: float) -> ArchiveIntervals:
    spec = next(s for s in demo_service.cameras if s.id == camera.id)
    pairs = demo_service.state.layout(spec).intervals(demo_service.state.now())
    return ArchiveIntervals.from_pairs(pairs).clipped(lo, hi)


def columns(intervals: ArchiveIntervals, scale: TimeScale) -> np.ndarray:
    return intervals.covered_columns(scale)


@pytest.fixture
def layout(qtbot, session, demo_client):
    by_title = {c.title: c for c in demo_client.list_cameras()}
    views = [CameraView(session, FakeBackend()) for _ in TITLES]
    for view, title in zip(views, TITLES, strict=True):
        view.set_camera(by_title[title])
    source = LayoutTimelineSource()
    source.set_views([views[0], None, views[1], views[2], views[0]])  # an empty tile; a camera twice
    yield views, source, by_title
    source.close()
    for view in views:
        view.close()


def test_the_layout_timeline_shows_the_union_of_its_tiles_archive(qtbot, demo_service, layout):
    views, source, by_title = layout
    anchor = demo_service.dataset.anchor
    lo, hi = anchor - 130_000.0, anchor - 2_000.0  # settled archive, away from the growing edge
    widget = TimelineWidget(None, tz=ZoneInfo("Europe/Berlin"), now=anchor)
    qtbot.addWidget(widget)
    widget.set_visible_range(lo, hi)
    widget.set_show_tracks(True)
    widget.follow_source(source)
    widget.resize(WIDTH, widget.sizeHint().height())
    widget.show()
    qtbot.waitExposed(widget)
    qtbot.waitUntil(lambda: source.idle and len(source.tracks) == 3 and len(source.intervals) > 0, timeout=30000)
    assert widget.visible_range() == (lo, hi)

    cameras = [by_title[title] for title in TITLES]
    expected = [truth(demo_service, camera, lo, hi) for camera in cameras]
    union = ArchiveIntervals.union(expected)
    shown = source.intervals.clipped(lo, hi)
    assert np.array_equal(shown.starts, union.starts) and np.array_equal(shown.ends, union.ends)
    assert [t.title for t in source.tracks] == list(TITLES), "one track per camera, in tile order"
    for track, camera_truth in zip(source.tracks, expected, strict=True):
        mine = track.intervals.clipped(lo, hi)
        assert np.array_equal(mine.starts, camera_truth.starts) and np.array_equal(mine.ends, camera_truth.ends)
        assert camera_truth.total_duration < union.total_duration, "the union is more than any one camera"
    assert union.gaps_between(lo, hi), "the window has a moment none of them recorded"

    # What is painted: the union on the bar, each camera's own archive on its track.
    image = widget.grab().toImage()
    rows = widget.layout_rows()
    scale = widget.scale
    assert rows.track_count == 3 and scale.width == WIDTH

    inner = slice(4, WIDTH - 4)  # inside the focus frame

    def painted(y: int, colour: int) -> np.ndarray:
        return np.array([image.pixelColor(x, y).name() == QColor.fromRgba(colour).name() for x in range(WIDTH)])[inner]

    bar = painted(rows.archive_top + rows.archive_h // 2, COLORS.archive)
    assert np.array_equal(bar, columns(union, scale)[inner])
    assert not bar.all(), "the common gap is painted"
    for index, camera_truth in enumerate(expected):
        on_track = painted(rows.track_top(index) + 1, COLORS.track)
        assert np.array_equal(on_track, columns(camera_truth, scale)[inner]), TITLES[index]

    # A tile switched to a camera without archive access: its track is empty, the union shrinks.
    views[2].set_camera(by_title[NO_ACCESS])
    qtbot.waitUntil(lambda: source.idle and [t.title for t in source.tracks][2] == NO_ACCESS, timeout=30000)
    assert not source.tracks[2].has_archive
    smaller = ArchiveIntervals.union(expected[:2]).clipped(lo, hi)
    qtbot.waitUntil(lambda: np.array_equal(source.intervals.clipped(lo, hi).starts, smaller.starts), timeout=10000)
    assert widget.note() == ""  # two of the three still have archive: the tracks say which does not

    # A range moved by the widget reaches every tile: the day before, loaded and joined the same way.
    day = 86400.0
    widget.set_visible_range(lo - day, hi - day)
    before = ArchiveIntervals.union([truth(demo_service, c, lo - day, hi - day) for c in cameras[:2]])
    qtbot.waitUntil(
        lambda: source.idle and np.array_equal(source.intervals.clipped(lo - day, hi - day).ends, before.ends), timeout=30000
    )


