"""One layer seen along one axis: its arithmetic (the layer modules' own rules) and where it may change.

A layer's parameters are restricted to the axis being solved (``kernel:
{width: 3, height: 1}`` becomes 3 on both axes when solving the width), so
that the layer's rule from ``netcheck.layers``, run on a square input of the
axis's size, computes exactly that axis: its output size and its errors. The
solver never restates a layer's formula to compute a size; it only needs to
know, for each layer type, what makes the output affine and the verdict
uniform on a set of sizes (``requirements``):

* ``mods``: (form, q) pairs: the rule floors or tests the form modulo q
  (a stride, a pixel-(un)shuffle factor, groups dividing a depth);
* ``crits``: (form, threshold) pairs: the verdict may change where the
  form crosses the threshold (a kernel larger than the padded input, a
  transposed convolution's size below 1, inputs of a merge that agree,
  a dense layer's 1 × 1 input, a slice's channels).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations
from math import lcm
from typing import Any

from netcheck import rules
from netcheck.layers import RULES, Flow
from netcheck.layers.conv import channel_padding
from netcheck.layers.sliding import padding_pair
from netcheck.layers.window import Window
from netcheck.records import Record
from netcheck.sizes.pieces import Form
from netcheck.vocabulary import Shape, pair

AXES = ("width", "height")
#: Layer types whose output depth is a parameter, not the input's.
DEPTH_SETTERS = ("filters", "units", "channels")

Need = tuple[Form, int]
Needs = tuple[list[Need], list[Need]]
Inputs = list[tuple[Form, Form | None]]


class Unsolvable(ValueError):
    """The network uses something the sizes solver cannot solve exactly (the message says what)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One layer along one axis: its name, type, parameters restricted to the axis, rounding and inputs."""

    name: str
    kind: str
    layer: Record
    rounding: str
    inputs: tuple[str, ...]
    signature: str = ""  # equal for layers that compute the same (type, parameters, rounding)


def step_of(name: str, layer: Record, rounding: str, inputs: tuple[str, ...], axis: int) -> Step:
    """The step of ``layer`` along ``axis``, with a signature shared by layers that compute alike."""
    own = restricted(layer, axis)
    data = {key: value for key, value in own.as_data().items() if key not in ("name", "inputs", "expect")}
    return Step(name, layer.type, own, rounding, inputs, f"{rounding} {sorted(data.items())!r}")


@dataclass(frozen=True, slots=True)
class Value:
    """What a layer computes for one size: whether it is free of errors, its output size and depth."""

    ok: bool
    size: int | None
    depth: int | None


def restricted(layer: Record, axis: int) -> Record:
    """``layer`` with every per-axis parameter set to its value on ``axis`` (0 width, 1 height) on both axes."""
    changes = {key: _one_axis(value, axis) for key, value in layer.__dict__.items()
               if isinstance(value, Record) and key != "expect" and not key.startswith("_")}
    return layer.replace(**changes) if changes else layer


def _one_axis(value: Record, axis: int) -> Record:
    if value.get("width") is not None and value.get("height") is not None:
        size = (value.width, value.height)[axis]
        return value.replace(width=size, height=size)
    if value.get("left") is not None:
        near, far = ((value.left, value.right), (value.top, value.bottom))[axis]
        return value.replace(left=near, right=far, top=near, bottom=far)
    return value


def is_error(code: str) -> bool:
    """True for the codes that make a size invalid: every error but NC105 (expectations)."""
    return code != "NC105" and rules.severity(code) == "error"


def evaluate(step: Step, values: list[tuple[int, int | None]], other: int | None, stand_in: int) -> Value:
    """Run the layer's rule on square inputs of the given sizes and depths (None: unknown, ``stand_in`` used).

    ``other`` is the other axis's size at the layer's input (a flatten's
    depth is W·H·D); an unknown depth stays unknown unless the layer sets it.
    """
    known = next((depth for _, depth in values if depth is not None), stand_in)
    flows = [Flow(Shape(size, size, known if depth is None else depth)) for size, depth in values]
    outcome = RULES[step.kind](step.layer, flows, step.rounding)
    ok = outcome.flow is not None and not any(is_error(problem.code) for problem in outcome.problems)
    if outcome.flow is None:
        return Value(False, None, None)
    shape = outcome.flow.shape
    return Value(ok, shape.width, _depth(step, values, shape, other))


def _depth(step: Step, values: list[tuple[int, int | None]], shape: Shape, other: int | None) -> int | None:
    if step.kind == "flatten":
        size, depth = values[0]
        return None if other is None or depth is None else size * other * depth
    if any(depth is None for _, depth in values) and not any(step.layer.get(key) is not None
                                                             for key in DEPTH_SETTERS):
        return None
    return shape.depth


def requirements(step: Step, inputs: Inputs) -> Needs:
    """The moduli and thresholds that make ``step`` affine and its verdict uniform (see the module docstring)."""
    finder = NEEDS.get(step.kind)
    if finder is None:
        raise Unsolvable(f"layer {step.name}: the sizes solver does not know the layer type {step.kind!r}")
    return finder(step.layer, inputs)


def _difference(first: Form, second: Form) -> Form:
    return (first[0] - second[0], first[1] - second[1])


def _stride(layer: Record) -> int:
    return pair(layer.kernel if layer.get("stride") is None else layer.stride)[0]


def _span(layer: Record, stride: int, padding: int | str) -> int:
    dilation = 1 if layer.type == "avgpool2d" or layer.get("dilation") is None else pair(layer.dilation)[0]
    return Window("width", 1, pair(layer.kernel)[0], stride, padding, dilation).kernel_eff


def _groups(layer: Record, depth: Form | None) -> list[Need]:
    return [] if depth is None else [(depth, layer.groups)]


def _sliding(layer: Record, inputs: Inputs) -> Needs:
    size, depth = inputs[0]
    stride = _stride(layer)
    padding = padding_pair(layer.padding)[0]
    mods = [(size, stride)] + (_groups(layer, depth) if layer.type in ("conv2d", "cond_conv2d") else [])
    if padding == "same":
        return mods, []
    span = _span(layer, stride, padding) - 2 * int(padding)
    # the window must fit the padded input; under ceil a window reaching into it is enough
    return mods, [(size, span), (size, span - stride + 1)]


def _cond_conv(layer: Record, inputs: Inputs) -> Needs:
    mods, crits = _sliding(layer, inputs)
    return mods, [*crits, (inputs[1][0], 1)]  # and the routing 1 x 1


def _transposed(layer: Record, inputs: Inputs) -> Needs:
    size, depth = inputs[0]
    stride = pair(layer.stride)[0]
    padding = padding_pair(layer.padding)[0]
    if padding == "same":
        return _groups(layer, depth), []
    short = 1 + 2 * int(padding) - _span(layer, stride, padding) - pair(layer.output_padding)[0]
    return _groups(layer, depth), [(size, 1 - (-short // stride))]  # the least size whose output is ≥ 1


def _plain(layer: Record, inputs: Inputs) -> Needs:
    return [], []


def _channel_groups(layer: Record, inputs: Inputs) -> Needs:
    return _groups(layer, inputs[0][1]), []


def _shuffle(layer: Record, inputs: Inputs) -> Needs:
    depth = inputs[0][1]
    return ([] if depth is None else [(depth, layer.factor * layer.factor)]), []


def _unshuffle(layer: Record, inputs: Inputs) -> Needs:
    return [(inputs[0][0], layer.factor)], []


def _slice(layer: Record, inputs: Inputs) -> Needs:
    depth = inputs[0][1]
    return [], ([] if depth is None else [(depth, layer.channels[1])])


def _crop(layer: Record, inputs: Inputs) -> Needs:
    crop = layer.crop
    removed = 2 * crop if isinstance(crop, int) else crop.left + crop.right  # restricted: left/right are this axis
    return [], [(inputs[0][0], removed + 1)]


def _channel_conv(layer: Record, inputs: Inputs) -> Needs:
    depth = inputs[0][1]
    return [], ([] if depth is None else [(depth, layer.kernel - 2 * channel_padding(layer))])


def _dense(layer: Record, inputs: Inputs) -> Needs:
    return [], [(inputs[0][0], 1)]


def _flatten(layer: Record, inputs: Inputs) -> Needs:
    size, depth = inputs[0]
    if depth is not None and size[0] and depth[0]:
        raise Unsolvable(f"layer {layer.get('name') or 'flatten'}: a flatten of a volume whose size and depth "
                         "both grow with the input: its depth is not affine in the input size")
    return [], []


def _agreeing(forms: list[Form], broadcast: bool) -> list[Need]:
    needs = [(_difference(first, second), 0) for first, second in combinations(forms, 2)]
    return needs + [(form, 1) for form in forms] if broadcast else needs


def _depth_forms(inputs: Inputs) -> list[Form]:
    return [depth for _, depth in inputs if depth is not None]


def _add(layer: Record, inputs: Inputs) -> Needs:
    return [], _agreeing([size for size, _ in inputs], False) + _agreeing(_depth_forms(inputs), False)


def _concat(layer: Record, inputs: Inputs) -> Needs:
    return [], _agreeing([size for size, _ in inputs], False)


def _multiply(layer: Record, inputs: Inputs) -> Needs:
    return [], _agreeing([size for size, _ in inputs], True) + _agreeing(_depth_forms(inputs), True)


_PLAIN = ("batchnorm2d", "lrn", "dropout", "activation", "layernorm2d", "rmsnorm2d", "grn", "instancenorm2d",
          "layer_scale", "prelu",
          "drop_path", "identity", "scale", "upsample2d", "zeropad2d", "global_avgpool2d", "global_maxpool2d",
          "adaptive_avgpool2d", "adaptive_maxpool2d", "resize2d")

#: Each layer type's requirements, by ``type``.
NEEDS: dict[str, Callable[[Record, Inputs], Needs]] = {
    **{kind: _plain for kind in _PLAIN},
    "conv2d": _sliding, "cond_conv2d": _cond_conv, "maxpool2d": _sliding, "avgpool2d": _sliding, "blurpool2d": _sliding,
    "conv_transpose2d": _transposed,
    "groupnorm": _channel_groups, "channel_shuffle": _channel_groups, "group_softmax": _channel_groups,
    "evonorm2d": _channel_groups,
    "pixel_shuffle": _shuffle, "pixel_unshuffle": _unshuffle,
    "slice": _slice, "dense": _dense, "flatten": _flatten,
    "add": _add, "subtract": _add, "concat": _concat, "multiply": _multiply, "channel_conv": _channel_conv,
    "crop2d": _crop, "context_pool2d": _concat,
}


def stand_in_depth(layers: list[Any]) -> int:
    """A depth that every depth condition of the network accepts (used where a depth cannot be known)."""
    divisor = 1
    least = 1
    for layer in layers:
        groups = layer.get("groups")
        if isinstance(groups, int):
            divisor = lcm(divisor, groups)
        if layer.type == "pixel_shuffle":
            divisor = lcm(divisor, layer.factor * layer.factor)
        if layer.type == "slice":
            least = max(least, layer.channels[1])
    return divisor * -(-least // divisor)
