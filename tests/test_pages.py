"""What a subscriber and a visitor see: a page per article, links that open something real,
listings by category and month, written only when they change."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree, html

from feedgen_miit import Settings, build, make_settings
from feedgen_miit.layout import category_page, month_page
from tests.conftest import WriteArticle
from tests.golden import EXAMPLES, FEED_FILES, GOLDEN_FILES, published_files

BASE = "http://localhost:8000/"
PAGES = sorted(name for name in GOLDEN_FILES if name.startswith("articles/"))
ATOM_FEEDS = [name for name in FEED_FILES if name.endswith(".xml") and name != "rss.xml"]


def article(
    title: str, date: str, *, categories: tuple[str, ...] = ("金融",), extra: str = ""
) -> str:
    listed = "".join(f"\n - {name}" for name in categories)
    front = f"title: '{title}'\ndate: {date}\ncategories:{listed}\n{extra}"
    return f"---\n{front}---\n<p>{title}正文。</p>\n"


def age_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust every stamp at once (the files were just written: racy otherwise)."""
    monkeypatch.setattr("feedgen_miit.scan.RACY_WINDOW_NS", -(10**18))


def page_of(site: Path, name: str) -> html.HtmlElement:
    return html.parse(str(site / name)).getroot()


# -- every entry links somewhere real ---------------------------------------------------------


def test_the_demo_writes_a_page_for_every_article(demo_site: Path) -> None:
    pages = (demo_site / "articles").glob("*.html")
    assert sorted(str(page.relative_to(demo_site)) for page in pages) == PAGES
    titles = {entry.title for entry in feedparser.parse(demo_site / "atom.xml").entries}
    assert {page_of(demo_site, name).findtext(".//h1") for name in PAGES} == titles


@pytest.mark.parametrize("name", [*ATOM_FEEDS, "rss.xml"])
def test_every_entry_links_to_its_article_or_its_page(demo_site: Path, name: str) -> None:
    parsed = feedparser.parse((demo_site / name).read_bytes())
    assert parsed.entries
    for entry in parsed.entries:
        link = entry.get("link")
        assert link, entry.title
        assert not link.startswith(("urn:", "tag:"))
        assert not link.endswith((".png", ".jpg", ".gif", ".webp"))
        assert link.startswith("https://finance.sina.com.cn/") or _is_published(demo_site, link)


def test_json_feed_urls_are_pages_and_external_urls_the_originals(demo_site: Path) -> None:
    items = json.loads((demo_site / "feed.json").read_text(encoding="utf-8"))["items"]
    for item in items:
        assert _is_published(demo_site, item["url"])
        assert item.get("external_url", "https://finance.sina.com.cn/").startswith(
            "https://finance.sina.com.cn/"
        )
    assert sum("external_url" in item for item in items) == 1  # the example with a link


def _is_published(site: Path, url: str) -> bool:
    assert url.startswith(BASE), url
    return (site / urlsplit(url).path.lstrip("/")).is_file()


# -- the article page -------------------------------------------------------------------------


def test_an_article_page_has_what_a_reader_and_a_crawler_need(demo_site: Path) -> None:
    name = "articles/010-5b2e9a1c7d3f4e60-9542ca17a904.html"
    page = page_of(demo_site, name)
    head = {
        (meta.get("property") or meta.get("name")): meta.get("content")
        for meta in page.iter("meta")
        if meta.get("property") or meta.get("name")
    }
    assert page.get("lang") == "zh-CN"
    assert page.findtext(".//h1") == "工信部：一季度规模以上工业增加值同比增长3.0%"
    link = "https://finance.sina.com.cn/china/2023-04-18/doc-imyqkzxe1234567.shtml"
    canonical = [e.get("href") for e in page.iter("link") if e.get("rel") == "canonical"]
    assert canonical == [link]  # the source's own address, when the article has one
    assert head["og:url"] == link
    assert head["og:type"] == "article"
    assert head["og:title"] == page.findtext(".//h1")
    assert head["article:published_time"] == "2023-04-18T10:30:00+08:00"
    assert head["referrer"] == "no-referrer"
    assert head["viewport"].startswith("width=device-width")
    assert head["twitter:card"] in {"summary", "summary_large_image"}
    meta = page.find_class("meta")[0].text_content()
    assert "2023-04-18 10:30 UTC+08:00" in meta
    assert "编辑：李铁民" in meta
    tags = [a for a in page.iter("a") if a.get("class") == "tag"]
    assert [a.text for a in tags] == ["工业经济", "工信部", "制造业"]
    assert all((demo_site / name).parent.joinpath(a.get("href")).resolve().is_file() for a in tags)
    assert "制造业增加值占GDP比重回升" in page.text_content()
    assert list(page.iter("script")) == []
    feeds = [e.get("href") for e in page.iter("link") if e.get("rel") == "alternate"]
    assert "../atom.xml" in feeds
    assert all((demo_site / "articles").joinpath(href).resolve().is_file() for href in feeds)


def test_a_page_without_a_source_link_is_its_own_canonical(demo_site: Path) -> None:
    name = "articles/011-9c41d7e2a8b35f06-a2002996267d.html"
    canonical = [e.get("href") for e in page_of(demo_site, name).iter("link")
                 if e.get("rel") == "canonical"]  # fmt: skip
    assert canonical == [BASE + name]


def test_every_link_between_pages_resolves(demo_site: Path) -> None:
    for name in GOLDEN_FILES:
        if not name.endswith(".html"):
            continue
        for element in page_of(demo_site, name).iter("a", "link"):
            href = element.get("href")
            if href and not href.startswith(("http://", "https://")):
                target = (demo_site / name).parent.joinpath(href).resolve()
                assert target.is_file(), f"{name}: {href}"


def test_labels_follow_the_language(write_article: WriteArticle, settings: Settings) -> None:
    write_article("a.txt", article("Hello", "2024-03-01T08:00:00Z", categories=("Policy",)))
    build(replace(settings, language="en-GB", timezone="Europe/London"))
    index = page_of(settings.output_dir, "index.html")
    assert index.get("lang") == "en-GB"
    assert [h2.text for h2 in index.iter("h2")] == ["Subscribe", "Latest articles", "Categories"]
    archive = page_of(settings.output_dir, "archive/index.html")
    assert "March 2024" in archive.text_content()
    (page,) = (settings.output_dir / "articles").glob("*.html")
    assert "2024-03-01 08:00 UTC+00:00" in page.read_text(encoding="utf-8")


# -- pictures ------------------------------------------------------------------------------


def test_a_picture_most_articles_share_stands_for_the_site_and_is_no_ones(
    write_article: WriteArticle, settings: Settings
) -> None:
    logo = "thumbnail: 'https://example.org/logo.png'\n"
    for number in range(1, 5):
        write_article(f"{number}.txt", article(f"第{number}篇", f"2024-01-0{number}", extra=logo))
    write_article(
        "5.txt", article("第5篇", "2024-01-05", extra="thumbnail: 'https://example.org/p.jpg'\n")
    )
    build(settings)
    feed = (settings.output_dir / "atom.xml").read_text(encoding="utf-8")
    assert "logo.png" not in feed
    assert feed.count("https://example.org/p.jpg") >= 1
    pages = "".join(
        p.read_text(encoding="utf-8") for p in (settings.output_dir / "articles").glob("*.html")
    )
    assert "logo.png" not in pages
    assert pages.count('property="og:image"') == 1


def test_a_shared_picture_of_few_articles_is_theirs(
    write_article: WriteArticle, settings: Settings
) -> None:
    shared = "thumbnail: 'https://example.org/shared.png'\n"
    write_article("1.txt", article("第1篇", "2024-01-01", extra=shared))
    write_article("2.txt", article("第2篇", "2024-01-02", extra=shared))
    build(settings)
    assert "shared.png" in (settings.output_dir / "atom.xml").read_text(encoding="utf-8")


# -- written when they change, removed when they go ------------------------------------------


def _three_aged_articles(write_article: WriteArticle, monkeypatch: pytest.MonkeyPatch) -> None:
    """Articles 1-3, of January to March 2024, their stamps trusted at once."""
    age_everything(monkeypatch)
    for number in range(1, 4):
        write_article(f"{number}.txt", article(f"第{number}篇", f"2024-0{number}-01"))


def test_pages_are_written_only_when_their_articles_change(
    write_article: WriteArticle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    _three_aged_articles(write_article, monkeypatch)
    first = build(settings)
    assert first.pages_written == 3
    output = settings.output_dir
    stamps = {name: (output / name).stat().st_mtime_ns for name in published_files(output)}
    time.sleep(0.01)

    quiet = build(settings)
    assert (quiet.pages_written, quiet.written, quiet.removed) == (0, (), ())
    assert {name: (output / name).stat().st_mtime_ns for name in stamps} == stamps

    write_article("2.txt", article("第2篇（更正）", "2024-02-01"))
    changed = build(settings)
    assert changed.pages_written == 1
    rewritten = {name for name in stamps if (output / name).stat().st_mtime_ns != stamps[name]}
    assert {name for name in rewritten if name.startswith("articles/")} == {
        next(name for name in stamps if name.startswith("articles/2-"))
    }
    assert month_page("2024-02") in rewritten
    assert month_page("2024-01") not in rewritten  # its article did not change
    assert "index.html" in rewritten


def test_the_output_folder_named_another_way_renders_nothing_again(
    write_article: WriteArticle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "--out public" from its parent, then "--out /srv/news/public" from cron: the same
    # folder. Its every page, listing and archive document was rendered again (a +10
    # nightly of 10,000 articles took 18 s instead of 0.56 s), to the same bytes.
    _three_aged_articles(write_article, monkeypatch)
    monkeypatch.chdir(settings.output_dir.parent)
    relative = replace(settings, output_dir=Path(settings.output_dir.name))
    assert build(relative).pages_written == 3
    again = build(replace(settings, output_dir=settings.output_dir.absolute()))
    assert (again.pages_written, again.pages_unchanged, again.written) == (0, 0, ())


def _two_months_built(
    write_article: WriteArticle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> set[str]:
    """Build a site of two articles, each its own month and category; the files it wrote."""
    age_everything(monkeypatch)
    write_article("1.txt", article("第1篇", "2024-01-01", categories=("金融",)))
    write_article("2.txt", article("第2篇", "2024-02-01", categories=("汽车",)))
    build(settings)
    return published_files(settings.output_dir)


def test_a_gone_article_takes_its_page_and_emptied_listings_with_it(
    write_article: WriteArticle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = settings.output_dir
    before = _two_months_built(write_article, settings, monkeypatch)
    (settings.articles_dir / "2.txt").unlink()
    report = build(settings)
    after = published_files(output)
    gone = before - after
    assert {name.split("/")[0] for name in gone} == {"articles", "archive", "categories"}
    assert month_page("2024-02") in gone
    assert category_page("汽车") in gone
    assert category_page("汽车").removesuffix(".html") + ".xml" in gone
    assert not (output / category_page("汽车").removesuffix(".html")).exists()
    assert sorted(output / name for name in gone) == sorted(report.removed)
    assert "第2篇" not in (output / "index.html").read_text(encoding="utf-8")
    assert "汽车" not in (output / "categories.opml").read_text(encoding="utf-8")


def test_feeds_only_takes_every_listing_down_without_counting_them(
    write_article: WriteArticle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No listing page is written: counting each month's and category's articles (0.05 s
    # at 100,000) is for nothing, and the listings published before still go.
    output = settings.output_dir
    before = _two_months_built(write_article, settings, monkeypatch)

    def not_counted(self: object) -> None:
        raise AssertionError("listings counted with no listing page to write")

    monkeypatch.setattr("feedgen_miit.index.ArticleIndex.listings", not_counted)
    write_article("3.txt", article("第3篇", "2024-03-01", categories=("汽车",)))
    report = build(replace(settings, write_pages=False, write_index=False))
    gone = before - published_files(output)
    assert {"index.html", "archive/index.html", month_page("2024-01")} <= gone
    assert category_page("汽车") in gone
    assert not any(name.endswith(".html") for name in published_files(output))
    assert sorted(output / name for name in gone) == sorted(report.removed)
    assert "第3篇" in (output / "atom.xml").read_text(encoding="utf-8")


def test_page_addresses_do_not_depend_on_where_the_articles_live(tmp_path: Path) -> None:
    one = shutil.copytree(EXAMPLES, tmp_path / "one" / "articles")
    two = shutil.copytree(EXAMPLES, tmp_path / "elsewhere" / "deeper" / "articles")
    build(make_settings(one, output_dir=tmp_path / "public-one"))
    build(make_settings(two, output_dir=tmp_path / "public-two"))
    assert published_files(tmp_path / "public-one") == published_files(tmp_path / "public-two")
    for name in PAGES:
        assert (tmp_path / "public-one" / name).read_bytes() == (
            tmp_path / "public-two" / name
        ).read_bytes()


def test_an_unusable_body_found_for_a_page_is_reported_and_listed_nowhere(
    write_article: WriteArticle, settings: Settings
) -> None:
    write_article("1.txt", article("第1篇", "2024-01-01"))
    write_article("2.txt", "---\ntitle: 空\ndate: 2023-01-01\n---\n<script>x()</script>\n")
    report = build(replace(settings, limit=1))  # "空" is in no feed: its page finds it empty
    assert [problem.path.name for problem in report.problems] == ["2.txt"]
    assert report.articles_found == 1
    output = settings.output_dir
    assert not (output / month_page("2023-01")).exists()
    assert "空" not in (output / "archive" / "index.html").read_text(encoding="utf-8")
    again = build(replace(settings, limit=1))
    assert [problem.path.name for problem in again.problems] == ["2.txt"]  # every night


def test_a_strict_build_knows_every_bad_body_before_writing(
    write_article: WriteArticle, settings: Settings
) -> None:
    write_article("1.txt", article("第1篇", "2024-01-01"))
    write_article("2.txt", "---\ntitle: 空\ndate: 2023-01-01\n---\n<script>x()</script>\n")
    with pytest.raises(Exception, match="strict mode is on"):
        build(replace(settings, limit=1, strict=True))
    assert published_files(settings.output_dir) == set()


def test_the_archive_lists_every_article_by_month(demo_site: Path) -> None:
    archive = page_of(demo_site, "archive/index.html")
    prefix = "../archive/20"
    months = [
        a.get("href").removeprefix("../archive/")
        for a in archive.iter("a")
        if a.get("href", "").startswith(prefix)
    ]
    assert months == [
        "2023-07.html",
        "2023-06.html",
        "2023-04.html",
        "2022-06.html",
        "2021-06.html",
    ]
    listed = []
    for month in months:
        page = page_of(demo_site, f"archive/{month}")
        listed += [a.text for a in page.iter("a") if "articles/" in a.get("href", "")]
    assert sorted(listed) == sorted(
        e.title for e in feedparser.parse(demo_site / "atom.xml").entries
    )


def test_the_index_lists_the_latest_articles_with_links_to_their_pages(demo_site: Path) -> None:
    index = page_of(demo_site, "index.html")
    linked = [a.get("href") for a in index.iter("a") if a.get("href", "").startswith("articles/")]
    assert sorted(linked) == PAGES
    assert index.text_content().count("UTC+08:00") >= len(PAGES)


def test_the_xsl_view_reads_like_the_pages(demo_site: Path) -> None:
    transform = etree.XSLT(etree.parse(demo_site / "atom.xsl"))
    view: html.HtmlElement = html.fromstring(str(transform(etree.parse(demo_site / "atom.xml"))))
    text = view.text_content()
    assert "2023-04-18 10:30 UTC+08:00" in text
    assert "这是一个订阅源" in text
