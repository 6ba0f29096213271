"""Where each output lives in the output folder: the one list of the names a build writes.

Paths are '/'-separated and relative to the output folder. A category's file name comes from
:func:`feedgen_miit.slug.slugify`, so it is always a plain name inside :data:`CATEGORY_FOLDER`.
"""

from __future__ import annotations

from collections.abc import Iterable

from .errors import ConfigError
from .slug import slugify

RSS_FILENAME = "rss.xml"
JSON_FEED_FILENAME = "feed.json"
OPML_FILENAME = "feeds.opml"
INDEX_FILENAME = "index.html"
STYLESHEET_FILENAME = "atom.xsl"
CATEGORY_FOLDER = "categories"
#: Names the build writes besides the main Atom feed, whose name is a setting.
FIXED_NAMES = (
    RSS_FILENAME,
    JSON_FEED_FILENAME,
    OPML_FILENAME,
    INDEX_FILENAME,
    STYLESHEET_FILENAME,
    CATEGORY_FOLDER,
)

ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
JSON_FEED_TYPE = "application/feed+json"
OPML_TYPE = "text/x-opml"


def category_path(name: str) -> str:
    """Where the feed of category ``name`` is written, relative to the output folder."""
    return f"{CATEGORY_FOLDER}/{slugify(name)}.xml"


def category_paths(names: Iterable[str]) -> dict[str, str]:
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
