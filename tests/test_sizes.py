"""``netcheck sizes`` (FORMAT.md §9): the solver's sets against brute force, the specs, the wording.

The brute force is the real checker: ``netcheck.check_text`` on the spec with
the input size replaced, for every size 1 … N. Random networks vary one axis
(the one under test) and keep the other benign (kernel 1, stride 1, …), so
that every error the checker reports comes from the axis under test or from
the depth, as the solver's "each axis on its own" asks.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcheck.checker import check_text
from netcheck.results import Options
from netcheck.sizes import (
    Progression,
    SizesResult,
    Unsolvable,
    exit_status,
    sizes_of_path,
    sizes_of_text,
    to_json,
    to_text,
    valid_sizes,
)
from netcheck.sizes.sets import canonical

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
SIZES = ROOT / "tests" / "sizes"
SCALE = float(os.environ.get("NETCHECK_FUZZ_SCALE", "0.25"))
N = 200  # brute force: every size 1 … N
EXAMPLES = max(4, int(64 * SCALE))
BRUTE = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
OTHER = 36  # the benign axis's declared size: divisible by the pixel_unshuffle factors used, twice


# --- brute force -------------------------------------------------------------------------------------------

def with_input(text: str, width: int, height: int) -> str:
    """``text`` with its input's width and height replaced (the depth kept)."""
    def put(match: re.Match[str]) -> str:
        return f"input: {width}x{height}x{match.group(3)}"

    replaced, count = re.subn(r"(?m)^input: *(\d+)x(\d+)x(\d+)", put, text, count=1)
    assert count == 1
    return replaced


def declared(text: str) -> tuple[int, int]:
    match = re.search(r"(?m)^input: *(\d+)x(\d+)x(\d+)", text)
    assert match is not None
    return int(match.group(1)), int(match.group(2))


def checker_accepts(text: str) -> bool:
    """The real checker finds no error other than NC105."""
    report = check_text(text, "<brute>", Options(fixes=False))
    return not any(violation.is_error and violation.code != "NC105" for violation in report.violations)


def brute_force(text: str, axis: str, upto: int = N) -> set[int]:
    """The sizes 1 … ``upto`` on ``axis`` under which the checker accepts ``text`` (the other axis as declared)."""
    width, height = declared(text)
    return {size for size in range(1, upto + 1)
            if checker_accepts(with_input(text, size, height) if axis == "width" else with_input(text, width, size))}


def members(sets: tuple[Progression, ...], upto: int) -> list[int]:
    """Every member of ``sets`` up to ``upto``, with repetitions (to see overlaps)."""
    found = []
    for run in sets:
        if run.step == 0:
            found.extend([run.start] if run.start <= upto else [])
        else:
            found.extend(range(run.start, upto + 1, run.step))
    return found


def solved(text: str) -> SizesResult:
    result = sizes_of_text(text, "<generated>", max_size=N)
    assert isinstance(result, SizesResult), result
    return result


def assert_well_formed(result: SizesResult) -> None:
    for axis in (result.width, result.height):
        starts = [run.start for run in axis.sets]
        assert starts == sorted(starts) and len(set(starts)) == len(starts)
        assert all(run.step >= 0 and run.start >= 1 for run in axis.sets)
        period = 1
        for run in axis.sets:
            period = period * max(run.step, 1)
        horizon = min(10**6, max(starts, default=0) + 2 * min(period, 10**5) + 2)
        listed = members(axis.sets, horizon)
        assert len(listed) == len(set(listed)), f"{axis.axis}: overlapping progressions {axis.sets}"


def assert_nearest(axis_result: object, valid: set[int], size: int) -> None:
    from netcheck.sizes import AxisSizes

    assert isinstance(axis_result, AxisSizes)
    if size in valid:
        assert axis_result.valid and axis_result.nearest == (size,)
        return
    assert not axis_result.valid
    below = max((s for s in valid if s < size), default=None)
    above = min((s for s in valid if s > size), default=None)
    assert axis_result.nearest == (below, above)


# --- random networks -----------------------------------------------------------------------------------------

@dataclass
class Builder:
    """A random network along one axis; the other axis benign (tracked so that it stays valid)."""

    axis: str
    lines: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=lambda: ["input"])
    other: int = OTHER  # the benign axis's size after the last layer
    depth: int | None = 4  # the depth after the last layer (None: it depends on the tested axis)
    count: int = 0
    sizes: dict[str, tuple[int, int | None]] = field(default_factory=dict)

    def per_axis(self, tested: object, benign: object) -> str:
        if tested == benign:
            return str(tested)
        return (f"{{width: {tested}, height: {benign}}}" if self.axis == "width"
                else f"{{width: {benign}, height: {tested}}}")

    def add(self, kind: str, fields: str = "", inputs: list[str] | None = None, rounding: str | None = None,
            depth: int | str | None = "kept", other: int | None = None) -> str:
        """Append a layer; ``depth`` and ``other`` are its output's (by default those of the layer before)."""
        if depth != "kept":
            self.depth = depth if isinstance(depth, int) or depth is None else None
        if other is not None:
            self.other = other
        self.count += 1
        name = f"l{self.count}"
        parts = [f"name: {name}", f"type: {kind}"]
        if inputs is not None:
            parts.append(f"inputs: [{', '.join(inputs)}]")
        if fields:
            parts.append(fields)
        if rounding is not None:
            parts.append(f"rounding: {rounding}")
        self.lines.append("  - {" + ", ".join(parts) + "}")
        self.names.append(name)
        self.sizes[name] = (self.other, self.depth)
        return name


roundings = st.sampled_from(["strict", "floor", "ceil"])


@st.composite
def layer(draw: st.DrawFn, builder: Builder) -> None:
    kind = draw(st.sampled_from(["conv", "conv", "pool", "pool", "transposed", "upsample", "zeropad", "unshuffle",
                                 "shuffle", "branch", "branch", "gate", "flatten", "adaptive", "dense", "depth"]))
    DRAWS[kind](draw, builder)


def _conv(draw: st.DrawFn, builder: Builder) -> None:
    padding = draw(st.sampled_from(["same", "valid", 0, 1, 2, 3]))
    kernel, stride, dilation = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    pad = padding if isinstance(padding, str) else builder.per_axis(padding, 0)
    builder.add("conv2d", f"filters: 4, kernel: {builder.per_axis(kernel, 1)}, stride: {builder.per_axis(stride, 1)}, "
                          f"padding: {pad}, dilation: {builder.per_axis(dilation, 1)}",
                rounding=draw(st.none() | roundings), depth=4)


def _pool(draw: st.DrawFn, builder: Builder) -> None:
    kernel, stride = draw(st.integers(1, 4)), draw(st.none() | st.integers(1, 3))
    padding = draw(st.sampled_from(["same", 0, 0, 1]))
    pad = padding if isinstance(padding, str) else builder.per_axis(padding, 0)
    kind = draw(st.sampled_from(["maxpool2d", "avgpool2d"]))
    stride_text = "" if stride is None else f", stride: {builder.per_axis(stride, 1)}"
    builder.add(kind, f"kernel: {builder.per_axis(kernel, 1)}{stride_text}, padding: {pad}",
                rounding=draw(st.none() | roundings))


def _transposed(draw: st.DrawFn, builder: Builder) -> None:
    kernel, stride, dilation = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
    padding = draw(st.sampled_from(["same", 0, 1, 2, 4]))
    extra = draw(st.integers(0, 1))
    pad = padding if isinstance(padding, str) else builder.per_axis(padding, 0)
    builder.add("conv_transpose2d", f"filters: 4, kernel: {builder.per_axis(kernel, 1)}, stride: "
                                    f"{builder.per_axis(stride, 1)}, padding: {pad}, output_padding: "
                                    f"{builder.per_axis(extra, 0)}, dilation: {builder.per_axis(dilation, 1)}",
                depth=4)


def _upsample(draw: st.DrawFn, builder: Builder) -> None:
    builder.add("upsample2d", f"scale: {builder.per_axis(draw(st.integers(1, 3)), 1)}")


def _zeropad(draw: st.DrawFn, builder: Builder) -> None:
    near, far = draw(st.integers(0, 2)), draw(st.integers(0, 2))
    sides = (f"left: {near}, right: {far}, top: 0, bottom: 0" if builder.axis == "width"
             else f"left: 0, right: 0, top: {near}, bottom: {far}")
    builder.add("zeropad2d", f"padding: {{{sides}}}")


def _unshuffle(draw: st.DrawFn, builder: Builder) -> None:
    factor = draw(st.sampled_from([2, 3]))
    if builder.other % factor == 0:
        depth = None if builder.depth is None else builder.depth * factor * factor
        builder.add("pixel_unshuffle", f"factor: {factor}", depth=depth, other=builder.other // factor)


def _shuffle(draw: st.DrawFn, builder: Builder) -> None:
    if builder.depth is None or builder.depth % 4 == 0:
        depth = None if builder.depth is None else builder.depth // 4
        builder.add("pixel_shuffle", "factor: 2", depth=depth, other=builder.other * 2)


def _gate(draw: st.DrawFn, builder: Builder) -> None:
    """Squeeze-and-excitation: a 1 x 1 gate, broadcast over the volume by a multiply."""
    source, depth, other = builder.names[-1], builder.depth, builder.other
    builder.add("global_avgpool2d", other=1)
    gate = builder.add("conv2d", "filters: 4, kernel: 1", depth=4)
    builder.add("multiply", inputs=[source, gate], depth=4 if depth in (1, 4) else None, other=other)


def _flatten(draw: st.DrawFn, builder: Builder) -> None:
    builder.add("flatten", depth=None, other=1)
    if draw(st.booleans()):
        _depth(draw, builder)


def _adaptive(draw: st.DrawFn, builder: Builder) -> None:
    out = draw(st.integers(1, 5))
    builder.add(draw(st.sampled_from(["adaptive_avgpool2d", "adaptive_maxpool2d"])),
                f"output: {builder.per_axis(out, builder.other)}")


def _dense(draw: st.DrawFn, builder: Builder) -> None:
    if builder.other == 1:
        builder.add("dense", "units: 4", depth=4)


def _depth(draw: st.DrawFn, builder: Builder) -> None:
    """Layers whose errors test the depth (which after a flatten grows with the tested axis)."""
    what = draw(st.sampled_from(["conv", "groupnorm", "channel_shuffle", "slice"]))
    groups = draw(st.integers(2, 4))
    if what == "conv":
        builder.add("conv2d", f"filters: {groups * 2}, kernel: 1, groups: {groups}", depth=groups * 2)
    elif what == "slice":
        stop = draw(st.integers(1, 40))
        builder.add("slice", f"channels: [0, {stop}]", depth=stop)
    else:
        builder.add(what, f"groups: {groups}")


def _branch(draw: st.DrawFn, builder: Builder) -> None:
    """A second path from an earlier layer, joined to the last one by concat, add or multiply."""
    start = draw(st.sampled_from(builder.names))
    other, depth = builder.sizes.get(start, (OTHER, 4))
    if other != builder.other:
        return
    main, main_depth = builder.names[-1], builder.depth
    side, side_depth = start, depth
    for _ in range(draw(st.integers(0, 2))):
        kernel, stride = draw(st.integers(1, 3)), draw(st.integers(1, 2))
        side = builder.add("conv2d", f"filters: 4, kernel: {builder.per_axis(kernel, 1)}, stride: "
                                     f"{builder.per_axis(stride, 1)}, padding: {builder.per_axis(kernel // 2, 0)}",
                           inputs=[side], rounding=draw(st.none() | roundings), depth=4)
        side_depth = 4
    merge = draw(st.sampled_from(["concat", "add", "multiply"]))
    if merge == "concat":
        joined = None if main_depth is None or side_depth is None else main_depth + side_depth
    else:
        joined = main_depth if main_depth == side_depth else None
    builder.add(merge, inputs=[main, side], depth=joined)


DRAWS = {"conv": _conv, "pool": _pool, "transposed": _transposed, "upsample": _upsample, "zeropad": _zeropad,
         "unshuffle": _unshuffle, "shuffle": _shuffle, "branch": _branch, "gate": _gate, "flatten": _flatten,
         "adaptive": _adaptive, "dense": _dense, "depth": _depth}


BLOCK_DRAWS = ("conv", "pool", "transposed", "upsample", "zeropad")  # layers that keep the benign axis


@st.composite
def block(draw: st.DrawFn, axis: str) -> list[str]:
    """A block ``unit`` with a parameter ``k`` (a kernel), its body drawn like a network's, often residual."""
    body = Builder(axis)
    for _ in range(draw(st.integers(1, 3))):
        DRAWS[draw(st.sampled_from(BLOCK_DRAWS))](draw, body)
    stride = draw(st.integers(1, 2))
    body.add("conv2d", f"filters: 4, kernel: {body.per_axis(chr(34) + '${k}' + chr(34), 1)}, stride: "
                       f"{body.per_axis(stride, 1)}, padding: {body.per_axis(chr(34) + '${k // 2}' + chr(34), 0)}",
             depth=4)
    if draw(st.booleans()):
        body.add(draw(st.sampled_from(["add", "concat"])), inputs=[body.names[-1], "input"])
    return ["blocks:", "  unit:", "    params: {k: 3}", "    layers:", *("  " + line for line in body.lines)]


@st.composite
def networks(draw: st.DrawFn, axis: str) -> str:
    """A random spec varying ``axis`` (the other one benign), as YAML text; sometimes with a block."""
    builder = Builder(axis)
    blocks = draw(st.none() | block(axis))
    for _ in range(draw(st.integers(1, 6))):
        draw(layer(builder))
        if blocks is not None and draw(st.integers(0, 3)) == 0:
            builder.add("unit", f"k: {draw(st.integers(1, 4))}, repeat: {draw(st.integers(1, 3))}", depth=None)
    if len(builder.names) == 1:
        builder.add("identity")
    size = draw(st.integers(1, 60))
    width, height = (size, OTHER) if axis == "width" else (OTHER, size)
    head = [f"name: generated-{axis}", f"input: {width}x{height}x4", f"rounding: {draw(roundings)}"]
    return "\n".join(head + (blocks or []) + ["layers:"] + builder.lines) + "\n"


def assert_matches_brute_force(text: str, axis: str) -> None:
    try:
        result = solved(text)
    except Unsolvable:
        return
    assert_well_formed(result)
    answer = result.width if axis == "width" else result.height
    valid = brute_force(text, axis)
    got = {size for size in members(answer.sets, N) if size <= answer.limit}
    assert got == valid, f"{axis}: solver {sorted(got - valid)} not valid, {sorted(valid - got)} missed\n{text}"
    assert_nearest(answer, valid, answer.declared)


@BRUTE
@given(networks("width"))
def test_width_sets_equal_brute_force(text: str) -> None:
    assert_matches_brute_force(text, "width")


@BRUTE
@given(networks("height"))
def test_height_sets_equal_brute_force(text: str) -> None:
    assert_matches_brute_force(text, "height")


# --- the specs, and the networks users know ------------------------------------------------------------------

#: The sets (from, step) of every spec in specs/ and tests/sizes/, the same on both axes unless given per axis.
GOLDEN: dict[str, list[tuple[int, int]] | tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {
    "alexnet.yaml": [(63, 1)],
    "cifar10-cnn.yaml": [(8, 8)],
    "convnext_tiny.yaml": [(32, 32)],
    "deeplabv3-aspp.yaml": [(65, 0)],  # the image-level branch is upsampled back to 65 exactly
    "efficientnet_b0.yaml": [(1, 1)],
    "encoder-decoder.yaml": [(4, 4)],
    "inception-block.yaml": [(1, 1)],
    "lenet5.yaml": [(32, 4)],
    "mobilenet_v3_small.yaml": [(1, 1)],
    "mobilenetv2-block.yaml": [(1, 1)],
    "mobilenetv2.yaml": [(1, 1)],
    "quiz.yaml": [(6, 2)],
    "resnet18-blocks.yaml": [(1, 1)],
    "resnet18.yaml": [(1, 1)],
    "resnet50.yaml": [(1, 1)],
    "seed-3x3-filter-no-padding.yaml": [(3, 1)],
    "seed-3x3-filter-padding-1.yaml": [(1, 1)],
    "shufflenet_v2_x1_0.yaml": [(1, 1)],
    "vgg16.yaml": [(32, 32)],
    "unet.yaml": [(16, 16)],
    "yolo-backbone.yaml": [(32, 32)],
    "flattened-branches.yaml": ([(6, 0)], [(8, 0)]),
    "dense-needs-1x1.yaml": [(6, 0), (7, 0)],
    "no-valid-width.yaml": ([], [(1, 1)]),
    "two-residues.yaml": [(4, 4), (5, 4)],
    "size-limit.yaml": [(1, 1)],
}
SPEC_FILES = sorted(SPECS.glob("*.yaml")) + sorted(SIZES.glob("*.yaml"))


def test_every_spec_has_a_golden_answer() -> None:
    missing = sorted({path.name for path in SPEC_FILES} - set(GOLDEN))
    assert not missing, f"add the sets of {missing} to GOLDEN (after checking them by brute force)"
    assert sorted(path.name for path in SPEC_FILES) == sorted(GOLDEN)


def test_the_solver_knows_every_layer_type() -> None:
    from netcheck.layers import RULES
    from netcheck.sizes.steps import NEEDS

    assert sorted(set(RULES) - set(NEEDS)) == [], "teach netcheck/sizes/steps.py NEEDS the new layer types"


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda path: path.name)
def test_golden_sets(path: Path) -> None:
    result = sizes_of_path(path)
    assert isinstance(result, SizesResult)
    expected = GOLDEN[path.name]
    width, height = expected if isinstance(expected, tuple) else (expected, expected)
    assert [(run.start, run.step) for run in result.width.sets] == width
    assert [(run.start, run.step) for run in result.height.sets] == height
    assert_well_formed(result)


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda path: path.name)
def test_the_declared_input_of_every_spec_is_valid(path: Path) -> None:
    result = sizes_of_path(path)
    assert isinstance(result, SizesResult)
    assert result.width.valid and result.height.valid and exit_status(result) == 0
    assert result.width.nearest == (result.width.declared,)


def test_unet_text_and_json_as_format_section_9_shows() -> None:
    result = sizes_of_path(SIZES / "unet.yaml")
    assert isinstance(result, SizesResult)
    assert to_text(result) == (
        "width:  16k for k ≥ 1 (16, 32, 48, …); declared 250 is not valid: nearest 240 and 256\n"
        "height: 16k for k ≥ 1 (16, 32, 48, …); declared 256 is valid")
    assert to_json(result) == {
        "path": str(SIZES / "unet.yaml"),
        "width": {"declared": 250, "valid": False, "nearest": [240, 256], "sets": [{"from": 16, "step": 16}]},
        "height": {"declared": 256, "valid": True, "nearest": [256], "sets": [{"from": 16, "step": 16}]},
    }
    assert exit_status(result) == 1


def test_yolo_backbone_takes_multiples_of_32() -> None:
    result = sizes_of_path(SIZES / "yolo-backbone.yaml")
    assert isinstance(result, SizesResult)
    assert to_text(result).splitlines()[0] == "width:  32k for k ≥ 1 (32, 64, 96, …); declared 416 is valid"
    assert exit_status(result) == 0


@pytest.mark.parametrize(("name", "declared"), [("unet.yaml", (256, 256)), ("yolo-backbone.yaml", None),
                                                ("resnet18-blocks.yaml", None), ("two-residues.yaml", (16, 16))])
def test_specs_with_blocks_and_merges_equal_brute_force(name: str, declared: tuple[int, int] | None) -> None:
    folder = SPECS if (SPECS / name).exists() else SIZES
    text = (folder / name).read_text()
    if declared is not None:  # a valid declared input, so that the other axis adds no error of its own
        text = with_input(text, *declared)
    result = solved(text)
    for axis in (result.width, result.height):
        valid = brute_force(text, axis.axis, 64)
        assert {size for size in members(axis.sets, 64)} == valid, axis.axis


# --- the other axis, limits, what cannot be solved -------------------------------------------------------------

GROUPED_AFTER_FLATTEN = """name: meeting
input: {width}x{height}x1
layers:
  - {{name: conv, type: conv2d, filters: 2, kernel: 3}}
  - {{name: flat, type: flatten}}
  - {{name: grouped, type: conv2d, filters: 6, kernel: 1, groups: 3}}
  - {{name: fc, type: dense, units: 2}}
"""


def test_the_depth_of_a_flatten_takes_the_other_axis_as_declared() -> None:
    # 3 must divide (W − 2)·(H − 2)·2: with H = 6, W ≡ 2 (mod 3)
    result = solved(GROUPED_AFTER_FLATTEN.format(width=8, height=6))
    assert [(run.start, run.step) for run in result.width.sets] == [(5, 3)]
    assert to_text(result).splitlines()[0] == ("width:  3k + 2 for k ≥ 1 (5, 8, 11, …), none above 268435457 (a larger "
                                               "one takes a layer past 2³¹ − 1); declared 8 is valid")
    assert result.width.limit == (2**31 - 1) // 8 + 2  # the flatten's depth (W − 2)·4·2 stays within range
    assert [(run.start, run.step) for run in result.height.sets] == [(3, 1)]  # W − 2 = 6: always divisible


def test_where_the_other_axis_breaks_before_the_flatten_its_depth_conditions_are_left_out() -> None:
    result = solved(GROUPED_AFTER_FLATTEN.format(width=8, height=2))  # a height of 2 is too small for the kernel
    assert [(run.start, run.step) for run in result.width.sets] == [(3, 1)]
    assert not result.height.valid and result.height.nearest == (None, 3)


def test_sizes_past_the_range_cut_the_larger_inputs() -> None:
    result = sizes_of_path(SIZES / "size-limit.yaml")
    assert isinstance(result, SizesResult)
    assert result.width.limit == 2047 and result.height.limit == 2**31 - 1
    assert checker_accepts(with_input((SIZES / "size-limit.yaml").read_text(), 2047, 1000))
    assert not checker_accepts(with_input((SIZES / "size-limit.yaml").read_text(), 2048, 1000))
    text = with_input((SIZES / "size-limit.yaml").read_text(), 3000, 1000)
    far = sizes_of_text(text)
    assert isinstance(far, SizesResult)
    assert far.width.nearest == (2047, None)
    assert to_text(far).splitlines()[0] == ("width:  every size ≥ 1 (1, 2, 3, …), none above 2047 (a larger one "
                                            "takes a layer past 2³¹ − 1); declared 3000 is not valid: nearest 2047 "
                                            "(none above, up to 4096)")


def test_max_bounds_only_the_nearest_search() -> None:
    limited = sizes_of_path(SIZES / "unet.yaml", max_size=250)
    assert isinstance(limited, SizesResult)
    assert limited.width.nearest == (240, None) and limited.width.sets == (Progression(16, 16),)
    assert to_text(limited).splitlines()[0].endswith("declared 250 is not valid: nearest 240 (none above, up to 250)")
    small = sizes_of_path(SIZES / "unet.yaml", max_size=100)
    assert isinstance(small, SizesResult)
    assert small.width.nearest == (96, None)


def test_a_spec_that_does_not_load_gives_its_violations() -> None:
    stopped = sizes_of_text("name: broken\ninput: 32x32x3\nlayers:\n  - {type: conv2d, filters: 4, kernal: 3}\n")
    assert isinstance(stopped, list) and stopped and stopped[0].code == "NC002"
    graph = sizes_of_text("name: g\ninput: 8x8x3\nlayers:\n  - {type: add, inputs: [input, nowhere]}\n")
    assert isinstance(graph, list) and [violation.code for violation in graph] == ["NC004"]


def test_a_spec_whose_errors_are_silenced_still_cannot_be_solved() -> None:
    stopped = sizes_of_text("name: broken\ninput: 32x32x3\nlayers:\n"
                            "  - {type: conv2d, filters: 4, kernal: 3}  # netcheck: ignore\n")
    assert isinstance(stopped, list) and [violation.code for violation in stopped] == ["NC001"]


def test_what_cannot_be_solved_exactly_says_so() -> None:
    text = """name: square
input: 10x4x1
layers:
  - {name: flat, type: flatten}
  - {name: conv, type: conv2d, filters: 1, kernel: 1, inputs: input}
  - {name: gate, type: multiply, inputs: [conv, flat]}
  - {name: again, type: flatten}
"""
    with pytest.raises(Unsolvable, match="not affine"):
        sizes_of_text(text)


def test_valid_sizes_takes_a_loaded_network() -> None:
    import netcheck

    result = valid_sizes(netcheck.load(SIZES / "unet.yaml"), path="unet.yaml")
    assert result.path == "unet.yaml" and result.width.sets == (Progression(16, 16),)
    assert not result.width.valid and result.height.valid


# --- the sets and their words ------------------------------------------------------------------------------------

@settings(max_examples=200, deadline=None)
@given(st.integers(1, 12), st.data())
def test_canonical_writes_the_same_set_with_the_fewest_progressions(period: int, data: st.DataObject) -> None:
    residues = data.draw(st.sets(st.integers(0, period - 1), min_size=1))
    threshold = data.draw(st.integers(1, 30))
    singles = data.draw(st.sets(st.integers(1, threshold - 1))) if threshold > 1 else set()
    runs = [Progression(threshold + (residue - threshold) % period, period) for residue in residues]
    written = canonical(runs, set(singles))
    horizon = threshold + 3 * period + 2
    expected = sorted({size for run in runs for size in range(run.start, horizon + 1, run.step)} | singles)
    assert sorted(members(tuple(written), horizon)) == expected
    assert written == sorted(written)
    step = min(run.step for run in written if run.step) if any(run.step for run in written) else 0
    smallest = next(p for p in range(1, period + 1)
                    if period % p == 0 and all((r + p) % period in residues for r in residues))
    assert step == smallest and sum(1 for run in written if run.step) == len({r % smallest for r in residues})


def axis_answer(sets: list[tuple[int, int]], declared: int, nearest: tuple[int | None, ...],
                axis: str = "width") -> object:
    from netcheck.sizes import AxisSizes

    return AxisSizes(axis, declared, nearest == (declared,), nearest, tuple(Progression(*run) for run in sets),
                     2**31 - 1, 4096)


@pytest.mark.parametrize(("sets", "declared", "nearest", "line"), [
    ([(32, 16)], 250, (240, 256),
     "width:  16k for k ≥ 2 (32, 48, 64, …); declared 250 is not valid: nearest 240 and 256"),
    ([(32, 16)], 256, (256,), "width:  16k for k ≥ 2 (32, 48, 64, …); declared 256 is valid"),
    ([(65, 0)], 65, (65,), "width:  65; declared 65 is valid"),
    ([(6, 0), (7, 0)], 9, (7, None), "width:  6, 7; declared 9 is not valid: nearest 7 (none above, up to 4096)"),
    ([(7, 0), (9, 0), (32, 16)], 8, (7, 9),
     "width:  7, 9 or 16k for k ≥ 2 (32, 48, 64, …); declared 8 is not valid: nearest 7 and 9"),
    ([(4, 6), (5, 6), (6, 6)], 2, (None, 4),
     "width:  6k + 4 or 6k + 5 for k ≥ 0 (4, 5, 10, …) or 6k for k ≥ 1 (6, 12, 18, …); declared 2 is not valid: "
     "nearest 4 (none below)"),
    ([(5, 1)], 3, (None, 5), "width:  every size ≥ 5 (5, 6, 7, …); declared 3 is not valid: nearest 5 (none below)"),
    ([(5000, 0)], 3, (None, None), "width:  5000; declared 3 is not valid: none up to 4096"),
    ([], 8, (None, None), "width:  no size is valid; declared 8 is not valid"),
])
def test_wording(sets: list[tuple[int, int]], declared: int, nearest: tuple[int | None, ...], line: str) -> None:
    from netcheck.sizes.words import axis_line

    answer = axis_answer(sets, declared, nearest)
    assert axis_line(answer) == line  # type: ignore[arg-type]


def test_both_axes_are_labelled_to_one_width_and_json_has_the_section_9_keys() -> None:
    result = SizesResult("net.yaml", axis_answer([(1, 1)], 5, (5,)),  # type: ignore[arg-type]
                         axis_answer([], 7, (None, None), "height"))  # type: ignore[arg-type]
    assert to_text(result) == ("width:  every size ≥ 1 (1, 2, 3, …); declared 5 is valid\n"
                               "height: no size is valid; declared 7 is not valid")
    assert to_json(result) == {
        "path": "net.yaml",
        "width": {"declared": 5, "valid": True, "nearest": [5], "sets": [{"from": 1, "step": 1}]},
        "height": {"declared": 7, "valid": False, "nearest": [None, None], "sets": []}}
    assert exit_status(result) == 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 40), st.integers(0, 12)), min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(1, 40), st.integers(0, 12)), min_size=1, max_size=3))
def test_intersection_of_sets(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> None:
    from netcheck.sizes.sets import intersection

    def disjoint(pairs: list[tuple[int, int]]) -> list[Progression]:
        return canonical([Progression(*pair) for pair in pairs if pair[1]],
                         {start for start, step in pairs if not step}) if pairs else []

    one, other = disjoint(first), disjoint(second)
    horizon = 40 + 2 * 12 * 12
    both = sorted(set(members(tuple(one), horizon)) & set(members(tuple(other), horizon)))
    assert sorted(members(tuple(intersection(one, other)), horizon)) == both


def test_input_candidates_for_nc101_fixes() -> None:
    from netcheck.sizes import input_candidates

    quiz = (SPECS / "quiz.yaml").read_text()
    square = solved(with_input(quiz, 33, 33))
    assert input_candidates(square) == [(32, 32), (34, 34)]
    assert input_candidates(solved(quiz)) == []
    unet = sizes_of_path(SIZES / "unet.yaml")
    assert isinstance(unet, SizesResult)
    assert input_candidates(unet) == [(256, 256), (240, 256)]  # only the width moves
    for width, height in input_candidates(solved(with_input(quiz, 33, 31))):
        assert checker_accepts(with_input(quiz, width, height))


# The command line ----------------------------------------------------------------------------------------------


def test_the_sizes_command_text_json_and_exit_status() -> None:
    from tests.conftest import run_cli

    unet = run_cli("sizes", "tests/sizes/unet.yaml")
    assert unet.returncode == 1, unet.stderr
    assert unet.stdout == ("width:  16k for k ≥ 1 (16, 32, 48, …); declared 250 is not valid: nearest 240 and 256\n"
                           "height: 16k for k ≥ 1 (16, 32, 48, …); declared 256 is valid\n")
    answer = json.loads(run_cli("sizes", "--format", "json", "tests/sizes/unet.yaml").stdout)
    assert answer == {"path": "tests/sizes/unet.yaml",
                      "width": {"declared": 250, "valid": False, "nearest": [240, 256],
                                "sets": [{"from": 16, "step": 16}]},
                      "height": {"declared": 256, "valid": True, "nearest": [256],
                                 "sets": [{"from": 16, "step": 16}]}}
    quiz = run_cli("sizes", "--max", "7", "specs/quiz.yaml")
    assert quiz.returncode == 0 and quiz.stdout.startswith("width:  2k for k ≥ 3 (6, 8, 10, …); declared 32 is valid")


def test_the_sizes_command_refuses_what_it_cannot_answer() -> None:
    from tests.conftest import run_cli

    broken = run_cli("sizes", "tests/broken/NC002_typo_strides.yaml")
    assert broken.returncode == 1 and "NC002" in broken.stderr and broken.stdout == ""
    for args in (("specs/quiz.yaml", "specs/lenet5.yaml"), ("specs",), ("specs/missing.yaml",),
                 ("--max", "0", "specs/quiz.yaml"), ("--format", "csv", "specs/quiz.yaml")):
        result = run_cli("sizes", *args)
        assert result.returncode == 2 and "Traceback" not in result.stderr, args


def test_the_sizes_command_reads_standard_input() -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    text = (ROOT / "tests/sizes/unet.yaml").read_bytes()
    result = subprocess.run([sys.executable, "-m", "netcheck", "sizes", "-f", "json", "-"], input=text, cwd=ROOT,
                            capture_output=True, timeout=120)
    assert result.returncode == 1 and json.loads(result.stdout)["path"] == "<stdin>"


def test_valid_sizes_is_public_api() -> None:
    import netcheck

    result = netcheck.valid_sizes(netcheck.load(SPECS / "quiz.yaml"))
    assert result.width.valid and result.width.sets[0].step == 2


def test_nc101_input_fixes_come_from_the_solver_beyond_any_search_window() -> None:
    """Seven strict 2x2 pools need a multiple of 128: 256 and 128 are 56 and 72 away from the declared 200."""
    pools = "".join(f"  - {{name: p{index}, type: maxpool2d, kernel: 2}}\n" for index in range(7))
    report = check_text(f"name: deep\ninput: 200x200x3\nlayers:\n{pools}")
    inputs = {fix.message for violation in report.violations for fix in violation.fixes
              if fix.message.startswith("input")}
    assert inputs == {"input 256x256x3 makes every layer whole"}
    fixed = check_text(f"name: deep\ninput: 256x256x3\nlayers:\n{pools}")
    assert fixed.ok and not fixed.violations


HOSTILE = sorted((ROOT / "tests" / "hostile").glob("*.yaml"))


@pytest.mark.parametrize("path", HOSTILE, ids=lambda path: path.name)
def test_every_hostile_file_gets_an_answer_or_a_located_refusal(path: Path) -> None:
    """No traceback and no hang: a huge stride is a refusal (``Unsolvable``), not a million evaluations."""
    from netcheck import commands

    outcome = commands.sizes([str(path)], "text", 4096, Options())
    assert outcome.status in (0, 1, 2)
    assert outcome.status != 0 or outcome.output.startswith("width:")
    assert "Traceback" not in outcome.error_text


FORMAT_EXAMPLE = SIZES / "format-example"
#: FORMAT.md §9's example, as written there (FORMAT.md lives outside the repository: vendored here).
FORMAT_TEXT = ("width:  16k for k ≥ 2 (32, 48, 64, …); declared 250 is not valid: nearest 240 and 256\n"
               "height: 16k for k ≥ 2 (32, 48, 64, …); declared 256 is valid\n")
FORMAT_WIDTH = {"declared": 250, "valid": False, "nearest": [240, 256], "sets": [{"from": 32, "step": 16}]}


def test_format_md_s_sizes_example_behaves_exactly_as_written() -> None:
    from tests.conftest import run_cli

    text = run_cli("sizes", "unet.yaml", cwd=FORMAT_EXAMPLE)
    assert (text.returncode, text.stdout) == (1, FORMAT_TEXT)
    answer = json.loads(run_cli("sizes", "--format", "json", "unet.yaml", cwd=FORMAT_EXAMPLE).stdout)
    assert answer["path"] == "unet.yaml" and answer["width"] == FORMAT_WIDTH


def test_format_md_s_example_agrees_with_brute_force() -> None:
    spec = (FORMAT_EXAMPLE / "unet.yaml").read_text(encoding="utf-8")
    valid = [size for size in range(1, 81)
             if check_text(spec.replace("input: 250x256x3", f"input: {size}x256x3"), options=Options(fixes=False)).ok]
    assert valid == [32, 48, 64, 80]
