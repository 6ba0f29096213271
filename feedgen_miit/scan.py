"""Find the article files and their stat stamps fast enough to revisit 100,000 files nightly.

:func:`scan` applies the same rules as :func:`feedgen_miit.loader.discover` (hidden files and
folders, editor backups and lock files skipped; symlinked folders followed once; the same
order) but works on strings and ``os.scandir`` stats instead of ``Path`` objects: about ten
times faster, which is what lets a warm rebuild stay under a second.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

#: Files changed this close (in ns) to the scan may change again within the same timestamp
#: tick without their stamp changing ("racy" files, as git calls them): check their content.
RACY_WINDOW_NS = 3_000_000_000


class Found(NamedTuple):
    """One article file: where it is, and a stamp that changes when the file may have."""

    source: str  #: relative to the articles folder, '/'-separated
    stamp: int  #: hash of size, mtime, ctime and inode; 0 when the file cannot be stat'ed
    racy: bool  #: changed so recently that an unchanged stamp proves nothing


def scan(root: Path, patterns: tuple[str, ...], *, now_ns: int) -> list[Found]:
    """Every article file under ``root``, in :func:`~feedgen_miit.loader.discover`'s order."""
    wanted = _matcher(patterns)
    found: list[Found] = []
    seen_dirs: set[tuple[int, int]] = set()
    racy_after = now_ns - RACY_WINDOW_NS

    def walk(folder: str, prefix: str) -> None:
        try:
            info = os.stat(folder)  # noqa: PTH116 - strings, not Paths: ten times faster
            if (info.st_dev, info.st_ino) in seen_dirs:
                return
            seen_dirs.add((info.st_dev, info.st_ino))
            entries = os.scandir(folder)
        except OSError:
            return  # like os.walk: an unreadable folder is skipped
        folders: list[tuple[str, str]] = []
        with entries:  # one entry at a time: a folder may hold 100,000 files
            for entry in entries:
                name = entry.name
                if _is_dir(entry):
                    if not name.startswith("."):
                        folders.append((entry.path, name))
                    continue
                if not wanted(name):
                    continue
                try:
                    stat = entry.stat()
                except OSError:  # a dangling symlink: the loader reports it
                    found.append(Found(prefix + name, 0, True))
                    continue
                mtime, ctime = stat.st_mtime_ns, stat.st_ctime_ns
                found.append(
                    Found(
                        prefix + name,
                        hash((stat.st_size, mtime, ctime, stat.st_ino)) or 1,
                        mtime >= racy_after or ctime >= racy_after,
                    )
                )
        for path, name in folders:
            walk(path, f"{prefix}{name}/")

    walk(os.fspath(root), "")
    if any("/" in item.source for item in found):
        found.sort(key=lambda item: path_order(item.source))
    else:
        found.sort()
    return found


def path_order(source: str) -> str:
    """Sort key giving PurePosixPath's order: '/' sorts before any character a name holds."""
    return source.replace("/", "\0")


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


@lru_cache(maxsize=8)
def _matcher(patterns: tuple[str, ...]) -> Callable[[str], re.Match[str] | None]:
    """One compiled regex doing what ``fnmatch.fnmatchcase`` does for each pattern."""
    # Hidden files, editor backups (name~) and lock files (.#name, #name#) are never articles.
    junk = r"(?![.#])(?!.*~\Z)"
    either = "|".join(fnmatch.translate(p) for p in patterns) or "(?!)"
    return re.compile(f"{junk}(?:{either})", re.DOTALL).match
