"""SARIF 2.1.0 (``--format sarif``): one run, every rule, results located in the files.

What code-scanning services and SARIF viewers read: the tool driver lists every
netcheck rule (id, name, short and full description, the ``netcheck explain``
text as help, the default level); each violation is a result with its rule,
level, message and physical location. File URIs are relative to the working
directory (``uriBaseId`` ``%SRCROOT%``, itself given as an absolute URI), or
absolute ``file:`` URIs for files outside it. Columns count Unicode code
points, as netcheck's do (``columnKind``).

Regions end where the source says: the file is read again, its YAML events give
the extent of the key (and of a one-line value) a violation points at. A fix
becomes a SARIF ``fix`` when its edits can be written as text edits — a value
replaced, or a key added to a mapping — and only after the edited text has been
parsed again and found to hold exactly the data the fix describes; other fixes
(list insertions, values that cannot be located) are only named in the message.
A violation without a position (line 0) has no region.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import yaml

from netcheck import source
from netcheck.report import Settings
from netcheck.results import Edit, FileReport, Fix, Violation

if TYPE_CHECKING:
    from netcheck.rules import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
#: Files longer than this (in characters) get no end columns and no text fixes.
MAX_TEXT = 1_000_000
#: Characters of YAML parsed again, per file, to verify text fixes; past it, fixes stay in the message.
VERIFY_BUDGET = 20_000_000

Position = tuple[int, int]  # 0-based line and column, as libyaml marks them
_GROUPS = {"NC0": "file", "NC1": "geometry", "NC2": "geometry", "NC3": "framework"}


def render(reports: list[FileReport], settings: Settings) -> str:
    """The whole run as one SARIF log (ASCII-only JSON)."""
    return json.dumps(document(reports), indent=2, ensure_ascii=True) + "\n"


def document(reports: list[FileReport], base: Path | None = None) -> dict[str, Any]:
    """The SARIF log as plain data; URIs are made relative to ``base`` (the working directory)."""
    from netcheck import __version__, rules

    base = Path(os.path.abspath(base if base is not None else os.getcwd()))
    all_rules = rules.all_rules()
    index = {rule.code: position for position, rule in enumerate(all_rules)}
    results = [result for report in reports for result in file_results(report, index, base)]
    driver = {
        "name": "netcheck",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [rule_entry(rule) for rule in all_rules],
    }
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(base)}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def rule_entry(rule: Rule) -> dict[str, Any]:
    """A ``reportingDescriptor`` for one ``netcheck.rules.Rule``."""
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": full_description(rule.doc)},
        "help": {"text": rule.doc, "markdown": help_markdown(rule.doc)},
        "defaultConfiguration": {"level": rule.severity},
        "properties": {"tags": ["netcheck", _GROUPS.get(rule.code[:3], "netcheck")], "precision": "very-high",
                       "problem.severity": rule.severity},
    }


def full_description(doc: str) -> str:
    """The first paragraph after a rule's title line, joined into one line."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", doc.strip()) if part.strip()]
    body = paragraphs[1] if len(paragraphs) > 1 else paragraphs[0] if paragraphs else ""
    return " ".join(body.split())


def help_markdown(doc: str) -> str:
    """A rule's ``explain`` text as Markdown: the code in bold, indented examples as fenced YAML."""
    lines = doc.strip().splitlines()
    if not lines:
        return ""
    code, _, rest = lines[0].partition(" ")
    out = [f"**{code}** {rest}".rstrip()]
    block: list[str] = []

    def flush() -> None:
        blank = False
        while block and not block[-1].strip():
            block.pop()
            blank = True
        if block:
            out.extend(["```yaml", *block, "```"])
            block.clear()
        if blank:
            out.append("")

    for line in lines[1:]:
        if line.startswith("    ") or (block and not line.strip()):
            block.append(line[4:])
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out) + "\n"


def file_results(report: FileReport, index: dict[str, int], base: Path) -> list[dict[str, Any]]:
    """The results of one file."""
    if not report.violations:
        return []
    location = artifact_location(report.path, base)
    readable = not any(violation.code == "NC001" for violation in report.violations)
    text = _source_text(report.path) if readable else None
    tree = SourceTree.of(text) if text is not None else None
    return [result_entry(violation, location, index, tree) for violation in report.violations]


def result_entry(violation: Violation, location: dict[str, Any], index: dict[str, int],
                 tree: SourceTree | None) -> dict[str, Any]:
    """One violation as a SARIF ``result``."""
    lines = [f"{violation.layer}: {violation.message}" if violation.layer else violation.message]
    lines += [f"fix: {fix.message}" for fix in violation.fixes]
    end, fixes = _from_source(violation, location, tree)
    physical: dict[str, Any] = {"artifactLocation": dict(location)}
    if violation.line > 0:
        region: dict[str, Any] = {"startLine": violation.line, "startColumn": max(violation.column, 1)}
        if end is not None:
            region["endColumn"] = end
        physical["region"] = region
    result: dict[str, Any] = {
        "ruleId": violation.code,
        "level": violation.severity,
        "message": {"text": "\n".join(lines)},
        "locations": [{"physicalLocation": physical}],
    }
    if violation.code in index:
        result["ruleIndex"] = index[violation.code]
    if violation.layer is not None:
        result["locations"][0]["logicalLocations"] = [{"name": violation.layer}]
    if fixes:
        result["fixes"] = fixes
    if violation.path:
        result["properties"] = {"path": list(violation.path)}
    return result


def _from_source(violation: Violation, location: dict[str, Any],
                 tree: SourceTree | None) -> tuple[int | None, list[dict[str, Any]]]:
    """The end column and the text fixes, which need the source; neither when it cannot give them.

    Both are extras: whatever goes wrong computing them leaves a plain result, never a crash.
    """
    if tree is None or violation.line <= 0:
        return None, []
    try:
        end = tree.end_of(violation.line, violation.column) if violation.column > 0 else None
        fixes = [sarif_fix(fix, location, tree) for fix in violation.fixes]
    except Exception:  # extras only: the result stands without them
        return None, []
    return end, [fix for fix in fixes if fix is not None]


def artifact_location(path: str, base: Path) -> dict[str, Any]:
    """The file's URI: relative to ``base`` under ``%SRCROOT%``, else an absolute ``file:`` URI."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(base)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SRCROOT}


def _directory_uri(directory: Path) -> str:
    uri = directory.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _source_text(path: str) -> str | None:
    """The file's text as netcheck read it, or None when it cannot be read (again)."""
    try:
        text = source.decode(source.read_bytes(path, MAX_TEXT * 4))
    except (source.SourceError, OSError, ValueError):
        return None
    return text if len(text) <= MAX_TEXT else None


def sarif_fix(fix: Fix, location: dict[str, Any], tree: SourceTree) -> dict[str, Any] | None:
    """``fix`` as a SARIF ``fix`` with text replacements, or None when it is not a verified text edit."""
    edits = tree.text_edits(fix.edits)
    if edits is None:
        return None
    replacements = [
        {"deletedRegion": tree.region(edit.start, edit.end), "insertedContent": {"text": edit.text}}
        for edit in edits
    ]
    return {"description": {"text": fix.message},
            "artifactChanges": [{"artifactLocation": dict(location), "replacements": replacements}]}


@dataclass(slots=True)
class Node:
    """A YAML node as the parser saw it: its kind, extent and children."""

    kind: str  # "scalar", "alias", "mapping" or "sequence"
    start: Position
    end: Position
    flow: bool = False
    value: str | None = None  # a scalar's text, as a mapping key
    keys: dict[str, tuple[Node, Node]] = field(default_factory=dict)
    items: list[Node] = field(default_factory=list)
    close: Position | None = None  # a flow collection's closing bracket
    last: Position = (0, 0)  # where its last token ends (a block collection ends at the next token)


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace the text from ``start`` to ``end`` (0-based line, column) with ``text``."""

    start: Position
    end: Position
    text: str


class SourceTree:
    """A spec's text with the extent of every node, to turn positions into regions and fixes into edits."""

    def __init__(self, text: str, root: Node, starts: dict[Position, tuple[Node, Node | None]]) -> None:
        """Keep the text, its parsed tree, and what starts at each position (a key and its value)."""
        self.text = text
        self.root = root
        self.starts = starts
        self.line_starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.budget = VERIFY_BUDGET
        self._before: source.Document | None = None

    @classmethod
    def of(cls, text: str) -> SourceTree | None:
        """Parse ``text`` into a tree; None if it is not plain YAML a SARIF consumer would count alike."""
        if re.search("[\x85\u2028\u2029]", text):
            return None  # line breaks to YAML 1.1, not to SARIF: lines would be numbered differently
        try:
            return _build(text)
        except Exception:  # YAML errors and anything else: no tree, plain results
            return None

    def end_of(self, line: int, column: int) -> int | None:
        """The 1-based end column of the key (and one-line value) or node that starts at ``line:column``."""
        found = self.starts.get((line - 1, column - 1))
        if found is None:
            return None
        node, value = found
        end = node.end
        if value is not None and (value.kind in ("scalar", "alias") or value.flow) and value.end[0] == node.start[0]:
            end = value.end
        if end[0] != node.start[0]:
            return None
        return end[1] + 1

    def region(self, start: Position, end: Position) -> dict[str, int]:
        """A SARIF region (1-based, end column exclusive) from 0-based positions."""
        return {"startLine": start[0] + 1, "startColumn": start[1] + 1, "endLine": end[0] + 1,
                "endColumn": end[1] + 1}

    def text_edits(self, edits: tuple[Edit, ...]) -> list[TextEdit] | None:
        """Text edits that do exactly what ``edits`` do to the data, or None (checked by parsing again)."""
        if not edits or any(edit.insert for edit in edits):
            return None
        planned = [self._plan(edit) for edit in edits]
        if any(plan is None for plan in planned):
            return None
        text_edits = [plan for plan in planned if plan is not None]
        return text_edits if self._verified(text_edits, edits) else None

    def _plan(self, edit: Edit) -> TextEdit | None:
        node: Node | None = self.root
        for part in edit.path[:-1]:
            node = _child(node, part)
        last = edit.path[-1] if edit.path else None
        rendered = render_value(edit.value)
        if node is None or last is None or rendered is None:
            return None
        target = _child(node, last)
        if target is not None:
            if target.kind in ("mapping", "sequence") and not target.flow:
                return None
            return TextEdit(target.start, target.end, rendered)
        if node.kind != "mapping" or not isinstance(last, str) or render_value(last) != last:
            return None
        return self._add_key(node, last, rendered)

    def _add_key(self, mapping: Node, key: str, rendered: str) -> TextEdit | None:
        entry = f"{key}: {rendered}"
        if mapping.flow:
            if mapping.close is None:
                return None
            text = f", {entry}" if mapping.keys else entry
            return TextEdit(mapping.close, mapping.close, text)
        if not mapping.keys:
            return None
        indent = min(key_node.start[1] for key_node, _ in mapping.keys.values())
        line = mapping.last[0]
        if line + 1 < len(self.line_starts):
            line_end = self.line_starts[line + 1] - self.line_starts[line]
            line_text = self.text[self.line_starts[line]:self.line_starts[line + 1]]
            line_end -= len(line_text) - len(line_text.rstrip("\r\n"))
        else:
            line_end = len(self.text) - self.line_starts[line]
        return TextEdit((line, line_end), (line, line_end), f"{self.newline}{' ' * indent}{entry}")

    def _offset(self, position: Position) -> int:
        return self.line_starts[position[0]] + position[1]

    def _verified(self, text_edits: list[TextEdit], edits: tuple[Edit, ...]) -> bool:
        from netcheck.fixing import apply

        spans = sorted((self._offset(edit.start), self._offset(edit.end), edit.text) for edit in text_edits)
        if any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)):
            return False
        if self.budget < len(self.text):
            return False
        self.budget -= len(self.text)
        text = self.text
        for start, end, new in reversed(spans):
            text = text[:start] + new + text[end:]
        before = self._before = self._before or source.parse(self.text)
        after = source.parse(text)
        if not after.readable or {v.code for v in after.violations} - {v.code for v in before.violations}:
            return False
        return same(after.data, apply(before.data, edits))


def _child(node: Node | None, part: Any) -> Node | None:
    if node is None:
        return None
    if node.kind == "mapping" and isinstance(part, str) and part in node.keys:
        return node.keys[part][1]
    if node.kind == "sequence" and isinstance(part, int) and not isinstance(part, bool) and 0 <= part < len(node.items):
        return node.items[part]
    return None


def _build(text: str) -> SourceTree:
    """Walk the parser's events (no values are constructed, aliases are not expanded)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    stack: list[tuple[Node, list[Node]]] = []  # a collection and, for a mapping, its pending key
    starts: dict[Position, tuple[Node, Node | None]] = {}
    roots: list[Node] = []
    last: Position = (0, 0)

    def attach(node: Node) -> None:
        if not stack:
            roots.append(node)
            return
        parent, pending = stack[-1]
        if parent.kind == "sequence":
            parent.items.append(node)
        elif not pending:
            pending.append(node)
        else:
            key = pending.pop()
            if key.value is not None:
                parent.keys[key.value] = (key, node)
            starts[key.start] = (key, node)

    for event in yaml.parse(text, Loader=loader):
        start, end = _mark(event.start_mark), _mark(event.end_mark)
        if isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent)):
            value = event.value if isinstance(event, yaml.ScalarEvent) else None
            node = Node("alias" if isinstance(event, yaml.AliasEvent) else "scalar", start, end, value=value, last=end)
            last = end
            starts.setdefault(start, (node, None))
            attach(node)
        elif isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            kind = "mapping" if isinstance(event, yaml.MappingStartEvent) else "sequence"
            node = Node(kind, start, end, flow=bool(event.flow_style))
            starts.setdefault(start, (node, None))
            stack.append((node, []))
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            node, _ = stack.pop()
            node.end = end
            if node.flow:
                node.close, last = start, end
            node.last = last
            attach(node)
    if len(roots) != 1:
        raise ValueError("not one document")
    return SourceTree(text, roots[0], starts)


def _mark(mark: Any) -> Position:
    return (mark.line, mark.column)


_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.×-]*\Z")


def render_value(value: Any) -> str | None:
    """``value`` as YAML text that works in block and flow context alike; None if it has no such form."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str):
        return value if _is_plain(value) else json.dumps(value, ensure_ascii=True)
    if isinstance(value, dict):
        parts = [(render_value(key) if isinstance(key, str) else None, render_value(item))
                 for key, item in value.items()]
        if any(key is None or item is None for key, item in parts):
            return None
        return "{" + ", ".join(f"{key}: {item}" for key, item in parts) + "}"
    if isinstance(value, (list, tuple)):
        items = [render_value(item) for item in value]
        if any(item is None for item in items):
            return None
        return "[" + ", ".join(str(item) for item in items) + "]"
    return None


def _is_plain(text: str) -> bool:
    """True when ``text`` written unquoted reads back as the same string."""
    if not _PLAIN.match(text):
        return False
    parsed = source.parse(text)
    return not parsed.violations and parsed.data == text and isinstance(parsed.data, str)


def same(left: Any, right: Any) -> bool:
    """Equal data with equal types all the way down (``True`` is not ``1``, ``1.0`` is not ``1``)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[key], right[key]) for key in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    return bool(left == right)
