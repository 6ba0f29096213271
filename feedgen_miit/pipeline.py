"""The one place the steps meet: scan -> read (cached) -> select -> sanitize -> render -> publish.

A nightly build over years of articles must not re-read them all: :mod:`feedgen_miit.cache`
remembers each file's article, so only new and changed files are read (in a process pool when
there are many), and only the articles that make it into a feed have their bodies sanitized,
each at most once: the main feed takes the newest ``limit`` articles, each category feed the
newest ``limit`` of its category. Memory stays small: bodies are never kept, and of the
articles only the ones selected are held in full.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from .cache import ArticleCache, CacheError, Row, content_digest, to_row
from .errors import (
    ArticleError,
    ArticleWarning,
    ConfigError,
    NoArticlesError,
    SkippedArticlesError,
    display_path,
)
from .loader import (
    check_article,
    duplicate_id_error,
    load_folder,
    read_article_file,
    read_body,
    unexpected_error,
)
from .model import Article, Entry, Settings
from .outputs import render_outputs
from .publish import output_lock, publish, remove_leftovers
from .sanitize import clean_body, summarize
from .scan import UNSTAMPED, Found, scan, stamp_of

log = logging.getLogger(__name__)

#: ``progress(done, total)`` while files are read; called only when some must be read.
Progress = Callable[[int, int], None]
#: Fewer new or changed files than this are read in this process (a pool costs ~50 ms).
PARALLEL_MIN = 256
#: Fewer bodies than this to sanitize are sanitized in this process (one takes ~1 ms).
PARALLEL_RENDER_MIN = 16
_CHUNK = 256
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
_STORE_BATCH = 2000
#: Candidates kept beyond ``limit`` in case some bodies turn out unreadable.
_SPARE = 16


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the caller to report and turn into an exit code."""

    articles_found: int  #: usable articles in the folder
    entries: int  #: entries in the feed
    problems: tuple[ArticleError, ...]  #: files that were skipped, in path order
    written: tuple[Path, ...]  #: files replaced
    unchanged: tuple[Path, ...]  #: files that already held these bytes
    warnings: tuple[ArticleWarning, ...] = ()  #: oddities in the articles read this time
    files_read: int = 0  #: article files read (new or changed); the others came from the cache
    bodies_sanitized: int = 0  #: entries rendered afresh; the others came from the cache

    @property
    def complete(self) -> bool:
        """True when every article file was used."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``check`` found: every error and warning, with nothing written."""

    articles_found: int  #: usable articles (front matter and body)
    problems: tuple[ArticleError, ...]  #: files that a build would skip, in path order
    warnings: tuple[ArticleWarning, ...]  #: oddities in usable articles, in path order

    @property
    def clean(self) -> bool:
        """True when there is neither an error nor a warning."""
        return not self.problems and not self.warnings


def build(
    settings: Settings, *, now: datetime | None = None, progress: Progress | None = None
) -> BuildReport:
    """Build the feeds described by ``settings`` and publish them into ``settings.output_dir``.

    Bad article files are reported in :attr:`BuildReport.problems` and left out; the build
    fails (:class:`NoArticlesError`) only when no article at all is usable, or
    (:class:`SkippedArticlesError`) when ``settings.strict`` is set and any article is bad.
    ``now`` is the clock that dates in the future are checked against (default: now). Only
    one build at a time writes an output folder; another one waits up to
    ``settings.lock_timeout`` seconds.
    """
    if not settings.articles_dir.is_dir():
        raise ConfigError(
            f"{display_path(settings.articles_dir)}: articles folder not found (or not a folder)"
        )
    now = now or datetime.now(UTC)
    with (
        output_lock(settings.output_dir, timeout=settings.lock_timeout),
        _Pool(settings, now) as pool,
    ):
        cache = ArticleCache.open(settings)
        try:
            return _build(settings, cache, pool, progress)
        except CacheError as error:
            log.info("cache damaged (%s); reading every file again", error)
            cache.discard()
            cache = ArticleCache.open(settings)
            return _build(settings, cache, pool, progress)
        finally:
            cache.close()


def check(settings: Settings, *, now: datetime | None = None) -> CheckReport:
    """Find every problem a build could meet in ``settings.articles_dir``; write nothing.

    Unlike :func:`build`, every file is read (no cache) and every body sanitized, not only
    the newest.
    """
    loaded = load_folder(settings, now=now)
    problems = list(loaded.problems)
    usable = 0
    for article in loaded.articles:
        try:
            make_entry(article, settings)
        except ArticleError as error:
            problems.append(error)
        else:
            usable += 1
    problems.sort(key=_by_path)
    return CheckReport(articles_found=usable, problems=tuple(problems), warnings=loaded.warnings)


def _build(
    settings: Settings, cache: ArticleCache, pool: _Pool, progress: Progress | None
) -> BuildReport:
    if cache.empty():  # every file is read, and stamped as it is read: no stat() of its own
        scanned = scan(settings.articles_dir, settings.patterns)
        stale = cache.compare(scanned.found, {})
    else:
        trusted = cache.trusted_stamps()
        scanned = scan(
            settings.articles_dir, settings.patterns, stamped_at=time.time_ns(), known=trusted
        )
        stale = cache.compare(scanned.found, trusted, scanned.unchanged)
    log.debug(
        "%d article files, %d new or changed",
        len(scanned.found) + len(scanned.unchanged),
        len(stale),
    )
    failed = _read_stale(stale, cache, pool, progress)
    articles_found, duplicates = cache.usable()
    problems = [*scanned.problems, *failed.values()]
    problems.extend(
        duplicate_id_error(settings.articles_dir / source, entry_id, settings.articles_dir / first)
        for source, entry_id, first in duplicates
    )
    excluded = {source for source, _, _ in duplicates}
    renderer = _Renderer(cache, settings, excluded=excluded)
    categories = cache.category_names() if settings.write_category_feeds else []
    renderer.prefetch([None, *categories], pool)
    entries = renderer.newest(category=None)
    by_category = {name: renderer.newest(category=name) for name in categories}
    problems.extend(renderer.failed.values())
    problems.sort(key=_by_path)
    cache.commit()  # what was read stays learned, even when nothing is published
    if settings.strict and problems:
        raise SkippedArticlesError(tuple(problems))
    if not entries:
        raise NoArticlesError(
            f"{display_path(settings.articles_dir)}: no usable article "
            f"(looked for {', '.join(settings.patterns)}); nothing was published"
        )
    files = render_outputs(entries, by_category, settings)
    remove_leftovers(settings.output_dir, files)
    result = publish(settings.output_dir, files)
    return BuildReport(
        articles_found=articles_found,
        entries=len(entries),
        problems=tuple(problems),
        written=result.written,
        unchanged=result.unchanged,
        warnings=tuple(cache.warnings(settings.articles_dir, exclude=excluded)),
        files_read=len(stale),
        bodies_sanitized=renderer.sanitized,
    )


def _by_path(error: ArticleError) -> bytes:
    return os.fsencode(error.path)


@dataclass(slots=True)
class _Renderer:
    """Selects the newest articles (of a category) and renders each article at most once."""

    cache: ArticleCache
    settings: Settings
    excluded: set[str]
    failed: dict[str, ArticleError] = field(default_factory=dict)  #: bodies that failed
    sanitized: int = 0  #: entries rendered afresh; the others came from the cache
    _entries: dict[str, Entry] = field(default_factory=dict)
    _candidates: dict[str | None, list[str]] = field(default_factory=dict)  #: from prefetch

    @property
    def _selection_size(self) -> int:
        """Candidates to select: ``limit`` and spares, in case some bodies fail (0: all)."""
        limit = self.settings.limit
        return limit + _SPARE if limit else 0

    def _newest(self, keep: int, category: str | None) -> list[str]:
        return self.cache.newest(keep, exclude=self.excluded, category=category)

    def newest(self, *, category: str | None) -> list[Entry]:
        """The newest ``limit`` usable entries (of ``category``), newest first."""
        limit = self.settings.limit
        keep = self._selection_size
        while True:
            candidates = self._candidates.pop(category, None) or self._newest(keep, category)
            entries: list[Entry] = []
            for source in candidates:
                if limit and len(entries) >= limit:
                    break
                entry = self.entry(source)
                if entry is not None:
                    entries.append(entry)
            if not keep or len(entries) == limit or len(candidates) < keep:
                return entries
            keep *= 2  # more bodies failed than spares were kept: rare; select more

    def prefetch(self, categories: Sequence[str | None], pool: _Pool) -> None:
        """Render, in the pool when there are many, every entry the feeds will likely need:
        the newest ``limit`` of each category (``None``: of all)."""
        wanted: dict[str, Article] = {}
        limit = self.settings.limit
        for category in categories:
            candidates = self._candidates[category] = self._newest(self._selection_size, category)
            for source in candidates[:limit] if limit else candidates:
                if source in wanted or source in self._entries:
                    continue
                found = self._lookup(source)
                if isinstance(found, Article):
                    wanted[source] = found
        articles = list(wanted.values())
        for article, outcome in zip(articles, pool.render(articles), strict=True):
            self._keep(article, outcome)

    def entry(self, source: str) -> Entry | None:
        """The entry of ``source`` (from the cache, or rendered now), ``None`` if it failed."""
        if source in self.failed:
            return None
        entry = self._entries.get(source)
        if entry is not None:
            return entry
        found = self._lookup(source)
        if isinstance(found, Entry):
            return found
        return self._keep(found, render_entry(found, self.settings))

    def _lookup(self, source: str) -> Article | Entry:
        """The cached entry of ``source`` (kept for later), else its article, to render."""
        article = self.cache.article(source, self.settings)
        entry = self.cache.entry(article)
        if entry is None:
            return article
        self._entries[source] = entry
        return entry

    def _keep(self, article: Article, outcome: Entry | ArticleError) -> Entry | None:
        source = article.source
        if isinstance(outcome, ArticleError):
            self.failed[source] = outcome
            return None
        self.cache.store_entry(outcome)
        self.sanitized += 1
        self._entries[source] = outcome
        return outcome


def _read_stale(
    stale: Sequence[_Job], cache: ArticleCache, pool: _Pool, progress: Progress | None
) -> dict[str, ArticleError]:
    """Read new and changed files into the cache; return the errors of those that failed."""
    failed: dict[str, ArticleError] = {}
    rows: list[Row] = []
    for done, (item, outcome) in enumerate(pool.read(stale), start=1):
        if isinstance(outcome, Row):
            rows.append(outcome)
            if len(rows) >= _STORE_BATCH:
                cache.store(rows)
                rows.clear()
        elif isinstance(outcome, ArticleError):
            failed[item.source] = outcome
        else:  # the same bytes as before: the file was only touched
            cache.touch(item.source, outcome.stamp, verified=outcome.verified)
        if progress is not None:
            progress(done, len(stale))
    cache.store(rows)
    cache.forget(failed)
    return failed


# -- reading files, in this process or a pool ------------------------------------------------


class Unchanged(NamedTuple):
    """A file that holds the same bytes as when it was cached: only its stamp is new."""

    stamp: int
    verified: bool


_Outcome = Row | ArticleError | Unchanged
_Job = tuple[Found, bytes | None]
_worker_state: tuple[Settings, datetime] | None = None


class _Pool:
    """Reads files and renders entries, in a process pool once there is enough work for one.

    The pool starts at the first call that needs it (a warm nightly build usually never does)
    and serves both steps; each worker holds the settings and the build's clock.
    """

    def __init__(self, settings: Settings, now: datetime) -> None:
        self.settings = settings
        self.now = now
        self.workers = settings.jobs or os.cpu_count() or 1
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)

    def read(self, jobs: Sequence[_Job]) -> Iterator[tuple[Found, _Outcome]]:
        """Each job's outcome, in order."""
        if len(jobs) < PARALLEL_MIN or self.workers < 2:
            for job in jobs:
                yield job[0], read_file(job, self.settings, self.now)
            return
        chunks = [jobs[start : start + _CHUNK] for start in range(0, len(jobs), _CHUNK)]
        for chunk, outcomes in zip(chunks, self._map(_read_chunk, chunks), strict=True):
            for job, outcome in zip(chunk, outcomes, strict=True):
                yield job[0], _thaw(outcome)

    def render(self, articles: Sequence[Article]) -> Iterator[Entry | ArticleError]:
        """Each article's entry, or the error that kept it out, in order."""
        if len(articles) < PARALLEL_RENDER_MIN or self.workers < 2:
            for article in articles:
                yield render_entry(article, self.settings)
            return
        # A few articles per task: one task per article cost more in messages than it gained
        # in balance between the workers.
        chunk = max(1, len(articles) // (self.workers * 4))
        for outcome in self._map(_render_one, articles, chunk):
            yield outcome if isinstance(outcome, Entry) else _thaw_error(outcome)

    def _map(
        self, function: Callable[[Any], Any], items: Sequence[Any], chunk: int = 1
    ) -> Iterator[Any]:
        if self._executor is None:
            methods = multiprocessing.get_all_start_methods()
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("fork" if "fork" in methods else None),
                initializer=_init_worker,
                initargs=(self.settings, self.now, os.getpid()),
            )
        return self._executor.map(function, items, chunksize=chunk)


def _init_worker(settings: Settings, now: datetime, parent: int) -> None:
    global _worker_state  # noqa: PLW0603 - the pool's per-process state
    _worker_state = (settings, now)
    _die_with(parent)


def _die_with(parent: int) -> None:
    """End this worker when the build that forked it ends, however it ends.

    A forked worker holds copies of the parent's files, the output folder's lock among them:
    a worker left behind by a killed build would keep every later build locked out.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the build died before prctl() took effect
        os._exit(1)


def _render_one(article: Article) -> Any:
    assert _worker_state is not None  # noqa: S101 - set by _init_worker
    return _freeze(render_entry(article, _worker_state[0]))


def _read_chunk(chunk: Sequence[_Job]) -> list[Any]:
    assert _worker_state is not None  # noqa: S101 - set by _init_worker
    settings, now = _worker_state
    return [_freeze(read_file(job, settings, now)) for job in chunk]


def read_file(job: _Job, settings: Settings, now: datetime) -> _Outcome:
    """Read one new or changed file: a cache row with the article's warnings, its error, or
    :class:`Unchanged` when it holds the same bytes as when it was cached."""
    item, old_digest = job
    path = settings.articles_dir / item.source
    try:
        data, info = read_article_file(path, settings.max_file_bytes)
        stamp, racy = item.stamp, item.racy
        if stamp == UNSTAMPED:  # not stat'ed by the scan: stamped as it is read
            stamp, racy = stamp_of(info, time.time_ns())
        digest = content_digest(data)
        if digest == old_digest:
            return Unchanged(stamp, verified=not racy)
        checked = check_article(path, settings=settings, now=now, data=data)
    except ArticleError as error:
        return error
    except Exception as error:  # a bug must cost one article, not the whole feed
        log.debug("%s: unexpected error", path, exc_info=True)
        return unexpected_error(path, error)
    return to_row(
        checked.article,
        stamp=stamp,
        verified=not racy,
        digest=digest,
        warnings=checked.warnings,
    )


def _freeze(outcome: Any) -> Any:
    # An ArticleError cannot be pickled as it is (its __init__ takes other arguments than
    # args): send its fields.
    if isinstance(outcome, ArticleError):
        return ("error", (outcome.path, outcome.reason, outcome.line))
    return outcome


def _thaw(frozen: Any) -> _Outcome:
    if isinstance(frozen, Row | Unchanged):
        return frozen
    return _thaw_error(frozen)


def _thaw_error(frozen: tuple[str, tuple[Path, str, int | None]]) -> ArticleError:
    _, (path, reason, line) = frozen
    return ArticleError(path, reason, line)


# -- entries -----------------------------------------------------------------------------------


def render_entry(article: Article, settings: Settings) -> Entry | ArticleError:
    """:func:`make_entry`, with the error that keeps the article out returned, not raised."""
    try:
        return make_entry(article, settings)
    except ArticleError as error:
        return error


def make_entry(article: Article, settings: Settings) -> Entry:
    """Read and sanitize one article's body into a feed :class:`Entry`.

    Raises :class:`ArticleError` when the file cannot be read again or its body is empty.
    """
    try:
        body = clean_body(read_body(article, settings), article.link or settings.base_url)
    except ArticleError:
        raise
    except Exception as error:  # a bug must cost one article, not the whole feed
        log.debug("%s: unexpected error", article.path, exc_info=True)
        raise unexpected_error(article.path, error) from error
    if not body.html:
        raise ArticleError(
            article.path,
            "the body is empty (or nothing was left once scripts, styles and boilerplate "
            "were removed): write the article's HTML after the closing '---'",
        )
    return Entry(
        article=article,
        content=body.html,
        summary=summarize(body.html, settings.summary_chars),
        thumbnail=article.thumbnail or body.first_image,
        contributor=body.editor,
    )
