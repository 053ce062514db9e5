"""The words the rules' messages share: numbers as people write them, rows and columns, the window formula."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netcheck.results import Number

LINES = {"width": "column", "height": "row"}
SIDES = {"width": ("left", "right"), "height": ("top", "bottom")}

Facts = Mapping[str, Any]


def show(value: Number) -> str:
    """A number for a message: whole numbers as integers, others with two decimals.

    More decimals are shown when two would make a fraction look whole (9.999 is
    never printed as 10).
    """
    if isinstance(value, int) or value.denominator == 1:
        return str(int(value))
    for places in range(2, 12):
        text = f"{float(value):.{places}f}".rstrip("0").rstrip(".")
        if "." in text:
            return text
    return f"{value.numerator}/{value.denominator}"


def plural(count: int, word: str) -> str:
    """``1 column``, ``2 columns``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def line_of(facts: Facts, count: int, prefix: str = "") -> str:
    """``3 input columns`` or ``1 row``: ``count`` lines along the facts' axis."""
    return plural(count, prefix + LINES[facts["axis"]])


def formula(facts: Facts) -> str:
    """``(W − F_eff + 2·P)/S + 1`` with a sliding window's numbers."""
    return f"({facts['size']} − {facts['kernel_eff']} + 2·{facts['padding']})/{facts['stride']} + 1"


def statement(facts: Facts) -> str:
    """``width (W − F_eff + 2·P)/S + 1 = value``: the axis, the formula and its exact value."""
    return f"{facts['axis']} {formula(facts)} = {show(facts['exact'])}"


def each_axis(facts: Facts) -> tuple[Facts, ...]:
    """The facts of each failing axis: ``axes`` when the layer joined both (``netcheck.layers.base``), else the one."""
    axes: tuple[Facts, ...] | None = facts.get("axes")
    return axes if axes else (facts,)


def joined(clauses: list[str]) -> str:
    """``a`` or ``a and b``: one clause per axis."""
    return " and ".join(clauses)


def dilation_note(facts: Facts) -> str:
    """How F_eff was computed, when dilation makes it differ from F."""
    dilation, kernel = facts["dilation"], facts["kernel"]
    if dilation == 1:
        return ""
    return f" (F_eff = {dilation}·({kernel} − 1) + 1 = {facts['kernel_eff']})"
