"""The recorded graph as a graph: its order, its depths, and the arguments that name its roots.

Backward, drawing and compiling all walk a graph the same way, so they share these functions. Values
keep their operands in the slots ``_a`` and ``_b`` (None when absent, a float for a constant); this
module and the backward pass are the only places that read those slots.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd.engine import Value


def value_parents(node: Value) -> list[Value]:
    """The operands of `node` that are Values (constants, plain floats, left out), in order."""
    return [parent for parent in (node._a, node._b) if isinstance(parent, Value)]


def topological_order(root: Value | Sequence[Value]) -> list[Value]:
    """Every Value `root` (or each of several roots) depends on, each once, inputs before users.

    Depth first with the parents in argument order, so Values come in the order an expression is
    read: ``w0 * x0 + w1 * x1`` gives w0, x0, w0 * x0, w1, x1, w1 * x1, the sum. Drawings number
    their nodes in this order, and the compiler writes its lines in it.
    """
    roots = as_roots(root, "topological_order")
    order: list[Value] = []
    seen: set[Value] = set()  # pushed: placed already, or on the stack below the top
    for start in roots:
        if start in seen:
            continue
        seen.add(start)
        # The top of the stack is placed once none of its operands is left to visit; until then
        # its first unvisited operand goes on top. Any: the checks below are by class, faster
        # than isinstance here (None: no such operand; a float: a constant).
        stack: list[Any] = [start]
        while stack:
            node = stack[-1]
            a = node._a
            if a is not None and a.__class__ is not float and a not in seen:
                seen.add(a)
                stack.append(a)
                continue
            b = node._b
            if b is not None and b.__class__ is not float and b not in seen:
                seen.add(b)
                stack.append(b)
                continue
            order.append(stack.pop())
    return order


def as_roots(root: object, who: str) -> tuple[Value, ...]:
    """`root` itself, or each Value of a non-empty list or tuple; else a TypeError naming `who`."""
    if isinstance(root, Value):
        return (root,)
    if isinstance(root, (list, tuple)) and root:
        for position, value in enumerate(root):
            if not isinstance(value, Value):
                raise TypeError(
                    f"{who} takes a Value or a non-empty sequence of Values; "
                    f"item {position} is a {type(value).__name__}"
                )
        return tuple(root)
    given = "an empty list" if isinstance(root, (list, tuple)) else type(root).__name__
    raise TypeError(f"{who} takes a Value or a non-empty sequence of Values, not {given}")


def depths(order: list[Value]) -> dict[Value, int]:
    """How far each Value of a topological order is from the leaves: 0 for a leaf, else one more
    than its deepest input. Values of equal depth never depend on each other."""
    depth: dict[Value, int] = {}
    for value in order:
        inputs = [depth[parent] for parent in value_parents(value)]
        depth[value] = 1 + max(inputs) if inputs else 0
    return depth
