"""`gradcheck`: compare the backward pass with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import cast

from autograd.backprop import grad
from autograd.engine import Operand, Value, data_of, no_grad
from autograd.numbers import as_float


class GradcheckError(AssertionError):
    """Raised by `gradcheck` when an analytic derivative disagrees with its numeric estimate."""


def gradcheck(
    fn: Callable[..., Value],
    inputs: Sequence[Operand],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
) -> bool:
    """Check the derivatives of ``fn(*inputs)`` against central finite differences.

    ``order=1`` compares every first derivative with ``(f(x + eps) - f(x - eps)) / (2 eps)``;
    ``order=2`` also compares every second derivative d2f/dxi dxj with central differences of the
    first derivatives. A pair agrees when ``|analytic - numeric| <= atol + rtol * |numeric|``.
    Returns True, or raises `GradcheckError` with a table of every compared value.

    >>> gradcheck(lambda x, y: (x * y).sin(), [0.5, -1.5], order=2)
    True
    """
    if order not in (1, 2):
        raise ValueError(f"gradcheck order must be 1 or 2, not {order!r}")
    if not eps > 0:
        raise ValueError(f"gradcheck eps must be positive, not {eps!r}")
    if isinstance(inputs, Value) or not isinstance(inputs, Sequence) or not inputs:
        raise TypeError("gradcheck inputs must be a non-empty list or tuple of numbers or Values")
    point = [x.data if isinstance(x, Value) else as_float(x, "a gradcheck input") for x in inputs]
    names = [x.label if isinstance(x, Value) and x.label else f"x{i}" for i, x in enumerate(inputs)]

    def evaluate(at: list[float]) -> float:
        with no_grad():
            return _call(fn, [Value(v) for v in at]).data

    def first_derivatives(
        at: list[float], create_graph: bool = False
    ) -> tuple[list[Value], tuple[float | Value, ...]]:
        leaves = [Value(v, label=name) for v, name in zip(at, names)]
        return leaves, grad(_call(fn, leaves), leaves, create_graph=create_graph)

    rows: list[tuple[str, float, float]] = []
    _, analytic = first_derivatives(point)
    for i, name in enumerate(names):
        numeric = _central_difference(evaluate, point, i, eps)
        rows.append((f"d/d{name}", data_of(analytic[i]), numeric))

    if order == 2:
        leaves, firsts = first_derivatives(point, create_graph=True)
        for i, first in enumerate(firsts):
            seconds = grad(cast(Value, first), leaves)  # create_graph=True gave Values
            for j, name_j in enumerate(names):

                def derivative_i(at: list[float], i: int = i) -> float:
                    return data_of(first_derivatives(at)[1][i])

                numeric = _central_difference(derivative_i, point, j, eps)
                rows.append((f"d2/d{names[i]} d{name_j}", data_of(seconds[j]), numeric))

    differs = [not _close(analytic, numeric, atol, rtol) for _, analytic, numeric in rows]
    if any(differs):
        raise GradcheckError(_table(rows, differs, atol, rtol))
    return True


def _call(fn: Callable[..., Value], leaves: list[Value]) -> Value:
    result = fn(*leaves)
    if not isinstance(result, Value):
        raise TypeError(f"gradcheck: fn must return a Value, not {type(result).__name__}")
    return result


def _central_difference(
    f: Callable[[list[float]], float], point: list[float], index: int, eps: float
) -> float:
    above = list(point)
    below = list(point)
    above[index] += eps
    below[index] -= eps
    return (f(above) - f(below)) / (2 * eps)


def _close(analytic: float, numeric: float, atol: float, rtol: float) -> bool:
    # Written so that a NaN on either side counts as a difference.
    return abs(analytic - numeric) <= atol + rtol * abs(numeric)


def _table(
    rows: list[tuple[str, float, float]], differs: list[bool], atol: float, rtol: float
) -> str:
    header = ("derivative", "analytic", "numeric", "difference", "")
    lines = [header] + [
        (
            name,
            f"{analytic:.10g}",
            f"{numeric:.10g}",
            f"{abs(analytic - numeric):.3g}",
            "<-- differs" if differ else "",
        )
        for (name, analytic, numeric), differ in zip(rows, differs)
    ]
    widths = [max(len(line[k]) for line in lines) for k in range(4)]
    text = [
        f"gradcheck failed: {sum(differs)} of {len(rows)} derivatives differ from central "
        f"finite differences beyond atol={atol:g} + rtol={rtol:g} * |numeric|"
    ]
    for line in lines:
        cells = [line[k].ljust(widths[k]) for k in range(4)] + [line[4]]
        text.append("  " + "  ".join(cells).rstrip())
    return "\n".join(text)
