"""Settings from the embedded defaults, a TOML file and flags, validated, with errors that name
the setting (and the file).

Precedence: flags > ``feedgen-miit.toml`` (or ``--config FILE``) > defaults. Every field of
:class:`~feedgen_miit.settings.Settings` is a key of the file, checked against the field's
type annotation, and described in the starter file by its own description, so a new setting
needs no code here.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import textwrap
import tomllib
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from dataclasses import MISSING, replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, Union
from urllib.parse import urlsplit

from . import settings as described
from .errors import ConfigError, MissingArticlesDirError, quoted
from .layout import FIXED_NAMES
from .profile import BUILT_IN, CleaningProfile, profile_from_config
from .settings import Settings
from .text import is_absolute_iri

#: The configuration file looked for in the working folder.
CONFIG_NAME = "feedgen-miit.toml"


def load_settings(
    *, config_file: Path | None = None, cwd: Path | None = None, **flags: Any
) -> Settings:
    """Settings from defaults < the configuration file < ``flags`` (``None`` flags are unset).

    The file is ``config_file`` if given, else ``feedgen-miit.toml`` in ``cwd`` (the working
    folder) if there is one. ``articles_dir`` comes from the flags or the file.
    """
    if config_file is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        config_file = candidate if candidate.is_file() else None
    values = read_config(config_file) if config_file is not None else {}
    values.update({key: value for key, value in flags.items() if value is not None})
    articles_dir = values.pop("articles_dir", None)
    if articles_dir is None:
        raise MissingArticlesDirError(
            "no articles folder: name it on the command line or set articles_dir in "
            f"{CONFIG_NAME} (feedgen-miit init writes a starter file)"
        )
    return make_settings(articles_dir, **values)


def read_config(path: Path) -> dict[str, Any]:
    """The settings in the TOML file ``path``, each checked against its field's type.

    Relative paths in the file are relative to the file's folder, so that a cron job or a
    systemd unit can run from anywhere. Raises :class:`ConfigError` naming the file, the line
    and the key.
    """
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration file: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not UTF-8 (bad byte at offset {error.start})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    hints = described.type_hints()
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{path}:{_key_line(text, key)}"
        if key not in hints:
            close = difflib.get_close_matches(key, hints, n=1)
            hint = f" (did you mean {quoted(close[0])}?)" if close else ""
            raise ConfigError(f"{where}: unknown setting {quoted(key)}{hint}")
        try:
            values[key] = _convert(value, hints[key], path.parent)
        except _WrongTypeError as wrong:
            raise ConfigError(
                f"{where}: {key} must be {wrong.expected}, not {_toml_type(value)} "
                f"({_toml_value(value)})"
            ) from None
        except ConfigError as error:
            raise ConfigError(f"{where}: {key}: {error}") from None
    return values


def write_starter(folder: Path) -> Path:
    """Write a commented starter ``feedgen-miit.toml`` into ``folder``; never overwrite one.

    It mints a fresh ``feed_id``: a feed's id must never change once readers subscribed.
    """
    path = folder / CONFIG_NAME
    try:
        with path.open("x", encoding="utf-8") as stream:
            stream.write(starter_text(f"urn:uuid:{uuid.uuid4()}"))
    except FileExistsError:
        raise ConfigError(
            f"{path} already exists; not overwriting it (edit it, or remove it first)"
        ) from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot write: {error.strerror}") from None
    return path


def starter_text(feed_id: str) -> str:
    """The starter configuration: every setting, described, most left at their defaults."""
    lines = [
        "# feedgen-miit configuration (TOML). Command-line flags override these values;",
        "# a commented-out setting keeps the default shown. Relative paths are relative to",
        "# this file's folder. Reference: README.md, section Configuration.",
        "",
    ]
    chosen: dict[str, Any] = {
        "articles_dir": "articles",
        "output_dir": "public",
        "feed_id": feed_id,
    }
    for name in described.names():
        about = described.description(name)
        lines.extend(f"# {line}" for line in textwrap.wrap(about.help, 86))
        if name in chosen:
            lines.append(f"{name} = {_toml_value(chosen[name])}")
        else:
            default = described.default(name)
            example = about.example if about.example is not None else default
            shown = "" if example is None or example is MISSING else _toml_value(example)
            lines.append(f"# {name} = {shown}".rstrip())
        lines.append("")
    return "\n".join(lines)


# -- type checks against the Settings annotations ----------------------------------------------


class _WrongTypeError(Exception):
    def __init__(self, expected: str) -> None:
        super().__init__(expected)
        self.expected = expected


def _convert(value: Any, hint: Any, base: Path) -> Any:
    """``value`` from TOML as the type ``hint`` names, or :class:`_WrongTypeError`."""
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin in {Union, types.UnionType}:
        options = [option for option in arguments if option is not type(None)]
        for option in options:
            try:
                return _convert(value, option, base)
            except _WrongTypeError:
                continue
        raise _WrongTypeError(" or ".join(_describe(option) for option in options))
    if origin is Literal:
        if value in arguments:
            return value
        raise _WrongTypeError(_describe(hint))
    if origin in {tuple, list, frozenset, set} and (origin is not tuple or ... in arguments):
        if not isinstance(value, list):
            raise _WrongTypeError(_describe(hint))
        try:
            items = [_convert(item, arguments[0], base) for item in value] if arguments else value
        except _WrongTypeError:
            raise _WrongTypeError(_describe(hint)) from None
        return origin(items)
    if hint is Path:
        if value == "":
            raise ConfigError("an empty path names no folder: leave the key out for its default")
        if isinstance(value, str):
            return base / _expand(value)
        raise _WrongTypeError(_describe(hint))
    return _convert_scalar(value, hint)


def _convert_scalar(value: Any, hint: Any) -> Any:
    if hint is CleaningProfile:
        return profile_from_config(value)
    accepts = _SCALARS.get(hint)
    if accepts is None:
        raise _WrongTypeError(f"set on the command line (type {hint} is not supported in a file)")
    if not accepts(value):
        raise _WrongTypeError(_describe(hint))
    return float(value) if hint is float else value


_SCALARS: Mapping[type, Callable[[Any], bool]] = {
    bool: lambda value: isinstance(value, bool),
    int: lambda value: isinstance(value, int) and not isinstance(value, bool),
    float: lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    str: lambda value: isinstance(value, str),
}


#: What to do about a variable that is not set, for the ones people meet.
_UNSET_HINTS: Mapping[str, str] = {
    "CACHE_DIRECTORY": (
        " (systemd sets it for a unit's CacheDirectory=; outside systemd, leave cache_dir out:"
        " the index goes to $CACHE_DIRECTORY when it is set, else to ~/.cache/feedgen-miit)"
    ),
}


def _expand(value: str) -> Path:
    """``~`` and ``$VARIABLES`` in a path; ``$XDG_CACHE_HOME`` defaults to ``~/.cache``."""
    environment = {"XDG_CACHE_HOME": str(Path("~/.cache").expanduser()), **os.environ}

    def variable(found: re.Match[str]) -> str:
        name = found.group(1) or found.group(2)
        if name not in environment:
            raise ConfigError(f"${name} is not set in the environment{_UNSET_HINTS.get(name, '')}")
        return environment[name]

    return Path(re.sub(r"\$(?:\{(\w+)\}|(\w+))", variable, value)).expanduser()


def _describe(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin is Literal:
        return "one of " + ", ".join(_toml_value(option) for option in typing.get_args(hint))
    if origin in {tuple, list, frozenset, set}:
        arguments = typing.get_args(hint)
        inner = _describe(arguments[0]) if arguments else "values"
        return f"a list of {inner.removeprefix('a ').removeprefix('an ')}s"
    names = {
        bool: "true or false",
        int: "an integer",
        float: "a number",
        str: "a string",
        Path: "a path (a string)",
        CleaningProfile: "a profile name or table",
    }
    return names.get(hint, str(hint))


def _toml_type(value: Any) -> str:
    kinds: list[tuple[type | tuple[type, ...], str]] = [
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "an array"),
        (dict, "a table"),
        (datetime, "a date-time"),
        (date, "a date"),
        (time, "a time"),
    ]
    return next((name for kind, name in kinds if isinstance(value, kind)), type(value).__name__)


def _toml_value(value: Any) -> str:
    """``value`` written as TOML (strings as basic strings; JSON's escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{...}"
    return json.dumps(_plain(value), ensure_ascii=False)


def _plain(value: Any) -> str:
    """A scalar as text: a built-in profile by its name."""
    if isinstance(value, CleaningProfile) and BUILT_IN.get(value.name) == value:
        return value.name
    return str(value)


def _key_line(text: str, key: str) -> int:
    name = re.escape(key)
    found = re.search(
        rf"^[ \t]*(?:[\"']?{name}[\"']?[ \t]*=|\[+[ \t]*{name}[ \t]*\])", text, re.MULTILINE
    )
    return text.count("\n", 0, found.start()) + 1 if found else 1


def make_settings(articles_dir: Path, **overrides: Any) -> Settings:
    """Settings for ``articles_dir``: the embedded defaults with ``overrides`` applied.

    ``None`` values are ignored, so unset command-line flags fall through to the defaults.
    """
    unknown = sorted(set(overrides) - set(described.names()))
    if unknown:
        raise ConfigError(f"unknown setting {quoted(unknown[0])}")
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
            f"base_url {quoted(base_url)} must be an absolute http(s) URL, "
            "e.g. 'https://example.org/feeds/'"
        )
    if not base_url.endswith("/"):
        base_url += "/"
    if not is_absolute_iri(settings.feed_id):
        raise ConfigError(
            f"feed_id {quoted(settings.feed_id)} must be an absolute IRI, e.g. 'urn:uuid:...' "
            "(feedgen-miit init makes one)"
        )
    for name in described.names():
        minimum = described.description(name).minimum
        value = getattr(settings, name)
        if minimum is not None and value < minimum:
            raise ConfigError(
                f"{name} must be {minimum:g} or more, not {value} "
                f"({described.description(name).help})"
            )
    if not settings.patterns:
        raise ConfigError("patterns must name at least one file pattern, e.g. ['*.txt']")
    for hub in settings.hubs:
        parts = urlsplit(hub)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise ConfigError(
                f"hubs: {quoted(hub)} must be an absolute http(s) URL, e.g. "
                "'https://pubsubhubbub.appspot.com/'"
            )
    if not settings.title.strip():
        raise ConfigError("title must not be empty")
    settings.zone  # noqa: B018 - raises ConfigError for an unknown zone
    _check_outputs(settings)
    return replace(settings, base_url=base_url)


#: The switches of :class:`Settings` that turn one feed each on or off.
FEED_SWITCHES = ("write_atom", "write_category_feeds", "write_rss", "write_json_feed")


def _check_outputs(settings: Settings) -> None:
    if not any(getattr(settings, name) for name in FEED_SWITCHES):
        raise ConfigError(
            "every feed is switched off, so there is nothing to build; "
            f"set at least one of {', '.join(FEED_SWITCHES)} to true"
        )
    name = settings.feed_filename
    if "/" in name or "\\" in name or name in {"", ".", ".."} or name in FIXED_NAMES:
        raise ConfigError(
            f"feed_filename {quoted(name)} must be a plain file name other than "
            f"{', '.join(FIXED_NAMES)}, e.g. 'atom.xml'"
        )
