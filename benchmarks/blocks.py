"""What expanding blocks costs: one block used with ``repeat`` beside the same network written flat (FORMAT §8).

Each case is a generated pair of specs on an 8x8x8 input (so the arithmetic
per layer is cheap and the run is dominated by reading, expanding and walking):

* *blocks*: a three-layer stem, then one ten-layer residual block (conv 3x3
  with ``filters: "${f}"``, batchnorm, relu, conv 1x1, batchnorm, ``add`` with
  the block's ``input``, relu, dropout, conv 1x1, relu) used once as
  ``{name: u, type: unit, f: 8, repeat: N}``;
* *flat*: the same 3 + 10·N layers written out, named as the expansion names
  them with ``_`` for the reserved ``.`` (``u_0_conv1`` for ``u.0.conv1``),
  the ``add`` reading the previous copy's last layer.

Before timing, both files are checked once: ``netcheck validate`` must exit 0
on each, and ``--format json`` must report the same layers (names mapped
``.`` → ``_``, types, inputs, outputs, counts) and the same totals. The JSON
is read by a helper process, so this process stays small (Linux carries the
spawning process's peak RSS into a child's ``ru_maxrss``).

Every timed run is one fresh ``python -m netcheck validate FILE`` process; the
figure is its CPU time (user + system, from ``wait4``), the median of
``--repeat`` runs, flat and blocks alternating; peak RSS is the median of
the runs' ``ru_maxrss`` (a run that recompiles an edited module's bytecode
peaks higher, so the largest would measure that).

    python3 benchmarks/blocks.py              # all three sizes (about two minutes)
    python3 benchmarks/blocks.py --repeat 5

The target is the issue's: 100,000 layers as one block with ``repeat: 10000``
≤ 1.2× the CPU of the same network written flat. The 10,000- and 100-layer
cases are reported without a target.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

FILTERS = 8
INPUT = f"8x8x{FILTERS}"
STEM = [
    "{name: stem, type: conv2d, filters: 8, kernel: 3, padding: 1, bias: false}",
    "{name: bn, type: batchnorm2d}",
    "{name: relu, type: activation, function: relu}",
]
STEM_OUTPUT = "relu"
# The block's ten layers: (name, type and fields with {f} for the filters, explicit inputs or None).
BLOCK = [
    ("conv1", "type: conv2d, filters: {f}, kernel: 3, padding: 1, bias: false", None),
    ("bn1", "type: batchnorm2d", None),
    ("relu1", "type: activation, function: relu", None),
    ("conv2", "type: conv2d, filters: {f}, kernel: 1, bias: false", None),
    ("bn2", "type: batchnorm2d", None),
    ("add", "type: add", ("bn2", "input")),
    ("relu2", "type: activation, function: relu", None),
    ("drop", "type: dropout, rate: 0.1", None),
    ("conv3", "type: conv2d, filters: {f}, kernel: 1", None),
    ("relu3", "type: activation, function: relu", None),
]
BLOCK_OUTPUT = BLOCK[-1][0]
PARAM = '"${f}"'  # how the block writes its filters

CASES = [(10, None), (1000, None), (10000, 1.2)]  # (repeat, target ratio blocks ÷ flat)

# Run by a helper process on one ``--format json`` report (stdin): prints a small summary.
SUMMARY = r"""
import hashlib, json, sys
report = json.load(sys.stdin)
(file,) = report["files"]
digest = hashlib.sha256()
for layer in file["layers"]:
    row = [layer["name"].replace(".", "_"), layer["type"], [name.replace(".", "_") for name in layer["inputs"]],
           layer["output"], layer["params"], layer["trainable_params"], layer["non_trainable_params"],
           layer["macs"], layer["neurons"], layer["receptive_field"], layer["jump"]]
    digest.update(json.dumps(row, sort_keys=True).encode())
output = file["layers"][-1]["output"] if file["layers"] else None
print(json.dumps({"ok": file["ok"], "errors": report["errors"], "warnings": report["warnings"],
                  "layers": len(file["layers"]), "output": output, "totals": file["totals"],
                  "digest": digest.hexdigest()}))
"""


def write_blocks(path: Path, repeat: int) -> None:
    """The stem and one use of the ten-layer block with ``repeat``."""
    with path.open("w", encoding="utf-8") as out:
        out.write(f"netcheck: 1\nname: blocks-{repeat}\ninput: {INPUT}\nblocks:\n  unit:\n"
                  "    params: {f: null}\n    layers:\n")
        for name, fields, inputs in BLOCK:
            wired = f", inputs: [{', '.join(inputs)}]" if inputs else ""
            out.write(f"      - {{name: {name}, {fields.format(f=PARAM)}{wired}}}\n")
        out.write("layers:\n")
        for layer in STEM:
            out.write(f"  - {layer}\n")
        out.write(f"  - {{name: u, type: unit, f: {FILTERS}, repeat: {repeat}}}\n")


def write_flat(path: Path, repeat: int) -> None:
    """The same network written out: ``u_<i>_<inner>`` for the expansion's ``u.<i>.<inner>``."""
    with path.open("w", encoding="utf-8") as out:
        out.write(f"netcheck: 1\nname: flat-{repeat}\ninput: {INPUT}\nlayers:\n")
        for layer in STEM:
            out.write(f"  - {layer}\n")
        previous = STEM_OUTPUT
        for copy in range(repeat):
            prefix = f"u_{copy}_"
            for name, fields, inputs in BLOCK:
                wired = ""
                if inputs:
                    names = [previous if inner == "input" else prefix + inner for inner in inputs]
                    wired = f", inputs: [{', '.join(names)}]"
                out.write(f"  - {{name: {prefix}{name}, {fields.format(f=FILTERS)}{wired}}}\n")
            previous = prefix + BLOCK_OUTPUT


def environment() -> dict[str, str]:
    """The children's environment: ours, with bytecode caching allowed and no colour."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    return env


def summary(path: Path) -> dict:
    """Check ``path`` once (exit 0) and summarise its JSON report in a helper process."""
    status = subprocess.run([sys.executable, "-m", "netcheck", "validate", str(path)], cwd=ROOT, env=environment(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if status.returncode != 0:
        raise SystemExit(f"{path.name}: exit {status.returncode}, expected 0\n{status.stderr}")
    report = subprocess.Popen([sys.executable, "-m", "netcheck", "validate", "--format", "json", str(path)],
                              cwd=ROOT, env=environment(), stdout=subprocess.PIPE)
    reader = subprocess.run([sys.executable, "-c", SUMMARY], stdin=report.stdout, capture_output=True, text=True)
    assert report.stdout is not None
    report.stdout.close()
    report.wait()
    if reader.returncode != 0:
        raise SystemExit(f"{path.name}: could not read the JSON report\n{reader.stderr}")
    return json.loads(reader.stdout)


def run(path: Path) -> tuple[float, int]:
    """CPU seconds and peak RSS (bytes) of one ``netcheck validate`` process on ``path``; it must exit 0."""
    process = subprocess.Popen([sys.executable, "-m", "netcheck", "validate", str(path)], cwd=ROOT, env=environment(),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{path.name}: exit {code} in a timed run, expected 0")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024  # ru_maxrss is in KiB on Linux


def megabytes(size: int) -> str:
    if size < 1e6:
        return f"{size / 1e3:.1f} kB"
    return f"{size / 1e6:.0f} MB" if size >= 10e6 else f"{size / 1e6:.1f} MB"


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def main() -> int:
    """Check each pair, then print one row per size: CPU flat and blocks, ratio, target, verdict, peak RSS."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per file (default 3)")
    arguments = parser.parse_args()
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
    print(f"- Python {platform.python_version()} ({sys.executable}), {os.cpu_count()} CPUs, "
          f"load average {', '.join(f'{value:.2f}' for value in os.getloadavg())}")
    print(f"- CPU: median of {arguments.repeat} runs per file (user + system, wait4), flat and blocks alternating; "
          "peak RSS: median ru_maxrss")
    rows = []
    failed = False
    with tempfile.TemporaryDirectory() as folder:
        for repeat, target in CASES:
            flat, blocks = Path(folder, f"flat-{repeat}.yaml"), Path(folder, f"blocks-{repeat}.yaml")
            write_flat(flat, repeat)
            write_blocks(blocks, repeat)
            flat_summary, blocks_summary = summary(flat), summary(blocks)
            for name, found in (("flat", flat_summary), ("blocks", blocks_summary)):
                assert found["ok"] and found["errors"] == 0 and found["warnings"] == 0, (name, found)
                assert found["layers"] == len(STEM) + len(BLOCK) * repeat, (name, found["layers"])
            assert flat_summary["totals"] == blocks_summary["totals"], (flat_summary, blocks_summary)
            assert flat_summary["digest"] == blocks_summary["digest"], "the layers differ"
            totals = ", ".join(f"{key} {value:,}" for key, value in blocks_summary["totals"].items())
            print(f"- repeat {repeat:,}: {blocks_summary['layers']:,} layers, the same in both files; totals: {totals}",
                  flush=True)
            flat_runs, blocks_runs = [], []
            for _ in range(arguments.repeat):
                flat_runs.append(run(flat))
                blocks_runs.append(run(blocks))
            flat_median = statistics.median(cpu for cpu, _ in flat_runs)
            blocks_median = statistics.median(cpu for cpu, _ in blocks_runs)
            flat_rss = int(statistics.median(rss for _, rss in flat_runs))
            blocks_rss = int(statistics.median(rss for _, rss in blocks_runs))
            ratio = blocks_median / flat_median
            if target is None:
                target_text, verdict = "–", "–"
            else:
                met = ratio <= target
                failed |= not met
                target_text, verdict = f"≤ {target:g}×", "**pass**" if met else f"**FAIL** (by {ratio / target:.2f}×)"
            rows.append(f"| {blocks_summary['layers']:,} | {repeat:,} | {megabytes(flat.stat().st_size)} | "
                        f"{megabytes(blocks.stat().st_size)} | {seconds(flat_median)} | {seconds(blocks_median)} | "
                        f"{ratio:.2f}× | {target_text} | {verdict} | {megabytes(flat_rss)} | {megabytes(blocks_rss)} |")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(f"- this process's peak RSS: {megabytes(own)} (a floor under every child's ru_maxrss)")
    print()
    print("| layers | repeat | flat file | blocks file | flat CPU | blocks CPU | blocks ÷ flat | target | verdict "
          "| flat peak RSS | blocks peak RSS |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(row)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
