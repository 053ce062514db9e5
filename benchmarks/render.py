"""How long ``netcheck render`` takes: ResNet-50 (175 layers, 24 uses of blocks) and the other bundled specs.

Two figures per spec and format, each the median of ``--repeat`` runs:

* *process*: one fresh ``python -m netcheck render SPEC -o OUT`` process, its
  CPU time (user + system, from ``wait4``), start-up and import included, as
  a user runs it; the target is the issue's: ResNet-50 under a second;
* *render*: inside this process, the time from the checked report to the
  document's text (the layout and drawing alone, without the check).

    python3 benchmarks/render.py               # ResNet-50, 5 runs each
    python3 benchmarks/render.py --all         # every spec in specs/
    python3 benchmarks/render.py --repeat 11
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netcheck import render  # noqa: E402
from netcheck.checker import check_path  # noqa: E402

TARGET = 1.0  # seconds: the bound for ResNet-50


def process_seconds(spec: Path, output: Path) -> float:
    """The CPU time of one ``netcheck render`` process (it must exit 0)."""
    process = subprocess.Popen([sys.executable, "-m", "netcheck", "render", str(spec), "-o", str(output)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"netcheck render {spec} failed: {process.stderr.read().decode() if process.stderr else ''}")
    return usage.ru_utime + usage.ru_stime


def render_seconds(spec: Path, fmt: str) -> float:
    """The wall time of drawing an already checked report in this process."""
    report = check_path(str(spec))
    draw = render.svg_document if fmt == "svg" else render.html_page
    start = time.perf_counter()
    draw(report)
    return time.perf_counter() - start


def main() -> None:
    """Measure and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="Runs per figure (the median is shown).")
    parser.add_argument("--all", action="store_true", help="Every spec in specs/, not only ResNet-50.")
    arguments = parser.parse_args()
    specs = sorted((ROOT / "specs").glob("*.yaml")) if arguments.all else [ROOT / "specs" / "resnet50.yaml"]
    print("| spec | layers | format | process CPU (s) | render only (s) |")
    print("|---|---:|---|---:|---:|")
    slow = []
    with tempfile.TemporaryDirectory() as work:
        for spec in specs:
            layers = len(check_path(str(spec)).rows)
            for fmt in ("svg", "html"):
                output = Path(work) / f"out.{fmt}"
                process = statistics.median(process_seconds(spec, output) for _ in range(arguments.repeat))
                drawing = statistics.median(render_seconds(spec, fmt) for _ in range(arguments.repeat))
                print(f"| {spec.name} | {layers} | {fmt} | {process:.3f} | {drawing:.3f} |")
                if spec.name == "resnet50.yaml" and process >= TARGET:
                    slow.append(f"{spec.name} as {fmt}: {process:.3f} s")
    print(f"\nTarget: ResNet-50 renders in under {TARGET:.0f} s (a whole process, CPU): "
          + ("missed: " + ", ".join(slow) if slow else "met"))


if __name__ == "__main__":
    main()
