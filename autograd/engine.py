"""The tracer: the registry of operations, and `Value`, which records them and backpropagates.

An operation is one record, an `Operation`: its forward rule on floats (with its domain checks)
and its local derivatives stand side by side, with what the compiler and drawings need to know of
it. Every built-in operation is registered below, in `OPERATIONS`, through the same mechanism as
an operation of your own (`define_op`); `Value`'s operators and methods, the functions that take a
Value or a plain number (`exp`, `log`, ...), the backward pass, the compiler and the drawings all
read that one registry.

A local derivative is a function ``d(g, out, *operands) -> g * d out / d operand``, one per
operand. The rules use only arithmetic and registered functions (`exp`, `log`, `cos`, `step`, ...),
which work the same on floats and on Values: the backward pass calls them with floats for an
ordinary backward, and with Values when a graph of the gradient is wanted (``create_graph=True``),
so the same line serves first, second and third derivatives. The compiler calls them once with
stand-ins that write source text.

Plain numbers mixed into an expression (``3 * x``, ``x ** 2``) are constants: they are kept as
floats among the parents, take part in the arithmetic, and receive no gradient.

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

import keyword
import math
import operator
import threading
import warnings
from collections.abc import Callable
from contextlib import ContextDecorator
from dataclasses import dataclass
from numbers import Real
from typing import Any, Protocol, SupportsFloat, TypeGuard, Union, overload

import numpy as np

# Union, not |: these aliases are evaluated at run time, and "Value" is a forward reference.
Number = Union[int, float, np.integer, np.floating]  # noqa: UP007
Operand = Union["Value", Number]
# One local derivative: (upstream gradient, the op's output, the op's operands...) -> gradient for
# one operand. Arguments are all floats, or a mix of Values and floats.
Partial = Callable[..., Any]


# ---------------------------------------------------------------------- recording on or off
class _GradMode(threading.local):
    """Per-thread recording state: each thread starts recording, with no open no_grad block."""

    def __init__(self) -> None:
        self.enabled = True
        # What `enabled` was before each open no_grad block, innermost last. Kept per thread (not
        # on the no_grad object) so one decorated function can run in several threads at once.
        self.saved: list[bool] = []


_grad_mode = _GradMode()
# How many no_grad blocks are open in all threads together. Recording a result reads this plain
# global first and looks at the (slower) per-thread flag only when some thread is inside no_grad.
_open_no_grad_blocks = 0
_open_no_grad_lock = threading.Lock()


class no_grad(ContextDecorator):
    """Record no graph inside this block: results become leaves without parents.

    Works as ``with no_grad():`` and as a decorator ``@no_grad()``; the setting is per thread, and
    blocks nest. Use it for inference and for parameter updates, where a graph is only a cost.
    (As with every `contextlib` decorator, a decorated generator function is not covered: its
    body runs after the call has returned. Put ``with no_grad():`` inside the generator.)
    """

    def __enter__(self) -> no_grad:
        global _open_no_grad_blocks
        _grad_mode.saved.append(_grad_mode.enabled)
        _grad_mode.enabled = False
        with _open_no_grad_lock:
            _open_no_grad_blocks += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        global _open_no_grad_blocks
        _grad_mode.enabled = _grad_mode.saved.pop()
        with _open_no_grad_lock:
            _open_no_grad_blocks -= 1


def is_grad_enabled() -> bool:
    """True when operations record the graph (outside every `no_grad` block of this thread)."""
    return _grad_mode.enabled


# ---------------------------------------------------------------------- numbers
def is_real_number(x: object) -> TypeGuard[SupportsFloat]:
    """True for what a Value holds: an int, a float or a numpy real scalar (not bool, not complex).

    `nn` checks its inputs, targets and hyper-parameters with the same rule.
    """
    if isinstance(x, (float, int)):  # checked first: the abstract Real below is slow to test
        return not isinstance(x, bool)
    return isinstance(x, (Real, np.integer, np.floating)) and not isinstance(x, np.bool_)


def as_float(data: object, what: str = "Value") -> float:
    """Accept a real Python or numpy scalar as a float; refuse anything else by naming its type.

    Internal to the package (backward, gradcheck and the compiler check their numbers with it).
    """
    if is_real_number(data):
        return float(data)  # also turns a numpy float64 into a float
    raise TypeError(
        f"{what} takes an int, a float or a numpy real scalar, not {type(data).__name__}: {data!r}"
    )


def data_of(x: Value | float) -> float:
    """The float behind an operand: a Value's data, or the constant itself. Internal."""
    return x.data if isinstance(x, Value) else x


# ---------------------------------------------------------------------- the registry
@dataclass(frozen=True, eq=False)
class Operation:
    """One operation: everything the engine, the compiler and the drawings know about it.

    `name` is recorded in `Value.op`, shown on drawings and called in generated code. `forward`
    computes on floats, with the domain checks (its floats are the engine's numbers). `partials`
    are the local derivatives, one per operand (so `arity` is their number, 1 or 2).
    `array_forward` computes on numpy arrays, for compiled batches; None runs `forward` element
    by element. `infix` is the Python operator that writes it in source ("+"; "-" for negation),
    "" for a call ``name(a)``. `function` takes Values (recorded) or numbers (a float).
    """

    name: str
    forward: Callable[..., float]
    partials: tuple[Partial, ...]
    array_forward: Callable[..., np.ndarray] | None = None
    infix: str = ""
    doc: str = ""

    @property
    def arity(self) -> int:
        return len(self.partials)

    @property
    def function(self) -> Callable[..., Any]:
        return _FUNCTIONS[self.name]

    def __repr__(self) -> str:
        return f"Operation({self.name!r}, arity={self.arity})"


OPERATIONS: dict[str, Operation] = {}
# The local derivatives of each operation by name: the backward pass's fast index into
# `OPERATIONS` (forward mode, gradcheck and the compiler read it too). Tests replace entries here
# to check that a wrong rule is caught.
DERIVATIVES: dict[str, tuple[Partial, ...]] = {}
_FUNCTIONS: dict[str, Callable[..., Any]] = {}


def _register(operation: Operation) -> Operation:
    OPERATIONS[operation.name] = operation
    DERIVATIVES[operation.name] = operation.partials
    _FUNCTIONS[operation.name] = _function_of(operation)
    return operation


def _function_of(operation: Operation) -> Callable[..., Any]:
    """The function behind `operation`: recorded on Values, a float on numbers.

    An operand of another kind that knows how to apply operations (the compiler's source-writing
    stand-ins, forward mode's dual numbers) gets to apply it: it has a method ``apply_operation``.
    """
    name, forward = operation.name, operation.forward
    if operation.arity == 1:

        def unary(x: Operand) -> Any:
            if isinstance(x, Value):
                return _record(forward(x.data), name, x)
            if is_real_number(x):
                return forward(float(x))
            return _foreign(operation, (x,))

        function: Callable[..., Any] = unary
    else:

        def binary(a: Operand, b: Operand) -> Any:
            if isinstance(a, Value) or isinstance(b, Value):
                result = _binary(a, b, name, forward)
                if result is NotImplemented:
                    return _foreign(operation, (a, b))
                return result
            if is_real_number(a) and is_real_number(b):
                return forward(float(a), float(b))
            return _foreign(operation, (a, b))

        function = binary
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (
        operation.doc or f"{name} of Values (recorded) or of plain numbers (a float)."
    )
    return function


def _foreign(operation: Operation, operands: tuple[object, ...]) -> Any:
    for operand in operands:
        if not isinstance(operand, Value) and not is_real_number(operand):
            apply = getattr(type(operand), "apply_operation", None)
            if apply is not None:
                return apply(operation, *operands)
            what = operation.name if operation.arity == 1 else f"an operand of {operation.name}"
            as_float(operand, what)  # raises, naming the type
    raise AssertionError("unreachable: some operand is foreign")


# ---------------------------------------------------------------------- the built-in operations
# The registered functions the rules below call, defined at the end of this module.
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


ADD = _register(
    Operation("+", operator.add, (lambda g, out, a, b: g, lambda g, out, a, b: g), np.add, "+")
)
SUB = _register(
    Operation(
        "-", operator.sub, (lambda g, out, a, b: g, lambda g, out, a, b: -g), np.subtract, "-"
    )
)
MUL = _register(
    Operation(
        "*",
        operator.mul,
        (lambda g, out, a, b: g * b, lambda g, out, a, b: g * a),
        np.multiply,
        "*",
    )
)
DIV = _register(
    Operation(
        "/",
        _divide,
        (lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b),
        np.divide,  # the batch runs with numpy's division by zero raising, then finds the sample
        "/",
    )
)
# d(a**b)/db = a**b * log(a) is only evaluated when b is a Value, so x ** 2 works for x < 0.
# An exponent of 0 gives d(a**b)/da = 0 without evaluating a ** -1, which is undefined at
# a = 0 (the third derivative of x ** 2 there, or x ** 0 itself), as PyTorch does.
POW = _register(
    Operation(
        "**",
        _power,
        (
            lambda g, out, a, b: 0.0 if b.__class__ is float and b == 0.0 else g * b * a ** (b - 1),
            lambda g, out, a, b: g * out * log(a),
        ),
        None,  # the checked float rule, element by element (numpy's power takes integral powers)
        "**",
    )
)
# operator.neg and abs are generic in typeshed (a float in, a float out): pyright cannot tell.
NEG = _register(Operation("neg", operator.neg, (lambda g, out, a: -g,), np.negative, "-"))  # pyright: ignore[reportArgumentType]
# The kink at 0 gets derivative 0, as in PyTorch.
ABS = _register(Operation("abs", abs, (lambda g, out, a: g * sign(a),), np.abs))  # pyright: ignore[reportArgumentType]
# The array rules may differ from the float rules in the last bit (numpy's exp is not the math
# module's): a compiled batch promises the engine's numbers to 1e-12, not bit for bit. Outside the
# domain they raise floating-point errors, and the batch then finds the sample with the float rule.
# tanh and sigmoid have no array rule: their derivatives, 1 - out * out and out * (1 - out), turn
# a last-bit difference in a saturated unit into a large relative one, so the batch runs the
# engine's own float rule on every element.
EXP = _register(
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
LOG = _register(
    Operation(
        "log",
        _log,
        (lambda g, out, a: g * a**-1,),
        np.log,
        doc="Natural log; ValueError for x <= 0.",
    )
)
SQRT = _register(
    Operation(
        "sqrt",
        _sqrt,
        (lambda g, out, a: g / (2 * out),),
        np.sqrt,
        doc="Square root; ValueError for x < 0.",
    )
)
TANH = _register(
    Operation(
        "tanh",
        math.tanh,
        (lambda g, out, a: g * (1 - out * out),),
        doc="Hyperbolic tangent; saturates to exactly +-1.0 without overflow.",
    )
)
SIGMOID = _register(
    Operation(
        "sigmoid",
        _sigmoid,
        (lambda g, out, a: g * (out * (1 - out)),),
        doc="1 / (1 + e**-x), the article's activation; saturates to exactly 0.0 or 1.0.",
    )
)
RELU = _register(
    Operation(
        "relu",
        _relu,
        (lambda g, out, a: g * step(a),),
        lambda a: np.where(a <= 0.0, 0.0, a),  # NaN passes through, as in the engine
        doc="max(0, x); the derivative at 0 is 0, as in PyTorch.",
    )
)
SIN = _register(
    Operation(
        "sin",
        _periodic("sin", math.sin),
        (lambda g, out, a: g * cos(a),),
        np.sin,
        doc="Sine (radians); ValueError for an infinity.",
    )
)
COS = _register(
    Operation(
        "cos",
        _periodic("cos", math.cos),
        (lambda g, out, a: -g * sin(a),),
        np.cos,
        doc="Cosine (radians); ValueError for an infinity.",
    )
)
# The slopes of relu and abs. Flat almost everywhere, so their own derivative is 0.
STEP = _register(
    Operation(
        "step",
        _step,
        (lambda g, out, a: 0.0,),
        lambda a: (a > 0.0).astype(float),
        doc="1.0 where x > 0, else 0.0: the slope of relu.",
    )
)
SIGN = _register(
    Operation(
        "sign",
        _sign,
        (lambda g, out, a: 0.0,),
        lambda a: (a > 0.0).astype(float) - (a < 0.0),
        doc="1.0, -1.0 or 0.0 by the sign of x: the slope of abs.",
    )
)


# ---------------------------------------------------------------------- Value
BinaryMethod = Callable[["Value", Operand], "Value"]


def _operator_methods(operation: Operation) -> tuple[BinaryMethod, BinaryMethod]:
    """`Value`'s ``__op__`` and ``__rop__`` for a binary operation.

    A Value, a plain float or a plain int on the other side is the common case and goes straight
    to the forward rule; anything else goes through the general conversion (or NotImplemented).
    The class tests (faster than isinstance on the hottest path; a bool's class is bool, not int)
    narrow `other` for mypy but not for pyright: hence its ignores.
    """
    name, forward = operation.name, operation.forward

    def method(self: Value, other: Operand) -> Value:
        if other.__class__ is Value:
            return _record(forward(self.data, other.data), name, self, other)  # pyright: ignore[reportAttributeAccessIssue, reportArgumentType]
        constant = (
            other
            if other.__class__ is float
            else float(other)
            if other.__class__ is int
            else _constant(other)
        )
        if constant is None:
            return NotImplemented  # type: ignore[no-any-return]
        return _record(forward(self.data, constant), name, self, constant)  # pyright: ignore[reportArgumentType]

    def reflected(self: Value, other: Operand) -> Value:
        constant = (
            other
            if other.__class__ is float
            else float(other)
            if other.__class__ is int
            else _constant(other)
        )
        if constant is None:
            return NotImplemented  # type: ignore[no-any-return]
        return _record(forward(constant, self.data), name, constant, self)  # pyright: ignore[reportArgumentType]

    return method, reflected


def _unary_method(operation: Operation) -> Callable[[Value], Value]:
    name, forward = operation.name, operation.forward

    def method(self: Value) -> Value:
        return _record(forward(self.data), name, self)

    method.__name__ = name
    method.__doc__ = operation.doc
    return method


class Value:
    """A scalar that remembers how it was computed, so that it can backpropagate.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad  # 2x + 3
    7.0

    Attributes: `data` (the float), `grad` (0.0 until a backward pass reaches this Value), `label`
    (a name for drawings and messages), `op` (the operation that made it, "" for a leaf) and
    `parents` (its operands in argument order: Values, or floats for constants).
    """

    # The operands sit in two slots, `_a` and `_b` (None when absent), rather than in a tuple: one
    # object per operation instead of two halves the work of Python's garbage collector, which
    # otherwise dominates the time to build a large graph.
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b")

    # numpy defers to our reflected operators (np.float64(2) * x is a Value, not an array).
    __array_ufunc__ = None

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = data if type(data) is float else as_float(data)
        self.grad: float | Value = 0.0
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, not {type(label).__name__}")
        self.label = label
        self._op = ""
        self._a: Value | float | None = None
        self._b: Value | float | None = None

    @property
    def op(self) -> str:
        """The name of the operation that produced this Value; "" for a leaf."""
        return self._op

    @property
    def parents(self) -> tuple[Value | float, ...]:
        """The operation's operands in argument order; plain floats are constants."""
        if self._a is None:
            return ()
        if self._b is None:
            return (self._a,)
        return (self._a, self._b)

    @property
    def is_leaf(self) -> bool:
        """True for a Value that no recorded operation produced (inputs, parameters)."""
        return self._a is None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        op = f", op={self._op!r}" if self._op else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label}{op})"

    def __float__(self) -> float:
        """The plain float, so that ``float(v)`` and ``math`` functions accept a Value."""
        return self.data

    def item(self) -> float:
        """The plain float, as PyTorch's ``tensor.item()``."""
        return self.data

    def detach(self) -> Value:
        """A new leaf with the same data: gradients do not flow through it."""
        return Value(self.data)

    # ------------------------------------------------------------------ operations
    # Each is a record of the registry above; these lines only give it Python's spelling.
    __add__, __radd__ = _operator_methods(ADD)
    __sub__, __rsub__ = _operator_methods(SUB)
    __mul__, __rmul__ = _operator_methods(MUL)
    __truediv__, __rtruediv__ = _operator_methods(DIV)
    __pow__, __rpow__ = _operator_methods(POW)
    __neg__ = _unary_method(NEG)
    __abs__ = _unary_method(ABS)
    exp = _unary_method(EXP)
    log = _unary_method(LOG)
    sqrt = _unary_method(SQRT)
    tanh = _unary_method(TANH)
    sigmoid = _unary_method(SIGMOID)
    relu = _unary_method(RELU)
    sin = _unary_method(SIN)
    cos = _unary_method(COS)

    def __pos__(self) -> Value:
        return self

    # ------------------------------------------------------------------ backward
    def backward(self, gradient: Operand = 1.0, *, create_graph: bool = False) -> None:
        """Backpropagate from this Value into every Value it was computed from.

        Leaves (Values you created) accumulate, as in PyTorch: two backward calls without zeroing
        give twice the gradient. Every intermediate Value's `grad` is set (not accumulated) to the
        derivative of this output with respect to it, from the latest backward that reached it.
        With ``create_graph=True`` the gradients are Values that can be differentiated again.
        """
        from autograd.backprop import backward

        backward(self, gradient, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Set this Value's gradient back to 0.0."""
        self.grad = 0.0

    def register_hook(self, hook: Callable[[Any], Any]) -> Any:
        """Call ``hook(grad)`` whenever a backward pass (or `grad`) reaches this Value.

        `grad` is d output / d self, summed over every use. The hook returns None to let it flow
        on unchanged, or a number to flow on instead (a leaf accumulates that number): clip or
        scale a gradient, or just watch it. Hooks run in the order they were added. With
        ``create_graph=True`` the hook receives a Value and what it returns becomes part of the
        gradient's graph. `compile_graph` refuses a graph holding a hooked Value: compiled code
        does not call back into Python. Returns a handle: ``handle.remove()`` takes the hook off
        (until then the hook keeps this Value, and what it was computed from, alive).

        >>> x = Value(3.0)
        >>> handle = x.register_hook(lambda g: max(-1.0, min(g, 1.0)))  # clip to [-1, 1]
        >>> (x * x).backward()
        >>> x.grad
        1.0
        >>> handle.remove()
        """
        from autograd.backprop import register_hook

        return register_hook(self, hook)

    def _repr_svg_(self) -> str | None:
        """Jupyter draws a Value as its computation graph (see `autograd.draw`)."""
        from autograd.draw import to_svg

        return _drawn(lambda: to_svg(self))

    def _repr_html_(self) -> str | None:
        """Jupyter shows a Value as a page that steps through its backprop (`autograd.to_html`),
        in a frame of its own."""
        from autograd.draw import to_html
        from autograd.draw.page import in_frame

        return _drawn(lambda: in_frame(to_html(self)))


def _drawn(draw: Callable[[], str]) -> str | None:
    """`draw()`, or None with a warning saying why it cannot draw (no renderer, too large a graph,
    a renderer failure): the notebook then shows the text repr instead of a traceback."""
    from autograd.draw import GraphTooLargeError, RenderError

    try:
        return draw()
    except (RenderError, GraphTooLargeError) as error:
        warnings.warn(f"cannot draw this Value: {error}", RuntimeWarning, stacklevel=3)
        return None


_new_instance = object.__new__


def _record(data: float, op: str, a: Value | float, b: Value | float | None = None) -> Value:
    """The result of an operation: a new Value that remembers `op` and its operands `a` (and `b`).

    Written without calling ``Value.__init__`` because this runs once per operation: `data` is
    already a float, and skipping the checks makes building a graph markedly faster.
    """
    out = _new_instance(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    if _open_no_grad_blocks and not _grad_mode.enabled:
        out._op = ""
        out._a = out._b = None
    else:
        out._op = op
        out._a = a
        out._b = b
    return out


def _binary(
    left: Operand, right: Operand, op: str, forward: Callable[[float, float], float]
) -> Value:
    """Record a binary operation; one side is a Value, the other a Value or a plain number."""
    a = left if isinstance(left, Value) else _constant(left)
    b = right if isinstance(right, Value) else _constant(right)
    if a is None or b is None:
        return NotImplemented  # type: ignore[no-any-return]
    return _record(forward(data_of(a), data_of(b)), op, a, b)


def _constant(other: object) -> float | None:
    """A plain number as the float to record; None when it is no real number."""
    if is_real_number(other):
        return float(other)
    return None


# ---------------------------------------------------------------------- functions on both kinds
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
    def __call__(self, a: Value, b: Operand) -> Value: ...
    @overload
    def __call__(self, a: Operand, b: Value) -> Value: ...
    def __call__(self, a: Any, b: Any) -> Any: ...


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


# ---------------------------------------------------------------------- operations of your own
def define_op(
    name: str,
    forward: Callable[..., float],
    *partials: Partial,
    batch_forward: Callable[..., np.ndarray] | None = None,
) -> Any:
    """Add an operation to the engine; returns its function, which records on Values.

    `forward` computes the result from floats (raise `ValueError` for arguments outside its
    domain). Each partial is ``(g, out, *operands) -> g * d out / d operand``, one per operand (one
    or two operands), written with arithmetic and the registered functions (`exp`, `log`, `sigmoid`,
    `step`, ... or your own), so that it works on floats and on Values: the new operation then
    takes part in `backward`, higher-order `grad`, `gradcheck`, drawings and `compile_graph` like a
    built-in one. `batch_forward` computes on numpy arrays for compiled batches (by default
    `forward` runs on each element).

    >>> softplus = define_op(
    ...     "softplus_example", lambda x: math.log1p(math.exp(x)), lambda g, out, x: g * sigmoid(x)
    ... )
    >>> x = Value(0.0)
    >>> y = softplus(x)
    >>> y.backward()
    >>> round(y.data, 6), x.grad
    (0.693147, 0.5)
    """
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"define_op: the name must be a Python identifier, not {name!r}")
    if name in OPERATIONS:
        raise ValueError(f"define_op: an operation named {name!r} exists already")
    if not callable(forward):
        raise TypeError(f"define_op: forward must be callable, not {type(forward).__name__}")
    if len(partials) not in (1, 2):
        raise TypeError(
            f"define_op: {name!r} needs one partial derivative per operand (1 or 2), "
            f"got {len(partials)}"
        )
    for position, partial in enumerate(partials):
        if not callable(partial):
            raise TypeError(
                f"define_op: partial {position} of {name!r} is a {type(partial).__name__}, "
                "not a function"
            )

    def checked_forward(*operands: float) -> float:
        result = forward(*operands)
        if type(result) is float:
            return result
        if is_real_number(result):
            return float(result)
        raise TypeError(
            f"the forward rule of {name!r} returned {type(result).__name__} {result!r}, "
            "not a real number"
        )

    operation = _register(Operation(name, checked_forward, partials, batch_forward))
    return operation.function
