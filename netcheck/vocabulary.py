"""The format's words and bounds, shared by the pydantic models and the quick loader.

A leaf module: no pydantic here, so that the engine and the quick road can use
these without importing it.
"""

from __future__ import annotations

import re
from typing import Protocol

from netcheck.results import Shape

__all__ = ["Shape"]

MAX_SIZE = 2**31 - 1
MAX_COUNT = 10**18
MAX_NAME = 200

ROUNDINGS = ("strict", "floor", "ceil")
ACTIVATIONS = (
    "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "swish", "mish",
    "sigmoid", "hardsigmoid", "hardswish", "tanh", "softmax", "log_softmax", "softplus",
    "softsign", "identity", "linear",
)
COUNTS = ("params", "trainable_params", "non_trainable_params", "unshared_params", "macs", "neurons")

SHAPE_TEXT = re.compile(r"^\s*([0-9]+)\s*[x×]\s*([0-9]+)\s*[x×]\s*([0-9]+)\s*$")
PLANE_TEXT = re.compile(r"^\s*([0-9]+)\s*[x×]\s*([0-9]+)\s*$")


class Axes(Protocol):
    """Anything with a width and a height (a size given per axis)."""

    @property
    def width(self) -> int: ...

    @property
    def height(self) -> int: ...


def pair(value: int | Axes) -> tuple[int, int]:
    """A size as (width, height)."""
    if isinstance(value, int):
        return (value, value)
    return (value.width, value.height)
