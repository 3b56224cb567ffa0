"""Unreviewed counts in the camera tree, against the demo service over real HTTP.

Budget time is fake (the counts take injected clocks and `poll()` is public): minutes of budget
run in seconds, and what is counted is what the service really saw.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PySide6.QtGui import QColor

from faceter_viewer.api import IntegrationClient
from faceter_viewer.app import WORKERS
from faceter_viewer.services.review_store import ReviewState
from faceter_viewer.services.session import Session
from faceter_viewer.services.tasks import TaskRunner
from faceter_viewer.services.unreviewed_counts import RequestBudget, UnreviewedCount, UnreviewedCounts
from faceter_viewer.ui.camera_browser import CameraBrowser
from faceter_viewer.ui.camera_delegate import COUNT
from faceter_viewer.ui.camera_model import Role


class FakeClock:
    """Budget time that moves only when told; the 24-h window ends at the real now plus that."""

    def __init__(self) -> None:
        self.t = 1000.0
        self._wall = datetime.now(UTC)

    def monotonic(self) -> float:
        return self.t

    def utcnow(self) -> datetime:
        return self._wall + timedelta(seconds=self.t - 1000.0)

    def advance(self, seconds: float) -> None:
        self.t += seconds


class CountingTransport(httpx.HTTPTransport):
    """Real HTTP; remembers how many requests were on the wire at once."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self.current = 0
        self.max_concurrent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.current += 1
            self.max_concurrent = max(self.max_concurrent, self.current)
        try:
            response = super().handle_request(request)
            response.read()
            return response
        finally:
            with self._lock:
                self.current -= 1


@pytest.fixture
def setup(qtbot, tmp_path):
    """make(service, **counts options) -> (session, review_state, counts, clock); closed after."""
    made: list = []

    def make(service, transport=None, **options):
        client = IntegrationClient(service.integration_key, service.base_url, transport=transport)
        runner = TaskRunner(max_workers=WORKERS, name="faceter-worker")
        session = Session(client, runner)
        review = ReviewState(tmp_path / "reviewed.sqlite3")
        clock = FakeClock()
        counts = UnreviewedCounts(session, review, monotonic=clock.monotonic, utcnow=clock.utcnow, **options)
        made.append((session, runner, review, counts))
        return session, review, counts, clock

    yield make
    for session, runner, review, counts in made:
        counts.close()
        review.close()
        session.close()
        runner.shutdown()


def event_requests(service) -> list[str]:
    """The camera ids of the GET .../events requests the service saw, in order."""
    return [path.split("/")[-2] for method, path in list(service.state.requests) if method == "GET" and path.endswith("/events")]


def settle(qtbot, counts: UnreviewedCounts) -> None:
    qtbot.waitUntil(lambda: counts.idle, timeout=30000)


def events_of_last_day(client, camera_id: str, clock: FakeClock) -> list[str]:
    end = clock.utcnow()
    return [event.id for event in client.iter_events(camera_id, start=end - timedelta(hours=24), end=end)]


# --- the budget, with 5,000 cameras -----------------------------------------------------------------


def test_scrolling_5000_cameras_stays_within_the_request_budget(qtbot, make_demo_service, setup):
    service = make_demo_service(cameras=5000)
    transport = CountingTransport()
    session, _review, counts, clock = setup(service, transport)
    browser = CameraBrowser()
    qtbot.addWidget(browser)
    browser.resize(400, 800)
    browser.show()
    qtbot.waitExposed(browser)
    browser.set_cameras(session.client.list_cameras())
    requests_before = len(event_requests(service))
    browser.attach_unreviewed_counts(counts, debounce_ms=0)
    scrollbar = browser.tree.verticalScrollBar()

    per_minute: Counter[int] = Counter()
    times: dict[str, list[float]] = defaultdict(list)  # camera id → fake times it was asked
    seen_in_view: set[str] = set()
    seen = requests_before

    def collect() -> None:
        """What the service saw since the last look, at the fake time now."""
        nonlocal seen
        settle(qtbot, counts)
        asked = event_requests(service)[seen:]
        seen += len(asked)
        per_minute[int((clock.t - 1000.0) // 60)] += len(asked)
        for camera_id in asked:
            times[camera_id].append(clock.t)

    # Scroll down for 3 fake minutes, back up for 2, then stay: 6 minutes of fake time.
    for step in range(360):
        if step < 300 and step % 2 == 0:
            direction = 1 if step < 180 else -1
            with qtbot.waitSignal(browser.visible_cameras_changed, timeout=3000):
                scrollbar.setValue(scrollbar.value() + direction * 12 * scrollbar.singleStep())
            seen_in_view.update(browser.visible_camera_ids())
            collect()
        clock.advance(1.0)
        counts.poll()
        collect()
    browser.detach_unreviewed_counts()

    total = sum(per_minute.values())
    print(f"requests per fake minute: {dict(sorted(per_minute.items()))}; {len(seen_in_view)} cameras scrolled past")
    assert max(per_minute.values()) <= 60  # the budget: at most 60 requests a minute...
    assert max(per_minute.values()) >= 50  # ...and it is used, not idle
    asked_at = sorted(t for camera_times in times.values() for t in camera_times)
    assert max(sum(1 for u in asked_at if t <= u < t + 60) for t in asked_at) <= 60  # in ANY 60 s
    assert sum(1 for t in asked_at if t <= asked_at[0]) >= 20  # a first screenful at once
    assert transport.max_concurrent == 1  # one request on the wire at a time
    assert total == counts.requests_sent
    for camera_id, asked_at in times.items():  # a camera in view is read at most every 5 min
        assert all(b - a >= 300 for a, b in zip(asked_at, asked_at[1:], strict=False)), (camera_id, asked_at)
    assert len(seen_in_view) > 2 * total  # the scroll went past far more cameras than were asked
    # What was read is shown: the rows in view now have their counts.
    in_view = browser.visible_camera_ids()
    assert in_view and all(counts.count(camera_id) is not None for camera_id in in_view)


# --- exact counts, recounted from memory -------------------------------------------------------------


def test_counts_subtract_the_reviewed_events_and_follow_marks_without_requests(qtbot, demo_service, setup):
    session, review, counts, clock = setup(demo_service, budget=RequestBudget(max_pages=10))
    client = session.client
    cameras = [c for c in client.list_cameras() if c.is_online]
    camera, other = cameras[0], cameras[1]
    truth = events_of_last_day(client, camera.id, clock)
    assert len(truth) > 150  # the demo makes 300-600 a day: more than one page
    keep = set(truth[:3] + truth[-4:])  # the newest three and the oldest four stay unreviewed
    review.mark(session.base_url, camera.id, [event_id for event_id in truth if event_id not in keep])

    before = len(event_requests(demo_service))
    with qtbot.waitSignal(counts.changed, timeout=10000, check_params_cb=lambda ids: camera.id in ids):
        counts.set_visible([camera.id, other.id])
    settle(qtbot, counts)
    assert counts.count(camera.id) == UnreviewedCount(7, more=False)
    assert counts.count(camera.id).text() == "7"
    assert counts.count(other.id).text() == "99+"  # none reviewed there: one page says enough
    asked = Counter(event_requests(demo_service)[before:])
    assert asked[other.id] == 1
    assert asked[camera.id] == -(-len(truth) // 100)  # every page of the day, once

    # Marks change the count at once, from memory: no request.
    before = len(event_requests(demo_service))
    with qtbot.waitSignal(counts.changed) as blocker:
        review.mark(session.base_url, camera.id, truth[:2])
    assert blocker.args[0] == {camera.id}
    assert counts.count(camera.id).text() == "5"
    review.mark(session.base_url, camera.id, truth[:1], reviewed=False)
    assert counts.count(camera.id).text() == "6"
    review.mark(session.base_url, camera.id, list(keep))
    assert counts.count(camera.id) == UnreviewedCount(0) and counts.count(camera.id).text() == ""
    counts.poll()
    settle(qtbot, counts)
    assert len(event_requests(demo_service)) == before

    # Marks that bring a "99+" down to a lower bound: shown at once ("40+"), read again soon.
    first_page = events_of_last_day(client, other.id, clock)[:100]
    before = len(event_requests(demo_service))  # (the test's own listing is not the counts')
    with qtbot.waitSignal(counts.changed):
        review.mark(session.base_url, other.id, first_page[:60])
    assert counts.count(other.id).text() == "40+"
    counts.poll()
    settle(qtbot, counts)
    assert len(event_requests(demo_service)) == before  # not at once: 30 s later at the earliest
    clock.advance(31)
    with qtbot.waitSignal(counts.changed, timeout=10000):
        counts.poll()
    settle(qtbot, counts)
    assert counts.count(other.id).text() == "99+"
    assert len(event_requests(demo_service)) == before + 2  # two pages: 40 + 100 unreviewed > 99


def test_the_tree_paints_the_count_on_the_camera_row(qtbot, demo_service, setup):
    session, review, counts, clock = setup(demo_service, budget=RequestBudget(max_pages=10))
    browser = CameraBrowser()
    qtbot.addWidget(browser)
    browser.resize(420, 700)
    browser.show()
    qtbot.waitExposed(browser)
    cameras = session.client.list_cameras()
    browser.set_cameras(cameras)
    camera = next(c for c in cameras if c.is_online)
    index = browser.model.index_of(camera.id)
    truth = events_of_last_day(session.client, camera.id, clock)
    review.mark(session.base_url, camera.id, truth[3:])  # three unreviewed

    def count_pixels() -> int:
        rect = browser.tree.visualRect(browser.model.index_of(camera.id))
        image = browser.tree.viewport().grab(rect).toImage()
        return sum(
            1
            for x in range(image.width())
            for y in range(image.height())
            if _near(QColor(image.pixel(x, y)), COUNT)
        )

    assert index.data(Role.UNREVIEWED) is None and count_pixels() == 0  # unknown: nothing drawn
    with qtbot.waitSignal(counts.changed, timeout=10000, check_params_cb=lambda ids: camera.id in ids):
        browser.attach_unreviewed_counts(counts, debounce_ms=0)
    settle(qtbot, counts)
    assert browser.model.index_of(camera.id).data(Role.UNREVIEWED).text() == "3"
    qtbot.waitUntil(lambda: count_pixels() > 30, timeout=3000)  # the pill, repainted on the change
    review.mark(session.base_url, camera.id, truth[:3])  # all reviewed: the pill goes
    qtbot.waitUntil(lambda: count_pixels() == 0, timeout=3000)
    browser.detach_unreviewed_counts()


def _near(color: QColor, target: QColor, tolerance: int = 12) -> bool:
    return (
        abs(color.red() - target.red()) <= tolerance
        and abs(color.green() - target.green()) <= tolerance
        and abs(color.blue() - target.blue()) <= tolerance
    )


def test_a_failed_read_leaves_the_badge_empty_and_waits(qtbot, demo_service, demo_faults, setup):
    session, _review, counts, clock = setup(demo_service)
    camera = next(c for c in session.client.list_cameras() if c.is_online)
    demo_faults.add("error_rate", f"/v1/cameras/{camera.id}/events", probability=1.0, status=403)
    posted = []
    session.messages.posted.connect(posted.append)
    before = len(event_requests(demo_service))
    counts.set_visible([camera.id])
    settle(qtbot, counts)
    asked = len(event_requests(demo_service)) - before
    assert asked == 1 and counts.count(camera.id) is None
    assert posted == []  # a badge says nothing rather than a banner
    clock.advance(60)
    counts.poll()
    settle(qtbot, counts)
    assert len(event_requests(demo_service)) - before == asked  # not again within 5 min
    demo_faults.clear()
    clock.advance(300)
    counts.poll()
    settle(qtbot, counts)
    assert counts.count(camera.id) is not None


def test_nothing_is_asked_while_the_service_is_unreachable(qtbot, demo_service, setup):
    from faceter_viewer.api import errors

    session, _review, counts, _clock = setup(demo_service)
    camera = next(c for c in session.client.list_cameras() if c.is_online)
    session.report(errors.NetworkError("GET /v1/cameras: connection refused"))  # another request's failure
    assert not session.connectivity.online
    before = len(event_requests(demo_service))
    counts.set_visible([camera.id])
    qtbot.wait(50)
    assert len(event_requests(demo_service)) == before and counts.idle
    with qtbot.waitSignal(counts.changed, timeout=10000):
        session.connectivity.retry_now()  # the probe answers: `recovered`, and the counts go on
    settle(qtbot, counts)
    assert counts.count(camera.id) is not None
    assert len(event_requests(demo_service)) == before + 1
