"""scripts/demo.sh and scripts/test.sh: the Python version checked first, the install done once.

Each test runs a script from a copy of the scripts and pyproject.toml in a temporary folder, with
a stand-in Python on PATH (or in .venv) that reports another version or records what it is asked
to do, so no venv is made and nothing is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A python3 that says it is 3.9: `-V` prints so, `-c` code runs with sys.version_info of 3.9 (in
# this Python), and anything else, such as `-m venv` or `-m pip`, is recorded and refused.
FAKE_PYTHON = """#!/bin/sh
case "$1" in
    -V|--version) echo "Python {version}" ;;
    -c) exec {real} -c "import sys; sys.version_info = {info}; exec(sys.argv[1])" "$2" ;;
    *) echo "$0 $*" >> "{log}"; {otherwise} ;;
esac
"""


def fake_python(path: Path, version: str, log: Path, otherwise: str = "exit 3") -> None:
    info = tuple(int(part) for part in version.split("."))
    text = FAKE_PYTHON.format(
        version=version, real=sys.executable, info=info, log=log, otherwise=otherwise
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)


@pytest.fixture
def checkout(tmp_path) -> Path:
    """The scripts and pyproject.toml, copied: a repository with no .venv yet."""
    repository = tmp_path / "repository"
    shutil.copytree(ROOT / "scripts", repository / "scripts")
    shutil.copy(ROOT / "pyproject.toml", repository)
    return repository


def run_script(checkout: Path, script: str, *args: str, path_first: Path | None = None, **env: str):
    path = (
        os.environ["PATH"]
        if path_first is None
        else f"{path_first}{os.pathsep}{os.environ['PATH']}"
    )
    environment = {**os.environ, "PATH": path, **env}
    environment.pop("PYTHON", None)
    environment.update(env)
    return subprocess.run(
        ["bash", str(checkout / "scripts" / script), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
    )


@pytest.mark.parametrize("script", ["demo.sh", "test.sh"])
def test_an_old_python3_is_refused_before_anything_else(script, checkout, tmp_path):
    log = tmp_path / "asked"
    fake_python(tmp_path / "bin" / "python3", "3.9.18", log)
    done = run_script(checkout, script, path_first=tmp_path / "bin")
    assert done.returncode == 1
    assert done.stderr == (
        "error: backproplab needs Python 3.10 or newer, and python3 is Python 3.9.18; name a "
        f"newer one: PYTHON=python3.12 bash {checkout / 'scripts' / script}\n"
    )
    assert done.stdout == ""
    assert not log.exists()  # no venv, no pip
    assert not (checkout / ".venv").exists()


def test_python_names_another_interpreter(checkout, tmp_path):
    log = tmp_path / "asked"
    fake_python(tmp_path / "bin" / "python3.8", "3.8.20", log)
    done = run_script(checkout, "test.sh", path_first=tmp_path / "bin", PYTHON="python3.8")
    assert done.returncode == 1
    assert "and python3.8 is Python 3.8.20" in done.stderr
    missing = run_script(checkout, "test.sh", PYTHON="no-such-python")
    assert missing.returncode == 1
    assert missing.stderr == (
        "error: no-such-python not found: backproplab needs Python 3.10 or newer\n"
    )


@pytest.mark.parametrize("script", ["demo.sh", "test.sh"])
def test_a_venv_made_by_an_old_python_is_refused(script, checkout, tmp_path):
    log = tmp_path / "asked"
    fake_python(checkout / ".venv" / "bin" / "python", "3.9.18", log)
    done = run_script(checkout, script)
    assert done.returncode == 1
    assert done.stderr.startswith("error: .venv was made by Python 3.9.18, and backproplab needs")
    assert "rm -rf .venv" in done.stderr
    assert not log.exists()


def test_demo_sh_installs_only_when_pyproject_toml_changed(checkout, tmp_path):
    log = tmp_path / "asked"
    fake_python(checkout / ".venv" / "bin" / "python", "3.11.7", log, otherwise="exit 0")
    install = ".venv/bin/python -m pip install --quiet -e ."  # from the repository's root
    demo = ".venv/bin/python -m demos.article --epochs 3"

    def asked(*args: str) -> list[str]:
        log.unlink(missing_ok=True)
        done = subprocess.run(
            ["bash", str(checkout / "scripts" / "demo.sh"), *args],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return log.read_text().splitlines()

    assert asked("--epochs", "3") == [install, demo]
    # compat: a plain path in a .pth file, which type checkers follow (tests/test_types.py); in
    # the venv's pip configuration, so a user's own `pip install -e .` keeps it too.
    assert "config-settings = editable_mode=compat" in (checkout / ".venv" / "pip.conf").read_text()
    assert asked("--epochs", "3") == [demo]  # nothing changed: straight to the demo
    with open(checkout / "pyproject.toml", "a") as pyproject:
        pyproject.write("# a new dependency, say\n")
    assert asked("--epochs", "3") == [install, demo]
    assert asked("--epochs", "3") == [demo]


def test_demo_sh_says_when_it_installs(checkout, tmp_path):
    fake_python(checkout / ".venv" / "bin" / "python", "3.11.7", tmp_path / "asked", "exit 0")
    first = run_script(checkout, "demo.sh")
    assert first.stdout.startswith("Installing backproplab into .venv (once;")
    assert len(first.stdout.splitlines()) == 1  # the demo itself is the fake Python's silence
    assert run_script(checkout, "demo.sh").stdout == ""


# A .venv Python for test.sh: every command is recorded; `-m ruff` fails when told to.
RUFF_FAILS = 'case "$*" in *"-m ruff check"*) exit 1 ;; esac; exit 0'


def test_sh_runs_named_timed_phases(checkout, tmp_path):
    log = tmp_path / "asked"
    fake_python(checkout / ".venv" / "bin" / "python", "3.11.7", log, otherwise="exit 0")
    done = run_script(checkout, "test.sh")
    assert done.returncode == 0, done.stderr
    headings = [line for line in done.stdout.splitlines() if line.startswith("== [")]
    names = ["installing", "ruff", "mypy --strict and pyright", "unit tests", "browser tests"]
    assert len(headings) == 2 * len(names)
    for number, name in enumerate(names, start=1):
        started, ended = headings[2 * number - 2 : 2 * number]
        assert started.startswith(f"== [{number}/5] {name}")
        assert re.fullmatch(rf"== \[{number}/5\] {re.escape(name)}.*: done in \d+ s", ended)
    assert re.search(r"^All 5 phases passed in \d+ s\.$", done.stdout, flags=re.MULTILINE)
    python = ".venv/bin/python"
    install = f"{python} -m pip install --quiet -e"
    assert log.read_text().splitlines() == [
        f"{install} .[test,dev,torch]",
        f"{python} -m ruff check .",
        f"{python} -m ruff format --check .",
        f"{python} -m pytest -v tests/test_types.py",
        f"{python} -m pytest -v --ignore=tests/test_types.py --ignore=tests/test_html.py",
        f"{python} -m pytest -v tests/test_html.py",
    ]


def test_sh_passes_its_arguments_to_one_pytest_and_installs_once(checkout, tmp_path):
    log = tmp_path / "asked"
    fake_python(checkout / ".venv" / "bin" / "python", "3.11.7", log, otherwise="exit 0")
    assert run_script(checkout, "test.sh").returncode == 0
    log.unlink()
    done = run_script(checkout, "test.sh", "tests/test_graph.py", "-x")
    assert done.returncode == 0, done.stderr
    assert "== [3/3] pytest tests/test_graph.py -x: done in" in done.stdout
    assert (
        log.read_text().splitlines()[-1] == ".venv/bin/python -m pytest -v tests/test_graph.py -x"
    )
    assert "pip install" not in log.read_text()  # pyproject.toml unchanged: installed already


def test_sh_stops_at_the_first_failing_phase(checkout, tmp_path):
    log = tmp_path / "asked"
    fake_python(checkout / ".venv" / "bin" / "python", "3.11.7", log, otherwise=RUFF_FAILS)
    done = run_script(checkout, "test.sh")
    assert done.returncode != 0
    assert "== [2/5] ruff" in done.stdout
    assert "ruff: lint and formatting: done" not in done.stdout
    assert "pytest" not in log.read_text()
