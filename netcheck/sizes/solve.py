"""Push sets of input sizes through the network, one axis at a time, as pieces with affine forms.

For each layer, in the engine's order, every piece is split so that the layer
is affine on each part and its verdict uniform there (``steps.requirements``):
by the residue of its parameter modulo the layer's moduli, then into
intervals at the layer's thresholds. On each part the layer's own rule is run
at the part's first two parameters, which gives its output as an affine
form, and at two more (the third, and the last or a far one) to check the
claim (a disagreement is a bug: ``SolverError``); parts with errors are
dropped, adjacent parts that agree are joined. What a piece no longer needs
(nodes no layer reads again) is forgotten, so that pieces which now behave
alike are joined again: a chain of floored stride-2 layers stays one piece.
Layers that compute alike (same type, parameters and rounding) on the same
forms are computed once (``Memo``): a thousand identical blocks cost one.

Sizes past 2³¹ − 1 (NC106) are not cut piece by piece: every size is a
non-decreasing function of the input size, so the sizes they leave out are
all those above one bound, the axis's ``limit``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from math import lcm
from typing import Any

from netcheck import graph
from netcheck.engine import layer_rounding
from netcheck.records import Record
from netcheck.sizes.pieces import Embed, Form, Piece, at, boundaries, merged, period_for
from netcheck.sizes.steps import NEEDS, Step, Unsolvable, Value, evaluate, requirements, stand_in_depth, step_of
from netcheck.vocabulary import MAX_SIZE, Shape

FAR = 1009  # an unbounded part is also checked this far from its start
PIECES = 4096  # the most pieces the sizes may split into at once (a guard: real networks need a few dozen)
#: The most residue classes one layer may split one piece into (its strides' period): a guard against
#: hostile strides such as a 1,000,000-wide pool, which would cost a million evaluations.
PERIOD = 4096
WORK = 2_000_000  # the most residue classes one network may visit in all (far above any real network's needs)


class SolverError(RuntimeError):
    """The solver's model of a layer disagrees with the layer's rule: a bug in netcheck, to be reported."""


@dataclass(frozen=True, slots=True)
class Plan:
    """A network ready to solve: its layers per axis in the engine's order, and the declared sizes.

    ``others[axis]`` gives, for each node, the size on the other axis under
    the declared input (None where that axis breaks before it), and
    ``last_reader`` the position of the last layer that reads each node.
    """

    steps: tuple[list[Step], list[Step]]
    declared: Shape
    others: tuple[dict[str, int | None], dict[str, int | None]]
    last_reader: dict[str, int]
    memo: Memo


@dataclass(frozen=True, slots=True)
class Outcome:
    """A layer on one interval ``low … high`` of a piece's parameter: its verdict and output forms."""

    low: int
    high: int | None
    ok: bool
    size: Form
    depth: Form | None


class Memo:
    """Layers that compute alike (same type, parameters, rounding) on the same inputs are computed once."""

    def __init__(self, stand_in: int) -> None:
        self.stand_in = stand_in
        self.values: dict[tuple[object, ...], Value] = {}
        self.outcomes: dict[tuple[object, ...], Outcome] = {}
        self.work = 0  # residue classes visited so far, against ``WORK``

    def value(self, step: Step, values: list[tuple[int, int | None]], other: int | None) -> Value:
        """``steps.evaluate``, remembered."""
        key = (step.signature, tuple(values), other if step.kind == "flatten" else None)
        found = self.values.get(key)
        if found is None:
            found = self.values[key] = evaluate(step, values, other, self.stand_in)
        return found


def plan_of(network: Record) -> Plan:
    """The plan of a network's records (``netcheck.records``); ``Unsolvable`` when its graph is broken."""
    layout = graph.build(network)
    if layout.problems or len(layout.order) != len(network.layers):
        raise Unsolvable("the layer graph has errors (NC004): no size can be solved")
    steps: tuple[list[Step], list[Step]] = ([], [])
    for position in layout.order:
        layer = network.layers[position]
        if layer.type not in NEEDS:
            raise Unsolvable(f"layer {layout.names[position]}: the sizes solver does not know the layer type "
                             f"{layer.type!r}")
        for axis in (0, 1):
            steps[axis].append(step_of(layout.names[position], layer, layer_rounding(layer, network),
                                       tuple(layout.inputs[position]), axis))
    readers = {name: index for index, step in enumerate(steps[0]) for name in step.inputs}
    memo = Memo(stand_in_depth(network.layers))
    declared = network.input.shape
    widths, heights = _declared(steps, declared, memo)
    return Plan(steps, declared, (heights, widths), readers, memo)


def _declared(steps: tuple[list[Step], list[Step]], shape: Shape,
              memo: Memo) -> tuple[dict[str, int | None], dict[str, int | None]]:
    """Each node's width and height under the declared input, as the engine computes them."""
    sizes: tuple[dict[str, int | None], dict[str, int | None]] = ({graph.INPUT: shape.width},
                                                                  {graph.INPUT: shape.height})
    depths: dict[str, int | None] = {graph.INPUT: shape.depth}
    for pair_of_steps in zip(*steps):
        values = [_declared_value(step, axis, sizes, depths, memo) for axis, step in enumerate(pair_of_steps)]
        name = pair_of_steps[0].name
        for axis, value in enumerate(values):
            sizes[axis][name] = None if value is None else value.size
        known = [value.depth for value in values if value is not None]
        depths[name] = known[0] if known else None
    return sizes


def _declared_value(step: Step, axis: int, sizes: tuple[dict[str, int | None], dict[str, int | None]],
                    depths: dict[str, int | None], memo: Memo) -> Value | None:
    inputs = [(sizes[axis][name], depths[name]) for name in step.inputs]
    if any(size is None for size, _ in inputs):
        return None
    return memo.value(step, [(int(size or 0), depth) for size, depth in inputs], sizes[1 - axis][step.inputs[0]])


def solve(plan: Plan, axis: int) -> tuple[list[Piece], int]:
    """The pieces of valid input sizes on ``axis`` (0 width, 1 height), and the axis's limit (see above)."""
    pieces = [Piece((Embed(1, 1, 1),), None, {graph.INPUT: (1, 1)}, {graph.INPUT: (0, plan.declared.depth)})]
    limit = MAX_SIZE
    others = plan.others[axis]
    for position, step in enumerate(plan.steps[axis]):
        grown: list[Piece] = []
        for piece in pieces:
            for part, cap in advance(piece, step, others.get(step.inputs[0]), plan.memo):
                grown.append(part)
                limit = min(limit, cap)
        _forget(grown, step, position, plan.last_reader)
        pieces = merged(grown)
        if len(pieces) > PIECES:
            raise Unsolvable(f"layer {step.name}: the valid sizes split into more than {PIECES:,} classes that "
                             "behave differently (floored strides under a long skip connection?)")
        if not pieces:
            break
    return pieces, limit


def _forget(pieces: list[Piece], step: Step, position: int, last_reader: dict[str, int]) -> None:
    dead = [name for name in step.inputs if last_reader.get(name) == position]
    if step.name not in last_reader:
        dead.append(step.name)
    for piece in pieces:
        for name in dead:
            piece.sizes.pop(name, None)
            piece.depths.pop(name, None)


def advance(piece: Piece, step: Step, other: int | None, memo: Memo) -> Iterator[tuple[Piece, int]]:
    """The valid parts of ``piece`` after ``step``, each with the step's output forms, and their caps."""
    mods, _ = requirements(step, _inputs(piece, step))
    period = lcm(1, *(period_for(form, q) for form, q in mods))
    if period > PERIOD:
        raise Unsolvable(f"layer {step.name}: its strides split the sizes into {period:,} residue classes, more "
                         f"than the {PERIOD:,} the solver lists")
    memo.work += period
    if memo.work > WORK:
        raise Unsolvable(f"layer {step.name}: the sizes need more than {WORK:,} residue classes visited")
    for residue in range(period):
        part = piece.residue(period, residue)
        if part is not None:
            yield from _parts(part, step, other, memo)


def _inputs(piece: Piece, step: Step) -> list[tuple[Form, Form | None]]:
    return [(piece.sizes[name], piece.depths[name]) for name in step.inputs]


def _parts(part: Piece, step: Step, other: int | None, memo: Memo) -> Iterator[tuple[Piece, int]]:
    _, crits = requirements(step, _inputs(part, step))
    starts = sorted({start for form, threshold in crits for start in boundaries(form, threshold)
                     if start > 0 and (part.top is None or start <= part.top)})
    lows = [0, *starts]
    highs: list[int | None] = [*(start - 1 for start in starts), part.top]
    outcomes = [_outcome(part, step, low, high, other, memo) for low, high in zip(lows, highs)]
    for run in _coalesced([outcome for outcome in outcomes if outcome.ok]):
        sizes = {**part.sizes, step.name: run.size}
        depths = {**part.depths, step.name: run.depth}
        yield Piece(part.embeds, part.top, sizes, depths).interval(run.low, run.high), _cap(part, run)


def _outcome(part: Piece, step: Step, low: int, high: int | None, other: int | None, memo: Memo) -> Outcome:
    forms = tuple((part.sizes[name], part.depths[name]) for name in step.inputs)
    key = (step.signature, forms, low, high, other if step.kind == "flatten" else None)
    found = memo.outcomes.get(key)
    if found is None:
        found = memo.outcomes[key] = _computed(forms, step, low, high, other, memo)
    return found


def _computed(forms: tuple[tuple[Form, Form | None], ...], step: Step, low: int, high: int | None,
              other: int | None, memo: Memo) -> Outcome:
    def value(k: int) -> Value:
        return memo.value(step, [(at(size, k), None if depth is None else at(depth, k)) for size, depth in forms],
                          other)

    first = value(low)
    if high == low:
        return Outcome(low, high, first.ok, (0, first.size or 0), None if first.depth is None else (0, first.depth))
    second = value(low + 1)
    outcome = Outcome(low, high, first.ok, _line(low, first.size, second.size), _depth_line(low, first, second))
    for k in _checks(low, high):
        _verify(outcome, k, value(k) if k != low + 1 else second, step)
    return outcome


def _line(low: int, first: int | None, second: int | None) -> Form:
    if first is None or second is None:
        return (0, 0)
    slope = second - first
    return (slope, first - slope * low)


def _depth_line(low: int, first: Value, second: Value) -> Form | None:
    if first.depth is None or second.depth is None:
        return None
    return _line(low, first.depth, second.depth)


def _checks(low: int, high: int | None) -> list[int]:
    last = low + FAR if high is None else high
    return sorted({k for k in (low + 1, low + 2, last) if k <= last})


def _verify(outcome: Outcome, k: int, value: Value, step: Step) -> None:
    agrees = value.ok == outcome.ok
    if agrees and outcome.ok:
        depth = None if outcome.depth is None else at(outcome.depth, k)
        agrees = value.size == at(outcome.size, k) and value.depth == depth
    if not agrees:
        raise SolverError(f"layer {step.name} ({step.kind}): the sizes solver's model is not affine on its part "
                          f"(parameter {k}); this is a bug in netcheck, please report it")


def _coalesced(outcomes: list[Outcome]) -> list[Outcome]:
    """Adjacent valid intervals whose forms agree, joined (a single point joins any line through it)."""
    runs: list[Outcome] = []
    for outcome in outcomes:
        joined = _join(runs[-1], outcome) if runs else None
        if joined is None:
            runs.append(outcome)
        else:
            runs[-1] = joined
    return runs


def _join(run: Outcome, outcome: Outcome) -> Outcome | None:
    if run.high is None or run.high + 1 != outcome.low:
        return None
    if (run.depth is None) != (outcome.depth is None):
        return None
    forms = _joined_forms(run, outcome)
    if forms is None:
        return None
    return Outcome(run.low, outcome.high, True, *forms)


def _joined_forms(run: Outcome, outcome: Outcome) -> tuple[Form, Form | None] | None:
    run_point, outcome_point = run.high == run.low, outcome.high == outcome.low
    if run_point and outcome_point:
        return (_through(run.low, run.size, outcome.size),
                None if run.depth is None or outcome.depth is None else _through(run.low, run.depth, outcome.depth))
    line, point = (outcome, run) if run_point else (run, outcome)
    if not (run_point or outcome_point):
        return (run.size, run.depth) if (run.size, run.depth) == (outcome.size, outcome.depth) else None
    if _on(line.size, point.size, point.low) and (line.depth is None or point.depth is None
                                                  or _on(line.depth, point.depth, point.low)):
        return line.size, line.depth
    return None


def _through(low: int, first: Form, second: Form) -> Form:
    """The line through two constant forms, at ``low`` and ``low + 1``."""
    return _line(low, first[1], second[1])


def _on(line: Form, point: Form, k: int) -> bool:
    return at(line, k) == point[1]


def _cap(part: Piece, run: Outcome) -> int:
    """The largest input size below the first of this run whose output (size or depth) passes 2³¹ − 1."""
    overs = [k for form in (run.size, run.depth) if form is not None
             for k in [_first_over(form, run.low, run.high)] if k is not None]
    return part.first_size_at(min(overs)) - 1 if overs else MAX_SIZE


def _first_over(form: Form, low: int, high: int | None) -> int | None:
    if at(form, low) > MAX_SIZE:
        return low
    if form[0] <= 0:
        return None
    over = (MAX_SIZE - form[1]) // form[0] + 1
    return over if high is None or over <= high else None


def records_of(network: Any) -> Record:
    """The records the engine runs on, from a pydantic ``netcheck.Network`` or records already."""
    if isinstance(network, Record):
        return network
    from netcheck.records import from_model

    records: Record = from_model(network)
    return records
