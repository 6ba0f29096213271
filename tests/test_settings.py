"""Each setting is described once, and everything that shows one is made from that description.

Also the module map's rules, which the code's layout promises: one module speaks SQL, one
imports click, renderers see no settings.
"""

from __future__ import annotations

import ast
import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from feedgen_miit import Settings, make_settings
from feedgen_miit import settings as described
from feedgen_miit.cli import main
from feedgen_miit.index import fingerprint
from feedgen_miit.settings import Scope, markdown_table, synopsis
from tests.golden import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "feedgen_miit"


def test_the_readme_configuration_table_is_the_settings() -> None:
    assert markdown_table() in README, "README's table differs: paste settings.markdown_table()"
    for item in fields(Settings):
        assert f"| `{item.name}` |" in README


@pytest.mark.parametrize("command", ["build", "check"])
def test_the_readme_synopsis_is_the_commands(command: str) -> None:
    assert synopsis(command) in README


@pytest.mark.parametrize("command", ["build", "check"])
def test_every_flag_in_the_help_is_a_setting_with_its_default(command: str) -> None:
    text = CliRunner().invoke(main, [command, "--help"], terminal_width=200).output
    shown = set(re.findall(r"^  (--[a-z-]+)", text, flags=re.MULTILINE))
    expected = {
        described.description(name).flag
        for name in described.names()
        if described.description(name).takes(command)
    }
    assert shown - {"--config", "--verbose", "--help"} == expected
    assert "[default: 50]" in text or command == "check"
    assert "[default: Asia/Shanghai]" in text


def test_every_setting_has_help_and_a_scope_and_flags_are_unique() -> None:
    flags = [described.description(name).flag for name in described.names()]
    given = [flag for flag in flags if flag is not None]
    assert len(given) == len(set(given))
    for name in described.names():
        about = described.description(name)
        assert about.help.strip().endswith(")") or about.help.strip().endswith("."), name
        assert isinstance(about.scope, Scope)


#: Values other than the defaults, for the settings whose kind says too little.
OTHER_VALUES: dict[str, Any] = {
    "base_url": "https://example.org/other/",
    "feed_id": "urn:uuid:00000000-0000-4000-8000-000000000001",
    "timezone": "UTC",
    "profiles": (),
    "patterns": ("*.htm",),
}


def _other(name: str, value: Any) -> Any:
    """A value of the setting ``name`` other than ``value``."""
    if name in OTHER_VALUES:
        return OTHER_VALUES[name]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, Path):
        return value / "other"
    return "other"


@pytest.mark.parametrize("name", [name for name in described.names() if name != "articles_dir"])
def test_only_settings_that_shape_articles_start_the_index_afresh(name: str) -> None:
    settings = make_settings(Path("articles"))
    changed = replace(settings, **{name: _other(name, getattr(settings, name))})
    shapes_articles = described.description(name).scope is Scope.ARTICLES
    assert (fingerprint(changed) != fingerprint(settings)) is shapes_articles


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.add("." * node.level + (node.module or ""))
    return found


def test_one_module_speaks_sql_and_one_imports_click() -> None:
    modules = {path.name: _imports(path) for path in PACKAGE.glob("*.py")}
    assert [name for name, imported in modules.items() if "sqlite3" in imported] == ["index.py"]
    assert [name for name, imported in modules.items() if "click" in imported] == ["cli.py"]


@pytest.mark.parametrize("renderer", ["feed.py", "rss.py", "jsonfeed.py", "opml.py", "site.py"])
def test_renderers_get_what_they_render_not_the_settings(renderer: str) -> None:
    imported = _imports(PACKAGE / renderer)
    assert not imported & {".settings", ".config", ".pipeline", ".index"}
