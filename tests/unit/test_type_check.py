"""mypy on the pure layers (faceter_viewer/api/, faceter_viewer/core/) with the settings of
pyproject.toml [tool.mypy]; and proof that those settings are the ones applied (an error that
only check_untyped_defs reports is reported)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # a run without mypy's cache takes 30-40 s on two cores


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(REPO_ROOT / "pyproject.toml"), *args],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=280,
    )


def test_api_and_core_type_check() -> None:
    result = mypy()  # the files come from [tool.mypy] files
    assert result.returncode == 0, "mypy (pyproject.toml [tool.mypy]):\n" + result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_the_configured_strictness_is_applied(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def untyped(rows):\n"  # no annotations: mypy skips its body unless check_untyped_defs
        "    total: int = 'zero'\n"
        "    return rows\n"
        "\n"
        "x = 1  # type: ignore[assignment]\n"  # nothing to ignore: warn_unused_ignores
    )
    result = mypy(str(sample))
    assert result.returncode == 1, result.stdout + result.stderr
    assert 'sample.py:2: error: Incompatible types in assignment (expression has type "str"' in result.stdout
    assert "sample.py:5: error: Unused \"type: ignore\" comment" in result.stdout
