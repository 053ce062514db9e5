"""What the verified-fix search costs on files with many errors, beside their valid twins (issue 10).

Each case is a generated spec with many NC101 errors and its twin with none
(the same layers, one number changed per error). Every run is one fresh
``python -m netcheck validate FILE`` process; the figure is its CPU time
(user + system, from ``wait4``), the median of ``--repeat`` runs, so a busy
machine changes it little. Ratios are error-case CPU over twin CPU.

    python3 benchmarks/fixcost.py             # all cases (about a minute)
    python3 benchmarks/fixcost.py --repeat 5

The targets are the issue's: 8,000 pools on a 3x3 input ≤ 20 s CPU, 2,000 ≤
10 s; a 99-layer chain with 33 errors ≤ 3× its twin, 2,001 layers with 667
errors ≤ 5×.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pools(count: int, broken: bool) -> str:
    """``count`` pooling layers that all read the 3x3 input: kernel 2 stride 2 gives 1.5 (NC101), kernel 3 gives 1."""
    kernel = 2 if broken else 3
    lines = ["netcheck: 1", "name: pools", "input: 3x3x1", "layers:"]
    for index in range(count):
        lines.append(f"  - {{name: p{index}, type: maxpool2d, inputs: input, kernel: {kernel}, stride: 2}}")
    return "\n".join(lines) + "\n"


def chain(triples: int, broken: bool) -> str:
    """A chain of (pool, upsample, pad) triples on 33x33: a 2x2/2 pool gives 16.5 (NC101), a 3x3/2 pool 16."""
    kernel = 2 if broken else 3
    lines = ["netcheck: 1", "name: chain", "input: 33x33x8", "rounding: strict", "layers:"]
    for index in range(triples):
        lines.append(f"  - {{name: pool{index}, type: maxpool2d, kernel: {kernel}, stride: 2}}")
        lines.append(f"  - {{name: up{index}, type: upsample2d, scale: 2}}")
        lines.append(f"  - {{name: pad{index}, type: zeropad2d, padding: {{right: 1, bottom: 1}}}}")
    return "\n".join(lines) + "\n"


CASES = [
    ("8,000 pools on 3x3", lambda broken: pools(8000, broken), 20.0, None),
    ("2,000 pools on 3x3", lambda broken: pools(2000, broken), 10.0, None),
    ("99-layer chain, 33 errors", lambda broken: chain(33, broken), None, 3.0),
    ("2,001-layer chain, 667 errors", lambda broken: chain(667, broken), None, 5.0),
]


def cpu_seconds(path: Path) -> tuple[float, int]:
    """CPU seconds of one ``netcheck validate`` process on ``path``, and its exit status."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    process = subprocess.Popen([sys.executable, "-m", "netcheck", "validate", "--format", "json", str(path)],
                               cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    _, status, usage = os.wait4(process.pid, 0)
    return usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status)


def median_cpu(path: Path, repeat: int, expected: int) -> float:
    """The median CPU seconds over ``repeat`` runs (after one untimed run that must exit ``expected``)."""
    _, status = cpu_seconds(path)
    if status != expected:
        raise SystemExit(f"{path.name}: exit {status}, expected {expected}")
    return statistics.median(cpu_seconds(path)[0] for _ in range(repeat))


def main() -> int:
    """Print one row per case: error-case CPU, twin CPU, ratio, target, verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per file (default 3)")
    arguments = parser.parse_args()
    print("| case | with errors (CPU) | valid twin (CPU) | ratio | target | verdict |")
    print("|---|---|---|---|---|---|")
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for name, make, seconds_target, ratio_target in CASES:
            broken, twin = Path(folder, "broken.yaml"), Path(folder, "twin.yaml")
            broken.write_text(make(True), encoding="utf-8")
            twin.write_text(make(False), encoding="utf-8")
            errors = median_cpu(broken, arguments.repeat, 1)
            valid = median_cpu(twin, arguments.repeat, 0)
            ratio = errors / valid
            if seconds_target is not None:
                target, met = f"≤ {seconds_target:g} s", errors <= seconds_target
            else:
                assert ratio_target is not None
                target, met = f"≤ {ratio_target:g}×", ratio <= ratio_target
            failed |= not met
            print(f"| {name} | {errors:.2f} s | {valid:.2f} s | {ratio:.1f}× | {target} | "
                  f"{'**pass**' if met else '**FAIL**'} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
