"""Find the article files and their stamps fast enough to revisit 100,000 files nightly.

:func:`scan` is the one walk of an articles folder, used by builds and by ``check`` alike.
Hidden files and folders, editor backups (``name~``) and lock files (``.#name``, ``#name#``)
are never articles; symlinked folders are followed once, so a symlink loop is not a hang; the
order is ``PurePosixPath``'s; each file can be stat'ed on the way for the stamp a build
compares with its cache. A symbolic link that leads outside the folder is refused (one error
per link), unless ``outside_links`` allows it: it would publish whatever it points to, as
Jekyll's safe mode knows. It works on strings, not ``Path`` objects: about ten times faster,
which is what lets a warm rebuild stay under a second.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from .errors import ArticleError, ConfigError

#: Files changed this close (in ns) to the scan may change again within the same timestamp
#: tick without their stamp changing ("racy" files, as git calls them): check their content.
RACY_WINDOW_NS = 3_000_000_000


class Found(NamedTuple):
    """One article file: where it is, and a stamp that changes when the file may have."""

    source: str  #: relative to the articles folder, '/'-separated
    stamp: int  #: :func:`stamp_of` the file; :data:`UNSTAMPED` when it was not stat'ed
    racy: bool  #: changed so recently that an unchanged stamp proves nothing


#: The stamp of a file that was not stat'ed (or could not be): reading it takes its stamp.
UNSTAMPED = 0


class ScanResult(NamedTuple):
    """The article files found, and one error per file or folder that cannot be an article."""

    found: list[Found]
    problems: list[ArticleError]
    #: Files left out of ``found`` because their stamp is the one ``scan`` was told of.
    unchanged: list[str]


def scan(
    root: Path,
    patterns: tuple[str, ...],
    *,
    stamped_at: int | None = None,
    known: Mapping[str, int | None] | None = None,
    outside_links: bool = False,
) -> ScanResult:
    """Every article file under ``root``, in path order, with what could not be looked at.

    An unreadable subfolder or a file name that is not UTF-8 is a problem (its articles are
    left out); an unreadable ``root`` is a :class:`ConfigError`: nothing can be built.
    With ``stamped_at`` (the clock, in ns) each file is stat'ed for its :func:`stamp_of`;
    without, every file is :data:`UNSTAMPED` (a cold build reads every file anyway, and
    reading one gives its stamp). A file whose stamp is ``known[source]`` goes into
    ``unchanged`` instead of ``found``: a warm build compares 100,000 stamps without making
    a record of each. A symbolic link (to a file or a folder) whose target lies outside
    ``root`` is a problem, and not followed, unless ``outside_links``.
    """
    walker = _Walker(
        root,
        _matcher(patterns),
        _Outside(os.path.realpath(root), allowed=outside_links),
        _Listing(stamped_at, known or {}),
    )
    walker.walk(os.fspath(root), "")
    found = walker.listing.found
    if any("/" in item.source for item in found):
        found.sort(key=lambda item: path_order(item.source))
    else:
        found.sort(key=itemgetter(0))  # the source; faster than comparing whole tuples
    return ScanResult(found, walker.problems, walker.listing.unchanged)


@dataclass(slots=True)
class _Walker:
    """One walk of an articles folder (see :func:`scan`)."""

    root: Path
    wanted: Callable[[str], re.Match[str] | None]
    outside: _Outside
    listing: _Listing
    problems: list[ArticleError] = field(default_factory=list)
    seen_dirs: set[tuple[int, int]] = field(default_factory=set)

    def walk(self, folder: str, prefix: str) -> None:
        """Keep the article files under ``folder`` (``prefix``: its path in the root)."""
        try:
            # Each file is stat'ed by its name in the folder's descriptor: the kernel does
            # not walk the whole path again for each (a tenth of a warm scan's stat calls).
            directory = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError as error:
            self.problems.append(self._unreadable(folder, prefix, error))
            return
        try:
            folders = self._list(folder, prefix, directory)
        finally:
            os.close(directory)
        for path, name in folders:
            self.walk(path, f"{prefix}{name}/")

    def _list(self, folder: str, prefix: str, directory: int) -> list[tuple[str, str]]:
        """Keep the article files of ``folder`` (open as ``directory``); return its folders."""
        folders: list[tuple[str, str]] = []
        try:
            info = os.fstat(directory)
            if (info.st_dev, info.st_ino) in self.seen_dirs:
                return folders
            self.seen_dirs.add((info.st_dev, info.st_ino))
            entries = os.scandir(folder)
        except OSError as error:
            self.problems.append(self._unreadable(folder, prefix, error))
            return folders
        wanted, outside, listing = self.wanted, self.outside, self.listing
        with entries:  # one entry at a time: a folder may hold 100,000 files
            for entry in entries:
                name = entry.name
                try:
                    is_dir = entry.is_dir()  # from the listing (d_type): no system call
                except OSError:
                    is_dir = False
                if is_dir:
                    if name.startswith("."):
                        continue
                    if outside.refuses(entry):
                        self.problems.append(outside.error(entry.path, folder=True))
                    else:
                        folders.append((entry.path, name))
                elif wanted(name):
                    source = prefix + name
                    if (source.isascii() or _is_utf8(source)) and not outside.refuses(entry):
                        listing.add(source, name, directory)
                    else:
                        self.problems.append(_file_problem(entry, outside))
        return folders

    def _unreadable(self, folder: str, prefix: str, error: OSError) -> ArticleError:
        return _unreadable(folder, error, root=self.root if not prefix else None)


@dataclass(slots=True)
class _Listing:
    """The files a scan keeps, one :meth:`add` at a time."""

    stamped_at: int | None
    known: Mapping[str, int | None]
    found: list[Found] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def add(self, source: str, name: str, directory: int) -> None:
        """Keep the article file ``source`` (``name`` in the folder open as ``directory``),
        stamped if a stamp is wanted."""
        if self.stamped_at is None:
            self.found.append(Found(source, UNSTAMPED, True))
            return
        try:
            # os.stat(), not entry.stat(): the same answer, a fifth faster (no cache)
            info = os.stat(name, dir_fd=directory)
        except OSError:  # a dangling symlink: the loader reports it
            self.found.append(Found(source, UNSTAMPED, True))
            return
        stamp, racy = stamp_of(info, self.stamped_at)
        if self.known.get(source) == stamp:
            self.unchanged.append(source)
        else:
            self.found.append(Found(source, stamp, racy))


def _unreadable(folder: str, error: OSError, *, root: Path | None) -> ArticleError:
    """The problem of a subfolder that cannot be read; the error, if it is ``root`` itself."""
    if root is not None:
        raise ConfigError(f"{root}: cannot read the articles folder: {error.strerror or error}")
    return ArticleError(
        Path(folder),
        f"cannot read this folder ({error.strerror or error}); "
        "its articles were left out: fix its permissions",
    )


def _file_problem(entry: os.DirEntry[str], outside: _Outside) -> ArticleError:
    """Why the article file ``entry`` cannot be read (see :func:`scan`)."""
    if outside.refuses(entry):
        return outside.error(entry.path, folder=False)
    return ArticleError(
        Path(entry.path), "the file name is not valid UTF-8: rename the file (ids are made from it)"
    )


class _Outside:
    """Whether a symbolic link leads outside the articles folder (its real path ``root``),
    and may not be followed (unless ``allowed``)."""

    def __init__(self, root: str, *, allowed: bool) -> None:
        self._root = root
        self._inside = root.rstrip("/") + "/"
        self._allowed = allowed

    def refuses(self, entry: os.DirEntry[str]) -> bool:
        """Whether ``entry`` is a symbolic link whose target lies outside the folder."""
        # is_symlink() is the listing's (d_type): only a link costs a realpath().
        if self._allowed or not entry.is_symlink():
            return False
        target = os.path.realpath(entry.path)
        return target != self._root and not target.startswith(self._inside)

    @staticmethod
    def error(link: str, *, folder: bool) -> ArticleError:
        """The problem of the link ``link`` (to a folder or not), naming where it leads."""
        what = "a folder" if folder else "a file"
        left_out = "its articles were left out" if folder else "not read"
        return ArticleError(
            Path(link),
            f"a symbolic link to {what} outside the articles folder "
            f"({os.path.realpath(link)}): {left_out}, so that nothing outside is published "
            "by mistake; copy the file in, or set follow_outside_links = true",
        )


def discover(root: Path, patterns: tuple[str, ...]) -> list[Path]:
    """Every article file under ``root`` matching ``patterns``, in path order (folders that
    cannot be read are left out: :func:`scan` reports them)."""
    return [root / item.source for item in scan(root, patterns).found]


def stamp_of(info: os.stat_result, now_ns: int) -> tuple[int, bool]:
    """A file's stamp (a hash of size, mtime, ctime and inode; never :data:`UNSTAMPED`) and
    whether it is racy: changed within :data:`RACY_WINDOW_NS` of ``now_ns``."""
    mtime, ctime = info.st_mtime_ns, info.st_ctime_ns
    racy_after = now_ns - RACY_WINDOW_NS
    stamp = hash((info.st_size, mtime, ctime, info.st_ino)) or 1
    return stamp, mtime >= racy_after or ctime >= racy_after


def _is_utf8(name: str) -> bool:
    # os.scandir hands undecodable bytes over as lone surrogates (PEP 383).
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def path_order(source: str) -> str:
    """Sort key giving PurePosixPath's order: '/' sorts before any character a name holds."""
    return source.replace("/", "\0")


@lru_cache(maxsize=8)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """One compiled regex doing what ``fnmatch.fnmatchcase`` does for each pattern."""
    # Hidden files, editor backups (name~) and lock files (.#name, #name#) are never articles.
    junk = r"(?![.#])(?!.*~\Z)"
    either = "|".join(fnmatch.translate(p) for p in patterns) or "(?!)"
    return re.compile(f"{junk}(?:{either})", re.DOTALL).match
