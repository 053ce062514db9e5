"""What ``netcheck sizes`` costs (issue 14): ResNet-50, a 4-level U-Net, 1,000-layer generated networks.

For each network: the median time of ``netcheck.sizes.sizes_of_text`` (read,
validate, expand, check once, solve both axes) and of ``valid_sizes`` alone
(the solver on the checked network), in this process, warm; and the solver
again with ``max_size`` 2³¹ − 1, to show that the cost does not grow with
``--max`` (the answer is symbolic). The answer itself is printed beside.

    python3 benchmarks/sizes.py              # 7 rounds
    python3 benchmarks/sizes.py --repeat 21

Cases: ``specs/resnet50.yaml`` (175 layers, floor), ``tests/sizes/unet.yaml``
(4 levels, blocks, strict), ``tests/sizes/yolo-backbone.yaml``, the
benchmark generator's ``sequential`` and ``branched`` networks of 1,000
layers, and two stress cases of 1,000 layers with 100 stride-2 convolutions
(floor: the residues split and join again at every one; strict: the valid
sizes would be multiples of 2¹⁰⁰, so none is).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import specgen  # noqa: E402

from netcheck.checker import check_text  # noqa: E402
from netcheck.results import Options  # noqa: E402
from netcheck.sizes import SizesResult, sizes_of_text, to_text, valid_sizes  # noqa: E402

BIG = 2**31 - 1


def strided(count: int, rounding: str) -> str:
    """``count`` layers: conv 3x3/pad 1 with every tenth of stride 2, then the usual head."""
    lines = ["netcheck: 1", f"name: strided-{rounding}-{count}", "input: 224x224x8", f"rounding: {rounding}",
             "layers:"]
    for index in range(count - specgen.HEAD):
        stride = 2 if index % 10 == 0 else 1
        lines.append(f"  - {{name: c{index}, type: conv2d, filters: 8, kernel: 3, stride: {stride}, padding: 1}}")
    lines += ["  - {name: pool, type: global_avgpool2d}", "  - {name: flat, type: flatten}",
              "  - {name: fc, type: dense, units: 10}"]
    return "\n".join(lines) + "\n"


def cases() -> list[tuple[str, str]]:
    """(name, YAML text) of every benchmarked network."""
    return [
        ("resnet50 (specs)", (ROOT / "specs" / "resnet50.yaml").read_text()),
        ("U-Net, 4 levels (tests/sizes)", (ROOT / "tests" / "sizes" / "unet.yaml").read_text()),
        ("YOLOv2 backbone (tests/sizes)", (ROOT / "tests" / "sizes" / "yolo-backbone.yaml").read_text()),
        ("generated sequential, 1,000 layers", specgen.sequential(1000)),
        ("generated branched, 1,000 layers", specgen.branched(1000)),
        ("100 stride-2 convs floor, 1,000 layers", strided(1000, "floor")),
        ("100 stride-2 convs strict, 1,000 layers", strided(1000, "strict")),
    ]


def median_seconds(work: Callable[[], object], repeat: int) -> float:
    """The median wall time of ``repeat`` calls (after one untimed call)."""
    work()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def milliseconds(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; median of {args.repeat} warm runs in one process\n")
    print("| network | layers | sizes_of_text | valid_sizes | valid_sizes, max 2³¹ − 1 | answer (width) |")
    print("|---|---|---|---|---|---|")
    for name, text in cases():
        network = check_text(text, name, Options(fixes=False)).checked
        result = sizes_of_text(text, name)
        assert isinstance(result, SizesResult), result
        whole = median_seconds(lambda text=text: sizes_of_text(text, "bench"), args.repeat)
        solver = median_seconds(lambda network=network: valid_sizes(network), args.repeat)
        unbounded = median_seconds(lambda network=network: valid_sizes(network, BIG), args.repeat)
        answer = to_text(result).splitlines()[0].removeprefix("width:").strip()
        print(f"| {name} | {len(network.layers):,} | {milliseconds(whole)} | {milliseconds(solver)} | "
              f"{milliseconds(unbounded)} | {answer} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
