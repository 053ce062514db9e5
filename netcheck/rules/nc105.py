"""NC105 — an `expect` assertion does not hold.

`expect` on a layer (shape, params, trainable_params, non_trainable_params,
unshared_params, macs, neurons) or on the network (output and the totals) is
checked like a test.

Why it matters: it pins a spec to the paper or to the framework's summary,
so that an edit that changes the network is caught.

Fails:

    name: pinned
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 20, kernel: 8, stride: 2, padding: 1, expect: {shape: 15x15x20}}

Passes:

    name: pinned
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 20, kernel: 8, stride: 2, padding: 1, expect: {shape: 14x14x20}}
"""

from __future__ import annotations

from collections.abc import Iterator

from netcheck.results import Edit, Fix
from netcheck.rules import Context
from netcheck.rules.words import Facts

CODE = "NC105"
NAME = "expectation"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """``expected params 60,000, but the layers give 61,706``."""
    return f"expected {facts['what']} {_number(facts['wanted'])}, but the layers give {_number(facts['actual'])}"


def _number(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def candidates(context: Context) -> Iterator[list[Fix]]:
    """Pin the expectation to what the layers give (when the layers are right and the note is stale)."""
    actual = context.finding.facts.get("actual")
    if actual is not None:
        yield [Fix(f"expect {actual:,} (what the layers give)" if isinstance(actual, int)
                   else f"expect {actual} (what the layers give)",
                   (Edit(context.finding.path, actual),))]
