"""Compile a recorded graph once into straight-line code: readable backprop, replayed with numpy.

A scalar engine builds the same graph again for every sample and every step. `compile_graph` takes a
graph that was recorded once, with example Values, and writes it out as Python source: one line per
operation for the forward pass, then one line per derivative for the backward pass, named after the
Values' labels, in the style of a hand-derived backprop (``d_L_d_w1 = ...``):

    >>> from autograd import Value, compile_graph
    >>> x, y = Value(2.0, label="x"), Value(1.0, label="y")
    >>> w, b = Value(0.5, label="w"), Value(0.0, label="b")
    >>> y_pred = (w * x + b).sigmoid()
    >>> y_pred.label = "y_pred"
    >>> loss = (y - y_pred) ** 2
    >>> compiled = compile_graph(loss, inputs=[x, y], parameters=[w, b], outputs=[y_pred])
    >>> print(compiled.source.splitlines()[0])  # print(compiled.source) shows it all
    def forward_backward(x, y, w, b):
    >>> (loss_value, prediction), (d_w, d_b) = compiled([2.0, 1.0])  # one sample, plain floats

The same compiled graph runs on a batch, a 2-D numpy array with one row per sample and one column
per input; the parameters are shared, each output comes back as an array with one entry per sample,
and each parameter's gradient is summed over the samples (``reduction="mean"`` averages it,
``reduction="none"`` keeps one row per sample). For batches the graph is regrouped: operations of
the same kind that do not depend on each other become one numpy call (`CompiledGraph.batch_source`
shows that code), so a layer of 256 multiplications is one call, not 256.

Every derivative comes from the engine's own table, `autograd.DERIVATIVES`: each rule is run once on
stand-ins that record its arithmetic as source text instead of computing it, so each rule is still
written in one place only. Contributions to a Value used several times are added in the order the
engine adds them, so one sample gives exactly the engine's floats.

Limits:

* The trace is of one run. A Python ``if`` (or ``max``, a loop bound...) that looked at a Value's
  data while the graph was recorded is baked in: the compiled code takes the same branch for every
  sample. Use the engine's operations (``relu``, ``abs``) for data-dependent choices; they are
  compiled with their derivatives.
* Every leaf of the graph must be declared as an input (per-sample data) or a parameter (shared);
  plain numbers in the expressions are constants. Each input must reach an output and each parameter
  must be in the graph; anything else raises `ValueError` when compiling, as does a batch of the
  wrong shape when calling.
* Domain errors are the engine's: a log of a number <= 0, a sqrt of a negative, a division by
  zero, an overflowing exp raise the engine's error, naming the generated line and, in a batch,
  the sample.
"""

from __future__ import annotations

import builtins
import keyword
import linecache
import math
import operator
import re
import threading
import types
from collections.abc import Callable, Sequence
from itertools import count
from typing import Union

import numpy as np

from autograd.engine import (
    DERIVATIVES,
    Value,
    _exp,
    _log,
    _power,
    _relu,
    _sigmoid,
    _sign,
    _sqrt,
    _step,
)
from autograd.engine import as_float as _as_float
from autograd.graph import depths, topological_order, value_parents

# Union, not |: these aliases are evaluated at run time, and Python 3.10 is supported.
Outputs = tuple[Union[float, np.ndarray], ...]  # noqa: UP007
Grads = Union[tuple[float, ...], np.ndarray]  # noqa: UP007
REDUCTIONS = ("sum", "mean", "none")


# ---------------------------------------------------------------------- stand-ins that write source
# Python's binding strength, weakest first: how tightly an expression holds together decides whether
# it needs parentheses as an operand. Parentheses also keep the engine's evaluation order, which
# matters for floats: (a + b) + c and a + (b + c) can differ in the last bit.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = range(5)
_STRENGTH = {"+": _SUM, "-": _SUM, "*": _PRODUCT, "/": _PRODUCT, "**": _POWER}


class _Expr:
    """An expression built by doing arithmetic on stand-ins instead of floats; it renders as source.

    `kind` is "name", "number", "call", "neg" or a binary operator; `parts` are the name, the
    number, the function name followed by the arguments, or the operands. `names` are the stand-in
    names used, so that generated code binds only those.
    """

    __slots__ = ("kind", "names", "parts")

    def __init__(self, kind: str, parts: tuple, names: frozenset[str] = frozenset()) -> None:
        self.kind = kind
        self.parts = parts
        self.names = names

    @staticmethod
    def name(text: str) -> _Expr:
        return _Expr("name", (text,), frozenset([text]))

    @property
    def text(self) -> str:
        """Python source, powers written ``a ** b``: for people, and for floats."""
        return self.render(power_call=False)[0]

    @property
    def array_text(self) -> str:
        """Python source with powers written ``power(a, b)``: the batch code's checked power."""
        return self.render(power_call=True)[0]

    def render(self, power_call: bool) -> tuple[str, int]:
        """(source text, binding strength)."""
        if self.kind == "name":
            return self.parts[0], _ATOM
        if self.kind == "number":
            text = repr(self.parts[0])  # round-trips; inf and nan are names in the namespace
            return text, (_UNARY if text.startswith("-") else _ATOM)
        if self.kind == "call":
            function, *args = self.parts
            arguments = ", ".join(arg.render(power_call)[0] for arg in args)
            return f"{function}({arguments})", _ATOM
        if self.kind == "neg":
            operand, strength = self.parts[0].render(power_call)
            return f"-{_wrap(operand, strength <= _UNARY)}", _UNARY
        (left, left_strength), (right, right_strength) = (
            part.render(power_call) for part in self.parts
        )
        if self.kind == "**":
            if power_call:
                return f"power({left}, {right})", _ATOM
            # ** binds to the right, and its base must be an atom.
            return (
                f"{_wrap(left, left_strength < _ATOM)} ** {_wrap(right, right_strength < _UNARY)}",
                _POWER,
            )
        strength = _STRENGTH[self.kind]
        left = _wrap(left, left_strength < strength)
        right = _wrap(right, right_strength <= strength)
        return f"{left} {self.kind} {right}", strength

    def __repr__(self) -> str:
        return f"_Expr({self.text!r})"

    def __add__(self, other: object) -> _Expr:
        return _binary(self, "+", other)

    def __radd__(self, other: object) -> _Expr:
        return _binary(other, "+", self)

    def __sub__(self, other: object) -> _Expr:
        return _binary(self, "-", other)

    def __rsub__(self, other: object) -> _Expr:
        return _binary(other, "-", self)

    def __mul__(self, other: object) -> _Expr:
        return _binary(self, "*", other)

    def __rmul__(self, other: object) -> _Expr:
        return _binary(other, "*", self)

    def __truediv__(self, other: object) -> _Expr:
        return _binary(self, "/", other)

    def __rtruediv__(self, other: object) -> _Expr:
        return _binary(other, "/", self)

    def __pow__(self, other: object) -> _Expr:
        return _binary(self, "**", other)

    def __rpow__(self, other: object) -> _Expr:
        return _binary(other, "**", self)

    def __neg__(self) -> _Expr:
        return _Expr("neg", (self,), self.names)

    def __abs__(self) -> _Expr:
        return _call("abs", self)

    def __bool__(self) -> bool:
        raise TypeError("a derivative rule that branches on data cannot be written out as code")


def _as_expr(x: object) -> _Expr:
    if isinstance(x, _Expr):
        return x
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return _Expr("number", (x,))
    raise TypeError(f"cannot write {type(x).__name__} {x!r} into generated code")


def _is_one(x: object) -> bool:
    return not isinstance(x, _Expr) and x == 1


def _wrap(text: str, parenthesize: bool) -> str:
    return f"({text})" if parenthesize else text


def _binary(left: object, symbol: str, right: object) -> _Expr:
    # Multiplying by one and raising to the power one are exact no-ops on floats and on arrays;
    # dropping them keeps the seed gradient 1.0 and the power rule's a ** (2 - 1) readable.
    if symbol == "*" and _is_one(left):
        return _as_expr(right)
    if symbol in ("*", "**") and _is_one(right):
        return _as_expr(left)
    left, right = _as_expr(left), _as_expr(right)
    return _Expr(symbol, (left, right), left.names | right.names)


def _call(function: str, *args: object) -> _Expr:
    exprs = tuple(_as_expr(arg) for arg in args)
    names = frozenset().union(*(expr.names for expr in exprs))
    return _Expr("call", (function, *exprs), names)


# The functions the engine's derivative rules call, as stand-ins that write a call instead. The
# engine's private helpers _step and _sign get public names in the generated code.
_SYMBOLIC_FUNCTIONS: dict[str, Callable[..., _Expr]] = {
    name: (lambda *args, _name=name: _call(_name, *args))
    for name in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos")
}
_SYMBOLIC_FUNCTIONS["step"] = lambda x: _call("step", x)
_SYMBOLIC_FUNCTIONS["sign"] = lambda x: _call("sign", x)


def _symbolic_partial(op: str, index: int) -> Callable[..., object]:
    """The engine's derivative rule, with the functions it calls swapped for source-writing ones.

    A rule is a plain function whose module-level names (exp, log, _step...) are looked up when it
    runs; giving its code a namespace of stand-ins turns it into a writer of source text, without
    touching the engine or the rule.
    """
    rule = DERIVATIVES[op][index]
    if not isinstance(rule, types.FunctionType):
        raise ValueError(f"cannot compile {op!r}: its derivative rule is not a plain function")
    namespace = {"__builtins__": builtins, **_SYMBOLIC_FUNCTIONS}
    return types.FunctionType(
        rule.__code__, namespace, rule.__name__, rule.__defaults__, rule.__closure__
    )


def _partial_expr(op: str, index: int, g: object, out: _Expr, args: Sequence[object]) -> _Expr:
    """g * d(out)/d(input `index`) of `op` as source text, from the engine's rule."""
    try:
        return _as_expr(_symbolic_partial(op, index)(g, out, *args))
    except (NameError, TypeError) as error:
        raise ValueError(
            f"cannot compile the derivative of {op!r}: its rule does more than arithmetic and "
            f"the functions exp, log, sqrt, tanh, sigmoid, relu, sin, cos, _step, _sign ({error})"
        ) from None


def _forward_expr(op: str, args: Sequence[_Expr], constant_exponent: float | None) -> _Expr:
    """One operation's forward rule as source text."""
    if op in _OPERATORS:
        return _OPERATORS[op](*args)
    if op == "**":
        # a ** b on floats turns a negative base to a fractional power into a complex number;
        # `power` has the engine's checks. An integral constant exponent is always safe.
        if constant_exponent is not None and float(constant_exponent).is_integer():
            return args[0] ** args[1]
        return _call("power", *args)
    if op in _FUNCTION_OPS:
        return _call(op, *args)
    raise ValueError(f"cannot compile the operation {op!r}: it has no forward rule here")


_OPERATORS: dict[str, Callable[..., _Expr]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "neg": operator.neg,
}
_FUNCTION_OPS = ("abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos")


# ---------------------------------------------------------------------- what generated code calls
# For one sample: the engine's own float rules and checks, so the results are the engine's floats.
_FLOAT_FUNCTIONS: dict[str, object] = {
    "exp": _exp,
    "log": _log,
    "sqrt": _sqrt,
    "tanh": math.tanh,
    "sigmoid": _sigmoid,
    "relu": _relu,
    "sin": math.sin,
    "cos": math.cos,
    "abs": abs,
    "power": _power,
    "step": _step,
    "sign": _sign,
    "inf": math.inf,
    "nan": math.nan,
}


def _element_by_element(function: Callable[[float], float]) -> Callable[[np.ndarray], np.ndarray]:
    """Apply one of the engine's float functions to every element of an array."""

    def apply(a: np.ndarray | float) -> np.ndarray:
        a = np.asarray(a, dtype=float)  # a constant argument, log(2.0), is a plain float
        results = map(function, a.ravel().tolist())
        return np.fromiter(results, dtype=float, count=a.size).reshape(a.shape)

    apply.__name__ = function.__name__
    return apply


def _array_power(a: np.ndarray, b: np.ndarray | float) -> np.ndarray:
    """The engine's checked power, element by element (broadcasting a constant exponent)."""
    a, b = np.broadcast_arrays(a, b)
    results = map(_power, a.ravel().tolist(), b.ravel().tolist())
    return np.fromiter(results, dtype=float, count=a.size).reshape(a.shape)


def _ordered_sum(stack: np.ndarray) -> np.ndarray:
    """Sum a (terms, rows, samples) stack over its first axis strictly left to right.

    numpy's sum may pair terms up; the engine adds a Value's gradient contributions one after
    the other, and so do we, to get its floats.
    """
    total = stack[0].copy()
    for layer in stack[1:]:
        total += layer
    return total


# For batches: functions on arrays with one row per node and one column per sample. numpy's exp,
# log, tanh and power differ from the math module's in the last bit for a few percent of arguments,
# and a saturated unit turns that into a visible difference (1 - tanh(a) ** 2 for tanh(a) near 1).
# So those run the engine's own float functions element by element, slower but the engine's
# numbers; numpy's arithmetic, sqrt, sin, cos, abs and comparisons give the same floats as Python's.
_ARRAY_FUNCTIONS: dict[str, object] = {
    "exp": _element_by_element(_exp),
    "log": _element_by_element(_log),
    "sqrt": np.sqrt,
    "tanh": _element_by_element(math.tanh),
    "sigmoid": _element_by_element(_sigmoid),
    "relu": lambda a: np.where(a <= 0.0, 0.0, a),  # NaN passes through, as in the engine
    "sin": np.sin,
    "cos": np.cos,
    "abs": np.abs,
    "power": _array_power,
    "step": lambda a: (a > 0.0).astype(float),
    "sign": lambda a: (a > 0.0).astype(float) - (a < 0.0),
    "inf": math.inf,
    "nan": math.nan,
    "ordered_sum": _ordered_sum,
}

_RESERVED = set(_FLOAT_FUNCTIONS) | set(_ARRAY_FUNCTIONS) | {"forward_backward", "values", "grads"}


# ---------------------------------------------------------------------- the trace
class _Trace:
    """The recorded graph, checked, ordered and named; what both code writers start from."""

    def __init__(
        self,
        loss: Value,
        inputs: Sequence[Value],
        parameters: Sequence[Value],
        outputs: Sequence[Value],
    ) -> None:
        self.inputs = _check_values(inputs, "inputs")
        self.parameters = _check_values(parameters, "parameters")
        self.outputs = (_check_value(loss, "loss"), *_check_values(outputs, "outputs"))
        _check_leaves(self.inputs, self.parameters)

        self.order = topological_order(self.outputs)
        _check_coverage(self.order, self.inputs, self.parameters)

        # Backward order: the engine's (reverse of its topological order), so that contributions to
        # a Value used several times are added in the engine's order, giving the engine's floats.
        loss_order = topological_order(loss)
        parameters_set = set(self.parameters)
        self.needs_grad: set[Value] = set()  # Values a parameter's gradient flows through
        for node in loss_order:
            if node in parameters_set or any(
                parent in self.needs_grad for parent in value_parents(node)
            ):
                self.needs_grad.add(node)
        self.backward_order = [
            node for node in reversed(loss_order) if node.parents and node in self.needs_grad
        ]
        # contributions[v]: the (user, argument position) pairs whose derivative flows into v.
        self.contributions: dict[Value, list[tuple[Value, int]]] = {}
        for user in self.backward_order:
            for position, parent in enumerate(user.parents):
                if isinstance(parent, Value) and parent in self.needs_grad:
                    self.contributions.setdefault(parent, []).append((user, position))
        self.names = _name_nodes(self.order, self.inputs, self.parameters, loss)


def _check_value(value: object, what: str) -> Value:
    if not isinstance(value, Value):
        raise TypeError(f"compile_graph: {what} must be a Value, not {type(value).__name__}")
    return value


def _check_values(values: object, what: str) -> tuple[Value, ...]:
    if isinstance(values, Value) or not isinstance(values, Sequence):
        raise TypeError(f"compile_graph: {what} must be a list or tuple of Values")
    for position, value in enumerate(values):
        _check_value(value, f"{what}[{position}]")
    if len(set(values)) != len(values):
        raise ValueError(f"compile_graph: the same Value appears twice in {what}")
    return tuple(values)


def _describe(value: Value) -> str:
    return f"{value.label!r} (data={value.data!r})" if value.label else f"with data={value.data!r}"


def _check_leaves(inputs: tuple[Value, ...], parameters: tuple[Value, ...]) -> None:
    for what, values in (("input", inputs), ("parameter", parameters)):
        for value in values:
            if not value.is_leaf:
                raise ValueError(
                    f"compile_graph: the {what} {_describe(value)} is the result of a "
                    f"{value.op!r} operation; inputs and parameters must be leaves"
                )
    both = set(inputs) & set(parameters)
    if both:
        raise ValueError(
            f"compile_graph: {_describe(next(iter(both)))} is both an input and a parameter"
        )


def _check_coverage(
    order: list[Value], inputs: tuple[Value, ...], parameters: tuple[Value, ...]
) -> None:
    seen = set(order)
    declared = set(inputs) | set(parameters)
    for node in order:
        if node.is_leaf and node not in declared:
            raise ValueError(
                f"compile_graph: the graph uses the Value {_describe(node)}, which is neither an "
                "input nor a parameter; declare it as one, or write a constant as a plain number"
            )
    for what, values in (("input", inputs), ("parameter", parameters)):
        for value in values:
            if value not in seen:
                raise ValueError(
                    f"compile_graph: the outputs do not depend on the {what} {_describe(value)}; "
                    "the trace did not see it"
                )


def _identifier(label: str) -> str:
    """A Python name close to `label` ("L0.N1.w0" -> "L0_N1_w0"), or "" when nothing is left."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", label)
    if name and name[0].isdigit():
        name = "v_" + name
    if keyword.iskeyword(name) or name in _RESERVED:
        name += "_"
    return name


def _name_nodes(
    order: list[Value], inputs: tuple[Value, ...], parameters: tuple[Value, ...], loss: Value
) -> dict[Value, str]:
    """A unique variable name for every node: its label where it has one, else x0, p0, t0..."""
    used: set[str] = set()
    names: dict[Value, str] = {}
    temporaries = count(1)

    def claim(node: Value, fallback: str | None) -> None:
        base = _identifier(node.label) or fallback
        if base is None:  # an unlabelled intermediate result: the next free t1, t2, ...
            base = next(f"t{n}" for n in temporaries if f"t{n}" not in used)
        name, suffix = base, 2
        while name in used:
            name, suffix = f"{base}_{suffix}", suffix + 1
        used.add(name)
        names[node] = name

    for position, value in enumerate(inputs):
        claim(value, f"x{position}")
    for position, value in enumerate(parameters):
        claim(value, f"p{position}")
    if loss not in names:
        claim(loss, "L")
    for node in order:
        if node not in names:
            claim(node, None)
    return names


# ---------------------------------------------------------------------- readable source
def _write_source(trace: _Trace) -> str:
    """One function, one line per operation forward, then one line per derivative backward."""
    names = trace.names

    def operand(parent: Value | float) -> _Expr | float:
        # Constants stay numbers, so that a rule's arithmetic on them is done now: x ** 2 gets the
        # derivative 2.0 * x, not 2.0 * x ** (2.0 - 1).
        return _Expr.name(names[parent]) if isinstance(parent, Value) else parent

    loss = trace.outputs[0]
    loss_name = names[loss]
    arguments = ", ".join(names[value] for value in (*trace.inputs, *trace.parameters))
    lines = [f"def forward_backward({arguments}):", "    # forward: one operation per line"]
    for node in trace.order:
        if node.is_leaf:
            continue
        args = [operand(parent) for parent in node.parents]
        exponent = args[1] if node.op == "**" and isinstance(args[1], float) else None
        expr = _forward_expr(node.op, [_as_expr(arg) for arg in args], exponent)
        lines.append(f"    {names[node]} = {expr.text}")

    lines.append(f"    # backward: d_{loss_name}_d_v is d{loss_name}/dv, summed over all uses of v")
    used_names = set(names.values())
    gradient: dict[Value, _Expr | float] = {loss: 1.0}
    owns_name: set[Value] = set()  # others borrow a user's name: the gradient passed through a sum

    def claim_gradient_name(node: Value) -> str:
        base = f"d_{loss_name}_d_{names[node]}"
        name, suffix = base, 2
        while name in used_names:
            name, suffix = f"{base}_{suffix}", suffix + 1
        used_names.add(name)
        owns_name.add(node)
        return name

    for user in trace.backward_order:
        args = [operand(parent) for parent in user.parents]
        for position, parent in enumerate(user.parents):
            if not isinstance(parent, Value) or parent not in trace.needs_grad:
                continue
            term = _partial_expr(user.op, position, gradient[user], _Expr.name(names[user]), args)
            if parent not in gradient and term.kind == "name":
                gradient[parent] = term
                continue
            name = gradient[parent].text if parent in owns_name else claim_gradient_name(parent)
            total = gradient[parent] + term if parent in gradient else term
            lines.append(f"    {name} = {total.text}")
            gradient[parent] = _Expr.name(name)

    values = ", ".join(names[output] for output in trace.outputs)
    grads = ", ".join(_as_expr(gradient.get(p, 0.0)).text for p in trace.parameters)
    lines.append(f"    return ({values},), ({grads}{',' if grads else ''})")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------- grouped batch code
class _BatchWriter:
    """Writes the batch function: same-kind operations that do not depend on each other, one call.

    The function works on two buffers with one column per sample: `values` (a row per node: the
    inputs, the parameters, then every operation's result) and `grads` (a row per gradient
    contribution; row 0 holds ones, the seed, and row 1 zeros). Rows of one group are contiguous,
    so a group's results are written with one slice assignment.
    """

    ONES, ZEROS = 0, 1

    def __init__(self, trace: _Trace) -> None:
        self.trace = trace
        self.lines: list[str] = []
        self.namespace: dict[str, object] = dict(_ARRAY_FUNCTIONS)
        self.constants = count()
        self.fetched: dict[tuple[str, tuple[int, ...]], str] = {}
        self.row: dict[Value, int] = {}
        for value in (*trace.inputs, *trace.parameters):
            self.row[value] = len(self.row)
        self.value_rows = 0  # set once the operations have their rows
        self.grad_rows = 2
        self.grad_row: dict[Value, int] = {trace.outputs[0]: self.ONES}
        self.contribution_row: dict[tuple[Value, int], int] = {}

    def write(self) -> str:
        groups = self._groups()
        self.lines.append("def batch_forward_backward(values, grads):")
        for key, nodes in groups:
            self._forward(key, nodes)
        for key, nodes in reversed(groups):
            nodes = [node for node in nodes if node in self.trace.needs_grad]
            if nodes:
                self._backward(key, nodes)
        parameter_rows = self._total_gradient_rows(self.trace.parameters)
        outputs = self._fetch("values", [self.row[node] for node in self.trace.outputs])
        grads = self._fetch("grads", parameter_rows)
        self.lines.append(f"    return {outputs}, {grads}")
        return "\n".join(self.lines) + "\n"

    def _groups(self) -> list[tuple[tuple[int, str, tuple[bool, ...]], list[Value]]]:
        """Operations grouped by depth, op and which arguments are constants, in depth order."""
        depth = depths(self.trace.order)
        groups: dict[tuple[int, str, tuple[bool, ...]], list[Value]] = {}
        for node in self.trace.order:
            if node.is_leaf:
                continue
            constants = tuple(not isinstance(parent, Value) for parent in node.parents)
            groups.setdefault((depth[node], node.op, constants), []).append(node)
        ordered = sorted(groups.items(), key=lambda item: item[0])
        for _, nodes in ordered:
            for node in nodes:
                self.row[node] = len(self.row)
        self.value_rows = len(self.row)
        return ordered

    # -------------------------------------------------------------- text of a fetch
    def _name(self, prefix: str, array: np.ndarray) -> str:
        name = f"{prefix}{next(self.constants)}"
        self.namespace[name] = array
        return name

    def _fetch(self, buffer: str, rows: Sequence[int]) -> str:
        """Source that reads these rows of a buffer: a slice when they are contiguous."""
        rows = tuple(rows)
        start = rows[0] if rows else 0
        if rows == tuple(range(start, start + len(rows))):
            return f"{buffer}[{start}:{start + len(rows)}]"
        if (buffer, rows) not in self.fetched:
            index = self._name("rows", np.array(rows, dtype=np.intp))
            self.fetched[buffer, rows] = f"{buffer}.take({index}, 0)"
        return self.fetched[buffer, rows]

    def _arguments(self, nodes: list[Value]) -> tuple[list[object], dict[str, Callable[[], str]]]:
        """The stand-ins for the nodes' arguments, and how to fetch each for all of `nodes`.

        A constant shared by every node is passed as the number itself, so that rules fold it.
        """
        args: list[object] = []
        fetches: dict[str, Callable[[], str]] = {}
        for position, name in enumerate(_ARGUMENT_NAMES[: len(nodes[0].parents)]):
            parents = [node.parents[position] for node in nodes]
            if isinstance(parents[0], Value):
                rows = [self.row[parent] for parent in parents]
                fetches[name] = lambda rows=rows: self._fetch("values", rows)
            elif len(set(parents)) == 1:
                args.append(parents[0])
                continue
            else:
                column = np.array(parents, dtype=float)[:, None]
                fetches[name] = lambda column=column: self._name("constants", column)
            args.append(_Expr.name(name))
        return args, fetches

    def _emit(self, target: str, expr: _Expr, fetches: dict, bound: dict[str, str]) -> None:
        """`target = expr`, after binding the stand-ins `expr` uses (unless already bound so)."""
        for name in sorted(expr.names):
            text = fetches[name]()
            if bound.get(name) != text:
                self.lines.append(f"    {name} = {text}")
                bound[name] = text
        self.lines.append(f"    {target} = {expr.array_text}")

    # -------------------------------------------------------------- forward
    def _forward(self, key: tuple[int, str, tuple[bool, ...]], nodes: list[Value]) -> None:
        depth, op, _ = key
        args, fetches = self._arguments(nodes)
        expr = _forward_expr(op, [_as_expr(arg) for arg in args], constant_exponent=None)
        self.lines.append(f"    # depth {depth}: {len(nodes)} x {op}")
        target = self._fetch("values", [self.row[node] for node in nodes])
        self._emit(target, expr, fetches, {})

    # -------------------------------------------------------------- backward
    def _new_grad_rows(self, n: int) -> list[int]:
        rows = list(range(self.grad_rows, self.grad_rows + n))
        self.grad_rows += n
        return rows

    def _total_gradient_rows(self, nodes: Sequence[Value]) -> list[int]:
        """The grads row holding each node's total gradient; sums those with several terms."""
        several = []
        for node in nodes:
            terms = self.trace.contributions.get(node, [])
            if node in self.grad_row:
                continue
            if not terms:
                self.grad_row[node] = self.ZEROS
            elif len(terms) == 1:
                self.grad_row[node] = self.contribution_row[terms[0]]
            else:
                several.append(node)
        if several:
            term_rows = [
                [self.contribution_row[term] for term in self.trace.contributions[node]]
                for node in several
            ]
            longest = max(len(rows) for rows in term_rows)
            # One layer per term position, padded with zeros: adding 0.0 changes nothing.
            stack = [
                row
                for i in range(longest)
                for row in (rows[i] if i < len(rows) else self.ZEROS for rows in term_rows)
            ]
            totals = self._new_grad_rows(len(several))
            self.lines.append(
                f"    {self._fetch('grads', totals)} = "
                f"ordered_sum({self._fetch('grads', stack)}.reshape({longest}, {len(several)}, -1))"
            )
            for node, row in zip(several, totals):
                self.grad_row[node] = row
        return [self.grad_row[node] for node in nodes]

    def _backward(self, key: tuple[int, str, tuple[bool, ...]], nodes: list[Value]) -> None:
        depth, op, constants = key
        start = len(self.lines)
        grad_rows = dict(zip(nodes, self._total_gradient_rows(nodes)))
        bound: dict[str, str] = {}
        for position, is_constant in enumerate(constants):
            users = [
                node
                for node in nodes
                if not is_constant and node.parents[position] in self.trace.needs_grad
            ]
            if not users:
                continue
            args, fetches = self._arguments(users)
            # The loss is alone at its depth; its gradient is the seed 1.0, folded in as a number.
            g = 1.0 if users == [self.trace.outputs[0]] else _Expr.name("g")
            expr = _partial_expr(op, position, g, _Expr.name("out"), args)
            if expr.kind == "name" and expr.parts == ("g",):
                # The gradient passes on unchanged (through a sum): share its row.
                for user in users:
                    self.contribution_row[(user, position)] = grad_rows[user]
                continue
            fetches["g"] = lambda users=users: self._fetch("grads", [grad_rows[u] for u in users])
            fetches["out"] = lambda users=users: self._fetch("values", [self.row[u] for u in users])
            rows = self._new_grad_rows(len(users))
            for user, row in zip(users, rows):
                self.contribution_row[(user, position)] = row
            self._emit(self._fetch("grads", rows), expr, fetches, bound)
        if len(self.lines) > start:
            self.lines.insert(start, f"    # back through depth {depth}: {len(nodes)} x {op}")


_ARGUMENT_NAMES = ("a", "b")


# ---------------------------------------------------------------------- the compiled graph
_SOURCE_IDS = count(1)


def _load(source: str, function: str, namespace: dict[str, object], what: str) -> Callable:
    """Compile generated source; register it with linecache so tracebacks show its lines."""
    filename = f"<compiled graph {next(_SOURCE_IDS)}: {what}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    scope = dict(namespace)
    exec(compile(source, filename, "exec"), scope)
    return scope[function]


class CompiledGraph:
    """A graph compiled by `compile_graph`: call it on one sample or on a batch.

    Attributes: `source` (the readable forward and backward code, run for one sample),
    `batch_source` (the grouped numpy code run for batches), `inputs`, `parameters`, `outputs`
    (the Values of the trace, the loss first).
    """

    def __init__(self, trace: _Trace) -> None:
        self.inputs = trace.inputs
        self.parameters = trace.parameters
        self.outputs = trace.outputs
        self.source = _write_source(trace)
        self._forward_backward = _load(
            self.source, "forward_backward", _FLOAT_FUNCTIONS, "forward_backward"
        )
        writer = _BatchWriter(trace)
        self.batch_source = writer.write()
        self._batch_forward_backward = _load(
            self.batch_source, "batch_forward_backward", writer.namespace, "batch"
        )
        self._value_rows = writer.value_rows
        self._grad_rows = writer.grad_rows
        self._input_names = [trace.names[value] for value in self.inputs]
        self._operations = sum(1 for node in trace.order if not node.is_leaf)
        self._kept = threading.local()

    def __repr__(self) -> str:
        return (
            f"CompiledGraph({len(self.inputs)} inputs, {len(self.parameters)} parameters, "
            f"{len(self.outputs)} outputs, {self._operations} operations)"
        )

    def __call__(
        self,
        data: Sequence[float] | np.ndarray,
        parameters: Sequence[float] | np.ndarray | None = None,
        *,
        reduction: str = "sum",
    ) -> tuple[Outputs, Grads]:
        """Run forward and backward: ``(outputs, gradients)``, the loss first among the outputs.

        `data` is one sample (a list, tuple or 1-D array with one number per input), giving float
        outputs and a tuple of float gradients; or a batch (a 2-D numpy array, one row per sample),
        giving one array per output (an entry per sample) and a numpy array of gradients, one per
        parameter, summed over the batch (``reduction="mean"``: averaged; ``"none"``: an array of
        shape (samples, parameters)). `parameters` are the values to use, in order; by default
        each parameter Value's current `data`. The parameter Values are not modified.
        """
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {REDUCTIONS}, not {reduction!r}")
        values = self._parameter_values(parameters)
        if isinstance(data, np.ndarray) and data.ndim == 2:
            return self._run_batch(self._checked_batch(data), values, reduction)
        return self._run_sample(self._checked_sample(data), values)

    def backward(self, data: Sequence[float] | np.ndarray, *, reduction: str = "sum") -> Outputs:
        """Run on `data` with the parameters' current values, add the gradients into their `.grad`.

        Parameters accumulate, as leaves do with `Value.backward`: zero them between steps (an
        optimiser's ``zero_grad``). Returns the outputs, as calling the compiled graph does.
        """
        outputs, grads = self(data, reduction=reduction)
        if reduction == "none" and isinstance(grads, np.ndarray) and grads.ndim == 2:
            grads = grads.sum(axis=0)
        for parameter, gradient in zip(self.parameters, grads):
            parameter.grad = parameter.grad + float(gradient)
        return outputs

    # -------------------------------------------------------------- checks
    def _parameter_values(self, parameters: Sequence[float] | np.ndarray | None) -> list[float]:
        if parameters is None:
            return [parameter.data for parameter in self.parameters]
        if isinstance(parameters, np.ndarray):
            if parameters.ndim != 1 or parameters.dtype.kind not in "fiu":
                raise ValueError(
                    "parameters must be a 1-D array of real numbers, not an array of shape "
                    f"{parameters.shape} and dtype {parameters.dtype}"
                )
            parameters = parameters.tolist()
        elif not isinstance(parameters, Sequence) or isinstance(parameters, str):
            raise TypeError(
                f"parameters must be a list, tuple or 1-D array, not {type(parameters).__name__}"
            )
        if len(parameters) != len(self.parameters):
            raise ValueError(
                f"expected {len(self.parameters)} parameter values, got {len(parameters)}"
            )
        return [_as_float(value, "a parameter value") for value in parameters]

    def _checked_sample(self, data: object) -> list[float]:
        if isinstance(data, np.ndarray):
            if data.ndim != 1:
                raise ValueError(
                    "data must be one sample (1-D) or a batch (2-D, one row per sample), "
                    f"not an array of shape {data.shape}"
                )
            data = data.tolist()
        elif isinstance(data, (Value, str)) or not isinstance(data, Sequence):
            raise TypeError(
                "data must be one sample (a list, tuple or 1-D array of numbers) or a batch "
                f"(a 2-D numpy array), not {type(data).__name__}"
            )
        elif data and isinstance(data[0], (Sequence, np.ndarray)) and not isinstance(data[0], str):
            raise TypeError("a batch must be a 2-D numpy array: pass np.array(rows)")
        if len(data) != len(self.inputs):
            raise ValueError(self._shape_message(f"one sample of {len(data)} numbers"))
        return [x if type(x) is float else _as_float(x, "an input") for x in data]

    def _checked_batch(self, data: np.ndarray) -> np.ndarray:
        if data.dtype.kind not in "fiu":
            raise TypeError(f"a batch must hold real numbers, not dtype {data.dtype}")
        if data.shape[1] != len(self.inputs) or data.shape[0] == 0:
            raise ValueError(self._shape_message(f"a batch of shape {data.shape}"))
        return data

    def _shape_message(self, received: str) -> str:
        columns = ", ".join(self._input_names)
        return (
            f"expected {len(self.inputs)} inputs per sample ({columns}): one sample as a list, or "
            f"a batch of shape (samples >= 1, {len(self.inputs)}); got {received}"
        )

    # -------------------------------------------------------------- running
    def _run_sample(self, sample: list[float], parameters: list[float]) -> tuple[Outputs, Grads]:
        try:
            return self._forward_backward(*sample, *parameters)
        except (ArithmeticError, ValueError) as error:
            raise type(error)(f"{error} (at {_generated_line(error)})") from error

    def _buffers(self, samples: int) -> tuple[np.ndarray, np.ndarray]:
        """The work arrays for a batch size, kept between calls (per thread): fresh large arrays
        would cost more in page faults than a small network's whole step."""
        kept = self._kept
        if getattr(kept, "samples", None) != samples:
            kept.values = np.empty((self._value_rows, samples))
            kept.grads = np.empty((self._grad_rows, samples))
            kept.grads[_BatchWriter.ONES] = 1.0
            kept.grads[_BatchWriter.ZEROS] = 0.0
            kept.samples = samples
        return kept.values, kept.grads

    def _run_batch(
        self, data: np.ndarray, parameters: list[float], reduction: str
    ) -> tuple[Outputs, Grads]:
        values, grads = self._buffers(data.shape[0])
        values[: len(self.inputs)] = data.T
        values[len(self.inputs) : len(self.inputs) + len(parameters)] = np.array(parameters)[
            :, None
        ]
        try:
            with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
                outputs, parameter_grads = self._batch_forward_backward(values, grads)
        except (ArithmeticError, ValueError):
            # An engine function raised, or numpy flagged an inf or nan, which the engine does only
            # for its domain errors. Run the samples one by one to raise the engine's error, naming
            # the sample; if none raises, the infinities are the engine's too (1e200 * 1e200 is
            # inf for floats as well).
            for index, sample in enumerate(data.tolist()):
                try:
                    self._run_sample(sample, parameters)
                except (ArithmeticError, ValueError) as error:
                    raise type(error)(f"sample {index} of the batch: {error}") from error
            with np.errstate(all="ignore"):
                outputs, parameter_grads = self._batch_forward_backward(values, grads)
        if reduction == "sum":
            reduced = parameter_grads.sum(axis=1)
        elif reduction == "mean":
            reduced = parameter_grads.mean(axis=1)
        else:
            reduced = parameter_grads.T.copy()
        # The rows are views of buffers the next call of this batch size reuses: hand out copies.
        return tuple(row.copy() for row in outputs), reduced


def _generated_line(error: BaseException) -> str:
    """'line n of the compiled code: <text>' for the deepest generated frame of a traceback."""
    where = "the compiled code"
    traceback = error.__traceback__
    while traceback is not None:
        filename = traceback.tb_frame.f_code.co_filename
        if filename.startswith("<compiled graph"):
            text = linecache.getline(filename, traceback.tb_lineno).strip()
            where = f"line {traceback.tb_lineno} of the compiled code: {text}"
        traceback = traceback.tb_next
    return where


def compile_graph(
    loss: Value,
    inputs: Sequence[Value],
    parameters: Sequence[Value],
    *,
    outputs: Sequence[Value] = (),
) -> CompiledGraph:
    """Compile the graph recorded behind `loss` into straight-line forward and backward code.

    `inputs` are the leaves that hold per-sample data (their values in the trace are examples),
    `parameters` the leaves shared by all samples; the gradients are those of `loss` with respect
    to each parameter. `outputs` are further Values to compute along (predictions, say); they are
    returned after the loss and are not differentiated. See the module docstring for the limits.
    """
    return CompiledGraph(_Trace(loss, inputs, parameters, outputs))
