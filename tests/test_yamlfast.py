"""yamlfast.load_simple: hexoyaml's answer or None, never a different answer.

The property that matters, checked on fixed inputs and on generated ones: for every text, either
load_simple(text) is None, or hexoyaml.load(text, dates_as_text=True) (the loader's reading:
js-yaml's answer, timestamps as their text) succeeds and gives an equal value with the same
Python types all the way down (False is not 0, "1" is not 1, 1 is not 1.0, a list is not a
string) and the same key order. A second property keeps the fast path honest: the plain front
matter the scraper writes is always accepted.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedgen_miit import hexoyaml, yamlfast
from feedgen_miit.yamlfast import load_simple
from tests.golden import EXAMPLES
from tests.strategies import documents, plain_documents

#: The front matter of a real article, exactly as the loader hands it over (with the space
#: after `categories:` that the scraper writes).
TYPICAL = """\
title: '工业和信息化部召开部分行业协会座谈会'
categories:\x20
 - 金融
 - 新浪财经
 - 新浪财经－国內
headimg: 'https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png'
author: 新浪财经
comments: false
date: Tue, 21 Jun 2022 03:44:48 GMT
thumbnail: 'https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png'
"""

_RAISED = object()


def hexo(text: str) -> Any:
    """What the loader gets from hexoyaml, or _RAISED."""
    try:
        return hexoyaml.load(text, dates_as_text=True)
    except Exception:  # any error, not only a YAMLError: the contract needs a clean answer
        return _RAISED


def assert_same(got: Any, expected: Any) -> None:
    """Equal, with equal types at every level and keys in the same order."""
    assert type(got) is type(expected), (got, expected)
    if isinstance(expected, dict):
        assert list(got) == list(expected), (got, expected)
        for key in expected:
            assert_same(got[key], expected[key])
    elif isinstance(expected, float) and math.isnan(expected):  # NaN equals nothing
        assert math.isnan(got), (got, expected)
    elif isinstance(expected, list):
        assert len(got) == len(expected), (got, expected)
        for got_item, expected_item in zip(got, expected, strict=True):
            assert_same(got_item, expected_item)
    else:
        assert got == expected, (got, expected)


def assert_contract(text: str) -> Any:
    """load_simple(text) is None, or hexoyaml succeeds with the same value. Returns the former."""
    fast = load_simple(text)
    if fast is not None:
        expected = hexo(text)
        assert expected is not _RAISED, f"hexoyaml raises on {text!r}, load_simple gave {fast!r}"
        assert_same(fast, expected)
    return fast


def assert_accepted(text: str) -> None:
    """load_simple answers (not None), and answers what hexoyaml does."""
    assert load_simple(text) is not None, f"fast path refused {text!r}"
    assert_contract(text)


# -- fixed inputs ---------------------------------------------------------------------------------


def test_typical_front_matter() -> None:
    assert_accepted(TYPICAL)
    assert load_simple(TYPICAL) == {
        "title": "工业和信息化部召开部分行业协会座谈会",
        "categories": ["金融", "新浪财经", "新浪财经－国內"],
        "headimg": "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png",
        "author": "新浪财经",
        "comments": False,
        "date": "Tue, 21 Jun 2022 03:44:48 GMT",
        "thumbnail": "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png",
    }


@pytest.mark.parametrize(
    "text",
    [
        TYPICAL.rstrip("\n"),  # no final line break
        TYPICAL.replace("\n - ", "\n- "),  # indentless sequence
        TYPICAL.replace("\n - ", "\n    - "),  # deeper sequence
        TYPICAL.replace("categories: \n", "categories:\n"),
        TYPICAL.replace("comments: false", "comments: yes"),
        TYPICAL.replace("comments: false", "comments: No"),
        TYPICAL.replace("comments: false", "comments: ON"),
        TYPICAL.replace("comments: false", "comments: OFF"),
        TYPICAL.replace("comments: false", "comments: TRUE"),
        TYPICAL.replace("comments: false", "comments: y"),
        TYPICAL.replace("comments: false", "comments: True"),
        TYPICAL.replace("comments: false", "comments: null"),
        TYPICAL.replace("comments: false", "comments: ~"),
        TYPICAL.replace("comments: false", "comments:"),
        TYPICAL.replace("comments: false", "comments: 'false'"),  # quoted: the string
        TYPICAL.replace("comments: false", "comments: fAlse"),  # not a bool: a string
        "title: 'It''s ''quoted'''\n",
        "title: ''\n",
        "title: ''''\n",
        "title: '  spaces inside  '   \n",
        "title: 'a: b # c - d [e] {f} &g *h !i |j >k %l @m `n \\o \"p\"'\n",
        "title: plain with  two spaces and trailing   \n",
        'title: it\'s a "title", (really) - 100% [sic] {x} a#b a:b\n',
        "title: 新浪财经：工信部【快讯】\u3000全角空格\xa0nbsp 🙂\n",
        "title: x\ncategories:\n- a\n- 'b'\n- c  \nauthor: z\n",
        "title: x\ntags:\n  - a\ncategories:\n - b\n",
        "a-b: 1x\n_: ok\nA_1: fine\n",
        "y: v\nn: w\n",
        "on: v\nyes: w\nno: x\noff: y\n",  # strings to js-yaml (YAML 1.2), keys and values
        "title: no\ncomments: on\ntags:\n - yes\n - Off\n",
        "key: 1:30\nother: 12:30:00\n",  # strings to js-yaml: no sexagesimal numbers
        "title: 010\nn: 0o17\nh: 0x1F\nb: 0b101\nf: 1.0\ne: 1e3\ni: .inf\nz: +0\n",
        "key: 1_000\nother: +1\nnan: .NaN\nx: 0x\n",
        "date: 2022-06-21 03:44:48\nupdated: 2022-06-21\nother: 2022-02-30\n",
        'title: "JSON writers\' double quotes"\ntags:\n - "a b"\n - ""\n',
        'title: "  spaces kept  "  \n',
        "big: 9007199254740993\nhuge: 1" + "0" * 400 + "\n",
        "title: ...\nsub: a --- x ...\n",
        "title:\n",
    ],
)
def test_plain_variants_are_read_exactly(text: str) -> None:
    assert_accepted(text)


@pytest.mark.parametrize(
    "text",
    [
        "key: a: b\n",
        "key: a #c\n",
        "key: a\t#c\n",
        "key: 'a' b\n",
        "key: 'a'b'\n",
        "key: 'a\n",
        "key: 'a''\n",
        "key: 'a\n  b'\n",
        'key: "x\\ny"\n',
        'key: "x\\ud83d\\udcf1"\n',
        'key: "x" y\n',
        'key: "x""\n',
        'key: "x\n',
        'key: "\n',
        'key: x"y"\n',
        "key: &a x\n",
        "key: *a\n",
        "a: &x 1\nkey: *x\n",
        "key: !!str 1\n",
        "key: !x y\n",
        "key: [a]\n",
        "key: {a: 1}\n",
        "key: |\n  x\n",
        "key: >\n  x\n",
        "key: 1\n",
        "key: -1\n",
        "key: 0x1F\n",
        "key: 1_000\n",
        "key: 1.5\n",
        "key: 2022-06-21\n",
        "key: 2022-06-21 03:44:48\n",
        "key: 1:20\n",
        "key: .inf\n",
        "key: .NaN\n",
        "key: <<\n",
        "key: - <<\n",
        "key:\n - <<\n",
        "True: x\nTRUE: y\n",
        "key: 2022-06-21 03:44:48 +8\n",
        "key: 9999-12-31T23:59:60Z\n",
        "key: =\n",
        "<<: x\n",
        "? key\n: x\n",
        "key:value\n",
        "key :x\n",
        "key : x\n",
        "key:\tx\n",
        "\tkey: x\n",
        "key: x\u2028other: y\n",
        "key: x\x85other: y\n",
        "key: x\u2029\n",
        "\ufeffkey: x\n",
        "key: \ufeffx\n",
        "key: x\r\nother: y\r\n",
        "key: x\rother: y\n",
        "key: a\x00b\n",
        "key: a\x7fb\n",
        "key: a\x9fb\n",
        "key: a\ud800b\n",
        "key: a\ufffeb\n",
        "---\nkey: x\n",
        "key: x\n---\n",
        "key: x\n...\n",
        "%YAML 1.1\n---\nkey: x\n",
        "key: x\nkey: y\n",
        "key:\n - a\nkey: y\n",
        "title: a\n  b\n",
        "title: a\n b\n",
        "title: 'a'\n b\n",
        "title: a\n - b\n",
        "title: a\n- b\n",
        "list:\n - a\n  - b\n",
        "list:\n  - a\n - b\n",
        "list:\n - a\n- b\n",
        "list:\n- a\n - b\n",
        "list:\n - - x\n",
        "list:\n - a: b\n",
        "list:\n - a:\n",
        "list:\n -\n",
        "list:\n - \n",
        "list:\n -x\n",
        "list:\n - 'a\n",
        "list:\n - [a]\n",
        "list:\n - a\n   b\n",
        "list:\n\n - a\n",
        "key: x\n\nother: y\n",
        "# comment\nkey: x\n",
        "key: x # comment\n",
        "key: x\n# comment\n",
        "true: x\n",
        "True: x\n",
        "null: x\n",
        "Null: x\n",
        "~: x\n",
        "1: x\n",
        "on: x\n",
        "yes: x\n",
        "no: x\n",
        "y: x\n",
        "n: x\n",
        "-a: x\n",
        "'key': x\n",
        '"key": x\n',
        " key: x\n",
        "key x: y\n",
        "ключ: x\n",
        "a" * 2000 + ": x\n",
        "key: x:\n",
        "key: x :\n",
        "key: -\n",
        "key: - a\n",
        "key: --- x\n",
        "key: ?\n",
        "key: ? a\n",
        "key: :a\n",
        "key: ,a\n",
        "key: #\n",
        "key: %a\n",
        "key: @a\n",
        "key: `a\n",
        "key\n",
        "just a string\n",
        "- a\n- b\n",
        "",
        "\n",
        "   \n",
        "key: x\n\n",
    ],
)
def test_tricky_inputs_are_refused_or_read_exactly(text: str) -> None:
    assert_contract(text)


@pytest.mark.parametrize(
    "text",
    [
        "key: x\nkey: y\n",
        "key: <<\n",
        'key: "a\\tb"\n',
        "true: x\n",
        "key: 'a\n",
        "title: a\n  b\n",
        "",
        "key: x\u2028",
        "\ufeffkey: x\n",
    ],
)
def test_outside_the_subset_is_none(text: str) -> None:
    assert load_simple(text) is None


_USUAL_FORM = {"000_27c21f8ea3a86f41.txt", "003_fc8202fde1ad1ddd.txt"}


def test_real_article_front_matter() -> None:
    """Every article of the examples and of the hostile test data: the contract holds, and the
    examples in the scraper's usual form take the fast path (the others have flow lists, left
    to hexoyaml on purpose)."""
    folders = [EXAMPLES, Path(__file__).parent / "data" / "hostile"]
    checked = accepted = 0
    for path in sorted(p for folder in folders for p in folder.rglob("*") if p.is_file()):
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        match = re.search(r"^---\n(.*?\n)---$", text, re.MULTILINE | re.DOTALL)
        if match is None:
            continue
        checked += 1
        if assert_contract(match[1]) is not None:
            accepted += 1
        elif path.name in _USUAL_FORM:
            pytest.fail(f"fast path refused the example {path.name}")
    assert checked >= 10
    assert accepted >= len(_USUAL_FORM)


# -- generated inputs (tests/strategies.py) -----------------------------------------------------


@settings(max_examples=1500, deadline=None)
@given(documents())
@example(TYPICAL)
@example("key: x\n\u2028")
@example("a:\n- x\nb:\n - y\n")
def test_never_a_different_answer(text: str) -> None:
    assert_contract(text)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab: -'#\n\t~1yn\"[]{}&*!|>%@`?,."), max_size=30))
def test_never_a_different_answer_on_short_random_text(text: str) -> None:
    """Short texts from YAML's syntax characters: the exotic corners the grammar above misses."""
    assert_contract(text)


@settings(max_examples=600, deadline=None)
@given(plain_documents())
def test_the_plain_form_takes_the_fast_path(text: str) -> None:
    assert_accepted(text)


# -- the lines remembered from one text to the next ----------------------------------------------


@settings(max_examples=500, deadline=None)
@given(documents(), documents())
@example("a:\n - x\n", "b: y\n - x\n")
@example("a:\n - x\nb:\n  - y\n", "a:\n - x\n  - y\n")
def test_a_text_reads_the_same_whatever_was_read_before(first: str, second: str) -> None:
    """A line's reading is remembered (yamlfast._LINES): having read the lines of ``first``
    and ``second`` before, each on its own, changes nothing in the answer for ``second``."""
    yamlfast._LINES.clear()
    alone = load_simple(second)
    yamlfast._LINES.clear()
    for line in f"{first}\n{second}".split("\n"):
        load_simple(f"{line}\n")  # remembered even where it is refused (an item, no key)
    after = load_simple(second)
    if alone is None:
        assert after is None
    else:
        assert_same(after, alone)


def test_a_remembered_line_is_still_checked_against_the_lines_around_it() -> None:
    """What depends on the lines around a line is checked every time, not remembered."""
    assert load_simple("tags:\n - x\nlinks:\n  - y\ntitle: t\n") == {
        "tags": ["x"],
        "links": ["y"],
        "title": "t",
    }
    assert load_simple("title: t\n - x\n") is None  # an item after a key with a value
    assert load_simple(" - x\ntags:\n") is None  # an item before any key
    assert load_simple("tags:\n - x\n  - y\n") is None  # items indented differently
    assert load_simple("title: t\ntitle: t\n") is None  # a repeated key: js-yaml refuses it


def test_each_text_gets_lists_of_its_own() -> None:
    first = load_simple(TYPICAL)
    assert first is not None
    first["categories"].append("changed by the caller")
    again = load_simple(TYPICAL)
    assert again is not None
    assert again["categories"] == ["金融", "新浪财经", "新浪财经－国內"]


def test_the_lines_remembered_are_bounded() -> None:
    """Hostile input cannot grow the memory of lines: there are never more than
    _MAX_LINES_REMEMBERED of them, and a long line is never kept."""
    yamlfast._LINES.clear()
    for number in range(yamlfast._MAX_LINES_REMEMBERED + 100):
        assert load_simple(f"key: {number}\n") == {"key": number}
        assert len(yamlfast._LINES) <= yamlfast._MAX_LINES_REMEMBERED
    assert "key: 1" not in yamlfast._LINES  # emptied once full, then filled again
    assert f"key: {yamlfast._MAX_LINES_REMEMBERED + 99}" in yamlfast._LINES
    long_title = "x" * yamlfast._MAX_LINE_REMEMBERED
    assert load_simple(f"title: {long_title}\n") == {"title": long_title}
    assert f"title: {long_title}" not in yamlfast._LINES
    assert load_simple(f"title: {long_title}\n") == {"title": long_title}
