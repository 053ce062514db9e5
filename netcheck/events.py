"""libyaml events -> plain data, with the position of every key and list item.

The builder walks the event stream itself instead of composing nodes, so that
it can refuse hostile input while it reads, before anything is built:

* nesting deeper than ``max_depth`` stops the read at the offending bracket;
* every node counts against ``max_nodes``, aliases with the full size of what
  they stand for (memoised per anchor), so alias and merge-key bombs stop early;
* only plain data: scalars are resolved with the YAML 1.2 core schema
  (``yes``/``on`` stay strings, ``010`` is flagged as ambiguous), and tags other
  than the standard str/int/float/bool/null/map/seq are refused;
* duplicate keys are reported (NC003) while mappings are built; keys brought in
  by a merge (``<<``) may be overridden, as YAML intends.

Positions are 1-based ``(line, column)`` pairs taken from libyaml's marks.
Asked for (``extents=True``), the same walk also records every node's extent
(``Extents``: where it starts and ends, flow or block, the closing bracket),
which SARIF regions and text fixes need; the data path does not pay for it.
A leaf apart from the violation record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from netcheck.results import DocPath, Limits, Violation

try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Parser  # type: ignore[assignment]

Position = tuple[int, int]

HUGE_INTEGER_DIGITS = 19

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null")}
_MAP_TAGS = {None, "!", f"{_TAG}map"}
_SEQ_TAGS = {None, "!", f"{_TAG}seq"}

_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)\Z")
_NAN = re.compile(r"\.(nan|NaN|NAN)\Z")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUES = frozenset({"true", "True", "TRUE"})
_FALSES = frozenset({"false", "False", "FALSE"})


@dataclass(slots=True)
class Node:
    """A YAML node as the parser saw it (0-based marks, aliases not expanded): kind, extent, children."""

    kind: str  # "scalar", "alias", "mapping" or "sequence"
    start: Position
    end: Position
    flow: bool = False
    value: str | None = None  # a scalar's text, as a mapping key
    keys: dict[str, tuple[Node, Node]] = field(default_factory=dict)  # a mapping's (one shared empty for leaves)
    items: list[Node] = field(default_factory=list)  # a sequence's (one shared empty for leaves)
    close: Position | None = None  # a flow collection's closing bracket
    last: Position = (0, 0)  # where its last token ends (a block collection ends at the next token)


class Extents:
    """The extent of every node of one document, recorded while the builder walks its events.

    ``root`` is the document's node; ``starts`` maps a 0-based start to the node
    that starts there (a key: the key and its value).
    """

    def __init__(self) -> None:
        """Nothing recorded yet."""
        self.stack: list[tuple[Node, list[Node]]] = []  # a collection and, for a mapping, its pending key
        self.starts: dict[Position, tuple[Node, Node | None]] = {}
        self.roots: list[Node] = []
        self.last: Position = (0, 0)

    @property
    def root(self) -> Node | None:
        """The document's node (None unless exactly one was read)."""
        return self.roots[0] if len(self.roots) == 1 else None

    def leaf(self, event: Any, kind: str) -> None:
        """A scalar or an alias."""
        start, end = _mark(event.start_mark), _mark(event.end_mark)
        node = Node(kind, start, end, False, event.value if kind == "scalar" else None, _NO_KEYS, _NO_ITEMS, None, end)
        self.last = end
        self.starts.setdefault(start, (node, None))
        self._attach(node)

    def open(self, event: Any, kind: str) -> None:
        """A mapping or sequence starts."""
        start = _mark(event.start_mark)
        node = Node(kind, start, _mark(event.end_mark), flow=bool(event.flow_style))
        self.starts.setdefault(start, (node, None))
        self.stack.append((node, []))

    def close(self, event: Any) -> None:
        """The innermost open collection ends."""
        node, _ = self.stack.pop()
        node.end = _mark(event.end_mark)
        if node.flow:
            node.close, self.last = _mark(event.start_mark), node.end
        node.last = self.last
        self._attach(node)

    def _attach(self, node: Node) -> None:
        if not self.stack:
            self.roots.append(node)
            return
        parent, pending = self.stack[-1]
        if parent.kind == "sequence":
            parent.items.append(node)
        elif not pending:
            pending.append(node)
        else:
            key = pending.pop()
            if key.value is not None:
                parent.keys[key.value] = (key, node)
            self.starts[key.start] = (key, node)


def _mark(mark: Any) -> Position:
    return (mark.line, mark.column)


_NO_KEYS: dict[str, tuple[Node, Node]] = {}
_NO_ITEMS: list[Node] = []


@dataclass(slots=True)
class Locator:
    """Where each mapping key and list item of a loaded document stands in the file.

    ``extents`` holds every node's extent when the document was read with
    ``extents=True`` (else None).
    """

    root: Any = None
    key_positions: dict[int, dict[str, Position]] = field(default_factory=dict)
    item_positions: dict[int, list[Position]] = field(default_factory=dict)
    node_positions: dict[int, Position] = field(default_factory=dict)
    extents: Extents | None = None

    def find(self, path: DocPath) -> Position:
        """The position of the deepest part of ``path`` that exists, (1, 1) at worst.

        Parts that are not keys or indexes of the data (pydantic's union tags) are
        skipped, so a validation error's ``loc`` can be passed as it is.
        """
        node = self.root
        best = self.node_positions.get(id(node), (1, 1))
        for part in path:
            if isinstance(node, dict) and isinstance(part, str) and part in node:
                best = self.key_positions.get(id(node), {}).get(part, best)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                items = self.item_positions.get(id(node), [])
                best = items[part] if part < len(items) else best
                node = node[part]
            else:
                continue
        return best

    def start_of(self, path: DocPath) -> Position:
        """The position where the node at ``path`` itself starts (a layer's first key)."""
        node = self.root
        for part in path:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                return self.find(path)
        position = self.node_positions.get(id(node))
        return position if position is not None else self.find(path)


class SourceError(Exception):
    """Reading stopped: the text is not usable YAML, or a limit was hit."""

    def __init__(self, message: str, position: Position = (1, 1)) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


@dataclass(slots=True)
class _Frame:
    """A mapping or sequence under construction."""

    value: Any
    position: Position
    anchor: str | None
    size: int = 1
    key: Any = None
    key_position: Position = (1, 1)
    has_key: bool = False
    positions: Any = None
    merges: list[Any] = field(default_factory=list)
    is_list: bool = False


_SKIP = object()


class Builder:
    """Turns libyaml events into plain data, counting, bounding and locating as it goes."""

    def __init__(self, limits: Limits, extents: bool = False) -> None:
        self.limits = limits
        self.locator = Locator(extents=Extents() if extents else None)
        self.extents = self.locator.extents
        self.violations: list[Violation] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.stack: list[_Frame] = []
        self.nodes = 0
        self.result: Any = None
        self.documents = 0
        self.plain_cache: dict[str, tuple[Any]] = {}

    def run(self, text: str) -> None:
        parser = _Parser(text)
        handlers = {
            yaml.ScalarEvent: self.scalar, yaml.AliasEvent: self.alias,
            yaml.MappingStartEvent: self.start_mapping, yaml.MappingEndEvent: self.end_collection,
            yaml.SequenceStartEvent: self.start_sequence, yaml.SequenceEndEvent: self.end_collection,
            yaml.DocumentStartEvent: self.start_document,
        }
        while True:
            event = parser.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)

    def start_document(self, event: Any) -> None:
        self.documents += 1
        if self.documents > 1:
            raise SourceError(
                "a second YAML document starts here; a netcheck file holds one network", _position(event)
            )

    def count(self, size: int, event: Any) -> None:
        self.nodes += size
        if self.nodes > self.limits.max_nodes:
            raise SourceError(
                f"the document expands to more than {self.limits.max_nodes:,} nodes (aliases counted in full); "
                "raise the limit with --max-nodes",
                _position(event),
            )

    def scalar(self, event: Any) -> None:
        self.count(1, event)
        if self.extents is not None:
            self.extents.leaf(event, "scalar")
        value = self.resolve(event)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, 1)
        self.attach(value, 1, None, event)

    def alias(self, event: Any) -> None:
        if event.anchor in self.open_anchors:
            raise SourceError(f"alias *{event.anchor} refers to a node that contains it", _position(event))
        if event.anchor not in self.anchors:
            raise SourceError(f"alias *{event.anchor} has no anchor &{event.anchor} before it", _position(event))
        value, size = self.anchors[event.anchor]
        self.count(size, event)
        if self.extents is not None:
            self.extents.leaf(event, "alias")
        self.attach(value, size, None, event)

    def start_mapping(self, event: Any) -> None:
        self.open_collection(event, {}, _MAP_TAGS, {})
        if self.extents is not None:
            self.extents.open(event, "mapping")

    def start_sequence(self, event: Any) -> None:
        self.open_collection(event, [], _SEQ_TAGS, [])
        if self.extents is not None:
            self.extents.open(event, "sequence")

    def open_collection(self, event: Any, value: Any, tags: set[str | None], positions: Any) -> None:
        if event.tag not in tags:
            raise _unsupported_tag(event.tag, event)
        if len(self.stack) >= self.limits.max_depth:
            raise SourceError(
                f"nesting deeper than {self.limits.max_depth} levels (raise the limit with --max-depth)",
                _position(event),
            )
        self.count(1, event)
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        self.stack.append(_Frame(value, _position(event), event.anchor, positions=positions,
                                 is_list=isinstance(value, list)))

    def end_collection(self, event: Any) -> None:
        if self.extents is not None:
            self.extents.close(event)
        frame = self.stack.pop()
        start = frame.position
        if not frame.is_list and frame.positions:
            start = next(iter(frame.positions.values()))  # a mapping starts at its first key, past any { & or !!
        if frame.merges:
            self.merge(frame)
        if frame.positions:
            table = self.locator.key_positions if isinstance(frame.value, dict) else self.locator.item_positions
            table[id(frame.value)] = frame.positions
        self.locator.node_positions[id(frame.value)] = start
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
        self.remember(frame.anchor, frame.value, frame.size)
        self.attach(frame.value, frame.size, start, event)

    def remember(self, anchor: str | None, value: Any, size: int) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, size)

    def attach(self, value: Any, size: int, position: Position | None, event: Any) -> None:
        """Put a finished node into its parent; ``position`` None means the event's own start."""
        if not self.stack:
            self.result = value
            return
        frame = self.stack[-1]
        frame.size += size
        if frame.is_list:
            frame.value.append(value)
            frame.positions.append(position or _position(event))
        elif not frame.has_key:
            where = position or _position(event)
            frame.key, frame.key_position, frame.has_key = self.check_key(value, where), where, True
        else:
            frame.has_key = False
            self.put(frame, value, event)

    def check_key(self, key: Any, position: Position) -> Any:
        if isinstance(key, str):
            return key
        self.violations.append(Violation("NC002", f"a key must be a string, not {_kind_of(key)}", *position))
        return _SKIP

    def put(self, frame: _Frame, value: Any, event: Any) -> None:
        key, mapping = frame.key, frame.value
        if key is _SKIP:
            return
        if key == "<<" and isinstance(value, (dict, list)):
            frame.merges.append(value)
            return
        if key in mapping:
            first = frame.positions[key]
            self.violations.append(
                Violation(
                    "NC003",
                    f"duplicate key {key!r}: first at line {first[0]}, column {first[1]}; "
                    "YAML would keep only the last value",
                    *frame.key_position,
                )
            )
        mapping[key] = value
        frame.positions[key] = frame.key_position

    def merge(self, frame: _Frame) -> None:
        """Apply ``<<`` merges: earlier sources win over later ones, explicit keys over all."""
        sources: list[Any] = []
        for merged in frame.merges:
            sources.extend(merged if isinstance(merged, list) else [merged])
        for source in sources:
            if not isinstance(source, dict):
                raise SourceError("a merge key (<<) must name a mapping or a list of mappings", frame.position)
            positions = self.locator.key_positions.get(id(source), {})
            for key, value in source.items():
                if key not in frame.value:
                    frame.value[key] = value
                    frame.positions[key] = positions.get(key, frame.position)

    def resolve(self, event: Any) -> Any:
        value: str = event.value
        tag = event.tag
        if tag is None and event.implicit[0]:
            known = self.plain_cache.get(value)
            if known is not None:
                return known[0]
            resolved = self.resolve_plain(value, event)
            digits = value.lstrip("+-")
            if not (digits[:1] == "0" and digits[1:2].isdigit()):
                self.plain_cache[value] = (resolved,)
            return resolved
        if tag is None or tag == "!":
            return value
        if tag not in _SCALAR_TAGS:
            raise _unsupported_tag(tag, event)
        if tag.endswith("str"):
            return value
        resolved = self.resolve_plain(value, event)
        expected: dict[str, tuple[type, ...]] = {
            "int": (int,), "float": (int, float), "bool": (bool,), "null": (type(None),)}
        wrong_type = not isinstance(resolved, expected[tag[len(_TAG):]])
        if wrong_type or (tag.endswith("int") and isinstance(resolved, bool)):
            raise SourceError(f"{value!r} is not a valid {tag[len(_TAG):]}", _position(event))
        return float(resolved) if tag.endswith("float") else resolved

    def resolve_plain(self, value: str, event: Any) -> Any:
        """The YAML 1.2 core schema, with integers kept exact and bounded."""
        if value in _NULLS:
            return None
        if value in _TRUES:
            return True
        if value in _FALSES:
            return False
        if _INT.match(value):
            return self.integer(value, event)
        if _OCT.match(value) or _HEX.match(value):
            if len(value) > HUGE_INTEGER_DIGITS:
                return 10**HUGE_INTEGER_DIGITS
            return int(value[2:], 8 if value[1] == "o" else 16)
        if _FLOAT.match(value) and value.lstrip("+-")[:1] in "0123456789.":
            return float(value)
        if _INF.match(value):
            return float("-inf") if value.startswith("-") else float("inf")
        if _NAN.match(value):
            return float("nan")
        return value

    def integer(self, value: str, event: Any) -> int:
        digits = value.lstrip("+-")
        sign = -1 if value.startswith("-") else 1
        if len(digits) > HUGE_INTEGER_DIGITS:
            huge: int = sign * 10**HUGE_INTEGER_DIGITS
            return huge
        if len(digits) > 1 and digits.startswith("0"):
            self.violations.append(
                Violation(
                    "NC002",
                    f"{value} is ambiguous: octal in YAML 1.1, decimal in YAML 1.2; write {sign * int(digits)}",
                    *_position(event),
                )
            )
        number: int = sign * int(digits)
        return number


def _kind_of(value: Any) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a number", type(None): "null", dict: "a mapping",
             list: "a list"}
    return kinds.get(type(value), "a string")


def _unsupported_tag(tag: str | None, event: Any) -> SourceError:
    return SourceError(f"unsupported YAML tag {_tag_name(tag)}: netcheck reads plain data only", _position(event))


def _tag_name(tag: str | None) -> str:
    return f"!!{tag[len(_TAG):]}" if tag and tag.startswith(_TAG) else str(tag)


def _position(event: Any) -> Position:
    mark = event.start_mark
    return (mark.line + 1, mark.column + 1)
