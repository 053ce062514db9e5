"""The layer types of issue 12 against PyTorch: ``to_module`` parity, and hypothesis against PyTorch's own layers.

Each spec in ``tests/modern/`` and a network of every new type are built with
``to_module`` and must agree with netcheck layer by layer (shapes, trainable
parameters, running statistics). Then, for random sizes, PyTorch's own layers
and ops (``nn.GroupNorm``, ``F.pixel_shuffle``, broadcasting, slicing…) are the
oracle: they must give netcheck's shape and parameter count whenever netcheck
says the layer is valid, and refuse it where netcheck reports an error.
How ``from_module`` reads them from real code is in ``test_torch_import_modern.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_torch import assert_parity, assert_round_trip, module_counts, netcheck_counts, spec  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import netcheck  # noqa: E402
from netcheck.checker import check_network  # noqa: E402
from netcheck.results import Options  # noqa: E402
from netcheck.spec import Network, Shape  # noqa: E402
from netcheck.torch import to_module, torch_shape  # noqa: E402
from netcheck.torch.layers import (  # noqa: E402
    ChannelConv,
    Conv2d,
    DropPath,
    Grn,
    LayerNorm2d,
    LayerScale,
    RmsNorm2d,
    Slice,
)

ROOT = Path(__file__).resolve().parent.parent
MODERN_SPECS = sorted((ROOT / "tests" / "modern").glob("*.yaml"))
#: The types this file covers, for ``test_torch.py``'s check that every layer type is built somewhere.
COVERED = frozenset({"multiply", "slice", "channel_shuffle", "layernorm2d", "groupnorm", "instancenorm2d",
                     "layer_scale", "prelu", "drop_path", "identity", "pixel_shuffle", "pixel_unshuffle", "scale",
                     "subtract", "rmsnorm2d", "grn", "channel_conv", "blurpool2d", "crop2d", "resize2d",
                     "group_softmax", "context_pool2d", "cond_conv2d", "evonorm2d"})
SLOW = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])


def one_layer(layer: dict[str, Any], shape: str) -> tuple[Shape | None, int | None, int | None, set[str]]:
    """netcheck's output, trainable and non-trainable counts, and codes for one layer on ``shape``."""
    network = Network.model_validate({"name": "one", "input": shape, "layers": [layer]})
    report = check_network(network, Options(fixes=False))
    row = report.rows[0]
    return row.output, row.trainable_params, row.non_trainable_params, {v.code for v in report.violations}


def errors(codes: set[str]) -> set[str]:
    return {code for code in codes if code.startswith(("NC0", "NC1"))}


def run_torch(call: Any) -> Shape | None:
    """W x H x D of what ``call()`` returns, or None when PyTorch refuses it (or gives an empty tensor)."""
    try:
        with torch.no_grad():
            out = call()
    except (RuntimeError, ValueError):
        return None
    return None if out.numel() == 0 else torch_shape(out.shape)


def counts_of(module: nn.Module) -> tuple[int, int]:
    trainable = sum(parameter.numel() for parameter in module.parameters())
    statistics = sum(buffer.numel() for key, buffer in module.named_buffers()
                     if key.endswith(("running_mean", "running_var")))
    return trainable, statistics


# Parity: to_module builds what netcheck computed ---------------------------------------------------------------------


@pytest.mark.parametrize("path", MODERN_SPECS, ids=lambda path: path.stem)
def test_modern_spec_parity(path: Path) -> None:
    network = netcheck.load(path)
    _module, count = assert_parity(network)
    assert count == len(network.layers)


EVERY_NEW_LAYER = """
    name: every-new-layer
    input: 8x6x16
    layers:
      - {name: gn, type: groupnorm, groups: 4, eps: 0.001}
      - {name: shuffle, type: channel_shuffle, groups: 4}
      - {name: up, type: pixel_shuffle, factor: 2}
      - {name: down, type: pixel_unshuffle, factor: 2}
      - {name: part, type: slice, channels: [2, 10]}
      - {name: ln, type: layernorm2d}
      - {name: inorm, type: instancenorm2d, affine: true, track_running_stats: true}
      - {name: inorm_plain, type: instancenorm2d}
      - {name: gamma, type: layer_scale, init: 0.5}
      - {name: slopes, type: prelu, per_channel: true}
      - {name: slope, type: prelu}
      - {name: drop, type: drop_path, rate: 0.2}
      - {name: same, type: identity}
      - {name: gap, type: global_avgpool2d}
      - {name: fc, type: dense, units: 8}
      - {name: gate, type: activation, function: hardsigmoid}
      - {name: excite, type: multiply, inputs: [same, gate]}
      - {name: ln_flat, type: layernorm2d, affine: false, inputs: fc}
      - {name: head, type: slice, channels: [0, 4], inputs: fc}
      - {name: head_id, type: identity}
      - {name: head_drop, type: drop_path}
      - {name: head_scale, type: scale, factor: 0.5}
      - {name: three, type: multiply, inputs: [excite, gap, same]}
      - {name: rms, type: rmsnorm2d, eps: 1.0e-6}
      - {name: grn, type: grn}
      - {name: diff, type: subtract, inputs: [grn, same]}
      - {name: eca, type: channel_conv, kernel: 3, inputs: gap}
      - {name: eca_wide, type: channel_conv, kernel: 4, padding: 3, bias: true}
      - {name: ln_scale_only, type: layernorm2d, bias: false, inputs: diff}
      - {name: skipinit, type: layer_scale, per_channel: false, init: 0.0}
      - {name: affine, type: layer_scale, per_channel: false, bias: true, init: 1.0}
      - {name: ws, type: conv2d, filters: 6, kernel: 3, padding: 1, weight_standardization: true}
      - {name: sws, type: conv2d, filters: 4, kernel: 3, stride: 2, padding: same,
         weight_standardization: {gain: true, gamma: 1.7, eps: 1.0e-5}}
      - {name: blur, type: blurpool2d, kernel: 3, stride: 2, padding: 1, rounding: floor, inputs: rms}
      - {name: blur_zeros, type: blurpool2d, kernel: 2, stride: 1, padding_mode: zeros}
      - {name: crop, type: crop2d, crop: {top: 1, right: 1}}
      - {name: resize, type: resize2d, output: 5x3, mode: bilinear}
      - {name: branch_weights, type: group_softmax, groups: 2, inputs: fc}
      - {name: one_score, type: conv2d, filters: 1, kernel: 1, inputs: gn}
      - {name: context, type: context_pool2d, inputs: [gn, one_score]}
      - {name: routing, type: dense, units: 3, activation: sigmoid, inputs: fc}
      - {name: cond, type: cond_conv2d, inputs: [gn, routing], filters: 4, kernel: 3, stride: 2, padding: same,
         experts: 3, groups: 2, rounding: floor}
      - {name: evo, type: evonorm2d, groups: 2, inputs: gn}
      - {name: evo_plain, type: evonorm2d, groups: 4, activation: false, variant: s0a, eps: 1.0e-3}
"""


def test_every_new_layer_parity() -> None:
    network = spec(EVERY_NEW_LAYER)
    module, count = assert_parity(network)
    assert count == 44
    assert {layer.type for layer in network.layers} >= COVERED
    assert type(module.layer("gn")) is nn.GroupNorm and module.layer("gn").eps == 0.001
    assert type(module.layer("shuffle")) is nn.ChannelShuffle
    assert type(module.layer("up")) is nn.PixelShuffle and type(module.layer("down")) is nn.PixelUnshuffle
    assert type(module.layer("inorm")) is nn.InstanceNorm2d and module.layer("inorm").track_running_stats
    assert type(module.layer("slopes")) is nn.PReLU and module.layer("slopes").num_parameters == 8
    assert type(module.layer("same")) is nn.Identity
    assert isinstance(module.layer("ln"), LayerNorm2d) and isinstance(module.layer("part"), Slice)
    assert torch.equal(module.layer("gamma").gamma, torch.full((8, 1, 1), 0.5))
    assert isinstance(module.layer("drop"), DropPath) and module.layer("drop").rate == 0.2
    assert module.layer("head_scale").factor == 0.5
    assert module.layer("eca_wide").padding == (3,) and module.layer("eca_wide").bias is not None
    assert module.layer("ln_scale_only").bias is None and module.layer("skipinit").gamma.shape == (1,)
    assert module.layer("sws").gain.shape == (4, 1, 1, 1) and module.layer("sws").standardize == (True, 1.7, 1e-5)
    assert not hasattr(module.layer("ws"), "gain")
    assert module.layer("blur").mode == "reflect" and module.layer("blur_zeros").mode == "constant"
    assert not any(key.endswith("filt") for key in module.state_dict()) and not module.layer("blur").state_dict()


def test_added_layers_compute_what_timm_computes() -> None:
    """netcheck's modules for its additions to FORMAT.md §2 give timm's own modules' values, weights copied."""
    from timm.layers import EcaModule, ScaledStdConv2d, StdConv2d
    from timm.layers import RmsNorm2d as TimmRmsNorm2d
    from timm.layers.grn import GlobalResponseNorm

    torch.manual_seed(0)
    x = torch.randn(2, 8, 5, 6)
    grn, theirs = Grn(8), GlobalResponseNorm(8, channels_last=False)
    nn.init.normal_(theirs.weight), nn.init.normal_(theirs.bias)
    grn.load_state_dict(theirs.state_dict())
    assert torch.allclose(grn(x), theirs(x), atol=1e-6)
    rms, timm_rms = RmsNorm2d(8, eps=1e-6), TimmRmsNorm2d(8, eps=1e-6)
    nn.init.normal_(timm_rms.weight)
    rms.load_state_dict(timm_rms.state_dict())
    assert torch.allclose(rms(x), timm_rms(x), atol=1e-6)
    eca = EcaModule(kernel_size=5)
    nn.init.normal_(eca.conv.weight)
    conv = ChannelConv(5, 2)
    conv.load_state_dict(eca.conv.state_dict())
    assert torch.allclose(x * torch.sigmoid(conv(x.mean((2, 3), keepdim=True))), eca(x), atol=1e-6)
    for timm_conv, standardize in ((StdConv2d(8, 4, 3, eps=1e-8), (False, 1.0, 1e-8)),
                                   (ScaledStdConv2d(8, 4, 3, gamma=1.7, eps=1e-5), (True, 1.7, 1e-5))):
        ours = Conv2d(8, 4, 3, padding=1, bias=timm_conv.bias is not None, standardize=standardize)
        nn.init.normal_(timm_conv.weight)
        ours.load_state_dict(timm_conv.state_dict(), strict=True)
        assert torch.allclose(ours(x), timm_conv(x), atol=1e-5)


@SLOW
@given(depth=st.integers(1, 30), kernel=st.integers(1, 9), padding=st.one_of(st.none(), st.integers(0, 5)),
       bias=st.booleans())
def test_channel_conv_against_nn_conv1d(depth: int, kernel: int, padding: int | None, bias: bool) -> None:
    """PyTorch's Conv1d over the channels is the oracle: output depth, parameters, and NC102 exactly when it refuses."""
    layer: dict[str, Any] = {"type": "channel_conv", "kernel": kernel, "bias": bias}
    if padding is not None:
        layer["padding"] = padding
    output, trainable, _statistics, codes = one_layer(layer, f"3x2x{depth}")
    conv = nn.Conv1d(1, 1, kernel, padding=(kernel - 1) // 2 if padding is None else padding, bias=bias)
    try:
        with torch.no_grad():
            length: int | None = int(conv(torch.randn(6, 1, depth)).shape[-1])
    except RuntimeError:
        length = None
    assert trainable == sum(parameter.numel() for parameter in conv.parameters())
    if not length:
        assert errors(codes) == {"NC102"} and output is None
    else:
        assert errors(codes) == set() and output == Shape(3, 2, length)


def test_modules_compute_what_the_layers_mean() -> None:
    torch.manual_seed(0)
    x = torch.randn(2, 6, 3, 5)
    norm = LayerNorm2d(6, eps=1e-6)
    expected = F.layer_norm(x.permute(0, 2, 3, 1), (6,), eps=1e-6).permute(0, 3, 1, 2)
    assert torch.allclose(norm(x), expected)
    by_hand = x.view(2, 2, 3, 3, 5).transpose(1, 2).reshape(2, 6, 3, 5)  # ShuffleNet's reshape-transpose
    assert torch.equal(nn.ChannelShuffle(2)(x), by_hand)
    assert torch.equal(Slice(1, 4)(x), x[:, 1:4])
    assert torch.allclose(LayerScale(6, 0.25)(x), x * 0.25)
    drop = DropPath(0.5)
    assert torch.equal(drop.eval()(x), x)
    kept = drop.train()(torch.ones(64, 1, 2, 2))
    assert set(kept.unique().tolist()) <= {0.0, 2.0}  # whole samples dropped, the rest scaled by 1/(1 − rate)
    assert torch.equal(DropPath(1.0).train()(x), torch.zeros_like(x))


def test_new_layers_on_vectors_after_a_dense() -> None:
    """A 1 x 1 x N vector is PyTorch's N x C: the layers that need a volume get N x C x 1 x 1."""
    network = spec("""
        name: vectors
        input: 1x1x12
        layers:
          - {type: dense, units: 8}
          - {type: slice, channels: [2, 6]}
          - {type: identity}
          - {type: drop_path, rate: 0.1}
          - {type: prelu, per_channel: true}
          - {type: layer_scale}
          - {type: dense, units: 3}
    """)
    _module, count = assert_parity(network)
    assert count == 7


# Hypothesis: PyTorch's own layers are the oracle ---------------------------------------------------------------------


@SLOW
@given(depth=st.integers(1, 24), groups=st.integers(1, 26), affine=st.booleans(), eps=st.sampled_from([1e-5, 1e-3]))
def test_groupnorm_against_nn_groupnorm(depth: int, groups: int, affine: bool, eps: float) -> None:
    output, trainable, statistics, codes = one_layer(
        {"type": "groupnorm", "groups": groups, "affine": affine, "eps": eps}, f"3x2x{depth}")
    try:
        layer = nn.GroupNorm(groups, depth, eps=eps, affine=affine)
    except ValueError:
        assert errors(codes) == {"NC104"}
        return
    assert errors(codes) == set()
    assert (trainable, statistics) == counts_of(layer)
    assert output == run_torch(lambda: layer(torch.randn(1, depth, 2, 3)))


@SLOW
@given(depth=st.integers(1, 24), groups=st.integers(1, 26))
def test_channel_shuffle_against_pytorch(depth: int, groups: int) -> None:
    output, trainable, _statistics, codes = one_layer({"type": "channel_shuffle", "groups": groups}, f"2x3x{depth}")
    shuffled = run_torch(lambda: F.channel_shuffle(torch.randn(1, depth, 3, 2), groups))
    assert (errors(codes) == set()) == (shuffled is not None)
    if shuffled is not None:
        assert output == shuffled and trainable == 0


@SLOW
@given(width=st.integers(1, 9), height=st.integers(1, 9), depth=st.integers(1, 40), factor=st.integers(1, 5))
def test_pixel_shuffle_and_unshuffle_against_pytorch(width: int, height: int, depth: int, factor: int) -> None:
    x = torch.randn(1, depth, height, width)
    up, _, _, up_codes = one_layer({"type": "pixel_shuffle", "factor": factor}, f"{width}x{height}x{depth}")
    shuffled = run_torch(lambda: F.pixel_shuffle(x, factor))
    assert (errors(up_codes) == set()) == (shuffled is not None)
    assert errors(up_codes) <= {"NC104"}
    if shuffled is not None:
        assert up == shuffled
    down, _, _, down_codes = one_layer({"type": "pixel_unshuffle", "factor": factor}, f"{width}x{height}x{depth}")
    unshuffled = run_torch(lambda: F.pixel_unshuffle(x, factor))
    assert (errors(down_codes) == set()) == (unshuffled is not None)
    assert errors(down_codes) <= {"NC101"}
    if unshuffled is not None:
        assert down == unshuffled


@SLOW
@given(depth=st.integers(1, 20), start=st.integers(0, 24), stop=st.integers(0, 24))
def test_slice_against_tensor_slicing(depth: int, start: int, stop: int) -> None:
    output, _, _, codes = one_layer({"type": "slice", "channels": [start, stop]}, f"3x2x{depth}")
    sliced = run_torch(lambda: torch.randn(1, depth, 2, 3)[:, start:stop])
    # PyTorch clips a stop beyond the depth silently; the format refuses it (NC103), as it refuses an empty slice.
    exact = sliced is not None and sliced.depth == stop - start
    assert (errors(codes) == set()) == exact
    assert errors(codes) <= {"NC103"}
    if exact:
        assert output == sliced


PLANE = st.sampled_from([1, 1, 2, 3])


@SLOW
@given(shapes=st.lists(st.tuples(PLANE, PLANE, PLANE), min_size=2, max_size=3))
def test_multiply_against_pytorch_broadcasting(shapes: list[tuple[int, int, int]]) -> None:
    deepest = max(depth for _w, _h, depth in shapes)
    layers: list[dict[str, Any]] = []
    for index, (width, height, depth) in enumerate(shapes):
        layers.append({"name": f"p{index}", "type": "adaptive_avgpool2d", "output": f"{width}x{height}",
                       "inputs": "input"})
        layers.append({"name": f"s{index}", "type": "slice", "channels": [0, depth]})
    layers.append({"name": "product", "type": "multiply", "inputs": [f"s{i}" for i in range(len(shapes))]})
    network = Network.model_validate({"name": "m", "input": f"3x3x{deepest}", "layers": layers})
    report = check_network(network, Options(fixes=False))
    tensors = [torch.randn(1, depth, height, width) for width, height, depth in shapes]

    def product() -> torch.Tensor:
        out = tensors[0]
        for tensor in tensors[1:]:
            out = out * tensor
        return out

    multiplied = run_torch(product)
    assert report.ok == (multiplied is not None)
    if multiplied is not None:
        assert report.rows[-1].output == multiplied
        assert_parity(network)


@SLOW
@given(depth=st.integers(1, 24), affine=st.booleans(), tracked=st.booleans(), per_channel=st.booleans(),
       eps=st.sampled_from([1e-5, 1e-6]))
def test_norm_and_scale_counts_against_pytorchs_modules(depth: int, affine: bool, tracked: bool,
                                                        per_channel: bool, eps: float) -> None:
    shape = f"3x2x{depth}"
    layernorm = one_layer({"type": "layernorm2d", "affine": affine, "eps": eps}, shape)
    assert layernorm[1:3] == counts_of(nn.LayerNorm(depth, eps=eps, elementwise_affine=affine, bias=affine))
    instance = one_layer({"type": "instancenorm2d", "affine": affine, "track_running_stats": tracked}, shape)
    assert instance[1:3] == counts_of(nn.InstanceNorm2d(depth, affine=affine, track_running_stats=tracked))
    prelu = one_layer({"type": "prelu", "per_channel": per_channel}, shape)
    assert prelu[1:3] == counts_of(nn.PReLU(depth if per_channel else 1))
    scale = one_layer({"type": "layer_scale"}, shape)
    assert scale[1] == depth
    assert all(result[0] == Shape(3, 2, depth) for result in (layernorm, instance, prelu, scale))


NEW_LAYERS = st.sampled_from([
    {"type": "channel_shuffle", "groups": 2}, {"type": "layernorm2d"}, {"type": "groupnorm", "groups": 2},
    {"type": "instancenorm2d", "affine": True, "track_running_stats": True}, {"type": "layer_scale"},
    {"type": "prelu", "per_channel": True}, {"type": "prelu"}, {"type": "drop_path", "rate": 0.5},
    {"type": "identity"}, {"type": "pixel_shuffle", "factor": 2}, {"type": "pixel_unshuffle", "factor": 2},
    {"type": "slice", "channels": [0, 4]}, {"type": "slice", "channels": [4, 8]},
    {"type": "conv2d", "filters": 8, "kernel": 3, "padding": 1}, {"type": "conv2d", "filters": 16, "kernel": 1},
    # netcheck's additions
    {"type": "channel_conv", "kernel": 3}, {"type": "channel_conv", "kernel": 2, "bias": True}, {"type": "grn"},
    {"type": "rmsnorm2d"}, {"type": "layernorm2d", "bias": False}, {"type": "groupnorm", "groups": 1, "bias": False},
    {"type": "layer_scale", "per_channel": False, "bias": True}, {"type": "blurpool2d", "padding": 1},
    {"type": "blurpool2d", "kernel": 2, "stride": 1, "padding_mode": "zeros"}, {"type": "crop2d", "crop": {"top": 1}},
    {"type": "resize2d", "output": "5x3"}, {"type": "group_softmax", "groups": 2},
    {"type": "activation", "function": "square"}, {"type": "evonorm2d", "groups": 4},
    {"type": "conv2d", "filters": 8, "kernel": 3, "padding": 1, "weight_standardization": {"gain": True}},
])


@SLOW
@given(layers=st.lists(NEW_LAYERS, min_size=1, max_size=6), gate=st.booleans(), mixer=st.booleans())
def test_random_chains_of_new_layers_agree_with_pytorch(layers: list[dict[str, Any]], gate: bool,
                                                        mixer: bool) -> None:
    chain = [{**layer, "name": f"l{index}"} for index, layer in enumerate(layers)]
    if gate:
        last = chain[-1]["name"]
        chain += [{"name": "squeeze", "type": "global_avgpool2d"},
                  {"name": "sigmoid", "type": "activation", "function": "sigmoid"},
                  {"name": "excite", "type": "multiply", "inputs": [last, "sigmoid"]}]
    if mixer:  # PoolFormer's pool(x) − x, and GCNet's context of it
        last = chain[-1]["name"]
        chain += [{"name": "pool", "type": "avgpool2d", "kernel": 3, "stride": 1, "padding": 1},
                  {"name": "mixed", "type": "subtract", "inputs": ["pool", last]},
                  {"name": "scores", "type": "conv2d", "filters": 1, "kernel": 1},
                  {"name": "context", "type": "context_pool2d", "inputs": ["mixed", "scores"]}]
    network = Network.model_validate({"name": "chain", "input": "8x8x8", "layers": chain})
    report = check_network(network, Options(fixes=False))
    if not report.ok:  # a depth the next layer cannot take (a slice beyond it, groups or r² not dividing it)
        assert errors({v.code for v in report.violations}) <= {"NC101", "NC102", "NC103", "NC104"}
        return
    module = to_module(network)
    assert module_counts(module, network) == netcheck_counts(network)
    rebuilt, _count = assert_parity(network)  # every layer's shape as PyTorch runs it
    assert_round_trip(network, rebuilt)  # and from_module reads the modules back as the same layers
