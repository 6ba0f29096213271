"""The command line's exit codes, exactly as documented in --help and the README."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from feedgen_miit.cli import main
from tests.atomcheck import assert_valid_atom
from tests.conftest import ARTICLE, WriteArticle
from tests.golden import ROOT, published_files

HOSTILE = Path(__file__).parent / "data" / "hostile"
#: Files in tests/data/hostile that a build skips (the same list as in test_hostile.py,
#: without the cases that only its fixture makes).
SKIPPED = 20
GOOD = 16


def run(*args: str) -> Result:
    """Invoke the CLI as a user would; stderr is kept apart from stdout."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def hostile_copy(tmp_path: Path) -> Path:
    """A private copy of tests/data/hostile."""
    return Path(shutil.copytree(HOSTILE, tmp_path / "hostile"))


def test_exit_0_when_every_article_is_used(write_article: WriteArticle, tmp_path: Path) -> None:
    write_article("a.txt")
    out = tmp_path / "public"

    result = run("build", str(tmp_path / "articles"), "--out", str(out))

    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    assert_valid_atom((out / "atom.xml").read_bytes())


def test_exit_3_names_every_skipped_file_once(hostile_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"

    result = run("build", str(hostile_copy), "--out", str(out), "--limit", "0")

    assert result.exit_code == 3
    lines = result.stderr.splitlines()
    assert len(lines) == SKIPPED
    assert all(line.startswith(f"feedgen-miit: skipped {hostile_copy}/") for line in lines)
    named = [line.split(": ")[1].split(":")[0] for line in lines]
    assert len(set(named)) == SKIPPED
    document = (out / "atom.xml").read_bytes()
    assert_valid_atom(document)
    assert document.count(b"<entry>") == GOOD


def test_strict_exit_1_writes_nothing(hostile_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"

    result = run("build", str(hostile_copy), "--out", str(out), "--strict")

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == SKIPPED + 1
    assert lines[-1].startswith(f"feedgen-miit: error: {SKIPPED} article file(s) cannot be used")
    assert published_files(out) == set()  # at most the build's own lock and cache


def test_strict_exit_0_when_clean(write_article: WriteArticle, tmp_path: Path) -> None:
    write_article("a.txt")

    result = run("build", str(tmp_path / "articles"), "--out", str(tmp_path / "o"), "--strict")

    assert result.exit_code == 0
    assert (tmp_path / "o" / "atom.xml").exists()


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing-folder", "articles folder not found"),
        ("no-usable-article", "no usable article"),
        ("output-under-a-file", "cannot create the output folder"),
        ("bad-timezone", "timezone 'Mars/Base' is unknown"),
    ],
)
def test_exit_1_is_fatal_and_writes_nothing(
    setup: str, message: str, write_article: WriteArticle, tmp_path: Path
) -> None:
    articles = tmp_path / "articles"
    out = tmp_path / "public"
    extra: list[str] = []
    if setup == "missing-folder":
        articles = tmp_path / "nowhere"
    elif setup == "no-usable-article":
        write_article("bad.txt", "no front matter")
    elif setup == "output-under-a-file":
        write_article("a.txt")
        (tmp_path / "file").write_text("not a folder")
        out = tmp_path / "file" / "public"  # not writable, even for root
    else:
        write_article("a.txt")
        extra = ["--timezone", "Mars/Base"]

    result = run("build", str(articles), "--out", str(out), *extra)

    assert result.exit_code == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (out / "atom.xml").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["build"],
        ["build", "x", "--no-such-option"],
        ["build", "x", "--limit", "-1"],
        ["build", "x", "--max-file-bytes", "0"],
        ["no-such-command"],
        ["check"],
    ],
)
def test_exit_2_is_a_usage_error(args: list[str]) -> None:
    assert run(*args).exit_code == 2


def test_check_lists_every_error_and_warning(hostile_copy: Path) -> None:
    result = run("check", str(hostile_copy))

    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    assert lines[-1] == f"{GOOD} usable article(s), {SKIPPED} error(s), 8 warning(s)"
    assert sum(line.endswith("[error: skipped]") for line in lines) == SKIPPED
    assert sum(line.endswith("[warning]") for line in lines) == 8
    assert result.stderr == ""


def test_check_writes_nothing(
    hostile_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = sorted(path.name for path in hostile_copy.rglob("*"))

    run("check", str(hostile_copy))

    assert sorted(path.name for path in hostile_copy.rglob("*")) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["hostile"]


def test_check_exit_0_only_when_clean(write_article: WriteArticle, tmp_path: Path) -> None:
    write_article("a.txt")
    assert run("check", str(tmp_path / "articles")).exit_code == 0
    write_article("b.txt", ARTICLE.replace("thumbnail: '", "thumbnail: 'javascript:"))
    warned = run("check", str(tmp_path / "articles"))
    assert warned.exit_code == 3
    line = next(n for n, text in enumerate(ARTICLE.split("\n"), 1) if text.startswith("thumb"))
    assert f"b.txt:{line}: front matter: 'thumbnail' is not an http(s) URL" in warned.stdout


def test_check_exit_1_when_the_folder_is_missing(tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nowhere"))
    assert result.exit_code == 1
    assert "articles folder not found" in result.stderr


def test_warnings_show_in_build_with_verbose(write_article: WriteArticle, tmp_path: Path) -> None:
    write_article("a.txt", ARTICLE.replace("thumbnail: '", "thumbnail: 'javascript:"))
    args = ["build", str(tmp_path / "articles"), "--out", str(tmp_path / "o")]

    quiet = run(*args)
    verbose = run(*args, "-v")

    assert (quiet.exit_code, quiet.stderr) == (0, "")
    assert verbose.exit_code == 0
    assert "warning: " in verbose.stderr
    assert "'thumbnail' is not an http(s) URL" in verbose.stderr


@pytest.mark.parametrize("command", ["build", "check"])
def test_help_documents_every_exit_code(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    for code in "0123":
        assert f"\n    {code}  " in result.stdout


def test_readme_documents_the_exit_codes() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in "0123":
        assert f"| {code} |" in section
