"""PyTorch in both directions: specs become ``torch.nn.Module``s, modules become specs.

    from netcheck.torch import to_module, from_module, to_yaml
    module = to_module(netcheck.load("specs/resnet18.yaml"))     # an nn.Module, one submodule per layer
    network = from_module(torchvision.models.resnet18(), input="224x224x3")
    print(to_yaml(network))

torch is imported here and only here: the CLI imports this module only for
``netcheck import-torch`` (install the ``netcheck[torch]`` extra).

Shapes: netcheck writes volumes W x H x D; PyTorch tensors are N x C x H x W,
and vectors (after ``flatten`` or ``dense``) are N x C, which netcheck writes
1 x 1 x C.

Where the format allows what PyTorch's own layers refuse, ``to_module`` emulates
it with explicit padding (``F.pad``) and plain PyTorch ops, so every valid spec
builds: asymmetric ``same`` padding, ``same`` with stride > 1, ``ceil`` rounding
of a convolution, pool padding over half the kernel (NC301), a transposed
convolution's ``same`` padding or an output_padding PyTorch refuses (NC301).
``docs/torch.md`` lists these differences.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import linecache
import math
import operator
import os
import re
import sys
import typing
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.fx
from torch import nn
from torch.nn import functional as F

from netcheck import graph as layer_graph
from netcheck import spec
from netcheck.api import SpecError
from netcheck.checker import FileReport, Options, check_network, check_text
from netcheck.spec import Network, Shape, pair
from netcheck.violation import Violation

__all__ = [
    "FactoryError", "FromModuleError", "NetworkModule", "SpecRefused", "TorchImportWarning", "UnsupportedOp",
    "from_module", "import_command", "load_factory", "to_module", "to_yaml", "torch_shape",
]

INPUT = layer_graph.INPUT
TRACE_BATCH = 2


# ---------------------------------------------------------------------------------------------------------------------
# Errors


class SpecRefused(SpecError):
    """``to_module`` refuses a spec with errors; ``violations`` lists them."""

    def __init__(self, name: str, violations: list[Violation]) -> None:
        super().__init__(name, violations)
        lines = [f"{name}: the spec has {len(violations)} error{'s' if len(violations) != 1 else ''}; "
                 "netcheck does not build a module from it:"]
        for violation in violations:
            where = f"{violation.line}:{violation.column}: " if violation.line else ""
            layer = f"{violation.layer}: " if violation.layer else ""
            lines.append(f"  {where}{violation.code} {layer}{violation.message}")
        self.args = ("\n".join(lines),)


class FromModuleError(Exception):
    """``from_module`` cannot describe this module as a netcheck spec."""


class UnsupportedOp(FromModuleError):
    """An operation the format cannot express: ``op``, the fx ``node`` name and ``where`` it sits."""

    def __init__(self, op: str, node: str, where: str, reason: str) -> None:
        self.op, self.node, self.where, self.reason = op, node, where, reason
        super().__init__(f"unsupported op {op} (fx node {node!r}{where}): {reason}")


class TorchImportWarning(UserWarning):
    """Something ``from_module`` left out that does not change the spec's shapes: unused parameters, dead values."""


# ---------------------------------------------------------------------------------------------------------------------
# Shapes and window arithmetic shared by both directions


def torch_shape(shape: Sequence[int]) -> Shape:
    """A PyTorch tensor shape (N x C x H x W, or N x C) as netcheck's W x H x D."""
    if len(shape) == 4:
        return Shape(int(shape[3]), int(shape[2]), int(shape[1]))
    if len(shape) == 2:
        return Shape(1, 1, int(shape[1]))
    raise ValueError(f"a {len(shape)}-D tensor is neither a volume (N x C x H x W) nor a vector (N x C)")


def _kernel_eff(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) + 1


def _floor_size(size: int, kernel_eff: int, stride: int, before: int, after: int) -> int:
    """PyTorch's output size for a window over ``size`` padded by ``before`` and ``after``."""
    return (size + before + after - kernel_eff) // stride + 1


def _ceil_size(size: int, kernel_eff: int, stride: int, pad: int) -> int:
    """PyTorch's pooling output size with ``ceil_mode=True`` (a last window starting in the padding is dropped)."""
    out = (size + 2 * pad - kernel_eff + stride - 1) // stride + 1
    if (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _format_ceil_size(size: int, kernel_eff: int, stride: int, pad: int) -> int:
    """netcheck's size under ``rounding: ceil``: exact sizes stay; others round up as PyTorch's ceil_mode.

    (PyTorch's ceil_mode also drops a last window that starts in the padding
    when the size is exact, which only happens with padding ≥ the kernel's
    span, beyond what PyTorch's pooling accepts.)
    """
    if (size + 2 * pad - kernel_eff) % stride == 0:
        return (size + 2 * pad - kernel_eff) // stride + 1
    return _ceil_size(size, kernel_eff, stride, pad)


def _same_pads(size: int, kernel_eff: int, stride: int) -> tuple[int, int]:
    """FORMAT.md's ``same``: output ceil(W/S), the total padding split evenly, the odd pixel right/bottom."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel_eff - size, 0)
    return total // 2, total - total // 2


def _axis_padding(padding: int | spec.AxisPadding | str, axis: int) -> int | str:
    if padding == "valid":
        return 0
    if isinstance(padding, str):
        return padding
    return pair(padding)[axis]


# ---------------------------------------------------------------------------------------------------------------------
# Modules that carry what plain PyTorch layers cannot: explicit (asymmetric) padding, cropping, activations


def _as_volume(x: torch.Tensor) -> torch.Tensor:
    """A vector N x C as the volume N x C x 1 x 1 (netcheck's 1 x 1 x C either way)."""
    return x[:, :, None, None]


def _as_vector(x: torch.Tensor) -> torch.Tensor:
    """A volume N x C x 1 x 1 as the vector N x C (netcheck's 1 x 1 x C either way)."""
    return torch.flatten(x, 1)


torch.fx.wrap("_as_volume")
torch.fx.wrap("_as_vector")

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU, "relu6": nn.ReLU6, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "selu": nn.SELU,
    "celu": nn.CELU, "gelu": nn.GELU, "silu": nn.SiLU, "swish": nn.SiLU, "mish": nn.Mish, "sigmoid": nn.Sigmoid,
    "hardsigmoid": nn.Hardsigmoid, "hardswish": nn.Hardswish, "tanh": nn.Tanh,
    "softmax": lambda: nn.Softmax(dim=1), "log_softmax": lambda: nn.LogSoftmax(dim=1),
    "softplus": nn.Softplus, "softsign": nn.Softsign, "identity": nn.Identity, "linear": nn.Identity,
}


def activation_module(function: str) -> nn.Module:
    """The PyTorch module of an activation named as in the format (softmax over channels)."""
    return ACTIVATIONS[function]()


class Conv2d(nn.Conv2d):
    """``nn.Conv2d`` with explicit padding ``pad`` = (left, right, top, bottom) before it and an activation after.

    Used for what ``nn.Conv2d`` cannot do alone: asymmetric ``same`` padding,
    ``same`` with a stride, ``ceil`` rounding (extra zeros on the right/bottom),
    and the spec's ``activation:``.
    """

    def __init__(self, *args: Any, pad: tuple[int, int, int, int] | None = None, activation: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pad = pad
        self.activation = activation_module(activation) if activation else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad is not None:
            x = F.pad(x, self.pad)
        x = super().forward(x)
        return self.activation(x) if self.activation is not None else x

    def extra_repr(self) -> str:
        return str(super().extra_repr()) + (f", pad={self.pad}" if self.pad is not None else "")  # type: ignore[no-untyped-call]


class ConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` whose output is cropped by ``crop`` = (left, right, top, bottom), then activated.

    Negative crops add zeros. Used for ``same`` padding and for an
    output_padding PyTorch refuses; otherwise the plain layer does.
    """

    def __init__(self, *args: Any, crop: tuple[int, int, int, int] | None = None, activation: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crop = crop
        self.activation = activation_module(activation) if activation else None

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        x = super().forward(x, output_size)
        if self.crop is not None:
            x = F.pad(x, [-value for value in self.crop])
        return self.activation(x) if self.activation is not None else x

    def extra_repr(self) -> str:
        return str(super().extra_repr()) + (f", crop={self.crop}" if self.crop is not None else "")  # type: ignore[no-untyped-call]


class Linear(nn.Linear):
    """``nn.Linear`` followed by the spec's ``activation:``."""

    def __init__(self, *args: Any, activation: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.activation = activation_module(activation) if activation else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = super().forward(x)
        return self.activation(x) if self.activation is not None else x


class MaxPool2d(nn.MaxPool2d):
    """Max pooling after explicit padding with −inf: pool padding over half the kernel, asymmetric ``same``."""

    def __init__(self, *args: Any, pad: tuple[int, int, int, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pad = pad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled: torch.Tensor = super().forward(F.pad(x, self.pad, value=-math.inf))
        return pooled

    def extra_repr(self) -> str:
        return super().extra_repr() + f", pad={self.pad}"


class AvgPool2d(nn.AvgPool2d):
    """Average pooling after explicit zero padding.

    With ``exclude_padding`` (``count_include_pad: false``; Keras's ``same``)
    the padded zeros are not counted in the average; otherwise they are.
    """

    def __init__(self, *args: Any, pad: tuple[int, int, int, int], exclude_padding: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pad = pad
        self.exclude_padding = exclude_padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled: torch.Tensor = super().forward(F.pad(x, self.pad))
        if not self.exclude_padding:
            return pooled
        covered: torch.Tensor = super().forward(F.pad(torch.ones_like(x[:, :1]), self.pad))
        return pooled / covered

    def extra_repr(self) -> str:
        return super().extra_repr() + f", pad={self.pad}, exclude_padding={self.exclude_padding}"


class GlobalAvgPool2d(nn.AdaptiveAvgPool2d):
    """Average over the whole plane: ``nn.AdaptiveAvgPool2d(1)``."""

    def __init__(self) -> None:
        super().__init__(1)


class GlobalMaxPool2d(nn.AdaptiveMaxPool2d):
    """Maximum over the whole plane: ``nn.AdaptiveMaxPool2d(1)``."""

    def __init__(self) -> None:
        super().__init__(1)


class Add(nn.Module):
    """Element-wise sum of two or more tensors of one shape."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        total = xs[0]
        for x in xs[1:]:
            total = total + x
        return total


class Concat(nn.Module):
    """Concatenation along the channels."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)


# ---------------------------------------------------------------------------------------------------------------------
# to_module


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    attribute: str
    sources: tuple[str, ...]
    conversions: tuple[int, ...]  # per source: 0 as is, 2 to a vector, 4 to a volume


class NetworkModule(nn.Module):
    """A netcheck network as a PyTorch module: one submodule per layer, wired as the spec's graph.

    ``netcheck_names`` maps each spec layer name to its submodule name (the
    same, unless PyTorch refuses it: a ``.`` becomes ``_``, a clash gets a
    suffix). ``forward`` takes N x D x H x W and returns the last layer's output.
    """

    def __init__(self, network: Network, report: FileReport) -> None:
        super().__init__()
        self._steps: list[_Step] = []
        self._output = ""
        layout = layer_graph.build(network)
        rows = report.rows
        self.netcheck_name = network.name
        self.netcheck_names: dict[str, str] = {}
        shapes: dict[str, Shape] = {INPUT: network.input.shape}
        ranks: dict[str, int] = {INPUT: 4}
        for name in layout.names:
            self.netcheck_names[name] = self._attribute_for(name)
        steps: dict[int, _Step] = {}
        modules: dict[int, nn.Module] = {}
        for position in layout.order:
            layer = network.layers[position]
            name = layout.names[position]
            sources = layout.inputs[position]
            output = rows[position].output
            if output is None:  # pragma: no cover - a spec without errors has every output
                raise SpecRefused(network.name, [Violation("NC102", "a layer has no output", layer=name)])
            inputs = [shapes[source] for source in sources]
            modules[position] = _build_layer(layer, inputs, output, _rounding(layer, network))
            wanted, produced = _ranks(layer.type, [ranks[source] for source in sources])
            conversions = tuple(0 if ranks[source] == wanted or wanted == 0 else wanted for source in sources)
            steps[position] = _Step(name, self.netcheck_names[name], tuple(sources), conversions)
            shapes[name], ranks[name] = output, produced
        for position, name in enumerate(layout.names):
            self.add_module(self.netcheck_names[name], modules[position])
        self._steps = [steps[position] for position in layout.order]
        self._output = layout.names[-1]

    def _attribute_for(self, name: str) -> str:
        base = name.replace(".", "_")
        candidate, suffix = base, 1
        while hasattr(self, candidate) or candidate in self.netcheck_names.values():
            suffix += 1
            candidate = f"{base}_{suffix}"
        return candidate

    def layer(self, name: str) -> nn.Module:
        """The submodule of the spec layer ``name``."""
        return self.get_submodule(self.netcheck_names[name])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values: dict[str, torch.Tensor] = {INPUT: x}
        for step in self._steps:
            args = []
            for source, conversion in zip(step.sources, step.conversions):
                value = values[source]
                if conversion == 2:
                    value = _as_vector(value)
                elif conversion == 4:
                    value = _as_volume(value)
                args.append(value)
            values[step.name] = getattr(self, step.attribute)(*args)
        return values[self._output]


def to_module(network: Network) -> NetworkModule:
    """Build ``network`` as a ``torch.nn.Module``; raises ``SpecRefused`` (with its violations) if it has errors."""
    report = check_network(network, Options(fixes=False))
    errors = [violation for violation in report.violations if violation.is_error]
    if errors:
        raise SpecRefused(network.name, errors)
    return NetworkModule(network, report)


def _rounding(layer: Any, network: Network) -> str:
    own = getattr(layer, "rounding", None)
    return str(own if own is not None else network.rounding)


_ANY_RANK = frozenset({"activation", "dropout", "flatten"})


def _ranks(kind: str, sources: list[int]) -> tuple[int, int]:
    """The tensor rank a layer needs (0: any) and the rank it produces, from its sources' ranks."""
    if kind == "dense":
        return 2, 2
    if kind == "flatten":
        return 0, 2
    if kind in _ANY_RANK:
        return 0, sources[0]
    if kind in ("add", "concat"):
        rank = sources[0] if len(set(sources)) == 1 else 4
        return rank, rank
    return 4, 4


def _build_layer(layer: Any, inputs: list[Shape], out: Shape, rounding: str) -> nn.Module:
    kind = layer.type
    shape = inputs[0]
    if kind == "conv2d":
        return _conv2d(layer, shape, out, rounding)
    if kind == "conv_transpose2d":
        return _conv_transpose2d(layer, shape, out)
    if kind in ("maxpool2d", "avgpool2d"):
        return _pool2d(layer, shape, out, rounding)
    builders: dict[str, Callable[[], nn.Module]] = {
        "global_avgpool2d": GlobalAvgPool2d,
        "global_maxpool2d": GlobalMaxPool2d,
        "adaptive_avgpool2d": lambda: nn.AdaptiveAvgPool2d((layer.output.height, layer.output.width)),
        "adaptive_maxpool2d": lambda: nn.AdaptiveMaxPool2d((layer.output.height, layer.output.width)),
        "zeropad2d": lambda: nn.ZeroPad2d(_sides(layer.padding)),
        "upsample2d": lambda: nn.Upsample(
            scale_factor=(float(pair(layer.scale)[1]), float(pair(layer.scale)[0])), mode=layer.mode),
        "flatten": nn.Flatten,
        "dense": lambda: _dense(layer, shape),
        "batchnorm2d": lambda: nn.BatchNorm2d(shape.depth, affine=layer.affine, **_values(layer, "eps", "momentum")),
        "lrn": lambda: nn.LocalResponseNorm(layer.size, **_values(layer, "alpha", "beta", "k")),
        "dropout": lambda: nn.Dropout(layer.rate),
        "activation": lambda: _activation_layer(layer),
        "add": Add,
        "concat": Concat,
    }
    return builders[kind]()


def _values(layer: Any, *keys: str) -> dict[str, Any]:
    """The value fields a layer carries (those its spec version has), as keyword arguments."""
    return {key: getattr(layer, key) for key in keys if getattr(layer, key, None) is not None}


def _activation_layer(layer: spec.Activation) -> nn.Module:
    slope = getattr(layer, "negative_slope", None)
    if layer.function == "leaky_relu" and slope is not None:
        return nn.LeakyReLU(slope)
    return activation_module(layer.function)


def _sides(padding: int | spec.Sides) -> tuple[int, int, int, int]:
    if isinstance(padding, int):
        return (padding, padding, padding, padding)
    return (padding.left, padding.right, padding.top, padding.bottom)


def _dense(layer: spec.Dense, shape: Shape) -> nn.Module:
    features = shape.width * shape.height * shape.depth
    if layer.activation:
        return Linear(features, layer.units, bias=layer.bias, activation=layer.activation)
    return nn.Linear(features, layer.units, bias=layer.bias)


def _window_pads(
    layer: Any, shape: Shape, out: Shape, dilation: int | spec.AxisPair, stride: int | spec.AxisPair
) -> tuple[list[tuple[int, int]], list[int], list[int], list[int]]:
    """Per axis (width, height): the padding (before, after) that gives netcheck's output under floor.

    ``same`` is FORMAT.md's split; otherwise ``after`` is as tight as the
    output needs (larger than ``before`` under ceil rounding).
    """
    kernels, strides, dilations = pair(layer.kernel), pair(stride), pair(dilation)
    sizes, outs = (shape.width, shape.height), (out.width, out.height)
    pads = []
    effs = []
    for axis in range(2):
        eff = _kernel_eff(kernels[axis], dilations[axis])
        padding = _axis_padding(layer.padding, axis)
        if padding == "same":
            pads.append(_same_pads(sizes[axis], eff, strides[axis]))
        else:
            before = int(padding)
            pads.append((before, (outs[axis] - 1) * strides[axis] + eff - sizes[axis] - before))
        effs.append(eff)
    return pads, effs, list(strides), list(outs)


def _conv2d(layer: spec.Conv2d, shape: Shape, out: Shape, rounding: str) -> nn.Module:
    pads, effs, strides, outs = _window_pads(layer, shape, out, layer.dilation, layer.stride)
    sizes = (shape.width, shape.height)
    native = all(
        _floor_size(sizes[axis], effs[axis], strides[axis], pads[axis][0], pads[axis][0]) == outs[axis]
        for axis in range(2)
    )
    kernel_w, kernel_h = pair(layer.kernel)
    dilation_w, dilation_h = pair(layer.dilation)
    common: dict[str, Any] = {
        "kernel_size": (kernel_h, kernel_w), "stride": (strides[1], strides[0]),
        "dilation": (dilation_h, dilation_w), "groups": layer.groups, "bias": layer.bias,
    }
    if native and not layer.activation:
        return nn.Conv2d(shape.depth, layer.filters, padding=(pads[1][0], pads[0][0]), **common)
    if native:
        return Conv2d(shape.depth, layer.filters, padding=(pads[1][0], pads[0][0]), activation=layer.activation,
                      **common)
    explicit = (pads[0][0], pads[0][1], pads[1][0], pads[1][1])
    return Conv2d(shape.depth, layer.filters, padding=0, pad=explicit, activation=layer.activation, **common)


def _conv_transpose2d(layer: spec.ConvTranspose2d, shape: Shape, out: Shape) -> nn.Module:
    kernels, strides, dilations = pair(layer.kernel), pair(layer.stride), pair(layer.dilation)
    sizes, outs = (shape.width, shape.height), (out.width, out.height)
    crops = []
    for axis in range(2):
        full = (sizes[axis] - 1) * strides[axis] + _kernel_eff(kernels[axis], dilations[axis])
        padding = _axis_padding(layer.padding, axis)
        before = int(padding) if padding != "same" else max(full + pair(layer.output_padding)[axis]
                                                              - sizes[axis] * strides[axis], 0) // 2
        crops.append((before, full - outs[axis] - before))
    native = all(
        before >= 0 and 0 <= before - after < max(strides[axis], dilations[axis])
        for axis, (before, after) in enumerate(crops)
    )
    common: dict[str, Any] = {
        "kernel_size": (kernels[1], kernels[0]), "stride": (strides[1], strides[0]),
        "dilation": (dilations[1], dilations[0]), "groups": layer.groups, "bias": layer.bias,
    }
    if native:
        native_padding = (crops[1][0], crops[0][0])
        extra = (crops[1][0] - crops[1][1], crops[0][0] - crops[0][1])
        if not layer.activation:
            return nn.ConvTranspose2d(shape.depth, layer.filters, padding=native_padding, output_padding=extra,
                                      **common)
        return ConvTranspose2d(shape.depth, layer.filters, padding=native_padding, output_padding=extra,
                               activation=layer.activation, **common)
    crop = (crops[0][0], crops[0][1], crops[1][0], crops[1][1])
    return ConvTranspose2d(shape.depth, layer.filters, crop=crop, activation=layer.activation, **common)


def _pool2d(layer: spec.MaxPool2d | spec.AvgPool2d, shape: Shape, out: Shape, rounding: str) -> nn.Module:
    stride = layer.kernel if layer.stride is None else layer.stride
    dilation = layer.dilation if isinstance(layer, spec.MaxPool2d) else 1
    pads, effs, strides, outs = _window_pads(layer, shape, out, dilation, stride)
    sizes = (shape.width, shape.height)
    same = layer.padding == "same"
    exclude = not getattr(layer, "count_include_pad", True)  # average pooling: are padded zeros counted?
    kernel_w, kernel_h = pair(layer.kernel)
    common: dict[str, Any] = {"kernel_size": (kernel_h, kernel_w), "stride": (strides[1], strides[0])}
    if isinstance(layer, spec.MaxPool2d):
        common["dilation"] = (pair(dilation)[1], pair(dilation)[0])
    # PyTorch refuses padding over half the kernel (the undilated kernel: pad <= kW/2, whatever the dilation).
    allowed = all(2 * pads[axis][0] <= pair(layer.kernel)[axis] for axis in range(2))
    modes = (True, False) if rounding == "ceil" else (False, True)
    for ceil in modes:
        sizes_ok = all(
            (_ceil_size(sizes[axis], effs[axis], strides[axis], pads[axis][0]) if ceil else
             _floor_size(sizes[axis], effs[axis], strides[axis], pads[axis][0], pads[axis][0])) == outs[axis]
            for axis in range(2)
        )
        symmetric = not same or all(before == max(after, 0) for before, after in pads)
        if allowed and sizes_ok and symmetric:
            padding = (pads[1][0], pads[0][0])
            if isinstance(layer, spec.MaxPool2d):
                return nn.MaxPool2d(padding=padding, ceil_mode=ceil, **common)
            return nn.AvgPool2d(padding=padding, ceil_mode=ceil, count_include_pad=not exclude, **common)
    floor = all(_floor_size(sizes[axis], effs[axis], strides[axis], pads[axis][0], pads[axis][0]) == outs[axis]
                for axis in range(2))
    if floor and not same:  # over PyTorch's padding limit only: pad symmetrically, as written
        pads = [(before, before) for before, _after in pads]
    explicit = (pads[0][0], pads[0][1], pads[1][0], pads[1][1])
    if isinstance(layer, spec.MaxPool2d):
        return MaxPool2d(pad=explicit, **common)
    return AvgPool2d(pad=explicit, exclude_padding=exclude, **common)


# ---------------------------------------------------------------------------------------------------------------------
# from_module: trace with torch.fx, propagate shapes on zeros, describe each node as a layer


class _Tracer(torch.fx.Tracer):
    """torch.nn layers and netcheck's own layer modules are leaves; containers are traced through."""

    def create_proxy(self, *args: Any, **kwargs: Any) -> torch.fx.Proxy:
        """Record the innermost user source line (torch's own stack recording imports its compiler: slow)."""
        proxy: torch.fx.Proxy = super().create_proxy(*args, **kwargs)
        proxy.node.meta["netcheck_source"] = _user_frame()
        return proxy

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        if isinstance(m, NetworkModule):
            return False
        if type(m).__module__ == __name__:
            return True
        return bool(super().is_leaf_module(m, module_qualified_name))


@dataclass(slots=True)
class _Value:
    """What a tensor node stands for: a layer's output (or the input), its netcheck shape and tensor rank."""

    layer: str
    shape: Shape
    rank: int


@dataclass(slots=True)
class _Layer:
    name: str
    fields: dict[str, Any]
    sources: list[str]
    node: torch.fx.Node
    module: nn.Module | None
    wants: str | None = None  # "floor" when the layer relies on floor rounding


@dataclass(slots=True)
class _Import:
    """The state of one from_module run."""

    root: nn.Module
    values: dict[torch.fx.Node, _Value] = field(default_factory=dict)
    layers: list[_Layer] = field(default_factory=list)
    names: set[str] = field(default_factory=lambda: {INPUT})
    calls: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def from_module(
    module: nn.Module,
    input: str | Shape | tuple[int, int, int],
    *,
    name: str | None = None,
    description: str | None = None,
    expect: bool = True,
) -> Network:
    """Describe ``module`` as a netcheck ``Network``: trace it with torch.fx, run it on zeros of ``input`` (WxHxD).

    Every layer's shape and parameter count is checked against what PyTorch
    computed; an op the format cannot express raises ``UnsupportedOp`` naming
    the op, the node and where it sits. ``expect`` adds the traced output and
    parameter totals as whole-network assertions.
    """
    shape = _input_shape(input)
    with _evaluating(module):
        traced = _trace(module)
        _propagate(module, traced, shape)
    state = _Import(traced)
    for node in list(traced.graph.nodes):
        _visit(state, node)
    output = _output_value(state, traced)
    layers = _reachable(state, output)
    network = _assemble(state, layers, shape, name or type(module).__name__, description, module, expect, output)
    _verify(network, layers, state)
    return network


def _input_shape(value: str | Shape | tuple[int, int, int]) -> Shape:
    if isinstance(value, str):
        return spec.ShapeSpec.model_validate(value).shape
    width, height, depth = value
    return Shape(int(width), int(height), int(depth))


@contextlib.contextmanager
def _evaluating(module: nn.Module) -> Iterator[None]:
    """Eval mode (the deployed graph, BatchNorm on running statistics) and no gradients; modes restored after."""
    modes = [(submodule, submodule.training) for submodule in module.modules()]
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for submodule, training in modes:
            submodule.training = training


def _trace(module: nn.Module) -> torch.fx.GraphModule:
    tracer = _Tracer()
    try:
        graph = tracer.trace(module)
    except Exception as error:
        raise FromModuleError(
            f"torch.fx cannot trace {type(module).__name__}: {type(error).__name__}: {_first_line(error)} "
            "(data-dependent control flow or an untraceable call; netcheck needs a symbolically traceable forward)"
        ) from error
    return torch.fx.GraphModule(tracer.root, graph, type(module).__name__)


class _NodeFailed(Exception):
    def __init__(self, node: torch.fx.Node, error: Exception) -> None:
        super().__init__(node.name)
        self.node, self.error = node, error


class _Shapes(torch.fx.Interpreter):
    """Runs the traced graph and records each node's tensor shape (``netcheck_shape``) in its meta."""

    def run_node(self, n: torch.fx.Node) -> Any:
        try:
            result = super().run_node(n)
        except Exception as error:
            raise _NodeFailed(n, error) from error
        if isinstance(result, torch.Tensor):
            n.meta["netcheck_shape"] = tuple(int(size) for size in result.shape)
        elif isinstance(result, (tuple, list, dict)) and any(
                isinstance(item, torch.Tensor) for item in (result.values() if isinstance(result, dict) else result)):
            n.meta["netcheck_several"] = True
        return result


def _propagate(module: nn.Module, traced: torch.fx.GraphModule, shape: Shape) -> None:
    tensors = [*module.parameters(), *module.buffers()]
    like = next((tensor for tensor in tensors if tensor.is_floating_point()), None)
    size = (TRACE_BATCH, shape.depth, shape.height, shape.width)
    zeros = torch.zeros(size) if like is None else torch.zeros(size, dtype=like.dtype, device=like.device)
    try:
        _Shapes(traced).run(zeros)
    except _NodeFailed as failed:
        raise FromModuleError(
            f"a forward pass of {type(module).__name__} on zeros of {shape} (N x C x H x W = "
            f"{TRACE_BATCH} x {shape.depth} x {shape.height} x {shape.width}) fails at fx node "
            f"{failed.node.name!r}{_where(failed.node)}: {_first_line(failed.error)}"
        ) from failed.error


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_HERE = os.path.abspath(__file__)
_PYTHON_DIR = os.path.dirname(os.__file__) + os.sep


def _user_frame() -> str | None:
    """``file:line: code`` of the innermost frame outside torch, Python's library and this module."""
    frame = sys._getframe(2)
    while frame is not None:
        file = frame.f_code.co_filename
        if not file.startswith((_TORCH_DIR, _PYTHON_DIR, "<")) and os.path.abspath(file) != _HERE:
            code = linecache.getline(file, frame.f_lineno).strip()
            return f"{os.path.basename(file)}:{frame.f_lineno}" + (f": {code}" if code else "")
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _where(node: torch.fx.Node) -> str:
    """Where a node sits: the innermost module's path and class, and the user's source line."""
    parts = []
    stack = node.meta.get("nn_module_stack") or {}
    if stack:
        path, kind = list(stack.values())[-1]
        kind_name = getattr(kind, "__name__", str(kind))
        parts.append(f"in {path or 'the root'} ({kind_name})")
    source = node.meta.get("netcheck_source")
    if source:
        parts.append(f"at {source}")
    return ", " + ", ".join(parts) if parts else ""


def _op_name(node: torch.fx.Node, root: nn.Module) -> str:
    if node.op == "call_module":
        module = root.get_submodule(str(node.target))
        return f"{type(module).__module__}.{type(module).__qualname__}"
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    target = node.target
    if isinstance(target, str):
        return target
    module_name = getattr(target, "__module__", None) or ""
    module_name = {"_operator": "operator", "torch._C._nn": "torch.nn.functional",
                   "torch._C._VariableFunctions": "torch"}.get(module_name, module_name)
    return f"{module_name}.{getattr(target, '__name__', repr(target))}".lstrip(".")


def _unsupported(state: _Import, node: torch.fx.Node, reason: str) -> UnsupportedOp:
    return UnsupportedOp(_op_name(node, state.root), node.name, _where(node), reason)


def _tensor_shape(node: torch.fx.Node) -> tuple[int, ...] | None:
    shape: tuple[int, ...] | None = node.meta.get("netcheck_shape")
    return shape


def _visit(state: _Import, node: torch.fx.Node) -> None:
    if node.op == "placeholder":
        if _tensor_shape(node) is None:
            return  # an argument with a default that is not a tensor (a flag, an optional mask left out)
        if any(value.layer == INPUT for value in state.values.values()):
            raise _unsupported(state, node, "forward takes a second input; a netcheck network has one input")
        state.values[node] = _Value(INPUT, _shape_of(state, node), 4)
        return
    if node.op in ("output", "get_attr"):
        return
    if _tensor_shape(node) is None:
        if node.meta.get("netcheck_several"):
            raise _unsupported(state, node, "it gives several tensors; a netcheck layer gives one")
        return  # sizes, shapes and other non-tensor values: used as arguments only
    if node.op == "call_module":
        _visit_module(state, node, state.root.get_submodule(str(node.target)))
    else:
        _visit_function(state, node)


def _shape_of(state: _Import, node: torch.fx.Node) -> Shape:
    shape = _tensor_shape(node)
    if shape is None or len(shape) not in (2, 4):
        rank = "no tensor" if shape is None else f"a {len(shape)}-D tensor {list(shape)}"
        raise _unsupported(state, node, f"it gives {rank}; the format describes volumes N x C x H x W and "
                                        "vectors N x C")
    if shape[0] != TRACE_BATCH:
        raise _unsupported(state, node, f"it changes the batch axis ({TRACE_BATCH} → {shape[0]})")
    return torch_shape(shape)


def _source(state: _Import, node: torch.fx.Node, argument: Any) -> _Value:
    if isinstance(argument, torch.fx.Node) and argument in state.values:
        return state.values[argument]
    what = f"the parameter or buffer {argument.target}" if isinstance(argument, torch.fx.Node) and \
        argument.op == "get_attr" else f"{argument!r}"
    raise _unsupported(state, node, f"it reads {what}, which is not the output of a layer the format can express")


def _arg(node: torch.fx.Node, index: int, key: str, default: Any = None) -> Any:
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(key, default)


def _layer_name(state: _Import, node: torch.fx.Node, base: str) -> str:
    if node.op == "call_module":
        candidate = str(node.target).replace(".", "_")
    else:
        stack = node.meta.get("nn_module_stack") or {}
        scope = str(list(stack.values())[-1][0]).replace(".", "_") if stack else ""
        candidate = f"{scope}_{base}" if scope else base
    name, suffix = candidate, 1
    while name in state.names:
        suffix += 1
        name = f"{candidate}_{suffix}"
    state.names.add(name)
    return name


def _emit(state: _Import, node: torch.fx.Node, base: str, fields: dict[str, Any], sources: list[_Value],
          module: nn.Module | None = None, wants: str | None = None) -> None:
    if module is not None:
        target = str(node.target)
        state.calls[target] = state.calls.get(target, 0) + 1
        if state.calls[target] > 1 and any(True for _ in module.parameters()):
            raise _unsupported(state, node, f"the module {target} is called {state.calls[target]} times and shares "
                                            "its parameters; each netcheck layer has its own")
    name = _layer_name(state, node, base)
    state.layers.append(_Layer(name, fields, [source.layer for source in sources], node, module, wants))
    shape = _shape_of(state, node)
    state.values[node] = _Value(name, shape, len(_tensor_shape(node) or ()))


def _alias(state: _Import, node: torch.fx.Node, source: _Value) -> None:
    shape = _shape_of(state, node)
    if shape != source.shape:
        raise _unsupported(state, node, f"it reshapes {source.shape} into {shape}, which no layer of the format does")
    state.values[node] = _Value(source.layer, shape, len(_tensor_shape(node) or ()))


# Module layers ------------------------------------------------------------------------------------------------------

_ACTIVATION_MODULES: tuple[tuple[type[nn.Module], str], ...] = (
    (nn.ReLU, "relu"), (nn.ReLU6, "relu6"), (nn.LeakyReLU, "leaky_relu"), (nn.ELU, "elu"), (nn.SELU, "selu"),
    (nn.CELU, "celu"), (nn.GELU, "gelu"), (nn.SiLU, "silu"), (nn.Mish, "mish"), (nn.Sigmoid, "sigmoid"),
    (nn.Hardsigmoid, "hardsigmoid"), (nn.Hardswish, "hardswish"), (nn.Tanh, "tanh"), (nn.Softmax, "softmax"),
    (nn.LogSoftmax, "log_softmax"), (nn.Softplus, "softplus"), (nn.Softsign, "softsign"),
    (nn.Identity, "identity"),
)
_DROPOUTS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout, nn.FeatureAlphaDropout)


def _visit_module(state: _Import, node: torch.fx.Node, module: nn.Module) -> None:
    if node.kwargs or (len(node.args) != 1 and not isinstance(module, (Add, Concat))):
        raise _unsupported(state, node, "the module is called with more than one argument")
    if isinstance(module, (Add, Concat)):
        _merge(state, node, "add" if isinstance(module, Add) else "concat", list(node.args), module)
        return
    source = _source(state, node, node.args[0])
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
        _emit(state, node, "dropout", {"type": "dropout", "rate": float(module.p)}, [source], module)
    else:
        function = _activation_of_module(state, node, module)
        if function is None:
            raise _unsupported(state, node, "the format has no layer for it")
        slope = module.negative_slope if isinstance(module, nn.LeakyReLU) else None
        _emit(state, node, function, _activation_fields(state, node, function, slope), [source], module)


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


def _short(width: int, height: int) -> int | dict[str, int]:
    return width if width == height else {"width": width, "height": height}


def _conv_module(state: _Import, node: torch.fx.Node, module: nn.Conv2d, source: _Value) -> None:
    if module.padding_mode != "zeros":
        raise _unsupported(state, node, f"padding_mode={module.padding_mode!r}; the format pads with zeros")
    kernel, stride, dilation = _hw(module.kernel_size), _hw(module.stride), _hw(module.dilation)
    out = _shape_of(state, node)
    sizes, outs = (source.shape.width, source.shape.height), (out.width, out.height)
    effs = [_kernel_eff(kernel[axis], dilation[axis]) for axis in range(2)]
    if module.padding == "same":
        pads = [((effs[axis] - 1) // 2, effs[axis] - 1 - (effs[axis] - 1) // 2) for axis in range(2)]
    else:
        native = _padding_pair(module.padding) if module.padding != "valid" else (0, 0)
        pads = [(native[axis], native[axis]) for axis in range(2)]
    explicit = getattr(module, "pad", None)
    if explicit is not None:
        pads = [(pads[0][0] + explicit[0], pads[0][1] + explicit[1]), (pads[1][0] + explicit[2],
                                                                      pads[1][1] + explicit[3])]
    padding, rounding = _window_padding(state, node, sizes, effs, stride, pads, outs, ceil_mode=False)
    fields: dict[str, Any] = {"type": "conv2d", "filters": int(module.out_channels), "kernel": _short(*kernel)}
    fields.update(_nondefault(stride=_short(*stride), padding=padding, dilation=_short(*dilation),
                              groups=int(module.groups), bias=module.bias is not None))
    activation = _inner_activation(state, node, module)
    if activation:
        fields["activation"] = activation
    if rounding == "ceil":
        fields["rounding"] = "ceil"
    _emit(state, node, "conv", fields, [source], module, "floor" if rounding == "floor" else None)


_LAYER_CLASSES: dict[str, type[spec.LayerBase]] = {
    typing.get_args(cls.model_fields["type"].annotation)[0]: cls
    for cls in typing.get_args(typing.get_args(spec.Layer)[0])
}
_DEFAULTS: dict[str, Any] = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True,
                             "output_padding": 0}


def _nondefault(**fields: Any) -> dict[str, Any]:
    return {key: value for key, value in fields.items() if value != _DEFAULTS.get(key, object())}


def _inner_activation(state: _Import, node: torch.fx.Node, module: nn.Module) -> str | None:
    inner = getattr(module, "activation", None)
    if inner is None:
        return None
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
        elif all(outs[axis] == sizes[axis] * stride[axis] for axis in range(2)):
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
    if len(sides) != 4 or any(side < 0 for side in sides):
        raise _unsupported(state, node, f"padding {sides}: the format pads the plane's four sides by ≥ 0")
    left, right, top, bottom = sides
    padding: int | dict[str, int] = left if len(set(sides)) == 1 else {
        key: value for key, value in (("top", top), ("bottom", bottom), ("left", left), ("right", right)) if value}
    _emit(state, node, "zeropad", {"type": "zeropad2d", "padding": padding}, [source], module)


def _upsample(state: _Import, node: torch.fx.Node, scale: Any, size: Any, mode: str, source: _Value,
              module: nn.Module | None) -> None:
    if mode not in ("nearest", "bilinear"):
        raise _unsupported(state, node, f"mode {mode!r}; the format's upsample2d is nearest or bilinear")
    out = _shape_of(state, node)
    factors = []
    for before, after in ((source.shape.width, out.width), (source.shape.height, out.height)):
        if after % before:
            raise _unsupported(state, node, f"it resizes {before} to {after}, not by a whole factor")
        factors.append(after // before)
    if scale is not None and size is None:
        scales = (scale, scale) if isinstance(scale, (int, float)) else (scale[-1], scale[0])
        if any(float(value) != factor for value, factor in zip(scales, factors)):
            raise _unsupported(state, node, f"scale factor {scale} is not a whole number")
    fields: dict[str, Any] = {"type": "upsample2d", "scale": _short(*factors)}
    if mode != "nearest":
        fields["mode"] = mode
    _emit(state, node, "upsample", fields, [source], module)


def _linear(state: _Import, node: torch.fx.Node, module: nn.Linear, source: _Value) -> None:
    if source.rank != 2:
        raise _unsupported(state, node, "Linear on a volume acts on its last axis (the width); the format's dense "
                                        "reads a vector N x C: flatten first")
    fields: dict[str, Any] = {"type": "dense", "units": int(module.out_features)}
    if module.bias is None:
        fields["bias"] = False
    activation = _inner_activation(state, node, module)
    if activation:
        fields["activation"] = activation
    _emit(state, node, "fc", fields, [source], module)


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
    return key in _LAYER_CLASSES[kind].model_fields


def _extra_values(kind: str, **values: Any) -> dict[str, Any]:
    """The value fields the format has for ``kind`` and that differ from their defaults, as floats."""
    fields = {}
    for key, value in values.items():
        if value is None or not _has(kind, key):
            continue
        if float(value) != _LAYER_CLASSES[kind].model_fields[key].default:
            fields[key] = float(value)
    return fields


def _merge(state: _Import, node: torch.fx.Node, kind: str, arguments: list[Any], module: nn.Module | None) -> None:
    sources = [_source(state, node, argument) for argument in arguments]
    if len(sources) < 2:
        if len(sources) == 1 and kind == "concat":
            _alias(state, node, sources[0])
            return
        raise _unsupported(state, node, f"{kind} needs two or more inputs")
    _emit(state, node, kind, {"type": kind}, sources, module)


# Function and method layers -----------------------------------------------------------------------------------------

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


# Assembly and verification ------------------------------------------------------------------------------------------


def _output_value(state: _Import, traced: torch.fx.GraphModule) -> _Value:
    output = next(node for node in traced.graph.nodes if node.op == "output")
    result = output.args[0]
    if not isinstance(result, torch.fx.Node):
        raise FromModuleError(f"forward returns {type(result).__name__}; the format describes one output tensor")
    if result not in state.values:
        raise FromModuleError(f"forward returns {result.name}, which is not a layer's output")
    value = state.values[result]
    if value.layer == INPUT:
        raise FromModuleError("forward returns its input: the module has no layers the format can describe")
    return value


def _reachable(state: _Import, output: _Value) -> list[_Layer]:
    """The layers in traced order with the output's layer last, as the format wants.

    Values computed and never used stay (netcheck warns NC205 about them),
    except those computed from the output itself, which cannot come before
    it: they are left out with a warning.
    """
    after = {output.layer}
    for layer in state.layers:
        if any(source in after for source in layer.sources):
            after.add(layer.name)
    dropped = [layer.name for layer in state.layers if layer.name in after and layer.name != output.layer]
    if dropped:
        note = f"left out values computed from the output and never used: {', '.join(dropped)}"
        state.notes.append(note)
        warnings.warn(note, TorchImportWarning, stacklevel=3)
    last = next(layer for layer in state.layers if layer.name == output.layer)
    return [layer for layer in state.layers if layer.name not in after] + [last]


def _counts(module: nn.Module | None) -> tuple[int, int]:
    if module is None:
        return 0, 0
    trainable = sum(parameter.numel() for parameter in module.parameters())
    statistics = sum(buffer.numel() for key, buffer in module.named_buffers() if key.rsplit(".", 1)[-1] in
                     ("running_mean", "running_var"))
    return trainable, statistics


def _assemble(state: _Import, layers: list[_Layer], shape: Shape, name: str, description: str | None,
              module: nn.Module, expect: bool, output: _Value) -> Network:
    data: dict[str, Any] = {"netcheck": 1, "name": name}
    used = {id(parameter) for layer in layers if layer.module is not None for parameter in layer.module.parameters()}
    unused = [key for key, parameter in module.named_parameters() if id(parameter) not in used]
    if unused:
        count = sum(parameter.numel() for key, parameter in module.named_parameters() if id(parameter) not in used)
        note = (f"{count:,} parameters are not used by the traced forward pass and are not in the spec "
                f"({', '.join(unused[:5])}{', …' if len(unused) > 5 else ''})")
        state.notes.append(note)
        warnings.warn(note, TorchImportWarning, stacklevel=3)
    texts = [description] if description else []
    texts.extend(note[0].upper() + note[1:] + "." for note in state.notes)
    if texts:
        data["description"] = " ".join(texts)
    data["input"] = str(shape)
    if any(layer.wants == "floor" for layer in layers):
        data["rounding"] = "floor"
    entries = []
    previous = INPUT
    for layer in layers:
        entry: dict[str, Any] = {"name": layer.name, "type": layer.fields["type"]}
        if layer.sources != [previous]:
            entry["inputs"] = layer.sources[0] if len(layer.sources) == 1 else list(layer.sources)
        entry.update({key: value for key, value in layer.fields.items() if key != "type"})
        entries.append(entry)
        previous = layer.name
    data["layers"] = entries
    if expect:
        trainable = sum(_counts(layer.module)[0] for layer in layers)
        statistics = sum(_counts(layer.module)[1] for layer in layers)
        data["expect"] = {"output": str(output.shape), "params": trainable + statistics,
                          "trainable_params": trainable, "non_trainable_params": statistics}
    try:
        return Network.model_validate(data)
    except Exception as error:  # pragma: no cover - the fields are built to fit the schema
        raise FromModuleError(f"the spec built for {name} does not fit the format: {error}") from error


def _verify(network: Network, layers: list[_Layer], state: _Import) -> None:
    """Check the spec with netcheck and compare every layer's shape and counts with what PyTorch computed."""
    report = check_network(network, Options(fixes=False))
    errors = [violation for violation in report.violations if violation.is_error]
    if errors:
        listing = "; ".join(f"{violation.code} {violation.layer or ''}: {violation.message}" for violation in errors)
        raise FromModuleError(f"the spec built from the module does not validate: {listing}")
    for row, layer in zip(report.rows, layers):
        traced = state.values[layer.node].shape
        trainable, statistics = _counts(layer.module)
        if row.output != traced:
            raise _unsupported(state, layer.node, f"netcheck computes {row.output} for {row.name} but PyTorch gives "
                                                  f"{traced}")
        if (row.trainable_params, row.non_trainable_params) != (trainable, statistics):
            raise _unsupported(state, layer.node, f"netcheck counts {row.trainable_params} + "
                                                  f"{row.non_trainable_params} parameters for {row.name} but PyTorch "
                                                  f"has {trainable} + {statistics}")


# ---------------------------------------------------------------------------------------------------------------------
# YAML


_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})
_FIRST = ("name", "type", "inputs")
_LAST = ("expect",)


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        return f"{mantissa}.0e{exponent}" if exponent and "." not in mantissa else text
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    if re.fullmatch(r"[0-9]+x[0-9]+(x[0-9]+)?", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(key)}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return _scalar(value)


def _shortest(value: Any) -> Any:
    if isinstance(value, spec.ShapeSpec):
        return str(value.shape)
    if isinstance(value, spec.PlaneSpec):
        return f"{value.width}x{value.height}"
    if isinstance(value, (spec.AxisPair, spec.AxisPadding)):
        return _short(value.width, value.height)
    if isinstance(value, spec.Sides):
        sides = (value.top, value.bottom, value.left, value.right)
        if len(set(sides)) == 1:
            return value.top
        return {key: getattr(value, key) for key in ("top", "bottom", "left", "right") if getattr(value, key)}
    if isinstance(value, (spec.LayerExpect, spec.NetworkExpect)):
        return {key: _shortest(item) for key, item in value if item is not None}
    return value


def _fields(layer: spec.LayerBase) -> Iterator[tuple[str, Any]]:
    keys = [*_FIRST, *(key for key in type(layer).model_fields if key not in _FIRST + _LAST), *_LAST]
    for key in keys:
        info = type(layer).model_fields[key]
        value = getattr(layer, key)
        if value is None:
            continue
        short = _shortest(value)
        if key == "inputs" and len(short) == 1:
            short = short[0]
        if not info.is_required() and short == _shortest(info.default):
            continue
        if key == "stride" and isinstance(layer, (spec.MaxPool2d, spec.AvgPool2d)) and short == _shortest(
                layer.kernel):
            continue
        yield key, short


def _description(text: str) -> str:
    if " ".join(text.split()) == text and text.isprintable() and not text.startswith(("#", "-", "'", '"')):
        lines, line = [], ""
        for word in text.split(" "):
            if line and len(line) + 1 + len(word) > 100:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
        return ">-\n" + "".join(f"  {line}\n" for line in lines)
    return json.dumps(text, ensure_ascii=False) + "\n"


def _comment(text: str) -> str:
    return " ".join(text.split())


def to_yaml(network: Network, *, schema: str | None = None, header: Sequence[str] = (), annotate: bool = True) -> str:
    """The network as readable YAML: the schema comment first, sizes in their shortest form.

    With ``annotate`` each layer's line carries a comment with its output shape
    and parameter count, as netcheck computes them.
    """
    rows = check_network(network, Options(fixes=False)).rows if annotate else []
    out = [f"# yaml-language-server: $schema={schema or _schema_id()}\n"]
    out.extend(f"# {_comment(line)}\n" for line in header)
    out.append(f"netcheck: {network.netcheck}\n")
    out.append(f"name: {_scalar(network.name)}\n")
    if network.description:
        out.append(f"description: {_description(network.description)}")
    out.append(f"input: {network.input.shape}\n")
    if network.rounding != "strict":
        out.append(f"rounding: {network.rounding}\n")
    out.append("layers:\n")
    for index, layer in enumerate(network.layers):
        lines = []
        for key, value in _fields(layer):
            lines.append(f"{key}: {_flow(value)}")
        if annotate and index < len(rows) and rows[index].output is not None:
            row = rows[index]
            note = f"{row.output}" + (f", {row.params:,} params" if row.params else "")
            lines[0] += f"  # {note}"
        out.append(f"  - {lines[0]}\n")
        out.extend(f"    {line}\n" for line in lines[1:])
    if network.expect is not None:
        out.append("expect:\n")
        for key, value in _shortest(network.expect).items():
            out.append(f"  {key}: {_flow(value)}\n")
    return "".join(out)


def _schema_id() -> str:
    from netcheck.schema import SCHEMA_ID

    return SCHEMA_ID


# ---------------------------------------------------------------------------------------------------------------------
# import-torch


class FactoryError(Exception):
    """``package.module:factory`` cannot be resolved to a module."""


def load_factory(target: str) -> tuple[nn.Module, str]:
    """Import ``package.module:factory`` and call the factory with no arguments; returns the module and its name.

    The factory may be a dotted attribute path, a class, a function, or an
    ``nn.Module`` instance. The current directory is importable, as with
    ``python -m``.
    """
    module_path, _, attribute = target.partition(":")
    if not module_path or not attribute:
        raise FactoryError(f"expected package.module:factory (such as torchvision.models:resnet18), not {target!r}")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        found: Any = importlib.import_module(module_path)
    except ImportError as error:
        raise FactoryError(f"cannot import {module_path}: {error}") from error
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise FactoryError(f"{module_path} has no attribute {attribute!r}")
        found = getattr(found, part)
    if not isinstance(found, nn.Module):
        if not callable(found):
            raise FactoryError(f"{target} is neither an nn.Module nor callable")
        found = found()
    if not isinstance(found, nn.Module):
        raise FactoryError(f"{target}() returned {type(found).__name__}, not a torch.nn.Module")
    return found, attribute.rsplit(".", 1)[-1]


def _schema_for(path: str | None) -> str:
    """A relative path to schemas/netcheck.schema.json when the output sits in a project that has one."""
    if path is not None:
        folder = Path(path).resolve().parent
        for candidate in (folder, *folder.parents):
            schema = candidate / "schemas" / "netcheck.schema.json"
            if schema.is_file():
                return Path(os.path.relpath(schema, Path(path).resolve().parent)).as_posix()
    return _schema_id()


def import_command(target: str, input_shape: str, output: str | None) -> tuple[str, int, str]:
    """``netcheck import-torch``: (stdout text, exit status, stderr text)."""
    try:
        shape = spec.ShapeSpec.model_validate(input_shape).shape
    except Exception:
        return "", 2, f"netcheck: --input takes a shape WxHxD such as 224x224x3, not {input_shape!r}"
    try:
        module, name = load_factory(target)
    except FactoryError as error:
        return "", 2, f"netcheck: {error}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TorchImportWarning)
        try:
            network = from_module(module, shape, name=name,
                                  description=f"Imported from {target} ({type(module).__module__}."
                                              f"{type(module).__qualname__}) with netcheck import-torch.")
        except FromModuleError as error:
            return "", 1, f"netcheck: cannot import {target}: {error}"
    notes = [f"netcheck: note: {warning.message}" for warning in caught
             if issubclass(warning.category, TorchImportWarning)]
    header = [f"Written by netcheck import-torch {target} --input {shape} (torch {torch.__version__})."]
    text = to_yaml(network, schema=_schema_for(output), header=header)
    report = check_text(text, output or "<stdout>", Options(fixes=False))
    if not report.ok:  # pragma: no cover - from_module verified the network already
        listing = "\n".join(f"  {v.line}:{v.column}: {v.code} {v.message}" for v in report.violations if v.is_error)
        return "", 1, f"netcheck: the imported spec does not validate; nothing written:\n{listing}"
    totals = report.totals
    summary = (f"netcheck: {name}: {len(network.layers)} layers, output {report.rows[-1].output}, "
               f"{totals['trainable_params'] or 0:,} trainable + {totals['non_trainable_params'] or 0:,} "
               f"non-trainable parameters; {report.warnings} warning{'s' if report.warnings != 1 else ''}")
    if output is None:
        return text, 0, "\n".join([*notes, summary])
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        return "", 2, f"netcheck: cannot write {output}: {error.strerror or error}"
    return "", 0, "\n".join([*notes, summary + f"; wrote {output}"])
