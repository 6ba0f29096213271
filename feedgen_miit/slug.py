"""Category names -> file names that are safe anywhere, distinct, and stable forever.

A slug is the name's ASCII letters and digits, lower-cased and joined by '-', cut to
:data:`MAX_READABLE` characters, then '-' and the first :data:`DIGEST_CHARS` hex digits of the
SHA-256 of the exact name (``"Policy & Law"`` -> ``"policy-law-eb839aa560e4"``). A name with no
ASCII letter or digit (``"金融"``) is the digest alone.

- **Safe**: only ``[a-z0-9-]``, at most 53 characters: no separator, no ``..``, no Windows
  device name (the digest is always there), no Unicode normalization trouble, and the same
  text in a file name, a URL and an OPML file.
- **Distinct**: the digest is of the exact name, so names that differ in any way (case
  included) get different slugs, and since slugs are lower-case they stay different on
  case-insensitive file systems. The pipeline still refuses a build where two names share a
  slug (a 48-bit digest collision), so two categories can never share a file.
- **Stable**: nothing depends on the Unicode tables of the running Python, the other
  categories, or the order they were found in.
"""

from __future__ import annotations

import hashlib
import re

#: Characters kept from the name itself, for people reading the file name.
MAX_READABLE = 40
#: Hex digits of the SHA-256 digest (48 bits).
DIGEST_CHARS = 12
#: Every slug matches this.
SLUG_PATTERN = re.compile(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*-)?[0-9a-f]{12}\Z")

_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")


def slugify(name: str, *, digest_of: str | None = None) -> str:
    """The file-name stem for the category ``name`` (any text, even empty).

    ``digest_of``: the text the digest is of, when it is not ``name`` (an article's page takes
    its readable part from its permalink and its digest from its permanent key).
    """
    # str.lower() on ASCII-only words and '-': Unicode case tables change between Python
    # versions. Lowered once joined: a cold build names a page for every file.
    readable = "-".join(_ASCII_WORD.findall(name)).lower()
    readable = readable[:MAX_READABLE].rstrip("-")
    exact = name if digest_of is None else digest_of
    digest = hashlib.sha256(exact.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_CHARS]
    return f"{readable}-{digest}" if readable else digest
