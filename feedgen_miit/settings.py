"""Every setting, described once: its type, default, command-line flag, help and scope.

:class:`Settings` is the one description. Each field's annotation is its type, its default
is the embedded default, and its metadata (made by :func:`_setting`) holds the rest: the
flag, the help text, which commands take the flag, the least value a number may have, and
its :class:`Scope`. Everything else is made from it: the click options (``cli``), the
checks of the configuration file and the starter file (``config``), the part of the
settings the article index depends on (``index``), and the README's configuration table
(:func:`markdown_table`, which a test compares with the README).
"""

from __future__ import annotations

import enum
import typing
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError, quoted
from .model import Site
from .profile import DEFAULT_PROFILES, CleaningProfile

#: Feed id used when the configuration names none. ``feedgen-miit init`` mints a fresh one;
#: a feed's id must never change once readers have subscribed (RFC 4287, section 4.2.6).
DEFAULT_FEED_ID = "urn:uuid:6f1d2c59-7a4e-5b8e-9c3a-2f0b1e4d8a77"


class Scope(enum.Enum):
    """What a setting shapes, which decides what a change of it invalidates."""

    #: What is read from an article file or made of its body (ids, dates, URLs, the
    #: sanitized entry): a change makes the article index start afresh.
    ARTICLES = "articles"
    #: Only the documents written (titles, limits, which outputs): the index is kept.
    OUTPUT = "output"
    #: How a build runs (locking, processes, the index itself): the output does not change.
    RUN = "run"


@dataclass(frozen=True, slots=True)
class Description:
    """What a setting is for people: its flag, help, and where it applies."""

    help: str
    scope: Scope
    #: The command-line flag (``--out``); for a true/false setting, the flag sets the value
    #: opposite to the default (``--strict``, ``--no-cache``). None: the file only.
    flag: str | None = None
    #: What the flag does, when it says more than ``help`` (a flag that switches off).
    flag_help: str | None = None
    #: What the flag's value stands for in help texts (``--out DIR``).
    metavar: str | None = None
    #: Whether ``check`` takes the flag too (``build`` takes every flag).
    check: bool = False

    def takes(self, command: str) -> bool:
        """Whether ``command`` has this setting's flag."""
        return self.flag is not None and (command == "build" or self.check)

    #: The least value a number may take.
    minimum: float | None = None
    #: Shown in the starter file instead of the default (e.g. for a setting off by default).
    example: Any = None
    #: The default as the README shows it, when the value itself says little.
    shown: str | None = None


def _setting(default: Any, help: str, scope: Scope, **description: Any) -> Any:  # noqa: A002
    return field(default=default, metadata={"description": Description(help, scope, **description)})


_A, _O, _R = Scope.ARTICLES, Scope.OUTPUT, Scope.RUN


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a build needs to know; defaults make a working feed with no configuration."""

    articles_dir: Path = field(
        metadata={
            "description": Description(
                "Folder of article files (YAML front matter + HTML body).", _A, shown="(required)"
            )
        }
    )
    output_dir: Path = _setting(
        Path("public"),
        "Folder the feeds are written to (created if missing).",
        _O,
        flag="--out",
        metavar="DIR",
    )
    title: str = _setting(
        "工业和信息化部新闻 · 新浪财经", "The feed's title.", _O, flag="--title", metavar="TEXT"
    )
    subtitle: str = _setting(
        "Sina Finance reports on the Ministry of Industry and Information Technology",
        "The feed's subtitle.",
        _O,
        flag="--subtitle",
        metavar="TEXT",
    )
    feed_id: str = _setting(
        DEFAULT_FEED_ID,
        "The feed's permanent id (an IRI such as urn:uuid:...). Never change it once readers "
        "subscribed: entry ids are derived from it, and readers would show every article again.",
        _A,
        flag="--feed-id",
        metavar="IRI",
        check=True,
        shown="a fixed id; set your own",
    )
    base_url: str = _setting(
        "http://localhost:8000/",
        "Where the output folder is served: the feeds' self links, and the base for relative "
        "URLs in articles without a link.",
        _A,
        flag="--base-url",
        metavar="URL",
        check=True,
    )
    author: str = _setting("新浪财经", "The feed's author.", _O, flag="--author", metavar="TEXT")
    language: str = _setting("zh-CN", "Language of the articles (a BCP 47 tag).", _O)
    icon: str | None = _setting(
        None,
        "URL of a small square image for the feed.",
        _O,
        flag="--icon",
        metavar="URL",
        example="https://example.org/favicon.png",
    )
    logo: str | None = _setting(
        None,
        "URL of a wide image for the feed.",
        _O,
        flag="--logo",
        metavar="URL",
        example="https://example.org/logo.png",
    )
    limit: int = _setting(
        50,
        "Newest articles in each subscription document, at most; 0: no count limit (the "
        "byte budget, max_feed_bytes, still applies).",
        _O,
        flag="--limit",
        metavar="N",
        minimum=0,
    )
    timezone: str = _setting(
        "Asia/Shanghai",
        "IANA time zone for dates written without one.",
        _A,
        flag="--timezone",
        metavar="TZ",
        check=True,
    )
    patterns: tuple[str, ...] = _setting(
        ("*.txt", "*.md", "*.html"),
        "File names that are articles (shell patterns; repeat the flag for several).",
        _R,
        flag="--pattern",
        metavar="GLOB",
        check=True,
    )
    follow_outside_links: bool = _setting(
        False,
        "Read article files and folders reached through a symbolic link that leads outside "
        "the articles folder. Off: each such link is reported and not read, so that a link "
        "to a private file never publishes it (as Jekyll's safe mode does).",
        _R,
    )
    max_file_bytes: int = _setting(
        10 * 1024 * 1024,
        "Article files larger than this are reported and skipped, never read.",
        _A,
        flag="--max-file-bytes",
        metavar="N",
        check=True,
        minimum=1,
    )
    max_feed_bytes: int = _setting(
        400_000,
        "Bytes a feed document may take at most; older articles go to archive documents "
        "(RFC 5005). Under the smallest reader limit known (500 kB), with room to spare.",
        _O,
        flag="--max-feed-bytes",
        metavar="N",
        minimum=50_000,
    )
    write_archives: bool = _setting(
        True,
        "Write archive documents (RFC 5005) holding every article the subscription "
        "documents leave out, so that readers can fetch the whole history.",
        _O,
    )
    summary_chars: int = _setting(200, "Length of each entry's plain-text summary.", _A, minimum=1)
    feed_filename: str = _setting(
        "atom.xml", "Name of the main Atom feed in the output folder.", _O
    )
    strict: bool = _setting(
        False,
        "If any article cannot be used, write nothing and exit 1.",
        _R,
        flag="--strict",
    )
    write_atom: bool = _setting(True, "Write the main Atom feed (feed_filename).", _O)
    write_category_feeds: bool = _setting(
        True,
        "Write one Atom feed per category (categories/<slug>.xml).",
        _O,
    )
    write_rss: bool = _setting(True, "Write rss.xml (RSS 2.0).", _O)
    write_json_feed: bool = _setting(True, "Write feed.json (JSON Feed 1.1).", _O)
    write_opml: bool = _setting(True, "Write feeds.opml, every feed to import at once.", _O)
    write_index: bool = _setting(
        True,
        "Write index.html: how to subscribe (autodiscovery links), the latest articles.",
        _O,
    )
    write_pages: bool = _setting(
        True,
        "Write a page per article (entries link to it when the article has no link of its "
        "own), a page per category and the archive by month.",
        _O,
    )
    write_compressed: bool = _setting(
        True,
        "Write NAME.gz (and NAME.br when the brotli package is installed) beside each text "
        "file, with its mtime, for web servers that send them as they are.",
        _O,
    )
    schedule: Literal["hourly", "daily", "weekly"] = _setting(
        "daily",
        "How often the build runs, told to readers as a refresh hint (RSS ttl, "
        "sy:updatePeriod): hourly, daily or weekly.",
        _O,
    )
    hubs: tuple[str, ...] = _setting(
        (),
        "WebSub hubs (URLs): the feeds name them, and after a build that changed a feed the "
        "build tells each hub, so that readers subscribed through it learn at once. The only "
        "network access a build makes.",
        _O,
        example=["https://pubsubhubbub.appspot.com/"],
        shown="none",
    )
    write_browser_view: bool = _setting(
        True,
        "Write atom.xsl, so that a browser shows an Atom feed as a page.",
        _O,
    )
    lock_timeout: float = _setting(
        60.0,
        "Seconds to wait for another build of the same output folder before giving up.",
        _R,
        flag="--lock-timeout",
        metavar="SECONDS",
        minimum=0,
    )
    cache: bool = _setting(
        True,
        "Keep an index of the articles read, so that a rebuild reads only new and changed files.",
        _R,
        flag="--no-cache",
        flag_help="Read every article file; neither use nor update the index.",
    )
    cache_dir: Path | None = _setting(
        None,
        "Where the build keeps its index and its lock's note, never in the output folder. "
        "By default $CACHE_DIRECTORY (systemd's CacheDirectory=), else "
        "$XDG_CACHE_HOME/feedgen-miit (~/.cache/feedgen-miit). ~ and $VARIABLES are expanded.",
        _R,
        example="/var/cache/feedgen-miit",
        shown="`$CACHE_DIRECTORY`, else `~/.cache/feedgen-miit`",
    )
    jobs: int = _setting(
        0,
        "Processes that read and sanitize articles; 0 means one per CPU core.",
        _R,
        flag="--jobs",
        metavar="N",
        check=True,
        minimum=0,
    )
    profiles: tuple[CleaningProfile, ...] = _setting(
        DEFAULT_PROFILES,
        "Cleaning rules of the sites the articles were scraped from: the name of a built-in "
        "profile, or a table of rules (see Cleaning profiles).",
        _A,
        shown='`["sina-finance"]`',
    )

    @property
    def self_url(self) -> str:
        """The address the main Atom feed is served at."""
        return self.base_url + self.feed_filename

    @property
    def zone(self) -> ZoneInfo:
        """The time zone named by ``timezone``; :class:`ConfigError` if there is none."""
        return _zone_named(self.timezone)

    @property
    def site(self) -> Site:
        """Who publishes the feeds and where: what every document says of its publisher."""
        return Site(
            title=self.title,
            subtitle=self.subtitle or None,
            author=self.author,
            language=self.language,
            base_url=self.base_url,
            feed_id=self.feed_id,
            icon=self.icon,
            logo=self.logo,
            zone=self.zone,
            pages=self.write_pages,
            hubs=self.hubs,
            schedule=self.schedule,
        )


@lru_cache(maxsize=8)
def _zone_named(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone {quoted(name)} is unknown; use an IANA name such as 'Asia/Shanghai' or 'UTC'"
        ) from None


def description(name: str) -> Description:
    """The description of the setting ``name``."""
    found: Description = _FIELDS[name].metadata["description"]
    return found


def default(name: str) -> Any:
    """The embedded default of the setting ``name`` (MISSING for ``articles_dir``)."""
    return _FIELDS[name].default


def names() -> Iterator[str]:
    """Every setting's name, in the order of :class:`Settings`."""
    return iter(_FIELDS)


@cache
def type_hints() -> dict[str, Any]:
    """Each setting's type, resolved from the annotations."""
    return typing.get_type_hints(Settings)


def scoped(scope: Scope) -> tuple[str, ...]:
    """The names of the settings of ``scope``."""
    return tuple(name for name in _FIELDS if description(name).scope is scope)


def fingerprinted(settings: Settings, scope: Scope) -> dict[str, str]:
    """The settings of ``scope`` as text, for a fingerprint of what they shape. A folder is
    its resolved path: "public" from its parent and "/srv/news/public" from cron are one
    folder (the output folder's index is found by that path too)."""
    values = {name: getattr(settings, name) for name in scoped(scope)}
    return {
        name: str(value.resolve()) if isinstance(value, Path) else repr(value)
        for name, value in values.items()
    }


def markdown_table() -> str:
    """The README's configuration table: key, flag, default and meaning of every setting."""
    rows = ["| key | flag | default | meaning |", "|---|---|---|---|"]
    for name in _FIELDS:
        about = description(name)
        flag = "`ARTICLES_DIR` argument" if name == "articles_dir" else _code(about.flag)
        rows.append(f"| `{name}` | {flag} | {_shown_default(name)} | {about.help} |")
    return "\n".join(rows)


def synopsis(command: str, width: int = 100) -> str:
    """How ``command`` is called, every flag shown (the README's Command line section)."""
    words = ["[ARTICLES_DIR]", "[--config FILE]"]
    for name in _FIELDS:
        about = description(name)
        if about.flag is None or not about.takes(command):
            continue
        word = about.flag if about.metavar is None else f"{about.flag} {about.metavar}"
        repeat = "..." if typing.get_origin(type_hints()[name]) is tuple else ""
        words.append(f"[{word}]{repeat}")
    words.append("[-v]")
    head = f"feedgen-miit {command} "
    lines = [head]
    for word in words:
        if len(lines[-1]) + len(word) > width:
            lines.append(" " * len(head))
        lines[-1] += word + " "
    return "\n".join(line.rstrip() for line in lines)


def shown_default(name: str) -> str:
    """The default of the setting ``name`` as people read it (TOML's spelling for values)."""
    about = description(name)
    if about.shown is not None:
        return about.shown.replace("`", "")
    value = default(name)
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return "[" + ", ".join(f'"{item}"' for item in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _shown_default(name: str) -> str:
    shown = shown_default(name)
    if description(name).shown is not None or shown == "none":
        return shown  # written for the README already
    return f"`{shown}`"


def _code(flag: str | None) -> str:
    return "" if flag is None else f"`{flag}`"


_FIELDS = {item.name: item for item in fields(Settings)}
