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

from netcheck.rules.words import SIDES, Facts, line_of

CODE = "NC204"
NAME = "same-padding"
SEVERITY = "warning"


def message(facts: Facts) -> str:
    """How ``same`` padding splits unevenly, or cannot give the size it promises."""
    axis, size, stride, case = facts["axis"], facts["size"], facts["stride"], facts["case"]
    before, after = SIDES[axis]
    if case == "same":
        total, out = facts["total"], facts["out"]
        return (f"{axis}: padding same needs {line_of(facts, total)} of padding for ceil({size}/{stride}) = {out}, "
                f"split {total // 2} {before} and {total - total // 2} {after}: not symmetric "
                "(PyTorch's symmetric padding cannot reproduce it)")
    if case == "transposed-short":
        return (f"{axis}: padding same cannot give {size}·{stride} = {size * stride}: the kernel spans only "
                f"{facts['kernel_eff']} < stride {stride}, so the output is ({size} − 1)·{stride} + "
                f"{facts['kernel_eff']} + {facts['output_padding']} = {facts['out']}, as ONNX computes it")
    total = facts["total"]
    return (f"{axis}: padding same removes {line_of(facts, total)} to give {size}·{stride} = {size * stride}, "
            f"{total // 2} {before} and {total - total // 2} {after}: not symmetric")
