"""Fix finders for sliding-window layers: other paddings, strides, kernels, input sizes.

Each candidate is first checked on the layer alone (cheap); the checker then
verifies it on the whole network before it is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from netcheck.engine import run
from netcheck.layers import RULES, Flow
from netcheck.rules import Context
from netcheck.spec import AxisPadding, AxisPair, Shape, ShapeSpec, pair
from netcheck.violation import Edit, Fix

SEARCH = 64
WINDOWED = ("conv2d", "maxpool2d", "avgpool2d")
FAILING = ("NC101", "NC102", "NC201")


def window_candidates(context: Context) -> Iterator[list[Fix]]:
    """Paddings, else strides, else kernels; then input sizes when the layer is deep."""
    layer = context.network.layers[context.index]
    flow = _input_flow(context)
    if layer.type in WINDOWED and flow is not None:
        for key in ("padding", "stride", "kernel"):
            group = _nearest(context, layer, flow, key)
            if group:
                yield group
    if layer.type in WINDOWED + ("conv_transpose2d",) and context.result.rows[context.index].inputs != ["input"]:
        yield _input_sizes(context)


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


def _layer_passes(layer: Any, flow: Flow, rounding: str) -> Shape | None:
    outcome = RULES[layer.type](layer, [flow], rounding)
    if any(problem.code in FAILING or problem.code[:3] == "NC1" for problem in outcome.problems):
        return None
    return None if outcome.flow is None else outcome.flow.shape


def _nearest(context: Context, layer: Any, flow: Flow, key: str) -> list[Fix]:
    current = _current(layer, key)
    if current is None:
        return []
    floor = 0 if key == "padding" else 1
    rounding = getattr(layer, "rounding", None) or context.network.rounding
    found = []
    for value in _around(current, floor):
        written = value[0] if value[0] == value[1] and _uniform(layer, key) else _pair_model(key, value)
        shape = _layer_passes(layer.model_copy(update={key: written}), flow, rounding)
        if shape is not None:
            found.append(Fix(f"{key} {_show(value)} gives {_size(shape)}",
                             (Edit(("layers", context.index, key), _plain(written)),)))
    return found


def _uniform(layer: Any, key: str) -> bool:
    value = getattr(layer, key)
    return value is None or isinstance(value, (int, str))


def _around(current: tuple[int, int], floor: int) -> Iterator[tuple[int, int]]:
    """Values near ``current``, nearest first (smaller first on ties), uniform before per-axis."""
    seen = {current}
    for distance in range(1, SEARCH):
        for sign in (-1, 1):
            value = (current[0] + sign * distance, current[1] + sign * distance)
            if min(value) >= floor and value not in seen:
                seen.add(value)
                yield value
    if current[0] != current[1]:
        return
    for first in range(max(floor, current[0] - SEARCH // 4), current[0] + SEARCH // 4):
        for second in range(max(floor, current[1] - SEARCH // 4), current[1] + SEARCH // 4):
            if (first, second) not in seen and first != second:
                yield (first, second)


def _pair_model(key: str, value: tuple[int, int]) -> AxisPair | AxisPadding:
    if key == "padding":
        return AxisPadding(width=value[0], height=value[1])
    return AxisPair(width=value[0], height=value[1])


def _plain(value: Any) -> Any:
    return value.model_dump() if hasattr(value, "model_dump") else value


def _show(value: tuple[int, int]) -> str:
    return str(value[0]) if value[0] == value[1] else f"{{width: {value[0]}, height: {value[1]}}}"


def _size(shape: Shape) -> str:
    return str(shape.width) if shape.width == shape.height else f"{shape.width}x{shape.height}"


def _input_sizes(context: Context) -> list[Fix]:
    """Network input sizes near the current one under which every layer is whole."""
    network = context.network
    original = network.input.shape
    found = []
    for width, height in _around((original.width, original.height), 1):
        if abs(width - original.width) > SEARCH // 2 or len(found) == 2:
            break
        shape = Shape(width, height, original.depth)
        trial = network.model_copy(update={"input": ShapeSpec(width=width, height=height, depth=original.depth)})
        if not any(f.code[:3] in ("NC1", "NC0") or f.code == "NC201" for f in run(trial).findings
                   if f.code != "NC105"):
            found.append(Fix(f"input {shape} makes every layer whole", (Edit(("input",), _input_value(context, shape)),)))
    return found


def _input_value(context: Context, shape: Shape) -> Any:
    written = context.data.get("input") if isinstance(context.data, dict) else None
    if isinstance(written, dict):
        return {"width": shape.width, "height": shape.height, "depth": shape.depth}
    return str(shape)


Finder = Callable[[Context], Iterator[list[Fix]]]
