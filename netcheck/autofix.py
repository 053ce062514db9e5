"""``netcheck validate --fix [--diff]``: apply the computed fixes to the files themselves (FORMAT.md §9).

One fix at a time: check the text, take the first error (in file order) that
has a fix with a text form, apply that fix — its first one that can be
written as text (``netcheck.textedit``: only the values it sets change, or,
for a misspelt key, only the key's characters; the edited text is parsed
again and must hold exactly the fixed data) — and check again. A violation
is tried once, so a fix made stale by an earlier one is simply not found
again, and the loop ends. Warnings are not fixed: they
are often intended (ResNet's 1×1 stride-2 shortcuts); errors are not. Only
errors the first check reported are fixed: one that appears only once a fix
is in (a misspelt key renamed lets the network be run, and it may then have an
NC101) is reported, not fixed in the same run — its fixes are choices nobody
has seen yet.

A file is written only when its text changed, through a temporary file in
its folder renamed over it (its permissions kept, a symbolic link's target
written), so an interrupted run never leaves half a spec. A UTF-8
byte-order mark and the file's line endings are kept: every byte outside the
edited values (and renamed keys) stays as it was. ``--diff`` writes nothing
and prints a unified diff instead. Standard input (``-``) is never written back: its fixed
text goes to standard output (as ruff does), the report to standard error.
"""

from __future__ import annotations

import difflib
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from netcheck.checker import check_text
from netcheck.files import STDIN, STDIN_NAME, UsageError, expand
from netcheck.results import FileReport, Fix, Options, Violation

if TYPE_CHECKING:
    from netcheck.commands import Outcome
    from netcheck.config import Config
    from netcheck.textedit import TextEdit

BOM = b"\xef\xbb\xbf"


@dataclass(slots=True)
class Fixed:
    """One file's fixing: its text before and after, the fixes applied (with the violation each fixed), the report."""

    path: str
    before: str
    after: str
    report: FileReport
    applied: list[tuple[Violation, Fix]] = field(default_factory=list)
    bom: bool = False
    problem: str = ""  # why the file could not be read or written, if it could not

    @property
    def changed(self) -> bool:
        """True when a fix changed the text."""
        return self.after != self.before


def fix_text(text: str, path: str = "<text>", options: Options = Options()) -> Fixed:
    """Apply the first fix of every fixable error of ``text``, one at a time, checking again after each."""
    options = replace(options, extents=True)
    fixed = Fixed(path, text, text, check_text(text, path, options))
    tried: set[tuple[object, ...]] = set()
    shown = {_shown_key(violation) for violation in fixed.report.violations if violation.is_error}
    while True:
        step = _next_fix(fixed.report, tried, shown)
        if step is None:
            return fixed
        violation, fix, text_edits = step
        fixed.after = _edited(fixed.after, text_edits)
        fixed.applied.append((violation, fix))
        fixed.report = check_text(fixed.after, path, options)


def _shown_key(violation: Violation) -> tuple[object, ...]:
    """What identifies an error across fixes: code, layer, and the path below the layer (an insert shifts indexes)."""
    path = violation.path
    return (violation.code, violation.layer, path[2:] if len(path) >= 2 and path[0] == "layers" else path)


def _next_fix(report: FileReport, tried: set[tuple[object, ...]],
              shown: set[tuple[object, ...]]) -> tuple[Violation, Fix, list[TextEdit]] | None:
    """The first untried error of those first ``shown`` with a fix that has a text form, that fix and its text edits."""
    from netcheck.textedit import SourceTree

    tree = SourceTree.of_document(report.source) if report.source is not None else None
    if tree is None:
        return None
    for violation in report.violations:
        key = (violation.code, violation.layer, violation.path, violation.message)
        if not violation.is_error or not violation.fixes or key in tried or _shown_key(violation) not in shown:
            continue
        tried.add(key)
        for fix in violation.fixes:
            text_edits = tree.text_edits(fix.edits)
            if text_edits:
                return violation, fix, text_edits
    return None


def _edited(text: str, text_edits: list[TextEdit]) -> str:
    """``text`` with the edits (0-based line and column spans, none overlapping) applied."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))

    def offset(position: tuple[int, int]) -> int:
        return starts[min(position[0], len(starts) - 1)] + position[1]

    for edit in sorted(text_edits, key=lambda edit: edit.start, reverse=True):
        text = text[:offset(edit.start)] + edit.text + text[offset(edit.end):]
    return text


def fix_file(path: str, options: Options = Options()) -> Fixed:
    """Read ``path`` (``-``: standard input) and fix its text; nothing is written (see ``write``)."""
    from netcheck import source

    try:
        if path == STDIN:
            stream = getattr(sys.stdin, "buffer", None)
            raw = source.read_stream_bytes(stream, options.limits.max_bytes) if stream is not None else b""
        else:
            raw = source.read_bytes(path, options.limits.max_bytes)
        text = source.decode(raw)
    except (source.SourceError, OSError):
        report = check_text("", path, options) if path == STDIN else _checked_file(path, options)
        return Fixed(STDIN_NAME if path == STDIN else path, "", "", report)
    fixed = fix_text(text, STDIN_NAME if path == STDIN else path, options)
    fixed.bom = raw.startswith(BOM)
    return fixed


def _checked_file(path: str, options: Options) -> FileReport:
    from netcheck.checker import check_path

    return check_path(path, options)


def write(fixed: Fixed, path: str) -> str:
    """Write the fixed text over ``path`` atomically; '' on success, else why it could not be written."""
    target = os.path.realpath(path)
    data = (BOM if fixed.bom else b"") + fixed.after.encode("utf-8")
    folder = os.path.dirname(target) or "."
    try:
        mode = os.stat(target).st_mode & 0o7777
        descriptor, temporary = tempfile.mkstemp(prefix=".netcheck-", dir=folder)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError as error:
        return f"cannot write {path}: {error.strerror or error}"
    return ""


def unified_diff(fixed: Fixed) -> str:
    """The fix as a unified diff (``--- a/PATH``, ``+++ b/PATH``), '' when nothing changed."""
    if not fixed.changed:
        return ""
    name = fixed.path.lstrip("/")
    lines = difflib.unified_diff(_lines(fixed.before), _lines(fixed.after), f"a/{name}", f"b/{name}")
    return "".join(lines)


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += "\n\\ No newline at end of file\n"
    return lines


def fix_files(paths: list[str], fmt: str, options: Options, fail_on: str, color: bool, diff: bool,
              config: Config | None = None) -> Outcome:
    """``validate --fix``: fix every file named, write (or, with ``diff``, print) the changes, report what is left."""
    from netcheck.commands import USAGE, Outcome, exit_status
    from netcheck.report import Settings, renderer, unknown

    if unknown(fmt):
        return Outcome("", USAGE, str(unknown(fmt)))
    if diff and fmt not in ("auto", "text"):
        return Outcome("", USAGE, f"netcheck: --diff prints a unified diff; it does not combine with --format {fmt}")
    try:
        files = expand(paths)
    except UsageError as error:
        return Outcome("", USAGE, f"netcheck: {error}")
    results = []
    for path in files:
        extra = config.ignores_for(path) if config is not None else ()
        fixed = fix_file(path, replace(options, ignore=options.ignore + extra) if extra else options)
        if fixed.changed and not diff and path != STDIN:
            fixed.problem = write(fixed, path)
        results.append(fixed)
    reports = [fixed.report for fixed in results]
    status = exit_status(reports, fail_on) or (1 if any(fixed.problem for fixed in results) else 0)
    notes = "".join(_notes(fixed, "would fix" if diff else "fixed") for fixed in results) + _tally(results, diff)
    stdin = next((fixed for fixed in results if fixed.path == STDIN_NAME), None)
    if diff:  # as ruff's --diff: the files as they stand still have the errors the diff would fix
        status = max(status, 1 if any(fixed.changed for fixed in results) else 0)
        left = _text(renderer("text")(reports, Settings())) if any(report.violations for report in reports) else ""
        return Outcome("".join(unified_diff(fixed) for fixed in results), status, notes + left)
    report = renderer(fmt)(reports, Settings(color=color))
    if stdin is not None:
        return Outcome(stdin.after, status, notes + _text(report))
    return Outcome(report, status, notes, error_first=True)


def _text(output: str | Iterable[str]) -> str:
    return output if isinstance(output, str) else "".join(output)


def _notes(fixed: Fixed, verb: str) -> str:
    lines = [f"{fixed.path}:{violation.line}:{violation.column}: {verb} {violation.code} {violation.layer or ''}"
             f"{':' if violation.layer else ''} {fix.message}".replace("  ", " ") for violation, fix in fixed.applied]
    if fixed.problem:
        lines.append(f"netcheck: {fixed.problem}")
    return "".join(f"{line}\n" for line in lines)


def _tally(results: list[Fixed], diff: bool) -> str:
    count = sum(len(fixed.applied) for fixed in results)
    files = sum(1 for fixed in results if fixed.changed)
    verb = "would fix" if diff else "fixed"
    return f"{verb} {count} error{'' if count == 1 else 's'} in {files} file{'' if files == 1 else 's'}\n"
