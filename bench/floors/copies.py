"""Floor: make the ``.gz`` and ``.br`` copies of every file a build published under FOLDER.

``python bench/floors/copies.py FOLDER`` prints ``{"seconds": ..., "files": ..., "bytes": ...}``
over a finished output folder: every file the build compresses (:data:`COMPRESSIBLE`) read
back and compressed as the build compresses it (:func:`feedgen_miit.delivery.compressed`),
in as many processes as there are CPUs. Nothing is written. What no build that publishes
these files with their copies can go below, however fast the rest of it is.
"""

from __future__ import annotations

import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

from feedgen_miit.delivery import COMPRESSIBLE, compressed


def published(folder: str) -> list[str]:
    """The files under ``folder`` that a build gives copies, in a stable order."""
    return sorted(
        os.path.join(where, name)  # noqa: PTH118 - strings, as the other floors walk
        for where, _, names in os.walk(folder)
        for name in names
        if name.endswith(COMPRESSIBLE)
    )


def compress_all(paths: list[str]) -> int:
    """Read and compress each of ``paths``; return how many bytes were read."""
    read = 0
    for path in paths:
        with open(path, "rb") as stream:  # noqa: PTH123 - the floor
            data = stream.read()
        compressed(data)
        read += len(data)
    return read


def main() -> None:
    """Time :func:`compress_all` over the output folder named by the first argument."""
    paths = published(sys.argv[1])
    workers = os.cpu_count() or 1
    shares = [paths[number::workers] for number in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(len, [[]] * workers))  # the processes are started before the clock
        start = time.perf_counter()
        read = sum(pool.map(compress_all, shares))
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "files": len(paths), "bytes": read}))


if __name__ == "__main__":
    main()
