"""The sanitizer against public XSS corpora: statically, and in a real browser."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedgen_miit.sanitize import clean, clean_body
from tests.browser import CHROMIUM
from tests.xsscheck import (
    Payload,
    harness_page,
    load_payloads,
    run_in_chromium,
    unsafe_parts,
)

PAYLOADS = load_payloads()
BASES = (None, "https://example.org/news/2022/")


def test_every_corpus_is_loaded() -> None:
    by_corpus = {payload.corpus for payload in PAYLOADS}
    assert by_corpus == {"dompurify", "html5lib", "owasp", "extra"}
    assert len(PAYLOADS) > 350


@pytest.mark.parametrize("base_url", BASES, ids=["no-base", "base"])
@pytest.mark.parametrize("payload", PAYLOADS, ids=[payload.id for payload in PAYLOADS])
def test_payload_sanitizes_to_whitelisted_markup(payload: Payload, base_url: str | None) -> None:
    sanitized = clean(payload.html, base_url)
    assert unsafe_parts(sanitized) == [], sanitized
    assert clean(sanitized, base_url) == sanitized


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # nh3 checks the scheme of href and src only: cite came through (bug found by the
        # corpus run), and a reader may show it as a link.
        ('<blockquote cite="javascript:alert(1)">x</blockquote>', "<blockquote>x</blockquote>"),
        ('<q cite="data:text/html,x">x</q>', "<q>x</q>"),
        ('<del cite=" JaVa\tScRiPt:alert(1)">x</del>', "<del>x</del>"),
        ('<blockquote cite="https://example.org/s">x</blockquote>', None),
        # <image> is an <img> to the HTML5 parser of stage 2 but unknown to lxml in stage 1:
        # its URL was not resolved, so cleaning twice gave a different result.
        (
            "<image src='pic.png'>",
            '<img src="https://example.org/news/2022/pic.png" referrerpolicy="no-referrer">',
        ),
        # libxml2 (stage 1) un-nests <b><p> that html5ever (stage 2) made: found by hypothesis,
        # cleaning twice gave a different result.
        ("<b><form><p>text</p>", "<p>text</p>"),
        # DEL and C1 controls are removed with the XML-illegal characters, before parsing.
        ('<a href="java\x7fscript:alert(1)">x</a>', None),
    ],
)
def test_sanitizer_regressions(raw: str, expected: str | None) -> None:
    sanitized = clean(raw, BASES[1])
    assert unsafe_parts(sanitized) == []
    if expected is not None:
        assert sanitized == expected
    assert "javascript" not in sanitized.lower() or "href" not in sanitized


@pytest.mark.parametrize(
    "body",
    [
        '<?xml version="1.0"?><p>x</p>',  # bs4 warned "XMLParsedAsHTMLWarning" on stderr
        "https://example.org/only-a-url",  # bs4 warned "MarkupResemblesLocatorWarning"
        "notes.txt",
    ],
)
def test_odd_bodies_give_no_python_warning(body: str) -> None:
    # pytest turns warnings into errors here; in production they went to cron's mail.
    assert clean_body(body).html


@pytest.mark.parametrize("depth", [300, 100_000])
def test_deeply_nested_markup_is_flattened_not_a_recursion_error(depth: int) -> None:
    sanitized = clean("<div>" * depth + "deep <b>text</b>" + "</div>" * depth)
    assert "deep" in sanitized
    assert unsafe_parts(sanitized) == []


# -- in a real browser -------------------------------------------------------------------------

#: Payloads that do run script when not sanitized: the harness must see every one of them,
#: or a silent harness would pass anything.
POSITIVE_CONTROLS = {
    "img-onerror": "<img src=x onerror=alert(1)>",
    "svg-onload": "<svg onload=alert(1)>",
    "script": "<script>alert(1)</script>",
    "iframe-javascript": "<iframe src='javascript:alert(1)'></iframe>",
    "body-onload": "<body onload=alert(1)>",
    "details-ontoggle": "<details open ontoggle=alert(1)>",
}


@pytest.fixture(scope="module")
def chromium() -> str:
    """The Chromium binary; the browser tests are skipped where it is not installed."""
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return CHROMIUM


@pytest.mark.browser
def test_harness_sees_unsanitized_payloads_run(chromium: str, tmp_path: Path) -> None:
    del chromium
    page = tmp_path / "controls.html"
    page.write_text(harness_page(POSITIVE_CONTROLS), encoding="utf-8")

    hits = run_in_chromium(page, tmp_path / "profile")

    assert {frame for frame, _, _ in hits} == {*POSITIVE_CONTROLS, "innerHTML"}, hits


@pytest.mark.browser
def test_no_sanitized_payload_runs_script_in_chromium(chromium: str, tmp_path: Path) -> None:
    del chromium
    fragments = {
        f"{index}:{base is not None}:{payload.id}": clean(payload.html, base)
        for index, payload in enumerate(PAYLOADS)
        for base in BASES
    }
    page = tmp_path / "sanitized.html"
    page.write_text(harness_page(fragments), encoding="utf-8")

    hits = run_in_chromium(page, tmp_path / "profile")

    assert hits == []
