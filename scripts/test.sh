#!/usr/bin/env bash
# The README's test command: make (or reuse) a venv in .venv, install the project with its test,
# dev and torch extras (torch for the PyTorch bridge's tests), check lint and formatting, and run
# the whole test suite (tests/test_types.py runs mypy --strict and pyright on autograd, nn, demos
# and the README's examples).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
make_venv  # first: checks the Python version (an old one would sit in pip's resolver)
# The browser tests (tests/test_html.py) drive Debian's Chromium; install it once, as root (CI runs
# as root), and leave a machine that has it alone.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] \
  || [ ! -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] \
  || [ ! -e /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      chromium chromium-driver fonts-dejavu-core fonts-liberation > /dev/null
  else
    echo "tests/test_html.py needs Chromium: sudo apt-get install chromium chromium-driver" \
      "fonts-dejavu-core fonts-liberation (see the README)" >&2
  fi
fi
.venv/bin/python -m pip install --quiet -e ".[test,dev,torch]"
.venv/bin/python -m ruff check .
.venv/bin/python -m ruff format --check .
.venv/bin/python -m pytest "$@"
