"""Every article in some feed document: RFC 5005 archived feeds, each under the byte budget.

A subscription document (``atom.xml``, ``rss.xml``, ``feed.json``, each category's feed)
holds the newest articles that fit both ``limit`` and ``max_feed_bytes``. Every other article
is in an *archive document* (RFC 5005 section 4): ``fh:archive``, a ``current`` link to the
subscription document, ``prev-archive``/``next-archive`` links to its neighbours, and the
subscription document links its newest archive with ``prev-archive`` (or says
``fh:complete`` when it holds the whole history). JSON Feed pages link older pages with
``next_url``. A reader that follows them (NewsBlur's archive, AntennaPod, gPodder...) gets
the whole history; one that does not still gets a feed of readable size.

Archive documents are meant never to change, so their boundaries are kept, not computed:
the index records which document each article is in (:meth:`ArticleIndex.place`). An
article that leaves a subscription document goes into the newest archive document while it
has room, else into a new one (the one before gains its ``next-archive`` link). An article
that changes stays where it is, unless its document would outgrow the budget; one that goes
leaves its document. So a nightly build that adds articles writes the subscription
documents and the newest archive documents, and nothing else of the history.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

from .budget import ENTRY_SHARE, HEAD_BYTES, fitted
from .index import ArticleIndex
from .layout import MAIN_FEED as MAIN
from .model import Documents, Entry
from .outputs import FeedDocument, render_document
from .pages import without_site_pictures
from .publish import invalid_output, output_problems
from .scan import path_order
from .selection import Selection
from .settings import Settings

#: Bytes of archive documents rendered before they are published (memory stays bounded),
#: counted as their entries' costs (an upper bound).
BATCH_BYTES = 4 * 1024 * 1024


def place_articles(
    index: ArticleIndex, selection: Selection, *, added: Sequence[str], settings: Settings
) -> Documents:
    """Bring every feed's placements up to date with this build's subscription documents
    (``selection``) and its new (``added``) and changed articles; return how many archive
    documents each feed has (none when ``settings.write_archives`` is off). A new byte
    budget or ``base_url`` (entries' costs count their addresses) fills them afresh."""
    windows = {MAIN: selection.entries, **selection.by_category}
    feeds = [feed for feed, window in windows.items() if window]
    if not settings.write_archives:
        feeds = []
    index.keep_archives(feeds)
    if not feeds:
        return Documents({})
    budget = settings.max_feed_bytes
    room = budget - HEAD_BYTES
    index.fill_archives_against(f"{budget} {settings.base_url}")
    placed = set(index.archive_feeds())
    touched: list[str] = []
    members: dict[str, tuple[str, ...]] = {}
    if placed:
        touched = sorted(index.touched() | set(added), key=path_order)
        members = _members(index, touched)
    pages: dict[str, int] = {}
    for feed in feeds:
        window = [entry.article.source for entry in windows.get(feed, ())]
        costs = {entry.article.source: entry.cost for entry in windows.get(feed, ())}
        documents = _Feed(index, feed, room)
        if feed in placed:
            pages[feed] = documents.update(window, costs, touched, members)
        else:  # the first build, or the feed is new (or switched on): all of it is new here
            pages[feed] = documents.fill(window, costs)
    return Documents(pages)


def archive_paths(documents: Documents, feeds: Sequence[FeedDocument]) -> set[str]:
    """Every archive document that should be out: what the published record keeps."""
    return {
        feed.page_path(page) for feed in feeds for page in range(1, documents.newest(feed.feed) + 1)
    }


@dataclass(frozen=True, slots=True)
class ArchivePage:
    """One page of a feed's archive documents, in each of the feed's formats, with its
    entries: what :func:`render_archive_page` renders (in a worker process, when there are
    many: the build's own process is the wall-time floor of a cold build)."""

    formats: tuple[FeedDocument, ...]
    page: int
    entries: tuple[Entry, ...]
    newest: int  #: the feed's newest archive document

    def paths(self) -> list[str]:
        """Where its documents go, in the order of :attr:`formats`."""
        return [document.page_path(self.page) for document in self.formats]


def render_archive_page(settings: Settings, page: ArchivePage) -> list[bytes]:
    """The documents of ``page``, in the order of its formats."""
    return [
        render_document(document, page.page, page.entries, settings, newest=page.newest,
                        archives=True)
        for document in page.formats
    ]  # fmt: skip


@dataclass(frozen=True, slots=True)
class CheckedPage:
    """The documents of an :class:`ArchivePage`, and what keeps them from being published."""

    documents: list[bytes]  #: in the order of the page's formats
    problems: list[str]  #: :func:`~feedgen_miit.publish.output_problems`, of every document


def checked_archive_page(settings: Settings, page: ArchivePage) -> CheckedPage:
    """The documents of ``page``, checked where they are rendered: the checks (RELAX NG and
    the Schematron rules) took 3.3 s of the build process's CPU in a cold build of 10,000
    articles, which on two cores is the critical path, while the workers waited."""
    documents = render_archive_page(settings, page)
    problems = [
        problem
        for path, data in zip(page.paths(), documents, strict=True)
        for problem in output_problems(str(settings.output_dir / path), data)
    ]
    return CheckedPage(documents, problems)


#: ``render(pages)``: each page's :func:`checked_archive_page`, in order.
RenderPages = Callable[[Sequence[ArchivePage]], Iterable[CheckedPage]]


def archive_files(
    index: ArticleIndex,
    documents: Documents,
    feeds: Sequence[FeedDocument],
    settings: Settings,
    pictures: frozenset[str],
    *,
    render: RenderPages | None = None,
) -> Iterator[tuple[dict[str, bytes], list[tuple[str, int]]]]:
    """The archive documents to write again, in batches of about :data:`BATCH_BYTES`: each
    batch's files, checked (publish them with ``checked=True``), and the ``(feed, page)``
    they are (to note once they are out). Raises :class:`PublishError` when a document
    fails its checks.

    This process reads each page's entries from the index; ``render`` renders and checks a
    batch of pages (by default here, one after the other)."""
    if render is None:
        render = partial(map, partial(checked_archive_page, settings))
    due: list[ArchivePage] = []
    done: list[tuple[str, int]] = []
    size = 0
    for feed, pages in sorted(index.archive_dirty().items()):
        formats = tuple(document for document in feeds if document.feed == feed)
        newest = documents.newest(feed)
        if newest and max(pages) > newest:
            pages.add(newest)  # the documents after it went: it loses its next-archive link
        for page in sorted(pages):
            if formats and 0 < page <= newest:
                entries = []
                for _, stored in index.with_entries(index.on_page(feed, page)):
                    if stored is not None:
                        shown = without_site_pictures(stored, pictures)
                        entries.append(fitted(shown, settings.max_feed_bytes, settings.site))
                due.append(ArchivePage(formats, page, tuple(entries), newest))
                # What its documents take at most: an entry's cost bounds it in any format.
                size += len(formats) * (HEAD_BYTES + sum(entry.cost for entry in entries))
            done.append((feed, page))
            if size >= BATCH_BYTES:
                yield _rendered(due, render), done
                due, done, size = [], [], 0
    if due or done:
        yield _rendered(due, render), done


def _rendered(pages: Sequence[ArchivePage], render: RenderPages) -> dict[str, bytes]:
    """The documents of ``pages`` by path, rendered and checked by ``render``."""
    files: dict[str, bytes] = {}
    problems: list[str] = []
    for page, rendered in zip(pages, render(pages), strict=True):
        files.update(zip(page.paths(), rendered.documents, strict=True))
        problems += rendered.problems
    if problems:
        raise invalid_output(problems)
    return files


def _members(index: ArticleIndex, sources: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """``source -> feeds it belongs to`` (the main feed and its categories), for the usable
    ones among ``sources``; the others belong to none.

    From the index's categories, not from whole articles: after the index started afresh
    (a new version, other settings) every article is touched, and reading 100,000 articles
    whole to learn their categories took that build's peak to 291 MB (138 MB without).
    """
    categories = index.categories_of(sources)
    return {source: (MAIN, *categories.get(source, ())) for source in index.sources_among(sources)}


@dataclass(slots=True)
class _Feed:
    """One feed's documents while they are brought up to date."""

    index: ArticleIndex
    feed: str
    room: int  #: bytes an archive document's entries may take

    def update(
        self,
        window: Sequence[str],
        costs: Mapping[str, int],
        touched: Sequence[str],
        members: Mapping[str, tuple[str, ...]],
    ) -> int:
        """Place this build's window on page 0 and everything else of the feed in archive
        documents; return the newest archive document's number."""
        index, feed = self.index, self.feed
        in_window = set(window)
        before = set(index.on_page(feed, 0))
        mine = [s for s in touched if feed in members.get(s, ())]
        placed = index.placements(feed, [*touched, *before])
        for source in touched:
            if feed not in members.get(source, ()) and source in placed:
                index.unplace(feed, source)
        # Into the archives: what left the window (and still belongs to this feed: an
        # untouched article does), and what is new here but not in it.
        changed = set(touched)
        leaving = [
            s
            for s in before
            if s not in in_window and (s not in changed or feed in members.get(s, ()))
        ]
        waiting = [s for s in mine if s not in in_window and s not in placed]
        waiting += [s for s in leaving if s not in waiting]
        for source in window:
            if placed.get(source, (None,))[0] != 0 or source in mine:
                index.place(feed, source, 0, costs.get(source, 0))
        # The costs of the documents this can change: those of the changed articles, and
        # the newest (it takes what goes into the archives).
        newest = index.newest_archive(feed)
        pages = index.archive_costs(feed, {newest, *(placed.get(s, (0, 0))[0] for s in mine)})
        # An article that changed stays in its document, unless the document outgrew the room.
        for source in mine:
            page = placed.get(source, (0, 0))[0]
            if source in in_window or page == 0:
                continue
            cost = self._bounded(index.costs([source]).get(source, 0))
            if pages.get(page, 0) - placed[source][1] + cost <= self.room:
                index.place(feed, source, page, cost)
                pages[page] = pages.get(page, 0) - placed[source][1] + cost
            else:
                index.unplace(feed, source)
                pages[page] = pages.get(page, 0) - placed[source][1]
                waiting.append(source)
        waiting = _oldest_first(index, waiting)
        costs_of_waiting = index.costs(waiting)
        return self._append(((s, costs_of_waiting.get(s, 0)) for s in waiting), pages)

    def fill(self, window: Sequence[str], costs: Mapping[str, int]) -> int:
        """Place a feed that has no documents yet: the window on page 0, every other article
        in archive documents, oldest first, streamed from the index (what :meth:`update`
        does with every article touched, without holding them all)."""
        in_window = set(window)
        for source in window:
            self.index.place(self.feed, source, 0, costs.get(source, 0))
        every = self.index.every_oldest_first(self.feed or None)
        return self._append(((s, cost) for s, cost in every if s not in in_window), {})

    def _bounded(self, cost: int) -> int:
        """What an entry of ``cost`` takes of a document: an entry too big for a quarter of
        one goes out as its summary, far smaller (:func:`~feedgen_miit.budget.fitted`), so a
        quarter of the room bounds it. Placed and replaced alike: an article that changed
        and was weighed whole overflowed its document and moved to the newest."""
        return min(cost, self.room // ENTRY_SHARE)

    def _append(self, placed: Iterable[tuple[str, int]], pages: dict[int, int]) -> int:
        """Put each ``(source, cost)`` of ``placed`` (oldest first) into the newest archive
        document while it has room, then into new ones; return the newest document's number."""
        newest = max(pages, default=0)
        spent = pages.get(newest, 0)
        for source, full_cost in placed:
            cost = self._bounded(full_cost)
            if newest == 0 or (spent and spent + cost > self.room):
                if newest:
                    self.index.mark_archive_dirty(self.feed, newest)  # it gains a next link
                newest, spent = newest + 1, 0
            self.index.place(self.feed, source, newest, cost)
            spent += cost
        return newest


def _oldest_first(index: ArticleIndex, sources: Sequence[str]) -> list[str]:
    dated = index.dates(sources)
    return sorted(dated, key=lambda source: (dated[source], path_order(source)))
