"""A self-contained HTML page that steps through the forward and the backward pass of a graph.

    >>> from autograd import Value, to_html
    >>> w = Value(1.0, label="w1")
    >>> x = Value(-2.0, label="x1")
    >>> h = (w * x).sigmoid(); h.label = "h1"
    >>> page = to_html(h)  # to_html(h, "neuron.html") also writes it to a file
    >>> "h1 = sigmoid(t1) = sigmoid(-2) = 0.1192" in page
    True

Open the file in a browser (no server, no network): the graph is drawn as in `to_svg`, and the
keyboard or the buttons step through it. Forward steps compute the Values in the order they were
computed; backward steps follow the engine's backward walk (`autograd.backprop.reverse_edges`),
each giving the operation's local derivative and the gradient so far, so a Value used twice is
seen receiving both contributions. Clicking a Value shows its chain-rule path(s) to the output
with their numbers. ``#step=N`` in the address opens the page at step N, ``#node=NAME`` selects a
Value.

Every number and every count on the page is computed here, in Python: the data of each Value (as
the engine computed it), each local derivative and its formula (the registry's partials, run on
numbers and on stand-ins that write them out), and the gradients, summed along the engine's own
walk exactly as `backward()` sums them, but without calling any hook and without touching any
`grad`. They are written into the page as JSON; its script only shows them.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import json
import math
import os
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from autograd.backprop import reverse_edges
from autograd.compile.expr import Expr, as_expr
from autograd.draw.dot import (
    DIRECTIONS,
    SMALLEST_TEXT,
    Options,
    dot_graph,
    format_number,
    node_count,
    visible_lines,
)
from autograd.draw.files import write_atomically
from autograd.draw.render import DEFAULT_TIMEOUT, MAX_NODES, check_limits, dot_to_svg, order_within
from autograd.engine import Value
from autograd.graph import as_roots, depths, value_parents
from autograd.operations import OPERATIONS

if TYPE_CHECKING:
    from autograd.draw.groups import Group

MAX_PATHS = 3
"""Chain-rule paths written out per Value; the page says how many more there are. (In a deep
network their number grows exponentially, and the page's size with it.)"""

LARGE_GRAPH = 500
"""Above this many Values, one path is written out per Value: the paths are most of a page's
size, and a large page should still open within a couple of seconds."""

MAX_ROUTE = 14
"""Values named along one path, and factors written out, before the middle is left out."""

MAX_NAME = 40
"""Characters of a label shown on a page; a longer label is cut, with "…" (a name appears in
many of the page's texts, so 151 labels of 10,000 characters made a page of 88 MB)."""

BOTH_DIRECTIONS = 600
"""Up to this many nodes, ``direction="auto"`` draws the graph both left to right and top to
bottom, and the page keeps the one that shows larger in the reader's window; above it, one
drawing, in the direction that suits the graph's shape (rendering twice would double the wait)."""


def to_html(
    root: Value | Sequence[Value],
    path: str | os.PathLike[str] | None = None,
    *,
    digits: int = 4,
    groups: Iterable[Group] = (),
    inputs: Sequence[Value] = (),
    legend: bool = True,
    hints: Iterable[tuple[Value, Value]] = (),
    direction: str = "auto",
    max_nodes: int = MAX_NODES,
    timeout: float = DEFAULT_TIMEOUT,
    title: str = "",
) -> str:
    """A self-contained HTML page to step through the forward and backward pass of `root`.

    Also written to `path` when one is given (all at once: a temporary file renamed over it; a
    FIFO or a device is refused). The drawing options, the size limit and the errors are those
    of `to_svg`, but `direction` may also be "auto" (the default): the page reads left to right
    or top to bottom, whichever suits the graph and the window. `title` heads the page. The page
    needs no server and makes no network request: its drawing, script and style are all inside
    it. Backward steps are shown for one output (a list of several outputs gives forward steps
    only).

    The page's gradients are its own backward pass, the engine's walk and rules run on the
    Values' data: drawing changes no `grad` and calls no hook (`register_hook`), so the page
    shows the gradients `backward()` computes without hooks, whether it has run or not.
    """
    outputs = as_roots(root, "to_html")
    concrete = "LR" if direction == "auto" else direction
    options = Options(digits, True, groups, inputs, legend, hints, concrete)
    check_limits(max_nodes, timeout)
    if not isinstance(title, str):
        raise TypeError(f"title must be a str, not {type(title).__name__}")
    order = order_within(outputs, max_nodes)
    story = Story(outputs, order, digits)
    if not title:
        title = "Backpropagation through " + ", ".join(story.name[output] for output in outputs)
    data = story.data(title)  # also the page's gradients, drawn in its boxes
    if direction == "auto":
        nodes = node_count(order)
        directions = list(DIRECTIONS) if nodes <= BOTH_DIRECTIONS else [shaped_direction(order)]
    else:
        directions = [direction]
    grads = story.gradient.__getitem__ if story.root is not None else None
    drawings = []
    for chosen in directions:
        graph = dot_graph(
            outputs,
            order,
            dataclasses.replace(options, direction=chosen),
            names=story.name.__getitem__,
            grads=grads,
        )
        drawings.append((chosen, dot_to_svg(graph.source, timeout)))
    page = _page(drawings, data)
    if path is not None:
        write_atomically(path, page)
    return page


def shaped_direction(order: list[Value]) -> str:
    """ "TB" for a graph much deeper than wide (a long chain), else "LR" (internal).

    A left-to-right drawing is about as wide as the graph is deep, and a window is wider than
    tall, so a graph reads left to right unless its depth is more than about three times its
    width; reading a long chain down a page is then easier than across a strip."""
    depth = depths(order)
    per_depth: dict[int, int] = {}
    for value in order:
        per_depth[depth[value]] = per_depth.get(depth[value], 0) + 1
    deepest = max(depth.values(), default=0)
    widest = max(per_depth.values(), default=1)
    return "TB" if deepest > 3 * widest else "LR"


def in_frame(page: str) -> str:
    """`page` inside an ``<iframe>``, for a notebook (internal: notebook displays use it).

    A notebook puts HTML output into its own document; in a frame of its own the page's script,
    style and element ids cannot clash with the notebook's or with another page's.
    """
    return (
        f'<iframe srcdoc="{html.escape(page, quote=True)}" sandbox="allow-scripts" '
        f'style="width: 100%; height: 640px; border: 1px solid #ddd; resize: vertical">'
        "</iframe>"
    )


# A step of a route being explored: a Value, and the step it was reached from.
_Link = tuple[Value, "_Link | None"]


class Story:
    """Everything the page shows, computed once, in Python, by the engine's walk and rules
    (internal: `explain` tells the same story in a terminal)."""

    def __init__(self, outputs: tuple[Value, ...], order: list[Value], digits: int) -> None:
        self.digits = digits
        self.order = order
        self.name = _names(self.order)
        self.id = {value: f"v{i}" for i, value in enumerate(self.order)}
        self.root = outputs[0] if len(outputs) == 1 else None
        self.gradient: dict[Value, float] = {}
        # Each operation's local derivative for each operand position, d node / d operand, from
        # the registry's partials (filled in by the backward walk).
        self.local: dict[tuple[Value, int], float] = {}
        # The operations each Value feeds, each once, in reading order.
        users: dict[Value, dict[Value, None]] = {value: {} for value in order}
        for node in order:
            for parent in value_parents(node):
                users[parent][node] = None
        self.users = {value: list(found) for value, found in users.items()}
        self.path_count = {value: 0 for value in order}  # paths from each Value to the output
        self.finished_at: dict[Value, int] = {}  # the step after which a gradient is complete
        self.computed_at: dict[Value, int] = {}
        if self.root is not None:
            self.path_count[self.root] = 1
            for node in reversed(order):  # Python ints: no overflow, however many paths
                self.path_count[node] += sum(self.path_count[user] for user in self.users[node])

    def show(self, x: float) -> str:
        return format_number(x, self.digits)

    def shown_operand(self, operand: Value | float) -> str:
        return self.name[operand] if isinstance(operand, Value) else self.show(operand)

    # ------------------------------------------------------------------ the page's data
    def data(self, title: str) -> dict[str, object]:
        forward = [self._forward_step(value) for value in self.order if not value.is_leaf]
        for number, value in enumerate((v for v in self.order if not v.is_leaf), start=1):
            self.computed_at[value] = number
        root = self.root
        backward = self.backward_steps(root, first=1 + len(forward)) if root is not None else []
        nodes = []
        for value in self.order:
            node: dict[str, object] = {
                "id": self.id[value],
                "name": self.name[value],
                "leaf": value.is_leaf,
                "shownData": self.show(value.data),
                "computedAt": str(self.computed_at.get(value, 0)),
                "formula": self._formula(value),
            }
            if root is not None:
                node["grad"] = repr(self.gradient[value])
                node["shownGrad"] = self.show(self.gradient[value])
                node["finishedAt"] = self.finished_at[value]
                node["paths"] = self.paths(value, root)
            nodes.append(node)
        start = {
            "kind": "start",
            "node": None,
            "text": (
                "The inputs and parameters are given; nothing is computed yet. "
                f"{len(forward)} forward steps compute every Value"
                + (
                    f", then {len(backward)} backward steps find the gradient of {self.name[root]}."
                    if root is not None
                    else "; with several outputs, there is no backward pass to show."
                )
            ),
        }
        return {
            "title": title,
            "rootName": self.name[root] if root is not None else None,
            "smallestText": SMALLEST_TEXT,
            "nodes": nodes,
            "steps": [start, *forward, *backward],
        }

    def _formula(self, value: Value) -> str:
        """How `value` was computed, in names: ``h1 = sigmoid(t4)``, ``t1 = w1 * x1``."""
        if value.is_leaf:
            return ""
        operands = [self.shown_operand(p) for p in value.parents]
        return f"{self.name[value]} = {OPERATIONS[value.op].written(*operands)}"

    def _forward_step(self, value: Value) -> dict[str, object]:
        numbers = [self.show(p.data if isinstance(p, Value) else p) for p in value.parents]
        written = OPERATIONS[value.op].written(*numbers)
        text = f"{self._formula(value)} = {written} = {self.show(value.data)}"
        return {
            "kind": "forward",
            "node": self.id[value],
            "text": text,
            "uses": [self.id[p] for p in value_parents(value)],
            "shownData": self.show(value.data),
        }

    def backward_steps(self, root: Value, first: int) -> list[dict[str, object]]:
        """The engine's backward, step by step, the first numbered `first`: the engine's walk
        (`reverse_edges`), each operation handing each Value operand its gradient times the local
        derivative (the registry's partial). The sums are the page's gradients (`self.gradient`):
        computed here, so that no hook runs and no `grad` changes."""
        out = self.name[root]
        so_far: dict[Value, float] = {root: 1.0}
        self.finished_at[root] = first
        steps: list[dict[str, object]] = [
            {
                "kind": "seed",
                "node": self.id[root],
                "text": (
                    f"d{out}/d{out} = 1: backward starts at the output. Each step hands an "
                    f"operation's inputs d{out}/d(its result) times ∂(result)/∂(input), the local "
                    "derivative of that one operation, and adds it to what they have so far."
                ),
                "grads": {self.id[root]: self.show(1.0)},
                "targets": [],
            }
        ]
        for node, edges in itertools.groupby(reverse_edges(root), key=lambda edge: edge[0]):
            upstream = so_far[node]
            name = self.name[node]
            lines = []
            grads: dict[str, str] = {}
            targets = []
            rules = self._rules(node)
            operands = [p.data if isinstance(p, Value) else p for p in node.parents]
            partials = OPERATIONS[node.op].partials
            for _, position, parent in edges:
                local = float(partials[position](1.0, node.data, *operands))
                self.local[node, position] = local
                target = self.name[parent]
                partial = f"∂{name}/∂{target}"
                chain = f"d{out}/d{name} · {partial}"
                product = f"{self.show(upstream)} · {self.show(local)}"
                total = float(partials[position](upstream, node.data, *operands))  # the engine's
                earlier = so_far.get(parent)
                if earlier is not None:
                    total += earlier
                    chain = f"{self.show(earlier)} (so far) + {chain}"
                    product = f"{self.show(earlier)} + {product}"
                local_text = f"{partial} = {rules[position]}"
                if rules[position] != self.show(local):  # "∂t9/∂t8 = 1 = 1" would say nothing
                    local_text += f" = {self.show(local)}"
                line = f"{local_text}\nd{out}/d{target} = {chain} = {product} = {self.show(total)}"
                if earlier is not None:
                    line += f"\n{target} is used more than once: its contributions add up."
                so_far[parent] = total
                self.finished_at[parent] = first + len(steps)
                lines.append(line)
                grads[self.id[parent]] = self.show(total)
                targets.append(self.id[parent])
            steps.append(
                {
                    "kind": "backward",
                    "node": self.id[node],
                    "text": f"Through {self._formula(node)}:\n" + "\n".join(lines),
                    "grads": grads,
                    "targets": targets,
                }
            )
        self.gradient = {value: so_far.get(value, 0.0) for value in self.order}
        return steps

    def _rules(self, node: Value) -> list[str]:
        """The local derivative for each operand of `node`, as a formula in the page's names:
        the registry's partials run on stand-ins that write what they compute (``h1 * (1 - h1)``
        for a sigmoid), so an operation of the user's own reads like a built-in one."""
        operation = OPERATIONS[node.op]
        stand_ins = [
            Expr.name(self.name[p]) if isinstance(p, Value) else Expr.name(self.show(p))
            for p in node.parents
        ]
        rules = []
        for partial in operation.partials:
            try:
                text = as_expr(partial(1.0, Expr.name(self.name[node]), *stand_ins)).text
            except Exception:  # a rule that cannot run on stand-ins: name it instead
                text = f"the local derivative of {operation.name}"
            # The page writes numbers as the boxes show them: 1, not 1.0.
            rules.append(re.sub(r"(?<![\w.])(\d+)\.0(?![\d.eE])", r"\1", text))
        return rules

    # ------------------------------------------------------------------ chain-rule paths
    def paths(self, start: Value, root: Value) -> dict[str, object]:
        """The paths from `start` to the output, written as the article writes its chain rule:
        ``dL/dw1 = dL/do1 · do1/dh1 · dh1/dw1``.

        A path's factors are the derivatives between the labelled Values it passes (the names a
        reader gave), each the product of the engine's local derivatives along its stretch. A
        Value that enters one operation twice (``t * t``) takes one path through it, whose local
        derivative is the sum of both (2t).
        """
        out = self.name[root]
        symbol = f"d{out}/d{self.name[start]}"
        written = []
        for route in self._routes(start, root):
            factors = self._factors(start, route, root, named_only=True)
            if len(factors) == 1 and len(route) > 1:
                # No labelled Value on the way: dL/dw1 = dL/dw1 would say nothing, so each
                # step is a factor, named t1, t2, ... as on the drawing.
                factors = self._factors(start, route, root, named_only=False)
            factors.reverse()  # from the output down, as the article writes them
            product = math.prod(factor for _, _, factor in factors)
            names = _shortened([self.name[start], *(self.name[node] for node in route)])
            if not factors:  # start is the output itself
                symbols, numbers = f"{symbol} = 1: the output itself", ""
            elif len(factors) == 1:  # one operation: its local derivative
                upper, below, factor = factors[0]
                symbols, numbers = f"{symbol} = ∂{upper}/∂{below}", self.show(factor)
            else:
                symbols = (
                    symbol
                    + " = "
                    + " · ".join(_shortened([f"d{upper}/d{below}" for upper, below, _ in factors]))
                )
                numbers = " · ".join(_shortened([self.show(f) for _, _, f in factors]))
            written.append(
                {
                    "symbols": symbols,
                    "numbers": numbers,
                    "value": self.show(product),
                    "route": " → ".join(names),
                }
            )
        count = self.path_count[start]
        return {
            "count": str(count),
            "more": str(count - len(written)),  # Python ints: exact, however many paths
            "symbol": symbol,
            "paths": written,
            "total": repr(self.gradient[start]),
        }

    def _factors(
        self, start: Value, route: list[Value], root: Value, named_only: bool
    ) -> list[tuple[str, str, float]]:
        """The chain rule's factors along `route`, lowest first: (upper name, lower name, value),
        one per stretch between labelled Values (or per step, unless `named_only`)."""
        factors = []
        lower, value = start, 1.0
        for below, node in itertools.pairwise([start, *route]):
            value *= self._hop(node, below)
            if node is root or node.label or not named_only:
                factors.append((self.name[node], self.name[lower], value))
                lower, value = node, 1.0
        return factors

    def _hop(self, node: Value, operand: Value) -> float:
        """d node / d operand: the backward walk's local derivatives, summed over each place
        `operand` takes among node's operands."""
        return sum(
            self.local[node, position]
            for position, parent in enumerate(node.parents)
            if parent is operand
        )

    def _routes(self, start: Value, root: Value) -> list[list[Value]]:
        """Up to MAX_PATHS routes from `start` to the output (one in a large graph): the Values
        after `start`, in order.

        Depth first; each stack entry links back to the one it came from, so that a route is
        only spelled out once it reaches the output.
        """
        routes: list[list[Value]] = []
        stack: list[_Link] = [(start, None)]
        wanted = MAX_PATHS if len(self.order) <= LARGE_GRAPH else 1
        while stack and len(routes) < wanted:
            link = stack.pop()
            node = link[0]
            if node is root:
                route = []
                walk: _Link | None = link
                while walk is not None and walk[0] is not start:
                    route.append(walk[0])
                    walk = walk[1]
                routes.append(route[::-1])
                continue
            for user in reversed(self.users[node]):
                stack.append((user, link))
        return routes


def _shortened(items: list[str]) -> list[str]:
    """`items`, or its first and last few with the number left out between them."""
    if len(items) <= MAX_ROUTE:
        return items
    keep = MAX_ROUTE // 2
    return [*items[:keep], f"({len(items) - 2 * keep} more)", *items[-keep:]]


def _names(order: list[Value]) -> dict[Value, str]:
    """Each Value's name on the page: its label (as drawn), else t1, t2, ... in reading order,
    skipping names that a label already uses."""
    taken = {value.label for value in order}
    names = {}
    counter = 0
    for value in order:
        if value.label:
            name = " ".join(visible_lines(value.label))
            names[value] = name if len(name) <= MAX_NAME else name[: MAX_NAME - 1] + "…"
            continue
        counter += 1
        while f"t{counter}" in taken:
            counter += 1
        names[value] = f"t{counter}"
    return names


def _page(drawings: list[tuple[str, str]], data: dict[str, object]) -> str:
    """The page: the SVG drawings (direction, SVG text; the script keeps one), the data as JSON,
    the script and the style, all inline."""
    from importlib import resources

    svg = "".join(
        # No XML declaration or DOCTYPE inside HTML. Without the script, the first one shows.
        f'<div class="drawing" data-direction="{direction}"{" hidden" if i else ""}>\n'
        f"{text[text.index('<svg') :]}</div>\n"
        for i, (direction, text) in enumerate(drawings)
    )
    # Inside <script>, "</" or "<!--" could end or confuse the element: JSON spells "<" another
    # way. Numbers are written as Python's repr, in strings, so NaN and inf are no trouble.
    payload = json.dumps(data, ensure_ascii=False, allow_nan=False).replace("<", "\\u003c")
    folder = resources.files("autograd.draw")
    script = folder.joinpath("page.js").read_text(encoding="utf-8")
    style = folder.joinpath("page.css").read_text(encoding="utf-8")
    # page.html: the page around them. Its Content-Security-Policy allows only what the page
    # itself holds, so no request can leave it.
    template = folder.joinpath("page.html").read_text(encoding="utf-8")
    title = html.escape(str(data["title"]))
    return template.format(title=title, style=style, svg=svg, data=payload, script=script)
