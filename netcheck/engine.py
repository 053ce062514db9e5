"""Walks the network in graph order, applies each layer's rule, collects rows and findings.

A layer whose input could not be computed (kernel too large, incompatible
shapes, a cycle) is left without output; a layer that is only fractional under
strict rounding (NC101) passes on its floored size so that the rest of the
network is still checked, as PyTorch would run it. A layer the graph leaves
unresolved (broken, see ``netcheck.recovery``, or reading a name that cannot
be resolved for sure), and every layer that reads one, is *skipped*: no
output, no counts, no finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from netcheck import graph
from netcheck.layers import RULES, Flow, Outcome, Problem
from netcheck.records import Record
from netcheck.results import DocPath, LayerRow, Number
from netcheck.vocabulary import COUNTS, MAX_COUNT, MAX_SIZE, Shape

LIMIT = MAX_COUNT


@dataclass(frozen=True, slots=True)
class Finding:
    """A violation before it is located: code, document path, layer, and the numbers behind it.

    ``at_layer`` findings point at the layer's first key, the others at ``path``.
    The code's rule module turns ``facts`` into the message and the fixes.
    """

    code: str
    path: DocPath
    layer: str | None
    at_layer: bool = False
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Result:
    """Everything the engine computed for one network."""

    rows: list[LayerRow]
    totals: dict[str, int | None]
    findings: list[Finding]
    output: Shape | None
    flows: dict[str, Flow | None]
    skipped: set[int] = field(default_factory=set)  # layers not checked: unresolved, or reading a skipped one


def run(network: Record) -> Result:
    """Push the input volume through every layer; collect rows, totals and findings."""
    layout = graph.build(network)
    findings = [Finding("NC004", problem.path, problem.layer, facts=problem.facts) for problem in layout.problems]
    rows = [LayerRow(i, name, layer.type, layout.inputs[i])
            for i, (layer, name) in enumerate(zip(network.layers, layout.names))]
    flows: dict[str, Flow | None] = {graph.INPUT: Flow(network.input.shape)}
    skipped, shadowed = set(layout.unresolved), layout.shadowed
    for position in layout.order:
        layer = network.layers[position]
        sources = [flows.get(name) for name in layout.inputs[position]]
        if any(source is None for source in sources) or position in skipped:
            _not_computed(position, layout, flows, skipped)
            continue
        outcome = RULES[layer.type](layer, [source for source in sources if source is not None],
                                    layer_rounding(layer, network))
        _bound(outcome)
        if not shadowed or position not in shadowed:  # a duplicate name must not hide its first holder's output
            flows[layout.names[position]] = outcome.flow
        _fill(rows[position], outcome)
        findings.extend(_located(outcome, position, layout.names[position]))
    if len(layout.order) < len(rows):  # a cycle: its layers and their readers are never computed
        skipped.update(set(range(len(rows))).difference(layout.order))
    findings.extend(_unused(layout, skipped))
    totals = _totals(rows)
    last = rows[-1].output
    for row, layer in zip(rows, network.layers):
        if layer.expect is not None:
            findings.extend(check_expect(layer.expect, row, ("layers", row.index, "expect")))
    if network.expect is not None:
        findings.extend(check_network_expect(network.expect, last, totals))
    return Result(rows, totals, findings, last, flows, skipped)


def _not_computed(position: int, layout: graph.Graph, flows: dict[str, Flow | None], skipped: set[int]) -> None:
    """No output for a layer whose input is missing; skipped too when it reads a skipped layer."""
    if skipped and any(source in skipped for source in layout.edges[position]):
        skipped.add(position)
    if position not in layout.shadowed:
        flows[layout.names[position]] = None


def _bound(outcome: Outcome) -> None:
    """NC106 and no output when a size, receptive field or jump leaves the range netcheck computes in."""
    flow = outcome.flow
    if flow is None:
        return
    shape = flow.shape
    if max(shape) > MAX_SIZE:
        facts: dict[str, Any] = {"case": "size", "shape": f"{shape.width}x{shape.height}x{shape.depth}",
                                 "limit": MAX_SIZE}
    elif any(not _in_range(value) for field in (flow.width, flow.height) for value in (field.size, field.jump)):
        facts = {"case": "field"}
    else:
        return
    outcome.flow = None
    outcome.problems.append(Problem("NC106", facts))


def _in_range(value: Number) -> bool:
    if type(value) is int:  # the common case, without building a Fraction
        return value <= LIMIT
    fraction = Fraction(value)
    return fraction.numerator <= LIMIT and fraction.denominator <= LIMIT


def layer_rounding(layer: Any, network: Record) -> str:
    """The layer's own rounding if it has one, else the network's."""
    own: str | None = layer.get("rounding")
    return own if own is not None else str(network.rounding)


def _fill(row: LayerRow, outcome: Outcome) -> None:
    row.trainable_params = outcome.trainable
    row.non_trainable_params = outcome.non_trainable if outcome.trainable is not None else None
    if outcome.flow is None:
        return
    row.output = outcome.flow.shape
    row.width, row.height = outcome.flow.width, outcome.flow.height
    row.macs = outcome.macs
    row.unshared_params = outcome.unshared if outcome.unshared is not None else row.params
    if outcome.unshared is None and outcome.trainable is None:
        row.unshared_params = None


def _located(outcome: Outcome, position: int, name: str) -> list[Finding]:
    found = []
    for problem in outcome.problems:
        path: DocPath = ("layers", position) if problem.key is None else ("layers", position, problem.key)
        found.append(Finding(problem.code, path, name, problem.key is None, problem.facts))
    return found


def _unused(layout: graph.Graph, skipped: set[int]) -> list[Finding]:
    """NC205 for outputs nobody reads, when every input is known for sure (never for a skipped layer)."""
    if not layout.wired:
        return []
    read = {name for wanted in layout.inputs for name in wanted}
    last = len(layout.names) - 1
    return [
        Finding("NC205", ("layers", i), name, True, {"name": name, "output": layout.names[last]})
        for i, name in enumerate(layout.names)
        if i != last and name not in read and i not in skipped
    ]


def _totals(rows: list[LayerRow]) -> dict[str, int | None]:
    """Sums over the layers; None where some layer's count could not be computed."""
    totals: dict[str, int | None] = {}
    for count in COUNTS:
        values = [getattr(row, count) for row in rows]
        totals[count] = None if None in values else sum(values)
    return totals


def check_expect(expect: Record, row: LayerRow, path: DocPath) -> list[Finding]:
    """NC105 for each assertion on a layer that does not hold (unknown values are not judged)."""
    return check_measured(expect, row.name, row.output, {count: getattr(row, count) for count in COUNTS}, path)


def check_measured(expect: Record, name: str, output: Shape | None, counts: dict[str, int | None],
                   path: DocPath) -> list[Finding]:
    """NC105 for each assertion of ``expect`` that ``output`` and ``counts`` (of a layer or a use) break."""
    found = []
    if expect.shape is not None and output is not None and expect.shape.shape != output:
        found.append(_mismatch((*path, "shape"), name, "output shape", str(expect.shape.shape), str(output)))
    for count in COUNTS:
        wanted, actual = getattr(expect, count), counts[count]
        if wanted is not None and actual is not None and wanted != actual:
            found.append(_mismatch((*path, count), name, count.replace("_", " "), wanted, actual,
                                   _trainable(expect, count, counts)))
    return found


def check_network_expect(
    expect: Record, output: Shape | None, totals: dict[str, int | None]
) -> list[Finding]:
    """NC105 for each whole-network assertion that does not hold."""
    found = []
    path: DocPath = ("expect",)
    if expect.output is not None and output is not None and expect.output.shape != output:
        found.append(_mismatch((*path, "output"), None, "network output shape", str(expect.output.shape),
                               str(output)))
    for count in COUNTS:
        wanted, actual = getattr(expect, count), totals[count]
        if wanted is not None and actual is not None and wanted != actual:
            found.append(_mismatch((*path, count), None, f"total {count.replace('_', ' ')}", wanted, actual,
                                   _trainable(expect, count, totals)))
    return found


def _trainable(expect: Record, count: str, counts: dict[str, int | None]) -> dict[str, Any]:
    """For ``params`` not pinned beside ``trainable_params``: the trainable count (PyTorch's, NC105 compares)."""
    if count != "params" or expect.trainable_params is not None or counts["trainable_params"] is None:
        return {}
    return {"trainable": counts["trainable_params"]}


def _mismatch(path: DocPath, layer: str | None, what: str, wanted: int | str, actual: int | str,
              more: dict[str, Any] | None = None) -> Finding:
    return Finding("NC105", path, layer, facts={"what": what, "wanted": wanted, "actual": actual, **(more or {})})
