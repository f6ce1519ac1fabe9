"""Independent truth for the engine tests: every operation's derivatives worked out by hand, up to
the third order, and central finite differences with a tolerance that says where it comes from.

Nothing here asks the engine what a derivative is; the engine's answers are compared with these.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import permutations

import pytest
from hypothesis import strategies as st

import autograd
from autograd import Value


def reals(low: float, high: float) -> st.SearchStrategy[float]:
    """Finite floats in [low, high]."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def away_from_zero(low: float, high: float) -> st.SearchStrategy[float]:
    """Floats with low <= |x| <= high, for functions with a kink or a pole at 0."""
    return st.one_of(reals(low, high), reals(-high, -low))


@dataclass(frozen=True)
class OpCase:
    """One operation applied to Values, with its derivatives by hand.

    `partials` maps a differentiation order to a formula: "" is the function itself, "x" is d/dx,
    "ab" is d2/da db, "bbb" is d3/db3, and so on over the variables in `names`. Every key up to the
    third order is present (mixed keys once, in sorted order).
    """

    name: str
    op: str  # the engine's name for the operation, as recorded in Value.op
    fn: Callable[..., Value]
    partials: dict[str, Callable[..., float]]
    domain: tuple[st.SearchStrategy[float], ...]

    @property
    def names(self) -> str:
        return "x" if len(self.domain) == 1 else "ab"

    def points(self) -> st.SearchStrategy[tuple[float, ...]]:
        return st.tuples(*self.domain)


def zero(*_: float) -> float:
    return 0.0


def unary(name, op, fn, value, first, second, third, domain) -> OpCase:
    partials = {"": value, "x": first, "xx": second, "xxx": third}
    return OpCase(name, op, fn, partials, (domain,))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def tanh_derivatives():
    def first(x):
        t = math.tanh(x)
        return 1 - t * t

    def second(x):
        t = math.tanh(x)
        return -2 * t * (1 - t * t)

    def third(x):
        t = math.tanh(x)
        return (1 - t * t) * (6 * t * t - 2)

    return first, second, third


def sigmoid_derivatives():
    def first(x):
        s = sigmoid(x)
        return s * (1 - s)

    def second(x):
        s = sigmoid(x)
        return s * (1 - s) * (1 - 2 * s)

    def third(x):
        s = sigmoid(x)
        return s * (1 - s) * (1 - 6 * s + 6 * s * s)

    return first, second, third


LN2 = math.log(2.0)

# Domains keep finite differences meaningful: away from kinks (abs, relu at 0) and poles (log,
# sqrt, division near 0), and small enough that third derivatives stay moderate.
UNARY_CASES = [
    unary("neg", "neg", lambda x: -x, lambda x: -x, lambda x: -1.0, zero, zero, reals(-10, 10)),
    unary(
        "abs",
        "abs",
        abs,
        abs,
        lambda x: math.copysign(1.0, x),
        zero,
        zero,
        away_from_zero(0.1, 10),
    ),
    unary("exp", "exp", Value.exp, math.exp, math.exp, math.exp, math.exp, reals(-5, 5)),
    unary(
        "log",
        "log",
        Value.log,
        math.log,
        lambda x: 1 / x,
        lambda x: -1 / x**2,
        lambda x: 2 / x**3,
        reals(0.1, 50),
    ),
    unary(
        "sqrt",
        "sqrt",
        Value.sqrt,
        math.sqrt,
        lambda x: 0.5 * x**-0.5,
        lambda x: -0.25 * x**-1.5,
        lambda x: 0.375 * x**-2.5,
        reals(0.1, 50),
    ),
    unary("tanh", "tanh", Value.tanh, math.tanh, *tanh_derivatives(), reals(-4, 4)),
    unary("sigmoid", "sigmoid", Value.sigmoid, sigmoid, *sigmoid_derivatives(), reals(-8, 8)),
    unary(
        "relu",
        "relu",
        Value.relu,
        lambda x: max(x, 0.0),
        lambda x: 1.0 if x > 0 else 0.0,
        zero,
        zero,
        away_from_zero(0.1, 10),
    ),
    unary(
        "sin",
        "sin",
        Value.sin,
        math.sin,
        math.cos,
        lambda x: -math.sin(x),
        lambda x: -math.cos(x),
        reals(-10, 10),
    ),
    unary(
        "cos",
        "cos",
        Value.cos,
        math.cos,
        lambda x: -math.sin(x),
        lambda x: -math.cos(x),
        math.sin,
        reals(-10, 10),
    ),
    # An integer exponent takes negative bases too.
    unary(
        "x ** 3",
        "**",
        lambda x: x**3,
        lambda x: x**3,
        lambda x: 3 * x**2,
        lambda x: 6 * x,
        lambda x: 6.0,
        reals(-4, 4),
    ),
    unary(
        "x ** 2.5",
        "**",
        lambda x: x**2.5,
        lambda x: x**2.5,
        lambda x: 2.5 * x**1.5,
        lambda x: 3.75 * x**0.5,
        lambda x: 1.875 * x**-0.5,
        reals(0.1, 10),
    ),
    unary(
        "2 ** x",
        "**",
        lambda x: 2**x,
        lambda x: 2**x,
        lambda x: 2**x * LN2,
        lambda x: 2**x * LN2**2,
        lambda x: 2**x * LN2**3,
        reals(-5, 5),
    ),
    unary("x + 3", "+", lambda x: x + 3, lambda x: x + 3, lambda x: 1.0, zero, zero, reals(-9, 9)),
    unary("3 + x", "+", lambda x: 3 + x, lambda x: 3 + x, lambda x: 1.0, zero, zero, reals(-9, 9)),
    unary("x - 3", "-", lambda x: x - 3, lambda x: x - 3, lambda x: 1.0, zero, zero, reals(-9, 9)),
    unary("3 - x", "-", lambda x: 3 - x, lambda x: 3 - x, lambda x: -1.0, zero, zero, reals(-9, 9)),
    unary("x * 3", "*", lambda x: x * 3, lambda x: 3 * x, lambda x: 3.0, zero, zero, reals(-9, 9)),
    unary("3 * x", "*", lambda x: 3 * x, lambda x: 3 * x, lambda x: 3.0, zero, zero, reals(-9, 9)),
    unary("x / 4", "/", lambda x: x / 4, lambda x: x / 4, lambda x: 0.25, zero, zero, reals(-9, 9)),
    unary(
        "3 / x",
        "/",
        lambda x: 3 / x,
        lambda x: 3 / x,
        lambda x: -3 / x**2,
        lambda x: 6 / x**3,
        lambda x: -18 / x**4,
        away_from_zero(0.2, 5),
    ),
]

BINARY_CASES = [
    OpCase(
        "a + b",
        "+",
        lambda a, b: a + b,
        {"": lambda a, b: a + b, "a": lambda a, b: 1.0, "b": lambda a, b: 1.0}
        | dict.fromkeys(["aa", "ab", "bb", "aaa", "aab", "abb", "bbb"], zero),
        (reals(-9, 9), reals(-9, 9)),
    ),
    OpCase(
        "a - b",
        "-",
        lambda a, b: a - b,
        {"": lambda a, b: a - b, "a": lambda a, b: 1.0, "b": lambda a, b: -1.0}
        | dict.fromkeys(["aa", "ab", "bb", "aaa", "aab", "abb", "bbb"], zero),
        (reals(-9, 9), reals(-9, 9)),
    ),
    OpCase(
        "a * b",
        "*",
        lambda a, b: a * b,
        {
            "": lambda a, b: a * b,
            "a": lambda a, b: b,
            "b": lambda a, b: a,
            "ab": lambda a, b: 1.0,
        }
        | dict.fromkeys(["aa", "bb", "aaa", "aab", "abb", "bbb"], zero),
        (reals(-9, 9), reals(-9, 9)),
    ),
    OpCase(
        "a / b",
        "/",
        lambda a, b: a / b,
        {
            "": lambda a, b: a / b,
            "a": lambda a, b: 1 / b,
            "b": lambda a, b: -a / b**2,
            "aa": zero,
            "ab": lambda a, b: -1 / b**2,
            "bb": lambda a, b: 2 * a / b**3,
            "aaa": zero,
            "aab": zero,
            "abb": lambda a, b: 2 / b**3,
            "bbb": lambda a, b: -6 * a / b**4,
        },
        (reals(-5, 5), away_from_zero(0.2, 5)),
    ),
    OpCase(
        "a ** b",
        "**",
        lambda a, b: a**b,
        {
            "": lambda a, b: a**b,
            "a": lambda a, b: b * a ** (b - 1),
            "b": lambda a, b: a**b * math.log(a),
            "aa": lambda a, b: b * (b - 1) * a ** (b - 2),
            "ab": lambda a, b: a ** (b - 1) * (1 + b * math.log(a)),
            "bb": lambda a, b: a**b * math.log(a) ** 2,
            "aaa": lambda a, b: b * (b - 1) * (b - 2) * a ** (b - 3),
            "aab": lambda a, b: a ** (b - 2) * (2 * b - 1 + b * (b - 1) * math.log(a)),
            "abb": lambda a, b: a ** (b - 1) * math.log(a) * (2 + b * math.log(a)),
            "bbb": lambda a, b: a**b * math.log(a) ** 3,
        },
        (reals(0.2, 5), reals(-3, 3)),
    ),
]

ALL_CASES = UNARY_CASES + BINARY_CASES


def case_id(case: OpCase) -> str:
    return case.name


# ---------------------------------------------------------------------- engine answers
def engine_derivative(case: OpCase, point: tuple[float, ...], key: str) -> float:
    """The engine's derivative of `case` at `point`, taken in the order `key` spells ("" = value).

    Each step but the last uses ``grad(..., create_graph=True)``, so the steps differentiate the
    graph the previous step built.
    """
    leaves = [Value(x) for x in point]
    result: Value | float = case.fn(*leaves)
    for step, name in enumerate(key):
        last = step == len(key) - 1
        (result,) = autograd.grad(result, leaves[case.names.index(name)], create_graph=not last)
    return result.data if isinstance(result, Value) else float(result)


def orderings(key: str) -> set[str]:
    """Every order of taking the derivatives in `key` ("ab" -> {"ab", "ba"})."""
    return {"".join(p) for p in permutations(key)}


# ---------------------------------------------------------------------- finite differences
STEP = 1e-6


def central_difference(f: Callable[..., float], point: tuple[float, ...], index: int) -> float:
    """(f(x + h) - f(x - h)) / 2h along input `index`, with h relative to the input's size."""
    h = STEP * max(1.0, abs(point[index]))
    above = list(point)
    below = list(point)
    above[index] += h
    below[index] -= h
    # Divide by the step actually taken: x + h rounds, and the rounded step is the true one.
    return (f(*above) - f(*below)) / (above[index] - below[index])


def assert_matches_difference(analytic: float, numeric: float, magnitude: float) -> None:
    """Assert that a derivative agrees with its central difference within the method's error.

    A central difference with step h has a truncation error of about h**2 / 6 * |f'''| and a
    rounding error of about ulp(f) / h. With h = 1e-6 (relative) the rounding term is near
    2e-10 * |f|, where `magnitude` bounds |f| (or the sum of |intermediates| for a graph), and on
    the bounded domains used here the truncation term stays below about 1e-9 * |f'|. The tolerance
    is 1e-6 relative plus 1e-7 * magnitude: hundreds of times both error terms, and still far below
    any real mistake in a derivative (a wrong sign or factor, a missing term).
    """
    tolerance = 1e-6 * abs(numeric) + 1e-7 * max(1.0, magnitude)
    assert abs(analytic - numeric) <= tolerance, (
        f"analytic {analytic!r} vs central difference {numeric!r}: "
        f"differ by {abs(analytic - numeric):.3g} > tolerance {tolerance:.3g}"
    )


def exact(expected: float) -> object:
    """Comparison for an engine result against a hand formula: only float rounding may differ."""
    return pytest.approx(expected, rel=1e-9, abs=1e-9)
