"""The flow of a build: lock, scan and refresh the index, select, sanitize, render, publish.

Each step is a module of its own; this one only connects them. A nightly build over years of
articles reads only new and changed files (:mod:`~feedgen_miit.index`), sanitizes only the
bodies the feeds show (:mod:`~feedgen_miit.selection`), and hands both jobs to a process
pool when there are many (:mod:`~feedgen_miit.workers`). ``check`` is the same refresh over
an index in memory, then every body sanitized.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from .errors import (
    ArticleError,
    ArticleWarning,
    ConfigError,
    NoArticlesError,
    SkippedArticlesError,
    display_path,
    in_path_order,
)
from .index import ArticleIndex, Changes, IndexDamagedError, fingerprint, index_path
from .model import BuildReport, CheckReport, LoadResult
from .outputs import render_outputs
from .publish import output_lock, publish, remove_leftovers
from .selection import Selection, select
from .settings import Settings
from .tasks import Progress, Work, reader, renderer
from .workers import WorkerPool

log = logging.getLogger(__name__)


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
    _require_folder(settings.articles_dir)
    work = Work(settings, now or datetime.now(UTC))
    with (
        output_lock(settings.output_dir, timeout=settings.lock_timeout),
        WorkerPool(work, settings.jobs) as pool,
    ):
        changes, selection, warnings = _read_and_select(settings, pool, progress)
        problems = in_path_order((*changes.problems, *selection.problems))
        if settings.strict and problems:
            raise SkippedArticlesError(problems)
        if not selection.entries:
            raise NoArticlesError(
                f"{display_path(settings.articles_dir)}: no usable article "
                f"(looked for {', '.join(settings.patterns)}); nothing was published"
            )
        files = render_outputs(selection.entries, selection.by_category, settings)
        remove_leftovers(settings.output_dir, files)
        published = publish(settings.output_dir, files)
    return BuildReport(
        articles_found=changes.articles,
        entries=len(selection.entries),
        problems=problems,
        written=published.written,
        unchanged=published.unchanged,
        warnings=warnings,
        files_read=changes.files_read,
        bodies_sanitized=selection.sanitized,
    )


def check(settings: Settings, *, now: datetime | None = None) -> CheckReport:
    """Find every problem a build could meet in ``settings.articles_dir``; write nothing.

    Unlike :func:`build`, every file is read (the index is kept in memory only) and every
    body is sanitized, not only the newest.
    """
    _require_folder(settings.articles_dir)
    with WorkerPool(Work(settings, now or datetime.now(UTC)), settings.jobs) as pool:
        loaded = _load(settings, pool)
        outcomes = renderer(pool)(loaded.articles)
        failed = [outcome for outcome in outcomes if isinstance(outcome, ArticleError)]
    problems = in_path_order((*loaded.problems, *failed))
    return CheckReport(len(loaded.articles) - len(failed), problems, loaded.warnings)


def load_folder(settings: Settings, *, now: datetime | None = None) -> LoadResult:
    """Read every article file under ``settings.articles_dir`` (front matter only).

    ``now`` is the clock for the future-date check (default: the current time).
    """
    _require_folder(settings.articles_dir)
    with WorkerPool(Work(settings, now or datetime.now(UTC)), settings.jobs) as pool:
        return _load(settings, pool)


def _load(settings: Settings, pool: WorkerPool[Work]) -> LoadResult:
    index = ArticleIndex.open(None, fingerprint(settings))
    changes = index.refresh(settings.articles_dir, settings.patterns, reader(pool))
    articles = tuple(index.article(source) for source in index.sources())
    return LoadResult(articles, changes.problems, tuple(index.warnings()))


def _read_and_select(
    settings: Settings, pool: WorkerPool[Work], progress: Progress | None
) -> tuple[Changes, Selection, tuple[ArticleWarning, ...]]:
    """Refresh the index and select every feed's entries; commit what was learned.

    A damaged index is thrown away, and the same done again without it.
    """
    location = index_path(settings) if settings.cache else None
    for attempt in (1, 2):
        index = ArticleIndex.open(location, fingerprint(settings))
        try:
            changes = index.refresh(
                settings.articles_dir, settings.patterns, reader(pool, progress)
            )
            selection = select(
                index,
                renderer(pool),
                limit=settings.limit,
                categories=settings.write_category_feeds,
            )
            warnings = tuple(index.warnings())
            index.commit()  # what was read stays learned, even when nothing is published
        except IndexDamagedError as error:
            index.discard()
            if attempt == 2:
                raise
            log.info("index damaged (%s); reading every file again", error)
            continue
        finally:
            index.close()
        return changes, selection, warnings
    raise AssertionError("unreachable")  # pragma: no cover


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise ConfigError(f"{display_path(folder)}: articles folder not found (or not a folder)")
