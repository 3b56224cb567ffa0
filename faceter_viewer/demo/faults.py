"""Fault injection for the demo service: the failures a real network and service produce.

From the command line (``faceter-viewer demo-server --faults SPEC``) or from Python
(``service.faults.add(...)``, ``service.faults.add_spec(SPEC)``, ``service.faults.clear()``,
``with service.faults.injected(SPEC): ...``).

Grammar::

    SPEC    = RULE { ";" RULE }
    RULE    = KIND "=" [ PATTERN ] { ":" ARG }        (spaces around parts are ignored)

    latency=[PATTERN:]DELAY                 wait DELAY before answering: "200ms", "1.5s", or a
                                            bare number of milliseconds
    error_rate=[PATTERN:]P[:STATUS]         answer STATUS (default 500) with a ProblemDetails
                                            body, with probability P (0..1)
    status429=[PATTERN][:COUNT[:SECONDS]]   answer 429 Too Many Requests with Retry-After SECONDS
                                            (default 1)
    drop=[PATTERN][:COUNT[:FRACTION]]       send the headers and FRACTION (default 0.5) of the body
                                            without a Content-Length, then close the connection
    truncate=[PATTERN][:COUNT[:FRACTION]]   keep the true Content-Length but send only FRACTION of
                                            the body, then close the connection
    malformed=[PATTERN][:COUNT]             replace a successful body with invalid JSON (cut in
                                            half), same status and Content-Type

  Download faults (api-rules §11). The first three hit only requests with a Range header (a
  resumed download), and COUNT counts only those:

    ignore_range=[PATTERN][:COUNT]          serve the request as if it had no Range: 200 with the
                                            whole body (a server without range support)
    range_from_zero=[PATTERN][:COUNT]       answer 206 with the whole body and Content-Range
                                            "bytes 0-(N-1)/N", whatever range was asked for
    status416=[PATTERN][:COUNT]             answer 416 Range Not Satisfiable, Content-Range
                                            "bytes */N" (a server that lost track of the file)
    etag_change=[PATTERN][:COUNT]           the file was replaced: every answer carries another
                                            ETag and Last-Modified (same bytes), so an If-Range
                                            naming the old ones gets 200 and the whole body,
                                            while one naming the new ones gets its range

Without Range the first three pass the request untouched. A download fault may act together
with a body fault on the same request (a 200-for-Range answer that is then cut by drop, say).

PATTERN starts with "/" or "*" (an argument never does) and is matched against the END of the
request path, segment by segment: "*" is any text inside one segment, "**" one or more whole
segments. "/v1/cameras" matches the camera list only, "/v1/cameras/*/events" the events of every
camera, "/archive/clip" every camera's clip, "/archive-api/**" the whole Archive API, and a rule
without a pattern matches every path. COUNT is how many matching requests the fault hits before
it is spent ("*" or absent: every one).

Examples::

    latency=200ms;error_rate=/v1/cameras:0.5;status429=/v1/cameras/*/events:2
    drop=/archive/clip:1;truncate=/demo-files/**:1:0.3;malformed=/v1/cameras:1
    ignore_range=/archive/clip:1;status416=/demo-files/**;etag_change=/demo-files/**:2

Several latencies add up. Of the answering faults (error_rate, status429) the first matching
rule that fires answers; of the body faults (malformed, drop, truncate) the first matching one
applies, and of the download faults the first matching one. error_rate draws from a RNG seeded
with the service seed and the rule itself, so a run is repeatable request for request.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from faceter_viewer.demo.download_faults import DownloadFault
from faceter_viewer.demo.responses import PROBLEM_MEDIA_TYPE, problem_body

KINDS = (
    "latency", "error_rate", "status429", "drop", "truncate", "malformed",
    "ignore_range", "range_from_zero", "status416", "etag_change",
)  # fmt: skip
_ANSWERING = ("error_rate", "status429")
_BODY = ("malformed", "drop", "truncate")
_RANGE_ONLY = ("ignore_range", "range_from_zero", "status416")  # hit only requests with Range
_DOWNLOAD = (*_RANGE_ONLY, "etag_change")
INCOMPLETE_RESPONSE_LOG = "ASGI callable returned without completing response."


class FaultSpecError(ValueError):
    """A --faults spec that does not follow the grammar (the message says where)."""


@dataclass
class FaultRule:
    kind: str
    pattern: str = "**"
    count: int | None = None  # None: every matching request
    probability: float = 1.0  # error_rate
    delay: float = 0.0  # latency, seconds
    retry_after: float = 1.0  # status429
    fraction: float = 0.5  # drop, truncate
    status: int = 500  # error_rate
    _regex: re.Pattern[str] = field(init=False, repr=False)
    _rng: random.Random = field(init=False, repr=False, default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultSpecError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        if not 0.0 <= self.probability <= 1.0:
            raise FaultSpecError(f"{self.kind}: probability must be within 0..1, got {self.probability}")
        if not 0.0 <= self.fraction < 1.0:
            raise FaultSpecError(f"{self.kind}: fraction must be within 0..1 (exclusive), got {self.fraction}")
        if self.count is not None and self.count < 1:
            raise FaultSpecError(f"{self.kind}: count must be at least 1, got {self.count}")
        if self.delay < 0 or self.retry_after < 0:
            raise FaultSpecError(f"{self.kind}: times must not be negative")
        if not 100 <= self.status <= 599:
            raise FaultSpecError(f"{self.kind}: {self.status} is not an HTTP status")
        self._regex = pattern_regex(self.pattern)

    def matches(self, path: str) -> bool:
        return self._regex.search(path) is not None


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """The path pattern as a regex matching the end of a path (see the module docstring)."""
    segments = [s for s in pattern.strip().strip("/").split("/") if s]
    if not segments or segments == ["**"] or segments == ["*"]:
        return re.compile("")
    parts = [".+" if s == "**" else re.escape(s).replace(r"\*", "[^/]*") for s in segments]
    return re.compile("(?:^|/)" + "/".join(parts) + "/?$")


def parse_fault_spec(spec: str) -> list[FaultRule]:
    """Parse a --faults SPEC into rules; FaultSpecError names the bad part."""
    rules = []
    for text in (part.strip() for part in spec.split(";")):
        if text:
            rules.append(_parse_rule(text))
    return rules


def _parse_rule(text: str) -> FaultRule:
    kind, sep, rest = text.partition("=")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise FaultSpecError(f"{text!r}: unknown fault kind {kind!r}; known: {', '.join(KINDS)}")
    fields = [f.strip() for f in rest.split(":")] if sep else []
    pattern = "**"
    if fields and fields[0][:1] in ("/", "*"):
        pattern = fields.pop(0)
    if fields == [""]:
        fields = []
    try:
        return FaultRule(kind, pattern, **_arguments(kind, fields))
    except FaultSpecError as exc:
        raise FaultSpecError(f"{text!r}: {exc}") from None
    except (ValueError, IndexError) as exc:
        raise FaultSpecError(f"{text!r}: {exc}") from None


def _arguments(kind: str, fields: list[str]) -> dict[str, object]:
    names = {
        "latency": ["delay"],
        "error_rate": ["probability", "status"],
        "status429": ["count", "retry_after"],
        "drop": ["count", "fraction"],
        "truncate": ["count", "fraction"],
        "malformed": ["count"],
        **{name: ["count"] for name in _DOWNLOAD},
    }[kind]
    if len(fields) > len(names):
        raise FaultSpecError(f"{kind} takes at most {len(names)} argument(s) ({', '.join(names)})")
    if kind in ("latency", "error_rate") and not fields:
        raise FaultSpecError(f"{kind} needs {'a delay' if kind == 'latency' else 'a probability'}")
    parsed: dict[str, object] = {}
    for name, value in zip(names, fields, strict=False):
        if name == "delay":
            parsed[name] = parse_delay(value)
        elif name == "count":
            parsed[name] = None if value in ("*", "") else int(value)
        elif name == "status":
            parsed[name] = int(value)
        else:
            parsed[name] = float(value.rstrip("s") if name == "retry_after" else value)
    return parsed


def parse_delay(text: str) -> float:
    """'200ms' -> 0.2, '1.5s' -> 1.5, '250' -> 0.25 (a bare number is milliseconds)."""
    text = text.strip().lower()
    if text.endswith("ms"):
        return float(text[:-2]) / 1000
    if text.endswith("s"):
        return float(text[:-1])
    return float(text) / 1000


class FaultSet:
    """The active fault rules of one service. Thread-safe; rules may change while it serves."""

    def __init__(self, seed: int = 0, spec: str | None = None) -> None:
        self._seed = seed
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self.fired: Counter[str] = Counter()  # kind -> how many requests it hit
        self._incomplete_expected = 0
        if spec:
            self.add_spec(spec)

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def add(self, kind: str, pattern: str = "**", **options: object) -> FaultRule:
        """Add one rule: add("status429", "/v1/cameras/*/events", count=2, retry_after=1)."""
        return self.add_rule(FaultRule(kind, pattern, **options))  # type: ignore[arg-type]

    def add_rule(self, rule: FaultRule) -> FaultRule:
        # Seeded by the service seed and the rule itself: the same rule draws the same
        # sequence every time it is added, in any run.
        rule._rng.seed(f"{self._seed}/{rule.kind}/{rule.pattern}/{rule.probability}/{rule.status}")
        with self._lock:
            self._rules.append(rule)
        return rule

    def add_spec(self, spec: str) -> list[FaultRule]:
        return [self.add_rule(rule) for rule in parse_fault_spec(spec)]

    def remove(self, rule: FaultRule) -> None:
        with self._lock:
            if rule in self._rules:
                self._rules.remove(rule)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self.fired.clear()

    @contextmanager
    def injected(self, spec: str) -> Iterator[list[FaultRule]]:
        """Rules active only inside the with-block."""
        rules = self.add_spec(spec)
        try:
            yield rules
        finally:
            for rule in rules:
                self.remove(rule)

    # --- used by the middleware ---------------------------------------------------------------

    def plan(self, path: str) -> tuple[float, FaultRule | None, FaultRule | None]:
        """For one request: (total latency, answering fault or None, body fault or None). Spends
        one use of every count-limited rule that fires."""
        delay, answer, body = 0.0, None, None
        with self._lock:
            for rule in list(self._rules):
                if not rule.matches(path):
                    continue
                if rule.kind == "latency":
                    delay += rule.delay
                    self._spend(rule)
                elif rule.kind in _ANSWERING and answer is None:
                    if rule.kind == "error_rate" and rule._rng.random() >= rule.probability:
                        continue
                    answer = rule
                    self._spend(rule)
                elif rule.kind in _BODY and body is None and answer is None:
                    body = rule
                    self._spend(rule)
        return delay, answer, body

    def plan_download(self, path: str, *, has_range: bool) -> FaultRule | None:
        """For one request that no answering fault took: the download fault to apply, or None.
        ignore_range, range_from_zero and status416 hit (and spend their count on) only requests
        with a Range header; etag_change every matching request."""
        with self._lock:
            for rule in list(self._rules):
                if rule.kind not in _DOWNLOAD or not rule.matches(path):
                    continue
                if rule.kind in _RANGE_ONLY and not has_range:
                    continue
                self._spend(rule)
                return rule
        return None

    def _spend(self, rule: FaultRule) -> None:
        self.fired[rule.kind] += 1
        if rule.count is not None:
            rule.count -= 1
            if rule.count <= 0:
                self._rules.remove(rule)

    def expect_incomplete_response(self) -> None:
        with self._lock:
            self._incomplete_expected += 1

    def consume_incomplete_expectation(self) -> bool:
        with self._lock:
            if self._incomplete_expected:
                self._incomplete_expected -= 1
                return True
            return False


class QuietInjectedDrops(logging.Filter):
    """Keeps uvicorn from logging an error for each connection a drop/truncate fault cut on
    purpose; unexpected incomplete responses are still logged."""

    def __init__(self, faults: FaultSet) -> None:
        super().__init__()
        self._faults = faults

    def filter(self, record: logging.LogRecord) -> bool:
        if record.getMessage() == INCOMPLETE_RESPONSE_LOG:
            return not self._faults.consume_incomplete_expectation()
        return True


class FaultMiddleware:
    """ASGI middleware applying a FaultSet (outermost, so it sees every route)."""

    def __init__(self, app, faults: FaultSet) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        delay, answer, body = self.faults.plan(scope["path"])
        if delay:
            await asyncio.sleep(delay)
        if answer is not None:
            await _send_fault_answer(send, answer, scope["path"])
            return
        app = self.app
        if scope["method"] == "GET":
            has_range = any(name.lower() == b"range" for name, _ in scope["headers"])
            download = self.faults.plan_download(scope["path"], has_range=has_range)
            if download is not None:
                app = DownloadFault(self.app, download.kind)
        if body is None or scope["method"] == "HEAD":
            await app(scope, receive, send)
        elif body.kind == "malformed":
            await self._malformed(app, scope, receive, send)
        else:
            await self._cut(app, scope, receive, send, body)

    async def _malformed(self, app, scope, receive, send) -> None:
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        await app(scope, receive, capture)
        original = b"".join(chunks)
        status = start.get("status", 500)
        if 200 <= status < 300 and status != 204 and original:
            broken = original[: max(1, len(original) // 2)] + b"\x00<!-- injected -->"
        else:
            broken = original
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(broken)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": broken, "more_body": False})

    async def _cut(self, app, scope, receive, send, rule: FaultRule) -> None:
        """Forward headers and part of the body, then return without finishing the response:
        uvicorn closes the connection, so the client sees it cut mid-body."""
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                chunks.append(message.get("body", b""))

        # The whole answer is gathered first so the cut point is a fraction of its real size.
        await app(scope, receive, capture)
        body = b"".join(chunks)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        if rule.kind == "truncate":
            headers.append((b"content-length", str(len(body)).encode()))
        keep = body[: int(len(body) * rule.fraction)]
        self.faults.expect_incomplete_response()
        await send({"type": "http.response.start", "status": start.get("status", 200), "headers": headers})
        await send({"type": "http.response.body", "body": keep, "more_body": True})


async def _send_fault_answer(send, rule: FaultRule, path: str) -> None:
    if rule.kind == "status429":
        status, extra = 429, [(b"retry-after", f"{rule.retry_after:g}".encode())]
        detail = f"Injected fault: slow down, retry after {rule.retry_after:g} s"
    else:
        status, extra = rule.status, []
        detail = f"Injected fault: error_rate {rule.probability:g}"
    body = problem_body(status, detail, path)
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
