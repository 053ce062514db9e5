"""``netcheck summary``: the Input column, the memory estimate, the totals' labels, and every format's rows."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from netcheck import commands
from netcheck.report.table import COLUMNS, MEMORY, TOTALS
from netcheck.results import Options
from tests.conftest import ROOT, SPECS, run_cli

GOOD_SPECS = sorted(SPECS.glob("*.yaml"))
BLOCK_SPECS = [path for path in GOOD_SPECS if "blocks:" in path.read_text(encoding="utf-8")]
RESNET18 = str(SPECS / "resnet18.yaml")
RESNET18_BLOCKS = str(SPECS / "resnet18-blocks.yaml")
INCEPTION = str(SPECS / "inception-block.yaml")  # a concat of four branches


def summary(fmt: str, *paths: str, depth: int | None = None) -> str:
    outcome = commands.summary(list(paths), fmt, Options(), depth=depth)
    assert outcome.status == 0, outcome.error_text
    return outcome.output


def files(*paths: str, depth: int | None = None) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = json.loads(summary("json", *paths, depth=depth))["files"]
    return entries


def layers(path: str, depth: int | None = None) -> dict[str, dict[str, Any]]:
    return {layer["name"]: layer for layer in files(path, depth=depth)[0]["layers"]}


def shape(text: str) -> dict[str, int]:
    width, height, depth = (int(part) for part in text.split("x"))
    return {"width": width, "height": height, "depth": depth}


# --- the Input column and Connected to ----------------------------------------------------------------------

def test_a_residual_add_is_connected_to_its_two_inputs() -> None:
    rows = layers(RESNET18)
    add = rows["layer2_0_add"]
    assert add["connected_to"] == add["inputs"] == ["layer2_0_bn2", "layer2_0_downsample_1"]
    assert add["input_shapes"] == [rows["layer2_0_bn2"]["output"], rows["layer2_0_downsample_1"]["output"]]
    assert rows["conv1"]["input_shapes"] == [shape("224x224x3")]
    assert rows["layer2_0_downsample_0"]["input_shapes"] == [rows["layer1_1_relu2"]["output"]]  # the skip's source
    text = summary("text", RESNET18).splitlines()
    at = next(i for i, line in enumerate(text) if line.startswith("layer2_0_add (add)"))
    assert text[at + 1].split() == ["├─", "layer2_0_bn2", "28x28x128"]
    assert text[at + 2].split() == ["└─", "layer2_0_downsample_1", "28x28x128"]
    assert text[at - 1].split()[:4] == ["layer2_0_downsample_1", "(batchnorm2d)", "28x28x128", "28x28x128"]
    assert text[at].split()[:3] == ["layer2_0_add", "(add)", "28x28x128"], "a merge's own Input cell is empty"
    header = next(line for line in text if line.startswith("Layer (type)"))
    assert header.split()[2:4] == ["Input", "Output"]
    assert max(len(line) for line in text if not line.startswith(("specs/", "/"))) <= 120


def test_a_concat_lists_its_branches_with_their_shapes() -> None:
    rows = layers(INCEPTION)
    output = rows["output"]
    assert output["connected_to"] == ["branch1x1", "branch3x3", "branch5x5", "pool_proj"]
    assert output["input_shapes"] == [rows[name]["output"] for name in output["connected_to"]]
    assert sum(item["depth"] for item in output["input_shapes"]) == output["output"]["depth"] == 256
    text = summary("text", INCEPTION)
    assert "  ├─ branch3x3" in text and "  └─ pool_proj" in text
    table = summary("markdown", INCEPTION)
    assert "| output (concat) | branch1x1, branch3x3, branch5x5, pool_proj | 28x28x256 |" in table


@pytest.mark.parametrize("depth", [None, 1, 2, 3])
@pytest.mark.parametrize("path", BLOCK_SPECS, ids=lambda path: path.name)
def test_inputs_under_folding_name_shown_rows_and_their_shapes(path: Path, depth: int | None) -> None:
    every = layers(str(path))
    shown = layers(str(path), depth)
    for layer in shown.values():
        assert len(layer["connected_to"]) == len(layer["inputs"]) == len(layer["input_shapes"])
        for raw, name, given in zip(layer["inputs"], layer["connected_to"], layer["input_shapes"]):
            assert given == (shape(_input_of(path)) if raw == "input" else every[raw]["output"])
            if name != raw:  # a folded use's output, named by the use
                assert name in shown and shown[name]["output"] == every[raw]["output"]


def _input_of(path: Path) -> str:
    return next(line.split(":", 1)[1].split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("input:"))


def test_a_folded_stage_reads_the_use_before_it() -> None:
    rows = layers(RESNET18_BLOCKS, depth=1)
    assert rows["layer2"]["inputs"] == ["layer1.1.relu2"]  # the key other tools read is unchanged
    assert rows["layer2"]["connected_to"] == ["layer1"]
    assert rows["layer2"]["input_shapes"] == [rows["layer1"]["output"]] == [shape("56x56x64")]
    line = next(line for line in summary("text", RESNET18_BLOCKS, depth=1).splitlines()
                if line.startswith("layer2 (stage)"))
    assert line.split()[2:4] == ["56x56x64", "28x28x128"]


# --- the memory estimate -------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", GOOD_SPECS, ids=lambda path: path.name)
def test_memory_is_torchinfos_definition_from_the_rows(path: Path) -> None:
    entry = files(str(path))[0]
    rows = entry["layers"]
    width, height, depth = (int(part) for part in _input_of(path).split("x"))
    expected = {
        "batch": 1,
        "bytes_per_value": 4,
        "input_bytes": width * height * depth * 4,
        # output and gradient of each layer with PyTorch parameters, float32
        "forward_backward_bytes": 2 * 4 * sum(row["neurons"] for row in rows if row["trainable_params"] > 0),
        "params_bytes": 4 * sum(row["trainable_params"] for row in rows),
    }
    expected["total_bytes"] = expected["input_bytes"] + expected["forward_backward_bytes"] + expected["params_bytes"]
    assert entry["memory"] == expected
    for depth_ in (1, 2):
        assert files(str(path), depth=depth_)[0]["memory"] == expected, "folding never changes the estimate"
    text = summary("text", str(path))
    for label, key in MEMORY:
        assert f"\n{label}: {expected[key] / 1e6:.2f}\n" in text


def test_resnet18_memory_is_what_torchinfo_prints_for_torchvision_resnet18() -> None:
    # torchinfo.summary(torchvision.models.resnet18(), (1, 3, 224, 224)) ends with these four lines
    text = summary("text", RESNET18)
    assert ("Input size (MB): 0.60\nForward/backward pass size (MB): 39.75\nParams size (MB): 46.76\n"
            "Estimated Total Size (MB): 87.11\n") in text


@pytest.mark.parametrize("name", ["resnet18.yaml", "inception-block.yaml", "mobilenetv2-block.yaml", "lenet5.yaml"])
def test_memory_matches_forward_hooks_on_the_pytorch_module(name: str) -> None:
    """torchinfo's sums, by hand: the input, 2x the output of each module with parameters, the parameters."""
    torch = pytest.importorskip("torch")
    import netcheck
    from netcheck.torch import to_module

    network = netcheck.load(SPECS / name)
    module = to_module(network).eval()
    outputs: list[int] = []

    def hook(_module: Any, _args: Any, output: Any) -> None:
        outputs.append(output.numel() * output.element_size())

    # A layer's own parameters (recurse=False): a spec's fused ``activation:`` is a child of its conv module, which
    # torchinfo would then skip as not a leaf; built as conv then ReLU, as PyTorch models are, it counts the conv.
    for submodule in module.modules():
        if any(True for _ in submodule.parameters(recurse=False)):
            submodule.register_forward_hook(hook)
    size = network.input.shape
    x = torch.zeros(1, size.depth, size.height, size.width)
    with torch.no_grad():
        module(x)
    memory = files(str(SPECS / name))[0]["memory"]
    assert memory["input_bytes"] == x.numel() * x.element_size()
    assert memory["forward_backward_bytes"] == 2 * sum(outputs)
    assert memory["params_bytes"] == sum(p.numel() * p.element_size() for p in module.parameters())


# --- the totals ---------------------------------------------------------------------------------------------

def test_the_pytorch_count_comes_first_and_the_keras_total_after() -> None:
    text = summary("text", RESNET18).splitlines()
    start = text.index("Params (PyTorch parameters()): 11,689,512 (11.69 M)")
    assert text[start:start + 3] == [
        "Params (PyTorch parameters()): 11,689,512 (11.69 M)",
        "Running stats (buffers; Keras non-trainable): 9,600",
        "Total params incl. running stats (Keras): 11,699,112 (11.70 M)",
    ]
    assert [line.split(":")[0] for line in text[start:start + len(TOTALS)]] == [label for label, _ in TOTALS]
    totals = files(RESNET18)[0]["totals"]
    assert totals["pytorch_params"] == totals["trainable_params"] == 11_689_512
    assert (totals["params"], totals["non_trainable_params"]) == (11_699_112, 9_600), "the keys that were there stay"


# --- the formats --------------------------------------------------------------------------------------------

def _parsed(key: str, text: str) -> Any:
    """A CSV cell read back as the JSON value it stands for."""
    if key in ("name", "type", "file"):
        return text
    if key in ("inputs", "connected_to"):
        return text.split(" ") if text else []
    if key == "input_shapes":
        return [None if item == "?" else shape(item) for item in text.split(" ") if item]
    if key == "output":
        return shape(text) if text else None
    return None if text == "" else (float(text) if "." in text else int(text))


def _read_back(text: str) -> list[dict[str, Any]]:
    return [{key: _parsed(key, value) for key, value in row.items()} for row in csv.DictReader(io.StringIO(text))]


@pytest.mark.parametrize("depth", [None, 1])
def test_csv_read_back_is_the_json_rows(depth: int | None) -> None:
    one = summary("csv", RESNET18_BLOCKS, depth=depth)
    assert _read_back(one) == files(RESNET18_BLOCKS, depth=depth)[0]["layers"]
    assert all("," not in row["params"] and row["params"].isdigit() for row in csv.DictReader(io.StringIO(one)))
    several = _read_back(summary("csv", INCEPTION, RESNET18, depth=depth))
    assert several == [{"file": entry["path"], **layer} for entry in files(INCEPTION, RESNET18, depth=depth)
                       for layer in entry["layers"]]
    assert {row["file"] for row in several} == {INCEPTION, RESNET18}


def test_markdown_has_a_table_row_per_layer_and_the_totals() -> None:
    text = summary("markdown", RESNET18_BLOCKS, INCEPTION)
    sections = text.split("\n### ")
    assert len(sections) == 2
    for section, entry in zip(sections, files(RESNET18_BLOCKS, INCEPTION)):
        table = [line for line in section.splitlines() if line.startswith("|")]
        assert table[0] == "| " + " | ".join(column.header for column in COLUMNS) + " |"
        assert set(table[1].replace(" ", "")) <= set("|:-")
        assert len(table) - 2 == len(entry["layers"])
        assert all(line.count(" | ") == len(COLUMNS) - 1 for line in table)
        assert f"- Params (PyTorch parameters()): {entry['totals']['pytorch_params']:,}" in section
        assert "- Estimated Total Size (MB): " in section
    folded = summary("markdown", RESNET18_BLOCKS, depth=1)
    assert len([line for line in folded.splitlines() if line.startswith("|")]) - 2 == 11


def test_markdown_escapes_spec_text(tmp_path: Path) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text("netcheck: 1\nname: 'a|b *c*'\ninput: 8x8x1\nlayers:\n"
                    "  - {name: 'x|y', type: conv2d, filters: 2, kernel: 3}\n"
                    "  - {name: '_z_', type: conv2d, filters: 2, kernel: 3}\n", encoding="utf-8")
    text = summary("markdown", str(spec))
    assert "### a\\|b \\*c\\*" in text
    assert "| x\\|y (conv2d) |" in text and "| \\_z\\_ (conv2d) |" in text


def test_the_command_line_offers_every_summary_format() -> None:
    for fmt in ("text", "json", "markdown", "csv"):
        result = run_cli("summary", "--format", fmt, "specs/quiz.yaml", cwd=ROOT)
        assert result.returncode == 0, result.stderr
    wrong = run_cli("summary", "-f", "sarif", "specs/quiz.yaml", cwd=ROOT)
    assert wrong.returncode == 2 and "markdown" in wrong.stderr and "csv" in wrong.stderr
