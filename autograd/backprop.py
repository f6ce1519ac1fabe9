"""The backward pass: reverse mode over the recorded graph, without recursion.

The order is Kahn's: count how many users each Value has, then walk from the output and hand a
Value its turn only once all its users have passed their gradient down. Depth is limited by memory,
not by Python's recursion limit, and a Value used several times (``b = a + a``) or reached along
several paths (a diamond) gets the sum of all contributions before it passes anything on.
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd.engine import DERIVATIVES, Operand, Value, _as_float


def _count_users(root: Value) -> dict[Value, int]:
    """For every Value that `root` depends on, how many recorded edges lead from it to a user."""
    users = {root: 0}
    stack = [root]
    while stack:
        for parent in stack.pop()._parents:
            if parent.__class__ is float:  # a constant
                continue
            if parent in users:
                users[parent] += 1
            else:
                users[parent] = 1
                stack.append(parent)
    return users


def topological_order(root: Value) -> list[Value]:
    """Every Value `root` depends on, itself included, each once, inputs before their users."""
    users = _count_users(root)
    order = []
    ready = [root]
    while ready:
        node = ready.pop()
        order.append(node)
        for parent in node._parents:
            if parent.__class__ is float:
                continue
            users[parent] -= 1
            if users[parent] == 0:
                ready.append(parent)
    order.reverse()
    return order


def _gradients(root: Value, seed: float | Value, create_graph: bool) -> dict[Value, object]:
    """d root / d v for every Value v that root depends on (root included)."""
    users = _count_users(root)
    grads: dict[Value, object] = {root: seed}
    ready = [root]
    while ready:
        node = ready.pop()
        parents = node._parents
        if not parents:
            continue
        g = grads[node]
        partials = DERIVATIVES[node._op]
        if create_graph:
            out, args = node, parents
        else:
            out = node.data
            args = [p if p.__class__ is float else p.data for p in parents]
        for partial, parent in zip(partials, parents):
            if parent.__class__ is float:
                continue
            try:
                contribution = partial(g, out, *args)
            except (ArithmeticError, ValueError) as error:
                raise type(error)(
                    f"backward through {node._op!r} at inputs {_show(parents)}: {error}"
                ) from error
            if parent in grads:
                grads[parent] = grads[parent] + contribution
            else:
                grads[parent] = contribution
            users[parent] -= 1
            if users[parent] == 0:
                ready.append(parent)
    return grads


def _show(parents: tuple[Value | float, ...]) -> str:
    return ", ".join(repr(p if p.__class__ is float else p.data) for p in parents)


def _seed(gradient: Operand, create_graph: bool) -> float | Value:
    if create_graph and isinstance(gradient, Value):
        return gradient
    if isinstance(gradient, Value):
        return gradient.data
    return _as_float(gradient, "the gradient passed to backward")


def _as_value(gradient: object) -> Value:
    return gradient if isinstance(gradient, Value) else Value(gradient)


def backward(root: Value, gradient: Operand = 1.0, *, create_graph: bool = False) -> None:
    """Implementation of `Value.backward`: leaves accumulate, intermediate Values are overwritten."""
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, not {type(root).__name__}")
    grads = _gradients(root, _seed(gradient, create_graph), create_graph)
    for node, g in grads.items():
        if node._parents:
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
    targets = (inputs,) if isinstance(inputs, Value) else tuple(inputs)
    for position, target in enumerate(targets):
        if not isinstance(target, Value):
            raise TypeError(
                f"grad inputs must be Values; input {position} is {type(target).__name__}"
            )
    grads = _gradients(output, _seed(gradient, create_graph), create_graph)
    if create_graph:
        return tuple(_as_value(grads.get(target, 0.0)) for target in targets)
    return tuple(grads.get(target, 0.0) for target in targets)
