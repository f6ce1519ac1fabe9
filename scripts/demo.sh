#!/usr/bin/env bash
# The README's first command: make (or reuse) a venv in .venv, install the project (again only
# after pyproject.toml changed), and run the main demo, the article step by step. Arguments go to
# the demo (try --help).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
make_venv  # first: checks the Python version
install_once
.venv/bin/python -m demos.article "$@"
