"""Issue 13, all errors in one run: a broken layer is skipped with what reads it, everything else is checked.

A schema error (NC002), a duplicate key (NC003), a graph error (NC004) or a
broken block no longer stops the check of the layers that do not depend on
it; nothing is ever reported for a skipped layer or because of one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcheck.checker import check_path, check_text
from netcheck.fixing import apply
from netcheck.report.json import document
from netcheck.results import FileReport, Options, Violation
from tests.conftest import BROKEN, ROOT

NO_FIXES = Options(fixes=False)


def spec(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def found(report: FileReport) -> list[tuple[str, str | None]]:
    """(code, layer) of each violation, in file order."""
    return [(violation.code, violation.layer) for violation in report.violations]


def about(report: FileReport, layer: str) -> list[Violation]:
    return [violation for violation in report.violations if violation.layer == layer]


def row(report: FileReport, name: str) -> object:
    return next(row for row in report.rows if row.name == name)


ISSUE = spec("""
    name: issue13
    input: 32x32x3
    layers:
      - {name: conv1, type: conv2d, filters: 8, kernel: 3, padding: 1}
      - {name: conv2, type: conv2d, filters: 16, kernel: 3, strides: 2}
      - {name: conv3, type: conv2d, filters: 16, kernel: 4, stride: 3}
      - {name: pool4, type: maxpool2d, kernel: 2}
      - {name: conv5, type: conv2d, inputs: conv1, filters: 32, kernel: 4, stride: 3}
    """)


def test_the_issue_example_reports_the_typo_and_the_fractional_size_in_one_run() -> None:
    report = check_text(ISSUE)
    assert found(report) == [("NC002", "conv2"), ("NC101", "conv5")]
    assert "strides" in report.violations[0].message
    assert "10.33 is not a whole number" in report.violations[1].message
    assert report.violations[1].line == 8


def test_before_the_fix_of_the_typo_its_dependents_were_what_hid_the_other_errors() -> None:
    fixed = found(check_text(ISSUE.replace("strides: 2", "stride: 2")))
    assert {("NC101", "conv2"), ("NC101", "conv3"), ("NC101", "conv5")} <= set(fixed)
    assert ("NC205", "pool4") in fixed  # once conv2 is read, its branch is seen to go nowhere


def test_the_rows_of_skipped_layers_are_unknown_and_the_totals_are_not_a_partial_sum() -> None:
    report = check_text(ISSUE)
    assert [row.output is not None for row in report.rows] == [True, False, False, False, True]
    assert all(row.params is None for row in report.rows[1:4])
    assert row(report, "conv2").type == "conv2d"
    assert report.totals and all(value is None for value in report.totals.values())
    assert report.network is None  # the file did not load: there is no netcheck.Network to give


def test_the_json_report_of_a_partly_checked_file_keeps_its_schema() -> None:
    entry = document([check_text(ISSUE)])["files"][0]
    assert entry["ok"] is False
    assert [layer["output"] is None for layer in entry["layers"]] == [False, True, True, True, False]
    assert set(entry["totals"]) >= {"params", "macs"} and all(value is None for value in entry["totals"].values())
    json.dumps(entry)


def test_dependents_of_a_broken_layer_are_skipped_without_a_cascade() -> None:
    report = check_text(spec("""
        name: cascade
        input: 32x32x3
        layers:
          - {name: conv1, type: conv2d, filters: 8, kernel: 3, padding: 1}
          - {name: conv2, type: conv2d, filters: 8, kernal: 3}
          - {name: conv3, type: conv2d, filters: 8, kernel: 4, stride: 3, expect: {shape: 1x1x1, params: 1}}
          - {name: flat, type: dense, units: 10}
          - {name: merge, type: add, inputs: [flat, conv1]}
          - {name: tail, type: conv2d, filters: 8, kernel: 40}
        expect: {params: 1, output: 1x1x1}
        """))
    assert set(found(report)) == {("NC002", "conv2")}  # kernal unknown, kernel missing
    assert all(row.output is None for row in report.rows[1:])


def test_a_merge_reading_a_skipped_layer_is_skipped_not_reported() -> None:
    report = check_text(spec("""
        name: merge
        input: 32x32x3
        layers:
          - {name: conv1, type: conv2d, filters: 8, kernel: 3, padding: 1}
          - {name: broken, type: conv2d, filters: "16", kernel: 3, inputs: conv1}
          - {name: other, type: conv2d, filters: 4, kernel: 1, inputs: conv1}
          - {name: sum, type: add, inputs: [broken, other]}
        """))
    assert found(report) == [("NC002", "broken")]
    assert row(report, "other").output is not None and row(report, "sum").output is None


def test_a_branch_that_does_not_read_the_broken_layer_is_checked_fully() -> None:
    report = check_text(spec("""
        name: branches
        input: 32x32x3
        layers:
          - {name: stem, type: conv2d, filters: 8, kernel: 3, padding: 1}
          - {name: a1, type: Conv2D, filters: 8, kernel: 3}
          - {name: a2, type: conv2d, filters: 8, kernel: 4, stride: 3}
          - {name: b1, type: conv2d, filters: 8, kernel: 4, stride: 3, inputs: stem}
          - {name: b2, type: maxpool2d, kernel: 1, stride: 3, expect: {shape: 3x3x8}}
          - {name: out, type: concat, inputs: [a2, b2]}
        """))
    assert found(report) == [("NC002", "a1"), ("NC101", "b1"), ("NC203", "b2"), ("NC105", "b2")]
    assert "conv2d" in report.violations[0].message  # the did-you-mean of the unknown type
    assert row(report, "b2").output is not None


def test_the_layers_before_a_broken_one_are_checked_and_their_fixes_keep_its_input() -> None:
    report = check_text(spec("""
        name: before
        input: 32x32x3
        layers:
          - {name: conv1, type: conv2d, filters: 8, kernel: 4, stride: 3}
          - {name: conv2, type: conv2d, filters: 8}
        """))
    assert found(report) == [("NC101", "conv1"), ("NC002", "conv2")]
    fixes = [fix.message for fix in report.violations[0].fixes]
    # padding 1 would give conv2 another input, which cannot be judged; floor rounding gives the same 10x10
    assert fixes and all("padding" not in message for message in fixes)
    assert any("floor" in message for message in fixes)


def test_a_fix_for_a_layer_no_skipped_layer_reads_is_verified_on_the_partial_network() -> None:
    report = check_text(ISSUE)
    conv5 = about(report, "conv5")[0]
    assert [fix.message for fix in conv5.fixes][:1] == ["padding 1 gives 11"]
    import yaml

    data = yaml.safe_load(ISSUE)
    fixed = check_text(yaml.safe_dump(apply(data, conv5.fixes[0].edits), sort_keys=False))
    assert found(fixed) == [("NC002", "conv2")]


def test_an_error_only_in_an_expect_drops_that_expect_and_the_layer_is_computed() -> None:
    report = check_text(spec("""
        name: expects
        input: 32x32x3
        layers:
          - {name: conv1, type: conv2d, filters: 8, kernel: 4, stride: 3, expect: {shape: 10x10}}
          - {name: conv2, type: conv2d, filters: 8, kernel: 3, expect: {shape: 9x9x8}}
        expect: {output: 8x8, params: 3}
        """))
    assert found(report) == [("NC101", "conv1"), ("NC002", "conv1"), ("NC105", "conv2"), ("NC002", None)]
    assert all(row.output is not None for row in report.rows)
    assert report.totals["params"] == 392 + 584  # nothing skipped: the totals are whole


def test_no_nc105_on_totals_when_a_layer_was_skipped_but_checked_layers_keep_their_shape_checks() -> None:
    report = check_text(spec("""
        name: totals
        input: 32x32x3
        layers:
          - {name: conv1, type: conv2d, filters: 8, kernel: 3, padding: 1, expect: {shape: 30x30x8}}
          - {name: conv2, type: conv2d, filters: 8, kernel: 3, bias: "no"}
          - {name: conv3, type: conv2d, filters: 8, kernel: 3, expect: {shape: 1x1x1}}
          - {name: conv4, type: conv2d, filters: 8, kernel: 3, inputs: conv1, expect: {shape: 1x1x1, params: 1}}
        expect: {params: 10, trainable_params: 10, macs: 10, neurons: 10}
        """))
    codes = found(report)
    assert ("NC002", "conv2") in codes
    assert ("NC105", "conv1") in codes and ("NC105", "conv3") not in codes
    assert [v.path[-1] for v in about(report, "conv4")] == ["shape", "params"]
    assert ("NC105", None) not in codes


def test_network_output_shape_is_judged_when_the_last_layer_does_not_depend_on_a_skipped_one() -> None:
    report = check_text(ISSUE + "expect: {output: 9x9x32, params: 1}\n")
    network = [violation for violation in report.violations if violation.code == "NC105"]
    assert [violation.path for violation in network] == [("expect", "output")]


def test_a_duplicate_key_in_a_layer_skips_that_layer_only() -> None:
    report = check_text(spec("""
        name: dup
        input: 32x32x3
        layers:
          - name: conv1
            type: conv2d
            filters: 8
            kernel: 3
            stride: 2
            stride: 1
          - {name: conv2, type: conv2d, filters: 8, kernel: 4, stride: 3}
          - {name: side, type: conv2d, filters: 8, kernel: 4, stride: 3, inputs: input}
        """))
    assert found(report) == [("NC003", "conv1"), ("NC101", "side")]
    assert row(report, "conv1").output is None and row(report, "conv2").output is None


def test_a_duplicate_key_in_a_layers_expect_drops_the_expect() -> None:
    report = check_text(spec("""
        name: dup-expect
        input: 32x32x3
        layers:
          - name: conv1
            type: conv2d
            filters: 8
            kernel: 4
            stride: 3
            expect:
              shape: 10x10x8
              shape: 11x11x8
        """))
    assert found(report) == [("NC101", "conv1"), ("NC003", "conv1")]


def test_a_duplicate_top_level_key_the_layers_depend_on_stops_the_check() -> None:
    report = check_path(str(BROKEN / "NC003_duplicate_rounding.yaml"))
    assert found(report) == [("NC003", None)]
    assert not report.rows


def test_an_unknown_input_skips_its_reader_and_what_reads_it() -> None:
    report = check_text(spec("""
        name: unknown
        input: 32x32x3
        layers:
          - {name: conv1, type: conv2d, filters: 8, kernel: 3}
          - {name: conv2, type: conv2d, filters: 8, kernel: 3, inputs: cnov1}
          - {name: conv3, type: conv2d, filters: 8, kernel: 4, stride: 3}
          - {name: side, type: conv2d, filters: 8, kernel: 4, stride: 3, inputs: conv1}
        """))
    assert found(report) == [("NC004", "conv2"), ("NC101", "side")]
    assert "'conv1'" in report.violations[0].message
    # conv2 may have meant any layer: a fix that changes an output it may read is not shown
    assert all("padding" not in fix.message for fix in report.violations[1].fixes)


def test_a_duplicate_name_skips_the_readers_of_that_name() -> None:
    report = check_text(spec("""
        name: twice
        input: 32x32x3
        layers:
          - {name: conv, type: conv2d, filters: 8, kernel: 3, padding: 1}
          - {name: conv, type: conv2d, filters: 16, kernel: 1}
          - {name: sum, type: add, inputs: [conv, input]}
          - {name: side, type: conv2d, filters: 8, kernel: 4, stride: 3, inputs: input}
        """))
    assert found(report) == [("NC004", "conv"), ("NC101", "side")]  # no NC103 on sum: which conv is meant?
    assert row(report, "sum").output is None


def test_a_cycle_is_skipped_and_the_rest_is_checked_without_unused_output_warnings() -> None:
    report = check_text(spec("""
        name: cycle
        input: 32x32x3
        layers:
          - {name: a, type: conv2d, filters: 8, kernel: 3, inputs: b}
          - {name: b, type: conv2d, filters: 8, kernel: 3}
          - {name: side, type: conv2d, filters: 8, kernel: 4, stride: 3, inputs: input}
          - {name: last, type: identity, inputs: side}
        """))
    assert found(report) == [("NC004", "a"), ("NC101", "side")]


@pytest.mark.parametrize("name", ["NC004_self_input.yaml", "NC004_unknown_input.yaml"])
def test_no_unused_output_warning_when_the_wiring_is_in_doubt(name: str) -> None:
    codes = {violation.code for violation in check_path(str(BROKEN / name)).violations}
    assert codes == {"NC004"}


def test_a_reference_to_a_default_name_counted_after_an_unknown_type_is_not_resolved() -> None:
    report = check_text(spec("""
        name: shifted
        input: 32x32x3
        layers:
          - {type: conv2d, filters: 8, kernel: 3}
          - {type: Conv2D, filters: 8, kernel: 3}
          - {type: conv2d, filters: 8, kernel: 3, inputs: input}
          - {type: conv2d, filters: 8, kernel: 40, inputs: conv2d_2}
          - {type: conv2d, filters: 8, kernel: 4, stride: 3, inputs: conv2d_1}
          - {name: last, type: conv2d, filters: 8, kernel: 3, inputs: nothere}
        """))
    # conv2d_2 may be the Conv2D layer (meant as a conv2d): not resolved, not an NC004, not an NC102
    assert [code for code, _ in found(report)] == ["NC002", "NC101", "NC004"]
    assert "nothere" in report.violations[2].message


BLOCKS = spec("""
    name: blocks
    input: 32x32x8
    blocks:
      pair:
        params: {filters: null}
        layers:
          - {name: a, type: conv2d, filters: "${filters}", kernel: 3, padding: 1}
          - {name: b, type: conv2d, filters: "${filters}", kernel: 3, padding: 1}
      wrong:
        params: {filters: null}
        extra: 1
        layers:
          - {name: a, type: conv2d, filters: "${filters}", kernel: 3, padding: 1}
      user:
        layers:
          - {name: x, type: wrong, filters: 4}
    layers:
      - {name: stem, type: conv2d, filters: 8, kernel: 3, padding: 1}
      - {name: p1, type: pair, filters: 8}
      - {name: w1, type: wrong, filters: 8}
      - {name: u1, type: user, inputs: stem}
      - {name: p2, type: pair, filters: 8, filtres: 8, inputs: stem}
      - {name: side, type: conv2d, filters: 8, kernel: 4, stride: 3, inputs: p1}
      - {name: last, type: concat, inputs: [p1, w1, u1, p2, side]}
    """)


def test_an_error_in_a_block_skips_its_uses_and_the_other_layers_go_on() -> None:
    report = check_text(BLOCKS)
    assert found(report) == [("NC002", None), ("NC002", "p2"), ("NC101", "side")]
    assert [(row.name, row.type, row.output is not None) for row in report.rows] == [
        ("stem", "conv2d", True), ("p1.a", "conv2d", True), ("p1.b", "conv2d", True), ("w1", "wrong", False),
        ("u1", "user", False), ("p2", "pair", False), ("side", "conv2d", True), ("last", "concat", False)]
    assert [use.name for use in report.uses] == ["p1"]


def test_a_schema_error_inside_a_block_skips_the_whole_use_it_is_in() -> None:
    report = check_text(BLOCKS.replace("kernel: 3, padding: 1}\n      - {name: b", "kernel: 3, paddin: 1}\n"
                                       "      - {name: b"))
    codes = found(report)
    assert codes.count(("NC002", "p1.a")) == 1 and ("NC101", "side") not in codes  # side reads p1
    assert all(row.output is None for row in report.rows if row.name.startswith("p1."))
    assert report.violations[0].path[:2] == ("blocks", "pair")


def test_fixes_in_a_file_with_broken_blocks_are_written_where_the_values_are() -> None:
    # side feeds the skipped concat in BLOCKS: a fix that changes its output cannot be judged there
    assert all("padding" not in fix.message for fix in about(check_text(BLOCKS), "side")[0].fixes)
    text = BLOCKS.replace(", p2, side]", ", p2]")
    side = about(check_text(text), "side")[0]
    edits = [edit.path for fix in side.fixes for edit in fix.edits]
    assert ("layers", 5, "padding") in edits  # the flat network's layer 6, written as the file's layer 5


def test_a_duplicate_key_in_a_block_skips_its_uses() -> None:
    report = check_text(BLOCKS.replace("kernel: 3, padding: 1}\n      - {name: b", "kernel: 3, padding: 1, kernel: 5}\n"
                                       "      - {name: b"))
    assert found(report)[:1] == [("NC003", None)]
    assert all(row.output is None for row in report.rows if row.name.startswith("p1"))
    assert row(report, "stem").output is not None


def test_a_use_whose_name_is_taken_is_one_nc004_and_its_readers_are_skipped() -> None:
    report = check_text(spec("""
        name: taken
        input: 8x8x4
        blocks:
          pair:
            layers:
              - {name: a, type: conv2d, filters: 4, kernel: 1}
        layers:
          - {name: x, type: conv2d, filters: 4, kernel: 3, padding: 1}
          - {name: x, type: pair}
          - {name: y, type: conv2d, filters: 4, kernel: 3, stride: 2, inputs: x}
          - {name: z, type: conv2d, filters: 4, kernel: 3, stride: 2, inputs: input}
        """))
    assert found(report) == [("NC004", "x"), ("NC101", "z")]


def test_no_fix_of_the_network_input_or_rounding_when_layers_were_skipped() -> None:
    report = check_text(spec("""
        name: whole
        input: 32x32x3
        layers:
          - {name: conv1, type: conv2d, filters: 8, kernel: 4, stride: 3}
          - {name: conv2, type: conv2d, filters: 8, kernel: 3}
          - {name: conv3, type: conv2d, filters: 8, kernel: 3, bias: 1}
        """))
    assert found(report) == [("NC101", "conv1"), ("NC002", "conv3")]
    # input 31x31x3 would hand conv3 the same 8x8x8, but "makes every layer whole" cannot be said of conv3
    edits = [edit.path for fix in report.violations[0].fixes for edit in fix.edits]
    assert edits == [("layers", 0, "rounding")]


def test_every_broken_file_still_reports_its_code() -> None:
    for path in sorted(BROKEN.glob("*.yaml")):
        code = path.name.split("_")[0]
        assert code in {violation.code for violation in check_path(str(path)).violations}, path.name


def test_the_clean_road_does_not_import_the_recovery() -> None:
    code = ("import sys; from netcheck.checker import check_path; "
            "assert check_path('specs/resnet18-blocks.yaml').ok; assert check_path('specs/quiz.yaml').ok; "
            "print('netcheck.recovery' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "False", result.stderr


def test_the_cli_reports_everything_and_fails(tmp_path: Path) -> None:
    path = tmp_path / "issue.yaml"
    path.write_text(ISSUE, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "netcheck", "validate", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "NC002" in result.stdout and "NC101" in result.stdout and "2 errors" in result.stdout


# --- the property: a broken layer changes nothing before it ---------------------------------------------------

LAYER = st.one_of(
    st.builds(lambda k, s, p: f"{{type: conv2d, filters: 4, kernel: {k}, stride: {s}, padding: {p}}}",
              st.integers(1, 5), st.integers(1, 3), st.integers(0, 2)),
    st.builds(lambda k, s: f"{{type: maxpool2d, kernel: {k}, stride: {s}}}", st.integers(1, 3), st.integers(1, 3)),
    st.just("{type: activation, function: relu}"),
    st.just("{type: batchnorm2d}"),
)
TYPOS = [
    ("{type: conv2d,", "{type: Conv2D,"),  # an unknown type
    ("kernel:", "kernal:"),  # a misspelt key (and a missing one)
    ("filters: 4", 'filters: "4"'),  # a wrong type
    ("type: activation, function: relu", "type: activation, function: rleu"),
    ("type: batchnorm2d", "type: batchnorm2d, eps: -1"),
    ("{type: maxpool2d,", "{type: maxpool2d, filters: 3,"),
]


def text_of(layers: list[str], size: int) -> str:
    return f"name: prop\ninput: {size}x{size}x3\nlayers:\n" + "".join(f"  - {layer}\n" for layer in layers)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LAYER, min_size=2, max_size=7), st.integers(8, 40), st.data())
def test_violations_before_a_broken_layer_are_those_of_the_spec_cut_before_it(layers: list[str], size: int,
                                                                               data: st.DataObject) -> None:
    at = data.draw(st.integers(1, len(layers) - 1), label="broken layer")
    written, typo = data.draw(st.sampled_from([pair for pair in TYPOS if pair[0] in layers[at]]), label="typo")
    whole = check_text(text_of([*layers[:at], layers[at].replace(written, typo, 1), *layers[at + 1:]], size),
                       options=NO_FIXES)
    cut = check_text(text_of(layers[:at], size), options=NO_FIXES)
    first_line = at + 4  # the broken layer's line: three lines of header, then one line per layer
    before = [(v.code, v.layer, v.line, v.column, v.message) for v in whole.violations if v.line < first_line]
    assert before == [(v.code, v.layer, v.line, v.column, v.message) for v in cut.violations]
    after = {v.code for v in whole.violations if v.line >= first_line}
    assert after == {"NC002"}  # the typo itself, and nothing of the layers that read it
    assert whole.rows[:at] == cut.rows[:at]
    assert all(row.output is None and row.params is None for row in whole.rows[at:])
