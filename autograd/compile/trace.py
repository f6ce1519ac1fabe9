"""The first stage: the recorded graph, checked, ordered and named, as both code writers need it."""

from __future__ import annotations

import keyword
import re
from collections.abc import Sequence
from functools import cached_property
from itertools import count

from autograd.backprop import has_hooks
from autograd.define import READABLE_CODE_NAMES
from autograd.engine import Value
from autograd.graph import topological_order, value_parents
from autograd.guards import Guard, GuardLog
from autograd.operations import OPERATIONS


class Trace:
    """The graph behind `loss` and `outputs`, with its inputs and parameters declared.

    `order` is every Value in topological order; `needs_grad` the Values a parameter's gradient
    flows back through; `names` a Python name for every Value.
    """

    def __init__(
        self,
        loss: Value,
        inputs: Sequence[Value],
        parameters: Sequence[Value],
        outputs: Sequence[Value],
        guards: Sequence[Guard] | None = None,
    ) -> None:
        self.inputs = _check_values(inputs, "inputs")
        self.parameters = _check_values(parameters, "parameters")
        self.outputs = (_check_value(loss, "loss"), *_check_values(outputs, "outputs"))
        _check_leaves(self.inputs, self.parameters)
        # None: no guards were recorded, so nothing is known of the branches the trace took.
        self.guards = (
            None if guards is None else _graph_guards(guards, self.inputs, self.parameters)
        )

        # The Values the guards compare come first, in the order the comparisons ran: the code
        # then computes only what the program computed before each comparison, and checks it there.
        guarded = [value for guard in self.guards or () for value in guard.values]
        self.order = topological_order([*guarded, *self.outputs])
        _check_coverage(self.order, self.inputs, self.parameters)
        _check_operations(self.order)

        parameters_set = set(self.parameters)
        self.needs_grad: set[Value] = set()
        for node in topological_order(loss):
            if node in parameters_set or any(
                parent in self.needs_grad for parent in value_parents(node)
            ):
                self.needs_grad.add(node)

    # Only the readable source needs names; a model trained on batches never computes them.
    @cached_property
    def names(self) -> dict[Value, str]:
        return _name_nodes(self.order, self.inputs, self.parameters, self.loss)

    @property
    def loss(self) -> Value:
        return self.outputs[0]


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


def _graph_guards(
    guards: object, inputs: tuple[Value, ...], parameters: tuple[Value, ...]
) -> tuple[Guard, ...]:
    """The guards of this graph: those whose Values read one of its inputs, or only its parameters.

    A log may hold the comparisons of several graphs (one per sample, sharing the parameters); a
    guard reading another sample's inputs is that sample's. A guard of this graph that reads a
    Value which is neither an input nor a parameter cannot be checked: that raises.
    """
    if not isinstance(guards, GuardLog):
        raise TypeError(
            "compile_graph: guards must be the log of a record_guards() block "
            f"(with record_guards() as guards: ...), not {type(guards).__name__}"
        )
    compared = [value for guard in guards for value in guard.values]
    if not compared:
        return ()
    input_set, parameter_set = set(inputs), set(parameters)
    # For every Value below a comparison: does it read an input, and a leaf not declared?
    reads_input: dict[Value, bool] = {}
    reads_undeclared: dict[Value, bool] = {}
    for node in topological_order(compared):
        parents = value_parents(node)
        reads_input[node] = node in input_set or any(reads_input[p] for p in parents)
        reads_undeclared[node] = (
            node.is_leaf and node not in input_set and node not in parameter_set
        ) or any(reads_undeclared[p] for p in parents)
    kept = []
    for guard in guards:
        reads_inputs = any(reads_input[value] for value in guard.values)
        undeclared = any(reads_undeclared[value] for value in guard.values)
        if reads_inputs and undeclared:
            raise ValueError(
                f"compile_graph: the comparison written at {guard.written_at} reads the graph's "
                "inputs and a Value that is neither an input nor a parameter; declare that "
                "Value, or compare with a plain number"
            )
        if reads_inputs or not undeclared:
            kept.append(guard)
    return tuple(kept)


def named(value: Value) -> str:
    return f"{value.label!r} (data={value.data!r})" if value.label else f"with data={value.data!r}"


def _check_leaves(inputs: tuple[Value, ...], parameters: tuple[Value, ...]) -> None:
    for what, values in (("input", inputs), ("parameter", parameters)):
        for value in values:
            if not value.is_leaf:
                raise ValueError(
                    f"compile_graph: the {what} {named(value)} is the result of a "
                    f"{value.op!r} operation; inputs and parameters must be leaves"
                )
    both = set(inputs) & set(parameters)
    if both:
        raise ValueError(
            f"compile_graph: {named(next(iter(both)))} is both an input and a parameter"
        )


def _check_coverage(
    order: list[Value], inputs: tuple[Value, ...], parameters: tuple[Value, ...]
) -> None:
    seen = set(order)
    declared = set(inputs) | set(parameters)
    for node in order:
        if node.is_leaf and node not in declared:
            raise ValueError(
                f"compile_graph: the graph uses the Value {named(node)}, which is neither an "
                "input nor a parameter; declare it as one, or write a constant as a plain number"
            )
    for what, values in (("input", inputs), ("parameter", parameters)):
        for value in values:
            if value not in seen:
                raise ValueError(
                    f"compile_graph: the outputs do not depend on the {what} {named(value)}; "
                    "the trace did not see it"
                )


def _check_operations(order: list[Value]) -> None:
    for node in order:
        if not node.is_leaf and node.op not in OPERATIONS:
            raise ValueError(f"cannot compile the operation {node.op!r}: it is not registered")
        if has_hooks(node):
            raise ValueError(
                f"compile_graph: the Value {named(node)} has a hook, and compiled code runs "
                "without calling back into Python; remove the hook (handle.remove()) first"
            )


def identifier(label: str, taken: set[str]) -> str:
    """A Python name close to `label` ("L0.N1.w0" -> "L0_N1_w0"), or "" when nothing is left;
    a name in `taken` gets a trailing underscore."""
    name = re.sub(r"[^0-9A-Za-z_]", "_", label)
    if name and name[0].isdigit():
        name = "v_" + name
    if name.startswith("__"):  # __debug__ cannot be assigned, and dunders are Python's own
        name = "v" + name
    if keyword.iskeyword(name) or name in taken:
        name += "_"
    return name


def _taken_by_generated_code() -> set[str]:
    """The names the readable code binds for itself or calls: a Value labelled so gets another."""
    return {operation.call_name for operation in OPERATIONS.values()} | READABLE_CODE_NAMES


class Namer:
    """Unique names: the base itself if free, else base_2, base_3, ..., in constant time."""

    def __init__(self, taken: Sequence[str] = ()) -> None:
        self.used: set[str] = set(taken)
        self._next_suffix: dict[str, int] = {}

    def claim(self, base: str) -> str:
        name = base
        suffix = self._next_suffix.get(base, 2)
        while name in self.used:
            name, suffix = f"{base}_{suffix}", suffix + 1
        self._next_suffix[base] = suffix
        self.used.add(name)
        return name


def _name_nodes(
    order: list[Value], inputs: tuple[Value, ...], parameters: tuple[Value, ...], loss: Value
) -> dict[Value, str]:
    """A unique variable name for every node: its label where it has one, else x0, p0, t1..."""
    taken = _taken_by_generated_code()
    namer = Namer(sorted(taken))
    names: dict[Value, str] = {}
    temporaries = count(1)

    def claim(node: Value, fallback: str | None) -> None:
        base = identifier(node.label, taken) or fallback
        if base is None:  # an unlabelled intermediate result: the next free t1, t2, ...
            base = next(f"t{n}" for n in temporaries if f"t{n}" not in namer.used)
        names[node] = namer.claim(base)

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
