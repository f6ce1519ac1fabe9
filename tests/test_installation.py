"""Our import names are shared with other projects: both in one folder must fail loudly.

HIPS autograd is also imported as `autograd` and a package on PyPI is called `nn`. The first tests
build folders by hand and call the check directly. The others install real wheels into real
virtual environments, in both orders, and import from a separate Python process as a user would:
they need the package registry (once per run, for HIPS autograd, `nn` and the build back end of
our own wheel; pip caches them) and take a few seconds each.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from autograd._installation import InstallationClashError, check_installation

ROOT = Path(__file__).resolve().parent.parent
HIPS_AUTOGRAD = "autograd==1.9.1"  # HIPS autograd, the `autograd` PennyLane depends on
PYPI_NN = "nn==0.1.1"  # "a neural network library built on top of TensorFlow": an sdist, no deps


# ---------------------------------------------------------------------- folders made by hand
def install_by_hand(folder: Path, project: str, files: dict[str, str]) -> None:
    """Write `files` into `folder` and a dist-info whose RECORD lists them, as pip would."""
    for path, text in files.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(text)
    dist_info = folder / f"{project}-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {project}\nVersion: 1.0\n")
    record = [f"{path},," for path in files] + [
        f"{dist_info.name}/{name},," for name in ("RECORD",)
    ]
    (dist_info / "RECORD").write_text("\n".join(record) + "\n")


OURS = {
    "autograd/__init__.py": "",
    "autograd/engine.py": "",
    "nn/__init__.py": "",
    "nn/module.py": "",
}


def test_a_folder_with_only_our_files_passes(tmp_path):
    install_by_hand(tmp_path, "backproplab", OURS)
    # Bytecode that Python wrote later (another version, -O) is not in RECORD and does not count.
    (tmp_path / "autograd/__pycache__").mkdir()
    (tmp_path / "autograd/__pycache__/engine.cpython-99.opt-1.pyc").write_text("")
    install_by_hand(tmp_path, "numpy", {"numpy/__init__.py": ""})  # other names are no concern
    check_installation(str(tmp_path))


def test_a_source_tree_is_not_checked(tmp_path):
    # No backproplab dist-info beside the packages: a checkout or an editable install.
    for path in [*OURS, "autograd/notes.txt"]:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    check_installation(str(tmp_path))


def test_another_projects_files_in_our_folder_are_named(tmp_path):
    install_by_hand(tmp_path, "backproplab", OURS)
    install_by_hand(tmp_path, "autograd", {"autograd/__init__.py": "", "autograd/core.py": ""})
    with pytest.raises(InstallationClashError) as caught:
        check_installation(str(tmp_path))
    message = str(caught.value)
    assert "autograd 1.0 (its autograd)" in message
    assert "backproplab" in message
    assert "virtual environment" in message
    assert "pip uninstall -y backproplab autograd; pip install autograd" in message
    assert isinstance(caught.value, ImportError)


def test_a_namesake_that_replaced_only_files_we_also_have_is_found(tmp_path):
    install_by_hand(tmp_path, "backproplab", OURS)
    install_by_hand(tmp_path, "nn", {"nn/__init__.py": "", "nn/module.py": ""})
    with pytest.raises(InstallationClashError, match=r"nn 1\.0 \(its nn\)"):
        check_installation(str(tmp_path))


def test_files_nobody_installed_are_listed(tmp_path):
    install_by_hand(tmp_path, "backproplab", OURS)
    (tmp_path / "nn/stray.py").write_text("")
    with pytest.raises(InstallationClashError, match=r"did not install .*: nn/stray\.py"):
        check_installation(str(tmp_path))


# ---------------------------------------------------------------------- real virtual environments
@pytest.fixture(scope="session")
def wheels(tmp_path_factory) -> dict[str, Path]:
    """Our wheel, HIPS autograd's and PyPI nn's, each built or fetched once per test run."""
    folder = tmp_path_factory.mktemp("wheels")
    # Build from a copy: building in place would leave build/ and *.egg-info in the repository.
    source = folder / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, source)
    for package in ("autograd", "nn"):
        shutil.copytree(
            ROOT / package, source / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    pip("wheel", "--no-deps", "--wheel-dir", str(folder), str(source), HIPS_AUTOGRAD, PYPI_NN)
    found = {}
    for name in ("backproplab", "autograd", "nn"):
        (found[name],) = folder.glob(f"{name}-*.whl")
    return found


def pip(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--quiet", *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr


def new_venv(folder: Path) -> Path:
    """A virtual environment without pip (ours installs into it), seeing this one's dependencies.

    numpy and graphviz come from the running environment through a .pth file, which Python reads
    after the venv's own site-packages: the packages under test are the venv's.
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    site_packages = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dependencies = sysconfig.get_paths()["purelib"]
    (Path(site_packages) / "dependencies-of-the-test.pth").write_text(dependencies + "\n")
    return python


def install(python: Path, *wheels: Path) -> None:
    pip("--python", str(python), "install", "--no-deps", "--no-index", *map(str, wheels))


def uninstall(python: Path, *names: str) -> None:
    pip("--python", str(python), "uninstall", "--yes", *names)


def python_says(python: Path, code: str) -> subprocess.CompletedProcess[str]:
    # From an empty folder, so that the repository's own packages are not on sys.path.
    return subprocess.run(
        [python, "-c", code], cwd=python.parent, capture_output=True, text=True, timeout=120
    )


def assert_refused(done: subprocess.CompletedProcess[str], other: str) -> None:
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("autograd._installation.InstallationClashError: backproplab's ")
    assert f"uses the same import name: {other}" in last
    assert "virtual environment" in last


def test_a_venv_with_only_backproplab_works(wheels, tmp_path):
    python = new_venv(tmp_path / "venv")
    install(python, wheels["backproplab"])
    done = python_says(python, "import nn, autograd; print(nn.MLP(2, [1], seed=0)([1, 2]).data)")
    assert done.returncode == 0, done.stderr
    assert 0 < float(done.stdout) < 1
    # Bytecode for -O, which pip never listed, changes nothing.
    assert python_says(python, "import nn").returncode == 0
    assert subprocess.run([python, "-O", "-c", "import nn"], cwd=tmp_path).returncode == 0
    assert python_says(python, "import nn").returncode == 0


def test_backproplab_installed_over_hips_autograd_refuses_and_the_advice_repairs(wheels, tmp_path):
    python = new_venv(tmp_path / "venv")
    install(python, wheels["autograd"])
    install(python, wheels["backproplab"])  # pip replaces HIPS's autograd/__init__.py silently
    assert_refused(python_says(python, "import autograd"), "autograd 1.9.1 (its autograd)")
    assert_refused(python_says(python, "import nn"), "autograd 1.9.1 (its autograd)")
    # What the message advises gives HIPS autograd back.
    uninstall(python, "backproplab", "autograd")
    install(python, wheels["autograd"])
    done = python_says(python, "from autograd import elementwise_grad; print('HIPS')")
    assert done.stdout == "HIPS\n", done.stderr


def test_hips_autograd_installed_over_backproplab_makes_nn_refuse(wheels, tmp_path):
    python = new_venv(tmp_path / "venv")
    install(python, wheels["backproplab"])
    install(
        python, wheels["autograd"]
    )  # HIPS's __init__.py replaces ours: `import autograd` is HIPS
    assert_refused(python_says(python, "import nn"), "autograd 1.9.1 (its autograd)")


@pytest.mark.parametrize("order", ["nn first", "backproplab first"])
def test_pypi_nn_in_the_same_venv_makes_autograd_refuse(order, wheels, tmp_path):
    python = new_venv(tmp_path / "venv")
    first, second = ("nn", "backproplab") if order == "nn first" else ("backproplab", "nn")
    install(python, wheels[first])
    install(python, wheels[second])
    assert_refused(python_says(python, "import autograd"), "nn 0.1.1 (its nn)")


def test_the_wheel_carries_the_license(wheels):
    with zipfile.ZipFile(wheels["backproplab"]) as wheel:
        names = wheel.namelist()
        (license_file,) = [name for name in names if name.endswith(".dist-info/licenses/LICENSE")]
        text = wheel.read(license_file).decode()
        metadata = wheel.read(license_file.split("/")[0] + "/METADATA").decode()
    assert text.startswith("MIT License\n\nCopyright (c) 2026 the backproplab authors\n")
    assert "License-Expression: MIT\n" in metadata
