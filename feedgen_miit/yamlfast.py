"""A fast reader for the plain front matter nearly every article uses, exact or silent.

:func:`load_simple` returns what ``yaml.load(text, Loader=yaml.CSafeLoader)`` would return, or
None when the text is outside a small, strictly checked subset of YAML; the caller then asks
PyYAML. Why it exists: even with libyaml scanning and parsing, PyYAML builds nodes, resolves
tags and constructs objects in pure Python, about 45 µs for a typical front matter, the largest
single cost of a cold build. Front matter written by the scraper is always the same shape (a
flat mapping of single-line scalars, a few block sequences of them), which a line-by-line match
reads in a few microseconds.

The contract, for every string: either None, or a result equal to PyYAML's, with the same keys
in the same order and the same Python types, for a text PyYAML reads without error. Never a
different answer. So everything outside the subset, and anything merely unusual inside it,
gives None rather than a guess; PyYAML is only slower, never wrong.

The subset (all of it, after the checks below; anything else is None):

* only the characters YAML reads without question: ``\\n``, printable ASCII, and printable
  non-ASCII other than U+2028/U+2029 (YAML 1.1 line breaks in libyaml) and U+FEFF (the BOM);
  no tab, no carriage return, no C0/C1 control, no NEL, no surrogate, no U+FFFE/U+FFFF;
* no blank line, comment line, document marker or directive: every line is a key line or an
  item line, and the text holds at least one key;
* key line: ``key:`` at column 0, the key an ASCII identifier (letters, digits, ``_``, ``-``;
  not starting with a digit or ``-``) that PyYAML resolves to a string (not ``true``, ``null``,
  ``on``...), never repeated; then nothing, or spaces and a scalar;
* item line: only after a key with no value: any number of spaces (the same for every item of
  the sequence; zero makes the "indentless" sequence YAML allows under a mapping key), ``-``,
  spaces and a non-empty scalar;
* scalar: a single-line single-quoted scalar (``''`` stands for a quote, only spaces after the
  closing quote), or a single-line plain scalar that starts with no YAML indicator, contains no
  ``": "`` and no ``" #"``, does not end with ``:``, and resolves (with the loader's own
  implicit-resolver table) to str, bool or null. Ints, floats, timestamps, merge keys and the
  rest are left to PyYAML: constructing them exactly is PyYAML's job, not this module's.

Trailing spaces are dropped from every line, as YAML does for plain scalars and between tokens.
"""

from __future__ import annotations

import re
from typing import Any, Final

import yaml
from yaml.constructor import SafeConstructor

__all__ = ["load_simple"]

# The loader whose answer this module reproduces. python-frontmatter uses CSafeLoader where
# libyaml is available and SafeLoader otherwise; both share the resolver and constructor that
# matter here, and read this subset alike.
_LOADER: Final[type[yaml.SafeLoader] | type[yaml.CSafeLoader]] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)

_STR_TAG: Final = "tag:yaml.org,2002:str"
_BOOL_TAG: Final = "tag:yaml.org,2002:bool"
_NULL_TAG: Final = "tag:yaml.org,2002:null"
_SEQ_TAG: Final = "tag:yaml.org,2002:seq"
_MAP_TAG: Final = "tag:yaml.org,2002:map"


# The stock constructors this module stands in for, and what the loader has for their tags. An
# application that registers its own (yaml.add_constructor(..., Loader=yaml.CSafeLoader)) makes
# the two differ, and the fast path then steps aside instead of answering for it.
_TAGS: Final = (_STR_TAG, _BOOL_TAG, _NULL_TAG, _SEQ_TAG, _MAP_TAG)
_STOCK_CONSTRUCTORS: Final = (
    SafeConstructor.construct_yaml_str,
    SafeConstructor.construct_yaml_bool,
    SafeConstructor.construct_yaml_null,
    SafeConstructor.construct_yaml_seq,
    SafeConstructor.construct_yaml_map,
)

# Any character outside this set ends the fast path. It is narrower than what libyaml accepts
# on purpose: tabs (blank but never indentation; indentation errors hide there), \r and the
# YAML 1.1 line breaks U+0085/U+2028/U+2029 would change where lines end; U+FEFF is a byte
# order mark, which a YAML reader may skip; the rest (C0/C1 controls, DEL, surrogates,
# U+FFFE/U+FFFF) make libyaml's reader raise. Nothing a news article's metadata needs is lost.
_UNUSUAL_CHARACTER: Final = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)

# The implicit-resolver table (first character -> [(tag, regexp)]) the loader had when this
# module was imported. PyYAML's add_implicit_resolver gives a loader class a new table of its
# own on first use, so a changed identity tells that someone taught the loader a new implicit
# type; load_simple then steps aside. (Appending to the shared base table of
# yaml.resolver.Resolver itself would go unnoticed; nothing in PyYAML's API does that.)
_RESOLVERS: Final = _LOADER.yaml_implicit_resolvers

# What the resolver makes of an empty plain scalar (null in every PyYAML release), decided once
# rather than for every `key:` line.
_EMPTY_IS_NULL: Final = (
    next((tag for tag, regexp in _RESOLVERS.get("", []) if regexp.match("")), None) == _NULL_TAG
    and None not in _RESOLVERS
)

# Whether a key is a short identifier that resolves to str, per key seen so far: keys repeat in
# every file, and checking one costs more than the rest of its line. Bounded, so that hostile
# input cannot grow it without limit.
_KEY_IS_STR: dict[str, bool] = {}
_MAX_KEYS_REMEMBERED: Final = 1024

# Keys are kept short: libyaml only looks for the ':' of a simple key within 1,024 characters,
# and real keys are single words.
_MAX_KEY: Final = 64

# A whole single-quoted scalar on one line: runs of non-quotes and doubled quotes. Written as an
# unrolled loop so that long titles match in linear time.
_SINGLE_QUOTED: Final = re.compile(r"'([^']*(?:''[^']*)*)'")

# Characters that may not start a plain scalar, or start something else: a sequence entry, a
# comment, an anchor or alias, a tag, a block scalar, a flow collection, a quoted scalar, a
# directive or a reserved indicator. Some are legal plain-scalar starts in some contexts ("-x",
# ":x", "?x"); they are refused anyway because refusing is always safe.
_INDICATORS: Final = frozenset("-?:,[]{}#&*!|>'\"%@`")


class _NotSimpleError(Exception):
    """The text is outside the subset; load_simple answers None."""


def load_simple(text: str) -> dict[str, Any] | None:
    """The mapping yaml.load(text, Loader=yaml.CSafeLoader) would return, for front matter in
    the plain form nearly every article uses; None when the text is anything else (the caller
    then uses PyYAML).

    A non-None answer is always equal to PyYAML's (keys in the same order, values of the same
    types) for a text PyYAML reads without error; see the module docstring for the subset.
    """
    if _UNUSUAL_CHARACTER.search(text) is not None or not _stock_loader():
        return None
    try:
        return _load(text)
    except _NotSimpleError:
        return None


def _load(text: str) -> dict[str, Any] | None:
    """load_simple after the character and loader checks; raises _NotSimpleError."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the line break that ends the last line
    result: dict[str, Any] = {}
    # The key with an empty value that item lines may still turn into a list, its list so far,
    # and the indentation every item of that list must share.
    open_key: str | None = None
    items: list[Any] | None = None
    items_indent = 0
    for line in lines:
        # A blank line has "" for its first character, which `in` finds in any string: it
        # goes on as an item line and fails there.
        if line[:1] not in " -":
            key, colon, rest = line.partition(":")
            if not colon or (rest and rest[0] != " "):
                # No ':' (a continuation line, a comment, '...'), or `key:value`, which YAML
                # reads as one plain scalar.
                raise _NotSimpleError
            # A key like `true` or `null` is not a string key; a repeated key is legal YAML
            # (the last wins) but surely a scraper bug that deserves PyYAML's full attention.
            is_str = _KEY_IS_STR.get(key)
            if is_str is None:
                is_str = _is_str_key(key)
            if not is_str or key in result:
                raise _NotSimpleError
            value = rest.strip(" ")
            if value:
                result[key] = _scalar(value)
                open_key = None
            else:
                result[key] = None  # an empty plain scalar: null, unless item lines follow
                open_key, items = key, None
            continue
        stripped = line.lstrip(" ")
        if stripped[:2] != "- " or open_key is None:
            # A blank line, an indented key or continuation line, `-x`, a null item `-`, '---';
            # or an item after a key with a value (an error to YAML, or part of a plain scalar).
            raise _NotSimpleError
        indent = len(line) - len(stripped)
        if items is None:
            items, items_indent = [], indent
            result[open_key] = items
        elif indent != items_indent:
            # Deeper would continue the previous item's plain scalar; shallower (but not at
            # column 0) is an error. Either way, not this module's business.
            raise _NotSimpleError
        item = stripped[2:].strip(" ")
        if not item:
            raise _NotSimpleError  # a null item
        items.append(_scalar(item))
    # An empty text is a null document to YAML, not a mapping.
    return result or None


def _stock_loader() -> bool:
    """Whether the loader still resolves and constructs this subset the stock way.

    Cheap (a few look-ups), so it runs on every call: a later yaml.add_implicit_resolver,
    add_path_resolver or add_constructor for the loader then sends every text back to PyYAML.
    """
    loader = _LOADER
    return (
        _EMPTY_IS_NULL
        and loader.yaml_implicit_resolvers is _RESOLVERS
        and not loader.yaml_path_resolvers
        and tuple(map(loader.yaml_constructors.get, _TAGS)) == _STOCK_CONSTRUCTORS
        and loader.DEFAULT_SCALAR_TAG == _STR_TAG
        and loader.DEFAULT_SEQUENCE_TAG == _SEQ_TAG
        and loader.DEFAULT_MAPPING_TAG == _MAP_TAG
    )


def _is_str_key(key: str) -> bool:
    """Whether `key` is a short ASCII identifier (letters, digits, '_', '-'; not starting with
    a digit or '-'), which YAML reads as a plain scalar, and one that resolves to str.
    Remembered in _KEY_IS_STR."""
    is_str = (
        0 < len(key) <= _MAX_KEY
        and key[0] != "-"
        and key.isascii()
        and key.replace("-", "_").isidentifier()
        and _plain_tag(key) == _STR_TAG
    )
    if len(_KEY_IS_STR) < _MAX_KEYS_REMEMBERED:
        _KEY_IS_STR[key] = is_str
    return is_str


def _plain_tag(value: str) -> str:
    """The tag PyYAML's resolver gives the non-empty plain scalar `value`: what Resolver.resolve
    does for a ScalarNode with implicit=(True, False) and no path resolvers."""
    resolvers = _RESOLVERS.get(value[0], []) + _RESOLVERS.get(None, [])
    for tag, regexp in resolvers:
        if regexp.match(value):
            return str(tag)
    return _STR_TAG


def _scalar(value: str) -> Any:
    """The Python value of the one-line scalar `value` (not empty, no leading or trailing
    spaces); raises _NotSimpleError when it is not a scalar of the subset."""
    first = value[0]
    if first == "'":
        if len(value) > 1 and value[-1] == "'" and "'" not in value[1:-1]:
            return value[1:-1]  # the common case, without a regular expression
        match = _SINGLE_QUOTED.fullmatch(value)
        if match is None:
            # Unterminated (YAML would read on into the next line) or followed by something.
            raise _NotSimpleError
        return match[1].replace("''", "'")
    if first in _INDICATORS or ": " in value or " #" in value or value[-1] == ":":
        # An indicator, a nested mapping, a comment, or a key with an empty value.
        raise _NotSimpleError
    if first not in _RESOLVERS and None not in _RESOLVERS:
        # Most values (a Chinese title, a date in words) start with a character no implicit
        # type can start with: a string, without a regular expression tried.
        return value
    tag = _plain_tag(value)
    if tag == _STR_TAG:
        return value
    if tag == _BOOL_TAG:
        return _LOADER.bool_values[value.lower()]  # as SafeConstructor.construct_yaml_bool
    if tag == _NULL_TAG:
        return None
    raise _NotSimpleError  # int, float, timestamp, merge, value: PyYAML constructs those
