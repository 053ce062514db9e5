"""A quick road for the common ``validate`` and ``summary`` calls, without importing typer.

pre-commit runs ``netcheck validate FILE...`` on every commit, where typer's
import alone costs about as much as checking a LeNet. This parser takes only
well-formed calls that use the documented options; anything else (help, an
unknown or malformed option, another command) returns None and the typer CLI
handles it, so usage errors and help look the same either way. It knows no
option by itself: it reads ``netcheck.options``, as the typer CLI does. Tests
run both roads on the same arguments and compare.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from netcheck.options import COMMANDS, Option, defaults

Call = tuple[str, dict[str, Any]]


def parse(argv: list[str]) -> Call | None:
    """The command and option values of a plain call, or None when typer should parse it."""
    if not argv or argv[0] not in COMMANDS:
        return None
    command = argv[0]
    values = defaults(command)
    values["paths"] = paths = []
    flags = {flag: option for option in COMMANDS[command] for flag in (*option.flags, option.off) if flag}
    tokens = iter(argv[1:])
    only_paths = False
    for token in tokens:
        if only_paths or not token.startswith("-") or token == "-":
            paths.append(token)
        elif token == "--":
            only_paths = True
        elif not _option(values, flags, token, tokens):
            return None
    if not paths or (command == "sizes" and len(paths) != 1):  # typer says what is wrong
        return None
    return command, values


def _option(values: dict[str, Any], flags: dict[str, Option], token: str, tokens: Iterator[str]) -> bool:
    name, equals, value = token.partition("=")
    option = flags.get(name)
    if option is None or (equals and not name.startswith("--")):
        return False
    if option.kind == "switch":
        values[option.key] = name != option.off
        return not equals
    if not equals:
        following = next(tokens, None)
        if following is None:
            return False
        value = following
    if option.kind == "count":
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            return False
        values[option.key] = int(value)
    elif option.kind == "codes":
        values[option.key].append(value)
    else:
        values[option.key] = value
    return True
