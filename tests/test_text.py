"""text.visible: names compared as they look (NFC, no invisible format characters)."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from feedgen_miit import sanitize, text, yamlfast
from feedgen_miit.text import FORMAT_CHARACTERS, visible


def test_format_characters_are_unicodes_cf() -> None:
    """The hand-written class holds every format character this Python knows of."""
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    assert set(FORMAT_CHARACTERS.findall(every)) == {
        char for char in every if unicodedata.category(char) == "Cf"
    }


# What each class lets through, as its comment says: the classes are written as the
# characters they refuse (compiled ten times faster), and must refuse exactly the others.
_ALLOWED = [
    (
        text._XML_ILLEGAL,  # XML 1.0 section 2.2, less DEL and the C1 controls
        "\t\n\r\u0020-\u007e\u00a0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff",
    ),
    (
        sanitize._UNSTABLE_CHARACTER,
        "\t\n\u0020-\u007e\u00a1-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff",
    ),
    (
        yamlfast._UNUSUAL_CHARACTER,
        "\n\u0020-\u007e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff",
    ),
]


@pytest.mark.parametrize(("refused", "allowed"), _ALLOWED)
def test_each_character_class_refuses_exactly_what_its_comment_does_not_allow(
    refused: re.Pattern[str], allowed: str
) -> None:
    every = "".join(map(chr, range(sys.maxunicode + 1)))
    outside = re.compile(f"[^{allowed}]")
    assert [m.start() for m in refused.finditer(every)] == [
        m.start() for m in outside.finditer(every)
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("金\u200b融", "金融"),  # zero-width space: once two categories with two feeds
        ("\ufeff金融\u2060", "金融"),
        ("e\u0301", "\xe9"),  # NFC
        ("e\u200b\u0301", "\xe9"),  # NFC once the zero-width space is gone
        ("Ab\u00adc", "Abc"),  # soft hyphen
        ("\u202eevil.exe\u202c", "evil.exe"),  # a right-to-left override, neutralized
        ("\u2067مرحبا\u2069 x", "مرحبا x"),
        ("\u200e\u200fx\u061c", "x"),
        ("👩\u200d💻 程序员", "👩\u200d💻 程序员"),  # an emoji's own joiner stays
        ("👍🏽\u200d", "👍🏽"),
        ("金\u200d融", "金融"),
        ("🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f", None),  # a flag
        ("x\U000e0067\U000e007f", "x"),
        ("plain ASCII", None),
    ],
)
def test_visible(text: str, shown: str | None) -> None:
    assert visible(text) == (text if shown is None else shown)


@settings(max_examples=500)
@given(
    st.text(alphabet=st.one_of(st.characters(), st.sampled_from("\u200b\u200d\u202e\u0301e👩金")))
)
@example("e\u200b\u0301")
def test_visible_is_stable_and_leaves_only_emoji_joiners(text: str) -> None:
    shown = visible(text)
    assert visible(shown) == shown
    assert unicodedata.is_normalized("NFC", shown)
    for at, char in enumerate(shown):
        if FORMAT_CHARACTERS.match(char):
            assert char == "\u200d" or char in "".join(map(chr, range(0xE0020, 0xE0080))), at
