"""One rule per layer type: from the input flows to the output flow, counts and problems.

Every rule is pure and exact: ``rule(layer, flows, rounding) -> Outcome``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from netcheck.layers.base import Field, Flow, Outcome, Problem
from netcheck.layers.conv import conv2d, conv_transpose2d
from netcheck.layers.dense import dense
from netcheck.layers.elementwise import batchnorm2d, passthrough
from netcheck.layers.merge import add, concat
from netcheck.layers.pool import adaptive_pool2d, global_pool2d, pool2d
from netcheck.layers.reshape import flatten, upsample2d, zeropad2d

Rule = Callable[[Any, list[Flow], str], Outcome]

RULES: dict[str, Rule] = {
    "conv2d": conv2d,
    "conv_transpose2d": conv_transpose2d,
    "maxpool2d": pool2d,
    "avgpool2d": pool2d,
    "global_avgpool2d": global_pool2d,
    "global_maxpool2d": global_pool2d,
    "adaptive_avgpool2d": adaptive_pool2d,
    "adaptive_maxpool2d": adaptive_pool2d,
    "zeropad2d": zeropad2d,
    "upsample2d": upsample2d,
    "flatten": flatten,
    "dense": dense,
    "batchnorm2d": batchnorm2d,
    "lrn": passthrough,
    "dropout": passthrough,
    "activation": passthrough,
    "add": add,
    "concat": concat,
}

MERGES = frozenset({"add", "concat"})

__all__ = ["MERGES", "RULES", "Field", "Flow", "Outcome", "Problem", "Rule"]
