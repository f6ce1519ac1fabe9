"""A computation graph as DOT text: one box per Value, one oval per operation, a box per constant.

Only text: running a renderer is `autograd.draw.render`'s job.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autograd.draw.fonts import text_width
from autograd.draw.groups import Group, checked_hints, checked_inputs, place_in_groups
from autograd.engine import Value
from autograd.graph import as_roots, depths, topological_order, value_parents
from autograd.operations import OPERATIONS

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]  # the package ships no type information

# Digraph.subgraph() without a graph argument is a context manager, but is typed Optional upstream.
# pyright: reportOptionalContextManager=false

COLOURS = {
    "parameter or input": "#cfe2ff",
    "constant": "#e9e9e9",
    "intermediate": "#e2f0d9",
    "output": "#ffd8a8",
    "operation": "#ffffff",
}
"""Fill colour of each role, as shown in the legend."""

DIRECTIONS = ("LR", "TB")
"""How a drawing reads: left to right (inputs on the left) or top to bottom (inputs on top)."""

_FONT = "Helvetica"
_VALUE_SIZE = 11  # points: the text of a Value's box
SMALLEST_TEXT = 10
"""Points: the smallest text of a node (operations, constants, references); the page never lets
it render below a legible size (internal)."""
_LEGEND_SIZE = 9
_PADDING = 0.06  # inches left and right of the widest line of a box


def to_dot(
    root: Value | Sequence[Value],
    *,
    digits: int = 4,
    show_grad: bool = True,
    groups: Iterable[Group] = (),
    inputs: Sequence[Value] = (),
    legend: bool = True,
    hints: Iterable[tuple[Value, Value]] = (),
    direction: str = "LR",
) -> graphviz.Digraph:
    """The computation graph that produced `root`, as a `graphviz.Digraph` (DOT text: ``.source``).

    `root` is the output Value, or a list of outputs drawn together in one picture. `digits` is
    the number of significant digits shown for data and grad; `show_grad=False` leaves the grads
    out. `groups` draws boxes around Values (see `Group`). `inputs` are leaves, in no group, to
    line up in the given order in a column of their own at the far left (a model's input vector;
    a row at the top when drawn top to bottom). `hints` are pairs ``(before, after)`` of drawn
    Values that only steer the layout: `after` goes at least one column further on than `before`
    (an invisible edge). `direction` is "LR" (inputs on the left) or "TB" (inputs on top, which
    suits a narrow page). The same graph and options always give byte-identical DOT.

    Each box shows the `grad` the latest `backward()` left; when no backward pass has reached the
    graph (every grad is still 0.0), each shows ``grad —`` and a line under the drawing says so.
    A Value used by many operations far apart (see `SHARED_USES`) is drawn once, plus a small
    dashed box with its name beside each use, so that large graphs still lay out.

    To render it, use `to_svg` or `render_svg`: ``Digraph.render`` and ``Digraph.pipe`` of the
    graphviz package call a system ``dot``, which may not be installed.
    """
    outputs = as_roots(root, "to_dot")
    options = Options(digits, show_grad, groups, inputs, legend, hints, direction)
    return dot_graph(outputs, labelled_order(outputs), options)


@dataclass(frozen=True)
class Options:
    """The drawing options of `to_dot`, `to_svg` and `to_html` (internal), checked once here."""

    digits: int
    show_grad: bool
    groups: Iterable[Group]
    inputs: Sequence[Value]
    legend: bool
    hints: Iterable[tuple[Value, Value]]
    direction: str

    def __post_init__(self) -> None:
        digits = self.digits
        if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
            raise ValueError(f"digits must be a positive int, not {digits!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, not {self.direction!r}")


def labelled_order(outputs: tuple[Value, ...]) -> list[Value]:
    """The topological order of `outputs`, once each Value's label is known to be a str
    (internal: labels are drawn, and name the Values of a page)."""
    order = topological_order(outputs)
    for number, value in enumerate(order):
        if not isinstance(value.label, str):
            raise TypeError(
                f"a Value's label must be a str; Value number {number} in reading order "
                f"(data {value.data!r}) has the label {value.label!r}, a "
                f"{type(value.label).__name__}"
            )
    return order


NOT_COMPUTED = "—"
"""What a box shows for grad when no backward pass has reached the drawn graph (internal)."""

SHARED_USES = 3
"""A Value used by at least this many operations, ..."""

SHARED_SPREAD = 6
"""... whose depths (see `autograd.graph.depths`) lie at least this far apart, is drawn once,
where it is made, plus a small labelled reference beside each use. Drawn with edges, such a
Value (a weight reused at every step of an unrolled recurrence) would send a long edge to every
use, and a layered layout routes each long edge through a column of hidden nodes, one per rank
it crosses: an unrolled chain of 325 steps then took more than 600 s to lay out. Values used
close together (an MLP's inputs, feeding one layer) keep their edges."""


def shared_values(order: list[Value]) -> set[Value]:
    """The Values drawn once plus a reference beside each use (internal; see SHARED_USES)."""
    depth = depths(order)
    lowest: dict[Value, int] = {}
    highest: dict[Value, int] = {}
    uses: dict[Value, int] = {}
    for value in order:
        for parent in value_parents(value):
            uses[parent] = uses.get(parent, 0) + 1
            lowest[parent] = min(lowest.get(parent, depth[value]), depth[value])
            highest[parent] = max(highest.get(parent, depth[value]), depth[value])
    return {
        value
        for value, count in uses.items()
        if count >= SHARED_USES and highest[value] - lowest[value] >= SHARED_SPREAD
    }


def grads_computed(order: list[Value]) -> bool:
    """Whether a backward pass has reached the drawn graph: some Value's grad is not 0.0.

    Every grad starts at 0.0 and a backward pass sets its output's to the seed (1.0), so a graph
    whose grads are all 0.0 has not been through one (or got a gradient of 0.0, which reads the
    same either way) (internal)."""
    return any(isinstance(value.grad, Value) or value.grad != 0.0 for value in order)


def dot_graph(
    outputs: tuple[Value, ...],
    order: list[Value],
    options: Options,
    names: Callable[[Value], str] | None = None,
    grads: Callable[[Value], float] | None = None,
) -> graphviz.Digraph:
    """`to_dot` for checked outputs, their `labelled_order` and checked options (internal).

    `names` gives the name shown in a Value's box instead of its label (the page names unlabelled
    Values t1, t2, ... so that its steps can refer to them), and `grads` the gradient shown
    instead of its `grad` (the page shows those of its own backward pass). Without `grads`, a
    graph that no backward pass has reached shows `NOT_COMPUTED` for every grad, and says so.
    """
    import graphviz  # here, not at the top: `import autograd` should not load it

    number = {value: i for i, value in enumerate(order)}
    groups = tuple(options.groups)
    home = place_in_groups(groups, number)
    inputs = checked_inputs(options.inputs, number, home)
    hints = checked_hints(options.hints, number)

    graph = graphviz.Digraph("backproplab")
    graph.attr(rankdir=options.direction, fontname=_FONT, nodesep="0.15", ranksep="0.3")
    graph.attr("node", fontname=_FONT, fontsize=str(_VALUE_SIZE), penwidth="0.8")
    graph.attr("edge", fontname=_FONT, fontsize="9", arrowsize="0.6", color="#555555")

    is_output = set(outputs)
    name = names or (lambda value: value.label)
    computed = grads is not None or grads_computed(order)
    if grads is None:
        grads = _grad_of

    def draw_values(target: graphviz.Digraph, members: Iterable[Value]) -> None:
        for value in members:
            grad = grads(value) if options.show_grad and computed else None
            _draw_value(
                target, value, name(value), grad, number[value], value in is_output, options
            )

    # Graphviz keeps the order of declaration among equals, so inputs come first and in order.
    draw_values(graph, inputs)
    is_input = set(inputs)
    draw_values(graph, (value for value in order if value not in home and value not in is_input))
    clusters = itertools.count()

    def draw_group(target: graphviz.Digraph, group: Group) -> None:
        # Graphviz draws a subgraph as a box only when its name starts with "cluster".
        with target.subgraph(name=f"cluster_{next(clusters)}") as box:
            box.attr(
                label=f"<{_escape(group.label)}>",
                style="rounded",
                color="#8c8c8c",
                fontsize=str(_VALUE_SIZE),
                labeljust="l",
            )
            members = {value: None for value in group.values if home[value] is group}
            draw_values(box, sorted(members, key=number.__getitem__))
            for subgroup in group.subgroups:
                draw_group(box, subgroup)

    for group in groups:
        draw_group(graph, group)
    shared = shared_values(order)
    for value in order:
        _draw_edges(graph, value, number, shared, name)
    for before, after in hints:
        graph.edge(f"v{number[before]}", f"v{number[after]}", style="invis")
    if inputs:
        _line_up_inputs(graph, inputs, order, number, push_leaves=options.direction == "LR")
    if options.legend:
        _draw_legend(graph, [f"v{number[output]}" for output in outputs])
    if options.show_grad and not computed:
        graph.attr(
            label=f"grad {NOT_COMPUTED}: no backward() has reached this graph yet",
            labelloc="b",
            fontsize=str(_VALUE_SIZE),
        )
    return graph


def _grad_of(value: Value) -> float:
    return value.grad.data if isinstance(value.grad, Value) else value.grad


def _line_up_inputs(
    graph: graphviz.Digraph,
    inputs: tuple[Value, ...],
    order: list[Value],
    number: dict[Value, int],
    push_leaves: bool,
) -> None:
    """Put the inputs in one column (a row, top to bottom), in order; left to right, push the
    leaves used beside them (a neuron's weights) one column further on."""
    with graph.subgraph() as column:
        column.attr(rank="same")
        for value in inputs:
            column.node(f"v{number[value]}")
        # An invisible edge between neighbours keeps them in the given order, top to bottom.
        for upper, lower in itertools.pairwise(inputs):
            column.edge(f"v{number[upper]}", f"v{number[lower]}", style="invis")
    # Left alone, Graphviz would put a weight in the inputs' column, since both feed the same
    # product, and a layer's box drawn left to right would then stand above or below the inputs.
    # Invisible edges (they only steer the layout) push such leaves a rank to the right. Top to
    # bottom, the inputs are best in the weights' row, beside the layer's box: their edges into
    # it are then short and straight, where a longer edge would have to go round the box.
    if not push_leaves:
        return
    is_input = set(inputs)
    for value in order:
        operands = value_parents(value)
        for parent in operands:
            if parent in is_input:
                for other in operands:
                    if other.is_leaf and other not in is_input:
                        graph.edge(f"v{number[parent]}", f"v{number[other]}", style="invis")


def _role(value: Value, is_output: bool) -> str:
    if is_output:
        return "output"
    return "parameter or input" if value.is_leaf else "intermediate"


def _draw_value(
    graph: graphviz.Digraph,
    value: Value,
    name: str,
    grad: float | None,
    n: int,
    is_output: bool,
    options: Options,
) -> None:
    """A Value's box; `grad` None draws the NOT_COMPUTED mark (or no grad line at all when
    grads are not shown)."""
    role = _role(value, is_output)
    lines = [f"data {format_number(value.data, options.digits)}"]
    if options.show_grad:
        shown = NOT_COMPUTED if grad is None else format_number(grad, options.digits)
        lines.append(f"grad {shown}")
    widths = [text_width(line, _VALUE_SIZE) for line in lines]
    label = "<br/>".join(lines)
    if name:
        widths.extend(text_width(line, _VALUE_SIZE, bold=True) for line in visible_lines(name))
        label = f"<b>{_escape(name)}</b><br/>{label}"
    graph.node(
        f"v{n}",
        label=f"<{label}>",
        shape="box",
        style="rounded,filled",
        fillcolor=COLOURS[role],
        margin="0.16,0.05",
        width=_inches(max(widths) / 72 + 2 * _PADDING),
    )
    if value.is_leaf:
        return
    # An ellipse is widest at its middle, where its one line of text stands; a little more room
    # keeps the text clear of the curve above and below.
    graph.node(
        f"op{n}",
        label=value.op,
        shape="ellipse",
        style="filled",
        fillcolor=COLOURS["operation"],
        fontsize=str(SMALLEST_TEXT),
        width=_inches(max(0.3, 1.15 * text_width(value.op, SMALLEST_TEXT) / 72 + 0.08)),
        height="0.25",
        margin="0.04,0.02",
    )
    for position, parent in enumerate(value.parents):
        if not isinstance(parent, Value):
            text = format_number(parent, options.digits)
            graph.node(
                f"c{n}_{position}",
                label=text,
                shape="box",
                style="filled",
                fillcolor=COLOURS["constant"],
                fontsize=str(SMALLEST_TEXT),
                height="0.25",
                margin="0.06,0.02",
                width=_inches(text_width(text, SMALLEST_TEXT) / 72 + 2 * _PADDING),
            )


def _draw_edges(
    graph: graphviz.Digraph,
    value: Value,
    number: dict[Value, int],
    shared: set[Value],
    name: Callable[[Value], str],
) -> None:
    """The edges into `value`'s operation and out of it; a shared operand is drawn as a small
    reference box beside the operation (r{its number}_{this operation's number})."""
    n = number[value]
    if value.is_leaf:
        return
    # Operands that cannot be swapped: their edges say which is which.
    operand_names = OPERATIONS[value.op].operand_names
    for position, parent in enumerate(value.parents):
        if not isinstance(parent, Value):
            source = f"c{n}_{position}"
        elif parent in shared:
            source = f"r{number[parent]}_{n}_{position}"
            text = name(parent) or f"Value {number[parent]}"
            graph.node(
                source,
                label=f"<{_escape(text)}>",
                shape="box",
                style="rounded,filled,dashed",
                fillcolor=COLOURS[_role(parent, False)],
                fontsize=str(SMALLEST_TEXT),
                height="0.25",
                margin="0.06,0.02",
                width=_inches(
                    max(text_width(line, SMALLEST_TEXT) for line in visible_lines(text)) / 72
                    + 2 * _PADDING
                ),
            )
        else:
            source = f"v{number[parent]}"
        graph.edge(source, f"op{n}", label=operand_names[position] if operand_names else None)
    graph.edge(f"op{n}", f"v{n}")


def _draw_legend(graph: graphviz.Digraph, outputs: list[str]) -> None:
    # A small column of colour swatches, each followed by its role. Invisible edges from the
    # outputs put it after the last column, out of the way of every edge of the graph.
    rows = "".join(
        f'<tr><td bgcolor="{colour}" border="1" width="10" height="10"></td>'
        f'<td align="left" width="{text_width(role, _LEGEND_SIZE, centred=False) + 2:.0f}">'
        f"{role}</td></tr>"
        for role, colour in COLOURS.items()
    )
    with graph.subgraph(name="cluster_legend") as box:
        box.attr(label="legend", style="rounded", color="#bbbbbb", fontsize=str(_LEGEND_SIZE))
        box.node(
            "legend",
            label=f'<<table border="0" cellspacing="2" cellpadding="1">{rows}</table>>',
            shape="plain",
            fontsize=str(_LEGEND_SIZE),
        )
    for output in outputs:
        graph.edge(output, "legend", style="invis")


def format_number(x: float, digits: int) -> str:
    """`x` with `digits` significant digits, as every drawing shows numbers (internal)."""
    return format(x, f".{digits}g")


def _inches(x: float) -> str:
    return f"{x:.2f}"


def visible_lines(text: str) -> list[str]:
    """The lines of `text` as they are shown (internal): characters that Python's repr would escape
    (control and format characters, lone surrogates, tabs...) as those escapes, since they have
    no picture and some are not allowed in SVG at all."""
    return [
        "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in line)
        for line in text.split("\n")
    ]


def _escape(text: str) -> str:
    """Text for an HTML-like Graphviz label that shows `text` as it is, markup and all. Graphviz
    expands backslash sequences such as ``\\N`` (the node's name) even in HTML-like labels, so
    backslashes are doubled."""
    lines = (html.escape(line, quote=True).replace("\\", "\\\\") for line in visible_lines(text))
    return "<br/>".join(lines)


def count_nodes(root: Value | Sequence[Value]) -> int:
    """How many nodes `to_dot` draws for `root`: its Values, operations and constants."""
    return node_count(topological_order(as_roots(root, "count_nodes")))


def node_count(order: list[Value]) -> int:
    """`count_nodes` for a topological order already made (internal)."""
    count = 0
    for value in order:
        count += 1
        if value.parents:
            count += 1 + sum(1 for parent in value.parents if not isinstance(parent, Value))
    return count
