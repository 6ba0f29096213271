"""Floor: walk FOLDER with ``os.scandir`` and ``os.stat`` every file in it.

``python bench/floors/scandir_stat.py FOLDER`` prints ``{"seconds": ..., "files": ...}``;
seconds count the work after the imports.
"""

from __future__ import annotations

import json
import os
import sys
import time


def scandir_stat(folder: str) -> int:
    """List every folder under ``folder`` and stat every file; return how many files."""
    files = 0
    folders = [folder]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                else:
                    os.stat(entry.path)  # noqa: PTH116 - the floor is this call
                    files += 1
    return files


def main() -> None:
    """Time :func:`scandir_stat` over the folder named by the first argument."""
    start = time.perf_counter()
    files = scandir_stat(sys.argv[1])
    print(json.dumps({"seconds": time.perf_counter() - start, "files": files}))


if __name__ == "__main__":
    main()
