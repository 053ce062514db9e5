"""The format's words and bounds, shared by the pydantic models and the quick loader.

A leaf module: no pydantic here, so that the engine and the quick road can use
these without importing it.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from netcheck.results import Shape

__all__ = ["Shape"]

MAX_SIZE = 2**31 - 1
MAX_COUNT = 10**18
MAX_NAME = 200

ROUNDINGS = ("strict", "floor", "ceil")
ACTIVATIONS = (
    "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "swish", "mish",
    "sigmoid", "hardsigmoid", "hardswish", "tanh", "softmax", "log_softmax", "softplus",
    "softsign", "identity", "linear", "square",
)
COUNTS = ("params", "trainable_params", "non_trainable_params", "unshared_params", "macs", "neurons")

SHAPE_TEXT = re.compile(r"^\s*([0-9]+)\s*[x×]\s*([0-9]+)\s*[x×]\s*([0-9]+)\s*$")
PLANE_TEXT = re.compile(r"^\s*([0-9]+)\s*[x×]\s*([0-9]+)\s*$")


# Preparations: what the models' before-validators do, written once for both roads.
# ``netcheck.spec`` calls them from its validators; the generated quick table
# (``netcheck._quicktable``) names them and ``netcheck.fastload`` calls them by name.
# A ValueError means "not this shape of value".


def drop_extensions(data: Any) -> Any:
    """A mapping without its ``x-`` keys (metadata for other tools, ignored by netcheck)."""
    if isinstance(data, dict) and any(isinstance(key, str) and key.startswith("x-") for key in data):
        return {key: value for key, value in data.items() if not (isinstance(key, str) and key.startswith("x-"))}
    return data


def one_input(value: Any) -> Any:
    """A single layer name as the one-element list of names it means."""
    return [value] if isinstance(value, str) else value


def shape_fields(value: Any) -> Any:
    """``"WxHxD"`` as {width, height, depth}; other values as they are (without ``x-`` keys)."""
    return _axes_of(drop_extensions(value), SHAPE_TEXT, ("width", "height", "depth"))


def plane_fields(value: Any) -> Any:
    """``"WxH"`` or a square side as {width, height}; other values as they are (without ``x-`` keys)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"width": value, "height": value}
    return _axes_of(drop_extensions(value), PLANE_TEXT, ("width", "height"))


def integer_version(value: Any) -> Any:
    """The format version, which must be written as an integer."""
    if type(value) is not int:
        raise ValueError("the format version must be the integer 1")
    return value


def _axes_of(value: Any, pattern: re.Pattern[str], axes: tuple[str, ...]) -> Any:
    if not isinstance(value, str):
        return value
    match = pattern.match(value)
    if match is None:
        raise ValueError("not a shape")
    return dict(zip(axes, (int(group) for group in match.groups())))


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
