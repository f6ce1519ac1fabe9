"""Drawing: the SVG shows every Value's label, data and grad, node and edge counts match the graph,
DOT is deterministic, labels cannot break the markup, and a missing or failing renderer says so.

Expected texts and counts are written out by hand from the expressions, not taken from the drawing
code. Rendering uses whatever renderer `find_renderer` finds (graphviz-pure, a project dependency).
"""

from __future__ import annotations

import math
import os
import re
import stat
import subprocess
import sys
import sysconfig
import time
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import (
    GraphTooLargeError,
    Group,
    RendererNotFoundError,
    RenderError,
    Value,
    render_svg,
    to_dot,
    to_html,
    to_svg,
    topological_order,
)
from autograd.draw import COLOURS, RENDERER_ENV, count_nodes
from nn import (
    MLP,
    PARAMETER_NAMES,
    Layer,
    ManualNetwork,
    Module,
    Neuron,
    model_to_dot,
    model_to_svg,
    mse_loss,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def drawn(svg: str, kind: str) -> list[tuple[str, ET.Element]]:
    """The SVG groups of one kind ("node", "edge", "cluster") with their titles (DOT names)."""
    groups = parse(svg).iter(f"{SVG}g")
    return [(g.find(f"{SVG}title").text, g) for g in groups if g.get("class") == kind]


def shapes(svg: str, kind: str) -> dict[str, ET.Element]:
    return dict(drawn(svg, kind))


def texts(element: ET.Element) -> list[str]:
    # Graphviz keeps runs of spaces by writing every second one as a no-break space.
    return [t.text.replace("\xa0", " ") for t in element.iter(f"{SVG}text") if t.text]


def node_texts(svg: str) -> dict[str, list[str]]:
    return {name: texts(g) for name, g in shapes(svg, "node").items()}


def fill(node: ET.Element) -> str:
    outline = next(e for e in node if e.tag in (f"{SVG}path", f"{SVG}polygon", f"{SVG}ellipse"))
    return outline.get("fill")


def article_neuron() -> tuple[Value, Value, Value]:
    w = Value(1.0, label="w1")
    x = Value(-2.0, label="x1")
    h = (w * x).sigmoid()
    h.backward()
    return w, x, h


# ---------------------------------------------------------------------- what the picture shows
def test_svg_shows_label_data_and_grad_of_every_value():
    _, _, h = article_neuron()
    # sigmoid(-2) = 0.11920292; sigmoid' = s(1 - s) = 0.10499359; dh/dw = x s' = -0.20998717,
    # dh/dx = w s' = 0.10499359, dh/d(wx) = s'.
    shown = node_texts(to_svg(h))
    values = [lines for name, lines in shown.items() if name.startswith("v")]
    assert sorted(values) == sorted(
        [
            ["w1", "data 1", "grad -0.21"],
            ["x1", "data -2", "grad 0.105"],
            ["data -2", "grad 0.105"],
            ["data 0.1192", "grad 1"],
        ]
    )
    operations = [lines for name, lines in shown.items() if name.startswith("op")]
    assert sorted(operations) == [["*"], ["sigmoid"]]


def test_counts_match_the_graph():
    x = Value(2.0, label="x")
    y = 3 * x + x * x  # Values x, 3x, xx, y; operations *, *, +; constant 3
    y.backward()
    svg = to_svg(y, legend=False)
    assert len(drawn(svg, "node")) == 4 + 3 + 1
    # Each operation: an edge from each input and one to its result; x*x has two edges from x.
    assert len(drawn(svg, "edge")) == 3 + 3 + 3
    assert count_nodes(y) == 8
    assert ["3"] in node_texts(svg).values()


def test_diamond_draws_each_value_once():
    a = Value(1.5, label="a")
    b = a.exp()
    c = a.sin()
    d = b * c
    svg = to_svg(d, legend=False)
    assert sum(lines[0] == "a" for lines in node_texts(svg).values()) == 1
    assert len(drawn(svg, "node")) == 4 + 3  # a, b, c, d and exp, sin, *
    assert len(drawn(svg, "edge")) == 2 + 2 + 3


def test_roles_are_coloured_and_explained_in_the_legend():
    x = Value(0.5, label="x")
    y = (2 * x).tanh()
    nodes = shapes(to_svg(y), "node")
    by_first_line = {texts(node)[0]: node for node in nodes.values()}
    assert fill(by_first_line["x"]) == COLOURS["parameter or input"]
    assert fill(by_first_line["2"]) == COLOURS["constant"]
    assert fill(by_first_line["data 1"]) == COLOURS["intermediate"]
    assert fill(by_first_line[f"data {math.tanh(1.0):.4g}"]) == COLOURS["output"]
    legend = texts(nodes["legend"])
    assert legend == ["parameter or input", "constant", "intermediate", "output", "operation"]


def test_digits_and_grads_are_options():
    x = Value(math.pi, label="x")
    y = x * x
    y.backward()
    shown = node_texts(to_svg(y, digits=2, show_grad=False, legend=False))
    assert shown["v0"] == ["x", "data 3.1"]
    assert shown["v1"] == ["data 9.9"]
    shown = node_texts(to_svg(y, digits=7, legend=False))
    assert shown["v0"] == ["x", "data 3.141593", "grad 6.283185"]


def test_non_commutative_inputs_are_named():
    x = Value(5.0, label="x")
    y = Value(2.0, label="y")
    svg = to_svg(x - y, legend=False)
    name = {lines[0]: name for name, lines in node_texts(svg).items()}
    edges = shapes(svg, "edge")
    assert texts(edges[f"{name['x']}->{name['-']}"]) == ["a"]
    assert texts(edges[f"{name['y']}->{name['-']}"]) == ["b"]
    assert texts(edges[f"{name['-']}->{name['data 3']}"]) == []


def test_gradient_graph_values_are_drawn_by_their_data():
    x = Value(3.0, label="x")
    y = x**3
    y.backward(create_graph=True)  # x.grad is a Value: 3 x**2 = 27
    assert node_texts(to_svg(y, legend=False))["v0"] == ["x", "data 3", "grad 27"]


def test_a_lone_value_is_the_output():
    svg = to_svg(Value(4.0, label="alone"), legend=False)
    (node,) = shapes(svg, "node").values()
    assert texts(node) == ["alone", "data 4", "grad —"]  # no backward() yet
    assert fill(node) == COLOURS["output"]


def test_several_outputs_are_drawn_together():
    x = Value(2.0, label="x")
    y = Value(-1.0, label="y")
    s = x + y
    d = x * y
    svg = to_svg([s, d], legend=False)
    assert len(drawn(svg, "node")) == 2 + 2 + 2  # x, y, s, d and + and *
    assert len(drawn(svg, "edge")) == 3 + 3
    outputs = [node for node in shapes(svg, "node").values() if fill(node) == COLOURS["output"]]
    assert sorted(texts(node)[0] for node in outputs) == ["data -2", "data 1"]


def test_a_notebook_shows_the_value_drawn_once():
    _, _, h = article_neuron()
    bundle = h._repr_mimebundle_()
    # One representation per display: the page (which holds the drawing), and the text repr.
    assert sorted(bundle) == ["text/html", "text/plain"]
    assert bundle["text/html"].startswith("<iframe srcdoc=")
    assert not hasattr(Value, "_repr_html_") and not hasattr(Value, "_repr_svg_")
    # A notebook that takes SVG only gets the drawing alone.
    svg = h._repr_mimebundle_(include={"image/svg+xml"})["image/svg+xml"]
    assert "w1" in node_texts(svg)["v0"] + node_texts(svg)["v1"]


def test_a_notebook_sums_up_a_graph_too_large_to_draw_inline():
    model = MLP(2, [16, 16, 1], seed=0)
    loss = mse_loss([1.0], model([1.0, 2.0]))
    loss.label = "loss"
    bundle = loss._repr_mimebundle_()  # its time: python benchmarks/bench_draw.py --notebook
    model_bundle = model._repr_mimebundle_()
    page = bundle["text/html"]
    assert len(page.encode()) < 300_000 and "<iframe" not in page
    # Its counts: 2*16+16 + 16*16+16 + 16+1 = 337 parameters among 337 leaves (the inputs are
    # constants); 16+16+1 sigmoids.
    assert "337 leaves" in page and "sigmoid: 33" in page
    assert f"loss = {loss.data:.4g}" in page
    assert "to_html(value, &quot;graph.html&quot;)" in page
    summary = model_bundle["text/html"]
    assert "MLP 2 → 16 sigmoid → 16 sigmoid → 1 sigmoid" in summary
    assert '<td style="text-align: left">337</td>' in summary
    assert "model_to_html" in summary and "<iframe" not in summary


def test_to_svg_writes_the_file_it_returns(tmp_path):
    _, _, h = article_neuron()
    path = tmp_path / "neuron.svg"
    svg = to_svg(h, path)
    assert path.read_text(encoding="utf-8") == svg


# ---------------------------------------------------------------------- determinism
def test_dot_is_byte_identical_for_the_same_graph():
    def build() -> Value:
        a = Value(0.3, label="a")
        b = Value(-1.2, label="b")
        out = ((a * b + 1) / (a - b)).relu() + a.exp() * 2
        out.backward()
        return out

    first, second = build(), build()
    assert to_dot(first).source == to_dot(second).source
    assert to_dot(first).source == to_dot(first).source
    assert "0x" not in to_dot(first).source


# ---------------------------------------------------------------------- groups
def bounding_box(element: ET.Element) -> tuple[float, float, float, float]:
    """The smallest box around every point and text position drawn in an SVG group."""
    xs, ys = [], []
    for part in element:
        if part.tag == f"{SVG}text":
            xs.append(float(part.get("x")))
            ys.append(float(part.get("y")))
        for attribute in ("points", "d"):
            numbers = re.findall(r"-?\d+(?:\.\d+)?", part.get(attribute, ""))
            xs.extend(float(x) for x in numbers[0::2])
            ys.extend(float(y) for y in numbers[1::2])
    return min(xs), min(ys), max(xs), max(ys)


def inside(inner: ET.Element, outer: ET.Element) -> bool:
    x0, y0, x1, y1 = bounding_box(inner)
    X0, Y0, X1, Y1 = bounding_box(outer)
    return x0 >= X0 and y0 >= Y0 and x1 <= X1 and y1 <= Y1


def test_groups_draw_nested_boxes_around_their_values():
    x = Value(1.0, label="x")
    w = Value(0.5, label="w")
    b = Value(0.1, label="b")
    wx = w * x
    total = wx + b
    h = total.sigmoid()
    h.label = "h1"
    neuron = Group("neuron h1", [w, b, wx, total, h])
    svg = to_svg(h, groups=[Group("layer", subgroups=[neuron])], legend=False)
    boxes = {texts(box)[0]: box for box in shapes(svg, "cluster").values()}
    assert sorted(boxes) == ["layer", "neuron h1"]
    assert inside(boxes["neuron h1"], boxes["layer"])
    nodes = {texts(node)[0]: node for node in shapes(svg, "node").values()}
    for first_line in ["w", "b", "h1", "+", "*", "sigmoid"]:
        assert inside(nodes[first_line], boxes["neuron h1"]), first_line
    assert not inside(nodes["x"], boxes["layer"])


def test_group_mistakes_are_refused():
    x = Value(1.0, label="x")
    y = x * 2
    stranger = Value(3.0, label="stranger")
    with pytest.raises(ValueError, match="stranger"):
        to_dot(y, groups=[Group("g", [stranger])])
    with pytest.raises(ValueError, match="two groups"):
        to_dot(y, groups=[Group("a", [x]), Group("b", [x])])
    with pytest.raises(TypeError, match="only hold Values"):
        Group("g", [1.0])
    with pytest.raises(TypeError, match="subgroups must be Groups"):
        Group("g", subgroups=["h"])
    with pytest.raises(TypeError, match="label must be a str"):
        Group(3)


# ---------------------------------------------------------------------- escaping
NASTY = [
    'say "hi"',
    "{record|fields}",
    "<b>bold?</b>",
    "back\\slash \\N \\G \\n",
    "fish & chips &amp; &#45;",
    "two\nlines",
    "]]> <!-- -->",
    "'single' `tick`",
    "x1  spaced",
]


@pytest.mark.parametrize("label", NASTY)
def test_nasty_labels_are_shown_literally(label):
    x = Value(1.0, label=label)
    y = x + 1
    y.label = label
    svg = to_svg(y, legend=False)
    shown = node_texts(svg)
    expected_lines = label.split("\n")
    assert shown["v0"][: len(expected_lines)] == expected_lines
    assert shown["v1"][: len(expected_lines)] == expected_lines
    assert len(drawn(svg, "node")) == 4  # x, the constant 1, the operation, y


def test_invisible_characters_are_shown_as_escapes():
    label = "bell\x07 tab\t nul\x00 zero-width\u200b"
    svg = to_svg(Value(1.0, label=label), legend=False)
    assert node_texts(svg)["v0"][0] == "bell\\x07 tab\\t nul\\x00 zero-width\\u200b"


def test_group_labels_are_escaped_too():
    x = Value(1.0, label="x")
    y = x * 2
    label = 'layer <1> & "2" \\N {|}'
    svg = to_svg(y, groups=[Group(label, [x, y])], legend=False)
    (box,) = shapes(svg, "cluster").values()
    assert texts(box) == [label]


# Printable characters, spaces and newlines: all of these must come out exactly as typed.
printable = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"))
label_text = st.text(st.one_of(printable, st.sampled_from(' \n"{}|<>\\&')), max_size=20)


@settings(max_examples=25)
@given(label=label_text)
def test_any_printable_label_is_shown_literally(label):
    svg = to_svg(Value(-0.5, label=label), legend=False)
    (node,) = shapes(svg, "node").values()
    expected = [line for line in label.split("\n") if line] + ["data -0.5", "grad —"]
    assert texts(node) == expected


@settings(max_examples=25)
@given(label=st.text(max_size=20))
def test_any_label_at_all_keeps_the_svg_valid(label):
    x = Value(2.0, label=label)
    svg = to_svg(x * x, legend=False)  # parsing is part of `drawn`
    assert len(drawn(svg, "node")) == 3
    assert len(drawn(svg, "edge")) == 3
    # Every stretch of printable characters is shown as it is (the rest as escapes, see above).
    shown = "\n".join(texts(shapes(svg, "node")["v0"]))
    stretches = "".join(ch if ch.isprintable() else "\0" for ch in label).split("\0")
    for stretch in stretches:
        assert stretch in shown


# ---------------------------------------------------------------------- renderers and limits
def fake_renderer(tmp_path, script: str) -> str:
    path = tmp_path / "fake-dot"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return str(path)


def test_a_notebook_warns_and_falls_back_to_text_when_it_cannot_draw(monkeypatch, tmp_path):
    monkeypatch.setenv(RENDERER_ENV, str(tmp_path / "no-such-dot"))
    h = (Value(1.0, label="w1") * 2.0).sigmoid()
    with pytest.warns(RuntimeWarning, match="cannot draw this Value.*no-such-dot"):
        assert h._repr_mimebundle_() is None


def test_no_renderer_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sysconfig, "get_path", lambda *args, **kwargs: str(tmp_path))
    x = Value(1.0, label="x")
    with pytest.raises(RendererNotFoundError) as error:
        to_svg(x * 2)
    message = str(error.value)
    assert "pip install graphviz-pure" in message
    assert "apt-get install graphviz" in message
    assert RENDERER_ENV in message
    assert "x" in to_dot(x * 2).source  # DOT needs no renderer


def test_renderer_named_by_the_environment_is_used(monkeypatch, tmp_path):
    command = fake_renderer(tmp_path, 'cat > /dev/null; echo "<svg>$1</svg>"')
    monkeypatch.setenv(RENDERER_ENV, command)
    assert to_svg(Value(1.0)).strip() == "<svg>-Tsvg</svg>"


def test_missing_renderer_named_by_the_environment_is_reported(monkeypatch, tmp_path):
    monkeypatch.setenv(RENDERER_ENV, str(tmp_path / "no-such-dot"))
    with pytest.raises(RendererNotFoundError, match=RENDERER_ENV):
        to_svg(Value(1.0))


def test_renderer_failure_surfaces_its_message(monkeypatch, tmp_path):
    command = fake_renderer(tmp_path, 'cat > /dev/null; echo "syntax error in line 7" >&2; exit 3')
    monkeypatch.setenv(RENDERER_ENV, command)
    with pytest.raises(RenderError, match=r"exit code 3.*syntax error in line 7"):
        to_svg(Value(1.0))


def test_renderer_that_hangs_is_stopped(monkeypatch, tmp_path):
    command = fake_renderer(tmp_path, "exec sleep 30")
    monkeypatch.setenv(RENDERER_ENV, command)
    with pytest.raises(RenderError, match=r"did not finish within 0\.2 s"):
        to_svg(Value(1.0), timeout=0.2)


def test_real_renderer_rejects_broken_dot_with_its_message():
    with pytest.raises(RenderError, match="failed"):
        render_svg("digraph { a -> }")


def test_too_large_graph_is_refused_before_rendering(monkeypatch, tmp_path):
    # A renderer that would fail loudly proves that none is called.
    monkeypatch.setenv(RENDERER_ENV, fake_renderer(tmp_path, "exit 9"))
    total = Value(0.0)
    for i in range(10):
        total = total + Value(float(i))  # 1 + 10 * 3 nodes
    with pytest.raises(GraphTooLargeError, match="31 nodes, more than max_nodes=30"):
        to_svg(total, max_nodes=30)
    with pytest.raises(RenderError, match="exit code 9"):
        to_svg(total, max_nodes=31)


def test_bad_arguments_are_refused():
    with pytest.raises(TypeError, match="float"):
        to_dot(3.0)
    with pytest.raises(TypeError, match="item 1 is a int"):
        to_svg([Value(1.0), 2])
    with pytest.raises(TypeError, match="empty list"):
        to_dot([])
    with pytest.raises(ValueError, match="digits"):
        to_dot(Value(1.0), digits=0)
    with pytest.raises(TypeError, match="int"):
        render_svg(42)


def test_scripts_folder_is_searched_without_path(monkeypatch):
    # An unactivated virtualenv: PATH has no scripts folder, yet graphviz-pure is found.
    monkeypatch.delenv(RENDERER_ENV, raising=False)
    monkeypatch.setenv("PATH", os.devnull)
    _, _, h = article_neuron()
    assert "<svg" in to_svg(h)


# ---------------------------------------------------------------------- drawing an nn model
def article_network() -> MLP:
    """The article's feedforward example: every neuron has weights [0, 1] and bias 0."""
    model = MLP(2, [2, 1])
    model.load_state_dict(
        {name: 1.0 if name.endswith("w1") else 0.0 for name in model.state_dict()}
    )
    return model


def first_lines(svg: str) -> dict[str, ET.Element]:
    return {texts(node)[0]: node for node in shapes(svg, "node").values()}


def test_model_drawing_shows_the_articles_feedforward():
    # The article: h1 = h2 = f(0 * 2 + 1 * 3 + 0) = f(3) = 0.9526, o1 = f(h2) = 0.7216.
    svg = model_to_svg(article_network(), [2, 3])
    nodes = first_lines(svg)
    assert texts(nodes["x1"]) == ["x1", "data 2"]
    assert texts(nodes["x2"]) == ["x2", "data 3"]
    assert texts(nodes["h1"]) == ["h1", "data 0.9526"]
    assert texts(nodes["h2"]) == ["h2", "data 0.9526"]
    assert texts(nodes["o1"]) == ["o1", "data 0.7216"]
    assert fill(nodes["o1"]) == COLOURS["output"]
    # Per neuron of 2 inputs: 2 weights, 2 products, 2 additions, a bias, the sigmoid, each
    # computed Value with its operation: 2 + 4 + 4 + 1 + 2 = 13 nodes and 3 + 3 + 3 + 3 + 2 = 14
    # edges. Three neurons, two inputs and the legend; the layout's invisible edges are not drawn.
    assert len(drawn(svg, "node")) == 3 * 13 + 2 + 1
    assert len(drawn(svg, "edge")) == 3 * 14


def test_model_drawing_reads_like_the_articles_diagram():
    svg = model_to_svg(article_network(), [2, 3], legend=False)
    boxes = {texts(box)[0]: box for box in shapes(svg, "cluster").values()}
    assert sorted(boxes) == ["hidden layer", "neuron h1", "neuron h2", "neuron o1", "output layer"]
    assert inside(boxes["neuron h1"], boxes["hidden layer"])
    assert inside(boxes["neuron h2"], boxes["hidden layer"])
    assert inside(boxes["neuron o1"], boxes["output layer"])
    nodes = first_lines(svg)
    for name, neuron in [("L0.N0.w0", "h1"), ("L0.N0.b", "h1"), ("h1", "h1"), ("L0.N1.w1", "h2")]:
        assert inside(nodes[name], boxes[f"neuron {neuron}"]), name
    assert inside(nodes["o1"], boxes["neuron o1"])
    # Left to right: the inputs, then the hidden layer, then the output layer; x1 above x2.
    right = [bounding_box(nodes[x])[2] for x in ["x1", "x2"]]
    hidden = bounding_box(boxes["hidden layer"])
    output = bounding_box(boxes["output layer"])
    assert max(right) < hidden[0]
    assert hidden[2] < output[0]
    assert bounding_box(nodes["x1"])[1] < bounding_box(nodes["x2"])[1]


@pytest.mark.parametrize("target", [1.0, None])
def test_model_drawing_stacks_neurons_and_weights_in_the_articles_order(target):
    # The two hidden neurons mirror each other, so only the drawing code's hints keep h1 above
    # h2 and, in o1, the weight w5 (which multiplies h1) above w6 (which multiplies h2).
    model = MLP(2, [2, 1], seed=0)
    svg = model_to_svg(model, [-7, -3], target, legend=False)
    boxes = {texts(box)[0]: bounding_box(box) for box in shapes(svg, "cluster").values()}
    nodes = {name: bounding_box(node) for name, node in first_lines(svg).items()}
    nodes.update(
        (article_name, nodes[name])
        for name, article_name in zip(model.state_dict(), PARAMETER_NAMES, strict=True)
    )

    def above(upper, lower):
        return upper[3] < lower[1]  # SVG y grows downwards: the bottom of one, the top of the other

    assert above(boxes["neuron h1"], boxes["neuron h2"])
    assert above(nodes["h1"], nodes["h2"])
    for first, second in [("w1", "w2"), ("w3", "w4"), ("w5", "w6")]:
        assert above(nodes[first], nodes[second]), (first, second)


def test_model_drawing_with_a_target_shows_the_articles_gradients():
    model = MLP(2, [2, 1], seed=3)
    x, y_true = [-2.0, -1.0], 1.0  # Alice, the article's first sample
    expected = ManualNetwork.from_mlp(model).gradients(x, y_true)
    nodes = first_lines(model_to_svg(model, x, y_true))
    assert "loss" in nodes
    for name, article_name in zip(model.state_dict(), PARAMETER_NAMES, strict=True):
        lines = texts(nodes[name])
        assert lines[2].startswith("grad ")
        assert float(lines[2].removeprefix("grad ")) == pytest.approx(
            expected[article_name], rel=1e-3, abs=1e-12
        )


def test_model_drawing_leaves_the_model_as_it_was():
    model = MLP(2, [2, 1], seed=1)
    for i, parameter in enumerate(model.parameters()):
        parameter.grad = 0.5 * i
    before = [(p.data, p.grad) for p in model.parameters()]
    model_to_dot(model, [0.3, -0.7], 1.0)
    model_to_svg(model, [0.3, -0.7], 0.0)
    assert [(p.data, p.grad) for p in model.parameters()] == before


def test_neuron_and_layer_can_be_drawn_and_other_things_cannot():
    neuron = Neuron(2, weights=[0, 1], bias=4)
    nodes = first_lines(model_to_svg(neuron, [2, 3]))
    assert texts(nodes["o1"]) == ["o1", f"data {1 / (1 + math.exp(-7)):.4g}"]
    layer = Layer(3, 2, seed=0)
    boxes = shapes(model_to_svg(layer, [1, 2, 3]), "cluster")
    assert sorted(texts(box)[0] for box in boxes.values()) == [
        "legend",
        "neuron o1",
        "neuron o2",
        "output layer",
    ]
    with pytest.raises(TypeError, match="Neuron, a Layer or an MLP"):
        model_to_dot(Module(), [1.0])
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        model_to_dot(MLP(2, [1]), [1, 2, 3])


def test_model_dot_is_deterministic():
    def source() -> str:
        return model_to_dot(MLP(2, [3, 2], seed=7), [0.5, -1.5], [1.0, 0.0]).source

    assert source() == source()


# ---------------------------------------------------------------------- hardening
def test_a_label_that_is_not_a_str_is_named():
    x = Value(1.0, label="x")
    y = x * 2
    y.label = 3  # set after construction, where Value's own check does not run
    with pytest.raises(TypeError, match=r"label 3, a int"):
        to_dot(y)
    with pytest.raises(TypeError, match=r"label 3, a int"):
        to_svg(y)
    with pytest.raises(TypeError, match=r"label 3, a int"):
        to_html(y)


def test_a_renderer_that_writes_invalid_utf8_raises_render_error(monkeypatch, tmp_path):
    command = fake_renderer(tmp_path, r"cat > /dev/null; printf '<svg>\377\376</svg>'")
    monkeypatch.setenv(RENDERER_ENV, command)
    with pytest.raises(RenderError, match="not UTF-8"):
        to_svg(Value(1.0))
    with pytest.warns(RuntimeWarning, match="not UTF-8"):
        assert Value(1.0)._repr_mimebundle_() is None


def process_is_gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat_file:
            return stat_file.read().split(")")[-1].split()[0] == "Z"  # a zombie has ended
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads process states from /proc")
def test_a_renderer_that_times_out_is_stopped_with_its_children(monkeypatch, tmp_path):
    pid_file = tmp_path / "child.pid"
    # A wrapper script that starts a child of its own (its output elsewhere, as a daemon's).
    script = f"sleep 30 > /dev/null 2>&1 & echo $! > {pid_file}; exec sleep 30"
    monkeypatch.setenv(RENDERER_ENV, fake_renderer(tmp_path, script))
    with pytest.raises(RenderError, match="did not finish"):
        to_svg(Value(1.0), timeout=0.5)
    child = int(pid_file.read_text())
    for _ in range(50):
        if process_is_gone(child):
            break
        time.sleep(0.02)
    gone = process_is_gone(child)
    if not gone:
        os.kill(child, 9)
    assert gone, "the renderer's child is still running"


def test_a_renderers_long_message_is_shortened(monkeypatch, tmp_path):
    script = "cat > /dev/null; head -c 50000000 /dev/zero | tr '\\0' x >&2; exit 1"
    monkeypatch.setenv(RENDERER_ENV, fake_renderer(tmp_path, script))
    with pytest.raises(RenderError, match="exit code 1") as error:
        to_svg(Value(1.0))
    message = str(error.value)
    assert len(message) < 3000
    assert "more characters" in message


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"timeout": math.nan}, ValueError, "timeout must be a positive, finite"),
        ({"timeout": math.inf}, ValueError, "timeout must be a positive, finite"),
        ({"timeout": 0}, ValueError, "timeout must be a positive, finite"),
        ({"timeout": "5"}, TypeError, "timeout must be a number"),
        ({"max_nodes": "10"}, TypeError, "max_nodes must be an int"),
        ({"max_nodes": 10.0}, TypeError, "max_nodes must be an int"),
        ({"max_nodes": 0}, ValueError, "max_nodes must be at least 1"),
    ],
)
def test_limits_are_checked_with_clear_errors(options, error, match):
    with pytest.raises(error, match=match):
        to_svg(Value(1.0), **options)
    if "timeout" in options:
        with pytest.raises(error, match=match):
            render_svg("digraph { a }", **options)


def test_importing_autograd_loads_neither_graphviz_nor_subprocess():
    code = "import sys, autograd, nn; print(sorted({'graphviz', 'subprocess'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# ---------------------------------------------------------------------- direction and legend
def test_top_to_bottom_puts_inputs_beside_the_first_layer_in_the_articles_order():
    model = MLP(2, [2, 1], seed=0)
    svg = model_to_svg(model, [-7, -3], 1.0, direction="TB", legend=False)
    boxes = {texts(box)[0]: bounding_box(box) for box in shapes(svg, "cluster").values()}
    nodes = {name: bounding_box(node) for name, node in first_lines(svg).items()}
    nodes.update(
        (article_name, nodes[name])
        for name, article_name in zip(model.state_dict(), PARAMETER_NAMES, strict=True)
    )

    def left_of(a, b):
        return a[2] < b[0]

    # The inputs stand in the weights' row (so their edges need not go round the layer's box),
    # left of it, x1 before x2; h1 before h2, w5 (which multiplies h1) before w6.
    for x in ("x1", "x2"):
        assert nodes[x][1] < nodes["w1"][3] and nodes["w1"][1] < nodes[x][3], x
        assert left_of(nodes[x], boxes["hidden layer"])
    assert left_of(nodes["x1"], nodes["x2"])
    assert left_of(boxes["neuron h1"], boxes["neuron h2"])
    assert left_of(nodes["w5"], nodes["w6"])
    assert boxes["hidden layer"][3] < boxes["output layer"][1]  # layers top to bottom


def test_the_legend_stands_after_the_output():
    x = Value(0.5, label="x")
    y = (x * 3).tanh()
    y.label = "y"
    for direction, axis in (("LR", 0), ("TB", 1)):
        svg = to_svg(y, direction=direction)
        legend = bounding_box(shapes(svg, "cluster")["cluster_legend"])
        output = bounding_box(first_lines(svg)["y"])
        assert output[axis + 2] < legend[axis], direction


def test_direction_and_hints_are_checked():
    x = Value(1.0, label="x")
    y = x * 2
    with pytest.raises(ValueError, match="direction must be one of"):
        to_dot(y, direction="RL")
    with pytest.raises(TypeError, match="pairs of Values"):
        to_dot(y, hints=[x])
    with pytest.raises(ValueError, match="not drawn"):
        to_dot(y, hints=[(x, Value(3.0))])
    assert "v0 -> v1 [style=invis]" in to_dot(y, hints=[(x, y)]).source


# ---------------------------------------------------------------------- shared Values
def unrolled(steps: int) -> tuple[Value, Value, Value, Value]:
    """h = tanh(w * h + u), `steps` times: w and u are used at every step."""
    w, u = Value(0.9, label="w"), Value(0.1, label="u")
    h0 = h = Value(0.5, label="h0")
    for _ in range(steps):
        h = (w * h + u).tanh()
    return h, w, u, h0


def test_a_value_used_far_apart_is_drawn_once_with_a_reference_at_each_use():
    h, w, u, h0 = unrolled(8)
    h.backward()
    svg = to_svg(h, legend=False)
    nodes = node_texts(svg)
    edges = shapes(svg, "edge")
    order = topological_order(h)
    for value in (w, u):
        n = order.index(value)
        # Drawn once, where it is made, with its numbers, and no edge leaves it...
        assert nodes[f"v{n}"][0] == value.label
        assert not [title for title in edges if title.startswith(f"v{n}->")]
        # ...and a small box with its name stands beside each of its 8 uses.
        references = [name for name in nodes if name.startswith(f"r{n}_")]
        assert len(references) == 8
        assert all(nodes[name] == [value.label] for name in references)
        users = {f"op{order.index(user)}" for user in order if value in user.parents}
        assert {title.split("->")[1] for title in edges if title.startswith(f"r{n}_")} == users
    # h0, used once, keeps its edge; so do a network's inputs, used by one layer.
    assert f"v{order.index(h0)}->op{order.index(h0) + 1}" in edges
    model_svg = model_to_svg(MLP(2, [4, 1], seed=0), [1.0, 2.0], 1.0)
    assert not [name for name in node_texts(model_svg) if name.startswith("r")]


def test_a_drawing_before_backward_says_no_gradient_was_computed():
    w = Value(2.0, label="w")
    y = w * w
    before = to_svg(y, legend=False)
    assert node_texts(before)["v0"] == ["w", "data 2", "grad —"]
    assert "no backward() has reached this graph yet" in before
    y.backward()
    after = to_svg(y, legend=False)
    assert node_texts(after)["v0"] == ["w", "data 2", "grad 4"]  # d(w²)/dw = 2w
    assert "no backward()" not in after
    assert "grad" not in "".join(node_texts(to_svg(y, show_grad=False, legend=False))["v0"])
