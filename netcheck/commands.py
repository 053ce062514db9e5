"""What each command does, as functions that return text and an exit status.

The CLI only parses options and calls these; tests and other tools can call
them directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from netcheck.checker import check_path
from netcheck.files import UsageError, expand
from netcheck.results import FileReport, Options

OK, FAILED, USAGE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Outcome:
    """A command's output (text, or pieces of text written as they come), its errors, its exit status."""

    text: str | Iterable[str]
    status: int
    error_text: str = ""

    @property
    def output(self) -> str:
        """The whole output as one string (for callers that want it in memory)."""
        return self.text if isinstance(self.text, str) else "".join(self.text)

    def write(self, out: TextIO, err: TextIO) -> None:
        """Write the output and the error text (characters the streams cannot encode are escaped)."""
        for stream in (out, err):
            reconfigure = getattr(stream, "reconfigure", None)
            if reconfigure is not None:
                reconfigure(errors="backslashreplace")
        for piece in [self.text] if isinstance(self.text, str) else self.text:
            out.write(piece)
        if self.error_text:
            err.write(self.error_text.rstrip("\n") + "\n")


def exit_status(reports: list[FileReport], fail_on: str) -> int:
    """1 when any file has an error (or a warning, with ``fail_on='warning'``), else 0."""
    if any(not report.ok for report in reports):
        return FAILED
    if fail_on == "warning" and any(report.warnings for report in reports):
        return FAILED
    return OK


def validate(paths: list[str], fmt: str, options: Options, fail_on: str = "error", color: bool = False) -> Outcome:
    """Check every file named (directories walked) and render the chosen format."""
    from netcheck.report import FORMATS, Settings, renderer, resolve

    if resolve(fmt) not in FORMATS:
        return Outcome("", USAGE, f"unknown format {fmt!r}; choose from {', '.join(['auto', *FORMATS])}")
    if fail_on not in ("error", "warning"):
        return Outcome("", USAGE, f"--fail-on takes error or warning, not {fail_on!r}")
    try:
        files = expand(paths)
    except UsageError as error:
        return Outcome("", USAGE, f"netcheck: {error}")
    reports = [check_path(path, options) for path in files]
    return Outcome(renderer(fmt)(reports, Settings(color=color)), exit_status(reports, fail_on))


def summary(path: str, fmt: str, options: Options, color: bool = False) -> Outcome:
    """The per-layer table of one file, then its violations."""
    from netcheck.report import Settings, renderer
    from netcheck.report.table import render_summary
    from netcheck.report.text import tally, violation_lines

    try:
        files = expand([path])
    except UsageError as error:
        return Outcome("", USAGE, f"netcheck: {error}")
    reports = [check_path(file, options) for file in files]
    if fmt == "json":
        return Outcome(renderer("json")(reports, Settings()), exit_status(reports, "error"))
    parts = []
    for report in reports:
        if report.rows:
            parts.append(render_summary(report))
        parts.extend(line + "\n" for violation in report.violations
                     for line in violation_lines(report.path, violation, color))
    parts.append(tally(reports) + "\n")
    return Outcome("".join(parts), exit_status(reports, "error"))


def explain(code: str) -> Outcome:
    """The documentation of a violation code."""
    from netcheck import rules

    try:
        rule = rules.rule(code)
    except KeyError:
        return Outcome("", USAGE, f"netcheck: unknown code {code!r}; codes: {', '.join(rules.CODES)}")
    return Outcome(f"{rule.code} ({rule.name}, {rule.severity})\n\n{rule.doc}\n", OK)


def schema() -> Outcome:
    """The JSON Schema of the format."""
    from netcheck.schema import text

    return Outcome(text(), OK)


def import_torch(target: str, input_shape: str, output: str | None) -> Outcome:
    """A spec for the PyTorch model ``package.module:factory`` (needs the ``netcheck[torch]`` extra)."""
    try:
        from netcheck.torch import import_command
    except ImportError as error:
        return Outcome("", USAGE, f"netcheck: import-torch needs PyTorch: pip install 'netcheck[torch]' ({error})")
    text, status, error_text = import_command(target, input_shape, output)
    return Outcome(text, status, error_text)
