"""YAML text -> plain data, plus where every key and list item stands in the file.

The loader walks libyaml's event stream itself instead of composing nodes, so that
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
This module is a leaf: it imports only the violation record.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from typing import Any

import yaml

from netcheck.violation import DocPath, Violation

try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Parser  # type: ignore[assignment]

Position = tuple[int, int]

DEFAULT_MAX_BYTES = 16 * 1024 * 1024
DEFAULT_MAX_NODES = 4_000_000
DEFAULT_MAX_DEPTH = 100
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


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what one file may cost to read."""

    max_bytes: int = DEFAULT_MAX_BYTES
    max_nodes: int = DEFAULT_MAX_NODES
    max_depth: int = DEFAULT_MAX_DEPTH


@dataclass(slots=True)
class Locator:
    """Where each mapping key and list item of a loaded document stands in the file."""

    root: Any = None
    key_positions: dict[int, dict[str, Position]] = field(default_factory=dict)
    item_positions: dict[int, list[Position]] = field(default_factory=dict)
    node_positions: dict[int, Position] = field(default_factory=dict)

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


@dataclass(slots=True)
class Document:
    """A file's plain data, its locator, and what went wrong reading it."""

    data: Any
    locator: Locator
    violations: list[Violation]

    @property
    def readable(self) -> bool:
        """False when the file could not be turned into data (NC001)."""
        return not any(v.code == "NC001" for v in self.violations)


class SourceError(Exception):
    """Reading stopped: the text is not usable YAML, or a limit was hit."""

    def __init__(self, message: str, position: Position = (1, 1)) -> None:
        super().__init__(message)
        self.message = message
        self.position = position


def read_file(path: str, limits: Limits = Limits()) -> Document:
    """Read and parse the file at ``path``; every failure becomes a located violation."""
    try:
        raw = read_bytes(path, limits.max_bytes)
        text = decode(raw)
    except SourceError as error:
        return _failed(error)
    return parse(text, limits)


def read_bytes(path: str, max_bytes: int) -> bytes:
    """The bytes of a regular file, refusing FIFOs, devices and files over ``max_bytes``."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            kind = _file_kind(info.st_mode)
            raise SourceError(f"not a regular file ({kind}); netcheck reads only regular files")
        _check_size(info.st_size, max_bytes)
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
        try:
            if not stat.S_ISREG(os.fstat(descriptor).st_mode):
                raise SourceError("not a regular file; netcheck reads only regular files")
            with os.fdopen(descriptor, "rb", closefd=False) as handle:
                raw = handle.read(max_bytes + 1)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise SourceError(f"cannot read the file: {error.strerror or error}") from None
    _check_size(len(raw), max_bytes)
    return raw


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise SourceError(
            f"the file is {size:,} bytes, over the limit of {max_bytes:,} bytes (raise it with --max-bytes)"
        )


def _file_kind(mode: int) -> str:
    kinds = {stat.S_ISDIR: "a directory", stat.S_ISFIFO: "a FIFO", stat.S_ISCHR: "a character device",
             stat.S_ISBLK: "a block device", stat.S_ISSOCK: "a socket"}
    return next((name for test, name in kinds.items() if test(mode)), "a special file")


_FOREIGN_BOMS = {
    b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16",
}


def decode(raw: bytes) -> str:
    """Strict UTF-8 text; a UTF-8 byte-order mark is dropped, other encodings refused."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    for bom, name in _FOREIGN_BOMS.items():
        if raw.startswith(bom):
            raise SourceError(f"the file is {name}; netcheck reads UTF-8 (save it as UTF-8)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        line_start = raw.rfind(b"\n", 0, error.start) + 1
        column = len(raw[line_start:error.start].decode("utf-8", "replace")) + 1
        bad = raw[error.start:error.start + 1].hex()
        raise SourceError(f"not UTF-8: byte 0x{bad} cannot be decoded ({error.reason})", (line, column)) from None


def parse(text: str, limits: Limits = Limits()) -> Document:
    """Parse YAML text into plain data with positions; failures become NC001 violations."""
    builder = _Builder(limits)
    try:
        builder.run(text)
    except SourceError as error:
        return _failed(error, builder.violations)
    except yaml.MarkedYAMLError as error:
        return _failed(_yaml_problem(error), builder.violations)
    except yaml.reader.ReaderError as error:
        return _failed(_reader_problem(error, text), builder.violations)
    except (yaml.YAMLError, ValueError, RecursionError, MemoryError) as error:
        return _failed(SourceError(f"invalid YAML: {type(error).__name__}"), builder.violations)
    locator = builder.locator
    locator.root = builder.result
    return Document(builder.result, locator, builder.violations)


def _yaml_problem(error: yaml.MarkedYAMLError) -> SourceError:
    opened = error.context_mark is not None and any(word in (error.context or "") for word in ("flow", "quoted"))
    mark = error.context_mark if opened else (error.problem_mark or error.context_mark)
    position = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    words = " ".join(part for part in (error.problem, error.context) if part)
    return SourceError(f"invalid YAML: {words or 'cannot parse'}", position)


def _reader_problem(error: yaml.reader.ReaderError, text: str) -> SourceError:
    offset = min(max(error.position, 0), len(text))
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    character = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
    return SourceError(f"invalid YAML: character U+{character:04X} is not allowed in a YAML file", (line, column))


def _failed(error: SourceError, earlier: list[Violation] | None = None) -> Document:
    line, column = error.position
    violation = Violation("NC001", error.message, line, column)
    return Document(None, Locator(), [*(earlier or []), violation])


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


class _Builder:
    """Turns libyaml events into plain data, counting, bounding and locating as it goes."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.locator = Locator()
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
        self.attach(value, size, None, event)

    def start_mapping(self, event: Any) -> None:
        self.open_collection(event, {}, _MAP_TAGS, {})

    def start_sequence(self, event: Any) -> None:
        self.open_collection(event, [], _SEQ_TAGS, [])

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
        frame = self.stack.pop()
        if frame.merges:
            self.merge(frame)
        if frame.positions:
            table = self.locator.key_positions if isinstance(frame.value, dict) else self.locator.item_positions
            table[id(frame.value)] = frame.positions
        self.locator.node_positions[id(frame.value)] = frame.position
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
        self.remember(frame.anchor, frame.value, frame.size)
        self.attach(frame.value, frame.size, frame.position, event)

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
