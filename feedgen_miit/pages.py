"""The site's pages: which ones a build (re)publishes, and in what order.

Years of articles make a site of hundreds of thousands of pages; a nightly build adds a few.
So a page is written only when it may have changed, and never held all at once:

- **Article pages** are the index's to track: a page is due when its article is new or
  changed, or the outputs' design changed (:meth:`ArticleIndex.set_outputs_fingerprint`).
  Their bodies are sanitized first (:func:`sanitize_pending`, in the process pool), so that
  a strict build knows of every unusable body before it writes anything; then the pages are
  rendered and published in batches (:func:`publish_article_pages`), each batch all or
  nothing, and the index notes each one as it goes out.
- **Listing pages** (``index.html``, the archive by month, each category by month) are due
  when an article in them changed (:meth:`ArticleIndex.dirty`), or when they were never
  published; a listing that lost its last article is removed (:func:`plan_listings`).

Feeds and listings are published together after the article pages, so that nothing links
to a page before it is out, and pages of articles that went are removed after them.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from .errors import ArticleError
from .index import ArticleIndex, Listings
from .layout import (
    ARCHIVE_INDEX,
    INDEX_FILENAME,
    category_month_page,
    category_page,
    month_page,
)
from .model import Article, Entry, Site
from .publish import publish
from .selection import RenderMany, Selection
from .settings import Settings
from .site import (
    Feeds,
    render_archive_index,
    render_article_page,
    render_category_page,
    render_index,
    render_month_page,
)

log = logging.getLogger(__name__)

#: Pages rendered and published at once: bounded memory, and few fsync'ed folders per batch.
PAGE_BATCH = 500


def digest_of(data: bytes) -> bytes:
    """The digest of a published file's bytes, as the index records it."""
    return hashlib.sha256(data).digest()[:16]


def without_site_pictures(entry: Entry, pictures: frozenset[str]) -> Entry:
    """``entry`` with a picture that stands for the site, not the article, taken away: its
    picture becomes the first candidate (:attr:`Entry.images`) that is not one of ``pictures``.
    """
    if entry.thumbnail is None or entry.thumbnail not in pictures:
        return entry
    others = (image for image in entry.images if image not in pictures)
    return replace(entry, thumbnail=next(others, None))


def with_real_pictures(selection: Selection, pictures: frozenset[str]) -> Selection:
    """``selection`` with the site's ``pictures`` taken away (:func:`without_site_pictures`);
    says once per picture (``-v``) why a front matter's thumbnail was left out."""
    shown = selection.map(partial(without_site_pictures, pictures=pictures))
    dropped = Counter(entry.dropped_picture for entry in shown.entries if entry.dropped_picture)
    for reason, count in sorted(dropped.items()):
        log.info("thumbnail left out of %d entries: %s", count, reason)
    return shown


def sanitize_for_outputs(
    index: ArticleIndex, render: RenderMany, settings: Settings
) -> tuple[list[ArticleError], int]:
    """Sanitize the bodies the outputs need that the selection did not: every one the
    archives carry, else the ones whose page is due. Returns the errors of the bodies that
    cannot be used, and how many were sanitized."""
    if settings.write_archives:
        return sanitize_pending(index, render, index.unrendered())
    if settings.site.pages:
        return sanitize_pending(index, render, index.due_pages())
    return [], 0


def sanitize_pending(
    index: ArticleIndex, render: RenderMany, sources: Sequence[str]
) -> tuple[list[ArticleError], int]:
    """Sanitize the body of every article of ``sources`` whose entry the index does not hold
    yet; store the entries, and note the bodies that cannot be used. Returns their errors,
    and how many bodies were sanitized."""
    failed: list[ArticleError] = []
    sanitized = 0
    for batch in _batches(sources):
        wanted = [article for article, entry in index.with_entries(batch) if entry is None]
        for article, outcome in zip(wanted, render(wanted), strict=True):
            if isinstance(outcome, ArticleError):
                index.mark_failed(article.source, outcome)
                failed.append(outcome)
            else:
                index.store_entry(outcome)
                sanitized += 1
        index.commit()
    return failed, sanitized


@dataclass(frozen=True, slots=True)
class PagesOut:
    """What publishing the article pages did."""

    written: int
    unchanged: int


def publish_article_pages(
    index: ArticleIndex,
    site: Site,
    feeds: Feeds,
    output_dir: Path,
    pictures: frozenset[str],
    *,
    compress: bool,
) -> Iterator[PagesOut]:
    """Render and publish every due article page, in batches; the index notes each one.

    Yields what each batch did, as it goes out (an interrupted build says how many).
    """
    if not site.pages:
        return
    for batch in _batches(index.due_pages()):
        rendered: list[tuple[str, bytes]] = []  # (source, digest of its page)
        # A stream: each page is rendered as publish() asks for it, while the copies of the
        # ones before are compressed in a thread (publish._Copier); and not held once staged.
        pages = _article_pages(index, batch, site, feeds, pictures=pictures, rendered=rendered)
        result = publish(output_dir, pages, compress=compress)
        for source, digest in rendered:
            index.page_published(source, digest)
        index.commit()
        yield PagesOut(len(result.written), len(result.unchanged))


def _article_pages(
    index: ArticleIndex,
    sources: Sequence[str],
    site: Site,
    feeds: Feeds,
    *,
    pictures: frozenset[str],
    rendered: list[tuple[str, bytes]],
) -> Iterator[tuple[str, bytes]]:
    """The page of each of ``sources`` and its bytes, rendered as they are asked for; each
    one's source and digest is noted in ``rendered``."""
    for article, entry in index.with_entries(sources):
        if entry is None:  # sanitize_pending() stored every usable one
            continue
        data = render_article_page(without_site_pictures(entry, pictures), site, feeds)
        rendered.append((article.source, digest_of(data)))
        yield article.page, data


@dataclass(frozen=True, slots=True)
class ListingPlan:
    """The listing pages of a build: the ones to write, and the ones to remove.

    Pages are rendered only as :meth:`files` is iterated, one at a time: every month page of
    100,000 articles at once was a hundred megabytes.
    """

    due: Mapping[str, Callable[[], bytes]]  #: each page to write, and how to render it
    stale: frozenset[str]  #: published before, produced no more

    def files(self) -> Iterator[tuple[str, bytes]]:
        """Each due page and its bytes, rendered as they are asked for."""
        for path, render in self.due.items():
            yield path, render()


def plan_listings(
    index: ArticleIndex,
    *,
    site: Site,
    feeds: Feeds,
    latest: Sequence[Article],
    settings: Settings,
    produced: frozenset[str],
) -> ListingPlan:
    """Render the listing pages that are due; find the published files no longer produced.

    ``produced`` are the other files this build writes (feeds, lists). Without a change
    since the last build, nothing is rendered and nothing is stale.
    """
    dirty = index.dirty()
    published = index.published()
    if not dirty and set(published) <= produced | _listed_before(published, settings):
        return ListingPlan({}, frozenset())
    if not (settings.write_index or settings.write_pages):  # no listing page to count for
        return ListingPlan({}, frozenset(published) - produced)
    listings = index.listings()
    due = _listing_paths(listings, settings)
    pages: dict[str, Callable[[], bytes]] = {}
    sizes = {name: listings.category_size(name) for name in listings.categories}
    if settings.write_index:
        pages[INDEX_FILENAME] = partial(
            render_index, site, feeds, latest, sizes, archive=settings.write_pages
        )
    if settings.write_pages:
        pages[ARCHIVE_INDEX] = partial(
            render_archive_index,
            site,
            sorted(listings.months.items(), reverse=True),
            sizes,
            feeds,
        )
        for month in sorted(listings.months):
            path = month_page(month)
            if month in dirty.months or path not in published:
                pages[path] = partial(_month_page, index, site, month, None)
        for name, months in sorted(listings.categories.items()):
            if name in dirty.categories or category_page(name) not in published:
                pages[category_page(name)] = partial(
                    _category_page, index, site, feeds, name, months=months, limit=settings.limit
                )
            for month in sorted(months):
                path = category_month_page(name, month)
                if (name, month) in dirty.category_months or path not in published:
                    pages[path] = partial(_month_page, index, site, month, name)
    stale = frozenset(published) - due - produced
    return ListingPlan(pages, stale)


def _month_page(index: ArticleIndex, site: Site, month: str, category: str | None) -> bytes:
    articles = index.articles(index.in_month(month, category=category))
    return render_month_page(month, site, articles, category=category)


def _category_page(
    index: ArticleIndex,
    site: Site,
    feeds: Feeds,
    name: str,
    *,
    months: Mapping[str, int],
    limit: int,
) -> bytes:
    newest = index.articles(index.newest(limit, category=name))
    return render_category_page(name, site, feeds, newest, sorted(months.items(), reverse=True))


def _listing_paths(listings: Listings, settings: Settings) -> frozenset[str]:
    """Every listing page the index's articles call for."""
    paths = {INDEX_FILENAME} if settings.write_index else set()
    if settings.write_pages:
        paths.add(ARCHIVE_INDEX)
        paths.update(month_page(month) for month in listings.months)
        for name, months in listings.categories.items():
            paths.add(category_page(name))
            paths.update(category_month_page(name, month) for month in months)
    return frozenset(paths)


def _listed_before(published: dict[str, bytes], settings: Settings) -> set[str]:
    """The listing pages among ``published`` that these settings still produce."""
    kept: set[str] = set()
    for path in published:
        if path == INDEX_FILENAME:
            if settings.write_index:
                kept.add(path)
        elif settings.write_pages and path.endswith(".html"):
            kept.add(path)
    return kept


def _batches(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), PAGE_BATCH):
        yield items[start : start + PAGE_BATCH]
