"""``--format sarif``: valid SARIF 2.1.0, every rule described, every violation at its place, fixes as text edits.

The output is validated against the official OASIS schema, vendored in
``tests/data/`` (see ``tests/data/SOURCE.md``). Fixes are checked the way a
viewer would apply them: the replacements are applied to the file's text by
this test's own code, and the edited file is checked again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest

from netcheck import commands, rules
from netcheck.checker import check_path, check_text
from netcheck.fixing import apply
from netcheck.report import Settings
from netcheck.report.sarif import document, help_markdown, render, sarif_fix
from netcheck.results import Edit, FileReport, Fix, Options, Violation
from netcheck.source import parse
from netcheck.textedit import SourceTree
from tests.conftest import BROKEN, ROOT, SPECS, run_cli

jsonschema = pytest.importorskip("jsonschema")

DATA = ROOT / "tests" / "data"
SARIF_SCHEMA = DATA / "sarif-schema-2.1.0.json"
BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))


@pytest.fixture(scope="module")
def sarif_validator() -> Any:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def assert_valid_sarif(log: dict[str, Any], validator: Any) -> None:
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(log)]
    assert not errors, "\n".join(errors[:10])
    for run in log["runs"]:
        for result in run["results"]:
            for location in result["locations"]:
                uri = location["physicalLocation"]["artifactLocation"]["uri"]
                assert re.fullmatch(r"[A-Za-z0-9\-._~%!$&'()*+,;=:@/]+", uri), f"not a URI reference: {uri!r}"


def sarif_of(*paths: str, cwd: Path = ROOT) -> dict[str, Any]:
    result = run_cli("validate", "--format", "sarif", *paths, cwd=cwd)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == ""
    log: dict[str, Any] = json.loads(result.stdout)
    return log


# --- the vendored schema ----------------------------------------------------------------------------


def test_vendored_schema_is_the_oasis_one() -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].startswith("https://docs.oasis-open.org/sarif/sarif/v2.1.0/")
    digest = hashlib.sha256(SARIF_SCHEMA.read_bytes()).hexdigest()
    assert digest in (DATA / "SOURCE.md").read_text(encoding="utf-8"), "SOURCE.md names another file"


# --- the log ----------------------------------------------------------------------------------------


def test_broken_directory_gives_valid_sarif(sarif_validator: Any) -> None:
    log = sarif_of("tests/broken/")
    assert_valid_sarif(log, sarif_validator)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda path: path.name)
def test_each_broken_file_gives_valid_sarif(path: Path, sarif_validator: Any) -> None:
    outcome = commands.validate([str(path.relative_to(ROOT))], "sarif", Options())
    log = json.loads(outcome.text)
    assert_valid_sarif(log, sarif_validator)
    codes = [result["ruleId"] for result in log["runs"][0]["results"]]
    assert path.name[:5] in codes


def test_good_specs_give_valid_sarif_without_results(sarif_validator: Any) -> None:
    log = sarif_of("specs/")
    assert_valid_sarif(log, sarif_validator)
    assert {result["level"] for result in log["runs"][0]["results"]} <= {"warning"}


def test_driver_lists_every_rule() -> None:
    driver = sarif_of("specs/quiz.yaml")["runs"][0]["tool"]["driver"]
    assert driver["name"] == "netcheck"
    all_rules = rules.all_rules()
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in all_rules] == list(rules.CODES)
    for described, rule in zip(driver["rules"], all_rules):
        assert described["name"] == rule.name
        assert described["shortDescription"]["text"] == rule.summary
        assert described["fullDescription"]["text"]
        assert described["fullDescription"]["text"] != rule.summary
        explained = commands.explain(rule.code).text
        assert described["help"]["text"] in explained
        assert "```yaml" in described["help"]["markdown"]
        assert described["defaultConfiguration"]["level"] == rule.severity


def test_results_point_where_the_json_report_does() -> None:
    log = sarif_of("tests/broken/")
    report = json.loads(run_cli("validate", "--format", "json", "tests/broken/").stdout)
    expected = sorted((f["path"], v["code"], v["severity"], v["line"], v["column"])
                      for f in report["files"] for v in f["violations"])
    rules_list = log["runs"][0]["tool"]["driver"]["rules"]
    found = []
    for result in log["runs"][0]["results"]:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        region = physical["region"]
        assert rules_list[result["ruleIndex"]]["id"] == result["ruleId"]
        found.append((unquote(physical["artifactLocation"]["uri"]), result["ruleId"], result["level"],
                      region["startLine"], region["startColumn"]))
    assert sorted(found) == expected


def test_srcroot_is_the_working_directory() -> None:
    run = sarif_of("specs/quiz.yaml")["runs"][0]
    root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert root == ROOT.as_uri() + "/"
    assert run["columnKind"] == "unicodeCodePoints"


# --- several violations, each at its line -----------------------------------------------------------

SEVERAL = """\
# yaml-language-server: $schema=../schemas/netcheck.schema.json
name: several
input: 32x32x3
layers:
  - name: conv1   # <- NC101
    type: conv2d
    filters: 8
    kernel: 8
    stride: 3
    padding: 1
  - name: pad
    type: conv2d
    filters: 8
    kernel: 1
    padding: 1   # <- NC202
  - {name: pool, type: maxpool2d, kernel: 2, stride: 3}   # <- NC203
  - name: fc
    type: conv2d
    filters: 10
    kernel: 1
    expect:
      params: 10   # <- NC105
"""


def _markers(text: str) -> list[tuple[int, str]]:
    return [(number, match.group(1)) for number, line in enumerate(text.splitlines(), 1)
            for match in [re.search(r"# <- (NC\d{3})", line)] if match]


def _region_text(text: str, region: dict[str, int]) -> str:
    lines = re.split(r"\r\n|\r|\n", text)
    line = lines[region["startLine"] - 1]
    return line[region["startColumn"] - 1:region.get("endColumn", len(line) + 1) - 1]


def test_several_violations_each_at_its_line(tmp_path: Path, sarif_validator: Any) -> None:
    (tmp_path / "several.yaml").write_text(SEVERAL, encoding="utf-8")
    log = sarif_of("several.yaml", cwd=tmp_path)
    assert_valid_sarif(log, sarif_validator)
    results = log["runs"][0]["results"]
    found = [(r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"]) for r in results]
    assert sorted(found) == _markers(SEVERAL)
    regions = {r["ruleId"]: _region_text(SEVERAL, r["locations"][0]["physicalLocation"]["region"])
               for r in results}
    assert regions == {"NC101": "name: conv1", "NC202": "padding: 1",
                       "NC203": "stride: 3", "NC105": "params: 10"}
    for result in results:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "several.yaml"


def test_the_yaml_is_walked_once_the_report_keeps_the_document(tmp_path: Path) -> None:
    """With extents asked for, regions and text fixes come from the checker's walk: the file is not read again."""
    path = tmp_path / "several.yaml"
    path.write_text(SEVERAL, encoding="utf-8")
    kept = check_path(str(path), Options(extents=True))
    assert kept.source is not None and kept.source.locator.extents is not None
    reread = document([check_path(str(path))], tmp_path)
    path.unlink()
    from_walk = document([kept], tmp_path)
    assert from_walk == reread
    assert any("fixes" in result for result in from_walk["runs"][0]["results"])
    assert all("endColumn" in result["locations"][0]["physicalLocation"]["region"]
               for result in from_walk["runs"][0]["results"])


def test_extents_are_recorded_only_when_asked() -> None:
    assert parse(SEVERAL).locator.extents is None
    assert check_text(SEVERAL).source is None
    tree = parse(SEVERAL, extents=True).locator.extents
    assert tree is not None and tree.root is not None and tree.root.kind == "mapping"


def test_validate_sarif_keeps_the_documents() -> None:
    from netcheck.report import needs_extents

    assert needs_extents("sarif") and not needs_extents("text") and not needs_extents("json")


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda path: path.name)
def test_regions_cover_the_key_the_violation_is_about(path: Path) -> None:
    report = check_path(str(path))
    log = document([report], ROOT)
    text = path.read_bytes().decode("utf-8", "replace")
    for violation, result in zip(report.violations, log["runs"][0]["results"]):
        region = result["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (violation.line, violation.column)
        if "endColumn" not in region:
            continue
        covered = _region_text(text, region)
        assert covered.strip() == covered and covered, (violation, covered)
        key = next((part for part in reversed(violation.path) if isinstance(part, str)), None)
        if key is not None and violation.path and isinstance(violation.path[-1], str) \
                and not covered.startswith("{") and violation.code != "NC002":
            assert covered.startswith(key), (violation, covered)


# --- fixes --------------------------------------------------------------------------------------------


def apply_replacements(text: str, replacements: list[dict[str, Any]]) -> str:
    """What a SARIF viewer does with a fix: replace regions (1-based, end exclusive, code points)."""
    starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    spans = []
    for replacement in replacements:
        region = replacement["deletedRegion"]
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region.get("endLine", region["startLine"]), region.get("endColumn", region["startColumn"]))
        spans.append((start, end, replacement["insertedContent"]["text"]))
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def check_sarif_fixes(path: Path, text: str) -> int:
    """Apply every SARIF fix of ``path`` and check it; return how many there were.

    Every fix that only sets values (no list insertion) must have become a SARIF fix.
    """
    report = check_path(str(path))
    results = document([report], path.parent)["runs"][0]["results"]
    applied = 0
    for violation, result in zip(report.violations, results):
        by_message = {fix.message: fix for fix in violation.fixes}
        for offered in result.get("fixes", []):
            fix = by_message[offered["description"]["text"]]
            (change,) = offered["artifactChanges"]
            assert change["artifactLocation"] == result["locations"][0]["physicalLocation"]["artifactLocation"]
            edited = apply_replacements(text, change["replacements"])
            assert parse(edited).data == apply(parse(text).data, fix.edits), (fix, edited)
            after = check_text(edited, str(path))
            assert not any(v.code == violation.code and v.layer == violation.layer and v.path == violation.path
                           for v in after.violations), (fix, edited)
            before_errors = {(v.code, v.layer) for v in report.violations if v.is_error}
            assert {(v.code, v.layer) for v in after.violations if v.is_error} <= before_errors, edited
            applied += 1
        assert len(result.get("fixes", [])) == sum(
            1 for fix in violation.fixes if not any(edit.insert for edit in fix.edits)), (violation, result)
    return applied


@pytest.mark.parametrize("path", [p for p in BROKEN_FILES if p.name[:3] != "NC0"], ids=lambda path: path.name)
def test_fixes_of_broken_files_are_text_edits_that_work(path: Path) -> None:
    check_sarif_fixes(path, path.read_text(encoding="utf-8"))


def test_most_fixes_of_broken_files_are_text_edits() -> None:
    applied = sum(check_sarif_fixes(path, path.read_text(encoding="utf-8")) for path in BROKEN_FILES
                  if path.name[:5] in ("NC101", "NC102", "NC104", "NC105"))
    assert applied >= 20


def test_a_structural_fix_stays_in_the_message_only() -> None:
    path = BROKEN / "NC103_dense_after_conv.yaml"
    report = check_path(str(path))
    (result,) = document([report], ROOT)["runs"][0]["results"]
    assert any(edit.insert for fix in report.violations[0].fixes for edit in fix.edits)
    assert "fixes" not in result
    assert "\nfix: " in result["message"]["text"]


FIX_CASES = {
    "flow layer, key added": "layers:\n  - {name: c, type: conv2d, filters: 4, kernel: 4, stride: 3}\n",
    "block layer, key added after a comment": "layers:\n  - name: c\n    type: conv2d\n    filters: 4\n"
                                              "    kernel: 4   # the kernel\n    stride: 3\n# the end\n",
    "crlf line ends": "layers:\r\n  - name: c\r\n    type: conv2d\r\n    filters: 4\r\n    kernel: 4\r\n"
                      "    stride: 3\r\n",
    "value replaced in place": "layers:\n  - name: c\n    type: conv2d\n    filters: 4\n    kernel: 4\n"
                               "    stride: 3\n    padding: 2\n",
    "quoted shape replaced": 'layers:\n  - {name: c, type: conv2d, filters: 4, kernel: 3, padding: 1,\n'
                             '     expect: {shape: "8x8x5"}}\n',
    "non-ascii names": "layers:\n  - name: \"свёртка😀\"\n    type: conv2d\n    filters: 4\n    kernel: 4\n"
                       "    stride: 3\n",
    "last key has a block value": "layers:\n  - name: c\n    type: conv2d\n    filters: 4\n    kernel: 4\n"
                                  "    stride: 3\n    expect:\n      params: 196\n",
}


@pytest.mark.parametrize("case", sorted(FIX_CASES))
def test_text_fixes_in_awkward_places(case: str, tmp_path: Path, sarif_validator: Any) -> None:
    text = "name: t\ninput: 8x8x3\n" + FIX_CASES[case]
    if "\r\n" in text:
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    path = tmp_path / "spec.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert check_sarif_fixes(path, text) >= 1
    assert_valid_sarif(document([check_path(str(path))], tmp_path), sarif_validator)


def test_fixes_next_to_an_alias(tmp_path: Path) -> None:
    text = "name: t\ninput: 8x8x3\nlayers:\n  - {name: a, type: conv2d, filters: 4, kernel: 4, stride: &s 3}\n" \
           "  - {name: b, type: conv2d, filters: 4, kernel: 1, stride: *s}\n"
    path = tmp_path / "spec.yaml"
    path.write_text(text, encoding="utf-8")
    check_sarif_fixes(path, text)  # every fix offered must work as text; a stride edit through &s would not
    tree = SourceTree.of(text)
    assert tree is not None
    through_anchor = Fix("stride 2", (Edit(("layers", 0, "stride"), 2),))
    assert sarif_fix(through_anchor, {"uri": "spec.yaml"}, tree) is None, "would leave *s without its anchor"
    on_alias = sarif_fix(Fix("stride 1", (Edit(("layers", 1, "stride"), 1),)), {"uri": "spec.yaml"}, tree)
    assert on_alias is not None
    (replacement,) = on_alias["artifactChanges"][0]["replacements"]
    assert _region_text(text, replacement["deletedRegion"]) == "*s"


# --- odd cases ----------------------------------------------------------------------------------------


def test_violation_without_position_has_no_region(sarif_validator: Any) -> None:
    report = FileReport("nowhere.yaml", violations=[
        Violation("NC105", "expected 1, got 2", 0, 0, "conv1", ("layers", 0, "expect", "params"),
                  (Fix("expect 2", (Edit(("layers", 0, "expect", "params"), 2),)),)),
        Violation("NC999", "a code the rules do not know", 0, 0),
    ])
    log = json.loads(render([report], Settings()))
    assert_valid_sarif(log, sarif_validator)
    for result in log["runs"][0]["results"]:
        assert "region" not in result["locations"][0]["physicalLocation"]
        assert "fixes" not in result
    assert "ruleIndex" not in log["runs"][0]["results"][1]


def test_paths_are_uris(tmp_path: Path, sarif_validator: Any) -> None:
    odd = tmp_path / "my specs" / "a#b?c%d é.yaml"
    odd.parent.mkdir()
    odd.write_text((BROKEN / "NC101_quiz_stride3.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    log = sarif_of("my specs/", cwd=tmp_path)
    assert_valid_sarif(log, sarif_validator)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "my%20specs/a%23b%3Fc%25d%20%C3%A9.yaml", "uriBaseId": "%SRCROOT%"}
    assert unquote(location["uri"]) == "my specs/a#b?c%d é.yaml"


def test_files_outside_the_working_directory_get_absolute_uris(tmp_path: Path, sarif_validator: Any) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    log = sarif_of(str(BROKEN / "NC101_quiz_stride3.yaml"), cwd=elsewhere)
    assert_valid_sarif(log, sarif_validator)
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert "uriBaseId" not in location
    assert urlsplit(location["uri"]).scheme == "file"
    assert unquote(urlsplit(location["uri"]).path) == str(BROKEN / "NC101_quiz_stride3.yaml")


def test_hostile_text_stays_inside_json_strings(tmp_path: Path, sarif_validator: Any) -> None:
    names = ('name: "evil\\e[31m\\u2028\\n"\ninput: 32x32x3\nlayers:\n'
             '  - {name: "a\\"},{\\"x\\": 1,::,%0A", type: conv2d, filters: 2, kernel: 8, stride: 3}\n'
             '  - {name: b, type: add, inputs: ["a\\"},{\\"x\\": 1,::,%0A", "nowhere\u202e"]}\n')
    controls = 'name: x\ninput: 32x32x3\nlayers:\n  - {name: "c\\e]8;;x\\u0007\\r\\n", type: flatten}\n'
    (tmp_path / "names.yaml").write_text(names, encoding="utf-8")
    (tmp_path / "controls.yaml").write_text(controls, encoding="utf-8")
    result = run_cli("validate", "--format", "sarif", "names.yaml", "controls.yaml", cwd=tmp_path)
    assert result.stdout.isascii()
    log = json.loads(result.stdout)
    assert_valid_sarif(log, sarif_validator)
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["NC002", "NC002"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == \
        {"names.yaml", "controls.yaml"}


# --- lazy imports ---------------------------------------------------------------------------------


def test_text_path_imports_neither_sarif_nor_jsonschema() -> None:
    code = (
        "import runpy, sys\n"
        "sys.argv = ['netcheck', 'validate', 'specs/', 'tests/broken/NC101_quiz_stride3.yaml', '--format', 'text']\n"
        "try:\n    runpy.run_module('netcheck', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('netcheck.report.sarif', 'netcheck.report.github',"
        " 'jsonschema')))\n"
        "sys.stderr.write(repr(loaded))\n"
    )
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env=env)
    assert "NC101" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_specs_directory_exists() -> None:
    assert list(SPECS.glob("*.yaml"))


# --- the README: rules reference (the same Markdown as the SARIF help) and the CI examples ---------------

README = ROOT / "README.md"


def _issue4_section() -> str:
    text = README.read_text(encoding="utf-8")
    start, end = text.index("<!-- issue4:start -->"), text.index("<!-- issue4:end -->")
    assert start < end
    return text[start:end]


def test_readme_rules_reference_is_current() -> None:
    result = subprocess.run([sys.executable, "scripts/rules_reference.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    section = _issue4_section()
    for rule in rules.all_rules():
        assert f"#### {rule.code} {rule.name}\n" in section
        assert help_markdown(rule.doc).split("\n", 1)[1].strip() in section


def test_readme_examples_are_valid_yaml() -> None:
    import yaml

    blocks = re.findall(r"```yaml\n(.*?)```", _issue4_section().split("<!-- rules-reference:start -->")[0], re.S)
    documents = [yaml.safe_load(block) for block in blocks]
    workflow = next(doc for doc in documents if isinstance(doc, dict) and "jobs" in doc)
    steps = workflow["jobs"]["netcheck"]["steps"]
    assert any("--format sarif" in step.get("run", "") for step in steps)
    upload = next(step for step in steps if "upload-sarif" in step.get("uses", ""))
    assert upload["if"] == "always()"
    config = next(doc for doc in documents if isinstance(doc, dict) and "repos" in doc)
    (hook,) = config["repos"][0]["hooks"]
    assert hook == {"id": "netcheck", "files": "^specs/"}
