"""Stand-ins that write source: run a derivative rule on them and get its arithmetic as text.

Every derivative comes from the engine's own registry: each rule is run once on `Expr` stand-ins
instead of floats, and the stand-ins record what the rule computes as an expression tree, which
renders as Python source. So each rule is still written in one place only. A registered function
called on a stand-in (``cos(a)``, ``step(a)``) writes a call, through `Expr.apply_operation`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autograd.engine import DERIVATIVES, OPERATIONS, Operation

# Python's binding strength, weakest first: how tightly an expression holds together decides whether
# it needs parentheses as an operand. Parentheses also keep the engine's evaluation order, which
# matters for floats: (a + b) + c and a + (b + c) can differ in the last bit.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = range(5)
_STRENGTH = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}

ExprMethod = Callable[["Expr", object], "Expr"]


def _operators(symbol: str) -> tuple[ExprMethod, ExprMethod]:
    """`Expr`'s ``__op__`` and ``__rop__`` for an infix operator: they write ``a op b``."""

    def method(self: Expr, other: object) -> Expr:
        return binary(self, symbol, other)

    def reflected(self: Expr, other: object) -> Expr:
        return binary(other, symbol, self)

    return method, reflected


class Expr:
    """An expression built by doing arithmetic on stand-ins instead of floats; it renders as source.

    `kind` is "name", "number", "call", "neg" or a binary operator; `parts` are the name, the
    number, the function name followed by the arguments, or the operands. `names` are the stand-in
    names used, so that generated code binds only those, and `calls` the functions it calls.
    """

    __slots__ = ("calls", "kind", "names", "parts")

    def __init__(
        self,
        kind: str,
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
        """(source text, binding strength)."""
        if self.kind == "name":
            return str(self.parts[0]), _ATOM
        if self.kind == "number":
            text = repr(self.parts[0])  # round-trips; inf and nan are names in the namespace
            return text, (_UNARY if text.startswith("-") else _ATOM)
        if self.kind == "call":
            function, *args = self.parts
            arguments = ", ".join(as_expr(arg).render(power_call)[0] for arg in args)
            return f"{function}({arguments})", _ATOM
        if self.kind == "neg":
            operand, strength = as_expr(self.parts[0]).render(power_call)
            return f"-{_wrap(operand, strength <= _UNARY)}", _UNARY
        (left, left_strength), (right, right_strength) = (
            as_expr(part).render(power_call) for part in self.parts
        )
        if self.kind == "**":
            exponent = self.parts[1]
            integral = (
                isinstance(exponent, Expr)
                and exponent.kind == "number"
                and float(exponent.parts[0]).is_integer()  # type: ignore[arg-type]
            )
            if power_call and not integral:
                # numpy's power is the engine's for an integral constant exponent (its errors
                # raise as floating-point errors); otherwise the checked power of the engine.
                return f"power({left}, {right})", _ATOM
            # ** binds to the right, and its base must be an atom.
            return (
                f"{_wrap(left, left_strength < _ATOM)} ** {_wrap(right, right_strength < _UNARY)}",
                _POWER,
            )
        strength = _STRENGTH[self.kind]
        left = _wrap(left, left_strength < strength)
        right = _wrap(right, right_strength <= strength)
        return f"{left} {self.kind} {right}", strength

    def __repr__(self) -> str:
        return f"Expr({self.text!r})"

    @classmethod
    def apply_operation(cls, operation: Operation, *operands: object) -> Expr:
        """A registered operation applied to stand-ins: the expression that computes it."""
        return forward_expr(operation.name, operands)

    __add__, __radd__ = _operators("+")
    __sub__, __rsub__ = _operators("-")
    __mul__, __rmul__ = _operators("*")
    __truediv__, __rtruediv__ = _operators("/")
    __pow__, __rpow__ = _operators("**")

    def __neg__(self) -> Expr:
        return Expr("neg", (self,), self.names, self.calls)

    def __abs__(self) -> Expr:
        return call("abs", self)

    def __bool__(self) -> bool:
        raise TypeError("a derivative rule that branches on data cannot be written out as code")


def as_expr(x: object) -> Expr:
    if isinstance(x, Expr):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return Expr("number", (x,))
    raise TypeError(f"cannot write {type(x).__name__} {x!r} into generated code")


def _is_one(x: object) -> bool:
    return not isinstance(x, Expr) and x == 1


def _wrap(text: str, parenthesize: bool) -> str:
    return f"({text})" if parenthesize else text


def binary(left: object, symbol: str, right: object) -> Expr:
    # Multiplying by one and raising to the power one are exact no-ops on floats and on arrays;
    # dropping them keeps the initial gradient 1.0 and the power rule's a ** (2 - 1) readable.
    if symbol == "*" and _is_one(left):
        return as_expr(right)
    if symbol in ("*", "**") and _is_one(right):
        return as_expr(left)
    left, right = as_expr(left), as_expr(right)
    return Expr(symbol, (left, right), left.names | right.names, left.calls | right.calls)


def call(function: str, *args: object) -> Expr:
    exprs = tuple(as_expr(arg) for arg in args)
    names = frozenset().union(*(expr.names for expr in exprs))
    calls = frozenset([function]).union(*(expr.calls for expr in exprs))
    return Expr("call", (function, *exprs), names, calls)


def forward_expr(op: str, args: Sequence[object], constant_exponent: object = None) -> Expr:
    """One operation's forward rule as source text: an operator, or a call of its function."""
    operation = OPERATIONS[op]  # the trace checked that it is registered
    if op == "**":
        # a ** b on floats turns a negative base to a fractional power into a complex number;
        # `power` has the engine's checks. An integral constant exponent is always safe.
        if isinstance(constant_exponent, float) and constant_exponent.is_integer():
            return binary(args[0], "**", args[1])
        return call("power", *args)
    if operation.infix and operation.arity == 1:
        return -as_expr(args[0])
    if operation.infix:
        return binary(args[0], operation.infix, args[1])
    return call(op, *args)


def by_called_name(rule: Callable[[Operation], object]) -> dict[str, object]:
    """``rule(operation)`` under the name generated code calls each operation by ("power": **)."""
    return {
        "power" if operation.name == "**" else operation.name: rule(operation)
        for operation in OPERATIONS.values()
        if operation.name == "**" or operation.name.isidentifier()
    }


def partial_expr(op: str, index: int, g: object, out: Expr, args: Sequence[object]) -> Expr:
    """g * d(out)/d(operand `index`) of `op` as source text, from the engine's rule."""
    rule = DERIVATIVES[op][index]
    try:
        return as_expr(rule(g, out, *args))
    except TypeError as error:
        raise ValueError(
            f"cannot compile the derivative of {op!r}: its rule does more than arithmetic and "
            f"registered functions ({error})"
        ) from None
