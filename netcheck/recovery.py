"""What can still be checked of a spec with errors in some of its layers (issue 13: all errors in one run).

As a compiler goes on after a syntax error, netcheck goes on after a schema
error (NC002), a duplicate key (NC003) or a broken block: the layer where the
error is becomes *broken*, a stand-in that is not computed, and the rest of
the network is checked as it is written. The engine skips a broken layer and
everything that reads it, directly or not (``netcheck.graph.Damage``), so no
finding is ever made from a layer that could not be read:

* a broken layer keeps its name and its inputs when they can be read, so the
  layers before it and the branches that do not read it are checked fully;
* an error only in a layer's ``expect`` drops that ``expect``: the layer is
  computed, its assertions are not judged;
* an error in the network's ``name``, ``description`` or ``expect`` (or an
  unknown top-level key) drops what it is about; an error in ``input``,
  ``rounding``, ``layers``, the version, or a key that may be a misspelt one
  of these, leaves nothing that can be checked for sure, and nothing is;
* an error inside a block's definition breaks the block (and every block that
  uses it): each use of it becomes one broken stand-in; an error in a use
  breaks that use; an NC002 in a layer a block expands to breaks the
  (innermost) use it is in.

A name that is not known for sure (a broken layer without a readable name, or
a default name ``<type>_<n>`` counted after a layer whose type is unknown) is
*doubtful*: a reference to it is not resolved, and no NC004 is made from it.
Only the error path comes here; a valid file never imports this module.
"""

from __future__ import annotations

import bisect
import difflib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ConfigDict, TypeAdapter, ValidationError

from netcheck import spec, validation
from netcheck.graph import Damage
from netcheck.records import Record
from netcheck.results import DocPath, Limits, Violation
from netcheck.source import Document
from netcheck.vocabulary import one_input

if TYPE_CHECKING:
    from netcheck.expansion import Expansion, Origin

#: Top-level keys nothing is computed from: an error in one loses only what it says.
HARMLESS = frozenset({"name", "description", "expect"})
#: Top-level keys every layer depends on: an error in one (or in an unknown key close to one) stops the check.
VITAL = ("netcheck", "input", "rounding", "layers", "blocks")
REPAIRS = 3  # expansions of a repaired document before giving up
#: The type of a broken layer's stand-in: no layer rule has it, so nothing can compute one by mistake (the type
#: written in the file is its ``_kind``, which default names count and rows show).
SKIPPED = "(skipped)"


@dataclass(slots=True)
class Partial:
    """The checkable part of a document with errors.

    ``network``: the records the engine runs on, broken layers as stand-ins,
    its ``_damage`` saying which; ``data``: the flat data they come from (what
    fixes are computed on); ``expansion``: the blocks expanded, if the document
    has blocks; ``problems``: NC002s found here that the caller has not seen
    (the layers of a repaired expansion); ``damaged``: the document paths of
    the duplicate keys, to break the same layers when the document is checked again.
    """

    network: Record
    data: Any
    expansion: Expansion | None = None
    problems: list[Violation] = field(default_factory=list)
    damaged: tuple[DocPath, ...] = ()


@dataclass(slots=True)
class _Breakage:
    """What the errors of a flat document break: layers (with the keys in error), layers' ``expect``, top-level keys."""

    layers: dict[int, set[str]] = field(default_factory=dict)
    expects: set[int] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _StandIn:
    """A top-level layer a repaired expansion replaced: its written type and name, whether these and its inputs
    are known."""

    kind: str
    name: str
    doubtful: bool
    unwired: bool


# --- duplicate keys ---------------------------------------------------------------------------------------


def duplicate_paths(document: Document) -> tuple[DocPath, ...]:
    """Where the document's duplicate keys (NC003) are: a top-level key, the block they are in, or the layer
    and its key (the one whose text holds the duplicate: ``expect`` for one in a layer's expect)."""
    wanted = [(violation.line, violation.column) for violation in document.violations if violation.code == "NC003"]
    data = document.data
    if not wanted or not isinstance(data, dict):
        return ()
    locator = document.locator
    top = _Starts([(locator.find((key,)), key) for key in data if isinstance(key, str)])
    layers, blocks = data.get("layers"), data.get("blocks")
    items = _Starts([(locator.start_of(("layers", index)), index) for index in range(len(layers))]
                    if isinstance(layers, list) and "layers" in top.keys else [])
    names = _Starts([(locator.find(("blocks", name)), name) for name in blocks if isinstance(name, str)]
                    if isinstance(blocks, dict) else [])
    found = []
    for where in wanted:
        key = top.at(where)
        index = items.at(where) if key == "layers" else None
        block = names.at(where) if key == "blocks" else None
        if isinstance(index, int) and isinstance(layers, list) and isinstance(layers[index], dict):
            own = _Starts([(locator.find(("layers", index, name)), name) for name in layers[index]
                           if isinstance(name, str)]).at(where)
            found.append(("layers", index) if own is None else ("layers", index, own))
        else:
            found.append(tuple(part for part in (key, index, block) if part is not None))
    return tuple(found)


class _Starts:
    """Things by where their text starts: which one a position is in."""

    def __init__(self, starts: list[tuple[tuple[int, int], Any]]) -> None:
        starts.sort(key=lambda start: start[0])
        self.positions = [position for position, _ in starts]
        self.keys = [key for _, key in starts]

    def at(self, where: tuple[int, int]) -> Any:
        """The thing whose text holds ``where`` (the last to start at or before it), or None."""
        index = bisect.bisect_right(self.positions, where) - 1
        return self.keys[index] if index >= 0 else None


# --- the whole road ---------------------------------------------------------------------------------------


def salvage(document: Document, limits: Limits, damaged: Sequence[DocPath] = (), expansion: Expansion | None = None,
            problems: Sequence[DocPath] | None = None, report: bool = True) -> Partial | None:
    """The network that can still be checked in ``document``, or None when nothing can be for sure.

    ``damaged``: document paths broken besides the schema's errors (duplicate
    keys); ``expansion``: the document's blocks as expanded already, if any;
    ``problems``: the paths of the NC002s the flat document is known to have
    (None: validate it here). With ``report``, NC002s found here are located
    for the report (``Partial.problems``); without, only their paths are used.
    """
    data = document.data
    if not isinstance(data, dict) or not isinstance(data.get("layers"), list):
        return None
    if expansion is None:
        from netcheck import blocks

        expansion = blocks.expand(document, limits)
    stand_ins: dict[int, _StandIn] = {}
    paths = list(damaged)
    if expansion is not None and "blocks" in data and (expansion.data is None or damaged):
        repaired = _repair(document, expansion, paths, limits)
        if repaired is None:
            return None
        expansion, stand_ins, paths = repaired
        problems = None
    flat = document if expansion is None or expansion.data is None else \
        Document(expansion.data, expansion.locator, [], document.text)
    found: list[Violation] = []
    if problems is None:
        found, problems = _problems(flat, report)
    paths.extend(problems)
    paths.extend(("layers", index) for index in stand_ins)
    blocky = expansion if expansion is not None and "blocks" in data else None
    network = _partial_network(flat, data, paths, stand_ins, blocky)
    return None if network is None else Partial(network, flat.data, expansion, found, tuple(damaged))


def _problems(flat: Document, report: bool) -> tuple[list[Violation], list[DocPath]]:
    """The NC002s of the flat document: located violations (with ``report``) and their paths."""
    if report:
        _, violations = validation.to_network(flat)
        return violations, [violation.path for violation in violations]
    from netcheck.fastload import quick_network

    if quick_network(flat.data) is not None:  # the quick road takes only what the models surely accept
        return [], []
    try:
        spec.Network.model_validate(flat.data)
    except ValidationError as error:
        return [], [validation.data_path(flat.data, tuple(item["loc"]), item["type"] == "missing")
                    for item in error.errors(include_input=False, include_url=False)]
    return [], []


def _partial_network(flat: Document, written: dict[str, Any], paths: Iterable[DocPath],
                     stand_ins: dict[int, _StandIn], expansion: Expansion | None) -> Record | None:
    """The records of the flat document, the layers ``paths`` break replaced by stand-ins (``written``: the
    document's own data, blocks and all)."""
    data = flat.data
    layers = data.get("layers") if isinstance(data, dict) else None
    breakage = _classify(paths, len(layers)) if isinstance(layers, list) and layers else None
    if breakage is None or layers is None:
        return None
    from netcheck.fixing import records_of

    records = records_of(_patched(data, breakage))
    if records is None:
        return None
    doubtful, unwired = set(), False
    shown = _Shown(layers)
    for index, keys in breakage.layers.items():
        record, in_doubt, no_inputs = _stand_in(layers[index], shown, index, keys, stand_ins.get(index))
        records.layers[index] = record
        doubtful.update([index] if in_doubt else [])
        unwired = unwired or no_inputs
    broken = set(breakage.layers)
    if expansion is not None:
        broken |= _whole_uses(expansion, broken - set(stand_ins))
    top = written["layers"]
    doubtful |= _shifted(top, written.get("blocks"), breakage, expansion)
    nameless = bool(doubtful) and any(_unreadable_name(layer) for layer in top)
    damage = Damage(frozenset(broken), frozenset(doubtful), unwired, nameless)
    name = None if "name" in breakage.keys else records.name
    return records.replace(_damage=damage, _source=flat.locator, name=name)


class _Shown:
    """Each layer's name as violations give it (``netcheck.validation.layer_name``), counted once for all."""

    def __init__(self, layers: list[Any]) -> None:
        self.layers = layers
        self.numbers: list[int] | None = None

    def __getitem__(self, index: int) -> str:
        layer = self.layers[index]
        if isinstance(layer, dict) and isinstance(layer.get("name"), str):
            return validation.render_text(layer["name"])
        kind = layer.get("type") if isinstance(layer, dict) else None
        if not isinstance(kind, str):
            return f"layers[{index}]"
        if self.numbers is None:
            counts: dict[str, int] = {}
            self.numbers = []
            for other in self.layers:
                written = other.get("type") if isinstance(other, dict) else None
                if isinstance(written, str):
                    counts[written] = counts.get(written, 0) + 1
                self.numbers.append(counts.get(written, 0) if isinstance(written, str) else 0)
        return f"{validation.render_text(kind)}_{self.numbers[index]}"


def _unreadable_name(layer: Any) -> bool:
    """Whether a layer writes a name that is not a valid one (its reader may mean anything)."""
    name = layer.get("name") if isinstance(layer, dict) else None
    return name is not None and (not names_ok([name]) or (isinstance(name, str) and "." in name))


def _classify(paths: Iterable[DocPath], count: int) -> _Breakage | None:
    """What the error at each path breaks; None when one is in a top-level key every layer depends on."""
    breakage = _Breakage()
    for path in paths:
        if any(isinstance(part, str) and part.startswith("x-") for part in path):
            continue  # metadata: nothing reads it
        head = path[0] if path else None
        if head == "layers" and len(path) >= 2 and isinstance(path[1], int) and 0 <= path[1] < count:
            key = path[2] if len(path) >= 3 and isinstance(path[2], str) else ""
            if key == "expect":
                breakage.expects.add(path[1])
            else:
                breakage.layers.setdefault(path[1], set()).add(key)
        elif isinstance(head, str) and (head in HARMLESS or not _vital(head)):
            breakage.keys.add(head)
        else:
            return None
    return breakage


def _vital(key: str) -> bool:
    """Whether every layer may depend on the top-level ``key``: one of ``VITAL``, or an unknown key close to one."""
    if key in spec.Network.model_fields or key == "blocks":
        return key in VITAL
    return bool(difflib.get_close_matches(key, VITAL, n=1))


def _patched(data: dict[str, Any], breakage: _Breakage) -> dict[str, Any]:
    """The data with broken layers as plain identities, and the ``expect``s and keys in error left out."""
    patched = {key: value for key, value in data.items() if key not in breakage.keys}
    if "name" in breakage.keys:
        patched["name"] = "network"
    layers = list(data["layers"])
    for index in breakage.expects - breakage.layers.keys():
        layers[index] = {key: value for key, value in layers[index].items() if key != "expect"}
    for index in breakage.layers:
        layers[index] = {"type": "identity"}
    patched["layers"] = layers
    return patched


def names_ok(names: Any) -> bool:
    """Whether ``names`` is a non-empty list of valid layer names."""
    try:
        return bool(_names().validate_python(names))
    except ValidationError:
        return False


@cache
def _names() -> TypeAdapter[list[str]]:
    """The validator of a list of layer names, built on first use."""
    return TypeAdapter(list[spec.LayerName], config=ConfigDict(strict=True))


def _stand_in(layer: Any, shown_names: _Shown, index: int, keys: set[str], given: _StandIn | None
              ) -> tuple[Record, bool, bool]:
    """A broken layer as the graph needs it: its written type, and its name and inputs where they can be read.

    Also whether its name is in doubt and whether its inputs are unknown.
    """
    written: dict[str, Any] = layer if isinstance(layer, dict) else {}
    kind = written.get("type")
    known = "type" not in keys and isinstance(kind, str) and kind in validation.LAYER_CLASSES
    shown = validation.render_text(kind) if isinstance(kind, str) else "?"
    name = written.get("name")
    doubtful = (name is not None and ("name" in keys or not names_ok([name]))) or (name is None and not known)
    if doubtful:
        name = shown_names[index]
    if given is not None:
        shown, name, doubtful = given.kind, given.name, given.doubtful
    inputs = written.get("inputs")
    if "inputs" in keys or (inputs is None and known and validation.LAYER_CLASSES[str(kind)].model_fields[
            "inputs"].is_required()):
        inputs, unwired = [], True
    elif inputs is not None:
        listed = one_input(inputs)
        unwired = not names_ok(listed)
        inputs = [] if unwired else list(listed)
    else:
        unwired = False
    if given is not None:
        unwired = unwired or given.unwired
    return Record(type=SKIPPED, _kind=shown, name=name, inputs=inputs, expect=None, rounding=None), doubtful, unwired


def _whole_uses(expansion: Expansion, indices: set[int]) -> set[int]:
    """Every layer of the innermost use each of ``indices`` is in: an error in a block's definition skips its uses."""
    if not indices:
        return set()
    innermost: dict[int, tuple[int, int]] = {}
    for group in sorted(expansion.groups, key=lambda group: group.depth):  # deeper uses overwrite
        for index in range(group.start, group.stop):
            innermost[index] = (group.start, group.stop)
    spans = {innermost[index] for index in indices if index in innermost}
    return {index for start, stop in spans for index in range(start, stop)}


def _shifted(top: list[Any], blocks: Any, breakage: _Breakage, expansion: Expansion | None) -> set[int]:
    """The layers whose default names ``<type>_<n>`` come after a layer of unknown type (it may have counted).

    ``top``: the document's layers, ``blocks`` its blocks as written.
    """
    known = set(validation.LAYER_CLASSES) | (set(blocks) if isinstance(blocks, dict) and expansion else set())
    unknown = [index for index, layer in enumerate(top)
               if not isinstance(layer, dict) or not isinstance(layer.get("type"), str) or layer["type"] not in known
               or (expansion is None and "type" in breakage.layers.get(index, ()))]
    if not unknown:
        return set()
    doubtful = {index for index in range(unknown[0], len(top))
                if not isinstance(top[index], dict) or top[index].get("name") is None}
    if expansion is None:
        return doubtful
    return {position for position, origin in enumerate(expansion.origins) if _top(origin) in doubtful}


def _top(origin: Origin) -> int | None:
    """The index of the top-level layer (or use) an expanded layer comes from."""
    where = origin.via[0].path if origin.via else origin.definition
    return where[1] if len(where) >= 2 and where[0] == "layers" and isinstance(where[1], int) else None


# --- blocks -----------------------------------------------------------------------------------------------


def _repair(document: Document, expansion: Expansion, paths: list[DocPath], limits: Limits
            ) -> tuple[Expansion, dict[int, _StandIn], list[DocPath]] | None:
    """The document expanded again without what its errors break: broken blocks left out, broken uses (and uses
    of broken blocks) as one stand-in each. Also the stand-ins by index in the flat network, and the paths of
    errors outside layers and blocks. None when the blocks cannot be expanded so."""
    from netcheck.expansion import expand

    data = document.data
    layers = data["layers"]
    written = data.get("blocks")
    damage = [*[violation.path for violation in expansion.violations], *paths]
    for _ in range(REPAIRS):
        if any(violation.code == "NC001" for violation in expansion.violations):
            return None
        bad_blocks, bad_layers, rest = _split(damage, written, len(layers))
        repaired, by_top = _repaired_layers(layers, bad_layers, bad_blocks, written)
        blocks = {name: block for name, block in written.items() if name not in bad_blocks} \
            if isinstance(written, dict) else {}
        expansion = expand(Document({**data, "blocks": blocks, "layers": repaired}, document.locator, [],
                                    document.text), limits)
        if expansion.data is not None:
            stand_ins = {position: by_top[origin.definition[1]] for position, origin in enumerate(expansion.origins)
                         if not origin.via and len(origin.definition) == 2 and origin.definition[1] in by_top}
            return expansion, stand_ins, rest
        damage.extend(violation.path for violation in expansion.violations)
    return None


def _split(damage: list[DocPath], written: Any, count: int) -> tuple[set[str], set[int], list[DocPath]]:
    """The broken blocks (with every block that uses one), the broken top-level layers, and the other paths."""
    blocks = written if isinstance(written, dict) else {}
    bad_blocks: set[str] = set()
    bad_layers: set[int] = set()
    rest: list[DocPath] = []
    for path in damage:
        if path[:1] == ("blocks",):
            bad_blocks.update(blocks if len(path) == 1 else [path[1]] if isinstance(path[1], str) else [])
        elif path[:1] == ("layers",) and len(path) >= 2 and isinstance(path[1], int) and 0 <= path[1] < count:
            bad_layers.add(path[1])
        else:
            rest.append(path)
    grown = True
    while grown:
        users = {name for name, block in blocks.items() if name not in bad_blocks and _uses_any(block, bad_blocks)}
        bad_blocks |= users
        grown = bool(users)
    return bad_blocks, bad_layers, rest


def _uses_any(block: Any, names: set[str]) -> bool:
    """Whether a block's definition uses one of the blocks ``names``."""
    inner = block.get("layers") if isinstance(block, dict) else None
    return isinstance(inner, list) and any(isinstance(layer, dict) and isinstance(layer.get("type"), str)
                                           and layer["type"] in names for layer in inner)


def _repaired_layers(layers: list[Any], bad_layers: set[int], bad_blocks: set[str], written: Any
                     ) -> tuple[list[Any], dict[int, _StandIn]]:
    """The top-level layers with each broken one as a placeholder, every layer named as the expander names it.

    Naming every layer keeps the default names ``<type>_<n>`` of the others
    what they were, whatever the placeholders' types count.
    """
    from netcheck.layers import RULES

    names = _expander_names(layers)
    shown_names = _Shown(layers)
    known = set(RULES) | (set(written) if isinstance(written, dict) else set())
    taken = {name for name, count in Counter(names).items() if count > 1}  # by more than one layer
    repaired: list[Any] = []
    stand_ins: dict[int, _StandIn] = {}
    for index, layer in enumerate(layers):
        kind = layer.get("type") if isinstance(layer, dict) else None
        unusable = isinstance(kind, str) and (kind in bad_blocks or (not isinstance(written, dict)
                                                                     and kind not in RULES))
        if isinstance(layer, dict) and (index in bad_layers or unusable):
            placeholder, stand_ins[index] = _placeholder(layer, names[index], shown_names[index], index, known,
                                                         names[index] in taken)
            repaired.append(placeholder)
        elif isinstance(layer, dict) and layer.get("name") is None and names_ok([names[index]]) \
                and "." not in names[index]:
            repaired.append({**layer, "name": names[index]})
        else:
            repaired.append(layer)
    return repaired, stand_ins


def _expander_names(layers: list[Any]) -> list[str]:
    """Each top-level layer's name as ``netcheck.expansion`` gives it: its own, ``<type>_<n>`` or ``layer_<i>``."""
    counts: dict[str, int] = {}
    names = []
    for index, layer in enumerate(layers):
        kind = layer.get("type") if isinstance(layer, dict) else None
        if isinstance(kind, str):
            counts[kind] = counts.get(kind, 0) + 1
        own = layer.get("name") if isinstance(layer, dict) else None
        names.append(own if isinstance(own, str) else f"{kind}_{counts[kind]}" if isinstance(kind, str)
                     else f"layer_{index + 1}")
    return names


def _placeholder(layer: dict[str, Any], name: str, shown: str, index: int, known: set[str], taken: bool
                 ) -> tuple[dict[str, Any], _StandIn]:
    """A layer that expands to one identity (a concat for several inputs) with the broken layer's name and inputs.

    ``name`` is the expander's name for the layer, ``shown`` the one its
    violations give, ``taken`` whether another layer has it too (the NC004 was
    the expander's). A name in doubt is replaced by one no layer can have.
    """
    kind = layer.get("type")
    usable = "." not in name and names_ok([name]) and not taken
    own = layer.get("name")
    doubtful = not usable or (own is None and not (isinstance(kind, str) and kind in known)) or \
        (own is not None and not isinstance(own, str))
    value = layer.get("inputs")
    listed = one_input(value) if value is not None else None
    wired = listed is None or names_ok(listed)
    if listed is None and isinstance(kind, str) and kind in validation.LAYER_CLASSES:
        wired = not validation.LAYER_CLASSES[kind].model_fields["inputs"].is_required()
    several = wired and isinstance(listed, list) and len(listed) > 1
    placeholder: dict[str, Any] = {"type": "concat" if several else "identity",
                                   "name": f"\u2039skipped {index + 1}\u203a" if doubtful else name}
    if wired and listed:
        placeholder["inputs"] = list(listed)
    kind_shown = validation.render_text(kind) if isinstance(kind, str) else "?"
    return placeholder, _StandIn(kind_shown, shown if doubtful else name, doubtful, not wired)
