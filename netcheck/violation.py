"""The violation record: one problem found in one file, flake8-style.

This module is a leaf: it imports nothing from netcheck, so every other module
(source, spec, engine, reporters) can share the record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
PathPart = str | int
DocPath = tuple[PathPart, ...]


def severity_of(code: str) -> Severity:
    """The severity a code carries: NC0xx and NC1xx are errors, the rest warnings."""
    return "error" if code[:3] in ("NC0", "NC1") else "warning"


@dataclass(frozen=True, slots=True)
class Edit:
    """One value to set in the document: a path of keys and list indexes, and the value.

    ``insert`` edits put ``value`` into the list at ``path`` (the last part is the
    index) instead of replacing what is there.
    """

    path: DocPath
    value: Any
    insert: bool = False


@dataclass(frozen=True, slots=True)
class Fix:
    """A computed fix: what it does, in words, and the edits that do it."""

    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Violation:
    """A problem in a spec, located at 1-based line and column (0 when unknown)."""

    code: str
    message: str
    line: int = 0
    column: int = 0
    layer: str | None = None
    path: DocPath = ()
    fixes: tuple[Fix, ...] = field(default=())

    @property
    def severity(self) -> Severity:
        """``error`` or ``warning``, from the code's hundreds."""
        return severity_of(self.code)

    @property
    def is_error(self) -> bool:
        """True for violations of error severity."""
        return self.severity == "error"


def code_matches(code: str, prefixes: tuple[str, ...]) -> bool:
    """True when ``code`` starts with any of ``prefixes`` (``NC1`` matches ``NC101``)."""
    return any(code.startswith(prefix.strip().upper()) for prefix in prefixes if prefix.strip())
