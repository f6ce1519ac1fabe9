"""`autograd.graph.topological_order` against a recursive definition of the same order, and the
backward walk (`reverse_edges`) against the order the backward pass really uses."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from random_graphs import ENGINE, plain_magnitude, programs, run
from rules import with_partials

from autograd import OPERATIONS, Value, grad, topological_order
from autograd.backprop import reverse_edges


def recursive_order(roots: list[Value]) -> list[Value]:
    """Depth first, operands in argument order, each Value placed after its operands, once."""
    order: list[Value] = []
    placed: set[Value] = set()

    def visit(value: Value) -> None:
        if value in placed:
            return
        for parent in value.parents:
            if isinstance(parent, Value):
                visit(parent)
        placed.add(value)
        order.append(value)

    for root in roots:
        visit(root)
    return order


@given(programs(), st.data())
def test_the_order_of_several_roots_is_the_recursive_one(program, data):
    inputs, steps = program
    plain_magnitude(steps, inputs)  # rejects programs that overflow
    results, output = run(steps, [Value(x) for x in inputs], ENGINE)
    # Roots in any order, repeated or not, one often computed from another.
    candidates = [r for r in results if isinstance(r, Value)] + [output]
    roots = data.draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=4))
    order = topological_order(roots)
    assert order == recursive_order(roots)
    position = {value: i for i, value in enumerate(order)}
    assert len(position) == len(order)
    for value in order:
        for parent in value.parents:
            if isinstance(parent, Value):
                assert position[parent] < position[value]


def test_a_root_computed_from_an_earlier_root_comes_after_its_operands():
    x = Value(2.0)
    y = x * 3.0
    z = y + x
    assert topological_order([z, y]) == [x, y, z]
    assert topological_order([y, z]) == [x, y, z]
    assert topological_order([x, x]) == [x]


@given(programs())
def test_reverse_edges_is_the_order_the_backward_pass_uses(program):
    """The walk the page and the generated code follow is the engine's own: with create_graph the
    backward pass hands each partial the node itself as `out`, so its calls can be logged."""
    inputs, steps = program
    plain_magnitude(steps, inputs)
    _, output = run(steps, [Value(x) for x in inputs], ENGINE)
    if not isinstance(output, Value):
        return
    used: list[tuple[Value, int]] = []

    def logged(position, partial):
        def rule(g, out, *operands):
            used.append((out, position))
            return partial(g, out, *operands)

        return rule

    with pytest.MonkeyPatch.context() as patch:
        for name, operation in list(OPERATIONS.items()):
            partials = [logged(p, rule) for p, rule in enumerate(operation.partials)]
            patch.setitem(OPERATIONS, name, with_partials(name, partials))
        grad(output, [Value(0.0)], create_graph=True)
    walk = [(node, position) for node, position, _ in reverse_edges(output)]
    assert used == walk
    assert [operand for _, _, operand in reverse_edges(output)] == [
        node.parents[position] for node, position in walk
    ]
