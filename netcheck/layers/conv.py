"""conv2d, cond_conv2d, conv_transpose2d and channel_conv: shapes, shared and unshared parameters, MACs."""

from __future__ import annotations

from netcheck.layers.base import Field, Flow, Outcome, Problem, Rule, exact, merge_axes
from netcheck.layers.sliding import padding_pair, slide_plane
from netcheck.records import Record
from netcheck.vocabulary import Shape, pair


def groups_problems(groups: int, depth: int, filters: int) -> list[Problem]:
    """One NC104 when ``groups`` does not divide the input depth, the filter count, or both.

    ``parts`` lists what it does not divide, as (what, value) pairs; ``what`` and ``value`` are the first of them.
    """
    parts = tuple((what, value) for what, value in (("input depth", depth), ("filters", filters)) if value % groups)
    if not parts:
        return []
    (what, value) = parts[0]
    return [Problem("NC104", {"groups": groups, "depth": depth, "filters": filters, "what": what, "value": value,
                              "parts": parts})]


def conv2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """W_out = (W − F_eff + 2P)/S + 1 per axis, × K; F_w·F_h·(D/groups)·K (+K) parameters."""
    flow = flows[0]
    depth, filters, groups = flow.shape.depth, layer.filters, layer.groups
    plane = slide_plane(flow, layer.kernel, layer.stride, layer.padding, layer.dilation, rounding)
    problems = plane.problems + groups_problems(groups, depth, filters)
    kernel_w, kernel_h = pair(layer.kernel)
    weights_per_filter = kernel_w * kernel_h * depth // groups
    bias = 1 if layer.bias else 0
    gains = filters if getattr(layer.get("weight_standardization"), "gain", False) else 0
    valid_groups = not any(problem.code == "NC104" for problem in problems)
    trainable = (weights_per_filter * filters + bias * filters + gains) if valid_groups else None
    if plane.width is None or plane.height is None:
        return Outcome(None, trainable, problems=problems)
    out = Shape(plane.width, plane.height, filters)
    positions = out.width * out.height
    return Outcome(
        Flow(out, *plane.fields),
        trainable,
        unshared=(weights_per_filter + bias) * positions * filters + gains if valid_groups else None,
        macs=positions * filters * weights_per_filter if valid_groups else None,
        problems=problems,
    )


def cond_conv2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """conv2d's shape of the features; experts x its weights; its MACs + the mixing (experts x weights per sample).

    The routing must be 1 x 1 x experts (NC103); every output sees what the routing saw (the widest field).
    """
    features, routing = flows
    if routing.shape != Shape(1, 1, layer.experts):
        inputs = tuple((name, str(flow.shape)) for name, flow in zip(layer.inputs, flows))
        return Outcome(None, problems=[Problem("NC103", {"case": "cond_conv2d", "inputs": inputs,
                                                         "experts": layer.experts})])
    conv = conv2d(layer, [features], rounding)
    experts = layer.experts
    trainable = None if conv.trainable is None else conv.trainable * experts
    if conv.flow is None:
        return Outcome(None, trainable, problems=conv.problems)
    weights = None if conv.trainable is None else conv.trainable - (layer.filters if layer.bias else 0)
    fields = [max((flow.width for flow in (conv.flow, routing)), key=lambda field: field.size),
              max((flow.height for flow in (conv.flow, routing)), key=lambda field: field.size)]
    return Outcome(
        Flow(conv.flow.shape, *fields), trainable,
        unshared=None if conv.unshared is None else conv.unshared * experts,
        macs=None if conv.macs is None or weights is None else conv.macs + experts * weights,
        problems=conv.problems,
    )


def conv_transpose2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """(W − 1)·S − 2P + F_eff + output_padding per axis, × K; D·(K/groups)·F_w·F_h (+K) parameters."""
    flow = flows[0]
    shape, filters, groups = flow.shape, layer.filters, layer.groups
    kernels, strides, dilations = pair(layer.kernel), pair(layer.stride), pair(layer.dilation)
    paddings, extras = padding_pair(layer.padding), pair(layer.output_padding)
    problems = groups_problems(groups, shape.depth, filters)
    sizes: list[int | None] = []
    fields: list[Field] = []
    per_axis: list[list[Problem]] = []
    for index, (axis, size, old_field) in enumerate((("width", shape.width, flow.width),
                                                     ("height", shape.height, flow.height))):
        kernel_eff = dilations[index] * (kernels[index] - 1) + 1
        axis_size, axis_problems = _transposed_axis(
            axis, size, kernel_eff, strides[index], paddings[index], extras[index], dilations[index])
        sizes.append(axis_size)
        per_axis.append(axis_problems)
        scaled = old_field.scaled(strides[index])
        fields.append(Field(exact(scaled.size + (kernel_eff - 1) * scaled.jump), scaled.jump))
    problems.extend(merge_axes(per_axis[0], per_axis[1]))
    valid_groups = not any(problem.code == "NC104" for problem in problems)
    weights = shape.depth * (filters // groups) * kernels[0] * kernels[1]
    bias = 1 if layer.bias else 0
    trainable = weights + bias * filters if valid_groups else None
    width, height = sizes
    if width is None or height is None:
        return Outcome(None, trainable, problems=problems)
    out = Shape(width, height, filters)
    inputs = shape.width * shape.height
    return Outcome(
        Flow(out, fields[0], fields[1]),
        trainable,
        unshared=inputs * weights + bias * out.width * out.height * filters if valid_groups else None,
        macs=inputs * weights if valid_groups else None,
        problems=problems,
    )


def _transposed_axis(
    axis: str, size: int, kernel_eff: int, stride: int, padding: int | str, extra: int, dilation: int
) -> tuple[int | None, list[Problem]]:
    facts = {"axis": axis, "size": size, "kernel_eff": kernel_eff, "stride": stride, "padding": padding,
             "output_padding": extra, "dilation": dilation}
    problems = []
    if extra >= max(stride, dilation):
        problems.append(Problem("NC301", {**facts, "case": "output_padding"}, "output_padding"))
    if padding == "same":
        full = (size - 1) * stride + kernel_eff + extra
        total = full - size * stride
        if total < 0:
            problems.append(Problem("NC204", {**facts, "case": "transposed-short", "out": full}, "padding"))
            return full, problems
        if total % 2:
            problems.append(Problem("NC204", {**facts, "case": "transposed-odd", "total": total}, "padding"))
        return size * stride, problems
    out = (size - 1) * stride - 2 * int(padding) + kernel_eff + extra
    if out < 1:
        problems.append(Problem("NC102", {**facts, "case": "transposed", "out": out}))
        return None, problems
    return out, problems


def channel_padding(layer: Record) -> int:
    """A channel_conv's P: as written, else (k − 1)/2 rounded down."""
    return int(layer.padding) if layer.padding is not None else (layer.kernel - 1) // 2


def channel_conv(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """W x H x (D − k + 2P + 1); k (+1) trainable, shared by every position and channel; W·H·D_out·k MACs."""
    flow = flows[0]
    depth, kernel, padding = flow.shape.depth, layer.kernel, channel_padding(layer)
    trainable = kernel + (1 if layer.bias else 0)
    out_depth = depth - kernel + 2 * padding + 1
    if out_depth < 1:
        facts = {"case": "channels", "depth": depth, "kernel": kernel, "padding": padding, "out": out_depth}
        return Outcome(None, trainable, problems=[Problem("NC102", facts)])
    out = Shape(flow.shape.width, flow.shape.height, out_depth)
    positions = out.width * out.height * out_depth
    return Outcome(Flow(out, flow.width, flow.height), trainable, unshared=trainable * positions,
                   macs=positions * kernel)


#: The layer types this module computes, by ``type``.
RULES: dict[str, Rule] = {
    "conv2d": conv2d,
    "conv_transpose2d": conv_transpose2d,
    "cond_conv2d": cond_conv2d,
    "channel_conv": channel_conv,
}
