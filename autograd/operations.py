"""The registry: one `Operation` record per operation, the only table of operations in the package.

A record holds everything any part knows about an operation: its forward rule on floats (with its
domain checks) beside its local derivatives, its rule on numpy arrays, how Python writes it, and
the name generated code calls it by. `Value`'s operators and methods, the functions below (`exp`,
`log`, ...), the backward pass, forward mode, `gradcheck`, the compiler and the drawings all ask
the record; none keeps a table of its own. Every built-in operation is registered below through the
same mechanism as an operation of your own (`define_op`, in `autograd.define`).

A local derivative is a function ``d(g, out, *operands) -> g * d out / d operand``, one per
operand. The rules use only arithmetic and registered functions (`exp`, `log`, `cos`, `step`, ...),
which work the same on floats, on Values and on the stand-ins of forward mode and of the compiler:
the backward pass calls them with floats for an ordinary backward and with Values when a graph of
the gradient is wanted (``create_graph=True``), so the same line serves first, second and third
derivatives; the compiler runs them once on stand-ins that write source text, and the stepping
page on stand-ins that write the rule for a reader.

Numerical policy: results follow Python's float and `math` rules. An argument outside an
operation's domain raises `ValueError` (log of a number <= 0, sqrt of a negative, a negative base
to a non-integer power, sin or cos of an infinity), division by zero raises `ZeroDivisionError`,
and `exp` or `**` of a result too large for a float raises `OverflowError`; each message names the
operation and the value. ``+ - *`` and ``/`` follow float arithmetic and may reach inf, as Python's
floats do; NaN is accepted as data. `sigmoid` and `tanh` saturate to exactly 0.0 or 1.0 (-1.0) and
never overflow or warn. The backward pass raises the same kinds of error, naming the operation,
where a local derivative is undefined or infinite (sqrt at 0; d(a**b)/db for a base <= 0).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, overload

import numpy as np

from autograd.numbers import Number, as_float

if TYPE_CHECKING:  # the Protocols' annotations; the engine imports this module
    from autograd.engine import Value

# One local derivative: (upstream gradient, the op's output, the op's operands...) -> gradient for
# one operand. Arguments are all floats, or a mix of Values (or other stand-ins) and floats.
Partial = Callable[..., Any]


@dataclass(frozen=True, eq=False)
class Operation:
    """One operation: everything the engine, the compiler and the drawings know about it.

    `name` is recorded in `Value.op` and shown on drawings. `forward` computes on floats, with the
    domain checks (its floats are the engine's numbers). `partials` are the local derivatives, one
    per operand (so `arity` is their number, 1 or 2). `array_forward` computes on numpy arrays,
    for compiled batches; None runs `forward` element by element. `symbol` is the Python operator
    that writes it ("+"; "-" for negation), "" for a call. `call_name` is the identifier generated
    code calls it by (its name, unless that is an operator). `commutative` says whether its two
    operands may be swapped: drawings name the operands of one that is not. `binding` is how
    tightly Python binds `symbol` (`SUM` ... `POWER`), which decides the parentheses of written
    source.
    """

    name: str
    forward: Callable[..., float]
    partials: tuple[Partial, ...]
    array_forward: Callable[..., np.ndarray] | None = None
    symbol: str = ""
    call_name: str = field(default="", kw_only=True)
    commutative: bool = field(default=False, kw_only=True)
    binding: int = field(default=0, kw_only=True)
    doc: str = field(default="", kw_only=True)

    def __post_init__(self) -> None:
        if not self.call_name:
            object.__setattr__(self, "call_name", self.name)

    @property
    def arity(self) -> int:
        return len(self.partials)

    @property
    def operand_names(self) -> tuple[str, ...]:
        """("a", "b") for two operands that cannot be swapped, so a reader can tell them apart."""
        return ("a", "b") if self.arity == 2 and not self.commutative else ()

    @cached_property
    def function(self) -> Callable[..., Any]:
        """The operation as a function: recorded on Values, a float on plain numbers."""
        return _function_of(self)

    @cached_property
    def array_rule(self) -> Callable[..., np.ndarray]:
        """The rule on numpy arrays that compiled batches run: `array_forward`, or else the float
        rule on every element (the engine's own numbers and checks, slower)."""
        if self.array_forward is not None:
            return self.array_forward
        forward = self.forward

        def element_by_element(*arrays: np.ndarray | float) -> np.ndarray:
            broadcast = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in arrays])
            flat = [a.ravel().tolist() for a in broadcast]
            results = np.fromiter(map(forward, *flat), dtype=float, count=broadcast[0].size)
            return results.reshape(broadcast[0].shape)

        element_by_element.__name__ = self.call_name
        return element_by_element

    def written(self, *operands: str) -> str:
        """How the operation reads when applied to operands written as text: "x * y", "-x",
        "sigmoid(t1)"."""
        if self.symbol and self.arity == 2:
            return f"{operands[0]} {self.symbol} {operands[1]}"
        if self.symbol:
            (operand,) = operands
            return f"{self.symbol}({operand})" if operand.startswith("-") else self.symbol + operand
        return f"{self.call_name}({', '.join(operands)})"

    def __repr__(self) -> str:
        return f"Operation({self.name!r}, arity={self.arity})"


# Python's binding strengths, weakest first, for `Operation.binding`: how tightly an expression
# holds together decides whether it needs parentheses as an operand.
SUM, PRODUCT, UNARY, POWER, ATOM = range(1, 6)

OPERATIONS: dict[str, Operation] = {}
"""Every registered operation by name: the one table that the backward pass (which looks a
recorded Value's operation up here), forward mode, the compiler and the drawings read."""


def register(operation: Operation) -> Operation:
    """Add `operation` to the registry (internal: `define_op` checks one of yours first)."""
    OPERATIONS[operation.name] = operation
    return operation


def _function_of(operation: Operation) -> Callable[..., Any]:
    """The function behind `operation`.

    On plain numbers it is the forward rule. An operand of a kind that knows how to apply an
    operation (a `Value` records it; forward mode's dual numbers and the compiler's stand-ins have
    their own way) gets to apply it: its class has a method ``apply_operation``. The float test
    comes first, since the backward pass calls these functions on floats.
    """
    forward = operation.forward
    if operation.arity == 1:

        def unary(x: Any) -> Any:
            if x.__class__ is float:
                return forward(x)
            apply = getattr(x.__class__, "apply_operation", None)
            if apply is not None:
                return apply(operation, x)
            return forward(as_float(x, operation.name))

        function: Callable[..., Any] = unary
    else:

        def binary(a: Any, b: Any) -> Any:
            for operand in (a, b):
                apply = getattr(operand.__class__, "apply_operation", None)
                if apply is not None:
                    result = apply(operation, a, b)
                    if result is not NotImplemented:
                        return result
            what = f"an operand of {operation.name}"
            return forward(as_float(a, what), as_float(b, what))

        function = binary
    function.__name__ = function.__qualname__ = operation.call_name
    function.__doc__ = (
        operation.doc or f"{operation.name} of Values (recorded) or of plain numbers (a float)."
    )
    return function


class UnaryFunction(Protocol):
    """A registered one-operand function: recorded on a Value, a float on a plain number."""

    __name__: str

    # Numbers first: mypy resolves a call on an unannotated lambda parameter (Any) to the first
    # overload, and define_op's forward rule, written so, runs on floats.
    @overload
    def __call__(self, x: Number) -> float: ...
    @overload
    def __call__(self, x: Value) -> Value: ...
    def __call__(self, x: Any) -> Any: ...


class BinaryFunction(Protocol):
    """A registered two-operand function: recorded when an operand is a Value, else a float."""

    __name__: str

    @overload
    def __call__(self, a: Number, b: Number) -> float: ...  # first: see UnaryFunction
    @overload
    def __call__(self, a: Value, b: Value | Number) -> Value: ...
    @overload
    def __call__(self, a: Value | Number, b: Value) -> Value: ...
    def __call__(self, a: Any, b: Any) -> Any: ...


# ---------------------------------------------------------------------- the built-in operations
# The registered functions the rules below call, bound at the end of this module.
exp: UnaryFunction
log: UnaryFunction
sin: UnaryFunction
cos: UnaryFunction
step: UnaryFunction
sign: UnaryFunction


# Each operation: its forward rule on floats (with its checks) and its local derivatives, together.
def _divide(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
    return a / b


def _power(a: float, b: float) -> float:
    if a < 0.0 and not b.is_integer():
        raise ValueError(f"power: negative base {a!r} to the non-integer exponent {b!r}")
    if a == 0.0 and b < 0.0:
        raise ZeroDivisionError(f"power: 0.0 to the negative exponent {b!r}")
    try:
        result: float = a**b
    except OverflowError:
        raise OverflowError(f"power: {a!r} ** {b!r} is too large for a float") from None
    return result


def _exp(a: float) -> float:
    try:
        return math.exp(a)
    except OverflowError:
        raise OverflowError(f"exp of {a!r} is too large for a float") from None


def _log(a: float) -> float:
    if a <= 0.0:
        raise ValueError(f"log of {a!r}: the argument must be positive")
    return math.log(a)


def _sqrt(a: float) -> float:
    if a < 0.0:
        raise ValueError(f"sqrt of {a!r}: the argument must not be negative")
    return math.sqrt(a)


def _sigmoid(a: float) -> float:
    # The article's formula, 1 / (1 + e**-a), except where e**-a would overflow; there the true
    # value equals e**a to far below a float's precision.
    if a < -700.0:
        return math.exp(a)
    return 1.0 / (1.0 + math.exp(-a))


def _relu(a: float) -> float:
    # Written so that NaN passes through (as in PyTorch) instead of becoming 0.0.
    return 0.0 if a <= 0.0 else a


def _periodic(name: str, rule: Callable[[float], float]) -> Callable[[float], float]:
    def forward(a: float) -> float:
        if math.isinf(a):
            raise ValueError(f"{name} of {a!r}: the argument must be finite")
        return rule(a)

    forward.__name__ = f"_{name}"
    return forward


def _step(a: float) -> float:
    return 1.0 if a > 0.0 else 0.0


def _sign(a: float) -> float:
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0


ADD = register(
    Operation(
        "+",
        operator.add,
        (lambda g, out, a, b: g, lambda g, out, a, b: g),
        np.add,
        "+",
        call_name="add",
        binding=SUM,
        commutative=True,
    )
)
SUB = register(
    Operation(
        "-",
        operator.sub,
        (lambda g, out, a, b: g, lambda g, out, a, b: -g),
        np.subtract,
        "-",
        call_name="subtract",
        binding=SUM,
    )
)
MUL = register(
    Operation(
        "*",
        operator.mul,
        (lambda g, out, a, b: g * b, lambda g, out, a, b: g * a),
        np.multiply,
        "*",
        call_name="multiply",
        binding=PRODUCT,
        commutative=True,
    )
)
DIV = register(
    Operation(
        "/",
        _divide,
        (lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b),
        np.divide,  # the batch runs with numpy's division by zero raising, then finds the sample
        "/",
        call_name="divide",
        binding=PRODUCT,
    )
)
# d(a**b)/db = a**b * log(a) is only evaluated when b is a Value, so x ** 2 works for x < 0.
# An exponent of 0 gives d(a**b)/da = 0 without evaluating a ** -1, which is undefined at
# a = 0 (the third derivative of x ** 2 there, or x ** 0 itself), as PyTorch does.
POW = register(
    Operation(
        "**",
        _power,
        (
            lambda g, out, a, b: 0.0 if b.__class__ is float and b == 0.0 else g * b * a ** (b - 1),
            lambda g, out, a, b: g * out * log(a),
        ),
        None,  # the checked float rule, element by element (numpy's power takes integral powers)
        "**",
        call_name="power",
        binding=POWER,
        doc="a ** b; ValueError for a negative a to a non-integer b, ZeroDivisionError for 0 to "
        "a negative b, OverflowError past a float.",
    )
)
# operator.neg and abs are generic in typeshed (a float in, a float out): pyright cannot tell.
NEG = register(
    Operation("neg", operator.neg, (lambda g, out, a: -g,), np.negative, "-", binding=UNARY)  # pyright: ignore[reportArgumentType]
)
# The kink at 0 gets derivative 0, as in PyTorch.
ABS = register(Operation("abs", abs, (lambda g, out, a: g * sign(a),), np.abs))  # pyright: ignore[reportArgumentType]
# The array rules may differ from the float rules in the last bit (numpy's exp is not the math
# module's): a compiled batch promises the engine's numbers to 1e-12, not bit for bit. Outside the
# domain they raise floating-point errors, and the batch then finds the sample with the float rule.
# tanh and sigmoid have no array rule: their derivatives, 1 - out * out and out * (1 - out), turn
# a last-bit difference in a saturated unit into a large relative one, so the batch runs the
# engine's own float rule on every element.
EXP = register(
    Operation(
        "exp",
        _exp,
        (lambda g, out, a: g * out,),
        np.exp,
        doc="e ** x; OverflowError past about 709.78.",
    )
)
# d log(a)/da = a ** -1 rather than g / a: for a subnormal a the derivative is too large for a
# float, and a power says so with OverflowError (as x ** -1 does) where a division gives inf.
LOG = register(
    Operation(
        "log",
        _log,
        (lambda g, out, a: g * a**-1,),
        np.log,
        doc="Natural log; ValueError for x <= 0.",
    )
)
SQRT = register(
    Operation(
        "sqrt",
        _sqrt,
        (lambda g, out, a: g / (2 * out),),
        np.sqrt,
        doc="Square root; ValueError for x < 0.",
    )
)
TANH = register(
    Operation(
        "tanh",
        math.tanh,
        (lambda g, out, a: g * (1 - out * out),),
        doc="Hyperbolic tangent; saturates to exactly +-1.0 without overflow.",
    )
)
SIGMOID = register(
    Operation(
        "sigmoid",
        _sigmoid,
        (lambda g, out, a: g * (out * (1 - out)),),
        doc="1 / (1 + e**-x), the article's activation; saturates to exactly 0.0 or 1.0.",
    )
)
RELU = register(
    Operation(
        "relu",
        _relu,
        (lambda g, out, a: g * step(a),),
        lambda a: np.where(a <= 0.0, 0.0, a),  # NaN passes through, as in the engine
        doc="max(0, x); the derivative at 0 is 0, as in PyTorch.",
    )
)
SIN = register(
    Operation(
        "sin",
        _periodic("sin", math.sin),
        (lambda g, out, a: g * cos(a),),
        np.sin,
        doc="Sine (radians); ValueError for an infinity.",
    )
)
COS = register(
    Operation(
        "cos",
        _periodic("cos", math.cos),
        (lambda g, out, a: -g * sin(a),),
        np.cos,
        doc="Cosine (radians); ValueError for an infinity.",
    )
)
# The slopes of relu and abs. Flat almost everywhere, so their own derivative is 0.
STEP = register(
    Operation(
        "step",
        _step,
        (lambda g, out, a: 0.0,),
        lambda a: (a > 0.0).astype(float),
        doc="1.0 where x > 0, else 0.0: the slope of relu.",
    )
)
SIGN = register(
    Operation(
        "sign",
        _sign,
        (lambda g, out, a: 0.0,),
        lambda a: (a > 0.0).astype(float) - (a < 0.0),
        doc="1.0, -1.0 or 0.0 by the sign of x: the slope of abs.",
    )
)

# exp, log, sin, cos, step and sign are declared above, where the derivative rules need them.
exp = EXP.function
log = LOG.function
sqrt: UnaryFunction = SQRT.function
tanh: UnaryFunction = TANH.function
sigmoid: UnaryFunction = SIGMOID.function
relu: UnaryFunction = RELU.function
sin = SIN.function
cos = COS.function
step = STEP.function
sign = SIGN.function
power: BinaryFunction = POW.function  # x ** y with the engine's checks, on Values or numbers


def called(name: str) -> Operation:
    """The operation generated code calls by `name` (its `call_name`); KeyError if none."""
    for operation in OPERATIONS.values():
        if operation.call_name == name:
            return operation
    raise KeyError(name)
