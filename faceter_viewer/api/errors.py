"""One error tree for everything the Faceter APIs can answer (api-rules §2, §12, §13).

    FaceterError
    ├── AuthenticationError      401, or a key the service says is not valid: ask for the key again
    ├── PermissionDeniedError    403: this key may not do this one thing; stay signed in
    ├── NotFoundError            404
    │   └── NoArchiveError       404 PlaylistNotFound / preview 404: "no video there", not a failure
    ├── BadRequestError          400, 422
    ├── RateLimitedError         429 (retry_after in seconds when the server said)
    ├── ServerError              5xx and other unexpected statuses
    ├── InvalidResponseError     a 2xx whose body is not what the document describes
    ├── NetworkError             no answer: connection refused or dropped, DNS, TLS
    │   └── TimeoutError         connect or read timeout
    └── LocalFileError           our own disk refused: full, no permission, read-only (never retried)

Every error has `status` (None when there was no answer), `code` (the body's code, if any) and a
readable `message`; its text never holds a secret (redaction.redact is applied to it).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from faceter_viewer.api.redaction import redact

if TYPE_CHECKING:  # httpx is imported where responses are handled, not by every user of the tree
    import httpx


class FaceterError(Exception):
    default_message = "The Faceter service returned an error"

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        self.message = redact(message or self.default_message)
        self.status = status
        self.code = code
        self.request_id = request_id
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} (HTTP {self.status})" if self.status else self.message


class AuthenticationError(FaceterError):
    default_message = "The integration key is not valid or was revoked"


class PermissionDeniedError(FaceterError):
    default_message = "This integration key is not allowed to do that"


class NotFoundError(FaceterError):
    default_message = "Not found"


class NoArchiveError(NotFoundError):
    default_message = "There is no archive video at that time"


class BadRequestError(FaceterError):
    default_message = "The service rejected the request"


class RateLimitedError(FaceterError):
    default_message = "Too many requests; the service asks to slow down"

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code, request_id=request_id)
        self.retry_after = retry_after


class ServerError(FaceterError):
    default_message = "The Faceter service had an internal error"


class InvalidResponseError(FaceterError):
    default_message = "The service sent an answer this app cannot read"


class NetworkError(FaceterError):
    default_message = "Could not reach the Faceter service"


class TimeoutError(NetworkError):  # noqa: A001 - deliberately the API's own timeout
    default_message = "The Faceter service did not answer in time"


class LocalFileError(FaceterError):
    """Writing a download failed on this machine (api-rules §11): disk full, permission denied, a
    read-only or vanished folder. Not the service's fault, so the network retry loop never resends
    for it; the message names the file and the reason ("Cannot write /x/y.mp4.part: No space left
    on device"). `path` is that file, `errno` the OS error number."""

    default_message = "Cannot write the file"

    def __init__(self, message: str | None = None, *, path: str | None = None, errno: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.errno = errno


_NO_ARCHIVE_CODES = {"PlaylistNotFound"}


def error_message_from_body(response: httpx.Response) -> tuple[str | None, str | None]:
    """§12: a readable message and a code from any of the three error-body shapes: RFC 7807
    ProblemDetails, {"status", "code", "description"}, or plain text."""
    import httpx

    try:
        text = response.text
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return None, None
    text = text.strip()
    if not text:
        return None, None
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    if isinstance(body, dict):
        code = body.get("code") if isinstance(body.get("code"), str) else None
        parts = [
            body.get(name)
            for name in ("detail", "description", "message", "title", "error")
            if isinstance(body.get(name), str) and body.get(name)
        ]
        if "detail" in body and "title" in body and body.get("detail") and body.get("title"):
            # ProblemDetails: "Not Found: Preview not found" reads better than either alone
            parts = [f"{body['title']}: {body['detail']}"]
        if parts:
            return str(parts[0]), code
        return code, code
    if isinstance(body, str):
        return body, None
    if text.startswith("<"):  # an HTML error page from a proxy says nothing useful
        return None, None
    return text[:300], None


def error_for_status(
    status: int,
    message: str | None,
    code: str | None = None,
    *,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> FaceterError:
    """The one status → error-class mapping."""
    cls: type[FaceterError]
    if status == 401:
        cls, message = AuthenticationError, message and f"Not authorised: {message}"
    elif status == 403:
        cls, message = PermissionDeniedError, message and f"Not allowed: {message}"
    elif status == 404:
        cls = NoArchiveError if code in _NO_ARCHIVE_CODES else NotFoundError
    elif status in (400, 422):
        cls, message = BadRequestError, message and f"Bad request: {message}"
    elif status == 429:
        return RateLimitedError(message, retry_after=retry_after, status=status, code=code, request_id=request_id)
    elif status >= 500:
        cls, message = ServerError, message and f"Server error: {message}"
    else:
        cls, message = ServerError, message or f"Unexpected answer from the service (HTTP {status})"
    return cls(message, status=status, code=code, request_id=request_id)


def error_from_response(response: httpx.Response, retry_after: float | None = None) -> FaceterError:
    message, code = error_message_from_body(response)
    request_id = response.headers.get("x-request-id") or response.headers.get("request-id")
    return error_for_status(
        response.status_code, message, code, request_id=request_id, retry_after=retry_after
    )


def error_from_exception(exc: httpx.TransportError, what: str) -> NetworkError:
    """A transport failure as a NetworkError whose text names the call but not its URL."""
    import httpx

    reason = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.TimeoutException):
        kind = "connecting" if isinstance(exc, httpx.ConnectTimeout) else "waiting for an answer"
        return TimeoutError(f"{what}: timed out {kind}")
    if isinstance(exc, httpx.ConnectError):
        return NetworkError(f"{what}: cannot connect ({reason})")
    if isinstance(exc, httpx.RemoteProtocolError):
        return NetworkError(f"{what}: the connection was closed mid-answer ({reason})")
    return NetworkError(f"{what}: {reason}")
