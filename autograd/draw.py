"""Drawing a computation graph: DOT text with `to_dot`, an SVG picture with `to_svg`.

    >>> from autograd import Value, to_svg
    >>> w = Value(1.0, label="w1")
    >>> x = Value(-2.0, label="x1")
    >>> h = (w * x).sigmoid()
    >>> h.backward()
    >>> svg = to_svg(h)  # the SVG text; to_svg(h, "neuron.svg") also writes it to a file
    >>> "w1" in svg and "0.1192" in svg  # the label, and the data of sigmoid(-2)
    True

The drawing reads left to right: one box per Value (its label, data and grad), one small oval per
operation, and a box per constant. Colours tell each Value's role, and a legend explains them:

* parameter or input: a leaf, a Value you created;
* constant: a plain number in an expression (the 3 in ``3 * x``);
* intermediate: a Value an operation produced on the way;
* output: the Value the drawing starts from (or each of several).

Rendering needs no system package: the DOT text goes to the command of the ``graphviz-pure``
package (a self-contained port of Graphviz's ``dot``, installed with this project), else to a
system ``dot``; the environment variable ``BACKPROPLAB_DOT`` names any other renderer command.

Node names are numbered in reading order (depth first, parents in argument order), so the same
graph always gives the same DOT text.
Labels are escaped: whatever a label holds is shown as text and never read as DOT or SVG markup.
"""

from __future__ import annotations

import contextlib
import html
import itertools
import os
import shutil
import subprocess
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import graphviz

from autograd.engine import Value
from autograd.graph import as_roots, depths, topological_order

RENDERER_ENV = "BACKPROPLAB_DOT"
"""Environment variable naming a renderer command that takes DOT on stdin and ``-Tsvg``."""

MAX_NODES = 2000
"""The largest drawing `to_svg` renders by default (Values, operations and constants together).

Measured with benchmarks/bench_draw.py (graphviz-pure, 2 cores): an nn model drawn by neuron and
layer takes 0.7 s at 1,000 nodes, 2.9 s at 2,000 and 18 s at 5,000, and a picture of 2,000 nodes
is already too dense to read. Larger graphs raise `GraphTooLargeError` before anything is
rendered; pass ``max_nodes`` to go further, or take the DOT text from `to_dot`.
"""

DEFAULT_TIMEOUT = 60.0
"""Seconds `to_svg` waits for the renderer before giving up with `RenderError`.

Graphs of the same size differ a lot: one whose edges all cross (the benchmark's "tangle") takes
10 s at 500 nodes and more than 2 minutes at 1,000, where an MLP of 1,000 takes under a second.
The node limit cannot tell these apart; the timeout bounds the wait.
"""

COLOURS = {
    "parameter or input": "#cfe2ff",
    "constant": "#e9e9e9",
    "intermediate": "#e2f0d9",
    "output": "#ffd8a8",
    "operation": "#ffffff",
}
"""Fill colour of each role, as shown in the legend."""

# Operations whose inputs cannot be swapped: their input edges say which input is which.
_OPERAND_NAMES = {"-": ("a", "b"), "/": ("a", "b"), "**": ("a", "b")}

_FONT = "Helvetica"


class RenderError(RuntimeError):
    """The renderer failed, or took longer than the timeout; the message says what it reported."""


class RendererNotFoundError(RenderError):
    """No renderer command was found: install graphviz-pure or Graphviz, or set BACKPROPLAB_DOT."""


class GraphTooLargeError(ValueError):
    """The graph has more nodes than `to_svg` is allowed to render (see `MAX_NODES`)."""


@dataclass(frozen=True, eq=False, init=False)
class Group:
    """A box drawn around some Values, such as a neuron or a layer (a Graphviz cluster).

    Each Value in `values` is drawn inside the box together with the operation that produced it
    and that operation's constants. Groups nest through `subgroups`, so a layer can hold its
    neurons. A Value may be listed in one group only. A group's leaves (a neuron's weights and
    bias) are drawn to the right of the Values that flow into the group, so that boxes fed one by
    the other stand side by side in reading order. Sibling groups, and the weights inside them,
    lean towards standing top to bottom in the order given: a hint to the layout, which crossing
    edges can still overrule in wide networks.

        neuron = Group("neuron h1", [w1, w2, b, h1])
        to_svg(loss, groups=[Group("hidden layer", subgroups=[neuron])])
    """

    label: str
    values: tuple[Value, ...] = ()
    subgroups: tuple[Group, ...] = ()

    def __init__(
        self, label: str, values: Iterable[Value] = (), subgroups: Iterable[Group] = ()
    ) -> None:
        if not isinstance(label, str):
            raise TypeError(f"a Group's label must be a str, not {type(label).__name__}")
        values = tuple(values)
        subgroups = tuple(subgroups)
        for value in values:
            if not isinstance(value, Value):
                raise TypeError(
                    f"Group {label!r} lists a {type(value).__name__}; it can only hold Values"
                )
        for subgroup in subgroups:
            if not isinstance(subgroup, Group):
                raise TypeError(
                    f"Group {label!r} has a {type(subgroup).__name__} among its subgroups; "
                    "subgroups must be Groups"
                )
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "subgroups", subgroups)


# ---------------------------------------------------------------------- DOT
def to_dot(
    root: Value | Sequence[Value],
    *,
    digits: int = 4,
    show_grad: bool = True,
    groups: Iterable[Group] = (),
    inputs: Sequence[Value] = (),
    legend: bool = True,
) -> graphviz.Digraph:
    """The computation graph that produced `root`, as a `graphviz.Digraph` (DOT text: ``.source``).

    `root` is the output Value, or a list of outputs drawn together in one picture.
    `digits` is the number of significant digits shown for data and grad; `show_grad=False` leaves
    the grads out. `groups` draws boxes around Values (see `Group`). `inputs` are leaves to line
    up in a column of their own at the far left, top to bottom in the given order (a model's input
    vector); they may not be in a group. The same graph and options always give byte-identical DOT.

    To render it, use `to_svg` or `render_svg`: ``Digraph.render`` and ``Digraph.pipe`` of the
    graphviz package call a system ``dot``, which may not be installed.
    """
    outputs = as_roots(root, "to_dot")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 1:
        raise ValueError(f"digits must be a positive int, not {digits!r}")
    order = topological_order(outputs)
    number = {value: i for i, value in enumerate(order)}
    groups = tuple(groups)
    home = _place_in_groups(groups, number)
    inputs = _checked_inputs(inputs, number, home)

    graph = graphviz.Digraph("backproplab")
    graph.attr(rankdir="LR", fontname=_FONT, nodesep="0.15", ranksep="0.3")
    graph.attr("node", fontname=_FONT, fontsize="11", penwidth="0.8")
    graph.attr("edge", fontname=_FONT, fontsize="9", arrowsize="0.6", color="#555555")

    is_output = set(outputs)

    def draw_values(target: graphviz.Digraph, members: Iterable[Value]) -> None:
        for value in members:
            _draw_value(target, value, number[value], value in is_output, digits, show_grad)

    # Graphviz keeps the order of declaration among equals, so inputs come first and in order.
    draw_values(graph, inputs)
    is_input = set(inputs)
    draw_values(graph, (value for value in order if value not in home and value not in is_input))
    clusters = itertools.count()
    for group in groups:
        _draw_group(graph, group, home, draw_values, number, clusters)
    for value in order:
        _draw_edges(graph, value, number)
    if groups:
        _keep_groups_after_their_inputs(graph, groups, order, number, home)
    if inputs:
        _line_up_inputs(graph, inputs, order, number)
    if legend:
        _draw_legend(graph)
    return graph


def _place_in_groups(groups: tuple[Group, ...], number: dict[Value, int]) -> dict[Value, Group]:
    """The group each grouped Value is drawn in; refuses Values not in the graph or listed twice."""
    home: dict[Value, Group] = {}
    pending = list(groups)
    while pending:
        group = pending.pop()
        if not isinstance(group, Group):
            raise TypeError(f"groups must hold Groups, not {type(group).__name__}")
        for value in group.values:
            if value not in number:
                raise ValueError(
                    f"Group {group.label!r} lists {value!r}, which the drawn Value does not "
                    "depend on"
                )
            if value in home and home[value] is not group:
                raise ValueError(
                    f"{value!r} is listed in two groups, {home[value].label!r} and "
                    f"{group.label!r}; a Value can be drawn in one place only"
                )
            home[value] = group
        pending.extend(group.subgroups)
    return home


def _checked_inputs(
    inputs: Sequence[Value], number: dict[Value, int], home: dict[Value, Group]
) -> tuple[Value, ...]:
    """The inputs, each once, if each is an ungrouped leaf of the drawn graph."""
    inputs = tuple(dict.fromkeys(inputs))
    for value in inputs:
        if not isinstance(value, Value):
            raise TypeError(f"inputs must be Values, not {type(value).__name__}")
        if value not in number:
            raise ValueError(f"the input {value!r} is not in the drawn graph")
        if not value.is_leaf:
            raise ValueError(
                f"the input {value!r} is computed from other Values; inputs are leaves"
            )
        if value in home:
            raise ValueError(f"the input {value!r} is also in group {home[value].label!r}")
    return inputs


def _line_up_inputs(graph, inputs, order, number) -> None:
    """Put the inputs in one column, in order, with the leaves used beside them to their right."""
    with graph.subgraph() as column:
        column.attr(rank="same")
        for value in inputs:
            column.node(f"v{number[value]}")
        # An invisible edge between neighbours keeps them in the given order, top to bottom.
        for upper, lower in itertools.pairwise(inputs):
            column.edge(f"v{number[upper]}", f"v{number[lower]}", style="invis")
    # Left alone, Graphviz would put a weight in the inputs' column, since both feed the same
    # product. Invisible edges (they only steer the layout) push such leaves a rank to the right.
    is_input = set(inputs)
    for value in order:
        for position, parent in enumerate(value.parents):
            if parent in is_input:
                for other in value.parents[:position] + value.parents[position + 1 :]:
                    if isinstance(other, Value) and other.is_leaf and other not in is_input:
                        graph.edge(f"v{number[parent]}", f"v{number[other]}", style="invis")


def _keep_groups_after_their_inputs(graph, groups, order, number, home) -> None:
    """Put each group's leaves (a neuron's weights and bias) to the right of what flows into it.

    Left alone, Graphviz draws a leaf just before the operation that uses it, so a layer's
    weights would stand beside the previous layer and the two boxes would overlap. An invisible
    edge from one of the group's deepest inputs to each of its leaves keeps the groups in
    reading order. Leaves also used outside their group are left alone: such an edge could
    close a cycle.

    Which input each edge comes from also decides the order top to bottom. The neurons of a
    layer mirror each other, so nothing tells Graphviz to draw h1 above h2 and it often does
    the opposite; graphviz-pure ignores ``ordering``, and invisible edges between or inside
    boxes lose to edge crossings. So the edges are picked for the crossings to favour the order
    in which groups and inputs are given:

    * a leaf that enters an operation together with one of those inputs (a weight and the input
      it multiplies) hangs from that input, so that weights follow the inputs' order;
    * every other leaf (the bias), and the group's first leaf as well, hangs from the group's
      anchor: the input at the same relative height as the group among its sibling groups (a
      layer's first neuron from the first input, its last neuron from the last input).
    """
    depth = depths(order)
    deepest_inputs: dict[Group, dict[Value, None]] = {}
    used_elsewhere: set[Value] = set()
    for value in order:
        parents = [parent for parent in value.parents if isinstance(parent, Value)]
        group = home.get(value)
        for parent in parents:
            if home.get(parent) is group:
                continue
            used_elsewhere.add(parent)
            if group is None:
                continue
            inputs = deepest_inputs.setdefault(group, {})
            known = depth[next(iter(inputs))] if inputs else -1
            if depth[parent] > known:
                inputs.clear()
            if depth[parent] >= known:
                inputs[parent] = None

    anchor: dict[Group, Value] = {}
    pending = [groups]
    while pending:
        siblings = pending.pop()
        for position, group in enumerate(siblings):
            inputs = sorted(deepest_inputs.get(group, ()), key=number.__getitem__)
            if inputs:
                height = position * (len(inputs) - 1) // max(len(siblings) - 1, 1)
                anchor[group] = inputs[height]
            pending.append(group.subgroups)

    partner: dict[Value, Value] = {}
    for value in order:
        inputs = deepest_inputs.get(home.get(value), ())
        operand_input = next((parent for parent in value.parents if parent in inputs), None)
        for parent in value.parents:
            if operand_input is not None and isinstance(parent, Value) and parent.is_leaf:
                partner.setdefault(parent, operand_input)

    has_first_leaf: set[Group] = set()
    for value in order:
        group = home.get(value)
        if value.is_leaf and group in anchor and value not in used_elsewhere:
            sources = [partner.get(value, anchor[group])]
            if group not in has_first_leaf:
                has_first_leaf.add(group)
                sources.append(anchor[group])
            for source in dict.fromkeys(sources):
                graph.edge(f"v{number[source]}", f"v{number[value]}", style="invis")


def _draw_group(graph, group, home, draw_values, number, clusters) -> None:
    # Graphviz draws a subgraph as a box only when its name starts with "cluster".
    with graph.subgraph(name=f"cluster_{next(clusters)}") as box:
        box.attr(
            label=_html_label(group.label),
            style="rounded",
            color="#8c8c8c",
            fontsize="11",
            labeljust="l",
        )
        members = {value: None for value in group.values if home[value] is group}
        draw_values(box, sorted(members, key=number.__getitem__))
        for subgroup in group.subgroups:
            _draw_group(box, subgroup, home, draw_values, number, clusters)


def _draw_value(graph, value: Value, n: int, is_output: bool, digits: int, show_grad: bool) -> None:
    if is_output:
        role = "output"
    elif value.is_leaf:
        role = "parameter or input"
    else:
        role = "intermediate"
    lines = []
    if value.label:
        lines.append(f"<b>{_escape(value.label)}</b>")
    lines.append(f"data {_number(value.data, digits)}")
    if show_grad:
        grad = value.grad.data if isinstance(value.grad, Value) else value.grad
        lines.append(f"grad {_number(grad, digits)}")
    graph.node(
        f"v{n}",
        label="<" + "<br/>".join(lines) + ">",
        shape="box",
        style="rounded,filled",
        fillcolor=COLOURS[role],
        margin="0.16,0.05",
    )
    if value.is_leaf:
        return
    graph.node(
        f"op{n}",
        label=value.op,
        shape="ellipse",
        style="filled",
        fillcolor=COLOURS["operation"],
        fontsize="10",
        width="0.3",
        height="0.25",
        margin="0.04,0.02",
    )
    for position, parent in enumerate(value.parents):
        if not isinstance(parent, Value):
            graph.node(
                f"c{n}_{position}",
                label=_number(parent, digits),
                shape="box",
                style="filled",
                fillcolor=COLOURS["constant"],
                fontsize="10",
                height="0.25",
                margin="0.06,0.02",
            )


def _draw_edges(graph, value: Value, number: dict[Value, int]) -> None:
    n = number[value]
    if value.is_leaf:
        return
    operand_names = _OPERAND_NAMES.get(value.op)
    for position, parent in enumerate(value.parents):
        source = f"v{number[parent]}" if isinstance(parent, Value) else f"c{n}_{position}"
        if operand_names:
            graph.edge(source, f"op{n}", label=operand_names[position])
        else:
            graph.edge(source, f"op{n}")
    graph.edge(f"op{n}", f"v{n}")


def _draw_legend(graph) -> None:
    # One row of colour swatches, each followed by its role: a strip above the drawing.
    cells = "".join(
        f'<td bgcolor="{colour}" border="1" width="12"></td><td align="left">{role}</td>'
        for role, colour in COLOURS.items()
    )
    with graph.subgraph(name="cluster_legend") as box:
        box.attr(label="legend", style="rounded", color="#bbbbbb", fontsize="10")
        box.node(
            "legend",
            label=f'<<table border="0" cellspacing="5" cellpadding="2"><tr>{cells}</tr></table>>',
            shape="plain",
            fontsize="10",
        )


def _number(x: float, digits: int) -> str:
    return format(x, f".{digits}g")


def _escape(text: str) -> str:
    """Text for an HTML-like Graphviz label that shows `text` as it is, markup and all.

    Characters that Python's repr would escape (control and format characters, lone surrogates,
    tabs...) are shown as those escapes, since they have no picture and some are not allowed in
    SVG at all; newlines become line breaks. Graphviz expands backslash sequences such as ``\\N``
    (the node's name) even in HTML-like labels, so backslashes are doubled.
    """
    lines = []
    for line in text.split("\n"):
        visible = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in line)
        lines.append(html.escape(visible, quote=True).replace("\\", "\\\\"))
    return "<br/>".join(lines)


def _html_label(text: str) -> str:
    return f"<{_escape(text)}>"


def count_nodes(root: Value | Sequence[Value]) -> int:
    """How many nodes `to_dot` draws for `root`: its Values, operations and constants."""
    count = 0
    for value in topological_order(as_roots(root, "count_nodes")):
        count += 1
        if value.parents:
            count += 1 + sum(1 for parent in value.parents if not isinstance(parent, Value))
    return count


# ---------------------------------------------------------------------- rendering
def find_renderer() -> list[str]:
    """The command that turns DOT into SVG: ``$BACKPROPLAB_DOT``, graphviz-pure, or a system dot.

    graphviz-pure is looked for in this Python's scripts folder first (a virtualenv that is not
    activated is not on PATH), then in the user scripts folder, then on PATH.
    """
    chosen = os.environ.get(RENDERER_ENV)
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            raise RendererNotFoundError(
                f"{RENDERER_ENV} names {chosen!r}, which is not an executable command"
            )
        return [found]
    for scheme_folder in _scripts_folders():
        found = shutil.which("graphviz-pure", path=scheme_folder)
        if found:
            return [found]
    for name in ("graphviz-pure", "dot"):
        found = shutil.which(name)
        if found:
            return [found]
    raise RendererNotFoundError(
        "no Graphviz renderer found to draw the graph as SVG. Either install the Python package "
        "(pip install graphviz-pure==0.2.2, which backproplab depends on) or a system Graphviz "
        "that provides the `dot` command (e.g. apt-get install graphviz, brew install graphviz), "
        f"or set {RENDERER_ENV} to a renderer command. to_dot() works without a renderer."
    )


def _scripts_folders() -> list[str]:
    folders = [sysconfig.get_path("scripts")]
    with contextlib.suppress(KeyError):  # a Python built without user schemes
        folders.append(sysconfig.get_path("scripts", f"{os.name}_user"))
    return [folder for folder in folders if folder and os.path.isdir(folder)]


def render_svg(graph: graphviz.Digraph | str, *, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Render a Digraph (or DOT text) to SVG text with the renderer `find_renderer` picks."""
    source = graph.source if isinstance(graph, graphviz.Digraph) else graph
    if not isinstance(source, str):
        raise TypeError(
            f"render_svg takes a graphviz.Digraph or DOT text, not {type(graph).__name__}"
        )
    command = [*find_renderer(), "-Tsvg"]
    try:
        done = subprocess.run(
            command, input=source.encode("utf-8"), capture_output=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        raise RenderError(
            f"{command[0]} did not finish within {timeout} s; draw a smaller graph, or pass a "
            "larger timeout"
        ) from None
    message = done.stderr.decode("utf-8", errors="replace").strip()
    if done.returncode != 0 or not done.stdout:
        raise RenderError(
            f"{command[0]} failed (exit code {done.returncode}): {message or 'no message'}"
        )
    return done.stdout.decode("utf-8")


def to_svg(
    root: Value | Sequence[Value],
    path: str | os.PathLike[str] | None = None,
    *,
    digits: int = 4,
    show_grad: bool = True,
    groups: Iterable[Group] = (),
    inputs: Sequence[Value] = (),
    legend: bool = True,
    max_nodes: int = MAX_NODES,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """The computation graph of `root` as SVG text, also written to `path` when one is given.

    The options are those of `to_dot`. A graph with more than `max_nodes` nodes raises
    `GraphTooLargeError` before anything is rendered; no renderer raises `RendererNotFoundError`,
    and a renderer that fails or outlasts `timeout` seconds raises `RenderError`.
    """
    as_roots(root, "to_svg")  # a wrong argument is named before anything else happens
    nodes = count_nodes(root)
    if nodes > max_nodes:
        raise GraphTooLargeError(
            f"the graph has {nodes} nodes, more than max_nodes={max_nodes}; rendering it would "
            "be slow and the picture unreadable. Draw a smaller part of it, pass a larger "
            "max_nodes, or take the DOT text from to_dot()."
        )
    graph = to_dot(
        root, digits=digits, show_grad=show_grad, groups=groups, inputs=inputs, legend=legend
    )
    svg = render_svg(graph, timeout=timeout)
    if path is not None:
        with open(path, "w", encoding="utf-8") as file:
            file.write(svg)
    return svg
