"""Layers that keep the shape: normalisations, per-channel factors, dropout, activations, identity."""

from __future__ import annotations

from netcheck.layers.base import Flow, Outcome, Problem, Rule
from netcheck.records import Record


def channel_groups_problems(layer: Record, depth: int) -> list[Problem]:
    """NC104 when the layer's ``groups`` does not divide the depth (groupnorm, channel_shuffle)."""
    if depth % layer.groups == 0:
        return []
    return [Problem("NC104", {"case": "channels", "kind": layer.type, "groups": layer.groups, "depth": depth,
                              "what": "input depth", "value": depth})]


def batchnorm2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; 2D trainable (scale, shift) if affine, 2D non-trainable (running mean, variance)."""
    depth = flows[0].shape.depth
    return Outcome(flows[0], 2 * depth if layer.affine else 0, non_trainable=2 * depth)


def layernorm2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; 2D trainable (scale, shift over the channels) if affine, D without the shift."""
    return Outcome(flows[0], (1 + layer.bias) * flows[0].shape.depth if layer.affine else 0)


def rmsnorm2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; D trainable (a scale per channel) if affine."""
    return Outcome(flows[0], flows[0].shape.depth if layer.affine else 0)


def grn(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; 2D trainable (a scale and a shift per channel)."""
    return Outcome(flows[0], 2 * flows[0].shape.depth)


def groupnorm(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; 2D trainable if affine (D without the shift); groups must divide D (NC104: the shape is still
    passed on)."""
    depth = flows[0].shape.depth
    return Outcome(flows[0], (1 + layer.bias) * depth if layer.affine else 0,
                   problems=channel_groups_problems(layer, depth))


def evonorm2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; 3D trainable (v, scale, shift), 2D without the activation; groups must divide D (NC104)."""
    depth = flows[0].shape.depth
    return Outcome(flows[0], (3 if layer.activation else 2) * depth, problems=channel_groups_problems(layer, depth))


def instancenorm2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; 2D trainable if affine, 2D non-trainable (running mean, variance) if tracked."""
    depth = flows[0].shape.depth
    return Outcome(flows[0], 2 * depth if layer.affine else 0,
                   non_trainable=2 * depth if layer.track_running_stats else 0)


def layer_scale(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; D trainable factors (1 if not per channel), as many shifts again with bias."""
    factors = flows[0].shape.depth if layer.per_channel else 1
    return Outcome(flows[0], factors * (1 + layer.bias))


def prelu(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape; one learned slope per channel (D) or one in all."""
    return Outcome(flows[0], flows[0].shape.depth if layer.per_channel else 1)


def channel_shuffle(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape, no parameters; groups must divide D (NC104: the shape is still passed on): channel_shuffle and
    group_softmax."""
    return Outcome(flows[0], problems=channel_groups_problems(layer, flows[0].shape.depth))


def passthrough(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Same shape, no parameters."""
    return Outcome(flows[0])


#: The layer types this module computes, by ``type``.
RULES: dict[str, Rule] = {
    "batchnorm2d": batchnorm2d,
    "lrn": passthrough,
    "dropout": passthrough,
    "activation": passthrough,
    "layernorm2d": layernorm2d,
    "rmsnorm2d": rmsnorm2d,
    "grn": grn,
    "groupnorm": groupnorm,
    "instancenorm2d": instancenorm2d,
    "layer_scale": layer_scale,
    "prelu": prelu,
    "drop_path": passthrough,
    "identity": passthrough,
    "scale": passthrough,
    "channel_shuffle": channel_shuffle,
    "group_softmax": channel_shuffle,
    "evonorm2d": evonorm2d,
}
