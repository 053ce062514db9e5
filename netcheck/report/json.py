"""The JSON report of FORMAT.md section 5, plus per-axis fields and fix edits."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from typing import Any

from netcheck.report import Settings
from netcheck.report.table import BATCH, BYTES_PER_VALUE, MEMORY, SummaryRow, memory, summary_rows
from netcheck.results import FileReport, Fix, LayerRow, Violation
from netcheck.vocabulary import Shape


def render(reports: list[FileReport], settings: Settings) -> Iterator[str]:
    """The whole run as one JSON document (ASCII-only, so any spec text is safe in it), in pieces.

    Layers are turned into JSON one at a time as they are written, so a
    100,000-layer report never exists twice in memory.
    """
    encoder = json.JSONEncoder(indent=2, ensure_ascii=True)
    yield from encoder.iterencode(document(reports, lazy=True, depth=settings.depth))
    yield "\n"


class _Lazy(list):  # type: ignore[type-arg]
    """A list the JSON encoder walks without it ever being built: entries made one by one."""

    def __init__(self, rows: Sequence[Any], make: Callable[[Any], dict[str, Any]] | None = None) -> None:
        super().__init__()
        self.rows = rows
        self.make = make or layer_entry

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self.make(row) for row in self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def document(reports: list[FileReport], lazy: bool = False, depth: int | None = None,
             summary: bool = False) -> dict[str, Any]:
    """The report as plain data (with ``lazy``, layer entries are made while being encoded; ``depth`` folds uses).

    With ``summary``, each file is a ``summary_file_entry`` (``summary --format json``).
    """
    entry = summary_file_entry if summary else file_entry
    return {
        "files": [entry(report, lazy, depth) for report in reports],
        "errors": sum(report.errors for report in reports),
        "warnings": sum(report.warnings for report in reports),
    }


def file_entry(report: FileReport, lazy: bool = False, depth: int | None = None) -> dict[str, Any]:
    """One file: its verdict, layers (uses deeper than ``depth`` folded), totals and violations."""
    rows = report.rows_at(depth)
    return {
        "path": report.path,
        "ok": report.ok,
        "name": report.name,
        "layers": _Lazy(rows) if lazy else [layer_entry(row) for row in rows],
        "totals": dict(report.totals),
        "violations": [violation_entry(violation) for violation in report.violations],
    }


def layer_entry(row: LayerRow) -> dict[str, Any]:
    """One layer's row."""
    return {
        "name": row.name,
        "type": row.type,
        "inputs": list(row.inputs),
        "output": shape_entry(row.output),
        "params": row.params,
        "trainable_params": row.trainable_params,
        "non_trainable_params": row.non_trainable_params,
        "unshared_params": row.unshared_params,
        "neurons": row.neurons,
        "macs": row.macs,
        "receptive_field": number(row.width.size) if row.width else None,
        "jump": number(row.width.jump) if row.width else None,
        "receptive_field_height": number(row.height.size) if row.height else None,
        "jump_height": number(row.height.jump) if row.height else None,
        "line": row.line,
        "column": row.column,
    }


def shape_entry(shape: Shape | None) -> dict[str, int] | None:
    """``{"width": W, "height": H, "depth": D}``."""
    return None if shape is None else {"width": shape.width, "height": shape.height, "depth": shape.depth}


def number(value: int | Fraction) -> int | float:
    """Whole numbers as integers, fractions (a transposed convolution's jump) as floats."""
    if isinstance(value, int) or value.denominator == 1:
        return int(value)
    return float(value)


# --- summary --format json ------------------------------------------------------------------------------------

def render_summary(reports: list[FileReport], settings: Settings) -> Iterator[str]:
    """``summary --format json``: ``render``'s document, each file a ``summary_file_entry``, in pieces."""
    encoder = json.JSONEncoder(indent=2, ensure_ascii=True)
    yield from encoder.iterencode(document(reports, lazy=True, depth=settings.depth, summary=True))
    yield "\n"


def summary_file_entry(report: FileReport, lazy: bool = False, depth: int | None = None) -> dict[str, Any]:
    """``file_entry`` with ``summary_layer_entry`` layers, ``pytorch_params`` in the totals and a ``memory`` entry.

    ``totals.pytorch_params`` is what PyTorch's ``parameters()`` counts (the
    trainable parameters: running statistics are buffers); the keys that were
    there stay as they are.
    """
    rows = summary_rows(report, depth)
    entry = file_entry(report, lazy=True, depth=depth)
    entry["layers"] = _Lazy(rows, summary_layer_entry) if lazy else [summary_layer_entry(row) for row in rows]
    if "trainable_params" in report.totals:
        entry["totals"]["pytorch_params"] = report.totals["trainable_params"]
    return _after(entry, "totals", {"memory": memory_entry(report)})


def summary_layer_entry(row: SummaryRow) -> dict[str, Any]:
    """``layer_entry`` with ``input_shapes`` (one per input, null when unknown) and ``connected_to`` after ``inputs``.

    ``connected_to`` names the inputs as the rows do: under ``--depth``, a
    folded use's last layer by the use's name.
    """
    return _after(layer_entry(row.layer), "inputs", {"input_shapes": [shape_entry(shape) for shape in row.input_shapes],
                                                     "connected_to": list(row.connected_to)})


def memory_entry(report: FileReport) -> dict[str, int | None]:
    """torchinfo's memory estimate in exact bytes (``netcheck.report.table.Memory``), with its batch and value size."""
    estimate = memory(report)
    return {"batch": BATCH, "bytes_per_value": BYTES_PER_VALUE,
            **{key: getattr(estimate, key) for _, key in MEMORY}}


def _after(entry: dict[str, Any], key: str, extra: dict[str, Any]) -> dict[str, Any]:
    items = list(entry.items())
    at = list(entry).index(key) + 1
    return dict([*items[:at], *extra.items(), *items[at:]])


def violation_entry(violation: Violation) -> dict[str, Any]:
    """One violation with its computed fixes."""
    return {
        "code": violation.code,
        "severity": violation.severity,
        "layer": violation.layer,
        "line": violation.line,
        "column": violation.column,
        "message": violation.message,
        "path": list(violation.path),
        "fixes": [fix_entry(fix) for fix in violation.fixes],
        **({"via": [{"layer": hop.layer, "line": hop.line, "column": hop.column} for hop in violation.via]}
           if violation.via else {}),
    }


def fix_entry(fix: Fix) -> dict[str, Any]:
    """A fix as the values to set (and, for structural fixes, list items to insert; for a misspelt key, keys to rename).

    A rename is ``{"path": [..., "strides"], "to": "stride"}``: the key at
    ``path`` gets the name ``to``, its value and place kept.
    """
    entry: dict[str, Any] = {
        "message": fix.message,
        "set": [{"path": list(edit.path), "value": edit.value} for edit in fix.edits if edit.kind == "set"],
    }
    inserts = [{"path": list(edit.path), "value": edit.value} for edit in fix.edits if edit.kind == "insert"]
    if inserts:
        entry["insert"] = inserts
    renames = [{"path": list(edit.path), "to": edit.rename} for edit in fix.edits if edit.kind == "rename"]
    if renames:
        entry["rename"] = renames
    return entry
