"""The command line: exit statuses, formats, options, and golden outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import GOLDEN, ROOT, run_cli

GOLDEN_CASES = {
    "validate-quiz.txt": ("validate", "--format", "text", "specs/quiz.yaml"),
    "validate-quiz-stride3.txt": ("validate", "--format", "text", "tests/broken/NC101_quiz_stride3.yaml"),
    "validate-quiz-stride3.json": ("validate", "--format", "json", "tests/broken/NC101_quiz_stride3.yaml"),
    "validate-broken.txt": ("validate", "--format", "text", "tests/broken"),
    "summary-quiz.txt": ("summary", "specs/quiz.yaml"),
    "summary-resnet18.txt": ("summary", "specs/resnet18.yaml"),
    "summary-lenet5.json": ("summary", "--format", "json", "specs/lenet5.yaml"),
    "explain-NC101.txt": ("explain", "NC101"),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_output(name: str, update_golden: bool) -> None:
    result = run_cli(*GOLDEN_CASES[name])
    assert "Traceback" not in result.stderr
    golden = GOLDEN / name
    if update_golden:
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_exit_statuses(tmp_path: Path) -> None:
    assert run_cli("validate", "specs").returncode == 0
    assert run_cli("validate", "tests/broken/NC101_quiz_stride3.yaml").returncode == 1
    assert run_cli("validate", "tests/broken/NC203_maxpool_stride_gt_kernel.yaml").returncode == 0
    assert run_cli("validate", "--fail-on", "warning", "tests/broken/NC203_maxpool_stride_gt_kernel.yaml"
                   ).returncode == 1
    assert run_cli("validate", "specs/quiz.yaml", "tests/broken/NC001_tab_indentation.yaml").returncode == 1
    missing = run_cli("validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    assert run_cli("validate").returncode == 2
    assert run_cli("validate", "--bogus", "specs").returncode == 2
    assert run_cli("validate", "--format", "xml", "specs").returncode == 2
    assert run_cli("explain", "NC999").returncode == 2


def test_ignore_and_select_by_prefix() -> None:
    path = "tests/broken/NC101_quiz_stride3.yaml"
    assert run_cli("validate", "--ignore", "NC1", path).returncode == 0
    selected = run_cli("validate", "--format", "json", "--select", "NC105", "tests/broken")
    codes = {v["code"] for entry in json.loads(selected.stdout)["files"] for v in entry["violations"]}
    assert codes == {"NC105"}


def test_one_broken_file_does_not_hide_the_others() -> None:
    result = run_cli("validate", "--format", "json", "specs", "tests/broken")
    report = json.loads(result.stdout)
    by_path = {entry["path"]: entry for entry in report["files"]}
    for spec in (ROOT / "specs").glob("*.yaml"):
        assert by_path[f"specs/{spec.name}"]["ok"] is True
    assert all(not entry["ok"] for path, entry in by_path.items()
               if path.startswith("tests/broken/NC0") or path.startswith("tests/broken/NC1"))
    assert result.returncode == 1


def test_python_dash_m_and_the_console_script_agree() -> None:
    import shutil
    import subprocess

    script = shutil.which("netcheck")
    if script is None:
        pytest.skip("the console script is not installed")
    via_script = subprocess.run([script, "validate", "specs/quiz.yaml"], cwd=ROOT, capture_output=True, text=True)
    assert via_script.stdout == run_cli("validate", "specs/quiz.yaml").stdout


def test_no_colour_off_a_terminal_and_on_request() -> None:
    plain = run_cli("validate", "tests/broken/NC101_quiz_stride3.yaml")
    assert "\x1b[" not in plain.stdout
    coloured = run_cli("validate", "--color", "tests/broken/NC101_quiz_stride3.yaml")
    assert "\x1b[31merror\x1b[0m" in coloured.stdout


def test_schema_command_prints_json() -> None:
    schema = json.loads(run_cli("schema").stdout)
    assert schema["$schema"].endswith("2020-12/schema")
    assert "layers" in schema["properties"]


def test_auto_format_is_text_outside_github_actions() -> None:
    env = {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}
    result = run_cli("validate", "tests/broken/NC101_quiz_stride3.yaml", env=env)
    assert result.stdout.startswith("tests/broken/NC101_quiz_stride3.yaml:8:5: NC101 error conv1:")


FAST_ROAD_CASES = [
    ("validate", "specs/quiz.yaml"),
    ("validate", "--format", "json", "tests/broken/NC101_quiz_stride3.yaml"),
    ("validate", "--format=json", "--ignore", "NC1", "--ignore=NC2", "tests/broken"),
    ("validate", "-f", "text", "--select", "NC105", "--fail-on", "warning", "tests/broken", "specs"),
    ("validate", "--no-color", "--max-bytes", "100", "specs/quiz.yaml"),
    ("validate", "--color", "--max-nodes=50", "--max-depth", "3", "specs/lenet5.yaml"),
    ("validate", "--", "specs/quiz.yaml"),
    ("validate", "--format", "xml", "specs/quiz.yaml"),
    ("validate", "--fail-on", "never", "specs/quiz.yaml"),
    ("validate", "specs/missing.yaml"),
    ("validate", "--max-bytes", "9" * 40, "specs/quiz.yaml"),
    ("summary", "specs/lenet5.yaml"),
    ("summary", "--format", "json", "--no-color", "tests/broken/NC101_quiz_stride3.yaml"),
    ("summary", "-f", "xml", "specs/quiz.yaml"),
    ("summary", "--max-nodes", "5", "specs/quiz.yaml"),
    ("summary", "specs/lenet5.yaml", "specs/quiz.yaml"),
    ("summary", "--ignore", "NC203", "--select", "nc2", "specs/quiz.yaml"),
    ("validate", "--ignore", "NC999", "specs/quiz.yaml"),
    ("validate", "--select", "XY1", "specs/quiz.yaml"),
    ("validate", "--diff", "specs/quiz.yaml"),
    ("validate", "--fix", "--diff", "specs/quiz.yaml"),
    ("validate", "--no-fix", "specs/quiz.yaml"),
    ("sizes", "specs/quiz.yaml"),
    ("sizes", "-f", "json", "--max", "10", "tests/sizes/unet.yaml"),
]


def test_both_roads_know_every_option_of_the_table() -> None:
    """Each option in netcheck.options is a typer parameter with the same flags, and the quick road parses it."""
    import typer.main

    from netcheck import fastpath, options
    from netcheck.cli import app

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    for name, declared in options.COMMANDS.items():
        command = commands[name]
        flags = {flag for param in command.params for flag in [*param.opts, *param.secondary_opts]
                 if flag.startswith("-")}
        assert flags == {flag for option in declared for flag in (*option.flags, option.off) if flag}
        for option in declared:
            value = {"count": "7", "switch": None}.get(option.kind, "v")
            argv = [name, option.flags[0], *([value] if value else []), "x.yaml"]
            call = fastpath.parse(argv)
            assert call is not None, argv
            assert call[1][option.key] == {"count": 7, "switch": True, "codes": ["v"]}.get(option.kind, "v")


@pytest.mark.parametrize("args", FAST_ROAD_CASES, ids=" ".join)
def test_the_quick_road_and_typer_agree(args: tuple[str, ...]) -> None:
    import subprocess
    import sys

    from netcheck import fastpath

    assert fastpath.parse(list(args)) is not None
    quick = run_cli(*args)
    typer_road = subprocess.run([sys.executable, "-c", "import sys; from netcheck.cli import app; "
                                 "app(args=sys.argv[1:], prog_name='netcheck')", *args],
                                cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert (quick.returncode, quick.stdout, quick.stderr) == (typer_road.returncode, typer_road.stdout,
                                                              typer_road.stderr)


@pytest.mark.parametrize("args", [(), ("validate",), ("validate", "--help"), ("validate", "--bogus", "x"),
                                  ("validate", "--max-bytes", "0", "x"), ("validate", "--format"),
                                  ("validate", "-f=json", "x"), ("sizes", "a.yaml", "b.yaml"),
                                  ("validate", "--max-bytes", "²", "x"), ("validate", "--color=yes", "x"),
                                  ("explain", "NC101")])
def test_the_quick_road_declines_what_typer_must_answer(args: tuple[str, ...]) -> None:
    from netcheck import fastpath

    assert fastpath.parse(list(args)) is None


def _parser_stops_deep_nesting() -> bool:
    """True for PyYAML builds whose parser refuses nesting past ``PARSER_MAX_DEPTH`` by itself (6.0.4 on)."""
    import yaml

    from netcheck.results import PARSER_MAX_DEPTH

    depth = PARSER_MAX_DEPTH + 5
    try:
        list(yaml.parse("[" * depth + "]" * depth, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError:
        return True
    return False


@pytest.mark.parametrize("max_depth", [50, 5000])
def test_the_parsers_own_depth_limit_is_reported_as_the_depth_limit(max_depth: int, tmp_path: Path) -> None:
    from netcheck.results import PARSER_MAX_DEPTH

    depth = PARSER_MAX_DEPTH + 500
    deep = tmp_path / "deep.yaml"
    deep.write_text("name: d\ninput: 8x8x3\nlayers: []\nx-deep: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    result = run_cli("validate", "--max-depth", str(max_depth), str(deep))
    if max_depth < PARSER_MAX_DEPTH:
        assert f"NC001 error: nesting deeper than {max_depth} levels (raise the limit with --max-depth)" \
            in result.stdout
    elif _parser_stops_deep_nesting():
        assert f"NC001 error: nesting deeper than {PARSER_MAX_DEPTH} levels, the YAML parser's own limit " \
            f"(--max-depth {max_depth:,} cannot raise it)" in result.stdout
    else:
        assert "nesting" not in result.stdout  # an older parser: --max-depth alone decides
    assert "Traceback" not in result.stdout + result.stderr


def test_short_help_and_version() -> None:
    from netcheck import __version__

    for args in (("-h",), ("validate", "-h"), ("summary", "--help")):
        result = run_cli(*args)
        assert result.returncode == 0 and "Usage: netcheck" in result.stdout, args
        assert "<list" not in result.stdout and "[str]" not in result.stdout
    version = run_cli("--version")
    assert (version.returncode, version.stdout) == (0, f"netcheck {__version__}\n")


def test_validate_reads_standard_input_as_dash() -> None:
    import subprocess
    import sys

    text = (ROOT / "tests/broken/NC101_quiz_stride3.yaml").read_bytes()
    result = subprocess.run([sys.executable, "-m", "netcheck", "validate", "-"], input=text, cwd=ROOT,
                            capture_output=True, timeout=120)
    assert result.returncode == 1
    assert result.stdout.decode().startswith("<stdin>:") and b"NC101" in result.stdout
    clean = subprocess.run([sys.executable, "-m", "netcheck", "validate", "-", "-"], input=b"", cwd=ROOT,
                           capture_output=True, timeout=120)
    assert clean.returncode == 2 and b"once" in clean.stderr


@pytest.mark.parametrize("flag", ["--ignore", "--select"])
def test_unknown_codes_are_usage_errors(flag: str) -> None:
    result = run_cli("validate", flag, "NC9999", "specs/quiz.yaml")
    assert result.returncode == 2 and "unknown code 'NC9999'" in result.stderr


def test_summary_of_several_files() -> None:
    result = run_cli("summary", "specs/lenet5.yaml", "specs/quiz.yaml")
    assert result.returncode == 0
    assert "(specs/lenet5.yaml)" in result.stdout and "(specs/quiz.yaml)" in result.stdout
    both = json.loads(run_cli("summary", "-f", "json", "specs/lenet5.yaml", "specs/quiz.yaml").stdout)
    assert [Path(report["path"]).name for report in both["files"]] == ["lenet5.yaml", "quiz.yaml"]
