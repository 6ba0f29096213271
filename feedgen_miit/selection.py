"""Which entries go into which subscription document: the newest of all, and of each category,
``limit`` at most and what fits the byte budget.

Only the articles a feed shows have their bodies sanitized, each at most once however many
feeds show it, and those rendered by an earlier build come from the index. A body can still
turn out unusable (the file became unreadable, or holds nothing once cleaned): the next
newest article takes its place, so a few spare candidates are fetched with each selection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from .budget import HEAD_BYTES, fitted
from .errors import ArticleError
from .index import ArticleIndex
from .model import Article, Entry, Site
from .settings import Settings

#: ``render(articles)``: each article's entry, or the error that keeps it out, in order.
RenderMany = Callable[[Sequence[Article]], Iterable[Entry | ArticleError]]
#: Candidates kept beyond ``limit`` in case some bodies turn out unusable.
SPARE = 16
#: Without a count limit, how many candidates are looked at first (the budget decides).
FIRST_GUESS = 64


@dataclass(frozen=True, slots=True)
class Selection:
    """The entries of every feed, newest first, and the articles that failed on the way."""

    entries: tuple[Entry, ...]  #: the main feed's
    by_category: dict[str, tuple[Entry, ...]]  #: each category feed's (none if switched off)
    problems: tuple[ArticleError, ...]  #: articles whose body could not be used
    sanitized: int  #: entries rendered now; the others came from the index

    def map(self, change: Callable[[Entry], Entry]) -> Selection:
        """The same selection with ``change`` made to every entry."""
        return replace(
            self,
            entries=tuple(map(change, self.entries)),
            by_category={
                name: tuple(map(change, chosen)) for name, chosen in self.by_category.items()
            },
        )


def select(index: ArticleIndex, render: RenderMany, settings: Settings) -> Selection:
    """Select the newest entries of the main feed and (``write_category_feeds``) of each
    category: ``limit`` at most (0: no count limit), and what fits the byte budget of a
    document (``max_feed_bytes``); render the ones the index does not hold yet. Entries come
    as feeds carry them (:func:`~feedgen_miit.budget.fitted`)."""
    budget = settings.max_feed_bytes
    chooser = _Chooser(index, render, settings.limit, budget - HEAD_BYTES, budget, settings.site)
    names = index.categories() if settings.write_category_feeds else []
    chooser.prefetch([None, *names])
    entries = chooser.newest(None)
    by_category = {name: chooser.newest(name) for name in names}
    return Selection(
        entries=tuple(entries),
        by_category={name: tuple(chosen) for name, chosen in by_category.items()},
        problems=tuple(chooser.failed.values()),
        sanitized=chooser.sanitized,
    )


@dataclass(slots=True)
class _Chooser:
    index: ArticleIndex
    render: RenderMany
    limit: int
    room: int  #: bytes a document's entries may take
    budget: int
    site: Site
    failed: dict[str, ArticleError] = field(default_factory=dict)
    sanitized: int = 0
    _entries: dict[str, Entry] = field(default_factory=dict)
    _candidates: dict[str | None, list[str]] = field(default_factory=dict)

    @property
    def _selection_size(self) -> int:
        """Candidates to look at first: ``limit`` and spares, or, without a count limit, a
        first guess of what fits the budget (more are fetched if it was too low)."""
        return (self.limit or FIRST_GUESS) + SPARE

    def prefetch(self, categories: Sequence[str | None]) -> None:
        """Render, all at once (so in a pool when there are many), every entry the feeds will
        likely need: the newest of each category (``None``: of all)."""
        asked: dict[str, None] = {}  # in order, each once
        for category in categories:
            candidates = self.index.newest(self._selection_size, category=category)
            self._candidates[category] = candidates
            asked.update(dict.fromkeys(candidates[: self.limit or FIRST_GUESS]))
        # One query per batch, not two per article (its record, then its entry).
        fresh = [source for source in asked if source not in self._entries]
        articles = [
            found
            for found in map(self._kept, self.index.with_entries(fresh))
            if isinstance(found, Article)
        ]
        for article, outcome in zip(articles, self.render(articles), strict=True):
            self._keep(article, outcome)

    def newest(self, category: str | None) -> list[Entry]:
        """The newest usable entries (of ``category``), newest first: ``limit`` at most, and
        what fits the room of a document."""
        keep = self._selection_size
        while True:
            candidates = self._candidates.pop(category, None) or self.index.newest(
                keep, category=category
            )
            entries: list[Entry] = []
            spent = 0
            full = False
            for source in candidates:
                if self.limit and len(entries) >= self.limit:
                    full = True
                    break
                entry = self._entry(source)
                if entry is None:
                    continue
                entry = fitted(entry, self.budget, self.site)
                if entries and spent + entry.cost > self.room:
                    full = True
                    break
                entries.append(entry)
                spent += entry.cost
            if full or len(candidates) < keep:
                return entries
            keep *= 2  # bodies failed, or small entries left room: rare; look further

    def _entry(self, source: str) -> Entry | None:
        """The entry of ``source`` (from the index, or rendered now), ``None`` if it failed."""
        if source in self.failed:
            return None
        entry = self._entries.get(source)
        if entry is not None:
            return entry
        found = self._lookup(source)
        if isinstance(found, Entry):
            return found
        (outcome,) = self.render([found])
        return self._keep(found, outcome)

    def _lookup(self, source: str) -> Article | Entry:
        """The stored entry of ``source`` (kept for later), else its article, to render."""
        (stored,) = self.index.with_entries([source])
        return self._kept(stored)

    def _kept(self, stored: tuple[Article, Entry | None]) -> Article | Entry:
        """The stored entry of an article (kept for later), else the article, to render."""
        article, entry = stored
        if entry is None:
            return article
        self._entries[article.source] = entry
        return entry

    def _keep(self, article: Article, outcome: Entry | ArticleError) -> Entry | None:
        if isinstance(outcome, ArticleError):
            self.failed[article.source] = outcome
            self.index.mark_failed(article.source, outcome)
            return None
        self.index.store_entry(outcome)
        self.sanitized += 1
        self._entries[article.source] = outcome
        return outcome
