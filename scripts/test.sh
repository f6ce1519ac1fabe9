#!/usr/bin/env bash
# The README's test command: make (or reuse) a venv in .venv, install the project with its test
# and dev extras, check lint and formatting, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
make_venv  # first: checks the Python version (an old one would sit in pip's resolver)
.venv/bin/python -m pip install --quiet -e ".[test,dev]"
.venv/bin/python -m ruff check .
.venv/bin/python -m ruff format --check .
.venv/bin/python -m pytest "$@"
