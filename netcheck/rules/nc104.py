"""NC104 — groups do not divide the input depth or the number of filters.

A grouped convolution splits the D input channels and the K filters into
`groups` equal parts; both must divide evenly. Depthwise convolutions use
groups = D. `groupnorm` and `channel_shuffle` split the D channels into
`groups` parts, which must divide D (so does `group_softmax`); `pixel_shuffle` with factor r turns
r² channels into an r × r square of pixels, so r² must divide D.

A convolution is reported once, whichever of D and K groups fails to
divide: when it divides neither, one message gives both divisions
(`groups 3 divides neither input depth 32 (32/3 = 10.67) nor filters 32
(32/3 = 10.67)`), and the fixes are the nearest groups that divide both.

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
from math import gcd, isqrt

from netcheck.results import Edit, Fix
from netcheck.rules import Context
from netcheck.rules.words import Facts, plural, show

CODE = "NC104"
NAME = "groups"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """``groups 3 does not divide filters 8 (8/3 = 2.67)``; for pixel_shuffle, the factor squared.

    A convolution whose groups divide neither (``parts``) gets one message with both:
    ``groups 3 divides neither input depth 32 (32/3 = 10.67) nor filters 32 (32/3 = 10.67)``.
    """
    groups = facts["groups"]
    parts = [f"{what} {value} ({value}/{groups} = {show(Fraction(value, groups))})"
             for what, value in facts.get("parts") or ((facts["what"], facts["value"]),)]
    if facts.get("case") == "pixel_shuffle":
        factor = facts["factor"]
        return f"pixel_shuffle factor² {factor}² = {groups} does not divide {parts[0]}"
    if len(parts) > 1:
        return f"groups {groups} divides neither {parts[0]} nor {parts[1]}"
    return f"groups {groups} does not divide {parts[0]}"


def candidates(context: Context) -> Iterator[list[Fix]]:
    """The nearest groups that divide both depth and filters; else filters that groups divide.

    For groupnorm and channel_shuffle, the nearest groups that divide the depth; for pixel_shuffle, the nearest
    factors whose square divides it.
    """
    facts = context.finding.facts
    case = facts.get("case")
    if case == "channels":
        yield _channel_groups(context)
        return
    if case == "pixel_shuffle":
        yield _shuffle_factors(context)
        return
    groups, depth, filters = facts["groups"], facts["depth"], facts["filters"]
    common = gcd(depth, filters)
    divisors = sorted((d for d in divisors_of(common) if d != groups), key=lambda d: (abs(d - groups), d))
    yield [Fix(f"groups {d} divides depth {depth} and filters {filters}",
               (Edit(("layers", context.index, "groups"), d),)) for d in divisors[:4]]
    if depth % groups == 0:
        nearest = sorted({max(groups, filters - filters % groups), filters - filters % groups + groups},
                         key=lambda k: (abs(k - filters), k))
        yield [Fix(f"filters {k} is a multiple of groups {groups}", (Edit(("layers", context.index, "filters"), k),))
               for k in nearest if k != filters]


def divisors_of(number: int) -> list[int]:
    found: set[int] = set()
    step = 1
    while step * step <= number:
        if number % step == 0:
            found.update((step, number // step))
        step += 1
    return sorted(found)


def _channel_groups(context: Context) -> list[Fix]:
    facts = context.finding.facts
    groups, depth = facts["groups"], facts["depth"]
    divisors = sorted((d for d in divisors_of(depth) if d != groups), key=lambda d: (abs(d - groups), d))
    return [Fix(f"groups {d} divides depth {depth}", (Edit(("layers", context.index, "groups"), d),))
            for d in divisors[:4]]


def _shuffle_factors(context: Context) -> list[Fix]:
    facts = context.finding.facts
    factor, depth = facts["factor"], facts["depth"]
    factors = sorted((r for r in range(2, isqrt(depth) + 1) if depth % (r * r) == 0 and r != factor),
                     key=lambda r: (abs(r - factor), r))
    return [Fix(f"factor {r} gives {plural(depth // (r * r), 'channel')} ({depth}/{r}² = {depth // (r * r)})",
                (Edit(("layers", context.index, "factor"), r),)) for r in factors[:4]]
