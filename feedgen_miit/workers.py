"""A process pool for work made of independent items; it knows nothing of what they are.

A cold build reads and sanitizes thousands of articles, each a few hundred microseconds of
pure-Python work: that needs processes, and a nightly job run from cron needs them to behave.
:class:`WorkerPool` is the smallest pool that does, built on ``fork`` and two pipes per worker:

- **Context without pickling.** Workers are forked from the build, so they share its
  ``context`` (the settings, the clock) as it was: only items and results cross the pipes.
- **Chunks.** Items travel in chunks, so that messages cost little next to the work, and
  results come back in the items' order. Each worker's next chunk waits for it in its pipe
  while it works on one: it never waits for the build, which is busy storing what came back
  (a worker waited for about a fifth of a cold build's reading).
- **No waiting on each other.** The build writes chunks without blocking (what a pipe does
  not take yet is written as it drains), so a worker that waits for the build to take a big
  result never finds the build waiting for it to take a big chunk. The workers have a
  single thread: a second one, which took chunks in as they came, cost a cold build's
  reading 7% of its CPU time (while an idle second thread costs nothing measurable).
- **Errors are results.** An exception of the kinds the caller names (``catch``) is sent
  back as that item's result, pickled as it is; any other one is a bug, raised here.
- **Nothing outlives the build.** Workers die with the build (``PR_SET_PDEATHSIG`` on Linux;
  each holds copies of the build's files, the output folder's lock among them), and leaving
  the pool, however it is left, kills them and reaps them: no hang, no orphan.
- **Interrupts are the build's.** Workers ignore SIGINT (a terminal's Ctrl-C reaches the
  whole process group): the build alone decides what an interrupt means, and no worker
  prints a ``KeyboardInterrupt`` traceback. Signals are blocked across ``fork``, so no
  worker is ever caught between its birth and ignoring them.

Small jobs run in this process: forking costs about as much as a few hundred items.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import select
import signal
import struct
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe
from typing import Any, Generic, TypeVar, overload

_Context = TypeVar("_Context")
_Item = TypeVar("_Item")
_Result = TypeVar("_Result")
_Caught = TypeVar("_Caught", bound=BaseException)

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
#: Blocked while forking, so that a new worker cannot die of them before it ignores them.
_BLOCKED_ACROSS_FORK = {signal.SIGINT, signal.SIGTERM}
_OK, _CAUGHT, _CRASHED = 0, 1, 2
#: Chunks sent to a worker before it answers: it starts the next one as it sends a result.
_AHEAD = 2
#: A chunk's length before it in its pipe (unsigned, 8 bytes, big-endian).
_LENGTH = struct.Struct("!Q")


class WorkerError(Exception):
    """A worker died, or an item raised an exception nobody expected (a bug)."""


@dataclass(slots=True)
class _Worker:
    pid: int
    results: Connection  #: what it answers
    orders: int  #: the pipe its chunks go down, not blocking
    chunks: deque[int] = field(default_factory=deque)  #: sent, not answered yet (in order)
    unsent: deque[memoryview] = field(default_factory=deque)  #: what its pipe did not take yet

    def close(self) -> None:
        """Close the build's ends of its pipes."""
        self.results.close()
        with contextlib.suppress(OSError):
            os.close(self.orders)


class WorkerPool(Generic[_Context]):
    """Up to ``workers`` forked processes (0: one per CPU core) that share ``context``; use it
    as a context manager.

    Workers start at the first :meth:`map` that needs them: a build with little to do
    never forks.
    """

    def __init__(self, context: _Context, workers: int = 0) -> None:
        self.context = context
        self.workers = (workers or os.cpu_count() or 1) if hasattr(os, "fork") else 1
        self._started: list[_Worker] = []

    def __enter__(self) -> WorkerPool[_Context]:
        return self

    @property
    def running(self) -> bool:
        """Whether the workers were started (and not closed since)."""
        return bool(self._started)

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @overload
    def map(
        self,
        function: Callable[[_Context, _Item], _Result],
        items: Sequence[_Item],
        *,
        catch: tuple[()] = (),
        chunk: int = 1,
        parallel_from: int = 2,
    ) -> Iterator[_Result]: ...

    @overload
    def map(
        self,
        function: Callable[[_Context, _Item], _Result],
        items: Sequence[_Item],
        *,
        catch: type[_Caught],
        chunk: int = 1,
        parallel_from: int = 2,
    ) -> Iterator[_Result | _Caught]: ...

    def map(
        self,
        function: Callable[[_Context, _Item], _Result],
        items: Sequence[_Item],
        *,
        catch: type[BaseException] | tuple[()] = (),
        chunk: int = 1,
        parallel_from: int = 2,
    ) -> Iterator[Any]:
        """``function(context, item)`` of each item, in order; a caught exception in its place.

        ``function`` must be a module-level function (it is sent by name). Fewer than
        ``parallel_from`` items run in this process, and so does everything with one worker.
        """
        if len(items) < parallel_from or self.workers < 2:
            for item in items:
                yield _call(function, self.context, item, catch)[1]
            return
        chunks = [items[start : start + chunk] for start in range(0, len(items), max(chunk, 1))]
        yield from self._map_chunks(function, chunks, catch)

    def close(self) -> None:
        """Kill and reap every worker (they hold no state worth a goodbye)."""
        workers, self._started = self._started, []
        for worker in workers:
            worker.close()
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)
        for worker in workers:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(worker.pid, 0)

    def _map_chunks(
        self,
        function: Callable[[_Context, _Item], _Result],
        chunks: list[Sequence[_Item]],
        catch: type[BaseException] | tuple[()],
    ) -> Iterator[Any]:
        workers = self._start()
        waiting = iter(range(len(chunks)))
        finished: dict[int, list[tuple[int, Any]]] = {}
        for _ in range(_AHEAD):
            for worker in workers:
                _give(worker, function, chunks, next(waiting, None), catch)
        try:
            for wanted in range(len(chunks)):
                while wanted not in finished:
                    for worker in _answering(workers):
                        finished[worker.chunks.popleft()] = _receive(worker)
                        _give(worker, function, chunks, next(waiting, None), catch)
                for status, value in finished.pop(wanted):
                    if status == _CRASHED:
                        raise WorkerError(f"a worker failed (a bug in feedgen-miit):\n{value}")
                    yield value
        finally:
            if any(worker.chunks for worker in workers):
                # Left half-way (the caller stopped reading, or failed): the chunks still in
                # flight would answer the next map. Their workers go; the next map forks anew.
                self.close()

    def _start(self) -> list[_Worker]:
        while len(self._started) < self.workers:
            self._started.append(_fork(self.context, self._started))
        return self._started


def _give(
    worker: _Worker,
    function: Callable[..., Any],
    chunks: list[Sequence[Any]],
    index: int | None,
    catch: type[BaseException] | tuple[()],
) -> None:
    if index is not None:
        worker.chunks.append(index)
        message = pickle.dumps((function, chunks[index], catch), pickle.HIGHEST_PROTOCOL)
        worker.unsent += (memoryview(_LENGTH.pack(len(message))), memoryview(message))
        _send_some(worker)


def _send_some(worker: _Worker) -> None:
    """Write what the worker's pipe takes of its unsent chunks, without waiting."""
    unsent = worker.unsent
    try:
        while unsent:
            written = os.write(worker.orders, unsent[0])
            if written < len(unsent[0]):
                unsent[0] = unsent[0][written:]
                return  # the pipe is full: the rest when it drains
            unsent.popleft()
    except BlockingIOError:
        return
    except OSError:  # it died since it last answered (its next chunk was on its way)
        raise _died(worker) from None


def _answering(workers: list[_Worker]) -> list[_Worker]:
    """Wait until a worker with chunks in flight answers (or dies); meanwhile, write what
    the pipes take of the chunks not sent yet. The workers that answered."""
    while True:
        poller = select.poll()
        expecting, taking = {}, {}
        for worker in workers:
            if worker.unsent:
                taking[worker.orders] = worker
                poller.register(worker.orders, select.POLLOUT)
            if worker.chunks:
                expecting[worker.results.fileno()] = worker
                poller.register(worker.results.fileno(), select.POLLIN)
        answered = []
        for descriptor, _ in poller.poll():
            if descriptor in expecting:
                answered.append(expecting[descriptor])
            else:
                _send_some(taking[descriptor])
        if answered:
            return answered


def _receive(worker: _Worker) -> list[tuple[int, Any]]:
    try:
        results: list[tuple[int, Any]] = worker.results.recv()
    except (EOFError, OSError):
        raise _died(worker) from None
    return results


def _died(worker: _Worker) -> WorkerError:
    return WorkerError(
        f"worker process {worker.pid} died (killed, or out of memory?); nothing was published"
    )


def _call(
    function: Callable[[Any, Any], Any],
    context: Any,
    item: Any,
    catch: type[BaseException] | tuple[()],
) -> tuple[int, Any]:
    try:
        return _OK, function(context, item)
    except catch as error:
        return _CAUGHT, error


def _fork(context: Any, siblings: list[_Worker]) -> _Worker:
    # Answers on a socket pair, as big as a chunk's results (~150 KB) where a pipe takes
    # 64 KB: a worker done with a chunk goes on to the next one while the build stores.
    results, answers = Pipe()
    chunks, orders = os.pipe()
    parent = os.getpid()
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, _BLOCKED_ACROSS_FORK)
    try:
        pid = os.fork()
        if pid == 0:  # the worker: never returns into the build's code
            status = 1
            try:
                results.close()
                os.close(orders)
                for sibling in siblings:  # their pipes are the build's, not this worker's
                    sibling.close()
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                # Not the build's handler (which raises to stop a build): a stopped worker
                # just ends, and the build, stopped too or not, sees it go.
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
                _die_with(parent)
                _serve(chunks, answers, context)
                status = 0
            finally:
                os._exit(status)
    finally:
        if os.getpid() == parent:
            signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    answers.close()
    os.close(chunks)
    os.set_blocking(orders, False)
    return _Worker(pid, results, orders)


def _die_with(parent: int) -> None:
    """End this worker when the process that forked it ends, however it ends."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl() took effect
        os._exit(1)


def _serve(chunks: int, answers: Connection, context: Any) -> None:
    """Run chunks until the pipe they come down closes."""
    while (message := _next_chunk(chunks)) is not None:
        function, items, catch = message
        results: list[tuple[int, Any]] = []
        for item in items:
            try:
                results.append(_call(function, context, item, catch))
            except Exception:  # a bug: the build reports it, with the traceback
                results.append((_CRASHED, traceback.format_exc()))
        try:
            answers.send(results)
        except Exception:  # e.g. a result that cannot be pickled: a bug
            answers.send([(_CRASHED, traceback.format_exc())] * len(items))


def _next_chunk(chunks: int) -> Any:
    """The next chunk down the pipe (waiting for it); None once the build closed it."""
    header = _read_exactly(chunks, _LENGTH.size)
    if header is None:
        return None
    (length,) = _LENGTH.unpack(header)
    message = _read_exactly(chunks, length)
    return None if message is None else pickle.loads(message)  # noqa: S301 - the build's own


def _read_exactly(descriptor: int, size: int) -> bytes | None:
    """``size`` bytes from the pipe; None if it closes first (the build is done, or gone)."""
    parts: list[bytes] = []
    while size > 0:
        part = os.read(descriptor, min(size, 1 << 20))
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)
