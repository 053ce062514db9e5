"""from_module's module layers: a traced call of a torch.nn layer (or netcheck's own) as the format's fields."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
import torch.fx
from torch import nn

from netcheck import spec
from netcheck.spec import Shape
from netcheck.torch import known
from netcheck.torch.layers import (
    Add,
    BlurPool2d,
    ChannelConv,
    Concat,
    CondConv2d,
    ContextPool2d,
    DropPath,
    EvoNorm2d,
    GlobalAvgPool2d,
    GlobalMaxPool2d,
    Grn,
    GroupSoftmax,
    LayerNorm2d,
    LayerScale,
    Multiply,
    RmsNorm2d,
    Scale,
    Slice,
    Square,
    Subtract,
)
from netcheck.torch.nodes import (
    N1C,
    NCHW,
    NHWC,
    _alias,
    _changed,
    _emit,
    _Import,
    _shape_of,
    _source,
    _tensor_shape,
    _unsupported,
    _Value,
)
from netcheck.torch.sizes import _format_ceil_size, _kernel_eff, _same_pads, _short

_ACTIVATION_MODULES: tuple[tuple[type[nn.Module], str], ...] = (
    (nn.ReLU, "relu"), (nn.ReLU6, "relu6"), (nn.LeakyReLU, "leaky_relu"), (nn.ELU, "elu"), (nn.SELU, "selu"),
    (Square, "square"),
    (nn.CELU, "celu"), (nn.GELU, "gelu"), (nn.SiLU, "silu"), (nn.Mish, "mish"), (nn.Sigmoid, "sigmoid"),
    (nn.Hardsigmoid, "hardsigmoid"), (nn.Hardswish, "hardswish"), (nn.Tanh, "tanh"), (nn.Softmax, "softmax"),
    (nn.LogSoftmax, "log_softmax"), (nn.Softplus, "softplus"), (nn.Softsign, "softsign"),
)
_DROPOUTS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)


def _visit_module(state: _Import, node: torch.fx.Node, module: nn.Module) -> None:
    if (known.is_cond_conv(module) or isinstance(module, CondConv2d)) and len(node.args) == 2 and not node.kwargs:
        _cond_conv(state, node, module, [_source(state, node, argument) for argument in node.args])
        return
    if isinstance(module, ContextPool2d) and len(node.args) == 2 and not node.kwargs:
        _emit(state, node, "context", {"type": "context_pool2d"}, [_source(state, node, argument)
                                                                   for argument in node.args], module)
        return
    if node.kwargs or (len(node.args) != 1 and not isinstance(module, (Add, Concat, Multiply, Subtract))):
        raise _unsupported(state, node, "the module is called with more than one argument")
    if isinstance(module, (Add, Concat, Multiply, Subtract)):
        kind = "add" if isinstance(module, Add) else "concat" if isinstance(module, Concat) else \
            "subtract" if isinstance(module, Subtract) else "multiply"
        _merge(state, node, kind, list(node.args), module)
        return
    source = _source(state, node, node.args[0])
    if known.is_known(module):
        _known_module(state, node, module, source)
        return
    if known.is_blur(module):
        _timm_blur(state, node, module, source)
        return
    if known.is_space_to_depth(module):
        _space_to_depth(state, node, module, source)
        return
    if _modern_module(state, node, module, source):
        return
    if isinstance(module, nn.Conv2d):
        _conv_module(state, node, module, source)
    elif isinstance(module, nn.ConvTranspose2d):
        _conv_transpose_module(state, node, module, source)
    elif isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        _pool_module(state, node, module, source)
    elif isinstance(module, GlobalAvgPool2d):
        _emit(state, node, "avgpool", {"type": "global_avgpool2d"}, [source], module)
    elif isinstance(module, GlobalMaxPool2d):
        _emit(state, node, "maxpool", {"type": "global_maxpool2d"}, [source], module)
    elif isinstance(module, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        if isinstance(module, nn.AdaptiveMaxPool2d) and module.return_indices:
            raise _unsupported(state, node, "return_indices=True gives a tuple")
        kind = "adaptive_avgpool2d" if isinstance(module, nn.AdaptiveAvgPool2d) else "adaptive_maxpool2d"
        _adaptive(state, node, kind, source, module)
    elif isinstance(module, nn.ZeroPad2d) or (isinstance(module, nn.ConstantPad2d) and module.value == 0):
        _zeropad(state, node, tuple(int(side) for side in module.padding), source, module)
    elif isinstance(module, nn.Upsample):
        _upsample(state, node, module.scale_factor, module.size, module.mode, source, module)
    elif isinstance(module, nn.Flatten):
        if module.start_dim != 1 or module.end_dim not in (-1, 3):
            raise _unsupported(state, node, f"flatten from axis {module.start_dim} to {module.end_dim}; the format's "
                                            "flatten keeps the batch axis and flattens the rest (start_dim=1)")
        _emit(state, node, "flatten", {"type": "flatten"}, [source], module)
    elif isinstance(module, nn.Linear):
        _linear(state, node, module, source)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)):
        _batchnorm(state, node, module, source)
    elif isinstance(module, nn.LocalResponseNorm):
        fields = {"type": "lrn", "size": int(module.size),
                  **_extra_values("lrn", alpha=module.alpha, beta=module.beta, k=module.k)}
        _emit(state, node, "lrn", fields, [source], module)
    elif isinstance(module, _DROPOUTS):
        _emit(state, node, "dropout", {"type": "dropout", "rate": float(module.p)}, [source], module,
              channels_last=isinstance(module, (nn.Dropout, nn.AlphaDropout)))
    else:
        function = _activation_of_module(state, node, module)
        if function is None:
            raise _unsupported(state, node, "the format has no layer for it")
        slope = module.negative_slope if isinstance(module, nn.LeakyReLU) else None
        _emit(state, node, function, _activation_fields(state, node, function, slope), [source], module,
              channels_last=function not in ("softmax", "log_softmax"))


def _activation_of_module(state: _Import, node: torch.fx.Node, module: nn.Module) -> str | None:
    if isinstance(module, nn.Hardtanh) and not isinstance(module, nn.ReLU6):
        if (module.min_val, module.max_val) == (0.0, 6.0):
            return "relu6"
        return None
    for kind, function in _ACTIVATION_MODULES:
        if isinstance(module, kind):
            if function in ("softmax", "log_softmax"):
                _check_channel_dim(state, node, getattr(module, "dim", None))
            return function
    return None


def _activation_fields(state: _Import, node: torch.fx.Node, function: str, slope: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": "activation", "function": function}
    if slope is not None and float(slope) != 0.01:
        if not _has("activation", "negative_slope"):
            raise _unsupported(state, node, f"leaky_relu with negative_slope {slope}; the format's slope is 0.01")
        fields["negative_slope"] = float(slope)
    return fields


def _check_channel_dim(state: _Import, node: torch.fx.Node, dim: Any) -> None:
    rank = len(_tensor_shape(node) or ())
    if dim not in (1, 1 - rank) and not (dim is None and rank in (2, 4)):
        raise _unsupported(state, node, f"softmax over axis {dim}; the format's softmax is over the channels (dim=1)")


def _padding_pair(padding: Any) -> tuple[int, int]:
    """A PyTorch padding (height, width) as netcheck's (width, height)."""
    if isinstance(padding, int):
        return (padding, padding)
    return (int(padding[1]), int(padding[0]))


def _hw(value: Any) -> tuple[int, int]:
    """A PyTorch size (int or (height, width)) as (width, height)."""
    if isinstance(value, int):
        return (value, value)
    if isinstance(value, (tuple, list)) and len(value) == 1:
        return (int(value[0]), int(value[0]))
    return (int(value[1]), int(value[0]))


def _conv_module(state: _Import, node: torch.fx.Node, module: nn.Conv2d, source: _Value) -> None:
    if module.padding_mode != "zeros":
        raise _unsupported(state, node, f"padding_mode={module.padding_mode!r}; the format pads with zeros")
    _conv(state, node, source, int(module.out_channels), _hw(module.kernel_size), module.stride, module.padding,
          module.dilation, int(module.groups), module.bias is not None, getattr(module, "pad", None), module,
          standardization=_standardize_field(getattr(module, "standardize", None)))


def _standardize_field(standardize: tuple[bool, float, float] | None) -> Any:
    """netcheck's own Conv2d's ``standardize`` (gain, gamma, eps) as the spec's ``weight_standardization``."""
    if standardize is None:
        return None
    gain, gamma, eps = standardize
    default = spec.WeightStandardization()
    fields = {key: value for key, value, usual in (("gain", gain, default.gain), ("gamma", gamma, default.gamma),
                                                   ("eps", eps, default.eps)) if value != usual}
    return fields or True


def _conv(state: _Import, node: torch.fx.Node, source: _Value, filters: int, kernel: tuple[int, int], stride_size: Any,
          padding_size: Any, dilation_size: Any, groups: int, bias: bool, explicit: Sequence[int] | None,
          module: nn.Module | None, tensors: list[tuple[str, torch.Tensor]] | None = None,
          standardization: Any = None) -> None:
    """A conv2d from ``nn.Conv2d`` or ``F.conv2d``: ``kernel`` (width, height), PyTorch's stride, padding, dilation."""
    stride, dilation = _hw(stride_size), _hw(dilation_size)
    out = _shape_of(state, node)
    sizes, outs = (source.shape.width, source.shape.height), (out.width, out.height)
    effs = [_kernel_eff(kernel[axis], dilation[axis]) for axis in range(2)]
    if padding_size == "same":
        pads = [((effs[axis] - 1) // 2, effs[axis] - 1 - (effs[axis] - 1) // 2) for axis in range(2)]
    else:
        native = _padding_pair(padding_size) if padding_size != "valid" else (0, 0)
        pads = [(native[axis], native[axis]) for axis in range(2)]
    if explicit is not None:
        pads = [(pads[0][0] + explicit[0], pads[0][1] + explicit[1]), (pads[1][0] + explicit[2],
                                                                      pads[1][1] + explicit[3])]
    padding, rounding = _window_padding(state, node, sizes, effs, stride, pads, outs, ceil_mode=False)
    fields: dict[str, Any] = {"type": "conv2d", "filters": filters, "kernel": _short(*kernel)}
    fields.update(_nondefault(stride=_short(*stride), padding=padding, dilation=_short(*dilation),
                              groups=groups, bias=bias))
    activation = _inner_activation(state, node, module) if module is not None else None
    if activation:
        fields["activation"] = activation
    if rounding == "ceil":
        fields["rounding"] = "ceil"
    if standardization is not None:
        fields["weight_standardization"] = standardization
    _emit(state, node, "conv", fields, [source], module, "floor" if rounding == "floor" else None, tensors)


_DEFAULTS: dict[str, Any] = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True,
                             "output_padding": 0}


def _nondefault(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value != _DEFAULTS.get(key, object())}


def _inner_activation(state: _Import, node: torch.fx.Node, module: nn.Module) -> str | None:
    inner = getattr(module, "activation", None)
    if inner is None:
        return None
    if isinstance(inner, nn.Identity):
        return "identity"
    function = _activation_of_module(state, node, inner)
    if function is None:
        raise _unsupported(state, node, f"its activation {type(inner).__name__} has no name in the format")
    return function


def _window_padding(
    state: _Import, node: torch.fx.Node, sizes: Sequence[int], effs: Sequence[int], stride: Sequence[int],
    pads: Sequence[tuple[int, int]], outs: Sequence[int], ceil_mode: bool,
) -> tuple[int | dict[str, int] | str, str | None]:
    """The spec's padding and the rounding the layer relies on, from explicit (before, after) pads per axis.

    Symmetric pads are a number; pads that are FORMAT.md's ``same`` are
    ``same``; pads whose extra right/bottom columns are what ``ceil`` rounding
    adds are a number with ``rounding: ceil``.
    """
    if all(before == after for before, after in pads):
        padding: int | dict[str, int] | str = _short(pads[0][0], pads[1][0])
        befores = [before for before, _after in pads]
    elif all(tuple(pads[axis]) == _same_pads(sizes[axis], effs[axis], stride[axis]) for axis in range(2)):
        return "same", None
    elif all(_format_ceil_size(sizes[axis], effs[axis], stride[axis], pads[axis][0]) == outs[axis]
             for axis in range(2)):
        return _short(pads[0][0], pads[1][0]), "ceil"
    else:
        raise _unsupported(state, node, f"its padding {list(pads)} (before, after per axis) is neither symmetric, "
                                        "same, nor the extra padding of ceil rounding")
    exact = all((sizes[axis] + 2 * befores[axis] - effs[axis]) % stride[axis] == 0 for axis in range(2))
    if exact:
        return padding, None
    if ceil_mode:
        return padding, "ceil"
    return padding, "floor"


def _same_transposed(size: int, stride: int, kernel_eff: int, extra: int) -> int:
    """FORMAT.md's ``same`` for a transposed convolution: W·S, or (W − 1)·S + F_eff + op when that is shorter."""
    full = (size - 1) * stride + kernel_eff + extra
    return min(full, size * stride)


def _conv_transpose_module(state: _Import, node: torch.fx.Node, module: nn.ConvTranspose2d, source: _Value) -> None:
    if module.padding_mode != "zeros":
        raise _unsupported(state, node, f"padding_mode={module.padding_mode!r}; the format pads with zeros")
    kernel, stride, dilation = _hw(module.kernel_size), _hw(module.stride), _hw(module.dilation)
    padding, extra = _padding_pair(module.padding), _hw(module.output_padding)
    crop = getattr(module, "crop", None)
    out = _shape_of(state, node)
    spec_padding: int | dict[str, int] | str = _short(*padding)
    spec_extra: int | dict[str, int] = _short(*extra)
    if crop is not None:
        befores = [padding[0] + crop[0], padding[1] + crop[2]]
        afters = [padding[0] - extra[0] + crop[1], padding[1] - extra[1] + crop[3]]
        sizes, outs = (source.shape.width, source.shape.height), (out.width, out.height)
        if all(before >= 0 and before >= after for before, after in zip(befores, afters)):
            spec_padding = _short(*befores)
            spec_extra = _short(*(before - after for before, after in zip(befores, afters)))
        elif all(outs[axis] == _same_transposed(sizes[axis], stride[axis], dilation[axis] * (kernel[axis] - 1) + 1,
                                                extra[axis]) for axis in range(2)):
            spec_padding, spec_extra = "same", _short(*extra)
        else:
            raise _unsupported(state, node, f"its crop {crop} is neither symmetric padding nor same")
    fields: dict[str, Any] = {"type": "conv_transpose2d", "filters": int(module.out_channels),
                              "kernel": _short(*kernel)}
    fields.update(_nondefault(stride=_short(*stride), padding=spec_padding, output_padding=spec_extra,
                              dilation=_short(*dilation), groups=int(module.groups), bias=module.bias is not None))
    activation = _inner_activation(state, node, module)
    if activation:
        fields["activation"] = activation
    _emit(state, node, "conv_transpose", fields, [source], module)


def _pool_module(state: _Import, node: torch.fx.Node, module: nn.MaxPool2d | nn.AvgPool2d, source: _Value) -> None:
    if isinstance(module, nn.MaxPool2d) and module.return_indices:
        raise _unsupported(state, node, "return_indices=True gives a tuple")
    dilation = module.dilation if isinstance(module, nn.MaxPool2d) else 1
    explicit = getattr(module, "pad", None)
    include = True
    if isinstance(module, nn.AvgPool2d):
        include = bool(module.count_include_pad) and not getattr(module, "exclude_padding", False)
    _pool(state, node, "maxpool2d" if isinstance(module, nn.MaxPool2d) else "avgpool2d", source,
          module.kernel_size, module.stride, module.padding, dilation, bool(module.ceil_mode), explicit, module,
          include)


def _pool(
    state: _Import, node: torch.fx.Node, kind: str, source: _Value, kernel_size: Any, stride_size: Any,
    padding_size: Any, dilation_size: Any, ceil_mode: bool, explicit: Sequence[int] | None, module: nn.Module | None,
    include_padding: bool = True,
) -> None:
    kernel = _hw(kernel_size)
    stride = _hw(stride_size) if stride_size not in (None, [], ()) else kernel
    dilation = _hw(dilation_size)
    native = _padding_pair(padding_size)
    pads = [(native[axis], native[axis]) for axis in range(2)]
    if explicit is not None:
        pads = [(pads[0][0] + explicit[0], pads[0][1] + explicit[1]), (pads[1][0] + explicit[2],
                                                                      pads[1][1] + explicit[3])]
    out = _shape_of(state, node)
    sizes, outs = (source.shape.width, source.shape.height), (out.width, out.height)
    effs = [_kernel_eff(kernel[axis], dilation[axis]) for axis in range(2)]
    padding, rounding = _window_padding(state, node, sizes, effs, stride, pads, outs, ceil_mode)
    fields: dict[str, Any] = {"type": kind, "kernel": _short(*kernel)}
    if stride != kernel:
        fields["stride"] = _short(*stride)
    fields.update(_nondefault(padding=padding))
    if kind == "maxpool2d":
        fields.update(_nondefault(dilation=_short(*dilation)))
    elif dilation != (1, 1):
        raise _unsupported(state, node, "average pooling has no dilation")
    if rounding == "ceil":
        fields["rounding"] = "ceil"
    padded = any(before or after for before, after in pads)
    if kind == "avgpool2d" and padded and not include_padding and _has(kind, "count_include_pad"):
        fields["count_include_pad"] = False
    _emit(state, node, "maxpool" if kind == "maxpool2d" else "avgpool", fields, [source], module,
          "floor" if rounding == "floor" else None)


def _adaptive(state: _Import, node: torch.fx.Node, kind: str, source: _Value, module: nn.Module | None) -> None:
    out = _shape_of(state, node)
    _emit(state, node, "avgpool" if "avg" in kind else "maxpool",
          {"type": kind, "output": f"{out.width}x{out.height}"}, [source], module)


def _zeropad(state: _Import, node: torch.fx.Node, sides: tuple[int, ...], source: _Value,
             module: nn.Module | None) -> None:
    if len(sides) == 2:
        sides = (*sides, 0, 0)
    if len(sides) != 4:
        raise _unsupported(state, node, f"padding {sides}: the format pads the plane's four sides")
    if any(side < 0 for side in sides):  # PyTorch crops a side padded by a negative number
        crops = [max(-side, 0) for side in sides]
        padded = any(side > 0 for side in sides)
        cropped = Shape(source.shape.width - crops[0] - crops[1], source.shape.height - crops[2] - crops[3],
                        source.shape.depth)
        _emit(state, node, "crop", {"type": "crop2d", "crop": _sides_field(crops)}, [source], module,
              shape=cropped if padded else None)
        if not padded:
            return
        source = state.values[node]
    _emit(state, node, "zeropad", {"type": "zeropad2d", "padding": _sides_field([max(side, 0) for side in sides])},
          [source], module if not any(side < 0 for side in sides) else None)


def _sides_field(sides: Sequence[int]) -> int | dict[str, int]:
    """PyTorch's (left, right, top, bottom) as the format's integer or {top, bottom, left, right}."""
    left, right, top, bottom = sides
    if len(set(sides)) == 1:
        return left
    return {key: value for key, value in (("top", top), ("bottom", bottom), ("left", left), ("right", right))
            if value}


def _upsample(state: _Import, node: torch.fx.Node, scale: Any, size: Any, mode: str, source: _Value,
              module: nn.Module | None) -> None:
    if mode not in ("nearest", "bilinear"):
        raise _unsupported(state, node, f"mode {mode!r}; the format's upsample2d is nearest or bilinear")
    out = _shape_of(state, node)
    factors = []
    whole = all(after % before == 0 for before, after in ((source.shape.width, out.width),
                                                           (source.shape.height, out.height)))
    for before, after in ((source.shape.width, out.width), (source.shape.height, out.height)):
        if after % before and size is None:
            raise _unsupported(state, node, f"it resizes {before} to {after}, not by a whole factor")
        factors.append(after // before)
    if size is not None and not whole:  # a size asked for, not a multiple: the output plane, whatever the input's
        resized = {"type": "resize2d", "output": f"{out.width}x{out.height}", **({"mode": mode} if mode != "nearest"
                                                                                else {})}
        _emit(state, node, "resize", resized, [source], module)
        return
    if scale is not None and size is None:
        scales = (scale, scale) if isinstance(scale, (int, float)) else (scale[-1], scale[0])
        if any(float(value) != factor for value, factor in zip(scales, factors)):
            raise _unsupported(state, node, f"scale factor {scale} is not a whole number")
    fields: dict[str, Any] = {"type": "upsample2d", "scale": _short(*factors)}
    if mode != "nearest":
        fields["mode"] = mode
    _emit(state, node, "upsample", fields, [source], module)


def _linear(state: _Import, node: torch.fx.Node, module: nn.Linear, source: _Value) -> None:
    _linear_layer(state, node, source, int(module.out_features), module.bias is not None, module)


def _linear_layer(state: _Import, node: torch.fx.Node, source: _Value, units: int, bias: bool,
                  module: nn.Module | None, tensors: list[tuple[str, torch.Tensor]] | None = None) -> None:
    """``nn.Linear`` or ``F.linear``: a dense layer on N x C, or a 1 x 1 convolution on a channels-last volume."""
    activation = _inner_activation(state, node, module) if module is not None else None
    if source.rank == 4 and source.layout == NHWC:
        fields: dict[str, Any] = {"type": "conv2d", "filters": units, "kernel": 1}
        base = "conv"
    elif source.rank == 2:
        fields = {"type": "dense", "units": units}
        base = "fc"
    else:
        raise _unsupported(state, node, "Linear on a volume acts on its last axis (the width); the format's dense "
                                        "reads a vector N x C: flatten first")
    if not bias:
        fields["bias"] = False
    if activation:
        fields["activation"] = activation
    _emit(state, node, base, fields, [source], module, tensors=tensors, channels_last=True)


def _layer_norm(state: _Import, node: torch.fx.Node, source: _Value, normalized: Any, weight: bool, bias: bool,
                eps: float, module: nn.Module | None, tensors: list[tuple[str, torch.Tensor]] | None = None) -> None:
    """A LayerNorm over the channels alone: of a channels-last volume or a vector (layernorm2d)."""
    shape = list(normalized) if isinstance(normalized, (tuple, list)) else [normalized]
    over_channels = source.rank == 2 or source.layout == NHWC
    if shape != [source.shape.depth] or not over_channels:
        raise _unsupported(state, node, f"LayerNorm over {shape} of a {source.layout.upper()} tensor; the format's "
                                        "layernorm2d normalises the channels at each position")
    if bias and not weight:
        raise _unsupported(state, node, "LayerNorm with a shift and no scale; the format's affine has a scale")
    fields: dict[str, Any] = {"type": "layernorm2d"}
    if not weight:
        fields["affine"] = False
    elif not bias:
        fields["bias"] = False
    fields.update(_extra_values("layernorm2d", eps=eps))
    _emit(state, node, "norm", fields, [source], module, tensors=tensors, channels_last=True)


def _group_norm(state: _Import, node: torch.fx.Node, source: _Value, groups: int, weight: bool, bias: bool,
                eps: float, module: nn.Module | None, tensors: list[tuple[str, torch.Tensor]] | None = None) -> None:
    if bias and not weight:
        raise _unsupported(state, node, "GroupNorm with a shift and no scale; the format's affine has a scale")
    fields: dict[str, Any] = {"type": "groupnorm", "groups": groups}
    if not weight:
        fields["affine"] = False
    elif not bias:
        fields["bias"] = False
    fields.update(_extra_values("groupnorm", eps=eps))
    _emit(state, node, "norm", fields, [source], module, tensors=tensors)


def _prelu(state: _Import, node: torch.fx.Node, source: _Value, slopes: int, module: nn.Module | None,
           tensors: list[tuple[str, torch.Tensor]] | None = None) -> None:
    if slopes not in (1, source.shape.depth):
        raise _unsupported(state, node, f"PReLU with {slopes} slopes on {source.shape.depth} channels")
    fields: dict[str, Any] = {"type": "prelu"}
    if slopes > 1:
        fields["per_channel"] = True
    _emit(state, node, "prelu", fields, [source], module, tensors=tensors, channels_last=slopes == 1)


def _modern_module(state: _Import, node: torch.fx.Node, module: nn.Module, source: _Value) -> bool:
    """The layer types of FORMAT.md's modern rows read from their modules; False when ``module`` is none of them."""
    if isinstance(module, Slice):
        _emit(state, node, "slice", {"type": "slice", "channels": [module.start, module.stop]}, [source], module)
    elif isinstance(module, LayerScale):
        _emit(state, node, "layer_scale", _layer_scale_fields(module), [source], module)
    elif isinstance(module, LayerNorm2d):
        affine = {"affine": False} if not module.elementwise_affine else {} if module.bias is not None else \
            {"bias": False}
        _emit(state, node, "norm", {"type": "layernorm2d", **affine, **_extra_values("layernorm2d", eps=module.eps)},
              [source], module)
    elif isinstance(module, RmsNorm2d):
        _emit(state, node, "norm", _rms_fields(module), [source], module)
    elif isinstance(module, BlurPool2d):
        mode = "zeros" if module.mode == "constant" else module.mode
        _blur(state, node, source, module, module.kernel, module.stride, module.pad, mode)
    elif isinstance(module, nn.RMSNorm):
        _rms_norm(state, node, source, module)
    elif isinstance(module, EvoNorm2d):
        _emit(state, node, "norm", {"type": "evonorm2d", "groups": module.groups,
                                    **_changed("evonorm2d", activation=module.v is not None, variant=module.variant,
                                               eps=float(module.eps))}, [source], module)
    elif isinstance(module, GroupSoftmax):
        _emit(state, node, "softmax", {"type": "group_softmax", "groups": module.groups}, [source], module)
    elif isinstance(module, Grn):
        _emit(state, node, "grn", {"type": "grn", **_extra_values("grn", eps=module.eps)}, [source], module)
    elif isinstance(module, nn.Conv1d):
        _channel_conv(state, node, module, source)
    elif isinstance(module, nn.LayerNorm):
        _layer_norm(state, node, source, module.normalized_shape, module.weight is not None,
                    module.bias is not None, float(module.eps), module)
    elif isinstance(module, nn.GroupNorm):
        _group_norm(state, node, source, int(module.num_groups), module.weight is not None, module.bias is not None,
                    float(module.eps), module)
    elif isinstance(module, nn.InstanceNorm2d):
        fields: dict[str, Any] = {"type": "instancenorm2d"}
        fields.update({key: True for key in ("affine", "track_running_stats") if getattr(module, key)})
        fields.update(_extra_values("instancenorm2d", eps=module.eps))
        _emit(state, node, "norm", fields, [source], module)
    elif isinstance(module, nn.PReLU):
        _prelu(state, node, source, int(module.num_parameters), module)
    elif isinstance(module, (nn.PixelShuffle, nn.PixelUnshuffle)):
        kind = "pixel_shuffle" if isinstance(module, nn.PixelShuffle) else "pixel_unshuffle"
        factor = module.upscale_factor if isinstance(module, nn.PixelShuffle) else module.downscale_factor
        _emit(state, node, kind, {"type": kind, "factor": int(factor)}, [source], module)
    elif isinstance(module, nn.ChannelShuffle):
        _emit(state, node, "shuffle", {"type": "channel_shuffle", "groups": int(module.groups)}, [source], module)
    elif isinstance(module, Scale):
        _emit(state, node, "scale", {"type": "scale", "factor": float(module.factor)}, [source], module,
              channels_last=True)
    elif isinstance(module, nn.Identity):
        _emit(state, node, "identity", {"type": "identity"}, [source], module, channels_last=True)
    elif isinstance(module, DropPath) or type(module).__name__ in ("DropPath", "StochasticDepth"):
        _drop_path(state, node, module, source)
    else:
        return False
    return True


def _known_module(state: _Import, node: torch.fx.Node, module: nn.Module, source: _Value) -> None:
    """A timm module read as one layer (``netcheck.torch.known``), after checking that it computes that layer."""
    read = known.reading(module)
    fits = source.layout == NCHW and source.rank == 4 if read.channels == known.CHANNELS_FIRST else \
        source.layout == NHWC or source.rank == 2
    name = type(module).__name__
    if not fits:
        raise _unsupported(state, node, f"{name} takes the channels {read.channels} but reads a "
                                        f"{source.layout.upper()} tensor of rank {source.rank}")
    shape = _tensor_shape(node.args[0]) if isinstance(node.args[0], torch.fx.Node) else None
    if shape is None or not known.computes_the_same(module, read, shape):
        raise _unsupported(state, node, f"{name} does not compute what the format's {read.fields['type']} does")
    _emit(state, node, "grn" if read.fields["type"] == "grn" else "norm", read.fields, [source], module,
          channels_last=read.channels == known.CHANNELS_LAST or source.rank == 2)


def _blur(state: _Import, node: torch.fx.Node, source: _Value, module: nn.Module, kernel: int, stride_size: Any,
          sides: Sequence[int], mode: str) -> None:
    """A blur pool: padding ``sides`` (left, right, top, bottom) in ``mode``, a binomial filter, a stride."""
    stride = _hw(stride_size)
    pads = [(int(sides[0]), int(sides[1])), (int(sides[2]), int(sides[3]))]
    out = _shape_of(state, node)
    sizes, outs = (source.shape.width, source.shape.height), (out.width, out.height)
    padding, rounding = _window_padding(state, node, sizes, [kernel, kernel], stride, pads, outs, ceil_mode=False)
    fields: dict[str, Any] = {"type": "blurpool2d", "kernel": kernel, "stride": _short(*stride)}
    fields.update(_nondefault(padding=padding))
    if mode != "reflect":
        fields["padding_mode"] = mode
    if rounding == "ceil":
        fields["rounding"] = "ceil"
    _emit(state, node, "blur", fields, [source], module, "floor" if rounding == "floor" else None)


def _computes_the_same(node: torch.fx.Node, module: nn.Module, source: _Value, ours: nn.Module) -> bool:
    """Whether netcheck's ``ours`` gives ``module``'s values on a random channels-first input of the traced shape."""
    shape = _tensor_shape(node.args[0]) if isinstance(node.args[0], torch.fx.Node) else None
    return shape is not None and source.layout == NCHW and known.computes_the_same(
        module, known.Reading({}, ours, known.CHANNELS_FIRST), shape)


def _cond_conv(state: _Import, node: torch.fx.Node, module: Any, sources: list[_Value]) -> None:
    """CondConv (timm's, or netcheck's own): a cond_conv2d of the features and routing weights, values checked."""
    features = sources[0]
    kernel, stride, dilation = _hw(module.kernel_size if hasattr(module, "kernel_size") else module.kernel), \
        _hw(module.stride), _hw(module.dilation)
    effs = [_kernel_eff(kernel[axis], dilation[axis]) for axis in range(2)]
    sizes = (features.shape.width, features.shape.height)
    if isinstance(module, CondConv2d):
        pads = [(module.pad[0], module.pad[1]), (module.pad[2], module.pad[3])]
    elif module.dynamic_padding:  # TensorFlow's same, computed in forward
        pads = [_same_pads(sizes[axis], effs[axis], stride[axis]) for axis in range(2)]
    else:
        native = _padding_pair(module.padding)
        pads = [(native[axis], native[axis]) for axis in range(2)]
    out = _shape_of(state, node)
    padding, rounding = _window_padding(state, node, sizes, effs, stride, pads, [out.width, out.height],
                                        ceil_mode=False)
    experts, groups = int(module.weight.shape[0]), int(module.groups)
    ours = CondConv2d(features.shape.depth, int(module.out_channels), (kernel[1], kernel[0]), (stride[1], stride[0]),
                      (dilation[1], dilation[0]), groups, module.bias is not None, experts,
                      (pads[0][0], pads[0][1], pads[1][0], pads[1][1]))
    ours.load_state_dict(module.state_dict())
    shapes = [_tensor_shape(argument) for argument in node.args if isinstance(argument, torch.fx.Node)]
    if len(shapes) != 2 or None in shapes or features.layout != NCHW or not known.computes_the_same(
            module, known.Reading({}, ours, known.CHANNELS_FIRST), *shapes):  # type: ignore[arg-type]
        raise _unsupported(state, node, "a CondConv2d that does not compute what the format's cond_conv2d does")
    fields: dict[str, Any] = {"type": "cond_conv2d", "filters": int(module.out_channels), "kernel": _short(*kernel)}
    fields.update(_nondefault(stride=_short(*stride), padding=padding, dilation=_short(*dilation), groups=groups,
                              bias=module.bias is not None))
    fields["experts"] = experts
    if rounding == "ceil":
        fields["rounding"] = "ceil"
    _emit(state, node, "conv", fields, sources, module, "floor" if rounding == "floor" else None)


def _timm_blur(state: _Import, node: torch.fx.Node, module: nn.Module, source: _Value) -> None:
    """timm's BlurPool2d, once netcheck's blur pool computes what it does."""
    ours = known.blur_reading(module, source.shape.depth)
    if ours is None or not _computes_the_same(node, module, source, ours):
        raise _unsupported(state, node, "a BlurPool2d that is not a binomial blur of the format's blurpool2d")
    mode = "zeros" if ours.mode == "constant" else ours.mode
    _blur(state, node, source, module, ours.kernel, ours.stride, ours.pad, mode)


def _space_to_depth(state: _Import, node: torch.fx.Node, module: nn.Module, source: _Value) -> None:
    """timm's SpaceToDepth: two layers, pixel_unshuffle then channel_shuffle (checked to give its channel order)."""
    ours = known.space_to_depth_reading(module, source.shape.depth)
    if ours is None or not _computes_the_same(node, module, source, ours):
        raise _unsupported(state, node, "a SpaceToDepth that is not a pixel unshuffle and a channel shuffle")
    unshuffle, shuffle = ours[0], ours[1]
    assert isinstance(unshuffle, nn.PixelUnshuffle) and isinstance(shuffle, nn.ChannelShuffle)
    _emit(state, node, "unshuffle", {"type": "pixel_unshuffle", "factor": int(unshuffle.downscale_factor)}, [source],
          module)
    _emit(state, node, "shuffle", {"type": "channel_shuffle", "groups": int(shuffle.groups)}, [state.values[node]])


def _rms_norm(state: _Import, node: torch.fx.Node, source: _Value, module: nn.RMSNorm) -> None:
    """torch's ``nn.RMSNorm`` over the channels alone: of a channels-last volume or a vector (rmsnorm2d)."""
    if list(module.normalized_shape) != [source.shape.depth] or not (source.rank == 2 or source.layout == NHWC):
        raise _unsupported(state, node, f"RMSNorm over {list(module.normalized_shape)} of a "
                                        f"{source.layout.upper()} tensor; the format's rmsnorm2d normalises the "
                                        "channels at each position")
    _emit(state, node, "norm", _rms_fields(module), [source], module, channels_last=True)


def _rms_fields(module: nn.RMSNorm) -> dict[str, Any]:
    """An ``nn.RMSNorm`` (or netcheck's RmsNorm2d) as rmsnorm2d's fields."""
    eps = None if module.eps is None else float(module.eps)
    return {"type": "rmsnorm2d", **_changed("rmsnorm2d", affine=module.elementwise_affine, eps=eps)}


def _layer_scale_fields(module: LayerScale) -> dict[str, Any]:
    """netcheck's own LayerScale module as its layer's fields."""
    return {"type": "layer_scale", **_changed(
        "layer_scale", init=module.gamma.detach().flatten()[0].item(), per_channel=module.gamma.dim() == 3,
        bias=module.beta is not None,
        bias_init=module.beta.detach().flatten()[0].item() if module.beta is not None else 0.0)}


def _channel_conv(state: _Import, node: torch.fx.Node, module: nn.Conv1d, source: _Value) -> None:
    """ECA's ``nn.Conv1d(1, 1, k)`` over the channels viewed as N x 1 x C, or netcheck's own ChannelConv."""
    own = isinstance(module, ChannelConv)
    plain = module.in_channels == module.out_channels == 1 and module.groups == 1 and module.stride == (1,) and \
        module.dilation == (1,) and module.padding_mode == "zeros" and isinstance(module.padding, tuple)
    if not plain or not (own or source.layout == N1C):
        raise _unsupported(state, node, "a Conv1d the format has a layer for is one filter over the channels "
                                        "(ECA: Conv1d(1, 1, k) on N x 1 x C, stride 1, zero padding)")
    kernel, padding = int(module.kernel_size[0]), int(module.padding[0])
    fields: dict[str, Any] = {"type": "channel_conv", "kernel": kernel}
    if padding != (kernel - 1) // 2:
        fields["padding"] = padding
    if module.bias is not None:
        fields["bias"] = True
    _emit(state, node, "conv", fields, [source], module, channels_last=True)


def _drop_path(state: _Import, node: torch.fx.Node, module: nn.Module, source: _Value) -> None:
    """netcheck's, timm's ``DropPath`` (``drop_prob``) and torchvision's ``StochasticDepth`` (``p``, mode row)."""
    rate = next((getattr(module, key) for key in ("rate", "drop_prob", "p") if hasattr(module, key)), None)
    if not isinstance(rate, (int, float)) or not 0 <= rate <= 1 or getattr(module, "mode", "row") != "row":
        raise _unsupported(state, node, "stochastic depth without a per-sample rate between 0 and 1")
    fields: dict[str, Any] = {"type": "drop_path"}
    if rate:
        fields["rate"] = float(rate)
    _emit(state, node, "drop_path", fields, [source], module, channels_last=True)


def _batchnorm(state: _Import, node: torch.fx.Node, module: nn.BatchNorm1d | nn.BatchNorm2d, source: _Value) -> None:
    if not module.track_running_stats or module.running_mean is None:
        raise _unsupported(state, node, "BatchNorm without running statistics (track_running_stats=False); the "
                                        "format counts 2·D running mean and variance values")
    if isinstance(module, nn.BatchNorm1d) and source.rank != 2:
        raise _unsupported(state, node, "BatchNorm1d on a volume normalises a sequence, not a vector")
    if module.momentum is None and _has("batchnorm2d", "momentum"):
        raise _unsupported(state, node, "momentum=None (a cumulative average); the format's momentum is a number")
    fields: dict[str, Any] = {"type": "batchnorm2d"}
    if not module.affine:
        fields["affine"] = False
    fields.update(_extra_values("batchnorm2d", eps=module.eps, momentum=module.momentum))
    _emit(state, node, "bn", fields, [source], module)


def _has(kind: str, key: str) -> bool:
    """True when this version of the format has the field ``key`` on layers of ``kind``."""
    return key in spec.LAYER_CLASSES[kind].model_fields


def _extra_values(kind: str, **values: Any) -> dict[str, Any]:
    """The value fields the format has for ``kind`` and that differ from their defaults, as floats."""
    fields = {}
    for key, value in values.items():
        if value is None or not _has(kind, key):
            continue
        if float(value) != spec.LAYER_CLASSES[kind].model_fields[key].default:
            fields[key] = float(value)
    return fields


def _merge(state: _Import, node: torch.fx.Node, kind: str, arguments: list[Any], module: nn.Module | None,
           channels_last: bool = False) -> None:
    sources = [argument if isinstance(argument, _Value) else _source(state, node, argument) for argument in arguments]
    if len(sources) < 2:
        if len(sources) == 1 and kind == "concat":
            _alias(state, node, sources[0])
            return
        raise _unsupported(state, node, f"{kind} needs two or more inputs")
    _emit(state, node, kind, {"type": kind}, sources, module, channels_last=channels_last or kind == "add")
