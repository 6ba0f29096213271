"""Messages cannot be forged: whatever a file is named and whatever its front matter holds,
every problem and warning is one line of printable text, escaped the same way on a terminal
and off it, and the file's name can be read back from it (errors.shown)."""

from __future__ import annotations

import logging
import os
import re
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedgen_miit import ArticleError, ArticleWarning, check, load_article, make_settings
from feedgen_miit.cli import main
from feedgen_miit.config import read_config
from feedgen_miit.errors import ConfigError, ShownFormatter, per_article, shown
from tests.conftest import ARTICLE, WriteArticle
from tests.strategies import HOSTILE_TEXT_PIECES, file_names, hostile_front_matter, hostile_texts

NOW = datetime(2026, 1, 1, tzinfo=UTC)
_ESCAPE = re.compile(r"\\(?:(\\)|([nrt])|x([0-9a-f]{2})|u([0-9a-f]{4})|U([0-9a-f]{8})|(.|\Z))")
_NAMED = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t"}


def read_back(escaped: str) -> str:
    """The text :func:`shown` was given, from what it wrote (the rule its docstring states)."""

    def one(match: re.Match[str]) -> str:
        backslash, named, byte, short, long, stray = match.groups()
        assert stray is None, f"a backslash that starts no escape in {escaped!r}"
        if backslash or named:
            return _NAMED[backslash or named]
        if byte:
            code = int(byte, 16)
            # Above 7F, \xNN is a byte of a name that is not UTF-8 (PEP 383's surrogate).
            return chr(code) if code < 0x80 else chr(0xDC00 + code)
        return chr(int(short or long, 16))

    return _ESCAPE.sub(one, escaped)


# -- the escape itself --------------------------------------------------------------------------


@given(hostile_texts)
@example("\udcff")
@example("\\x1b")
@example("\x1b")
def test_shown_text_is_printable_and_reads_back(text: str) -> None:
    escaped = shown(text)
    assert escaped.isprintable()  # no control, no line break of any kind, no bidi override
    assert read_back(escaped) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\tb", "a\\r\\tb"),
        ("\x1b]52;c;ZWNobyBoaQ==\x07", "\\x1b]52;c;ZWNobyBoaQ==\\x07"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("\x85\x9b", "\\u0085\\u009b"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("a\\x1b", "a\\\\x1b"),
        (os.fsdecode(b"bad\xff.txt"), "bad\\xff.txt"),
        ("工信部 新闻.txt", "工信部 新闻.txt"),
    ],
)
def test_shown_escapes(text: str, expected: str) -> None:
    assert shown(text) == expected


def test_errors_and_warnings_escape_path_and_reason_once() -> None:
    path = Path("articles/a\n\x1b]0;x\x07.txt")
    error = ArticleError(path, "'title' is \x1b[2J", 3)
    warning = ArticleWarning(path, "odd\nvalue")
    assert str(error) == "articles/a\\n\\x1b]0;x\\x07.txt:3: 'title' is \\x1b[2J"
    assert str(warning) == "articles/a\\n\\x1b]0;x\\x07.txt: odd\\nvalue"
    assert str(ConfigError(f"{path}: no")) == "articles/a\\n\\x1b]0;x\\x07.txt: no"
    assert error.reason == "'title' is \x1b[2J"  # the fields stay as they were


def test_log_records_are_escaped_once(caplog: pytest.LogCaptureFixture) -> None:
    formatter = ShownFormatter("feedgen-miit: %(message)s")
    path = Path("a\nb.txt")
    warning = ArticleWarning(path, "x\x1b")
    record = logging.LogRecord("feedgen_miit", logging.INFO, __file__, 1, "%s: %d %s", None, None)
    record.args = (path, 7, warning)
    assert formatter.format(record) == "feedgen-miit: a\\nb.txt: 7 a\\nb.txt: x\\x1b"
    assert record.args == (path, 7, warning)  # other handlers see the record as logged


def test_a_traceback_keeps_its_lines_but_each_message_is_one() -> None:
    formatter = ShownFormatter("%(message)s")
    try:
        with per_article(Path("a\n.txt")):
            raise ValueError("forged\nfeedgen-miit: all good\x1b[2J")
    except ArticleError:
        record = logging.LogRecord("x", logging.DEBUG, __file__, 1, "boom", None, sys.exc_info())
    lines = formatter.format(record).split("\n")
    assert all(line.isprintable() for line in lines)
    assert "ValueError: forged\\nfeedgen-miit: all good\\x1b[2J" in lines
    assert not any(line.startswith("feedgen-miit") for line in lines)


# -- end to end: whatever the name and the front matter -------------------------------------------


def _write(folder: Path, name: bytes, front_matter: str) -> Path:
    path = folder / os.fsdecode(name)
    # surrogatepass: a lone surrogate in the text makes bytes that are not UTF-8, as it may.
    path.write_bytes(f"---\n{front_matter}---\n\n<p>正文</p>\n".encode("utf-8", "surrogatepass"))
    return path


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file_names, hostile_front_matter)
@example(b"evil\nfeedgen-miit: all good\x1b]52;c;ZWNobyBoaQ==\x07.txt", 'title: "\\e[31m"\n')
@example(b"tab\there\xe2\x80\xae.txt", "title: ok\ndate: 2022-01-01\nthumbnail: '\x1b[2J'\n")
@example(b"bad\xff\n.txt", "title: ok\ndate: 2022-01-01\nlink: 'javascript:\\x1b'\n")
def test_every_reported_line_is_one_printable_line(name: bytes, front_matter: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "articles"
        folder.mkdir()
        (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
        path = _write(folder, name, front_matter)
        report = check(make_settings(folder), now=NOW)
        reported: list[ArticleError | ArticleWarning] = [*report.problems, *report.warnings]
        messages = [str(item) for item in reported]
        for message, item in zip(messages, reported, strict=True):
            assert item.path == path
            assert message.isprintable(), message
            assert message.startswith(shown(os.fspath(path)) + ":")
        assert os.fsencode(read_back(shown(os.fspath(path)))) == os.fsencode(folder) + b"/" + name

        runner = CliRunner()
        checked = runner.invoke(main, ["check", str(folder)], catch_exceptions=False)
        built = runner.invoke(
            main, ["build", str(folder), "--out", f"{scratch}/out", "-vv"], catch_exceptions=False
        )
        for output in (checked.stdout, checked.stderr, built.stdout, built.stderr):
            for line in output.split("\n"):
                assert line.isprintable(), line
        # One problem, one line: as many lines as check found problems and warnings.
        assert len(checked.stdout.splitlines()) == len(messages) + 1
        skipped = [line for line in built.stderr.splitlines() if line.startswith(scratch)]
        assert skipped == [str(problem) for problem in report.problems]


@pytest.mark.parametrize("piece", HOSTILE_TEXT_PIECES)
def test_a_hostile_piece_in_a_name_is_reported_on_one_line(
    piece: str, write_article: WriteArticle, articles_dir: Path
) -> None:
    name = f"x{piece}y.txt".replace("/", "_").replace("\0", "_")
    write_article(name, ARTICLE.replace("Tue, 21 Jun 2022 03:44:48 GMT", "soon"))
    result = CliRunner().invoke(main, ["check", str(articles_dir)], catch_exceptions=False)
    (line, summary) = result.stdout.splitlines()
    assert line.startswith(f"{shown(str(articles_dir / name))}:10: front matter: 'date'")
    assert summary == "0 usable article(s), 1 error(s), 0 warning(s)"


def test_the_same_bytes_on_a_terminal_and_off_it(
    write_article: WriteArticle, articles_dir: Path
) -> None:
    undated = ARTICLE.replace("Tue, 21 Jun 2022 03:44:48 GMT", "soon")
    write_article("a\x1b[31m\x1b]52;c;eA==\x07.txt", undated)
    plain = CliRunner().invoke(main, ["check", str(articles_dir)], color=False)
    tty = CliRunner().invoke(main, ["check", str(articles_dir)], color=True)
    assert plain.stdout == tty.stdout
    assert "a\\x1b[31m\\x1b]52;c;eA==\\x07.txt:10:" in plain.stdout


@given(st.lists(st.sampled_from(HOSTILE_TEXT_PIECES), max_size=6).map("".join))
def test_shown_is_the_identity_on_plain_text_only(text: str) -> None:
    assert (shown(text) == text) == (text.isprintable() and "\\" not in text)


@pytest.mark.parametrize("piece", ["\u202e", "\u200b", "\\"])
def test_a_value_quoted_in_a_message_is_escaped_once(
    piece: str, write_article: WriteArticle, tmp_path: Path
) -> None:
    """A front matter's or a settings file's text named in a message reads back as it was
    written: quoting it must not escape it (repr() did, and shown() then escaped the escape)."""
    key = f"ti{piece}tle"
    path = write_article("a.txt", ARTICLE.replace("title:", f"{key}: one\n{key}: two\ntitle:", 1))
    with pytest.raises(ArticleError) as caught:
        load_article(path, settings=make_settings(path.parent))
    assert f"'{key}' is given twice" in read_back(str(caught.value))
    config = tmp_path / "feedgen-miit.toml"
    config.write_text(f'"{key.replace(chr(92), chr(92) * 2)}" = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        read_config(config)
    assert f"unknown setting '{key}'" in read_back(str(refused.value))
