"""Where each output lives in the output folder: the one list of the names a build writes.

Paths are '/'-separated and relative to the output folder. A category's file name comes from
:func:`feedgen_miit.slug.slugify`, so it is always a plain name inside :data:`CATEGORY_FOLDER`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from .errors import ConfigError, quoted
from .slug import slugify

RSS_FILENAME = "rss.xml"
JSON_FEED_FILENAME = "feed.json"
#: The subscription list people are told to import: the main feed, in one format.
OPML_FILENAME = "feeds.opml"
#: Every category feed, a list of its own: they overlap (an article has several categories).
CATEGORIES_OPML_FILENAME = "categories.opml"
INDEX_FILENAME = "index.html"
STYLESHEET_FILENAME = "atom.xsl"
CATEGORY_FOLDER = "categories"
ARTICLE_FOLDER = "articles"
ARCHIVE_FOLDER = "archive"
ARCHIVE_INDEX = f"{ARCHIVE_FOLDER}/index.html"
#: Names the build writes besides the main Atom feed, whose name is a setting.
FIXED_NAMES = (
    RSS_FILENAME,
    JSON_FEED_FILENAME,
    OPML_FILENAME,
    CATEGORIES_OPML_FILENAME,
    INDEX_FILENAME,
    STYLESHEET_FILENAME,
    CATEGORY_FOLDER,
    ARTICLE_FOLDER,
    ARCHIVE_FOLDER,
)

ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
JSON_FEED_TYPE = "application/feed+json"
OPML_TYPE = "text/x-opml"


def category_path(name: str) -> str:
    """Where the feed of category ``name`` is written, relative to the output folder."""
    return f"{CATEGORY_FOLDER}/{slugify(name)}.xml"


def category_page(name: str) -> str:
    """Where the page of category ``name`` is written (beside its feed)."""
    return f"{CATEGORY_FOLDER}/{slugify(name)}.html"


def category_month_page(name: str, month: str) -> str:
    """Where the articles of category ``name`` in ``month`` (``2022-06``) are listed."""
    return f"{CATEGORY_FOLDER}/{slugify(name)}/{month}.html"


def article_page(key: str, permalink: str | None = None) -> str:
    """Where the page of the article named ``key`` (its id, or its file's name) is written.

    A slug, like a category's file name: safe anywhere, distinct, and stable forever. Hexo's
    ``permalink``, when the front matter has one, names the page (the slug's readable part:
    ``permalink: 2023/06/sme-forum/`` gives ``articles/2023-06-sme-forum-<digest>.html``); the
    digest stays the key's, so two articles never share a page, whatever their permalinks.
    """
    name = key if permalink is None else permalink
    return f"{ARTICLE_FOLDER}/{slugify(name, digest_of=key)}.html"


#: The main feed's name among the feeds (a category's feed is named after the category).
MAIN_FEED = ""
#: The name of each feed format's documents, and their extension.
FEED_KINDS = {"atom": ".xml", "rss": ".xml", "json": ".json"}


def archive_path(feed: str, page: int, kind: str) -> str:
    """Where archive document ``page`` (1: the oldest) of ``feed`` is written in the format
    ``kind`` (``atom``, ``rss``, ``json``): the main feed's (``feed`` is ``""``) in
    ``archive/``, a category's beside its feed."""
    if feed:
        return f"{CATEGORY_FOLDER}/{slugify(feed)}/archive-{page}{FEED_KINDS[kind]}"
    return f"{ARCHIVE_FOLDER}/{kind}-{page}{FEED_KINDS[kind]}"


def month_page(month: str) -> str:
    """Where every article of ``month`` (``2022-06``) is listed."""
    return f"{ARCHIVE_FOLDER}/{month}.html"


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    """The month (``2022-06``) ``moment`` falls in, in the time zone dates are shown in."""
    if 3 <= moment.day <= 26:
        # Two UTC offsets are less than 48 hours apart, so ``zone`` puts the moment at most
        # two days from the date it is written with: in the same month. A cold build asks
        # this of every file; most are not near the end of a month.
        return f"{moment.year}-{moment.month:02d}"
    local = moment.astimezone(zone)
    # What strftime("%Y-%m") gives (no padding of a year before 1000), in 2 µs, not 5: a
    # cold build asks it of every file.
    return f"{local.year}-{local.month:02d}"


def relative(target: str, start: str) -> str:
    """The link from the page ``start`` to ``target`` (both relative to the output folder):
    up to the folder's root, then down. (``posixpath.relpath`` finds shorter links, at 80 µs
    a call: a page has dozens of links, and a cold build writes a page per article.)"""
    return "../" * start.count("/") + target


def category_paths(names: Iterable[str]) -> dict[str, str]:
    """``category_path`` of each name, refusing two names that would share a file."""
    paths: dict[str, str] = {}
    owners: dict[str, str] = {}
    for name in names:
        path = category_path(name)
        other = owners.setdefault(path, name)
        if other != name:
            raise ConfigError(
                f"categories {quoted(other)} and {quoted(name)} would both be written to {path}; "
                "rename one of them, or set write_category_feeds = false"
            )
        paths[name] = path
    return paths
