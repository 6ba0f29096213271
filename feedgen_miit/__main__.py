"""The command line's entry point: ``feedgen-miit`` and ``python -m feedgen_miit``.

It catches SIGINT and SIGTERM before anything else is imported: a signal that arrives while
the program starts (the imports take a few hundred milliseconds) ends it with one line and
the shell's exit code, not a traceback. Once the command line is ready it takes over
(:mod:`feedgen_miit.cli`), and a signal ends a build cleanly, saying what was published.
"""

from __future__ import annotations

import os
import signal
import sys

from .starting import STOPPING, stop_at_once

#: The exit codes of a build stopped by SIGINT or SIGTERM (128 and the signal's number).
_INTERRUPTED = frozenset(128 + number for number in STOPPING)


def main() -> None:
    """Run the command line."""
    for number in STOPPING:
        signal.signal(number, stop_at_once)
    from .cli import main as command_line  # noqa: PLC0415 - after the handlers, on purpose

    code: int | str | None = 0
    try:
        command_line()
    except SystemExit as finished:
        code = finished.code
    finally:
        # Done, one way or the other, and said so: a signal now must not turn the exit
        # into a death by signal while the interpreter winds down.
        for number in STOPPING:
            signal.signal(number, signal.SIG_IGN)
    if code in _INTERRUPTED:
        # An interrupt that landed inside exec() of a string (dataclasses does that while a
        # module is imported) leaves CPython's "unhandled KeyboardInterrupt" mark set, though
        # it was handled, and the interpreter then kills itself with SIGINT on the way out:
        # exit -2, not 130 (5 of 40 interrupts in the first half-second). Leave directly.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    main()
