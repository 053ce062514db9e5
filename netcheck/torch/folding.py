"""import-torch with blocks: fold a flat imported network back into the module tree it came from (FORMAT.md §8).

Every submodule whose layers run one after another, read one input and give
one output (a ResNet ``Bottleneck``, a ``Sequential`` stage) becomes a use of a
block; its layers get their local names (``conv1``, ``0``), so the expanded
names are PyTorch's qualified names (``layer1.0.conv1``) and ``state_dict``
keys line up. Submodules with the same structure share one block: the values
that differ between them become params (one param for values that are always
equal, ``${p * k}`` for a whole multiple of one), the rest stay literals. A
``Sequential`` of identical uses is one use with ``repeat``. A submodule that
does not fit (several inputs, layers read from outside) stays inline, its
layers and uses named with its name in front (``backbone_4``), as in the flat
spec.

Nothing is folded when no submodule repeats. The folded document is checked
before it is returned: expanded by netcheck,
it must give the flat network's layers (names, types, fields) in order;
otherwise ``fold`` returns None and the flat spec is written.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

INPUT = "input"
_IDENTIFIER = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True, slots=True)
class ModuleMap:
    """What ``from_module`` knew of the module tree: each layer's module path (local name last), each class."""

    paths: dict[str, tuple[str, ...]]
    kinds: dict[tuple[str, ...], str]


@dataclass(slots=True)
class Item:
    """One layer of the flat spec: its name, module path (local name last), entry (fields) and source names."""

    name: str
    path: tuple[str, ...]
    entry: dict[str, Any]
    sources: list[str]
    defaults: dict[str, Any] = field(default_factory=dict)  # number fields left out of ``entry``, at their defaults

    def numbers(self) -> dict[str, Any]:
        """The layer's number fields, written or default: what may become a param."""
        written = {key: value for key, value in self.entry.items() if is_number(value)}
        return {**self.defaults, **written}


@dataclass(slots=True)
class _Use:
    """A submodule read as a use: its local name, the shape of its body, and its values."""

    local: str
    body: list[Any]  # of _Member
    last: str  # the flat name of its output layer
    source: str  # the flat name it reads
    kind: str  # the submodule's class name
    path: tuple[str, ...] = ()
    block: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    repeat: int = 1


@dataclass(slots=True)
class _Layer:
    local: str
    item: Item


_Member = _Use | _Layer


def fold(items: Sequence[Item], kinds: dict[tuple[str, ...], str], reserved: Sequence[str]) -> \
        tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """The ``blocks:`` mapping and top-level layers of ``items`` folded by their module paths, or None.

    None when no submodule's kind is used twice (or repeated).

    ``kinds`` names each submodule's class by path; ``reserved`` lists the
    names a block may not take (the built-in layer types).
    """
    members = _level((), list(items), kinds)
    folder = _Folder(set(reserved))
    for member in members:
        if isinstance(member, _Use):
            folder.assign(member)
    folder.define_all()
    if not folder.repeats and all(len(uses) < 2 for uses in folder.instances.values()):
        return None  # nothing repeats: blocks would only add lines
    layers = folder.entries(members, INPUT, {})
    return folder.blocks, layers


# The module tree ----------------------------------------------------------------------------------------------------


def _level(prefix: tuple[str, ...], items: list[Item], kinds: dict[tuple[str, ...], str]) -> list[_Member]:
    """The members of the module at ``prefix``: its own layers, and its children as uses where they fit."""
    depth = len(prefix)
    runs: list[tuple[str | None, list[Item]]] = []
    for item in items:
        child = item.path[depth] if len(item.path) > depth + 1 else None
        if runs and child is not None and runs[-1][0] == child:
            runs[-1][1].append(item)
        else:
            runs.append((child, [item]))
    seen: dict[str, int] = {}
    for child, _run in runs:
        if child is not None:
            seen[child] = seen.get(child, 0) + 1
    direct = {item.path[depth] for item in items if len(item.path) == depth + 1}  # a layer named as a submodule
    members: list[_Member] = []
    for child, run in runs:
        use = None
        if child is not None and seen[child] == 1 and child not in direct:
            use = _as_use((*prefix, child), run, items, kinds)
        if use is not None:
            members.append(use)
        elif child is None or seen[child] > 1:  # a layer here, or a submodule run in several stretches
            members.extend(_Layer("_".join(item.path[depth:]), item) for item in run)
        else:  # not a use itself (two outputs, say): its own submodules still may be
            for member in _level((*prefix, child), run, kinds):
                member.local = f"{child}_{member.local}"
                members.append(member)
    return members


def _as_use(path: tuple[str, ...], run: list[Item], items: list[Item],
            kinds: dict[tuple[str, ...], str]) -> _Use | None:
    inside = {item.name for item in run}
    outside = {source for item in run for source in item.sources if source not in inside}
    last = run[-1].name
    read_inside = any(source in inside and source != last for item in items if item.name not in inside
                      for source in item.sources)
    if len(outside) != 1 or read_inside or len(run) < 2:
        return None
    body = _level(path, run, kinds)
    return _Use(path[-1], body, last, next(iter(outside)), kinds.get(path, "Module"), path)


# Blocks -------------------------------------------------------------------------------------------------------------


class _Folder:
    """Gives each body shape a block (first pass), then each block its params, inner blocks first."""

    def __init__(self, reserved: set[str]) -> None:
        self.reserved = reserved | {INPUT}
        self.blocks: dict[str, Any] = {}
        self.shapes: dict[Any, str] = {}
        self.instances: dict[str, list[_Use]] = {}
        self.repeats: list[tuple[_Use, _Use]] = []  # (the use with repeat, the first of its equal inner uses)

    def assign(self, use: _Use) -> None:
        """Bottom up: the block of every use in ``use``, then its own (a Sequential of equal uses: a repeat)."""
        for member in use.body:
            if isinstance(member, _Use):
                self.assign(member)
        inner = _repeated(use)
        if inner is not None:
            use.block, use.repeat = inner.block, len(use.body)
            self.repeats.append((use, inner))
            return
        shape = _shape(use)
        if shape not in self.shapes:
            self.shapes[shape] = self._new_name(use)
            self.instances[self.shapes[shape]] = []
        use.block = self.shapes[shape]
        self.instances[use.block].append(use)

    def define_all(self) -> None:
        """Each block from all its uses, in the order they were found (a block's inner blocks come first)."""
        for block in self.instances:
            self._define(block)
            for use, inner in self.repeats:
                if inner.block == block:
                    use.params = dict(inner.params)

    def _new_name(self, use: _Use) -> str:
        if use.kind in ("Sequential", "ModuleList", "ModuleDict", "Module"):
            base = next((part for part in reversed(use.path) if not part.isdigit()), "block")
            base = re.sub(r"[0-9_]+$", "", base) or "block"
        else:
            base = re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", use.kind).lower()
        base = _IDENTIFIER.sub("_", base).strip("_") or "block"
        name, suffix = base, 1
        while name in self.reserved or name in self.shapes.values():
            suffix += 1
            name = f"{base}_{suffix}"
        return name

    def _define(self, block: str) -> None:
        """The block from all its uses: values that differ between them become params."""
        uses = self.instances[block]
        slots = [_values(use) for use in uses]
        params: dict[str, Any] = {}
        formulas: dict[tuple[int, str], str] = {}
        vectors: list[tuple[str, list[Any]]] = []
        for slot in slots[0]:
            column = [values[slot] for values in slots]
            if all(value == column[0] for value in column):
                continue
            formulas[slot] = _formula(slot, column, vectors, params)
        for use, values in zip(uses, slots):
            use.params = {name: values[origin] for name, origin in _origins(formulas).items()}
        self.blocks[block] = {"params": dict.fromkeys(params), "layers": self.entries(uses[0].body, uses[0].source,
                                                                                   formulas)}

    def entries(self, members: list[_Member], source: str, formulas: dict[tuple[int, str], str]) -> \
            list[dict[str, Any]]:
        """The layers of a block or of the network: ``formulas`` put ``${…}`` where values are params."""
        local_of = {source: INPUT}
        result = []
        previous = source
        for index, member in enumerate(members):
            entry: dict[str, Any] = {"name": member.local}
            if isinstance(member, _Use):
                sources, output = [member.source], member.last
                entry["type"] = member.block
                fields: dict[str, Any] = dict(member.params)
                if member.repeat > 1:
                    fields["repeat"] = member.repeat
            else:
                sources, output = member.item.sources, member.item.name
                entry["type"] = member.item.entry["type"]
                fields = {key: value for key, value in member.item.entry.items() if key not in ("type", "inputs")}
                fields.update({key: value for key, value in member.item.defaults.items() if (index, key) in formulas})
            if sources != [previous]:
                names = [local_of.get(name, name) for name in sources]
                entry["inputs"] = names[0] if len(names) == 1 else names
            for key, value in fields.items():
                entry[key] = formulas.get((index, key), value)
            result.append(entry)
            local_of[output] = member.local
            previous = output
        return result


def _repeated(use: _Use) -> _Use | None:
    """The first inner use when ``use``'s body is uses 0, 1, … n − 1 of one block with equal values, chained."""
    body = use.body
    if len(body) < 2 or not all(isinstance(member, _Use) for member in body):
        return None
    uses: list[_Use] = [member for member in body if isinstance(member, _Use)]
    first = uses[0]
    chained = all(member.source == previous.last for previous, member in itertools.pairwise(uses))
    same = all(member.block == first.block and member.repeat == 1 and _fingerprint(member) == _fingerprint(first)
               for member in uses)
    numbered = [member.local for member in uses] == [str(index) for index in range(len(uses))]
    return first if chained and same and numbered else None


def _fingerprint(use: _Use) -> tuple[Any, ...]:
    """Every value in ``use``'s layers, in order (equal fingerprints: equal params)."""
    parts: list[Any] = []
    for member in use.body:
        if isinstance(member, _Use):
            parts.append((member.repeat, _fingerprint(member)))
        else:
            parts.append(tuple(sorted((key, repr(value)) for key, value in member.item.entry.items()
                                      if key != "inputs")))
    return tuple(parts)


def _shape(use: _Use) -> Any:
    """What must be equal for two uses to share a block: names, types, wiring, field keys and non-number values."""
    parts: list[Any] = []
    local_of = {use.source: INPUT}
    for member in use.body:
        if isinstance(member, _Use):
            sources, output = [member.source], member.last
            parts.append(("use", member.local, member.block, member.repeat,
                          tuple(local_of.get(source, "?") for source in sources)))
        else:
            entry = member.item.entry
            sources, output = member.item.sources, member.item.name
            fixed = tuple(sorted((key, repr(value)) for key, value in entry.items()
                                 if key not in ("inputs",) and not is_number(value)))
            numbers = tuple(sorted(member.item.numbers()))
            parts.append(("layer", member.local, fixed, numbers,
                          tuple(local_of.get(source, "?") for source in sources)))
        local_of[output] = member.local
    return tuple(parts)


def is_number(value: Any) -> bool:
    """An int or float that is not a bool: a value that may become a param."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _values(use: _Use) -> dict[tuple[int, str], Any]:
    """The values that may differ between uses of one block, by (member index, field)."""
    values: dict[tuple[int, str], Any] = {}
    for index, member in enumerate(use.body):
        if isinstance(member, _Use):
            values.update({(index, key): value for key, value in member.params.items()})
        else:
            values.update({(index, key): value for key, value in member.item.numbers().items()})
    return values


def _formula(slot: tuple[int, str], column: list[Any], vectors: list[tuple[str, list[Any]]],
             params: dict[str, Any]) -> str:
    """``${p}`` for a column equal to a param's, ``${p * k}`` for a whole multiple of one, else a new param."""
    for name, vector in vectors:
        if column == vector:
            return f"${{{name}}}"
    for name, vector in vectors:
        if all(isinstance(value, int) and isinstance(base, int) and base > 0 and value % base == 0
               for value, base in zip(column, vector)):
            factors = {value // base for value, base in zip(column, vector)}
            if len(factors) == 1:
                return f"${{{name} * {factors.pop()}}}"
    base = _IDENTIFIER.sub("_", slot[1]) or "p"
    name, suffix = base, 1
    while name in params:
        suffix += 1
        name = f"{base}{suffix}"
    params[name] = None
    vectors.append((name, column))
    return f"${{{name}}}"


def _origins(formulas: dict[tuple[int, str], str]) -> dict[str, tuple[int, str]]:
    """Each param and the slot whose value it takes (the first written as a bare ``${p}``)."""
    origins: dict[str, tuple[int, str]] = {}
    for slot, formula in formulas.items():
        match = re.fullmatch(r"\$\{(\w+)\}", formula)
        if match and match.group(1) not in origins:
            origins[match.group(1)] = slot
    return origins
