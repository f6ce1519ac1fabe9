"""The second stage: the readable source, run for one sample.

The backward lines follow the engine's order, so one sample gives exactly the engine's floats. The
text stands alone: it imports what it calls, so ``exec(compiled.source, {})`` defines
`forward_backward`.
"""

from __future__ import annotations

from collections.abc import Callable

from autograd.backprop import reverse_edges
from autograd.compile.expr import Expr, as_expr, forward_expr, import_lines, partial_expr
from autograd.compile.trace import Namer, Trace
from autograd.engine import Value
from autograd.guards import Guard
from autograd.operations import OPERATIONS, POW


def write_source(trace: Trace) -> str:
    """One function: one line per operation forward, then one line per derivative backward."""
    names = trace.names

    def operand(parent: Value | float) -> Expr | float:
        # Constants stay numbers, so that a rule's arithmetic on them is done now: x ** 2 gets the
        # derivative 2.0 * x, not 2.0 * x ** (2.0 - 1).
        return Expr.name(names[parent]) if isinstance(parent, Value) else parent

    loss_name = names[trace.loss]
    arguments = ", ".join(names[value] for value in (*trace.inputs, *trace.parameters))
    lines = [f"def forward_backward({arguments}):", "    # forward: one operation per line"]
    calls: set[str] = set()
    checks = guards_by_last_value(trace)
    for node in trace.order:
        if not node.is_leaf:
            args = [operand(parent) for parent in node.parents]
            operation = OPERATIONS[node.op]
            expr = forward_expr(operation, args, args[1] if operation is POW else None)
            calls |= expr.calls
            lines.append(f"    {names[node]} = {expr.text}")
        for guard in checks.get(node, ()):
            comparison, reads = guard_text(guard, operand)
            calls |= reads
            lines += [
                f"    # {comparison} was {guard.result} in the trace ({guard.written_at})",
                f"    if {'not ' if guard.result else ''}{comparison}:",
                f"        raise GuardError({comparison!r}, {guard.result}, {guard.written_at!r})",
            ]

    lines.append(f"    # backward: d_{loss_name}_d_v is d{loss_name}/dv, summed over all uses of v")
    namer = Namer(list(names.values()))
    gradient: dict[Value, Expr | float] = {trace.loss: 1.0}
    owns_name: set[Value] = set()  # others borrow a user's name: the gradient passed through a sum
    parameters = set(trace.parameters)

    def claim_gradient_name(node: Value) -> str:
        owns_name.add(node)
        return namer.claim(f"d_{loss_name}_d_{names[node]}")

    # The engine's own backward walk, so that contributions to a Value used several times are
    # added in the engine's order, giving the engine's floats.
    for user, position, parent in reverse_edges(trace.loss):
        if parent not in trace.needs_grad:  # no parameter below it: its gradient is not needed
            continue
        operation = OPERATIONS[user.op]
        args = [operand(p) for p in user.parents]
        term = partial_expr(operation, position, gradient[user], Expr.name(names[user]), args)
        calls |= term.calls
        if parent not in gradient and term.kind == "name" and parent not in parameters:
            gradient[parent] = term
            continue
        name = (
            as_expr(gradient[parent]).text if parent in owns_name else claim_gradient_name(parent)
        )
        total = gradient[parent] + term if parent in gradient else term
        lines.append(f"    {name} = {total.text}")
        gradient[parent] = Expr.name(name)

    values = ", ".join(names[output] for output in trace.outputs)
    grads = ", ".join(as_expr(gradient.get(p, 0.0)).text for p in trace.parameters)
    lines.append(f"    return ({values},), ({grads}{',' if grads else ''})")
    imports = import_lines(calls, "float_rules")
    if checks:
        imports.append("from autograd.guards import GuardError")
    header = "\n".join(imports) + "\n\n" if imports else ""
    return header + "\n".join(lines) + "\n"


def guards_by_last_value(trace: Trace) -> dict[Value, list[Guard]]:
    """Each guard of the trace under the Value its check waits for: the last Value it compares,
    or the previous guard's, whichever comes later, so that the checks keep the program's order
    and a sample is stopped by the first comparison that differs."""
    position = {node: index for index, node in enumerate(trace.order)}
    checks: dict[Value, list[Guard]] = {}
    after = 0
    for guard in trace.guards or ():
        after = max(after, *(position[value] for value in guard.values))
        checks.setdefault(trace.order[after], []).append(guard)
    return checks


def guard_text(
    guard: Guard, operand: Callable[[Value | float], object]
) -> tuple[str, frozenset[str]]:
    """The comparison as source, ``x > 0.0``, its operands as `operand` writes them; and the
    names it reads from outside (``inf``)."""
    left, right = as_expr(operand(guard.left)), as_expr(operand(guard.right))
    return f"{left.text} {guard.symbol} {right.text}", left.calls | right.calls
