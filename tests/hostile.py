"""The hostile-input fixtures: what each file in tests/data/hostile is, and what a build must say.

The committed files are in tests/data/hostile; the cases that cannot sensibly be committed (a
50 MB file, 100,000 nested elements, symlink loops, a FIFO, a name that is not UTF-8) are made
by :func:`make_hostile_folder` (the ``hostile_dir`` fixture of conftest.py).
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

HOSTILE = Path(__file__).parent / "data" / "hostile"
#: The build's clock in these tests (the fixtures are dated 2022).
NOW = datetime(2026, 1, 1, tzinfo=UTC)
DEEP = 100_000
#: Paragraphs in markup_bomb.txt: 8.8 MB, which took a minute and 1.6 GB to clean.
MARKUP_BOMB = 1_100_000
#: See :data:`ERRORS`; made by :func:`make_hostile_folder` (git is no place for such names).
FORGED = (
    "forged\nfeedgen-miit skipped nothing\r\x1b]52;c;ZWNobyBoaQ==\x07"
    "\x1b]0;owned\x07\x1b[31m\x85\u202etxt.exe\t.txt"
)
#: How every message names it.
FORGED_SHOWN = (
    "forged\\nfeedgen-miit skipped nothing\\r\\x1b]52;c;ZWNobyBoaQ==\\x07"
    "\\x1b]0;owned\\x07\\x1b[31m\\u0085\\u202etxt.exe\\t.txt"
)

#: file -> (line or None, what the one message must say)
ERRORS: dict[str, tuple[int | None, str]] = {
    "alias_bomb.txt": (3, "alias bomb"),
    "bad_date.txt": (4, "'date' is not a date: 'the day before yesterday'"),
    "before_1970.txt": (4, "'date' is before 1970"),
    "binary.txt": (None, "not UTF-8 (bad byte at offset 0) nor GB18030/GBK text"),
    # PyYAML raised ValueError from inside: reported as a bug in feedgen-miit
    "date_impossible.txt": (4, "'date' is not a real date or time: '2022-02-30 10:00:00'"),
    "body_only_script.txt": (None, "the body is empty"),
    "dup_id_b.txt": (None, "is already used by"),
    # the same title (in NFD) and body as same_article_a.txt: the same article scraped twice
    "same_article_b.txt": (None, "same_article_a.txt (the same title and body; scraped twice?)"),
    # made by the fixture: more markup than a body may hold, refused before any parse
    "markup_bomb.txt": (None, f"the body has {MARKUP_BOMB:,} tags and 0 '&', more than"),
    "attribute_bomb.txt": (None, "a tag of the body has 100,000 attributes, more than the"),
    "reference_bomb.txt": (None, "the body has 0 tags and 400,000 '&', more than"),
    "empty_body.txt": (None, "the body is empty"),
    "empty_title.txt": (3, "'title' is missing or empty"),
    "front_matter_list.txt": (3, "front matter is a list, not a mapping"),
    "front_matter_scalar.txt": (3, "front matter is text, not a mapping"),
    "future_date.txt": (4, "'date' is in the future"),
    "latin1.txt": (None, "not UTF-8 (bad byte at offset 16) nor GB18030/GBK text"),
    "missing_date.txt": (3, "'date' is missing"),
    "missing_title.txt": (3, "'title' is missing or empty"),
    "no_front_matter.txt": (2, "no front matter"),
    "nul.txt": (8, "contains NUL characters"),
    "title_only_markup.txt": (3, "'title' has no visible text"),
    "unterminated.txt": (2, "front matter is not closed"),
    "yaml_deep_nesting.txt": (5, "nesting exceeded maxDepth (100)"),
    "yaml_syntax.txt": (5, "YAML error: did not find expected ',' or ']'"),
    # js-yaml refuses it (so Hexo does); PyYAML kept the last value silently
    "yaml_duplicate_key.txt": (6, "'title' is given twice"),
    # made by the fixture
    "huge.txt": (None, "over the 10,485,760-byte limit"),
    "fifo.txt": (None, "not a regular file"),
    "loop_a.txt": (None, "cannot read the file: Too many levels of symbolic links"),
    "loop_b.txt": (None, "cannot read the file: Too many levels of symbolic links"),
    "dangling.txt": (None, "cannot read the file: No such file or directory"),
    "bad\\xff.txt": (None, "the file name is not valid UTF-8"),
    # A name that would forge a line of the cron mail, write to the terminal's clipboard
    # (OSC 52), retitle and recolour it, and turn the rest of the line around (U+202E).
    FORGED_SHOWN: (10, "'date' is not a date"),
    # links that lead outside the folder: what they point to is never read
    "outside_link.txt": (None, "a symbolic link to a file outside the articles folder"),
    "outside_dir": (None, "a symbolic link to a folder outside the articles folder"),
}
#: Named in :data:`ERRORS` by the scan, which does not take them for article files.
NOT_FOUND = frozenset({"bad\\xff.txt", "outside_link.txt", "outside_dir"})
#: What the links that lead outside point to: it must never be published.
SECRET = "PRIVATE-d41d8cd98f00"  # noqa: S105 - a marker, not a password
#: file -> what each of its warnings says
WARNINGS: dict[str, list[str]] = {
    "categories_mapping.txt": ["'categories' must hold names; a mapping was dropped"],
    "categories_nested.txt": [
        "'categories' must hold names; a list was dropped",
        "'categories' must hold names; true was dropped",
    ],
    "gb18030.txt": ["read as GB18030/GBK, not UTF-8"],
    # once read whole as GB18030: a title of mojibake and a junk category with its own feed
    "mixed_utf8_head.txt": ["the front matter is UTF-8 and the body GB18030/GBK"],
    # once an error: not UTF-8 throughout, nor GB18030
    "mixed_gb_head.txt": ["the front matter is GB18030/GBK and the body UTF-8"],
    # invisible characters made 金融 and 金\u200b融 two category feeds with the same name
    "names_invisible.txt": [
        "'title' contains invisible characters (zero-width, bidi controls...)",
        "'categories' contains invisible characters",
        "'categories' contains invisible characters",
    ],
    # made by the fixture: a 1 MB title was published whole; 100,000 categories ran for hours
    "title_huge.txt": ["'title' is 1,000,011 characters long; cut to 300"],
    "categories_100k.txt": [
        "more than 50 categories and tags: only the first 50 are used; 'c50' and the 99,949 "
        "values after it were dropped"
    ],
    "thumbnail_data.txt": ["'headimg' is not an http(s) URL, dropped"],
    "thumbnail_javascript.txt": ["'thumbnail' is not an http(s) URL, dropped"],
    "title_control.txt": ["'title' contains control characters"],
    "title_markup.txt": ["'title' contains markup; only its text is used"],
}
#: file -> the line of its 'published: false': left out of every output, not an error
DRAFTS: dict[str, int] = {"draft.txt": 5}
#: file -> its title in the feed
GOOD: dict[str, str] = {
    "bom.txt": "UTF-8 with a byte-order mark",
    "categories_mapping.txt": "Categories a mapping",
    "categories_nested.txt": "Categories nested",
    "categories_null.txt": "Categories null",
    "categories_number.txt": "Categories a number",
    "crlf.txt": "CRLF line ends",
    "deep_html.txt": "Markup nested 100,000 levels deep",
    "dup_id_a.txt": "Duplicate id, first by path",
    "gb18030.txt": "国家标准 GB18030 编码的文章",
    "good_01.txt": "Good article one",
    "good_02.md": "Good article two",
    "same_article_a.txt": "Même article, scraped twice",
    "same_title_other_body.txt": "Même article, scraped twice",  # another body: another article
    # js-yaml's reading: a JSON writer's surrogate-pair escape is one emoji (PyYAML: an error)
    "hexo_values.txt": "Hexo reads 📱 as one emoji",
    "mixed_gb_head.txt": "混合编码：GBK 头部，UTF-8 正文",
    "mixed_utf8_head.txt": "混合编码：UTF-8 头部，GBK 正文",
    "names_invisible.txt": "Invisible characters, a right-to-left override",
    "sub/nested_good.html": "In a subfolder",
    "thumbnail_data.txt": "Thumbnail data:",
    "thumbnail_javascript.txt": "Thumbnail javascript:",
    "title_control.txt": "Title with control characters",
    "title_markup.txt": "Title with markup & entities",
    "utf16.txt": "UTF-16 with a byte-order mark",
    # made by the fixture
    "title_huge.txt": "Huge title " + "工" * 288 + "…",
    "categories_100k.txt": "100,000 categories",
}


def make_hostile_folder(folder: Path, article: str) -> Path:
    """Copy tests/data/hostile to ``folder`` and add the cases made on the fly (``article``
    is a good article, whose front matter the deep-markup case borrows)."""
    shutil.copytree(HOSTILE, folder, symlinks=True)
    with (folder / "huge.txt").open("wb") as stream:
        stream.truncate(50 * 1024 * 1024)  # sparse: 50 MB that take no disk space
    deep_body = "<div>" * DEEP + "<p>deep</p>" + "</div>" * DEEP
    (folder / "deep_html.txt").write_text(
        article.replace("工信部召开座谈会", "Markup nested 100,000 levels deep").split("---\n\n")[0]
        + "---\n\n"
        + deep_body,
        encoding="utf-8",
    )
    (folder / "loop_a.txt").symlink_to("loop_b.txt")
    (folder / "loop_b.txt").symlink_to("loop_a.txt")
    (folder / "dangling.txt").symlink_to("missing.txt")
    (folder / "sub" / "up").symlink_to("..", target_is_directory=True)  # a folder loop
    os.mkfifo(folder / "fifo.txt")
    front_matter_end = article.index("---", 2)
    (folder / "title_huge.txt").write_text(
        article.replace("工信部召开座谈会", "Huge title " + "工" * 1_000_000), encoding="utf-8"
    )
    names = "".join(f" - c{number}\n" for number in range(100_000))
    (folder / "categories_100k.txt").write_text(
        article[:front_matter_end]
        .replace("工信部召开座谈会", "100,000 categories")
        .replace("categories:\n - 金融\n - 新浪财经\n", "")
        + f"categories:\n{names}"
        + article[front_matter_end:],
        encoding="utf-8",
    )
    (folder / os.fsdecode(b"bad\xff.txt")).write_text(article, encoding="utf-8")
    head = article.split("---\n\n", 1)[0] + "---\n\n"
    (folder / "markup_bomb.txt").write_text(head + "<p>x</p>" * MARKUP_BOMB, encoding="utf-8")
    attributes = " ".join(f"a{number}" for number in range(100_000))
    (folder / "attribute_bomb.txt").write_text(f"{head}<p {attributes}>x</p>", encoding="utf-8")
    (folder / "reference_bomb.txt").write_text(head + "a&amp;b " * 400_000, encoding="utf-8")
    undated = article.replace("Tue, 21 Jun 2022 03:44:48 GMT", "soon")
    (folder / FORGED).write_text(undated, encoding="utf-8")
    outside = folder.parent / "outside"  # beside the articles folder, not in it
    outside.mkdir()
    secret = article.replace("工信部召开座谈会", SECRET).replace("上证报", SECRET)
    (outside / "secret.txt").write_text(secret, encoding="utf-8")
    (folder / "outside_link.txt").symlink_to(outside / "secret.txt")
    (folder / "outside_dir").symlink_to(outside, target_is_directory=True)
    return folder
