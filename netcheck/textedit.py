"""Text edits planned from data edits: a fix's ``Edit``s as replacements in the spec's own text.

A fix says what to change in the data (``Edit``: a path and a value, or a
key to rename); a SARIF ``fix`` (and an editor's quick fix) needs the same
change as text. The plan uses the extents the reader recorded on its one walk
of the YAML (``netcheck.events.Extents``): a value replaced where it is
written, a key added to a mapping (block or flow), or a key's own characters
replaced (a rename: the value, the comment and the rest of the line are kept,
and a quoted key stays quoted the same way). The edited text is then parsed
again and kept only if it holds exactly the data the fix describes; anything
else (list insertions, a value behind an alias, block values, a key with an
anchor or a tag) has no text form here.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from netcheck import source
from netcheck.events import Extents, Node
from netcheck.fixing import apply
from netcheck.results import Edit

Position = tuple[int, int]  # 0-based line and column, as libyaml marks them
#: Characters of YAML parsed again, per file, to verify text edits; past it, edits are not planned.
VERIFY_BUDGET = 20_000_000


@dataclass(frozen=True, slots=True)
class TextEdit:
    """Replace the text from ``start`` to ``end`` (0-based line, column) with ``text``."""

    start: Position
    end: Position
    text: str


class SourceTree:
    """A spec's text with the extent of every node, to turn positions into regions and fixes into edits."""

    def __init__(self, document: source.Document, root: Node, extents: Extents) -> None:
        """Keep the document, its root node, and what starts at each position (a key and its value)."""
        self.document = document
        self.text = document.text
        self.root = root
        self.starts = extents.starts
        self.line_starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", self.text)]
        self.newline = "\r\n" if "\r\n" in self.text else "\n"
        self.budget = VERIFY_BUDGET

    @classmethod
    def of_document(cls, document: source.Document) -> SourceTree | None:
        """The tree of a document read with extents; None if it has none or lines would be counted differently."""
        extents = document.locator.extents
        if extents is None or extents.root is None or not document.readable:
            return None
        if re.search("[\x85\u2028\u2029]", document.text):
            return None  # line breaks to YAML 1.1, not to SARIF or editors: lines would be numbered differently
        return cls(document, extents.root, extents)

    @classmethod
    def of(cls, text: str) -> SourceTree | None:
        """Parse ``text`` (with extents) into a tree; None if it cannot be read."""
        return cls.of_document(source.parse(text, extents=True))

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

    def text_edits(self, edits: tuple[Edit, ...]) -> list[TextEdit] | None:
        """Text edits that do exactly what ``edits`` do to the data, or None (checked by parsing again)."""
        if not edits or any(edit.insert for edit in edits):
            return None
        planned = [self._plan_rename(edit) if edit.rename is not None else self._plan(edit) for edit in edits]
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

    def _plan_rename(self, edit: Edit) -> TextEdit | None:
        """Replace just the key's characters (``strides`` -> ``stride``), in the key's own quoting style."""
        node: Node | None = self.root
        for part in edit.path[:-1]:
            node = _child(node, part)
        last = edit.path[-1] if edit.path else None
        if node is None or node.kind != "mapping" or not isinstance(last, str) or last not in node.keys \
                or edit.rename is None:
            return None
        key = node.keys[last][0]
        if key.kind != "scalar" or key.start[0] != key.end[0]:
            return None
        written = self.text[self._offset(key.start):self._offset(key.end)]
        rendered = render_key(edit.rename, written, last)
        return None if rendered is None else TextEdit(key.start, key.end, rendered)

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
        spans = sorted((self._offset(edit.start), self._offset(edit.end), edit.text) for edit in text_edits)
        if any(spans[i][1] > spans[i + 1][0] for i in range(len(spans) - 1)):
            return False
        if self.budget < len(self.text):
            return False
        self.budget -= len(self.text)
        text = self.text
        for start, end, new in reversed(spans):
            text = text[:start] + new + text[end:]
        before = self.document
        after = source.parse(text)
        if not after.readable or {v.code for v in after.violations} - {v.code for v in before.violations}:
            return False
        try:
            wanted = apply(before.data, edits)
        except (ValueError, TypeError, IndexError, KeyError):
            return False
        return same(after.data, wanted)


def _child(node: Node | None, part: Any) -> Node | None:
    if node is None:
        return None
    if node.kind == "mapping" and isinstance(part, str) and part in node.keys:
        return node.keys[part][1]
    if node.kind == "sequence" and isinstance(part, int) and not isinstance(part, bool) and 0 <= part < len(node.items):
        return node.items[part]
    return None


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


def render_key(new: str, written: str, old: str) -> str | None:
    """The key ``new`` written as the key ``old`` was (``written``: plain, 'single' or "double" quoted).

    None when ``written`` is not simply ``old`` in one of these styles (an
    anchor or a tag before it, say): such a key is not renamed in place.
    """
    if written == old:
        return new if _is_plain(new) else json.dumps(new, ensure_ascii=True)
    if len(written) < 2 or written[0] not in "'\"" or written[-1] != written[0] or source.parse(written).data != old:
        return None
    return "'" + new.replace("'", "''") + "'" if written[0] == "'" else json.dumps(new, ensure_ascii=True)


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
