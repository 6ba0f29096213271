"""The worker pool: order, errors as results, bugs raised, and no process left behind."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from feedgen_miit.errors import ArticleError
from feedgen_miit.workers import WorkerError, WorkerPool


def square(context: int, item: int) -> int:
    return context + item * item


def fail_on_odd(_context: None, item: int) -> int:
    if item % 2:
        raise ArticleError(Path(f"{item}.txt"), f"odd {item}", line=item)
    return item


def crash(_context: None, item: int) -> int:
    if item == 3:
        raise ZeroDivisionError("a bug")
    return item


def report_pid(_context: object, _item: int) -> int:
    return os.getpid()


def die(_context: None, item: int) -> int:
    if item == 5:
        os._exit(9)  # a worker killed mid-chunk (out of memory, say)
    return item


def interrupt_own_group(_context: None, item: int) -> int:
    if item == 0:
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C on a terminal sends the whole group
        time.sleep(0.2)
    return item


def unpicklable(_context: None, _item: int) -> object:
    return lambda: None


def echo(_context: None, item: bytes) -> bytes:
    return item


def threads_here(_context: None, _item: int) -> int:
    return threading.active_count()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_in_the_items_order(workers: int) -> None:
    with WorkerPool(10, workers) as pool:
        assert list(pool.map(square, range(50), chunk=3)) == [10 + i * i for i in range(50)]


def test_the_work_is_shared_between_processes_and_small_jobs_stay_here() -> None:
    with WorkerPool(None, 2) as pool:
        pids = set(pool.map(report_pid, range(40), chunk=1, parallel_from=10))
        assert os.getpid() not in pids
        assert len(pids) == 2
        assert set(pool.map(report_pid, range(5), parallel_from=10)) == {os.getpid()}


def test_caught_exceptions_come_back_as_results_with_their_details() -> None:
    with WorkerPool(None, 2) as pool:
        results = list(pool.map(fail_on_odd, range(6), catch=ArticleError, chunk=2))
    assert results[::2] == [0, 2, 4]
    errors = results[1::2]
    assert all(isinstance(error, ArticleError) for error in errors)
    assert [str(error) for error in errors] == [
        "1.txt:1: odd 1",
        "3.txt:3: odd 3",
        "5.txt:5: odd 5",
    ]


@pytest.mark.parametrize("function", [crash, unpicklable])
def test_a_bug_in_a_worker_is_raised_with_its_traceback(
    function: Callable[[None, int], object],
) -> None:
    with WorkerPool(None, 2) as pool, pytest.raises(WorkerError, match="a bug in feedgen-miit"):
        list(pool.map(function, range(6), catch=ArticleError))


def test_a_dead_worker_is_an_error_not_a_hang() -> None:
    started = time.monotonic()
    with WorkerPool(None, 2) as pool, pytest.raises(WorkerError, match="died"):
        list(pool.map(die, range(10), chunk=1))
    assert time.monotonic() - started < 10


def test_leaving_the_pool_leaves_no_process_behind() -> None:
    with WorkerPool(None, 2) as pool:
        pids = set(pool.map(report_pid, range(8), chunk=1))
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped already: not even a zombie is left
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def _stop_half_way(pids: set[int]) -> None:
    with WorkerPool(None, 2) as pool:
        results = pool.map(report_pid, range(100), chunk=1)
        pids.update((next(results), next(results)))
        raise RuntimeError("the build stops here")


def test_leaving_the_pool_by_an_exception_kills_busy_workers() -> None:
    pids: set[int] = set()
    with pytest.raises(RuntimeError, match="the build stops here"):
        _stop_half_way(pids)
    assert pids
    for pid in pids - {os.getpid()}:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_workers_leave_interrupts_to_the_build() -> None:
    # A SIGINT reaching a worker is ignored: no KeyboardInterrupt traceback in the worker,
    # and its results still come back.
    with WorkerPool(None, 2) as pool:
        assert list(pool.map(interrupt_own_group, range(4), chunk=1)) == [0, 1, 2, 3]


def test_a_map_left_half_way_does_not_leak_into_the_next() -> None:
    # A caller that stops reading (its index failed: the disk is full) leaves chunks in
    # flight; the next map once received their results as its own.
    with WorkerPool(0, 2) as pool:
        for value in pool.map(square, range(100), chunk=1):
            assert value == 0
            break  # the map is dropped here, and closed (CPython frees it at once)
        assert list(pool.map(square, range(10), chunk=1)) == [i * i for i in range(10)]


def test_big_chunks_and_big_results_never_wait_for_each_other() -> None:
    # A worker is sent its next chunk while it works on one. Were that chunk too big for
    # the pipe, the build would wait for the worker to take it, while the worker waited for
    # the build to take its result: each worker takes its chunks in as they come.
    items = [bytes([i]) * 4_000_000 for i in range(6)]

    def hung(*_: object) -> None:
        raise TimeoutError("the pool is stuck")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(20)
    try:
        with WorkerPool(None, 2) as pool:
            assert list(pool.map(echo, items, chunk=1)) == items
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_workers_run_one_thread_each() -> None:
    # A second thread that took chunks in as they came cost the reading 7% of its time.
    with WorkerPool(None, 2) as pool:
        assert set(pool.map(threads_here, range(20), chunk=2)) == {1}


def test_a_worker_dead_between_two_maps_is_an_error_not_a_broken_pipe() -> None:
    # Chunks go to a worker before it answers: the next one can find it dead (killed by the
    # out-of-memory killer, say) as it is sent, not only as its answer is awaited.
    with WorkerPool(0, 2) as pool:
        pids = set(pool.map(report_pid, range(8), chunk=1))
        victim = min(pids)
        os.kill(victim, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{victim}/stat").read_text().split()[2] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        with pytest.raises(WorkerError, match=f"worker process {victim} died"):
            list(pool.map(square, range(10), chunk=1))
