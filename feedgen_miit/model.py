"""Typed, immutable records that flow between the pipeline's steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NewType
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .errors import ArticleError, ArticleWarning, Draft

#: HTML that went through :func:`feedgen_miit.sanitize.clean`. Only ``sanitize`` creates one,
#: and ``feed`` accepts nothing else, so mypy proves that raw HTML never reaches a feed.
SafeHtml = NewType("SafeHtml", str)


@dataclass(frozen=True, slots=True)
class Article:
    """One article file's metadata, as read from its front matter.

    The body is not kept: a folder may hold years of articles and only the newest few are
    rendered, so :func:`feedgen_miit.loader.read_body` reads it again when it is needed.
    """

    path: Path  #: the file, as found under the articles folder (for messages and re-reading)
    source: str  #: the file relative to the articles folder, '/'-separated (scan.Found's)
    id: str  #: the entry's permanent Atom id (an IRI)
    page: str  #: where its page is in the output folder (``layout.article_page``)
    title: str
    published: datetime  #: time-zone aware, in UTC
    updated: datetime  #: time-zone aware, in UTC; equals ``published`` unless given
    categories: tuple[str, ...] = ()
    author: str | None = None
    thumbnail: str | None = None  #: absolute http(s) URL from ``thumbnail`` or ``headimg``
    link: str | None = None  #: absolute http(s) URL of the original article
    #: Plain text from the front matter's ``description`` or ``excerpt``, if it has one; an
    #: excerpt marked in the body (``<!-- more -->``) is the :class:`Entry`'s.
    excerpt: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """An article ready for a feed: its metadata plus its sanitized body."""

    article: Article
    content: SafeHtml
    summary: str  #: plain text: the body's first words (a page's description)
    thumbnail: str | None  #: the entry's picture: the first of ``images``
    contributor: str | None  #: the editor named at the end of the source article
    #: Bytes it can take in a feed document, at most (:func:`feedgen_miit.budget.entry_cost`).
    cost: int = 0
    #: Plain text the author chose to sum the article up: the front matter's (see
    #: :attr:`Article.excerpt`), else the body before ``<!-- more -->``. Feeds carry a
    #: summary only when there is one: the body's first words would only repeat the content.
    excerpt: str | None = None
    #: The picture candidates, in order, each once: the front matter's thumbnail (unless it
    #: was dropped), then the absolute http(s) images of the body.
    images: tuple[str, ...] = ()
    #: Why the front matter's thumbnail is not a candidate, if it is not: ``"<url>: <reason>"``
    #: (the same text for every article that names the same picture, to be said once).
    dropped_picture: str | None = None


@dataclass(frozen=True, slots=True)
class Site:
    """Who publishes the feeds and where they are served: the same in every document."""

    title: str
    subtitle: str | None
    author: str
    language: str  #: BCP 47
    base_url: str  #: where the output folder is served, ending in '/'
    feed_id: str  #: the main feed's permanent id
    zone: ZoneInfo  #: the time zone dates are shown in to people
    icon: str | None = None
    logo: str | None = None
    pages: bool = True  #: whether each article has a page of its own (``Article.page``)
    hubs: tuple[str, ...] = ()  #: WebSub hubs the feeds name
    schedule: str = "daily"  #: how often the feeds change: a refresh hint for readers

    def link(self, article: Article) -> str | None:
        """Where a reader opens ``article``: its own link, else its page, if there is one."""
        return article.link or self.page_url(article)

    def page_url(self, article: Article) -> str | None:
        """The address of ``article``'s page, if pages are written."""
        return self.base_url + article.page if self.pages else None

    def channel(self, self_url: str, *, stylesheet: str | None = None) -> Channel:
        """The main feed's identity, for its document at ``self_url`` (in any format)."""
        return Channel(
            site=self,
            feed_id=self.feed_id,
            title=self.title,
            self_url=self_url,
            subtitle=self.subtitle,
            stylesheet=stylesheet,
        )


@dataclass(frozen=True, slots=True)
class Documents:
    """How many archive documents each feed has (0: its subscription document is complete)."""

    pages: dict[str, int]  #: feed (``""`` for the main one, else the category) -> pages

    def newest(self, feed: str) -> int:
        """The number of ``feed``'s newest archive document; 0 if it has none."""
        return self.pages.get(feed, 0)


@dataclass(frozen=True, slots=True)
class Paging:
    """Where a feed document stands among its feed's documents (RFC 5005): absolute URLs."""

    archive: bool  #: an archive document (``fh:archive``), else the subscription document
    current: str | None = None  #: the subscription document (archive documents link it)
    prev: str | None = None  #: ``prev-archive``: the next older archive document
    next: str | None = None  #: ``next-archive``: the next newer archive document

    @property
    def complete(self) -> bool:
        """A subscription document that holds the whole history (``fh:complete``)."""
        return not self.archive and self.prev is None


@dataclass(frozen=True, slots=True)
class Channel:
    """What identifies one feed document: the main feed, or one category's."""

    site: Site
    feed_id: str
    title: str
    self_url: str
    subtitle: str | None = None
    categories: tuple[str, ...] = field(default=())
    #: Address of an XSL stylesheet, relative to the feed, that browsers apply to show it.
    stylesheet: str | None = None
    #: Its place among the feed's documents; None when no archives are written.
    paging: Paging | None = None


@dataclass(frozen=True, slots=True)
class FeedLink:
    """One feed a build wrote, as the OPML file and the index page list it."""

    path: str  #: relative to the output folder, '/'-separated
    title: str
    media_type: str  #: e.g. ``application/atom+xml``
    format_name: str  #: e.g. ``Atom``, for people
    category: str | None = None  #: the category of a per-category feed
    entries: int = 0
    #: Its archive documents (RFC 5005), oldest first: where the rest of its history is.
    archives: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the caller to report and turn into an exit code."""

    articles_found: int  #: usable articles in the folder
    entries: int  #: entries in the feed
    problems: tuple[ArticleError, ...]  #: files that were skipped, in path order
    written: tuple[Path, ...]  #: files replaced
    unchanged: tuple[Path, ...]  #: files that already held these bytes
    warnings: tuple[ArticleWarning, ...] = ()  #: oddities in the usable articles
    files_read: int = 0  #: article files read (new or changed); the others came from the index
    bodies_sanitized: int = 0  #: entries rendered afresh; the others came from the index
    removed: tuple[Path, ...] = ()  #: files removed: produced no more
    pages_written: int = 0  #: article pages replaced (not in ``written``: there may be many)
    pages_unchanged: int = 0  #: article pages rendered anew that held the same bytes
    #: WebSub notifications that failed, one line each (the build published all the same).
    hub_failures: tuple[str, ...] = ()
    drafts: tuple[Draft, ...] = ()  #: files marked ``published: false``, left out

    @property
    def complete(self) -> bool:
        """True when every article file was used."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What a folder gave: the usable articles (in path order), one error per bad file, and
    the warnings about the usable ones (in path order)."""

    articles: tuple[Article, ...]
    problems: tuple[ArticleError, ...]
    warnings: tuple[ArticleWarning, ...] = ()
    drafts: tuple[Draft, ...] = ()  #: files marked ``published: false``, left out


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``check`` found: every error and warning, with nothing written."""

    articles_found: int  #: usable articles (front matter and body)
    problems: tuple[ArticleError, ...]  #: files that a build would skip, in path order
    warnings: tuple[ArticleWarning, ...]  #: oddities in usable articles, in path order
    drafts: tuple[Draft, ...] = ()  #: files marked ``published: false``, in path order

    @property
    def clean(self) -> bool:
        """True when there is neither an error nor a warning."""
        return not self.problems and not self.warnings
