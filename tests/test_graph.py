"""`autograd.graph.topological_order` against a recursive definition of the same order."""

from hypothesis import given
from hypothesis import strategies as st
from random_graphs import ENGINE, plain_magnitude, programs, run

from autograd import Value, topological_order


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
