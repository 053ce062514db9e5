"""Layers that keep the shape: batchnorm2d, lrn, dropout, activation."""

from __future__ import annotations

from netcheck.layers.base import Flow, Outcome, Rule
from netcheck.records import Record


def batchnorm2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; 2D trainable (scale, shift) if affine, 2D non-trainable (running mean, variance)."""
    depth = flows[0].shape.depth
    return Outcome(flows[0], 2 * depth if layer.affine else 0, non_trainable=2 * depth)


def passthrough(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape, no parameters."""
    return Outcome(flows[0])


#: The layer types this module computes, by ``type``.
RULES: dict[str, Rule] = {
    "batchnorm2d": batchnorm2d,
    "lrn": passthrough,
    "dropout": passthrough,
    "activation": passthrough,
}
