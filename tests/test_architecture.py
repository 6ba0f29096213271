"""The shape issue 9 gave the code, held: one module talks to SQLite, one to click, and
the pipeline stays short enough to read as the flow."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).parent.parent / "feedgen_miit"


def modules_naming(word: str) -> list[str]:
    """The package's modules whose text names ``word`` (as ``grep -l`` finds it)."""
    return sorted(
        path.name
        for path in PACKAGE.glob("*.py")
        if re.search(rf"\b{word}\b", path.read_text(encoding="utf-8"))
    )


def test_only_the_index_names_sqlite3() -> None:
    assert modules_naming("sqlite3") == ["index.py"]


def test_only_the_command_line_imports_click() -> None:
    importing = sorted(
        path.name
        for path in PACKAGE.glob("*.py")
        if re.search(r"^\s*(import click|from click)", path.read_text(encoding="utf-8"), re.M)
    )
    assert importing == ["cli.py"]


def test_the_pipeline_reads_in_under_200_lines() -> None:
    lines = (PACKAGE / "pipeline.py").read_text(encoding="utf-8").count("\n")
    assert lines < 200, f"pipeline.py has {lines} lines: move a step into its own module"
