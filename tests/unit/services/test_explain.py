"""explain(): every failure in the user's words, the technical text kept for the details."""

from __future__ import annotations

import errno
import re

import httpx
import pytest

from faceter_viewer.api import errors
from faceter_viewer.api.redaction import register_secret
from faceter_viewer.services.explain import Explanation, explain

WHAT = "GET /v1/cameras"
CONNECT = errors.error_from_exception(httpx.ConnectError("[Errno 111] Connection refused"), WHAT)
TIMEOUT = errors.error_from_exception(httpx.ReadTimeout("timed out"), WHAT)
TIMELINE = "GET /archive-api/archives/abc/timeline"

# (the error, words the sentence must hold)
CASES = [
    (CONNECT, "the Faceter service cannot be reached"),
    (errors.NetworkError(f"{TIMELINE}: cannot connect ([Errno 111] Connection refused)"), "cannot be reached"),
    (TIMEOUT, "did not answer in time"),
    (errors.error_for_status(401, "key revoked", request_id="r-1"), "does not accept the integration key"),
    (errors.error_for_status(403, "forbidden", code="Forbidden"), "this key is not allowed to do that"),
    (errors.error_for_status(404, "Not Found: /v1/cameras/9"), "could not find it"),
    (errors.error_for_status(404, "no playlist", code="PlaylistNotFound"), "no archive video there"),
    (errors.error_for_status(400, "POST /v1/exports: bad range"), "the service refused the request"),
    (errors.error_for_status(422, "invalid"), "the service refused the request"),
    (errors.error_for_status(429, None, retry_after=30), "try again in 30 s"),
    (errors.error_for_status(429, None), "try again in a moment"),
    (errors.error_for_status(500, "boom"), "internal problem; try again later"),
    (errors.error_for_status(418, None), "internal problem"),  # "Unexpected answer … (HTTP 418)"
    (errors.InvalidResponseError(f"{TIMELINE}: not JSON"), "sent data this app cannot read"),
    (errors.FaceterError("PUT /v1/x failed", status=409), "the service answered with an error"),
    (TimeoutError("timed out"), "did not answer in time"),
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "cannot be reached"),
    (PermissionError(errno.EACCES, "Permission denied", "/home/u/Pictures/x.png"), "permission denied (the folder /home/u/Pictures)"),
    (OSError(errno.ENOSPC, "No space left on device", "/media/usb/Faceter"), "the disk is full (the folder /media/usb/Faceter)"),
    (OSError(errno.EIO, "Input/output error", "/mnt/x.png"), "input/output error (the folder /mnt)"),
    (OSError("cannot write /tmp/a.png"), "cannot write /tmp/a.png"),
    (OSError(), "the file could not be written"),
    (ValueError("bad value"), "something unexpected went wrong"),
    (KeyError("camera"), "something unexpected went wrong"),
]

TECHNICAL = [
    re.compile(r"\b(GET|POST|PUT|DELETE|PATCH)\b"),
    re.compile(r"/v1/"),
    re.compile(r"/archive-api/"),
    re.compile(r"Errno"),
    re.compile(r"HTTP \d"),
    re.compile(r"\b\d{3}\b"),  # a bare status
]


@pytest.mark.parametrize(("exc", "words"), CASES, ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else "")
def test_the_sentence_is_in_the_users_words(exc, words):
    explanation = explain(exc, "load the cameras")
    assert isinstance(explanation, Explanation)
    assert explanation.text.startswith("Could not load the cameras: ")
    assert explanation.text.endswith(".")
    assert words in explanation.text
    assert explanation.text == f"Could not load the cameras: {explanation.reason}."
    for pattern in TECHNICAL:
        assert not pattern.search(explanation.text), f"{pattern.pattern!r} in {explanation.text!r}"
    for cls in type(exc).__mro__:
        assert cls.__name__ not in explanation.text


@pytest.mark.parametrize(("exc", "words"), CASES, ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else "")
def test_the_details_keep_the_technical_text(exc, words):
    details = explain(exc, "load the cameras").details
    assert details.startswith(type(exc).__name__)
    if str(exc):
        assert str(exc) in details


def test_the_details_name_status_code_request_id_and_cause():
    exc = errors.error_for_status(404, "no playlist", code="PlaylistNotFound", request_id="req-42")
    details = explain(exc, "play the archive of Gate").details.splitlines()
    assert details[0] == "NoArchiveError: no playlist (HTTP 404)"
    assert "HTTP status: 404" in details and "Code: PlaylistNotFound" in details and "Request id: req-42" in details
    try:
        try:
            raise OSError(errno.EACCES, "Permission denied", "/x")
        except OSError as disk:
            raise RuntimeError("saving failed") from disk
    except RuntimeError as chained:
        assert explain(chained, "save the snapshot").details.splitlines()[-1].startswith("Caused by PermissionError:")


def test_no_secret_reaches_the_text_or_the_details():
    register_secret("explain-secret-key-9876")
    exc = RuntimeError("GET https://h/x?signature=abc123&exp=1 with key explain-secret-key-9876")
    explanation = explain(exc, "load the preview")
    for text in (explanation.text, explanation.details):
        assert "abc123" not in text and "explain-secret-key-9876" not in text


def test_doing_is_said_as_given():
    assert explain(CONNECT, "play the archive of Gate").text == (
        "Could not play the archive of Gate: the Faceter service cannot be reached."
    )
    assert explain(CONNECT, "load the preview").reason == "the Faceter service cannot be reached"
