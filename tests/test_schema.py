"""The JSON Schemas: the spec format's (generated, committed, used by editors) and the JSON report's.

Real schema clients are run against the repository's specs: the ``jsonschema``
library and the ``check-jsonschema`` CLI. Good specs must pass; the
schema-level broken specs must be rejected.

``NC002_stride_float.yaml`` is left out of the rejections: ``stride: 2.0`` is
an integer to JSON Schema (2020-12 counts any number with a zero fractional
part as an integer), so no schema can refuse it; refusing it is netcheck's job.
No file had to be left out for YAML-version reasons: check-jsonschema reads
YAML 1.2 (ruamel.yaml) and the jsonschema runs here load with PyYAML (YAML 1.1),
and the files below mean the same under both (``bias: "false"`` is quoted).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from netcheck import commands, json_schema
from netcheck.checker import check_text
from netcheck.results import Options
from netcheck.schema import SCHEMA_ID, text
from netcheck.spec import LAYER_CLASSES, LAYER_TYPES, Network
from tests.conftest import BROKEN, ROOT, SPECS, run_cli

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

SCHEMA_FILE = ROOT / "schemas" / "netcheck.schema.json"
REPORT_SCHEMA_FILE = ROOT / "schemas" / "report.schema.json"
GOOD_SPECS = sorted(SPECS.glob("*.yaml"))

#: The NC002 files whose mistake a JSON Schema can see.
SCHEMA_LEVEL = {
    "NC002_add_without_inputs.yaml": "missing field",
    "NC002_bias_quoted_false.yaml": "wrong type",
    "NC002_empty_layers.yaml": "out of range",
    "NC002_input_as_list.yaml": "wrong type",
    "NC002_input_missing_depth.yaml": "wrong format",
    "NC002_kernel_as_list.yaml": "wrong type",
    "NC002_kernel_zero.yaml": "out of range",
    "NC002_missing_filters.yaml": "missing field",
    "NC002_missing_name.yaml": "missing field",
    "NC002_negative_padding.yaml": "out of range",
    "NC002_rounding_round.yaml": "unknown value",
    "NC002_shape_outside_expect.yaml": "unknown key",
    "NC002_stride_bool.yaml": "wrong type",
    "NC002_stride_string.yaml": "wrong type",
    "NC002_typo_strides.yaml": "unknown key",
    "NC002_unknown_layer_type.yaml": "unknown layer type",
}
#: NC002 files no JSON Schema can reject, and why.
NOT_SCHEMA_LEVEL = {
    "NC002_stride_float.yaml": "2.0 is an integer to JSON Schema; netcheck refuses floats itself",
}


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return load_json(SCHEMA_FILE)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> Any:
    return jsonschema.Draft202012Validator(schema)


# --- the committed schema is the generated one ---------------------------------------------------


def test_committed_schema_is_what_netcheck_schema_prints() -> None:
    printed = run_cli("schema")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == SCHEMA_FILE.read_text(encoding="utf-8"), (
        "schemas/netcheck.schema.json is stale: run `netcheck schema > schemas/netcheck.schema.json`"
    )
    assert text() == printed.stdout


def test_api_returns_the_committed_schema(schema: dict[str, Any]) -> None:
    assert json_schema() == schema
    assert json_schema() is not json_schema(), "callers may mutate their copy"


def test_schema_is_a_valid_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == SCHEMA_ID
    jsonschema.Draft202012Validator.check_schema(schema)
    assert "discriminator" not in SCHEMA_FILE.read_text(encoding="utf-8"), "OpenAPI keyword in a JSON Schema"


# --- editor help: titles, descriptions, examples everywhere ---------------------------------------


def _properties(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for name, definition in [("(network)", schema), *schema["$defs"].items()]:
        for branch in [definition, *definition.get("anyOf", [])]:
            for field, prop in branch.get("properties", {}).items():
                found.append((name, field, prop))
    return found


def test_every_field_has_a_title_a_description_and_an_example(schema: dict[str, Any]) -> None:
    missing = [f"{name}.{field}: {key}" for name, field, prop in _properties(schema)
               for key in ("title", "description", "examples") if not prop.get(key)]
    assert not missing, "\n".join(missing)


def test_every_definition_has_a_title_a_description_and_an_example(schema: dict[str, Any]) -> None:
    missing = [f"{name}: {key}" for name, definition in [("(network)", schema), *schema["$defs"].items()]
               for key in ("title", "description", "examples") if not definition.get(key)]
    assert not missing, "\n".join(missing)


def test_every_layer_type_is_named_and_defined(schema: dict[str, Any]) -> None:
    layer = schema["$defs"]["Layer"]
    assert layer["properties"]["type"]["enum"] == list(LAYER_TYPES)
    consts = [schema["$defs"][ref["$ref"].rsplit("/", 1)[-1]]["properties"]["type"]["const"]
              for ref in layer["oneOf"]]
    assert sorted(consts) == sorted(LAYER_TYPES)
    assert all(LAYER_CLASSES[kind].example["type"] == kind for kind in LAYER_TYPES)
    assert schema["properties"]["layers"]["items"] == {"anyOf": [{"$ref": "#/$defs/Layer"}, {"$ref": "#/$defs/Use"}]}
    assert schema["if"] == {"required": ["blocks"]}, "uses only where blocks are defined"
    assert schema["else"]["properties"]["layers"]["items"] == {"$ref": "#/$defs/Layer"}


def _with_examples(node: Any, pointer: str = "") -> list[tuple[str, Any]]:
    """Every (JSON pointer, example) in the schema."""
    found: list[tuple[str, Any]] = []
    if isinstance(node, dict):
        for example in node.get("examples", []) if isinstance(node.get("examples"), list) else []:
            found.append((pointer, example))
        for key, value in node.items():
            if key not in ("examples", "default", "const", "enum"):
                escaped = key.replace("~", "~0").replace("/", "~1")
                found.extend(_with_examples(value, f"{pointer}/{escaped}"))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_with_examples(value, f"{pointer}/{index}"))
    return found


def test_every_example_is_valid_where_it_stands(schema: dict[str, Any]) -> None:
    registry = referencing.Registry().with_resource(SCHEMA_ID, referencing.Resource.from_contents(schema))
    examples = _with_examples(schema)
    assert len(examples) > 100
    bad = []
    for pointer, example in examples:
        if pointer.endswith("/patternProperties/^x-"):
            continue
        checker = jsonschema.Draft202012Validator({"$ref": f"{SCHEMA_ID}#{pointer}"}, registry=registry)
        errors = [error.message for error in checker.iter_errors(example)]
        if errors:
            bad.append(f"{pointer}: {example!r}: {errors[0]}")
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("layer_type", LAYER_TYPES)
def test_layer_examples_are_accepted_by_the_models(layer_type: str) -> None:
    document = {"name": "example", "input": "32x32x3", "layers": [LAYER_CLASSES[layer_type].example]}
    assert Network.model_validate(document).layers[0].type == layer_type


# --- the schema accepts what the models accept ----------------------------------------------------

ACCEPTED = {
    "single input name": "layers:\n  - {type: conv2d, filters: 4, kernel: 3, inputs: input}\n",
    "x- keys anywhere": "x-tool: {a: 1}\nlayers:\n  - {type: conv2d, filters: 4, kernel: {width: 3, height: 1, "
                        "x-note: n}, x-id: 7, expect: {x-ok: true}}\n",
    "shape as mapping, times sign": "layers:\n  - {type: flatten, expect: {shape: 1×1×12}}\n"
                                    "expect: {output: {width: 1, height: 1, depth: 12}}\n",
    "same padding, per-axis stride": "layers:\n  - {type: conv2d, filters: 4, kernel: 3, padding: same, "
                                     "stride: {width: 1, height: 1}}\n",
    "adaptive output as integer": "layers:\n  - {type: adaptive_avgpool2d, output: 1}\n",
    "zeropad sides": "layers:\n  - {type: zeropad2d, padding: {top: 1, left: 2}}\n",
    "null name": "layers:\n  - {name: null, type: flatten}\n",
    "rounding per layer": "rounding: ceil\nlayers:\n  - {type: maxpool2d, kernel: 2, rounding: floor}\n",
}
REJECTED = {
    "unknown top-level key": "inputs: 2\nlayers:\n  - {type: flatten}\n",
    "unknown key in expect": "layers:\n  - {type: flatten, expect: {shapes: 1x1x12}}\n",
    "zero in a shape": "layers:\n  - {type: flatten, expect: {shape: 0x1x12}}\n",
    "dropout rate over 1": "layers:\n  - {type: dropout, rate: 1.5}\n",
    "empty inputs": "layers:\n  - {type: flatten, inputs: []}\n",
    "add with one input": "layers:\n  - {type: add, inputs: [input]}\n",
    "unknown activation": "layers:\n  - {type: activation, function: rectifier}\n",
    "layer without type": "layers:\n  - {filters: 4, kernel: 3}\n",
    "version 2": "netcheck: 2\nlayers:\n  - {type: flatten}\n",
    "control character in a name": 'layers:\n  - {name: "a\\tb", type: flatten}\n',
}


def _document(body: str) -> str:
    return "name: t\ninput: 4x4x3\n" + body


@pytest.mark.parametrize("case", sorted(ACCEPTED))
def test_schema_accepts_what_netcheck_accepts(case: str, validator: Any) -> None:
    source = _document(ACCEPTED[case])
    report = check_text(source, options=Options(fixes=False))
    assert not [v for v in report.violations if v.code in ("NC001", "NC002")], report.violations
    assert not list(validator.iter_errors(yaml.safe_load(source)))


@pytest.mark.parametrize("case", sorted(REJECTED))
def test_schema_rejects_what_netcheck_rejects(case: str, validator: Any) -> None:
    source = _document(REJECTED[case])
    report = check_text(source, options=Options(fixes=False))
    assert [v for v in report.violations if v.code == "NC002"], report.violations
    assert list(validator.iter_errors(yaml.safe_load(source)))


# --- real clients on the repository's specs -------------------------------------------------------


def test_every_nc002_file_is_classified() -> None:
    files = {path.name for path in BROKEN.glob("NC002_*.yaml")}
    assert files == set(SCHEMA_LEVEL) | set(NOT_SCHEMA_LEVEL)


def test_spec_files_name_the_schema_on_their_first_line() -> None:
    for path in [*GOOD_SPECS, *BROKEN.glob("NC[0-9][0-9][0-9]_*.yaml")]:
        first = path.read_bytes().split(b"\n", 1)[0].decode("utf-8", "replace")
        match = re.fullmatch(r"# yaml-language-server: \$schema=(\S+)", first)
        if path.parent == SPECS or match:
            assert match, f"{path.name}: first line is {first!r}"
            assert (path.parent / match.group(1)).resolve() == SCHEMA_FILE.resolve(), path


@pytest.mark.parametrize("path", GOOD_SPECS, ids=lambda path: path.name)
def test_jsonschema_accepts_good_spec(path: Path, validator: Any) -> None:
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(
        yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("name", sorted(SCHEMA_LEVEL))
def test_jsonschema_rejects_schema_level_mistake(name: str, validator: Any) -> None:
    path = BROKEN / name
    errors = list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
    assert errors, f"{name} ({SCHEMA_LEVEL[name]}) passed the schema"
    netcheck_paths = [list(v.path) for v in check_text(path.read_text(encoding="utf-8")).violations]
    schema_paths = [list(error.absolute_path) for error in errors]
    assert any(found == wanted[:len(found)] for found in schema_paths for wanted in netcheck_paths), (
        f"the schema objects at {schema_paths}, netcheck at {netcheck_paths}"
    )


def _check_jsonschema(*files: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is in the test extra")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(SCHEMA_FILE), *map(str, files)],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
    )


def test_check_jsonschema_accepts_every_good_spec() -> None:
    result = _check_jsonschema(*GOOD_SPECS)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(SCHEMA_LEVEL))
def test_check_jsonschema_rejects_schema_level_mistake(name: str) -> None:
    result = _check_jsonschema(BROKEN / name)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Schema validation errors were encountered" in result.stdout, result.stdout + result.stderr


def test_check_jsonschema_cannot_see_semantic_mistakes() -> None:
    semantic = sorted(BROKEN.glob("NC1*.yaml"))
    assert semantic
    result = _check_jsonschema(*semantic)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the JSON report's schema ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def report_schema() -> dict[str, Any]:
    schema = load_json(REPORT_SCHEMA_FILE)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema  # type: ignore[no-any-return]


def _closed(node: Any) -> Any:
    """The schema with every object closed: a key it does not document fails the test."""
    if isinstance(node, dict):
        closed = {key: _closed(value) for key, value in node.items()}
        if "properties" in closed and "additionalProperties" not in closed:
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [_closed(value) for value in node]
    return node


def assert_valid_report(report_text: str, schema: dict[str, Any]) -> None:
    document = json.loads(report_text)
    for check in (schema, _closed(schema)):
        errors = [f"{list(error.absolute_path)}: {error.message}"
                  for error in jsonschema.Draft202012Validator(check).iter_errors(document)]
        assert not errors, "\n".join(errors[:10])


def test_report_schema_is_open_for_new_keys(report_schema: dict[str, Any]) -> None:
    assert "additionalProperties" not in json.dumps(report_schema), "consumers should ignore unknown keys"


def test_report_of_the_specs_directory_validates(report_schema: dict[str, Any]) -> None:
    result = run_cli("validate", "--format", "json", "specs/")
    assert result.returncode == 0, result.stderr
    assert_valid_report(result.stdout, report_schema)
    assert len(json.loads(result.stdout)["files"]) == len(GOOD_SPECS)


def test_report_of_the_broken_directory_validates(report_schema: dict[str, Any]) -> None:
    result = run_cli("validate", "--format", "json", "tests/broken/")
    assert result.returncode == 1, result.stderr
    assert_valid_report(result.stdout, report_schema)


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda path: path.name)
def test_report_of_each_broken_file_validates(path: Path, report_schema: dict[str, Any]) -> None:
    outcome = commands.validate([str(path)], "json", Options())
    assert outcome.status == (1 if path.name[:3] in ("NC0", "NC1") else 0), outcome.error_text
    text = outcome.output
    assert_valid_report(text, report_schema)
    assert json.loads(text)["files"][0]["violations"]


@pytest.mark.parametrize("path", GOOD_SPECS, ids=lambda path: path.name)
def test_summary_json_validates(path: Path, report_schema: dict[str, Any]) -> None:
    outcome = commands.summary(str(path), "json", Options())
    assert outcome.status == 0, outcome.error_text
    assert_valid_report(outcome.output, report_schema)


def test_golden_json_reports_validate(report_schema: dict[str, Any]) -> None:
    goldens = sorted((ROOT / "tests" / "golden").glob("*.json"))
    for path in goldens:
        assert_valid_report(path.read_text(encoding="utf-8"), report_schema)
