"""Every example of FORMAT.md behaves exactly as written there."""

from __future__ import annotations

import json

from netcheck.checker import check_text
from tests.conftest import SPECS, run_cli

QUIZ = (SPECS / "quiz.yaml").read_text(encoding="utf-8")
QUIZ_STRIDE_3 = QUIZ.replace("stride: 2 ", "stride: 3 ")


def test_quiz_numbers() -> None:
    report = check_text(QUIZ, "specs/quiz.yaml")
    assert report.ok and not report.violations
    (row,) = report.rows
    assert str(row.output) == "14x14x20"
    assert (row.params, row.unshared_params, row.neurons, row.macs) == (3860, 756_560, 3920, 752_640)
    assert (row.receptive_field, row.jump) == (8, 2)
    assert (row.line, row.column) == (8, 5)


def test_quiz_with_stride_3_reports_nc101_with_arithmetic_and_fixes() -> None:
    assert QUIZ_STRIDE_3 != QUIZ
    report = check_text(QUIZ_STRIDE_3, "quiz.yaml")
    first = report.violations[0]
    assert (first.code, first.severity, first.layer, first.line, first.column) == ("NC101", "error", "conv1", 8, 5)
    assert first.message == "width (32 − 8 + 2·1)/3 + 1 = 9.67 is not a whole number"
    assert [fix.message for fix in first.fixes] == ["padding 0 gives 9", "padding 3 gives 11"]
    assert [[(edit.path, edit.value) for edit in fix.edits] for fix in first.fixes] == [
        [(("layers", 0, "padding"), 0)], [(("layers", 0, "padding"), 3)]]



def test_quiz_json_report_has_the_documented_keys() -> None:
    result = run_cli("validate", "--format", "json", "specs/quiz.yaml")
    assert result.returncode == 0
    report = json.loads(result.stdout)
    assert (report["errors"], report["warnings"]) == (0, 0)
    (entry,) = report["files"]
    assert (entry["path"], entry["ok"], entry["name"]) == ("specs/quiz.yaml", True, "udacity-quiz")
    layer = entry["layers"][0]
    expected_layer = {"name": "conv1", "type": "conv2d", "inputs": ["input"],
                      "output": {"width": 14, "height": 14, "depth": 20},
                      "params": 3860, "trainable_params": 3860, "non_trainable_params": 0,
                      "unshared_params": 756560, "neurons": 3920, "macs": 752640,
                      "receptive_field": 8, "jump": 2, "line": 8}
    assert {key: layer[key] for key in expected_layer} == expected_layer
    assert entry["totals"] == {"params": 3860, "trainable_params": 3860, "non_trainable_params": 0,
                               "unshared_params": 756560, "neurons": 3920, "macs": 752640}
    assert entry["violations"] == []


def test_quiz_stride_3_json_violation_is_as_documented(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "quiz.yaml"
    path.write_text(QUIZ_STRIDE_3, encoding="utf-8")
    result = run_cli("validate", "--format", "json", str(path))
    assert result.returncode == 1
    violation = json.loads(result.stdout)["files"][0]["violations"][0]
    documented = {"code": "NC101", "severity": "error", "layer": "conv1", "line": 8, "column": 5,
                  "message": "width (32 − 8 + 2·1)/3 + 1 = 9.67 is not a whole number",
                  "fixes": [
                      {"message": "padding 0 gives 9", "set": [{"path": ["layers", 0, "padding"], "value": 0}]},
                      {"message": "padding 3 gives 11", "set": [{"path": ["layers", 0, "padding"], "value": 3}]}]}
    assert {key: violation[key] for key in documented} == documented
    text = run_cli("validate", "--format", "text", str(path)).stdout
    assert f"{path}:8:5: NC101 error conv1: width (32 − 8 + 2·1)/3 + 1 = 9.67 is not a whole number" in text


def test_ceil_edge_rule_kernel_2_stride_2_padding_1_on_5_gives_3() -> None:
    spec = """name: edge
input: 5x5x1
rounding: ceil
layers:
  - {type: maxpool2d, kernel: 2, stride: 2, padding: 1}
"""
    report = check_text(spec)
    assert report.rows[0].output is not None
    assert report.rows[0].output.width == 3


def test_same_padding_gives_ceil_w_over_s_and_transposed_w_times_s() -> None:
    spec = """name: same
input: 33x33x3
layers:
  - {type: conv2d, filters: 4, kernel: 3, stride: 2, padding: same}
  - {type: conv_transpose2d, filters: 4, kernel: 4, stride: 2, padding: same}
"""
    rows = check_text(spec).rows
    assert [str(row.output) for row in rows] == ["17x17x4", "34x34x4"]


def test_transposed_kernel_below_stride_gives_onnx_size_with_nc204() -> None:
    spec = """name: same
input: 16x16x3
layers:
  - {type: conv_transpose2d, filters: 4, kernel: 3, stride: 4, padding: same}
"""
    report = check_text(spec)
    assert str(report.rows[0].output) == "63x63x4"
    assert {violation.code for violation in report.violations} == {"NC204"}


def test_strict_values_are_not_coerced() -> None:
    for value in ("2.0", '"2"', "true"):
        report = check_text(f"name: n\ninput: 8x8x1\nlayers:\n  - {{type: conv2d, filters: 1, kernel: 1, "
                            f"stride: {value}}}\n")
        assert [violation.code for violation in report.violations] == ["NC002"], value


def test_x_keys_are_ignored_anywhere_and_unknown_keys_are_errors() -> None:
    ok = check_text("name: n\nx-owner: me\ninput: 8x8x1\nlayers:\n  - {type: flatten, x-note: hi}\n")
    assert ok.ok and not ok.violations
    typo = check_text("name: n\ninput: 8x8x1\nlayers:\n  - {type: conv2d, filters: 1, kernel: 1, strides: 2}\n")
    (violation,) = typo.violations
    assert violation.code == "NC002" and "'stride'" in violation.message and (violation.line, violation.column) == (
        4, 43)


def test_shape_forms_and_flat_vectors() -> None:
    mapping = check_text("name: n\ninput: {width: 4, height: 2, depth: 3}\nlayers:\n  - {type: flatten}\n"
                         "  - {type: dense, units: 5}\nexpect: {output: 1×1×5}\n")
    assert mapping.ok and str(mapping.rows[0].output) == "1x1x24"
    assert mapping.rows[1].params == 24 * 5 + 5
