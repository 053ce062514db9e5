"""The quick road (no pydantic) never accepts what the models refuse, and computes the same."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from netcheck import blocks, engine, fastload, quicktable, records, spec, vocabulary
from netcheck.source import parse
from netcheck.validation import LAYER_CLASSES
from tests.conftest import BROKEN, SPECS


def outcome(network: Any) -> tuple[Any, ...]:
    result = engine.run(network)
    rows = [(row.name, row.output, row.params, row.unshared_params, row.macs, row.width, row.height)
            for row in result.rows]
    findings = [(f.code, f.facts, f.path, f.layer) for f in result.findings]
    return rows, result.totals, findings


def assert_agrees(data: Any) -> bool:
    """When the quick road takes ``data``, the models take it too and the engine computes the same."""
    quick = fastload.quick_network(data)
    if quick is None:
        return False
    try:
        model = spec.Network.model_validate(data)
    except ValidationError as error:  # pragma: no cover - the failure this test exists for
        raise AssertionError(f"quick road accepted what the models refuse: {error}") from None
    assert quick == records.from_model(model)
    assert outcome(quick) == outcome(records.from_model(model))
    return True


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_spec_takes_the_quick_road(path: Path) -> None:
    document = parse(path.read_text(encoding="utf-8"))
    expansion = blocks.expand(document)
    assert assert_agrees(document.data if expansion is None else expansion.data)


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda p: p.name)
def test_broken_specs_agree_or_go_to_the_models(path: Path) -> None:
    document = parse(path.read_bytes().decode("utf-8", "replace"))
    assert_agrees(document.data)


def test_the_quick_table_is_generated_from_the_models_as_they_are() -> None:
    """Fails when ``spec.py`` changed and ``python -m netcheck.quicktable --write`` was not run."""
    assert quicktable.TABLE_FILE.read_text(encoding="utf-8") == quicktable.generate()
    assert fastload.CURRENT


def test_the_quick_table_knows_every_layer_type_and_field() -> None:
    from netcheck import _quick_table

    (network,) = [model for model in _quick_table.MODELS.values() if "layers" in model[1]]
    tags = network[1]["layers"][2][1][2]
    assert set(tags) == set(LAYER_CLASSES) == set(spec.LAYER_TYPES)
    for kind, model in LAYER_CLASSES.items():
        assert set(_quick_table.MODELS[tags[kind]][1]) == set(model.model_fields), kind
    assert typing.get_args(spec.ActivationName) == vocabulary.ACTIVATIONS
    assert typing.get_args(spec.Rounding) == vocabulary.ROUNDINGS


DROPOUT = "netcheck: 1\nname: d\ninput: 4x4x1\nlayers:\n  - {type: dropout, rate: 0.75}\n"


def _validate(package_parent: Path, spec_file: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(package_parent), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "netcheck", "validate", str(spec_file)], capture_output=True,
                          text=True, env=environment, cwd=package_parent, timeout=300)


def test_a_limit_changed_in_the_models_alone_changes_validates_verdict(tmp_path: Path) -> None:
    """The issue's test: cap ``dropout.rate`` lower in ``spec.py``, touch nothing else."""
    package = Path(fastload.__file__).resolve().parent
    copy = tmp_path / "netcheck"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    spec_file = tmp_path / "dropout.yaml"
    spec_file.write_text(DROPOUT, encoding="utf-8")
    assert _validate(tmp_path, spec_file).returncode == 0
    models = copy / "spec.py"
    written = models.read_text(encoding="utf-8")
    capped = written.replace("rate: float = Field(0.5, ge=0, le=1,", "rate: float = Field(0.5, ge=0, le=0.5,")
    assert capped != written
    models.write_text(capped, encoding="utf-8")
    refused = _validate(tmp_path, spec_file)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert "dropout.yaml:5:" in refused.stdout and "0.5" in refused.stdout, refused.stdout


SCALARS = st.one_of(
    st.integers(-3, 40), st.sampled_from([0, 1, 2, 2**31 - 1, 2**31, 10**19]), st.booleans(), st.none(),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(
        ["same", "valid", "SAME", "2", "3x3", "4x4x3", "relu", "floor", "ceil", "strict", "input", "", "a\x1bb",
         "nearest", "bilinear", "x"]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.sampled_from(["width", "height", "depth", "top", "left", "x-a", "w"]), inner, max_size=4)),
    max_leaves=6)


def mutated(data: dict[str, Any], draw: st.DrawFn) -> dict[str, Any]:
    layers = [dict(layer) for layer in data["layers"]]
    for _ in range(draw(st.integers(1, 3))):
        layer = layers[draw(st.integers(0, len(layers) - 1))]
        kind = layer.get("type")
        known = LAYER_CLASSES[kind].model_fields if isinstance(kind, str) and kind in LAYER_CLASSES else {}
        keys = sorted(set(layer) | set(known) | {"name", "inputs", "expect", "bogus", "type"})
        key = draw(st.sampled_from(keys))
        if draw(st.booleans()) and key in layer:
            del layer[key]
        else:
            layer[key] = draw(VALUES)
    return {**data, "layers": layers}


def _flat(path: Path) -> Any:
    """The spec's data as the engine sees it: its blocks expanded."""
    document = parse(path.read_text(encoding="utf-8"))
    expansion = blocks.expand(document)
    return document.data if expansion is None else expansion.data


BASES = [_flat(path) for path in sorted(SPECS.glob("*.yaml"))]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_specs_never_pass_the_quick_road_wrongly(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(BASES))
    assert_agrees(mutated(base, data.draw))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["netcheck", "name", "input", "rounding", "layers", "expect", "x-y"]),
                       VALUES, max_size=6))
def test_arbitrary_top_levels_agree(data: dict[str, Any]) -> None:
    assert_agrees(data)


ACCEPTED: list[bool] = []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_valid_variations_take_the_quick_road_and_agree(data: st.DataObject) -> None:
    """Values drawn from each field's valid range: most documents pass, and must agree."""
    base = data.draw(st.sampled_from(BASES))
    layers = [dict(layer) for layer in base["layers"]]
    index = data.draw(st.integers(0, len(layers) - 1))
    layer = layers[index]
    choices = {
        "padding": st.one_of(st.integers(0, 3), st.sampled_from(["same", "valid"]),
                             st.fixed_dictionaries({"width": st.integers(0, 2), "height": st.integers(0, 2)})),
        "stride": st.one_of(st.integers(1, 3), st.fixed_dictionaries({"width": st.integers(1, 2),
                                                                      "height": st.integers(1, 2)})),
        "rounding": st.sampled_from(["strict", "floor", "ceil"]),
        "name": st.text(min_size=1, max_size=8).filter(str.isprintable),
        "expect": st.fixed_dictionaries({"shape": st.sampled_from(["1x1x1", "7x7x64"]), "params": st.integers(0, 9)}),
    }
    key = data.draw(st.sampled_from(sorted(choices)))
    if key in LAYER_CLASSES[layer["type"]].model_fields:
        layer[key] = data.draw(choices[key])
    ACCEPTED.append(assert_agrees({**base, "layers": layers}))


def test_the_variations_mostly_took_the_quick_road() -> None:
    if len(ACCEPTED) < 50:
        pytest.skip("runs after the variations test")
    assert sum(ACCEPTED) > len(ACCEPTED) // 2
