"""How soon ``netcheck lsp`` answers a keystroke in a 1,000-layer spec (issue 15: within 200 ms).

One server (``python -m netcheck lsp``) is started and driven over stdio by
pygls's own client, as an editor drives it. The document is
``specgen.sequential(1000)``, opened once; then each round sends one
``didChange`` with the whole text (as ``TextDocumentSyncKind.Full`` asks)
and measures the wall time until the first ``publishDiagnostics`` of that
version arrives, then sends the next keystroke at once (someone typing).
Rounds alternate between two texts one keystroke apart: the first
convolution's ``stride: 1`` typed as ``stride: 3`` (an NC101 error) and back
(no violation). The figure includes the server's debounce
(``netcheck.lsp.server.DEBOUNCE``), the JSON round trip, the check and the
diagnostics.

After the typing, one more keystroke makes the error and the typing stops:
the second publication of that version, with the fixes searched and named,
is timed too (it waits ``FIX_DELAY`` of quiet first, by design).

In-process, the two texts are also checked by ``features.analyze`` alone
(what the worker thread runs): without the fix search (the first step) and
with it. On Linux the server's own CPU time over the typing is read from
``/proc`` too: per keystroke, plus the debounce, it is what the wall time
would be on an idle core, whatever else the machine is doing.

    python3 benchmarks/lsp.py              # 41 rounds (about 15 seconds)
    python3 benchmarks/lsp.py --rounds 101 --layers 2000

Needs the ``lsp`` extra (pygls). Prints a small markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import specgen  # noqa: E402  (sibling module, found through HERE)
from lsprotocol import types  # noqa: E402
from pygls.lsp.client import LanguageClient  # noqa: E402

from netcheck.lsp import features  # noqa: E402
from netcheck.lsp.server import DEBOUNCE, FIX_DELAY  # noqa: E402

TARGET_MS = 200.0
ERROR = "an error (NC101)"
CLEAN = "a valid spec"
URI = "file:///benchmark/sequential.yaml"


def texts(layers: int) -> tuple[str, str]:
    """The clean spec and the same spec with one keystroke that breaks it (NC101 on the first convolution)."""
    clean = specgen.sequential(layers).replace("    padding: 1\n", "    padding: 1\n    stride: 1\n", 1)
    broken = clean.replace("stride: 1", "stride: 3", 1)
    assert clean != broken
    return clean, broken


def cpu_ms(pid: int) -> float | None:
    """The CPU time (user + system) process ``pid`` has used, in ms; None where ``/proc`` does not tell."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def session(clean: str, broken: str, rounds: int) -> tuple[dict[str, list[float]], float, float | None]:
    """The first-diagnostics times of each kind of keystroke, the time to the fixes after a pause, CPU/keystroke."""
    client = LanguageClient("netcheck-benchmark", "1")
    arrivals: dict[tuple[int, int], asyncio.Future[list[types.Diagnostic]]] = {}
    counts: dict[int, int] = {}

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        version = -1 if params.version is None else params.version
        counts[version] = counts.get(version, 0) + 1
        future = arrivals.get((version, counts[version]))
        if future is not None and not future.done():
            future.set_result(list(params.diagnostics))

    async def keystroke(version: int, text: str, nth: int = 1) -> tuple[float, list[types.Diagnostic]]:
        arrivals[(version, nth)] = loop.create_future()
        started = time.perf_counter()
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(version=version, uri=URI),
            [types.TextDocumentContentChangeWholeDocument(text)]))
        found = await asyncio.wait_for(arrivals[(version, nth)], 120)
        return (time.perf_counter() - started) * 1000, found

    await client.start_io(sys.executable, "-m", "netcheck", "lsp")
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities()))
    client.initialized(types.InitializedParams())
    loop = asyncio.get_running_loop()
    arrivals[(1, 1)] = loop.create_future()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(URI, "yaml", 1, clean)))
    await asyncio.wait_for(arrivals[(1, 1)], 120)
    times: dict[str, list[float]] = {ERROR: [], CLEAN: []}
    pid = client._server.pid if client._server is not None else -1
    cpu_before = cpu_ms(pid)
    for version in range(2, rounds + 2):
        text = broken if version % 2 == 0 else clean
        elapsed, found = await keystroke(version, text)
        assert bool(found) == (text is broken), found
        times[ERROR if text is broken else CLEAN].append(elapsed)
    cpu_after = cpu_ms(pid)
    cpu = None if cpu_before is None or cpu_after is None else (cpu_after - cpu_before) / rounds
    paused, found = await keystroke(rounds + 2 + rounds % 2, broken, nth=2)
    assert "fix:" in found[0].message, found
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times, paused, cpu


def in_process(text: str, fixes: bool, repeat: int = 5) -> float:
    """The median ms of ``features.analyze`` and the diagnostics on ``text``."""
    figures = []
    for _ in range(repeat):
        started = time.perf_counter()
        analysis = features.analyze(text, None, fixes=fixes)
        features.diagnostics(analysis, URI)
        figures.append((time.perf_counter() - started) * 1000)
    return statistics.median(figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--layers", type=int, default=1000)
    arguments = parser.parse_args()
    clean, broken = texts(arguments.layers)
    times, paused, cpu = asyncio.run(session(clean, broken, arguments.rounds))
    print(f"`netcheck lsp`, {arguments.layers:,}-layer spec ({len(clean):,} characters), "
          f"{arguments.rounds} keystrokes, debounce {DEBOUNCE * 1000:.0f} ms; target ≤ {TARGET_MS:.0f} ms\n")
    print("| a keystroke that gives | keystroke to diagnostics, median ms | p90 ms | max ms "
          "| the check alone (no fix search), ms |")
    print("|---|---:|---:|---:|---:|")
    for (label, figures), text in zip(times.items(), (broken, clean)):
        p90 = statistics.quantiles(figures, n=10)[-1] if len(figures) >= 2 else figures[0]
        print(f"| {label} | {statistics.median(figures):.0f} | {p90:.0f} | {max(figures):.0f} | "
              f"{in_process(text, fixes=False):.0f} |")
    print(f"\nAfter a pause: the error's diagnostics with its fixes named, {paused:.0f} ms after the keystroke "
          f"(of which {FIX_DELAY * 1000:.0f} ms waiting for quiet; the check with the fix search alone: "
          f"{in_process(broken, fixes=True):.0f} ms).")
    if cpu is not None:
        print(f"\nThe server's CPU per keystroke: {cpu:.0f} ms; with the debounce, {cpu + DEBOUNCE * 1000:.0f} ms "
              f"from keystroke to diagnostics on an idle core (load average now: {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} cores).")
    worst = max(statistics.median(figures) for figures in times.values())
    print(f"\nmedian keystroke to diagnostics: {worst:.0f} ms ({'within' if worst <= TARGET_MS else 'OVER'} "
          f"the {TARGET_MS:.0f} ms target)")


if __name__ == "__main__":
    main()
