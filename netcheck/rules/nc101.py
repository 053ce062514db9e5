"""NC101 — an output size is not a whole number (strict rounding).

Convolutions and pooling produce W_out = (W − F_eff + 2P)/S + 1 positions per
axis, with F_eff = dilation·(F − 1) + 1. Under `rounding: strict` (the
default) a result that is not a whole number is an error: the windows do not
tile the padded input. The message shows the arithmetic with the spec's own
numbers, and the fixes are computed: the nearest paddings; setting
`rounding: floor` on the layer (the fix says so: `set rounding: floor on
this layer gives 9`); where the layer writes its `stride`, smaller strides
that keep it downsampling (a stride too large is a common slip: `stride 3
gives 4` for `stride: 4`); for deeper layers the nearest network input
sizes under which every layer is whole; then other strides and kernels.
Each fix is verified on the whole network before it is shown, and two are
shown.

One violation per layer: when both axes fail with different numbers (a
non-square input, or a kernel, stride or padding given per axis), one
violation shows both axes' arithmetic (`width … = 10.67 and height … = 11.67
are not whole numbers`), and its fixes, which must make both axes whole,
are listed once; when both axes fail with the very same numbers (a square
input), the width's arithmetic is shown.

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

from collections.abc import Iterator
from math import gcd

from netcheck.results import Edit, Fix
from netcheck.rules import Context
from netcheck.rules.geometry import window_candidates
from netcheck.rules.nc104 import divisors_of
from netcheck.rules.words import Facts, dilation_note, each_axis, joined, show, statement

CODE = "NC101"
NAME = "non-integer-output"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """``width (32 − 8 + 2·1)/3 + 1 = 9.67 is not a whole number``; pixel_unshuffle: ``width 7/2 = 3.5 …``.

    Both axes (``axes``): ``width … = 10.67 and height … = 11.67 are not whole numbers``.
    """
    axes = each_axis(facts)
    verb = "is not a whole number" if len(axes) == 1 else "are not whole numbers"
    if facts.get("case") == "pixel_unshuffle":
        clauses = [f"{axis['axis']} {axis['size']}/{axis['factor']} = {show(axis['exact'])}" for axis in axes]
        return f"{joined(clauses)} {verb}: pixel_unshuffle needs the factor to divide the width and the height"
    notes = [dilation_note(axis) for axis in axes]
    if len(set(notes)) == 1:
        return f"{joined([statement(axis) for axis in axes])} {verb}{notes[0]}"
    return f"{joined([statement(axis) + note for axis, note in zip(axes, notes)])} {verb}"


def candidates(context: Context) -> Iterator[list[Fix]]:
    """The sliding-window fixes (``netcheck.rules.geometry``); for pixel_unshuffle, factors that divide W and H
    first."""
    facts = context.finding.facts
    if facts.get("case") == "pixel_unshuffle":
        flow = context.result.flows.get(context.result.rows[context.index].inputs[0])
        if flow is not None:
            width, height = flow.shape.width, flow.shape.height
            factor = facts["factor"]
            factors = sorted((r for r in divisors_of(gcd(width, height)) if r > 1 and r != factor),
                             key=lambda r: (abs(r - factor), r))
            yield [Fix(f"factor {r} divides {width} and {height}", (Edit(("layers", context.index, "factor"), r),))
                   for r in factors[:4]]
    yield from window_candidates(context)


__all__ = ["CODE", "NAME", "SEVERITY", "candidates", "message"]
