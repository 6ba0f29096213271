"""The floors: the least any tool must do with the articles, each a whole command.

Each module is a script the bench runs by its path (``python bench/floors/NAME.py FOLDER``),
so that it starts as ``python -c pass`` does plus its own imports, and prints one line of
JSON: ``seconds`` (the work alone, after the imports) and ``files``.

- :mod:`bench.floors.read_parse`: read every file, parse its front matter with PyYAML's C
  loader and its date; what building any feed from the folder costs at least;
- :mod:`bench.floors.scandir_stat`: list the tree with ``os.scandir`` and ``os.stat`` every
  file; what learning that nothing changed costs at least;
- :mod:`bench.floors.copies`: over a built output folder, not the articles: compress every
  published file into its ``.gz`` and ``.br`` copies as a build does, in a process per CPU;
  what publishing those files with their copies costs at least.
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
#: The scripts, by the name the bench's rows use.
READ_PARSE = FOLDER / "read_parse.py"
SCANDIR_STAT = FOLDER / "scandir_stat.py"
COPIES = FOLDER / "copies.py"
