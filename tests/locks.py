"""Another process holding an output folder's lock, as a running build would."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

# Locks the output folder and notes its pid the way a build does, so that the "busy" message
# can name it.
_HOLDER = """
import fcntl, os, sys, time
os.makedirs(sys.argv[1], exist_ok=True)
descriptor = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(descriptor, fcntl.LOCK_EX)
if sys.argv[2]:
    os.makedirs(os.path.dirname(sys.argv[2]), exist_ok=True)
    with open(sys.argv[2], "w") as note:
        note.write(f"{os.getpid()} 2026-01-01T00:00:00+0000\\n")
print("locked", flush=True)
time.sleep(60)
"""


@contextlib.contextmanager
def lock_held(folder: Path, note: Path | None = None) -> Iterator[subprocess.Popen[str]]:
    """A child process that holds the lock of the output ``folder`` until the block ends
    (then killed), having written its pid in ``note`` as a build does."""
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(folder), str(note or "")],
        stdout=subprocess.PIPE,
        text=True,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        try:
            yield holder
        finally:
            holder.kill()
