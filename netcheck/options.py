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
from typing import TYPE_CHECKING, Any, Literal, TextIO

from netcheck.files import UsageError
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

if TYPE_CHECKING:
    from netcheck.config import Config

Kind = Literal["text", "count", "codes", "switch"]


@dataclass(frozen=True, slots=True)
class Option:
    """One option: its parameter name, flags, help and default.

    ``text`` takes one value (one of ``choices`` when it has them); ``count`` a
    whole number ≥ 1; ``codes`` may be repeated (a list of violation codes or
    prefixes); ``switch`` is ``flags[0]`` for on and ``off`` for off, None when
    neither is given. A ``config`` option may also be set in ``[tool.netcheck]``
    (``netcheck.config``) under its long flag's name; its ``default`` is then
    None (not given) and ``fallback`` is what applies when neither sets it.
    """

    key: str
    flags: tuple[str, ...]
    help: str
    default: Any = None
    kind: Kind = "text"
    off: str | None = None
    config: bool = False
    fallback: Any = None
    choices: tuple[str, ...] = ()

    @property
    def metavar(self) -> str:
        """The placeholder ``--help`` shows for the option's value (none for a switch)."""
        if self.kind == "switch":
            return ""
        if self.choices:
            return "|".join(self.choices)
        return {"codes": "CODE", "count": "N"}.get(self.kind, self.key.upper())

    @property
    def config_key(self) -> str:
        """The option's key in ``[tool.netcheck]``: its long flag without the dashes."""
        return self.flags[0].lstrip("-")

    def from_config(self, value: Any, where: str) -> Any:
        """A ``[tool.netcheck]`` value checked as the command line would check it; ``UsageError`` if wrong."""
        if self.kind == "codes":
            if isinstance(value, str) or not isinstance(value, list):
                raise UsageError(f"{where} must be a list of codes, such as [\"NC203\"]")
            return checked_codes(value, where)
        if self.kind == "count":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise UsageError(f"{where} must be a whole number ≥ 1, not {_toml(value)}")
            return value
        if not isinstance(value, str):
            raise UsageError(f"{where} must be a string, not {_toml(value)}")
        return self.checked_choice(value, where)

    def checked_choice(self, value: str, where: str) -> str:
        """``value`` when the option has no choices or it is one of them; ``UsageError`` otherwise."""
        if self.choices and value not in self.choices:
            raise UsageError(f"{where} takes {' or '.join(self.choices)}, not {value!r}")
        return value


def _toml(value: Any) -> str:
    """``value`` as TOML writes it (``true``, ``"x"``, ``[1, 2]``), for messages about ``[tool.netcheck]``."""
    import json

    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except ValueError:
        return repr(value)


def _configured(help_text: str, fallback: Any) -> str:
    return f"{help_text} [default: {fallback}]"


VALIDATE_FORMAT = Option("fmt", ("--format", "-f"), "The report's format (auto: github under GitHub Actions, "
                         "else text).", "auto", choices=(*FORMATS, "auto"))
SUMMARY_FORMAT = Option("fmt", ("--format", "-f"), "The table's format: text, json, markdown (a GitHub table per "
                        "file) or csv (one row per layer).", "text", choices=(*SUMMARY_FORMATS, "auto"))
IGNORE = Option("ignore", ("--ignore",), "Codes or prefixes to ignore (NC2, NC203); repeatable; adds to the "
                "configured ignore.", kind="codes", config=True)
SELECT = Option("select", ("--select",), "Only report these codes or prefixes; repeatable; replaces the configured "
                "select.", kind="codes", config=True)
FAIL_ON = Option("fail_on", ("--fail-on",), _configured("Exit 1 on: error or warning.", "error"), config=True,
                 fallback="error", choices=("error", "warning"))
COLOR = Option("color", ("--color",), "Colour on or off (default: on a terminal, unless the NO_COLOR variable is "
               "set; the flag wins over NO_COLOR).", kind="switch", off="--no-color")
MAX_BYTES = Option("max_bytes", ("--max-bytes",), _configured("Largest file read, in bytes.", DEFAULT_MAX_BYTES),
                   kind="count", config=True, fallback=DEFAULT_MAX_BYTES)
MAX_NODES = Option("max_nodes", ("--max-nodes",), _configured("Most YAML nodes, aliases expanded.", DEFAULT_MAX_NODES),
                   kind="count", config=True, fallback=DEFAULT_MAX_NODES)
MAX_DEPTH = Option("max_depth", ("--max-depth",), _configured(
    f"Deepest YAML nesting (PyYAML 6.0.4 and later stop at {PARSER_MAX_DEPTH:,} levels by themselves, whatever "
    "this says).", DEFAULT_MAX_DEPTH), kind="count", config=True, fallback=DEFAULT_MAX_DEPTH)
MAX_LAYERS = Option("max_layers", ("--max-layers",), _configured("Most layers a file's blocks may expand to.",
                    DEFAULT_MAX_LAYERS), kind="count", config=True, fallback=DEFAULT_MAX_LAYERS)
FIX = Option("fix", ("--fix",), "Apply the first fix of every fixable error, in place, then report what is left.",
             kind="switch", off="--no-fix")
DIFF = Option("diff", ("--diff",), "With --fix: write nothing, print the fixes as a unified diff.", kind="switch",
              off="--no-diff")

DEPTH = Option("depth", ("--depth",), "Fold each use of a block at depth N into one row, as torchinfo's depth "
               "(top-level layers are depth 1; default: every layer).", None, "count")

SIZES_FORMAT = Option("fmt", ("--format", "-f"), "The answer's format: text or json.", "text",
                      choices=("text", "json"))
MAX_SIZE = Option("max_size", ("--max",), "Search the nearest valid sizes up to N (the sets are exact whatever N).",
                  4096, "count")

LIMITS = (MAX_BYTES, MAX_NODES, MAX_DEPTH, MAX_LAYERS)
#: The options ``[tool.netcheck]`` may set (besides ``per-file-ignores``), by their long flag's name.
CONFIGURABLE = (SELECT, IGNORE, FAIL_ON, *LIMITS)
#: The options of each command that reads specs, in the order ``--help`` shows them.
COMMANDS: dict[str, tuple[Option, ...]] = {
    "validate": (VALIDATE_FORMAT, IGNORE, SELECT, FAIL_ON, FIX, DIFF, COLOR, *LIMITS),
    "summary": (SUMMARY_FORMAT, DEPTH, IGNORE, SELECT, COLOR, *LIMITS),
    "sizes": (SIZES_FORMAT, MAX_SIZE, *LIMITS),
}


def defaults(command: str) -> dict[str, Any]:
    """Every option of ``command`` at its default (a fresh list for repeatable ones)."""
    return {option.key: [] if option.kind == "codes" else option.default for option in COMMANDS[command]}


def checked_codes(codes: Any, where: str) -> list[str]:
    """``codes`` upper-cased if each is a known code or its prefix (``NC``, ``NC2``, ``nc203``); else ``UsageError``."""
    from netcheck.rules import CODES

    if isinstance(codes, str) or not isinstance(codes, list):
        raise UsageError(f"{where} must be a list of codes, such as [\"NC203\"]")
    for code in codes:
        wanted = code.strip().upper() if isinstance(code, str) else ""
        if not wanted.startswith("NC") or not any(known.startswith(wanted) for known in CODES):
            raise UsageError(f"{where}: unknown code {code!r}; codes are {', '.join(CODES)} (or a prefix: NC2)")
    return [code.strip().upper() for code in codes]


def resolved(command: str, values: Mapping[str, Any], config: Config) -> dict[str, Any]:
    """The option values of a call with ``[tool.netcheck]`` applied (FORMAT.md §10); ``UsageError`` if wrong.

    ``--select`` replaces the configured ``select``, ``--ignore`` adds to the
    configured ``ignore``, and every other option given wins over the file.
    """
    result = dict(values)
    for option in COMMANDS[command]:
        given = values.get(option.key)
        if option.kind == "codes":
            codes = checked_codes(list(given or []), option.flags[0])
            result[option.key] = codes
            given = codes
        elif given is not None and option.config and option.choices:
            given = option.checked_choice(str(given), option.flags[0])
        if not option.config:
            continue
        configured = config.values.get(option.key)
        if option.key == "ignore":
            result["ignore"] = [*(configured or []), *(given or [])]
        elif option.kind == "codes":
            result[option.key] = given or list(configured or [])
        else:
            result[option.key] = next(value for value in (given, configured, option.fallback) if value is not None)
    return result


def checker_options(values: Mapping[str, Any]) -> Options:
    """The checker options a resolved call asks for (``resolved``: every limit has its value)."""
    limits = Limits(*(int(values[option.key] or option.fallback) for option in LIMITS))
    return Options(tuple(values.get("ignore") or ()), tuple(values.get("select") or ()), limits)


def use_color(color: bool | None, stream: TextIO | None) -> bool:
    """Colour when asked, else on a terminal unless ``NO_COLOR`` is set (https://no-color.org)."""
    if color is not None:
        return color
    try:
        return stream is not None and stream.isatty() and "NO_COLOR" not in os.environ
    except (ValueError, OSError):
        return False
