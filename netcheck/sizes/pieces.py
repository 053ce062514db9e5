"""Sets of input sizes on which every computed size is affine: the solver's unit of work.

A ``Piece`` stands for the input sizes ``M·k + r`` (one ``Embed`` per run of
residues ``r``) for ``k = 0 … top`` (``top`` None: unbounded), and holds, for
every node of the network still to be read, its size and its depth as
affine forms ``a·k + b`` of the same ``k``. Splitting a piece by the residue
of ``k`` (``k = m·j + t``) or into intervals of ``k`` keeps every form affine;
that is all the solver needs. Integers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

#: ``a·k + b`` as ``(a, b)``.
Form = tuple[int, int]


def at(form: Form, k: int) -> int:
    """The form's value at ``k``."""
    return form[0] * k + form[1]


def substituted(form: Form, m: int, t: int) -> Form:
    """The form in ``j`` where ``k = m·j + t``."""
    return (form[0] * m, form[0] * t + form[1])


def period_for(form: Form, q: int) -> int:
    """The smallest m such that ``form`` in ``j`` (``k = m·j + t``) has a slope divisible by ``q``."""
    return q // gcd(form[0], q)


def boundaries(form: Form, threshold: int) -> tuple[int, ...]:
    """Where ``form`` compared with ``threshold`` (<, =, >) may change: the starts of the cells after them.

    With ``x = (threshold − b)/a``: a whole x gives the cells ``… x−1 | x | x+1 …``,
    any other x one boundary at ``ceil(x)``; a constant form none.
    """
    slope, offset = form
    if slope == 0:
        return ()
    whole, rest = divmod(threshold - offset, slope)
    return (whole, whole + 1) if rest == 0 else (whole + 1,)


@dataclass(frozen=True, slots=True)
class Embed:
    """The input sizes ``step·k + r`` for ``low ≤ r ≤ high`` (distinct for distinct (k, r))."""

    step: int
    low: int
    high: int

    def substituted(self, m: int, t: int) -> Embed:
        """The same sizes with ``k = m·j + t``."""
        return Embed(self.step * m, self.step * t + self.low, self.step * t + self.high)

    def shifted(self, by: int) -> Embed:
        """The same sizes with ``k = i + by``."""
        return Embed(self.step, self.low + self.step * by, self.high + self.step * by)

    def first_at(self, k: int) -> int:
        """The smallest input size with this ``k``."""
        return self.step * k + self.low

    @property
    def full(self) -> bool:
        """True when every residue modulo ``step`` is present: the sizes are consecutive."""
        return self.high - self.low + 1 >= self.step


@dataclass(slots=True)
class Piece:
    """Input sizes and, for each live node, its size and depth as forms of one parameter ``k``.

    ``depths`` holds None for a depth that cannot be known (the other axis has
    no size where a flatten needs it).
    """

    embeds: tuple[Embed, ...]
    top: int | None
    sizes: dict[str, Form]
    depths: dict[str, Form | None]

    def residue(self, m: int, t: int) -> Piece | None:
        """The part with ``k ≡ t (mod m)``, in ``j`` where ``k = m·j + t``; None when empty."""
        if m == 1:
            return self
        top = None if self.top is None else (self.top - t) // m
        if top is not None and top < 0:
            return None
        return Piece(tuple(embed.substituted(m, t) for embed in self.embeds), top,
                     {name: substituted(form, m, t) for name, form in self.sizes.items()},
                     {name: None if form is None else substituted(form, m, t) for name, form in self.depths.items()})

    def interval(self, low: int, high: int | None) -> Piece:
        """The part with ``low ≤ k ≤ high``, reparametrised to start at 0 (a single k: constant forms)."""
        top = None if high is None else high - low
        if top == 0:
            return Piece(tuple(Embed(1, embed.first_at(low), embed.first_at(low) + embed.high - embed.low)
                               for embed in self.embeds), 0,
                         {name: (0, at(form, low)) for name, form in self.sizes.items()},
                         {name: None if form is None else (0, at(form, low)) for name, form in self.depths.items()})
        return Piece(tuple(embed.shifted(low) for embed in self.embeds), top,
                     {name: (form[0], at(form, low)) for name, form in self.sizes.items()},
                     {name: None if form is None else (form[0], at(form, low))
                      for name, form in self.depths.items()})

    def first_size_at(self, k: int) -> int:
        """The smallest input size of this piece with parameter ``k``."""
        return min(embed.first_at(k) for embed in self.embeds)

    def key(self) -> tuple[object, ...]:
        """What two pieces must share to be one: the range of k and every live form."""
        return (self.top, tuple(sorted(self.sizes.items())), tuple(sorted(self.depths.items(), key=_depth_order)))


def _depth_order(item: tuple[str, Form | None]) -> tuple[str, bool, Form]:
    name, form = item
    return (name, form is None, form or (0, 0))


def merged(pieces: list[Piece]) -> list[Piece]:
    """Pieces with the same range and forms joined into one (their input sizes united), in first-seen order."""
    groups: dict[tuple[object, ...], Piece] = {}
    for piece in pieces:
        key = piece.key()
        known = groups.get(key)
        if known is None:
            groups[key] = piece
        else:
            known.embeds = known.embeds + piece.embeds
    for piece in groups.values():
        piece.embeds = joined(piece.embeds)
    return list(groups.values())


def joined(embeds: tuple[Embed, ...]) -> tuple[Embed, ...]:
    """Embeds of one step whose residue runs touch, joined (the sizes they stand for are unchanged)."""
    ordered = sorted(embeds, key=lambda embed: (embed.step, embed.low))
    out: list[Embed] = []
    for embed in ordered:
        last = out[-1] if out else None
        if last is not None and last.step == embed.step and last.high + 1 == embed.low:
            out[-1] = Embed(last.step, last.low, embed.high)
        else:
            out.append(embed)
    return tuple(out)
