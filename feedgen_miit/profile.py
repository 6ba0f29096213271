"""What one scraped site adds to its articles, as data: a cleaning profile.

A scraper copies a page's article element with whatever the site's template puts in it: an
app-promotion block, an editor line, share bars. Those rules belong to the site, not to the
sanitizer, so they are data here: a :class:`CleaningProfile` per site, the built-in one being
:data:`SINA_FINANCE`, and the ``profiles`` setting lists the ones that apply (a user can
switch the built-in one off or add rules for another site in ``feedgen-miit.toml``). Every
listed profile applies to every article. The cleaning any HTML needs (comments, scripts,
styles, the whitelist) stays code in :mod:`feedgen_miit.sanitize`.

Selectors are simple: a tag name, ``#id`` and ``.class`` parts in any combination
(``div.appendQr_wrap``, ``.share``, ``p#byline``), each matching an element that has all of
them. No combinators: the rules pick blocks, not paths, and matching stays a dictionary
lookup per element (soupsieve takes ~0.1 s to compile a selector in every new process).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import cast

from .errors import ConfigError, quoted

_SELECTOR = re.compile(r"([a-zA-Z][a-zA-Z0-9-]*)?((?:[#.][\w-]+)*)\Z")
_PART = re.compile(r"([#.])([\w-]+)")


@dataclass(frozen=True, slots=True)
class CleaningProfile:
    """The boilerplate of one site, and what it tells about the article."""

    name: str
    #: Elements dropped with everything inside them (the app-promotion block...).
    drop: tuple[str, ...] = ()
    #: The editor line: dropped, and its text becomes the entry's contributor.
    editor: tuple[str, ...] = ()
    #: Labels in front of the editor's name, each followed by ``:`` or ``：``
    #: (``责任编辑：王蒙`` gives ``王蒙``).
    editor_labels: tuple[str, ...] = ()
    #: Comments that mark the end of the article's text: what follows them is the site's
    #: template (the editor line is still read from it).
    end_comments: tuple[str, ...] = ()
    #: Labels of a line that repeats the article's title (``原标题：<title>``): a paragraph or
    #: line made only of one, ``:`` or ``：`` and the title is dropped; one naming another
    #: title stays in the body, but never opens the summary.
    title_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ConfigError("a cleaning profile needs a name")
        for selector in (*self.drop, *self.editor):
            parse_selector(selector, self.name)
        if not all(label.strip() for label in self.editor_labels):
            raise ConfigError(f"profile {quoted(self.name)}: editor_labels must not be empty")
        if not all(comment.strip() for comment in self.end_comments):
            raise ConfigError(f"profile {quoted(self.name)}: end_comments must not be empty")
        if not all(label.strip() for label in self.title_labels):
            raise ConfigError(f"profile {quoted(self.name)}: title_labels must not be empty")


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed simple selector: a tag name, an id and classes, each optional."""

    tag: str | None
    id: str | None
    classes: frozenset[str]


def parse_selector(text: str, profile: str = "") -> Selector:
    """Read ``tag#id.class`` (each part optional, at least one); :class:`ConfigError` if bad."""
    found = _SELECTOR.match(text.strip())
    if not text.strip() or found is None:
        raise ConfigError(
            f"profile {quoted(profile)}: {quoted(text)} is not a selector this tool reads: "
            "use a tag name, '#id' and '.class' parts, e.g. 'div.share-bar' or '#related'"
        )
    tag, rest = found.groups()
    ids = [name for kind, name in _PART.findall(rest) if kind == "#"]
    if len(ids) > 1:
        raise ConfigError(f"profile {quoted(profile)}: {quoted(text)} names two ids")
    classes = frozenset(name for kind, name in _PART.findall(rest) if kind == ".")
    return Selector(tag.lower() if tag else None, ids[0] if ids else None, classes)


#: Sina Finance (finance.sina.com.cn): the article pages the project was made for.
SINA_FINANCE = CleaningProfile(
    name="sina-finance",
    drop=(".appendQr_wrap",),  # "海量资讯、精准解读，尽在新浪财经APP" and its QR code
    editor=("p.article-editor",),  # <p class="article-editor">责任编辑：王蒙 </p>
    editor_labels=("责任编辑", "编辑", "editor"),
    end_comments=("news_keyword_pub",),  # <!-- news_keyword_pub,stock, --> after the text
    title_labels=("原标题",),  # <p>　　原标题：工业和信息化部召开部分行业协会座谈会</p>
)
#: Profiles a configuration file may name instead of spelling them out.
BUILT_IN: Mapping[str, CleaningProfile] = {SINA_FINANCE.name: SINA_FINANCE}
#: The profiles that apply when the settings name none.
DEFAULT_PROFILES: tuple[CleaningProfile, ...] = (SINA_FINANCE,)


@dataclass(frozen=True, slots=True)
class _SelectorSet:
    """Selectors by tag name, so that an element is compared with the few that may match."""

    #: For each tag name, the selectors naming it and those naming no tag.
    by_tag: Mapping[str, tuple[Selector, ...]]
    #: The selectors naming no tag: for every other tag name.
    any_tag: tuple[Selector, ...]

    @classmethod
    def of(cls, selectors: Iterable[Selector]) -> _SelectorSet:
        by_tag: dict[str, list[Selector]] = {}
        any_tag: list[Selector] = []
        for selector in selectors:
            if selector.tag is None:
                any_tag.append(selector)
            else:
                by_tag.setdefault(selector.tag, []).append(selector)
        return cls({tag: (*found, *any_tag) for tag, found in by_tag.items()}, tuple(any_tag))

    def matches(self, tag: str, attributes: Mapping[str, object]) -> bool:
        """Whether an element named ``tag`` with these attributes (bs4's) matches one."""
        candidates = self.by_tag.get(tag, self.any_tag)
        if not candidates:
            return False  # most elements: no dictionary of attributes is even looked at
        classes = attributes.get("class") or ()
        if isinstance(classes, str):
            classes = classes.split()
        element_id = attributes.get("id")
        for selector in candidates:
            if selector.id is not None and selector.id != element_id:
                continue
            if selector.classes and not selector.classes.issubset(cast(Iterable[str], classes)):
                continue
            return True
        return False


@dataclass(frozen=True, slots=True)
class CleaningRules:
    """The profiles of a build, merged into what the sanitizer asks of each node."""

    dropped: _SelectorSet
    editor: _SelectorSet
    #: Matches the labels before an editor's name, with the colon after them.
    editor_label: re.Pattern[str] | None
    end_comments: tuple[str, ...]
    #: Matches a title label with the colon after it (anywhere: search, don't match).
    title_label: re.Pattern[str] | None = None

    def drops(self, tag: str, attributes: Mapping[str, object]) -> bool:
        """Whether the element is boilerplate to drop with its content."""
        return self.dropped.matches(tag, attributes)

    def is_editor_line(self, tag: str, attributes: Mapping[str, object]) -> bool:
        """Whether the element is an editor line."""
        return self.editor.matches(tag, attributes)

    def editor_name(self, line: str) -> str:
        """The name in an editor line's text (one line), without its label."""
        return line if self.editor_label is None else self.editor_label.sub("", line)

    def ends_article(self, comment: str) -> bool:
        """Whether a comment with this text marks the end of the article's text."""
        text = comment.strip()
        return any(text.startswith(marker) for marker in self.end_comments)

    def count_title_labels(self, text: str) -> int:
        """How many title labels, each with its colon, occur anywhere in ``text`` (a quick
        look, in text or in HTML)."""
        return 0 if self.title_label is None else len(self.title_label.findall(text))

    def opens_with_title_label(self, text: str) -> bool:
        """Whether ``text`` (a line, or plain text) starts with a title label and its colon."""
        if self.title_label is None:
            return False
        # The start is enough (and a body's whole text costs ~10 µs to normalize).
        return self.title_label.match(_normal_text(text[:_LABEL_PREFIX])) is not None

    def repeats_title(self, line: str, title: str) -> bool:
        """Whether ``line`` is only a title label, its colon and ``title`` (white space
        collapsed, U+3000 included, and both in NFC)."""
        if self.title_label is None:
            return False
        text = line.lstrip()
        label = self.title_label.match
        # The label first, cheaply: most lines that hold one are long paragraphs that do not
        # start with it, and normalizing them costs.
        if label(text) is None and label(_normal_text(text[:_LABEL_PREFIX])) is None:
            return False
        normal = _normal_text(text)
        found = label(normal)
        return found is not None and normal[found.end() :] == _normal_text(title)


#: Characters of a text in which a label at its start is looked for.
_LABEL_PREFIX = 256


def _normal_text(text: str) -> str:
    """``text`` with its white space (U+3000 and NBSP included) collapsed, in NFC."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


@cache
def rules_of(profiles: tuple[CleaningProfile, ...]) -> CleaningRules:
    """The merged rules of ``profiles`` (compiled once per process and set of profiles)."""
    labels = sorted({label for profile in profiles for label in profile.editor_labels}, key=len)
    label = None
    if labels:
        either = "|".join(re.escape(text) for text in reversed(labels))  # longest first
        label = re.compile(rf"^\s*(?:{either})\s*[:：]\s*", re.IGNORECASE)
    return CleaningRules(
        dropped=_SelectorSet.of(parse_selector(s) for p in profiles for s in p.drop),
        editor=_SelectorSet.of(parse_selector(s) for p in profiles for s in p.editor),
        editor_label=label,
        end_comments=tuple(marker for profile in profiles for marker in profile.end_comments),
        title_label=_title_label({label for p in profiles for label in p.title_labels}),
    )


def _title_label(labels: set[str]) -> re.Pattern[str] | None:
    """A pattern that finds one of ``labels`` (in NFC, white space collapsed) and its colon,
    in text, and in HTML as nh3 writes text (``&``, ``<`` and ``>`` escaped)."""
    if not labels:
        return None
    normal = {_normal_text(label) for label in labels}
    written = normal | {html.escape(label, quote=False) for label in normal}
    either = "|".join(
        re.escape(label).replace(r"\ ", r"\s+") for label in sorted(written, key=len, reverse=True)
    )
    return re.compile(rf"(?:{either})\s*[:：]\s*", re.IGNORECASE)


#: The keys of a profile table, as the file spells them: the fields, in order.
_KEYS: tuple[str, ...] = tuple(CleaningProfile.__dataclass_fields__)


def profile_from_config(value: object) -> CleaningProfile:
    """One item of the ``profiles`` setting in a file: a built-in profile's name, a table
    holding only such a name (``[[profiles]]`` form), or a table of rules."""
    if isinstance(value, dict) and set(value) == {"name"}:
        value = value["name"]
    if isinstance(value, str):
        try:
            return BUILT_IN[value]
        except KeyError:
            known = ", ".join(quoted(name) for name in BUILT_IN)
            raise ConfigError(f"no built-in profile {quoted(value)} (built in: {known})") from None
    if not isinstance(value, dict):
        raise ConfigError("each profile must be a built-in name or a table of rules")
    unknown = sorted(set(value) - set(CleaningProfile.__dataclass_fields__))
    if unknown:
        raise ConfigError(f"unknown profile key {quoted(unknown[0])} (keys: {', '.join(_KEYS)})")
    name = value.get("name")
    if not isinstance(name, str):
        raise ConfigError("a profile table needs a name (a string)")
    if name in BUILT_IN:
        raise ConfigError(
            f"{quoted(name)} is a built-in profile; give your own rules another name, and list "
            f"{quoted(name)} beside them to keep its rules too"
        )
    lists: dict[str, tuple[str, ...]] = {}
    for key in _KEYS:
        if key == "name":
            continue
        items = value.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise ConfigError(f"profile {quoted(name)}: {key} must be a list of strings")
        lists[key] = tuple(items)
    return CleaningProfile(name=name, **lists)
