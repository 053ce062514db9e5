"""The text format: ``path:line:col: CODE severity layer: message``, fixes indented, a tally."""

from __future__ import annotations

from netcheck.report import Settings
from netcheck.report.safe import safe
from netcheck.results import FileReport, Violation

_COLORS = {"error": "\x1b[31m", "warning": "\x1b[33m"}
_RESET = "\x1b[0m"
_DIM = "\x1b[2m"


def render(reports: list[FileReport], settings: Settings) -> str:
    """Every violation of every file, then one tally line."""
    lines = [line for report in reports for violation in report.violations
             for line in violation_lines(report.path, violation, settings.color)]
    lines.append(tally(reports))
    return "\n".join(lines) + "\n"


def violation_lines(path: str, violation: Violation, color: bool = False) -> list[str]:
    """The violation's line, one ``in <use> (path:line:col)`` line per use that led there, one per fix."""
    severity: str = violation.severity
    if color:
        severity = f"{_COLORS[severity]}{severity}{_RESET}"
    layer = f" {safe(violation.layer)}" if violation.layer else ""
    where = f"{safe(path)}:{violation.line}:{violation.column}"
    lines = [f"{where}: {violation.code} {severity}{layer}: {safe(violation.message)}"]
    lines.extend(f"    in {safe(hop.layer)} ({safe(path)}:{hop.line}:{hop.column})" for hop in violation.via)
    for fix in violation.fixes:
        text = f"    fix: {safe(fix.message)}"
        lines.append(f"{_DIM}{text}{_RESET}" if color else text)
    return lines


def tally(reports: list[FileReport]) -> str:
    """``2 errors, 1 warning in 3 files (1 failed)``."""
    errors = sum(report.errors for report in reports)
    warnings = sum(report.warnings for report in reports)
    failed = sum(1 for report in reports if not report.ok)
    files = f"{len(reports)} file" + ("" if len(reports) == 1 else "s")
    verdict = f" ({failed} failed)" if failed else ""
    return f"{_count(errors, 'error')}, {_count(warnings, 'warning')} in {files}{verdict}"


def _count(number: int, word: str) -> str:
    return f"{number} {word}" + ("" if number == 1 else "s")
