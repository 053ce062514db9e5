"""NC106 — an output size, receptive field or jump is out of range.

Sizes are bounded to 2³¹ − 1 per axis, as frameworks index tensors, and
receptive fields and jumps to 10¹⁸ input pixels (or a jump finer than
10⁻¹⁸). A layer past these bounds has no output, and the layers that read it
are not computed. Only absurd networks get here (a stride of 2³¹ − 1 forty
times over, a thousand upsamplings); the bound keeps every report finite.

Why it matters: no framework can run such a layer, and the numbers it would
report are too large to be useful.

Fails:

    name: huge
    input: 65536x65536x3
    layers:
      - {type: upsample2d, scale: 65536}

Passes:

    name: huge
    input: 65536x65536x3
    layers:
      - {type: upsample2d, scale: 2}
"""

from __future__ import annotations

from netcheck.rules.words import Facts

CODE = "NC106"
NAME = "out-of-range"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """Which size or field left the range netcheck computes in."""
    if facts["case"] == "size":
        what = f"the output {facts['shape']} has a size over {facts['limit']:,} (2³¹ − 1)"
    else:
        what = "the receptive field or jump leaves the range 10⁻¹⁸…10¹⁸ input pixels"
    return f"{what}: no framework computes this network"
