"""What each command does, as functions that return text and an exit status.

The CLI only parses options and calls these; tests and other tools can call
them directly.
"""

from __future__ import annotations

import errno
import io
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TextIO

from netcheck import options
from netcheck.checker import check_path
from netcheck.files import UsageError, expand
from netcheck.results import FileReport, Options

if TYPE_CHECKING:
    from netcheck.config import Config

OK, FAILED, USAGE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Outcome:
    """A command's output (text, or pieces of text written as they come), its errors, its exit status."""

    text: str | Iterable[str]
    status: int
    error_text: str = ""
    error_first: bool = False  # write the error text before the output (what --fix did, then what is left)

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
        if self.error_first and self.error_text:
            err.write(self.error_text.rstrip("\n") + "\n")
            err.flush()
        for piece in [self.text] if isinstance(self.text, str) else self.text:
            out.write(piece)
        if self.error_text and not self.error_first:
            err.write(self.error_text.rstrip("\n") + "\n")

    def deliver(self) -> int:
        """Write to the process's stdout and stderr; the exit status (1 if the output could not be written).

        A closed pipe (``netcheck validate specs/ | head -1``) ends quietly; a
        full disk or closed stdout is said on stderr. Never a traceback.
        """
        out, err = sys.stdout, sys.stderr
        try:
            if out is None:
                raise OSError(errno.EBADF, "standard output is closed")
            self.write(out, err if err is not None else io.StringIO())
            out.flush()
        except BrokenPipeError:
            _silence_stdout()
            return self.status or FAILED
        except OSError as error:
            _silence_stdout()
            if err is not None:
                err.write(f"netcheck: cannot write the output: {error.strerror or error}\n")
            return self.status or FAILED
        return self.status


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's final flush cannot fail again."""
    try:
        descriptor = os.open(os.devnull, os.O_WRONLY)
        if sys.stdout is not None:
            os.dup2(descriptor, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.stdout = None


def exit_status(reports: list[FileReport], fail_on: str) -> int:
    """1 when any file has an error (or a warning, with ``fail_on='warning'``), else 0."""
    if any(not report.ok for report in reports):
        return FAILED
    if fail_on == "warning" and any(report.warnings for report in reports):
        return FAILED
    return OK


def run(command: str, values: dict[str, Any], out: TextIO | None) -> Outcome:
    """Run ``validate`` or ``summary`` with parsed option values (``netcheck.options``), writing to ``out``.

    The configuration (``[tool.netcheck]``, FORMAT.md §10) is found from the
    current directory; a mistake in it or in the options is a usage error.
    """
    from netcheck import config

    try:
        found = config.discover()
        values = options.resolved(command, values, found)
    except UsageError as error:
        return Outcome("", USAGE, f"netcheck: {error}")
    checker_options = options.checker_options(values)
    color = options.use_color(values.get("color"), out)
    if command == "summary":
        return summary(values["paths"], values["fmt"], checker_options, color, values.get("depth"), found)
    if values.get("diff") and not values.get("fix"):
        return Outcome("", USAGE, "netcheck: --diff goes with --fix (it prints the fixes --fix would make)")
    if values.get("fix"):
        from netcheck.autofix import fix_files

        return fix_files(values["paths"], values["fmt"], checker_options, values["fail_on"], color,
                         bool(values.get("diff")), found)
    return validate(values["paths"], values["fmt"], checker_options, values["fail_on"], color, found)


def checked(files: list[str], options: Options, config: Config | None = None) -> list[FileReport]:
    """The report of each file, each with the ``per-file-ignores`` that apply to it added to ``options``."""
    reports = []
    for path in files:
        extra = config.ignores_for(path) if config is not None else ()
        reports.append(check_path(path, replace(options, ignore=options.ignore + extra) if extra else options))
    return reports


def validate(paths: list[str], fmt: str, options: Options, fail_on: str = "error", color: bool = False,
             config: Config | None = None) -> Outcome:
    """Check every file named (directories walked; ``-`` is standard input) and render the chosen format."""
    from netcheck.report import Settings, needs_extents, renderer, unknown

    if unknown(fmt):
        return Outcome("", USAGE, str(unknown(fmt)))
    if fail_on not in ("error", "warning"):
        return Outcome("", USAGE, f"--fail-on takes error or warning, not {fail_on!r}")
    try:
        files = expand(paths)
    except UsageError as error:
        return Outcome("", USAGE, f"netcheck: {error}")
    if needs_extents(fmt):
        options = replace(options, extents=True)
    reports = checked(files, options, config)
    return Outcome(renderer(fmt)(reports, Settings(color=color)), exit_status(reports, fail_on))


def summary(paths: str | list[str], fmt: str, options: Options, color: bool = False, depth: int | None = None,
            config: Config | None = None) -> Outcome:
    """The per-layer table of each file, then its violations."""
    from netcheck.report import SUMMARY_FORMATS, Settings, renderer, unknown

    problem = unknown(fmt, SUMMARY_FORMATS, "summary")
    if problem:
        return Outcome("", USAGE, problem)
    try:
        files = expand([paths] if isinstance(paths, str) else paths)
    except UsageError as error:
        return Outcome("", USAGE, f"netcheck: {error}")
    reports = checked(files, options, config)
    settings = Settings(color=color, depth=depth)
    return Outcome(renderer(fmt, SUMMARY_FORMATS)(reports, settings), exit_status(reports, "error"))


def explain(code: str) -> Outcome:
    """The documentation of a violation code."""
    from netcheck import rules

    try:
        rule = rules.rule(code)
    except KeyError:
        return Outcome("", USAGE, f"netcheck: unknown code {code!r}; codes: {', '.join(rules.CODES)}")
    return Outcome(f"{rule.code} ({rule.name}, {rule.severity})\n\n{rule.doc}\n", OK)


def version() -> Outcome:
    """``netcheck --version``: the program and its version, as ruff and flake8 print theirs."""
    from netcheck import __version__

    return Outcome(f"netcheck {__version__}\n", OK)


def schema() -> Outcome:
    """The JSON Schema of the format."""
    from netcheck.schema import text

    return Outcome(text(), OK)


def import_torch(target: str, input_shape: str, output: str | None, blocks: bool = True) -> Outcome:
    """A spec for the PyTorch model ``package.module:factory`` (needs the ``cnn-netcheck[torch]`` extra)."""
    try:
        from netcheck.torch import import_command
    except ImportError as error:
        return Outcome("", USAGE, f"netcheck: import-torch needs PyTorch: pip install 'cnn-netcheck[torch]' ({error})")
    text, status, error_text = import_command(target, input_shape, output, blocks)
    return Outcome(text, status, error_text)
