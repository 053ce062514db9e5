"""Properties checked against independent oracles (brute force), not against the formula restated."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcheck.checker import check_text
from netcheck.results import FileReport

FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def layer_report(size: int, layer: str, rounding: str = "strict", depth: int = 2) -> FileReport:
    return check_text(f"name: p\ninput: {size}x{size}x{depth}\nrounding: {rounding}\nlayers:\n  - {layer}\n")


def window_starts(size: int, kernel_eff: int, stride: int, padding: int) -> list[int]:
    """Brute force: every start position, stepping by the stride, whose window fits the padded input."""
    return [start for start in range(0, size + 2 * padding, stride) if start + kernel_eff <= size + 2 * padding]


def tiles_exactly(size: int, kernel_eff: int, stride: int, padding: int) -> bool:
    """Brute force: some window ends exactly at the padded input's last pixel."""
    starts = window_starts(size, kernel_eff, stride, padding)
    return bool(starts) and starts[-1] + kernel_eff == size + 2 * padding


windows = st.tuples(
    st.integers(1, 40),  # size
    st.integers(1, 7),  # kernel
    st.integers(1, 5),  # stride
    st.integers(0, 4),  # padding
    st.integers(1, 3),  # dilation
)


@FAST
@given(windows)
def test_output_size_is_the_number_of_window_positions(case: tuple[int, int, int, int, int]) -> None:
    size, kernel, stride, padding, dilation = case
    kernel_eff = dilation * (kernel - 1) + 1
    report = layer_report(size, f"{{type: conv2d, filters: 3, kernel: {kernel}, stride: {stride}, "
                                f"padding: {padding}, dilation: {dilation}}}")
    codes = {violation.code for violation in report.violations}
    starts = window_starts(size, kernel_eff, stride, padding)
    if not starts:
        assert "NC102" in codes
        return
    assert ("NC101" in codes) == (not tiles_exactly(size, kernel_eff, stride, padding))
    if "NC101" not in codes:
        assert report.rows[0].output is not None
        assert report.rows[0].output.width == len(starts)


@FAST
@given(windows)
def test_floor_is_at_most_ceil_and_both_bracket_the_positions(case: tuple[int, int, int, int, int]) -> None:
    size, kernel, stride, padding, dilation = case
    kernel_eff = dilation * (kernel - 1) + 1
    if kernel_eff > size + 2 * padding:
        return
    layer = f"{{type: maxpool2d, kernel: {kernel}, stride: {stride}, padding: {padding}, dilation: {dilation}}}"
    floor = layer_report(size, layer, "floor").rows[0].output
    ceil = layer_report(size, layer, "ceil").rows[0].output
    assert floor is not None and ceil is not None
    positions = len(window_starts(size, kernel_eff, stride, padding))
    assert floor.width == positions
    assert positions <= ceil.width <= positions + 1
    if tiles_exactly(size, kernel_eff, stride, padding):
        assert ceil.width == floor.width


@FAST
@given(st.integers(1, 60), st.integers(1, 7), st.integers(1, 5), st.integers(1, 3))
def test_same_padding_gives_ceil_of_w_over_s(size: int, kernel: int, stride: int, dilation: int) -> None:
    report = layer_report(size, f"{{type: conv2d, filters: 2, kernel: {kernel}, stride: {stride}, "
                                f"dilation: {dilation}, padding: same}}")
    output = report.rows[0].output
    assert output is not None
    needed = next(count for count in range(1, size + 2) if count * stride >= size)
    assert output.width == needed
    assert not any(violation.is_error for violation in report.violations)


@FAST
@given(st.integers(3, 30), st.integers(3, 30), st.integers(1, 5), st.integers(1, 4), st.integers(1, 3),
       st.booleans())
def test_parameters_do_not_depend_on_the_plane(size_a: int, size_b: int, kernel: int, filters: int,
                                               stride: int, bias: bool) -> None:
    layer = (f"{{type: conv2d, filters: {filters}, kernel: {kernel}, stride: {stride}, padding: same, "
             f"bias: {str(bias).lower()}}}")
    first, second = layer_report(size_a, layer, depth=3).rows[0], layer_report(size_b, layer, depth=3).rows[0]
    assert first.params == second.params == kernel * kernel * 3 * filters + (filters if bias else 0)


@FAST
@given(windows, st.integers(1, 4))
def test_unshared_at_least_shared_equal_only_for_a_1x1_output(case: tuple[int, int, int, int, int],
                                                            filters: int) -> None:
    size, kernel, stride, padding, dilation = case
    report = layer_report(size, f"{{type: conv2d, filters: {filters}, kernel: {kernel}, stride: {stride}, "
                                f"padding: {padding}, dilation: {dilation}}}", "floor")
    row = report.rows[0]
    if row.output is None:
        return
    assert row.unshared_params is not None and row.params is not None
    assert row.unshared_params >= row.params
    assert (row.unshared_params == row.params) == (row.output.width * row.output.height == 1)


@FAST
@given(windows)
def test_transposed_convolution_restores_the_size_of_an_exact_convolution(
        case: tuple[int, int, int, int, int]) -> None:
    size, kernel, stride, padding, dilation = case
    conv = (f"{{type: conv2d, filters: 3, kernel: {kernel}, stride: {stride}, padding: {padding}, "
            f"dilation: {dilation}}}")
    forward = layer_report(size, conv)
    if not forward.ok or forward.rows[0].output is None:
        return
    smaller = forward.rows[0].output.width
    back = layer_report(smaller, conv.replace("conv2d", "conv_transpose2d"))
    assert back.rows[0].output is not None
    assert back.rows[0].output.width == size


@st.composite
def small_networks(draw: st.DrawFn) -> str:
    """Sequential networks of random (often broken) layers, one block mapping per layer."""
    lines = ["name: random", f"input: {draw(st.integers(1, 40))}x{draw(st.integers(1, 40))}x3", "layers:"]
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["conv2d", "maxpool2d", "dense", "flatten", "batchnorm2d", "avgpool2d"]))
        lines.append(f"  - type: {kind}")
        if kind in ("conv2d", "maxpool2d", "avgpool2d"):
            lines.append(f"    kernel: {draw(st.integers(1, 6))}")
            lines.append(f"    stride: {draw(st.integers(1, 4))}")
            lines.append(f"    padding: {draw(st.integers(0, 3))}")
        if kind == "conv2d":
            lines.append(f"    filters: {draw(st.integers(1, 8))}")
            lines.append(f"    groups: {draw(st.sampled_from([1, 1, 2, 3]))}")
        if kind == "dense":
            lines.append(f"    units: {draw(st.integers(1, 8))}")
    return "\n".join(lines) + "\n"


def layer_blocks(text: str) -> list[range]:
    """The line range of each layer's block mapping in a ``small_networks`` text."""
    lines = text.splitlines()
    starts = [number for number, line in enumerate(lines, 1) if line.startswith("  - ")]
    ends = [*starts[1:], len(lines) + 1]
    return [range(start, end) for start, end in zip(starts, ends)]


@FAST
@given(small_networks())
def test_every_violation_points_at_a_key_of_its_own_layer(text: str) -> None:
    report = check_text(text)
    blocks = layer_blocks(text)
    lines = text.splitlines()
    for violation in report.violations:
        assert 1 <= violation.line <= len(lines)
        line = lines[violation.line - 1]
        assert violation.column >= 1
        assert line[violation.column - 1:].split(":")[0].strip(" -") != "", (violation, line)
        if violation.path[:1] == ("layers",) and len(violation.path) >= 2:
            assert violation.line in blocks[int(violation.path[1])], (violation, text)
