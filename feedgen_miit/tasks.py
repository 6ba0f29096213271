"""The work a build hands out, one item at a time: read a stale file, render an entry.

Both run in :class:`~feedgen_miit.workers.WorkerPool` processes (or in the build's own, for
a little work), share a :class:`Work` context, and raise
:class:`~feedgen_miit.errors.ArticleError` for an article they cannot use: a bug in either
costs that article only (:func:`~feedgen_miit.errors.per_article`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from .archives import ArchivePage, CheckedPage, RenderPages, checked_archive_page
from .budget import entry_cost
from .errors import ArticleError, Draft, MarkupLimitError, per_article
from .index import ReadFiles, Record, SameContent, StaleFile, content_digests, record_of
from .layout import month_of
from .loader import MAX_EXCERPT_CHARS, before_more, check_article, read_article_file, read_body
from .model import Article, Entry
from .profile import rules_of
from .sanitize import clean_body, summarize
from .scan import UNSTAMPED, stamp_of
from .selection import RenderMany
from .settings import Settings
from .text import visible
from .workers import WorkerPool

#: ``progress(step, done, total)`` while a long step runs (``"reading articles"``,
#: ``"checking bodies"``); called only when there is work to do.
Progress = Callable[[str, int, int], None]
#: Fewer new or changed files than this are read in this process (forking costs ~50 ms).
PARALLEL_READ_MIN = 256
#: Files per message to a worker: the message costs little next to reading them.
READ_CHUNK = 256
#: Fewer bodies than this to sanitize are sanitized in this process (one takes ~1 ms).
PARALLEL_RENDER_MIN = 16
#: Fewer archive pages than this are rendered in this process, unless the workers run already.
PARALLEL_ARCHIVE_MIN = 16
#: Why a front matter's thumbnail is not the entry's picture (:attr:`Entry.dropped_picture`).
REMOVED_PICTURE = "an image the cleaning removed from the body (the site's boilerplate)"


@dataclass(frozen=True, slots=True)
class Work:
    """What every task needs to know: the settings, and the build's clock."""

    settings: Settings
    now: datetime  #: dates later than this (plus a day) are errors


def read_file(work: Work, stale: StaleFile) -> Record | SameContent | Draft:
    """Read one new or changed article file into its index record, with its warnings.

    :class:`SameContent` when it holds the same bytes as when it was indexed (the file was
    only touched); a :class:`Draft` for a file marked ``published: false``. Raises
    :class:`ArticleError` when the file cannot be used.
    """
    settings = work.settings
    path = settings.articles_dir / stale.source
    with per_article(path):
        data, info = read_article_file(path, settings.max_file_bytes)
        stamp, racy = stale.stamp, stale.racy
        if stamp == UNSTAMPED:  # not stat'ed by the scan: stamped as it is read
            stamp, racy = stamp_of(info, time.time_ns())
        digest, body_digest = content_digests(data)
        if digest == stale.digest:
            return SameContent(stamp, verified=not racy)
        checked = check_article(path, settings=settings, now=work.now, data=data)
        if isinstance(checked, Draft):
            return checked
        return record_of(
            checked.article,
            month=month_of(checked.article.published, settings.zone),
            stamp=stamp,
            verified=not racy,
            digest=digest,
            body_digest=body_digest,
            warnings=checked.warnings,
        )


def make_entry(work: Work, article: Article) -> Entry:
    """Read and sanitize one article's body into a feed :class:`Entry`.

    The front matter's thumbnail is dropped when it is an image the cleaning removed from
    the body (the app-promotion QR code Sina names as every article's ``headimg``): the
    entry's picture is then the body's first image, if any.

    Raises :class:`ArticleError` when the file cannot be read again or its body is empty.
    """
    settings = work.settings
    base, rules = article.link or settings.base_url, rules_of(settings.profiles)
    with per_article(article.path):
        raw = read_body(article, settings)
        try:
            body = clean_body(raw, base, rules, title=article.title)
            excerpt = article.excerpt
            if excerpt is None:
                marked = before_more(raw)
                if marked is not None:  # sanitized on its own: the mark is a comment, which goes
                    excerpt = visible(
                        summarize(
                            clean_body(marked, base, rules, title=article.title).html,
                            MAX_EXCERPT_CHARS,
                            rules,  # a title label never opens it, as it never opens a summary
                        )
                    )
        except MarkupLimitError as error:
            raise ArticleError(article.path, error.args[0]) from None
    if not body.html:
        raise ArticleError(
            article.path,
            "the body is empty (or nothing was left once scripts, styles and boilerplate "
            "were removed): write the article's HTML after the closing '---'",
        )
    picture, dropped = article.thumbnail, None
    if picture is not None and picture in body.removed_images:
        picture, dropped = None, f"{picture}: {REMOVED_PICTURE}"
    images = tuple(dict.fromkeys((picture, *body.images))) if picture else body.images
    entry = Entry(
        article=article,
        content=body.html,
        summary=summarize(body.html, settings.summary_chars, rules),
        thumbnail=images[0] if images else None,
        contributor=body.editor,
        excerpt=excerpt or None,
        images=images,
        dropped_picture=dropped,
    )
    # Measured here, in the worker: archiving a cold 100,000 needs every entry's cost.
    return replace(entry, cost=entry_cost(entry, settings.base_url + article.page))


def reader(pool: WorkerPool[Work], progress: Progress | None = None) -> ReadFiles:
    """Read stale files in ``pool``, telling ``progress`` as they come."""

    def read(stale: Sequence[StaleFile]) -> Iterator[Record | SameContent | Draft | ArticleError]:
        outcomes = pool.map(
            read_file, stale, catch=ArticleError, chunk=READ_CHUNK, parallel_from=PARALLEL_READ_MIN
        )
        for done, outcome in enumerate(outcomes, start=1):
            if progress is not None:
                progress("reading articles", done, len(stale))
            yield outcome

    return read


def renderer(pool: WorkerPool[Work], progress: Progress | None = None) -> RenderMany:
    """Sanitize articles into entries in ``pool``, telling ``progress`` as they come."""

    def render(articles: Sequence[Article]) -> Iterator[Entry | ArticleError]:
        # A few articles per message: one each cost more in messages than it gained in
        # balance between the workers.
        chunk = max(1, len(articles) // (pool.workers * 4))
        outcomes = pool.map(
            make_entry, articles, catch=ArticleError, chunk=chunk, parallel_from=PARALLEL_RENDER_MIN
        )
        for done, outcome in enumerate(outcomes, start=1):
            if progress is not None:
                progress("checking bodies", done, len(articles))
            yield outcome

    return render


def render_archive(work: Work, page: ArchivePage) -> CheckedPage:
    """Render and check the documents of one page of a feed's archive (in a worker process)."""
    return checked_archive_page(work.settings, page)


def archive_renderer(pool: WorkerPool[Work]) -> RenderPages:
    """Render archive pages in ``pool``: rendering them (feedgen, lxml) was a third of the
    build process's share of a cold build, which on two cores is its wall-time floor, while
    the workers had nothing left to do. A page each message: one takes ~10-50 ms."""

    def render(pages: Sequence[ArchivePage]) -> Iterator[CheckedPage]:
        least = 2 if pool.running else PARALLEL_ARCHIVE_MIN  # forking costs ~50 ms
        return pool.map(render_archive, pages, parallel_from=least)

    return render
