"""Deterministic benchmark articles in the real scraped format.

Front matter and boilerplate follow ``examples/articles/000_*.txt`` (a real Sina Finance file);
bodies hold 1-8 KB of Chinese sentences drawn from the real articles, then its boilerplate.
The same ``count`` and ``seed`` always give byte-identical files::

    python -m bench.generate /tmp/articles 10000

Files are written one at a time and nothing of them is kept (:func:`write_folder`): a
million articles (about 8 GB) take a few minutes and no more memory than ten.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = next((ROOT / "examples" / "articles").glob("000_*.txt"))
_CUT = "<!-- news_keyword_pub"
#: The first article's date; each next one is about 41 minutes newer (100,000 span 8 years).
_OLDEST = datetime(2018, 1, 1, 8, 0, tzinfo=UTC)
_HEADIMG = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"
_CATEGORY_SETS = (
    ("金融", "新浪财经", "新浪财经－国內"),
    ("金融", "新浪财经"),
    ("工业经济", "新浪财经", "中小企业"),
)


def _sample_parts() -> tuple[list[str], str]:
    """The real article's sentences, and its boilerplate tail (comments, style, QR, editor)."""
    text = SAMPLE.read_text(encoding="utf-8")
    body = text.split("---", 2)[2]
    head, tail = body.split(_CUT, 1)
    words = re.sub(r"<[^>]+>", "", head).replace("\u3000", "")
    sentences = [s + "。" for s in re.split(r"[。\n]", words) if len(s.strip()) > 8]
    return sentences, _CUT + tail


def article(
    index: int,
    rng: random.Random,
    sentences: list[str],
    tail: str,
    *,
    own_category: bool = False,
) -> tuple[str, str]:
    """The file name and text of article number ``index`` (with a category of its own, as well
    as the usual ones, if ``own_category``)."""
    when = _OLDEST + timedelta(minutes=index * 41 + rng.randrange(40))
    target = rng.randrange(1024, 8192)  # bytes of text, before the boilerplate tail
    paragraphs: list[str] = []
    size = 0
    while size < target:
        paragraph = "".join(rng.choice(sentences) for _ in range(rng.randrange(1, 4)))
        paragraph = paragraph[: max((target - size) // 3, 20)]
        paragraphs.append(f"<p>\u3000\u3000{paragraph}</p>")
        size += len(paragraph.encode())
    title = rng.choice(sentences)[: rng.randrange(12, 30)].rstrip("。，")
    names = rng.choice(_CATEGORY_SETS)
    if own_category:
        names = (f"类别{index:06d}", *names)
    categories = "".join(f"\n - {name}" for name in names)
    text = (
        "\n---\n"
        f"title: '{title}'\n"
        f"categories: {categories}\n"
        f"headimg: '{_HEADIMG}'\n"
        "author: 新浪财经\n"
        "comments: false\n"
        f"date: {when.strftime('%a, %d %b %Y %H:%M:%S GMT')}\n"
        f"thumbnail: '{_HEADIMG}'\n"
        "---\n\n"
        "<div>   \n" + "\n".join(paragraphs) + tail
    )
    digest = hashlib.sha256(f"{index}".encode()).hexdigest()[:16]
    return f"{index:06d}_{digest}.txt", text


def generate(
    folder: Path, count: int, *, start: int = 0, seed: int = 4, own_category: bool = False
) -> list[Path]:
    """Write articles ``start`` .. ``start + count - 1`` into ``folder``; return their paths.

    With ``own_category``, each article also has a category no other article has. For large
    folders, :func:`write_folder` writes the same files without keeping their paths.
    """
    return list(_write(folder, count, start=start, seed=seed, own_category=own_category))


def write_folder(folder: Path, count: int, *, start: int = 0, seed: int = 4) -> int:
    """Write the same files as :func:`generate`, keeping nothing; return how many."""
    written = 0
    for _ in _write(folder, count, start=start, seed=seed, own_category=False):
        written += 1
    return written


def _write(
    folder: Path, count: int, *, start: int, seed: int, own_category: bool
) -> Iterator[Path]:
    """Write the articles one by one, yielding each one's path once it is written."""
    folder.mkdir(parents=True, exist_ok=True)
    sentences, tail = _sample_parts()
    for index in range(start, start + count):
        rng = random.Random(seed * 1_000_003 + index)  # noqa: S311 - reproducible, not secret
        name, text = article(index, rng, sentences, tail, own_category=own_category)
        path = folder / name
        path.write_bytes(text.encode())
        yield path


def main() -> None:
    """Command line: ``python -m bench.generate FOLDER COUNT``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--start", type=int, default=0)
    arguments = parser.parse_args()
    write_folder(arguments.folder, arguments.count, start=arguments.start)


if __name__ == "__main__":
    main()
