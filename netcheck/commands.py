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
    if command == "sizes":
        return sizes(values["paths"], values["fmt"], values["max_size"], checker_options)
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


def sizes(paths: str | list[str], fmt: str, max_size: int, options: Options) -> Outcome:
    """``netcheck sizes FILE``: the input sizes under which the network is valid (FORMAT.md §9).

    Exit 0 when the declared input is valid on both axes, 1 when it is not or
    the file cannot be solved (its errors are printed as ``validate`` prints
    them), 2 for a usage error.
    """
    from netcheck import sizes as solver
    from netcheck.report import Settings
    from netcheck.report.text import render as text_report

    if fmt not in ("text", "json"):
        return Outcome("", USAGE, f"netcheck: sizes --format is text or json, not {fmt!r}")
    paths = [paths] if isinstance(paths, str) else paths
    try:
        files = expand(paths)
    except UsageError as error:
        return Outcome("", USAGE, f"netcheck: {error}")
    if len(files) != 1 or files != paths:
        return Outcome("", USAGE, "netcheck: sizes answers for one spec file at a time")
    report = check_path(files[0], replace(options, fixes=False))
    try:
        result = solver.sizes_of_report(report, max_size)
    except (solver.Unsolvable, solver.SolverError) as error:
        return Outcome("", FAILED, f"netcheck: {report.path}: the sizes cannot be solved exactly: {error}")
    except Exception as error:  # never a traceback, whatever the file
        return Outcome("", FAILED, f"netcheck: {report.path}: the sizes solver failed ({type(error).__name__}: "
                                   f"{error}); this is a netcheck bug, please report it")
    if isinstance(result, list):
        report.violations = result
        return Outcome("", FAILED, "".join(text_report([report], Settings())))
    if fmt == "json":
        import json

        return Outcome(json.dumps(solver.to_json(result), ensure_ascii=False) + "\n", solver.exit_status(result))
    return Outcome(solver.to_text(result) + "\n", solver.exit_status(result))


def explain(code: str) -> Outcome:
    """The documentation of a violation code, or of a layer type (its fields, arithmetic and codes)."""
    from netcheck import rules

    kind = code.strip().lower()
    if not kind.startswith("nc"):  # a layer type: the models are needed (a code is explained without them)
        from netcheck.layerdocs import describe
        from netcheck.spec import LAYER_TYPES

        if kind in LAYER_TYPES:
            return Outcome(describe(kind), OK)
    try:
        rule = rules.rule(code)
    except KeyError:
        return Outcome("", USAGE, f"netcheck: unknown code or layer type {code!r}; codes: {', '.join(rules.CODES)}; "
                                  "or a layer type such as conv2d (docs/format.md lists them)")
    return Outcome(f"{rule.code} ({rule.name}, {rule.severity})\n\n{rule.doc}\n", OK)


def version() -> Outcome:
    """``netcheck --version``: the program and its version, as ruff and flake8 print theirs."""
    from netcheck import __version__

    return Outcome(f"netcheck {__version__}\n", OK)


def schema() -> Outcome:
    """The JSON Schema of the format."""
    from netcheck.schema import text

    return Outcome(text(), OK)


def render(path: str, output: str) -> Outcome:
    """``netcheck render FILE -o OUT.svg|OUT.html``: draw the network; exit 1 only when there is nothing to draw.

    The format comes from the output's suffix. A network with errors is drawn
    with them marked; a file with no layer that can be read (NC001, or an
    NC002 in its input) is reported as ``validate`` reports it, on stderr,
    and nothing is written.
    """
    suffix = os.path.splitext(output)[1].lower()
    if suffix not in (".svg", ".html", ".htm"):
        return Outcome("", USAGE, f"netcheck: render writes .svg or .html (chosen by the suffix of -o), not {output!r}")
    report = _report_to_draw(path)
    if isinstance(report, Outcome):
        return report
    from netcheck.render import html_page, svg_document

    document = svg_document(report) if suffix == ".svg" else html_page(report)
    try:
        with open(output, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(document)
    except OSError as error:
        return Outcome("", FAILED, f"netcheck: cannot write {output}: {error.strerror or error}")
    counts = ", ".join(f"{count} {word}" + "s" * (count != 1) for count, word in
                       ((report.errors, "error"), (report.warnings, "warning")))
    layers = len(report.rows)
    return Outcome(f"netcheck: wrote {output} ({layers} layer{'s' * (layers != 1)}; {counts})\n", OK)


def _report_to_draw(path: str) -> FileReport | Outcome:
    """The report of the one file ``render`` draws (configuration applied), or the outcome when there is none."""
    from netcheck import config
    from netcheck.report import Settings
    from netcheck.report.text import render as text_report

    try:
        found = config.discover()
        values = options.resolved("summary", {**options.defaults("summary"), "paths": [path]}, found)
        files = expand([path])
        if files != [path]:
            raise UsageError(f"render draws one spec file, not a directory: {path}")
    except UsageError as error:
        return Outcome("", USAGE, f"netcheck: {error}")
    report = checked(files, options.checker_options(values), found)[0]
    if not report.rows:
        return Outcome("", FAILED, text_report([report], Settings()))
    return report


def import_torch(target: str, input_shape: str, output: str | None, blocks: bool = True) -> Outcome:
    """A spec for the PyTorch model ``package.module:factory`` (needs the ``cnn-netcheck[torch]`` extra)."""
    try:
        from netcheck.torch import import_command
    except ImportError as error:
        return Outcome("", USAGE, f"netcheck: import-torch needs PyTorch: pip install 'cnn-netcheck[torch]' ({error})")
    text, status, error_text = import_command(target, input_shape, output, blocks)
    return Outcome(text, status, error_text)
