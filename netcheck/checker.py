"""One file in, one report out: read, validate, run the engine, locate, fix, filter.

Every failure a file can cause ends here as a located violation; nothing a
file contains can raise out of ``check_path`` (the funnel at the bottom turns
any unexpected exception into NC001 rather than a traceback). A file whose
schema errors (NC002), duplicate keys (NC003) or broken blocks leave part of
the network readable is checked in that part (``netcheck.recovery``): the
broken layers and what reads them are skipped, everything else is reported.
Its totals are then unknown (None), never the sum of the layers that were
checked, and a fix is shown only if it verifies without changing what a
skipped layer would read.
"""

from __future__ import annotations

import bisect
import io
import re
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from netcheck import blocks, engine, rules, source
from netcheck.engine import Finding
from netcheck.fastload import quick_network
from netcheck.files import STDIN, STDIN_NAME
from netcheck.fixing import NOT_SEARCHED, Budget, World, records_of, searchable, verified_fixes
from netcheck.records import Record, from_model
from netcheck.results import FileReport, Limits, Options, UseSpan, Violation
from netcheck.source import Document, Locator

if TYPE_CHECKING:
    from netcheck.expansion import Expansion
    from netcheck.recovery import Partial
    from netcheck.results import DocPath
    from netcheck.spec import Network


def check_path(path: str, options: Options = Options()) -> FileReport:
    """Check the file at ``path`` (``-``: standard input, reported as ``<stdin>``)."""
    if path == STDIN:
        return _funnel(STDIN_NAME, lambda: check_document(_read_stdin(options), STDIN_NAME, options))
    return _funnel(path, lambda: check_document(source.read_file(path, options.limits, options.extents), path,
                                                options))


def _read_stdin(options: Options) -> Document:
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        return source.read_stream(io.BytesIO(b""), options.limits, options.extents)
    return source.read_stream(stream, options.limits, options.extents)


def check_text(text: str, path: str = "<text>", options: Options = Options()) -> FileReport:
    """Check YAML ``text`` as if it were the file at ``path``."""
    return _funnel(path, lambda: check_document(source.parse(text, options.limits, options.extents), path,
                                                options))


def check_document(document: Document, path: str, options: Options = Options()) -> FileReport:
    """Validate a parsed document and run the engine on it."""
    report = FileReport(path)
    violations = list(document.violations)
    expansion = blocks.expand(document, options.limits) if document.readable else None
    flat = document
    if expansion is not None:
        violations.extend(expansion.violations)
        if expansion.data is not None:
            flat = Document(expansion.data, expansion.locator, [], document.text)
    runnable = document.readable and (expansion is None or expansion.data is not None)
    quick = _quick_report(flat, path, options) if runnable and not violations else None
    if quick is not None:
        report = quick
        violations.extend(report.violations)
    elif document.readable:
        report = _validated_report(document, flat, expansion, path, options, violations)
    report.violations = _select(_named(_suppressed(violations, document, options, report), document), options)
    if options.extents and report.violations:
        report.source = document
    return report


def _validated_report(document: Document, flat: Document, expansion: Expansion | None, path: str, options: Options,
                      violations: list[Violation]) -> FileReport:
    """The report by the models: the whole network's when it validates, else that of the part that can be checked.

    Adds every violation found to ``violations``.
    """
    damaged: tuple[DocPath, ...] = ()
    if any(violation.code == "NC003" for violation in document.violations):
        from netcheck.recovery import duplicate_paths

        damaged = duplicate_paths(document)
    problems = None
    repair = expansion is not None and "blocks" in document.data and (expansion.data is None or bool(damaged))
    if not repair:
        from netcheck import validation

        network, found = validation.to_network(flat)
        violations.extend(_traced(found, expansion))
        if network is not None and not damaged:
            if expansion is not None:
                from netcheck.expansion import attach

                attach(network, expansion)
            report = check_network(network, options, path, flat.data)
            violations.extend(report.violations)
            return report
        problems = [violation.path for violation in found]
    from netcheck.recovery import salvage

    partial = salvage(document, options.limits, damaged, expansion, problems)
    if partial is None:
        return FileReport(path)
    violations.extend(_traced(partial.problems, partial.expansion))
    report = _partial_report(document, partial, options, path)
    violations.extend(report.violations)
    return report


def _partial_report(document: Document, partial: Partial, options: Options, path: str) -> FileReport:
    """The report of the part of a network that can be checked; it gives no ``network`` (the file did not load)."""
    result = engine.run(partial.network)
    for row, layer in zip(result.rows, partial.network.layers):
        row.type = layer.get("_kind", row.type)  # a stand-in's row shows the type its layer has in the file
    world = _PartialWorld(document.data, partial.network, partial.expansion, partial.damaged, result, options.limits)
    report = _checked(partial.network, None, options, path, partial.data, result, world)
    report.checked = report.build_network = None
    return report


_MENTION = re.compile("netcheck", re.IGNORECASE)


def _unchecked_lines(report: FileReport) -> frozenset[int]:
    """The lines of layers the engine could not compute (no output), from each one's first line to the next layer's.

    A suppression there cannot be told unused: what it silences may appear
    once the layer it reads is fixed.
    """
    starts = sorted({row.line for row in report.rows if row.line})
    if not any(row.output is None for row in report.rows):
        return frozenset()
    following = dict(zip(starts, [*starts[1:], starts[-1] + 1] if starts else []))
    lines: set[int] = set()
    for row in report.rows:
        if row.output is None and row.line:
            lines.update(range(row.line, max(row.line + 1, following[row.line])))
    return frozenset(lines)


def _suppressed(violations: list[Violation], document: Document, options: Options,
                report: FileReport) -> list[Violation]:
    """The violations no ``# netcheck: ignore`` comment silences, with NC206 for comments that silence nothing."""
    if _MENTION.search(document.text) is None:  # no suppression can be there: skip importing the module
        return violations
    from netcheck import suppression

    unchecked = _unchecked_lines(report)

    def layer_line(path: tuple[Any, ...]) -> int:
        return suppression.first_key_line(path, document.locator.start_of)

    return suppression.apply(violations, document.text, layer_line, options.wants, rules.CODES, unchecked)


def _quick_report(document: Document, path: str, options: Options) -> FileReport | None:
    """The report by the quick road (no pydantic), when the models would surely accept the document."""
    network = quick_network(document.data)
    if network is None:
        return None
    network._source = document.locator
    return check_network(network, options, path, document.data)


def check_network(network: Network | Record, options: Options = Options(), path: str = "<network>",
                  data: Any = None, result: engine.Result | None = None) -> FileReport:
    """Run the engine on a validated network and locate its findings (when it came from a file).

    ``network`` is a pydantic ``netcheck.Network`` or the records of one (the quick road's).
    """
    model = None if isinstance(network, Record) else network
    records: Record = network if isinstance(network, Record) else from_model(network)
    return _checked(records, model, options, path, data, result or engine.run(records))


def _checked(network: Record, model: Network | None, options: Options, path: str, data: Any,
             result: engine.Result, world: World | None = None) -> FileReport:
    locator: Locator | None = network.get("_source")
    expansion: Expansion | None = getattr(locator, "expansion", None)  # an ExpandedLocator's
    if expansion is not None:
        from netcheck.expansion import check_uses

        result.findings.extend(check_uses(expansion, result.rows))
    if world is None and result.skipped and data is not None:  # an NC004: fixes must keep what skipped layers read
        written = expansion.document.data if expansion is not None else data
        world = _PartialWorld(written, network, expansion, (), result, options.limits)
    elif world is None and expansion is not None:
        world = _BlockWorld(expansion, options.limits)
    budget = Budget.for_file(len(network.layers), result.findings)
    violations = []
    for finding in result.findings:
        line, column = _locate(finding, locator)
        searched = data is not None and options.fixes and options.wants(finding.code) and searchable(finding)
        fixes = verified_fixes(finding, network, data, result, budget, world) if searched else ()
        message = rules.message(finding)
        if searched and not fixes and budget.exhausted:
            message = f"{message} ({NOT_SEARCHED})"
        violation = Violation(finding.code, message, line, column, finding.layer, finding.path, fixes)
        violations.append(violation if expansion is None else _traced([violation], expansion)[0])
    if locator is not None:
        for row in result.rows:
            row.line, row.column = locator.start_of(("layers", row.index))
    report = FileReport(path, network.name, result.rows, result.totals, _select(violations, options),
                        model if model is not None else network, network.input.shape,
                        None if model is not None else _network_of)
    if expansion is not None:
        report.uses = [UseSpan(group.name, group.block, group.start, group.stop, group.depth,
                               *expansion.document.locator.start_of(group.path)) for group in expansion.groups]
    return report


class _BlockWorld(World):
    """Fixes of a network with blocks: edits where the values are written, judged on the document expanded again."""

    def __init__(self, expansion: Expansion, limits: Limits) -> None:
        super().__init__(expansion.document.data)
        self.expansion = expansion
        self.limits = limits

    def translate(self, fix: Any) -> Any:
        return self.expansion.translate(fix)

    def findings(self, data: Any) -> list[Finding] | None:
        expansion = blocks.expand(Document(data, Locator(), []), self.limits)
        if expansion is None or expansion.data is None or any(v.is_error for v in expansion.violations):
            return None
        network = records_of(expansion.data)
        if network is None:
            return None
        from netcheck.expansion import check_uses

        result = engine.run(network)
        return result.findings + check_uses(expansion, result.rows)


class _PartialWorld(World):
    """Fixes of a network some of whose layers were skipped, judged on the document checked again the same way.

    The edited document must skip the same layers and hand them the same
    inputs (every output, when who reads what is in doubt: an NC004, inputs
    that cannot be read), and keep the network's rounding: else what the fix
    does to a skipped layer is unknown, and the fix is not shown. Nor is a fix
    of the network's input or rounding: it speaks for every layer. ``data``
    is what fixes edit (the document, blocks and all); ``damaged`` the paths
    of its duplicate keys (``netcheck.recovery.duplicate_paths``).
    """

    def __init__(self, data: Any, network: Record, expansion: Expansion | None, damaged: tuple[DocPath, ...],
                 result: engine.Result, limits: Limits) -> None:
        super().__init__(data)
        self.expansion = expansion if isinstance(data, dict) and "blocks" in data else None
        self.damaged = damaged
        self.limits = limits
        self.skipped = _skipped_names(result)
        self.rounding = network.rounding
        self.frontier = _frontier(network, result)

    def translate(self, fix: Any) -> Any:
        if any(edit.path[:1] in (("input",), ("rounding",)) for edit in fix.edits):
            return None
        return fix if self.expansion is None else self.expansion.translate(fix)

    def findings(self, data: Any) -> list[Finding] | None:
        from netcheck import recovery

        again = recovery.salvage(Document(data, Locator(), []), self.limits, self.damaged, report=False)
        if again is None:
            return None
        result = engine.run(again.network)
        if not self._unchanged(again.network, result):
            return None
        if again.expansion is None:
            return result.findings
        from netcheck.expansion import check_uses

        return result.findings + check_uses(again.expansion, result.rows)

    def _unchanged(self, network: Record, result: engine.Result) -> bool:
        """Whether the edited network skips the same layers, with the same rounding and inputs for them."""
        if _skipped_names(result) != self.skipped or network.rounding != self.rounding:
            return False
        return all(result.flows.get(name) == flow for name, flow in self.frontier.items())


def _skipped_names(result: engine.Result) -> set[str]:
    """The names of the layers the engine skipped."""
    return {result.rows[position].name for position in result.skipped}


def _frontier(network: Record, result: engine.Result) -> dict[str, Any]:
    """The outputs the skipped layers read (all of them when who reads what is in doubt), which a fix must keep."""
    from netcheck import graph

    layout = graph.build(network)
    if not layout.wired:
        return dict(result.flows)
    skipped = _skipped_names(result)
    read = {name for position in result.skipped for name in layout.inputs[position]} - skipped
    return {name: result.flows.get(name) for name in read}


def _traced(violations: list[Violation], expansion: Expansion | None) -> list[Violation]:
    """Violations about the flat network, with the document path they are about and the uses that led there."""
    if expansion is None:
        return violations
    return [replace(violation, path=expansion.document_path(violation.path), via=expansion.via(violation.path))
            if violation.path[:1] in (("layers",), ("uses",)) else violation for violation in violations]


def _network_of(record: Record) -> Network:
    """The pydantic ``Network`` for a document the quick road read."""
    from netcheck.spec import Network

    network = Network.model_validate(record._source.root)
    network._source = record._source
    expansion = getattr(record._source, "expansion", None)
    if expansion is not None:
        from netcheck.expansion import attach

        attach(network, expansion)
    return network


def _locate(finding: Finding, locator: Locator | None) -> tuple[int, int]:
    if locator is None:
        return (0, 0)
    return locator.start_of(finding.path) if finding.at_layer else locator.find(finding.path)


def _select(violations: list[Violation], options: Options) -> list[Violation]:
    """The violations ``options`` asks for, in file order, each with the severity its rule declares."""
    kept = [_graded(violation) for violation in violations if options.wants(violation.code)]
    return sorted(kept, key=lambda v: (v.line, v.column, v.code))


def _graded(violation: Violation) -> Violation:
    grade = rules.severity(violation.code)
    return violation if violation.severity == grade else replace(violation, severity=grade)


def _named(violations: list[Violation], document: Document) -> list[Violation]:
    """Give violations found while reading (NC002, NC003) the name of the layer they sit in."""
    data = document.data
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list) or all(violation.layer or violation.path for violation in violations):
        return violations
    starts = [document.locator.start_of(("layers", i)) for i in range(len(layers))]
    end = _end_of_layers(data, document.locator)
    named = []
    for violation in violations:
        where = (violation.line, violation.column)
        if violation.layer is None and not violation.path and starts and starts[0] <= where < end:
            from netcheck import validation

            index = bisect.bisect_right(starts, (violation.line, violation.column)) - 1
            violation = replace(violation, layer=validation.layer_name(data, ("layers", index)))
        named.append(violation)
    return named


def _end_of_layers(data: dict[str, Any], locator: Locator) -> tuple[int, int]:
    """Where the top-level key after ``layers`` starts (the end of the layers' text)."""
    layers_at = locator.find(("layers",))
    later = [locator.find((key,)) for key in data if isinstance(key, str)]
    return min((where for where in later if where > layers_at), default=(2**62, 0))


def _funnel(path: str, work: Any) -> FileReport:
    """Run ``work``; any exception a file provokes becomes an NC001 instead of a traceback."""
    try:
        report: FileReport = work()
        return report
    except (RecursionError, MemoryError) as error:
        message = f"the file is too complex to check ({type(error).__name__})"
    except Exception as error:
        message = f"internal error while checking this file ({type(error).__name__}); please report it"
    return FileReport(path, violations=[Violation("NC001", message, 1, 1)])
