"""NC104 — groups do not divide the input depth or the number of filters.

A grouped convolution splits the D input channels and the K filters into
`groups` equal parts; both must divide evenly. Depthwise convolutions use
groups = D.

Why it matters: PyTorch refuses to build the layer.

Fails:

    name: grouped
    input: 32x32x32
    layers:
      - {type: conv2d, filters: 64, kernel: 3, padding: 1, groups: 3}

Passes:

    name: grouped
    input: 32x32x32
    layers:
      - {type: conv2d, filters: 64, kernel: 3, padding: 1, groups: 4}
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from math import gcd

from netcheck.results import Edit, Fix
from netcheck.rules import Context
from netcheck.rules.words import Facts, show

CODE = "NC104"
NAME = "groups"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """``groups 3 does not divide filters 8 (8/3 = 2.67)``."""
    groups, what, value = facts["groups"], facts["what"], facts["value"]
    return f"groups {groups} does not divide {what} {value} ({value}/{groups} = {show(Fraction(value, groups))})"


def candidates(context: Context) -> Iterator[list[Fix]]:
    """The nearest groups that divide both depth and filters; else filters that groups divide."""
    facts = context.finding.facts
    groups, depth, filters = facts["groups"], facts["depth"], facts["filters"]
    common = gcd(depth, filters)
    divisors = sorted((d for d in _divisors(common) if d != groups), key=lambda d: (abs(d - groups), d))
    yield [Fix(f"groups {d} divides depth {depth} and filters {filters}",
               (Edit(("layers", context.index, "groups"), d),)) for d in divisors[:4]]
    if depth % groups == 0:
        nearest = sorted({max(groups, filters - filters % groups), filters - filters % groups + groups},
                         key=lambda k: (abs(k - filters), k))
        yield [Fix(f"filters {k} is a multiple of groups {groups}", (Edit(("layers", context.index, "filters"), k),))
               for k in nearest if k != filters]


def _divisors(number: int) -> list[int]:
    found: set[int] = set()
    step = 1
    while step * step <= number:
        if number % step == 0:
            found.update((step, number // step))
        step += 1
    return sorted(found)
