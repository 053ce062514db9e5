"""import-torch with blocks (issue 11): a module tree folded into blocks, names and state_dict keys as PyTorch's."""

from __future__ import annotations

from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from test_torch import MODELS, ResNet18, assert_parity, run_cli  # noqa: E402
from torch import nn  # noqa: E402

import netcheck  # noqa: E402
from netcheck.torch import from_module, to_module, to_yaml  # noqa: E402


def folded(module: nn.Module, shape: str) -> tuple[str, netcheck.Network]:
    """The blocked text of ``module`` and the network it expands to."""
    text = to_yaml(from_module(module, shape), blocks=True)
    return text, netcheck.loads(text)


def test_resnet18_folds_into_blocks_with_torchvisions_names_and_keys() -> None:
    model = ResNet18()
    text, network = folded(model, "224x224x3")
    assert "blocks:\n" in text and len(text.splitlines()) < 60
    names = [layer.name for layer in network.layers]
    assert "layer1.0.conv1" in names and "layer2.0.downsample.0" in names and "layer4.1.add" in names
    report = netcheck.check(network)
    assert report.ok and report.totals["trainable_params"] == 11_689_512
    rebuilt, _count = assert_parity(network)
    keys = {key for key in rebuilt.state_dict() if not key.endswith("num_batches_tracked")}
    assert keys == {key for key in model.state_dict() if not key.endswith("num_batches_tracked")}
    # The trained weights load into the rebuilt module, and it computes what the model computes.
    rebuilt.load_state_dict(model.state_dict(), strict=False)
    model.eval()
    rebuilt.eval()
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(rebuilt(x), model(x), atol=1e-5)


def test_differing_values_become_params_and_multiples_formulas() -> None:
    text, _network = folded(ResNet18(), "224x224x3")
    assert 'filters: "${filters}"' in text
    assert "params: {" in text


class Stage(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x)) + x


def test_a_sequential_of_equal_blocks_is_one_use_with_repeat() -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 1), nn.Sequential(*(Stage(8) for _ in range(5))))
    text, network = folded(model, "8x8x3")
    assert "repeat: 5" in text
    assert [layer.name for layer in network.layers][1:4] == ["1.0.conv", "1.0.act", "1.0.add"]


class Pair(nn.Module):
    """Two layers called apart, with another module's layer between: no use can stand for them."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(4, 4, 1)
        self.b = nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(self.a(x))


class Crossed(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 1)
        self.pair = Pair()
        self.mid = nn.ReLU()
        self.blocks = nn.Sequential(Stage(4), Stage(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        y = self.pair.a(x)
        return self.blocks(self.pair.b(self.mid(y)) + x)


def test_what_does_not_fit_a_use_stays_inline() -> None:
    _text, network = folded(Crossed(), "8x8x3")
    names = [layer.name for layer in network.layers]
    assert names[:4] == ["stem", "pair_a", "mid", "pair_b"] and "blocks.0.conv" in names
    assert netcheck.check(network).ok


def test_nothing_repeats_nothing_folds() -> None:
    module = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Sequential(nn.Conv2d(4, 4, 1), nn.ReLU()))
    assert to_yaml(from_module(module, "8x8x3"), blocks=True) == to_yaml(from_module(module, "8x8x3"))


def test_import_torch_writes_blocks_unless_flat(tmp_path: Path) -> None:
    (tmp_path / "mymodels.py").write_text(MODELS + "\n\ndef stages():\n    return torch.nn.Sequential("
                                          "*(torch.nn.Sequential(torch.nn.Conv2d(4, 4, 1), torch.nn.ReLU()) "
                                          "for _ in range(3)))\n")
    blocked = run_cli("import-torch", "mymodels:stages", "--input", "8x8x4", cwd=tmp_path)
    assert blocked.returncode == 0, blocked.stderr
    assert "blocks:" in blocked.stdout and "(1 block)" in blocked.stderr
    flat = run_cli("import-torch", "mymodels:stages", "--input", "8x8x4", "--flat", cwd=tmp_path)
    assert flat.returncode == 0 and "blocks:" not in flat.stdout
    a = netcheck.loads(blocked.stdout)
    b = netcheck.loads(flat.stdout)
    assert [layer.name.replace(".", "_") for layer in a.layers] == [layer.name for layer in b.layers]
    assert to_module(a) is not None


# Property: any module tree folds into blocks that expand to exactly the flat import ---------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


class Residual(nn.Module):
    def __init__(self, body: nn.Module) -> None:
        super().__init__()
        self.body = body

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x) + x


def _unit(draw: st.DrawFn, channels: int, depth: int) -> nn.Module:
    """A random submodule that keeps ``channels``: a conv, a norm, an activation, a residual or a Sequential."""
    choice = draw(st.integers(0, 5 if depth < 3 else 2))
    if choice == 0:
        return nn.Conv2d(channels, channels, draw(st.sampled_from([1, 3])), padding="same",
                         bias=draw(st.booleans()))
    if choice == 1:
        return draw(st.sampled_from([nn.BatchNorm2d(channels), nn.GroupNorm(1, channels)]))
    if choice == 2:
        return draw(st.sampled_from([nn.ReLU(), nn.SiLU(), nn.Identity()]))
    if choice == 3:
        return Residual(_unit(draw, channels, depth + 1))
    count = draw(st.integers(1, 4))
    if draw(st.booleans()):  # equal copies: a repeat
        template = draw(st.integers(0, 2 ** 30))
        return nn.Sequential(*(_seeded(draw, channels, depth, template) for _ in range(count)))
    return nn.Sequential(*(_unit(draw, channels, depth + 1) for _ in range(count)))


def _seeded(draw: st.DrawFn, channels: int, depth: int, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.BatchNorm2d(channels), nn.ReLU())


@st.composite
def trees(draw: st.DrawFn) -> nn.Module:
    channels = draw(st.sampled_from([2, 4]))
    return nn.Sequential(nn.Conv2d(3, channels, 1), *(_unit(draw, channels, 0) for _ in range(draw(st.integers(1, 5)))))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=trees())
def test_random_module_trees_fold_into_what_they_import(model: nn.Module) -> None:
    network = from_module(model, "6x5x3")
    text = to_yaml(network, blocks=True)
    back = netcheck.loads(text)
    assert [str(layer.name).replace(".", "_") for layer in back.layers] == [layer.name for layer in network.layers]
    assert [layer.model_dump(exclude={"name", "inputs"}) for layer in back.layers] == \
        [layer.model_dump(exclude={"name", "inputs"}) for layer in network.layers]
    assert netcheck.check(back).totals == netcheck.check(network).totals
    def keys(module: nn.Module) -> set[str]:  # "." and "_" alike: the flat names join the path with "_"
        return {key.replace(".", "_") for key in module.state_dict()}

    assert keys(to_module(back)) == keys(model)
