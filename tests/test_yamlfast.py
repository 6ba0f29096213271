"""yamlfast.load_simple: PyYAML's answer or None, never a different answer.

The property that matters, checked on fixed inputs and on generated ones: for every text, either
load_simple(text) is None, or yaml.load(text, Loader=yaml.CSafeLoader) succeeds and gives an equal
value with the same Python types all the way down (False is not 0, "1" is not 1, a list is not a
string) and the same key order. A second property keeps the fast path honest: the plain front
matter the scraper writes is always accepted.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedgen_miit.yamlfast import load_simple
from tests.golden import EXAMPLES

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


def pyyaml(text: str) -> Any:
    """What the loader gets from PyYAML today, or _RAISED."""
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except Exception:  # any error: YAMLError, UnicodeEncodeError, ValueError from a date
        return _RAISED


def assert_same(got: Any, expected: Any) -> None:
    """Equal, with equal types at every level and keys in the same order."""
    assert type(got) is type(expected), (got, expected)
    if isinstance(expected, dict):
        assert list(got) == list(expected), (got, expected)
        for key in expected:
            assert_same(got[key], expected[key])
    elif isinstance(expected, list):
        assert len(got) == len(expected), (got, expected)
        for got_item, expected_item in zip(got, expected, strict=True):
            assert_same(got_item, expected_item)
    else:
        assert got == expected, (got, expected)


def assert_contract(text: str) -> Any:
    """load_simple(text) is None, or PyYAML succeeds with the same value. Returns the former."""
    fast = load_simple(text)
    if fast is not None:
        expected = pyyaml(text)
        assert expected is not _RAISED, f"PyYAML raises on {text!r}, load_simple gave {fast!r}"
        assert_same(fast, expected)
    return fast


def assert_accepted(text: str) -> None:
    """load_simple answers (not None), and answers what PyYAML does."""
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
        TYPICAL.replace("comments: false", "comments: y"),  # not a bool in PyYAML: "y"
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
        "y: v\nn: w\n",  # "y" and "n" are string keys in PyYAML (not YAML 1.1 bools)
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
        'key: "x"\n',
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
        "key: 1\n",
        "key: 2022-06-21\n",
        "key: x\nkey: y\n",
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
    examples in the scraper's usual form take the fast path (the others have ISO dates, which
    PyYAML turns into datetimes, or flow lists: left to PyYAML on purpose)."""
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


def test_a_changed_loader_sends_everything_to_pyyaml(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program that teaches CSafeLoader a new implicit type or constructor gets PyYAML's answer,
    not the stock one."""
    assert load_simple(TYPICAL) is not None
    resolvers = {k: list(v) for k, v in yaml.CSafeLoader.yaml_implicit_resolvers.items()}
    monkeypatch.setattr(yaml.CSafeLoader, "yaml_implicit_resolvers", resolvers)
    assert load_simple(TYPICAL) is None
    monkeypatch.undo()
    assert load_simple(TYPICAL) is not None
    constructors = dict(yaml.CSafeLoader.yaml_constructors)
    constructors["tag:yaml.org,2002:str"] = lambda loader, node: "changed"
    monkeypatch.setattr(yaml.CSafeLoader, "yaml_constructors", constructors)
    assert load_simple(TYPICAL) is None


# -- generated inputs -----------------------------------------------------------------------------
#
# The grammar is biased towards the accepted subset (so that a good share of the texts take the
# fast path and the comparison with PyYAML means something) with hostile keys, pieces, quotes,
# indents and line breaks mixed in at every level (so that near-misses are common too).


@st.composite
def _mostly(draw: st.DrawFn, usual: st.SearchStrategy[str], unusual: st.SearchStrategy[str]) -> str:
    """`usual` most of the time, `unusual` now and then."""
    # Not 0 for the rare case: hypothesis draws the ends of a range more often than the middle.
    return draw(unusual if draw(st.integers(min_value=0, max_value=9)) == 5 else usual)


#: Keys: the real ones; ones PyYAML reads as other types; ones with indicators and spaces.
_KEYS = _mostly(
    st.one_of(
        st.sampled_from(["title", "categories", "date", "author", "comments", "tags", "y", "_"]),
        st.text(alphabet="abcdeghijk-_", min_size=1, max_size=5),
    ),
    st.one_of(
        st.sampled_from(
            [
                "n",
                "on",
                "Off",
                "true",
                "null",
                "NULL",
                "1",
                "0x1",
                "-a",
                "? k",
                "k k",
                "<<",
                "~",
                "=",
                "t#",
                "key ",
                " key",
                "a:b",
                "ü",
                "'k'",
                '"k"',
                "&a k",
                "!k",
                "",
            ]
        ),
        st.text(alphabet="abyntfoNO_-:#' \"1.", max_size=6),
    ),
)

#: Pieces of values as front matter has them, including ones that are bools and nulls to YAML.
_USUAL_PIECES = st.sampled_from(
    [
        "a",
        "新浪财经",
        "工业和信息化部",
        " ",
        "a  b",
        "Tue, 21 Jun 2022 03:44:48 GMT",
        "https://n.sinaimg.cn/x.png",
        "It's",
        "a#b",
        "a:b",
        "1x",
        "x - y",
        "...",
        "\u3000",
        "\xa0",
        "🙂",
        "true",
        "False",
        "yes",
        "Yes",
        "NO",
        "on",
        "ON",
        "off",
        "y",
        "n",
        "null",
        "Null",
        "NULL",
        "~",
    ]
)

#: Pieces YAML treats specially, and characters that break readers or lines.
_UNUSUAL_PIECES = st.sampled_from(
    [
        "",
        "  ",
        "'",
        "''",
        "'a'",
        '"',
        '"x"',
        "#",
        " #",
        "a #b",
        ":",
        ": ",
        "a: b",
        "-",
        "- ",
        "- x",
        "?",
        "? ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a",
        "*a",
        "!",
        "!!str",
        "|",
        ">",
        "%",
        "@",
        "`",
        "1",
        "-1",
        "+1",
        "0x1F",
        "0o17",
        "0b101",
        "1_000",
        "1:20",
        "1.5",
        "1e3",
        ".inf",
        ".nan",
        "2022-06-21",
        "2022-06-21 03:44:48",
        "2022-99-99",
        "<<",
        "=",
        "\t",
        "\n",
        "\n ",
        "\n  ",
        "\n- ",
        "\n - ",
        "\u2028",
        "\u2029",
        "\x85",
        "\ufeff",
        "\r",
        "\x00",
        "\x1b",
        "\x7f",
        "\x9f",
        "\ud800",
        "\ufffe",
        "---",
        "\\",
        "\\n",
    ]
)

_PIECES = _mostly(_USUAL_PIECES, st.one_of(_UNUSUAL_PIECES, st.text(max_size=3)))


def _quoted(quote: str, content: str) -> str:
    """`content` as a scalar: plain, single-quoted (escaped or not), or broken."""
    if quote == "''":
        return "'" + content.replace("'", "''") + "'"
    if quote == "'":
        return "'" + content + "'"
    if quote == "'-":
        return "'" + content
    if quote == '"':
        return '"' + content + '"'
    return content


#: A scalar as it may appear after `key: ` or `- `: pieces, sometimes quoted, then spaces.
_VALUES: st.SearchStrategy[str] = st.builds(
    lambda quote, parts, trailing: _quoted(quote, "".join(parts)) + trailing,
    _mostly(st.sampled_from(["", "", "''"]), st.sampled_from(["'", "'-", '"'])),
    st.lists(_PIECES, max_size=4),
    _mostly(st.sampled_from(["", "", " "]), st.sampled_from(["  ", " #c", "\t", ":"])),
)

_AFTER_KEY = _mostly(st.just(": "), st.sampled_from([":", ":  ", " : ", ":\t", "::", ":x"]))
_DASHES = _mostly(st.just("- "), st.sampled_from(["-", "-  ", "-\t", "--", "- - ", "-x"]))
_BREAKS = _mostly(st.just("\n"), st.sampled_from(["\r\n", "\r", "\u2028", "\x85", "\n\n", "\n "]))


@st.composite
def _entries(draw: st.DrawFn) -> str:
    """One `key: value` line, or a `key:` line and its sequence items."""
    key = draw(_KEYS)
    if draw(st.integers(min_value=0, max_value=3)) > 0:
        return key + draw(_AFTER_KEY) + draw(_VALUES)
    indent = " " * draw(st.integers(min_value=0, max_value=4))
    lines = [key + ":" + draw(_mostly(st.sampled_from(["", " "]), st.just("  ")))]
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        item_indent = draw(_mostly(st.just(indent), st.sampled_from(["", " ", "   "])))
        lines.append(item_indent + draw(_DASHES) + draw(_VALUES))
    return "\n".join(lines)


_PREFIXES = st.sampled_from(["---\n", "...\n", "# c\n", "\ufeff", " ", "%YAML 1.1\n"])


@st.composite
def documents(draw: st.DrawFn) -> str:
    """A front matter near the accepted subset, with hostile characters and lines mixed in."""
    text = "".join(
        entry + draw(_BREAKS) for entry in draw(st.lists(_entries(), min_size=0, max_size=6))
    )
    if draw(st.booleans()):
        text = text.rstrip("\n")
    if draw(st.integers(min_value=0, max_value=15)) == 5:
        text = draw(_PREFIXES) + text
    return text


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


# The plain subset: keys that are strings to PyYAML, single-line scalars without indicators.
_CLEAN_KEYS = st.lists(
    st.one_of(
        st.sampled_from(["title", "categories", "date", "author", "comments", "y", "n", "_a-b"]),
        st.text(alphabet="abcdeghijklmxz_-", min_size=1, max_size=8).filter(
            lambda key: key[0] != "-"
        ),
    ),
    min_size=1,
    max_size=8,
    unique=True,
)
_CLEAN_PLAIN = st.builds(
    lambda first, rest: (first + rest).rstrip(" "),
    st.sampled_from([*"aAbzZ新浪财经工业和信息化部😀", "true", "No", "null", "~", "y"]),
    st.text(alphabet="ab xyz,.()/!?'\"%@&*-_[]{}|>新浪财经：－\u3000\xa0😀0123456789", max_size=40),
).filter(lambda value: ": " not in value and " #" not in value and not value.endswith(":"))
_CLEAN_QUOTED = st.text(
    alphabet=st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Zl", "Zp"),
        exclude_characters="\ufeff\ufffe\uffff",
    ),
    max_size=40,
).map(lambda value: "'" + value.replace("'", "''") + "'")
_CLEAN_SCALARS = st.one_of(_CLEAN_PLAIN, _CLEAN_QUOTED)
_CLEAN_SPACES = st.sampled_from(["", "", " ", "   "])


@st.composite
def plain_documents(draw: st.DrawFn) -> str:
    """Front matter in the form the scraper writes, with the freedom YAML gives it."""
    lines = []
    for key in draw(_CLEAN_KEYS):
        if draw(st.integers(min_value=0, max_value=3)) > 0:
            value = draw(st.one_of(_CLEAN_SCALARS, st.just("")))
            lines.append(f"{key}: {value}{draw(_CLEAN_SPACES)}")
            continue
        lines.append(f"{key}:{draw(_CLEAN_SPACES)}")
        indent = " " * draw(st.integers(min_value=0, max_value=4))
        for item in draw(st.lists(_CLEAN_SCALARS, max_size=5)):
            spaces = " " * draw(st.integers(min_value=1, max_value=3))
            lines.append(f"{indent}-{spaces}{item}{draw(_CLEAN_SPACES)}")
    return "\n".join(lines) + draw(st.sampled_from(["\n", ""]))


@settings(max_examples=600, deadline=None)
@given(plain_documents())
def test_the_plain_form_takes_the_fast_path(text: str) -> None:
    assert_accepted(text)
