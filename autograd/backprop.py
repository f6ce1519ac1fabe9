"""The backward pass: reverse mode over the recorded graph, without recursion.

The order comes from a depth-first search that keeps its own stack, so depth is limited by memory,
not by Python's recursion limit. Walking that order backwards visits every Value after all of its
users, so a Value used several times (``b = a + a``) or reached along several paths (a diamond) has
the sum of all contributions before it passes anything on. That is also the moment a hook
(`Value.register_hook`) sees a Value's gradient and may replace it.
"""

from __future__ import annotations

import errno
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, overload

from autograd.engine import Operand, Value, data_of
from autograd.graph import topological_order
from autograd.numbers import as_float, is_real_number
from autograd.operations import OPERATIONS


def _gradients(root: Value, initial: float | Value, create_graph: bool) -> dict[Value, Any]:
    """d root / d v for every Value v that root depends on (root included)."""
    grads: dict[Value, Any] = {root: initial}
    users_first = topological_order(root)[::-1]
    if _hooks:  # one test per backward: with no hook anywhere, nothing below costs a thing
        _propagate_with_hooks(users_first, grads, create_graph)
    else:
        _propagate(users_first, grads, create_graph)
    return grads


def reverse_edges(root: Value) -> Iterator[tuple[Value, int, Value]]:
    """The engine's backward walk, as data: ``(node, position, operand)`` for each Value operand
    of each operation behind `root`, in exactly the order `backward` passes gradients along them.

    Users come before what they use, so when an edge leaves a node, every contribution to that
    node's gradient has arrived. The generated backward code and the stepping page follow this
    walk; `_propagate` below is the same walk, written out for speed.
    """
    for node in reversed(topological_order(root)):
        for position, operand in enumerate(node.parents):
            if isinstance(operand, Value):
                yield node, position, operand


def _propagate(nodes: list[Value], grads: dict[Value, Any], create_graph: bool) -> None:
    """Pass each node's gradient in `grads` on to its operands, users before what they use: the
    walk of `reverse_edges`, with each operation's partials from the registry."""
    get = grads.get
    # The partials by name, read from the records once per pass: a dict lookup per node then
    # costs what it did before there were records, and a replaced record is still what is used.
    partials = {name: operation.partials for name, operation in OPERATIONS.items()}
    for node in nodes:
        # Any: the checks below are by class, which is faster than isinstance in this loop.
        a: Any = node._a
        if a is None:  # a leaf
            continue
        g = grads[node]
        b: Any = node._b
        # The partials see Values when the gradient is to be differentiated again, plain floats
        # otherwise. An operation has one input (always a Value) or two (each a Value or a
        # constant float); spelling the two cases out, rather than looping over the inputs,
        # makes this hot loop almost twice as fast.
        out = node if create_graph else node.data
        try:
            if b is None:
                (da,) = partials[node._op]
                contribution = da(g, out, a if create_graph else a.data)
                earlier = get(a)
                grads[a] = contribution if earlier is None else earlier + contribution
                continue
            da, db = partials[node._op]
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
                f"backward through {node._op!r} at inputs {_show(node.parents)}: {_reason(error)}"
            ) from error


def _reason(error: BaseException) -> str:
    # A float power that overflows says only (34, 'Numerical result out of range').
    if isinstance(error, OverflowError) and error.args and error.args[0] == errno.ERANGE:
        return "the derivative is too large for a float"
    return str(error)


# ---------------------------------------------------------------------- hooks
Hook = Callable[[Any], Any]
# The hooks of each hooked Value, in the order they were registered. A Value has no room for them
# (its slots are fixed, to keep every node small) nor for a weak reference, so this table holds
# the hooked Values, and with them their graphs, until their hooks are removed.
_hooks: dict[Value, dict[RemovableHandle, Hook]] = {}
_hooks_lock = threading.Lock()


class RemovableHandle:
    """What `Value.register_hook` returns: ``remove()`` takes that hook off the Value again.

    Also a context manager: ``with x.register_hook(fn): ...`` removes the hook on leaving the block.
    """

    __slots__ = ("_value",)

    def __init__(self, value: Value) -> None:
        self._value: Value | None = value

    def remove(self) -> None:
        """Remove the hook; removing it again does nothing."""
        with _hooks_lock:
            value, self._value = self._value, None  # the handle no longer keeps the Value alive
            if value is None:
                return
            hooks = _hooks.get(value)
            if hooks is not None:
                hooks.pop(self, None)
                if not hooks:
                    del _hooks[value]

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()


def register_hook(value: Value, hook: Hook) -> RemovableHandle:
    """`Value.register_hook`: call ``hook(grad)`` when a backward pass reaches `value`."""
    if not isinstance(value, Value):
        raise TypeError(f"register_hook needs a Value, not {type(value).__name__}")
    if not callable(hook):
        raise TypeError(f"a hook must be callable, like fn(grad), not {type(hook).__name__}")
    handle = RemovableHandle(value)
    with _hooks_lock:
        _hooks.setdefault(value, {})[handle] = hook
    return handle


def has_hooks(value: Value) -> bool:
    """True when `value` has a hook. Internal: the compiler refuses graphs with hooked Values,
    since compiled code runs without calling back into Python."""
    return value in _hooks


def _propagate_with_hooks(nodes: list[Value], grads: dict[Value, Any], create_graph: bool) -> None:
    """`_propagate`, stopping at each hooked Value to let its hooks replace its gradient (complete
    by then: see the module docstring) before it flows on, or into a leaf's ``.grad``."""
    start = 0
    for position, node in enumerate(nodes):
        if node in _hooks:
            _propagate(nodes[start:position], grads, create_graph)
            with _hooks_lock:
                hooks = tuple(_hooks.get(node, {}).values())
            gradient = grads[node]
            for hook in hooks:
                result = hook(gradient)
                if result is not None:
                    gradient = _hook_result(result, hook, node, create_graph)
            grads[node] = gradient
            start = position
    _propagate(nodes[start:], grads, create_graph)


def _hook_result(result: object, hook: Hook, node: Value, create_graph: bool) -> float | Value:
    if isinstance(result, Value):
        return result if create_graph else result.data
    if is_real_number(result):
        return float(result)
    name = getattr(hook, "__name__", type(hook).__name__)
    raise TypeError(
        f"the hook {name} on {node!r} returned {type(result).__name__} {result!r}: a hook returns "
        "None (keep the gradient) or the gradient to use instead, a number or a Value"
    )


def _show(parents: tuple[Value | float, ...]) -> str:
    return ", ".join(repr(data_of(p)) for p in parents)


def _initial_gradient(gradient: Operand, create_graph: bool) -> float | Value:
    if isinstance(gradient, Value):
        return gradient if create_graph else gradient.data
    return as_float(gradient, "the gradient passed to backward")


def _as_value(gradient: Any) -> Value:
    return gradient if isinstance(gradient, Value) else Value(gradient)


def backward(root: Value, gradient: Operand = 1.0, *, create_graph: bool = False) -> None:
    """`Value.backward`: leaves accumulate, intermediate Values are overwritten."""
    if not isinstance(root, Value):
        raise TypeError(f"backward needs a Value, not {type(root).__name__}")
    grads = _gradients(root, _initial_gradient(gradient, create_graph), create_graph)
    for node, g in grads.items():
        if node._a is not None:  # not a leaf (the property costs a call per node)
            node.grad = _as_value(g) if create_graph else g
        else:
            total = node.grad + g
            node.grad = _as_value(total) if create_graph else total


@overload
def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    gradient: Operand = 1.0,
    create_graph: Literal[False] = False,
) -> tuple[float, ...]: ...
@overload
def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    gradient: Operand = 1.0,
    create_graph: Literal[True],
) -> tuple[Value, ...]: ...
@overload
def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    gradient: Operand = 1.0,
    create_graph: bool,
) -> tuple[float, ...] | tuple[Value, ...]: ...
def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    gradient: Operand = 1.0,
    create_graph: bool = False,
) -> tuple[float, ...] | tuple[Value, ...]:
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
    grads = _gradients(output, _initial_gradient(gradient, create_graph), create_graph)
    if create_graph:
        return tuple(_as_value(grads.get(target, 0.0)) for target in targets)
    return tuple(grads.get(target, 0.0) for target in targets)
