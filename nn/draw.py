"""Drawing a model: one forward pass, drawn with each neuron and each layer in its own box.

    >>> from nn import MLP, model_to_svg
    >>> model = MLP(2, [2, 1], seed=0)          # the article's 2-2-1 network
    >>> svg = model_to_svg(model, [-2, -1], target=1)  # path="network.svg" also writes a file
    >>> all(name in svg for name in ("x1", "h1", "h2", "o1"))
    True

The picture reads like the article's diagram: the inputs x1, x2 on the left, the hidden layer's
neurons h1, h2 in the middle, the output neuron o1 on the right (and the loss after it when a
target is given). Each neuron's box holds its weights, its bias, the operations it performs and
its output; each layer's box holds its neurons. ``direction="TB"`` draws the same from top to
bottom, which fits a narrow page better.

Without a target the drawing shows data only. With a target it ends in the loss (the squared
error ``mse_loss(target, outputs)`` unless `loss` says otherwise) and shows every gradient of that
loss, as one step of the article's training computes them. Drawing never changes the model: the
parameters' own `grad` values are put back afterwards. `model_to_html` writes the same drawing as
a page that steps through the forward and the backward pass (see `autograd.to_html`).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Container, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from autograd import Group, Value, to_dot, to_html, to_svg
from autograd.draw import DEFAULT_TIMEOUT, MAX_NODES, GraphTooLargeError, RenderError, count_nodes
from autograd.draw.dot import format_number
from autograd.draw.notebook import NOTEBOOK_NODES, summary
from autograd.draw.page import in_frame
from autograd.graph import depths, topological_order, value_parents
from nn.checks import Input, as_inputs
from nn.losses import Loss, mse_loss
from nn.module import MLP, Layer, Module, Neuron

if TYPE_CHECKING:
    import graphviz  # type: ignore[import-untyped]  # the package ships no type information

Drawing = TypeVar("Drawing")


def model_to_dot(
    model: Module,
    x: Input,
    target: float | Sequence[float] | None = None,
    *,
    loss: Loss = mse_loss,
    digits: int = 4,
    legend: bool = True,
    direction: str = "LR",
) -> graphviz.Digraph:
    """The graph of one forward pass of `model` on the input `x`, grouped by neuron and by layer.

    `model` is a `Neuron`, a `Layer` or an `MLP`. Numbers in `x` become input Values labelled
    x1, x2, ...; Values are used as they are. With a `target` (one number per output) the drawing
    ends in ``loss(target, outputs)`` (the squared error by default) and shows its gradients.
    """
    # Without a target, a picture shows data only (a page, `model_to_html`, the output's grads).
    draw = partial(to_dot, show_grad=target is not None)
    return _draw_forward_pass(model, x, target, loss, draw, digits, legend, direction)


def model_to_svg(
    model: Module,
    x: Input,
    target: float | Sequence[float] | None = None,
    *,
    loss: Loss = mse_loss,
    path: str | os.PathLike[str] | None = None,
    digits: int = 4,
    legend: bool = True,
    direction: str = "LR",
    max_nodes: int = MAX_NODES,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """`model_to_dot` rendered as SVG text, also written to `path` when one is given.

    The size limit, the timeout and the errors are those of `autograd.to_svg`.
    """
    render = partial(
        to_svg, path=path, max_nodes=max_nodes, timeout=timeout, show_grad=target is not None
    )
    return _draw_forward_pass(model, x, target, loss, render, digits, legend, direction)


def model_to_html(
    model: Module,
    x: Input,
    target: float | Sequence[float] | None = None,
    *,
    loss: Loss = mse_loss,
    path: str | os.PathLike[str] | None = None,
    digits: int = 4,
    legend: bool = True,
    direction: str = "LR",
    max_nodes: int = MAX_NODES,
    timeout: float = DEFAULT_TIMEOUT,
    title: str = "",
) -> str:
    """`model_to_dot` as a self-contained page that steps through the forward and backward pass.

    Also written to `path` when one is given. With a `target` the backward steps start from the
    loss; without one, from the model's output (a model with several outputs and no target gets
    forward steps only). See `autograd.to_html` for the page and its errors.
    """
    page = partial(to_html, path=path, max_nodes=max_nodes, timeout=timeout, title=title)
    # The page runs its own backward pass (no hook runs, no grad changes): none is needed here.
    return _draw_forward_pass(
        model, x, target, loss, page, digits, legend, direction, backward=False
    )


def model_mimebundle(
    model: Module, include: Container[str] | None = None, exclude: Container[str] | None = None
) -> dict[str, str] | None:
    """What a notebook shows for a model: its page (`model_to_html`) for the input of all ones,
    or, for a model whose drawing is larger than `NOTEBOOK_NODES`, a summary (its layers, its
    parameter count, its output, and how to open the page). One representation per display.

    All ones, so that every weight's gradient is nonzero and the backward pass has something to
    show (zeros would stop every first-layer gradient). Models other than a Neuron, a Layer or an
    MLP give None; when the page cannot be drawn (no renderer, a renderer failure) it warns with
    the reason and gives None, so the notebook shows the text repr.
    """
    if not isinstance(model, (Neuron, Layer, MLP)):
        return None
    html_wanted = (include is None or "text/html" in include) and not (
        exclude is not None and "text/html" in exclude
    )
    if not html_wanted:
        return None
    ones = [1.0] * model.nin
    outputs, _, _ = _forward(model, ones)
    nodes = count_nodes(outputs)
    if nodes > NOTEBOOK_NODES:
        return {"text/html": _model_summary(model, outputs, nodes), "text/plain": repr(model)}
    try:
        page = model_to_html(model, ones)
    except (RenderError, GraphTooLargeError) as error:
        warnings.warn(f"cannot draw this model: {error}", RuntimeWarning, stacklevel=2)
        return None
    return {"text/html": in_frame(page), "text/plain": repr(model)}


def _model_summary(model: Module, outputs: list[Value], nodes: int) -> str:
    layers = list(model.layers) if isinstance(model, MLP) else [model]
    sizes = [str(model.nin)]
    for layer in layers:
        assert isinstance(layer, (Neuron, Layer))  # an MLP's layers, or the model itself
        width = layer.nout if isinstance(layer, Layer) else 1
        sizes.append(f"{width} {layer.activation}")
    shown = ", ".join(format_number(output.data, 4) for output in outputs[:8])
    if len(outputs) > 8:
        shown += f", ... ({len(outputs)} outputs)"
    return summary(
        f"{type(model).__name__} {' → '.join(sizes)}",
        [
            ("parameters", str(len(model.parameters()))),
            ("output for the input of all ones", shown),
            ("drawing", f"{nodes} nodes, more than the {NOTEBOOK_NODES} drawn inline"),
        ],
        [
            f"nn.model_to_html(model, {[1.0] * min(model.nin, 4)}{', ...' if model.nin > 4 else ''}"
            ', path="model.html")  # a page that steps through it; open the file in a browser',
        ],
    )


def _draw_forward_pass(
    model: Module,
    x: Input,
    target: float | Sequence[float] | None,
    loss: Loss,
    draw: Callable[..., Drawing],
    digits: int,
    legend: bool,
    direction: str,
    backward: bool = True,
) -> Drawing:
    """Run the model on `x` (and the loss, given a target), then draw it with `draw`, after a
    backward pass from the loss unless `backward` is False."""
    outputs, groups, inputs = _forward(model, x)
    options: dict[str, Any] = {"digits": digits, "legend": legend, "direction": direction}
    options.update(groups=groups, inputs=inputs)
    if target is None:
        hints = _layout_hints(outputs, groups, inputs, direction)
        return draw(outputs, hints=hints, **options)
    error = loss(target, outputs)
    if not isinstance(error, Value):
        raise TypeError(f"loss must return a Value, not {type(error).__name__}")
    if not error.label:
        error.label = "loss"
    options["hints"] = _layout_hints([error], groups, inputs, direction)
    if not backward:
        return draw(error, **options)
    # backward accumulates into the leaves: the parameters and the input Values are zeroed first,
    # so that the drawing shows this sample's gradients alone, and their own gradients are put
    # back after drawing.
    parameters = [*model.parameters(), *(x for x in inputs if x not in model.parameters())]
    saved = [parameter.grad for parameter in parameters]
    try:
        for parameter in parameters:
            parameter.grad = 0.0
        error.backward()
        return draw(error, **options)
    finally:
        for parameter, grad in zip(parameters, saved, strict=True):
            parameter.grad = grad


def _forward(model: Module, x: Input) -> tuple[list[Value], list[Group], list[Value]]:
    """Run the model neuron by neuron: its outputs, a Group per layer and neuron, its inputs."""
    if not isinstance(model, (Neuron, Layer, MLP)):
        raise TypeError(f"can draw a Neuron, a Layer or an MLP, not {type(model).__name__}")
    xs = [
        item if isinstance(item, Value) else Value(item, label=f"x{i + 1}")
        for i, item in enumerate(as_inputs(x, model.nin, "model_to_dot"))
    ]
    if isinstance(model, Neuron):
        output, box = _neuron_forward(model, xs, "o1")
        return [output], [box], _leaves(xs)
    layers = list(model.layers) if isinstance(model, MLP) else [model]
    inputs = _leaves(xs)
    groups: list[Group] = []
    for depth, layer in enumerate(layers):
        layer_name, prefix = _names(depth, len(layers))
        boxes = []
        outputs = []
        for j, neuron in enumerate(layer.neurons):
            output, box = _neuron_forward(neuron, xs, f"{prefix}{j + 1}")
            outputs.append(output)
            boxes.append(box)
        groups.append(Group(layer_name, subgroups=boxes))
        xs = outputs
    return xs, groups, inputs


def _leaves(xs: list[Value]) -> list[Value]:
    # An input computed from other Values (a model fed by another) cannot stand in the first column.
    return [x for x in xs if x.is_leaf]


def _neuron_forward(neuron: Neuron, xs: list[Value], name: str) -> tuple[Value, Group]:
    """The neuron's output, labelled `name`, and a Group of everything the neuron computed."""
    output = neuron(xs)
    output.label = name
    return output, Group(f"neuron {name}", _computed_after(output, xs))


def _computed_after(output: Value, xs: list[Value]) -> list[Value]:
    """The Values between the inputs `xs` and `output`: weights, bias, products, sums, output.

    Found by walking back from `output` without crossing an input, so the cost is the neuron's
    own size, not the size of everything before it.
    """
    stop = set(xs)
    found = [output]
    seen = {output}
    pending = [output]
    while pending:
        for parent in value_parents(pending.pop()):
            if parent not in stop and parent not in seen:
                seen.add(parent)
                found.append(parent)
                pending.append(parent)
    return found


def _layout_hints(
    outputs: list[Value], groups: list[Group], model_inputs: list[Value], direction: object
) -> list[tuple[Value, Value]]:
    """Pairs (before, after) that put each neuron's leaves (its weights and bias) to the right of
    what flows into it, and keep neurons and weights in the article's order.

    Left alone, Graphviz draws a leaf just before the operation that uses it, so a layer's weights
    would stand beside the previous layer and the boxes would overlap. An invisible edge from one
    of the group's deepest inputs to each of its leaves keeps the groups in reading order (leaves
    also used outside their group are left alone: such an edge could close a cycle).

    The edges' sources also decide the order top to bottom: nothing else makes Graphviz draw h1
    above h2 (graphviz-pure ignores ``ordering``, and invisible edges between or inside boxes
    lose to edge crossings). So a leaf that enters an operation with one of those inputs (a
    weight and the input it multiplies) hangs from that input, and every other leaf (the bias),
    and each group's first leaf too, hangs from the group's anchor: the input at the group's
    relative height among its siblings (a layer's first neuron from the first input, its last
    from the last). Top to bottom, the first layer's leaves stay beside the inputs, in their
    row, so that the inputs' edges into the layer are short and straight.
    """
    order = topological_order(outputs)
    number = {value: i for i, value in enumerate(order)}
    home = _homes(groups)
    depth = depths(order)
    deepest_inputs: dict[Group, dict[Value, None]] = {}
    used_elsewhere: set[Value] = set()
    for value in order:
        group = home.get(value)
        for parent in value_parents(value):
            if home.get(parent) is group:
                continue
            used_elsewhere.add(parent)
            if group is None:
                continue
            deepest = deepest_inputs.setdefault(group, {})
            known = depth[next(iter(deepest))] if deepest else -1
            if depth[parent] > known:
                deepest.clear()
            if depth[parent] >= known:
                deepest[parent] = None

    anchor: dict[Group, Value] = {}
    pending = [tuple(groups)]
    while pending:
        siblings = pending.pop()
        for position, group in enumerate(siblings):
            ranked = sorted(deepest_inputs.get(group, {}), key=number.__getitem__)
            if ranked:
                height = position * (len(ranked) - 1) // max(len(siblings) - 1, 1)
                anchor[group] = ranked[height]
            pending.append(group.subgroups)

    partner: dict[Value, Value] = {}
    for value in order:
        group = home.get(value)
        deepest = deepest_inputs.get(group, {}) if group is not None else {}
        operand_input = next((parent for parent in value_parents(value) if parent in deepest), None)
        for operand in value_parents(value):
            if operand_input is not None and operand.is_leaf:
                partner.setdefault(operand, operand_input)

    hints: list[tuple[Value, Value]] = []
    has_first_leaf: set[Group] = set()
    for value in order:
        group = home.get(value)
        if group is not None and group in anchor and value.is_leaf and value not in used_elsewhere:
            sources = [partner.get(value, anchor[group])]
            if group not in has_first_leaf:
                has_first_leaf.add(group)
                sources.append(anchor[group])
            hints.extend((source, value) for source in dict.fromkeys(sources))
    if direction == "TB":
        beside = set(model_inputs)
        hints = [(source, leaf) for source, leaf in hints if source not in beside]
    return hints


def _homes(groups: list[Group]) -> dict[Value, Group]:
    """The innermost group each Value is drawn in."""
    home: dict[Value, Group] = {}
    pending = list(groups)
    while pending:
        group = pending.pop()
        for value in group.values:
            home[value] = group
        pending.extend(group.subgroups)
    return home


def _names(depth: int, layer_count: int) -> tuple[str, str]:
    """A layer's name and its neurons' prefix, as the article names them: the neurons h1, h2 of
    the hidden layer, o1 of the output layer (h2.1 for the first of a second hidden layer)."""
    if depth == layer_count - 1:
        return "output layer", "o"
    if layer_count == 2:
        return "hidden layer", "h"
    return f"hidden layer {depth + 1}", f"h{depth + 1}."
