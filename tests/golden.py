"""Golden files: the demo build's exact output. Regenerate with ``make golden``.

Run only after an intended change to the output, and read the diff before committing it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from feedgen_miit import build, make_settings

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "articles"
GOLDEN = Path(__file__).resolve().parent / "golden"
#: Output files of the demo build that are pinned byte for byte: every file it writes. The
#: category file names pin the slugs too (a changed slug moves a subscribed feed).
GOLDEN_FILES = (
    "atom.xml",
    "atom.xsl",
    "categories.opml",
    "categories/0857041f6b3d.xml",  # 新浪财经－国內
    "categories/179ead7f5470.xml",  # 工业经济
    "categories/1a19b5468c06.xml",  # 汽车
    "categories/5d85d5295f44.xml",  # 新浪财经
    "categories/976a7abba429.xml",  # 制造业
    "categories/98ffa761fbbe.xml",  # 中小企业
    "categories/99ab66e520f7.xml",  # 工信部
    "categories/a42315e416fa.xml",  # 金融
    "categories/c6b49a4f2bd4.xml",  # 新能源汽车
    "feed.json",
    "feeds.opml",
    "index.html",
    "rss.xml",
    # a page per article, named after its id or file (pinned: a moved page breaks links)
    "articles/000-27c21f8ea3a86f41-ca4181ff257a.html",
    "articles/003-fc8202fde1ad1ddd-3d15b41a26c5.html",
    "articles/010-5b2e9a1c7d3f4e60-9542ca17a904.html",
    "articles/011-9c41d7e2a8b35f06-a2002996267d.html",
    "articles/tag-finance-sina-com-cn-2023-miit-nev-ca-24dabd407c6a.html",  # its guid
    # a page per category, and its months
    "categories/0857041f6b3d.html",
    "categories/0857041f6b3d/2021-06.html",
    "categories/0857041f6b3d/2022-06.html",
    "categories/179ead7f5470.html",
    "categories/179ead7f5470/2023-04.html",
    "categories/1a19b5468c06.html",
    "categories/1a19b5468c06/2023-07.html",
    "categories/5d85d5295f44.html",
    "categories/5d85d5295f44/2021-06.html",
    "categories/5d85d5295f44/2022-06.html",
    "categories/5d85d5295f44/2023-06.html",
    "categories/976a7abba429.html",
    "categories/976a7abba429/2023-04.html",
    "categories/98ffa761fbbe.html",
    "categories/98ffa761fbbe/2023-06.html",
    "categories/99ab66e520f7.html",
    "categories/99ab66e520f7/2023-04.html",
    "categories/a42315e416fa.html",
    "categories/a42315e416fa/2021-06.html",
    "categories/a42315e416fa/2022-06.html",
    "categories/c6b49a4f2bd4.html",
    "categories/c6b49a4f2bd4/2023-07.html",
    # the archive
    "archive/index.html",
    "archive/2021-06.html",
    "archive/2022-06.html",
    "archive/2023-04.html",
    "archive/2023-06.html",
    "archive/2023-07.html",
)
#: The feeds among them.
FEED_FILES = tuple(name for name in GOLDEN_FILES if name.endswith((".xml", ".json")))


#: The precompressed copies a build writes beside each text file.
COPIES = (".gz", ".br")


def published_files(folder: Path) -> set[str]:
    """The files published in ``folder``, relative and '/'-separated, without their
    precompressed copies (tests/test_delivery.py checks those); hidden files count too: a
    build must leave none. Empty when the folder does not exist."""
    if not folder.exists():
        return set()
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and path.suffix not in COPIES
    }


def build_demo(output_dir: Path, cache_dir: Path | None = None) -> dict[str, bytes]:
    """Build ``examples/articles`` with the embedded defaults, as ``make demo`` does (its
    index in ``cache_dir``, else where a build keeps it)."""
    build(make_settings(EXAMPLES, output_dir=output_dir, cache_dir=cache_dir))
    return {name: (output_dir / name).read_bytes() for name in GOLDEN_FILES}


def main() -> None:
    """Rewrite the golden files from a fresh demo build."""
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, data in build_demo(Path(scratch) / "public", Path(scratch) / "cache").items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
            print(f"wrote tests/golden/{name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
