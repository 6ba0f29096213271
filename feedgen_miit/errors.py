"""One exception hierarchy; every message says what is wrong, where, and what to do."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


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


def _located(path: Path, line: int | None, reason: str) -> str:
    where = display_path(path) if line is None else f"{display_path(path)}:{line}"
    return f"{where}: {reason}"


class MissingArticlesDirError(ConfigError):
    """Neither the command line nor the configuration file names the articles folder."""


class NoArticlesError(FeedgenMiitError):
    """The folder held no usable article, so there is nothing to publish."""


class PublishError(FeedgenMiitError):
    """The feed could not be written; whatever was published before is untouched."""


class SkippedArticlesError(FeedgenMiitError):
    """``strict`` is set and some articles would have been skipped, so nothing was written."""

    def __init__(self, problems: tuple[ArticleError, ...]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} article file(s) cannot be used and strict mode is on; "
            "nothing was published (fix them, or build without --strict)"
        )
