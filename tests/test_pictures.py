"""An entry's picture: never an image the cleaning removed; the candidates, in order."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedgen_miit import Settings, build, load_folder, make_settings
from feedgen_miit.index import SITE_PICTURE_MIN, ArticleIndex
from feedgen_miit.model import Article, Entry
from feedgen_miit.tasks import REMOVED_PICTURE, Work, make_entry
from tests.conftest import WriteArticle
from tests.golden import EXAMPLES

QR = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def entries_of(settings: Settings) -> dict[str, Entry]:
    """Every article of ``settings``' folder as an entry, by file name."""
    work = Work(settings, NOW)
    return {
        article.path.name: make_entry(work, article)
        for article in load_folder(settings, now=NOW).articles
    }


def article(front_matter: str, body: str) -> str:
    return f"---\ntitle: '工信部召开座谈会'\ndate: 2024-03-01\n{front_matter}---\n{body}\n"


def test_the_real_sina_articles_have_no_picture_and_say_why() -> None:
    entries = entries_of(make_settings(EXAMPLES))
    for name in ("000_27c21f8ea3a86f41.txt", "003_fc8202fde1ad1ddd.txt"):
        entry = entries[name]
        assert entry.article.thumbnail == QR  # what the front matter names
        assert (entry.thumbnail, entry.images) == (None, ())
        assert entry.dropped_picture == f"{QR}: {REMOVED_PICTURE}"
    # A relative headimg resolved against the base URL is kept; the QR code in this file's
    # app-promotion block is not a candidate.
    handmade = entries["011_9c41d7e2a8b35f06.txt"]
    assert handmade.images == ("http://localhost:8000/images/2023/0602/head.jpg",)
    assert handmade.thumbnail == handmade.images[0]
    assert handmade.dropped_picture is None
    # No front matter picture: the body's image.
    assert entries["010_5b2e9a1c7d3f4e60.txt"].images == (
        "https://finance.sina.com.cn/images/2023/0418/chart.png",
    )
    assert entries["012_0e7f3a5b6c2d1948.txt"].images == ()


def test_the_front_matter_picture_comes_first_then_the_body_images_each_once(
    write_article: WriteArticle, settings: Settings
) -> None:
    write_article(
        "a.txt",
        article(
            "thumbnail: 'https://img.example.org/b.png'\n",
            '<p>正文<img src="https://img.example.org/a.png"><img data-src="/b.png" src="">'
            '<img src="https://img.example.org/c.png"></p>',
        ),
    )
    settings = make_settings(settings.articles_dir, base_url="https://img.example.org/")
    (entry,) = entries_of(settings).values()
    assert entry.images == (
        "https://img.example.org/b.png",
        "https://img.example.org/a.png",
        "https://img.example.org/c.png",
    )
    assert entry.thumbnail == "https://img.example.org/b.png"
    assert entry.dropped_picture is None


@pytest.mark.parametrize(
    ("front_matter", "dropped"),
    [
        (f"headimg: '{QR}'\n", QR),
        ("headimg: '/qr.png'\n", "https://example.org/qr.png"),  # relative: resolved alike
        (
            "link: 'https://example.org/news/a.html'\nthumbnail: '../qr.png'\n",
            "https://example.org/qr.png",
        ),
        ("link: 'https://example.org/news/a.html'\nthumbnail: 'qr.png'\n", None),
    ],
)
def test_a_front_matter_picture_the_cleaning_removed_gives_way_to_the_body(
    write_article: WriteArticle, settings: Settings, front_matter: str, dropped: str | None
) -> None:
    write_article(
        "a.txt",
        article(
            front_matter,
            f'<p>正文<img src="/photo.jpg"></p><div class="appendQr_wrap"><img src="{QR}">'
            '<img src="/qr.png"></div>',
        ),
    )
    settings = make_settings(settings.articles_dir, base_url="https://example.org/")
    (entry,) = entries_of(settings).values()
    if dropped is None:  # qr.png in the link's folder is another image: kept
        assert entry.images == ("https://example.org/news/qr.png", "https://example.org/photo.jpg")
        assert entry.dropped_picture is None
    else:
        assert entry.images == ("https://example.org/photo.jpg",)
        assert entry.thumbnail == "https://example.org/photo.jpg"
        assert entry.dropped_picture == f"{dropped}: {REMOVED_PICTURE}"


def test_a_cached_entry_comes_back_with_its_pictures(
    write_article: WriteArticle,
    settings: Settings,
    articles_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write_article(
        "a.txt",
        article(
            f"thumbnail: '{QR}'\n",
            '<p>正文<img src="https://img.example.org/a.png"></p>'
            f'<div class="appendQr_wrap"><img src="{QR}"></div>',
        ),
    )
    build(settings)
    cached: list[Entry | None] = []
    real = ArticleIndex.with_entries

    def with_entries(
        index: ArticleIndex, sources: Sequence[str]
    ) -> Iterator[tuple[Article, Entry | None]]:
        for article, found in real(index, sources):
            cached.append(found)
            yield article, found

    monkeypatch.setattr(ArticleIndex, "with_entries", with_entries)
    build(settings)
    (stored,) = cached
    assert stored is not None
    assert stored == make_entry(Work(settings, NOW), stored.article)
    assert stored.images == ("https://img.example.org/a.png",)
    assert stored.dropped_picture == f"{QR}: {REMOVED_PICTURE}"


def test_a_site_picture_gives_way_to_the_articles_own_image(
    write_article: WriteArticle, settings: Settings, output_dir: Path
) -> None:
    logo = "https://img.example.org/logo.png"
    for number in range(SITE_PICTURE_MIN):
        own = f'<img src="https://img.example.org/{number}.jpg">' if number == 0 else ""
        write_article(
            f"{number}.txt", article(f"thumbnail: '{logo}'\n", f"<p>正文 {number}{own}</p>")
        )
    build(settings)
    entries = {
        entry["title"] + entry["url"]: entry.get("image")
        for entry in json.loads((output_dir / "feed.json").read_text())["items"]
    }
    images = sorted(str(image) for image in entries.values())
    # The logo every article names is nobody's picture; the one article with an image of its
    # own shows it.
    assert images == ["None", "None", "https://img.example.org/0.jpg"]


def test_a_thumbnail_left_out_is_said_once_with_v(
    write_article: WriteArticle, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("a.txt", "b.txt"):
        write_article(
            name,
            article(
                f"thumbnail: '{QR}'\n",
                f'<p>正文 {name}</p><div class="appendQr_wrap"><img src="{QR}"></div>',
            ),
        )
    with caplog.at_level(logging.INFO, logger="feedgen_miit"):
        build(settings)
    said = [
        record.getMessage()
        for record in caplog.records
        if record.getMessage().startswith("thumbnail")
    ]
    assert said == [f"thumbnail left out of 2 entries: {QR}: {REMOVED_PICTURE}"]
