"""Entries -> a JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/).

NetNewsWire shows per-article images only from JSON Feed's ``image``; ``tags``, ``authors``,
``content_html`` and the plain-text ``summary`` (the author's excerpt, when there is one)
carry what the Atom feed carries.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .model import Channel, Entry, Site

JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


def render_json_feed(entries: Sequence[Entry], channel: Channel) -> bytes:
    """Serialize ``entries`` (newest first) as JSON Feed 1.1, UTF-8, keys in a fixed order."""
    site = channel.site
    document: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": channel.title,
        "home_page_url": site.base_url,
        "feed_url": channel.self_url,
    }
    if channel.subtitle:
        document["description"] = channel.subtitle
    if site.logo:
        document["icon"] = site.logo
    if site.icon:
        document["favicon"] = site.icon
    document["authors"] = [{"name": site.author}]
    document["language"] = site.language
    if site.hubs:
        document["hubs"] = [{"type": "WebSub", "url": hub} for hub in site.hubs]
    if channel.paging is not None and channel.paging.prev is not None:
        # The next page of items, as JSON Feed paginates: the next older document.
        document["next_url"] = channel.paging.prev
    document["items"] = [_item(entry, site) for entry in entries]
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    return text.encode("utf-8")


def _item(entry: Entry, site: Site) -> dict[str, Any]:
    article = entry.article
    item: dict[str, Any] = {"id": article.id}
    # The spec's url is the item's own page; external_url the page elsewhere it is about.
    page = site.page_url(article)
    if page or article.link:
        item["url"] = page or article.link
    if page and article.link:
        item["external_url"] = article.link
    item["title"] = article.title
    item["content_html"] = entry.content
    if entry.excerpt:  # only the author's own: the first words would repeat content_html
        item["summary"] = entry.excerpt
    if entry.thumbnail:
        item["image"] = entry.thumbnail
    item["date_published"] = _rfc3339(article.published, site)
    item["date_modified"] = _rfc3339(article.updated, site)
    if article.author:
        item["authors"] = [{"name": article.author}]
    if article.categories:
        item["tags"] = list(article.categories)
    return item


def _rfc3339(moment: datetime, site: Site) -> str:
    return moment.astimezone(site.zone).isoformat()
