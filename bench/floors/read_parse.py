"""Floor: read every file under FOLDER, parse its front matter (CSafeLoader) and its date.

``python bench/floors/read_parse.py FOLDER`` prints ``{"seconds": ..., "files": ...}``;
seconds count the work after the imports.
"""

from __future__ import annotations

import json
import os
import sys
import time
from email.utils import parsedate_to_datetime

import yaml


def read_parse(folder: str) -> int:
    """Read and parse every file under ``folder``; return how many."""
    files = 0
    folders = [folder]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                    continue
                with open(entry.path, encoding="utf-8") as stream:  # noqa: PTH123 - the floor
                    text = stream.read()
                front = yaml.load(text.split("---", 2)[1], Loader=yaml.CSafeLoader)
                date = front.get("date")
                if isinstance(date, str):
                    parsedate_to_datetime(date)
                files += 1
    return files


def main() -> None:
    """Time :func:`read_parse` over the folder named by the first argument."""
    start = time.perf_counter()
    files = read_parse(sys.argv[1])
    print(json.dumps({"seconds": time.perf_counter() - start, "files": files}))


if __name__ == "__main__":
    main()
