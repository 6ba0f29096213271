"""Hexo's front matter as a python-frontmatter handler: where it is in a file, how to read it.

A python-frontmatter handler says where a file's front matter starts and ends (``FM_BOUNDARY``,
``detect``, ``split``) and how to read it (``load``). :class:`HexoHandler` says both as Hexo
does, so ``frontmatter.loads(text, handler=HexoHandler())`` gives what the loader reads:

- the front matter is between a line of three or more dashes and the next such line (trailing
  blanks allowed, and blank lines and a byte-order mark before it, as the scraped files have);
  as in Hexo, the opening line may be missing (``title: x`` ... ``---`` then the body);
- it is YAML, read as js-yaml reads it (:mod:`~feedgen_miit.hexoyaml`; the plain form nearly
  every file has by :mod:`~feedgen_miit.yamlfast`, which gives the same answer faster), with
  timestamps kept as their text: the loader reads dates by rules of its own.

Not read: Hexo's ``;;;`` JSON front matter (such a file has no front matter here).

The loader calls :meth:`HexoHandler.locate` and :meth:`HexoHandler.load` itself rather than
:func:`frontmatter.parse`, which strips the text (so the line every error names is lost),
returns the whole text as the body when it finds no front matter, and drops front matter that
is not a mapping: a file without usable front matter must be reported, not published empty.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Final

from frontmatter.default_handlers import BaseHandler

from . import hexoyaml
from .yamlfast import load_simple

__all__ = ["HexoHandler", "Located", "NoFrontMatterError"]

#: A line of three or more dashes, trailing blanks allowed: python-frontmatter's rule, without
#: letting the blanks run on over the next lines (which would shift every line number).
BOUNDARY: Final = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
_LEADING_BLANK_LINES: Final = re.compile(r"(?:[ \t\f\v]*\n)*")


@dataclass(frozen=True, slots=True)
class Located:
    """Where a file's front matter is, and the rest."""

    front_matter: str
    line: int  #: 1-based line of the front matter's first line
    body: str
    #: False when the file has no opening '---' line (Hexo's other form)
    opened: bool = True


class NoFrontMatterError(ValueError):
    """The text has no front matter (``opened``: it has an opening line but no closing one).

    A ValueError because python-frontmatter's :func:`frontmatter.parse` takes one from
    ``split`` to mean "no front matter here"; ``line`` is where it should start (1-based).
    """

    def __init__(self, line: int, *, opened: bool) -> None:
        super().__init__(f"line {line}: front matter {'not closed' if opened else 'not found'}")
        self.line = line
        self.opened = opened


class HexoHandler(BaseHandler):
    """python-frontmatter's handler for Hexo's YAML front matter (see the module docstring)."""

    FM_BOUNDARY = BOUNDARY
    START_DELIMITER = END_DELIMITER = "---"

    def detect(self, text: str) -> bool:
        """Whether ``text`` has front matter this handler can read."""
        try:
            self.locate(text)
        except NoFrontMatterError:
            return False
        return True

    def split(self, text: str) -> tuple[str, str]:
        """The front matter and the body (python-frontmatter's interface); raises
        :class:`NoFrontMatterError` (a ValueError) when there is none."""
        located = self.locate(text)
        return located.front_matter, located.body

    def locate(self, text: str) -> Located:
        """Find the front matter of ``text`` (line ends already ``\\n``, no byte-order mark):
        the text between the first line of dashes (after any blank lines) and the next one;
        or, when the text does not start with one, everything before the first (Hexo reads
        ``title: x`` ... ``---`` ... as front matter too).

        Raises :class:`NoFrontMatterError` when there is no such line, or no closing one.
        """
        start = _LEADING_BLANK_LINES.match(text)
        pos = start.end() if start else 0
        first_line = text.count("\n", 0, pos) + 1
        opening = BOUNDARY.match(text, pos)
        if opening is None:
            closing = _boundary_after(text, pos)
            if closing is None:
                raise NoFrontMatterError(first_line, opened=False)
            return Located(
                front_matter=text[pos : closing.start()],
                line=first_line,
                body=text[closing.end() + 1 :],
                opened=False,
            )
        closing = _boundary_after(text, opening.end())
        if closing is None:
            raise NoFrontMatterError(first_line, opened=True)
        return Located(
            front_matter=text[opening.end() + 1 : closing.start()],
            line=first_line + 1,
            body=text[closing.end() + 1 :],
        )

    def load(self, fm: str, **kwargs: object) -> Any:
        """The front matter's value as js-yaml reads it, timestamps as their text.

        Raises a :class:`yaml.YAMLError` (``problem_mark.line`` 0-based in ``fm``) where
        js-yaml, and so Hexo, refuses it.
        """
        simple = load_simple(fm)
        if simple is not None:
            return simple
        return hexoyaml.load(fm, dates_as_text=True)


def _boundary_after(text: str, start: int) -> re.Match[str] | None:
    """``BOUNDARY.search(text, start)`` where no boundary line starts at ``start``: only the
    places a line starts with '---' are tried, not every character (1.9 to 0.7 µs for a
    typical front matter, and a cold build splits every file)."""
    at = text.find("\n---", start)
    while at >= 0:
        found = BOUNDARY.match(text, at + 1)
        if found is not None:
            return found
        at = text.find("\n---", at + 1)
    return None
