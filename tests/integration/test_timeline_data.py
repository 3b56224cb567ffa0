"""TimelineDataService against the demo service over real HTTP: intervals as the Archive API says,
the /recordings fallback, events across pages, coalesced zoom/pan, chunk reuse, refresh."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from faceter_viewer.api import IntegrationClient
from faceter_viewer.api.models import Camera, EventType, NewEvent
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from faceter_viewer.core.timeline.chunks import SETTLE_SECONDS, wanted_chunks
from faceter_viewer.core.timeline.intervals import ArchiveIntervals
from faceter_viewer.services.timeline_data import TimelineDataService
from tests.helpers.demo_fixtures import FAST_RETRY, find_gap

HOUR, DAY = 3600, 86400


@pytest.fixture
def session(fast_retry_client) -> Iterator[Session]:
    runner = TaskRunner(max_workers=2)
    yield Session(fast_retry_client, runner)
    runner.shutdown()


@pytest.fixture
def make_service(qtbot, session) -> Iterator:
    services: list[TimelineDataService] = []

    def make(session_=None, **options) -> TimelineDataService:
        service = TimelineDataService(session_ or session, **options)
        services.append(service)
        return service

    yield make
    for service in services:
        service.close()


class Recorder:
    def __init__(self, service: TimelineDataService) -> None:
        self.intervals: list[tuple[np.ndarray, np.ndarray]] = []
        self.events: list[tuple[np.ndarray, np.ndarray, list[str]]] = []
        self.failed: list[str] = []
        self.sources: list[str] = []
        self.loading: list[bool] = []
        service.intervals_changed.connect(lambda s, e: self.intervals.append((s, e)))
        service.events_changed.connect(lambda t, c, n: self.events.append((t, c, n)))
        service.failed.connect(lambda text, _details: self.failed.append(text))
        service.source_changed.connect(self.sources.append)
        service.loading_changed.connect(self.loading.append)


def requests(demo_service, suffix: str) -> int:
    return sum(n for path, n in demo_service.state.request_counts.items() if path.endswith(suffix))


def camera_model(demo_service, client, index: int) -> Camera:
    return client.get_camera(demo_service.cameras[index].id)


def truth_intervals(archive, start: float, end: float) -> list[tuple[float, float]]:
    parts = archive.timeline(start, end)
    # Straight from the wire's milliseconds, not through the model's seconds properties the
    # service uses, so a wrong conversion there cannot hide in both sides.
    merged = ArchiveIntervals.from_arrays(
        np.array([p.time / 1000 for p in parts]), np.array([(p.time + p.duration) / 1000 for p in parts])
    )
    return list(zip(merged.starts.tolist(), merged.ends.tolist(), strict=True))


def shown_in(recorder: Recorder, start: float, end: float) -> list[tuple[float, float]]:
    starts, ends = recorder.intervals[-1]
    assert np.all(np.diff(starts) > 0) and np.all(starts[1:] > ends[:-1]), "sorted and merged"
    assert starts.dtype == np.float64 and ends.dtype == np.float64
    clipped = [(max(a, start), min(b, end)) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return [(a, b) for a, b in clipped if b > a]


def load(qtbot, service: TimelineDataService, start: float, end: float) -> None:
    service.request_range(start, end)
    qtbot.waitUntil(lambda: service.idle, timeout=20000)


@pytest.mark.parametrize("span", [10 * 60, 6 * HOUR, 3 * DAY], ids=["10min", "6h", "3days"])
def test_intervals_equal_what_the_archive_timeline_says(
    qtbot, make_service, demo_service, fast_retry_client, span
):
    camera = camera_model(demo_service, fast_retry_client, 10)  # many gaps
    service = make_service()
    seen = Recorder(service)
    service.set_camera(camera)
    # The dataset is anchored to the wall clock, so a fixed offset can fall in a gap, or (for
    # the 6-h window) inside one long recording: end the window inside the latest recording
    # before anchor - 2 h whose window also holds the end of an earlier one (a gap to show).
    latest = demo_service.dataset.anchor - 2 * HOUR
    recorded = truth_intervals(fast_retry_client.archive(camera), latest - 4 * DAY, latest)
    ends = [min(latest, e) - 7.5 for _, e in recorded]
    wanted_gap = span > HOUR
    end = next(
        e for i, e in reversed(list(enumerate(ends))) if not wanted_gap or (i > 0 and recorded[i - 1][1] > e - span)
    )
    start = end - span
    load(qtbot, service, start, end)
    truth = truth_intervals(fast_retry_client.archive(camera), start, end)
    assert len(truth) > (1 if span > HOUR else 0)
    assert shown_in(seen, start, end) == truth
    assert service.source == "archive" and not seen.failed and not seen.sources
    assert seen.loading[0] is True and seen.loading[-1] is False


def test_request_range_never_blocks_even_when_the_service_is_slow(
    qtbot, make_service, demo_service, fast_retry_client, demo_faults
):
    demo_faults.add("latency", "/timeline", delay=0.5)
    demo_faults.add("latency", "/events", delay=0.5)
    service = make_service()
    seen = Recorder(service)
    service.set_camera(camera_model(demo_service, fast_retry_client, 0))
    end = demo_service.dataset.anchor - 5 * HOUR
    started = time.perf_counter()
    for step in range(50):
        service.request_range(end - HOUR - step * 60, end - step * 60)
    assert time.perf_counter() - started < 0.05
    qtbot.waitUntil(lambda: seen.loading == [True], timeout=5000)
    qtbot.waitUntil(lambda: service.idle, timeout=20000)
    assert seen.loading[-1] is False


def test_events_across_pages_have_no_duplicates_and_match_the_service(
    qtbot, make_service, demo_service, fast_retry_client
):
    camera = camera_model(demo_service, fast_retry_client, 0)
    service = make_service(events_page_size=100)  # many pages per chunk
    seen = Recorder(service)
    service.set_camera(camera)
    end = demo_service.dataset.anchor - 3 * HOUR
    start = end - 30 * HOUR
    before = requests(demo_service, "/events")
    load(qtbot, service, start, end)
    times, codes, names = seen.events[-1]
    shown = service.events_between(-np.inf, np.inf)
    ids = [e.id for e in shown]
    assert len(ids) == len(set(ids)) == len(times) == len(codes) > 300
    assert np.all(np.diff(times) >= 0) and times.dtype == np.float64 and codes.dtype == np.int16
    assert [names[c] for c in codes] == [e.type for e in shown]
    assert names[: len(EventType)] == [str(t) for t in EventType]
    # The same events as one direct query over the chunks shown (API bounds are inclusive, ours
    # end-exclusive, hence the filter).
    chunks = wanted_chunks(start, end)
    lo, hi = min(c.start for c in chunks), max(c.end for c in chunks)
    direct = [
        e
        for e in fast_retry_client.iter_events(
            camera.id, start=datetime.fromtimestamp(lo, UTC), end=datetime.fromtimestamp(hi, UTC), page_size=1000
        )
        if e.start_time.timestamp() < hi
    ]
    assert set(ids) == {e.id for e in direct}
    assert requests(demo_service, "/events") - before >= len(direct) // 100
    # events_between is inclusive at both ends and in time order
    a, b = float(times[10]), float(times[40])
    between = service.events_between(a, b)
    assert [e.id for e in between] == ids[np.searchsorted(times, a, "left") : np.searchsorted(times, b, "right")]


def test_unknown_event_types_are_appended_after_the_known_ones(qtbot, make_service, make_demo_service):
    demo = make_demo_service()
    with IntegrationClient(demo.integration_key, demo.base_url) as client:
        camera = client.get_camera(demo.cameras[0].id)
        # Exactly on a chunk border (6-h chunks for a 2-h span): the API's end bound is inclusive,
        # so both neighbouring chunks get it; it must be shown once.
        at = float((demo.dataset.anchor - 4 * HOUR) // (6 * HOUR) * (6 * HOUR))
        client.create_event(camera.id, NewEvent(start_date=datetime.fromtimestamp(at, UTC), event_type="Doorbell"))
        runner = TaskRunner(max_workers=2)
        try:
            service = make_service(Session(client, runner))
            seen = Recorder(service)
            service.set_camera(camera)
            load(qtbot, service, at - HOUR, at + HOUR)
            times, codes, names = seen.events[-1]
            assert names[: len(EventType)] == [str(t) for t in EventType]
            assert names[len(EventType) :] == ["Doorbell"]
            index = int(np.flatnonzero(times == at)[0])
            assert names[codes[index]] == "Doorbell"
            assert [e.type for e in service.events_between(at, at)].count("Doorbell") == 1
            assert len({e.id for e in service.events_between(-np.inf, np.inf)}) == len(times)
        finally:
            service.close()
            runner.shutdown()


def test_falls_back_to_recordings_when_the_timeline_route_fails(
    qtbot, make_service, demo_service, fast_retry_client, demo_faults
):
    demo_faults.add("error_rate", "/timeline", probability=1.0, status=500)
    camera = camera_model(demo_service, fast_retry_client, 10)
    service = make_service()
    seen = Recorder(service)
    service.set_camera(camera)
    end = demo_service.dataset.anchor - 2 * HOUR
    start = end - 12 * HOUR
    load(qtbot, service, start, end)
    assert seen.sources == ["recordings"] and service.source == "recordings"
    assert requests(demo_service, "/recordings") >= 1
    demo_faults.clear()
    assert shown_in(seen, start, end) == truth_intervals(fast_retry_client.archive(camera), start, end)
    assert not seen.failed
    # retry() goes back to the Archive API now that it answers again.
    service.retry()
    qtbot.waitUntil(lambda: service.idle, timeout=20000)
    assert seen.sources == ["recordings", "archive"]
    assert shown_in(seen, start, end) == truth_intervals(fast_retry_client.archive(camera), start, end)


def test_a_camera_without_an_archive_api_address_uses_recordings(
    qtbot, make_service, demo_service, fast_retry_client
):
    camera = camera_model(demo_service, fast_retry_client, 1)
    no_address = camera.model_copy(update={"archive_api_url": None})
    service = make_service()
    seen = Recorder(service)
    before = requests(demo_service, "/timeline")
    service.set_camera(no_address)
    end = demo_service.dataset.anchor - 3 * HOUR
    load(qtbot, service, end - 2 * DAY, end)
    assert service.source == "recordings" and seen.sources == ["recordings"]
    assert requests(demo_service, "/timeline") == before
    start = end - 2 * DAY
    assert shown_in(seen, start, end) == truth_intervals(fast_retry_client.archive(camera), start, end)


def test_a_camera_without_archive_grant_shows_events_and_no_failure_banner(
    qtbot, make_service, demo_service, fast_retry_client
):
    camera = camera_model(demo_service, fast_retry_client, 4)
    service = make_service()
    seen = Recorder(service)
    service.set_camera(camera)
    end = demo_service.dataset.anchor - HOUR
    load(qtbot, service, end - DAY, end)
    assert seen.sources == ["recordings"]
    # /recordings is refused too: that is what this camera is (CameraView.status says so in
    # place), not a failure to announce at every visit.
    assert seen.failed == []
    assert len(seen.intervals[-1][0]) == 0
    assert len(seen.events[-1][0]) > 100
    # A failure is not asked again in a loop: one /recordings request, even after more pans.
    before = requests(demo_service, "/recordings")
    load(qtbot, service, end - DAY - HOUR, end - HOUR)
    assert requests(demo_service, "/recordings") == before
    assert seen.failed == []


def test_fifty_zoom_steps_cost_a_handful_of_requests(qtbot, make_service, demo_service, fast_retry_client):
    camera = camera_model(demo_service, fast_retry_client, 10)
    service = make_service()
    seen = Recorder(service)
    service.set_camera(camera)
    centre = demo_service.dataset.anchor - 1.6 * DAY - 1234.5  # the widest range still ends in the past
    timeline_before, events_before = requests(demo_service, "/timeline"), requests(demo_service, "/events")
    spans = np.geomspace(60, 3 * DAY, 50)  # a wheel zoom from one minute out to three days
    for span in spans:
        service.request_range(centre - span / 2, centre + span / 2)
        QApplication.processEvents()  # each step is its own event-loop turn, as wheel events are
    qtbot.waitUntil(lambda: service.idle, timeout=20000)
    timeline_requests = requests(demo_service, "/timeline") - timeline_before
    event_requests = requests(demo_service, "/events") - events_before
    print(f"50 zoom steps: {timeline_requests} timeline, {event_requests} events requests")
    # Loads wait for the range to settle and then serve only the newest one: about the final
    # range's chunks (at most 3), against 50 x 3 if every step were loaded.
    assert 1 <= timeline_requests <= 5, timeline_requests
    assert 1 <= event_requests <= 8, event_requests  # a chunk with over 1,000 events takes 2 pages
    start, end = centre - spans[-1] / 2, centre + spans[-1] / 2
    assert shown_in(seen, start, end) == truth_intervals(fast_retry_client.archive(camera), start, end)

    # 50 calls within one event-loop turn are one planning pass.
    timeline_before = requests(demo_service, "/timeline")
    for step in range(50):
        service.request_range(centre + 5 * DAY + step, centre + 5 * DAY + step + HOUR)
    qtbot.waitUntil(lambda: service.idle, timeout=20000)
    assert requests(demo_service, "/timeline") - timeline_before <= 3


def test_panning_back_and_zooming_in_reuse_cached_chunks(qtbot, make_service, demo_service, fast_retry_client):
    camera = camera_model(demo_service, fast_retry_client, 10)
    service = make_service()
    seen = Recorder(service)
    service.set_camera(camera)
    end = demo_service.dataset.anchor - 30 * HOUR
    a = (end - 2 * HOUR, end)
    b = (a[0] + 8 * HOUR, a[1] + 8 * HOUR)
    zoom = (a[0] + 1800, a[0] + 2400)  # ten minutes inside a
    archive = fast_retry_client.archive(camera)
    truth_a, truth_zoom = truth_intervals(archive, *a), truth_intervals(archive, *zoom)  # before counting
    load(qtbot, service, *a)
    load(qtbot, service, *b)
    counts = requests(demo_service, "/timeline"), requests(demo_service, "/events")
    emitted = len(seen.intervals)
    load(qtbot, service, *a)  # pan back
    assert len(seen.intervals) > emitted, "shown again from the cache"
    assert shown_in(seen, *a) == truth_a
    load(qtbot, service, *zoom)  # zoom in
    assert shown_in(seen, *zoom) == truth_zoom
    assert (requests(demo_service, "/timeline"), requests(demo_service, "/events")) == counts
    inside = [e for e in service.events_between(*a) if zoom[0] <= e.start_time.timestamp() <= zoom[1]]
    assert service.events_between(*zoom) == inside


def test_the_chunk_with_now_is_refreshed_and_grows(qtbot, make_service, demo_service, fast_retry_client):
    camera = camera_model(demo_service, fast_retry_client, 0)  # online: its archive grows
    service = make_service(refresh_seconds=0.5)
    seen = Recorder(service)
    service.set_camera(camera)
    now = float(int(time.time()))  # whole seconds, like the API's own answers
    load(qtbot, service, now - 600, now + 60)
    first_end = float(seen.intervals[-1][1][-1])
    before = requests(demo_service, "/timeline")
    # New 2-s segments keep being archived: a refresh shows a later end.
    qtbot.waitUntil(lambda: float(seen.intervals[-1][1][-1]) >= first_end + 2, timeout=15000)
    assert requests(demo_service, "/timeline") > before
    # Only the tail was asked again; joined to the head, it is still what the archive says.
    truth = truth_intervals(fast_retry_client.archive(camera), now - 600, first_end)
    assert shown_in(seen, now - 600, first_end) == truth
    service.set_active(False)
    qtbot.waitUntil(lambda: service.idle, timeout=5000)


def test_refresh_asks_only_for_the_tail_of_the_chunk_with_now(qtbot, make_service, make_demo_service):
    demo = make_demo_service()
    with IntegrationClient(demo.integration_key, demo.base_url) as client:
        windows: list[tuple[float, float]] = []
        iter_events = client.iter_events

        def spy(camera_id, **options):  # records the asked windows, then asks for real
            windows.append((options["start"].timestamp(), options["end"].timestamp()))
            return iter_events(camera_id, **options)

        client.iter_events = spy  # type: ignore[method-assign]
        camera = client.get_camera(demo.cameras[0].id)
        runner = TaskRunner(max_workers=2)
        service = make_service(Session(client, runner), refresh_seconds=0.5, events_page_size=10)
        try:
            service.set_camera(camera)
            now = time.time()
            load(qtbot, service, now - 5 * HOUR, now + 60)
            first_load = len(windows)
            before = {e.id for e in service.events_between(-np.inf, np.inf)}
            assert len(before) > 10  # a full reload would take several pages
            new = NewEvent(start_date=datetime.fromtimestamp(time.time() - 1, UTC), event_type="Custom")
            client.create_event(camera.id, new)
            qtbot.waitUntil(
                lambda: new.event_id in {e.id for e in service.events_between(-np.inf, np.inf)}, timeout=15000
            )
            after = {e.id for e in service.events_between(-np.inf, np.inf)}
            assert before | {new.event_id} == after
            refreshes = windows[first_load:]
            assert refreshes and all(start >= now - SETTLE_SECONDS - 1 for start, _ in refreshes), refreshes
        finally:
            service.close()
            runner.shutdown()


def test_playable_from_jumps_over_a_gap(qtbot, make_service, demo_service, fast_retry_client):
    camera = camera_model(demo_service, fast_retry_client, 0)
    service = make_service()
    service.set_camera(camera)
    gap_start, gap_end = find_gap(demo_service, 0)
    load(qtbot, service, gap_start - 1800, gap_end + 1800)
    assert service.playable_from((gap_start + gap_end) / 2) == gap_end
    assert service.playable_from(gap_start - 10.5) == gap_start - 10.5
    assert service.playable_from(gap_start) == gap_end  # intervals are [start, end)
    assert service.playable_from(time.time() + 10 * DAY) is None


def test_events_failure_is_reported_once_and_not_retried_in_a_loop(
    qtbot, make_service, demo_service, fast_retry_client, demo_faults
):
    demo_faults.add("error_rate", "/v1/cameras/*/events", probability=1.0, status=403)
    service = make_service()
    seen = Recorder(service)
    service.set_camera(camera_model(demo_service, fast_retry_client, 2))
    end = demo_service.dataset.anchor - 6 * HOUR
    before = requests(demo_service, "/events")
    load(qtbot, service, end - 600, end)
    assert seen.failed == ["No access to this camera's events"]
    load(qtbot, service, end - 590, end + 10)
    assert requests(demo_service, "/events") - before == 1
    assert not any(len(t) for t, _, _ in seen.events)


def test_switching_cameras_clears_and_shows_the_cached_camera_at_once(
    qtbot, make_service, demo_service, fast_retry_client
):
    first, second = (camera_model(demo_service, fast_retry_client, i) for i in (0, 10))
    service = make_service()
    seen = Recorder(service)
    gap_start, gap_end = find_gap(demo_service, 10)  # the second camera has a gap there
    start, end = gap_start - 1800, gap_end + 1800
    service.set_camera(first)
    load(qtbot, service, start, end)
    first_shown = shown_in(seen, start, end)
    service.set_camera(second)
    assert len(seen.intervals[-1][0]) == 0 and len(seen.events[-1][0]) == 0  # cleared at once
    qtbot.waitUntil(lambda: service.idle, timeout=20000)
    assert shown_in(seen, start, end) != first_shown
    before = requests(demo_service, "/timeline")
    service.set_camera(first)
    qtbot.waitUntil(lambda: service.idle, timeout=20000)
    assert shown_in(seen, start, end) == first_shown
    assert requests(demo_service, "/timeline") == before


def test_services_share_the_session_pool_and_close_cancels_only_their_own_loads(
    qtbot, make_service, session, demo_service, fast_retry_client, demo_faults
):
    # Slow answers keep both services' loads in flight at once on the one shared pool.
    demo_faults.add("latency", "/timeline", delay=0.3)
    demo_faults.add("latency", "/events", delay=0.3)
    first, second = (camera_model(demo_service, fast_retry_client, i) for i in (0, 10))
    end = demo_service.dataset.anchor - 30 * HOUR
    start = end - 2 * HOUR
    a, b, closing = make_service(), make_service(), make_service()
    seen_a, seen_b, seen_closing = Recorder(a), Recorder(b), Recorder(closing)
    a.set_camera(first)
    b.set_camera(second)
    closing.set_camera(first)
    for service in (a, b, closing):
        service.request_range(start, end)
    qtbot.waitUntil(lambda: seen_closing.loading == [True], timeout=5000)
    closing.close()  # its loads are cancelled; the others' loads and the pool go on
    assert closing.idle and seen_closing.loading == [True, False]
    emitted = (len(seen_closing.intervals), len(seen_closing.events), len(seen_closing.loading))
    # Same kinds, same pool: were the task keys not per service, one would supersede another
    # and the superseded service would never become idle.
    qtbot.waitUntil(lambda: a.idle and b.idle, timeout=20000)
    demo_faults.clear()
    archive_a, archive_b = fast_retry_client.archive(first), fast_retry_client.archive(second)
    assert shown_in(seen_a, start, end) == truth_intervals(archive_a, start, end)
    assert shown_in(seen_b, start, end) == truth_intervals(archive_b, start, end)
    assert len(seen_a.events[-1][0]) > 0 and len(seen_b.events[-1][0]) > 0
    # Nothing delivered after close (its loads finished on the pool, their results dropped).
    assert (len(seen_closing.intervals), len(seen_closing.events), len(seen_closing.loading)) == emitted
    # The pool is the session's: still running, and no pool of the services' own was started.
    with qtbot.waitSignal(session.cameras_loaded, timeout=10000):
        session.refresh_cameras()
    assert not [t.name for t in threading.enumerate() if t.name.startswith("faceter-timeline")]


def test_the_service_gone_keeps_the_known_archive_and_reloads_when_back(qtbot, make_service, make_demo_service):
    service_ = make_demo_service()
    with IntegrationClient(service_.integration_key, service_.base_url, retry=FAST_RETRY) as client:
        runner = TaskRunner(max_workers=2)
        session = Session(client, runner)
        try:
            camera = camera_model(service_, client, 0)
            timeline = make_service(session, refresh_seconds=0.5)
            seen = Recorder(timeline)
            timeline.set_camera(camera)
            now = float(int(time.time()))
            load(qtbot, timeline, now - 600, now + 60)
            known = shown_in(seen, now - 600, now)
            assert known
            service_.stop_serving()
            qtbot.waitUntil(lambda: not session.connectivity.online, timeout=10000)  # a refresh found it gone
            qtbot.wait(1500)  # more refresh ticks while it is gone
            assert shown_in(seen, now - 600, now) == known  # the green bar stays
            assert timeline.source == "archive" and seen.sources == [] and seen.failed == []
            before = requests(service_, "/timeline")
            service_.start()
            qtbot.waitUntil(lambda: session.connectivity.online, timeout=10000)
            qtbot.waitUntil(lambda: requests(service_, "/timeline") > before, timeout=10000)
            qtbot.waitUntil(lambda: float(seen.intervals[-1][1][-1]) > known[-1][1], timeout=10000)
        finally:
            timeline.set_active(False)
            session.close()
            runner.shutdown()
