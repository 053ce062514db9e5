"""GitHub Actions annotations (``--format github``), one workflow command per violation.

    ::error file=specs/quiz.yaml,line=8,col=5,title=NC101::conv1: width (32 − 8 + 2·1)/3 + 1 = 9.67 ...

Spec text reaches the runner only escaped as GitHub's toolkit escapes it
(``@actions/core``): in the message ``%``, CR and LF become ``%25``, ``%0D``
and ``%0A``; in properties ``:`` and ``,`` also become ``%3A`` and ``%2C``.
Before that, control, escape and invisible characters are shown as ``\\uXXXX``
(as in the text format), so no layer name or message can end the line, start
a command of its own, or paint the log. Every line printed starts with ``::``
except the final tally, which holds only numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

from netcheck.report import Settings
from netcheck.report.safe import safe
from netcheck.report.text import tally
from netcheck.results import FileReport, Violation


def render(reports: list[FileReport], settings: Settings) -> str:
    """One annotation per violation of every file, then the tally (a plain log line)."""
    lines = [annotation(report.path, violation) for report in reports for violation in report.violations]
    lines.append(tally(reports))
    return "\n".join(lines) + "\n"


def annotation(path: str, violation: Violation) -> str:
    """The ``::error``/``::warning`` command of one violation; the uses that led there and the fixes follow."""
    properties = [("file", display_path(path))]
    if violation.line > 0:
        properties.append(("line", str(violation.line)))
        if violation.column > 0:
            properties.append(("col", str(violation.column)))
    properties.append(("title", violation.code))
    head = f"{safe(violation.layer)}: " if violation.layer else ""
    uses = [f"in {safe(hop.layer)} (line {hop.line})" for hop in violation.via]
    message = "\n".join([head + safe(violation.message), *uses,
                         *(f"fix: {safe(fix.message)}" for fix in violation.fixes)])
    rendered = ",".join(f"{name}={escape_property(value)}" for name, value in properties)
    return f"::{violation.severity} {rendered}::{escape_data(message)}"


def display_path(path: str, base: str | None = None) -> str:
    """The path relative to ``base`` (the working directory, where GitHub checks out) when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(os.path.abspath(base if base is not None else os.getcwd()))
    except ValueError:
        return safe(path)
    return safe(relative.as_posix())


def escape_data(text: str) -> str:
    """A command's message, escaped as ``escapeData`` in GitHub's toolkit."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value, escaped as ``escapeProperty`` in GitHub's toolkit."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
