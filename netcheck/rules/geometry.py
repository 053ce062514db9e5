"""Fix finders for sliding-window layers, least invasive first.

The groups, in order: other paddings; rounding the layer down as PyTorch
does; other network input sizes; other strides; other kernels (for the NC201
warning, where the rounding was asked for, paddings only). Each candidate
is first checked on the layer alone (cheap), must not add a warning the layer
did not have, and is then verified on the whole network by the checker.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from netcheck.engine import layer_rounding, run
from netcheck.layers import RULES, Flow
from netcheck.records import Record
from netcheck.results import Edit, Fix
from netcheck.rules import Context
from netcheck.vocabulary import Shape, pair

WINDOWED = ("conv2d", "maxpool2d", "avgpool2d")
INPUT_SEARCH = 40
INPUT_SHARE = 4  # the input-size search may take a quarter of the file's budget
PAIR_SEARCH = 8
MAX_REACH = 64
GROUP_SIZE = 4  # candidates of one kind worth verifying: the nearest first, two are shown


def window_candidates(context: Context) -> Iterator[list[Fix]]:
    """Groups of candidate fixes for NC101, NC102 and NC201, best first."""
    layer = context.network.layers[context.index]
    flow = _input_flow(context)
    windowed = layer.type in WINDOWED and flow is not None
    if windowed and flow is not None:
        yield _nearest(context, layer, flow, "padding")
        if context.finding.code == "NC101":
            yield _round_down(context, layer, flow)
    if context.finding.code == "NC201":
        return  # the rounding was asked for: only a padding that makes it exact is worth proposing
    yield _input_sizes(context)
    if windowed and flow is not None:
        yield _nearest(context, layer, flow, "stride")
        yield _nearest(context, layer, flow, "kernel")


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


def _nearest(context: Context, layer: Any, flow: Flow, key: str) -> list[Fix]:
    current = _current(layer, key)
    if current is None:
        return []
    rounding = layer_rounding(layer, context.network)
    before, _ = _codes(layer, flow, rounding)
    allowed = before - {"NC101", "NC102", "NC201"}
    found = []
    for value in _around(current, 0 if key == "padding" else 1, _reach(layer, key, current)):
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
    return [Fix(f"rounding floor gives {_size(shape)}, as PyTorch computes it",
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

    Only the failing axis moves; a square input stays square. The answer is
    the same for every finding on that axis, so it is searched once per file,
    with at most ``INPUT_SHARE`` of the file's budget.
    """
    axis = context.finding.facts.get("axis", "width")
    key = ("input sizes", axis)
    if key not in context.memo:
        context.memo[key] = _search_input_sizes(context, axis)
    found: list[Fix] = context.memo[key]
    return found


def _search_input_sizes(context: Context, axis: str) -> list[Fix]:
    network = context.network
    original = network.input.shape
    square = original.width == original.height
    found: list[Fix] = []
    trials = max(1, context.total // INPUT_SHARE // max(1, len(network.layers)))
    for distance in range(1, INPUT_SEARCH + 1):
        for sign in (-1, 1):
            size = (original.width if axis == "width" else original.height) + sign * distance
            if size < 1 or len(found) == 2:
                continue
            trials -= 1
            if trials < 0 or not context.affordable():
                return found
            width = size if axis == "width" or square else original.width
            height = size if axis == "height" or square else original.height
            trial = network.replace(input=Record(width=width, height=height, depth=original.depth))
            if not any(finding.code[:3] == "NC1" and finding.code != "NC105" for finding in run(trial).findings):
                shape = Shape(width, height, original.depth)
                found.append(Fix(f"input {shape} makes every layer whole",
                                 (Edit(("input",), _input_value(context, shape)),)))
    return found


def _input_value(context: Context, shape: Shape) -> Any:
    written = context.data.get("input") if isinstance(context.data, dict) else None
    if isinstance(written, dict):
        return {"width": shape.width, "height": shape.height, "depth": shape.depth}
    return str(shape)
