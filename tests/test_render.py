"""``netcheck render``: the SVG's structure, determinism, the self-contained page, and a real browser's view of it.

The browser tests run Debian's ``chromium`` headless (``NETCHECK_CHROMIUM``
names another binary); without one they are skipped, saying why. Each bundled
spec's page is printed to PNG (the picture must not be blank) and its DOM is
dumped after a script has opened every expansion and written each layer box's
position into the page (no two boxes of one diagram may overlap).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from netcheck import render
from netcheck.checker import check_path, check_text
from netcheck.render.layout import Box, layered
from netcheck.render.scene import main_scene, scenes

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*.yaml")) + sorted((ROOT / "tests" / "render").glob("*.yaml"))
SVG = "{http://www.w3.org/2000/svg}"


def _svg_tree(path: Path) -> ElementTree.Element:
    return ElementTree.fromstring(render.svg_document(check_path(str(path))).encode("utf-8"))


def _nodes(tree: ElementTree.Element) -> list[ElementTree.Element]:
    return [g for g in tree.iter(f"{SVG}g") if "node" in g.get("class", "").split()]


def _edges(tree: ElementTree.Element) -> list[tuple[str, str]]:
    return [(path.get("data-from", ""), path.get("data-to", "")) for path in tree.iter(f"{SVG}path")
            if path.get("class") == "edge"]


def _flat_edges(path: Path) -> set[tuple[str, str]]:
    """The graph's edges read straight from a flat spec's YAML: each layer's inputs (default: the layer before)."""
    layers = yaml.safe_load(path.read_text())["layers"]
    edges = set()
    for position, layer in enumerate(layers):
        inputs = layer.get("inputs", layers[position - 1]["name"] if position else "input")
        for name in [inputs] if isinstance(inputs, str) else inputs:
            edges.add((name, layer["name"]))
    return edges


@pytest.mark.parametrize("spec", SPECS, ids=lambda path: path.stem)
def test_svg_is_xml_with_one_element_per_layer_and_every_edge(spec: Path) -> None:
    report = check_path(str(spec))
    tree = ElementTree.fromstring(render.svg_document(report).encode("utf-8"))
    scene = main_scene(report)
    nodes = _nodes(tree)
    assert [g.get("data-name") for g in nodes] == [node.name for node in scene.nodes]
    assert len({g.get("id") for g in tree.iter() if g.get("id")}) == len([g for g in tree.iter() if g.get("id")])
    shown = report.rows_at(1) if report.uses else report.rows
    drawn = [g for g in nodes if g.get("class", "").split()[1] in ("layer", "use")]
    assert [g.get("data-name") for g in drawn] == [row.name for row in shown]
    for g, row in zip(drawn, shown):
        texts = "".join(t.text or "" for t in g.iter(f"{SVG}text"))
        assert str(row.output or "?") in texts and row.type in texts
        assert g.find(f"{SVG}title") is not None
    assert len(_edges(tree)) == len(scene.edges)


@pytest.mark.parametrize("name", ["inception-block", "encoder-decoder", "lenet5", "vgg16", "resnet18"])
def test_the_edges_are_the_specs_inputs(name: str) -> None:
    spec = ROOT / "specs" / f"{name}.yaml"
    tree = _svg_tree(spec)
    names = {g.get("data-key"): g.get("data-name") for g in _nodes(tree)}
    drawn = [(names[source], names[target]) for source, target in _edges(tree)]
    assert len(drawn) == len(set(drawn))
    assert set(drawn) == _flat_edges(spec)


def test_inception_golden_structure() -> None:
    tree = _svg_tree(ROOT / "specs" / "inception-block.yaml")
    assert [(g.get("data-name"), g.get("data-type")) for g in _nodes(tree)] == [
        ("input", "input"), ("branch1x1", "conv2d"), ("branch3x3_reduce", "conv2d"), ("branch3x3", "conv2d"),
        ("branch5x5_reduce", "conv2d"), ("branch5x5", "conv2d"), ("pool", "maxpool2d"), ("pool_proj", "conv2d"),
        ("output", "concat")]
    assert len(_edges(tree)) == 11
    places = {g.get("data-name"): _translation(g) for g in _nodes(tree)}
    layers = {g.get("data-name"): int(g.get("data-layer", "-1")) for g in _nodes(tree)}
    branches = ["branch1x1", "branch3x3_reduce", "branch5x5_reduce", "pool"]
    assert {layers[name] for name in branches} == {1}  # the four branches side by side, in one layer
    assert [places[name][0] for name in branches] == sorted(places[name][0] for name in branches)
    assert [layers[name] for name in ("input", "pool", "pool_proj", "output")] == [0, 1, 2, 3]
    assert places["input"][1] < places["pool"][1] < places["pool_proj"][1] < places["output"][1]
    left, right = places["branch1x1"][0], places["pool"][0]
    assert left < places["output"][0] < right and left < places["input"][0] < right  # the merge joins between


def _translation(g: ElementTree.Element) -> tuple[float, float]:
    match = re.fullmatch(r"translate\(([-0-9.]+),([-0-9.]+)\)", g.get("transform", ""))
    assert match, g.get("transform")
    return float(match.group(1)), float(match.group(2))


def test_unet_chain_is_straight_and_the_skips_nest_beside_it() -> None:
    tree = _svg_tree(ROOT / "tests" / "render" / "unet.yaml")
    places = {g.get("data-name"): _translation(g) for g in _nodes(tree)}
    assert len({x for x, _ in places.values()}) == 1  # every layer on one axis: the skips go around
    routes = {(source, target): path.get("d", "") for path in tree.iter(f"{SVG}path") if path.get("class") == "edge"
              for source, target in [(path.get("data-from"), path.get("data-to"))]}
    keys = {g.get("data-name"): g.get("data-key") for g in _nodes(tree)}

    def reach(source: str, target: str) -> float:
        numbers = [float(value) for value in re.findall(r"-?[0-9.]+", routes[(keys[source], keys[target])])]
        return max(numbers[0::2])

    assert reach("enc3b", "skip3") < reach("enc2b", "skip2") < reach("enc1b", "skip1")  # nested, outermost last


def test_block_uses_are_folded_and_expanded() -> None:
    report = check_path(str(ROOT / "specs" / "resnet50.yaml"))
    tree = ElementTree.fromstring(render.svg_document(report).encode("utf-8"))
    uses = [g for g in _nodes(tree) if "use" in g.get("class", "").split()]
    assert [g.get("data-name") for g in uses] == ["layer1", "layer2", "layer3", "layer4"]
    title = uses[0].find(f"{SVG}title")
    assert title is not None and "32 layers: layer1.0.conv1" in (title.text or "")
    built = scenes(report)
    assert len(built) == 1 + len(report.uses)
    drawn = [node.key for scene in built for node in scene.shown if node.kind == "layer"]
    assert sorted(drawn) == sorted(f"L{row.index}" for row in report.rows)  # every layer in exactly one scene
    page = render.html_page(report)
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="diagram"') == 1 + len(report.uses)
    assert 'id="x-U4"' in page and "layer1 (stage3)" in page


def test_violations_are_outlined_with_code_and_message() -> None:
    report = check_path(str(ROOT / "tests" / "render" / "broken.yaml"))
    tree = ElementTree.fromstring(render.svg_document(report).encode("utf-8"))
    nodes = {g.get("data-name"): g for g in _nodes(tree)}
    for name, code in (("left", "NC101"), ("join", "NC103"), ("fc", "NC004")):
        g = nodes[name]
        assert "error" in g.get("class", "").split()
        assert any(rect.get("class") == "halo" and rect.get("stroke") == "#cf222e" for rect in g.iter(f"{SVG}rect"))
        assert code in "".join(t.text or "" for t in g.iter(f"{SVG}text"))
        title = g.find(f"{SVG}title")
        message = next(v.message for v in report.violations if v.code == code)
        assert title is not None and f"{code} error: {message}" in (title.text or "")
    assert "missing" in nodes["flaten"].get("class", "")
    assert "error" not in nodes["stem"].get("class", "").split()


def test_same_bytes_every_time_and_under_any_hash_seed(tmp_path: Path) -> None:
    spec = ROOT / "specs" / "resnet50.yaml"
    report = check_path(str(spec))
    assert render.svg_document(report) == render.svg_document(check_path(str(spec)))
    assert render.html_page(report) == render.html_page(check_path(str(spec)))
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"seed{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-m", "netcheck", "render", str(ROOT / "tests" / "render" /
                               "inception-blocks.yaml"), "-o", str(out)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize("spec", SPECS, ids=lambda path: path.stem)
def test_html_is_self_contained(spec: Path) -> None:
    page = render.html_page(check_path(str(spec)))
    assert re.findall(r"https?://[^\s\"'<>)]*", page) == ["http://www.w3.org/2000/svg"] * page.count("<svg ")
    assert not re.search(r"<link\b|<img\b|<iframe\b|\bsrc=|@import|url\((?!#)", page)
    assert page.count("<script>") == 1 and page.count("<style>") == 1


def test_html_has_table_violations_with_fixes_and_totals() -> None:
    report = check_text((ROOT / "specs" / "quiz.yaml").read_text().replace("stride: 2", "stride: 3"), "quiz.yaml")
    page = render.html_page(report)
    assert "NC101" in page and "fix: padding 0 gives 9" in page
    assert '<tr class="layer error" data-key="L0">' in page
    assert "Params (PyTorch parameters())</dt><dd>3,860</dd>" in page
    assert 'class="node layer error"' in page


def _cli(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "netcheck", *arguments], capture_output=True, text=True, cwd=cwd)


def test_cli_writes_svg_and_html(tmp_path: Path) -> None:
    for suffix in ("svg", "html"):
        out = tmp_path / f"quiz.{suffix}"
        done = _cli("render", "specs/quiz.yaml", "-o", str(out))
        assert done.returncode == 0, done.stderr
        assert "wrote" in done.stdout and out.exists()
    ElementTree.fromstring((tmp_path / "quiz.svg").read_bytes())
    assert (tmp_path / "quiz.html").read_text().startswith("<!DOCTYPE html>")


def test_cli_broken_network_still_draws(tmp_path: Path) -> None:
    out = tmp_path / "broken.svg"
    done = _cli("render", "tests/render/broken.yaml", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert "3 errors" in done.stdout
    assert out.read_text().count('class="node layer error"') == 3


@pytest.mark.parametrize("name", ["NC001_tab_indentation", "NC002_input_missing_depth", "NC003_duplicate_rounding"])
def test_cli_file_that_does_not_load_exits_1_with_validates_report(tmp_path: Path, name: str) -> None:
    out = tmp_path / "nothing.svg"
    spec = f"tests/broken/{name}.yaml"
    done = _cli("render", spec, "-o", str(out))
    assert done.returncode == 1
    assert done.stderr == _cli("validate", "--no-color", spec).stdout
    assert not out.exists()


@pytest.mark.parametrize("output", ["out.png", "out", "out.svg.txt"])
def test_cli_unknown_suffix_is_a_usage_error(tmp_path: Path, output: str) -> None:
    done = _cli("render", "specs/quiz.yaml", "-o", str(tmp_path / output))
    assert done.returncode == 2 and "render writes .svg or .html" in done.stderr
    assert not (tmp_path / output).exists()


def test_cli_needs_the_output_and_one_file(tmp_path: Path) -> None:
    assert _cli("render", "specs/quiz.yaml").returncode == 2
    assert _cli("render", "specs", "-o", str(tmp_path / "x.svg")).returncode == 2
    assert _cli("render", "no-such.yaml", "-o", str(tmp_path / "x.svg")).returncode == 2


def test_layout_handles_cycles_self_loops_and_long_chains() -> None:
    boxes = [Box(10, 40, 20)] * 4
    layout = layered(boxes, [(0, 1), (1, 2), (2, 1), (3, 3)])
    assert layout.reversed == [False, False, True, False]
    assert len(layout.routes) == 4
    chain = layered([Box(5, 5, 10)] * 20_000, [(index, index + 1) for index in range(19_999)])
    assert len(set(chain.x)) == 1 and chain.y == sorted(chain.y)


def test_cli_partly_readable_file_draws_what_can_be_read(tmp_path: Path) -> None:
    out = tmp_path / "partial.svg"
    done = _cli("render", "tests/broken/NC002_add_without_inputs.yaml", "-o", str(out))
    assert done.returncode == 0, done.stderr
    tree = ElementTree.fromstring(out.read_bytes())
    assert [g.get("data-name") for g in _nodes(tree) if "error" in g.get("class", "").split()] == ["residual"]


def test_broken_corpus_renders() -> None:
    for spec in sorted((ROOT / "tests" / "broken").glob("*.yaml")):
        report = check_path(str(spec))
        if report.rows:
            tree = ElementTree.fromstring(render.svg_document(report).encode("utf-8"))
            assert any("error" in g.get("class", "").split() for g in _nodes(tree)) or report.ok or any(
                v.layer is None for v in report.violations), spec.name
            assert render.html_page(report).endswith("</html>\n")


# The browser: Debian's chromium, headless.

def _chromium() -> str | None:
    """The browser: ``NETCHECK_CHROMIUM`` if set (None when it names nothing runnable), else Chromium on the PATH."""
    named = os.environ.get("NETCHECK_CHROMIUM")
    if named:
        return shutil.which(named)
    return next((found for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
                 if (found := shutil.which(name))), None)


CHROMIUM = _chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no headless Chromium: apt-get install chromium "
                                    "(or set NETCHECK_CHROMIUM); .ci/run installs it")
WINDOW = (1400, 1000)

MEASURE = """<script>
(function () {
  var out = {errors: window.__errors, diagrams: []};
  var use = document.querySelector('.picture g.node.use');
  if (use) {  // a click on a folded use opens its expansion
    use.dispatchEvent(new MouseEvent('click', {bubbles: true}));
    out.opened = document.getElementById('x-' + use.getAttribute('data-key')).open;
  }
  document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  document.querySelectorAll('svg.diagram').forEach(function (svg) {
    var frame = svg.getBoundingClientRect(), nodes = [];
    svg.querySelectorAll('g.node').forEach(function (g) {
      var r = g.getBoundingClientRect();
      nodes.push({name: g.getAttribute('data-name'), x: r.left, y: r.top, w: r.width, h: r.height});
    });
    out.diagrams.push({scene: svg.getAttribute('data-scene'), nodes: nodes,
                       frame: {x: frame.left, y: frame.top, w: frame.width, h: frame.height}});
  });
  var first = document.querySelector('.picture g.node.layer, .picture g.node.use');
  if (first) {
    first.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    var key = first.getAttribute('data-key');
    out.hover = !!document.querySelector('tr.hot[data-key="' + key + '"]') && first.classList.contains('hot');
  }
  var pre = document.createElement('pre');
  pre.id = 'measured';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""
CATCH = ("<script>window.__errors = []; "
         "window.addEventListener('error', function (e) { __errors.push(String(e.message)); });</script>")


def _browser(*arguments: str, profile: Path) -> subprocess.Popen[bytes]:
    assert CHROMIUM is not None
    return subprocess.Popen([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                             "--no-first-run", "--disable-extensions", f"--user-data-dir={profile}",
                             f"--window-size={WINDOW[0]},{WINDOW[1]}", *arguments],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


def _pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the RGB rows of a PNG: by Pillow when it is installed, else by ``_decoded``."""
    try:
        from PIL import Image
    except ImportError:
        return _decoded(png)
    import io

    with Image.open(io.BytesIO(png)) as image:
        rgb = image.convert("RGB")
        data, (width, height) = rgb.tobytes(), rgb.size
    return width, height, [data[row * width * 3:(row + 1) * width * 3] for row in range(height)]


def _decoded(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the unfiltered rows of an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    at, data, header = 8, b"", b""
    while at < len(png):
        length, kind = struct.unpack(">I4s", png[at:at + 8])
        chunk = png[at + 8:at + 8 + length]
        header, data = (chunk, data) if kind == b"IHDR" else (header, data + chunk if kind == b"IDAT" else data)
        at += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and colour in (2, 6) and interlace == 0
    step = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(data), width * step, [], bytearray(width * step)
    for row in range(height):
        kind, line = raw[row * (stride + 1)], bytearray(raw[row * (stride + 1) + 1:(row + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - step] if i >= step else 0
            up, corner = previous[i], previous[i - step] if i >= step else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                near = min((abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner))
                line[i] = (line[i] + near[2]) & 255
        rows.append(bytes(line[j] for j in range(stride) if j % step < 3))
        previous = line
    return width, height, rows


def _overlap(a: dict[str, float], b: dict[str, float]) -> float:
    width = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
    height = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
    return width * height if width > 0 and height > 0 else 0.0


@needs_chromium
@pytest.mark.parametrize("spec", SPECS, ids=lambda path: path.stem)
def test_chromium_draws_every_bundled_spec_without_overlaps(spec: Path, tmp_path: Path) -> None:
    report = check_path(str(spec))
    page = render.html_page(report)
    probe = tmp_path / "page.html"  # the page, with a script that catches errors and one that measures the boxes
    probe.write_text(page.replace("<head>", "<head>" + CATCH, 1).replace("</body>", MEASURE + "</body>", 1),
                     encoding="utf-8")
    shot = tmp_path / "page.png"
    browser = _browser("--dump-dom", f"--screenshot={shot}", probe.as_uri(), profile=tmp_path / "profile")
    dom, _ = browser.communicate(timeout=120)
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom.decode("utf-8"), re.S)
    assert found, "the measuring script did not run"
    measured = json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    assert measured["errors"] == []
    assert measured.get("hover") is True  # hovering the first layer lit it and its table row
    assert measured.get("opened", True) is True
    assert len(measured["diagrams"]) == len(scenes(report))
    for diagram in measured["diagrams"]:
        boxes, frame = diagram["nodes"], diagram["frame"]
        for box in boxes:
            assert box["w"] > 4 and box["h"] > 4, (diagram["scene"], box)
            assert frame["x"] - 0.5 <= box["x"] and box["x"] + box["w"] <= frame["x"] + frame["w"] + 0.5, box
        clashes = [(a["name"], b["name"]) for i, a in enumerate(boxes) for b in boxes[i + 1:] if _overlap(a, b) > 0.5]
        assert clashes == [], (diagram["scene"], clashes[:5])
    width, height, rows = _pixels(shot.read_bytes())
    assert (width, height) == WINDOW
    colours = {row[i:i + 3] for row in rows[::7] for i in range(0, len(row), 21)}
    inked = sum(1 for row in rows[::5] for i in range(0, len(row), 15) if row[i:i + 3] != b"\xff\xff\xff")
    assert len(colours) > 20 and inked > 500, "the picture is blank"


def test_readme_example_and_pictures(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### A picture of the network (`netcheck render`)", 1)[1].split("\n## ", 1)[0]
    command, shown = section.split("$ netcheck ", 1)[1].split("```", 1)[0].split("\n", 1)
    (tmp_path / "specs").mkdir()
    shutil.copy(ROOT / "specs" / "inception-block.yaml", tmp_path / "specs")
    assert _cli(*command.split(), cwd=tmp_path).stdout == shown
    pictures = re.findall(r"\(docs/(render-[a-z0-9-]+\.png)\)", section)
    assert "render-inception-block.png" in pictures
    for picture in pictures:
        assert (ROOT / "docs" / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    made = re.findall(r'\("(render-[a-z0-9-]+)", "', (ROOT / "scripts" / "render_docs.py").read_text(encoding="utf-8"))
    assert set(pictures) <= {f"{name}.png" for name in made}  # every picture shown is one the script makes


def test_every_layer_type_has_a_colour_family() -> None:
    """``svg.FAMILIES`` groups the layer types by colour: a new type must be placed (else it is drawn as "other")."""
    from netcheck.layers import RULES
    from netcheck.render import svg

    placed = [kind for kinds in svg.FAMILIES.values() for kind in kinds]
    assert sorted(placed) == sorted(RULES), set(RULES) ^ set(placed)
