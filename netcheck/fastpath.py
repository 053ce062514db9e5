"""A quick road for the common ``netcheck validate`` call, without importing typer.

pre-commit runs ``netcheck validate FILE...`` on every commit, where typer's
import alone costs about as much as checking a LeNet. This parser takes only
well-formed ``validate`` calls that use the documented options; anything else
(help, an unknown or malformed option, another command) returns None and the
typer CLI handles it, so usage errors and help look the same either way.
Tests run both roads on the same arguments and compare.
"""

from __future__ import annotations

from netcheck.results import Options
from netcheck.source import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES, Limits

_VALUED = {"--format": "fmt", "-f": "fmt", "--ignore": "ignore", "--select": "select", "--fail-on": "fail_on",
           "--max-bytes": "max_bytes", "--max-nodes": "max_nodes", "--max-depth": "max_depth"}
_FLAGS = {"--color": True, "--no-color": False}


def parse_validate(argv: list[str]) -> dict[str, object] | None:
    """The options of a plain ``validate`` call, or None when typer should parse it."""
    if not argv or argv[0] != "validate":
        return None
    found: dict[str, object] = {"paths": [], "fmt": "auto", "ignore": [], "select": [], "fail_on": "error",
                                "color": None, "max_bytes": DEFAULT_MAX_BYTES, "max_nodes": DEFAULT_MAX_NODES,
                                "max_depth": DEFAULT_MAX_DEPTH}
    tokens = iter(argv[1:])
    only_paths = False
    for token in tokens:
        if only_paths or not token.startswith("-") or token == "-":
            _paths(found).append(token)
        elif token == "--":
            only_paths = True
        elif token in _FLAGS:
            found["color"] = _FLAGS[token]
        elif not _option(found, token, tokens):
            return None
    return found if _paths(found) else None


def _paths(found: dict[str, object]) -> list[str]:
    paths = found["paths"]
    assert isinstance(paths, list)
    return paths


def _option(found: dict[str, object], token: str, tokens: object) -> bool:
    name, equals, value = token.partition("=")
    key = _VALUED.get(name)
    if key is None or (equals and name == "-f"):
        return False
    if not equals:
        value = next(tokens, None)  # type: ignore[call-overload]
        if value is None:
            return False
    if key.startswith("max_"):
        if not value.isdigit() or int(value) < 1:
            return False
        found[key] = int(value)
    elif key in ("ignore", "select"):
        held = found[key]
        assert isinstance(held, list)
        held.append(value)
    else:
        found[key] = value
    return True


def options_of(found: dict[str, object]) -> Options:
    """The checker options a parsed call asks for."""
    limits = Limits(int(str(found["max_bytes"])), int(str(found["max_nodes"])), int(str(found["max_depth"])))
    return Options(tuple(found["ignore"]), tuple(found["select"]), limits)  # type: ignore[arg-type]
