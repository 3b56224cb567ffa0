"""docs/api-rules.md is the document the code cites as "api-rules §N" / "§N": every section it
cites exists there, the sections run §1..§N without a gap, and each names code that exists."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
DOC = REPO_ROOT / "docs" / "api-rules.md"
CITED_IN = ("faceter_viewer", "tests", "benchmarks")

_HEADING = re.compile(r"^### §(\d+) ", re.MULTILINE)
_CITATION = re.compile(r"§(\d+)(?:\s*-\s*§(\d+))?")


def _sections() -> list[int]:
    return [int(n) for n in _HEADING.findall(DOC.read_text(encoding="utf-8"))]


def _citations() -> dict[int, list[str]]:
    cited: dict[int, list[str]] = {}
    for folder in CITED_IN:
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for first, last in _CITATION.findall(line):
                    for section in range(int(first), int(last or first) + 1):
                        cited.setdefault(section, []).append(f"{path.relative_to(REPO_ROOT)}:{number}")
    return cited


def test_the_sections_are_numbered_one_to_n_without_a_gap():
    sections = _sections()
    assert sections == list(range(1, len(sections) + 1)), sections
    assert len(sections) == 22  # the numbering of the project's API reading (§1..§22)


def test_every_cited_section_exists():
    sections = set(_sections())
    cited = _citations()
    missing = {section: places for section, places in cited.items() if section not in sections}
    assert not missing, f"cited but not in docs/api-rules.md: {missing}"
    assert len(cited) >= 15, sorted(cited)  # the scan really finds the code's citations


def test_the_functions_the_document_names_exist():
    """`rules.same_origin`, `archive.ArchiveClient.preview_jpeg`, ...: each api name is real."""
    text = DOC.read_text(encoding="utf-8")
    modules = "rules|retry|errors|credentials|redaction|paging|models|enums|http|part_file|archive"
    names = {
        (module, dotted.rstrip("."))
        for module, dotted in re.findall(rf"`({modules})\.([A-Za-z_][\w.]*)", text)
        if dotted != "py"
    }
    assert len(names) > 30, names
    absent = []
    for module_name, dotted in sorted(names):
        owner: object = importlib.import_module(f"faceter_viewer.api.{module_name}")
        for part in dotted.split("."):
            if hasattr(owner, part):
                owner = getattr(owner, part)
                continue
            # a pydantic field, or an attribute the constructor sets from its parameter
            fields = getattr(owner, "model_fields", {})
            params = inspect.signature(owner).parameters if isinstance(owner, type) else {}
            if part not in fields and part not in params:
                absent.append(f"{module_name}.{dotted}")
            break
    assert not absent, absent
