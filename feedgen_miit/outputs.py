"""The feeds a build writes, and the OPML lists of them: ``{relative path: bytes}``.

Every format is fed the same :class:`Entry` records; each renderer gets the entries and the
identity of the document it writes (:class:`~feedgen_miit.model.Channel`), nothing else.
Where each file lives is :mod:`feedgen_miit.layout`'s; the pages are :mod:`feedgen_miit.pages`'.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

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
    category_paths,
)
from .model import Channel, Entry, FeedLink, Site
from .opml import render_opml
from .rss import render_rss
from .settings import Settings
from .site import Feeds, labels_for, stylesheet


def category_feed_id(feed_id: str, name: str) -> str:
    """A stable id for the feed of category ``name``, derived from the main feed's id."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{feed_id}#{CATEGORY_FOLDER}")
    return f"urn:uuid:{uuid.uuid5(namespace, name)}"


def render_feeds(
    entries: Sequence[Entry],
    by_category: Mapping[str, Sequence[Entry]],
    settings: Settings,
) -> tuple[dict[str, bytes], Feeds]:
    """Every enabled feed for the main feed's ``entries`` and each category's entries, the
    OPML lists and the browser view; and the feeds written, for the pages to announce.

    ``by_category`` maps a category name to its newest entries; categories without entries
    get no feed.
    """
    site = settings.site
    files: dict[str, bytes] = {}
    main: list[FeedLink] = []
    categories: dict[str, FeedLink] = {}
    browser_view = settings.write_browser_view and (
        settings.write_atom or (settings.write_category_feeds and any(by_category.values()))
    )

    def main_link(path: str, media_type: str, format_name: str) -> FeedLink:
        return FeedLink(path, site.title, media_type, format_name, entries=len(entries))

    if settings.write_atom:
        channel = site.channel(
            settings.self_url, stylesheet=STYLESHEET_FILENAME if browser_view else None
        )
        files[settings.feed_filename] = render_atom(entries, channel)
        main.append(main_link(settings.feed_filename, ATOM_TYPE, "Atom"))
    if settings.write_rss:
        files[RSS_FILENAME] = render_rss(entries, site.channel(site.base_url + RSS_FILENAME))
        main.append(main_link(RSS_FILENAME, RSS_TYPE, "RSS 2.0"))
    if settings.write_json_feed:
        channel = site.channel(site.base_url + JSON_FEED_FILENAME)
        files[JSON_FEED_FILENAME] = render_json_feed(entries, channel)
        main.append(main_link(JSON_FEED_FILENAME, JSON_FEED_TYPE, "JSON Feed"))
    if settings.write_category_feeds:
        names = sorted(name for name, selected in by_category.items() if selected)
        for name, path in category_paths(names).items():
            channel = _category_channel(site, name, path, browser_view=browser_view)
            files[path] = render_atom(by_category[name], channel)
            categories[name] = FeedLink(
                path,
                channel.title,
                ATOM_TYPE,
                "Atom",
                category=name,
                entries=len(by_category[name]),
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


def _category_channel(site: Site, name: str, path: str, *, browser_view: bool) -> Channel:
    return Channel(
        site=site,
        feed_id=category_feed_id(site.feed_id, name),
        title=f"{site.title} · {name}",
        self_url=site.base_url + path,
        subtitle=site.subtitle,
        categories=(name,),
        stylesheet=f"../{STYLESHEET_FILENAME}" if browser_view else None,
    )
