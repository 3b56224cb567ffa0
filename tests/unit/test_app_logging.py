from __future__ import annotations

import contextlib
import logging
import logging.handlers
from pathlib import Path

import httpx
import pytest
from PySide6 import QtCore
from PySide6.QtGui import QFont

from faceter_viewer import app_logging
from faceter_viewer.api.redaction import register_secret
from faceter_viewer.app_logging import recent_log_lines, setup_logging, teardown_logging
from tests.helpers.api_fakes import LoopbackServer

SECRET_KEY = "log-test-key-9d8e7f6a"

# pytest-qt installs its own Qt message handler around each test; these tests install ours, so
# they opt out of pytest-qt's capture to keep the two from restoring each other's handler.
pytestmark = pytest.mark.no_qt_log


@pytest.fixture
def log_dir(tmp_path):
    yield tmp_path / "logs"
    teardown_logging()


def _flush() -> None:
    for handler in logging.getLogger().handlers:
        handler.flush()


def _log_text(path: Path) -> str:
    _flush()
    return path.read_text(encoding="utf-8")


def test_writes_the_file_in_the_given_folder_and_is_idempotent(log_dir):
    path = setup_logging(log_dir)
    assert path == log_dir / "faceter-viewer.log"
    assert setup_logging(log_dir) == path
    logging.getLogger("faceter_viewer.test").info("hello from the test")
    text = _log_text(path)
    assert text.count("hello from the test") == 1  # one handler, not two
    ours = [h for h in logging.getLogger().handlers if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert len(ours) == 1


def test_default_folder_is_the_platformdirs_log_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    try:
        path = setup_logging()
        from platformdirs import user_log_dir

        assert path.parent == Path(user_log_dir("faceter-viewer", appauthor=False))
        assert str(path).startswith(str(tmp_path))
        assert path.is_file()
    finally:
        teardown_logging()


def test_rotates(log_dir):
    path = setup_logging(log_dir, max_bytes=2000, backup_count=2)
    logger = logging.getLogger("faceter_viewer.test")
    for i in range(200):
        logger.info("line %d %s", i, "x" * 50)
    _flush()
    files = sorted(p.name for p in log_dir.iterdir())
    assert files == ["faceter-viewer.log", "faceter-viewer.log.1", "faceter-viewer.log.2"]
    assert all((log_dir / name).stat().st_size <= 2000 for name in files)
    assert "line 199" in path.read_text(encoding="utf-8")


@contextlib.contextmanager
def _only_our_handlers():
    """pytest's own log capture handler sits on the root logger too, and install_redaction() gives
    it the filter, which masks records in place before ours see them: hide it, so that these
    tests see what our handlers alone do."""
    root = logging.getLogger()
    saved = list(root.handlers)
    ours = (logging.handlers.RotatingFileHandler, app_logging.RecentLinesHandler)
    root.handlers[:] = [h for h in saved if isinstance(h, ours)]
    try:
        yield
    finally:
        root.handlers[:] = saved


def test_secrets_are_masked_whatever_logger_wrote_them(log_dir):
    path = setup_logging(log_dir)
    register_secret(SECRET_KEY)
    with _only_our_handlers():
        _log_secrets()
    text = _log_text(path)
    assert SECRET_KEY not in text
    assert "abcdef123" not in text
    assert "signature=***" in text
    assert "sent key ***" in text
    assert "RuntimeError" in text  # the exception is still there, only masked
    assert all(SECRET_KEY not in line for line in recent_log_lines(50))


def _log_secrets() -> None:
    # A logger that redaction.install_redaction() does not know: only the handler's filter helps.
    logging.getLogger("some.library").warning("sent key %s", SECRET_KEY)
    logging.getLogger("httpx").warning("GET https://a.test/archives/1/timeline?signature=abcdef123&exp=99")
    try:
        raise RuntimeError(f"failed with header X-Integration-Key: {SECRET_KEY}")
    except RuntimeError:
        logging.getLogger("faceter_viewer.test").exception("it failed")


def test_httpx_is_quiet_unless_debugging(log_dir):
    """httpx logs every request with its full URL at INFO: kept out unless debugging, and masked
    when let in."""
    routes = {"/ping": (200, {"content-type": "text/plain"}, b"ok")}
    with LoopbackServer(routes) as server, _only_our_handlers():
        path = setup_logging(log_dir, logging.INFO)
        httpx.get(f"{server.url}/ping?signature=quiet-sig-1&exp=1").raise_for_status()
        assert "HTTP Request" not in _log_text(path)

        setup_logging(log_dir, logging.DEBUG)
        httpx.get(f"{server.url}/ping?signature=loud-sig-2&exp=1").raise_for_status()
        text = _log_text(path)
    assert "HTTP Request" in text
    assert "/ping?signature=***" in text
    assert "loud-sig-2" not in text and "quiet-sig-1" not in text


def test_qwarning_lands_in_the_log(log_dir):
    path = setup_logging(log_dir)
    QtCore.qWarning("a warning from Qt land")
    text = _log_text(path)
    assert "WARNING" in text
    assert "faceter_viewer.qt: a warning from Qt land" in text


def test_a_real_qt_warning_lands_in_the_log(qapp, log_dir):
    path = setup_logging(log_dir)
    QFont().setPointSize(-1)  # Qt itself warns: "Point size <= 0"
    text = _log_text(path)
    assert "faceter_viewer.qt: QFont::setPointSize: Point size <= 0" in text


def test_recent_log_lines(log_dir):
    assert recent_log_lines(5) == []  # before setup: nothing, no error
    setup_logging(log_dir)
    logger = logging.getLogger("faceter_viewer.test")
    for i in range(60):
        logger.info("recent %d", i)
    lines = recent_log_lines(50)
    assert len(lines) == 50
    assert lines[-1].endswith("recent 59")
    assert lines[0].endswith("recent 10")


def test_teardown_restores_levels_and_qt_handler(log_dir):
    root_level = logging.getLogger().level
    setup_logging(log_dir, logging.DEBUG)
    teardown_logging()
    assert logging.getLogger().level == root_level
    assert app_logging.current_log_path() is None
    assert not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in logging.getLogger().handlers)
