"""NC103 — incompatible input shapes: add, concat, or dense on a volume.

`add` needs inputs of one shape; `concat` needs equal width and height;
`dense` needs a vector 1 × 1 × N, so a volume must be flattened (or globally
pooled) first.

Why it matters: the framework raises a shape error, often deep into a run.

Fails:

    name: no-flatten
    input: 28x28x1
    layers:
      - {type: conv2d, filters: 8, kernel: 3}
      - {type: dense, units: 10}

Passes:

    name: flattened
    input: 28x28x1
    layers:
      - {type: conv2d, filters: 8, kernel: 3}
      - {type: flatten}
      - {type: dense, units: 10}
"""

from __future__ import annotations

from collections.abc import Iterator

from netcheck.results import Edit, Fix
from netcheck.rules import Context
from netcheck.rules.words import Facts

CODE = "NC103"
NAME = "incompatible-shapes"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """Which inputs disagree (add, concat), or the volume a dense layer was given."""
    case = facts["case"]
    if case == "dense":
        return (f"dense needs a vector 1x1xN but gets the volume {facts['volume']}: add a flatten before it "
                f"(1x1x{facts['flat']}, {facts['params']:,} parameters)")
    listing = ", ".join(f"{name} is {shape}" for name, shape in facts["inputs"])
    needs = "one shape" if case == "add" else "one width and height"
    return f"{case} needs inputs of {needs}, but {listing}"


def candidates(context: Context) -> Iterator[list[Fix]]:
    """For a dense on a volume: insert a flatten right before it."""
    layer = context.network.layers[context.index]
    if layer.type != "dense":
        return
    name = f"{context.finding.layer}_flatten"
    flatten: dict[str, object] = {"name": name, "type": "flatten"}
    edits = [Edit(("layers", context.index), flatten, insert=True)]
    if layer.inputs is not None:
        flatten["inputs"] = list(layer.inputs)
        edits.append(Edit(("layers", context.index + 1, "inputs"), [name]))
    yield [Fix(f"insert a flatten named {name} before {context.finding.layer}", tuple(edits))]
