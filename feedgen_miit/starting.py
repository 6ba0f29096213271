"""Signals while the program starts: nothing is open yet, so a signal ends it at once.

Until the build takes the lock, forks its workers or opens its index, there is nothing to
let go and nothing was published: SIGINT or SIGTERM then writes one line and exits with
the shell's code (130, 143). That is also the only safe answer while modules are imported:
raised inside an import, the interrupt may come out as something else (a ``RuntimeError``
from a dataclass's ``__set_name__``) or as a traceback Python prints and ignores (in an
import lock's callback).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from types import FrameType

#: The signals a build answers: Ctrl-C, and the stop of cron or systemd.
STOPPING = (signal.SIGINT, signal.SIGTERM)


def stop_at_once(number: int, _frame: FrameType | None) -> None:
    """A signal handler: say so, and leave with 128 + the signal's number."""
    os.write(
        2,
        f"feedgen-miit: interrupted by {signal.Signals(number).name}: "
        "nothing was published\n".encode(),
    )
    os._exit(128 + number)


@contextlib.contextmanager
def stopping_at_once() -> Iterator[None]:
    """While inside, a signal ends the program at once (:func:`stop_at_once`); the handlers
    before are put back after. Only for a stretch that opens nothing (imports)."""
    before = {number: signal.signal(number, stop_at_once) for number in STOPPING}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
