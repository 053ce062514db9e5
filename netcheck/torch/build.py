"""to_module: a netcheck spec as a ``torch.nn.Module``, one submodule per layer, wired as the spec's graph.

Each layer's builder emulates with explicit padding what PyTorch's own layer
refuses (see the package docstring).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.fx
from torch import nn

from netcheck import graph as layer_graph
from netcheck import spec
from netcheck.checker import check_network
from netcheck.layers.conv import channel_padding
from netcheck.layers.reshape import sides
from netcheck.records import from_model
from netcheck.results import FileReport, Options, Violation
from netcheck.spec import Network, Shape, pair
from netcheck.torch.errors import SpecRefused
from netcheck.torch.layers import (
    Add,
    AvgPool2d,
    BlurPool2d,
    ChannelConv,
    Concat,
    CondConv2d,
    ContextPool2d,
    Conv2d,
    ConvTranspose2d,
    DropPath,
    EvoNorm2d,
    GlobalAvgPool2d,
    GlobalMaxPool2d,
    Grn,
    GroupSoftmax,
    LayerNorm2d,
    LayerScale,
    Linear,
    MaxPool2d,
    Multiply,
    RmsNorm2d,
    Scale,
    Slice,
    Subtract,
    activation_module,
)
from netcheck.torch.sizes import _axis_padding, _ceil_size, _floor_size, _kernel_eff, _same_pads

INPUT = layer_graph.INPUT


def _as_volume(x: torch.Tensor) -> torch.Tensor:
    """A vector N x C as the volume N x C x 1 x 1 (netcheck's 1 x 1 x C either way)."""
    return x[:, :, None, None]


def _as_vector(x: torch.Tensor) -> torch.Tensor:
    """A volume N x C x 1 x 1 as the vector N x C (netcheck's 1 x 1 x C either way)."""
    return torch.flatten(x, 1)


torch.fx.wrap("_as_volume")
torch.fx.wrap("_as_vector")


@dataclass(frozen=True, slots=True)
class _Step:
    name: str
    attribute: str
    sources: tuple[str, ...]
    conversions: tuple[int, ...]  # per source: 0 as is, 2 to a vector, 4 to a volume


class NetworkModule(nn.Module):
    """A netcheck network as a PyTorch module: one submodule per layer, wired as the spec's graph.

    ``netcheck_names`` maps each spec layer name to its submodule name (the
    same, unless PyTorch refuses it: a clash gets a suffix). The layers of a
    use of a block (``layer1.0.conv1``, FORMAT.md §8) are nested modules named
    as the uses, so ``state_dict()`` keys read ``layer1.0.conv1.weight`` as
    torchvision's do. ``forward`` takes N x D x H x W and returns the last
    layer's output.
    """

    def __init__(self, network: Network, report: FileReport) -> None:
        super().__init__()
        self._steps: list[_Step] = []
        self._output = ""
        layout = layer_graph.build(from_model(network))
        rows = report.rows
        self.netcheck_name = network.name
        self.netcheck_names: dict[str, str] = {}
        self._leaves: set[str] = set()
        self._containers: set[str] = set()
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
            self._register(self.netcheck_names[name], modules[position])
        self._steps = [steps[position] for position in layout.order]
        self._callables = [self.get_submodule(step.attribute) for step in self._steps]
        self._output = layout.names[-1]

    def _attribute_for(self, name: str) -> str:
        if "." in name and self._nests(name):
            return name
        base = name.replace(".", "_")
        candidate, suffix = base, 1
        while hasattr(self, candidate) or candidate in self.netcheck_names.values() or candidate in self._containers:
            suffix += 1
            candidate = f"{base}_{suffix}"
        self._leaves.add(candidate)
        return candidate

    def _nests(self, path: str) -> bool:
        """Whether ``path`` can be a nested submodule: containers for its prefixes, the layer at its end."""
        parts = path.split(".")
        prefixes = {".".join(parts[:end]) for end in range(1, len(parts))}
        top_taken = parts[0] not in self._containers and hasattr(self, parts[0])
        if not all(parts) or top_taken or path in self._leaves | self._containers or prefixes & self._leaves:
            return False
        self._leaves.add(path)
        self._containers |= prefixes
        return True

    def _register(self, path: str, module: nn.Module) -> None:
        parent: nn.Module = self
        *containers, last = path.split(".")
        for part in containers:
            child = parent._modules.get(part)
            if child is None:
                child = nn.Module()
                parent.add_module(part, child)
            parent = child
        parent.add_module(last, module)

    def layer(self, name: str) -> nn.Module:
        """The submodule of the spec layer ``name``."""
        return self.get_submodule(self.netcheck_names[name])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        values: dict[str, torch.Tensor] = {INPUT: x}
        for step, module in zip(self._steps, self._callables):
            args = []
            for source, conversion in zip(step.sources, step.conversions):
                value = values[source]
                if conversion == 2:
                    value = _as_vector(value)
                elif conversion == 4:
                    value = _as_volume(value)
                args.append(value)
            values[step.name] = module(*args)
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


_ANY_RANK = frozenset({"activation", "dropout", "flatten", "identity", "drop_path", "slice", "scale", "group_softmax"})


def _ranks(kind: str, sources: list[int]) -> tuple[int, int]:
    """The tensor rank a layer needs (0: any) and the rank it produces, from its sources' ranks."""
    if kind == "dense":
        return 2, 2
    if kind == "flatten":
        return 0, 2
    if kind in _ANY_RANK:
        return 0, sources[0]
    if kind == "cond_conv2d":
        return 0, 4  # the features N x C x H x W, the routing N x E or N x E x 1 x 1
    if kind in ("add", "subtract", "concat", "multiply"):
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
    if kind == "cond_conv2d":
        pads, _effs, strides, _outs = _window_pads(layer, shape, out, layer.dilation, layer.stride)
        (kernel_w, kernel_h), (dilation_w, dilation_h) = pair(layer.kernel), pair(layer.dilation)
        return CondConv2d(shape.depth, layer.filters, (kernel_h, kernel_w), (strides[1], strides[0]),
                          (dilation_h, dilation_w), layer.groups, layer.bias, layer.experts,
                          (pads[0][0], pads[0][1], pads[1][0], pads[1][1]))
    if kind == "blurpool2d":
        pads, _effs, strides, _outs = _window_pads(layer, shape, out, 1, layer.stride)
        if rounding != "ceil" and layer.padding != "same":  # floor drops what the tight padding leaves out
            pads = [(before, before) for before, _after in pads]
        return BlurPool2d(shape.depth, layer.kernel, (strides[1], strides[0]),
                          (pads[0][0], pads[0][1], pads[1][0], pads[1][1]),
                          "constant" if layer.padding_mode == "zeros" else "reflect")
    builders: dict[str, Callable[[], nn.Module]] = {
        "global_avgpool2d": GlobalAvgPool2d,
        "global_maxpool2d": GlobalMaxPool2d,
        "adaptive_avgpool2d": lambda: nn.AdaptiveAvgPool2d((layer.output.height, layer.output.width)),
        "adaptive_maxpool2d": lambda: nn.AdaptiveMaxPool2d((layer.output.height, layer.output.width)),
        "zeropad2d": lambda: nn.ZeroPad2d(sides(layer.padding)),
        "crop2d": lambda: nn.ZeroPad2d(_negated(sides(layer.crop))),
        "upsample2d": lambda: nn.Upsample(
            scale_factor=(float(pair(layer.scale)[1]), float(pair(layer.scale)[0])), mode=layer.mode),
        "resize2d": lambda: nn.Upsample(size=(layer.output.height, layer.output.width), mode=layer.mode),
        "flatten": nn.Flatten,
        "dense": lambda: _dense(layer, shape),
        "batchnorm2d": lambda: nn.BatchNorm2d(shape.depth, affine=layer.affine, **_values(layer, "eps", "momentum")),
        "lrn": lambda: nn.LocalResponseNorm(layer.size, **_values(layer, "alpha", "beta", "k")),
        "dropout": lambda: nn.Dropout(layer.rate),
        "activation": lambda: _activation_layer(layer),
        "add": Add,
        "subtract": Subtract,
        "context_pool2d": ContextPool2d,
        "concat": Concat,
        "multiply": Multiply,
        "slice": lambda: Slice(*layer.channels),
        "channel_shuffle": lambda: nn.ChannelShuffle(layer.groups),
        "group_softmax": lambda: GroupSoftmax(layer.groups),
        "evonorm2d": lambda: EvoNorm2d(shape.depth, layer.groups, layer.activation, layer.variant, layer.eps),
        "layernorm2d": lambda: LayerNorm2d(shape.depth, eps=layer.eps, elementwise_affine=layer.affine,
                                           bias=layer.affine and layer.bias),
        "rmsnorm2d": lambda: RmsNorm2d(shape.depth, eps=layer.eps, elementwise_affine=layer.affine),
        "grn": lambda: Grn(shape.depth, layer.eps),
        "channel_conv": lambda: ChannelConv(layer.kernel, channel_padding(layer), layer.bias),
        "groupnorm": lambda: _groupnorm(layer, shape),
        "instancenorm2d": lambda: nn.InstanceNorm2d(shape.depth, eps=layer.eps, affine=layer.affine,
                                                    track_running_stats=layer.track_running_stats),
        "layer_scale": lambda: LayerScale(shape.depth, layer.init, layer.per_channel, layer.bias, layer.bias_init),
        "prelu": lambda: nn.PReLU(shape.depth if layer.per_channel else 1),
        "drop_path": lambda: DropPath(layer.rate),
        "identity": nn.Identity,
        "scale": lambda: Scale(layer.factor),
        "pixel_shuffle": lambda: nn.PixelShuffle(layer.factor),
        "pixel_unshuffle": lambda: nn.PixelUnshuffle(layer.factor),
    }
    return builders[kind]()


def _groupnorm(layer: spec.GroupNorm, shape: Shape) -> nn.Module:
    norm = nn.GroupNorm(layer.groups, shape.depth, eps=layer.eps, affine=layer.affine)
    if layer.affine and not layer.bias:
        norm.register_parameter("bias", None)  # F.group_norm takes a scale without a shift
    return norm


def _values(layer: Any, *keys: str) -> dict[str, Any]:
    """The value fields a layer carries (those its spec version has), as keyword arguments."""
    return {key: getattr(layer, key) for key in keys if getattr(layer, key, None) is not None}


def _activation_layer(layer: spec.Activation) -> nn.Module:
    slope = getattr(layer, "negative_slope", None)
    if layer.function == "leaky_relu" and slope is not None:
        return nn.LeakyReLU(slope)
    return activation_module(layer.function)


def _negated(sides: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """A crop as PyTorch writes it: a negative padding."""
    left, right, top, bottom = sides
    return (-left, -right, -top, -bottom)


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
    standardize = _standardize(layer.weight_standardization)
    if native and not layer.activation and standardize is None:
        return nn.Conv2d(shape.depth, layer.filters, padding=(pads[1][0], pads[0][0]), **common)
    if native:
        return Conv2d(shape.depth, layer.filters, padding=(pads[1][0], pads[0][0]), activation=layer.activation,
                      standardize=standardize, **common)
    explicit = (pads[0][0], pads[0][1], pads[1][0], pads[1][1])
    return Conv2d(shape.depth, layer.filters, padding=0, pad=explicit, activation=layer.activation,
                  standardize=standardize, **common)


def _standardize(value: bool | spec.WeightStandardization) -> tuple[bool, float, float] | None:
    """A conv2d's weight standardisation as the module's (gain, gamma, eps), None without it."""
    if value is False:
        return None
    settings = spec.WeightStandardization() if value is True else value
    assert isinstance(settings, spec.WeightStandardization)
    return (settings.gain, settings.gamma, settings.eps)


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
