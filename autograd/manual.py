"""`check_manual`: find the simplest input where a hand-derived derivative disagrees with autograd.

`gradcheck` checks the engine against finite differences; `check_manual` checks a person's own
derivation against the engine. Hypothesis searches the inputs and shrinks a disagreement to the
simplest input it can (0 before 1, 1 before 0.7324), so a slip such as sigmoid'(x) written
s(1 + s) is reported at x = 0, where it is easiest to redo by hand.

The search itself is `autograd.counterexample`'s. Hypothesis is imported when `check_manual`
runs, not with `autograd`: it is only needed here.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np

from autograd import Value, grad
from autograd.counterexample import Tally, Verdict, find_counterexample
from autograd.numbers import is_real_number

Pair = tuple[float, float]
Bounds = Pair | Sequence[Pair]
Parameters = Sequence[Value] | Mapping[str, Value]
# An entry of the derivative: (i,) is d out / d input i, (i, j) is d2 out / d input i d input j.
Key = tuple[int, ...]

# What a function raises outside its domain: log of a negative, 1 / 0, exp of a large number. The
# engine raises these, and so do `math` and plain float arithmetic.
DOMAIN_ERRORS = (ValueError, ArithmeticError)


class ManualDerivativeError(AssertionError):
    """Raised by `check_manual` when a hand-derived derivative differs from autograd's.

    An AssertionError, so that pytest shows it as a failed check. `point` maps each input's name to
    the simplest input found where they differ; `partials` names the entries that differ there.
    """

    def __init__(self, message: str, point: dict[str, float], partials: list[str]) -> None:
        super().__init__(message)
        self.point = point
        self.partials = partials


def check_manual(
    fn: Callable[..., Value],
    manual: Callable[..., object],
    *,
    bounds: Bounds = (-10.0, 10.0),
    parameters: Parameters | None = None,
    parameter_bounds: Bounds = (-10.0, 10.0),
    order: int = 1,
    rtol: float = 1e-9,
    atol: float = 1e-12,
    max_examples: int = 200,
    seed: int = 0,
) -> bool:
    """Check a hand-derived derivative `manual` of `fn` against autograd at searched inputs.

    ``fn(*Values) -> Value`` is the function; ``manual(*floats)`` is your derivative at the same
    inputs: a number for one input, else a tuple of partials in the order of fn's arguments or a
    dict keyed by their names (a dict may give only some of them). `bounds` is one ``(low, high)``
    pair for every input or one pair per input. Hypothesis searches ``max_examples`` inputs,
    deterministically from `seed`, and shrinks a disagreement to the simplest input it can.
    Returns True, or raises `ManualDerivativeError` (an AssertionError) with a table of that input,
    your numbers, autograd's and the difference. They agree when
    ``|yours - autograd| <= atol + rtol * |autograd|``.

    Inputs where fn is undefined (fn, its derivative or yours raises ValueError,
    ZeroDivisionError or OverflowError, or autograd gives a NaN or an infinity) are skipped and
    counted, never reported; an error when every input was skipped.
    ``order=2`` compares second derivatives: a number for one input, else n rows of n numbers or
    a dict keyed by pairs of names.

    With ``parameters`` (Values, such as ``model.parameters()``, or a dict from names to Values)
    the derivative is taken with respect to them instead: each search sets their data from
    `parameter_bounds`, calls ``fn(*floats)`` with the searched data (a sample and its target)
    and ``manual(*floats, **parameters)``, which returns the partials of the parameters in their
    order or keyed by name. Their data are put back afterwards.

    >>> from autograd import sigmoid
    >>> check_manual(sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)))
    True

    A finite number of points passing proves no formula right; a failure proves it wrong.
    """
    problem = _problem(fn, manual, bounds, parameters, parameter_bounds, order, rtol, atol)
    if not isinstance(max_examples, int) or isinstance(max_examples, bool) or max_examples < 1:
        raise ValueError(f"check_manual max_examples must be an int >= 1, not {max_examples!r}")
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"check_manual seed must be an int, not {type(seed).__name__}")
    saved = [p.data for p in problem.parameters]
    try:
        point, tally = find_counterexample(
            lambda point: _verdict(_compare(problem, point)),
            problem.bounds,
            max_examples=max_examples,
            seed=seed,
        )
        # The rows of the report, computed again where the search found them to differ
        rows = [] if point is None else _compare(problem, point)
    finally:
        for p, data in zip(problem.parameters, saved):
            p.data = data
    assert not isinstance(rows, str)  # the same input gives the same verdict
    if point is None:
        if not tally.passed:
            raise ValueError(
                f"check_manual: fn or your derivative is undefined at every one of the "
                f"{tally.tried} inputs tried; are the bounds right? The first: "
                f"{tally.first_reason}"
            )
        return True
    raise ManualDerivativeError(
        _report(problem, point, rows, tally, seed),
        dict(zip(problem.names, point)),
        [row.name for row in rows if row.differs],
    )


# ---------------------------------------------------------------------- the problem, checked
@dataclass
class _Problem:
    """What check_manual compares, its arguments checked once."""

    fn: Callable[..., Value]
    manual: Callable[..., object]
    input_names: list[str]  # fn's arguments
    parameter_names: list[str]  # empty without `parameters`
    parameters: list[Value]
    bounds: list[Pair]  # one pair per searched number: the inputs, then the parameters
    order: int
    rtol: float
    atol: float

    @property
    def names(self) -> list[str]:
        """The searched numbers' names, in the order of `bounds`."""
        return self.input_names + self.parameter_names

    @property
    def wrt(self) -> list[str]:
        """The names of what the derivative is taken with respect to."""
        return self.parameter_names if self.parameters else self.input_names


def _problem(
    fn: Callable[..., Value],
    manual: Callable[..., object],
    bounds: Bounds,
    parameters: Parameters | None,
    parameter_bounds: Bounds,
    order: int,
    rtol: float,
    atol: float,
) -> _Problem:
    if not callable(fn) or not callable(manual):
        raise TypeError("check_manual needs two functions: fn (on Values) and manual (on floats)")
    if isinstance(order, bool) or not isinstance(order, int) or order not in (1, 2):
        raise ValueError(f"check_manual order must be 1 or 2, not {order!r}")
    for name, tolerance in (("rtol", rtol), ("atol", atol)):
        if not is_real_number(tolerance) or not 0 <= float(tolerance) < math.inf:
            raise ValueError(f"check_manual {name} must be a number >= 0, not {tolerance!r}")
    input_names = _input_names(fn, bounds)
    if parameters is None:
        if not input_names:
            raise ValueError("check_manual: fn takes no inputs, so there is nothing to derive")
        values: list[Value] = []
        parameter_names: list[str] = []
    else:
        parameter_names, values = _parameters(parameters)
        both = [name for name in parameter_names if name in input_names]
        if both:
            raise ValueError(
                f"check_manual: {both[0]!r} names both an input of fn and a parameter; manual "
                "takes them all by name"
            )
    return _Problem(
        fn,
        manual,
        input_names,
        parameter_names,
        values,
        _bounds(bounds, input_names, "bounds")
        + _bounds(parameter_bounds, parameter_names, "parameter_bounds"),
        order,
        float(rtol),
        float(atol),
    )


def _is_pair(bounds: object) -> TypeGuard[Pair]:
    return (
        isinstance(bounds, (tuple, list)) and len(bounds) == 2 and all(map(is_real_number, bounds))
    )


def _input_names(fn: Callable[..., Value], bounds: Bounds) -> list[str]:
    """fn's argument names, from its signature; x0, x1, ... when it takes ``*args``."""
    if not _is_pair(bounds) and (isinstance(bounds, str) or not isinstance(bounds, Sequence)):
        raise TypeError("check_manual bounds must be a (low, high) pair or a list of pairs")
    given = None if _is_pair(bounds) else len(bounds)
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # some builtins have none
        signature = None
    if signature is not None:
        kinds = [p.kind for p in signature.parameters.values()]
        if inspect.Parameter.VAR_POSITIONAL not in kinds:
            names = [
                p.name
                for p in signature.parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
            ]
            if given is not None and given != len(names):
                raise ValueError(
                    f"check_manual: bounds has {given} pairs, but fn takes {len(names)} inputs "
                    f"({', '.join(names)})"
                )
            return names
    if given is None:
        raise TypeError(
            "check_manual cannot tell how many inputs fn takes: give one (low, high) pair per "
            "input in bounds"
        )
    return [f"x{i}" for i in range(given)]


def _bounds(bounds: Bounds, names: list[str], what: str) -> list[Pair]:
    pairs: object = [bounds] * len(names) if _is_pair(bounds) else bounds
    if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
        raise TypeError(f"check_manual {what} must be a (low, high) pair or a list of pairs")
    if len(pairs) != len(names):
        raise ValueError(f"check_manual {what} has {len(pairs)} pairs for {len(names)} numbers")
    checked = []
    for name, pair in zip(names, pairs):
        if not _is_pair(pair):
            raise TypeError(
                f"check_manual {what} for {name} must be a (low, high) pair, not {pair!r}"
            )
        low, high = float(pair[0]), float(pair[1])
        if not (math.isfinite(low) and math.isfinite(high) and low <= high):
            raise ValueError(
                f"check_manual {what} for {name} must be finite with low <= high, not {pair!r}"
            )
        checked.append((low, high))
    return checked


def _parameters(parameters: Parameters) -> tuple[list[str], list[Value]]:
    if isinstance(parameters, Mapping):
        names, values = list(parameters.keys()), list(parameters.values())
    elif isinstance(parameters, Sequence) and not isinstance(parameters, str):
        values = list(parameters)
        names = [p.label if isinstance(p, Value) else "" for p in values]
    else:
        raise TypeError(
            "check_manual parameters must be a list of Values or a dict from names to Values, "
            f"not {type(parameters).__name__}"
        )
    if not values:
        raise ValueError("check_manual parameters is empty: there is nothing to derive")
    for name, p in zip(names, values):
        if not isinstance(name, str) or not name:
            raise ValueError(
                "check_manual needs a name for every parameter: label the Values, or pass a dict "
                "such as dict(model.named_parameters())"
            )
        if not isinstance(p, Value):
            raise TypeError(
                f"check_manual parameter {name} must be a Value, not {type(p).__name__}"
            )
        if not p.is_leaf:
            raise ValueError(
                f"check_manual parameter {name} must be a leaf Value, not the result of {p.op!r}"
            )
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise ValueError(f"check_manual: two parameters are named {twice[0]!r}")
    if len({id(p) for p in values}) != len(values):
        raise ValueError("check_manual: the same Value is given twice in parameters")
    return names, values


# ---------------------------------------------------------------------- one input, compared
@dataclass
class _Row:
    """One entry of the derivative at one input: yours and autograd's."""

    name: str  # dL/dw1, d2f/dx dy
    yours: float
    autograd: float
    differs: bool


def _compare(problem: _Problem, point: tuple[float, ...]) -> list[_Row] | str:
    """The rows at `point`, or why the derivative is undefined there (a str).

    A domain error (`DOMAIN_ERRORS`) from fn, its derivative or manual means undefined; any other
    error in fn or manual is a mistake in them and goes up to the caller.
    """
    inputs = point[: len(problem.input_names)]
    parameters = dict(zip(problem.parameter_names, point[len(problem.input_names) :]))
    try:
        output, automatic = _autograd(problem, inputs, list(parameters.values()))
    except DOMAIN_ERRORS as error:
        return f"{type(error).__name__}: {error}"
    if not all(math.isfinite(x) for x in [output.data, *automatic.values()]):
        return "fn or its derivative is not finite there"
    names = _entry_names(problem, output.label or ("L" if problem.parameters else "f"))
    try:
        result = problem.manual(*inputs, **parameters)
    except DOMAIN_ERRORS as error:  # your formula is undefined there: 1 / x at 0, say
        return f"your derivative raised {type(error).__name__}: {error}"
    yours = _yours(result, problem, names)
    return [
        _Row(names[key], value, automatic[key], not _close(value, automatic[key], problem))
        for key, value in sorted(yours.items())
    ]


def _verdict(outcome: list[_Row] | str) -> Verdict:
    """What the search needs to know: differs (True), agrees (False) or undefined (why)."""
    return outcome if isinstance(outcome, str) else any(row.differs for row in outcome)


def _autograd(
    problem: _Problem, inputs: tuple[float, ...], parameter_data: list[float]
) -> tuple[Value, dict[Key, float]]:
    """fn's output at one input, and autograd's entries of its derivative there."""
    if problem.parameters:
        for p, data in zip(problem.parameters, parameter_data):
            p.data = data
        output = problem.fn(*inputs)
        leaves = problem.parameters
    else:
        leaves = [Value(x, label=name) for x, name in zip(inputs, problem.input_names)]
        output = problem.fn(*leaves)
    if not isinstance(output, Value):
        raise TypeError(f"check_manual: fn must return a Value, not {type(output).__name__}")
    if problem.order == 1:
        return output, {(i,): d for i, d in enumerate(grad(output, leaves))}
    entries: dict[Key, float] = {}
    for i, first in enumerate(grad(output, leaves, create_graph=True)):
        for j, second in enumerate(grad(first, leaves)):
            entries[i, j] = second
    return output, entries


def _entry_names(problem: _Problem, output: str) -> dict[Key, str]:
    """dL/dw1 for every first derivative; d2f/dx2 and d2f/dx dy for every second derivative."""
    names = problem.wrt
    if problem.order == 1:
        return {(i,): f"d{output}/d{name}" for i, name in enumerate(names)}
    return {
        (i, j): f"d2{output}/d{a}2" if i == j else f"d2{output}/d{a} d{b}"
        for i, a in enumerate(names)
        for j, b in enumerate(names)
    }


def _close(yours: float, automatic: float, problem: _Problem) -> bool:
    # Written so that a NaN on your side counts as a difference.
    return abs(yours - automatic) <= problem.atol + problem.rtol * abs(automatic)


def _yours(result: object, problem: _Problem, names: dict[Key, str]) -> dict[Key, float]:
    """manual's result as derivative entries, or a TypeError / ValueError that says what is wrong.

    A number (one input), a sequence (every entry, in order; n rows of n for order 2) or a dict
    keyed by names (pairs of names for order 2), which may give only some entries.
    """
    wrt, order = problem.wrt, problem.order
    kind = "parameters" if problem.parameters else "inputs"
    listed = f"{len(wrt)} {kind} ({', '.join(wrt)})"
    if is_real_number(result):
        if len(wrt) != 1:
            shape = f"{len(wrt)} partials" if order == 1 else f"{len(wrt)} rows of {len(wrt)}"
            raise TypeError(
                f"check_manual: manual returned one number, but there are {listed}: return "
                f"{shape} or a dict keyed by name"
            )
        key = (0,) * order
        return {key: float(result)}
    if isinstance(result, Mapping):
        return _yours_by_name(result, problem, names)
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if not isinstance(result, (list, tuple)):
        raise TypeError(
            "check_manual: manual must return a number, a tuple of numbers or a dict, not "
            f"{type(result).__name__}: {result!r}"
        )
    if order == 1:
        if len(result) != len(wrt):
            raise ValueError(
                f"check_manual: manual returned {len(result)} partials, but there are {listed}"
            )
        return {(i,): _number(x, names[i,]) for i, x in enumerate(result)}
    rows = result
    if len(rows) != len(wrt) or not all(
        isinstance(row, (list, tuple)) and len(row) == len(wrt) for row in rows
    ):
        raise ValueError(
            f"check_manual: with order=2 manual must return {len(wrt)} rows of {len(wrt)} second "
            f"derivatives (or a dict keyed by pairs of names), one per pair of the {listed}"
        )
    return {
        (i, j): _number(x, names[i, j]) for i, row in enumerate(rows) for j, x in enumerate(row)
    }


def _yours_by_name(
    result: Mapping[Any, object], problem: _Problem, names: dict[Key, str]
) -> dict[Key, float]:
    index = {name: i for i, name in enumerate(problem.wrt)}
    if not result:
        raise ValueError("check_manual: manual returned an empty dict: there is nothing to compare")
    entries: dict[Key, float] = {}
    for key, value in result.items():
        position: Key | None
        if problem.order == 1:
            position = (index[key],) if key in index else None
        elif isinstance(key, tuple) and len(key) == 2 and all(k in index for k in key):
            position = (index[key[0]], index[key[1]])
        else:
            position = None
        if position is None:
            expected = "a pair of names from" if problem.order == 2 else "one of"
            raise ValueError(
                f"check_manual: manual returned an entry for {key!r}, which is not "
                f"{expected} {', '.join(problem.wrt)}"
            )
        entries[position] = _number(value, names[position])
    return entries


def _number(x: object, entry: str) -> float:
    if not is_real_number(x):
        hint = " (manual works on floats)" if isinstance(x, Value) else ""
        raise TypeError(
            f"check_manual: manual returned a {type(x).__name__} for {entry}, not a number{hint}: "
            f"{x!r}"
        )
    return float(x)


# ---------------------------------------------------------------------- the report
def _report(
    problem: _Problem, point: tuple[float, ...], rows: list[_Row], tally: Tally, seed: int
) -> str:
    lines = [
        "check_manual: your derivative differs from autograd's at the simplest input found "
        f"(seed={seed})"
    ]
    inputs = point[: len(problem.input_names)]
    shown = ", ".join(f"{name} = {x!r}" for name, x in zip(problem.input_names, inputs))
    if problem.parameters:
        if shown:
            lines.append(f"  at {shown}")
        values = point[len(problem.input_names) :]
        lines.append(
            "  with " + ", ".join(f"{n} = {x!r}" for n, x in zip(problem.parameter_names, values))
        )
    else:
        lines.append(f"  at {shown}")
    table = [("", "yours", "autograd", "difference", "")]
    for row in rows:
        mark = "<-- differs" if row.differs else ""
        # + 0.0 shows -0.0 as 0: the sign of a zero derivative means nothing here
        yours, automatic = f"{row.yours + 0.0:.10g}", f"{row.autograd + 0.0:.10g}"
        difference = f"{abs(row.yours - row.autograd):.3g}"
        table.append((row.name, yours, automatic, difference, mark))
    widths = [max(len(line[k]) for line in table) for k in range(4)]
    for line in table:
        cells = [line[k].ljust(widths[k]) for k in range(4)] + [line[4]]
        lines.append("  " + "  ".join(cells).rstrip())
    lines.append(
        f"{sum(row.differs for row in rows)} of {len(rows)} entries differ by more than "
        f"atol={problem.atol:g} + rtol={problem.rtol:g} * |autograd|.\nInputs tried: {tally.tried} "
        f"({len(tally.passed)} agreed, {len(tally.failed)} differed, {len(tally.skipped)} "
        "skipped where fn or yours is undefined)."
    )
    return "\n".join(lines)
