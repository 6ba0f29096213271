"""The benchmark's generated articles are real articles: every one builds into an entry."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from lxml import etree

from bench import hugosite
from bench.floors import READ_PARSE, SCANDIR_STAT
from bench.generate import generate, write_folder
from bench.run import measure
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


def test_the_floors_read_every_article(tmp_path: Path) -> None:
    generate(tmp_path / "articles" / "sub", 2)
    generate(tmp_path / "articles", 1, start=2)
    for script in (READ_PARSE, SCANDIR_STAT):
        run = run_command([sys.executable, str(script), str(tmp_path / "articles")])
        assert json.loads(run.stdout)["files"] == 3


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
