"""Every output of one build, read back by independent parsers.

feedparser reads the Atom and RSS feeds, lxml's RELAX NG checks every Atom file
(tests/atomcheck.py), jsonschema checks feed.json against the JSON Feed 1.1 schema
(feedparser 6 has no JSON Feed parser), lxml reads the OPML and index.html and runs the XSL
stylesheet. Each must see the same titles, ids, categories and thumbnails.
"""

from __future__ import annotations

import json
import mimetypes
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import hypothesis
import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree, html

from feedgen_miit import Settings, build, load_folder, make_settings
from feedgen_miit.cli import main
from feedgen_miit.errors import ConfigError
from feedgen_miit.feed import image_type
from feedgen_miit.layout import category_path
from feedgen_miit.model import Entry
from feedgen_miit.sanitize import clean_body
from feedgen_miit.scan import path_order
from feedgen_miit.tasks import Work, make_entry
from tests.atomcheck import assert_valid_atom
from tests.conftest import ARTICLE, WriteArticle
from tests.golden import EXAMPLES, FEED_FILES, GOLDEN, GOLDEN_FILES, published_files

ZONE = ZoneInfo("Asia/Shanghai")  # the default display time zone
#: Feeds besides the Atom ones that every build renders again.
EXTRAS = ["atom.xsl", "categories.opml", "feeds.opml"]
NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "media": "http://search.yahoo.com/mrss/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
SCHEMA = Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json"
BASE = "http://localhost:8000/"
ATOM_FILES = [name for name in FEED_FILES if name == "atom.xml" or name.startswith("categories/")]
CATEGORY_FILES = [name for name in ATOM_FILES if name.startswith("categories/")]
#: Outputs, and the switch that turns them off.
OUTPUT_SWITCHES = {
    "atom.xml": "write_atom",
    "rss.xml": "write_rss",
    "feed.json": "write_json_feed",
    "feeds.opml": "write_opml",
    "categories.opml": "write_opml",
    "index.html": "write_index",
    "atom.xsl": "write_browser_view",
}


# -- what the articles hold ---------------------------------------------------------------


@cache
def demo_entries() -> tuple[Entry, ...]:
    """Every example article as an entry, newest first (the demo's limit exceeds them)."""
    settings = make_settings(EXAMPLES)
    by_path = sorted(load_folder(settings).articles, key=lambda article: path_order(article.source))
    ordered = sorted(by_path, key=lambda article: article.published, reverse=True)
    work = Work(settings, datetime.now(UTC))
    return tuple(make_entry(work, article) for article in ordered)


def expected_for(path: str) -> tuple[Entry, ...]:
    """The entries the feed at ``path`` must hold: all, or those of its category."""
    if path.startswith("categories/"):
        return tuple(
            entry
            for entry in demo_entries()
            if any(category_path(name) == path for name in entry.article.categories)
        )
    return demo_entries()


def category_of(path: str) -> str:
    names = {name for entry in demo_entries() for name in entry.article.categories}
    return next(name for name in names if category_path(name) == path)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def xpath(tree: etree._Element, path: str) -> list[Any]:
    result = tree.xpath(path, namespaces=NS)
    assert isinstance(result, list)
    return result


# -- the demo build -------------------------------------------------------------------------


def test_demo_build_writes_every_output_and_nothing_else(demo_site: Path) -> None:
    assert published_files(demo_site) == set(GOLDEN_FILES)
    categories = {name for entry in demo_entries() for name in entry.article.categories}
    assert sorted(CATEGORY_FILES) == sorted(category_path(name) for name in categories)


@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_demo_output_matches_its_golden_file(demo_site: Path, name: str) -> None:
    assert (demo_site / name).read_bytes() == (GOLDEN / name).read_bytes(), (
        f"{name} changed; if intended, run `make golden` and read the diff"
    )


def test_demo_build_is_identical_when_run_again(demo_site: Path, tmp_path: Path) -> None:
    output = tmp_path / "public"
    settings = make_settings(EXAMPLES, output_dir=output)
    first = build(settings)
    again = build(settings)
    assert (again.written, again.pages_written, again.removed) == ((), 0, ())
    # Only the feeds are rendered again (and found unchanged); pages without a change in
    # their articles are not even rendered.
    assert sorted(again.unchanged) == sorted(output / name for name in [*FEED_FILES, *EXTRAS])
    assert first.pages_written == 5
    assert all(
        (output / name).read_bytes() == (demo_site / name).read_bytes() for name in GOLDEN_FILES
    )


def test_command_line_build_writes_every_output_quietly(
    examples_copy: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", str(examples_copy), "--out", str(output)])
    assert (result.exit_code, result.output) == (0, "")
    written = published_files(output)
    assert written == set(GOLDEN_FILES)


@pytest.mark.parametrize("name", ATOM_FILES)
def test_every_atom_file_is_valid_atom(demo_site: Path, name: str) -> None:
    assert_valid_atom((demo_site / name).read_bytes())


# -- feedparser sees the articles ------------------------------------------------------------


@pytest.mark.parametrize("name", [*ATOM_FILES, "rss.xml"])
def test_feedparser_reads_each_feed_cleanly_with_the_articles_data(
    demo_site: Path, name: str
) -> None:
    parsed = feedparser.parse((demo_site / name).read_bytes())
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.version == ("rss20" if name == "rss.xml" else "atom10")
    expected = expected_for(name)
    assert [e.title for e in parsed.entries] == [x.article.title for x in expected]
    assert [e.id for e in parsed.entries] == [x.article.id for x in expected]
    assert [[t.term for t in e.get("tags", [])] for e in parsed.entries] == [
        list(x.article.categories) for x in expected
    ]
    assert [[t["url"] for t in e.get("media_thumbnail", [])] for e in parsed.entries] == [
        [x.thumbnail] if x.thumbnail else [] for x in expected
    ]
    assert [[(n.href, n.type) for n in e.get("enclosures", [])] for e in parsed.entries] == [
        [(x.thumbnail, image_type(x.thumbnail))] if x.thumbnail else [] for x in expected
    ]


def test_demo_thumbnails_are_the_articles_images() -> None:
    # Pinned so that the expectations above are not only the code under test talking.
    # The two real Sina articles name the QR code of the app-promotion block, which the
    # cleaning removes, as their picture: they have none.
    assert [entry.thumbnail for entry in demo_entries()] == [
        None,
        "http://localhost:8000/images/2023/0602/head.jpg",
        "https://finance.sina.com.cn/images/2023/0418/chart.png",
        None,
        None,
    ]


@pytest.mark.parametrize("name", CATEGORY_FILES)
def test_category_feed_is_its_own_feed(demo_site: Path, name: str) -> None:
    parsed = feedparser.parse((demo_site / name).read_bytes())
    category = category_of(name)
    assert parsed.feed.title == f"工业和信息化部新闻 · 新浪财经 · {category}"
    assert parsed.feed.id.startswith("urn:uuid:")
    assert parsed.feed.id != "urn:uuid:6f1d2c59-7a4e-5b8e-9c3a-2f0b1e4d8a77"
    assert [link.href for link in parsed.feed.links if link.rel == "self"] == [BASE + name]
    assert [tag.term for tag in parsed.feed.tags] == [category]


def test_feed_ids_are_all_different(demo_site: Path) -> None:
    ids = [feedparser.parse((demo_site / name).read_bytes()).feed.id for name in ATOM_FILES]
    assert len(set(ids)) == len(ATOM_FILES)


# -- RSS 2.0 ---------------------------------------------------------------------------------


def test_rss_items_follow_the_best_practices_profile(demo_site: Path) -> None:
    rss = etree.parse(demo_site / "rss.xml").getroot()
    assert rss.get("version") == "2.0"
    items = xpath(rss, "/rss/channel/item")
    assert len(items) == len(demo_entries())
    for item, entry in zip(items, demo_entries(), strict=True):
        assert xpath(item, "guid/@isPermaLink") == ["false"]
        assert xpath(item, "guid/text()") == [entry.article.id]
        assert xpath(item, "category/text()") == list(entry.article.categories)
        # The whole article, in the one element every RSS reader reads.
        assert xpath(item, "description/text()") == [entry.content]
        assert xpath(item, "content:encoded") == []
        assert xpath(item, "link/text()") == [entry.article.link or BASE + entry.article.page]
    assert xpath(rss, "/rss/channel/atom:link[@rel='self']/@href") == [BASE + "rss.xml"]
    assert xpath(rss, "/rss/channel/lastBuildDate/text()") == ["Sun, 09 Jul 2023 16:00:00 GMT"]


def test_rss_enclosure_has_a_real_type_and_zero_for_an_unknown_length(demo_site: Path) -> None:
    rss = etree.parse(demo_site / "rss.xml").getroot()
    enclosures = [dict(e.attrib) for e in xpath(rss, "//item/enclosure")]
    assert enclosures[0] == {
        "url": "http://localhost:8000/images/2023/0602/head.jpg",
        "length": "0",
        "type": "image/jpeg",
    }
    assert [e["type"] for e in enclosures] == ["image/jpeg", "image/png"]


@pytest.mark.parametrize(
    "thumbnail",
    ["https://img.example.org/picture?id=3", "https://img.example.org/photo.php", "https://x/a."],
)
def test_thumbnail_of_unknown_type_gets_no_type_and_no_rss_enclosure(
    write_article: WriteArticle, settings: Settings, thumbnail: str
) -> None:
    write_article(
        "a.txt",
        ARTICLE.replace(
            "thumbnail: 'https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png'",
            f"thumbnail: '{thumbnail}'",
        ),
    )
    build(settings)
    atom = etree.parse(settings.output_dir / "atom.xml").getroot()
    assert [dict(link.attrib) for link in xpath(atom, "//atom:link[@rel='enclosure']")] == [
        {"href": thumbnail, "rel": "enclosure"}
    ]
    assert xpath(atom, "//media:content/@type") == []
    rss = etree.parse(settings.output_dir / "rss.xml").getroot()
    assert xpath(rss, "//item/enclosure") == []
    assert xpath(rss, "//item/media:thumbnail/@url") == [thumbnail]
    assert read_json(settings.output_dir / "feed.json")["items"][0]["image"] == thumbnail
    assert feedparser.parse(settings.output_dir / "rss.xml").bozo == 0


@pytest.mark.parametrize(
    ("url", "mime"),
    [
        ("https://x/a.jpg", "image/jpeg"),
        ("https://x/a.JPEG?w=200#top", "image/jpeg"),
        ("https://x/a.png", "image/png"),
        ("https://x/a.webp", "image/webp"),
        ("https://x/a.avif", "image/avif"),
        ("https://x/a.svg", "image/svg+xml"),
        ("https://x/a.gif", "image/gif"),
        ("https://x/a.mp4", None),
        ("https://x/a.html", None),
        ("https://x/jpg", None),
        ("https://x/a.jpg/", None),
        ("https://x/?file=a.png", None),
        ("http://[::1", None),
    ],
)
def test_image_type_comes_from_the_extension_or_nowhere(url: str, mime: str | None) -> None:
    assert image_type(url) == mime


def test_image_type_does_not_depend_on_the_hosts_mime_table(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Bug: the type came from mimetypes, which reads /etc/mime.types; a host mapping .png
    # elsewhere changed the feed's bytes and wrote a wrong type.
    table = mimetypes.MimeTypes()
    table.add_type("image/x-citrix-png", ".png")  # as a host's /etc/mime.types would
    table.add_type("image/x-custom", ".jpg")
    monkeypatch.setattr(mimetypes, "_db", table)
    assert image_type("https://x/a.png") == "image/png"
    assert image_type("https://x/a.jpg") == "image/jpeg"


# -- JSON Feed -------------------------------------------------------------------------------


def test_json_feed_is_valid_json_feed_1_1(demo_site: Path) -> None:
    jsonschema.validate(read_json(demo_site / "feed.json"), read_json(SCHEMA))


def test_json_feed_carries_the_same_entries(demo_site: Path) -> None:
    document = read_json(demo_site / "feed.json")
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["feed_url"] == BASE + "feed.json"
    items = document["items"]
    expected = demo_entries()
    assert [item["id"] for item in items] == [e.article.id for e in expected]
    assert [item["title"] for item in items] == [e.article.title for e in expected]
    assert [item.get("tags", []) for item in items] == [
        list(e.article.categories) for e in expected
    ]
    assert [item.get("image") for item in items] == [e.thumbnail for e in expected]
    assert [item["content_html"] for item in items] == [e.content for e in expected]
    # a summary only where the author wrote one: the first words would repeat the content
    assert [item.get("summary") for item in items] == [e.excerpt for e in expected]
    assert sum("summary" in item for item in items) == 2  # <!-- more -->, a description
    assert [item["url"] for item in items] == [BASE + e.article.page for e in expected]
    assert [item.get("external_url") for item in items] == [e.article.link for e in expected]
    assert [item["date_published"] for item in items] == [
        e.article.published.astimezone(ZONE).isoformat() for e in expected
    ]
    assert [item["authors"] for item in items] == [[{"name": e.article.author}] for e in expected]


def test_json_feed_schema_rejects_what_the_spec_forbids() -> None:
    # The schema is ours, so show that it can fail: a misspelt key, no content, a bad date.
    schema = read_json(SCHEMA)
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "t",
            "items": [{"id": "1", "content_html": "<p>x</p>"}]}  # fmt: skip
    jsonschema.validate(good, schema)
    bad_items: list[dict[str, Any]] = [
        {"id": "1", "content-html": "<p>x</p>"},
        {"id": "1"},
        {"id": "1", "content_text": "x", "date_published": "2023-07-10 00:00"},
        {"id": "1", "content_text": "x", "image": "javascript:alert(1)"},
    ]
    for item in bad_items:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate({**good, "items": [item]}, schema)


# -- OPML and index.html ---------------------------------------------------------------------


def test_the_opml_to_import_lists_the_feed_once(demo_site: Path) -> None:
    opml = etree.parse(demo_site / "feeds.opml").getroot()
    assert opml.get("version") == "2.0"
    assert xpath(opml, "/opml/head/title/text()") == ["工业和信息化部新闻 · 新浪财经"]
    outlines = xpath(opml, "/opml/body/outline/outline")
    assert [(o.get("type"), o.get("xmlUrl")) for o in outlines] == [("rss", BASE + "atom.xml")]
    assert all(o.get("text") for o in outlines)


def test_the_category_feeds_have_an_opml_of_their_own_that_says_they_overlap(
    demo_site: Path,
) -> None:
    opml = etree.parse(demo_site / "categories.opml").getroot()
    assert xpath(opml, "/opml/head/title/text()") == [
        "工业和信息化部新闻 · 新浪财经 · 全部分类（订阅源彼此重叠）"
    ]
    outlines = xpath(opml, "/opml/body/outline/outline")
    assert [o.get("xmlUrl") for o in outlines] == [
        BASE + name for name in sorted(CATEGORY_FILES, key=category_of)
    ]
    assert all(o.get("text") for o in outlines)


def test_index_page_autodiscovers_every_feed(demo_site: Path) -> None:
    page = html.parse(str(demo_site / "index.html")).getroot()
    links = {
        (link.get("type"), link.get("href"))
        for link in xpath(page, "/html/head/link[@rel='alternate']")
    }
    assert links == {
        ("application/atom+xml", "atom.xml"),
        ("application/rss+xml", "rss.xml"),
        ("application/feed+json", "feed.json"),
    } | {("application/atom+xml", name) for name in CATEGORY_FILES}
    hrefs = xpath(page, "//a/@href")
    local = {href for href in hrefs if not href.startswith("http")}
    category_pages = {name.removesuffix(".xml") + ".html" for name in CATEGORY_FILES}
    article_pages = {name for name in GOLDEN_FILES if name.startswith("articles/")}
    assert local == {
        "atom.xml", "rss.xml", "feed.json", "feeds.opml", "categories.opml",
        "archive/index.html", *CATEGORY_FILES, *category_pages, *article_pages,
    }  # fmt: skip
    assert all((demo_site / href).is_file() for href in local)
    text = page.text_content()
    assert all(entry.article.title in text for entry in demo_entries())
    assert xpath(page, "//script") == []


def test_index_page_escapes_what_the_articles_say(
    write_article: WriteArticle, settings: Settings
) -> None:
    write_article("a.txt", ARTICLE.replace(" - 金融", " - '<script>alert(1)</script>'"))
    build(replace(settings, title='Feeds "&" <b>news</b>'))
    page = html.parse(str(settings.output_dir / "index.html")).getroot()
    assert xpath(page, "//script | //b") == []
    assert xpath(page, "/html/head/title/text()") == ['Feeds "&" <b>news</b>']
    assert "<script>alert(1)</script>" in page.text_content()


# -- the browser view ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "href"), [("atom.xml", "atom.xsl"), *[(n, "../atom.xsl") for n in CATEGORY_FILES]]
)
def test_atom_files_point_browsers_at_the_stylesheet(demo_site: Path, name: str, href: str) -> None:
    root = etree.parse(demo_site / name).getroot()
    assert [etree.tostring(node) for node in root.itersiblings(preceding=True)] == [
        f'<?xml-stylesheet type="text/xsl" href="{href}"?>'.encode()
    ]
    assert (demo_site / name).parent.joinpath(href).resolve() == (demo_site / "atom.xsl").resolve()


@pytest.mark.parametrize("name", ["atom.xml", CATEGORY_FILES[0]])
def test_stylesheet_renders_the_feed_as_a_page(demo_site: Path, name: str) -> None:
    transform = etree.XSLT(etree.parse(demo_site / "atom.xsl"))
    feed = etree.parse(demo_site / name)
    page = html.fromstring(str(transform(feed)))
    titles = xpath(feed.getroot(), "/atom:feed/atom:entry/atom:title/text()")
    assert xpath(page, "//h1/text()") == xpath(feed.getroot(), "/atom:feed/atom:title/text()")
    assert [h2.text_content().strip() for h2 in xpath(page, "//article/h2")] == titles
    assert xpath(page, "//code/text()") == [BASE + name]
    assert xpath(page, "//script") == []


# -- switches and selection ------------------------------------------------------------------


@pytest.mark.parametrize("switch", sorted(set(OUTPUT_SWITCHES.values())))
def test_each_output_can_be_switched_off(examples_copy: Path, tmp_path: Path, switch: str) -> None:
    output = tmp_path / "out"
    build(make_settings(examples_copy, output_dir=output, **{switch: False}))
    written = published_files(output)
    names = {name for name, owner in OUTPUT_SWITCHES.items() if owner == switch}
    assert written == set(GOLDEN_FILES) - names
    for listing in {"feeds.opml", "index.html"} & written:
        for name in names:
            assert f"/{name}" not in (output / listing).read_text(encoding="utf-8")
            assert f'"{name}"' not in (output / listing).read_text(encoding="utf-8")


def test_switching_an_output_off_removes_what_it_published(
    examples_copy: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    build(make_settings(examples_copy, output_dir=output))
    report = build(make_settings(examples_copy, output_dir=output, write_pages=False))
    remaining = published_files(output)
    assert not any(name.endswith(".html") and name != "index.html" for name in remaining)
    assert len(report.removed) == len(GOLDEN_FILES) - len(remaining)
    assert not (output / "archive").exists()  # emptied folders go too
    again = build(make_settings(examples_copy, output_dir=output))
    assert published_files(output) == set(GOLDEN_FILES)
    assert again.pages_written == 5


def test_category_feeds_can_be_switched_off(examples_copy: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    build(make_settings(examples_copy, output_dir=output, write_category_feeds=False))
    assert not list((output / "categories").glob("*.xml"))
    assert not (output / "categories.opml").exists()
    assert "categories/" not in (output / "feeds.opml").read_text(encoding="utf-8")
    index = (output / "index.html").read_text(encoding="utf-8")
    assert ".xml" not in index.replace("atom.xml", "").replace("rss.xml", "")


def test_opml_lists_rss_when_atom_is_off(examples_copy: Path, tmp_path: Path) -> None:
    output = tmp_path / "out"
    build(make_settings(examples_copy, output_dir=output, write_atom=False))
    urls = xpath(etree.parse(output / "feeds.opml").getroot(), "//outline/@xmlUrl")
    assert urls == [BASE + "rss.xml"]


def test_without_the_browser_view_atom_has_no_stylesheet(
    examples_copy: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    build(make_settings(examples_copy, output_dir=output, write_browser_view=False))
    assert b"xml-stylesheet" not in (output / "atom.xml").read_bytes()
    assert b"xml-stylesheet" not in (output / CATEGORY_FILES[0]).read_bytes()


def test_switching_every_feed_off_is_a_config_error(articles_dir: Path) -> None:
    off = dict.fromkeys(
        ["write_atom", "write_category_feeds", "write_rss", "write_json_feed"], False
    )
    with pytest.raises(ConfigError, match="every feed is switched off"):
        make_settings(articles_dir, **off)


@pytest.mark.parametrize(
    "name", ["rss.xml", "feed.json", "index.html", "a/atom.xml", "..", "categories"]
)
def test_feed_filename_may_not_collide_or_leave_the_folder(articles_dir: Path, name: str) -> None:
    with pytest.raises(ConfigError, match="feed_filename"):
        make_settings(articles_dir, feed_filename=name)


def _article(title: str, day: int, categories: list[str]) -> str:
    listed = "".join(f"\n - '{name}'" for name in categories)
    date = f"2024-01-{day:02d}T08:00:00+08:00"
    return f"---\ntitle: '{title}'\ndate: {date}\ncategories:{listed}\n---\n<p>{title}</p>\n"


@pytest.fixture
def counted_sanitizing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record the body of every article the build sanitizes."""
    calls: list[str] = []
    real: Callable[..., Any] = clean_body

    def spy(raw: str, base_url: str | None = None, rules: Any = None, **options: Any) -> Any:
        calls.append(raw.strip())
        return real(raw, base_url, rules, **options)

    monkeypatch.setattr("feedgen_miit.tasks.clean_body", spy)
    return calls


def test_category_feeds_take_the_newest_of_their_category_and_render_each_once(
    write_article: WriteArticle, settings: Settings, counted_sanitizing: list[str]
) -> None:
    write_article("1.txt", _article("one", 1, ["rare", "common"]))
    write_article("2.txt", _article("two", 2, ["common"]))
    write_article("3.txt", _article("three", 3, ["common", "Common"]))
    write_article("4.txt", _article("four", 4, ["common"]))
    write_article("5.txt", _article("five", 5, ["other"]))
    report = build(replace(settings, limit=2))
    assert report.entries == 2

    def titles(name: str) -> list[str]:
        document = (settings.output_dir / name).read_bytes()
        assert_valid_atom(document)
        return [entry.title for entry in feedparser.parse(document).entries]

    assert titles("atom.xml") == ["five", "four"]
    assert titles(category_path("common")) == ["four", "three"]
    assert titles(category_path("Common")) == ["three"]
    assert titles(category_path("rare")) == ["one"]
    assert titles(category_path("other")) == ["five"]
    # Each article is sanitized exactly once: those of the feeds for them, then "two",
    # in no feed, for its page.
    assert sorted(counted_sanitizing) == sorted(
        f"<p>{t}</p>" for t in ["five", "four", "three", "one", "two"]
    )
    assert counted_sanitizing[-1] == "<p>two</p>"


@pytest.mark.parametrize(
    "names",
    [
        ["../../escape", "a/b", "/etc/passwd", "."],
        ["Finance", "finance", "FINANCE"],
        ["金融", "金融 ", "金 融"],
        ["x" * 400, "x" * 401],
        ["R&D", "<Tag>", "\"quoted\" & 'single'"],
    ],
)
def test_awkward_category_names_get_their_own_feed_inside_the_folder(
    write_article: WriteArticle, settings: Settings, names: list[str]
) -> None:
    categories = "".join(f"\n - {json.dumps(name)}" for name in names)
    write_article(
        "a.txt", f"---\ntitle: t\ndate: 2024-01-01\ncategories:{categories}\n---\n<p>x</p>\n"
    )
    build(settings)
    output = settings.output_dir.resolve()
    files = sorted(p for p in output.rglob("*") if p.is_file())
    feeds = [p for p in files if p.parent == output / "categories" and p.suffix == ".xml"]
    assert all(p.resolve().is_relative_to(output) for p in files)
    loaded_names = [t.term for t in feedparser.parse(output / "atom.xml").entries[0].tags]
    assert len(feeds) == len(loaded_names) == len(set(loaded_names))
    for name in loaded_names:
        parsed = feedparser.parse((output / category_path(name)).read_bytes())
        assert parsed.bozo == 0
        assert parsed.feed.title.endswith(f" · {name}")
    opml_urls = xpath(etree.parse(output / "categories.opml").getroot(), "//outline/@xmlUrl")
    assert len(opml_urls) == len(loaded_names)


@hypothesis.settings(max_examples=25, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=6, unique=True))
def test_any_category_names_give_distinct_valid_feeds_inside_the_folder(names: list[str]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        articles = Path(scratch, "articles")
        articles.mkdir()
        front_matter = yaml.safe_dump(
            {"title": "t", "date": "2024-01-01T00:00:00Z", "categories": names},
            allow_unicode=True,
        )
        articles.joinpath("a.txt").write_text(f"---\n{front_matter}---\n<p>x</p>\n", "utf-8")
        output = Path(scratch, "public").resolve()
        build(make_settings(articles, output_dir=output))
        loaded = [t.term for t in feedparser.parse(output / "atom.xml").entries[0].get("tags", [])]
        feeds = sorted(output.joinpath("categories").glob("*.xml")) if loaded else []
        assert all(p.resolve().is_relative_to(output) for p in output.rglob("*"))
        assert sorted(output / category_path(name) for name in loaded) == feeds
        for feed in feeds:
            assert_valid_atom(feed.read_bytes())
