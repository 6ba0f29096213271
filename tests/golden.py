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
#: Output files of the demo build that are pinned byte for byte.
GOLDEN_FILES = ("atom.xml",)


def build_demo(output_dir: Path) -> dict[str, bytes]:
    """Build ``examples/articles`` with the embedded defaults, as ``make demo`` does."""
    build(make_settings(EXAMPLES, output_dir=output_dir))
    return {name: (output_dir / name).read_bytes() for name in GOLDEN_FILES}


def main() -> None:
    """Rewrite the golden files from a fresh demo build."""
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        for name, data in build_demo(Path(scratch)).items():
            (GOLDEN / name).write_bytes(data)
            print(f"wrote tests/golden/{name} ({len(data):,} bytes)")


if __name__ == "__main__":
    main()
