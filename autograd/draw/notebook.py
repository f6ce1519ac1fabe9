"""How a Value shows itself in a notebook (`Value._repr_mimebundle_` asks here, so that the engine
never imports the drawing layer), and the summary that stands in for a drawing too large to show
inline (`nn`'s models use it too).

One representation is made per display: the stepping page in a frame of its own (which holds the
drawing), or the SVG drawing alone when the notebook asks for that only. A graph of more than
`NOTEBOOK_NODES` nodes gets a short summary instead, which says how to open the full page.
"""

from __future__ import annotations

import html
import warnings
from collections import Counter
from collections.abc import Callable, Container, Sequence

from autograd.draw.dot import format_number, grads_computed, labelled_order, node_count
from autograd.draw.page import in_frame, to_html
from autograd.draw.render import GraphTooLargeError, RenderError, to_svg
from autograd.engine import Value

NOTEBOOK_NODES = 75
"""The largest graph (Values, operations and constants) a notebook draws inline.

Measured with ``python benchmarks/bench_draw.py --notebook`` (IPython's DisplayFormatter): the
article's one-sample loss (48 nodes) displays in 0.06 s as 196 KB; a 2-4-1 model's loss (88
nodes) took 0.15 s and 337 KB, past the 300 KB a notebook cell should hold, and a 2-16-16-1
model's loss (1,656 nodes) 3 s and 2.9 MB. Above the limit, the summary takes a millisecond and
1 KB."""


def mimebundle(
    value: Value, include: Container[str] | None = None, exclude: Container[str] | None = None
) -> dict[str, str] | None:
    """What Jupyter shows for `value`, by MIME type: one drawing (or a summary) and the text
    repr. None (the text repr alone) with a warning saying why when it cannot draw (no renderer,
    a renderer failure)."""
    wanted = _wanted(include, exclude)
    bundle = {"text/plain": repr(value)}
    order = labelled_order((value,))
    nodes = node_count(order)
    if nodes > NOTEBOOK_NODES:
        if "text/html" in wanted:
            bundle["text/html"] = value_summary(value, order, nodes)
        return bundle
    if "text/html" in wanted:
        page = _drawn(lambda: in_frame(to_html(value)))
        if page is None:
            return None
        bundle["text/html"] = page
    elif "image/svg+xml" in wanted:
        svg = _drawn(lambda: to_svg(value))
        if svg is None:
            return None
        bundle["image/svg+xml"] = svg
    return bundle


def _wanted(include: Container[str] | None, exclude: Container[str] | None) -> list[str]:
    """The MIME types to make, best first, as the notebook's include and exclude allow."""
    return [
        kind
        for kind in ("text/html", "image/svg+xml")
        if (include is None or kind in include) and (exclude is None or kind not in exclude)
    ]


def value_summary(value: Value, order: list[Value], nodes: int) -> str:
    """A few lines about a graph too large to draw inline: its counts, its output, and how to see
    it whole (internal)."""
    operations = Counter(member.op for member in order if not member.is_leaf)
    leaves = sum(1 for member in order if member.is_leaf)
    constants = nodes - len(order) - sum(operations.values())
    name = value.label or "this Value"
    if grads_computed(order):
        grad = value.grad.data if isinstance(value.grad, Value) else value.grad
        gradient = f"grad {format_number(grad, 4)}"
    else:
        gradient = "no backward() has reached it yet"
    kinds = ", ".join(f"{op}: {count}" for op, count in operations.most_common())
    return summary(
        f"{name} = {format_number(value.data, 4)}",
        [
            ("output", f"data {format_number(value.data, 4)}, {gradient}"),
            (
                "graph",
                f"{len(order)} Values ({leaves} leaves, {len(order) - leaves} computed) and "
                f"{constants} constants: {nodes} nodes, more than the {NOTEBOOK_NODES} drawn "
                "inline",
            ),
            ("operations", kinds or "none"),
        ],
        [
            'autograd.to_html(value, "graph.html")  # the page that steps through it; '
            "open the file in a browser",
            "autograd.explain(value, leaf)  # one Value's chain rule, as text",
        ],
    )


def summary(title: str, rows: Sequence[tuple[str, str]], code: Sequence[str]) -> str:
    """A notebook's summary of something too large to draw inline: a title, rows of facts, and
    lines of code that show it whole (internal: nn's models use it too). Everything is escaped."""
    cells = "".join(
        f'<tr><th style="text-align: left; padding-right: 12px">{html.escape(label)}</th>'
        f'<td style="text-align: left">{html.escape(text)}</td></tr>'
        for label, text in rows
    )
    lines = html.escape("\n".join(code))
    return (
        '<div style="font: 14px/1.4 sans-serif; max-width: 60em">'
        f"<p><b>{html.escape(title)}</b></p><table>{cells}</table>"
        f"<p>Too large to draw here. To see it whole:</p><pre>{lines}</pre></div>"
    )


def _drawn(draw: Callable[[], str]) -> str | None:
    try:
        return draw()
    except (RenderError, GraphTooLargeError) as error:
        warnings.warn(f"cannot draw this Value: {error}", RuntimeWarning, stacklevel=4)
        return None
