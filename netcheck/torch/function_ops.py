"""from_module's function and method layers: a traced call of a torch function or Tensor method as a layer."""

from __future__ import annotations

import operator

import torch
import torch.fx

from netcheck.torch.build import _as_vector, _as_volume
from netcheck.torch.module_ops import (
    _activation_fields,
    _adaptive,
    _check_channel_dim,
    _extra_values,
    _merge,
    _pool,
    _upsample,
    _zeropad,
)
from netcheck.torch.nodes import _alias, _arg, _emit, _Import, _shape_of, _source, _tensor_shape, _unsupported

_ACTIVATION_FUNCTIONS = {
    "relu": "relu", "relu_": "relu", "relu6": "relu6", "leaky_relu": "leaky_relu", "leaky_relu_": "leaky_relu",
    "elu": "elu", "elu_": "elu", "selu": "selu", "selu_": "selu", "celu": "celu", "celu_": "celu", "gelu": "gelu",
    "silu": "silu", "mish": "mish", "sigmoid": "sigmoid", "sigmoid_": "sigmoid", "hardsigmoid": "hardsigmoid",
    "hardswish": "hardswish", "tanh": "tanh", "tanh_": "tanh", "softmax": "softmax", "log_softmax": "log_softmax",
    "softplus": "softplus", "softsign": "softsign",
}
_SAME_SHAPE_METHODS = frozenset({"contiguous", "clone", "detach", "float", "to", "type_as", "requires_grad_"})
_RESHAPES = frozenset({"view", "reshape", "squeeze", "unsqueeze", "squeeze_", "unsqueeze_"})


def _function_name(node: torch.fx.Node) -> str | None:
    """The name of a torch function or Tensor method a node calls; None for anything else."""
    if node.op == "call_method":
        return str(node.target)
    target = node.target
    if target in (operator.add, operator.iadd):
        return "add"
    if target is _as_volume or target is _as_vector:
        return "netcheck_reshape"
    module_name = str(getattr(target, "__module__", "") or "")
    if module_name.startswith("torch"):
        return str(getattr(target, "__name__", ""))
    return None


def _visit_function(state: _Import, node: torch.fx.Node) -> None:
    name = _function_name(node)
    if name is None:
        raise _unsupported(state, node, "the format has no layer for it")
    if name == "netcheck_reshape" or name in _SAME_SHAPE_METHODS:
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
              [_source(state, node, node.args[0])])
    elif name == "hardtanh":
        low, high = _arg(node, 1, "min_val", -1.0), _arg(node, 2, "max_val", 1.0)
        if (low, high) != (0.0, 6.0):
            raise _unsupported(state, node, f"hardtanh({low}, {high}) is not an activation of the format")
        _emit(state, node, "relu6", {"type": "activation", "function": "relu6"},
              [_source(state, node, node.args[0])])
    elif name in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout"):
        rate = float(_arg(node, 1, "p", 0.5))
        _emit(state, node, "dropout", {"type": "dropout", "rate": rate}, [_source(state, node, node.args[0])])
    elif name == "flatten":
        _function_flatten(state, node)
    elif name in _RESHAPES:
        _function_reshape(state, node)
    elif name in ("max_pool2d", "_max_pool2d", "avg_pool2d"):
        kind = "avgpool2d" if name == "avg_pool2d" else "maxpool2d"
        if kind == "maxpool2d" and _arg(node, 6, "return_indices", False):
            raise _unsupported(state, node, "return_indices=True gives a tuple")
        ceil_index = 4 if kind == "avgpool2d" else 5
        dilation = 1 if kind == "avgpool2d" else _arg(node, 4, "dilation", 1)
        include = bool(_arg(node, 5, "count_include_pad", True)) if kind == "avgpool2d" else True
        _pool(state, node, kind, _source(state, node, node.args[0]), _arg(node, 1, "kernel_size"),
              _arg(node, 2, "stride"), _arg(node, 3, "padding", 0), dilation,
              bool(_arg(node, ceil_index, "ceil_mode", False)), None, None, include)
    elif name in ("adaptive_avg_pool2d", "adaptive_max_pool2d", "_adaptive_max_pool2d"):
        if _arg(node, 2, "return_indices", False):
            raise _unsupported(state, node, "return_indices=True gives a tuple")
        kind = "adaptive_avgpool2d" if "avg" in name else "adaptive_maxpool2d"
        _adaptive(state, node, kind, _source(state, node, node.args[0]), None)
    elif name in ("mean", "amax"):
        _function_global(state, node, "global_avgpool2d" if name == "mean" else "global_maxpool2d")
    elif name == "pad":
        mode, value = _arg(node, 2, "mode", "constant"), _arg(node, 3, "value", None)
        if mode != "constant" or value not in (None, 0, 0.0):
            raise _unsupported(state, node, f"padding mode {mode!r} with value {value!r}; the format pads with zeros")
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


def _function_add(state: _Import, node: torch.fx.Node) -> None:
    alpha = node.kwargs.get("alpha", 1)
    if alpha != 1:
        raise _unsupported(state, node, f"add with alpha={alpha}; the format's add is a plain sum")
    arguments = list(node.args[:2])
    if not all(isinstance(argument, torch.fx.Node) and argument in state.values for argument in arguments):
        raise _unsupported(state, node, "it adds a constant or a parameter; the format's add sums layer outputs")
    _merge(state, node, "add", arguments, None)


def _function_cat(state: _Import, node: torch.fx.Node) -> None:
    tensors = _arg(node, 0, "tensors")
    dim = _arg(node, 1, "dim", 0)
    rank = len(_tensor_shape(node) or ())
    if dim not in (1, 1 - rank):
        raise _unsupported(state, node, f"concatenation along axis {dim}; the format concatenates channels (dim=1)")
    _merge(state, node, "concat", list(tensors), None)


def _function_flatten(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    start = _arg(node, 1, "start_dim", 0)
    end = _arg(node, 2, "end_dim", -1)
    if start != 1 or end not in (-1, source.rank - 1):
        raise _unsupported(state, node, f"flatten from axis {start} to {end}; the format's flatten keeps the batch "
                                        "axis and flattens the rest (start_dim=1)")
    _emit(state, node, "flatten", {"type": "flatten"}, [source])


def _function_reshape(state: _Import, node: torch.fx.Node) -> None:
    source = _source(state, node, node.args[0])
    shape = _shape_of(state, node)
    rank = len(_tensor_shape(node) or ())
    if shape == source.shape:
        _alias(state, node, source)
    elif rank == 2 and source.rank == 4 and shape.depth == source.shape.width * source.shape.height * \
            source.shape.depth:
        _emit(state, node, "flatten", {"type": "flatten"}, [source])
    else:
        raise _unsupported(state, node, f"it reshapes {source.shape} into {shape}, which no layer of the format does")


def _function_global(state: _Import, node: torch.fx.Node, kind: str) -> None:
    source = _source(state, node, node.args[0])
    dims = _arg(node, 1, "dim")
    dims = [dims] if isinstance(dims, int) else list(dims or [])
    if source.rank != 4 or sorted(dim % 4 for dim in dims) != [2, 3]:
        raise _unsupported(state, node, f"a reduction over axes {dims}; the format pools over the plane (2, 3)")
    _emit(state, node, "avgpool" if kind == "global_avgpool2d" else "maxpool", {"type": kind}, [source])
