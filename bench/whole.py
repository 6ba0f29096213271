"""Whole commands: the wall time and peak memory of a real command, start-up included.

A user waits for the whole command: the interpreter's start, the imports, the work and the
exit. :func:`run_command` runs ``argv`` as a child process and reports

- *wall*: seconds from just before the child is started to just after it has exited and its
  output is read (``time.perf_counter`` in this process). GNU time, below, is started in
  between: it adds about a millisecond to every row alike;
- *peak*: the largest resident set (MB) of the command **or of any process it started and
  waited for** (a build's worker pool), and never that of the process that started it.

How the peak is measured, and why so. Linux's ``ru_maxrss`` survives ``exec``: a child
started by ``fork`` or ``vfork`` (``subprocess`` uses ``vfork``) begins with its parent's
high-water mark, so ``os.wait4`` from a 300 MB pytest reads at least 300 MB, even for
``python -c pass``. The command's own ``/proc/<pid>/status`` ``VmHWM`` starts afresh at
``exec``, but it cannot be read from outside once the process has exited (a zombie has no
memory lines), and polling it misses both the last moments and the workers. So the command
runs under GNU time (``/usr/bin/time -f %M -o FILE``): a small C program (about 2 MB) that
``fork``\\s and ``exec``\\s the command and reports ``ru_maxrss`` from ``wait4``. The figure it
reports is, per Linux's ``wait4`` (``RUSAGE_BOTH`` of the exited child), the larger of the
command's own high-water mark and those of every descendant it waited for: a build's
workers count, as the issue asks, and the only foreign size that can leak in is GNU time's
own few megabytes (inherited across its ``fork``), well below any interpreter's.

Without GNU time the command is waited for with ``os.wait4`` directly. That figure is the
larger of the command's peak and this process's own high-water mark (``VmHWM``); when it is
no larger than the latter, the command's peak is unknown and reported as ``None``.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

#: GNU time, if installed (Debian's package ``time``): how a whole command's peak is measured.
GNU_TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Run:
    """What one whole command took: wall time (s), peak memory (MB, if known), its stdout."""

    wall: float
    peak_mb: float | None
    stdout: str


def has_gnu_time() -> bool:
    """Whether :data:`GNU_TIME` is GNU time (which reports ``%M``, the peak, in KB)."""
    if not Path(GNU_TIME).is_file():
        return False
    probe = subprocess.run(  # noqa: S603 - a fixed path
        [GNU_TIME, "--version"], capture_output=True, text=True, check=False
    )
    return "GNU" in probe.stdout + probe.stderr


_GNU_TIME = has_gnu_time()


def run_command(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    gnu_time: bool | None = None,
) -> Run:
    """Run ``argv`` to its end; its wall time and peak (see the module's docstring).

    ``gnu_time`` chooses the method (by default GNU time when it is installed). Raises
    :class:`SystemExit` if the command fails, with its error output.
    """
    use_time = _GNU_TIME if gnu_time is None else gnu_time
    with tempfile.TemporaryDirectory(prefix="feedgen-miit-bench-cmd-") as scratch:
        report = Path(scratch) / "peak"
        errors = Path(scratch) / "stderr"
        full = [GNU_TIME, "-f", "%M", "-o", str(report), *argv] if use_time else list(argv)
        with errors.open("w", encoding="utf-8") as stderr:
            started = time.perf_counter()
            child = subprocess.Popen(  # noqa: S603 - the bench's own commands
                full, stdout=subprocess.PIPE, stderr=stderr, cwd=cwd, env=env
            )
            assert child.stdout is not None  # noqa: S101
            with child.stdout:
                stdout = child.stdout.read()
            _, status, usage = os.wait4(child.pid, 0)
            wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        if child.returncode != 0:
            raise SystemExit(
                f"bench: {' '.join(argv)} failed ({child.returncode}):\n"
                + errors.read_text(encoding="utf-8", errors="replace")[-2000:]
            )
        if use_time:
            # The last line: GNU time puts "Command exited with ..." before it on failure.
            peak_kb: float | None = float(report.read_text().split()[-1])
        else:
            peak_kb = usage.ru_maxrss if usage.ru_maxrss > own_peak_kb() else None
    return Run(
        wall=wall,
        peak_mb=None if peak_kb is None else peak_kb / 1024,
        stdout=stdout.decode("utf-8", errors="replace"),
    )


def own_peak_kb() -> int:
    """This process's high-water resident set (``VmHWM``), in KB."""
    with Path("/proc/self/status").open(encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
