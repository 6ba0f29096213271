"""``make bench``: whole commands and in-process builds, against floors and Hugo, as ratios.

For each size (``--sizes``, default 1,000, 10,000 and 100,000 articles), in a scratch folder
(``$BENCH_DIR`` or a temporary one; never in the repository), every row is measured
:data:`REPEATS` times, the tools alternated (one run of each row, then the next round) so
that the machine's noise hits them alike, and the fastest run counts; peaks are the largest
of the runs:

- *floor: scandir + stat*: ``python bench/floors/scandir_stat.py``, listing the tree and
  ``stat``-ing every file: the least a rebuild that finds nothing new can do;
- *floor: read + parse*: ``python bench/floors/read_parse.py``, reading every file and parsing
  its front matter (PyYAML's C loader) and its date: the least any feed of it can cost;
- *floor: .gz + .br of every output*: ``python bench/floors/copies.py OUT`` after each cold
  build, compressing every file it published as the build does, in a process per CPU: the
  least any build that publishes those files with their copies can cost;
- *feedgen-miit build, cold*: the real command, ``python -m feedgen_miit build ARTICLES --out
  OUT --config FILE``, with an empty output folder and no index (the file puts the index
  beside the output folder, ``cache_dir = "OUT.cache"``, removed with it); every output;
- *feedgen-miit build, cold, feeds only*: the same with ``write_pages``, ``write_index`` and
  ``write_archives`` off: no article pages, no category or monthly listings, no archive
  documents, no ``index.html``; the feeds, their compressed copies and OPML stay;
- *feedgen-miit build, warm (+10 new)*: 10 new articles, then the command again (the
  nightly case); after each run they are removed and forgotten by another build;
- *Hugo, a page per post + full-content Atom*: ``hugo --quiet`` over a converted copy of the
  same articles (:mod:`bench.hugosite`, the site in ``bench/hugo/``), cold: no ``public/``,
  no ``resources/``, an empty ``--cacheDir``. When ``hugo`` is on ``PATH``, at sizes up to
  ``--hugo-max`` (10,000 by default: Hugo holds the whole site in memory, about 1 GB at
  10,000 articles).

Once per run, the start-up rows: ``python -c pass``, ``feedgen-miit --help`` and
``feedgen-miit --version`` (as ``python -m feedgen_miit``), and the imports a build makes
before its work (``python -c "import feedgen_miit.cli, feedgen_miit.pipeline"``: the
start-up share of every build row), each :data:`STARTUP_REPEATS` times, alternated: they
take tens or hundreds of milliseconds, and more runs steady the fastest.

Whole commands are timed and their peak taken from outside (:mod:`bench.whole`: wall time
from this process, the peak by GNU time, the command's and its workers', never this
process's). Beside them, today's in-process figures: the cold and warm builds run again in a
child that times only ``build()`` (interpreter start-up and imports excluded) and reports
its own high-water resident set (``VmHWM``) or its largest worker's; the floors print the
time of their work alone. Generated files are older than the index's racy window before a
cold build, as they are in real use, and the page cache is warm, as a nightly run finds it.
Before each timed build the disks are synced (``os.sync``, not timed): a build that
syncs its files must not pay for the files the previous row wrote and deleted.

Then the hostile rows (:mod:`bench.hostile`): folders large in an unusual way, each at two
sizes, to show that their cost grows linearly and stays within its limits. Last, one block
of the targets, each ``met:``, ``MISSED:`` or ``not measured``.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import hugosite
from bench.floors import COPIES, READ_PARSE, SCANDIR_STAT
from bench.generate import generate, write_folder
from bench.whole import Run, has_gnu_time, run_command

SIZES = (1_000, 10_000, 100_000)
#: The largest size ``--sizes`` accepts.
MAX_SIZE = 1_000_000
NEW = 10
#: Every row is measured this many times, and the fastest run counts: on a shared machine,
#: noise only ever adds time.
REPEATS = 3
#: The start-up rows (tens of milliseconds each) are measured this many times.
STARTUP_REPEATS = 3 * REPEATS
#: Hugo runs at sizes up to this many articles unless ``--hugo-max`` says otherwise.
HUGO_MAX = 10_000
#: The repository: the commands run its code, whatever the working folder.
ROOT = Path(__file__).resolve().parent.parent
#: Whole commands and children import this repository's ``feedgen_miit``, whichever is
#: installed.
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
}

#: The rows, in the order shown: key and name. Size 0 holds the start-up rows.
ROWS = {
    "pass": "python -c pass",
    "help": "feedgen-miit --help",
    "version": "feedgen-miit --version",
    "imports": "imports of a build (cli, pipeline)",
    "stat": "floor: scandir + stat",
    "floor": "floor: read + parse",
    "copies": "floor: .gz + .br of every output",
    "cold": "feedgen-miit build, cold",
    "feeds": "feedgen-miit build, cold, feeds only",
    "warm": f"feedgen-miit build, warm (+{NEW} new)",
    "hugo": "Hugo, a page per post + full-content Atom",
}
STARTUP_ROWS = ("pass", "help", "version", "imports")
#: The settings of the feeds-only build.
FEEDS_ONLY = {"write_pages": False, "write_index": False, "write_archives": False}
#: Peak memory every build must stay under, at every size (MB).
PEAK_LIMIT_MB = 150.0

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

if mode == "render":  # one entry of int(folder) categories, in every format and its page
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
    """Run one in-process measurement in a child process; add its wall time and peak (MB)."""
    started = time.perf_counter()
    with subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _CHILD, mode, str(folder), str(out)],
        stdout=subprocess.PIPE,
        text=True,
        env=ENV,
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


@dataclass
class Figure:
    """A row at one size: the fastest of its runs, and the largest peak among them.

    ``wall`` and ``peak_mb`` are the whole command's; ``seconds`` and ``inner_peak_mb`` the
    in-process figures (the work alone), where the row has them.
    """

    wall: float | None = None
    peak_mb: float | None = None
    seconds: float | None = None
    inner_peak_mb: float | None = None

    def add_whole(self, run: Run) -> None:
        """Count one whole-command run."""
        self.wall = _least(self.wall, run.wall)
        self.peak_mb = _most(self.peak_mb, run.peak_mb)

    def add_inner(self, seconds: float, peak_mb: float | None = None) -> None:
        """Count one in-process run."""
        self.seconds = _least(self.seconds, seconds)
        self.inner_peak_mb = _most(self.inner_peak_mb, peak_mb)

    @property
    def peak(self) -> float | None:
        """The largest peak seen, whole command or in-process."""
        return _most(self.peak_mb, self.inner_peak_mb)


#: Every figure of a run, by size (0 for the start-up rows) and row key.
Figures = dict[tuple[int, str], Figure]


def _least(old: float | None, new: float | None) -> float | None:
    return new if old is None else old if new is None else min(old, new)


def _most(old: float | None, new: float | None) -> float | None:
    return new if old is None else old if new is None else max(old, new)


def feedgen_command(*arguments: str) -> list[str]:
    """The whole ``feedgen-miit`` command, as this repository's code runs it."""
    return [sys.executable, "-m", "feedgen_miit", *arguments]


def build_command(folder: Path, out: Path, config: Path) -> list[str]:
    """``feedgen-miit build`` of ``folder`` into ``out``, with the settings in ``config``."""
    return feedgen_command("build", str(folder), "--out", str(out), "--config", str(config))


def write_config(path: Path, out: Path, **settings: bool) -> Path:
    """A settings file at ``path``: the index beside ``out`` (``OUT.cache``), and ``settings``."""
    lines = [f"cache_dir = {json.dumps(str(out.with_name(out.name + '.cache')))}"]
    lines += [f"{key} = {str(value).lower()}" for key, value in settings.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def compile_package() -> None:
    """Write the package's bytecode, as ``pip install`` does (and a first run, unless
    ``PYTHONDONTWRITEBYTECODE`` is set): otherwise every whole command of a checkout whose
    ``__pycache__`` is stale compiles the modules it imports, 0.09 s of the 0.30 s that
    importing the build's modules takes, and no installed copy pays that."""
    compileall.compile_dir(ROOT / "feedgen_miit", quiet=1)


def whole(argv: Sequence[str]) -> Run:
    """One whole command, run in the repository with its code first on the import path."""
    return run_command(argv, cwd=ROOT, env=ENV)


def clear(out: Path) -> None:
    """Remove the output folder ``out`` and its index (a cold build finds neither)."""
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(out.with_name(out.name + ".cache"), ignore_errors=True)


def settle() -> None:
    """Flush freshly written files and let them age past the cache's racy window."""
    from feedgen_miit.scan import RACY_WINDOW_NS  # noqa: PLC0415 - only the bench needs it

    os.sync()
    time.sleep(RACY_WINDOW_NS / 1e9 + 0.2)


def measure_startup(figures: Figures, repeats: int = STARTUP_REPEATS) -> None:
    """The start-up rows: ``python -c pass``, ``--help`` and ``--version``, alternated."""
    commands = {
        "pass": [sys.executable, "-c", "pass"],
        "help": feedgen_command("--help"),
        "version": feedgen_command("--version"),
        "imports": [sys.executable, "-c", "import feedgen_miit.cli, feedgen_miit.pipeline"],
    }
    for _ in range(repeats):
        for key, argv in commands.items():
            figures.setdefault((0, key), Figure()).add_whole(whole(argv))


def measure_size(
    root: Path, size: int, figures: Figures, *, hugo: str | None, repeats: int = REPEATS
) -> None:
    """Every row at ``size`` articles (Hugo's if ``hugo`` names the program)."""
    folder = root / f"articles-{size}"
    out = root / f"public-{size}"
    feeds = root / f"feeds-{size}"
    config = write_config(root / f"feedgen-miit-{size}.toml", out)
    feeds_config = write_config(root / f"feedgen-miit-{size}-feeds.toml", feeds, **FEEDS_ONLY)
    if not _is_current(folder, size):
        shutil.rmtree(folder, ignore_errors=True)
        write_folder(folder, size)
        settle()
    site = root / f"hugo-{size}"
    if hugo is not None:
        hugosite.convert(folder, site)  # not timed; written afresh, as the articles may be
    whole([sys.executable, str(READ_PARSE), str(folder)])  # warms the page cache

    def figure(key: str) -> Figure:
        return figures.setdefault((size, key), Figure())

    def floor(key: str, script: Path, over: Path = folder) -> None:
        run = whole([sys.executable, str(script), str(over)])
        figure(key).add_whole(run)
        figure(key).add_inner(float(json.loads(run.stdout)["seconds"]))

    for _ in range(repeats):  # alternated, so that all see the machine in the same mood
        floor("stat", SCANDIR_STAT)
        floor("floor", READ_PARSE)
        clear(out)
        os.sync()
        figure("cold").add_whole(whole(build_command(folder, out, config)))
        floor("copies", COPIES, out)
        clear(out)
        os.sync()
        inner = measure("build", folder, out)
        figure("cold").add_inner(inner["seconds"], inner["peak_mb"])
        clear(feeds)
        os.sync()
        figure("feeds").add_whole(whole(build_command(folder, feeds, feeds_config)))
        if hugo is not None:
            hugosite.clear(site)
            os.sync()
            figure("hugo").add_whole(whole(hugosite.command(hugo, site)))
    clear(feeds)
    if hugo is not None:
        hugosite.clear(site)

    warm = figure("warm")
    for _ in range(repeats):
        for in_process in (False, True):
            new = generate(folder, NEW, start=size)
            os.sync()
            if in_process:
                inner = measure("build", folder, out)
                warm.add_inner(inner["seconds"], inner["peak_mb"])
            else:
                warm.add_whole(whole(build_command(folder, out, config)))
            for path in new:
                path.unlink()
            measure("build", folder, out)  # forgets them again: each warm run sees 10 new


def _is_current(folder: Path, size: int) -> bool:
    """Whether ``folder`` (kept in ``$BENCH_DIR``) holds what the generator makes today."""
    if not folder.is_dir() or sum(1 for _ in os.scandir(folder)) != size:
        return False
    with tempfile.TemporaryDirectory() as scratch:
        expected = generate(Path(scratch), 1, start=size - 1)[0]
        kept = folder / expected.name
        return kept.is_file() and kept.read_bytes() == expected.read_bytes()


def table(figures: Figures, sizes: Sequence[int]) -> list[str]:
    """The rows: whole command (wall, peak) and in-process (seconds, peak), by size."""
    lines = [
        f"{'':<52} {'whole command':>17} {'in-process':>17}",
        f"{'articles':>8}  {'row':<41} {'wall s':>8} {'peak MB':>8} {'work s':>8} {'peak MB':>8}",
    ]
    for size in (0, *sizes):
        first = True
        for key, name in ROWS.items():
            found = figures.get((size, key))
            if found is None:
                continue
            shown = "" if not first else f"{size:,}" if size else "start-up"
            first = False
            lines.append(
                f"{shown:>8}  {name:<41} {_number(found.wall, 3):>8} "
                f"{_number(found.peak_mb, 0):>8} {_number(found.seconds, 3):>8} "
                f"{_number(found.inner_peak_mb, 0):>8}"
            )
    return lines


def _number(value: float | None, decimals: int) -> str:
    return "-" if value is None else f"{value:,.{decimals}f}"


#: The ratios shown for every size: name, then the figure above and the one below the line
#: (row key, and "wall" for whole commands or "seconds" for in-process figures).
RATIOS: tuple[tuple[str, tuple[str, str], tuple[str, str]], ...] = (
    ("cold, all outputs / Hugo (whole commands)", ("cold", "wall"), ("hugo", "wall")),
    ("cold, all outputs / read + parse floor (whole)", ("cold", "wall"), ("floor", "wall")),
    (".gz + .br of every output / Hugo (whole)", ("copies", "wall"), ("hugo", "wall")),
    (".gz + .br of every output / read + parse floor", ("copies", "wall"), ("floor", "wall")),
    ("cold, feeds only / read + parse floor (whole)", ("feeds", "wall"), ("floor", "wall")),
    ("warm +10 / scandir + stat floor (whole)", ("warm", "wall"), ("stat", "wall")),
    ("cold: whole command / in-process", ("cold", "wall"), ("cold", "seconds")),
    ("warm: whole command / in-process", ("warm", "wall"), ("warm", "seconds")),
    ("cold / read + parse floor (in-process)", ("cold", "seconds"), ("floor", "seconds")),
)
#: Shown as percentages.
SHARES: tuple[tuple[str, tuple[str, str], tuple[str, str]], ...] = (
    ("warm / cold (in-process)", ("warm", "seconds"), ("cold", "seconds")),
)


def ratio(
    figures: Figures, size: int, top: tuple[str, str], bottom: tuple[str, str]
) -> float | None:
    """``top`` / ``bottom`` at ``size``, if both were measured."""
    values = []
    for key, column in (top, bottom):
        found = figures.get((size, key))
        values.append(None if found is None else getattr(found, column))
    above, below = values
    return None if above is None or below is None or below <= 0 else above / below


def ratios(figures: Figures, sizes: Sequence[int]) -> list[str]:
    """The ratios between rows, a column per size, and the start-up ratios."""
    lines = [f"{'ratio (fastest runs)':<52}" + "".join(f"{size:>10,}" for size in sizes)]
    for name, top, bottom in RATIOS:
        cells = [ratio(figures, size, top, bottom) for size in sizes]
        lines.append(f"{name:<52}" + "".join(f"{_times(cell):>10}" for cell in cells))
    for name, top, bottom in SHARES:
        cells = [ratio(figures, size, top, bottom) for size in sizes]
        shown = ["-" if cell is None else f"{cell:.1%}" for cell in cells]
        lines.append(f"{name:<52}" + "".join(f"{cell:>10}" for cell in shown))
    rates = []
    for size in sizes:
        cold = figures.get((size, "cold"))
        seconds = None if cold is None else cold.seconds
        rates.append("-" if not seconds else f"{size / seconds:,.0f}")
    lines.append(
        f"{'articles per second, cold (in-process)':<52}" + "".join(f"{r:>10}" for r in rates)
    )
    for key in ("help", "version", "imports"):
        found = ratio(figures, 0, (key, "wall"), ("pass", "wall"))
        if found is not None:
            lines.append(f"{ROWS[key] + ' / python -c pass':<52}{_times(found):>10}")
    return lines


def _times(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


@dataclass(frozen=True)
class Target:
    """A ratio the issue sets: ``top`` / ``bottom`` at ``size`` within ``limit``."""

    text: str
    size: int
    top: tuple[str, str]
    bottom: tuple[str, str]
    limit: float
    #: Shown as a percentage, not as a ratio.
    percent: bool = False
    #: A floor ``top`` can never go below: when it alone is past the limit, the line says so.
    least: tuple[str, str] | None = None


TARGETS = (
    Target(
        "cold 10,000, all outputs (article pages included), within 0.75x Hugo",
        10_000,
        ("cold", "wall"),
        ("hugo", "wall"),
        0.75,
        least=("copies", "wall"),
    ),
    Target(
        "cold 10,000, all outputs, within 1.2x the read + parse floor",
        10_000,
        ("cold", "wall"),
        ("floor", "wall"),
        1.2,
        least=("copies", "wall"),
    ),
    Target(
        "cold 10,000, feeds only, within 1.0x the read + parse floor",
        10_000,
        ("feeds", "wall"),
        ("floor", "wall"),
        1.0,
    ),
    Target(
        f"warm 100,000 + {NEW} new within 1.5x the scandir + stat walk",
        100_000,
        ("warm", "wall"),
        ("stat", "wall"),
        1.5,
    ),
    Target("--help within 5x python -c pass", 0, ("help", "wall"), ("pass", "wall"), 5.0),
    Target("--version within 5x python -c pass", 0, ("version", "wall"), ("pass", "wall"), 5.0),
    Target(
        "warm under 10% of cold at 100,000 (in-process)",
        100_000,
        ("warm", "seconds"),
        ("cold", "seconds"),
        0.1,
        percent=True,
    ),
)


def targets(
    figures: Figures, sizes: Sequence[int], missing: Mapping[str, str] | None = None
) -> list[str]:
    """Each target's line: ``met:``, ``MISSED:`` (with the ratio) or ``not measured``.

    ``missing`` tells why a row was left out (``{"hugo": "hugo is not on PATH"}``).
    """
    missing = missing or {}
    lines = []
    for target in TARGETS:
        if target.size and target.size not in sizes:
            lines.append(f"not measured (size {target.size} not in --sizes): {target.text}")
            continue
        found = ratio(figures, target.size, target.top, target.bottom)
        if found is None:
            absent = [k for k in (target.top[0], target.bottom[0]) if k in missing]
            why = missing[absent[0]] if absent else "no figure"
            lines.append(f"not measured ({why}): {target.text}")
            continue
        shown = f"{found:.1%}" if target.percent else f"{found:.2f}x"
        if target.least is not None:
            least = ratio(figures, target.size, target.least, target.bottom)
            if least is not None and least > target.limit:
                shown += f"; out of reach: {ROWS[target.least[0]]} alone takes {least:.2f}x"
        lines.append(f"{_met(found <= target.limit)}: {target.text} ({shown})")
    lines.append(_warm_under_a_second(figures, sizes))
    lines.append(_peaks(figures, sizes))
    return lines


def _warm_under_a_second(figures: Figures, sizes: Sequence[int]) -> str:
    text = f"warm 100,000 + {NEW} new under 1 s (in-process)"
    warm = figures.get((100_000, "warm"))
    if 100_000 not in sizes:
        return f"not measured (size 100000 not in --sizes): {text}"
    if warm is None or warm.seconds is None:
        return f"not measured (no figure): {text}"
    return (
        f"{_met(warm.seconds < 1)}: {text} ({warm.seconds:.3f} s; "
        f"whole command {_number(warm.wall, 3)} s)"
    )


def _peaks(figures: Figures, sizes: Sequence[int]) -> str:
    text = f"peak memory under {PEAK_LIMIT_MB:.0f} MB at every size measured (cold and warm)"
    peaks = [
        (peak, size)
        for size in sizes
        for key in ("cold", "feeds", "warm")
        if (found := figures.get((size, key))) is not None and (peak := found.peak) is not None
    ]
    if not peaks:
        return f"not measured (no size): {text}"
    largest, size = max(peaks)
    return f"{_met(largest < PEAK_LIMIT_MB)}: {text} ({largest:.0f} MB at {size:,})"


def _met(met: bool) -> str:
    return "met" if met else "MISSED"


def run(
    root: Path, sizes: Sequence[int], *, hugo: str | None, hugo_max: int
) -> tuple[list[str], list[str]]:
    """Measure the start-up rows and every size; return the report's lines and targets."""
    figures: Figures = {}
    print("bench: start-up rows", file=sys.stderr, flush=True)
    measure_startup(figures)
    for size in sizes:
        print(f"bench: {size:,} articles", file=sys.stderr, flush=True)
        measure_size(root, size, figures, hugo=hugo if size <= hugo_max else None)
    missing = {"hugo": "hugo is not on PATH"}
    if hugo is not None:
        missing = {"hugo": f"Hugo runs up to --hugo-max {hugo_max}"}
    return [*table(figures, sizes), "", *ratios(figures, sizes)], targets(figures, sizes, missing)


def _size(text: str) -> int:
    """A size of ``--sizes``: a count of articles from 1 to :data:`MAX_SIZE`."""
    try:
        size = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of articles: {text!r}") from None
    if not 1 <= size <= MAX_SIZE:
        raise argparse.ArgumentTypeError(f"{size} articles: from 1 to {MAX_SIZE:,}")
    return size


def sizes_option(text: str) -> tuple[int, ...]:
    """``--sizes``: comma-separated counts of articles (``1000,10000``), each measured once."""
    return tuple(dict.fromkeys(_size(part.strip()) for part in text.split(",") if part.strip()))


def main(arguments: Sequence[str] | None = None) -> None:
    """Command line: ``python -m bench.run [--sizes 1000,10000] [--rows scale|hostile|all]``."""
    parser = argparse.ArgumentParser(description="feedgen-miit benchmark")
    parser.add_argument(
        "--sizes",
        type=sizes_option,
        default=SIZES,
        help=f"comma-separated numbers of articles, up to {MAX_SIZE:,} "
        f"(default {','.join(map(str, SIZES))})",
    )
    parser.add_argument("--rows", choices=("all", "scale", "hostile"), default="all")
    parser.add_argument(
        "--hugo-max",
        type=_size,
        default=HUGO_MAX,
        help=f"largest size Hugo is run at (default {HUGO_MAX:,})",
    )
    options = parser.parse_args(arguments)
    if not options.sizes:
        parser.error("--sizes names no size")
    configured = os.environ.get("BENCH_DIR")
    compile_package()
    hugo = hugosite.hugo()
    with tempfile.TemporaryDirectory(prefix="feedgen-miit-bench-") as scratch:
        root = Path(configured) if configured else Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        peaks = "GNU time" if has_gnu_time() else "wait4, unknown below this process's own"
        print(
            f"feedgen-miit benchmark: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
            f"{hugosite.version(hugo) if hugo else 'no hugo on PATH'}; whole-command peaks "
            f"by {peaks}; fastest of {REPEATS} runs ({STARTUP_REPEATS} for start-up)"
        )
        print(f"files in {root}\n", flush=True)
        verdicts: list[str] = []
        if options.rows in {"all", "scale"}:
            lines, found = run(root, options.sizes, hugo=hugo, hugo_max=options.hugo_max)
            verdicts += found
            print("\n".join(lines), flush=True)
        if options.rows in {"all", "hostile"}:
            from bench.hostile import run_hostile  # noqa: PLC0415 - it imports this module

            lines, found = run_hostile(root)
            verdicts += found
            print("\n" + "\n".join(lines), flush=True)
        print("\ntargets:\n" + "\n".join(verdicts), flush=True)


if __name__ == "__main__":
    main()
