"""Properties that hold for any input (hypothesis)."""

from __future__ import annotations

import email.utils
import shutil
import sys
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from feedgen_miit import (
    Article,
    ArticleError,
    DraftError,
    Entry,
    NoArticlesError,
    build,
    clean,
    load_article,
    loader,
    make_settings,
)
from feedgen_miit.budget import entry_cost
from feedgen_miit.feed import render_atom
from feedgen_miit.index import from_micros, micros
from feedgen_miit.jsonfeed import render_json_feed
from feedgen_miit.layout import month_of
from feedgen_miit.model import SafeHtml
from feedgen_miit.rss import render_rss
from feedgen_miit.sanitize import clean_body, recheck, url_scheme
from feedgen_miit.settings import Settings
from feedgen_miit.tasks import Work, make_entry
from feedgen_miit.text import _SPACES, one_line, xml_safe
from tests.atomcheck import assert_valid_atom
from tests.strategies import (
    TITLE,
    articles,
    chinese_texts,
    html_texts,
    http_dates,
    loader_texts,
    near_stable_html,
    path_names,
)
from tests.xsscheck import unsafe_parts

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SLOW = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# -- strategies ---------------------------------------------------------------------------------

# -- the loader ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder, reused by every example (function-scoped fixtures do not reset per example)."""
    return tmp_path_factory.mktemp("properties")


def _load(folder: Path, data: bytes) -> None:
    path = folder / "article.txt"
    path.write_bytes(data)
    problem: ArticleError | None = None
    try:
        article = load_article(path, settings=make_settings(folder), now=NOW)
    except ArticleError as error:
        problem = error
    except DraftError:  # 'published: false' (not an error): nothing else in it is checked
        return
    if problem is None:
        assert article.title
        assert article.title == article.title.strip()
    else:
        assert problem.path == path
        assert "\n" not in str(problem)


@SLOW
@given(text=loader_texts)
@example(text="---\n\x1f---")  # PyYAML's ReaderError message spans three lines
@example(text="---\na: " + "[" * 30_000 + "\n---")  # libyaml crashed the interpreter
def test_loader_returns_an_article_or_an_article_error(scratch: Path, text: str) -> None:
    _load(scratch, text.encode("utf-8", "surrogatepass"))


@SLOW
@given(data=st.binary(max_size=300))
def test_loader_survives_any_bytes(scratch: Path, data: bytes) -> None:
    _load(scratch, b"---\ntitle: x\ndate: 2022-01-01\n---\n" + data)
    _load(scratch, data)


_ENCODINGS = st.sampled_from(["utf-8", "gb18030", "gbk"])


@SLOW
@given(
    title=chinese_texts,
    names=st.lists(chinese_texts, min_size=1, max_size=3, unique=True),
    body=chinese_texts,
    encodings=st.tuples(_ENCODINGS, _ENCODINGS),
)
@example(title="摹", names=["工业"], body="正文", encodings=("gbk", "utf-8"))
def test_front_matter_and_body_are_each_read_in_their_encoding(
    scratch: Path, title: str, names: list[str], body: str, encodings: tuple[str, str]
) -> None:
    """A file put together from two sources (UTF-8 front matter, a GBK body, or the reverse)
    publishes what was written: never mojibake (UTF-8 read as GBK: 工信部 -> 宸ヤ俊閮), nor
    U+FFFD."""
    quoted = ", ".join("'" + name.replace("'", "''") + "'" for name in names)
    head = f"\n---\ntitle: '{title}'\ndate: 2022-06-21\ncategories: [{quoted}]\n---\n\n"
    parts = list(zip([head, f"<p>{body}</p>\n"], encodings, strict=True))
    for text, encoding in parts:
        # Documented limit: GB text so short that its bytes are valid UTF-8 too (亭 is
        # b"\xcd\xa4", U+0364 in UTF-8) cannot be told from UTF-8, and is read as UTF-8.
        encoded = text.encode(encoding)
        assume(encoding == "utf-8" or encoded.isascii() or not _is_utf8(encoded))
    data = b"".join(text.encode(encoding) for text, encoding in parts)
    path = scratch / "mixed.txt"
    path.write_bytes(data)
    settings_ = make_settings(scratch)
    article = load_article(path, settings=settings_, now=NOW)
    assert article.title == " ".join(title.split())
    assert article.categories == tuple(" ".join(name.split()) for name in names)
    text = loader.read_body(article, settings_)
    assert f"<p>{body}</p>" in text
    assert "\ufffd" not in article.title + "".join(article.categories) + text


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# -- the sanitizer -----------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(fragment=html_texts, base=st.sampled_from([None, "https://example.org/a/"]))
def test_sanitizer_output_is_whitelisted_and_stable(fragment: str, base: str | None) -> None:
    sanitized = clean(fragment, base)
    assert unsafe_parts(sanitized) == [], sanitized
    assert clean(sanitized, base) == sanitized


@settings(max_examples=300, deadline=None)
@given(
    fragment=st.one_of(html_texts, near_stable_html),
    base=st.sampled_from([None, "https://example.org/a/"]),
)
def test_the_cleaning_with_a_title_is_whitelisted_stable_and_honest_about_images(
    fragment: str, base: str | None
) -> None:
    body = clean_body(fragment, base, title=TITLE)
    assert unsafe_parts(body.html) == [], body.html
    assert clean_body(body.html, base, title=TITLE).html == body.html
    assert all(url_scheme(url) in {"http", "https"} for url in (*body.images, *body.removed_images))
    assert body.removed_images.isdisjoint(body.images)


@settings(max_examples=300, deadline=None)
@given(
    fragment=st.one_of(html_texts, near_stable_html),
    base=st.sampled_from([None, "https://example.org/a/"]),
    title=st.sampled_from([None, TITLE]),
)
def test_the_whitelist_gives_the_sanitizers_output_back_unchanged(
    fragment: str, base: str | None, title: str | None
) -> None:
    """What lets the index trust, without recheck(), the entries this very build stored:
    whitelisting them again would change nothing."""
    html = clean_body(fragment, base, title=title).html
    assert recheck(html) == html


@settings(max_examples=200, deadline=None)
@given(fragment=st.text())
def test_sanitizer_handles_any_text(fragment: str) -> None:
    sanitized = clean(fragment)
    assert unsafe_parts(sanitized) == []
    assert clean(sanitized) == sanitized


# -- the feed ------------------------------------------------------------------------------------


@SLOW
@given(metas=st.lists(articles, min_size=1, max_size=6), bodies=st.lists(html_texts, min_size=6))
def test_any_articles_give_a_valid_feed(
    scratch: Path, metas: list[dict[str, object]], bodies: list[str]
) -> None:
    folder = scratch / "feed"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "articles").mkdir(parents=True)
    for index, (meta, body) in enumerate(zip(metas, bodies, strict=False)):
        front = {key: value for key, value in meta.items() if value is not None}
        document = f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n{body or 'x'}\n"
        (folder / "articles" / f"{index:02}.txt").write_text(
            document, encoding="utf-8", errors="surrogatepass"
        )
    settings_ = make_settings(folder / "articles", output_dir=folder / "public")
    try:
        report = build(settings_, now=NOW + timedelta(days=1))
    except NoArticlesError:
        return
    assert report.entries >= 1
    assert_valid_atom((folder / "public" / "atom.xml").read_bytes())


# -- the loader's fast paths give what the general code gives -----------------------------------


@settings(max_examples=1000, deadline=None)
@given(text=http_dates)
@example(text="Mon, 01 Jan 0001 00:00:00 GMT")  # email.utils reads the year 0001 as 2001
def test_the_http_date_fast_path_agrees_with_email_utils(text: str) -> None:
    fast = loader._http_date(text)
    if fast is not None:
        assert fast == email.utils.parsedate_to_datetime(text)
        assert fast.utcoffset() == timedelta(0)
        assert loader._any_text_date(text) == fast


@settings(max_examples=500, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1, 1, 4),
        max_value=datetime(9999, 12, 28),
        timezones=st.just(UTC)
        | st.builds(
            timezone,
            st.timedeltas(
                min_value=timedelta(hours=-23, minutes=-59),
                max_value=timedelta(hours=23, minutes=59),
            ),
        ),
    ),
    zone=st.sampled_from(
        ["Asia/Shanghai", "UTC", "America/St_Johns", "Pacific/Kiritimati", "Etc/GMT+12"]
    ),
)
# The shortcut's edges: a month's 26th and 3rd stay in it however far apart the offsets are;
# a February 27th (and a 2nd) can leave it.
@example(
    moment=datetime(2023, 2, 26, 23, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
    zone="Pacific/Kiritimati",
)
@example(
    moment=datetime(2023, 2, 27, 23, 59, tzinfo=timezone(-timedelta(hours=23, minutes=59))),
    zone="Pacific/Kiritimati",
)
@example(
    moment=datetime(2022, 7, 3, 0, 0, tzinfo=timezone(timedelta(hours=23, minutes=59))),
    zone="Etc/GMT+12",
)
@example(
    moment=datetime(2022, 7, 2, 0, 0, tzinfo=timezone(timedelta(hours=23, minutes=59))),
    zone="Etc/GMT+12",
)
def test_month_of_is_strftimes_month(moment: datetime, zone: str) -> None:
    """The f-string month is what ``strftime("%Y-%m")`` gives, unpadded early years too, for
    a moment written with any offset (its date is a shortcut in the middle of a month)."""
    local = ZoneInfo(zone)
    assert month_of(moment, local) == moment.astimezone(local).strftime("%Y-%m")


def test_the_http_date_fast_path_takes_the_scraped_form() -> None:
    assert loader._http_date("Tue, 21 Jun 2022 03:44:48 GMT") == datetime(
        2022, 6, 21, 3, 44, 48, tzinfo=UTC
    )


@settings(max_examples=500, deadline=None)
@given(folders=st.lists(path_names, max_size=3), name=path_names)
def test_without_suffix_is_python_311_with_suffix(folders: list[str], name: str) -> None:
    source = "/".join([*folders, name])
    expected = {"a.": "a.", "..txt": ".", ".txt": ".txt", "a.b.txt": "a.b", "...": "..."}
    if name in expected and not folders:
        assert loader.without_suffix(source) == expected[name]
    if sys.version_info[:2] == (3, 11):
        assert loader.without_suffix(source) == str(PurePosixPath(source).with_suffix(""))


@settings(max_examples=300, deadline=None)
@given(
    root=st.sampled_from(["/srv/articles", "articles", "/", "a/..", "/srv/articles/"]),
    relative=st.lists(path_names, min_size=1, max_size=3).map("/".join),
)
def test_the_source_of_a_path_is_relative_to(root: str, relative: str) -> None:
    path = Path(root) / relative
    expected = path.relative_to(Path(root)).as_posix()
    assert loader._source(path, Path(root)) == expected


@settings(max_examples=200, deadline=None)
@given(moment=st.datetimes(timezones=st.timezones()))
def test_micros_is_exact_and_round_trips(moment: datetime) -> None:
    try:
        expected = (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
        in_utc = moment.astimezone(UTC)
    except OverflowError:  # the zone's offset pushes it out of datetime's range
        return
    assert micros(moment) == expected
    # in UTC: a local time in a DST gap never compares equal across zones (PEP 495)
    assert from_micros(expected) == in_utc


@settings(max_examples=300, deadline=None)
@given(
    feed_id=st.sampled_from(["urn:uuid:6f1d2c59-7a4e-5b8e-9c3a-2f0b1e4d8a77", "tag:x,2026:"]),
    key=st.text(),
)
def test_name_based_ids_are_uuid5(feed_id: str, key: str) -> None:
    try:
        expected = uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL, feed_id), key)
    except UnicodeEncodeError:  # a lone surrogate: no file name or id holds one
        return
    assert loader._name_based_id(feed_id, key) == f"urn:uuid:{expected}"


@settings(max_examples=1000, deadline=None)
@given(
    text=st.text(alphabet=st.characters(codec=None), max_size=12)
    | st.text(" \u3000\t\n\x85\u2028\ufffe\ud800a工")
)
def test_one_line_fast_path_changes_nothing(text: str) -> None:
    assert one_line(text) == _SPACES.sub(" ", xml_safe(text)).strip()


# -- the byte budget ----------------------------------------------------------------------------

_BASE = Entry(
    article=Article(
        path=Path("articles/base.txt"),
        source="base.txt",
        id="urn:uuid:00000000-0000-4000-8000-000000000000",
        page="articles/base.html",
        title="基准",
        published=NOW,
        updated=NOW,
    ),
    content=clean("<p>基准</p>"),
    summary="基准",
    thumbnail=None,
    contributor=None,
)


def _entry_bytes(entry: Entry, settings_: Settings) -> dict[str, int]:
    """What ``entry`` adds to a document of each format that holds another entry."""
    channel = settings_.site.channel(settings_.self_url)
    return {
        render.__name__: len(render([_BASE, entry], channel)) - len(render([_BASE], channel))
        for render in (render_atom, render_rss, render_json_feed)
    }


@SLOW
@given(meta=articles, body=html_texts)
def test_an_entrys_cost_bounds_its_bytes_in_every_format(
    scratch: Path, meta: dict[str, object], body: str
) -> None:
    folder = scratch / "cost"
    folder.mkdir(exist_ok=True)
    front = {key: value for key, value in meta.items() if value is not None}
    path = folder / "a.txt"
    path.write_text(
        f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n{body or 'x'}\n",
        encoding="utf-8",
        errors="surrogatepass",
    )
    settings_ = make_settings(folder)
    try:
        entry = make_entry(
            Work(settings_, NOW + timedelta(days=1)), load_article(path, settings=settings_)
        )
    except ArticleError:
        return
    sizes = _entry_bytes(entry, settings_)
    assert max(sizes.values()) <= entry.cost, (sizes, entry.cost)


#: Characters that escape to the most bytes in some format: XML's entities, JSON's \uXXXX.
_COSTLY = st.sampled_from(["\x01", "\x1f", "\n", "\r", "\t", '"', "\\", "<", "&", "'", "中"])
_CHARACTERS = st.one_of(st.characters(codec="utf-8"), _COSTLY)
_ANY_TEXT = st.text(_CHARACTERS, max_size=60)


@SLOW
@given(
    title=_ANY_TEXT.filter(lambda text: xml_safe(text).strip()),  # the loader wants a title
    content=st.text(_CHARACTERS, max_size=4000),
    summary=_ANY_TEXT,
    categories=st.lists(_ANY_TEXT.filter(str.strip), max_size=4),
    author=st.none() | _ANY_TEXT,
    contributor=st.none() | _ANY_TEXT,
    thumbnail=st.none() | st.just('https://n.sinaimg.cn/finance/a&b"<c>.png'),
    excerpt=st.none() | _ANY_TEXT,
)
@example(  # JSON writes each control character as \u0001: six bytes
    title="t", content="\x01" * 3000, summary="", categories=[], author=None,
    contributor=None, thumbnail=None, excerpt="\x01" * 60,
)  # fmt: skip
def test_the_cost_bounds_any_texts_the_renderers_take(
    *,
    title: str,
    content: str,
    summary: str,
    categories: list[str],
    author: str | None,
    contributor: str | None,
    thumbnail: str | None,
    excerpt: str | None,
) -> None:
    settings_ = make_settings(Path("articles"))
    article = replace(
        _BASE.article,
        id="urn:uuid:00000000-0000-4000-8000-000000000001",
        page="articles/1.html",
        title=title,
        categories=tuple(categories),
        author=author,
        link='https://finance.sina.com.cn/a?b=1&c="2"',
    )
    # Not sanitized: the bound must hold for whatever text the renderers are handed.
    entry = Entry(article, SafeHtml(content), summary, thumbnail, contributor, excerpt=excerpt)
    entry = replace(entry, cost=entry_cost(entry, settings_.site.page_url(article) or ""))
    sizes = _entry_bytes(entry, settings_)
    assert max(sizes.values()) <= entry.cost, (sizes, entry.cost)
