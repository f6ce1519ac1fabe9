"""The tracer: `Value`, its operations, and each operation's local derivatives.

Every operation is written once, in two parts that stand side by side:

* the forward rule, a method of `Value` that computes the result on plain floats and records the
  operation's name and its inputs (its parents, in argument order);
* its local derivatives, one function per input, ``d(g, out, *inputs) -> g * d out / d input``,
  registered with `derivative` right under the method.

The derivative functions use only arithmetic and the functions of this module (`exp`, `log`,
`cos`, ...), which work the same on floats and on Values. The backward pass calls them with floats
for an ordinary backward, and with Values when a graph of the gradient is wanted
(``create_graph=True``), so the same line serves first, second and third derivatives.

Plain numbers mixed into an expression (``3 * x``, ``x ** 2``) are constants: they are kept as
floats among the parents, take part in the arithmetic, and receive no gradient.

Numerical policy: results follow Python's float and `math` rules. An argument outside an
operation's domain raises `ValueError` (log of a number <= 0, sqrt of a negative, a negative base
to a non-integer power), division by zero raises `ZeroDivisionError`, and `exp` or `**` of a
result too large for a float raises `OverflowError`; each message names the operation and the
value. ``+ - *`` and ``/`` follow float arithmetic and may reach inf, as Python's floats do; NaN is
accepted as data. `sigmoid` and `tanh` saturate to exactly 0.0 or 1.0 (-1.0) and never overflow
or warn. The backward pass raises the same kinds of error, naming the operation, where a local
derivative is undefined or infinite (sqrt at 0; d(a**b)/db for a base <= 0).
"""

from __future__ import annotations

import math
import operator
import threading
import warnings
from collections.abc import Callable
from contextlib import ContextDecorator
from numbers import Real
from typing import Union

import numpy as np

# Union, not |: these aliases are evaluated at run time, and "Value" is a forward reference.
Number = Union[int, float, np.integer, np.floating]  # noqa: UP007
Operand = Union["Value", Number]
# One partial derivative: (upstream gradient, the op's output, the op's inputs...) -> gradient
# for one input. Arguments are all floats or a mix of Values and floats.
Partial = Callable[..., object]

DERIVATIVES: dict[str, tuple[Partial, ...]] = {}


def derivative(op: str, *partials: Partial) -> None:
    """Register the local derivatives of `op`, one function per input, in argument order."""
    DERIVATIVES[op] = partials


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


def is_real_number(x: object) -> bool:
    """True for what a Value holds: an int, a float or a numpy real scalar (not bool, not complex).

    `nn` checks its inputs, targets and hyper-parameters with the same rule.
    """
    if isinstance(x, (float, int)):  # checked first: the abstract Real below is slow to test
        return not isinstance(x, bool)
    return isinstance(x, (Real, np.integer, np.floating)) and not isinstance(x, np.bool_)


def _as_float(data: object, what: str = "Value") -> float:
    """Accept a real Python or numpy scalar; refuse everything else by naming its type."""
    if is_real_number(data):
        return float(data)  # also turns a numpy float64 into a plain float
    raise TypeError(
        f"{what} takes an int, a float or a numpy real scalar, not {type(data).__name__}: {data!r}"
    )


class Value:
    """A scalar that remembers how it was computed, so that it can backpropagate.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad  # 2x + 3
    7.0

    Attributes: `data` (the float), `grad` (0.0 until a backward pass reaches this Value), `label`
    (a name for drawings and messages), `op` (the operation that made it, "" for a leaf) and
    `parents` (its inputs in argument order: Values, or floats for constants).
    """

    # The inputs sit in two slots, `_a` and `_b` (None when absent), rather than in a tuple: one
    # object per operation instead of two halves the work of Python's garbage collector, which
    # otherwise dominates the time to build a large graph.
    __slots__ = ("data", "grad", "label", "_op", "_a", "_b")

    # numpy defers to our reflected operators (np.float64(2) * x is a Value, not an array).
    __array_ufunc__ = None

    def __init__(self, data: Number, label: str = "") -> None:
        self.data = data if type(data) is float else _as_float(data)
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
        """The operation's inputs in argument order; plain floats are constants."""
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

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other: Operand) -> Value:
        return _binary(self, other, "+", operator.add)

    def __radd__(self, other: Operand) -> Value:
        return _binary(other, self, "+", operator.add)

    derivative("+", lambda g, out, a, b: g, lambda g, out, a, b: g)

    def __sub__(self, other: Operand) -> Value:
        return _binary(self, other, "-", operator.sub)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(other, self, "-", operator.sub)

    derivative("-", lambda g, out, a, b: g, lambda g, out, a, b: -g)

    def __mul__(self, other: Operand) -> Value:
        return _binary(self, other, "*", operator.mul)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(other, self, "*", operator.mul)

    derivative("*", lambda g, out, a, b: g * b, lambda g, out, a, b: g * a)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(self, other, "/", _divide)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(other, self, "/", _divide)

    derivative("/", lambda g, out, a, b: g / b, lambda g, out, a, b: -g * out / b)

    def __pow__(self, other: Operand) -> Value:
        return _binary(self, other, "**", _power)

    def __rpow__(self, other: Operand) -> Value:
        return _binary(other, self, "**", _power)

    # d(a**b)/db = a**b * log(a) is only evaluated when b is a Value, so x ** 2 works for x < 0.
    # An exponent of 0 gives d(a**b)/da = 0 without evaluating a ** -1, which is undefined at
    # a = 0 (the third derivative of x ** 2 there, or x ** 0 itself), as PyTorch does.
    derivative(
        "**",
        lambda g, out, a, b: 0.0 if b.__class__ is float and b == 0.0 else g * b * a ** (b - 1),
        lambda g, out, a, b: g * out * log(a),
    )

    def __neg__(self) -> Value:
        return _record(-self.data, "neg", self)

    derivative("neg", lambda g, out, a: -g)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _record(abs(self.data), "abs", self)

    # The kink at 0 gets derivative 0, as in PyTorch.
    derivative("abs", lambda g, out, a: g * _sign(a))

    # ------------------------------------------------------------------ functions
    def exp(self) -> Value:
        """e ** self; raises OverflowError past about 709.78."""
        return _record(_exp(self.data), "exp", self)

    derivative("exp", lambda g, out, a: g * out)

    def log(self) -> Value:
        """Natural logarithm; raises ValueError for self <= 0."""
        return _record(_log(self.data), "log", self)

    derivative("log", lambda g, out, a: g / a)

    def sqrt(self) -> Value:
        """Square root; raises ValueError for self < 0."""
        return _record(_sqrt(self.data), "sqrt", self)

    derivative("sqrt", lambda g, out, a: g / (2 * out))

    def tanh(self) -> Value:
        """Hyperbolic tangent; saturates to exactly +-1.0 without overflow."""
        return _record(math.tanh(self.data), "tanh", self)

    derivative("tanh", lambda g, out, a: g * (1 - out * out))

    def sigmoid(self) -> Value:
        """1 / (1 + e**-self), the article's activation; saturates to exactly 0.0 or 1.0."""
        return _record(_sigmoid(self.data), "sigmoid", self)

    derivative("sigmoid", lambda g, out, a: g * (out * (1 - out)))

    def relu(self) -> Value:
        """max(0, self); the derivative at 0 is 0, as in PyTorch."""
        return _record(_relu(self.data), "relu", self)

    derivative("relu", lambda g, out, a: g * _step(a))

    def sin(self) -> Value:
        """Sine (radians)."""
        return _record(math.sin(self.data), "sin", self)

    derivative("sin", lambda g, out, a: g * cos(a))

    def cos(self) -> Value:
        """Cosine (radians)."""
        return _record(math.cos(self.data), "cos", self)

    derivative("cos", lambda g, out, a: -g * sin(a))

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

    def _repr_svg_(self) -> str | None:
        """Jupyter draws a Value as its computation graph (see `autograd.draw`).

        When it cannot (no renderer, too large a graph, a renderer failure) it warns with the
        reason and returns None, so the notebook shows the text repr instead of a traceback.
        """
        from autograd.draw import GraphTooLargeError, RenderError, to_svg

        try:
            return to_svg(self)
        except (RenderError, GraphTooLargeError) as error:
            warnings.warn(f"cannot draw this Value: {error}", RuntimeWarning, stacklevel=2)
            return None


_new_instance = object.__new__


def _record(data: float, op: str, a: Value | float, b: Value | float | None = None) -> Value:
    """The result of an operation: a new Value that remembers `op` and its inputs `a` (and `b`).

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
    if isinstance(left, Value):
        a = left.data
    else:
        left = a = _constant(left)
        if a is None:
            return NotImplemented
    if isinstance(right, Value):
        b = right.data
    else:
        right = b = _constant(right)
        if b is None:
            return NotImplemented
    return _record(forward(a, b), op, left, right)


def _constant(other: object) -> float | None:
    """A plain number as the float to record; None when it is no real number."""
    try:
        return _as_float(other, "an operation with a Value")
    except TypeError:
        return None


# ---------------------------------------------------------------------- float rules with checks
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
        return a**b
    except OverflowError:
        raise OverflowError(f"power: {a!r} ** {b!r} is too large for a float") from None


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


def _relu(a: float) -> float:
    # Written so that NaN passes through (as in PyTorch) instead of becoming 0.0.
    return 0.0 if a <= 0.0 else a


def _sigmoid(a: float) -> float:
    # The article's formula, 1 / (1 + e**-a), except where e**-a would overflow; there the true
    # value equals e**a to far below a float's precision.
    if a < -700.0:
        return math.exp(a)
    return 1.0 / (1.0 + math.exp(-a))


def _data(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else x


def _step(x: Value | float) -> float:
    return 1.0 if _data(x) > 0.0 else 0.0


def _sign(x: Value | float) -> float:
    value = _data(x)
    return 1.0 if value > 0.0 else -1.0 if value < 0.0 else 0.0


# ---------------------------------------------------------------------- functions on both kinds
def _on_both(method: Callable[[Value], Value], on_float: Callable[[float], float]):
    def function(x: Operand) -> Value | float:
        if isinstance(x, Value):
            return method(x)
        return on_float(_as_float(x, method.__name__))

    function.__name__ = method.__name__
    function.__doc__ = (
        f"{method.__name__} of a Value (recorded) or of a plain number (a float, same checks)."
    )
    return function


exp = _on_both(Value.exp, _exp)
log = _on_both(Value.log, _log)
sqrt = _on_both(Value.sqrt, _sqrt)
tanh = _on_both(Value.tanh, math.tanh)
sigmoid = _on_both(Value.sigmoid, _sigmoid)
relu = _on_both(Value.relu, _relu)
sin = _on_both(Value.sin, math.sin)
cos = _on_both(Value.cos, math.cos)
