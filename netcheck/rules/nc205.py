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

from netcheck.rules.words import Facts

CODE = "NC205"
NAME = "unused-output"
SEVERITY = "warning"


def message(facts: Facts) -> str:
    """Which output nobody reads, and what the network's output is instead."""
    return (f"the output of {facts['name']} is never read: no layer lists it in inputs and it is not the last "
            f"layer (the network's output is {facts['output']})")
