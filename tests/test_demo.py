"""The demo build's main feed, checked with real clients (golden files: test_formats.py)."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from lxml import etree

from feedgen_miit import build, make_settings
from tests.atomcheck import NS, assert_valid_atom
from tests.golden import EXAMPLES, build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return build_demo(tmp_path_factory.mktemp("demo"))


def test_rebuilding_in_place_leaves_the_file_untouched(tmp_path: Path) -> None:
    settings = make_settings(EXAMPLES, output_dir=tmp_path)
    build(settings)
    feed = tmp_path / "atom.xml"
    before = feed.stat().st_mtime_ns
    report = build(settings)
    assert report.written == ()
    assert feed in report.unchanged
    assert feed.stat().st_mtime_ns == before


def test_demo_feed_is_valid_atom(demo: dict[str, bytes]) -> None:
    assert_valid_atom(demo["atom.xml"])


def test_demo_feed_holds_every_example_newest_first(demo: dict[str, bytes]) -> None:
    parsed = feedparser.parse(demo["atom.xml"])
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == [
        "工信部发布新能源汽车推广应用推荐车型目录",
        "工信部召开中小企业发展环境座谈会",
        "工信部：一季度规模以上工业增加值同比增长3.0%",
        "工业和信息化部召开部分行业协会座谈会",
        "工信部召开部分省市上半年工业经济运行情况座谈会",
    ]
    published = [e.published_parsed for e in parsed.entries]
    assert published == sorted(published, reverse=True)
    real = parsed.entries[3]
    assert [t.term for t in real.tags] == ["金融", "新浪财经", "新浪财经－国內"]
    assert real.author == "新浪财经"
    assert real.contributors[0]["name"] == "王蒙"
    # Its only image is the app-promotion QR code, which the cleaning removes: no picture,
    # though the front matter names that image.
    assert "media_thumbnail" not in real
    # No thumbnail in the front matter: the body's first image stands in.
    assert parsed.entries[2].media_thumbnail[0]["url"] == (
        "https://finance.sina.com.cn/images/2023/0418/chart.png"
    )
    assert all(entry.get("contributors") for entry in parsed.entries)


def test_no_boilerplate_survives_in_any_content(demo: dict[str, bytes]) -> None:
    root = etree.fromstring(demo["atom.xml"])
    contents = [c.text or "" for c in root.iterfind("atom:entry/atom:content", NS)]
    assert len(contents) == 5
    for content in contents:
        for residue in ("<style", "<!--", "appendQr", "article-editor", "责任编辑", "二维码"):
            assert residue not in content
