"""Inline suppressions ``# netcheck: ignore[...]`` and NC206 (FORMAT.md §10)."""

from __future__ import annotations

import pytest

from netcheck import check_text
from netcheck.results import Options
from netcheck.suppression import comments

HEAD = "name: s\ninput: 57x57x64\nlayers:\n"
SHORTCUT = """\
  - name: shortcut{first}
    type: conv2d
    filters: 128
    kernel: 1
    stride: 2{stride}
"""


def _codes(text: str, options: Options = Options()) -> list[tuple[str, int]]:
    return [(violation.code, violation.line) for violation in check_text(text, options=options).violations]


def _shortcut(first: str = "", stride: str = "") -> str:
    return HEAD + SHORTCUT.format(first=first, stride=stride)


def test_the_shortcut_alone_is_nc203() -> None:
    assert _codes(_shortcut()) == [("NC203", 8)]


@pytest.mark.parametrize(("first", "stride"), [
    ("   # netcheck: ignore[NC203]", ""),
    ("", "  # netcheck: ignore[NC203]"),
    ("  # netcheck: ignore", ""),
    ("  #netcheck:ignore[nc2]", ""),
    ("  # NetCheck: Ignore[NC101, NC203]  why: the 1x1 shortcut of ResNet", ""),
])
def test_a_comment_on_the_first_key_or_the_reported_key_silences(first: str, stride: str) -> None:
    text = _shortcut(first, stride)
    codes = _codes(text)
    assert "NC203" not in [code for code, _ in codes]
    if "NC101" in first:  # one of two codes silences nothing
        assert codes == [("NC206", 4)]
    else:
        assert codes == []


def test_a_comment_on_another_line_of_the_layer_does_not_silence() -> None:
    text = _shortcut().replace("filters: 128", "filters: 128  # netcheck: ignore[NC203]")
    assert _codes(text) == [("NC206", 6), ("NC203", 8)]


def test_a_comment_for_another_code_silences_nothing_and_says_so() -> None:
    report = check_text(_shortcut("  # netcheck: ignore[NC101]"))
    assert [(v.code, v.line, v.column, v.severity) for v in report.violations] == [
        ("NC206", 4, 21, "warning"), ("NC203", 8, 5, "warning")]
    assert "NC101 silences nothing" in report.violations[0].message


@pytest.mark.parametrize(("comment", "why"), [
    ("# netcheck: ignore[NC2O3]", "is not a code"),
    ("# netcheck: ignore[NC203", "no closing ]"),
    ("# netcheck: ignore[]", "empty"),
    ("# netcheck: ignore[NC9]", "not a netcheck code"),
])
def test_a_misspelt_suppression_is_nc206_and_silences_nothing(comment: str, why: str) -> None:
    report = check_text(_shortcut("  " + comment))
    assert [v.code for v in report.violations] == ["NC206", "NC203"]
    assert why in report.violations[0].message


def test_a_suppression_on_a_clean_layer_is_nc206() -> None:
    clean = HEAD + "  - name: c  # netcheck: ignore\n    type: conv2d\n    filters: 8\n    kernel: 1\n"
    assert _codes(clean) == [("NC206", 4)]


def test_no_nc206_for_a_code_the_run_does_not_report() -> None:
    text = _shortcut("  # netcheck: ignore[NC203]")
    assert _codes(text, Options(ignore=("NC203",))) == []
    assert _codes(text, Options(select=("NC1",))) == []


def test_no_nc206_when_the_file_was_not_checked_whole() -> None:
    broken = _shortcut("  # netcheck: ignore[NC203]").replace("kernel: 1", "kernel: 0")
    assert [code for code, _ in _codes(broken)] == ["NC002"]


BLOCK = """\
name: b
input: 57x57x64
blocks:
  down:
    layers:
      - name: shortcut{comment}
        type: conv2d
        filters: 64
        kernel: 1
        stride: 2
layers:
  - {{name: a, type: down}}
  - {{name: b, type: down}}
"""


def test_a_suppression_inside_a_block_applies_to_every_use() -> None:
    unsuppressed = check_text(BLOCK.format(comment="")).violations
    assert [(v.code, v.line, len(v.via)) for v in unsuppressed] == [("NC203", 10, 1), ("NC203", 10, 1)]
    assert _codes(BLOCK.format(comment="  # netcheck: ignore[NC203]")) == []


def test_a_suppression_on_a_use_silences_what_it_leads_to() -> None:
    use = "  - {name: a, type: down}"
    text = BLOCK.format(comment="").replace(use, use + "  # netcheck: ignore")
    assert _codes(text) == [("NC203", 10)]


def test_comments_are_found_where_yaml_has_them() -> None:
    found = comments("a: 1 # netcheck: ignore[NC101,NC2]\n# netcheck: ignore\nb: x#netcheck: ignore\n")
    assert [(s.line, s.column, s.codes) for s in found] == [(1, 6, ("NC101", "NC2")), (2, 1, ())]


def test_json_reports_nc206_like_any_warning() -> None:
    import json

    from netcheck.report import Settings, renderer

    report = check_text(_shortcut("  # netcheck: ignore[NC101]"), path="s.yaml")
    rendered = json.loads("".join(renderer("json")([report], Settings())))
    assert [(v["code"], v["line"]) for v in rendered["files"][0]["violations"]] == [("NC206", 4), ("NC203", 8)]


def test_a_bare_ignore_is_not_called_unused_when_the_run_reports_only_some_codes() -> None:
    broken = HEAD + "  - name: c  # netcheck: ignore\n    type: conv2d\n    filters: 8\n    kernel: 99\n"
    assert _codes(broken) == []  # it silences the NC102
    assert _codes(broken, Options(select=("NC206",))) == []  # NC102 is not computed: unused cannot be told


def test_no_nc206_on_a_layer_the_engine_could_not_compute() -> None:
    text = (HEAD + "  - {name: big, type: conv2d, filters: 8, kernel: 99}\n"
            "  - name: after  # netcheck: ignore[NC1]\n    type: conv2d\n    filters: 8\n    kernel: 3\n"
            "    stride: 2\n")
    assert _codes(text) == [("NC102", 4)]  # `after` has no input to compute: its comment may yet be needed
    clean = text.replace("kernel: 99", "kernel: 1")
    assert ("NC206", 5) in _codes(clean)  # once it is computed, an unused comment is said


def test_a_misspelt_code_beside_real_ones_is_said_and_the_real_ones_still_apply() -> None:
    report = check_text(_shortcut("  # netcheck: ignore[NC203, NC2O3]"))
    assert [(v.code, v.line) for v in report.violations] == [("NC206", 4)]
    assert "NC2O3 is not a netcheck code" in report.violations[0].message
    both = check_text(_shortcut("  # netcheck: ignore[NC201, NC2O3]"))
    assert [v.code for v in both.violations] == ["NC206", "NC206", "NC203"]
