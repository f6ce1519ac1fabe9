"""Stand-ins that write source: run a derivative rule on them and get its arithmetic as text.

Every derivative comes from the engine's own registry: each rule is run once on `Expr` stand-ins
instead of floats, and the stand-ins record what the rule computes as an expression tree, which
renders as Python source. So each rule is still written in one place only. A registered function
called on a stand-in (``cos(a)``, ``step(a)``) writes a call, through `Expr.apply_operation`. How
each operation is written (its operator, how tightly it binds, the name it is called by) is the
registry's to say.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from autograd.operations import (
    ABS,
    ADD,
    ATOM,
    DIV,
    MUL,
    NEG,
    OPERATIONS,
    POW,
    SUB,
    UNARY,
    Operation,
)

ExprMethod = Callable[["Expr", object], "Expr"]


def _operators(operation: Operation) -> tuple[ExprMethod, ExprMethod]:
    """`Expr`'s ``__op__`` and ``__rop__`` for an operation written with an operator."""

    def method(self: Expr, other: object) -> Expr:
        return binary(self, operation, other)

    def reflected(self: Expr, other: object) -> Expr:
        return binary(other, operation, self)

    return method, reflected


class Expr:
    """An expression built by doing arithmetic on stand-ins instead of floats; it renders as source.

    `kind` is "name", "number", "call", or the `Operation` an operator writes; `parts` are the
    name, the number, the function name followed by the arguments, or the operands. `names` are
    the stand-in names used, so that generated code binds only those, and `calls` the names it
    calls (or reads from outside, as ``inf``).
    """

    __slots__ = ("calls", "kind", "names", "parts")

    def __init__(
        self,
        kind: str | Operation,
        parts: tuple[object, ...],
        names: frozenset[str] = frozenset(),
        calls: frozenset[str] = frozenset(),
    ) -> None:
        self.kind = kind
        self.parts = parts
        self.names = names
        self.calls = calls

    @staticmethod
    def name(text: str) -> Expr:
        return Expr("name", (text,), frozenset([text]))

    @property
    def text(self) -> str:
        """Python source, powers written ``a ** b``: for people, and for floats."""
        return self.render(power_call=False)[0]

    @property
    def array_text(self) -> str:
        """Python source with powers written ``power(a, b)``: the batch code's checked power."""
        return self.render(power_call=True)[0]

    def render(self, power_call: bool) -> tuple[str, int]:
        """(source text, binding strength). Parentheses also keep the engine's evaluation
        order, which matters for floats: (a + b) + c and a + (b + c) can differ in the last bit."""
        if self.kind == "name":
            return str(self.parts[0]), ATOM
        if self.kind == "number":
            text = repr(self.parts[0])  # round-trips; inf and nan are imported names
            return text, (UNARY if text.startswith("-") else ATOM)
        if self.kind == "call":
            function, *args = self.parts
            arguments = ", ".join(as_expr(arg).render(power_call)[0] for arg in args)
            return f"{function}({arguments})", ATOM
        operation = self.kind
        assert isinstance(operation, Operation)  # the other kinds are the strings above
        if operation.arity == 1:
            operand, strength = as_expr(self.parts[0]).render(power_call)
            return f"{operation.symbol}{_wrap(operand, strength <= UNARY)}", UNARY
        (left, left_strength), (right, right_strength) = (
            as_expr(part).render(power_call) for part in self.parts
        )
        if operation is POW:
            if power_call and not _integral_number(self.parts[1]):
                # numpy's power is the engine's for an integral constant exponent (its errors
                # raise as floating-point errors); otherwise the checked power of the engine.
                return f"{POW.call_name}({left}, {right})", ATOM
            # ** binds to the right, and its base must be an atom.
            return (
                f"{_wrap(left, left_strength < ATOM)} {POW.symbol} "
                f"{_wrap(right, right_strength < UNARY)}",
                operation.binding,
            )
        strength = operation.binding
        left = _wrap(left, left_strength < strength)
        right = _wrap(right, right_strength <= strength)
        return f"{left} {operation.symbol} {right}", strength

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    @classmethod
    def apply_operation(cls, operation: Operation, *operands: object) -> Expr:
        """A registered operation applied to stand-ins: the expression that computes it."""
        return forward_expr(operation, operands)

    __add__, __radd__ = _operators(ADD)
    __sub__, __rsub__ = _operators(SUB)
    __mul__, __rmul__ = _operators(MUL)
    __truediv__, __rtruediv__ = _operators(DIV)
    __pow__, __rpow__ = _operators(POW)

    def __neg__(self) -> Expr:
        return Expr(NEG, (self,), self.names, self.calls)

    def __abs__(self) -> Expr:
        return call(ABS.call_name, self)

    def __bool__(self) -> bool:
        raise TypeError("a derivative rule that branches on data cannot be written out as code")


def as_expr(x: object) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        # inf and nan are written as names, which the generated code imports.
        calls = frozenset() if math.isfinite(x) else frozenset([repr(abs(x))])
        return Expr("number", (x,), calls=calls)
    raise TypeError(f"cannot write {type(x).__name__} {x!r} into generated code")


def _integral_number(x: object) -> bool:
    return isinstance(x, Expr) and x.kind == "number" and float(x.parts[0]).is_integer()  # type: ignore[arg-type]


def _is_one(x: object) -> bool:
    return not isinstance(x, Expr) and x == 1


def _wrap(text: str, parenthesize: bool) -> str:
    return f"({text})" if parenthesize else text


def binary(left: object, operation: Operation, right: object) -> Expr:
    # Multiplying by one and raising to the power one are exact no-ops on floats and on arrays;
    # dropping them keeps the initial gradient 1.0 and the power rule's a ** (2 - 1) readable.
    if operation is MUL and _is_one(left):
        return as_expr(right)
    if (operation is MUL or operation is POW) and _is_one(right):
        return as_expr(left)
    left, right = as_expr(left), as_expr(right)
    calls = left.calls | right.calls
    if operation is POW and not _integral_number(right):
        calls |= {POW.call_name}  # the batch code writes it as a call (`array_text`)
    return Expr(operation, (left, right), left.names | right.names, calls)


def call(function: str, *args: object) -> Expr:
    exprs = tuple(as_expr(arg) for arg in args)
    names = frozenset().union(*(expr.names for expr in exprs))
    calls = frozenset([function]).union(*(expr.calls for expr in exprs))
    return Expr("call", (function, *exprs), names, calls)


def forward_expr(
    operation: Operation, args: Sequence[object], constant_exponent: object = None
) -> Expr:
    """One operation's forward rule as source text: an operator, or a call of its function."""
    if operation is POW:
        # a ** b on floats turns a negative base to a fractional power into a complex number;
        # `power` has the engine's checks. An integral constant exponent is always safe.
        if isinstance(constant_exponent, float) and constant_exponent.is_integer():
            return binary(args[0], POW, args[1])
        return call(POW.call_name, *args)
    if operation.symbol and operation.arity == 1:
        operand = as_expr(args[0])
        return Expr(operation, (operand,), operand.names, operand.calls)
    if operation.symbol:
        return binary(args[0], operation, args[1])
    return call(operation.call_name, *args)


def partial_expr(
    operation: Operation, index: int, g: object, out: Expr, args: Sequence[object]
) -> Expr:
    """g * d(out)/d(operand `index`) of `operation` as source text, from the engine's rule."""
    # Read from the registry at each use, so that a replaced record is what gets written.
    rule = OPERATIONS[operation.name].partials[index]
    try:
        return as_expr(rule(g, out, *args))
    except TypeError as error:
        raise ValueError(
            f"cannot compile the derivative of {operation.name!r}: its rule does more than "
            f"arithmetic and registered functions ({error})"
        ) from None


def import_lines(calls: set[str] | frozenset[str], rules: str) -> list[str]:
    """The lines that bind every name generated code calls, so that it runs on its own: inf and
    nan from math, each operation's rule from `rules` (the module `autograd.compile.float_rules`
    or `autograd.compile.array_rules`), built-in and `define_op` operations alike."""
    constants = sorted(calls & {"inf", "nan"})
    operations = sorted(calls - {"inf", "nan"})
    lines = []
    if constants:
        lines.append(f"from math import {', '.join(constants)}")
    if operations:
        lines.append(f"from autograd.compile.{rules} import {', '.join(operations)}")
    return lines
