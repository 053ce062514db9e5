"""The quick road from plain data to layer records, for documents that are valid.

Importing pydantic and building the models costs more than checking a LeNet,
and pre-commit pays it on every commit. This loader accepts only what it is
sure the pydantic models (``netcheck.spec``) accept, and gives the same values
as plain records with the same attributes; at the least doubt it returns None
and the models decide, and explain. It may refuse more than the models (that
only costs time); it must never accept more. ``tests/test_fastload.py`` checks
both, on every spec, every broken spec and generated documents.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from netcheck.vocabulary import (
    ACTIVATIONS,
    COUNTS,
    MAX_COUNT,
    MAX_NAME,
    MAX_SIZE,
    PLANE_TEXT,
    ROUNDINGS,
    SHAPE_TEXT,
    Shape,
)


class Refused(Exception):
    """The quick road declines: the models must look at this document."""


class Record:
    """Attributes as the models have them (a layer, a size per axis, an expectation)."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return f"Record({', '.join(f'{key}={value!r}' for key, value in self.__dict__.items())})"

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)

    def model_copy(self, *, update: dict[str, Any]) -> Any:
        """A copy with some attributes changed (as pydantic's ``model_copy``)."""
        copy = type(self)(**self.__dict__)
        copy.__dict__.update(update)
        return copy

    def model_dump(self) -> dict[str, Any]:
        """The attributes as plain data (as pydantic's ``model_dump``, for sizes and shapes)."""
        return {key: value.model_dump() if isinstance(value, Record) else value
                for key, value in self.__dict__.items() if not key.startswith("_")}


class ShapeRecord(Record):
    """A volume as written, with the plain triple as ``shape`` (as ``ShapeSpec``)."""

    width: int
    height: int
    depth: int

    @property
    def shape(self) -> Shape:
        """The plain (width, height, depth) triple."""
        return Shape(self.width, self.height, self.depth)


class NetworkRecord(Record):
    """A network as the quick road reads it, with the file's locator as ``_source`` (as ``Network``)."""

    layers: list[Record]
    _source: Any


Check = Callable[[Any], Any]


def _mapping(value: Any) -> dict[str, Any]:
    if type(value) is not dict:
        raise Refused
    if any(type(key) is not str for key in value):
        raise Refused
    return {key: item for key, item in value.items() if not key.startswith("x-")}


def _integer(low: int, high: int) -> Check:
    def check(value: Any) -> int:
        if type(value) is not int or not low <= value <= high:
            raise Refused
        return value

    return check


def _real(low: float, high: float, low_open: bool = False) -> Check:
    def check(value: Any) -> float:
        if type(value) not in (int, float) or not math.isfinite(value) or not low <= value <= high:
            raise Refused
        if low_open and value == low:
            raise Refused
        return float(value) if type(value) is float else value

    return check


def _boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise Refused
    return value


def _one_of(*words: str) -> Check:
    def check(value: Any) -> str:
        if type(value) is not str or value not in words:
            raise Refused
        return value

    return check


def _text(value: Any) -> str:
    if type(value) is not str or not 1 <= len(value) <= MAX_NAME:
        raise Refused
    return value


def _free_text(value: Any) -> str:
    if type(value) is not str:
        raise Refused
    return value


def _name(value: Any) -> str:
    if type(value) is not str or not 1 <= len(value) <= MAX_NAME or not value.isprintable():
        raise Refused
    return value


def _names(least: int, most: int | None = None) -> Check:
    def check(value: Any) -> list[str]:
        items = [value] if type(value) is str else value
        if type(items) is not list or len(items) < least or (most is not None and len(items) > most):
            raise Refused
        return [_name(item) for item in items]

    return check


POSITIVE = _integer(1, MAX_SIZE)
NON_NEGATIVE = _integer(0, MAX_SIZE)
COUNT = _integer(0, MAX_COUNT)


def _per_axis(axis_check: Check) -> Check:
    def check(value: Any) -> int | Record:
        if type(value) is int:
            return int(axis_check(value))
        fields = _mapping(value)
        if set(fields) != {"width", "height"}:
            raise Refused
        return Record(width=axis_check(fields["width"]), height=axis_check(fields["height"]))

    return check


SIZE = _per_axis(POSITIVE)
AXIS_PADDING = _per_axis(NON_NEGATIVE)


def _padding(value: Any) -> int | str | Record:
    if type(value) is str and value in ("same", "valid"):
        return value
    result: int | str | Record = AXIS_PADDING(value)
    return result


def _sides(value: Any) -> int | Record:
    if type(value) is int:
        return int(NON_NEGATIVE(value))
    fields = _mapping(value)
    if not set(fields) <= {"top", "bottom", "left", "right"}:
        raise Refused
    return Record(**{side: NON_NEGATIVE(fields.get(side, 0)) for side in ("top", "bottom", "left", "right")})


def _shape(value: Any) -> ShapeRecord:
    if type(value) is str:
        match = SHAPE_TEXT.match(value)
        if match is None:
            raise Refused
        width, height, depth = (POSITIVE(int(group)) for group in match.groups())
        return ShapeRecord(width=width, height=height, depth=depth)
    fields = _mapping(value)
    if set(fields) != {"width", "height", "depth"}:
        raise Refused
    return ShapeRecord(**{axis: POSITIVE(fields[axis]) for axis in ("width", "height", "depth")})


def _plane(value: Any) -> Record:
    if type(value) is int:
        side = POSITIVE(value)
        return Record(width=side, height=side)
    if type(value) is str:
        match = PLANE_TEXT.match(value)
        if match is None:
            raise Refused
        width, height = (POSITIVE(int(group)) for group in match.groups())
        return Record(width=width, height=height)
    fields = _mapping(value)
    if set(fields) != {"width", "height"}:
        raise Refused
    return Record(width=POSITIVE(fields["width"]), height=POSITIVE(fields["height"]))


def _optional(check: Check) -> Check:
    def optional(value: Any) -> Any:
        return None if value is None else check(value)

    return optional


def _expect(shape_key: str) -> Check:
    checks = {shape_key: _shape, **{count: COUNT for count in COUNTS}}

    def check(value: Any) -> Record:
        record: Record = _record(value, {key: (False, None, _optional(item)) for key, item in checks.items()})
        return record

    return check


Field = tuple[bool, Any, Check]  # required, default, check
_REQUIRED = object()

_COMMON: dict[str, Field] = {
    "name": (False, None, _optional(_name)),
    "inputs": (False, None, _optional(_names(1, 1))),
    "expect": (False, None, _optional(_expect("shape"))),
}
_ACTIVATION: Field = (False, None, _optional(_one_of(*ACTIVATIONS)))
_ROUNDING: Field = (False, None, _optional(_one_of(*ROUNDINGS)))
_BIAS: Field = (False, True, _boolean)
_WINDOW: dict[str, Field] = {"kernel": (True, None, SIZE), "padding": (False, 0, _padding),
                             "dilation": (False, 1, SIZE)}

LAYERS: dict[str, dict[str, Field]] = {
    "conv2d": {**_WINDOW, "filters": (True, None, POSITIVE), "stride": (False, 1, SIZE),
               "groups": (False, 1, POSITIVE), "bias": _BIAS, "activation": _ACTIVATION, "rounding": _ROUNDING},
    "conv_transpose2d": {**_WINDOW, "filters": (True, None, POSITIVE), "stride": (False, 1, SIZE),
                         "output_padding": (False, 0, AXIS_PADDING), "groups": (False, 1, POSITIVE),
                         "bias": _BIAS, "activation": _ACTIVATION},
    "maxpool2d": {**_WINDOW, "stride": (False, None, _optional(SIZE)), "rounding": _ROUNDING},
    "avgpool2d": {"kernel": (True, None, SIZE), "padding": (False, 0, _padding),
                  "stride": (False, None, _optional(SIZE)), "rounding": _ROUNDING,
                  "count_include_pad": (False, True, _boolean)},
    "global_avgpool2d": {},
    "global_maxpool2d": {},
    "adaptive_avgpool2d": {"output": (True, None, _plane)},
    "adaptive_maxpool2d": {"output": (True, None, _plane)},
    "zeropad2d": {"padding": (True, None, _sides)},
    "upsample2d": {"scale": (True, None, SIZE), "mode": (False, "nearest", _one_of("nearest", "bilinear"))},
    "flatten": {},
    "dense": {"units": (True, None, POSITIVE), "bias": _BIAS, "activation": _ACTIVATION},
    "batchnorm2d": {"affine": (False, True, _boolean), "eps": (False, 1e-5, _real(0, math.inf, low_open=True)),
                    "momentum": (False, 0.1, _real(0, 1))},
    "lrn": {"size": (False, 5, POSITIVE), "alpha": (False, 1e-4, _real(-math.inf, math.inf)),
            "beta": (False, 0.75, _real(-math.inf, math.inf)), "k": (False, 1.0, _real(-math.inf, math.inf))},
    "dropout": {"rate": (False, 0.5, _real(0, 1))},
    "activation": {"function": (True, None, _one_of(*ACTIVATIONS)),
                   "negative_slope": (False, None, _optional(_real(-math.inf, math.inf)))},
    "add": {"inputs": (True, None, _names(2))},
    "concat": {"inputs": (True, None, _names(2))},
}

NETWORK: dict[str, Field] = {
    "netcheck": (False, 1, _integer(1, 1)),
    "name": (True, None, _text),
    "description": (False, None, _optional(_free_text)),
    "input": (True, None, _shape),
    "rounding": (False, "strict", _one_of(*ROUNDINGS)),
    "expect": (False, None, _optional(_expect("output"))),
}


def _record(value: Any, fields: dict[str, Field], kind: type[Record] = Record, **known: Any) -> Any:
    given = _mapping(value)
    if not set(given) <= set(fields) | set(known):
        raise Refused
    values = dict(known)
    for key, (required, default, check) in fields.items():
        if key in given:
            values[key] = check(given[key])
        elif required:
            raise Refused
        else:
            values[key] = default
    return kind(**values)


def _layer(value: Any) -> Record:
    given = _mapping(value)
    kind = given.get("type")
    if type(kind) is not str or kind not in LAYERS:
        raise Refused
    fields = {**_COMMON, **LAYERS[kind]}
    record: Record = _record(value, fields, type=kind)
    return record


def quick_network(data: Any) -> NetworkRecord | None:
    """Layer records for a document the models surely accept, else None."""
    try:
        network: NetworkRecord = _record(data, NETWORK, NetworkRecord, layers=None)
        layers = _mapping(data).get("layers")
        if type(layers) is not list or not layers:
            return None
        network.layers = [_layer(layer) for layer in layers]
    except (Refused, ValueError, TypeError, RecursionError):
        return None
    return network
