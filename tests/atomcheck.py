"""An Atom checker independent of the code under test: RFC 4287's RELAX NG schema via lxml,
the schema's Schematron rules as XPath, and RFC 3339 time zones."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from lxml import etree

SCHEMA = Path(__file__).parent / "data" / "atom.rng"
NS = {"atom": "http://www.w3.org/2005/Atom", "media": "http://search.yahoo.com/mrss/"}

# (context, test, message) from the s:rule blocks of RFC 4287 Appendix B.
SCHEMATRON_RULES = (
    (
        "/atom:feed",
        "atom:author or not(atom:entry[not(atom:author)])",
        "an atom:feed must have an atom:author unless all of its entries have one",
    ),
    (
        "//atom:entry",
        "atom:link[@rel='alternate'] or atom:link[not(@rel)] or atom:content",
        "an atom:entry must have an alternate link or content",
    ),
    (
        "//atom:entry",
        "atom:author or ../atom:author or atom:source/atom:author",
        "an atom:entry must have an atom:author if its feed does not",
    ),
)
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)\Z")


@cache
def _relaxng() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def atom_problems(document: bytes) -> list[str]:
    """Every way ``document`` breaks RFC 4287; an empty list means valid."""
    try:
        root = etree.fromstring(document)
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    schema = _relaxng()
    problems = [] if schema.validate(root) else [str(e) for e in schema.error_log]
    for context, test, message in SCHEMATRON_RULES:
        for node in _elements(root, context):
            if not node.xpath(f"boolean({test})", namespaces=NS):
                problems.append(f"{message} (line {node.sourceline})")
    for stamp in _elements(root, "//atom:updated | //atom:published"):
        if not _RFC3339.match(stamp.text or ""):
            problems.append(f"not an RFC 3339 date-time with a zone: {stamp.text!r}")
    return problems


def _elements(root: etree._Element, path: str) -> list[etree._Element]:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [node for node in found if isinstance(node, etree._Element)]


def assert_valid_atom(document: bytes) -> None:
    """Fail with every problem listed when ``document`` is not valid Atom."""
    problems = atom_problems(document)
    assert not problems, "\n".join(problems)
