"""Layers that move values without weights: flatten, zeropad2d, upsample2d, slice, pixel (un)shuffle."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from netcheck.layers.base import Flow, Outcome, Problem, Rule, merge_axes
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


def sides(value: Any) -> tuple[int, int, int, int]:
    """(left, right, top, bottom) of a padding or crop: an integer for every side, or per side (a record or a
    model with ``left``, ``right``, ``top``, ``bottom``)."""
    if isinstance(value, int):
        return value, value, value, value
    return value.left, value.right, value.top, value.bottom


def zeropad2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """W + left + right, H + top + bottom, D."""
    flow = flows[0]
    left, right, top, bottom = sides(layer.padding)
    shape = flow.shape
    out = Shape(shape.width + left + right, shape.height + top + bottom, shape.depth)
    return Outcome(Flow(out, flow.width, flow.height))


def crop2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """W − left − right, H − top − bottom, D; NC102 when less than 1 x 1 is left."""
    flow = flows[0]
    left, right, top, bottom = sides(layer.crop)
    shape = flow.shape
    out = Shape(shape.width - left - right, shape.height - top - bottom, shape.depth)
    if out.width < 1 or out.height < 1:
        facts = {"case": "crop", "width": shape.width, "height": shape.height, "left": left, "right": right,
                 "top": top, "bottom": bottom}
        return Outcome(None, problems=[Problem("NC102", facts)])
    return Outcome(Flow(out, flow.width, flow.height))


def resize2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """The ``output`` plane × D; the jump scales by input/output on each axis (a nearest or bilinear resize)."""
    flow = flows[0]
    shape = flow.shape
    out_w, out_h = layer.output.width, layer.output.height
    return Outcome(Flow(Shape(out_w, out_h, shape.depth), flow.width.scaled(Fraction(out_w, shape.width)),
                        flow.height.scaled(Fraction(out_h, shape.height))))


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


def slice_channels(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """W × H × (stop − start); 0 ≤ start < stop ≤ D, else NC103."""
    flow = flows[0]
    shape = flow.shape
    start, stop = layer.channels
    if not start < stop <= shape.depth:
        case = "slice-empty" if stop <= start else "slice-range"
        return Outcome(None, problems=[Problem("NC103", {"case": case, "start": start, "stop": stop,
                                                         "depth": shape.depth})])
    return Outcome(Flow(Shape(shape.width, shape.height, stop - start), flow.width, flow.height))


def pixel_shuffle(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """W·r × H·r × D/r²; r² must divide D (NC104); the jump is divided by r."""
    flow = flows[0]
    shape, factor = flow.shape, layer.factor
    square = factor * factor
    if shape.depth % square:
        return Outcome(None, problems=[Problem("NC104", {"case": "pixel_shuffle", "factor": factor,
                                                         "groups": square, "depth": shape.depth,
                                                         "what": "input depth", "value": shape.depth})])
    return Outcome(Flow(Shape(shape.width * factor, shape.height * factor, shape.depth // square),
                        flow.width.scaled(factor), flow.height.scaled(factor)))


def pixel_unshuffle(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """W/r × H/r × D·r²; r must divide W and H (NC101, whatever the rounding: PyTorch refuses it)."""
    flow = flows[0]
    shape, factor = flow.shape, layer.factor
    per_axis: list[list[Problem]] = [[], []]
    for index, (axis, size) in enumerate((("width", shape.width), ("height", shape.height))):
        if size % factor:
            per_axis[index].append(Problem("NC101", {"case": "pixel_unshuffle", "axis": axis, "size": size,
                                                     "factor": factor, "exact": Fraction(size, factor)}))
    problems = merge_axes(*per_axis)
    width, height = shape.width // factor, shape.height // factor
    if width < 1 or height < 1:
        return Outcome(None, problems=problems)
    return Outcome(Flow(Shape(width, height, shape.depth * factor * factor),
                        flow.width.through_window(factor, factor), flow.height.through_window(factor, factor)),
                   problems=problems)


#: The layer types this module computes, by ``type``.
RULES: dict[str, Rule] = {
    "zeropad2d": zeropad2d,
    "crop2d": crop2d,
    "resize2d": resize2d,
    "upsample2d": upsample2d,
    "flatten": flatten,
    "slice": slice_channels,
    "pixel_shuffle": pixel_shuffle,
    "pixel_unshuffle": pixel_unshuffle,
}
