"""What the language server shows, computed from a document's text: no client, no pygls, no I/O but the config.

``analyze`` checks a text exactly as ``netcheck validate`` checks a file (the
same reader, limits, ``[tool.netcheck]`` configuration found from the
document's folder, suppressions and verified fixes) and keeps what the
features need: the report, the document with its node extents, and where each
layer starts. The features are functions of that ``Analysis``:

* ``diagnostics``: one per violation, over the offending key and its value
  (the extents SARIF regions use: ``SourceTree.end_of``), the uses of a block
  that led there as related information;
* ``hover``: a layer's input and output shapes, parameters, MACs, receptive
  field and jump (every use of a block, for a layer in a block's definition);
  on ``input:`` the network's totals and the input sizes it accepts (``netcheck sizes``);
* ``inlay_hints``: ``→ 14x14x20`` at the end of each layer's first line;
* ``code_actions``: every fix that has a text form (``SourceTree.text_edits``,
  the planning ``--fix`` uses: only the values it sets change) as a quick fix,
  and "ignore NCxxx on this layer", which writes the suppression comment.

Positions: netcheck counts 1-based lines as YAML breaks them and columns in
code points; LSP counts 0-based lines broken at CR, LF and CRLF only, and
columns in the negotiated encoding's units (UTF-16 by default). ``Lines``
converts between them through character offsets, so a NEL or LINE SEPARATOR
in a comment, or an emoji in a name, does not shift a single range.
"""

from __future__ import annotations

import bisect
import functools
import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from lsprotocol import types

from netcheck import checker, source, suppression
from netcheck.graph import INPUT
from netcheck.report.sarif import MAX_TEXT
from netcheck.results import FileReport, Fix, LayerRow, Options, Shape, UseSpan, Violation, fold
from netcheck.source import Document
from netcheck.textedit import SourceTree, TextEdit, same

Position = tuple[int, int]  # 1-based line and column, as netcheck reports them

SOURCE = "netcheck"
UTF8, UTF16, UTF32 = (types.PositionEncodingKind.Utf8.value, types.PositionEncodingKind.Utf16.value,
                      types.PositionEncodingKind.Utf32.value)
#: Documents longer than this (in characters) are checked without node extents: ranges end at the line's end
#: and fixes have no text form (SARIF's limit, the same reason: the extents triple the cost of reading).
MAX_EXTENTS_TEXT = MAX_TEXT
#: Uses of a block listed in one hover, at most.
MAX_HOVER_ROWS = 12
#: Distinct output shapes in one inlay hint (a layer in a block used at several sizes), at most.
MAX_HINT_SHAPES = 3
#: The codes no "ignore" action is offered for: an unreadable file has no comments to read, and an
#: unused suppression is fixed by editing the comment, not by adding one.
NOT_IGNORABLE = ("NC001", "NC206")

_LSP_BREAK = re.compile(r"\r\n|\r|\n")
_YAML_BREAK = re.compile(r"\r\n|[\r\n\x85\u2028\u2029]")
_ODD_BREAK = re.compile("[\x85\u2028\u2029]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_BREAK_CHARS = "\r\n\x85\u2028\u2029"


class Lines:
    """A text's lines as YAML counts them (netcheck's positions) and as LSP counts them (the client's)."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        """Index ``text``'s line starts; positions sent to the client are in ``encoding``'s units."""
        self.text = text
        self.encoding = encoding = str(getattr(encoding, "value", encoding))  # a PositionEncodingKind, or its value
        self.starts = [0] + [match.end() for match in _LSP_BREAK.finditer(text)]
        odd = _ODD_BREAK.search(text) is not None
        self.yaml_starts = [0] + [match.end() for match in _YAML_BREAK.finditer(text)] if odd else self.starts
        self.simple = encoding == UTF32 or text.isascii() or (encoding == UTF16 and not _ASTRAL.search(text))

    def _content_end(self, starts: list[int], index: int) -> int:
        """Where line ``index`` (of ``starts``) ends, before its line break."""
        end = starts[index + 1] if index + 1 < len(starts) else len(self.text)
        while end > starts[index] and self.text[end - 1] in _BREAK_CHARS:
            end -= 1
        return end

    def offset(self, line: int, column: int) -> int:
        """The character offset of netcheck's 1-based ``line:column`` (clamped to the text)."""
        if line < 1:
            return 0
        if line > len(self.yaml_starts):
            return len(self.text)
        start = self.yaml_starts[line - 1]
        return min(start + max(column - 1, 0), self._content_end(self.yaml_starts, line - 1))

    def yaml_position(self, offset: int) -> Position:
        """Netcheck's 1-based ``(line, column)`` of a character offset."""
        index = bisect.bisect_right(self.yaml_starts, offset) - 1
        return index + 1, offset - self.yaml_starts[index] + 1

    def yaml_line_end(self, line: int) -> int:
        """The offset where netcheck's 1-based ``line`` ends (its text, trailing spaces and tabs dropped)."""
        if not 1 <= line <= len(self.yaml_starts):
            return len(self.text)
        start = self.yaml_starts[line - 1]
        end = self._content_end(self.yaml_starts, line - 1)
        while end > start and self.text[end - 1] in " \t":
            end -= 1
        return end

    def position(self, offset: int) -> types.Position:
        """The LSP position of a character offset, in the client's units."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        return types.Position(line, offset - start if self.simple else self.units(self.text[start:offset]))

    def range(self, start: int, end: int) -> types.Range:
        """The LSP range between two character offsets."""
        return types.Range(self.position(start), self.position(max(start, end)))

    def units(self, text: str) -> int:
        """How many of the client's units ``text`` takes."""
        if self.encoding == UTF32:
            return len(text)
        if self.encoding == UTF8:
            return len(text.encode("utf-8", "surrogatepass"))
        return len(text) + len(_ASTRAL.findall(text))

    def offset_at(self, position: types.Position) -> int:
        """The character offset of an LSP position (clamped to its line, as the protocol asks)."""
        if position.line < 0:
            return 0
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[position.line]
        end = self._content_end(self.starts, position.line)
        if self.simple:
            return min(start + max(position.character, 0), end)
        counted = 0
        for offset in range(start, end):
            if counted >= position.character:
                return offset
            counted += self.units(self.text[offset])
        return end


@dataclass(frozen=True, slots=True)
class Spot:
    """Where one layer is written: its document path and its first key (1-based)."""

    path: tuple[str | int, ...]
    start: Position


@dataclass(slots=True)
class Analysis:
    """One check of one text, with what the features need to answer from it."""

    text: str
    path: str
    report: FileReport
    lines: Lines
    document: Document | None = None
    problem: str = ""  # why the [tool.netcheck] configuration could not be used, if it could not
    generation: int = 0  # the server's count of changes to the document when this text was checked
    version: int | None = None  # the client's version of the text
    spots: list[Spot] = field(default_factory=list)  # every layer, top-level and in blocks, in text order
    starts: list[Position] = field(default_factory=list)  # the spots' starts, for bisection
    boundaries: list[Position] = field(default_factory=list)  # keys that end the layer written before them
    rows_at: dict[Position, list[LayerRow]] = field(default_factory=dict)  # what each spot computes
    outputs: dict[str, Shape | None] = field(default_factory=dict)  # every layer's output, by flat name
    ends: SourceTree | None = None  # the node extents, for the ends of ranges
    complete: bool = True  # False when the engine's fixes of some violation were not searched (``fixes=False``)

    def tree(self) -> SourceTree | None:
        """The text's node extents with a fresh verification budget (for text edits), None without them."""
        if self.document is None or self.document.locator.extents is None:
            return None
        return SourceTree.of_document(self.document)

    def spot_at(self, line: int, column: int) -> Spot | None:
        """The layer written at netcheck's 1-based ``line:column``: its first key, any key, or its dash."""
        if not self.starts:
            return None
        same_line = bisect.bisect_left(self.starts, (line, 0))
        before = bisect.bisect_right(self.starts, (line, column)) - 1
        if before >= same_line or same_line >= len(self.starts) or self.starts[same_line][0] != line:
            index = before  # the last layer that starts at or before the position
        else:
            index = same_line  # on the layer's line, before its first key: its dash or brace
        if index < 0:
            return None
        spot = self.spots[index]
        boundary = bisect.bisect_right(self.boundaries, (line, column)) - 1
        if boundary >= 0 and self.boundaries[boundary] > spot.start:
            return None  # a key written after the layer, outside any layer
        return spot


def analyze(text: str, path: str | None = None, *, encoding: str = UTF16, generation: int = 0,
            version: int | None = None, options: Options | None = None, fixes: bool = True) -> Analysis:
    """Check ``text`` as ``netcheck validate`` checks the file at ``path`` (None: an unsaved document).

    Without ``options`` the ``[tool.netcheck]`` configuration is found from
    ``path``'s folder (none for an unsaved document). Without ``fixes`` the
    engine's fixes are not searched (the quick check the server publishes
    first; ``Analysis.complete`` tells whether one was left out). Never
    raises: whatever the text provokes becomes an NC001, as on the command line.
    """
    label = path or "<untitled>"
    problem = ""
    if options is None:
        options, problem = settings_for(path)
    lines = Lines(text, encoding)
    analysis = Analysis(text, label, FileReport(label), lines, problem=problem, generation=generation,
                        version=version)
    try:
        document = _read(text, options)
        analysis.document = document
        wanted = replace(options, extents=document.readable, fixes=options.fixes and fixes)
        analysis.report = checker.check_document(document, label, wanted)
        analysis.complete = fixes or not options.fixes or not any(
            _searched(violation.code) for violation in analysis.report.violations)
        analysis.ends = analysis.tree()
        _locate_layers(analysis)
    except (RecursionError, MemoryError) as error:
        analysis.report = _failed(label, f"the file is too complex to check ({type(error).__name__})")
    except Exception as error:  # the funnel of netcheck.checker: never a crash, always a located NC001
        analysis.report = _failed(label, f"internal error while checking this file ({type(error).__name__}); "
                                         "please report it")
    return analysis


def _searched(code: str) -> bool:
    """True when the engine searches fixes for ``code`` (a check without fixes leaves them out)."""
    from netcheck import rules

    return code in rules.CODES and rules.fixable(code)


def settings_for(path: str | None) -> tuple[Options, str]:
    """The checker options ``[tool.netcheck]`` sets for the file at ``path``, and why not if it cannot be used."""
    from netcheck import config, options
    from netcheck.files import UsageError

    if path is None:
        return Options(), ""
    try:
        found = config.discover(os.path.dirname(os.path.abspath(path)))
        values = options.resolved("validate", options.defaults("validate"), found)
        settings = options.checker_options(values)
        extra = found.ignores_for(path)
    except UsageError as error:
        return Options(), f"{error} (checked with the default settings)"
    except (OSError, ValueError) as error:
        return Options(), f"cannot read the configuration: {error} (checked with the default settings)"
    return replace(settings, ignore=settings.ignore + extra) if extra else settings, ""


def _read(text: str, options: Options) -> Document:
    """The text parsed as the CLI reads a file: over ``max_bytes`` it is not read at all."""
    limit = options.limits.max_bytes
    if len(text) * 4 > limit:  # a UTF-8 character is at most four bytes: only long texts are measured
        raw = text.encode("utf-8", "surrogatepass")
        try:
            source.read_stream_bytes(io.BytesIO(raw), limit)
        except source.SourceError as error:
            return Document(None, source.Locator(), [Violation("NC001", error.message, *error.position)], text)
    return source.parse(text, options.limits, extents=len(text) <= MAX_EXTENTS_TEXT)


def _failed(label: str, message: str) -> FileReport:
    return FileReport(label, violations=[Violation("NC001", message, 1, 1)])


def _locate_layers(analysis: Analysis) -> None:
    """Where every layer is written, the keys between them, and what the report computed for each."""
    document = analysis.document
    if document is None or not isinstance(document.data, dict):
        return
    data, locator = document.data, document.locator
    spots: list[Spot] = []
    boundaries = list(locator.key_positions.get(id(data), {}).values())

    def add_layers(layers: Any, prefix: tuple[str | int, ...]) -> None:
        if not isinstance(layers, list):
            return
        for index, layer in enumerate(layers):
            if isinstance(layer, dict):
                spots.append(Spot((*prefix, index), locator.start_of((*prefix, index))))

    add_layers(data.get("layers"), ("layers",))
    blocks = data.get("blocks")
    if isinstance(blocks, dict):
        boundaries.extend(locator.key_positions.get(id(blocks), {}).values())
        for name, block in blocks.items():
            if isinstance(block, dict):
                boundaries.extend(locator.key_positions.get(id(block), {}).values())
                add_layers(block.get("layers"), ("blocks", name, "layers"))
    spots.sort(key=lambda spot: spot.start)
    analysis.spots = spots
    analysis.starts = [spot.start for spot in spots]
    analysis.boundaries = sorted(boundaries)
    report = analysis.report
    analysis.outputs = {INPUT: report.input_shape, **{row.name: row.output for row in report.rows}}
    rows_at: dict[Position, list[LayerRow]] = {}
    for row in report.rows:
        rows_at.setdefault((row.line, row.column), []).append(row)
    for use in _outermost(report.uses):
        if 0 <= use.start < use.stop <= len(report.rows):
            span = report.rows[use.start:use.stop]
            folded = fold(span, [replace(use, start=0, stop=len(span))], use.depth)
            rows_at.setdefault((use.line, use.column), []).extend(folded)
    analysis.rows_at = rows_at


def _outermost(uses: list[UseSpan]) -> list[UseSpan]:
    """The uses, less those inside another use written at the same place (the copies of a ``repeat``)."""
    by_place: dict[Position, list[UseSpan]] = {}
    for use in uses:
        by_place.setdefault((use.line, use.column), []).append(use)
    kept: list[UseSpan] = []
    for group in by_place.values():
        stop = -1
        for use in sorted(group, key=lambda use: (use.start, -use.stop)):
            if use.stop > stop or use.start >= stop:
                kept.append(use)
                stop = max(stop, use.stop)
    return kept


# Diagnostics


@functools.cache
def _rule_docs() -> dict[str, str]:
    """Each code's ``codeDescription`` link: its section of the README's rules reference, when that file exists.

    The project has no public address, so the only honest target is the
    README beside the package (a clone or an editable install, where the
    ``#### NC101 non-integer-output`` headings are). An installed wheel has no
    README on disk: its diagnostics carry no link, and ``data.explain`` names
    the command that prints the same text (``netcheck explain NC101``).
    """
    from netcheck import rules

    readme = Path(__file__).resolve().parent.parent.parent / "README.md"
    try:
        text = readme.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    return {rule.code: f"{readme.as_uri()}#{rule.code.lower()}-{rule.name}" for rule in rules.all_rules()
            if f"\n#### {rule.code} {rule.name}\n" in text}


def diagnostics(analysis: Analysis, uri: str, related: bool = True, links: bool = True) -> list[types.Diagnostic]:
    """One diagnostic per violation (and one for an unusable configuration), in file order.

    ``related``: the client shows ``relatedInformation`` (the uses of a block
    that led to a violation); without it they are named in the message.
    ``links``: the client takes a ``codeDescription`` (the rule's docs).
    """
    found = [diagnostic(analysis, uri, violation, related, links) for violation in analysis.report.violations]
    if analysis.problem:
        start = analysis.lines.offset(1, 1)
        found.insert(0, types.Diagnostic(analysis.lines.range(start, analysis.lines.yaml_line_end(1)),
                                         f"netcheck: {analysis.problem}", types.DiagnosticSeverity.Error,
                                         source=SOURCE))
    return found


def diagnostic(analysis: Analysis, uri: str, violation: Violation, related: bool = True,
               links: bool = True) -> types.Diagnostic:
    """The diagnostic of one violation."""
    lines = analysis.lines
    message = f"{violation.layer}: {violation.message}" if violation.layer else violation.message
    message += "".join(f"\nfix: {fix.message}" for fix in violation.fixes)
    information = None
    if violation.via:
        if related:
            information = [types.DiagnosticRelatedInformation(
                types.Location(uri, span_range(analysis, hop.line, hop.column)), f"in {hop.layer}")
                for hop in violation.via]
        else:
            message += "".join(f"\nin {hop.layer} (line {hop.line})" for hop in violation.via)
    href = _rule_docs().get(violation.code) if links else None
    severity = types.DiagnosticSeverity.Error if violation.is_error else types.DiagnosticSeverity.Warning
    data: dict[str, Any] = {"explain": f"netcheck explain {violation.code}", "path": list(violation.path)}
    if violation.layer is not None:
        data["layer"] = violation.layer
    return types.Diagnostic(
        range=span_range(analysis, violation.line, violation.column) if violation.line > 0
        else lines.range(0, 0),
        message=message,
        severity=severity,
        code=violation.code,
        code_description=types.CodeDescription(href) if href else None,
        source=SOURCE,
        tags=[types.DiagnosticTag.Unnecessary] if violation.code == "NC206" else None,
        related_information=information,
        data=data,
    )


def span_range(analysis: Analysis, line: int, column: int) -> types.Range:
    """The range of what starts at netcheck's ``line:column``: the key and its one-line value (as SARIF's region).

    Without extents (a text too long, or not YAML) it runs to the end of the
    line, before a comment.
    """
    lines = analysis.lines
    start = lines.offset(line, column)
    tree = analysis.ends
    end_column = None
    if tree is not None and column > 0:
        try:
            end_column = tree.end_of(line, column)
        except Exception:  # an extra: the range falls back to the line
            end_column = None
    if end_column is not None:
        end = lines.offset(line, end_column)
    else:
        end = lines.yaml_line_end(line)
        comment = lines.text.find(" #", start, end)
        if comment >= 0:
            end = len(lines.text[start:comment].rstrip()) + start
    return lines.range(start, end)


# Hover and inlay hints


def hover(analysis: Analysis, position: types.Position, markdown: bool = True) -> types.Hover | None:
    """What the layer under ``position`` computes; on the top-level ``input:`` line, the network's totals."""
    line, column = analysis.lines.yaml_position(analysis.lines.offset_at(position))
    spot = analysis.spot_at(line, column)
    if spot is None:
        text = _network(analysis, line, markdown)
    else:
        rows = analysis.rows_at.get(spot.start, [])
        text = _layer_text(analysis, spot, rows, markdown) if rows else None
    if text is None:
        return None
    kind = types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText
    return types.Hover(types.MarkupContent(kind, text))


def _layer_text(analysis: Analysis, spot: Spot, rows: list[LayerRow], markdown: bool) -> str:
    parts = [_row_text(analysis, row, markdown) for row in rows[:MAX_HOVER_ROWS]]
    if len(rows) > MAX_HOVER_ROWS:
        more = len(rows) - MAX_HOVER_ROWS
        parts.append(f"… and {more:,} more use{'' if more == 1 else 's'}")
    if spot.path[:1] == ("blocks",) and len(rows) > 1:
        block = _md(str(spot.path[1]), markdown)
        parts.insert(0, f"In block {_bold(block, markdown)}, used {len(rows):,} times:")
    return "\n\n".join(parts)


def _row_text(analysis: Analysis, row: LayerRow, markdown: bool) -> str:
    inputs = ", ".join(_shape(analysis.outputs.get(name)) for name in row.inputs) or "?"
    title = f"{_bold(_md(row.name, markdown), markdown)} ({_md(row.type, markdown)})"
    shapes = f"{inputs} → {_shape(row.output)}"
    params = (f"params {_count(row.params)} (trainable {_count(row.trainable_params)}, "
              f"non-trainable {_count(row.non_trainable_params)})")
    costs = f"MACs {_count(row.macs)} · receptive field {_field(row, 'size')} · jump {_field(row, 'jump')}"
    if markdown:
        return f"{title}: `{shapes}`  \n{params}  \n{costs}"
    return f"{title}: {shapes}\n{params}\n{costs}"


def _network(analysis: Analysis, line: int, markdown: bool) -> str | None:
    """The network's input, output and totals, for a hover on the top-level ``input:`` line."""
    document = analysis.document
    report = analysis.report
    if document is None or not isinstance(document.data, dict) or "input" not in document.data:
        return None
    if document.locator.find(("input",))[0] != line or report.input_shape is None or not report.rows:
        return None
    totals = report.totals
    name = _md(report.name or "network", markdown)
    output = report.rows[-1].output
    first = f"{_bold(name, markdown)}: {report.input_shape} → {_shape(output)}"
    params = (f"params {_count(totals.get('params'))} (trainable {_count(totals.get('trainable_params'))}, "
              f"non-trainable {_count(totals.get('non_trainable_params'))})")
    costs = f"MACs {_count(totals.get('macs'))} · {len(report.rows):,} layer{'' if len(report.rows) == 1 else 's'}"
    lines = [first, params, costs, *_valid_sizes(report, markdown)]
    return ("  \n" if markdown else "\n").join(lines)


def _valid_sizes(report: FileReport, markdown: bool) -> list[str]:
    """``netcheck sizes``'s two lines (the input sizes the network accepts), when the solver can answer."""
    from netcheck import sizes

    try:
        result = sizes.sizes_of_report(report)
    except Exception:  # Unsolvable, SolverError: a hover says nothing rather than fail
        return []
    if isinstance(result, list):
        return []
    return [_md(line, markdown) for line in sizes.to_text(result).splitlines()]


def inlay_hints(analysis: Analysis, within: types.Range | None = None) -> list[types.InlayHint]:
    """``→ 14x14x20`` at the end of each layer's first line (the shapes of its uses, in a block's definition)."""
    lines = analysis.lines
    first, last = (0, len(lines.starts)) if within is None else (within.start.line, within.end.line)
    hints = []
    for spot in analysis.spots:
        shapes = list(dict.fromkeys(str(row.output) for row in analysis.rows_at.get(spot.start, ())
                                    if row.output is not None))
        if not shapes:
            continue
        end = lines.yaml_line_end(spot.start[0])
        position = lines.position(end)
        if not first <= position.line <= last:
            continue
        label = ", ".join(shapes[:MAX_HINT_SHAPES]) + (", …" if len(shapes) > MAX_HINT_SHAPES else "")
        hints.append(types.InlayHint(position, f"→ {label}", types.InlayHintKind.Type, padding_left=True))
    return hints


def _shape(shape: Shape | None) -> str:
    return str(shape) if shape is not None else "?"


def _count(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"


def _field(row: LayerRow, part: str) -> str:
    """The receptive field or the jump, one figure when both axes agree, else ``WxH`` (as the summary writes it)."""
    if row.width is None or row.height is None:
        return "?"
    width, height = getattr(row.width, part), getattr(row.height, part)

    def show(value: int | Fraction) -> str:
        return str(value) if isinstance(value, int) or value.denominator == 1 else f"{float(value):.3g}"

    return show(width) if width == height else f"{show(width)}x{show(height)}"


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~&])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _md(text: str, markdown: bool) -> str:
    """Text from the spec, shown as itself: control characters as ``\\uXXXX``, Markdown's signs escaped."""
    text = _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text) if markdown else text


def _bold(text: str, markdown: bool) -> str:
    return f"**{text}**" if markdown else text


# Code actions


def code_actions(analysis: Analysis, uri: str, within: types.Range, *, document_changes: bool = True,
                 related: bool = True, links: bool = True) -> list[types.CodeAction]:
    """The quick fixes of the violations whose range meets ``within``: each fix, then "ignore NCxxx on this layer".

    A fix is offered when ``SourceTree.text_edits`` can write it as text (the
    same planning as ``--fix``, verified by parsing the edited text again).
    The first such fix of an error is the preferred one (the one ``--fix``
    applies); warnings have none preferred, as ``--fix`` leaves them alone.
    ``document_changes``: the client takes versioned document edits, so an
    edit planned for an older text is refused rather than misapplied.
    """
    tree = analysis.tree()
    actions: list[types.CodeAction] = []
    for violation in analysis.report.violations:
        found = diagnostic(analysis, uri, violation, related, links)
        if not _meets(found.range, within):
            continue
        preferred = violation.is_error
        for fix in violation.fixes:
            edits = _fix_edits(tree, fix)
            if edits is None:
                continue
            actions.append(types.CodeAction(
                f"Fix {violation.code}: {fix.message}", types.CodeActionKind.QuickFix, diagnostics=[found],
                is_preferred=True if preferred else None,
                edit=_workspace_edit(analysis, uri, [_text_edit(analysis, edit) for edit in edits],
                                     document_changes)))
            preferred = False
        ignore = ignore_edit(analysis, violation)
        if ignore is not None:
            where = "this layer" if _layer_line(analysis, violation) else "this line"
            actions.append(types.CodeAction(
                f"Ignore {violation.code} on {where} (# netcheck: ignore[{violation.code}])",
                types.CodeActionKind.QuickFix, diagnostics=[found],
                edit=_workspace_edit(analysis, uri, [ignore], document_changes)))
    return actions


def _meets(left: types.Range, right: types.Range) -> bool:
    def key(position: types.Position) -> tuple[int, int]:
        return position.line, position.character

    return key(left.start) <= key(right.end) and key(right.start) <= key(left.end)


def _fix_edits(tree: SourceTree | None, fix: Fix) -> list[TextEdit] | None:
    if tree is None:
        return None
    try:
        return tree.text_edits(fix.edits)
    except Exception:  # an extra: a fix without a text form is simply not offered
        return None


def _text_edit(analysis: Analysis, edit: TextEdit) -> types.TextEdit:
    """A planned edit (0-based YAML line and column) as an LSP edit."""
    lines = analysis.lines
    start = lines.offset(edit.start[0] + 1, edit.start[1] + 1)
    end = lines.offset(edit.end[0] + 1, edit.end[1] + 1)
    return types.TextEdit(lines.range(start, end), edit.text)


def _workspace_edit(analysis: Analysis, uri: str, edits: list[types.TextEdit],
                    document_changes: bool) -> types.WorkspaceEdit:
    if document_changes:
        identifier = types.OptionalVersionedTextDocumentIdentifier(uri, analysis.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(identifier, list(edits))])
    return types.WorkspaceEdit(changes={uri: list(edits)})


def _layer_line(analysis: Analysis, violation: Violation) -> int:
    """The line of the first key of the layer the violation is in (0 when it is in none)."""
    document = analysis.document
    if document is None or not violation.path:
        return 0
    return suppression.first_key_line(violation.path, document.locator.start_of)


def ignore_edit(analysis: Analysis, violation: Violation) -> types.TextEdit | None:
    """The edit that silences ``violation`` where ``# netcheck: ignore[...]`` works: its layer's first-key line.

    A suppression comment already on that line gets the code added to its
    list; otherwise ``  # netcheck: ignore[NCxxx]`` goes at the end of the
    line. The edited text must read as the same data, with the comment found
    on that line (not, say, inside a quoted string that runs on), or no edit
    is offered.
    """
    document = analysis.document
    if violation.code in NOT_IGNORABLE or document is None or not document.readable or violation.line <= 0:
        return None
    lines = analysis.lines
    line = _layer_line(analysis, violation) or violation.line
    if not 1 <= line <= len(lines.yaml_starts):
        return None
    start = lines.yaml_starts[line - 1]
    end = lines.yaml_line_end(line)
    written = [found for found in suppression.comments(lines.text[start:end]) if found.line == 1]
    if any(found.malformed or not found.codes for found in written):
        return None  # a comment netcheck cannot read, or one that silences every code already
    if written:
        comment = written[-1]
        at = start + comment.column - 1 + len(comment.text) - 1  # its closing ]
        new_text, span = f", {violation.code}", (at, at)
    else:
        new_text, span = f"  # netcheck: ignore[{violation.code}]", (end, end)
    edited = lines.text[:span[0]] + new_text + lines.text[span[1]:]
    if not _silences(edited, document, line, violation.code):
        return None
    return types.TextEdit(lines.range(*span), new_text)


def _silences(edited: str, before: Document, line: int, code: str) -> bool:
    """True when ``edited`` holds the same data as ``before`` and a comment on ``line`` silences ``code``."""
    after = source.parse(edited)
    if not after.readable or {v.code for v in after.violations} - {v.code for v in before.violations}:
        return False
    if not same(after.data, before.data):
        return False
    return any(found.line == line and not found.malformed and found.silences(code)
               for found in suppression.comments(edited))


def apply_edits(text: str, edits: Iterable[types.TextEdit], encoding: str = UTF16) -> str:
    """``text`` with LSP edits applied, as a client applies them (for tests and the benchmark)."""
    lines = Lines(text, encoding)
    spans = sorted(((lines.offset_at(edit.range.start), lines.offset_at(edit.range.end), edit.new_text)
                    for edit in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text
