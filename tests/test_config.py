"""``[tool.netcheck]`` in ``pyproject.toml`` (FORMAT.md §10): discovery, precedence, per-file ignores, mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netcheck import config
from netcheck.options import UsageError
from tests.conftest import run_cli

STRIDED_SHORTCUT = """\
name: shortcut
input: 57x57x64
layers:
  - name: shortcut
    type: conv2d
    filters: 128
    kernel: 1
    stride: 2
"""
"""NC203 (a 1x1 kernel with stride 2 skips inputs) and nothing else."""


def _project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.netcheck]\n{table}\n")
    specs = tmp_path / "specs"
    (specs / "legacy").mkdir(parents=True)
    (specs / "shortcut.yaml").write_text(STRIDED_SHORTCUT)
    (specs / "legacy" / "shortcut.yaml").write_text(STRIDED_SHORTCUT)
    return tmp_path


def _codes(result_stdout: str) -> list[tuple[str, str]]:
    return [(Path(report["path"]).as_posix(), violation["code"])
            for report in json.loads(result_stdout)["files"] for violation in report["violations"]]


def test_the_shortcut_warns_without_configuration(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(STRIDED_SHORTCUT)
    result = run_cli("validate", "--format", "json", "a.yaml", cwd=tmp_path)
    assert _codes(result.stdout) == [("a.yaml", "NC203")], result.stderr
    assert result.returncode == 0


def test_configuration_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    project = _project(tmp_path, 'ignore = ["NC203"]')
    result = run_cli("validate", "--format", "json", "shortcut.yaml", cwd=project / "specs")
    assert (result.returncode, _codes(result.stdout)) == (0, []), result.stderr


def test_the_nearest_table_wins_and_a_pyproject_without_one_is_passed_over(tmp_path: Path) -> None:
    project = _project(tmp_path, 'ignore = ["NC203"]')
    (project / "specs" / "pyproject.toml").write_text("[project]\nname = 'inner'\n")
    assert config.find(project / "specs" / "legacy") == project / "pyproject.toml"
    (project / "specs" / "legacy" / "pyproject.toml").write_text("[tool.netcheck]\nfail-on = 'warning'\n")
    assert config.find(project / "specs" / "legacy") == project / "specs" / "legacy" / "pyproject.toml"
    result = run_cli("validate", "shortcut.yaml", cwd=project / "specs" / "legacy")
    assert result.returncode == 1 and "NC203" in result.stdout  # the inner table has no ignore


def test_fail_on_from_the_file_and_the_command_line_wins(tmp_path: Path) -> None:
    project = _project(tmp_path, 'fail-on = "warning"')
    assert run_cli("validate", "specs/shortcut.yaml", cwd=project).returncode == 1
    assert run_cli("validate", "--fail-on", "error", "specs/shortcut.yaml", cwd=project).returncode == 0


def test_select_on_the_command_line_replaces_the_configured_one(tmp_path: Path) -> None:
    project = _project(tmp_path, 'select = ["NC1"]')
    assert _codes(run_cli("validate", "-f", "json", "specs/shortcut.yaml", cwd=project).stdout) == []
    result = run_cli("validate", "-f", "json", "--select", "NC2", "specs/shortcut.yaml", cwd=project)
    assert _codes(result.stdout) == [("specs/shortcut.yaml", "NC203")]


def test_ignore_on_the_command_line_adds_to_the_configured_one(tmp_path: Path) -> None:
    project = _project(tmp_path, 'ignore = ["NC101"]')
    options = config.discover(project)
    assert options.values["ignore"] == ["NC101"]
    result = run_cli("validate", "-f", "json", "--ignore", "NC203", "specs/shortcut.yaml", cwd=project)
    assert _codes(result.stdout) == []
    assert _codes(run_cli("validate", "-f", "json", "specs/shortcut.yaml", cwd=project).stdout) != []


def test_per_file_ignores_are_relative_to_the_configuration(tmp_path: Path) -> None:
    project = _project(tmp_path, 'per-file-ignores = { "specs/legacy/*.yaml" = ["NC203"] }')
    for cwd, prefix in ((project, "specs/"), (project / "specs", "")):
        result = run_cli("validate", "-f", "json", f"{prefix}shortcut.yaml", f"{prefix}legacy/shortcut.yaml", cwd=cwd)
        assert _codes(result.stdout) == [(f"{prefix}shortcut.yaml", "NC203")], (cwd, result.stdout)


def test_a_glob_without_a_slash_matches_the_file_name_anywhere(tmp_path: Path) -> None:
    project = _project(tmp_path, 'per-file-ignores = { "shortcut.yaml" = ["NC2"] }')
    assert _codes(run_cli("validate", "-f", "json", "specs", cwd=project).stdout) == []


def test_summary_reads_the_configuration_too(tmp_path: Path) -> None:
    project = _project(tmp_path, 'ignore = ["NC203"]')
    result = run_cli("summary", "specs/shortcut.yaml", cwd=project)
    assert result.returncode == 0 and "NC203" not in result.stdout + result.stderr


@pytest.mark.parametrize(("table", "message"), [
    ('ignroe = ["NC203"]', "did you mean 'ignore'"),
    ('ignore = ["NC999"]', "unknown code 'NC999'"),
    ('ignore = "NC203"', "must be a list of codes"),
    ('fail-on = "sometimes"', "fail-on"),
    ("max-nodes = 0", "max-nodes"),
    ("max-nodes = true", "max-nodes must be a whole number ≥ 1, not true"),
    ('per-file-ignores = { "x/*.yaml" = "NC2" }', "must be a list of codes"),
    ("per-file-ignores = 3", "per-file-ignores"),
    ("= broken toml", "not valid TOML"),
])
def test_a_mistake_in_the_configuration_is_a_usage_error(tmp_path: Path, table: str, message: str) -> None:
    project = _project(tmp_path, table)
    result = run_cli("validate", "specs/shortcut.yaml", cwd=project)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "pyproject.toml" in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(UsageError):
        config.discover(project)

