"""Getting feeds to readers: WebSub pings to a hub of the test's own, refresh hints, and the
precompressed copies a static server sends as they are."""

from __future__ import annotations

import gzip
import json
import threading
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import brotli
import pytest
from click.testing import CliRunner
from lxml import etree

from feedgen_miit import ConfigError, Settings, build, delivery, make_settings
from feedgen_miit.cli import main
from tests.conftest import WriteArticle
from tests.golden import FEED_FILES

ATOM = "{http://www.w3.org/2005/Atom}"
SY = "{http://purl.org/rss/1.0/modules/syndication/}"


@dataclass
class Hub:
    """A WebSub hub on 127.0.0.1 that records what it is told (and can refuse or hang)."""

    url: str
    told: list[dict[str, list[str]]] = field(default_factory=list)
    answer: int = 204
    hang: float = 0.0
    trickle: float = 0.0  #: send a header line every this many seconds, 150 of them


@pytest.fixture
def hub() -> Iterator[Hub]:
    recorder = Hub(url="")

    class Handler(BaseHTTPRequestHandler):
        timeout: ClassVar[float] = 30

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            if recorder.hang:
                time.sleep(recorder.hang)
            recorder.told.append(form)
            try:
                self.send_response(recorder.answer)
                if recorder.trickle:
                    for number in range(150):  # more than http.client takes
                        self.send_header(f"X-Wait-{number}", "1")
                        self.flush_headers()
                        time.sleep(recorder.trickle)
                self.end_headers()
            except OSError:  # the build gave up on this hub and went on: as it should
                pass

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}/hub"
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def told_urls(hub: Hub) -> list[str]:
    assert all(form["hub.mode"] == ["publish"] for form in hub.told)
    return sorted(url for form in hub.told for url in form["hub.url"])


def feed_urls(settings: Settings) -> list[str]:
    return sorted(settings.base_url + name for name in FEED_FILES)


@pytest.fixture
def examples_settings(examples_copy: Path, tmp_path: Path, hub: Hub) -> Settings:
    return make_settings(examples_copy, output_dir=tmp_path / "public", hubs=(hub.url,))


def test_each_changed_feed_is_told_to_the_hub_once_and_an_unchanged_one_never(
    examples_settings: Settings, examples_copy: Path, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("feedgen_miit.scan.RACY_WINDOW_NS", -(10**18))
    first = build(examples_settings)
    assert first.hub_failures == ()
    assert told_urls(hub) == feed_urls(examples_settings)  # every feed is new
    hub.told.clear()
    build(examples_settings)
    assert hub.told == []  # nothing changed: no ping
    article = next(examples_copy.glob("011_*.txt"))
    article.write_text(article.read_text(encoding="utf-8").replace("座谈会", "座谈"), "utf-8")
    build(examples_settings)
    base = examples_settings.base_url
    assert told_urls(hub) == sorted(
        base + name
        for name in [
            "atom.xml",
            "rss.xml",
            "feed.json",
            "categories/98ffa761fbbe.xml",  # 中小企业
            "categories/5d85d5295f44.xml",  # 新浪财经
        ]
    )


def test_feeds_name_their_hubs(examples_settings: Settings, hub: Hub) -> None:
    build(examples_settings)
    output = examples_settings.output_dir
    for name in ("atom.xml", "categories/a42315e416fa.xml"):
        root = etree.parse(output / name).getroot()
        hubs = [link.get("href") for link in root.iter(f"{ATOM}link") if link.get("rel") == "hub"]
        assert hubs == [hub.url]
    rss = etree.parse(output / "rss.xml").getroot()
    assert [link.get("href") for link in rss.iter(f"{ATOM}link") if link.get("rel") == "hub"] == [
        hub.url
    ]
    document = json.loads((output / "feed.json").read_text(encoding="utf-8"))
    assert document["hubs"] == [{"type": "WebSub", "url": hub.url}]


def test_a_refusing_or_hanging_hub_is_one_warning_and_the_build_ends_in_time(
    examples_copy: Path, tmp_path: Path, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "HUB_TIMEOUT", 0.5)
    monkeypatch.setattr(delivery, "HUB_RETRY_DELAY", 0.1)
    monkeypatch.setattr(delivery, "HUB_DEADLINE", 2.0)
    config = tmp_path / "feedgen-miit.toml"
    base = (
        f'articles_dir = "{examples_copy}"\noutput_dir = "public"\nhubs = ["{hub.url}"]\n'
        'feed_id = "urn:uuid:00000000-0000-4000-8000-000000000001"\n'
    )
    config.write_text(base, encoding="utf-8")
    cases = {  # (status, seconds before answering, seconds between header lines)
        "refused": (503, 0.0, 0.0),
        "hanging": (204, 5.0, 0.0),
        "slow": (204, 0.4, 0.0),  # each answer within the timeout, 12 feeds beyond the bound
        "trickling": (204, 0.0, 0.02),  # each read within the timeout, the answer goes on
    }
    for case, (hub.answer, hub.hang, hub.trickle) in cases.items():
        (examples_copy / "000_27c21f8ea3a86f41.txt").touch()
        started = time.monotonic()
        result = CliRunner().invoke(main, ["build", "--config", str(config)])
        elapsed = time.monotonic() - started
        assert result.exit_code == 0, result.stderr
        lines = result.stderr.splitlines()
        assert len(lines) == 1, (case, result.stderr)
        (line,) = lines
        assert line.startswith(f"feedgen-miit: warning: WebSub hub {hub.url} was not told of ")
        assert (tmp_path / "public" / "atom.xml").exists()
        # Within the deadline for all hubs, whatever the hub does (and a second of slack).
        assert elapsed < delivery.HUB_DEADLINE + 5, (case, elapsed)
        # Force a change for the next case: the feeds must differ to be told again.
        config.write_text(base + f'title = "{case}"\n', "utf-8")


def test_hubs_must_be_http_urls(articles_dir: Path) -> None:
    with pytest.raises(ConfigError, match="hubs: 'ftp://hub' must be an absolute http"):
        make_settings(articles_dir, hubs=("ftp://hub",))


# -- refresh hints ----------------------------------------------------------------------------


@pytest.mark.parametrize(("schedule", "ttl"), [("hourly", 60), ("daily", 1440), ("weekly", 10080)])
def test_the_schedule_is_a_refresh_hint_in_rss_and_atom(
    write_article: WriteArticle, settings: Settings, schedule: str, ttl: int
) -> None:
    write_article("a.txt")
    build(make_settings(settings.articles_dir, output_dir=settings.output_dir, schedule=schedule))
    rss = etree.parse(settings.output_dir / "rss.xml").getroot()
    assert rss.findtext("channel/ttl") == str(ttl)
    for root in (rss.find("channel"), etree.parse(settings.output_dir / "atom.xml").getroot()):
        assert root is not None
        assert root.findtext(f"{SY}updatePeriod") == schedule
        assert root.findtext(f"{SY}updateFrequency") == "1"


def test_the_default_hint_matches_the_nightly_examples() -> None:
    # examples/nightly runs the build once a day, at 02:30.
    assert make_settings(Path("articles")).schedule == "daily"
    timer = (Path(__file__).parent.parent / "examples/nightly/feedgen-miit.timer").read_text()
    assert "OnCalendar=*-*-* 02:30:00" in timer


# -- precompressed copies ---------------------------------------------------------------------


def _text_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and p.suffix in delivery.COMPRESSIBLE]


def test_every_text_file_has_copies_that_decompress_to_it_with_its_mtime(
    examples_copy: Path, tmp_path: Path
) -> None:
    output = tmp_path / "public"
    build(make_settings(examples_copy, output_dir=output))
    files = _text_files(output)
    assert len(files) == 49
    for path in files:
        gz, br = path.with_name(path.name + ".gz"), path.with_name(path.name + ".br")
        assert gzip.decompress(gz.read_bytes()) == path.read_bytes()
        assert brotli.decompress(br.read_bytes()) == path.read_bytes()
        assert gz.stat().st_mtime_ns == br.stat().st_mtime_ns == path.stat().st_mtime_ns
        assert gz.read_bytes()[4:8] == b"\0\0\0\0"  # no time in the header...
        assert not gz.read_bytes()[3] & 0x08  # ... and no name: the same bytes every build


def test_an_unchanged_rebuild_leaves_every_file_and_copy_untouched(
    examples_copy: Path, tmp_path: Path
) -> None:
    output = tmp_path / "public"
    settings = make_settings(examples_copy, output_dir=output)
    build(settings)
    before = {path: path.stat().st_mtime_ns for path in output.rglob("*") if path.is_file()}
    time.sleep(0.01)
    build(settings)
    assert {path: path.stat().st_mtime_ns for path in output.rglob("*") if path.is_file()} == before


def test_copies_are_never_left_stale(
    examples_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "public"
    settings = make_settings(examples_copy, output_dir=output)
    build(settings)
    assert list(output.rglob("*.br"))
    monkeypatch.setattr(delivery, "_brotli", lambda: None)  # brotli uninstalled
    build(settings)
    assert not list(output.rglob("*.br"))  # every file was published again, without them
    assert len(list(output.rglob("*.gz"))) == 49
    build(replace(settings, write_compressed=False))
    assert not list(output.rglob("*.gz"))
    (examples_copy / "011_9c41d7e2a8b35f06.txt").unlink()
    report = build(settings)
    gone = [path for path in report.removed if path.suffix == ".html"]
    assert gone
    assert not any(path.with_name(path.name + ".gz").exists() for path in gone)


def test_an_unchanged_file_is_not_compressed_again_but_a_missing_copy_comes_back(
    examples_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "public"
    settings = make_settings(examples_copy, output_dir=output)
    build(settings)
    compressed: list[int] = []
    real = delivery.compressed

    def counted(data: bytes) -> dict[str, bytes]:
        compressed.append(1)
        return real(data)

    monkeypatch.setattr(delivery, "compressed", counted)
    build(settings)
    assert compressed == []  # brotli at its best took 0.2 s a feed, every build
    (output / "atom.xml.br").unlink()
    build(settings)
    assert compressed == [1]
    assert (
        brotli.decompress((output / "atom.xml.br").read_bytes())
        == (output / "atom.xml").read_bytes()
    )
