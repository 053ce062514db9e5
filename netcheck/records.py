"""The one record type the engine runs on: a network, a layer, a size per axis, a shape.

Both roads end here: the quick road (``netcheck.fastload``) builds records
straight from plain data, and a validated pydantic ``netcheck.Network`` is
turned into the same records by :func:`from_model`. Records have the models'
attribute names and values (defaults filled in), nothing else. A leaf module:
it imports nothing of the project but the result records.
"""

from __future__ import annotations

from typing import Any

from netcheck.results import Shape


class _VolumeShape:
    """``record.shape`` of a volume: its plain (width, height, depth) triple.

    Not a property: a field named ``shape`` (a layer's ``expect.shape``) is an
    instance attribute and wins over this.
    """

    def __get__(self, record: Any, owner: Any = None) -> Any:
        return Shape(record.width, record.height, record.depth)


class Record:
    """Attributes as the models have them, with ``replace`` for edited copies."""

    __hash__ = None  # type: ignore[assignment]
    _source: Any  # where a network's records came from (a ``netcheck.source.Locator``), when from a file

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return f"Record({', '.join(f'{key}={value!r}' for key, value in self.__dict__.items())})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Record) and self.__dict__ == other.__dict__

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)

    def get(self, name: str, default: Any = None) -> Any:
        """The attribute ``name``, or ``default`` when this kind of record has no such field."""
        return self.__dict__.get(name, default)

    def replace(self, **changes: Any) -> Record:
        """A copy with some attributes changed."""
        copy = type(self)(**self.__dict__)
        copy.__dict__.update(changes)
        return copy

    def as_data(self) -> dict[str, Any]:
        """The fields as plain data (nested records too), as they would be written."""
        return {key: value.as_data() if isinstance(value, Record) else value
                for key, value in self.__dict__.items() if not key.startswith("_")}

    shape = _VolumeShape()


def from_model(model: Any) -> Any:
    """The records of a validated pydantic model (``netcheck.Network`` and what it holds).

    Duck-typed on ``model_fields``, so that this module needs no pydantic.
    """
    fields = getattr(type(model), "model_fields", None)
    if isinstance(fields, dict):
        record = Record(**{key: from_model(getattr(model, key)) for key in fields})
        source = getattr(model, "_source", None)
        if source is not None:
            record._source = source
        return record
    if isinstance(model, list):
        return [from_model(item) for item in model]
    return model
