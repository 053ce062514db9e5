"""A layered layout of a directed graph, top to bottom, in pure Python (no graphviz).

Sugiyama's four steps, each deterministic (ties broken by node index):

1. *Acyclic*: an order in which every edge points forward (Kahn's algorithm;
   a node on a cycle is taken out smallest index first), edges against that
   order are laid out reversed.
2. *Layers*: longest path from the sources, so a node sits one layer below the
   deepest of its inputs; an edge over several layers gets one *dummy* node
   per layer crossed, through which it is routed around the real nodes.
3. *Order in a layer*: a depth-first discovery order (a chain stays together,
   a skip connection's dummies land beside it), then barycenter sweeps down
   and up, keeping the order with the fewest crossings.
4. *Coordinates*: Brandes and Köpf's method. Each vertex is aligned with a
   median neighbour above (four times: aligning downwards and upwards, from
   the left and from the right), aligned vertices form vertical blocks that
   share one x, and blocks are packed as tight as the spacing allows; each
   vertex then takes the mean of its two middle candidates. An alignment must
   suit both ends (each a median of the other's neighbours), and of two middle
   neighbours a real node is preferred to a dummy, so that a chain stays
   straight and a skip connection runs beside it as one straight line that
   bends into its merge. Segments crossing a long edge give way to it.

Nodes are boxes around an anchor x (``left`` and ``right`` of it) with
``entry`` and ``exit`` heights where edges arrive and leave. Everything is
linear or n·log n per layer, so a 10,000-layer chain lays out in well under a
second.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import pairwise

Point = tuple[float, float]

SWEEPS = 6  # barycenter sweeps (each down then up) tried for the order


@dataclass(frozen=True, slots=True)
class Box:
    """A node's extent around its anchor: ``left`` and ``right`` of it, ``height`` tall.

    Edges arrive at ``entry`` and leave at ``exit`` (heights from the box's top),
    at the anchor's x; several edges arriving (or leaving) spread over
    ``ports`` either side of it, in the order they come from (or go to).
    """

    left: float
    right: float
    height: float
    entry: float = 0.0
    exit: float = -1.0  # -1: the bottom
    ports: float = 0.0  # how far either side of the anchor several edges may arrive or leave, spread out

    @property
    def leaves_at(self) -> float:
        """The height where edges leave (``exit``, or the bottom)."""
        return self.height if self.exit < 0 else self.exit


@dataclass(frozen=True, slots=True)
class Spacing:
    """Gaps: between boxes side by side, beside a routed edge, and between layers."""

    node: float = 28.0
    dummy: float = 14.0
    layer: float = 34.0
    margin: float = 16.0


@dataclass(slots=True)
class Layout:
    """Where everything goes: each node's anchor x and top y, each edge's route, the size of the whole."""

    x: list[float]
    y: list[float]
    layer: list[int]
    routes: list[list[Point]]  # per edge: from the source's exit to the target's entry
    reversed: list[bool]  # per edge: laid out against its direction (a cycle)
    width: float = 0.0
    height: float = 0.0


@dataclass(slots=True)
class _Graph:
    """The graph being laid out: real nodes first, then dummies; each vertex's layer and neighbours."""

    real: int
    layer: list[int]
    up: list[list[int]] = field(default_factory=list)  # neighbours in the layer above
    down: list[list[int]] = field(default_factory=list)  # neighbours in the layer below
    chains: list[list[int]] = field(default_factory=list)  # per edge: source, dummies..., target (laid-out way)

    def add(self, layer: int) -> int:
        """A new dummy vertex in ``layer``; its index."""
        self.layer.append(layer)
        self.up.append([])
        self.down.append([])
        return len(self.layer) - 1

    def link(self, upper: int, lower: int) -> None:
        """An edge segment between adjacent layers."""
        self.down[upper].append(lower)
        self.up[lower].append(upper)

    def is_real(self, vertex: int) -> bool:
        """True for the caller's nodes (not dummies)."""
        return vertex < self.real


def layered(boxes: list[Box], edges: list[tuple[int, int]], spacing: Spacing = Spacing()) -> Layout:
    """Lay out nodes ``boxes`` joined by ``edges`` (source, target), inputs above their readers."""
    count = len(boxes)
    forward = _forward_order(count, edges)
    flipped = [forward[source] > forward[target] for source, target in edges]
    oriented = [(t, s) if flip else (s, t) for (s, t), flip in zip(edges, flipped)]
    graph = _graph(count, oriented, _layers(count, oriented, forward))
    rows = _ordered(graph)
    x = _coordinates(graph, rows, boxes, spacing)
    tops, bottoms = _bands(graph, rows, boxes, spacing)
    y = [tops[graph.layer[v]] + (bottoms[graph.layer[v]] - tops[graph.layer[v]] - boxes[v].height) / 2
         for v in range(count)]
    routes = [_route(chain, graph, x, y, boxes, tops, bottoms) for chain in graph.chains]
    _spread(graph.chains, routes, boxes)
    routes = [route[::-1] if flip else route for route, flip in zip(routes, flipped)]
    width, shift = _extent(graph, rows, x, boxes, spacing)
    x = [value + shift for value in x[:count]]
    routes = [[(px + shift, py) for px, py in route] for route in routes]
    height = (bottoms[-1] if bottoms else 0.0) + spacing.margin
    return Layout(x, y, graph.layer[:count], routes, flipped, width, height)


def _forward_order(count: int, edges: list[tuple[int, int]]) -> list[int]:
    """Each node's place in an order where edges point forward; a cycle is broken at its smallest node."""
    waiting = [0] * count
    readers: list[list[int]] = [[] for _ in range(count)]
    for source, target in edges:
        if source != target:
            waiting[target] += 1
            readers[source].append(target)
    place = [-1] * count
    ready = deque(node for node in range(count) if waiting[node] == 0)
    placed, stuck = 0, 0
    while placed < count:
        if not ready:
            while place[stuck] >= 0:
                stuck += 1
            ready.append(stuck)
            waiting[stuck] = 0
        node = ready.popleft()
        if place[node] >= 0:
            continue
        place[node] = placed
        placed += 1
        for reader in readers[node]:
            waiting[reader] -= 1
            if waiting[reader] == 0 and place[reader] < 0:
                ready.append(reader)
    return place


def _layers(count: int, edges: list[tuple[int, int]], place: list[int]) -> list[int]:
    """Longest path from the sources; a source that feeds only deeper layers moves down next to its first reader."""
    layer = [0] * count
    inputs: list[list[int]] = [[] for _ in range(count)]
    readers: list[list[int]] = [[] for _ in range(count)]
    for source, target in edges:
        if source != target:
            inputs[target].append(source)
            readers[source].append(target)
    order = sorted(range(count), key=place.__getitem__)
    for node in order:
        if inputs[node]:
            layer[node] = 1 + max(layer[source] for source in inputs[node])
    for node in order:
        if not inputs[node] and readers[node] and place[node] > 0:
            layer[node] = max(0, min(layer[reader] for reader in readers[node]) - 1)
    return layer


def _graph(count: int, edges: list[tuple[int, int]], layer: list[int]) -> _Graph:
    """The layered graph: each edge over k layers as a chain through k − 1 dummies."""
    graph = _Graph(count, list(layer), [[] for _ in range(count)], [[] for _ in range(count)])
    for source, target in edges:
        chain = [source]
        if source != target:
            for depth in range(layer[source] + 1, layer[target]):
                chain.append(graph.add(depth))
            chain.append(target)
            for upper, lower in pairwise(chain):
                graph.link(upper, lower)
        else:
            chain.append(target)
        graph.chains.append(chain)
    return graph


def _ordered(graph: _Graph) -> list[list[int]]:
    """The vertices of each layer, left to right, with few crossings."""
    rows = _discovery_rows(graph)
    best, fewest = [list(row) for row in rows], _crossings(graph, rows)
    for _ in range(SWEEPS):
        if fewest == 0:
            break
        for index in range(1, len(rows)):
            rows[index] = _by_barycenter(rows[index], rows[index - 1], graph.up)
        for index in range(len(rows) - 2, -1, -1):
            rows[index] = _by_barycenter(rows[index], rows[index + 1], graph.down)
        crossings = _crossings(graph, rows)
        if crossings < fewest:
            best, fewest = [list(row) for row in rows], crossings
    return best


def _discovery_rows(graph: _Graph) -> list[list[int]]:
    """Each layer's vertices in depth-first discovery order from the sources (iterative: no recursion limit)."""
    seen = [False] * len(graph.layer)
    found: list[int] = []
    for start in range(len(graph.layer)):
        if seen[start] or graph.up[start]:
            continue
        stack = [start]
        while stack:
            vertex = stack.pop()
            if seen[vertex]:
                continue
            seen[vertex] = True
            found.append(vertex)
            stack.extend(reversed([lower for lower in graph.down[vertex] if not seen[lower]]))
    found.extend(vertex for vertex in range(len(graph.layer)) if not seen[vertex])
    rows: list[list[int]] = [[] for _ in range(max(graph.layer, default=-1) + 1)]
    for vertex in found:
        rows[graph.layer[vertex]].append(vertex)
    return rows


def _by_barycenter(row: list[int], fixed: list[int], neighbours: list[list[int]]) -> list[int]:
    """``row`` sorted by the mean position of each vertex's neighbours in ``fixed`` (no neighbours: stays put)."""
    position = {vertex: index for index, vertex in enumerate(fixed)}
    keys = []
    for index, vertex in enumerate(row):
        near = [position[other] for other in neighbours[vertex] if other in position]
        keys.append((sum(near) / len(near) if near else float(index), index, vertex))
    return [vertex for _, _, vertex in sorted(keys)]


def _crossings(graph: _Graph, rows: list[list[int]]) -> int:
    """How many pairs of edge segments cross, over all pairs of adjacent layers."""
    total = 0
    for upper, lower in pairwise(rows):
        position = {vertex: index for index, vertex in enumerate(lower)}
        ends = sorted((index, position[other]) for index, vertex in enumerate(upper)
                      for other in graph.down[vertex] if other in position)
        total += _inversions([end for _, end in ends])
    return total


def _inversions(values: list[int]) -> int:
    """Pairs out of order in ``values`` (merge sort: n·log n)."""
    if len(values) < 2:
        return 0
    middle = len(values) // 2
    left, right = sorted(values[:middle]), sorted(values[middle:])
    count = _inversions(values[:middle]) + _inversions(values[middle:])
    j = 0
    for value in left:
        while j < len(right) and right[j] < value:
            j += 1
        count += j
    return count


def _extents(graph: _Graph, boxes: list[Box], spacing: Spacing) -> list[tuple[float, float]]:
    """Each vertex's (left, right) extent; a dummy is a thin line with room on both sides."""
    half = spacing.dummy / 2
    return [(boxes[v].left, boxes[v].right) if graph.is_real(v) else (half, half) for v in range(len(graph.layer))]


def _coordinates(graph: _Graph, rows: list[list[int]], boxes: list[Box], spacing: Spacing) -> list[float]:
    """Each vertex's anchor x: Brandes and Köpf's four alignments, balanced (the mean of the two middle ones)."""
    extents = _extents(graph, boxes, spacing)
    conflicts = _type1_conflicts(graph, rows)
    candidates = []
    for downward in (True, False):
        layers = rows if downward else rows[::-1]
        above, below = (graph.up, graph.down) if downward else (graph.down, graph.up)
        for leftward in (True, False):
            ordered = layers if leftward else [row[::-1] for row in layers]
            root = _aligned(graph, ordered, above, below, conflicts)
            x = _compacted(graph, ordered, root, extents, spacing, leftward)
            candidates.append(x if leftward else [-value for value in x])
    x = _balanced(graph, candidates, extents)
    _hug(graph, rows, x, extents, spacing)
    return x


def _type1_conflicts(graph: _Graph, rows: list[list[int]]) -> set[tuple[int, int]]:
    """Segments (upper, lower) that cross a segment between two dummies: they give way to the long edge."""
    marked: set[tuple[int, int]] = set()
    for upper, lower in pairwise(rows):
        position = {vertex: index for index, vertex in enumerate(upper)}
        before, scanned = 0, 0
        for index, vertex in enumerate(lower):
            inner = next((other for other in graph.up[vertex]
                          if not graph.is_real(vertex) and not graph.is_real(other)), None)
            if index != len(lower) - 1 and inner is None:
                continue
            after = position[inner] if inner is not None else len(upper) - 1
            for lower_vertex in lower[scanned:index + 1]:
                for other in graph.up[lower_vertex]:
                    place = position.get(other)
                    inner_segment = not graph.is_real(other) and not graph.is_real(lower_vertex)
                    if place is not None and (place < before or place > after) and not inner_segment:
                        marked.add((other, lower_vertex))
            scanned, before = index + 1, after
    return marked


def _medians(graph: _Graph, neighbours: list[int], position: list[int]) -> list[int]:
    """The median neighbours, left first; of two middle ones where one is real and one a dummy, the real one."""
    ranked = sorted(neighbours, key=position.__getitem__)
    if not ranked:
        return []
    middle = (len(ranked) - 1) // 2
    if len(ranked) % 2:
        return [ranked[middle]]
    first, second = ranked[middle], ranked[middle + 1]
    if graph.is_real(first) != graph.is_real(second):
        return [first if graph.is_real(first) else second]
    return [first, second]


def _aligned(graph: _Graph, rows: list[list[int]], above: list[list[int]], below: list[list[int]],
             conflicts: set[tuple[int, int]]) -> list[int]:
    """Vertical alignment: each vertex joins the block of a median neighbour above that has it as a median below."""
    position = [0] * len(graph.layer)
    for row in rows:
        for index, vertex in enumerate(row):
            position[vertex] = index
    root = list(range(len(graph.layer)))
    aligned = [False] * len(graph.layer)
    for row in rows[1:]:
        reach = -1
        for vertex in row:
            for other in _medians(graph, above[vertex], position):
                if aligned[vertex]:
                    break
                if (other, vertex) in conflicts or (vertex, other) in conflicts or position[other] <= reach:
                    continue
                if vertex not in _medians(graph, below[other], position):
                    continue
                root[vertex] = root[other]
                aligned[vertex] = True
                reach = position[other]
    return root


def _compacted(graph: _Graph, rows: list[list[int]], root: list[int], extents: list[tuple[float, float]],
               spacing: Spacing, leftward: bool) -> list[float]:
    """Each block as far left as its left neighbours allow (longest path over the blocks, in rows' order)."""
    after: dict[int, dict[int, float]] = {}
    waiting: dict[int, int] = {}
    for row in rows:
        for left, right in pairwise(row):
            gap = _gap(graph, left, right, extents, spacing) if leftward else _gap(graph, right, left, extents, spacing)
            edges = after.setdefault(root[left], {})
            if root[right] not in edges:
                waiting[root[right]] = waiting.get(root[right], 0) + 1
            edges[root[right]] = max(edges.get(root[right], 0.0), gap)
    x = [0.0] * len(graph.layer)
    ready = deque(vertex for vertex in range(len(graph.layer)) if root[vertex] == vertex and not waiting.get(vertex))
    while ready:
        block = ready.popleft()
        for other, gap in after.get(block, {}).items():
            x[other] = max(x[other], x[block] + gap)
            waiting[other] -= 1
            if waiting[other] == 0:
                ready.append(other)
    return [x[root[vertex]] for vertex in range(len(graph.layer))]


def _balanced(graph: _Graph, candidates: list[list[float]], extents: list[tuple[float, float]]) -> list[float]:
    """The four layouts aligned to the narrowest (left ones by their left edge, right ones by their right edge),
    then each vertex at the mean of its two middle values."""
    spans = [(min(x[v] - extents[v][0] for v in range(len(x))), max(x[v] + extents[v][1] for v in range(len(x))))
             for x in candidates]
    narrowest = min(range(len(spans)), key=lambda index: (spans[index][1] - spans[index][0], index))
    shifted = []
    for index, x in enumerate(candidates):
        shift = (spans[narrowest][0] - spans[index][0] if index % 2 == 0
                 else spans[narrowest][1] - spans[index][1])
        shifted.append([value + shift for value in x])
    result = []
    for vertex in range(len(graph.layer)):
        values = sorted(x[vertex] for x in shifted)
        result.append((values[1] + values[2]) / 2)
    return result


def _hug(graph: _Graph, rows: list[list[int]], x: list[float], extents: list[tuple[float, float]],
         spacing: Spacing) -> None:
    """Move each straight run of a long edge towards the nearer of its ends' x, as far as its neighbours allow.

    Balancing leaves a long edge with nothing beside it halfway to the far side
    of the drawing; this pulls it back beside the nodes it passes.
    """
    neighbours: dict[int, tuple[int | None, int | None]] = {}
    for row in rows:
        for index, vertex in enumerate(row):
            neighbours[vertex] = (row[index - 1] if index else None, row[index + 1] if index + 1 < len(row) else None)
    for _ in range(4):
        moved = False
        for chain in graph.chains:
            for run in _runs(chain[1:-1], x):
                wanted = min((x[chain[0]], x[chain[-1]]), key=lambda end: (abs(end - x[run[0]]), end))
                low, high = -float("inf"), float("inf")
                for dummy in run:
                    left, right = neighbours[dummy]
                    if left is not None:
                        low = max(low, x[left] + _gap(graph, left, dummy, extents, spacing))
                    if right is not None:
                        high = min(high, x[right] - _gap(graph, dummy, right, extents, spacing))
                target = min(max(wanted, low), high) if low <= high else x[run[0]]
                if abs(target - x[run[0]]) > 0.05:
                    moved = True
                    for dummy in run:
                        x[dummy] = target
        if not moved:
            return


def _runs(dummies: list[int], x: list[float]) -> list[list[int]]:
    """The dummies of one edge split where the edge bends (consecutive dummies at one x form a run)."""
    runs: list[list[int]] = []
    for dummy in dummies:
        if runs and abs(x[runs[-1][-1]] - x[dummy]) < 0.05:
            runs[-1].append(dummy)
        else:
            runs.append([dummy])
    return runs


def _gap(graph: _Graph, left: int, right: int, extents: list[tuple[float, float]], spacing: Spacing) -> float:
    """The least distance between the anchors of neighbours ``left`` and ``right`` in a layer."""
    both_real = graph.is_real(left) and graph.is_real(right)
    return extents[left][1] + extents[right][0] + (spacing.node if both_real else 0.0)


def _bands(graph: _Graph, rows: list[list[int]], boxes: list[Box], spacing: Spacing) -> tuple[list[float], list[float]]:
    """The top and bottom y of each layer's band (as tall as its tallest box)."""
    tops, bottoms = [], []
    at = spacing.margin
    for row in rows:
        tall = max((boxes[v].height for v in row if graph.is_real(v)), default=0.0)
        tops.append(at)
        bottoms.append(at + tall)
        at += tall + spacing.layer
    return tops, bottoms


def _route(chain: list[int], graph: _Graph, x: list[float], y: list[float], boxes: list[Box], tops: list[float],
           bottoms: list[float]) -> list[Point]:
    """An edge's points: down from the source, through each dummy's band, into the target."""
    source, target = chain[0], chain[-1]
    points = [(x[source], y[source] + boxes[source].leaves_at), (x[source], bottoms[graph.layer[source]])]
    for dummy in chain[1:-1]:
        band = graph.layer[dummy]
        points += [(x[dummy], tops[band]), (x[dummy], bottoms[band])]
    points += [(x[target], tops[graph.layer[target]]), (x[target], y[target] + boxes[target].entry)]
    return points


def _spread(chains: list[list[int]], routes: list[list[Point]], boxes: list[Box]) -> None:
    """Spread the ends of the edges that meet at one node over its ``ports``, ordered by where they come from."""
    arriving: dict[int, list[int]] = {}
    leaving: dict[int, list[int]] = {}
    for number, chain in enumerate(chains):
        if chain[0] != chain[-1]:
            arriving.setdefault(chain[-1], []).append(number)
            leaving.setdefault(chain[0], []).append(number)
    for ends, far, near in ((arriving, -3, (-2, -1)), (leaving, 2, (0, 1))):
        for node, numbers in ends.items():
            if len(numbers) < 2 or boxes[node].ports <= 0:
                continue
            ordered = sorted(numbers, key=lambda number: (routes[number][far][0], number))
            anchor = routes[ordered[0]][near[-1]][0] if far < 0 else routes[ordered[0]][near[0]][0]
            offsets = _offsets([routes[number][far][0] - anchor for number in ordered], boxes[node].ports)
            for number, offset in zip(ordered, offsets):
                for at in near:
                    px, py = routes[number][at]
                    routes[number][at] = (px + offset, py)


def _offsets(directions: list[float], ports: float) -> list[float]:
    """Where edges coming from ``directions`` (x relative to the node, sorted) meet it, within ``ports`` either side.

    An edge that comes straight down keeps the middle, the others go to its
    sides; with none straight, they spread evenly.
    """
    straight = next((place for place, direction in enumerate(directions) if abs(direction) < 0.5), None)
    if straight is None:
        step = 2 * ports / (len(directions) - 1)
        return [-ports + place * step for place in range(len(directions))]
    step = ports / max(straight, len(directions) - 1 - straight)
    return [(place - straight) * step for place in range(len(directions))]


def _extent(graph: _Graph, rows: list[list[int]], x: list[float], boxes: list[Box],
            spacing: Spacing) -> tuple[float, float]:
    """The drawing's width and the shift that puts its left edge at the margin."""
    extents = _extents(graph, boxes, spacing)
    lefts = [x[v] - extents[v][0] for row in rows for v in row]
    rights = [x[v] + extents[v][1] for row in rows for v in row]
    if not lefts:
        return 2 * spacing.margin, spacing.margin
    shift = spacing.margin - min(lefts)
    return max(rights) - min(lefts) + 2 * spacing.margin, shift
