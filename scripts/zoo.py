"""The model-zoo sweep: import torchvision's and timm's CNNs with from_module, check them, round-trip them.

For each model (built untrained): ``from_module`` at the model's own input size
(it checks every layer's shape and parameter count against PyTorch itself),
then the spec is written with ``to_yaml``, read back, validated, built with
``to_module``, and that module must have PyTorch's parameter total and output
shape; the spec written with blocks (as import-torch writes it) must expand to
the same layers and totals. Prints one line per model and the figures; exits 1 on a wrong number
(a spec that validates but disagrees with PyTorch), never on a refusal.

    python3 scripts/zoo.py                    # torchvision's families, timm's CNNs, timm's attention hybrids
    python3 scripts/zoo.py --subset ci        # the few CI runs
    python3 scripts/zoo.py --subset wide      # every timm model of a convolutional family (≤ 60M parameters)
    python3 scripts/zoo.py --zoo timm resnet50 convnext_tiny

``--subset wide`` takes every model timm registers in the modules of WIDE_MODULES
(its convolutional families, some with attention stages: those must be refused)
whose parameters, counted on the meta device, are at most ``--max-params``.

Needs torchvision and timm (``pip install torch==2.14.1 torchvision==0.29.1 timm``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

import netcheck
from netcheck.torch import from_module, to_module, to_yaml
from netcheck.torch.errors import FromModuleError

#: One model per torchvision convolutional family (classification and the segmentation heads on CNNs).
TORCHVISION = [
    "alexnet", "vgg11", "vgg16_bn", "resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2", "densenet121",
    "squeezenet1_0", "squeezenet1_1", "googlenet", "inception_v3", "mobilenet_v2", "mobilenet_v3_small",
    "mobilenet_v3_large", "mnasnet1_0", "shufflenet_v2_x1_0", "efficientnet_b0", "efficientnet_v2_s",
    "regnet_x_400mf", "regnet_y_400mf", "convnext_tiny",
    "segmentation.lraspp_mobilenet_v3_large", "segmentation.fcn_resnet50", "segmentation.deeplabv3_resnet50",
]

#: timm's convolutional families, one to three models each.
TIMM = [
    "resnet18", "resnet50", "resnet50d", "resnet26t", "resnetv2_50", "resnext50_32x4d", "seresnet50",
    "seresnext26d_32x4d", "ecaresnet50d", "skresnet18", "resnest14d", "res2net50_14w_8s", "wide_resnet50_2",
    "resnetrs50", "resnetblur18", "resnet50_gn", "resnetaa50", "gcresnet50t", "regnetx_002", "regnety_002",
    "regnety_016", "regnetz_b16", "regnetv_040", "densenet121", "dla34", "dpn68", "vgg11", "vgg11_bn",
    "inception_v3", "inception_v4", "inception_resnet_v2", "xception41", "xception65", "legacy_xception",
    "mobilenetv2_100", "mobilenetv3_small_100", "mobilenetv3_large_100", "mobilenetv3_rw", "mobilenetv4_conv_small",
    "mnasnet_100", "semnasnet_100", "fbnetc_100", "fbnetv3_b", "spnasnet_100", "efficientnet_b0", "efficientnet_b1",
    "efficientnet_lite0", "efficientnet_em", "tf_efficientnet_b0", "efficientnetv2_rw_t", "tf_efficientnetv2_s",
    "mixnet_s", "mixnet_m", "tf_mixnet_s", "ghostnet_100", "ghostnetv2_100", "hrnet_w18_small", "selecsls42b",
    "rexnet_100", "lcnet_050", "hardcorenas_a", "tinynet_a", "cspresnet50", "cspresnext50", "cspdarknet53",
    "cs3darknet_s", "darknet53", "dm_nfnet_f0", "nf_resnet50", "nf_regnet_b0", "nfnet_l0", "convnext_atto",
    "convnextv2_atto", "inception_next_tiny", "repvgg_a0", "repghostnet_050", "repvit_m1", "mobileone_s0",
    "tresnet_m", "gernet_s", "resnet18d", "senet154", "vovnet39a", "ese_vovnet19b_dw", "hgnet_tiny", "hgnetv2_b0",
    "nasnetalarge", "pnasnet5large", "poolformer_s12", "convmixer_768_32", "rdnet_tiny", "starnet_s1",
    "test_convnext", "fastvit_t8",
]

#: timm models built on attention over tokens (out of the format's scope): they must be refused, never wrong.
TIMM_ATTENTION = [
    "sebotnet33ts_256", "bat_resnext26ts", "halonet26t", "lambda_resnet26t", "efficientvit_b0",
    "edgenext_xx_small", "mobilevit_xxs", "levit_128s", "coat_lite_tiny", "xcit_nano_12_p16_224", "fastvit_sa12",
]

#: timm's modules of convolutional families, for ``--subset wide`` (a few hold attention hybrids as well).
WIDE_MODULES = (
    "byobnet", "convmixer", "convnext", "cspnet", "cspnext", "densenet", "dla", "dpn", "efficientnet", "fasternet",
    "ghostnet", "hardcorenas", "hgnet", "hrnet", "inception_next", "inception_resnet_v2", "inception_v3",
    "inception_v4", "lcnetv2", "mambaout", "metaformer", "mobilenetv3", "nasnet", "nfnet", "pnasnet", "rdnet",
    "regnet", "repghost", "repvit", "res2net", "resnest", "resnet", "resnetv2", "rexnet", "selecsls", "senet",
    "sknet", "starnet", "tresnet", "vgg", "vovnet", "xception", "xception_aligned", "cpubone", "fastvit",
)


def wide_timm(max_params: int) -> tuple[list[str], list[str]]:
    """timm's models in WIDE_MODULES: those of at most ``max_params`` parameters, and the larger ones."""
    import timm
    from timm.models import _registry

    small, large = [], []
    for name in timm.list_models():
        if _registry._model_to_module.get(name) not in WIDE_MODULES:
            continue
        with torch.device("meta"):
            size = sum(parameter.numel() for parameter in timm.create_model(name).parameters())
        (small if size <= max_params else large).append(name)
    return small, large


#: What CI runs (tests/test_zoo.py): each family issue 12 added, traced and recorded, and refusals.
CI = {"torchvision": ["mobilenet_v3_small", "shufflenet_v2_x1_0", "efficientnet_b0", "regnet_y_400mf",
                      "convnext_tiny", "segmentation.lraspp_mobilenet_v3_large"],
      "timm": ["efficientnet_b0", "tf_efficientnet_b0", "mobilenetv3_small_100", "convnext_atto", "ghostnet_100",
               "ecaresnet50d", "nf_regnet_b0", "poolformerv2_s12", "hgnetv2_b0", "skresnet18", "resnest14d",
               "gcresnext26ts", "resnetblur18", "test_vit"]}


def _torchvision(name: str) -> tuple[torch.nn.Module, tuple[int, int]]:
    import torchvision

    space: Any = torchvision.models
    for part in name.split("."):
        space = getattr(space, part)
    kwargs: dict[str, Any] = {"weights": None}
    if name == "inception_v3" or name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=False)
    if name.startswith("segmentation."):
        kwargs.update(weights_backbone=None)
    size = 299 if name == "inception_v3" else 224
    return space(**kwargs), (size, size)


def _timm(name: str) -> tuple[torch.nn.Module, tuple[int, int]]:
    import timm

    model = timm.create_model(name, pretrained=False)
    _channels, height, width = model.pretrained_cfg.get("input_size", (3, 224, 224))
    return model, (int(width), int(height))


ZOOS: dict[str, Callable[[str], tuple[torch.nn.Module, tuple[int, int]]]] = {
    "torchvision": _torchvision, "timm": _timm, "timm-attention": _timm}


def sweep_one(zoo: str, name: str) -> tuple[str, str]:
    """("ok" | "refused" | "WRONG" | "skipped", detail) for one model."""
    try:
        model, (width, height) = ZOOS[zoo](name)
    except Exception as error:  # a name this version of the zoo does not have
        return "skipped", f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    shape = f"{width}x{height}x3"
    total = sum(parameter.numel() for parameter in model.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            network = from_module(model, shape, name=name.replace(".", "_"))
        except FromModuleError as error:
            return "refused", str(error)
        model.eval()
        with torch.no_grad():
            expected = model(torch.zeros(1, 3, height, width))
        if isinstance(expected, dict):
            expected = next(iter(expected.values()))
        text = to_yaml(network)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        written = netcheck.load(path)
    report = netcheck.check(written)
    back = to_module(written).eval()
    with torch.no_grad():
        rebuilt = back(torch.zeros(1, 3, height, width))
    counted = report.totals["trainable_params"]
    built = sum(parameter.numel() for parameter in back.parameters())
    problems = []
    if not report.ok:
        problems.append("the written spec does not validate")
    if counted != total and not network.description:
        problems.append(f"netcheck counts {counted:,} but PyTorch has {total:,}")
    if built != counted:
        problems.append(f"to_module builds {built:,} parameters for {counted:,}")
    if tuple(rebuilt.shape) != tuple(expected.shape):
        problems.append(f"to_module gives {tuple(rebuilt.shape)}, PyTorch {tuple(expected.shape)}")
    blocked = netcheck.loads(to_yaml(network, blocks=True))  # the blocked spec import-torch writes
    blocked_report = netcheck.check(blocked)
    if not blocked_report.ok or blocked_report.totals != report.totals or \
            [str(layer.name).replace(".", "_") for layer in blocked.layers] != [layer.name for layer in written.layers]:
        problems.append("the spec written with blocks differs from the flat one")
    if problems:
        return "WRONG", "; ".join(problems)
    unused = f", {total - counted:,} unused" if counted != total else ""
    folded = " (with blocks)" if blocked.blocks else ""
    return "ok", f"{len(network.layers)} layers at {shape}{folded}, {counted:,} parameters{unused}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zoo", choices=sorted(ZOOS), help="one zoo only")
    parser.add_argument("--subset", choices=["all", "ci", "wide"], default="all")
    parser.add_argument("--max-params", type=int, default=60_000_000, help="with --subset wide (default 60M)")
    parser.add_argument("names", nargs="*", help="model names (with --zoo)")
    options = parser.parse_args(argv)
    lists: dict[str, list[str]] = {"torchvision": TORCHVISION, "timm": TIMM, "timm-attention": TIMM_ATTENTION} \
        if options.subset == "all" else CI
    if options.subset == "wide":
        small, large = wide_timm(options.max_params)
        print(f"{len(small)} timm models of convolutional families; {len(large)} over {options.max_params:,} "
              "parameters left out", flush=True)
        lists = {"timm": small}
    if options.names:
        lists = {options.zoo or "timm": options.names}
    elif options.zoo:
        lists = {options.zoo: lists[options.zoo]}
    outcomes: Counter[tuple[str, str]] = Counter()
    reasons: Counter[str] = Counter()
    for zoo, names in lists.items():
        for name in names:
            start = time.perf_counter()
            outcome, detail = sweep_one(zoo, name)
            outcomes[(zoo, outcome)] += 1
            if outcome == "refused":
                reasons[detail.split(" (fx node")[0].split(":")[0]] += 1
            print(f"{zoo:11} {name:40} {outcome:8} {time.perf_counter() - start:6.1f}s  {detail[:300]}", flush=True)
    print()
    for zoo in lists:
        tried = sum(count for (each, outcome), count in outcomes.items() if each == zoo and outcome != "skipped")
        ok = outcomes[(zoo, "ok")]
        print(f"{zoo}: {ok} of {tried} convert exactly ({100 * ok / max(tried, 1):.0f}%), "
              f"{outcomes[(zoo, 'refused')]} refused, {outcomes[(zoo, 'WRONG')]} wrong, "
              f"{outcomes[(zoo, 'skipped')]} not in this version")
    for reason, count in reasons.most_common(12):
        print(f"  {count:3} × {reason}")
    return 1 if any(outcome == "WRONG" for _zoo, outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
