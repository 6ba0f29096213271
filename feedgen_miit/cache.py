"""What a build learned about each article, kept so that the next build reads only what changed.

One SQLite file (standard library, one writer at a time under the output lock) holds, per
article file: its stat stamp, a hash of its content, the :class:`Article` read from its front
matter, and, once the article was rendered, its sanitized :class:`Entry`. A row is trusted only
while the file's stamp (size, mtime, ctime, inode) is unchanged and the file was not "racy"
(changed within a few seconds of being read); otherwise its content hash decides.

The cache can never change the output: everything the output depends on besides the files (the
settings that shape articles, this package's code, the libraries that parse and sanitize) is
part of a fingerprint, and a cache with another fingerprint, another format, or any damage is
thrown away and rebuilt without a word. Rows read for the feed carry a checksum, and cached
HTML goes through the sanitizer's whitelist again on the way out.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import sqlite3
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, NamedTuple

from ._version import __version__
from .errors import ArticleWarning
from .model import Article, Entry, Settings
from .sanitize import recheck
from .scan import Found, path_order

log = logging.getLogger(__name__)

#: Bump when the tables or the encoding of a row change.
FORMAT = 6
#: The cache's name inside the output folder when ``cache_dir`` is not set.
CACHE_NAME = ".feedgen-miit-cache.sqlite"
#: Settings that only shape the output documents, not what is read from an article: changing
#: them keeps the cache. Any other setting (including ones added later) is in the fingerprint.
OUTPUT_ONLY_SETTINGS = frozenset(
    {
        "output_dir", "limit", "title", "subtitle", "author", "language", "icon", "logo",
        "feed_filename", "lock_timeout", "cache", "cache_dir", "jobs", "patterns", "strict",
        "write_atom", "write_category_feeds", "write_rss", "write_json_feed", "write_opml",
        "write_index", "write_browser_view",
    }
)  # fmt: skip
#: Libraries whose output ends up in a cached row.
_LIBRARIES = ("PyYAML", "python-frontmatter", "beautifulsoup4", "lxml", "nh3", "tzdata")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE articles (
    source TEXT PRIMARY KEY,   -- the file, relative to the articles folder
    stamp INTEGER NOT NULL,    -- scan.Found.stamp when it was read
    verified INTEGER NOT NULL, -- 0: read while racy, check the content next time
    digest BLOB NOT NULL,      -- cache.content_digest() of the file's bytes
    published INTEGER NOT NULL,-- microseconds since 1970, UTC
    id TEXT NOT NULL,
    record TEXT NOT NULL,      -- the rest of the Article, JSON
    checksum BLOB NOT NULL,    -- over every column above but stamp/verified
    entry TEXT,                -- the sanitized Entry, JSON; NULL until rendered
    entry_checksum BLOB,       -- over the entry and the file's digest
    warnings TEXT NOT NULL     -- [[reason, line], ...] found when the file was read, JSON
) WITHOUT ROWID;
-- Each article's categories, for the newest of a category without reading every record.
-- Not checksummed: what it selects is read through the checksummed articles row.
CREATE TABLE categories (
    name TEXT NOT NULL,
    published INTEGER NOT NULL,
    source TEXT NOT NULL,
    PRIMARY KEY (name, published, source)
) WITHOUT ROWID;
CREATE INDEX categories_by_source ON categories (source);
CREATE INDEX articles_by_id ON articles (id);
-- The main feed's newest without sorting every article.
CREATE INDEX articles_by_published ON articles (published);
-- What trusted_stamps() reads, without reading the wide rows: a warm build reads it whole.
CREATE INDEX articles_stamps ON articles (source, verified, stamp);
CREATE INDEX articles_with_warnings ON articles (source) WHERE warnings != '[]';
"""
_TABLES = frozenset({"meta", "articles", "categories"})
#: Values bound in one ``IN (...)`` query (SQLite allows at least 999).
_QUERY_BATCH = 500
#: More ids stored than this in one build, and duplicates are found by grouping every id.
_LOOKED_UP_IDS = 10_000


#: Compact UTF-8 JSON. One encoder for every row: json.dumps() with options builds a new
#: encoder per call, which cost more than the encoding in a cold build.
_to_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class CacheError(Exception):
    """The cache is damaged; the caller throws it away and builds without it."""


class Row(NamedTuple):
    """A freshly read article, ready to be stored (built in the reading processes)."""

    source: str
    stamp: int
    verified: bool
    digest: bytes
    published: int
    id: str
    record: str
    checksum: bytes
    categories: tuple[str, ...]  #: not a column of ``articles``: stored in ``categories``
    warnings: str  #: JSON ``[[reason, line], ...]``: shown by every build, not only the first


def content_digest(data: bytes) -> bytes:
    """The content hash the cache compares when a file's stamp changed.

    SHA-256 (cut to 16 bytes) because CPUs compute it in hardware: under half the time of
    BLAKE2b for an article, and every file of a cold build is hashed.
    """
    return hashlib.sha256(data).digest()[:16]


def to_row(
    article: Article,
    *,
    stamp: int,
    verified: bool,
    digest: bytes,
    warnings: Sequence[ArticleWarning] = (),
) -> Row:
    """Encode ``article`` (read from a file whose bytes hash to ``digest``) as a cache row."""
    published = micros(article.published)
    record = _to_json(
        [
            article.title,
            micros(article.updated),
            list(article.categories),
            article.author,
            article.thumbnail,
            article.link,
        ]
    )
    source = article.source
    return Row(
        source=source,
        stamp=stamp,
        verified=verified,
        digest=digest,
        published=published,
        id=article.id,
        record=record,
        checksum=_checksum(source, digest, published, article.id, record),
        categories=article.categories,
        warnings=_to_json([[warning.reason, warning.line] for warning in warnings]),
    )


def micros(moment: datetime) -> int:
    """An aware datetime as whole microseconds since 1970 (exact, unlike a float timestamp)."""
    since = moment - _EPOCH
    return (since.days * 86_400 + since.seconds) * 1_000_000 + since.microseconds


def from_micros(value: int) -> datetime:
    """The inverse of :func:`micros`, in UTC."""
    return _EPOCH + timedelta(microseconds=value)


class ArticleCache:
    """The open cache of one output folder (or a private in-memory one with ``cache = false``)."""

    def __init__(self, connection: sqlite3.Connection, location: Path | None) -> None:
        self._db = connection
        self.location = location
        #: Ids of the rows stored since the cache was opened; None once there are too many to
        #: look up one by one (a first build): then every id is grouped.
        self._stored_ids: set[str] | None = set()

    @classmethod
    def open(cls, settings: Settings) -> ArticleCache:
        """Open (or create) the cache for ``settings``; a damaged or stale one starts afresh."""
        fingerprint = _fingerprint(settings)
        location = cache_path(settings) if settings.cache else None
        if location is not None:
            try:
                return cls(_connect(location, fingerprint), location)
            except (sqlite3.Error, CacheError, OSError) as error:
                log.info("%s: cache unusable (%s); rebuilding it", location, error)
                _delete(location)
            try:
                return cls(_connect(location, fingerprint), location)
            except (sqlite3.Error, CacheError, OSError) as error:
                log.warning("%s: cannot use a cache here (%s); reading every file", location, error)
        return cls(_connect(None, fingerprint), None)

    def empty(self) -> bool:
        """Whether no article is cached (a first build, or the cache was thrown away)."""
        with self._guard():
            return self._db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is None

    def trusted_stamps(self) -> dict[str, int | None]:
        """The stamp of every cached file; None for one read while racy (not to be trusted).

        One pass over the table, for :meth:`compare` to match in Python: three times faster
        than inserting 100,000 scanned files into SQLite to join them.
        """
        with self._guard():
            return dict(
                self._db.execute("SELECT source, CASE WHEN verified THEN stamp END FROM articles")
            )

    def compare(
        self,
        found: Sequence[Found],
        trusted: Mapping[str, int | None],
        unchanged: Collection[str] = (),
    ) -> list[tuple[Found, bytes | None]]:
        """Note this build's files; forget the gone ones; list the stale ones (in order).

        A file is stale when it is new, its stamp changed (or it is :data:`UNSTAMPED`), or it
        was read while racy; ``trusted`` is :meth:`trusted_stamps`, and ``unchanged`` the
        files the scan already found unchanged (:func:`feedgen_miit.scan.scan`'s ``known``).
        With each stale file comes the content hash recorded for it, if any.
        """
        with self._guard():
            # A racy row's None, and UNSTAMPED (0, never a stamp), equal no stamp.
            stale = [item for item in found if trusted.get(item.source) != item.stamp]
            cached = len(unchanged) + sum(1 for item in found if item.source in trusted)
            if len(trusted) > cached:  # some files are gone
                present = {item.source for item in found}.union(unchanged)
                gone = [(source,) for source in trusted if source not in present]
                self._db.executemany("DELETE FROM articles WHERE source = ?", gone)
                self._db.executemany("DELETE FROM categories WHERE source = ?", gone)
            return [(item, self._digest(item.source, trusted)) for item in stale]

    def _digest(self, source: str, trusted: Mapping[str, int | None]) -> bytes | None:
        """The content hash recorded for ``source``, if the cache has a row for it."""
        if source not in trusted:
            return None
        found = self._db.execute(
            "SELECT digest FROM articles WHERE source = ?", (source,)
        ).fetchone()
        return None if found is None else bytes(found[0])

    def usable(self) -> tuple[int, list[tuple[str, str, str]]]:
        """How many cached files are usable articles, and the ones whose id an earlier file has.

        Duplicates come as ``(source, id, source of the first file with that id)``: the first
        file in path order keeps the id, as :func:`feedgen_miit.loader.load_folder` does.
        """
        with self._guard():
            (total,) = self._db.execute("SELECT COUNT(*) FROM articles").fetchone()
            by_id: dict[str, list[str]] = {}
            for entry_id, source in self._rows_of_shared_ids():
                by_id.setdefault(entry_id, []).append(source)
            shared = sorted(entry_id for entry_id, sources in by_id.items() if len(sources) > 1)
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('shared_ids', ?)", (json.dumps(shared),)
            )
        duplicates: list[tuple[str, str, str]] = []
        for entry_id in shared:
            first, *others = sorted(by_id[entry_id], key=path_order)
            duplicates.extend((source, entry_id, first) for source in others)
        return total - len(duplicates), duplicates

    def _rows_of_shared_ids(self) -> list[tuple[str, str]]:
        """``(id, source)`` of every row whose id another row may share.

        Only an id that was shared at the last :meth:`usable` (kept in ``meta``), or one of a
        row stored since, can be shared now (deleting rows shares nothing): those are looked
        up in the index, not every row grouped, which cost a warm build of 100,000 files
        25 ms. Without the record (a new cache), or after many new rows, every id is grouped.
        """
        found = self._db.execute("SELECT value FROM meta WHERE key = 'shared_ids'").fetchone()
        if found is None or self._stored_ids is None:
            return self._db.execute(
                "SELECT id, source FROM articles WHERE id IN "
                "(SELECT id FROM articles GROUP BY id HAVING COUNT(*) > 1)"
            ).fetchall()
        candidates = sorted(set(json.loads(found[0])) | self._stored_ids)
        rows: list[tuple[str, str]] = []
        for start in range(0, len(candidates), _QUERY_BATCH):
            batch = candidates[start : start + _QUERY_BATCH]
            marks = ",".join("?" * len(batch))
            rows += self._db.execute(
                f"SELECT id, source FROM articles WHERE id IN ({marks})",  # noqa: S608 - marks
                batch,
            ).fetchall()
        return rows

    def category_names(self) -> list[str]:
        """Every category name of the cached articles, sorted."""
        with self._guard():
            # One index step per name (a skip scan), not one row per article and category.
            names: list[str] = []
            found = self._db.execute("SELECT MIN(name) FROM categories").fetchone()
            while found is not None and found[0] is not None:
                names.append(found[0])
                found = self._db.execute(
                    "SELECT MIN(name) FROM categories WHERE name > ?", (found[0],)
                ).fetchone()
            return names

    def newest(
        self, count: int, *, exclude: Collection[str] = (), category: str | None = None
    ) -> list[str]:
        """The sources of the ``count`` newest articles (0: all), newest first.

        With ``category``, only that category's articles. Ties in date go to the first file
        in path order.
        """
        table, where, arguments = "articles", "", tuple[str, ...]()
        if category is not None:
            table, where, arguments = "categories", "WHERE name = ? ", (category,)
        query = f"SELECT published, source FROM {table} {where}ORDER BY published DESC"  # noqa: S608 - fixed names
        with self._guard():
            if count:
                rows = self._db.execute(
                    f"{query} LIMIT ?", (*arguments, count + len(exclude))
                ).fetchall()
                if rows:  # every article as old as the oldest taken competes for the last places
                    tie = "AND" if where else "WHERE"
                    rows += self._db.execute(
                        f"SELECT published, source FROM {table} {where}{tie} published = ?",  # noqa: S608
                        (*arguments, rows[-1][0]),
                    ).fetchall()
            else:
                rows = self._db.execute(query, arguments).fetchall()
        ordered = sorted(set(rows), key=lambda row: (-row[0], path_order(row[1])))
        sources = [source for _, source in ordered if source not in exclude]
        return sources[:count] if count else sources

    def warnings(self, articles_dir: Path, *, exclude: Collection[str]) -> list[ArticleWarning]:
        """The warnings recorded when each cached article was read, in path order."""
        with self._guard():
            rows = self._db.execute(
                "SELECT source, warnings FROM articles WHERE warnings != '[]'"
            ).fetchall()
        found: list[ArticleWarning] = []
        for source, encoded in sorted(rows, key=lambda row: path_order(row[0])):
            if source in exclude:
                continue
            try:
                found.extend(
                    ArticleWarning(articles_dir / source, reason, line)
                    for reason, line in json.loads(encoded)
                )
            except (ValueError, TypeError) as error:
                raise CacheError(f"warnings of {source!r} cannot be decoded: {error}") from error
        return found

    def touch(self, source: str, stamp: int, *, verified: bool) -> None:
        """The file's stamp changed but its content did not: keep the row, note the stamp."""
        with self._guard():
            self._db.execute(
                "UPDATE articles SET stamp = ?, verified = ? WHERE source = ?",
                (stamp, int(verified), source),
            )

    def store(self, rows: Sequence[Row]) -> None:
        """Insert or replace rows of freshly read articles (their old entries are dropped)."""
        if self._stored_ids is not None:
            self._stored_ids.update(row.id for row in rows)
            if len(self._stored_ids) > _LOOKED_UP_IDS:
                self._stored_ids = None
        with self._guard():
            self._db.executemany(
                "INSERT OR REPLACE INTO articles "
                "(source, stamp, verified, digest, published, id, record, checksum, warnings, "
                "entry, entry_checksum) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                ((*row[:8], row.warnings) for row in rows),
            )
            self._db.executemany(
                "DELETE FROM categories WHERE source = ?", ((row.source,) for row in rows)
            )
            self._db.executemany(
                "INSERT OR IGNORE INTO categories (name, published, source) VALUES (?, ?, ?)",
                ((name, row.published, row.source) for row in rows for name in row.categories),
            )

    def forget(self, sources: Iterable[str]) -> None:
        """Drop the rows of files that are gone or no longer usable."""
        gone = [(source,) for source in sources]
        with self._guard():
            self._db.executemany("DELETE FROM articles WHERE source = ?", gone)
            self._db.executemany("DELETE FROM categories WHERE source = ?", gone)

    def article(self, source: str, settings: Settings) -> Article:
        """The cached :class:`Article` of ``source``; raises :class:`CacheError` if damaged."""
        with self._guard():
            found = self._db.execute(
                "SELECT digest, published, id, record, checksum FROM articles WHERE source = ?",
                (source,),
            ).fetchone()
        if found is None:
            raise CacheError(f"row {source!r} vanished")
        digest, published, entry_id, record, checksum = found
        if checksum != _checksum(source, bytes(digest), published, entry_id, record):
            raise CacheError(f"row {source!r} fails its checksum")
        try:
            title, updated, categories, author, thumbnail, link = json.loads(record)
            return Article(
                path=settings.articles_dir / source,
                source=source,
                id=entry_id,
                title=title,
                published=from_micros(published),
                updated=from_micros(updated),
                categories=tuple(categories),
                author=author,
                thumbnail=thumbnail,
                link=link,
            )
        except (ValueError, TypeError, OverflowError) as error:
            raise CacheError(f"row {source!r} cannot be decoded: {error}") from error

    def entry(self, article: Article) -> Entry | None:
        """The cached sanitized entry of ``article``, if it was rendered before."""
        source = article.source
        with self._guard():
            found = self._db.execute(
                "SELECT entry, entry_checksum, digest FROM articles WHERE source = ?", (source,)
            ).fetchone()
        if found is None or found[0] is None:
            return None
        payload, checksum, digest = found
        if checksum != _entry_checksum(payload, bytes(digest)):
            raise CacheError(f"entry {source!r} fails its checksum")
        try:
            content, summary, thumbnail, contributor = json.loads(payload)
            safe = recheck(content)
        except (ValueError, TypeError) as error:
            raise CacheError(f"entry {source!r} cannot be decoded: {error}") from error
        if safe != content:
            log.debug("%s: cached entry changed by the sanitizer; rendering it again", source)
            return None
        return Entry(
            article=article,
            content=safe,
            summary=summary,
            thumbnail=thumbnail,
            contributor=contributor,
        )

    def store_entry(self, entry: Entry) -> None:
        """Remember the sanitized ``entry`` of an article that was rendered."""
        payload = _to_json([entry.content, entry.summary, entry.thumbnail, entry.contributor])
        source = entry.article.source
        with self._guard():
            digest = self._db.execute(
                "SELECT digest FROM articles WHERE source = ?", (source,)
            ).fetchone()
            if digest is None:
                return
            self._db.execute(
                "UPDATE articles SET entry = ?, entry_checksum = ? WHERE source = ?",
                (payload, _entry_checksum(payload, bytes(digest[0])), source),
            )

    def commit(self) -> None:
        """Make this build's changes permanent."""
        with self._guard():
            self._db.commit()

    def close(self) -> None:
        """Close without committing what was not committed."""
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def discard(self) -> None:
        """Close and delete the cache file (it was found damaged)."""
        self.close()
        if self.location is not None:
            _delete(self.location)

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as error:
            raise CacheError(str(error)) from error


def cache_path(settings: Settings) -> Path:
    """Where the cache of ``settings.output_dir`` lives."""
    if settings.cache_dir is None:
        return settings.output_dir / CACHE_NAME
    key = hashlib.sha256(str(settings.output_dir.resolve()).encode()).hexdigest()[:16]
    return settings.cache_dir / f"feedgen-miit-{key}.sqlite"


def _connect(location: Path | None, fingerprint: str) -> sqlite3.Connection:
    if location is not None:
        location.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(":memory:" if location is None else location, timeout=1.0)
    try:
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute("PRAGMA cell_size_check = ON")
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }
        meta: dict[str, str] = {}
        if "meta" in tables:
            meta = dict(connection.execute("SELECT key, value FROM meta").fetchall())
        if meta.get("format") != str(FORMAT) or tables != _TABLES:
            if tables:
                log.info("cache: format changed; starting afresh")
            for name in tables:
                connection.execute(f'DROP TABLE "{name}"')
            connection.executescript(_SCHEMA)
            meta = {}
        if meta.get("fingerprint") != fingerprint:
            if meta:
                log.info("cache: settings or code changed; starting afresh")
            connection.execute("DELETE FROM articles")
            connection.execute("DELETE FROM categories")
            connection.execute("DELETE FROM meta WHERE key = 'shared_ids'")
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


def _checksum(source: str, digest: bytes, published: int, entry_id: str, record: str) -> bytes:
    text = f"{source}\0{published}\0{entry_id}\0{record}".encode()
    return hashlib.blake2b(text, key=digest, digest_size=16).digest()


def _entry_checksum(payload: str, digest: bytes) -> bytes:
    return hashlib.blake2b(payload.encode(), key=digest, digest_size=16).digest()


def _fingerprint(settings: Settings) -> str:
    relevant = {
        item.name: repr(getattr(settings, item.name))
        for item in fields(settings)
        if item.name not in OUTPUT_ONLY_SETTINGS
    }
    relevant["articles_dir"] = str(settings.articles_dir.resolve())
    parts: dict[str, Any] = {
        "feedgen-miit": __version__,
        "code": _code_hash(),
        "libraries": _library_versions(),
        "settings": relevant,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


@cache
def _code_hash() -> str:
    """A hash of this package's source: a changed loader or sanitizer never reuses old rows."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@cache
def _library_versions() -> dict[str, str]:
    versions: dict[str, str] = {}
    for name in _LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "-"
    return versions
