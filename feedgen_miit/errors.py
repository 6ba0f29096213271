"""One exception hierarchy; every message says what is wrong, where, and what to do."""

from __future__ import annotations

from pathlib import Path


class FeedgenMiitError(Exception):
    """Base of every error feedgen-miit raises on purpose; ``str()`` is the user's message."""


class ConfigError(FeedgenMiitError):
    """A setting is missing, of the wrong type, or out of range."""


class ArticleError(FeedgenMiitError):
    """One article file cannot be used; the build goes on without it."""

    def __init__(self, path: Path, reason: str, line: int | None = None) -> None:
        self.path = path
        self.reason = reason
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.reason}"


class NoArticlesError(FeedgenMiitError):
    """The folder held no usable article, so there is nothing to publish."""


class PublishError(FeedgenMiitError):
    """The feed could not be written; whatever was published before is untouched."""
