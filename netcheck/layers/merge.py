"""add, subtract, concat, multiply and context_pool2d: layers that read two or more inputs."""

from __future__ import annotations

from netcheck.layers.base import Field, Flow, Outcome, Problem, Rule
from netcheck.records import Record
from netcheck.vocabulary import Shape


def _widest(fields: list[Field]) -> Field:
    return Field(max(field.size for field in fields), max(field.jump for field in fields))


def _merged(flows: list[Flow], shape: Shape) -> Flow:
    return Flow(shape, _widest([flow.width for flow in flows]), _widest([flow.height for flow in flows]))


def _listed(names: list[str], shapes: list[Shape]) -> tuple[tuple[str, str], ...]:
    return tuple((name, str(shape)) for name, shape in zip(names, shapes))


def add(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """All inputs must have the same shape; the output has it too (add, subtract)."""
    shapes = [flow.shape for flow in flows]
    if len(set(shapes)) > 1:
        return Outcome(None, problems=[Problem("NC103", {"case": layer.type,
                                                         "inputs": _listed(layer.inputs, shapes)})])
    return Outcome(_merged(flows, shapes[0]))


def concat(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Equal W × H; depths summed."""
    planes = [(flow.shape.width, flow.shape.height) for flow in flows]
    if len(set(planes)) > 1:
        inputs = _listed(layer.inputs, [flow.shape for flow in flows])
        return Outcome(None, problems=[Problem("NC103", {"case": "concat", "inputs": inputs})])
    width, height = planes[0]
    return Outcome(_merged(flows, Shape(width, height, sum(flow.shape.depth for flow in flows))))


def multiply(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Per axis all sizes equal, or 1 where they differ (broadcasting); the output takes the largest on each axis."""
    shapes = [flow.shape for flow in flows]
    axes = list(zip(*shapes))
    if any(len(set(sizes) - {1}) > 1 for sizes in axes):
        return Outcome(None, problems=[Problem("NC103", {"case": "multiply",
                                                         "inputs": _listed(layer.inputs, shapes)})])
    shape = Shape(*(max(sizes) for sizes in axes))
    return Outcome(Flow(shape, _spread([(flow.width, flow.shape.width) for flow in flows], shape.width),
                        _spread([(flow.height, flow.shape.height) for flow in flows], shape.height)))


def _spread(fields: list[tuple[Field, int]], size: int) -> Field:
    """A product's field on one axis: the widest view, stepping as the inputs that are not broadcast along it.

    A 1 x 1 gate (squeeze-and-excitation) sees the whole image with a jump as
    large as the plane; spread over the plane it takes its positions' steps.
    """
    spread = [field for field, extent in fields if extent == size] or [field for field, _extent in fields]
    return Field(max(field.size for field, _extent in fields), max(field.jump for field in spread))


def context_pool2d(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """Values W x H x D and scores W x H x 1 give 1 x 1 x D, each output seeing the whole plane of both."""
    values, scores = flows[0].shape, flows[1].shape
    if (values.width, values.height) != (scores.width, scores.height) or scores.depth != 1:
        return Outcome(None, problems=[Problem("NC103", {"case": "context_pool2d",
                                                         "inputs": _listed(layer.inputs, [values, scores])})])
    merged = _merged(flows, values)
    return Outcome(Flow(Shape(1, 1, values.depth), merged.width.through_window(values.width, values.width),
                        merged.height.through_window(values.height, values.height)))


#: The layer types this module computes, by ``type``.
RULES: dict[str, Rule] = {
    "add": add,
    "subtract": add,
    "concat": concat,
    "multiply": multiply,
    "context_pool2d": context_pool2d,
}
