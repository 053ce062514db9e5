#!/usr/bin/env python3
"""netcheck's benchmark: whole-process runs, paired with its peers, medians.

    python3 benchmarks/run.py                 # the full run (about 5-8 minutes on 2 cores)
    python3 benchmarks/run.py --quick         # a fast pass (1-2 minutes): fewer rounds, no 100k layers
    python3 benchmarks/run.py --repeat 31     # more cold-start rounds (the other sections scale with it)
    python3 benchmarks/run.py --only cold,many --json raw.json

Every figure is a fresh process started the way a user starts it (the
console-script executable next to ``sys.executable``, never a pyenv shim),
timed from spawn to exit with ``perf_counter``; its peak memory is the child's
own ``ru_maxrss`` from ``os.wait4``. Within a round every command of a section
runs once, in a shuffled order; ratios are the median of the per-round ratios
(paired), so a slow patch of the machine slows both sides of a ratio.
Before timing, each command runs once untimed (warm caches, and its exit
status and output are checked), so a broken peer shows as such, not as fast.

Only the standard library is needed; peers that are not installed are marked
"not installed". The markdown table goes to stdout, progress to stderr.
See benchmarks/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata, util
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import specgen  # noqa: E402  (sibling module, found through HERE)

VALID = ROOT / "specs" / "lenet5.yaml"
INVALID = ROOT / "tests" / "broken" / "NC101_quiz_stride3.yaml"
RESNET = ROOT / "specs" / "resnet18.yaml"
SCHEMA = ROOT / "schemas" / "netcheck.schema.json"
SIZES = (100, 1_000, 10_000, 100_000)
MANY = 1_000
TIMEOUT = 180.0  # seconds; no single run should come near it
MB = 1024 * 1024 if sys.platform == "darwin" else 1024  # ru_maxrss is bytes on macOS, KiB on Linux
NOISY_ENV = ("PYTHONPROFILEIMPORTTIME", "PYTHONDEVMODE", "PYTHONTRACEMALLOC", "PYTHONMALLOC", "PYTHONASYNCIODEBUG",
             "PYTHONDONTWRITEBYTECODE", "PYTHONBREAKPOINT", "PYTHONVERBOSE")

# The targets (issue 6).
TARGET_VS_YAMLLINT = 1.6
TARGET_VS_JSONSCHEMA = 0.7
TARGET_10K_SECONDS = 1.5
TARGET_100K_OVER_10K = 12.0
TARGET_MANY_SECONDS = 2.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- executables


def _is_shim(path: str) -> bool:
    """A pyenv/asdf shim is a shell script that re-resolves the interpreter (~60 ms each call)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError:
        return False
    return head.startswith(b"#!") and b"python" not in head.split(b"\n", 1)[0] and (
        b"pyenv" in head or b"asdf" in head)


def executable(name: str) -> str | None:
    """The real console script: beside ``sys.executable`` first, else on PATH (shims resolved or refused)."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        return None
    if _is_shim(found) and shutil.which("pyenv"):
        resolved = subprocess.run(["pyenv", "which", name], capture_output=True, text=True, check=False)
        if resolved.returncode == 0 and resolved.stdout.strip():
            return resolved.stdout.strip()
    return None if _is_shim(found) else found


def version_of(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in NOISY_ENV}
    env["NO_COLOR"] = "1"
    return env


ENV = clean_env()

# ----------------------------------------------------------------------------- measuring


@dataclass(slots=True)
class Sample:
    seconds: float
    rss_mb: float | None
    status: int


@dataclass(slots=True)
class Case:
    """One command in a section: how to run it and what a correct run looks like."""

    key: str
    label: str
    argv: list[str] | None  # None: not installed / skipped
    expect_status: tuple[int, ...] = (0,)
    expect_stdout: str | None = None  # a substring the untimed check run must print
    note: str = ""
    samples: list[Sample] = field(default_factory=list)
    problem: str | None = None  # set when the check run was not what was expected

    @property
    def available(self) -> bool:
        return self.argv is not None and self.problem is None

    def times(self) -> list[float]:
        return [sample.seconds for sample in self.samples]

    def median(self) -> float | None:
        return statistics.median(self.times()) if self.samples else None

    def rss(self) -> float | None:
        values = [sample.rss_mb for sample in self.samples if sample.rss_mb is not None]
        return statistics.median(values) if values else None


def gnu_time() -> str | None:
    """GNU time, if present: it measures peak RSS from a tiny parent (see ``spawn``)."""
    path = "/usr/bin/time"
    if not os.access(path, os.X_OK):
        return None
    probe = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    return path if "GNU" in probe.stdout + probe.stderr else None


GNU_TIME = gnu_time()
RSS_FILE = Path(tempfile.gettempdir()) / f"netcheck-bench-rss-{os.getpid()}"


def spawn(argv: list[str], capture: bool = False) -> tuple[Sample, str, str]:
    """Run ``argv`` once from the repo root; wall time, the child's own peak RSS, exit status.

    Linux carries the spawning process's RSS high-water mark across exec into the
    child's ``ru_maxrss``, so a child of this (large) benchmark process would
    never report less than the benchmark's own size. Under GNU time the child is
    spawned by a ~2 MB C process instead, and its figure is its own; wall time
    includes that extra fork (well under 1 ms, the same for every command).
    Without GNU time, ``os.wait4``'s figure is used and is an upper bound.
    """
    pipe = subprocess.PIPE if capture else subprocess.DEVNULL
    if GNU_TIME and not capture:
        argv = [GNU_TIME, "-f", "%M", "-o", str(RSS_FILE), "--", *argv]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=ENV, stdin=subprocess.DEVNULL, stdout=pipe, stderr=pipe)
    if capture:
        try:
            out, err = proc.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        elapsed = time.perf_counter() - start
        return Sample(elapsed, None, proc.returncode), out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    if hasattr(os, "wait4"):
        timer = threading.Timer(TIMEOUT, proc.kill)  # a hung command is killed and shows as exit -9
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        rss = usage.ru_maxrss / MB
        if GNU_TIME:
            with contextlib.suppress(OSError, ValueError, IndexError):
                rss = int(RSS_FILE.read_text().split()[-1]) / 1024
        return Sample(elapsed, rss, proc.returncode), "", ""
    proc.wait()  # pragma: no cover - no wait4 (Windows): no per-child memory
    return Sample(time.perf_counter() - start, None, proc.returncode), "", ""


def check_run(case: Case) -> None:
    """The untimed first run: warms caches and verifies the command does the expected work."""
    if case.argv is None:
        return
    sample, out, err = spawn(case.argv, capture=True)
    if sample.status not in case.expect_status:
        tail = (err.strip() or out.strip()).splitlines()[-1:] or [""]
        case.problem = f"exit {sample.status} (expected {'/'.join(map(str, case.expect_status))}): {tail[0][:160]}"
    elif case.expect_stdout is not None and case.expect_stdout not in out:
        case.problem = f"output lacks {case.expect_stdout!r}: {out.strip()[:160]!r}"
    if case.problem:
        log(f"  ! {case.label}: {case.problem}")


def paired_rounds(cases: list[Case], rounds: int, rng: random.Random, title: str) -> None:
    """``rounds`` rounds; each runs every available case once, in a fresh shuffled order."""
    for case in cases:
        check_run(case)
    live = [case for case in cases if case.available]
    began = time.perf_counter()
    for number in range(rounds):
        order = live[:]
        rng.shuffle(order)
        for case in order:
            case.samples.append(spawn(case.argv)[0])  # type: ignore[arg-type]
        log(f"  {title}: round {number + 1}/{rounds} ({time.perf_counter() - began:.0f} s)")


def paired_ratio(a: Case, b: Case) -> tuple[float, float, float] | None:
    """Median, and quartiles, of a's time / b's time over the rounds both ran."""
    pairs = [x.seconds / y.seconds for x, y in zip(a.samples, b.samples) if y.seconds > 0]
    if not pairs:
        return None
    low, high = quartiles(pairs)
    return statistics.median(pairs), low, high


def paired_excess_ratio(a: Case, b: Case, base: Case) -> tuple[float, float, float] | None:
    """(a − base) / (b − base), per round: growth with the fixed start-up taken out of both sides."""
    pairs = [(x.seconds - z.seconds) / (y.seconds - z.seconds)
             for x, y, z in zip(a.samples, b.samples, base.samples) if y.seconds - z.seconds > 0.02]
    if len(pairs) < max(1, len(a.samples) // 2):
        return None
    low, high = quartiles(pairs)
    return statistics.median(pairs), low, high


def paired_difference(a: Case, b: Case) -> float | None:
    diffs = [x.seconds - y.seconds for x, y in zip(a.samples, b.samples)]
    return statistics.median(diffs) if diffs else None


def quartiles(values: list[float]) -> tuple[float, float]:
    if len(values) < 4:
        return min(values), max(values)
    q = statistics.quantiles(values, n=4, method="inclusive")
    return q[0], q[2]


# ----------------------------------------------------------------------------- formatting


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.2f} ms" if abs(seconds) < 0.01 else f"{seconds * 1000:.0f} ms"


def secs(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def dur(seconds: float | None) -> str:
    return ms(seconds) if seconds is not None and seconds < 1 else secs(seconds)


def spread(case: Case) -> str:
    if len(case.samples) < 2:
        return "–"
    low, high = quartiles(case.times())
    return f"{dur(low)}–{dur(high)}"


def mb(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} MB"


def ratio(value: tuple[float, float, float] | None, digits: int = 2) -> str:
    if value is None:
        return "–"
    mid, low, high = value
    return f"{mid:.{digits}f}× ({low:.{digits}f}–{high:.{digits}f})"


def status_cell(case: Case) -> str:
    if case.argv is None:
        return case.note or "not installed"
    if case.problem:
        return f"**broken**: {case.problem}"
    statuses = sorted({sample.status for sample in case.samples})
    return "exit " + "/".join(map(str, statuses)) if statuses else "–"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- sections


@dataclass
class Tools:
    netcheck: str
    yamllint: str | None
    check_jsonschema: str | None
    python: str
    schema: str


def cold_start(tools: Tools, rounds: int, rng: random.Random) -> tuple[str, dict[str, object]]:
    sections = []
    figures: dict[str, object] = {}
    groups = []
    for kind, path, status in (("valid", VALID, (0,)), ("invalid", INVALID, (1,))):
        rel = str(path.relative_to(ROOT))
        cases = [
            Case(f"netcheck-{kind}", f"netcheck validate {rel}", [tools.netcheck, "validate", rel], status),
            Case(f"yamllint-{kind}", f"yamllint {rel}",
                 [tools.yamllint, rel] if tools.yamllint else None, (0, 1)),
            Case(f"cjs-{kind}", f"check-jsonschema --schemafile … {rel}",
                 [tools.check_jsonschema, "--schemafile", tools.schema, rel] if tools.check_jsonschema else None,
                 (0,)),
        ]
        groups.append((kind, cases))
    baseline = Case("python", "python -c pass", [tools.python, "-c", "pass"])
    everything = [case for _, cases in groups for case in cases] + [baseline]
    paired_rounds(everything, rounds, rng, "cold start")
    rows = []
    for kind, cases in groups:
        ours = cases[0]
        for case in cases:
            versus = "1 (itself)" if case is ours else (
                ratio(paired_ratio(ours, case)) if ours.available and case.available else "–")
            rows.append([case.label, status_cell(case), dur(case.median()), spread(case), mb(case.rss()), versus])
        if ours.available and cases[1].available:
            figures[f"vs_yamllint_{kind}"] = paired_ratio(ours, cases[1])
        if ours.available and cases[2].available:
            figures[f"vs_jsonschema_{kind}"] = paired_ratio(ours, cases[2])
        figures[f"netcheck_{kind}_median"] = ours.median()
        figures[f"netcheck_{kind}_over_python"] = paired_difference(ours, baseline)
    rows.append([baseline.label, status_cell(baseline), dur(baseline.median()), spread(baseline), mb(baseline.rss()),
                 ratio(paired_ratio(groups[0][1][0], baseline), 1)])
    figures["python_median"] = baseline.median()
    sections.append(f"### Cold start ({rounds} paired rounds)\n")
    sections.append(table(["command", "status", "median", "IQR", "peak RSS", "netcheck ÷ this (paired, IQR)"], rows))
    over = figures.get("netcheck_valid_over_python")
    sections.append(f"\nnetcheck's own start-up and work beyond a bare interpreter (paired median of "
                    f"netcheck − `python -c pass`, valid file): **{ms(over)}**.")  # type: ignore[arg-type]
    figures["_cases"] = everything
    return "\n".join(sections), figures


def scale(tools: Tools, rounds: int, rng: random.Random, workdir: Path, sizes: tuple[int, ...],
          skipped: tuple[int, ...]) -> tuple[str, dict[str, object]]:
    figures: dict[str, object] = {}
    grid: dict[tuple[str, int], tuple[Case, Case, float]] = {}
    cases = []
    # The reading floor: libyaml's event stream alone, which netcheck's loader consumes (no nodes, no objects).
    floor_code = ("import sys\nfrom yaml._yaml import CParser\n"
                  "parser = CParser(open(sys.argv[1], encoding='utf-8').read())\n"
                  "while parser.get_event() is not None: pass")
    for kind, generate in specgen.GENERATORS.items():
        for n in sizes:
            path = workdir / f"{kind}-{n}.yaml"
            text = generate(n)
            path.write_text(text, encoding="utf-8")
            ours = Case(f"{kind}-{n}", f"netcheck {kind} {n}", [tools.netcheck, "validate", str(path)],
                        expect_stdout="0 errors, 0 warnings")
            floor = Case(f"floor-{kind}-{n}", f"libyaml {kind} {n}", [tools.python, "-c", floor_code, str(path)])
            grid[(kind, n)] = (ours, floor, len(text.encode()) / 1e6)
            cases += [ours, floor]
    log(f"  scale: {len(cases)} commands, generated in {workdir}")
    paired_rounds(cases, rounds, rng, "scale")
    rows = []
    for kind in specgen.GENERATORS:
        previous: Case | None = None
        base_rss = None
        smallest = grid[(kind, sizes[0])][0]
        for n in (*sizes, *skipped):
            if n in skipped:
                rows.append([kind, f"{n:,}", "–", "skipped (--quick)", "–", "–", "–", "–", "–", "–", "–"])
                continue
            ours, floor, size_mb = grid[(kind, n)]
            growth = paired_ratio(ours, previous) if previous is not None and previous.available else None
            net = None
            # Only where the smaller run does well above start-up's work (else the ratio is noise over noise).
            if (previous is not None and previous is not smallest and previous.available and smallest.available
                    and previous.median() - smallest.median() >= 0.15):  # type: ignore[operator]
                net = paired_excess_ratio(ours, previous, smallest)
                if net:
                    figures[f"{kind}_{n}_net_growth"] = net
            rss = ours.rss()
            base_rss = base_rss if base_rss is not None else rss
            rss_growth = "–"
            if previous is not None and previous.rss() and rss:
                rss_growth = f"{rss / previous.rss():.1f}×"  # type: ignore[operator]
            rows.append([
                kind, f"{n:,}", f"{size_mb:.2f} MB", dur(ours.median()) if ours.available else status_cell(ours),
                spread(ours), ratio(growth, 1) if growth else "–", ratio(net, 1) if net else "–", mb(rss), rss_growth,
                dur(floor.median()), ratio(paired_ratio(ours, floor), 1) if ours.available and floor.available
                else "–",
            ])
            figures[f"{kind}_{n}"] = ours.median() if ours.available else None
            figures[f"{kind}_{n}_rss"] = rss
            if growth:
                figures[f"{kind}_{n}_growth"] = growth
            previous = ours
    text = (f"### Scale: one generated file of N layers ({rounds} paired rounds)\n\n"
            + table(["shape", "layers", "file", "median", "IQR", "time ×, per 10× (paired)",
                     f"same, net of the {sizes[0]}-layer run", "peak RSS",
                     "RSS ×, per 10×", "libyaml events alone", "netcheck ÷ events (paired)"], rows))
    figures["_cases"] = cases
    return text, figures


def many_files(tools: Tools, rounds: int, rng: random.Random, workdir: Path,
               quick: bool) -> tuple[str, dict[str, object]]:
    folder = workdir / "many"
    folder.mkdir()
    template = VALID.read_text(encoding="utf-8")
    names = []
    for index in range(MANY):
        path = folder / f"lenet5-{index:04d}.yaml"
        path.write_text(specgen.lenet_copy(template, index), encoding="utf-8")
        names.append(str(path))
    ours = Case("many-netcheck", f"netcheck validate DIR ({MANY:,} files)", [tools.netcheck, "validate", str(folder)],
                expect_stdout=f"0 errors, 0 warnings in {MANY} files")
    one = Case("one-netcheck", "netcheck validate (1 file)", [tools.netcheck, "validate", names[0]])
    lint = Case("many-yamllint", f"yamllint DIR ({MANY:,} files)",
                [tools.yamllint, str(folder)] if tools.yamllint else None, (0, 1))
    cjs = Case("many-cjs", f"check-jsonschema --schemafile … ({MANY:,} files)",
               [tools.check_jsonschema, "--schemafile", tools.schema, *names] if tools.check_jsonschema and not quick
               else None, note="skipped (--quick)" if quick and tools.check_jsonschema else "not installed")
    cases = [ours, one, lint, cjs]
    paired_rounds(cases, rounds, rng, "many files")
    rows = []
    for case in cases:
        count = 1 if case is one else MANY
        per_file = None if case.median() is None else case.median() / count  # type: ignore[operator]
        versus = "1 (itself)" if case is ours else (
            ratio(paired_ratio(ours, case)) if ours.available and case.available else "–")
        rows.append([case.label, status_cell(case), dur(case.median()), spread(case), mb(case.rss()),
                     ms(per_file) if per_file is not None and count > 1 else "–", versus])
    marginal = None
    if ours.available and one.available:
        marginal = [(a.seconds - b.seconds) / (MANY - 1) for a, b in zip(ours.samples, one.samples)]
    figures: dict[str, object] = {"many_median": ours.median() if ours.available else None,
                                  "many_rss": ours.rss(), "_cases": cases}
    text = (f"### Many files: {MANY:,} LeNet-size files in one call ({rounds} paired rounds)\n\n"
            + table(["command", "status", "median", "IQR", "peak RSS", "per file", "netcheck ÷ this (paired, IQR)"],
                    rows))
    if marginal:
        text += (f"\n\nMarginal cost per extra file (paired: (1,000-file run − 1-file run) / 999): "
                 f"**{statistics.median(marginal) * 1000:.2f} ms**.")
    return text, figures


def routes(tools: Tools, rounds: int, rng: random.Random) -> tuple[str, dict[str, object]]:
    have_torch = util.find_spec("torch") is not None and util.find_spec("torchinfo") is not None
    have_onnx = util.find_spec("onnx") is not None
    script = str(HERE / "routes.py")
    expected = {"lenet5": ("1x1x10", "61706", "61706"), "resnet18": ("1x1x1000", "11689512", "11699112")}
    groups = []
    for net, spec in (("lenet5", VALID), ("resnet18", RESNET)):
        shape, trainable, total = expected[net]
        rel = str(spec.relative_to(ROOT))
        groups.append((net, [
            Case(f"route-netcheck-{net}", f"netcheck validate {rel}", [tools.netcheck, "validate", rel]),
            Case(f"route-torch-{net}", f"torch + torchinfo.summary, {net} built by hand",
                 [tools.python, script, "torchinfo", net] if have_torch else None,
                 expect_stdout=f"{shape} {trainable}"),
            Case(f"route-onnx-{net}", f"onnx.helper graph + shape_inference, {net}",
                 [tools.python, script, "onnx", net] if have_onnx else None, expect_stdout=f"{shape} {total}"),
        ]))
    cases = [case for _, group in groups for case in group]
    paired_rounds(cases, rounds, rng, "routes")
    rows = []
    figures: dict[str, object] = {"_cases": cases}
    for _, group in groups:
        ours = group[0]
        for case in group:
            versus = "1 (itself)" if case is ours else (
                ratio(paired_ratio(case, ours), 1) if ours.available and case.available else "–")
            rows.append([case.label, status_cell(case), dur(case.median()), spread(case), mb(case.rss()), versus])
    text = (f"### The same work by the peers' routes ({rounds} paired rounds)\n\n"
            + table(["route", "status", "median", "IQR", "peak RSS", "this ÷ netcheck (paired, IQR)"], rows)
            + "\n\nEach route prints the output shape and parameter count, checked against netcheck's "
            "(LeNet-5 1x1x10, 61,706; ResNet-18 1x1x1000, 11,689,512 trainable / 11,699,112 with BN statistics).")
    return text, figures


def targets(figures: dict[str, object], quick: bool) -> str:
    rows = []

    def add(name: str, measured: float | None, limit: float, unit: str, shown: str | None = None) -> None:
        if measured is None:
            rows.append([name, "not measured", f"≤ {limit}{unit}", "–"])
            return
        verdict = "**pass**" if measured <= limit else "**FAIL**"
        over = "" if measured <= limit else f" ({measured / limit:.2f}× the limit)"
        rows.append([name, shown or f"{measured:.2f}{unit}", f"≤ {limit}{unit}", verdict + over])

    yl = figures.get("vs_yamllint_valid")
    add("cold start (valid LeNet) ÷ yamllint, paired median", yl[0] if yl else None, TARGET_VS_YAMLLINT, "×")  # type: ignore[index]
    js = figures.get("vs_jsonschema_valid")
    add("cold start (valid LeNet) ÷ check-jsonschema, paired median", js[0] if js else None, TARGET_VS_JSONSCHEMA,
        "×")  # type: ignore[index]
    ten = [figures.get(f"{kind}_10000") for kind in specgen.GENERATORS]
    ten_known = [value for value in ten if value is not None]
    add("10,000 layers end to end (slower of sequential/branched)", max(ten_known) if ten_known else None,  # type: ignore[type-var]
        TARGET_10K_SECONDS, " s")
    growth = [figures.get(f"{kind}_100000_growth") for kind in specgen.GENERATORS]
    growth_known = [value[0] for value in growth if value]  # type: ignore[index]
    if quick and not growth_known:
        rows.append(["100,000 layers ÷ 10,000 layers (paired)", "skipped (--quick)", f"≤ {TARGET_100K_OVER_10K}×", "–"])
    else:
        add("100,000 layers ÷ 10,000 layers (worse shape, paired)", max(growth_known) if growth_known else None,
            TARGET_100K_OVER_10K, "×")
    nets = [figures.get(f"{kind}_100000_net_growth") for kind in specgen.GENERATORS]
    nets_known = [value[0] for value in nets if value]  # type: ignore[index]
    if nets_known:
        rows.append(["(same, net of the 100-layer run's start-up; 10× is linear)", f"{max(nets_known):.2f}×",
                     "information", "–"])
    add(f"{MANY:,} LeNet files in one call", figures.get("many_median"), TARGET_MANY_SECONDS, " s")  # type: ignore[arg-type]
    text = "### Targets (issue 6)\n\n" + table(["target", "measured", "limit", "result"], rows)
    peaks = [(kind, figures.get(f"{kind}_100000_rss")) for kind in specgen.GENERATORS]
    stated = ", ".join(f"{kind} {mb(value)}" for kind, value in peaks if value is not None)  # type: ignore[arg-type]
    if stated:
        text += f"\n\nPeak memory (RSS) at 100,000 layers: {stated}."
    return text


# ----------------------------------------------------------------------------- machine


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


RSS_METHOD = ("GNU time (%M) around each run" if GNU_TIME else
              "os.wait4 ru_maxrss (an upper bound: includes this script's own RSS at spawn)")


def machine(tools: Tools) -> str:
    cores = os.cpu_count()
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    versions = ", ".join(f"{name} {version_of(name) or 'not installed'}" for name in
                         ("netcheck", "pydantic", "PyYAML", "typer", "yamllint", "check-jsonschema", "torch",
                          "torchinfo", "onnx"))
    git = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True,
                         check=False).stdout.strip() or "unknown"
    entry = "unknown"
    try:
        with open(tools.netcheck, encoding="utf-8") as handle:
            entry = next((line.split()[1] for line in handle if line.startswith("from netcheck")), entry)
    except (OSError, UnicodeDecodeError, IndexError):
        pass
    lines = [
        f"- netcheck at git {git}; console script {tools.netcheck} (entry: {entry})",
        f"- machine: {cpu_model()}, {usable} usable CPUs (nproc; {cores} online), {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}) at {sys.executable}",
        f"- {versions}",
        f"- peak RSS: {RSS_METHOD}",
        f"- load average at start: {', '.join(f'{value:.2f}' for value in load) if load else 'unknown'}",
        f"- date: {time.strftime('%Y-%m-%d %H:%M %Z')}",
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- main


def rounds_for(args: argparse.Namespace) -> dict[str, int]:
    cold = args.repeat if args.repeat else (9 if args.quick else 21)
    other = max(3, math.ceil(cold / 4))
    return {"cold": cold, "scale": other, "many": max(3, math.ceil(cold / 5)) if not args.quick else 3,
            "routes": other}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true",
                        help="fewer rounds, no 100,000-layer files, no check-jsonschema on 1,000 files")
    parser.add_argument("--repeat", type=int, default=0,
                        help="cold-start rounds (default 21, 9 with --quick); scale and routes use max(3, N/4), "
                             "many files max(3, N/5)")
    parser.add_argument("--only", default="cold,scale,many,routes",
                        help="comma-separated sections: cold, scale, many, routes (default: all)")
    parser.add_argument("--seed", type=int, default=6, help="seed of the shuffled order within rounds")
    parser.add_argument("--json", metavar="PATH", help="also write every raw sample here")
    args = parser.parse_args(argv)
    only = {part.strip() for part in args.only.split(",") if part.strip()}
    unknown = only - {"cold", "scale", "many", "routes"}
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    rounds = rounds_for(args)
    rng = random.Random(args.seed)

    netcheck = executable("netcheck")
    if netcheck is None:
        log("netcheck is not installed: run  pip install -e '.[test]'  first")
        return 2
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="netcheck-bench-") as temp:
        workdir = Path(temp)
        schema = SCHEMA
        if not schema.is_file():
            schema = workdir / "netcheck.schema.json"
            made = subprocess.run([netcheck, "schema"], capture_output=True, check=False, env=ENV)
            schema.write_bytes(made.stdout)
        tools = Tools(netcheck, executable("yamllint"), executable("check-jsonschema"), sys.executable, str(schema))
        out = ["## netcheck benchmark", "", machine(tools), "",
               "- schema for check-jsonschema: " + ("schemas/netcheck.schema.json" if schema == SCHEMA
                                                    else "generated by `netcheck schema` (no schemas/ yet)"),
               f"- options: {' '.join(sys.argv[1:]) or '(none)'}; rounds: "
               + ", ".join(f"{key} {value}" for key, value in rounds.items() if key in only), ""]
        figures: dict[str, object] = {}
        raw: dict[str, object] = {}
        sizes = SIZES[:-1] if args.quick else SIZES
        skipped = SIZES[-1:] if args.quick else ()
        steps = [
            ("cold", lambda: cold_start(tools, rounds["cold"], rng)),
            ("scale", lambda: scale(tools, rounds["scale"], rng, workdir, sizes, skipped)),
            ("many", lambda: many_files(tools, rounds["many"], rng, workdir, args.quick)),
            ("routes", lambda: routes(tools, rounds["routes"], rng)),
        ]
        for name, step in steps:
            if name not in only:
                continue
            log(f"{name}:")
            text, found = step()
            for case in found.pop("_cases", []):  # type: ignore[attr-defined]
                raw[case.key] = {"argv": case.argv, "problem": case.problem,
                                 "samples": [[s.seconds, s.rss_mb, s.status] for s in case.samples]}
            figures.update(found)
            out += [text, ""]
        out += [targets(figures, args.quick), ""]
        load = os.getloadavg() if hasattr(os, "getloadavg") else None
        out.append(f"_Whole run: {time.perf_counter() - started:.0f} s; load average at end: "
                   f"{', '.join(f'{value:.2f}' for value in load) if load else 'unknown'}._")
    print("\n".join(out))
    RSS_FILE.unlink(missing_ok=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": {k: v for k, v in figures.items()}, "raw": raw},
                                              indent=1, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
