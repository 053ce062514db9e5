"""The errors and warnings of netcheck.torch, in both directions."""

from __future__ import annotations

from netcheck.api import SpecError
from netcheck.results import Violation


class SpecRefused(SpecError):
    """``to_module`` refuses a spec with errors; ``violations`` lists them."""

    def __init__(self, name: str, violations: list[Violation]) -> None:
        super().__init__(name, violations)
        lines = [f"{name}: the spec has {len(violations)} error{'s' if len(violations) != 1 else ''}; "
                 "netcheck does not build a module from it:"]
        for violation in violations:
            where = f"{violation.line}:{violation.column}: " if violation.line else ""
            layer = f"{violation.layer}: " if violation.layer else ""
            lines.append(f"  {where}{violation.code} {layer}{violation.message}")
        self.args = ("\n".join(lines),)


def first_line(error: BaseException) -> str:
    """The first line of an exception's message (its type's name when it has none), for one-line errors."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


class FromModuleError(Exception):
    """``from_module`` cannot describe this module as a netcheck spec."""


class UnsupportedOp(FromModuleError):
    """An operation the format cannot express: ``op``, the fx ``node`` name and ``where`` it sits."""

    def __init__(self, op: str, node: str, where: str, reason: str) -> None:
        self.op, self.node, self.where, self.reason = op, node, where, reason
        super().__init__(f"unsupported op {op} (fx node {node!r}{where}): {reason}")


class TorchImportWarning(UserWarning):
    """Something ``from_module`` left out that does not change the spec's shapes: unused parameters, dead values."""
