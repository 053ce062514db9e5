"""What flows between layers, and what a layer rule returns.

Sizes are exact integers; receptive fields and jumps are integers or
``fractions.Fraction`` (a transposed convolution divides the jump). Never floats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from netcheck.results import Field, Number, Shape, exact

__all__ = ["Field", "Number", "exact"]

@dataclass(frozen=True, slots=True)
class Flow:
    """What a layer hands to the next: its output volume and receptive fields per axis."""

    shape: Shape
    width: Field = Field()
    height: Field = Field()


@dataclass(frozen=True, slots=True)
class Problem:
    """A violation found by a layer rule, before it is located in the file: a code and numbers.

    ``key`` is the layer key it is about (None: the layer as a whole, pointed at
    by its first key); ``facts`` are the numbers the code's rule module
    (``netcheck.rules.ncXXX``) turns into a message and searches fixes from.
    Layer modules compute; they write no prose.
    """

    code: str
    facts: dict[str, Any] = field(default_factory=dict)
    key: str | None = None


@dataclass(slots=True)
class Outcome:
    """What a layer rule computed: output (None when it cannot be), counts, problems."""

    flow: Flow | None
    trainable: int | None = 0
    non_trainable: int = 0
    unshared: int | None = None
    macs: int | None = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def params(self) -> int | None:
        """Trainable plus non-trainable parameters, as Keras counts them."""
        return None if self.trainable is None else self.trainable + self.non_trainable


def _arithmetic(problem: Problem) -> tuple[object, ...]:
    return (problem.code, problem.key, *sorted((k, str(v)) for k, v in problem.facts.items() if k != "axis"))


#: Codes reported once per layer when both axes fail: one problem whose ``axes`` holds each axis's facts.
JOINED = frozenset({"NC101", "NC102"})


def merge_axes(width: list[Problem], height: list[Problem]) -> list[Problem]:
    """Both axes' problems, leaving out a height problem whose arithmetic the width already shows.

    A height problem of a ``JOINED`` code whose width problem has other
    numbers is joined to it: one problem with the width's facts and ``axes``,
    the facts of the width and of the height, in that order. A fix is judged
    per layer and code (``netcheck.fixing.key_of``), so one that removes the
    one removes the other: two problems would list the same fixes twice.
    """
    shown = {_arithmetic(problem) for problem in width}
    merged = list(width)
    for problem in height:
        if _arithmetic(problem) in shown:
            continue
        partner = next((index for index, first in enumerate(merged)
                        if first.code == problem.code and first.code in JOINED and first.key == problem.key
                        and first.facts.get("axis") == "width" and "axes" not in first.facts), None)
        if partner is None:
            merged.append(problem)
            continue
        first = merged[partner]
        merged[partner] = Problem(first.code, {**first.facts, "axes": (first.facts, problem.facts)}, first.key)
    return merged


#: A layer rule: ``rule(layer, input flows, rounding) -> Outcome``, pure and exact.
Rule = Callable[[Any, list[Flow], str], Outcome]
