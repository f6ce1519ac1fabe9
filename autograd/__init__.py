"""A scalar autograd engine: Values that record how they were computed and backpropagate.

    >>> from autograd import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad
    7.0

The parts: `operations` (the registry: one record per operation, its rules and derivatives),
`engine` (`Value`, which records operations, and `no_grad`), `define` (`define_op`, operations of
your own), `graph` (orders and walks of the recorded graph), `backprop` (the backward pass, `grad`,
hooks), `functional` (`jacobian`, `hessian`, `hvp`, `vjp`, and forward mode's `jvp`), `check`
(`gradcheck`), `manual` (`check_manual`: your own derivation against autograd's, with the search
in `counterexample`), `guards` (`record_guards`: the comparisons a graph's branches read, checked
by compiled code), `compile` (`compile_graph`: a graph as straight-line code), `draw` (`to_dot`,
`to_svg`, and `to_html`: a page that steps through backprop).
"""

# Imported first: it refuses to go on if another project's `autograd` or `nn` shares our folder.
from autograd import _installation  # noqa: F401
from autograd.backprop import grad
from autograd.check import GradcheckError, gradcheck
from autograd.compile import CompiledFunction, CompiledGraph, compile_function, compile_graph
from autograd.define import define_op
from autograd.draw import (
    GraphTooLargeError,
    Group,
    RendererNotFoundError,
    RenderError,
    render_svg,
    to_dot,
    to_html,
    to_svg,
)
from autograd.draw.explain import explain
from autograd.engine import Value, is_grad_enabled, no_grad
from autograd.functional import hessian, hvp, jacobian, jvp, vjp
from autograd.graph import topological_order
from autograd.guards import GuardError, record_guards
from autograd.manual import ManualDerivativeError, check_manual
from autograd.operations import (
    OPERATIONS,
    Operation,
    cos,
    exp,
    log,
    power,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    step,
    tanh,
)

__all__ = [
    "OPERATIONS",
    "CompiledFunction",
    "CompiledGraph",
    "GradcheckError",
    "GraphTooLargeError",
    "Group",
    "GuardError",
    "ManualDerivativeError",
    "Operation",
    "RenderError",
    "RendererNotFoundError",
    "Value",
    "check_manual",
    "compile_function",
    "compile_graph",
    "cos",
    "define_op",
    "exp",
    "explain",
    "grad",
    "gradcheck",
    "hessian",
    "hvp",
    "is_grad_enabled",
    "jacobian",
    "jvp",
    "log",
    "no_grad",
    "power",
    "record_guards",
    "relu",
    "render_svg",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "step",
    "tanh",
    "to_dot",
    "to_html",
    "to_svg",
    "topological_order",
    "vjp",
]
