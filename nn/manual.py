"""Kept for imports written before `nn.article` held the article's network: use `nn.article`."""

from nn.article import PARAMETER_NAMES, ManualNetwork, deriv_sigmoid, sigmoid

__all__ = ["PARAMETER_NAMES", "ManualNetwork", "deriv_sigmoid", "sigmoid"]
