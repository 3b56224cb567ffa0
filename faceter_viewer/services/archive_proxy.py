"""A loopback HTTP proxy between libvlc and the Archive API: archive playback that retries and
re-signs (api-rules §13, §17, §18).

libvlc fetches HLS segments itself and neither retries a failed one (it skips it: the picture
jumps) nor knows about token refresh (the playlist's segment URIs carry the signature of the
moment it was fetched, and the demo, like the service, signs them with the request's `exp`). So
libvlc is given a playlist on 127.0.0.1 whose segment URIs point back here, and every segment is
fetched through the shared HttpSession (the one retry loop of §13), signed with the archive
client's CURRENT token (ArchiveClient.get_signed). A token that runs out mid-playback is
refreshed by the next request that needs it, and the URL libvlc holds stays valid: no re-open.

A segment that cannot be fetched after the retries is NOT answered with an error (libvlc would
skip it): its request is held, so the player runs out of video at the last frame before it, and
the stream's owner is told (`on_unavailable`, with the error). When the footage is missing (the
service answered with an error) the request is held until the stream is closed and the span is
listed in `unavailable`. When the service did not answer at all (it is unreachable), the span is
not "missing": the owner calls `resume_held()` once the service is back, the held request
fetches the segment again and answers it, and the player plays on from the frame it stopped at,
with no re-open.

One proxy per session (Session.archive_proxy()), started on first use, closed with the session;
bound to 127.0.0.1 only, each stream under an unguessable key.
"""

from __future__ import annotations

import logging
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from faceter_viewer.api import errors
from faceter_viewer.api.rules import parse_api_datetime
from faceter_viewer.core.lru_cache import LruCache
from faceter_viewer.services.connectivity import is_unreachable

if TYPE_CHECKING:
    from faceter_viewer.api.archive import ArchiveClient

log = logging.getLogger("faceter_viewer.services.archive_proxy")

SEGMENT_CACHE_BYTES = 24 * 1024**2
"""Recent segments kept in memory: a resume at the frame on screen does not download them again."""

HOLD_SECONDS = 600.0
"""How long a request for a segment that could not be fetched is held before it is answered 503."""

UnavailableCallback = Callable[["ArchiveStream", float, float, BaseException], None]
"""(stream, span start, span end, the last error): called on a proxy thread."""


@dataclass(frozen=True)
class Segment:
    upstream: str  # absolute URL as the playlist gave it (its signature is replaced when fetched)
    start: float  # wall time of its first frame (epoch seconds)
    duration: float

    @property
    def end(self) -> float:
        return self.start + self.duration


class ArchiveStream:
    """One archive playlist served to one player. Thread-safe (proxy threads read it)."""

    def __init__(
        self,
        proxy: ArchiveProxy,
        archive: ArchiveClient,
        key: str,
        upstream_text: str,
        upstream_url: str,
        fallback_start: float,
        on_unavailable: UnavailableCallback | None,
    ) -> None:
        self.proxy = proxy
        self.archive = archive
        self.key = key
        self.upstream_text = upstream_text
        self.segments, self._local_text = _rewrite(upstream_text, upstream_url, fallback_start)
        self._on_unavailable = on_unavailable
        self._lock = threading.Lock()
        self._released = threading.Event()  # closed: held requests give up
        self._wake = threading.Condition(self._lock)  # held requests wait on it
        self._resumes = 0  # resume_held() calls: a held request that sees it change tries again
        self._unavailable: list[tuple[float, float]] = []
        self.served_last = False  # the playlist's last segment reached the player

    @property
    def url(self) -> str:
        """What the player opens."""
        return f"{self.proxy.base_url}/{self.key}/index.m3u8"

    @property
    def unavailable(self) -> list[tuple[float, float]]:
        with self._lock:
            return list(self._unavailable)

    @property
    def closed(self) -> bool:
        return self._released.is_set()

    def local_playlist(self) -> bytes:
        return self._local_text.encode()

    def fetch_segment(self, index: int) -> bytes | None:
        """The segment's bytes (from the cache, else upstream with retries and re-signing); None
        when it cannot be fetched (reported once through on_unavailable)."""
        segment = self.segments[index]
        body = self.proxy.cache_get(segment.upstream)
        if body is None:
            try:
                body = self.archive.get_signed(segment.upstream).content
            except errors.FaceterError as exc:
                log.warning("archive segment %.3f–%.3f unavailable after retries: %s", segment.start, segment.end, exc)
                self._report(segment, exc, missing=not is_unreachable(exc))
                return None
            self.proxy.cache_put(segment.upstream, body)
        if index == len(self.segments) - 1:
            self.served_last = True
        return body

    def _report(self, segment: Segment, exc: BaseException, *, missing: bool) -> None:
        with self._lock:
            if self._released.is_set():
                return
            if missing:
                self._unavailable.append((segment.start, segment.end))
        if self._on_unavailable is not None:
            self._on_unavailable(self, segment.start, segment.end, exc)

    def hold(self) -> bool:
        """Block the caller (a request for a segment that could not be fetched) until the
        stream closes (False) or resume_held() asks to fetch it again (True)."""
        with self._wake:
            resumes = self._resumes
            self._wake.wait_for(lambda: self._released.is_set() or self._resumes != resumes, HOLD_SECONDS)
            return not self._released.is_set() and self._resumes != resumes

    def resume_held(self) -> None:
        """The service is back: held requests fetch their segment again."""
        with self._wake:
            self._resumes += 1
            self._wake.notify_all()

    def release(self) -> None:
        """Held requests give up (the stream is closed, or the proxy is)."""
        with self._wake:
            self._released.set()
            self._wake.notify_all()

    def close(self) -> None:
        self.release()
        self.proxy._forget(self)


class ArchiveProxy:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self._host = host
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._streams: dict[str, ArchiveStream] = {}
        self._cache: LruCache[str, bytes] = LruCache(SEGMENT_CACHE_BYTES, size_of=len)
        self._cache_lock = threading.Lock()
        self.upstream_fetches = 0  # segments fetched upstream (diagnostics and benchmarks)

    @property
    def base_url(self) -> str:
        server = self._ensure_started()
        return f"http://{self._host}:{server.server_address[1]}"

    def open_stream(
        self,
        archive: ArchiveClient,
        start: float,
        duration: float,
        on_unavailable: UnavailableCallback | None = None,
    ) -> ArchiveStream:
        """Fetch the playlist of [start, start + duration) (a worker call: retries, §18 refresh;
        NoArchiveError when there is none) and serve it under a new key."""
        text = archive.fetch_playlist(start, duration)
        self._ensure_started()
        key = secrets.token_urlsafe(18)
        stream = ArchiveStream(
            self, archive, key, text, archive.unsigned_method_url("index.m3u8"), start, on_unavailable
        )
        with self._lock:
            self._streams[key] = stream
        return stream

    def stream(self, key: str) -> ArchiveStream | None:
        with self._lock:
            return self._streams.get(key)

    def _forget(self, stream: ArchiveStream) -> None:
        with self._lock:
            if self._streams.get(stream.key) is stream:
                del self._streams[stream.key]

    def cache_get(self, upstream: str) -> bytes | None:
        with self._cache_lock:
            return self._cache.get(upstream)

    def cache_put(self, upstream: str, body: bytes) -> None:
        with self._cache_lock:
            self.upstream_fetches += 1
            self._cache.put(upstream, body)

    def _ensure_started(self) -> _Server:
        with self._lock:
            if self._server is None:
                self._server = _Server((self._host, 0), _Handler, self)
                self._thread = threading.Thread(
                    target=self._server.serve_forever, kwargs={"poll_interval": 0.2}, name="archive-proxy", daemon=True
                )
                self._thread.start()
                log.info("archive proxy on %s:%d", self._host, self._server.server_address[1])
            return self._server

    def close(self) -> None:
        """Release held requests, stop serving, close open connections, join the threads."""
        with self._lock:
            server, thread, streams = self._server, self._thread, list(self._streams.values())
            self._server = self._thread = None
            self._streams.clear()
        for stream in streams:
            stream.release()
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()  # joins the request threads
        if thread is not None:
            thread.join(5.0)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # joined by server_close: the leak check sees no stray thread
    block_on_close = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], proxy: ArchiveProxy) -> None:
        self.proxy = proxy
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def track(self, connection: socket.socket, alive: bool) -> None:
        with self._connections_lock:
            (self._connections.add if alive else self._connections.discard)(connection)

    def close_connections(self) -> None:
        """Wake handler threads idling on a keep-alive connection (libvlc keeps them open)."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: libvlc fetches every segment on one connection
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Without it, a header write followed by a body write waits ~40 ms for a delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        try:
            super().finish()
        except OSError:
            pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        try:
            self._answer()
        except (BrokenPipeError, ConnectionResetError):
            log.debug("the player went away during %s", self.path.split("?")[0])
            self.close_connection = True

    def _answer(self) -> None:
        parts = self.path.split("?", 1)[0].strip("/").split("/")
        stream = self.server.proxy.stream(parts[0]) if len(parts) == 2 else None
        if stream is None:
            return self._send(404, b"unknown stream", "text/plain")
        name = parts[1]
        if name == "index.m3u8":
            return self._send(200, stream.local_playlist(), "application/vnd.apple.mpegurl")
        index = _segment_index(name, len(stream.segments))
        if index is None:
            return self._send(404, b"unknown segment", "text/plain")
        body = stream.fetch_segment(index)
        while body is None:
            # The player waits at the frame before the gap instead of skipping it.
            if not stream.hold():
                self.close_connection = True
                return self._send(503, b"segment unavailable", "text/plain")
            body = stream.fetch_segment(index)  # the service is back: try again
        self._send(200, body, "video/mp2t")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
        log.debug("proxy: " + format, *args)


def _segment_index(name: str, count: int) -> int | None:
    stem, dot, ext = name.partition(".")
    if dot and ext == "ts" and stem.isdigit() and int(stem) < count:
        return int(stem)
    return None


def _rewrite(text: str, upstream_url: str, fallback_start: float) -> tuple[list[Segment], str]:
    """The playlist's segments (absolute upstream URLs and wall times) and the playlist the
    player gets: the same tags, each segment URI replaced by `<index>.ts` (relative to the
    proxy's playlist URL)."""
    segments: list[Segment] = []
    lines: list[str] = []
    clock = fallback_start
    duration = 0.0
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#EXT-X-PROGRAM-DATE-TIME:"):
            try:
                clock = parse_api_datetime(line.split(":", 1)[1]).timestamp()
            except ValueError:
                pass
        elif line.startswith("#EXTINF:"):
            try:
                duration = float(line[len("#EXTINF:") :].split(",", 1)[0])
            except ValueError:
                duration = 0.0
        elif line and not line.startswith("#"):
            segments.append(Segment(urljoin(upstream_url, line), clock, duration))
            clock += duration
            lines.append(f"{len(segments) - 1}.ts")
            continue
        lines.append(raw)
    return segments, "\n".join(lines) + "\n"
