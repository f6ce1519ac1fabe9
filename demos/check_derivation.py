"""Three slips a reader of the article makes in its derivation, each caught by `check_manual`.

    python -m demos.check_derivation [--seed 0]

The article derives the partial derivatives of its network's loss by hand, with the chain rule:
dL/dw1 = dL/dy_pred * dy_pred/dh1 * dh1/dw1. `autograd.check_manual` compares such a derivation
with autograd at inputs Hypothesis searches, and shrinks a disagreement to the simplest input it
can find. The demo makes three slips, one at a time: sigmoid' written s (1 + s), dL/dy_pred without
its minus sign, and w1 where dy_pred/dh1 needs w5. Each is caught at the simplest input, where it is
easy to redo by hand; then the article's own derivation passes. It takes a few seconds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

from autograd import ManualDerivativeError, Value, check_manual
from autograd import sigmoid as sigmoid_of_value
from demos._cli import Parser, count, heading, run
from nn import article_network, mse_loss
from nn.article import sigmoid  # the article's own, on floats

# Where the search looks: the article's shifted weights and heights lie within +-30, its targets
# are 0 or 1, and its parameters start near 0 (drawn from N(0, 1)).
SAMPLE_BOUNDS = [(-30.0, 30.0), (-30.0, 30.0), (0.0, 1.0)]  # x1, x2, y_true
PARAMETER_BOUNDS = (-5.0, 5.0)

# The slips, by name: each changes one factor of the article's derivation.
SIGMOID = "sigmoid' written s (1 + s)"
MINUS_SIGN = "dL/dy_pred without its minus sign"
WRONG_WEIGHT = "dy_pred/dh1 with w1 where the article has w5"
SLIPS = (SIGMOID, MINUS_SIGN, WRONG_WEIGHT)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo with command-line arguments `argv` (default: sys.argv); return the exit code."""
    return run(demo, argv)


def demo(argv: Sequence[str] | None) -> None:
    parser = Parser(
        prog="python -m demos.check_derivation",
        description="Three slips in the article's derivation, each caught by check_manual at "
        "the simplest input where it is wrong; then the article's derivation passes.",
    )
    parser.add_argument(
        "--seed", type=count(0), default=0, help="seed of the search; same seed, same output"
    )
    seed = parser.parse_args(argv).seed
    print("Checking the article's hand-derived derivatives against autograd with check_manual")
    print(
        "(the network's loss L = (y_true - y_pred)^2 for one sample x1, x2, y_true; Hypothesis "
        f"searches samples and parameters, seed {seed})"
    )

    heading(f"Slip 1: {SIGMOID}")
    print(INTRODUCTIONS[SIGMOID])
    show(lambda: check_manual(sigmoid_of_value, wrong_deriv_sigmoid, seed=seed))
    print(LESSONS[SIGMOID])

    for number, slip in enumerate(SLIPS[1:], start=2):
        heading(f"Slip {number}: {slip}")
        print(INTRODUCTIONS[slip])
        show(partial(check_network, derivation(slip), seed))
        print(LESSONS[slip])

    heading("The article's derivation")
    print("sigmoid' alone, then all nine partial derivatives of the network:")
    show(lambda: check_manual(sigmoid_of_value, deriv_sigmoid, seed=seed))
    show(lambda: check_network(derivation(None), seed))
    print()
    print(
        "Passing proves the derivation right at the inputs tried, not everywhere; a failure "
        "proves it wrong."
    )


INTRODUCTIONS = {
    SIGMOID: "The article: f'(x) = f(x) * (1 - f(x)). Written with a plus and checked alone,\n"
    "    check_manual(sigmoid, lambda x: sigmoid(x) * (1 + sigmoid(x)))",
    MINUS_SIGN: "The article: dL/dy_pred = -2 (y_true - y_pred). Written 2 (y_true - y_pred), "
    "all nine partials checked:",
    WRONG_WEIGHT: "The article: dy_pred/dh1 = w5 * f'(sum_o1). Written w1 * f'(sum_o1), all nine "
    "partials checked:",
}
# What the simplest input shows, worked by hand (tests check it against the inputs found).
LESSONS = {
    SIGMOID: "At x = 0, f(0) = 0.5: f (1 - f) is 0.25, f (1 + f) is 0.75.",
    MINUS_SIGN: "With every number 0, y_pred = f(0) = 0.5 is above y_true = 0, so the loss grows "
    "with y_pred:\ndL/dy_pred = -2 (0 - 0.5) = +1. Without the minus sign it is -1, and dL/dw5, "
    "dL/dw6, dL/db3 change sign.",
    WRONG_WEIGHT: "Where w1 = w5 the slip cannot show, so the simplest input makes one of them 1 "
    "and the other 0.\nThen dL/db1 = 1 * 1 * f'(0) * f'(0) = 0.0625 by one formula and 0 by the "
    "other.",
}


def show(check: Callable[[], bool]) -> None:
    """Run one check and print its outcome: the report of a slip, or that it passed."""
    try:
        check()
    except ManualDerivativeError as caught:
        print()
        print("    " + str(caught).replace("\n", "\n    "))
        print()
    else:
        print("    passes")


# ---------------------------------------------------------------------- the derivations
def deriv_sigmoid(x: float) -> float:
    """The article's derivative of the sigmoid: f(x) * (1 - f(x))."""
    return sigmoid(x) * (1 - sigmoid(x))


def wrong_deriv_sigmoid(x: float) -> float:
    """Slip 1: f(x) * (1 + f(x))."""
    return sigmoid(x) * (1 + sigmoid(x))


def derivation(slip: str | None) -> Callable[..., dict[str, float]]:
    """The article's nine partial derivatives of L as a function of the sample and the
    parameters, ``gradients(x1, x2, y_true, w1=..., ..., b3=...)``, with one `slip` made."""
    f_prime = wrong_deriv_sigmoid if slip == SIGMOID else deriv_sigmoid

    def gradients(
        x1: float,
        x2: float,
        y_true: float,
        *,
        w1: float,
        w2: float,
        b1: float,
        w3: float,
        w4: float,
        b2: float,
        w5: float,
        w6: float,
        b3: float,
    ) -> dict[str, float]:
        sum_h1 = w1 * x1 + w2 * x2 + b1
        sum_h2 = w3 * x1 + w4 * x2 + b2
        h1, h2 = sigmoid(sum_h1), sigmoid(sum_h2)
        sum_o1 = w5 * h1 + w6 * h2 + b3
        y_pred = sigmoid(sum_o1)

        # dL/dy_pred: the article's -2 (y_true - y_pred); slip 2 drops the minus sign
        d_L_d_ypred = (2 if slip == MINUS_SIGN else -2) * (y_true - y_pred)
        # Neuron o1
        d_ypred_d_w5 = h1 * f_prime(sum_o1)
        d_ypred_d_w6 = h2 * f_prime(sum_o1)
        d_ypred_d_b3 = f_prime(sum_o1)
        # dy_pred/dh1: h1 reaches o1 through w5; slip 3 takes h1's own first weight w1
        d_ypred_d_h1 = (w1 if slip == WRONG_WEIGHT else w5) * f_prime(sum_o1)
        d_ypred_d_h2 = w6 * f_prime(sum_o1)
        # Neurons h1 and h2
        d_h1_d_w1, d_h1_d_w2, d_h1_d_b1 = (
            x1 * f_prime(sum_h1),
            x2 * f_prime(sum_h1),
            f_prime(sum_h1),
        )
        d_h2_d_w3, d_h2_d_w4, d_h2_d_b2 = (
            x1 * f_prime(sum_h2),
            x2 * f_prime(sum_h2),
            f_prime(sum_h2),
        )

        return {
            "w1": d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w1,
            "w2": d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w2,
            "b1": d_L_d_ypred * d_ypred_d_h1 * d_h1_d_b1,
            "w3": d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w3,
            "w4": d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w4,
            "b2": d_L_d_ypred * d_ypred_d_h2 * d_h2_d_b2,
            "w5": d_L_d_ypred * d_ypred_d_w5,
            "w6": d_L_d_ypred * d_ypred_d_w6,
            "b3": d_L_d_ypred * d_ypred_d_b3,
        }

    return gradients


def check_network(gradients: Callable[..., dict[str, float]], seed: int) -> bool:
    """`check_manual` of a derivation of the article's network against autograd's."""
    model = article_network(seed=0)  # its parameters, labelled w1 .. b3, are set by the search

    def loss(x1: float, x2: float, y_true: float) -> Value:
        return mse_loss([y_true], [model([x1, x2])])

    return check_manual(
        loss,
        gradients,
        bounds=SAMPLE_BOUNDS,
        parameters=model.parameters(),
        parameter_bounds=PARAMETER_BOUNDS,
        seed=seed,
    )


if __name__ == "__main__":
    raise SystemExit(main())
