"""The numbers `to_html` writes into its page, read back from the page's JSON: for random
expression graphs (Values used several times, diamonds, constants) every data, every running
gradient and every final gradient is the engine's, and the steps come in the engine's order."""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from random_graphs import ENGINE, programs, run

from autograd import Value, grad, to_html, topological_order


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
