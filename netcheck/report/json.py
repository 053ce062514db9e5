"""The JSON report of FORMAT.md section 5, plus per-axis fields and fix edits."""

from __future__ import annotations

import json
from collections.abc import Iterator
from fractions import Fraction
from typing import Any

from netcheck.report import Settings
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

    def __init__(self, rows: list[LayerRow]) -> None:
        super().__init__()
        self.rows = rows

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (layer_entry(row) for row in self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def document(reports: list[FileReport], lazy: bool = False, depth: int | None = None) -> dict[str, Any]:
    """The report as plain data (with ``lazy``, layer entries are made while being encoded; ``depth`` folds uses)."""
    return {
        "files": [file_entry(report, lazy, depth) for report in reports],
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
    """A fix as the values to set (and, for structural fixes, list items to insert)."""
    entry: dict[str, Any] = {
        "message": fix.message,
        "set": [{"path": list(edit.path), "value": edit.value} for edit in fix.edits if not edit.insert],
    }
    inserts = [{"path": list(edit.path), "value": edit.value} for edit in fix.edits if edit.insert]
    if inserts:
        entry["insert"] = inserts
    return entry
