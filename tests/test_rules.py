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
    for violation in report.violations:
        assert violation.severity == rules.module(violation.code).SEVERITY


@pytest.mark.parametrize("code", rules.CODES)
def test_each_rule_module_owns_its_code(code: str) -> None:
    """Code, name, severity and (for what the engine finds) the message all live in ``rules/ncXXX.py``."""
    module = rules.module(code)
    assert code == module.CODE
    assert module.SEVERITY in ("error", "warning")
    found_by_the_engine = code not in ("NC001", "NC002", "NC003")
    assert hasattr(module, "message") == found_by_the_engine


def test_layer_modules_write_no_prose() -> None:
    """Layer modules hand the rules numbers; the words are the rule modules' (one place per code)."""
    from pathlib import Path

    import netcheck.layers

    for path in Path(netcheck.layers.__file__).parent.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        calls = _problem_calls(text)
        assert 'f"' not in calls and "message" not in calls, path.name


def _problem_calls(text: str) -> str:
    """The text of every ``Problem(...)`` call in ``text`` (up to its closing parenthesis)."""
    calls = []
    start = text.find("Problem(")
    while start != -1:
        depth, end = 0, start + len("Problem")
        for end in range(start + len("Problem"), len(text)):
            depth += {"(": 1, ")": -1}.get(text[end], 0)
            if depth == 0:
                break
        calls.append(text[start:end + 1])
        start = text.find("Problem(", end)
    return "\n".join(calls)


@pytest.mark.parametrize("code", rules.CODES)
def test_passing_example_passes_clean(code: str) -> None:
    report = check_text(example(rules.rule(code).doc, "Passes"))
    assert report.violations == []


@pytest.mark.parametrize("code", rules.CODES)
def test_every_rule_is_documented(code: str) -> None:
    rule = rules.rule(code)
    assert rule.doc.startswith(f"{code} — ")
    assert "Why it matters:" in rule.doc
    assert rule.severity == ("error" if code[:3] in ("NC0", "NC1") else "warning")  # flake8's hundreds


def test_explain_prints_the_doc_and_accepts_lowercase() -> None:
    result = run_cli("explain", "nc101")
    assert result.returncode == 0
    assert result.stdout.startswith("NC101 (non-integer-output, error)")
    assert "Fails:" in result.stdout and "Passes:" in result.stdout
