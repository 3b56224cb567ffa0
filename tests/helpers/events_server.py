"""A small events endpoint of the Integration API over real HTTP on 127.0.0.1, answering the way a
.NET service may: startTimes with 7 fractional digits (100-ns ticks), both bounds inclusive and
compared at full precision, `limit` capped, ties in a fixed order. For the paging faults the demo
service cannot show (sub-millisecond startTimes), and for looking at POST bodies.

    with EventsServer() as server:
        server.add("e1", ticks_at(T0, 1_234_567))        # T0 + 0.1234567 s
        client = IntegrationClient(KEY, server.base_url)
"""

from __future__ import annotations

import http.server
import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

from faceter_viewer.api import rules
from tests.helpers.api_fakes import KEY

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TICK = timedelta(microseconds=1) / 10  # 100 ns, .NET's resolution
PREFIX = "/integration-api/v1/cameras/"


def ticks_at(base: datetime, extra_ticks: int = 0) -> int:
    """`base` plus `extra_ticks` (100 ns each) as epoch ticks."""
    return (base - EPOCH) // timedelta(microseconds=1) * 10 + extra_ticks


def format_ticks(ticks: int) -> str:
    """2026-04-10T08:00:00.1234567Z, as .NET writes a DateTime."""
    seconds, rest = divmod(ticks, 10**7)
    return f"{EPOCH + timedelta(seconds=seconds):%Y-%m-%dT%H:%M:%S}.{rest:07d}Z"


def _parse_ticks(text: str) -> int:
    return ticks_at(rules.parse_api_datetime(text))


@dataclass(frozen=True)
class FakeEvent:
    id: str
    ticks: int
    type: str = "Motion"


class EventsServer:
    """GET and POST /integration-api/v1/cameras/{id}/events. `queries` keeps every GET's query
    (name -> values), `posts` every POST body; `created` the events posted, by eventId.
    `post_statuses`: statuses to answer the next POSTs with AFTER storing them (an answer lost
    on the way back: the event exists, the client sees the error)."""

    def __init__(self, limit_cap: int = 1000) -> None:
        self.events: list[FakeEvent] = []
        self.limit_cap = limit_cap
        self.queries: list[dict[str, list[str]]] = []
        self.posts: list[dict[str, Any]] = []
        self.created: dict[str, dict[str, Any]] = {}
        self.post_statuses: list[int] = []
        self._lock = threading.Lock()
        server = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave in separate writes

            def _send(self, status: int, payload: Any = None) -> None:
                body = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                if payload is not None:
                    self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _route(self) -> bool:
                path = urlsplit(self.path).path
                if self.headers.get("X-Integration-Key") != KEY:
                    self._send(401, {"title": "Unauthorized", "status": 401})
                    return False
                if not (path.startswith(PREFIX) and path.endswith("/events")):
                    self._send(404, {"title": "Not Found", "status": 404})
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if self._route():
                    self._send(200, server._answer(parse_qs(urlsplit(self.path).query)))

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"null")
                if self._route():
                    self._send(server._post(body))

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="events-http", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/integration-api"

    def add(self, event_id: str, ticks: int, type: str = "Motion") -> FakeEvent:  # noqa: A002 - the API's name
        event = FakeEvent(event_id, ticks, type)
        self.events.append(event)
        return event

    def _answer(self, query: dict[str, list[str]]) -> dict[str, Any]:
        with self._lock:
            self.queries.append(query)
        start = _parse_ticks(query["startDate"][0]) if "startDate" in query else None
        end = _parse_ticks(query["endDate"][0]) if "endDate" in query else None
        types = set(query.get("eventTypes", []))
        limit = min(int(query.get("limit", ["100"])[0]), self.limit_cap)
        inside = [
            e
            for e in self.events
            if (start is None or e.ticks >= start) and (end is None or e.ticks <= end) and (not types or e.type in types)
        ]
        inside.sort(key=lambda e: (e.ticks, e.id), reverse=query.get("sortOrder", ["Desc"])[0] != "Asc")
        items = [
            {"id": e.id, "cameraId": "cam", "type": e.type, "startTime": format_ticks(e.ticks), "attributes": []}
            for e in inside[:limit]
        ]
        return {"items": items, "hasMore": len(inside) > limit}

    def _post(self, body: dict[str, Any]) -> int:
        with self._lock:
            self.posts.append(body)
            self.created.setdefault(body["eventId"], body)
            return self.post_statuses.pop(0) if self.post_statuses else 204

    def __enter__(self) -> EventsServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
