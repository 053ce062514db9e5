"""The JSON Schema (2020-12) of the format, generated from the pydantic models.

``netcheck schema`` prints :func:`text`; ``schemas/netcheck.schema.json`` is that
text, committed (a test fails when they differ), and ``netcheck.json_schema()``
returns the same dict. Editors read it through yaml-language-server (the first
line of every spec names it), so every layer type and every field carries a
title, a description and an example.

Pydantic describes the models closely, but not everything the models accept or
everything an editor wants; :func:`build` adjusts its output so that the schema
accepts exactly the documents the models accept, schema-level mistakes being
concerned (integers written as ``2.0`` aside: JSON Schema counts them as
integers, netcheck refuses them):

* shapes and planes are a string *or* a mapping (or an integer, for a plane):
  the ``type: object`` pydantic leaves beside that ``anyOf`` is dropped;
* a layer's ``inputs`` also takes a single name, as the model does;
* the layer union becomes one ``Layer`` definition that names the known types
  (so an unknown type is reported as such, and editors complete it) and picks
  the layer's fields with ``oneOf``; pydantic's OpenAPI ``discriminator``, not a
  JSON Schema keyword, is dropped;
* layer types get a title, their ``type`` field a description, and each an
  example (each layer model's ``example``, checked by the tests against the models).
"""

from __future__ import annotations

import copy
import json
from typing import Any

from netcheck.spec import (
    LAYER_CLASSES,
    LAYER_TYPES,
    SUBSTITUTION_DESCRIPTION,
    SUBSTITUTION_PATTERN,
    Block,
    Network,
    Use,
)

SCHEMA_ID = "https://netcheck.invalid/schemas/netcheck.schema.json"
DIALECT = "https://json-schema.org/draft/2020-12/schema"

#: Examples of the value types the layers share.
VALUE_EXAMPLES: dict[str, list[Any]] = {
    "AxisPair": [{"width": 3, "height": 1}],
    "AxisPadding": [{"width": 1, "height": 0}],
    "Sides": [{"top": 0, "bottom": 1, "left": 0, "right": 1}],
    "CropSides": [{"top": 1, "left": 1}],
    "WeightStandardization": [{"gain": True, "gamma": 1.7139588594436646, "eps": 1e-5}],
    "ShapeSpec": ["224x224x3", {"width": 224, "height": 224, "depth": 3}],
    "PlaneSpec": ["7x7", 1, {"width": 7, "height": 7}],
    "LayerExpect": [{"shape": "14x14x20", "params": 3860}],
    "NetworkExpect": [{"output": "1x1x10", "params": 61706}],
}

#: A whole network, the example of the top-level schema (the quiz of FORMAT.md).
NETWORK_EXAMPLE: dict[str, Any] = {
    "netcheck": 1,
    "name": "udacity-quiz",
    "input": "32x32x3",
    "layers": [{"name": "conv1", "type": "conv2d", "filters": 20, "kernel": 8, "stride": 2, "padding": 1,
                "expect": {"shape": "14x14x20", "params": 3860}}],
    "expect": {"output": "14x14x20", "params": 3860},
}

_LAYER_DESCRIPTION = (
    "One layer: its `type` says which fields it takes. By default a layer reads the layer before it; "
    "`inputs` names others."
)


def build() -> dict[str, Any]:
    """The schema as a dict, with ``$schema``, ``$id``, titles, descriptions and examples."""
    schema = Network.model_json_schema(mode="validation")
    defs: dict[str, Any] = schema.pop("$defs")
    _merge_unions(defs)
    layer_refs = _layer_union(schema)
    for ref in layer_refs:
        _describe_layer(defs[ref.rsplit("/", 1)[-1]])
    for name, examples in VALUE_EXAMPLES.items():
        defs[name]["examples"] = copy.deepcopy(examples)
    defs["Layer"] = {
        "title": "layer",
        "description": _LAYER_DESCRIPTION,
        "type": "object",
        "required": ["type"],
        "properties": {"type": _type_property(list(LAYER_TYPES))},
        "oneOf": [{"$ref": ref} for ref in layer_refs],
        "examples": [LAYER_CLASSES[name].example for name in ("conv2d", "maxpool2d", "dense")],
    }
    schema["properties"]["layers"]["items"] = {"$ref": "#/$defs/Layer"}
    _add_blocks(schema, defs, layer_refs)
    for definition in (schema, *defs.values()):
        _title_properties(definition)
    schema.pop("title", None)
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "netcheck network spec, version 1",
        "description": "A convolutional network: an input volume and layers (netcheck format version 1).",
        **schema,
        "examples": [copy.deepcopy(NETWORK_EXAMPLE)],
        "$defs": dict(sorted(defs.items())),
    }


def _add_blocks(schema: dict[str, Any], defs: dict[str, Any], layer_refs: list[str]) -> None:
    """``blocks:`` and uses (FORMAT.md §8), from the ``Block`` and ``Use`` models.

    Uses are allowed among the layers only in a document that defines blocks (a
    flat spec's unknown type stays an error); a use's ``type`` may be any name
    but a built-in type. Inside a block every built-in layer is checked as
    usual, except that any value may also be a ``${…}`` substitution.
    """
    for model in (Block, Use):
        model_schema = model.model_json_schema(mode="validation", ref_template="#/$defs/{model}")
        for name, definition in model_schema.pop("$defs", {}).items():
            defs.setdefault(name, definition)
        defs[model.__name__] = model_schema
    use = defs["Use"]
    use["properties"]["type"]["not"] = {"enum": list(LAYER_TYPES)}
    use["examples"] = [Use.example]
    use["additionalProperties"] = {"description": "A param of the block."}
    defs["Substitution"] = {"title": "substitution", "type": "string", "pattern": SUBSTITUTION_PATTERN,
                            "description": SUBSTITUTION_DESCRIPTION, "examples": ["${filters * 4}"]}
    block_layers = []
    for ref in layer_refs:
        name = ref.rsplit("/", 1)[-1]
        variant = copy.deepcopy(defs[name])
        variant["title"] = f"{variant['title']} in a block"
        for key, prop in variant["properties"].items():
            if key != "type":
                variant["properties"][key] = _or_substitution(prop, key, defs)
        defs[f"{name}InBlock"] = variant
        block_layers.append({"$ref": f"#/$defs/{name}InBlock"})
    defs["BlockLayer"] = {
        "title": "layer in a block",
        "description": "A built-in layer (any value may be a ${…} substitution) or a use of another block.",
        "anyOf": [{"type": "object", "required": ["type"],
                   "properties": {"type": _type_property(list(LAYER_TYPES))}, "oneOf": block_layers},
                  {"$ref": "#/$defs/Use"}],
        "examples": [Block.model_fields["layers"].examples[0][0]],  # type: ignore[index]
    }
    defs["Block"]["properties"]["layers"]["items"] = {"$ref": "#/$defs/BlockLayer"}
    defs["Block"]["examples"] = [{"params": {"filters": None, "stride": 1},
                                  "layers": Block.model_fields["layers"].examples[0]}]  # type: ignore[index]
    schema["properties"]["blocks"] = {
        "title": "Blocks", "type": "object",
        "description": "Sub-networks with parameters, each usable as a layer type (FORMAT.md §8).",
        "propertyNames": {"pattern": r"^[^.]+$", "not": {"enum": [*LAYER_TYPES, "input"]}},
        "additionalProperties": {"$ref": "#/$defs/Block"},
        "examples": [{"basic": defs["Block"]["examples"][0]}],
    }
    schema["properties"]["layers"]["items"] = {"anyOf": [{"$ref": "#/$defs/Layer"}, {"$ref": "#/$defs/Use"}]}
    schema["if"] = {"required": ["blocks"]}
    schema["else"] = {"properties": {"layers": {"items": {"$ref": "#/$defs/Layer"}}}}


def _or_substitution(prop: dict[str, Any], key: str, defs: dict[str, Any]) -> dict[str, Any]:
    """A layer field inside a block: its own schema, or a ``${…}`` substitution."""
    target = defs.get(prop.get("$ref", "").rsplit("/", 1)[-1], {})
    examples = prop.get("examples") or target.get("examples") or []
    title = prop.get("title", key.replace("_", " ").title())
    return {"anyOf": [_substitutable(prop, defs), {"$ref": "#/$defs/Substitution"}], "title": title,
            "description": prop.get("description") or target.get("description") or f"The {key}.",
            "examples": [*copy.deepcopy(examples[:1]), f"${{{key}}}"]}


_SCALARS = frozenset({"integer", "number", "boolean"})


def _substitutable(part: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """``part`` with every number or flag inside it (a list item, a mapping's value) also a substitution.

    A definition it refers to gets an ``…InBlock`` twin, made once.
    """
    if "$ref" in part:
        name = part["$ref"].rsplit("/", 1)[-1]
        twin = f"{name}InBlock"
        if twin not in defs:
            defs[twin] = {}
            defs[twin] = _substitutable(defs[name], defs)
        return {**part, "$ref": f"#/$defs/{twin}"}
    result = dict(part)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        if key in part:
            result[key] = [_substitutable(item, defs) for item in part[key]]
    if isinstance(part.get("items"), dict):
        result["items"] = _substitutable(part["items"], defs)
    if "properties" in part:
        result["properties"] = {key: _substitutable(value, defs) for key, value in part["properties"].items()}
    if isinstance(part.get("additionalProperties"), dict):
        result["additionalProperties"] = _substitutable(part["additionalProperties"], defs)
    if part.get("type") in _SCALARS:
        wrapper: dict[str, Any] = {"anyOf": [result, {"$ref": "#/$defs/Substitution"}]}
        for key in ("title", "description"):
            if key in part:
                wrapper[key] = part[key]
        if "examples" in part:
            wrapper["examples"] = [*part["examples"][:1], "${" + str(part.get("title", "n")).lower() + "}"]
        return wrapper
    return result


def text() -> str:
    """The schema as the JSON text committed in ``schemas/netcheck.schema.json``."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"


def _merge_unions(defs: dict[str, Any]) -> None:
    """A definition that is an ``anyOf`` (a shape: string or mapping) is not itself an object."""
    for definition in defs.values():
        if "anyOf" in definition:
            for key in ("type", "additionalProperties", "patternProperties", "properties", "required"):
                definition.pop(key, None)


def _layer_union(schema: dict[str, Any]) -> list[str]:
    """The ``$ref`` of every layer model, in the order of ``netcheck.spec.Layer``."""
    items = schema["properties"]["layers"]["items"]
    return [alternative["$ref"] for alternative in items["oneOf"]]


def _type_property(types: list[str]) -> dict[str, Any]:
    """The ``type`` field: one layer type (``const``) or any of them (``enum``)."""
    if len(types) == 1:
        return {"const": types[0], "type": "string", "title": "Type",
                "description": f"The layer type: `{types[0]}`.", "examples": types}
    return {"enum": types, "type": "string", "title": "Type",
            "description": "The layer type; it decides which other fields the layer takes.",
            "examples": ["conv2d", "maxpool2d", "dense"]}


def _describe_layer(definition: dict[str, Any]) -> None:
    """Title, ``type`` description, single-name ``inputs`` and an example for one layer model."""
    properties = definition["properties"]
    layer_type = properties["type"]["const"]
    definition["title"] = f"{layer_type} layer"
    properties["type"] = _type_property([layer_type])
    inputs = properties.get("inputs", {})
    alternatives = inputs.get("anyOf", [])
    arrays = [alternative for alternative in alternatives if alternative.get("type") == "array"]
    if arrays and arrays[0].get("minItems", 0) <= 1:  # a merge's two or more names cannot be one string
        alternatives.insert(0, copy.deepcopy(arrays[0]["items"]))
    definition["examples"] = [LAYER_CLASSES[layer_type].example]


def _title_properties(definition: dict[str, Any]) -> None:
    """Give every property a title (pydantic leaves none beside a ``$ref``), recursing into unions."""
    for name, prop in definition.get("properties", {}).items():
        prop.setdefault("title", name.replace("_", " ").title())
    for alternative in definition.get("anyOf", []):
        _title_properties(alternative)
