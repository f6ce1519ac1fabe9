"""What the readable one-sample code imports: each operation's float rule, by the name it calls it.

``from autograd.compile.float_rules import sigmoid, power`` binds the registry's own forward rules
(with their domain checks), built-in or defined with `define_op` alike: the same floats as the
engine, without the type checks that the compiled graph has already made on its arguments.
"""

# No other global: every name imported from here must be an operation's.


def __getattr__(name: str) -> object:
    from autograd.operations import called

    try:
        return called(name).forward
    except KeyError:
        raise AttributeError(f"no registered operation is called {name!r}") from None
