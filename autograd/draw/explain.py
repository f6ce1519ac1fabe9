"""The chain rule for one Value, in a terminal: what the stepping page shows when it is clicked.

>>> from autograd import Value, explain
>>> w = Value(0.5, label="w")
>>> x = Value(3.0, label="x")
>>> y = w * x; y.label = "y"
>>> loss = y * y; loss.label = "L"
>>> explain(loss, w)  # dL/dw = 2y · x = 2 · 1.5 · 3
dL/dw = dL/dy · dy/dw = 3 · 3 = 9.0
  along w → y → L
"""

from __future__ import annotations

from autograd.draw.dot import labelled_order
from autograd.draw.page import Story
from autograd.engine import Value


class Explanation(str):
    """The text of `explain`; a REPL prints it as it reads, line by line."""

    def __repr__(self) -> str:
        return str(self)


def explain(root: Value, value: Value, *, digits: int = 4) -> Explanation:
    """The chain-rule paths from `value` to `root`, with their numbers, as `to_html`'s page shows
    them when `value` is clicked.

    Each path is written as the article writes it, ``dL/dw1 = dL/do1 · do1/dh1 · dh1/dw1 =
    -0.9526 · 0.2494 · -0.09035 = 0.02146953526581111``: the factors are the derivatives between
    the labelled Values along the path, and the last number is d root / d value exactly. With
    several paths (a Value used more than once), each is written with its product, then their
    sum. The numbers are those of the engine's backward walk from `root`; no `grad` changes and
    no hook runs. `digits` is the significant digits of the factors.
    """
    if not isinstance(root, Value) or not isinstance(value, Value):
        culprit = value if isinstance(root, Value) else root
        raise TypeError(f"explain takes two Values, not a {type(culprit).__name__}")
    order = labelled_order((root,))
    if not any(member is value for member in order):
        raise ValueError(
            f"{value!r} is not part of the graph of {root!r}: root does not depend on it"
        )
    story = Story((root,), order, digits)
    story.backward_steps(root, first=0)
    found = story.paths(value, root)
    paths = found["paths"]
    assert isinstance(paths, list)  # Story.paths writes a list of paths
    count, total = str(found["count"]), str(found["total"])
    lines = []
    for number, path in enumerate(paths, start=1):
        result = total if count == "1" else path["value"]
        text = path["symbols"] if count == "1" else f"path {number}: {path['symbols']}"
        if path["numbers"]:
            text += f" = {path['numbers']}"
            if path["numbers"] != result:
                text += f" = {result}"
        lines += [text, f"  along {path['route']}"]
    if count != "1":
        more = "" if found["more"] == "0" else f" ({found['more']} more not shown)"
        lines.append(f"sum over all {count} paths{more}: {found['symbol']} = {total}")
    return Explanation("\n".join(lines))
