"""The web server configurations in examples/server/, served for real.

Debian's nginx runs ``examples/server/nginx.conf`` and Caddy ``examples/server/Caddyfile``, each
over a fresh build of the demo articles, and plain HTTP requests check what feed readers and
caches get: the type of every kind of file, the precompressed ``.gz`` and ``.br`` twins, the
validators and 304 answers, Cache-Control and Vary, and never a hidden file.

Each server is a child process of its test, never a daemon: it listens on a free port of
127.0.0.1 only, keeps its pid file, logs and temporary files in the test's temporary folder,
and the test stops it; starting, every request and stopping have time limits, and should the
test itself die, coreutils' ``timeout`` ends the server within minutes. The configuration
served is the shipped file with only the folder path replaced (and, for Caddy, the site
address: plain HTTP on the test's port, bound to 127.0.0.1). Where a server is not installed
its tests are skipped and say which Debian package provides it.
"""

from __future__ import annotations

import contextlib
import gzip
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import pytest
from lxml import html

import feedgen_miit
from tests.browser import CHROMIUM, chromium_command
from tests.golden import EXAMPLES, GOLDEN_FILES, ROOT

SERVER_EXAMPLES = ROOT / "examples" / "server"
NGINX_SNIPPET = SERVER_EXAMPLES / "nginx.conf"
CADDYFILE = SERVER_EXAMPLES / "Caddyfile"
#: The folder the shipped configurations serve (the systemd unit's StateDirectory=) ...
SHIPPED_FOLDER = "/var/lib/feedgen-miit"
#: ... at this path: base_url = "https://example.org/news/".
PREFIX = "/news/"

CATEGORY_FEED = next(name for name in GOLDEN_FILES if name.startswith("categories/"))
#: How each kind of file must be served: its path under PREFIX, media type and charset.
TYPES = [
    ("atom.xml", "application/atom+xml", "utf-8"),
    (CATEGORY_FEED, "application/atom+xml", "utf-8"),
    ("rss.xml", "application/rss+xml", "utf-8"),
    ("feed.json", "application/feed+json", None),  # JSON has no charset parameter
    ("feeds.opml", "text/x-opml", "utf-8"),
    ("atom.xsl", "application/xslt+xml", "utf-8"),
    ("index.html", "text/html", "utf-8"),
    ("", "text/html", "utf-8"),  # the folder's own address: index.html
]
#: The files a build writes as text, each with a compressed twin beside it.
TEXT_SUFFIXES = {".xml", ".json", ".opml", ".xsl", ".html"}
#: Hidden files a build leaves or may leave in the folder: its lock and cache (until they
#: move to the cache folder) and the temporaries of a publication in progress.
HIDDEN = [
    ".feedgen-miit.lock",
    ".feedgen-miit-cache.sqlite",
    ".atom.xml.abc.old",
    ".atom.xml.k2Jx_9aQ",
    f"categories/.{CATEGORY_FEED.removeprefix('categories/')}.0123456789ab.old",
]
SECRET = b"not for publication\n"

START_TIMEOUT = 20  #: seconds for a server to accept connections
STOP_TIMEOUT = 10  #: seconds for a server to exit once told to
REQUEST_TIMEOUT = 10  #: seconds for any one HTTP request
CLIENT_TIMEOUT = 90  #: seconds for one Chromium run
#: A server outliving its test (killed pytest) is ended by `timeout` after this many seconds.
SERVER_LIFETIME = 900

# Debian installs nginx in /usr/sbin, which a non-root PATH often lacks.
_SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
NGINX = shutil.which("nginx", path=_SEARCH_PATH)
CADDY = shutil.which("caddy", path=_SEARCH_PATH)
#: The build writes NAME.br when the brotli package is installed (the dev extra has it).
BROTLI = importlib.util.find_spec("brotli") is not None
TIMEOUT_PROGRAM = shutil.which("timeout")
NGINX_BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
NGINX_MIME_TYPES = Path("/etc/nginx/mime.types")

#: Requests never go through a proxy: the servers are on this machine's loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


# -- the site -------------------------------------------------------------------------------


def _text_files(folder: Path) -> list[Path]:
    """The published text files of ``folder`` (hidden ones left out)."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix in TEXT_SUFFIXES
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo build, with the precompressed copies the build writes beside each text file."""
    folder = tmp_path_factory.mktemp("site") / "public"
    # No cache: this build must not leave one anywhere outside the test's folder.
    settings = feedgen_miit.make_settings(EXAMPLES, output_dir=folder, cache=False)
    assert not feedgen_miit.build(settings).problems
    for path in _text_files(folder):
        copy = path.with_name(path.name + ".gz")
        assert gzip.decompress(copy.read_bytes()) == path.read_bytes(), copy
        assert copy.stat().st_mtime_ns == path.stat().st_mtime_ns, copy
    return folder


# -- starting and stopping servers ----------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """A running server: where it serves the site, and whether it sends ``.br`` files."""

    name: str
    url: str  #: ``http://127.0.0.1:<port>/news/``
    no_brotli: str | None  #: why it sends no .br files; ``None`` when it does


def _free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on (at least a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End ``process``: politely, then for sure."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)


@contextlib.contextmanager
def _running(command: list[str], port: int, log: Path, env: Mapping[str, str]) -> Iterator[None]:
    """Run ``command`` while the block runs, once it accepts connections on ``port``."""
    if TIMEOUT_PROGRAM is not None:  # should this test die without stopping it
        command = [TIMEOUT_PROGRAM, "--kill-after=10", str(SERVER_LIFETIME), *command]
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT, env=env
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"{command} exited with {process.returncode}:\n{_tail(log)}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{command} did not listen within {START_TIMEOUT} s:\n{_tail(log)}")
                time.sleep(0.05)
        yield
    finally:
        _stop(process)


def _tail(log: Path) -> str:
    """The end of a server's log, for a failure message."""
    return log.read_text(encoding="utf-8", errors="replace")[-3000:]


def _replace_once(text: str, pattern: str, replacement: str) -> str:
    """``text`` with the one match of ``pattern`` replaced; fails if there is not exactly one.

    The tests serve the shipped files; this keeps the changes they make few and visible.
    """
    changed, count = re.subn(pattern, replacement, text, flags=re.MULTILINE)
    assert count == 1, f"expected one match of {pattern!r} in the shipped file, found {count}"
    return changed


def _environment(home: Path) -> dict[str, str]:
    """A clean environment for a server: its own home and configuration, no proxy."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "LANG": "C.UTF-8",
    }


#: Debian's nginx.conf, reduced to what a test run needs, around the shipped snippet.
#: master_process off: one process, stopped by one signal, which never switches to another
#: user (a root master's workers would run as nobody, who cannot read pytest's 0700 folders).
NGINX_CONFIG = """\
{load_module}
daemon off;
master_process off;
pid "{work}/nginx.pid";
error_log "{work}/error.log" notice;
events {{
    worker_connections 64;
}}
http {{
    {mime_types}
    default_type application/octet-stream;
    sendfile on;
    access_log off;
    # Debian's default: the precompressed files must win over compressing on the fly.
    gzip on;
    client_body_temp_path "{work}/client_body";
    proxy_temp_path "{work}/proxy";
    fastcgi_temp_path "{work}/fastcgi";
    uwsgi_temp_path "{work}/uwsgi";
    scgi_temp_path "{work}/scgi";
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
        include "{snippet}";
    }}
}}
"""


#: The one line an operator changes for the browser page view (see examples/server/README.md):
#: Chromium shows application/atom+xml as plain text and applies atom.xsl only to XML types.
NGINX_BROWSER_VIEW = (r"^(\s*)application/atom\+xml(\s+)xml;", r"\g<1>application/xml\g<2>xml;")
CADDY_BROWSER_VIEW = (
    r'^(\s*header @atom Content-Type )"application/atom\+xml; charset=utf-8"$',
    r'\g<1>"application/xml; charset=utf-8"',
)


@contextlib.contextmanager
def _nginx(site: Path, work: Path, *, browser_view: bool = False) -> Iterator[Server]:
    """examples/server/nginx.conf in Debian's nginx, serving ``site``."""
    if NGINX is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx)")
    snippet = _replace_once(
        NGINX_SNIPPET.read_text(encoding="utf-8"),
        rf"^(\s*alias\s+){re.escape(SHIPPED_FOLDER)}/;",
        rf'\g<1>"{site}/";',
    )
    if browser_view:
        snippet = _replace_once(snippet, *NGINX_BROWSER_VIEW)
    no_brotli = None
    load_module = ""
    if not NGINX_BROTLI_MODULE.exists():
        no_brotli = "nginx has no brotli (apt-get install libnginx-mod-http-brotli-static)"
    elif not BROTLI:
        no_brotli = "no .br files to serve: the brotli package is not installed"
    else:
        # What the snippet asks of the operator once the module is installed.
        snippet = _replace_once(snippet, r"^(\s*)# (brotli_static on;)", r"\g<1>\g<2>")
        load_module = f'load_module "{NGINX_BROTLI_MODULE}";'
    (work / "feedgen-miit.conf").write_text(snippet, encoding="utf-8")
    port = _free_port()
    config = work / "nginx.conf"
    config.write_text(
        NGINX_CONFIG.format(
            load_module=load_module,
            work=work,
            port=port,
            snippet=work / "feedgen-miit.conf",
            mime_types=f'include "{NGINX_MIME_TYPES}";' if NGINX_MIME_TYPES.exists() else "",
        ),
        encoding="utf-8",
    )
    command = [NGINX, "-p", f"{work}/", "-c", str(config), "-e", str(work / "error.log")]
    checked = subprocess.run(
        [*command, "-t"], capture_output=True, text=True, timeout=START_TIMEOUT, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr, checked.stderr
    with _running(command, port, work / "output.log", _environment(work / "home")):
        yield Server("nginx", f"http://127.0.0.1:{port}{PREFIX}", no_brotli)


#: Caddy's global options for a test run: no admin endpoint, no certificates, and its storage
#: in the test's folder.
CADDY_OPTIONS = """\
{{
\tadmin off
\tauto_https off
\tstorage file_system "{work}/storage"
}}

"""


@contextlib.contextmanager
def _caddy(site: Path, work: Path, *, browser_view: bool = False) -> Iterator[Server]:
    """examples/server/Caddyfile in Caddy, serving ``site``."""
    if CADDY is None:
        pytest.skip("caddy is not installed (Debian: apt-get install caddy)")
    port = _free_port()
    caddyfile = CADDYFILE.read_text(encoding="utf-8")
    caddyfile = _replace_once(
        caddyfile, r"^example\.org \{$", f"http://127.0.0.1:{port} {{\n\tbind 127.0.0.1"
    )
    caddyfile = _replace_once(
        caddyfile, rf"^(\s*root \* ){re.escape(SHIPPED_FOLDER)}$", rf'\g<1>"{site}"'
    )
    if browser_view:
        caddyfile = _replace_once(caddyfile, *CADDY_BROWSER_VIEW)
    config = work / "Caddyfile"
    config.write_text(CADDY_OPTIONS.format(work=work) + caddyfile, encoding="utf-8")
    no_brotli = None if BROTLI else "no .br files: the brotli package is not installed"
    command = [CADDY, "run", "--config", str(config), "--adapter", "caddyfile"]
    with _running(command, port, work / "output.log", _environment(work / "home")):
        yield Server("caddy", f"http://127.0.0.1:{port}{PREFIX}", no_brotli)


SERVERS = {"nginx": _nginx, "caddy": _caddy}


@pytest.fixture(scope="module", params=sorted(SERVERS))
def server(
    request: pytest.FixtureRequest, site: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """Each server in turn, as shipped: started once for all the tests of this module."""
    name: str = request.param
    with SERVERS[name](site, tmp_path_factory.mktemp(name)) as running:
        yield running


# -- HTTP -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """An HTTP response, read whole."""

    status: int
    headers: Message
    body: bytes
    url: str  #: after redirects

    def tokens(self, name: str) -> set[str]:
        """The comma-separated values of header ``name``, lowercased, over every copy of it."""
        return {
            token.strip().lower()
            for value in self.headers.get_all(name, [])
            for token in str(value).split(",")
            if token.strip()
        }


def fetch(url: str, headers: Mapping[str, str] | None = None) -> Answer:
    """GET ``url`` (on 127.0.0.1) with ``headers``; any status is an answer, not an error.

    urllib asks for ``identity`` unless told otherwise, and never decompresses.
    """
    assert url.startswith("http://127.0.0.1:"), url
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310 (asserted)
    try:
        with _OPENER.open(request, timeout=REQUEST_TIMEOUT) as response:
            return Answer(response.status, response.headers, response.read(), response.url)
    except urllib.error.HTTPError as error:
        with error:
            return Answer(error.code, error.headers, error.read(), error.url)


def _name(site: Path, path: Path) -> str:
    """``path``'s address relative to the site's."""
    return path.relative_to(site).as_posix()


# -- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "media_type", "charset"), TYPES)
def test_every_kind_of_file_is_served_with_its_type(
    server: Server, site: Path, name: str, media_type: str, charset: str | None
) -> None:
    answer = fetch(server.url + name)
    assert answer.status == 200
    assert answer.body == (site / (name or "index.html")).read_bytes()
    assert answer.headers.get_content_type() == media_type, answer.headers["Content-Type"]
    assert answer.headers.get_content_charset() == charset, answer.headers["Content-Type"]


def test_gzip_clients_get_the_gz_file_beside_each_file(server: Server, site: Path) -> None:
    for path in _text_files(site):
        url = server.url + _name(site, path)
        plain = fetch(url)
        answer = fetch(url, {"Accept-Encoding": "gzip"})
        assert (answer.status, answer.headers["Content-Encoding"]) == (200, "gzip"), url
        assert answer.body == path.with_name(path.name + ".gz").read_bytes(), url
        assert answer.headers["Content-Type"] == plain.headers["Content-Type"], url
        assert "accept-encoding" in answer.tokens("Vary"), url


def test_other_clients_get_the_plain_file(server: Server, site: Path) -> None:
    for path in _text_files(site):
        url = server.url + _name(site, path)
        for accepted in ("identity", "deflate"):
            answer = fetch(url, {"Accept-Encoding": accepted})
            assert answer.status == 200, url
            assert answer.headers["Content-Encoding"] is None, url
            assert answer.body == path.read_bytes(), url
            # A cache keeps this answer apart from the compressed ones.
            assert "accept-encoding" in answer.tokens("Vary"), url


def test_brotli_clients_get_the_br_file_beside_each_file(server: Server, site: Path) -> None:
    if server.no_brotli:
        pytest.skip(server.no_brotli)
    for path in _text_files(site):
        url = server.url + _name(site, path)
        for accepted in ("br", "gzip, br"):  # the smaller one when both are welcome
            answer = fetch(url, {"Accept-Encoding": accepted})
            assert (answer.status, answer.headers["Content-Encoding"]) == (200, "br"), url
            assert answer.body == path.with_name(path.name + ".br").read_bytes(), url
            assert "accept-encoding" in answer.tokens("Vary"), url


@pytest.mark.parametrize("encoding", ["identity", "gzip"])
def test_an_unchanged_file_is_not_sent_again(server: Server, site: Path, encoding: str) -> None:
    url = server.url + "atom.xml"
    first = fetch(url, {"Accept-Encoding": encoding})
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag
    assert last_modified
    # The file's own mtime, which an unchanged build keeps (and the .gz twin shares).
    mtime = int((site / "atom.xml").stat().st_mtime)
    assert parsedate_to_datetime(last_modified).timestamp() == mtime
    for condition in ({"If-None-Match": etag}, {"If-Modified-Since": last_modified}):
        again = fetch(url, {"Accept-Encoding": encoding, **condition})
        assert (again.status, again.body) == (304, b""), condition
        assert again.headers["ETag"] == etag
        assert "max-age=3600" in again.tokens("Cache-Control")
    changed = fetch(url, {"Accept-Encoding": encoding, "If-None-Match": '"another"'})
    assert changed.status == 200


def test_each_encoding_has_its_own_etag(server: Server) -> None:
    # Strong ETags name exact bytes: a cache must never answer a gzip request's
    # If-None-Match with the plain file's 304, or the other way round.
    url = server.url + "atom.xml"
    plain = fetch(url)
    compressed = fetch(url, {"Accept-Encoding": "gzip"})
    assert plain.headers["ETag"] != compressed.headers["ETag"]


def test_a_rebuild_without_changes_keeps_every_validator(server: Server, site: Path) -> None:
    names = ["atom.xml", "rss.xml", "feed.json", CATEGORY_FEED, "index.html"]

    def validators() -> list[tuple[str | None, str | None]]:
        answers = [fetch(server.url + name) for name in names]
        return [(answer.headers["ETag"], answer.headers["Last-Modified"]) for answer in answers]

    before = validators()
    report = feedgen_miit.build(feedgen_miit.make_settings(EXAMPLES, output_dir=site, cache=False))
    assert report.written == ()
    assert validators() == before


@pytest.mark.parametrize("name", HIDDEN)
def test_hidden_files_are_never_served(server: Server, site: Path, name: str) -> None:
    # Made here: a build removes the temporaries an interrupted build left behind.
    hidden = site / name
    if not hidden.exists() or not hidden.stat().st_size:
        hidden.write_bytes(SECRET)
    content = hidden.read_bytes()
    for accepted in ("identity", "gzip"):
        answer = fetch(server.url + name, {"Accept-Encoding": accepted})
        assert answer.status in {403, 404}
        assert content not in answer.body


def test_every_answer_says_how_long_to_keep_it(server: Server) -> None:
    for name, _, _ in TYPES:
        answer = fetch(server.url + name)
        assert "max-age=3600" in answer.tokens("Cache-Control"), name


def test_the_folder_address_without_a_slash_leads_to_the_index(server: Server, site: Path) -> None:
    answer = fetch(server.url.rstrip("/"))
    assert (answer.status, answer.url) == (200, server.url)
    assert answer.body == (site / "index.html").read_bytes()


# -- a browser ------------------------------------------------------------------------------


@pytest.fixture
def chromium() -> str:
    """The Chromium program; skipped where missing, failed in CI (which installs it)."""
    if CHROMIUM is None:
        message = "chromium is not installed (Debian: apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; .ci/run should have installed it")
        pytest.skip(message)
    return CHROMIUM


def _text(element: html.HtmlElement) -> str:
    """All the text in ``element``, stripped."""
    return "".join(str(piece) for piece in element.itertext()).strip()


@pytest.mark.browser
@pytest.mark.parametrize("kind", sorted(SERVERS))
def test_chromium_shows_the_feed_as_a_page_with_the_browser_view_type(
    kind: str, site: Path, chromium: str, tmp_path: Path
) -> None:
    # The shipped type, application/atom+xml, is what feed readers expect, but Chromium shows
    # it as plain text. The README's one-line change (application/xml) gives the page view:
    # checked here, with the stylesheet's own type (application/xslt+xml) and nosniff.
    work = tmp_path / kind
    work.mkdir()
    with SERVERS[kind](site, work, browser_view=True) as running:
        command = chromium_command(tmp_path / "profile", "--dump-dom", running.url + "atom.xml")
        result = subprocess.run(
            command,
            env=_environment(tmp_path / "home") | {"no_proxy": "*", "NO_PROXY": "*"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=CLIENT_TIMEOUT,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-2000:]
    page = html.fromstring(result.stdout)
    expected = feedparser.parse((site / "atom.xml").read_bytes())
    assert [_text(h1) for h1 in page.iter("h1")] == [expected.feed.title]
    shown = [_text(h2) for h2 in page.iter("h2")]
    assert shown == [entry.title for entry in expected.entries]
