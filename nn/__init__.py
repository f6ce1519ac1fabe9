"""Neurons, layers, MLPs, losses and optimisers built on `autograd.Value`."""
