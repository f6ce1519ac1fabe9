#!/usr/bin/env bash
# The README's test command: make (or reuse) a venv in .venv, install the project with its test,
# dev and torch extras (torch for the PyTorch bridge's tests), then run each check as a phase that
# is named as it starts and timed as it ends: ruff, mypy and pyright (tests/test_types.py), the
# unit tests, the browser tests (tests/test_html.py). The first phase that fails stops the run.
#
# Arguments go to pytest, which then runs once, instead of the three test phases:
#   bash scripts/test.sh tests/test_nn_fit.py -x
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh

phase_number=0
PHASES=5

# phase NAME COMMAND...: run COMMAND under a heading, then say how long it took.
phase() {
    local name=$1 start=$SECONDS
    shift
    phase_number=$((phase_number + 1))
    echo
    echo "== [$phase_number/$PHASES] $name"
    "$@"
    echo "== [$phase_number/$PHASES] $name: done in $((SECONDS - start)) s"
}

# The browser tests (tests/test_html.py) drive Debian's Chromium; install it once, as root (CI runs
# as root), and leave a machine that has it alone.
install_browser() {
    if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
        && [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
        && [ -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ]; then
        return
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
        echo "Installing Chromium and fonts for the browser tests with apt-get"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            chromium chromium-driver fonts-dejavu-core fonts-liberation > /dev/null
    else
        echo "tests/test_html.py needs Chromium: sudo apt-get install chromium chromium-driver" \
            "fonts-dejavu-core fonts-liberation (see the README)" >&2
    fi
}

installing() {
    install_browser
    install_once test,dev,torch  # PyTorch (CPU) is the large part: minutes on a fresh machine
}

ruff_checks() {
    .venv/bin/python -m ruff check .
    .venv/bin/python -m ruff format --check .
}

# pytest at its default verbosity (-v undoes the -q of pyproject.toml's addopts): one line per
# test file, its name, a dot per test and the percentage done, so a reader sees what runs.
run_pytest() {
    .venv/bin/python -m pytest -v "$@"
}

make_venv  # first: checks the Python version (an old one would sit in pip's resolver)
start=$SECONDS
phase "installing: .venv with the test, dev and torch extras" installing
phase "ruff: lint and formatting" ruff_checks
if [ $# -gt 0 ]; then
    PHASES=3
    phase "pytest $*" run_pytest "$@"
else
    phase "mypy --strict and pyright: the packages, the demos, the README, a user's script" \
        run_pytest tests/test_types.py
    phase "unit tests: tests/ and the doctests of autograd and nn" \
        run_pytest --ignore=tests/test_types.py --ignore=tests/test_html.py
    phase "browser tests: the stepping pages in headless Chromium" \
        run_pytest tests/test_html.py
fi
echo
echo "All $PHASES phases passed in $((SECONDS - start)) s."
