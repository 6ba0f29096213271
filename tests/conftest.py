"""Shared fixtures: a scratch articles folder, an article writer, settings for both."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from feedgen_miit import Settings, check_article, make_settings
from feedgen_miit.loader import CheckedArticle
from tests.golden import EXAMPLES, build_demo
from tests.hostile import make_hostile_folder

#: A well-formed article in the real format; tests change one thing at a time.
ARTICLE = """
---
title: '工信部召开座谈会'
categories:
 - 金融
 - 新浪财经
headimg: 'https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png'
author: 新浪财经
comments: false
date: Tue, 21 Jun 2022 03:44:48 GMT
thumbnail: 'https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png'
---

<div>
<p>　　上证报中国证券网讯 工业和信息化部召开座谈会。</p>
<p class="article-editor">责任编辑：王翔 </p>
</div>
"""

WriteArticle = Callable[..., Path]


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's builds keep their index in its own folder, never in the user's cache."""
    monkeypatch.delenv("CACHE_DIRECTORY", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    return tmp_path / "xdg-cache" / "feedgen-miit"


def check_usable(path: Path, **options: Any) -> CheckedArticle:
    """check_article() of a file that must be a usable article (not a draft)."""
    checked = check_article(path, **options)
    assert isinstance(checked, CheckedArticle), checked
    return checked


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    """An empty folder for articles."""
    folder = tmp_path / "articles"
    folder.mkdir()
    return folder


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    """Where a test's build writes (not created in advance)."""
    return tmp_path / "public"


@pytest.fixture
def examples_copy(tmp_path: Path) -> Path:
    """A private copy of examples/articles that a test may change."""
    return Path(shutil.copytree(EXAMPLES, tmp_path / "examples"))


@pytest.fixture
def write_article(articles_dir: Path) -> WriteArticle:
    """Write ``text`` (str as UTF-8, or raw bytes) as ``name`` in the articles folder."""

    def write(name: str, text: str | bytes = ARTICLE) -> Path:
        path = articles_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def settings(articles_dir: Path, output_dir: Path) -> Settings:
    """Default settings over the scratch folders."""
    return make_settings(articles_dir, output_dir=output_dir)


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo build (examples/articles, default settings), written once; read it only."""
    output = tmp_path_factory.mktemp("demo") / "public"
    build_demo(output, cache_dir=output.parent / "cache")
    return output


@pytest.fixture(scope="session")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/hostile plus the cases made on the fly (shared: tests must not change it)."""
    return make_hostile_folder(tmp_path_factory.mktemp("hostile") / "articles", ARTICLE)
