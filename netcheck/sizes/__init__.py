"""``netcheck sizes`` (FORMAT.md §9): every input size under which the network is valid, exactly.

    from netcheck.sizes import sizes_of_path, to_text
    result = sizes_of_path("unet.yaml")          # a SizesResult, or the NC001–NC004 violations that stop it
    print(to_text(result))
    # width:  16k for k ≥ 1 (16, 32, 48, …); declared 250 is not valid: nearest 240 and 256
    # height: 16k for k ≥ 1 (16, 32, 48, …); declared 256 is valid

**What is solved.** For each axis, width then height, the set of input sizes
1 … 2³¹ − 1 under which the engine finds no error other than NC105, the
other axis and the depth as declared. Every error code counts (NC101, NC102,
NC103, NC104, NC106, …), as the engine finds it: ``# netcheck: ignore``
comments and ``--ignore`` do not change the answer. Each axis is solved on
its own: a layer's parameters are taken on that axis, and errors of the other
axis are left out. Where the axes meet (a flatten's depth W·H·D, then
anything that tests that depth: an add of two flattened branches, groups, a
slice) the other axis's size is the one the declared input gives it; where
the declared input breaks the other axis before such a meeting, the depth
there is unknown and the conditions on it are left out.

**How** (``netcheck.sizes.solve``). Every layer maps a size to a size by a
floor/ceil-affine rule, so the sizes are propagated as *pieces*: input sizes
``M·k + r`` with every node's size and depth an affine form of ``k``. Each
layer splits a piece by the residue of ``k`` (strides, factors, groups) and at
its thresholds (kernel larger than the padded input, merges that agree,
dense's 1 × 1) so that on each part its output is affine and its verdict
uniform; an affine form is fixed by two values, so the layer's own rule
from ``netcheck.layers``, run at the part's first two sizes, gives it exactly
(two more runs check the solver itself: ``SolverError`` if they disagree).
Nothing is sampled: the split is what proves the part affine, the answer
holds for every size, and the cost depends on the network's structure (its
layers, strides and merges), not on ``max_size`` nor on the sizes.

**Limits.** A size past 2³¹ − 1 anywhere (NC106) cuts every larger input:
the axis's ``limit`` is the largest input size not cut, and a progression
that runs to it is written unbounded, as FORMAT.md says of 2³¹ − 1. The other
NC106 case, a receptive field or jump past 10¹⁸ pixels, is not modelled (it
needs strides multiplying to more than 10⁹). A network the solver cannot
solve exactly raises ``Unsolvable`` (a layer type it does not know, a
flatten of a volume whose size and depth both grow with the input, more
than 4,096 residue classes that behave differently at once, as floored
strides under a long skip connection make); a caller such as the CLI
reports it (and ``SolverError``) as an error of the file.

**Wording** of the text (the JSON is exactly §9's):

* a progression of step s from a: ``sk for k ≥ a/s`` when s divides a
  (``16k for k ≥ 2``), else ``sk + c for k ≥ ⌊a/s⌋`` with c = a mod s
  (``16k + 8 for k ≥ 0``); step 1 is ``every size ≥ a``; each is followed
  by its first three members and ``…`` (``(32, 48, 64, …)``); members past the
  axis's limit are not shown;
* a single value is the number; consecutive single values are joined by
  commas; consecutive progressions of one step from one k make one phrase,
  their terms joined by ``or``, with the first three members of their union:
  ``4k or 4k + 1 for k ≥ 1 (4, 5, 8, …)``; the groups are joined by ``or``, in
  increasing order of their first member: ``7, 9 or 16k for k ≥ 2 (…)``;
* no valid size: ``no size is valid; declared 250 is not valid``;
* the verdict: ``declared 256 is valid``; ``declared 250 is not valid:
  nearest 240 and 256``; with one side null, ``nearest 240 (none above, up
  to 4096)`` or ``nearest 256 (none below)``; with both null, ``none up to
  4096``; the sets and the verdict are separated by ``; ``;
* when the axis's limit is below 2³¹ − 1 and a progression runs to it, the
  sets are followed by ``, none above 2047 (a larger one takes a layer past
  2³¹ − 1)``;
* the labels ``width:`` and ``height:`` are padded to one width.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netcheck.results import Options, Violation
from netcheck.sizes.sets import Progression, contains, intersection, nearest, progressions
from netcheck.sizes.solve import SolverError, plan_of, records_of, solve
from netcheck.sizes.steps import AXES, Unsolvable
from netcheck.sizes.words import result_json, result_text

DEFAULT_MAX = 4096
#: The codes that stop the solver: the file cannot be read, fit the schema, or make a graph.
STOPPING = ("NC001", "NC002", "NC003", "NC004")

__all__ = [
    "DEFAULT_MAX", "AxisSizes", "Progression", "SizesResult", "SolverError", "Unsolvable", "exit_status",
    "input_candidates", "sizes_of_path", "sizes_of_text", "to_json", "to_text", "valid_sizes",
]


@dataclass(frozen=True, slots=True)
class AxisSizes:
    """One axis's answer: the declared size, its verdict, the nearest valid sizes, the sets.

    ``nearest`` is ``(declared,)`` when it is valid, else ``(below, above)``
    (None where there is none up to ``max_size``); ``sets`` are disjoint and
    sorted; ``limit`` is the largest size the sets reach (2³¹ − 1 unless a
    layer would grow a size past it).
    """

    axis: str
    declared: int
    valid: bool
    nearest: tuple[int | None, ...]
    sets: tuple[Progression, ...]
    limit: int
    max_size: int


@dataclass(frozen=True, slots=True)
class SizesResult:
    """Both axes' answers for the network at ``path``."""

    path: str
    width: AxisSizes
    height: AxisSizes


def valid_sizes(network: Any, max_size: int = DEFAULT_MAX, path: str = "<network>") -> SizesResult:
    """The valid input sizes of a validated network (a ``netcheck.Network`` or the checker's records).

    Raises ``Unsolvable`` for what the solver cannot solve exactly (see above).
    """
    if max_size < 1:
        raise ValueError("max_size must be at least 1")
    plan = plan_of(records_of(network))
    axes = []
    for axis, name in enumerate(AXES):
        pieces, limit = solve(plan, axis)
        sets = progressions(pieces, limit)
        declared = plan.declared[axis]
        valid = contains(sets, declared, limit)
        near = (declared,) if valid else nearest(sets, declared, limit, max_size)
        axes.append(AxisSizes(name, declared, valid, near, tuple(sets), limit, max_size))
    return SizesResult(path, axes[0], axes[1])


def sizes_of_text(text: str, path: str = "<text>", max_size: int = DEFAULT_MAX) -> SizesResult | list[Violation]:
    """The sizes of the spec ``text`` (as if it were the file ``path``), or the violations that stop them.

    A spec with NC001–NC004 errors cannot be solved: those violations are returned.
    """
    from netcheck.checker import check_text

    return sizes_of_report(check_text(text, path, Options(fixes=False)), max_size)


def sizes_of_path(path: str | Path, max_size: int = DEFAULT_MAX) -> SizesResult | list[Violation]:
    """``sizes_of_text`` for the file at ``path`` (``-``: standard input)."""
    from netcheck.checker import check_path

    name = str(path)
    return sizes_of_report(check_path(name, Options(fixes=False)), max_size)


def sizes_of_report(report: Any, max_size: int = DEFAULT_MAX) -> SizesResult | list[Violation]:
    """The sizes of a checked file (a ``FileReport``), or the NC001–NC004 errors that stop them."""
    stops = [violation for violation in report.violations if violation.is_error and violation.code in STOPPING]
    if stops:
        return stops
    if report.checked is None:  # its errors were silenced by `# netcheck: ignore` comments
        return [Violation("NC001", "the network could not be built, so its sizes cannot be solved", 1, 1)]
    return valid_sizes(report.checked, max_size, report.path)


def input_candidates(result: SizesResult) -> list[tuple[int, int]]:
    """Input planes (width, height) near the declared one that the solver finds valid, nearest first.

    For NC101's fixes to ``input``. A square input stays square (the nearest
    sizes valid on both axes); otherwise only the axes that are not valid
    move, to their nearest valid sizes. Where the axes meet (a flatten's
    depth), moving both at once can still fail: verify each candidate.
    """
    width, height = result.width, result.height
    if width.declared == height.declared:
        both = intersection(list(width.sets), list(height.sets))
        if contains(both, width.declared, min(width.limit, height.limit)):
            return []
        sides = nearest(both, width.declared, min(width.limit, height.limit), width.max_size)
        planes = [(side, side) for side in sides if side is not None]
    else:
        planes = [(w, h) for w in _moves(width) for h in _moves(height) if (w, h) != (width.declared, height.declared)]
    return sorted(planes, key=lambda plane: (abs(plane[0] - width.declared) + abs(plane[1] - height.declared),
                                             plane))


def _moves(axis: AxisSizes) -> list[int]:
    return [axis.declared] if axis.valid else [size for size in axis.nearest if size is not None]


def to_json(result: SizesResult) -> dict[str, Any]:
    """FORMAT.md §9's JSON: ``{"path", "width": {"declared", "valid", "nearest", "sets"}, "height": {…}}``."""
    return result_json(result)


def to_text(result: SizesResult) -> str:
    """FORMAT.md §9's text: a ``width:`` line and a ``height:`` line (no trailing newline)."""
    return result_text(result)


def exit_status(result: SizesResult) -> int:
    """0 when the declared input is valid on both axes, 1 when not."""
    return 0 if result.width.valid and result.height.valid else 1
