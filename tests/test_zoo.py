"""The CI subset of the model-zoo sweep (``scripts/zoo.py``): real torchvision and timm models, untrained.

Each must convert with PyTorch's exact parameters and output (from_module
checks every layer), and round-trip through YAML and ``to_module``; the
refused one must name its op. The full sweep is ``python3 scripts/zoo.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("torchvision")
pytest.importorskip("timm")

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import zoo

CASES = [(name_of_zoo, name) for name_of_zoo, names in zoo.CI.items() for name in names]
#: Attention over tokens is out of the format's scope: refused by op and module.
REFUSED = {("timm", "test_vit"): "in the root (VisionTransformer)"}


@pytest.mark.parametrize(("which", "name"), CASES, ids=[f"{which}:{name}" for which, name in CASES])
def test_zoo_model_converts_exactly_or_is_refused_by_name(which: str, name: str) -> None:
    outcome, detail = zoo.sweep_one(which, name)
    if (which, name) in REFUSED:
        assert outcome == "refused" and REFUSED[(which, name)] in detail, detail
    else:
        assert outcome == "ok", detail
