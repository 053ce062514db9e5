"""``summary --format csv``: a header row, then one row per layer with the JSON report's layer keys.

Each row is ``netcheck.report.json.summary_layer_entry`` flattened, so the CSV
and the JSON never disagree: counts are plain integers (no thousands
separators), a shape is ``WxHxD``, a list (``inputs``, ``input_shapes``,
``connected_to``) is its items separated by spaces (an unknown shape ``?``),
an unknown value is empty. With several files a first column ``file`` says
whose row it is. Totals, the memory estimate and violations are not rows:
they are in the other formats.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from netcheck.report import Settings
from netcheck.report.json import summary_layer_entry
from netcheck.report.table import SummaryRow, summary_rows
from netcheck.results import FileReport, LayerRow


def render(reports: list[FileReport], settings: Settings) -> Iterator[str]:
    """The header, then every file's rows at ``settings.depth`` (``file`` first when there are several files)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    several = len(reports) > 1
    writer.writerow(["file", *FIELDS] if several else FIELDS)
    yield _taken(buffer)
    for report in reports:
        for row in summary_rows(report, settings.depth):
            values = record(row)
            writer.writerow([report.path, *values.values()] if several else values.values())
            yield _taken(buffer)


def record(row: SummaryRow) -> dict[str, str]:
    """The row's CSV cells, by JSON key."""
    return {key: cell(value) for key, value in summary_layer_entry(row).items()}


def cell(value: Any) -> str:
    """One JSON value as a CSV cell: a shape ``WxHxD``, a list space-separated, null empty (``?`` in a list)."""
    if isinstance(value, list):
        return " ".join("?" if item is None else cell(item) for item in value)
    if isinstance(value, dict):
        return "x".join(str(value[axis]) for axis in ("width", "height", "depth"))
    return "" if value is None else str(value)


#: The columns: the keys of a summary layer entry, in its order.
FIELDS = list(record(SummaryRow(LayerRow(0, "", "", []), (), ())))


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
