"""Issue 13, "Messages": one violation per layer, fixes offered once, words that say where a setting goes.

Each test pins the message text, the number of violations and the fixes
offered, and applies every offered fix to the document: it must remove its
violation and add no error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from netcheck.checker import check_text
from netcheck.fixing import apply
from netcheck.results import FileReport, Violation
from tests.conftest import BROKEN


def violations(text: str, code: str) -> list[Violation]:
    return [violation for violation in check_text(text).violations if violation.code == code]


def fix_messages(violation: Violation) -> list[str]:
    return [fix.message for fix in violation.fixes]


def check_fixes(text: str, violation: Violation) -> int:
    """Apply each fix of ``violation`` to ``text``'s data: the violation goes, no new error comes."""
    before = check_text(text)
    errors_before = _errors(before)
    data: Any = yaml.safe_load(text)
    for fix in violation.fixes:
        fixed = yaml.safe_dump(apply(data, fix.edits), sort_keys=False, allow_unicode=True)
        after = check_text(fixed)
        assert not any(other.code == violation.code and other.layer == violation.layer
                       and other.path == violation.path for other in after.violations), (fix, fixed)
        assert _errors(after) <= errors_before, (fix, fixed)
    return len(violation.fixes)


def _errors(report: FileReport) -> set[tuple[str, str | None]]:
    return {(violation.code, violation.layer) for violation in report.violations if violation.is_error}


def network(input_shape: str, *layers: str, rounding: str | None = None) -> str:
    lines = ["name: t", f"input: {input_shape}"] + ([f"rounding: {rounding}"] if rounding else []) + ["layers:"]
    return "\n".join(lines + [f"  - {layer}" for layer in layers]) + "\n"


# --- 1. NC104 once per layer ------------------------------------------------------------------------------


def test_groups_that_divide_neither_depth_nor_filters_are_one_violation_with_both_divisions() -> None:
    text = network("32x32x32", "{name: gconv, type: conv2d, filters: 32, kernel: 3, padding: 1, groups: 3}")
    (violation,) = violations(text, "NC104")
    assert violation.message == ("groups 3 divides neither input depth 32 (32/3 = 10.67) "
                                 "nor filters 32 (32/3 = 10.67)")
    assert fix_messages(violation) == ["groups 2 divides depth 32 and filters 32",
                                       "groups 4 divides depth 32 and filters 32"]
    assert check_fixes(text, violation) == 2


def test_a_transposed_convolution_is_reported_once_too() -> None:
    text = network("16x16x8", "{name: up, type: conv_transpose2d, filters: 8, kernel: 2, stride: 2, groups: 3}")
    (violation,) = violations(text, "NC104")
    assert violation.message == "groups 3 divides neither input depth 8 (8/3 = 2.67) nor filters 8 (8/3 = 2.67)"
    assert check_fixes(text, violation) == 2


def test_groups_that_fail_one_of_the_two_keep_their_message() -> None:
    text = (BROKEN / "NC104_depthwise_multiplier_1_5.yaml").read_text(encoding="utf-8")
    (violation,) = violations(text, "NC104")
    assert violation.message == "groups 32 does not divide filters 48 (48/32 = 1.5)"
    assert check_fixes(text, violation) == 2


# --- 2. both axes: one violation, each fix once -----------------------------------------------------------


def test_both_axes_fractional_on_a_non_square_input_are_one_violation_with_each_axis() -> None:
    text = network("32x35x3", "{name: conv1, type: conv2d, filters: 8, kernel: 3, stride: 3}")
    report = check_text(text)
    assert [violation.code for violation in report.violations] == ["NC101"]
    (violation,) = report.violations
    assert violation.message == ("width (32 − 3 + 2·0)/3 + 1 = 10.67 and height (35 − 3 + 2·0)/3 + 1 = 11.67 "
                                 "are not whole numbers")
    assert fix_messages(violation) == ["padding 2 gives 12x13",
                                       "set rounding: floor on this layer gives 10x11, as PyTorch computes it"]
    assert check_fixes(text, violation) == 2


def test_both_axes_pair_the_nearest_input_sizes_of_each_axis() -> None:
    text = network("34x36x3", "{name: conv1, type: conv2d, filters: 8, kernel: 3, stride: 2}",
                   "{name: conv2, type: conv2d, filters: 8, kernel: 3, padding: 1}")
    (violation,) = violations(text, "NC101")
    assert violation.message == ("width (34 − 3 + 2·0)/2 + 1 = 16.5 and height (36 − 3 + 2·0)/2 + 1 = 17.5 "
                                 "are not whole numbers")
    assert fix_messages(violation) == ["set rounding: floor on this layer gives 16x17, as PyTorch computes it",
                                       "input 33x35x3 makes every layer whole"]
    assert check_fixes(text, violation) == 2


def test_a_kernel_too_large_on_both_axes_is_one_nc102() -> None:
    text = network("4x3x3", "{name: conv1, type: conv2d, filters: 8, kernel: 5}")
    (violation,) = violations(text, "NC102")
    assert violation.message == ("width (4 − 5 + 2·0)/1 + 1 = 0 is below 1: the kernel spans 5 but the padded input "
                                 "is only 4; height (3 − 5 + 2·0)/1 + 1 = -1 is below 1: the kernel spans 5 but the "
                                 "padded input is only 3")
    assert fix_messages(violation) == ["padding 1 gives 2x1", "padding 2 gives 4x3"]
    assert check_fixes(text, violation) == 2


def test_pixel_unshuffle_on_both_axes_is_one_nc101() -> None:
    text = network("9x7x2", "{name: u, type: pixel_unshuffle, factor: 2}")
    (violation,) = violations(text, "NC101")
    assert violation.message == ("width 9/2 = 4.5 and height 7/2 = 3.5 are not whole numbers: pixel_unshuffle "
                                 "needs the factor to divide the width and the height")
    # the nearest inputs valid on both axes (netcheck.sizes): 8x6 and 8x8 are both 2 away from 9x7
    assert fix_messages(violation) == ["input 8x6x2 makes every layer whole", "input 8x8x2 makes every layer whole"]
    assert check_fixes(text, violation) == 2


def test_the_same_numbers_on_both_axes_still_show_the_width_only() -> None:
    text = network("9x9x2", "{name: u, type: pixel_unshuffle, factor: 2}")
    (violation,) = violations(text, "NC101")
    assert violation.message.startswith("width 9/2 = 4.5 is not a whole number")
    text = (BROKEN / "NC101_720p_height_only.yaml").read_text(encoding="utf-8")
    (violation,) = violations(text, "NC101")
    assert violation.message == "height (45 − 2 + 2·0)/2 + 1 = 22.5 is not a whole number"


def test_nc201_on_both_axes_lists_its_fixes_once_under_the_width() -> None:
    text = network("32x35x3", "{name: conv1, type: conv2d, filters: 8, kernel: 3, stride: 3}", rounding="floor")
    width, height = violations(text, "NC201")
    assert width.message.startswith("width (32 − 3 + 2·0)/3 + 1 = 10.67 rounded down to 10")
    assert height.message.startswith("height (35 − 3 + 2·0)/3 + 1 = 11.67 rounded down to 11")
    assert fix_messages(width) == ["padding 2 gives 12x13"]
    assert fix_messages(height) == []
    assert check_fixes(text, width) == 1


@pytest.mark.parametrize("path", sorted(BROKEN.glob("NC1*.yaml")) + sorted(BROKEN.glob("NC201*.yaml")),
                         ids=lambda path: path.name)
def test_no_fix_is_offered_twice_for_one_layer(path: Path) -> None:
    seen: set[tuple[str | None, str, str]] = set()
    for violation in check_text(path.read_text(encoding="utf-8")).violations:
        for fix in violation.fixes:
            key = (violation.layer, violation.code, repr(fix.edits))
            assert key not in seen, (violation, fix)
            seen.add(key)


# --- 3. where rounding: floor goes -----------------------------------------------------------------------


def test_the_rounding_fix_says_it_is_set_on_the_layer() -> None:
    text = (BROKEN / "NC101_720p_height_only.yaml").read_text(encoding="utf-8")
    (violation,) = violations(text, "NC101")
    assert fix_messages(violation) == ["set rounding: floor on this layer gives 40x22, as PyTorch computes it",
                                       "input 1280x704x3 makes every layer whole"]
    rounding = violation.fixes[0]
    assert [(edit.path, edit.value) for edit in rounding.edits] == [(("layers", 5, "rounding"), "floor")]
    assert check_fixes(text, violation) == 2


# --- 4. a wrong stride gets stride fixes ------------------------------------------------------------------


def test_a_smaller_stride_is_offered_when_no_padding_makes_the_size_whole() -> None:
    text = network("9x9x3", "{name: patch, type: conv2d, filters: 4, kernel: 4, stride: 4, padding: 2}")
    (violation,) = violations(text, "NC101")
    assert violation.message == "width (9 − 4 + 2·2)/4 + 1 = 3.25 is not a whole number"
    assert fix_messages(violation) == ["set rounding: floor on this layer gives 3, as PyTorch computes it",
                                       "stride 3 gives 4"]
    assert [(edit.path, edit.value) for edit in violation.fixes[1].edits] == [(("layers", 0, "stride"), 3)]
    assert check_fixes(text, violation) == 2


def test_the_stride_fixes_never_stop_a_layer_downsampling() -> None:
    text = network("31x31x3", "{name: conv1, type: conv2d, filters: 8, kernel: 4, stride: 2}")
    (violation,) = violations(text, "NC101")
    assert not any(fix.message.startswith("stride 1 ") for fix in violation.fixes)
    assert fix_messages(violation) == ["set rounding: floor on this layer gives 14, as PyTorch computes it",
                                       "input 30x30x3 makes every layer whole"]


def test_the_quiz_keeps_format_md_s_two_paddings() -> None:
    text = (BROKEN / "NC101_quiz_stride3.yaml").read_text(encoding="utf-8")
    (violation,) = violations(text, "NC101")
    assert fix_messages(violation) == ["padding 0 gives 9", "padding 3 gives 11"]


def test_a_stride_fix_is_verified_on_the_whole_network() -> None:
    """Stride 3 makes the first layer whole (4) but the pool after it fractional: (4 − 3)/3 + 1."""
    text = network("9x9x3", "{name: patch, type: conv2d, filters: 4, kernel: 4, stride: 4, padding: 2}",
                   "{name: pool, type: maxpool2d, kernel: 3}")
    (violation,) = violations(text, "NC101")
    assert violation.layer == "patch"
    assert not any(fix.message.startswith("stride") for fix in violation.fixes)
    assert fix_messages(violation)[0] == "set rounding: floor on this layer gives 3, as PyTorch computes it"
    check_fixes(text, violation)


# --- 5. params and PyTorch's parameters() -----------------------------------------------------------------


def test_params_that_is_the_trainable_count_says_so_and_is_renamed() -> None:
    text = (BROKEN / "NC105_params_is_pytorch_count.yaml").read_text(encoding="utf-8")
    (violation,) = violations(text, "NC105")
    assert violation.message == (
        "expected total params 8,832, but the layers give 9,456 = 8,832 trainable + 624 non-trainable "
        "(running statistics); 8,832 equals the trainable count (PyTorch's parameters()): "
        "write trainable_params: 8832")
    assert fix_messages(violation) == ["rename params to trainable_params: 8832 (the trainable count)",
                                       "trainable_params: 8832 and params: 9456 (what the layers give)"]
    rename, both = violation.fixes
    assert [(edit.path, edit.rename) for edit in rename.edits] == [(("expect", "params"), "trainable_params")]
    assert [(edit.path, edit.value) for edit in both.edits] == [(("expect", "trainable_params"), 8832),
                                                                (("expect", "params"), 9456)]
    renamed = apply(yaml.safe_load(text), rename.edits)
    assert list(renamed["expect"].items()) == [("output", "56x56x24"), ("trainable_params", 8832)]
    assert check_fixes(text, violation) == 2


def test_a_layer_s_params_that_is_the_trainable_count_too() -> None:
    text = network("8x8x4", "{name: bn, type: batchnorm2d, expect: {params: 8}}")
    (violation,) = violations(text, "NC105")
    assert violation.message == ("expected params 8, but the layers give 16 = 8 trainable + 8 non-trainable "
                                 "(running statistics); 8 equals the trainable count (PyTorch's parameters()): "
                                 "write trainable_params: 8")
    assert fix_messages(violation)[0] == "rename params to trainable_params: 8 (the trainable count)"
    assert check_fixes(text, violation) == 2


def test_other_params_mismatches_keep_the_plain_message() -> None:
    text = (BROKEN / "NC105_lenet_paper_60k.yaml").read_text(encoding="utf-8")
    (violation,) = violations(text, "NC105")
    assert violation.message == "expected total params 60,000, but the layers give 61,706"
    assert fix_messages(violation) == ["expect 61,706 (what the layers give)"]
    written_beside = network("8x8x4", "{name: bn, type: batchnorm2d, expect: {params: 8, trainable_params: 8}}")
    (violation,) = violations(written_beside, "NC105")
    assert violation.message == "expected params 8, but the layers give 16"
    assert fix_messages(violation) == ["expect 16 (what the layers give)"]


# --- 6. layers counted from 1 -----------------------------------------------------------------------------


def test_a_duplicate_name_names_the_first_layer_counting_from_1() -> None:
    text = (BROKEN / "NC004_duplicate_name.yaml").read_text(encoding="utf-8")
    (violation,) = violations(text, "NC004")
    assert violation.message == "duplicate layer name 'conv2': layer 2 is named 'conv2' already; names must be unique"


def test_a_duplicate_of_a_default_name_counts_from_1_too() -> None:
    text = network("8x8x3", "{type: conv2d, filters: 4, kernel: 3}",
                   "{name: conv2d_1, type: conv2d, filters: 4, kernel: 3}")
    (violation,) = violations(text, "NC004")
    assert violation.message == ("duplicate layer name 'conv2d_1': layer 1 has 'conv2d_1' as its default name "
                                 "already; names must be unique")


def test_the_stride_search_takes_every_candidate_from_the_budget() -> None:
    """With no budget left, no stride (nor padding, nor input size) is even tried."""
    from netcheck import engine, rules
    from netcheck.fixing import records_of
    from netcheck.rules.geometry import window_candidates

    text = (BROKEN / "NC101_quiz_stride3.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    records = records_of(data)
    assert records is not None
    result = engine.run(records)
    (finding,) = [finding for finding in result.findings if finding.code == "NC101"]
    spent: list[int] = []

    def spend(layers: int) -> bool:
        spent.append(layers)
        return False

    groups = list(window_candidates(rules.Context(finding, records, data, result, spend, 10)))
    assert [fix.message for group in groups for fix in group] == [
        "set rounding: floor on this layer gives 9, as PyTorch computes it"]  # computed on the layer alone
    assert spent == [1] * 5  # one refused request per search: paddings, smaller strides, input sizes,
    #                          other strides, kernels


def test_in_a_block_the_rename_is_offered_for_the_network_s_expect_only() -> None:
    """A layer's edits in a block are moved to where values are written, which moves values, not renames."""
    text = ("name: b\ninput: 8x8x4\nblocks:\n  unit:\n    params: {filters: null}\n    layers:\n"
            "      - {name: conv, type: conv2d, filters: \"${filters}\", kernel: 3, padding: 1, bias: false}\n"
            "      - {name: bn, type: batchnorm2d, expect: {params: 8}}\n"
            "layers:\n  - {name: u1, type: unit, filters: 4}\n  - {name: u2, type: unit, filters: 4}\n"
            "expect:\n  params: 304\n")
    first, second, whole = violations(text, "NC105")
    assert (first.layer, second.layer, whole.layer) == ("u1.bn", "u2.bn", None)
    assert fix_messages(first) == ["trainable_params: 8 and params: 16 (what the layers give)",
                                   "expect 16 (what the layers give)"]
    assert [edit.path for edit in first.fixes[0].edits] == [
        ("blocks", "unit", "layers", 1, "expect", "trainable_params"), ("blocks", "unit", "layers", 1, "expect",
                                                                        "params")]
    assert fix_messages(whole) == ["rename params to trainable_params: 304 (the trainable count)",
                                   "trainable_params: 304 and params: 320 (what the layers give)"]
