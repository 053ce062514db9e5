"""NC101 — an output size is not a whole number (strict rounding).

Convolutions and pooling produce W_out = (W − F_eff + 2P)/S + 1 positions per
axis, with F_eff = dilation·(F − 1) + 1. Under `rounding: strict` (the
default) a result that is not a whole number is an error: the windows do not
tile the padded input. The message shows the arithmetic with the spec's own
numbers, and the fixes are computed: the nearest paddings (else strides,
else kernels) that make the layer whole, and for deeper layers the nearest
network input sizes under which every layer is whole. Each fix is verified
on the whole network before it is shown.

If the network relies on frameworks rounding down (PyTorch floors by
default), say `rounding: floor`, for the network or for one layer: the
remainder is then reported as the warning NC201.

Why it matters: a fractional size means some input rows or columns are
silently dropped, and the shapes downstream differ from what the author
computed by hand.

Fails:

    name: udacity-quiz
    input: 32x32x3
    layers:
      - {name: conv1, type: conv2d, filters: 20, kernel: 8, stride: 3, padding: 1}

Passes:

    name: udacity-quiz
    input: 32x32x3
    layers:
      - {name: conv1, type: conv2d, filters: 20, kernel: 8, stride: 2, padding: 1}
"""

from __future__ import annotations

from netcheck.rules.geometry import window_candidates as candidates
from netcheck.rules.words import Facts, dilation_note, statement

CODE = "NC101"
NAME = "non-integer-output"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """``width (32 − 8 + 2·1)/3 + 1 = 9.67 is not a whole number``."""
    return f"{statement(facts)} is not a whole number{dilation_note(facts)}"


__all__ = ["CODE", "NAME", "SEVERITY", "candidates", "message"]
