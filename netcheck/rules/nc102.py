"""NC102 — an output size is below 1: the kernel is larger than the padded input.

For conv2d and pooling, F_eff = dilation·(F − 1) + 1 must fit in W + 2P. For
conv_transpose2d, (W − 1)·S − 2P + F_eff + output_padding must be at least 1.

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

CODE = "NC102"
NAME = "kernel-too-large"

__all__ = ["CODE", "NAME", "candidates"]
