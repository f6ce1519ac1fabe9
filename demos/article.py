"""The article, step by step: Victor Zhou's introduction to neural networks, run with backproplab.

    python -m demos.article [--epochs 1000] [--seed 0] [--out out/article] [--html]

Every number the article prints comes out again, computed with `autograd` and `nn`: a neuron's
output, the 2-2-1 network's output, the mean squared error, then the worked backpropagation example,
where each factor the article derives by hand stands beside the one autograd finds. Then the network
is trained on four people, predicts Emily and Frank, and is drawn as an SVG picture. With
``--html`` the worked example is also written as a page that steps through its forward and
backward pass in a browser. The same seed always prints the same text.

The names are the article's: inputs x1, x2, weights w1 to w6, biases b1 to b3, hidden neurons h1,
h2 and the output neuron o1 (y_pred).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from autograd import RenderError, Value, grad
from demos._cli import (
    aligned,
    heading,
    make_parser,
    parse,
    refuse_irregular,
    run,
    write_text,
)
from demos._svg_plot import loss_curve_svg
from nn import (
    EMILY,
    FRANK,
    MLP,
    PARAMETER_NAMES,
    PEOPLE,
    SGD,
    Neuron,
    Person,
    fit,
    model_to_html,
    model_to_svg,
    mse_loss,
    people,
)
from nn.article import deriv_sigmoid, sigmoid  # the article's own, for the by-hand column

LEARNING_RATE = 0.1  # the article's
# The article prints the loss every 10 epochs; every 100 keeps the whole demo on about one screen,
# and the picture written beside the drawing shows every epoch.
REPORT_EVERY = 100


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments `argv` (default: sys.argv); return the exit code."""
    return run(demo, argv)


def demo(argv: Sequence[str] | None) -> None:
    parser = make_parser(
        "article",
        "The article's examples, step by step: a neuron, a network, the loss, backpropagation "
        "by hand and by autograd, training on four people, predictions and a drawing.",
        epochs=1000,
    )
    parser.add_argument(
        "--html",
        action="store_true",
        help="also write the worked example as a page to step through in a browser",
    )
    args = parse(parser, argv)
    if args.html:
        refuse_irregular(page_path(args.out))
    print('Victor Zhou\'s "Introduction to Neural Networks", step by step with backproplab')
    print(f"(seed {args.seed}, {args.epochs} epochs; --help lists the options)")
    a_neuron()
    a_network()
    the_loss()
    backpropagation()
    if args.html:
        explorable(args.out)
    model = training(args.epochs, args.seed, args.out)
    predictions(model)
    drawing(model, args.out)


# ---------------------------------------------------------------------- the article's sections
def a_neuron() -> None:
    heading("1. A neuron: weights [0, 1], bias 4, sigmoid activation")
    neuron = Neuron(2, weights=[0, 1], bias=4)
    print(f"   input [2, 3]  ->  output {neuron([2, 3]).data!r}")


def a_network() -> None:
    heading("2. A network: inputs -> hidden neurons h1, h2 -> output neuron o1")
    print("   Every neuron has weights [0, 1] and bias 0.")
    _, _, o1 = feedforward(article_network(weights=[0, 1], bias=0), [2, 3])
    print(f"   input [2, 3]  ->  output {o1.data!r}")


def the_loss() -> None:
    heading("3. The loss: mean squared error")
    print("   A network that always answers 0 (everyone is male), for Alice, Bob, Charlie, Diana:")
    loss = mse_loss([1, 0, 0, 1], [0, 0, 0, 0])
    print(f"   y_true [1, 0, 0, 1], y_pred [0, 0, 0, 0]  ->  loss {loss.data!r}")


def backpropagation() -> None:
    heading("4. Backpropagation, by hand and by autograd")
    alice = PEOPLE[0]
    x = list(alice.shifted)
    y_true = float(alice.gender)
    print(
        f"   All weights 1, all biases 0, and only Alice: x1, x2 = {_ints(x)}, y_true = {y_true:g}."
    )
    print("   f is the sigmoid, f' its derivative f(1 - f); L = (y_true - y_pred)^2.")

    # By hand: the article's chain of partial derivatives, in plain floats.
    w1 = w2 = w5 = w6 = 1.0
    b1 = b3 = 0.0
    sum_h1 = w1 * x[0] + w2 * x[1] + b1
    hand_h1 = sigmoid(sum_h1)
    hand_h2 = hand_h1  # h2 has the same weights and bias as h1
    sum_o1 = w5 * hand_h1 + w6 * hand_h2 + b3
    hand_y_pred = sigmoid(sum_o1)
    d_L_d_ypred = -2 * (y_true - hand_y_pred)
    d_ypred_d_h1 = w5 * deriv_sigmoid(sum_o1)
    d_h1_d_w1 = x[0] * deriv_sigmoid(sum_h1)
    hand_d_L_d_w1 = d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w1

    # By autograd: the same network from Values; each factor is one call to `grad`.
    network = article_network(weights=[1, 1], bias=0)
    h1, _, y_pred = feedforward(network, x)
    loss = mse_loss([y_true], [y_pred])
    weight_w1 = network[0].w[0]
    (auto_d_L_d_ypred,) = grad(loss, [y_pred])
    (auto_d_ypred_d_h1,) = grad(y_pred, [h1])
    (auto_d_h1_d_w1,) = grad(h1, [weight_w1])
    loss.backward()
    auto_d_L_d_w1 = weight_w1.grad
    assert isinstance(auto_d_L_d_w1, float)  # a plain backward leaves floats; typed float | Value

    rows = [
        ("h1 = h2 = f(w1 x1 + w2 x2 + b1)", hand_h1, h1.data),
        ("y_pred = o1 = f(w5 h1 + w6 h2 + b3)", hand_y_pred, y_pred.data),
        ("dL/dy_pred = -2 (y_true - y_pred)", d_L_d_ypred, auto_d_L_d_ypred),
        ("dy_pred/dh1 = w5 f'(w5 h1 + w6 h2 + b3)", d_ypred_d_h1, auto_d_ypred_d_h1),
        ("dh1/dw1 = x1 f'(w1 x1 + w2 x2 + b1)", d_h1_d_w1, auto_d_h1_d_w1),
        ("dL/dw1 = the product of those three", hand_d_L_d_w1, auto_d_L_d_w1),
    ]
    print()
    print(f"   {'':40}  {'by hand':24}{'by autograd'}")
    for what, by_hand, by_autograd in rows:
        print(f"   {what:40}  {aligned(by_hand):24}{aligned(by_autograd)}")
    print()
    print(f"   dL/dw1, autograd minus by hand: {_difference(auto_d_L_d_w1, hand_d_L_d_w1)}")
    print("   (autograd's column: grad(L, [y_pred]), grad(y_pred, [h1]), grad(h1, [w1]), w1.grad)")
    print("   dL/dw1 > 0: raising w1 would raise the loss a little, so training lowers w1.")


def explorable(out: Path) -> None:
    """The worked example as a page: step through its forward and backward pass, click w1."""
    model = worked_example_model()
    x = [Value(value, label=f"x{i + 1}") for i, value in enumerate(PEOPLE[0].shifted)]

    def loss(y_true: Sequence[float], y_pred: Sequence[Value]) -> Value:
        error = mse_loss(y_true, y_pred)
        error.label = "L"  # the article's name for the loss
        return error

    try:
        page = model_to_html(
            model,
            x,
            target=PEOPLE[0].gender,
            loss=loss,
            direction="TB",
            title="The article's worked example: Alice, every weight 1, every bias 0",
        )
    except RenderError as error:
        print(f"   No page: {error}")
        return
    path = page_path(out)
    write_text(path, page)
    print()
    print(f"   The same, step by step in a web browser: {path}")
    print("   (click w1 for the chain rule above, with its numbers; #node=w1 at the end of the")
    print("   address opens it there).")


def page_path(out: Path) -> Path:
    return out / "backprop.html"


def worked_example_model() -> MLP:
    """The article's network with every weight 1 and every bias 0, its parameters named w1..b3."""
    model = MLP(2, [2, 1])
    for parameter, name in zip(model.parameters(), PARAMETER_NAMES, strict=True):
        parameter.data = 0.0 if name.startswith("b") else 1.0
        parameter.label = name
    return model


def training(epochs: int, seed: int, out: Path) -> MLP:
    heading("5. Training on four people")
    print("   name      weight  height  gender  network input (weight - 135, height - 66)")
    for person in PEOPLE:
        _print_person(person)
    model = MLP(2, [2, 1], seed=seed)
    print(
        f"   MLP(2, [2, 1]) of sigmoid neurons, its 9 parameters drawn from N(0, 1) (seed {seed});"
    )
    print(
        f"   SGD, one person at a time, learning rate {LEARNING_RATE}, {epochs} epochs. "
        f"The loss over all four:"
    )
    epoch_width = len(str(epochs - 1))

    def report(epoch: int, loss: float) -> None:
        if epoch % REPORT_EVERY == 0:
            print(f"   Epoch {epoch:>{epoch_width}} loss: {loss:.3f}")

    X, y = people()
    optimizer = SGD(model.parameters(), lr=LEARNING_RATE)
    history = fit(model, X, y, optimizer=optimizer, epochs=epochs, progress=False, callback=report)
    print(f"   Loss after the last epoch: {history[-1]:.3f}")
    path = out / "loss.svg"
    title = f"The article's network on four people: mean squared error (seed {seed})"
    write_text(path, loss_curve_svg(history, title=title, y_label="loss over the four people"))
    print(f"   The loss after every epoch, drawn: {path}")
    return model


def predictions(model: MLP) -> None:
    heading("6. Predictions for two new people (1 = female, 0 = male)")
    for person in (EMILY, FRANK):
        output = model(list(person.shifted)).data
        guess = "F" if output > 0.5 else "M"
        print(
            f"   {person.name:8}{person.weight:>4} lb  {person.height:>3} in  "
            f"{_ints(person.shifted):9} ->  {output:.3f}  {guess}"
        )
    print("   (The article's run gave Emily 0.951, Frank 0.039: the digits depend on the start.)")


def drawing(model: MLP, out: Path) -> None:
    heading("7. The trained network, drawn")
    inputs = [
        Value(EMILY.shifted[0], label="x1 = weight - 135"),
        Value(EMILY.shifted[1], label="x2 = height - 66"),
    ]
    # Labels are only names for drawings: give the parameters the article's names.
    for parameter, name in zip(model.parameters(), PARAMETER_NAMES):
        parameter.label = name
    try:
        svg = model_to_svg(model, inputs, target=EMILY.gender, direction="TB")
    except RenderError as error:
        print(f"   No drawing: {error}")
        return
    path = out / "network.svg"
    write_text(path, svg)
    print("   Emily's prediction and loss (she is F = 1): every Value with its data and the")
    print(f"   gradient one training step on her would use. Open {path} in a web browser.")


# ---------------------------------------------------------------------- helpers
def article_network(weights: list[float], bias: float) -> tuple[Neuron, Neuron, Neuron]:
    """The article's neurons h1, h2 and o1, each with the given weights and bias."""
    return (
        Neuron(2, weights=weights, bias=bias),
        Neuron(2, weights=weights, bias=bias),
        Neuron(2, weights=weights, bias=bias),
    )


def feedforward(network: tuple[Neuron, Neuron, Neuron], x: list[float]) -> tuple[Value, ...]:
    """The outputs (h1, h2, o1) for input `x`: h1 and h2 see x, o1 sees h1 and h2."""
    neuron_h1, neuron_h2, neuron_o1 = network
    h1 = neuron_h1(x)
    h2 = neuron_h2(x)
    o1 = neuron_o1([h1, h2])
    return h1, h2, o1


def _difference(autograd_value: float, hand_value: float) -> str:
    difference = autograd_value - hand_value
    if difference == 0:
        return "0.0, the very same float"
    ulps = abs(difference) / math.ulp(hand_value)
    return (
        f"{difference!r}, {ulps:.0f} unit(s) in the last place: rounding, since autograd "
        "multiplies the same factors in another order"
    )


def _print_person(person: Person) -> None:
    gender = "F" if person.gender == 1 else "M"
    print(
        f"   {person.name:8}{person.weight:>8}{person.height:>8}  {gender:6}  "
        f"{_ints(person.shifted)}"
    )


def _ints(numbers: Sequence[float]) -> str:
    """[-2, -1] rather than [-2.0, -1.0]: the article writes its inputs as integers."""
    return "[" + ", ".join(f"{n:g}" for n in numbers) + "]"


if __name__ == "__main__":
    raise SystemExit(main())
