"""Secrets stay out of logs and exception texts (api-rules §21): the redaction rules, and real calls
to a loopback HTTP server with every logger at DEBUG."""

from __future__ import annotations

import io
import json
import logging
import socket
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

import pytest

from faceter_viewer.api import errors, redaction
from faceter_viewer.api.integration import IntegrationClient
from faceter_viewer.api.models import Camera, NewEvent
from faceter_viewer.api.redaction import MASK, RedactingFilter, install_redaction, redact, register_secret
from tests.helpers.api_fakes import CAMERA_ID, LoopbackServer, camera_json

# --- the rules ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("GET https://a.test/archives/x/timeline?start=1&signature=3a1a3cfc&exp=17", "3a1a3cfc"),
        ("https://a.test/archives/x/index.m3u8?SIGNATURE=AbC%2F123", "AbC%2F123"),
        ("segment1.ts?signature=seg-own-sig", "seg-own-sig"),
        ('{"archiveApiToken": {"signature": "json-sig-value", "exp": 1}}', "json-sig-value"),
        ('{"signature":"tight-json-sig"}', "tight-json-sig"),
        ("X-Integration-Key: header-key-value", "header-key-value"),
        ("x-integration-key=lower-key-value", "lower-key-value"),
        ("{'X-Integration-Key': 'dict-key-value'}", "dict-key-value"),
        ("[(b'X-Integration-Key', b'bytes-key-value')]", "bytes-key-value"),
        ('headers={"x-integration-key": "json-key-value"}', "json-key-value"),
    ],
)
def test_redact_masks_signatures_and_key_headers_by_pattern(text, secret):
    masked = redact(text)
    assert secret not in masked
    assert MASK in masked


def test_redact_keeps_the_rest_readable():
    masked = redact("GET https://a.test/archives/x/timeline?start=1&signature=abc123&exp=17 -> 500")
    assert masked == "GET https://a.test/archives/x/timeline?start=1&signature=***&exp=17 -> 500"


def test_registered_secrets_are_masked_wherever_they_appear():
    register_secret("registered-secret-7b7b")
    assert redact("the key registered-secret-7b7b was refused") == f"the key {MASK} was refused"
    assert redact("xxregistered-secret-7b7bxx") == f"xx{MASK}xx"


def test_very_short_values_are_not_registered_as_secrets():
    register_secret("ab")
    register_secret(None)
    register_secret("")
    assert redact("a tab and a cab") == "a tab and a cab"


def test_redact_leaves_empty_text_alone():
    assert redact("") == ""


def test_the_filter_masks_message_arguments_and_exception_text():
    secret_url = "https://a.test/archives/x/preview?time=1&signature=filter-sig-1234&exp=2"
    try:
        raise RuntimeError(f"failed at {secret_url}")
    except RuntimeError:
        record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "HTTP Request: %s %s", ("GET", secret_url), None)
        import sys

        record.exc_info = sys.exc_info()
    assert RedactingFilter().filter(record) is True
    formatted = logging.Formatter().format(record)
    assert "filter-sig-1234" not in formatted
    assert "signature=***" in formatted
    assert "RuntimeError" in formatted  # the exception is still reported, only masked


def test_the_filter_survives_a_bad_format_string():
    record = logging.LogRecord("httpx", logging.INFO, __file__, 1, "%d items signature=bad-fmt-sig", ("x",), None)
    assert RedactingFilter().filter(record)
    assert "bad-fmt-sig" not in record.getMessage()


def test_install_redaction_is_idempotent_and_covers_the_http_loggers():
    install_redaction()
    install_redaction()
    for name in ("httpx", "httpcore", "httpcore.connection", "httpcore.http11", "faceter_viewer"):
        filters = [f for f in logging.getLogger(name).filters if isinstance(f, RedactingFilter)]
        assert len(filters) == 1, name
    assert set(redaction.REDACTED_LOGGERS) >= {"httpx", "httpcore.connection", "httpcore.http11"}


# --- real calls, every logger at DEBUG ----------------------------------------------------------

KEY = "loopback-integration-key-6e5d4c"
SIG_OLD = "loopback-signature-old-9d8e7f"
SIG_NEW = "loopback-signature-new-1a2b3c"
SECRETS = (KEY, SIG_OLD, SIG_NEW)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _exception_texts(exc: BaseException) -> str:
    """str, repr and the formatted traceback of an exception and of everything chained to it,
    suppressed contexts included."""
    texts = ["".join(traceback.format_exception(exc))]
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        texts += [str(exc), repr(exc), repr(exc.args)]
        exc = exc.__cause__ or exc.__context__
    return "\n".join(texts)


@pytest.fixture
def debug_logs(caplog):
    for name in (None, "httpx", "httpcore", "faceter_viewer"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


@pytest.fixture
def loopback():
    exp = int(time.time()) + 3600
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
    with LoopbackServer(routes) as server:
        archive = f"{server.url}/archive-api/archives/{CAMERA_ID}"
        camera = camera_json(archiveApiUrl=f"{server.url}/archive-api", archiveApiToken={"signature": SIG_NEW, "exp": exp})
        problem = {"content-type": "application/problem+json"}
        routes.update(
            {
                # the Integration API
                f"/integration-api/v1/cameras/{CAMERA_ID}": (200, {"content-type": "application/json"}, json.dumps(camera).encode()),
                "/integration-api/v1/cameras": (401, {"content-type": "text/plain"}, f"key {KEY} was revoked".encode()),
                f"/integration-api/v1/cameras/{CAMERA_ID}/events": (
                    500,
                    {"content-type": "application/json"},
                    json.dumps({"status": 500, "code": "Boom", "description": f"X-Integration-Key: {KEY} broke it"}).encode(),
                ),
                "/integration-api/files/a.mp4": (200, {"content-type": "video/mp4"}, b"mp4 bytes"),
                # the Archive API: echoes of the signed URL in error bodies, as some servers do
                f"/archive-api/archives/{CAMERA_ID}/timeline": (200, {"content-type": "application/json"}, b"[]"),
                f"/archive-api/archives/{CAMERA_ID}/size": (
                    503,
                    {"content-type": "text/plain"},
                    f"overloaded serving {archive}/size?signature={SIG_OLD}&exp={exp}".encode(),
                ),
                f"/archive-api/archives/{CAMERA_ID}/index.m3u8": (
                    404,
                    {"content-type": "application/json"},
                    json.dumps({"status": 404, "code": "PlaylistNotFound", "description": "Archive playlist was not found"}).encode(),
                ),
                f"/archive-api/archives/{CAMERA_ID}/preview": (
                    403,
                    problem,
                    json.dumps({"title": "Forbidden", "status": 403, "detail": f"bad signature {SIG_OLD}"}).encode(),
                ),
            }
        )
        server.camera = Camera.model_validate(  # type: ignore[attr-defined]
            camera_json(archiveApiUrl=f"{server.url}/archive-api", archiveApiToken={"signature": SIG_OLD, "exp": exp})
        )
        yield server


def test_no_secret_in_logs_or_exceptions_of_real_calls(debug_logs, loopback, tmp_path: Path, sleeps):
    client = IntegrationClient(KEY, f"{loopback.url}/integration-api", sleep=sleeps)
    # a handler attached after the client exists: it must not depend on being filtered itself
    late_stream = io.StringIO()
    late_handler = logging.StreamHandler(late_stream)
    late_handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.addHandler(late_handler)
    raised: list[BaseException] = []

    def attempt(call):
        try:
            return call()
        except errors.FaceterError as exc:
            logging.getLogger("faceter_viewer.tests").exception("call failed")
            raised.append(exc)
            return None

    try:
        with client:
            archive = client.archive(loopback.camera)
            # successes
            assert attempt(lambda: client.get_camera(CAMERA_ID)).id == CAMERA_ID
            assert attempt(lambda: archive.timeline(1712745600, 1712745660)) == []
            assert attempt(lambda: client.download_file("/integration-api/files/a.mp4", tmp_path / "a.mp4")) is not None
            url = archive.playlist_url(1712745600, 60)
            logging.getLogger("faceter_viewer.tests").info("would play %s", url)
            # failures
            attempt(lambda: client.list_cameras())  # 401, the body echoes the key
            attempt(lambda: client.list_events(CAMERA_ID))  # 500 x3, the body echoes the key header
            attempt(lambda: client.create_event(CAMERA_ID, NewEvent(start_date=datetime(2026, 4, 10, tzinfo=UTC))))
            attempt(lambda: archive.size(1712745600, 60))  # 503 x3, the body echoes the signed URL
            attempt(lambda: archive.fetch_playlist(1712745600, 60))  # PlaylistNotFound
            attempt(lambda: archive.preview_jpeg(1712745600))  # 403, refresh, 403 again
            attempt(lambda: client.get_camera("missing"))  # 404
        with IntegrationClient(KEY, f"http://127.0.0.1:{_closed_port()}/integration-api", sleep=sleeps) as down:
            attempt(down.list_cameras)  # connection refused
            dead_archive = down.archive(
                Camera.model_validate(
                    camera_json(
                        archiveApiUrl=f"http://127.0.0.1:{_closed_port()}",
                        archiveApiToken={"signature": SIG_OLD, "exp": int(time.time()) + 3600},
                    )
                )
            )
            attempt(lambda: dead_archive.timeline(1712745600, 1712745660))
    finally:
        root.removeHandler(late_handler)

    kinds = {type(exc) for exc in raised}
    assert kinds >= {
        errors.AuthenticationError,
        errors.ServerError,
        errors.NoArchiveError,
        errors.PermissionDeniedError,
        errors.NotFoundError,
        errors.NetworkError,
    }, kinds
    assert len(raised) == 9

    log_text = debug_logs.text + "\n".join(r.getMessage() for r in debug_logs.records) + late_stream.getvalue()
    # the loggers really spoke: httpx's request lines (with the masked signature) and httpcore's debug
    assert "HTTP Request: GET" in log_text
    assert "signature=***" in log_text
    assert "connect_tcp.started" in log_text
    assert "call failed" in log_text and "Traceback" in log_text
    for secret in SECRETS:
        assert secret not in log_text, secret
        for exc in raised:
            assert secret not in _exception_texts(exc), (secret, type(exc))

    # the server saw the real values: the test could have failed
    lines = "\n".join(loopback.request_lines)
    assert SIG_OLD in lines and SIG_NEW in lines


def test_a_child_logger_and_a_late_handler_are_redacted_too():
    import io
    import logging

    from faceter_viewer.api.redaction import install_redaction, register_secret

    install_redaction()
    register_secret("late-handler-secret")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("faceter_viewer.some.child.module")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        logger.info("play %s with %s", "http://h/x?signature=abcdef&exp=1", "late-handler-secret")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "abcdef" not in text and "late-handler-secret" not in text
    assert "signature=***" in text
