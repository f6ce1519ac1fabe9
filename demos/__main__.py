"""``python -m demos``: list the demos, each with its command and one line on what it shows.

The line is the first line of the demo's own docstring, read from its source file without
importing it (importing a demo loads numpy and the library: a list should print at once).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from pathlib import Path

from demos._cli import run

# In the order a newcomer meets them: the article, then its two trainings, then further lessons.
DEMOS = ("article", "manual_vs_auto", "check_derivation", "moons", "spirals", "modes")


def summary(name: str) -> str:
    """The first line of demos/<name>.py's docstring."""
    source = (Path(__file__).parent / f"{name}.py").read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source)) or ""
    return docstring.splitlines()[0] if docstring else ""


def main(argv: Sequence[str] | None = None) -> int:
    """Print the list; return the exit code (0, or 1 when the reader stops early, as `| head`)."""
    return run(lambda _: list_demos(), argv)


def list_demos() -> None:
    print("The demos (each takes --help):")
    for name in DEMOS:
        print()
        print(f"  python -m demos.{name}")
        print(f"      {summary(name)}")
    print()
    print("Pictures of manual_vs_auto, moons and spirals need matplotlib, the demos extra:")
    print('  python -m pip install -e ".[demos]"')


if __name__ == "__main__":
    raise SystemExit(main())
