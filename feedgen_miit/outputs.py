"""Which files a build writes, and what goes into each: ``{relative path: bytes}``.

Every format is fed the same :class:`Entry` records. Paths are '/'-separated and relative to
the output folder; a category's file name comes from :func:`slug.slugify`, so it is always a
plain name inside ``categories/``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import replace

from .errors import ConfigError
from .feed import FeedInfo, main_feed_info, render_atom
from .jsonfeed import JSON_FEED_FILENAME, JSON_FEED_TYPE, render_json_feed
from .model import Entry, FeedLink, Settings
from .opml import OPML_FILENAME, render_opml
from .rss import RSS_FILENAME, RSS_TYPE, render_rss
from .site import INDEX_FILENAME, STYLESHEET_FILENAME, render_index, stylesheet
from .slug import slugify

ATOM_TYPE = "application/atom+xml"
CATEGORY_FOLDER = "categories"


def category_path(name: str) -> str:
    """Where the feed of category ``name`` is written, relative to the output folder."""
    return f"{CATEGORY_FOLDER}/{slugify(name)}.xml"


def category_paths(names: Sequence[str]) -> dict[str, str]:
    """``category_path`` of each name, refusing two names that would share a file."""
    paths: dict[str, str] = {}
    owners: dict[str, str] = {}
    for name in names:
        path = category_path(name)
        other = owners.setdefault(path, name)
        if other != name:
            raise ConfigError(
                f"categories {other!r} and {name!r} would both be written to {path}; "
                "rename one of them, or set write_category_feeds = false"
            )
        paths[name] = path
    return paths


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
    files: dict[str, bytes] = {}
    feeds: list[FeedLink] = []
    browser_view = settings.write_browser_view and (
        settings.write_atom or (settings.write_category_feeds and any(by_category.values()))
    )

    def add_feed(path: str, document: bytes, link: FeedLink) -> None:
        files[path] = document
        feeds.append(link)

    def main_link(path: str, media_type: str, format_name: str) -> FeedLink:
        return FeedLink(path, settings.title, media_type, format_name, entries=len(entries))

    if settings.write_atom:
        info = replace(
            main_feed_info(settings, settings.self_url),
            stylesheet=STYLESHEET_FILENAME if browser_view else None,
        )
        add_feed(
            settings.feed_filename,
            render_atom(entries, settings, info),
            main_link(settings.feed_filename, ATOM_TYPE, "Atom"),
        )
    if settings.write_rss:
        add_feed(
            RSS_FILENAME,
            render_rss(entries, settings),
            main_link(RSS_FILENAME, RSS_TYPE, "RSS 2.0"),
        )
    if settings.write_json_feed:
        add_feed(
            JSON_FEED_FILENAME,
            render_json_feed(entries, settings),
            main_link(JSON_FEED_FILENAME, JSON_FEED_TYPE, "JSON Feed"),
        )
    if settings.write_category_feeds:
        names = sorted(name for name, selected in by_category.items() if selected)
        for name, path in category_paths(names).items():
            selected = by_category[name]
            title = f"{settings.title} · {name}"
            info = FeedInfo(
                feed_id=category_feed_id(settings.feed_id, name),
                title=title,
                self_url=settings.base_url + path,
                subtitle=settings.subtitle,
                categories=(name,),
                stylesheet=f"../{STYLESHEET_FILENAME}" if browser_view else None,
            )
            add_feed(
                path,
                render_atom(selected, settings, info),
                FeedLink(path, title, ATOM_TYPE, "Atom", category=name, entries=len(selected)),
            )
    if browser_view:
        files[STYLESHEET_FILENAME] = stylesheet()
    if settings.write_opml:
        # One format per feed: the first main feed written, then every category feed.
        main = [feed for feed in feeds if feed.category is None][:1]
        listed = main + [feed for feed in feeds if feed.category is not None]
        everything = [*entries, *(entry for chosen in by_category.values() for entry in chosen)]
        updated = max(entry.article.updated for entry in everything)
        files[OPML_FILENAME] = render_opml(listed, settings, updated)
    if settings.write_index:
        opml = OPML_FILENAME if settings.write_opml else None
        files[INDEX_FILENAME] = render_index(feeds, entries, settings, opml=opml)
    return files
