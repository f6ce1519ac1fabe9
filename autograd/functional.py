"""Whole derivatives of a function of several numbers, in reverse mode and in forward mode.

`f` takes one argument per input and returns a Value or a list of Values (its outputs); `inputs`
are numbers. Results are numpy float64 arrays:

    >>> jacobian(lambda x, y: [x * y, x + y], [2.0, 3.0])  # outputs x inputs
    array([[3., 2.],
           [1., 1.]])
    >>> hessian(lambda x, y: x * x * y, [2.0, 3.0])  # inputs x inputs, of one output
    array([[6., 4.],
           [4., 0.]])

Reverse mode (`jacobian`, `vjp`, `hessian`, `hvp`) records f on Values and runs the engine's
backward pass (`grad`): one backward gives a whole row, d(one output)/d(every input). Forward mode
(`jvp`) pushes one direction through f, from the inputs to the outputs, in the same sweep that
computes f: it gives d(every output)/d(one direction of the inputs). So reverse mode wins for many
inputs and few outputs (a loss and its parameters), forward mode for few inputs and many outputs
(``python -m demos.modes`` measures both).

Both modes read the same registry, `autograd.operations.OPERATIONS`: a local derivative
``d(g, out, *operands)`` is ``g * d out / d operand``, linear in `g`, so feeding it an operand's
tangent instead of a gradient gives that operand's share of the result's tangent. An operation of
your own (`define_op`) works in both modes with nothing more to write.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Union

import numpy as np

from autograd.backprop import grad
from autograd.engine import Value
from autograd.numbers import as_float, is_real_number
from autograd.operations import ABS, ADD, DIV, MUL, NEG, OPERATIONS, POW, SUB, Operation

Inputs = Union[Sequence[float], np.ndarray]  # noqa: UP007 - evaluated at run time on 3.10


# ---------------------------------------------------------------------- checks at the boundary
def _numbers(numbers: object, who: str, what: str, length: int | None = None) -> list[float]:
    """A list or 1-D array of real numbers as floats; `length` of them when given."""
    if isinstance(numbers, np.ndarray) and numbers.ndim == 1:
        numbers = numbers.tolist()
    if not isinstance(numbers, (list, tuple)):
        raise TypeError(
            f"{who}: {what} must be a list, tuple or 1-D numpy array of numbers, "
            f"not {type(numbers).__name__}"
        )
    if length is None and not numbers:
        raise ValueError(f"{who}: {what} is empty; give one number per argument of f")
    if length is not None and len(numbers) != length:
        raise ValueError(f"{who}: {what} has {len(numbers)} numbers, f has {length}")
    return [as_float(x, f"{who}: each of {what}") for x in numbers]


def _outputs(result: object, who: str, kind: type | tuple[type, ...] = Value) -> tuple[Any, ...]:
    """f's result as a tuple of outputs: one Value, or each Value of a non-empty list or tuple."""
    if isinstance(result, kind):
        return (result,)
    if isinstance(result, (list, tuple)) and result:
        for position, output in enumerate(result):
            if not isinstance(output, kind):
                raise TypeError(
                    f"{who}: f must return a Value or a list of Values computed from its "
                    f"arguments; output {position} is a {type(output).__name__}: {output!r}"
                )
        return tuple(result)
    given = "an empty list" if isinstance(result, (list, tuple)) else type(result).__name__
    raise TypeError(
        f"{who}: f must return a Value or a non-empty list of Values computed from its "
        f"arguments, not {given}"
    )


def _run_on_leaves(
    f: Callable[..., Any], inputs: Inputs, who: str
) -> tuple[list[Value], tuple[Value, ...]]:
    """Run f on a fresh leaf per input: the leaves and f's outputs (a tuple, even of one)."""
    leaves = [Value(x) for x in _numbers(inputs, who, "inputs")]
    return leaves, _outputs(f(*leaves), who)


def _scalar(outputs: tuple[Value, ...], who: str) -> Value:
    if len(outputs) != 1:
        raise ValueError(f"{who} needs an f with one output (a Value), not {len(outputs)} outputs")
    return outputs[0]


# ---------------------------------------------------------------------- reverse mode
def jacobian(f: Callable[..., Any], inputs: Inputs) -> np.ndarray:
    """d output_i / d input_j of ``f(*inputs)``, an outputs x inputs array (one row for a Value).

    One backward pass per output, like ``torch.autograd.functional.jacobian``.
    """
    leaves, outputs = _run_on_leaves(f, inputs, "jacobian")
    return np.array([grad(output, leaves) for output in outputs], dtype=np.float64)


def vjp(f: Callable[..., Any], inputs: Inputs, v: Sequence[float] | float) -> np.ndarray:
    """``v @ J``: the gradient of sum_i v_i * output_i, one number per input, in one backward pass.

    `v` has one number per output (or is a single number for one output). ``vjp(f, x, [1, 0])``
    is the Jacobian's first row, for the cost of one backward pass.
    """
    leaves, outputs = _run_on_leaves(f, inputs, "vjp")
    if len(outputs) == 1 and is_real_number(v):
        v = [v]  # type: ignore[list-item]
    weights = _numbers(v, "vjp", "v", len(outputs))
    combined = sum((weight * output for weight, output in zip(weights, outputs)), Value(0.0))
    return np.array(grad(combined, leaves), dtype=np.float64)


def hessian(f: Callable[..., Any], inputs: Inputs) -> np.ndarray:
    """d2 f / d input_i d input_j of a function with one output, an inputs x inputs array.

    The first derivatives are taken with ``create_graph=True``, then each is differentiated
    again: one backward pass per input, through the graph of the gradient.
    """
    leaves, outputs = _run_on_leaves(f, inputs, "hessian")
    firsts = grad(_scalar(outputs, "hessian"), leaves, create_graph=True)
    return np.array([grad(first, leaves) for first in firsts], dtype=np.float64)


def hvp(f: Callable[..., Any], inputs: Inputs, v: Sequence[float]) -> np.ndarray:
    """``H @ v`` for the Hessian H of a function with one output, without building H.

    The gradient of (gradient . v): two backward passes, whatever the number of inputs.
    """
    leaves, outputs = _run_on_leaves(f, inputs, "hvp")
    direction = _numbers(v, "hvp", "v", len(leaves))
    firsts = grad(_scalar(outputs, "hvp"), leaves, create_graph=True)
    along_v = sum((d * first for d, first in zip(direction, firsts)), Value(0.0))
    return np.array(grad(along_v, leaves), dtype=np.float64)


# ---------------------------------------------------------------------- forward mode
DualMethod = Callable[["Dual", object], Any]


def _dual_operators(operation: Operation) -> tuple[DualMethod, DualMethod]:
    """Dual's ``__op__`` and ``__rop__``: a Dual, a Value or a number on the other side."""

    def method(self: Dual, other: object) -> Any:
        if not isinstance(other, (Dual, Value)) and not is_real_number(other):
            return NotImplemented
        return Dual.apply_operation(operation, self, other)

    def reflected(self: Dual, other: object) -> Any:
        if not isinstance(other, Value) and not is_real_number(other):
            return NotImplemented
        return Dual.apply_operation(operation, other, self)

    return method, reflected


class Dual:
    """A number and its tangent (its derivative along the direction `jvp` pushes through f).

    `jvp` calls f with Duals in place of Values. They know the arithmetic operators, Value's
    methods (``x.exp()``, ``x.sigmoid()``, ...) and every registered function, yours included
    (``autograd.exp(x)``, a `define_op` function); a Value or a number met on the way is a
    constant. `data` is the number itself, as on a Value.
    """

    __slots__ = ("data", "tangent")
    __array_ufunc__ = None  # numpy defers to the reflected operators, as for Value

    def __init__(self, data: float, tangent: float) -> None:
        self.data = data
        self.tangent = tangent

    def __repr__(self) -> str:
        return f"Dual(data={self.data!r}, tangent={self.tangent!r})"

    @staticmethod
    def apply_operation(operation: Operation, *operands: object) -> Dual:
        """The engine hands an operation on a Dual here: the result and its tangent, together.

        The tangent is the sum over the Dual operands of ``partial(tangent, out, *operands)``;
        an operand whose tangent is 0.0 adds nothing, and its partial is not evaluated (so x ** y
        at x < 0 is fine along a direction that leaves y alone).
        """
        numbers = tuple(_number_of(operand, operation) for operand in operands)
        out = operation.forward(*numbers)
        tangent = 0.0
        partials = OPERATIONS[operation.name].partials  # a replaced record is what is used
        # The class test narrows for mypy, not pyright: hence its two ignores.
        for position, operand in enumerate(operands):
            if operand.__class__ is Dual and operand.tangent != 0.0:  # pyright: ignore[reportAttributeAccessIssue]
                try:
                    tangent += partials[position](operand.tangent, out, *numbers)  # pyright: ignore[reportAttributeAccessIssue]
                except (ArithmeticError, ValueError) as error:
                    shown = ", ".join(repr(number) for number in numbers)
                    raise type(error)(
                        f"jvp through {operation.name!r} at operands {shown}: {error}"
                    ) from error
        return Dual(out, tangent)

    # Value's language, from the registry: the operators here, a method per registered
    # operation that Value has as a method (exp, log, sigmoid, ...) below the class.
    __add__, __radd__ = _dual_operators(ADD)
    __sub__, __rsub__ = _dual_operators(SUB)
    __mul__, __rmul__ = _dual_operators(MUL)
    __truediv__, __rtruediv__ = _dual_operators(DIV)
    __pow__, __rpow__ = _dual_operators(POW)
    __neg__ = NEG.function
    __abs__ = ABS.function

    def __pos__(self) -> Dual:
        return self


for _operation in OPERATIONS.values():
    if _operation.arity == 1 and callable(getattr(Value, _operation.name, None)):
        setattr(Dual, _operation.name, _operation.function)


def _number_of(operand: object, operation: Operation) -> float:
    if isinstance(operand, (Dual, Value)):
        return operand.data
    return as_float(operand, f"an operand of {operation.name} in jvp")


def jvp(
    f: Callable[..., Any], inputs: Inputs, tangents: Sequence[float]
) -> tuple[np.ndarray, np.ndarray]:
    """``(outputs, J @ tangents)``: f's outputs and their derivatives along `tangents`, one sweep.

    Forward mode: f runs once, on `Dual` numbers that carry each result's derivative along the
    direction beside the result itself, so no graph is recorded. With a one-hot `tangents`
    (``[0, 1, 0]``) the derivatives are one column of the Jacobian. Both arrays have one number per
    output.

    >>> jvp(lambda x, y: [x * y, x.sin()], [2.0, 3.0], [1.0, 0.0])  # d/dx of each output
    (array([6.        , 0.90929743]), array([ 3.        , -0.41614684]))
    """
    points = _numbers(inputs, "jvp", "inputs")
    direction = _numbers(tangents, "jvp", "tangents", len(points))
    duals = [Dual(x, t) for x, t in zip(points, direction)]
    # A Value among the outputs was not computed from f's arguments: a constant, as in jacobian.
    outputs = _outputs(f(*duals), "jvp", (Dual, Value))
    return (
        np.array([output.data for output in outputs], dtype=np.float64),
        np.array([getattr(output, "tangent", 0.0) for output in outputs], dtype=np.float64),
    )
