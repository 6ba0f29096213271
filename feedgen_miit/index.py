"""The article index: which articles there are, what changed, and what each one is.

One :class:`ArticleIndex` answers every question a build or ``check`` asks about the articles
folder. It holds, per article file: its stat stamp, a hash of its content, the
:class:`~feedgen_miit.model.Article` read from its front matter, the warnings found then, and,
once the article was rendered, its sanitized :class:`~feedgen_miit.model.Entry`.

- :meth:`ArticleIndex.refresh` is the one way in: it scans the folder, has the new and changed
  files read (by a function the caller gives, which may use a process pool), forgets the gone
  ones, finds the files whose entry id an earlier file has, and those that hold the same
  article as an earlier file (the same body and title: :func:`title_key`), and says what
  changed. A file is
  read again when its stamp (size, mtime, ctime, inode) changed, or when it was "racy"
  (changed within a few seconds of being read); then its content hash decides whether it
  really changed. Two files with the same id, or the same article: the first in path order
  keeps it.
- Queries (:meth:`~ArticleIndex.newest`, :meth:`~ArticleIndex.articles`...) never write.
- A build keeps the index in SQLite (standard library, one writer at a time under the output
  lock) beside its output; ``check`` and ``cache = false`` keep it in memory.

When the index cannot be written where it lives (a full disk, a read-only or unreadable
place, an I/O error), that is no damage: the index is kept as it was (SQLite rolls back what
was not committed) and :class:`~feedgen_miit.errors.IndexWriteError` stops the build, which
publishes nothing, in one line.

The index can never change the output: everything the output depends on besides the files
(the settings that shape articles, this package's code, the libraries that parse and
sanitize) is part of a fingerprint, and an index with another fingerprint, another format or
any damage is thrown away and rebuilt without a word. Records read for the feed carry a
checksum, and cached HTML goes through the sanitizer's whitelist again on the way out.
This is the only module that speaks SQL.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import sqlite3
import sys
import time
import unicodedata
from collections.abc import Callable, Collection, Generator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from ._version import __version__
from .errors import ArticleError, ArticleWarning, Draft, IndexWriteError, in_path_order, quoted
from .model import Article, Entry
from .sanitize import recheck
from .scan import Found, path_order, scan
from .settings import Scope, Settings, fingerprinted

log = logging.getLogger(__name__)

#: Bump when the tables or the encoding of a record change.
FORMAT = 12
#: The index older versions kept in the output folder (a build removes it).
OLD_INDEX_NAME = ".feedgen-miit-cache.sqlite"
#: Libraries whose output ends up in a stored record.
_LIBRARIES = ("PyYAML", "python-frontmatter", "beautifulsoup4", "lxml", "nh3", "tzdata")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE articles (
    source TEXT PRIMARY KEY,   -- the file, relative to the articles folder
    stamp INTEGER NOT NULL,    -- scan.Found.stamp when it was read
    verified INTEGER NOT NULL, -- 0: read while racy, check the content next time
    digest BLOB NOT NULL,      -- index.content_digests() of the file's bytes
    published INTEGER NOT NULL,-- microseconds since 1970, UTC
    id TEXT NOT NULL,
    record TEXT NOT NULL,      -- the rest of the Article, JSON
    checksum BLOB NOT NULL,    -- over every column above but stamp/verified
    month TEXT NOT NULL,       -- layout.month_of(published): its archive page
    page TEXT NOT NULL,        -- Article.page (also in the record): where its page is
    picture TEXT,              -- Article.thumbnail (also in the record), counted for site images
    body TEXT NOT NULL,        -- the body's digest (index.content_digests()), in hex
    entry TEXT,                -- the sanitized Entry, JSON; NULL until rendered
    entry_checksum BLOB,       -- over the entry and the file's digest
    entry_cost INTEGER,        -- Entry.cost, for the archives to fill documents
    page_due INTEGER NOT NULL, -- 1: (re)publish its page: new, changed, or the design changed
    page_digest BLOB,          -- of its page as published; NULL: no page is out
    failure TEXT,              -- [reason, line] when its body cannot be used, JSON
    warnings TEXT NOT NULL     -- [[reason, line], ...] found when the file was read, JSON
) WITHOUT ROWID;
-- Each article's categories, for the newest of a category without reading every record.
-- Not checksummed: what it selects is read through the checksummed articles row. The month
-- comes before the date in the key: a category's months (its listing pages) and its articles
-- by date (by month, then date: the month grows with the date, all in the index's time zone)
-- from the one key, where an index of their own cost a cold 100,000 0.2 s and 16 MB. No
-- index by source either (0.17 s and 14 MB): an article's record names its categories, and
-- so the rows of its key (ArticleIndex._categories_rows, _note_leaving).
CREATE TABLE categories (
    name TEXT NOT NULL,
    published INTEGER NOT NULL,
    source TEXT NOT NULL,
    month TEXT NOT NULL,
    PRIMARY KEY (name, month, published, source)
) WITHOUT ROWID;
-- Every file published by the last builds but article pages (articles.page_digest), with a
-- digest of its bytes: a build removes what it no longer produces.
CREATE TABLE published (path TEXT PRIMARY KEY, digest BLOB NOT NULL) WITHOUT ROWID;
-- Listing pages whose articles changed since they were last published: ('month', '2022-06')
-- or ('category', name). Cleared once they are published again.
CREATE TABLE dirty (kind TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (kind, key))
    WITHOUT ROWID;
CREATE INDEX articles_by_month ON articles (month, published);
CREATE INDEX articles_by_picture ON articles (picture) WHERE picture IS NOT NULL;
CREATE INDEX articles_due ON articles (source) WHERE page_due;
CREATE INDEX articles_out ON articles (source) WHERE page_digest IS NOT NULL;
CREATE INDEX articles_failed ON articles (source) WHERE failure IS NOT NULL;
CREATE INDEX articles_unrendered ON articles (source) WHERE entry IS NULL;
-- Where each usable article is in each feed's documents (RFC 5005): page 0 is the
-- subscription document, 1, 2... the archive documents, 1 the oldest. A feed is '' (the
-- main feed) or a category's name. Kept, so that an archive document changes only when one
-- of its articles does (or a newer document is added after it).
CREATE TABLE archive (
    feed TEXT NOT NULL,
    source TEXT NOT NULL,
    page INTEGER NOT NULL,
    cost INTEGER NOT NULL,     -- Entry.cost when it was placed
    PRIMARY KEY (feed, source)
) WITHOUT ROWID;
-- With the cost: a feed's documents and their sizes are read from the index alone (a warm
-- build of 100,000 summed them from the rows, 0.31 s for 6 feeds; from the index, 0.06 s).
CREATE INDEX archive_pages ON archive (feed, page, cost);
CREATE INDEX archive_by_source ON archive (source);
-- Archive documents to write again.
CREATE TABLE archive_dirty (feed TEXT NOT NULL, page INTEGER NOT NULL,
    PRIMARY KEY (feed, page)) WITHOUT ROWID;
CREATE INDEX articles_by_id ON articles (id);
CREATE INDEX articles_by_body ON articles (body);
-- The main feed's newest without sorting every article.
CREATE INDEX articles_by_published ON articles (published);
-- What a refresh reads of every row, without reading the wide rows.
CREATE INDEX articles_stamps ON articles (source, verified, stamp);
CREATE INDEX articles_with_warnings ON articles (source) WHERE warnings != '[]';
"""
_TABLES = frozenset(re.findall(r"^CREATE TABLE (\w+)", _SCHEMA, re.MULTILINE))
#: The secondary indexes of the tables a refresh fills, ``(name, statement)``: a refresh of an
#: empty index drops them and builds them once its rows are in (:meth:`ArticleIndex._filling`).
_FILLED_INDEXES = tuple(
    (found["name"], found[0])
    for found in re.finditer(
        r"^CREATE INDEX (?P<name>\w+) ON (?:articles|categories) [^;]*;", _SCHEMA, re.MULTILINE
    )
)
_INDEXES = frozenset(re.findall(r"^CREATE INDEX (\w+)", _SCHEMA, re.MULTILINE))
#: Values bound in one ``IN (...)`` query (SQLite allows at least 999).
_QUERY_BATCH = 500
#: More ids stored than this in one refresh, and duplicates are found by grouping every id.
_LOOKED_UP_IDS = 10_000
#: Records stored in one statement while files are read. 500 rather than 2,000: a cold
#: 100,000 was faster in sixteen of twenty alternated rounds (paired medians 0.99 and 0.93).
_STORE_BATCH = 500
#: The shares of a refresh's files read when a cold one builds its first index and its last
#: (:func:`_index_builds`); from the first, every refresh stores in batches of
#: :data:`_STORE_BATCH_LAST`.
_INDEXES_BUILT_FROM = 0.8
_INDEXES_BUILT_BY = 0.9
#: Records stored in one statement from the first index built: the last batch waits for the
#: last file, and is stored with the workers done. In every index, a row costs 40-50 µs.
_STORE_BATCH_LAST = 250
#: The columns :meth:`ArticleIndex._article_of` decodes an article from.
_ARTICLE_COLUMNS = "source, digest, published, id, record, checksum, body"
#: Entries read in one query (:meth:`ArticleIndex.with_entries`): each holds a body.
_ENTRY_BATCH = 32
#: Checksums of entries stored by this process that entry() trusts without the whitelist:
#: 9 MB at most (a cold build of 100,000 articles); past it, entries are checked again.
_SANITIZED_HERE_MAX = 100_000
#: A picture shared by fewer articles than this is never taken for the site's own.
SITE_PICTURE_MIN = 3

#: Compact UTF-8 JSON. One encoder for every record: json.dumps() with options builds a new
#: encoder per call, which cost more than the encoding in a cold build.
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: What nearly every record's warnings are (encoding it cost a cold build 1 µs a file).
_NO_WARNINGS = _to_json([])


class IndexDamagedError(Exception):
    """The stored index is damaged; the caller throws it away and starts again."""


#: SQLite's primary result codes that blame the place the index lives, not the index: no
#: permission, busy or locked by another program, out of memory, read-only, I/O error, disk
#: full, cannot open, no large-file support. Any other error (corrupt, not a database, a
#: table missing...) is damage.
_PLACE_FAILURES = frozenset(
    {
        sqlite3.SQLITE_PERM,
        sqlite3.SQLITE_BUSY,
        sqlite3.SQLITE_LOCKED,
        sqlite3.SQLITE_NOMEM,
        sqlite3.SQLITE_READONLY,
        sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL,
        sqlite3.SQLITE_CANTOPEN,
        sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_NOLFS,
    }
)


def _failure(error: Exception, location: Path | None) -> Exception:
    """What ``error``, met using the index at ``location``, means: the place failed
    (:class:`IndexWriteError`, for the user) or the index is damaged (:class:`IndexDamagedError`,
    to throw it away)."""
    if isinstance(error, IndexDamagedError | IndexWriteError):
        return error
    code = getattr(error, "sqlite_errorcode", None)
    if isinstance(error, OSError) or (code is not None and code & 0xFF in _PLACE_FAILURES):
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        where = location if location is not None else "the article index (in memory)"
        return IndexWriteError(
            f"{where}: cannot write the article index ({reason}), so nothing was published; "
            "free some space or fix its permissions, or set cache_dir elsewhere, "
            "or build with --no-cache"
        )
    return IndexDamagedError(str(error))


# -- what a refresh has read, and how ---------------------------------------------------------


class StaleFile(NamedTuple):
    """A file a refresh wants read: new, or changed since it was indexed (or never stamped)."""

    source: str  #: relative to the articles folder, '/'-separated
    stamp: int  #: its stamp from the scan; :data:`~feedgen_miit.scan.UNSTAMPED` if not stat'ed
    racy: bool  #: changed so recently that its stamp proves nothing
    digest: bytes | None  #: the content hash of the version indexed, if any


class Record(NamedTuple):
    """A freshly read article in the form the index stores (made where it was read, so that
    only strings and numbers cross from a worker process: see :func:`record_of`)."""

    source: str
    stamp: int
    verified: bool
    digest: bytes
    published: int
    id: str
    record: str
    checksum: bytes
    month: str
    page: str
    picture: str | None
    body: str  #: the body's digest (:func:`content_digests`), in hex
    categories: tuple[str, ...]  #: not a column of ``articles``: stored in ``categories``
    warnings: str  #: JSON ``[[reason, line], ...]``: shown by every build, not only the first

    def __reduce__(self) -> tuple[Any, ...]:
        # Unpickled by tuple.__new__ itself, not through the namedtuple's __new__, a Python
        # function: the build process unpickles every record of a cold build.
        return tuple.__new__, (Record, tuple(self))


class SameContent(NamedTuple):
    """A stale file that holds the same bytes as when it was indexed: only its stamp is new."""

    stamp: int
    verified: bool


#: ``read(stale)``: each stale file's record, :class:`SameContent`, a :class:`Draft` (left out,
#: not an error), or the error that keeps it out, in order (the caller decides how: in this
#: process or a pool).
ReadFiles = Callable[[Sequence[StaleFile]], Iterable[Record | SameContent | Draft | ArticleError]]


@dataclass(frozen=True, slots=True)
class Changes:
    """What a refresh found: the folder's changes since the last one, and its problems."""

    added: tuple[str, ...]  #: usable articles not indexed before
    changed: tuple[str, ...]  #: usable articles whose content changed
    removed: tuple[str, ...]  #: articles indexed before, now gone or no longer usable
    files_read: int  #: files read (new, changed or touched); the others were trusted
    #: Every file or folder that gives no usable article now (unreadable, bad front matter,
    #: another file's id...), in path order.
    problems: tuple[ArticleError, ...]
    articles: int  #: usable articles after the refresh
    #: Files marked ``published: false``, in path order. They are not indexed (so they are
    #: read again by every refresh, a few files at most): left out like a bad file, but not
    #: a problem.
    drafts: tuple[Draft, ...] = ()


@dataclass(frozen=True, slots=True)
class Listings:
    """How many usable articles each listing page holds."""

    months: dict[str, int]  #: month (``2022-06``) -> articles
    categories: dict[str, dict[str, int]]  #: category -> month -> articles

    def category_size(self, name: str) -> int:
        """How many articles the category ``name`` has."""
        return sum(self.categories.get(name, {}).values())


@dataclass(frozen=True, slots=True)
class Dirty:
    """Listing pages to publish again: their articles changed since they were published."""

    months: frozenset[str]
    categories: frozenset[str]
    category_months: frozenset[tuple[str, str]]

    def __bool__(self) -> bool:
        return bool(self.months or self.categories or self.category_months)


#: The front matter's opening line, as bytes (a byte-order mark and blank lines may come
#: first, lines may end in CRLF), and a line that closes it. Text in another encoding (UTF-16,
#: say) matches neither: its body is the whole file.
_OPENING = re.compile(rb"(?:\xef\xbb\xbf)?(?:[ \t\f\v]*\r?\n)*-{3,}[ \t]*\r?\n")
_CLOSING = re.compile(rb"-{3,}[ \t]*\r?(?:\n|\Z)")


def _body_start(data: bytes) -> int:
    """Where the body of the article file ``data`` starts: after the front matter's closing
    line; 0 without one. (``bytes.find`` then a match: a regex searching line by line took
    longer than hashing the file.)"""
    if data.startswith(b"\n---\n"):  # how nearly every scraped file starts
        at = 4
    else:
        opening = _OPENING.match(data)
        if opening is None:
            return 0
        at = opening.end() - 1  # the opening line's newline: the closing line may come next
    while (at := data.find(b"\n---", at)) >= 0:
        if data[at + 4 : at + 5] == b"\n":  # nearly every closing line: no regex needed
            return at + 5
        closing = _CLOSING.match(data, at + 1)
        if closing is not None:
            return closing.end()
        at += 4
    return 0


def content_digests(data: bytes) -> tuple[bytes, bytes]:
    """The content hash the index compares when a file's stamp changed, and the hash of the
    file's body alone (the bytes after the front matter), for :func:`title_key`.

    SHA-256 (cut to 16 bytes) because CPUs compute it in hardware: under half the time of
    BLAKE2b for an article, and every file of a cold build is hashed. The body is hashed
    once: the file's hash is that of its front matter and of the body's hash, so knowing the
    same article under two names costs a cold build no second pass over every body.
    """
    cut = _body_start(data)
    view = memoryview(data)
    body = hashlib.sha256(view[cut:]).digest()[:16]
    whole = hashlib.sha256(view[:cut])
    whole.update(body)
    return whole.digest()[:16], body


def title_key(title: str) -> str:
    """What two files whose bodies are the same bytes (:func:`content_digests`) must share
    to hold the same article, one page scraped twice under two names: the title.

    The titles are compared in NFC (a title typed on a Mac and one typed elsewhere are the
    same). The bodies are compared raw, not cleaned: their digest is made for every file as
    it is read, for nothing (cleaning a body costs a millisecond), and a page scraped twice
    gives the same bytes. A body that differs in anything, a correction or another encoding,
    is another article; so is another title over the same body. Other front matter (the
    date, the categories) may differ.
    """
    return unicodedata.normalize("NFC", title)


def record_of(
    article: Article,
    *,
    month: str,
    stamp: int,
    verified: bool,
    digest: bytes,
    body_digest: bytes,
    warnings: Sequence[ArticleWarning] = (),
) -> Record:
    """Encode ``article`` (read from a file whose bytes hash to ``digest``, its body to
    ``body_digest``: see :func:`content_digests`) for storing.

    Called where the file was read: a :class:`Record` pickles in 3 µs where an
    :class:`Article` takes 21 µs, and encoding it costs 10 µs; a cold build of 100,000
    files would spend 3 s of its one storing process on both.
    """
    published = micros(article.published)
    record = _to_json(
        [
            article.title,
            micros(article.updated),
            list(article.categories),
            article.author,
            article.thumbnail,
            article.link,
            article.page,
            article.excerpt,
        ]
    )
    source = article.source
    body = body_digest.hex()
    return Record(
        source=source,
        stamp=stamp,
        verified=verified,
        digest=digest,
        published=published,
        id=article.id,
        record=record,
        checksum=_checksum(source, digest, published, article.id, record, body=body),
        month=month,
        page=article.page,
        picture=article.thumbnail,
        body=body,
        categories=article.categories,
        warnings=_to_json([[warning.reason, warning.line] for warning in warnings])
        if warnings
        else _NO_WARNINGS,
    )


def micros(moment: datetime) -> int:
    """An aware datetime as whole microseconds since 1970 (exact, unlike a float timestamp)."""
    since = moment - _EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def from_micros(value: int) -> datetime:
    """The inverse of :func:`micros`, in UTC."""
    return _EPOCH + timedelta(microseconds=value)


# -- the index ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Stored:
    """The sources one refresh stored, in order, and while they are few (at most
    :data:`_LOOKED_UP_IDS`) their ids and body digests, to look duplicates up by: past that,
    every value is grouped in SQLite anyway, and the pairs of a cold 100,000 took 27 MB."""

    sources: list[str] = field(default_factory=list)
    values: dict[str, tuple[str, str]] | None = field(default_factory=dict)

    def add(self, source: str, entry_id: str, body: str) -> None:
        self.sources.append(source)
        if self.values is not None and len(self.values) >= _LOOKED_UP_IDS:
            self.values = None
        if self.values is not None:
            self.values[source] = (entry_id, body)


class ArticleIndex:
    """The articles of one folder, stored in SQLite (``location``) or in memory (``None``)."""

    def __init__(self, connection: sqlite3.Connection, location: Path | None) -> None:
        self._db = connection
        self.location = location
        self._root = Path()
        #: Indexed files that give no usable article, with why: another file has their id, or
        #: their body cannot be used. Left out of every query. Set by refresh().
        self._excluded: dict[str, ArticleError] = {}
        #: Whether every article row was stored by this refresh (the index had none before):
        #: then each is due and its listings are dirty already. Set by refresh().
        self._every_row_new = False
        #: The page of each article about to change or go, as it was (see _note_leaving).
        self._old_pages: dict[str, str] = {}
        #: Articles that changed, went, or turned out unusable since the index was opened.
        self._touched: set[str] = set()
        #: The checksums of the entries this process stored (store_entry), at most
        #: _SANITIZED_HERE_MAX of them: their HTML is the sanitizer's output of this very
        #: build, so entry() need not pass it through the whitelist again (see there).
        self._sanitized_here: set[bytes] = set()

    @classmethod
    def open(cls, location: Path | None, fingerprint: str) -> ArticleIndex:
        """Open (or create) the index at ``location`` (``None``: in memory) for
        ``fingerprint``; one that is damaged or was made for another starts afresh.

        Raises :class:`IndexWriteError` when it cannot be written there.
        """
        for attempt in (1, 2):
            try:
                return cls(_connect(location, fingerprint), location)
            except (sqlite3.Error, IndexDamagedError, OSError) as error:
                failure = _failure(error, location)
                if isinstance(failure, IndexWriteError):
                    raise failure from None
                if attempt == 2 or location is None:  # damaged as soon as made: not ours
                    reason = OSError(0, f"cannot make an index here: {error}")
                    raise _failure(reason, location) from None
                log.info("%s: index unusable (%s); rebuilding it", location, error)
                _delete(location)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the one way in --------------------------------------------------------------------------

    def refresh(self, settings: Settings, read: ReadFiles) -> Changes:
        """Bring the index up to date with the article files of ``settings`` (under
        ``articles_dir``, matching ``patterns``, reached through a link that leads outside
        the folder only if ``follow_outside_links``).

        New and changed files are handed to ``read``; gone ones are forgotten, and so are
        files that can no longer be used. Raises :class:`IndexDamagedError` if the stored
        index turns out damaged (nothing is committed: the caller starts again without it).
        """
        root, patterns = settings.articles_dir, settings.patterns
        outside_links = settings.follow_outside_links
        self._root = root
        with self._guard():
            trusted = self._trusted_stamps()
        self._every_row_new = not trusted
        if not trusted:  # every file is read, and stamped as it is read: no stat() of its own
            scanned = scan(root, patterns, outside_links=outside_links)
        else:
            scanned = scan(
                root,
                patterns,
                stamped_at=time.time_ns(),
                known=trusted,
                outside_links=outside_links,
            )
        found = scanned.found
        with self._guard():
            removed = self._forget_gone(trusted, found, scanned.unchanged)
            # A racy row's None, and UNSTAMPED (0, never a stamp), equal no stamp.
            stale = [
                StaleFile(
                    *item, digest=self._digest(item.source) if item.source in trusted else None
                )
                for item in found
                if trusted.get(item.source) != item.stamp
            ]
        log.debug(
            "%d article files, %d new or changed", len(found) + len(scanned.unchanged), len(stale)
        )
        stored, failed, drafts = self._store_read(stale, read, trusted)
        # A file that became a draft leaves the index (and every output) as a bad one does.
        removed += (source for source in [*failed, *drafts] if source in trusted)
        with self._guard():
            self._forget([*failed, *drafts])
            self._excluded = self._failures()
            duplicates = self._duplicates(root, stored.values)
            self._excluded.update(duplicates)
            self._note_duplicates_changed(duplicates)
            (total,) = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()
            if stored.sources or removed or self._meta("site_pictures") is None:
                self._count_site_pictures()
        problems = in_path_order([*scanned.problems, *failed.values(), *self._excluded.values()])
        return Changes(
            added=tuple(source for source in stored.sources if source not in trusted),
            changed=tuple(source for source in stored.sources if source in trusted),
            removed=tuple(sorted(removed, key=path_order)),
            files_read=len(stale),
            problems=problems,
            articles=total - len(self._excluded),
            drafts=tuple(drafts[source] for source in sorted(drafts, key=path_order)),
        )

    def _store_read(
        self, stale: list[StaleFile], read: ReadFiles, indexed: Collection[str]
    ) -> tuple[_Stored, dict[str, ArticleError], dict[str, Draft]]:
        """Read ``stale`` with ``read`` and store what it gives; return what was stored
        anew, the errors of those that failed, and the drafts."""
        stored = _Stored()
        failed: dict[str, ArticleError] = {}
        drafts: dict[str, Draft] = {}
        batch: list[Record] = []
        batch_size = _STORE_BATCH
        builds = _index_builds(len(stale))
        with self._guard(), self._filling(empty=not indexed) as build_next_index:
            for position, (item, outcome) in enumerate(zip(stale, read(stale), strict=True)):
                if builds and position == builds[-1]:
                    self._store(batch, indexed)
                    batch.clear()
                    while builds and position == builds[-1]:
                        builds.pop()
                        build_next_index()
                    batch_size = _STORE_BATCH_LAST
                if isinstance(outcome, Record):
                    batch.append(outcome)
                    stored.add(item.source, outcome.id, outcome.body)
                    if len(batch) >= batch_size:
                        self._store(batch, indexed)
                        batch.clear()
                elif isinstance(outcome, SameContent):  # the file was only touched
                    self._db.execute(
                        "UPDATE articles SET stamp = ?, verified = ? WHERE source = ?",
                        (outcome.stamp, int(outcome.verified), item.source),
                    )
                elif isinstance(outcome, Draft):
                    drafts[item.source] = outcome
                else:
                    failed[item.source] = outcome
            self._store(batch, indexed)
        return stored, failed, drafts

    # -- queries: they never write ---------------------------------------------------------------

    def categories(self) -> list[str]:
        """Every category name of the indexed articles, sorted."""
        # One index step per name, not one row per article and category.
        return self._distinct("name", "categories")

    def newest(self, count: int, *, category: str | None = None) -> list[str]:
        """The sources of the ``count`` newest usable articles (0: all), newest first.

        With ``category``, only that category's articles. Ties in date go to the first file
        in path order.
        """
        exclude = self._excluded
        if category is None:
            query = "SELECT published, source, '' FROM articles ORDER BY published DESC"
            tie = "SELECT published, source, '' FROM articles WHERE published = :published"
        else:  # in the categories' key order (see the schema)
            query = (
                "SELECT published, source, month FROM categories WHERE name = :name "
                "ORDER BY month DESC, published DESC"
            )
            tie = (
                "SELECT published, source, month FROM categories "
                "WHERE name = :name AND month = :month AND published = :published"
            )
        place = {"name": category, "limit": count + len(exclude)}
        with self._guard():
            if count:
                rows = self._db.execute(f"{query} LIMIT :limit", place).fetchall()
                if rows:  # every article as old as the oldest taken competes for the last places
                    place["published"], _, place["month"] = rows[-1]
                    rows += self._db.execute(tie, place).fetchall()
            else:
                rows = self._db.execute(query, place).fetchall()
        ordered = sorted(set(rows), key=lambda row: (-row[0], path_order(row[1])))
        sources = [source for _, source, _ in ordered if source not in exclude]
        return sources[:count] if count else sources

    def every_oldest_first(self, category: str | None = None) -> Iterator[tuple[str, int]]:
        """``(source, Entry.cost)`` of every usable article (of ``category``), oldest first,
        ties in path order; 0 for an entry not stored. Read a chunk at a time: a feed's first
        archiving at 100,000 articles held every source, date and cost at once (30 MB)."""
        exclude = self._excluded
        if category is None:
            rows_of = "SELECT published, source, entry_cost, '' FROM articles WHERE"
            after_the = "published > :published ORDER BY published"
            at_the = "published = :published"
        else:  # in the categories' key order (see the schema)
            rows_of = (
                "SELECT c.published, c.source, a.entry_cost, c.month FROM categories AS c "
                "JOIN articles AS a ON a.source = c.source WHERE c.name = :name AND"
            )
            after_the = (
                "(c.month, c.published) > (:month, :published) ORDER BY c.month, c.published"
            )
            at_the = "c.month = :month AND c.published = :published"
        # Before every date (none is before 1970), then after the last one read.
        place = {"name": category, "published": -1, "month": "", "limit": _QUERY_BATCH}
        while True:
            with self._guard():
                rows = self._db.execute(f"{rows_of} {after_the} LIMIT :limit", place).fetchall()
                if not rows:
                    return
                # All of the last date: a chunk never splits a tie.
                place["published"], place["month"] = rows[-1][0], rows[-1][3]
                rows = [row for row in rows if row[0] != place["published"]]
                rows += self._db.execute(f"{rows_of} {at_the}", place).fetchall()
            rows.sort(key=lambda row: (row[0], path_order(row[1])))
            for _, source, cost, _ in rows:
                if source not in exclude:
                    yield source, cost or 0

    def article_count(self) -> int:
        """How many usable articles there are."""
        with self._guard():
            (total,) = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()
        return int(total) - len(self._excluded)

    def sources(self) -> list[str]:
        """Every usable article's source, in path order."""
        with self._guard():
            rows = self._db.execute("SELECT source FROM articles").fetchall()
        return sorted(
            (source for (source,) in rows if source not in self._excluded), key=path_order
        )

    def article(self, source: str) -> Article:
        """The indexed :class:`Article` of ``source``."""
        with self._guard():
            found = self._db.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE source = ?",  # noqa: S608
                (source,),
            ).fetchone()
        if found is None:
            raise IndexDamagedError(f"row {quoted(source)} vanished")
        return self._article_of(found)

    def articles(self, sources: Sequence[str]) -> list[Article]:
        """The :meth:`article` of each of ``sources``, in order, in a query per
        :data:`_QUERY_BATCH` of them: a listing page asked for each of its articles alone."""
        query = f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE source IN ({{marks}})"  # noqa: S608
        with self._guard():
            found = {row[0]: row for row in self._rows_in(query, sources)}
        return [self._article_of(self._found(found, source)) for source in sources]

    def entry(self, article: Article) -> Entry | None:
        """The stored sanitized entry of ``article``, if it was rendered before."""
        source = article.source
        with self._guard():
            found = self._db.execute(
                "SELECT entry, entry_checksum, digest FROM articles WHERE source = ?", (source,)
            ).fetchone()
        if found is None:
            return None
        return self._entry_of(article, *found)

    def with_entries(self, sources: Sequence[str]) -> Iterator[tuple[Article, Entry | None]]:
        """The article (:meth:`article`) of each of ``sources`` and its stored entry
        (:meth:`entry`), in order: both from one query per :data:`_ENTRY_BATCH` of them (the
        pages and archive documents asked twice for each article). A few at a time: each
        holds a body."""
        query = (
            f"SELECT {_ARTICLE_COLUMNS}, entry, entry_checksum FROM articles "  # noqa: S608
            "WHERE source IN ({marks})"
        )
        for start in range(0, len(sources), _ENTRY_BATCH):
            batch = sources[start : start + _ENTRY_BATCH]
            with self._guard():
                found = {row[0]: row for row in self._rows_in(query, batch)}
            for source in batch:
                row = self._found(found, source)
                article = self._article_of(row)
                yield article, self._entry_of(article, row[7], row[8], row[1])

    @staticmethod
    def _found(rows: Mapping[str, Any], source: str) -> Any:
        """The row of ``source`` among ``rows``; the index is damaged if there is none."""
        try:
            return rows[source]
        except KeyError:
            raise IndexDamagedError(f"row {quoted(source)} vanished") from None

    def _article_of(self, row: Sequence[Any]) -> Article:
        """The :class:`Article` of an ``articles`` row (:data:`_ARTICLE_COLUMNS` first),
        checked."""
        source, digest, published, entry_id, record, checksum, body = row[:7]
        if checksum != _checksum(source, bytes(digest), published, entry_id, record, body=body):
            raise IndexDamagedError(f"row {quoted(source)} fails its checksum")
        try:
            title, updated, categories, author, thumbnail, link, page, excerpt = json.loads(record)
            return Article(
                path=self._root / source,
                source=source,
                id=entry_id,
                page=page,
                title=title,
                published=from_micros(published),
                updated=from_micros(updated),
                categories=tuple(categories),
                author=author,
                thumbnail=thumbnail,
                link=link,
                excerpt=excerpt,
            )
        except (ValueError, TypeError, OverflowError) as error:
            raise IndexDamagedError(f"row {quoted(source)} cannot be decoded: {error}") from error

    def _entry_of(
        self, article: Article, payload: str | None, checksum: bytes | None, digest: bytes
    ) -> Entry | None:
        """The :class:`Entry` of ``article`` from its row's ``entry``, ``entry_checksum`` and
        ``digest`` columns, checked; ``None`` if there is none (or it is not usable as is)."""
        if payload is None:
            return None
        source = article.source
        if checksum != _entry_checksum(payload, bytes(digest)):
            raise IndexDamagedError(f"entry {quoted(source)} fails its checksum")
        try:
            content, summary, thumbnail, contributor, cost, excerpt, images, dropped = json.loads(
                payload
            )
            images = tuple(images)
            # HTML read from the file goes through the whitelist again: the file may have been
            # changed behind our back. Not the HTML this process sanitized and stored: a row
            # whose checksum is one store_entry() computed holds that very payload (another
            # would take a second preimage of a 128-bit BLAKE2b), and the sanitizer's output
            # comes back from the whitelist unchanged (a property test holds it). A cold
            # build loaded each entry ~5 times: 0.5 s of nh3 for 1,000 articles.
            safe = content if checksum in self._sanitized_here else recheck(content)
        except (ValueError, TypeError) as error:
            raise IndexDamagedError(f"entry {quoted(source)} cannot be decoded: {error}") from error
        if safe != content:
            log.debug("%s: stored entry changed by the sanitizer; rendering it again", source)
            return None
        return Entry(
            article=article,
            content=safe,
            summary=summary,
            thumbnail=thumbnail,
            contributor=contributor,
            cost=int(cost),
            excerpt=excerpt,
            images=images,
            dropped_picture=dropped,
        )

    def warnings(self) -> list[ArticleWarning]:
        """The warnings found when each usable article was read, in path order."""
        with self._guard():
            rows = self._db.execute(
                "SELECT source, warnings FROM articles WHERE warnings != '[]'"
            ).fetchall()
        found: list[ArticleWarning] = []
        for source, encoded in sorted(rows, key=lambda row: path_order(row[0])):
            if source in self._excluded:
                continue
            try:
                found.extend(
                    ArticleWarning(self._root / source, reason, line)
                    for reason, line in json.loads(encoded)
                )
            except (ValueError, TypeError) as error:
                raise IndexDamagedError(
                    f"warnings of {quoted(source)} cannot be decoded: {error}"
                ) from error
        return found

    def gone_pages(self) -> list[str]:
        """The pages of articles that went, moved, or can no longer be used, since the index
        was opened: no usable article has them now."""
        old = sorted(set(self._old_pages.values()))
        kept: set[str] = set()
        with self._guard():
            kept.update(
                page
                for source, page in self._rows_in(
                    "SELECT source, page FROM articles WHERE page IN ({marks})", old
                )
                if source not in self._excluded
            )
        return [page for page in old if page not in kept]

    def site_pictures(self) -> frozenset[str]:
        """Pictures that stand for the site, not an article (see :meth:`refresh`)."""
        with self._guard():
            found = self._meta("site_pictures")
        try:
            return frozenset(json.loads(found or "[]"))
        except (ValueError, TypeError) as error:
            raise IndexDamagedError(f"site pictures cannot be decoded: {error}") from error

    def due_pages(self) -> list[str]:
        """The usable articles whose page is to be published: new, changed, or the outputs'
        design changed since it went out."""
        with self._guard():
            rows = self._db.execute("SELECT source FROM articles WHERE page_due").fetchall()
        return sorted(
            (source for (source,) in rows if source not in self._excluded), key=path_order
        )

    def listings(self) -> Listings:
        """How many usable articles each month and each category (by month) has."""
        with self._guard():
            months = dict(self._db.execute("SELECT month, COUNT(*) FROM articles GROUP BY month"))
            by_category: dict[str, dict[str, int]] = {}
            for name, month, count in self._db.execute(
                "SELECT name, month, COUNT(*) FROM categories GROUP BY name, month"
            ):
                by_category.setdefault(name, {})[month] = count
            # The few excluded articles were counted too: take them out again.
            excluded = sorted(self._excluded)
            for start in range(0, len(excluded), _QUERY_BATCH):
                batch = excluded[start : start + _QUERY_BATCH]
                marks = ",".join("?" * len(batch))
                for (month,) in self._db.execute(
                    f"SELECT month FROM articles WHERE source IN ({marks})",  # noqa: S608
                    batch,
                ):
                    months[month] -= 1
                for name, month, _, _ in self._categories_rows(batch):
                    by_category[name][month] -= 1
        return Listings(
            months={month: count for month, count in months.items() if count},
            categories={
                name: counts
                for name, counts in (
                    (name, {m: c for m, c in counts.items() if c})
                    for name, counts in by_category.items()
                )
                if counts
            },
        )

    def in_month(self, month: str, category: str | None = None) -> list[str]:
        """The sources of the articles of ``month`` (and ``category``), newest first."""
        if category is None:
            query = "SELECT published, source FROM articles WHERE month = ?"
            arguments: tuple[str, ...] = (month,)
        else:
            query = "SELECT published, source FROM categories WHERE name = ? AND month = ?"
            arguments = (category, month)
        with self._guard():
            rows = self._db.execute(query, arguments).fetchall()
        ordered = sorted(rows, key=lambda row: (-row[0], path_order(row[1])))
        return [source for _, source in ordered if source not in self._excluded]

    def dirty(self) -> Dirty:
        """The listing pages whose articles changed since they were last published."""
        with self._guard():
            rows = self._db.execute("SELECT kind, key FROM dirty").fetchall()
        pairs = (key.split("\0", 1) for kind, key in rows if kind == "category-month")
        return Dirty(
            months=frozenset(key for kind, key in rows if kind == "month"),
            categories=frozenset(key for kind, key in rows if kind == "category"),
            category_months=frozenset((name, month) for name, month in pairs),
        )

    def published(self) -> dict[str, bytes]:
        """Every file the last builds published but article pages, with its bytes' digest."""
        with self._guard():
            rows = self._db.execute("SELECT path, digest FROM published").fetchall()
        return {path: bytes(digest) for path, digest in rows}

    def outputs_fingerprint(self) -> str | None:
        """What the published outputs were made with (:meth:`set_outputs_fingerprint`)."""
        with self._guard():
            return self._meta("outputs")

    # -- the feeds' documents (RFC 5005 archives) -------------------------------------------------

    def touched(self) -> frozenset[str]:
        """The articles that changed, went, or turned out unusable since the index was opened
        (new ones are :attr:`Changes.added`)."""
        return frozenset(self._touched)

    def placements(self, feed: str, sources: Sequence[str]) -> dict[str, tuple[int, int]]:
        """``source -> (page, cost)`` of those of ``sources`` placed in ``feed``'s documents."""
        with self._guard():
            return {
                source: (page, cost)
                for source, page, cost in self._rows_in(
                    "SELECT source, page, cost FROM archive WHERE feed = ? AND source IN ({marks})",
                    sources,
                    feed,
                )
            }

    def on_page(self, feed: str, page: int) -> list[str]:
        """The sources placed on ``page`` of ``feed`` (0: the subscription document), newest
        first, ties in path order."""
        with self._guard():
            rows = self._db.execute(
                "SELECT a.published, a.source FROM archive AS p JOIN articles AS a "
                "ON a.source = p.source WHERE p.feed = ? AND p.page = ?",
                (feed, page),
            ).fetchall()
        ordered = sorted(rows, key=lambda row: (-row[0], path_order(row[1])))
        return [source for _, source in ordered]

    def newest_archive(self, feed: str) -> int:
        """The number of ``feed``'s newest archive document (page 1 the oldest); 0: none."""
        with self._guard():
            (newest,) = self._db.execute(
                "SELECT MAX(page) FROM archive WHERE feed = ?", (feed,)
            ).fetchone()
        return newest or 0

    def archive_costs(self, feed: str, pages: Collection[int]) -> dict[int, int]:
        """``page -> cost`` of those of ``feed``'s archive documents ``pages`` that hold
        articles. Only the pages asked for: summing every page of a feed of 100,000 articles
        took a nightly build 0.06-0.14 s, for the one or two pages it changes."""
        wanted = sorted(page for page in pages if page > 0)
        with self._guard():
            return dict(
                self._rows_in(
                    "SELECT page, SUM(cost) FROM archive "
                    "WHERE feed = ? AND page IN ({marks}) GROUP BY page",
                    wanted,
                    feed,
                )
            )

    def archive_feeds(self) -> list[str]:
        """Every feed with documents placed ('' is the main feed)."""
        # One index step per feed, not one per placement: a DISTINCT read every placement
        # of 100,000 articles, 25 ms a call.
        return self._distinct("feed", "archive")

    def archive_dirty(self) -> dict[str, set[int]]:
        """The archive documents to write again, by feed."""
        dirty: dict[str, set[int]] = {}
        with self._guard():
            for feed, page in self._db.execute("SELECT feed, page FROM archive_dirty"):
                dirty.setdefault(feed, set()).add(page)
        return dirty

    def unrendered(self) -> list[str]:
        """The usable articles whose body has not been sanitized yet, in path order."""
        with self._guard():
            rows = self._db.execute("SELECT source FROM articles WHERE entry IS NULL").fetchall()
        return sorted(
            (source for (source,) in rows if source not in self._excluded), key=path_order
        )

    def sources_among(self, sources: Sequence[str]) -> list[str]:
        """Those of ``sources`` that are usable articles now."""
        return [s for s in self.dates(sources) if s not in self._excluded]

    def categories_of(self, sources: Sequence[str]) -> dict[str, list[str]]:
        """``source -> its categories`` of those of ``sources`` that have any, read without
        reading their whole articles."""
        found: dict[str, list[str]] = {}
        with self._guard():
            for name, _, _, source in self._categories_rows(sources):
                found.setdefault(source, []).append(name)
        return found

    def dates(self, sources: Sequence[str]) -> dict[str, int]:
        """``source -> published`` (microseconds) of those of ``sources`` that are indexed."""
        with self._guard():
            return dict(
                self._rows_in(
                    "SELECT source, published FROM articles WHERE source IN ({marks})", sources
                )
            )

    def costs(self, sources: Sequence[str]) -> dict[str, int]:
        """``source -> Entry.cost`` of the articles whose entry is stored."""
        with self._guard():
            return dict(
                self._rows_in(
                    "SELECT source, entry_cost FROM articles "
                    "WHERE entry_cost IS NOT NULL AND source IN ({marks})",
                    sources,
                )
            )

    def place(self, feed: str, source: str, page: int, cost: int) -> None:
        """Put ``source`` on ``page`` of ``feed`` (0: its subscription document); the archive
        documents it leaves and joins are to be written again."""
        with self._guard():
            self._db.execute(
                "INSERT OR IGNORE INTO archive_dirty SELECT feed, page FROM archive "
                "WHERE feed = ? AND source = ? AND page > 0",
                (feed, source),
            )
            self._db.execute(
                "INSERT OR REPLACE INTO archive VALUES (?, ?, ?, ?)", (feed, source, page, cost)
            )
            if page > 0:
                self._db.execute("INSERT OR IGNORE INTO archive_dirty VALUES (?, ?)", (feed, page))

    def unplace(self, feed: str, source: str) -> None:
        """Take ``source`` out of ``feed``'s documents (its archive document is written again)."""
        with self._guard():
            self._db.execute(
                "INSERT OR IGNORE INTO archive_dirty SELECT feed, page FROM archive "
                "WHERE feed = ? AND source = ? AND page > 0",
                (feed, source),
            )
            self._db.execute("DELETE FROM archive WHERE feed = ? AND source = ?", (feed, source))

    def mark_archive_dirty(self, feed: str, page: int) -> None:
        """Have archive document ``page`` of ``feed`` written again (its links changed)."""
        with self._guard():
            self._db.execute("INSERT OR IGNORE INTO archive_dirty VALUES (?, ?)", (feed, page))

    def fill_archives_against(self, key: str) -> None:
        """Note what the documents are filled against (the byte budget, the addresses entries
        cost); when it changed, forget every placement: the documents are made afresh."""
        with self._guard():
            if self._meta("archives") != key:
                self._db.execute("DELETE FROM archive")
                self._db.execute("DELETE FROM archive_dirty")
                self._set_meta("archives", key)

    def keep_archives(self, feeds: Collection[str]) -> None:
        """Forget the placements of every feed but ``feeds`` (switched off, or left without
        articles): should it come back, it starts afresh."""
        with self._guard():
            for feed in self.archive_feeds():
                if feed not in feeds:
                    self._db.execute("DELETE FROM archive WHERE feed = ?", (feed,))
                    self._db.execute("DELETE FROM archive_dirty WHERE feed = ?", (feed,))

    def archive_written(self, feed: str, page: int) -> None:
        """Note that archive document ``page`` of ``feed`` is out as it should be."""
        with self._guard():
            self._db.execute("DELETE FROM archive_dirty WHERE feed = ? AND page = ?", (feed, page))

    # -- commands --------------------------------------------------------------------------------

    def mark_failed(self, source: str, error: ArticleError) -> None:
        """Note that the body of ``source`` cannot be used: it leaves every query, and every
        refresh reports it, until the file changes."""
        self._excluded[source] = error
        with self._guard():
            self._db.execute(
                "UPDATE articles SET failure = ? WHERE source = ?",
                (_to_json([error.reason, error.line]), source),
            )
            self._note_leaving([source])
            self._db.execute("DELETE FROM archive WHERE source = ?", (source,))

    def pages_out(self) -> list[tuple[str, str]]:
        """``(source, page)`` of every article whose page is out."""
        with self._guard():
            return self._db.execute(
                "SELECT source, page FROM articles WHERE page_digest IS NOT NULL"
            ).fetchall()

    def page_published(self, source: str, digest: bytes | None) -> None:
        """Note that the page of ``source`` is out with bytes of this digest (None: that it
        was removed)."""
        with self._guard():
            self._db.execute(
                "UPDATE articles SET page_due = 0, page_digest = ? WHERE source = ?",
                (digest, source),
            )

    def publishing_was_cut(self) -> bool:
        """Whether the last build died while it published (its temporaries may be left)."""
        with self._guard():
            return self._meta("publishing") is not None

    def note_publishing(self, publishing: bool) -> None:
        """Note that a build starts (``True``) or ends (``False``) publishing; the start is
        committed at once, so that a build killed after it is known to the next one."""
        with self._guard():
            if publishing:
                self._set_meta("publishing", "1")
                self._db.commit()
            else:
                self._db.execute("DELETE FROM meta WHERE key = 'publishing'")

    def files_published(self, files: Mapping[str, bytes], removed: Iterable[str] = ()) -> None:
        """Note the files now out (path -> digest of their bytes) and the ones removed; the
        listings are clean again."""
        with self._guard():
            self._db.executemany("INSERT OR REPLACE INTO published VALUES (?, ?)", files.items())
            self._db.executemany(
                "DELETE FROM published WHERE path = ?", ((path,) for path in removed)
            )
            self._db.execute("DELETE FROM dirty")

    def set_outputs_fingerprint(self, value: str) -> None:
        """Note what the outputs are made with; when it changes, every page is republished."""
        with self._guard():
            if self._meta("outputs") != value:
                if not self._every_row_new:  # else stored this build: due and dirty already
                    # Scanning every row and listing again cost a cold 100,000 0.24 s.
                    self._mark_every_page_due()
                self._db.execute(
                    "INSERT OR IGNORE INTO archive_dirty SELECT DISTINCT feed, page "
                    "FROM archive WHERE page > 0"
                )
                self._set_meta("outputs", value)

    def _mark_every_page_due(self) -> None:
        # Only the rows that change: writing every row again cost a cold 10,000 0.02 s.
        self._db.execute("UPDATE articles SET page_due = 1 WHERE NOT page_due")
        self._db.execute("INSERT OR IGNORE INTO dirty SELECT DISTINCT 'month', month FROM articles")
        self._db.execute(
            "INSERT OR IGNORE INTO dirty SELECT DISTINCT 'category', name FROM categories"
        )
        self._db.execute(
            "INSERT OR IGNORE INTO dirty SELECT DISTINCT 'category-month', "
            "name || char(0) || month FROM categories"
        )

    def store_entry(self, entry: Entry) -> None:
        """Remember the sanitized ``entry`` of an article that was rendered."""
        payload = _to_json(
            [
                entry.content,
                entry.summary,
                entry.thumbnail,
                entry.contributor,
                entry.cost,
                entry.excerpt,
                entry.images,
                entry.dropped_picture,
            ]
        )
        source = entry.article.source
        with self._guard():
            digest = self._db.execute(
                "SELECT digest FROM articles WHERE source = ?", (source,)
            ).fetchone()
            if digest is None:
                return
            checksum = _entry_checksum(payload, bytes(digest[0]))
            self._db.execute(
                "UPDATE articles SET entry = ?, entry_checksum = ?, entry_cost = ? "
                "WHERE source = ?",
                (payload, checksum, entry.cost, source),
            )
        if len(self._sanitized_here) < _SANITIZED_HERE_MAX:
            self._sanitized_here.add(checksum)

    def commit(self) -> None:
        """Make this build's changes permanent."""
        with self._guard():
            self._db.commit()

    def close(self) -> None:
        """Close without committing what was not committed."""
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def discard(self) -> None:
        """Close and delete the stored index (it was found damaged)."""
        self.close()
        if self.location is not None:
            _delete(self.location)

    # -- inside a refresh ------------------------------------------------------------------------

    def _trusted_stamps(self) -> dict[str, int | None]:
        """The stamp of every indexed file; None for one read while racy (not to be trusted).

        One pass over a covering index, matched in Python as the scan goes: three times
        faster than inserting 100,000 scanned files into SQLite to join them.
        """
        return dict(
            self._db.execute("SELECT source, CASE WHEN verified THEN stamp END FROM articles")
        )

    def _digest(self, source: str) -> bytes | None:
        found = self._db.execute(
            "SELECT digest FROM articles WHERE source = ?", (source,)
        ).fetchone()
        return None if found is None else bytes(found[0])

    def _store(self, records: Sequence[Record], indexed: Collection[str]) -> None:
        """Insert or replace records of freshly read articles: their old entries are dropped,
        and their pages, like the listings they were and are in, marked to be published."""
        replaced = [record.source for record in records if record.source in indexed]
        self._drop_categories(self._note_leaving(replaced))
        self._db.executemany(
            "INSERT OR REPLACE INTO articles "
            "(source, stamp, verified, digest, published, id, record, checksum, month, page, "
            "picture, body, warnings, entry, entry_checksum, entry_cost, page_due, page_digest, "
            "failure) VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, 1, NULL, NULL)",
            ((*record[:12], record.warnings) for record in records),
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO categories (name, published, source, month) VALUES (?, ?, ?, ?)",
            (
                (name, record.published, record.source, record.month)
                for record in records
                for name in record.categories
            ),
        )
        # Each listing once: a batch names each month and category hundreds of times, and
        # SQLite ignoring a known row cost a cold 10,000 0.12 s of 0.45 s storing (in
        # batches of 2,000); so did listing them for every record, where a batch holds a
        # few dozen kinds.
        kinds = dict.fromkeys((record.month, record.categories) for record in records)
        self._db.executemany(
            "INSERT OR IGNORE INTO dirty VALUES (?, ?)",
            dict.fromkeys(pair for kind in kinds for pair in _listings_of(*kind)),
        )

    def _forget_gone(
        self, trusted: Mapping[str, int | None], found: Sequence[Found], unchanged: Sequence[str]
    ) -> list[str]:
        """Forget the indexed files the scan no longer found; return them."""
        indexed = len(unchanged) + sum(1 for item in found if item.source in trusted)
        if len(trusted) == indexed:
            return []  # the nightly case: nothing is gone (and no set of every name is made)
        present = {item.source for item in found}.union(unchanged)
        gone = [source for source in trusted if source not in present]
        self._forget(gone)
        return gone

    def _forget(self, sources: Iterable[str]) -> None:
        gone = list(sources)
        self._drop_categories(self._note_leaving(gone))
        self._db.executemany("DELETE FROM articles WHERE source = ?", ((s,) for s in gone))
        self._db.executemany("DELETE FROM archive WHERE source = ?", ((s,) for s in gone))

    def _drop_categories(self, keys: Sequence[tuple[str, str, int, str]]) -> None:
        """Delete the category rows of these keys (:meth:`_note_leaving` gives them)."""
        self._db.executemany(
            "DELETE FROM categories WHERE name = ? AND month = ? AND published = ? AND source = ?",
            keys,
        )

    def _categories_rows(self, sources: Sequence[str]) -> Iterator[tuple[str, str, int, str]]:
        """``(name, month, published, source)``, the key of each category row of ``sources``:
        from their articles' rows, whose records name their categories."""
        for source, month, published, record in self._rows_in(
            "SELECT source, month, published, record FROM articles WHERE source IN ({marks})",
            sources,
        ):
            for name in _record_categories(source, record):
                yield name, month, published, source

    def _failures(self) -> dict[str, ArticleError]:
        """The articles whose body could not be used, as :meth:`mark_failed` noted them."""
        failures: dict[str, ArticleError] = {}
        for source, encoded in self._db.execute(
            "SELECT source, failure FROM articles WHERE failure IS NOT NULL"
        ):
            try:
                reason, line = json.loads(encoded)
                failures[source] = ArticleError(self._root / source, reason, line)
            except (ValueError, TypeError) as error:
                raise IndexDamagedError(f"failure of {quoted(source)} cannot be decoded") from error
        return failures

    def _note_leaving(self, sources: Sequence[str]) -> list[tuple[str, str, int, str]]:
        """Before the rows of ``sources`` change or go: remember their pages, and mark the
        listings they are in (their month, their categories) to be published again. Returns
        the keys of their category rows (see :meth:`_categories_rows`), read from their
        records while those still name them."""
        keys: list[tuple[str, str, int, str]] = []
        for start in range(0, len(sources), _QUERY_BATCH):
            batch = sources[start : start + _QUERY_BATCH]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(
                "SELECT source, month, page, published, record FROM articles "  # noqa: S608
                f"WHERE source IN ({marks})",
                batch,
            ).fetchall()
            for source, month, page, published, record in rows:
                names = _record_categories(source, record)
                self._old_pages[source] = page
                self._db.executemany(
                    "INSERT OR IGNORE INTO dirty VALUES (?, ?)", _listings_of(month, names)
                )
                keys += ((name, month, published, source) for name in names)
            # The feed documents they are in change too.
            self._db.execute(
                "INSERT OR IGNORE INTO archive_dirty SELECT feed, page FROM archive "  # noqa: S608
                f"WHERE page > 0 AND source IN ({marks})",
                batch,
            )
            self._touched.update(batch)
        return keys

    def _count_site_pictures(self) -> None:
        """Find the pictures that stand for the site rather than an article (a logo, an app
        promotion): the front-matter picture of more than half of the articles that have
        one, and of at least :data:`SITE_PICTURE_MIN` of them. Kept in ``meta``."""
        counts = self._db.execute(
            "SELECT picture, COUNT(*) FROM articles WHERE picture IS NOT NULL GROUP BY picture"
        ).fetchall()
        with_picture = sum(count for _, count in counts)
        site = sorted(
            picture
            for picture, count in counts
            if count * 2 > with_picture and count >= SITE_PICTURE_MIN
        )
        self._set_meta("site_pictures", json.dumps(site))

    def _meta(self, key: str) -> str | None:
        found = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _duplicates(
        self, root: Path, stored: Mapping[str, tuple[str, str]] | None
    ) -> dict[str, ArticleError]:
        """The error of each file whose id, or whose article (:func:`title_key`), an earlier
        file in path order has: one each, the id's if both. ``stored``: the rows stored by
        this refresh, with their id and body digest (``None``: too many to look up)."""
        duplicates: dict[str, ArticleError] = {}
        ids = None if stored is None else {source: pair[0] for source, pair in stored.items()}
        by_id = self._shared("id", ids)
        for entry_id, (first, *others) in by_id.items():
            for source in others:
                duplicates[source] = duplicate_id_error(root / source, entry_id, root / first)
        bodies = None if stored is None else {source: pair[1] for source, pair in stored.items()}
        by_body = self._shared("body", bodies)
        for sources in by_body.values():
            # A file that lost its id takes no article from another.
            kept = [source for source in sources if source not in duplicates]
            if len(kept) < 2:
                continue
            titles = self._titles(kept)
            firsts: dict[str, str] = {}  # title_key() -> the first file of that title
            for source in kept:
                earlier = firsts.setdefault(title_key(titles[source]), source)
                if earlier != source:
                    duplicates[source] = duplicate_article_error(root / source, root / earlier)
        return duplicates

    def _note_duplicates_changed(self, duplicates: Mapping[str, ArticleError]) -> None:
        """An article that loses its id or its article to another file (see
        :meth:`_duplicates`), or gets it back when that one goes, changes although its own
        file did not: note it as touched (its listings, feed documents and page follow). The
        losers are kept in ``meta`` for the next refresh."""
        found = self._db.execute("SELECT value FROM meta WHERE key = 'losers'").fetchone()
        before = set(json.loads(found[0])) if found else set()
        now = set(duplicates)
        self._note_leaving(sorted(now - before, key=path_order))
        released = sorted(before - now, key=path_order)
        self._note_leaving(released)
        self._db.executemany(
            "UPDATE articles SET page_due = 1 WHERE source = ?", ((s,) for s in released)
        )
        if now != before:
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('losers', ?)",
                (json.dumps(sorted(now, key=path_order)),),
            )

    def _titles(self, sources: Sequence[str]) -> dict[str, str]:
        """The titles of the articles of ``sources`` (a few: they share a body)."""
        titles: dict[str, str] = {}
        query = "SELECT source, record FROM articles WHERE source IN ({marks})"
        for source, record in self._rows_in(query, sources):
            try:
                titles[source] = str(json.loads(record)[0])
            except (ValueError, TypeError, IndexError) as error:
                raise IndexDamagedError(f"row {quoted(source)} cannot be decoded") from error
        return titles

    def _shared(self, column: str, stored: Mapping[str, str] | None) -> dict[str, list[str]]:
        """The values of ``column`` (``id`` or ``body``) that several rows have, each with
        its rows' sources in path order. Records which are shared, for the next refresh."""
        by_value: dict[str, list[str]] = {}
        for value, source in self._rows_sharing(column, stored):
            by_value.setdefault(value, []).append(source)
        shared = {
            value: sorted(sources, key=path_order)
            for value, sources in sorted(by_value.items())
            if len(sources) > 1
        }
        self._set_meta(f"shared_{column}", json.dumps(list(shared)))
        return shared

    def _rows_sharing(self, column: str, stored: Mapping[str, str] | None) -> list[tuple[str, str]]:
        """``(value, source)`` of every row whose ``column`` another row may share.

        Only a value that was shared at the last refresh (kept in ``meta``), or one of a row
        stored since, can be shared now (deleting rows shares nothing): those are looked up
        in the index, not every row grouped, which cost a warm build of 100,000 files 25 ms.
        Without the record (a new index), or after many new rows (``stored`` is ``None``),
        every value is grouped.
        """
        found = self._meta(f"shared_{column}")
        if found is None or stored is None:
            return self._db.execute(
                f"SELECT {column}, source FROM articles WHERE {column} IN "  # noqa: S608 - fixed
                f"(SELECT {column} FROM articles GROUP BY {column} HAVING COUNT(*) > 1)"
            ).fetchall()
        ordered = sorted(set(json.loads(found)).union(stored.values()))
        query = f"SELECT {column}, source FROM articles WHERE {column} IN ({{marks}})"  # noqa: S608
        return list(self._rows_in(query, ordered))

    def _rows_in(
        self, query: str, values: Sequence[object], *before: object
    ) -> Generator[Any, None, None]:
        """The rows of ``query`` for every one of ``values``, asked :data:`_QUERY_BATCH` at a
        time (SQLite caps a statement's variables): ``{marks}`` in ``query`` stands for a
        batch's placeholders, which come after the ``before`` parameters."""
        for start in range(0, len(values), _QUERY_BATCH):
            batch = values[start : start + _QUERY_BATCH]
            marks = ",".join("?" * len(batch))
            # fetchall(), not ``yield from`` the cursor: a generator left half-read when a
            # build is interrupted is closed after the database, and closing a cursor of a
            # closed database prints an "Exception ignored" traceback.
            yield from self._db.execute(query.format(marks=marks), (*before, *batch)).fetchall()

    def _distinct(self, column: str, table: str) -> list[str]:
        """The values of ``column`` (the first of an index) in ``table``, sorted: one index
        step each (a skip scan), where ``DISTINCT`` reads every row."""
        first = f"SELECT MIN({column}) FROM {table}"  # noqa: S608 - the code's own names
        with self._guard():
            values: list[str] = []
            found = self._db.execute(first).fetchone()
            while found is not None and found[0] is not None:
                values.append(found[0])
                found = self._db.execute(f"{first} WHERE {column} > ?", (found[0],)).fetchone()
            return values

    @contextlib.contextmanager
    def _filling(self, *, empty: bool) -> Iterator[Callable[[], None]]:
        """Store rows into the index; when it is ``empty`` (no articles yet), without keeping
        its secondary indexes up to date row by row: they are dropped, and built again, one
        by each call of the function this yields, the rest once the rows are in.

        SQLite builds an index by sorting; kept up to date, each of them takes a B-tree
        insert a row. Storing 100,000 records took 3.6-4.2 s with them, 2.45 s without them
        and then building them. Built after the last row, they took 0.7-0.9 s of a cold
        100,000 with the workers idle; so they are built while the last files are read
        (:func:`_index_builds`), and the rows stored after them cost up to 25 µs more each, in
        small batches, as the last one waits for the last file. In one transaction: an
        interrupted refresh leaves the indexes as they were.
        """
        waiting = list(reversed(_FILLED_INDEXES)) if empty else []

        def build() -> None:
            if waiting:
                self._db.execute(waiting.pop()[1])

        if waiting:
            if not self._db.in_transaction:
                self._db.execute("BEGIN")  # DDL opens none: the DROPs must roll back with the rows
            for name, _ in _FILLED_INDEXES:
                self._db.execute(f"DROP INDEX {name}")
        yield build
        while waiting:
            build()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise _failure(error, self.location) from error


def _index_builds(files: int) -> list[int]:
    """Where, among ``files`` read, a cold refresh builds each of its indexes (the last one
    first, to be popped): one at a time, evenly from :data:`_INDEXES_BUILT_FROM` of them to
    :data:`_INDEXES_BUILT_BY`.

    One at a time because the workers go on reading only as long as the build process takes
    their results: in one go, the indexes of a cold 100,000 took 0.45-0.5 s, and each
    worker waited through 0.42-0.48 s of it. Each takes 20-73 ms, and the build process
    takes the workers' results in between: their time waiting for it went from
    0.84-0.91 s to 0.52-0.63 s each.
    """
    count = len(_FILLED_INDEXES)
    share = _INDEXES_BUILT_BY - _INDEXES_BUILT_FROM
    return [int(files * (_INDEXES_BUILT_FROM + share * k / count)) for k in reversed(range(count))]


def _record_categories(source: str, record: str) -> list[str]:
    """The categories the stored record (:func:`record_of`) of ``source`` names."""
    try:
        categories = json.loads(record)[2]
    except (ValueError, TypeError, IndexError):
        raise IndexDamagedError(f"the record of {quoted(source)} is unreadable") from None
    if not isinstance(categories, list) or not all(isinstance(n, str) for n in categories):
        raise IndexDamagedError(f"the record of {quoted(source)} names no categories")
    return categories


def _listings_of(month: str, categories: Iterable[str]) -> list[tuple[str, str]]:
    """The listing pages an article of ``month`` and ``categories`` is in, as dirty rows."""
    pairs = [("month", month)]
    for name in categories:
        pairs += [("category", name), ("category-month", f"{name}\0{month}")]
    return pairs


def duplicate_article_error(path: Path, first: Path) -> ArticleError:
    """The error for a file that holds the same article as an earlier file (in path order):
    the same title and body (:func:`title_key`), scraped twice under two names."""
    return ArticleError(
        path,
        f"the same article as {first} (the same title and body; scraped twice?), "
        "so it is left out; delete one of the two files",
    )


def duplicate_id_error(path: Path, entry_id: str, first: Path) -> ArticleError:
    """The error for a file whose entry id an earlier file (in path order) already has."""
    return ArticleError(
        path,
        f"id {quoted(entry_id)} is already used by {first}; "
        "give one of them its own 'id' in the front matter",
    )


def cache_folder(settings: Settings) -> Path:
    """Where the index (and the lock's note) of a build live: ``cache_dir``, else systemd's
    ``$CACHE_DIRECTORY`` (its ``CacheDirectory=``), else ``$XDG_CACHE_HOME/feedgen-miit``
    (``~/.cache/feedgen-miit``): never in the output folder, which is published."""
    if settings.cache_dir is not None:
        return settings.cache_dir
    systemd = os.environ.get("CACHE_DIRECTORY", "").split(":")[0]
    if systemd:
        return Path(systemd)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(xdg) / "feedgen-miit"


def lock_note(settings: Settings) -> Path:
    """Where a build notes its pid while it holds the output folder's lock."""
    return index_path(settings).with_suffix(".holder")


def index_path(settings: Settings) -> Path:
    """Where the index of ``settings.output_dir`` lives: one per output folder."""
    key = hashlib.sha256(str(settings.output_dir.resolve()).encode()).hexdigest()[:16]
    return cache_folder(settings) / f"feedgen-miit-{key}.sqlite"


def fingerprint(settings: Settings) -> str:
    """What the records depend on besides the files: the settings that shape articles
    (:attr:`~feedgen_miit.settings.Scope.ARTICLES`), this code, the libraries' versions."""
    relevant = fingerprinted(settings, Scope.ARTICLES)
    parts: dict[str, Any] = {
        "feedgen-miit": __version__,
        "code": code_hash(),
        "libraries": _library_versions(),
        "settings": relevant,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _connect(location: Path | None, fingerprint: str) -> sqlite3.Connection:
    if location is not None:
        location.parent.mkdir(parents=True, exist_ok=True)
        if location.is_symlink():  # SQLite would write through it: whatever it is, not ours
            raise IndexDamagedError("a symbolic link, not an index")
    connection = sqlite3.connect(":memory:" if location is None else location, timeout=1.0)
    try:
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA cell_size_check = ON")
        tables: set[str] = set()
        indexes: set[str] = set()
        for kind, name in connection.execute(
            "SELECT type, name FROM sqlite_master "
            "WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_autoindex%'"
        ):
            (tables if kind == "table" else indexes).add(name)
        meta: dict[str, str] = {}
        if "meta" in tables:
            meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != str(FORMAT) or tables != _TABLES or indexes != _INDEXES:
            if tables:
                log.info("index: format changed; starting afresh")
            for name in tables:
                connection.execute(f'DROP TABLE "{name}"')
            connection.executescript(_SCHEMA)
            meta = {}
        if meta.get("fingerprint") != fingerprint:
            if meta:
                log.info("index: settings or code changed; starting afresh")
            connection.execute("DELETE FROM articles")
            connection.execute("DELETE FROM categories")
            connection.execute(
                "DELETE FROM meta WHERE key IN "
                "('shared_id', 'shared_body', 'losers', 'site_pictures')"
            )
            connection.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [("format", str(FORMAT)), ("fingerprint", fingerprint)],
            )
        connection.commit()
    except BaseException:
        connection.close()
        raise
    return connection


def _delete(location: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            location.with_name(location.name + suffix).unlink(missing_ok=True)


def _checksum(
    source: str, digest: bytes, published: int, entry_id: str, record: str, *, body: str
) -> bytes:
    text = f"{source}\0{published}\0{entry_id}\0{record}\0{body}".encode()
    return hashlib.blake2b(text, key=digest, digest_size=16).digest()


def _entry_checksum(payload: str, digest: bytes) -> bytes:
    return hashlib.blake2b(payload.encode(), key=digest, digest_size=16).digest()


@cache
def code_hash() -> str:
    """A hash of this package's source: a changed loader or sanitizer never reuses old rows."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def _library_versions() -> dict[str, str]:
    """The installed version of each of :data:`_LIBRARIES` ("-" if it is not installed).

    Read from the names of the distributions' ``.dist-info`` folders, the first on
    ``sys.path`` winning, as ``importlib.metadata`` finds them: importing that took 22-31 ms
    of every build's start-up (its ``email`` parsers).
    """
    wanted = {_distribution_key(name): name for name in _LIBRARIES}
    versions: dict[str, str] = {}
    for folder in sys.path:
        try:
            entries = os.scandir(folder or ".")
        except OSError:
            continue  # a zip file, or gone
        with entries:
            for entry in entries:
                stem, dot, suffix = entry.name.rpartition(".")
                if suffix != "dist-info" or not dot:
                    continue
                name, _, installed = stem.partition("-")
                library = wanted.get(_distribution_key(name))
                if library is not None and installed:
                    versions.setdefault(library, installed)
    return {name: versions.get(name, "-") for name in _LIBRARIES}


def _distribution_key(name: str) -> str:
    """A distribution name as its ``.dist-info`` folder may spell it (PEP 503, ``_`` for ``-``)."""
    return re.sub(r"[-_.]+", "_", name).lower()
