"""The summary table, torchinfo-style: one row per layer, then the totals.

This is the one place that renders tables; ``netcheck summary`` prints it.
"""

from __future__ import annotations

from fractions import Fraction

from netcheck.report import Settings
from netcheck.report.safe import safe
from netcheck.results import FileReport, LayerRow

COLUMNS = ("Layer (type)", "Output", "Params", "Unshared", "Neurons", "MACs", "RF", "Jump")


def render(reports: list[FileReport], settings: Settings) -> str:
    """``netcheck summary``: each file's table, then its violations, then the tally."""
    from netcheck.report.text import tally, violation_lines

    parts = []
    for report in reports:
        if report.rows:
            parts.append(render_summary(report, settings.depth))
        parts.extend(line + "\n" for violation in report.violations
                     for line in violation_lines(report.path, violation, settings.color))
    parts.append(tally(reports) + "\n")
    return "".join(parts)


def render_summary(report: FileReport, depth: int | None = None) -> str:
    """The table of one file (uses deeper than ``depth`` folded), then its totals (violations: the caller's)."""
    rows = [_cells(row) for row in report.rows_at(depth)]
    widths = [max(len(header), *(len(cells[i]) for cells in rows)) if rows else len(header)
              for i, header in enumerate(COLUMNS)]
    rule = "─" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [f"Network: {safe(report.name or '?')}  ({safe(report.path)})"]
    if report.input_shape is not None:
        lines.append(f"Input: {report.input_shape}")
    lines += [rule, _line(COLUMNS, widths), rule]
    lines += [_line(cells, widths) for cells in rows]
    lines += [rule.replace("─", "═"), *_totals(report), rule]
    return "\n".join(lines) + "\n"


def _line(cells: tuple[str, ...] | list[str], widths: list[int]) -> str:
    first = cells[0].ljust(widths[0])
    rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:])]
    return "  ".join([first, *rest]).rstrip()


def _cells(row: LayerRow) -> list[str]:
    return [
        f"{safe(row.name)} ({row.type})",
        str(row.output) if row.output else "?",
        _count(row.params),
        _count(row.unshared_params),
        _count(row.neurons),
        _count(row.macs),
        _field(row.width.size, row.height.size) if row.width and row.height else "?",
        _field(row.width.jump, row.height.jump) if row.width and row.height else "?",
    ]


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _field(width: int | Fraction, height: int | Fraction) -> str:
    def show(value: int | Fraction) -> str:
        return str(value) if isinstance(value, int) or value.denominator == 1 else f"{float(value):.3g}"

    return show(width) if width == height else f"{show(width)}x{show(height)}"


def _totals(report: FileReport) -> list[str]:
    totals = report.totals
    labels = (("Total params", "params"), ("Trainable params", "trainable_params"),
              ("Non-trainable params", "non_trainable_params"), ("Unshared params", "unshared_params"),
              ("Neurons", "neurons"), ("MACs", "macs"))
    return [f"{label}: {_count(totals.get(key))}{_scaled(totals.get(key))}" for label, key in labels]


def _scaled(value: int | None) -> str:
    if value is None or value < 10_000:
        return ""
    for size, unit in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if value >= size:
            return f" ({value / size:.2f} {unit})"
    return ""
