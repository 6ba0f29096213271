"""Incremental builds: the article index saves work and never changes the output."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from lxml import etree

from feedgen_miit import (
    Article,
    ArticleError,
    Entry,
    NoArticlesError,
    Settings,
    build,
    load_folder,
    make_settings,
    selection,
    tasks,
)
from feedgen_miit import index as index_module
from feedgen_miit import sanitize as sanitize_module
from feedgen_miit.errors import Draft, IndexWriteError
from feedgen_miit.index import (
    ArticleIndex,
    Changes,
    Record,
    SameContent,
    StaleFile,
    fingerprint,
    index_path,
)
from feedgen_miit.scan import RACY_WINDOW_NS, UNSTAMPED, discover, path_order, scan
from feedgen_miit.tasks import Work, reader
from feedgen_miit.workers import WorkerPool
from tests.atomcheck import NS, assert_valid_atom
from tests.conftest import ARTICLE, WriteArticle
from tests.strategies import folder_operations
from tests.test_archives import walk_xml


def article(title: str, date: str, *, extra: str = "", body: str = "<p>正文。</p>") -> str:
    """An article in the real format with the given title, date and body."""
    return (
        f"\n---\ntitle: '{title}'\ncategories:\n - 金融\nauthor: 新浪财经\n"
        f"date: {date}\n{extra}---\n\n<div>\n{body}\n</div>\n"
    )


def age(path: Path, seconds: float = 3600) -> None:
    """Make a file look written ``seconds`` ago (the cache trusts stamps only of older files)."""
    when = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(when, when))


def age_ctime(monkeypatch: pytest.MonkeyPatch) -> None:
    """ctime cannot be set; shrink the racy window instead, as if the files were old."""
    monkeypatch.setattr("feedgen_miit.scan.RACY_WINDOW_NS", -(10**18))


@pytest.fixture
def folder(write_article: WriteArticle, articles_dir: Path) -> Path:
    """Six articles, one per day."""
    for day in range(1, 7):
        write_article(f"{day:03d}_a.txt", article(f"第{day}篇", f"2024-03-0{day}T08:00:00+08:00"))
    return articles_dir


def fresh_build(settings: Settings) -> bytes:
    """What a build with no cache at all publishes for the same folder."""
    scratch = settings.output_dir.parent / "fresh-output"
    build(replace(settings, output_dir=scratch, cache=False))
    return (scratch / settings.feed_filename).read_bytes()


def without_archive_link(feed: bytes) -> bytes:
    """``feed`` without its ``prev-archive`` link."""
    return re.sub(rb'\s*<link href="[^"]*" rel="prev-archive"/>', b"", feed)


def history(settings: Settings) -> list[str]:
    """The entry ids a reader collects walking back from ``atom.xml`` (RFC 5005), sorted."""
    walk = walk_xml(settings.output_dir, settings, settings.self_url, ordered=False)
    return sorted(walk.ids)


def test_a_rebuild_with_no_change_reads_nothing_and_writes_nothing(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    age_ctime(monkeypatch)
    first = build(settings)
    assert (first.files_read, first.bodies_sanitized, first.entries) == (6, 6, 6)
    feed = settings.output_dir / "atom.xml"
    before = feed.stat()
    second = build(settings)
    assert (second.files_read, second.bodies_sanitized) == (0, 0)
    assert second.written == ()
    assert feed in second.unchanged
    assert (feed.stat().st_mtime_ns, feed.stat().st_ino) == (before.st_mtime_ns, before.st_ino)


def test_a_changed_article_changes_only_its_entry_and_the_feed_updated(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    age_ctime(monkeypatch)
    build(settings)
    feed = settings.output_dir / "atom.xml"
    old = etree.fromstring(feed.read_bytes())
    (folder / "003_a.txt").write_text(
        article(
            "第3篇（更新）",
            "2024-03-03T08:00:00+08:00",
            extra="updated: 2024-03-09T10:00:00+08:00\n",
            body="<p>更正后的正文。</p>",
        ),
        encoding="utf-8",
    )
    report = build(settings)
    assert (report.files_read, report.bodies_sanitized) == (1, 1)
    new = etree.fromstring(feed.read_bytes())
    assert_valid_atom(feed.read_bytes())

    def entries(root: etree._Element) -> dict[str, str]:
        found = root.xpath("atom:entry", namespaces=NS)
        assert isinstance(found, list)
        return {
            str(entry.findtext("{http://www.w3.org/2005/Atom}id")): etree.tostring(
                entry, encoding="unicode"
            )
            for entry in found
            if isinstance(entry, etree._Element)
        }

    before, after = entries(old), entries(new)
    assert before.keys() == after.keys()
    changed = [entry_id for entry_id in before if before[entry_id] != after[entry_id]]
    assert len(changed) == 1
    assert "更正后的正文" in after[changed[0]]

    def head(root: etree._Element) -> list[bytes]:
        return [etree.tostring(child) for child in root if child.tag != f"{{{NS['atom']}}}entry"]

    differing = [b for a, b in zip(head(old), head(new), strict=True) if a != b]
    assert len(differing) == 1
    assert b">2024-03-09T10:00:00+08:00</updated>" in differing[0]  # the feed's <updated>


def test_a_touched_file_is_hashed_not_parsed(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    age_ctime(monkeypatch)
    build(settings)
    age(folder / "002_a.txt", 60)
    report = build(settings)
    assert (report.files_read, report.bodies_sanitized) == (1, 0)
    assert report.written == ()


def test_new_content_with_the_old_size_and_mtime_is_seen(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    age_ctime(monkeypatch)
    build(settings)
    path = folder / "006_a.txt"
    stat = path.stat()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("第6篇", "第8篇"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    build(settings)
    assert "第8篇" in (settings.output_dir / "atom.xml").read_text(encoding="utf-8")


def test_files_changed_during_the_racy_window_are_checked_again(
    folder: Path, settings: Settings
) -> None:
    # The files were just written: their stamps are not trusted until they are older.
    build(settings)
    report = build(settings)
    assert report.files_read == 6
    assert report.bodies_sanitized == 0
    assert RACY_WINDOW_NS >= 2_000_000_000  # covers filesystems with 2-second timestamps


def test_a_deleted_article_leaves_the_feed_and_the_cache(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    age_ctime(monkeypatch)
    build(settings)
    (folder / "006_a.txt").unlink()
    report = build(settings)
    assert (report.articles_found, report.entries) == (5, 5)
    assert "第6篇" not in (settings.output_dir / "atom.xml").read_text(encoding="utf-8")
    with sqlite3.connect(index_path(settings)) as db:
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone() == (5,)


def test_a_settings_change_that_shapes_articles_starts_the_cache_afresh(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    age_ctime(monkeypatch)
    build(settings)
    assert build(replace(settings, limit=3)).files_read == 0  # output-only setting
    report = build(replace(settings, timezone="UTC", limit=3))
    assert report.files_read == 6


DAMAGE = {
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: path.stat().st_size // 2]),
    "empty": lambda path: path.write_bytes(b""),
    "not a database": lambda path: path.write_bytes(b"feedgen-miit " * 500),
    "scribbled pages": lambda path: path.write_bytes(
        path.read_bytes()[:1024] + os.urandom(2048) + path.read_bytes()[3072:]
    ),
}


def _tamper(path: Path, sql: str) -> None:
    with sqlite3.connect(path) as db:
        db.execute(sql)


TAMPERING = {
    "old format": "UPDATE meta SET value = '0' WHERE key = 'format'",
    "other fingerprint": "UPDATE meta SET value = 'x' WHERE key = 'fingerprint'",
    "a row's title": "UPDATE articles SET record = replace(record, '第5篇', '假标题')",
    "a row's date": "UPDATE articles SET published = published + 1",
    "an entry's html": "UPDATE articles SET entry = replace(entry, '正文', '<script>x()</script>')",
    "a dropped table": "DROP TABLE articles",
    "a wrong type": "UPDATE articles SET record = 42",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_cache_is_rebuilt_silently(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    age_ctime(monkeypatch)
    build(settings)
    expected = (settings.output_dir / "atom.xml").read_bytes()
    (settings.output_dir / "atom.xml").unlink()
    DAMAGE[damage](index_path(settings))
    report = build(settings)
    assert (settings.output_dir / "atom.xml").read_bytes() == expected
    assert report.complete
    assert build(settings).files_read == 0  # and the new cache works


def test_a_place_that_cannot_hold_the_index_stops_the_build(
    folder: Path, settings: Settings
) -> None:
    build(settings)
    expected = (settings.output_dir / "atom.xml").read_bytes()
    index_path(settings).unlink()
    index_path(settings).mkdir()  # never deleted: it is not ours
    with pytest.raises(IndexWriteError, match="cannot write the article index") as raised:
        build(settings)
    assert str(raised.value).startswith(f"{index_path(settings)}: ")
    assert (settings.output_dir / "atom.xml").read_bytes() == expected
    assert index_path(settings).is_dir()


#: How a place fails the index, made real by SQLite itself: no page may be added (a full
#: disk), or no write at all (a read-only one).
PLACE_FAILURES = {
    "full": ("PRAGMA max_page_count = 1", "database or disk is full"),  # no page more
    "read-only": ("PRAGMA query_only = 1", "attempt to write a readonly database"),
}
#: New articles for each: enough that their rows need new pages.
NEW_ARTICLES = {"full": 60, "read-only": 1}


@pytest.mark.parametrize("failure", sorted(PLACE_FAILURES))
def test_an_index_that_cannot_be_written_publishes_nothing_and_stays_whole(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    age_ctime(monkeypatch)
    build(settings)
    published = {path: path.read_bytes() for path in settings.output_dir.rglob("*.*ml")}
    new = NEW_ARTICLES[failure]
    for number in range(new):
        (folder / f"1{number:03d}.txt").write_text(
            article(f"新{number}", "2024-03-07T08:00:00+08:00"), encoding="utf-8"
        )
    pragma, reason = PLACE_FAILURES[failure]
    real_connect = index_module._connect

    def failing_connect(location: Path | None, fingerprint: str) -> sqlite3.Connection:
        connection = real_connect(location, fingerprint)
        connection.execute(pragma)
        return connection

    with monkeypatch.context() as patched:
        patched.setattr(index_module, "_connect", failing_connect)
        with pytest.raises(IndexWriteError, match=reason):
            build(settings)
    after = {path: path.read_bytes() for path in settings.output_dir.rglob("*.*ml")}
    assert after == published
    report = build(settings)  # the index was kept as it was: only the new file is read
    assert (report.files_read, report.articles_found) == (new, 6 + new)


@pytest.mark.parametrize("change", sorted(TAMPERING))
def test_a_tampered_cache_never_changes_the_output(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    age_ctime(monkeypatch)
    build(settings)
    expected = (settings.output_dir / "atom.xml").read_bytes()
    _tamper(index_path(settings), TAMPERING[change])
    build(settings)
    assert (settings.output_dir / "atom.xml").read_bytes() == expected


@pytest.mark.parametrize("record", ["not json", "[1, 2]", '["t", 0, [1], null]'])
def test_an_unreadable_record_of_a_file_that_went_is_damage_not_a_crash(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, record: str
) -> None:
    # The rows of a file's categories are found from its stored record when it goes: a
    # record that names none is a damaged index, read again from the files.
    age_ctime(monkeypatch)
    build(settings)
    with sqlite3.connect(index_path(settings)) as db:
        db.execute("UPDATE articles SET record = ?", (record,))
    (folder / "006_a.txt").unlink()
    report = build(settings)
    assert report.complete
    assert (report.articles_found, report.files_read) == (5, 5)
    assert build(settings).files_read == 0  # and the new index works


def test_without_the_cache_nothing_is_kept(
    folder: Path, settings: Settings, private_cache: Path
) -> None:
    build(replace(settings, cache=False))
    assert not index_path(settings).exists()
    assert build(replace(settings, cache=False)).files_read == 6


def test_the_index_lives_in_the_user_cache_never_in_the_web_root(
    folder: Path, settings: Settings, private_cache: Path
) -> None:
    build(settings)
    assert index_path(settings).parent == private_cache
    assert index_path(settings).is_file()
    assert not any(path.name.startswith(".") for path in settings.output_dir.iterdir())


def test_under_systemd_the_index_lives_in_its_cache_directory(
    folder: Path, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CACHE_DIRECTORY", str(tmp_path / "var-cache"))
    build(settings)
    assert index_path(settings).parent == tmp_path / "var-cache"
    assert index_path(settings).is_file()


def test_the_cache_can_live_elsewhere(folder: Path, settings: Settings, tmp_path: Path) -> None:
    elsewhere = replace(settings, cache_dir=tmp_path / "cache")
    build(elsewhere)
    assert {path.suffix for path in (tmp_path / "cache").iterdir()} == {".sqlite", ".holder"}
    assert index_path(elsewhere).exists()


def test_duplicates_and_bad_files_are_reported_as_the_loader_does(
    write_article: WriteArticle, settings: Settings
) -> None:
    write_article("a.txt", article("甲", "2024-01-01", extra="id: same\n"))
    write_article("b.txt", article("乙", "2024-01-02", extra="id: same\n"))
    write_article("c/d.txt", article("丙", "2024-01-03", extra="id: same\n"))
    write_article("c-d.txt", article("丁", "2024-01-04"))
    write_article("broken.txt", "no front matter\n")
    expected = [str(problem) for problem in load_folder(settings).problems]
    for _ in range(2):  # cold, then from the cache
        report = build(settings)
        assert [str(problem) for problem in report.problems] == expected
        assert report.articles_found == len(load_folder(settings).articles)


def test_problems_from_worker_processes_keep_their_details(
    write_article: WriteArticle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "PARALLEL_READ_MIN", 1)
    for number in range(6):
        write_article(f"{number}.txt", article(f"第{number}篇", f"2024-01-0{number + 1}"))
    write_article("bad.txt", article("坏", "not a date"))
    pooled = build(replace(settings, jobs=2))
    alone = build(replace(settings, jobs=1, cache=False))
    assert [str(problem) for problem in pooled.problems] == [
        str(problem) for problem in alone.problems
    ]
    assert pooled.problems[0].line == 7
    assert pooled.problems[0].path == settings.articles_dir / "bad.txt"


def test_same_dates_are_ordered_by_path_as_without_a_cache(
    write_article: WriteArticle, settings: Settings
) -> None:
    for name in ("b.txt", "a/z.txt", "a-b.txt", "c.txt", "a.txt"):
        write_article(name, article(name, "2024-01-01T00:00:00Z"))
    limited = replace(settings, limit=3)
    build(limited)
    assert (limited.output_dir / "atom.xml").read_bytes() == fresh_build(limited)


def test_unreadable_bodies_make_room_for_older_articles(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tasks.make_entry

    def failing(work: tasks.Work, article: Article) -> Entry:
        if "第6篇" in article.title or "第5篇" in article.title:
            raise ArticleError(Path("x"), "cannot read the file")
        return real(work, article)

    monkeypatch.setattr(tasks, "make_entry", failing)
    monkeypatch.setattr(selection, "SPARE", 0)
    report = build(replace(settings, limit=3))
    assert report.entries == 3
    assert len(report.problems) == 2
    feed = (settings.output_dir / "atom.xml").read_text(encoding="utf-8")
    assert ["第4篇" in feed, "第3篇" in feed, "第2篇" in feed] == [True, True, True]


def test_scan_keeps_articles_skips_junk_and_sorts_like_paths(
    articles_dir: Path, write_article: WriteArticle
) -> None:
    names = ["a.txt", "a-b.txt", "a/b.txt", "a/c/d.md", "B.html", ".hidden.txt", "x.txt~"]
    names += [".#lock.txt", "#x.txt#", ".git/config.txt", "deep/.cache/e.txt", "n.jpg"]
    for name in names:
        write_article(name, ARTICLE)
    (articles_dir / "loop").symlink_to(articles_dir)
    (articles_dir / "dangling.txt").symlink_to(articles_dir / "missing")
    patterns = ("*.txt", "*.md", "*.html")
    result = scan(articles_dir, patterns)
    # '/' sorts before every other character, as in PurePosixPath; the loop is walked once.
    expected = ["B.html", "a/b.txt", "a/c/d.md", "a-b.txt", "a.txt", "dangling.txt"]
    assert [item.source for item in result.found] == expected
    assert result.problems == []
    assert discover(articles_dir, patterns) == [articles_dir / name for name in expected]


@hypothesis_settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=folder_operations)
# An article that loses its id to another file leaves the feed documents, though its own
# file did not change; it once went into an archive document instead.
@example(operations=[("duplicate", 0), ("duplicate", 1)])
@example(operations=[("duplicate", 1), ("duplicate", 0)])
def test_a_cached_build_always_equals_a_build_without_cache(
    tmp_path_factory: pytest.TempPathFactory, operations: list[tuple[str, int]]
) -> None:
    root = tmp_path_factory.mktemp("property")
    articles = root / "articles"
    articles.mkdir()
    settings = make_settings(articles, output_dir=root / "public", limit=4)
    for number in range(4):
        (articles / f"{number}.txt").write_text(
            article(f"第{number}篇", f"2024-01-0{number + 1}"), encoding="utf-8"
        )
    build(settings)
    for step, (kind, number) in enumerate(operations):
        path = articles / f"{number}.txt"
        if kind == "add" or (kind in {"edit", "touch"} and not path.exists()):
            path.write_text(article(f"新{step}", f"2024-02-0{number + 1}"), encoding="utf-8")
        elif kind == "edit":
            path.write_text(
                path.read_text(encoding="utf-8").replace("正文", f"正文{step}"), encoding="utf-8"
            )
        elif kind == "touch":
            age(path, step)
        elif kind == "delete":
            path.unlink(missing_ok=True)
        elif kind == "duplicate":
            path.write_text(article("重复", "2024-03-01", extra="id: dup\n"), encoding="utf-8")
        elif kind == "copy":  # the same article under another name (another date: the same)
            path.write_text(article("复制", f"2024-04-0{number + 1}"), encoding="utf-8")
        else:
            path.write_text("---\ntitle: [\n---\n", encoding="utf-8")
        try:
            report = build(settings)
        except NoArticlesError:
            continue
        # The same entries, and the same history: archive boundaries are the index's to
        # keep (a fresh build fills the documents anew), so only the link to them may differ.
        published = (settings.output_dir / "atom.xml").read_bytes()
        assert without_archive_link(published) == without_archive_link(fresh_build(settings))
        fresh = build(replace(settings, output_dir=root / "fresh-output", cache=False))
        assert history(settings) == history(replace(settings, output_dir=root / "fresh-output"))
        assert [str(p) for p in report.problems] == [str(p) for p in fresh.problems]
        assert report.articles_found == fresh.articles_found


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_cold_build_stamps_files_as_it_reads_them_as_stat_would(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    age_ctime(monkeypatch)
    monkeypatch.setattr(tasks, "PARALLEL_READ_MIN", 1)
    cold = build(replace(settings, jobs=jobs))
    assert cold.files_read == 6
    stamped = scan(settings.articles_dir, settings.patterns, stamped_at=time.time_ns()).found
    with sqlite3.connect(index_path(settings)) as db:
        stored = dict(db.execute("SELECT source, stamp FROM articles").fetchall())
    assert stored == {item.source: item.stamp for item in stamped}
    assert UNSTAMPED not in stored.values()
    assert build(settings).files_read == 0


def _indexes(db: sqlite3.Connection) -> set[str]:
    return {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}


def test_a_cold_refresh_builds_every_index_of_the_schema(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A refresh of an empty index builds its secondary indexes once its rows are in.
    age_ctime(monkeypatch)
    monkeypatch.setattr(index_module, "_STORE_BATCH", 2)
    build(settings)
    with sqlite3.connect(":memory:") as fresh:
        fresh.executescript(index_module._SCHEMA)
        schema = _indexes(fresh)
    with sqlite3.connect(index_path(settings)) as db:
        assert _indexes(db) == schema
        plan = db.execute(
            "EXPLAIN QUERY PLAN SELECT source FROM articles WHERE id = 'x'"
        ).fetchall()
    assert "articles_by_id" in str(plan)
    assert build(settings).files_read == 0


@pytest.mark.parametrize(
    ("built_from", "built_when_read"),
    [
        # Built at half, in one go: once the fourth file is read, the first three are
        # stored and the indexes built, before the fifth and sixth are read.
        (0.5, [0, 0, 0, 0, 11, 11]),
        # Built one at a time from the first file to the third, a few after each: the
        # workers read on only as long as the build process takes their results.
        (0.0, [0, 4, 8, 11, 11, 11]),
    ],
    ids=["in-one-go", "one-at-a-time"],
)
def test_a_cold_refresh_builds_its_indexes_while_its_last_files_are_read(
    folder: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    built_from: float,
    built_when_read: list[int],
) -> None:
    # Built once most rows are in, not after the last one: the rows stored after them
    # must be in every index all the same.
    monkeypatch.setattr(index_module, "_STORE_BATCH", 2)
    monkeypatch.setattr(index_module, "_INDEXES_BUILT_FROM", built_from)
    monkeypatch.setattr(index_module, "_INDEXES_BUILT_BY", 0.5)
    assert len(index_module._FILLED_INDEXES) == 11
    index = ArticleIndex.open(index_path(settings), fingerprint(settings))
    changes, counted = _refresh_counting_the_indexes(index, settings)
    index.commit()
    index.close()
    assert counted == built_when_read
    assert len(changes.added) == 6
    with sqlite3.connect(index_path(settings)) as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert _indexes(db) >= {name for name, _ in index_module._FILLED_INDEXES}
        by_id = db.execute("SELECT COUNT(*) FROM articles INDEXED BY articles_by_id").fetchone()
    assert by_id == (6,)


def _refresh_counting_the_indexes(
    index: ArticleIndex, settings: Settings
) -> tuple[Changes, list[int]]:
    """Refresh ``index`` in a pool of one worker; how many of the indexes a cold refresh
    builds were there as each file's outcome came."""
    filled = {name for name, _ in index_module._FILLED_INDEXES}
    counts: list[int] = []
    with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
        read_in_pool = reader(pool)

        def read_counting_the_indexes(
            stale: Sequence[StaleFile],
        ) -> Iterator[Record | SameContent | Draft | ArticleError]:
            for outcome in read_in_pool(stale):
                counts.append(len(_indexes(index._db) & filled))
                yield outcome

        return index.refresh(settings, read_counting_the_indexes), counts


def test_the_rows_read_once_the_indexes_are_built_are_stored_in_small_batches(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The last batch is stored once the last file is read, with the workers done, and each
    # of its rows goes into every index: it is kept small.
    monkeypatch.setattr(index_module, "_STORE_BATCH", 100)
    monkeypatch.setattr(index_module, "_STORE_BATCH_LAST", 2)
    monkeypatch.setattr(index_module, "_INDEXES_BUILT_FROM", 0.5)
    monkeypatch.setattr(index_module, "_INDEXES_BUILT_BY", 0.5)
    stored: list[tuple[int, bool]] = []
    real_store = ArticleIndex._store

    def store_noting(index: ArticleIndex, records: Sequence[Record], indexed: set[str]) -> None:
        filled = {name for name, _ in index_module._FILLED_INDEXES}
        stored.append((len(records), _indexes(index._db) >= filled))
        real_store(index, records, indexed)

    monkeypatch.setattr(ArticleIndex, "_store", store_noting)
    index = ArticleIndex.open(index_path(settings), fingerprint(settings))
    with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
        changes = index.refresh(settings, reader(pool))
    # Six files: three stored without the indexes, then two, then the last one.
    assert stored == [(3, False), (2, True), (1, True)]
    assert len(changes.added) == 6


def test_a_cold_build_marks_every_listing_of_its_articles_to_publish(
    folder: Path, settings: Settings
) -> None:
    # A cold refresh stores every row due and every listing dirty, so the outputs' new
    # fingerprint skips marking them again; nothing may be left out by that.
    index = ArticleIndex.open(index_path(settings), fingerprint(settings))
    with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
        index.refresh(settings, reader(pool))
    index.set_outputs_fingerprint("outputs-1")
    listed = set(index._db.execute("SELECT kind, key FROM dirty").fetchall())
    due = index._db.execute("SELECT COUNT(*) FROM articles WHERE NOT page_due").fetchone()
    index._mark_every_page_due()  # what a build with older rows does
    assert set(index._db.execute("SELECT kind, key FROM dirty").fetchall()) == listed
    assert due == (0,)
    assert ("month", "2024-03") in listed
    index.close()


@pytest.mark.parametrize(
    ("stopped_at", "built_from"),
    [
        # Stored two by two, the indexes built once four are: stopped before, and after;
        (3, 0.5),
        (5, 0.5),
        # built from the first file to the third: stopped with some of them built.
        (2, 0.0),
    ],
)
def test_an_interrupted_cold_refresh_leaves_the_index_as_it_was(
    folder: Path,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    stopped_at: int,
    built_from: float,
) -> None:
    monkeypatch.setattr(index_module, "_STORE_BATCH", 2)
    monkeypatch.setattr(index_module, "_INDEXES_BUILT_FROM", built_from)
    monkeypatch.setattr(index_module, "_INDEXES_BUILT_BY", 0.5)
    location = index_path(settings)
    index = ArticleIndex.open(location, fingerprint(settings))
    with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
        read_in_pool = reader(pool)

        def read_then_stop(
            stale: Sequence[StaleFile],
        ) -> Iterator[Record | SameContent | Draft | ArticleError]:
            for number, outcome in enumerate(read_in_pool(stale)):
                if number == stopped_at:
                    raise KeyboardInterrupt
                yield outcome

        with pytest.raises(KeyboardInterrupt):
            index.refresh(settings, read_then_stop)
    index.close()  # what an interrupted build does: nothing committed
    with sqlite3.connect(location) as db:
        assert _indexes(db) >= {name for name, _ in index_module._FILLED_INDEXES}
        assert db.execute("SELECT COUNT(*) FROM articles").fetchone() == (0,)
    assert build(settings).files_read == 6


@pytest.mark.parametrize(
    ("change", "files_read"),
    [
        ("DROP INDEX articles_by_id", 6),  # one of its indexes missing: started afresh
        # Not one of its own: kept (a first version of the check started afresh each build).
        ("CREATE VIEW titles AS SELECT record FROM articles", 0),
    ],
)
def test_an_index_without_its_indexes_starts_afresh_one_with_more_entries_does_not(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, change: str, files_read: int
) -> None:
    age_ctime(monkeypatch)
    build(settings)
    _tamper(index_path(settings), change)
    assert build(settings).files_read == files_read
    with sqlite3.connect(index_path(settings)) as db:
        assert "articles_by_id" in _indexes(db)
    assert build(settings).files_read == 0


def test_the_same_article_twice_is_found_across_incremental_builds_as_without_a_cache(
    write_article: WriteArticle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    age_ctime(monkeypatch)

    def check(*skipped: str) -> None:
        report = build(settings)
        alone = build(replace(settings, output_dir=settings.output_dir.parent / "x", cache=False))
        assert [str(p) for p in report.problems] == [str(p) for p in alone.problems]
        assert [problem.path.name for problem in report.problems] == list(skipped)
        assert report.articles_found == alone.articles_found

    write_article("b.txt", article("甲", "2024-01-01"))
    write_article("c.txt", article("丙", "2024-01-03"))
    check()
    write_article("d.txt", article("甲", "2024-01-05"))  # b's article again, dated later
    check("d.txt")
    check("d.txt")  # nothing changed: found through the record of shared articles
    write_article("a.txt", article("甲", "2024-01-09"))  # now a comes first by path
    check("b.txt", "d.txt")
    (settings.articles_dir / "a.txt").unlink()
    (settings.articles_dir / "b.txt").unlink()
    check()  # d keeps the article alone
    write_article("c.txt", article("甲", "2024-01-03"))  # c changed into the same article
    check("d.txt")
    write_article("e.txt", article("甲", "2024-01-03", body="<p>另一正文。</p>"))
    check("d.txt")  # the same title, another body: another article


def test_a_file_that_lost_its_id_takes_no_article_from_another(
    write_article: WriteArticle, settings: Settings
) -> None:
    same = "id: 'tag:example.org,2024:same'\n"
    write_article("a.txt", article("甲", "2024-01-01", extra=same))
    write_article("b.txt", article("乙", "2024-01-02", extra=same))  # a's id: left out
    write_article("c.txt", article("乙", "2024-01-03"))  # b's article, but b is left out
    report = build(settings)
    assert [str(problem) for problem in report.problems] == [
        f"{settings.articles_dir}/b.txt: id 'tag:example.org,2024:same' is already used by "
        f"{settings.articles_dir}/a.txt; give one of them its own 'id' in the front matter"
    ]
    assert report.articles_found == 2


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        (ARTICLE, ARTICLE.replace("2022 03:44:48", "2022 05:00:00"), True),  # another date
        (ARTICLE, ARTICLE.replace(" - 金融\n", ""), True),  # other categories
        (ARTICLE, ARTICLE.replace("工信部召开座谈会", "工信部召开座談会"), False),  # title
        (ARTICLE, ARTICLE.replace("座谈会。", "座谈会！"), False),  # body
        (ARTICLE, ARTICLE.replace("\n", "\r\n"), False),  # the body's bytes differ
        (
            ARTICLE.replace("'工信部召开座谈会'", "'Café'"),
            ARTICLE.replace("'工信部召开座谈会'", "'Cafe\u0301'"),
            True,
        ),
    ],
    ids=["date", "categories", "title", "body", "line-ends", "title-nfc"],
)
def test_what_the_same_article_means(
    write_article: WriteArticle, settings: Settings, first: str, second: str, same: bool
) -> None:
    write_article("a.txt", first)
    write_article("b.txt", second)
    report = build(settings)
    assert [problem.path.name for problem in report.problems] == (["b.txt"] if same else [])


@pytest.mark.parametrize("looked_up", [index_module._LOOKED_UP_IDS, 0], ids=["few", "many"])
def test_shared_ids_are_found_across_incremental_builds_as_without_a_cache(
    write_article: WriteArticle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    looked_up: int,
) -> None:
    # Builds after the first look up only the ids that were shared or stored since (or,
    # past _LOOKED_UP_IDS new rows, group them all): each step must report the duplicates a
    # build without a cache reports.
    monkeypatch.setattr(index_module, "_LOOKED_UP_IDS", looked_up)
    age_ctime(monkeypatch)
    same = "id: 'tag:example.org,2024:same'\n"

    def check() -> None:
        report = build(settings)
        alone = build(replace(settings, output_dir=settings.output_dir.parent / "x", cache=False))
        assert [str(p) for p in report.problems] == [str(p) for p in alone.problems]
        assert report.articles_found == alone.articles_found

    write_article("a.txt", article("甲", "2024-01-01", extra=same))
    write_article("c.txt", article("丙", "2024-01-03"))
    check()  # no duplicate
    write_article("b.txt", article("乙", "2024-01-02", extra=same))
    check()  # b shares a's id, stored in this build
    check()  # nothing changed: the pair is found through the record of shared ids
    (settings.articles_dir / "a.txt").unlink()
    check()  # b keeps the id alone
    write_article("c.txt", article("丙", "2024-01-03", extra=same))
    check()  # c changed to share b's id
    write_article("b.txt", article("乙", "2024-01-02"))
    check()  # b changed away from it


@pytest.mark.parametrize("category", [None, "甲"])
def test_every_oldest_first_streams_what_sorting_every_article_gives(
    write_article: WriteArticle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    category: str | None,
) -> None:
    # Chunks of 2 rows, with ties in date across chunk boundaries, a duplicate id excluded
    # and articles outside the category: the archives' first filling relies on this order.
    monkeypatch.setattr(index_module, "_QUERY_BATCH", 2)
    dates = ["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-02", "2024-01-03", "2024-01-01"]
    for number, date in enumerate(dates):
        kind = "甲" if number % 3 else "乙"
        extra = "id: 'tag:example.org,2024:same'\n" if number in {1, 4} else ""
        text = article(f"题{number}", date, extra=extra).replace("金融", kind)
        write_article(f"d{number}/a.txt", text)
    with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
        index = ArticleIndex.open(None, fingerprint(settings))
        index.refresh(settings, reader(pool))
        every = index.newest(0, category=category)
        dated = index.dates(every)  # the order the archives' update path sorts by
        expected = sorted(every, key=lambda source: (dated[source], path_order(source)))
        streamed = [source for source, _ in index.every_oldest_first(category)]
    assert streamed == expected
    assert len(expected) == (3 if category else 5)  # d4 loses its id to d1


@pytest.mark.parametrize("category", [None, "甲"])
def test_a_category_is_read_in_date_order_across_months(
    write_article: WriteArticle,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    category: str | None,
) -> None:
    # A category's rows are keyed by month, then date: every read of them, in chunks or the
    # newest few, must still come in date order, across months and time zones (a UTC
    # evening is the next day, or month, in Shanghai), ties in date in path order.
    monkeypatch.setattr(index_module, "_QUERY_BATCH", 2)
    dates = [
        "2024-02-01T09:00:00+08:00",
        "2024-01-31T20:00:00Z",  # 2024-02-01 04:00 in Shanghai: February
        "2024-01-31T12:00:00+08:00",
        "2023-12-31T23:30:00+08:00",
        "2024-01-31T12:00:00+08:00",
        "2024-03-01T00:00:00+08:00",
        "2023-11-15T08:00:00+08:00",
    ]
    for number, date in enumerate(dates):
        write_article(f"e{number}.txt", article(f"题{number}", date).replace("金融", "甲"))
    with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
        index = ArticleIndex.open(None, fingerprint(settings))
        index.refresh(settings, reader(pool))
        every = index.sources()
        dated = index.dates(every)
        by_date = sorted(every, key=lambda source: (dated[source], path_order(source)))
        streamed = [source for source, _ in index.every_oldest_first(category)]
        newest = [index.newest(count, category=category) for count in range(1, 8)]
    assert streamed == by_date
    assert by_date[-2:] == ["e0.txt", "e5.txt"]
    assert by_date[:2] == ["e6.txt", "e3.txt"]
    newest_first = sorted(every, key=lambda source: (-dated[source], path_order(source)))
    for count, taken in enumerate(newest, start=1):
        assert taken == newest_first[:count]


def test_the_category_rows_follow_their_articles_as_files_change(
    write_article: WriteArticle, settings: Settings, articles_dir: Path
) -> None:
    # No index by source: the rows of a changed or removed article are found from its
    # stored record. After each refresh the table must hold exactly its articles' rows.
    def refresh_and_compare() -> set[tuple[str, str, int, str]]:
        index = ArticleIndex.open(index_path(settings), fingerprint(settings))
        with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
            index.refresh(settings, reader(pool))
        db = index._db
        rows = set(db.execute("SELECT name, month, published, source FROM categories"))
        expected = {
            (name, month, published, source)
            for source, month, published, record in db.execute(
                "SELECT source, month, published, record FROM articles"
            )
            for name in json.loads(record)[2]
        }
        index.commit()
        index.close()
        assert rows == expected
        return rows

    def categorized(title: str, date: str, *names: str) -> str:
        listed = "".join(f" - {name}\n" for name in names)
        return article(title, date).replace(" - 金融\n", listed)

    write_article("a.txt", categorized("甲", "2024-01-31T20:00:00Z", "金融", "工业"))
    write_article("b.txt", categorized("乙", "2024-02-02", "金融"))
    first = refresh_and_compare()
    assert {(name, source) for name, _, _, source in first} == {
        ("金融", "a.txt"),
        ("工业", "a.txt"),
        ("金融", "b.txt"),
    }
    write_article("a.txt", categorized("甲", "2024-03-01", "工业", "汽车"))  # new date, names
    (articles_dir / "b.txt").unlink()
    second = refresh_and_compare()
    assert {(name, month, source) for name, month, _, source in second} == {
        ("工业", "2024-03", "a.txt"),
        ("汽车", "2024-03", "a.txt"),
    }


def test_the_library_versions_are_those_importlib_metadata_gives() -> None:
    # The index reads them from the .dist-info folders' names (importlib.metadata costs a
    # build 25 ms of start-up); a wrong version would keep rows a new library should redo.
    from importlib.metadata import PackageNotFoundError, version  # noqa: PLC0415

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "-"

    expected = {name: installed(name) for name in index_module._LIBRARIES}
    assert index_module._library_versions() == expected


# -- the whitelist on the way out: rows this process did not write ------------------------------


def _stored_index(settings: Settings, location: Path) -> tuple[ArticleIndex, Article, Entry]:
    """An index at ``location`` with one article's entry rendered and stored by it."""
    with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
        index = ArticleIndex.open(location, fingerprint(settings))
        index.refresh(settings, reader(pool))
        stored = index.article(index.sources()[0])
        entry = tasks.make_entry(Work(settings, datetime.now(UTC)), stored)
    index.store_entry(entry)
    index.commit()
    return index, stored, entry


def _count_rechecks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    checked: list[str] = []
    real = sanitize_module.recheck

    def counting(html: str) -> str:
        checked.append(html)
        return real(html)

    monkeypatch.setattr(index_module, "recheck", counting)
    return checked


def test_an_entry_this_process_stored_is_not_whitelisted_again(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    age_ctime(monkeypatch)  # the next open reads no file again: only the rows
    checked = _count_rechecks(monkeypatch)
    index, stored, entry = _stored_index(settings, tmp_path / "index.sqlite")
    assert index.entry(stored) == entry
    assert checked == []  # the sanitizer's own output of this build
    index.close()
    again = ArticleIndex.open(tmp_path / "index.sqlite", fingerprint(settings))
    assert again.refresh(settings, lambda stale: iter(())).files_read == 0
    assert again.entry(again.article(stored.source)) == entry  # read back from the file...
    assert checked == [entry.content]  # ... so through the whitelist
    again.close()


def test_an_entry_changed_behind_the_builds_back_is_whitelisted_again(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A row rewritten while the build runs, with a checksum that fits (it is not a secret):
    its HTML is not what this process stored, so the whitelist sees it."""
    location = tmp_path / "index.sqlite"
    index, stored, _ = _stored_index(settings, location)
    checked = _count_rechecks(monkeypatch)
    with sqlite3.connect(location) as db:
        (payload, digest) = db.execute(
            "SELECT entry, digest FROM articles WHERE source = ?", (stored.source,)
        ).fetchone()
        hostile = payload.replace("正文", "<script>x()</script>正文")
        assert hostile != payload
        db.execute(
            "UPDATE articles SET entry = ?, entry_checksum = ? WHERE source = ?",
            (hostile, index_module._entry_checksum(hostile, bytes(digest)), stored.source),
        )
    found = index.entry(stored)
    assert len(checked) == 1
    assert "<script" in checked[0]
    assert found is None or "<script" not in found.content  # never the script
    index.close()


def test_articles_and_entries_read_in_batches_are_the_ones_read_alone(
    folder: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_module, "_ENTRY_BATCH", 4)
    monkeypatch.setattr(index_module, "_QUERY_BATCH", 4)
    work = Work(settings, datetime.now(UTC))
    with WorkerPool(work, 1) as pool:
        index = ArticleIndex.open(None, fingerprint(settings))
        index.refresh(settings, reader(pool))
    sources = index.sources()
    for source in sources[:4]:  # the others stay without an entry
        index.store_entry(tasks.make_entry(work, index.article(source)))
    asked = [*reversed(sources), sources[0]]  # any order, one twice, across batches
    alone = [index.article(source) for source in asked]
    assert index.articles(asked) == alone
    assert list(index.with_entries(asked)) == [(found, index.entry(found)) for found in alone]
    assert [entry is None for _, entry in index.with_entries(asked)] == [
        source not in sources[:4] for source in asked
    ]
    with pytest.raises(index_module.IndexDamagedError, match="vanished"):
        index.articles([sources[0], "no/such.txt"])
    with pytest.raises(index_module.IndexDamagedError, match="vanished"):
        list(index.with_entries([sources[0], "no/such.txt"]))
    index.close()


def test_a_query_left_half_read_closes_quietly_after_the_index(
    settings: Settings, write_article: WriteArticle
) -> None:
    # An interrupt can leave a batched query's generator suspended in a traceback; it is
    # closed after the index, and closing a cursor of a closed database raised
    # ProgrammingError ("Exception ignored ... Cannot operate on a closed database" on the
    # stderr of an interrupted build, which the 50-interrupt test caught once).
    for number in range(3):
        write_article(f"a{number}.txt", article(f"题{number}", f"2024-01-0{number + 1}"))
    with WorkerPool(Work(settings, datetime.now(UTC)), 1) as pool:
        index = ArticleIndex.open(None, fingerprint(settings))
        index.refresh(settings, reader(pool))
    rows = index._rows_in("SELECT source FROM articles WHERE source IN ({marks})", index.sources())
    assert next(rows)
    index.close()
    rows.close()  # raised sqlite3.ProgrammingError
