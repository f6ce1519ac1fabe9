"""`python -m demos.check_derivation`: each slip caught at its simplest input, then the article's
derivation passing. The expected numbers are worked out by hand at those inputs: sigmoid(0) = 1/2,
sigmoid'(0) = 1/4, and with every parameter 0 the network predicts y_pred = 1/2."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from demos import check_derivation
from nn import PARAMETER_NAMES

ROOT = Path(__file__).resolve().parent.parent
ALL_ZERO = "with " + ", ".join(f"{name} = 0.0" for name in PARAMETER_NAMES)


def sections(out: str) -> dict[str, str]:
    """The demo's output cut at its headings (a blank line, then "Slip N: ..." or "The article's
    derivation" alone on a line)."""
    parts = re.split(r"\n\n(Slip \d: .+|The article's derivation)\n", out)
    return dict(zip(parts[1::2], parts[2::2]))


def row(section: str, name: str) -> list[str]:
    """The cells of the table row of one partial derivative."""
    (line,) = [line.split() for line in section.splitlines() if line.split()[:1] == [name]]
    return line[1:]


@pytest.fixture(scope="module")
def run_as_a_user(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    folder = tmp_path_factory.mktemp("check_derivation")
    return subprocess.run(
        [sys.executable, "-m", "demos.check_derivation"],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_it_runs_as_a_user_runs_it(run_as_a_user):
    assert run_as_a_user.returncode == 0
    assert run_as_a_user.stderr == ""
    assert list(sections(run_as_a_user.stdout)) == [
        "Slip 1: sigmoid' written s (1 + s)",
        "Slip 2: dL/dy_pred without its minus sign",
        "Slip 3: dy_pred/dh1 with w1 where the article has w5",
        "The article's derivation",
    ]


def test_the_sigmoid_slip_is_caught_at_x_0(run_as_a_user):
    slip = sections(run_as_a_user.stdout)["Slip 1: sigmoid' written s (1 + s)"]
    assert "  at x = 0.0\n" in slip
    # 1/2 * (1 + 1/2) = 0.75 written, 1/2 * (1 - 1/2) = 0.25 right
    assert row(slip, "df/dx") == ["0.75", "0.25", "0.5", "<--", "differs"]


def test_the_missing_minus_sign_is_caught_with_every_number_0(run_as_a_user):
    slip = sections(run_as_a_user.stdout)["Slip 2: dL/dy_pred without its minus sign"]
    assert "  at x1 = 0.0, x2 = 0.0, y_true = 0.0\n" in slip
    assert f"  {ALL_ZERO}\n" in slip
    # dL/dy_pred = -2 (0 - 1/2) = 1; dL/db3 = 1 * 1/4, dL/dw5 = dL/dw6 = 1 * h * 1/4 with h = 1/2
    assert row(slip, "dL/db3") == ["-0.25", "0.25", "0.5", "<--", "differs"]
    assert (
        row(slip, "dL/dw5") == row(slip, "dL/dw6") == ["-0.125", "0.125", "0.25", "<--", "differs"]
    )
    assert row(slip, "dL/dw1") == ["0", "0", "0"]  # w5 = 0: nothing reaches the hidden layer


def test_the_wrong_weight_is_caught_where_w1_and_w5_differ(run_as_a_user):
    slip = sections(run_as_a_user.stdout)["Slip 3: dy_pred/dh1 with w1 where the article has w5"]
    assert "  at x1 = 0.0, x2 = 0.0, y_true = 0.0\n" in slip
    assert f"  {ALL_ZERO.replace('w1 = 0.0', 'w1 = 1.0')}\n" in slip
    # dL/db1 = dL/dy_pred * (w5 = 0) * f'(0) * f'(0) = 0; with w1 = 1 written, 1 * 1 * 1/16
    assert row(slip, "dL/db1") == ["0.0625", "0", "0.0625", "<--", "differs"]
    assert "one of them 1 and the other 0" in slip


def test_the_articles_derivation_passes(run_as_a_user):
    passed = sections(run_as_a_user.stdout)["The article's derivation"]
    assert passed.count("    passes\n") == 2
    assert "<-- differs" not in passed


@pytest.mark.parametrize("seed", [1, 3])
def test_another_seed_finds_the_same_slips_at_inputs_the_lessons_explain(seed, capsys):
    assert check_derivation.main(["--seed", str(seed)]) == 0
    out = sections(capsys.readouterr().out)
    assert "  at x = 0.0\n" in out["Slip 1: sigmoid' written s (1 + s)"]
    assert f"  {ALL_ZERO}\n" in out["Slip 2: dL/dy_pred without its minus sign"]
    slip = out["Slip 3: dy_pred/dh1 with w1 where the article has w5"]
    ones = [w for w in ("w1", "w5") if f"{w} = 1.0" in slip]
    assert len(ones) == 1  # the lesson: one of them 1, the other 0
    assert f"  {ALL_ZERO.replace(f'{ones[0]} = 0.0', f'{ones[0]} = 1.0')}\n" in slip
    assert out["The article's derivation"].count("    passes\n") == 2


def test_a_bad_seed_is_a_one_line_error(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "demos.check_derivation", "--seed", "-1"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr == "error: --seed must be at least 0, not -1\n"
    assert done.stdout == ""
