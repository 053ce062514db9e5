"""Fixes that are verified, not guessed: each candidate is applied to the document's
data and the whole network is checked again. A fix is kept only if its violation is
gone and no error appears that was not there before.

The search is bounded in total, per file: a budget of layer-evaluations that
grows with the network (``BUDGET_BASE`` + ``BUDGET_PER_LAYER`` per layer), from
which every piece of work is taken *before* it is done: a candidate tried on
its layer alone costs 1, a trial run of the network one per layer, and a
verification two per layer (the document is read again, then run). Past the
budget, a violation without fixes says ``fixes not searched: budget``.

``holds`` is the verification itself, for any way of checking data again: the
engine's findings here, the schema's NC002s in ``netcheck.validation`` (whose
fixes rename a misspelt key or write a value as the type it should be).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from netcheck import engine, rules
from netcheck.engine import Finding
from netcheck.fastload import quick_network
from netcheck.records import Record, from_model
from netcheck.results import DocPath, Edit, Fix

FIXES_SHOWN = 2
BUDGET_BASE = 5_000
BUDGET_PER_LAYER = 12
NOT_SEARCHED = "fixes not searched: budget"
Key = tuple[str, str | None, DocPath]


@dataclass(slots=True)
class Budget:
    """Layer-evaluations left for the fix search in one file, and what every search compares with."""

    left: int
    errors_before: set[Key] = field(default_factory=set)
    exhausted: bool = False
    total: int = 0
    memo: dict[Any, Any] = field(default_factory=dict)

    @classmethod
    def for_file(cls, layers: int, findings: Iterable[Finding]) -> Budget:
        """The budget of a file of ``layers`` layers whose engine run found ``findings``."""
        total = BUDGET_BASE + BUDGET_PER_LAYER * layers
        return cls(total, error_keys(findings), total=total)

    def spend(self, layers: int) -> bool:
        """Take ``layers`` from the budget; False (and exhausted from then on) when it does not hold them."""
        if self.exhausted or self.left < layers:
            self.exhausted = True
            return False
        self.left -= layers
        return True


def key_of(finding: Finding) -> Key:
    """What identifies a finding across edits: code, layer and the path below the layer."""
    path = finding.path
    if len(path) >= 2 and path[0] == "layers":
        return (finding.code, finding.layer, path[2:])
    return (finding.code, finding.layer, path)


def error_keys(findings: Iterable[Finding]) -> set[Key]:
    """The keys of the error findings."""
    return {key_of(finding) for finding in findings if rules.severity(finding.code) == "error"}


def apply(data: Any, edits: Iterable[Edit]) -> Any:
    """A copy of ``data`` with ``edits`` applied; only the containers on each path are copied.

    A rename keeps the key's value and its place among the keys; it raises
    KeyError when the key is not there and ValueError when the new key already is.
    """
    for edit in edits:
        data = _apply_one(data, edit.path, edit)
    return data


def _apply_one(node: Any, path: DocPath, edit: Edit) -> Any:
    if not path:
        return edit.value
    head, rest = path[0], path[1:]
    if not rest and edit.rename is not None:
        return _renamed(node, head, edit.rename)
    copy: Any = dict(node) if isinstance(node, dict) else list(node)
    if not rest and edit.insert:
        copy.insert(int(head), edit.value)
    elif isinstance(copy, dict):
        copy[head] = _apply_one(copy.get(head, {}), rest, edit)
    else:
        copy[int(head)] = _apply_one(copy[int(head)], rest, edit)
    return copy


def _renamed(node: Any, key: Any, new: str) -> dict[Any, Any]:
    if not isinstance(node, dict) or key not in node:
        raise KeyError(key)
    if new in node:
        raise ValueError(f"{new!r} is already a key")
    return {new if old == key else old: value for old, value in node.items()}


class World:
    """What a fix edits and how its effect is judged: the document's data, and the findings of edited data.

    For a flat network the fix's edits are the document's and the network is
    run again; a network with blocks (``netcheck.checker``) moves each edit to
    where the value is written and expands the edited document again.
    """

    def __init__(self, data: Any) -> None:
        """Fixes edit ``data`` as they are."""
        self.data = data

    def translate(self, fix: Fix) -> Fix | None:
        """``fix`` as edits of ``data`` (None when it has no such form)."""
        return fix

    def findings(self, data: Any) -> list[Finding] | None:
        """Every finding of the network ``data`` describes; None when the models refuse it."""
        network = records_of(data)
        return None if network is None else engine.run(network).findings


def verified_fixes(
    finding: Finding, network: Record, data: Any, result: engine.Result, budget: Budget, world: World | None = None
) -> tuple[Fix, ...]:
    """Up to two fixes for ``finding``, from the best group of candidates that verifies.

    ``data`` is what the network was read from; ``world`` (default: that data, as it is) is what fixes edit.
    """
    if data is None or not searchable(finding) or budget.exhausted:
        return ()
    world = world or World(data)
    context = rules.Context(finding, network, data, result, budget.spend, budget.total, budget.memo)
    target = key_of(finding)
    kept: list[Fix] = []
    for group in rules.candidates(context):
        for fix in group:
            if len(kept) == FIXES_SHOWN or not budget.spend(2 * len(network.layers)):
                return tuple(kept)
            moved = world.translate(fix)
            if moved is not None and moved not in kept and _holds(moved, world, budget.errors_before, target):
                kept.append(moved)
        if budget.exhausted:
            break
    return tuple(kept)


def searchable(finding: Finding) -> bool:
    """Whether netcheck searches fixes for this finding's code (its rule module has ``candidates``)."""
    return rules.fixable(finding.code)


def records_of(data: Any) -> Record | None:
    """The records of a document the models accept (by the quick road when it can), else None."""
    quick = quick_network(data)
    if quick is not None:
        return quick
    from pydantic import ValidationError

    from netcheck.spec import Network

    try:
        records: Record = from_model(Network.model_validate(data))
        return records
    except (ValidationError, ValueError, TypeError):
        return None


def _holds(fix: Fix, world: World, before: set[Key], target: Key) -> bool:
    def judged(fixed: Any) -> tuple[set[Key], set[Key]] | None:
        findings = world.findings(fixed)
        return None if findings is None else (error_keys(findings), {key_of(f) for f in findings})

    return holds(fix.edits, world.data, judged, before, target)


Judge = Callable[[Any], tuple[set[Key], set[Key]] | None]


def holds(edits: Iterable[Edit], data: Any, judge: Judge, before: set[Key], target: Key) -> bool:
    """Whether ``edits`` (sets, inserts, renames) applied to ``data`` remove ``target`` and add no error.

    ``judge`` checks the edited data again: the keys of its errors and of all
    its problems, or None when the edited data cannot be checked at all (then
    the edits do not hold). ``before`` is the keys of the errors the data had.
    """
    try:
        fixed = apply(data, edits)
    except (ValueError, TypeError, IndexError, KeyError):
        return False
    judged = judge(fixed)
    if judged is None:
        return False
    errors, every = judged
    return target not in errors and target not in every and errors <= before
