"""Fix finders for sliding-window layers, least invasive first.

The groups, in order: other paddings; setting ``rounding: floor`` on the
layer, as PyTorch computes it (NC101); smaller strides where the layer writes
its stride (NC101; never down to 1: a stride too large is a common slip,
``stride 3`` for ``stride 2``, and a stride of 1 stops the layer
downsampling); other network input sizes; other strides; other kernels (for
the NC201 warning, where the rounding was asked for, paddings only). Two
fixes are shown (``netcheck.fixing.FIXES_SHOWN``), so a smaller stride is
offered where fewer than two paddings work: FORMAT.md §3 and §5 fix the quiz
with stride 3 by ``padding 0 gives 9`` and ``padding 3 gives 11`` exactly,
and a stride is the bigger change to a design. Each candidate is first checked on
the layer alone (cheap), must not add a warning the layer did not have, and
is then verified on the whole network by the checker.

A fix is judged per layer and code (``netcheck.fixing.key_of``): one that
removes a layer's NC201 on the width removes it on the height too. So when
both axes have their own warning, the fixes are listed under the width's
only (NC101 and NC102 join both axes into one violation instead,
``netcheck.layers.base.merge_axes``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from netcheck.engine import layer_rounding, run
from netcheck.layers import RULES, Flow
from netcheck.records import Record
from netcheck.results import Edit, Fix
from netcheck.rules import Context
from netcheck.rules.words import each_axis
from netcheck.vocabulary import Shape, pair

WINDOWED = ("conv2d", "maxpool2d", "avgpool2d", "blurpool2d")
INPUT_SEARCH = 40
INPUT_SHARE = 4  # the input-size search may take a quarter of the file's budget
PAIR_SEARCH = 8
MAX_REACH = 64
GROUP_SIZE = 4  # candidates of one kind worth verifying: the nearest first, two are shown


def window_candidates(context: Context) -> Iterator[list[Fix]]:
    """Groups of candidate fixes for NC101, NC102 and NC201, best first."""
    if _listed_under_width(context):
        return
    layer = context.network.layers[context.index]
    flow = _input_flow(context)
    windowed = layer.type in WINDOWED and flow is not None
    code = context.finding.code
    early: list[Fix] = []
    if windowed and flow is not None:
        paddings = _nearest(context, layer, flow, "padding")
        if code == "NC101" and layer.stride is not None:
            early = _nearest(context, layer, flow, "stride", smaller=True)
        yield paddings
        if code == "NC101":
            yield _round_down(context, layer, flow)
        yield early
    if code == "NC201":
        return  # the rounding was asked for: only a padding that makes it exact is worth proposing
    yield _input_sizes(context)
    if windowed and flow is not None:
        yield [fix for fix in _nearest(context, layer, flow, "stride") if fix not in early]
        yield _nearest(context, layer, flow, "kernel")


def _listed_under_width(context: Context) -> bool:
    """True for a height NC201 whose layer has a width NC201 too: the same fixes are listed there."""
    finding = context.finding
    if finding.code != "NC201" or finding.facts.get("axis") != "height":
        return False
    key = ("NC201 on the width",)
    if key not in context.memo:
        context.memo[key] = {found.path for found in context.result.findings
                             if found.code == "NC201" and found.facts.get("axis") == "width"}
    widths: set[object] = context.memo[key]
    return finding.path in widths


def _input_flow(context: Context) -> Flow | None:
    names = context.result.rows[context.index].inputs
    return context.result.flows.get(names[0]) if len(names) == 1 else None


def _current(layer: Any, key: str) -> tuple[int, int] | None:
    value = getattr(layer, key)
    if key == "stride" and value is None:
        value = layer.kernel
    if isinstance(value, str):
        return None if value == "same" else (0, 0)
    return pair(value)


def _reach(layer: Any, key: str, current: tuple[int, int]) -> int:
    """How far from the current value a candidate may be: a fix should stay close."""
    kernel = max(pair(layer.kernel))
    stride = max(_current(layer, "stride") or (1, 1))
    reach = {"padding": max(stride, kernel), "stride": max(1, stride // 2), "kernel": max(2, kernel // 2)}[key]
    return min(reach, MAX_REACH)


def _codes(layer: Any, flow: Flow, rounding: str) -> tuple[set[str], Shape | None]:
    outcome = RULES[layer.type](layer, [flow], rounding)
    return {problem.code for problem in outcome.problems}, None if outcome.flow is None else outcome.flow.shape


def _nearest(context: Context, layer: Any, flow: Flow, key: str, smaller: bool = False) -> list[Fix]:
    """Up to ``GROUP_SIZE`` values of ``key`` near the layer's that make it whole (checked on the layer alone).

    ``smaller``: only values no larger on each axis, and none that goes from 2 or more to 1 (the common
    slip is a stride too large, ``3`` for ``2``; a stride fix that stops the layer downsampling changes
    what the layer is for).
    """
    current = _current(layer, key)
    if current is None:
        return []
    rounding = layer_rounding(layer, context.network)
    before, _ = _codes(layer, flow, rounding)
    allowed = before - {"NC101", "NC102", "NC201"}
    found = []
    for value in _around(current, 0 if key == "padding" else 1, _reach(layer, key, current)):
        if smaller and not all(new <= old and (new >= 2 or new == old) for new, old in zip(value, current)):
            continue
        if not context.affordable(1):
            break
        written = value[0] if value[0] == value[1] and _uniform(layer, key) else _pair_model(key, value)
        codes, shape = _codes(layer.replace(**{key: written}), flow, rounding)
        if shape is not None and codes <= allowed:
            found.append(Fix(f"{key} {_show(value)} gives {_size(shape)}",
                             (Edit(("layers", context.index, key), _plain(written)),)))
            if len(found) == GROUP_SIZE:
                break
    return found


def _round_down(context: Context, layer: Any, flow: Flow) -> list[Fix]:
    _, shape = _codes(layer, flow, "floor")
    if shape is None:
        return []
    return [Fix(f"set rounding: floor on this layer gives {_size(shape)}, as PyTorch computes it",
                (Edit(("layers", context.index, "rounding"), "floor"),))]


def _uniform(layer: Any, key: str) -> bool:
    value = getattr(layer, key)
    return value is None or isinstance(value, (int, str))


def _around(current: tuple[int, int], floor: int, reach: int) -> Iterator[tuple[int, int]]:
    """Values near ``current``, nearest first (smaller first on ties): uniform shifts, then per axis."""
    seen = {current}
    for distance in range(1, reach + 1):
        for sign in (-1, 1):
            value = (current[0] + sign * distance, current[1] + sign * distance)
            if min(value) >= floor and value not in seen:
                seen.add(value)
                yield value
    span = min(reach, PAIR_SEARCH)
    for first in range(max(floor, current[0] - span), current[0] + span + 1):
        for second in range(max(floor, current[1] - span), current[1] + span + 1):
            if (first, second) not in seen:
                seen.add((first, second))
                yield (first, second)


def _pair_model(key: str, value: tuple[int, int]) -> Record:
    return Record(width=value[0], height=value[1])


def _plain(value: Any) -> Any:
    return value.as_data() if isinstance(value, Record) else value


def _show(value: tuple[int, int]) -> str:
    return str(value[0]) if value[0] == value[1] else f"{{width: {value[0]}, height: {value[1]}}}"


def _size(shape: Shape) -> str:
    return str(shape.width) if shape.width == shape.height else f"{shape.width}x{shape.height}"


def _input_sizes(context: Context) -> list[Fix]:
    """Network input sizes near the current one under which every layer is whole.

    Only the failing axes move; a square input stays square. When both axes
    of a non-square input fail (one joined finding), each axis is searched on
    its own (leaving out the errors of the other axis) and the nearest sizes
    are paired. The answer is the same for every finding on those axes, so
    it is searched once per file, with at most ``INPUT_SHARE`` of the file's
    budget.
    """
    axes = tuple(axis["axis"] for axis in each_axis(context.finding.facts)) if "axes" in context.finding.facts \
        else (context.finding.facts.get("axis", "width"),)
    key = ("input sizes", axes)
    if key not in context.memo:
        context.memo[key] = _search_input_sizes(context, axes)
    found: list[Fix] = context.memo[key]
    return found


def _search_input_sizes(context: Context, axes: tuple[str, ...]) -> list[Fix]:
    network = context.network
    original = network.input.shape
    trials = [max(1, context.total // INPUT_SHARE // max(1, len(network.layers)))]
    solved = _solved_inputs(context, trials)
    if solved is not None:
        shapes = solved
    elif original.width == original.height or len(axes) == 1:
        moved = ("width", "height") if original.width == original.height else axes
        shapes = _nearest_inputs(context, trials, moved, None)
    else:
        widths = _nearest_inputs(context, trials, ("width",), "width")
        heights = _nearest_inputs(context, trials, ("height",), "height") if widths else []
        shapes = []
        for width, height in zip(widths, heights):
            shape = Shape(width.width, height.height, original.depth)
            if _whole(context, trials, shape, None):
                shapes.append(shape)
    return [Fix(f"input {shape} makes every layer whole", (Edit(("input",), _input_value(context, shape)),))
            for shape in shapes]


def _solved_inputs(context: Context, trials: list[int]) -> list[Shape] | None:
    """The two nearest inputs under which every layer is whole, from the exact solver (``netcheck.sizes``).

    None when the solver cannot answer this network (the bounded search then
    looks near the declared size). Each candidate is still verified here, and
    again on the whole network by the checker. Solved once per file, whatever
    the axes of the finding.
    """
    if "solved inputs" not in context.memo:
        context.memo["solved inputs"] = _solve_inputs(context, trials)
    solved: list[Shape] | None = context.memo["solved inputs"]
    return solved


def _solve_inputs(context: Context, trials: list[int]) -> list[Shape] | None:
    from netcheck import sizes

    if isinstance(context.network, Record) and context.network.get("_damage"):
        return None  # layers were skipped (netcheck.recovery): the sizes of the whole network are unknown
    try:
        candidates = sizes.input_candidates(sizes.valid_sizes(context.network))
    except Exception:  # Unsolvable, SolverError, or a solver bug: the fix search must never stop the check
        return None
    depth = context.network.input.shape.depth
    shapes: list[Shape] = []
    for width, height in candidates[:2 * GROUP_SIZE]:
        shape = Shape(width, height, depth)
        if len(shapes) < 2 and _whole(context, trials, shape, None):
            shapes.append(shape)
    return shapes


def _nearest_inputs(context: Context, trials: list[int], moved: tuple[str, ...], axis: str | None) -> list[Shape]:
    """Up to two input shapes nearest the network's, ``moved`` axes shifted alike, whole (on ``axis``, or all)."""
    original = context.network.input.shape
    start = original.width if moved[0] == "width" else original.height
    found: list[Shape] = []
    for distance in range(1, INPUT_SEARCH + 1):
        for sign in (-1, 1):
            size = start + sign * distance
            if size < 1 or len(found) == 2:
                continue
            shape = Shape(size if "width" in moved else original.width, size if "height" in moved else original.height,
                          original.depth)
            if not _whole(context, trials, shape, axis):
                if trials[0] < 0:
                    return found
                continue
            found.append(shape)
    return found


def _whole(context: Context, trials: list[int], shape: Shape, axis: str | None) -> bool:
    """Whether the network on input ``shape`` has no geometry error (on ``axis``: none that involves it).

    Each call is one run of the network, taken from ``trials`` and the file's budget; past them, False
    (and ``trials`` below 0).
    """
    trials[0] -= 1
    if trials[0] < 0 or not context.affordable():
        trials[0] = -1
        return False
    trial = context.network.replace(input=Record(width=shape.width, height=shape.height, depth=shape.depth))
    return not any(finding.code[:3] == "NC1" and finding.code != "NC105" and _involves(finding.facts, axis)
                   for finding in run(trial).findings)


def _involves(facts: dict[str, Any], axis: str | None) -> bool:
    """Whether a finding is about ``axis`` (None: any): findings without an axis are about both."""
    if axis is None or "axis" not in facts:
        return True
    return any(each["axis"] == axis for each in each_axis(facts))


def _input_value(context: Context, shape: Shape) -> Any:
    written = context.data.get("input") if isinstance(context.data, dict) else None
    if isinstance(written, dict):
        return {"width": shape.width, "height": shape.height, "depth": shape.depth}
    return str(shape)
