"""Blocks in PyTorch: to_module nests the layers of each use, so state_dict keys read as torchvision's."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import netcheck  # noqa: E402
from netcheck.torch import to_module  # noqa: E402
from tests.conftest import SPECS  # noqa: E402


def torchvision_resnet_keys(blocks: list[int], bottleneck: bool) -> dict[str, tuple[int, ...]]:
    """The state_dict keys and shapes of torchvision's resnet18/50, written out from its structure."""
    keys: dict[str, tuple[int, ...]] = {"conv1.weight": (64, 3, 7, 7)}
    keys.update(_bn("bn1", 64))
    expansion = 4 if bottleneck else 1
    inplanes = 64
    for stage, count in enumerate(blocks):
        width = 64 * 2**stage
        for index in range(count):
            prefix = f"layer{stage + 1}.{index}"
            if bottleneck:
                convs = [(width, inplanes, 1), (width, width, 3), (width * 4, width, 1)]
            else:
                convs = [(width, inplanes, 3), (width, width, 3)]
            for number, (out, into, kernel) in enumerate(convs, start=1):
                keys[f"{prefix}.conv{number}.weight"] = (out, into, kernel, kernel)
                keys.update(_bn(f"{prefix}.bn{number}", out))
            if index == 0 and (stage > 0 or inplanes != width * expansion):
                keys[f"{prefix}.downsample.0.weight"] = (width * expansion, inplanes, 1, 1)
                keys.update(_bn(f"{prefix}.downsample.1", width * expansion))
            inplanes = width * expansion
    keys["fc.weight"] = (1000, 512 * expansion)
    keys["fc.bias"] = (1000,)
    return keys


def _bn(prefix: str, channels: int) -> dict[str, tuple[int, ...]]:
    return {f"{prefix}.{name}": (channels,) for name in ("weight", "bias", "running_mean", "running_var")} | {
        f"{prefix}.num_batches_tracked": ()}


@pytest.mark.parametrize(("spec", "blocks", "bottleneck"), [
    ("resnet18-blocks.yaml", [2, 2, 2, 2], False),
    ("resnet50.yaml", [3, 4, 6, 3], True),
])
def test_state_dict_keys_and_shapes_are_torchvisions(spec: str, blocks: list[int], bottleneck: bool) -> None:
    module = to_module(netcheck.load(SPECS / spec))
    state = {key: tuple(value.shape) for key, value in module.state_dict().items()}
    assert state == torchvision_resnet_keys(blocks, bottleneck)
    assert module(torch.zeros(1, 3, 224, 224)).shape == (1, 1000)


def test_a_state_dict_with_torchvisions_keys_loads() -> None:
    module = to_module(netcheck.load(SPECS / "resnet18-blocks.yaml"))
    weights = {key: torch.full(shape, 0.5) if shape else torch.tensor(0)
               for key, shape in torchvision_resnet_keys([2, 2, 2, 2], False).items()}
    module.load_state_dict(weights)  # strict: every key matches, none is missing
    assert torch.equal(module.get_submodule("layer3.0.downsample.0").weight, weights["layer3.0.downsample.0.weight"])


def test_a_flat_spec_keeps_flat_names() -> None:
    module = to_module(netcheck.load(SPECS / "resnet18.yaml"))
    assert all("." not in name for name, _ in module.named_children())
