"""The sliding-window arithmetic shared by convolutions and pooling, one axis at a time.

W_out = (W − F_eff + 2P)/S + 1 with F_eff = dilation·(F − 1) + 1, under strict,
floor or ceil rounding; ``same`` padding gives ceil(W/S).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from netcheck.layers.base import Problem, plural, show

LINES = {"width": "column", "height": "row"}
SIDES = {"width": ("left", "right"), "height": ("top", "bottom")}


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

    def formula(self, padding: int) -> str:
        """``(W − F + 2·P)/S + 1`` with this window's numbers."""
        return f"({self.size} − {self.kernel_eff} + 2·{padding})/{self.stride} + 1"

    def dilation_note(self) -> str:
        """How F_eff was computed, when dilation makes it differ from F."""
        if self.dilation == 1:
            return ""
        return f" (F_eff = {self.dilation}·({self.kernel} − 1) + 1 = {self.kernel_eff})"


@dataclass(slots=True)
class Slide:
    """The result along one axis: the output size (None when there is none) and problems."""

    size: int | None
    problems: list[Problem] = field(default_factory=list)


def hint_of(window: Window, rounding: str) -> dict[str, object]:
    """The numbers a fix finder needs to propose other paddings, strides or kernels."""
    return {"axis": window.axis, "size": window.size, "kernel": window.kernel, "stride": window.stride,
            "padding": window.padding, "dilation": window.dilation, "rounding": rounding}


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
        before, after = SIDES[window.axis]
        problems.append(Problem(
            "NC204",
            f"{window.axis}: padding same needs {plural(total, LINES[window.axis])} of padding for "
            f"ceil({window.size}/{window.stride}) = {out}, split {total // 2} {before} and {total - total // 2} "
            f"{after}: not symmetric (PyTorch's symmetric padding cannot reproduce it)",
            "padding", hint_of(window, "strict"),
        ))
    return Slide(out, problems)


def _explicit(window: Window, padding: int, rounding: str) -> Slide:
    padded = window.size + 2 * padding
    kernel_eff = window.kernel_eff
    reaches = rounding == "ceil" and padded - kernel_eff > -window.stride
    if kernel_eff > padded and not reaches:
        value = Fraction(padded - kernel_eff, window.stride) + 1
        return Slide(None, [Problem(
            "NC102",
            f"{window.axis} {window.formula(padding)} = {show(value)} is below 1: the kernel"
            f"{window.dilation_note()} spans {kernel_eff} but the padded input is only {padded}",
            None, hint_of(window, rounding),
        )])
    whole, remainder = divmod(padded - kernel_eff, window.stride)
    if remainder == 0:
        return Slide(whole + 1)
    hint = hint_of(window, rounding)
    exact = Fraction(padded - kernel_eff, window.stride) + 1
    statement = f"{window.axis} {window.formula(padding)} = {show(exact)}"
    if rounding == "strict":
        return Slide(whole + 1, [Problem(
            "NC101", f"{statement} is not a whole number{window.dilation_note()}", None, hint)])
    if rounding == "ceil" and (whole + 1) * window.stride < window.size + padding:
        extra = (whole + 1) * window.stride + kernel_eff - padded
        return Slide(whole + 2, [Problem(
            "NC201",
            f"{statement} rounded up to {whole + 2}: the last window reaches "
            f"{plural(extra, LINES[window.axis])} past the padded input",
            None, hint,
        )])
    edge = " (under ceil, a last window starting in the padding is dropped)" if rounding == "ceil" else ""
    return Slide(whole + 1, [Problem(
        "NC201",
        f"{statement} rounded down to {whole + 1}{edge}: the last {_unread(window, padding, remainder)}",
        None, hint,
    )])


def _unread(window: Window, padding: int, count: int) -> str:
    verb = "is" if count == 1 else "are"
    if padding == 0:
        return f"{plural(count, 'input ' + LINES[window.axis])} {verb} never read"
    return f"{plural(count, LINES[window.axis])} of the padded input {verb} never read"


def _waste(window: Window, padding: int) -> list[Problem]:
    problems: list[Problem] = []
    if padding < window.kernel_eff and window.stride <= window.kernel_eff:
        return problems
    hint = hint_of(window, "strict")
    if padding > 0 and padding >= window.kernel_eff:
        problems.append(Problem(
            "NC202",
            f"{window.axis}: padding {padding} ≥ the kernel's span {window.kernel_eff}: the outermost windows "
            "see only padding",
            "padding", hint,
        ))
    if window.stride > window.kernel_eff:
        skipped = window.stride - window.kernel_eff
        problems.append(Problem(
            "NC203",
            f"{window.axis}: stride {window.stride} > the kernel's span {window.kernel_eff}: "
            f"{plural(skipped, 'input ' + LINES[window.axis])} between windows {'is' if skipped == 1 else 'are'} "
            "never read",
            "stride", hint,
        ))
    return problems
