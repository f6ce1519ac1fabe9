"""The third stage: the batch plan, a value that says how a whole batch runs.

A scalar graph of an MLP is mostly sums of products: a neuron is ``w1*x1 + ... + wn*xn + b``.
Run operation by operation, a layer of width W is W dependent additions; the plan instead finds
each such sum (a tree of ``+`` whose terms multiply a parameter or a constant by a Value), groups
the sums that read the same operand vector, and runs each group as one matrix product. Sums of
plain terms (a sum of per-sample losses) become one reduction. Every other operation is grouped
with the operations of its kind that do not depend on each other, and runs as one numpy call.

`make_plan` computes the plan from a trace and changes nothing; `plan_text` prints it. The batch
code writer (`autograd.compile.batch`) turns it into Python.

Where the numbers live when the plan runs: `values` has a row per Value that varies by sample
(the inputs first, then each step's results, a step's rows contiguous) and a column per sample;
`coefficients` is a vector of the parameters followed by the constants the sums use. `grads`
mirrors `values` (the loss's gradient with respect to each row), and `coefficient_grads` mirrors
`coefficients` (summed over the samples).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Union, cast

from autograd.compile.trace import Trace
from autograd.engine import Value
from autograd.graph import value_parents
from autograd.guards import Guard
from autograd.operations import ADD, MUL


@dataclass(frozen=True)
class Rows:
    """An operand read from rows of `values`, one row per node of the step."""

    rows: tuple[int, ...]


@dataclass(frozen=True)
class Coefficients:
    """An operand read from `coefficients` (parameters or constants), one entry per node."""

    indices: tuple[int, ...]


@dataclass(frozen=True)
class Literal:
    """A constant shared by every node of the step, written into the code as a number."""

    value: float


# Where the numbers of one operand of a step are read from.
StepOperand = Rows | Coefficients | Literal


@dataclass(frozen=True)
class Elementwise:
    """One operation computed for several nodes at once: ``values[rows] = op(operands...)``."""

    op: str
    rows: range
    operands: tuple[StepOperand, ...]


@dataclass(frozen=True)
class Sums:
    """Sums of weighted terms for several nodes at once, as one matrix product:

    ``values[rows] = W @ values[operand_rows] + bias + values[extra rows]...``, where row i of W
    holds the coefficient indices of sum i (`weights`, one per operand), `biases` the terms that
    are the same for every sample (parameters, constants) and `extras` the other plain terms.
    Without operands it is a plain reduction.
    """

    rows: range
    operand_rows: tuple[int, ...]
    weights: tuple[tuple[int, ...], ...]
    biases: tuple[tuple[int, ...], ...]
    extras: tuple[tuple[int, ...], ...]


Step = Elementwise | Sums


@dataclass(frozen=True)
class Check:
    """Guards over the batch, grouped: ``left symbol right`` must give `result` for every sample,
    one comparison per entry of the operands (a layer of hand-written relus is one check)."""

    left: StepOperand
    symbol: str
    right: StepOperand
    result: bool
    written_at: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    """How a batch runs: the steps in order, and where the outputs and gradients are.

    `outputs` are the loss and the further outputs, each a row of `values` (`Rows`) or an entry of
    `coefficients` (a parameter used as an output). `with_grad` are the rows whose gradient the
    parameters' gradients need. `checks` are the trace's guards, checked after the forward steps.
    """

    inputs: int
    parameters: int
    constants: tuple[float, ...]
    value_rows: int
    steps: tuple[Step, ...]
    outputs: tuple[Rows | Coefficients, ...]
    with_grad: frozenset[int] = field(default_factory=frozenset)
    checks: tuple[Check, ...] = ()

    @property
    def loss(self) -> Rows | Coefficients:
        return self.outputs[0]


# A sum's terms: the weighted ones as (coefficient, operand), and the plain ones.
_Terms = tuple[list[tuple[Union[Value, float], Value]], list[Union[Value, float]]]  # noqa: UP007


def make_plan(trace: Trace) -> Plan:
    """The batch plan of a trace. Pure: reads the trace, returns a new Plan."""
    return _Planner(trace).plan()


class _Planner:
    def __init__(self, trace: Trace) -> None:
        self.trace = trace
        self.parameter_index = {p: i for i, p in enumerate(trace.parameters)}
        self.constants: list[float] = []
        self.constant_index: dict[float, int] = {}
        # A guard reads its Values' rows after the forward steps: none may be folded into a sum.
        outputs = {
            *trace.outputs,
            *(value for guard in trace.guards or () for value in guard.values),
        }
        uses: Counter[Value] = Counter()
        self.user: dict[Value, Value] = {}
        for node in trace.order:
            for parent in value_parents(node):
                uses[parent] += 1
                self.user[parent] = node
        self.single_use = {node for node in trace.order if uses[node] == 1 and node not in outputs}

    # -------------------------------------------------------------- coefficients
    def coefficient(self, x: Value | float) -> int:
        """The index in `coefficients` of a parameter or a constant."""
        if isinstance(x, Value):
            return self.parameter_index[x]
        key = float(x)
        if key not in self.constant_index:
            self.constant_index[key] = len(self.trace.parameters) + len(self.constants)
            self.constants.append(key)
        return self.constant_index[key]

    def is_coefficient(self, x: Value | float) -> bool:
        return not isinstance(x, Value) or x in self.parameter_index

    # -------------------------------------------------------------- sums
    def internal(self, node: Value) -> bool:
        """A ``+`` whose only use is inside a bigger sum: it is folded into that sum."""
        return node.op == ADD.name and node in self.single_use and self.user[node].op == ADD.name

    def weighted(self, term: Value | float) -> tuple[Value | float, Value] | None:
        """(coefficient, operand) for a product term of a sum that the sum can absorb."""
        if not isinstance(term, Value) or term.op != MUL.name or term not in self.single_use:
            return None
        a, b = term.parents
        if self.is_coefficient(a) and isinstance(b, Value) and not self.is_coefficient(b):
            return a, b
        if self.is_coefficient(b) and isinstance(a, Value) and not self.is_coefficient(a):
            return b, a
        return None

    def tree(self, root: Value) -> tuple[list[Value], list[Value | float]]:
        """The inner additions of the sum under `root`, and its terms left to right."""
        inner: list[Value] = []
        terms: list[Value | float] = []
        stack: list[Value | float] = list(reversed(root.parents))
        while stack:
            node = stack.pop()
            if isinstance(node, Value) and self.internal(node):
                inner.append(node)
                stack.extend(reversed(node.parents))
            else:
                terms.append(node)
        return inner, terms

    # -------------------------------------------------------------- the plan
    def plan(self) -> Plan:
        trace = self.trace
        absorbed: set[Value] = set()
        sums: dict[Value, _Terms] = {}
        for node in trace.order:
            if node.op != ADD.name or self.internal(node):
                continue
            inner, terms = self.tree(node)
            weighted, plain, products = [], [], []
            for term in terms:
                pair = self.weighted(term)
                if pair is None:
                    plain.append(term)
                else:
                    weighted.append(pair)
                    products.append(term)
            if not weighted and len(terms) < 3:
                continue  # a plain a + b: an element-wise addition
            sums[node] = (weighted, plain)
            absorbed.update(inner)
            absorbed.update(products)  # type: ignore[arg-type]

        # Levels: how many steps a node's result waits for. Nodes of one level are independent.
        level: dict[Value, int] = {}
        for node in trace.order:
            if node.is_leaf or node in absorbed:
                continue
            if node in sums:
                weighted, plain = sums[node]
                deps = [operand for _, operand in weighted] + [
                    t for t in plain if isinstance(t, Value)
                ]
            else:
                deps = value_parents(node)
            level[node] = 1 + max((level.get(dep, 0) for dep in deps), default=0)

        groups: dict[tuple[Any, ...], list[Value]] = {}
        for node in level:
            if node in sums:
                weighted, plain = sums[node]
                operands = tuple(operand for _, operand in weighted)
                extras = sum(1 for t in plain if not self.is_coefficient(t))
                key: tuple[Any, ...] = (level[node], "sums", operands, extras)
            else:
                kinds = tuple(self.is_coefficient(p) for p in node.parents)
                key = (level[node], node.op, kinds)
            groups.setdefault(key, []).append(node)

        row: dict[Value, int] = {value: i for i, value in enumerate(trace.inputs)}
        ordered = sorted(groups.items(), key=lambda item: item[0][0])  # stable: first seen first
        for _, nodes in ordered:
            for node in nodes:
                row[node] = len(row)

        steps: list[Step] = []
        for _, nodes in ordered:
            rows = range(row[nodes[0]], row[nodes[-1]] + 1)
            if nodes[0] in sums:
                steps.append(self._sums_step(rows, [sums[n] for n in nodes], row))
            else:
                steps.append(self._elementwise_step(rows, nodes, row))

        outputs = tuple(
            Coefficients((self.parameter_index[o],))
            if o in self.parameter_index
            else Rows((row[o],))
            for o in trace.outputs
        )
        with_grad = frozenset(row[n] for n in trace.needs_grad if n in row)

        return Plan(
            inputs=len(trace.inputs),
            parameters=len(trace.parameters),
            constants=tuple(self.constants),
            value_rows=len(row),
            steps=tuple(steps),
            outputs=outputs,
            with_grad=with_grad,
            checks=self._checks(row),
        )

    def _checks(self, row: dict[Value, int]) -> tuple[Check, ...]:
        """The guards, grouped by comparison, truth value and kind of operands: each group is one
        numpy comparison over the batch."""
        groups: dict[tuple[object, ...], list[Guard]] = {}
        for guard in self.trace.guards or ():
            kinds = tuple(
                x if not isinstance(x, Value) else self.is_coefficient(x)
                for x in (guard.left, guard.right)
            )
            groups.setdefault((guard.symbol, guard.result, kinds), []).append(guard)

        def read(xs: list[Value | float]) -> StepOperand:
            if not isinstance(xs[0], Value):
                return Literal(float(xs[0]))
            if self.is_coefficient(xs[0]):
                return Coefficients(tuple(self.coefficient(x) for x in xs))
            return Rows(tuple(row[x] for x in xs))  # type: ignore[index]

        return tuple(
            Check(
                read([guard.left for guard in guards]),
                guards[0].symbol,
                read([guard.right for guard in guards]),
                guards[0].result,
                tuple(guard.written_at for guard in guards),
            )
            for guards in groups.values()
        )

    def _sums_step(self, rows: range, sums: list[_Terms], row: dict[Value, int]) -> Sums:
        operands = [operand for _, operand in sums[0][0]]
        weights = tuple(tuple(self.coefficient(c) for c, _ in weighted) for weighted, _ in sums)
        bias_lists = [
            [self.coefficient(t) for t in plain if self.is_coefficient(t)] for _, plain in sums
        ]
        extra_lists = [
            [row[cast(Value, t)] for t in plain if not self.is_coefficient(t)] for _, plain in sums
        ]
        width = max(len(b) for b in bias_lists)
        if any(len(b) < width for b in bias_lists):  # a sum with fewer: padded with a zero
            zero = self.coefficient(0.0)
            bias_lists = [b + [zero] * (width - len(b)) for b in bias_lists]
        return Sums(
            rows=rows,
            operand_rows=tuple(row[o] for o in operands),
            weights=weights,
            biases=tuple(zip(*bias_lists)) if width else (),
            extras=tuple(zip(*extra_lists)) if extra_lists[0] else (),
        )

    def _elementwise_step(
        self, rows: range, nodes: list[Value], row: dict[Value, int]
    ) -> Elementwise:
        operands: list[StepOperand] = []
        for position in range(len(nodes[0].parents)):
            parents = [node.parents[position] for node in nodes]
            if not self.is_coefficient(parents[0]):
                operands.append(Rows(tuple(row[p] for p in parents)))  # type: ignore[index]
            elif all(not isinstance(p, Value) for p in parents) and len(set(parents)) == 1:
                operands.append(Literal(float(parents[0])))
            else:
                operands.append(Coefficients(tuple(self.coefficient(p) for p in parents)))
        return Elementwise(nodes[0].op, rows, tuple(operands))


def plan_text(plan: Plan) -> str:
    """The plan, one line per step, for people."""
    lines = [
        f"plan: {plan.inputs} inputs, {plan.parameters} parameters, "
        f"{len(plan.constants)} constants, {plan.value_rows} rows of values"
    ]
    for step in plan.steps:
        rows = f"rows {step.rows.start}-{step.rows.stop - 1}"
        if isinstance(step, Sums):
            m, n = len(step.rows), len(step.operand_rows)
            kind = f"{m} sums of {n} products (matrix product)" if n else f"{m} sums (reduction)"
            extras = len(step.biases) + len(step.extras)
            more = f" + {extras} more term{'s' if extras > 1 else ''} each" if extras else ""
            lines.append(f"  {rows}: {kind}{more}")
        else:
            lines.append(f"  {rows}: {len(step.rows)} x {step.op}")
    if plan.checks:
        guards = sum(len(check.written_at) for check in plan.checks)
        lines.append(
            f"  then {guards} guards, {len(plan.checks)} numpy comparison(s) over the batch"
        )
    return "\n".join(lines)
