"""Plain-text helpers shared by every step that writes XML."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

# XML 1.0 section 2.2: TAB, LF, CR and the ranges below are the only characters allowed.
# Lone surrogates (from broken decoders) and U+FFFE/U+FFFF are excluded as well, and so are
# DEL and the C1 controls, which section 2.2 discourages: no text needs them, mis-decoded
# text is full of them, and a reader that drops them could turn 'java\x7fscript:' into a URL.
# Written as the characters refused, the complement of those allowed (TAB, LF, CR, U+0020-
# U+007E, U+00A0-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF): the same set, which a test holds
# to that list, compiled in 0.4 ms instead of 4 ms at every start, and searched a sixth faster.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+\Z")
_SPACES = re.compile(r"\s+")  # in str patterns \s covers U+3000 IDEOGRAPHIC SPACE and NBSP


def xml_safe(text: str) -> str:
    """Remove the characters XML 1.0 forbids or discourages (controls), keeping TAB, LF, CR."""
    return _XML_ILLEGAL.sub("", text)


#: Unicode's format characters (general category Cf, as of Unicode 14): invisible, they make
#: names that look the same differ (金融 and 金\u200b融 would be two categories, each with a
#: feed), and the bidi controls among them (U+202A-U+202E, U+2066-U+2069) reorder what follows
#: on screen. tests/test_text.py checks this class against unicodedata.
FORMAT_CHARACTERS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f"
    "\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd"
    "\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
_ZWJ = "\u200d"
_BLACK_FLAG = "\U0001f3f4"  # starts a subdivision flag, spelled with tag characters
_TAG_CHARACTERS = "".join(map(chr, range(0xE0020, 0xE0080)))


def visible(text: str) -> str:
    """``text`` as it looks: in NFC, without format characters (zero-width spaces and joiners,
    bidi controls, soft hyphens...). Two names that look the same are then the same string.

    Kept: what emoji are spelled with (a zero-width joiner between two emoji, as in 👩‍💻,
    and the tag characters of a subdivision flag).
    """
    if text.isascii():
        return text  # the common case for URLs and keys: no format character, already NFC
    if FORMAT_CHARACTERS.search(text) is not None:
        text = FORMAT_CHARACTERS.sub(_unless_part_of_an_emoji, text)
    if not unicodedata.is_normalized("NFC", text):  # after: e\u200b\u0301 composes once bare
        text = unicodedata.normalize("NFC", text)
    return text


def _unless_part_of_an_emoji(match: re.Match[str]) -> str:
    char, text, at = match.group(), match.string, match.start()
    if char == _ZWJ and 0 < at < len(text) - 1:
        if _is_emoji(text[at - 1]) and _is_emoji(text[at + 1]):
            return char
    elif char in _TAG_CHARACTERS and text[:at].rstrip(_TAG_CHARACTERS).endswith(_BLACK_FLAG):
        return char
    return ""


def _is_emoji(char: str) -> bool:
    # So: emoji and other symbols; U+FE0F asks for an emoji presentation; U+1F3FB-F: skin tones
    return char == "\ufe0f" or unicodedata.category(char) in ("So", "Sk")


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
