"""demos.modes, run as a user runs it: its operation counts against counts derived by hand, both
modes' Jacobians equal, and one-line errors for bad arguments."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SIZES = [1, 3, 8]
TRUNK_STEPS = 20  # the demo's trunk in (b), as its output says


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "demos.modes", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def printed() -> str:
    done = run_demo("--sizes", *map(str, SIZES), "--repeats", "1")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def rows(text: str, section: str) -> dict[int, list[int]]:
    """size -> [reverse f runs, reverse rules, forward f runs, forward rules] of one table."""
    part = text.split(section, 1)[1].split("Largest difference", 1)[0]
    found = {}
    for line in part.splitlines():
        match = re.match(
            r"\s+(\d+) \|\s+(\d+)\s+(\d+)\s+[\d.]+ ms \|\s+(\d+)\s+(\d+)\s+[\d.]+ ms", line
        )
        if match:
            size, *counts = map(int, match.groups())
            found[size] = counts
    return found


def test_many_inputs_one_output_counts(printed):
    # L = (sigmoid(w1 x1 + ... + wn xn + b) - 1) ** 2 with constant w, b. Backward applies one rule
    # per product (w is a constant), two per sum of two products, one each for + b, sigmoid,
    # - 1 and ** 2: 3n + 2. Forward sweep k (tangent e_k) applies a rule only for operands that
    # move: product k, the running sums from k on (n - k of them, plus one where product k
    # joins unless k = 1), and the last four: n (n - 1) / 2 + 6n - 1 over all n sweeps.
    table = rows(printed, "(a) Many inputs, one output")
    assert sorted(table) == SIZES
    for n, (reverse_runs, reverse_rules, forward_runs, forward_rules) in table.items():
        assert (reverse_runs, forward_runs) == (1, n)
        assert reverse_rules == 3 * n + 2
        assert forward_rules == n * (n - 1) // 2 + 6 * n - 1


def test_one_input_many_outputs_counts(printed):
    # The trunk has TRUNK_STEPS steps of three operations (* c, + 0.1, tanh) and each output
    # three more (* a, + b, tanh), each with one operand that moves. Reverse mode walks the trunk
    # again for every output: m (3T + 3); forward mode once: 3T + 3m.
    assert f"a {TRUNK_STEPS}-step trunk" in printed
    table = rows(printed, "(b) One input, many outputs")
    assert sorted(table) == SIZES
    for m, (reverse_runs, reverse_rules, forward_runs, forward_rules) in table.items():
        assert (reverse_runs, forward_runs) == (1, 1)
        assert reverse_rules == m * (3 * TRUNK_STEPS + 3)
        assert forward_rules == 3 * TRUNK_STEPS + 3 * m


def test_both_modes_give_the_same_jacobian(printed):
    differences = re.findall(r"Largest difference between the two modes' Jacobians: (\S+)", printed)
    assert len(differences) == 2
    assert all(float(difference) < 1e-12 for difference in differences)


def test_every_row_names_the_faster_mode_and_the_end_says_when_each_wins(printed):
    winners = re.findall(r"\| (reverse|forward), \d+\.\dx$", printed, flags=re.MULTILINE)
    assert len(winners) == 2 * len(SIZES)
    assert "When each wins" in printed


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--sizes", "0"], "--sizes must be at least 1, not 0"),
        (["--sizes", "two"], "--sizes must be a whole number, not 'two'"),
        (["--sizes", "5000"], "--sizes must be at most 1000"),
        (["--repeats", "0"], "--repeats must be at least 1, not 0"),
        (["--seed", "-1"], "--seed must be 0 or more, not -1"),
    ],
)
def test_bad_arguments_are_a_one_line_error(args, message):
    done = run_demo(*args)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {message}")
    assert done.stderr.count("\n") == 1
    assert done.stdout == ""
