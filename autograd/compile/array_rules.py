"""What the batch code imports: each operation's rule on numpy arrays, by the name it calls it.

``from autograd.compile.array_rules import exp, sigmoid`` binds `Operation.array_rule`: the
operation's numpy rule, or, for an operation without one (tanh, sigmoid, `**`, an operation of
your own without `batch_forward`), its float rule run on every element.
"""

# No other global: every name imported from here must be an operation's.


def __getattr__(name: str) -> object:
    from autograd.operations import called

    try:
        return called(name).array_rule
    except KeyError:
        raise AttributeError(f"no registered operation is called {name!r}") from None
