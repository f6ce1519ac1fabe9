"""`check_manual`: slips are caught at the simplest input, right derivations pass, bad calls say
why.

The expected numbers are worked out by hand from the formulas (sigmoid(0) = 1/2, so sigmoid'(0) =
1/4), never taken from check_manual's own output.
"""

from __future__ import annotations

import functools
import math
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import ManualDerivativeError, Value, check_manual, sigmoid
from nn import MLP, mse_loss

ROOT = Path(__file__).resolve().parent.parent


def s(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def caught(*args, **options) -> ManualDerivativeError:
    with pytest.raises(ManualDerivativeError) as error:
        check_manual(*args, **options)
    return error.value


def tried(error: ManualDerivativeError) -> dict[str, int]:
    """The counts of the report's last line: tried, agreed, differed, skipped."""
    match = re.search(
        r"Inputs tried: (\d+) \((\d+) agreed, (\d+) differed, (\d+) skipped", str(error)
    )
    assert match, str(error)
    return dict(zip(("tried", "agreed", "differed", "skipped"), map(int, match.groups())))


# ---------------------------------------------------------------------- one input
def test_the_sigmoid_slip_is_caught_at_x_0_with_the_numbers_worked_by_hand():
    error = caught(sigmoid, lambda x: s(x) * (1 + s(x)))
    assert isinstance(error, AssertionError)  # reads as a failed check in pytest
    assert error.point == {"x": 0.0}
    assert error.partials == ["df/dx"]
    # sigmoid(0) = 0.5: the slip gives 0.5 * 1.5 = 0.75, the article 0.5 * 0.5 = 0.25
    assert re.search(r"df/dx +0\.75 +0\.25 +0\.5 +<-- differs", str(error))
    assert "at x = 0.0\n" in str(error)


def test_the_articles_sigmoid_derivative_passes():
    assert check_manual(sigmoid, lambda x: s(x) * (1 - s(x))) is True


def test_a_slip_away_from_0_is_shrunk_to_a_simple_number():
    # 1 / x for log'(x) is right; 1 / x ** 2 agrees only at x = 1, and log is undefined for x <= 0.
    error = caught(lambda x: x.log(), lambda x: 1 / x**2)
    assert error.point["x"] in (2.0, 0.5)  # the simplest points where 1/x and 1/x^2 differ
    assert tried(error)["skipped"] >= 1  # x = 0 is tried first, and skipped


def test_a_sign_slip_on_a_product_is_caught_at_the_simplest_nonzero_input():
    # d/dx of x * y is y; the slip -y agrees only where y = 0
    error = caught(lambda x, y: x * y, lambda x, y: (-y, x))
    assert error.point == {"x": 0.0, "y": 1.0}
    assert error.partials == ["df/dx"]


# ---------------------------------------------------------------------- undefined points
def test_points_where_fn_is_undefined_are_skipped_not_reported():
    # sqrt's derivative is undefined at 0, log's below and at 0: with bounds around 0 both pass.
    assert check_manual(lambda x: x.sqrt(), lambda x: 0.5 / math.sqrt(x), bounds=(0.0, 4.0))
    assert check_manual(lambda x: x.log(), lambda x: 1 / x)
    assert check_manual(lambda x, y: x / y, lambda x, y: (1 / y, -x / y**2))


def test_skipped_points_are_counted_in_the_report():
    error = caught(lambda x: x.log(), lambda x: 2 / x)
    counts = tried(error)
    assert counts["skipped"] >= 1
    assert counts["tried"] == counts["agreed"] + counts["differed"] + counts["skipped"]
    assert error.point["x"] > 0


def test_fn_undefined_everywhere_is_an_error_that_says_so():
    with pytest.raises(ValueError, match=r"undefined at every one of the \d+ inputs.*log"):
        check_manual(lambda x: x.log(), lambda x: 1 / x, bounds=(-5.0, -1.0))


def test_points_where_your_derivative_is_undefined_are_skipped_too():
    # 2x + 0 / x is undefined at x = 0 only (where autograd says 0); elsewhere it is right
    assert check_manual(lambda x: x**2, lambda x: 2 * x + 0 / x)
    # 1 / (x - x) is undefined everywhere
    with pytest.raises(ValueError, match=r"first: your derivative raised ZeroDivisionError"):
        check_manual(lambda x: x**2, lambda x: 1 / (x - x))


# ---------------------------------------------------------------------- several inputs, dicts
def test_partials_by_name_and_a_dict_that_names_only_some():
    def fn(x, y):
        return x * y.sin()

    assert check_manual(fn, lambda x, y: {"x": math.sin(y), "y": x * math.cos(y)})
    assert check_manual(fn, lambda x, y: {"y": x * math.cos(y)})
    error = caught(fn, lambda x, y: {"y": math.cos(y)})  # x forgotten: differs where x != 1
    assert error.partials == ["df/dy"]
    assert error.point == {"x": 0.0, "y": 0.0}  # cos(0) = 1, while x cos(0) = 0


def test_bounds_per_input():
    seen = []

    def fn(x, y):
        seen.append((x.data, y.data))
        return x + y

    assert check_manual(fn, lambda x, y: (1.0, 1.0), bounds=[(1, 2), (-3, -2)], max_examples=30)
    assert all(1 <= x <= 2 and -3 <= y <= -2 for x, y in seen)


def test_fn_with_star_args_takes_its_count_from_bounds():
    assert check_manual(lambda *xs: xs[0] * xs[1], lambda a, b: (b, a), bounds=[(-1, 1)] * 2)
    error = caught(lambda *xs: xs[0] * xs[1], lambda a, b: (b, b), bounds=[(-1, 1)] * 2)
    assert error.partials == ["df/dx1"]


# ---------------------------------------------------------------------- order 2
def test_a_second_derivative_by_hand():
    # (x sin x)'' = 2 cos x - x sin x; forgetting the product rule's second term gives cos x
    def fn(x):
        return x * x.sin()

    assert check_manual(fn, lambda x: 2 * math.cos(x) - x * math.sin(x), order=2)
    error = caught(fn, lambda x: math.cos(x) - x * math.sin(x), order=2)
    assert error.point == {"x": 0.0}
    assert re.search(r"d2f/dx2 +1 +2 +1 +<-- differs", str(error))


def test_a_hessian_as_rows_as_an_array_and_as_a_dict_of_pairs():
    def fn(x, y):
        return x * x * y

    def rows(x, y):
        return [[2 * y, 2 * x], [2 * x, 0.0]]

    assert check_manual(fn, rows, order=2)
    assert check_manual(fn, lambda x, y: np.array(rows(x, y)), order=2)
    assert check_manual(fn, lambda x, y: {("x", "y"): 2 * x, ("y", "y"): 0.0}, order=2)
    error = caught(fn, lambda x, y: {("x", "x"): 2.0}, order=2)  # 2 y, not 2
    assert error.partials == ["d2f/dx2"]
    assert error.point["y"] != 1.0


# ---------------------------------------------------------------------- models
def test_a_model_by_its_named_parameters_and_its_values_put_back():
    model = MLP(1, [1], activation="linear", output_activation="linear", seed=0)
    before = model.state_dict()
    parameters = dict(model.named_parameters())  # L0.N0.w0, L0.N0.b

    def loss(x, y):
        return mse_loss([y], [model([x])])

    def by_hand(x, y, **p):  # L = (y - (w x + b))^2
        residual = y - (p["L0.N0.w0"] * x + p["L0.N0.b"])
        return {"L0.N0.w0": -2 * residual * x, "L0.N0.b": -2 * residual}

    assert check_manual(loss, by_hand, parameters=parameters, bounds=[(-3, 3), (-3, 3)])
    assert model.state_dict() == before
    error = caught(loss, lambda x, y, **p: (0.0, 0.0), parameters=parameters)
    assert model.state_dict() == before
    # Hypothesis shrinks the first numbers first: y = 0 then needs b = 1 for a residual of -1,
    # dL/db = -2 * -1 = 2 where manual says 0; dL/dw = 2 * x = 0 agrees.
    assert error.point == {"x": 0.0, "y": 0.0, "L0.N0.w0": 0.0, "L0.N0.b": 1.0}
    assert error.partials == ["dL/dL0.N0.b"]
    assert all(p.grad == 0.0 for p in model.parameters())  # grad leaves .grad alone


def test_parameters_without_labels_need_a_dict():
    w = Value(1.0)
    with pytest.raises(ValueError, match=r"named_parameters"):
        check_manual(lambda: w * w, lambda **p: {}, parameters=[w])
    assert check_manual(lambda: w * w, lambda **p: 2 * p["w"], parameters={"w": w})


# ---------------------------------------------------------------------- determinism
SLIP = """
from autograd import ManualDerivativeError, check_manual
import math
try:
    check_manual(lambda x, y: x.exp() * y, lambda x, y: (math.exp(x) * y, math.exp(x) + x),
                 bounds=(-3, 3), seed={seed})
except ManualDerivativeError as error:
    print(error)
"""


def counterexample(report: str) -> str:
    """A report without its last line: how many inputs the search tried on its way depends on
    Hypothesis (which also draws numbers written in the caller's modules), the result does not."""
    assert report.splitlines()[-1].startswith("Inputs tried: ")
    return "\n".join(report.splitlines()[:-1])


def report(seed: int) -> str:
    """The report of a slip in d/dy of exp(x) * y (+ x: wrong where x != 0), searched anew."""
    with pytest.raises(ManualDerivativeError) as error:
        check_manual(
            lambda x, y: x.exp() * y,
            lambda x, y: (math.exp(x) * y, math.exp(x) + x),
            bounds=(-3, 3),
            seed=seed,
        )
    return str(error.value)


def test_the_same_seed_gives_the_same_report_in_another_process():
    done = subprocess.run(
        [sys.executable, "-c", SLIP.replace("{seed}", "0")],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert counterexample(done.stdout.strip()) == counterexample(report(0))
    assert "  at x = 1.0, y = 0.0\n" in report(0)


def test_another_seed_finds_the_same_simplest_input():
    assert report(0).splitlines()[1] == report(7).splitlines()[1] == "  at x = 1.0, y = 0.0"


@functools.cache
def plain_report() -> str:
    """The report of seed 0, searched once outside any test of Hypothesis's."""
    return report(0)


@settings(max_examples=3)
@given(st.integers())
def test_inside_a_users_given_test_it_works_the_same(n):
    # Hypothesis refuses a @given inside a @given; check_manual searches in a thread of its own.
    assert counterexample(report(0)) == counterexample(plain_report())


def test_under_another_hypothesis_profile_it_works_the_same():
    settings.register_profile("check_manual_test", derandomize=True, max_examples=5)
    settings.load_profile("check_manual_test")
    try:
        assert counterexample(report(0)) == counterexample(plain_report())
    finally:
        settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))  # as conftest.py


def test_no_example_database_is_written(tmp_path):
    subprocess.run(
        [sys.executable, "-c", SLIP.replace("{seed}", "0")],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        timeout=120,
        check=True,
    )
    # Hypothesis may cache constants of the caller's source files in .hypothesis/constants (as it
    # does for any search); the example database would be .hypothesis/examples.
    assert not (tmp_path / ".hypothesis" / "examples").exists()
    assert [path.name for path in tmp_path.iterdir()] in ([], [".hypothesis"])


def test_importing_the_library_does_not_import_hypothesis():
    code = "import sys, autograd, nn; print(sorted(m for m in sys.modules if 'hypothesis' in m))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout == "[]\n"


def test_without_hypothesis_check_manual_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    with pytest.raises(ImportError, match=r"pip install \"backproplab\[check\]\""):
        check_manual(sigmoid, lambda x: 0.25)


# ---------------------------------------------------------------------- mistakes in the call
@pytest.mark.parametrize(
    ("manual", "error", "message"),
    [
        (
            lambda x, y, z: (1.0, 2.0),
            ValueError,
            r"returned 2 partials, but there are 3 inputs \(x, y, z\)",
        ),
        (lambda x, y, z: 1.0, TypeError, r"returned one number, but there are 3 inputs"),
        (
            lambda x, y, z: None,
            TypeError,
            r"must return a number, a tuple of numbers or a dict, not NoneType",
        ),
        (lambda x, y, z: "1, 2, 3", TypeError, r"not str"),
        (lambda x, y, z: (1.0, "2", 3.0), TypeError, r"returned a str for df/dy, not a number"),
        (lambda x, y, z: (1.0, Value(2.0), 3.0), TypeError, r"a Value for df/dy.*works on floats"),
        (lambda x, y, z: (1.0, True, 3.0), TypeError, r"a bool for df/dy"),
        (lambda x, y, z: {"w": 1.0}, ValueError, r"entry for 'w', which is not one of x, y, z"),
        (lambda x, y, z: {}, ValueError, r"empty dict"),
    ],
)
def test_a_manual_that_returns_the_wrong_thing_says_what_is_wrong(manual, error, message):
    with pytest.raises(error, match=message):
        check_manual(lambda x, y, z: x * y * z, manual)


def test_a_hessian_of_the_wrong_shape_says_so():
    with pytest.raises(ValueError, match=r"2 rows of 2 second derivatives"):
        check_manual(lambda x, y: x * y, lambda x, y: (0.0, 1.0), order=2)
    with pytest.raises(ValueError, match=r"not a pair of names from x, y"):
        check_manual(lambda x, y: x * y, lambda x, y: {"x": 0.0}, order=2)


def test_a_mistake_inside_manual_comes_up_as_it_is():
    def manual(x):
        return undefined_name * x  # noqa: F821

    with pytest.raises(NameError, match="undefined_name"):
        check_manual(sigmoid, manual)


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"order": 3}, ValueError, "order must be 1 or 2"),
        ({"order": 1.0}, ValueError, "order must be 1 or 2"),
        ({"parameters": [Value(1.0, label="x")]}, ValueError, "'x' names both an input"),
        ({"parameters": [Value(1.0)]}, ValueError, "a name for every parameter"),
        ({"parameters": {"w": 1.0}}, TypeError, "parameter w must be a Value, not float"),
        ({"parameters": {"w": Value(1.0) * 2}}, ValueError, r"leaf Value, not the result of '\*'"),
        ({"parameters": []}, ValueError, "parameters is empty"),
        ({"bounds": (1.0, -1.0)}, ValueError, "low <= high"),
        ({"bounds": (0.0, math.inf)}, ValueError, "must be finite"),
        ({"bounds": [(0, 1), (0, 1)]}, ValueError, "bounds has 2 pairs, but fn takes 1 inputs"),
        ({"bounds": 5.0}, TypeError, "pair or a list of pairs"),
        ({"rtol": -1.0}, ValueError, "rtol must be a number >= 0"),
        ({"max_examples": 0}, ValueError, "max_examples must be an int >= 1"),
        ({"seed": 1.5}, TypeError, "seed must be an int"),
        (
            {"parameters": [Value(1.0, label="w")], "parameter_bounds": [(0, 1)] * 2},
            ValueError,
            "2 pairs for 1",
        ),
    ],
)
def test_bad_options_are_refused_before_any_search(options, error, message):
    with pytest.raises(error, match=message):
        check_manual(lambda x: x * x, lambda x: 2 * x, **options)


def test_fn_must_return_a_value():
    with pytest.raises(TypeError, match="fn must return a Value, not float"):
        check_manual(lambda x: 2.0, lambda x: 0.0)


def test_the_guide_shows_the_report_check_manual_really_writes():
    guide = (ROOT / "docs" / "guide.md").read_text(encoding="utf-8")
    section = guide.split("## Check your own derivation\n")[1]
    shown = re.findall(r"```text\n(.*?)```", section, flags=re.DOTALL)[0]
    with pytest.raises(ManualDerivativeError) as error:
        check_manual(sigmoid, lambda x: s(x) * (1 + s(x)))
    assert shown.strip() == str(error.value)


CTRL_C = """
import threading, time
from autograd import Value, check_manual

w = Value(0.5, label="w")
calls = []

def fn():
    calls.append(w.data)
    if len(calls) == 5:
        print("searching", flush=True)
    time.sleep(0.01)
    return w * w

try:
    check_manual(fn, lambda w: 2 * w, parameters=[w], max_examples=100_000)
except KeyboardInterrupt:
    seen = len(calls)
    time.sleep(0.3)
    print(w.data, len(calls) == seen, [thread.name for thread in threading.enumerate()])
"""


def test_ctrl_c_stops_the_search_and_puts_the_parameters_back():
    process = subprocess.Popen(
        [sys.executable, "-u", "-c", CTRL_C],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "searching\n"
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    # the search ended before check_manual put w back: nothing changed w afterwards
    assert out == "0.5 True ['MainThread']\n", err
