#!/usr/bin/env bash
# The README's first command: make (or reuse) a venv in .venv, install the project, and run the main
# demo, the article step by step. Arguments go to the demo (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet -e .
.venv/bin/python -m demos.article "$@"
