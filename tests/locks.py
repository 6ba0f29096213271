"""Another process holding an output folder's lock, as a running build would."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

# Records its pid the way a build does, so that the "busy" message can name it.
_HOLDER = """
import fcntl, os, sys, time
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(descriptor, fcntl.LOCK_EX)
os.write(descriptor, f"{os.getpid()} 2026-01-01T00:00:00+0000\\n".encode())
print("locked", flush=True)
time.sleep(60)
"""


@contextlib.contextmanager
def lock_held(lock_file: Path) -> Iterator[subprocess.Popen[str]]:
    """A child process that holds ``lock_file`` locked until the block ends (then killed)."""
    with subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(lock_file)], stdout=subprocess.PIPE, text=True
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "locked\n"
        try:
            yield holder
        finally:
            holder.kill()
