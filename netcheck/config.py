"""``[tool.netcheck]`` in ``pyproject.toml``: found, read and checked (FORMAT.md §10).

The nearest ``pyproject.toml`` from a folder upwards that has a
``[tool.netcheck]`` table is the configuration; one without the table is
passed over, as ruff does. Its keys are the command-line options that make
sense in a file (``netcheck.options.CONFIGURABLE``, written there once, under
their long flag's name: ``fail-on``, ``max-bytes``), plus ``per-file-ignores``,
whose globs are relative to the configuration's folder. A glob without ``/``
matches a file's name in any folder (as flake8's do); ``*`` may cross ``/``
(``fnmatch``). Anything wrong in the table is a usage error (exit 2) naming
the file and the key: a configuration that silently does nothing is worse than
none.

Files are read with ``tomllib`` (``tomli`` on Python 3.10), and only when the
text mentions ``tool.netcheck``, so a run in a repository whose
``pyproject.toml`` says nothing of netcheck costs one small read.
"""

from __future__ import annotations

import difflib
import fnmatch
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcheck.files import UsageError

FILE_NAME = "pyproject.toml"
PER_FILE_IGNORES = "per-file-ignores"


@dataclass(frozen=True, slots=True)
class Config:
    """The options a ``[tool.netcheck]`` table sets (keyed as ``netcheck.options``), and where it was found."""

    path: Path | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def ignores_for(self, file: str) -> tuple[str, ...]:
        """The codes ``per-file-ignores`` ignores in ``file`` (a path as given on the command line)."""
        if self.path is None or not self.per_file_ignores or file == "-":
            return ()
        try:
            relative = Path(os.path.abspath(file)).relative_to(self.path.parent).as_posix()
        except ValueError:
            return ()
        name = relative.rsplit("/", 1)[-1]
        codes: list[str] = []
        for pattern, ignored in self.per_file_ignores:
            subject = relative if "/" in pattern else name
            if fnmatch.fnmatchcase(subject, pattern.removeprefix("./")):
                codes.extend(ignored)
        return tuple(codes)


def find(start: str | Path = ".") -> Path | None:
    """The nearest ``pyproject.toml`` from ``start`` upwards that has a ``[tool.netcheck]`` table."""
    folder = Path(os.path.abspath(start))
    for candidate in (folder, *folder.parents):
        path = candidate / FILE_NAME
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "tool.netcheck" in text.replace('"', "").replace("'", "") and _table(path, text) is not None:
            return path
    return None


def discover(start: str | Path = ".") -> Config:
    """The configuration that applies from ``start`` (none found: an empty one)."""
    path = find(start)
    return Config() if path is None else load(path)


def load(path: Path) -> Config:
    """The checked ``[tool.netcheck]`` table of ``path``; a ``UsageError`` for anything wrong in it."""
    table = _table(path, path.read_text(encoding="utf-8", errors="replace")) or {}
    from netcheck.options import CONFIGURABLE

    known = {option.config_key: option for option in CONFIGURABLE}
    values: dict[str, Any] = {}
    per_file: tuple[tuple[str, tuple[str, ...]], ...] = ()
    for key, value in table.items():
        if key == PER_FILE_IGNORES:
            per_file = _per_file_ignores(path, value)
        elif key in known:
            option = known[key]
            values[option.key] = option.from_config(value, f"{path}: [tool.netcheck] {key}")
        else:
            close = difflib.get_close_matches(key, [*known, PER_FILE_IGNORES], n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            allowed = ", ".join([*known, PER_FILE_IGNORES])
            raise UsageError(f"{path}: [tool.netcheck] has an unknown key {key!r}{hint}; keys: {allowed}")
    return Config(path, values, per_file)


def _table(path: Path, text: str) -> dict[str, Any] | None:
    """The ``[tool.netcheck]`` table of a ``pyproject.toml`` text, None if it has none."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef,import-not-found,unused-ignore]
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise UsageError(f"{path}: not valid TOML: {error}") from None
    tool = document.get("tool")
    table = tool.get("netcheck") if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.netcheck] must be a table")
    return table


def _per_file_ignores(path: Path, value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    where = f"{path}: [tool.netcheck] {PER_FILE_IGNORES}"
    if not isinstance(value, dict):
        raise UsageError(f"{where} must be a table of globs to lists of codes")
    from netcheck.options import checked_codes

    return tuple(
        (str(pattern), tuple(checked_codes(codes, f"{where} {pattern!r}"))) for pattern, codes in value.items()
    )
