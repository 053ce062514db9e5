"""NC102 — an output size is below 1: the kernel is larger than the padded input.

For conv2d and pooling, F_eff = dilation·(F − 1) + 1 must fit in W + 2P. For
conv_transpose2d, (W − 1)·S − 2P + F_eff + output_padding must be at least 1.
For crop2d, at least one row and one column must be left. For channel_conv,
the kernel k must fit in the padded channels: D − k + 2P + 1 is at least 1.

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

from collections.abc import Iterator

from netcheck.results import Edit, Fix
from netcheck.rules import Context
from netcheck.rules.geometry import window_candidates
from netcheck.rules.words import Facts, dilation_note, each_axis, formula, show

CODE = "NC102"
NAME = "kernel-too-large"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """The arithmetic that falls below 1, for a sliding window or a transposed convolution; both axes when both
    fail (``axes``), each with its own numbers."""
    if facts.get("case") == "crop":
        return (f"crop2d leaves {facts['width']} − {facts['left']} − {facts['right']} = "
                f"{facts['width'] - facts['left'] - facts['right']} columns and {facts['height']} − {facts['top']} − "
                f"{facts['bottom']} = {facts['height'] - facts['top'] - facts['bottom']} rows: at least 1 x 1 must "
                "be left")
    if facts.get("case") == "channels":
        depth, kernel, padding = facts["depth"], facts["kernel"], facts["padding"]
        return (f"channel_conv depth ({depth} − {kernel} + 2·{padding}) + 1 = {facts['out']} is below 1: the kernel "
                f"spans {kernel} channels but the padded input has only {depth + 2 * padding}")
    return "; ".join(_axis_message(axis) for axis in each_axis(facts))


def candidates(context: Context) -> Iterator[list[Fix]]:
    """A window's fixes; for channel_conv, the padding (k − 1)/2 (which keeps D for an odd k) or a kernel that fits."""
    if context.finding.facts.get("case") == "crop":
        return
    if context.finding.facts.get("case") != "channels":
        yield from window_candidates(context)
        return
    facts = context.finding.facts
    depth, kernel = facts["depth"], facts["kernel"]
    fixes = [Fix(f"padding {kernel // 2} gives depth {depth - kernel + 2 * (kernel // 2) + 1}",
                 (Edit(("layers", context.index, "padding"), kernel // 2),))]
    if kernel > 1 and depth >= 1:
        fits = min(kernel - 1, depth + 2 * facts["padding"])
        fixes.append(Fix(f"kernel {fits} gives depth {depth - fits + 2 * facts['padding'] + 1}",
                         (Edit(("layers", context.index, "kernel"), fits),)))
    yield fixes


def _axis_message(facts: Facts) -> str:
    axis = facts["axis"]
    if facts["case"] == "transposed":
        size, stride, padding = facts["size"], facts["stride"], facts["padding"]
        return (f"{axis} ({size} − 1)·{stride} − 2·{padding} + {facts['kernel_eff']} + {facts['output_padding']} "
                f"= {facts['out']} is below 1: padding {padding} removes more than the layer produces")
    return (f"{axis} {formula(facts)} = {show(facts['exact'])} is below 1: the kernel{dilation_note(facts)} "
            f"spans {facts['kernel_eff']} but the padded input is only {facts['padded']}")


__all__ = ["CODE", "NAME", "SEVERITY", "candidates", "message"]
