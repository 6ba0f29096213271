"""The one place the steps meet: load -> select -> sanitize -> render -> publish."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ArticleError, NoArticlesError
from .feed import render_atom
from .loader import load_folder, read_body
from .model import Article, Entry, Settings
from .publish import publish
from .sanitize import clean_body, summarize

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the caller to report and turn into an exit code."""

    articles_found: int  #: usable articles in the folder
    entries: int  #: entries in the feed
    problems: tuple[ArticleError, ...]  #: files that were skipped, in path order
    written: tuple[Path, ...]  #: files replaced
    unchanged: tuple[Path, ...]  #: files that already held these bytes

    @property
    def complete(self) -> bool:
        """True when every article file was used."""
        return not self.problems


def build(settings: Settings) -> BuildReport:
    """Build the feed described by ``settings`` and publish it into ``settings.output_dir``.

    Bad article files are reported in :attr:`BuildReport.problems` and left out; the build
    fails (:class:`NoArticlesError`) only when no article at all is usable.
    """
    loaded = load_folder(settings)
    problems = list(loaded.problems)
    entries: list[Entry] = []
    for article in newest_first(loaded.articles):
        if settings.limit and len(entries) >= settings.limit:
            break
        try:
            entries.append(make_entry(article, settings))
        except ArticleError as error:
            problems.append(error)
    if not entries:
        raise NoArticlesError(
            f"{settings.articles_dir}: no usable article "
            f"(looked for {', '.join(settings.patterns)}); nothing was published"
        )
    document = render_atom(entries, settings)
    result = publish(settings.output_dir, {settings.feed_filename: document})
    problems.sort(key=lambda error: str(error.path))
    return BuildReport(
        articles_found=len(loaded.articles),
        entries=len(entries),
        problems=tuple(problems),
        written=result.written,
        unchanged=result.unchanged,
    )


def newest_first(articles: Iterable[Article]) -> Iterator[Article]:
    """Articles by publication time, newest first; ties broken by path for a stable order."""
    by_path = sorted(articles, key=lambda article: article.source)
    yield from sorted(by_path, key=lambda article: article.published, reverse=True)


def make_entry(article: Article, settings: Settings) -> Entry:
    """Read and sanitize one article's body into a feed :class:`Entry`."""
    body = clean_body(read_body(article, settings), article.link or settings.base_url)
    return Entry(
        article=article,
        content=body.html,
        summary=summarize(body.html, settings.summary_chars),
        thumbnail=article.thumbnail or body.first_image,
        contributor=body.editor,
    )
