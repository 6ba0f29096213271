"""One exception hierarchy; every message says what is wrong, where, and what to do."""

from __future__ import annotations

import copy
import logging
import os
import signal
import traceback
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: Characters with an escape of their own (the backslash, so that every escape reads back).
_NAMED_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: PEP 383: a byte of a file name that is not UTF-8 is read as the lone surrogate U+DC80+byte.
_SURROGATE_ESCAPE = range(0xDC80, 0xDD00)


def shown(text: str) -> str:
    """``text`` (a file name, a value from an article, a library's message) as a message may
    carry it: on one line, without a character that a terminal or a mail reader acts on.

    Every message feedgen-miit writes (stderr, ``check``'s output, the ``-v`` logs, the
    exceptions' ``str()``) passes each such text through here exactly once, the same on a
    terminal and off it. A file name with a newline would otherwise forge lines in the nightly
    cron mail, and one with ESC sequences would recolour a terminal, retitle it or write to its
    clipboard (OSC 52). Escaped are the backslash and every character that
    :meth:`str.isprintable` rejects: C0 and C1 controls (ESC, BEL, CR, NEL...), line and
    paragraph separators, format characters (bidi overrides such as U+202E, zero-width
    spaces), surrogates, unassigned code points and white space other than the space:

    - ``\\\\``, ``\\n``, ``\\r``, ``\\t`` for the backslash, LF, CR and TAB;
    - ``\\xNN`` for the other characters below U+0080 (``\\x1b`` is ESC) and, above 7F, for a
      byte of a file name that is not UTF-8 (``bad\\xff.txt``);
    - ``\\uNNNN`` or ``\\UNNNNNNNN`` for any other code point (``\\u202e``, ``\\u0085``).

    Each form has one reading, so the text can be read back exactly.
    """
    if text.isprintable() and "\\" not in text:
        return text  # nearly every message: nothing to escape
    return "".join(_escaped(character) for character in text)


def quoted(text: object) -> str:
    """``text`` in quotes, for a message that names a value (a key, a setting, a file's
    id), and not escaped: the message is escaped once, as a whole (:func:`shown`). ``repr()``
    escaped it first, so a message showed two backslashes before ``u202e`` where the text
    held a U+202E."""
    value = str(text)
    quote = '"' if "'" in value and '"' not in value else "'"
    return f"{quote}{value}{quote}"


def _escaped(character: str) -> str:
    if character.isprintable() and character != "\\":
        return character
    named = _NAMED_ESCAPES.get(character)
    if named is not None:
        return named
    code = ord(character)
    if code < 0x80:
        return f"\\x{code:02x}"
    if code in _SURROGATE_ESCAPE:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


class FeedgenMiitError(Exception):
    """Base of every error feedgen-miit raises on purpose; ``str()`` is the user's message.

    The message is made of raw text (paths, values from articles); ``str()`` escapes it
    (:func:`shown`), so that it is one line however hostile the text.
    """

    def __str__(self) -> str:
        return shown(super().__str__())


class ConfigError(FeedgenMiitError):
    """A setting is missing, of the wrong type, or out of range."""


class ArticleError(FeedgenMiitError):
    """One article file cannot be used; the build goes on without it."""

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason  #: raw: str() escapes it (one problem, one line)
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        return _located(self.path, self.line, self.reason)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as ``cls(*args)``; this one's arguments are its fields. (Errors
        # cross from the worker processes to the build.)
        return (type(self), (self.path, self.reason, self.line))


class per_article:  # noqa: N801 - used as a function: ``with per_article(path):``
    """Make any unexpected exception while handling the article ``path`` its error.

    A bug must cost one article, not the whole feed: the exception becomes an
    :class:`ArticleError` saying it is a bug (``-vv`` logs the traceback). Errors raised on
    purpose pass through as they are.

    A class, not :func:`contextlib.contextmanager`: a cold build enters it for every file,
    and a generator's context manager cost 1.5 µs of the 130 µs a file takes.
    """

    __slots__ = ("path",)

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: object
    ) -> None:
        if error is None or not isinstance(error, Exception):
            return  # nothing happened, or an interrupt: the build's to handle
        if isinstance(error, FeedgenMiitError):
            return  # raised on purpose: as it is
        log.debug("%s: unexpected error", self.path, exc_info=error)
        raise ArticleError(
            self.path,
            f"unexpected {type(error).__name__}: {error} "
            "(a bug in feedgen-miit: please report it with this file; -vv shows the traceback)",
        ) from error


@dataclass(frozen=True, slots=True)
class ArticleWarning:
    """Something odd in an article that did not stop it from being used (a dropped URL...).

    ``str()`` is the user's message, in the same ``file:line: reason`` form as an error.
    """

    path: Path
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        return _located(self.path, self.line, self.reason)


@dataclass(frozen=True, slots=True)
class Draft:
    """An article file marked ``published: false`` (a Hexo draft): left out of every output.

    Not an error: a build that leaves drafts out is complete. ``str()`` is the message
    ``check`` lists, in the same ``file:line: reason`` form as an error.
    """

    path: Path
    line: int | None = None  #: the line of ``published:``

    def __str__(self) -> str:
        return _located(
            self.path, self.line, "a draft ('published: false'): left out of every output"
        )


class DraftError(FeedgenMiitError):
    """:func:`~feedgen_miit.loader.load_article` was given a draft, not an article to publish."""

    def __init__(self, draft: Draft) -> None:
        self.draft = draft
        super().__init__(str(draft))


def in_path_order(errors: Iterable[ArticleError]) -> tuple[ArticleError, ...]:
    """``errors`` sorted by file, in the order a folder's files are read."""
    return tuple(sorted(errors, key=lambda error: os.fsencode(error.path)))


def _located(path: Path, line: int | None, reason: str) -> str:
    """``file:line: reason``, escaped once, as a whole (see :func:`shown`)."""
    where = os.fspath(path) if line is None else f"{os.fspath(path)}:{line}"
    return shown(f"{where}: {reason}")


class ShownFormatter(logging.Formatter):
    """A log formatter that writes records the way errors are written: one line each.

    The arguments of a record are raw text (paths, values from articles, other libraries'
    errors); each is escaped here (:func:`shown`), unless it is one of this module's
    messages, whose ``str()`` already is. The format string is the code's own. A traceback
    (``-vv``) keeps its lines, each escaped, with the exceptions' messages on one line.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one escaped line (plus its traceback, if any)."""
        record = copy.copy(record)  # other handlers must see the record as it was logged
        record.msg = _message(record.msg, record.args)
        record.args = None
        return super().format(record)

    def formatException(self, ei: Any) -> str:  # noqa: N802 - logging's name
        """The traceback of ``ei``, every line escaped."""
        return "\n".join(shown(line) for line in _traceback_lines(ei[1], set()))


def _message(template: object, arguments: Any) -> str:
    if not arguments:
        return str(_argument(template))
    escaped: Any
    if isinstance(arguments, Mapping):
        escaped = {key: _argument(value, keep_numbers=True) for key, value in arguments.items()}
    else:
        escaped = tuple(_argument(value, keep_numbers=True) for value in arguments)
    return str(shown(str(template)) % escaped)


def _argument(value: object, *, keep_numbers: bool = False) -> Any:
    """A log argument as the message shows it: numbers as they are (for ``%d``), this
    module's messages by their own ``str()``, anything else escaped."""
    if keep_numbers and isinstance(value, int | float):
        return value
    if isinstance(value, FeedgenMiitError | ArticleWarning):
        return str(value)
    return shown(str(value))


def _traceback_lines(error: BaseException | None, seen: set[int]) -> list[str]:
    """``traceback.format_exception``'s lines, with each exception's message on one line."""
    if error is None:
        return []
    seen.add(id(error))
    lines: list[str] = []
    cause, context = error.__cause__, error.__context__
    if cause is not None and id(cause) not in seen:
        lines += _traceback_lines(cause, seen)
        lines += ["", "The above exception was the direct cause of the following exception:", ""]
    elif context is not None and not error.__suppress_context__ and id(context) not in seen:
        lines += _traceback_lines(context, seen)
        lines += ["", "During handling of the above exception, another exception occurred:", ""]
    if error.__traceback__ is not None:
        lines.append("Traceback (most recent call last):")
        for frame in traceback.format_tb(error.__traceback__):
            lines += frame.rstrip("\n").split("\n")
    kind = type(error)
    name = kind.__qualname__
    if kind.__module__ not in {"builtins", "__main__"}:
        name = f"{kind.__module__}.{name}"
    lines.append(f"{name}: {error}" if str(error) else name)
    return lines


class MissingArticlesDirError(ConfigError):
    """Neither the command line nor the configuration file names the articles folder."""


class NoArticlesError(FeedgenMiitError):
    """The folder held no usable article, so there is nothing to publish."""

    def __init__(self, message: str, problems: tuple[ArticleError, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems  #: why each article file cannot be used

    @classmethod
    def in_folder(
        cls,
        folder: Path,
        patterns: Sequence[str],
        problems: tuple[ArticleError, ...],
        drafts: int = 0,
    ) -> NoArticlesError:
        """The error for ``folder``, where files matching ``patterns`` gave ``problems`` and
        ``drafts`` files were drafts (``published: false``)."""
        if problems:
            found = f"{len(problems)} article file(s), none usable"
        elif drafts:
            found = "no article file but drafts"
        else:
            found = "no article file"
        left_out = f"; {drafts} draft(s) left out" if drafts else ""
        return cls(
            f"{folder}: {found} (looked for {', '.join(patterns)}{left_out}); "
            "nothing was published",
            problems,
        )


class MarkupLimitError(FeedgenMiitError):
    """A body holds more markup than a body may (``sanitize.MAX_MARKUP``), so it is refused
    before it is parsed: parsing it would take minutes and gigabytes. ``str()`` is the
    reason, without the file (the caller knows it)."""


class PublishError(FeedgenMiitError):
    """The feed could not be written; whatever was published before is untouched."""

    @classmethod
    def damaged_index(cls, location: object, error: Exception) -> PublishError:
        """The index turned out damaged while the outputs were published, and was removed."""
        return cls(
            f"{location}: the article index turned out damaged ({error}) and was removed; "
            "what was published is whole. Run the build again."
        )


class Interrupted(KeyboardInterrupt):
    """A build stopped by a signal (SIGINT, or SIGTERM from cron or systemd), and what it had
    published by then. A ``KeyboardInterrupt``, so that callers that stop on Ctrl-C still do.
    """

    def __init__(self, signal_number: int, *, pages: int = 0, feeds: bool = False) -> None:
        super().__init__(signal_number, pages, feeds)
        self.signal_number = signal_number
        self.pages = pages  #: article pages published before the signal
        self.feeds = feeds  #: whether the feeds and listings were published too

    def __str__(self) -> str:
        name = signal.Signals(self.signal_number).name
        if self.feeds:
            return f"interrupted by {name} after publishing; the next build finishes the rest"
        if self.pages:
            return f"interrupted by {name}: {_pages_out(self.pages)}"
        return f"interrupted by {name}: {NOTHING_PUBLISHED}"

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 and the signal's number (130, 143)."""
        return 128 + self.signal_number


#: How a failure says that it published nothing (see :func:`say_pages_out`).
NOTHING_PUBLISHED = "nothing was published"


def _pages_out(pages: int) -> str:
    return (
        f"only {pages} article page(s) went out (nothing links to them yet; the feeds and "
        "listings are as the last build left them)"
    )


def say_pages_out(error: Exception, pages: int) -> None:
    """Make ``error`` say that ``pages`` article pages went out before it (if any): a build
    publishes them first, so a failure after them must not say that nothing was published.
    The message is changed in place: the error's kind and traceback stay."""
    if pages:
        # The raw message: FeedgenMiitError's str() escapes it, and would escape it twice.
        first = error.args[0] if error.args else ""
        message = first if isinstance(first, str) else str(error)
        if NOTHING_PUBLISHED in message:
            message = message.replace(NOTHING_PUBLISHED, _pages_out(pages))
        else:
            message = f"{message}; {_pages_out(pages)}"
        error.args = (message,)


class IndexWriteError(PublishError):
    """The article index cannot be written where it lives (the disk is full or read-only,
    the file cannot be opened, an I/O error): the build stops; the index stays as it was."""


class SkippedArticlesError(FeedgenMiitError):
    """``strict`` is set and some articles would have been skipped, so nothing was written."""

    def __init__(self, problems: tuple[ArticleError, ...]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} article file(s) cannot be used and strict mode is on; "
            "nothing was published (fix them, or build without --strict)"
        )
