"""NC204 — `same` padding is not symmetric, or cannot give its size.

`padding: same` gives ceil(W/S) (W·S for conv_transpose2d), splitting the
total padding evenly with any odd pixel on the right/bottom, as TensorFlow and
ONNX SAME_UPPER do. PyTorch pads symmetrically, so an odd total cannot be
reproduced there. A transposed convolution whose F_eff < S cannot reach W·S.

Why it matters: the same spec gives different outputs, or shapes, in
different frameworks.

Fails:

    name: same
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 8, kernel: 3, stride: 2, padding: same}

Passes:

    name: same
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 8, kernel: 3, stride: 1, padding: same}
"""

from __future__ import annotations

CODE = "NC204"
NAME = "same-padding"
