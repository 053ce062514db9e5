"""The quick road from plain data to records, for documents that are valid.

Importing pydantic and building the models costs more than checking a LeNet,
and pre-commit pays it on every commit. This loader accepts only what it is
sure the pydantic models (``netcheck.spec``) accept, and gives the same values
as records (``netcheck.records``); at the least doubt it returns None and the
models decide, and explain. It may refuse more than the models (that only
costs time); it must never accept more.

It knows nothing of the format by itself: it interprets the field table that
``netcheck.quicktable`` generates from the models (``netcheck/_quick_table.py``),
compiling each entry into a check once. When the models' sources no longer
match the table's digest, every document goes to the models.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from netcheck import _quick_table, vocabulary
from netcheck.records import Record


class Refused(Exception):
    """The quick road declines: the models must look at this document."""


Check = Callable[[Any], Any]
FLOAT_EXACT = 2**53


SOURCES = ("spec.py", "vocabulary.py")
PACKAGE = Path(__file__).resolve().parent


def sources_digest(package: Path = PACKAGE) -> str:
    """A checksum of the models' sources the table is generated from (line endings normalised).

    CRC-32 rather than a cryptographic hash: it guards against forgetting to
    regenerate, not against an adversary, and ``hashlib`` would cost the start-up
    ~3 ms of OpenSSL loading.
    """
    checksum = 0
    for name in SOURCES:
        checksum = zlib.crc32((package / name).read_bytes().replace(b"\r\n", b"\n"), checksum)
    return f"{checksum:08x}"


def _current() -> bool:
    """True when the table was generated from the models as they are (or their sources are not at hand)."""
    try:
        return sources_digest() == _quick_table.DIGEST
    except OSError:
        return True


def _mapping(value: Any) -> dict[str, Any]:
    if type(value) is not dict or any(type(key) is not str for key in value):
        raise Refused
    return value


def _integer(low: int | None, high: int | None) -> Check:
    def check(value: Any) -> int:
        if type(value) is not int or (low is not None and value < low) or (high is not None and value > high):
            raise Refused
        return value

    return check


def _real(low: float | None, low_open: bool, high: float | None, high_open: bool) -> Check:
    def check(value: Any) -> float:
        if type(value) is int and abs(value) <= FLOAT_EXACT:
            value = float(value)
        if type(value) is not float or not math.isfinite(value):
            raise Refused
        if low is not None and (value < low or (low_open and value == low)):
            raise Refused
        if high is not None and (value > high or (high_open and value == high)):
            raise Refused
        return value

    return check


def _boolean() -> Check:
    def check(value: Any) -> bool:
        if type(value) is not bool:
            raise Refused
        return value

    return check


def _text(low: int, high: int | None, pattern: str | None) -> Check:
    compiled = re.compile(pattern) if pattern is not None else None

    def check(value: Any) -> str:
        if type(value) is not str or len(value) < low or (high is not None and len(value) > high):
            raise Refused
        if compiled is not None and (compiled.search(value) is None or value.endswith("\n")):
            raise Refused  # a trailing newline: Python's $ and pydantic's differ there, so decline
        return value

    return check


def _literal(values: tuple[Any, ...]) -> Check:
    def check(value: Any) -> Any:
        if not any(type(value) is type(option) and value == option for option in values):
            raise Refused
        return value

    return check


def _optional(inner: Check) -> Check:
    def check(value: Any) -> Any:
        return None if value is None else inner(value)

    return check


def _union(alternatives: list[Check]) -> Check:
    def check(value: Any) -> Any:
        for alternative in alternatives:
            try:
                return alternative(value)
            except Refused:
                continue
        raise Refused

    return check


def _list(item: Check, low: int, high: int | None) -> Check:
    def check(value: Any) -> list[Any]:
        if type(value) is not list or len(value) < low or (high is not None and len(value) > high):
            raise Refused
        return [item(element) for element in value]

    return check


def _prepared(names: tuple[str, ...], inner: Check) -> Check:
    functions = [getattr(vocabulary, name) for name in names]

    def check(value: Any) -> Any:
        for function in functions:
            value = function(value)
        return inner(value)

    return check


class _Compiler:
    """Turns the generated table into checks, each model compiled once."""

    def __init__(self, models: dict[str, Any]) -> None:
        self.table = models
        self.compiled: dict[str, Check] = {}

    def model(self, name: str) -> Check:
        if name not in self.compiled:
            self.compiled[name] = lambda value: self.compiled[name](value)  # resolved once built
            preparations, fields = self.table[name]
            checks = {key: (required, default, self.check(entry)) for key, (required, default, entry) in fields.items()}
            self.compiled[name] = _prepared(preparations, _record(checks))
        return self.compiled[name]

    def check(self, entry: tuple[Any, ...]) -> Check:
        kind, *arguments = entry
        if kind == "int":
            return _integer(*arguments)
        if kind == "float":
            return _real(*arguments)
        if kind == "bool":
            return _boolean()
        if kind == "str":
            return _text(*arguments)
        if kind == "literal":
            return _literal(arguments[0])
        if kind == "optional":
            return _optional(self.check(arguments[0]))
        if kind == "union":
            return _union([self.check(item) for item in arguments[0]])
        if kind == "list":
            return _list(self.check(arguments[0]), arguments[1], arguments[2])
        if kind == "prepared":
            return _prepared(arguments[0], self.check(arguments[1]))
        if kind == "model":
            return self.model(arguments[0])
        if kind == "tagged":
            return self.tagged(arguments[0], arguments[1])
        raise ValueError(f"unknown entry {kind!r} in the quick table: regenerate it")

    def tagged(self, key: str, tags: dict[str, str]) -> Check:
        models = {tag: self.model(name) for tag, name in tags.items()}

        def check(value: Any) -> Any:
            tag = _mapping(value).get(key)
            if type(tag) is not str or tag not in models:
                raise Refused
            return models[tag](value)

        return check


def _record(fields: dict[str, tuple[bool, Any, Check]]) -> Check:
    names = frozenset(fields)

    def check(value: Any) -> Record:
        given = _mapping(value)
        if not names.issuperset(given):
            raise Refused
        values = {}
        for key, (required, default, field_check) in fields.items():
            if key in given:
                values[key] = field_check(given[key])
            elif required:
                raise Refused
            else:
                values[key] = default
        return Record(**values)

    return check


CURRENT = _current()
_COMPILER = _Compiler(_quick_table.MODELS)
_NETWORK = _COMPILER.model(_quick_table.NETWORK)


def quick_network(data: Any) -> Record | None:
    """The records of a document the models surely accept, else None."""
    if not CURRENT:
        return None
    try:
        network: Record = _NETWORK(data)
    except (Refused, ValueError, TypeError, RecursionError):
        return None
    return network


def quick_record(model: str, data: Any) -> Record | None:
    """The record of ``data`` as the model named ``model`` (``LayerExpect``) surely accepts it, else None."""
    if not CURRENT or model not in _quick_table.MODELS:
        return None
    try:
        record: Record = _COMPILER.model(model)(data)
    except (Refused, ValueError, TypeError, RecursionError):
        return None
    return record
