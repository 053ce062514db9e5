"""Tests that follow the data: every example spec passes, every broken spec fails as its name says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from netcheck.checker import check_path
from tests.conftest import BROKEN, SPECS

EXAMPLES = sorted(SPECS.glob("*.yaml"))
BROKEN_FILES = sorted(BROKEN.glob("*.yaml"))
MARKER = re.compile(r"# <- (NC\d{3})")


def markers(path: Path) -> set[tuple[str, int]]:
    """The (code, line) pairs a broken file marks with ``# <- NCxxx``."""
    text = path.read_bytes().decode("utf-8", "replace")
    return {(code, number) for number, line in enumerate(text.splitlines(), 1) for code in MARKER.findall(line)}


def test_the_corpora_are_there() -> None:
    assert len(EXAMPLES) >= 9
    assert {path.name.split("_")[0] for path in BROKEN_FILES} >= {
        "NC001", "NC002", "NC003", "NC004", "NC101", "NC102", "NC103", "NC104", "NC105",
        "NC201", "NC202", "NC203", "NC204"}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_spec_passes_with_its_expectations(path: Path) -> None:
    report = check_path(str(path))
    assert report.ok, [(v.code, v.line, v.message) for v in report.violations if v.is_error]
    assert report.rows and all(row.output is not None for row in report.rows)
    assert "expect:" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", BROKEN_FILES, ids=lambda p: p.name)
def test_every_broken_spec_fails_with_its_code_at_the_marked_line(path: Path) -> None:
    code = path.name.split("_")[0]
    report = check_path(str(path))
    found = {(violation.code, violation.line) for violation in report.violations}
    assert code in {violation.code for violation in report.violations}
    assert markers(path) <= found
    marked_lines = {line for _, line in markers(path)}
    stray = [v for v in report.violations if v.is_error and markers(path) and v.line not in marked_lines]
    assert not stray, stray
    assert report.ok == code.startswith(("NC2", "NC3"))
    assert all(violation.line >= 1 and violation.column >= 1 for violation in report.violations)


def test_published_totals_are_reproduced() -> None:
    published = {
        "lenet5.yaml": ("params", 61_706),
        "alexnet.yaml": ("params", 61_100_840),
        "vgg16.yaml": ("params", 138_357_544),
        "resnet18.yaml": ("trainable_params", 11_689_512),
    }
    for name, (count, value) in published.items():
        assert check_path(str(SPECS / name)).totals[count] == value, name
    resnet = check_path(str(SPECS / "resnet18.yaml")).totals
    assert resnet["non_trainable_params"] == 9_600
    assert resnet["params"] == 11_699_112
