"""The solver's pieces as the fewest disjoint sorted progressions and single values, and searches in them.

Every piece that runs to the axis's limit gives unbounded progressions, any
other piece its few sizes. The union is eventually periodic: beyond the last
start (and the last single value) a size is valid exactly when its residue
modulo the common period is. The smallest period that keeps that residue set,
and for each residue class the lowest start from which the class stays
valid, give the progressions; what they do not cover is listed as single
values. When the period or the starts are too large to walk (absurd networks)
the progressions are given as the pieces make them, still exact and disjoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd, lcm

from netcheck.sizes.pieces import Piece

WALK = 100_000  # the most residues, or sizes below the periodic part, walked to merge progressions
LISTED = 100_000  # the most sizes a bounded piece may list


@dataclass(frozen=True, slots=True, order=True)
class Progression:
    """``start, start + step, start + 2·step, …`` (unbounded); ``step`` 0 is the single value ``start``."""

    start: int
    step: int

    def below(self, bound: int) -> int | None:
        """The largest member ≤ ``bound``, or None."""
        if bound < self.start:
            return None
        if self.step == 0:
            return self.start
        return self.start + (bound - self.start) // self.step * self.step

    def above(self, bound: int) -> int | None:
        """The smallest member ≥ ``bound`` (unbounded: there is always one)."""
        if bound <= self.start:
            return self.start
        if self.step == 0:
            return None
        return self.start + -(-(bound - self.start) // self.step) * self.step

    def __contains__(self, size: object) -> bool:
        if not isinstance(size, int) or size < self.start:
            return False
        return size == self.start if self.step == 0 else (size - self.start) % self.step == 0


def progressions(pieces: list[Piece], limit: int) -> list[Progression]:
    """The sizes of ``pieces`` up to ``limit`` as disjoint progressions and single values, sorted by start."""
    runs: list[Progression] = []
    singles: set[int] = set()
    for piece in pieces:
        if piece.top is None:
            _open_runs(piece, limit, runs, singles)
        else:
            singles.update(_listed(piece, limit))
    return canonical(runs, singles)


def _open_runs(piece: Piece, limit: int, runs: list[Progression], singles: set[int]) -> None:
    for embed in piece.embeds:
        if embed.full:
            candidates = [Progression(embed.low, 1)]
        elif embed.high - embed.low >= LISTED:
            from netcheck.sizes.steps import Unsolvable

            raise Unsolvable(f"{embed.high - embed.low + 1:,} residue classes modulo {embed.step:,}: too many to list")
        else:
            candidates = [Progression(residue, embed.step) for residue in range(embed.low, embed.high + 1)]
        for run in candidates:
            if run.start + run.step <= limit:
                runs.append(run)
            elif run.start <= limit:
                singles.add(run.start)


def _listed(piece: Piece, limit: int) -> list[int]:
    top = piece.top or 0
    count = (top + 1) * sum(embed.high - embed.low + 1 for embed in piece.embeds)
    if count > LISTED:
        from netcheck.sizes.steps import Unsolvable

        raise Unsolvable(f"{count:,} isolated valid sizes: too many to list")
    return [size for embed in piece.embeds for k in range(top + 1)
            for size in range(embed.step * k + embed.low, embed.step * k + embed.high + 1) if size <= limit]


def canonical(runs: list[Progression], singles: set[int]) -> list[Progression]:
    """The union of disjoint ``runs`` (unbounded) and ``singles``, written with the fewest progressions."""
    if not runs:
        return sorted(Progression(size, 0) for size in singles)
    period = 1
    for run in runs:
        period = lcm(period, run.step)
        if period > WALK:
            return sorted([*runs, *(Progression(size, 0) for size in singles)])
    threshold = max([run.start for run in runs] + [size + 1 for size in singles])
    if threshold > WALK:
        return sorted([*runs, *(Progression(size, 0) for size in singles)])
    residues = {(run.start + i * run.step) % period for run in runs for i in range(period // run.step)}
    step = _smallest_period(residues, period)
    return _rewritten(runs, singles, threshold, step, {residue % step for residue in residues})


def _smallest_period(residues: set[int], period: int) -> int:
    for step in range(1, period + 1):
        if period % step == 0 and all((residue + step) % period in residues for residue in residues):
            return step
    return period


def _rewritten(runs: list[Progression], singles: set[int], threshold: int, step: int,
               classes: set[int]) -> list[Progression]:
    def member(size: int) -> bool:
        return size in singles or any(size in run for run in runs)

    out = []
    covered: list[Progression] = []
    for residue in sorted(classes):
        start = threshold + (residue - threshold) % step
        while start - step >= 1 and member(start - step):
            start -= step
        covered.append(Progression(start, step))
    out.extend(covered)
    below = {size for size in range(1, threshold) if member(size)}
    out.extend(Progression(size, 0) for size in sorted(below) if not any(size in run for run in covered))
    return sorted(out)


def contains(sets: list[Progression], size: int, limit: int) -> bool:
    """True when ``size`` (≤ ``limit``) is in one of ``sets``."""
    return size <= limit and any(size in run for run in sets)


def nearest(sets: list[Progression], size: int, limit: int, max_size: int) -> tuple[int | None, int | None]:
    """The largest valid size below ``size`` and the smallest above it, both searched up to ``max_size``."""
    top = min(limit, max_size)
    lower = [found for run in sets for found in [run.below(min(size - 1, top))] if found is not None]
    upper = [found for run in sets for found in [run.above(size + 1)] if found is not None and found <= top]
    return (max(lower) if lower else None, min(upper) if upper else None)


def intersection(first: list[Progression], second: list[Progression]) -> list[Progression]:
    """The sizes in both ``first`` and ``second`` (each disjoint), written as ``canonical`` writes them."""
    runs: list[Progression] = []
    singles: set[int] = set()
    for one in first:
        for other in second:
            if one.step == 0 or other.step == 0:
                single, run = (one, other) if one.step == 0 else (other, one)
                if single.start in run:
                    singles.add(single.start)
                continue
            met = _met(one, other)
            if met is not None:
                runs.append(met)
    return canonical(runs, singles)


def _met(one: Progression, other: Progression) -> Progression | None:
    """The common members of two unbounded progressions (Chinese remainders), or None."""
    common = gcd(one.step, other.step)
    if (other.start - one.start) % common:
        return None
    step = lcm(one.step, other.step)
    # one.start + one.step·i ≡ other.start (mod other.step)
    turns = (other.start - one.start) // common * pow(one.step // common, -1, other.step // common)
    start = one.start + one.step * (turns % (other.step // common))
    least = max(one.start, other.start)
    if start < least:
        start += -(-(least - start) // step) * step
    return Progression(start, step)
