"""The download faults of the demo service (faults.py grammar: ignore_range, range_from_zero,
status416, etag_change): what a file server does wrong to a resumed download (api-rules §11).

Each wraps the real route for one request: it rewrites the request's Range/If-Range headers and
the answer's status, Content-Range and validators, and serves the route's bytes unchanged, so a
client that handles the fault ends with exactly the file a clean download gives.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime


class DownloadFault:
    """ASGI wrapper applying one download fault (ignore_range, range_from_zero, status416,
    etag_change) to one request: the request's Range headers and the answer's status and
    validators are rewritten around the real route, whose bytes are served unchanged."""

    CHANGED = "-changed"  # the replaced file's ETag: the real one with this inside the quotes
    LATER = timedelta(days=1)  # the replaced file's Last-Modified: a day after the real one

    def __init__(self, app, kind: str) -> None:
        self.app = app
        self.kind = kind

    async def __call__(self, scope, receive, send) -> None:
        kind = self.kind
        if kind == "etag_change":
            await self._changed_file(scope, receive, send)
            return
        whole = _without_headers(scope, {b"range", b"if-range"})
        if kind == "ignore_range":
            await self.app(whole, receive, send)
            return
        status, headers, body = await _gather(self.app, whole, receive)
        if 200 <= status < 300 and kind == "range_from_zero":
            status = 206
            headers = _replace_header(headers, b"content-range", f"bytes 0-{len(body) - 1}/{len(body)}")
        elif 200 <= status < 300:  # status416; an error answer stays the error it is
            status = 416
            headers = [(b"content-range", f"bytes */{len(body)}".encode()), (b"content-type", b"text/plain")]
            body = b""
        headers = _replace_header(headers, b"content-length", str(len(body)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    async def _changed_file(self, scope, receive, send) -> None:
        """The file now has other validators. An If-Range naming the new ones is translated back
        to the real ones (the range is served); one naming anything else no longer matches, so
        Range is dropped and the whole body is served (RFC 9110 §13.1.5)."""
        headers = dict(scope["headers"])
        if_range = headers.get(b"if-range")
        if if_range is not None:
            real = self._real_validator(if_range.decode("latin-1"))
            if real is None:
                scope = _without_headers(scope, {b"range", b"if-range"})
            else:
                scope = _without_headers(scope, {b"if-range"})
                scope["headers"].append((b"if-range", real.encode("latin-1")))

        async def changed(message) -> None:
            if message["type"] == "http.response.start":
                rewritten = []
                for name, value in message.get("headers", []):
                    if name.lower() == b"etag":
                        value = self._changed_etag(value.decode("latin-1")).encode("latin-1")
                    elif name.lower() == b"last-modified":
                        value = self._shift_date(value.decode("latin-1"), self.LATER).encode("latin-1")
                    rewritten.append((name, value))
                message = {**message, "headers": rewritten}
            await send(message)

        await self.app(scope, receive, changed)

    def _changed_etag(self, etag: str) -> str:
        return etag[:-1] + self.CHANGED + '"' if etag.endswith('"') else etag + self.CHANGED

    def _real_validator(self, if_range: str) -> str | None:
        """The real validator an If-Range naming the changed file stands for; None for an
        If-Range naming anything else (the old file)."""
        if if_range.endswith(self.CHANGED + '"'):
            return if_range[: -len(self.CHANGED) - 1] + '"'
        if if_range.startswith('"') or if_range.startswith("W/"):
            return None
        real = self._shift_date(if_range, -self.LATER)
        return real if real != if_range else None

    @staticmethod
    def _shift_date(value: str, by: timedelta) -> str:
        try:
            return format_datetime(parsedate_to_datetime(value) + by, usegmt=True)
        except (TypeError, ValueError, IndexError):
            return value


def _without_headers(scope, names: set[bytes]) -> dict:
    return {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() not in names]}


def _replace_header(headers, name: bytes, value: str) -> list:
    return [(k, v) for k, v in headers if k.lower() != name] + [(name, value.encode("latin-1"))]


async def _gather(app, scope, receive) -> tuple[int, list, bytes]:
    start: dict = {}
    chunks: list[bytes] = []

    async def capture(message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        else:
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    return start.get("status", 500), list(start.get("headers", [])), b"".join(chunks)
