"""The violation codes: one module per code, its docstring the text of ``netcheck explain``.

Codes are grouped by hundreds, as flake8 groups them: NC0xx the file and its
schema, NC1xx geometry errors, NC2xx geometry warnings, NC3xx framework
warnings. Each module owns its code: ``CODE``, ``NAME``, ``SEVERITY``;
``message(facts)`` words what the engine found from its numbers (the reader's
codes NC001–NC003 carry the reader's own words instead); and, when it can
propose fixes, ``candidates(context)`` yields groups of candidate fixes, best
first, which the checker verifies. Modules are imported only when needed, so
a clean run pays nothing for them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

from netcheck.engine import Finding, Result
from netcheck.records import Record
from netcheck.results import Fix, Severity

CODES: tuple[str, ...] = (
    "NC001", "NC002", "NC003", "NC004",
    "NC101", "NC102", "NC103", "NC104", "NC105", "NC106",
    "NC201", "NC202", "NC203", "NC204", "NC205", "NC206",
    "NC301",
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A code's documentation: short name, one-line summary, full text."""

    code: str
    name: str
    summary: str
    doc: str

    @property
    def severity(self) -> Severity:
        """``error`` or ``warning``, as the code's module declares it."""
        return severity(self.code)


@dataclass(frozen=True, slots=True)
class Context:
    """What a fix finder may look at: the finding, the network, its data, the engine's result.

    ``spend`` takes evaluations from the file's budget (``total`` in all);
    ``memo`` holds what a finder computed for the whole file, to be reused by
    the next finding instead of computed again.
    """

    finding: Finding
    network: Record
    data: Any
    result: Result
    spend: Callable[[int], bool] = lambda layers: True
    total: int = 2**62
    memo: dict[Any, Any] = field(default_factory=dict)

    def affordable(self, layers: int | None = None) -> bool:
        """Take ``layers`` evaluations (default: one whole-network run) from the file's budget; False when spent."""
        return self.spend(len(self.network.layers) if layers is None else layers)

    @property
    def index(self) -> int:
        """The index of the layer the finding is about."""
        return int(self.finding.path[1])


def module(code: str) -> ModuleType:
    """The module of ``code`` (``NC101`` -> ``netcheck.rules.nc101``); KeyError if unknown."""
    normal = code.strip().upper()
    if normal not in CODES:
        raise KeyError(code)
    return importlib.import_module(f"netcheck.rules.{normal.lower()}")


@cache
def severity(code: str) -> Severity:
    """The severity ``code``'s module declares."""
    declared: Severity = module(code).SEVERITY
    return declared


def message(finding: Finding) -> str:
    """The words for ``finding``, written by its code's module from the finding's numbers."""
    words: str = module(finding.code).message(finding.facts)
    return words


@cache
def fixable(code: str) -> bool:
    """True when ``code``'s module searches fixes."""
    return hasattr(module(code), "candidates")


def rule(code: str) -> Rule:
    """The documentation of ``code``."""
    mod = module(code)
    doc = (mod.__doc__ or "").strip()
    return Rule(mod.CODE, mod.NAME, doc.splitlines()[0].split("—", 1)[-1].strip(), doc)


def all_rules() -> list[Rule]:
    """Every code's documentation, in code order."""
    return [rule(code) for code in CODES]


def candidates(context: Context) -> Iterator[list[Fix]]:
    """Groups of candidate fixes for a finding, best group first; none if the code has no finder."""
    finder = getattr(module(context.finding.code), "candidates", None)
    if finder is None:
        return iter(())
    groups: Iterator[list[Fix]] = finder(context)
    return groups
