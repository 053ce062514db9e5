"""Writes ``netcheck/_quick_table.py``, the quick road's field table, from the pydantic models.

The models in ``netcheck.spec`` are the one definition of the format. The quick
road (``netcheck.fastload``) must not import pydantic, so it reads this
generated table instead: for every model, the before-validators it runs (named
functions of ``netcheck.vocabulary``, which the models' validators call too)
and for every field whether it is required, its default and its check::

    ("int", low, high)                   exactly an int (not a bool), low ≤ v ≤ high
    ("float", low, low_open, high, high_open)   an int or a finite float in range
    ("bool",)                            exactly a bool
    ("str", min_length, max_length, pattern)
    ("literal", (value, ...))            one of the values, of the same type
    ("optional", check)                  None, or what ``check`` accepts
    ("union", (check, ...))              the first alternative that accepts
    ("list", item, min_length, max_length)
    ("model", name)                      checked against the model ``name`` (after its preparations)
    ("tagged", key, {tag: model name})   a mapping whose ``key`` picks the model
    ("prepared", (function, ...), check) the value through the functions first

The table also holds a digest of ``spec.py`` and ``vocabulary.py``: when the
sources no longer match the table (a limit changed in the models, the table
not regenerated), ``fastload`` declines every document and the models decide,
so the verdict is the models' with no other edit; ``tests/test_fastload.py``
fails until the table is regenerated::

    python -m netcheck.quicktable --write    # rewrite netcheck/_quick_table.py
    python -m netcheck.quicktable --check    # exit 1 when it is stale

Anything the generator does not understand (a validator with no counterpart in
``vocabulary``, a constraint it cannot express, union alternatives that accept
the same Python type) stops it with an error: the table never guesses.
"""

from __future__ import annotations

import argparse
import pprint
import sys
import types
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from netcheck import spec, vocabulary
from netcheck.fastload import sources_digest

PACKAGE = Path(__file__).resolve().parent
TABLE_FILE = PACKAGE / "_quick_table.py"

Check = tuple[Any, ...]


class _Tables:
    """The models met while walking the network's fields, each described once."""

    def __init__(self) -> None:
        self.models: dict[str, tuple[tuple[str, ...], dict[str, tuple[bool, Any, Check]]]] = {}

    def model(self, model: type[BaseModel]) -> str:
        name = model.__name__
        if name not in self.models:
            self.models[name] = ((), {})
            fields = {key: self.field(model, key, info) for key, info in model.model_fields.items()}
            self.models[name] = (_model_preparations(model), fields)
        return name

    def field(self, model: type[BaseModel], key: str, info: FieldInfo) -> tuple[bool, Any, Check]:
        check = self.check(info.annotation, info.metadata)
        prepare = _field_preparations(model, key)
        if prepare:
            check = ("prepared", prepare, check)
        if info.default_factory is not None:
            raise TypeError(f"{model.__name__}.{key}: default factories are not supported")
        default = None if info.default is PydanticUndefined else info.default
        return (info.is_required(), default, check)

    def check(self, annotation: Any, metadata: list[Any]) -> Check:
        origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
        if origin is typing.Annotated:
            inner, *extra = arguments
            more = [item for info in extra if isinstance(info, FieldInfo) for item in info.metadata]
            if any(not isinstance(info, FieldInfo) and not isinstance(info, annotated_types.BaseMetadata)
                   for info in extra):
                raise TypeError(f"unsupported annotation metadata in {annotation!r}")
            more += [info for info in extra if isinstance(info, annotated_types.BaseMetadata)]
            discriminator = next((info.discriminator for info in extra
                                  if isinstance(info, FieldInfo) and info.discriminator), None)
            if discriminator is not None:
                return self.tagged(inner, str(discriminator))
            return self.check(inner, [*metadata, *more])
        if origin in (typing.Union, types.UnionType):
            return self.union(arguments, metadata)
        if origin is list:
            low, high = _lengths(metadata)
            return ("list", self.check(arguments[0], []), low, high)
        return self.leaf(annotation, origin, arguments, metadata)

    def union(self, alternatives: tuple[Any, ...], metadata: list[Any]) -> Check:
        present = [item for item in alternatives if item is not type(None)]
        checks = tuple(self.check(item, metadata) for item in present)
        self.disjoint(checks)
        single = checks[0] if len(checks) == 1 else ("union", checks)
        return ("optional", single) if len(present) < len(alternatives) else single

    def leaf(self, annotation: Any, origin: Any, arguments: tuple[Any, ...], metadata: list[Any]) -> Check:
        if origin is typing.Literal:
            _no_constraints(annotation, metadata)
            return ("literal", arguments)
        if annotation is bool:
            _no_constraints(annotation, metadata)
            return ("bool",)
        if annotation is int:
            low, low_open, high, high_open = _bounds(metadata)
            if low_open or high_open:
                raise TypeError("integer bounds must be ge/le")
            return ("int", low, high)
        if annotation is float:
            if _general(metadata).get("allow_inf_nan", True):
                raise TypeError("float fields must set allow_inf_nan=False")
            return ("float", *_bounds(metadata))
        if annotation is str:
            low, high = _lengths(metadata)
            return ("str", low, high, _general(metadata).get("pattern"))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            _no_constraints(annotation, metadata)
            return ("model", self.model(annotation))
        raise TypeError(f"unsupported field type {annotation!r}")

    def accepted(self, check: Check) -> set[type]:
        """The Python types of the values ``check`` may accept."""
        kind = check[0]
        if kind == "literal":
            return {type(value) for value in check[1]}
        if kind == "union":
            return set().union(*(self.accepted(item) for item in check[1]))
        if kind in ("optional", "prepared"):
            return self.accepted(check[-1])
        if kind == "model":
            preparations = self.models[check[1]][0]
            return ACCEPTS["model"].union(*(PREPARED_ACCEPTS.get(name, set()) for name in preparations))
        return ACCEPTS[kind]

    def disjoint(self, checks: tuple[Check, ...]) -> None:
        """Union alternatives must accept different Python types, so that the first match is pydantic's."""
        seen: set[type] = set()
        for check in checks:
            accepted = self.accepted(check)
            if accepted & seen:
                raise TypeError(f"union alternatives overlap on {accepted & seen}: the quick road cannot choose")
            seen |= accepted

    def tagged(self, union: Any, key: str) -> Check:
        models = typing.get_args(union)
        tags: dict[str, str] = {}
        for model in models:
            (tag,) = typing.get_args(model.model_fields[key].annotation)
            tags[tag] = self.model(model)
        return ("tagged", key, tags)


def _model_preparations(model: type[BaseModel]) -> tuple[str, ...]:
    """The model's before-validators in the order pydantic runs them (the last defined first)."""
    decorators = model.__pydantic_decorators__
    if decorators.field_validators and any(item.info.mode != "before"
                                           for item in decorators.field_validators.values()):
        raise TypeError(f"{model.__name__}: only before field-validators are supported")
    names = []
    for item in decorators.model_validators.values():
        if item.info.mode != "before":
            raise TypeError(f"{model.__name__}: only before model-validators are supported")
        names.append(_counterpart(model, item.cls_var_name))
    return tuple(reversed(names))


def _field_preparations(model: type[BaseModel], key: str) -> tuple[str, ...]:
    found = [_counterpart(model, item.cls_var_name)
             for item in model.__pydantic_decorators__.field_validators.values() if key in item.info.fields]
    return tuple(reversed(found))


def _counterpart(model: type[BaseModel], validator: str) -> str:
    """The ``vocabulary`` function a validator ``_name`` delegates to: ``name``."""
    name = validator.lstrip("_")
    if not callable(getattr(vocabulary, name, None)):
        raise TypeError(f"{model.__name__}.{validator} has no counterpart vocabulary.{name}: the quick road "
                        "could not do what it does")
    return name


def _bounds(metadata: list[Any]) -> tuple[Any, bool, Any, bool]:
    low: Any = None
    high: Any = None
    low_open = high_open = False
    for item in metadata:
        if isinstance(item, annotated_types.Ge):
            low = item.ge
        elif isinstance(item, annotated_types.Gt):
            low, low_open = item.gt, True
        elif isinstance(item, annotated_types.Le):
            high = item.le
        elif isinstance(item, annotated_types.Lt):
            high, high_open = item.lt, True
        elif not _is_general(item) or set(_general([item])) - {"allow_inf_nan"}:
            raise TypeError(f"unsupported number constraint {item!r}")
    return (low, low_open, high, high_open)


def _lengths(metadata: list[Any]) -> tuple[int, int | None]:
    low, high = 0, None
    for item in metadata:
        if isinstance(item, annotated_types.MinLen):
            low = item.min_length
        elif isinstance(item, annotated_types.MaxLen):
            high = item.max_length
        elif not _is_general(item) or set(_general([item])) - {"pattern"}:
            raise TypeError(f"unsupported length constraint {item!r}")
    return (low, high)


def _is_general(item: Any) -> bool:
    """pydantic's catch-all constraint record; pydantic 2.14 writes ``allow_inf_nan`` as its own ``AllowInfNan``."""
    return type(item).__name__ in ("_PydanticGeneralMetadata", "AllowInfNan")


def _general(metadata: list[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in metadata:
        if _is_general(item):
            found.update(item.__dict__)
    return found


def _no_constraints(annotation: Any, metadata: list[Any]) -> None:
    if metadata:
        raise TypeError(f"unsupported constraints {metadata!r} on {annotation!r}")


#: The Python types each kind of check accepts (to keep union alternatives apart).
ACCEPTS: dict[str, set[type]] = {"int": {int}, "float": {int, float}, "bool": {bool}, "str": {str},
                                 "model": {dict}, "tagged": {dict}, "list": {list}}
#: What a preparation lets a model accept besides a mapping.
PREPARED_ACCEPTS: dict[str, set[type]] = {"shape_fields": {str}, "plane_fields": {str, int}}


def generate() -> str:
    """The text of ``netcheck/_quick_table.py``."""
    tables = _Tables()
    network = tables.model(spec.Network)
    body = pprint.pformat(tables.models, width=116, sort_dicts=False)
    return (
        '"""Generated by ``python -m netcheck.quicktable --write`` from ``netcheck.spec``: do not edit.\n\n'
        'The format of the entries is described in ``netcheck/quicktable.py``.\n"""\n\n'
        "# fmt: off\n"
        f"DIGEST = {sources_digest()!r}\n\n"
        f"NETWORK = {network!r}\n\n"
        f"MODELS = {body}\n\n"
        "#: The fields of the block models (FORMAT.md §8), for ``netcheck.blocks``; the models check them.\n"
        f"BLOCK_FIELDS = {pprint.pformat(_field_names(), width=100, sort_dicts=False)}\n"
    )


def _field_names() -> dict[str, tuple[str, ...]]:
    return {model.__name__: tuple(model.model_fields) for model in (spec.Use, spec.Block)}


def main(argv: list[str] | None = None) -> int:
    """Write or check the generated table."""
    parser = argparse.ArgumentParser(prog="python -m netcheck.quicktable", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite netcheck/_quick_table.py")
    parser.add_argument("--check", action="store_true", help="exit 1 when netcheck/_quick_table.py is stale")
    arguments = parser.parse_args(argv)
    text = generate()
    if arguments.write:
        TABLE_FILE.write_text(text, encoding="utf-8")
        return 0
    if arguments.check:
        current = TABLE_FILE.read_text(encoding="utf-8") if TABLE_FILE.exists() else ""
        if current != text:
            print("netcheck/_quick_table.py is stale: run `python -m netcheck.quicktable --write`", file=sys.stderr)
            return 1
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
