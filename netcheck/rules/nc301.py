"""NC301 — PyTorch refuses this layer although the format allows it.

PyTorch's pooling refuses a padding larger than half the (dilated) kernel,
and its transposed convolution refuses an output_padding not smaller than
the stride or the dilation. netcheck computes the shapes by the format's
formulas and warns that the layer cannot be built in PyTorch as written.

Why it matters: the spec validates but the model will not build in PyTorch.

Fails:

    name: pool
    input: 32x32x3
    layers:
      - {type: maxpool2d, kernel: 2, padding: 2}

Passes:

    name: pool
    input: 32x32x3
    layers:
      - {type: maxpool2d, kernel: 2, padding: 1, stride: 2}
"""

from __future__ import annotations

from netcheck.rules.words import Facts

CODE = "NC301"
NAME = "pytorch-refuses"
SEVERITY = "warning"


def message(facts: Facts) -> str:
    """What PyTorch refuses: pool padding over half the kernel, or output_padding too large."""
    axis = facts["axis"]
    if facts["case"] == "pool-padding":
        return f"{axis}: PyTorch refuses pool padding {facts['padding']} > half the kernel {facts['kernel']}/2"
    return (f"{axis}: PyTorch refuses output_padding {facts['output_padding']}: it must be smaller than the stride "
            f"({facts['stride']}) or the dilation ({facts['dilation']})")
