"""Keeps secrets out of logs and exception texts (api-rules §21).

The integration key and every Archive API `signature` are secrets. httpx logs full URLs at INFO
(with `signature=`), so its loggers get the same filter as ours.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

MASK = "***"

_PATTERNS = [
    # signature=... in a URL or a query, and exp-adjacent forms
    re.compile(r"(?i)(signature=)[^&\s\"'<>]+"),
    # "signature": "..." in JSON
    re.compile(r"(?i)(\"signature\"\s*:\s*\")[^\"]*"),
    # X-Integration-Key: value  or  'x-integration-key': 'value'
    re.compile(r"(?i)(x-integration-key['\"]?\s*[:=,]\s*[(b]*['\"]?)[^\s'\",)]+"),
]

_lock = threading.Lock()
_secrets: set[str] = set()

# Loggers that may print URLs or headers. httpcore logs under child names, and a filter on a parent
# logger is not applied to records of its children, so each is named.
REDACTED_LOGGERS = (
    "faceter_viewer",
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
)


def register_secret(value: str | None) -> None:
    """Remember a secret value (the key, a signature) so it is masked wherever it appears."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Mask every known secret and every signature/key pattern in `text`."""
    if not text:
        return text
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Formats the record's message once, masks secrets in it and in any exception text."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not hide the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
            # Drop the exception itself (its args and frames hold the unredacted text); every
            # Formatter prints exc_text, which now holds the masked traceback with the type.
            record.exc_info = None
        return True


_filter = RedactingFilter()


_previous_factory: Callable[..., logging.LogRecord] = logging.LogRecord


def _redacting_record_factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _previous_factory(*args, **kwargs)
    _filter.filter(record)
    return record


def install_redaction() -> None:
    """Mask secrets in every log record as it is made (so child loggers and handlers added later
    are covered), and attach the filter to our loggers, httpx's and uvicorn's, and to the root
    handlers. Safe to call more than once."""
    global _previous_factory
    if logging.getLogRecordFactory() is not _redacting_record_factory:
        _previous_factory = logging.getLogRecordFactory()
        logging.setLogRecordFactory(_redacting_record_factory)
    for name in REDACTED_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
    for handler in logging.getLogger().handlers:
        if _filter not in handler.filters:
            handler.addFilter(_filter)
