"""Hostile input is normal input: every bad article file is named once with its reason and
the rest still publish.

The committed fixtures are in tests/data/hostile; the cases that cannot sensibly be committed
(a 50 MB file, 100,000 nested elements, symlink loops, a FIFO, a name that is not UTF-8) are
made by the ``hostile_dir`` fixture.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import feedparser
import pytest

from bench.hostile import BODY_PEAK_LIMIT_MB, one_article
from feedgen_miit import (
    ArticleError,
    CheckReport,
    Settings,
    build,
    check,
    load_article,
    load_folder,
    make_settings,
    sanitize,
    tasks,
)
from feedgen_miit.errors import ConfigError, shown
from feedgen_miit.loader import FUTURE_TOLERANCE, read_body
from feedgen_miit.profile import CleaningRules
from feedgen_miit.sanitize import MAX_MARKUP, CleanBody
from feedgen_miit.scan import discover
from tests.atomcheck import assert_valid_atom
from tests.conftest import ARTICLE, WriteArticle, check_usable
from tests.hostile import DRAFTS, ERRORS, GOOD, MARKUP_BOMB, NOT_FOUND, NOW, SECRET, WARNINGS


@pytest.fixture(scope="module")
def hostile_report(hostile_dir: Path) -> CheckReport:
    """What check() finds in the hostile folder."""
    return check(make_settings(hostile_dir), now=NOW)


def _name(path: Path, root: Path) -> str:
    return shown(str(path.relative_to(root)))


def test_every_bad_file_is_named_once(hostile_dir: Path, hostile_report: CheckReport) -> None:
    named = [_name(problem.path, hostile_dir) for problem in hostile_report.problems]
    assert sorted(named) == sorted(ERRORS)


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_file_reason_and_line(
    name: str, hostile_dir: Path, hostile_report: CheckReport
) -> None:
    line, reason = ERRORS[name]
    (problem,) = [p for p in hostile_report.problems if _name(p.path, hostile_dir) == name]
    assert reason in problem.reason
    assert problem.line == line
    assert str(problem).startswith(f"{hostile_dir}/{name}")
    assert "\n" not in str(problem)


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_warnings_name_file_and_reason(
    name: str, hostile_dir: Path, hostile_report: CheckReport
) -> None:
    found = [w.reason for w in hostile_report.warnings if _name(w.path, hostile_dir) == name]
    assert len(found) == len(WARNINGS[name])
    for reason, expected in zip(found, WARNINGS[name], strict=True):
        assert expected in reason


def test_only_listed_files_have_warnings(hostile_dir: Path, hostile_report: CheckReport) -> None:
    assert {_name(w.path, hostile_dir) for w in hostile_report.warnings} == set(WARNINGS)


def test_drafts_are_listed_not_errors(hostile_dir: Path, hostile_report: CheckReport) -> None:
    drafts = {_name(draft.path, hostile_dir): draft.line for draft in hostile_report.drafts}
    assert drafts == DRAFTS


def test_junk_files_are_not_articles(hostile_dir: Path) -> None:
    found = {
        _name(path, hostile_dir)
        for path in discover(hostile_dir, make_settings(hostile_dir).patterns)
    }
    # A file name that is not UTF-8 is reported by the scan (it cannot get an id), not found;
    # so are links that lead outside the folder.
    assert found == (set(ERRORS) | set(GOOD) | set(DRAFTS)) - NOT_FOUND
    assert not {"good_01.txt~", ".#good_01.txt", ".hidden.txt", ".hidden_dir/article.txt"} & found


def test_hostile_folder_builds_every_good_article(hostile_dir: Path, tmp_path: Path) -> None:
    settings = make_settings(hostile_dir, output_dir=tmp_path / "public", limit=0)

    report = build(settings, now=NOW)

    assert not report.complete
    assert sorted(_name(p.path, hostile_dir) for p in report.problems) == sorted(ERRORS)
    document = (tmp_path / "public" / "atom.xml").read_bytes()
    assert_valid_atom(document)
    titles = [entry.title for entry in feedparser.parse(document).entries]
    assert sorted(titles) == sorted(GOOD.values())
    for path in (tmp_path / "public").rglob("*"):
        assert not path.is_file() or SECRET.encode() not in path.read_bytes(), path


def test_text_in_other_encodings_is_read_correctly(hostile_dir: Path) -> None:
    settings = make_settings(hostile_dir)
    gb = load_article(hostile_dir / "gb18030.txt", settings=settings, now=NOW)
    assert gb.title == "国家标准 GB18030 编码的文章"
    assert gb.categories == ("工业",)
    utf16 = load_article(hostile_dir / "utf16.txt", settings=settings, now=NOW)
    assert utf16.title == "UTF-16 with a byte-order mark"


@pytest.mark.parametrize(
    ("name", "title", "body"),
    [
        ("mixed_utf8_head.txt", "混合编码：UTF-8 头部，GBK 正文", "<p>正文用 GBK 编码保存。</p>"),
        ("mixed_gb_head.txt", "混合编码：GBK 头部，UTF-8 正文", "<p>正文用 UTF-8 编码保存。</p>"),
    ],
)
def test_each_part_of_a_mixed_file_is_read_in_its_encoding(
    name: str, title: str, body: str, hostile_dir: Path
) -> None:
    settings = make_settings(hostile_dir)
    article = load_article(hostile_dir / name, settings=settings, now=NOW)
    assert (article.title, article.categories) == (title, ("工业",))
    assert read_body(article, settings).strip() == body


@pytest.mark.parametrize(
    ("name", "categories"),
    [
        ("categories_null.txt", ()),
        ("categories_number.txt", ("2022", "1.5", "7")),
        # Hexo's hierarchies: [a, b] is b inside a, each level a category here; [d] inside
        # a hierarchy is not a name
        ("categories_nested.txt", ("金融", "a", "b", "c")),
        ("categories_mapping.txt", ()),
        # js-yaml's reading: PyYAML gave 90, 45000, false, true and 8
        ("hexo_values.txt", ("1:30", "12:30:00", "no", "on", "10")),
    ],
)
def test_category_policy(name: str, categories: tuple[str, ...], hostile_dir: Path) -> None:
    article = load_article(hostile_dir / name, settings=make_settings(hostile_dir), now=NOW)
    assert article.categories == categories


@pytest.mark.parametrize("name", ["thumbnail_data.txt", "thumbnail_javascript.txt"])
def test_unsafe_thumbnails_are_dropped(name: str, hostile_dir: Path) -> None:
    article = load_article(hostile_dir / name, settings=make_settings(hostile_dir), now=NOW)
    assert article.thumbnail is None


def test_title_markup_and_controls_are_removed(hostile_dir: Path) -> None:
    settings = make_settings(hostile_dir)
    markup = load_article(hostile_dir / "title_markup.txt", settings=settings, now=NOW)
    control = load_article(hostile_dir / "title_control.txt", settings=settings, now=NOW)
    assert markup.title == "Title with markup & entities"
    assert control.title == "Title with control characters"


@pytest.mark.parametrize("control", ["\x07", "\x1b", "\x85", "\x7f"])
def test_raw_control_characters_in_front_matter_are_removed_with_a_warning(
    control: str, write_article: WriteArticle, settings: Settings
) -> None:
    path = write_article("a.txt", ARTICLE.replace("工信部召开", f"工信部{control}召开"))
    checked = check_usable(path, settings=settings, now=NOW)
    assert checked.article.title == "工信部召开座谈会"
    (warning,) = checked.warnings
    assert warning.reason == "front matter: control characters were removed"
    assert warning.line == 3


def test_duplicate_id_first_by_path_wins(hostile_dir: Path) -> None:
    loaded = load_folder(make_settings(hostile_dir), now=NOW)
    (winner,) = [a for a in loaded.articles if a.id == "tag:example.org,2022:same"]
    assert winner.path.name == "dup_id_a.txt"
    (loser,) = [p for p in loaded.problems if p.path.name == "dup_id_b.txt"]
    assert str(winner.path) in loser.reason


@pytest.mark.parametrize(
    ("ahead", "usable"),
    [
        (timedelta(0), True),
        (FUTURE_TOLERANCE - timedelta(seconds=1), True),
        (FUTURE_TOLERANCE + timedelta(seconds=1), False),
        (timedelta(days=365 * 900), False),
    ],
)
def test_future_dates_against_the_injected_clock(
    ahead: timedelta, usable: bool, write_article: WriteArticle, settings: Settings
) -> None:
    date = (NOW + ahead).isoformat()
    path = write_article("a.txt", ARTICLE.replace("Tue, 21 Jun 2022 03:44:48 GMT", date))
    if usable:
        assert load_article(path, settings=settings, now=NOW).published == NOW + ahead
    else:
        with pytest.raises(ArticleError, match="'date' is in the future"):
            load_article(path, settings=settings, now=NOW)


def test_future_updated_is_an_error_too(write_article: WriteArticle, settings: Settings) -> None:
    path = write_article("a.txt", ARTICLE.replace("comments: false", "updated: 2999-01-01"))
    with pytest.raises(ArticleError, match="'updated' is in the future") as raised:
        load_article(path, settings=settings, now=NOW)
    assert raised.value.line == ARTICLE.split("\n").index("comments: false") + 1


@pytest.mark.parametrize(("cap", "usable"), [(100, False), (10_000, True)])
def test_size_cap_is_a_setting(
    cap: int, usable: bool, write_article: WriteArticle, articles_dir: Path
) -> None:
    path = write_article("a.txt")
    settings = make_settings(articles_dir, max_file_bytes=cap)
    if usable:
        assert load_article(path, settings=settings, now=NOW).title == "工信部召开座谈会"
    else:
        with pytest.raises(ArticleError, match="over the 100-byte limit"):
            load_article(path, settings=settings, now=NOW)


@pytest.mark.parametrize(
    ("encoded", "title"),
    [
        (codecs.BOM_UTF8 + ARTICLE.encode(), "工信部召开座谈会"),
        (ARTICLE.replace("\n", "\r\n").encode(), "工信部召开座谈会"),
        (ARTICLE.replace("\n", "\r").encode(), "工信部召开座谈会"),
        (ARTICLE.encode("gb18030"), "工信部召开座谈会"),
        (ARTICLE.encode("gbk"), "工信部召开座谈会"),
        (ARTICLE.encode("utf-16-le").join([codecs.BOM_UTF16_LE, b""]), "工信部召开座谈会"),
        (
            codecs.BOM_UTF16_BE + ARTICLE.replace("\n", "\r\n").encode("utf-16-be"),
            "工信部召开座谈会",
        ),
        # 不 (U+4E0D) holds a CR byte in UTF-16: a character, not a line end.
        (
            codecs.BOM_UTF16_LE + ARTICLE.replace("召开", "不召开").encode("utf-16-le"),
            "工信部不召开座谈会",
        ),
    ],
    ids=[
        "utf8-bom",
        "crlf",
        "cr",
        "gb18030",
        "gbk",
        "utf16-le-bom",
        "utf16-be-crlf",
        "utf16-cr-bytes",
    ],
)
def test_encodings_and_line_ends(
    encoded: bytes, title: str, write_article: WriteArticle, settings: Settings
) -> None:
    path = write_article("a.txt", encoded)
    checked = check_usable(path, settings=settings, now=NOW)
    assert checked.article.title == title
    assert checked.article.categories == ("金融", "新浪财经")


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030", "utf-16"])
def test_a_nul_character_is_refused_in_every_encoding(
    encoding: str, write_article: WriteArticle, settings: Settings
) -> None:
    text = ARTICLE.replace("</div>", "\x00</div>")
    path = write_article("a.txt", text.encode(encoding))  # Python's utf-16 writes a BOM
    with pytest.raises(ArticleError, match="contains NUL characters") as raised:
        load_article(path, settings=settings, now=NOW)
    assert raised.value.line == text[: text.index("\x00")].count("\n") + 1


def test_private_use_characters_are_not_gb18030(
    write_article: WriteArticle, settings: Settings
) -> None:
    # b"\xa1\xa1" is U+3000 in GB18030, but b"\xaa\xa1" decodes to a private-use character:
    # such bytes are some other encoding, and reading them as GB18030 would publish garbage.
    path = write_article("a.txt", ARTICLE.encode("gb18030").replace(b"\xa1\xa1", b"\xaa\xa1"))
    with pytest.raises(ArticleError, match="nor GB18030"):
        load_article(path, settings=settings, now=NOW)


def _as_unprivileged(task: Callable[[], list[str]]) -> list[str]:
    """Run ``task`` without root's power to read anything (CI runs as root).

    As root, a forked child drops to ``nobody`` and sends the result back through a pipe;
    everything it needs is imported and cached before the fork.
    """
    if os.geteuid() != 0:
        return task()
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's coverage is not collected
        code = 0
        try:
            os.close(reading)
            os.setgid(65534)
            os.setuid(65534)
            os.write(writing, json.dumps(task()).encode())
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(writing)
    with os.fdopen(reading, "rb") as stream:
        data = stream.read()
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "the unprivileged child failed"
    result: list[str] = json.loads(data)
    return result


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """An articles folder that the unprivileged user 'nobody' may enter."""
    top = Path(tempfile.mkdtemp(prefix="feedgen-miit-test-"))
    top.chmod(0o755)
    folder = top / "articles"
    folder.mkdir(mode=0o755)
    yield folder
    for path in folder.rglob("*"):
        path.chmod(0o755)
    shutil.rmtree(top)


def test_unreadable_files_and_folders_are_reported(shared_dir: Path) -> None:
    for name in ("a.txt", "locked.txt", "closed/b.txt", "open/c.txt"):
        (shared_dir / name).parent.mkdir(mode=0o755, exist_ok=True)
        (shared_dir / name).write_text(ARTICLE.replace("座谈会", name), encoding="utf-8")
        (shared_dir / name).chmod(0o644)
    settings = make_settings(shared_dir)
    load_folder(settings, now=NOW)  # as the current user: warms every cache before the fork
    (shared_dir / "locked.txt").chmod(0)
    (shared_dir / "closed").chmod(0)

    def task() -> list[str]:
        loaded = load_folder(settings, now=NOW)
        return [a.source for a in loaded.articles] + [str(p) for p in loaded.problems]

    result = _as_unprivileged(task)

    assert result == [
        "a.txt",
        "open/c.txt",
        f"{shared_dir}/closed: cannot read this folder (Permission denied); "
        "its articles were left out: fix its permissions",
        f"{shared_dir}/locked.txt: cannot read the file: Permission denied",
    ]


def test_a_bug_costs_one_article_not_the_feed(
    write_article: WriteArticle, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_article("a.txt")
    write_article("b.txt", ARTICLE.replace("工业和信息化部", "TRIGGER"))
    real_clean_body = sanitize.clean_body

    def buggy_clean_body(
        raw: str,
        base_url: str | None = None,
        rules: CleaningRules | None = None,
        *,
        title: str | None = None,
    ) -> CleanBody:
        if "TRIGGER" in raw:
            raise ZeroDivisionError("simulated bug")
        return real_clean_body(raw, base_url, rules, title=title)

    monkeypatch.setattr(tasks, "clean_body", buggy_clean_body)

    report = build(settings, now=NOW)

    assert report.entries == 1
    (problem,) = report.problems
    assert problem.path.name == "b.txt"
    assert "unexpected ZeroDivisionError: simulated bug (a bug in feedgen-miit" in problem.reason


def _outside_links(articles_dir: Path, tmp_path: Path) -> Path:
    """An article file and a folder of articles beside ``articles_dir``, linked from it."""
    outside = tmp_path / "outside"
    (outside / "folder").mkdir(parents=True)
    secret = ARTICLE.replace("工信部召开座谈会", SECRET)
    (outside / "secret.txt").write_text(secret, encoding="utf-8")
    (outside / "folder" / "also.txt").write_text(secret.replace("上证报", "又"), encoding="utf-8")
    (articles_dir / "link.txt").symlink_to(outside / "secret.txt")
    (articles_dir / "folder").symlink_to(outside / "folder", target_is_directory=True)
    (articles_dir / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (articles_dir / "inside.txt").symlink_to("good.txt")  # inside the folder: fine
    return outside


def test_links_that_leave_the_folder_are_refused(
    articles_dir: Path, output_dir: Path, tmp_path: Path
) -> None:
    outside = _outside_links(articles_dir, tmp_path)
    settings = make_settings(articles_dir, output_dir=output_dir, limit=0)

    report = build(settings, now=NOW)

    assert [str(problem) for problem in report.problems] == [
        f"{articles_dir}/folder: a symbolic link to a folder outside the articles folder "
        f"({outside}/folder): its articles were left out, so that nothing outside is "
        "published by mistake; copy the file in, or set follow_outside_links = true",
        # a link that stays inside is read: here, it is the same article twice
        f"{articles_dir}/inside.txt: the same article as {articles_dir}/good.txt (the same "
        "title and body; scraped twice?), so it is left out; delete one of the two files",
        f"{articles_dir}/link.txt: a symbolic link to a file outside the articles folder "
        f"({outside}/secret.txt): not read, so that nothing outside is published by mistake; "
        "copy the file in, or set follow_outside_links = true",
    ]
    for path in output_dir.rglob("*"):
        assert not path.is_file() or SECRET.encode() not in path.read_bytes(), path
    again = build(settings, now=NOW)  # the same from the index
    assert [str(problem) for problem in again.problems] == [str(p) for p in report.problems]


def test_links_that_leave_the_folder_may_be_allowed(
    articles_dir: Path, output_dir: Path, tmp_path: Path
) -> None:
    _outside_links(articles_dir, tmp_path)
    settings = make_settings(articles_dir, output_dir=output_dir, follow_outside_links=True)
    report = build(settings, now=NOW)
    assert [problem.path.name for problem in report.problems] == ["inside.txt"]
    assert report.articles_found == 3
    assert SECRET.encode() in (output_dir / "atom.xml").read_bytes()


def test_a_file_replaced_by_an_outside_link_is_refused_by_a_warm_build(
    articles_dir: Path, output_dir: Path, tmp_path: Path
) -> None:
    settings = make_settings(articles_dir, output_dir=output_dir)
    (articles_dir / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (articles_dir / "b.txt").write_text(ARTICLE.replace("座谈会", "会议"), encoding="utf-8")
    build(settings, now=NOW)
    (tmp_path / "secret.txt").write_text(ARTICLE.replace("座谈会", SECRET), encoding="utf-8")
    (articles_dir / "b.txt").unlink()
    (articles_dir / "b.txt").symlink_to(tmp_path / "secret.txt")
    (problem,) = build(settings, now=NOW).problems
    assert problem.path == articles_dir / "b.txt"
    assert SECRET.encode() not in (output_dir / "atom.xml").read_bytes()


@pytest.mark.parametrize(
    ("articles", "out"),
    [
        ("articles", "articles"),
        ("articles", "articles/public"),
        ("articles", "articles/deep/er/public"),
        ("public/articles", "public"),
        ("articles", "link-into-articles/public"),
    ],
)
def test_an_output_folder_that_overlaps_the_articles_is_refused(
    tmp_path: Path, articles: str, out: str
) -> None:
    (tmp_path / articles).mkdir(parents=True)
    (tmp_path / articles / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "link-into-articles").symlink_to(tmp_path / "articles")
    settings = make_settings(tmp_path / articles, output_dir=tmp_path / out)
    with pytest.raises(ConfigError, match=r"so (the next build would read its own|a build would)"):
        build(settings, now=NOW)
    assert sorted(path.name for path in (tmp_path / articles).iterdir()) == ["a.txt"]


@pytest.mark.parametrize("paragraphs", [MAX_MARKUP, MARKUP_BOMB], ids=["at the limit", "8.8 MB"])
def test_one_body_builds_in_under_300_mb(tmp_path: Path, paragraphs: int) -> None:
    # The worst body the limit lets through, and the 8.8 MB one it refuses unparsed (which
    # took a minute and 1.6 GB): each a whole build in a child process, its peak measured.
    result = one_article(tmp_path, "paragraphs", paragraphs, repeats=1)
    assert result["peak_mb"] < BODY_PEAK_LIMIT_MB
    assert result["entries"] == (2 if paragraphs <= MAX_MARKUP else 1)
