"""The command line's exit codes, exactly as documented in --help and the README: every test
of what ``build`` and ``check`` exit with, and say on the way out, is here."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner, Result

from bench.generate import generate
from feedgen_miit import index
from feedgen_miit.cli import SHOWN_PROBLEMS, main
from feedgen_miit.errors import PublishError, say_pages_out
from tests.atomcheck import assert_valid_atom
from tests.conftest import ARTICLE, WriteArticle
from tests.golden import EXAMPLES, ROOT, published_files
from tests.hostile import DRAFTS, ERRORS, GOOD, WARNINGS
from tests.test_loader import with_front_matter

#: Warnings in the hostile folder (a file may have several).
WARNED = sum(len(reasons) for reasons in WARNINGS.values())


def run(*args: str) -> Result:
    """Invoke the CLI as a user would; stderr is kept apart from stdout."""
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_exit_0_when_every_article_is_used(write_article: WriteArticle, tmp_path: Path) -> None:
    write_article("a.txt")
    out = tmp_path / "public"

    result = run("build", str(tmp_path / "articles"), "--out", str(out))

    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == ""
    assert_valid_atom((out / "atom.xml").read_bytes())


def test_exit_3_names_every_skipped_file_once(hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"

    result = run("build", str(hostile_dir), "--out", str(out), "--limit", "0")

    assert result.exit_code == 3
    assert result.stdout == ""
    prefix = f"{hostile_dir}/"  # file:line: reason, as a compiler says it
    lines = result.stderr.splitlines()
    assert all(line.startswith(prefix) for line in lines)
    named = sorted(line.removeprefix(prefix).split(":")[0] for line in lines)
    assert named == sorted(ERRORS)  # each once
    document = (out / "atom.xml").read_bytes()
    assert_valid_atom(document)
    assert len(feedparser.parse(document).entries) == len(GOOD)


def test_exit_3_line_is_file_line_reason(
    write_article: WriteArticle, articles_dir: Path, output_dir: Path
) -> None:
    write_article("good.txt")
    bad = write_article("041_ab12.txt", with_front_matter(date=None))

    result = run("build", str(articles_dir), "--out", str(output_dir))

    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == f"{bad}:3: front matter: 'date' is missing\n"
    assert (output_dir / "atom.xml").exists()


def test_strict_exit_1_writes_nothing(hostile_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "public"

    result = run("build", str(hostile_dir), "--out", str(out), "--strict")

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    # Nothing was published: the first 20 reasons, how many more, and why nothing went out.
    assert len(lines) == SHOWN_PROBLEMS + 2
    assert all(line.startswith(f"{hostile_dir}/") for line in lines[:SHOWN_PROBLEMS])
    assert lines[-2] == (
        f"feedgen-miit: ... and {len(ERRORS) - SHOWN_PROBLEMS} more "
        "(feedgen-miit check lists every one)"
    )
    assert lines[-1].startswith(
        f"feedgen-miit: error: {len(ERRORS)} article file(s) cannot be used"
    )
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
        ("no-usable-article", "1 article file(s), none usable"),
        ("output-under-a-file", "cannot create the output folder"),
        ("bad-timezone", "timezone 'Mars/Base' is unknown"),
        ("output-inside-articles", "public: the output folder is inside"),
        ("bad-base-url", "base_url 'ftp://x' must be an absolute http(s) URL"),
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
    elif setup == "bad-timezone":
        write_article("a.txt")
        extra = ["--timezone", "Mars/Base"]
    elif setup == "output-inside-articles":  # the second night would read its own pages
        write_article("a.txt")
        out = articles / "public"
    else:
        write_article("a.txt")
        extra = ["--base-url", "ftp://x"]

    result = run("build", str(articles), "--out", str(out), *extra)

    assert result.exit_code == 1
    *named, last = result.stderr.splitlines()  # each unusable file, then the one error
    assert last.startswith("feedgen-miit: error: ")
    assert message in last
    assert len(named) == (setup == "no-usable-article")
    assert not (out / "atom.xml").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["build"],
        ["build", "x", "--no-such-option"],
        ["build", "x", "--limit", "-1"],
        ["build", "x", "--max-file-bytes", "0"],
        ["no-such-command"],
        ["nonsense"],
        ["check"],
    ],
)
def test_exit_2_is_a_usage_error(args: list[str]) -> None:
    assert run(*args).exit_code == 2


def test_check_lists_every_error_and_warning(hostile_dir: Path) -> None:
    result = run("check", str(hostile_dir))

    assert result.exit_code == 3
    lines = result.stdout.splitlines()
    errors, warnings = len(ERRORS), WARNED
    assert lines[-1] == (
        f"{len(GOOD)} usable article(s), {len(DRAFTS)} draft(s) left out, {errors} error(s), "
        f"{warnings} warning(s)"
    )
    assert sum(line.endswith("[error: skipped]") for line in lines) == errors
    assert sum(line.endswith("[warning]") for line in lines) == warnings
    assert sum(line.endswith("[draft]") for line in lines) == len(DRAFTS)
    assert result.stderr == ""


def test_check_writes_nothing(
    write_article: WriteArticle, articles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article("a.txt")
    write_article("b.txt", "no front matter")
    monkeypatch.chdir(tmp_path)
    before = sorted(path.name for path in tmp_path.rglob("*"))

    run("check", str(articles_dir))

    assert sorted(path.name for path in tmp_path.rglob("*")) == before


def test_check_exit_0_only_when_clean(write_article: WriteArticle, tmp_path: Path) -> None:
    write_article("a.txt")
    assert run("check", str(tmp_path / "articles")).exit_code == 0
    other = ARTICLE.replace("工信部召开座谈会", "另一篇")  # not the same article as a.txt
    write_article("b.txt", other.replace("thumbnail: '", "thumbnail: 'javascript:"))
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


def test_a_clean_build_exits_0_silently(output_dir: Path) -> None:
    result = run("build", str(EXAMPLES), "--out", str(output_dir))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")
    assert_valid_atom((output_dir / "atom.xml").read_bytes())


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("a missing folder", "articles folder not found"),
        ("a file for the folder", "articles folder not found (or not a folder)"),
        ("a missing folder in the file", "articles folder not found"),
        ("an output folder under a file", "cannot create the output folder"),
        ("a file for the output folder", "cannot create the output folder"),
        ("a file for the output folder in the file", "cannot create the output folder"),
    ],
)
@pytest.mark.parametrize("command", ["build", "check"])
def test_every_way_of_naming_a_wrong_folder_is_exit_1(
    tmp_path: Path, write_article: WriteArticle, command: str, how: str, message: str
) -> None:
    write_article("a.txt")
    articles, extra = str(tmp_path / "articles"), []
    if how == "a missing folder":
        articles = str(tmp_path / "nowhere")
    elif how == "a file for the folder":
        articles = str(write_article("b.txt"))
    elif how == "a missing folder in the file":
        config = tmp_path / "feedgen-miit.toml"
        config.write_text(f'articles_dir = "{tmp_path / "gone"}"\n', encoding="utf-8")
        articles, extra = "", ["--config", str(config)]
    elif command == "check":
        pytest.skip("check writes no output")
    elif how == "a file for the output folder in the file":
        (tmp_path / "file").write_text("x")
        config = tmp_path / "feedgen-miit.toml"
        config.write_text(f'output_dir = "{tmp_path / "file"}"\n', encoding="utf-8")
        extra = ["--config", str(config)]
    else:
        (tmp_path / "file").write_text("x")
        public = tmp_path / "file" / ("public" if how == "an output folder under a file" else "")
        extra = ["--out", str(public)]

    result = run(command, *([articles] if articles else []), *extra)

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("feedgen-miit: error: ")
    assert message in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "x", "--no-such-option"], "no such option '--no-such-option'"),
        (["build", "x", "--limit", "-1"], "invalid value for '--limit'"),
        (["no-such-command"], "no such command 'no-such-command'"),
        (["build"], "no articles folder"),
    ],
)
def test_usage_errors_speak_the_same_form_as_every_other_error(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no feedgen-miit.toml here
    result = run(*args)
    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("feedgen-miit: error: "), line
    assert message in line.lower()
    assert line.endswith("--help)")
    assert "(see feedgen-miit" in line


def test_a_build_that_publishes_nothing_says_why_for_each_file(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    bad = write_article("041_ab12.txt", with_front_matter(date=None))
    result = run("build", str(tmp_path / "articles"), "--out", str(tmp_path / "o"), "-vv")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("feedgen-miit: ")]
    assert lines == [f"{bad}:3: front matter: 'date' is missing"]
    assert result.stderr.splitlines()[-1] == (
        f"feedgen-miit: error: {tmp_path / 'articles'}: 1 article file(s), none usable "
        "(looked for *.txt, *.md, *.html); nothing was published"
    )


def test_the_built_in_feed_id_is_a_warning_outside_the_demo(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("a.txt")
    args = ["build", str(tmp_path / "articles"), "--out", str(tmp_path / "o")]
    demo = run(*args)
    assert (demo.exit_code, demo.stderr) == (0, "")  # the demo's address: no noise
    served = run(*args, "--base-url", "https://example.org/news/")
    assert served.exit_code == 0
    assert served.stderr == (
        "feedgen-miit: warning: this feed uses the built-in feed_id; give it its own before "
        "readers subscribe (feedgen-miit init writes one, or set feed_id)\n"
    )
    own = run(*args, "--base-url", "https://example.org/news/", "--feed-id", "urn:uuid:1")
    assert (own.exit_code, own.stderr) == (0, "")


def test_check_takes_the_selection_options_of_build(
    write_article: WriteArticle, tmp_path: Path
) -> None:
    write_article("a.txt")
    write_article("b.md", "no front matter")
    articles = str(tmp_path / "articles")
    assert run("check", articles).exit_code == 3
    only_txt = run("check", articles, "--pattern", "*.txt")
    assert (only_txt.exit_code, only_txt.stdout.splitlines()[-1]) == (
        0,
        "1 usable article(s), 0 error(s), 0 warning(s)",
    )


@pytest.fixture
def tiny_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, full after a few dozen index rows (skipped where mounting is not
    allowed: it needs root and CAP_SYS_ADMIN)."""
    mount_point = tmp_path / "tiny"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["/bin/mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount_point
    finally:
        subprocess.run(["/bin/umount", str(mount_point)], check=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small filesystem needs root")
def test_exit_1_in_one_line_when_the_disk_is_full(
    tiny_filesystem: Path, tmp_path: Path, output_dir: Path
) -> None:
    articles = generate(tmp_path / "articles", 300)[0].parent
    config = tmp_path / "feedgen-miit.toml"
    config.write_text(f'cache_dir = "{tiny_filesystem}"\n', encoding="utf-8")

    result = run("build", str(articles), "--out", str(output_dir), "--config", str(config))

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()  # not a 4 KB chained traceback
    assert line.startswith(f"feedgen-miit: error: {tiny_filesystem}/feedgen-miit-")
    assert "cannot write the article index (database or disk is full)" in line
    assert not (output_dir / "atom.xml").exists()


def test_exit_1_in_one_line_when_the_index_cannot_be_written(
    write_article: WriteArticle,
    articles_dir: Path,
    output_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_article("a.txt")
    real_connect = index._connect

    def read_only(location: Path | None, fingerprint: str) -> sqlite3.Connection:
        connection = real_connect(location, fingerprint)
        connection.execute("PRAGMA query_only = 1")  # as a read-only disk would
        return connection

    monkeypatch.setattr(index, "_connect", read_only)

    result = run("build", str(articles_dir), "--out", str(output_dir))

    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("feedgen-miit: error: ")
    assert line.endswith(
        ".sqlite: cannot write the article index (attempt to write a readonly database), so "
        "nothing was published; free some space or fix its permissions, or set cache_dir "
        "elsewhere, or build with --no-cache"
    )
    assert not (output_dir / "atom.xml").exists()


def test_a_failure_after_the_article_pages_says_they_went_out(tmp_path: Path) -> None:
    # The pages go out first; a failure publishing the feeds after them said "nothing was
    # published" while five pages were out (unlinked). It says what went out now.
    out = tmp_path / "public"
    out.mkdir()
    (out / "atom.xml").symlink_to(tmp_path / "elsewhere.xml")  # refused: never written through
    result = run("build", str(EXAMPLES), "--out", str(out), "--no-cache")
    assert result.exit_code == 1
    assert "only 5 article page(s) went out (nothing links to them yet" in result.stderr
    assert "nothing was published" not in result.stderr
    assert len(list((out / "articles").glob("*.html"))) == 5


def test_what_went_out_is_added_to_the_raw_message_escaped_once() -> None:
    error = PublishError("/out/a\nb.xml: cannot write the file; nothing was published")
    say_pages_out(error, 2)
    assert str(error) == (
        "/out/a\\nb.xml: cannot write the file; only 2 article page(s) went out (nothing "
        "links to them yet; the feeds and listings are as the last build left them)"
    )
