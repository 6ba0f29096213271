"""The flow of a build: lock, refresh the index, select, sanitize, render, publish.

Each step is a module of its own; this one only connects them. A nightly build over years of
articles reads only new and changed files (:mod:`~feedgen_miit.index`), sanitizes only the
bodies that something new shows (:mod:`~feedgen_miit.selection`, :mod:`~feedgen_miit.pages`),
and hands both jobs to a process pool when there are many (:mod:`~feedgen_miit.workers`).
``check`` is the same refresh over an index in memory, then every body sanitized.
"""

from __future__ import annotations

import hashlib
import json
import logging
import signal
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .delivery import compressors, notify_hubs
from .errors import (
    ArticleError,
    ConfigError,
    Interrupted,
    NoArticlesError,
    PublishError,
    SkippedArticlesError,
    display_path,
    in_path_order,
)
from .index import (
    ArticleIndex,
    Changes,
    IndexDamagedError,
    code_hash,
    fingerprint,
    index_path,
    lock_note,
)
from .model import BuildReport, CheckReport, LoadResult
from .outputs import render_feeds
from .pages import (
    PagesOut,
    plan_listings,
    publish_article_pages,
    sanitize_pending,
    without_site_pictures,
)
from .publish import (
    output_lock,
    publish,
    remove_leftovers,
    remove_private_leftovers,
    remove_published,
)
from .selection import Selection, select
from .settings import Scope, Settings, scoped
from .tasks import Progress, Work, reader, renderer
from .workers import WorkerPool

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
    done = _Done()
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
                raise PublishError(
                    f"{index.location}: the article index turned out damaged ({error}) and "
                    "was removed; what was published is whole. Run the build again."
                ) from None
            finally:
                index.close()
    except KeyboardInterrupt as interruption:
        # The pool, the index and the lock are let go on the way out; say what went out.
        number = getattr(interruption, "signal_number", signal.SIGINT)
        raise Interrupted(number, pages=done.pages, feeds=done.feeds) from None


@dataclass(slots=True)
class _Done:
    """What a build has published so far: what an interrupted build reports."""

    pages: int = 0
    feeds: bool = False


def _render_and_publish(
    settings: Settings,
    pool: WorkerPool[Work],
    index: ArticleIndex,
    *,
    changes: Changes,
    selection: Selection,
    done: _Done,
) -> BuildReport:
    site, pictures = settings.site, index.site_pictures()
    index.set_outputs_fingerprint(_outputs_fingerprint(settings, pictures))
    failed, sanitized = sanitize_pending(index, renderer(pool)) if site.pages else ([], 0)
    problems = in_path_order((*changes.problems, *selection.problems, *failed))
    if settings.strict and problems:
        raise SkippedArticlesError(problems)
    if not selection.entries:
        found = f"{len(problems)} article file(s), none usable" if problems else "no article file"
        raise NoArticlesError(
            f"{display_path(settings.articles_dir)}: {found} "
            f"(looked for {', '.join(settings.patterns)}); nothing was published",
            problems,
        )
    entries = [without_site_pictures(entry, pictures) for entry in selection.entries]
    by_category = {
        name: [without_site_pictures(entry, pictures) for entry in chosen]
        for name, chosen in selection.by_category.items()
    }
    files, feeds = render_feeds(entries, by_category, settings)
    pages = PagesOut(0, 0)
    output = settings.output_dir
    compress = settings.write_compressed
    for batch in publish_article_pages(index, site, feeds, output, pictures, compress=compress):
        pages = PagesOut(pages.written + batch.written, pages.unchanged + batch.unchanged)
        done.pages = pages.written
    latest = [entry.article for entry in entries]
    listings = plan_listings(
        index, site=site, feeds=feeds, latest=latest, settings=settings, produced=frozenset(files)
    )
    files |= listings.files
    remove_leftovers(settings.output_dir, files)
    published = publish(settings.output_dir, files, compress=settings.write_compressed)
    done.feeds = True
    # Only now that nothing links to them: pages of articles that went, stale listings.
    gone = index.gone_pages() if site.pages else [page for _, page in index.pages_out()]
    removed = remove_published(settings.output_dir, [*gone, *sorted(listings.stale)])
    if not site.pages:
        for source, _ in index.pages_out():
            index.page_published(source, None)
    index.files_published(
        {path: hashlib.sha256(data).digest()[:16] for path, data in files.items()},
        removed=listings.stale,
    )
    index.commit()
    changed = {path.relative_to(settings.output_dir).as_posix() for path in published.written}
    feeds_changed = [site.base_url + feed.path for feed in feeds.every() if feed.path in changed]
    hub_failures = notify_hubs(settings.hubs, feeds_changed) if settings.hubs else []
    return BuildReport(
        articles_found=index.article_count(),
        entries=len(selection.entries),
        problems=problems,
        written=published.written,
        unchanged=published.unchanged,
        warnings=tuple(index.warnings()),
        files_read=changes.files_read,
        bodies_sanitized=selection.sanitized + sanitized,
        removed=tuple(removed),
        pages_written=pages.written,
        pages_unchanged=pages.unchanged,
        hub_failures=tuple(hub_failures),
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
    return CheckReport(len(loaded.articles) - len(failed), problems, loaded.warnings)


def load_folder(settings: Settings, *, now: datetime | None = None) -> LoadResult:
    """Read every article file under ``settings.articles_dir`` (front matter only).

    ``now`` is the clock for the future-date check (default: the current time).
    """
    _require_folder(settings.articles_dir)
    with WorkerPool(Work(settings, now or datetime.now(UTC)), settings.jobs) as pool:
        return _load(settings, pool)


def _load(
    settings: Settings, pool: WorkerPool[Work], progress: Progress | None = None
) -> LoadResult:
    index = ArticleIndex.open(None, fingerprint(settings))
    changes = index.refresh(settings.articles_dir, settings.patterns, reader(pool, progress))
    articles = tuple(index.article(source) for source in index.sources())
    return LoadResult(articles, changes.problems, tuple(index.warnings()))


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
            changes = index.refresh(
                settings.articles_dir, settings.patterns, reader(pool, progress)
            )
            selection = select(
                index,
                renderer(pool),
                limit=settings.limit,
                categories=settings.write_category_feeds,
            )
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


def _outputs_fingerprint(settings: Settings, pictures: frozenset[str]) -> str:
    """What every page's bytes depend on besides its articles: the settings that shape the
    outputs, the pictures taken for the site's own, and this code."""
    parts = {name: repr(getattr(settings, name)) for name in scoped(Scope.OUTPUT)}
    parts |= {"pictures": repr(sorted(pictures)), "code": code_hash()}
    parts["copies"] = repr(compressors() if settings.write_compressed else ())
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _require_folder(folder: Path) -> None:
    if not folder.is_dir():
        raise ConfigError(f"{display_path(folder)}: articles folder not found (or not a folder)")
