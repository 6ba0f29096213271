"""HexoHandler: python-frontmatter's handler for Hexo's front matter, and the loader's finder."""

from __future__ import annotations

import frontmatter
import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from feedgen_miit import ArticleError, Settings, load_article
from feedgen_miit.hexomatter import (
    BOUNDARY,
    HexoHandler,
    Located,
    NoFrontMatterError,
    _boundary_after,
)
from tests.conftest import ARTICLE, WriteArticle

HANDLER = HexoHandler()


def test_frontmatter_loads_gives_what_the_loader_reads(
    write_article: WriteArticle, settings: Settings
) -> None:
    post = frontmatter.loads(ARTICLE, handler=HANDLER)
    assert post.metadata == {
        "title": "工信部召开座谈会",
        "categories": ["金融", "新浪财经"],
        "headimg": "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png",
        "author": "新浪财经",
        "comments": False,
        "date": "Tue, 21 Jun 2022 03:44:48 GMT",
        "thumbnail": "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png",
    }
    assert post.content.startswith("<div>\n<p>　　上证报中国证券网讯")
    article = load_article(write_article("a.txt"), settings=settings)
    assert article.title == post["title"]
    assert list(article.categories) == post["categories"]


def test_values_are_js_yamls_with_timestamps_as_text() -> None:
    post = frontmatter.loads(
        "---\ntitle: 010\ntags: [1:30, no]\ndate: 2022-06-21\n---\nbody", handler=HANDLER
    )
    assert post.metadata == {"title": 10, "tags": ["1:30", "no"], "date": "2022-06-21"}


@pytest.mark.parametrize(
    ("text", "located"),
    [
        ("---\na: 1\n---\nbody\n", Located("a: 1\n", 2, "body\n")),
        ("\n\n---  \na: 1\n-----\t\n\nbody", Located("a: 1\n", 4, "\nbody")),
        ("---\n---\nbody", Located("", 2, "body")),
        ("---\na: x ---\n---\n", Located("a: x ---\n", 2, "")),
        # Hexo's other form: no opening line, the front matter runs to the first one
        ("a: 1\n---\nbody\n", Located("a: 1\n", 1, "body\n", opened=False)),
        ("\n\na: 1\nb: 2\n---\n", Located("a: 1\nb: 2\n", 3, "", opened=False)),
    ],
)
def test_locate(text: str, located: Located) -> None:
    assert HANDLER.locate(text) == located
    assert HANDLER.split(text) == (located.front_matter, located.body)
    assert HANDLER.detect(text)


@pytest.mark.parametrize(
    ("text", "line", "opened"),
    [
        ("<p>body</p>\n", 1, False),
        ("\n\n<p>body</p>\n-- not a boundary\n", 3, False),
        ("\n---\na: 1\n", 2, True),
    ],
)
def test_no_front_matter(text: str, line: int, opened: bool) -> None:
    with pytest.raises(NoFrontMatterError) as raised:
        HANDLER.locate(text)
    assert (raised.value.line, raised.value.opened) == (line, opened)
    assert not HANDLER.detect(text)


def test_frontmatter_parse_falls_back_silently_which_the_loader_must_not() -> None:
    """Why the loader calls locate() and load() itself: python-frontmatter's parse() takes
    a file without front matter for all body, and drops front matter that is not a mapping."""
    assert frontmatter.parse("<p>body</p>", handler=HANDLER) == ({}, "<p>body</p>")
    assert frontmatter.parse("---\n- a\n---\nbody", handler=HANDLER) == ({}, "body")


def test_load_raises_yaml_errors_with_lines() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as raised:
        HANDLER.load("title: a\ntitle: b\n")
    assert raised.value.problem_mark is not None
    assert raised.value.problem_mark.line == 1


def test_the_loader_reads_hexos_form_without_an_opening_line(
    write_article: WriteArticle, settings: Settings
) -> None:
    text = "title: 无开头的分隔线\ndate: 2022-06-21 11:44:48\n---\n<p>正文</p>\n"
    assert load_article(write_article("a.txt", text), settings=settings).title == "无开头的分隔线"


@pytest.mark.parametrize(
    "text",
    [
        "<p>no front matter, a rule below</p>\n---\n<p>more</p>\n",
        "\n\njust some text\n---\n",
    ],
)
def test_text_before_a_rule_is_no_front_matter(
    write_article: WriteArticle, settings: Settings, text: str
) -> None:
    with pytest.raises(ArticleError, match="no front matter") as raised:
        load_article(write_article("a.txt", text), settings=settings)
    assert raised.value.line == text.count("\n", 0, len(text) - len(text.lstrip("\n"))) + 1


@given(
    st.lists(
        st.sampled_from(["---", "----", "--- \t", "-- -", "x---", "---x", "", " ", "a: b"])
    ).map("\n".join),
    st.integers(min_value=0, max_value=60),
)
@example("---\n---", 1)
@example("a\n---", 0)
def test_the_next_boundary_is_found_as_the_regular_expression_finds_it(
    text: str, start: int
) -> None:
    # The closing line is looked for at each '\n---', not at every character; where no
    # boundary line starts at `start` itself, the answer is the regular expression's.
    start = min(start, len(text))
    if BOUNDARY.match(text, start) is not None:
        return  # not asked: a boundary line starting there is the caller's match()
    expected = BOUNDARY.search(text, start)
    found = _boundary_after(text, start)
    assert (found and found.span()) == (expected and expected.span())
