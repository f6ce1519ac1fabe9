"""Walk the registry: every operation that `import autograd` registers has a hand-derived reference
case, computes its float and Value results by it, passes gradcheck(order=2), is drawn by name and
compiles to the engine's numbers.

Adding a built-in operation without a reference case fails here."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from engine_reference import ALL_CASES, away_from_zero, exact, unary, zero
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPERATIONS, Value, compile_graph, grad, gradcheck, to_dot


def registered_on_import() -> list[str]:
    """The operations a fresh `import autograd` registers, without those that tests (or the
    README's examples, run by test_docs) add with define_op in this process."""
    listing = subprocess.run(
        [sys.executable, "-c", "import autograd; print(*autograd.OPERATIONS, sep='\\n')"],
        capture_output=True,
        text=True,
        check=True,
    )
    return listing.stdout.split()


BUILT_IN = registered_on_import()

# step and sign are the slopes of relu and abs: flat on each side of 0, where they jump. Their
# derivatives are 0 (the engine's choice, also at the jump); the cases stay away from 0, where
# finite differences see the jump.
STEP_AND_SIGN = [
    unary(
        "step",
        "step",
        autograd.step,
        lambda x: 1.0 if x > 0 else 0.0,
        zero,
        zero,
        zero,
        away_from_zero(0.1, 10),
    ),
    unary(
        "sign",
        "sign",
        autograd.sign,
        lambda x: 1.0 if x > 0 else -1.0,
        zero,
        zero,
        zero,
        away_from_zero(0.1, 10),
    ),
]
CASES = ALL_CASES + STEP_AND_SIGN


def cases_of(name: str):
    return [case for case in CASES if case.op == name]


def test_the_registry_holds_the_built_in_operations():
    assert {"+", "-", "*", "/", "**", "neg", "exp", "log", "sigmoid", "step"} <= set(BUILT_IN)
    assert set(BUILT_IN) <= set(OPERATIONS)


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_operation_has_a_reference_case(name):
    assert cases_of(name), f"no hand-derived reference case for the operation {name!r}"


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_record_names_itself_and_its_function(name):
    operation = OPERATIONS[name]
    assert operation.name == name
    assert operation.arity in (1, 2)
    assert operation.function.__name__ == operation.call_name
    assert operation.call_name.isidentifier()


@pytest.mark.parametrize("name", BUILT_IN)
@settings(max_examples=10)
@given(data=st.data())
def test_every_operation_computes_its_reference_on_values_and_numbers(name, data):
    for case in cases_of(name):
        point = data.draw(case.points(), label=case.name)
        leaves = [autograd.Value(x) for x in point]
        result = case.fn(*leaves)
        assert result.op == name
        assert result.data == exact(case.partials[""](*point))
        constants = tuple(p.data if isinstance(p, autograd.Value) else p for p in result.parents)
        assert OPERATIONS[name].function(*constants) == result.data


@pytest.mark.parametrize("name", BUILT_IN)
@settings(max_examples=10)
@given(data=st.data())
def test_every_operation_passes_gradcheck_of_order_two(name, data):
    for case in cases_of(name):
        point = data.draw(case.points(), label=case.name)
        assert gradcheck(case.fn, list(point), order=2)


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_operation_is_drawn_by_its_name(name):
    for case in cases_of(name):
        point = (0.5,) * len(case.domain)  # inside every reference domain
        leaves = [autograd.Value(x, label=f"x{i}") for i, x in enumerate(point)]
        result = case.fn(*leaves)
        result.backward()
        source = to_dot(result).source
        assert re.search(rf'\blabel="?{re.escape(name)}"?[ \]]', source), case.name


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_operation_compiles_to_the_engines_numbers(name):
    # The first operand is w * x, with x per sample and w = 1 a parameter, so that every operand
    # has a gradient to compile; the other operand (if any) is a parameter.
    for case in cases_of(name):
        samples = [0.5, 0.7]  # inside every reference domain

        def record(x_data: float, case=case):
            x, w = Value(x_data, label="x"), Value(1.0, label="w")
            others = [Value(0.5, label=f"p{i}") for i in range(1, len(case.domain))]
            loss = case.fn(w * x, *others)
            return x, [w, *others], loss

        x, parameters, loss = record(samples[0])
        compiled = compile_graph(loss, inputs=[x], parameters=parameters)
        for at in samples:
            _, engine_parameters, engine_loss = record(at)
            expected = (engine_loss.data,), grad(engine_loss, engine_parameters)
            outputs, grads = compiled([at])
            assert (tuple(outputs), tuple(grads)) == expected, case.name
        (losses,), per_sample = compiled(np.array([[at] for at in samples]), reduction="none")
        for row, at in enumerate(samples):
            _, engine_parameters, engine_loss = record(at)
            assert losses[row] == exact(engine_loss.data), case.name
            assert tuple(per_sample[row]) == pytest.approx(
                grad(engine_loss, engine_parameters), rel=1e-12, abs=1e-15
            ), case.name


def test_no_file_outside_the_registry_spells_operation_names():
    """Readers ask the records: no other file of autograd keeps a table of operations. (Export
    lists name the functions, and two operator spellings may appear for other reasons.)"""
    names = set(OPERATIONS) | {operation.call_name for operation in OPERATIONS.values()}
    package = Path(autograd.__file__).parent
    offenders = {}
    for path in sorted(package.rglob("*.py")):
        if path.name == "operations.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        exports = {
            id(node)
            for assign in ast.walk(tree)
            if isinstance(assign, ast.Assign)
            and any(getattr(target, "id", "") == "__all__" for target in assign.targets)
            for node in ast.walk(assign)
        }
        spelled = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and node.value in names and id(node) not in exports
        }
        if len(spelled) >= 3:
            offenders[path.relative_to(package).as_posix()] = sorted(spelled)
    assert offenders == {}
