"""The one place the steps meet: scan -> read (cached) -> select -> sanitize -> render -> publish.

A nightly build over years of articles must not re-read them all: :mod:`feedgen_miit.cache`
remembers each file's article, so only new and changed files are read (in a process pool when
there are many), and only the articles that make it into the feed have their bodies sanitized.
Memory stays small: bodies are never kept, and of the articles only the date and id of each and
the newest ``limit`` in full are held.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import ArticleCache, CacheError, Row, content_digest, to_row
from .errors import ArticleError, ConfigError, NoArticlesError
from .feed import render_atom
from .loader import load_article, read_body
from .model import Article, Entry, Settings
from .publish import output_lock, publish, remove_leftovers
from .sanitize import clean_body, summarize
from .scan import Found, scan

log = logging.getLogger(__name__)

#: ``progress(done, total)`` while files are read; called only when some must be read.
Progress = Callable[[int, int], None]
#: Fewer new or changed files than this are read in this process (a pool costs ~50 ms).
PARALLEL_MIN = 256
_CHUNK = 256
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
    files_read: int = 0  #: article files read (new or changed); the others came from the cache
    bodies_sanitized: int = 0  #: entries rendered afresh; the others came from the cache

    @property
    def complete(self) -> bool:
        """True when every article file was used."""
        return not self.problems


def build(settings: Settings, *, progress: Progress | None = None) -> BuildReport:
    """Build the feed described by ``settings`` and publish it into ``settings.output_dir``.

    Bad article files are reported in :attr:`BuildReport.problems` and left out; the build
    fails (:class:`NoArticlesError`) only when no article at all is usable. Only one build at
    a time writes an output folder; another one waits up to ``settings.lock_timeout`` seconds.
    """
    if not settings.articles_dir.is_dir():
        raise ConfigError(f"{settings.articles_dir}: articles folder not found (or not a folder)")
    with output_lock(settings.output_dir, timeout=settings.lock_timeout):
        remove_leftovers(settings.output_dir, [settings.feed_filename])
        cache = ArticleCache.open(settings)
        try:
            return _build(settings, cache, progress)
        except CacheError as error:
            log.info("cache damaged (%s); reading every file again", error)
            cache.discard()
            cache = ArticleCache.open(settings)
            return _build(settings, cache, progress)
        finally:
            cache.close()


def _build(settings: Settings, cache: ArticleCache, progress: Progress | None) -> BuildReport:
    found = scan(settings.articles_dir, settings.patterns, now_ns=time.time_ns())
    stale = cache.compare(found)
    log.debug("%d article files, %d new or changed", len(found), len(stale))
    del found
    failed = _read_stale(stale, cache, settings, progress)
    articles_found, duplicates = cache.usable()
    problems = list(failed.values())
    problems.extend(
        ArticleError(
            settings.articles_dir / source,
            f"id {entry_id!r} is already used by {settings.articles_dir / first}; "
            "give one of them its own 'id' in the front matter",
        )
        for source, entry_id, first in duplicates
    )
    excluded = {source for source, _, _ in duplicates}
    unreadable: dict[str, ArticleError] = {}
    keep = settings.limit + _SPARE if settings.limit else 0
    while True:
        candidates = cache.newest(keep, exclude=excluded)
        entries, sanitized = _entries(candidates, unreadable, cache, settings)
        if not keep or len(entries) == settings.limit or len(candidates) < keep:
            break
        keep *= 2  # more bodies failed than spares were kept: rare; select more
    problems.extend(unreadable.values())
    if not entries:
        cache.commit()
        raise NoArticlesError(
            f"{settings.articles_dir}: no usable article "
            f"(looked for {', '.join(settings.patterns)}); nothing was published"
        )
    document = render_atom(entries, settings)
    result = publish(settings.output_dir, {settings.feed_filename: document})
    cache.commit()
    problems.sort(key=lambda error: str(error.path))
    return BuildReport(
        articles_found=articles_found,
        entries=len(entries),
        problems=tuple(problems),
        written=result.written,
        unchanged=result.unchanged,
        files_read=len(stale),
        bodies_sanitized=sanitized,
    )


def _entries(
    candidates: Sequence[str],
    unreadable: dict[str, ArticleError],
    cache: ArticleCache,
    settings: Settings,
) -> tuple[list[Entry], int]:
    """The feed's entries from the candidates, newest first; bodies that fail are skipped."""
    entries: list[Entry] = []
    sanitized = 0
    for source in candidates:
        if settings.limit and len(entries) >= settings.limit:
            break
        if source in unreadable:
            continue
        article = cache.article(source, settings)
        entry = cache.entry(article)
        if entry is None:
            try:
                entry = make_entry(article, settings)
            except ArticleError as error:
                unreadable[source] = error
                continue
            cache.store_entry(entry)
            sanitized += 1
        entries.append(entry)
    return entries, sanitized


def _read_stale(
    stale: Sequence[_Job], cache: ArticleCache, settings: Settings, progress: Progress | None
) -> dict[str, ArticleError]:
    """Read new and changed files into the cache; return the errors of those that failed."""
    failed: dict[str, ArticleError] = {}
    rows: list[Row] = []
    for done, (item, outcome) in enumerate(_read_all(stale, settings), start=1):
        if isinstance(outcome, Row):
            rows.append(outcome)
            if len(rows) >= _STORE_BATCH:
                cache.store(rows)
                rows.clear()
        elif isinstance(outcome, ArticleError):
            failed[item.source] = outcome
        else:  # the same bytes as before: the file was only touched
            cache.touch(item.source, item.stamp, verified=not item.racy)
        if progress is not None:
            progress(done, len(stale))
    cache.store(rows)
    cache.forget(failed)
    return failed


# -- reading files, in this process or a pool ------------------------------------------------

_Outcome = Row | ArticleError | None
_Job = tuple[Found, bytes | None]
_worker_settings: Settings | None = None


def _read_all(jobs: Sequence[_Job], settings: Settings) -> Iterator[tuple[Found, _Outcome]]:
    """Each job's outcome, in order; in a process pool when there are many."""
    workers = settings.jobs or os.cpu_count() or 1
    if len(jobs) < PARALLEL_MIN or workers < 2:
        for job in jobs:
            yield job[0], read_file(job, settings)
        return
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else None)
    chunks = [jobs[start : start + _CHUNK] for start in range(0, len(jobs), _CHUNK)]
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_init_worker, initargs=(settings,)
    ) as pool:
        for chunk, outcomes in zip(chunks, pool.map(_read_chunk, chunks), strict=True):
            for job, outcome in zip(chunk, outcomes, strict=True):
                yield job[0], _thaw(outcome)


def _init_worker(settings: Settings) -> None:
    global _worker_settings  # noqa: PLW0603 - the pool's per-process state
    _worker_settings = settings


def _read_chunk(chunk: Sequence[_Job]) -> list[Any]:
    assert _worker_settings is not None  # noqa: S101 - set by _init_worker
    return [_freeze(read_file(job, _worker_settings)) for job in chunk]


def read_file(job: _Job, settings: Settings) -> _Outcome:
    """Read one new or changed file: a cache row, its error, or ``None`` for the same bytes."""
    item, old_digest = job
    path = settings.articles_dir / item.source
    data: bytes | None = None
    digest = b""
    try:
        if path.stat().st_size <= settings.max_file_bytes:
            data = path.read_bytes()
            digest = content_digest(data)
    except OSError:
        pass  # load_article says what is wrong with the file
    if digest and digest == old_digest:
        return None
    try:
        article = load_article(path, settings=settings, data=data)
    except ArticleError as error:
        return error
    return to_row(article, stamp=item.stamp, verified=not item.racy, digest=digest)


def _freeze(outcome: _Outcome) -> Any:
    # An ArticleError cannot be pickled as is (its __init__ takes other arguments than args).
    if isinstance(outcome, ArticleError):
        return ("error", type(outcome), outcome.args, dict(vars(outcome)))
    return outcome


def _thaw(frozen: Any) -> _Outcome:
    if isinstance(frozen, tuple) and len(frozen) == 4 and frozen[0] == "error":
        _, kind, args, state = frozen
        error: ArticleError = kind.__new__(kind, *args)
        error.args = args
        vars(error).update(state)
        return error
    result: _Outcome = frozen
    return result


# -- entries -----------------------------------------------------------------------------------


def newest_first(articles: Iterable[Article]) -> Iterator[Article]:
    """Articles by publication time, newest first; ties broken by path for a stable order."""
    by_path = sorted(articles, key=lambda article: article.source)
    yield from sorted(by_path, key=lambda article: article.published, reverse=True)


def make_entry(article: Article, settings: Settings) -> Entry:
    """Read and sanitize one article's body into a feed :class:`Entry`."""
    body = clean_body(read_body(article, settings), article.link or settings.base_url)
    return Entry(
        article=article,
        content=body.html,
        summary=summarize(body.html, settings.summary_chars),
        thumbnail=article.thumbnail or body.first_image,
        contributor=body.editor,
    )
