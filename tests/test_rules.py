"""Each code's documentation: its failing example fails with it, its passing example passes."""

from __future__ import annotations

import textwrap

import pytest

from netcheck import rules
from netcheck.checker import check_text
from tests.conftest import run_cli


def example(doc: str, heading: str) -> str:
    """The indented YAML block under ``Fails:`` or ``Passes:`` in a rule's docstring."""
    after = doc.split(f"\n{heading}:\n", 1)[1]
    block = []
    for line in after.splitlines()[1:]:
        if line and not line.startswith("    "):
            break
        block.append(line)
    return textwrap.dedent("\n".join(block)).strip() + "\n"


@pytest.mark.parametrize("code", rules.CODES)
def test_failing_example_fails_with_its_code(code: str) -> None:
    report = check_text(example(rules.rule(code).doc, "Fails"))
    assert code in {violation.code for violation in report.violations}


@pytest.mark.parametrize("code", rules.CODES)
def test_passing_example_passes_clean(code: str) -> None:
    report = check_text(example(rules.rule(code).doc, "Passes"))
    assert report.violations == []


@pytest.mark.parametrize("code", rules.CODES)
def test_every_rule_is_documented(code: str) -> None:
    rule = rules.rule(code)
    assert rule.doc.startswith(f"{code} — ")
    assert "Why it matters:" in rule.doc
    assert rule.severity == ("error" if code[:3] in ("NC0", "NC1") else "warning")


def test_explain_prints_the_doc_and_accepts_lowercase() -> None:
    result = run_cli("explain", "nc101")
    assert result.returncode == 0
    assert result.stdout.startswith("NC101 (non-integer-output, error)")
    assert "Fails:" in result.stdout and "Passes:" in result.stdout
