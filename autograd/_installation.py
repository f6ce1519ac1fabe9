"""Internal: refuse to run when another project's package shares a folder with ours.

Our import names are not unique: HIPS autograd (which PennyLane needs) is imported as `autograd`
too, and a package called `nn` exists. pip installs two distributions with the same import name
into the same folder without a word: the second replaces the first one's files, the first one's
remaining files stay beside it, and uninstalling either deletes files the other needs.
`autograd/__init__.py` and `nn/__init__.py` import this module first, and importing it checks:
such a folder fails at once with one `ImportError` that names both projects and the fix, not
later with a puzzling error from a half-replaced package.

The check is cheap: it lists the few files of our two package folders and reads our own RECORD
(the list of files pip installed). A source tree (an editable install, a checkout on sys.path) has
no RECORD beside it and is not checked: nothing installs into it. `importlib.metadata`, slow to
import, is only used to name the other project once something is wrong.
"""

from __future__ import annotations

import os

DISTRIBUTION = "backproplab"
PACKAGES = ("autograd", "nn")  # our import names, each a folder in site-packages


class InstallationClashError(ImportError):
    """Another installed project has put files into the folder of `autograd` or `nn`."""


def check_installation(folder: str | None = None) -> None:
    """Raise `InstallationClashError` if another project shares our package folders.

    `folder` is the one holding `autograd/` and `nn/` (site-packages); by default, this file's.
    """
    if folder is None:
        folder = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with os.scandir(folder) as entries:
        metadata = [entry.name for entry in entries if entry.name.endswith(_METADATA_SUFFIXES)]
    ours = [name for name in metadata if _project(name) == DISTRIBUTION]
    if not ours:  # a source tree
        return
    installed = _recorded_files(os.path.join(folder, ours[0]))
    strangers = [path for path in _files_in(folder) if path not in installed]
    # A project named like one of our packages may have replaced only files we also have.
    namesakes = [name for name in metadata if _project(name) in PACKAGES]
    shared = [path for name in namesakes for path in _recorded_files(os.path.join(folder, name))]
    if strangers or any(path.split("/", 1)[0] in PACKAGES for path in shared):
        raise InstallationClashError(_explain(folder, strangers))


_METADATA_SUFFIXES = (".dist-info", ".egg-info")


def _project(metadata_folder: str) -> str:
    """The normalised project name of `name-version.dist-info` (PEP 503: case, - _ . alike)."""
    name = metadata_folder.split("-", 1)[0].removesuffix(".egg-info").removesuffix(".dist-info")
    return name.lower().replace("_", "-").replace(".", "-")


def _recorded_files(dist_info: str) -> set[str]:
    """The paths in a distribution's RECORD, relative to the folder it was installed into."""
    try:
        with open(os.path.join(dist_info, "RECORD"), encoding="utf-8") as record:
            return {line.split(",", 1)[0] for line in record if line.strip()}
    except OSError:
        return set()


def _files_in(folder: str) -> list[str]:
    """Every file below our package folders, as RECORD writes paths ("autograd/engine.py")."""
    found = []
    for package in PACKAGES:
        for directory, subdirectories, files in os.walk(os.path.join(folder, package)):
            # Python writes bytecode here for other versions and -O levels that pip never listed.
            if "__pycache__" in subdirectories:
                subdirectories.remove("__pycache__")
            relative = os.path.relpath(directory, folder).replace(os.sep, "/")
            found += [f"{relative}/{name}" for name in files]
    return sorted(found)


def _explain(folder: str, strangers: list[str]) -> str:
    """The error message: which projects share which folder, why that breaks, and the fix."""
    from importlib import metadata  # slow to import: only once something is wrong

    others = []
    for distribution in metadata.distributions(path=[folder]):
        name = distribution.metadata["Name"] or "?"
        files = distribution.files or []
        shared = sorted({file.parts[0] for file in files if file.parts[0] in PACKAGES})
        if shared and _project(name) != DISTRIBUTION:
            others.append(f"{name} {distribution.version} (its {' and '.join(shared)})")
    if others:
        who = "another installed project uses the same import name: " + ", ".join(others)
    else:
        shown = ", ".join(strangers[:3]) + (", ..." if len(strangers) > 3 else "")
        who = f"files that backproplab did not install are in its package folders: {shown}"
    names = " ".join(sorted({other.split()[0] for other in others}))
    repair = f"pip uninstall -y backproplab {names}; pip install {names}" if names else ""
    return (
        f"backproplab's packages autograd and nn in {folder} cannot be used: {who}. "
        "pip put both into one folder, where each replaces the other's files and uninstalling "
        "either deletes files of the other. Install backproplab in a virtual environment of its "
        "own (scripts/demo.sh and scripts/test.sh make one in .venv)"
        + (f"; to repair this one: {repair}." if repair else ".")
    )


check_installation()
