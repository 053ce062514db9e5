"""netcheck.torch: specs become PyTorch modules that agree with netcheck layer by layer, and back.

Every spec in specs/ is built with ``to_module`` and run on zeros: forward
hooks give each layer's output shape, ``parameters()`` and BatchNorm's running
statistics its counts, and all must equal what netcheck computed. Then
``from_module`` traces the module back into a spec, which must report the same.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402
from torch.nn import functional as F  # noqa: E402

import netcheck  # noqa: E402
from netcheck.checker import check_network, check_text  # noqa: E402
from netcheck.results import LayerRow, Options  # noqa: E402
from netcheck.spec import Network, Shape  # noqa: E402
from netcheck.torch import (  # noqa: E402
    FromModuleError,
    NetworkModule,
    SpecRefused,
    TorchImportWarning,
    UnsupportedOp,
    from_module,
    to_module,
    to_yaml,
    torch_shape,
)

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml"))

Counts = tuple[Shape | None, int | None, int | None]


# Helpers shared with test_torch_properties.py ------------------------------------------------------------------------


def rows_of(network: Network) -> list[LayerRow]:
    """netcheck's rows for a network (no fixes: faster)."""
    return check_network(network, Options(fixes=False)).rows


def netcheck_counts(network: Network) -> dict[str, Counts]:
    """Per layer name: netcheck's output shape, trainable and non-trainable counts."""
    return {row.name: (row.output, row.trainable_params, row.non_trainable_params) for row in rows_of(network)}


def module_counts(module: NetworkModule, network: Network) -> dict[str, Counts]:
    """Per spec layer name: what PyTorch gives for it, from forward hooks and the submodule's tensors."""
    shapes: dict[str, Shape] = {}
    handles = []
    for name, attribute in module.netcheck_names.items():
        def hook(_module: nn.Module, _inputs: Any, output: torch.Tensor, name: str = name) -> None:
            shapes[name] = torch_shape(output.shape)
        handles.append(module.get_submodule(attribute).register_forward_hook(hook))
    size = network.input.shape
    module.eval()
    with torch.no_grad():
        module(torch.zeros(1, size.depth, size.height, size.width))
    for handle in handles:
        handle.remove()
    counts: dict[str, Counts] = {}
    for name, attribute in module.netcheck_names.items():
        layer = module.get_submodule(attribute)
        trainable = sum(parameter.numel() for parameter in layer.parameters())
        statistics = sum(buffer.numel() for key, buffer in layer.named_buffers()
                         if key.endswith(("running_mean", "running_var")))
        counts[name] = (shapes.get(name), trainable, statistics)
    return counts


def assert_parity(network: Network) -> tuple[NetworkModule, int]:
    """to_module + a forward pass agree with netcheck on every layer; returns the module and the layer count."""
    expected = netcheck_counts(network)
    module = to_module(network)
    actual = module_counts(module, network)
    assert actual == expected
    total_trainable = sum(parameter.numel() for parameter in module.parameters())
    totals = check_network(network, Options(fixes=False)).totals
    assert total_trainable == totals["trainable_params"]
    statistics = sum(buffer.numel() for key, buffer in module.named_buffers()
                     if key.endswith(("running_mean", "running_var")))
    assert statistics == totals["non_trainable_params"]
    return module, len(expected)


def assert_round_trip(network: Network, module: NetworkModule) -> None:
    """from_module(to_module(spec)) reports the same shapes and counts as the spec, layer by layer."""
    back = from_module(module, str(network.input.shape))
    expected = netcheck_counts(network)
    actual = netcheck_counts(back)
    imported = {name: module.netcheck_names[name].replace(".", "_") for name in expected}  # module paths, . → _
    assert sorted(actual) == sorted(imported.values())
    assert {name: actual[imported[name]] for name in expected} == expected
    assert back.layers[-1].name == imported[list(expected)[-1]]  # the same output layer


# Every spec in specs/ ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=[path.stem for path in SPECS])
def test_spec_parity_and_round_trip(path: Path) -> None:
    network = netcheck.load(path)
    module, count = assert_parity(network)
    assert count == len(network.layers)
    assert_round_trip(network, module)


def test_every_layer_type_is_covered_by_specs_or_tests() -> None:
    from netcheck.spec import LAYER_TYPES

    in_specs = {layer.type for path in SPECS for layer in netcheck.load(path).layers}
    in_this_file = {"global_maxpool2d", "adaptive_maxpool2d", "zeropad2d", "lrn", "conv_transpose2d", "upsample2d"}
    from test_torch_modern import COVERED  # issue 12's types: tests/modern/ and test_torch_modern.py

    assert set(LAYER_TYPES) <= in_specs | in_this_file | COVERED


def _format_has(kind: str, key: str) -> bool:
    from netcheck.torch import _has

    return _has(kind, key)


def spec(text: str) -> Network:
    """A network from YAML text; fails the test if it has errors."""
    report = check_text(textwrap.dedent(text))
    assert report.network is not None and report.ok, report.violations
    return report.network


EVERY_LAYER = """
    name: every-layer
    input: 20x18x4
    rounding: floor
    layers:
      - {name: conv, type: conv2d, filters: 6, kernel: {width: 3, height: 2}, stride: 2, padding: same,
         dilation: 1, groups: 2, activation: relu}
      - {name: pad, type: zeropad2d, padding: {left: 1, right: 2, top: 0, bottom: 3}}
      - {name: up, type: upsample2d, scale: {width: 2, height: 1}, mode: bilinear}
      - {name: deconv, type: conv_transpose2d, filters: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1,
         groups: 2, bias: false, activation: tanh}
      - {name: maxp, type: maxpool2d, kernel: 3, stride: 2, padding: 1, dilation: 2, rounding: ceil}
      - {name: avgp, type: avgpool2d, kernel: 2, padding: same}
      - {name: bn, type: batchnorm2d, affine: false}
      - {name: norm, type: lrn, size: 3}
      - {name: amax, type: adaptive_maxpool2d, output: 3x2}
      - {name: gmax, type: global_maxpool2d, inputs: norm}
      - {name: gavg, type: global_avgpool2d, inputs: norm}
      - {name: both, type: concat, inputs: [gmax, gavg]}
      - {name: aavg, type: adaptive_avgpool2d, output: 1x1, inputs: norm}
      - {name: drop, type: dropout, rate: 0.25, inputs: aavg}
      - {name: sum, type: add, inputs: [drop, gavg, gmax]}
      - {name: flat, type: flatten, inputs: amax}
      - {name: fc, type: dense, units: 8, activation: gelu}
      - {name: bn1d, type: batchnorm2d}
      - {name: act, type: activation, function: hardswish}
      - {name: vec, type: flatten, inputs: sum}
      - {name: join, type: concat, inputs: [act, vec, both]}
      - {name: out, type: dense, units: 3, bias: false}
      - {name: soft, type: activation, function: softmax}
"""


def test_every_layer_type_parity_and_round_trip() -> None:
    network = spec(EVERY_LAYER)
    module, count = assert_parity(network)
    assert count == 23
    assert_round_trip(network, module)


# Emulations: what the format allows and PyTorch's own layers refuse --------------------------------------------------


@pytest.mark.parametrize("layer", [
    "{type: conv2d, filters: 2, kernel: 2, stride: 2, padding: same}",          # asymmetric same with a stride
    "{type: conv2d, filters: 2, kernel: 4, padding: same}",                     # asymmetric same, stride 1
    "{type: conv2d, filters: 2, kernel: 3, stride: 2, padding: 1, rounding: ceil}",
    "{type: maxpool2d, kernel: 2, padding: 2}",                                 # NC301: over half the kernel
    "{type: avgpool2d, kernel: 3, stride: 2, padding: 2, rounding: ceil}",      # NC301 under ceil
    "{type: maxpool2d, kernel: 2, stride: 3, padding: same}",
    "{type: avgpool2d, kernel: 4, stride: 3, padding: same}",
    "{type: conv_transpose2d, filters: 2, kernel: 3, stride: 2, padding: same}",
    "{type: conv_transpose2d, filters: 2, kernel: 4, stride: 2, padding: same, output_padding: 1}",
    "{type: conv_transpose2d, filters: 2, kernel: 1, stride: 3, padding: same}",  # F < S: NC204
    "{type: conv_transpose2d, filters: 2, kernel: 3, stride: 1, padding: 1, output_padding: 2, dilation: 2}",  # NC301
])
def test_emulated_layers_agree(layer: str) -> None:
    network = spec(f"""
        name: emulated
        input: 9x7x2
        rounding: floor
        layers:
          - {layer}
    """)
    module, _count = assert_parity(network)
    assert_round_trip(network, module)


def test_same_padding_values() -> None:
    """Asymmetric ``same``: max pooling ignores the padding; average pooling counts the padded zeros (PyTorch's
    count_include_pad) unless ``count_include_pad: false`` (as Keras)."""
    exclude = ", count_include_pad: false" if _format_has("avgpool2d", "count_include_pad") else ""
    network = spec(f"""
        name: values
        input: 5x5x1
        layers:
          - {{name: maxp, type: maxpool2d, kernel: 2, stride: 2, padding: same}}
          - {{name: avgp, type: avgpool2d, kernel: 2, stride: 2, padding: same, inputs: input}}
          - {{name: keras, type: avgpool2d, kernel: 2, stride: 2, padding: same, inputs: input{exclude}}}
          - {{name: all, type: concat, inputs: [maxp, avgp, keras]}}
    """)
    module = to_module(network).eval()
    with torch.no_grad():
        out = module(-torch.ones(1, 1, 5, 5))
    assert out.shape == (1, 3, 3, 3)
    assert torch.equal(out[0, 0], -torch.ones(3, 3))
    assert out[0, 1, 2, 2] == -0.25 and out[0, 1, 0, 0] == -1  # the corner window has 3 padded zeros
    if exclude:
        assert torch.equal(out[0, 2], -torch.ones(3, 3))


def test_ceil_convolution_pads_the_right_and_bottom_with_zeros() -> None:
    network = spec("""
        name: ceil
        input: 4x4x1
        layers:
          - {type: conv2d, filters: 1, kernel: 3, stride: 2, rounding: ceil, bias: false}
    """)
    module = to_module(network)
    assert module.layer("conv2d_1").pad == (0, 1, 0, 1)
    assert module_counts(module, network)["conv2d_1"][0] == Shape(2, 2, 1)


def test_floor_and_ceil_pools_use_pytorchs_own_layers() -> None:
    network = spec("""
        name: pools
        input: 7x7x1
        layers:
          - {name: a, type: maxpool2d, kernel: 2, rounding: ceil}
          - {name: b, type: avgpool2d, kernel: 2, rounding: floor, inputs: input}
    """)
    module = to_module(network)
    assert type(module.layer("a")) is nn.MaxPool2d and module.layer("a").ceil_mode
    assert type(module.layer("b")) is nn.AvgPool2d and not module.layer("b").ceil_mode


@pytest.mark.skipif(not (_format_has("lrn", "alpha") and _format_has("batchnorm2d", "eps")
                         and _format_has("activation", "negative_slope")
                         and _format_has("avgpool2d", "count_include_pad")),
                    reason="this version of the format has no value fields")
def test_value_fields_reach_pytorch_and_come_back() -> None:
    network = spec("""
        name: values
        input: 8x8x4
        layers:
          - {name: bn, type: batchnorm2d, eps: 0.001, momentum: 0.01}
          - {name: norm, type: lrn, size: 3, alpha: 0.0002, beta: 0.5, k: 2.0}
          - {name: leaky, type: activation, function: leaky_relu, negative_slope: 0.2}
          - {name: avg, type: avgpool2d, kernel: 3, stride: 1, padding: 1, count_include_pad: false}
          - {name: same, type: avgpool2d, kernel: 2, stride: 1, padding: same, count_include_pad: false}
          - {name: same3, type: avgpool2d, kernel: 3, stride: 1, padding: same}
          - {name: drop, type: dropout, rate: 1.0}
    """)
    module = to_module(network)
    bn, norm, leaky, avg, same = (module.layer(name) for name in ("bn", "norm", "leaky", "avg", "same"))
    assert (bn.eps, bn.momentum) == (0.001, 0.01)
    assert (norm.size, norm.alpha, norm.beta, norm.k) == (3, 0.0002, 0.5, 2.0)
    assert leaky.negative_slope == 0.2
    assert avg.count_include_pad is False and same.exclude_padding is True  # asymmetric: padded explicitly
    assert module.layer("same3").count_include_pad is True  # PyTorch's default, whatever the padding
    back = from_module(module, "8x8x4")
    fields = {layer.name: layer.model_dump(exclude={"name", "inputs", "expect"}, exclude_defaults=True)
              for layer in back.layers}
    assert fields["bn"] == {"type": "batchnorm2d", "eps": 0.001, "momentum": 0.01}
    assert fields["norm"] == {"type": "lrn", "size": 3, "alpha": 0.0002, "beta": 0.5, "k": 2.0}
    assert fields["leaky"] == {"type": "activation", "function": "leaky_relu", "negative_slope": 0.2}
    assert fields["avg"]["count_include_pad"] is False
    assert fields["same"] == {"type": "avgpool2d", "kernel": 2, "stride": 1, "padding": "same",
                              "count_include_pad": False}
    assert fields["same3"] == {"type": "avgpool2d", "kernel": 3, "stride": 1, "padding": 1}
    assert fields["drop"] == {"type": "dropout", "rate": 1.0}
    assert "negative_slope: 0.2" in to_yaml(back) and "eps: 0.001" in to_yaml(back)


# Refusals and names --------------------------------------------------------------------------------------------------


def test_a_spec_with_errors_is_refused_with_its_violations() -> None:
    report = check_text("name: quiz\ninput: 32x32x3\nlayers:\n  - {name: conv1, type: conv2d, filters: 20, "
                        "kernel: 8, stride: 3, padding: 1}\n")
    assert report.network is not None
    with pytest.raises(SpecRefused) as caught:
        to_module(report.network)
    assert [violation.code for violation in caught.value.violations] == ["NC101"]
    assert "NC101" in str(caught.value) and "9.67" in str(caught.value) and "conv1" in str(caught.value)
    assert isinstance(caught.value, netcheck.SpecError)


def test_names_pytorch_refuses_are_sanitised() -> None:
    network = Network.model_validate(yaml.safe_load("""
        name: names
        input: 4x4x1
        layers:
          - {name: block.conv, type: conv2d, filters: 1, kernel: 1}
          - {name: block_conv, type: activation, function: relu}
          - {name: forward, type: dropout}
          - {name: "layer 1 ü", type: batchnorm2d}
          - {name: forward.x, type: dropout}
    """))  # dotted names, as from_module makes them (a file may not write them: FORMAT.md §8)
    module = to_module(network)
    assert module.netcheck_names == {"block.conv": "block.conv", "block_conv": "block_conv",
                                     "forward": "forward_2", "layer 1 ü": "layer 1 ü", "forward.x": "forward_x"}
    assert [name for name, _ in module.named_children()] == ["block", "block_conv", "forward_2", "layer 1 ü",
                                                             "forward_x"]
    assert_parity(network)  # no round trip: from_module names block.conv block_conv, which is taken


def test_submodule_and_parameter_names_follow_the_spec() -> None:
    module = to_module(netcheck.load(ROOT / "specs" / "resnet18.yaml"))
    names = [name for name, _ in module.named_parameters()]
    assert names[:3] == ["conv1.weight", "bn1.weight", "bn1.bias"]
    assert "layer1_0_conv1.weight" in names and "fc.bias" in names


# from_module on modules written as people write them ---------------------------------------------------------------


class BasicBlock(nn.Module):
    """torchvision's BasicBlock, as torchvision writes it (one ReLU module called twice, ``out += identity``)."""

    def __init__(self, inplanes: int, planes: int, stride: int = 1, downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        out += identity
        return self.relu(out)


class ResNet18(nn.Module):
    """torchvision.models.resnet18's structure (torchvision itself does not import beside this torch)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        stages = []
        inplanes = 64
        for planes, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
            down = None
            if stride != 1 or inplanes != planes:
                down = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
            stages.append(nn.Sequential(BasicBlock(inplanes, planes, stride, down), BasicBlock(planes, planes)))
            inplanes = planes
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, 1000)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = torch.flatten(self.avgpool(x), 1)
        return self.fc(x)


def test_resnet18_imports_with_floor_rounding_and_the_published_count() -> None:
    network = from_module(ResNet18(), "224x224x3", name="resnet18")
    report = check_network(network, Options(fixes=False))
    assert report.ok
    assert network.rounding == "floor"
    assert report.totals["trainable_params"] == 11_689_512
    assert report.totals["non_trainable_params"] == 9_600
    assert report.rows[-1].output == Shape(1, 1, 1000)
    names = [row.name for row in report.rows]
    assert names[:6] == ["conv1", "bn1", "relu", "maxpool", "layer1_0_conv1", "layer1_0_bn1"]
    assert "layer2_0_downsample_0" in names and "layer4_1_add" in names and "layer1_0_relu_2" in names
    # The same layers, shapes and counts as the hand-written specs/resnet18.yaml (whose order and names differ).
    written = rows_of(netcheck.load(ROOT / "specs" / "resnet18.yaml"))

    def signature(rows: list[LayerRow]) -> Counter[tuple[Any, ...]]:
        return Counter((row.type, row.output, row.trainable_params, row.non_trainable_params) for row in rows)

    assert signature(report.rows) == signature(written)


class EveryOp(nn.Module):
    """Module and functional forms of every op from_module supports."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding="same"), nn.BatchNorm2d(8), nn.ReLU6(), nn.MaxPool2d(2, ceil_mode=True))
        self.same4 = nn.Conv2d(8, 8, 4, padding="same", bias=False)
        self.hsw = nn.Hardswish()
        self.lrn = nn.LocalResponseNorm(3)
        self.pad = nn.ZeroPad2d((1, 0, 2, 0))
        self.up = nn.Upsample(scale_factor=2, mode="bilinear")
        self.deconv = nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1, groups=2)
        self.avg = nn.AvgPool2d(3, stride=2, padding=1, ceil_mode=True)
        self.drop2d = nn.Dropout2d(0.1)
        self.act = nn.ModuleList([nn.LeakyReLU(), nn.ELU(), nn.SELU(), nn.CELU(), nn.GELU(), nn.SiLU(), nn.Mish(),
                                  nn.Sigmoid(), nn.Hardsigmoid(), nn.Tanh(), nn.Softplus(), nn.Softsign(),
                                  nn.Identity(), nn.Hardtanh(0.0, 6.0)])
        self.amax = nn.AdaptiveMaxPool2d((2, 3))
        self.flat = nn.Flatten()
        self.fc = nn.Linear(8 * 3 * 2, 12)
        self.bn1d = nn.BatchNorm1d(12, affine=False)
        self.head = nn.Linear(12 + 8 + 8, 5, bias=False)
        self.soft = nn.Softmax(dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.lrn(self.hsw(self.same4(self.stem(x))))
        x = self.deconv(self.up(self.pad(x)))
        x = self.drop2d(self.avg(x))
        x = torch.cat([x, F.relu(x)], dim=1)
        x = x + torch.sigmoid(x)
        x = torch.add(x, x.relu())
        x = x.add(torch.tanh(x))
        for act in self.act:
            x = act(x)
        x = F.max_pool2d(x, 3, 1, 1)
        x = F.avg_pool2d(x, 2, ceil_mode=True)
        x = F.pad(x, (1, 1, 1, 1))
        x = F.interpolate(x, scale_factor=2)
        x = F.leaky_relu(F.elu(F.gelu(F.silu(F.mish(F.hardswish(F.relu6(x)))))))
        x = F.local_response_norm(x, 2)
        x = F.dropout(x, 0.3, self.training)
        pooled = F.adaptive_avg_pool2d(x, 1)
        mean = x.mean((2, 3))
        amax = torch.amax(x, dim=(-2, -1), keepdim=True)
        features = self.bn1d(self.fc(self.flat(self.amax(x))))
        x = torch.cat([features, torch.flatten(pooled, 1), mean + amax.view(amax.size(0), -1)], 1)
        x = F.softplus(F.softsign(F.hardsigmoid(x)))
        return F.log_softmax(self.soft(self.head(x)), dim=1)


def test_every_supported_op_imports_and_builds_back() -> None:
    module = EveryOp()
    network = from_module(module, "15x13x3")
    report = check_network(network, Options(fixes=False))
    assert report.ok
    types = Counter(row.type for row in report.rows)
    assert types["conv2d"] == 2 and types["conv_transpose2d"] == 1 and types["add"] == 4 and types["concat"] == 2
    assert types["maxpool2d"] == 2 and types["avgpool2d"] == 2 and types["zeropad2d"] == 2
    assert types["upsample2d"] == 2 and types["lrn"] == 2 and types["dropout"] == 2 and types["dense"] == 2
    assert types["batchnorm2d"] == 2 and types["flatten"] == 2  # amax.view(N, -1) of 1x1xC changes no shape
    assert types["adaptive_maxpool2d"] == 1 and types["adaptive_avgpool2d"] == 1
    assert types["global_avgpool2d"] == 1 and types["global_maxpool2d"] == 1
    functions = [row.name for row in report.rows if row.type == "activation"]
    assert len(functions) == 31 and types["identity"] == 1  # nn.Identity() is an identity layer
    layers = {layer.name: layer for layer in network.layers}
    assert layers["stem_3"].rounding == "ceil"  # type: ignore[union-attr]
    assert layers["same4"].padding == "same"  # type: ignore[union-attr]
    assert layers["up"].mode == "bilinear"  # type: ignore[union-attr]
    assert layers["act_13"].function == "relu6"  # type: ignore[union-attr]
    assert layers["bn1d"].affine is False  # type: ignore[union-attr]
    assert report.totals["trainable_params"] == sum(parameter.numel() for parameter in module.parameters())
    # And back again: the imported spec builds a module that agrees with it.
    rebuilt, _count = assert_parity(network)
    assert_round_trip(network, rebuilt)


# Errors: each names the op, the node and where it sits --------------------------------------------------------------


class Scaled(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) % 2


class Wrapper(nn.Module):
    def __init__(self, inner: nn.Module) -> None:
        super().__init__()
        self.block = inner

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class Lambda(nn.Module):
    def __init__(self, function: Any) -> None:
        super().__init__()
        self.function = function

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.function(x)


def test_an_unsupported_op_names_the_op_the_node_and_where_it_sits() -> None:
    with pytest.raises(UnsupportedOp) as caught:
        from_module(Wrapper(Scaled()), "8x8x3")
    error = caught.value
    assert error.op == "operator.mod" and error.node == "mod"
    assert "in block (Scaled)" in error.where
    assert "test_torch.py:" in error.where and "self.conv(x) % 2" in error.where
    assert str(error).startswith("unsupported op operator.mod (fx node 'mod', in block (Scaled), at test_torch.py:")


@pytest.mark.parametrize(("module", "op", "reason"), [
    (nn.Sequential(nn.Conv2d(3, 4, 3), nn.LayerNorm([4, 6, 6])), "torch.nn.modules.normalization.LayerNorm",
     "normalises the channels at each position"),
    (nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReflectionPad2d(1)), "torch.nn.modules.padding.ReflectionPad2d",
     "no layer"),
    (nn.Sequential(nn.Conv2d(3, 4, 3), nn.Hardshrink()), "torch.nn.modules.activation.Hardshrink", "no layer"),
    (nn.Sequential(nn.Conv2d(3, 4, 3, padding_mode="circular")), "torch.nn.modules.conv.Conv2d", "circular"),
    (nn.Sequential(nn.Conv2d(3, 4, 3), nn.Linear(6, 2)), "torch.nn.modules.linear.Linear", "last axis"),
    (nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(0)), "torch.nn.modules.flatten.Flatten", "start_dim=1"),
    (nn.Sequential(nn.Conv2d(3, 4, 3), nn.Softmax(dim=2)), "torch.nn.modules.activation.Softmax", "channels"),
    (nn.Sequential(nn.BatchNorm2d(3, track_running_stats=False)), "torch.nn.modules.batchnorm.BatchNorm2d",
     "running statistics"),
    (Lambda(lambda x: torch.cat([x, x], dim=2)), "torch.cat", "concatenates channels"),
    (Lambda(lambda x: x[:, 0]), "operator.getitem", "range of channels"),
    (Lambda(lambda x: x[:, ::2]), "operator.getitem", "contiguous"),
    (Lambda(lambda x: x[:, :, :2]), "operator.getitem", "range of channels"),
    (Lambda(lambda x: x // 2), "operator.floordiv", "no layer"),
    (Lambda(lambda x: x / torch.max_pool2d(x, 1)), "operator.truediv", "by a number only"),
    (Lambda(lambda x: F.max_pool2d(x.permute(0, 2, 3, 1), 2)), "torch.nn.functional.max_pool2d", "channels-last"),
    (Lambda(lambda x: x.view(x.size(0), 3, 1, 8, 8).transpose(1, 3).reshape(2, 3, 8, 8)), "Tensor.transpose",
     "channel shuffle"),
    (Lambda(lambda x: x + 1), "operator.add", "constant"),
    (Lambda(lambda x: x.permute(0, 3, 1, 2)), "Tensor.permute", "permutation"),
    (Lambda(lambda x: F.interpolate(x, scale_factor=1.5)), "torch.nn.functional.interpolate", "whole factor"),
    (Lambda(lambda x: F.pad(x, (1, 1, 1, 1), mode="reflect")), "torch.nn.functional.pad", "zeros"),
    (Lambda(lambda x: x.view(x.size(0), 3, -1)), "Tensor.view", "reshapes"),
    (Lambda(lambda x: torch.max_pool2d(x, 2).sum(dim=1)), "Tensor.sum", "no layer"),
])
def test_unsupported_ops_are_refused_clearly(module: nn.Module, op: str, reason: str) -> None:
    with pytest.raises(UnsupportedOp) as caught:
        from_module(module, "8x8x3")
    assert caught.value.op == op
    assert reason in str(caught.value)


def test_optional_arguments_and_training_branches() -> None:
    class Optional(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)
            self.aux = nn.Linear(4, 2)
            self.bn = nn.BatchNorm2d(4)

        def forward(self, x: torch.Tensor, scale: float | None = None) -> torch.Tensor:
            y = self.bn(self.conv(x))
            if self.training:  # traced in eval mode: not in the spec
                return self.aux(torch.flatten(y, 1))
            return y

    module = Optional()
    module.bn.eval()  # a frozen BatchNorm in a training model: its mode survives from_module
    with pytest.warns(TorchImportWarning, match="10 parameters are not used"):
        network = from_module(module, "6x6x3")
    assert [layer.type for layer in network.layers] == ["conv2d", "batchnorm2d"]
    assert module.training and module.conv.training and not module.bn.training


def test_shared_parameters_are_refused() -> None:
    class Twice(Wrapper):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.block(self.block(x))

    with pytest.raises(UnsupportedOp, match=r"block\.weight is read again \(first by block\): the calls share"):
        from_module(Twice(nn.Conv2d(3, 3, 3, padding=1)), "8x8x3")


def test_untraceable_and_failing_modules_are_clear_errors() -> None:
    def branchy(x: torch.Tensor) -> torch.Tensor:
        return x if x.sum() > 0 else -x

    # Untraceable: the forward pass on zeros is recorded instead; it takes the branch -x, which no layer is.
    with pytest.warns(TorchImportWarning, match=r"torch\.fx cannot trace Lambda"), \
            pytest.raises(UnsupportedOp, match=r"Tensor\.neg"):
        from_module(Lambda(branchy), "8x8x3")
    with pytest.raises(FromModuleError, match=r"fails at fx node '_1', in 1 \(Linear\).*mat1 and mat2"):
        from_module(nn.Sequential(nn.Flatten(), nn.Linear(10, 2)), "8x8x3")
    with pytest.raises(FromModuleError, match="returns tuple"):
        from_module(Lambda(lambda x: (x, x)), "8x8x3")


def test_unused_parameters_and_values_are_reported() -> None:
    class Partly(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used = nn.Conv2d(3, 4, 3)
            self.unused = nn.Linear(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            F.relu(x)  # computed and thrown away
            return self.used(x)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        network = from_module(Partly(), "8x8x3")
    messages = [str(warning.message) for warning in caught if issubclass(warning.category, TorchImportWarning)]
    assert any("20 parameters are not used" in message and "unused.weight" in message for message in messages)
    assert [layer.name for layer in network.layers] == ["relu", "used"]  # the thrown-away relu stays: NC205
    assert network.description is not None and "20 parameters are not used" in network.description
    assert [v.code for v in check_network(network, Options(fixes=False)).violations] == ["NC205"]


def test_values_computed_from_the_output_and_dropped_are_left_out() -> None:
    class After(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.conv(x)
            torch.sigmoid(y)  # computed from the output, never used
            return y

    with pytest.warns(TorchImportWarning, match="left out values computed from the output and never used: sigmoid"):
        network = from_module(After(), "8x8x3")
    assert [layer.name for layer in network.layers] == ["conv"]


# YAML ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", SPECS, ids=[path.stem for path in SPECS])
def test_to_yaml_reads_back_as_the_same_network(path: Path) -> None:
    network = netcheck.load(path)
    text = to_yaml(network)
    assert not text.startswith("#") and to_yaml(network, schema="s.json").startswith("# yaml-language-server: "
                                                                                      "$schema=s.json\n")
    report = check_text(text, "<yaml>", Options(fixes=False))
    assert report.ok, report.violations
    assert report.network is not None
    written = {layer.name: back.name for layer, back in zip(network.layers, report.network.layers)}
    assert all(back == str(name).replace(".", "_") for name, back in written.items()), "expanded names: . → _"
    counts, back_counts = netcheck_counts(network), netcheck_counts(report.network)
    assert {written[name]: value for name, value in counts.items()} == back_counts
    if not network.blocks:
        assert report.network.layers == network.layers


def test_to_yaml_writes_sizes_in_their_shortest_form() -> None:
    network = spec(EVERY_LAYER)
    text = to_yaml(network, annotate=False)
    assert "kernel: {width: 3, height: 2}" in text and "kernel: 3\n" in text
    assert "padding: {top: 0" not in text and "padding: {bottom: 3, left: 1, right: 2}" in text
    assert "output: 3x2" in text and "scale: {width: 2, height: 1}" in text
    assert "dilation: 1" not in text and "bias: true" not in text
    assert "inputs: [gmax, gavg]" in text and "inputs: norm" in text
    assert check_text(text).ok


def test_to_yaml_quotes_what_yaml_would_misread() -> None:
    network = Network.model_validate({
        "name": "yes", "description": "two  spaces: and # a hash", "input": "4x4x1",
        "layers": [{"name": "no", "type": "dropout", "rate": 1e-05}, {"name": "a: b #c", "type": "flatten"},
                   {"name": "1x1", "type": "activation", "function": "relu"}],
    })
    text = to_yaml(network)
    report = check_text(text)
    assert report.ok and report.network is not None
    assert report.network.name == "yes" and report.network.description == "two  spaces: and # a hash"
    assert [layer.name for layer in report.network.layers] == ["no", "a: b #c", "1x1"]
    assert report.network.layers[0].rate == 1e-05  # type: ignore[union-attr]


# The command line ---------------------------------------------------------------------------------------------------

MODELS = '''
import torch
from torch import nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 16, (3, 1), stride=2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.features(x)), 1))


def tiny():
    return Tiny()


class Odd(nn.Module):
    def forward(self, x):
        return torch.cumsum(x, 1)


instance = Tiny()
not_a_module = 3


def needs_args(width):
    return Tiny()
'''


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netcheck", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def test_import_torch_writes_a_readable_validated_spec(tmp_path: Path) -> None:
    (tmp_path / "mymodels.py").write_text(MODELS)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "netcheck.schema.json").write_text("{}")
    (tmp_path / "specs").mkdir()
    result = run_cli("import-torch", "mymodels:tiny", "--input", "32x32x3", "-o", "specs/tiny.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert "tiny: 7 layers, output 1x1x10, 794 trainable + 0 non-trainable parameters" in result.stderr
    text = (tmp_path / "specs" / "tiny.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=../schemas/netcheck.schema.json"
    assert "  - name: features_0  # 32x32x8, 224 params\n    type: conv2d\n    filters: 8\n    kernel: 3\n" \
           "    padding: 1\n" in text
    assert "kernel: {width: 1, height: 3}" in text and "stride: 2" in text
    assert "rounding: floor" in text
    assert "expect:\n  output: 1x1x10\n  params: 794\n" in text
    check = run_cli("validate", "specs/tiny.yaml", cwd=tmp_path)
    assert check.returncode == 0, check.stdout


def test_import_torch_to_stdout_and_from_an_instance(tmp_path: Path) -> None:
    (tmp_path / "mymodels.py").write_text(MODELS)
    result = run_cli("import-torch", "mymodels:instance", "--input", "16x16x3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Written by netcheck import-torch mymodels:instance")
    assert "yaml-language-server" not in result.stdout  # where stdout goes, a relative path is unknown
    assert "name: instance" in result.stdout
    assert check_text(result.stdout).ok


@pytest.mark.parametrize(("target", "shape", "status", "message"), [
    ("mymodels:missing", "8x8x3", 2, "has no attribute 'missing'"),
    ("nosuchmodule:tiny", "8x8x3", 2, "cannot import nosuchmodule"),
    ("mymodels", "8x8x3", 2, "expected package.module:factory"),
    ("mymodels:not_a_module", "8x8x3", 2, "neither an nn.Module nor callable"),
    ("mymodels:needs_args", "8x8x3", 2, "mymodels:needs_args() raised TypeError: needs_args() missing 1 required"),
    ("mymodels:tiny", "8x8", 2, "--input takes a shape WxHxD"),
    ("mymodels:Odd", "8x8x3", 1, "unsupported op torch.cumsum (fx node 'cumsum', at mymodels.py:"),
    ("mymodels:tiny", "1x1x3", 1, "fails at fx node"),
])
def test_import_torch_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, shape: str, status: int,
                             message: str) -> None:
    from netcheck import commands

    (tmp_path / "mymodels.py").write_text(MODELS)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    outcome = commands.import_torch(target, shape, "out.yaml")
    assert outcome.status == status
    assert message in outcome.error_text
    assert outcome.text == ""
    assert not (tmp_path / "out.yaml").exists()


def test_import_torch_usage_errors_exit_2(tmp_path: Path) -> None:
    (tmp_path / "mymodels.py").write_text(MODELS)
    missing = run_cli("import-torch", "mymodels:tiny", cwd=tmp_path)
    assert missing.returncode == 2 and "--input" in missing.stderr
    unsupported = run_cli("import-torch", "mymodels:Odd", "--input", "8x8x3", cwd=tmp_path)
    assert unsupported.returncode == 1 and "unsupported op torch.cumsum" in unsupported.stderr
    assert "Traceback" not in missing.stderr + unsupported.stderr


def test_validate_never_imports_torch() -> None:
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "netcheck", "validate", "specs/quiz.yaml"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert "netcheck" in result.stderr
    assert [line for line in result.stderr.splitlines() if "torch" in line] == []
