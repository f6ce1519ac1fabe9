"""The types a user's checker sees hold: mypy --strict and pyright on the package, the demos and
the examples of the README and docs/ (tests/doc_examples.py), and on a user's script in a folder
of its own.

Each example is written to a file of its own and checked with the code, in one run per checker;
the two checkers run side by side (each takes seconds to tens of seconds). A file with a
deliberate mistake goes into both runs too: each must report it, and nothing else, so a checker
that looked at nothing (a wrong path, a configuration that silences everything) fails here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from doc_examples import blocks

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["autograd", "nn", "demos"]

# A model's output is typed Any (see nn.module), but a loss is a Value: adding a str to its data
# must be an error for both checkers.
MISTAKE = """\
from nn import MLP, mse_loss

model = MLP(2, [2, 1], seed=0)
loss = mse_loss([1.0], [model([0.5, -0.5])])
broken = loss.data + "not a number"
"""


def doc_examples() -> list[str]:
    return blocks("python")


@pytest.fixture(scope="module")
def checked_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("typed")
    examples = doc_examples()
    assert len(examples) >= 10
    files = []
    for i, example in enumerate(examples):
        files.append(folder / f"doc_example_{i:02d}.py")
        files[-1].write_text(example, encoding="utf-8")
    files.append(folder / "deliberate_mistake.py")
    files[-1].write_text(MISTAKE, encoding="utf-8")
    return files


@pytest.fixture(scope="module")
def runs(checked_files: list[Path]) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """Both checkers, started together; each test waits for its own."""
    files = [str(path) for path in checked_files]
    commands = {
        # The cache (in .mypy_cache, which git ignores) makes a second run take seconds.
        "mypy": [sys.executable, "-m", "mypy", "--strict", *PACKAGES, *files],
        "pyright": [sys.executable, "-m", "pyright", *PACKAGES, *files],
    }
    started = {
        name: subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        for name, command in commands.items()
    }
    yield started
    for process in started.values():
        if process.poll() is None:
            process.kill()
            process.wait()


def finished(process: subprocess.Popen[str]) -> str:
    output, _ = process.communicate(timeout=600)
    return output


def test_mypy_strict_finds_the_mistake_and_nothing_else(runs):
    output = finished(runs["mypy"])
    errors = [line for line in output.splitlines() if ": error:" in line]
    assert len(errors) == 1, output
    assert re.match(r".*deliberate_mistake\.py:5: error: Unsupported operand types", errors[0])


def test_pyright_finds_the_mistake_and_nothing_else(runs):
    output = finished(runs["pyright"])
    errors = [line for line in output.splitlines() if " - error: " in line]
    assert len(errors) == 1, output
    assert re.match(r".*deliberate_mistake\.py:5:\d+ - error: Operator \"\+\"", errors[0])
    assert "1 error, " in output


# ---------------------------------------------------------------------- a user's own folder
# What a user writes in a folder of their own, after the scripts made .venv: checked there, with
# the commands the README gives, it must find backproplab's types (an editable install the
# checkers cannot follow gives import-not-found and types everything as Any) and the one mistake.
USER_SCRIPT = """\
from autograd import Value, grad
from nn import MLP, mse_loss

x = Value(0.5, label="x")
(dx,) = grad(x * x, [x])
model = MLP(2, [2, 1], seed=0)
loss: Value = mse_loss([1.0], [model([0.5, -0.5])])
total: float = loss.data + dx
broken: str = loss.data
"""
VENV = ROOT / ".venv"


def test_a_users_script_outside_the_repository_type_checks_against_the_venv(tmp_path):
    if not (VENV / "bin" / "mypy").exists() or not (VENV / "bin" / "pyright").exists():
        pytest.skip(f"no {VENV} with mypy and pyright: bash scripts/test.sh makes it")
    (tmp_path / "mine.py").write_text(USER_SCRIPT, encoding="utf-8")
    # As after `source .venv/bin/activate`: the venv's bin first on PATH.
    environment = {
        **os.environ,
        "PATH": f"{VENV / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "VIRTUAL_ENV": str(VENV),
    }
    environment.pop("PYTHONPATH", None)  # nothing may point the checkers at the repository
    commands = {
        "mypy": ["python", "-m", "mypy", "--strict", "mine.py"],
        "pyright": ["pyright", "mine.py"],
    }
    started = {
        name: subprocess.Popen(
            command,
            cwd=tmp_path,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, command in commands.items()
    }
    mypy_output = finished(started["mypy"])
    pyright_output = finished(started["pyright"])
    mypy_errors = [line for line in mypy_output.splitlines() if ": error:" in line]
    assert len(mypy_errors) == 1, mypy_output
    assert mypy_errors[0].startswith("mine.py:9: error: Incompatible types in assignment")
    pyright_errors = [line for line in pyright_output.splitlines() if " - error: " in line]
    assert len(pyright_errors) == 1, pyright_output
    not_a_str = r".*mine\.py:9:\d+ - error: Type \"float\" is not assignable"
    assert re.match(not_a_str, pyright_errors[0])
