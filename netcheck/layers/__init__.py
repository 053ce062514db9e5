"""One rule per layer type: from the input flows to the output flow, counts and problems.

Every rule is pure and exact: ``rule(layer, flows, rounding) -> Outcome``.
"""

from __future__ import annotations

from netcheck.layers import conv, dense, elementwise, merge, pool, reshape
from netcheck.layers.base import Field, Flow, Outcome, Problem, Rule

#: Every layer type's rule: each family module declares the types it computes.
RULES: dict[str, Rule] = {
    kind: rule for module in (conv, pool, reshape, dense, elementwise, merge) for kind, rule in module.RULES.items()
}

__all__ = ["RULES", "Field", "Flow", "Outcome", "Problem", "Rule"]
