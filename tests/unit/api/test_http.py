"""HttpSession: timeouts, redirects, error mapping, and streamed downloads (to a .part file, renamed
when complete, resumed with Range after a dropped connection)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from faceter_viewer.api import errors, rules
from faceter_viewer.api.http import JSON_TIMEOUT, STREAM_TIMEOUT, HttpSession, describe
from faceter_viewer.api.retry import RetryPolicy
from tests.helpers.api_fakes import KEY, DroppingStream, RecordingTransport, sequence

DATA = bytes(range(256)) * 2400  # 614,400 bytes: three 256 KiB chunks on the way to disk


def _session(handler, sleeps, *, headers=None, base_url="https://api.test") -> tuple[HttpSession, RecordingTransport]:
    transport = RecordingTransport(handler)
    session = HttpSession(base_url=base_url, headers=headers, transport=transport, sleep=sleeps)
    return session, transport


# --- plain requests -----------------------------------------------------------------------------


def test_send_returns_the_2xx_answer_and_uses_json_timeouts(sleeps):
    session, transport = _session(sequence(httpx.Response(200, json={"ok": True})), sleeps)
    assert session.send_json("GET", "/v1/a", params=[("x", "1"), ("x", "2")]) == {"ok": True}
    request = transport.last
    assert request.url == "https://api.test/v1/a?x=1&x=2"
    assert request.extensions["timeout"] == {"connect": 5.0, "read": 15.0, "write": 15.0, "pool": 5.0}
    assert JSON_TIMEOUT.connect == 5.0 and JSON_TIMEOUT.read == 15.0


@pytest.mark.parametrize("body", [b"", b"{not json", b"<html>ok</html>", b"\xff\xfe\x00garbage"])
def test_send_json_turns_an_unreadable_body_into_invalid_response(body, sleeps):
    session, _ = _session(sequence(httpx.Response(200, content=body)), sleeps)
    with pytest.raises(errors.InvalidResponseError) as raised:
        session.send_json("GET", "/v1/cameras")
    assert raised.value.status == 200
    assert "GET /v1/cameras" in str(raised.value)


def test_a_body_that_cannot_be_decoded_is_invalid_response_not_an_httpx_error(sleeps):
    broken_gzip = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"this is not gzip"))
    session, _ = _session(sequence(broken_gzip), sleeps)
    with pytest.raises(errors.InvalidResponseError):
        session.send_json("GET", "/v1/cameras")


def test_a_redirect_loop_is_a_faceter_error(sleeps):
    session, _ = _session(sequence(httpx.Response(302, headers={"Location": "/v1/loop"})), sleeps)
    with pytest.raises(errors.FaceterError):
        session.send("GET", "/v1/loop")


def test_redirects_on_the_same_origin_keep_the_key(sleeps):
    def handler(request):
        if request.url.path == "/v1/old":
            return httpx.Response(301, headers={"Location": "/v1/new"})
        return httpx.Response(200, json={})

    session, transport = _session(handler, sleeps, headers={rules.KEY_HEADER: KEY})
    session.send("GET", "/v1/old")
    assert [r.url.path for r in transport.requests] == ["/v1/old", "/v1/new"]
    assert all(r.headers.get(rules.KEY_HEADER) == KEY for r in transport.requests)


@pytest.mark.parametrize(
    "location",
    ["https://elsewhere.test/file", "http://api.test/file", "https://api.test:8443/file", "https://sub.api.test/f"],
)
def test_a_redirect_to_another_origin_does_not_carry_the_key(location, sleeps):
    def handler(request):
        if request.url.host == "api.test" and request.url.port is None and request.url.scheme == "https":
            return httpx.Response(302, headers={"Location": location})
        return httpx.Response(200, json={})

    session, transport = _session(handler, sleeps, headers={rules.KEY_HEADER: KEY})
    session.send("GET", "/v1/exports/x")
    first, second = transport.requests
    assert first.headers[rules.KEY_HEADER] == KEY
    assert str(second.url) == location
    assert rules.KEY_HEADER not in second.headers


def test_describe_names_method_and_path_only():
    url = "https://archive.test/archives/a/timeline?signature=SECRET&exp=1"
    assert describe("GET", url) == "GET /archives/a/timeline"
    assert describe("POST", "https://h.test") == "POST /"
    assert describe("GET", "/v1/cameras") == "GET /v1/cameras"


# --- downloads ----------------------------------------------------------------------------------


class _Progress:
    """Records progress calls, and checks on each that only the .part file exists so far."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, written: int, total: int | None) -> None:
        assert not self.dest.exists(), "the final name appeared before the download completed"
        assert self.dest.with_name(self.dest.name + ".part").exists()
        self.calls.append((written, total))


def _no_leftovers(directory: Path) -> bool:
    return list(directory.iterdir()) == []


def test_download_streams_to_part_then_renames_with_progress(tmp_path, sleeps):
    session, transport = _session(sequence(httpx.Response(200, content=DATA)), sleeps)
    dest = tmp_path / "clip.mp4"
    progress = _Progress(dest)
    assert session.download("/v1/clip", dest, params=[("duration", "60")], on_progress=progress) == dest
    assert dest.read_bytes() == DATA
    assert list(tmp_path.iterdir()) == [dest]
    assert progress.calls == [(262144, len(DATA)), (524288, len(DATA)), (len(DATA), len(DATA))]
    assert transport.last.url == "https://api.test/v1/clip?duration=60"
    assert transport.last.extensions["timeout"]["read"] == STREAM_TIMEOUT.read == 60.0
    assert "Range" not in transport.last.headers


def test_download_without_content_length_reports_unknown_total(tmp_path, sleeps):
    def chunks():
        yield DATA[:100_000]
        yield DATA[100_000:]

    session, _ = _session(sequence(httpx.Response(200, content=chunks())), sleeps)
    dest = tmp_path / "clip.mp4"
    progress = _Progress(dest)
    session.download("/v1/clip", dest, on_progress=progress)
    assert dest.read_bytes() == DATA
    assert progress.calls[-1] == (len(DATA), None)
    assert all(total is None for _, total in progress.calls)


def _range_server(*, supports_range: bool, drops: int = 1, cut: int = 300_000):
    """A server that drops the connection `drops` times after `cut` bytes, and answers a Range
    request with 206 (or ignores it with 200)."""
    state = {"drops": drops}

    def handler(request: httpx.Request) -> httpx.Response:
        match = re.fullmatch(r"bytes=(\d+)-", request.headers.get("Range", ""))
        offset = int(match[1]) if match and supports_range else 0
        body = DATA[offset:]
        headers = {"Content-Length": str(len(body))}
        status = 200
        if offset:
            status = 206
            headers["Content-Range"] = f"bytes {offset}-{len(DATA) - 1}/{len(DATA)}"
        if state["drops"]:
            state["drops"] -= 1
            return httpx.Response(status, headers=headers, stream=DroppingStream([body[:cut]]))
        return httpx.Response(status, headers=headers, content=body)

    return handler


def test_a_dropped_download_resumes_with_range_when_the_server_answers_206(tmp_path, sleeps):
    session, transport = _session(_range_server(supports_range=True), sleeps)
    dest = tmp_path / "clip.mp4"
    progress = _Progress(dest)
    session.download("/v1/clip", dest, on_progress=progress)
    assert dest.read_bytes() == DATA
    assert list(tmp_path.iterdir()) == [dest]
    first, second = transport.requests
    assert "Range" not in first.headers
    match = re.fullmatch(r"bytes=(\d+)-", second.headers["Range"])
    assert match, second.headers
    offset = int(match[1])
    assert 0 < offset <= 300_000
    assert progress.calls[-1] == (len(DATA), len(DATA))
    # progress went on from the offset, it did not start again
    resumed = progress.calls[progress.calls.index((offset, len(DATA))) + 1 :]
    assert all(written > offset for written, _ in resumed)
    assert len(sleeps.delays) == 1


def test_a_dropped_download_restarts_when_the_server_answers_200(tmp_path, sleeps):
    session, transport = _session(_range_server(supports_range=False), sleeps)
    dest = tmp_path / "clip.mp4"
    session.download("/v1/clip", dest)
    assert dest.read_bytes() == DATA  # not the first part twice
    assert len(transport.requests) == 2


def test_a_body_shorter_than_its_content_length_is_resumed(tmp_path, sleeps):
    calls = {"n": 0}

    def handler(request):
        calls["n"] += 1
        if calls["n"] == 1:  # a server that closes cleanly but early
            return httpx.Response(200, headers={"Content-Length": str(len(DATA))}, stream=httpx.ByteStream(DATA[:1000]))
        offset = int(request.headers["Range"].removeprefix("bytes=").rstrip("-"))
        return httpx.Response(
            206, headers={"Content-Range": f"bytes {offset}-{len(DATA) - 1}/{len(DATA)}"}, content=DATA[offset:]
        )

    session, transport = _session(handler, sleeps)
    dest = tmp_path / "clip.mp4"
    session.download("/v1/clip", dest)
    assert dest.read_bytes() == DATA
    assert transport.requests[1].headers["Range"] == "bytes=1000-"


def test_a_download_that_keeps_failing_leaves_nothing_behind(tmp_path, sleeps):
    session, transport = _session(_range_server(supports_range=True, drops=99), sleeps)
    dest = tmp_path / "clip.mp4"
    with pytest.raises(errors.NetworkError) as raised:
        session.download("/v1/clip", dest)
    assert "closed mid-answer" in str(raised.value)
    assert len(transport.requests) == 3  # the first try and two retries
    assert _no_leftovers(tmp_path)


def test_a_download_refused_by_the_server_leaves_nothing_behind(tmp_path, sleeps):
    body = b'{"type":"about:blank","title":"Not Found","status":404,"detail":"No such camera"}'
    session, transport = _session(sequence(httpx.Response(404, content=body)), sleeps)
    with pytest.raises(errors.NotFoundError) as raised:
        session.download("/v1/clip", tmp_path / "clip.mp4")
    assert "No such camera" in str(raised.value)
    assert len(transport.requests) == 1
    assert _no_leftovers(tmp_path)


def test_a_download_retries_a_retryable_status(tmp_path, sleeps):
    session, transport = _session(
        sequence(httpx.Response(503, headers={"Retry-After": "2"}), httpx.Response(200, content=DATA)), sleeps
    )
    session.download("/v1/clip", tmp_path / "clip.mp4")
    assert (tmp_path / "clip.mp4").read_bytes() == DATA
    assert sleeps.delays == [2.0]
    assert len(transport.requests) == 2


def test_a_download_gives_up_on_a_long_retry_after_without_waiting(tmp_path, sleeps):
    session, transport = _session(sequence(httpx.Response(429, headers={"Retry-After": "600"})), sleeps)
    with pytest.raises(errors.RateLimitedError):
        session.download("/v1/clip", tmp_path / "clip.mp4")
    assert sleeps.delays == [] and len(transport.requests) == 1
    assert _no_leftovers(tmp_path)


def test_a_download_and_a_request_share_one_retry_loop(tmp_path, sleeps):
    """Same policy, same delays, same final error for a plain request and a download."""

    def answers():
        return sequence(httpx.Response(503, headers={"Retry-After": "3"}), httpx.Response(502), httpx.Response(503))

    steady = RetryPolicy(jitter=lambda: 0.5)  # no jitter: backoff(1) is exactly 1 s
    session, transport = _session(answers(), sleeps)
    session.retry = steady
    with pytest.raises(errors.ServerError) as sent:
        session.send("GET", "/v1/clip")
    assert sleeps.delays == [3.0, 1.0]
    download, download_transport = _session(answers(), sleeps)
    download.retry = steady
    with pytest.raises(errors.ServerError) as downloaded:
        download.download("/v1/clip", tmp_path / "clip.mp4")
    assert sleeps.delays == [3.0, 1.0, 3.0, 1.0]
    assert len(transport.requests) == len(download_transport.requests) == 3
    assert type(sent.value) is type(downloaded.value) and sent.value.status == downloaded.value.status == 503
    assert _no_leftovers(tmp_path)


def test_a_download_asked_to_wait_too_long_says_so(tmp_path, sleeps):
    session, _ = _session(sequence(httpx.Response(503, headers={"Retry-After": "120"})), sleeps)
    with pytest.raises(errors.ServerError, match=r"GET /v1/clip: the service asks to wait 120 s"):
        session.download("/v1/clip", tmp_path / "clip.mp4")
    assert sleeps.delays == []


def test_a_cancelled_download_leaves_nothing_behind(tmp_path, sleeps):
    session, _ = _session(sequence(httpx.Response(200, content=DATA)), sleeps)
    progress: list[int] = []
    with pytest.raises(errors.FaceterError, match="cancelled"):
        session.download(
            "/v1/clip",
            tmp_path / "clip.mp4",
            on_progress=lambda written, total: progress.append(written),
            cancelled=lambda: len(progress) >= 1,
        )
    assert progress == [262144]
    assert _no_leftovers(tmp_path)


def test_a_download_whose_body_cannot_be_decoded_leaves_nothing_behind(tmp_path, sleeps):
    broken = httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"this is not gzip"))
    session, _ = _session(sequence(broken), sleeps)
    with pytest.raises(errors.InvalidResponseError):
        session.download("/v1/clip", tmp_path / "clip.mp4")
    assert _no_leftovers(tmp_path)


def test_a_download_replaces_a_stale_part_file(tmp_path, sleeps):
    (tmp_path / "clip.mp4.part").write_bytes(b"stale bytes from an earlier run")
    session, _ = _session(sequence(httpx.Response(200, content=b"fresh")), sleeps)
    session.download("/v1/clip", tmp_path / "clip.mp4")
    assert (tmp_path / "clip.mp4").read_bytes() == b"fresh"
    assert not (tmp_path / "clip.mp4.part").exists()


def test_retry_policy_of_a_session_is_its_own(sleeps):
    session, transport = _session(sequence(httpx.Response(503)), sleeps)
    session.retry = RetryPolicy(max_retries=0)
    with pytest.raises(errors.ServerError):
        session.send("GET", "/v1/x")
    assert len(transport.requests) == 1
