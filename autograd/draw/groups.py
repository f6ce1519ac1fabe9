"""What a drawing's options name, checked against the graph: boxes around Values (`Group`), the
inputs lined up at the start, and layout hints (internal, but for `Group`, which is public)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from autograd.engine import Value


@dataclass(frozen=True, eq=False, init=False)
class Group:
    """A box drawn around some Values, such as a neuron or a layer (a Graphviz cluster).

    Each Value in `values` is drawn inside the box together with the operation that produced it
    and that operation's constants. Groups nest through `subgroups`, so a layer can hold its
    neurons. A Value may be listed in one group only. The box says nothing about where the group
    stands; `to_dot`'s `hints` can steer that (`nn.model_to_svg` uses them to draw a network's
    layers in reading order).

        neuron = Group("neuron h1", [w1, w2, b, h1])
        to_svg(loss, groups=[Group("hidden layer", subgroups=[neuron])])
    """

    label: str
    values: tuple[Value, ...] = ()
    subgroups: tuple[Group, ...] = ()

    def __init__(
        self, label: str, values: Iterable[Value] = (), subgroups: Iterable[Group] = ()
    ) -> None:
        if not isinstance(label, str):
            raise TypeError(f"a Group's label must be a str, not {type(label).__name__}")
        values = tuple(values)
        subgroups = tuple(subgroups)
        for value in values:
            if not isinstance(value, Value):
                raise TypeError(
                    f"Group {label!r} lists a {type(value).__name__}; it can only hold Values"
                )
        for subgroup in subgroups:
            if not isinstance(subgroup, Group):
                raise TypeError(
                    f"Group {label!r} has a {type(subgroup).__name__} among its subgroups; "
                    "subgroups must be Groups"
                )
        object.__setattr__(self, "label", label)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "subgroups", subgroups)


def place_in_groups(groups: tuple[Group, ...], number: dict[Value, int]) -> dict[Value, Group]:
    """The group each grouped Value is drawn in; refuses Values not in the graph or listed twice."""
    home: dict[Value, Group] = {}
    pending = list(groups)
    while pending:
        group = pending.pop()
        if not isinstance(group, Group):
            raise TypeError(f"groups must hold Groups, not {type(group).__name__}")
        for value in group.values:
            if value not in number:
                raise ValueError(
                    f"Group {group.label!r} lists {value!r}, which the drawn Value does not "
                    "depend on"
                )
            if value in home and home[value] is not group:
                raise ValueError(
                    f"{value!r} is listed in two groups, {home[value].label!r} and "
                    f"{group.label!r}; a Value can be drawn in one place only"
                )
            home[value] = group
        pending.extend(group.subgroups)
    return home


def checked_inputs(
    inputs: Sequence[Value], number: dict[Value, int], home: dict[Value, Group]
) -> tuple[Value, ...]:
    """The inputs, each once, if each is an ungrouped leaf of the drawn graph."""
    inputs = tuple(dict.fromkeys(inputs))
    for value in inputs:
        if not isinstance(value, Value):
            raise TypeError(f"inputs must be Values, not {type(value).__name__}")
        if value not in number:
            raise ValueError(f"the input {value!r} is not in the drawn graph")
        if not value.is_leaf:
            raise ValueError(
                f"the input {value!r} is computed from other Values; inputs are leaves"
            )
        if value in home:
            raise ValueError(f"the input {value!r} is also in group {home[value].label!r}")
    return inputs


def checked_hints(
    hints: Iterable[tuple[Value, Value]], number: dict[Value, int]
) -> tuple[tuple[Value, Value], ...]:
    """The hints, if each is a pair of drawn Values."""
    hints = tuple(hints)
    for hint in hints:
        if not (isinstance(hint, tuple) and len(hint) == 2):
            raise TypeError(f"hints must be pairs of Values, not {hint!r}")
        for value in hint:
            if not isinstance(value, Value) or value not in number:
                raise ValueError(f"the hint {hint!r} names {value!r}, which is not drawn")
    return hints
