"""The layer types of issue 12 (FORMAT.md §2): shapes, counts, receptive fields and violations.

Each type against hand-computed numbers; properties against independent oracles
(Python's own slicing, NumPy-style broadcasting written out, divisibility);
every new violation with its code and where it points; one spec per type in
``tests/modern/`` that ``netcheck validate`` passes. The PyTorch side is
``tests/test_torch_modern.py``.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import netcheck
from netcheck.checker import check_text
from netcheck.results import FileReport
from netcheck.spec import LAYER_CLASSES
from tests.conftest import ROOT, run_cli
from tests.test_layers import last, run

MODERN = ROOT / "tests" / "modern"
MODERN_SPECS = sorted(MODERN.glob("*.yaml"))
NEW_TYPES = ("multiply", "slice", "channel_shuffle", "layernorm2d", "groupnorm", "instancenorm2d", "layer_scale",
             "prelu", "drop_path", "identity", "pixel_shuffle", "pixel_unshuffle", "scale", "subtract", "rmsnorm2d",
             "grn", "channel_conv", "blurpool2d", "crop2d", "resize2d", "group_softmax",
             "context_pool2d", "cond_conv2d", "evonorm2d")


def codes(report: FileReport) -> set[str]:
    return {violation.code for violation in report.violations}


# Shapes and counts, by hand ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("shape", "layer", "expected"), [
    ("8x6x16", "{type: slice, channels: [2, 10]}", ("8x6x8", 0, 0, 0)),
    ("8x6x16", "{type: slice, channels: [0, 16]}", ("8x6x16", 0, 0, 0)),
    ("8x6x16", "{type: slice, channels: [15, 16]}", ("8x6x1", 0, 0, 0)),
    ("8x6x16", "{type: channel_shuffle, groups: 4}", ("8x6x16", 0, 0, 0)),
    ("8x6x16", "{type: layernorm2d}", ("8x6x16", 32, 0, 0)),
    ("8x6x16", "{type: layernorm2d, affine: false, eps: 1.0e-6}", ("8x6x16", 0, 0, 0)),
    ("8x6x16", "{type: groupnorm, groups: 4}", ("8x6x16", 32, 0, 0)),
    ("8x6x16", "{type: groupnorm, groups: 16, affine: false}", ("8x6x16", 0, 0, 0)),
    ("8x6x16", "{type: instancenorm2d}", ("8x6x16", 0, 0, 0)),
    ("8x6x16", "{type: instancenorm2d, affine: true}", ("8x6x16", 32, 0, 0)),
    ("8x6x16", "{type: instancenorm2d, track_running_stats: true}", ("8x6x16", 0, 32, 0)),
    ("8x6x16", "{type: instancenorm2d, affine: true, track_running_stats: true}", ("8x6x16", 32, 32, 0)),
    ("8x6x16", "{type: layer_scale}", ("8x6x16", 16, 0, 0)),
    ("8x6x16", "{type: layer_scale, init: 0.5}", ("8x6x16", 16, 0, 0)),
    ("8x6x16", "{type: prelu}", ("8x6x16", 1, 0, 0)),
    ("8x6x16", "{type: prelu, per_channel: true}", ("8x6x16", 16, 0, 0)),
    ("8x6x16", "{type: drop_path, rate: 0.1}", ("8x6x16", 0, 0, 0)),
    ("8x6x16", "{type: identity}", ("8x6x16", 0, 0, 0)),
    ("8x6x16", "{type: pixel_shuffle, factor: 2}", ("16x12x4", 0, 0, 0)),
    ("8x6x16", "{type: pixel_shuffle, factor: 4}", ("32x24x1", 0, 0, 0)),
    ("8x6x16", "{type: pixel_unshuffle, factor: 2}", ("4x3x64", 0, 0, 0)),
    ("8x6x16", "{type: pixel_unshuffle, factor: 1}", ("8x6x16", 0, 0, 0)),
])
def test_single_layer(shape: str, layer: str, expected: tuple[str, int, int, int]) -> None:
    report = run(shape, layer)
    assert report.ok, report.violations
    assert last(report) == expected


@pytest.mark.parametrize(("shapes", "output"), [
    (("1x1x16", "8x6x16"), "8x6x16"),      # a squeeze-and-excitation gate
    (("8x6x16", "1x1x16"), "8x6x16"),
    (("8x6x16", "8x6x16"), "8x6x16"),
    (("8x1x16", "1x6x1"), "8x6x16"),       # each axis on its own
    (("8x6x1", "8x6x16", "1x1x16"), "8x6x16"),
])
def test_multiply_broadcasts(shapes: tuple[str, ...], output: str) -> None:
    report = check_text(_merge_spec("multiply", shapes))
    assert report.ok, report.violations
    row = report.rows[-1]
    assert (str(row.output), row.params, row.macs) == (output, 0, 0)


def _merge_spec(kind: str, shapes: tuple[str, ...]) -> str:
    """A network whose inputs of ``kind`` have ``shapes``: each made from the input by adaptive pooling and slicing."""
    deepest = max(int(shape.split("x")[2]) for shape in shapes)
    layers = []
    for index, shape in enumerate(shapes):
        width, height, depth = shape.split("x")
        layers.append(f"  - {{name: p{index}, type: adaptive_avgpool2d, output: {width}x{height}, inputs: input}}")
        layers.append(f"  - {{name: s{index}, type: slice, channels: [0, {depth}]}}")
    names = ", ".join(f"s{index}" for index in range(len(shapes)))
    layers.append(f"  - {{name: merged, type: {kind}, inputs: [{names}]}}")
    return f"name: t\ninput: 8x6x{deepest}\nlayers:\n" + "\n".join(layers) + "\n"


def test_multiply_takes_the_widest_receptive_field_and_the_volumes_jump() -> None:
    report = run("16x16x4",
                 "{name: conv, type: conv2d, filters: 4, kernel: 5, padding: 2}",
                 "{name: gate, type: global_avgpool2d}",
                 "{name: scaled, type: multiply, inputs: [conv, gate]}")
    assert report.ok
    # The gate sees the whole image (its jump is the plane), but neighbours of the product are the volume's.
    assert (report.rows[-2].receptive_field, report.rows[-2].jump) == (16 + 4, 16)
    assert (report.rows[-1].receptive_field, report.rows[-1].jump) == (16 + 4, 1)


def test_squeeze_and_excitation_blocks_do_not_blow_up_the_jump() -> None:
    """Forty SE blocks in a row: the jump stays 1 (it once grew by the plane at each gate, past NC106's range)."""
    block = ["{type: conv2d, filters: 4, kernel: 3, padding: 1}", "{name: v%d, type: identity}",
             "{type: global_avgpool2d}", "{name: g%d, type: activation, function: sigmoid}",
             "{type: multiply, inputs: [v%d, g%d]}"]
    layers = [line.replace("%d", str(index)) for index in range(40) for line in block]
    report = run("16x16x4", *layers)
    assert report.ok, report.violations
    assert report.rows[-1].jump == 1


def test_receptive_field_and_jump_through_pixel_shuffles() -> None:
    report = run("16x16x4",
                 "{type: conv2d, filters: 4, kernel: 3, padding: 1}",       # rf 3, jump 1
                 "{type: pixel_unshuffle, factor: 2}",                      # a 2x2 window of stride 2: rf 4, jump 2
                 "{type: conv2d, filters: 16, kernel: 3, padding: 1}",      # rf 4 + 2·2 = 8, jump 2
                 "{type: pixel_shuffle, factor: 2}",                        # jump 2/2 = 1, rf unchanged
                 "{type: conv2d, filters: 4, kernel: 3, padding: 1}")       # rf 8 + 2·1 = 10
    assert report.ok, report.violations
    assert [(row.receptive_field, row.jump) for row in report.rows] == [(3, 1), (4, 2), (8, 2), (8, 1), (10, 1)]
    assert [str(row.output) for row in report.rows] == ["16x16x4", "8x8x16", "8x8x16", "16x16x4", "16x16x4"]


def test_pixel_shuffle_divides_the_jump_below_one_input_pixel() -> None:
    row = run("4x4x8", "{type: pixel_shuffle, factor: 2}").rows[0]
    assert (row.receptive_field, row.jump) == (1, Fraction(1, 2))


def test_shape_keeping_layers_keep_the_receptive_field() -> None:
    layers = ["{type: conv2d, filters: 8, kernel: 3, stride: 2, padding: 1}",
              *(f"{{type: {kind}{extra}}}" for kind, extra in (
                  ("channel_shuffle", ", groups: 2"), ("layernorm2d", ""), ("groupnorm", ", groups: 4"),
                  ("instancenorm2d", ""), ("layer_scale", ""), ("prelu", ""), ("drop_path", ""), ("identity", ""),
                  ("slice", ", channels: [1, 3]")))]
    report = run("15x15x3", *layers)
    assert report.ok, report.violations
    assert {(row.receptive_field, row.jump) for row in report.rows} == {(3, 2)}


def test_a_layer_after_a_dense_is_a_volume_1x1xn() -> None:
    report = run("1x1x24", "{type: dense, units: 8}", "{type: layernorm2d}", "{type: prelu, per_channel: true}",
                 "{type: slice, channels: [0, 4]}")
    assert report.ok
    assert [row.params for row in report.rows] == [200, 16, 8, 0] and str(report.rows[-1].output) == "1x1x4"


def test_defaults_are_formats() -> None:
    defaults = {kind: {key: info.default for key, info in LAYER_CLASSES[kind].model_fields.items()
                       if key not in ("name", "inputs", "expect", "type") and not info.is_required()}
                for kind in NEW_TYPES}
    assert defaults["layernorm2d"] == {"affine": True, "bias": True, "eps": 1e-5}
    assert defaults["rmsnorm2d"] == {"affine": True, "eps": None}
    assert defaults["grn"] == {"eps": 1e-6}
    assert defaults["channel_conv"] == {"padding": None, "bias": False}
    assert defaults["blurpool2d"] == {"kernel": 3, "stride": 2, "padding": 0, "padding_mode": "reflect",
                                      "rounding": None}
    assert defaults["groupnorm"] == {"affine": True, "bias": True, "eps": 1e-5}
    assert defaults["instancenorm2d"] == {"affine": False, "track_running_stats": False, "eps": 1e-5}
    assert defaults["prelu"] == {"per_channel": False}
    assert defaults["layer_scale"] == {"init": 1e-6, "per_channel": True, "bias": False, "bias_init": 0.0}
    assert defaults["drop_path"] == {"rate": 0.0}
    required = {kind: [key for key, info in LAYER_CLASSES[kind].model_fields.items() if info.is_required()]
                for kind in NEW_TYPES}
    assert required == {"multiply": ["inputs", "type"], "slice": ["type", "channels"],
                        "channel_shuffle": ["type", "groups"], "layernorm2d": ["type"],
                        "groupnorm": ["type", "groups"], "instancenorm2d": ["type"], "layer_scale": ["type"],
                        "prelu": ["type"], "drop_path": ["type"], "identity": ["type"],
                        "pixel_shuffle": ["type", "factor"], "pixel_unshuffle": ["type", "factor"],
                        "scale": ["type", "factor"], "subtract": ["inputs", "type"], "rmsnorm2d": ["type"],
                        "grn": ["type"], "channel_conv": ["type", "kernel"], "blurpool2d": ["type"],
                        "crop2d": ["type", "crop"], "resize2d": ["type", "output"],
                        "group_softmax": ["type", "groups"], "context_pool2d": ["inputs", "type"],
                        "cond_conv2d": ["inputs", "type", "filters", "kernel", "experts"],
                        "evonorm2d": ["type"]}


# Violations: code, message and location ------------------------------------------------------------------------------


def at(text: str) -> FileReport:
    return check_text(text)


VIOLATIONS = [
    # (layer as written on line 5 column 5, input, code, words in the message, a fix shown)
    ("{name: x, type: slice, channels: [4, 20]}", "8x8x16", "NC103",
     "slice channels [4, 20] is out of range: the input has 16 channels", "channels [4, 16] gives 12"),
    ("{name: x, type: slice, channels: [16, 20]}", "8x8x16", "NC103", "is out of range", "channels [12, 16]"),
    ("{name: x, type: slice, channels: [4, 4]}", "8x8x16", "NC103", "slice channels [4, 4] is empty", None),
    ("{name: x, type: slice, channels: [6, 2]}", "8x8x16", "NC103", "is empty: 2 − 6 = −4", "channels [2, 6]"),
    ("{name: x, type: channel_shuffle, groups: 3}", "8x8x16", "NC104",
     "groups 3 does not divide input depth 16 (16/3 = 5.33)", "groups 2 divides depth 16"),
    ("{name: x, type: groupnorm, groups: 6}", "8x8x16", "NC104",
     "groups 6 does not divide input depth 16", "groups 4 divides depth 16"),
    ("{name: x, type: pixel_shuffle, factor: 3}", "8x8x16", "NC104",
     "pixel_shuffle factor² 3² = 9 does not divide input depth 16 (16/9 = 1.78)", "factor 2 gives 4 channels"),
    ("{name: x, type: pixel_unshuffle, factor: 3}", "8x8x16", "NC101",
     "width 8/3 = 2.67 is not a whole number: pixel_unshuffle needs the factor", "factor 2 divides 8 and 8"),
    ("{name: x, type: pixel_unshuffle, factor: 2}", "8x7x16", "NC101", "height 7/2 = 3.5 is not a whole number",
     "input 8x8x16 makes every layer whole"),
]


@pytest.mark.parametrize(("layer", "shape", "code", "words", "fix"), VIOLATIONS)
def test_violation_code_message_location_and_fix(layer: str, shape: str, code: str, words: str,
                                                 fix: str | None) -> None:
    report = at(f"name: t\ninput: {shape}\nlayers:\n  - {{type: identity}}\n  - {layer}\n")
    found = [violation for violation in report.violations if violation.code == code]
    assert len(found) == 1, report.violations
    violation = found[0]
    assert (violation.layer, violation.line, violation.column) == ("x", 5, 6)  # the layer's first key
    assert words.replace("−4", "-4") in violation.message.replace("−4", "-4")
    assert violation.is_error and not report.ok
    shown = [candidate.message for candidate in violation.fixes]
    if fix is None:
        assert shown == []
    else:
        assert any(fix in message for message in shown), shown


def test_multiply_that_does_not_broadcast_is_nc103_at_the_layer() -> None:
    report = at("name: t\ninput: 8x8x4\nlayers:\n"
                "  - {name: a, type: maxpool2d, kernel: 2}\n"
                "  - {name: m, type: multiply, inputs: [a, input]}\n")
    (violation,) = [violation for violation in report.violations if violation.code == "NC103"]
    assert (violation.layer, violation.line, violation.column) == ("m", 5, 6)
    assert violation.message == ("multiply needs inputs that broadcast (on each axis equal sizes, or 1), "
                                 "but a is 4x4x4, input is 8x8x4")
    assert report.rows[-1].output is None


def test_pixel_unshuffle_with_both_axes_wrong_reports_one_violation() -> None:
    square = run("9x9x2", "{type: pixel_unshuffle, factor: 2}")
    assert [violation.message.split(" ")[0] for violation in square.violations] == ["width"]
    oblong = run("9x7x2", "{type: pixel_unshuffle, factor: 2}")
    (both,) = oblong.violations  # one violation per layer, naming each axis's arithmetic
    assert both.message.startswith("width 9/2 = 4.5 and height 7/2 = 3.5 are not whole numbers")


def test_pixel_unshuffle_passes_its_floored_size_on_under_any_rounding() -> None:
    for rounding in ("strict", "floor", "ceil"):
        report = run("9x8x2", "{type: pixel_unshuffle, factor: 2}", rounding=rounding)
        assert codes(report) == {"NC101"}, rounding  # PyTorch refuses it whatever the rounding
        assert str(report.rows[0].output) == "4x4x8"


def test_groups_errors_still_pass_the_shape_on() -> None:
    report = run("8x8x6", "{type: groupnorm, groups: 4}", "{type: conv2d, filters: 2, kernel: 3}")
    assert codes(report) == {"NC104"}
    assert str(report.rows[-1].output) == "6x6x2" and report.rows[0].params == 12


def test_multiply_reads_two_or_more_and_others_one() -> None:
    one = at("name: t\ninput: 4x4x1\nlayers:\n  - {type: multiply, inputs: [input]}\n")
    assert codes(one) == {"NC002"}
    many = at("name: t\ninput: 4x4x1\nlayers:\n  - {type: identity}\n  - {type: groupnorm, groups: 1, "
              "inputs: [input, identity_1]}\n")
    assert "only add, concat and multiply merge several" in many.violations[0].message


@pytest.mark.parametrize("bad", [
    "{type: slice, channels: [1]}", "{type: slice, channels: [1, 2, 3]}", "{type: slice, channels: [-1, 2]}",
    "{type: slice, channels: 2}", "{type: slice}", "{type: pixel_shuffle, factor: 0}", "{type: pixel_unshuffle}",
    "{type: groupnorm}", "{type: channel_shuffle, groups: 0}", "{type: drop_path, rate: 1.5}",
    "{type: prelu, per_channel: 1}", "{type: layernorm2d, eps: 0}", "{type: instancenorm2d, affine: yes}",
    "{type: layer_scale, init: .nan}", "{type: identity, factor: 2}",
])
def test_schema_refuses(bad: str) -> None:
    report = run("4x4x4", bad)
    assert codes(report) == {"NC002"}, report.violations


# Properties against independent oracles ------------------------------------------------------------------------------


@given(depth=st.integers(1, 40), start=st.integers(0, 45), stop=st.integers(0, 45))
def test_slice_agrees_with_python_slicing(depth: int, start: int, stop: int) -> None:
    report = run(f"3x2x{depth}", f"{{type: slice, channels: [{start}, {stop}]}}")
    taken = list(range(depth))[start:stop]
    exact = len(taken) == stop - start and taken != []  # Python clips and empties silently; the format refuses it
    assert report.ok == exact
    assert codes(report) == (set() if exact else {"NC103"})
    if exact:
        assert str(report.rows[0].output) == f"3x2x{len(taken)}"


SIZES = st.sampled_from([1, 1, 2, 3, 4])


@given(shapes=st.lists(st.tuples(SIZES, SIZES, SIZES), min_size=2, max_size=4))
def test_multiply_agrees_with_broadcasting_written_out(shapes: list[tuple[int, int, int]]) -> None:
    def broadcast(sizes: tuple[int, ...]) -> int | None:
        out = 1
        for size in sizes:
            if out == 1:
                out = size
            elif size not in (1, out):
                return None
        return out

    per_axis = [broadcast(sizes) for sizes in zip(*shapes)]
    written = tuple("x".join(map(str, shape)) for shape in shapes)
    report = check_text(_merge_spec("multiply", written).replace("input: 8x6x", "input: 4x4x"))
    if None in per_axis:
        assert codes(report) == {"NC103"}
    else:
        assert report.ok, report.violations
        assert str(report.rows[-1].output) == "x".join(map(str, per_axis))


@given(depth=st.integers(1, 64), groups=st.integers(1, 70), affine=st.booleans(),
       kind=st.sampled_from(["groupnorm", "channel_shuffle"]))
def test_channel_groups_must_divide_depth(depth: int, groups: int, affine: bool, kind: str) -> None:
    extra = f", affine: {str(affine).lower()}" if kind == "groupnorm" else ""
    report = run(f"2x2x{depth}", f"{{type: {kind}, groups: {groups}{extra}}}")
    divides = any(groups * part == depth for part in range(1, depth + 1))
    assert codes(report) == (set() if divides else {"NC104"})
    if not divides:
        for fix in report.violations[0].fixes:
            suggested = int(fix.message.split()[1])
            assert depth % suggested == 0
    assert report.rows[0].params == (2 * depth if kind == "groupnorm" and affine else 0)


@given(width=st.integers(1, 24), height=st.integers(1, 24), depth=st.integers(1, 50), factor=st.integers(1, 6))
def test_pixel_shuffles_move_values_and_never_lose_one(width: int, height: int, depth: int, factor: int) -> None:
    up = run(f"{width}x{height}x{depth}", f"{{type: pixel_shuffle, factor: {factor}}}")
    if depth % (factor * factor) == 0:
        assert up.ok
        row = up.rows[0]
        assert row.output is not None and row.neurons == width * height * depth
        assert (row.output.width, row.output.height) == (width * factor, height * factor)
        back = run(str(row.output), f"{{type: pixel_unshuffle, factor: {factor}}}")
        assert back.ok and str(back.rows[0].output) == f"{width}x{height}x{depth}"
    else:
        assert codes(up) == {"NC104"} and up.rows[0].output is None
    down = run(f"{width}x{height}x{depth}", f"{{type: pixel_unshuffle, factor: {factor}}}")
    whole = width % factor == 0 and height % factor == 0
    assert down.ok == whole
    if whole:
        assert down.rows[0].neurons == width * height * depth


@given(depth=st.integers(1, 64), affine=st.booleans(), tracked=st.booleans(), per_channel=st.booleans())
def test_counts_are_what_the_parameters_are(depth: int, affine: bool, tracked: bool, per_channel: bool) -> None:
    flag = str(affine).lower()
    report = run(f"3x3x{depth}",
                 f"{{type: layernorm2d, affine: {flag}}}",
                 f"{{type: instancenorm2d, affine: {flag}, track_running_stats: {str(tracked).lower()}}}",
                 "{type: layer_scale}",
                 f"{{type: prelu, per_channel: {str(per_channel).lower()}}}")
    assert report.ok
    scale_shift = 2 * depth if affine else 0  # a weight and a bias of D each
    assert [(row.trainable_params, row.non_trainable_params) for row in report.rows] == [
        (scale_shift, 0), (scale_shift, 2 * depth if tracked else 0), (depth, 0), (depth if per_channel else 1, 0)]


# One spec per type -------------------------------------------------------------------------------------------------


def test_every_new_type_has_a_spec_in_tests_modern() -> None:
    covered = {layer.type for path in MODERN_SPECS for layer in netcheck.load(path).layers}
    assert set(NEW_TYPES) <= covered
    assert {path.stem for path in MODERN_SPECS} == set(NEW_TYPES)
    assert all("expect:" in path.read_text(encoding="utf-8") for path in MODERN_SPECS)


def test_the_modern_specs_pass_netcheck_validate() -> None:
    result = run_cli("validate", *(str(path.relative_to(ROOT)) for path in MODERN_SPECS))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"0 errors, 0 warnings in {len(MODERN_SPECS)} files" in result.stdout


@pytest.mark.parametrize("path", MODERN_SPECS, ids=lambda path: path.stem)
def test_the_quick_road_and_the_models_agree_on_the_modern_specs(path: Path) -> None:
    import yaml

    from netcheck.fastload import quick_network
    from netcheck.records import from_model
    from netcheck.spec import Network

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    quick = quick_network(data)
    assert quick is not None
    assert quick == from_model(Network.model_validate(data))
