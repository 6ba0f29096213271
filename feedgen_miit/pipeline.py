"""The flow of a build: lock, refresh the index, select, sanitize, render, publish.

Each step is a module of its own; this one only connects them. A nightly build over years of
articles reads only new and changed files (:mod:`~feedgen_miit.index`), sanitizes only the
bodies that something new shows (:mod:`~feedgen_miit.selection`, :mod:`~feedgen_miit.pages`);
a process pool reads, sanitizes and renders archive documents (:mod:`~feedgen_miit.archives`).
The outputs go online in an order that never breaks a link (:mod:`~feedgen_miit.release`).
``check`` is the same refresh over an index in memory, then every body sanitized.
"""

from __future__ import annotations

import logging
import signal
from datetime import UTC, datetime
from pathlib import Path

from .archives import place_articles
from .errors import (
    ArticleError,
    ConfigError,
    Interrupted,
    NoArticlesError,
    PublishError,
    SkippedArticlesError,
    in_path_order,
    say_pages_out,
)
from .index import ArticleIndex, Changes, IndexDamagedError, fingerprint, index_path, lock_note
from .model import BuildReport, CheckReport, LoadResult
from .outputs import render_feeds
from .pages import sanitize_for_outputs, with_real_pictures
from .publish import output_lock, remove_private_leftovers, require_apart
from .release import Done, outputs_fingerprint, release
from .selection import Selection, select
from .settings import Settings
from .tasks import Progress, Work, archive_renderer, reader, renderer
from .workers import WorkerError, WorkerPool

log = logging.getLogger(__name__)


def build(
    settings: Settings, *, now: datetime | None = None, progress: Progress | None = None
) -> BuildReport:
    """Build the feeds and pages described by ``settings`` into ``settings.output_dir``.

    Bad article files are reported in :attr:`BuildReport.problems` and left out; the build
    fails (:class:`NoArticlesError`) only when no article at all is usable, or
    (:class:`SkippedArticlesError`) when ``settings.strict`` is set and any article is bad.
    ``now`` is the clock that dates in the future are checked against (default: now). Only
    one build at a time writes an output folder; another one waits up to
    ``settings.lock_timeout`` seconds.
    """
    _require_folder(settings.articles_dir)
    require_apart(settings.articles_dir, settings.output_dir)
    done = Done()
    try:
        with (
            output_lock(
                settings.output_dir, timeout=settings.lock_timeout, note=lock_note(settings)
            ),
            WorkerPool(Work(settings, now or datetime.now(UTC)), settings.jobs) as pool,
        ):
            remove_private_leftovers(settings.output_dir)
            index, changes, selection = _refresh_and_select(settings, pool, progress)
            try:
                return _render_and_publish(
                    settings, pool, index, changes=changes, selection=selection, done=done
                )
            except IndexDamagedError as error:
                index.discard()
                raise PublishError.damaged_index(index.location, error) from None
            finally:
                index.close()
    except (PublishError, WorkerError) as error:
        say_pages_out(error, 0 if done.feeds else done.pages)
        raise
    except KeyboardInterrupt as interruption:  # the pool, the index, the lock are let go
        number = getattr(interruption, "signal_number", signal.SIGINT)
        raise Interrupted(number, pages=done.pages, feeds=done.feeds) from None


def _render_and_publish(
    settings: Settings,
    pool: WorkerPool[Work],
    index: ArticleIndex,
    *,
    changes: Changes,
    selection: Selection,
    done: Done,
) -> BuildReport:
    pictures = index.site_pictures()
    index.set_outputs_fingerprint(outputs_fingerprint(settings, pictures))
    failed, sanitized = sanitize_for_outputs(index, renderer(pool), settings)
    problems = in_path_order((*changes.problems, *selection.problems, *failed))
    if settings.strict and problems:
        raise SkippedArticlesError(problems)
    if not selection.entries:
        raise NoArticlesError.in_folder(
            settings.articles_dir, settings.patterns, problems, len(changes.drafts)
        )
    documents = place_articles(index, selection, added=changes.added, settings=settings)
    shown = with_real_pictures(selection, pictures)
    files, feeds = render_feeds(shown.entries, shown.by_category, settings, documents)
    released = release(
        index,
        settings,
        files=files,
        feeds=feeds,
        documents=documents,
        latest=[entry.article for entry in shown.entries],
        pictures=pictures,
        done=done,
        render_archives=archive_renderer(pool),
    )
    return BuildReport(
        articles_found=index.article_count(),
        entries=len(selection.entries),
        problems=problems,
        written=released.written,
        unchanged=released.unchanged,
        warnings=tuple(index.warnings()),
        files_read=changes.files_read,
        bodies_sanitized=selection.sanitized + sanitized,
        removed=released.removed,
        pages_written=released.pages.written,
        pages_unchanged=released.pages.unchanged,
        hub_failures=released.hub_failures,
        drafts=changes.drafts,
    )


def check(
    settings: Settings, *, now: datetime | None = None, progress: Progress | None = None
) -> CheckReport:
    """Find every problem a build could meet in ``settings.articles_dir``; write nothing.

    Unlike :func:`build`, every file is read (the index is kept in memory only) and every
    body is sanitized, not only the newest.
    """
    _require_folder(settings.articles_dir)
    with WorkerPool(Work(settings, now or datetime.now(UTC)), settings.jobs) as pool:
        loaded = _load(settings, pool, progress)
        outcomes = renderer(pool, progress)(loaded.articles)
        failed = [outcome for outcome in outcomes if isinstance(outcome, ArticleError)]
    problems = in_path_order((*loaded.problems, *failed))
    return CheckReport(
        len(loaded.articles) - len(failed), problems, loaded.warnings, drafts=loaded.drafts
    )


def load_folder(settings: Settings, *, now: datetime | None = None) -> LoadResult:
    """Read every article file under ``settings.articles_dir`` (front matter only); ``now``
    is the clock for the future-date check (default: the current time)."""
    _require_folder(settings.articles_dir)
    with WorkerPool(Work(settings, now or datetime.now(UTC)), settings.jobs) as pool:
        return _load(settings, pool)


def _load(
    settings: Settings, pool: WorkerPool[Work], progress: Progress | None = None
) -> LoadResult:
    index = ArticleIndex.open(None, fingerprint(settings))
    changes = index.refresh(settings, reader(pool, progress))
    articles = tuple(index.articles(index.sources()))
    return LoadResult(articles, changes.problems, tuple(index.warnings()), changes.drafts)


def _refresh_and_select(
    settings: Settings, pool: WorkerPool[Work], progress: Progress | None
) -> tuple[ArticleIndex, Changes, Selection]:
    """Refresh the index and select every feed's entries; commit what was learned.

    A damaged index is thrown away, and the same done again without it.
    """
    location = index_path(settings) if settings.cache else None
    for attempt in (1, 2):
        index = ArticleIndex.open(location, fingerprint(settings))
        try:
            changes = index.refresh(settings, reader(pool, progress))
            selection = select(index, renderer(pool), settings)
            index.commit()  # what was read stays learned, even when nothing is published
        except IndexDamagedError as error:
            index.discard()
            if attempt == 2:
                raise
            log.info("index damaged (%s); reading every file again", error)
            continue
        except BaseException:
            index.close()
            raise
        return index, changes, selection
    raise AssertionError("unreachable")  # pragma: no cover


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise ConfigError(f"{folder}: articles folder not found (or not a folder)")
