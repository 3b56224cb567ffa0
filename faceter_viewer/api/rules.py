"""How this project reads what the Faceter API documents leave open.

Each function or constant here is ONE rule of docs/api-rules.md (the section is named in its
docstring), so that a rule can be changed in one edit if the real service turns out to differ.
The client and the demo server both follow these; nothing else re-implements them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PRODUCTION_BASE_URL = "https://cloud.faceter.cam/integration-api"
"""§1: the Integration API's base URL; every path below it starts with /v1/."""

KEY_HEADER = "X-Integration-Key"
"""§2: the header that carries the integration key (Integration API only, never Archive API)."""

NO_LOCATION_TITLE = "No location"
"""§8: the group for cameras without a location."""


# --- §2/§15/§21 the key goes to the API's own origin only ------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}


def url_origin(url: str) -> tuple[str, str, int | None]:
    """§21: a URL's origin as (scheme, host, port): lower-cased, without user info, and with the
    scheme's default port filled in, so that https://x and https://X:443/ are one origin.
    Raises ValueError for a URL whose port cannot be read."""
    parts = urlsplit(str(url))
    scheme = parts.scheme.lower()
    port = parts.port  # ValueError when it is not a number in range
    return scheme, parts.hostname or "", DEFAULT_PORTS.get(scheme) if port is None else port


def same_origin(url: str, other: str) -> bool:
    """§2/§15/§21: whether the integration key may go to `url` when it belongs to `other` (the
    Integration API's base URL). The one origin test: the keyed session's redirect guard and the
    choice of session for a file URL both use it. A URL that cannot be read is another origin."""
    try:
        return url_origin(url) == url_origin(other)
    except ValueError:
        return False


# --- §4 datetimes -------------------------------------------------------------------------------

_ISO_RE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:[.,](?P<frac>\d+))?(?P<tz>Z|z|[+-]\d{2}:?\d{2})?$"
)


def parse_api_datetime(value: Any) -> datetime:
    """§4: parse any ISO 8601 form the service may send into an aware UTC datetime.

    Accepts `Z` or an offset (`+03:00`), and up to 7 (or more) fractional digits as .NET writes
    them; extra digits beyond microseconds are dropped. A value without an offset is UTC.
    Numbers are taken as Unix epoch seconds. Raises ValueError on anything else.
    """
    try:
        return _parse_api_datetime(value)
    except (OverflowError, OSError) as exc:
        # out of the range a datetime holds (1e300 s, year 1 at +03:00): pydantic turns only a
        # ValueError into a ValidationError, anything else would escape model_validate
        raise ValueError(f"date and time out of range: {value!r}") from exc


def _parse_api_datetime(value: Any) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        parsed = datetime.fromtimestamp(float(value), UTC)
    elif isinstance(value, str):
        match = _ISO_RE.match(value.strip())
        if not match:
            raise ValueError(f"not an ISO 8601 date and time: {value!r}")
        frac = (match["frac"] or "")[:6].ljust(6, "0")
        tz = match["tz"] or "Z"
        if tz in ("Z", "z"):
            tz = "+00:00"
        elif ":" not in tz:
            tz = f"{tz[:3]}:{tz[3:]}"
        time_part = match["time"] if match["time"].count(":") == 2 else match["time"] + ":00"
        parsed = datetime.fromisoformat(f"{match['date']}T{time_part}.{frac}{tz}")
    else:
        raise ValueError(f"not a date and time: {value!r}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


API_TIME_STEP = timedelta(milliseconds=1)
"""§4: the precision datetimes are sent with (format_api_datetime drops what is finer). Events
may carry finer startTimes (up to 7 digits); §5 rounds its paging bounds outward to this step."""


def floor_api_time(value: datetime) -> datetime:
    """§4/§5: `value` (aware) rounded DOWN to a whole millisecond: the latest time at or before it
    that format_api_datetime writes exactly. As a lower bound it still includes `value`."""
    return value - timedelta(microseconds=value.microsecond % 1000)


def ceil_api_time(value: datetime) -> datetime:
    """§4/§5: `value` (aware) rounded UP to a whole millisecond: the earliest time at or after it
    that format_api_datetime writes exactly. As an upper bound it still includes `value`."""
    below = floor_api_time(value)
    return below if below == value else below + API_TIME_STEP


def format_api_datetime(value: datetime) -> str:
    """§4: datetimes are sent as UTC ISO 8601 with `Z` (milliseconds only when present; finer
    digits are dropped, see floor_api_time/ceil_api_time for bounds that must stay inclusive)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    if value.microsecond:
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- §16 Archive API time units -----------------------------------------------------------------


def to_archive_seconds(value: datetime | float) -> str:
    """§16: Archive API query times (`start`, `duration`, `time`) are epoch SECONDS as decimals."""
    seconds = value.timestamp() if isinstance(value, datetime) else float(value)
    if not math.isfinite(seconds):
        raise ValueError("time must be finite")
    text = f"{seconds:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def from_archive_seconds(text: str | float) -> datetime:
    """§16: the inverse of to_archive_seconds (the demo server parses queries with it)."""
    seconds = float(text)
    if not math.isfinite(seconds):
        raise ValueError("time must be finite")
    return datetime.fromtimestamp(seconds, UTC)


def from_timeline_ms(ms: int | float) -> datetime:
    """§16: the timeline response's `time` is epoch MILLISECONDS."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def to_timeline_ms(value: datetime) -> int:
    """§16: the inverse of from_timeline_ms (`duration` and `offset` are milliseconds too)."""
    return round(value.timestamp() * 1000)


# --- §3 query arrays ----------------------------------------------------------------------------


def query_params(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """§3: arrays are repeated parameters (`eventTypes=Motion&eventTypes=Human`); None is omitted;
    datetimes follow §4; booleans are `true`/`false`."""
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        values = value if isinstance(value, (list, tuple, set, frozenset)) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                text = "true" if item else "false"
            elif isinstance(item, datetime):
                text = format_api_datetime(item)
            else:
                text = str(item)
            pairs.append((name, text))
    return pairs


# --- §6 event attributes ------------------------------------------------------------------------


def normalise_attributes(value: Any) -> dict[str, str]:
    """§6: attributes arrive as a list of one-key objects and are sent as one object; both become
    dict[str, str]. Non-string values become their text; a later key wins."""
    if value is None:
        return {}
    items: Iterable[Any] = value if isinstance(value, list) else [value]
    result: dict[str, str] = {}
    for item in items:
        if not isinstance(item, Mapping):
            raise ValueError(f"attribute entry is not an object: {item!r}")
        for key, val in item.items():
            result[str(key)] = val if isinstance(val, str) else ("" if val is None else str(val))
    return result


# --- §14/§15 Archive API URLs -------------------------------------------------------------------

_ARCHIVE_PATH_RE = re.compile(r"/archives/[^/]+/?$")


def archive_method_url(archive_api_url: str, camera_id: str, method: str) -> str:
    """§14: if archiveApiUrl's path already ends in /archives/<archiveId>, the method is appended
    to it; otherwise the archive id is the camera id and /archives/<camera.id>/<method> is
    appended. Any query string on archiveApiUrl is kept."""
    parts = urlsplit(archive_api_url)
    path = parts.path
    if _ARCHIVE_PATH_RE.search(path):
        path = path.rstrip("/") + "/" + method
    else:
        path = path.rstrip("/") + f"/archives/{camera_id}/{method}"
    return urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def archive_auth_params(signature: str, exp: int) -> list[tuple[str, str]]:
    """§15: `signature` and `exp` go as query parameters on every Archive API URL; no key header."""
    return [("signature", signature), ("exp", str(int(exp)))]


# --- §18 archive token lifetime -----------------------------------------------------------------


def token_refresh_due(exp: float, received_at: float, now: float) -> bool:
    """§18: refresh the camera (and so its archive token) when less than max(60 s, 20% of the
    token's lifetime) remains. The lifetime is measured from when we received the token."""
    lifetime = max(0.0, exp - received_at)
    return exp - now < max(60.0, 0.2 * lifetime)


# --- §10 export polling -------------------------------------------------------------------------

EXPORT_POLL_FIRST = 1.0
EXPORT_POLL_FACTOR = 1.5
EXPORT_POLL_MAX = 20.0
EXPORT_GIVE_UP_AFTER = 15 * 60.0


def export_poll_delays(give_up_after: float = EXPORT_GIVE_UP_AFTER) -> Iterable[float]:
    """§10: poll an export's status after 1 s, then x1.5 each time, at most 20 s apart, and give up
    after 15 minutes in all (configurable)."""
    delay, total = EXPORT_POLL_FIRST, 0.0
    while total + delay <= give_up_after:
        yield delay
        total += delay
        delay = min(delay * EXPORT_POLL_FACTOR, EXPORT_POLL_MAX)


# --- §22 export length ----------------------------------------------------------------------------

MAX_EXPORT_SECONDS = 3600
"""§22: the longest range asked for in one clip, video export or audio export (seconds; the
shortest is 1). The documents name no limit; an hour keeps one file and one job reasonable, and
a longer range is refused before anything is sent (the export dialog says how to split it)."""

def utc_now() -> datetime:
    return datetime.now(UTC)
