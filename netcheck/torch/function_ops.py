"""from_module's function and method layers: a traced call of a torch function or Tensor method as a layer."""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.fx

from netcheck import spec
from netcheck.spec import Shape
from netcheck.torch.build import _as_vector, _as_volume
from netcheck.torch.module_ops import (
    _activation_fields,
    _adaptive,
    _check_channel_dim,
    _conv,
    _extra_values,
    _group_norm,
    _layer_norm,
    _linear_layer,
    _merge,
    _pool,
    _prelu,
    _upsample,
    _zeropad,
)
from netcheck.torch.nodes import (
    CHANNEL_AXIS,
    N1C,
    NCHW,
    NHWC,
    _alias,
    _arg,
    _emit,
    _Import,
    _is_number,
    _Param,
    _param,
    _param_tensors,
    _Pieces,
    _shape_of,
    _source,
    _tensor_shape,
    _unsupported,
    _Value,
)
from netcheck.torch.sizes import _short
from netcheck.torch.standardization import _parameter_arithmetic, _standardization
from netcheck.torch.views import (
    RESHAPES,
    SAME_SHAPE_METHODS,
    _dims,
    _function_stack,
    _grouped_view,
    _position_view,
    _radix_view,
    _visit_grouped,
    _visit_positions,
)

_ACTIVATION_FUNCTIONS = {
    "relu": "relu", "relu_": "relu", "relu6": "relu6", "leaky_relu": "leaky_relu", "leaky_relu_": "leaky_relu",
    "elu": "elu", "elu_": "elu", "selu": "selu", "selu_": "selu", "celu": "celu", "celu_": "celu", "gelu": "gelu",
    "silu": "silu", "mish": "mish", "sigmoid": "sigmoid", "sigmoid_": "sigmoid", "hardsigmoid": "hardsigmoid",
    "hardswish": "hardswish", "tanh": "tanh", "tanh_": "tanh", "softmax": "softmax", "log_softmax": "log_softmax",
    "softplus": "softplus", "softsign": "softsign",
}


def _function_name(node: torch.fx.Node) -> str | None:
    """The name of a torch function or Tensor method a node calls; None for anything else."""
    if node.op == "call_method":
        return str(node.target)
    target = node.target
    if target in (operator.add, operator.iadd):
        return "add"
    if target in (operator.mul, operator.imul):
        return "mul"
    if target in (operator.truediv, operator.itruediv):
        return "div"
    if target in (operator.sub, operator.isub):
        return "sub"
    if target in (operator.pow, operator.ipow):
        return "pow"
    if target is operator.getitem:
        return "getitem"
    if target is operator.matmul:
        return "matmul"
    if target is _as_volume or target is _as_vector:
        return "netcheck_reshape"
    module_name = str(getattr(target, "__module__", "") or "")
    if module_name.startswith("torch"):
        return str(getattr(target, "__name__", ""))
    return None


_PARAM_VIEWS = SAME_SHAPE_METHODS | RESHAPES | {"expand", "expand_as", "permute", "flatten"}


def _visit_function(state: _Import, node: torch.fx.Node) -> None:
    name = _function_name(node)
    if name is None:
        raise _unsupported(state, node, "the format has no layer for it")
    first = node.args[0] if node.args else None
    found = _param(state, first)
    if found is not None and name in _PARAM_VIEWS:
        state.params[node] = dataclasses.replace(found, shape=_tensor_shape(node) or ())
        return
    if _parameter_arithmetic(state, node, name):
        return
    if isinstance(first, torch.fx.Node) and first in state.grouped:
        _visit_grouped(state, node, name, state.grouped[first])
        return
    if isinstance(first, torch.fx.Node) and first in state.positions:
        _visit_positions(state, node, name, *state.positions[first])
        return
    if name == "stack":
        _function_stack(state, node)
        return
    if name in _MODERN:
        _MODERN[name](state, node)
    elif name == "netcheck_reshape" or name in SAME_SHAPE_METHODS:
        _alias(state, node, _source(state, node, node.args[0]))
    elif name in ("add", "add_"):
        _function_add(state, node)
    elif name in ("cat", "concat", "concatenate"):
        _function_cat(state, node)
    elif name in _ACTIVATION_FUNCTIONS:
        function = _ACTIVATION_FUNCTIONS[name]
        if function in ("softmax", "log_softmax"):
            _check_channel_dim(state, node, _arg(node, 1, "dim"))
        slope = _arg(node, 1, "negative_slope", 0.01) if function == "leaky_relu" else None
        _emit(state, node, function, _activation_fields(state, node, function, slope),
              [_source(state, node, node.args[0])], channels_last=function not in ("softmax", "log_softmax"))
    elif name == "hardtanh":
        low, high = _arg(node, 1, "min_val", -1.0), _arg(node, 2, "max_val", 1.0)
        if (low, high) != (0.0, 6.0):
            raise _unsupported(state, node, f"hardtanh({low}, {high}) is not an activation of the format")
        _emit(state, node, "relu6", {"type": "activation", "function": "relu6"},
              [_source(state, node, node.args[0])])
    elif name in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
        rate = float(_arg(node, 1, "p", 0.5))
        _emit(state, node, "dropout", {"type": "dropout", "rate": rate}, [_source(state, node, node.args[0])],
              channels_last=name in ("dropout", "alpha_dropout"))
    elif name == "flatten":
        _function_flatten(state, node)
    elif name in RESHAPES:
        _function_reshape(state, node)
    elif name in ("max_pool2d", "_max_pool2d", "avg_pool2d"):
        kind = "avgpool2d" if name == "avg_pool2d" else "maxpool2d"
        if kind == "maxpool2d" and _arg(node, 6, "return_indices", False):
            raise _unsupported(state, node, "return_indices=True gives a tuple")
        ceil_index = 4 if kind == "avgpool2d" else 5
        dilation = 1 if kind == "avgpool2d" else _arg(node, 4, "dilation", 1)
        include = bool(_arg(node, 5, "count_include_pad", True)) if kind == "avgpool2d" else True
        first = node.args[0]
        padded = state.max_pads.get(first) if kind == "maxpool2d" and isinstance(first, torch.fx.Node) else None
        source, explicit = padded if padded is not None else (_source(state, node, node.args[0]), None)
        _pool(state, node, kind, source, _arg(node, 1, "kernel_size"), _arg(node, 2, "stride"),
              _arg(node, 3, "padding", 0), dilation, bool(_arg(node, ceil_index, "ceil_mode", False)), explicit,
              None, include)
    elif name in ("adaptive_avg_pool2d", "adaptive_max_pool2d", "_adaptive_max_pool2d"):
        if _arg(node, 2, "return_indices", False):
            raise _unsupported(state, node, "return_indices=True gives a tuple")
        kind = "adaptive_avgpool2d" if "avg" in name else "adaptive_maxpool2d"
        _adaptive(state, node, kind, _source(state, node, node.args[0]), None)
    elif name in ("mean", "amax"):
        _function_global(state, node, "global_avgpool2d" if name == "mean" else "global_maxpool2d")
    elif name == "pad":
        mode, value = _arg(node, 2, "mode", "constant"), _arg(node, 3, "value", None)
        if mode == "constant" and value == -math.inf and _only_max_pools(node):
            sides = _arg(node, 1, "pad")
            state.max_pads[node] = (_source(state, node, node.args[0]), tuple(sides) + (0, 0) * (len(sides) == 2))
        elif mode != "constant" or value not in (None, 0, 0.0):
            raise _unsupported(state, node, f"padding mode {mode!r} with value {value!r}; the format pads with zeros")
        else:
            sides = _arg(node, 1, "pad")
            if not isinstance(sides, (tuple, list)) or not all(isinstance(side, int) for side in sides):
                raise _unsupported(state, node, "the padding is computed at run time")
            _zeropad(state, node, tuple(sides), _source(state, node, node.args[0]), None)
    elif name in ("interpolate", "upsample", "upsample_nearest", "upsample_bilinear"):
        mode = _arg(node, 3, "mode", "nearest") if name in ("interpolate", "upsample") else name.split("_")[1]
        _upsample(state, node, _arg(node, 2, "scale_factor"), _arg(node, 1, "size"), str(mode),
                  _source(state, node, node.args[0]), None)
    elif name == "local_response_norm":
        fields = {"type": "lrn", "size": int(_arg(node, 1, "size")),
                  **_extra_values("lrn", alpha=_arg(node, 2, "alpha", 1e-4), beta=_arg(node, 3, "beta", 0.75),
                                  k=_arg(node, 4, "k", 1.0))}
        _emit(state, node, "lrn", fields, [_source(state, node, node.args[0])])
    else:
        raise _unsupported(state, node, "the format has no layer for it")


def _only_max_pools(node: torch.fx.Node) -> bool:
    """Padding with −inf read only by max pooling (timm's ``MaxPool2dSame``): the pool's own padding."""
    return bool(node.users) and all(_function_name(user) in ("max_pool2d", "_max_pool2d") and user.args[0] is node
                                    for user in node.users)


def _function_add(state: _Import, node: torch.fx.Node) -> None:
    alpha = node.kwargs.get("alpha", 1)
    if alpha != 1:
        raise _unsupported(state, node, f"add with alpha={alpha}; the format's add is a plain sum")
    arguments = list(node.args[:2])
    zeros = [argument for argument in arguments if not isinstance(argument, torch.fx.Node) and argument == 0]
    if len(zeros) == 1 and len(arguments) == 2:  # ``out = 0; out += branch(x)`` (timm's MobileOne)
        _alias(state, node, _source(state, node, next(item for item in arguments if item is not zeros[0])))
        return
    if _shift_of_layer_scale(state, node, arguments):
        return
    if not all(isinstance(argument, torch.fx.Node) and argument in state.values for argument in arguments):
        raise _unsupported(state, node, "it adds a constant or a parameter; the format's add sums layer outputs")
    _same_ranks(state, node, arguments)
    arguments = [_spread_to_plane(state, node, argument, arguments) for argument in arguments]
    _merge(state, node, "add", arguments, None)


def _spread_to_plane(state: _Import, node: torch.fx.Node, argument: Any, arguments: list[Any]) -> Any:
    """PyTorch broadcasts a 1 x 1 x C term over a W x H x C volume (GCNet's ``x + context``); the format's add
    needs one shape, so the term is spread over the plane first: an upsample2d (nearest) by W x H. Returns the
    argument itself, or the spread term's value."""
    value = state.values[argument]
    planes = {(state.values[other].shape.width, state.values[other].shape.height) for other in arguments}
    widest = max(planes)
    if (value.shape.width, value.shape.height) != (1, 1) or len(planes) != 2 or value.rank != 4 or \
            any(state.values[other].shape.depth != value.shape.depth for other in arguments):
        return argument
    _emit(state, node, "spread", {"type": "upsample2d", "scale": _short(*widest)}, [value],
          shape=Shape(widest[0], widest[1], value.shape.depth))
    return state.values.pop(node)


def _shift_of_layer_scale(state: _Import, node: torch.fx.Node, arguments: list[Any]) -> bool:
    """``scale * x + bias`` (HGNet-V2's learnable affine block, StarReLU): the bias joins the layer scale before it.

    Only when the scaled value is read by this add alone and the shift has as many values as the factors.
    """
    values = [argument for argument in arguments if isinstance(argument, torch.fx.Node) and argument in state.values]
    params = [found for found in (_param(state, argument) for argument in arguments) if found is not None]
    if len(arguments) != 2 or len(values) != 1 or len(params) != 1:
        return False
    scaled, shift = values[0], params[0]
    layer = state.layers[-1] if state.layers else None
    if layer is None or layer.node is not scaled or layer.fields["type"] != "layer_scale" or \
            layer.fields.get("bias") or len(scaled.users) != 1 or shift.factor != 1.0 or shift.standardized:
        return False
    single = layer.fields.get("per_channel") is False or state.values[scaled].shape.depth == 1
    if _factor_kind(shift, state.values[scaled]) != ("single" if single else "channel"):
        return False
    layer.fields["bias"] = True
    init = _uniform_value(shift.tensor)
    if init is not None and init != 0.0:
        layer.fields["bias_init"] = init
    layer.tensors.append((shift.key, shift.tensor))
    state.owners[id(shift.tensor)] = layer.name
    _alias(state, node, state.values[scaled])
    return True


def _same_ranks(state: _Import, node: torch.fx.Node, arguments: list[Any]) -> None:
    """PyTorch broadcasts from the last axis, the format per W, H and D: both agree only on tensors of one rank."""
    ranks = {state.values[argument].rank for argument in arguments}
    if len(ranks) > 1:
        raise _unsupported(state, node, "it broadcasts a vector against a volume along the last axes; the format "
                                        "broadcasts 1 x 1 x D (N x C x 1 x 1) against W x H x D")


def _function_mul(state: _Import, node: torch.fx.Node) -> None:
    """``x * gate`` (squeeze-and-excitation) is a multiply; ``x * self.gamma`` (a factor per channel) a layer scale."""
    arguments = list(node.args[:2])
    values = [argument for argument in arguments if isinstance(argument, torch.fx.Node) and argument in state.values]
    params = [_param(state, argument) for argument in arguments]
    if len(values) == 2:
        _same_ranks(state, node, values)
        _merge(state, node, "multiply", values, None, channels_last=True)
        return
    factor = next((found for found in params if found is not None), None)
    if len(values) == 1 and factor is not None:
        _layer_scale(state, node, state.values[values[0]], factor)
        return
    numbers: list[Any] = [argument for argument in arguments if _is_number(argument)]
    if len(values) == 1 and len(numbers) == 1 and len(arguments) == 2:
        _scale(state, node, state.values[values[0]], float(numbers[0]))
        return
    raise _unsupported(state, node, "it multiplies by a tensor that is neither a layer output (a gate), a learned "
                                    "factor per channel (layer_scale) nor a number (scale)")


def _scale(state: _Import, node: torch.fx.Node, source: _Value, factor: float) -> None:
    _emit(state, node, "scale", {"type": "scale", "factor": factor}, [source], channels_last=True)


def _function_div(state: _Import, node: torch.fx.Node) -> None:
    """``x / 2`` (a number divisor, no rounding mode): a scale by 1/2."""
    first, divisor = node.args[0], _arg(node, 1, "other")
    if not (isinstance(first, torch.fx.Node) and first in state.values) or not _is_number(divisor) or \
            divisor == 0 or node.kwargs.get("rounding_mode") is not None:
        raise _unsupported(state, node, "the format divides a layer output by a number only (scale)")
    _scale(state, node, state.values[first], 1 / float(divisor))


def _layer_scale(state: _Import, node: torch.fx.Node, source: _Value, factor: _Param) -> None:
    channels = source.shape.depth
    kind = _factor_kind(factor, source)
    if kind is None:
        raise _unsupported(state, node, f"it multiplies by {factor.key} of shape {list(factor.shape)}; a layer scale "
                                        f"has one factor per channel ({channels}) or one in all")
    single = kind == "single"
    if factor.factor != 1.0 or factor.standardized is not None:
        raise _unsupported(state, node, f"it multiplies by {factor.key} computed from the parameter")
    fields: dict[str, Any] = {"type": "layer_scale"}
    if single and channels != 1:
        fields["per_channel"] = False
    init = _uniform_value(factor.tensor)
    if init is not None and init != spec.LAYER_CLASSES["layer_scale"].model_fields["init"].default:
        fields["init"] = init
    _emit(state, node, "layer_scale", fields, [source], tensors=[(factor.key, factor.tensor)], channels_last=True)


def _factor_kind(factor: _Param, source: _Value) -> str | None:
    """How a parameter broadcasts against ``source``: one value for all ("single"), one per channel ("channel")."""
    shape = list(factor.shape)
    rank = source.rank
    if factor.tensor.numel() == 1 and len(shape) <= rank:
        return "single"
    while len(shape) < rank:
        shape.insert(0, 1)
    axis = CHANNEL_AXIS[source.layout] if rank == 4 else 1
    if len(shape) != rank or shape[axis] != source.shape.depth or any(
            size != 1 for index, size in enumerate(shape) if index != axis):
        return None
    return "channel"


def _uniform_value(tensor: torch.Tensor) -> float | None:
    """The one value every element of ``tensor`` holds (in its shortest decimal form), or None."""
    flat = tensor.detach().flatten()
    if flat.numel() == 0 or not bool(torch.all(flat == flat[0])):
        return None
    value = float(flat[0])
    for digits in range(1, 18):
        short = float(f"{value:.{digits}g}")
        if torch.tensor(short, dtype=tensor.dtype) == flat[0]:
            return short
    return value


def _function_cat(state: _Import, node: torch.fx.Node) -> None:
    tensors = _arg(node, 0, "tensors")
    dim = _arg(node, 1, "dim", 0)
    rank = len(_tensor_shape(node) or ())
    layouts = {state.values[tensor].layout for tensor in tensors if isinstance(tensor, torch.fx.Node)
               and tensor in state.values}
    last = layouts == {NHWC} and rank == 4  # channels-last code concatenates along dim -1 (MambaOut)
    if (dim % rank if rank else dim) != (CHANNEL_AXIS[NHWC] if last else 1):
        raise _unsupported(state, node, f"concatenation along axis {dim}; the format concatenates channels (dim=1)")
    _merge(state, node, "concat", list(tensors), None, channels_last=last)


def _function_flatten(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    start = _arg(node, 1, "start_dim", 0)
    end = _arg(node, 2, "end_dim", -1)
    if start != 1 or end not in (-1, source.rank - 1):
        raise _unsupported(state, node, f"flatten from axis {start} to {end}; the format's flatten keeps the batch "
                                        "axis and flattens the rest (start_dim=1)")
    _flatten(state, node, source)


def _flatten(state: _Import, node: torch.fx.Node, source: _Value) -> None:
    """A flatten; of a channels-last volume only when its plane is 1 x 1 (otherwise the order differs)."""
    plane = (source.shape.width, source.shape.height) == (1, 1)
    _emit(state, node, "flatten", {"type": "flatten"}, [source], channels_last=plane)


def _function_reshape(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    if _grouped_view(state, node, source) or _radix_view(state, node, source) or _position_view(state, node, source):
        return
    rank = len(_tensor_shape(node) or ())
    layout = _reshaped_layout(source, _tensor_shape(node) or ())
    shape = _shape_of(state, node, layout)
    if shape == source.shape:
        _alias(state, node, source, layout)
    elif rank == 2 and source.rank == 4 and shape.depth == source.shape.width * source.shape.height * \
            source.shape.depth:
        _flatten(state, node, source)
    else:
        raise _unsupported(state, node, f"it reshapes {source.shape} into {shape}, which no layer of the format does")


def _reshaped_layout(source: _Value, shape: tuple[int, ...]) -> str:
    """The layout a view of ``source`` to ``shape`` has: the channels of a 1 x 1 volume as N x 1 x C and back."""
    plane = (source.shape.width, source.shape.height) == (1, 1)
    if len(shape) == 3 and shape[1] == 1 and plane and source.layout != NHWC:
        return N1C
    if source.layout == N1C:
        return NCHW
    return source.layout


def _function_global(state: _Import, node: torch.fx.Node, kind: str) -> None:
    source = _source(state, node, node.args[0])
    dims = _arg(node, 1, "dim")
    dims = [dims] if isinstance(dims, int) else list(dims or [])
    plane = [1, 2] if source.layout == NHWC else [2, 3]
    if source.rank != 4 or sorted(dim % 4 for dim in dims) != plane:
        raise _unsupported(state, node, f"a reduction over axes {dims}; the format pools over the plane (2, 3)")
    _emit(state, node, "avgpool" if kind == "global_avgpool2d" else "maxpool", {"type": kind}, [source],
          channels_last=True)


# Channel ranges, layouts and channel shuffles -------------------------------------------------------------------


_SPLITS = frozenset({"split", "chunk", "tensor_split", "split_with_sizes", "unsafe_split", "unsafe_chunk"})


def _visit_several(state: _Import, node: torch.fx.Node) -> None:
    """A call that gives several tensors: a split or chunk along the channels is read by its ``getitem``s."""
    name = _function_name(node)
    shapes = node.meta.get("netcheck_pieces")
    first = node.args[0] if node.args else None
    if name not in _SPLITS or not shapes or not isinstance(first, torch.fx.Node) or first not in state.values:
        raise _unsupported(state, node, "it gives several tensors; a netcheck layer gives one")
    source = state.values[first]
    axis = CHANNEL_AXIS[source.layout] if source.rank == 4 else 1
    dim = _arg(node, 2, "dim", 0)
    if not isinstance(dim, int) or dim % source.rank != axis:
        raise _unsupported(state, node, f"it splits along axis {dim}; the format splits the channels")
    ranges, start = [], 0
    for shape in shapes:
        ranges.append((start, start + shape[axis]))
        start += shape[axis]
    state.pieces[node] = _Pieces(source, ranges)


def _function_getitem(state: _Import, node: torch.fx.Node) -> None:
    container, index = node.args[0], _concrete_index(node)
    if isinstance(container, torch.fx.Node) and container in state.pieces:
        pieces = state.pieces[container]
        _slice(state, node, pieces.source, *pieces.ranges[int(index)])
        return
    source = _source(state, node, container)
    axis = CHANNEL_AXIS[source.layout] if source.rank == 4 else 1
    entries = list(index) if isinstance(index, tuple) else [index]
    if Ellipsis in entries:
        at = entries.index(Ellipsis)
        entries[at:at + 1] = [slice(None)] * (source.rank - len(entries) + 1)
    entries += [slice(None)] * (source.rank - len(entries))
    whole = [entry == slice(None) for entry in entries]
    channel = entries[axis] if axis < len(entries) else None
    if len(entries) != source.rank or not isinstance(channel, slice) or not all(
            whole[position] for position in range(len(entries)) if position != axis):
        raise _unsupported(state, node, f"indexing {index!r}; the format takes a range of channels (x[:, a:b])")
    start, stop, step = channel.indices(source.shape.depth)
    if step != 1:
        raise _unsupported(state, node, f"a channel slice with step {step}; the format's slice is contiguous")
    _slice(state, node, source, start, stop)


def _concrete_index(node: torch.fx.Node) -> Any:
    return _arg(node, 1, "index")


def _slice(state: _Import, node: torch.fx.Node, source: _Value, start: int, stop: int) -> None:
    if (start, stop) == (0, source.shape.depth):
        _alias(state, node, source)
        return
    _emit(state, node, "slice", {"type": "slice", "channels": [start, stop]}, [source], channels_last=True)


_TO_CHANNELS_LAST, _TO_CHANNELS_FIRST = (0, 2, 3, 1), (0, 3, 1, 2)


def _function_permute(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    dims = tuple(dim % max(source.rank, 1) for dim in _dims(node))
    if dims == tuple(range(source.rank)):
        _alias(state, node, source)
    elif source.rank == 4 and source.layout == NCHW and dims == _TO_CHANNELS_LAST:
        _alias(state, node, source, NHWC)
    elif source.rank == 4 and source.layout == NHWC and dims == _TO_CHANNELS_FIRST:
        _alias(state, node, source, NCHW)
    else:
        raise _unsupported(state, node, f"a permutation {list(dims)} of a {source.layout.upper()} tensor; the format "
                                        "reads channels first, or channels last for per-position layers")


def _function_expand(state: _Import, node: torch.fx.Node) -> None:
    """``gate.expand_as(x)`` before a product: the product broadcasts the gate itself, so it stays as it is."""
    source = _source(state, node, node.args[0])
    state.values[node] = source


def _function_channel_shuffle(state: _Import, node: torch.fx.Node) -> None:
    _emit(state, node, "shuffle", {"type": "channel_shuffle", "groups": int(_arg(node, 1, "groups"))},
          [_source(state, node, node.args[0])])


# Functional layers with the module's own weights (timm's BatchNormAct2d, Linear, Conv2dSame…) ---------------------


def _function_batch_norm(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    mean, var = _arg(node, 1, "running_mean"), _arg(node, 2, "running_var")
    weight, bias = _arg(node, 3, "weight"), _arg(node, 4, "bias")
    if mean is None or var is None or _arg(node, 5, "training", False):
        raise _unsupported(state, node, "batch_norm on the batch's statistics (no running statistics); the format "
                                        "counts 2·D running mean and variance values")
    if (weight is None) != (bias is None):
        raise _unsupported(state, node, "batch_norm with a scale and no shift (or the reverse)")
    fields: dict[str, Any] = {"type": "batchnorm2d"}
    if weight is None:
        fields["affine"] = False
    fields.update(_extra_values("batchnorm2d", eps=_arg(node, 7, "eps", 1e-5), momentum=_arg(node, 6, "momentum", 0.1)))
    _emit(state, node, "bn", fields, [source], tensors=_param_tensors(state, node, [weight, bias, mean, var]))


def _function_layer_norm(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    weight, bias = _arg(node, 2, "weight"), _arg(node, 3, "bias")
    _layer_norm(state, node, source, _arg(node, 1, "normalized_shape"), weight is not None, bias is not None,
                float(_arg(node, 4, "eps", 1e-5)), None, _param_tensors(state, node, [weight, bias]))


def _function_group_norm(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    weight, bias = _arg(node, 2, "weight"), _arg(node, 3, "bias")
    _group_norm(state, node, source, int(_arg(node, 1, "num_groups")), weight is not None, bias is not None,
                float(_arg(node, 4, "eps", 1e-5)), None, _param_tensors(state, node, [weight, bias]))


def _function_instance_norm(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    mean, var = _arg(node, 1, "running_mean"), _arg(node, 2, "running_var")
    weight, bias = _arg(node, 3, "weight"), _arg(node, 4, "bias")
    uses_input = _arg(node, 5, "use_input_stats", True)
    if not uses_input or (weight is None) != (bias is None) or (mean is None) != (var is None):
        raise _unsupported(state, node, "instance_norm on running statistics in eval mode; the format's instance "
                                        "norm uses each sample's statistics")
    fields: dict[str, Any] = {"type": "instancenorm2d"}
    if weight is not None:
        fields["affine"] = True
    if mean is not None:
        fields["track_running_stats"] = True
    fields.update(_extra_values("instancenorm2d", eps=_arg(node, 7, "eps", 1e-5)))
    _emit(state, node, "norm", fields, [source], tensors=_param_tensors(state, node, [weight, bias, mean, var]))


def _weighted(state: _Import, node: torch.fx.Node, rank: int) -> tuple[_Value, _Param, Any]:
    """``F.linear`` / ``F.conv2d``: the source, the weight (a parameter of ``rank`` axes) and the bias argument."""
    source = _source(state, node, node.args[0])
    found = _param(state, _arg(node, 1, "weight"))
    if found is None or len(found.shape) != rank:
        raise _unsupported(state, node, "its weight is not a parameter of the module")
    if not isinstance(found.tensor, torch.nn.Parameter):
        raise _unsupported(state, node, f"its weight {found.key} is a buffer (fixed, not learned); the format's "
                                        "layers with weights learn them")
    return source, found, _arg(node, 2, "bias")


def _function_linear(state: _Import, node: torch.fx.Node) -> None:
    source, weight, bias = _weighted(state, node, 2)
    _linear_layer(state, node, source, weight.shape[0], bias is not None, None,
                  [(weight.key, weight.tensor), *_param_tensors(state, node, [bias])])


def _function_conv2d(state: _Import, node: torch.fx.Node) -> None:
    source, weight, bias = _weighted(state, node, 4)
    tensors = [(weight.key, weight.tensor), *_param_tensors(state, node, [bias])]
    standardization = _standardization(state, node, weight, tensors)
    _conv(state, node, source, weight.shape[0], (weight.shape[3], weight.shape[2]), _arg(node, 3, "stride", 1),
          _arg(node, 4, "padding", 0), _arg(node, 5, "dilation", 1), int(_arg(node, 6, "groups", 1)),
          bias is not None, None, None, tensors, standardization)


def _function_prelu(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    weight = _arg(node, 1, "weight")
    found = _param(state, weight)
    if found is None:
        raise _unsupported(state, node, "its slopes are not a parameter of the module")
    _prelu(state, node, source, found.tensor.numel(), None, _param_tensors(state, node, [weight]))


def _function_pixel(state: _Import, node: torch.fx.Node) -> None:
    kind = "pixel_shuffle" if _function_name(node) == "pixel_shuffle" else "pixel_unshuffle"
    key = "upscale_factor" if kind == "pixel_shuffle" else "downscale_factor"
    _emit(state, node, kind, {"type": kind, "factor": int(_arg(node, 1, key))}, [_source(state, node, node.args[0])])


_MODERN: dict[str, Callable[[_Import, torch.fx.Node], None]] = {
    "mul": _function_mul, "mul_": _function_mul, "multiply": _function_mul,
    "div": _function_div, "div_": _function_div, "true_divide": _function_div, "divide": _function_div,
    "getitem": _function_getitem, "narrow": lambda state, node: _function_narrow(state, node),
    "permute": _function_permute,
    "expand": _function_expand, "expand_as": _function_expand, "broadcast_to": _function_expand,
    "channel_shuffle": _function_channel_shuffle, "native_channel_shuffle": _function_channel_shuffle,
    "batch_norm": _function_batch_norm, "layer_norm": _function_layer_norm, "group_norm": _function_group_norm,
    "instance_norm": _function_instance_norm, "linear": _function_linear, "conv2d": _function_conv2d,
    "prelu": _function_prelu, "pixel_shuffle": _function_pixel, "pixel_unshuffle": _function_pixel,
    **{name: lambda state, node: _function_sub(state, node) for name in ("sub", "subtract")},
    **{name: lambda state, node: _function_square(state, node) for name in ("pow", "square")},
}


def _function_sub(state: _Import, node: torch.fx.Node) -> None:
    """``a - b`` of two layer outputs of one rank: a subtract."""
    arguments = list(node.args[:2])
    if node.kwargs.get("alpha", 1) != 1 or len(arguments) != 2 or not all(
            isinstance(argument, torch.fx.Node) and argument in state.values for argument in arguments):
        raise _unsupported(state, node, "the format subtracts one layer output from another only")
    _same_ranks(state, node, arguments)
    _merge(state, node, "subtract", arguments, None, channels_last=True)


def _function_square(state: _Import, node: torch.fx.Node) -> None:
    """``x ** 2``, ``x.pow(2)``, ``torch.square(x)``: the activation square."""
    exponent = _arg(node, 1, "exponent", 2)
    if _function_name(node) == "pow" and (exponent != 2 or isinstance(exponent, bool)):
        raise _unsupported(state, node, f"a power {exponent!r}; the format's activation square is the power 2")
    _emit(state, node, "square", {"type": "activation", "function": "square"}, [_source(state, node, node.args[0])],
          channels_last=True)


def _function_narrow(state: _Import, node: torch.fx.Node) -> None:
    """``x.narrow(1, start, length)``: a channel range."""
    source = _source(state, node, node.args[0])
    dim, start, length = _arg(node, 1, "dim"), _arg(node, 2, "start"), _arg(node, 3, "length")
    axis = CHANNEL_AXIS[source.layout] if source.rank == 4 else 1
    if not isinstance(dim, int) or dim % source.rank != axis:
        raise _unsupported(state, node, f"it narrows axis {dim}; the format slices the channels")
    _slice(state, node, source, int(start), int(start) + int(length))
