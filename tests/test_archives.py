"""RFC 5005 archives, read the way a reader reads them: from the subscription document back
through ``prev-archive`` (JSON Feed: ``next_url``), every article once, every document valid
and under the byte budget; and archive documents that stay put while the folder grows."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser
import pytest
from lxml import etree

from bench.generate import generate
from feedgen_miit import (
    Article,
    Settings,
    archives,
    build,
    load_folder,
    make_settings,
    tasks,
    validate,
)
from feedgen_miit.budget import ENTRY_SHARE, HEAD_BYTES
from feedgen_miit.errors import PublishError
from feedgen_miit.index import ArticleIndex, fingerprint, index_path
from feedgen_miit.layout import MAIN_FEED, category_path
from feedgen_miit.tasks import Work, reader
from feedgen_miit.workers import WorkerPool
from tests.atomcheck import assert_valid_atom

ATOM = "http://www.w3.org/2005/Atom"
FH = "http://purl.org/syndication/history/1.0"
NS = {"atom": ATOM, "fh": FH}
#: The smallest budget allowed: a few dozen generated articles fill several documents.
BUDGET = 50_000
CATEGORY = "中小企业"  # in a third of the generated articles


@dataclass
class Walk:
    """What a small RFC 5005 consumer saw, newest document first."""

    urls: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    dates: list[datetime] = field(default_factory=list)
    complete: bool = False


def fetch(output: Path, settings: Settings, url: str) -> bytes:
    """The document at ``url``, from the output folder the site's address serves."""
    assert url.startswith(settings.base_url), url
    return (output / url.removeprefix(settings.base_url)).read_bytes()


def walk_xml(
    output: Path, settings: Settings, start: str, *, rss: bool = False, ordered: bool = True
) -> Walk:
    """Follow ``prev-archive`` from the subscription document at ``start`` (RFC 5005
    section 4), checking each document's relations on the way; with ``ordered``, that the
    entries come newest first across the documents (true of a history built in one go: an
    archived article whose date changes later keeps its place)."""
    walk = Walk()
    url: str | None = start
    newer: str | None = None
    while url is not None:
        assert url not in walk.urls, f"{url} links back into the chain"
        data = fetch(output, settings, url)
        assert len(data) <= settings.max_feed_bytes, (url, len(data))
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (url, parsed.get("bozo_exception"))
        root = etree.fromstring(data)
        head = root.find("channel") if rss else root
        assert head is not None
        if not rss:
            assert_valid_atom(data)
        links = {link.get("rel"): link.get("href") for link in head.findall("atom:link", NS)}
        archive = head.find("fh:archive", NS) is not None
        if url == start:
            assert not archive, "the subscription document is no archive"
            walk.complete = head.find("fh:complete", NS) is not None
            assert not (walk.complete and "prev-archive" in links)
        else:
            assert archive, f"{url} lacks fh:archive"
            assert head.find("fh:complete", NS) is None
            assert links["current"] == start
            assert links.get("next-archive") == (newer if newer != start else None), url
        items = head.findall("item") if rss else root.findall("atom:entry", NS)
        walk.ids += [_entry_id(item, rss) for item in items]
        walk.dates += [_entry_date(entry) for entry in parsed.entries]
        if ordered:
            assert walk.dates == sorted(walk.dates, reverse=True), f"{url}: out of order"
        walk.urls.append(url)
        newer, url = url, links.get("prev-archive")
    return walk


def walk_json(output: Path, settings: Settings, start: str) -> Walk:
    """Follow ``next_url`` from the JSON Feed at ``start`` (JSON Feed 1.1 pagination)."""
    walk = Walk()
    url: str | None = start
    while url is not None:
        assert url not in walk.urls
        data = fetch(output, settings, url)
        assert len(data) <= settings.max_feed_bytes
        document = json.loads(data)
        assert document["version"] == "https://jsonfeed.org/version/1.1"
        assert document["feed_url"] == url
        walk.ids += [item["id"] for item in document["items"]]
        walk.dates += [datetime.fromisoformat(item["date_published"]) for item in document["items"]]
        walk.urls.append(url)
        url = document.get("next_url")
    return walk


def _entry_id(item: etree._Element, rss: bool) -> str:
    found = item.findtext("guid") if rss else item.findtext("atom:id", namespaces=NS)
    assert found
    return found


def _entry_date(entry: feedparser.FeedParserDict) -> datetime:
    year, month, day, hour, minute, second = entry.published_parsed[:6]
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def expected_ids(settings: Settings, category: str | None = None) -> list[str]:
    """Every usable article's id (of ``category``), newest first."""
    articles = load_folder(settings).articles
    chosen = [a for a in articles if category is None or category in a.categories]
    return [a.id for a in sorted(chosen, key=lambda a: a.published, reverse=True)]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path]:
    """60 generated articles built under the smallest byte budget: several archives each."""
    root = tmp_path_factory.mktemp("history")
    generate(root / "articles", 60)
    settings = make_settings(
        root / "articles", output_dir=root / "public", max_feed_bytes=BUDGET, limit=10
    )
    build(settings)
    return settings, root / "public"


def test_a_reader_walking_back_from_atom_xml_gets_every_article_once(
    history: tuple[Settings, Path],
) -> None:
    settings, output = history
    walk = walk_xml(output, settings, settings.self_url)
    assert len(walk.urls) > 3, "the budget should call for several archive documents"
    assert walk.ids == expected_ids(settings)  # each once, newest first across documents
    assert not walk.complete
    assert len(walk.ids) == len(set(walk.ids)) == 60


def test_the_subscription_document_keeps_limit_and_budget(history: tuple[Settings, Path]) -> None:
    settings, output = history
    entries = etree.parse(output / "atom.xml").getroot().findall("atom:entry", NS)
    assert 0 < len(entries) <= settings.limit


def test_a_category_feed_has_archives_of_its_own(history: tuple[Settings, Path]) -> None:
    settings, output = history
    start = settings.base_url + category_path(CATEGORY)
    walk = walk_xml(output, settings, start)
    assert len(walk.urls) > 1
    assert all(
        re.fullmatch(r".*/categories/[0-9a-f]+/archive-\d+\.xml", url) for url in walk.urls[1:]
    )
    assert walk.ids == expected_ids(settings, CATEGORY)


def test_rss_archives_use_atom_links_with_the_same_relations(
    history: tuple[Settings, Path],
) -> None:
    settings, output = history
    walk = walk_xml(output, settings, settings.base_url + "rss.xml", rss=True)
    assert len(walk.urls) > 3
    assert walk.ids == expected_ids(settings)


def test_json_feed_pages_link_older_pages_with_next_url(history: tuple[Settings, Path]) -> None:
    settings, output = history
    walk = walk_json(output, settings, settings.base_url + "feed.json")
    assert len(walk.urls) > 3
    assert walk.ids == expected_ids(settings)
    assert walk.dates == sorted(walk.dates, reverse=True)


def test_the_archive_page_links_each_feeds_archives(history: tuple[Settings, Path]) -> None:
    settings, output = history
    page = (output / "archive" / "index.html").read_text(encoding="utf-8")
    newest = walk_xml(output, settings, settings.self_url).urls[1]
    assert f'href="{newest.removeprefix(settings.base_url)}"' not in page  # links are relative
    assert f'href="../{newest.removeprefix(settings.base_url)}"' in page
    oldest_category = walk_xml(output, settings, settings.base_url + category_path(CATEGORY)).urls[
        -1
    ]
    assert f'href="../{oldest_category.removeprefix(settings.base_url)}"' in page


def test_a_history_within_the_budget_is_complete_and_has_no_archive(tmp_path: Path) -> None:
    generate(tmp_path / "articles", 3)
    settings = make_settings(tmp_path / "articles", output_dir=tmp_path / "public")
    build(settings)
    walk = walk_xml(tmp_path / "public", settings, settings.self_url)
    assert walk.complete
    assert len(walk.urls) == 1
    assert len(walk.ids) == 3
    assert not list((tmp_path / "public").rglob("*archive-*"))
    assert not list((tmp_path / "public" / "archive").glob("*.xml"))


def test_limit_0_means_no_count_limit_still_bounded_by_the_budget(tmp_path: Path) -> None:
    generate(tmp_path / "articles", 80)
    roomy = make_settings(
        tmp_path / "articles", output_dir=tmp_path / "public", limit=0, max_feed_bytes=10**6
    )
    build(roomy)
    walk = walk_xml(tmp_path / "public", roomy, roomy.self_url)
    # More than the default limit of 50: every article, in one complete document.
    assert (walk.complete, len(walk.urls), len(walk.ids)) == (True, 1, 80)
    tight = replace(roomy, max_feed_bytes=BUDGET)
    build(tight)
    walk = walk_xml(tmp_path / "public", tight, tight.self_url)
    assert len(walk.urls) > 5
    assert len(walk.ids) == 80


def snapshot(output: Path) -> dict[str, tuple[bytes, int]]:
    """Every file's bytes and modification time."""
    return {
        path.relative_to(output).as_posix(): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in output.rglob("*")
        if path.is_file()
    }


def archive_number(path: str) -> tuple[str, int] | None:
    """``(feed document, page)`` of an archive document (or its compressed copy)."""
    found = re.fullmatch(
        r"(archive/(?:atom|rss|json)|categories/[0-9a-f]+/archive)-(\d+)\.\w+.*", path
    )
    return (found[1], int(found[2])) if found else None


def newest_archives(output: Path) -> dict[str, int]:
    newest: dict[str, int] = {}
    for path in snapshot(output):
        number = archive_number(path)
        if number:
            newest[number[0]] = max(newest.get(number[0], 0), number[1])
    return newest


def is_listing_or_subscription(path: str) -> bool:
    """The files a new article may change besides the newest archives: the subscription
    documents, the lists of feeds, the listing pages (and their compressed copies)."""
    plain = re.sub(r"\.(gz|br)$", "", path)
    return bool(
        re.fullmatch(
            r"atom\.xml|rss\.xml|feed\.json|\w+\.opml|index\.html|archive/[^/]+\.html"
            r"|categories/[0-9a-f]+\.(xml|html)|categories/[0-9a-f]+/[\d-]+\.html",
            plain,
        )
    )


@pytest.fixture(scope="module")
def two_thousand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Path]]:
    root = tmp_path_factory.mktemp("grow")
    generate(root / "articles", 2000)
    settings = make_settings(root / "articles", output_dir=root / "public")
    build(settings)
    yield settings, root
    shutil.rmtree(root, ignore_errors=True)


def test_ten_new_articles_rewrite_only_the_newest_archives_and_the_listings(
    two_thousand: tuple[Settings, Path],
) -> None:
    settings, root = two_thousand
    output = root / "public"
    before = snapshot(output)
    newest = newest_archives(output)
    assert newest["archive/atom"] >= 5, newest  # a real history, at the default budget
    os.utime(output, None)
    generate(root / "articles", 10, start=2000)
    report = build(settings)
    assert report.entries
    assert not report.problems
    after = snapshot(output)
    changed = sorted(path for path in before if after.get(path) != before[path])
    for path in changed:
        number = archive_number(path)
        if number is not None:
            feed, page = number
            assert page >= newest[feed], f"{path}: an older archive document was rewritten"
        else:
            assert is_listing_or_subscription(path), f"{path} changed"
    assert "atom.xml" in changed
    kept = [path for path in before if archive_number(path) and path not in changed]
    assert len(kept) > 20
    added = set(after) - set(before)
    assert sum(path.startswith("articles/") and path.endswith(".html") for path in added) == 10
    # And the history is whole: every article once.
    walk = walk_xml(output, settings, settings.self_url)
    assert walk.ids == expected_ids(settings)


def test_a_changed_or_removed_article_rewrites_only_its_archive(
    two_thousand: tuple[Settings, Path],
) -> None:
    settings, root = two_thousand
    output = root / "public"
    build(settings)
    before = snapshot(output)
    old = walk_xml(output, settings, settings.self_url)
    # One article deep in the history changes its title; another goes.
    target, gone = sorted((root / "articles").glob("*.txt"))[100:102]
    target.write_text(
        target.read_text(encoding="utf-8").replace("title: '", "title: 'Changed ", 1),
        encoding="utf-8",
    )
    gone.unlink()
    build(settings)
    after = snapshot(output)
    changed = {path for path in before if after.get(path) != before[path]}
    archives_changed = {number for path in changed if (number := archive_number(path))}
    # Each of the two sits in one document per format (and in its categories' feeds).
    main = {(feed, page) for feed, page in archives_changed if feed.startswith("archive/")}
    assert len(main) <= 6
    assert {feed for feed, _ in main} <= {
        "archive/atom",
        "archive/rss",
        "archive/json",
    }
    assert "atom.xml" not in changed  # neither is new enough to be in the subscription document
    new = walk_xml(output, settings, settings.self_url)
    assert len(new.ids) == len(old.ids) - 1
    assert new.ids == expected_ids(settings)


def test_a_smaller_budget_fills_the_documents_afresh(tmp_path: Path) -> None:
    generate(tmp_path / "articles", 60)
    settings = make_settings(
        tmp_path / "articles", output_dir=tmp_path / "public", max_feed_bytes=200_000
    )
    build(settings)
    before = len(walk_xml(tmp_path / "public", settings, settings.self_url).urls)
    smaller = make_settings(
        tmp_path / "articles", output_dir=tmp_path / "public", max_feed_bytes=BUDGET
    )
    build(smaller)
    walk = walk_xml(tmp_path / "public", smaller, smaller.self_url)
    assert len(walk.urls) > before
    assert len(walk.ids) == 60
    build(settings)  # and back: the documents the larger budget does not need go
    assert len(walk_xml(tmp_path / "public", settings, settings.self_url).urls) == before
    documents = sorted((tmp_path / "public" / "archive").glob("atom-*.xml"))
    assert len(documents) == before - 1


def test_an_index_started_afresh_keeps_the_archives_without_reading_every_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A new version (or a setting that shapes articles) starts the index afresh but keeps
    # where each article is archived: every article is then touched. Learning the feeds
    # each belongs to read all of them whole (100,000 articles: 87 -> 291 MB of peak).
    generate(tmp_path / "articles", 60)
    settings = make_settings(
        tmp_path / "articles", output_dir=tmp_path / "public", max_feed_bytes=BUDGET
    )
    build(settings)
    before = snapshot(tmp_path / "public")
    with sqlite3.connect(index_path(settings)) as db:
        db.execute("UPDATE meta SET value = 'another version' WHERE key = 'fingerprint'")
    placing: list[bool] = []
    read_whole: list[int] = []  # how many articles each read while placing asked for
    articles, place_articles = ArticleIndex.articles, archives.place_articles

    def counted(self: ArticleIndex, sources: Sequence[str]) -> list[Article]:
        if placing:
            read_whole.append(len(sources))
        return articles(self, sources)

    def watched(*args: Any, **kwargs: Any) -> Any:
        placing.append(True)
        try:
            return place_articles(*args, **kwargs)
        finally:
            placing.clear()

    monkeypatch.setattr(ArticleIndex, "articles", counted)
    monkeypatch.setattr("feedgen_miit.pipeline.place_articles", watched)
    report = build(settings)
    assert report.files_read == 60  # started afresh
    assert sum(read_whole) < 60
    # Every article is where it was: the same documents, their bytes and mtimes. Entries
    # too big for a quarter of a document, weighed whole, used to move to the newest.
    assert snapshot(tmp_path / "public") == before
    walk = walk_xml(tmp_path / "public", settings, settings.self_url)
    assert walk.ids == expected_ids(settings)


def test_a_changed_article_too_big_for_a_quarter_of_a_document_stays_in_it(
    tmp_path: Path,
) -> None:
    generate(tmp_path / "articles", 60)
    settings = make_settings(
        tmp_path / "articles", output_dir=tmp_path / "public", max_feed_bytes=BUDGET
    )
    output = tmp_path / "public"
    build(settings)
    oldest = sorted((tmp_path / "articles").glob("*.txt"))[:40]
    biggest = max(oldest, key=lambda path: path.stat().st_size)
    article = next(a for a in load_folder(settings).articles if a.path == biggest)
    entry_id = article.id
    holding = [
        path.relative_to(output).as_posix()
        for path in sorted((output / "archive").glob("atom-*.xml"))
        if entry_id in path.read_text(encoding="utf-8")
    ]
    assert len(holding) == 1
    cost = tasks.make_entry(Work(settings, datetime.now(UTC)), article).cost
    assert cost * ENTRY_SHARE > BUDGET - HEAD_BYTES  # archived as its summary
    before = snapshot(output)
    biggest.write_text(
        biggest.read_text(encoding="utf-8").replace("title: '", "title: 'Changed ", 1),
        encoding="utf-8",
    )
    build(settings)
    after = snapshot(output)
    changed = {path for path in before if after.get(path) != before[path]}
    main = {found for path in changed if (found := archive_number(path)) and "archive/" in path}
    assert {page for _, page in main} == {archive_number(holding[0])[1]}  # type: ignore[index]


def test_the_feeds_of_an_article_are_its_categories_and_the_main_feed(tmp_path: Path) -> None:
    generate(tmp_path / "articles", 30)
    settings = make_settings(tmp_path / "articles", output_dir=tmp_path / "public")
    index = ArticleIndex.open(None, fingerprint(settings))
    with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
        index.refresh(settings, reader(pool))
    sources = [*index.sources(), "not/an/article.txt"]
    expected = {
        article.source: {MAIN_FEED, *article.categories}
        for article in index.articles(index.sources())
    }
    assert any(len(feeds) > 2 for feeds in expected.values())
    members = archives._members(index, sources)
    assert {source: set(feeds) for source, feeds in members.items()} == expected


def test_without_archives_no_archive_document_stays(tmp_path: Path) -> None:
    generate(tmp_path / "articles", 40)
    settings = make_settings(
        tmp_path / "articles", output_dir=tmp_path / "public", max_feed_bytes=BUDGET
    )
    build(settings)
    assert list((tmp_path / "public").rglob("*archive-*.xml"))
    off = make_settings(
        tmp_path / "articles",
        output_dir=tmp_path / "public",
        max_feed_bytes=BUDGET,
        write_archives=False,
    )
    build(off)
    assert not list((tmp_path / "public").rglob("*archive-*.xml"))
    assert not list((tmp_path / "public" / "archive").glob("*.xml"))
    root = etree.parse(tmp_path / "public" / "atom.xml").getroot()
    assert root.find("fh:complete", NS) is None
    assert root.find("fh:archive", NS) is None
    assert [link.get("rel") for link in root.findall("atom:link", NS)] == ["self", "alternate"]
    build(settings)  # switched on again: the whole history is back
    assert len(walk_xml(tmp_path / "public", settings, settings.self_url).ids) == 40


def test_archives_rendered_by_the_workers_are_the_ones_rendered_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pool renders the archive pages of a cold build (in small batches here); every
    file is the same as with one process, which renders them itself."""
    generate(tmp_path / "articles", 60)
    monkeypatch.setattr(tasks, "PARALLEL_ARCHIVE_MIN", 2)
    monkeypatch.setattr(archives, "BATCH_BYTES", 50_000)
    renderers = tmp_path / "renderers"
    real = archives.render_archive_page

    def noting(settings: Settings, page: archives.ArchivePage) -> list[bytes]:
        with renderers.open("a") as note:  # the workers are processes of their own
            note.write(f"{os.getpid()}\n")
        return real(settings, page)

    monkeypatch.setattr(archives, "render_archive_page", noting)  # here and in the workers
    outputs, pids = {}, {}
    for jobs in (1, 2):
        settings = make_settings(
            tmp_path / "articles", output_dir=tmp_path / f"public-{jobs}", max_feed_bytes=BUDGET,
            limit=10, jobs=jobs, cache=False,
        )  # fmt: skip
        build(settings)
        pids[jobs] = set(renderers.read_text().split())
        renderers.unlink()
        outputs[jobs] = {
            path.relative_to(settings.output_dir): path.read_bytes()
            for path in sorted(settings.output_dir.rglob("*"))
            if path.is_file()
        }
    assert pids[1] == {str(os.getpid())}  # one process: rendered here
    assert len(pids[2] - pids[1]) == 2  # both workers (a batch of one page: here)
    assert len([path for path in outputs[2] if "archive" in str(path)]) > 6
    assert outputs[2] == outputs[1]


def test_the_workers_check_the_archive_documents_they_render(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each archive document is checked once, by the worker that rendered it: publish()
    does not check it again in the build's own process (its critical path)."""
    generate(tmp_path / "articles", 60)
    monkeypatch.setattr(tasks, "PARALLEL_ARCHIVE_MIN", 2)
    monkeypatch.setattr(archives, "BATCH_BYTES", 50_000)
    checks = tmp_path / "checks"
    real = validate.problems
    output = tmp_path / "public"

    def noting(name: str, data: bytes) -> list[str]:
        relative = Path(name).relative_to(output) if Path(name).is_absolute() else name
        with checks.open("a") as note:  # the workers are processes of their own
            note.write(f"{os.getpid()} {relative}\n")
        return real(name, data)

    monkeypatch.setattr(validate, "problems", noting)
    settings = make_settings(
        tmp_path / "articles", output_dir=output, max_feed_bytes=BUDGET, limit=10, jobs=2,
        cache=False,
    )  # fmt: skip
    build(settings)
    checked = [tuple(line.split()) for line in checks.read_text().splitlines()]
    documents = archive_documents(output)
    here = str(os.getpid())
    assert len(documents) > 6
    # Each once, where it was rendered (a batch of one page is rendered here): publish()
    # does not check them again.
    assert sorted(name for _, name in checked if name in documents) == documents
    assert len({name for pid, name in checked if pid != here} & set(documents)) > 6
    assert {"atom.xml", "rss.xml", "feed.json"} <= {name for pid, name in checked if pid == here}


def test_an_archive_document_that_fails_its_checks_is_never_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that renders an archive document the checks refuse stops the build: nothing
    of it is published, and the error names the file."""
    generate(tmp_path / "articles", 60)
    monkeypatch.setattr(tasks, "PARALLEL_ARCHIVE_MIN", 2)
    real = archives.render_archive_page

    def breaking(settings: Settings, page: archives.ArchivePage) -> list[bytes]:
        documents = real(settings, page)
        return [document.replace(b"</feed>", b"") for document in documents]

    monkeypatch.setattr(archives, "render_archive_page", breaking)
    settings = make_settings(
        tmp_path / "articles", output_dir=tmp_path / "public", max_feed_bytes=BUDGET,
        limit=10, jobs=2, cache=False,
    )  # fmt: skip
    with pytest.raises(PublishError, match=r"the new output is invalid.*archive/atom-1\.xml: "):
        build(settings)
    assert not archive_documents(settings.output_dir)
    assert not (settings.output_dir / "atom.xml").exists()


_ARCHIVE_DOCUMENT = re.compile(
    r"archive/(atom|rss|json)-\d+\.(xml|json)|categories/[^/]+/archive-\d+\.xml"
)


def archive_documents(output: Path) -> list[str]:
    """The archive documents in ``output`` (not their copies), relative to it, sorted."""
    paths = (path.relative_to(output).as_posix() for path in output.rglob("*"))
    return sorted(path for path in paths if _ARCHIVE_DOCUMENT.fullmatch(path))
