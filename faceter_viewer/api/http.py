"""The one place requests are sent: timeouts, the retry loop, error mapping, streamed downloads.

Both API clients use HttpSession; it is synchronous and meant for worker threads (never the GUI
thread). Every failure leaves as a FaceterError (errors.py) with a redacted message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from faceter_viewer.api import errors, rules
from faceter_viewer.api.part_file import PartFile, parse_content_range, validator_of
from faceter_viewer.api.redaction import install_redaction, redact
from faceter_viewer.api.retry import RetryPolicy, parse_retry_after

log = logging.getLogger("faceter_viewer.api")

JSON_TIMEOUT = httpx.Timeout(connect=5.0, read=15.0, write=15.0, pool=5.0)
"""Connect 5 s, read 15 s for JSON calls (issue [1/8])."""

STREAM_TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=15.0, pool=5.0)
"""Downloads: a server may take a while to produce a clip before its first byte arrives."""

ProgressCallback = Callable[[int, int | None], None]
"""Called with (bytes written so far, total bytes or None when the server did not say)."""

PROGRESS_STEP = 256 * 1024
"""A download reports progress each time this many more bytes are on their way to disk."""

Params = Sequence[tuple[str, str]] | None

_T = TypeVar("_T")


def describe(method: str, url: str | httpx.URL) -> str:
    """`GET /v1/cameras/abc`: how a call is named in messages (no host, no query, no secret)."""
    return redact(f"{method} {urlsplit(str(url)).path or '/'}")


class HttpSession:
    def __init__(
        self,
        *,
        base_url: str = "",
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: httpx.Timeout = JSON_TIMEOUT,
        stream_timeout: httpx.Timeout = STREAM_TIMEOUT,
    ) -> None:
        install_redaction()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._stream_timeout = stream_timeout
        self._base_url = base_url
        self._origin_only_headers = tuple(headers or {})
        self._client = httpx.Client(
            base_url=base_url,
            headers=headers or {},
            transport=transport,
            timeout=timeout,
            follow_redirects=True,
            event_hooks={"request": [self._drop_headers_off_origin]},
        )

    def _drop_headers_off_origin(self, request: httpx.Request) -> None:
        """The session's headers (the integration key) go to its own origin only. httpx strips
        just `Authorization` when a redirect leaves the origin, so a redirect to a file host would
        otherwise carry the key there (§2, §15, §21; rules.same_origin). Runs for every request of
        a redirect chain."""
        if self._origin_only_headers and not rules.same_origin(str(request.url), self._base_url):
            for name in self._origin_only_headers:
                request.headers.pop(name, None)

    def close(self) -> None:
        self._client.close()

    # --- plain requests ---------------------------------------------------------------------

    def send(
        self,
        method: str,
        url: str,
        *,
        params: Params = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        idempotent: bool = True,
    ) -> httpx.Response:
        """Send with retries; return the successful (2xx) response, body read. Raise FaceterError."""
        what = describe(method, url)

        def once() -> httpx.Response:
            started = time.monotonic()
            response = self._client.request(method, url, params=_query(params), json=json, headers=headers)
            log.debug("%s -> %s (%.0f ms)", what, response.status_code, _ms(started))
            if not response.is_success:
                raise _ErrorStatus(response)
            return response

        return self._with_retries(what, once, idempotent=idempotent)

    def _with_retries(self, what: str, once: Callable[[], _T], *, idempotent: bool) -> _T:
        """The one retry loop (api-rules §13) for plain requests and downloads alike: call `once`
        until it returns, or until RetryPolicy says a failure is final. `once` raises
        httpx.TransportError for a failed exchange and _ErrorStatus for a non-2xx answer; every
        other exception (a FaceterError such as "cancelled") leaves at once."""
        attempt = 0
        while True:
            started = time.monotonic()
            try:
                return once()
            except (httpx.DecodingError, httpx.TooManyRedirects) as exc:
                raise _unreadable(exc, what) from None
            except httpx.TransportError as exc:
                log.debug("%s failed after %.0f ms: %s", what, _ms(started), type(exc).__name__)
                if not self.retry.should_retry(attempt, exception=exc, idempotent=idempotent):
                    raise errors.error_from_exception(exc, what) from None
                delay = self.retry.backoff(attempt)
            except _ErrorStatus as failed:
                delay = self._status_retry_delay(what, failed.response, attempt, idempotent)
            self._sleep(delay)
            attempt += 1

    def _status_retry_delay(self, what: str, response: httpx.Response, attempt: int, idempotent: bool) -> float:
        """How long to wait before resending after an error status; raise the status's
        FaceterError when it is final, or at once when the server asks for a wait beyond the cap."""
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        if not self.retry.should_retry(attempt, status=response.status_code, idempotent=idempotent):
            raise errors.error_from_response(response, retry_after) from None
        if self.retry.retry_after_too_long(retry_after):
            message, code = errors.error_message_from_body(response)
            raise errors.error_for_status(
                response.status_code,
                f"{what}: the service asks to wait {retry_after:.0f} s before trying again "
                f"(more than {self.retry.max_retry_after:.0f} s); try again later",
                code,
                retry_after=retry_after,
            ) from None
        return self.retry.delay(attempt, retry_after)

    def send_json(self, method: str, url: str, **kwargs: Any) -> Any:
        response = self.send(method, url, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise errors.InvalidResponseError(
                f"{describe(method, url)}: the answer is not valid JSON", status=response.status_code
            ) from None

    # --- streamed downloads -----------------------------------------------------------------

    def download(
        self,
        url: str,
        dest: Path,
        *,
        params: Params = None,
        headers: dict[str, str] | None = None,
        on_progress: ProgressCallback | None = None,
        cancelled: Callable[[], bool] | None = None,
        resume: bool = False,
        verify: Callable[[Path], None] | None = None,
    ) -> Path:
        """Stream a GET to `dest` safely (api-rules §11). Bytes go to `dest.part`; the file
        appears under its final name only complete, verified and on disk (fsync, os.replace,
        fsync of the folder). A connection dropped mid-body is retried by the one retry loop,
        resuming with `Range` + `If-Range`; an answer that does not continue the part exactly
        makes the download start over from byte 0.

        `resume`: a `.part` left by an earlier call (or process) with its validator file is
        continued, and on failure the part is kept for the next call; without it the part is
        removed on failure. `verify(part)` runs after the body (a body without a length that
        ends early looks complete); its errors.InvalidResponseError restarts the download once,
        a second one is final (and the part is removed). Raises FaceterError; a local disk
        problem is errors.LocalFileError, never retried. Nothing ever appears under `dest` on
        failure."""
        dest = Path(dest)
        what = describe("GET", url)
        part = PartFile(dest).open(resume=resume)
        keep = resume
        try:
            for check in (1, 2):

                def once() -> None:
                    self._stream_once(url, params, headers, part, on_progress, cancelled, what, resume)

                self._with_retries(what, once, idempotent=True)
                part.sync()
                if verify is None:
                    break
                try:
                    verify(part.path)
                    break
                except errors.InvalidResponseError as exc:
                    if check == 2:
                        keep = False  # bytes known to be bad: nothing to resume
                        raise
                    log.warning("%s: %s; downloading it again from the start", what, exc)
                    part.start_over()
            return part.publish()
        except BaseException:
            part.close(keep=keep)
            raise

    def _stream_once(
        self,
        url: str,
        params: Params,
        headers: dict[str, str] | None,
        part: PartFile,
        on_progress: ProgressCallback | None,
        cancelled: Callable[[], bool] | None,
        what: str,
        persist_validator: bool,
    ) -> None:
        """One attempt: a GET streamed into `part`, continuing it with `Range` (and `If-Range`
        when its validator is known) when it holds bytes. An answer to a Range request that does
        not continue the part exactly (416, a 206 starting elsewhere or for another version)
        empties the part and the whole file is asked for again at once, in the same attempt; a
        200 empties it and its body is taken. Raises httpx.RemoteProtocolError when the body
        ends short of its announced length (the retry loop then resumes)."""
        for _ in range(2):  # the second request never carries Range, so it cannot loop
            offset = part.size
            # Range counts the bytes as sent: a compressed answer would make the part's size (of
            # decoded bytes) a wrong offset, so the file is asked for as it is.
            request_headers = {"Accept-Encoding": "identity", **(headers or {})}
            if offset:
                request_headers["Range"] = f"bytes={offset}-"
                if part.validator:
                    request_headers["If-Range"] = part.validator
            with self._client.stream(
                "GET", url, params=_query(params), headers=request_headers, timeout=self._stream_timeout
            ) as response:
                if offset and response.status_code == 416:
                    log.info("%s: the server cannot serve bytes from %d (416); starting over", what, offset)
                    part.start_over()
                    continue
                if not response.is_success:
                    response.read()
                    raise _ErrorStatus(response)
                if response.status_code == 206:
                    problem = _range_mismatch(response, offset, part.validator)
                    if problem is None:
                        total = _content_range_total(response.headers.get("content-range"))
                        self._copy_body(response, part, total, on_progress, cancelled, what)
                        return
                    if not offset:
                        raise errors.InvalidResponseError(f"{what}: {problem}", status=206)
                    log.info("%s: %s; starting over", what, problem)
                    part.start_over()
                    continue
                if offset:
                    # The server ignored Range, or If-Range did not match: a new version.
                    log.info("%s: the server sent the whole file (HTTP %d) instead of the rest; "
                             "starting over", what, response.status_code)  # fmt: skip
                part.begin(validator_of(response), persist=persist_validator)
                length = response.headers.get("content-length")
                total = int(length) if length and length.isdigit() else None
                self._copy_body(response, part, total, on_progress, cancelled, what)
                return
        raise AssertionError("unreachable: the second request has no Range header")

    @staticmethod
    def _copy_body(
        response: httpx.Response,
        part: PartFile,
        total: int | None,
        on_progress: ProgressCallback | None,
        cancelled: Callable[[], bool] | None,
        what: str,
    ) -> None:
        # Every byte received is written at once (a dropped connection keeps all of them for the
        # resume); progress is reported each time a PROGRESS_STEP boundary is crossed and at the
        # end of the attempt, however it ends.
        written = reported = part.size
        try:
            for piece in response.iter_bytes():
                view = memoryview(piece)
                while view:
                    if cancelled is not None and cancelled():
                        raise errors.FaceterError(f"{what}: cancelled")
                    piece_of_step = view[: PROGRESS_STEP - written % PROGRESS_STEP]
                    part.write(piece_of_step)
                    written += len(piece_of_step)
                    view = view[len(piece_of_step) :]
                    if on_progress is not None and written % PROGRESS_STEP == 0:
                        on_progress(written, total)
                        reported = written
        finally:
            if on_progress is not None and written != reported:
                on_progress(written, total)
        if total is not None and written < total:
            raise httpx.RemoteProtocolError(f"got {written} of {total} bytes")
        if total is not None and written > total:
            raise errors.InvalidResponseError(f"{what}: the service sent {written} bytes of a {total}-byte file")


class _ErrorStatus(Exception):
    """A non-2xx answer (body read), on its way from one attempt to the retry loop."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _query(params: Params) -> tuple[tuple[str, str], ...] | None:
    """Query pairs as httpx takes them (a tuple: httpx does not accept just any sequence)."""
    return None if params is None else tuple(params)


def _unreadable(exc: httpx.HTTPError, what: str) -> errors.InvalidResponseError:
    if isinstance(exc, httpx.TooManyRedirects):
        return errors.InvalidResponseError(f"{what}: the service redirects in a loop")
    return errors.InvalidResponseError(f"{what}: the answer cannot be decoded ({type(exc).__name__})")


def _content_range_total(value: str | None) -> int | None:
    # "bytes 100-199/2000" -> 2000
    parsed = parse_content_range(value)
    return parsed[2] if parsed else None


def _range_mismatch(response: httpx.Response, offset: int, validator: str | None) -> str | None:
    """Why a 206 does not continue a part of `offset` bytes with this validator, or None when it
    does (api-rules §11): its Content-Range must start exactly at `offset`, and it must be the same
    version (an ETag/Last-Modified it names must be the one the part was started with)."""
    value = response.headers.get("content-range")
    parsed = parse_content_range(value)
    if parsed is None:
        return f"a partial answer (206) without a readable Content-Range ({value!r})"
    if parsed[0] != offset:
        return f"a partial answer (206) from byte {parsed[0]}, not from byte {offset} where the part ends"
    theirs = validator_of(response)
    if validator and theirs and theirs != validator:
        return f"a partial answer (206) of another version ({theirs}, the part holds {validator})"
    return None


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
