"""NC205 — a layer's output is never read.

Every layer but the last should feed another layer: the network's output is
the last layer, so a branch that no `add` or `concat` reads is dead.

Why it matters: usually a merge that names the wrong branch.

Fails:

    name: dead-branch
    input: 32x32x3
    layers:
      - {name: a, type: conv2d, filters: 8, kernel: 3, padding: 1}
      - {name: b, type: conv2d, filters: 8, kernel: 1, inputs: input}
      - {name: c, type: conv2d, filters: 8, kernel: 3, padding: 1, inputs: a}

Passes:

    name: merged
    input: 32x32x3
    layers:
      - {name: a, type: conv2d, filters: 8, kernel: 3, padding: 1}
      - {name: b, type: conv2d, filters: 8, kernel: 1, inputs: input}
      - {name: c, type: add, inputs: [a, b]}
"""

from __future__ import annotations

CODE = "NC205"
NAME = "unused-output"
