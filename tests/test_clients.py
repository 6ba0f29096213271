"""Real clients over real HTTP: newsboat subscribes to the feeds, headless Chromium shows them.

Each test serves the demo build from a loopback HTTP server it starts (127.0.0.1 only, a
free port, stopped afterwards); every client runs under a time limit with its home, cache
and configuration in the test's temporary folder. Where a client is not installed the test
is skipped and says which Debian package provides it (CI installs both).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.error import HTTPError
from urllib.parse import urljoin
from urllib.request import urlopen

import feedparser
import pytest
from lxml import etree, html

from feedgen_miit import build, make_settings
from tests.browser import CHROMIUM, chromium_command
from tests.golden import EXAMPLES, FEED_FILES, GOLDEN_FILES

NEWSBOAT = shutil.which("newsboat")
#: No client may hang the suite: each run is stopped after this many seconds.
CLIENT_TIMEOUT = 90
CATEGORY_FEED = next(name for name in FEED_FILES if name.startswith("categories/"))


def _installed(path: str | None, package: str) -> str:
    """``path``, else skip the test; in CI (which installs both clients) fail it instead."""
    if path is None:
        message = f"{package} is not installed (Debian: apt-get install {package})"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; .ci/run should have installed it")
        pytest.skip(message)
    return path


@pytest.fixture
def newsboat() -> str:
    """The newsboat program."""
    return _installed(NEWSBOAT, "newsboat")


@pytest.fixture
def chromium() -> str:
    """The Chromium program."""
    return _installed(CHROMIUM, "chromium")


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files with the types a typical web server gives them, without logging."""

    extensions_map: ClassVar[dict[str, str]] = {  # type: ignore[misc]
        ".xml": "application/xml",
        ".xsl": "text/xsl",
        ".json": "application/feed+json",
        ".opml": "text/x-opml",
        ".html": "text/html; charset=utf-8",
        "": "application/octet-stream",
    }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass


@pytest.fixture(scope="module")
def served(demo_site: Path) -> Iterator[str]:
    """The demo build at ``http://127.0.0.1:<port>/``, for this module's tests."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_QuietHandler, directory=str(demo_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _client_env(home: Path) -> dict[str, str]:
    """A clean environment: a private home, no proxy (loopback must not leave the machine)."""
    home.mkdir(parents=True, exist_ok=True)
    keep = {name: os.environ[name] for name in ("PATH", "SYSTEMROOT") if name in os.environ}
    return {
        **keep,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LANG": "C.UTF-8",
        "no_proxy": "*",
        "NO_PROXY": "*",
    }


def _run_client(tmp_path: Path, command: list[str]) -> str:
    """Run ``command`` with a private home, no input and a time limit; its stdout."""
    result = subprocess.run(
        command,
        env=_client_env(tmp_path / "home"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=CLIENT_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


# -- newsboat --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["atom.xml", "rss.xml", CATEGORY_FEED])
def test_newsboat_fetches_the_feed_and_stores_every_entry(
    newsboat: str, served: str, demo_site: Path, tmp_path: Path, name: str
) -> None:
    # One cache per feed: newsboat keys items by guid alone, and the formats share ids.
    url = served + name
    urls = tmp_path / "urls"
    urls.write_text(url + "\n", encoding="utf-8")
    config = tmp_path / "config"
    config.write_text("download-timeout 20\ndownload-retries 1\n", encoding="utf-8")
    cache = tmp_path / "cache.db"
    _run_client(
        tmp_path,
        [newsboat, "-x", "reload", "-u", str(urls), "-c", str(cache), "-C", str(config)],
    )
    expected = feedparser.parse((demo_site / name).read_bytes())
    with sqlite3.connect(cache) as db:
        feed_titles = db.execute("SELECT title FROM rss_feed WHERE rssurl = ?", (url,)).fetchall()
        stored = db.execute(
            "SELECT guid, title FROM rss_item WHERE feedurl = ? ORDER BY pubDate DESC, guid",
            (url,),
        ).fetchall()
    assert feed_titles == [(expected.feed.title,)]
    assert stored == [(entry.id, entry.title) for entry in expected.entries]
    assert len(stored) >= 1


# -- Chromium --------------------------------------------------------------------------------


def _run_chromium(chromium: str, tmp_path: Path, *arguments: str) -> str:
    assert chromium == CHROMIUM
    return _run_client(tmp_path, chromium_command(tmp_path / "chromium-profile", *arguments))


def _text(element: etree._Element) -> str:
    return "".join(str(piece) for piece in element.itertext())


@pytest.mark.browser
@pytest.mark.parametrize("name", ["atom.xml", CATEGORY_FEED])
def test_chromium_shows_an_atom_feed_as_a_page(
    chromium: str, served: str, demo_site: Path, tmp_path: Path, name: str
) -> None:
    url = served + name
    screenshot = tmp_path / "feed.png"
    _run_chromium(chromium, tmp_path, "--window-size=1024,1400", f"--screenshot={screenshot}", url)
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = html.fromstring(_run_chromium(chromium, tmp_path, "--dump-dom", url))
    expected = feedparser.parse((demo_site / name).read_bytes())
    # The XSL view, not the raw XML tree Chromium shows for a feed without a stylesheet.
    assert [_text(h1).strip() for h1 in page.iter("h1")] == [expected.feed.title]
    shown = [_text(h2).strip() for h2 in page.iter("h2")]
    assert shown == [entry.title for entry in expected.entries]


@pytest.mark.browser
def test_chromium_shows_the_index_page_with_every_feed(
    chromium: str, served: str, demo_site: Path, tmp_path: Path
) -> None:
    screenshot = tmp_path / "index.png"
    _run_chromium(
        chromium, tmp_path, "--window-size=1024,1400", f"--screenshot={screenshot}", served
    )
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = html.fromstring(_run_chromium(chromium, tmp_path, "--dump-dom", served))
    expected = feedparser.parse((demo_site / "atom.xml").read_bytes())
    assert [_text(h1) for h1 in page.iter("h1")] == [expected.feed.title]
    text = _text(page)
    assert all(entry.title in text for entry in expected.entries)
    feeds = {link.get("href") for link in page.iter("link") if link.get("rel") == "alternate"}
    assert {"atom.xml", "rss.xml", "feed.json", CATEGORY_FEED} <= feeds


#: Pages of every kind, and a text each must show.
PAGES = {
    "article": ("articles/010-5b2e9a1c7d3f4e60-9542ca17a904.html", "制造业增加值占GDP比重回升"),
    "category": ("categories/5d85d5295f44.html", "分类：新浪财经"),
    "category month": ("categories/5d85d5295f44/2023-06.html", "工信部召开中小企业发展环境座谈会"),
    "archive": ("archive/index.html", "2023年7月"),
    "month": ("archive/2022-06.html", "工业和信息化部召开部分行业协会座谈会"),
    "index": ("index.html", "最新文章"),
}


@pytest.mark.browser
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_chromium_shows_every_kind_of_page_and_its_links_resolve(
    chromium: str, served: str, tmp_path: Path, kind: str
) -> None:
    name, expected = PAGES[kind]
    url = served + name
    screenshot = tmp_path / f"{kind.replace(' ', '-')}.png"  # kept with the test's files
    _run_chromium(chromium, tmp_path, "--window-size=1024,1400", f"--screenshot={screenshot}", url)
    assert screenshot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    page = html.fromstring(_run_chromium(chromium, tmp_path, "--dump-dom", url))
    text = _text(page)
    assert expected in text
    assert len(list(page.iter("h1"))) == 1
    if kind not in {"archive", "category"}:
        assert "UTC+08:00" in text  # dates in the one display zone, which is shown
    for anchor in page.iter("a"):
        target = urljoin(url, anchor.get("href", ""))
        if target.startswith(served):
            with urlopen(target, timeout=CLIENT_TIMEOUT) as response:  # noqa: S310 - loopback
                assert response.status == 200, target


def test_the_web_root_serves_nothing_but_what_was_published(tmp_path: Path) -> None:
    # The README's own `python3 -m http.server --directory` over a build with the defaults.
    output = tmp_path / "public"
    build(make_settings(EXAMPLES, output_dir=output))
    everything = {str(path.relative_to(output)) for path in output.rglob("*") if path.is_file()}
    # No index, no lock, no temporary file: the published files and their compressed copies.
    assert everything == {f"{name}{copy}" for name in GOLDEN_FILES for copy in ("", ".gz", ".br")}
    handler = partial(_QuietHandler, directory=str(output))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/"
        for name in (".feedgen-miit-cache.sqlite", ".feedgen-miit.lock"):
            with pytest.raises(HTTPError) as caught:
                urlopen(base + name, timeout=CLIENT_TIMEOUT)  # noqa: S310 - loopback
            assert caught.value.code == 404
            caught.value.close()
        with urlopen(base + "atom.xml", timeout=CLIENT_TIMEOUT) as response:  # noqa: S310
            assert response.status == 200
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
