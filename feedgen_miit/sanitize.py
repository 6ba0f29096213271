"""Keep the article, drop the boilerplate, let only whitelisted HTML through.

Two stages, in this order:

1. **Clean-up** (on the tree libxml2's forgiving HTML parser makes): comments and
   ``<style>``/``<script>`` go with their contents, and so does the source site's boilerplate
   as its :class:`~feedgen_miit.profile.CleaningProfile` describes it (the app-promotion
   block, the editor line, whose name is kept, what follows the end-of-text comment, a line
   repeating the title); relative URLs become absolute, lazy-loaded images get their real
   ``src``, an embedded frame becomes a link, and markup nested absurdly deep is flattened
   to its text. The addresses of the images it removed are kept, so that none of them is
   taken for the entry's picture. Two walks do it over the same parse: one over lxml's tree,
   here, for the bodies real sites send (a third of the time), and one over beautifulsoup4's
   (:mod:`~feedgen_miit.bs4pass`), for the markup the first declines (frames to turn into
   links, nesting libxml2's tree builder cuts, ruby text); they give the same fragment
   wherever both apply (see :func:`_lxml_pass`).
2. **Whitelist** (nh3, the binding to Rust's ammonia, an HTML5-parsing sanitizer): only the
   tags, attributes and URL schemes below survive.

Characters XML forbids are removed *before* stage 1: ``<a href="\\x01java\\x03script:">`` is a
harmless relative URL to a sanitizer and would become ``javascript:`` if they were removed later.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any, NamedTuple, cast
from urllib.parse import urljoin

import nh3
from lxml import etree

from .errors import MarkupLimitError
from .model import SafeHtml
from .profile import DEFAULT_PROFILES, CleaningRules, rules_of
from .text import one_line, truncate, xml_safe

# -- the whitelist: the one place that says what may reach a reader --------------------------

ALLOWED_TAGS: frozenset[str] = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "del", "div",
        "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span",
        "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = {
    "a": frozenset({"href", "title", "hreflang"}),
    "abbr": frozenset({"title"}),
    "blockquote": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}),
    "img": frozenset({"src", "alt", "title", "width", "height"}),
    "ins": frozenset({"cite", "datetime"}),
    "ol": frozenset({"start", "reversed"}),
    "q": frozenset({"cite"}),
    "td": frozenset({"colspan", "rowspan"}),
    "th": frozenset({"colspan", "rowspan", "scope"}),
}
#: Allowed on every tag (nh3 allows these two by default; stated here so the whitelist is
#: the whole truth).
GENERIC_ATTRIBUTES: frozenset[str] = frozenset({"lang", "title"})
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
#: Attributes that hold a URL, resolved against the article's address in stage 1.
URL_ATTRIBUTES: Mapping[str, str] = {
    "a": "href",
    "img": "src",
    "blockquote": "cite",
    "q": "cite",
    "del": "cite",
    "ins": "cite",
}
#: Attributes lazy-loading scripts copy into ``src`` (Readability.js, mercury-parser and the
#: common libraries: lazysizes, lozad, vanilla-lazyload, jQuery lazyload, echo.js, Zhihu's
#: data-actualsrc...). The first that holds a usable URL wins over ``src``; on ``<iframe>``
#: too (lazy-loaded players).
LAZY_SRC_ATTRIBUTES: tuple[str, ...] = (
    "data-src", "data-original", "data-actualsrc", "data-lazy-src", "data-lazy",
    "data-lazyload", "data-lazyload-src", "data-original-src", "data-real-src", "data-ll-src",
    "data-delayed-src", "data-echo", "data-hi-res-src",
)  # fmt: skip
#: The same for a ``srcset``: its largest candidate is taken, after the attributes above.
LAZY_SRCSET_ATTRIBUTES: tuple[str, ...] = ("data-srcset", "data-lazy-srcset")
#: Forced on every image: the source's image host blocks hot-linking by Referer, and the
#: articles carry this attribute so that readers can show the images.
FORCED_ATTRIBUTES: Mapping[str, Mapping[str, str]] = {"img": {"referrerpolicy": "no-referrer"}}
#: Set by nh3 on every link.
LINK_REL = "noopener noreferrer"
#: Removed with everything inside them (the whitelist would otherwise keep their text).
DROPPED_WITH_CONTENT: frozenset[str] = frozenset(
    {
        "script", "style", "template", "noscript", "iframe", "object", "embed", "applet",
        "frame", "frameset", "noembed", "noframes", "title", "textarea", "select", "button",
        "svg", "math", "head", "xmp", "plaintext",
    }
)  # fmt: skip
#: Elements without text or image inside are wrappers left behind by the clean-up.
_EMPTIABLE = "div|p|span|section|article|b|i|u|s|em|strong|small|font|center|blockquote|li|ul|ol"
#: Deeper markup is flattened to its text: nobody writes it, and it is a denial of service
#: (the HTML5 tree builder's work grows with the square of the depth).
MAX_DEPTH = 256
#: Passes of both stages before the result is taken as it is (see :func:`clean_body`).
MAX_PASSES = 4
#: Markup a body may hold: start tags, comments, attributes and character references (each
#: ``&``). A tag costs the parsers about 1 KB (with the text beside it), so this keeps any
#: body under 300 MB, where 1.1 million paragraphs took 1.6 GB and a minute; html5ever's time
#: grows with the square of the ``&amp;`` in a text (400,000: 19 s). Real articles hold a few
#: hundred. It leaves room for the 100,000 nested tags that are flattened (:data:`MAX_DEPTH`).
#: See :func:`check_markup`.
MAX_MARKUP = 120_000
#: Attributes one tag may hold: html5ever compares each with every other (100,000 took 9 s).
MAX_ATTRIBUTES = 1_000

_URL_STRIPPED = "".join(map(chr, range(0x21)))  # C0 controls and space
_URL_TAB_NEWLINE = re.compile("[\t\n\r]")
_URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_IMAGE_TAGS = frozenset({"img", "image"})  # <image> is what HTML5 parsers read as <img>
_LAZY_ATTRIBUTES = frozenset(LAZY_SRC_ATTRIBUTES) | frozenset(LAZY_SRCSET_ATTRIBUTES)
_IMAGE_SCHEMES = frozenset({"http", "https"})
#: An http(s) ``src`` that is a placeholder by its usual file name (a blank, ``data:`` or
#: ``javascript:`` one is no address at all): replaced when there is something better, a
#: lazy attribute, a srcset or a ``<picture>``'s source; else kept.
_PLACEHOLDER_SRC = re.compile(
    r"(?:\A|/)(?:blank|spacer|pixel|placeholder|transparent|lazy|lazyload|loading|grey|gray|"
    r"empty|clear|1x1)[\w-]*\.(?:gif|png|svg|jpe?g|webp)(?:[?#]|\Z)",
    re.IGNORECASE,
)
_SRCSET_URL = re.compile(r"[\s,]*(\S*)")
_SRCSET_DESCRIPTOR = re.compile(r"(\d+(?:\.\d*)?|\.\d+)([wx])\Z", re.IGNORECASE)
#: Elements that end a line of text, and those a line is within (the title line: see
#: :func:`bs4pass._line_around` and :func:`_lxml_title_lines`).
_LINE_BLOCKS = frozenset(
    {"[document]", "body", "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol",
     "dl", "dt", "dd", "blockquote", "section", "article", "main", "aside", "header", "footer",
     "nav", "figure", "figcaption", "center", "pre", "table", "caption", "tbody", "thead",
     "tfoot", "tr", "td", "th", "hr", "address", "details", "summary", "form"}
)  # fmt: skip
#: A line holding one of these is not "only a label and the title": it stays.
_KEEPS_LINE = frozenset({"img", "image", "iframe", "picture", "video", "audio"})
_EMPTY_ELEMENT_PATTERN = rf"<({_EMPTIABLE})(?:\s[^>]*)?>(?:\s|&nbsp;|\u3000)*</\1>"
_EMPTY_ELEMENT = re.compile(_EMPTY_ELEMENT_PATTERN, re.IGNORECASE)
_BLANK_RUN = re.compile(r"[ \t\u3000]*\n\s*")
_PRE_BLOCK = re.compile(r"(<pre[\s>].*?</pre>)", re.DOTALL | re.IGNORECASE)
# nh3 output is well formed and always double-quotes attributes, so this finds every tag.
_TAG = re.compile(r'<(/?)([a-zA-Z0-9]+)(?:[^>"]|"[^"]*")*>')
_BLOCK_TAGS = frozenset(
    {"p", "div", "br", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
     "blockquote", "hr", "dt", "dd", "figcaption", "caption", "table", "ul", "ol", "dl"}
)  # fmt: skip
#: A start or end tag of one of them, as nh3 writes it; and everything up to the last one.
_LINE_BREAK_PATTERN = rf"</?(?:{'|'.join(sorted(_BLOCK_TAGS))})(?=[\s/>])[^>]*>"
_LINE_BREAK = re.compile(_LINE_BREAK_PATTERN)
_LAST_LINE_BREAK = re.compile(rf".*{_LINE_BREAK_PATTERN}", re.DOTALL)


@dataclass(frozen=True, slots=True)
class CleanBody:
    """A sanitized body and what the clean-up found in it."""

    html: SafeHtml
    editor: str | None  #: the name from the editor line, if there was one
    #: The absolute http(s) ``src`` of the images in ``html``, in order, each once.
    images: tuple[str, ...] = ()
    #: The absolute http(s) URLs of the images stage 1 removed (boilerplate, dropped tags,
    #: what follows the end of the text, editor lines, flattened markup): ``src``, lazy
    #: attributes and srcset candidates, resolved as kept images are; none of ``images``.
    removed_images: frozenset[str] = frozenset()

    @property
    def first_image(self) -> str | None:
        """The first image's absolute http(s) URL, if any."""
        return self.images[0] if self.images else None


def clean_body(
    raw_html: str,
    base_url: str | None = None,
    rules: CleaningRules | None = None,
    *,
    title: str | None = None,
) -> CleanBody:
    """Run both stages over an article body; relative URLs resolve against ``base_url``.

    ``rules`` are the site's (:func:`feedgen_miit.profile.rules_of` the profiles); by
    default those of the built-in profiles. With the article's ``title``, a paragraph or line
    that only repeats it after a title label (``原标题：<title>``) is dropped.

    The two stages parse with different HTML parsers (libxml2, then html5ever), which nest
    some broken markup differently: ``<b><form><p>x`` gives ``<b><p>x</p></b>``, which
    libxml2 reads as ``<b></b><p>x</p>``. So the result is run through both stages again
    until it no longer changes (at most :data:`MAX_PASSES` times): every pass is a complete
    sanitization, and the result is a fixed point, so cleaning it again changes nothing.
    The confirming pass is skipped when :func:`_is_stable` can tell from the text alone that
    it would change nothing: true of nearly every article, and half the cost.
    """
    check_markup(raw_html)
    rules = rules or rules_of(DEFAULT_PROFILES)
    if title is not None and rules.title_label is None:
        title = None  # no label to look for
    taken, safe = _one_pass(raw_html, base_url, rules, take_editor=True, title=title)
    removed = taken.removed_images
    for _ in range(MAX_PASSES - 1):
        if _is_stable(safe, base_url) and not _has_title_line(safe, rules, title):
            break  # the confirming pass would return ``safe`` as it is (nearly every article)
        again_taken, again = _one_pass(safe, base_url, rules, title=title)
        removed |= again_taken.removed_images
        if again == safe:
            break
        safe = again
    images = images_in(safe)
    if removed:
        removed = removed.difference(images)  # also kept elsewhere (a <noscript> copy...)
    return CleanBody(html=safe, editor=taken.editor, images=images, removed_images=removed)


class _Taken(NamedTuple):
    """What a pass took out of the body besides its HTML."""

    editor: str | None
    removed_images: frozenset[str]


def _one_pass(
    raw_html: str,
    base_url: str | None,
    rules: CleaningRules,
    *,
    take_editor: bool = False,
    title: str | None = None,
) -> tuple[_Taken, SafeHtml]:
    """Stage 1 on lxml's tree when :func:`_lxml_pass` takes the body, else on bs4's; then
    the whitelist."""
    text = xml_safe(raw_html)
    # A quick look at the text first: most bodies hold no title label at all.
    labels = rules.count_title_labels(text) if title is not None else 0
    try:
        taken, fragment = _lxml_pass(
            text, base_url, rules, take_editor=take_editor, title=title, title_labels=labels
        )
    except _Declined:
        from .bs4pass import bs4_pass  # noqa: PLC0415 - bs4 only for the bodies that need it

        taken, fragment = bs4_pass(
            text, base_url, rules, take_editor=take_editor, title=title, title_labels=labels
        )
    return taken, _whitelist(fragment)


def _has_title_line(safe: SafeHtml, rules: CleaningRules, title: str | None) -> bool:
    """Whether a pass with ``title`` might drop a title line from ``safe``: True when the
    text between two block tags or ``<br>`` around a title label repeats the title.

    Asked only of markup :func:`_is_stable` accepts (blocks nest only in blocks), where those
    are the lines the pass reads, or, for an inline element holding a ``<br>``, parts of them
    (then it may say True for nothing, and the pass decides, as about a line with an image).
    """
    if title is None or rules.title_label is None:
        return False
    stop = 0  # where the last line read ends
    for label in rules.title_label.finditer(safe):  # nearly every article: none
        position = label.start()
        if position < stop:
            continue  # in the line just read
        before = _LAST_LINE_BREAK.match(safe, 0, position)
        start = before.end() if before else 0
        after = _LINE_BREAK.search(safe, position)
        stop = after.start() if after else len(safe)
        if rules.repeats_title(html.unescape(_TAG.sub("", safe[start:stop])), title):
            return True
    return False


# -- the fixed point, recognized without a pass --------------------------------------------------

# Tags on whose tree libxml2 (stage 1) and html5ever (stage 2) agree when the markup is
# well formed and nested as below. Anything else (table, pre, figure, dl...) is left to a pass.
_STABLE_BLOCKS = frozenset(
    {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "ul", "ol", "li", "hr"}
)
_STABLE_INLINE = frozenset(
    {"a", "b", "i", "em", "strong", "span", "sub", "sup", "small", "u", "s", "mark", "q",
     "cite", "abbr", "code", "kbd", "del", "ins", "br", "img"}
)  # fmt: skip
_STABLE_VOID = frozenset({"br", "img", "hr"})
#: Elements that may hold only inline content: both parsers close a p (and libxml2 a <b>)
#: when a block starts inside it, and html5ever closes a heading when another one starts.
_PHRASING_ONLY = _STABLE_INLINE | {"p", "h1", "h2", "h3", "h4", "h5", "h6"}
_LISTS = frozenset({"ul", "ol"})
#: Markup deeper than this is left to a pass (far below MAX_DEPTH and both parsers' limits).
_STABLE_MAX_DEPTH = 64
#: Attributes nh3 appends to every such tag, after the author's (which bs4 sorted).
_GENERATED_ATTRIBUTE: Mapping[str, tuple[str, str]] = {
    "a": ("rel", LINK_REL),
    "img": ("referrerpolicy", FORCED_ATTRIBUTES["img"]["referrerpolicy"]),
}
# A tag exactly as nh3 writes it: lowercase name, attributes double-quoted, values with
# '<', '>' and '"' escaped. Every '<' and '>' must belong to one (see _is_stable).
_STABLE_TAG = re.compile(r'<(/?)([a-z0-9]+)((?: [a-z]+="[^"<>]*")*)>')
_STABLE_ATTRIBUTE = re.compile(r' ([a-z]+)="([^"]*)"')
# What a pass writes differently wherever it is, in separate scans (one alternation of them
# all is ten times slower): what xml_safe removes, CR (html5ever reads it as LF), raw NBSP
# (nh3 writes &nbsp;), BOM (dropped at the start) ...
# (Every character but TAB, LF, U+0020-U+007E, U+00A1-U+D7FF, U+E000-U+FEFE, U+FF00-U+FFFD
# and U+10000-U+10FFFF, written as those refused: compiled ten times faster; see text.py.)
_UNSTABLE_CHARACTER = re.compile("[\x00-\x08\x0b-\x1f\x7f-\xa0\ud800-\udfff\ufeff\ufffe\uffff]")
# ... an entity nh3 never writes (the pass decodes it and writes the character) ...
_UNSTABLE_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|nbsp);)")
# ... a newline after a space, tab or U+3000, or before any white space (_tidy's blank runs) ...
_UNSTABLE_NEWLINE = re.compile(r"\n(?:(?=\s)|(?<=[ \t\u3000]\n))")
# ... and blank text between two tags other than one space: libxml2 makes it one space.
_UNSTABLE_BLANK = re.compile(r">(?! <)[ \t]+<")
#: _tidy's _EMPTY_ELEMENT for lowercase tags only (faster; the others are refused anyway).
_EMPTY_STABLE_ELEMENT = re.compile(_EMPTY_ELEMENT_PATTERN)
# Text in a list, not in an item (after <ul>, <ol> or </li>, as only items stand in lists):
# libxml2 and html5ever place it differently.
_TEXT_IN_LIST = re.compile(r"(?:<[uo]l(?: [^>]*)?>|</li>)[ \t\n]*[^ \t\n<]")


def _is_stable(safe: str, base_url: str | None) -> bool:
    """Whether ``_one_pass(safe, base_url)`` surely returns ``safe`` itself; False if unsure.

    ``safe`` must be what a pass returned (:func:`clean_body` asks about nothing else): the
    URLs in it are ones nh3 has accepted, and nh3 accepts the same URL again. Beyond that it
    proves nothing about a URL nh3 would reject (e.g. ``http://host:bad-port/``).

    Conservative and cheap (regular expressions, no parser): true for markup in the shape
    nh3 writes, made only of the tags above nested the way both parsers agree on, with URLs
    that stage 1 would leave as they are. Checked against real passes on a corpus and by a
    property test (tests/test_sanitize.py); when it says False, the pass decides. The rules
    about blanks are libxml2 2.14's (lxml 6.1): other versions must be checked again.
    """
    if (
        _UNSTABLE_CHARACTER.search(safe)
        or _UNSTABLE_ENTITY.search(safe)
        or _UNSTABLE_NEWLINE.search(safe)
        or _UNSTABLE_BLANK.search(safe)
        or _TEXT_IN_LIST.search(safe)
        or _EMPTY_STABLE_ELEMENT.search(safe)  # _tidy would drop it
        or safe.strip() != safe  # _tidy would strip it
    ):
        return False
    tags = _STABLE_TAG.findall(safe)
    # Every '<' and '>' must be part of a tag: a raw one in text is escaped by the pass.
    if not safe.count("<") == len(tags) == safe.count(">"):
        return False
    if "&quot;" in safe and "&quot;" in _STABLE_TAG.sub("", safe):
        return False  # in text the pass writes '"' (nh3 escapes it in attribute values only)
    stack: list[str] = []  # the open elements
    for closing, name, attributes in tags:
        if closing:
            if attributes or not stack or stack.pop() != name:
                return False  # misnested or stray end tag: each parser repairs it its own way
        elif not _start_tag_is_stable(name, attributes, stack, base_url):
            return False
        elif name not in _STABLE_VOID:
            stack.append(name)
    return not stack


def _start_tag_is_stable(
    name: str, attributes: str, stack: list[str], base_url: str | None
) -> bool:
    """Whether a start tag, opened inside ``stack``, comes back from a pass as it is."""
    parent = stack[-1] if stack else None
    if name in _STABLE_BLOCKS:
        if parent in _PHRASING_ONLY:
            return False  # a block inside p, a heading or an inline element: both reparent it
    elif name not in _STABLE_INLINE:
        return False  # a tag outside the small set both parsers agree on
    if (parent in _LISTS) != (name == "li") or len(stack) >= _STABLE_MAX_DEPTH:
        return False  # lists hold only items, items stand only in lists; no deep markup
    if name == "a" and "a" in stack:
        return False  # html5ever closes the outer link, libxml2 does not
    if attributes or name in _GENERATED_ATTRIBUTE:
        return _attributes_are_stable(name, attributes, base_url)
    return True


def _attributes_are_stable(name: str, attributes: str, base_url: str | None) -> bool:
    """Whether a pass writes these attributes of a ``name`` tag back as they are."""
    pairs = _STABLE_ATTRIBUTE.findall(attributes)
    generated = _GENERATED_ATTRIBUTE.get(name)
    if generated is not None:
        if not pairs or pairs[-1] != generated:
            return False  # nh3 would add it (again, at the end)
        pairs.pop()
    allowed = ALLOWED_ATTRIBUTES.get(name, frozenset()) | GENERIC_ATTRIBUTES
    names = [key for key, _ in pairs]
    if not set(names) <= allowed or names != sorted(set(names)):
        return False  # nh3 would drop it, or bs4 would sort them (each name once)
    url_attribute = URL_ATTRIBUTES.get(name)
    for key, value in pairs:
        if key == url_attribute and not _url_is_normal(
            html.unescape(value), base_url, image=name == "img"
        ):
            return False
    return True


def _url_is_normal(value: str, base_url: str | None, *, image: bool = False) -> bool:
    """Whether :func:`_normalize_urls` keeps ``value`` (a decoded URL attribute, an image's
    ``src`` if ``image``) as it is."""
    if image:
        return _image_url(value, base_url) == value
    return _normal_url(value, base_url) == value


def clean(
    raw_html: str, base_url: str | None = None, rules: CleaningRules | None = None
) -> SafeHtml:
    """Sanitize an HTML fragment: the only way to make :data:`SafeHtml`. Idempotent."""
    return clean_body(raw_html, base_url, rules).html


def recheck(stored_html: str) -> SafeHtml:
    """Pass HTML this module produced earlier (e.g. cached) through the whitelist again.

    Stage 2 only: cheap, and whatever the stored text became, what comes out is safe.
    Output of :func:`clean` comes back unchanged.
    """
    return _whitelist(stored_html)


def to_text(safe_html: SafeHtml) -> str:
    """The visible text of sanitized HTML on one line, blocks separated by a space."""

    def replace(tag: re.Match[str]) -> str:
        return " " if tag.group(2).lower() in _BLOCK_TAGS else ""

    return one_line(html.unescape(_TAG.sub(replace, safe_html)))


def summarize(safe_html: SafeHtml, limit: int, rules: CleaningRules | None = None) -> str:
    """A plain-text excerpt of at most ``limit`` characters, ending in '…' when cut.

    With the site's ``rules``, a first line that starts with a title label (``原标题：...``,
    one the body kept because it names another title) is left out: it is not the article.
    """
    text = to_text(safe_html)
    if rules is not None and rules.opens_with_title_label(text):
        lines = _text_lines(safe_html)
        first = next((index for index, line in enumerate(lines) if line.strip()), len(lines))
        text = one_line(" ".join(lines[first + 1 :]))
    return truncate(text, limit)


def _text_lines(safe_html: str) -> list[str]:
    """The text of each block or line (``<br>``) of sanitized HTML, decoded, in order."""

    def replace(tag: re.Match[str]) -> str:
        return "\0" if tag.group(2).lower() in _BLOCK_TAGS else ""

    # NUL cannot be in sanitized HTML (xml_safe removes it) nor come out of an entity.
    return html.unescape(_TAG.sub(replace, safe_html)).split("\0")


_IMAGE_SRC = re.compile(r'<img\s(?:[^>"]|"[^"]*")*?\bsrc="((?i:https?)://[^"]+)"')


def images_in(safe_html: SafeHtml) -> tuple[str, ...]:
    """The absolute http(s) ``src`` of every image in sanitized HTML, in order, each once."""
    if "<img" not in safe_html:
        return ()
    found = (html.unescape(url) for url in _IMAGE_SRC.findall(safe_html))
    return tuple(dict.fromkeys(found))


def first_image(safe_html: SafeHtml) -> str | None:
    """The ``src`` of the first image in sanitized HTML, if it is an absolute http(s) URL."""
    found = _IMAGE_SRC.search(safe_html)
    return html.unescape(found.group(1)) if found else None


# -- the limits: a body too big to parse is refused before it is ---------------------------

# The markup of a body as the HTML5 tokenizer cuts it (WHATWG HTML, 13.2.5), as far as the
# limits need: where each tag ends and how many attributes it has. A '>' in a quoted value
# does not end a tag, a '/' in a value starts no attribute (a base64 inline image holds
# thousands), and a quote starts a value only after '='. White space is the tokenizer's.
_SPACE = r"[\t\n\f\r ]"
# One attribute in "before attribute name" state, with the separators before it: a name
# (its first character may be '=' or a quote, which are then part of it), and its value.
_ATTRIBUTE = (
    rf"(?>[\t\n\f\r /]*[^\t\n\f\r />][^\t\n\f\r />=]*"
    rf"(?:{_SPACE}*={_SPACE}*(?:\"[^\"]*(?:\"|\Z)|'[^']*(?:'|\Z)|[^\t\n\f\r >]*))?)"
)
_TAG_END = r"[\t\n\f\r /]*(?:>|\Z)"
_ATTRIBUTE_NAMES = re.compile(_ATTRIBUTE)
_TAG_OPEN = r"</?[A-Za-z][^\t\n\f\r />]*+"  # possessive: no attribute made of its end
_COMMENT = r"<!--(?:-?>|.*?(?:--!?>|\Z))"  # as it ends: '<!-->' is one
_BOGUS_COMMENT = r"<(?:[!?]|/(?![A-Za-z]))[^>]*>?"  # '<!DOCTYPE', '<?', '</ 3'
# Elements whose content is text up to their end tag ('if (a<b && c)' is no tag). Not
# noscript: without scripting, which the sanitizer's parsers may lack, it holds markup.
_RAW_TEXT_ELEMENTS = "script|style|textarea|title|xmp|noembed|noframes|iframe"
_RAW_TEXT_OPEN = rf"<(?i:{_RAW_TEXT_ELEMENTS})(?![^\t\n\f\r />])"
_RAW_TEXT_REST = rf"{_TAG_END}.*?(?:</(?i:{_RAW_TEXT_ELEMENTS})(?![^\t\n\f\r />])|\Z)"
_AT_MOST_THE_LIMIT = rf"(?:{_ATTRIBUTE}){{0,{MAX_ATTRIBUTES}}}"
_BEFORE_A_NAME = ("\t", "\n", "\f", "\r", " ", "/", '"', "'")
# Everything a body holds but a tag with more than MAX_ATTRIBUTES attributes, matched from
# the start as far as it goes: where it stops, a tag has too many.
_WITHIN_LIMITS = re.compile(
    rf"""(?>
        {_COMMENT}
      | {_RAW_TEXT_OPEN}{_AT_MOST_THE_LIMIT}{_RAW_TEXT_REST}
      | {_TAG_OPEN}{_AT_MOST_THE_LIMIT}{_TAG_END}
      | {_BOGUS_COMMENT}
      | [^<]+
      | <(?![A-Za-z!?/])
    )*+""",
    re.DOTALL | re.VERBOSE,
)
# What a search for every tag's attributes stops at: comments, elements of raw text, tags
# with attributes (one without holds no quote: a search from its '<' stays in step) and
# bogus comments; ``raw`` or ``attributes`` holds the attributes.
_MARKUP = re.compile(
    rf"""{_COMMENT}
      | {_RAW_TEXT_OPEN}(?P<raw>(?:{_ATTRIBUTE})*){_RAW_TEXT_REST}
      | {_TAG_OPEN}(?P<attributes>(?:{_ATTRIBUTE})+){_TAG_END}
      | {_BOGUS_COMMENT}""",
    re.DOTALL | re.VERBOSE,
)


def check_markup(raw_html: str) -> None:
    """Refuse (:class:`MarkupLimitError`) a body with more than :data:`MAX_MARKUP` tags,
    attributes and character references, or a tag with more than :data:`MAX_ATTRIBUTES`
    attributes, before any parser sees it: they cost memory and time in proportion (or
    worse), and a hostile file within ``max_file_bytes`` holds a million tags.

    Counted on the raw text, in linear time and without a parse: start tags (and comments)
    as the ``<`` that do not start an end tag, character references as the ``&`` (upper
    bounds), attributes as the HTML5 tokenizer finds them (every name, repeated or not). A
    real article is done in a few counts of characters.
    """
    tags = raw_html.count("<") - raw_html.count("</")
    references = raw_html.count("&")
    if tags + references > MAX_MARKUP:
        raise MarkupLimitError(_too_much(f"{tags:,} tags and {references:,} '&'"))
    # Each attribute's name follows white space, a '/' or a closing quote (13.2.5.32-39):
    # with fewer of those in the whole body than the limit, no tag reaches it. Real
    # articles have a few hundred; counting them takes about 9 µs in a 3 kB body of
    # Chinese text, the match below 26-44 µs.
    crowded_is_possible = sum(map(raw_html.count, _BEFORE_A_NAME)) > MAX_ATTRIBUTES
    scanned = _WITHIN_LIMITS.match(raw_html) if crowded_is_possible else None
    if scanned is not None and scanned.end() < len(raw_html):
        crowded = _MARKUP.match(raw_html, scanned.end())
        names = (crowded.group("raw") or crowded.group("attributes")) if crowded else None
        attributes = max(len(_ATTRIBUTE_NAMES.findall(names or "")), MAX_ATTRIBUTES + 1)
        raise MarkupLimitError(
            f"a tag of the body has {attributes:,} attributes, more than the "
            f"{MAX_ATTRIBUTES:,} a tag may have (no real article has more than a few); "
            "the article is left out"
        )
    if len(raw_html) < 2 * (MAX_MARKUP - tags - references):
        return  # too short for its attributes to reach the limit
    total = tags + references
    for found in _MARKUP.finditer(raw_html):
        names = found.group("raw") or found.group("attributes")
        if names:
            total += len(_ATTRIBUTE_NAMES.findall(names))
            if total > MAX_MARKUP:
                what = f"{tags:,} tags, {references:,} '&' and {total - tags - references:,}"
                raise MarkupLimitError(_too_much(f"{what} attributes or more"))


def _too_much(what: str) -> str:
    return (
        f"the body has {what}, more than the {MAX_MARKUP:,} tags, attributes and character "
        "references a body may have (a real article has a few hundred: a broken or hostile "
        "file?); the article is left out"
    )


# -- images and frames -----------------------------------------------------------------------


def _image_url(value: object, base_url: str | None) -> str | None:
    """An image address resolved as :func:`_normal_url` resolves it; None if blank or not
    http(s) (a ``data:`` placeholder, ``javascript:``, ``mailto:``...)."""
    if not isinstance(value, str):
        return None
    url = value.strip(_URL_STRIPPED)
    if not url:
        return None  # resolved, it would be the article's own address
    return _resolved(url, base_url, _IMAGE_SCHEMES)


def _image_source(
    attributes: Mapping[str, object],
    base_url: str | None,
    picture: Callable[[str | None], str | None],
) -> str | None:
    """The address an ``<img>`` shows once the page's scripts ran, resolved; None if none.

    In order: a lazy-loading attribute (:data:`LAZY_SRC_ATTRIBUTES`, then the largest
    candidate of :data:`LAZY_SRCSET_ATTRIBUTES`); ``src``, unless it is missing or a
    placeholder; the largest candidate of ``srcset``, then of the first ``<source>`` of the
    enclosing ``<picture>`` (``picture``, given ``base_url``); the placeholder ``src`` (an
    http(s) one) if nothing else.
    """
    if not _LAZY_ATTRIBUTES.isdisjoint(attributes):
        lazy = _lazy_source(attributes, base_url)
        if lazy is not None:
            return lazy
    src = _image_url(attributes.get("src"), base_url)
    if src is not None and _PLACEHOLDER_SRC.search(src) is None:
        return src  # nearly every image
    better = _largest_candidate(attributes.get("srcset"), base_url)
    return better or picture(base_url) or src


def _lazy_source(attributes: Mapping[str, object], base_url: str | None) -> str | None:
    for name in LAZY_SRC_ATTRIBUTES:
        url = _image_url(attributes.get(name), base_url)
        if url is not None:
            return url
    for name in LAZY_SRCSET_ATTRIBUTES:
        url = _largest_candidate(attributes.get(name), base_url)
        if url is not None:
            return url
    return None


def _srcset_candidates(srcset: str) -> Iterator[tuple[str, str]]:
    """The ``(url, descriptors)`` of a ``srcset``, as the HTML standard splits them: a URL
    runs to white space (its trailing commas end the candidate), descriptors to a comma."""
    position, end = 0, len(srcset)
    while position < end:
        found = _SRCSET_URL.match(srcset, position)
        assert found is not None  # noqa: S101 - the pattern matches the empty string
        url, position = found.group(1), found.end()
        if not url:
            return
        if url.endswith(","):
            yield url.rstrip(","), ""
            continue
        comma = srcset.find(",", position)
        stop = end if comma < 0 else comma
        yield url, srcset[position:stop]
        position = stop + 1


def _candidate_size(descriptors: str) -> tuple[int, float]:
    """How a candidate ranks: by width (``640w``) above by density (``2x``, none is ``1x``)."""
    size = (1, 1.0)
    for descriptor in descriptors.split():
        found = _SRCSET_DESCRIPTOR.match(descriptor)
        if found is None:
            continue  # a height, or junk
        value = float(found.group(1))
        if found.group(2).lower() == "w":
            return (2, value)
        size = (1, value)
    return size


def _largest_candidate(srcset: object, base_url: str | None) -> str | None:
    """The usable candidate of a ``srcset`` with the largest width or density descriptor
    (the first of equals, the first if none has one), resolved; None if none is usable."""
    if not isinstance(srcset, str):
        return None
    best: str | None = None
    best_size = (0, 0.0)
    for candidate, descriptors in _srcset_candidates(srcset):
        url = _image_url(candidate, base_url)
        if url is not None:
            size = _candidate_size(descriptors)
            if best is None or size > best_size:
                best, best_size = url, size
    return best


def _image_urls(images: Sequence[Mapping[str, object]], base_url: str | None) -> frozenset[str]:
    """Every absolute http(s) URL images with these attributes could show (``src``, lazy
    attributes, every srcset candidate), resolved as kept images are."""
    if not images:
        return frozenset()
    found: set[str] = set()
    for attributes in images:
        for name, value in attributes.items():
            if name == "src" or name in LAZY_SRC_ATTRIBUTES:
                urls = [_image_url(value, base_url)]
            elif name == "srcset" or name in LAZY_SRCSET_ATTRIBUTES:
                urls = [_image_url(url, base_url) for url, _ in _srcset_candidates(str(value))]
            else:
                continue
            found.update(url for url in urls if url is not None and url_scheme(url))
    return frozenset(found)


def _normal_url(value: str, base_url: str | None) -> str | None:
    """A URL attribute's value resolved against ``base_url``; None if its scheme is not
    allowed, or if it cannot be resolved."""
    # Browsers strip surrounding whitespace and C0 controls from URLs; so do we, so that what
    # the whitelist checks is what a browser would follow.
    return _resolved(value.strip(_URL_STRIPPED), base_url, URL_SCHEMES)


def _resolved(url: str, base_url: str | None, schemes: Collection[str]) -> str | None:
    """``url`` resolved against ``base_url``; None if it cannot be, or if its scheme is not
    one of ``schemes`` (a relative URL has none, and stays relative without a base)."""
    if base_url:
        joined = _join(base_url, url)
        if joined is None:
            return None
        url = joined
    scheme = url_scheme(url)
    return url if scheme is None or scheme in schemes else None


@lru_cache(maxsize=1024)
def _join(base_url: str, url: str) -> str | None:
    """``urljoin(base_url, url)``; None for a URL it refuses (``http://[``: a bad IPv6 host).

    Remembered: most articles share a base and a few images (the site's QR code, its logo).
    """
    try:
        return urljoin(base_url, url)
    except ValueError:
        return None


#: Tags whose text bs4's HTML formatter writes unescaped (its ``cdata_containing_tags``).
_RAW_TEXT_PARENTS = frozenset({"script", "style"})


def _escape(text: str) -> str:
    # What bs4's "minimal" formatter does (EntitySubstitution.substitute_xml), without a regex.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# Where a node met by a stage-1 walk lies.
_KEPT = 0  # in the tree that stage 2 will see
_FLATTENED = 1  # inside a tag deeper than MAX_DEPTH: only its text stays
_REMOVED = 2  # inside a dropped tag: only editor lines are still looked for


# -- stage 1 on lxml: the common body ---------------------------------------------------------
#
# beautifulsoup4 builds its tree from libxml2's events in Python, one call per tag and per
# text: 1.3 ms of the 3.5 ms a generated Sina body took, where lxml builds the same tree in C
# in 0.10 ms. The pass below does stage 1 on lxml's tree for the bodies real sites send:
# boilerplate, comments, the end-of-text cut, editor lines, URLs, images, a title line that is
# a line of a block's own text. Whatever else it meets (a frame to turn into a link, markup
# nested deep enough for libxml2's tree builder to stop nesting it, text bs4 types apart such
# as a <ruby>'s <rt>) makes it decline, and the body goes through bs4pass, which handles
# everything. On every body both handle, both give the same fragment (tests/test_sanitize.py
# compares them on generated markup and on the cases that differed once).


class _Declined(Exception):  # noqa: N818 - not an error: the bs4 pass takes the body
    """The body holds something only the bs4 pass handles."""


#: Deepest nesting (below ``<body>``) the lxml pass takes: libxml2's tree builder stops
#: nesting at 255 levels, where bs4 (fed libxml2's events) goes on.
_LXML_DEPTH = 200
#: Where a text lies in lxml's tree: an element's ``text`` (before its first child) or its
#: ``tail`` (after it, in its parent). bs4's NavigableStrings are exactly these.
_TEXT, _TAIL, _ELEMENT = 0, 1, 2
#: A text in lxml's tree: the element that holds it, and :data:`_TEXT` or :data:`_TAIL`.
_TextNode = tuple[Any, int]
#: Tags whose text bs4 gives a class of its own (``string_containers``): ``get_text()`` and
#: the blank text the end-of-text cut keeps leave it out.
_OWN_STRING_CLASS = frozenset({"rt", "rp", "style", "script", "template"})
#: Elements bs4 writes as ``<br/>`` when they are empty (its ``empty_element_tags``).
_VOID = frozenset(
    {"area", "base", "basefont", "bgsound", "br", "col", "command", "embed", "frame", "hr",
     "image", "img", "input", "isindex", "keygen", "link", "menuitem", "meta", "nextid",
     "param", "source", "spacer", "track", "wbr"}
)  # fmt: skip
#: Attributes bs4 reads as lists of words (``cdata_list_attributes``) and writes joined by
#: one space: by tag, ``"*"`` for every tag.
_WORD_LISTS: Mapping[str, frozenset[str]] = {
    "*": frozenset({"accesskey", "dropzone", "class"}),
    "a": frozenset({"rel", "rev"}),
    "link": frozenset({"rel", "rev"}),
    "td": frozenset({"headers"}),
    "th": frozenset({"headers"}),
    "form": frozenset({"accept-charset"}),
    "object": frozenset({"archive"}),
    "area": frozenset({"rel"}),
    "icon": frozenset({"sizes"}),
    "iframe": frozenset({"sandbox"}),
    "output": frozenset({"for"}),
}
_WORD = re.compile(r"\S+")


@dataclass(slots=True)
class _LxmlSurvey:
    """What stage 1 changes in lxml's tree: :class:`bs4pass._Survey`'s lists, each text as the
    element that holds it and :data:`_TEXT` or :data:`_TAIL`."""

    rules: CleaningRules
    take_editor: bool
    editor_lines: list[Any] = field(default_factory=list)
    preformatted: list[Any] = field(default_factory=list)  # comments, processing instructions
    dropped: list[Any] = field(default_factory=list)
    after_text: list[Any] = field(default_factory=list)  # elements after the end of the text
    after_text_texts: list[_TextNode] = field(default_factory=list)  # and texts
    images: list[Any] = field(default_factory=list)
    linked: list[Any] = field(default_factory=list)
    removed_images: list[Any] = field(default_factory=list)
    title_labels: list[_TextNode] = field(default_factory=list)

    def sort(self, element: Any, depth: int, where: int) -> int | None:
        """:meth:`bs4pass._Survey.sort`; :class:`_Declined` where the bs4 pass is needed."""
        name, attributes, rules = element.tag, element.attrib, self.rules
        if self.take_editor and rules.is_editor_line(name, attributes):
            if any(outer.tag in _OWN_STRING_CLASS for outer in element.iterancestors()):
                raise _Declined  # its text is of a class bs4's get_text() leaves out
            self.editor_lines.append(element)
            self.removed_images.extend(element.iter(*_IMAGE_TAGS))
            return None
        if where == _REMOVED:
            if name in _IMAGE_TAGS:
                self.removed_images.append(element)
            return where if self.take_editor else None
        if name in DROPPED_WITH_CONTENT or rules.drops(name, attributes):
            if name == "iframe" and where == _KEPT and not rules.drops(name, attributes):
                raise _Declined  # a frame becomes a link: the bs4 pass does that
            self.dropped.append(element)
            if name in _IMAGE_TAGS:
                self.removed_images.append(element)
            return _REMOVED if self.take_editor else None
        if depth > _LXML_DEPTH:
            raise _Declined
        if name == "image":
            self.images.append(element)
            name = "img"
        if name in URL_ATTRIBUTES:
            self.linked.append(element)
        return _KEPT

    def note(self, node: Any, where: int) -> bool:
        """:meth:`bs4pass._Survey.note` for a comment or processing instruction."""
        if where == _REMOVED:
            return False
        self.preformatted.append(node)
        return (
            where == _KEPT
            and not self.after_text
            and not self.after_text_texts
            and node.tag is etree.Comment
            and self.rules.ends_article(node.text or "")
        )


def _lxml_pass(
    text: str,
    base_url: str | None,
    rules: CleaningRules,
    *,
    take_editor: bool,
    title: str | None,
    title_labels: int,
) -> tuple[_Taken, str]:
    """Stage 1 over ``text`` (already :func:`xml_safe`) on lxml's tree: what :func:`_one_pass`
    does before the whitelist, or :class:`_Declined`."""
    # A parser of its own (0.5 µs): one fed a body it never closed (an error, an interrupt)
    # would go on with that document.
    parser = etree.HTMLParser(recover=True)
    parser.feed("\n" + text)  # fed as bs4 feeds it, so the same tree
    document: Any = parser.close()  # None for a body of nothing but comments
    body = document.find("body") if document is not None else None
    if body is None:
        raise _Declined
    _collapse_blank_texts(body)
    found = _lxml_survey(body, rules, take_editor=take_editor, title_labels=title_labels)
    removed = _image_urls([image.attrib for image in found.removed_images], base_url)
    editor = None
    for line in found.editor_lines:
        name = rules.editor_name(one_line(" ".join(_text_of(line))))
        editor = editor or name or None
    gone = {*found.editor_lines, *found.preformatted, *found.dropped, *found.after_text}
    gone_texts = set(found.after_text_texts)
    line_texts: list[_TextNode] = []
    line_elements: list[Any] = []
    if title is not None and found.title_labels:
        line_texts, line_elements = _lxml_title_lines(
            found.title_labels, gone, gone_texts, rules, title
        )
    # Texts first: removing an element moves its tail into the text before it.
    for owner, kind in (*found.after_text_texts, *line_texts):
        if kind == _TEXT:
            owner.text = None
        else:
            owner.tail = None
    _lxml_remove(
        [*found.editor_lines, *found.preformatted, *found.dropped, *found.after_text,
         *line_elements]
    )  # fmt: skip
    for image in found.images:
        image.tag = "img"
    for element in found.linked:
        _lxml_normalize_url(element, base_url)
    return _Taken(editor, removed), _lxml_serialize(body)


def _collapse_blank_texts(body: Any) -> None:
    """Make each text of white space alone one newline (if it holds one) or one space, as
    bs4 stores it, outside ``<pre>`` and ``<textarea>``. Before anything is removed: lxml
    then joins the texts on both sides of a removed node, which bs4 keeps apart."""
    keep = {inner for outer in body.iter("pre", "textarea") for inner in outer.iter()}
    for node in body.iter():
        if node.text and isinstance(node.tag, str) and node not in keep:
            node.text = _bs4_text(node.text)
        if node.tail and node.getparent() not in keep:
            node.tail = _bs4_text(node.tail)


def _lxml_survey(
    body: Any, rules: CleaningRules, *, take_editor: bool, title_labels: int
) -> _LxmlSurvey:
    """:func:`bs4pass._survey` over lxml's tree: the same nodes, met in the same order."""
    found = _LxmlSurvey(rules, take_editor)
    label = rules.title_label.search if title_labels and rules.title_label else None
    stack: list[tuple[int, Any, int, int]] = []  # (kind, element, depth, where)
    _push_contents(stack, body, 1, _KEPT)
    while stack:
        kind, node, depth, where = stack.pop()
        if kind == _ELEMENT:
            if isinstance(node.tag, str):
                inside = found.sort(node, depth, where)
                if inside is not None:
                    _push_contents(stack, node, depth + 1, inside)
            elif found.note(node, where):
                stack = _lxml_cut(found, stack)  # what follows the marker, outermost first
        elif (
            label is not None
            and where == _KEPT
            and label(node.text if kind == _TEXT else node.tail) is not None
        ):
            found.title_labels.append((node, kind))
            if len(found.title_labels) >= title_labels:
                label = None  # found them all
    return found


def _push_contents(
    stack: list[tuple[int, Any, int, int]], node: Any, depth: int, where: int
) -> None:
    """Push ``node``'s text and children (each with its tail) so that they come off in
    document order."""
    for child in reversed(node):
        if child.tail:
            stack.append((_TAIL, child, depth, where))
        stack.append((_ELEMENT, child, depth, where))
    if node.text:
        stack.append((_TEXT, node, depth, where))


def _lxml_cut(
    found: _LxmlSurvey, following: list[tuple[int, Any, int, int]]
) -> list[tuple[int, Any, int, int]]:
    """:meth:`bs4pass._Survey.cut` on lxml's tree."""
    kept: list[tuple[int, Any, int, int]] = []
    plain: set[Any] = set()  # elements whose text bs4 gives no class of its own
    for kind, node, depth, _ in following:
        if kind == _ELEMENT:
            found.after_text.append(node)
            kept.append((kind, node, depth, _REMOVED))
        elif (node.text if kind == _TEXT else node.tail).strip():
            found.after_text_texts.append((node, kind))
            kept.append((kind, node, depth, _REMOVED))
        else:
            holder = node if kind == _TEXT else node.getparent()
            if holder not in plain:  # once per element: a cut may leave 100,000 texts
                if any(e.tag in _OWN_STRING_CLASS for e in (holder, *holder.iterancestors())):
                    raise _Declined  # bs4 keeps blank text of no class of its own only
                plain.add(holder)
            kept.append((kind, node, depth, _KEPT))
    return kept


def _lxml_title_lines(
    labels: list[_TextNode],
    gone: set[Any],
    gone_texts: set[_TextNode],
    rules: CleaningRules,
    title: str,
) -> tuple[list[_TextNode], list[Any]]:
    """:func:`bs4pass._drop_title_lines` on lxml's tree before anything is removed from it: the
    texts and elements of the lines to drop, reading the tree as bs4 sees it once what is
    ``gone`` is gone (lxml would merge the texts around a removed node)."""
    seen: set[_TextNode] = set()
    texts: list[_TextNode] = []
    elements: dict[Any, None] = {}  # in order, each once: two lines may end at one <br>
    # Each block's content is listed once, however many of its lines hold a label: listing
    # it per label took 63 s for a paragraph of 8,000 title lines.
    listed: dict[Any, tuple[list[_TextNode], dict[_TextNode, int]]] = {}
    for owner, kind in labels:
        child: _TextNode = (owner, kind)
        parent = owner if kind == _TEXT else owner.getparent()
        while parent is not None and parent.tag not in _LINE_BLOCKS:
            child, parent = (parent, _ELEMENT), parent.getparent()
        if parent is None or child in seen:
            continue
        if parent not in listed:
            kept = [
                item
                for item in _contents(parent)
                if (item[0] not in gone if item[1] == _ELEMENT else item not in gone_texts)
            ]
            listed[parent] = kept, {item: place for place, item in enumerate(kept)}
        items, places = listed[parent]
        start = end = places[child]
        while start > 0 and not _lxml_ends_line(items[start - 1]):
            start -= 1
        while end + 1 < len(items) and not _lxml_ends_line(items[end + 1]):
            end += 1
        line = items[start : end + 1]
        seen.update(line)
        words = "".join(
            "".join(_text_of(node, gone, gone_texts)) if kind == _ELEMENT else _text(node, kind)
            for node, kind in line
        )
        if not rules.repeats_title(words, title) or any(
            _lxml_holds_media(node, gone) for node, kind in line if kind == _ELEMENT
        ):
            continue
        texts.extend(item for item in line if item[1] != _ELEMENT)
        elements.update((node, None) for node, kind in line if kind == _ELEMENT)
        after = items[end + 1] if end + 1 < len(items) else None
        before = items[start - 1] if start > 0 else None
        delimiter = next(
            (item[0] for item in (after, before) if item is not None and item[0].tag == "br"),
            None,
        )
        if delimiter is not None:
            elements[delimiter] = None
    return texts, list(elements)


def _contents(element: Any) -> list[_TextNode]:
    """``element``'s content in document order, as bs4 lists it (``contents``): its text,
    then each child (``_ELEMENT``) and the child's tail."""
    items: list[_TextNode] = [(element, _TEXT)] if element.text else []
    for child in element:
        items.append((child, _ELEMENT))
        if child.tail:
            items.append((child, _TAIL))
    return items


def _text(owner: Any, kind: int) -> str:
    return cast(str, owner.text if kind == _TEXT else owner.tail)


def _lxml_ends_line(item: _TextNode) -> bool:
    node, kind = item
    return kind == _ELEMENT and (node.tag == "br" or node.tag in _LINE_BLOCKS)


def _lxml_holds_media(element: Any, gone: set[Any]) -> bool:
    stack = [element]
    while stack:
        node = stack.pop()
        if node in gone:
            continue
        if node.tag in _KEEPS_LINE:
            return True
        stack.extend(node)
    return False


def _text_of(
    element: Any,
    gone: Collection[Any] = frozenset(),
    gone_texts: Collection[_TextNode] = frozenset(),
) -> list[str]:
    """The texts bs4's ``element.get_text()`` joins, once ``gone`` and ``gone_texts`` are
    removed; :class:`_Declined` on text bs4 gives a class of its own (``get_text`` leaves it
    out)."""
    pieces: list[str] = []
    stack: list[_TextNode] = [(element, _ELEMENT)]
    while stack:
        node, kind = stack.pop()
        if kind == _TAIL:
            if (node, _TAIL) not in gone_texts:
                pieces.append(node.tail)
            continue
        if node in gone or not isinstance(node.tag, str):
            continue  # a comment's text is not text (its tail is)
        if node.tag in _OWN_STRING_CLASS:
            raise _Declined
        if node.text and (node, _TEXT) not in gone_texts:
            pieces.append(node.text)
        for child in reversed(node):
            if child.tail:
                stack.append((child, _TAIL))
            stack.append((child, _ELEMENT))
    return pieces


def _lxml_remove(elements: Sequence[Any]) -> None:
    """Take ``elements`` out of the tree, their tails staying (lxml keeps a node's following
    text on the node), in time linear in their parents' children: the tails of the removed
    children of one parent are joined once, not appended one removal at a time (100,000
    comments in a paragraph copied its growing text 100,000 times)."""
    by_parent: dict[Any, set[Any]] = {}
    for element in elements:
        parent = element.getparent()
        if parent is not None:
            by_parent.setdefault(parent, set()).add(element)
    for parent, leaving in by_parent.items():
        pieces = [parent.text or ""]  # the text before the next child that stays
        last_kept = None
        for child in list(parent):
            if child in leaving:
                pieces.append(child.tail or "")
                parent.remove(child)  # with its tail
                continue
            _set_text(parent, last_kept, "".join(pieces))
            last_kept, pieces = child, [child.tail or ""]
        _set_text(parent, last_kept, "".join(pieces))


def _set_text(parent: Any, child: Any, text: str) -> None:
    """Make ``text`` the tail of ``child``, or ``parent``'s text when ``child`` is None."""
    if child is None:
        parent.text = text or None
    else:
        child.tail = text or None


def _lxml_normalize_url(element: Any, base_url: str | None) -> None:
    """:func:`bs4pass._normalize_urls` for one element of lxml's tree."""
    attributes = element.attrib
    if element.tag == "img":
        url = _image_source(attributes, base_url, partial(_lxml_picture_source, element))
        if url is not None:
            attributes["src"] = url
        elif "src" in attributes:
            del attributes["src"]
        return
    name = URL_ATTRIBUTES[element.tag]
    value = attributes.get(name)
    if value is None:
        return
    url = _normal_url(value, base_url)
    if url is None:
        del attributes[name]
    else:
        attributes[name] = url


def _lxml_picture_source(image: Any, base_url: str | None) -> str | None:
    """:func:`bs4pass._picture_source` on lxml's tree."""
    picture = image.getparent()
    while picture is not None and picture.tag == "source":
        picture = picture.getparent()
    if picture is None or picture.tag != "picture":
        return None
    for source in picture.iterdescendants("source"):
        attributes = source.attrib
        for name in (*LAZY_SRCSET_ATTRIBUTES, "srcset"):
            url = _largest_candidate(attributes.get(name), base_url)
            if url is not None:
                return url
    return None


def _lxml_serialize(root: Any) -> str:
    """``root``'s content as bs4's ``decode_contents()`` writes it (see
    :func:`bs4pass._opening_tag`)."""
    pieces: list[str] = []
    if root.text:
        pieces.append(_escape(root.text))
    for child in root:
        _lxml_write(child, pieces, raw=False)
    return "".join(pieces)


#: White space bs4 reads as such (``ASCII_SPACES``).
_ASCII_SPACES = " \n\t\f\r"


def _bs4_text(text: str) -> str:
    """``text`` as bs4 stores it outside ``<pre>`` and ``<textarea>``: white space alone
    becomes one newline (if it holds one) or one space."""
    if text.strip(_ASCII_SPACES):
        return text
    return "\n" if "\n" in text else " "


def _lxml_write(element: Any, pieces: list[str], *, raw: bool) -> None:
    name = element.tag
    if not isinstance(name, str):
        raise _Declined  # a comment left in the tree: none is, past stage 1's survey
    pieces.append(_lxml_opening_tag(element, name))
    if name not in _VOID or element.text or len(element):  # else written as <br/>
        inner_raw = name in _RAW_TEXT_PARENTS
        if element.text:
            pieces.append(element.text if inner_raw else _escape(element.text))
        for child in element:
            _lxml_write(child, pieces, raw=inner_raw)
        pieces.append(f"</{name}>")
    if element.tail:
        pieces.append(element.tail if raw else _escape(element.tail))


def _lxml_opening_tag(element: Any, name: str) -> str:
    """:func:`bs4pass._opening_tag` for an element of lxml's tree."""
    parts = ["<", name]
    lists = _WORD_LISTS.get(name)
    for key, raw_value in sorted(element.attrib.items()):
        words = key in _WORD_LISTS["*"] or (lists is not None and key in lists)
        parts.append(_attribute(key, " ".join(_WORD.findall(raw_value)) if words else raw_value))
    parts.append("/>" if name in _VOID and not element.text and not len(element) else ">")
    return "".join(parts)


def _attribute(key: str, value: str) -> str:
    """`` key="value"`` as bs4 writes it: escaped, in double quotes, single if the value
    holds a double one only."""
    value = _escape(value)
    if '"' not in value:
        return f' {key}="{value}"'
    if "'" not in value:
        return f" {key}='{value}'"
    quoted = value.replace('"', "&quot;")
    return f' {key}="{quoted}"'


def url_scheme(url: str) -> str | None:
    """The scheme a browser (WHATWG URL parser) would see in ``url``, lowercased; None if relative.

    Leading and trailing C0 controls and spaces are ignored, tabs and newlines anywhere.
    """
    cleaned = _URL_TAB_NEWLINE.sub("", url.strip(_URL_STRIPPED))
    found = _URL_SCHEME.match(cleaned)
    return found.group(1).lower() if found else None


# -- stage 2 --------------------------------------------------------------------------------


def _whitelist(fragment: str) -> SafeHtml:
    return SafeHtml(_tidy(_nh3_clean(_cut_long_text(fragment))))


#: Text longer than this between two tags, with ``&`` in it, goes to nh3 in pieces.
_TEXT_PIECE = 4096
#: An element nh3 removes (it is not on the whitelist), content and all: nothing is left of
#: it, and the pieces join again in nh3's output.
_CUT = "<x-cut></x-cut>"
#: A run of text (group 2) and the tag before it (its name: group 1, quoted attribute
#: values read whole); ``{}``: the length.
_TEXT_RUN = (
    r"(?:\A|<(?:([a-zA-Z][a-zA-Z0-9-]*)(?:\"[^\"]*\"|'[^']*'|[^'\"<>])*|[/!?][^<>]*)>)"
    r"([^<]{{{},}})"
)
#: Where a run of text may be in a table's own content (see :func:`_cut_long_text`).
_TABLE = re.compile("<table", re.IGNORECASE)
#: What HTML counts as white space.
_ASCII_WHITESPACE = " \t\n\f\r"
#: A character reference as a tokenizer reads it (``&amp;``, ``&#38;``, legacy ``&amp``).
_REFERENCE = re.compile(r"&#?[a-zA-Z0-9]*;?")
#: Whose text is raw text or RCDATA to an HTML parser: a tag put in it would be read as text.
_TEXT_ONLY = frozenset(
    {"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript"}
)


def _cut_long_text(fragment: str, piece: int = _TEXT_PIECE) -> str:
    """``fragment`` with each long run of text that holds ``&`` cut into pieces of about
    ``piece`` characters (never inside a character reference) by :data:`_CUT`.

    html5ever (inside nh3) copies a text node each time a character reference extends it,
    so its time grows with the square of a paragraph's length: one ``<p>`` of 3 million
    characters and 110,000 ``&amp;`` took 109 s, within every limit a body has. In pieces,
    0.3 s; nh3's output is the same.

    In a table, a run of text is moved out before it unless it is all white space (HTML's
    "in table text"): there, no piece is left blank that the whole run was not.
    """
    if len(fragment) < piece or "&" not in fragment:
        return fragment
    in_table = _TABLE.search(fragment) is not None

    def cut(found: re.Match[str]) -> str:
        tag, text = found.group(1), found.group(2)
        if (tag or "").lower() in _TEXT_ONLY or text.count("&") < 2:
            return found.group(0)
        pieces, start = [], 0
        while len(text) - start > piece:
            end = start + piece
            reference = text.rfind("&", start, end)
            if reference != -1:
                reference_end = _REFERENCE.match(text, reference).end()  # type: ignore[union-attr]
                if reference_end > end:  # never cut a reference: before it, else after it
                    end = reference if reference > start else reference_end
            pieces.append(text[start:end])
            start = end
        pieces.append(text[start:])
        if in_table and not _blank(text):
            pieces = _none_blank(pieces)
        return found.group(0)[: found.start(2) - found.start(0)] + _CUT.join(pieces)

    return re.sub(_TEXT_RUN.format(piece), cut, fragment)


def _blank(text: str) -> bool:
    """Whether an HTML parser reads ``text`` as ASCII white space alone (references too)."""
    return not html.unescape(text).strip(_ASCII_WHITESPACE)


def _none_blank(pieces: list[str]) -> list[str]:
    """``pieces`` with each blank one (:func:`_blank`) joined to the piece before it (the
    first ones, to the piece after them); at least one of them is not blank."""
    joined: list[str] = []
    last_blank = False
    for text in pieces:
        blank = _blank(text)
        if joined and (blank or last_blank):
            joined[-1] += text
            last_blank = last_blank and blank
        else:
            joined.append(text)
            last_blank = blank
    return joined


def _configured_nh3() -> Callable[[str], str]:
    """nh3 set up with the whitelist above, once per process.

    ``nh3.Cleaner`` keeps its configured ammonia builder; ``nh3.clean`` builds one on every
    call, which took half of its time on a body. nh3 releases before the ``Cleaner`` class
    (pyproject allows them) get the same options through ``nh3.clean``.
    """
    options: dict[str, Any] = {
        "tags": set(ALLOWED_TAGS),
        "clean_content_tags": set(DROPPED_WITH_CONTENT),
        "attributes": {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}
        | {"*": set(GENERIC_ATTRIBUTES)},
        "url_schemes": set(URL_SCHEMES),
        "strip_comments": True,
        "link_rel": LINK_REL,
        "set_tag_attribute_values": {
            tag: dict(values) for tag, values in FORCED_ATTRIBUTES.items()
        },
    }
    if hasattr(nh3, "Cleaner"):
        return nh3.Cleaner(**options).clean
    return partial(nh3.clean, **options)


_nh3_clean = _configured_nh3()


def _tidy(fragment: str) -> str:
    """Drop emptied wrappers and blank runs (outside ``<pre>``); stable when run again."""
    previous = None
    while previous != fragment:
        previous, fragment = fragment, _EMPTY_ELEMENT.sub("", fragment)
    pieces = _PRE_BLOCK.split(fragment)
    for index in range(0, len(pieces), 2):  # even pieces lie outside <pre>
        pieces[index] = _BLANK_RUN.sub("\n", pieces[index])
    return "".join(pieces).strip()
