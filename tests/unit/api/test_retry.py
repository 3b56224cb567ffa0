"""The retry policy of api-rules §13: as a table, and through HttpSession against MockTransport
(requests counted at the transport, delays recorded by an injected sleep)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from faceter_viewer.api import errors
from faceter_viewer.api.http import HttpSession
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import NewEvent, VideoExportRequest
from faceter_viewer.api.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after
from tests.helpers.api_fakes import BASE_URL, KEY, RecordingTransport, sequence

POLICY = RetryPolicy()

# --- the policy as a table ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "idempotent", "retried"),
    [
        (408, True, True),
        (429, True, True),
        (500, True, True),
        (502, True, True),
        (503, True, True),
        (504, True, True),
        (400, True, False),
        (401, True, False),
        (403, True, False),
        (404, True, False),
        (409, True, False),
        (422, True, False),
        (501, True, False),
        (505, True, False),
        # a request that creates something is resent only when the server says it did nothing
        (429, False, True),
        (408, False, False),
        (500, False, False),
        (502, False, False),
        (503, False, False),
        (504, False, False),
        (400, False, False),
        (401, False, False),
    ],
)
def test_status_table(status, idempotent, retried):
    assert POLICY.should_retry(0, status=status, idempotent=idempotent) is retried


REQUEST = httpx.Request("GET", "https://h/x")


@pytest.mark.parametrize(
    ("exception", "idempotent", "retried"),
    [
        (httpx.ConnectTimeout("t"), True, True),
        (httpx.ReadTimeout("t"), True, True),
        (httpx.WriteTimeout("t"), True, True),
        (httpx.PoolTimeout("t"), True, True),
        (httpx.ConnectError("refused"), True, True),
        (httpx.ReadError("reset"), True, True),
        (httpx.WriteError("broken pipe"), True, True),
        (httpx.RemoteProtocolError("dropped"), True, True),
        # never reached the server: safe even for a request that creates something
        (httpx.ConnectError("refused"), False, True),
        (httpx.ConnectTimeout("t"), False, True),
        (httpx.PoolTimeout("t"), False, True),
        # may have reached it: not for a request that creates something
        (httpx.ReadTimeout("t"), False, False),
        (httpx.ReadError("reset"), False, False),
        (httpx.RemoteProtocolError("dropped"), False, False),
        # not a network condition that a second try could change
        (httpx.UnsupportedProtocol("ftp://"), True, False),
        (httpx.LocalProtocolError("bad header"), True, False),
        (ValueError("bug"), True, False),
        (KeyboardInterrupt(), True, False),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else str(v),
)
def test_exception_table(exception, idempotent, retried):
    assert POLICY.should_retry(0, exception=exception, idempotent=idempotent) is retried


@pytest.mark.parametrize("status", sorted(RETRYABLE_STATUSES))
def test_at_most_two_retries(status):
    assert POLICY.should_retry(0, status=status)
    assert POLICY.should_retry(1, status=status)
    assert not POLICY.should_retry(2, status=status)
    assert not POLICY.should_retry(2, exception=httpx.ConnectError("x"))
    assert RETRYABLE_STATUSES == {408, 429, 500, 502, 503, 504}


def test_no_status_and_no_exception_is_not_retried():
    assert not POLICY.should_retry(0)


# --- backoff ------------------------------------------------------------------------------------


def test_backoff_doubles_from_half_a_second_to_eight_without_jitter():
    middle = RetryPolicy(jitter=lambda: 0.5)  # jitter factor 0.75 + 0.5 * 0.5 = 1
    assert [middle.backoff(n) for n in range(7)] == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


@pytest.mark.parametrize("attempt", range(7))
def test_backoff_jitter_stays_within_bounds(attempt):
    nominal = min(0.5 * 2**attempt, 8.0)
    low = RetryPolicy(jitter=lambda: 0.0).backoff(attempt)
    high = RetryPolicy(jitter=lambda: 0.999999).backoff(attempt)
    assert low == pytest.approx(0.75 * nominal)
    assert high == pytest.approx(min(8.0, 1.25 * nominal), rel=1e-5)
    assert 0 < low < high <= 8.0


def test_backoff_is_really_jittered_by_default():
    delays = {RetryPolicy().backoff(1) for _ in range(50)}
    assert len(delays) > 1
    assert all(0.75 <= d <= 1.25 for d in delays)


# --- Retry-After --------------------------------------------------------------------------------

NOW = datetime(2026, 4, 10, 9, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("5", 5.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("120", 120.0),
        (format_datetime(NOW + timedelta(seconds=30), usegmt=True), 30.0),
        ("Fri, 10 Apr 2026 09:00:45 GMT", 45.0),
        (format_datetime(NOW - timedelta(seconds=30), usegmt=True), 0.0),  # in the past
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after_in_seconds_and_as_http_date(header, expected):
    assert parse_retry_after(header, now=NOW) == expected


def test_retry_after_cap_is_60_seconds():
    assert not POLICY.retry_after_too_long(None)
    assert not POLICY.retry_after_too_long(60.0)
    assert POLICY.retry_after_too_long(60.5)
    assert POLICY.delay(0, 12.0) == 12.0  # the server's word wins over the backoff
    assert 0.375 <= POLICY.delay(0, None) <= 0.625


# --- through HttpSession: requests counted at the transport -------------------------------------


def _session(handler, sleeps, **kwargs) -> tuple[HttpSession, RecordingTransport]:
    transport = RecordingTransport(handler)
    return HttpSession(base_url="https://api.test", transport=transport, sleep=sleeps, **kwargs), transport


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retryable_status_is_sent_three_times_then_raises(status, sleeps):
    session, transport = _session(sequence(httpx.Response(status)), sleeps, retry=RetryPolicy(jitter=lambda: 0.5))
    with pytest.raises(errors.FaceterError) as raised:
        session.send("GET", "/v1/cameras")
    assert raised.value.status == status
    assert len(transport.requests) == 3
    assert sleeps.delays == [0.5, 1.0]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (422, errors.BadRequestError),
    ],
)
def test_final_status_is_sent_once(status, cls, sleeps):
    session, transport = _session(sequence(httpx.Response(status)), sleeps)
    with pytest.raises(cls):
        session.send("GET", "/v1/cameras")
    assert len(transport.requests) == 1
    assert sleeps.delays == []


def test_a_retry_that_succeeds_returns_the_answer(sleeps):
    session, transport = _session(
        sequence(httpx.Response(503), httpx.Response(502), httpx.Response(200, json=[])), sleeps
    )
    assert session.send("GET", "/v1/cameras").json() == []
    assert len(transport.requests) == 3
    assert len(sleeps.delays) == 2
    assert 0.375 <= sleeps.delays[0] <= 0.625 and 0.75 <= sleeps.delays[1] <= 1.25


@pytest.mark.parametrize(
    "exception",
    [httpx.ConnectError("refused"), httpx.ConnectTimeout("t"), httpx.ReadTimeout("t"), httpx.ReadError("reset")],
    ids=lambda e: type(e).__name__,
)
def test_transport_failures_are_retried_twice_then_become_network_errors(exception, sleeps):
    session, transport = _session(sequence(exception), sleeps)
    with pytest.raises(errors.NetworkError) as raised:
        session.send("GET", "/v1/cameras")
    assert len(transport.requests) == 3
    assert len(sleeps.delays) == 2
    assert raised.value.status is None
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


def test_retry_after_seconds_is_honoured(sleeps):
    session, transport = _session(
        sequence(httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json={})), sleeps
    )
    session.send("GET", "/v1/cameras")
    assert sleeps.delays == [7.0]
    assert len(transport.requests) == 2


def test_retry_after_as_http_date_is_honoured(sleeps):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    session, transport = _session(
        sequence(httpx.Response(503, headers={"Retry-After": when}), httpx.Response(200, json={})), sleeps
    )
    session.send("GET", "/v1/cameras")
    assert len(sleeps.delays) == 1
    assert 17.0 <= sleeps.delays[0] <= 20.0  # the date has 1 s resolution
    assert len(transport.requests) == 2


def test_retry_after_twice_then_rate_limited_error_carries_it(sleeps):
    session, transport = _session(sequence(httpx.Response(429, headers={"Retry-After": "3"})), sleeps)
    with pytest.raises(errors.RateLimitedError) as raised:
        session.send("GET", "/v1/cameras")
    assert sleeps.delays == [3.0, 3.0]
    assert len(transport.requests) == 3
    assert raised.value.retry_after == 3.0


@pytest.mark.parametrize(
    ("status", "header"),
    [
        (429, "61"),
        (429, "3600"),
        (503, "120"),
        (429, format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)),
    ],
)
def test_retry_after_beyond_60_s_fails_at_once_without_sleeping(status, header, sleeps):
    session, transport = _session(sequence(httpx.Response(status, headers={"Retry-After": header})), sleeps)
    with pytest.raises(errors.FaceterError) as raised:
        session.send("GET", "/v1/cameras")
    assert len(transport.requests) == 1
    assert sleeps.delays == []
    assert raised.value.status == status
    assert "try again later" in str(raised.value)
    assert "GET /v1/cameras" in str(raised.value)
    if status == 429:
        assert isinstance(raised.value, errors.RateLimitedError) and raised.value.retry_after > 60


def test_retry_after_exactly_60_s_is_still_waited(sleeps):
    session, _ = _session(sequence(httpx.Response(429, headers={"Retry-After": "60"}), httpx.Response(204)), sleeps)
    session.send("GET", "/v1/cameras")
    assert sleeps.delays == [60.0]


# --- requests that create something -------------------------------------------------------------


def test_non_idempotent_post_is_not_resent_after_a_server_error(sleeps):
    session, transport = _session(sequence(httpx.Response(503)), sleeps)
    with pytest.raises(errors.ServerError):
        session.send("POST", "/v1/x", json={}, idempotent=False)
    assert len(transport.requests) == 1 and sleeps.delays == []


def test_non_idempotent_post_is_not_resent_after_a_read_timeout(sleeps):
    session, transport = _session(sequence(httpx.ReadTimeout("t")), sleeps)
    with pytest.raises(errors.TimeoutError):
        session.send("POST", "/v1/x", json={}, idempotent=False)
    assert len(transport.requests) == 1


def test_non_idempotent_post_is_resent_when_it_never_left_or_was_refused(sleeps):
    session, transport = _session(
        sequence(httpx.ConnectError("refused"), httpx.Response(429), httpx.Response(202, json={})), sleeps
    )
    session.send("POST", "/v1/x", json={}, idempotent=False)
    assert len(transport.requests) == 3


def _client(handler, sleeps) -> tuple[IntegrationClient, RecordingTransport]:
    transport = RecordingTransport(handler)
    return IntegrationClient(KEY, BASE_URL, transport=transport, sleep=sleeps), transport


def test_creating_an_export_is_not_retried_on_503(sleeps):
    client, transport = _client(sequence(httpx.Response(503)), sleeps)
    request = VideoExportRequest(start_date=datetime(2026, 4, 10, tzinfo=UTC), duration_seconds=60)
    with pytest.raises(errors.ServerError):
        client.create_video_export("cam", request)
    with pytest.raises(errors.ServerError):
        client.create_audio_export("cam", request)
    assert len(transport.requests) == 2
    assert sleeps.delays == []


def test_creating_an_event_is_retried_with_the_same_event_id(sleeps):
    client, transport = _client(sequence(httpx.Response(503), httpx.ReadTimeout("t"), httpx.Response(204)), sleeps)
    event = NewEvent(start_date=datetime(2026, 4, 10, tzinfo=UTC))
    client.create_event("cam", event)
    assert len(transport.requests) == 3
    bodies = {request.content for request in transport.requests}
    assert len(bodies) == 1  # the very same body, so the server can tell it is the same event
    assert event.event_id.encode() in bodies.pop()
