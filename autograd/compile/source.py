"""The second stage: the readable source, run for one sample.

The backward lines follow the engine's order, so one sample gives exactly the engine's floats. The
text stands alone: it imports what it calls, so ``exec(compiled.source, {})`` defines
`forward_backward`.
"""

from __future__ import annotations

from autograd.compile.expr import Expr, as_expr, forward_expr, partial_expr
from autograd.compile.trace import Namer, Trace
from autograd.engine import Value

# The functions a user imports from `autograd` by these names; the rest are taken from the registry.
_PUBLIC = {"exp", "log", "sqrt", "tanh", "sigmoid", "relu", "sin", "cos"}
_ENGINE = {"step", "sign", "power"}


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
    for node in trace.order:
        if node.is_leaf:
            continue
        args = [operand(parent) for parent in node.parents]
        exponent = args[1] if node.op == "**" else None
        expr = forward_expr(node.op, args, exponent)
        calls |= expr.calls
        lines.append(f"    {names[node]} = {expr.text}")

    lines.append(f"    # backward: d_{loss_name}_d_v is d{loss_name}/dv, summed over all uses of v")
    namer = Namer(list(names.values()))
    gradient: dict[Value, Expr | float] = {trace.loss: 1.0}
    owns_name: set[Value] = set()  # others borrow a user's name: the gradient passed through a sum
    parameters = set(trace.parameters)

    def claim_gradient_name(node: Value) -> str:
        owns_name.add(node)
        return namer.claim(f"d_{loss_name}_d_{names[node]}")

    for user in trace.backward_order:
        args = [operand(parent) for parent in user.parents]
        for position, parent in enumerate(user.parents):
            if not isinstance(parent, Value) or parent not in trace.needs_grad:
                continue
            term = partial_expr(user.op, position, gradient[user], Expr.name(names[user]), args)
            calls |= term.calls
            if parent not in gradient and term.kind == "name" and parent not in parameters:
                gradient[parent] = term
                continue
            name = (
                as_expr(gradient[parent]).text
                if parent in owns_name
                else claim_gradient_name(parent)
            )
            total = gradient[parent] + term if parent in gradient else term
            lines.append(f"    {name} = {total.text}")
            gradient[parent] = Expr.name(name)

    values = ", ".join(names[output] for output in trace.outputs)
    grads = ", ".join(as_expr(gradient.get(p, 0.0)).text for p in trace.parameters)
    lines.append(f"    return ({values},), ({grads}{',' if grads else ''})")
    return _imports(calls) + "\n".join(lines) + "\n"


def _imports(calls: set[str]) -> str:
    """The lines that bind every function the source calls, so that it runs on its own."""
    lines = []
    public = sorted(calls & _PUBLIC)
    engine = sorted(calls & _ENGINE)
    custom = sorted(calls - _PUBLIC - _ENGINE - {"abs"})
    if public:
        lines.append(f"from autograd import {', '.join(public)}")
    if engine:
        lines.append(f"from autograd.engine import {', '.join(engine)}")
    if custom:
        lines.append("from autograd.engine import OPERATIONS")
        lines.extend(f"{name} = OPERATIONS[{name!r}].function" for name in custom)
    return "\n".join(lines) + "\n\n" if lines else ""
