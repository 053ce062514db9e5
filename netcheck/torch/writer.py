"""to_yaml: a network as readable YAML, sizes in their shortest form, each layer annotated."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from netcheck import spec
from netcheck.checker import check_network
from netcheck.results import Options
from netcheck.spec import Network
from netcheck.torch.folding import INPUT, Item, ModuleMap, fold, is_number
from netcheck.torch.sizes import _short

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})
_FIRST = ("name", "type", "inputs")
_LAST = ("expect",)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        mantissa, _, exponent = text.partition("e")
        return f"{mantissa}.0e{exponent}" if exponent and "." not in mantissa else text
    text = str(value)
    if _PLAIN.match(text) and text.lower() not in _RESERVED:
        return text
    if re.fullmatch(r"[0-9]+x[0-9]+(x[0-9]+)?", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(key)}: {_flow(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return _scalar(value)


def _shortest(value: Any) -> Any:
    if isinstance(value, spec.ShapeSpec):
        return str(value.shape)
    if isinstance(value, spec.PlaneSpec):
        return f"{value.width}x{value.height}"
    if isinstance(value, (spec.AxisPair, spec.AxisPadding)):
        return _short(value.width, value.height)
    if isinstance(value, (spec.Sides, spec.CropSides)):
        sides = (value.top, value.bottom, value.left, value.right)
        if len(set(sides)) == 1:
            return value.top
        return {key: getattr(value, key) for key in ("top", "bottom", "left", "right") if getattr(value, key)}
    if isinstance(value, spec.WeightStandardization):
        return value.model_dump(exclude_defaults=True) or True
    if isinstance(value, (spec.LayerExpect, spec.NetworkExpect)):
        return {key: _shortest(item) for key, item in value if item is not None}
    return value


def undotted(network: Network) -> Network:
    """``network`` with names a file may hold: the dots of expanded names (``layer1.0.conv1``) become ``_``.

    A dot is reserved for the names blocks expand to (FORMAT.md §8); a flat
    file writes ``layer1_0_conv1`` (with a suffix if that name is taken).
    """
    taken = {layer.name for layer in network.layers if layer.name is not None}
    renamed: dict[str, str] = {}
    for name in sorted(name for name in taken if "." in name):
        candidate, suffix = name.replace(".", "_"), 1
        while candidate in taken:
            suffix += 1
            candidate = f"{name.replace('.', '_')}_{suffix}"
        taken.add(candidate)
        renamed[name] = candidate
    if not renamed:
        return network
    layers = []
    for layer in network.layers:
        changes: dict[str, Any] = {}
        if layer.name in renamed:
            changes["name"] = renamed[layer.name]
        if layer.inputs is not None and any(name in renamed for name in layer.inputs):
            changes["inputs"] = [renamed.get(name, name) for name in layer.inputs]
        layers.append(layer.model_copy(update=changes) if changes else layer)
    return network.model_copy(update={"layers": layers})


def _fields(layer: spec.LayerBase) -> Iterator[tuple[str, Any]]:
    keys = [*_FIRST, *(key for key in type(layer).model_fields if key not in _FIRST + _LAST), *_LAST]
    for key in keys:
        info = type(layer).model_fields[key]
        value = getattr(layer, key)
        if value is None:
            continue
        short = _shortest(value)
        if key == "inputs" and len(short) == 1:
            short = short[0]
        if not info.is_required() and short == _shortest(info.default):
            continue
        if key == "stride" and isinstance(layer, (spec.MaxPool2d, spec.AvgPool2d)) and short == _shortest(
                layer.kernel):
            continue
        yield key, short


def _description(text: str) -> str:
    if " ".join(text.split()) == text and text.isprintable() and not text.startswith(("#", "-", "'", '"')):
        lines, line = [], ""
        for word in text.split(" "):
            if line and len(line) + 1 + len(word) > 100:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
        return ">-\n" + "".join(f"  {line}\n" for line in lines)
    return json.dumps(text, ensure_ascii=False) + "\n"


def _comment(text: str) -> str:
    return " ".join(text.split())


def to_yaml(network: Network, *, schema: str | None = None, header: Sequence[str] = (), annotate: bool = True,
            blocks: bool = False) -> str:
    """The network as readable YAML: the schema modeline first (when ``schema`` is given), sizes shortest.

    ``schema`` is the address yaml-language-server loads the JSON Schema from,
    written as ``# yaml-language-server: $schema=...``; a relative path is
    resolved from the spec's own folder. None writes no modeline.

    With ``annotate`` each layer's line carries a comment with its output shape
    and parameter count, as netcheck computes them. With ``blocks``, a network
    read by ``from_module`` is written with one block per kind of submodule
    (``folding.py``), when the folded spec expands to exactly these layers.
    """
    if blocks:
        folded = _folded(network, schema, header, annotate)
        if folded is not None:
            return folded
    network = undotted(network)
    rows = check_network(network, Options(fixes=False)).rows if annotate else []
    out = _head(network, schema, header)
    out.append("layers:\n")
    for index, layer in enumerate(network.layers):
        lines = []
        for key, value in _fields(layer):
            lines.append(f"{key}: {_flow(value)}")
        if annotate and index < len(rows) and rows[index].output is not None:
            row = rows[index]
            note = f"{row.output}" + (f", {row.params:,} params" if row.params else "")
            lines[0] += f"  # {note}"
        out.append(f"  - {lines[0]}\n")
        out.extend(f"    {line}\n" for line in lines[1:])
    out.extend(_tail(network))
    return "".join(out)


def _head(network: Network, schema: str | None, header: Sequence[str]) -> list[str]:
    out = [f"# yaml-language-server: $schema={schema}\n"] if schema else []
    out.extend(f"# {_comment(line)}\n" for line in header)
    out.append(f"netcheck: {network.netcheck}\n")
    out.append(f"name: {_scalar(network.name)}\n")
    if network.description:
        out.append(f"description: {_description(network.description)}")
    out.append(f"input: {network.input.shape}\n")
    if network.rounding != "strict":
        out.append(f"rounding: {network.rounding}\n")
    return out


def _tail(network: Network) -> list[str]:
    if network.expect is None:
        return []
    return ["expect:\n", *(f"  {key}: {_flow(value)}\n" for key, value in _shortest(network.expect).items())]


def _folded(network: Network, schema: str | None, header: Sequence[str], annotate: bool) -> str | None:
    """The blocked text of a network read by from_module, or None when it does not fold or expand back exactly."""
    modules = network._modules
    if not isinstance(modules, ModuleMap) or any(layer.name not in modules.paths for layer in network.layers):
        return None
    items, previous = [], INPUT
    for layer in network.layers:
        entry = dict(_fields(layer))
        name = str(entry.pop("name"))
        inputs = entry.pop("inputs", None)
        sources = [previous] if inputs is None else ([inputs] if isinstance(inputs, str) else list(inputs))
        defaults = {key: info.default for key, info in type(layer).model_fields.items()
                    if key not in entry and is_number(info.default)}
        items.append(Item(name, modules.paths[name], entry, sources, defaults))
        previous = name
    try:
        folded = fold(items, modules.kinds, spec.LAYER_TYPES)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError):  # pragma: no cover - a folding bug
        return None  # the flat spec is written: blocks are an option, the numbers must not suffer
    if folded is None:
        return None
    definitions, layers = folded
    out = _head(network, schema, header)
    out.append("blocks:\n")
    for block, definition in definitions.items():
        out.append(f"  {block}:\n")
        if definition["params"]:
            out.append(f"    params: {_flow(definition['params'])}\n")
        out.append("    layers:\n")
        out.extend(f"      - {_flow(entry)}\n" for entry in definition["layers"])
    out.append("layers:\n")
    out.extend(f"  - {_flow(entry)}\n" for entry in layers)
    text = "".join([*out, *_tail(network)])
    expanded = _expansion_of(text, network)
    if expanded is None:
        return None
    return _annotated(text, layers, expanded) if annotate else text


def _expansion_of(text: str, network: Network) -> Network | None:
    """``text`` loaded (blocks expanded), when it gives ``network``'s layers, names with dots for underscores."""
    from netcheck.api import SpecError, loads

    try:
        expanded = loads(text, f"<{network.name}>")
    except SpecError:
        return None
    if len(expanded.layers) != len(network.layers):
        return None
    for mine, theirs in zip(expanded.layers, network.layers):
        if str(mine.name).replace(".", "_") != theirs.name:
            return None
        if mine.model_dump(exclude={"name", "inputs"}) != theirs.model_dump(exclude={"name", "inputs"}):
            return None
    return expanded


def _annotated(text: str, layers: list[dict[str, Any]], expanded: Network) -> str:
    """``text`` with each top-level layer's line ending in its output and parameters (a use's summed)."""
    rows = check_network(expanded, Options(fixes=False)).rows
    notes: dict[str, str] = {}
    for entry in layers:
        name = str(entry["name"])
        mine = [row for row in rows if row.name == name or str(row.name).startswith(name + ".")]
        params = sum(row.params or 0 for row in mine)
        if mine and mine[-1].output is not None:
            notes[name] = f"{mine[-1].output}" + (f", {params:,} params" if params else "")
    out = []
    top = False
    for line in text.splitlines(keepends=True):
        if line == "layers:\n":
            top = True
        elif top and line.startswith("  - {name: "):
            name = line[len("  - {name: "):].split(",", 1)[0].strip('"')
            if name in notes:
                line = f"{line.rstrip()}  # {notes[name]}\n"
        out.append(line)
    return "".join(out)

