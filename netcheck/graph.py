"""The layer graph: names, inputs, and an order in which every input comes first.

Iterative (Kahn's algorithm), so 100,000 layers in a chain cost no recursion.
NC004 findings for duplicate or reserved names, unknown inputs and cycles.

A network the checker could read only in part carries a ``Damage`` (its
``_damage``): broken layers, which are not computed, and layers whose names
are in doubt. A reference that cannot be resolved for sure (to a doubtful
name, to a name two layers hold, to a name nobody holds while some name is
in doubt) makes its reader *unresolved*: not computed either, and not an
NC004 of its own unless the name is surely unknown.
"""

from __future__ import annotations

import difflib
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from netcheck.records import Record
from netcheck.results import DocPath

INPUT = "input"
SUGGESTIONS = 20  # did-you-mean searches per file: each one reads every name
DEFAULT_NAME = re.compile(r".+_[1-9][0-9]*\Z")  # what a default name <type>_<n> looks like


@dataclass(frozen=True, slots=True)
class GraphProblem:
    """An NC004 finding: what is wrong (``facts``, worded by ``netcheck.rules.nc004``) and where."""

    facts: dict[str, Any]
    path: DocPath
    layer: str | None


@dataclass(frozen=True, slots=True)
class Damage:
    """What could not be read of a network (``netcheck.recovery``): layers to skip and names in doubt.

    ``layers``: the broken layers (a schema error, a duplicate key), stand-ins
    that are not computed; ``doubtful``: layers whose names are not known for
    sure (a default name ``<type>_<n>``, or, with ``nameless``, a name written
    but unreadable: it may be anything); ``unwired``: some broken layer's
    inputs could not be read.
    """

    layers: frozenset[int] = frozenset()
    doubtful: frozenset[int] = frozenset()
    unwired: bool = False
    nameless: bool = False

    def may_be(self, name: str) -> bool:
        """Whether a layer whose name is in doubt may be the one called ``name``."""
        return bool(self.doubtful) and (self.nameless or DEFAULT_NAME.match(name) is not None)


NO_DAMAGE = Damage()


@dataclass(slots=True)
class Graph:
    """Names and inputs per layer (by index), the computing order, and problems.

    ``edges``: the layers each layer reads, as far as they resolve;
    ``unresolved``: layers not to compute (broken, or reading what cannot be
    resolved for sure); ``shadowed``: layers whose name an earlier layer (or
    the network input) holds; ``wired``: every layer's inputs are known for
    sure (no NC004, nothing unresolved), so that an output nobody reads can be told.
    """

    names: list[str]
    inputs: list[list[str]]
    order: list[int]
    problems: list[GraphProblem] = field(default_factory=list)
    edges: list[list[int]] = field(default_factory=list)
    unresolved: set[int] = field(default_factory=set)
    shadowed: set[int] = field(default_factory=set)
    wired: bool = True


def default_names(network: Record, written: bool = False) -> list[str]:
    """Each layer's name: its own, or ``<type>_<n>`` counting 1-based per type.

    With ``written``, a broken layer's stand-in counts as the type written in
    the file (its ``_kind``; see ``netcheck.recovery``).
    """
    counts: dict[str, int] = {}
    names = []
    for layer in network.layers:
        kind = layer.get("_kind", layer.type) if written else layer.type
        counts[kind] = counts.get(kind, 0) + 1
        names.append(layer.name if layer.name is not None else f"{kind}_{counts[kind]}")
    return names


def build(network: Record) -> Graph:
    """Resolve names and inputs, and order the layers so that inputs come first."""
    damage: Damage = network.get("_damage") or NO_DAMAGE
    layout = Graph(default_names(network, damage is not NO_DAMAGE), [], [], unresolved=set(damage.layers))
    index_of = _index_names(network, layout, damage.doubtful)
    layout.edges = _wire(network, layout, index_of, damage)
    layout.order = _order(layout.edges, layout)
    layout.wired = layout.wired and not layout.problems and not damage.unwired
    return layout


def _index_names(network: Record, layout: Graph, doubtful: frozenset[int]) -> dict[str, int]:
    """Each name's layer; a name taken twice (or ``input``) is an NC004 unless a doubtful name is involved."""
    index_of: dict[str, int] = {}
    for position, (layer, name) in enumerate(zip(network.layers, layout.names)):
        if name != INPUT and name not in index_of:
            index_of[name] = position
            continue
        layout.shadowed.add(position)
        first = index_of.get(name)
        if position in doubtful or first in doubtful:
            continue
        path: DocPath = ("layers", position, "name") if layer.name is not None else ("layers", position)
        if first is None:
            layout.problems.append(GraphProblem({"case": "reserved", "name": name}, path, name))
        else:
            how = "named" if network.layers[first].name is not None else "the default name of"
            layout.problems.append(GraphProblem({"case": "duplicate", "name": name, "first": first, "how": how},
                                                path, name))
    return index_of


def _wire(network: Record, layout: Graph, index_of: dict[str, int], damage: Damage) -> list[list[int]]:
    """Each layer's inputs as names (``layout.inputs``) and as the layers they resolve to (returned)."""
    names = layout.names
    taken = {names[position] for position in layout.shadowed}  # names that do not say which layer
    edges: list[list[int]] = []
    for position, layer in enumerate(network.layers):
        if layer.inputs is None and position:
            previous = position - 1
            layout.inputs.append([names[previous]])
            if index_of.get(names[previous]) == previous:
                edges.append([previous])
                continue
            edges.append([])
            _unresolved(layout, position)
        elif layer.inputs is None:
            layout.inputs.append([INPUT])
            edges.append([])
        else:
            wanted = list(layer.inputs)
            layout.inputs.append(wanted)
            edges.append(_sources(wanted, position, layout, index_of, taken, damage))
    return edges


def _sources(wanted: list[str], position: int, layout: Graph, index_of: dict[str, int], taken: set[str],
             damage: Damage) -> list[int]:
    """The layers the names ``wanted`` resolve to; an unknown name is an NC004 unless a doubtful name may be it."""
    found: list[int] = []
    for slot, name in enumerate(wanted):
        source = index_of.get(name)
        if name in taken or (source is not None and source in damage.doubtful):
            _unresolved(layout, position)
        elif source is not None:
            found.append(source)
        elif name != INPUT:
            _unresolved(layout, position)
            if not damage.may_be(name):
                where: DocPath = ("layers", position, "inputs", slot)
                suggest = len(layout.problems) < SUGGESTIONS
                layout.problems.append(GraphProblem(_unknown(name, layout.names, suggest), where,
                                                    layout.names[position]))
    return list(dict.fromkeys(found)) if len(found) > 1 else found


def _unresolved(layout: Graph, position: int) -> None:
    """The layer at ``position`` reads what cannot be resolved for sure: it is not computed."""
    layout.unresolved.add(position)
    layout.wired = False


def _unknown(name: str, names: list[str], suggest: bool) -> dict[str, Any]:
    close = difflib.get_close_matches(name, [INPUT, *names], n=1) if suggest and len(names) < 5000 else []
    return {"case": "unknown", "name": name, "close": close[0] if close else None}


def _order(edges: list[list[int]], layout: Graph) -> list[int]:
    waiting = [len(sources) for sources in edges]
    readers: list[list[int]] = [[] for _ in edges]
    for position, sources in enumerate(edges):
        for source in sources:
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
    if len(order) < len(edges):
        _report_cycle(edges, waiting, layout)
    return order


def _report_cycle(edges: list[list[int]], waiting: list[int], layout: Graph) -> None:
    stuck = {position for position, count in enumerate(waiting) if count}
    position = min(stuck)
    seen: dict[int, int] = {}
    walk: list[int] = []
    while position not in seen:
        seen[position] = len(walk)
        walk.append(position)
        position = next(source for source in edges[position] if source in stuck)
    cycle = walk[seen[position]:]
    first = min(cycle)
    names = layout.names
    layout.problems.append(GraphProblem({"case": "cycle", "cycle": tuple(names[step] for step in [*cycle, cycle[0]])},
                                        ("layers", first, "inputs"), names[first]))
