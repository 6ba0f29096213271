"""The one place the steps meet: load -> select -> sanitize -> render -> publish.

Only selected articles are read and sanitized, each at most once: the main feed takes the
newest ``limit`` articles, each category feed the newest ``limit`` of its category.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .errors import ArticleError, ArticleWarning, NoArticlesError, SkippedArticlesError
from .loader import load_folder, read_body, unexpected_error
from .model import Article, Entry, Settings
from .outputs import render_outputs
from .publish import publish
from .sanitize import clean_body, summarize

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What a build did, for the caller to report and turn into an exit code."""

    articles_found: int  #: usable articles in the folder
    entries: int  #: entries in the main feed
    problems: tuple[ArticleError, ...]  #: files that were skipped, in path order
    written: tuple[Path, ...]  #: files replaced
    unchanged: tuple[Path, ...]  #: files that already held these bytes
    warnings: tuple[ArticleWarning, ...] = ()  #: oddities in articles that were used

    @property
    def complete(self) -> bool:
        """True when every article file was used."""
        return not self.problems


@dataclass(frozen=True, slots=True)
class CheckReport:
    """What ``check`` found: every error and warning, with nothing written."""

    articles_found: int  #: usable articles (front matter and body)
    problems: tuple[ArticleError, ...]  #: files that a build would skip, in path order
    warnings: tuple[ArticleWarning, ...]  #: oddities in usable articles, in path order

    @property
    def clean(self) -> bool:
        """True when there is neither an error nor a warning."""
        return not self.problems and not self.warnings


def build(settings: Settings, *, now: datetime | None = None) -> BuildReport:
    """Build the feed described by ``settings`` and publish it into ``settings.output_dir``.

    Bad article files are reported in :attr:`BuildReport.problems` and left out; the build
    fails (:class:`NoArticlesError`) only when no article at all is usable, or
    (:class:`SkippedArticlesError`) when ``settings.strict`` is set and any article is bad.
    ``now`` is the clock that dates in the future are checked against (default: now).
    """
    loaded = load_folder(settings, now=now)
    problems = list(loaded.problems)
    rendered: dict[str, Entry | None] = {}

    def render(article: Article) -> Entry | None:
        if article.id not in rendered:
            try:
                rendered[article.id] = make_entry(article, settings)
            except ArticleError as error:
                problems.append(error)
                rendered[article.id] = None
        return rendered[article.id]

    ordered = list(newest_first(loaded.articles))
    entries = select(ordered, settings.limit, render)
    by_category: dict[str, list[Entry]] = {}
    if settings.write_category_feeds:
        for name, articles in by_category_name(ordered).items():
            by_category[name] = select(articles, settings.limit, render)
    problems.sort(key=_by_path)
    if settings.strict and problems:
        raise SkippedArticlesError(tuple(problems))
    if not entries:
        raise NoArticlesError(
            f"{settings.articles_dir}: no usable article "
            f"(looked for {', '.join(settings.patterns)}); nothing was published"
        )
    files = render_outputs(entries, by_category, settings)
    result = publish(settings.output_dir, files)
    return BuildReport(
        articles_found=len(loaded.articles),
        entries=len(entries),
        problems=tuple(problems),
        written=result.written,
        unchanged=result.unchanged,
        warnings=loaded.warnings,
    )


def check(settings: Settings, *, now: datetime | None = None) -> CheckReport:
    """Find every problem a build could meet in ``settings.articles_dir``; write nothing.

    Unlike :func:`build`, every article's body is read and sanitized, not only the newest.
    """
    loaded = load_folder(settings, now=now)
    problems = list(loaded.problems)
    usable = 0
    for article in loaded.articles:
        try:
            make_entry(article, settings)
        except ArticleError as error:
            problems.append(error)
        else:
            usable += 1
    problems.sort(key=_by_path)
    return CheckReport(articles_found=usable, problems=tuple(problems), warnings=loaded.warnings)


def _by_path(error: ArticleError) -> bytes:
    return os.fsencode(error.path)


def newest_first(articles: Iterable[Article]) -> Iterator[Article]:
    """Articles by publication time, newest first; ties broken by path for a stable order."""
    by_path = sorted(articles, key=lambda article: article.source)
    yield from sorted(by_path, key=lambda article: article.published, reverse=True)


def select(
    articles: Iterable[Article], limit: int, render: Callable[[Article], Entry | None]
) -> list[Entry]:
    """The first ``limit`` (0: all) of ``articles`` that ``render`` makes an entry of."""
    entries: list[Entry] = []
    for article in articles:
        if limit and len(entries) >= limit:
            break
        entry = render(article)
        if entry is not None:
            entries.append(entry)
    return entries


def by_category_name(articles: Iterable[Article]) -> dict[str, list[Article]]:
    """The articles of each category, each list in the order given."""
    groups: dict[str, list[Article]] = {}
    for article in articles:
        for name in article.categories:
            groups.setdefault(name, []).append(article)
    return groups


def make_entry(article: Article, settings: Settings) -> Entry:
    """Read and sanitize one article's body into a feed :class:`Entry`.

    Raises :class:`ArticleError` when the file cannot be read again or its body is empty.
    """
    try:
        body = clean_body(read_body(article, settings), article.link or settings.base_url)
    except ArticleError:
        raise
    except Exception as error:  # a bug must cost one article, not the whole feed
        log.debug("%s: unexpected error", article.path, exc_info=True)
        raise unexpected_error(article.path, error) from error
    if not body.html:
        raise ArticleError(
            article.path,
            "the body is empty (or nothing was left once scripts, styles and boilerplate "
            "were removed): write the article's HTML after the closing '---'",
        )
    return Entry(
        article=article,
        content=body.html,
        summary=summarize(body.html, settings.summary_chars),
        thumbnail=article.thumbnail or body.first_image,
        contributor=body.editor,
    )
