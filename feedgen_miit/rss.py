"""Entries -> an RSS 2.0 document carrying the same entries as the Atom feed.

Follows the RSS Advisory Board's Best Practices Profile where RSS 2.0 itself is vague:

- ``guid isPermaLink="false"``: the entry's Atom id, which is not a web address;
- ``link``: the article's own address, else its page: a reader must never guess one;
- ``description`` is the whole body, as HTML (RSS says it is HTML): clients that read only
  ``description`` get the article, not a summary, and nothing is sent twice;
- ``dc:creator`` for the author (RSS's own ``author`` must be an e-mail address);
- ``enclosure`` needs ``url``, ``length`` and ``type``: it is written only when the image's
  type is known from its extension, never guessed, and with ``length="0"`` when the size is
  unknown, which is what the profile asks for (a build never fetches images to measure them);
- the thumbnail also as ``media:thumbnail`` and ``media:content``, as in the Atom feed.
"""

from __future__ import annotations

import email.utils
from collections.abc import Sequence
from datetime import UTC, datetime

from lxml import etree

from ._version import __version__
from .delivery import refresh_hints
from .feed import (
    ATOM_NS,
    FH_NS,
    MEDIA_NS,
    SY_NS,
    add_delivery,
    add_media,
    newest_update,
    thumbnail_link,
)
from .layout import RSS_TYPE
from .model import Channel, Entry, Site
from .text import xml_safe

DC_NS = "http://purl.org/dc/elements/1.1/"
_NSMAP = {"atom": ATOM_NS, "dc": DC_NS, "fh": FH_NS, "media": MEDIA_NS, "sy": SY_NS}


def rfc822(moment: datetime) -> str:
    """A date as RSS wants it: ``Tue, 21 Jun 2022 03:44:48 GMT``."""
    return email.utils.format_datetime(moment.astimezone(UTC), usegmt=True)


def render_rss(entries: Sequence[Entry], channel: Channel) -> bytes:
    """Serialize ``entries`` (newest first) as an RSS 2.0 document.

    ``lastBuildDate`` is the newest entry's update time, not the build time, so an unchanged
    folder gives identical bytes.
    """
    site = channel.site
    rss = etree.Element("rss", version="2.0", nsmap=_NSMAP)
    element = etree.SubElement(rss, "channel")
    _text(element, "title", channel.title)
    _text(element, "link", site.base_url)
    _text(element, "description", channel.subtitle or channel.title)
    etree.SubElement(
        element, f"{{{ATOM_NS}}}link", href=channel.self_url, rel="self", type=RSS_TYPE
    )
    _text(element, "language", site.language)
    for name in channel.categories:
        _text(element, "category", name)
    _text(element, "generator", f"feedgen-miit {__version__}")
    _text(element, "docs", "https://www.rssboard.org/rss-specification")
    _text(element, "lastBuildDate", rfc822(newest_update(entries)))
    # Minutes a reader may cache the feed (Miniflux reads it): the build's schedule.
    _text(element, "ttl", str(refresh_hints(site.schedule).ttl_minutes))
    add_delivery(element, channel, link=f"{{{ATOM_NS}}}link")
    if site.logo:
        image = etree.SubElement(element, "image")
        _text(image, "url", site.logo)
        _text(image, "title", channel.title)
        _text(image, "link", site.base_url)
    for entry in entries:
        _add_item(element, entry, site)
    document: bytes = etree.tostring(rss, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return document


def _add_item(channel: etree._Element, entry: Entry, site: Site) -> None:
    article = entry.article
    item = etree.SubElement(channel, "item")
    _text(item, "title", article.title)
    address = site.link(article)
    if address:
        _text(item, "link", address)
    _text(item, "description", entry.content)
    if article.author:
        _text(item, f"{{{DC_NS}}}creator", article.author)
    for name in article.categories:
        _text(item, "category", name)
    _text(item, "guid", article.id).set("isPermaLink", "false")
    _text(item, "pubDate", rfc822(article.published))
    if entry.thumbnail:
        link = thumbnail_link(entry.thumbnail)
        if link.type:
            etree.SubElement(
                item,
                "enclosure",
                url=link.href,
                length=str(link.length or 0),
                type=link.type,
            )
        add_media(item, entry.thumbnail)


def _text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = xml_safe(text)
    return element
