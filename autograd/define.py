"""Operations of your own: `define_op` checks a new operation as every reader will use it, then
registers it beside the built-in ones.

Every part of the package reads the registry, so a new operation is at home everywhere at once:
backward, higher-order `grad`, forward mode, `gradcheck`, drawings, the stepping page and the
compiler. That is also why the checks are strict: a name that generated code already binds, or a
rule that only works on floats, would give wrong numbers somewhere far from the definition.
"""

from __future__ import annotations

import inspect
import keyword
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np

from autograd.numbers import is_real_number
from autograd.operations import OPERATIONS, Operation, Partial, register

READABLE_CODE_NAMES = frozenset(
    {"forward_backward", "batch_forward_backward", "values", "grads", "inf", "nan", "GuardError"}
)
"""Names the readable code binds beside the names of Values: a Value labelled so gets another."""

GENERATED_CODE_NAMES = READABLE_CODE_NAMES | frozenset(
    {"coefficients", "coefficient_grads", "np", "a", "b", "g", "out", "g_total", "L", "kept"}
)
"""Names that generated code (`autograd.compile`) binds for itself, and that an operation, which
generated code calls by its name, therefore cannot have."""

# The numbered names generated code makes (t1, x0, p0 on the page and in the readable code; w3, x3,
# rows4, weights2, coefficient5 in the batch code) and its gradient names (d_L_d_w1).
_GENERATED_NAME_PATTERN = re.compile(r"(t|x|p|w|rows|weights|coefficient)[0-9]+|d_.*")


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
    `step`, ... or your own), never `math`, so that it works on floats and on Values: the new
    operation then takes part in `backward`, higher-order `grad`, `jvp`, `gradcheck`, drawings and
    `compile_graph` like a built-in one. `batch_forward` computes on numpy arrays for compiled
    batches (by default `forward` runs on each element); compiling checks it against `forward`.

    >>> import math
    >>> from autograd import Value, sigmoid
    >>> softplus = define_op(
    ...     "softplus_example", lambda x: math.log1p(math.exp(x)), lambda g, out, x: g * sigmoid(x)
    ... )
    >>> x = Value(0.0)
    >>> y = softplus(x)
    >>> y.backward()
    >>> round(y.data, 6), x.grad
    (0.693147, 0.5)

    Refused, with an error that names the operation: a name that is not a plain Python
    identifier, or that the registry or generated code already uses (``power``, ``exp``, ``np``,
    ``t1``, ...); a forward or partial that cannot take the operation's number of operands; a
    partial that returns no number or cannot run on the stand-ins the compiler and `hessian`
    use (``math.exp(a)`` instead of ``exp(a)``); a `batch_forward` that is not callable.
    """
    _check_name(name)
    arity = len(partials)
    if arity not in (1, 2):
        raise TypeError(
            f"define_op: {name!r} needs one partial derivative per operand (1 or 2), got {arity}"
        )
    _check_callable(name, "forward", forward, arity)
    for position, partial in enumerate(partials):
        _check_callable(name, f"partial {position}", partial, arity)
    if batch_forward is not None and not callable(batch_forward):
        raise TypeError(
            f"define_op: batch_forward of {name!r} must be callable (a function of numpy "
            f"arrays) or None, not {type(batch_forward).__name__}"
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

    operation = register(Operation(name, checked_forward, partials, batch_forward))
    try:
        # Registered first, so that a partial may call the new operation itself.
        _try_partials_on_stand_ins(operation)
    except BaseException:
        del OPERATIONS[name]
        raise
    return operation.function


def _check_name(name: str) -> None:
    if (
        not isinstance(name, str)
        or not name.isidentifier()
        or keyword.iskeyword(name)
        or name.startswith("__")
    ):
        raise ValueError(
            "define_op: the name must be a Python identifier (letters, digits and _, not a "
            f"keyword, no leading __), not {name!r}"
        )
    normal = unicodedata.normalize("NFKC", name)
    if normal != name:
        # Python reads identifiers in this form: generated code calling it would call `normal`.
        raise ValueError(
            f"define_op: Python reads the name {name!r} as {normal!r}; write it as {normal!r}"
        )
    taken = {operation.call_name for operation in OPERATIONS.values()} | OPERATIONS.keys()
    if name in taken:
        raise ValueError(f"define_op: an operation named {name!r} exists already")
    if name in GENERATED_CODE_NAMES or _GENERATED_NAME_PATTERN.fullmatch(name):
        raise ValueError(
            f"define_op: generated code uses the name {name!r} for itself (compile_graph "
            "calls an operation by its name); choose another name"
        )


def _check_callable(name: str, what: str, function: object, arity: int) -> None:
    """`function` (the forward rule, or a partial) must take what it will be called with."""
    if not callable(function):
        raise TypeError(
            f"define_op: {name!r}: {what} must be callable, not {type(function).__name__}"
            if what == "forward"
            else f"define_op: {what} of {name!r} is a {type(function).__name__}, not a function"
        )
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # some built-in functions do not say; they are tried later
        return
    arguments = [*(() if what == "forward" else ("g", "out")), *("a", "b")[:arity]]
    called_as = f"({', '.join(arguments)})"
    try:
        signature.bind(*arguments)
    except TypeError:
        raise TypeError(
            f"define_op: {name!r}: {what} takes {signature}, but with {arity} partial "
            f"derivative{'s' if arity > 1 else ''} (one per operand) it is called as {called_as}"
        ) from None


def _try_partials_on_stand_ins(operation: Operation) -> None:
    """Run each partial once on the compiler's stand-ins, as compiling and `hessian` will.

    A rule that reaches for `math` (which takes only floats), branches on a value, or returns
    something other than a number would otherwise fail far from here, or silently give a wrong
    higher derivative: ``g * math.exp(a)`` on Values would cut the graph of the gradient.
    """
    from autograd.compile.expr import Expr, as_expr

    operands = [Expr.name(n) for n in ("a", "b")[: operation.arity]]
    for position, partial in enumerate(operation.partials):
        try:
            result = partial(Expr.name("g"), Expr.name("out"), *operands)
        except Exception as error:
            raise TypeError(
                f"define_op: partial {position} of {operation.name!r} must be written with "
                "arithmetic and registered functions (autograd.exp, not math.exp; no if on a "
                f"value), so that it works on Values too; running it on stand-ins raised "
                f"{type(error).__name__}: {error}"
            ) from error
        try:
            as_expr(result)
        except TypeError:
            raise TypeError(
                f"define_op: partial {position} of {operation.name!r} returned "
                f"{type(result).__name__} {result!r}; it must return g times the derivative "
                "(a number, or arithmetic on its arguments)"
            ) from None
