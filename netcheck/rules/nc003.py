"""NC003 — a duplicate key in a mapping.

YAML loaders keep only the last of two equal keys, silently. Keys brought in
by a merge (`<<: *base`) may be overridden: that is what merges are for.

Why it matters: the first value, often the one the author meant, is lost.

Fails:

    name: twice
    input: 32x32x3
    layers:
      - type: conv2d
        filters: 8
        kernel: 3
        kernel: 5

Passes:

    name: once
    input: 32x32x3
    layers:
      - type: conv2d
        filters: 8
        kernel: 5
"""

from __future__ import annotations

CODE = "NC003"
NAME = "duplicate-key"
SEVERITY = "error"
