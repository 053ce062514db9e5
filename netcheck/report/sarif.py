"""SARIF 2.1.0 (``--format sarif``): one run, every rule, results located in the files.

What code-scanning services and SARIF viewers read: the tool driver lists every
netcheck rule (id, name, short and full description, the ``netcheck explain``
text as help, the default level); each violation is a result with its rule,
level, message and physical location. File URIs are relative to the working
directory (``uriBaseId`` ``%SRCROOT%``, itself given as an absolute URI), or
absolute ``file:`` URIs for files outside it. Columns count Unicode code
points, as netcheck's do (``columnKind``).

Regions end where the source says: the extents the reader recorded on its one
walk of the YAML (the checker keeps the document when this format asks for it)
give the extent of the key (and of a one-line value) a violation points at. A
fix becomes a SARIF ``fix`` when ``netcheck.textedit`` can write its edits as
text edits — a value replaced, a key added to a mapping, or a misspelt key
renamed (a replacement of just the key's characters) — verified by parsing the
edited text again; other fixes (list insertions, values that cannot be
located) are only named in the message. A violation without a
position (line 0) has no region.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from netcheck import source
from netcheck.report import Settings
from netcheck.results import FileReport, Fix, Via, Violation
from netcheck.textedit import SourceTree

if TYPE_CHECKING:
    from netcheck.rules import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
#: Files longer than this (in characters) get no end columns and no text fixes.
MAX_TEXT = 1_000_000
#: The checker keeps each file's document, with its node extents, for this format.
NEEDS_EXTENTS = True
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
    tree = _tree(report)
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
    if violation.via:
        result["relatedLocations"] = [_related(index, hop, location) for index, hop in enumerate(violation.via)]
    if fixes:
        result["fixes"] = fixes
    if violation.path:
        result["properties"] = {"path": list(violation.path)}
    return result


def _related(index: int, hop: Via, location: dict[str, Any]) -> dict[str, Any]:
    """A use of a block that led to the result, as a SARIF ``relatedLocation``."""
    physical: dict[str, Any] = {"artifactLocation": dict(location)}
    if hop.line > 0:
        physical["region"] = {"startLine": hop.line, "startColumn": max(hop.column, 1)}
    return {"id": index, "message": {"text": f"in {hop.layer}"}, "physicalLocation": physical,
            "logicalLocations": [{"name": hop.layer}]}


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


def _tree(report: FileReport) -> SourceTree | None:
    """The file's node extents: the checker's document, else (a report made without one) the file read once."""
    if any(violation.code == "NC001" for violation in report.violations):
        return None
    document = report.source
    if document is None:
        try:
            document = source.parse(source.decode(source.read_bytes(report.path, MAX_TEXT * 4)), extents=True)
        except (source.SourceError, OSError, ValueError):
            return None
    if len(document.text) > MAX_TEXT:
        return None
    return SourceTree.of_document(document)


def sarif_fix(fix: Fix, location: dict[str, Any], tree: SourceTree) -> dict[str, Any] | None:
    """``fix`` as a SARIF ``fix`` with text replacements, or None when it is not a verified text edit."""
    edits = tree.text_edits(fix.edits)
    if edits is None:
        return None
    replacements = [
        {"deletedRegion": _region(edit.start, edit.end), "insertedContent": {"text": edit.text}}
        for edit in edits
    ]
    return {"description": {"text": fix.message},
            "artifactChanges": [{"artifactLocation": dict(location), "replacements": replacements}]}


def _region(start: tuple[int, int], end: tuple[int, int]) -> dict[str, int]:
    """A SARIF region (1-based, end column exclusive) from 0-based positions."""
    return {"startLine": start[0] + 1, "startColumn": start[1] + 1, "endLine": end[0] + 1, "endColumn": end[1] + 1}
