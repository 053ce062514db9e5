#!/usr/bin/env python3
"""Where netcheck's time goes: imports, phases, hot functions, the garbage collector.

    python3 benchmarks/hotspots.py imports [--file specs/lenet5.yaml] [--runs 7] [--top 15]
    python3 benchmarks/hotspots.py budget [--runs 15]       # cold start built up step by step, vs yamllint
    python3 benchmarks/hotspots.py phases  [--layers 10000] [--shape sequential|branched]
    python3 benchmarks/hotspots.py cprofile [--layers 10000] [--shape branched] [--top 25]
    python3 benchmarks/hotspots.py all                      # imports, then phases and cprofile at 10k and 100k

``imports`` runs the installed console script under ``python -X importtime``
``--runs`` times and prints the median self and cumulative time per module,
the top-level breakdown, and who pulls in the usual heavy modules.
``budget`` times whole processes that import more and more of netcheck,
paired with yamllint, to show what each layer of the start-up costs.
``phases`` times read/parse, pydantic validation, the engine (+ locating and
fixes) and rendering in one process, and the garbage collector's share.
``cprofile`` profiles ``check_path`` + text rendering on a generated spec.

The phase split uses netcheck's internal functions (source.read_file,
validation.to_network, checker.check_network, report.renderer); if those move,
``phases`` says so and ``cprofile`` still works through ``check_path``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import itertools
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import specgen  # noqa: E402

HEAVY = ("typer", "click", "rich", "pydantic", "pydantic_core", "yaml", "jsonschema", "asyncio", "email",
         "importlib.metadata", "certifi", "ssl", "inspect", "difflib", "json", "dataclasses", "pathlib",
         "typing_extensions", "annotated_types", "tempfile", "logging", "concurrent.futures", "netcheck.schema",
         "netcheck.report.sarif", "netcheck.fixing", "torch")
LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


# ----------------------------------------------------------------------------- imports


def _script() -> list[str]:
    beside = Path(sys.executable).parent / "netcheck"
    return [str(beside)] if beside.is_file() else ["-m", "netcheck"]


def importtime_runs(file: str, runs: int) -> list[list[tuple[str, int, int, int]]]:
    """Each run's lines: (module, self µs, cumulative µs, depth), in importtime's (post-)order."""
    results = []
    for _ in range(runs + 1):  # the first run warms the caches and is dropped
        done = subprocess.run([sys.executable, "-X", "importtime", *_script(), "validate", file], cwd=ROOT,
                              capture_output=True, text=True, check=False)
        lines = []
        for line in done.stderr.splitlines():
            match = LINE.match(line)
            if match:
                lines.append((match.group(4), int(match.group(1)), int(match.group(2)), len(match.group(3)) // 2))
        results.append(lines)
    return results[1:]


def parents(lines: list[tuple[str, int, int, int]]) -> dict[str, str]:
    """Who imported whom: in importtime's post-order a module's parent is the next line one level up."""
    found: dict[str, str] = {}
    for index, (name, _, _, depth) in enumerate(lines):
        for later in lines[index + 1:]:
            if later[3] < depth:
                found[name] = later[0]
                break
    return found


def imports(file: str, runs: int, top: int) -> None:
    all_runs = importtime_runs(file, runs)
    selfs: dict[str, list[int]] = {}
    cums: dict[str, list[int]] = {}
    depth: dict[str, int] = {}
    for lines in all_runs:
        for name, own, cumulative, level in lines:
            selfs.setdefault(name, []).append(own)
            cums.setdefault(name, []).append(cumulative)
            depth.setdefault(name, level)
    med_self = {name: statistics.median(values) for name, values in selfs.items()}
    med_cum = {name: statistics.median(values) for name, values in cums.items()}
    roots = [name for name, level in depth.items() if level == 0]
    total = sum(med_cum[name] for name in roots)
    up = parents(all_runs[0])
    print(f"## Import time: {' '.join(_script())} validate {file} (median of {runs} runs, -X importtime)\n")
    print(f"All imports together (sum of top-level cumulative): **{total / 1000:.1f} ms**, "
          f"{len(med_cum)} modules.\n")
    print(f"### Top {top} modules by cumulative time\n")
    print("| module | cumulative | self | imported by |")
    print("|---|---|---|---|")
    for name in sorted(med_cum, key=lambda n: -med_cum[n])[:top]:
        print(f"| {name} | {med_cum[name] / 1000:.1f} ms | {med_self[name] / 1000:.1f} ms | {up.get(name, '(top)')} |")
    print("\n### Top-level imports (depth 0)\n")
    print("| module | cumulative |")
    print("|---|---|")
    for name in sorted(roots, key=lambda n: -med_cum[n]):
        if med_cum[name] >= 300:
            print(f"| {name} | {med_cum[name] / 1000:.1f} ms |")
    print("\n### Heavy or avoidable modules loaded, and the chain that loads them\n")
    print("| module | cumulative | chain (importer first) |")
    print("|---|---|---|")
    for name in HEAVY:
        if name not in med_cum:
            continue
        chain = []
        step = name
        while step in up and len(chain) < 8:
            step = up[step]
            chain.append(step)
        print(f"| {name} | {med_cum[name] / 1000:.1f} ms | {' ← '.join(chain) or '(top)'} |")
    absent = [name for name in HEAVY if name not in med_cum]
    print(f"\nNot loaded: {', '.join(absent) or 'none of the list'}.\n")


# ----------------------------------------------------------------------------- phases


class GcClock:
    """Time spent in the garbage collector, through gc.callbacks."""

    def __init__(self) -> None:
        self.total = 0.0
        self.collections = [0, 0, 0]
        self._start = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._start = time.perf_counter()
        else:
            self.total += time.perf_counter() - self._start
            self.collections[info["generation"]] += 1

    def __enter__(self) -> GcClock:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def generated(shape: str, layers: int, folder: Path) -> str:
    path = folder / f"{shape}-{layers}.yaml"
    if not path.exists():
        path.write_text(specgen.GENERATORS[shape](layers), encoding="utf-8")
    return str(path)


def phases(path: str, runs: int = 4) -> None:
    t0 = time.perf_counter()
    try:
        from netcheck import checker, source, validation
        from netcheck.report import Settings, renderer
        from netcheck.results import Options
    except ImportError as error:
        print(f"phases: netcheck's internals moved ({error}); use cprofile")
        return
    imported = time.perf_counter() - t0
    rows: dict[str, list[float]] = {}
    gc_share: list[tuple[float, list[int]]] = []
    for _ in range(runs):
        gc.collect()
        with GcClock() as clock:
            marks = [("start", time.perf_counter())]
            document = source.read_file(path)
            marks.append(("read + parse (source.read_file)", time.perf_counter()))
            network, _ = validation.to_network(document)
            marks.append(("pydantic validation (validation.to_network)", time.perf_counter()))
            report = checker.check_network(network, Options(), path, document.data)
            marks.append(("engine + locate + fixes (checker.check_network)", time.perf_counter()))
            text = renderer("text")([report], Settings(color=False))
            marks.append(("render text report", time.perf_counter()))
            del document, network, report, text
            marks.append(("freeing the objects (del)", time.perf_counter()))
        for (_, before), (name, after) in itertools.pairwise(marks):
            rows.setdefault(name, []).append(after - before)
        gc_share.append((clock.total, clock.collections))
    cold = {name: values[0] for name, values in rows.items()}
    warm = {name: statistics.median(values[1:]) for name, values in rows.items()} if runs > 1 else cold
    total_cold, total_warm = sum(cold.values()), sum(warm.values())
    print(f"### Phases, {path} (in one process; netcheck's imports took {imported * 1000:.1f} ms first; "
          f"gc thresholds {gc.get_threshold()})\n")
    print("The first run is what the CLI pays (pydantic builds its validators on first use);"
          f" warm is the median of the {runs - 1} runs after it.\n")
    print("| phase | first run | share | warm | share |")
    print("|---|---|---|---|---|")
    for name in rows:
        print(f"| {name} | {_t(cold[name])} | {cold[name] / total_cold:.0%} | {_t(warm[name])} | "
              f"{warm[name] / total_warm:.0%} |")
    print(f"| **total** | {_t(total_cold)} | | {_t(total_warm)} | |")
    first_gc, first_collections = gc_share[0]
    print(f"\nGarbage collector inside the first run: {_t(first_gc)} ({first_gc / total_cold:.0%}); "
          f"collections (gen0, gen1, gen2): {first_collections}.\n")


def _t(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


# ----------------------------------------------------------------------------- cProfile


def profile(path: str, top: int, no_gc: bool = False, dump: str | None = None) -> None:
    from netcheck.checker import check_path
    from netcheck.report import Settings, renderer

    if no_gc:
        gc.disable()
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    report = check_path(path)
    renderer("text")([report], Settings(color=False))
    profiler.disable()
    elapsed = time.perf_counter() - start
    if dump:
        profiler.dump_stats(dump)
        return
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    collector = "off" if no_gc else "on: its pauses count as own time of whichever function allocates"
    print(f"### cProfile, {path}: {elapsed:.2f} s under the profiler (ok={report.ok}, garbage collector {collector})\n")
    for key, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
        stats.sort_stats(key)
        print(f"Top {top} by {title}:\n")
        print("| function | calls | own | cumulative |")
        print("|---|---|---|---|")
        width = stats.fcn_list[:top] if stats.fcn_list else []  # type: ignore[attr-defined]
        for func in width:
            cc, nc, tt, ct, _ = stats.stats[func]  # type: ignore[attr-defined]
            filename, line, name = func
            where = filename.replace(str(ROOT) + "/", "")
            for marker in ("site-packages/", "lib/python3"):
                if marker in where:
                    where = where.split(marker, 1)[1]
            calls = f"{nc}" if nc == cc else f"{nc}/{cc}"
            print(f"| {where}:{line} {name} | {calls} | {tt:.3f} s | {ct:.3f} s |")
        print()


def growth(shape: str, small: int, top: int, folder: Path) -> None:
    """Own time per function at ``small`` and 10x ``small`` layers (gc off): what grows faster than linear."""
    big = small * 10
    stats = {}
    for layers in (small, big):
        dump = str(folder / f"{shape}-{layers}.prof")
        subprocess.run([sys.executable, __file__, "cprofile", "--layers", str(layers), "--shape", shape, "--no-gc",
                        "--dump", dump], check=True)
        loaded = pstats.Stats(dump)
        stats[layers] = {func: (row[1], row[2]) for func, row in loaded.stats.items()}  # type: ignore[attr-defined]
    total_small = sum(own for _, own in stats[small].values())
    total_big = sum(own for _, own in stats[big].values())
    print(f"### Growth per 10×, {shape} {small:,} → {big:,} layers (cProfile own time, garbage collector off)\n")
    print(f"Total own time: {total_small:.2f} s → {total_big:.2f} s ({total_big / total_small:.1f}×). "
          "Linear is 10×; a function well above 10× (and not tiny) scales worse than linearly.\n")
    print("| function | calls | own, small | own, big | × |")
    print("|---|---|---|---|---|")
    ranked = sorted(stats[big].items(), key=lambda item: -item[1][1])[:top]
    for func, (calls, own) in ranked:
        before_calls, before = stats[small].get(func, (0, 0.0))
        filename, line, name = func
        where = filename.replace(str(ROOT) + "/", "")
        for marker in ("site-packages/", "lib/python3"):
            if marker in where:
                where = where.split(marker, 1)[1]
        factor = f"{own / before:.1f}×" if before > 0 else "new"
        print(f"| {where}:{line} {name} | {before_calls:,} → {calls:,} | {before:.3f} s | {own:.3f} s | {factor} |")
    print()


def budget(rounds: int) -> None:
    """The cold start built up step by step, as whole processes in paired rounds (run.py's machinery)."""
    import random

    import run

    python = sys.executable
    netcheck = run.executable("netcheck")
    yamllint = run.executable("yamllint")
    steps = [
        ("python -c pass", [python, "-c", "pass"]),
        ("+ import yaml (PyYAML + libyaml)", [python, "-c", "import yaml"]),
        ("+ from pydantic import BaseModel", [python, "-c", "import yaml; from pydantic import BaseModel"]),
        ("+ import netcheck.spec (model classes, defer_build)", [python, "-c", "import yaml, netcheck.spec"]),
        ("+ build the Network validator (model_rebuild)",
         [python, "-c", "import yaml, netcheck.spec as s; s.Network.model_rebuild()"]),
        ("+ import netcheck (every module of the validate path)",
         [python, "-c", "import netcheck, netcheck.spec as s; s.Network.model_rebuild()"]),
        ("netcheck validate specs/lenet5.yaml", [netcheck, "validate", "specs/lenet5.yaml"] if netcheck else None),
    ]
    cases = [run.Case(f"step{i}", label, argv) for i, (label, argv) in enumerate(steps)]
    lint = run.Case("yamllint", "yamllint specs/lenet5.yaml", [yamllint, "specs/lenet5.yaml"] if yamllint else None,
                    (0, 1))
    run.paired_rounds([*cases, lint], rounds, random.Random(6), "budget")
    print(f"### Cold-start budget, step by step ({rounds} paired rounds of whole processes)\n")
    print("| step | median | this step adds (paired) | ÷ yamllint (paired) |")
    print("|---|---|---|---|")
    previous = None
    for case in cases:
        added = run.paired_difference(case, previous) if previous is not None and previous.available else None
        versus = run.paired_ratio(case, lint) if lint.available and case.available else None
        print(f"| {case.label} | {run.ms(case.median())} | {run.ms(added) if added is not None else '–'} | "
              f"{versus[0]:.2f}× |" if versus else f"| {case.label} | {run.ms(case.median())} | – | – |")
        previous = case
    print(f"| {lint.label} | {run.ms(lint.median())} | | 1 |")
    print(f"\nThe target is ≤ {run.TARGET_VS_YAMLLINT}× yamllint.\n")


# ----------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("imports", "budget", "phases", "cprofile", "growth", "all"))
    parser.add_argument("--no-gc", action="store_true", help="cprofile with the garbage collector off")
    parser.add_argument("--gc-threshold", help="phases/cprofile: gc.set_threshold first, e.g. 100000,50,100 "
                        "(to match what the CLI's entry point sets)")
    parser.add_argument("--dump", help="cprofile: write the raw stats here instead of printing")
    parser.add_argument("--file", help="the spec to use (default: LeNet-5 for imports, a generated one otherwise)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--top", type=int, default=0)
    parser.add_argument("--layers", type=int, default=10_000)
    parser.add_argument("--phase-runs", type=int, default=4, help="in-process runs for phases (first is cold)")
    parser.add_argument("--shape", choices=tuple(specgen.GENERATORS), default="branched")
    args = parser.parse_args()
    args.file_given = args.file is not None
    if args.gc_threshold:
        gc.set_threshold(*(int(part) for part in args.gc_threshold.split(",")))
    args.file = args.file or "specs/lenet5.yaml"
    with tempfile.TemporaryDirectory(prefix="netcheck-profile-") as temp:
        folder = Path(temp)
        if args.what in ("imports", "all"):
            imports(args.file, args.runs, args.top or 15)
        if args.what in ("budget", "all"):
            budget(args.runs if args.runs != 7 else 15)
        target = args.file if args.file_given else None
        if args.what == "phases":
            phases(target or generated(args.shape, args.layers, folder), args.phase_runs)
        if args.what == "cprofile":
            profile(target or generated(args.shape, args.layers, folder), args.top or 25, args.no_gc, args.dump)
        if args.what == "growth":
            growth(args.shape, args.layers, args.top or 20, folder)
        if args.what == "all":
            # Each in a fresh process, so one size's garbage does not weigh on the next.
            extra = ["--gc-threshold", args.gc_threshold] if args.gc_threshold else []
            for layers in (10_000, 100_000):
                for what in ("phases", "cprofile"):
                    sys.stdout.flush()
                    subprocess.run([sys.executable, __file__, what, "--layers", str(layers), "--shape", args.shape,
                                    "--top", str(args.top or 20), *extra], check=False)
            sys.stdout.flush()
            growth(args.shape, 10_000, args.top or 20, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
