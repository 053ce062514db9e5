"""Pooling: windowed (max, avg), global and adaptive. No parameters."""

from __future__ import annotations

from fractions import Fraction

from netcheck.layers.base import Field, Flow, Outcome, Problem, Rule, merge_axes
from netcheck.layers.sliding import padding_pair, slide_plane
from netcheck.records import Record
from netcheck.vocabulary import Shape, pair


def pool2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """The sliding-window formula with stride defaulting to the kernel, × D."""
    flow = flows[0]
    stride = layer.kernel if layer.stride is None else layer.stride
    dilation = layer.dilation if layer.type == "maxpool2d" else 1
    plane = slide_plane(flow, layer.kernel, stride, layer.padding, dilation, rounding)
    problems = plane.problems + _pytorch_padding_limit(layer)
    if plane.width is None or plane.height is None:
        return Outcome(None, problems=problems)
    return Outcome(Flow(Shape(plane.width, plane.height, flow.shape.depth), *plane.fields), problems=problems)


def blurpool2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """The sliding-window formula with F = kernel, × D (a depthwise blur: PyTorch's conv limits, not a pool's)."""
    flow = flows[0]
    plane = slide_plane(flow, layer.kernel, layer.stride, layer.padding, 1, rounding)
    if plane.width is None or plane.height is None:
        return Outcome(None, problems=plane.problems)
    return Outcome(Flow(Shape(plane.width, plane.height, flow.shape.depth), *plane.fields), problems=plane.problems)


def _pytorch_padding_limit(layer: Record) -> list[Problem]:
    """PyTorch refuses pool padding larger than half the (undilated) kernel."""
    per_axis: list[list[Problem]] = [[], []]
    for index, (axis, kernel, pad) in enumerate(zip(("width", "height"), pair(layer.kernel),
                                                    padding_pair(layer.padding))):
        if isinstance(pad, int) and 2 * pad > kernel:
            per_axis[index].append(Problem("NC301", {"case": "pool-padding", "axis": axis, "padding": pad,
                                                     "kernel": kernel}, "padding"))
    return merge_axes(*per_axis)


def global_pool2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """1 × 1 × D, seeing the whole plane."""
    flow = flows[0]
    shape = flow.shape
    return Outcome(Flow(
        Shape(1, 1, shape.depth),
        flow.width.through_window(shape.width, shape.width),
        flow.height.through_window(shape.height, shape.height),
    ))


def adaptive_pool2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """The output plane as given, × D; windows of about ceil(W/out) pixels."""
    flow = flows[0]
    shape = flow.shape
    out_w, out_h = layer.output.width, layer.output.height
    return Outcome(Flow(
        Shape(out_w, out_h, shape.depth),
        _adaptive_field(flow.width, shape.width, out_w),
        _adaptive_field(flow.height, shape.height, out_h),
    ))


def _adaptive_field(field: Field, size: int, out: int) -> Field:
    return field.through_window(-(-size // out), Fraction(size, out))


#: The layer types this module computes, by ``type``.
RULES: dict[str, Rule] = {
    "maxpool2d": pool2d,
    "avgpool2d": pool2d,
    "blurpool2d": blurpool2d,
    "global_avgpool2d": global_pool2d,
    "global_maxpool2d": global_pool2d,
    "adaptive_avgpool2d": adaptive_pool2d,
    "adaptive_maxpool2d": adaptive_pool2d,
}
