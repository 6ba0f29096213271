"""Which files a build writes, and what goes into each: ``{relative path: bytes}``.

Every format is fed the same :class:`Entry` records; each renderer gets the entries and the
identity of the document it writes (:class:`~feedgen_miit.model.Channel`), nothing else.
Where each file lives is :mod:`feedgen_miit.layout`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence

from .feed import render_atom
from .jsonfeed import render_json_feed
from .layout import (
    ATOM_TYPE,
    CATEGORY_FOLDER,
    INDEX_FILENAME,
    JSON_FEED_FILENAME,
    JSON_FEED_TYPE,
    OPML_FILENAME,
    RSS_FILENAME,
    RSS_TYPE,
    STYLESHEET_FILENAME,
    category_paths,
)
from .model import Channel, Entry, FeedLink
from .opml import render_opml
from .rss import render_rss
from .settings import Settings
from .site import render_index, stylesheet


def category_feed_id(feed_id: str, name: str) -> str:
    """A stable id for the feed of category ``name``, derived from the main feed's id."""
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{feed_id}#{CATEGORY_FOLDER}")
    return f"urn:uuid:{uuid.uuid5(namespace, name)}"


def render_outputs(
    entries: Sequence[Entry],
    by_category: Mapping[str, Sequence[Entry]],
    settings: Settings,
) -> dict[str, bytes]:
    """Every enabled output for the main feed's ``entries`` and each category's entries.

    ``by_category`` maps a category name to its newest entries; categories without entries
    get no feed. The OPML file and the index list exactly the feeds written here.
    """
    site = settings.site
    files: dict[str, bytes] = {}
    feeds: list[FeedLink] = []
    browser_view = settings.write_browser_view and (
        settings.write_atom or (settings.write_category_feeds and any(by_category.values()))
    )

    def add_feed(path: str, document: bytes, link: FeedLink) -> None:
        files[path] = document
        feeds.append(link)

    def main_link(path: str, media_type: str, format_name: str) -> FeedLink:
        return FeedLink(path, site.title, media_type, format_name, entries=len(entries))

    if settings.write_atom:
        channel = site.channel(
            settings.self_url, stylesheet=STYLESHEET_FILENAME if browser_view else None
        )
        add_feed(
            settings.feed_filename,
            render_atom(entries, channel),
            main_link(settings.feed_filename, ATOM_TYPE, "Atom"),
        )
    if settings.write_rss:
        channel = site.channel(site.base_url + RSS_FILENAME)
        add_feed(
            RSS_FILENAME, render_rss(entries, channel), main_link(RSS_FILENAME, RSS_TYPE, "RSS 2.0")
        )
    if settings.write_json_feed:
        channel = site.channel(site.base_url + JSON_FEED_FILENAME)
        add_feed(
            JSON_FEED_FILENAME,
            render_json_feed(entries, channel),
            main_link(JSON_FEED_FILENAME, JSON_FEED_TYPE, "JSON Feed"),
        )
    if settings.write_category_feeds:
        names = sorted(name for name, selected in by_category.items() if selected)
        for name, path in category_paths(names).items():
            selected = by_category[name]
            channel = Channel(
                site=site,
                feed_id=category_feed_id(site.feed_id, name),
                title=f"{site.title} · {name}",
                self_url=site.base_url + path,
                subtitle=site.subtitle,
                categories=(name,),
                stylesheet=f"../{STYLESHEET_FILENAME}" if browser_view else None,
            )
            add_feed(
                path,
                render_atom(selected, channel),
                FeedLink(
                    path, channel.title, ATOM_TYPE, "Atom", category=name, entries=len(selected)
                ),
            )
    if browser_view:
        files[STYLESHEET_FILENAME] = stylesheet()
    if settings.write_opml:
        # One format per feed: the first main feed written, then every category feed.
        main = [feed for feed in feeds if feed.category is None][:1]
        listed = main + [feed for feed in feeds if feed.category is not None]
        everything = [*entries, *(entry for chosen in by_category.values() for entry in chosen)]
        updated = max(entry.article.updated for entry in everything)
        files[OPML_FILENAME] = render_opml(listed, site, updated)
    if settings.write_index:
        opml = OPML_FILENAME if settings.write_opml else None
        files[INDEX_FILENAME] = render_index(feeds, entries, site, opml=opml)
    return files
