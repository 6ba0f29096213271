"""Category slugs: safe for any name, distinct, and the same on every run and machine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from feedgen_miit.errors import ConfigError
from feedgen_miit.layout import category_path, category_paths
from feedgen_miit.slug import DIGEST_CHARS, MAX_READABLE, SLUG_PATTERN, slugify
from tests.strategies import category_names

#: Any text a front matter can hold, lone surrogates included.


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        # Pinned: a slug that changed would move a subscribed feed to a new address.
        ("金融", "a42315e416fa"),
        ("新浪财经－国內", "0857041f6b3d"),
        ("Policy & Law", "policy-law-eb839aa560e4"),
        ("policy & law", "policy-law-2d8d77f2b04e"),
        ("../etc/passwd", "etc-passwd-7fef78f53440"),
        ("a/b", "a-b-c14cddc033f6"),
        ("CON", "con-a3dbc4b644a9"),
        ("", "e3b0c44298fc"),
        ("Café", "caf-73473dcc12b7"),
    ],
)
def test_slug_is_pinned(name: str, slug: str) -> None:
    assert slugify(name) == slug


@pytest.mark.parametrize(
    "name",
    ["金融", "/", "..", ".", "a/../../b", "&amp;", "a b\tc", "x" * 10_000, "NUL", "\\..\\x", "~"],
)
def test_awkward_names_stay_inside_the_categories_folder(tmp_path: Path, name: str) -> None:
    output = tmp_path / "public"
    path = (output / category_path(name)).resolve()
    assert path.parent == (output / "categories").resolve()
    assert len(path.name) <= MAX_READABLE + 1 + DIGEST_CHARS + len(".xml")


@given(category_names)
@example("")
@example("\ud800")
@example("İ")  # lower-cases to two code points
def test_slug_is_a_short_plain_lowercase_name(name: str) -> None:
    slug = slugify(name)
    assert SLUG_PATTERN.match(slug), slug
    assert slug == slug.lower()
    assert len(slug) <= MAX_READABLE + 1 + DIGEST_CHARS
    assert slug not in {".", ".."}


@given(category_names, category_names)
@example("Finance", "finance")
@example("金融", "金融 ")
@example("a/b", "a-b")
@example("a&b", "a b")
def test_different_names_get_different_slugs(first: str, second: str) -> None:
    if first != second:
        assert slugify(first) != slugify(second)
        assert slugify(first).casefold() != slugify(second).casefold()


@pytest.mark.parametrize("hash_seed", ["0", "1", "random"])
def test_slug_does_not_depend_on_the_process(hash_seed: str) -> None:
    # A slug built on hash() or set order would differ between runs of the nightly build.
    sample = ["金融", "Policy & Law", "a/b", "x" * 100]
    script = "import sys\nfrom feedgen_miit.slug import slugify\nprint(*map(slugify, sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", script, *sample],
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.split() == [slugify(name) for name in sample]


@given(st.lists(category_names, unique=True, max_size=20))
def test_category_paths_are_distinct(many: list[str]) -> None:
    paths = category_paths(many)
    assert sorted(paths) == sorted(many)
    assert len(set(paths.values())) == len(many)


def test_two_names_sharing_a_slug_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    # A 48-bit digest collision cannot be found on purpose; a constant slug stands in for it.
    monkeypatch.setattr("feedgen_miit.layout.slugify", lambda name: "same")
    with pytest.raises(ConfigError, match=r"'a' and 'b' would both be written to categories/same"):
        category_paths(["a", "b"])
