"""NC202 — padding ≥ the dilated kernel: some windows see only padding.

With P ≥ F_eff the outermost windows lie entirely in the zeros added around
the input; they produce outputs that carry no information.

Why it matters: usually a kernel and a padding swapped, or a padding meant
for a larger kernel.

Fails:

    name: padded
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 8, kernel: 3, padding: 3}

Passes:

    name: padded
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 8, kernel: 3, padding: 1}
"""

from __future__ import annotations

from netcheck.rules.words import Facts

CODE = "NC202"
NAME = "padding-only-windows"
SEVERITY = "warning"


def message(facts: Facts) -> str:
    """``width: padding 3 ≥ the kernel's span 3: the outermost windows see only padding``."""
    return (f"{facts['axis']}: padding {facts['padding']} ≥ the kernel's span {facts['kernel_eff']}: "
            "the outermost windows see only padding")
