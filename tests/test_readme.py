"""The README's console examples are what netcheck prints."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import ROOT, SPECS, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


def console_block(command: str) -> str:
    """The output the README shows under ``$ command``."""
    start = README.index(f"$ {command}\n") + len(f"$ {command}\n")
    return README[start:README.index("```", start)]


def test_summary_example() -> None:
    assert run_cli("summary", "specs/quiz.yaml").stdout == console_block("netcheck summary specs/quiz.yaml")


def test_block_summary_example() -> None:
    shown = console_block("netcheck summary --depth 1 specs/resnet18-blocks.yaml")
    printed = run_cli("summary", "--depth", "1", "specs/resnet18-blocks.yaml").stdout
    assert printed.startswith(shown)
    assert printed.count("\n") > shown.count("\n"), "the README shows the table; the warnings follow it"


def test_block_violation_example() -> None:
    shown = README.split("A violation inside a block points at", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    assert shown in run_cli("summary", "--depth", "1", "specs/resnet18-blocks.yaml").stdout


def test_violation_example(tmp_path: Path) -> None:
    quiz = (SPECS / "quiz.yaml").read_text(encoding="utf-8").replace("stride: 2 ", "stride: 3 ")
    (tmp_path / "quiz.yaml").write_text(quiz, encoding="utf-8")
    assert run_cli("validate", "quiz.yaml", cwd=tmp_path).stdout == console_block("netcheck validate quiz.yaml")


def test_the_first_screen_has_the_two_setup_commands() -> None:
    first = README.split("```", 2)[1]
    assert "pip install . && netcheck validate specs/" in first
    assert "pip install -e '.[test]' && python3 -m pytest -q" in first
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "python3 -m pip install -e '.[test]' && python3 -m pytest -q" in ci
