"""Publish output files: checked first, all or nothing, atomically, and only when they changed.

A feed reader may fetch the output folder at any moment, and the build may die at any moment
(disk full, killed by cron, power cut). So :func:`publish`

1. checks every file (:mod:`feedgen_miit.validate`) before touching any of them;
2. writes each changed file to a temporary file beside it, then makes them all durable at
   once (``syncfs``, else an ``fsync`` each);
3. renames them over the old files (``os.replace``, atomic on POSIX), keeping hard links to the
   old files so that a failure part-way puts every file back;
4. fsyncs the folders, so the renames survive a crash.

A reader therefore sees the old files or the new ones, never a mix or a torn file. A file whose
bytes did not change is not rewritten at all: its mtime (and the HTTP ``Last-Modified``/``ETag``
a web server derives from it) stays.

Nothing is written, read or removed through a symbolic link inside the output folder (a
``categories`` that links to ``/etc``, an ``atom.xml`` that links to a private file): such a
link is an error that names it, and nothing is published. The output folder itself may be a
link.

:func:`output_lock` keeps two builds from writing the same folder at once.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import logging
import os
import queue
import re
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import cast

from . import delivery, validate
from .errors import ConfigError, PublishError, quoted

log = logging.getLogger(__name__)

#: The lock file older versions kept in the output folder (a build removes it).
OLD_LOCK_NAME = ".feedgen-miit.lock"
#: How often a waiting build retries the lock.
_LOCK_POLL_SECONDS = 0.1
#: ``fsync`` of a folder fails with these where a filesystem cannot do it; that is not an error.
_FSYNC_UNSUPPORTED = frozenset({errno.EINVAL, errno.ENOTSUP, errno.EBADF, errno.EROFS})


@dataclass(frozen=True, slots=True)
class PublishResult:
    """Which files were replaced and which already held the same bytes."""

    written: tuple[Path, ...]
    unchanged: tuple[Path, ...]
    copies: tuple[Path, ...] = ()  #: precompressed copies written


class LockTimeoutError(PublishError):
    """Another build holds the output folder's lock, and it was not freed in time."""


@dataclass(slots=True)
class _Staged:
    target: Path
    temporary: Path
    existed: bool
    size: int
    backup: Path | None = None
    replaced: bool = False
    old_data: bytes | None = field(default=None, repr=False)


def publish(
    output_dir: Path,
    files: Mapping[str, bytes] | Iterable[tuple[str, bytes]],
    *,
    compress: bool = False,
    checked: bool = False,
) -> PublishResult:
    """Publish each ``name -> bytes`` under ``output_dir``: all of them, or none.

    ``name`` is a '/'-separated path relative to ``output_dir`` (``atom.xml``,
    ``categories/x.xml``). ``files`` is a mapping or a stream of ``(name, bytes)`` pairs;
    each file is checked, compared and staged as it comes, then let go, so that publishing
    every listing page of 100,000 articles holds one page at a time. Raises
    :class:`PublishError` when a file is invalid or cannot be written; the files published
    before are then exactly as they were. With ``compress``, each text file goes out with its
    precompressed copies (:func:`delivery.compressed`), in the same all-or-nothing step, with
    the file's mtime; a copy this installation no longer writes (``.br`` without brotli) is
    removed, never left stale. ``checked``: the caller had every file checked already, as
    :func:`output_problems` does (the archive documents are, by the workers that render
    them).
    """
    suffixes = delivery.compressors() if compress else ()
    real: set[Path] = set()
    names: list[str] = []
    invalid: list[str] = []
    out = _Outgoing(_new_file_mode())  # asked before the copier's threads run (see there)
    with _Copier(out.new_mode) as copier:
        try:
            for name, data in files.items() if isinstance(files, Mapping) else files:
                names.append(name)
                target = _target(output_dir, name, real)
                if not checked:
                    invalid += output_problems(str(target), data)
                if invalid:  # nothing will go out: only find the other invalid files
                    continue
                if len(names) == 1:
                    _make_output_folder(output_dir)
                old = _read_if_present(target)
                out.put(target, data, old)
                if _needs_copies(target, suffixes, kept=old == data):
                    copier.submit(target, data)
                out.take_copies(copier.made())
            if invalid:
                raise invalid_output(invalid)
            out.take_copies(copier.made(every=True))
            _commit(out.staged)
        except BaseException:
            _roll_back(out.staged)
            raise
        finally:
            for item in out.staged:
                if not item.replaced:  # once renamed into place, its temporary name is gone
                    _remove(item.temporary)
                if item.backup is not None:
                    _remove(item.backup)
    for item in out.staged:
        log.debug("%s: written (%d bytes)", item.target, item.size)
    copies = out.copies
    _match_copies(output_dir, names, copies, suffixes)
    return PublishResult(
        tuple(item.target for item in out.staged if item.target not in copies),
        tuple(path for path in out.unchanged if path not in copies),
        copies=tuple(item.target for item in out.staged if item.target in copies),
    )


@dataclass(slots=True)
class _Outgoing:
    """What one :func:`publish` has staged so far, and what it found unchanged."""

    new_mode: int  #: the mode of a new file (:func:`_new_file_mode`)
    staged: list[_Staged] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    copies: set[Path] = field(default_factory=set)  #: every precompressed copy among them

    def put(self, path: Path, content: bytes, before: bytes | None) -> None:
        """Stage ``content`` for ``path``, unless its published file, ``before``, holds it."""
        if before == content:
            log.debug("%s: unchanged", path)
            self.unchanged.append(path)
        else:
            existed = before is not None
            self.staged.append(_stage(path, content, existed=existed, new_mode=self.new_mode))

    def take_copies(self, made: Iterable[_Copies]) -> None:
        """Take the copies :class:`_Copier` staged (``None``: unchanged)."""
        for pairs in made:
            for copy, item in pairs:
                self.copies.add(copy)
                if item is None:
                    log.debug("%s: unchanged", copy)
                    self.unchanged.append(copy)
                else:
                    self.staged.append(item)


def output_problems(name: str, data: bytes) -> list[str]:
    """Every reason not to publish ``data`` as ``name`` (:func:`validate.problems`), each
    naming the file: what :func:`publish` checks, for a caller that checks elsewhere (in a
    worker process) and publishes with ``checked=True``."""
    return [f"{name}: {problem}" for problem in validate.problems(name, data)]


def invalid_output(problems: Sequence[str]) -> PublishError:
    """The error of a build whose output failed its checks (each of ``problems`` names its
    file): nothing goes out."""
    return PublishError(
        "the new output is invalid, so nothing was published (the old files are "
        "unchanged); this is a bug in feedgen-miit, please report it: " + "; ".join(problems)
    )


def _make_output_folder(output_dir: Path) -> None:
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PublishError(
            f"{output_dir}: cannot create the output folder: {_reason(error)}"
        ) from error


def _needs_copies(target: Path, suffixes: tuple[str, ...], *, kept: bool) -> bool:
    """Whether ``target`` needs its precompressed copies made.

    A file ``kept`` (out with these very bytes) with all its copies keeps them: compressing a
    feed again (brotli at its best, 0.2 s for 400 kB) would give the same bytes.
    """
    if not suffixes or not target.name.endswith(delivery.COMPRESSIBLE):
        return False
    return not kept or not all(
        target.with_name(target.name + suffix).is_file() for suffix in suffixes
    )


#: Files whose copies may wait to be made at once: bounds the bytes held (at most 32 feed
#: documents of ``max_feed_bytes``), while the copier's threads keep busy.
COMPRESSING_AHEAD = 32
#: Threads that compress. One was the critical path of a cold build of 10,000 articles
#: with every output: busy 17.7 s, and the build's main thread waited 11.5 s of its 40 s
#: for it, while the workers were idle for much of that time. Two: 35.4 s -> 29.6 s.
COMPRESSING_THREADS = 2


#: Seconds a publish that is left waits for the copier's threads to end: one copy takes
#: milliseconds; the bound is for a thread that can never end (see :class:`_Copier`).
COPIER_STOPS_WITHIN = 5.0
#: The copies of one file: each with what was staged for it, ``None`` if it is unchanged.
_Copies = list[tuple[Path, "_Staged | None"]]


class _Copier:
    """Makes and stages the precompressed copies (:func:`delivery.compressed`) of the files
    handed to it in threads of its own (:data:`COMPRESSING_THREADS`), while the caller goes
    on staging (or rendering) the next ones.

    zlib and brotli let go of the GIL while they compress, and so do the system calls that
    write a file: on two cores that time leaves the build's critical path. Compressing
    every page and feed (gzip 9, brotli 6) took 1.1-1.3 s of the parent's ~7 s in a cold
    build of 1,000 articles, and staging the 2,262 copies 0.7 s more. At most
    :data:`COMPRESSING_AHEAD` files wait; their copies come back in the order the files
    were handed in, each staged (:class:`_Staged`) or ``None`` when the published copy
    already holds those bytes. Leaving the ``with`` cancels what has not started, waits for
    what has (a few milliseconds), and removes the temporaries of copies never taken.

    The threads and this one share no lock written in Python, only ``SimpleQueue`` objects
    (C): a SIGINT or SIGTERM raises where this thread happens to be, and raised inside a
    lock's ``__enter__`` it leaves the lock held. With a ``ThreadPoolExecutor`` that was its
    idle semaphore: its threads waited for it forever, and the interrupted build for them.
    The threads are daemons, and are waited for at most :data:`COPIER_STOPS_WITHIN` s.
    """

    def __init__(self, new_mode: int) -> None:
        self._new_mode = new_mode  #: the mode of a new file (the threads must not ask umask)
        self._threads: list[threading.Thread] = []
        self._tasks: queue.SimpleQueue[tuple[int, Path, bytes] | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[int, _Copies | BaseException]] = queue.SimpleQueue()
        self._stop = threading.Event()  # set here only; the threads just look at it
        self._arrived: dict[int, _Copies | BaseException] = {}
        self._submitted = 0
        self._taken = 0

    def __enter__(self) -> _Copier:
        return self

    def __exit__(self, *exception: object) -> None:
        if not self._threads:
            return
        self._stop.set()
        for _ in self._threads:
            self._tasks.put(None)
        deadline = time.monotonic() + COPIER_STOPS_WITHIN
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._collect()
        for copies in self._arrived.values():  # only when publishing failed: none go out
            if not isinstance(copies, BaseException):
                for _, item in copies:
                    if item is not None:
                        _remove(item.temporary)
        self._arrived.clear()

    def submit(self, target: Path, data: bytes) -> None:
        """Have the copies of ``data``, the bytes of ``target``, made and staged."""
        if not self._threads:  # most publishes of a warm build compress nothing
            for number in range(COMPRESSING_THREADS):
                thread = threading.Thread(
                    target=_copy_in_turn,
                    args=(self._tasks, self._done, self._stop, self._new_mode),
                    name=f"feedgen-miit-compress_{number}",
                    daemon=True,
                )
                thread.start()
                # Only once started: an interrupt inside start() leaves a thread that cannot
                # be joined; not on the list, it waits on the empty queue until the end.
                self._threads.append(thread)
        self._tasks.put((self._submitted, target, data))
        self._submitted += 1

    def made(self, *, every: bool = False) -> Iterator[_Copies]:
        """The copies of each file, in order: of the ones done already, and of as many more
        as it takes to have at most :data:`COMPRESSING_AHEAD` waiting (``every``: all)."""
        while self._taken < self._submitted:
            if not every and self._submitted - self._taken <= COMPRESSING_AHEAD:
                self._collect()
                if self._taken not in self._arrived:
                    return
            while self._taken not in self._arrived:
                number, copies = self._done.get()
                self._arrived[number] = copies
            copies = self._arrived.pop(self._taken)
            self._taken += 1
            if isinstance(copies, BaseException):
                raise copies
            yield copies

    def _collect(self) -> None:
        """Take in the copies made so far, without waiting."""
        while True:
            try:
                number, copies = self._done.get_nowait()
            except queue.Empty:
                return
            self._arrived[number] = copies


def _copy_in_turn(
    tasks: queue.SimpleQueue[tuple[int, Path, bytes] | None],
    done: queue.SimpleQueue[tuple[int, _Copies | BaseException]],
    stop: threading.Event,
    new_mode: int,
) -> None:
    """A copier's thread: stage the copies of each file of ``tasks`` (numbered) into
    ``done``, or the exception that stopped it, until ``None``; skip those left after
    ``stop``."""
    while (task := tasks.get()) is not None:
        number, target, data = task
        if stop.is_set():
            continue
        try:
            result: _Copies | BaseException = _stage_copies(target, data, new_mode)
        except BaseException as error:  # handed to the publishing thread, which raises it
            result = error
        done.put((number, result))


def _stage_copies(target: Path, data: bytes, new_mode: int) -> _Copies:
    """Compress ``data`` (the bytes of ``target``) into its copies, and stage each one
    whose published copy holds other bytes; ``None`` for the others. Run by :class:`_Copier`
    (``target``'s folder is made, and checked for links, by then); on a failure, the copies
    staged already are removed."""
    made: _Copies = []
    try:
        for suffix, content in delivery.compressed(data).items():
            copy = target.with_name(target.name + suffix)
            before = _read_if_present(copy)
            staged: _Staged | None = None
            if before != content:
                staged = _stage(copy, content, existed=before is not None, new_mode=new_mode)
            made.append((copy, staged))
    except BaseException:
        for _, taken in made:
            if taken is not None:
                _remove(taken.temporary)
        raise
    return made


def _match_copies(
    output_dir: Path, names: Iterable[str], copies: set[Path], produced: tuple[str, ...]
) -> None:
    """Give each copy its file's mtime (a server derives Last-Modified from each), and remove
    the copies of these files that were not written now, nor kept (``_needs_copies``) with a
    suffix still ``produced``: they would be stale."""
    for name in names:
        target = output_dir / name
        try:
            stamp = target.stat()
        except OSError:
            continue
        for suffix in delivery.COPY_SUFFIXES:
            copy = target.with_name(target.name + suffix)
            if copy in copies or suffix in produced:
                with contextlib.suppress(OSError):
                    if copy.stat().st_mtime_ns != stamp.st_mtime_ns:
                        os.utime(copy, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
            elif name.endswith(delivery.COMPRESSIBLE):
                _remove(copy)


def write_atomic(path: Path, data: bytes) -> bool:
    """Publish one file (no content check); return ``False`` if it already held ``data``."""
    old = _read_if_present(path)
    if old == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    staged = [_stage(path, data, existed=old is not None, new_mode=_new_file_mode())]
    try:
        _commit(staged)
    except BaseException:
        _roll_back(staged)
        raise
    finally:
        _remove(staged[0].temporary)
        if staged[0].backup is not None:
            _remove(staged[0].backup)
    return True


def remove_published(output_dir: Path, names: Iterable[str]) -> list[Path]:
    """Remove published files the build produces no more (a gone article's page, the feed
    of a category without articles...), and folders they leave empty; return the removed.

    Call it only once the new files are out, so that nothing links to what goes. A file
    that is already gone is no error.
    """
    removed: list[Path] = []
    folders: set[Path] = set()
    real: set[Path] = set()
    for name in names:
        try:
            target = _target(output_dir, name, real)
        except PublishError as error:
            log.warning("%s; it stays published", error)
            continue
        for suffix in delivery.COPY_SUFFIXES:  # its precompressed copies go with it
            _remove(target.with_name(target.name + suffix))
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        except OSError as error:
            log.warning("%s: cannot remove it (%s); it stays published", target, _reason(error))
            continue
        removed.append(target)
        folders.add(target.parent)
        log.debug("%s: removed (produced no more)", target)
    for emptied in sorted(folders, key=lambda path: len(path.parts), reverse=True):
        folder = emptied
        while folder != output_dir and folder.is_relative_to(output_dir):
            try:
                folder.rmdir()  # only if empty
            except OSError:
                break
            folder = folder.parent
    for folder in {path.parent for path in removed if path.parent.exists()} | {output_dir}:
        with contextlib.suppress(PublishError):
            _fsync_directory(folder)
    return removed


#: What older versions kept in the output folder, which is published: their index (and its
#: journal) and their lock.
_PRIVATE_LEFTOVERS = (
    ".feedgen-miit-cache.sqlite",
    ".feedgen-miit-cache.sqlite-journal",
    ".feedgen-miit-cache.sqlite-wal",
    ".feedgen-miit-cache.sqlite-shm",
    OLD_LOCK_NAME,
)


def remove_private_leftovers(output_dir: Path) -> None:
    """Remove the index and lock that older versions kept in the output folder: a web server
    would publish them (every article's path and id, a pid). Call it holding the lock."""
    for name in _PRIVATE_LEFTOVERS:
        path = output_dir / name
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            log.info("%s: removed (this version keeps its index out of the web root)", path)


def remove_leftovers(output_dir: Path, names: Iterable[str]) -> list[Path]:
    """Delete temporary and backup files a killed build left beside the files ``names``.

    Each folder is listed once, however many of the files it holds: listing ``categories/``
    once per category feed made an unchanged rebuild of 5,000 categories take minutes.
    Call it only while holding :func:`output_lock`: then no other build is writing them.
    """
    real: set[Path] = set()
    by_folder: dict[Path, set[str]] = {}
    for name in names:
        target = _target(output_dir, name, real)
        targets = by_folder.setdefault(target.parent, set())
        targets.add(target.name)
        targets.update(target.name + suffix for suffix in delivery.COPY_SUFFIXES)
    removed: list[Path] = []
    for folder, targets in sorted(by_folder.items()):
        removed += _remove_leftovers_in(folder, functools.partial(_meets, targets))
    return removed


def sweep_leftovers(output_dir: Path) -> list[Path]:
    """Delete the temporary and backup files a build killed while publishing left anywhere
    in the output folder (article pages and archives go out in batches, so that is not only
    beside the files this build writes). Walks the whole tree, links not followed: call it
    only after such a build (:meth:`ArticleIndex.publishing_was_cut`), holding the lock."""
    removed: list[Path] = []
    folders = [output_dir]
    while folders:
        folder = folders.pop()
        removed += _remove_leftovers_in(folder, _names_an_output)
        with contextlib.suppress(OSError), os.scandir(folder) as listing:
            folders += [Path(e.path) for e in listing if e.is_dir(follow_symlinks=False)]
    return removed


def _meets(targets: set[str], names: set[str]) -> bool:
    return not targets.isdisjoint(names)


def _names_an_output(names: set[str]) -> bool:
    return any(name.endswith(_OUTPUT_SUFFIXES) for name in names)


#: What a build writes: text files and their compressed copies.
_OUTPUT_SUFFIXES = delivery.COMPRESSIBLE + delivery.COPY_SUFFIXES


def _remove_leftovers_in(folder: Path, of: Callable[[set[str]], bool]) -> list[Path]:
    """Remove the files in ``folder`` that are a temporary or backup of a file whose names
    ``of`` accepts; return them."""
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError:
        return []
    removed: list[Path] = []
    for entry in entries:
        names = _leftover_of(entry.name)
        if names and of(names) and entry.is_file(follow_symlinks=False):
            path = Path(entry.path)
            _remove(path)
            removed.append(path)
            log.info("%s: removed, left over by an interrupted build", path)
    return removed


#: What :func:`_create_temporary` (8 hex digits; ``mkstemp``'s 8 characters before) and
#: :func:`_backup` name their files.
_TEMPORARY = re.compile(r"\.(.+)\.[A-Za-z0-9_]{8}\Z", re.DOTALL)
_BACKUP = re.compile(r"\.(.+)\.[0-9a-f]{12}\.old\Z", re.DOTALL)


def _leftover_of(name: str) -> set[str]:
    """The file names whose temporary or backup file ``name`` may be (none, usually)."""
    if not name.startswith("."):
        return set()
    return {found.group(1) for found in (_TEMPORARY.match(name), _BACKUP.match(name)) if found}


def require_apart(articles_dir: Path, output_dir: Path) -> None:
    """Refuse (:class:`ConfigError`) an output folder inside the articles folder, equal to
    it, or holding it: the next build would read its own pages as articles (each an error,
    every night), or publish into the folder it reads. Compared as real paths: a symlink
    does not hide it. Call it before the output folder is made."""
    articles, output = articles_dir.resolve(), output_dir.resolve()
    if output == articles or output.is_relative_to(articles):
        where = "is the articles folder" if output == articles else f"is inside {articles_dir}"
        raise ConfigError(
            f"{output_dir}: the output folder {where}, so the next build would read its own "
            "pages as articles; write the output outside it (--out, output_dir)"
        )
    if articles.is_relative_to(output):
        raise ConfigError(
            f"{articles_dir}: the articles folder is inside the output folder {output_dir}, "
            "so a build would publish into the folder it reads (and serve the raw articles); "
            "keep the two apart (--out, output_dir)"
        )


@contextlib.contextmanager
def output_lock(output_dir: Path, *, timeout: float, note: Path | None = None) -> Iterator[Path]:
    """Hold the output folder's lock; wait up to ``timeout`` seconds for another build.

    The lock is ``fcntl.flock`` on the folder itself, so that nothing of the build's own lies
    in the web root, and two builds of one folder exclude each other whatever their settings.
    The kernel drops it when its holder exits, however it dies: a killed build never leaves
    a stale lock behind. ``note`` is a file (beside the index) where the holder writes its pid
    and start time, for the message a waiting build shows.
    """
    try:
        output_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(output_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as error:
        raise PublishError(
            f"{output_dir}: cannot create the output folder: {_reason(error)}"
        ) from error
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeoutError(_busy_message(output_dir, note, timeout)) from None
                time.sleep(_LOCK_POLL_SECONDS)
            except OSError as error:
                raise PublishError(f"{output_dir}: cannot lock: {_reason(error)}") from error
        if note is not None:
            _record_holder(note)
        log.debug("%s: locked", output_dir)
        yield output_dir
    finally:
        os.close(descriptor)  # releases the lock


# -- steps ----------------------------------------------------------------------------------


def _checked_name(name: str) -> PurePosixPath:
    relative = PurePosixPath(name)
    if (
        not name
        or relative.is_absolute()
        or any(part in {"", ".", ".."} or part.startswith(".") for part in relative.parts)
    ):
        raise PublishError(
            f"{quoted(name)} is not a valid output file name "
            "(a relative path without '..' or hidden parts); this is a bug in feedgen-miit"
        )
    return relative


def _target(output_dir: Path, name: str, real: set[Path]) -> Path:
    """Where the output file ``name`` goes, once no folder on the way there is a symbolic
    link (``real`` holds the folders known not to be, and learns the others)."""
    relative = _checked_name(name)
    folder = output_dir
    for part in relative.parts[:-1]:
        folder = folder / part
        if folder in real:
            continue
        try:
            is_link = stat.S_ISLNK(os.lstat(folder).st_mode)
        except OSError:
            break  # missing (made when written) or unreadable (writing it says so)
        if is_link:
            raise PublishError(_link_message(folder))
        real.add(folder)
    return output_dir / relative


def _link_message(path: Path) -> str:
    return (
        f"{path}: a symbolic link inside the output folder (to {os.path.realpath(path)}); "
        "feedgen-miit writes nothing through one, so nothing was published: remove the link "
        "(the build makes what it needs there)"
    )


def _read_if_present(path: Path) -> bytes | None:
    """The published file's bytes; None if there is none. Never through a symbolic link,
    and never from a pipe or a device (a FIFO named ``atom.xml`` would hang the build)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise PublishError(_link_message(path)) from None
        raise PublishError(f"{path}: cannot read the published file: {_reason(error)}") from error
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise PublishError(f"{path}: not a regular file where the build writes one; remove it")
        try:
            return stream.read()
        except OSError as error:
            raise PublishError(
                f"{path}: cannot read the published file: {_reason(error)}"
            ) from error


def _stage(target: Path, data: bytes, *, existed: bool, new_mode: int) -> _Staged:
    """Write ``data`` to a temporary file beside ``target`` (synced by :func:`_commit`), with
    the mode of the file it replaces, else ``new_mode`` (:func:`_new_file_mode`)."""
    try:
        descriptor, temporary = _create_temporary(target)
    except OSError as error:
        raise PublishError(
            f"{target.parent}: cannot write to the output folder: {_reason(error)}; "
            "nothing was published"
        ) from error
    staged = _Staged(target=target, temporary=temporary, existed=existed, size=len(data))
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
            # Made 0600; keep the old file's mode, else what the umask allows.
            os.fchmod(descriptor, _mode_for(target, new_mode) if existed else new_mode)
        finally:
            os.close(descriptor)
    except OSError as error:
        _remove(staged.temporary)
        raise PublishError(
            f"{target}: cannot write the file: {_reason(error)}; nothing was published"
        ) from error
    return staged


#: A temporary file is made anew (never an existing file, nor through a link), for writing.
_TEMPORARY_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


def _create_temporary(target: Path) -> tuple[int, Path]:
    """Create a new, empty, private (0600) file beside ``target``, making its folder if
    need be; return its descriptor and path. Named ``.NAME.XXXXXXXX`` (8 random hex
    digits), which :data:`_TEMPORARY` recognizes: a killed build's temporaries are swept.

    Not :func:`tempfile.mkstemp`, which does the same ``O_EXCL`` open after a random name
    drawn in Python and checks of its arguments: 0.7 s of a cold build of 1,000 articles
    under cProfile (3,393 files). And no ``mkdir`` for each file: only when the folder is missing.
    """
    made = False
    for _ in range(100):
        temporary = target.with_name(f".{target.name}.{os.urandom(4).hex()}")
        try:
            return os.open(temporary, _TEMPORARY_FLAGS, 0o600), temporary
        except FileExistsError:
            continue
        except FileNotFoundError:  # the folder is new: make it, and try again (once)
            if made:
                raise
            target.parent.mkdir(parents=True, exist_ok=True)
            made = True
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(target.parent))


def _commit(staged: list[_Staged]) -> None:
    """Make the staged files durable, then rename every one into place, keeping the old ones
    until all succeeded."""
    _sync(staged)
    for item in staged:
        if item.existed:
            item.backup = _backup(item.target)
            if item.backup is None:  # no hard links here: roll back from memory
                item.old_data = _read_if_present(item.target)
        try:
            item.temporary.replace(item.target)
        except OSError as error:
            raise PublishError(
                f"{item.target}: cannot replace the file: {_reason(error)}; nothing was published"
            ) from error
        item.replaced = True
    for folder in sorted({item.target.parent for item in staged}):
        _fsync_directory(folder)


def _roll_back(staged: list[_Staged]) -> None:
    """Put back the old file of every target already replaced (best effort, never raises)."""
    for item in reversed(staged):
        if not item.replaced:
            continue
        try:
            if item.backup is not None:
                item.backup.replace(item.target)
                item.backup = None
            elif item.old_data is not None:
                write_atomic(item.target, item.old_data)
            else:
                item.target.unlink(missing_ok=True)
        except (OSError, PublishError) as error:  # pragma: no cover - a second failure
            log.error("%s: could not restore the old file: %s", item.target, error)
    for folder in sorted({item.target.parent for item in staged if item.replaced}):
        with contextlib.suppress(OSError, PublishError):
            _fsync_directory(folder)


def _backup(target: Path) -> Path | None:
    """A hard link to the current ``target`` (costs no space), or ``None`` if links fail."""
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.{os.urandom(6).hex()}.old")
        try:
            os.link(target, candidate)
        except FileExistsError:
            continue
        except OSError:
            return None  # e.g. a filesystem without hard links: roll back from memory
        return candidate
    return None


def _sync(staged: Sequence[_Staged]) -> None:
    """Make the bytes of every staged file durable before any is renamed into place.

    One ``syncfs(2)`` per filesystem that holds them, where the C library has it: an
    ``fsync`` per file (3,400 of them in a cold build of 1,000 articles, pages and copies
    included) took 0.9-1.3 s of its 8-10 s on a quiet disk, and 6 s of 16 s while another
    build was writing. Elsewhere, an ``fsync`` per file.
    """
    syncfs = _syncfs()
    try:
        if syncfs is None:
            for item in staged:
                descriptor = os.open(item.temporary, os.O_RDONLY | os.O_CLOEXEC)
                try:
                    os.fsync(descriptor)
                finally:
                    os.close(descriptor)
            return
        by_device: dict[int, Path] = {}
        for folder in {item.temporary.parent for item in staged}:
            by_device.setdefault(folder.stat().st_dev, folder)
        for folder in by_device.values():
            descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                if syncfs(descriptor) != 0:
                    number = ctypes.get_errno()
                    raise OSError(number, os.strerror(number))
            finally:
                os.close(descriptor)
    except OSError as error:
        raise PublishError(
            f"{staged[0].target.parent}: cannot sync the new files: {_reason(error)}; "
            "nothing was published"
        ) from error


@functools.cache
def _syncfs() -> Callable[[int], int] | None:
    """The C library's ``syncfs``, if it has one (Linux)."""
    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return cast("Callable[[int], int]", function)


def _fsync_directory(folder: Path) -> None:
    """Make the renames in ``folder`` durable."""
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # some systems cannot open a folder for reading: nothing to sync then
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in _FSYNC_UNSUPPORTED:
            raise PublishError(
                f"{folder}: cannot sync the output folder: {_reason(error)}; nothing was published"
            ) from error
    finally:
        os.close(descriptor)


def _mode_for(target: Path, new_mode: int) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        return new_mode


def _new_file_mode() -> int:
    """The mode of a new file: what the umask allows of 0666. Not while another thread may
    create a file or folder: the umask is 0 for a moment."""
    return 0o666 & ~_umask()


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


# -- the lock's holder ----------------------------------------------------------------------


def _record_holder(note: Path) -> None:
    """Write our pid and start time into ``note``, for the message a waiting build shows."""
    with contextlib.suppress(OSError):
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text(f"{os.getpid()} {time.strftime('%Y-%m-%dT%H:%M:%S%z')}\n")


def _busy_message(output_dir: Path, note: Path | None, timeout: float) -> str:
    holder: list[str] = []
    if note is not None:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            holder = note.read_text(encoding="ascii").split()
    who = f" (pid {holder[0]}, started {holder[1]})" if len(holder) >= 2 else ""
    return (
        f"{output_dir}: another feedgen-miit build is writing this output folder{who}; "
        f"gave up after waiting {timeout:g} s. Nothing was published. Let it finish, or "
        "raise lock_timeout if builds overlap on purpose."
    )
