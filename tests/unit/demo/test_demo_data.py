"""The demo dataset, archive layout, events and signatures, without a server."""

from __future__ import annotations

import time

import pytest

from faceter_viewer.api.models import SortOrder
from faceter_viewer.demo.archive import ArchiveLayout
from faceter_viewer.demo.dataset import DAY, build_dataset
from faceter_viewer.demo.events import DemoEvent, EventQuery, EventStore, merge_events
from faceter_viewer.demo.signing import ArchiveSigner, SignatureError

NOW = 1_795_000_000.0


@pytest.fixture(scope="module")
def dataset():
    return build_dataset(seed=5, count=12, archive_days=3, now=NOW)


def test_layout_is_on_the_segment_grid_with_gaps_and_an_open_end(dataset):
    camera = dataset.cameras[0]
    layout = ArchiveLayout.for_camera(camera, dataset.anchor)
    intervals = layout.intervals(NOW + 100)
    assert len(intervals) >= 3
    assert intervals[0][0] == dataset.anchor - 3 * DAY
    assert intervals[-1][1] == NOW + 100, "an online camera's archive ends at now"
    for (a, b), (c, _) in zip(intervals, intervals[1:], strict=False):
        assert a % 2 == 0 and b % 2 == 0 and a < b < c
    assert layout.intervals(NOW + 100)[-1][0] <= dataset.anchor - 20 * 60, "the last 20 min are whole"


def test_segments_and_seconds_of_a_window_across_a_gap(dataset):
    layout = ArchiveLayout.for_camera(dataset.cameras[0], dataset.anchor)
    (_, gap_start), (gap_end, _) = layout.fixed[0], layout.fixed[1]
    segments = layout.segments(gap_start - 3, gap_end + 4, NOW)
    assert segments == [gap_start - 4, gap_start - 2, gap_end, gap_end + 2]
    assert layout.seconds_between(gap_start - 3, gap_end + 4, NOW) == 7
    assert not layout.contains(gap_start, NOW) and layout.contains(gap_start - 0.5, NOW)


def test_offline_camera_archive_ends_at_last_online(dataset):
    offline = next(c for c in dataset.cameras if not c.is_online)
    layout = ArchiveLayout.for_camera(offline, dataset.anchor)
    assert layout.last_end(NOW + 10_000) == offline.last_online


def test_events_are_mostly_archived_and_sorted(dataset):
    camera = dataset.cameras[2]
    layout = ArchiveLayout.for_camera(camera, dataset.anchor)
    store = EventStore(lambda c: ArchiveLayout.for_camera(c, dataset.anchor), dataset.anchor)
    events, starts = store.generated(camera)
    assert starts == sorted(starts)
    archived = sum(layout.contains(e.start, NOW + DAY) for e in events)
    assert archived / len(events) > 0.85


def test_query_hides_future_events_and_pages(dataset):
    camera = dataset.cameras[0]
    store = EventStore(lambda c: ArchiveLayout.for_camera(c, dataset.anchor), dataset.anchor)
    items, has_more = store.query(camera, EventQuery(limit=10, sort=SortOrder.DESC), NOW)
    assert len(items) == 10 and has_more
    assert all(e.start <= NOW for e in items)
    later, _ = store.query(camera, EventQuery(limit=10, sort=SortOrder.DESC), NOW + 6 * 3600)
    assert later[0].start > items[0].start, "events keep happening as time passes"


def _event(type_: str, start: float, end: float, id_: str) -> DemoEvent:
    return DemoEvent(id=id_, camera_id="c", type=type_, start=start, end=end)


def test_merge_joins_same_type_events_closer_than_the_interval():
    events = [
        _event("Motion", 0, 10, "a"),
        _event("Human", 5, 6, "h"),
        _event("Motion", 15, 20, "b"),  # 5 s after a's end: merged with a
        _event("Motion", 40, 41, "c"),  # 20 s after: a group of its own
    ]
    merged = merge_events(events, 10)
    assert [(e.id, e.merged_count, e.end) for e in merged] == [("a", 2, 20), ("h", 1, 6), ("c", 1, 41)]


def test_signatures_expire_and_detect_tampering():
    clock = [1000.0]
    signer = ArchiveSigner(ttl=60, secret=b"s" * 32, clock=lambda: clock[0])
    token = signer.issue("archive-1")
    assert token.exp == 1060
    signer.verify("archive-1", token.signature, str(token.exp))
    with pytest.raises(SignatureError) as wrong:
        signer.verify("archive-2", token.signature, str(token.exp))
    assert wrong.value.status == 403
    with pytest.raises(SignatureError) as longer:
        signer.verify("archive-1", token.signature, str(token.exp + 1))
    assert longer.value.status == 403
    clock[0] = 1061.0
    with pytest.raises(SignatureError) as expired:
        signer.verify("archive-1", token.signature, str(token.exp))
    assert expired.value.status == 401


def test_five_thousand_cameras_build_fast():
    began = time.perf_counter()
    big = build_dataset(seed=1, count=5000, now=NOW)
    assert time.perf_counter() - began < 1.0
    assert len(big.by_id) == 5000 and len(big.by_archive_id) == 5000
