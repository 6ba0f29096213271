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
)


def published_files(folder: Path) -> set[str]:
    """The files a reader could fetch from ``folder``: all but the build's own hidden files
    (its lock and cache), relative and '/'-separated; empty when the folder does not exist."""
    if not folder.exists():
        return set()
    return {
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }


def build_demo(output_dir: Path) -> dict[str, bytes]:
    """Build ``examples/articles`` with the embedded defaults, as ``make demo`` does."""
    build(make_settings(EXAMPLES, output_dir=output_dir))
    return {name: (output_dir / name).read_bytes() for name in GOLDEN_FILES}


def main() -> None:
    """Rewrite the golden files from a fresh demo build."""
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, data in build_demo(Path(scratch)).items():
            (GOLDEN / name).parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / name).write_bytes(data)
            print(f"wrote tests/golden/{name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
