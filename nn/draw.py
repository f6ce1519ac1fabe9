"""Drawing a model: one forward pass, drawn with each neuron and each layer in its own box.

    >>> from nn import MLP, model_to_svg
    >>> model = MLP(2, [2, 1], seed=0)          # the article's 2-2-1 network
    >>> svg = model_to_svg(model, [-2, -1], target=1)  # path="network.svg" also writes a file
    >>> all(name in svg for name in ("x1", "h1", "h2", "o1"))
    True

The picture reads like the article's diagram: the inputs x1, x2 on the left, the hidden layer's
neurons h1, h2 in the middle, the output neuron o1 on the right (and the loss after it when a
target is given). Each neuron's box holds its weights, its bias, the operations it performs and
its output; each layer's box holds its neurons.

Without a target the drawing shows data only. With a target it ends in the squared error
``mse_loss(target, outputs)`` and shows every gradient of that loss, as one step of the article's
training computes them. Drawing never changes the model: the parameters' own `grad` values are put
back afterwards.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

import graphviz

from autograd import Group, Value, to_dot, to_svg
from autograd.draw import DEFAULT_TIMEOUT, MAX_NODES
from nn.losses import mse_loss
from nn.module import MLP, Input, Layer, Module, Neuron, as_inputs

Drawing = TypeVar("Drawing")


def model_to_dot(
    model: Module,
    x: Input,
    target: float | Sequence[float] | None = None,
    *,
    digits: int = 4,
    legend: bool = True,
) -> graphviz.Digraph:
    """The graph of one forward pass of `model` on the input `x`, grouped by neuron and by layer.

    `model` is a `Neuron`, a `Layer` or an `MLP`. Numbers in `x` become input Values labelled
    x1, x2, ...; Values are used as they are. With a `target` (one number per output) the drawing
    ends in the squared-error loss and shows its gradients.
    """
    return _draw_forward_pass(model, x, target, to_dot, digits=digits, legend=legend)


def model_to_svg(
    model: Module,
    x: Input,
    target: float | Sequence[float] | None = None,
    *,
    path: str | os.PathLike[str] | None = None,
    digits: int = 4,
    legend: bool = True,
    max_nodes: int = MAX_NODES,
    timeout: float = DEFAULT_TIMEOUT,
) -> str:
    """`model_to_dot` rendered as SVG text, also written to `path` when one is given.

    The size limit, the timeout and the errors are those of `autograd.to_svg`.
    """
    return _draw_forward_pass(
        model,
        x,
        target,
        to_svg,
        path=path,
        digits=digits,
        legend=legend,
        max_nodes=max_nodes,
        timeout=timeout,
    )


def _draw_forward_pass(
    model: Module,
    x: Input,
    target: float | Sequence[float] | None,
    draw: Callable[..., Drawing],
    **options: object,
) -> Drawing:
    """Run the model on `x` (and the loss, given a target), then draw it with `to_dot`/`to_svg`."""
    outputs, groups, inputs = _forward(model, x)
    options.update(groups=groups, inputs=inputs)
    if target is None:
        return draw(outputs, show_grad=False, **options)
    loss = mse_loss(target, outputs)
    loss.label = "loss"
    # backward accumulates into the parameters: they are zeroed first, so that the drawing shows
    # this sample's gradients alone, and their own gradients are put back after drawing.
    parameters = model.parameters()
    saved = [parameter.grad for parameter in parameters]
    try:
        for parameter in parameters:
            parameter.grad = 0.0
        loss.backward()
        return draw(loss, **options)
    finally:
        for parameter, grad in zip(parameters, saved, strict=True):
            parameter.grad = grad


def _layers(model: Module) -> list[Layer] | None:
    """The model's layers, or None for a lone neuron; other modules cannot be drawn."""
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, Layer):
        return [model]
    if isinstance(model, Neuron):
        return None
    raise TypeError(f"can draw a Neuron, a Layer or an MLP, not {type(model).__name__}")


def _forward(model: Module, x: Input) -> tuple[list[Value], list[Group], list[Value]]:
    """Run the model neuron by neuron: its outputs, a Group per layer and neuron, its inputs."""
    layers = _layers(model)
    nin = model.nin
    xs = [
        item if isinstance(item, Value) else Value(item, label=f"x{i + 1}")
        for i, item in enumerate(as_inputs(x, nin, "model_to_dot"))
    ]
    if layers is None:
        output, box = _neuron_forward(model, xs, "o1")
        return [output], [box], _leaves(xs)
    inputs = _leaves(xs)
    groups = []
    for depth, layer in enumerate(layers):
        is_last = depth == len(layers) - 1
        names = [_neuron_name(depth, j, len(layers), is_last) for j in range(layer.nout)]
        boxes = []
        outputs = []
        for neuron, name in zip(layer.neurons, names, strict=True):
            output, box = _neuron_forward(neuron, xs, name)
            outputs.append(output)
            boxes.append(box)
        groups.append(Group(_layer_name(depth, len(layers), is_last), subgroups=boxes))
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
        for parent in pending.pop().parents:
            if isinstance(parent, Value) and parent not in stop and parent not in seen:
                seen.add(parent)
                found.append(parent)
                pending.append(parent)
    return found


def _neuron_name(depth: int, j: int, layer_count: int, is_last: bool) -> str:
    # The article's names: h1, h2 for its one hidden layer, o1 for the output neuron.
    if is_last:
        return f"o{j + 1}"
    if layer_count == 2:
        return f"h{j + 1}"
    return f"h{depth + 1}.{j + 1}"


def _layer_name(depth: int, layer_count: int, is_last: bool) -> str:
    if is_last:
        return "output layer"
    if layer_count == 2:
        return "hidden layer"
    return f"hidden layer {depth + 1}"
