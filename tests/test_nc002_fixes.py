"""NC002 fixes where the did-you-mean hint is certain (issue 13): renames, unquoting, booleans, whole floats.

Each fix is offered only when there is exactly one candidate and it verifies
(the document validated again: its NC002 gone, none added); ``--fix`` changes
exactly the token it is about; JSON and SARIF render it.
"""

from __future__ import annotations

import difflib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from netcheck.autofix import fix_text
from netcheck.checker import check_path, check_text
from netcheck.fixing import apply
from netcheck.report.json import fix_entry
from netcheck.report.sarif import document
from netcheck.results import Edit, Fix, Options, Violation
from netcheck.source import parse
from netcheck.textedit import SourceTree
from tests.conftest import BROKEN, ROOT, run_cli

jsonschema = pytest.importorskip("jsonschema")

SARIF_SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"


@dataclass(frozen=True)
class Case:
    message: str
    old: str  # the token in the file
    new: str  # what the fix writes instead
    json: dict[str, Any]  # the fix's JSON entry, without the message


CASES = {
    "NC002_typo_strides.yaml": Case("rename `strides` to `stride`", "strides", "stride",
                                    {"set": [], "rename": [{"path": ["layers", 0, "strides"], "to": "stride"}]}),
    "NC002_stride_string.yaml": Case("write 2 unquoted", '"2"', "2",
                                     {"set": [{"path": ["layers", 0, "stride"], "value": 2}]}),
    "NC002_bias_quoted_false.yaml": Case("write false unquoted", '"false"', "false",
                                         {"set": [{"path": ["layers", 0, "bias"], "value": False}]}),
    "NC002_stride_float.yaml": Case("write 2 without the decimal point", "2.0", "2",
                                    {"set": [{"path": ["layers", 0, "stride"], "value": 2}]}),
}


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    return jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))


def nc002(report_violations: list[Violation]) -> Violation:
    (violation,) = [violation for violation in report_violations if violation.code == "NC002"]
    return violation


def assert_only_token_changed(before: str, after: str, line: int, old: str, new: str) -> None:
    """``after`` is ``before`` with the first ``old`` on 1-based ``line`` (and only there) replaced by ``new``."""
    lines_before, lines_after = before.splitlines(keepends=True), after.splitlines(keepends=True)
    opcodes = [op for op in difflib.SequenceMatcher(a=lines_before, b=lines_after, autojunk=False).get_opcodes()
               if op[0] != "equal"]
    assert [op[:5] for op in opcodes] == [("replace", line - 1, line, line - 1, line)], opcodes
    lost, gained = lines_before[line - 1], lines_after[line - 1]
    at = lost.index(old)
    assert gained == lost[:at] + new + lost[at + len(old):], (lost, gained)
    chars = [op for op in difflib.SequenceMatcher(a=lost, b=gained, autojunk=False).get_opcodes() if op[0] != "equal"]
    assert all(at <= op[1] and op[2] <= at + len(old) for op in chars), chars  # nothing outside the token moved


# --- the four kinds, on the broken corpus -------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_fix_is_offered(name: str) -> None:
    violation = nc002(check_path(str(BROKEN / name)).violations)
    assert [fix.message for fix in violation.fixes] == [CASES[name].message]


@pytest.mark.parametrize("name", sorted(CASES))
def test_fix_changes_exactly_the_token_and_the_nc002_is_gone(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    copy = tmp_path / name
    shutil.copyfile(BROKEN / name, copy)
    before = copy.read_text(encoding="utf-8")
    line = nc002(check_path(str(copy)).violations).line
    result = run_cli("validate", "--fix", str(copy))
    assert "Traceback" not in result.stderr
    assert "fixed NC002 " in result.stderr and case.message in result.stderr, result.stderr
    after = copy.read_text(encoding="utf-8")
    assert_only_token_changed(before, after, line, case.old, case.new)
    assert not [v for v in check_path(str(copy)).violations if v.code == "NC002"]


@pytest.mark.parametrize("name", sorted(CASES))
def test_json_renders_the_edit(name: str) -> None:
    result = run_cli("validate", "--format", "json", str(BROKEN / name))
    (file,) = json.loads(result.stdout)["files"]
    (violation,) = [v for v in file["violations"] if v["code"] == "NC002"]
    assert violation["fixes"] == [{"message": CASES[name].message, **CASES[name].json}]


@pytest.mark.parametrize("name", sorted(CASES))
def test_sarif_replaces_just_the_token(name: str, tmp_path: Path, sarif_validator: Any) -> None:
    case = CASES[name]
    copy = tmp_path / name
    shutil.copyfile(BROKEN / name, copy)
    text = copy.read_text(encoding="utf-8")
    log = document([check_path(str(copy), Options(extents=True))], tmp_path)
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in sarif_validator.iter_errors(log)]
    assert not errors, errors
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "NC002"]
    (fix,) = result["fixes"]
    assert fix["description"]["text"] == case.message
    (change,) = fix["artifactChanges"]
    (replacement,) = change["replacements"]
    region = replacement["deletedRegion"]
    assert region["startLine"] == region["endLine"]
    line = text.splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1:region["endColumn"] - 1] == case.old
    assert replacement["insertedContent"]["text"] == case.new
    assert "fix: " + case.message in result["message"]["text"]


def test_a_rename_reveals_what_the_typo_hid_and_fix_leaves_it_for_the_next_run(tmp_path: Path) -> None:
    """``strides: 2`` renamed: the stride now applies and gives 16.5 (NC101), reported, fixed only on the next run."""
    copy = tmp_path / "typo.yaml"
    shutil.copyfile(BROKEN / "NC002_typo_strides.yaml", copy)
    first = run_cli("validate", "--fix", str(copy))
    assert first.returncode == 1 and "fixed 1 error in 1 file" in first.stderr
    assert "NC101" in first.stdout and "\n    fix: " in first.stdout
    second = run_cli("validate", "--fix", str(copy))
    assert "fixed NC101" in second.stderr and second.returncode == 0, second.stdout + second.stderr


# --- more of each kind ----------------------------------------------------------------------------------

LAYER = "name: t\ninput: 8x8x3\nlayers:\n  - name: c\n    type: conv2d\n    filters: 4\n    kernel: 3\n    padding: 1\n"


@pytest.mark.parametrize(("written", "value", "message"), [
    ("yes", True, "write true instead of 'yes'"),
    ("off", False, "write false instead of 'off'"),
    ('"True"', True, "write true unquoted"),
    ("'false'", False, "write false unquoted"),
])
def test_boolean_words_become_booleans(written: str, value: bool, message: str) -> None:
    text = LAYER + f"    bias: {written}\n"
    violation = nc002(check_text(text).violations)
    (fix,) = violation.fixes
    assert fix.message == message and fix.edits == (Edit(("layers", 0, "bias"), value),)
    fixed = fix_text(text)
    assert fixed.after == text.replace(f"bias: {written}", f"bias: {'true' if value else 'false'}")
    assert fixed.report.ok


@pytest.mark.parametrize(("key", "renamed"), [
    ('"strides"', '"stride"'),
    ("'strides'", "'stride'"),
    ("strides", "stride"),
])
def test_a_quoted_key_stays_quoted(key: str, renamed: str) -> None:
    text = LAYER + f"    {key}: 1   # the stride\n"
    fixed = fix_text(text)
    assert [fix.message for _, fix in fixed.applied] == ["rename `strides` to `stride`"]
    assert fixed.after == text.replace(key, renamed)
    assert fixed.report.ok


def test_a_rename_in_a_flow_mapping_and_elsewhere_than_a_layer() -> None:
    text = ("name: t\ninput: 8x8x3\nlayers:\n"
            "  - {type: conv2d, filters: 4, kernel: 3, paddng: 1, expect: {parms: 112}}\n")
    fixed = fix_text(text)
    assert sorted(fix.message for _, fix in fixed.applied) == ["rename `paddng` to `padding`",
                                                               "rename `parms` to `params`"]
    assert fixed.after == text.replace("paddng", "padding").replace("parms", "params")
    assert fixed.report.ok


def test_a_quoted_float_is_unquoted_where_a_float_is_wanted() -> None:
    text = "name: t\ninput: 8x8x3\nlayers:\n  - {type: dropout, rate: \"0.25\"}\n"
    (fix,) = nc002(check_text(text).violations).fixes
    assert fix.message == "write 0.25 unquoted"
    assert fix_text(text).after == text.replace('"0.25"', "0.25")


def test_rename_keeps_the_value_and_the_place_of_the_key() -> None:
    data = {"layers": [{"type": "conv2d", "strides": {"width": 2, "height": 1}, "padding": 1}]}
    renamed = apply(data, (Edit(("layers", 0, "strides"), None, rename="stride"),))
    assert list(renamed["layers"][0].items()) == [("type", "conv2d"), ("stride", {"width": 2, "height": 1}),
                                                 ("padding", 1)]
    assert "strides" in data["layers"][0]  # the data itself is not changed
    with pytest.raises(ValueError):
        apply(data, (Edit(("layers", 0, "strides"), None, rename="padding"),))
    with pytest.raises(KeyError):
        apply(data, (Edit(("layers", 0, "stride"), None, rename="kernel"),))


def test_edit_kinds_and_the_json_forms() -> None:
    assert Edit(("a",), 1).kind == "set"
    assert Edit(("layers", 0), {}, insert=True).kind == "insert"
    assert Edit(("a",), None, rename="b").kind == "rename"
    entry = fix_entry(Fix("padding 0 gives 9", (Edit(("layers", 0, "padding"), 0),)))
    assert entry == {"message": "padding 0 gives 9", "set": [{"path": ["layers", 0, "padding"], "value": 0}]}


def test_set_edits_render_as_before() -> None:
    """Existing fixes are unchanged in JSON: ``{"path", "value"}`` in ``set``, no ``rename`` key."""
    result = run_cli("validate", "--format", "json", "tests/broken/NC101_quiz_stride3.yaml")
    fixes = [fix for file in json.loads(result.stdout)["files"] for v in file["violations"] for fix in v["fixes"]]
    assert fixes and all(set(fix) == {"message", "set"} for fix in fixes)
    assert all(set(edit) == {"path", "value"} for fix in fixes for edit in fix["set"])


def test_a_rename_has_no_text_form_behind_an_anchor() -> None:
    text = LAYER + "    &k strides: 1\n"
    tree = SourceTree.of(text)
    assert tree is not None
    assert tree.text_edits((Edit(("layers", 0, "strides"), None, rename="stride"),)) is None
    assert parse(text).data["layers"][0]["strides"] == 1


# --- not certain: the hint stays words only -----------------------------------------------------------

NOT_CERTAIN = {
    "two close matches": (LAYER.replace("    padding: 1\n", "") + "    ading: 1\n", "did you mean 'padding'?"),
    "the target key is already there": (LAYER + "    stride: 2\n    strides: 2\n", "did you mean 'stride'?"),
    "a quoted non-number": (LAYER + '    stride: "two"\n', "not 'two'"),
    "a quoted number with a leading zero": (LAYER + '    stride: "02"\n', "not '02'"),
    "a boolean where an integer is wanted": (LAYER + "    stride: true\n", "not true"),
    "a quoted number that does not verify": (LAYER + '    stride: "0"\n', "not '0'"),
    "a rename that does not verify": (LAYER + "    strides: 0\n", "did you mean 'stride'?"),
    "a word that is not a boolean": (LAYER + "    bias: maybe\n", "not 'maybe'"),
    "a fractional float": (LAYER + "    stride: 1.5\n", "not 1.5"),
    "a typo inside a block": ("name: b\ninput: 8x8x3\nblocks:\n  unit:\n    layers:\n"
                              "      - {name: conv, type: conv2d, filters: 4, kernel: 3, strides: 1, padding: 1}\n"
                              "layers:\n  - {name: u1, type: unit}\n", "did you mean 'stride'?"),
}


@pytest.mark.parametrize("case", sorted(NOT_CERTAIN))
def test_not_certain_offers_no_fix(case: str) -> None:
    text, hint = NOT_CERTAIN[case]
    report = check_text(text)
    violations = [v for v in report.violations if v.code == "NC002"]
    assert violations, report.violations
    assert any(hint in v.message for v in violations), [v.message for v in violations]
    assert all(not v.fixes for v in violations), [v.fixes for v in violations]
    assert fix_text(text).after == text


def test_the_search_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each verification validates the whole document: past the file's budget, the hints stay words only."""
    from netcheck import validation

    monkeypatch.setattr(validation, "FIX_BUDGET_BASE", 0)  # three validations: the document, then two fixes
    text = "name: t\ninput: 8x8x3\nlayers:\n" + "".join(
        f"  - {{name: c{i}, type: conv2d, filters: 3, kernel: 1, strides: 1}}\n" for i in range(5))
    violations = [v for v in check_text(text).violations if v.code == "NC002"]
    assert len(violations) == 5
    assert [bool(v.fixes) for v in violations] == [True, True, False, False, False]


def test_an_activation_written_as_a_layer_type_is_told_where_it_goes() -> None:
    from netcheck import check_text

    report = check_text("name: r\ninput: 8x8x3\nlayers:\n  - {name: a, type: relu}\n")
    assert "(an activation: write type: activation, function: relu)" in report.violations[0].message
