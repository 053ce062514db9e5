"""Layers that move values without weights: flatten, zeropad2d, upsample2d."""

from __future__ import annotations

from netcheck.layers.base import Flow, Outcome, Rule
from netcheck.records import Record
from netcheck.vocabulary import Shape, pair


def flatten(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """1 × 1 × (W·H·D): every output sees the whole plane."""
    flow = flows[0]
    shape = flow.shape
    return Outcome(Flow(
        Shape(1, 1, shape.width * shape.height * shape.depth),
        flow.width.through_window(shape.width, shape.width),
        flow.height.through_window(shape.height, shape.height),
    ))


def zeropad2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """W + left + right, H + top + bottom, D."""
    flow = flows[0]
    padding = layer.padding
    if isinstance(padding, int):
        left = right = top = bottom = padding
    else:
        left, right, top, bottom = padding.left, padding.right, padding.top, padding.bottom
    shape = flow.shape
    out = Shape(shape.width + left + right, shape.height + top + bottom, shape.depth)
    return Outcome(Flow(out, flow.width, flow.height))


def upsample2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """W·s_w × H·s_h × D; the jump shrinks by the scale."""
    flow = flows[0]
    scale_w, scale_h = pair(layer.scale)
    shape = flow.shape
    return Outcome(Flow(
        Shape(shape.width * scale_w, shape.height * scale_h, shape.depth),
        flow.width.scaled(scale_w),
        flow.height.scaled(scale_h),
    ))


#: The layer types this module computes, by ``type``.
RULES: dict[str, Rule] = {
    "zeropad2d": zeropad2d,
    "upsample2d": upsample2d,
    "flatten": flatten,
}
