"""Putting a build's outputs online, in the one order that never breaks a link.

1. Article pages, in batches, each all or nothing (:mod:`~feedgen_miit.pages`).
2. Archive documents that changed (:mod:`~feedgen_miit.archives`), in batches.
3. The subscription documents, the lists and the listing pages, all together, all or nothing:
   they link to what steps 1 and 2 put out.
4. Only then, what is produced no more: pages of articles that went, listings left empty,
   outputs switched off. The index records what is out, for the next build.
5. WebSub hubs hear of the feeds whose bytes changed.

A build interrupted at any moment leaves the old feeds in place, and nothing that links to a
file that is not there; :class:`Done` says what went out (an interrupted build reports it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from .archives import RenderPages, archive_files, archive_paths
from .delivery import compressors, notify_hubs
from .index import ArticleIndex, code_hash
from .model import Article, Documents
from .outputs import feed_documents
from .pages import PagesOut, plan_listings, publish_article_pages
from .publish import publish, remove_leftovers, remove_published, sweep_leftovers
from .settings import Scope, Settings, fingerprinted
from .site import Feeds


@dataclass(slots=True)
class Done:
    """What a build has published so far."""

    pages: int = 0  #: article pages written
    feeds: bool = False  #: whether the feeds and listings are out


@dataclass(frozen=True, slots=True)
class Released:
    """What the release did, for the build's report."""

    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]
    removed: tuple[Path, ...]
    pages: PagesOut
    hub_failures: tuple[str, ...]


def outputs_fingerprint(settings: Settings, pictures: frozenset[str]) -> str:
    """What every page's and archive document's bytes depend on besides their articles: the
    settings that shape the outputs, the pictures taken for the site's own, the copies this
    installation writes, and this code."""
    parts = fingerprinted(settings, Scope.OUTPUT)
    parts |= {"pictures": repr(sorted(pictures)), "code": code_hash()}
    parts["copies"] = repr(compressors() if settings.write_compressed else ())
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def release(
    index: ArticleIndex,
    settings: Settings,
    *,
    files: dict[str, bytes],
    feeds: Feeds,
    documents: Documents,
    latest: Sequence[Article],
    pictures: frozenset[str],
    done: Done,
    render_archives: RenderPages | None = None,
) -> Released:
    """Publish ``files`` (the subscription documents and lists), the due article pages and
    archive documents and the due listing pages, in order; remove what is produced no
    more; tell the hubs. ``done`` follows the progress; ``render_archives`` renders the
    archive documents (:func:`~feedgen_miit.archives.archive_files`)."""
    site, output, compress = settings.site, settings.output_dir, settings.write_compressed
    if index.publishing_was_cut():
        sweep_leftovers(output)
    index.note_publishing(True)
    formats = feed_documents(settings, sorted(feeds.categories))
    pages = PagesOut(0, 0)
    for batch in publish_article_pages(index, site, feeds, output, pictures, compress=compress):
        pages = PagesOut(pages.written + batch.written, pages.unchanged + batch.unchanged)
        done.pages = pages.written
    archives = archive_paths(documents, formats) if settings.write_archives else set()
    batches = archive_files(index, documents, formats, settings, pictures, render=render_archives)
    for due, written in batches:
        publish(output, due, compress=compress, checked=True)  # by archive_files()
        for feed, page in written:
            index.archive_written(feed, page)
        index.commit()
    listings = plan_listings(
        index,
        site=site,
        feeds=feeds,
        latest=latest,
        settings=settings,
        produced=frozenset(files) | archives,
    )
    remove_leftovers(output, [*files, *listings.due])
    record: dict[str, bytes] = {}
    published = publish(
        output, _noted(chain(files.items(), listings.files()), record), compress=compress
    )
    done.feeds = True
    # Only now that nothing links to them: pages of articles that went, stale listings.
    gone = index.gone_pages() if site.pages else [page for _, page in index.pages_out()]
    removed = remove_published(output, [*gone, *sorted(listings.stale)])
    if not site.pages:
        for source, _ in index.pages_out():
            index.page_published(source, None)
    record |= dict.fromkeys(archives, b"archive")
    index.files_published(record, removed=listings.stale)
    index.note_publishing(False)
    index.commit()
    changed = {path.relative_to(output).as_posix() for path in published.written}
    told = [site.base_url + feed.path for feed in feeds.every() if feed.path in changed]
    failures = notify_hubs(settings.hubs, told) if settings.hubs and told else []
    return Released(published.written, published.unchanged, tuple(removed), pages, tuple(failures))


def _noted(
    files: Iterable[tuple[str, bytes]], record: dict[str, bytes]
) -> Iterator[tuple[str, bytes]]:
    """``files``, each noted in ``record`` (path -> digest) as it passes."""
    for path, data in files:
        record[path] = hashlib.sha256(data).digest()[:16]
        yield path, data
