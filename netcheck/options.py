"""Every command-line option, declared once.

Both roads read this table: ``netcheck.cli`` builds typer's parameters from it
(flags, help, defaults, minimums), and ``netcheck.fastpath`` builds its quick
parser from it, so that an option added or changed here is the same on both
roads with no other edit. The colour default (``use_color``) and the checker
options a call asks for (``checker_options``) are here too. No typer import:
the quick road must not pay for it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TextIO

from netcheck.report import FORMATS, SUMMARY_FORMATS
from netcheck.results import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_LAYERS,
    DEFAULT_MAX_NODES,
    PARSER_MAX_DEPTH,
    Limits,
    Options,
)

Kind = Literal["text", "count", "codes", "switch"]


@dataclass(frozen=True, slots=True)
class Option:
    """One option: its parameter name, flags, help and default.

    ``text`` takes one value; ``count`` a whole number ≥ 1; ``codes`` may be
    repeated (a list); ``switch`` is ``flags[0]`` for on and ``off`` for off,
    None when neither is given.
    """

    key: str
    flags: tuple[str, ...]
    help: str
    default: Any = None
    kind: Kind = "text"
    off: str | None = None


VALIDATE_FORMAT = Option("fmt", ("--format", "-f"), f"{', '.join(FORMATS)}, or auto.", "auto")
SUMMARY_FORMAT = Option("fmt", ("--format", "-f"), f"{', '.join(SUMMARY_FORMATS)}, or auto.", "text")
IGNORE = Option("ignore", ("--ignore",), "Codes or prefixes to ignore (NC2, NC203).", kind="codes")
SELECT = Option("select", ("--select",), "Only report these codes or prefixes.", kind="codes")
FAIL_ON = Option("fail_on", ("--fail-on",), "error or warning.", "error")
COLOR = Option("color", ("--color",), "Colour (default: on a terminal, unless NO_COLOR is set).", kind="switch",
               off="--no-color")
MAX_BYTES = Option("max_bytes", ("--max-bytes",), "Largest file read, in bytes.", DEFAULT_MAX_BYTES, "count")
MAX_NODES = Option("max_nodes", ("--max-nodes",), "Most YAML nodes, aliases expanded.", DEFAULT_MAX_NODES, "count")
MAX_DEPTH = Option("max_depth", ("--max-depth",), f"Deepest YAML nesting (PyYAML 6.0.4 and later stop at "
                   f"{PARSER_MAX_DEPTH:,} levels by themselves, whatever this says).", DEFAULT_MAX_DEPTH, "count")
MAX_LAYERS = Option("max_layers", ("--max-layers",), "Most layers a file's blocks may expand to.", DEFAULT_MAX_LAYERS,
                    "count")

DEPTH = Option("depth", ("--depth",), "Fold each use of a block at depth N into one row, as torchinfo's depth "
               "(top-level layers are depth 1; default: every layer).", None, "count")

LIMITS = (MAX_BYTES, MAX_NODES, MAX_DEPTH, MAX_LAYERS)
#: The options of each command that reads specs, in the order ``--help`` shows them.
COMMANDS: dict[str, tuple[Option, ...]] = {
    "validate": (VALIDATE_FORMAT, IGNORE, SELECT, FAIL_ON, COLOR, *LIMITS),
    "summary": (SUMMARY_FORMAT, DEPTH, COLOR, *LIMITS),
}


def defaults(command: str) -> dict[str, Any]:
    """Every option of ``command`` at its default (a fresh list for repeatable ones)."""
    return {option.key: [] if option.kind == "codes" else option.default for option in COMMANDS[command]}


def checker_options(values: Mapping[str, Any]) -> Options:
    """The checker options a parsed call asks for."""
    limits = Limits(*(int(values[option.key]) for option in LIMITS))
    return Options(tuple(values.get("ignore") or ()), tuple(values.get("select") or ()), limits)


def use_color(color: bool | None, stream: TextIO | None) -> bool:
    """Colour when asked, else on a terminal unless ``NO_COLOR`` is set (https://no-color.org)."""
    if color is not None:
        return color
    try:
        return stream is not None and stream.isatty() and "NO_COLOR" not in os.environ
    except (ValueError, OSError):
        return False
