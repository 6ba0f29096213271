"""The command line, through click's CliRunner and as a real process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from feedgen_miit.cli import main
from tests.atomcheck import assert_valid_atom
from tests.conftest import WriteArticle
from tests.golden import EXAMPLES
from tests.test_loader import with_front_matter


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_build_is_silent_on_success(output_dir: Path) -> None:
    code, out, err = run("build", str(EXAMPLES), "--out", str(output_dir))
    assert (code, out, err) == (0, "", "")
    assert_valid_atom((output_dir / "atom.xml").read_bytes())


def test_verbose_tells_what_was_done(output_dir: Path) -> None:
    code, _, err = run("build", str(EXAMPLES), "--out", str(output_dir), "-v")
    assert code == 0
    assert f"wrote {output_dir / 'atom.xml'}\n" in err
    assert "5 entries of 5 articles; 15 files written, 0 unchanged; " in err
    code, _, err = run("build", str(EXAMPLES), "--out", str(output_dir), "-v")
    assert "0 files written, 15 unchanged; 0 article files read" in err


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


def test_skipped_articles_are_listed_and_exit_3(
    write_article: WriteArticle, articles_dir: Path, output_dir: Path
) -> None:
    write_article("good.txt")
    bad = write_article("041_ab12.txt", with_front_matter(date=None))
    code, out, err = run("build", str(articles_dir), "--out", str(output_dir))
    assert code == 3
    assert out == ""
    assert err == f"feedgen-miit: skipped {bad}:3: front matter: 'date' is missing\n"
    assert (output_dir / "atom.xml").exists()


def test_no_usable_article_exits_1_and_writes_nothing(
    write_article: WriteArticle, articles_dir: Path, output_dir: Path
) -> None:
    write_article("bad.txt", "<p>no front matter</p>")
    code, _, err = run("build", str(articles_dir), "--out", str(output_dir))
    assert code == 1
    assert "no usable article" in err
    assert "Traceback" not in err
    assert not (output_dir / "atom.xml").exists()


def test_missing_folder_and_bad_settings_exit_1(tmp_path: Path, output_dir: Path) -> None:
    code, _, err = run("build", str(tmp_path / "nope"), "--out", str(output_dir))
    assert (code, "articles folder not found" in err) == (1, True)
    code, _, err = run("build", str(EXAMPLES), "--out", str(output_dir), "--timezone", "Mars/Base")
    assert (code, "timezone 'Mars/Base' is unknown" in err) == (1, True)
    code, _, err = run("build", str(EXAMPLES), "--out", str(output_dir), "--base-url", "ftp://x")
    assert (code, "base_url 'ftp://x' must be an absolute http(s) URL" in err) == (1, True)


def test_usage_errors_exit_2(output_dir: Path) -> None:
    assert run("build")[0] == 2
    assert run("build", str(EXAMPLES), "--limit", "-1")[0] == 2
    assert run("nonsense")[0] == 2


def test_help_documents_the_exit_codes() -> None:
    code, out, _ = run("build", "--help")
    assert code == 0
    for line in ("0  feed written", "1  nothing written", "2  usage error", "3  feed written, but"):
        assert line in out


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
