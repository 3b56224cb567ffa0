"""The app's logging: one rotated, redacted log file, with Qt's own messages routed into it.

`setup_logging()` is called once by the app at start (calling it again changes nothing, or moves
the file when given another folder). Every record passes the redaction filter on our handlers, so
the integration key and Archive API signatures never reach the file, whatever logger wrote them
(httpx logs full URLs at INFO; api-rules §21). The last lines are also kept in memory for crash
reports (`recent_log_lines`), so a crash report never has to read the file.
"""

from __future__ import annotations

import collections
import logging
import logging.handlers
import threading
from pathlib import Path

from faceter_viewer.api.redaction import RedactingFilter, install_redaction, redact

APP_NAME = "faceter-viewer"
LOG_FILE_NAME = "faceter-viewer.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUP_COUNT = 5
RECENT_LINES = 200
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(threadName)s %(name)s: %(message)s"

QT_LOGGER = "faceter_viewer.qt"
# Libraries that are chatty at INFO and print URLs: quiet unless we are debugging.
NOISY_LOGGERS = ("httpx", "httpcore", "uvicorn.access")

log = logging.getLogger("faceter_viewer.app_logging")


class RecentLinesHandler(logging.Handler):
    """Keeps the last formatted (already redacted) lines in memory, for crash reports."""

    def __init__(self, capacity: int = RECENT_LINES) -> None:
        super().__init__()
        self.lines: collections.deque[str] = collections.deque(maxlen=capacity)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception:
            self.handleError(record)


class _State:
    """What setup_logging installed, so that a second call is a no-op and tests can undo it."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.file_handler: logging.handlers.RotatingFileHandler | None = None
        self.recent: RecentLinesHandler | None = None
        self.path: Path | None = None
        self.previous_root_level: int | None = None
        self.previous_levels: dict[str, int] = {}
        self.previous_qt_handler: object = None
        self.qt_installed = False


_state = _State()


def default_log_dir() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


def setup_logging(
    log_dir: Path | None = None,
    level: int = logging.INFO,
    *,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> Path:
    """Log to `<log_dir>/faceter-viewer.log` (2 MB x 5, rotated; the platformdirs log folder by
    default), redacted; route Qt's messages into the logger "faceter_viewer.qt"; keep httpx at
    WARNING unless `level` is DEBUG; return the log file's path. Idempotent."""
    path = Path(log_dir if log_dir is not None else default_log_dir()) / LOG_FILE_NAME
    with _state.lock:
        if _state.file_handler is not None and _state.path == path:
            _apply_levels(level)
            return path
        _remove_handlers()
        path.parent.mkdir(parents=True, exist_ok=True)
        install_redaction()
        redacting = RedactingFilter()
        formatter = logging.Formatter(LOG_FORMAT)

        file_handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8", delay=False
        )
        recent = RecentLinesHandler()
        for handler in (file_handler, recent):
            # On the handler, not the logger: a logger's filter does not see its children's
            # records, a handler's sees every record it writes.
            handler.addFilter(redacting)
            handler.setFormatter(formatter)
            handler.setLevel(logging.NOTSET)
        root = logging.getLogger()
        root.addHandler(file_handler)
        root.addHandler(recent)
        if _state.previous_root_level is None:
            _state.previous_root_level = root.level
        _state.file_handler, _state.recent, _state.path = file_handler, recent, path
        _apply_levels(level)
        _install_qt_message_handler()
    log.info("logging to %s", path)
    return path


def _apply_levels(level: int) -> None:
    logging.getLogger().setLevel(level)
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        _state.previous_levels.setdefault(name, logger.level)
        # httpx logs every request (with its full URL) at INFO: only when debugging.
        logger.setLevel(logging.NOTSET if level <= logging.DEBUG else logging.WARNING)


def _remove_handlers() -> None:
    root = logging.getLogger()
    for handler in (_state.file_handler, _state.recent):
        if handler is not None:
            root.removeHandler(handler)
            handler.close()
    _state.file_handler = _state.recent = None
    _state.path = None


def teardown_logging() -> None:
    """Undo setup_logging (for tests and a clean exit): handlers removed and closed, levels and
    the previous Qt message handler restored."""
    with _state.lock:
        _remove_handlers()
        if _state.previous_root_level is not None:
            logging.getLogger().setLevel(_state.previous_root_level)
            _state.previous_root_level = None
        for name, previous in _state.previous_levels.items():
            logging.getLogger(name).setLevel(previous)
        _state.previous_levels.clear()
        if _state.qt_installed:
            from PySide6.QtCore import qInstallMessageHandler

            qInstallMessageHandler(_state.previous_qt_handler)  # type: ignore[arg-type]
            _state.previous_qt_handler = None
            _state.qt_installed = False


def current_log_path() -> Path | None:
    return _state.path


def recent_log_lines(n: int = 50) -> list[str]:
    """The last `n` log lines of this session, redacted (empty before setup_logging)."""
    recent = _state.recent
    if recent is None or n <= 0:
        return []
    lines = list(recent.lines)[-n:]
    # The filter already masked them; a secret registered after the line was written is masked now.
    return [redact(line) for line in lines]


# --- Qt's own messages --------------------------------------------------------------------------


def _install_qt_message_handler() -> None:
    if _state.qt_installed:
        return
    try:
        from PySide6.QtCore import qInstallMessageHandler
    except ImportError:  # logging must work for the CLI without Qt, too
        return
    _state.previous_qt_handler = qInstallMessageHandler(_on_qt_message)
    _state.qt_installed = True


def _qt_level(msg_type: object) -> int:
    from PySide6.QtCore import QtMsgType

    return {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(msg_type, logging.WARNING)


def _on_qt_message(msg_type: object, context: object, message: str) -> None:
    # Called by Qt on any thread; logging is thread-safe. Never raise from here.
    try:
        category = getattr(context, "category", None)
        text = message if not category or category == "default" else f"[{category}] {message}"
        logging.getLogger(QT_LOGGER).log(_qt_level(msg_type), "%s", text)
    except Exception:
        pass
