"""The JSON report of FORMAT.md section 5, plus per-axis fields and fix edits."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from netcheck.checker import FileReport
from netcheck.engine import LayerRow
from netcheck.report import Settings
from netcheck.violation import Fix, Violation
from netcheck.vocabulary import Shape


def render(reports: list[FileReport], settings: Settings) -> str:
    """The whole run as one JSON document (ASCII-only, so any spec text is safe in it)."""
    return json.dumps(document(reports), indent=2, ensure_ascii=True) + "\n"


def document(reports: list[FileReport]) -> dict[str, Any]:
    """The report as plain data."""
    return {
        "files": [file_entry(report) for report in reports],
        "errors": sum(report.errors for report in reports),
        "warnings": sum(report.warnings for report in reports),
    }


def file_entry(report: FileReport) -> dict[str, Any]:
    """One file: its verdict, layers, totals and violations."""
    return {
        "path": report.path,
        "ok": report.ok,
        "name": report.name,
        "layers": [layer_entry(row) for row in report.rows],
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
