"""``make bench``: cold and warm build times, throughput and peak memory against a floor.

For each size, in a scratch folder (``$BENCH_DIR`` or a temporary one; never in the repository):

- *floor*: read every file and parse only its front matter with PyYAML's C loader, in one
  process: the least any tool must do;
- *cold*: ``build`` with an empty output folder (no cache);
- *warm*: 10 new articles, then ``build`` again (the nightly case).

Floor, cold and warm build run :data:`REPEATS` times (floor and cold alternated), and the
fastest of each counts.

Every measurement runs in its own child process: times are measured inside it (interpreter
start-up excluded, for floor and build alike; the warm row also shows the whole command's
wall time), peak memory is the child's high-water resident set (``VmHWM``) or its largest
worker's, whichever is larger. Generated files are older than the cache's racy window
before a cold build, as they are in real use. Each output folder has its index beside it,
removed with it: a cold build finds none.

Then the hostile rows (:mod:`bench.hostile`): folders large in an unusual way, each at two
sizes, to show that their cost grows linearly and stays within its limits.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.generate import generate

SIZES = (1_000, 10_000, 100_000)
NEW = 10
#: Floor, cold and warm build are each measured this many times, and the fastest run counts:
#: on a shared machine, noise only ever adds time.
REPEATS = 3
_CHILD = r"""
import json, sys, time
mode, folder, out = sys.argv[1:4]

def answer(result):
    # The process's own high-water mark (VmHWM starts afresh at exec, where ru_maxrss keeps
    # the forking parent's: a bench run from a 300 MB pytest would read 300 MB), and that of
    # its largest worker.
    import resource
    with open("/proc/self/status") as status:
        own = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({**result, "peak_kb": max(own, workers)}))

if mode == "floor":
    import os, yaml
    start = time.perf_counter()
    for entry in os.scandir(folder):
        with open(entry.path, encoding="utf-8") as stream:
            text = stream.read()
        yaml.load(text.split("---", 2)[1], Loader=yaml.CSafeLoader)
    seconds = time.perf_counter() - start
    answer({"seconds": seconds})
elif mode == "render":  # one entry of int(folder) categories, in every format and its page
    from datetime import UTC, datetime
    from pathlib import Path
    from feedgen_miit import make_settings
    from feedgen_miit.model import Article, Entry, SafeHtml
    from feedgen_miit.feed import render_atom
    from feedgen_miit.jsonfeed import render_json_feed
    from feedgen_miit.rss import render_rss
    from feedgen_miit.site import Feeds, render_article_page
    when = datetime(2022, 6, 21, tzinfo=UTC)
    article = Article(path=Path("a.txt"), source="a.txt", id="urn:uuid:1", page="articles/a.html",
                      title="t", published=when, updated=when, author=None, thumbnail=None,
                      link=None, categories=tuple(f"类别{n}" for n in range(int(folder))))
    entry = Entry(article=article, content=SafeHtml("<p>x</p>"), summary="x", thumbnail=None,
                  contributor=None)
    site = make_settings(Path(".")).site
    start = time.perf_counter()
    for render in (render_atom, render_rss, render_json_feed):
        render([entry], site.channel(site.base_url))
    render_article_page(entry, site, Feeds((), {}))
    answer({"seconds": time.perf_counter() - start})
else:
    from pathlib import Path
    from feedgen_miit import build, make_settings
    settings = make_settings(Path(folder), output_dir=Path(out), cache_dir=Path(out + ".cache"))
    start = time.perf_counter()
    report = build(settings)
    seconds = time.perf_counter() - start
    answer({"seconds": seconds, "read": report.files_read,
               "entries": report.entries, "found": report.articles_found,
               "problems": [problem.reason for problem in report.problems]})
"""


def measure(mode: str, folder: Path | str, out: Path) -> dict[str, Any]:
    """Run one measurement in a child process; add its wall time and peak memory (MB)."""
    started = time.perf_counter()
    with subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _CHILD, mode, str(folder), str(out)],
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None  # noqa: S101
        output = child.stdout.read()
        child.wait()
    if child.returncode != 0:
        raise SystemExit(f"bench: {mode} over {folder} failed ({child.returncode})")
    result: dict[str, Any] = json.loads(output)
    result["wall"] = time.perf_counter() - started
    result["peak_mb"] = result.pop("peak_kb") / 1024
    return result


def clear(out: Path) -> None:
    """Remove the output folder ``out`` and its index (a cold build finds neither)."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(out.with_name(out.name + ".cache"), ignore_errors=True)


def settle() -> None:
    """Flush freshly written files and let them age past the cache's racy window."""
    from feedgen_miit.scan import RACY_WINDOW_NS  # noqa: PLC0415 - only the bench needs it

    os.sync()
    time.sleep(RACY_WINDOW_NS / 1e9 + 0.2)


def run(root: Path, sizes: tuple[int, ...]) -> list[str]:
    """Measure every size; return the report's lines."""
    lines = [
        f"{'articles':>9} {'floor s':>8} {'cold s':>7} {'cold/floor':>10} {'art/s':>8} "
        f"{'warm s':>7} {'warm cmd s':>10} {'warm/cold':>9} {'peak MB':>8}",
    ]
    verdicts: list[str] = []
    for size in sizes:
        folder = root / f"articles-{size}"
        out = root / f"public-{size}"
        clear(out)
        if not _is_current(folder, size):
            shutil.rmtree(folder, ignore_errors=True)
            generate(folder, size)
            settle()
        measure("floor", folder, out)  # warms the page cache, as a nightly run finds it
        floors, colds = [], []
        for _ in range(REPEATS):  # alternated, so that both see the machine in the same mood
            floors.append(measure("floor", folder, out))
            clear(out)
            colds.append(measure("build", folder, out))
        floor = min(floors, key=lambda result: result["seconds"])
        cold = min(colds, key=lambda result: result["seconds"])
        warms = []
        for _ in range(REPEATS):
            new = generate(folder, NEW, start=size)
            warms.append(measure("build", folder, out))
            for path in new:
                path.unlink()
            measure("build", folder, out)  # forgets them again: each warm run sees 10 new
        warm = min(warms, key=lambda result: result["seconds"])
        peak = max(result["peak_mb"] for result in [*colds, *warms])
        lines.append(
            f"{size:>9,} {floor['seconds']:>8.2f} {cold['seconds']:>7.2f} "
            f"{cold['seconds'] / floor['seconds']:>10.2f} {size / cold['seconds']:>8,.0f} "
            f"{warm['seconds']:>7.3f} {warm['wall']:>10.3f} "
            f"{warm['seconds'] / cold['seconds']:>9.1%} {peak:>8.0f}"
        )
        if size == 10_000:
            verdicts.append(_verdict("cold 10,000 within 1.25x the floor", cold, floor, 1.25))
        if size == 100_000:
            verdicts.append(
                f"{'met' if warm['seconds'] < 1 else 'MISSED'}: warm 100,000 + {NEW} new under 1 s"
                f" ({warm['seconds']:.3f} s; whole command {warm['wall']:.3f} s)"
            )
            ratio = warm["seconds"] / cold["seconds"]
            verdicts.append(
                f"{'met' if ratio < 0.1 else 'MISSED'}: warm under 10% of cold ({ratio:.1%})"
            )
            verdicts.append(
                f"{'met' if peak < 150 else 'MISSED'}: peak memory under 150 MB ({peak:.0f} MB)"
            )
    return [*lines, "", *verdicts]


def _is_current(folder: Path, size: int) -> bool:
    """Whether ``folder`` (kept in ``$BENCH_DIR``) holds what the generator makes today."""
    if not folder.is_dir() or sum(1 for _ in os.scandir(folder)) != size:
        return False
    with tempfile.TemporaryDirectory() as scratch:
        expected = generate(Path(scratch), 1, start=size - 1)[0]
        kept = folder / expected.name
        return kept.is_file() and kept.read_bytes() == expected.read_bytes()


def _verdict(name: str, cold: dict[str, float], floor: dict[str, float], limit: float) -> str:
    ratio = cold["seconds"] / floor["seconds"]
    return f"{'met' if ratio <= limit else 'MISSED'}: {name} ({ratio:.2f}x)"


def main() -> None:
    """Command line: ``python -m bench.run [--sizes 1000,10000] [--rows scale|hostile|all]``."""
    parser = argparse.ArgumentParser(description="feedgen-miit benchmark")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--rows", choices=("all", "scale", "hostile"), default="all")
    arguments = parser.parse_args()
    sizes = tuple(int(size) for size in arguments.sizes.split(","))
    configured = os.environ.get("BENCH_DIR")
    with tempfile.TemporaryDirectory(prefix="feedgen-miit-bench-") as scratch:
        root = Path(configured) if configured else Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        print(f"feedgen-miit benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
        print(f"files in {root}\n", flush=True)
        if arguments.rows in {"all", "scale"}:
            for line in run(root, sizes):
                print(line, flush=True)
        if arguments.rows in {"all", "hostile"}:
            from bench.hostile import run_hostile  # noqa: PLC0415 - it imports this module

            print(flush=True)
            for line in run_hostile(root):
                print(line, flush=True)


if __name__ == "__main__":
    main()
