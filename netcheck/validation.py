"""Plain data -> ``Network``, with every pydantic error turned into a located NC002.

Messages are built from ``errors(include_input=False)`` and from the document
itself (short, escaped renderings of scalars), never from ``str()`` of an
error or of raw input: a hostile value must not make a message huge.
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ValidationError

from netcheck import spec
from netcheck.results import DocPath, Edit, Fix, Violation
from netcheck.source import HUGE_INTEGER_DIGITS, Document, Locator
from netcheck.vocabulary import ACTIVATIONS

LAYER_CLASSES = spec.LAYER_CLASSES

EXPECTED = {
    "kernel": "a positive integer or {width, height}",
    "stride": "a positive integer or {width, height}",
    "dilation": "a positive integer or {width, height}",
    "scale": "a positive integer or {width, height}",
    "padding": "an integer ≥ 0, {width, height}, same or valid",
    "output_padding": "an integer ≥ 0 or {width, height}",
    "input": "a shape WxHxD (like 32x32x3) or {width, height, depth}",
    "shape": "a shape WxHxD (like 14x14x20) or {width, height, depth}",
    "output": "a shape (like 7x7) or {width, height}",
}
YAML11_BOOLEANS = frozenset({"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF"})


def to_network(document: Document, default_name: str = "network") -> tuple[spec.Network | None, list[Violation]]:
    """Validate the document's data as a Network; NC002 violations where it does not fit."""
    data = document.data
    if data is None:
        return None, [Violation("NC002", "the document is empty: a network needs name, input and layers", 1, 1)]
    if not isinstance(data, dict):
        line, column = document.locator.find(())
        what = "a list" if isinstance(data, list) else f"the single value {render(data)}"
        return None, [Violation("NC002", f"the document is {what}; a network is a mapping with name, input and "
                                "layers", line, column)]
    try:
        network = spec.Network.model_validate(data)
    except ValidationError as error:
        return None, describe(error, data, document.locator)
    network._source = document.locator
    return network, []


def describe(error: ValidationError, data: Any, locator: Locator, fixes: bool = True) -> list[Violation]:
    """One located NC002 per offending place, union alternatives folded into one message.

    With ``fixes``, an NC002 whose fix is certain carries it (``certain_fixes``).
    """
    groups: dict[DocPath, list[dict[str, Any]]] = {}
    for details in error.errors(include_input=False, include_url=False):
        item: dict[str, Any] = dict(details)
        path = data_path(data, tuple(item["loc"]), item["type"] == "missing")
        if item["type"] == "union_tag_invalid" and isinstance(value_at(data, path), dict):
            path = (*path, "type")
        groups.setdefault(path, []).append(item)
    violations = []
    for path, items in groups.items():
        if _explained_deeper(path, items, groups):
            continue
        line, column = locator.find(path)
        message = _message(path, items, data)
        violations.append(Violation("NC002", message, line, column, layer_name(data, path), path))
    return certain_fixes(violations, groups, data, locator) if fixes else violations


_TYPE_ERRORS = frozenset({"int_type", "model_type", "model_attributes_type", "literal_error", "dict_type",
                          "string_type", "bool_type", "float_type", "list_type"})


def _explained_deeper(path: DocPath, items: list[dict[str, Any]], groups: dict[DocPath, Any]) -> bool:
    """A mapping that failed only because of its own keys: the keys' errors say it better."""
    if not all(item["type"] in _TYPE_ERRORS for item in items):
        return False
    return any(len(other) > len(path) and other[:len(path)] == path for other in groups)


def expected(path: DocPath, key: str, data: Any) -> str | None:
    """What a value at ``path`` may be, in words, for a union-typed key."""
    if key == "padding" and len(path) >= 2 and path[0] == "layers":
        owner = value_at(data, path[:-1])
        if isinstance(owner, dict) and owner.get("type") == "zeropad2d":
            return "an integer ≥ 0 or {top, bottom, left, right}"
    if path == ("expect", "output"):
        return EXPECTED["shape"]
    return EXPECTED.get(key)


def data_path(data: Any, loc: tuple[Any, ...], missing: bool = False) -> DocPath:
    """The part of a pydantic ``loc`` that names keys and indexes of ``data`` (tags dropped).

    For a ``missing`` error the last part, the absent key, is kept.
    """
    path: list[str | int] = []
    node = data
    for part in loc:
        if _has(node, part):
            node = node[part]
            path.append(part)
        elif missing and isinstance(node, dict) and part == loc[-1]:
            path.append(part)
    return tuple(path)


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def value_at(data: Any, path: DocPath) -> Any:
    """The value at ``path``, or a sentinel string when there is none."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return _MISSING
    return node


_MISSING = object()


def layer_name(data: Any, path: DocPath) -> str | None:
    """The name (given or default) of the layer a path is inside, if any."""
    if len(path) < 2 or path[0] != "layers" or not isinstance(path[1], int):
        return None
    layers = data.get("layers") if isinstance(data, dict) else None
    if not isinstance(layers, list) or path[1] >= len(layers):
        return None
    layer = layers[path[1]]
    if isinstance(layer, dict) and isinstance(layer.get("name"), str):
        return render_text(layer["name"])
    kind = layer.get("type") if isinstance(layer, dict) else None
    if not isinstance(kind, str):
        return f"layers[{path[1]}]"
    number = sum(1 for other in layers[: path[1] + 1] if isinstance(other, dict) and other.get("type") == kind)
    return f"{render_text(kind)}_{number}"


def render(value: Any) -> str:
    """A short, safe rendering of a document value for a message."""
    if value is _MISSING:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int) and abs(value) == 10**HUGE_INTEGER_DIGITS:
        return f"an integer of more than {HUGE_INTEGER_DIGITS} digits"
    if isinstance(value, (int, float)):
        text = repr(value)
        return text if len(text) <= 24 else text[:20] + "…"
    if isinstance(value, str):
        return repr(render_text(value))
    return "a mapping" if isinstance(value, dict) else "a list"


def render_text(text: str, limit: int = 60) -> str:
    """``text`` with control, invisible and non-ASCII-lookalike characters escaped, cut at ``limit``."""
    short = text if len(text) <= limit else text[:limit] + "…"
    return "".join(char if char.isprintable() and not 0xD800 <= ord(char) <= 0xDFFF and
                   char not in "\u200b\u200c\u200d\u2060\ufeff" else f"\\u{ord(char):04x}" for char in short)


def _key(path: DocPath) -> str:
    named = [part for part in path if isinstance(part, str)]
    return named[-1] if named else "the document"


def _message(path: DocPath, items: list[dict[str, Any]], data: Any) -> str:
    if len(items) > 1:
        return _union_message(path, items, data)
    item = items[0]
    kind, ctx = item["type"], item.get("ctx") or {}
    key, value = _key(path), value_at(data, path)
    if path == ("netcheck",):
        kind = "version_type"
    builder = _BUILDERS.get(kind)
    if builder is not None:
        return builder(path, item, ctx, key, value, data)
    return f"{key}: {render_text(str(item.get('msg', kind)), 200)}"


def _union_message(path: DocPath, items: list[dict[str, Any]], data: Any) -> str:
    kinds = {item["type"] for item in items}
    if kinds <= {"missing", "extra_forbidden"} or "missing" in kinds or "extra_forbidden" in kinds:
        return "; ".join(_message(path, [item], data) for item in items)
    key, value = _key(path), value_at(data, path)
    bounds = [item for item in items if item["type"] in _BOUNDS]
    if bounds:
        return _bound(path, bounds[0], bounds[0].get("ctx") or {}, key, value, data)
    wanted = expected(path, key, data) or "a value of another type"
    return f"{key} must be {wanted}, not {render(value)}{_hint(value)}"


def _hint(value: Any) -> str:
    if isinstance(value, str) and value in YAML11_BOOLEANS:
        return f" (in YAML 1.2 {value} is a string; write true or false)"
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return f" (a quoted number is a string; write {value.strip()} without quotes)"
    if isinstance(value, float) and value.is_integer():
        return f" (write {int(value)}, without the decimal point)"
    if isinstance(value, list) and all(isinstance(item, int) for item in value) and len(value) == 2:
        return " (write {width: W, height: H}: the order of a list is ambiguous)"
    return ""


# --- fixes where the hint is certain -------------------------------------------------------------------

#: What the NC002 fixes of one file may spend (a validation costs one per layer and per error), besides three
#: validations of the whole document.
FIX_BUDGET_BASE = 5_000
_INTEGER = re.compile(r"[+-]?(0|[1-9][0-9]{0,17})")
_FLOAT = re.compile(r"[+-]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][+-]?[0-9]+)?")
_WORDS = {"true": True, "yes": True, "on": True, "y": True, "false": False, "no": False, "off": False, "n": False}
_NUMBER_WANTED = frozenset({"int_type", "float_type", "int_from_float"})


def certain_fixes(violations: list[Violation], groups: dict[DocPath, list[dict[str, Any]]], data: Any,
                  locator: Locator) -> list[Violation]:
    """The violations, each with its fix where the hint has exactly one candidate that verifies.

    A candidate (``certain_fix``) is applied to the data and the whole document
    validated again (``netcheck.fixing.holds``): no problem may stay at its
    path, and no place may have a problem that had none. Errors the engine then
    finds were hidden by the NC002, not made by the fix; they are reported once
    the fix is in. A network with blocks gets no NC002 fixes (its edits would
    have to be moved to where the values are written). Each validation costs
    one per layer and per error, from a budget per file (``FIX_BUDGET_BASE``);
    past it, the hint stays words only.
    """
    if getattr(locator, "expansion", None) is not None or not isinstance(data, dict):
        return violations
    from netcheck.fixing import Budget, holds

    layers = data.get("layers")
    cost = 1 + (len(layers) if isinstance(layers, list) else 0) + sum(len(items) for items in groups.values())
    budget = Budget(FIX_BUDGET_BASE + 3 * cost)
    before: set[Any] | None = None  # the places with problems, found when the first candidate is
    fixed = []
    for violation in violations:
        if budget.exhausted or budget.left < cost:
            fixed.append(violation)
            continue
        fix = certain_fix(violation.path, groups.get(violation.path, []), data)
        if fix is not None and before is None:
            judged = _judged(data) if budget.spend(cost) else None
            before = judged[0] if judged is not None else set()
            budget.exhausted = budget.exhausted or not before  # the document cannot be judged again
        target = _nc002_key(violation.path)
        if fix is not None and before and target in before and budget.spend(cost) \
                and holds(fix.edits, data, _judged, before, target):
            violation = replace(violation, fixes=(fix,))
        fixed.append(violation)
    return fixed


def certain_fix(path: DocPath, items: list[dict[str, Any]], data: Any) -> Fix | None:
    """The one fix the hint for the errors ``items`` at ``path`` points to, or None when there is not exactly one.

    A misspelt key renamed to its one close match among the allowed keys (not
    already there); a quoted number written unquoted; a word for a boolean
    (``yes``, a quoted ``"false"``) written as ``true`` or ``false``; a whole
    float written as an integer. Unverified: ``certain_fixes`` checks it.
    """
    kinds = {item["type"] for item in items}
    value = value_at(data, path)
    if kinds == {"extra_forbidden"}:
        return _renaming(path, data)
    if isinstance(value, str) and kinds & _NUMBER_WANTED:
        number = _number(value)
        if number is not None:
            return Fix(f"write {number!r} unquoted", (Edit(path, number),))
    if isinstance(value, str) and "bool_type" in kinds and value.strip().lower() in _WORDS:
        flag = _WORDS[value.strip().lower()]
        word = "true" if flag else "false"
        quoted = value.strip().lower() in ("true", "false")
        return Fix(f"write {word} unquoted" if quoted else f"write {word} instead of {render(value)}",
                   (Edit(path, flag),))
    if isinstance(value, float) and kinds & {"int_type", "int_from_float"} and value.is_integer() \
            and abs(value) < 2**53:
        return Fix(f"write {int(value)} without the decimal point", (Edit(path, int(value)),))
    return None


def _renaming(path: DocPath, data: Any) -> Fix | None:
    key, owner = (path[-1] if path else None), value_at(data, path[:-1])
    if not isinstance(key, str) or not isinstance(owner, dict):
        return None
    close = difflib.get_close_matches(key, sorted(allowed_keys(data, path[:-1])), n=2, cutoff=0.6)
    if len(close) != 1 or close[0] in owner:
        return None
    return Fix(f"rename `{render_text(key)}` to `{close[0]}`", (Edit(path, None, rename=close[0]),))


def _number(text: str) -> int | float | None:
    """The number ``text`` is when written unquoted (decimal only: no leading zeros, no 0x), else None."""
    text = text.strip()
    if _INTEGER.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text) and len(text) <= 40:
        number = float(text)
        return number if math.isfinite(number) else None
    return None


def _nc002_key(path: DocPath) -> tuple[str, str | None, DocPath]:
    return ("NC002", None, path)


def _judged(data: Any) -> tuple[set[Any], set[Any]] | None:
    """The places ``data`` has problems at, validated again (both sets: every NC002 is an error); None if it cannot be.

    Every place a pydantic error is grouped at (``describe``'s groups, also
    those explained deeper), without the messages: checking a fix must not cost
    what reporting costs.
    """
    if not isinstance(data, dict):
        return None
    try:
        spec.Network.model_validate(data)
    except ValidationError as error:
        keys = set()
        for item in error.errors(include_input=False, include_url=False):
            path = data_path(data, tuple(item["loc"]), item["type"] == "missing")
            if item["type"] == "union_tag_invalid" and isinstance(value_at(data, path), dict):
                path = (*path, "type")
            keys.add(_nc002_key(path))
        return keys, keys
    except (ValueError, TypeError, RecursionError):
        return None
    return set(), set()


def _missing(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    field = str(item["loc"][-1])
    owner = value_at(data, path[:-1])
    if isinstance(owner, dict) and isinstance(owner.get("type"), str) and owner["type"] in LAYER_CLASSES:
        needed = [name for name, info in LAYER_CLASSES[owner["type"]].model_fields.items() if info.is_required()
                  and name != "type"]
        return f"{owner['type']} needs {field!r} (required: {', '.join(needed)})"
    return f"missing required key {field!r}"


def _extra(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    allowed = sorted(allowed_keys(data, path[:-1]))
    shown = render_text(key)
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if shown != key:
        hint += " (it contains invisible or look-alike characters)"
    return f"unknown key {shown!r}{hint}; allowed here: {', '.join(allowed)} (and x-… keys for metadata)"


def _type(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    wanted = {"int_type": "an integer", "bool_type": "true or false", "string_type": "a string",
              "float_type": "a number", "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping",
              "model_attributes_type": "a mapping", "int_from_float": "an integer",
              "literal_error": "one of " + str(ctx.get("expected", ""))}
    words = expected(path, key, data) if key in EXPECTED and item["type"] != "literal_error" else None
    return f"{key} must be {words or wanted.get(item['type'])}, not {render(value)}{_hint(value)}{_close(item, value)}"


def _close(item: dict[str, Any], value: Any) -> str:
    if item["type"] != "literal_error" or not isinstance(value, str):
        return ""
    options = [option.strip(" '") for option in str((item.get("ctx") or {}).get("expected", "")).replace(" or ", ",")
               .split(",")]
    lowered = {option.lower(): option for option in options if option}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


_BOUNDS = {"greater_than_equal": "≥", "less_than_equal": "≤", "greater_than": ">", "less_than": "<"}


def _bound(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    kind = item["type"]
    limit = next(iter(ctx.values()), "?")
    return f"{key} must be {_BOUNDS[kind]} {limit}, not {render(value)}"


def _tag_invalid(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    tag = str(ctx.get("tag", ""))
    close = difflib.get_close_matches(tag.lower(), list(LAYER_CLASSES), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if tag.lower() in ACTIVATIONS and tag.lower() not in LAYER_CLASSES:  # `type: relu`: an activation layer
        hint = f" (an activation: write type: activation, function: {tag.lower()})"
    return f"unknown layer type {render_text(tag)!r}{hint}; types: {', '.join(LAYER_CLASSES)}"


def _tag_missing(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    if not isinstance(value, dict):
        return f"a layer must be a mapping with a type, not {render(value)}"
    return f"the layer has no type; one of: {', '.join(LAYER_CLASSES)}"


def _too_short(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    least = ctx.get("min_length")
    return f"{key} needs at least {least} item{'' if least == 1 else 's'}, not {ctx.get('actual_length')}"


def _too_long(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    if key == "inputs":
        kind = value_at(data, path[:-1]).get("type") if isinstance(value_at(data, path[:-1]), dict) else None
        return (f"{render(kind) if kind else 'this layer'} reads one input, not {ctx.get('actual_length')}; "
                "only add, concat and multiply merge several")
    return f"{key} is too long: at most {ctx.get('max_length')} characters"


def _pattern(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    return f"{key} {render(value)} contains a control or invisible character; names must be printable text"


def _custom(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    return f"{key} must be {expected(path, key, data) or str(item.get('msg'))}, not {render(value)}"


def _finite(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    return f"{key} must be a finite number, not {render(value)}"


def _version(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    return f"netcheck must be 1, the format version this netcheck reads, not {render(value)}"


def _unicode(path: DocPath, item: dict[str, Any], ctx: dict[str, Any], key: str, value: Any, data: Any) -> str:
    return f"{key} is not valid Unicode text (it holds a lone surrogate)"


_BUILDERS = {
    "missing": _missing, "extra_forbidden": _extra, "union_tag_invalid": _tag_invalid,
    "union_tag_not_found": _tag_missing, "too_short": _too_short, "string_too_long": _too_long, "too_long": _too_long,
    "string_too_short": _too_short, "string_pattern_mismatch": _pattern, "shape_format": _custom,
    "finite_number": _finite, "string_unicode": _unicode, "version_type": _version,
    **{kind: _bound for kind in _BOUNDS},
    **{kind: _type for kind in ("int_type", "bool_type", "string_type", "float_type", "list_type", "dict_type",
                                "model_type", "model_attributes_type", "int_from_float", "literal_error")},
}


def allowed_keys(data: Any, path: DocPath) -> set[str]:
    """The keys a mapping at ``path`` may hold, from the models themselves."""
    models: list[type[BaseModel]] = [spec.Network]
    node = data
    for part in path:
        node = value_at(node, (part,))
        if isinstance(part, int):
            models = [LAYER_CLASSES[node["type"]]] if isinstance(node, dict) and node.get("type") in LAYER_CLASSES \
                else list(LAYER_CLASSES.values())
            continue
        models = [inner for model in models if part in model.model_fields
                  for inner in _models_in(model.model_fields[part].annotation)]
    return {name for model in models for name in model.model_fields}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for argument in typing.get_args(annotation):
        if argument is spec.Layer or typing.get_origin(argument) is typing.Annotated:
            found.extend(_models_in(typing.get_args(argument)[0]))
        elif isinstance(argument, (type, types.UnionType)) or typing.get_origin(argument) is not None:
            found.extend(_models_in(argument))
    return found
