"""The backward pass: reverse mode over the recorded graph, without recursion.

The order comes from a depth-first search that keeps its own stack, so depth is limited by memory,
not by Python's recursion limit. Walking that order backwards visits every Value after all of its
users, so a Value used several times (``b = a + a``) or reached along several paths (a diamond) has
the sum of all contributions before it passes anything on.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd.engine import DERIVATIVES, Operand, Value, as_float, data_of
from autograd.graph import topological_order


def _gradients(root: Value, seed: float | Value, create_graph: bool) -> dict[Value, object]:
    """d root / d v for every Value v that root depends on (root included)."""
    grads: dict[Value, object] = {root: seed}
    get = grads.get
    for node in reversed(topological_order(root)):
        a = node._a
        if a is None:  # a leaf
            continue
        g = grads[node]
        b = node._b
        # The partials see Values when the gradient is to be differentiated again, plain floats
        # otherwise. An operation has one input (always a Value) or two (each a Value or a
        # constant float); spelling the two cases out, rather than looping over the inputs,
        # makes this hot loop almost twice as fast.
        out = node if create_graph else node.data
        try:
            if b is None:
                (da,) = DERIVATIVES[node._op]
                contribution = da(g, out, a if create_graph else a.data)
                earlier = get(a)
                grads[a] = contribution if earlier is None else earlier + contribution
                continue
            da, db = DERIVATIVES[node._op]
            if create_graph:
                x, y = a, b
            else:
                x = a if a.__class__ is float else a.data
                y = b if b.__class__ is float else b.data
            if a.__class__ is not float:
                contribution = da(g, out, x, y)
                earlier = get(a)
                grads[a] = contribution if earlier is None else earlier + contribution
            if b.__class__ is not float:
                contribution = db(g, out, x, y)
                earlier = get(b)
                grads[b] = contribution if earlier is None else earlier + contribution
        except (ArithmeticError, ValueError) as error:
            raise type(error)(
                f"backward through {node._op!r} at inputs {_show(node.parents)}: {error}"
            ) from error
    return grads


def _show(parents: tuple[Value | float, ...]) -> str:
    return ", ".join(repr(data_of(p)) for p in parents)


def _seed(gradient: Operand, create_graph: bool) -> float | Value:
    if create_graph and isinstance(gradient, Value):
        return gradient
    if isinstance(gradient, Value):
        return gradient.data
    return as_float(gradient, "the gradient passed to backward")


def _as_value(gradient: object) -> Value:
    return gradient if isinstance(gradient, Value) else Value(gradient)


def backward(root: Value, gradient: Operand = 1.0, *, create_graph: bool = False) -> None:
    """`Value.backward`: leaves accumulate, intermediate Values are overwritten."""
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, not {type(root).__name__}")
    grads = _gradients(root, _seed(gradient, create_graph), create_graph)
    for node, g in grads.items():
        if not node.is_leaf:
            node.grad = _as_value(g) if create_graph else g
        else:
            total = node.grad + g
            node.grad = _as_value(total) if create_graph else total


def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    gradient: Operand = 1.0,
    create_graph: bool = False,
) -> tuple[float | Value, ...]:
    """The gradients of `output` with respect to each of `inputs`, as a tuple; `.grad` is untouched.

    Like ``torch.autograd.grad``. An input that `output` does not depend on gets 0.0. With
    ``create_graph=True`` the gradients are Values, so they can be differentiated again:

    >>> x = Value(3.0)
    >>> (dy,) = grad(x ** 3, x, create_graph=True)
    >>> (d2y,) = grad(dy, x)
    >>> dy.data, d2y
    (27.0, 18.0)
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad needs a Value as output, not {type(output).__name__}")
    try:
        targets = (inputs,) if isinstance(inputs, Value) else tuple(inputs)
    except TypeError:
        raise TypeError(
            f"grad inputs must be a Value or a sequence of Values, not {type(inputs).__name__}"
        ) from None
    for position, target in enumerate(targets):
        if not isinstance(target, Value):
            raise TypeError(
                f"grad inputs must be Values; input {position} is {type(target).__name__}"
            )
    grads = _gradients(output, _seed(gradient, create_graph), create_graph)
    if create_graph:
        return tuple(_as_value(grads.get(target, 0.0)) for target in targets)
    return tuple(grads.get(target, 0.0) for target in targets)
