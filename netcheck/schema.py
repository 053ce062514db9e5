"""The JSON Schema (2020-12) of the format, generated from the pydantic models."""

from __future__ import annotations

import json
from typing import Any

from netcheck.spec import Network

SCHEMA_ID = "https://netcheck.invalid/schemas/netcheck.schema.json"


def build() -> dict[str, Any]:
    """The schema as a dict, with ``$schema``, ``$id`` and a description."""
    schema = Network.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **schema,
        "description": "A convolutional network: an input volume and layers (netcheck format version 1).",
    }


def text() -> str:
    """The schema as the JSON text committed in ``schemas/netcheck.schema.json``."""
    return json.dumps(build(), indent=2, ensure_ascii=False) + "\n"
