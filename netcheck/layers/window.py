"""The sliding-window arithmetic shared by convolutions and pooling, one axis at a time.

Problems carry the window's numbers; the messages are written by the rule
modules (``netcheck.rules.nc101`` and its neighbours).

W_out = (W − F_eff + 2P)/S + 1 with F_eff = dilation·(F − 1) + 1, under strict,
floor or ceil rounding; ``same`` padding gives ceil(W/S).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from netcheck.layers.base import Problem


@dataclass(frozen=True, slots=True)
class Window:
    """One axis of a sliding window: input size W, kernel F, stride S, padding P, dilation."""

    axis: str
    size: int
    kernel: int
    stride: int
    padding: int | str
    dilation: int = 1

    @property
    def kernel_eff(self) -> int:
        """F_eff = dilation·(F − 1) + 1."""
        return self.dilation * (self.kernel - 1) + 1



@dataclass(slots=True)
class Slide:
    """The result along one axis: the output size (None when there is none) and problems."""

    size: int | None
    problems: list[Problem] = field(default_factory=list)


def facts_of(window: Window, rounding: str, **numbers: object) -> dict[str, object]:
    """The window's numbers (for the message and for fix finders to try other paddings, strides or kernels)."""
    return {"axis": window.axis, "size": window.size, "kernel": window.kernel, "stride": window.stride,
            "padding": window.padding, "dilation": window.dilation, "kernel_eff": window.kernel_eff,
            "rounding": rounding, **numbers}


def slide(window: Window, rounding: str) -> Slide:
    """Slide ``window`` along its axis under ``rounding`` (strict, floor or ceil)."""
    if window.padding == "same":
        return _same(window)
    padding = int(window.padding)
    result = _explicit(window, padding, rounding)
    result.problems.extend(_waste(window, padding))
    return result


def _same(window: Window) -> Slide:
    out = -(-window.size // window.stride)
    total = max((out - 1) * window.stride + window.kernel_eff - window.size, 0)
    problems = []
    if total % 2:
        problems.append(Problem("NC204", facts_of(window, "strict", case="same", out=out, total=total), "padding"))
    return Slide(out, problems)


def _explicit(window: Window, padding: int, rounding: str) -> Slide:
    padded = window.size + 2 * padding
    kernel_eff = window.kernel_eff
    reaches = rounding == "ceil" and padded - kernel_eff > -window.stride
    exact = Fraction(padded - kernel_eff, window.stride) + 1
    if kernel_eff > padded and not reaches:
        return Slide(None, [Problem("NC102", facts_of(window, rounding, case="window", exact=exact, padded=padded))])
    whole, remainder = divmod(padded - kernel_eff, window.stride)
    if remainder == 0:
        return Slide(whole + 1)
    if rounding == "strict":
        return Slide(whole + 1, [Problem("NC101", facts_of(window, rounding, exact=exact))])
    if rounding == "ceil" and (whole + 1) * window.stride < window.size + padding:
        extra = (whole + 1) * window.stride + kernel_eff - padded
        return Slide(whole + 2, [Problem("NC201", facts_of(window, rounding, case="up", exact=exact,
                                                           rounded=whole + 2, extra=extra))])
    return Slide(whole + 1, [Problem("NC201", facts_of(window, rounding, case="down", exact=exact,
                                                       rounded=whole + 1, unread=remainder))])


def _waste(window: Window, padding: int) -> list[Problem]:
    problems: list[Problem] = []
    if padding > 0 and padding >= window.kernel_eff:
        problems.append(Problem("NC202", facts_of(window, "strict"), "padding"))
    if window.stride > window.kernel_eff:
        problems.append(Problem("NC203", facts_of(window, "strict", skipped=window.stride - window.kernel_eff),
                                "stride"))
    return problems
