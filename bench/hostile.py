"""``make bench``'s hostile rows: folders large in an unusual way, each measured at two sizes.

Linear cost shows as a ratio near 2 between the larger size and the smaller (twice the
size); quadratic as near 4. Each row, like the rest of the bench, runs in child processes
(:func:`bench.run.measure`), and the fastest of :data:`~bench.run.REPEATS` runs counts:

- *categories*: every article has a category of its own (5,000 distinct ones over 5,000
  articles), and nothing changed since the last build: the nightly case of a folder whose
  categories are many. A category costs a feed and two pages, and an unchanged rebuild once
  listed ``categories/`` once per output file (90-120 s at 5,000);
- *one entry's categories*: an entry of 100,000 categories rendered as Atom, RSS, JSON Feed and
  its page, as the renderers are given it (feedgen once took half a minute for 10,000). When
  the loader caps the categories of an article (``loader.MAX_CATEGORIES``), the same article
  is built, too, from its file;
- *one body*: one article whose body holds as many paragraphs as a body may
  (:data:`~feedgen_miit.sanitize.MAX_MARKUP`), and one of 1.1 million (8.8 MB, within
  ``max_file_bytes``), which is refused unparsed; it once took a minute and 1.6 GB.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from bench.generate import generate
from bench.run import REPEATS, clear, measure, settle
from feedgen_miit import loader
from feedgen_miit.sanitize import MAX_MARKUP

#: Articles of a category of their own: the smaller and the larger folder.
CATEGORY_FOLDERS = (2_500, 5_000)
#: Categories of one entry.
ENTRY_CATEGORIES = (50_000, 100_000)
#: Paragraphs in one body: half the limit, and the limit.
BODY_PARAGRAPHS = (MAX_MARKUP // 2, MAX_MARKUP)
#: Paragraphs of the body that is refused: 8.8 MB of them.
BOMB_PARAGRAPHS = 1_100_000
#: Twice the size may cost at most this many times as much to count as linear (noise aside).
LINEAR_RATIO = 2.6
#: What an unchanged rebuild of 5,000 categories may take (it took 90-120 s).
CATEGORY_REBUILD_LIMIT_S = 30.0
#: What one build of any single body may hold in memory (it took 1.6 GB).
BODY_PEAK_LIMIT_MB = 300.0


def run_hostile(root: Path) -> tuple[list[str], list[str]]:
    """Measure every hostile row; return the report's lines and its targets' verdicts."""
    lines = [
        f"{'hostile input':<52} {'smaller':>18} {'larger':>18} {'ratio':>6} {'peak MB':>8}",
    ]
    verdicts: list[str] = []

    rebuilds = [_unchanged_rebuild(root, count) for count in CATEGORY_FOLDERS]
    lines.append(_row("unchanged rebuild, a category per article", CATEGORY_FOLDERS, rebuilds))
    largest = rebuilds[-1]["seconds"]
    verdicts.append(
        _verdict(
            f"unchanged rebuild of {CATEGORY_FOLDERS[-1]:,} categories linear and under "
            f"{CATEGORY_REBUILD_LIMIT_S:.0f} s ({_ratio(rebuilds):.2f}x, {largest:.2f} s)",
            _ratio(rebuilds) <= LINEAR_RATIO and largest < CATEGORY_REBUILD_LIMIT_S,
        )
    )

    renders = [
        min((measure("render", str(count), root) for _ in range(REPEATS)), key=_seconds)
        for count in ENTRY_CATEGORIES
    ]
    lines.append(_row("one entry's categories, rendered (4 formats)", ENTRY_CATEGORIES, renders))
    verdicts.append(
        _verdict(
            f"an entry of {ENTRY_CATEGORIES[-1]:,} categories rendered in linear time "
            f"({_ratio(renders):.2f}x)",
            _ratio(renders) <= LINEAR_RATIO,
        )
    )
    if hasattr(loader, "MAX_CATEGORIES"):
        builds = [one_article(root, "categories", count) for count in ENTRY_CATEGORIES]
        lines.append(_row("one article's categories, cold build", ENTRY_CATEGORIES, builds))
        verdicts.append(
            _verdict(
                f"an article of {ENTRY_CATEGORIES[-1]:,} categories built in linear time "
                f"({_ratio(builds):.2f}x)",
                _ratio(builds) <= LINEAR_RATIO,
            )
        )
    else:
        lines.append(f"{'one article categories, cold build':<52} skipped: no cap in the loader")

    bodies = [one_article(root, "paragraphs", count) for count in BODY_PARAGRAPHS]
    lines.append(_row("one body of <p>, up to the limit, cold build", BODY_PARAGRAPHS, bodies))
    bomb = one_article(root, "paragraphs", BOMB_PARAGRAPHS)
    refused = len(bomb["problems"]) == 1 and "more than the" in bomb["problems"][0]
    lines.append(
        f"{f'one body of {BOMB_PARAGRAPHS:,} <p> (8.8 MB), refused':<52} "
        f"{'':>18} {_size_and_time(BOMB_PARAGRAPHS, bomb):>18} {'':>6} {bomb['peak_mb']:>8.0f}"
    )
    peak = max(result["peak_mb"] for result in [*bodies, bomb])
    verdicts.append(
        _verdict(
            f"a body of {BODY_PARAGRAPHS[-1]:,} paragraphs cleaned in linear time "
            f"({_ratio(bodies):.2f}x), one of {BOMB_PARAGRAPHS:,} refused "
            f"({bomb['seconds']:.2f} s)",
            _ratio(bodies) <= LINEAR_RATIO and refused,
        )
    )
    verdicts.append(
        _verdict(
            f"peak memory of any one body under {BODY_PEAK_LIMIT_MB:.0f} MB ({peak:.0f} MB)",
            peak < BODY_PEAK_LIMIT_MB,
        )
    )
    return lines, verdicts


def _unchanged_rebuild(root: Path, count: int) -> dict[str, Any]:
    """The fastest unchanged rebuild of ``count`` articles, each of a category of its own."""
    folder = root / f"categories-{count}"
    out = root / f"categories-public-{count}"
    if not folder.is_dir() or sum(1 for _ in folder.iterdir()) != count:
        shutil.rmtree(folder, ignore_errors=True)
        generate(folder, count, own_category=True)
        settle()
    clear(out)
    measure("build", folder, out)  # the cold build that writes every feed and page
    return min((measure("build", folder, out) for _ in range(REPEATS)), key=_seconds)


def one_article(root: Path, kind: str, count: int, *, repeats: int = REPEATS) -> dict[str, Any]:
    """The fastest of ``repeats`` cold builds of a folder of one ordinary article and one with
    ``count`` categories (``kind`` "categories") or paragraphs ("paragraphs")."""
    folder = root / f"one-{kind}-{count}"
    out = root / f"one-{kind}-public-{count}"
    if not folder.is_dir():
        ordinary = generate(folder, 1)[0].read_text(encoding="utf-8")
        head, body = ordinary.split("\n---\n\n", 1)
        if kind == "categories":
            names = "".join(f"\n - 类别{number}" for number in range(count))
            text = head.replace("categories: ", f"categories: {names}", 1) + "\n---\n\n" + body
        else:
            text = head + "\n---\n\n" + "<p>x</p>" * count
        text = text.replace("title: '", f"title: '{count:,} {kind} ", 1)  # another article
        (folder / f"{kind}.txt").write_text(text, encoding="utf-8")
        settle()
    results = []
    for _ in range(repeats):
        clear(out)
        results.append(measure("build", folder, out))
    return min(results, key=_seconds)


def _seconds(result: dict[str, Any]) -> float:
    return float(result["seconds"])


def _ratio(results: list[dict[str, Any]]) -> float:
    return _seconds(results[-1]) / _seconds(results[0])


def _size_and_time(size: int, result: dict[str, Any]) -> str:
    return f"{size:,}: {_seconds(result):.2f} s"


def _row(name: str, sizes: tuple[int, int], results: list[dict[str, Any]]) -> str:
    peak = max(result["peak_mb"] for result in results)
    return (
        f"{name:<52} {_size_and_time(sizes[0], results[0]):>18} "
        f"{_size_and_time(sizes[1], results[1]):>18} {_ratio(results):>5.2f}x {peak:>8.0f}"
    )


def _verdict(text: str, met: bool) -> str:
    return f"{'met' if met else 'MISSED'}: {text}"
