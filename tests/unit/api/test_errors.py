"""The error tree: one status → class mapping, readable messages from every body shape (§12)."""

from __future__ import annotations

import json

import httpx
import pytest

from faceter_viewer.api import errors
from tests.helpers.api_fakes import ERROR_BODIES


def _response(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers or {}, request=httpx.Request("GET", "https://h/x"))


# --- the status mapping -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (401, None, errors.AuthenticationError),
        (403, None, errors.PermissionDeniedError),
        (404, None, errors.NotFoundError),
        (404, "PlaylistNotFound", errors.NoArchiveError),
        (404, "SomethingElse", errors.NotFoundError),
        (400, None, errors.BadRequestError),
        (422, None, errors.BadRequestError),
        (429, None, errors.RateLimitedError),
        (500, None, errors.ServerError),
        (502, None, errors.ServerError),
        (503, None, errors.ServerError),
        (504, None, errors.ServerError),
        (599, None, errors.ServerError),
        (418, None, errors.ServerError),  # unexpected statuses land somewhere readable
        (409, None, errors.ServerError),
    ],
)
def test_error_for_status_maps_each_status_to_its_class(status, code, cls):
    error = errors.error_for_status(status, "msg", code, request_id="rid-1")
    assert type(error) is cls
    assert isinstance(error, errors.FaceterError)
    assert (error.status, error.code, error.request_id) == (status, code, "rid-1")
    assert "msg" in error.message


def test_no_archive_is_a_not_found_and_timeout_a_network_error():
    assert issubclass(errors.NoArchiveError, errors.NotFoundError)
    assert issubclass(errors.TimeoutError, errors.NetworkError)
    assert errors.TimeoutError is not TimeoutError  # the API's own, not the builtin


def test_rate_limited_keeps_retry_after():
    error = errors.error_for_status(429, None, retry_after=12.5)
    assert isinstance(error, errors.RateLimitedError) and error.retry_after == 12.5


@pytest.mark.parametrize(
    ("cls", "status"),
    [(errors.AuthenticationError, 401), (errors.PermissionDeniedError, 403), (errors.ServerError, 500)],
)
def test_default_messages_when_the_body_says_nothing(cls, status):
    error = errors.error_for_status(status, None)
    assert type(error) is cls
    assert error.message == cls.default_message
    assert str(error) == f"{cls.default_message} (HTTP {status})"


def test_an_unexpected_status_without_a_body_names_the_status():
    assert "HTTP 418" in errors.error_for_status(418, None).message


def test_str_without_status_is_just_the_message():
    assert str(errors.NetworkError("could not connect")) == "could not connect"
    assert repr(errors.NetworkError("could not connect")) == "NetworkError('could not connect')"


# --- readable messages from every body shape ----------------------------------------------------


@pytest.mark.parametrize("shape", list(ERROR_BODIES))
def test_error_message_from_every_body_shape(shape):
    headers, body, phrase = ERROR_BODIES[shape]
    message, _code = errors.error_message_from_body(_response(400, body, headers))
    if phrase is None:
        assert message is None
    else:
        assert phrase in message


def test_problem_details_message_joins_title_and_detail():
    body = json.dumps({"type": "about:blank", "title": "Not Found", "status": 404, "detail": "Preview not found"})
    assert errors.error_message_from_body(_response(404, body.encode())) == ("Not Found: Preview not found", None)
    title_only = json.dumps({"title": "One or more validation errors occurred.", "status": 400, "errors": {}})
    assert errors.error_message_from_body(_response(400, title_only.encode()))[0] == (
        "One or more validation errors occurred."
    )


def test_status_code_description_body_gives_its_code():
    body = json.dumps({"status": 404, "code": "PlaylistNotFound", "description": "Archive playlist was not found"})
    assert errors.error_message_from_body(_response(404, body.encode())) == (
        "Archive playlist was not found",
        "PlaylistNotFound",
    )
    code_only = json.dumps({"status": 404, "code": "PlaylistNotFound"})
    assert errors.error_message_from_body(_response(404, code_only.encode())) == ("PlaylistNotFound", "PlaylistNotFound")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'"just a json string"', "just a json string"),
        (b"   \n  ", None),
        (b"[1, 2]", "[1, 2]"),
        (b'{"unrelated": 1}', None),
        (b'{"code": 7, "message": "numeric code"}', "numeric code"),
        (b"x" * 1000, "x" * 300),  # plain text is cut to a readable length
    ],
)
def test_odd_bodies_still_give_something_readable_or_nothing(body, expected):
    assert errors.error_message_from_body(_response(500, body))[0] == expected


def test_error_from_response_reads_request_id_and_code():
    body = json.dumps({"status": 404, "code": "PlaylistNotFound", "description": "Archive playlist was not found"})
    error = errors.error_from_response(_response(404, body.encode(), {"x-request-id": "req-42"}))
    assert isinstance(error, errors.NoArchiveError)
    assert (error.status, error.code, error.request_id) == (404, "PlaylistNotFound", "req-42")
    assert "Archive playlist was not found" in str(error)


# --- transport failures -------------------------------------------------------------------------

SECRET_URL = "https://archive.test/archives/a/timeline?signature=do-not-show-me&exp=1"


@pytest.mark.parametrize(
    ("exc", "cls", "phrase"),
    [
        (httpx.ConnectTimeout("timed out"), errors.TimeoutError, "timed out connecting"),
        (httpx.ReadTimeout("timed out"), errors.TimeoutError, "timed out waiting for an answer"),
        (httpx.PoolTimeout("timed out"), errors.TimeoutError, "timed out"),
        (httpx.ConnectError("[Errno 111] Connection refused"), errors.NetworkError, "cannot connect"),
        (httpx.RemoteProtocolError("Server disconnected"), errors.NetworkError, "closed mid-answer"),
        (httpx.ReadError("reset by peer"), errors.NetworkError, "reset by peer"),
        (httpx.ReadError(""), errors.NetworkError, "ReadError"),
    ],
)
def test_error_from_exception_names_the_call_not_the_url(exc, cls, phrase):
    error = errors.error_from_exception(exc, "GET /archives/a/timeline")
    assert type(error) is cls
    assert phrase in error.message
    assert error.message.startswith("GET /archives/a/timeline")
    assert error.status is None


def test_error_texts_are_redacted():
    error = errors.error_for_status(400, f"bad link {SECRET_URL}")
    assert "do-not-show-me" not in str(error) and "do-not-show-me" not in repr(error)
    assert "signature=***" in str(error)
    network = errors.error_from_exception(httpx.ConnectError(f"cannot reach {SECRET_URL}"), "GET /x")
    assert "do-not-show-me" not in str(network)
