"""The feeds a build wrote -> an OPML 2.0 subscription list (http://opml.org/spec2.opml).

A reader that imports a list subscribes to every outline with an ``xmlUrl``, and readers
that remove duplicates do so per feed: a list must never hold two feeds that share entries,
or every article shows two to four times. So ``feeds.opml``, the list people are told to
import, holds the main feed once, in one format (Atom, or RSS or JSON Feed when Atom is
switched off); the category feeds, which overlap by nature, are ``categories.opml``, whose
title says so. The feeds sit in one outline named after the list, which readers import as a
folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from lxml import etree

from .model import FeedLink, Site
from .rss import rfc822
from .text import xml_safe


def render_opml(feeds: Sequence[FeedLink], site: Site, updated: datetime, *, title: str) -> bytes:
    """List ``feeds`` (paths relative to the output folder) with absolute addresses, under
    ``title``.

    ``updated`` (the newest entry's time) is written as ``dateModified``, so an unchanged
    folder gives identical bytes.
    """
    opml = etree.Element("opml", version="2.0")
    head = etree.SubElement(opml, "head")
    etree.SubElement(head, "title").text = xml_safe(title)
    etree.SubElement(head, "dateModified").text = rfc822(updated)
    etree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = etree.SubElement(opml, "body")
    folder = etree.SubElement(body, "outline", text=xml_safe(title), title=xml_safe(title))
    for feed in feeds:
        etree.SubElement(
            folder,
            "outline",
            type="rss",
            text=xml_safe(feed.title),
            title=xml_safe(feed.title),
            xmlUrl=site.base_url + feed.path,
            htmlUrl=site.base_url,
            language=site.language,
        )
    document: bytes = etree.tostring(
        opml, xml_declaration=True, encoding="UTF-8", pretty_print=True
    )
    return document
