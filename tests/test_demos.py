"""The demos, run quickly (few epochs, a temporary folder): what they print, the files they write.

Printed numbers are checked against the article's figures and against `ManualNetwork`, the
hand-derived network, never against the demo's own code. Command-line errors are checked in a
separate Python process, as a user meets them, started in a temporary folder: no test writes into
the repository.
"""

from __future__ import annotations

import errno
import math
import os
import re
import shlex
import signal
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from demos import _cli, _plots, article, manual_vs_auto, moons
from demos._svg_plot import loss_curve_svg
from nn import EMILY, FRANK, PARAMETER_NAMES, PEOPLE, ManualNetwork, people

ROOT = Path(__file__).resolve().parent.parent
INSTALL_HINT = '-m pip install -e ".[demos]"'

try:
    import matplotlib.image

    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False

FLOAT = r"-?\d+\.\d+(?:e[+-]?\d+)?"


def run_main(module, capsys, *args: str) -> str:
    assert module.main(list(args)) == 0
    return capsys.readouterr().out


def line_with(text: str, start: str) -> str:
    """The one printed line that begins with `start` once stripped."""
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith(start)]
    assert len(lines) == 1, f"expected one line starting {start!r}, got {lines}"
    return lines[0]


def floats_in(line: str) -> list[float]:
    return [float(number) for number in re.findall(FLOAT, line)]


def trained_by_hand(seed: int, epochs: int) -> tuple[ManualNetwork, list[float]]:
    network = ManualNetwork(seed=seed)
    X, y = people()
    return network, network.train(X, y, epochs=epochs)


def check_png_or_hint(out: str, path: Path) -> None:
    """With matplotlib the PNG exists and decodes; without it, the demo says how to get it."""
    if HAVE_MATPLOTLIB:
        image = matplotlib.image.imread(path)
        assert image.shape[0] > 100 and image.shape[1] > 100
        assert f"Wrote {path}" in out
    else:
        assert not path.exists()
        assert INSTALL_HINT in out


# ---------------------------------------------------------------------- article
def test_article_prints_the_articles_numbers(tmp_path, capsys):
    out = run_main(article, capsys, "--epochs", "30", "--seed", "3", "--out", str(tmp_path))
    assert "input [2, 3]  ->  output 0.9990889488055994" in out
    assert "input [2, 3]  ->  output 0.7216325609518421" in out
    assert "y_true [1, 0, 0, 1], y_pred [0, 0, 0, 0]  ->  loss 0.5\n" in out


def test_article_worked_example_by_hand_and_by_autograd(tmp_path, capsys):
    out = run_main(article, capsys, "--epochs", "1", "--out", str(tmp_path))
    sigmoid_of_minus_3 = 1 / (1 + math.exp(3))
    assert floats_in(line_with(out, "h1 = h2 ="))[-2:] == pytest.approx([sigmoid_of_minus_3] * 2)
    assert floats_in(line_with(out, "y_pred = o1"))[-2:] == [0.5236951740839997] * 2
    # The article's factors, as it prints them to about three digits: -0.952 * 0.249 * -0.0904.
    for start, rounded in (("dL/dy_pred", -0.952), ("dy_pred/dh1", 0.249), ("dh1/dw1", -0.0904)):
        by_hand, by_autograd = floats_in(line_with(out, start))[-2:]
        assert by_hand == pytest.approx(rounded, abs=1e-3)
        assert by_autograd == pytest.approx(by_hand, rel=1e-15)
    by_hand, by_autograd = floats_in(line_with(out, "dL/dw1 = the product"))[-2:]
    assert by_hand == 0.02146953526581111
    assert abs(by_autograd - by_hand) <= math.ulp(by_hand)
    assert "dL/dw1, autograd minus by hand: " in out


def test_article_training_and_predictions_match_the_hand_derived_network(tmp_path, capsys):
    out = run_main(article, capsys, "--epochs", "250", "--seed", "3", "--out", str(tmp_path))
    network, losses = trained_by_hand(seed=3, epochs=250)
    printed = re.findall(r"Epoch +(\d+) loss: (\d\.\d{3})", out)
    assert printed == [(str(epoch), f"{losses[epoch]:.3f}") for epoch in (0, 100, 200)]
    for person in (EMILY, FRANK):
        output = network.feedforward(person.shifted)
        gender = "F" if output > 0.5 else "M"
        assert re.search(rf"{person.name} .*->  {output:.3f}  {gender}\n", out)


def test_article_draws_the_trained_network(tmp_path, capsys):
    out = run_main(article, capsys, "--epochs", "2", "--out", str(tmp_path))
    path = tmp_path / "network.svg"
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(element.text or "" for element in root.iter())
    for label in ("x1 = weight - 135", "x2 = height - 66", "h1", "h2", "o1", "loss"):
        assert label in texts
    assert str(path) in out.rstrip().splitlines()[-1]


def test_article_draws_the_loss_of_every_epoch(tmp_path, capsys):
    out = run_main(article, capsys, "--epochs", "30", "--seed", "3", "--out", str(tmp_path))
    path = tmp_path / "loss.svg"
    assert f"The loss after every epoch, drawn: {path}" in out
    root = ElementTree.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    (polyline,) = root.iter("{http://www.w3.org/2000/svg}polyline")
    points = [tuple(map(float, pair.split(","))) for pair in polyline.attrib["points"].split()]
    _, losses = trained_by_hand(seed=3, epochs=30)
    assert len(points) == len(losses)
    # Epochs evenly spaced left to right; each height an affine function of the hand-derived
    # loss, higher loss higher up (smaller y): a line through the first and last points.
    xs, ys = zip(*points)
    assert all(b - a == pytest.approx(xs[1] - xs[0], abs=0.02) for a, b in zip(xs, xs[1:]))
    slope = (ys[-1] - ys[0]) / (losses[-1] - losses[0])
    assert slope < 0
    for y, loss in zip(ys, losses):
        assert y == pytest.approx(ys[0] + slope * (loss - losses[0]), abs=0.02)


def test_article_fits_on_one_screen(tmp_path, capsys):
    # The defaults, as bash scripts/demo.sh runs them: sections 1 to 4 must not scroll away
    # behind the training's loss lines (issue 22: 163 lines before).
    out = run_main(article, capsys, "--out", str(tmp_path))
    lines = out.splitlines()
    assert len(lines) <= 59  # demo.sh may add one line: that it is installing
    headings = [line for line in lines if re.match(r"\d\. ", line)]
    assert [heading[0] for heading in headings] == list("1234567")
    assert len(re.findall(r"Epoch +\d+ loss", out)) == 10  # every 100th of 1000 epochs


def test_a_loss_curve_refuses_what_it_cannot_draw():
    for losses in ([], [0.5, math.nan], [0.5, -1.0], [math.inf]):
        with pytest.raises(ValueError, match="finite and >= 0"):
            loss_curve_svg(losses, title="t")


def test_article_is_reproducible_for_a_seed(tmp_path, capsys):
    arguments = ("--epochs", "20", "--seed", "7", "--out", str(tmp_path))
    assert run_main(article, capsys, *arguments) == run_main(article, capsys, *arguments)


# ---------------------------------------------------------------------- manual_vs_auto
def test_manual_vs_auto_prints_the_nine_gradients_and_both_runs(tmp_path, capsys):
    out = run_main(manual_vs_auto, capsys, "--epochs", "3", "--seed", "1", "--out", str(tmp_path))
    start = ManualNetwork(seed=1)
    alice = PEOPLE[0]
    by_hand = start.gradients(alice.shifted, alice.gender)
    for name in PARAMETER_NAMES:
        initial, hand, auto, difference = map(float, line_with(out, f"{name} ").split()[1:])
        assert initial == start.state_dict()[name]
        assert hand == by_hand[name]
        assert auto == pytest.approx(by_hand[name], rel=1e-12)
        assert difference == pytest.approx(auto - hand, rel=5e-3)  # 3 digits

    _, losses = trained_by_hand(seed=1, epochs=3)
    hand_loss, hand_seconds = floats_in(line_with(out, "by hand "))
    auto_loss, auto_seconds = floats_in(line_with(out, "by autograd "))
    assert hand_loss == losses[-1]
    assert auto_loss == pytest.approx(losses[-1], rel=1e-12)
    assert hand_seconds > 0 and auto_seconds > 0
    largest = floats_in(line_with(out, "Largest gradient difference over all 12 steps"))[0]
    assert 0 <= largest < 1e-12
    check_png_or_hint(out, tmp_path / "loss_curves.png")


# ---------------------------------------------------------------------- moons
def test_moons_trains_with_progress_and_draws(tmp_path, capsys):
    arguments = ("--epochs", "3", "--points", "16", "--out", str(tmp_path))
    out = run_main(moons, capsys, *arguments)
    progress = re.findall(rf"^ +(\d+)/3 +({FLOAT}) +(\d+)% +{FLOAT} s$", out, re.MULTILINE)
    assert [epoch for epoch, _, _ in progress] == ["1", "2", "3"]
    match = re.search(r"Training accuracy: (\d+)% \((\d+) of 16 points\)", out)
    assert match and int(match.group(1)) == round(100 * int(match.group(2)) / 16)
    assert match.group(1) == progress[-1][2]  # the last progress line is the final model
    check_png_or_hint(out, tmp_path / "moons.png")


def test_moons_compiled_prints_the_same_numbers(tmp_path, capsys):
    arguments = ("--epochs", "3", "--points", "12", "--out", str(tmp_path))
    progress = rf"^ +\d+/3 +{FLOAT} +\d+%"  # each progress line without its time
    plain = re.findall(progress, run_main(moons, capsys, *arguments), re.MULTILINE)
    compiled = re.findall(progress, run_main(moons, capsys, *arguments, "--compile"), re.MULTILINE)
    assert len(plain) == 3 and compiled == plain


@pytest.mark.parametrize(
    ("module", "arguments", "picture"),
    [
        (moons, ["--epochs", "1", "--points", "8"], "moons.png"),
        (manual_vs_auto, ["--epochs", "1"], "loss_curves.png"),
    ],
)
def test_without_matplotlib_the_demo_runs_and_says_how_to_get_it(
    module, arguments, picture, tmp_path, capsys, monkeypatch
):
    # A None in sys.modules makes an import fail; the demo imports matplotlib.figure.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    out = run_main(module, capsys, *arguments, "--out", str(tmp_path))
    assert INSTALL_HINT in out
    assert not (tmp_path / picture).exists()


# ---------------------------------------------------------------------- command-line errors
def run_command(*args: str, cwd: Path, **options) -> subprocess.CompletedProcess[str]:
    """``python *args`` in `cwd` (so default output folders land there), the demos importable."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), **options.pop("env", {})}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


DEMOS = ["demos.article", "demos.manual_vs_auto", "demos.moons"]


@pytest.mark.parametrize("demo", DEMOS)
def test_a_negative_epoch_count_is_a_one_line_error(demo, tmp_path):
    out = tmp_path / "not created"
    done = run_command("-m", demo, "--epochs", "-5", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "error: --epochs must be at least 1, not -5\n"
    assert done.stdout == ""
    assert not out.exists()  # checked before anything is done


@pytest.mark.parametrize("demo", DEMOS)
def test_an_unwritable_output_folder_is_a_one_line_error(demo, tmp_path):
    a_file = tmp_path / "a file"
    a_file.write_text("not a folder")
    # Below a regular file nothing can be created, whoever runs the test (even root).
    done = run_command("-m", demo, "--epochs", "1", "--out", str(a_file / "pictures"), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith("error: cannot write to the output folder ")
    assert done.stderr.count("\n") == 1
    assert "a file" in done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("demo", "arguments", "message"),
    [
        ("demos.article", ["--epochs", "many"], "--epochs must be a whole number, not 'many'"),
        ("demos.article", ["--seed", "-1"], "--seed must be at least 0, not -1"),
        ("demos.moons", ["--points", "1"], "--points must be at least 2 (one per moon), not 1"),
        (
            "demos.moons",
            ["--points", "1000000000000"],
            "--points must be at most 100,000, not 1,000,000,000,000",
        ),
        (
            "demos.manual_vs_auto",
            ["--epochs", str(10**12)],
            "--epochs must be at most 1,000,000, not 1,000,000,000,000",
        ),
        ("demos.manual_vs_auto", ["--out", ""], "--out must name a folder"),
        ("demos.article", ["--bogus"], "unrecognized arguments: --bogus"),
        ("demos.moons", ["--points"], "argument --points: expected one argument"),
        (
            "demos.moons",
            ["--hidden", "1024,1024"],
            "--hidden 1024,1024 makes 1,053,697 parameters; without --compile at most 5,000 "
            "(a graph of Values per sample would take hours and gigabytes): add --compile",
        ),
    ],
)
def test_other_bad_arguments_exit_with_status_2_one_line_and_nothing_made(
    demo, arguments, message, tmp_path
):
    done = run_command("-m", demo, *arguments, cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {message}")
    assert done.stderr.count("\n") == 1
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # not even the default output folder


def test_the_article_refuses_to_replace_a_fifo_with_its_page(tmp_path):
    fifo = tmp_path / "out" / "backprop.html"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    done = run_command("-m", "demos.article", "--html", "--out", str(fifo.parent), cwd=tmp_path)
    assert done.returncode == 1
    message = f"{str(fifo)!r} is not a regular file; a demo writes regular files only"
    assert done.stderr == f"error: {message}\n"
    assert done.stdout == ""  # refused before it does anything
    assert fifo.is_fifo()
    assert os.listdir(fifo.parent) == ["backprop.html"]


def test_a_fifo_where_a_demo_writes_a_picture_is_refused_and_kept(tmp_path):
    fifo = tmp_path / "out" / "loss.svg"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    done = run_command(
        "-m", "demos.article", "--epochs", "2", "--out", str(fifo.parent), cwd=tmp_path
    )
    assert done.returncode == 1
    message = f"{str(fifo)!r} is not a regular file; a demo writes regular files only"
    assert done.stderr.endswith(f"error: {message}\n")
    assert fifo.is_fifo()


# ---------------------------------------------------------------------- pins and hardening
def test_article_prints_the_loss_after_the_last_epoch(tmp_path, capsys):
    out = run_main(article, capsys, "--epochs", "30", "--seed", "3", "--out", str(tmp_path))
    _, losses = trained_by_hand(seed=3, epochs=30)
    assert f"{losses[-1]:.3f}" != f"{losses[-2]:.3f}"  # so that an off-by-one shows
    assert line_with(out, "Loss after the last epoch") == (
        f"Loss after the last epoch: {losses[-1]:.3f}"
    )


@pytest.mark.parametrize(
    ("epochs", "heading"),
    [("3", "3 epochs x 4 people = 12 steps"), ("1", "1 epoch x 4 people = 4 steps")],
)
def test_manual_vs_auto_heading_counts_the_epochs_and_steps(epochs, heading, tmp_path, capsys):
    out = run_main(manual_vs_auto, capsys, "--epochs", epochs, "--out", str(tmp_path))
    assert f"The whole training, on each side: {heading}\n" in out


def test_manual_vs_auto_keeps_no_history_per_step():
    # 58 MB a second at --epochs 10**12 before: each step's nine gradients were kept.
    import tracemalloc

    X, y = people()

    def peak(epochs: int) -> int:
        network, model = ManualNetwork(seed=0), ManualNetwork(seed=0).to_mlp()
        tracemalloc.start()
        manual_vs_auto.train_both(network, model, X.tolist(), y.tolist(), epochs)
        size = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return size

    # 800 more steps: kept rows of nine floats would be about 300 kB; two losses an epoch, 15 kB.
    assert peak(220) - peak(20) < 100_000


def test_the_install_hint_names_the_pip_of_the_running_python(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    out = run_main(manual_vs_auto, capsys, "--epochs", "1", "--out", str(tmp_path))
    command = shlex.split(line_with(out, "No picture").split("To get it: ")[1])
    assert os.path.abspath(command[0]) == os.path.abspath(sys.executable)
    assert command[1:] == ["-m", "pip", "install", "-e", ".[demos]"]


class FullDisk:
    """A file that takes `room` bytes, then fails as a full disk does (or raises `error`)."""

    def __init__(self, file, room: int, error: BaseException):
        self.file, self.room, self.error = file, room, error

    def write(self, data) -> int:
        taken = self.file.write(bytes(data)[: self.room])
        self.room -= taken
        if taken < len(data):
            raise self.error
        return taken

    def __getattr__(self, name):
        return getattr(self.file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.file.close()


def fill_the_disk(monkeypatch, room: int, error: BaseException | None = None) -> None:
    error = error or OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: FullDisk(real_fdopen(*a, **k), room, error))


def test_a_full_disk_leaves_the_earlier_drawing_whole_and_says_so(tmp_path, capsys, monkeypatch):
    path = tmp_path / "loss.svg"  # the first file the demo writes
    path.write_text("the earlier drawing")
    fill_the_disk(monkeypatch, room=200)
    with pytest.raises(SystemExit) as stopped:
        article.main(["--epochs", "1", "--out", str(tmp_path)])
    assert stopped.value.code == 1
    assert path.read_text() == "the earlier drawing"
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind, nothing after
    assert capsys.readouterr().err == (
        f"error: cannot write {str(path)!r}: {os.strerror(errno.ENOSPC)}\n"
    )


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "full"), KeyboardInterrupt()], ids=repr)
def test_a_picture_is_written_whole_or_not_at_all(error, tmp_path, monkeypatch):
    class Figure:  # stands in for matplotlib's, which may not be installed
        def savefig(self, file, format, dpi):
            assert format == "png"
            file.write(b"\x89PNG" + bytes(5000))

    path = tmp_path / "moons.png"
    path.write_bytes(b"the earlier picture")
    fill_the_disk(monkeypatch, room=1000, error=error)
    with pytest.raises(SystemExit if isinstance(error, OSError) else KeyboardInterrupt):
        _plots.save_png(Figure(), path)
    assert path.read_bytes() == b"the earlier picture"
    assert list(tmp_path.iterdir()) == [path]
    monkeypatch.undo()
    _plots.save_png(Figure(), path)
    assert path.read_bytes() == b"\x89PNG" + bytes(5000)
    umask = os.umask(0o022)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # as open() would have made it


@pytest.mark.parametrize(
    ("demo", "training"),
    [
        ("demos.article", "5. Training on four people"),
        ("demos.manual_vs_auto", "(seed 0, 1000000 epochs"),
        ("demos.moons", "Training"),
    ],
)
def test_ctrl_c_while_training_exits_quietly_with_status_130(demo, training, tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", demo, "--epochs", "1000000", "--out", str(tmp_path)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in process.stdout:
        if line.startswith(training):
            break
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == _cli.INTERRUPTED == 130
    assert stderr == "\ninterrupted\n"


STOP_AT_NUMPY = """
import os, signal, sys

class StopAtNumpy:  # Ctrl-C, as a user would press it, while numpy is being imported
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, StopAtNumpy())
"""


@pytest.mark.parametrize("demo", DEMOS)
def test_ctrl_c_while_starting_exits_quietly_with_status_130(demo, tmp_path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(STOP_AT_NUMPY)
    folder = tmp_path / "run"
    folder.mkdir()
    done = run_command(
        "-m", demo, cwd=folder, env={"PYTHONPATH": os.pathsep.join([str(hook), str(ROOT)])}
    )
    assert done.returncode == 130
    assert done.stderr == "\ninterrupted\n"
    assert done.stdout == ""


# ---------------------------------------------------------------------- python -m demos
def test_python_m_demos_lists_every_demo_with_its_command_and_what_it_shows():
    done = subprocess.run(
        [sys.executable, "-m", "demos"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    on_disk = sorted(path.stem for path in (ROOT / "demos").glob("[a-z]*.py"))
    listed = sorted(re.findall(r"^  python -m demos\.(\w+)$", done.stdout, flags=re.MULTILINE))
    assert listed == on_disk
    for name in on_disk:
        command = lines.index(f"  python -m demos.{name}")
        what = lines[command + 1].strip()
        first_line = (ROOT / "demos" / f"{name}.py").read_text().splitlines()[0]
        assert what and what in first_line  # the demo's own summary, not a copy kept elsewhere
