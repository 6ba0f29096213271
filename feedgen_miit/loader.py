"""Article files -> :class:`Article` records, or an :class:`ArticleError` naming file and reason.

An article is YAML front matter between two ``---`` lines, then the body's HTML. Leading blank
lines and a byte-order mark before the front matter are normal: the scraped files start with a
blank line.
"""

from __future__ import annotations

import codecs
import email.utils
import fnmatch
import logging
import os
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from frontmatter.default_handlers import YAMLHandler

from .errors import ArticleError, ConfigError
from .model import Article, Settings
from .text import one_line, strip_markup, xml_safe

log = logging.getLogger(__name__)

# python-frontmatter's delimiter rule (three or more dashes alone on a line). Its own split()
# is not used: it falls back silently when the header is missing and loses line numbers.
_BOUNDARY = re.compile(r"-{3,}[ \t]*$", re.MULTILINE)
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t\f\v]*\n)*")
_YAML = YAMLHandler()  # CSafeLoader where libyaml is available: no Python object tags

#: More YAML values than this means an alias bomb ("billion laughs"), not an article.
MAX_FRONT_MATTER_VALUES = 10_000
_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+\Z")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Builds the error for a bad front matter key: ``field_error(key, reason)``.
_FieldError = Callable[[str, str], ArticleError]


@dataclass(frozen=True, slots=True)
class LoadResult:
    """What a folder gave: the usable articles (in path order) and one error per bad file."""

    articles: tuple[Article, ...]
    problems: tuple[ArticleError, ...]


@dataclass(frozen=True, slots=True)
class _Parts:
    front_matter: str
    front_matter_line: int  # 1-based line of the front matter's first line
    body: str


def load_folder(settings: Settings) -> LoadResult:
    """Load every article under ``settings.articles_dir``; bad files become problems."""
    root = settings.articles_dir
    if not root.is_dir():
        raise ConfigError(f"{root}: articles folder not found (or not a folder)")
    articles: list[Article] = []
    problems: list[ArticleError] = []
    first_by_id: dict[str, Article] = {}
    for path in discover(root, settings.patterns):
        try:
            article = load_article(path, settings=settings)
        except ArticleError as error:
            problems.append(error)
            continue
        first = first_by_id.setdefault(article.id, article)
        if first is not article:
            problems.append(
                ArticleError(
                    path,
                    f"id {article.id!r} is already used by {first.path}; "
                    "give one of them its own 'id' in the front matter",
                )
            )
            continue
        articles.append(article)
    log.debug("loaded %d articles, %d problems", len(articles), len(problems))
    return LoadResult(tuple(articles), tuple(problems))


def discover(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Every file under ``root`` matching ``patterns``, in a stable order, skipping junk.

    Hidden files and folders, editor backups (``name~``) and Emacs lock files (``.#name``)
    are never articles. Symlinked folders are followed once; a symlink loop is not a hang.
    """
    found: list[tuple[PurePosixPath, Path]] = []
    seen_dirs: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        stat = Path(dirpath).stat()
        if (stat.st_dev, stat.st_ino) in seen_dirs:
            dirnames.clear()
            continue
        seen_dirs.add((stat.st_dev, stat.st_ino))
        dirnames[:] = [name for name in dirnames if not name.startswith(".")]
        for name in filenames:
            if _is_junk(name) or not any(fnmatch.fnmatchcase(name, p) for p in patterns):
                continue
            path = Path(dirpath, name)
            found.append((PurePosixPath(path.relative_to(root).as_posix()), path))
    found.sort()
    return [path for _, path in found]


def _is_junk(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith("~")


def load_article(path: Path, *, settings: Settings, data: bytes | None = None) -> Article:
    """Read one article file's front matter into an :class:`Article`.

    ``data`` is the file's content when the caller has already read it (the cache hashes it).
    Raises :class:`ArticleError` naming the file (and the line, for YAML errors).
    """
    text = _read_text(path, settings.max_file_bytes) if data is None else _text(data, path)
    parts = _split(text, path)
    meta = _parse_front_matter(parts, path)
    zone = _zone(settings.timezone)

    def field_error(key: str, reason: str) -> ArticleError:
        return ArticleError(path, f"front matter: {reason}", _key_line(parts, key))

    title = _title(meta, field_error)
    published = _date(meta, "date", zone, field_error)
    if published is None:
        raise field_error("date", "'date' is missing")
    updated = _date(meta, "updated", zone, field_error) or published
    link = _url(meta.get("link"), None, "link", field_error)
    base = link or settings.base_url
    thumbnail_key = "thumbnail" if meta.get("thumbnail") else "headimg"
    thumbnail = _url(meta.get(thumbnail_key), base, thumbnail_key, field_error)
    source = PurePosixPath(path.relative_to(settings.articles_dir).as_posix())
    return Article(
        path=path,
        source=source,
        id=_entry_id(meta, source, settings.feed_id, field_error),
        title=title,
        published=published,
        updated=max(updated, published),
        categories=_categories(meta, field_error),
        author=_optional_text(meta.get("author"), "author", field_error),
        thumbnail=thumbnail,
        link=link,
    )


def read_body(article: Article, settings: Settings) -> str:
    """Read the article's body HTML again (bodies are not kept in memory between steps)."""
    return _split(_read_text(article.path, settings.max_file_bytes), article.path).body


# -- reading and splitting -------------------------------------------------------------------


def _read_text(path: Path, max_bytes: int) -> str:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise ArticleError(
                path,
                f"file is {size:,} bytes, over the {max_bytes:,}-byte limit "
                "(raise max_file_bytes if it really is one article)",
            )
        data = path.read_bytes()
    except OSError as error:
        raise ArticleError(path, f"cannot read the file: {error.strerror or error}") from error
    return _text(data, path)


def _text(data: bytes, path: Path) -> str:
    return _decode(data, path).replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, path: Path) -> str:
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        encoding = "utf-8"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as utf8_error:
        if encoding != "utf-8":
            raise ArticleError(path, f"not valid {encoding}: {utf8_error.reason}") from None
        try:
            # Chinese sites often still serve GB2312/GBK; GB18030 decodes both.
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ArticleError(
                path,
                f"not UTF-8 (bad byte at offset {utf8_error.start}) nor GB18030; "
                "save the file as UTF-8",
            ) from None
        log.info("%s: read as GB18030 (not UTF-8)", path)
        return text


def _split(text: str, path: Path) -> _Parts:
    start = _LEADING_BLANK_LINES.match(text)
    pos = start.end() if start else 0
    opening = _BOUNDARY.match(text, pos)
    if opening is None:
        raise ArticleError(
            path,
            "no front matter: the file must start with a '---' line, the YAML, and '---'",
            text.count("\n", 0, pos) + 1,
        )
    closing = _BOUNDARY.search(text, opening.end())
    if closing is None:
        raise ArticleError(
            path,
            "front matter is not closed: add a '---' line after the YAML",
            text.count("\n", 0, pos) + 1,
        )
    return _Parts(
        front_matter=text[opening.end() + 1 : closing.start()],
        front_matter_line=text.count("\n", 0, opening.end()) + 2,
        body=text[closing.end() + 1 :],
    )


def _parse_front_matter(parts: _Parts, path: Path) -> Mapping[str, Any]:
    try:
        meta = _YAML.load(parts.front_matter)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = parts.front_matter_line + mark.line if mark else parts.front_matter_line
        problem = error.problem or error.context or "invalid YAML"
        raise ArticleError(path, f"front matter: YAML error: {problem}", line) from None
    except yaml.YAMLError as error:
        raise ArticleError(
            path, f"front matter: YAML error: {error}", parts.front_matter_line
        ) from None
    if not isinstance(meta, dict):
        kind = "empty" if meta is None else f"a {type(meta).__name__}"
        raise ArticleError(
            path,
            f"front matter is {kind}, not a mapping: write 'key: value' lines "
            "(title, date, categories...)",
            parts.front_matter_line,
        )
    _check_not_a_bomb(meta, path, parts.front_matter_line)
    return meta


def _check_not_a_bomb(meta: object, path: Path, line: int) -> None:
    # YAML aliases share objects, so loading is cheap, but walking the values is exponential.
    stack = [meta]
    for _ in range(MAX_FRONT_MATTER_VALUES):
        if not stack:
            return
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    raise ArticleError(
        path,
        f"front matter expands to more than {MAX_FRONT_MATTER_VALUES:,} values "
        "(YAML alias bomb?); remove the anchors and aliases",
        line,
    )


def _key_line(parts: _Parts, key: str) -> int:
    """The line of ``key:`` in the front matter, or of its first line if the key is absent."""
    found = re.search(rf"^{re.escape(key)}\s*:", parts.front_matter, re.MULTILINE)
    if found is None:
        return parts.front_matter_line
    return parts.front_matter_line + parts.front_matter.count("\n", 0, found.start())


# -- fields ------------------------------------------------------------------------------------


def _title(meta: Mapping[str, Any], field_error: _FieldError) -> str:
    raw = meta.get("title")
    if raw is None or raw == "":
        raise field_error("title", "'title' is missing or empty")
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise field_error("title", f"'title' must be text, not a {type(raw).__name__}")
    title = one_line(strip_markup(str(raw)))
    if not title:
        raise field_error("title", "'title' has no visible text")
    return title


def _optional_text(raw: object, key: str, field_error: _FieldError) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        raise field_error(key, f"'{key}' must be text, not a {type(raw).__name__}")
    return one_line(str(raw)) or None


def _categories(meta: Mapping[str, Any], field_error: _FieldError) -> tuple[str, ...]:
    names: list[str] = []
    for key in ("categories", "tags"):
        raw = meta.get(key)
        values = [raw] if isinstance(raw, str | int | float) else raw
        if values is None:
            continue
        if not isinstance(values, list):
            raise field_error(key, f"'{key}' must be a list of names, not a {type(raw).__name__}")
        for value in values:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise field_error(
                    key, f"'{key}' must hold names, not a {type(value).__name__}: {value!r:.60}"
                )
            names.append(one_line(str(value)))
    return tuple(dict.fromkeys(name for name in names if name))


def _date(
    meta: Mapping[str, Any], key: str, zone: ZoneInfo, field_error: _FieldError
) -> datetime | None:
    raw = meta.get(key)
    if raw is None or raw == "":
        return None
    parsed = parse_date(raw, zone)
    if parsed is None:
        raise field_error(
            key,
            f"'{key}' is not a date: {raw!r:.60} "
            "(use e.g. 'Tue, 21 Jun 2022 03:44:48 GMT' or '2022-06-21T11:44:48+08:00')",
        )
    if parsed < _EPOCH:
        raise field_error(key, f"'{key}' is before 1970: {raw!r:.60}; check the date")
    return parsed


def parse_date(raw: object, zone: ZoneInfo) -> datetime | None:
    """Read an RFC 2822 or ISO 8601 string, or a YAML date/datetime, as an aware UTC datetime.

    Values without a time zone are read in ``zone``; a bare date means its midnight there.
    Returns ``None`` when ``raw`` is not a date.
    """
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, date):
        moment = datetime.combine(raw, time())
    elif isinstance(raw, str):
        text = raw.strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            try:
                moment = email.utils.parsedate_to_datetime(text)
            except (TypeError, ValueError, IndexError):
                return None
    else:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        return None


def _url(raw: object, base: str | None, key: str, field_error: _FieldError) -> str | None:
    """An absolute http(s) URL, resolving a relative one against ``base``; else ``None``.

    A URL with another scheme (``javascript:``, ``data:``...) is dropped, not an error: the
    article is still worth publishing without it.
    """
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise field_error(key, f"'{key}' must be a URL, not a {type(raw).__name__}")
    # Control characters and whitespace inside a URL are how 'java\tscript:' sneaks through.
    candidate = re.sub(r"[\x00-\x20\x7f]+", "", xml_safe(raw))
    if base is not None:
        candidate = urljoin(base, candidate)
    try:
        parts = urlsplit(candidate)
    except ValueError:
        log.info("'%s' is not a URL: %r", key, raw)
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        log.info("'%s' is not an http(s) URL, dropped: %r", key, raw)
        return None
    return candidate


def _entry_id(
    meta: Mapping[str, Any], source: PurePosixPath, feed_id: str, field_error: _FieldError
) -> str:
    """The entry's permanent id: ``id``/``guid`` from the front matter, else the file's name.

    A given absolute IRI is kept as it is; any other key becomes a name-based UUID within the
    feed's id, so it never depends on where the folder lives, the build time or file order.
    """
    for key in ("id", "guid"):
        raw = meta.get(key)
        if raw is None or raw == "":
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            raise field_error(key, f"'{key}' must be text, not a {type(raw).__name__}")
        given = xml_safe(str(raw)).strip()
        if _ABSOLUTE_IRI.match(given):
            return given
        return _name_based_id(feed_id, given)
    return _name_based_id(feed_id, str(source.with_suffix("")))


def _name_based_id(feed_id: str, key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(_feed_namespace(feed_id), key)}"


@lru_cache(maxsize=8)
def _feed_namespace(feed_id: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, feed_id)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"time zone {name!r} is unknown; use an IANA name such as 'Asia/Shanghai'"
        ) from None
