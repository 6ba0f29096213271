"""Hexo's front-matter keys: drafts, excerpts, permalinks, updated (README: Hexo keys)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree, html

from feedgen_miit import (
    Draft,
    DraftError,
    Settings,
    build,
    check,
    check_article,
    load_article,
    make_settings,
)
from feedgen_miit.cli import main
from feedgen_miit.feed import ATOM_NS
from feedgen_miit.layout import article_page
from tests.conftest import WriteArticle

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def article(title: str, *extra: str, body: str = "<p>正文。</p>") -> str:
    lines = "".join(f"{line}\n" for line in extra)
    return f"---\ntitle: '{title}'\ndate: 2022-06-21 10:00:00\n{lines}---\n{body}\n"


def titles(feed: Path) -> list[str]:
    return [entry.title for entry in feedparser.parse(feed.read_bytes()).entries]


def summaries(output: Path) -> dict[str, str | None]:
    """Each Atom entry's summary by title (None: no summary element)."""
    tree = etree.parse(str(output / "atom.xml"))
    found: dict[str, str | None] = {}
    for entry in tree.iterfind(f"{{{ATOM_NS}}}entry"):
        summary = entry.find(f"{{{ATOM_NS}}}summary")
        found[entry.findtext(f"{{{ATOM_NS}}}title") or ""] = (
            None if summary is None else summary.text
        )
    return found


# -- published: false ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["false", "False", "'false'", "0", "'0'"])
def test_published_false_makes_a_draft(
    write_article: WriteArticle, settings: Settings, value: str
) -> None:
    path = write_article("a.txt", article("草稿", f"published: {value}"))
    assert check_article(path, settings=settings, now=NOW) == Draft(path, 4)
    with pytest.raises(DraftError):
        load_article(path, settings=settings, now=NOW)


@pytest.mark.parametrize("value", ["true", "1", "yes", "~", "''"])
def test_anything_else_is_published(
    write_article: WriteArticle, settings: Settings, value: str
) -> None:
    path = write_article("a.txt", article("已发布", f"published: {value}"))
    assert load_article(path, settings=settings, now=NOW).title == "已发布"


def test_published_no_is_published_with_a_warning(
    write_article: WriteArticle, settings: Settings
) -> None:
    """YAML 1.2 (js-yaml, so Hexo) reads 'no' as text, which Hexo takes for true."""
    path = write_article("a.txt", article("已发布", "published: no"))
    checked = check_article(path, settings=settings, now=NOW)
    assert not isinstance(checked, Draft)
    (warning,) = checked.warnings
    assert "write 'published: false' to keep it a draft" in warning.reason
    assert warning.line == 4


def test_a_draft_is_not_checked_further(write_article: WriteArticle, settings: Settings) -> None:
    path = write_article("a.txt", "---\ntitle: 未完成\npublished: false\n---\n")
    assert check_article(path, settings=settings, now=NOW) == Draft(path, 3)


def test_drafts_stay_out_of_every_output_and_the_exit_code_is_0(
    write_article: WriteArticle, articles_dir: Path, output_dir: Path
) -> None:
    write_article("a.txt", article("已发布"))
    write_article("b.txt", article("草稿", "published: false", "categories: [草稿分类]"))
    result = CliRunner().invoke(main, ["build", str(articles_dir), "--out", str(output_dir), "-v"])
    assert result.exit_code == 0
    assert "1 draft(s) left out of every output ('published: false')" in result.stderr
    assert titles(output_dir / "atom.xml") == ["已发布"]
    published = "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in output_dir.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    )
    assert "草稿" not in published
    assert not (output_dir / article_page("b")).exists()


def test_check_lists_each_draft(
    write_article: WriteArticle, articles_dir: Path, settings: Settings
) -> None:
    write_article("a.txt", article("已发布"))
    draft = write_article("b.txt", article("草稿", "published: false"))
    report = check(settings, now=NOW)
    assert report.drafts == (Draft(draft, 4),)
    assert report.clean
    result = CliRunner().invoke(main, ["check", str(articles_dir)])
    assert result.exit_code == 0
    assert (
        f"{draft}:4: a draft ('published: false'): left out of every output  [draft]\n"
        in result.stdout
    )
    assert "1 usable article(s), 1 draft(s) left out, 0 error(s), 0 warning(s)" in result.stdout


def test_an_article_made_a_draft_leaves_the_site(
    write_article: WriteArticle, settings: Settings, output_dir: Path
) -> None:
    write_article("a.txt", article("第一篇"))
    path = write_article("b.txt", article("第二篇"))
    build(settings, now=NOW)
    page = output_dir / article_page("b")
    assert page.is_file()
    path.write_text(article("第二篇", "published: false"), encoding="utf-8")
    report = build(settings, now=NOW)
    assert report.complete
    assert report.drafts == (Draft(path, 4),)
    assert titles(output_dir / "atom.xml") == ["第一篇"]
    assert not page.exists()


def test_a_folder_of_drafts_publishes_nothing_and_says_why(
    write_article: WriteArticle, articles_dir: Path, output_dir: Path
) -> None:
    write_article("a.txt", article("草稿", "published: false"))
    result = CliRunner().invoke(main, ["build", str(articles_dir), "--out", str(output_dir)])
    assert result.exit_code == 1
    assert "no article file but drafts" in result.stderr
    assert "1 draft(s) left out" in result.stderr


# -- excerpts ----------------------------------------------------------------------------------


def test_an_excerpt_is_the_summary_everywhere_and_no_excerpt_no_summary(
    write_article: WriteArticle, settings: Settings, output_dir: Path
) -> None:
    write_article("a.txt", article("有摘要", "description: '<b>摘要</b>：一句话。'"))
    write_article("b.txt", article("有节选", "excerpt: 节选"))
    body = "<p>第一段。</p>\n<!-- more -->\n<p>第二段。</p>"
    write_article("c.txt", article("有分隔", body=body))
    write_article("d.txt", article("无摘要"))
    build(settings, now=NOW)
    assert summaries(output_dir) == {
        "有摘要": "摘要：一句话。",
        "有节选": "节选",
        "有分隔": "第一段。",
        "无摘要": None,
    }
    items = json.loads((output_dir / "feed.json").read_text(encoding="utf-8"))["items"]
    assert {item["title"]: item.get("summary") for item in items} == summaries(output_dir)
    page = html.parse(str(output_dir / article_page("c"))).getroot()
    (description,) = [m.get("content") for m in page.iter("meta") if m.get("name") == "description"]
    assert description == "第一段。"
    content = feedparser.parse((output_dir / "atom.xml").read_bytes()).entries
    whole = next(entry for entry in content if entry.title == "有分隔").content[0].value
    assert "第一段。" in whole
    assert "第二段。" in whole  # the whole article is still the content
    assert "more" not in whole


def test_excerpts_survive_the_index(
    write_article: WriteArticle, settings: Settings, output_dir: Path
) -> None:
    write_article("a.txt", article("有摘要", "description: 摘要"))
    write_article("b.txt", article("有分隔", body="<p>第一段。</p><!-- more --><p>二</p>"))
    build(settings, now=NOW)
    first = summaries(output_dir)
    write_article("c.txt", article("新的一篇"))  # the feeds are rendered again, from the index
    report = build(settings, now=NOW)
    assert report.bodies_sanitized == 1
    assert summaries(output_dir) == {**first, "新的一篇": None}


def test_description_then_excerpt_then_the_mark(
    write_article: WriteArticle, settings: Settings, output_dir: Path
) -> None:
    body = "<p>分隔之前。</p><!--more--><p>之后。</p>"
    write_article("a.txt", article("三者", "description: 描述", "excerpt: 节选", body=body))
    write_article("b.txt", article("两者", "excerpt: 节选", body=body))
    write_article("c.txt", article("大写", body=body.replace("more", "MORE")))
    build(settings, now=NOW)
    assert summaries(output_dir) == {"三者": "描述", "两者": "节选", "大写": "分隔之前。"}


def test_an_excerpt_before_the_mark_never_opens_with_a_title_label(
    write_article: WriteArticle, settings: Settings, output_dir: Path
) -> None:
    # The label names another title, so the body keeps the line; a summary never opens
    # with it, and an excerpt is a summary.
    body = "<p>原标题：另一个完全不同的标题</p><p>正文第一段。</p><!-- more --><p>之后。</p>"
    write_article("a.txt", article("标题", body=body))
    build(settings, now=NOW)
    assert summaries(output_dir) == {"标题": "正文第一段。"}


def test_an_excerpt_that_is_not_text_is_dropped_with_a_warning(
    write_article: WriteArticle, settings: Settings
) -> None:
    path = write_article("a.txt", article("x", "description: [a, b]"))
    checked = check_article(path, settings=settings, now=NOW)
    assert not isinstance(checked, Draft)
    assert checked.article.excerpt is None
    assert [w.reason for w in checked.warnings] == [
        "front matter: 'description' must be text; a list was dropped"
    ]


# -- permalink ---------------------------------------------------------------------------------


def test_a_permalink_names_the_page_and_the_key_keeps_it_distinct(
    write_article: WriteArticle, settings: Settings
) -> None:
    first = write_article("a.txt", article("一", "permalink: 2023/06/sme-forum/"))
    second = write_article("b.txt", article("二", "permalink: 2023/06/sme-forum/"))
    pages = [load_article(path, settings=settings, now=NOW).page for path in (first, second)]
    assert pages[0].startswith("articles/2023-06-sme-forum-")
    assert pages[1].startswith("articles/2023-06-sme-forum-")
    assert pages[0] != pages[1]
    assert pages[0] == article_page("a", "2023/06/sme-forum/")


def test_a_permalink_does_not_change_the_entry_id(
    write_article: WriteArticle, settings: Settings
) -> None:
    plain = load_article(write_article("a.txt", article("一")), settings=settings, now=NOW)
    path = write_article("a.txt", article("一", "permalink: somewhere/else"))
    moved = load_article(path, settings=settings, now=NOW)
    assert moved.id == plain.id
    assert moved.page != plain.page


# -- updated -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("updated", "expected"),
    [
        ("2022-06-22 10:00:00", datetime(2022, 6, 22, 2, tzinfo=UTC)),  # in the timezone setting
        ("2022-06-22T10:00:00Z", datetime(2022, 6, 22, 10, tzinfo=UTC)),
        ("2022-06-20", datetime(2022, 6, 21, 2, tzinfo=UTC)),  # before the date: the date
        (None, datetime(2022, 6, 21, 2, tzinfo=UTC)),  # missing: the date (not the file's mtime)
    ],
)
def test_updated(
    write_article: WriteArticle, settings: Settings, updated: str | None, expected: datetime
) -> None:
    extra = () if updated is None else (f"updated: {updated}",)
    path = write_article("a.txt", article("x", *extra))
    assert load_article(path, settings=settings, now=NOW).updated == expected


def test_the_other_hexo_keys_change_nothing(
    write_article: WriteArticle, articles_dir: Path, tmp_path: Path
) -> None:
    """comments, layout, lang, disableNunjucks, photos, keywords: read and left alone."""
    write_article("a.txt", article("x"))
    plain = build(make_settings(articles_dir, output_dir=tmp_path / "a"), now=NOW)
    write_article(
        "a.txt",
        article(
            "x",
            "comments: true",
            "layout: post",
            "lang: en",
            "disableNunjucks: true",
            "photos: [https://example.org/p.png]",
            "keywords: [a, b]",
        ),
    )
    build(make_settings(articles_dir, output_dir=tmp_path / "b"), now=NOW)
    assert plain.complete
    for name in ("atom.xml", "feed.json", "rss.xml", article_page("a")):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def _readme_date_rows() -> list[tuple[str, str]]:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| front matter | Hexo 8 | feedgen-miit |", 1)[1].split("\n\n", 1)[0]
    rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
    return [(front.strip().strip("`"), ours.strip()) for front, _, ours in rows]


@pytest.mark.parametrize(("line", "expected"), _readme_date_rows())
def test_the_readme_says_how_dates_are_read(
    write_article: WriteArticle, settings: Settings, line: str, expected: str
) -> None:
    path = write_article("a.txt", f"---\ntitle: x\n{line}\n---\n<p>x</p>\n")
    published = load_article(path, settings=settings, now=NOW).published
    assert published == datetime.fromisoformat(expected)
