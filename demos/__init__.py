"""The demos: runnable scripts that show backproplab at work (python -m demos.<name>)."""
