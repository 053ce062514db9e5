"""What a picture shows: the nodes and edges of the network, or of one use of a block, folded as ``summary --depth``.

The main scene is the whole network with every top-level use of a block folded
into one node (``summary --depth 1``); each use has a scene of its own, its
layers with the uses one level deeper folded, so that every layer is drawn in
exactly one scene. A scene's sources are the network input, or, in a use's
scene, the layers outside it that it reads (*external* nodes); an input name
no layer has becomes a *missing* node, so that a broken graph still draws.
Violations belong to the node of the layer they are about (a folded node
carries those of all its layers); the rest are the network's.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from netcheck.graph import INPUT
from netcheck.results import FileReport, LayerRow, Shape, UseSpan, Violation, fold

Kind = Literal["input", "layer", "use", "external", "missing"]


@dataclass(frozen=True, slots=True)
class Node:
    """One shape in a picture: a layer, a folded use, the input, or a layer outside the scene it reads.

    ``key`` is unique in the report (``L12`` the layer of row 12, ``U3`` the use
    ``report.uses[3]``, ``input``, ``missing:<name>``), so that the same layer
    or use is found in the diagram, the table and the expansion; ``row`` is the summary row (a
    folded use's row for a use), ``layers`` how many layers it stands for.
    """

    key: str
    name: str
    kind: Kind
    type: str
    shape: Shape | None
    row: LayerRow | None = None
    layers: int = 1
    violations: tuple[Violation, ...] = ()
    label: str = ""  # the name as drawn: in a use's scene, without the use's name in front

    @property
    def shown_name(self) -> str:
        """The name as the label shows it."""
        return self.label or self.name

    @property
    def worst(self) -> str | None:
        """``error`` or ``warning``: the gravest of the node's violations (None when it has none)."""
        if not self.violations:
            return None
        return "error" if any(violation.is_error for violation in self.violations) else "warning"


@dataclass(slots=True)
class Scene:
    """One picture: a title, nodes (sources first) and edges (source index, target index), each edge once."""

    key: str
    title: str
    nodes: list[Node] = field(default_factory=list)
    edges: list[tuple[int, int]] = field(default_factory=list)
    use: UseSpan | None = None  # the use this scene expands (None: the network)
    parent: str | None = None  # the key of the scene that shows this use folded

    @property
    def shown(self) -> list[Node]:
        """The nodes that are the scene's own layers and uses (not its sources)."""
        return [node for node in self.nodes if node.kind in ("layer", "use")]


@dataclass(frozen=True, slots=True)
class _Index:
    """Lookups over a report: row by name, use key by span, each row's violations."""

    report: FileReport
    row_of: dict[str, int]
    use_keys: dict[tuple[int, int, int], str]
    by_row: dict[int, tuple[Violation, ...]]
    network: tuple[Violation, ...]


def scenes(report: FileReport) -> list[Scene]:
    """The main scene, then one per use of a block (outer before inner, in the order of the layers)."""
    index = _index(report)
    result = [_scene(index, "main", report.name or report.path, 0, len(report.rows), 1, None)]
    spans = sorted(((use.start, -use.stop, use.depth, number) for number, use in enumerate(report.uses)
                    if 0 <= use.start < use.stop <= len(report.rows)))
    parents: list[tuple[int, str]] = []  # (stop, key) of the uses that enclose the current one
    for start, negative_stop, depth, number in spans:
        use = report.uses[number]
        while parents and parents[-1][0] < -negative_stop:
            parents.pop()
        key = index.use_keys[(start, -negative_stop, depth)]
        scene = _scene(index, key, f"{use.name} ({use.block})", start, use.stop, depth + 1, use)
        scene.parent = parents[-1][1] if parents else "main"
        result.append(scene)
        parents.append((use.stop, key))
    return result


def main_scene(report: FileReport) -> Scene:
    """The network with every top-level use folded (``summary --depth 1``)."""
    return _scene(_index(report), "main", report.name or report.path, 0, len(report.rows), 1, None)


def network_violations(report: FileReport) -> tuple[Violation, ...]:
    """The violations that belong to no drawn layer (the network's expectations, the file itself)."""
    return _index(report).network


def _index(report: FileReport) -> _Index:
    """The lookups of a report, each violation placed at its row (or the network's)."""
    row_of: dict[str, int] = {}
    for position, row in enumerate(report.rows):
        row_of.setdefault(row.name, position)
    use_keys: dict[tuple[int, int, int], str] = {}
    for number, use in enumerate(report.uses):
        use_keys.setdefault((use.start, use.stop, use.depth), f"U{number}")
    use_start = {use.name: use.start for use in report.uses}
    by_row: dict[int, list[Violation]] = {}
    network: list[Violation] = []
    for violation in report.violations:
        about = _row_of(violation, report, row_of, use_start)
        if about is None:
            network.append(violation)
        else:
            by_row.setdefault(about, []).append(violation)
    return _Index(report, row_of, use_keys, {key: tuple(found) for key, found in by_row.items()}, tuple(network))


def _row_of(violation: Violation, report: FileReport, row_of: dict[str, int], use_start: dict[str, int]) -> int | None:
    """The row a violation is about: by its path in a flat file, else by the layer (or use) it names.

    A name that is no row (a layer inside a use that could not be expanded)
    falls back to the nearest enclosing name that is, then to the uses that
    led there, innermost first.
    """
    path = violation.path
    if not report.uses and len(path) > 1 and path[0] == "layers" and isinstance(path[1], int):
        return path[1] if 0 <= path[1] < len(report.rows) else None
    names = []
    if violation.layer is not None:
        parts = violation.layer.split(".")
        names = [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
    names += [hop.layer for hop in reversed(violation.via)]
    for name in names:
        if name in row_of:
            return row_of[name]
        start = use_start.get(name)
        if start is not None and start < len(report.rows):
            return start
    return None


def _scene(index: _Index, key: str, title: str, start: int, stop: int, depth: int, use: UseSpan | None) -> Scene:
    """The rows ``start:stop`` with the uses at ``depth`` among them folded, and what they read from outside."""
    scene = Scene(key, title, use=use)
    members = _members(index, start, stop, depth, f"{use.name}." if use is not None else "")
    owner = {row.index: number for number, (_, rows) in enumerate(members) for row in rows}
    wanted = [_read_from_outside(rows) for _, rows in members]
    sources: dict[str, int] = {}
    if use is None:
        sources[INPUT] = -1
    for names in wanted:
        for name in names:
            if _source_of(name, index, owner) is None:
                sources.setdefault(name, -1)
    _add_sources(scene, sources, index, use is None)
    base = len(scene.nodes)
    scene.nodes.extend(node for node, _ in members)
    seen: set[tuple[int, int]] = set()
    for number, names in enumerate(wanted):
        for name in names:
            inner = _source_of(name, index, owner)
            edge = (inner + base if inner is not None else sources[name], base + number)
            if edge[0] != edge[1] and edge not in seen:
                seen.add(edge)
                scene.edges.append(edge)
    return scene


def _read_from_outside(rows: list[LayerRow]) -> list[str]:
    """The names a node's rows read that none of them outputs, each once, in the order read."""
    inside = {row.name for row in rows}
    return list(dict.fromkeys(name for row in rows for name in row.inputs if name not in inside))


def _members(index: _Index, start: int, stop: int, depth: int, prefix: str) -> list[tuple[Node, list[LayerRow]]]:
    """The scene's own nodes in row order: each row, or each use at ``depth`` folded, with the rows it stands for.

    A name that starts with ``prefix`` (a use's name and a dot) is labelled without it.
    """
    report = index.report
    rows = report.rows[start:stop]
    inner = [use for use in report.uses if use.depth == depth and start <= use.start < use.stop <= stop]
    rebased = [replace(use, start=use.start - start, stop=use.stop - start) for use in inner]
    starts = {use.start: use for use in inner}
    members = []
    for shown in fold(rows, rebased, depth if rebased else None):
        label = shown.name[len(prefix):] if prefix and shown.name.startswith(prefix) else ""
        use = starts.get(shown.index)
        if use is not None and shown.name == use.name:
            span = report.rows[use.start:use.stop]
            found = tuple(v for row in span for v in index.by_row.get(row.index, ()))
            key = index.use_keys.get((use.start, use.stop, use.depth), f"U{shown.index}")
            members.append((Node(key, use.name, "use", use.block, shown.output, shown, len(span), found, label), span))
        else:
            found = index.by_row.get(shown.index, ())
            members.append((Node(f"L{shown.index}", shown.name, "layer", shown.type, shown.output, shown, 1, found,
                                 label), [shown]))
    return members


def _source_of(name: str, index: _Index, owner: dict[int, int]) -> int | None:
    """The node (index among the scene's own) that outputs ``name``, when it is in the scene."""
    row = index.row_of.get(name)
    return None if row is None else owner.get(row)


def _add_sources(scene: Scene, sources: dict[str, int], index: _Index, whole: bool) -> None:
    """Nodes for what the scene reads from outside: the input, layers outside the use, names no layer has."""
    report = index.report
    for name in sources:
        sources[name] = len(scene.nodes)
        row = index.row_of.get(name)
        if name == INPUT:
            scene.nodes.append(Node("input", INPUT, "input" if whole else "external", "input", report.input_shape))
        elif row is None:
            scene.nodes.append(Node(f"missing:{name}", name, "missing", "no such layer", None))
        else:
            source = report.rows[row]
            scene.nodes.append(Node(f"L{row}", source.name, "external", source.type, source.output, source))
