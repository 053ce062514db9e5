"""NC105 — an `expect` assertion does not hold.

`expect` on a layer (shape, params, trainable_params, non_trainable_params,
unshared_params, macs, neurons) or on the network (output and the totals) is
checked like a test.

`params` is the total, trainable plus non-trainable (BatchNorm's running
mean and variance, as Keras counts them); PyTorch's `parameters()` gives the
trainable count. When a `params` that fails equals the trainable count, the
message says so (`… but the layers give 9,456 = 8,832 trainable + 624
non-trainable (running statistics); 8,832 equals the trainable count
(PyTorch's parameters()): write trainable_params: 8832`),
and the first fix renames the key `params` to `trainable_params` (keeping
its value and its place); the second keeps both, each with what the layers
give.

Why it matters: it pins a spec to the paper or to the framework's summary,
so that an edit that changes the network is caught.

Fails:

    name: pinned
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 20, kernel: 8, stride: 2, padding: 1, expect: {shape: 15x15x20}}

Passes:

    name: pinned
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 20, kernel: 8, stride: 2, padding: 1, expect: {shape: 14x14x20}}
"""

from __future__ import annotations

from collections.abc import Iterator

from netcheck.results import Edit, Fix
from netcheck.rules import Context
from netcheck.rules.words import Facts

CODE = "NC105"
NAME = "expectation"
SEVERITY = "error"


def message(facts: Facts) -> str:
    """``expected params 60,000, but the layers give 61,706``; and why, when it is the trainable count."""
    wanted, actual = facts["wanted"], facts["actual"]
    said = f"expected {facts['what']} {_number(wanted)}, but the layers give {_number(actual)}"
    if not _is_trainable(facts):
        return said
    return (f"{said} = {_number(wanted)} trainable + {_number(actual - wanted)} non-trainable (running statistics); "
            f"{_number(wanted)} equals the trainable count (PyTorch's parameters()): write trainable_params: {wanted}")


def _number(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def _is_trainable(facts: Facts) -> bool:
    """True when an expected ``params`` is the trainable count (and ``trainable_params`` is not written beside it)."""
    return facts.get("trainable") is not None and facts["trainable"] == facts["wanted"]


def candidates(context: Context) -> Iterator[list[Fix]]:
    """Pin the expectation to what the layers give (when the layers are right and the note is stale).

    An expected ``params`` that is the trainable count is first renamed ``trainable_params``, then kept
    beside ``params`` set to the total.
    """
    finding = context.finding
    facts = finding.facts
    actual = facts.get("actual")
    if _is_trainable(facts) and isinstance(actual, int):
        wanted, parent = facts["wanted"], finding.path[:-1]
        fixes = [Fix(f"rename params to trainable_params: {wanted} (the trainable count)",
                     (Edit(finding.path, None, rename="trainable_params"),))] if _renamable(context) else []
        fixes.append(Fix(f"trainable_params: {wanted} and params: {actual} (what the layers give)",
                         (Edit((*parent, "trainable_params"), wanted), Edit(finding.path, actual))))
        yield fixes
    if actual is not None:
        yield [Fix(f"expect {actual:,} (what the layers give)" if isinstance(actual, int)
                   else f"expect {actual} (what the layers give)",
                   (Edit(finding.path, actual),))]


def _renamable(context: Context) -> bool:
    """Whether a rename of the finding's key reaches the document as a rename.

    A network with blocks moves the edits of its layers and uses to where they are written
    (``netcheck.expansion``), which moves values, not renames; the network's own ``expect`` stays in place.
    """
    source = context.network.get("_source")
    return getattr(source, "expansion", None) is None or context.finding.path[:1] == ("expect",)
