"""Typed, immutable records that flow between the pipeline's steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import NewType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

#: HTML that went through :func:`feedgen_miit.sanitize.clean`. Only ``sanitize`` creates one,
#: and ``feed`` accepts nothing else, so mypy proves that raw HTML never reaches a feed.
SafeHtml = NewType("SafeHtml", str)

#: Feed id used when the configuration names none. ``feedgen-miit init`` mints a fresh one;
#: a feed's id must never change once readers have subscribed (RFC 4287, section 4.2.6).
DEFAULT_FEED_ID = "urn:uuid:6f1d2c59-7a4e-5b8e-9c3a-2f0b1e4d8a77"


@dataclass(frozen=True, slots=True)
class Article:
    """One article file's metadata, as read from its front matter.

    The body is not kept: a folder may hold years of articles and only the newest few are
    rendered, so :func:`feedgen_miit.loader.read_body` reads it again when it is needed.
    """

    path: Path  #: the file, as found under the articles folder (for messages and re-reading)
    source: str  #: the file relative to the articles folder, '/'-separated (scan.Found's)
    id: str  #: the entry's permanent Atom id (an IRI)
    title: str
    published: datetime  #: time-zone aware, in UTC
    updated: datetime  #: time-zone aware, in UTC; equals ``published`` unless given
    categories: tuple[str, ...] = ()
    author: str | None = None
    thumbnail: str | None = None  #: absolute http(s) URL from ``thumbnail`` or ``headimg``
    link: str | None = None  #: absolute http(s) URL of the original article


@dataclass(frozen=True, slots=True)
class Entry:
    """An article ready for a feed: its metadata plus its sanitized body."""

    article: Article
    content: SafeHtml
    summary: str  #: plain text
    thumbnail: str | None  #: the article's thumbnail, else the body's first image
    contributor: str | None  #: the editor named at the end of the source article


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a build needs to know; defaults make a working feed with no configuration."""

    articles_dir: Path
    output_dir: Path = Path("public")
    title: str = "工业和信息化部新闻 · 新浪财经"
    subtitle: str = "Sina Finance reports on the Ministry of Industry and Information Technology"
    feed_id: str = DEFAULT_FEED_ID
    #: Where ``output_dir`` is served; relative URLs in articles resolve against it.
    base_url: str = "http://localhost:8000/"
    author: str = "新浪财经"
    language: str = "zh-CN"
    icon: str | None = None
    logo: str | None = None
    #: Newest entries in the feed; 0 means every article.
    limit: int = 50
    #: IANA zone for dates written without one (the source is Chinese news).
    timezone: str = "Asia/Shanghai"
    patterns: tuple[str, ...] = ("*.txt", "*.md", "*.html")
    #: Files larger than this are reported and skipped, never read into memory.
    max_file_bytes: int = 10 * 1024 * 1024
    summary_chars: int = 200
    feed_filename: str = field(default="atom.xml")
    #: Any article that cannot be used makes the build fail and write nothing.
    strict: bool = False
    #: Outputs, each of which can be switched off; the defaults write all of them.
    write_atom: bool = True  #: ``feed_filename``, the main Atom feed
    write_category_feeds: bool = True  #: ``categories/<slug>.xml``, one Atom feed per category
    write_rss: bool = True  #: ``rss.xml``, RSS 2.0
    write_json_feed: bool = True  #: ``feed.json``, JSON Feed 1.1
    write_opml: bool = True  #: ``feeds.opml``, every feed for a reader to import at once
    write_index: bool = True  #: ``index.html``, the feeds with autodiscovery links
    write_browser_view: bool = True  #: ``atom.xsl``, so a browser shows an Atom feed as a page
    #: Seconds a build waits for another one writing the same output folder before giving up.
    lock_timeout: float = 60.0
    #: Keep what was read of each article in a cache, so a rebuild reads only changed files.
    cache: bool = True
    #: Where the cache lives; ``None`` means inside the output folder (a hidden file).
    cache_dir: Path | None = None
    #: Processes that read new articles; 0 means one per CPU core.
    jobs: int = 0

    @property
    def zone(self) -> ZoneInfo:
        """The time zone named by ``timezone``; :class:`ConfigError` if there is none."""
        return _zone_named(self.timezone)

    @property
    def self_url(self) -> str:
        """The address the Atom feed is served at."""
        return self.base_url + self.feed_filename


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One feed a build wrote, as the OPML file and the index page list it."""

    path: str  #: relative to the output folder, '/'-separated
    title: str
    media_type: str  #: e.g. ``application/atom+xml``
    format_name: str  #: e.g. ``Atom``, for people
    category: str | None = None  #: the category of a per-category feed
    entries: int = 0


@lru_cache(maxsize=8)
def _zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone {name!r} is unknown; use an IANA name such as 'Asia/Shanghai' or 'UTC'"
        ) from None
