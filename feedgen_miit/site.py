"""What a browser sees: ``index.html`` and the XSL stylesheet that shows an Atom feed as a page.

``index.html`` needs no XSLT (browsers are dropping it) and no script: it lists every feed,
with an autodiscovery ``<link rel="alternate">`` for each, so pasting the site's address into
a reader finds them, and the newest entries. Every text is HTML-escaped; entry bodies are not
shown, only titles, dates and categories.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from importlib.resources import files

from .layout import STYLESHEET_FILENAME
from .model import Entry, FeedLink, Site

_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:; "
    "base-uri 'none'; form-action 'none'"
)
_STYLE = """\
body { font: 16px/1.6 system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem;
       color: #222; background: #fff; }
code { word-break: break-all; }
li { margin: .3rem 0; }
.meta { color: #666; font-size: .9rem; }"""


def stylesheet() -> bytes:
    """The XSL stylesheet that turns an Atom feed into a page (a file in this package)."""
    return files(__package__).joinpath("static", STYLESHEET_FILENAME).read_bytes()


def render_index(
    feeds: Sequence[FeedLink],
    entries: Sequence[Entry],
    site: Site,
    *,
    opml: str | None = None,
) -> bytes:
    """The page listing ``feeds`` (and the OPML file ``opml``) and the newest ``entries``."""
    main = [feed for feed in feeds if feed.category is None]
    categories = [feed for feed in feeds if feed.category is not None]
    lines = [
        "<!DOCTYPE html>",
        f'<html lang="{_attr(site.language)}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>{_text(site.title)}</title>",
    ]
    lines += [
        f'<link rel="alternate" type="{_attr(feed.media_type)}" '
        f'title="{_attr(feed.title)}" href="{_attr(feed.path)}">'
        for feed in feeds
    ]
    lines += [f"<style>\n{_STYLE}\n</style>", "</head>", "<body>"]
    lines.append(f"<h1>{_text(site.title)}</h1>")
    if site.subtitle:
        lines.append(f"<p>{_text(site.subtitle)}</p>")
    lines += [
        "<h2>Subscribe</h2>",
        "<p>Copy a feed's address into your feed reader, or import the OPML file to "
        "follow every feed at once.</p>",
        "<ul>",
    ]
    lines += [_feed_item(feed, site) for feed in main]
    if opml:
        lines.append(
            f'<li><a href="{_attr(opml)}">OPML</a>: every feed, for import '
            f"<code>{_text(site.base_url + opml)}</code></li>"
        )
    lines.append("</ul>")
    if categories:
        lines += ["<h2>Categories</h2>", "<ul>"]
        lines += [_feed_item(feed, site) for feed in categories]
        lines.append("</ul>")
    lines += ["<h2>Latest articles</h2>", "<ul>"]
    lines += [_entry_item(entry, site) for entry in entries]
    lines += ["</ul>", "</body>", "</html>", ""]
    return "\n".join(lines).encode("utf-8")


def _feed_item(feed: FeedLink, site: Site) -> str:
    name = feed.category if feed.category is not None else feed.format_name
    noun = "entry" if feed.entries == 1 else "entries"
    count = f' <span class="meta">({feed.entries} {noun})</span>' if feed.category else ""
    return (
        f'<li><a href="{_attr(feed.path)}">{_text(name)}</a>{count} '
        f"<code>{_text(site.base_url + feed.path)}</code></li>"
    )


def _entry_item(entry: Entry, site: Site) -> str:
    article = entry.article
    title = _text(article.title)
    if article.link:
        title = f'<a href="{_attr(article.link)}">{title}</a>'
    local = article.published.astimezone(site.zone)
    when = f'<time datetime="{_attr(article.published.isoformat())}">{local:%Y-%m-%d %H:%M}</time>'
    tags = "".join(f" · {_text(name)}" for name in article.categories)
    return f'<li>{title} <span class="meta">{when}{tags}</span></li>'


def _text(value: str) -> str:
    return escape(value, quote=False)


def _attr(value: str) -> str:
    return escape(value, quote=True)
