"""dense: a fully connected layer on a 1 × 1 × N vector."""

from __future__ import annotations

from netcheck.layers.base import Flow, Outcome, Problem, Rule
from netcheck.records import Record
from netcheck.vocabulary import Shape


def dense(layer: Record, flows: list[Flow], rounding: str) -> Outcome:
    """1 × 1 × units; N·units (+units) parameters and N·units MACs."""
    flow = flows[0]
    shape = flow.shape
    weights_in = shape.width * shape.height * shape.depth
    bias = layer.units if layer.bias else 0
    trainable = weights_in * layer.units + bias
    if (shape.width, shape.height) != (1, 1):
        return Outcome(None, None, problems=[Problem(
            "NC103", {"case": "dense", "volume": str(shape), "flat": weights_in, "params": trainable})])
    return Outcome(Flow(Shape(1, 1, layer.units), flow.width, flow.height), trainable,
                   macs=weights_in * layer.units)


#: The layer types this module computes, by ``type``.
RULES: dict[str, Rule] = {
    "dense": dense,
}
