"""The result records: what a check produces, flake8- and torchinfo-style.

A leaf: it imports nothing from netcheck, so every other module (source,
engine, rules, checker, reporters) can share these records, and reporters
never need the checker. ``Violation`` is one located problem, ``LayerRow``
one layer's line in the summary, ``FileReport`` one file's result,
``Options`` what to report, ``Limits`` what a file may cost to read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal, NamedTuple

Severity = Literal["error", "warning"]
PathPart = str | int
DocPath = tuple[PathPart, ...]


EditKind = Literal["set", "insert", "rename"]


@dataclass(frozen=True, slots=True)
class Edit:
    """One change to the document: a path of keys and list indexes, and what to do there.

    A plain edit sets ``value`` at ``path``. ``insert`` edits put ``value`` into
    the list at ``path`` (the last part is the index) instead of replacing what
    is there. ``rename`` edits rename the mapping key at ``path`` (the last part)
    to ``rename``, keeping its value and its place; their ``value`` is unused
    (None). ``kind`` says which of the three an edit is.
    """

    path: DocPath
    value: Any
    insert: bool = False
    rename: str | None = None

    @property
    def kind(self) -> EditKind:
        """``set``, ``insert`` or ``rename``."""
        if self.rename is not None:
            return "rename"
        return "insert" if self.insert else "set"


@dataclass(frozen=True, slots=True)
class Fix:
    """A computed fix: what it does, in words, and the edits that do it."""

    message: str
    edits: tuple[Edit, ...]


@dataclass(frozen=True, slots=True)
class Via:
    """One use of a block on the way to a violation: the use's expanded name (``layer1.1``) and where it is written."""

    layer: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class Violation:
    """A problem in a spec, located at 1-based line and column (0 when unknown).

    ``severity`` is the one the code's rule module declares (``netcheck.rules``);
    the checker grades every violation it reports.
    """

    code: str
    message: str
    line: int = 0
    column: int = 0
    layer: str | None = None
    path: DocPath = ()
    fixes: tuple[Fix, ...] = field(default=())
    severity: Severity = "error"
    via: tuple[Via, ...] = ()  # the uses of blocks that led here, outermost first (FORMAT.md §8)

    @property
    def is_error(self) -> bool:
        """True for violations of error severity."""
        return self.severity == "error"


def code_matches(code: str, prefixes: tuple[str, ...]) -> bool:
    """True when ``code`` starts with any of ``prefixes`` (``NC1`` matches ``NC101``)."""
    return any(code.startswith(prefix.strip().upper()) for prefix in prefixes if prefix.strip())


Number = int | Fraction

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_NODES = 4_000_000
DEFAULT_MAX_DEPTH = 100
DEFAULT_MAX_LAYERS = 200_000
#: PyYAML 6.0.4 and later stop by themselves at this nesting depth, whatever ``--max-depth`` says.
PARSER_MAX_DEPTH = 1000


class Shape(NamedTuple):
    """A volume: width x height x depth."""

    width: int
    height: int
    depth: int

    def __str__(self) -> str:
        return f"{self.width}x{self.height}x{self.depth}"


def exact(value: Number) -> Number:
    """A whole Fraction as an int; anything else unchanged."""
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


@dataclass(frozen=True, slots=True)
class Field:
    """The receptive field on the network input along one axis, and the jump (effective stride)."""

    size: Number = 1
    jump: Number = 1

    def through_window(self, kernel_eff: int, stride: Number) -> Field:
        """After a sliding window of dilated size ``kernel_eff`` moving by ``stride``."""
        return Field(self.size + (kernel_eff - 1) * self.jump, exact(self.jump * stride))

    def scaled(self, factor: Number) -> Field:
        """The jump divided by an upsampling ``factor``; the field is unchanged."""
        return Field(self.size, exact(Fraction(self.jump) / factor))


@dataclass(slots=True)
class LayerRow:
    """One layer's line in the summary: what it outputs and what it costs."""

    index: int
    name: str
    type: str
    inputs: list[str]
    output: Shape | None = None
    trainable_params: int | None = None
    non_trainable_params: int | None = None
    unshared_params: int | None = None
    macs: int | None = None
    width: Field | None = None
    height: Field | None = None
    line: int = 0
    column: int = 0

    @property
    def params(self) -> int | None:
        """Trainable plus non-trainable parameters."""
        if self.trainable_params is None or self.non_trainable_params is None:
            return None
        return self.trainable_params + self.non_trainable_params

    summed_neurons: int | None = None  # a folded use's row: the neurons of all its layers

    @property
    def neurons(self) -> int | None:
        """Output values: W_out·H_out·D_out (a folded use's row: summed over its layers)."""
        if self.summed_neurons is not None:
            return self.summed_neurons
        return None if self.output is None else self.output.width * self.output.height * self.output.depth

    @property
    def receptive_field(self) -> Number | None:
        """The receptive field along the width axis, in input pixels."""
        return None if self.width is None else self.width.size

    @property
    def jump(self) -> Number | None:
        """The effective stride along the width axis, in input pixels."""
        return None if self.width is None else self.width.jump


@dataclass(frozen=True, slots=True)
class UseSpan:
    """One use of a block in the rows: ``rows[start:stop]`` are its layers; top-level uses have depth 1."""

    name: str
    block: str
    start: int
    stop: int
    depth: int
    line: int = 0
    column: int = 0


def fold(rows: list[LayerRow], uses: list[UseSpan], depth: int | None) -> list[LayerRow]:
    """The rows with every use at ``depth`` folded into one row (torchinfo's ``depth``); all rows for None.

    A top-level layer has depth 1 and a layer inside a use at depth d has depth
    d + 1, so the uses at ``depth`` are exactly those whose layers are deeper.
    A folded row has the use's output (its last layer's) and counts summed over
    its layers; the totals do not change.
    """
    folded = {use.start: use for use in uses if depth is not None and use.depth == depth and use.stop > use.start}
    if not folded:
        return rows
    shown: list[LayerRow] = []
    index = 0
    while index < len(rows):
        use = folded.get(index)
        if use is None:
            shown.append(rows[index])
            index += 1
            continue
        shown.append(_folded(rows[use.start:use.stop], use))
        index = use.stop
    return shown


def _folded(layers: list[LayerRow], use: UseSpan) -> LayerRow:
    inside = {row.name for row in layers}
    inputs = list(dict.fromkeys(name for row in layers for name in row.inputs if name not in inside))
    last = layers[-1]
    return LayerRow(layers[0].index, use.name, use.block, inputs, last.output,
                    _sum(row.trainable_params for row in layers), _sum(row.non_trainable_params for row in layers),
                    _sum(row.unshared_params for row in layers), _sum(row.macs for row in layers), last.width,
                    last.height, use.line, use.column, _sum(row.neurons for row in layers))


def _sum(values: Any) -> int | None:
    listed = list(values)
    return None if None in listed else sum(listed)


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one file may cost to read."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_nodes: int = DEFAULT_MAX_NODES
    max_depth: int = DEFAULT_MAX_DEPTH
    max_layers: int = DEFAULT_MAX_LAYERS  # layers the blocks of one file may expand to


@dataclass(frozen=True, slots=True)
class Options:
    """What to report: codes to ignore or select (by prefix), limits, whether to compute fixes.

    ``extents``: keep each file's document, with the extent of every node, in
    its report (``FileReport.source``), for reporters that need the text.
    """

    ignore: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    limits: Limits = Limits()
    fixes: bool = True
    extents: bool = False

    def wants(self, code: str) -> bool:
        """True when ``code`` is selected (or nothing is) and not ignored."""
        if self.select and not code_matches(code, self.select):
            return False
        return not code_matches(code, self.ignore)


@dataclass(slots=True)
class FileReport:
    """The result for one file: its layers, totals and violations.

    ``checked`` is what the engine ran on; ``network`` gives the validated
    ``netcheck.Network`` (built on first use by ``build_network``, which the
    checker sets, so that this record needs no import of the models).
    """

    path: str
    name: str | None = None
    rows: list[LayerRow] = field(default_factory=list)
    totals: dict[str, int | None] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    checked: Any = None
    input_shape: Shape | None = None
    build_network: Callable[[Any], Any] | None = None
    source: Any = None  # the ``netcheck.source.Document`` read, when ``Options.extents`` asked for it
    uses: list[UseSpan] = field(default_factory=list)  # the uses of blocks among the rows (FORMAT.md §8)

    def rows_at(self, depth: int | None) -> list[LayerRow]:
        """The rows with uses deeper than ``depth`` folded (``summary --depth``); every row for None."""
        return fold(self.rows, self.uses, depth)

    @property
    def network(self) -> Any:
        """The validated ``netcheck.Network`` (None when the file did not load)."""
        if self.checked is not None and self.build_network is not None:
            self.checked = self.build_network(self.checked)
            self.build_network = None
        return self.checked

    @property
    def ok(self) -> bool:
        """True when no error is reported (warnings allowed)."""
        return not any(violation.is_error for violation in self.violations)

    @property
    def layers(self) -> list[LayerRow]:
        """The per-layer rows (an alias for ``rows``)."""
        return self.rows

    @property
    def errors(self) -> int:
        """How many errors are reported."""
        return sum(1 for violation in self.violations if violation.is_error)

    @property
    def warnings(self) -> int:
        """How many warnings are reported."""
        return len(self.violations) - self.errors
