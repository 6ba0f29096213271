"""The loader: article files -> Article records, bad files -> ArticleError with file and line."""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedgen_miit import (
    ArticleError,
    Settings,
    load_article,
    load_folder,
    loader,
    make_settings,
)
from feedgen_miit.loader import (
    MAX_CATEGORIES,
    MAX_NAME_CHARS,
    MAX_TITLE_CHARS,
    read_article_bytes,
    read_body,
)
from feedgen_miit.scan import discover
from tests.conftest import ARTICLE, WriteArticle, check_usable
from tests.golden import EXAMPLES


def with_front_matter(**changes: str | None) -> str:
    """ARTICLE with front matter lines replaced (``None`` removes the key)."""
    lines = ARTICLE.split("\n")
    out = []
    for line in lines:
        key = line.split(":", 1)[0]
        if key in changes:
            if changes[key] is not None:
                out.append(f"{key}: {changes[key]}")
            continue
        out.append(line)
    extra = [f"{k}: {v}" for k, v in changes.items() if v is not None and f"\n{k}:" not in ARTICLE]
    closing = out.index("---", 2)
    return "\n".join(out[:closing] + extra + out[closing:])


def test_real_samples_load_with_every_field() -> None:
    settings = make_settings(EXAMPLES)
    result = load_folder(settings)
    assert result.problems == ()
    article = next(a for a in result.articles if a.path.name == "000_27c21f8ea3a86f41.txt")
    assert article.title == "工业和信息化部召开部分行业协会座谈会"
    assert article.published == datetime(2022, 6, 21, 3, 44, 48, tzinfo=UTC)
    assert article.updated == article.published
    assert article.categories == ("金融", "新浪财经", "新浪财经－国內")
    assert article.author == "新浪财经"
    assert article.thumbnail == "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
    assert article.link is None
    assert "工业和信息化部党组成员" in read_body(article, settings)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tue, 21 Jun 2022 03:44:48 GMT", datetime(2022, 6, 21, 3, 44, 48, tzinfo=UTC)),
        ("Tue, 21 Jun 2022 11:44:48 +0800", datetime(2022, 6, 21, 3, 44, 48, tzinfo=UTC)),
        ("2022-06-21T11:44:48+08:00", datetime(2022, 6, 21, 3, 44, 48, tzinfo=UTC)),
        ("'2022-06-21T03:44:48Z'", datetime(2022, 6, 21, 3, 44, 48, tzinfo=UTC)),
        # No zone: read in the configured zone, Asia/Shanghai (UTC+8) by default.
        ("2022-06-21 11:44:48", datetime(2022, 6, 21, 3, 44, 48, tzinfo=UTC)),
        ("'2022-06-21T11:44:48'", datetime(2022, 6, 21, 3, 44, 48, tzinfo=UTC)),
        ("2022-06-21", datetime(2022, 6, 20, 16, 0, tzinfo=UTC)),
    ],
)
def test_dates_in_every_common_form(
    write_article: WriteArticle, settings: Settings, value: str, expected: datetime
) -> None:
    path = write_article("a.txt", with_front_matter(date=value))
    assert load_article(path, settings=settings).published == expected


def test_zone_for_dates_without_one_is_configurable(
    write_article: WriteArticle, articles_dir: Path
) -> None:
    path = write_article("a.txt", with_front_matter(date="2022-06-21 11:44:48"))
    settings = make_settings(articles_dir, timezone="UTC")
    assert load_article(path, settings=settings).published == datetime(
        2022, 6, 21, 11, 44, 48, tzinfo=UTC
    )


def test_updated_defaults_to_published_and_is_read_when_given(
    write_article: WriteArticle, settings: Settings
) -> None:
    plain = load_article(write_article("a.txt"), settings=settings)
    assert plain.updated == plain.published
    edited = load_article(
        write_article("b.txt", with_front_matter(updated="2022-06-22T00:00:00Z")),
        settings=settings,
    )
    assert edited.updated == datetime(2022, 6, 22, tzinfo=UTC)
    assert edited.published == plain.published


@pytest.mark.parametrize(
    ("categories", "tags", "expected"),
    [
        ("工业经济", None, ("工业经济",)),
        ("[工业经济, 制造业]", "[制造业, 工信部]", ("工业经济", "制造业", "工信部")),
        ("null", "汽车", ("汽车",)),
        ("2022", None, ("2022",)),
    ],
)
def test_categories_and_tags(
    write_article: WriteArticle,
    settings: Settings,
    categories: str,
    tags: str | None,
    expected: tuple[str, ...],
) -> None:
    path = write_article("a.txt", with_front_matter(categories=categories, tags=tags))
    # The fixture's list items under 'categories:' become stray lines once the key is
    # replaced, so write the front matter cleanly here.
    text = path.read_text(encoding="utf-8").replace(" - 金融\n - 新浪财经\n", "")
    path.write_text(text, encoding="utf-8")
    assert load_article(path, settings=settings).categories == expected


def test_thumbnail_falls_back_to_headimg_and_resolves_relative_urls(
    write_article: WriteArticle, settings: Settings
) -> None:
    path = write_article("a.txt", with_front_matter(thumbnail=None, headimg="/img/head.jpg"))
    assert load_article(path, settings=settings).thumbnail == "http://localhost:8000/img/head.jpg"
    linked = write_article(
        "b.txt",
        with_front_matter(
            thumbnail="pic.png", link="https://finance.sina.com.cn/china/2023/doc.shtml"
        ),
    )
    article = load_article(linked, settings=settings)
    assert article.link == "https://finance.sina.com.cn/china/2023/doc.shtml"
    assert article.thumbnail == "https://finance.sina.com.cn/china/2023/pic.png"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "'java\tscript:alert(1)'",
        "'data:image/png;base64,AAAA'",
        "'http://['",  # urljoin() raises on it: once reported as a bug in feedgen-miit
    ],
)
def test_unsafe_thumbnail_urls_are_dropped(
    write_article: WriteArticle, settings: Settings, url: str
) -> None:
    path = write_article("a.txt", with_front_matter(thumbnail=url, headimg=None))
    assert load_article(path, settings=settings).thumbnail is None


def test_a_url_shared_by_articles_is_read_for_each_against_its_own_base(
    write_article: WriteArticle, settings: Settings
) -> None:
    """The URLs the loader remembers (``loader._GOOD_URLS``) are remembered with their base,
    and only when they gave no warning: each file gets its own answer, and its own warning."""
    for name, site in (("a.txt", "https://a.example/x/"), ("b.txt", "https://b.example/y/")):
        linked = write_article(name, with_front_matter(thumbnail="pic.png", link=f"{site}doc"))
        assert load_article(linked, settings=settings).thumbnail == f"{site}pic.png"
    for name in ("c.txt", "d.txt"):
        path = write_article(name, with_front_matter(thumbnail="javascript:alert(1)", headimg=None))
        checked = check_usable(path, settings=settings)
        assert checked.article.thumbnail is None
        assert [warning.reason for warning in checked.warnings] == [
            "front matter: 'thumbnail' is not an http(s) URL, dropped: 'javascript:alert(1)'"
        ]


def test_the_urls_remembered_are_bounded() -> None:
    """Hostile input cannot grow the loader's memory of URLs, nor fill it with long ones."""

    def no_error(key: str, reason: str) -> ArticleError:
        raise AssertionError(reason)

    def no_warning(key: str, reason: str) -> None:
        raise AssertionError(reason)

    for number in range(loader._MAX_URLS_REMEMBERED + 10):
        url = f"https://pictures.example/{number}.png"
        assert loader._url(url, None, "thumbnail", no_error, no_warning) == url
        assert len(loader._GOOD_URLS) <= loader._MAX_URLS_REMEMBERED
    # Emptied once full, then filled again: a URL first seen late is remembered too.
    assert (url, None) in loader._GOOD_URLS
    loader._GOOD_URLS.clear()
    long_url = "https://pictures.example/" + "x" * loader._MAX_URL_REMEMBERED
    assert loader._url(long_url, None, "thumbnail", no_error, no_warning) == long_url
    assert not loader._GOOD_URLS


def test_leading_blank_lines_bom_and_crlf_are_normal(
    write_article: WriteArticle, settings: Settings
) -> None:
    reference = load_article(write_article("plain.txt"), settings=settings)
    crlf = "\r\n\r\n" + ARTICLE.replace("\n", "\r\n")
    variant = write_article("bom.txt", b"\xef\xbb\xbf" + crlf.encode("utf-8"))
    loaded = load_article(variant, settings=settings)
    assert (loaded.title, loaded.published, loaded.categories) == (
        reference.title,
        reference.published,
        reference.categories,
    )
    assert "\r" not in read_body(loaded, settings)


def test_gb18030_file_is_read_correctly(write_article: WriteArticle, settings: Settings) -> None:
    path = write_article("gbk.txt", ARTICLE.encode("gb18030"))
    assert load_article(path, settings=settings).title == "工信部召开座谈会"


def test_id_from_front_matter_is_kept_when_it_is_an_iri(
    write_article: WriteArticle, settings: Settings
) -> None:
    path = write_article("a.txt", with_front_matter(id="'tag:example.org,2022:miit-1'"))
    assert load_article(path, settings=settings).id == "tag:example.org,2022:miit-1"


def test_plain_guid_becomes_a_name_based_urn(
    write_article: WriteArticle, settings: Settings
) -> None:
    first = load_article(
        write_article("a.txt", with_front_matter(guid="abc123")), settings=settings
    )
    second = load_article(
        write_article("b.txt", with_front_matter(guid="abc123")), settings=settings
    )
    assert first.id.startswith("urn:uuid:")
    assert first.id == second.id  # derived from the guid, not from the file


def test_id_is_derived_from_the_relative_name_not_the_location(tmp_path: Path) -> None:
    here = shutil.copytree(EXAMPLES, tmp_path / "one" / "articles")
    there = shutil.copytree(EXAMPLES, tmp_path / "elsewhere" / "deeper" / "articles")
    ids_here = [a.id for a in load_folder(make_settings(here)).articles]
    ids_there = [a.id for a in load_folder(make_settings(there)).articles]
    assert ids_here == ids_there
    assert len(set(ids_here)) == len(ids_here)


def test_id_does_not_depend_on_the_order_or_number_of_files(
    write_article: WriteArticle, settings: Settings
) -> None:
    alone = load_article(write_article("b.txt"), settings=settings).id
    write_article("a.txt", with_front_matter(title="另一篇"))
    by_name = {a.path.name: a.id for a in load_folder(settings).articles}
    assert by_name["b.txt"] == alone
    assert by_name["a.txt"] != alone


def test_a_different_feed_id_gives_different_entry_ids(
    write_article: WriteArticle, articles_dir: Path
) -> None:
    path = write_article("a.txt")
    default = load_article(path, settings=make_settings(articles_dir)).id
    other = load_article(
        path, settings=make_settings(articles_dir, feed_id="urn:uuid:00000000-0000-4000-8000-0")
    ).id
    assert default != other


def test_missing_date_names_file_and_line(write_article: WriteArticle, settings: Settings) -> None:
    path = write_article("041_ab12.txt", with_front_matter(date=None))
    with pytest.raises(ArticleError) as caught:
        load_article(path, settings=settings)
    assert str(caught.value) == f"{path}:3: front matter: 'date' is missing"


def test_yaml_syntax_error_points_at_the_line(
    write_article: WriteArticle, settings: Settings
) -> None:
    text = ARTICLE.replace("author: 新浪财经", "author: [新浪财经")
    path = write_article("bad.txt", text)
    with pytest.raises(ArticleError) as caught:
        load_article(path, settings=settings)
    assert caught.value.path == path
    assert caught.value.line is not None
    assert 8 <= caught.value.line <= 11  # the unclosed '[' is on line 8; YAML notices later
    assert "YAML error" in caught.value.reason


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<p>no front matter</p>", "no front matter"),
        ("---\ntitle: x\n<p>body</p>\n", "front matter is not closed"),
        ("---\n- a\n- b\n---\n<p>x</p>", "front matter is a list, not a mapping"),
        ("---\njust text\n---\n<p>x</p>", "front matter is text, not a mapping"),
        ("---\n---\n<p>x</p>", "front matter is empty"),
    ],
)
def test_unusable_front_matter_is_a_clear_error(
    write_article: WriteArticle, settings: Settings, text: str, reason: str
) -> None:
    with pytest.raises(ArticleError, match=reason):
        load_article(write_article("bad.txt", text), settings=settings)


def test_alias_bomb_is_refused_quickly(write_article: WriteArticle, settings: Settings) -> None:
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [{', '.join(['*' + previous] * 9)}]")
    text = "---\ntitle: x\ndate: 2022-06-21\n" + "\n".join(bomb) + "\n---\n<p>x</p>"
    with pytest.raises(ArticleError, match="alias bomb"):
        load_article(write_article("bomb.txt", text), settings=settings)


def test_a_bad_file_does_not_stop_the_others(
    write_article: WriteArticle, settings: Settings
) -> None:
    write_article("a.txt")
    bad = write_article("b.txt", with_front_matter(title=None))
    write_article("c.txt", with_front_matter(title="第三篇"))
    result = load_folder(settings)
    assert [a.path.name for a in result.articles] == ["a.txt", "c.txt"]
    assert [(p.path, p.reason) for p in result.problems] == [
        (bad, "front matter: 'title' is missing or empty")
    ]


def test_discovery_is_recursive_sorted_and_skips_junk(articles_dir: Path) -> None:
    for name in [
        "2023/b.txt",
        "2022/a.md",
        "c.html",
        "notes.json",
        ".hidden.txt",
        "draft.txt~",
        ".#lock.txt",
        ".git/x.txt",
    ]:
        path = articles_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    found = [
        p.relative_to(articles_dir).as_posix()
        for p in discover(articles_dir, Settings(articles_dir).patterns)
    ]
    assert found == ["2022/a.md", "2023/b.txt", "c.html"]


def test_title_markup_and_control_characters_are_removed(
    write_article: WriteArticle, settings: Settings
) -> None:
    path = write_article("a.txt", with_front_matter(title="'<b>工信部</b>\x07 &amp; 新闻'"))
    assert load_article(path, settings=settings).title == "工信部 & 新闻"


def _fstat_reporting(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make fstat() report ``size`` bytes, as if the file grew after it was looked at."""
    real = os.fstat

    def fstat(descriptor: int) -> os.stat_result:
        info = real(descriptor)
        return os.stat_result((*info[:6], size, *info[7:10]))

    monkeypatch.setattr(os, "fstat", fstat)


def test_a_file_that_grows_while_read_is_read_whole(
    write_article: WriteArticle, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_article("a.txt")
    _fstat_reporting(10, monkeypatch)
    assert read_article_bytes(path, 10 * 1024 * 1024) == path.read_bytes()


def test_a_file_that_grows_past_the_cap_while_read_is_refused(
    write_article: WriteArticle, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_article("a.txt")
    _fstat_reporting(10, monkeypatch)
    with pytest.raises(ArticleError, match="over the 50-byte limit"):
        read_article_bytes(path, 50)


def test_short_reads_are_continued_to_the_end_of_the_file(
    write_article: WriteArticle, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_article("a.txt")
    real = os.read
    monkeypatch.setattr(os, "read", lambda descriptor, size: real(descriptor, min(size, 7)))
    assert read_article_bytes(path, 10 * 1024 * 1024) == path.read_bytes()


def test_dashes_at_the_end_of_a_front_matter_line_do_not_close_it(
    write_article: WriteArticle, settings: Settings
) -> None:
    # Only a line of dashes closes the front matter (python-frontmatter's rule), not a value
    # that ends in them: this title once cut the front matter short, losing 'date'.
    path = write_article("a.txt", with_front_matter(title="Breaking ---"))
    assert load_article(path, settings=settings).title == "Breaking ---"


# -- front matter read as Hexo reads it (js-yaml) -------------------------------------------------


def _front_matter(*lines: str) -> str:
    """An article whose front matter is ``lines`` (a title and a date are added if missing)."""
    keys = {line.split(":", 1)[0] for line in lines}
    head = [*lines]
    if "title" not in keys:
        head.insert(0, "title: x")
    if "date" not in keys:
        head.append("date: 2022-06-21 11:44:48")
    return "\n---\n" + "\n".join(head) + "\n---\n\n<p>正文</p>\n"


@pytest.mark.parametrize(
    ("lines", "categories"),
    [
        # PyYAML (YAML 1.1) published these as 90, 45000 and 8, and dropped the booleans
        (["categories: [1:30, '1:30', 12:30:00]"], ("1:30", "12:30:00")),
        (["categories:", " - 1:30", " - 12:30:00"], ("1:30", "12:30:00")),
        (["categories: [no, on, yes, off, y, n]"], ("no", "on", "yes", "off", "y", "n")),
        (["tags: [010, 0o10, 0x1F, 1.0, 1.50, 1e3]"], ("10", "8", "31", "1", "1.5", "1000")),
        (["categories: [2022-06-21, 2022-02-30]"], ("2022-06-21", "2022-02-30")),
    ],
)
def test_categories_are_read_as_hexo_reads_them(
    write_article: WriteArticle, settings: Settings, lines: list[str], categories: tuple[str, ...]
) -> None:
    path = write_article("a.txt", _front_matter(*lines))
    assert load_article(path, settings=settings).categories == categories


def test_categories_read_before_answer_for_the_same_lists_only(
    write_article: WriteArticle, settings: Settings
) -> None:
    """The categories the loader remembers (``loader._PLAIN_CATEGORIES``) stand for the same
    lists of strings, read without a warning: a list that warns warns in every file, and
    true is not taken for 1 (they are equal in Python, and hash alike)."""
    files = [
        (["categories: [金融, 新浪财经]"], ("金融", "新浪财经"), []),
        (["categories: [金融, 新浪财经]", "tags: 汽车"], ("金融", "新浪财经", "汽车"), []),
        (["categories: [金融, 新浪财经]"], ("金融", "新浪财经"), []),
        (["categories: [1]"], ("1",), []),
        (
            ["categories: [true]"],
            (),
            ["front matter: 'categories' must hold names; true was dropped"],
        ),
    ]
    hidden = "金\u200b融"
    warned = [
        "front matter: 'categories' contains invisible characters (zero-width, bidi controls...); "
        "they were removed: '金融'"
    ]
    files += [([f"categories: ['{hidden}']"], ("金融",), warned)] * 2
    for number, (lines, categories, warnings) in enumerate(files):
        path = write_article(f"{number}.txt", _front_matter(*lines))
        checked = check_usable(path, settings=settings)
        assert checked.article.categories == categories
        assert [warning.reason for warning in checked.warnings] == warnings


def test_the_categories_remembered_are_bounded(
    write_article: WriteArticle, settings: Settings
) -> None:
    loader._PLAIN_CATEGORIES.clear()
    path = write_article("a.txt", _front_matter("categories: [a]"))
    check_usable(path, settings=settings)
    assert (("a",), None) in loader._PLAIN_CATEGORIES
    for number in range(loader._MAX_NAMES_REMEMBERED + 10):
        assert loader._categories({"categories": [f"name {number}"]}, _no_warning) == (
            f"name {number}",
        )
    assert len(loader._PLAIN_CATEGORIES) <= loader._MAX_NAMES_REMEMBERED


def _no_warning(key: str, reason: str) -> None:
    raise AssertionError(reason)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("010", "10"),  # js-yaml: decimal 10 (PyYAML: octal 8)
        ("1:30", "1:30"),
        ("no", "no"),
        ("On", "On"),
        ("1e21", "1e+21"),  # as JavaScript prints the number
        ('"\\ud83d\\udcf1 手机"', "📱 手机"),  # a JSON writer's emoji: PyYAML refused the file
        ('"\\U0001F4F1"', "📱"),
        ("'" + "[" * 300 + "'", "[" * 300),  # once refused: more than 200 '[' in the front matter
    ],
)
def test_titles_are_read_as_hexo_reads_them(
    write_article: WriteArticle, settings: Settings, title: str, expected: str
) -> None:
    path = write_article("a.txt", _front_matter(f"title: {title}"))
    assert load_article(path, settings=settings).title == expected


def test_a_lone_surrogate_escape_is_not_published(
    write_article: WriteArticle, settings: Settings
) -> None:
    path = write_article("a.txt", _front_matter('title: "half \\ud83d an emoji"'))
    assert load_article(path, settings=settings).title == "half an emoji"


@pytest.mark.parametrize("twice", ["title", "date", "categories"])
def test_a_key_given_twice_is_an_error_naming_the_second(
    write_article: WriteArticle, settings: Settings, twice: str
) -> None:
    # PyYAML kept the last value silently; js-yaml (so Hexo) refuses the file
    lines = ["title: first", "date: 2022-06-21", "categories: [a]", "author: x"]
    path = write_article("a.txt", _front_matter(*lines, f"{twice}: again"))
    with pytest.raises(ArticleError) as caught:
        load_article(path, settings=settings)
    assert caught.value.reason == (
        f"front matter: {twice!r} is given twice (Hexo refuses the file too); keep one of them"
    )
    assert caught.value.line == 7  # a blank line, '---', four keys, then the second one


@pytest.mark.parametrize(
    ("date", "reason"),
    [
        ("2022-02-30 10:00:00", "day is out of range for month"),
        ("'2022-02-30'", "day is out of range for month"),
        ("2022-06-21 24:00:00", "hour must be in 0..23"),
        ("2022-06-21T10:61:00+08:00", "minute must be in 0..59"),
        ("Mon, 30 Feb 2022 10:00:00 GMT", "day is out of range for month"),
        ("'Tue, 21 Jun 2022 25:44:48 GMT'", "hour must be in 0..23"),
    ],
)
def test_an_impossible_date_is_an_error_naming_it(
    write_article: WriteArticle, settings: Settings, date: str, reason: str
) -> None:
    # PyYAML raised ValueError from inside: "unexpected ValueError ... a bug in feedgen-miit"
    path = write_article("a.txt", _front_matter(f"date: {date}"))
    with pytest.raises(ArticleError) as caught:
        load_article(path, settings=settings)
    shown = repr(date.strip("'"))
    assert caught.value.reason == (
        f"front matter: 'date' is not a real date or time: {shown} ({reason}); check the date"
    )
    assert caught.value.line == 4


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        # YAML timestamps in the forms js-yaml knows; zone-less ones in the timezone setting
        ("2022-6-1 1:02:03", datetime(2022, 5, 31, 17, 2, 3, tzinfo=UTC)),
        ("2022-06-21 03:44:48 +8", datetime(2022, 6, 20, 19, 44, 48, tzinfo=UTC)),
        ("2022-06-21t03:44:48.5Z", datetime(2022, 6, 21, 3, 44, 48, 500000, tzinfo=UTC)),
        ("2022-06-21   03:44:48-01:30", datetime(2022, 6, 21, 5, 14, 48, tzinfo=UTC)),
        # RFC 2822 with its zone honoured (Hexo ignores it and reads the digits locally)
        ("Tue, 21 Jun 2022 03:44:48 GMT", datetime(2022, 6, 21, 3, 44, 48, tzinfo=UTC)),
        ("Tue, 21 Jun 2022 03:44:48 -0000", datetime(2022, 6, 20, 19, 44, 48, tzinfo=UTC)),
    ],
)
def test_dates_keep_this_tools_reading(
    write_article: WriteArticle, settings: Settings, date: str, expected: datetime
) -> None:
    path = write_article("a.txt", _front_matter(f"date: {date}"))
    assert load_article(path, settings=settings).published == expected


def test_aliases_that_do_not_multiply_are_fine(
    write_article: WriteArticle, settings: Settings
) -> None:
    path = write_article("a.txt", _front_matter("tags: &t [a, b]", "categories: *t"))
    assert load_article(path, settings=settings).categories == ("a", "b")


def test_a_value_inside_itself_is_refused(write_article: WriteArticle, settings: Settings) -> None:
    path = write_article("a.txt", _front_matter("categories: &c [a, *c]"))
    with pytest.raises(ArticleError, match="alias bomb"):
        load_article(path, settings=settings)


# -- names: as they look, and bounded -------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "categories"),
    [
        # Hexo's hierarchy: B inside A, and C; each level is a category here
        (["categories: [[A, B], C]"], ("A", "B", "C")),
        (["categories:", " - [工业, 制造业]", " - [工业, 汽车]"], ("工业", "制造业", "汽车")),
        (["categories: [A, B]"], ("A", "B")),  # a flat list: a hierarchy to Hexo, the same here
        (["category: 单数", "tag: [标签]"], ("单数", "标签")),  # Hexo's singular keys
        (["categories: [A]", "category: ignored"], ("A",)),  # ... only when the plural is missing
        # invisible characters made two categories (and two feeds) of one name
        (["categories: [金融, '金\u200b融', '\ufeff金融', 'e\u0301']"], ("金融", "\xe9")),
    ],
)
def test_category_names(
    write_article: WriteArticle, settings: Settings, lines: list[str], categories: tuple[str, ...]
) -> None:
    path = write_article("a.txt", _front_matter(*lines))
    assert load_article(path, settings=settings).categories == categories


def test_names_remembered_as_plain_still_warn_in_every_file_that_needs_it(
    write_article: WriteArticle, settings: Settings
) -> None:
    # Names that need no change are remembered (they repeat in every file); one that needs
    # a change is never taken for one of them, and warns in each file that has it.
    plain = write_article("a.txt", _front_matter("categories: [金融]", "author: 新浪财经"))
    hidden = write_article(
        "b.txt", _front_matter("categories: [金融, '金\u200b融']", "author: '新浪\u200b财经'")
    )
    for _ in range(2):
        assert check_usable(plain, settings=settings).warnings == ()
        checked = check_usable(hidden, settings=settings)
        assert (checked.article.categories, checked.article.author) == (("金融",), "新浪财经")
        assert [warning.reason.split(";")[0] for warning in checked.warnings] == [
            "front matter: 'categories' contains invisible characters (zero-width, bidi "
            "controls...)",
            "front matter: 'author' contains invisible characters (zero-width, bidi controls...)",
        ]


def test_categories_past_the_cap_are_dropped_with_a_warning(
    write_article: WriteArticle, settings: Settings
) -> None:
    names = ", ".join(f"c{number}" for number in range(MAX_CATEGORIES + 10))
    path = write_article("a.txt", _front_matter(f"categories: [{names}]", "tags: [t]"))
    checked = check_usable(path, settings=settings)
    assert checked.article.categories == tuple(f"c{n}" for n in range(MAX_CATEGORIES))
    (warning,) = checked.warnings
    assert warning.reason == (
        f"front matter: more than {MAX_CATEGORIES} categories and tags: only the first "
        f"{MAX_CATEGORIES} are used; 'c{MAX_CATEGORIES}' and the 10 values after it were dropped"
    )
    assert warning.line == 4


def test_many_categories_cost_linear_time(write_article: WriteArticle, settings: Settings) -> None:
    """100,000 names in one article once ran for hours (every feed rendered each one)."""

    def seconds(count: int) -> float:
        names = "".join(f" - c{number}\n" for number in range(count))
        path = write_article(f"{count}.txt", _front_matter(f"categories:\n{names}".rstrip()))
        start = time.perf_counter()
        checked = check_usable(path, settings=settings)
        assert len(checked.article.categories) == MAX_CATEGORIES
        assert len(checked.warnings) == 1
        return time.perf_counter() - start

    small = min(seconds(10_000) for _ in range(3))
    assert min(seconds(100_000) for _ in range(3)) < small * 30  # 10 times the input


@pytest.mark.parametrize(
    ("title", "expected", "warning"),
    [
        ("'工信部\u200b召开'", "工信部召开", "invisible characters"),
        ("'\u202eevil\u202c title'", "evil title", "invisible characters"),
        ("'" + "标题" * 1000 + "'", "标题" * 149 + "标…", "2,000 characters long"),
        ("'" + "word " * 100 + "'", ("word " * 59).strip() + "…", "499 characters long"),
    ],
)
def test_titles_are_shown_as_they_look_and_capped(
    write_article: WriteArticle, settings: Settings, title: str, expected: str, warning: str
) -> None:
    path = write_article("a.txt", _front_matter(f"title: {title}"))
    checked = check_usable(path, settings=settings)
    assert checked.article.title == expected
    assert len(checked.article.title) <= MAX_TITLE_CHARS
    (found,) = checked.warnings
    assert warning in found.reason
    assert found.line == 3


def test_long_names_are_capped(write_article: WriteArticle, settings: Settings) -> None:
    long = "类" * (MAX_NAME_CHARS + 50)
    path = write_article("a.txt", _front_matter(f"categories: [{long}]", f"author: {long}"))
    checked = check_usable(path, settings=settings)
    assert checked.article.categories == ("类" * (MAX_NAME_CHARS - 1) + "…",)
    assert checked.article.author == "类" * (MAX_NAME_CHARS - 1) + "…"
    assert [w.line for w in checked.warnings] == [4, 5]
