"""NC201 — floor or ceil rounding dropped or invented input rows or columns.

Under `rounding: floor` (PyTorch's default) a size that is not whole is
rounded down and the last rows/columns are never read; under `ceil` it is
rounded up and the last window reads past the padding (a last window that
would start inside the padding is dropped, as PyTorch's ceil_mode does).

Why it matters: real networks rely on it (ResNet's first convolution gives
112.5), but an unintended remainder means pixels the network never sees.

Fails:

    name: floored
    input: 224x224x3
    rounding: floor
    layers:
      - {type: conv2d, filters: 64, kernel: 7, stride: 2, padding: 3}

Passes:

    name: floored
    input: 225x225x3
    rounding: floor
    layers:
      - {type: conv2d, filters: 64, kernel: 7, stride: 2, padding: 3}
"""

from __future__ import annotations

from netcheck.rules.geometry import window_candidates as candidates
from netcheck.rules.words import Facts, line_of, statement

CODE = "NC201"
NAME = "rounded"
SEVERITY = "warning"


def message(facts: Facts) -> str:
    """The arithmetic, what it was rounded to, and which rows or columns that drops or invents."""
    if facts["case"] == "up":
        return (f"{statement(facts)} rounded up to {facts['rounded']}: the last window reaches "
                f"{line_of(facts, facts['extra'])} past the padded input")
    edge = " (under ceil, a last window starting in the padding is dropped)" if facts["rounding"] == "ceil" else ""
    count = facts["unread"]
    verb = "is" if count == 1 else "are"
    if facts["padding"] == 0:
        unread = f"{line_of(facts, count, 'input ')} {verb} never read"
    else:
        unread = f"{line_of(facts, count)} of the padded input {verb} never read"
    return f"{statement(facts)} rounded down to {facts['rounded']}{edge}: the last {unread}"


__all__ = ["CODE", "NAME", "SEVERITY", "candidates", "message"]
