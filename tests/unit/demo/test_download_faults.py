"""The demo's download faults (ignore_range, range_from_zero, status416, etag_change): their
grammar, which requests they hit, and what they answer around a real starlette FileResponse
(driven in-process through ASGI, no socket). Over real HTTP with the real client:
tests/integration/test_download_faults.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route

from faceter_viewer.demo.faults import FaultMiddleware, FaultSet, FaultSpecError, parse_fault_spec

DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def served(tmp_path: Path) -> tuple[FaultSet, FaultMiddleware]:
    path = tmp_path / "file.mp4"
    path.write_bytes(DATA)

    def file(request: Request) -> FileResponse:
        return FileResponse(path, media_type="video/mp4")

    faults = FaultSet(seed=1)
    return faults, FaultMiddleware(Starlette(routes=[Route("/demo-files/exports/x.mp4", file)]), faults)


def call(app, headers: dict[str, str] | None = None, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """One request through the ASGI app: (status, headers, body)."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": "/demo-files/exports/x.mp4", "raw_path": b"/demo-files/exports/x.mp4", "query_string": b"",
        "root_path": "", "server": ("127.0.0.1", 80), "client": ("127.0.0.1", 1),
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
    }  # fmt: skip
    messages: list[dict] = []
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the client stays connected (starlette listens for a disconnect)
        raise AssertionError("unreachable")

    async def send(message: dict) -> None:
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    start = messages[0]
    got = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], got, b"".join(m.get("body", b"") for m in messages[1:])


def validators(app) -> tuple[str, str]:
    _, headers, _ = call(app)
    return headers["etag"], headers["last-modified"]


def test_the_download_kinds_parse():
    rules = parse_fault_spec("ignore_range=/archive/clip:1;range_from_zero;status416=/demo-files/**:2;etag_change=3")
    assert [(r.kind, r.pattern, r.count) for r in rules] == [
        ("ignore_range", "/archive/clip", 1),
        ("range_from_zero", "**", None),
        ("status416", "/demo-files/**", 2),
        ("etag_change", "**", 3),
    ]
    with pytest.raises(FaultSpecError, match="at most 1 argument"):
        parse_fault_spec("status416=/x:1:2")


def test_without_faults_the_file_route_honours_range_and_if_range(served):
    """What the faults bend: starlette's FileResponse sends ETag and Last-Modified, answers
    Range with 206, and ignores Range when If-Range does not match."""
    _, app = served
    etag, last_modified = validators(app)
    assert etag.startswith('"') and last_modified.endswith("GMT")
    assert call(app, {"Range": "bytes=1000-", "If-Range": etag})[0] == 206
    assert call(app, {"Range": "bytes=1000-", "If-Range": last_modified})[0] == 206
    assert call(app, {"Range": "bytes=1000-", "If-Range": '"other"'})[0] == 200
    assert call(app, {"Range": f"bytes={len(DATA)}-"})[0] == 416


def test_ignore_range_answers_200_with_the_whole_body(served):
    faults, app = served
    faults.add_spec("ignore_range=/demo-files/**:1")
    status, headers, body = call(app, {"Range": "bytes=1000-"})
    assert (status, body) == (200, DATA) and "content-range" not in headers
    assert call(app, {"Range": "bytes=1000-"})[0] == 206, "spent"


def test_range_faults_do_not_hit_or_spend_on_requests_without_range(served):
    faults, app = served
    faults.add_spec("ignore_range=1;range_from_zero=1;status416=1")
    for _ in range(3):
        assert call(app) == (200, call(app)[1], DATA)
    assert faults.fired == {} and len(faults.rules) == 3
    assert call(app, {"Range": "bytes=10-"})[0] == 200  # ignore_range, the first that matches
    assert faults.fired == {"ignore_range": 1}


def test_range_from_zero_answers_206_from_byte_zero(served):
    faults, app = served
    faults.add_spec("range_from_zero")
    status, headers, body = call(app, {"Range": "bytes=4000-"})
    assert status == 206 and body == DATA
    assert headers["content-range"] == f"bytes 0-{len(DATA) - 1}/{len(DATA)}"
    assert headers["content-length"] == str(len(DATA))


def test_status416_answers_416_with_the_size(served):
    faults, app = served
    faults.add_spec("status416")
    status, headers, body = call(app, {"Range": "bytes=10-"})
    assert (status, body) == (416, b"")
    assert headers["content-range"] == f"bytes */{len(DATA)}"


def test_etag_change_gives_new_validators_and_fails_an_old_if_range(served):
    faults, app = served
    etag, last_modified = validators(app)
    faults.add_spec("etag_change")
    status, headers, body = call(app)
    assert (status, body) == (200, DATA)
    new_etag, new_date = headers["etag"], headers["last-modified"]
    assert new_etag != etag and new_date != last_modified
    for old in (etag, last_modified):
        assert call(app, {"Range": "bytes=1000-", "If-Range": old})[:1] == (200,), old
    for new in (new_etag, new_date):
        status, headers, body = call(app, {"Range": "bytes=1000-", "If-Range": new})
        assert (status, body) == (206, DATA[1000:]), new
        assert headers["etag"] == new_etag
    assert call(app, {"Range": "bytes=1000-"})[0] == 206, "a Range without If-Range is served"
    faults.clear()
    assert validators(app) == (etag, last_modified), "the real file never changed"


def test_a_download_fault_and_a_body_fault_act_together(served):
    faults, app = served
    faults.add_spec("ignore_range=1;truncate=/demo-files/**:1:0.5")
    status, headers, body = call(app, {"Range": "bytes=1000-"})
    assert status == 200 and headers["content-length"] == str(len(DATA)) and body == DATA[: len(DATA) // 2]
    assert faults.fired == {"ignore_range": 1, "truncate": 1}


def test_download_faults_leave_head_and_error_answers_alone(served):
    faults, app = served
    faults.add_spec("status416;range_from_zero")
    assert call(app, {"Range": "bytes=10-"}, method="HEAD")[0] != 416
    assert faults.fired == {}
