"""Cleaning profiles: a site's boilerplate as data, switched off or extended in the file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedgen_miit import ConfigError, build, make_settings
from feedgen_miit.cli import main
from feedgen_miit.config import CONFIG_NAME, read_config
from feedgen_miit.profile import (
    DEFAULT_PROFILES,
    SINA_FINANCE,
    CleaningProfile,
    parse_selector,
    rules_of,
)
from feedgen_miit.sanitize import clean_body, summarize
from tests.conftest import ARTICLE, WriteArticle
from tests.golden import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
BASE = "https://example.org/"

#: A real Sina body's tail: the end-of-text comment, the QR block, the editor line.
SINA_TAIL = """<p>正文。</p><!-- news_keyword_pub,stock, -->
<!-- 正文下iframe -->
<style>.appendQr_wrap{border:1px solid #E6E6E6;}</style>
<div class="clearfix appendQr_wrap">
<div class="appendQr_normal_txt">海量资讯、精准解读，尽在新浪财经APP</div></div>
<p class="article-editor">责任编辑：王蒙 </p>
"""
#: A body from the README's other site.
EXAMPLE_NEWS = """<div><p>Original title: 工信部召开座谈会</p><p>Text.</p>
<div class="share-bar">Share on Weibo</div>
<aside id="related"><a href="/x">Related</a></aside>
<p class="byline">Edited by: Jane Doe</p>
<p>More text.</p>
<!-- /article-body -->
<footer>© Example News</footer></div>
"""


def readme_toml(after: str) -> str:
    """The first ```toml block of the README after the text ``after``."""
    found = re.search(re.escape(after) + r".*?```toml\n(.*?)```", README, re.DOTALL)
    assert found, after
    return found.group(1)


def test_the_built_in_profile_drops_sina_boilerplate_and_names_the_editor() -> None:
    body = clean_body(SINA_TAIL, BASE, rules_of((SINA_FINANCE,)))
    assert body.html == "<p>正文。</p>"
    assert body.editor == "王蒙"


def test_without_profiles_only_generic_cleaning_is_done() -> None:
    body = clean_body(SINA_TAIL, BASE, rules_of(()))
    assert "海量资讯、精准解读" in body.html
    assert "责任编辑：王蒙" in body.html
    assert "<style" not in body.html
    assert "<!--" not in body.html
    assert body.editor is None


def test_text_after_the_end_comment_is_dropped_but_blank_text_and_the_editor_stay() -> None:
    rules = rules_of((SINA_FINANCE,))
    body = clean_body(
        "<div><p>a</p><!-- news_keyword_pub --> \n<p>template</p>"
        '<div><p class="article-editor">编辑：李</p></div></div><p>also template</p>',
        BASE,
        rules,
    )
    assert body.html == "<div><p>a</p>\n</div>"  # the blank text after the marker stays
    assert body.editor == "李"
    # Only the first marker counts, and only outside removed or flattened markup.
    later = clean_body("<p>a</p><script><!-- news_keyword_pub --></script><p>b</p>", BASE, rules)
    assert later.html == "<p>a</p><p>b</p>"


def test_the_readme_example_switches_sina_off(tmp_path: Path) -> None:
    config = tmp_path / CONFIG_NAME
    config.write_text(readme_toml("Switch the Sina Finance rules off"), encoding="utf-8")
    assert read_config(config) == {"profiles": ()}


def test_the_readme_example_adds_a_site(
    tmp_path: Path, write_article: WriteArticle, articles_dir: Path
) -> None:
    config = tmp_path / CONFIG_NAME
    config.write_text(
        f'articles_dir = "{articles_dir}"\noutput_dir = "public"\n'
        + readme_toml("Or keep them and add a site of your own"),
        encoding="utf-8",
    )
    profiles = read_config(config)["profiles"]
    assert profiles[0] is SINA_FINANCE
    assert profiles[1] == CleaningProfile(
        name="example-news",
        drop=("div.share-bar", "aside#related"),
        editor=("p.byline",),
        editor_labels=("Edited by",),
        end_comments=("/article-body",),
        title_labels=("Original title",),
    )
    write_article("sina.txt", ARTICLE)
    write_article("other.txt", ARTICLE.split("---\n\n")[0] + "---\n\n" + EXAMPLE_NEWS)

    result = CliRunner().invoke(main, ["build", "--config", str(config)])

    assert (result.exit_code, result.output) == (0, "")
    feed = (tmp_path / "public" / "atom.xml").read_text(encoding="utf-8")
    assert "Share on Weibo" not in feed
    assert "Related" not in feed
    assert "Example News" not in feed
    assert "More text." in feed
    assert "Original title" not in feed  # it repeated the title (ARTICLE's)
    assert "<name>Jane Doe</name>" in feed  # the byline's name is the contributor
    assert "<name>王翔</name>" in feed  # and the Sina rules still apply


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('profiles = ["sina"]', "no built-in profile 'sina' (built in: 'sina-finance')"),
        ("profiles = [3]", "each profile must be a built-in name or a table of rules"),
        ('[[profiles]]\nname = "x"\ndrop = ["div > p"]', "'div > p' is not a selector"),
        ('[[profiles]]\nname = "x"\ndrop = ["#a#b"]', "names two ids"),
        ('[[profiles]]\nname = "x"\nskip = ["p"]', "unknown profile key 'skip'"),
        ('[[profiles]]\ndrop = ["p"]', "a profile table needs a name"),
        ('[[profiles]]\nname = "x"\ndrop = "p"', "drop must be a list of strings"),
        ('[[profiles]]\nname = "sina-finance"\ndrop = ["p"]', "is a built-in profile"),
        ('[[profiles]]\nname = "x"\ntitle_labels = [" "]', "title_labels must not be empty"),
        ('[[profiles]]\nname = "x"\ntitle_labels = "原标题"', "title_labels must be a list"),
        ('[[profiles]]\nname = "x"\ntitle = []', "(keys: name, drop, editor, editor_labels"),
    ],
)
def test_bad_profiles_name_the_file_the_line_and_the_rule(
    tmp_path: Path, toml: str, message: str
) -> None:
    config = tmp_path / CONFIG_NAME
    config.write_text(f"# settings\n{toml}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        read_config(config)
    assert str(caught.value).startswith(f"{config}:2: profiles: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("selector", "tag", "attributes", "matches"),
    [
        ("p", "p", {}, True),
        ("p", "div", {}, False),
        (".a", "span", {"class": ["b", "a"]}, True),
        (".a.b", "span", {"class": ["a"]}, False),
        ("div.a.b", "div", {"class": ["b", "a", "c"]}, True),
        ("#x", "div", {"id": "x"}, True),
        ("div#x.a", "div", {"id": "x", "class": ["a"]}, True),
        ("div#x.a", "div", {"id": "y", "class": ["a"]}, False),
        ("DIV", "div", {}, True),
    ],
)
def test_selectors_match_elements_with_all_their_parts(
    selector: str, tag: str, attributes: dict[str, object], matches: bool
) -> None:
    rules = rules_of((CleaningProfile("test", drop=(selector,)),))
    assert rules.drops(tag, attributes) is matches


def test_selector_parts_are_read() -> None:
    parsed = parse_selector("div#main.a.b")
    assert (parsed.tag, parsed.id, parsed.classes) == ("div", "main", frozenset({"a", "b"}))


def test_profiles_shape_articles_so_a_change_reads_every_file_again(
    write_article: WriteArticle, articles_dir: Path, tmp_path: Path
) -> None:
    write_article("a.txt")
    settings = make_settings(articles_dir, output_dir=tmp_path / "public")
    build(settings)
    assert build(settings).files_read in {0, 1}  # 1: the file is still within the racy window
    other = make_settings(articles_dir, output_dir=tmp_path / "public", profiles=())
    assert build(other).files_read == 1
    assert "新浪财经APP" not in (tmp_path / "public" / "atom.xml").read_text(encoding="utf-8")


def test_the_sina_profile_drops_the_original_title_line_only_when_it_is_the_title() -> None:
    rules = rules_of((SINA_FINANCE,))
    title = "工业和信息化部召开部分行业协会座谈会"
    body = f"<div>\n<p>　　原标题：{title}</p>\n" + SINA_TAIL + "</div>"
    assert clean_body(body, BASE, rules, title=title).html == "<div>\n<p>正文。</p>\n</div>"
    other = clean_body(body, BASE, rules, title="工信部召开座谈会")
    assert "原标题" in other.html
    assert summarize(other.html, 100, rules) == "正文。"
    assert rules_of(()).title_label is None
    assert summarize(other.html, 100, rules_of(())).startswith("原标题")


def test_title_labels_are_matched_whole_in_any_case_and_white_space() -> None:
    rules = rules_of((CleaningProfile("t", title_labels=("Original title", "原题")),))
    assert rules.repeats_title("Original title: A  b", "A b")
    assert rules.repeats_title("\u3000original\u3000TITLE ：A b ", "A b")
    assert rules.repeats_title("原题:A b", "A b")
    assert not rules.repeats_title("原题目：A b", "A b")
    assert not rules.repeats_title("Original title A b", "A b")  # no colon
    assert not rules.repeats_title("Original title: A b.", "A b")
    assert not rules.repeats_title("See Original title: A b", "A b")
    assert rules.opens_with_title_label(" Original title: another one")
    assert not rules.opens_with_title_label("Text. Original title: A b")
    # Found in HTML as nh3 writes text too (the sanitizer looks for labels in its output).
    escaped = rules_of((CleaningProfile("t", title_labels=("Q&A",)),))
    assert escaped.count_title_labels("<p>Q&amp;A: x</p><p>Q&A：y</p><p>QA: z</p>") == 2
    assert escaped.repeats_title("Q&A: x", "x")
    assert rules_of((SINA_FINANCE,)).repeats_title(
        "\u3000\u3000原标题：工信部召开座谈会", "工信部召开座谈会"
    )


def test_the_default_is_the_sina_profile() -> None:
    assert DEFAULT_PROFILES == (SINA_FINANCE,)
    assert make_settings(Path("articles")).profiles == (SINA_FINANCE,)
