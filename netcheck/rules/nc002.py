"""NC002 — the document does not fit the schema.

An unknown key (a typo such as `strides:`), an unknown layer type, a missing
required field, a value of the wrong type or out of range. Values are strict:
`stride: 2.0`, `stride: "2"` and `stride: true` are errors, not coerced, and
YAML 1.1 words such as `yes` are strings. Keys starting with `x-` are allowed
anywhere and ignored.

Why it matters: a misspelt key silently falls back to a default in most
loaders; the network that trains is then not the one in the file.

Fails:

    name: typo
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 8, kernel: 3, strides: 2}

Passes:

    name: typo-fixed
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 8, kernel: 4, stride: 2, padding: 1}
"""

from __future__ import annotations

CODE = "NC002"
NAME = "schema"
SEVERITY = "error"
