"""NC004 — the layer graph is broken: unknown input, cycle, duplicate name.

A layer reads the layer before it unless it names its `inputs`; `input` is the
network input. Names must be unique (the default name of a layer is
`<type>_<n>`, counted per type, and counts too), must not be `input`, and the
inputs must not form a cycle.

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

CODE = "NC004"
NAME = "graph"
