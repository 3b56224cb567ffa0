"""The import contracts of pyproject.toml ([tool.importlinter]: the layer stack, no Qt or libvlc in
api/ and core/, what the demo service may use and who may use it), checked by `lint-imports` on
the real tree; and proof, on a copy of the package with one wrong import added, that each contract
can break.

import-linter reads the source (every import statement, also inside functions and try blocks);
tests/unit/test_layering.py covers what only importing can show (dynamic imports, Qt pulled in
through a third-party package).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

LINT_IMPORTS = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` in `root` (it puts the working directory first on sys.path, so it reads
    root/faceter_viewer, not an installed copy) with root/pyproject.toml."""
    return subprocess.run(
        [sys.executable, "-c", LINT_IMPORTS, "--no-cache", "--no-logo"],
        capture_output=True,
        text=True,
        cwd=root,
        timeout=120,
    )


def test_the_real_tree_keeps_every_contract() -> None:
    result = lint_imports(REPO_ROOT)
    output = result.stdout + result.stderr
    assert result.returncode == 0, "import contracts broken (pyproject.toml [tool.importlinter]):\n" + output
    assert "0 broken" in output and "4 kept" in output, output


@pytest.fixture
def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(REPO_ROOT / "faceter_viewer", tmp_path / "faceter_viewer", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


LAYERS = "Layers: cli > app > ui > app_logging > services > player > core > api"
PURE = "api and core import neither Qt nor libvlc"
DEMO_USES = "The demo service uses the api layer only (and no Qt, no libvlc: it runs headless)"
DEMO_USED_BY = "Only the entry points (app, cli) start the demo service"
CONTRACTS = (LAYERS, PURE, DEMO_USES, DEMO_USED_BY)


@pytest.mark.slow  # one lint-imports run (~3 s) per case
@pytest.mark.parametrize(
    ("module", "added", "reported", "broken"),
    [
        # api imports a higher layer; the demo service, which uses api.rules, now reaches ui too
        ("api/rules.py", "import faceter_viewer.ui", "faceter_viewer.api.rules -> faceter_viewer.ui", {LAYERS, DEMO_USES}),
        # an import inside a function and a try block is found all the same
        (
            "core/filenames.py",
            "def _qt():\n    try:\n        from PySide6 import QtCore\n    except ImportError:\n        return None",
            "faceter_viewer.core.filenames -> PySide6",
            {PURE},
        ),
        ("core/lru_cache.py", "import vlc", "faceter_viewer.core.lru_cache -> vlc", {PURE}),
        (
            "demo/dataset.py",
            "from faceter_viewer.core.filenames import safe_filename",
            "faceter_viewer.demo.dataset -> faceter_viewer.core.filenames",
            {DEMO_USES},
        ),
        (
            "services/tasks.py",
            "from faceter_viewer.demo import DemoService",
            "faceter_viewer.services.tasks -> faceter_viewer.demo",
            {DEMO_USED_BY},
        ),
        (
            "player/player_state.py",
            "import faceter_viewer.services",
            "faceter_viewer.player.player_state -> faceter_viewer.services",
            {LAYERS},
        ),
    ],
)
def test_one_wrong_import_breaks_its_contract(copy_of_the_package, module, added, reported, broken) -> None:
    _add_line(copy_of_the_package / "faceter_viewer" / module, added)
    result = lint_imports(copy_of_the_package)
    output = " ".join((result.stdout + result.stderr).split())  # rich wraps long lines
    assert result.returncode == 1, output
    assert reported in output, output
    for name in CONTRACTS:
        assert f"{name} {'BROKEN' if name in broken else 'KEPT'}" in output, (name, output)
    assert f"{len(CONTRACTS) - len(broken)} kept, {len(broken)} broken" in output, output


@pytest.mark.slow
def test_a_new_top_level_module_must_be_placed_in_a_layer(copy_of_the_package) -> None:
    (copy_of_the_package / "faceter_viewer" / "plugins.py").write_text('"""Somewhere new."""\n')
    result = lint_imports(copy_of_the_package)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 1, output
    assert "faceter_viewer.plugins" in output, output
