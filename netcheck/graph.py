"""The layer graph: names, inputs, and an order in which every input comes first.

Iterative (Kahn's algorithm), so 100,000 layers in a chain cost no recursion.
NC004 findings for duplicate or reserved names, unknown inputs and cycles.
"""

from __future__ import annotations

import difflib
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from netcheck.records import Record
from netcheck.results import DocPath

INPUT = "input"
SUGGESTIONS = 20  # did-you-mean searches per file: each one reads every name


@dataclass(frozen=True, slots=True)
class GraphProblem:
    """An NC004 finding: what is wrong (``facts``, worded by ``netcheck.rules.nc004``) and where."""

    facts: dict[str, Any]
    path: DocPath
    layer: str | None


@dataclass(slots=True)
class Graph:
    """Names and inputs per layer (by index), the computing order, and problems."""

    names: list[str]
    inputs: list[list[str]]
    order: list[int]
    problems: list[GraphProblem] = field(default_factory=list)


def default_names(network: Record) -> list[str]:
    """Each layer's name: its own, or ``<type>_<n>`` counting 1-based per type."""
    counts: dict[str, int] = {}
    names = []
    for layer in network.layers:
        counts[layer.type] = counts.get(layer.type, 0) + 1
        names.append(layer.name if layer.name is not None else f"{layer.type}_{counts[layer.type]}")
    return names


def build(network: Record) -> Graph:
    """Resolve names and inputs, and order the layers so that inputs come first."""
    names = default_names(network)
    problems: list[GraphProblem] = []
    index_of = _index_names(network, names, problems)
    inputs = []
    for position, layer in enumerate(network.layers):
        if layer.inputs is not None:
            inputs.append(list(layer.inputs))
        else:
            inputs.append([names[position - 1] if position else INPUT])
    for position, wanted in enumerate(inputs):
        for slot, name in enumerate(wanted):
            if name != INPUT and name not in index_of:
                where: DocPath = ("layers", position, "inputs", slot)
                suggest = len(problems) < SUGGESTIONS
                problems.append(GraphProblem(_unknown(name, names, suggest), where, names[position]))
    order = _order(inputs, index_of, names, problems)
    return Graph(names, inputs, order, problems)


def _index_names(network: Record, names: list[str], problems: list[GraphProblem]) -> dict[str, int]:
    index_of: dict[str, int] = {}
    for position, (layer, name) in enumerate(zip(network.layers, names)):
        path: DocPath = ("layers", position, "name") if layer.name is not None else ("layers", position)
        if name == INPUT:
            problems.append(GraphProblem({"case": "reserved", "name": name}, path, name))
        elif name in index_of:
            first = index_of[name]
            how = "named" if network.layers[first].name is not None else "the default name of"
            problems.append(GraphProblem({"case": "duplicate", "name": name, "first": first, "how": how}, path, name))
        else:
            index_of[name] = position
    return index_of


def _unknown(name: str, names: list[str], suggest: bool) -> dict[str, Any]:
    close = difflib.get_close_matches(name, [INPUT, *names], n=1) if suggest and len(names) < 5000 else []
    return {"case": "unknown", "name": name, "close": close[0] if close else None}


def _order(
    inputs: list[list[str]], index_of: dict[str, int], names: list[str], problems: list[GraphProblem]
) -> list[int]:
    waiting = [0] * len(inputs)
    readers: list[list[int]] = [[] for _ in inputs]
    for position, wanted in enumerate(inputs):
        for name in set(wanted):
            source = index_of.get(name)
            if source is not None:
                waiting[position] += 1
                readers[source].append(position)
    ready = deque(position for position, count in enumerate(waiting) if count == 0)
    order = []
    while ready:
        position = ready.popleft()
        order.append(position)
        for reader in readers[position]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                ready.append(reader)
    if len(order) < len(inputs):
        _report_cycle(inputs, index_of, names, waiting, problems)
    return order


def _report_cycle(
    inputs: list[list[str]], index_of: dict[str, int], names: list[str], waiting: list[int],
    problems: list[GraphProblem],
) -> None:
    stuck = {position for position, count in enumerate(waiting) if count}
    position = min(stuck)
    seen: dict[int, int] = {}
    walk: list[int] = []
    while position not in seen:
        seen[position] = len(walk)
        walk.append(position)
        position = next(index_of[name] for name in inputs[position]
                        if name in index_of and index_of[name] in stuck)
    cycle = walk[seen[position]:]
    first = min(cycle)
    problems.append(GraphProblem({"case": "cycle", "cycle": tuple(names[step] for step in [*cycle, cycle[0]])},
                                 ("layers", first, "inputs"), names[first]))
