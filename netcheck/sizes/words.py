"""``netcheck sizes`` in words and in JSON (FORMAT.md §9); the wording rules are in ``netcheck.sizes``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netcheck.sizes.sets import Progression
from netcheck.vocabulary import MAX_SIZE

if TYPE_CHECKING:
    from netcheck.sizes import AxisSizes, SizesResult

SHOWN = 3  # members shown after a progression


def axis_json(axis: AxisSizes) -> dict[str, Any]:
    """``{"declared", "valid", "nearest", "sets"}`` for one axis."""
    return {"declared": axis.declared, "valid": axis.valid, "nearest": list(axis.nearest),
            "sets": [{"from": run.start, "step": run.step} for run in axis.sets]}


def result_json(result: SizesResult) -> dict[str, Any]:
    """``{"path", "width", "height"}``."""
    return {"path": result.path, "width": axis_json(result.width), "height": axis_json(result.height)}


def result_text(result: SizesResult) -> str:
    """Two lines, ``width:`` then ``height:``, aligned."""
    return "\n".join(axis_line(axis) for axis in (result.width, result.height))


def axis_line(axis: AxisSizes) -> str:
    """``width:  16k for k ≥ 2 (32, 48, 64, …); declared 250 is not valid: nearest 240 and 256``."""
    label = f"{axis.axis + ':':<8}"
    if not axis.sets:
        return f"{label}no size is valid; declared {axis.declared} is not valid"
    cut = ""
    if axis.limit < MAX_SIZE and any(run.step for run in axis.sets):
        cut = f", none above {axis.limit} (a larger one takes a layer past 2³¹ − 1)"
    return f"{label}{sets_text(list(axis.sets), axis.limit)}{cut}; {verdict(axis)}"


def sets_text(sets: list[Progression], limit: int) -> str:
    """The sets in order: consecutive single values joined by commas, consecutive progressions of one step
    from one k by ``or`` into one phrase (``4k or 4k + 1 for k ≥ 1 (4, 5, 8, …)``), the groups by ``or``."""
    groups: list[list[Progression]] = []
    for run in sets:
        last = groups[-1][-1] if groups else None
        if last is not None and _same_group(last, run):
            groups[-1].append(run)
        else:
            groups.append([run])
    return " or ".join(_group_text(group, limit) for group in groups)


def _same_group(last: Progression, run: Progression) -> bool:
    if last.step == 0 or run.step == 0:
        return last.step == run.step
    return last.step == run.step > 1 and last.start // last.step == run.start // run.step


def _group_text(group: list[Progression], limit: int) -> str:
    first = group[0]
    if first.step == 0:
        return ", ".join(str(run.start) for run in group)
    members = sorted(run.start + i * run.step for run in group for i in range(SHOWN + 1))[:SHOWN + 1]
    shown = [str(size) for size in members[:SHOWN] if size <= limit]
    if members[SHOWN] <= limit:
        shown.append("…")
    listing = ", ".join(shown)
    if first.step == 1:
        return f"every size ≥ {first.start} ({listing})"
    terms = " or ".join(f"{run.step}k" + (f" + {run.start % run.step}" if run.start % run.step else "")
                        for run in group)
    return f"{terms} for k ≥ {first.start // first.step} ({listing})"


def verdict(axis: AxisSizes) -> str:
    """``declared 256 is valid``, or not valid with the nearest valid sizes (or what is missing)."""
    if axis.valid:
        return f"declared {axis.declared} is valid"
    below, above = axis.nearest
    said = f"declared {axis.declared} is not valid"
    if below is not None and above is not None:
        return f"{said}: nearest {below} and {above}"
    if below is not None:
        return f"{said}: nearest {below} (none above, up to {axis.max_size})"
    if above is not None:
        return f"{said}: nearest {above} (none below)"
    return f"{said}: none up to {axis.max_size}"
