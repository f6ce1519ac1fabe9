"""docs/tour.ipynb, the article in a notebook: run from top to bottom in a Jupyter kernel as a
reader runs it, its numbers checked against the article's and against the article's formulas
worked out here in plain floats, its progress bar, drawings and listing present, and no outputs
stored."""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nn import ManualNetwork, people

ROOT = Path(__file__).resolve().parent.parent
TOUR = ROOT / "docs" / "tour.ipynb"

# Run after the tour in the same kernel: the numbers it computed, as JSON.
KEY_NUMBERS = """
import json
import autograd
print(json.dumps({
    "autograd": autograd.__file__,
    "neuron": neuron.data,
    "by_autograd": by_autograd,
    "history": list(history),
    "emily_frank": [model(list(person.shifted)).data for person in (EMILY, FRANK)],
    "compiled": [loss, prediction, *gradients],
}))
"""


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.fixture(scope="module")
def tour(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    notebook = nbformat.read(TOUR, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell(KEY_NUMBERS, id="key-numbers"))
    folder = tmp_path_factory.mktemp("tour")  # the kernel's working folder
    NotebookClient(
        notebook, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(folder)}}
    ).execute()
    return notebook


def outputs(notebook: nbformat.NotebookNode, cell_id: str) -> list[nbformat.NotebookNode]:
    (cell,) = [cell for cell in notebook.cells if cell.get("id") == cell_id]
    return list(cell.outputs)


def stdout(notebook: nbformat.NotebookNode, cell_id: str) -> str:
    return "".join(
        output.text
        for output in outputs(notebook, cell_id)
        if output.output_type == "stream" and output.name == "stdout"
    )


@pytest.fixture(scope="module")
def numbers(tour: nbformat.NotebookNode) -> dict[str, object]:
    found: dict[str, object] = json.loads(stdout(tour, "key-numbers"))
    return found


def test_the_kernel_runs_this_repositorys_packages(numbers):
    assert Path(str(numbers["autograd"])).is_relative_to(ROOT), (
        f"the python3 kernel imported {numbers['autograd']}: a kernel spec of another Python "
        "was found first"
    )


def test_nothing_is_written_to_stderr(tour):
    # No warning and no traceback: a kernel shows stderr in red.
    for cell in tour.cells:
        for output in cell.get("outputs", []):
            assert not (output.output_type == "stream" and output.name == "stderr"), output.text


def test_the_neuron_is_the_articles(tour, numbers):
    assert numbers["neuron"] == 0.9990889488055994  # printed in the article
    assert math.isclose(numbers["neuron"], sigmoid(0 * 2 + 1 * 3 + 4), rel_tol=1e-15)
    (drawing,) = outputs(tour, "neuron-drawing")
    svg = drawing.data["image/svg+xml"]
    assert svg.startswith("<svg") and all(f">{label}</text>" in svg for label in ("w1", "x2", "b"))


def test_the_worked_example_matches_the_article_and_the_chain_rule(tour, numbers):
    # The article's worked example by its formulas: every weight 1, every bias 0, Alice.
    x1, x2, y_true = -2.0, -1.0, 1.0
    sum_h1 = x1 + x2
    h1 = sigmoid(sum_h1)
    sum_o1 = 2 * h1
    y_pred = sigmoid(sum_o1)
    factors = {
        "dL/dy_pred": -2 * (y_true - y_pred),
        "dy_pred/dh1": y_pred * (1 - y_pred),
        "dh1/dw1": x1 * h1 * (1 - h1),
    }
    expected = {"h1": h1, "y_pred": y_pred, **factors, "dL/dw1": math.prod(factors.values())}
    by_autograd = numbers["by_autograd"]
    assert isinstance(by_autograd, dict)
    for name, value in expected.items():
        assert math.isclose(by_autograd[name], value, rel_tol=1e-14), name
    # The article's numbers, three significant digits each, computed from numbers already
    # rounded (its dL/dy_pred is -2 (1 - 0.524)): within one unit of the last digit.
    article = {"h1": 0.0474, "y_pred": 0.524, "dL/dy_pred": -0.952, "dy_pred/dh1": 0.249,
               "dh1/dw1": -0.0904, "dL/dw1": 0.0214}  # fmt: skip
    for name, value in article.items():
        last_digit = 10 ** (math.floor(math.log10(abs(value))) - 2)
        assert abs(by_autograd[name] - value) <= last_digit, name
    (table,) = outputs(tour, "table")
    assert "| dL/dw1 | 0.0214 |" in table.data["text/markdown"]


def test_the_stepping_page_is_inline(tour):
    (page,) = outputs(tour, "stepping-page")
    shown = page.data["text/html"]
    assert '<iframe srcdoc="&lt;!DOCTYPE html&gt;' in shown and 'sandbox="allow-scripts"' in shown
    assert "Alice, every weight 1, every bias 0" in shown


def test_training_is_the_articles_with_a_progress_bar(tour, numbers):
    # The article's own training, with its hand-derived gradients, from the same start.
    X, y = people()
    by_hand = ManualNetwork(seed=0).train(X.tolist(), y.tolist())
    history = numbers["history"]
    assert isinstance(history, list) and len(history) == len(by_hand) == 1000
    assert max(abs(a - b) for a, b in zip(history, by_hand)) < 1e-12
    every_100th = [*history[::100], history[-1]]
    assert all(a > b for a, b in zip(every_100th, every_100th[1:]))  # it falls, as the article's
    emily, frank = numbers["emily_frank"]
    assert emily > 0.9 and frank < 0.1  # the article: Emily F (0.951), Frank M (0.039)
    (bar,) = [output for output in outputs(tour, "train") if output.output_type == "display_data"]
    assert '<progress value="1.0000" max="1"' in bar.data["text/html"]
    assert bar.data["text/plain"].startswith(f"epoch 1000/1000  loss {history[-1]:.4g}  ")
    assert stdout(tour, "train") == f"loss after 1000 epochs: {history[-1]:.4f}\n"
    assert stdout(tour, "predictions") == f"Emily  {emily:.3f}  F\nFrank  {frank:.3f}  M\n"


def test_the_loss_curve_is_drawn(tour):
    images = [output for output in outputs(tour, "loss-curve") if "image/png" in output.data]
    assert len(images) == 1


def test_the_compiled_source_gives_the_worked_examples_numbers(tour, numbers):
    source = stdout(tour, "compiled-source")
    assert "def forward_backward(x1, x2, y_true, w1, w2, b1, w3, w4, b2, w5, w6, b3):" in source
    assert "h1 = sigmoid(" in source and "y_pred = sigmoid(" in source
    assert "d_L_d_w1 = " in source
    loss, prediction, d_w1, *_ = numbers["compiled"]
    y_pred = sigmoid(2 * sigmoid(-3.0))
    assert math.isclose(prediction, y_pred, rel_tol=1e-15)
    assert math.isclose(loss, (1 - y_pred) ** 2, rel_tol=1e-14)
    assert 0.0214695 <= d_w1 < 0.0214696  # the article's note: "dL/dw1 = 0.0214695..."


def test_the_stored_notebook_has_no_outputs():
    # Outputs belong to a reader's run: stored, they would bloat every diff (the page alone is
    # hundreds of kilobytes) and could go stale.
    notebook = nbformat.read(TOUR, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:40]
