"""fit's progress bar: shown at once on a terminal and in a notebook, quiet where nobody watches,
never wider than the terminal, and its figures are the training's."""

from __future__ import annotations

import fcntl
import io
import os
import struct
import sys
import termios
import types

import pytest

import nn.progress
from nn import MLP, evaluate, fit, make_moons, people, train_test_split


class Terminal:
    """A real pseudo-terminal of `columns` columns standing in for stderr: what a person sees."""

    def __init__(self, columns: int) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
        self.stream = open(slave, "w", encoding="utf-8")  # noqa: SIM115  # closed in `output`

    def output(self) -> str:
        """Everything written, read back from the terminal's other end."""
        self.stream.close()
        chunks = []
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the writing end is closed and everything was read
                break
            if not chunk:
                break
            chunks.append(chunk)
        os.close(self.master)
        return b"".join(chunks).decode("utf-8").replace("\r\n", "\n")  # the tty's newline


def redraws(output: str) -> list[str]:
    """Each state of the line, in order: the text between carriage returns and newlines."""
    return [part for part in output.replace("\n", "\r").split("\r") if part.strip()]


@pytest.fixture
def every_epoch_drawn(monkeypatch):
    monkeypatch.setattr(nn.progress.Progress, "INTERVAL", 0.0)


def test_a_terminal_shows_the_bar_at_once_by_default(monkeypatch, every_epoch_drawn):
    terminal = Terminal(columns=100)
    monkeypatch.setattr("sys.stderr", terminal.stream)
    X, y = people()
    model = MLP(2, [2, 1], seed=0)
    fit(model, X, y, epochs=4)  # a run of milliseconds: shown all the same, as Keras shows it
    lines = redraws(terminal.output())
    assert [line.split(" |")[0] for line in lines] == [f"epoch {i}/4" for i in range(5)]
    assert lines[0].endswith("|" + " " * 30 + "|")  # epoch 0: an empty bar, no figures yet
    assert "|" + "\u2588" * 30 + "|" in lines[-1]  # a full bar at the end
    assert f"loss {evaluate(model, X, y):.4g}" in lines[-1]  # the trained model's loss
    assert "about" in lines[1] and "left" in lines[1]


def test_the_line_fits_the_terminal_and_drops_the_bar_when_narrow(monkeypatch, every_epoch_drawn):
    X_train, X_test, y_train, y_test = train_test_split(*make_moons(20, seed=0), seed=0)
    for columns in (80, 30):
        terminal = Terminal(columns)
        monkeypatch.setattr("sys.stderr", terminal.stream)
        fit(MLP(2, [3, 1], seed=0), X_train, y_train, epochs=3, validation=(X_test, y_test))
        lines = redraws(terminal.output())
        assert len(lines) == 4 and all(len(line) < columns for line in lines)
        assert ("\u2588" in lines[-1]) == (columns == 80)
        if columns == 80:
            assert "val " in lines[-1] and "%)" in lines[-1]
            # The bar keeps its width while the figures change theirs: it does not jitter.
            assert len({line.index("|  ") for line in lines[1:]}) == 1


def test_quiet_without_a_terminal_unless_asked(monkeypatch):
    stream = io.StringIO()  # a file or a pipe: isatty() is False
    monkeypatch.setattr("sys.stderr", stream)
    X, y = people()
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=2)
    assert stream.getvalue() == ""
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=2, progress=True)
    assert "epoch 2/2 |" in stream.getvalue()  # "#" blocks: a StringIO has no encoding


def test_progress_false_silences_a_terminal(monkeypatch):
    terminal = Terminal(columns=80)
    monkeypatch.setattr("sys.stderr", terminal.stream)
    X, y = people()
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=2, progress=False)
    assert terminal.output() == ""


class FakeKernel:
    """IPython as a Jupyter kernel has it: a shell with a `kernel`, and `display` handles whose
    outputs are recorded in `outputs` (one list of bundles per output)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, *, kernel: bool = True) -> None:
        self.outputs: list[list[dict[str, str]]] = []
        shell = types.SimpleNamespace(kernel=object()) if kernel else types.SimpleNamespace()
        ipython = types.ModuleType("IPython")
        ipython.get_ipython = lambda: shell
        display = types.ModuleType("IPython.display")
        display.display = self.display
        monkeypatch.setitem(sys.modules, "IPython", ipython)
        monkeypatch.setitem(sys.modules, "IPython.display", display)

    def display(self, bundle: dict[str, str], *, raw: bool, display_id: bool) -> object:
        assert raw and display_id
        output = [bundle]
        self.outputs.append(output)
        return types.SimpleNamespace(update=lambda new, raw: output.append(new))


def test_a_notebook_shows_one_output_updated_in_place(monkeypatch, every_epoch_drawn):
    kernel = FakeKernel(monkeypatch)
    stderr = io.StringIO()
    monkeypatch.setattr("sys.stderr", stderr)
    X, y = people()
    model = MLP(2, [2, 1], seed=0)
    fit(model, X, y, epochs=3)
    (output,) = kernel.outputs  # one output, not one per epoch
    assert [bundle["text/plain"].split("  ")[0] for bundle in output] == [
        f"epoch {i}/3" for i in range(4)
    ]
    assert '<progress value="0.0000" max="1"' in output[0]["text/html"]
    assert '<progress value="1.0000" max="1"' in output[-1]["text/html"]
    assert f"loss {evaluate(model, X, y):.4g}" in output[-1]["text/html"]
    assert stderr.getvalue() == ""  # nothing on the kernel's stderr, which would show in red


def test_a_notebook_stays_quiet_with_progress_false(monkeypatch):
    kernel = FakeKernel(monkeypatch)
    X, y = people()
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=2, progress=False)
    assert kernel.outputs == []


def test_ipythons_own_terminal_gets_the_terminal_line(monkeypatch):
    kernel = FakeKernel(monkeypatch, kernel=False)  # IPython imported, but no kernel
    terminal = Terminal(columns=80)
    monkeypatch.setattr("sys.stderr", terminal.stream)
    X, y = people()
    fit(MLP(2, [2, 1], seed=0), X, y, epochs=2)
    assert kernel.outputs == [] and "epoch 2/2 |" in terminal.output()


def test_early_stopping_leaves_the_last_epoch_drawn(monkeypatch):
    monkeypatch.setattr(nn.progress.Progress, "INTERVAL", 1e9)  # only the first draw, then close
    kernel = FakeKernel(monkeypatch)
    X_train, X_test, y_train, y_test = train_test_split(*make_moons(20, seed=0), seed=0)
    history = fit(MLP(2, [3, 1], seed=0), X_train, y_train, epochs=500, patience=1,
                  validation=(X_test, y_test))  # fmt: skip
    assert len(history) < 500  # it did stop early
    (output,) = kernel.outputs
    assert output[-1]["text/plain"].startswith(f"epoch {len(history):>3}/500  loss ")


def test_elapsed_and_remaining_time(monkeypatch):
    clock = iter([0.0, 0.4, 75.0, 7000.0])  # the start, after 1 epoch, after 25, after 100
    monkeypatch.setattr(nn.progress, "time", types.SimpleNamespace(monotonic=lambda: next(clock)))
    kernel = FakeKernel(monkeypatch)
    progress = nn.progress.Progress(100, None)
    progress.update(1, 0.75, None, None)
    progress.update(25, 0.5, None, None)
    progress.update(100, 0.25, None, None)
    shown = [bundle["text/plain"] for bundle in kernel.outputs[0]]
    # 0.4 s for the first epoch: 99 more take 39.6 s.
    assert shown[1] == "epoch   1/100  loss 0.75  0.4s, about 40s left"
    # 75 s for 25 epochs: 3 s an epoch, 75 more epochs take 225 s.
    assert shown[2] == "epoch  25/100  loss 0.5  1m15s, about 3m45s left"
    assert shown[3] == "epoch 100/100  loss 0.25  1h56m"  # 7000 s, and nothing left
