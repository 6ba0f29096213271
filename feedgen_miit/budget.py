"""What an entry costs in a feed document, so that no document outgrows the byte budget.

Readers refuse feeds past a size (Miniflux at 15 MiB, CommaFeed at 5 MiB, some services at
500 kB), so every feed document stays under ``max_feed_bytes``. Documents are filled entry by
entry against :func:`entry_cost`, an upper bound of the bytes an entry takes in any of the
three formats (Atom, RSS, JSON Feed): it is computed once, where the entry is made, without
rendering anything, and never less than the truth (a property test holds it). An entry too
big to share a document with a few others is carried as its summary and a link to its page
(:func:`fitted`): the feed stays readable, and the whole article is one click away.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

from .model import Entry, Site
from .sanitize import recheck

#: Bytes a document's head may take (the feed's id, title, links, hubs, hints, and the
#: archive links): reserved before any entry is counted.
HEAD_BYTES = 8192
#: An entry costing more than this share of the budget is carried as its summary.
ENTRY_SHARE = 4
#: Bytes of markup every entry takes in the most verbose format, besides its texts: element
#: names, dates, the indentation of pretty-printed XML, the JSON keys.
_ENTRY_FRAME = 1024
#: Markup per category (Atom writes it twice, as term and label, in one element).
_CATEGORY_FRAME = 64
#: Control characters but line breaks and tabs: up to six bytes each once escaped.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Markup per picture (Atom: media:thumbnail, media:content, an enclosure link).
_PICTURE_FRAME = 256
#: Markup of the author's excerpt (Atom's summary element, JSON Feed's summary key).
_EXCERPT_FRAME = 64


def entry_cost(entry: Entry, page_url: str = "") -> int:
    """An upper bound of the bytes ``entry`` takes in an Atom, RSS or JSON Feed document.

    Texts are counted as escaped for XML, the more costly of the two escapes but for line
    breaks, backslashes and tabs (two bytes each in JSON), counted once more; each text is
    counted as often as the most verbose format writes it.
    """
    article = entry.article
    cost = _ENTRY_FRAME + _escaped(entry.content) + 2 * _escaped(article.title)
    cost += 2 * (len(article.id) + len(page_url) + len(article.link or ""))
    cost += 2 * (_escaped(article.author or "") + _escaped(entry.contributor or ""))
    cost += sum(_CATEGORY_FRAME + 2 * _escaped(name) for name in article.categories)
    if entry.thumbnail:
        cost += _PICTURE_FRAME + 4 * _escaped(entry.thumbnail)
    if entry.summary:
        cost += 2 * _escaped(entry.summary)
    if entry.excerpt:  # written once, in Atom and in JSON Feed
        cost += _EXCERPT_FRAME + _escaped(entry.excerpt)
    return cost


def fitted(entry: Entry, budget: int, site: Site) -> Entry:
    """``entry`` as a feed carries it: whole, or, when it alone would take more than a
    :data:`ENTRY_SHARE` th of the ``budget``, its summary and a link to its page."""
    if entry.cost * ENTRY_SHARE <= budget - HEAD_BYTES:
        return entry
    link = site.link(entry.article)
    more = f'<p><a href="{escape(link)}">…</a></p>' if link else ""
    short = replace(entry, content=recheck(f"<p>{escape(entry.summary, quote=False)}</p>{more}"))
    addresses = entry.cost - entry_cost(entry)  # what its page's address adds: the same
    return replace(short, cost=entry_cost(short) + addresses)


def _escaped(text: str) -> int:
    """Bytes of ``text`` escaped for XML, plus what JSON adds for its own escapes: a line
    break, a tab, a backslash or a quote take two bytes, another control character six
    (``\u0001``; XML writes a carriage return as ``&#13;``, five)."""
    extra = text.count("\n") + text.count("\\") + text.count("\t") + text.count('"')
    extra += 5 * len(_CONTROL.findall(text))
    return len(escape(text, quote=False).encode("utf-8")) + extra
