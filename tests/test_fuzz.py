"""Issue 5: Hypothesis fuzzing of netcheck, in process.

(a) arbitrary bytes, arbitrary Unicode text and YAML-ish token soup;
(b) valid specs (embedded ones and ``specs/*.yaml``) mutated: keys dropped,
    duplicated and renamed, values replaced by other YAML types, layers
    shuffled, duplicated and deleted, inputs rewired, types swapped, anchors,
    aliases and merge keys added, CRLF/BOM/flow style.

Every input goes through ``check`` below (the adapter: re-point it if the API
moves): the file is written to disk and checked as ``netcheck validate FILE
--format json`` would, plus one other output format.  Each must end with
status 0 or 1, a well-formed report whose violations carry 1 <= line <= the
number of lines (+1) and column >= 1, no "internal error" from the exception
funnel, no RecursionError/MemoryError, and no exception escaping; a run that
takes more than ``HANG_SECONDS`` of CPU fails as a hang (CPU, not wall time:
a loaded machine does not trip it).

Volume: ``NETCHECK_FUZZ_SCALE`` multiplies the number of examples (default
0.25, about 7,000 inputs; ``pytest --fuzz`` sets 1.0: about 28,000 inputs,
each checked twice, in a few minutes); runs are derandomized and use no
example database, so CI is reproducible.

Bug hunting: ``NETCHECK_FUZZ_COLLECT=1`` records one failing input per kind
of failure instead of stopping at the first, lists them at the end, and with
``NETCHECK_FUZZ_FOUND=file.jsonl`` writes them out in full.
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
import hostile_cases as hc  # noqa: E402

REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

netcheck = pytest.importorskip("netcheck")
from netcheck.spec import LAYER_TYPES  # noqa: E402

# pytest --fuzz sets the full volume (1); the default run takes a quarter of it, to keep the suite short
SCALE = float(os.environ.get("NETCHECK_FUZZ_SCALE", "0.25"))
HANG_SECONDS = 5.0
FUZZ_LIMITS_NODES = 200_000  # smaller than the default, so alias soup stays fast; the cap is exercised too


def n_examples(base: int) -> int:
    return max(10, int(base * SCALE))


def fuzz_settings(base: int):
    return settings(max_examples=n_examples(base), deadline=None, derandomize=True, database=None,
                    print_blob=False, suppress_health_check=list(HealthCheck),
                    phases=[Phase.explicit, Phase.generate, Phase.shrink])


# --------------------------------------------------------------------------- the adapter

class Hang(BaseException):
    """Raised by the interval timer inside netcheck: not an Exception, so no funnel can swallow it."""


def _alarm(signum, frame):
    raise Hang()


@functools.cache
def _formats() -> tuple:
    from netcheck.report import FORMATS
    return tuple(f for f in ("text", "sarif", "github") if f in FORMATS)


def check(data: bytes, path: Path, fmt: str = "json", fixes: bool = False):
    """Check ``data`` as the file ``path`` in output format ``fmt``.

    Returns ``(status, stdout bytes, stderr text)``.  This is the one place that
    knows netcheck's in-process API: ``commands.validate`` is what the CLI runs.
    """
    from netcheck import commands
    from netcheck.results import Options
    from netcheck.source import Limits

    path.write_bytes(data)
    options = Options(fixes=fixes, limits=Limits(max_nodes=FUZZ_LIMITS_NODES))
    old = signal.signal(signal.SIGPROF, _alarm)
    signal.setitimer(signal.ITIMER_PROF, HANG_SECONDS)  # CPU seconds: a loaded machine does not trip it
    t0 = time.perf_counter()
    try:
        outcome = commands.validate([str(path)], fmt, options, "error", False)
    except Hang:
        raise AssertionError(f"netcheck hung (> {HANG_SECONDS}s of CPU) on {data[:300]!r}") from None
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, old)
    spent = time.perf_counter() - t0
    _STATS["runs"] += 1
    _STATS["seconds"] += spent
    _SLOWEST[:] = sorted([*_SLOWEST, (spent, fmt, fixes, data[:2000])], key=lambda x: -x[0])[:3]
    # what reaches the real stdout: strict UTF-8, as sys.stdout under a UTF-8 locale
    try:
        out = outcome.output.encode("utf-8")
    except UnicodeEncodeError as e:
        raise AssertionError(f"{fmt} output cannot be written to a UTF-8 stdout: {e}") from None
    return outcome.status, out, outcome.error_text


_STATS = {"runs": 0, "seconds": 0.0, "examples": 0}
_SLOWEST: list = []  # (seconds, format, fixes, input) of the slowest single checks


def line_count(data: bytes) -> int:
    text = data.decode("utf-8", "replace")
    return 1 + sum(text.count(c) for c in ("\n", "\r", "\x85", "\u2028", "\u2029"))


COLLECT = os.environ.get("NETCHECK_FUZZ_COLLECT") == "1"
_FOUND: dict = {}


def assert_clean(data: bytes, tmp: Path, fixes: bool = False, fmt2: str | None = None) -> int:
    """Check ``data`` in JSON and in ``fmt2``; assert every property of a clean report.

    With NETCHECK_FUZZ_COLLECT=1 failures are gathered (one example per kind)
    and listed at the end instead of stopping the run: a bug-hunting mode.
    """
    if not COLLECT:
        return _assert_clean(data, tmp, fixes, fmt2)
    try:
        return _assert_clean(data, tmp, fixes, fmt2)
    except AssertionError as e:
        kind = re.sub(r"\d+", "N", str(e).split(" on b")[0].split(": b")[0])[:160]
        if kind not in _FOUND and os.environ.get("NETCHECK_FUZZ_FOUND"):
            with open(os.environ["NETCHECK_FUZZ_FOUND"], "a") as f:
                f.write(json.dumps({"kind": kind, "fmt2": fmt2, "fixes": fixes,
                                    "input": data.decode("utf-8", "surrogateescape").encode(
                                        "utf-8", "backslashreplace").decode()}) + "\n")
        _FOUND.setdefault(kind, (data, fmt2, fixes))
        return -1


def _assert_clean(data: bytes, tmp: Path, fixes: bool, fmt2: str | None) -> int:
    status, out, err = check(data, tmp, "json", fixes)
    assert status in (0, 1), f"status {status} ({err!r}) on {data[:200]!r}"
    vs, doc = hc.parse_json(out)
    assert len(doc["files"]) == 1
    lines = line_count(data)
    for v in vs:
        assert isinstance(v.line, int) and isinstance(v.column, int), f"{v}"
        assert 1 <= v.line <= lines + 1 and v.column >= 1, \
            f"{v.code} at {v.line}:{v.column} in a {lines}-line file: {v.message!r} on {data[:200]!r}"
        assert not hc.crash_message(v.message), f"the funnel caught a crash: {v.message!r} on {data[:300]!r}"
    has_error = any(v.severity == "error" for v in vs)
    assert has_error == (status == 1), f"status {status}, errors {has_error}"
    if fmt2:
        status2, out2, _err2 = check(data, tmp, fmt2, fixes)
        assert status2 == status, f"{fmt2} status {status2}, json {status}"
        vs2, _ = hc.PARSERS[fmt2](out2)
        assert len(vs2) == len(vs), f"{fmt2} shows {len(vs2)} violations, JSON {len(vs)}: {out2[:600]!r}"
    _STATS["examples"] += 1
    return status


@pytest.fixture(scope="module")
def fuzz_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"


@pytest.fixture(scope="module", autouse=True)
def _report(request):
    t0 = time.perf_counter()
    yield
    wall = time.perf_counter() - t0
    lines = [f"fuzz: {_STATS['examples']} inputs, {_STATS['runs']} netcheck runs "
             f"({_STATS['seconds']:.1f}s inside netcheck), {wall:.1f}s wall"]
    lines.append("  slowest single checks: " + ", ".join(f"{s:.2f}s ({fmt}, fixes={fx})" for s, fmt, fx, _ in _SLOWEST))
    for kind, (data, fmt2, fixes) in _FOUND.items():
        lines.append(f"  FOUND {kind}\n    fmt2={fmt2} fixes={fixes} input={data[:400]!r}")
    hc.show_lines(request.config, lines)


# --------------------------------------------------------------------------- (a) raw input

def fmt2_strategy():
    return st.sampled_from(_formats()) if _formats() else st.none()


@fuzz_settings(6000)
@given(data=st.binary(max_size=600), bom=st.booleans(), fmt2=st.none() | fmt2_strategy())
def test_fuzz_bytes(data, bom, fmt2, fuzz_file):
    assert_clean((b"\xef\xbb\xbf" if bom else b"") + data, fuzz_file, fmt2=fmt2)


@fuzz_settings(4000)
@given(text=st.text(max_size=400), fmt2=fmt2_strategy())
def test_fuzz_unicode_text(text, fmt2, fuzz_file):
    assert_clean(text.encode("utf-8", "surrogatepass"), fuzz_file, fmt2=fmt2)


YAML_TOKENS = [
    "\n", "\n", "\n", "\n  ", "\n    ", "\n      ", "\r\n", "\r", " ", " ", "  ", "\t", "- ", "-", ": ", ":", "? ",
    ",", "[", "]", "{", "}", "#", " # c", "&a ", "&b ", "*a", "*b", "*a ", "<<: ", "<<: *a", "!!", "!", "!foo ",
    "!!str ", "!!int ", "!!float ", "!!binary ", "!!set ", "!!omap ", "!!python/object/apply:os.system ",
    "!!timestamp ", "!<tag:yaml.org,2002:str> ", "%YAML 1.2\n", "%TAG ! tag:yaml.org,2002:python/\n", "---\n",
    "...\n", "---", "|\n  ", ">-\n  ", "|+", "'", '"', "\\", '"\\e[31m"', '"\\ud800"', '"\\x00"', "\\n", "'a''b'",
    "name", "input", "layers", "type", "filters", "kernel", "stride", "padding", "dilation", "groups", "bias",
    "inputs", "units", "function", "expect", "shape", "params", "output", "rounding", "netcheck", "x-meta",
    "width", "height", "depth", "scale", "rate", "conv2d", "dense", "flatten", "add", "concat", "maxpool2d",
    "avgpool2d", "activation", "relu", "conv_transpose2d", "upsample2d", "zeropad2d", "batchnorm2d",
    "global_avgpool2d", "adaptive_avgpool2d", "same", "valid", "floor", "ceil", "strict",
    "0", "1", "2", "3", "8", "-1", "010", "0x1F", "0o7", "1e3", "2.0", ".inf", "-.inf", ".nan", "1:20", "1_000",
    "99999999999999999999999", "true", "false", "yes", "no", "on", "off", "y", "n", "~", "null",
    "32x32x3", "224×224×3", "1x1x10", "0x0x0", "3x3", "conv1", "conv2d_1", "ghost", "\ufeff", "\u200b", "\u0430",
    "\x85", "\u2028", "é", "😀", "\x00", "\x1b",
]


@st.composite
def yamlish(draw):
    # one binary draw indexes the tokens: much cheaper than a list of sampled_from draws
    toks = [YAML_TOKENS[b % len(YAML_TOKENS)] for b in draw(st.binary(max_size=60))]
    prefix = draw(st.sampled_from(["", "", "name: fz\ninput: 8x8x3\nlayers:\n  - ", "layers:\n  - type: ",
                                   "x-a: &a [1, 2]\nname: fz\ninput: 8x8x3\nlayers:\n  - "]))
    return prefix + "".join(toks)


@fuzz_settings(9000)
@given(text=yamlish(), fmt2=fmt2_strategy())
def test_fuzz_yamlish(text, fmt2, fuzz_file):
    assert_clean(text.encode("utf-8", "surrogatepass"), fuzz_file, fmt2=fmt2)


# --------------------------------------------------------------------------- (b) mutated valid specs

EMBEDDED = [
    hc.QUIZ,
    hc.SMALL,
    """name: residual
input: 16x16x8
layers:
  - {name: a, type: conv2d, filters: 8, kernel: 3, padding: 1}
  - {name: b, type: batchnorm2d}
  - {name: c, type: activation, function: relu}
  - {name: d, type: conv2d, filters: 8, kernel: 3, padding: same}
  - {name: s, type: add, inputs: [d, input]}
  - {name: p, type: maxpool2d, kernel: 2}
  - {name: q, type: concat, inputs: [p, p]}
  - {name: g, type: global_avgpool2d}
  - {type: flatten}
  - {type: dense, units: 10, activation: softmax}
expect:
  output: 1x1x10
""",
    """netcheck: 1
name: updown
input: {width: 32, height: 24, depth: 3}
rounding: floor
layers:
  - name: enc
    type: conv2d
    filters: 16
    kernel: {width: 3, height: 5}
    stride: 2
    dilation: 1
    groups: 1
    bias: false
  - {name: zp, type: zeropad2d, padding: {top: 1, bottom: 0, left: 1, right: 0}}
  - {name: ap, type: avgpool2d, kernel: 2, stride: 1}
  - {name: up, type: upsample2d, scale: 2}
  - {name: dec, type: conv_transpose2d, filters: 4, kernel: 2, stride: 2, output_padding: 0}
  - {name: ad, type: adaptive_avgpool2d, output: 4x4}
  - {name: dr, type: dropout, rate: 0.5}
  - {name: ln, type: lrn, size: 5}
""",
]


def _spec_files() -> list:
    return sorted((REPO / "specs").glob("*.yaml")) if (REPO / "specs").is_dir() else []


class M(list):
    """A mapping as a list of [key token, value] pairs (duplicates allowed)."""
    flow = False


class S(list):
    """A sequence."""
    flow = False


class R(str):
    """A raw scalar token, emitted as is."""


RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", ""}
PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*\Z")


def token(v) -> R:
    if v is True:
        return R("true")
    if v is False:
        return R("false")
    if v is None:
        return R("null")
    if isinstance(v, int):
        return R(repr(v))
    if isinstance(v, float):  # YAML 1.2 core reads 1e-06 as a string: the mantissa needs a point (1.0e-06)
        mantissa, _, exponent = repr(v).partition("e")
        return R(f"{mantissa}.0e{exponent}" if exponent and "." not in mantissa else repr(v))
    s = str(v)
    if PLAIN.match(s) and s.lower() not in RESERVED:
        return R(s)
    return R(json.dumps(s))


def clone(node):
    """A deep copy of a tree (much faster than copy.deepcopy)."""
    if isinstance(node, M):
        out = M([k, clone(v)] for k, v in node)
    elif isinstance(node, S):
        out = S(clone(v) for v in node)
    else:
        return node
    out.flow = node.flow
    return out


def tree(v):
    if isinstance(v, dict):
        m = M([token(k), tree(x)] for k, x in v.items())
        return m
    if isinstance(v, list):
        return S(tree(x) for x in v)
    return token(v)


def flow(node) -> str:
    if isinstance(node, M):
        return "{" + ", ".join(f"{k}: {flow(v)}" for k, v in node) + "}"
    if isinstance(node, S):
        return "[" + ", ".join(flow(v) for v in node) + "]"
    return str(node)


def block(node, indent: int = 0) -> list:
    pad = " " * indent
    out = []
    if isinstance(node, M):
        for k, v in node:
            if isinstance(v, (M, S)) and v and not v.flow:
                out.append(f"{pad}{k}:")
                out.extend(block(v, indent + 2))
            else:
                out.append(f"{pad}{k}: {flow(v)}")
    else:
        for item in node:
            if isinstance(item, M) and item and not item.flow:
                sub = block(item, indent + 2)
                sub[0] = pad + "- " + sub[0][indent + 2:]
                out.extend(sub)
            else:
                out.append(f"{pad}- {flow(item)}")
    return out


def emit(root) -> str:
    if isinstance(root, (M, S)) and root and not root.flow:
        return "\n".join(block(root)) + "\n"
    return flow(root) + "\n"


@functools.cache
def seeds() -> tuple:
    texts = list(EMBEDDED) + [p.read_text(encoding="utf-8") for p in _spec_files()]
    out = []
    for text in texts:
        data = yaml.safe_load(text)
        if isinstance(data, dict):
            out.append(tree(data))
    return tuple(out)


VALUE_POOL = [
    "0", "1", "-1", "2", "3", "7", "64", "1000000", "99999999999999999999", "2.0", "0.5", "1e3", ".inf", "-.inf",
    ".nan", "010", "0o10", "0x10", "1_000", "+3", "true", "false", "yes", "no", "on", "off", "y", "n", "~", "null",
    '""', '"2"', "''", "[]", "{}", "[1, 2]", "[[1]]", "{width: 2, height: 3}", "{width: 0, height: 1}",
    "{top: 1, bottom: 0, left: 1, right: 2}", "same", "valid", "strict", "floor", "ceil", "relu", "softmax",
    "32x32x3", "1x1x10", "0x0x0", "224×224×3", "3x3", "{width: 8, height: 8, depth: 3}", "conv2d", "dense", "add",
    "concat", "input", "ghost", "conv1", '"\\e[31mred\\e[0m"', '"a\\nb"', '"\\u202e"', '"\\ud800"', '"\\x9b2J"',
    "!!str 3", "!!int 3", "!!float 3", "!!binary aGk=", "!!set {a}", "!foo bar",
    "*anc", "*amap", "*undefined", "&fresh 3", '"' + "9" * 50 + '"', "9" * 30, "9" * 5000,
    "2001-12-14", "1:20", "[*anc, *anc, *anc]", "{<<: *amap}",
]
KEY_POOL = [
    "netcheck", "name", "description", "input", "rounding", "layers", "expect", "type", "filters", "kernel",
    "stride", "padding", "dilation", "groups", "bias", "activation", "output_padding", "units", "function",
    "inputs", "rate", "size", "affine", "output", "scale", "shape", "params", "trainable_params",
    "non_trainable_params", "macs", "neurons", "width", "height", "depth", "top", "bottom", "left", "right",
    "x-meta", "<<", "strides", "Name", "kernel_size", "n\u0430me", '"stride\\u200b"', "1", "true", "null",
    "[a, b]", '"name"', "'kernel'", '"\\e[2Jkey"', "yes", "X-meta", "x-",
    "experts", "crop", "channels", "factor", "padding_mode", "weight_standardization", "gain", "gamma", "eps",
    "per_channel", "init", "bias_init", "mode", "momentum",
]
TYPES = list(LAYER_TYPES)  # every layer type the format has


def containers(node, out=None) -> list:
    out = [] if out is None else out
    if isinstance(node, (M, S)):
        out.append(node)
        for child in (v for _, v in node) if isinstance(node, M) else node:
            containers(child, out)
    return out


def layers_of(root) -> S | None:
    if isinstance(root, M):
        for k, v in root:
            if k == "layers" and isinstance(v, S):
                return v
    return None


def layer_names(root) -> list:
    names = []
    for layer in layers_of(root) or []:
        if isinstance(layer, M):
            names.extend(str(v) for k, v in layer if k == "name" and isinstance(v, R))
    return names


def mutate(draw, root):
    op = draw(st.sampled_from([
        "drop", "dup", "rename", "value", "value", "shuffle", "rewire", "rewire", "layer_dup", "layer_del",
        "type", "rename_layer", "merge", "flow", "wrap", "int"]))
    maps = [c for c in containers(root) if isinstance(c, M)]
    lay = layers_of(root)
    if op == "drop" and maps:
        m = draw(st.sampled_from(maps))
        if m:
            del m[draw(st.integers(0, len(m) - 1))]
    elif op == "dup" and maps:
        m = draw(st.sampled_from(maps))
        if m:
            i = draw(st.integers(0, len(m) - 1))
            m.insert(draw(st.integers(0, len(m))), [m[i][0], R(draw(st.sampled_from(VALUE_POOL)))])
    elif op == "rename" and maps:
        m = draw(st.sampled_from(maps))
        if m:
            i = draw(st.integers(0, len(m) - 1))
            m[i][0] = R(draw(st.sampled_from(KEY_POOL)))
    elif op == "value" and maps:
        m = draw(st.sampled_from(maps))
        if m:
            m[draw(st.integers(0, len(m) - 1))][1] = R(draw(st.sampled_from(VALUE_POOL)))
    elif op == "int" and maps:
        m = draw(st.sampled_from(maps))
        if m:
            m[draw(st.integers(0, len(m) - 1))][1] = R(str(draw(st.integers(-2**70, 2**70))))
    elif op == "shuffle" and lay:
        order = draw(st.permutations(range(len(lay))))
        lay[:] = [lay[i] for i in order]
    elif op == "rewire" and lay:
        layer = draw(st.sampled_from(lay))
        if isinstance(layer, M):
            pool = [*layer_names(root), "input", "ghost", "conv2d_1", "dense_1"]
            names = draw(st.lists(st.sampled_from(pool), max_size=3))
            layer[:] = [p for p in layer if p[0] != "inputs"]
            value = R(names[0]) if len(names) == 1 and draw(st.booleans()) else S(R(n) for n in names)
            layer.append([R("inputs"), value])
    elif op == "layer_dup" and lay:
        lay.insert(draw(st.integers(0, len(lay))), clone(draw(st.sampled_from(lay))))
    elif op == "layer_del" and lay:
        del lay[draw(st.integers(0, len(lay) - 1))]
    elif op == "type" and lay:
        layer = draw(st.sampled_from(lay))
        if isinstance(layer, M):
            for pair in layer:
                if pair[0] == "type":
                    pair[1] = R(draw(st.sampled_from(TYPES)))
    elif op == "rename_layer" and lay:
        layer = draw(st.sampled_from(lay))
        if isinstance(layer, M):
            pool = [*layer_names(root), "input", "conv2d_1", "conv2d_2", "dense_1", "flatten_1"]
            layer[:] = [p for p in layer if p[0] != "name"]
            layer.insert(0, [R("name"), R(draw(st.sampled_from(pool)))])
    elif op == "merge" and lay:
        layer = draw(st.sampled_from(lay))
        if isinstance(layer, M):
            layer.insert(draw(st.integers(0, len(layer))), [R("<<"), R(draw(st.sampled_from(["*amap", "*anc"])))])
    elif op == "flow":
        node = draw(st.sampled_from(containers(root)))
        node.flow = not node.flow
    elif op == "wrap" and maps:
        m = draw(st.sampled_from(maps))
        if m:
            i = draw(st.integers(0, len(m) - 1))
            m[i][1] = S([m[i][1]]) if draw(st.booleans()) else M([[R("width"), m[i][1]], [R("height"), m[i][1]]])


@st.composite
def mutated_spec(draw):
    root = clone(draw(st.sampled_from(seeds())))
    n = draw(st.integers(0, 5))
    if n and draw(st.booleans()):
        root.insert(0, [R("x-anchors"), S([R("&anc 3"), R("&amap {stride: 2, padding: 1}")])])
    for _ in range(n):
        mutate(draw, root)
    text = emit(root)
    if draw(st.integers(0, 9)) == 0:
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 9)) == 0:
        text = "\ufeff" + text
    return n, text


def test_seeds_emit_valid_specs(tmp_path):
    """The emitter round-trips every seed: unmutated, each checks as its source does."""
    texts = list(EMBEDDED) + [p.read_text(encoding="utf-8") for p in _spec_files()]
    for text, root in zip([t for t in texts if isinstance(yaml.safe_load(t), dict)], seeds()):
        original = assert_clean(text.encode(), tmp_path / "orig.yaml")
        emitted = emit(clone(root))
        assert yaml.safe_load(emitted) == yaml.safe_load(text)
        assert assert_clean(emitted.encode(), tmp_path / "emitted.yaml") == original


@fuzz_settings(6000)
@given(spec=mutated_spec(), fmt2=fmt2_strategy(), fixes=st.integers(0, 15))
def test_fuzz_mutated_specs(spec, fmt2, fixes, fuzz_file):
    _n, text = spec
    assert_clean(text.encode("utf-8", "surrogatepass"), fuzz_file, fixes=fixes == 0, fmt2=fmt2)


# --------------------------------------------------------------------------- a handful through the real CLI

@fuzz_settings(8)
@given(spec=mutated_spec(), raw=st.binary(max_size=200))
def test_fuzz_cli_subprocess(spec, raw, tmp_path_factory):
    """A few inputs through ``python -m netcheck`` itself, every format, with the rlimit."""
    d = tmp_path_factory.mktemp("cli")
    a = hc.write(d / "spec.yaml", spec[1].encode("utf-8", "surrogatepass"))
    b = hc.write(d / "raw.yaml", raw)
    for fmt in hc.FORMATS:
        if not hc.format_supported(fmt):
            continue
        r = hc.run_netcheck(["validate", str(a), str(b), "--format", fmt], cwd=d, timeout=30)
        assert r.rc in (0, 1) and b"Traceback" not in r.out + r.err, r.show()
        vs, _ = hc.PARSERS[fmt](r.out)
        assert all(isinstance(v.line, int) and v.line >= 1 and v.column >= 1 for v in vs), r.show()
