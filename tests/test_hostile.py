"""Issue 5: netcheck on broken and malicious files (the corpus in tests/hostile/).

Every case of ``hostile_cases.ALL`` runs ``python -m netcheck validate`` in a
subprocess, once per output format, under an address-space rlimit and a
timeout, and must:

* exit with the expected status and never be killed by a signal or time out;
* print no Python traceback;
* stay under 500 MB of peak RSS (the child's own VmHWM, recorded at exit by a
  sitecustomize hook; wait4's figure alone would include pytest's RSS at fork)
  and, by default, 2 s of CPU time (user + system, so that a loaded machine
  does not fail it; ``HOSTILE_TIME_SCALE`` multiplies every budget on a slow
  machine); wall time is reported in the summary, never asserted;
* never run a command from a YAML tag (a canary file must not appear);
* report nothing as an "internal error" (the exception funnel catching a crash);
* produce well-formed output in that format, whose violations all carry a
  line and a column >= 1, the expected codes (at the expected lines), and the
  same number of violations as the JSON report;
* let no raw control character (ESC, CR, NUL, C1, ...) reach stdout/stderr in
  text or github output, and keep JSON/SARIF valid (no NaN, no lone
  surrogates, UTF-8).

Formats the CLI does not know yet (``--format sarif`` exiting 2 on a good
file) are skipped. By default every case runs in JSON and in one other format
(text, SARIF and GitHub in turn, so each format sees a third of the corpus);
``pytest --fuzz`` runs every case in every format, ``HOSTILE_FORMATS=json,text``
exactly the formats given.  A summary of
measured times and memory is printed at the end of the module (and written to
$HOSTILE_REPORT as JSON if that is set).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import hostile_cases as hc  # noqa: E402
from hostile_cases import (  # noqa: E402
    FORMATS,
    MAX_OUTPUT,
    PARSERS,
    Run,
    check_no_controls,
    format_supported,
    parse_json,
    run_netcheck,
)

REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

if importlib.util.find_spec("netcheck") is None:  # pragma: no cover - before the package lands
    pytest.skip("the netcheck package is not importable", allow_module_level=True)

RSS_LIMIT_KB = 500 * 1024           # peak resident set of each run
# HOSTILE_FORMATS=json,text runs exactly these formats; otherwise JSON plus one other in turn (all with --fuzz)
CHOSEN_FORMATS = tuple(f for f in os.environ.get("HOSTILE_FORMATS", "").split(",") if f)
ACTIVE_FORMATS = CHOSEN_FORMATS or FORMATS
OTHER_FORMATS = tuple(f for f in FORMATS if f != "json")
TIME_SCALE = float(os.environ.get("HOSTILE_TIME_SCALE", "1"))


# --------------------------------------------------------------------------- measurements

_RUNS = []          # (case id, format, elapsed, maxrss MB, rc)
_JSON_COUNTS = {}   # case id -> number of violations in the JSON report


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    if not _RUNS:
        return
    total = sum(r[2] for r in _RUNS)
    slow = sorted(_RUNS, key=lambda r: -r[2])[:8]
    fat = sorted(_RUNS, key=lambda r: -r[3])[:5]
    lines = [f"hostile corpus: {len(_RUNS)} runs, {total:.1f}s in subprocesses, "
             f"median {sorted(r[2] for r in _RUNS)[len(_RUNS) // 2]:.2f}s",
             "  slowest: " + ", ".join(f"{i}[{f}] {t:.2f}s" for i, f, t, m, _ in slow),
             "  largest RSS: " + ", ".join(f"{i}[{f}] {m:.0f}MB" for i, f, t, m, _ in fat)]
    hc.show_lines(request.config, lines)
    if os.environ.get("HOSTILE_REPORT"):
        Path(os.environ["HOSTILE_REPORT"]).write_text(json.dumps(
            [dict(case=i, format=f, seconds=round(t, 3), rss_mb=round(m, 1), rc=rc)
             for i, f, t, m, rc in _RUNS], indent=1))


# --------------------------------------------------------------------------- the corpus

def test_manifest_covers_corpus():
    listed = set(hc.F)
    present = set(hc.corpus_files())
    assert present - listed == set(), f"corpus files without expectations: {sorted(present - listed)}"
    assert listed - present == set(), f"expectations without files: {sorted(listed - present)}"
    big = [p.name for p in hc.CORPUS.iterdir() if p.stat().st_size > 64 * 1024]
    assert not big, f"keep committed corpus files small; generate these instead: {big}"


def check_run(case: hc.Case, fmt: str, r: Run, root: Path, work: Path) -> None:
    ctx = r.show()
    assert not r.timed_out, f"timed out after {case.timeout}s{ctx}"
    assert r.rc >= 0, f"killed by signal {-r.rc}{ctx}"
    assert b"Traceback" not in r.out and b"Traceback" not in r.err, f"traceback{ctx}"
    assert r.rc in case.allowed_exits(), f"exit {r.rc}, want {case.exit}{ctx}"
    assert not (work / "netcheck-pwned").exists(), f"a YAML tag ran a command{ctx}"
    assert r.maxrss_kb < RSS_LIMIT_KB, f"peak RSS {r.maxrss_kb // 1024} MB{ctx}"
    budget = case.time * TIME_SCALE
    assert r.cpu < budget, f"took {r.cpu:.2f}s of CPU, budget {budget:.1f}s{ctx}"
    max_out = MAX_OUTPUT if case.time <= 2 else 64 * MAX_OUTPUT
    assert r.out_size <= max_out, f"printed {r.out_size} bytes{ctx}"
    check_no_controls(r.err, "stderr")
    if r.rc == 2:
        return
    try:
        vs, doc = PARSERS[fmt](r.out)
    except AssertionError as e:
        raise AssertionError(f"malformed {fmt} output: {e}{ctx}") from None
    for v in vs:
        ok = isinstance(v.line, int) and isinstance(v.column, int) and v.line >= 1 and v.column >= 1
        assert ok, f"{v.code} without a location (line={v.line!r}, column={v.column!r}){ctx}"
        assert not hc.crash_message(v.message), f"a crash caught by the funnel: {v.message!r}{ctx}"
    codes = {v.code for v in vs}
    has_error = any(v.severity == "error" for v in vs)
    assert has_error == (r.rc == 1), f"exit {r.rc} but error violations={has_error}{ctx}"
    if r.rc == 1:
        missing = [c for c in case.codes if c not in codes]
        assert not missing, f"missing {missing}; got {sorted(codes)}{ctx}"
        if case.any_of:
            assert codes & set(case.any_of), f"want one of {case.any_of}; got {sorted(codes)}{ctx}"
        for w in case.where:
            code, line = w[0], w[1]
            col = w[2] if len(w) > 2 else None
            at = [(v.line, v.column) for v in vs if v.code == code]
            hit = any(ln == line and (col is None or c == col) for ln, c in at)
            assert hit, f"{code} should be at line {line}" + (f" col {col}" if col else "") + f"; at {at}{ctx}"
        text = r.out.decode("utf-8", "replace")
        for m in case.mentions:
            assert m in text, f"output does not mention {m!r}{ctx}"
    bad = [c for c in case.forbid if c in codes]
    assert not bad, f"unexpected {bad}{ctx}"
    if fmt == "json":
        if case.file:
            assert len(doc["files"]) == 1, f"one file given, {len(doc['files'])} reported{ctx}"
        if case.json_check:
            try:
                case.json_check(doc, root)
            except AssertionError as e:
                raise AssertionError(f"{e}{ctx}") from None
        _JSON_COUNTS[case.id] = len(vs)
    elif case.id in _JSON_COUNTS and not case.json_check:
        want = _JSON_COUNTS[case.id]
        assert len(vs) == want, f"{fmt} shows {len(vs)} violations, the JSON report {want}{ctx}"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Pairs of (case, format): all of them with --fuzz or HOSTILE_FORMATS, else JSON plus one other in turn."""
    if metafunc.function.__name__ != "test_hostile":
        return
    every = bool(CHOSEN_FORMATS) or metafunc.config.getoption("--fuzz")
    pairs = [(case, fmt) for fmt in ACTIVE_FORMATS for index, case in enumerate(hc.ALL)
             if every or fmt in ("json", OTHER_FORMATS[index % len(OTHER_FORMATS)])]
    metafunc.parametrize(("case", "fmt"), pairs, ids=[f"{case.id}-{fmt}" for case, fmt in pairs])


def test_hostile(case: hc.Case, fmt: str, tmp_path: Path):
    if case.skip_if is not None:
        why = case.skip_if()
        if why:
            pytest.skip(why)
    if not format_supported(fmt):
        pytest.skip(f"--format {fmt} is not implemented yet")
    work = tmp_path / "cwd"
    work.mkdir()
    root = tmp_path / "in"
    root.mkdir()
    try:
        paths = [str(hc.CORPUS / case.file)] if case.file else list(case.make(root))
        r = run_netcheck(["validate", *paths, *case.args, "--format", fmt], cwd=work,
                         timeout=case.timeout,
                         max_output=MAX_OUTPUT if case.time <= 2 else 64 * MAX_OUTPUT)
        _RUNS.append((case.id, fmt, r.elapsed, r.maxrss_kb / 1024, r.rc))
        check_run(case, fmt, r, root, work)
    finally:
        # undo chmod 000 so that pytest can clean tmp_path
        for p in root.rglob("*"):
            try:
                if not p.is_symlink():
                    p.chmod(0o755 if p.is_dir() else 0o644)
            except OSError:
                pass


# --------------------------------------------------------------------------- per-file isolation

def _isolation_tree(root: Path):
    """Good, broken and hostile files side by side. Returns (good, bad) as (name, code)."""
    w = hc.write
    good = ["good-quiz.yaml", "good-small.yml", "sub/good-crlf.yaml", "x.yaml/good-in-dir-named-yaml.yaml",
            "good-bom.yaml", "sub/deeper/good-after-bomb.yml"]
    w(root / "good-quiz.yaml", hc.QUIZ)
    w(root / "good-small.yml", hc.SMALL)
    w(root / "sub" / "good-crlf.yaml", hc.QUIZ.replace("\n", "\r\n"))
    w(root / "x.yaml" / "good-in-dir-named-yaml.yaml", hc.QUIZ)
    w(root / "good-bom.yaml", "\ufeff" + hc.QUIZ)
    w(root / "sub" / "deeper" / "good-after-bomb.yml", hc.SMALL)
    bad = [("empty.yaml", "NC002"), ("bomb.yaml", "NC001"), ("merge-bomb.yml", "NC001"),
           ("python-tag.yaml", "NC001"), ("latin1.yaml", "NC001"), ("deep.yaml", "NC001"),
           ("dup-key.yaml", "NC003"), ("cycle.yaml", "NC004"), ("huge.yaml", "NC001"),
           ("sub/int5k.yaml", "NC002"), ("sub/ansi-name.yaml", "NC002"), ("sub/utf16.yaml", "NC001"),
           ("sub/deeper/unclosed.yaml", "NC001"), ("sub/deeper/stride3.yaml", "NC101"),
           ("root-list.yaml", "NC002"), ("two-docs.yaml", "NC001")]
    shutil.copy(hc.CORPUS / "bomb-lol-x-key.yaml", root / "bomb.yaml")
    shutil.copy(hc.CORPUS / "bomb-merge-x-key.yaml", root / "merge-bomb.yml")
    shutil.copy(hc.CORPUS / "tag-python-apply.yaml", root / "python-tag.yaml")
    shutil.copy(hc.CORPUS / "sem-dup-key-layer.yaml", root / "dup-key.yaml")
    shutil.copy(hc.CORPUS / "sem-cycle-2.yaml", root / "cycle.yaml")
    shutil.copy(hc.CORPUS / "text-layer-name-ansi.yaml", root / "sub" / "ansi-name.yaml")
    shutil.copy(hc.CORPUS / "struct-unclosed-flow-seq.yaml", root / "sub" / "deeper" / "unclosed.yaml")
    shutil.copy(hc.CORPUS / "sem-strict-rounding.yaml", root / "sub" / "deeper" / "stride3.yaml")
    shutil.copy(hc.CORPUS / "struct-root-list.yaml", root / "root-list.yaml")
    shutil.copy(hc.CORPUS / "struct-multi-doc.yaml", root / "two-docs.yaml")
    w(root / "empty.yaml", "")
    w(root / "latin1.yaml", hc.QUIZ.replace("free text", "caf\u00e9").encode("latin-1"))
    w(root / "deep.yaml", hc.deep_flow_seq(100_000))
    with open(root / "huge.yaml", "wb") as f:
        f.truncate(20 * 2**30)
    w(root / "sub" / "int5k.yaml", hc.QUIZ.replace("filters: 20", "filters: " + "9" * 5000))
    w(root / "sub" / "utf16.yaml", hc.QUIZ.encode("utf-16"))
    maybe = []  # special files: reported as NC001 or skipped, never ok, never a hang
    if hasattr(os, "mkfifo"):
        os.mkfifo(root / "pipe.yaml")
        maybe.append("pipe.yaml")
    os.symlink("missing.yaml", root / "dangling.yaml")
    maybe.append("dangling.yaml")
    if os.path.exists("/dev/zero"):
        os.symlink("/dev/zero", root / "sub" / "zero.yaml")
        maybe.append("sub/zero.yaml")
    w(root / "notes.txt", "not a spec: \x00\xff")  # not *.yaml: never read
    return good, bad, maybe


@pytest.mark.parametrize("fmt", ACTIVE_FORMATS)
def test_isolation_directory(fmt: str, tmp_path: Path):
    """A directory of good, broken and hostile files: every good file is still reported ok."""
    if not format_supported(fmt):
        pytest.skip(f"--format {fmt} is not implemented yet")
    root = tmp_path / "tree"
    good, bad, maybe = _isolation_tree(root)
    work = tmp_path / "cwd"
    work.mkdir()
    r = run_netcheck(["validate", str(root), "--format", fmt], cwd=work, timeout=60)
    _RUNS.append(("isolation-dir", fmt, r.elapsed, r.maxrss_kb / 1024, r.rc))
    ctx = r.show()
    assert not r.timed_out and r.rc == 1, f"want exit 1{ctx}"
    assert b"Traceback" not in r.out + r.err, ctx
    assert r.maxrss_kb < RSS_LIMIT_KB, ctx
    assert r.cpu < 4 * TIME_SCALE, f"took {r.cpu:.2f}s of CPU{ctx}"
    vs, doc = PARSERS[fmt](r.out)
    assert all(isinstance(v.line, int) and v.line >= 1 and v.column >= 1 for v in vs), ctx
    if fmt == "json":
        hc.expect_good(doc, *good)
        for name, code in bad:
            hc.expect_bad(doc, name, code)
        for name in maybe:
            found = hc.files_ending(doc, name)
            assert len(found) <= 1 and all(f["ok"] is False for f in found), f"{name}: {found}{ctx}"
        assert not hc.files_ending(doc, "notes.txt"), ctx
        n = len(doc["files"])
        assert len(good) + len(bad) <= n <= len(good) + len(bad) + len(maybe), f"{n} files reported{ctx}"
    else:
        out = r.out.decode()
        for name, code in bad:
            base = name.rsplit("/", 1)[-1]
            assert re.search(re.escape(base) + r":\d+:\d+: " + code if fmt == "text" else re.escape(base), out), \
                f"{name} ({code}) not reported{ctx}"
        for name in good:
            base = name.rsplit("/", 1)[-1]
            lines = [row for row in out.splitlines() if base in row and " error" in row]
            assert not lines, f"good file {name} reported with errors: {lines}{ctx}"


def test_isolation_explicit_files(tmp_path: Path):
    """Files given one by one, hostile ones first: each is reported on its own."""
    good = [hc.write(tmp_path / f"g{i}.yaml", hc.QUIZ) for i in range(3)]
    bad = [hc.CORPUS / "bomb-lol-name.yaml", hc.CORPUS / "tag-python-apply.yaml",
           hc.write(tmp_path / "int.yaml", hc.QUIZ.replace("kernel: 8", "kernel: " + "1" * 6000)),
           hc.CORPUS / "struct-empty.yaml"]
    argv = [str(bad[0]), str(good[0]), str(bad[1]), str(good[1]), str(bad[2]), str(bad[3]), str(good[2])]
    work = tmp_path / "cwd"
    work.mkdir()
    r = run_netcheck(["validate", *argv, "--format", "json"], cwd=work)
    ctx = r.show()
    assert r.rc == 1 and b"Traceback" not in r.out + r.err, ctx
    _vs, doc = parse_json(r.out)
    assert len(doc["files"]) == len(argv), ctx
    hc.expect_good(doc, *(p.name for p in good))
    for p in bad:
        hc.expect_bad(doc, p.name)
