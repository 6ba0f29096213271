"""Plain-text helpers shared by every step that writes XML."""

from __future__ import annotations

import html
import re

import nh3

# XML 1.0 section 2.2: TAB, LF, CR and the ranges below are the only characters allowed.
# Lone surrogates (from broken decoders) and U+FFFE/U+FFFF are excluded as well, and so are
# DEL and the C1 controls, which section 2.2 discourages: no text needs them, mis-decoded
# text is full of them, and a reader that drops them could turn 'java\x7fscript:' into a URL.
_XML_ILLEGAL = re.compile("[^\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+\Z")
_SPACES = re.compile(r"\s+")  # in str patterns \s covers U+3000 IDEOGRAPHIC SPACE and NBSP


def xml_safe(text: str) -> str:
    """Remove the characters XML 1.0 forbids or discourages (controls), keeping TAB, LF, CR."""
    return _XML_ILLEGAL.sub("", text)


def one_line(text: str) -> str:
    """Collapse every run of whitespace (ideographic indentation included) to one space, and
    remove what :func:`xml_safe` removes."""
    # Printable text holds no control, surrogate or non-character, and no white space but
    # the ASCII space: the common case (a name, a title) needs no regular expression.
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return _SPACES.sub(" ", xml_safe(text)).strip()


def truncate(text: str, limit: int, ellipsis: str = "…") -> str:
    """Cut ``text`` to at most ``limit`` characters, preferring a word boundary, marking the cut.

    Works on characters, never on markup, so an entity or a surrogate pair is never split.
    """
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(ellipsis), 0)]
    # Latin text breaks at a space; CJK text has none and is cut at the limit.
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip() + ellipsis


def strip_markup(text: str) -> str:
    """Turn a fragment that may hold tags or entities (a scraped title) into plain text."""
    if "<" not in text and "&" not in text:
        return text
    # nh3 parses like a browser; with no tag allowed it keeps only the text, entity-escaped.
    return html.unescape(nh3.clean(text, tags=set()))


def is_absolute_iri(text: str) -> bool:
    """Whether ``text`` has a scheme and no white space, as an Atom id must (RFC 3987)."""
    return _ABSOLUTE_IRI.match(text) is not None
