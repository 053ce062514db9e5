"""A file -> plain data with positions: read safely, decode strictly, walk the YAML.

Only regular files are read, without blocking and up to ``max_bytes``; text
must be UTF-8 (a byte-order mark is dropped). The YAML itself is walked by
``netcheck.events``, which bounds depth and size and records positions. Every
failure becomes a located NC001 violation in the returned ``Document``.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from typing import Any, BinaryIO

import yaml

from netcheck.events import HUGE_INTEGER_DIGITS, Builder, Locator, Position, SourceError
from netcheck.results import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_NODES,
    PARSER_MAX_DEPTH,
    Limits,
    Violation,
)

__all__ = [
    "DEFAULT_MAX_BYTES", "DEFAULT_MAX_DEPTH", "DEFAULT_MAX_NODES", "HUGE_INTEGER_DIGITS", "Document", "Limits",
    "Locator", "Position", "SourceError", "decode", "parse", "read_bytes", "read_file",
]


@dataclass(slots=True)
class Document:
    """A file's plain data, its locator, what went wrong reading it, and its text."""

    data: Any
    locator: Locator
    violations: list[Violation]
    text: str = ""

    @property
    def readable(self) -> bool:
        """False when the file could not be turned into data (NC001)."""
        return not any(v.code == "NC001" for v in self.violations)


def read_file(path: str, limits: Limits = Limits(), extents: bool = False) -> Document:
    """Read and parse the file at ``path``; every failure becomes a located violation.

    ``extents`` also records every node's extent in the locator (see ``parse``).
    """
    try:
        raw = read_bytes(path, limits.max_bytes)
        text = decode(raw)
    except SourceError as error:
        return _failed(error)
    return parse(text, limits, extents)


def read_stream(stream: BinaryIO, limits: Limits = Limits(), extents: bool = False) -> Document:
    """Read and parse a byte stream (standard input) as ``read_file`` reads a file."""
    try:
        text = decode(read_stream_bytes(stream, limits.max_bytes))
    except SourceError as error:
        return _failed(error)
    return parse(text, limits, extents)


def read_stream_bytes(stream: BinaryIO, max_bytes: int) -> bytes:
    """The bytes of a stream, refusing more than ``max_bytes``; a ``SourceError`` if it cannot be read."""
    try:
        raw = _read_at_most(stream, max_bytes + 1)
    except OSError as error:
        raise SourceError(f"cannot read standard input: {error.strerror or error}") from None
    _check_size(len(raw), max_bytes)
    return raw


READ_CHUNK = 1 << 20


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
                raw = _read_at_most(handle, max_bytes + 1)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise SourceError(f"cannot read the file: {error.strerror or error}") from None
    _check_size(len(raw), max_bytes)
    return raw


def _read_at_most(handle: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes, a chunk at a time: a huge ``--max-bytes`` must not allocate that much up front."""
    chunks = []
    left = size
    while left > 0:
        chunk = handle.read(min(left, READ_CHUNK))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


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


def parse(text: str, limits: Limits = Limits(), extents: bool = False) -> Document:
    """Parse YAML text into plain data with positions; failures become NC001 violations.

    With ``extents``, the same walk records every node's extent in ``locator.extents``
    (what SARIF regions and text fixes need); the document keeps its text either way.
    """
    builder = Builder(limits, extents)
    try:
        builder.run(text)
    except SourceError as error:
        return _failed(error, builder.violations)
    except yaml.MarkedYAMLError as error:
        return _failed(_yaml_problem(error, limits), builder.violations)
    except yaml.reader.ReaderError as error:
        return _failed(_reader_problem(error, text), builder.violations)
    except (yaml.YAMLError, ValueError, RecursionError, MemoryError) as error:
        return _failed(SourceError(f"invalid YAML: {type(error).__name__}"), builder.violations)
    locator = builder.locator
    locator.root = builder.result
    return Document(builder.result, locator, builder.violations, text)


def _yaml_problem(error: yaml.MarkedYAMLError, limits: Limits) -> SourceError:
    if "maximum nesting depth" in (error.problem or "") + (error.context or ""):
        return _too_deep(error, limits)
    opened = error.context_mark is not None and any(word in (error.context or "") for word in ("flow", "quoted"))
    mark = error.context_mark if opened else (error.problem_mark or error.context_mark)
    position = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    words = " ".join(part for part in (error.problem, error.context) if part)
    return SourceError(f"invalid YAML: {words or 'cannot parse'}", position)


def _too_deep(error: yaml.MarkedYAMLError, limits: Limits) -> SourceError:
    """The parser's own depth limit, reported as the depth limit it is (it scans ahead of netcheck's count)."""
    mark = error.problem_mark or error.context_mark
    position = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    if limits.max_depth < PARSER_MAX_DEPTH:
        return SourceError(f"nesting deeper than {limits.max_depth} levels (raise the limit with --max-depth)",
                           position)
    return SourceError(f"nesting deeper than {PARSER_MAX_DEPTH} levels, the YAML parser's own limit "
                       f"(--max-depth {limits.max_depth:,} cannot raise it)", position)


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


