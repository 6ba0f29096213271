"""The feeds a build writes, and the OPML lists of them: ``{relative path: bytes}``.

Every format is fed the same :class:`Entry` records; each renderer gets the entries and the
identity of the document it writes (:class:`~feedgen_miit.model.Channel`), nothing else.
Where each file lives is :mod:`feedgen_miit.layout`'s; the pages are :mod:`feedgen_miit.pages`'.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from .feed import render_atom
from .jsonfeed import render_json_feed
from .layout import (
    ATOM_TYPE,
    CATEGORIES_OPML_FILENAME,
    CATEGORY_FOLDER,
    JSON_FEED_FILENAME,
    JSON_FEED_TYPE,
    OPML_FILENAME,
    RSS_FILENAME,
    RSS_TYPE,
    STYLESHEET_FILENAME,
    archive_path,
    category_paths,
    relative,
)
from .layout import (
    MAIN_FEED as MAIN,
)
from .model import Channel, Documents, Entry, FeedLink, Paging, Site
from .opml import render_opml
from .rss import render_rss
from .settings import Settings
from .site import Feeds, labels_for, stylesheet


def category_feed_id(feed_id: str, name: str) -> str:
    """A stable id for the feed of category ``name``, derived from the main feed's id."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{feed_id}#{CATEGORY_FOLDER}")
    return f"urn:uuid:{uuid.uuid5(namespace, name)}"


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """One feed in one format: its subscription document, and (RFC 5005) its archives."""

    feed: str  #: ``MAIN`` (``""``) or the category's name
    kind: str  #: ``atom``, ``rss`` or ``json``
    path: str  #: the subscription document, relative to the output folder

    def page_path(self, page: int) -> str:
        """Page 0 is the subscription document; 1, 2... the archive documents."""
        return self.path if page == 0 else archive_path(self.feed, page, self.kind)


def feed_documents(settings: Settings, categories: Sequence[str]) -> list[FeedDocument]:
    """Every feed document the settings ask for: the main feed in each format, and each of
    ``categories`` in Atom (its file name checked against the others')."""
    documents: list[FeedDocument] = []
    if settings.write_atom:
        documents.append(FeedDocument(MAIN, "atom", settings.feed_filename))
    if settings.write_rss:
        documents.append(FeedDocument(MAIN, "rss", RSS_FILENAME))
    if settings.write_json_feed:
        documents.append(FeedDocument(MAIN, "json", JSON_FEED_FILENAME))
    if settings.write_category_feeds:
        documents += [
            FeedDocument(name, "atom", path) for name, path in category_paths(categories).items()
        ]
    return documents


def render_document(
    document: FeedDocument,
    page: int,
    entries: Sequence[Entry],
    settings: Settings,
    *,
    newest: int,
    archives: bool,
) -> bytes:
    """Page ``page`` of ``document`` holding ``entries``, linked to its neighbours when
    ``archives`` are written (``newest`` is the newest archive document's number)."""
    site = settings.site
    url = site.base_url + document.page_path(page)
    paging = None
    if archives:
        older = site.base_url + document.page_path(page - 1 if page else newest)
        paging = Paging(
            archive=page > 0,
            current=site.base_url + document.path if page else None,
            prev=older if (page > 1 or (page == 0 and newest)) else None,
            next=site.base_url + document.page_path(page + 1) if 0 < page < newest else None,
        )
    stylesheet = None
    if document.kind == "atom" and settings.write_browser_view:
        stylesheet = relative(STYLESHEET_FILENAME, document.page_path(page))
    if document.feed == MAIN:
        channel = replace(site.channel(url, stylesheet=stylesheet), paging=paging)
    else:
        channel = _category_channel(site, document.feed, url, stylesheet, paging)
    render = {"atom": render_atom, "rss": render_rss, "json": render_json_feed}[document.kind]
    return render(entries, channel)


def render_feeds(
    entries: Sequence[Entry],
    by_category: Mapping[str, Sequence[Entry]],
    settings: Settings,
    documents: Documents,
) -> tuple[dict[str, bytes], Feeds]:
    """Every enabled subscription document for the main feed's ``entries`` and each
    category's entries, the OPML lists and the browser view; and the feeds written, for the
    pages to announce. ``documents`` says how many archive documents each feed has.

    ``by_category`` maps a category name to its newest entries; categories without entries
    get no feed.
    """
    site = settings.site
    files: dict[str, bytes] = {}
    main: list[FeedLink] = []
    categories: dict[str, FeedLink] = {}
    names = sorted(name for name, selected in by_category.items() if selected)
    formats = {"atom": (ATOM_TYPE, "Atom"), "rss": (RSS_TYPE, "RSS 2.0"),
               "json": (JSON_FEED_TYPE, "JSON Feed")}  # fmt: skip
    for document in feed_documents(settings, names):
        chosen = entries if document.feed == MAIN else by_category[document.feed]
        newest = documents.newest(document.feed)
        files[document.path] = render_document(
            document, 0, chosen, settings, newest=newest, archives=settings.write_archives
        )
        media_type, format_name = formats[document.kind]
        archives = tuple(document.page_path(page) for page in range(1, newest + 1))
        if document.feed == MAIN:
            main.append(
                FeedLink(document.path, site.title, media_type, format_name,
                         entries=len(chosen), archives=archives)
            )  # fmt: skip
        else:
            title = f"{site.title} · {document.feed}"
            categories[document.feed] = FeedLink(
                document.path, title, media_type, format_name, category=document.feed,
                entries=len(chosen), archives=archives,
            )  # fmt: skip
    browser_view = settings.write_browser_view and any(
        path.endswith(".xml") and path != RSS_FILENAME for path in files
    )
    if browser_view:
        files[STYLESHEET_FILENAME] = stylesheet()
    opml = categories_opml = None
    if settings.write_opml:
        everything = [*entries, *(entry for chosen in by_category.values() for entry in chosen)]
        updated = max(entry.article.updated for entry in everything)
        # The list people import: the main feed once, in one format. The category feeds
        # overlap with it and with each other, so they are a list of their own.
        if main:
            opml = OPML_FILENAME
            files[opml] = render_opml(main[:1], site, updated, title=site.title)
        if categories:
            categories_opml = CATEGORIES_OPML_FILENAME
            title = f"{site.title} · {labels_for(site.language).categories_opml}"
            files[categories_opml] = render_opml(
                list(categories.values()), site, updated, title=title
            )
    return files, Feeds(tuple(main), categories, opml, categories_opml)


def _category_channel(
    site: Site, name: str, url: str, stylesheet: str | None, paging: Paging | None
) -> Channel:
    return Channel(
        site=site,
        feed_id=category_feed_id(site.feed_id, name),
        title=f"{site.title} · {name}",
        self_url=url,
        subtitle=site.subtitle,
        categories=(name,),
        stylesheet=stylesheet,
        paging=paging,
    )
