"""A fast reader for the plain front matter nearly every article uses, exact or silent.

:func:`load_simple` returns what ``hexoyaml.load(text, dates_as_text=True)`` would return (the
loader's reading of front matter: js-yaml's answer, as Hexo gets it, with timestamps kept as
their text), or None when the text is outside a small, strictly checked subset of YAML; the
caller then asks :mod:`~feedgen_miit.hexoyaml`. Why it exists: hexoyaml builds values from
libyaml's events in Python, about 45 µs for a typical front matter, the largest single cost of
reading a file in a cold build. Front matter written by the scraper is always the same shape (a
flat mapping of single-line scalars, a few block sequences of them), which a line-by-line match
reads in about 10 µs; and most of its lines are the same in every article, so each line's
reading is remembered (``_LINES``).

The contract, for every string: either None, or a result equal to hexoyaml's, with the same
keys in the same order and the same Python types, for a text hexoyaml reads without error.
Never a different answer. So everything outside the subset, and anything merely unusual inside
it, gives None rather than a guess; hexoyaml is only slower, never wrong. Plain scalars are
resolved by hexoyaml's own function (js-yaml's null, bool, int and float rules), so values
cannot disagree; only the syntax is this module's to get right.

The subset (all of it, after the checks below; anything else is None):

* only the characters both YAML readers take without question: ``\\n``, printable ASCII, and
  printable non-ASCII other than U+2028/U+2029 (line breaks to libyaml) and U+FEFF (the BOM);
  no tab, no carriage return, no C0/C1 control, no NEL, no surrogate, no U+FFFE/U+FFFF;
* no blank line, comment line, document marker or directive: every line is a key line or an
  item line, and the text holds at least one key;
* key line: ``key:`` at column 0, the key an ASCII identifier (letters, digits, ``_``, ``-``;
  not starting with a digit or ``-``) that js-yaml reads as that very string (not ``True``,
  ``null``, ``~``...), never repeated (a repeated key is js-yaml's error); then nothing, or
  spaces and a scalar;
* item line: only after a key with no value: any number of spaces (the same for every item of
  the sequence; zero makes the "indentless" sequence YAML allows under a mapping key), ``-``,
  spaces and a non-empty scalar;
* scalar: a single-line single-quoted scalar (``''`` stands for a quote), a single-line
  double-quoted one without a backslash or an inner quote (what JSON writers emit for plain
  text), only spaces after the closing quote; or a single-line plain scalar that starts with
  no YAML indicator, contains no ``": "`` and no ``" #"``, does not end with ``:``, and is not
  the merge key ``<<``.

Trailing spaces are dropped from every line, as YAML does for plain scalars and between tokens.
"""

from __future__ import annotations

import re
from typing import Any, Final

from .hexoyaml import _MERGE_KEY, _resolve_plain

__all__ = ["load_simple"]

# Any character outside this set ends the fast path. It is narrower than what libyaml accepts
# on purpose: tabs (blank but never indentation; indentation errors hide there, and Hexo turns
# leading ones into spaces), \r and the line breaks U+0085/U+2028/U+2029 would change where
# lines end; U+FEFF is a byte order mark, which a YAML reader may skip; the rest (C0/C1
# controls, DEL, surrogates, U+FFFE/U+FFFF) make one reader or the other refuse the text or
# need hexoyaml's placeholders. Nothing a news article's metadata needs is lost.
# (Every character but LF, U+0020-U+007E, U+00A0-U+2027, U+202A-U+D7FF, U+E000-U+FEFE,
# U+FF00-U+FFFD and U+10000-U+10FFFF, written as those refused: compiled ten times faster,
# see text.py.)
_UNUSUAL_CHARACTER: Final = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
)

# Whether a key is a short identifier that js-yaml keeps as the same string, per key seen so
# far: keys repeat in every file, and checking one costs more than the rest of its line.
# Bounded, so that hostile input cannot grow it without limit.
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
    """The mapping ``hexoyaml.load(text, dates_as_text=True)`` would return, for front matter
    in the plain form nearly every article uses; None when the text is anything else (the
    caller then uses hexoyaml).

    A non-None answer is always equal to hexoyaml's (keys in the same order, values of the same
    types) for a text hexoyaml reads without error; see the module docstring for the subset.
    """
    if _UNUSUAL_CHARACTER.search(text) is not None:
        return None
    try:
        return _load(text)
    except _NotSimpleError:
        return None


def _load(text: str) -> dict[str, Any] | None:
    """load_simple after the character check; raises _NotSimpleError."""
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
        read = _LINES.get(line)
        if read is None:
            read = _read_line(line)
            if len(line) <= _MAX_LINE_REMEMBERED:
                if len(_LINES) >= _MAX_LINES_REMEMBERED:
                    _LINES.clear()  # the lines that repeat come back at once
                _LINES[line] = read
        key, indent, value = read
        if key is not None:
            # A repeated key is js-yaml's error, which hexoyaml reports with its line.
            if key in result:
                raise _NotSimpleError
            if value is _NO_VALUE:
                result[key] = None  # an empty plain scalar: null, unless item lines follow
                open_key, items = key, None
            else:
                result[key] = value
                open_key = None
            continue
        if open_key is None:
            # An item after a key with a value (an error to YAML, or part of a plain scalar),
            # or before any key.
            raise _NotSimpleError
        if items is None:
            items, items_indent = [], indent
            result[open_key] = items
        elif indent != items_indent:
            # Deeper would continue the previous item's plain scalar; shallower (but not at
            # column 0) is an error. Either way, not this module's business.
            raise _NotSimpleError
        items.append(value)
    # An empty text is no document to js-yaml, not a mapping.
    return result or None


#: What a line holds: a key (None for an item line), the item's indentation, the value.
_Line = tuple[str | None, int, Any]
#: The value of a key line with nothing after the colon.
_NO_VALUE: Final = object()

# The reading of each line seen lately, shared by every text. A site's front matter repeats
# most of its lines from one article to the next (the categories, the author, the picture;
# only the title and the date change), and looking a line up costs a fraction of reading it:
# 104 to 93 µs a file for a cold build's reading in one process. A line's reading depends on
# the line alone; what depends on the lines around it (a repeated key, an item without a key,
# the items' indentation) is checked in _load every time. The values are never mutable
# (strings, numbers, booleans, None; the lists are made in _load). Bounded, so that hostile
# input cannot grow it: emptied when full, and long lines are never kept.
_LINES: dict[str, _Line] = {}
_MAX_LINES_REMEMBERED: Final = 4096
_MAX_LINE_REMEMBERED: Final = 300


def _read_line(line: str) -> _Line:
    """What ``line`` holds, read alone; raises _NotSimpleError when it is outside the subset."""
    # A blank line has "" for its first character, which `in` finds in any string: it goes on
    # as an item line and fails there.
    if line[:1] not in " -":
        key, colon, rest = line.partition(":")
        if not colon or (rest and rest[0] != " "):
            # No ':' (a continuation line, a comment, '...'), or `key:value`, which YAML reads
            # as one plain scalar.
            raise _NotSimpleError
        # A key like `True` or `null` is the string "true" or "null" to js-yaml.
        is_str = _KEY_IS_STR.get(key)
        if is_str is None:
            is_str = _is_str_key(key)
        if not is_str:
            raise _NotSimpleError
        value = rest.strip(" ")
        return key, 0, _scalar(value) if value else _NO_VALUE
    stripped = line.lstrip(" ")
    if stripped[:2] != "- ":
        # A blank line, an indented key or continuation line, `-x`, a null item `-`, '---'.
        raise _NotSimpleError
    item = stripped[2:].strip(" ")
    if not item:
        raise _NotSimpleError  # a null item
    return None, len(line) - len(stripped), _scalar(item)


def _is_str_key(key: str) -> bool:
    """Whether `key` is a short ASCII identifier (letters, digits, '_', '-'; not starting with
    a digit or '-'), which YAML reads as a plain scalar, and one that js-yaml keeps as the same
    string. Remembered in _KEY_IS_STR."""
    is_str = (
        0 < len(key) <= _MAX_KEY
        and key[0] != "-"
        and key.isascii()
        and key.replace("-", "_").isidentifier()
        and _resolve_plain(key, False) == key
    )
    if len(_KEY_IS_STR) < _MAX_KEYS_REMEMBERED:
        _KEY_IS_STR[key] = is_str
    return is_str


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
    if first == '"':
        inner = value[1:-1]
        if len(value) > 1 and value[-1] == '"' and '"' not in inner and "\\" not in inner:
            return inner  # no escape, no line folding: the text between the quotes
        raise _NotSimpleError  # escapes are hexoyaml's (js-yaml's UTF-16 code units)
    if first in _INDICATORS or ": " in value or " #" in value or value[-1] == ":":
        # An indicator, a nested mapping, a comment, or a key with an empty value.
        raise _NotSimpleError
    resolved = _resolve_plain(value, False)
    if resolved is _MERGE_KEY:
        raise _NotSimpleError  # '<<' as a value: rare enough to leave to hexoyaml
    return resolved
