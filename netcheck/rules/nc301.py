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

CODE = "NC301"
NAME = "pytorch-refuses"
