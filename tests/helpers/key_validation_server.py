"""A tiny real HTTP server on 127.0.0.1 for the sign-in tests: it answers
`POST <base>/v1/integration-key/validate` as the Integration API document describes, or plays a
web server that is not the Faceter API. (The demo service can replace it once its fixture exists;
this one also lets a test hold an answer back, to look at the dialog while it waits.)

    with KeyValidationServer(valid_key="k") as server:
        server.base_url            # http://127.0.0.1:<port>/integration-api
        server.hold.set()          # answers wait until server.release.set()
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
from enum import StrEnum
from typing import Any

BASE_PATH = "/integration-api"
VALIDATE_PATH = BASE_PATH + "/v1/integration-key/validate"


class Mode(StrEnum):
    FACETER = "faceter"  # {"isValid": key == valid_key}
    UNAUTHORISED = "unauthorised"  # 401 ProblemDetails for any key
    WEBSITE = "website"  # 200 text/html for every path and method (an ordinary site)
    NOT_FOUND = "not_found"  # 404 text/html for every path (a site without this path)


class KeyValidationServer:
    def __init__(self, valid_key: str, mode: Mode = Mode.FACETER) -> None:
        self.valid_key = valid_key
        self.mode = mode
        self.hold = threading.Event()
        self.release = threading.Event()
        self.received = threading.Event()  # set when a request arrived
        self.answered = threading.Event()  # set when an answer was sent
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers
        server = self

        class _Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                server.requests.append((self.command, self.path, dict(self.headers.items())))
                server.received.set()
                if server.hold.is_set():
                    server.release.wait(timeout=20)
                status, content_type, body = server._respond(self.command, self.path, self.headers)
                self.send_response(status)
                self.send_header("content-type", content_type)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                server.answered.set()

            do_GET = do_POST = _answer

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib's name
                pass

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="key-validation-http", daemon=True)

    def _respond(self, method: str, path: str, headers: Any) -> tuple[int, str, bytes]:
        html = "text/html; charset=utf-8"
        if self.mode == Mode.WEBSITE:
            return 200, html, b"<!doctype html><html><body><h1>Welcome to my site</h1></body></html>"
        if self.mode == Mode.NOT_FOUND:
            return 404, html, b"<html><body>404 Not Found</body></html>"
        if method != "POST" or path.split("?", 1)[0] != VALIDATE_PATH:
            body = {"type": "about:blank", "title": "Not Found", "status": 404}
            return 404, "application/problem+json", json.dumps(body).encode()
        if self.mode == Mode.UNAUTHORISED:
            body = {"title": "Unauthorized", "status": 401, "detail": "Invalid integration key"}
            return 401, "application/problem+json", json.dumps(body).encode()
        valid = headers.get("X-Integration-Key") == self.valid_key
        return 200, "application/json", json.dumps({"isValid": valid}).encode()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.url + BASE_PATH

    def __enter__(self) -> KeyValidationServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def closed_port_url() -> str:
    """http://127.0.0.1:<port> where nothing listens (a port just bound and released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/integration-api"
