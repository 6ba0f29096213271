"""Settings from defaults and overrides, validated, with errors that name the setting."""

from __future__ import annotations

import re
from dataclasses import fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .jsonfeed import JSON_FEED_FILENAME
from .model import Settings
from .opml import OPML_FILENAME
from .outputs import CATEGORY_FOLDER
from .rss import RSS_FILENAME
from .site import INDEX_FILENAME, STYLESHEET_FILENAME

_ABSOLUTE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+\Z")


def make_settings(articles_dir: Path, **overrides: Any) -> Settings:
    """Settings for ``articles_dir``: the embedded defaults with ``overrides`` applied.

    ``None`` values are ignored, so unset command-line flags fall through to the defaults.
    """
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}")
    settings = replace(
        Settings(articles_dir=articles_dir),
        **{key: value for key, value in overrides.items() if value is not None},
    )
    return validate(settings)


def validate(settings: Settings) -> Settings:
    """Check every setting, returning them normalized (``base_url`` ends with '/')."""
    base_url = settings.base_url
    parts = urlsplit(base_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(
            f"base_url {base_url!r} must be an absolute http(s) URL, "
            "e.g. 'https://example.org/feeds/'"
        )
    if not base_url.endswith("/"):
        base_url += "/"
    if not _ABSOLUTE_IRI.match(settings.feed_id):
        raise ConfigError(
            f"feed_id {settings.feed_id!r} must be an absolute IRI, e.g. 'urn:uuid:...' "
            "(feedgen-miit init makes one)"
        )
    if settings.limit < 0:
        raise ConfigError(f"limit must be 0 (every article) or more, not {settings.limit}")
    if settings.max_file_bytes <= 0:
        raise ConfigError(f"max_file_bytes must be positive, not {settings.max_file_bytes}")
    if not settings.title.strip():
        raise ConfigError("title must not be empty")
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"timezone {settings.timezone!r} is unknown; use an IANA name such as "
            "'Asia/Shanghai' or 'UTC'"
        ) from None
    _check_outputs(settings)
    return replace(settings, base_url=base_url)


#: The switches of :class:`Settings` that turn one feed each on or off.
FEED_SWITCHES = ("write_atom", "write_category_feeds", "write_rss", "write_json_feed")
#: Names the build writes besides ``feed_filename`` (``categories/`` holds only slugs).
_FIXED_NAMES = (
    RSS_FILENAME,
    JSON_FEED_FILENAME,
    OPML_FILENAME,
    INDEX_FILENAME,
    STYLESHEET_FILENAME,
    CATEGORY_FOLDER,
)


def _check_outputs(settings: Settings) -> None:
    if not any(getattr(settings, name) for name in FEED_SWITCHES):
        raise ConfigError(
            "every feed is switched off, so there is nothing to build; "
            f"set at least one of {', '.join(FEED_SWITCHES)} to true"
        )
    name = settings.feed_filename
    if "/" in name or "\\" in name or name in {"", ".", ".."} or name in _FIXED_NAMES:
        raise ConfigError(
            f"feed_filename {name!r} must be a plain file name other than "
            f"{', '.join(_FIXED_NAMES)}, e.g. 'atom.xml'"
        )
