"""hexoyaml.load gives js-yaml's answer, as Hexo's front matter parser calls it.

The oracle is tests/data/hexo-yaml/expected.json, written by the real js-yaml through
hexo-front-matter (generate.mjs beside it; node is not needed here). Every case is checked with
exact Python types all the way down (1 is not 1.0, "1" is not 1, False is not 0) and the same
key order, on both parsers hexoyaml can use: libyaml's and PyYAML's pure Python one.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from feedgen_miit import hexoyaml
from feedgen_miit.hexoyaml import DuplicateKeyError, HexoYAMLError, js_number_string, load

DATA = Path(__file__).parent / "data" / "hexo-yaml"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
CASES = json.loads((DATA / "cases.json").read_text(encoding="utf-8"))

#: Cases where hexoyaml does not give js-yaml's answer, and why. Each is an xfail (strict): a
#: fix shows up as an unexpected pass, and the entry must go. See README.md beside the data.
KNOWN_DIFFERENCES: dict[str, str] = {
    "datetime-past-year-9999": "js-yaml rolls 9999-12-31T23:59:60Z over into year 10000, which a "
    "Python datetime cannot hold: an error here",
    "long-plain-key": "libyaml and PyYAML refuse an implicit key longer than 1024 characters",
    "anchor-name-punctuation": "libyaml and PyYAML end an anchor name at a character other than "
    "a letter, digit, '-' or '_' (an error here); js-yaml takes any non-space",
    "document-marker-glued": "js-yaml starts the document right after '---' even without a "
    "space; YAML and libyaml read '---a' as text (here: the key '---a')",
    "flow-empty-key": "an empty key in a flow mapping: js-yaml reads null (the key 'null'), "
    "libyaml and PyYAML refuse it",
    "empty-item-then-outdented-dash": "a js-yaml quirk: after an empty '- ' item, a less indented "
    "'- ' continues the same list; libyaml and PyYAML refuse the indentation",
    "flow-plain-continued-at-column-0": "js-yaml refuses a plain scalar in a flow collection "
    "continued at column 0; libyaml and PyYAML accept it",
    "flow-question-mark-plain": "in a flow collection libyaml and PyYAML take any '?' for an "
    "explicit key (YAML 1.1); js-yaml only '? ' (here ['?No'] reads as [{'No': None}])",
    "top-scalar-indented-then-not": "js-yaml refuses a top-level plain scalar whose first line is "
    "indented and the next not; libyaml and PyYAML join the lines (not front matter anyway)",
}
#: The same, for one parser only.
KNOWN_DIFFERENCES_BY_PARSER: dict[tuple[str, str], str] = {
    ("libyaml", "block-scalar-tab-first-line"): "libyaml refuses a tab after the indentation of "
    "a block scalar's first line; js-yaml keeps it as content",
    ("libyaml", "unknown-directive"): "libyaml refuses a directive other than %YAML and %TAG "
    "(js-yaml warns); Hexo never gives js-yaml a directive followed by '---'",
    ("python", "tab-after-colon"): "PyYAML's pure Python scanner refuses tabs between tokens",
    ("python", "tab-inside-value"): "PyYAML's pure Python scanner ends a plain scalar at a tab",
    ("python", "tab-before-comment"): "PyYAML's pure Python scanner refuses tabs between tokens",
}


@pytest.fixture(params=["libyaml", "python"])
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with libyaml's parser, then with PyYAML's pure Python one."""
    if request.param == "python":
        monkeypatch.setattr(hexoyaml, "_LIBYAML_PARSER", None)
    elif hexoyaml._LIBYAML_PARSER is None:
        pytest.skip("PyYAML is built without libyaml")
    return str(request.param)


def _known_difference(reason: str) -> pytest.MarkDecorator:
    # a different answer or a YAML error, never a crash (which must fail the test)
    return pytest.mark.xfail(
        reason=reason, strict=True, raises=(AssertionError, yaml.YAMLError, pytest.fail.Exception)
    )


def _cases() -> Iterator[Any]:
    for case in EXPECTED["cases"]:
        marks = []
        if case["name"] in KNOWN_DIFFERENCES:
            marks.append(_known_difference(KNOWN_DIFFERENCES[case["name"]]))
        yield pytest.param(case, id=case["name"], marks=marks)


def _same_number(actual: Any, kind: str, encoded: Any, where: str) -> None:
    assert type(actual) is (int if kind == "int" else float), where
    if kind == "int":
        assert actual == (0 if encoded == "-0" else int(encoded)), where
    elif encoded == "NaN":
        assert math.isnan(actual), where
    elif encoded == "-0":
        assert actual == 0, where
        assert math.copysign(1, actual) == -1, where
    else:  # a number, or "Infinity" / "-Infinity", which float() reads
        assert actual == float(encoded), where


def assert_same(actual: Any, expected: dict[str, Any], path: str = "$") -> None:
    """``actual`` is the Python value for js-yaml's encoded ``expected`` (see generate.mjs)."""
    kind = next(key for key in expected if key != "inferred")
    encoded = expected[kind]
    where = f"at {path}: {actual!r} for {expected!r}"
    if kind in ("int", "float"):
        if expected.get("inferred"):
            # the generator could not tell int from float (never for a case's own value)
            kind = type(actual).__name__
        _same_number(actual, kind, encoded, where)
    elif kind in ("null", "undefined"):
        assert actual is None, where
    elif kind in ("str", "bool", "bytes", "date"):
        decode: dict[str, Callable[[Any], Any]] = {
            "str": str,
            "bool": bool,
            "bytes": bytes.fromhex,
            "date": datetime.fromisoformat,
        }
        assert type(actual) is {"date": datetime, "bytes": bytes}.get(kind, decode[kind]), where
        assert actual == decode[kind](encoded), where
        if kind == "date":
            assert actual.tzinfo is UTC, where
    elif kind == "seq":
        assert type(actual) is list, where
        assert len(actual) == len(encoded), where
        for index, (item, item_expected) in enumerate(zip(actual, encoded, strict=True)):
            assert_same(item, item_expected, f"{path}[{index}]")
    elif kind == "map":
        assert type(actual) is dict, where
        assert list(actual) == [key for key, _ in encoded], f"key order {where}"
        for key, value_expected in encoded:
            assert_same(actual[key], value_expected, f"{path}[{key!r}]")
    else:
        assert kind == "circular", f"unknown encoding {where}"


def test_fixtures_match_their_cases() -> None:
    """expected.json was generated from the cases.json checked in (else: node generate.mjs)."""
    assert [(case["name"], case["yaml"]) for case in EXPECTED["cases"]] == [
        (case["name"], case["yaml"]) for case in CASES
    ]
    assert EXPECTED["versions"]["hexo-front-matter"] == "4.2.1"
    assert EXPECTED["versions"]["js-yaml"] == "4.3.2"
    assert len(CASES) >= 80


@pytest.mark.parametrize("case", list(_cases()))
def test_js_yaml_answer(case: dict[str, Any], parser: str, request: pytest.FixtureRequest) -> None:
    reason = KNOWN_DIFFERENCES_BY_PARSER.get((parser, case["name"]))
    if reason is not None:
        request.applymarker(_known_difference(reason))
    expected = case["expected"]
    if "error" not in expected:
        assert_same(load(case["yaml"]), expected)
        return
    with pytest.raises(yaml.YAMLError) as raised:
        load(case["yaml"])
    error = raised.value
    if expected["error"] == "duplicated mapping key":
        # the caller reports file:line, so the line must be js-yaml's: the second key's
        assert isinstance(error, DuplicateKeyError)
        assert error.problem_mark is not None
        assert error.problem_mark.line == expected["mark"]["line"]
        assert error.problem_mark.column == expected["mark"]["column"]
    if isinstance(error, yaml.MarkedYAMLError):
        assert (error.problem_mark or error.context_mark) is not None


def test_errors_have_js_yaml_messages_where_js_yaml_checks() -> None:
    with pytest.raises(HexoYAMLError, match="unknown tag !<!foo>"):
        load("a: !foo x\n")
    with pytest.raises(DuplicateKeyError) as raised:
        load("title: a\ntags: [x]\ntitle: b\n")
    assert raised.value.problem == "duplicated mapping key"
    assert raised.value.problem_mark is not None
    assert raised.value.problem_mark.line == 2


def test_typical_front_matter() -> None:
    front_matter = next(case for case in CASES if case["name"] == "real-article")["yaml"]
    assert load(front_matter) == {
        "title": "工业和信息化部召开部分行业协会座谈会",
        "categories": ["金融", "新浪财经", "新浪财经－国內"],
        "headimg": "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png",
        "author": "新浪财经",
        "comments": False,
        "date": "Tue, 21 Jun 2022 03:44:48 GMT",
        "thumbnail": "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png",
    }


# --- properties ---------------------------------------------------------------------------------


def _js_key_order(keys: list[str]) -> list[str]:
    """Object.keys() order for keys inserted in this order: array indices first, ascending."""

    def is_index(key: str) -> bool:
        return key.isascii() and key.isdigit() and (key == "0" or key[0] != "0")

    indices = sorted((key for key in keys if is_index(key) and int(key) <= 4_294_967_294), key=int)
    return indices + [key for key in keys if key not in indices]


@hypothesis_settings(deadline=None)  # a text with rare characters compiles a few regexes
@given(
    # keys stay short of libyaml's 1024-character limit on implicit keys (see KNOWN_DIFFERENCES)
    st.dictionaries(st.text(max_size=80), st.text() | st.lists(st.text(), max_size=3), max_size=8),
    st.booleans(),
)
@example({"title": "\U0001f4f1 phone", "1": "one", "10": "ten"}, True)
@example({"lone": "\ud83d", "bom": "\ufeff\x85\u2028"}, False)
def test_json_round_trips(data: dict[str, Any], ascii_only: bool) -> None:
    """JSON is YAML 1.2, and js-yaml reads what JSON writers emit: every str dict comes back,
    with astral characters written as surrogate pair escapes (ensure_ascii) or raw, and lone
    surrogates either way. Keys come back in JavaScript's order."""
    text = json.dumps(data, ensure_ascii=ascii_only)
    loaded = load(text)
    assert loaded == data
    assert list(loaded) == _js_key_order(list(data))


@given(
    st.dictionaries(
        st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True), st.text(), min_size=1, max_size=6
    )
)
def test_double_quoted_block_mapping_round_trips(data: dict[str, str]) -> None:
    """What a JSON writer puts in front matter (``key: "json string"`` lines) reads back."""
    text = "".join(f"{key}: {json.dumps(value)}\n" for key, value in data.items())
    assert load(text) == data


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_ints_in_the_safe_range_are_exact(number: int) -> None:
    assert load(f"n: {number}\n") == {"n": number}
    assert load(f"{number}: n\n") == {str(number): "n"}


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_read_back_and_print_as_javascript_does(number: float) -> None:
    loaded = load(f"x: {number!r}\n")["x"]  # repr always has a '.' or an exponent: a float
    assert type(loaded) is float
    assert loaded == number
    text = js_number_string(number)
    assert float(text) == number  # JavaScript's layout reads back to the same double
    if number == int(number) and abs(number) <= 2**53:
        assert text == str(int(number))  # no ".0", no exponent


def test_js_number_string_layouts() -> None:
    assert js_number_string(1e21) == "1e+21"
    assert js_number_string(1e20) == "100000000000000000000"
    assert js_number_string(0.000001) == "0.000001"
    assert js_number_string(1e-7) == "1e-7"
    assert js_number_string(123e-20) == "1.23e-18"
    assert js_number_string(-0.0) == "0"
    assert js_number_string(1.5) == "1.5"
    assert js_number_string(-2.5e-10) == "-2.5e-10"
    assert js_number_string(math.inf) == "Infinity"
    assert js_number_string(math.nan) == "NaN"


_YAMLISH = st.text(
    alphabet=st.sampled_from([*"ab01:-?[]{},#&*!|>'\"%@`<=~. \t\n\r\\xuU", "\ufeff", "é"]),
    max_size=40,
)


@hypothesis_settings(deadline=None)
@given(_YAMLISH)
def test_only_yaml_errors_escape(text: str) -> None:
    """Whatever the text, load returns or raises a yaml.YAMLError (the caller catches those),
    never a ValueError, OverflowError or KeyError from inside."""
    with contextlib.suppress(yaml.YAMLError):
        load(text)


# --- dates as text ------------------------------------------------------------------------------


def _same_but_dates(as_text: Any, as_dates: Any) -> None:
    """``as_text`` is ``as_dates`` with each datetime the text that js-yaml read it from."""
    if isinstance(as_dates, datetime):
        assert type(as_text) is str, (as_text, as_dates)
        assert hexoyaml._js_timestamp(as_text) == as_dates
    elif isinstance(as_dates, dict):
        assert type(as_text) is dict
        assert list(as_text) == list(as_dates)
        for key, value in as_dates.items():
            _same_but_dates(as_text[key], value)
    elif isinstance(as_dates, list):
        assert type(as_text) is list
        assert len(as_text) == len(as_dates)
        for text_item, date_item in zip(as_text, as_dates, strict=True):
            _same_but_dates(text_item, date_item)
    elif isinstance(as_dates, float) and math.isnan(as_dates):
        assert math.isnan(as_text)
    else:
        assert type(as_text) is type(as_dates)
        assert as_text == as_dates


#: Cases whose answer depends on the dates themselves, not only on their type.
_DATES_DECIDE = {
    "datetime-past-year-9999",  # rolls over past 9999: an error as a date, fine as text
    "date-as-key",  # a date as a key is its Date.toString(): the text as text
}


@pytest.mark.parametrize(
    "case",
    [case for case in EXPECTED["cases"] if case["name"] not in _DATES_DECIDE],
    ids=lambda case: str(case["name"]),
)
def test_dates_as_text_changes_only_the_dates(case: dict[str, Any]) -> None:
    try:
        as_dates = load(case["yaml"])
    except yaml.YAMLError as error:
        with pytest.raises(type(error)):
            load(case["yaml"], dates_as_text=True)
        return
    _same_but_dates(load(case["yaml"], dates_as_text=True), as_dates)


def test_dates_as_text_keeps_what_was_written() -> None:
    text = (
        "date: 2022-02-30 10:00:00\nupdated: 2022-06-21\n"
        "tagged: !!timestamp 2022-6-1 1:02:03 +8\nlist: [2022-06-21T03:44:48Z]\nn: 010\n"
    )
    assert load(text, dates_as_text=True) == {
        "date": "2022-02-30 10:00:00",
        "updated": "2022-06-21",
        "tagged": "2022-6-1 1:02:03 +8",
        "list": ["2022-06-21T03:44:48Z"],
        "n": 10,
    }
    assert load(text)["date"] == datetime(2022, 3, 2, 10, tzinfo=UTC)  # js-yaml rolls over
    with pytest.raises(HexoYAMLError, match="cannot resolve"):
        load("d: !!timestamp yesterday\n", dates_as_text=True)


def test_duplicate_key_names_the_key() -> None:
    with pytest.raises(DuplicateKeyError) as raised:
        load("1: a\n'1': b\n")
    assert raised.value.key == "1"
