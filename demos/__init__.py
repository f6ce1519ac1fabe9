"""The demos: runnable scripts that show backproplab at work (python -m demos.<name>)."""

from demos._cli import stop_quietly_while_starting

stop_quietly_while_starting()  # Ctrl-C while numpy and the library load: no traceback
