"""Blocks (FORMAT.md §8): whether a document needs expanding, and the door to ``netcheck.expansion``.

Every file passes through here, so this module is light: a document without
``blocks:`` and without a dotted layer name costs one dictionary lookup and a
scan of its names, and never imports the expansion machinery.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from netcheck.results import Limits

if TYPE_CHECKING:
    from netcheck.expansion import Expansion


def dotted_names(data: dict[str, Any]) -> Iterator[tuple[int, str]]:
    """``(index, name)`` of each top-level layer whose written name has a dot (reserved for expanded names)."""
    layers = data.get("layers")
    if isinstance(layers, list):
        for index, layer in enumerate(layers):
            name = layer.get("name") if isinstance(layer, dict) else None
            if isinstance(name, str) and "." in name:
                yield index, name


def expand(document: Any, limits: Limits = Limits()) -> Expansion | None:
    """The flat network of ``document`` (a ``netcheck.source.Document``) when it defines blocks, else None.

    A document without ``blocks:`` needs no expansion; its dotted layer names
    are still reported, as an expansion with the violations and the data unchanged.
    """
    data = document.data
    if not isinstance(data, dict) or ("blocks" not in data and next(dotted_names(data), None) is None):
        return None
    from netcheck import expansion

    return expansion.expand(document, limits)
