"""NC103 — incompatible input shapes: add, concat, or dense on a volume.

`add` and `subtract` need inputs of one shape; `concat` needs equal width and height;
`multiply` needs inputs that broadcast (on each axis the sizes are equal, or
1: a 1 × 1 × D gate times a W × H × D volume); `context_pool2d` needs values
W × H × D and scores W × H × 1 of one plane; `cond_conv2d` needs routing
weights 1 × 1 × experts; `slice` needs channels
[start, stop] with 0 ≤ start < stop ≤ D; `dense` needs a vector 1 × 1 × N, so
a volume must be flattened (or globally pooled) first.

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


NEEDS = {"add": "inputs of one shape", "subtract": "inputs of one shape", "concat": "inputs of one width and height",
         "multiply": "inputs that broadcast (on each axis equal sizes, or 1)",
         "context_pool2d": "values W x H x D and scores W x H x 1 of the same plane",
         "cond_conv2d": "routing weights 1 x 1 x experts"}


def message(facts: Facts) -> str:
    """Which inputs disagree (add, concat, multiply), the channels a slice asks for, or a dense layer's volume."""
    case = facts["case"]
    if case == "dense":
        return (f"dense needs a vector 1x1xN but gets the volume {facts['volume']}: add a flatten before it "
                f"(1x1x{facts['flat']}, {facts['params']:,} parameters)")
    if case.startswith("slice"):
        start, stop, depth = facts["start"], facts["stop"], facts["depth"]
        why = (f"is empty: {stop} − {start} = {stop - start} channels" if case == "slice-empty"
               else f"is out of range: the input has {depth} channels (0 … {depth - 1})")
        return f"slice channels [{start}, {stop}] {why}; it needs 0 ≤ start < stop ≤ {depth}"
    listing = ", ".join(f"{name} is {shape}" for name, shape in facts["inputs"])
    if case == "cond_conv2d":
        return f"cond_conv2d needs routing weights 1x1x{facts['experts']} (its experts), but {listing}"
    return f"{case} needs {NEEDS[case]}, but {listing}"


def candidates(context: Context) -> Iterator[list[Fix]]:
    """For a dense on a volume: insert a flatten right before it. For a slice: channels within the depth. For a
    cond_conv2d: the routing's number of experts."""
    layer = context.network.layers[context.index]
    if layer.type == "slice":
        yield _slice_candidates(context)
        return
    if layer.type == "cond_conv2d":
        yield _experts_candidates(context)
        return
    if layer.type != "dense":
        return
    name = f"{context.finding.layer}_flatten"
    flatten: dict[str, object] = {"name": name, "type": "flatten"}
    edits = [Edit(("layers", context.index), flatten, insert=True)]
    if layer.inputs is not None:
        flatten["inputs"] = list(layer.inputs)
        edits.append(Edit(("layers", context.index + 1, "inputs"), [name]))
    yield [Fix(f"insert a flatten named {name} before {context.finding.layer}", tuple(edits))]


def _experts_candidates(context: Context) -> list[Fix]:
    """A cond_conv2d whose routing is 1 x 1 x E: as many experts as the routing weighs."""
    (_features, _shape), (_routing, routing) = context.finding.facts["inputs"]
    width, height, depth = (int(part) for part in routing.split("x"))
    if (width, height) != (1, 1) or depth == context.finding.facts["experts"]:
        return []
    return [Fix(f"experts {depth}, as many as the routing weighs",
                (Edit(("layers", context.index, "experts"), depth),))]


def _slice_candidates(context: Context) -> list[Fix]:
    """Stop clamped to the depth; the bounds swapped when they are reversed; else the last channels."""
    facts = context.finding.facts
    start, stop, depth = facts["start"], facts["stop"], facts["depth"]
    options: list[list[int]] = []
    if start < depth and start < stop:
        options.append([start, depth])
    if stop < start <= depth:
        options.append([stop, start])
    if start < stop and stop - start <= depth:
        options.append([depth - (stop - start), depth])
    found: list[Fix] = []
    for channels in options:
        if channels not in [fix.edits[0].value for fix in found] and channels != [start, stop]:
            found.append(Fix(f"channels [{channels[0]}, {channels[1]}] gives {channels[1] - channels[0]} of "
                             f"the {depth} channels", (Edit(("layers", context.index, "channels"), channels),)))
    return found
