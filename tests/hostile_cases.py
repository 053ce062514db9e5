"""The hostile-input corpus of issue 5: what every case must produce.

Two kinds of case:

* a committed file under ``tests/hostile/`` (``file=``), small text that git
  keeps byte for byte;
* a case generated at run time (``make=``) in the test's ``tmp_path``: binary
  encodings, CR line ends, huge or deep files, FIFOs, symlinks, devices.

Each case says which exit status is allowed (``exit``, an int or a tuple of
them), which codes must all be present (``codes``), of which codes at least
one must be present (``any_of``), which codes must be absent (``forbid``),
where a code must point (``where``: ``(code, line)`` or ``(code, line,
column)``), which texts the output must mention (``mentions``, e.g. the flag
that raises a limit) and how long one run may take (``time``, seconds,
scaled by ``HOSTILE_TIME_SCALE``).  Code checks apply only when the run exits
1; a case allowing ``(0, 1)`` is one the contract leaves open and that only
has to end cleanly.

``json_check(report, root)`` is an extra check on the parsed JSON report.
"""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Union

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "hostile"

Exit = Union[int, tuple[int, ...]]


@dataclass(frozen=True)
class Case:
    id: str
    exit: Exit = 1
    codes: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()
    where: tuple[tuple, ...] = ()
    mentions: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    file: Optional[str] = None
    make: Optional[Callable[[Path], Sequence[str]]] = None
    json_check: Optional[Callable[[dict, Path], None]] = None
    time: float = 2.0
    timeout: float = 30.0
    skip_if: Optional[Callable[[], Optional[str]]] = None
    note: str = ""

    def allowed_exits(self) -> tuple[int, ...]:
        return self.exit if isinstance(self.exit, tuple) else (self.exit,)


# --------------------------------------------------------------------------- good specs

# The quiz of FORMAT.md, laid out as there (the layer's first key on line 8
# when one comment line precedes it).
QUIZ = """# good: the quiz of FORMAT.md
netcheck: 1
name: udacity-quiz
description: free text
input: 32x32x3
rounding: strict
layers:
  - name: conv1
    type: conv2d
    filters: 20
    kernel: 8
    stride: 2
    padding: 1
    expect:
      shape: 14x14x20
      params: 3860
expect:
  output: 14x14x20
  params: 3860
"""

SMALL = """name: small
input: 8x8x1
layers:
  - {name: c, type: conv2d, filters: 2, kernel: 3, padding: 1}
  - {type: flatten}
  - {type: dense, units: 3}
"""


def quiz_lines(repl: Optional[dict] = None) -> list:
    lines = QUIZ.splitlines()
    for ln, text in (repl or {}).items():
        lines[ln - 1] = text
    return lines


def write(path: Path, data: Union[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# --------------------------------------------------------------------------- JSON helpers

def files_ending(report: dict, name: str) -> list:
    """The report's file entries whose path ends with ``name``."""
    out = []
    for f in report.get("files", []):
        p = str(f.get("path", "")).replace(os.sep, "/")
        if p == name or p.endswith("/" + name):
            out.append(f)
    return out


def errors_of(entry: dict) -> list:
    return [v for v in entry.get("violations", []) if v.get("severity") == "error"]


def expect_good(report: dict, *names: str) -> None:
    for name in names:
        found = files_ending(report, name)
        assert len(found) == 1, f"{name}: reported {len(found)} times, want once"
        entry = found[0]
        assert entry.get("ok") is True, f"{name}: good file not ok: {entry.get('violations')}"
        assert not errors_of(entry), f"{name}: good file has errors"


def expect_bad(report: dict, name: str, code: Optional[str] = None) -> None:
    found = files_ending(report, name)
    assert len(found) == 1, f"{name}: reported {len(found)} times, want once"
    entry = found[0]
    assert entry.get("ok") is False, f"{name}: bad file reported ok"
    if code:
        codes = {v.get("code") for v in entry.get("violations", [])}
        assert code in codes, f"{name}: want {code}, got {sorted(codes)}"


def expect_absent(report: dict, name: str) -> None:
    assert not files_ending(report, name), f"{name}: should not have been read"


def good_then(*names: str, bad: Sequence[tuple] = (), absent: Sequence[str] = ()):
    def check(report: dict, root: Path) -> None:
        expect_good(report, *names)
        for b in bad:
            expect_bad(report, *b)
        for a in absent:
            expect_absent(report, a)
    return check


def good_or_bad(good: Sequence[str], maybe: Sequence[str]):
    """Good files must be reported ok; the others may be reported (never ok) or skipped."""
    def check(report: dict, root: Path) -> None:
        expect_good(report, *good)
        for name in maybe:
            found = files_ending(report, name)
            assert len(found) <= 1, f"{name}: reported {len(found)} times"
            if found:
                assert found[0].get("ok") is False, f"{name}: reported ok"
    return check


CODE_RE = re.compile(r"NC\d{3}")


# --------------------------------------------------------------------------- output parsers
#
# Each parser returns (violations, document) and raises AssertionError on
# malformed output.

@dataclass
class V:
    code: str
    severity: str
    line: object
    column: object
    layer: object = None
    message: str = ""


FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def check_no_controls(data: bytes, what: str) -> str:
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AssertionError(f"{what} is not UTF-8: {e}") from None
    m = FORBIDDEN_CHARS.search(s)
    assert m is None, f"raw control character {m.group()!r} in {what}: {s[max(0, m.start() - 60):m.end() + 60]!r}"
    return s


TEXT_RE = re.compile(
    r"^(?P<path>.+?):(?P<line>-?\d+):(?P<col>-?\d+): (?P<code>NC\d{3}) (?P<sev>error|warning)"
    r"(?: (?P<layer>.*?))?: (?P<msg>.*)$")


def parse_text(out: bytes):
    s = check_no_controls(out, "text stdout")
    lines = s.split("\n")
    while lines and lines[-1] == "":
        lines.pop()
    vs = []
    for i, line in enumerate(lines):
        if not line or line[0].isspace():
            continue
        m = TEXT_RE.match(line)
        if m:
            vs.append(V(m["code"], m["sev"], int(m["line"]), int(m["col"]), m["layer"], m["msg"]))
        else:
            # only the closing tally may be a non-indented line that is not a violation
            assert i == len(lines) - 1, f"text line {i + 1} is neither a violation nor the tally: {line[:200]!r}"
    return vs, None


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def load_json(out: bytes, what: str):
    try:
        s = out.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AssertionError(f"{what} is not UTF-8: {e}") from None
    try:
        return json.loads(s, parse_constant=_reject_constant)
    except ValueError as e:
        raise AssertionError(f"{what} is not valid JSON: {e}: {s[:300]!r}") from None


def parse_json(out: bytes):
    doc = load_json(out, "JSON report")
    assert isinstance(doc, dict) and isinstance(doc.get("files"), list), "JSON report has no files list"
    vs = []
    n_err = n_warn = 0
    for f in doc["files"]:
        assert isinstance(f.get("path"), str), f"file entry without a path: {str(f)[:200]}"
        assert isinstance(f.get("ok"), bool), f"file entry without ok: {str(f)[:200]}"
        assert isinstance(f.get("violations"), list)
        has_error = False
        for v in f["violations"]:
            assert isinstance(v, dict)
            for key in ("code", "severity", "line", "column", "message"):
                assert key in v, f"violation without {key}: {str(v)[:200]}"
            assert CODE_RE.fullmatch(v["code"]), v["code"]
            assert v["severity"] in ("error", "warning"), v["severity"]
            assert isinstance(v["message"], str)
            assert v.get("layer") is None or isinstance(v["layer"], str), v.get("layer")
            assert isinstance(v.get("fixes", []), list)
            has_error |= v["severity"] == "error"
            n_err += v["severity"] == "error"
            n_warn += v["severity"] == "warning"
            vs.append(V(v["code"], v["severity"], v["line"], v["column"], v.get("layer"), v["message"]))
        assert f["ok"] == (not has_error), f"{f['path']}: ok={f['ok']} but errors={has_error}"
    if "errors" in doc:
        assert doc["errors"] == n_err, f"errors={doc['errors']} but {n_err} error violations"
    if "warnings" in doc:
        assert doc["warnings"] == n_warn, f"warnings={doc['warnings']} but {n_warn} warnings"
    return vs, doc


def parse_sarif(out: bytes):
    doc = load_json(out, "SARIF report")
    assert doc.get("version") == "2.1.0", f"SARIF version {doc.get('version')!r}"
    assert isinstance(doc.get("runs"), list) and doc["runs"], "SARIF without runs"
    vs = []
    for run in doc["runs"]:
        for res in run.get("results", []):
            code = res.get("ruleId")
            assert isinstance(code, str) and CODE_RE.fullmatch(code), f"SARIF ruleId {code!r}"
            level = res.get("level", "warning")
            assert level in ("error", "warning", "note", "none"), level
            assert isinstance(res.get("message", {}).get("text"), str), "SARIF result without message.text"
            locs = res.get("locations")
            assert isinstance(locs, list) and locs, f"SARIF result without locations: {str(res)[:200]}"
            phys = locs[0].get("physicalLocation", {})
            assert isinstance(phys.get("artifactLocation", {}).get("uri"), str), "SARIF result without uri"
            region = phys.get("region", {})
            vs.append(V(code, "error" if level == "error" else "warning",
                        region.get("startLine"), region.get("startColumn"), None, res["message"]["text"]))
    return vs, doc


GH_RE = re.compile(r"^::(?P<kind>error|warning|notice)(?: (?P<props>[^:]*))?::(?P<msg>.*)$")
GH_PROPS = {"file", "line", "col", "endLine", "endColumn", "title"}
BAD_PERCENT_MSG = re.compile(r"%(?!25|0[dDaA])")
BAD_PERCENT_PROP = re.compile(r"%(?!25|0[dDaA]|3[aA]|2[cC])")


def parse_github(out: bytes):
    s = check_no_controls(out, "github stdout")
    vs = []
    for line in s.split("\n"):
        if not line.startswith("::"):
            continue
        m = GH_RE.match(line)
        assert m, f"malformed workflow command: {line[:200]!r}"
        props = {}
        for part in (m["props"] or "").split(","):
            if not part:
                continue
            assert "=" in part, f"malformed annotation property {part!r} in {line[:200]!r}"
            k, v = part.split("=", 1)
            assert k in GH_PROPS, f"unknown annotation property {k!r} (injected?) in {line[:200]!r}"
            assert k not in props, f"duplicate annotation property {k!r} (injected?) in {line[:200]!r}"
            assert not BAD_PERCENT_PROP.search(v), f"unescaped % in property {k}: {line[:200]!r}"
            props[k] = v
        assert not BAD_PERCENT_MSG.search(m["msg"]), f"unescaped % in annotation message: {line[:200]!r}"
        codes = CODE_RE.findall(props.get("title", "")) or CODE_RE.findall(m["msg"])
        assert codes, f"annotation names no code: {line[:200]!r}"
        for key in ("line", "col"):
            assert key in props and props[key].isdigit(), f"annotation without a numeric {key}: {line[:200]!r}"
        vs.append(V(codes[0], "error" if m["kind"] == "error" else "warning",
                    int(props["line"]), int(props["col"]), None, m["msg"]))
    return vs, None


PARSERS = {"text": parse_text, "json": parse_json, "sarif": parse_sarif, "github": parse_github}


REPO = HERE.parent
FORMATS = ("json", "text", "sarif", "github")
MEM_LIMIT = 1 << 30                 # RLIMIT_AS of each run
MAX_OUTPUT = 8 << 20                # bytes of stdout a case may print (bigger for big- cases)


# --------------------------------------------------------------------------- running

@dataclass
class Run:
    argv: list
    rc: int
    out: bytes
    err: bytes
    elapsed: float   # wall seconds: reported, never asserted (a loaded machine stretches them)
    cpu: float       # the child's user + system CPU seconds: what time budgets bound
    maxrss_kb: int
    timed_out: bool
    out_size: int

    def show(self) -> str:
        def cut(b: bytes) -> str:
            s = b.decode("utf-8", "backslashreplace")
            return s if len(s) < 1500 else s[:1500] + f"... [{len(s)} chars]"
        return (f"\n  argv: {' '.join(self.argv)[:300]}\n  rc={self.rc} elapsed={self.elapsed:.2f}s "
                f"cpu={self.cpu:.2f}s maxrss={self.maxrss_kb // 1024}MB timed_out={self.timed_out}\n"
                f"  stdout: {cut(self.out)}\n  stderr: {cut(self.err)}")


def _limits():  # runs in the child before exec
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (MEM_LIMIT, MEM_LIMIT))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


_HWM_HOOK = """
import atexit, os

def _netcheck_test_hwm():
    target = os.environ.get("NETCHECK_TEST_HWM_FILE")
    if not target:
        return
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    with open(target, "w") as out:
                        out.write(line.split()[1])
    except OSError:
        pass

atexit.register(_netcheck_test_hwm)
"""


@functools.cache
def _hook_dir() -> str:
    """A folder holding a sitecustomize that records the child's own peak RSS (VmHWM) at exit.

    ``wait4``'s ru_maxrss is no good alone: Linux carries the parent's RSS at fork
    into it, so a big pytest process would inflate every figure.
    """
    d = tempfile.mkdtemp(prefix="netcheck-hwm-")
    Path(d, "sitecustomize.py").write_text(_HWM_HOOK)
    return d


def child_env() -> dict:
    env = dict(os.environ)
    parts = [str(REPO), _hook_dir()] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    env["PYTHONPATH"] = os.pathsep.join(parts)
    env.pop("PYTHONWARNINGS", None)
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    return env


def run_netcheck(argv, cwd, timeout=30.0, max_output=MAX_OUTPUT) -> Run:
    """Run ``python -m netcheck *argv`` and measure its wall time and peak RSS."""
    cmd = [sys.executable, "-m", "netcheck", *argv]
    env = child_env()
    fd, hwm_file = tempfile.mkstemp(prefix="hwm-")
    os.close(fd)
    env["NETCHECK_TEST_HWM_FILE"] = hwm_file
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                             stdout=out, stderr=err, preexec_fn=_limits)
        timed_out = False
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - t0 > timeout:
                timed_out = True
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.002)
        elapsed = time.perf_counter() - t0
        p.returncode = rc = os.waitstatus_to_exitcode(status)
        sizes = []
        datas = []
        for f in (out, err):
            f.seek(0, os.SEEK_END)
            sizes.append(f.tell())
            f.seek(0)
            datas.append(f.read(max_output + 1))
    maxrss_kb = ru.ru_maxrss
    try:
        with open(hwm_file) as f:
            maxrss_kb = int(f.read().strip() or maxrss_kb)
    except (OSError, ValueError):
        pass
    finally:
        os.unlink(hwm_file)
    return Run(argv=cmd, rc=rc, out=datas[0], err=datas[1], elapsed=elapsed, cpu=ru.ru_utime + ru.ru_stime,
               maxrss_kb=maxrss_kb, timed_out=timed_out, out_size=sizes[0])


@functools.cache
def format_supported(fmt: str) -> bool:
    if fmt in ("text", "json"):
        return True
    with tempfile.TemporaryDirectory() as d:
        good = write(Path(d) / "good.yaml", QUIZ)
        r = run_netcheck(["validate", str(good), "--format", fmt], cwd=d)
        return r.rc != 2


# --------------------------------------------------------------------------- generators

def g_bytes(name: str, data: bytes):
    def make(tmp: Path):
        return [str(write(tmp / name, data))]
    return make


def g_quiz_bytes(name: str, repl: Optional[dict] = None, encoding: str = "utf-8", eol: str = "\n",
                 prefix: bytes = b"", suffix: bytes = b""):
    def make(tmp: Path):
        text = eol.join(quiz_lines(repl)) + eol
        data = prefix + text.encode(encoding, errors="surrogatepass") + suffix
        return [str(write(tmp / name, data))]
    return make


def g_text(name: str, text_fn: Callable[[], str]):
    def make(tmp: Path):
        return [str(write(tmp / name, text_fn()))]
    return make


def g_good_with_args(*args: str):
    def make(tmp: Path):
        return [str(write(tmp / "good.yaml", QUIZ)), *args]
    return make


def deep_flow_seq(n: int, close: bool = True) -> str:
    return QUIZ + "x-deep: " + "[" * n + ("]" * n if close else "") + "\n"


def deep_flow_map(n: int) -> str:
    return QUIZ + "x-deep: " + "{a: " * n + "1" + "}" * n + "\n"


def deep_block_seq(n: int) -> str:
    return QUIZ + "x-deep:\n  " + "- " * n + "1\n"


def deep_block_map(n: int) -> str:
    rows = ["x-deep:"]
    for i in range(n):
        rows.append(" " * (i + 1) + "a:")
    rows.append(" " * (n + 1) + "b: 1")
    return QUIZ + "\n".join(rows) + "\n"


def deep_alias_chain(levels: int, per: int = 10) -> str:
    rows = ["x-chain:", "  - &c0 " + "[" * per + "x" + "]" * per]
    for k in range(1, levels):
        rows.append(f"  - &c{k} " + "[" * per + f"*c{k - 1}" + "]" * per)
    return QUIZ + "\n".join(rows) + "\n"


def many_layers(n: int) -> str:
    head = "name: many\ninput: 32x32x3\nlayers:\n"
    return head + "  - {type: activation, function: relu}\n" * n


def g_fifo(name: str = "pipe.yaml"):
    def make(tmp: Path):
        p = tmp / name
        os.mkfifo(p)
        return [str(p)]
    return make


def g_symlink_loop(tmp: Path):
    os.symlink("b.yaml", tmp / "a.yaml")
    os.symlink("a.yaml", tmp / "b.yaml")
    return [str(tmp / "a.yaml")]


def g_symlink_self(tmp: Path):
    os.symlink("self.yaml", tmp / "self.yaml")
    return [str(tmp / "self.yaml")]


def g_dangling(tmp: Path):
    os.symlink("missing.yaml", tmp / "dangling.yaml")
    return [str(tmp / "dangling.yaml")]


def g_link_to_good(tmp: Path):
    write(tmp / "real" / "good.yaml", QUIZ)
    os.symlink(tmp / "real" / "good.yaml", tmp / "link.yaml")
    return [str(tmp / "link.yaml")]


def g_dir_named_yaml(tmp: Path):
    write(tmp / "x.yaml" / "good.yaml", QUIZ)
    return [str(tmp / "x.yaml")]


def g_dir_named_yaml_bad(tmp: Path):
    write(tmp / "x.yaml" / "empty.yaml", "")
    return [str(tmp / "x.yaml")]


def g_dir_named_yaml_nested(tmp: Path):
    d = tmp / "tree"
    write(d / "x.yaml" / "good.yaml", QUIZ)
    write(d / "y.yml" / "z.yaml" / "deeper.yml", SMALL)
    return [str(d)]


def g_dir_with_dangling(tmp: Path):
    d = tmp / "d"
    write(d / "good.yaml", QUIZ)
    os.symlink("missing.yaml", d / "dangling.yaml")
    os.symlink("loop2.yaml", d / "loop1.yaml")
    os.symlink("loop1.yaml", d / "loop2.yaml")
    return [str(d)]


def g_dir_loop(tmp: Path):
    d = tmp / "d"
    write(d / "good.yaml", QUIZ)
    write(d / "sub" / "good2.yml", SMALL)
    os.symlink("..", d / "sub" / "loop")
    os.symlink(str(d), d / "sub" / "loop.yaml")  # a directory symlink named like a spec
    return [str(d)]


def g_dir_symlink_not_followed(tmp: Path):
    d = tmp / "d"
    write(d / "good.yaml", QUIZ)
    write(tmp / "elsewhere" / "bad.yaml", "")
    os.symlink(tmp / "elsewhere", d / "link")
    return [str(d)]


def g_fifo_in_dir(tmp: Path):
    d = tmp / "d"
    write(d / "good.yaml", QUIZ)
    os.mkfifo(d / "pipe.yaml")
    return [str(d)]


def g_devzero_in_dir(tmp: Path):
    d = tmp / "d"
    write(d / "good.yaml", QUIZ)
    os.symlink("/dev/zero", d / "zero.yaml")
    os.symlink("/dev/urandom", d / "random.yml")
    return [str(d)]


def g_sparse(name: str, size: int):
    def make(tmp: Path):
        p = tmp / name
        with open(p, "wb") as f:
            f.truncate(size)
        return [str(p)]
    return make


def g_sparse_in_dir(tmp: Path):
    d = tmp / "d"
    write(d / "good.yaml", QUIZ)
    with open(d / "huge.yaml", "wb") as f:
        f.truncate(20 * 2**30)
    return [str(d)]


def g_sparse_spec_tail(tmp: Path):
    # a real spec, then 20 GiB of holes: the size check must come before reading
    p = write(tmp / "tail.yaml", QUIZ)
    with open(p, "r+b") as f:
        f.truncate(20 * 2**30)
    return [str(p)]


def g_chmod000(tmp: Path):
    p = write(tmp / "secret.yaml", QUIZ)
    os.chmod(p, 0)
    return [str(p)]


def g_chmod000_dir(tmp: Path):
    d = tmp / "d"
    write(d / "good.yaml", QUIZ)
    write(d / "locked" / "inner.yaml", QUIZ)
    os.chmod(d / "locked", 0)
    return [str(d)]


def root_skip() -> Optional[str]:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return "running as root: permission bits do not stop reads"
    return None


def fifo_skip() -> Optional[str]:
    return None if hasattr(os, "mkfifo") else "no FIFOs on this platform"


def dev_skip() -> Optional[str]:
    return None if os.path.exists("/dev/zero") else "no /dev/zero"


def proc_skip() -> Optional[str]:
    return None if os.path.exists("/proc/self/mem") else "no /proc/self/mem"


HOSTILE_NAMES = [b"x,line=99,title=forged.yaml", b"a:b::c.yaml", b"new\nline::error file=f.yaml,line=1::forged.yaml",
                 b"esc\x1b[31m.yaml", b"pct%0A.yaml", b"bad\xff.yaml", b"cr\r.yaml"]


def g_hostile_filenames(tmp: Path):
    d = tmp / "names"
    d.mkdir()
    for name in HOSTILE_NAMES:
        with open(os.path.join(os.fsencode(d), name), "wb"):
            pass
    return [str(d)]


def _all_names_reported(report: dict, root: Path) -> None:
    assert len(report.get("files", [])) == len(HOSTILE_NAMES), f"{len(report.get('files', []))} files reported"
    for entry in report["files"]:
        assert entry.get("ok") is False


def g_empty_dir(tmp: Path):
    (tmp / "empty").mkdir()
    return [str(tmp / "empty")]


# --------------------------------------------------------------------------- committed files

F = {}


def fc(file: str, exit: Exit = 1, **kw) -> None:
    F[file] = Case(id=file[:-5] if file.endswith(".yaml") else file, file=file, exit=exit, **kw)


MAXN = ("--max-nodes",)

# YAML structure
fc("struct-empty.yaml", codes=("NC002",))
fc("struct-only-comments.yaml", codes=("NC002",))
fc("struct-whitespace-only.yaml", codes=("NC002",))
fc("struct-root-scalar.yaml", codes=("NC002",))
fc("struct-root-int.yaml", codes=("NC002",))
fc("struct-root-null.yaml", codes=("NC002",))
fc("struct-root-list.yaml", codes=("NC002",))
fc("struct-multi-doc.yaml", codes=("NC001",))
fc("struct-multi-doc-empty-second.yaml", codes=("NC001",), note="'---' opens a second (empty) document")
fc("struct-explicit-markers-ok.yaml", exit=0)
fc("struct-yaml-directive-2.yaml", codes=("NC001",))
fc("struct-unclosed-flow-seq.yaml", codes=("NC001",))
fc("struct-unclosed-flow-map.yaml", codes=("NC001",))
fc("struct-unclosed-quote.yaml", codes=("NC001",))
fc("struct-tab-indent.yaml", codes=("NC001",))
fc("struct-tab-separator-ok.yaml", exit=(0, 1), any_of=("NC001",),
   note="valid YAML 1.2 (libyaml accepts it); the pure PyYAML scanner rejects tabs after ':'")
fc("struct-bad-indent.yaml", codes=("NC001",))
fc("struct-undefined-alias.yaml", codes=("NC001",), where=(("NC001", 3),))
fc("struct-duplicate-anchor.yaml", exit=(0, 1), any_of=("NC001",),
   note="YAML 1.2 allows re-defining an anchor; PyYAML refuses")
fc("struct-self-alias-seq.yaml", codes=("NC001",))
fc("struct-self-alias-map.yaml", codes=("NC001",))
fc("struct-self-alias-name.yaml", any_of=("NC001", "NC002"))
fc("struct-self-alias-layers.yaml", any_of=("NC001", "NC002"))
fc("struct-self-merge.yaml", exit=(0, 1), any_of=("NC001", "NC002"))
fc("struct-mutual-merge.yaml", exit=(0, 1), any_of=("NC001", "NC002"))
fc("struct-merge-non-mapping.yaml", any_of=("NC001", "NC002"))
fc("struct-merge-undefined.yaml", codes=("NC001",))

# alias and merge bombs
for _f in ["bomb-lol-x-key.yaml", "bomb-lol-name.yaml", "bomb-lol-description.yaml",
           "bomb-lol-kernel.yaml", "bomb-lol-layer-name.yaml", "bomb-lol-unknown-key.yaml",
           "bomb-lol-layers.yaml", "bomb-lol-as-key.yaml", "bomb-lol-map.yaml",
           "bomb-merge-x-key.yaml", "bomb-merge-into-layer.yaml"]:
    fc(_f, codes=("NC001",), mentions=MAXN)
fc("bomb-lol-long-strings.yaml", exit=(0, 1), any_of=("NC001",),
   note="4^8 references to a 2 kB string: 65k nodes, 130 MB if expanded as text")
fc("bomb-small-ok.yaml", exit=0, note="10^4 expanded nodes must be admitted")
fc("bomb-many-aliases-ok.yaml", exit=0, note="many aliases, few nodes: a cap on aliases alone would refuse it")

# tags
for _f in ["tag-python-apply.yaml", "tag-python-apply-x-key.yaml", "tag-python-name.yaml",
           "tag-python-module.yaml", "tag-python-object.yaml", "tag-python-object-new.yaml",
           "tag-python-tuple.yaml", "tag-directive-python-handle.yaml",
           "tag-directive-primary-handle.yaml", "tag-directive-secondary-handle.yaml",
           "tag-verbatim-python.yaml", "tag-local.yaml", "tag-local-include.yaml",
           "tag-global-unknown.yaml", "tag-binary.yaml", "tag-set.yaml", "tag-timestamp.yaml",
           "tag-omap.yaml"]:
    fc(_f, codes=("NC001",))
fc("tag-pairs.yaml", any_of=("NC001", "NC002"))
fc("tag-implicit-timestamp-name.yaml", exit=(0, 1), any_of=("NC002",),
   note="a date-looking plain scalar: a string (ok) under YAML 1.2, a date (NC002) under 1.1")
fc("tag-str-on-int.yaml", any_of=("NC001", "NC002"), where=())
fc("tag-int-on-str.yaml", exit=(0, 1), any_of=("NC001", "NC002"))
fc("tag-float-explicit.yaml", any_of=("NC001", "NC002"))
fc("tag-null-name.yaml", any_of=("NC001", "NC002"))

# keys
fc("key-int.yaml", codes=("NC002",), where=(("NC002", 20),))
fc("key-bool.yaml", codes=("NC002",), where=(("NC002", 20),))
fc("key-null.yaml", codes=("NC002",), where=(("NC002", 20),))
fc("key-float.yaml", codes=("NC002",), where=(("NC002", 14),))
fc("key-seq.yaml", codes=("NC002",))
fc("key-map.yaml", codes=("NC002",))
fc("key-yes.yaml", codes=("NC002",), where=(("NC002", 20),))
fc("key-explicit-syntax-ok.yaml", exit=0)
fc("key-x-anywhere-ok.yaml", exit=0)
fc("key-quoted-ok.yaml", exit=0)

# types
for _w in ["yes", "no", "on", "off", "y", "n", "yes-caps", "on-caps"]:
    fc(f"type-bool11-{_w}.yaml", codes=("NC002",), where=(("NC002", 14),))
fc("type-bool-int.yaml", codes=("NC002",), where=(("NC002", 14),))
fc("type-float-size.yaml", codes=("NC002",), where=(("NC002", 12, 5),))
fc("type-string-size.yaml", codes=("NC002",), where=(("NC002", 12, 5),))
fc("type-bool-size.yaml", codes=("NC002",), where=(("NC002", 12, 5),))
fc("type-exponent.yaml", codes=("NC002",), where=(("NC002", 10),))
fc("type-exponent-dot.yaml", codes=("NC002",), where=(("NC002", 10),))
fc("type-inf.yaml", codes=("NC002",), where=(("NC002", 11),))
fc("type-neg-inf.yaml", codes=("NC002",), where=(("NC002", 13),))
fc("type-nan.yaml", codes=("NC002",), where=(("NC002", 12),))
fc("type-nan-in-shape-map.yaml", codes=("NC002",), where=(("NC002", 5),))
fc("type-octal-leading-zero.yaml", codes=("NC002",), where=(("NC002", 11),))
fc("type-octal-0o.yaml", exit=(0, 1), any_of=("NC002",))
fc("type-sexagesimal.yaml", exit=(0, 1), any_of=("NC002",))
fc("type-hex.yaml", exit=(0, 1), any_of=("NC002",))
fc("type-underscore-int.yaml", exit=(0, 1), any_of=("NC002",))
fc("type-plus-int.yaml", exit=(0, 1), any_of=("NC002",))
fc("type-null-size.yaml", exit=(0, 1), any_of=("NC002",))
fc("type-list-size.yaml", codes=("NC002",), where=(("NC002", 11),))
fc("type-size-map-missing.yaml", codes=("NC002",))
fc("type-size-map-extra.yaml", codes=("NC002",))
fc("type-name-int.yaml", codes=("NC002",), where=(("NC002", 3),))
fc("type-name-list.yaml", codes=("NC002",), where=(("NC002", 3),))
fc("type-layers-map.yaml", codes=("NC002",))
fc("type-layers-empty.yaml", codes=("NC002",))
fc("type-layers-null.yaml", codes=("NC002",))
fc("type-layer-scalar.yaml", codes=("NC002",), where=(("NC002", 14),))
fc("type-layer-null.yaml", codes=("NC002",))
fc("type-version-2.yaml", codes=("NC002",), where=(("NC002", 2),))
fc("type-version-float.yaml", codes=("NC002",), where=(("NC002", 2),))
fc("type-input-2d.yaml", codes=("NC002",), where=(("NC002", 5),))
fc("type-input-4d.yaml", codes=("NC002",), where=(("NC002", 5),))
fc("type-input-zero.yaml", codes=("NC002",), where=(("NC002", 5),))
fc("type-input-negative.yaml", codes=("NC002",), where=(("NC002", 5),))
fc("type-input-fullwidth-digits.yaml", codes=("NC002",), where=(("NC002", 5),),
   note="int('３２') == 32 and re '\\d' matches it: the shape must be ASCII")
fc("type-input-arabic-digits.yaml", codes=("NC002",), where=(("NC002", 5),))
fc("type-kernel-fullwidth-digit.yaml", codes=("NC002",), where=(("NC002", 11),))
fc("type-input-times-ok.yaml", exit=0)
fc("type-input-map-ok.yaml", exit=0)
fc("type-rounding-bad.yaml", codes=("NC002",), where=(("NC002", 6),))
fc("type-padding-same-ok.yaml", exit=0)
fc("type-layer-type-unknown.yaml", codes=("NC002",), where=(("NC002", 9),))
fc("type-activation-unknown.yaml", codes=("NC002",), where=(("NC002", 15),))
fc("type-float-huge.yaml", codes=("NC002",), where=(("NC002", 11),))

# ranges
fc("range-kernel-zero.yaml", codes=("NC002",), where=(("NC002", 11),))
fc("range-filters-zero.yaml", codes=("NC002",), where=(("NC002", 10),))
fc("range-stride-negative.yaml", codes=("NC002",), where=(("NC002", 12),))
fc("range-padding-negative.yaml", codes=("NC002",), where=(("NC002", 13),))
fc("range-dilation-zero.yaml", codes=("NC002",), where=(("NC002", 14),))
fc("range-groups-zero.yaml", codes=("NC002",), where=(("NC002", 14),))
fc("range-units-zero.yaml", codes=("NC002",), where=(("NC002", 16),))
fc("range-kernel-map-zero.yaml", codes=("NC002",), where=(("NC002", 11),))
fc("range-big-int.yaml", codes=("NC002",), where=(("NC002", 10),))
fc("range-huge-products.yaml", exit=(0, 1), note="either bounded (NC002) or computed exactly")

# text
fc("text-bom-ok.yaml", exit=0)
fc("text-bom-error-line8.yaml", codes=("NC101",), where=(("NC101", 8, 5),))
fc("text-bom-unknown-key-line12.yaml", codes=("NC002",), where=(("NC002", 12, 5),))
fc("text-bom-middle.yaml", any_of=("NC001", "NC002"))
fc("text-double-bom.yaml", exit=(0, 1), any_of=("NC001", "NC002"))
fc("text-zero-width-suffix-key.yaml", codes=("NC002",), where=(("NC002", 12),))
fc("text-zero-width-prefix-key.yaml", codes=("NC002",), where=(("NC002", 12),))
fc("text-zero-width-no-break-key.yaml", codes=("NC002",), where=(("NC002", 12),))
fc("text-homoglyph-key.yaml", codes=("NC002",), where=(("NC002", 12),))
fc("text-homoglyph-root-key.yaml", codes=("NC002",), where=(("NC002", 3),))
fc("text-homoglyph-type.yaml", codes=("NC002",), where=(("NC002", 9),))
fc("text-fullwidth-key.yaml", codes=("NC002",), where=(("NC002", 12),))
fc("text-ligature-key.yaml", codes=("NC002",), where=(("NC002", 10),))
fc("text-nbsp-key.yaml", codes=("NC002",), where=(("NC002", 11),))
fc("text-escaped-nul-description-ok.yaml", exit=0)
for _f in ["text-layer-name-nul.yaml", "text-layer-name-ansi.yaml",
           "text-layer-name-newline-forge.yaml", "text-layer-name-cr.yaml",
           "text-layer-name-c1-csi.yaml", "text-layer-name-del.yaml"]:
    fc(_f, codes=("NC002",), where=(("NC002", 8),))
fc("text-layer-name-tab.yaml", exit=(0, 1), any_of=("NC002",))
fc("text-layer-name-ansi-with-error.yaml", codes=("NC002",))
fc("text-network-name-osc.yaml", exit=(0, 1), any_of=("NC002",))
fc("text-network-name-ansi-error.yaml", exit=1, any_of=("NC002", "NC101"))
fc("text-unknown-key-ansi.yaml", codes=("NC002",), where=(("NC002", 20),))
fc("text-type-value-ansi.yaml", codes=("NC002",), where=(("NC002", 9),))
fc("text-input-ref-ansi.yaml", any_of=("NC002", "NC004"))
# libyaml refuses a "\ud800" escape (NC001); a reader that accepts it must still print it safely
fc("text-lone-surrogate-network-name.yaml", exit=(0, 1), any_of=("NC001", "NC002"))
fc("text-lone-surrogate-layer-name.yaml", exit=(0, 1), any_of=("NC001", "NC002"))
fc("text-lone-surrogate-layer-error.yaml", any_of=("NC001", "NC002", "NC102"))
fc("text-lone-surrogate-key.yaml", any_of=("NC001", "NC002"), where=())
fc("text-lone-surrogate-value.yaml", any_of=("NC001", "NC002"))
fc("text-percent-name-forge.yaml", any_of=("NC002", "NC102"))
fc("text-comma-name-forge.yaml", any_of=("NC002", "NC102"))
fc("text-bidi-name.yaml", exit=(0, 1), any_of=("NC002",))
fc("text-line-separator.yaml", exit=(0, 1), any_of=("NC001", "NC002"),
   note="YAML 1.1 (PyYAML) breaks lines at U+2028/U+2029; YAML 1.2 does not")
fc("text-nel.yaml", exit=(0, 1), any_of=("NC001", "NC002"))
fc("text-long-name-error.yaml", any_of=("NC002", "NC102"))

# semantics
fc("sem-kernel-too-big.yaml", codes=("NC102",), where=(("NC102", 8),))
fc("sem-strict-rounding.yaml", codes=("NC101",), where=(("NC101", 8, 5),))
fc("sem-cycle-2.yaml", codes=("NC004",))
fc("sem-cycle-3.yaml", codes=("NC004",))
fc("sem-self-input.yaml", codes=("NC004",))
fc("sem-self-input-scalar.yaml", codes=("NC004",))
fc("sem-self-input-add.yaml", codes=("NC004",))
fc("sem-add-one-input.yaml", any_of=("NC002", "NC103"))
fc("sem-concat-one-input.yaml", any_of=("NC002", "NC103"))
fc("sem-add-empty-inputs.yaml", any_of=("NC002", "NC004", "NC103"))
fc("sem-add-same-input-twice-ok.yaml", exit=0)
fc("sem-layer-named-input.yaml", codes=("NC004",), where=(("NC004", 5),))
fc("sem-default-name-collision.yaml", codes=("NC004",))
fc("sem-default-name-collision-later.yaml", codes=("NC004",))
fc("sem-duplicate-layer-name.yaml", codes=("NC004",), where=(("NC004", 6),))
fc("sem-alias-duplicates-layer.yaml", codes=("NC004",))
fc("sem-unknown-input.yaml", codes=("NC004",), where=(("NC004", 5),))
fc("sem-dense-on-volume.yaml", codes=("NC103",))
fc("sem-groups-not-dividing.yaml", codes=("NC104",))
fc("sem-kernel-huge.yaml", any_of=("NC002", "NC102"), )
fc("sem-kernel-huge-one-axis.yaml", any_of=("NC002", "NC102"))
fc("sem-dilation-huge.yaml", any_of=("NC002", "NC102"))
fc("sem-pool-huge.yaml", any_of=("NC002", "NC102"))
fc("sem-stride-huge-ok.yaml", exit=(0, 1), any_of=("NC002",))
fc("sem-empty-inputs-single.yaml", any_of=("NC002", "NC004"))
fc("sem-two-inputs-single.yaml", any_of=("NC002", "NC004", "NC103"))
fc("sem-dup-key-layer.yaml", codes=("NC003",), where=(("NC003", 13, 5),))
fc("sem-dup-key-root.yaml", codes=("NC003",), where=(("NC003", 4, 1),))
fc("sem-dup-key-quoted.yaml", codes=("NC003",), where=(("NC003", 13),))
fc("sem-dup-key-x.yaml", codes=("NC003",), where=(("NC003", 21),))
fc("sem-dup-key-flow.yaml", codes=("NC003",), where=(("NC003", 5),))
fc("sem-merge-override-ok.yaml", exit=0, forbid=("NC003",))
fc("sem-merge-list-overlap-ok.yaml", exit=0, forbid=("NC003",))
fc("sem-merge-dup-explicit.yaml", codes=("NC003",), where=(("NC003", 9),))


# --------------------------------------------------------------------------- generated cases

G = []


def gc(id: str, make, exit: Exit = 1, **kw) -> None:
    G.append(Case(id=id, make=make, exit=exit, **kw))


GOOD_BYTES = QUIZ.encode()

# encodings
gc("enc-latin1", g_quiz_bytes("latin1.yaml", {4: "description: caf\u00e9"}, encoding="latin-1"), codes=("NC001",))
gc("enc-overlong-slash", g_bytes("overlong.yaml", GOOD_BYTES.replace(b"free text", b"free\xc0\xaftext")),
   codes=("NC001",))
gc("enc-overlong-nul", g_bytes("overlong-nul.yaml", GOOD_BYTES.replace(b"free text", b"free\xc0\x80text")),
   codes=("NC001",))
gc("enc-cesu-surrogate", g_bytes("cesu.yaml", GOOD_BYTES.replace(b"free text", b"free\xed\xa0\x80text")),
   codes=("NC001",))
gc("enc-truncated-sequence", g_bytes("truncated.yaml", GOOD_BYTES + b"x-tail: \xe2\x82"), codes=("NC001",))
gc("enc-lone-continuation", g_bytes("cont.yaml", b"\x80" + GOOD_BYTES), codes=("NC001",))
gc("enc-utf16le-bom", g_quiz_bytes("utf16le.yaml", encoding="utf-16"), codes=("NC001",))
gc("enc-utf16be-bom", g_quiz_bytes("utf16be.yaml", encoding="utf-16-be", prefix=b"\xfe\xff"), codes=("NC001",))
gc("enc-utf16le-nobom", g_quiz_bytes("utf16le-nobom.yaml", encoding="utf-16-le"), codes=("NC001",))
gc("enc-utf32", g_quiz_bytes("utf32.yaml", encoding="utf-32"), codes=("NC001",))
gc("enc-raw-nul", g_bytes("nul.yaml", GOOD_BYTES.replace(b"free text", b"free\x00text")), codes=("NC001",))
gc("enc-raw-nul-first", g_bytes("nul-first.yaml", b"\x00" + GOOD_BYTES), codes=("NC001",))
gc("enc-raw-esc", g_bytes("esc.yaml", GOOD_BYTES.replace(b"free text", b"free\x1b[31mtext")), codes=("NC001",))
gc("enc-raw-esc-layer-name",
   g_bytes("esc-name.yaml", GOOD_BYTES.replace(b"name: conv1", b"name: c\x1b[2J\x1b]0;x\x07")),
   any_of=("NC001", "NC002"))
gc("enc-raw-bell", g_bytes("bell.yaml", GOOD_BYTES.replace(b"free text", b"free\x07text")), codes=("NC001",))
gc("enc-raw-c1-csi", g_bytes("c1.yaml", GOOD_BYTES.replace(b"name: conv1", "name: c\u009b31m".encode())),
   exit=(0, 1), any_of=("NC001", "NC002"))
gc("enc-bom-then-utf16", g_bytes("bom16.yaml", b"\xef\xbb\xbf" + QUIZ.encode("utf-16-le")), codes=("NC001",))
gc("enc-crlf-ok", g_quiz_bytes("crlf.yaml", eol="\r\n"), exit=0)
gc("enc-crlf-line12", g_quiz_bytes("crlf-err.yaml", {12: "    strides: 2"}, eol="\r\n"), codes=("NC002",),
   where=(("NC002", 12, 5),))
gc("enc-cr-only-ok", g_quiz_bytes("cr.yaml", eol="\r"), exit=0)
gc("enc-cr-only-line12", g_quiz_bytes("cr-err.yaml", {12: "    strides: 2"}, eol="\r"), codes=("NC002",),
   where=(("NC002", 12, 5),))
gc("enc-cr-only-nc101-line8",
   g_bytes("cr-101.yaml", "\r".join(quiz_lines({12: "    stride: 3"})[:13]).encode() + b"\r"),
   codes=("NC101",), where=(("NC101", 8, 5),))
gc("enc-bom-crlf-line12", g_quiz_bytes("bom-crlf.yaml", {12: "    strides: 2"}, eol="\r\n", prefix=b"\xef\xbb\xbf"),
   codes=("NC002",), where=(("NC002", 12, 5),))
gc("enc-mixed-eol-ok", g_bytes("mixed.yaml", b"".join(
    row.encode() + (b"\r\n", b"\n", b"\r")[i % 3] for i, row in enumerate(QUIZ.splitlines()))), exit=0)
gc("enc-lone-surrogate-bytes-key", g_bytes("surr.yaml", GOOD_BYTES + b"\xed\xb2\x80: 1\n"), codes=("NC001",))

# deep nesting
DEPTH = ("--max-depth",)
gc("deep-flow-seq-100k", g_text("deep.yaml", lambda: deep_flow_seq(100_000)), codes=("NC001",), mentions=DEPTH)
gc("deep-flow-seq-100k-unclosed", g_text("deep-open.yaml", lambda: "x-deep: " + "[" * 100_000 + "\n"), codes=("NC001",))
gc("deep-flow-map-30k", g_text("deep-map.yaml", lambda: deep_flow_map(30_000)), codes=("NC001",), mentions=DEPTH)
gc("deep-block-seq-100k", g_text("deep-block.yaml", lambda: deep_block_seq(100_000)), codes=("NC001",), mentions=DEPTH)
gc("deep-block-map-150", g_text("deep-block-map.yaml", lambda: deep_block_map(150)), codes=("NC001",), mentions=DEPTH)
gc("deep-flow-150", g_text("deep-150.yaml", lambda: deep_flow_seq(150)), codes=("NC001",), mentions=DEPTH)
gc("deep-flow-50-ok", g_text("deep-50.yaml", lambda: deep_flow_seq(50)), exit=0)
gc("deep-alias-chain", g_text("deep-alias.yaml", lambda: deep_alias_chain(1000)), exit=(0, 1), any_of=("NC001",),
   note="each level is 10 deep in the text but 10,000 deep once aliases are expanded")
gc("deep-layers-as-key",
   g_text("deep-key.yaml", lambda: QUIZ + "x-k:\n  ? " + "[" * 50_000 + "]" * 50_000 + "\n  : 1\n"),
   codes=("NC001",))

# blocks (FORMAT.md §8): expansion is where a small file becomes a big network
def block_doubling(levels: int) -> str:
    lines = ["name: bomb", "input: 8x8x3", "blocks:", "  b0:", "    layers:",
             "      - {type: activation, function: relu}"]
    for level in range(1, levels + 1):
        lines += [f"  b{level}:", "    layers:", f"      - {{type: b{level - 1}}}", f"      - {{type: b{level - 1}}}"]
    return "\n".join([*lines, "layers:", f"  - {{type: b{levels}}}", ""])


BLOCK = ("name: b\ninput: 8x8x3\nblocks:\n  u:\n    params: {n: 1}\n    layers:\n"
         "      - {type: conv2d, filters: 3, kernel: 1, stride: \"${n}\"}\n")
LAYERS_LIMIT = ("--max-layers",)
gc("block-doubling-30-deep", g_text("bomb.yaml", lambda: block_doubling(30)), codes=("NC001",), mentions=LAYERS_LIMIT,
   note="2^30 layers from 1 KB: each use's size is known before it is expanded")
gc("block-repeat-huge", g_text("repeat.yaml", lambda: BLOCK + "layers:\n  - {type: u, repeat: 1000000000000000000}\n"),
   codes=("NC001",), mentions=LAYERS_LIMIT)
gc("block-repeat-10k-ok", g_text("repeat10k.yaml", lambda: BLOCK + "layers:\n  - {type: u, repeat: 10000}\n"),
   exit=0, time=10.0, note="10,000 layers from one use, as many as big-10k-layers writes out")
gc("block-power-tower", g_text("power.yaml", lambda: BLOCK + "layers:\n  - {type: u, n: \"${10**10**10}\"}\n"),
   codes=("NC002",))
gc("block-huge-product", g_text("product.yaml", lambda: BLOCK.replace("${n}", "${n * 999999999999 * 999999999999}")
                                + "layers:\n  - {type: u}\n"), codes=("NC002",), mentions=("out of range",))
gc("block-deep-parentheses", g_text("parens.yaml", lambda: BLOCK.replace("${n}", "${" + "(" * 50_000 + "n"
                                    + ")" * 50_000 + "}") + "layers:\n  - {type: u}\n"), codes=("NC002",))
gc("block-self-use", g_text("self.yaml", lambda: "name: s\ninput: 8x8x3\nblocks:\n  a:\n    layers:\n"
                            "      - {type: a}\nlayers:\n  - {type: a}\n"), codes=("NC004",))

# size, width and numbers
gc("big-100k-layers", g_text("many.yaml", lambda: many_layers(100_000)), exit=0, time=60.0, timeout=300,
   note="a legitimate 100,000-layer spec (4 MB) must validate")
gc("big-10k-layers", g_text("many10k.yaml", lambda: many_layers(10_000)), exit=0, time=10.0)
gc("big-long-line-1mb", g_text("longline.yaml", lambda: QUIZ.replace("free text", "x" * 1_000_000)), exit=0, time=10.0)
gc("big-long-key-100k", g_text("longkey.yaml", lambda: QUIZ + "k" * 100_000 + ": 1\n"),
   any_of=("NC001", "NC002"), time=10.0)
gc("big-int-5000-digits", g_text("int5k.yaml", lambda: QUIZ.replace("filters: 20", "filters: " + "9" * 5000)),
   codes=("NC002",), where=(("NC002", 10),), note="Python refuses int() of more than 4300 digits")
gc("big-int-100k-digits", g_text("int100k.yaml", lambda: QUIZ.replace("filters: 20", "filters: " + "7" * 100_000)),
   codes=("NC002",), where=(("NC002", 10),))
gc("big-hex-5000-digits", g_text("hex5k.yaml", lambda: QUIZ.replace("filters: 20", "filters: 0x" + "f" * 5000)),
   codes=("NC002",), where=(("NC002", 10),))
gc("big-negative-int-5000-digits", g_text("neg5k.yaml", lambda: QUIZ.replace("padding: 1", "padding: -" + "9" * 5000)),
   codes=("NC002",), where=(("NC002", 13),))
gc("big-int-5000-in-x-key", g_text("int5kx.yaml", lambda: QUIZ + "x-big: " + "9" * 5000 + "\n"),
   exit=(0, 1), any_of=("NC001", "NC002"))
gc("big-float-5000-digits", g_text("float5k.yaml", lambda: QUIZ.replace("kernel: 8", "kernel: 8." + "0" * 5000)),
   codes=("NC002",), where=(("NC002", 11),))
gc("big-int-5000-as-key", g_text("int5kkey.yaml", lambda: QUIZ + "9" * 5000 + ": 1\n"), any_of=("NC001", "NC002"))

# limits and their flags
gc("limit-max-bytes-flag", g_good_with_args("--max-bytes", "100"), codes=("NC001",), mentions=("--max-bytes",))
gc("limit-max-bytes-flag-ok", g_good_with_args("--max-bytes", "100000"), exit=0)
gc("limit-max-nodes-flag", g_good_with_args("--max-nodes", "5"), codes=("NC001",), mentions=MAXN)
gc("limit-max-depth-flag", g_good_with_args("--max-depth", "1"), codes=("NC001",), mentions=DEPTH)
gc("limit-wide-list-max-nodes",
   lambda tmp: [str(write(tmp / "wide.yaml", QUIZ + "x-wide: [" + ", ".join(["1"] * 2000) + "]\n")),
                "--max-nodes", "1000"], codes=("NC001",), mentions=MAXN)
gc("limit-small-bomb-lowered", lambda tmp: [str(CORPUS / "bomb-small-ok.yaml"), "--max-nodes", "1000"],
   codes=("NC001",), mentions=MAXN)
gc("limit-bomb-raised-still-fast", lambda tmp: [str(CORPUS / "bomb-lol-x-key.yaml"), "--max-nodes", "50000000"],
   codes=("NC001",), mentions=MAXN, note="10^10 nodes stay refused with a raised cap, quickly")

# the file system
gc("fs-dir-named-yaml", g_dir_named_yaml, exit=0, json_check=good_then("x.yaml/good.yaml"))
gc("fs-dir-named-yaml-bad", g_dir_named_yaml_bad, codes=("NC002",),
   json_check=good_then(bad=[("x.yaml/empty.yaml", "NC002")]))
gc("fs-dir-named-yaml-nested", g_dir_named_yaml_nested, exit=0,
   json_check=good_then("x.yaml/good.yaml", "y.yml/z.yaml/deeper.yml"))
gc("fs-symlink-loop", g_symlink_loop, codes=("NC001",), note="like a dangling link: NC001, not a usage error")
gc("fs-symlink-self", g_symlink_self, codes=("NC001",))
gc("fs-dangling-link", g_dangling, codes=("NC001",))
gc("fs-link-to-good", g_link_to_good, exit=0)
gc("fs-dir-with-dangling-and-loop", g_dir_with_dangling, exit=(0, 1), any_of=("NC001",),
   json_check=good_or_bad(["good.yaml"], ["dangling.yaml", "loop1.yaml", "loop2.yaml"]))
def _dir_loop_check(report: dict, root: Path) -> None:
    good_or_bad(["d/good.yaml", "sub/good2.yml"], ["loop.yaml"])(report, root)
    looped = [f.get("path") for f in report.get("files", []) if "/loop/" in str(f.get("path"))]
    assert not looped, f"followed a directory symlink: {looped}"


gc("fs-dir-loop", g_dir_loop, exit=(0, 1), any_of=("NC001",), json_check=_dir_loop_check)
gc("fs-dir-symlink-not-followed", g_dir_symlink_not_followed, exit=0,
   json_check=good_then("good.yaml", absent=["bad.yaml"]))
gc("fs-fifo", g_fifo(), codes=("NC001",), skip_if=fifo_skip)
gc("fs-fifo-in-dir", g_fifo_in_dir, exit=(0, 1), any_of=("NC001",), skip_if=fifo_skip,
   json_check=good_or_bad(["good.yaml"], ["pipe.yaml"]))
gc("fs-dev-zero", lambda tmp: ["/dev/zero"], codes=("NC001",), skip_if=dev_skip)
gc("fs-dev-urandom", lambda tmp: ["/dev/urandom"], codes=("NC001",), skip_if=dev_skip)
gc("fs-dev-null", lambda tmp: ["/dev/null"], codes=("NC001",), skip_if=dev_skip)
def g_devzero_link(tmp: Path):
    os.symlink("/dev/zero", tmp / "zero.yaml")
    return [str(tmp / "zero.yaml")]


gc("fs-dev-zero-link", g_devzero_link,
   codes=("NC001",), skip_if=dev_skip)
gc("fs-dev-links-in-dir", g_devzero_in_dir, exit=(0, 1), any_of=("NC001",), skip_if=dev_skip,
   json_check=good_or_bad(["good.yaml"], ["zero.yaml", "random.yml"]))
gc("fs-proc-self-mem", lambda tmp: ["/proc/self/mem"], any_of=("NC001", "NC002"), skip_if=proc_skip,
   note="a regular file of size 0 whose read fails with EIO (an unreadable file even for root)")
gc("fs-unreadable-chmod", g_chmod000, codes=("NC001",), skip_if=root_skip)
gc("fs-unreadable-dir-chmod", g_chmod000_dir, exit=(0, 1), any_of=("NC001",), skip_if=root_skip,
   json_check=good_or_bad(["good.yaml"], ["inner.yaml"]))
gc("fs-sparse-20g", g_sparse("huge.yaml", 20 * 2**30), codes=("NC001",), mentions=("--max-bytes",))
gc("fs-sparse-17m", g_sparse("big.yaml", 17 * 2**20), codes=("NC001",), mentions=("--max-bytes",))
gc("fs-sparse-spec-tail", g_sparse_spec_tail, codes=("NC001",), mentions=("--max-bytes",))
gc("fs-sparse-in-dir", g_sparse_in_dir, codes=("NC001",),
   json_check=good_then("good.yaml", bad=[("huge.yaml", "NC001")]))

gc("fs-hostile-filenames", g_hostile_filenames, codes=("NC002",), json_check=_all_names_reported,
   note="file names with newlines, ESC, CR, ',', ':', '%' and a non-UTF-8 byte: escaped in every format")

# usage errors
gc("usage-nonexistent", lambda tmp: [str(tmp / "nope.yaml")], exit=2)
gc("usage-nonexistent-with-good", lambda tmp: [str(write(tmp / "good.yaml", QUIZ)), str(tmp / "nope.yaml")], exit=2)
gc("usage-no-path", lambda tmp: [], exit=2)
gc("usage-unknown-option", lambda tmp: [str(write(tmp / "good.yaml", QUIZ)), "--no-such-option"], exit=2)
gc("usage-max-bytes-not-a-number", g_good_with_args("--max-bytes", "lots"), exit=2)
gc("usage-max-nodes-negative", g_good_with_args("--max-nodes", "-1"), exit=2)
gc("usage-empty-dir", g_empty_dir, exit=(0, 2))

ALL = list(F.values()) + G


def corpus_files() -> list:
    return sorted(p.name for p in CORPUS.iterdir() if p.is_file())


def crash_message(message: str) -> bool:
    """True for the messages of netcheck's last-resort exception funnel: a crash in disguise."""
    return "internal error" in message or "RecursionError" in message or "MemoryError" in message


def show_lines(config, lines: Sequence[str]) -> None:
    """Print measurement lines on the terminal, past pytest's output capture."""
    rep = config.pluginmanager.getplugin("terminalreporter")
    capman = config.pluginmanager.getplugin("capturemanager")
    if rep is None:  # pragma: no cover
        print("\n".join(lines))
        return
    if capman is not None:
        with capman.global_and_fixture_disabled():
            rep.write_line("")
            for line in lines:
                rep.write_line(line)
    else:  # pragma: no cover
        for line in lines:
            rep.write_line(line)
