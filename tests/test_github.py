"""``--format github``: workflow-command annotations that no spec text can forge or break.

The runner reads a line as a command when it starts with ``::``; properties end
at ``::`` and are split at ``,`` and ``=``; ``%25``, ``%0D``, ``%0A`` (and in
properties ``%3A``, ``%2C``) are decoded. The tests parse the output the same
way and check that each violation gives exactly one command, with the
properties and message it should have, whatever the spec contains.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from netcheck.checker import check_path
from netcheck.report import Settings
from netcheck.report.github import annotation, escape_data, escape_property, render
from netcheck.report.safe import safe
from netcheck.results import FileReport, Violation
from tests.conftest import BROKEN, ROOT, run_cli

COMMAND = re.compile(r"::(?P<kind>[a-z-]+)(?: (?P<properties>.*?))?::(?P<message>.*)")
PROPERTY_NAMES = {"file", "line", "col", "endLine", "endColumn", "title"}


def unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def unescape_property(text: str) -> str:
    return unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def commands_in(output: str) -> list[tuple[str, dict[str, str], str]]:
    """Parse output as the runner does: (kind, properties, message) of every command line."""
    found = []
    for line in re.split(r"\r\n|\r|\n", output):
        if not line.lstrip().startswith("::"):
            continue
        match = COMMAND.fullmatch(line.lstrip())
        assert match, f"a line starting with :: that is not a well-formed command: {line!r}"
        properties: dict[str, str] = {}
        for part in filter(None, (match["properties"] or "").split(",")):
            name, _, value = part.partition("=")
            assert name in PROPERTY_NAMES and name not in properties, f"forged property {part!r} in {line!r}"
            properties[name] = unescape_property(value)
        found.append((match["kind"], properties, unescape_data(match["message"])))
    return found


def github_env() -> dict[str, str]:
    return {**os.environ, "GITHUB_ACTIONS": "true"}


def plain_env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "GITHUB_ACTIONS"}


# --- the format --------------------------------------------------------------------------------------


def test_quiz_annotation() -> None:
    result = run_cli("validate", "--format", "github", "tests/broken/NC101_quiz_stride3.yaml")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "::error file=tests/broken/NC101_quiz_stride3.yaml,line=8,col=5,title=NC101::"
        "conv1: width (32 − 8 + 2·1)/3 + 1 = 9.67 is not a whole number%0Afix: padding 0 gives 9%0A"
        "fix: padding 3 gives 11"
    )
    assert lines[1:] == ["1 error, 0 warnings in 1 file (1 failed)"]


def test_warnings_are_warning_annotations() -> None:
    result = run_cli("validate", "--format", "github", "tests/broken/NC203_maxpool_stride_gt_kernel.yaml")
    assert result.returncode == 0
    (command,) = commands_in(result.stdout)
    assert command[0] == "warning"
    assert command[1]["title"] == "NC203"


def test_every_violation_of_the_broken_directory_is_one_annotation() -> None:
    result = run_cli("validate", "--format", "github", "tests/broken/")
    found = commands_in(result.stdout)
    expected = [(violation.severity, str(path.relative_to(ROOT)), violation.line, violation.column, violation.code)
                for path in sorted(BROKEN.rglob("*.y*ml")) for violation in check_path(str(path)).violations]
    parsed = [(kind, props["file"], int(props["line"]), int(props["col"]), props["title"])
              for kind, props, _ in found]
    assert sorted(parsed) == sorted(expected)
    assert result.stdout.splitlines()[-1].endswith("failed)")


def test_auto_is_github_under_github_actions() -> None:
    result = run_cli("validate", "tests/broken/NC101_quiz_stride3.yaml", env=github_env())
    assert result.stdout.startswith("::error file=tests/broken/NC101_quiz_stride3.yaml,line=8,col=5,title=NC101::")
    assert run_cli("validate", "--format", "auto", "tests/broken/NC101_quiz_stride3.yaml",
                   env=github_env()).stdout == result.stdout


def test_auto_is_text_elsewhere() -> None:
    result = run_cli("validate", "tests/broken/NC101_quiz_stride3.yaml", env=plain_env())
    assert result.stdout.startswith("tests/broken/NC101_quiz_stride3.yaml:8:5: NC101 error conv1:")
    false = {**plain_env(), "GITHUB_ACTIONS": "false"}
    assert run_cli("validate", "tests/broken/NC101_quiz_stride3.yaml", env=false).stdout == result.stdout


def test_explicit_format_wins_under_github_actions() -> None:
    result = run_cli("validate", "--format", "text", "tests/broken/NC101_quiz_stride3.yaml", env=github_env())
    assert not result.stdout.startswith("::")


# --- escaping ----------------------------------------------------------------------------------------


def test_escaping_is_the_toolkits() -> None:
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("100% a\r\nb: c, d") == "100%25 a%0D%0Ab%3A c%2C d"
    assert escape_data("%0A") == "%250A"
    assert unescape_property(escape_property("x,y:z%0A\n")) == "x,y:z%0A\n"


def test_violation_without_position_names_only_the_file() -> None:
    line = annotation("a.yaml", Violation("NC001", "gone", 0, 0))
    assert line == "::error file=a.yaml,title=NC001::gone"


HOSTILE_NAMES = [
    "a\n::error file=evil.py,line=1::forged",
    "b\r::warning::forged",
    "c%0A::error::forged",
    "d,line=999,title=NC000",
    "e::error file=x::y",
    "f\x1b[2K\x1b[1Ahidden",
    "g\u2028::error::forged",
]


def _spec_with_names(names: list[str]) -> str:
    quoted = [name.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
              .replace("\x1b", "\\e").replace("\u2028", "\\L") for name in names]
    layers = "".join(f'  - {{name: "{name}", type: conv2d, filters: 2, kernel: 7, stride: 3, inputs: input}}\n'
                     for name in quoted)
    return f"name: hostile\ninput: 32x32x3\nlayers:\n{layers}"


def test_hostile_layer_names_cannot_forge_annotations(tmp_path: Path) -> None:
    printable = [name for name in HOSTILE_NAMES if name == safe(name)]
    (tmp_path / "names.yaml").write_text(_spec_with_names(printable), encoding="utf-8")
    (tmp_path / "controls.yaml").write_text(_spec_with_names([n for n in HOSTILE_NAMES if n not in printable]),
                                            encoding="utf-8")
    result = run_cli("validate", "--format", "github", "names.yaml", "controls.yaml", cwd=tmp_path, env=github_env())
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\u2028\u2029]", result.stdout), "raw control characters"
    found = commands_in(result.stdout)
    names = check_path(str(tmp_path / "names.yaml")).violations
    controls = check_path(str(tmp_path / "controls.yaml")).violations
    assert len(found) == len(names) + len(controls)
    assert {props["file"] for _, props, _ in found} == {"names.yaml", "controls.yaml"}
    for (kind, props, message), violation in zip(found, [*names, *controls]):
        assert (kind, props["title"], int(props["line"])) == (violation.severity, violation.code, violation.line)
        assert set(props) == {"file", "line", "col", "title"}
        assert message.startswith(f"{violation.layer}: " if violation.layer else "")
    layers = {message.split(": ", 1)[0] for _, props, message in found if props["file"] == "names.yaml"}
    assert layers == set(printable), "the names are shown as they are, only escaped"


def test_hostile_file_names_stay_one_property(tmp_path: Path) -> None:
    odd = "x,line=1,title=NC000::forged%0A.yaml"
    (tmp_path / odd).write_text((BROKEN / "NC101_quiz_stride3.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = run_cli("validate", "--format", "github", ".", cwd=tmp_path)
    (command,) = commands_in(result.stdout)
    assert command[1] == {"file": odd, "line": "8", "col": "5", "title": "NC101"}


def test_render_of_a_report_ends_with_the_tally() -> None:
    report = FileReport("a.yaml", violations=[Violation("NC202", "p", 3, 5, "l", severity="warning")])
    assert render([report], Settings()) == "::warning file=a.yaml,line=3,col=5,title=NC202::l: p\n" \
        "0 errors, 1 warning in 1 file\n"


@pytest.mark.parametrize("path", sorted(BROKEN.glob("*.yaml")), ids=lambda path: path.name)
def test_every_broken_file_gives_well_formed_commands(path: Path) -> None:
    report = check_path(str(path))
    output = render([report], Settings())
    assert len(commands_in(output)) == len(report.violations)
