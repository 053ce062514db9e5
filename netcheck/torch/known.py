"""Modules outside torch.nn read as one layer by what they compute: timm's normalisations whose forward code uses
operations the format has no single layer for (a norm over the plane, a root mean square, EvoNorm's grouped
deviation), its blur pool, space-to-depth and CondConv.

Each is recognised by its class (name and package) and then verified: netcheck's
own module for the layer, given the same parameters, must compute the same
values on a random input, or the import is refused. A subclass or a look-alike
that computes something else is never read as the layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from netcheck.torch.layers import BlurPool2d, EvoNorm2d, Grn, RmsNorm2d, binomial_filter
from netcheck.torch.nodes import _changed

CHANNELS_FIRST, CHANNELS_LAST = "first", "last"


@dataclass(frozen=True, slots=True)
class Reading:
    """A known module as a layer: its fields, netcheck's module that computes it, where it takes the channels."""

    fields: dict[str, Any]
    ours: nn.Module
    channels: str


def _grn(module: Any) -> Reading:
    ours = Grn(int(module.weight.numel()), float(module.eps))
    ours.load_state_dict({"weight": module.weight.detach(), "bias": module.bias.detach()})
    fields: dict[str, Any] = {"type": "grn", **_changed("grn", eps=float(module.eps))}
    return Reading(fields, ours, CHANNELS_LAST if module.channel_dim == -1 else CHANNELS_FIRST)


def _rms(channels: str) -> Callable[[Any], Reading]:
    def read(module: Any) -> Reading:
        (size,) = tuple(module.normalized_shape)
        affine = module.weight is not None
        ours = RmsNorm2d(size, eps=module.eps, elementwise_affine=affine)
        if affine:
            ours.load_state_dict({"weight": module.weight.detach()})
        fields = {"type": "rmsnorm2d", **_changed("rmsnorm2d", affine=affine,
                                                  eps=None if module.eps is None else float(module.eps))}
        return Reading(fields, ours, channels)
    return read


def _evo(variant: str) -> Callable[[Any], Reading]:
    def read(module: Any) -> Reading:
        channels, activation = int(module.weight.numel()), module.v is not None
        ours = EvoNorm2d(channels, int(module.groups), activation, variant, float(module.eps))
        ours.load_state_dict(module.state_dict())
        fields = {"type": "evonorm2d", "groups": int(module.groups),
                  **_changed("evonorm2d", activation=activation, variant=variant, eps=float(module.eps))}
        return Reading(fields, ours, CHANNELS_FIRST)
    return read


#: timm's classes by name, each with its reading.
KNOWN: dict[str, Callable[[Any], Reading]] = {
    "GlobalResponseNorm": _grn,
    "RmsNorm2d": _rms(CHANNELS_FIRST), "RmsNorm2dFp32": _rms(CHANNELS_FIRST),
    "RmsNorm": _rms(CHANNELS_LAST), "RmsNormFp32": _rms(CHANNELS_LAST),
    "EvoNorm2dS0": _evo("s0"), "EvoNorm2dS0a": _evo("s0a"),
}


def is_known(module: nn.Module) -> bool:
    """Whether ``module`` is one of the third-party classes read as one layer."""
    kind = type(module)
    return kind.__name__ in KNOWN and kind.__module__.startswith("timm.")


def is_blur(module: nn.Module) -> bool:
    """Whether ``module`` is timm's BlurPool2d (read as a blurpool2d once its filter is checked to be binomial)."""
    kind = type(module)
    return kind.__name__ == "BlurPool2d" and kind.__module__.startswith("timm.")


def blur_reading(module: Any, channels: int) -> BlurPool2d | None:
    """netcheck's module for timm's BlurPool2d (its padding, filter size, stride, mode), or None when it is not
    plain: padding not four sides, a filter that is not the binomial one."""
    pad = tuple(int(side) for side in getattr(module, "padding", ()))
    size, stride, mode = int(getattr(module, "filt_size", 0)), getattr(module, "stride", None), \
        getattr(module, "pad_mode", None)
    if len(pad) != 4 or size < 1 or not isinstance(stride, int) or mode not in ("reflect", "constant", "zeros"):
        return None
    filt = getattr(module, "filt", None)
    if not isinstance(filt, torch.Tensor) or not torch.allclose(filt[0, 0], binomial_filter(size)):
        return None
    return BlurPool2d(channels, size, (stride, stride), pad, "constant" if mode == "zeros" else str(mode))


def reading(module: nn.Module) -> Reading:
    """The known module as a layer (its class must be known: ``is_known``)."""
    return KNOWN[type(module).__name__](module)


def computes_the_same(module: nn.Module, read: Reading, shape: tuple[int, ...], *more: tuple[int, ...]) -> bool:
    """Whether ``module`` and netcheck's module give the same values on random inputs of ``shape`` (and ``more``).

    netcheck's module reads N x C x H x W: a channels-last input (N x H x W x C,
    or a vector N x C) is turned to it and the result back.
    """
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=generator)
    others = [torch.rand(extra, generator=generator) for extra in more]
    with torch.no_grad():
        theirs = module(x, *others)
        if read.channels == CHANNELS_FIRST:
            mine = read.ours.eval()(x, *others)
        elif x.dim() == 2:
            mine = read.ours.eval()(x[:, :, None, None])[:, :, 0, 0]
        else:
            mine = read.ours.eval()(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
    return bool(theirs.shape == mine.shape and torch.allclose(theirs, mine, rtol=1e-4, atol=1e-5))


def is_space_to_depth(module: nn.Module) -> bool:
    """Whether ``module`` is timm's SpaceToDepth (TResNet's stem)."""
    kind = type(module)
    return kind.__name__ == "SpaceToDepth" and kind.__module__.startswith("timm.")


def space_to_depth_reading(module: Any, channels: int) -> nn.Sequential | None:
    """TResNet's space-to-depth as netcheck's layers: a pixel unshuffle (channel c·r² + k) then a channel shuffle in
    ``channels`` groups (to k·C + c, TResNet's order); None when the block size is not an integer."""
    block = getattr(module, "bs", None)
    if not isinstance(block, int) or block < 1:
        return None
    return nn.Sequential(nn.PixelUnshuffle(block), nn.ChannelShuffle(channels))


def is_cond_conv(module: nn.Module) -> bool:
    """Whether ``module`` is timm's CondConv2d (called with the features and the routing weights)."""
    kind = type(module)
    return kind.__name__ == "CondConv2d" and kind.__module__.startswith("timm.")
