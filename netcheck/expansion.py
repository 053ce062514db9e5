"""Blocks (FORMAT.md §8) expanded: sub-networks with parameters become the flat network the engine checks.

A spec may define ``blocks:`` and use each as a layer type. Expansion turns the
document's plain data into the plain data of a flat network, before the models
see it, so that everything downstream (the quick road, the models, the engine,
the rules, the fix search) runs unchanged on a flat list of layers:

* a use named ``u`` becomes the layers ``u.<inner>``; with ``repeat: N`` the
  copies ``u.0`` … ``u.<N−1>``, each reading the one before; the name ``u``
  means the use's output (its last layer);
* ``input`` inside a block is what the use reads; ``"${…}"`` values are
  computed from the params (``netcheck.substitution``); a use's ``rounding``
  goes to its layers that do not set their own;
* every expanded layer remembers its ``Origin``: where it is defined in the
  document and the chain of uses that led there, so that a violation points
  at the block's definition and carries the uses (``via``), and a fix is
  written where the value is (a param at the use, a literal in the block).

The expansion is bounded (``Limits.max_layers`` layers in all, counted as they
are made, so a block used twice by a block used twice … thirty deep stops at
the limit) and linear in the layers it makes.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from netcheck._quick_table import BLOCK_FIELDS
from netcheck.blocks import dotted_names
from netcheck.events import Locator
from netcheck.results import DocPath, Edit, Fix, Limits, Via, Violation
from netcheck.substitution import SubstitutionError, has_substitution, substitute
from netcheck.vocabulary import ROUNDINGS

USE_FIELDS = frozenset(BLOCK_FIELDS["Use"])  # a use's own fields, beside its block's params
BLOCK_KEYS = frozenset(BLOCK_FIELDS["Block"])
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_WHOLE_PARAM = re.compile(r"\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\Z")
SHOWN = 10  # names listed in a message


@dataclass(frozen=True, slots=True)
class Hop:
    """One use on the way to a layer: its expanded name (``layer1.1``) and where it is written."""

    name: str
    path: DocPath


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an expanded layer comes from: its definition in the document and the uses that led there."""

    definition: DocPath
    via: tuple[Hop, ...] = ()


@dataclass(frozen=True, slots=True)
class Group:
    """One use in the expanded network: its layers ``start`` … ``stop − 1``, its ``expect``, its depth."""

    name: str
    block: str
    path: DocPath
    start: int
    stop: int
    depth: int
    expect: Any = None
    via: tuple[Hop, ...] = ()


@dataclass(slots=True)
class Expansion:
    """The flat network of a document that uses blocks, and the way back to the document.

    ``data`` is None when the blocks could not be expanded (their violations say why).
    """

    data: dict[str, Any] | None
    document: Any  # the netcheck.source.Document as read
    origins: list[Origin] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    @property
    def locator(self) -> ExpandedLocator:
        """A locator for paths of the flat network that answers with positions in the document."""
        return ExpandedLocator(self)

    def document_path(self, path: DocPath) -> DocPath:
        """Where ``path`` of the flat network is written: in a block's definition, at a use, or as it is."""
        if len(path) >= 2 and path[0] in ("layers", "uses") and isinstance(path[1], int):
            table: list[Any] = self.origins if path[0] == "layers" else self.groups
            if 0 <= path[1] < len(table):
                entry = table[path[1]]
                base = entry.definition if path[0] == "layers" else entry.path
                return (*base, *path[2:])
        return path

    def hops(self, path: DocPath) -> tuple[Hop, ...]:
        """The uses that led to the layer (or use) at ``path``, outermost first."""
        if len(path) >= 2 and path[0] in ("layers", "uses") and isinstance(path[1], int):
            table: list[Any] = self.origins if path[0] == "layers" else self.groups
            if 0 <= path[1] < len(table):
                via: tuple[Hop, ...] = table[path[1]].via
                return via
        return ()

    def via(self, path: DocPath) -> tuple[Via, ...]:
        """``hops`` located in the document, for reports."""
        locator: Locator = self.document.locator
        return tuple(Via(hop.name, *locator.start_of(hop.path)) for hop in self.hops(path))

    def translate(self, fix: Fix) -> Fix | None:
        """``fix`` with its edits moved to where the values are written; None when one cannot be."""
        edits = []
        for edit in fix.edits:
            moved = self._written(edit)
            if moved is None:
                return None
            edits.append(moved)
        return Fix(fix.message, tuple(edits))

    def _written(self, edit: Edit) -> Edit | None:
        path = edit.path
        if len(path) < 2 or path[0] not in ("layers", "uses"):
            return edit
        if edit.insert or len(path) < 3 or path[2] in ("name", "inputs"):
            return None  # names and wiring are the expansion's, not the file's
        target = self.document_path(path)
        if path[0] == "uses":
            return Edit(target, edit.value)
        written = _where_written(self.document.data, target, self.hops(path))
        return None if written is None else Edit(written, edit.value)


class ExpandedLocator(Locator):
    """The document's positions for paths of the flat network: a locator for what the engine sees."""

    def __init__(self, expansion: Expansion) -> None:
        """Answer for ``expansion``'s flat network."""
        super().__init__(root=expansion.data)
        self.expansion = expansion
        self.inner: Locator = expansion.document.locator

    def find(self, path: DocPath) -> tuple[int, int]:
        """The position of the deepest part of ``path`` that is written in the document."""
        return self.inner.find(self.expansion.document_path(path))

    def start_of(self, path: DocPath) -> tuple[int, int]:
        """Where the node at ``path`` starts in the document (a layer: its first key, in its block)."""
        return self.inner.start_of(self.expansion.document_path(path))


def _where_written(data: Any, target: DocPath, hops: tuple[Hop, ...]) -> DocPath | None:
    """The document path whose value ``target`` (in a block's definition) takes: a param at a use, or itself."""
    key_depth = 5 if target[:1] == ("blocks",) else 3  # ("blocks", b, "layers", j, key) or ("layers", i, key)
    raw = _value_at(data, target[:key_depth])
    path, uses = target, list(hops)
    while isinstance(raw, str) and has_substitution(raw):
        match = _WHOLE_PARAM.match(raw.strip())
        if match is None or not uses:
            return None  # computed by an expression: no single place to set
        use = uses.pop()
        path = (*use.path, match.group(1), *path[key_depth:])
        key_depth = len(use.path) + 1
        raw = _value_at(data, path[:key_depth])
    return path


_MISSING = object()


def _value_at(data: Any, path: DocPath) -> Any:
    node = data
    for part in path:
        if not _has(node, part):
            return _MISSING
        node = node[part]
    return node


def _has(node: Any, part: Any) -> bool:
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


class _Stop(Exception):
    """Expansion stopped: a limit was hit (the violation is recorded)."""


@dataclass(slots=True)
class _Scope:
    """Where layers are being expanded: their list in the document, names, params, rounding, uses."""

    base: DocPath
    prefix: str
    input: str
    params: Mapping[str, Any] | None
    rounding: str | None
    via: tuple[Hop, ...]
    depth: int
    names: dict[str, str] = field(default_factory=dict)
    last: str | None = None  # the flat name of the output of the last layer expanded here


class _Expander:
    """Expands one document's layers, collecting violations located in the document."""

    def __init__(self, document: Any, limits: Limits, builtin: frozenset[str]) -> None:
        self.document = document
        self.data: dict[str, Any] = document.data
        self.locator: Locator = document.locator
        self.limits = limits
        self.builtin = builtin
        self.blocks: dict[str, dict[str, Any]] = {}
        self.layers: list[Any] = []
        self.origins: list[Origin] = []
        self.groups: list[Group] = []
        self.violations: list[Violation] = []
        self.substitution_keys: dict[int, tuple[str, ...]] = {}
        self.sizes: dict[tuple[str, str], int] = {}
        self.blocks_in_cycles: set[str] = set()

    def fail(self, code: str, message: str, path: DocPath, via: tuple[Hop, ...] = (), layer: str | None = None,
             at_node: bool = False) -> None:
        line, column = self.locator.start_of(path) if at_node else self.locator.find(path)
        located = tuple(Via(hop.name, *self.locator.start_of(hop.path)) for hop in via)
        self.violations.append(Violation(code, message, line, column, layer, path, via=located))

    # --- the blocks section ---------------------------------------------------------------------------

    def read_blocks(self) -> None:
        written = self.data.get("blocks")
        if written is None:
            return
        if not isinstance(written, dict):
            self.fail("NC002", "blocks must be a mapping of block names to {params, layers}", ("blocks",))
            return
        for name, block in written.items():
            if self.valid_block(name, block):
                self.blocks[name] = block
        self.report_cycles()

    def valid_block(self, name: str, block: Any) -> bool:
        path: DocPath = ("blocks", name)
        problems_before = len(self.violations)
        if "." in name:
            self.fail("NC002", f"block name {name!r} contains a dot; dots are reserved for expanded names", path)
        elif name in self.builtin or name == "input":
            self.fail("NC002", f"block name {name!r} is a built-in layer type; name the block differently", path)
        if not isinstance(block, dict):
            self.fail("NC002", f"block {name} must be a mapping with layers (and params)", path)
            return False
        for key in block:
            if key not in BLOCK_KEYS and not key.startswith("x-"):
                self.fail("NC002", f"unknown key {key!r} in block {name}; a block has params and layers"
                          f"{_suggestion(key, BLOCK_KEYS)}", (*path, key))
        params = block.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            self.fail("NC002", f"params of block {name} must be a mapping of names to defaults (null: required)",
                      (*path, "params"))
        else:
            for param in params:
                if not _IDENTIFIER.match(param):
                    self.fail("NC002", f"param name {param!r} of block {name} is not an identifier "
                              "([A-Za-z_][A-Za-z0-9_]*)", (*path, "params", param))
        layers = block.get("layers")
        if not isinstance(layers, list) or not layers:
            self.fail("NC002", f"block {name} needs layers: a list of one or more layers", (*path, "layers")
                      if "layers" in block else path)
        else:
            for index, layer in enumerate(layers):
                written = layer.get("name") if isinstance(layer, dict) else None
                self.check_written_name(written, (*path, "layers", index), None)
        return len(self.violations) == problems_before

    def report_cycles(self) -> None:
        """NC004 at each block that uses itself, directly or not, naming the cycle."""
        uses = {name: [layer.get("type") for layer in block["layers"] if isinstance(layer, dict)]
                for name, block in self.blocks.items()}
        for name in self.blocks:
            cycle = _cycle_from(name, uses)
            if cycle is not None:
                self.fail("NC004", f"block {name} uses itself: {' → '.join(cycle)}; a block cannot contain itself",
                          ("blocks", name))
                self.blocks_in_cycles.add(name)

    # --- expansion ------------------------------------------------------------------------------------

    def expand(self) -> None:
        layers = self.data.get("layers")
        if not isinstance(layers, list):
            return
        scope = _Scope(("layers",), "", "input", None, None, (), 1)
        try:
            self.scope(layers, scope)
        except _Stop:
            return

    def scope(self, layers: list[Any], scope: _Scope) -> None:
        counts: dict[str, int] = {}
        taken: dict[str, tuple[int, bool]] = {}  # local name → (index, is a use)
        for index, layer in enumerate(layers):
            path: DocPath = (*scope.base, index)
            kind = layer.get("type") if isinstance(layer, dict) else None
            if isinstance(kind, str):
                counts[kind] = counts.get(kind, 0) + 1
            if not isinstance(layer, dict):
                self.emit(layer, path, scope, index)
                continue
            local = layer.get("name")
            if not scope.prefix:
                self.check_written_name(local, path, scope)
            if not isinstance(local, str):
                local = f"{kind}_{counts.get(kind, 0)}" if isinstance(kind, str) else f"layer_{index + 1}"
            values = self.substituted(layer, path, scope)
            if values is None:
                continue
            kind = values.get("type")
            is_use = isinstance(kind, str) and kind in self.blocks
            if not self.name_is_free(local, index, is_use, taken, path, scope):
                continue
            if is_use:
                self.use(values, layer, path, scope, local, index)
            else:
                self.emit(values, path, scope, index, local)

    def name_is_free(self, local: str, index: int, is_use: bool, taken: dict[str, tuple[int, bool]], path: DocPath,
                     scope: _Scope) -> bool:
        """NC004 when a use shares its name with another layer or use of its list (a use's name is its output).

        Two built-in layers with one name are the graph's duplicate (NC004 on
        the expanded names); a use's own name is not among those.
        """
        first = taken.get(local)
        taken.setdefault(local, (index, is_use))
        if first is None or not (is_use or first[1]):
            return True
        where = "this block" if scope.prefix else "the network's layers"
        self.fail("NC004", f"the name {local!r} is already taken by layer {first[0] + 1} of {where}; the name of a "
                  "use means its output, so it must name one layer or use only", (*path, "name"), scope.via,
                  scope.prefix + local)
        return False

    def check_written_name(self, name: Any, path: DocPath, scope: _Scope | None) -> None:
        if isinstance(name, str) and "." in name:
            self.fail("NC002", f"layer name {name!r} contains a dot; dots are reserved for the names of expanded "
                      "layers (layer1.0.conv1)", (*path, "name"), scope.via if scope else ())

    def substituted(self, layer: dict[str, Any], path: DocPath | None, scope: _Scope | None,
                    params: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """The layer with its ``${…}`` values computed; None (reported unless ``path`` is None) on a problem."""
        keys = self.substitution_keys.get(id(layer))
        if keys is None:
            keys = self.substitution_keys[id(layer)] = tuple(key for key, value in layer.items()
                                                             if has_substitution(value))
        if not keys:
            return layer
        params = params if scope is None else scope.params
        values = dict(layer)
        ok = True
        for key in keys:
            try:
                values[key] = substitute(layer[key], params or {})
            except SubstitutionError as error:
                ok = False
                if path is not None and scope is not None:
                    self.fail("NC002", error.message, (*path, key), scope.via, self.full_name(layer, scope))
        return values if ok else None

    def size_of(self, block_name: str, params: Mapping[str, Any]) -> int:
        """How many layers a use of ``block_name`` with ``params`` expands to (capped past the limit)."""
        key = (block_name, repr(sorted(params.items())))
        known = self.sizes.get(key)
        if known is not None:
            return known
        self.sizes[key] = self.limits.max_layers + 1  # a cycle (reported elsewhere) counts as too many
        total = 0
        for layer in self.blocks[block_name]["layers"]:
            values = self.substituted(layer, None, None, params) if isinstance(layer, dict) else None
            used = values.get("type") if values is not None else None
            if isinstance(used, str) and used in self.blocks and values is not None:
                inner = self.use_params(values, used, None, None, "")
                repeat = values.get("repeat", 1)
                if inner is not None and isinstance(repeat, int) and not isinstance(repeat, bool) and repeat > 0:
                    total += min(repeat, self.limits.max_layers + 1) * self.size_of(used, inner)
            else:
                total += 1
            if total > self.limits.max_layers:
                break
        self.sizes[key] = min(total, self.limits.max_layers + 1)
        return self.sizes[key]

    def full_name(self, layer: dict[str, Any], scope: _Scope) -> str | None:
        name = layer.get("name")
        return scope.prefix + name if isinstance(name, str) else None

    def resolve(self, name: Any, scope: _Scope) -> Any:
        """What a name in ``inputs`` means in this scope, as a name of the flat network."""
        if not isinstance(name, str):
            return name
        if name == "input":
            return scope.input
        return scope.names.get(name, scope.prefix + name)

    def emit(self, values: Any, path: DocPath, scope: _Scope, index: int, local: str | None = None) -> None:
        """Append one built-in layer to the flat network, named and wired as its scope says."""
        if len(self.layers) >= self.limits.max_layers:
            self.too_many(scope)
        if isinstance(values, dict) and local is not None:
            values = dict(values)
            full = scope.prefix + local
            values["name"] = full  # default names are counted per scope, not in the flat list
            written = values.get("inputs")
            if isinstance(written, str):  # one name may be written without the list
                written = [written]
            if isinstance(written, list):
                values["inputs"] = [self.resolve(name, scope) for name in written]
            elif written is None and index == 0 and scope.prefix:
                values["inputs"] = [scope.input]
            if scope.rounding is not None and "rounding" not in values:
                values["rounding"] = scope.rounding
            scope.names[local] = full
            scope.last = full
        self.layers.append(values)
        self.origins.append(Origin(path, scope.via))

    def too_many(self, scope: _Scope, use: DocPath | None = None) -> None:
        top = scope.via[0].path if scope.via else use or ("layers",)
        self.fail("NC001", f"the blocks expand to more than {self.limits.max_layers:,} layers (raise the limit "
                  "with --max-layers)", top, at_node=True)
        raise _Stop

    def use(self, values: dict[str, Any], written: dict[str, Any], path: DocPath, scope: _Scope, local: str,
            index: int) -> None:
        block_name = values["type"]
        block = self.blocks[block_name]
        if block_name in self.blocks_in_cycles:
            return
        full = scope.prefix + local
        params = self.use_params(values, block_name, path, scope, full)
        repeat = self.repeat_of(values, path, scope, full)
        inputs = values.get("inputs")
        if isinstance(inputs, str):  # one name may be written without the list
            inputs = [inputs]
        if params is None or repeat is None or not self.one_input(inputs, path, scope, full):
            return
        if len(self.layers) + repeat * self.size_of(block_name, params) > self.limits.max_layers:
            self.too_many(scope, path)
        source = self.resolve(inputs[0], scope) if inputs else scope.last or scope.input
        rounding = values.get("rounding") if values.get("rounding") in ROUNDINGS else scope.rounding
        if "rounding" in values and values.get("rounding") not in ROUNDINGS:
            self.fail("NC002", f"rounding must be strict, floor or ceil, not {values.get('rounding')!r}",
                      (*path, "rounding"), scope.via, full)
            return
        expect = self.expect_of(values.get("expect"), path, scope, full)
        if expect is _MISSING:
            return
        start = len(self.layers)
        copies = (f"{full}.{copy}" for copy in range(repeat)) if "repeat" in values else iter([full])
        for copy_name in copies:
            inner = _Scope(("blocks", block_name, "layers"), copy_name + ".", source, params, rounding,
                           (*scope.via, Hop(copy_name, path)), scope.depth + 1)
            self.scope(block["layers"], inner)
            source = inner.last or source
        scope.names[local] = source
        scope.last = source
        self.groups.append(Group(full, block_name, path, start, len(self.layers), scope.depth, expect, scope.via))

    def expect_of(self, written: Any, path: DocPath, scope: _Scope, full: str) -> Any:
        """The use's ``expect`` as a record (None when absent; ``_MISSING`` when it does not fit the schema)."""
        if written is None:
            return None
        from netcheck.fastload import quick_record

        record = quick_record("LayerExpect", written)
        if record is not None:
            return record
        from pydantic import ValidationError

        from netcheck.records import from_model
        from netcheck.spec import LayerExpect

        try:
            return from_model(LayerExpect.model_validate(written))
        except ValidationError as error:
            for problem in error.errors(include_input=False, include_url=False):
                where = tuple(part for part in problem["loc"] if isinstance(part, (str, int)))
                self.fail("NC002", f"expect: {problem['msg']}", (*path, "expect", *where), scope.via, full)
            return _MISSING

    def use_params(self, values: dict[str, Any], block_name: str, path: DocPath | None, scope: _Scope | None,
                   full: str) -> dict[str, Any] | None:
        """The params a use gives its block (defaults filled in); None (reported unless ``path`` is None) if wrong."""
        declared = self.blocks[block_name].get("params") or {}
        ok = True
        for key in values:
            if key not in USE_FIELDS and key not in declared and not key.startswith("x-"):
                ok = False
                if path is not None and scope is not None:
                    known = sorted(declared) or ["(none)"]
                    self.fail("NC002", f"unknown field {key!r} for a use of block {block_name}; its params are "
                              f"{', '.join(known[:SHOWN])}{_suggestion(key, declared)}", (*path, key), scope.via,
                              full)
        params = {}
        for name, default in declared.items():
            if name in values:
                params[name] = values[name]
            elif default is None:
                ok = False
                if path is not None and scope is not None:
                    self.fail("NC002", f"block {block_name} needs the param {name!r}: this use does not give it",
                              path, scope.via, full, at_node=True)
            else:
                params[name] = default
        return params if ok else None

    def repeat_of(self, values: dict[str, Any], path: DocPath, scope: _Scope, full: str) -> int | None:
        repeat = values.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            self.fail("NC002", f"repeat must be a whole number ≥ 1, not {_shown(repeat)}", (*path, "repeat"),
                      scope.via, full)
            return None
        return repeat

    def one_input(self, inputs: Any, path: DocPath, scope: _Scope, full: str) -> bool:
        if inputs is None:
            return True
        if isinstance(inputs, list) and len(inputs) == 1 and isinstance(inputs[0], str):
            return True
        self.fail("NC002", "a use of a block reads one input: inputs must list one name", (*path, "inputs"),
                  scope.via, full)
        return False


def _cycle_from(start: str, uses: Mapping[str, list[Any]]) -> list[str] | None:
    """The shortest chain of uses that leads from block ``start`` back to itself, or None."""
    parents: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for name in frontier:
            for used in uses.get(name, []):
                if used == start:
                    chain = [name]
                    while chain[-1] != start:
                        chain.append(parents[chain[-1]])
                    return [start, *reversed(chain[:-1]), start] if len(chain) > 1 else [start, start]
                if isinstance(used, str) and used in uses and used not in parents and used != start:
                    parents[used] = name
                    following.append(used)
        frontier = following
    return None


def _suggestion(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, [str(choice) for choice in choices], n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def attach(network: Any, expansion: Expansion) -> None:
    """Give ``network`` (a ``netcheck.Network`` of the expanded layers) the blocks its file defines, validated."""
    from netcheck.spec import Block

    written = expansion.document.data.get("blocks") if isinstance(expansion.document.data, dict) else None
    if isinstance(written, dict):
        network._blocks = {name: Block.model_validate(block) for name, block in written.items()}


def check_uses(expansion: Expansion, rows: list[Any]) -> list[Any]:
    """NC105 for each ``expect`` on a use that its layers break: its output, and counts summed over them."""
    from netcheck.engine import check_measured
    from netcheck.vocabulary import COUNTS

    found = []
    for index, group in enumerate(expansion.groups):
        if group.expect is None or group.stop <= group.start:
            continue
        layers = rows[group.start:group.stop]
        sums: dict[str, int | None] = {}
        for count in COUNTS:
            values = [getattr(row, count) for row in layers]
            sums[count] = None if None in values else sum(values)
        found.extend(check_measured(group.expect, group.name, layers[-1].output, sums, ("uses", index, "expect")))
    return found


def expand(document: Any, limits: Limits = Limits()) -> Expansion:
    """The flat network of ``document`` (a ``netcheck.source.Document`` whose data is a mapping).

    ``netcheck.blocks.expand`` calls this for documents that define blocks or
    write a dotted name; without ``blocks:`` only the dotted names are
    reported, the data unchanged.
    """
    data = document.data
    if "blocks" not in data:
        expansion = Expansion(data, document)
        for index, name in dotted_names(data):
            line, column = document.locator.find(("layers", index, "name"))
            expansion.violations.append(Violation(
                "NC002", f"layer name {name!r} contains a dot; dots are reserved for the names of expanded layers "
                "(layer1.0.conv1)", line, column, None, ("layers", index, "name")))
        return expansion
    from netcheck.layers import RULES

    expander = _Expander(document, limits, frozenset(RULES))
    expander.read_blocks()
    expander.expand()
    flat = None
    if not expander.violations:
        flat = {key: value for key, value in data.items() if key != "blocks"}
        flat["layers"] = expander.layers
    return Expansion(flat, document, expander.origins, expander.groups, expander.violations)
