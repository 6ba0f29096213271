"""The README's command examples work exactly as written, in the order shown."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.atomcheck import assert_valid_atom
from tests.golden import EXAMPLES

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def shell_block(after: str) -> list[str]:
    """The commands of the first ```sh block of the README after the text ``after``."""
    found = re.search(re.escape(after) + r".*?```sh\n(.*?)```", README, re.DOTALL)
    assert found, f"no sh block after {after!r}"
    return [line for line in found.group(1).splitlines() if line.strip()]


def run(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``command`` through the shell, as a user with the environment activated runs it."""
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bin_dir + os.pathsep + os.environ["PATH"], "EDITOR": "true"}
    env["XDG_CACHE_HOME"] = str(cwd / ".cache")
    return subprocess.run(
        ["/bin/sh", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def a_clone(tmp_path: Path) -> Path:
    clone = tmp_path / "clone"
    shutil.copytree(EXAMPLES, clone / "examples" / "articles")
    return clone


def test_the_command_line_examples_run_as_written(tmp_path: Path) -> None:
    clone = a_clone(tmp_path)
    commands = shell_block("Examples, in the clone")
    assert len(commands) == 5
    for command in commands:
        result = run(command, clone)
        assert result.returncode == 0, (command, result.stderr)
    assert_valid_atom((clone / "public" / "atom.xml").read_bytes())
    assert b"https://example.org/feeds/" in (clone / "site" / "atom.xml").read_bytes()


def test_the_configuration_example_runs_with_its_one_edit(tmp_path: Path) -> None:
    clone = a_clone(tmp_path)
    init, edit, build = shell_block("flags > file > defaults")
    assert run(init, clone).returncode == 0
    # The edit the comment asks for, made the way $EDITOR would.
    assert 'articles_dir = "examples/articles"' in edit
    settings = clone / "feedgen-miit.toml"
    text = settings.read_text(encoding="utf-8")
    settings.write_text(
        re.sub(r"^articles_dir = .*$", 'articles_dir = "examples/articles"', text, flags=re.M),
        encoding="utf-8",
    )
    assert run(edit, clone).returncode == 0
    result = run(build, clone)
    assert result.returncode == 0, result.stderr
    assert_valid_atom((clone / "public" / "atom.xml").read_bytes())
