"""from_module on the modern forms real code uses (issue 12): each written as torchvision and timm write it.

Every model here is plain PyTorch, written the way torchvision's and timm's
blocks are (their classes are not imported: CI's zoo run in
``test_zoo.py`` covers the real ones). ``from_module`` checks every layer against
PyTorch itself; these tests also check which layer types it chose, and that the
spec builds back (``to_module``) into a module with the same counts and shapes.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_torch import assert_parity, assert_round_trip  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from netcheck.spec import Network  # noqa: E402
from netcheck.torch import from_module  # noqa: E402
from netcheck.torch.errors import FromModuleError, TorchImportWarning, UnsupportedOp  # noqa: E402


def imported(module: nn.Module, shape: str) -> tuple[Network, Counter[str]]:
    """The spec from_module writes, after checking that it builds back with the same counts and shapes."""
    network = from_module(module, shape)
    rebuilt, _count = assert_parity(network)
    assert_round_trip(network, rebuilt)
    total = sum(parameter.numel() for parameter in module.parameters())
    assert network.expect is not None and network.expect.trainable_params == total
    return network, Counter(layer.type for layer in network.layers)


# Squeeze-and-excitation ---------------------------------------------------------------------------------------------


class SqueezeExcitation(nn.Module):
    """torchvision.ops.SqueezeExcitation: pool, two 1x1 convolutions, a gate; ``scale * input``."""

    def __init__(self, channels: int, squeezed: int, gate: type[nn.Module] = nn.Hardsigmoid) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeezed, 1)
        self.fc2 = nn.Conv2d(squeezed, channels, 1)
        self.activation = nn.ReLU()
        self.scale_activation = gate()

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(input)))))
        return scale * input


class TimmSqueezeExcite(nn.Module):
    """timm's SqueezeExcite: ``x.mean((2, 3), keepdim=True)``, then ``x * self.gate(x_se)``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv_reduce = nn.Conv2d(channels, channels // 4, 1)
        self.act1 = nn.SiLU(inplace=True)
        self.conv_expand = nn.Conv2d(channels // 4, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_se = x.mean((2, 3), keepdim=True)
        x_se = self.conv_expand(self.act1(self.conv_reduce(x_se)))
        return x * x_se.sigmoid()


class SEVector(nn.Module):
    """The classic SE: Linear layers on N x C, ``view(b, c, 1, 1)``, ``expand_as`` and ``torch.mul``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(channels, channels // 2), nn.ReLU(), nn.Linear(channels // 2, channels),
                                nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, _, _ = x.size()
        y = F.adaptive_avg_pool2d(x, 1).view(b, c)
        y = self.fc(y).view(b, c, 1, 1)
        return torch.mul(x, y.expand_as(x))


@pytest.mark.parametrize("block", [SqueezeExcitation(8, 4), TimmSqueezeExcite(8), SEVector(8)],
                         ids=["torchvision", "timm", "vector"])
def test_squeeze_and_excitation_is_a_multiply(block: nn.Module) -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), block)
    network, types = imported(model, "12x10x3")
    assert types["multiply"] == 1
    assert network.layers[-1].type == "multiply"


# Channel split and shuffle ------------------------------------------------------------------------------------------


def channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """torchvision's shufflenetv2.channel_shuffle, as written there."""
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batchsize, num_channels, height, width)


class ShuffleUnit(nn.Module):
    """ShuffleNet-v2's stride-1 unit: ``x.chunk(2, dim=1)``, a branch, ``cat``, then a channel shuffle."""

    def __init__(self, channels: int, split: str) -> None:
        super().__init__()
        half = channels // 2
        self.split = split
        self.branch2 = nn.Sequential(nn.Conv2d(half, half, 1, bias=False), nn.BatchNorm2d(half), nn.ReLU(),
                                     nn.Conv2d(half, half, 3, padding=1, groups=half, bias=False),
                                     nn.BatchNorm2d(half))
        self.shuffle = nn.ChannelShuffle(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        half = x.shape[1] // 2
        if self.split == "chunk":
            x1, x2 = x.chunk(2, dim=1)
        elif self.split == "split":
            x1, x2 = torch.split(x, [half, half], dim=1)
        else:
            x1, x2 = x[:, :half], x[:, half:, ...]
        out = torch.cat((x1, self.branch2(x2)), dim=1)
        return self.shuffle(out) if self.split == "split" else channel_shuffle(out, 2)


@pytest.mark.parametrize("split", ["chunk", "split", "index"])
def test_channel_split_and_shuffle(split: str) -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), ShuffleUnit(8, split))
    network, types = imported(model, "9x9x3")
    assert types["slice"] == 2 and types["channel_shuffle"] == 1 and types["concat"] == 1
    slices = [layer.channels for layer in network.layers if layer.type == "slice"]  # type: ignore[attr-defined]
    assert slices == [[0, 4], [4, 8]]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(groups=st.integers(1, 4), per_group=st.integers(1, 4), cut=st.data())
def test_random_splits_and_shuffles_agree_with_pytorch(groups: int, per_group: int, cut: Any) -> None:
    """PyTorch runs the split and the shuffle; netcheck must read the same channel ranges and groups back."""
    channels = groups * per_group
    stop = cut.draw(st.integers(1, channels))
    start = cut.draw(st.integers(0, stop - 1))

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, channels, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = channel_shuffle(self.conv(x), groups)
            return y[:, start:stop] if (start, stop) != (0, channels) else y

    network, types = imported(Model(), "5x4x3")
    assert types["channel_shuffle"] == 1  # with one group too: view, transpose and view back run in PyTorch
    out = network.expect.output if network.expect else None
    assert out is not None and out.shape.depth == stop - start


# ConvNeXt: channels-last LayerNorm and Linear, layer scale, stochastic depth ----------------------------------------


class Permute(nn.Module):
    """torchvision.ops.misc.Permute."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)


class StochasticDepth(nn.Module):
    """torchvision.ops.StochasticDepth (the identity in eval mode): recognised by its class name and ``p``."""

    def __init__(self, p: float, mode: str) -> None:
        super().__init__()
        self.p, self.mode = p, mode

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return input
        return input * 0  # pragma: no cover - training only


class CNBlock(nn.Module):
    """torchvision's ConvNeXt block: permute, LayerNorm, Linear, GELU, Linear, permute; ``layer_scale * …``."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(dim, dim, kernel_size=7, padding=3, groups=dim), Permute([0, 2, 3, 1]),
            nn.LayerNorm(dim, eps=1e-6), nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim),
            Permute([0, 3, 1, 2]))
        self.layer_scale = nn.Parameter(torch.ones(dim, 1, 1) * 1e-6)
        self.stochastic_depth = StochasticDepth(0.1, "row")

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        result = self.layer_scale * self.block(input)
        result = self.stochastic_depth(result)
        result += input
        return result


class LayerNorm2d(nn.LayerNorm):
    """timm's LayerNorm2d: a LayerNorm subclass with its own forward (permute, F.layer_norm, permute)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class DropPath(nn.Module):
    """timm's DropPath (``drop_prob``)."""

    def __init__(self, drop_prob: float = 0.0) -> None:
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class Mlp(nn.Module):
    """timm's ConvMlp on N x C x H x W: 1x1 convolutions."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.fc1 = nn.Conv2d(dim, 2 * dim, 1)
        self.act = nn.GELU()
        self.fc2 = nn.Conv2d(2 * dim, dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class TimmConvNeXtBlock(nn.Module):
    """timm's ConvNeXtBlock with conv_mlp: LayerNorm2d, ``x.mul(self.gamma.reshape(1, -1, 1, 1))``, DropPath."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.conv_dw = nn.Conv2d(dim, dim, 7, padding=3, groups=dim)
        self.norm = LayerNorm2d(dim, eps=1e-6)
        self.mlp = Mlp(dim)
        self.gamma = nn.Parameter(1e-6 * torch.ones(dim))
        self.drop_path = DropPath(0.05)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x
        x = self.mlp(self.norm(self.conv_dw(x)))
        x = x.mul(self.gamma.reshape(1, -1, 1, 1))
        return self.drop_path(x) + shortcut


def test_torchvision_convnext_block() -> None:
    network, types = imported(nn.Sequential(nn.Conv2d(3, 8, 4, stride=4), CNBlock(8)), "16x16x3")
    assert types["layernorm2d"] == 1 and types["layer_scale"] == 1 and types["drop_path"] == 1
    assert types["conv2d"] == 4  # the stem, the depthwise 7x7, and the two Linear layers on channels-last: 1x1
    norm = next(layer for layer in network.layers if layer.type == "layernorm2d")
    assert norm.eps == 1e-6  # type: ignore[attr-defined]
    drop = next(layer for layer in network.layers if layer.type == "drop_path")
    assert drop.rate == 0.1  # type: ignore[attr-defined]


def test_timm_convnext_block() -> None:
    network, types = imported(nn.Sequential(nn.Conv2d(3, 8, 4, stride=4), TimmConvNeXtBlock(8)), "16x16x3")
    assert types["layernorm2d"] == 1 and types["layer_scale"] == 1 and types["drop_path"] == 1
    scale = next(layer for layer in network.layers if layer.type == "layer_scale")
    assert scale.init == 1e-6  # type: ignore[attr-defined]


def test_a_channels_last_output_is_refused() -> None:
    with pytest.raises(FromModuleError, match="channels-last"):
        from_module(nn.Sequential(nn.Conv2d(3, 4, 1), Permute([0, 2, 3, 1]), nn.LayerNorm(4)), "4x4x3")


def test_a_layer_that_reads_channels_last_as_channels_first_is_refused() -> None:
    # Conv2d on N x H x W x C would treat the height as channels (here it runs: H = 4 = in_channels).
    with pytest.raises(UnsupportedOp, match="channels-last"):
        from_module(nn.Sequential(nn.Conv2d(3, 4, 1), Permute([0, 2, 3, 1]), nn.Conv2d(4, 4, 1)), "4x4x3")


# Subclasses and functional forms (timm's BatchNormAct2d, Linear, Conv2dSame) ------------------------------------


class BatchNormAct2d(nn.BatchNorm2d):
    """timm's BatchNormAct2d: a BatchNorm2d whose forward calls F.batch_norm, then its drop and act modules."""

    def __init__(self, channels: int) -> None:
        super().__init__(channels)
        self.drop = nn.Identity()
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                         self.training or not self.track_running_stats, self.momentum or 0.0, self.eps)
        return self.act(self.drop(x))


class Linear(nn.Linear):
    """timm's Linear: an nn.Linear subclass that calls F.linear itself."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return F.linear(input, self.weight, self.bias)


class Conv2dSame(nn.Conv2d):
    """timm's Conv2dSame: TensorFlow's dynamic ``same`` padding, computed from the input size with math.ceil."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ih, iw = x.size()[-2:]
        pads = []
        for size, kernel, stride in ((ih, self.kernel_size[0], self.stride[0]), (iw, self.kernel_size[1],
                                                                              self.stride[1])):
            pads.append(max((math.ceil(size / stride) - 1) * stride + kernel - size, 0))
        pad_h, pad_w = pads
        if pad_h > 0 or pad_w > 0:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, (0, 0), self.dilation, self.groups)


class KeepsForward(nn.Conv2d):
    """A subclass with its own __init__ and the layer's own forward: read as the layer it is."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.note = "no new forward"


def test_subclasses_are_read_by_what_they_are() -> None:
    model = nn.Sequential(KeepsForward(3, 8, 3, padding=1), BatchNormAct2d(8), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), Linear(8, 5))
    network, _types = imported(model, "8x8x3")
    assert [layer.type for layer in network.layers] == ["conv2d", "batchnorm2d", "identity", "activation",
                                                        "adaptive_avgpool2d", "flatten", "dense"]
    assert network.expect is not None and network.expect.non_trainable_params == 16


def test_untraceable_dynamic_padding_is_recorded_from_a_forward_pass() -> None:
    model = nn.Sequential(Conv2dSame(3, 8, 3, stride=2), BatchNormAct2d(8), Conv2dSame(8, 8, 5, stride=1))
    with pytest.warns(TorchImportWarning, match="torch.fx cannot trace Sequential"):
        network, types = imported(model, "15x12x3")
    assert network.description is not None and "its calls recorded" in network.description
    assert types["zeropad2d"] == 2 and types["conv2d"] == 2
    assert network.expect is not None and str(network.expect.output.shape) == "8x6x8"


def test_timm_max_pool_same_folds_its_minus_infinity_padding() -> None:
    class MaxPool2dSame(nn.MaxPool2d):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.max_pool2d(F.pad(x, (0, 1, 0, 1), value=-float("inf")), self.kernel_size, self.stride)

    network, _types = imported(nn.Sequential(nn.Conv2d(3, 4, 1), MaxPool2dSame(3, 2)), "8x8x3")
    pool = network.layers[-1]
    assert pool.type == "maxpool2d" and pool.padding == "same"  # type: ignore[attr-defined]


# The other new modules ----------------------------------------------------------------------------------------------


def test_norms_prelu_and_pixel_shuffles() -> None:
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.GroupNorm(4, 8), nn.PReLU(8), nn.InstanceNorm2d(8, affine=True),
        nn.PReLU(), nn.PixelUnshuffle(2), nn.Conv2d(32, 16, 1), nn.PixelShuffle(2), nn.GroupNorm(1, 4, eps=1e-6),
        nn.InstanceNorm2d(4, track_running_stats=True))
    network, types = imported(model, "8x8x3")
    assert types["groupnorm"] == 2 and types["prelu"] == 2 and types["instancenorm2d"] == 2
    assert types["pixel_unshuffle"] == 1 and types["pixel_shuffle"] == 1
    assert network.expect is not None and network.expect.non_trainable_params == 8  # the tracked instance norm


def test_functional_norms() -> None:
    class Functional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 6, 3)
            self.gn = nn.GroupNorm(3, 6)
            self.slope = nn.Parameter(torch.full((6,), 0.25))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = F.group_norm(self.conv(x), 3, self.gn.weight, self.gn.bias, 1e-5)
            return F.pixel_shuffle(F.prelu(x, self.slope)[:, :4], 2)

    network, _types = imported(Functional(), "7x7x3")
    assert [layer.type for layer in network.layers] == ["conv2d", "groupnorm", "prelu", "slice", "pixel_shuffle"]


class ScaledResidual(nn.Module):
    """Inception-ResNet's ``out * self.scale + x`` and RepViT's ``(x1 + x2) / 2``."""

    def __init__(self) -> None:
        super().__init__()
        self.branch = nn.Conv2d(4, 4, 3, padding=1)
        self.other = nn.Conv2d(4, 4, 1)
        self.scale = 0.17

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.branch(x) * self.scale + x
        return (2 * out + self.other(out)) / 2


def test_constant_factors_are_scales() -> None:
    network, types = imported(nn.Sequential(nn.Conv2d(3, 4, 1), ScaledResidual()), "6x6x3")
    assert types["scale"] == 3
    factors = [layer.factor for layer in network.layers if layer.type == "scale"]  # type: ignore[attr-defined]
    assert factors == [0.17, 2.0, 0.5]
