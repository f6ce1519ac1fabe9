"""The documentation's examples: the README and the docs/ pages that carry code, in reading order.

tests/test_docs.py runs every Python example, tests/test_types.py type-checks them, and other
tests check what an example's comments promise, finding it by a name it uses (`block_with`).
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "README.md",
    "docs/guide.md",
    "docs/compiler.md",
    "docs/coming-from-micrograd-or-pytorch.md",
)


def blocks(language: str) -> list[str]:
    """Every fenced block of `language` (python, text, bash) on the pages, in order."""
    found = []
    for page in PAGES:
        text = (ROOT / page).read_text(encoding="utf-8")
        found += re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)
    return found


def block_with(marker: str) -> str:
    """The one Python example that contains `marker`."""
    (block,) = [block for block in blocks("python") if marker in block]
    return block
