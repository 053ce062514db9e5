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


def _stem(tmp_path: Path) -> None:
    """specs/stem.yaml as the README's suppression section has it, after the shortcut became 3x3."""
    shown = README.split("  - name: shortcut   # netcheck: ignore[NC203]", 1)[1].split("```", 1)[0]
    layer = "  - name: shortcut   # netcheck: ignore[NC203]" + shown
    head = ("name: resnet-stem\ninput: 57x57x64\nlayers:\n  - name: conv\n    type: conv2d\n    filters: 128\n"
            "    kernel: 3\n    stride: 2\n    padding: 1\n")
    tail = "  - name: add\n    type: add\n    inputs: [conv, shortcut]\n"
    (tmp_path / "specs").mkdir(exist_ok=True)
    (tmp_path / "specs" / "stem.yaml").write_text(head + layer + tail)
    assert run_cli("validate", "specs/stem.yaml", cwd=tmp_path).stdout == "0 errors, 0 warnings in 1 file\n"
    changed = head + layer.replace("kernel: 1\n", "kernel: 3\n    padding: 1\n") + tail
    (tmp_path / "specs" / "stem.yaml").write_text(changed)


def test_suppression_examples(tmp_path: Path) -> None:
    _stem(tmp_path)
    printed = run_cli("validate", "specs/stem.yaml", cwd=tmp_path).stdout
    assert printed == console_block("netcheck validate specs/stem.yaml")


def test_fix_and_diff_examples(tmp_path: Path) -> None:
    (tmp_path / "specs").mkdir()
    quiz = tmp_path / "specs" / "quiz.yaml"
    quiz.write_bytes((ROOT / "tests/broken/NC101_quiz_stride3.yaml").read_bytes())
    diff = run_cli("validate", "--fix", "--diff", "specs/quiz.yaml", cwd=tmp_path)
    assert diff.stdout + diff.stderr == console_block("netcheck validate --fix --diff specs/quiz.yaml")
    fixed = run_cli("validate", "--fix", "specs/quiz.yaml", cwd=tmp_path)
    assert fixed.stderr + fixed.stdout == console_block("netcheck validate --fix specs/quiz.yaml")


def test_sizes_example() -> None:
    shown = console_block("netcheck sizes tests/sizes/unet.yaml")
    assert run_cli("sizes", "tests/sizes/unet.yaml").stdout == shown
