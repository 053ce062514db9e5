"""Inline suppressions: ``# netcheck: ignore[NC203]`` and ``# netcheck: ignore`` (FORMAT.md §10).

A suppression comment silences the codes it names (all codes, without a
list) for violations that point at its line, or whose layer's first key is on
its line; a violation found through a use of a block also counts the lines of
the uses that led to it, and one inside a block's definition points into the
block, so a comment there applies to every use. Codes are matched as
``--ignore`` matches them (``NC2`` is every NC2xx).

A suppression that silences nothing, or a code in it that silences nothing,
is the warning NC206 at the comment. It is reported only when the whole file
was checked (no NC001–NC004 error: a layer that was not checked cannot show
what its comment would have silenced), and a code the run does not report
anyway (``--ignore``, ``--select``, the configuration) is never called unused.

The comment is found in the text, as flake8 finds ``# noqa``: a ``#`` at the
start of a line or after a space, then ``netcheck: ignore`` (any case). A
``#`` inside a quoted or block scalar that looks like one is taken as one too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from netcheck.results import DocPath, Violation, code_matches

_COMMENT = re.compile(r"(?:^|(?<=\s))#\s*netcheck\s*:\s*ignore\b(?P<list>\[(?P<codes>[^\]\n]*)\]?)?", re.I | re.M)
_CODE = re.compile(r"NC\d{0,3}\Z")
#: Codes whose presence means the file was not checked whole (so an unused suppression cannot be told).
_INCOMPLETE = ("NC001", "NC002", "NC003", "NC004")


@dataclass(frozen=True, slots=True)
class Suppression:
    """One comment: its 1-based line and column, the codes it names (empty: every code), what it says."""

    line: int
    column: int
    codes: tuple[str, ...]
    text: str
    malformed: str = ""  # why the list cannot be read, if it cannot
    misspelt: tuple[str, ...] = ()  # entries of a list that are not codes, beside codes that are (kept)

    def silences(self, code: str) -> bool:
        """True when this comment silences ``code``."""
        return not self.codes or code_matches(code, self.codes)


def comments(text: str) -> list[Suppression]:
    """Every suppression comment in ``text``, in order."""
    found = []
    line, counted = 1, 0  # lines are counted from the previous comment on: linear in the text
    for match in _COMMENT.finditer(text):
        line += text.count("\n", counted, match.start())
        counted = match.start()
        column = match.start() - (text.rfind("\n", 0, match.start()) + 1) + 1
        found.append(_suppression(match, line, column))
    return found


def _suppression(match: re.Match[str], line: int, column: int) -> Suppression:
    shown = match.group(0).rstrip()
    if match.group("list") is None:
        return Suppression(line, column, (), shown)
    if not match.group("list").endswith("]"):
        return Suppression(line, column, (), shown, "its list of codes has no closing ]")
    codes = tuple(part.strip().upper() for part in (match.group("codes") or "").split(",") if part.strip())
    bad = tuple(code for code in codes if not _CODE.match(code))
    good = tuple(code for code in codes if _CODE.match(code))
    if not good:
        why = f"{bad[0]!r} is not a code" if bad else "its list of codes is empty (write ignore, or ignore[NC203])"
        return Suppression(line, column, (), shown, why)
    return Suppression(line, column, good, shown, misspelt=bad)


Lines = Callable[[DocPath], int]


def apply(violations: list[Violation], text: str, layer_line: Lines, wanted: Callable[[str], bool],
          known: tuple[str, ...], unchecked: frozenset[int] = frozenset()) -> list[Violation]:
    """The violations that no comment in ``text`` silences, and NC206 for each comment that silences nothing.

    ``layer_line(path)`` gives the line of the first key of the layer a
    document path is in (0 when it is in none); ``wanted(code)`` tells whether
    the run reports ``code`` at all; ``known`` is every code there is;
    ``unchecked`` are the lines of layers the engine could not compute, where
    no comment is called unused.
    """
    found = comments(text)
    if not found:
        return violations
    by_line: dict[int, list[Suppression]] = {}
    for suppression in found:
        by_line.setdefault(suppression.line, []).append(suppression)
    used: dict[Suppression, set[str]] = {suppression: set() for suppression in found}
    kept = []
    for violation in violations:
        silencing = [s for line in _lines(violation, layer_line) for s in by_line.get(line, ())
                     if not s.malformed and s.silences(violation.code)]
        for suppression in silencing:
            used[suppression].add(violation.code)
        if not silencing:
            kept.append(violation)
    if any(violation.code in _INCOMPLETE and violation.is_error for violation in violations):
        return kept
    return kept + [warning for s in found if s.line not in unchecked for warning in _unused(s, used[s], wanted, known)]


def _lines(violation: Violation, layer_line: Lines) -> set[int]:
    lines = {violation.line, *(via.line for via in violation.via)}
    first = layer_line(violation.path) if violation.path else 0
    if first:
        lines.add(first)
    lines.discard(0)
    return lines


def _unused(suppression: Suppression, used: set[str], wanted: Callable[[str], bool],
            known: tuple[str, ...]) -> list[Violation]:
    from netcheck.rules import nc206

    def warning(**facts: Any) -> Violation:
        message = nc206.message({"comment": suppression.text, **facts})
        return Violation(nc206.CODE, message, suppression.line, suppression.column, severity="warning")

    if suppression.malformed:
        return [warning(why=suppression.malformed)]
    if not suppression.codes:  # it could silence a code the run does not report: unused only if all are reported
        return [] if used or not all(wanted(code) for code in known) else [warning()]
    warnings = [warning(code=code, known=False) for code in suppression.misspelt]
    for code in suppression.codes:
        if not any(known_code.startswith(code) for known_code in known):
            warnings.append(warning(code=code, known=False))
        elif not any(code_matches(hit, (code,)) for hit in used) and _reported(code, wanted, known):
            warnings.append(warning(code=code))
    return warnings


def _reported(code: str, wanted: Callable[[str], bool], known: tuple[str, ...]) -> bool:
    """True when the run reports every code ``code`` names (so its absence is real)."""
    return all(wanted(known_code) for known_code in known if known_code.startswith(code))


def first_key_line(path: DocPath, start_of: Callable[[DocPath], tuple[int, int]]) -> int:
    """The line of the first key of the innermost layer on ``path`` (a ``layers`` item, in blocks too); 0 if none."""
    cut = 0
    for index in range(len(path) - 1):
        if path[index] == "layers" and isinstance(path[index + 1], int) and not isinstance(path[index + 1], bool):
            cut = index + 2
    return start_of(path[:cut])[0] if cut else 0

