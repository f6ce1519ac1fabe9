"""The tracer: `Value`, which records every operation done on it, and whether recording is on.

A Value is a float that remembers the operation (`Value.op`) and the operands (`Value.parents`)
that produced it, so that it can backpropagate (`Value.backward`, in `autograd.backprop`). The
operations themselves, their rules and their derivatives, are the records of the registry
(`autograd.operations`); this module only gives each record Python's spelling (``x * y``,
``x.exp()``) and records its results. `no_grad` turns recording off.

Plain numbers mixed into an expression (``3 * x``, ``x ** 2``) are constants: they are kept as
floats among the parents, take part in the arithmetic, and receive no gradient.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable
from contextlib import ContextDecorator
from typing import Any, Union

from autograd import guards
from autograd.numbers import Number, as_float, is_real_number
from autograd.operations import (
    ABS,
    ADD,
    COS,
    DIV,
    EXP,
    LOG,
    MUL,
    NEG,
    POW,
    RELU,
    SIGMOID,
    SIN,
    SQRT,
    SUB,
    TANH,
    Operation,
)

# Union, not |: evaluated at run time, and "Value" is a forward reference.
Operand = Union["Value", Number]


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


_AS_A_NUMBER = (
    "{what} would turn a Value into a plain number and cut it out of the graph, so that no "
    "gradient flows through it. Record the operation instead, with a Value method or autograd's "
    "function (v.exp() or autograd.exp(v), not math.exp(v)), or take the number itself: v.data"
)


def _comparison(
    compare: Callable[[float, float], bool], symbol: str
) -> Callable[[Value, object], bool]:
    """`Value`'s ``__lt__`` (or le, gt, ge): compares the data; inside `record_guards`, kept too."""

    def method(self: Value, other: object) -> bool:
        compared: Value | float
        if isinstance(other, Value):
            compared = other
            result = compare(self.data, other.data)
        elif is_real_number(other):
            compared = float(other)
            result = compare(self.data, compared)
        else:
            return NotImplemented  # type: ignore[no-any-return]
        # One global read when no thread records guards; no_grad records none, as no operation.
        if guards.open_blocks and _grad_mode.enabled:
            guards.keep(self, symbol, compared, result)
        return result

    method.__name__ = f"__{compare.__name__}__"
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

    # ------------------------------------------------------------------ not a plain number
    # A Value turned into a float leaves the graph, and every gradient through it would silently
    # be 0 (``math.exp(w) * x``). So float(), int(), round(), math's functions and bool() refuse,
    # naming what to write instead; formatting with a spec and comparisons read the data.
    def __float__(self) -> float:
        raise TypeError(_AS_A_NUMBER.format(what="float(), or a math function,"))

    def __int__(self) -> int:
        raise TypeError(_AS_A_NUMBER.format(what="int()"))

    def __round__(self, ndigits: int | None = None) -> float:
        raise TypeError(_AS_A_NUMBER.format(what="round()"))

    def __bool__(self) -> bool:
        raise TypeError(
            "the truth of a Value is ambiguous: compare it (if v > 0:) or test its number "
            "(if v.data:)"
        )

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"`` formats the data; ``f"{v}"`` is the repr."""
        return format(self.data, spec) if spec else repr(self)

    # <, <=, > and >= compare the data and give a plain bool, as in PyTorch, so that a hand-written
    # ``x if x > 0 else 0.01 * x`` works. A comparison is no operation of the graph, which keeps
    # the branch that was taken; inside `record_guards` it is kept as a guard, which compiled code
    # checks (`autograd.guards`). == and hashing stay identity, since gradients are keyed by Value.
    __lt__ = _comparison(operator.lt, "<")
    __le__ = _comparison(operator.le, "<=")
    __gt__ = _comparison(operator.gt, ">")
    __ge__ = _comparison(operator.ge, ">=")

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

    def _repr_mimebundle_(
        self, include: object = None, exclude: object = None
    ) -> dict[str, str] | None:
        """Jupyter shows a Value as its computation graph; the drawing layer decides how
        (`autograd.draw.notebook`), so that the engine never imports it."""
        from autograd.draw.notebook import mimebundle

        return mimebundle(self, include, exclude)  # type: ignore[arg-type]

    @staticmethod
    def apply_operation(operation: Operation, *operands: object) -> Value:
        """Record `operation` on operands of which one at least is a Value: the registered
        functions (`autograd.exp`, a `define_op` function) hand Values here. NotImplemented when
        another operand is neither a Value nor a number (it may know the operation itself)."""
        recorded: list[Value | float] = []
        for operand in operands:
            if isinstance(operand, Value):
                recorded.append(operand)
            elif is_real_number(operand):
                recorded.append(float(operand))
            else:
                return NotImplemented  # type: ignore[no-any-return]
        return _record(operation.forward(*map(data_of, recorded)), operation.name, *recorded)


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


def _constant(other: object) -> float | None:
    """A plain number as the float to record; None when it is no real number."""
    if is_real_number(other):
        return float(other)
    return None


def data_of(x: Value | float) -> float:
    """The float behind an operand: a Value's data, or the constant itself. Internal."""
    return x.data if isinstance(x, Value) else x
