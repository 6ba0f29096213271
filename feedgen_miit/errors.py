"""One exception hierarchy; every message says what is wrong, where, and what to do."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def display_path(path: Path) -> str:
    """``path`` for a message: a name that is not valid UTF-8 shows its bytes as escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


class FeedgenMiitError(Exception):
    """Base of every error feedgen-miit raises on purpose; ``str()`` is the user's message."""


class ConfigError(FeedgenMiitError):
    """A setting is missing, of the wrong type, or out of range."""


class ArticleError(FeedgenMiitError):
    """One article file cannot be used; the build goes on without it."""

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = " ".join(reason.split())  # one line per problem, whatever the source
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        return _located(self.path, self.line, self.reason)

    def __reduce__(self) -> tuple[Any, ...]:
        # Exceptions pickle as ``cls(*args)``; this one's arguments are its fields. (Errors
        # cross from the worker processes to the build.)
        return (type(self), (self.path, self.reason, self.line))


@contextlib.contextmanager
def per_article(path: Path) -> Iterator[None]:
    """Make any unexpected exception while handling the article ``path`` its error.

    A bug must cost one article, not the whole feed: the exception becomes an
    :class:`ArticleError` saying it is a bug (``-vv`` logs the traceback). Errors raised on
    purpose pass through as they are.
    """
    try:
        yield
    except FeedgenMiitError:
        raise
    except Exception as error:
        log.debug("%s: unexpected error", display_path(path), exc_info=True)
        raise ArticleError(
            path,
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


def in_path_order(errors: Iterable[ArticleError]) -> tuple[ArticleError, ...]:
    """``errors`` sorted by file, in the order a folder's files are read."""
    return tuple(sorted(errors, key=lambda error: os.fsencode(error.path)))


def _located(path: Path, line: int | None, reason: str) -> str:
    where = display_path(path) if line is None else f"{display_path(path)}:{line}"
    return f"{where}: {reason}"


class MissingArticlesDirError(ConfigError):
    """Neither the command line nor the configuration file names the articles folder."""


class NoArticlesError(FeedgenMiitError):
    """The folder held no usable article, so there is nothing to publish."""

    def __init__(self, message: str, problems: tuple[ArticleError, ...] = ()) -> None:
        super().__init__(message)
        self.problems = problems  #: why each article file cannot be used

    @classmethod
    def in_folder(
        cls, folder: Path, patterns: Sequence[str], problems: tuple[ArticleError, ...]
    ) -> NoArticlesError:
        """The error for ``folder``, where files matching ``patterns`` gave ``problems``."""
        found = f"{len(problems)} article file(s), none usable" if problems else "no article file"
        return cls(
            f"{display_path(folder)}: {found} (looked for {', '.join(patterns)}); "
            "nothing was published",
            problems,
        )


class PublishError(FeedgenMiitError):
    """The feed could not be written; whatever was published before is untouched."""


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
            return (
                f"interrupted by {name}: {self.pages} article page(s) went out, nothing links "
                "to them yet; the feeds and listings are as the last build left them"
            )
        return f"interrupted by {name}: nothing was published"

    @property
    def exit_code(self) -> int:
        """The shell's convention: 128 and the signal's number (130, 143)."""
        return 128 + self.signal_number


class SkippedArticlesError(FeedgenMiitError):
    """``strict`` is set and some articles would have been skipped, so nothing was written."""

    def __init__(self, problems: tuple[ArticleError, ...]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} article file(s) cannot be used and strict mode is on; "
            "nothing was published (fix them, or build without --strict)"
        )
