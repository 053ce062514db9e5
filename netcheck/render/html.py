"""The HTML report: one self-contained page with the picture, the table, the violations with fixes, the totals.

Everything is inline (the SVG, one ``<style>``, one ``<script>``): no URL,
font, script or stylesheet is fetched, so the page works opened from disk and
offline. The diagram pane and the report pane scroll side by side; every
element about one layer or use carries its ``data-key``, and hovering one
highlights all of them (the node, its edges, its table row, its violations),
scrolling the other pane to it when it is out of sight. A folded use opens its
expansion below: its own diagram and table, with the uses inside it folded
again, nested as the blocks are.
"""

from __future__ import annotations

from netcheck.render import svg
from netcheck.render.scene import Scene, network_violations, scenes
from netcheck.report.table import COLUMNS, SummaryRow, cells, memory_lines, totals_lines
from netcheck.results import FileReport, Violation

STYLE = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --hot: #0969da; --hot-bg: #ddf4ff;
        --error: #cf222e; --warning: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       color: var(--ink); background: #fff; }
header { padding: 12px 20px; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 2px; font-size: 20px; }
.facts { color: var(--muted); margin: 0; }
.tally { margin: 2px 0 0; font-weight: 600; }
header .line { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 24px; }
.tally.error { color: var(--error); } .tally.warning { color: var(--warning); }
main { display: grid; grid-template-columns: minmax(280px, auto) minmax(420px, 1fr);
       height: calc(100vh - var(--header, 90px)); }
.pane { overflow: auto; padding: 12px 20px; }
.picture { border-right: 1px solid var(--line); }
@media (max-width: 1000px) { main { display: block; height: auto; } .pane { overflow: visible; } }
h2 { font-size: 16px; margin: 18px 0 8px; } h2:first-child { margin-top: 0; }
table { border-collapse: collapse; font: 12px/1.35 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
th, td { padding: 3px 8px; border-bottom: 1px solid #eef1f4; text-align: right; white-space: nowrap; }
th { position: sticky; top: 0; background: #f6f8fa; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child { text-align: left; }
tr.error td:first-child { box-shadow: inset 3px 0 var(--error); }
tr.warning td:first-child { box-shadow: inset 3px 0 #d4a72c; }
tr.use td:first-child { font-weight: 600; }
tr.hot td { background: var(--hot-bg); }
ul.violations { list-style: none; padding: 0 4px 0 0; margin: 0; max-height: 45vh; overflow: auto; }
ul.violations > li { padding: 6px 10px; margin: 0 0 6px; border-left: 3px solid #d4a72c; background: #fff8c5; }
ul.violations > li.error { border-left-color: var(--error); background: #ffebe9; }
ul.violations > li.hot { outline: 2px solid var(--hot); }
.code { font-weight: 700; } .code.error { color: var(--error); } .code.warning { color: var(--warning); }
.where { color: var(--muted); font-family: ui-monospace, monospace; font-size: 12px; }
.via, .fixes { margin: 1px 0 0 18px; padding: 0; font-size: 13px; }
.via { color: var(--muted); }
.fixes li { color: #1a7f37; }
dl.totals { display: grid; grid-template-columns: max-content max-content; gap: 2px 16px; margin: 0; }
dl.totals dt { color: var(--muted); }
dl.totals dd { margin: 0; text-align: right; font-family: ui-monospace, monospace; }
details { margin: 6px 0; border: 1px solid var(--line); border-radius: 6px; padding: 4px 10px; }
details > summary { cursor: pointer; font-weight: 600; }
details > summary .where { font-weight: 400; }
details > summary.hot { color: var(--hot); }
.expansion { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 8px 24px; overflow: auto;
             margin: 6px 0; }
svg.diagram { display: block; }
svg .node { cursor: default; } svg .node.use { cursor: pointer; }
svg .node.hot .hit { fill: var(--hot-bg); fill-opacity: 0.7; stroke: var(--hot); stroke-width: 1.5; }
svg .edge.hot { stroke: var(--hot); stroke-width: 2.2; }
"""

SCRIPT = """
(function () {
  var byKey = {}, current = null;
  document.querySelectorAll('[data-key]').forEach(function (el) {
    (byKey[el.getAttribute('data-key')] = byKey[el.getAttribute('data-key')] || []).push(el);
  });
  document.querySelectorAll('.edge').forEach(function (el) {
    ['data-from', 'data-to'].forEach(function (name) {
      var key = el.getAttribute(name);
      (byKey[key] = byKey[key] || []).push(el);
    });
  });
  function reveal(el, from) {
    var pane = el.closest('.pane');
    if (!pane || pane === from || el.getClientRects().length === 0) return;
    var box = el.getBoundingClientRect(), view = pane.getBoundingClientRect();
    if (box.top < view.top || box.bottom > view.bottom) pane.scrollTop += box.top - view.top - view.height / 3;
  }
  function light(key, source) {
    if (key === current) return;
    (byKey[current] || []).forEach(function (el) { el.classList.remove('hot'); });
    current = key;
    var from = source && source.closest('.pane'), shown = false;
    (byKey[key] || []).forEach(function (el) {
      el.classList.add('hot');
      if (!shown && el.tagName.toLowerCase() === 'tr' && el.closest('.pane') !== from) {
        reveal(el, from);
        shown = true;
      }
    });
    if (from && !from.classList.contains('picture')) {
      var node = (byKey[key] || []).filter(function (el) { return el.closest('.picture'); })[0];
      if (node) reveal(node, from);
    }
  }
  document.addEventListener('mouseover', function (event) {
    var el = event.target.closest && event.target.closest('[data-key]');
    light(el ? el.getAttribute('data-key') : null, el);
  });
  document.addEventListener('click', function (event) {
    var el = event.target.closest && event.target.closest('.node.use, tr.use');
    if (!el) return;
    var target = document.getElementById('x-' + el.getAttribute('data-key'));
    if (!target) return;
    for (var open = target; open; open = open.parentElement && open.parentElement.closest('details')) open.open = true;
    target.scrollIntoView({block: 'start'});
  });
  var header = document.querySelector('header');
  if (header) document.documentElement.style.setProperty('--header', header.offsetHeight + 'px');
})();
"""


def page(report: FileReport) -> str:
    """The whole page for one checked file."""
    built = scenes(report)
    members = svg.members_of(report)
    by_key = {scene.key: scene for scene in built}
    main = built[0]
    parts = ["<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
             '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
             f"<title>{svg.text(report.name or report.path)} · netcheck render</title>\n",
             f"<style>{STYLE}</style>\n</head>\n<body>\n", _header(report, built),
             '<main>\n<section class="pane picture" aria-label="diagram">\n',
             svg.drawing(main, "main-", members).markup, "\n</section>\n",
             '<section class="pane report" aria-label="report">\n', _violations(report, main),
             "<h2>Layers</h2>\n", _table(main), "<h2>Totals</h2>\n", _totals(report)]
    if len(built) > 1:
        parts += ["<h2>Blocks</h2>\n", _expansions(built, by_key, members)]
    parts += ["</section>\n</main>\n", f"<script>{SCRIPT}</script>\n</body>\n</html>\n"]
    return "".join(parts)


def _header(report: FileReport, built: list[Scene]) -> str:
    """The name, the facts, the tally and the colours' legend."""
    lines = svg.heading_lines(report)
    title, facts, (kind, tally) = lines[0][1], lines[1][1], lines[2]
    key, width = svg.legend(built, 1, 12)
    legend = (f'<svg xmlns="http://www.w3.org/2000/svg" class="legend" width="{svg.number(width)}" height="16" '
              f'viewBox="0 0 {svg.number(width)} 16" font-family="{svg.FONT}">{key}</svg>')
    return (f"<header>\n<h1>{svg.text(title)}</h1>\n<p class=\"facts\">{svg.text(facts)}</p>\n"
            f"<div class=\"line\"><p class=\"tally {kind}\">{svg.text(tally)}</p>{legend}</div>\n</header>\n")


def _violations(report: FileReport, main: Scene) -> str:
    """Every violation with where it is, the uses that led there and its fixes; each keyed to its node."""
    if not report.violations:
        return ""
    keys = _violation_keys(report, main)
    items = []
    for violation in report.violations:
        key = keys.get(id(violation))
        attribute = f' data-key="{svg.text(key)}"' if key else ""
        layer = f" <b>{svg.text(violation.layer)}</b>" if violation.layer else ""
        via = " › ".join(f"{svg.text(hop.layer)} <span class=\"where\">{hop.line}:{hop.column}</span>"
                         for hop in violation.via)
        fixes = "".join(f"<li>fix: {svg.text(fix.message)}</li>" for fix in violation.fixes)
        where = f"{svg.text(report.path)}:{violation.line}:{violation.column}"
        items.append(f'<li class="{violation.severity}"{attribute}><span class="where">{where}</span> '
                     f'<span class="code">{svg.text(violation.code)}</span>'
                     f" {violation.severity}{layer}: {svg.text(violation.message)}"
                     + (f'<div class="via">in {via}</div>' if via else "")
                     + (f'<ul class="fixes">{fixes}</ul>' if fixes else "") + "</li>\n")
    return f"<h2>Violations</h2>\n<ul class=\"violations\">\n{''.join(items)}</ul>\n"


def _violation_keys(report: FileReport, main: Scene) -> dict[int, str]:
    """The key of the main diagram's node each violation belongs to, by the violation's id."""
    keys: dict[int, str] = {}
    for node in main.nodes:
        for violation in node.violations:
            keys.setdefault(id(violation), node.key)
    for violation in network_violations(report):
        keys.pop(id(violation), None)
    return keys


def _summary_row(scene: Scene, index: int, sources: list[int]) -> SummaryRow | None:
    """The summary's row for the scene's node ``index``: its row, its inputs' shapes and names as drawn."""
    node = scene.nodes[index]
    if node.row is None:
        return None
    read = [scene.nodes[source] for source in sources]
    return SummaryRow(node.row, tuple(source.shape for source in read), tuple(source.name for source in read))


def _table(scene: Scene) -> str:
    """The summary table of a scene's own nodes (``summary --depth`` of its level), each row keyed to its node."""
    head = "".join(f"<th>{svg.text(column.header)}</th>" for column in COLUMNS)
    sources: dict[int, list[int]] = {}
    for source, target in scene.edges:
        sources.setdefault(target, []).append(source)
    body = []
    for index, node in enumerate(scene.nodes):
        row = _summary_row(scene, index, sources.get(index, [])) if node.kind in ("layer", "use") else None
        if row is None:
            continue
        classes = " ".join(part for part in (node.kind, node.worst) if part)
        shown = "".join(f"<td>{svg.text(cell)}</td>" for cell in cells(row))
        body.append(f'<tr class="{classes}" data-key="{svg.text(node.key)}">{shown}</tr>\n')
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{''.join(body)}</tbody>\n</table>\n"


def _totals(report: FileReport) -> str:
    """The totals and torchinfo's memory estimate, as the summary prints them."""
    entries = []
    for line in [*totals_lines(report), *memory_lines(report)]:
        label, _, value = line.partition(": ")
        entries.append(f"<dt>{svg.text(label)}</dt><dd>{svg.text(value)}</dd>")
    return f"<dl class=\"totals\">{''.join(entries)}</dl>\n"


def _expansions(built: list[Scene], by_key: dict[str, Scene], members: dict[str, list[str]]) -> str:
    """One ``<details>`` per use, nested as the uses are: its diagram and its table."""
    children: dict[str, list[Scene]] = {}
    for scene in built[1:]:
        children.setdefault(scene.parent or "main", []).append(scene)
    parts: list[str] = []
    stack: list[tuple[Scene, bool]] = [(scene, False) for scene in reversed(children.get("main", []))]
    while stack:
        scene, closing = stack.pop()
        if closing:
            parts.append("</details>\n")
            continue
        parts.append(_expansion_head(scene, by_key))
        parts.append(f'<div class="expansion">{svg.drawing(scene, scene.key + "-", members).markup}\n'
                     f"{_table(scene)}</div>\n")
        stack.append((scene, True))
        stack.extend((child, False) for child in reversed(children.get(scene.key, [])))
    return "".join(parts)


def _expansion_head(scene: Scene, by_key: dict[str, Scene]) -> str:
    """A use's ``<details>`` and its summary line: name, block, size, output, the codes of its violations."""
    use = scene.use
    parent = by_key.get(scene.parent or "main")
    node = next((node for node in parent.nodes if node.key == scene.key), None) if parent else None
    worst = node.worst if node is not None else None
    size = f"{use.stop - use.start} layers" if use is not None else ""
    shape = f" · {node.shape}" if node is not None and node.shape is not None else ""
    mark = f' <span class="code {worst}">{_codes(node.violations)}</span>' if node is not None and worst else ""
    key = svg.text(scene.key)
    return (f'<details id="x-{key}"><summary data-key="{key}">{svg.text(scene.title)} '
            f'<span class="where">{size}{svg.text(shape)}</span>{mark}</summary>\n')


def _codes(violations: tuple[Violation, ...]) -> str:
    """Each code once, in order."""
    return svg.text(" ".join(dict.fromkeys(violation.code for violation in violations)))
