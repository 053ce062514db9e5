"""Blocks (FORMAT.md §8): expansion and naming, located errors through nesting, fixes where values are written."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from netcheck.checker import check_path, check_text
from netcheck.fixing import apply
from netcheck.report.sarif import document
from netcheck.results import FileReport, Options
from netcheck.source import parse
from tests.conftest import run_cli
from tests.test_sarif import assert_valid_sarif, sarif_validator

__all__ = ["sarif_validator"]  # the SARIF schema fixture, shared

#: FORMAT.md §8's example, as written there.
RESNET18_BLOCKS = """\
netcheck: 1
name: resnet18-blocks
input: 224x224x3
rounding: floor
blocks:
  basic:                          # a block: a sub-network usable as a layer type
    params:                       # its parameters: a default value, or null = required
      filters: null
      stride: 1
    layers:                       # `input` is the block's input; its last layer is its output
      - {name: conv1, type: conv2d, filters: "${filters}", kernel: 3, stride: "${stride}", padding: 1, bias: false}
      - {name: bn1, type: batchnorm2d}
      - {name: relu1, type: activation, function: relu}
      - {name: conv2, type: conv2d, filters: "${filters}", kernel: 3, padding: 1, bias: false}
      - {name: bn2, type: batchnorm2d}
      - {name: add, type: add, inputs: [bn2, input]}
      - {name: relu2, type: activation, function: relu}
layers:
  - {name: conv1, type: conv2d, filters: 64, kernel: 7, stride: 2, padding: 3, bias: false}
  - {name: bn1, type: batchnorm2d}
  - {name: relu, type: activation, function: relu}
  - {name: maxpool, type: maxpool2d, kernel: 3, stride: 2, padding: 1}
  - {name: layer1, type: basic, filters: 64, repeat: 2}
"""

INNER = ["conv1", "bn1", "relu1", "conv2", "bn2", "add", "relu2"]


def spec(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def codes(report: FileReport) -> list[str]:
    return [violation.code for violation in report.violations]


def write(tmp_path: Path, text: str, name: str = "net.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- expansion and naming ------------------------------------------------------------------------------


def test_the_format_example_expands_as_pytorch_names_submodules() -> None:
    report = check_text(RESNET18_BLOCKS)
    assert [(v.code, v.layer) for v in report.violations] == [("NC201", "conv1"), ("NC201", "maxpool")]
    names = [row.name for row in report.rows]
    assert names == ["conv1", "bn1", "relu", "maxpool",
                     *(f"layer1.{copy}.{inner}" for copy in range(2) for inner in INNER)]
    by_name = {row.name: row for row in report.rows}
    assert by_name["layer1.0.conv1"].inputs == ["maxpool"]
    assert by_name["layer1.0.add"].inputs == ["layer1.0.bn2", "maxpool"]
    assert by_name["layer1.1.conv1"].inputs == ["layer1.0.relu2"]
    assert by_name["layer1.1.add"].inputs == ["layer1.1.bn2", "layer1.0.relu2"]
    assert str(by_name["layer1.1.relu2"].output) == "56x56x64"
    basic = 2 * 64 * 64 * 9 + 2 * 2 * 64  # two convolutions, two batch norms' weight and bias
    assert report.totals["trainable_params"] == 64 * 3 * 49 + 2 * 64 + 2 * basic


def test_rows_point_at_the_blocks_definition() -> None:
    report = check_text(RESNET18_BLOCKS)
    lines = RESNET18_BLOCKS.splitlines()
    by_name = {row.name: row for row in report.rows}
    for copy in range(2):
        row = by_name[f"layer1.{copy}.bn1"]
        assert lines[row.line - 1][row.column - 1:].startswith("name: bn1, type: batchnorm2d")


def test_a_use_without_repeat_names_its_layers_use_dot_inner() -> None:
    text = RESNET18_BLOCKS.replace("filters: 64, repeat: 2}", "filters: 64}")
    report = check_text(text, options=Options(ignore=("NC201",)))
    assert report.violations == []
    assert [row.name for row in report.rows][4:] == [f"layer1.{inner}" for inner in INNER]


def test_the_use_name_means_its_output_and_later_layers_read_it() -> None:
    text = RESNET18_BLOCKS + "  - {name: pool, type: global_avgpool2d, inputs: [layer1]}\n" \
                             "  - {name: side, type: global_avgpool2d, inputs: [maxpool]}\n" \
                             "  - {name: both, type: add, inputs: [pool, side]}\n"
    report = check_text(text, options=Options(ignore=("NC201",)))
    assert report.violations == []
    by_name = {row.name: row for row in report.rows}
    assert by_name["pool"].inputs == ["layer1.1.relu2"]


def test_a_layer_after_a_use_reads_the_uses_output_by_default() -> None:
    text = RESNET18_BLOCKS + "  - {name: gap, type: global_avgpool2d}\n"
    report = check_text(text, options=Options(ignore=("NC201",)))
    assert report.violations == []
    assert {row.name: row for row in report.rows}["gap"].inputs == ["layer1.1.relu2"]


def test_default_names_are_counted_within_each_block() -> None:
    text = spec("""
        name: defaults
        input: 8x8x4
        blocks:
          pair:
            layers:
              - {type: conv2d, filters: 4, kernel: 3, padding: 1}
              - {type: conv2d, filters: 4, kernel: 3, padding: 1}
        layers:
          - {type: conv2d, filters: 4, kernel: 1}
          - {type: pair}
          - {type: pair}
          - {type: conv2d, filters: 4, kernel: 1}
        """)
    report = check_text(text)
    assert report.violations == []
    assert [row.name for row in report.rows] == [
        "conv2d_1", "pair_1.conv2d_1", "pair_1.conv2d_2", "pair_2.conv2d_1", "pair_2.conv2d_2", "conv2d_2"]


NESTED = spec("""
    name: nested
    input: 31x31x3
    blocks:
      unit:
        params: {k: 3, s: 1}
        layers:
          - {name: conv, type: conv2d, filters: 8, kernel: "${k}", stride: "${s}", padding: "${k // 2}"}
          - {name: act, type: activation, function: relu}
      stage:
        params: {s: null}
        layers:
          - {name: first, type: unit, s: "${s}"}
          - {name: rest, type: unit, repeat: 2}
    layers:
      - {name: stem, type: conv2d, filters: 8, kernel: 3, padding: 1}
      - {name: stage1, type: stage, s: 1}
      - {name: stage2, type: stage, s: 2}
    """)


def test_blocks_inside_blocks_expand_with_their_params() -> None:
    report = check_text(NESTED)
    assert report.violations == []
    names = [row.name for row in report.rows]
    assert names[:7] == ["stem", "stage1.first.conv", "stage1.first.act", "stage1.rest.0.conv", "stage1.rest.0.act",
                         "stage1.rest.1.conv", "stage1.rest.1.act"]
    outputs = {row.name: str(row.output) for row in report.rows}
    assert outputs["stage1.rest.1.act"] == "31x31x8"
    assert outputs["stage2.first.conv"] == "16x16x8"
    assert outputs["stage2.rest.1.act"] == "16x16x8"


def test_rounding_on_a_use_applies_to_its_layers_that_do_not_set_their_own() -> None:
    text = spec("""
        name: rounded
        input: 9x9x3
        blocks:
          down:
            layers:
              - {name: pool, type: maxpool2d, kernel: 2}
              - {name: exact, type: maxpool2d, kernel: 1, rounding: strict}
        layers:
          - {name: d, type: down, rounding: floor}
        """)
    report = check_text(text)
    assert codes(report) == ["NC201"]
    assert str(report.rows[0].output) == "4x4x3"


# --- located errors ------------------------------------------------------------------------------------


def test_an_error_inside_a_use_points_at_the_block_and_names_the_uses(tmp_path: Path) -> None:
    text = RESNET18_BLOCKS.replace("rounding: floor\n", "").replace("padding: 3, bias", "padding: 2, bias")
    path = write(tmp_path, text.replace("stride: 2, padding: 1}", "stride: 2}"))
    result = run_cli("validate", str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert any(": NC101 error conv1:" in line for line in lines)


def test_two_levels_of_nesting_carry_the_chain_of_uses(tmp_path: Path) -> None:
    broken = NESTED.replace("input: 31x31x3", "input: 32x32x3")
    broken = broken.replace("- {name: stage2, type: stage, s: 2}", "- {name: stage2, type: stage, s: 2}\n"
                            "  - {name: stage3, type: stage, s: 2}")
    path = write(tmp_path, broken)
    report = check_path(str(path))
    inside = [violation for violation in report.violations if violation.via]
    assert inside, report.violations
    text_lines = broken.splitlines()
    for violation in inside:
        assert text_lines[violation.line - 1].lstrip().startswith("- {name: conv") or \
            "name: conv" in text_lines[violation.line - 1]
        assert 1 <= len(violation.via) <= 2
        outer = violation.via[0]
        assert text_lines[outer.line - 1].lstrip().startswith("- {name: stage")
        if len(violation.via) == 2:
            assert violation.via[1].layer.startswith(outer.layer + ".")
    rendered = run_cli("validate", str(path)).stdout
    assert f"    in {inside[0].via[0].layer} ({path}:{inside[0].via[0].line}:{inside[0].via[0].column})" in rendered


def test_json_and_sarif_carry_the_uses(tmp_path: Path, sarif_validator: Any) -> None:
    path = write(tmp_path, FIXABLE)
    data = json.loads(run_cli("validate", "--format", "json", str(path)).stdout)
    violation = next(v for v in data["files"][0]["violations"] if v["code"] == "NC101" and "via" in v)
    assert violation["via"] == [{"layer": "u", "line": 10, "column": 6}]
    assert (violation["line"], violation["column"]) == (7, 10)
    assert violation["path"] == ["blocks", "unit", "layers", 0]
    log = document([check_path(str(path), Options(extents=True))], tmp_path)
    assert_valid_sarif(log, sarif_validator)
    result = next(r for r in log["runs"][0]["results"] if r["ruleId"] == "NC101" and "relatedLocations" in r)
    assert result["relatedLocations"][0]["message"]["text"] == "in u"
    assert result["relatedLocations"][0]["physicalLocation"]["region"] == {"startLine": 10, "startColumn": 6}
    github = run_cli("validate", "--format", "github", str(path)).stdout
    assert "in u (line 10)" in github


@pytest.mark.parametrize(("change", "code", "where"), [
    ("filters: 64, repeat: 2}", "filters: 64, filtres: 3, repeat: 2}", "filtres"),
    ("filters: 64, repeat: 2}", "repeat: 2}", "name: layer1"),
    ("repeat: 2}", "repeat: 0}", "repeat"),
    ("name: layer1,", "name: layer.1,", "name: layer.1"),
])
def test_bad_uses_are_nc002_at_the_use(change: str, code: str, where: str) -> None:
    report = check_text(RESNET18_BLOCKS.replace(change, code))
    # the stem before the broken use is checked too (its two NC201 warnings): all errors in one run
    assert [code for code in codes(report) if code != "NC201"] == ["NC002"], report.violations
    violation = next(violation for violation in report.violations if violation.code == "NC002")
    line = RESNET18_BLOCKS.replace(change, code).splitlines()[violation.line - 1]
    assert where in line[violation.column - 1:]


def test_missing_required_param_names_it() -> None:
    report = check_text(RESNET18_BLOCKS.replace("filters: 64, repeat: 2}", "repeat: 2}"))
    assert "'filters'" in next(violation for violation in report.violations if violation.code == "NC002").message


def test_a_block_that_uses_itself_is_nc004_at_its_name_naming_the_cycle() -> None:
    text = spec("""
        name: cyclic
        input: 8x8x3
        blocks:
          a:
            layers:
              - {type: b}
          b:
            layers:
              - {type: conv2d, filters: 3, kernel: 1}
              - {type: a}
          unused:
            layers:
              - {type: unused}
        layers:
          - {type: conv2d, filters: 3, kernel: 1}
        """)
    report = check_text(text)
    assert codes(report) == ["NC004", "NC004", "NC004"]
    messages = [violation.message for violation in report.violations]
    assert "a → b → a" in messages[0]
    assert "b → a → b" in messages[1]
    assert "unused → unused" in messages[2]
    lines = text.splitlines()
    assert [lines[v.line - 1].strip() for v in report.violations] == ["a:", "b:", "unused:"]


def test_substitution_errors_are_nc002_at_the_value_showing_the_expression() -> None:
    text = RESNET18_BLOCKS.replace('stride: "${stride}"', 'stride: "${strid}"')
    report = check_text(text)
    assert [code for code in codes(report) if code != "NC201"] == ["NC002", "NC002"]  # one per copy of the repeat
    violation = next(violation for violation in report.violations if violation.code == "NC002")
    assert "${strid}" in violation.message and "stride" in violation.message
    line = text.splitlines()[violation.line - 1]
    assert line[violation.column - 1:].startswith('stride: "${strid}"')
    assert [hop.layer for hop in violation.via] == ["layer1.0"]


def test_dotted_names_are_refused_in_flat_files_too() -> None:
    report = check_text("name: d\ninput: 8x8x3\nlayers:\n  - {name: a.b, type: conv2d, filters: 3, kernel: 1}\n")
    assert codes(report) == ["NC002"]
    assert "dot" in report.violations[0].message


# --- expect on a use -----------------------------------------------------------------------------------


def test_expect_on_a_use_checks_its_output_and_summed_counts() -> None:
    basic = 2 * 64 * 64 * 9 + 2 * 2 * 64
    expect = f"expect: {{shape: 56x56x64, trainable_params: {2 * basic}}}"
    good = RESNET18_BLOCKS.replace("filters: 64, repeat: 2}", f"filters: 64, repeat: 2, {expect}}}")
    assert check_text(good, options=Options(ignore=("NC201",))).violations == []
    bad = good.replace(f"trainable_params: {2 * basic}", "trainable_params: 1000")
    report = check_text(bad, options=Options(ignore=("NC201",)))
    assert codes(report) == ["NC105"]
    violation = report.violations[0]
    assert violation.layer == "layer1"
    assert f"{2 * basic:,}" in violation.message
    assert bad.splitlines()[violation.line - 1][violation.column - 1:].startswith("trainable_params: 1000")
    (fix,) = violation.fixes[:1]
    assert fix.edits[0].path == ("layers", 4, "expect", "trainable_params")


# --- fixes where the value is written -------------------------------------------------------------------


def assert_fixes_hold(text: str, report: FileReport) -> None:
    """Each fix, applied to the document, removes its violation and adds no error (every use checked)."""
    data = parse(text).data
    before = {(v.code, v.layer, v.line, v.column) for v in report.violations if v.is_error}
    for violation in report.violations:
        for fix in violation.fixes:
            after = check_text(json.dumps(apply(data, fix.edits)))
            errors = {(v.code, v.layer) for v in after.violations if v.is_error}
            assert (violation.code, violation.layer) not in errors, fix
            assert errors <= {(code, layer) for code, layer, _, _ in before}, fix


FIXABLE = spec("""
    name: fixes
    input: 32x32x8
    blocks:
      unit:
        params: {p: 1}
        layers:
          - {name: conv, type: conv2d, filters: 8, kernel: 4, stride: 3, padding: "${p}"}
          - {name: mix, type: conv2d, filters: 8, kernel: 4, padding: 1}
    layers:
      - {name: u, type: unit, p: 0}
      - {name: v, type: unit, inputs: [input]}
    """)


def test_a_fix_for_a_param_sets_it_at_the_use() -> None:
    report = check_text(FIXABLE)
    (violation,) = [violation for violation in report.violations if violation.code == "NC101"]
    assert violation.layer == "u.conv" and [hop.layer for hop in violation.via] == ["u"]
    assert FIXABLE.splitlines()[violation.line - 1].strip().startswith("- {name: conv")
    first = violation.fixes[0]
    assert first.message == "padding 1 gives 11"
    assert first.edits[0].path == ("layers", 0, "p")
    assert_fixes_hold(FIXABLE, report)


SHARED = spec("""
    name: shared
    input: 32x32x8
    blocks:
      unit:
        layers:
          - {name: conv, type: conv2d, filters: 8, kernel: 4, stride: 2, padding: 1}
    layers:
      - {name: u, type: unit}
      - {name: shrink, type: conv2d, filters: 8, kernel: 12, stride: 2, inputs: [input]}
      - {name: v, type: unit, inputs: [shrink]}
    """)


def test_a_fix_for_a_literal_sets_it_in_the_block_and_holds_for_every_use() -> None:
    report = check_text(SHARED)
    violation = next(violation for violation in report.violations if violation.code == "NC101")
    assert violation.layer == "v.conv"
    assert violation.fixes
    assert violation.fixes[0].edits[0].path == ("blocks", "unit", "layers", 0, "rounding")
    assert_fixes_hold(SHARED, report)


def test_a_fix_that_would_break_another_use_is_not_offered() -> None:
    report = check_text(SHARED)
    (violation,) = [violation for violation in report.violations if violation.is_error]
    # kernel 3 or 5 would make v whole but u fractional: they are not offered
    assert not any(edit.path[-1] == "kernel" for fix in violation.fixes for edit in fix.edits)
    assert_fixes_hold(SHARED, report)


# --- bad input: bounded expansion ---------------------------------------------------------------------


def test_a_chain_of_doubling_blocks_stops_at_the_layer_limit() -> None:
    lines = ["name: bomb", "input: 8x8x3", "blocks:", "  b0:", "    layers:",
             "      - {type: activation, function: relu}"]
    for level in range(1, 31):
        lines += [f"  b{level}:", "    layers:", f"      - {{type: b{level - 1}}}", f"      - {{type: b{level - 1}}}"]
    lines += ["layers:", "  - {type: b30}"]
    report = check_text("\n".join(lines) + "\n")
    assert codes(report) == ["NC001"]
    assert "--max-layers" in report.violations[0].message


def test_a_huge_repeat_stops_at_the_layer_limit() -> None:
    report = check_text(RESNET18_BLOCKS.replace("repeat: 2", "repeat: 1000000000000000000"),
                        options=Options(limits=Options().limits.__class__(max_layers=1000)))
    assert codes(report) == ["NC001"]
    assert "1,000 layers" in report.violations[0].message


def test_block_problems_never_trace_back(tmp_path: Path) -> None:
    for body in ("blocks: 3\nlayers: []\n", "blocks: {a: 3}\nlayers: [{type: a}]\n",
                 "blocks: {a: {layers: 3}}\nlayers: [{type: a}]\n",
                 "blocks: {a: {params: [1], layers: [{type: dense, units: 1}]}}\nlayers: [{type: a}]\n",
                 "blocks: {a: {params: {'1x': 2}, layers: [{type: dense, units: 1}]}}\nlayers: [{type: a}]\n",
                 "blocks: {conv2d: {layers: [{type: dense, units: 1}]}}\nlayers: [{type: conv2d}]\n",
                 "blocks: {a: {layers: [{type: dense, units: '${'}]}}\nlayers: [{type: a}]\n",
                 "blocks: {a: {layers: [3, {type: dense, units: 2}]}}\nlayers: [{type: a, inputs: [x, y]}]\n"):
        path = write(tmp_path, "name: b\ninput: 1x1x3\n" + body)
        result = run_cli("validate", "--format", "json", str(path))
        assert result.returncode == 1, body
        assert "Traceback" not in result.stdout + result.stderr
        assert json.loads(result.stdout)["files"][0]["violations"]


def test_one_input_may_be_written_without_the_list_inside_blocks_and_on_uses() -> None:
    text = spec("""
        name: single
        input: 8x8x3
        blocks:
          b:
            layers:
              - {name: c, type: conv2d, filters: 4, kernel: 1}
              - {name: d, type: conv2d, filters: 4, kernel: 1, inputs: input}
              - {name: e, type: concat, inputs: [c, d]}
        layers:
          - {name: a, type: conv2d, filters: 4, kernel: 1}
          - {name: u, type: b, inputs: a}
          - {name: v, type: b, inputs: input}
          - {name: out, type: concat, inputs: [u, v]}
        """)
    report = check_text(text)
    assert report.violations == []
    rows = {row.name: row for row in report.rows}
    assert rows["u.d"].inputs == ["a"] and rows["u.d"].params == 4 * 4 + 4
    assert rows["v.d"].inputs == ["input"] and rows["v.d"].params == 3 * 4 + 4
    assert rows["out"].inputs == ["u.e", "v.e"]


# --- summary --depth -----------------------------------------------------------------------------------

BLOCK_SPECS = sorted(path for path in (Path(__file__).parent.parent / "specs").glob("*.yaml")
                     if "blocks:" in path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", BLOCK_SPECS, ids=lambda p: p.name)
def test_depth_folds_uses_and_never_changes_the_totals(path: Path) -> None:
    report = check_path(str(path))
    assert report.uses, "a spec with blocks has uses"
    everything = report.rows_at(None)
    assert everything == report.rows
    previous = len(everything) + 1
    for depth in (4, 3, 2, 1):
        rows = report.rows_at(depth)
        assert len(rows) <= previous
        previous = len(rows)
        for count in ("params", "trainable_params", "non_trainable_params", "unshared_params", "macs", "neurons"):
            assert sum(getattr(row, count) for row in rows) == report.totals[count], (depth, count)
        assert rows[-1].output == report.rows[-1].output
    top = report.rows_at(1)
    top_level = [use for use in report.uses if use.depth == 1]
    assert len(top) == len(report.rows) - sum(use.stop - use.start - 1 for use in top_level)


def test_summary_depth_on_the_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, RESNET18_BLOCKS)
    folded = run_cli("summary", "--depth", "1", str(path))
    assert folded.returncode == 0, folded.stderr
    assert "layer1 (basic)" in folded.stdout and "layer1.0.conv1" not in folded.stdout
    full = run_cli("summary", str(path))
    assert "layer1.1.relu2 (activation)" in full.stdout
    total = [line for line in full.stdout.splitlines() if line.startswith("Total params")]
    assert total == [line for line in folded.stdout.splitlines() if line.startswith("Total params")]
    data = json.loads(run_cli("summary", "--depth", "1", "--format", "json", str(path)).stdout)
    layers = data["files"][0]["layers"]
    assert [layer["name"] for layer in layers] == ["conv1", "bn1", "relu", "maxpool", "layer1"]
    assert layers[-1]["output"] == {"width": 56, "height": 56, "depth": 64}
    assert layers[-1]["inputs"] == ["maxpool"]
    assert run_cli("summary", "--depth", "0", str(path)).returncode == 2


def test_load_gives_the_expanded_network_and_its_blocks(tmp_path: Path) -> None:
    import netcheck

    network = netcheck.load(write(tmp_path, RESNET18_BLOCKS))
    assert [layer.name for layer in network.layers][4:6] == ["layer1.0.conv1", "layer1.0.bn1"]
    assert network.blocks is not None and network.blocks["basic"].params == {"filters": None, "stride": 1}
    report = netcheck.check(network)
    assert report.ok and len(report.layers) == 4 + 14
    assert check_path(str(tmp_path / "net.yaml")).network.blocks == network.blocks
