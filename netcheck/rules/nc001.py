"""NC001 — the file cannot be read, is not UTF-8, or is not valid YAML.

netcheck reads regular files only, as strict UTF-8 (a byte-order mark is
allowed), as one YAML document of plain data. It also stops here when a
safety limit is hit: the file is larger than --max-bytes, its nesting is
deeper than --max-depth, or aliases expand it past --max-nodes. Tags that
build objects (!!python/object, !!binary, !!set, local !tags) are refused.

Why it matters: nothing else can be checked until the file loads, and a
loader that builds objects or expands aliases without bounds is a way to
attack the machine that runs the check.

Fails:

    name: broken
    input: 32x32x3
    layers: [{type: conv2d, filters: 8, kernel: 3

Passes:

    name: fixed
    input: 32x32x3
    layers: [{type: conv2d, filters: 8, kernel: 3}]
"""

from __future__ import annotations

CODE = "NC001"
NAME = "file-unreadable"
SEVERITY = "error"
