"""An unexpected Qt warning fails the test that caused it, and the ignore list of pyproject.toml
lets through only what it names: the project's own pytest-qt settings, applied in a fresh pytest
process (pytester) to a small test file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]

QT_LOG_TESTS = '''
from PySide6 import QtCore


def test_an_unexpected_warning(qapp):
    QtCore.qWarning("QObject::connect: No such signal Example::gone()")


def test_an_ignored_warning(qapp):
    QtCore.qWarning("This plugin does not support propagateSizeHints()")


def test_a_debug_line_is_no_warning(qapp):
    QtCore.qDebug("just saying")
'''


def project_qt_log_settings() -> dict[str, object]:
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    return {name: options[name] for name in ("qt_log_level_fail", "qt_log_ignore")}


@pytest.mark.slow  # a pytest process of its own (~2 s)
def test_an_unexpected_qt_warning_fails_its_test_and_an_ignored_one_does_not(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = project_qt_log_settings()
    assert settings["qt_log_level_fail"] == "WARNING"
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    ignore = "\n".join(f"    {pattern}" for pattern in settings["qt_log_ignore"])  # type: ignore[union-attr]
    pytester.makeini(f"[pytest]\nqt_log_level_fail = {settings['qt_log_level_fail']}\nqt_log_ignore =\n{ignore}\n")
    pytester.makepyfile(test_qt_log=QT_LOG_TESTS)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*Failure: Qt messages with level WARNING or above emitted*",
            "QtWarningMsg: QObject::connect: No such signal Example::gone()",
            "FAILED test_qt_log.py::test_an_unexpected_warning",
        ]
    )
