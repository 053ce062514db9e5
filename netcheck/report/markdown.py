"""``summary --format markdown``: per file a heading, a GitHub table of the layers, the totals and the memory estimate.

The rows, columns and totals are ``netcheck.report.table``'s: only the layout
and the escaping are here. One table row per layer: a merge's Input cell
names its inputs (Keras's "Connected to"). Spec text is escaped so that it
shows as written and cannot end a cell; violations and the tally follow each
file in a code block.
"""

from __future__ import annotations

import re

from netcheck.report import Settings
from netcheck.report.safe import safe
from netcheck.report.table import COLUMNS, cells, memory_lines, summary_rows, totals_lines
from netcheck.results import FileReport

# Markdown's inline punctuation, ``|`` (ends a cell), and ``$`` (GitHub's maths) shown as written.
_SPECIAL = re.compile(r"([\\`*\[\]<>|~&$!#])")
# ``_`` opens emphasis only at a word's edge (GitHub's rule): ``layer1_0_bn2`` stays readable.
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def render(reports: list[FileReport], settings: Settings) -> str:
    """Each file's section (heading, table, totals, memory, violations), then the tally."""
    from netcheck.report.text import tally

    return "\n".join(section(report, settings) for report in reports) + f"\n{tally(reports)}\n"


def section(report: FileReport, settings: Settings) -> str:
    """One file: ``### name (path)``, the table of its rows at ``settings.depth``, its totals, its violations."""
    lines = [f"### {escape(report.name or '?')} ({escape(report.path)})", ""]
    if report.input_shape is not None:
        lines += [f"Input: {report.input_shape}", ""]
    rows = summary_rows(report, settings.depth)
    if rows:
        lines.append(_row([column.header for column in COLUMNS]))
        lines.append(_row([":---" if column.left else "---:" for column in COLUMNS]))
        lines += [_row([escape(cell) for cell in cells(row)]) for row in rows]
        lines += ["", *(f"- {line}" for line in totals_lines(report)), ""]
        lines += [f"- {line}" for line in memory_lines(report)]
        lines.append("")
    if report.violations:
        lines += [*_code_block(report), ""]
    return "\n".join(lines)


def escape(text: str) -> str:
    """Spec text for a Markdown line or table cell: control characters as ``\\uXXXX``, punctuation escaped."""
    return _EDGE_UNDERSCORE.sub(r"\\_", _SPECIAL.sub(r"\\\1", safe(text)))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _code_block(report: FileReport) -> list[str]:
    """The file's violations as the text format prints them, fenced by more backticks than any run inside."""
    from netcheck.report.text import violation_lines

    body = [line for violation in report.violations for line in violation_lines(report.path, violation)]
    longest = max((len(run) for line in body for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *body, fence]
