"""Article files -> :class:`Article` records, or an :class:`ArticleError` naming file and reason.

An article is YAML front matter between two ``---`` lines, then the body's HTML. Leading blank
lines and a byte-order mark before the front matter are normal: the scraped files start with a
blank line.

Hostile or broken files are normal input too. The policies, each tested in tests/test_hostile.py:

- A file that cannot be used raises :class:`ArticleError` (one line: file, line, reason, fix);
  something odd that does not stop the article from being used becomes an
  :class:`ArticleWarning` (``feedgen-miit check`` lists them).
- Encoding: UTF-8 (a BOM is fine), UTF-16 with a BOM, else GB18030 (which covers GB2312/GBK)
  when the bytes decode cleanly to text without private-use characters: that is a warning.
  The front matter and the body are decoded apart when the file is not UTF-8 throughout: a
  file put together from two sources is read right, never one part in the other's encoding.
  A NUL character means a binary or corrupted file: an error. CRLF and CR line ends are read.
- Size: a file over ``max_file_bytes`` is never read into memory. Only regular files are read
  (a FIFO named ``x.txt`` would block the build forever), and file names must be UTF-8.
- Front matter is read as Hexo reads it: js-yaml's answer (:mod:`~feedgen_miit.hexoyaml`), so
  ``1:30`` and ``no`` are text, ``010`` is 10, a JSON writer's ``"\\ud83d\\udcf1"`` is one
  emoji, and a repeated key is an error naming its line. It must be a mapping; a YAML alias bomb
  and nesting deeper than js-yaml's 100 levels are errors. The plain form nearly every file has
  is read by :mod:`~feedgen_miit.yamlfast`, which gives hexoyaml's answer or none, in a
  quarter of the time; hexoyaml reads the rest.
- ``published: false`` (Hexo's draft) is a :class:`~feedgen_miit.errors.Draft`: left out of
  every output, not an error, and nothing else in it is checked.
- Title: required; markup is reduced to its text, control and invisible characters are
  removed, and it is cut at :data:`MAX_TITLE_CHARS` (warnings). Titles, authors and category
  names are what :func:`~feedgen_miit.text.visible` makes of them (NFC, no zero-width or bidi
  control characters): names that look alike are one.
- Categories (``categories``/``tags``, or Hexo's singular keys): a name, a number, or a list
  of them; null means none; a list inside ``categories`` is a Hexo hierarchy, each level a
  category. Anything else (a mapping, a list deeper than that, true/false) is dropped with a
  warning, and so is every name past :data:`MAX_CATEGORIES`.
- ``description`` or ``excerpt`` (else the body before ``<!-- more -->``) sums the article
  up; ``permalink`` names its page (:func:`~feedgen_miit.layout.article_page`).
- Dates: required ``date``, optional ``updated``, read by this tool's own rules
  (:func:`parse_date`), not Hexo's (which shifts them by the machine's zone, then again by the
  site's); an impossible date or time (30 February, 25:00), one before 1970, or more than
  :data:`FUTURE_TOLERANCE` after the build's clock (``now``), is an error: the clock is a
  parameter, so that tests and the feed stay a pure function of their inputs.
- ``link``/``thumbnail``/``headimg``: only absolute http(s) URLs; any other scheme
  (``javascript:``, ``data:``...) is dropped with a warning.
- Two files with the same entry id: the first by path wins, the other is an error (the
  article index finds them: :mod:`feedgen_miit.index`).
- Hidden files and folders, editor backups (``name~``) and lock files (``.#name``, ``#name#``)
  are not articles and are ignored without a word.
"""

from __future__ import annotations

import codecs
import email.utils
import hashlib
import logging
import os
import re
import stat
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import yaml

from . import hexoyaml
from .errors import ArticleError, ArticleWarning, Draft, DraftError, quoted
from .hexomatter import HexoHandler, Located, NoFrontMatterError
from .layout import article_page
from .model import Article
from .settings import Settings
from .text import (
    FORMAT_CHARACTERS,
    is_absolute_iri,
    one_line,
    strip_markup,
    truncate,
    visible,
    xml_safe,
)

log = logging.getLogger(__name__)

#: Finds and reads the front matter as Hexo does (a python-frontmatter handler).
_HANDLER = HexoHandler()

#: YAML aliases that add more values than this to what the front matter holds make an alias
#: bomb ("billion laughs"), not an article: js-yaml shares the values, but anything that
#: walks or stores them (Hexo's database, this loader) pays for every copy.
MAX_ALIAS_VALUES = 10_000
#: Categories and tags of one article, at most: the rest are dropped with a warning. An
#: article is rendered into the feed and the pages of each of its categories, so this bounds
#: what one file can cost (a file with 100,000 names costs its reading, in linear time).
MAX_CATEGORIES = 50
#: Characters of a title, at most; a longer one is cut (at a word, where there are words),
#: with a warning. Chinese news titles have 10 to 40.
MAX_TITLE_CHARS = 300
#: Characters of a category name or an author, at most (cut the same way).
MAX_NAME_CHARS = 100
#: Characters of a summary (``description``, ``excerpt``, the body before ``<!-- more -->``),
#: at most (cut the same way).
MAX_EXCERPT_CHARS = 1000
#: An article dated later than this after the build's clock is an error (a typo in the year,
#: or an embargoed article that must not be published yet).
FUTURE_TOLERANCE = timedelta(days=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_HTTP_DATE = re.compile(
    rf"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ({'|'.join(_MONTHS)}) ([1-9]\d{{3}}) "
    r"(\d\d):(\d\d):(\d\d) GMT\Z",
    re.ASCII,
)
#: Whitespace and control characters inside a URL: how 'java\tscript:' sneaks through.
_URL_JUNK = re.compile(r"[\x00-\x20\x7f]+")

#: Builds the error for a bad front matter key: ``field_error(key, reason)``.
_FieldError = Callable[[str, str], ArticleError]
#: Records a warning about a front matter key: ``warn(key, reason)``.
_Warn = Callable[[str, str], None]


@dataclass(frozen=True, slots=True)
class CheckedArticle:
    """One usable article and the warnings about it."""

    article: Article
    warnings: tuple[ArticleWarning, ...]


def load_article(
    path: Path, *, settings: Settings, now: datetime | None = None, data: bytes | None = None
) -> Article:
    """Read one article file's front matter into an :class:`Article`.

    Raises :class:`ArticleError` naming the file (and the line, for YAML errors), and
    :class:`DraftError` for a draft (``published: false``); warnings are logged (use
    :func:`check_article` to get them).
    """
    checked = check_article(path, settings=settings, now=now, data=data)
    if isinstance(checked, Draft):
        raise DraftError(checked)
    for warning in checked.warnings:
        log.info("warning: %s", warning)
    return checked.article


def check_article(
    path: Path, *, settings: Settings, now: datetime | None = None, data: bytes | None = None
) -> CheckedArticle | Draft:
    """:func:`load_article`, with the warnings about the article; a :class:`Draft` for a file
    marked ``published: false``, whose other keys are not checked (it is not published).

    ``now`` is the build's clock for the future-date check (default: the current time).
    ``data`` is the file's content when the caller has already read it with
    :func:`read_article_bytes` (the cache hashes it).
    """
    warnings: list[ArticleWarning] = []
    raw = read_article_bytes(path, settings.max_file_bytes) if data is None else data
    text = _text(raw, path, warnings)
    parts = _split(text, path)
    meta = _parse_front_matter(parts, path, warnings)
    zone = settings.zone
    deadline = (now or datetime.now(UTC)) + FUTURE_TOLERANCE

    def field_error(key: str, reason: str) -> ArticleError:
        return ArticleError(path, f"front matter: {reason}", _key_line(parts, key))

    def warn(key: str, reason: str) -> None:
        warnings.append(ArticleWarning(path, f"front matter: {reason}", _key_line(parts, key)))

    if not _is_published(meta, warn):
        return Draft(path, _key_line(parts, "published"))
    source = _source(path, settings.articles_dir)
    title = _title(meta, field_error, warn)
    published = _date(meta, "date", zone, deadline, field_error)
    if published is None:
        raise field_error("date", "'date' is missing")
    updated = _date(meta, "updated", zone, deadline, field_error) or published
    link = _url(meta.get("link"), None, "link", field_error, warn)
    base = link or settings.base_url
    thumbnail_key = "thumbnail" if meta.get("thumbnail") else "headimg"
    thumbnail = _url(meta.get(thumbnail_key), base, thumbnail_key, field_error, warn)
    key, given_id = _entry_key(meta, source, field_error)
    article = Article(
        path=path,
        source=source,
        id=given_id or _name_based_id(settings.feed_id, key),
        page=article_page(key, _permalink(meta, warn)),
        title=title,
        published=published,
        updated=max(updated, published),
        categories=_categories(meta, warn),
        author=_author(meta, field_error, warn),
        thumbnail=thumbnail,
        link=link,
        excerpt=_excerpt(meta, warn),
    )
    return CheckedArticle(article, tuple(warnings))


def read_body(article: Article, settings: Settings) -> str:
    """Read the article's body HTML again (bodies are not kept in memory between steps)."""
    return _split(_read_text(article.path, settings.max_file_bytes), article.path).body


#: Hexo's excerpt mark: the body before the first one sums the article up.
_MORE = re.compile(r"<!-- ?more ?-->", re.IGNORECASE)


def before_more(body: str) -> str | None:
    """The body's HTML before Hexo's ``<!-- more -->`` mark, if it has one (the excerpt)."""
    found = _MORE.search(body)
    return None if found is None else body[: found.start()]


def _source(path: Path, root: Path) -> str:
    full, base = str(path), str(root)
    if os.sep == "/" and full.startswith(base) and full[len(base) : len(base) + 1] == "/":
        relative = full[len(base) + 1 :]  # relative_to() would parse both paths again
    else:
        relative = path.relative_to(root).as_posix()
    try:
        relative.encode("utf-8")
    except UnicodeEncodeError:
        raise ArticleError(
            path, "the file name is not valid UTF-8: rename the file (ids are made from it)"
        ) from None
    return relative


# -- reading and splitting -------------------------------------------------------------------


def _read_text(path: Path, max_bytes: int) -> str:
    return _text(read_article_bytes(path, max_bytes), path)


def _text(data: bytes, path: Path, warnings: list[ArticleWarning] | None = None) -> str:
    text = _decode(data, path, warnings)
    # In every encoding read here, a text that holds a NUL (or a CR) comes from bytes that hold
    # a zero (or 0x0D) byte: the bytes are searched first (memchr), which rules out nearly
    # every file for far less than searching the text (two bytes a character for Chinese).
    nul = text.find("\x00") if b"\x00" in data else -1
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise ArticleError(
            path,
            "contains NUL characters: a binary or corrupted file, not an article "
            "(remove it, or restore it from a good copy)",
            line,
        )
    if b"\r" in data:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def read_article_bytes(path: Path, max_bytes: int) -> bytes:
    """The raw bytes of an article file: regular files only, never more than ``max_bytes``."""
    return read_article_file(path, max_bytes)[0]


def read_article_file(path: Path, max_bytes: int) -> tuple[bytes, os.stat_result]:
    """:func:`read_article_bytes`, with the file's status as it was opened."""
    try:
        # O_NONBLOCK: opening a FIFO that nobody writes to must not hang the nightly build.
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as error:
        raise ArticleError(path, f"cannot read the file: {_os_reason(error)}") from None
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise ArticleError(
                path, "not a regular file (a pipe or a device?): remove it from the folder"
            )
        if info.st_size > max_bytes:
            raise ArticleError(path, _too_big(info.st_size, max_bytes))
        # Ask for the size fstat() gave, plus one byte: read(max_bytes + 1) would allocate a
        # buffer of max_bytes for every file (10 MiB; most of a cold build's time). Plain
        # os.read(), not a file object: a file object costs more than reading a 5 KB file.
        data = _read_up_to(descriptor, info.st_size + 1)
        if len(data) > info.st_size:  # it grew since fstat(): read on, up to the cap
            data += _read_up_to(descriptor, max_bytes + 1 - len(data))
    except OSError as error:
        raise ArticleError(path, f"cannot read the file: {_os_reason(error)}") from None
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise ArticleError(path, _too_big(len(data), max_bytes))
    return data, info


def _read_up_to(descriptor: int, size: int) -> bytes:
    """``size`` bytes, or fewer at the end of the file (a read may return less than asked)."""
    chunks: list[bytes] = []
    while size > 0 and (chunk := os.read(descriptor, size)):
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"file is {size:,} bytes or more, over the {max_bytes:,}-byte limit "
        "(raise max_file_bytes if it really is one article)"
    )


def _os_reason(error: OSError) -> str:
    return error.strerror or str(error)


def _decode(data: bytes, path: Path, warnings: list[ArticleWarning] | None = None) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise ArticleError(path, f"not valid utf-16: {error.reason}") from None
    try:
        # nearly every file; not the utf-8-sig codec, which is Python code around this one
        return data.decode("utf-8") if data[:1] != b"\xef" else data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        offset = error.start
    # Not UTF-8 throughout. Chinese sites often still serve GB2312/GBK (GB18030 decodes
    # both), and a file put together from two sources may hold UTF-8 front matter and a GBK
    # body, or the reverse: each part is decoded on its own, so that neither is read in the
    # other's encoding (that gives a title of mojibake, and a junk category with a feed).
    head, body = _halves(data.removeprefix(codecs.BOM_UTF8))
    decoded = [_decode_part(head), _decode_part(body)]
    if any(text is None for text, _ in decoded):
        raise ArticleError(
            path,
            f"not UTF-8 (bad byte at offset {offset:,}) nor GB18030/GBK text; "
            "save the file as UTF-8",
        )
    (head_text, head_encoding), (body_text, body_encoding) = decoded
    if warnings is not None:
        if "utf-8" in (head_encoding, body_encoding):
            reason = (
                f"the front matter is {_ENCODING_NAMES[head_encoding]} and the body "
                f"{_ENCODING_NAMES[body_encoding]}: each was read as such; save the file "
                "as UTF-8 throughout"
            )
        else:
            reason = "read as GB18030/GBK, not UTF-8; save the file as UTF-8"
        warnings.append(ArticleWarning(path, reason))
    return f"{head_text}{body_text}"


_ENCODING_NAMES = {"utf-8": "UTF-8", "gb18030": "GB18030/GBK", "ascii": "ASCII"}


def _halves(data: bytes) -> tuple[bytes, bytes]:
    """``data`` cut where the body starts (after the front matter's closing line); all of it
    in the first half when no front matter is found. Found as in the decoded text: lines of
    dashes and line ends are the same bytes in UTF-8 and GB18030, and never part of another
    character in either."""
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    as_bytes = data.decode("latin-1")  # one character per byte: positions are offsets
    try:
        body = _HANDLER.locate(as_bytes).body
    except NoFrontMatterError:
        return data, b""
    cut = len(data) - len(body)
    return data[:cut], data[cut:]


def _decode_part(part: bytes) -> tuple[str | None, str]:
    """One part of a file that is not UTF-8 throughout, and its encoding: UTF-8 where it is
    valid UTF-8, else GB18030 when that gives text without private-use characters (bytes
    that GB18030 accepts but no Chinese text contains); None when neither fits.

    Short GB18030 text can happen to be valid UTF-8 too (two-byte sequences: ``\\xc4\\xa1``
    is 摹 in GBK and ġ in UTF-8). Chinese text in UTF-8 takes three bytes per character, so a
    part that is valid UTF-8 without any such character is read as GB18030 when it can be:
    the other part is not UTF-8 (else the whole file would be), and one encoding for the
    file is the likelier story.
    """
    if part.isascii():
        return part.decode("ascii"), "ascii"
    try:
        text = part.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and max(text) >= "\u0800":
        return text, "utf-8"
    try:
        gb = part.decode("gb18030")
    except UnicodeDecodeError:
        return text, "utf-8"
    if _PRIVATE_USE.search(gb):
        return text, "utf-8"
    return gb, "gb18030"


def _split(text: str, path: Path) -> Located:
    try:
        return _HANDLER.locate(text)
    except NoFrontMatterError as error:
        if error.opened:
            reason = "front matter is not closed: add a '---' line after the YAML"
        else:
            reason = _NO_FRONT_MATTER
        raise ArticleError(path, reason, error.line) from None


_NO_FRONT_MATTER = "no front matter: the file must start with a '---' line, the YAML, and '---'"


def _parse_front_matter(
    parts: Located, path: Path, warnings: list[ArticleWarning] | None = None
) -> Mapping[str, Any]:
    # Control characters (C0 and C1; xml_safe removes both) would make js-yaml refuse the
    # whole file, as Hexo does; a scraper's stray byte should not cost the article, and no
    # field may keep them anyway.
    text = xml_safe(parts.front_matter)
    if text != parts.front_matter and warnings is not None:
        pairs = enumerate(zip(text, parts.front_matter, strict=False))
        first = next((i for i, (kept, read) in pairs if kept != read), len(text))
        line = parts.line + parts.front_matter.count("\n", 0, first)
        warnings.append(ArticleWarning(path, "front matter: control characters were removed", line))
    try:
        meta = _HANDLER.load(text)
    except hexoyaml.DuplicateKeyError as error:
        raise ArticleError(
            path,
            f"front matter: {quoted(error.key)} is given twice (Hexo refuses the file too); "
            "keep one of them",
            _yaml_line(parts, error),
        ) from None
    except yaml.MarkedYAMLError as error:
        problem = error.problem or error.context or "invalid YAML"
        if error.problem and error.context and error.context_mark:
            # "did not find expected ']'" is clearer with where the list started
            started = parts.line + error.context_mark.line
            problem += f" ({error.context} that starts on line {started})"
        raise ArticleError(
            path, f"front matter: YAML error: {problem}", _yaml_line(parts, error)
        ) from None
    except yaml.YAMLError as error:
        raise ArticleError(path, f"front matter: YAML error: {error}", parts.line) from None
    if not isinstance(meta, dict):
        if not parts.opened:  # Hexo too takes the file for all body then
            raise ArticleError(path, _NO_FRONT_MATTER, parts.line)
        kind = "empty" if meta is None else "text" if isinstance(meta, str) else _kind(meta)
        raise ArticleError(
            path,
            f"front matter is {kind}, not a mapping: write 'key: value' lines "
            "(title, date, categories...)",
            parts.line,
        )
    _check_not_a_bomb(meta, path, parts.line)
    return meta


def _yaml_line(parts: Located, error: yaml.MarkedYAMLError) -> int:
    """The file's line a YAML error points at (never past the front matter's last line)."""
    last_line = parts.line + max(parts.front_matter.count("\n") - 1, 0)
    mark = error.problem_mark or error.context_mark
    line = parts.line + mark.line if mark else parts.line
    return min(line, last_line)


def _check_not_a_bomb(meta: dict[str, Any], path: Path, line: int) -> None:
    """Refuse a front matter whose aliases multiply its values (see :data:`MAX_ALIAS_VALUES`)."""
    extra = _aliased_values_of_flat(meta)
    if extra is None:
        extra = _aliased_values(meta)
    if extra > MAX_ALIAS_VALUES:
        raise ArticleError(
            path,
            f"front matter expands to more than {MAX_ALIAS_VALUES:,} values beyond what it "
            "holds (YAML alias bomb?); remove the anchors and aliases",
            line,
        )


def _aliased_values_of_flat(meta: dict[str, Any]) -> int | None:
    """:func:`_aliased_values` of the usual mapping of scalars and lists of scalars, in one
    pass (a list given under several keys adds its items once more for each); None for any
    other mapping."""
    lists = []
    for value in meta.values():
        kind = type(value)
        if kind is list:
            for item in value:
                if type(item) is list or type(item) is dict:
                    return None
            lists.append(value)
        elif kind is dict:
            return None
    if len(lists) < 2:
        return 0
    distinct = {id(value): len(value) for value in lists}
    return sum(map(len, lists)) - sum(distinct.values())


def _aliased_values(meta: dict[str, Any]) -> int:
    """How many values aliases add: those of the tree the front matter stands for, less those
    it holds; more than :data:`MAX_ALIAS_VALUES` means "too many" (the count stops there).

    js-yaml shares an aliased value instead of copying it, so the values form a graph; each
    list or mapping is counted once and its tree's size remembered, so the time is linear in
    the graph. A value that contains itself (an alias inside its own anchor) stands for an
    endless tree.
    """
    too_many = MAX_ALIAS_VALUES + 1
    sizes: dict[int, int] = {}  # id -> values in its tree, itself included; -1 while open
    stored = 1  # values as the graph holds them: each container's items once, and the root
    stack: list[tuple[Any, bool]] = [(meta, False)]
    while stack:
        value, children_done = stack.pop()
        key = id(value)
        if children_done:
            children = value.values() if isinstance(value, dict) else value
            sizes[key] = 1 + sum(
                sizes[id(child)] if isinstance(child, dict | list) else 1 for child in children
            )
            if sizes[key] - stored > MAX_ALIAS_VALUES:
                return too_many
            continue
        if key in sizes:
            if sizes[key] < 0:
                return too_many  # a container inside itself
            continue
        sizes[key] = -1
        children = list(value.values() if isinstance(value, dict) else value)
        stored += len(children)
        stack.append((value, True))
        stack.extend((child, False) for child in children if isinstance(child, dict | list))
    return sizes[id(meta)] - stored


def _key_line(parts: Located, key: str) -> int:
    """The line of ``key:`` in the front matter, or of its first line if the key is absent."""
    found = re.search(rf"^{re.escape(key)}\s*:", parts.front_matter, re.MULTILINE)
    if found is None:
        return parts.line
    return parts.line + parts.front_matter.count("\n", 0, found.start())


# -- fields ------------------------------------------------------------------------------------


def _title(meta: Mapping[str, Any], field_error: _FieldError, warn: _Warn) -> str:
    raw = meta.get("title")
    if raw is None or raw == "":
        raise field_error("title", "'title' is missing or empty")
    text = _scalar_text(raw)
    if text is None:
        raise field_error("title", f"'title' must be text, not {_kind(raw)}")
    if xml_safe(text) != text:
        warn("title", "'title' contains control characters; they were removed")
    title = one_line(strip_markup(text))
    if "<" in text and title != one_line(text):
        warn("title", f"'title' contains markup; only its text is used: {title!r:.80}")
    title = _visible_name(title, "title", warn)
    if not title:
        raise field_error("title", "'title' has no visible text")
    return _capped(title, MAX_TITLE_CHARS, "title", warn)


def _author(meta: Mapping[str, Any], field_error: _FieldError, warn: _Warn) -> str | None:
    raw = meta.get("author")
    if raw is None:
        return None
    text = _scalar_text(raw)
    if text is None:
        raise field_error("author", f"'author' must be text, not {_kind(raw)}")
    return _name(text, "author", warn) or None


#: Names (categories, authors) already found to need no change. A site's few names repeat in
#: every file, and checking one again (white space, format characters, NFC) cost a cold build
#: more than the rest of reading its categories. Bounded: hostile input cannot grow it.
_PLAIN_NAMES: dict[str, None] = {}
_MAX_NAMES_REMEMBERED = 4096


def _name(text: str, key: str, warn: _Warn) -> str:
    """A category's or an author's name as shown: on one line, visible, not too long."""
    if text in _PLAIN_NAMES:
        return text
    name = _capped(_visible_name(one_line(text), key, warn), MAX_NAME_CHARS, key, warn)
    if name is text and len(_PLAIN_NAMES) < _MAX_NAMES_REMEMBERED:  # unchanged: no warning
        _PLAIN_NAMES[text] = None
    return name


def _visible_name(text: str, key: str, warn: _Warn) -> str:
    """:func:`~feedgen_miit.text.visible` ``text``, with a warning when characters went."""
    shown = visible(text)
    if shown is text:
        return text  # nearly always: visible() gives back what needs no change
    if len(shown) < len(text) and FORMAT_CHARACTERS.search(text):
        warn(
            key,
            f"'{key}' contains invisible characters (zero-width, bidi controls...); "
            f"they were removed: {shown!r:.80}",
        )
    return shown.strip()


def _capped(text: str, limit: int, key: str, warn: _Warn) -> str:
    if len(text) <= limit:
        return text
    cut = truncate(text, limit)
    warn(key, f"'{key}' is {len(text):,} characters long; cut to {limit}: {cut!r:.80}")
    return cut


def _scalar_text(value: object) -> str | None:
    """A string or number as Hexo shows it (``10`` for ``010``, ``1.5``, ``1e+21``: JavaScript's
    String()); None for anything else (true/false, null, a list, a mapping)."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return hexoyaml.js_string(value)
    return None


def _categories(meta: Mapping[str, Any], warn: _Warn) -> tuple[str, ...]:
    """Names from ``categories`` and ``tags`` (Hexo's ``category`` and ``tag`` when the plural
    is missing): a name, a number, or a list of them, in that order, each name once.

    In ``categories`` a list inside the list is a hierarchy (Hexo's ``[[A, B], C]``: B inside
    A, and C); each of its levels is a category here, as a Hexo post is in each of them.
    Names are compared and kept as they look (:func:`~feedgen_miit.text.visible`). Values that
    are not names are dropped with a warning (the article is still worth having), and so is
    every name past the first :data:`MAX_CATEGORIES`.
    """
    plain = _plain_lists(meta)
    if plain is not None:
        known = _PLAIN_CATEGORIES.get(plain)
        if known is not None:
            return known
    warned = False

    def noting(key: str, reason: str) -> None:
        nonlocal warned
        warned = True
        warn(key, reason)

    names: dict[str, None] = {}
    dropped: dict[str, list[str]] = {}  # key -> kinds of values that are not names
    values = _category_values(meta)
    for key, value in values:
        text = _scalar_text(value)
        if text is None:
            dropped.setdefault(key, []).append(_kind(value))
            continue
        name = _name(text, key, noting)
        if not name or name in names:
            continue
        if len(names) == MAX_CATEGORIES:
            rest = sum(1 for _ in values)
            noting(
                key,
                f"more than {MAX_CATEGORIES} categories and tags: only the first "
                f"{MAX_CATEGORIES} are used; {name!r:.40} and the {rest:,} values after it "
                "were dropped",
            )
            break
        names[name] = None
    for key, kinds in dropped.items():
        for kind in kinds[:3]:
            noting(key, f"'{key}' must hold names; {kind} was dropped")
        if len(kinds) > 3:
            noting(key, f"'{key}' must hold names; {len(kinds) - 3:,} more values were dropped")
    found = tuple(names)
    if plain is not None and not warned and len(_PLAIN_CATEGORIES) < _MAX_NAMES_REMEMBERED:
        _PLAIN_CATEGORIES[plain] = found
    return found


#: The categories of the lists of names (and tags) already read without a warning: a site's
#: few combinations (Sina's 金融, 新浪财经...) repeat in every file, and reading them again cost
#: 1.6 µs a file (0.6 µs looked up). Bounded like :data:`_PLAIN_NAMES`.
_PLAIN_CATEGORIES: dict[tuple[object, object], tuple[str, ...]] = {}


def _plain_lists(meta: Mapping[str, Any]) -> tuple[object, object] | None:
    """The values :func:`_categories` reads from ``meta`` (categories, then tags), as a key to
    remember its answer by; None unless each is missing, a string, or a list of strings."""
    # Strings only: True == 1 (and hashes alike), but 1 is the name "1" and true is dropped.
    key: list[object] = []
    for plural, singular in (("categories", "category"), ("tags", "tag")):
        raw = meta.get(plural if plural in meta else singular)
        if type(raw) is list:
            for value in raw:
                if type(value) is not str:
                    return None
            raw = tuple(raw)
        elif raw is not None and type(raw) is not str:
            return None
        key.append(raw)
    return key[0], key[1]


def _category_values(meta: Mapping[str, Any]) -> Iterator[tuple[str, object]]:
    """``(key, value)`` of every value that may name a category, hierarchies flattened."""
    for plural, singular in (("categories", "category"), ("tags", "tag")):
        key = plural if plural in meta else singular
        raw = meta.get(key)
        for value in raw if isinstance(raw, list) else [raw]:
            if isinstance(value, list) and plural == "categories":
                for level in value:  # one level of a hierarchy; a list in it is not a name
                    if level is not None:
                        yield key, level
            elif value is not None:
                yield key, value


def _is_published(meta: Mapping[str, Any], warn: _Warn) -> bool:
    """Whether the article is published: Hexo's ``published: false`` makes a draft (its
    database reads ``false``, ``'false'``, ``0`` and ``'0'`` as false, anything else as true)."""
    raw = meta.get("published", True)
    if raw is False or raw in ("false", "0") or (type(raw) in (int, float) and raw == 0):
        return False
    if isinstance(raw, str) and raw.strip().lower() in ("no", "off", "n"):
        warn(
            "published",
            f"'published: {raw}' is the text {quoted(raw)} to Hexo (YAML 1.2), which publishes the "
            "article, and so does this build; write 'published: false' to keep it a draft",
        )
    return True


def _excerpt(meta: Mapping[str, Any], warn: _Warn) -> str | None:
    """The front matter's summary of the article, as plain text: ``description`` (which Hexo's
    feed generator and its Open Graph helper prefer), else ``excerpt``."""
    for key in ("description", "excerpt"):
        raw = meta.get(key)
        if raw is None or raw == "":
            continue
        text = _scalar_text(raw)
        if text is None:
            warn(key, f"'{key}' must be text; {_kind(raw)} was dropped")
            continue
        excerpt = _visible_name(one_line(strip_markup(text)), key, warn)
        if excerpt:
            return _capped(excerpt, MAX_EXCERPT_CHARS, key, warn)
    return None


def _permalink(meta: Mapping[str, Any], warn: _Warn) -> str | None:
    """Hexo's ``permalink``, which names the article's page here (see
    :func:`~feedgen_miit.layout.article_page`)."""
    raw = meta.get("permalink")
    if raw is None or raw == "":
        return None
    text = _scalar_text(raw)
    if text is None:
        warn("permalink", f"'permalink' must be text; {_kind(raw)} was dropped")
        return None
    return visible(one_line(text)) or None


def _date(
    meta: Mapping[str, Any],
    key: str,
    zone: ZoneInfo,
    deadline: datetime,
    field_error: _FieldError,
) -> datetime | None:
    raw = meta.get(key)
    if raw is None or raw == "":
        return None
    try:
        parsed = parse_date(raw, zone)
    except ImpossibleDateError as error:
        raise field_error(
            key, f"'{key}' is not a real date or time: {_brief(raw)} ({error}); check the date"
        ) from None
    if parsed is None:
        raise field_error(
            key,
            f"'{key}' is not a date: {_brief(raw)} "
            "(use e.g. 'Tue, 21 Jun 2022 03:44:48 GMT' or '2022-06-21T11:44:48+08:00')",
        )
    if parsed < _EPOCH:
        raise field_error(key, f"'{key}' is before 1970: {_brief(raw)}; check the date")
    if parsed > deadline:
        raise field_error(
            key,
            f"'{key}' is in the future: {parsed.isoformat()} is after "
            f"{deadline.isoformat(timespec='seconds')} (the build's clock plus "
            f"{FUTURE_TOLERANCE.days} day); fix the date, or publish the article once it is due",
        )
    return parsed


def _kind(value: object) -> str:
    """What ``value`` is, for a message: 'a list', 'a mapping', 'true'..."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"


def _brief(value: object) -> str:
    """A short, safe rendering of a YAML value (``repr`` of a deeply nested list recurses)."""
    if isinstance(value, str | int | float | date):
        return f"{str(value)!r:.60}"
    return _kind(value)


class ImpossibleDateError(ValueError):
    """A value written as a date names no real date or time (30 February, 25:00); ``str()``
    says which field is wrong."""


def parse_date(raw: object, zone: ZoneInfo) -> datetime | None:
    """Read a date as an aware UTC datetime: RFC 2822 (its zone honoured), a YAML timestamp
    (``2022-06-21 11:44:48``, ``2022-6-1 1:02:03 +8``), ISO 8601, or a datetime or date.

    Values without a time zone are read in ``zone``; a bare date means its midnight there.
    Returns ``None`` when ``raw`` is not a date; raises :class:`ImpossibleDateError` when it
    is written as one but names no real date or time.
    """
    moment: datetime | None = None
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        moment = datetime.combine(raw, time())
    elif isinstance(raw, str):
        text = raw.strip()
        moment = _http_date(text) or _yaml_timestamp(text) or _any_text_date(text)
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return None  # a zone's offset pushes the year 1 or 9999 out of range: not a date


def _http_date(text: str) -> datetime | None:
    """``Tue, 21 Jun 2022 03:44:48 GMT``, the form every scraped article has, read directly:
    the general parsers below take several times longer. ``None`` for anything else (years
    before 1000 too: RFC 2822 reads ``0022`` as 2022)."""
    found = _HTTP_DATE.match(text)
    if found is None:
        return None
    day, month, year, hour, minute, second = found.groups()
    try:
        return datetime(
            int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
        )
    except ValueError:  # 31 Feb, 24:00...: the general parser says why
        return None


def _yaml_timestamp(text: str) -> datetime | None:
    """A YAML timestamp as js-yaml recognizes it (``2022-06-21``, ``2022-6-1 1:02:03.5 +8``),
    read strictly: naive without a zone, and no roll-over (js-yaml's ``2022-02-30`` is 2 March;
    here it is an :class:`ImpossibleDateError`)."""
    fields = hexoyaml.timestamp_fields(text)
    if fields is None:
        return None
    zone = None if fields.zone is None else timezone(timedelta(minutes=fields.zone))
    micro = int(fields.fraction[:6].ljust(6, "0")) if fields.fraction else 0
    try:
        return datetime(
            fields.year,
            fields.month,
            fields.day,
            fields.hour,
            fields.minute,
            fields.second,
            micro,
            tzinfo=zone,
        )
    except ValueError as error:
        raise ImpossibleDateError(str(error)) from None


def _any_text_date(text: str) -> datetime | None:
    """ISO 8601 (``2022-06-21T11:44:48+08:00``, ``20220621T114448``) or any RFC 2822 date."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    fields = email.utils.parsedate_tz(text)
    if fields is None:
        return None  # not a date at all
    try:  # a date's form: tell an impossible day or hour (31 Feb, 25:00) from a typo
        datetime(*fields[:6])
    except ValueError as error:
        raise ImpossibleDateError(str(error)) from None
    except OverflowError:
        pass
    return None


def _url(
    raw: object, base: str | None, key: str, field_error: _FieldError, warn: _Warn
) -> str | None:
    """An absolute http(s) URL, resolving a relative one against ``base``; else ``None``.

    A URL with another scheme (``javascript:``, ``data:``...) is dropped with a warning, not an
    error: the article is still worth publishing without it.
    """
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise field_error(key, f"'{key}' must be a URL, not {_kind(raw)}")
    known = _GOOD_URLS.get((raw, base))
    if known is not None:
        return known
    candidate = _URL_JUNK.sub("", xml_safe(raw))
    try:
        if base is not None:
            candidate = _join(base, candidate)
        parts = urlsplit(candidate)
    except ValueError:  # 'http://[', say: urljoin() and urlsplit() refuse it
        warn(key, f"'{key}' is not a URL, dropped: {raw!r:.80}")
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        warn(key, f"'{key}' is not an http(s) URL, dropped: {raw!r:.80}")
        return None
    if len(raw) <= _MAX_URL_REMEMBERED:
        if len(_GOOD_URLS) >= _MAX_URLS_REMEMBERED:
            _GOOD_URLS.clear()  # the URLs that repeat come back at once
        _GOOD_URLS[raw, base] = candidate
    return candidate


#: ``urljoin``, remembered: most articles share a thumbnail (the site's logo) and a base.
_join = lru_cache(maxsize=1024)(urljoin)
#: What :func:`_url` made of a URL, against a base, that gave no warning: most articles
#: share a picture (Sina's is its QR code), and checking it again cost 1.8-2.4 µs a file
#: (0.14 µs looked up). Bounded, so that hostile input cannot grow it: emptied when full, as
#: the lines of front matter are (``yamlfast._LINES``), since an article's own ``link`` is
#: unique and would otherwise fill it for good with URLs that never come back.
_GOOD_URLS: dict[tuple[str, str | None], str] = {}
_MAX_URLS_REMEMBERED = 1024
_MAX_URL_REMEMBERED = 512


def _entry_key(
    meta: Mapping[str, Any], source: str, field_error: _FieldError
) -> tuple[str, str | None]:
    """What names the article for good: ``id``/``guid`` from the front matter, else the file's
    name without its suffix; and the id itself when the key is already an absolute IRI.

    The entry's id is the given IRI, or a name-based UUID of the key within the feed's id;
    the article's page is named after the key. Neither depends on where the folder lives,
    the build time or file order.
    """
    for name in ("id", "guid"):
        raw = meta.get(name)
        if raw is None or raw == "":
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise field_error(name, f"'{name}' must be text, not {_kind(raw)}")
        given = xml_safe(str(raw)).strip()
        return given, given if is_absolute_iri(given) else None
    return without_suffix(source), None


def without_suffix(source: str) -> str:
    """``source`` without the file name's last suffix: ``2022/a.b.txt`` -> ``2022/a.b``.

    Python 3.11's ``PurePosixPath.with_suffix("")``, spelled out so that entry ids do not
    change when a later Python reads suffixes differently (``a.`` or ``..txt``, say).
    """
    folder, slash, name = source.rpartition("/")
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1:
        name = name[:dot]
    return f"{folder}{slash}{name}"


def _name_based_id(feed_id: str, key: str) -> str:
    """``urn:uuid:`` + ``uuid.uuid5(namespace of feed_id, key)``, spelled out: the UUID object
    uuid5() builds costs three times the SHA-1, and a cold build makes one per file."""
    name = _feed_namespace(feed_id) + key.encode()
    digest = bytearray(hashlib.sha1(name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5 (RFC 4122, section 4.3)
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    hex_ = digest.hex()
    return f"urn:uuid:{hex_[:8]}-{hex_[8:12]}-{hex_[12:16]}-{hex_[16:20]}-{hex_[20:]}"


@lru_cache(maxsize=8)
def _feed_namespace(feed_id: str) -> bytes:
    return uuid.uuid5(uuid.NAMESPACE_URL, feed_id).bytes
