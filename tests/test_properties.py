"""Properties that hold for any input (hypothesis)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedgen_miit import ArticleError, NoArticlesError, build, clean, load_article, make_settings
from tests.atomcheck import assert_valid_atom
from tests.xsscheck import unsafe_parts

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SLOW = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# -- strategies ---------------------------------------------------------------------------------

#: Pieces that matter to the loader: delimiters, YAML syntax, encodings' troublemakers.
_LOADER_PIECES = st.sampled_from(
    [
        "---",
        "\n",
        "\r\n",
        "\r",
        "title: ",
        "date: ",
        "categories: ",
        "tags:",
        "thumbnail: ",
        "id: ",
        " - ",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a",
        "!!python/object:os.system ",
        "'",
        '"',
        ":",
        "2022-06-21",
        "2999-01-01",
        "1969-12-31",
        "Tue, 21 Jun 2022 03:44:48 GMT",
        "javascript:alert(1)",
        "<b>x</b>",
        "\ufeff",
        "\x00",
        "\x85",
        "\ud800",
        "工信部",
    ]
)
loader_texts = st.lists(st.one_of(_LOADER_PIECES, st.text(max_size=8)), max_size=40).map("".join)

_TAGS = st.sampled_from(
    ["a", "img", "p", "div", "b", "script", "style", "svg", "math", "iframe", "object",
     "form", "base", "meta", "template", "textarea", "noscript", "title", "table", "td",
     "blockquote", "q", "image", "select", "option", "mglyph", "desc", "foreignobject"]
)  # fmt: skip
_ATTRIBUTES = st.sampled_from(
    ["href", "src", "cite", "onerror", "onload", "style", "srcdoc", "xlink:href", "title",
     "alt", "action", "formaction", "data", "http-equiv", "content", "id", "name"]
)  # fmt: skip
_VALUES = st.one_of(
    st.sampled_from(
        ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "java\tscript:x", "&#106;avascript:x",
         "java&Tab;script:x", "\x01javascript:x", "vbscript:x", "data:text/html,<script>",
         "https://example.org/x", "//evil.example/", "x", "expression(alert(1))",
         "url(javascript:alert(1))", '"><script>alert(1)</script>', "</style><img src=x>"]
    ),
    st.text(max_size=10),
)  # fmt: skip


@st.composite
def _element(draw: st.DrawFn) -> str:
    tag = draw(_TAGS)
    attrs = draw(st.lists(st.tuples(_ATTRIBUTES, _VALUES), max_size=3))
    quote = draw(st.sampled_from(['"', "'", ""]))
    rendered = "".join(f" {name}={quote}{value}{quote}" for name, value in attrs)
    inner = draw(st.sampled_from(["", "text", "<!--", "-->", "]]>", "&lt;", "<![CDATA[x]]>"]))
    close = draw(st.sampled_from([f"</{tag}>", "", "/>"]))
    return f"<{tag}{rendered}>{inner}{close}"


html_texts = st.lists(st.one_of(_element(), st.text(max_size=10)), max_size=12).map("".join)


# -- the loader ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder, reused by every example (function-scoped fixtures do not reset per example)."""
    return tmp_path_factory.mktemp("properties")


def _load(folder: Path, data: bytes) -> None:
    path = folder / "article.txt"
    path.write_bytes(data)
    problem: ArticleError | None = None
    try:
        article = load_article(path, settings=make_settings(folder), now=NOW)
    except ArticleError as error:
        problem = error
    if problem is None:
        assert article.title
        assert article.title == article.title.strip()
    else:
        assert problem.path == path
        assert "\n" not in str(problem)


@SLOW
@given(text=loader_texts)
@example(text="---\n\x1f---")  # PyYAML's ReaderError message spans three lines
@example(text="---\na: " + "[" * 30_000 + "\n---")  # libyaml crashed the interpreter
def test_loader_returns_an_article_or_an_article_error(scratch: Path, text: str) -> None:
    _load(scratch, text.encode("utf-8", "surrogatepass"))


@SLOW
@given(data=st.binary(max_size=300))
def test_loader_survives_any_bytes(scratch: Path, data: bytes) -> None:
    _load(scratch, b"---\ntitle: x\ndate: 2022-01-01\n---\n" + data)
    _load(scratch, data)


# -- the sanitizer -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(fragment=html_texts, base=st.sampled_from([None, "https://example.org/a/"]))
def test_sanitizer_output_is_whitelisted_and_stable(fragment: str, base: str | None) -> None:
    sanitized = clean(fragment, base)
    assert unsafe_parts(sanitized) == [], sanitized
    assert clean(sanitized, base) == sanitized


@settings(max_examples=200, deadline=None)
@given(fragment=st.text())
def test_sanitizer_handles_any_text(fragment: str) -> None:
    sanitized = clean(fragment)
    assert unsafe_parts(sanitized) == []
    assert clean(sanitized) == sanitized


# -- the feed ------------------------------------------------------------------------------------

_names = st.text(min_size=1, max_size=20)
articles = st.fixed_dictionaries(
    {
        "title": st.one_of(_names, st.integers(), st.just("<b>T</b> &amp; x")),
        "date": st.datetimes(
            min_value=datetime(1970, 1, 2), max_value=datetime(2025, 12, 31), timezones=st.just(UTC)
        ),
        "categories": st.one_of(st.none(), _names, st.lists(st.one_of(_names, st.integers()))),
        "author": st.one_of(st.none(), _names),
        "thumbnail": st.one_of(st.none(), st.just("https://example.org/i.png"), _names),
        "link": st.one_of(st.none(), st.just("https://example.org/a?x=1&y=2")),
    }
)


@SLOW
@given(metas=st.lists(articles, min_size=1, max_size=6), bodies=st.lists(html_texts, min_size=6))
def test_any_articles_give_a_valid_feed(
    scratch: Path, metas: list[dict[str, object]], bodies: list[str]
) -> None:
    folder = scratch / "feed"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "articles").mkdir(parents=True)
    for index, (meta, body) in enumerate(zip(metas, bodies, strict=False)):
        front = {key: value for key, value in meta.items() if value is not None}
        document = f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n{body or 'x'}\n"
        (folder / "articles" / f"{index:02}.txt").write_text(
            document, encoding="utf-8", errors="surrogatepass"
        )
    settings_ = make_settings(folder / "articles", output_dir=folder / "public")
    try:
        report = build(settings_, now=NOW + timedelta(days=1))
    except NoArticlesError:
        return
    assert report.entries >= 1
    assert_valid_atom((folder / "public" / "atom.xml").read_bytes())
