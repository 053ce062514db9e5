"""Modules that carry what plain PyTorch layers cannot: explicit (asymmetric) padding, cropping, activations.

``to_module`` builds them; ``from_module`` reads them back (they are leaves when tracing).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU, "relu6": nn.ReLU6, "leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "selu": nn.SELU,
    "celu": nn.CELU, "gelu": nn.GELU, "silu": nn.SiLU, "swish": nn.SiLU, "mish": nn.Mish, "sigmoid": nn.Sigmoid,
    "hardsigmoid": nn.Hardsigmoid, "hardswish": nn.Hardswish, "tanh": nn.Tanh,
    "softmax": lambda: nn.Softmax(dim=1), "log_softmax": lambda: nn.LogSoftmax(dim=1),
    "softplus": nn.Softplus, "softsign": nn.Softsign, "identity": nn.Identity, "linear": nn.Identity,
    "square": lambda: Square(),
}


class Square(nn.Module):
    """Every value squared (the square of MetaFormer's StarReLU, s·relu(x)² + b)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * x


def activation_module(function: str) -> nn.Module:
    """The PyTorch module of an activation named as in the format (softmax over channels)."""
    return ACTIVATIONS[function]()


class Conv2d(nn.Conv2d):
    """``nn.Conv2d`` with explicit padding ``pad`` = (left, right, top, bottom) before it and an activation after.

    Used for what ``nn.Conv2d`` cannot do alone: asymmetric ``same`` padding,
    ``same`` with a stride, ``ceil`` rounding (extra zeros on the right/bottom),
    the spec's ``activation:`` and weight standardisation (``standardize``:
    ``(gain, gamma, eps)``, computed as timm's ``StdConv2d`` and, with a gain,
    ``ScaledStdConv2d``, whose parameter ``gain`` is K x 1 x 1 x 1).
    """

    def __init__(self, *args: Any, pad: tuple[int, int, int, int] | None = None, activation: str | None = None,
                 standardize: tuple[bool, float, float] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pad = pad
        self.activation = activation_module(activation) if activation else None
        self.standardize = standardize
        if standardize is not None and standardize[0]:
            self.gain = nn.Parameter(torch.ones(self.out_channels, 1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad is not None:
            x = F.pad(x, self.pad)
        if self.standardize is None:
            x = super().forward(x)
        else:
            x = F.conv2d(x, self.standardized_weight(), self.bias, self.stride, self.padding, self.dilation,
                         self.groups)
        return self.activation(x) if self.activation is not None else x

    def standardized_weight(self) -> torch.Tensor:
        """Each filter's weights at mean 0 and variance 1 (times gain·γ/sqrt(fan-in) with a gain)."""
        assert self.standardize is not None
        gain, gamma, eps = self.standardize
        scale = (self.gain * (gamma * self.weight[0].numel() ** -0.5)).view(-1) if gain else None
        flat = F.batch_norm(self.weight.reshape(1, self.out_channels, -1), None, None, weight=scale,
                            training=True, momentum=0.0, eps=eps)
        return flat.reshape_as(self.weight)

    def extra_repr(self) -> str:
        text = str(super().extra_repr())  # type: ignore[no-untyped-call]
        text += f", pad={self.pad}" if self.pad is not None else ""
        return text + (f", standardize={self.standardize}" if self.standardize is not None else "")


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


class Multiply(nn.Module):
    """Element-wise product of two or more tensors that broadcast (a 1 x 1 gate times a volume)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        product = xs[0]
        for x in xs[1:]:
            product = product * x
        return product


class Slice(nn.Module):
    """The channels ``start`` … ``stop`` − 1 (dim 1), as the spec's ``channels: [start, stop]``."""

    def __init__(self, start: int, stop: int) -> None:
        super().__init__()
        self.start = start
        self.stop = stop

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, self.start:self.stop]

    def extra_repr(self) -> str:
        return f"start={self.start}, stop={self.stop}"


class LayerNorm2d(nn.LayerNorm):
    """``nn.LayerNorm`` over the channels at each position of N x C x H x W (ConvNeXt's LayerNorm2d)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normed: torch.Tensor = super().forward(x.permute(0, 2, 3, 1))
        return normed.permute(0, 3, 1, 2)


class LayerScale(nn.Module):
    """A learned factor per channel, γ of shape C x 1 x 1 (ConvNeXt's layer scale), or one factor of shape [1];
    with ``bias``, a learned shift β of the same shape after it."""

    def __init__(self, channels: int, init: float = 1e-6, per_channel: bool = True, bias: bool = False,
                 bias_init: float = 0.0) -> None:
        super().__init__()
        shape = (channels, 1, 1) if per_channel else (1,)
        self.gamma = nn.Parameter(torch.full(shape, float(init)))
        self.beta = nn.Parameter(torch.full(shape, float(bias_init))) if bias else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scaled = x * self.gamma
        return scaled + self.beta if self.beta is not None else scaled


class Subtract(nn.Module):
    """The first input minus the second."""

    def forward(self, minuend: torch.Tensor, subtrahend: torch.Tensor) -> torch.Tensor:
        return minuend - subtrahend


class RmsNorm2d(nn.RMSNorm):
    """``nn.RMSNorm`` over the channels at each position of N x C x H x W."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        normed: torch.Tensor = super().forward(x.permute(0, 2, 3, 1))
        return normed.permute(0, 3, 1, 2)


class Grn(nn.Module):
    """ConvNeXt-V2's global response normalisation of N x C x H x W (as timm's ``GlobalResponseNorm``)."""

    def __init__(self, channels: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.zeros(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        norms = x.norm(p=2, dim=(2, 3), keepdim=True)
        ratio = norms / (norms.mean(dim=1, keepdim=True) + self.eps)
        shape = (1, -1, 1, 1)
        return x + torch.addcmul(self.bias.view(shape), self.weight.view(shape), x * ratio)


class ChannelConv(nn.Conv1d):
    """ECA's 1-D convolution along the channels at every position: ``nn.Conv1d(1, 1, k)`` over N x C x H x W."""

    def __init__(self, kernel: int, padding: int, bias: bool = False) -> None:
        super().__init__(1, 1, kernel, padding=padding, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        rows = x.permute(0, 2, 3, 1).reshape(batch * height * width, 1, channels)
        out: torch.Tensor = super().forward(rows)
        return out.reshape(batch, height, width, -1).permute(0, 3, 1, 2)


class DropPath(nn.Module):
    """Stochastic depth: while training, zeroes a sample's whole input with probability ``rate`` (scaling the rest);
    the identity in eval mode."""

    def __init__(self, rate: float = 0.0) -> None:
        super().__init__()
        self.rate = rate

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.rate == 0.0:
            return x
        keep = 1.0 - self.rate
        mask = x.new_empty((x.shape[0],) + (1,) * (x.dim() - 1)).bernoulli_(keep)
        return x * mask / keep if keep > 0 else x * 0

    def extra_repr(self) -> str:
        return f"rate={self.rate}"


class Scale(nn.Module):
    """Every value times a constant ``factor`` (not a parameter)."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.factor

    def extra_repr(self) -> str:
        return f"factor={self.factor}"


def binomial_filter(size: int) -> torch.Tensor:
    """The size x size blur of binomial coefficients C(size − 1, k) / 2^(size − 1), outer product (sums to 1)."""
    coefficients = torch.tensor([math.comb(size - 1, k) for k in range(size)], dtype=torch.float32) / 2 ** (size - 1)
    square: torch.Tensor = coefficients[:, None] * coefficients[None, :]
    return square


class BlurPool2d(nn.Module):
    """Anti-aliased downsampling (timm's BlurPool2d): pad by ``pad`` = (left, right, top, bottom) in ``mode``, then
    a depthwise convolution with the fixed binomial filter and ``stride`` (height, width)."""

    def __init__(self, channels: int, kernel: int, stride: tuple[int, int], pad: tuple[int, int, int, int],
                 mode: str = "reflect") -> None:
        super().__init__()
        self.channels, self.kernel, self.stride, self.pad, self.mode = channels, kernel, stride, pad, mode
        self.filt: torch.Tensor
        self.register_buffer("filt", binomial_filter(kernel)[None, None].repeat(channels, 1, 1, 1),
                             persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        padded = F.pad(x, self.pad, mode=self.mode) if any(self.pad) else x
        return F.conv2d(padded, self.filt, stride=self.stride, groups=self.channels)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, stride={self.stride}, pad={self.pad}, mode={self.mode!r}"


class GroupSoftmax(nn.Module):
    """A softmax across ``groups`` groups of the channels (dim 1 viewed as groups x C/groups), of a volume or vector."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        grouped = x.reshape(x.shape[0], self.groups, -1, *x.shape[2:])
        return torch.softmax(grouped, dim=1).reshape(x.shape)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"


class ContextPool2d(nn.Module):
    """GCNet's context: the values' positions weighed by a softmax over the plane of the one-channel scores."""

    def forward(self, values: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        weights = torch.softmax(scores.flatten(2), dim=-1)
        pooled = (values.flatten(2) * weights).sum(dim=-1)
        return pooled[:, :, None, None]


class CondConv2d(nn.Module):
    """CondConv: ``experts`` sets of conv2d weights mixed per sample by routing weights N x experts (or N x experts x
    1 x 1), as timm's ``CondConv2d`` (parameters ``weight`` E x K·C/g·kh·kw, ``bias`` E x K), with explicit padding
    ``pad`` = (left, right, top, bottom) and ``kernel``, ``stride``, ``dilation`` as (height, width)."""

    def __init__(self, in_channels: int, out_channels: int, kernel: tuple[int, int], stride: tuple[int, int],
                 dilation: tuple[int, int], groups: int, bias: bool, experts: int,
                 pad: tuple[int, int, int, int]) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel, self.stride, self.dilation, self.pad = kernel, stride, dilation, pad
        per_expert = out_channels * (in_channels // groups) * kernel[0] * kernel[1]
        bound = 1 / math.sqrt(max(per_expert // out_channels, 1))
        self.weight = nn.Parameter(torch.empty(experts, per_expert).uniform_(-bound, bound))
        self.bias = nn.Parameter(torch.zeros(experts, out_channels)) if bias else None

    def forward(self, x: torch.Tensor, routing: torch.Tensor) -> torch.Tensor:
        routing = routing.flatten(1)
        batch = x.shape[0]
        weight = (routing @ self.weight).view(batch * self.out_channels, self.in_channels // self.groups,
                                              *self.kernel)
        bias = (routing @ self.bias).view(-1) if self.bias is not None else None
        padded = F.pad(x, self.pad) if any(self.pad) else x
        stacked = padded.reshape(1, batch * self.in_channels, *padded.shape[2:])
        out = F.conv2d(stacked, weight, bias, self.stride, 0, self.dilation, self.groups * batch)
        return out.view(batch, self.out_channels, *out.shape[2:])

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel={self.kernel}, stride={self.stride}, "
                f"dilation={self.dilation}, groups={self.groups}, experts={self.weight.shape[0]}, pad={self.pad}")


class EvoNorm2d(nn.Module):
    """EvoNorm-S0 as timm's ``EvoNorm2dS0`` / ``EvoNorm2dS0a`` compute it (parameters ``weight``, ``bias``, ``v``)."""

    def __init__(self, channels: int, groups: int, activation: bool, variant: str, eps: float) -> None:
        super().__init__()
        self.groups, self.variant, self.eps = groups, variant, eps
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))
        self.v = nn.Parameter(torch.ones(channels)) if activation else None

    def _deviation(self, x: torch.Tensor) -> torch.Tensor:
        batch, channels, height, width = x.shape
        grouped = x.reshape(batch, self.groups, channels // self.groups, height, width)
        deviation = grouped.float().var(dim=(2, 3, 4), unbiased=False, keepdim=True).add(self.eps).sqrt()
        return deviation.expand(grouped.shape).reshape(batch, channels, height, width).to(x.dtype)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shape = (1, -1, 1, 1)
        if self.v is not None:
            x = x * (x * self.v.view(shape)).sigmoid() / self._deviation(x)
        elif self.variant == "s0a":
            x = x / self._deviation(x)
        return x * self.weight.view(shape) + self.bias.view(shape)
