"""NC102 — an output size is below 1: the kernel is larger than the padded input.

For conv2d and pooling, F_eff = dilation·(F − 1) + 1 must fit in W + 2P. For
conv_transpose2d, (W − 1)·S − 2P + F_eff + output_padding must be at least 1.

When both axes fall below 1 with different numbers, one violation shows
each axis's arithmetic and lists its fixes (which must fix both) once.

Why it matters: the framework raises at run time, or the layer has no output.

Fails:

    name: too-deep
    input: 8x8x3
    layers:
      - {type: maxpool2d, kernel: 2}
      - {type: maxpool2d, kernel: 2}
      - {type: conv2d, filters: 8, kernel: 3}

Passes:

    name: too-deep-fixed
    input: 8x8x3
    layers:
      - {type: maxpool2d, kernel: 2}
      - {type: maxpool2d, kernel: 2}
      - {type: conv2d, filters: 8, kernel: 3, padding: 1}
"""

from __future__ import annotations

from netcheck.rules.geometry import window_candidates as candidates
from netcheck.rules.words import Facts, dilation_note, each_axis, formula, show

CODE = "NC102"
NAME = "kernel-too-large"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """The arithmetic that falls below 1, for a sliding window or a transposed convolution; both axes when both
    fail (``axes``), each with its own numbers."""
    return "; ".join(_axis_message(axis) for axis in each_axis(facts))


def _axis_message(facts: Facts) -> str:
    axis = facts["axis"]
    if facts["case"] == "transposed":
        size, stride, padding = facts["size"], facts["stride"], facts["padding"]
        return (f"{axis} ({size} − 1)·{stride} − 2·{padding} + {facts['kernel_eff']} + {facts['output_padding']} "
                f"= {facts['out']} is below 1: padding {padding} removes more than the layer produces")
    return (f"{axis} {formula(facts)} = {show(facts['exact'])} is below 1: the kernel{dilation_note(facts)} "
            f"spans {facts['kernel_eff']} but the padded input is only {facts['padded']}")


__all__ = ["CODE", "NAME", "SEVERITY", "candidates", "message"]
