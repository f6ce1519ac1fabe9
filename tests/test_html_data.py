"""The numbers `to_html` writes into its page, read back from the page's JSON: for random
expression graphs (Values used several times, diamonds, constants) every data, every running
gradient and every final gradient is the engine's, and the steps come in the engine's order."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from random_graphs import ENGINE, programs, run

from autograd import Value, explain, grad, to_html, to_svg, topological_order


def page_data(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S)
    return json.loads(found[1])


def g4(x: float) -> str:
    return format(x, ".4g")


@settings(max_examples=20)
@given(program=programs())
def test_the_page_holds_the_engines_numbers_in_the_engines_order(program):
    inputs, steps = program
    xs = [Value(x, label=f"x{i + 1}") for i, x in enumerate(inputs)]
    _, output = run(steps, xs, ENGINE)
    data = page_data(to_html(output, legend=False))
    order = topological_order(output)
    gradients = grad(output, order)
    output.backward()  # after drawing: the page must not need it
    operations = [value for value in order if not value.is_leaf]

    nodes = data["nodes"]
    assert [node["id"] for node in nodes] == [f"v{i}" for i in range(len(order))]
    for node, value, gradient in zip(nodes, order, gradients):
        assert node["shownData"] == g4(value.data)
        assert node["grad"] == repr(gradient)
        assert node["shownGrad"] == g4(gradient)
        # backward agrees (a leaf's grad starts at 0.0, so -0.0 arrives there as 0.0)
        assert float(node["grad"]) == value.grad

    kinds = [step["kind"] for step in data["steps"]]
    n = len(operations)
    assert kinds == ["start"] + ["forward"] * n + ["seed"] + ["backward"] * n
    forward = data["steps"][1 : 1 + n]
    assert [step["node"] for step in forward] == [f"v{order.index(v)}" for v in operations]
    backward = data["steps"][2 + n :]
    assert [step["node"] for step in backward] == [
        f"v{order.index(v)}" for v in reversed(operations)
    ]
    # Replaying the backward steps, every Value ends with the engine's gradient, and receives
    # one contribution per place it is used.
    last_shown: dict[str, str] = {}
    arrivals: dict[str, int] = {}
    for step in data["steps"][1 + n :]:
        last_shown.update(step["grads"])
        for target in step["targets"] or [step["node"]]:  # the seed: the output's own 1
            arrivals[target] = arrivals.get(target, 0) + 1
    for i, (value, gradient) in enumerate(zip(order, gradients)):
        assert last_shown[f"v{i}"] == g4(gradient)
        uses = sum(parent is value for user in operations for parent in user.parents)
        assert arrivals[f"v{i}"] == max(uses, 1)  # the output: the seed alone


def test_drawing_a_page_changes_no_grad():
    x = Value(0.5, label="x")
    y = x * x + x.sin()
    x.grad = 7.0
    to_html(y)
    assert x.grad == 7.0
    assert y.grad == 0.0


# ---------------------------------------------------------------------- faults
def test_the_page_calls_no_hook_and_agrees_with_itself():
    # y = w * x, hooked to scale its gradient by 10; L = y * y. Without the hook the chain rule
    # gives dL/dw = 2 y x = 2 * 6 * 3 = 36; the page shows that everywhere, and never calls it.
    w, x = Value(2.0, label="w"), Value(3.0, label="x")
    y = w * x
    y.label = "y"
    calls = []
    y.register_hook(lambda g: calls.append(g) or g * 10)
    loss = y * y
    loss.label = "L"
    data = page_data(to_html(loss))
    assert calls == []
    node = next(node for node in data["nodes"] if node["name"] == "w")
    shown = {}
    for step in data["steps"]:
        shown.update(step.get("grads") or {})
    assert node["grad"] == "36.0"
    assert shown[node["id"]] == "36"
    assert node["paths"]["total"] == "36.0"


def test_path_counts_are_exact_however_large():
    # 60 diamonds in a row: 2**60 paths from x to the output, 3 written out.
    x = Value(0.5, label="x")
    v = x
    for _ in range(60):
        v = v * 0.5 + v * 0.25
    data = page_data(to_html(v, legend=False))
    paths = data["nodes"][0]["paths"]
    assert paths["count"] == str(2**60)
    assert paths["more"] == str(2**60 - 3)  # a float would say 1152921504606847000


def test_long_labels_are_cut_on_the_page():
    xs = [Value(float(i), label=f"{i}" + "é" * 10_000) for i in range(150)]
    total = sum(xs[1:], xs[0])
    total.label = "s"
    page = to_html(total, legend=False)
    assert len(page.encode()) < 5_000_000  # 88 MB before
    names = [node["name"] for node in page_data(page)["nodes"]]
    assert max(len(name) for name in names) == 40
    assert names[0] == "0" + "é" * 38 + "…"


def test_a_page_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    x = Value(1.0, label="x")
    y = x.exp()
    target = tmp_path / "page.html"
    target.write_text("the earlier page", encoding="utf-8")

    def fail(*_):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        to_html(y, target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "the earlier page"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["page.html"]  # no leftovers
    to_html(y, target)
    assert "Backpropagation through" in target.read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifos_and_folders_are_refused_without_waiting(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    y = Value(1.0, label="x").exp()
    for draw in (to_html, to_svg):
        with pytest.raises(OSError, match="not a regular file but a FIFO"):
            draw(y, fifo)
        with pytest.raises(IsADirectoryError):
            draw(y, tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["fifo"]


def test_an_operation_of_ones_own_reads_like_a_built_in_one():
    # In a subprocess: define_op registers for the whole process, and other tests walk the
    # registry. cube(x) = x³ (a rule written with arithmetic), and a non-commutative binary op.
    script = """
import json, re
from autograd import Value, define_op, to_dot, to_html
cube = define_op("cube3", lambda x: x ** 3, lambda g, out, x: g * 3 * x ** 2)
less = define_op("less_half", lambda a, b: a - b / 2, lambda g, out, a, b: g,
                 lambda g, out, a, b: g * -0.5)
x = Value(2.0, label="x")
c = cube(x); c.label = "c"
y = less(c, x); y.label = "y"
page = to_html(y, legend=False)
data = json.loads(re.search(r'id="data">(.*?)</script>', page, re.S)[1])
print(json.dumps({"texts": [step["text"] for step in data["steps"]],
                  "dot": to_dot(y, legend=False).source}))
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    found = json.loads(result.stdout)
    texts = "\n".join(found["texts"])
    assert "c = cube3(x) = cube3(2) = 8" in texts
    assert "∂c/∂x = 3 * x ** 2 = 12" in texts  # d(x³)/dx = 3x² at 2
    assert "∂y/∂x = -0.5" in texts
    assert "the local derivative of cube3" not in texts
    assert re.search(r"v\d+ -> op\d+ \[label=a\]", found["dot"])  # less_half's operands named
    assert re.search(r"v\d+ -> op\d+ \[label=b\]", found["dot"])


# ---------------------------------------------------------------------- explain
def test_explain_writes_the_articles_chain_rule_with_its_numbers():
    # The article's worked example: Alice (x = [-2, -1], y = 1), every weight 1, every bias 0.
    w = {f"w{i}": Value(1.0, label=f"w{i}") for i in range(1, 7)}
    b = {f"b{i}": Value(0.0, label=f"b{i}") for i in range(1, 4)}
    x1, x2 = Value(-2.0, label="x1"), Value(-1.0, label="x2")
    h1 = (w["w1"] * x1 + w["w2"] * x2 + b["b1"]).sigmoid()
    h2 = (w["w3"] * x1 + w["w4"] * x2 + b["b2"]).sigmoid()
    o1 = (w["w5"] * h1 + w["w6"] * h2 + b["b3"]).sigmoid()
    h1.label, h2.label, o1.label = "h1", "h2", "o1"
    loss = (1 - o1) ** 2
    loss.label = "L"
    w1 = w["w1"]
    text = explain(loss, w1)
    # The article's hand-derived factors: dL/dypred = -0.952, dypred/dh1 = 0.249, dh1/dw1 =
    # -0.0904, whose product is 0.0214.
    assert text.splitlines()[0] == (
        "dL/dw1 = dL/do1 · do1/dh1 · dh1/dw1 = -0.9526 · 0.2494 · -0.09035 = 0.02146953526581111"
    )
    assert repr(text) == str(text)  # a REPL shows the text itself
    assert w1.grad == 0.0  # nothing changed


def test_explain_sums_the_paths_of_a_value_used_twice():
    w, x = Value(3.0, label="w"), Value(2.0, label="x")
    a = w * x
    a.label = "a"
    b = w * w
    b.label = "b"
    loss = a + b
    loss.label = "L"
    text = explain(loss, w)
    # L = w x + w², dL/dw = x + 2w = 8: 2 through a, 3 + 3 through b (w enters b twice).
    assert "path 1: dL/dw = ∂L/∂a · ∂a/∂w" not in text  # labelled stretches are d, not ∂
    assert "path 1: dL/dw = dL/da · da/dw = 1 · 2 = 2" in text
    assert "path 2: dL/dw = dL/db · db/dw = 1 · 6 = 6" in text
    assert text.splitlines()[-1] == "sum over all 2 paths: dL/dw = 8.0"
    assert explain(loss, loss) == "dL/dL = 1: the output itself\n  along L"
    with pytest.raises(ValueError, match="does not depend on it"):
        explain(loss, Value(1.0))
    with pytest.raises(TypeError, match="two Values"):
        explain(loss, 1.0)


def test_a_model_page_runs_no_hook_of_the_models():
    from nn import MLP, model_to_html

    model = MLP(2, [2, 1], seed=0)
    calls = []
    model.parameters()[0].register_hook(lambda g: calls.append(g))
    data = page_data(model_to_html(model, [1.0, -1.0], 1.0))
    assert calls == []
    assert data["steps"][-1]["kind"] == "backward"
