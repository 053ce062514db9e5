"""from_module on timm's own modules for netcheck's additions to FORMAT.md §2 (channel_conv, grn, rmsnorm2d,
subtract, weight standardisation, a layer scale with one factor or a shift, layernorm2d and groupnorm without a
shift, the activation square).

Each case imports a real timm module (timm is in the ``test`` extra), checks the
layer types and fields netcheck chose, then builds the spec back with
``to_module``, loads the model's own state_dict into it (strict: same keys, same
shapes) and compares the outputs on a random input: the same numbers, not only
the same counts.
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")

from test_torch import assert_parity, assert_round_trip  # noqa: E402
from timm.layers import CecaModule, EcaModule, RmsNorm2d, ScaledStdConv2d, ScaledStdConv2dSame, StdConv2d  # noqa: E402
from timm.layers.grn import GlobalResponseNorm  # noqa: E402
from timm.models.hgnet import LearnableAffineBlock  # noqa: E402
from timm.models.metaformer import GroupNorm1NoBias, LayerNorm2dNoBias, Pooling, StarReLU  # noqa: E402
from torch import nn  # noqa: E402

from netcheck.spec import Network  # noqa: E402
from netcheck.torch import from_module, to_module  # noqa: E402
from netcheck.torch.errors import UnsupportedOp  # noqa: E402


def same_numbers(module: nn.Module, shape: str) -> Network:
    """The spec of ``module``; its to_module build takes the module's state_dict as is and computes the same."""
    module.eval()
    network = from_module(module, shape)
    rebuilt, _count = assert_parity(network)
    assert_round_trip(network, rebuilt)
    back = to_module(network).eval()
    back.load_state_dict(_matched(back.state_dict(), module.state_dict()), strict=True)
    width, height, depth = (int(part) for part in shape.split("x"))
    x = torch.randn(2, depth, height, width)
    with torch.no_grad():
        assert torch.allclose(back(x), module(x), atol=1e-5, rtol=1e-4)
    return network


def _matched(ours: dict[str, Any], theirs: dict[str, Any]) -> dict[str, Any]:
    """``theirs`` under our keys: the same key (dots of module paths written ``_``), else the next of equal size.

    Flat imports name layers ``1_conv``; a layer scale's tensors are ``gamma`` and
    ``beta`` where timm says ``scale`` and ``bias``; both keep PyTorch's order.
    """
    left = dict(theirs)
    flat = {key.rpartition(".")[0].replace(".", "_") + "." + key.rpartition(".")[2]: key for key in theirs}
    matched = {}
    for key, tensor in ours.items():
        found = key if key in left else flat.get(key)
        if found not in left or left[found].shape != tensor.shape:
            found = next(other for other, value in left.items() if value.numel() == tensor.numel())
        matched[key] = left.pop(found).reshape(tensor.shape)
    assert not left, f"tensors of the model left unread: {sorted(left)}"
    return matched


def fields(network: Network, kind: str) -> list[dict[str, Any]]:
    """The non-default fields of every layer of type ``kind``."""
    return [layer.model_dump(exclude_defaults=True, exclude={"name", "inputs", "type"})
            for layer in network.layers if layer.type == kind]


def randomised(module: nn.Module) -> nn.Module:
    """``module`` with every parameter drawn at random (timm starts gains at 1 and GRN at 0, hiding mistakes)."""
    torch.manual_seed(0)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.normal_(0.5, 0.5)
    return module


# Weight standardisation ------------------------------------------------------------------------------------------


def test_nfnet_scaled_standardised_conv_keeps_gain_gamma_and_eps() -> None:
    gamma = 1.7015043497085571  # NFNet's gamma for GELU
    model = randomised(nn.Sequential(ScaledStdConv2d(3, 8, 3, stride=2, gamma=gamma, eps=1e-5), nn.GELU(),
                                     ScaledStdConv2d(8, 8, 1)))
    network = same_numbers(model, "17x17x3")
    first, second = fields(network, "conv2d")
    written = first["weight_standardization"].pop("gamma")
    assert written * 27 ** -0.5 == gamma * 27 ** -0.5  # the γ·fan_in^−½ timm computes, to the last bit
    assert first == {"filters": 8, "kernel": 3, "stride": 2, "padding": 1,
                     "weight_standardization": {"gain": True, "eps": 1e-5}}
    assert second == {"filters": 8, "kernel": 1, "weight_standardization": {"gain": True}}
    assert network.expect is not None and network.expect.trainable_params == 3 * 9 * 8 + 8 + 8 + 64 + 8 + 8


def test_bit_standardised_conv_and_the_dynamic_same_padding_variant() -> None:
    model = randomised(nn.Sequential(StdConv2d(3, 8, 3, eps=1e-8), ScaledStdConv2dSame(8, 4, 3, stride=2)))
    network = same_numbers(model, "15x15x3")
    standardisations = [layer["weight_standardization"] for layer in fields(network, "conv2d")]
    assert standardisations == [{"eps": 1e-8}, {"gain": True}]


class ScaledWeight(nn.Module):
    """A weight times a number and used as is: not a standardisation, so not a plain conv2d either."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.conv2d(x, self.conv.weight * 0.5, self.conv.bias)


def test_a_weight_scaled_by_a_number_is_refused() -> None:
    with pytest.raises(UnsupportedOp, match="multiplied by a number"):
        from_module(ScaledWeight(), "8x8x3")


# ECA: a convolution along the channels ----------------------------------------------------------------------------


def test_eca_is_a_channel_conv_between_a_pool_and_a_gate() -> None:
    model = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), randomised(EcaModule(channels=64)))
    network = same_numbers(model, "9x9x3")
    assert [layer.type for layer in network.layers] == ["conv2d", "global_avgpool2d", "channel_conv", "activation",
                                                        "multiply"]
    assert fields(network, "channel_conv") == [{"kernel": 3}]
    assert network.layers[2].name == "1_conv"  # timm's key 1.conv.weight, flat


def test_circular_eca_is_refused_with_its_padding() -> None:
    with pytest.raises(UnsupportedOp, match="circular"):
        from_module(nn.Sequential(nn.Conv2d(3, 16, 1), CecaModule(channels=16)), "8x8x3")


# MetaFormer: subtract, norms without a shift, StarReLU -------------------------------------------------------------


def test_poolformer_token_mixer_is_a_subtract() -> None:
    model = nn.Sequential(GroupNorm1NoBias(16), Pooling(3))
    network = same_numbers(randomised(model), "8x8x16")
    assert [layer.type for layer in network.layers] == ["groupnorm", "avgpool2d", "subtract"]
    assert fields(network, "groupnorm") == [{"groups": 1, "bias": False, "eps": 1e-6}]


def test_layernorm_without_a_shift() -> None:
    network = same_numbers(randomised(nn.Sequential(nn.Conv2d(3, 8, 1), LayerNorm2dNoBias(8))), "5x5x3")
    assert fields(network, "layernorm2d") == [{"bias": False, "eps": 1e-6}]


def test_star_relu_is_relu_square_and_a_scalar_affine() -> None:
    network = same_numbers(randomised(nn.Sequential(nn.Conv2d(3, 8, 1), StarReLU())), "5x5x3")
    assert [(layer.type, getattr(layer, "function", None)) for layer in network.layers] == [
        ("conv2d", None), ("activation", "relu"), ("activation", "square"), ("layer_scale", None)]
    affine = fields(network, "layer_scale")[0]
    assert affine["per_channel"] is False and affine["bias"] is True
    assert len(network.layers[-1].name or "") > 0 and network.expect is not None
    assert network.expect.trainable_params == 3 * 8 + 8 + 2  # StarReLU's scalar scale and bias in one layer


def test_hgnet_learnable_affine_block_is_a_layer_scale_with_a_shift() -> None:
    network = same_numbers(nn.Sequential(nn.Conv2d(3, 8, 3), LearnableAffineBlock(1.5, 0.25)), "6x6x3")
    assert fields(network, "layer_scale") == [{"init": 1.5, "per_channel": False, "bias": True, "bias_init": 0.25}]


class MisplacedShift(nn.Module):
    """A per-channel factor, then a shift of C values that PyTorch broadcasts along the width, not the channels."""

    def __init__(self) -> None:
        super().__init__()
        self.gamma = nn.Parameter(torch.ones(4, 1, 1))
        self.beta = nn.Parameter(torch.zeros(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gamma + self.beta


def test_a_shift_that_broadcasts_along_the_width_is_refused() -> None:
    with pytest.raises(UnsupportedOp, match="adds a constant or a parameter"):
        from_module(MisplacedShift(), "4x4x4")


class SkipInit(nn.Module):
    """NFNet's skip-init gain: ``out.mul_(self.gain)`` in place, then ``out`` read again."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.gain = nn.Parameter(torch.tensor(0.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        out.mul_(self.gain)
        return out + x


def test_an_in_place_product_is_read_by_what_follows() -> None:
    network = same_numbers(SkipInit(), "6x6x4")
    assert [layer.type for layer in network.layers] == ["conv2d", "layer_scale", "add"]
    assert fields(network, "layer_scale") == [{"init": 0.5, "per_channel": False}]


# Normalisations -------------------------------------------------------------------------------------------------


def test_global_response_norm_and_rms_norm() -> None:
    model = randomised(nn.Sequential(nn.Conv2d(3, 8, 1), GlobalResponseNorm(8, channels_last=False),
                                     RmsNorm2d(8)))
    network = same_numbers(model, "5x4x3")
    assert [layer.type for layer in network.layers] == ["conv2d", "grn", "rmsnorm2d"]


# Anti-aliasing, space to depth, negative padding ---------------------------------------------------------------------


def test_timm_blur_pool_is_a_blurpool2d_that_relies_on_floor() -> None:
    from timm.layers import BlurPool2d

    network = same_numbers(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), BlurPool2d(8, filt_size=3, stride=2)),
                           "12x12x3")
    assert fields(network, "blurpool2d") == [{"padding": 1}] and network.rounding == "floor"  # (12 + 2 − 3)/2
    assert network.expect is not None and network.expect.non_trainable_params == 0  # the filter is no parameter


def test_a_blur_whose_filter_is_not_binomial_is_refused() -> None:
    from timm.layers import BlurPool2d

    blur = BlurPool2d(4, filt_size=3, stride=2)
    blur.filt.fill_(1 / 9)
    with pytest.raises(UnsupportedOp, match="not a binomial blur"):
        from_module(nn.Sequential(nn.Conv2d(3, 4, 1), blur), "8x8x3")


class FixedWeight(nn.Module):
    """A convolution by a buffer: the weights are not learned, so no conv2d of the format counts them."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("weight", torch.ones(4, 3, 3, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.conv2d(x, self.weight)


def test_a_convolution_by_a_buffer_is_refused() -> None:
    with pytest.raises(UnsupportedOp, match="is a buffer"):
        from_module(FixedWeight(), "8x8x3")


def test_tresnet_space_to_depth_is_a_pixel_unshuffle_and_a_channel_shuffle() -> None:
    from timm.layers import SpaceToDepth

    network = same_numbers(nn.Sequential(SpaceToDepth(4), nn.Conv2d(48, 8, 1)), "16x8x3")
    assert [(layer.type, layer.model_dump(exclude_defaults=True, exclude={"name", "inputs", "type"}))
            for layer in network.layers[:2]] == [("pixel_unshuffle", {"factor": 4}), ("channel_shuffle", {"groups": 3})]


@pytest.mark.parametrize(("sides", "types"), [
    ((-1, 1, -1, 1), ["crop2d", "zeropad2d"]),
    ((-2, 0, 0, -1), ["crop2d"]),
    ((1, 2, 0, 0), ["zeropad2d"]),
])
def test_negative_padding_is_a_crop(sides: tuple[int, int, int, int], types: list[str]) -> None:
    network = same_numbers(nn.Sequential(nn.ZeroPad2d(sides), nn.Conv2d(3, 4, 1)), "7x6x3")
    assert [layer.type for layer in network.layers[:-1]] == types


class DfcGate(nn.Module):
    """GhostNet-V2's gate: pooled to a floored plane, then ``F.interpolate(size=...)`` back to the input's."""

    def __init__(self) -> None:
        super().__init__()
        self.short = nn.Conv2d(8, 8, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate = torch.sigmoid(self.short(nn.functional.avg_pool2d(x, 2)))
        return x * nn.functional.interpolate(gate, size=(x.shape[-2], x.shape[-1]), mode="nearest")


def test_a_resize_to_a_size_that_is_no_multiple_is_a_resize2d() -> None:
    network = same_numbers(DfcGate(), "7x5x8")
    assert fields(network, "resize2d") == [{"output": {"width": 7, "height": 5}}]


class GatedConv(nn.Module):
    """MambaOut's gated block: channels-last Linear, split and concatenation along the last axis."""

    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.conv, self.fc2 = nn.Linear(4, 12), nn.Conv2d(4, 4, 3, padding=1, groups=4), nn.Linear(6, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g, i, c = torch.split(self.fc1(x.permute(0, 2, 3, 1)), [6, 2, 4], dim=-1)
        c = self.conv(c.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return self.fc2(nn.functional.gelu(g) * torch.cat((i, c), dim=-1)).permute(0, 3, 1, 2)


def test_channels_last_split_and_concatenation() -> None:
    network = same_numbers(GatedConv(), "6x6x4")
    assert [layer.type for layer in network.layers].count("concat") == 1


# Split attention --------------------------------------------------------------------------------------------------


def test_sknet_selective_kernel_is_branches_a_group_softmax_and_a_sum() -> None:
    from timm.layers import SelectiveKernel

    network = same_numbers(randomised(SelectiveKernel(16, 16, kernel_size=[3, 5])), "8x8x16")
    types = [layer.type for layer in network.layers]
    assert types.count("group_softmax") == 1 and types.count("concat") == 1  # the stack of its two paths
    assert types.count("slice") == 6  # its input split between the paths, and each path of each weighed sum
    assert fields(network, "group_softmax") == [{"groups": 2}]


def test_resnest_split_attention_with_its_radix_softmax() -> None:
    from timm.models.resnest import SplitAttn

    network = same_numbers(randomised(SplitAttn(16, 16, radix=2)), "8x8x16")
    assert fields(network, "group_softmax") == [{"groups": 2}]


def test_split_attention_over_several_cardinal_groups_is_refused() -> None:
    from timm.models.resnest import SplitAttn

    with pytest.raises(UnsupportedOp, match="RadixSoftmax"):
        from_module(SplitAttn(16, 16, radix=2, groups=2), "8x8x16")


@pytest.mark.parametrize(("fuse_add", "fuse_scale"), [(True, False), (False, True), (True, True)])
def test_gcnet_global_context_is_a_context_pool(fuse_add: bool, fuse_scale: bool) -> None:
    from timm.layers import GlobalContext

    block = randomised(GlobalContext(16, fuse_add=fuse_add, fuse_scale=fuse_scale))
    network = same_numbers(nn.Sequential(nn.Conv2d(3, 16, 1), block), "6x5x3")
    types = [layer.type for layer in network.layers]
    assert types.count("context_pool2d") == 1
    assert types.count("upsample2d") == int(fuse_add)  # x + context: the context spread over the 6x5 plane
    if fuse_add:
        assert fields(network, "upsample2d") == [{"scale": {"width": 6, "height": 5}}]


class CondConvBlock(nn.Module):
    """EfficientNet-CondConv's routing (mean, Linear, sigmoid) and a CondConv2d called with it."""

    def __init__(self, padding: str) -> None:
        super().__init__()
        from timm.layers import CondConv2d

        self.routing = nn.Linear(8, 3)
        self.conv = CondConv2d(8, 6, kernel_size=3, stride=2, padding=padding, bias=True, num_experts=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        routing = torch.sigmoid(self.routing(x.mean((2, 3))))
        out: torch.Tensor = self.conv(x, routing)
        return out


@pytest.mark.parametrize("padding", ["", "same"])
def test_condconv_is_a_cond_conv2d_of_the_features_and_the_routing(padding: str) -> None:
    network = same_numbers(randomised(CondConvBlock(padding)), "9x9x8")
    (conv,) = fields(network, "cond_conv2d")
    assert conv["experts"] == 3 and conv["filters"] == 6 and conv["stride"] == 2
    assert network.layers[-1].inputs is not None and len(network.layers[-1].inputs) == 2


@pytest.mark.parametrize(("name", "activation"), [("EvoNorm2dS0", True), ("EvoNorm2dS0a", True),
                                                   ("EvoNorm2dS0", False), ("EvoNorm2dS0a", False)])
def test_evonorm_s0_is_an_evonorm2d(name: str, activation: bool) -> None:
    from timm.layers import evo_norm

    norm = randomised(getattr(evo_norm, name)(16, groups=4, apply_act=activation))
    network = same_numbers(nn.Sequential(nn.Conv2d(3, 16, 1), norm), "5x4x3")
    (evo,) = fields(network, "evonorm2d")
    assert evo["groups"] == 4 and evo.get("activation", True) == activation
