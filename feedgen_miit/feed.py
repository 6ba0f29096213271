"""Entries -> an Atom 1.0 document (RFC 4287), written with feedgen.

feedgen 1.0.0 loses the ``rel``, ``type`` and ``length`` of entry-level links in Atom output
(upstream issues #135 and #143), and its Media RSS extension wraps a single item in
``media:group``, which the W3C validator rejects. Entry links and media elements are therefore
written by :class:`_EntryExtras`, a feedgen extension of our own.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from ._version import __version__
from .model import Entry, Settings
from .text import xml_safe

MEDIA_NS = "http://search.yahoo.com/mrss/"
ATOM_NS = "http://www.w3.org/2005/Atom"
_EXTENSION = "miit"


@dataclass(frozen=True, slots=True)
class Link:
    """An Atom link with every attribute feedgen would drop."""

    href: str
    rel: str = "alternate"
    type: str | None = None
    length: int | None = None


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """What identifies one feed document (the main feed, or later one per category)."""

    feed_id: str
    title: str
    self_url: str
    subtitle: str | None = None
    categories: tuple[str, ...] = field(default=())


def image_type(url: str) -> str | None:
    """The MIME type of an image URL by its extension, or ``None`` when unsure."""
    guessed, _ = mimetypes.guess_type(urlsplit(url).path, strict=False)
    return guessed if guessed and guessed.startswith("image/") else None


def render_atom(
    entries: Sequence[Entry], settings: Settings, info: FeedInfo | None = None
) -> bytes:
    """Serialize ``entries`` (already in feed order, newest first) as an Atom document.

    ``updated`` is the newest entry's ``updated``, never the build time, so an unchanged
    folder gives identical bytes.
    """
    if not entries:
        raise ValueError("an Atom feed needs at least one entry")
    info = info or FeedInfo(
        feed_id=settings.feed_id,
        title=settings.title,
        self_url=settings.self_url,
        subtitle=settings.subtitle,
    )
    generator = FeedGenerator()
    generator.register_extension(_EXTENSION, _FeedExtras, _EntryExtras, rss=False)
    generator.id(xml_safe(info.feed_id))
    generator.title(xml_safe(info.title))
    if info.subtitle:
        generator.subtitle(xml_safe(info.subtitle))
    generator.link(href=info.self_url, rel="self", type="application/atom+xml")
    generator.link(href=settings.base_url, rel="alternate", type="text/html")
    generator.author(name=xml_safe(settings.author))
    generator.language(settings.language)
    generator.generator("feedgen-miit", version=__version__)
    if settings.icon:
        generator.icon(settings.icon)
    if settings.logo:
        generator.logo(settings.logo)
    generator.updated(max(entry.article.updated for entry in entries))
    for entry in entries:
        _add_entry(generator, entry)
    document: bytes = generator.atom_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    return document


def _add_entry(generator: FeedGenerator, entry: Entry) -> None:
    article = entry.article
    # feedgen prepends by default; the caller's order (newest first) is the feed's order.
    item = generator.add_entry(order="append")
    item.id(article.id)
    item.title(xml_safe(article.title))
    item.published(article.published)
    item.updated(article.updated)
    if article.author:
        item.author(name=xml_safe(article.author))
    if entry.contributor:
        item.contributor(name=xml_safe(entry.contributor))
    for name in article.categories:
        item.category(term=xml_safe(name), label=xml_safe(name))
    item.content(xml_safe(entry.content), type="html")
    if entry.summary:
        item.summary(xml_safe(entry.summary))
    extras: _EntryExtras = getattr(item, _EXTENSION)
    if article.link:
        extras.links.append(Link(href=article.link, rel="alternate", type="text/html"))
    extras.thumbnail = entry.thumbnail


class _FeedExtras(BaseExtension):  # type: ignore[misc]
    """Declares the Media RSS namespace on the feed element."""

    def extend_ns(self) -> dict[str, str]:
        return {"media": MEDIA_NS}


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
            etree.SubElement(entry, f"{{{MEDIA_NS}}}thumbnail", url=self.thumbnail)
            content = etree.SubElement(
                entry, f"{{{MEDIA_NS}}}content", url=self.thumbnail, medium="image"
            )
            mime = image_type(self.thumbnail)
            if mime:
                content.set("type", mime)
        return entry
