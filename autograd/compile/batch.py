"""The fourth stage: the batch plan written out as one Python function over numpy arrays.

The function, ``batch_forward_backward(values, grads, coefficients, coefficient_grads)``, runs the
plan's steps forward, then backward in reverse, writing the loss's gradient with respect to every
row into `grads` and the parameters' gradients, summed over the samples, into
`coefficient_grads`. Each step's derivative comes from the engine's registry, through the same
source-writing stand-ins as the readable code; a matrix product's backward is two products.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import count

import numpy as np

from autograd.compile.expr import Expr, as_expr, forward_expr, import_lines, partial_expr
from autograd.compile.plan import (
    Coefficients,
    Elementwise,
    Literal,
    Plan,
    Rows,
    StepOperand,
    Sums,
)
from autograd.engine import Value, data_of
from autograd.operations import OPERATIONS

# The stand-ins for an element-wise step's operands, which its lines bind to rows of the arrays.
_STAND_INS = ("a", "b")


class _Writer:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.lines: list[str] = []
        self.namespace: dict[str, object] = {}  # the index arrays the code reads
        self.calls: set[str] = set()
        self.counter = count()
        self.written: set[int] = set()  # rows of grads that hold a value already

    def constant(self, prefix: str, array: np.ndarray) -> str:
        name = f"{prefix}{next(self.counter)}"
        self.namespace[name] = array
        return name

    def emit(self, line: str) -> None:
        self.lines.append(f"    {line}")

    # -------------------------------------------------------------- reading and writing rows
    def rows_text(self, buffer: str, rows: Sequence[int], *, assign: bool = False) -> str:
        """Source for these rows of a buffer: a slice when contiguous, else an index array."""
        rows = tuple(rows)
        if rows == tuple(range(rows[0], rows[0] + len(rows))):
            return f"{buffer}[{rows[0]}:{rows[0] + len(rows)}]"
        index = self.constant("rows", np.array(rows, dtype=np.intp))
        return f"{buffer}[{index}]" if assign else f"{buffer}.take({index}, 0)"

    def coefficients_text(self, indices: Sequence[int]) -> str:
        indices = tuple(indices)
        if indices == tuple(range(indices[0], indices[0] + len(indices))):
            return f"coefficients[{indices[0]}:{indices[0] + len(indices)}, None]"
        index = self.constant("coefficient", np.array(indices, dtype=np.intp))
        return f"coefficients[{index}, None]"

    def add_to_grads(self, rows: Sequence[int], text: str) -> None:
        """grads[rows] += text, or = where nothing was written yet."""
        if len(set(rows)) != len(rows):  # a row twice: only np.add.at adds both
            fresh = sorted(set(rows) - self.written)
            if fresh:
                self.emit(f"{self.rows_text('grads', fresh, assign=True)} = 0.0")
            index = self.constant("rows", np.array(rows, dtype=np.intp))
            self.emit(f"np.add.at(grads, {index}, {text})")
        else:
            fresh = [row for row in rows if row not in self.written]
            target = self.rows_text("grads", rows, assign=True)
            if len(fresh) == len(rows):
                self.emit(f"{target} = {text}")
            else:
                if fresh:
                    self.emit(f"{self.rows_text('grads', fresh, assign=True)} = 0.0")
                self.emit(f"{target} += {text}")
        self.written.update(rows)

    def add_to_coefficient_grads(self, indices: Sequence[int], text: str) -> None:
        """coefficient_grads[indices] += text, summed over the samples (parameters only)."""
        parameters = [i for i in indices if i < self.plan.parameters]
        if not parameters:
            return
        index = self.constant("coefficient", np.array(indices, dtype=np.intp))
        if len(set(parameters)) != len(parameters):
            self.emit(f"np.add.at(coefficient_grads, {index}, {text})")
        else:
            self.emit(f"coefficient_grads[{index}] += {text}")

    # -------------------------------------------------------------- the function
    def write(self) -> str:
        self.lines.append(
            "def batch_forward_backward(values, grads, coefficients, coefficient_grads):"
        )
        for number, step in enumerate(self.plan.steps):
            if isinstance(step, Sums):
                self.forward_sums(number, step)
            else:
                self.forward_elementwise(step)
        if self.plan.checks:
            self.guards()
        loss = self.plan.loss
        # With guards, a sample that broke one gets no gradient (its seed is 0): the sums are
        # those of the samples on the trace's branches.
        seed = "kept" if self.plan.checks else "1.0"
        if isinstance(loss, Coefficients):
            count = "kept.sum()" if self.plan.checks else "values.shape[1]"
            self.emit(f"coefficient_grads[{loss.indices[0]}] += {count}")
        else:
            self.emit("# backward: grads[r] is d loss / d (row r), sample by sample")
            self.emit(f"grads[{loss.rows[0]}] = {seed}")
            self.written.add(loss.rows[0])
        for number in reversed(range(len(self.plan.steps))):
            step = self.plan.steps[number]
            if not any(row in self.plan.with_grad for row in step.rows):
                continue
            fresh = [row for row in step.rows if row not in self.written]
            if fresh:  # rows the loss does not depend on, grouped with rows it does
                self.emit(f"{self.rows_text('grads', fresh, assign=True)} = 0.0")
                self.written.update(fresh)
            if isinstance(step, Sums):
                self.backward_sums(number, step)
            else:
                self.backward_elementwise(step)
        if self.plan.checks:
            self.emit("return kept")
        imports = ["import numpy as np", *import_lines(self.calls, "array_rules")]
        return "\n".join(imports) + "\n\n" + "\n".join(self.lines) + "\n"

    # -------------------------------------------------------------- guards
    def operand_text(self, operand: StepOperand) -> str:
        if isinstance(operand, Rows):
            return self.rows_text("values", operand.rows)
        if isinstance(operand, Coefficients):
            return self.coefficients_text(operand.indices)
        number = as_expr(operand.value)
        self.calls |= number.calls
        return number.text

    def guards(self) -> None:
        """The guards over the whole batch: `kept` says which samples took the trace's branches.
        The function returns it; the runtime raises `GuardError` unless every sample did."""
        self.emit("# guards: every sample must take the branches of the trace")
        self.emit("kept = np.ones(values.shape[1], dtype=bool)")
        for check in self.plan.checks:
            left, right = self.operand_text(check.left), self.operand_text(check.right)
            comparison = f"{left} {check.symbol} {right}"
            where = check.written_at[0] + (" ..." if len(check.written_at) > 1 else "")
            self.emit(f"# {len(check.written_at)} x {check.result} in the trace ({where})")
            holds = f"({comparison}).all(0)" if check.result else f"~({comparison}).any(0)"
            self.emit(f"kept &= {holds}")

    # -------------------------------------------------------------- element-wise steps
    def operand_args(self, step: Elementwise) -> tuple[list[object], dict[str, str]]:
        args: list[object] = []
        bindings: dict[str, str] = {}
        for name, operand in zip(_STAND_INS, step.operands):
            if isinstance(operand, Literal):
                args.append(operand.value)
                continue
            if isinstance(operand, Rows):
                bindings[name] = self.rows_text("values", operand.rows)
            else:
                bindings[name] = self.coefficients_text(operand.indices)
            args.append(Expr.name(name))
        return args, bindings

    def bind(self, expr: Expr, bindings: dict[str, str]) -> None:
        for name in sorted(expr.names):
            self.emit(f"{name} = {bindings[name]}")

    def forward_elementwise(self, step: Elementwise) -> None:
        args, bindings = self.operand_args(step)
        expr = forward_expr(OPERATIONS[step.op], args)
        self.calls |= expr.calls
        self.emit(f"# {len(step.rows)} x {step.op}")
        self.bind(expr, bindings)
        self.emit(f"{self.rows_text('values', step.rows)} = {expr.array_text}")

    def backward_elementwise(self, step: Elementwise) -> None:
        args, bindings = self.operand_args(step)
        bindings["g"] = self.rows_text("grads", step.rows)
        bindings["out"] = self.rows_text("values", step.rows)
        self.emit(f"# back through {len(step.rows)} x {step.op}")
        for position, operand in enumerate(step.operands):
            if isinstance(operand, Literal):
                continue
            if isinstance(operand, Rows) and not self.plan.with_grad.intersection(operand.rows):
                continue
            if isinstance(operand, Coefficients) and min(operand.indices) >= self.plan.parameters:
                continue
            operation = OPERATIONS[step.op]
            expr = partial_expr(operation, position, Expr.name("g"), Expr.name("out"), args)
            self.calls |= expr.calls
            self.bind(expr, bindings)
            if isinstance(operand, Rows):
                self.add_to_grads(operand.rows, expr.array_text)
            else:
                rows = len(step.rows)
                self.add_to_coefficient_grads(
                    operand.indices,
                    f"np.broadcast_to({expr.array_text}, ({rows}, values.shape[1])).sum(1)",
                )

    # -------------------------------------------------------------- sums
    def forward_sums(self, number: int, step: Sums) -> None:
        target = self.rows_text("values", step.rows)
        m, n = len(step.rows), len(step.operand_rows)
        if n:
            self.emit(f"# {m} sums of {n} products: a matrix product")
            weights = self.constant("weights", np.array(step.weights, dtype=np.intp))
            self.emit(f"w{number} = coefficients[{weights}]")
            self.emit(f"x{number} = {self.rows_text('values', step.operand_rows)}")
            self.emit(f"np.matmul(w{number}, x{number}, out={target})")
            first = False
        else:
            self.emit(f"# {m} sums: a reduction")
            first = True
        for extra in step.extras:
            self.emit(f"{target} {'=' if first else '+='} {self.rows_text('values', extra)}")
            first = False
        for bias in step.biases:
            self.emit(f"{target} {'=' if first else '+='} {self.coefficients_text(bias)}")
            first = False

    def backward_sums(self, number: int, step: Sums) -> None:
        self.emit(f"# back through {len(step.rows)} sums")
        self.emit(f"g = {self.rows_text('grads', step.rows)}")
        if step.operand_rows:
            if self.plan.with_grad.intersection(step.operand_rows):
                self.add_to_grads(step.operand_rows, f"w{number}.T @ g")
            flat = [i for row in step.weights for i in row]
            self.add_to_coefficient_grads(flat, f"(g @ x{number}.T).ravel()")
        if step.biases:
            self.emit("g_total = g.sum(1)")
            for bias in step.biases:
                self.add_to_coefficient_grads(bias, "g_total")
        for extra in step.extras:
            if self.plan.with_grad.intersection(extra):
                self.add_to_grads(extra, "g")


def write_batch(plan: Plan) -> tuple[str, dict[str, object]]:
    """The batch function's source, and the namespace it runs in."""
    writer = _Writer(plan)
    return writer.write(), writer.namespace


def check_array_rules(order: list[Value]) -> None:
    """Run each operation's array rule once on the trace's own numbers and compare it with the
    float rule that computed them: a `batch_forward` of yours that disagrees with its `forward`
    would give batches other numbers than the engine, silently."""
    checked = set()
    for node in order:
        operation = OPERATIONS.get(node.op)
        if operation is None or operation.array_forward is None or node.op in checked:
            continue
        checked.add(node.op)
        operands = [np.array([data_of(parent)]) for parent in node.parents]
        shown = ", ".join(repr(data_of(parent)) for parent in node.parents)
        try:
            with np.errstate(all="ignore"):
                result = np.asarray(operation.array_forward(*operands), dtype=float)
        except Exception as error:
            raise ValueError(
                f"compile_graph: the batch_forward of {node.op!r} failed on the array "
                f"[{shown}]: {type(error).__name__}: {error}"
            ) from error
        if result.shape != (1,):
            raise ValueError(
                f"compile_graph: the batch_forward of {node.op!r} must return an array of the "
                f"shape of its operands; on arrays of shape (1,) it returned shape {result.shape}"
            )
        if not np.allclose(result[0], node.data, rtol=1e-9, atol=1e-12, equal_nan=True):
            raise ValueError(
                f"compile_graph: the batch_forward of {node.op!r} gives {float(result[0])!r} "
                f"where its forward gives {node.data!r}, at operands ({shown}); they must "
                "compute the same function"
            )
