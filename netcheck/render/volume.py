"""A volume W×H×D as a cuboid on a log scale, and how a node's cuboid and label fit together.

The flow runs top to bottom, so a feature map lies as a slab: its width W
across, its height H receding (oblique, up and to the right) and its depth D,
the channels, as its thickness along the flow, as in NN-SVG and CS231n's
volumes. Each axis grows with log2 of its size, so a 224×224×3 input is a wide
thin plate and a 7×7×2048 map a small thick block, both readable on one page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from netcheck.render.layout import Box
from netcheck.results import Shape

SIDE_BASE, SIDE_PER_OCTAVE = 6.0, 9.0  # pixels at size 1, pixels per doubling (width, height)
DEPTH_BASE, DEPTH_PER_OCTAVE = 3.0, 6.0  # the same for the depth (the thickness)
LARGEST = 1 << 14  # sizes above this are drawn as this (a 2**31-pixel image still fits the page)
RECEDE_X, RECEDE_Y = 0.42, 0.3  # the oblique height: its x and y offset per pixel of H
UNKNOWN = (40.0, 14.0, 10.0, 7.0)  # a layer whose output is unknown: a flat slab, drawn dashed

FONT_SIZE, SMALL_SIZE = 12.0, 11.0
LINE = 15.0  # the height of one label line
CHARACTER = 0.62  # a monospace character's advance, in ems (DejaVu Sans Mono: 0.602)
LABEL_GAP = 9.0  # between the cuboid and its label
LONGEST = 34  # characters in a label line before it is shortened with …


def _scaled(size: int, base: float, per_octave: float) -> float:
    """The length drawn for ``size``: ``base`` at 1, ``per_octave`` more per doubling, capped at ``LARGEST``."""
    return base + per_octave * math.log2(min(max(size, 1), LARGEST))


@dataclass(frozen=True, slots=True)
class Cuboid:
    """A cuboid in oblique projection: the front face ``front`` wide and ``thick`` tall, receding by ``dx``, ``dy``."""

    front: float
    thick: float
    dx: float
    dy: float

    @property
    def width(self) -> float:
        """The silhouette's width."""
        return self.front + self.dx

    @property
    def height(self) -> float:
        """The silhouette's height."""
        return self.thick + self.dy


def cuboid(shape: Shape | None) -> Cuboid:
    """The cuboid of a volume (a fixed flat slab when the shape is unknown)."""
    if shape is None:
        return Cuboid(*UNKNOWN)
    side_w = _scaled(shape.width, SIDE_BASE, SIDE_PER_OCTAVE)
    side_h = _scaled(shape.height, SIDE_BASE, SIDE_PER_OCTAVE)
    return Cuboid(side_w, _scaled(shape.depth, DEPTH_BASE, DEPTH_PER_OCTAVE), RECEDE_X * side_h, RECEDE_Y * side_h)


def shortened(text: str, longest: int = LONGEST) -> str:
    """``text``, or its start and end around … when it is longer than ``longest`` characters."""
    if len(text) <= longest:
        return text
    keep = longest - 1
    return text[: keep - keep // 3] + "…" + text[len(text) - keep // 3:]


def text_width(text: str, size: float) -> float:
    """The width of ``text`` in a monospace font of ``size`` pixels (estimated, generously)."""
    return len(text) * size * CHARACTER


@dataclass(frozen=True, slots=True)
class Geometry:
    """A node's cuboid and label lines placed in its box: where each goes, relative to the box's top left."""

    body: Cuboid
    lines: tuple[str, ...]
    box: Box
    body_x: float  # the cuboid's left
    body_y: float  # the cuboid's top (its back edge)
    label_x: float
    label_y: float  # the first line's top


def geometry(shape: Shape | None, lines: tuple[str, ...], stacked: bool = False) -> Geometry:
    """Where a node's parts go: the cuboid on the left, the label beside it, both centred vertically.

    The anchor (x = 0), where edges arrive and leave, is the middle of the
    front face: edges leave from its bottom edge and arrive in the middle of
    the top face. ``stacked`` (a folded use) leaves room for the cards drawn
    behind the cuboid.
    """
    body = cuboid(shape)
    extra = STACK if stacked else 0.0
    label_w = max((text_width(line, FONT_SIZE if number == 0 else SMALL_SIZE) for number, line in enumerate(lines)),
                  default=0.0)
    label_h = LINE * len(lines)
    height = max(body.height + extra, label_h)
    body_y = (height - body.height - extra) / 2 + extra
    label_x = body.front / 2 + body.dx + extra + LABEL_GAP
    box = Box(body.front / 2, label_x + label_w, height, body_y + body.dy / 2, body_y + body.height,
              min(PORTS * body.front, PORT_STEP_MAX))
    return Geometry(body, lines, box, -body.front / 2, body_y, label_x, (height - label_h) / 2)


PORTS = 0.3  # edges meeting at a node spread over this share of its front face, either side of the middle
PORT_STEP_MAX = 18.0
STACK = 6.0  # how far the cards behind a folded use's cuboid stand out
