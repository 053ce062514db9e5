"""Each layer type's shape and parameter rule, on hand-computed cases."""

from __future__ import annotations

import pytest

from netcheck.checker import check_text
from netcheck.results import FileReport


def run(input_shape: str, *layers: str, rounding: str = "strict") -> FileReport:
    body = "".join(f"  - {layer}\n" for layer in layers)
    return check_text(f"name: t\ninput: {input_shape}\nrounding: {rounding}\nlayers:\n{body}")


def last(report: FileReport) -> tuple[str, int | None, int | None, int | None]:
    row = report.rows[-1]
    return (str(row.output), row.trainable_params, row.non_trainable_params, row.macs)


@pytest.mark.parametrize(("shape", "layer", "expected"), [
    ("5x5x1", "{type: conv2d, filters: 1, kernel: 3}", ("3x3x1", 10, 0, 81)),
    ("5x5x1", "{type: conv2d, filters: 1, kernel: 3, padding: 1}", ("5x5x1", 10, 0, 225)),
    ("32x16x8", "{type: conv2d, filters: 4, kernel: {width: 3, height: 1}, bias: false}", ("30x16x4", 96, 0, 46080)),
    ("9x9x4", "{type: conv2d, filters: 8, kernel: 3, dilation: 2}", ("5x5x8", 296, 0, 7200)),
    ("8x8x32", "{type: conv2d, filters: 32, kernel: 3, padding: 1, groups: 32}", ("8x8x32", 320, 0, 18432)),
    ("4x4x8", "{type: conv_transpose2d, filters: 4, kernel: 4, stride: 2, padding: 1}", ("8x8x4", 516, 0, 8192)),
    ("4x4x8", "{type: conv_transpose2d, filters: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1}",
     ("8x8x4", 292, 0, 4608)),
    ("4x4x8", "{type: conv_transpose2d, filters: 4, kernel: 3, stride: 2, groups: 2, bias: false}",
     ("9x9x4", 144, 0, 2304)),
    ("7x7x3", "{type: maxpool2d, kernel: 3, stride: 2}", ("3x3x3", 0, 0, 0)),
    ("8x8x3", "{type: maxpool2d, kernel: 2}", ("4x4x3", 0, 0, 0)),
    ("8x8x3", "{type: avgpool2d, kernel: 3, stride: 1, padding: 1}", ("8x8x3", 0, 0, 0)),
    ("7x5x6", "{type: global_avgpool2d}", ("1x1x6", 0, 0, 0)),
    ("7x5x6", "{type: global_maxpool2d}", ("1x1x6", 0, 0, 0)),
    ("13x13x6", "{type: adaptive_avgpool2d, output: 6x6}", ("6x6x6", 0, 0, 0)),
    ("13x13x6", "{type: adaptive_maxpool2d, output: 2}", ("2x2x6", 0, 0, 0)),
    ("4x4x2", "{type: zeropad2d, padding: 1}", ("6x6x2", 0, 0, 0)),
    ("4x4x2", "{type: zeropad2d, padding: {left: 1, right: 2, top: 0, bottom: 3}}", ("7x7x2", 0, 0, 0)),
    ("4x3x2", "{type: upsample2d, scale: {width: 2, height: 3}}", ("8x9x2", 0, 0, 0)),
    ("4x3x2", "{type: flatten}", ("1x1x24", 0, 0, 0)),
    ("1x1x24", "{type: dense, units: 10}", ("1x1x10", 250, 0, 240)),
    ("1x1x24", "{type: dense, units: 10, bias: false}", ("1x1x10", 240, 0, 240)),
    ("4x4x16", "{type: batchnorm2d}", ("4x4x16", 32, 32, 0)),
    ("4x4x16", "{type: batchnorm2d, affine: false}", ("4x4x16", 0, 32, 0)),
    ("4x4x16", "{type: lrn, size: 5}", ("4x4x16", 0, 0, 0)),
    ("4x4x16", "{type: dropout, rate: 0.25}", ("4x4x16", 0, 0, 0)),
    ("4x4x16", "{type: activation, function: relu6}", ("4x4x16", 0, 0, 0)),
])
def test_single_layer(shape: str, layer: str, expected: tuple[str, int, int, int]) -> None:
    report = run(shape, layer)
    assert report.ok, report.violations
    assert last(report) == expected


def test_add_and_concat() -> None:
    report = run("8x8x4",
                 "{name: a, type: conv2d, filters: 4, kernel: 3, padding: 1}",
                 "{name: b, type: conv2d, filters: 6, kernel: 1, inputs: input}",
                 "{name: c, type: concat, inputs: [a, b]}",
                 "{name: d, type: conv2d, filters: 4, kernel: 1}",
                 "{name: e, type: add, inputs: [d, a]}")
    assert report.ok
    assert [str(row.output) for row in report.rows] == ["8x8x4", "8x8x6", "8x8x10", "8x8x4", "8x8x4"]


def test_forward_references_are_allowed_when_acyclic() -> None:
    report = run("8x8x4",
                 "{name: sum, type: add, inputs: [a, b]}",
                 "{name: a, type: conv2d, filters: 4, kernel: 1, inputs: input}",
                 "{name: b, type: conv2d, filters: 4, kernel: 1, inputs: input}")
    codes = {violation.code for violation in report.violations}
    assert "NC004" not in codes and str(report.rows[0].output) == "8x8x4"


@pytest.mark.parametrize(("layers", "code"), [
    (("{type: conv2d, filters: 4, kernel: 9}",), "NC102"),
    (("{type: dense, units: 4}",), "NC103"),
    (("{name: a, type: conv2d, filters: 4, kernel: 3}", "{type: add, inputs: [a, input]}"), "NC103"),
    (("{name: a, type: conv2d, filters: 4, kernel: 3}", "{type: concat, inputs: [a, input]}"), "NC103"),
    (("{type: conv2d, filters: 4, kernel: 1, groups: 3}",), "NC104"),
    (("{type: conv2d, filters: 4, kernel: 2, stride: 2}",), "NC101"),
    (("{name: input, type: flatten}",), "NC004"),
    (("{type: flatten}", "{name: flatten_1, type: flatten}"), "NC004"),
    (("{name: a, type: flatten, inputs: b}", "{name: b, type: flatten, inputs: a}"), "NC004"),
    (("{name: a, type: flatten, inputs: a}",), "NC004"),
    (("{type: conv2d, filters: 4, kernel: 3, padding: 3}",), "NC202"),
    (("{type: maxpool2d, kernel: 2, stride: 3}",), "NC203"),
    (("{type: conv2d, filters: 4, kernel: 2, padding: same}",), "NC204"),
    (("{name: a, type: flatten}", "{type: flatten, inputs: input}"), "NC205"),
    (("{type: maxpool2d, kernel: 3, padding: 2, stride: 1}",), "NC301"),
])
def test_violation_codes(layers: tuple[str, ...], code: str) -> None:
    report = run("7x7x4", *layers)
    assert code in {violation.code for violation in report.violations}


def test_floor_and_ceil_rounding_warn_with_the_remainder() -> None:
    floor = run("7x7x1", "{type: maxpool2d, kernel: 2}", rounding="floor")
    assert str(floor.rows[0].output) == "3x3x1"
    assert floor.violations[0].code == "NC201"
    assert "the last 1 input column is never read" in floor.violations[0].message
    ceil = run("7x7x1", "{type: maxpool2d, kernel: 2}", rounding="ceil")
    assert str(ceil.rows[0].output) == "4x4x1"
    layer_override = run("7x7x1", "{type: maxpool2d, kernel: 2, rounding: ceil}", rounding="floor")
    assert str(layer_override.rows[0].output) == "4x4x1"


def test_receptive_field_and_jump_through_a_stack() -> None:
    report = run("32x32x3",
                 "{type: conv2d, filters: 4, kernel: 3, padding: 1}",
                 "{type: maxpool2d, kernel: 2}",
                 "{type: conv2d, filters: 4, kernel: 3, padding: 1}",
                 "{type: conv2d, filters: 4, kernel: 3, padding: 2, dilation: 2}")
    assert [(row.receptive_field, row.jump) for row in report.rows] == [(3, 1), (4, 2), (8, 2), (16, 2)]


def test_unshared_parameters_of_a_conv() -> None:
    row = run("32x32x3", "{type: conv2d, filters: 20, kernel: 8, stride: 2, padding: 1}").rows[0]
    assert row.unshared_params == (8 * 8 * 3 + 1) * 14 * 14 * 20


def test_downstream_of_an_error_is_not_computed_but_independent_branches_are() -> None:
    report = run("7x7x4",
                 "{name: a, type: conv2d, filters: 4, kernel: 9}",
                 "{name: b, type: flatten}",
                 "{name: c, type: conv2d, filters: 4, kernel: 3, stride: 2, inputs: input}",
                 "{name: d, type: concat, inputs: [b, c]}")
    outputs = {row.name: row.output for row in report.rows}
    assert outputs["a"] is None and outputs["b"] is None and outputs["d"] is None
    assert str(outputs["c"]) == "3x3x4"
    assert report.totals["neurons"] is None


def test_every_layer_type_has_exactly_one_rule() -> None:
    """The models' ``Layer`` union names the types; each family module declares the ones it computes."""
    from netcheck.layers import RULES, conv, dense, elementwise, merge, pool, reshape
    from netcheck.spec import LAYER_TYPES

    declared = [kind for module in (conv, pool, reshape, dense, elementwise, merge) for kind in module.RULES]
    assert sorted(declared) == sorted(set(declared)), "a type declared by two modules"
    assert set(RULES) == set(LAYER_TYPES)
