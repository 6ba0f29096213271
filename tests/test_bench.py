"""The benchmark's generated articles are real articles: every one builds into an entry."""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path

import pytest
from lxml import etree

from bench import hugosite
from bench.floors import COPIES, READ_PARSE, SCANDIR_STAT
from bench.generate import generate, write_folder
from bench.run import (
    ENV,
    FEEDS_ONLY,
    STARTUP_ROWS,
    Figure,
    Figures,
    build_command,
    compile_package,
    measure,
    ratios,
    sizes_option,
    table,
    targets,
    whole,
    write_config,
)
from bench.whole import has_gnu_time, run_command
from feedgen_miit import build, make_settings
from feedgen_miit.loader import load_article, read_body
from feedgen_miit.sanitize import clean_body, to_text


def test_generated_articles_all_publish_with_1_to_8_kb_of_text(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    paths = generate(articles, 120)  # article 69 once had no paragraph at all
    settings = make_settings(
        articles, output_dir=tmp_path / "public", limit=0, max_feed_bytes=10_000_000
    )
    report = build(settings)
    assert (report.problems, report.entries) == ((), 120)
    for path in paths:
        article = load_article(path, settings=settings)
        text = "".join(to_text(clean_body(read_body(article, settings)).html).split())
        assert 1024 <= len(text.encode()) < 8192 + 60, path.name  # 60: the last cut's slack


def test_the_generator_is_deterministic(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 5)
    second = generate(tmp_path / "b", 5)
    assert [path.read_bytes() for path in first] == [path.read_bytes() for path in second]


def test_articles_of_a_category_of_their_own(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "articles", output_dir=tmp_path / "public")
    paths = generate(settings.articles_dir, 3, own_category=True)
    names = [load_article(path, settings=settings).categories for path in paths]
    assert [categories[0] for categories in names] == ["类别000000", "类别000001", "类别000002"]
    # the same files otherwise: the rest of the bench measures what it always did
    plain = generate(tmp_path / "plain", 3)
    other = make_settings(tmp_path / "plain")
    assert [n[1:] for n in names] == [
        load_article(path, settings=other).categories for path in plain
    ]


def test_a_measured_build_counts_its_own_memory_not_that_of_who_started_it(
    tmp_path: Path,
) -> None:
    # ru_maxrss survives exec: a bench started from a large process (pytest late in a run)
    # read that process's size as the build's peak, 300 MB for a build of two articles.
    generate(tmp_path / "articles", 2)
    ballast = b"x" * (400 << 20)  # touched, so resident
    result = measure("build", tmp_path / "articles", tmp_path / "public")
    assert len(ballast)
    assert result["entries"] == 2
    assert 10 < result["peak_mb"] < 200


def test_a_whole_command_counts_its_own_memory_not_that_of_who_started_it() -> None:
    ballast = b"x" * (400 << 20)  # touched, so resident: ru_maxrss of a child starts here
    started = run_command([sys.executable, "-c", "pass"])
    assert len(ballast)
    if has_gnu_time():
        assert started.peak_mb is not None
        assert 3 < started.peak_mb < 100
    # Without GNU time, wait4 alone cannot tell the two apart, and says it does not know.
    assert run_command([sys.executable, "-c", "pass"], gnu_time=False).peak_mb is None


def test_a_whole_command_counts_the_memory_of_its_workers() -> None:
    worker = (
        "import os\nif os.fork() == 0:\n    held = b'x' * (150 << 20)\n    os._exit(0)\nos.wait()"
    )
    if has_gnu_time():
        peak = run_command([sys.executable, "-c", worker]).peak_mb
        assert peak is not None
        assert 150 < peak < 400
    # wait4 alone: the worker's, unless this process has held more (then: unknown)
    peak = run_command([sys.executable, "-c", worker], gnu_time=False).peak_mb
    assert peak is None or 150 < peak < 400


def test_whole_builds_keep_their_index_beside_the_output_and_feeds_only_writes_feeds(
    tmp_path: Path, private_cache: Path
) -> None:
    articles = tmp_path / "articles"
    generate(articles, 3)
    ballast = b"x" * (400 << 20)
    runs = {}
    for name, settings in (("public", {}), ("feeds", FEEDS_ONLY)):
        out = tmp_path / name
        config = write_config(tmp_path / f"{name}.toml", out, **settings)
        runs[name] = whole(build_command(articles, out, config))
        assert (tmp_path / f"{name}.cache").is_dir()  # the index, where clear() removes it
    assert len(ballast)
    assert not private_cache.exists()
    for run in runs.values():
        assert run.peak_mb is None or 10 < run.peak_mb < 200
    written = {path.name for path in (tmp_path / "public").iterdir()}
    assert {"atom.xml", "rss.xml", "feed.json", "index.html", "articles"} <= written
    feeds = {path.name for path in (tmp_path / "feeds").iterdir()}
    assert {"atom.xml", "rss.xml", "feed.json", "feeds.opml"} <= feeds
    assert not feeds & {"index.html", "articles", "archive"}


def test_the_floors_read_every_article(tmp_path: Path) -> None:
    generate(tmp_path / "articles" / "sub", 2)
    generate(tmp_path / "articles", 1, start=2)
    for script in (READ_PARSE, SCANDIR_STAT):
        run = run_command([sys.executable, str(script), str(tmp_path / "articles")])
        assert json.loads(run.stdout)["files"] == 3


def test_the_copies_floor_compresses_every_file_a_build_gives_copies(tmp_path: Path) -> None:
    articles, out = tmp_path / "articles", tmp_path / "public"
    generate(articles, 3)
    whole(build_command(articles, out, write_config(tmp_path / "c.toml", out)))
    given_copies = [path for path in out.rglob("*") if path.with_name(path.name + ".gz").exists()]
    assert len(given_copies) > 3  # the feeds, the pages, the listings...
    run = run_command([sys.executable, str(COPIES), str(out)], env=ENV)
    said = json.loads(run.stdout)
    assert said["files"] == len(given_copies)
    assert said["bytes"] == sum(path.stat().st_size for path in given_copies)
    assert said["seconds"] > 0


def test_write_folder_writes_what_generate_writes(tmp_path: Path) -> None:
    assert write_folder(tmp_path / "a", 4, start=7) == 4
    paths = generate(tmp_path / "b", 4, start=7)
    assert [path.read_bytes() for path in paths] == [
        (tmp_path / "a" / path.name).read_bytes() for path in paths
    ]


def test_hugo_reads_dates_in_rfc_3339_and_front_matter_first(tmp_path: Path) -> None:
    text = generate(tmp_path, 1)[0].read_text(encoding="utf-8")
    converted = hugosite.to_hugo(text)
    assert converted.startswith("---\ntitle: '")
    assert "\ndate: 2018-01-01T08:" in converted
    assert converted.split("\n---\n", 1)[1] == text.split("\n---\n", 2)[2]  # body untouched
    assert hugosite.to_hugo("---\nupdated: 'Tue, 21 Jun 2022 03:44:48 GMT'\n---\nx") == (
        "---\nupdated: 2022-06-21T03:44:48+00:00\n---\nx"
    )
    assert hugosite.to_hugo("---\ndate: soon\n---\n") == "---\ndate: soon\n---\n"


@pytest.mark.skipif(hugosite.hugo() is None, reason="hugo is not on PATH")
def test_hugo_builds_a_page_per_post_and_a_full_content_atom_feed(tmp_path: Path) -> None:
    paths = generate(tmp_path / "articles", 3)
    site = tmp_path / "hugo"
    assert hugosite.convert(tmp_path / "articles", site) == 3
    program = hugosite.hugo()
    assert program is not None
    for _ in range(2):  # cold twice: clear() leaves nothing that a build reuses
        hugosite.clear(site)
        assert not (site / "public").exists()
        run_command(hugosite.command(program, site))
    pages = sorted((site / "public" / "posts").glob("*/index.html"))
    assert [page.parent.name for page in pages] == sorted(path.stem for path in paths)
    feed = etree.parse(str(site / "public" / "atom.xml"))
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == 3
    for entry in entries:
        content = entry.findtext("{http://www.w3.org/2005/Atom}content")
        assert content is not None
        assert "<p>" in content  # the body as HTML, to its end
        assert "news_keyword_pub" in content
        assert entry.findtext("{http://www.w3.org/2005/Atom}updated", "").startswith("2018-")
    assert not (hugosite.SITE / "public").exists()  # it never builds in the repository


def test_sizes_go_up_to_a_million() -> None:
    assert sizes_option("1000,10000") == (1000, 10_000)
    assert sizes_option("1000000") == (1_000_000,)
    for wrong in ("1000001", "0", "ten"):
        with pytest.raises(argparse.ArgumentTypeError):
            sizes_option(wrong)


def _figures(rows: dict[str, tuple[float, float | None, float]]) -> Figures:
    """Figures at 10,000 (the start-up rows at 0) from each row's (wall, seconds, peak)."""
    figures: Figures = {}
    for key, (wall, seconds, peak) in rows.items():
        size = 0 if key in STARTUP_ROWS else 10_000
        figures[size, key] = Figure(wall=wall, peak_mb=peak, seconds=seconds)
    return figures


def test_each_target_says_met_missed_or_not_measured() -> None:
    figures = _figures(
        {
            "pass": (0.02, None, 10),
            "help": (0.08, None, 20),  # 4x: met
            "version": (0.12, None, 20),  # 6x: missed
            "floor": (2.0, 1.8, 14),
            "stat": (0.1, 0.05, 11),
            "cold": (2.2, 2.0, 160),  # 1.1x the floor: met; 160 MB: missed
            "feeds": (2.4, None, 80),  # 1.2x the floor: missed
            "warm": (0.5, 0.2, 70),
        }
    )
    lines = targets(figures, (10_000,), {"hugo": "hugo is not on PATH"})
    assert len(lines) == 9
    assert all(line.startswith(("met: ", "MISSED: ", "not measured (")) for line in lines)
    said = "\n".join(lines)
    assert "not measured (hugo is not on PATH): cold 10,000, all outputs (article" in said
    assert "met: cold 10,000, all outputs, within 1.2x the read + parse floor (1.10x)" in said
    assert "MISSED: cold 10,000, feeds only, within 1.0x the read + parse floor (1.20x)" in said
    assert "not measured (size 100000 not in --sizes): warm 100,000 + 10 new within" in said
    assert "met: --help within 5x python -c pass (4.00x)" in said
    assert "MISSED: --version within 5x python -c pass (6.00x)" in said
    assert "MISSED: peak memory under 150 MB at every size measured (cold and warm) (160 MB" in said

    figures[10_000, "hugo"] = Figure(wall=4.0)
    said = "\n".join(targets(figures, (10_000,)))
    assert (
        "met: cold 10,000, all outputs (article pages included), within 0.75x Hugo (0.55x)" in said
    )
    shown = "\n".join([*table(figures, (10_000,)), *ratios(figures, (10_000,))])
    assert "Hugo, a page per post + full-content Atom" in shown
    assert "0.55x" in shown

    # A target that its own outputs' floor puts out of reach says so.
    figures[10_000, "hugo"] = Figure(wall=2.0)
    figures[10_000, "copies"] = Figure(wall=3.0, seconds=2.9)
    said = "\n".join(targets(figures, (10_000,)))
    assert (
        "MISSED: cold 10,000, all outputs (article pages included), within 0.75x Hugo (1.10x; "
        "out of reach: floor: .gz + .br of every output alone takes 1.50x)" in said
    )
    assert "within 1.2x the read + parse floor (1.10x; out of reach: floor: .gz + .br" in said
    assert "feeds only, within 1.0x the read + parse floor (1.20x)\n" in said
    figures[10_000, "copies"] = Figure(wall=1.0)
    assert "out of reach" not in "\n".join(targets(figures, (10_000,)))


def test_whole_commands_find_the_package_compiled_as_an_installed_copy_is() -> None:
    # With PYTHONDONTWRITEBYTECODE set (as on the development machine), a checkout's stale
    # bytecode was compiled again by every timed command, and counted.
    compile_package()
    package = Path(__file__).resolve().parent.parent / "feedgen_miit"
    for module in package.rglob("*.py"):
        cached = Path(importlib.util.cache_from_source(str(module)))
        assert cached.is_file(), module
        header = cached.read_bytes()[:16]
        if int.from_bytes(header[4:8], "little") == 0:  # stamped with the source's mtime
            assert int.from_bytes(header[8:12], "little") == int(module.stat().st_mtime), module
        else:  # hashed (SOURCE_DATE_EPOCH set): the source's hash, as the import checks it
            assert header[8:16] == importlib.util.source_hash(module.read_bytes()), module
