"""The command line, through click's CliRunner and as a real process (its exit codes:
test_cli_exit_codes.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from feedgen_miit.cli import main
from tests.golden import EXAMPLES


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_verbose_tells_what_was_done(output_dir: Path) -> None:
    code, _, err = run("build", str(EXAMPLES), "--out", str(output_dir), "-v")
    assert code == 0
    assert f"wrote {output_dir / 'atom.xml'}\n" in err
    assert (
        "5 entries of 5 articles; 44 files written, 0 unchanged, 0 removed; "
        "5 article pages written, 0 unchanged; 5 article files read, 5 bodies sanitized"
    ) in err
    code, _, err = run("build", str(EXAMPLES), "--out", str(output_dir), "-v")
    # Nothing changed: only the feeds are rendered again, and found unchanged.
    assert (
        "0 files written, 15 unchanged, 0 removed; 0 article pages written, 0 unchanged; "
        "0 article files read"
    ) in err


def test_flags_reach_the_feed(output_dir: Path) -> None:
    code, _, _ = run(
        "build", str(EXAMPLES), "--out", str(output_dir), "--title", "我的订阅",
        "--base-url", "https://example.org/miit", "--limit", "2", "--timezone", "UTC",
    )  # fmt: skip
    assert code == 0
    feed = (output_dir / "atom.xml").read_text(encoding="utf-8")
    assert "<title>我的订阅</title>" in feed
    assert 'href="https://example.org/miit/atom.xml" rel="self"' in feed
    assert feed.count("<entry>") == 2


def test_every_command_has_help_with_an_example() -> None:
    for name, command in main.commands.items():
        assert command.help, name
        assert "Example" in command.help, name


def test_python_dash_m_runs_the_same_cli(tmp_path: Path) -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "feedgen_miit", "build", str(EXAMPLES), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (finished.returncode, finished.stdout, finished.stderr) == (0, "", "")
    assert (tmp_path / "atom.xml").exists()


def test_version() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out.startswith("feedgen-miit, version ")


#: What a build needs and --help does not: each costs tens of milliseconds to import.
HEAVY = (
    "bs4",
    "lxml",
    "feedgen",
    "sqlite3",
    "yaml",
    "frontmatter",
    "soupsieve",
    "importlib.metadata",
)


def test_help_and_version_import_nothing_a_build_needs() -> None:
    # Run in a fresh interpreter: this one has imported everything already.
    script = (
        "import sys\n"
        "from feedgen_miit.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    for flag in ("--help", "--version"):
        finished = subprocess.run(
            [sys.executable, "-c", script, flag],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        loaded = set(finished.stderr.split())
        assert finished.stdout
        assert not {name for name in HEAVY if name in loaded}, flag


#: What a build of the examples does not use: bs4 serves the bodies the lxml pass declines
#: (none of these), the HTTP client an operator's WebSub hub (none set), and the library
#: versions come from the .dist-info names. Each cost a build tens of milliseconds.
UNUSED_BY_A_BUILD = ("bs4", "soupsieve", "importlib.metadata", "urllib.request", "http.client")


def test_a_build_imports_only_what_it_uses(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from feedgen_miit.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:])\n"
        "except SystemExit as done:\n"
        "    assert not done.code, done.code\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    command = ["build", str(EXAMPLES), "--out", str(tmp_path / "out"), "--no-cache"]
    finished = subprocess.run(
        [sys.executable, "-c", script, *command],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = set(finished.stderr.split())
    assert "feedgen_miit.pipeline" in loaded
    assert [name for name in UNUSED_BY_A_BUILD if name in loaded] == []
