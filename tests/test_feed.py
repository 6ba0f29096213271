"""The Atom generator, checked with real clients: lxml + RFC 4287 schema, and feedparser."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest
from feedgen.entry import FeedEntry
from lxml import etree

from feedgen_miit import Article, Entry, Settings, build, make_settings
from feedgen_miit.feed import render_atom
from feedgen_miit.model import Paging
from feedgen_miit.sanitize import clean
from tests.atomcheck import NS, assert_valid_atom
from tests.conftest import WriteArticle
from tests.test_loader import with_front_matter

#: The main feed's address with the default settings.
FEED_URL = "http://localhost:8000/atom.xml"

WHEN = datetime(2022, 6, 21, 3, 44, 48, tzinfo=UTC)


def make_entry(number: int, **changes: object) -> Entry:
    article = Article(
        path=Path(f"articles/{number:03d}.txt"),
        source=f"{number:03d}.txt",
        id=f"urn:uuid:00000000-0000-4000-8000-{number:012d}",
        page=f"articles/{number:03d}.html",
        title=f"第{number}篇",
        published=WHEN + timedelta(hours=number),
        updated=WHEN + timedelta(hours=number),
        categories=("金融", "新浪财经"),
        author="新浪财经",
        thumbnail="https://n.sinaimg.cn/finance/a.png",
        link=f"https://finance.sina.com.cn/{number}.shtml",
    )
    article = replace(article, **changes)  # type: ignore[arg-type]
    return Entry(
        article=article,
        content=clean(f"<p>正文 {number}</p>"),
        summary=f"正文 {number}",
        thumbnail=article.thumbnail,
        contributor="王翔",
    )


def render(entries: list[Entry], settings: Settings | None = None) -> etree._Element:
    settings = settings or make_settings(Path("articles"))
    document = render_atom(entries, settings.site.channel(settings.self_url))
    assert_valid_atom(document)
    return etree.fromstring(document)


def test_feed_head_is_complete_and_updated_is_the_newest_entry() -> None:
    settings = make_settings(
        Path("articles"),
        base_url="https://example.org/feeds",
        icon="https://example.org/icon.png",
        logo="https://example.org/logo.png",
    )
    root = render([make_entry(3), make_entry(1)], settings)
    assert root.findtext("atom:id", namespaces=NS) == settings.feed_id
    assert root.findtext("atom:title", namespaces=NS) == settings.title
    assert root.findtext("atom:subtitle", namespaces=NS) == settings.subtitle
    # In the display time zone (Asia/Shanghai by default), as every page shows it.
    assert root.findtext("atom:updated", namespaces=NS) == "2022-06-21T14:44:48+08:00"
    assert root.findtext("atom:icon", namespaces=NS) == "https://example.org/icon.png"
    assert root.findtext("atom:logo", namespaces=NS) == "https://example.org/logo.png"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "zh-CN"
    links = {link.get("rel"): dict(link.attrib) for link in root.findall("atom:link", NS)}
    assert links["self"] == {
        "href": "https://example.org/feeds/atom.xml",
        "rel": "self",
        "type": "application/atom+xml",
    }
    assert links["alternate"]["href"] == "https://example.org/feeds/"
    generator = root.find("atom:generator", NS)
    assert generator is not None
    assert generator.text == "feedgen-miit"


def test_entries_keep_the_given_order() -> None:
    root = render([make_entry(3), make_entry(2), make_entry(1)])
    titles = [e.findtext("atom:title", namespaces=NS) for e in root.findall("atom:entry", NS)]
    assert titles == ["第3篇", "第2篇", "第1篇"]


def test_entry_holds_every_field() -> None:
    (entry,) = render([make_entry(1)]).findall("atom:entry", NS)
    assert (
        entry.findtext("atom:id", namespaces=NS) == "urn:uuid:00000000-0000-4000-8000-000000000001"
    )
    assert entry.findtext("atom:published", namespaces=NS) == "2022-06-21T12:44:48+08:00"
    assert entry.findtext("atom:updated", namespaces=NS) == "2022-06-21T12:44:48+08:00"
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "新浪财经"
    assert entry.findtext("atom:contributor/atom:name", namespaces=NS) == "王翔"
    assert [(c.get("term"), c.get("label")) for c in entry.findall("atom:category", NS)] == [
        ("金融", "金融"),
        ("新浪财经", "新浪财经"),
    ]
    content = entry.find("atom:content", NS)
    assert content is not None
    assert content.get("type") == "html"
    assert content.text == "<p>正文 1</p>"
    # No <summary>: it would repeat the start of the content, and clients that prefer it
    # (mail-based readers) would show that instead of the article.
    assert entry.find("atom:summary", NS) is None


def test_an_excerpt_is_the_summary() -> None:
    entry = replace(make_entry(1), excerpt="作者写的摘要 <b>")
    (element,) = render([entry]).findall("atom:entry", NS)
    summary = element.find("atom:summary", NS)
    assert summary is not None
    assert summary.get("type") in (None, "text")
    assert summary.text == "作者写的摘要 <b>"  # plain text, escaped by the XML writer


def test_entry_links_keep_rel_and_type() -> None:
    # feedgen 1.0.0 drops rel/type/length of entry links (upstream #135/#143).
    (entry,) = render([make_entry(1)]).findall("atom:entry", NS)
    links = [dict(link.attrib) for link in entry.findall("atom:link", NS)]
    assert {
        "href": "https://finance.sina.com.cn/1.shtml",
        "rel": "alternate",
        "type": "text/html",
    } in links
    assert all(link.get("rel") for link in links)


def test_thumbnail_is_media_thumbnail_and_content_without_group() -> None:
    (entry,) = render([make_entry(1)]).findall("atom:entry", NS)
    thumbnail = entry.find("media:thumbnail", NS)
    content = entry.find("media:content", NS)
    assert thumbnail is not None
    assert content is not None
    assert dict(thumbnail.items()) == {"url": "https://n.sinaimg.cn/finance/a.png"}
    assert dict(content.items()) == {
        "url": "https://n.sinaimg.cn/finance/a.png",
        "medium": "image",
        "type": "image/png",
    }
    assert entry.find("media:group", NS) is None


def test_entry_without_link_author_or_thumbnail_is_still_valid() -> None:
    bare = make_entry(1, link=None, author=None, thumbnail=None)
    (entry,) = render([bare]).findall("atom:entry", NS)
    (link,) = entry.findall("atom:link", NS)  # the article's own page: no link of its own
    assert (link.get("href"), link.get("rel"), link.get("type")) == (
        "http://localhost:8000/articles/001.html",
        "alternate",
        "text/html",
    )
    assert entry.find("atom:author", NS) is None  # the feed's author applies
    assert entry.find("media:thumbnail", NS) is None


def test_without_pages_an_entry_without_a_link_links_nowhere() -> None:
    bare = make_entry(1, link=None)
    settings = make_settings(Path("articles"), write_pages=False)
    (entry,) = render([bare], settings).findall("atom:entry", NS)
    assert [link.get("rel") for link in entry.findall("atom:link", NS)] == ["enclosure"]


def test_xml_illegal_characters_never_abort_the_feed() -> None:
    dirty = make_entry(
        1, title="工信部\x00\x0b\ufffe新闻", author="新浪\x1f财经", categories=("金\x08融",)
    )
    entry = render([dirty]).find("atom:entry", NS)
    assert entry is not None
    assert entry.findtext("atom:title", namespaces=NS) == "工信部新闻"
    assert entry.findtext("atom:author/atom:name", namespaces=NS) == "新浪财经"


def test_feedparser_reads_it_without_complaint() -> None:
    document = render_atom(
        [make_entry(2), make_entry(1)], make_settings(Path("articles")).site.channel(FEED_URL)
    )
    parsed = feedparser.parse(document)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    first = parsed.entries[0]
    assert first.id == "urn:uuid:00000000-0000-4000-8000-000000000002"
    assert first.title == "第2篇"
    assert [tag.term for tag in first.tags] == ["金融", "新浪财经"]
    assert first.media_thumbnail[0]["url"] == "https://n.sinaimg.cn/finance/a.png"
    assert first.contributors[0]["name"] == "王翔"
    assert first.link == "https://finance.sina.com.cn/2.shtml"


def test_build_orders_newest_first_and_applies_the_limit(
    write_article: WriteArticle, articles_dir: Path, output_dir: Path
) -> None:
    for day in (3, 1, 4, 2):
        write_article(
            f"{day}.txt", with_front_matter(date=f"2022-06-0{day}T00:00:00Z", title=f"d{day}")
        )
    report = build(make_settings(articles_dir, output_dir=output_dir, limit=3))
    assert (report.articles_found, report.entries) == (4, 3)
    parsed = feedparser.parse((output_dir / "atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["d4", "d3", "d2"]
    assert parsed.feed.updated == "2022-06-04T08:00:00+08:00"


def test_limit_zero_means_every_article(
    write_article: WriteArticle, articles_dir: Path, output_dir: Path
) -> None:
    for day in range(1, 8):
        write_article(f"{day}.txt", with_front_matter(date=f"2022-06-0{day}", title=f"d{day}"))
    report = build(make_settings(articles_dir, output_dir=output_dir, limit=0))
    assert report.entries == 7


def test_equal_dates_are_ordered_by_path_whatever_the_file_system_order(
    write_article: WriteArticle, settings: Settings
) -> None:
    for name in ("b.txt", "c.txt", "a.txt"):
        write_article(name, with_front_matter(title=name))
    build(settings)
    parsed = feedparser.parse((settings.output_dir / "atom.xml").read_bytes())
    assert [e.title for e in parsed.entries] == ["a.txt", "b.txt", "c.txt"]


def test_an_empty_archive_document_is_still_valid_atom() -> None:
    # An archive document whose articles all went stays in the chain, empty.
    paging = Paging(archive=True, current=FEED_URL, prev=FEED_URL + "?1", next=FEED_URL + "?3")
    channel = replace(make_settings(Path("articles")).site.channel(FEED_URL), paging=paging)
    data = render_atom([], channel)
    assert_valid_atom(data)
    parsed = feedparser.parse(data)
    assert (parsed.bozo, parsed.entries) == (False, [])
    root = etree.fromstring(data)
    assert str(root.findtext("atom:updated", namespaces=NS)).startswith("1970-01-01T")
    links = {link.get("rel"): link.get("href") for link in root.findall("atom:link", NS)}
    assert links["next-archive"] == FEED_URL + "?3"
    assert b"ns0:" not in data  # the links are written in the default namespace


def test_categories_reach_feedgen_in_one_call(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each call of feedgen's category() rebuilds its whole list: one call per category was
    # quadratic (an entry of 10,000 categories took half a minute to render).
    calls: list[object] = []
    real_category = FeedEntry.category

    def counting(self: FeedEntry, *args: object, **kwargs: object) -> object:
        calls.append(args or kwargs)
        return real_category(self, *args, **kwargs)

    monkeypatch.setattr(FeedEntry, "category", counting)
    names = ("金融", "新浪财经", "工业经济")
    feed = render([make_entry(1, categories=names)])
    assert len(calls) == 1
    terms = feed.xpath("atom:entry/atom:category/@term", namespaces=NS)
    assert isinstance(terms, list)
    assert [str(term) for term in terms] == list(names)


def test_an_entry_with_many_categories_renders_in_linear_time() -> None:
    many = tuple(f"类别{number}" for number in range(20_000))
    started = time.perf_counter()
    document = render_atom(
        [make_entry(1, categories=many)], make_settings(Path("a")).site.channel(FEED_URL)
    )
    assert time.perf_counter() - started < 10  # was about 100 s
    assert document.count(b"<category ") == len(many)
