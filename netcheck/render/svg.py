"""A scene drawn as SVG: a cuboid and a label per node, curved edges with arrows, violations in red.

``drawing`` lays a scene out and draws it as an ``<svg>`` element (for the
HTML page, several on one page: every id starts with the scene's prefix);
``document`` is the standalone file ``netcheck render -o OUT.svg`` writes, the
main scene under a heading with the totals and the network's own violations.
Colours and sizes are presentation attributes, not CSS, so the file looks the
same in any viewer; the classes and ``data-`` attributes are for the page's
script and for tests. The same report gives the same bytes.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from netcheck.render import volume
from netcheck.render.layout import Layout, Point, layered
from netcheck.render.scene import Node, Scene, main_scene, network_violations
from netcheck.report.safe import safe
from netcheck.results import FileReport, Violation

FONT = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace"
INK, MUTED, EDGE = "#1f2328", "#59636e", "#8c959f"
SEVERITY = {"error": ("#cf222e", "#ffebe9"), "warning": ("#bf8700", "#fff8c5")}  # (outline, halo)
HALO = 5.0  # how far a violation's halo reaches beyond the node
TOOLTIP_LAYERS = 12  # layers of a folded use listed in its tooltip
SHOWN_CODES = 3

#: Fill colours per family of layer types: (front, top, side).
PALETTE = {
    "conv": ("#6f9fd8", "#a9c7ec", "#4f7fb8"),
    "pool": ("#74b88a", "#a8d8b6", "#55976b"),
    "norm": ("#a5a9c9", "#cdd0e6", "#8488aa"),
    "activation": ("#e8c15a", "#f5de9c", "#c9a13c"),
    "dense": ("#b07cc6", "#d3afe2", "#8f5ca6"),
    "merge": ("#ee9a55", "#f7c597", "#cc7a38"),
    "reshape": ("#5fb7b2", "#9ed8d4", "#43958f"),
    "use": ("#7b86d6", "#b3baf0", "#5a65b5"),
    "input": ("#d0d7de", "#eaeef2", "#afb8c1"),
    "other": ("#b8bec6", "#dde1e6", "#979ea8"),
}
FAMILIES = {
    "conv": ("conv2d", "cond_conv2d", "conv_transpose2d", "channel_conv"),
    "pool": ("maxpool2d", "avgpool2d", "blurpool2d", "global_avgpool2d", "global_maxpool2d", "adaptive_avgpool2d",
             "adaptive_maxpool2d"),
    "norm": ("batchnorm2d", "lrn", "layernorm2d", "rmsnorm2d", "grn", "evonorm2d", "groupnorm", "instancenorm2d",
             "layer_scale", "scale"),
    "activation": ("activation", "group_softmax", "prelu", "dropout", "drop_path", "identity"),
    "dense": ("dense",),
    "merge": ("add", "subtract", "concat", "multiply", "context_pool2d"),
    "reshape": ("flatten", "zeropad2d", "crop2d", "upsample2d", "resize2d", "slice", "channel_shuffle", "pixel_shuffle",
                "pixel_unshuffle"),
}
FAMILY_OF = {kind: family for family, kinds in FAMILIES.items() for kind in kinds}
_NOT_XML = re.compile("[\ufffe\uffff]")


def text(value: str) -> str:
    """``value`` escaped for XML text and attributes (control characters shown as ``\\uXXXX``)."""
    return html.escape(_NOT_XML.sub(lambda match: f"\\u{ord(match.group()):04x}", safe(value)), quote=True)


def number(value: float) -> str:
    """A coordinate with at most one decimal (``12``, ``12.5``), the same on every platform."""
    shown = f"{value:.1f}"
    shown = shown[:-2] if shown.endswith(".0") else shown
    return "0" if shown == "-0" else shown


def count(value: int | None) -> str:
    """``25,557,032``; ``?`` when unknown."""
    return "?" if value is None else f"{value:,}"


def scaled(value: int | None) -> str:
    """``4.09 G``, ``25.6 M``, ``3,860``: a count short enough for a heading."""
    if value is None:
        return "?"
    for size, unit in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if value >= 10 * size or (value >= size and size >= 10**6):
            return f"{value / size:.3g} {unit}"
    return f"{value:,}"


def family(node: Node) -> str:
    """The colour family of a node: its layer type's, or ``use`` and ``input``."""
    if node.kind == "use":
        return "use"
    if node.kind in ("input", "external", "missing") and node.row is None:
        return "input"
    return FAMILY_OF.get(node.type, "other")


def lines_of(node: Node) -> tuple[str, ...]:
    """The label's lines: the name; the type and output shape; a use's size; the violation codes."""
    shape = str(node.shape) if node.shape is not None else "?"
    if node.kind == "input":
        lines = [node.name, shape]
    elif node.kind == "missing":
        lines = [node.name, "no such layer"]
    else:
        lines = [node.shown_name, f"{node.type} · {shape}"]
    if node.kind == "use":
        lines.append(f"{node.layers} layers")
    if node.violations:
        codes = list(dict.fromkeys(violation.code for violation in node.violations))
        more = f" +{len(codes) - SHOWN_CODES}" if len(codes) > SHOWN_CODES else ""
        lines.append(" ".join(codes[:SHOWN_CODES]) + more)
    return tuple(volume.shortened(safe(line)) for line in lines)


def violation_text(violation: Violation) -> list[str]:
    """A violation's lines in a tooltip: code, severity and message, then each fix."""
    return [f"{violation.code} {violation.severity}: {violation.message}",
            *(f"  fix: {fix.message}" for fix in violation.fixes)]


def tooltip(node: Node, inside: list[str]) -> str:
    """The node's ``<title>``: what it is, what it costs, its violations (a use: its first layers)."""
    row = node.row
    lines = [f"{node.name} ({node.type})"]
    if node.kind == "missing":
        lines = [f"{node.name}: no layer has this name"]
    facts = [f"output {node.shape if node.shape is not None else '?'}"]
    if row is not None and node.kind in ("layer", "use"):
        facts += [f"params {count(row.params)}", f"MACs {count(row.macs)}"]
    lines.append(" · ".join(facts))
    if node.kind == "external":
        lines.append("read from outside this use")
    if inside:
        shown = inside[:TOOLTIP_LAYERS]
        lines.append(f"{node.layers} layers: " + ", ".join(shown) + (", …" if len(inside) > len(shown) else ""))
    for violation in node.violations:
        lines.extend(violation_text(violation))
    return "\n".join(text(line) for line in lines)


@dataclass(frozen=True, slots=True)
class Drawing:
    """A scene drawn: its ``<svg>`` element and its size."""

    markup: str
    width: float
    height: float


def drawing(scene: Scene, prefix: str, members: dict[str, list[str]] | None = None, offset: float = 0.0,
            extra: str = "", min_width: float = 0.0) -> Drawing:
    """The scene laid out and drawn as an ``<svg>`` element; ``members``: a use's layer names, by node key.

    ``offset`` moves the diagram down (room for ``extra``, markup drawn above it).
    """
    geometries = [volume.geometry(node.shape, lines_of(node), node.kind == "use") for node in scene.nodes]
    layout = layered([geometry.box for geometry in geometries], scene.edges)
    width = max(layout.width, min_width)
    height = layout.height + offset
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="diagram" id="{prefix}svg" '
             f'viewBox="0 0 {number(width)} {number(height)}" width="{number(width)}" height="{number(height)}" '
             f'font-family="{FONT}" data-scene="{text(scene.key)}">',
             _defs(prefix), extra, f'<g transform="translate(0,{number(offset)})">', '<g class="nodes">']
    for index, (node, geometry) in enumerate(zip(scene.nodes, geometries)):
        inside = (members or {}).get(node.key, [])
        parts.append(_node(node, geometry, layout, index, prefix, inside))
    parts.append('</g><g class="edges">')
    parts.extend(_edge(scene, layout, index, prefix) for index in range(len(scene.edges)))
    parts.append("</g></g></svg>")
    return Drawing("".join(parts), width, height)


def _defs(prefix: str) -> str:
    """The arrowheads (ordinary and red)."""
    arrows = [f'<marker id="{prefix}{name}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
              f'orient="auto-start-reverse"><path d="M0,1 L10,5 L0,9 z" fill="{colour}"/></marker>'
              for name, colour in (("arrow", EDGE), ("arrow-bad", SEVERITY["error"][0]))]
    return "<defs>" + "".join(arrows) + "</defs>"


def _node(node: Node, geometry: volume.Geometry, layout: Layout, index: int, prefix: str, inside: list[str]) -> str:
    """One node: a ``<g>`` at its place with its tooltip, halo, cuboid (cards behind a use) and label."""
    worst = node.worst
    classes = " ".join(part for part in ("node", node.kind, worst) if part)
    box = geometry.box
    place = f"translate({number(layout.x[index])},{number(layout.y[index])})"
    parts = [f'<g class="{classes}" id="{prefix}n{index}" data-key="{text(node.key)}" data-name="{text(node.name)}" '
             f'data-type="{text(node.type)}" data-layer="{layout.layer[index]}" transform="{place}">',
             f"<title>{tooltip(node, inside)}</title>",
             f'<rect class="hit" x="{number(-box.left - 3)}" y="-3" width="{number(box.left + box.right + 6)}" '
             f'height="{number(box.height + 6)}" rx="4" fill="#ffffff" fill-opacity="0"/>']
    if worst is not None:
        outline, halo = SEVERITY[worst]
        parts.append(f'<rect class="halo" x="{number(-box.left - HALO)}" y="{number(-HALO)}" '
                     f'width="{number(box.left + box.right + 2 * HALO)}" height="{number(box.height + 2 * HALO)}" '
                     f'rx="6" fill="{halo}" stroke="{outline}" stroke-width="1.5"/>')
    parts.append(_body(node, geometry))
    parts.append(_label(node, geometry))
    parts.append("</g>")
    return "".join(parts)


def _faces(x: float, y: float, body: volume.Cuboid) -> tuple[str, str, str]:
    """The points of the top face, the side face and the whole silhouette of a cuboid whose top left is x, y."""
    f, t, dx, dy = body.front, body.thick, body.dx, body.dy
    top = [(x, y + dy), (x + dx, y), (x + dx + f, y), (x + f, y + dy)]
    side = [(x + f, y + dy), (x + f + dx, y), (x + f + dx, y + t), (x + f, y + dy + t)]
    outline = [(x, y + dy), (x + dx, y), (x + dx + f, y), (x + dx + f, y + t), (x + f, y + dy + t), (x, y + dy + t)]
    return _points(top), _points(side), _points(outline)


def _points(points: list[Point]) -> str:
    """A polygon's ``points``."""
    return " ".join(f"{number(px)},{number(py)}" for px, py in points)


def _body(node: Node, geometry: volume.Geometry) -> str:
    """The cuboid: front, top and side faces, dashed when the shape is unknown; a use's cards behind it."""
    front, top, side = PALETTE[family(node)]
    body, x, y = geometry.body, geometry.body_x, geometry.body_y
    stroke = SEVERITY[node.worst][0] if node.worst else "#57606a"
    width = "1.6" if node.worst else "0.8"
    dash = ' stroke-dasharray="3 2"' if node.shape is None or node.kind in ("external", "missing") else ""
    paint = f'stroke="{stroke}" stroke-width="{width}" stroke-linejoin="round"{dash}'
    parts = []
    if node.kind == "use":
        for step in (volume.STACK, volume.STACK / 2):
            outline = _faces(x + step, y - step, body)[2]
            parts.append(f'<polygon class="card" points="{outline}" fill="{top}" {paint}/>')
    top_points, side_points, _ = _faces(x, y, body)
    opacity = ' fill-opacity="0.45"' if node.kind in ("external", "missing") else ""
    parts.append(f'<g class="body"{opacity}>'
                 f'<polygon class="top" points="{top_points}" fill="{top}" {paint}/>'
                 f'<polygon class="side" points="{side_points}" fill="{side}" {paint}/>'
                 f'<rect class="front" x="{number(x)}" y="{number(y + body.dy)}" width="{number(body.front)}" '
                 f'height="{number(body.thick)}" fill="{front}" {paint}/></g>')
    return "".join(parts)


def _label(node: Node, geometry: volume.Geometry) -> str:
    """The label's lines beside the cuboid: the name in bold, then the details; codes in the severity's colour."""
    parts = []
    codes_line = len(geometry.lines) - 1 if node.violations else -1
    for line_number, line in enumerate(geometry.lines):
        baseline = geometry.label_y + volume.LINE * line_number + 11.5
        if line_number == 0:
            style = f'font-size="{number(volume.FONT_SIZE)}" font-weight="bold" fill="{INK}"'
            if node.kind in ("external", "missing"):
                style = f'font-size="{number(volume.FONT_SIZE)}" font-style="italic" fill="{MUTED}"'
        elif line_number == codes_line and node.worst:
            style = f'font-size="{number(volume.SMALL_SIZE)}" font-weight="bold" fill="{SEVERITY[node.worst][0]}"'
        else:
            style = f'font-size="{number(volume.SMALL_SIZE)}" fill="{MUTED}"'
        kind = "name" if line_number == 0 else ("codes" if line_number == codes_line else "info")
        parts.append(f'<text class="{kind}" x="{number(geometry.label_x)}" y="{number(baseline)}" {style}>'
                     f"{text(line)}</text>")
    return "".join(parts)


def _edge(scene: Scene, layout: Layout, index: int, prefix: str) -> str:
    """One edge: straight through each layer's band, an S-curve between bands, an arrow at the target."""
    source, target = scene.edges[index]
    route = layout.routes[index]
    bad = layout.reversed[index] or scene.nodes[source].kind == "missing"
    colour, arrow = (SEVERITY["error"][0], "arrow-bad") if bad else (EDGE, "arrow")
    dash = ' stroke-dasharray="5 3"' if bad else ""
    return (f'<path class="edge" data-from="{text(scene.nodes[source].key)}" data-to="{text(scene.nodes[target].key)}" '
            f'd="{path(route)}" fill="none" stroke="{colour}" stroke-width="1.4"{dash} '
            f'marker-end="url(#{prefix}{arrow})"/>')


def path(route: list[Point]) -> str:
    """The ``d`` of a route: its points joined by lines within bands and S-curves between them."""
    (x0, y0), rest = route[0], route[1:]
    parts = [f"M{number(x0)},{number(y0)}"]
    previous = route[0]
    for step, (x1, y1) in enumerate(rest):
        if step % 2 == 0:
            if (x1, y1) != previous:
                parts.append(f"L{number(x1)},{number(y1)}")
        else:
            middle = (previous[1] + y1) / 2
            parts.append(f"C{number(previous[0])},{number(middle)} {number(x1)},{number(middle)} "
                         f"{number(x1)},{number(y1)}")
        previous = (x1, y1)
    return " ".join(parts)


def members_of(report: FileReport) -> dict[str, list[str]]:
    """The names of the layers in each use, by the use's node key (for tooltips)."""
    found: dict[str, list[str]] = {}
    for number_, use in enumerate(report.uses):
        found.setdefault(f"U{number_}", [row.name for row in report.rows[use.start:use.stop]])
    return found


def heading_lines(report: FileReport) -> list[tuple[str, str]]:
    """The heading above a standalone picture: (kind, line) for the title, the facts, the tally, each violation."""
    rows = report.rows
    output = rows[-1].output if rows else None
    totals = report.totals
    facts = [f"{report.input_shape or '?'} → {output or '?'}", f"{count(totals.get('trainable_params'))} params",
             f"{scaled(totals.get('macs'))} MACs", f"{len(rows)} layers"]
    errors, warnings = report.errors, report.warnings
    tally = (f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
             if report.violations else "no violations")
    lines = [("title", report.name or report.path), ("facts", f"{report.path} · " + " · ".join(facts)),
             ("error" if errors else "warning" if warnings else "facts", tally)]
    for violation in network_violations(report):
        where = f"{violation.line}:{violation.column}"
        lines.append((violation.severity, volume.shortened(f"{where} {violation.code} {violation.message}", 140)))
    return lines


LEGEND = {"conv": "convolution", "pool": "pooling", "norm": "normalisation", "activation": "activation, dropout",
          "dense": "dense", "merge": "add, concat", "reshape": "reshape", "use": "block use (folded)",
          "input": "input"}


def legend(scenes_drawn: list[Scene], x: float, y: float) -> tuple[str, float]:
    """A row of swatches naming the colour of each family drawn, from ``x`` at baseline ``y``; its width."""
    present = {family(node) for scene in scenes_drawn for node in scene.nodes}
    parts, at = [], x
    for name, label in LEGEND.items():
        if name not in present:
            continue
        front = PALETTE[name][0]
        parts.append(f'<rect x="{number(at)}" y="{number(y - 9)}" width="10" height="10" fill="{front}" '
                     f'stroke="#57606a" stroke-width="0.6"/><text x="{number(at + 14)}" y="{number(y)}" '
                     f'font-size="11" fill="{MUTED}">{text(label)}</text>')
        at += 14 + volume.text_width(label, 11.0) + 14
    return f'<g class="legend">{"".join(parts)}</g>', at - x


def document(report: FileReport) -> str:
    """The standalone SVG of a report: the heading and a legend, then the main scene (block uses folded)."""
    marks = []
    at = 26.0
    width = 0.0
    for kind, line in heading_lines(report):
        size = 17.0 if kind == "title" else 12.0
        colour = SEVERITY[kind][0] if kind in SEVERITY else (INK if kind == "title" else MUTED)
        weight = ' font-weight="bold"' if kind in ("title", "error") else ""
        marks.append(f'<text class="heading {kind}" x="16" y="{number(at)}" font-size="{number(size)}"'
                     f'{weight} fill="{colour}">{text(line)}</text>')
        width = max(width, 32 + volume.text_width(line, size))
        at += size + 8
    main = main_scene(report)
    key, key_width = legend([main], 16, at + 2)
    width = max(width, 32 + key_width)
    at += 22
    background = '<rect class="background" width="100%" height="100%" fill="#ffffff"/>'
    drawn = drawing(main, "nc-", members_of(report), at, background + "".join(marks) + key, width)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + drawn.markup + "\n"
