"""NC004 — the layer graph is broken: unknown input, cycle, duplicate name.

A layer reads the layer before it unless it names its `inputs`; `input` is the
network input. Names must be unique (the default name of a layer is
`<type>_<n>`, counted per type, and counts too), must not be `input`, and the
inputs must not form a cycle.

Messages count layers from 1, as lines are counted: `layer 2` is the
second item of `layers`.

Why it matters: shapes cannot flow through a graph that does not exist.

Fails:

    name: branches
    input: 32x32x3
    layers:
      - {name: a, type: conv2d, filters: 8, kernel: 3, padding: 1}
      - {name: b, type: conv2d, filters: 8, kernel: 3, padding: 1, inputs: input}
      - {name: sum, type: add, inputs: [a, c]}

Passes:

    name: branches
    input: 32x32x3
    layers:
      - {name: a, type: conv2d, filters: 8, kernel: 3, padding: 1}
      - {name: b, type: conv2d, filters: 8, kernel: 3, padding: 1, inputs: input}
      - {name: sum, type: add, inputs: [a, b]}
"""

from __future__ import annotations

from netcheck.rules.words import Facts

CODE = "NC004"
NAME = "graph"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """The message for a graph problem: a reserved or duplicate name, an unknown input, a cycle."""
    case = facts["case"]
    if case == "reserved":
        return "the name input is reserved for the network input; rename this layer"
    if case == "duplicate":
        name = facts["name"]
        first = facts["first"] + 1  # counted from 1, as lines are
        already = (f"layer {first} is named {name!r} already" if facts["how"] == "named"
                   else f"layer {first} has {name!r} as its default name already")
        return f"duplicate layer name {name!r}: {already}; names must be unique"
    if case == "unknown":
        close = facts["close"]
        hint = f" (did you mean {close!r}?)" if close else ""
        return f"unknown input {facts['name']!r}: no layer has this name{hint}"
    return f"cycle in the inputs: {' ← '.join(facts['cycle'])} (each reads the next); a network must be acyclic"
