"""The configuration file: precedence, generic mapping onto Settings, errors naming key and file."""

from __future__ import annotations

import re
import shutil
import tomllib
from dataclasses import MISSING, fields
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedgen_miit import ConfigError, Settings
from feedgen_miit.cli import main
from feedgen_miit.config import CONFIG_NAME, load_settings, read_config, starter_text
from tests.golden import EXAMPLES


def write_config(folder: Path, text: str) -> Path:
    path = folder / CONFIG_NAME
    path.write_text(text, encoding="utf-8")
    return path


def test_every_kind_of_setting_is_read(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        'title = "每日新闻"\n'
        "limit = 7\n"
        "lock_timeout = 5\n"
        "cache = false\n"
        'patterns = ["*.txt", "*.htm"]\n'
        'icon = "https://example.org/i.png"\n'
        'output_dir = "site/public"\n'
        'cache_dir = "/var/cache/feeds"\n',
    )
    assert read_config(path) == {
        "title": "每日新闻",
        "limit": 7,
        "lock_timeout": 5.0,
        "cache": False,
        "patterns": ("*.txt", "*.htm"),
        "icon": "https://example.org/i.png",
        "output_dir": tmp_path / "site" / "public",  # relative to the file, not the cwd
        "cache_dir": Path("/var/cache/feeds"),
    }


def test_paths_expand_home_and_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("FEEDS", "/srv/feeds")
    path = write_config(
        tmp_path,
        'cache_dir = "$XDG_CACHE_HOME/feedgen-miit"\noutput_dir = "${FEEDS}/public"\n'
        'articles_dir = "~/articles"\n',
    )
    assert read_config(path) == {
        "cache_dir": tmp_path / "home" / ".cache" / "feedgen-miit",
        "output_dir": Path("/srv/feeds/public"),
        "articles_dir": tmp_path / "home" / "articles",
    }
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/me")
    assert read_config(path)["cache_dir"] == Path("/var/cache/me/feedgen-miit")
    monkeypatch.delenv("FEEDS")
    with pytest.raises(
        ConfigError, match=r":2: output_dir: \$FEEDS is not set in the environment$"
    ):
        read_config(path)


def test_an_unset_cache_directory_is_named_with_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The README's old systemd advice, run by hand outside systemd.
    monkeypatch.delenv("CACHE_DIRECTORY", raising=False)
    path = write_config(tmp_path, 'cache_dir = "$CACHE_DIRECTORY"\n')
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert str(caught.value).startswith(
        f"{path}:1: cache_dir: $CACHE_DIRECTORY is not set in the environment (systemd sets it"
    )
    assert "leave cache_dir out" in str(caught.value)


@pytest.mark.parametrize("key", ["cache_dir", "output_dir", "articles_dir"])
def test_an_empty_path_says_so_not_that_a_string_is_not_a_string(tmp_path: Path, key: str) -> None:
    path = write_config(tmp_path, f'{key} = ""\n')
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert str(caught.value) == (
        f"{path}:1: {key}: an empty path names no folder: leave the key out for its default"
    )


def test_precedence_is_flags_then_file_then_defaults(tmp_path: Path) -> None:
    write_config(tmp_path, 'articles_dir = "news"\ntitle = "From the file"\nlimit = 9\n')
    settings = load_settings(cwd=tmp_path, limit=3, title=None)
    assert settings.articles_dir == tmp_path / "news"
    assert settings.title == "From the file"
    assert settings.limit == 3
    assert settings.timezone == Settings(articles_dir=Path()).timezone


def test_an_explicit_file_wins_over_the_working_folder(tmp_path: Path) -> None:
    write_config(tmp_path, 'articles_dir = "a"\ntitle = "cwd"\n')
    other = tmp_path / "etc"
    other.mkdir()
    chosen = write_config(other, 'articles_dir = "b"\ntitle = "explicit"\n')
    settings = load_settings(config_file=chosen, cwd=tmp_path)
    assert (settings.title, settings.articles_dir) == ("explicit", other / "b")


def test_without_a_file_the_articles_folder_must_be_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no articles folder"):
        load_settings(cwd=tmp_path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('titel = "x"', "unknown setting 'titel' (did you mean 'title'?)"),
        ("colour = 3", "unknown setting 'colour'"),
        ('limit = "50"', "limit must be an integer, not a string"),
        ("limit = true", "limit must be an integer, not a boolean"),
        ("limit = 2.5", "limit must be an integer, not a float"),
        ("cache = 1", "cache must be true or false, not an integer"),
        ('patterns = "*.txt"', "patterns must be a list of strings, not a string"),
        ("patterns = [1]", "patterns must be a list of strings, not an array"),
        ("title = 2024-01-01", "title must be a string, not a date"),
        ("output_dir = 3", "output_dir must be a path (a string), not an integer"),
        ('lock_timeout = "soon"', "lock_timeout must be a number, not a string"),
        ('icon = ["a"]', "icon must be a string, not an array"),
        ("[feed]\ntitle = 'x'", "unknown setting 'feed'"),
    ],
)
def test_wrong_keys_and_types_name_the_key_and_the_file(
    tmp_path: Path, line: str, message: str
) -> None:
    path = write_config(tmp_path, f"# settings\n\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        read_config(path)
    assert str(caught.value).startswith(f"{path}:3: ")
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title = ", "not valid TOML: Invalid value"),
        ('title = "a"\ntitle = "b"', "not valid TOML"),
        ("limit = -1\narticles_dir = 'a'", "limit must be 0 or more, not -1 (Newest articles"),
        ("base_url = 'ftp://x/'\narticles_dir = 'a'", "base_url 'ftp://x/' must be an absolute"),
        ("timezone = 'Mars/Base'\narticles_dir = 'a'", "timezone 'Mars/Base' is unknown"),
        ("jobs = -2\narticles_dir = 'a'", "jobs must be 0"),
        ("patterns = []\narticles_dir = 'a'", "patterns must name at least one"),
    ],
)
def test_bad_files_and_bad_values_are_config_errors(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(config_file=path)


def test_a_file_that_is_not_utf8_is_reported(tmp_path: Path) -> None:
    path = tmp_path / CONFIG_NAME
    path.write_bytes('title = "新闻"'.encode("gb18030"))
    with pytest.raises(ConfigError, match=f"{re.escape(str(path))}: not UTF-8"):
        read_config(path)


def _uncommented(text: str) -> str:
    return re.sub(r"^# (\w+ = .*)$", r"\1", text, flags=re.MULTILINE)


def test_the_starter_names_every_setting_with_its_default(tmp_path: Path) -> None:
    text = starter_text("urn:uuid:00000000-0000-4000-8000-000000000000")
    named = set(re.findall(r"^(?:# )?(\w+) = ", text, flags=re.MULTILINE))
    assert named == {item.name for item in fields(Settings)}
    # Uncommented, every default reads back as itself: the mapping is generic, so a field
    # added to Settings later works in the file with no code (or this test says which fails).
    path = write_config(tmp_path, _uncommented(text))
    values = read_config(path)
    examples = {"icon", "logo", "cache_dir", "hubs"}  # the starter shows an example
    examples.add("feed_id")  # minted afresh
    for item in fields(Settings):
        if item.name in examples or item.default is MISSING:
            continue
        expected = item.default
        if isinstance(expected, Path):
            expected = tmp_path / expected
        assert values[item.name] == expected, item.name


def test_the_starter_as_written_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(EXAMPLES, tmp_path / "articles")
    write_config(tmp_path, starter_text("urn:uuid:00000000-0000-4000-8000-000000000000"))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["build"], catch_exceptions=False)
    assert (result.exit_code, result.output) == (0, "")
    assert (
        b"urn:uuid:00000000-0000-4000-8000-000000000000"
        in (tmp_path / "public" / "atom.xml").read_bytes()
    )


# -- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("folders", [("one", "two")])
def test_init_writes_a_fresh_feed_id_and_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folders: tuple[str, str]
) -> None:
    runner = CliRunner()
    ids = []
    for folder in folders:
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        first = runner.invoke(main, ["init"], catch_exceptions=False)
        assert first.exit_code == 0
        assert first.output.startswith(f"wrote {CONFIG_NAME}")
        written = (tmp_path / folder / CONFIG_NAME).read_bytes()
        ids.append(tomllib.loads(written.decode())["feed_id"])
        again = runner.invoke(main, ["init"], catch_exceptions=False)
        assert again.exit_code == 1
        assert "already exists; not overwriting it" in again.output
        assert (tmp_path / folder / CONFIG_NAME).read_bytes() == written
    assert ids[0] != ids[1]
    assert all(re.fullmatch(r"urn:uuid:[0-9a-f-]{36}", feed_id) for feed_id in ids)


def test_build_reads_the_file_and_flags_override_it(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        f'articles_dir = "{EXAMPLES}"\noutput_dir = "out"\ntitle = "From the file"\nlimit = 2\n',
    )
    runner = CliRunner()
    result = runner.invoke(main, ["build", "--config", str(config)], catch_exceptions=False)
    assert (result.exit_code, result.output) == (0, "")
    feed = (tmp_path / "out" / "atom.xml").read_text(encoding="utf-8")
    assert "<title>From the file</title>" in feed
    assert feed.count("<entry>") == 2
    result = runner.invoke(
        main, ["build", "--config", str(config), "--title", "From the flag", "--limit", "0"]
    )
    assert result.exit_code == 0
    feed = (tmp_path / "out" / "atom.xml").read_text(encoding="utf-8")
    assert "<title>From the flag</title>" in feed
    assert feed.count("<entry>") == 5


def test_build_reports_a_bad_file_and_exits_1(tmp_path: Path) -> None:
    config = write_config(tmp_path, f'articles_dir = "{EXAMPLES}"\nlimit = "ten"\n')
    result = CliRunner().invoke(main, ["build", "--config", str(config)])
    assert result.exit_code == 1
    assert result.output == (
        f'feedgen-miit: error: {config}:2: limit must be an integer, not a string ("ten")\n'
    )
    assert not (tmp_path / "public").exists()


def test_a_missing_config_file_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["build", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 2
    assert "does not exist" in result.output
