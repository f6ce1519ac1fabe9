# Sourced by demo.sh and test.sh: the virtual environment in .venv, made by a Python that fits.
# $PYTHON names the Python that makes it (default python3): PYTHON=python3.12 bash scripts/test.sh

PYTHON="${PYTHON:-python3}"

# The first step of both scripts: reuse .venv, or make it with $PYTHON, and stop at once, with
# the reason, if that Python is older than 3.10 (pip's resolver would sit for minutes, then fail).
make_venv() {
    if [ -x .venv/bin/python ]; then
        if ! _is_new_enough .venv/bin/python; then
            echo "error: .venv was made by $(.venv/bin/python -V 2>&1), and backproplab needs" \
                "Python 3.10 or newer: remove it (rm -rf .venv) and run $0 again" >&2
            exit 1
        fi
        return
    fi
    if ! command -v "$PYTHON" >/dev/null 2>&1; then
        echo "error: $PYTHON not found: backproplab needs Python 3.10 or newer" >&2
        exit 1
    fi
    if ! _is_new_enough "$PYTHON"; then
        echo "error: backproplab needs Python 3.10 or newer, and $PYTHON is" \
            "$("$PYTHON" -V 2>&1); name a newer one: PYTHON=python3.12 bash $0" >&2
        exit 1
    fi
    "$PYTHON" -m venv .venv
}

_is_new_enough() {
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null
}

# pip install -e ".[$1]" (or -e . without $1), skipped when it was done for this pyproject.toml:
# a copy of it in .venv says what was installed, so an edit to it installs again. Prints one line
# when it installs, since that takes a minute or more the first time.
#
# editable_mode=compat puts the repository's root on sys.path with a plain path in a .pth file.
# setuptools' default editable install uses an import hook instead, which mypy and pyright cannot
# follow: a user's own script type-checked outside the repository reported import-not-found for
# autograd and nn. The mode is set in the venv's own pip configuration (.venv/pip.conf), not on
# the command line (pip would pass it twice, which setuptools refuses), so that a user's later
# `pip install -e ".[demos]"` keeps it too. The stamp's name records the mode, so a .venv
# installed the old way (whose stamp has no "compat" in its name) installs again.
install_once() {
    local target=. stamp=.venv/installed-compat-pyproject.toml
    if [ -n "${1:-}" ]; then
        target=".[$1]"
        stamp=".venv/installed-compat-pyproject-$1.toml"
    fi
    printf '[install]\nconfig-settings = editable_mode=compat\n' > .venv/pip.conf
    if ! cmp -s pyproject.toml "$stamp"; then
        echo "Installing backproplab${1:+ with the $1 extras} into .venv (once; the first time" \
            "takes a minute or more)"
        .venv/bin/python -m pip install --quiet -e "$target"
        cp pyproject.toml "$stamp"
    fi
}
