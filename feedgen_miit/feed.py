"""Entries -> an Atom 1.0 document (RFC 4287), written with feedgen.

feedgen 1.0.0 loses the ``rel``, ``type`` and ``length`` of entry-level links in Atom output
(upstream issues #135 and #143), and its Media RSS extension wraps a single item in
``media:group``, which the W3C validator rejects. Entry links and media elements are therefore
written by :class:`_EntryExtras`, a feedgen extension of our own.

The thumbnail is written for every kind of reader: ``media:thumbnail`` (Miniflux),
``media:content`` (mail and automation tools) and a ``link rel="enclosure"`` (FreshRSS takes
the first enclosure), each with a ``type`` only when the URL's extension names an image type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from posixpath import splitext
from typing import Any
from urllib.parse import urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from ._version import __version__
from .delivery import refresh_hints
from .layout import ATOM_TYPE
from .model import Channel, Entry, Site
from .text import xml_safe

MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_NS = "http://www.w3.org/2005/Atom"
#: RSS 1.0's syndication module: how often a feed changes (read by Liferea, among others).
SY_NS = "http://purl.org/rss/1.0/modules/syndication/"
#: RFC 5005, feed paging and archiving.
FH_NS = "http://purl.org/syndication/history/1.0"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EXTENSION = "miit"


@dataclass(frozen=True, slots=True)
class Link:
    """An Atom link with every attribute feedgen would drop."""

    href: str
    rel: str = "alternate"
    type: str | None = None
    length: int | None = None


#: Image types by file extension. A fixed table, not :mod:`mimetypes`: that one reads the
#: machine's ``/etc/mime.types``, so the same articles would give different feeds on
#: different hosts, and a local entry could name a wrong type.
IMAGE_TYPES: Mapping[str, str] = {
    ".apng": "image/apng",
    ".avif": "image/avif",
    ".bmp": "image/bmp",
    ".gif": "image/gif",
    ".ico": "image/vnd.microsoft.icon",
    ".jfif": "image/jpeg",
    ".jpe": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".jpg": "image/jpeg",
    ".jxl": "image/jxl",
    ".pjpeg": "image/jpeg",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".webp": "image/webp",
}


def image_type(url: str) -> str | None:
    """The MIME type of an image URL by its path's extension, or ``None`` when unsure."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    return IMAGE_TYPES.get(splitext(path)[1].lower())


def thumbnail_link(url: str) -> Link:
    """The thumbnail as an enclosure: its type when the extension tells it, never a guess.

    Its length is unknown: finding it would mean fetching the image, and a build never
    touches the network.
    """
    return Link(href=url, rel="enclosure", type=image_type(url))


def render_atom(entries: Sequence[Entry], channel: Channel) -> bytes:
    """Serialize ``entries`` (already in feed order, newest first) as an Atom document.

    ``updated`` is the newest entry's ``updated``, never the build time, so an unchanged
    folder gives identical bytes.
    """
    site = channel.site
    generator = FeedGenerator()
    generator.register_extension(_EXTENSION, _FeedExtras, _EntryExtras, rss=False)
    generator.id(xml_safe(channel.feed_id))
    generator.title(xml_safe(channel.title))
    if channel.subtitle:
        generator.subtitle(xml_safe(channel.subtitle))
    generator.link(href=channel.self_url, rel="self", type=ATOM_TYPE)
    generator.link(href=site.base_url, rel="alternate", type="text/html")
    extras: _FeedExtras = getattr(generator, _EXTENSION)
    extras.channel = channel
    generator.author(name=xml_safe(site.author))
    generator.language(site.language)
    generator.generator("feedgen-miit", version=__version__)
    if site.icon:
        generator.icon(site.icon)
    if site.logo:
        generator.logo(site.logo)
    if channel.categories:
        generator.category(_categories(channel.categories))
    generator.updated(newest_update(entries).astimezone(site.zone))
    for entry in entries:
        _add_entry(generator, entry, site)
    document: bytes = generator.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    if channel.stylesheet:
        document = _with_stylesheet(document, channel.stylesheet)
    return document


def _with_stylesheet(document: bytes, href: str) -> bytes:
    """Insert ``<?xml-stylesheet?>`` after the XML declaration (feedgen has no option)."""
    declaration, newline, rest = document.partition(b"\n")
    if not declaration.startswith(b"<?xml ") or not newline:
        raise ValueError("feedgen's output does not start with an XML declaration")
    pseudo = etree.PI("xml-stylesheet", f'type="text/xsl" href="{escape(href, quote=True)}"')
    return declaration + newline + etree.tostring(pseudo) + newline + rest


def _add_entry(generator: FeedGenerator, entry: Entry, site: Site) -> None:
    article = entry.article
    # feedgen prepends by default; the caller's order (newest first) is the feed's order.
    item = generator.add_entry(order="append")
    item.id(article.id)
    item.title(xml_safe(article.title))
    # In the display time zone (RFC 3339 allows any offset): the browser view shows the
    # time as written, and it must read as it does on the pages.
    item.published(article.published.astimezone(site.zone))
    item.updated(article.updated.astimezone(site.zone))
    if article.author:
        item.author(name=xml_safe(article.author))
    if entry.contributor:
        item.contributor(name=xml_safe(entry.contributor))
    if article.categories:
        item.category(_categories(article.categories))
    # A <summary> only when the author wrote one (description, excerpt, <!-- more -->): the
    # body's first words would only repeat the content, and a client that prefers <summary>
    # to <content> (mail-based readers do) would show them instead of the article.
    if entry.excerpt:
        item.summary(xml_safe(entry.excerpt))
    item.content(xml_safe(entry.content), type="html")
    extras: _EntryExtras = getattr(item, _EXTENSION)
    link = site.link(article)
    if link:
        extras.links.append(Link(href=link, rel="alternate", type="text/html"))
    extras.thumbnail = entry.thumbnail
    if entry.thumbnail:
        extras.links.append(thumbnail_link(entry.thumbnail))


def _categories(names: Sequence[str]) -> list[dict[str, str]]:
    """Categories as one argument for feedgen's ``category()``.

    One call for them all: each call rebuilds feedgen's whole RSS list of them, so a call per
    category took quadratic time (an entry of 10,000 categories: half a minute).
    """
    return [{"term": xml_safe(name), "label": xml_safe(name)} for name in names]


class _FeedExtras(BaseExtension):  # type: ignore[misc]
    """Declares the namespaces; writes the hubs, the refresh hint and the archive links."""

    def __init__(self) -> None:
        self.channel: Channel | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS, "sy": SY_NS, "fh": FH_NS}

    def extend_atom(self, feed: Any) -> Any:
        if self.channel is not None:
            # feedgen's elements carry no namespace of their own: the root's default
            # one (Atom) makes them Atom's. A namespaced tag would come out as ns0:link.
            add_delivery(feed, self.channel, link="link")
        return feed


def add_delivery(parent: etree._Element, channel: Channel, *, link: str) -> None:
    """Append the feed's WebSub hubs (``link rel="hub"``), its refresh hint (``sy:``) and
    its place among the feed's documents (RFC 5005: ``fh:archive`` or ``fh:complete``, the
    ``current``, ``prev-archive`` and ``next-archive`` links).

    Atom and RSS (through ``atom:link``) say them alike: WebSub section 4, RFC 5005.
    """
    site = channel.site
    for hub in site.hubs:
        etree.SubElement(parent, link, href=hub, rel="hub")
    hint = refresh_hints(site.schedule)
    etree.SubElement(parent, f"{{{SY_NS}}}updatePeriod").text = hint.period
    etree.SubElement(parent, f"{{{SY_NS}}}updateFrequency").text = str(hint.frequency)
    paging = channel.paging
    if paging is None:
        return
    if paging.archive:
        etree.SubElement(parent, f"{{{FH_NS}}}archive")
    elif paging.complete:  # the whole history is here: no archive to look for
        etree.SubElement(parent, f"{{{FH_NS}}}complete")
    for rel, href in (
        ("current", paging.current),
        ("prev-archive", paging.prev),
        ("next-archive", paging.next),
    ):
        if href is not None:
            etree.SubElement(parent, link, href=href, rel=rel)


def newest_update(entries: Sequence[Entry]) -> datetime:
    """When the newest of ``entries`` was updated: a document's own ``updated``, never the
    build's time (so that an unchanged folder gives the same bytes). An empty archive
    document (its articles went) says 1970."""
    return max((entry.article.updated for entry in entries), default=_EPOCH)


class _EntryExtras(BaseEntryExtension):  # type: ignore[misc]
    """Writes entry links with all their attributes, and the thumbnail as Media RSS."""

    def __init__(self) -> None:
        self.links: list[Link] = []
        self.thumbnail: str | None = None

    def extend_atom(self, entry: Any) -> Any:
        for link in self.links:
            element = etree.SubElement(entry, "link", href=link.href, rel=link.rel)
            if link.type:
                element.set("type", link.type)
            if link.length is not None:
                element.set("length", str(link.length))
        if self.thumbnail:
            add_media(entry, self.thumbnail)
        return entry


def add_media(parent: etree._Element, url: str) -> None:
    """Append the image at ``url`` as ``media:thumbnail`` and ``media:content`` (Media RSS)."""
    etree.SubElement(parent, f"{{{MEDIA_NS}}}thumbnail", url=url)
    content = etree.SubElement(parent, f"{{{MEDIA_NS}}}content", url=url, medium="image")
    mime = image_type(url)
    if mime:
        content.set("type", mime)
