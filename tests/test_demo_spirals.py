"""demos.spirals (a softmax MLP, judged on held-out points) and the moons demo's new options:
--hidden and the test accuracy."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from demos import moons, spirals
from nn import MLP, predict

ROOT = Path(__file__).resolve().parent.parent
PERCENT = r"(\d+\.\d)%"


def run_main(module, capsys, *args: str) -> str:
    assert module.main(list(args)) == 0
    return capsys.readouterr().out


def picture_or_hint(out: str, path: Path) -> None:
    try:
        import matplotlib.image
    except ImportError:
        assert 'pip install -e ".[demos]"' in out and not path.exists()
        return
    assert matplotlib.image.imread(path).shape[0] > 100 and f"Wrote {path}" in out


def test_spirals_prints_progress_and_both_accuracies_and_draws(tmp_path, capsys):
    out = run_main(spirals, capsys, "--epochs", "4", "--points", "60", "--out", str(tmp_path))
    progress = re.findall(rf"^ +(\d+)/4 +\d+\.\d+ +{PERCENT} +{PERCENT} +\d+\.\d s$", out, re.M)
    assert [epoch for epoch, _, _ in progress] == ["1", "2", "3", "4"]
    train = re.search(rf"Training accuracy: {PERCENT} \(45 points\)", out)
    test = re.search(rf"Test accuracy: +{PERCENT} \(15 points it never trained on\)", out)
    assert train and test
    assert (train.group(1), test.group(1)) == progress[-1][1:]  # the last line is the final model
    picture_or_hint(out, tmp_path / "spirals.png")


def test_the_default_run_reaches_95_percent_on_the_test_points(tmp_path, capsys):
    out = run_main(spirals, capsys, "--out", str(tmp_path))  # about 5 s
    assert float(re.search(rf"Test accuracy: +{PERCENT}", out).group(1)) >= 95.0


@pytest.mark.parametrize(
    ("demo", "arguments", "message"),
    [
        ("demos.spirals", ["--classes", "1"], "error: --classes must be at least 2, not 1"),
        ("demos.spirals", ["--classes", "7"], "error: --classes must be at most 6, not 7"),
        ("demos.spirals", ["--points", "5"], "error: --points must be at least 24"),
        ("demos.spirals", ["--hidden", "16,x"], "error: --hidden must be layer sizes separated"),
        ("demos.moons", ["--hidden", "0"], "error: --hidden must be layer sizes from 1 to 1024"),
        ("demos.moons", ["--hidden", ""], "error: --hidden must be layer sizes separated"),
    ],
)
def test_bad_arguments_are_one_line_errors(demo, arguments, message, tmp_path):
    out = tmp_path / "not created"
    done = subprocess.run(
        [sys.executable, "-m", demo, *arguments, "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_moons_takes_hidden_sizes_and_reports_test_accuracy(tmp_path, capsys):
    out = run_main(moons, capsys, "--epochs", "2", "--points", "20", "--hidden", "7,3",
                   "--compile", "--out", str(tmp_path))  # fmt: skip
    assert "an MLP 2-7-3-1" in out
    parameters = 2 * 7 + 7 + 7 * 3 + 3 + 3 + 1
    assert f"{parameters} parameters" in out
    match = re.search(r"Test accuracy: +(\d+)% \(on 20 fresh points", out)
    assert match is not None


def test_compiled_predictions_are_the_engines(tmp_path):
    model = MLP(2, [6, 4, 3], "tanh", "linear", seed=0)
    X = np.random.default_rng(0).normal(size=(50, 2))
    np.testing.assert_allclose(predict(model, X, compile=True), predict(model, X), rtol=1e-12)
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        predict(model, np.zeros((4, 3)), compile=True)
