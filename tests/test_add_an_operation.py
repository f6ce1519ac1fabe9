"""CONTRIBUTING's promise: an operation is one record, and every reader picks it up with no other
edit. A fresh interpreter registers a binary operation whose operands cannot be swapped, then
the generated code (one sample and batch), the drawing, forward mode and the stepping page are
asked about it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    from autograd import Value, compile_graph, define_op, jvp, to_dot, to_html

    # twice_plus_square(a, b) = 2a + b^2: d/da = 2, d/db = 2b. Its operands cannot be swapped.
    twice_plus_square = define_op(
        "twice_plus_square",
        lambda a, b: 2 * a + b * b,
        lambda g, out, a, b: g * 2,
        lambda g, out, a, b: g * 2 * b,
    )
    x, w = Value(3.0, label="x"), Value(0.5, label="w")
    y = twice_plus_square(w * x, x).sigmoid()
    y.label = "y"
    compiled = compile_graph(y, [x], [w])
    (value,), (gradient,) = compiled([3.0])
    batch_values, batch_gradients = compiled(np.array([[3.0]] * 400))
    print(json.dumps({
        "source": compiled.source,
        "batch_source": compiled.batch_source,
        "value": value,
        "gradient": gradient,
        "batch_gradient": float(batch_gradients[0]),
        "dot": to_dot(y).source,
        "jvp": jvp(lambda a: twice_plus_square(a, a * a), [3.0], [1.0])[1].tolist(),
        "page": to_html(y),
    }))
    """
)


@pytest.fixture(scope="module")
def seen():
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def sigmoid(z: float) -> float:
    import math

    return 1.0 / (1.0 + math.exp(-z))


def test_generated_code_imports_it_as_it_imports_sigmoid(seen):
    first = seen["source"].splitlines()[0]
    assert first == "from autograd.compile.float_rules import sigmoid, twice_plus_square"
    assert "t2 = twice_plus_square(t1, x)" in seen["source"]
    batch_imports = seen["batch_source"].splitlines()[:2]
    assert batch_imports[1] == "from autograd.compile.array_rules import sigmoid, twice_plus_square"


def test_the_compiled_numbers_are_the_hand_derived_ones(seen):
    # y = sigmoid(2wx + x^2) at x = 3, w = 0.5: dy/dw = y (1 - y) * 2x.
    y = sigmoid(2 * 0.5 * 3 + 9)
    assert seen["value"] == pytest.approx(y, rel=1e-15)
    assert seen["gradient"] == pytest.approx(y * (1 - y) * 6, rel=1e-12)
    assert seen["batch_gradient"] == pytest.approx(400 * y * (1 - y) * 6, rel=1e-12)


def test_the_drawing_names_its_operands(seen):
    assert "[label=twice_plus_square " in seen["dot"]
    assert "-> op3 [label=a]" in seen["dot"] and "-> op3 [label=b]" in seen["dot"]


def test_forward_mode_uses_its_partials(seen):
    # d/da of 2a + (a^2)^2 = 2 + 4a^3 = 110 at a = 3.
    assert seen["jvp"] == [pytest.approx(110.0)]
