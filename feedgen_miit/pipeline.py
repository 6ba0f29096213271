"""The one place the steps meet: load -> select -> sanitize -> render -> publish.

Only selected articles are read and sanitized, each at most once: the main feed takes the
newest ``limit`` articles, each category feed the newest ``limit`` of its category.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ArticleError, NoArticlesError
from .loader import load_folder, read_body
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
    if not entries:
        raise NoArticlesError(
            f"{settings.articles_dir}: no usable article "
            f"(looked for {', '.join(settings.patterns)}); nothing was published"
        )
    by_category: dict[str, list[Entry]] = {}
    if settings.write_category_feeds:
        for name, articles in by_category_name(ordered).items():
            by_category[name] = select(articles, settings.limit, render)
    files = render_outputs(entries, by_category, settings)
    result = publish(settings.output_dir, files)
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
    """Read and sanitize one article's body into a feed :class:`Entry`."""
    body = clean_body(read_body(article, settings), article.link or settings.base_url)
    return Entry(
        article=article,
        content=body.html,
        summary=summarize(body.html, settings.summary_chars),
        thumbnail=article.thumbnail or body.first_image,
        contributor=body.editor,
    )
