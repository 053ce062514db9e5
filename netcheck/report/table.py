"""The summary, torchinfo-style: the rows, columns and totals every summary format shares, and the text table.

``summary_rows`` makes one ``SummaryRow`` per shown layer (its input shapes
and the layers it is connected to added to the ``LayerRow``); ``COLUMNS``
says what the table shows of a row, ``TOTALS`` and ``MEMORY`` what follows
it. The text table here, ``netcheck.report.markdown`` and (through
``netcheck.report.json``) ``netcheck.report.csv`` all render from them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from netcheck.graph import INPUT
from netcheck.report import Settings
from netcheck.report.safe import safe
from netcheck.results import FileReport, LayerRow, Shape

#: The estimate's assumptions: one sample, float32 values (torchinfo's summary at batch 1).
BATCH = 1
BYTES_PER_VALUE = 4


@dataclass(frozen=True, slots=True)
class SummaryRow:
    """One shown layer: its ``LayerRow``, the shape of each input, and each input by its shown name.

    ``connected_to`` is ``layer.inputs`` with the last layer of a folded use
    (``summary --depth``) named as the use, as the table shows it.
    """

    layer: LayerRow
    input_shapes: tuple[Shape | None, ...]
    connected_to: tuple[str, ...]

    @property
    def merge(self) -> bool:
        """True when the row reads several layers (add, concat, multiply, or a folded use that does)."""
        return len(self.connected_to) > 1


def summary_rows(report: FileReport, depth: int | None = None) -> list[SummaryRow]:
    """The rows ``summary --depth`` shows (every layer for None), each with its inputs' shapes and shown names."""
    outputs: dict[str, Shape | None] = {INPUT: report.input_shape}
    outputs.update((row.name, row.output) for row in report.rows)
    folded = {report.rows[use.stop - 1].name: use.name for use in report.uses
              if depth is not None and use.depth == depth and use.start < use.stop <= len(report.rows)}
    return [SummaryRow(row, tuple(outputs.get(name) for name in row.inputs),
                       tuple(folded.get(name, name) for name in row.inputs)) for row in report.rows_at(depth)]


@dataclass(frozen=True, slots=True)
class Memory:
    """torchinfo's estimate of the memory a forward and backward pass takes, in bytes (None when unknown).

    At batch 1 in float32 (4 bytes a value), as torchinfo 1.8 defines it:
    ``input_bytes`` the input volume; ``forward_backward_bytes`` twice (the
    output and its gradient) the output of every layer that has PyTorch
    parameters (conv, dense, affine normalisation, prelu, layer_scale; an
    activation, a pool or a merge counts nothing); ``params_bytes`` what
    ``parameters()`` holds (running statistics are buffers, not counted).
    """

    input_bytes: int | None
    forward_backward_bytes: int | None
    params_bytes: int | None

    @property
    def total_bytes(self) -> int | None:
        """torchinfo's "Estimated Total Size": the three summed."""
        parts = (self.input_bytes, self.forward_backward_bytes, self.params_bytes)
        return None if None in parts else sum(part for part in parts if part is not None)


def memory(report: FileReport) -> Memory:
    """The estimate for every layer of ``report`` (folding never changes it)."""
    shape, params = report.input_shape, report.totals.get("trainable_params")
    if not report.rows:
        return Memory(None, None, None)
    input_bytes = None if shape is None else BATCH * shape.width * shape.height * shape.depth * BYTES_PER_VALUE
    outputs = [None if row.trainable_params is None else row.neurons for row in report.rows
               if row.trainable_params != 0]
    known = [value for value in outputs if value is not None]
    forward_backward = 2 * BATCH * sum(known) * BYTES_PER_VALUE if len(known) == len(outputs) else None
    return Memory(input_bytes, forward_backward, None if params is None else params * BYTES_PER_VALUE)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the table: its header, a row's cell in it (unescaped), and whether it is left-aligned."""

    header: str
    cell: Callable[[SummaryRow], str]
    left: bool = False


def _shape(shape: Shape | None) -> str:
    return str(shape) if shape else "?"


def _input(row: SummaryRow) -> str:
    """A single input's shape; a merge's inputs by name, as Keras's "Connected to"."""
    if row.merge:
        return ", ".join(row.connected_to)
    return _shape(row.input_shapes[0]) if row.input_shapes else ""


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _field(width: int | Fraction, height: int | Fraction) -> str:
    def show(value: int | Fraction) -> str:
        return str(value) if isinstance(value, int) or value.denominator == 1 else f"{float(value):.3g}"

    return show(width) if width == height else f"{show(width)}x{show(height)}"


def _rf(row: LayerRow) -> str:
    return _field(row.width.size, row.height.size) if row.width and row.height else "?"


def _jump(row: LayerRow) -> str:
    return _field(row.width.jump, row.height.jump) if row.width and row.height else "?"


COLUMNS: tuple[Column, ...] = (
    Column("Layer (type)", lambda row: f"{row.layer.name} ({row.layer.type})", left=True),
    Column("Input", _input),
    Column("Output", lambda row: _shape(row.layer.output)),
    Column("Params", lambda row: _count(row.layer.params)),
    Column("Unshared", lambda row: _count(row.layer.unshared_params)),
    Column("Neurons", lambda row: _count(row.layer.neurons)),
    Column("MACs", lambda row: _count(row.layer.macs)),
    Column("RF", lambda row: _rf(row.layer)),
    Column("Jump", lambda row: _jump(row.layer)),
)
INPUT_COLUMN = 1

#: The totals under the table, PyTorch's parameter count first: (label, key of ``FileReport.totals``).
TOTALS = (
    ("Params (PyTorch parameters())", "trainable_params"),
    ("Running stats (buffers; Keras non-trainable)", "non_trainable_params"),
    ("Total params incl. running stats (Keras)", "params"),
    ("Unshared params", "unshared_params"),
    ("Neurons", "neurons"),
    ("MACs", "macs"),
)
#: torchinfo's memory lines, in its order: (label, attribute of ``Memory``).
MEMORY = (
    ("Input size (MB)", "input_bytes"),
    ("Forward/backward pass size (MB)", "forward_backward_bytes"),
    ("Params size (MB)", "params_bytes"),
    ("Estimated Total Size (MB)", "total_bytes"),
)


def cells(row: SummaryRow) -> list[str]:
    """The row's cell in each of ``COLUMNS`` (unescaped: each format escapes its own way)."""
    return [column.cell(row) for column in COLUMNS]


def totals_lines(report: FileReport) -> list[str]:
    """``Params (PyTorch parameters()): 11,689,512 (11.69 M)`` and the other ``TOTALS``."""
    totals = report.totals
    return [f"{label}: {_count(totals.get(key))}{_scaled(totals.get(key))}" for label, key in TOTALS]


def memory_lines(report: FileReport) -> list[str]:
    """torchinfo's four lines, ``Estimated Total Size (MB): 87.11`` last (MB = 10⁶ bytes, 2 decimals)."""
    estimate = memory(report)
    return [f"{label}: {megabytes(getattr(estimate, key))}" for label, key in MEMORY]


def megabytes(size: int | None) -> str:
    """Bytes in MB with 2 decimals, as torchinfo prints them (``bytes / 1e6``); ``?`` when unknown."""
    return "?" if size is None else f"{size / 1e6:0.2f}"


def render(reports: list[FileReport], settings: Settings) -> str:
    """``netcheck summary``: each file's table, then its violations, then the tally."""
    from netcheck.report.text import tally, violation_lines

    parts = []
    for report in reports:
        if report.rows:
            parts.append(render_summary(report, settings.depth))
        parts.extend(line + "\n" for violation in report.violations
                     for line in violation_lines(report.path, violation, settings.color))
    parts.append(tally(reports) + "\n")
    return "".join(parts)


def render_summary(report: FileReport, depth: int | None = None) -> str:
    """The table of one file (uses deeper than ``depth`` folded), then its totals (violations: the caller's).

    A merge's row leaves its Input cell empty; one line under it per input
    gives the input's name and shape.
    """
    lines_of_cells = [line for row in summary_rows(report, depth) for line in _text_lines(row)]
    widths = [max(len(column.header), *(len(cells[i]) for cells in lines_of_cells)) if lines_of_cells
              else len(column.header) for i, column in enumerate(COLUMNS)]
    rule = "─" * (sum(widths) + 2 * (len(widths) - 1))
    lines = [f"Network: {safe(report.name or '?')}  ({safe(report.path)})"]
    if report.input_shape is not None:
        lines.append(f"Input: {report.input_shape}")
    lines += [rule, _line([column.header for column in COLUMNS], widths), rule]
    lines += [_line(cells, widths) for cells in lines_of_cells]
    lines += [rule.replace("─", "═"), *totals_lines(report), rule, *memory_lines(report), rule]
    return "\n".join(lines) + "\n"


def _text_lines(row: SummaryRow) -> list[list[str]]:
    shown = [safe(cell) for cell in cells(row)]
    if not row.merge:
        return [shown]
    shown[INPUT_COLUMN] = ""
    lines = [shown]
    for number, (name, shape) in enumerate(zip(row.connected_to, row.input_shapes), 1):
        branch = "└─" if number == len(row.connected_to) else "├─"
        line = [""] * len(COLUMNS)
        line[0], line[INPUT_COLUMN] = f"  {branch} {safe(name)}", _shape(shape)
        lines.append(line)
    return lines


def _line(cells: list[str], widths: list[int]) -> str:
    first = cells[0].ljust(widths[0])
    rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:])]
    return "  ".join([first, *rest]).rstrip()


def _scaled(value: int | None) -> str:
    if value is None or value < 10_000:
        return ""
    for size, unit in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if value >= size:
            return f" ({value / size:.2f} {unit})"
    return ""
