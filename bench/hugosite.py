"""The Hugo row: the same articles built by Hugo, a page per post and a full-content Atom feed.

The site is ``bench/hugo/`` (its ``hugo.toml`` and two templates), copied into the scratch
folder beside a converted copy of the articles; Hugo writes its ``public/``, ``resources/``
and lock file there, never into the repository. The conversion, done before any timing:

- each article becomes ``content/posts/<its name>.html``: an HTML content file, whose body
  Hugo passes through as it is (a ``.md`` file would go through Markdown and, by default,
  lose its raw HTML);
- the blank lines before the front matter are dropped (Hugo wants ``---`` first);
- ``date`` and ``updated`` become RFC 3339 (``Tue, 21 Jun 2022 03:44:48 GMT`` is
  ``2022-06-21T03:44:48+00:00``), which Hugo reads for certain; the rest of the front matter
  (YAML) is kept as it is.

A cold Hugo build (:func:`clear`) finds no ``public/``, no ``resources/`` and an empty cache
folder (``--cacheDir``, in the scratch folder too).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from email.utils import parsedate_to_datetime
from pathlib import Path

#: The site's configuration and templates, kept in the repository.
SITE = Path(__file__).resolve().parent / "hugo"
_DATE_LINE = re.compile(r"^(date|updated):[ \t]*(.+?)[ \t]*$")


def hugo() -> str | None:
    """The ``hugo`` program on ``PATH``, if there is one."""
    return shutil.which("hugo")


def version(program: str) -> str:
    """What ``hugo version`` says, shortened to its version (``hugo v0.111.3+extended``)."""
    said = subprocess.run(  # noqa: S603 - the hugo found on PATH
        [program, "version"], capture_output=True, text=True, check=False
    ).stdout.split()
    return " ".join(said[:2]) if said else "hugo"


def to_hugo(text: str) -> str:
    """An article's text as a Hugo content file: front matter first, dates in RFC 3339."""
    lines = text.lstrip("\ufeff \t\r\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return "\n".join(lines)
    for number in range(1, len(lines)):
        line = lines[number]
        if line.strip() == "---":
            break
        found = _DATE_LINE.match(line)
        if found:
            lines[number] = f"{found.group(1)}: {_rfc3339(found.group(2))}"
    return "\n".join(lines)


def _rfc3339(value: str) -> str:
    """``value`` (RFC 2822, as the scraper writes dates) in RFC 3339; else unchanged."""
    try:
        return parsedate_to_datetime(value.strip("'\"")).isoformat()
    except (TypeError, ValueError):
        return value


def convert(articles: Path, site: Path) -> int:
    """Make ``site`` a Hugo site of the articles in ``articles``; return how many.

    The content folder is written afresh; the configuration and templates are copied from
    :data:`SITE`. One file at a time: a folder of any size needs no more memory than one.
    """
    content = site / "content" / "posts"
    shutil.rmtree(site / "content", ignore_errors=True)
    content.mkdir(parents=True)
    prepare(site)
    count = 0
    folders = [articles]
    while folders:
        folder = folders.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(Path(entry.path))
                    continue
                relative = Path(entry.path).relative_to(articles).with_suffix(".html")
                target = content / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                text = Path(entry.path).read_text(encoding="utf-8")
                target.write_text(to_hugo(text), encoding="utf-8")
                count += 1
    return count


def prepare(site: Path) -> None:
    """Copy the configuration and templates of :data:`SITE` into ``site``."""
    site.mkdir(parents=True, exist_ok=True)
    shutil.copy2(SITE / "hugo.toml", site / "hugo.toml")
    shutil.rmtree(site / "layouts", ignore_errors=True)
    shutil.copytree(SITE / "layouts", site / "layouts")


def converted(site: Path) -> int:
    """How many content files the converted ``site`` holds (0 if none)."""
    content = site / "content" / "posts"
    return sum(1 for _ in content.rglob("*.html")) if content.is_dir() else 0


def command(program: str, site: Path) -> list[str]:
    """The Hugo build of ``site`` the bench times: quiet, its cache in the scratch folder."""
    return [program, "--quiet", "--source", str(site), "--cacheDir", str(cache(site))]


def cache(site: Path) -> Path:
    """Hugo's cache folder for ``site``, beside it."""
    return site.with_name(site.name + ".cache")


def clear(site: Path) -> None:
    """Remove what a Hugo build of ``site`` wrote: the next build is cold."""
    for folder in (site / "public", site / "resources", cache(site)):
        shutil.rmtree(folder, ignore_errors=True)
