"""The retry policy of api-rules §13, as data and pure functions so it can be table-tested.

At most 2 retries, only for timeouts, connection errors, 408, 429, 500, 502, 503, 504; never for
400, 401, 403, 404, 422. Backoff 0.5 s doubling to 8 s with jitter. `Retry-After` (seconds or an
HTTP date) is honoured up to 60 s; beyond that the call fails at once. A request that creates
something without a client-chosen id is retried only when it cannot have reached the server.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
# Statuses that mean the request was refused before anything was done: safe to resend even a
# request that creates something.
NOT_PROCESSED_STATUSES = frozenset({429})


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date; None if absent or
    unreadable. A date in the past means 0."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


# Transport errors that are our own mistake (a bad URL scheme, a malformed request): a second try
# would only delay the same error.
_NEVER_RETRIED = (httpx.UnsupportedProtocol, httpx.LocalProtocolError)


def _is_unsent(exc: Exception) -> bool:
    """True when the request certainly never reached the server."""
    return isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: Callable[[], float] = field(default=random.random, compare=False)

    def should_retry(
        self,
        attempt: int,
        *,
        status: int | None = None,
        exception: Exception | None = None,
        idempotent: bool = True,
    ) -> bool:
        """Whether to send again after `attempt` retries have already been made (0 for the first
        failure) and this outcome."""
        if attempt >= self.max_retries:
            return False
        if exception is not None:
            if not isinstance(exception, httpx.TransportError) or isinstance(exception, _NEVER_RETRIED):
                return False
            return idempotent or _is_unsent(exception)
        if status is None or status not in RETRYABLE_STATUSES:
            return False
        return idempotent or status in NOT_PROCESSED_STATUSES

    def backoff(self, attempt: int) -> float:
        """Delay before retry number `attempt + 1`: 0.5, 1, 2, 4, 8, 8 … s, with ±25 % jitter
        (never above max_delay)."""
        delay = min(self.base_delay * 2.0**attempt, self.max_delay)  # 2**attempt is typed Any (int ** int may be a float)
        return min(self.max_delay, delay * (0.75 + 0.5 * self.jitter()))

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """The server's Retry-After when it gave one (checked against the cap by the caller with
        retry_after_too_long), else the backoff."""
        if retry_after is not None:
            return retry_after
        return self.backoff(attempt)

    def retry_after_too_long(self, retry_after: float | None) -> bool:
        return retry_after is not None and retry_after > self.max_retry_after
