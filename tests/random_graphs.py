"""Random expression graphs for property tests: small programs whose steps reuse earlier results,
run on Values by the engine and on floats by a `math` reference."""

import math
from types import SimpleNamespace

from engine_reference import reals
from hypothesis import assume
from hypothesis import strategies as st

from autograd import Value

# Each operation is written once for both number kinds: `m` supplies the functions, on Values for
# the engine and from `math` for the float reference that finite differences evaluate. Operations
# with a restricted domain get an argument that is always inside it.
ENGINE = SimpleNamespace(
    exp=Value.exp,
    log=Value.log,
    sqrt=Value.sqrt,
    tanh=Value.tanh,
    sigmoid=Value.sigmoid,
    sin=Value.sin,
    cos=Value.cos,
)
MATH = SimpleNamespace(
    exp=math.exp,
    log=math.log,
    sqrt=math.sqrt,
    tanh=math.tanh,
    sigmoid=lambda x: 1 / (1 + math.exp(-x)),
    sin=math.sin,
    cos=math.cos,
)
GRAPH_OPERATIONS = {
    "add": (2, lambda m, a, b: a + b),
    "sub": (2, lambda m, a, b: a - b),
    "mul": (2, lambda m, a, b: a * b),
    "div": (2, lambda m, a, b: a / (1 + b * b)),
    "pow": (2, lambda m, a, b: (1 + a * a) ** m.tanh(b)),
    "rpow": (1, lambda m, a: 2**a),
    "square": (1, lambda m, a: a**2),
    "neg": (1, lambda m, a: -a),
    "scale": (1, lambda m, a: 0.5 * a - 1),
    "exp": (1, lambda m, a: m.exp(a)),
    "log": (1, lambda m, a: m.log(1 + a * a)),
    "sqrt": (1, lambda m, a: m.sqrt(1 + a * a)),
    "tanh": (1, lambda m, a: m.tanh(a)),
    "sigmoid": (1, lambda m, a: m.sigmoid(a)),
    "sin": (1, lambda m, a: m.sin(a)),
    "cos": (1, lambda m, a: m.cos(a)),
}
# Intermediate values are kept below this size, so that finite differences stay accurate.
LARGEST_INTERMEDIATE = 20.0


@st.composite
def programs(draw):
    """Inputs and a list of steps; each step applies an operation to earlier results, so a result
    is often used several times and graphs have diamonds."""
    inputs = draw(st.lists(reals(-2, 2), min_size=1, max_size=3))
    steps = []
    for position in range(draw(st.integers(1, 8))):
        name = draw(st.sampled_from(sorted(GRAPH_OPERATIONS)))
        arity = GRAPH_OPERATIONS[name][0]
        arguments = [draw(st.integers(0, len(inputs) + position - 1)) for _ in range(arity)]
        steps.append((name, arguments))
    return tuple(inputs), steps


def run(steps, inputs, m):
    """Every intermediate result; the output is the sum of all steps, so every step counts."""
    results = list(inputs)
    for name, arguments in steps:
        results.append(GRAPH_OPERATIONS[name][1](m, *[results[i] for i in arguments]))
    output = results[len(inputs)]
    for result in results[len(inputs) + 1 :]:
        output = output + result
    return results, output


def plain_magnitude(steps, inputs):
    """Sum of |intermediate| in the float reference; rejects programs that grow too large."""
    try:
        results, output = run(steps, inputs, MATH)
    except OverflowError:  # 2 ** a of a large intermediate: too large, as the check below says
        assume(False)
    assume(all(abs(r) <= LARGEST_INTERMEDIATE for r in results))
    return sum(abs(r) for r in results) + abs(output)


def reference_output(steps):
    return lambda *at: run(steps, at, MATH)[1]
