"""Fakes for the API layer's tests: a recording httpx.MockTransport, a dropping byte stream, a
sleep recorder, camera JSON as the Integration API document shows it, and a tiny real HTTP server
on 127.0.0.1 (for the tests where httpx/httpcore must really log)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx

Handler = Callable[[httpx.Request], httpx.Response]

KEY = "test-integration-key-5f1c2e"
SIGNATURE = "sig-3a1a3cfc-aa55"
CAMERA_ID = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
BASE_URL = "https://api.test/integration-api"
ARCHIVE_URL = "https://archive.test"


class RecordingTransport(httpx.MockTransport):
    """A MockTransport that keeps every request it answered (body read), in order."""

    def __init__(self, handler: Handler) -> None:
        self.requests: list[httpx.Request] = []

        def recording(request: httpx.Request) -> httpx.Response:
            request.read()
            self.requests.append(request)
            return handler(request)

        super().__init__(recording)

    @property
    def last(self) -> httpx.Request:
        return self.requests[-1]


def sequence(*responses: httpx.Response | Exception) -> Handler:
    """A handler answering with the given responses (or raising the given exceptions) in turn;
    the last one repeats."""
    items = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = items.pop(0) if len(items) > 1 else items[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


class SleepRecorder:
    """Stands in for time.sleep: records the delays instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


class DroppingStream(httpx.SyncByteStream):
    """A response body that sends `chunks` and then fails as a dropped connection does."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message body")


def camera_json(**overrides: Any) -> dict[str, Any]:
    """The camera of the Integration API document, with our test token and archive URL."""
    body: dict[str, Any] = {
        "id": CAMERA_ID,
        "deviceId": "1fa85f64-5717-4562-b3fc-2c963f66afb1",
        "title": "Entrance Camera",
        "previewUrl": "https://example.com/preview.jpg",
        "archiveApiToken": {"signature": SIGNATURE, "exp": 1712745600},
        "archiveApiUrl": ARCHIVE_URL,
        "archiveDays": 30,
        "liveRtspUrl": "rtsp://example.com/live",
        "liveHlsUrl": "https://example.com/live.m3u8",
        "isOnline": True,
        "lastOnlineDate": "2026-04-10T09:00:00Z",
        "cameraModel": "Model X",
        "platform": "Embedded",
        "serialNumber": "ABC123",
        "firmwareVersion": "1.0.0",
        "applicationVersion": "2.1.0",
        "isOwner": True,
        "isFullAccess": True,
        "isArchiveGranted": True,
        "isAudioGranted": True,
        "tempAccessExpiryDate": "2026-04-20T09:00:00Z",
        "location": {"id": "loc-1", "title": "Main Office", "room": {"id": "room-1", "title": "Hall"}},
    }
    body.update(overrides)
    return body


# --- error bodies of every shape the service may send (api-rules §12) ---------------------------

ERROR_BODIES: dict[str, tuple[dict[str, str], bytes, str | None]] = {
    # name: (headers, body, a phrase the readable message must contain, or None for the default)
    "problem-details": (
        {"content-type": "application/problem+json"},
        json.dumps(
            {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Camera not found", "instance": "/x"}
        ).encode(),
        "Camera not found",
    ),
    "status-code-description": (
        {"content-type": "application/json"},
        json.dumps({"status": 400, "code": "BadThing", "description": "The thing is bad"}).encode(),
        "The thing is bad",
    ),
    "plain-text": ({"content-type": "text/plain"}, b"camera is busy, go away", "camera is busy, go away"),
    "empty": ({}, b"", None),
    "html": (
        {"content-type": "text/html"},
        b"<html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>",
        None,
    ),
}


# --- a real HTTP server on 127.0.0.1 ------------------------------------------------------------


class LoopbackServer:
    """http.server on 127.0.0.1 in a thread. `routes` maps a path to (status, headers, body); an
    unknown path answers 404 with a ProblemDetails body. Every request line is kept."""

    def __init__(self, routes: dict[str, tuple[int, dict[str, str], bytes]]) -> None:
        self.routes = routes
        self.request_lines: list[str] = []
        server = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                server.request_lines.append(self.requestline)
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                path = self.path.split("?", 1)[0]
                status, headers, body = server.routes.get(
                    path,
                    (404, {"content-type": "application/problem+json"}, b'{"title":"Not Found","status":404}'),
                )
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
                pass  # the server's own access log is not what the tests look at

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="loopback-http", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
