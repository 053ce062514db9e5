"""Every fix netcheck shows, applied to the document, removes its violation and adds no error."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from netcheck.checker import check_text
from netcheck.fixing import apply
from netcheck.results import FileReport, Violation
from tests.conftest import BROKEN
from tests.test_properties import small_networks


def errors_of(report: FileReport) -> set[tuple[str, str | None, str]]:
    return {(v.code, v.layer, v.message.split(" ")[0]) for v in report.violations if v.is_error}


def check_every_fix(text: str) -> int:
    """Apply each fix of each violation in ``text``; return how many fixes were checked."""
    before = check_text(text)
    data = yaml.safe_load(text)
    checked = 0
    for violation in before.violations:
        for fix in violation.fixes:
            fixed_text = yaml.safe_dump(apply(data, fix.edits), sort_keys=False, allow_unicode=True)
            after = check_text(fixed_text)
            assert not _still_there(violation, after), (violation, fix, fixed_text)
            new = {(v.code, v.layer) for v in after.violations if v.is_error} - {
                (v.code, v.layer) for v in before.violations if v.is_error}
            assert not new, (fix, new, fixed_text)
            checked += 1
    return checked


def _still_there(violation: Violation, after: FileReport) -> bool:
    return any(other.code == violation.code and other.layer == violation.layer and other.path == violation.path
               and other.message == violation.message for other in after.violations)


FIXABLE = [path for path in sorted(BROKEN.glob("NC1*.yaml")) + sorted(BROKEN.glob("NC201*.yaml"))]


@pytest.mark.parametrize("path", FIXABLE, ids=lambda p: p.name)
def test_fixes_of_the_broken_corpus_work(path: Path) -> None:
    check_every_fix(path.read_text(encoding="utf-8"))


def test_the_corpus_has_fixes_for_each_fixable_code() -> None:
    seen = set()
    for path in FIXABLE:
        report = check_text(path.read_text(encoding="utf-8"))
        seen |= {violation.code for violation in report.violations if violation.fixes}
    assert seen >= {"NC101", "NC102", "NC103", "NC104", "NC105", "NC201"}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_networks())
def test_fixes_of_random_networks_work(text: str) -> None:
    check_every_fix(text)


def test_dense_on_a_volume_gets_an_inserted_flatten() -> None:
    text = "name: n\ninput: 8x8x2\nlayers:\n  - {type: conv2d, filters: 4, kernel: 3}\n  - {type: dense, units: 3}\n"
    (violation,) = [v for v in check_text(text).violations if v.code == "NC103"]
    assert violation.fixes[0].message == "insert a flatten named dense_1_flatten before dense_1"
    assert check_every_fix(text) == 1
