"""NC206 — a `# netcheck: ignore` comment that silences nothing.

A comment `# netcheck: ignore[NC203]` on the line of a layer's first key, or
on the line of the key a violation points at, silences those codes there
(several codes separated by commas; a prefix such as `NC2` names every NC2xx
code); `# netcheck: ignore` silences every code. A comment that silences
nothing, or a code in it that silences nothing, is this warning, at the
comment: the problem it was written for has been fixed (or moved), and a stale
suppression would hide the next one. A misspelt list (`ignore[NC2O3]`, an
unclosed `[`) is reported the same way. The warning is given only when the
whole file could be checked, and never for a code the run does not report
anyway (`--ignore`, `--select`, `[tool.netcheck]`).

Why it matters: suppressions are exceptions that should each say "this is
intended here"; one that no longer applies is noise that hides intent.

Fails:

    name: resnet-stem
    input: 57x57x64
    layers:
      - name: shortcut   # netcheck: ignore[NC203]
        type: conv2d
        filters: 128
        kernel: 3
        stride: 2
        padding: 1

Passes:

    name: resnet-stem
    input: 57x57x64
    layers:
      - name: shortcut   # netcheck: ignore[NC203]
        type: conv2d
        filters: 128
        kernel: 1
        stride: 2
"""

from __future__ import annotations

from netcheck.rules.words import Facts

CODE = "NC206"
NAME = "unused-suppression"
SEVERITY = "warning"


def message(facts: Facts) -> str:
    """What the comment ``facts["comment"]`` fails to do: ``facts["why"]`` if it is malformed, else which code.

    ``facts["code"]`` is the code that silences nothing (empty: the bare
    ``ignore``, which silenced nothing at all); ``facts["known"]`` is False
    when that code is not a netcheck code.
    """
    comment = f"`{facts['comment']}`"
    if facts.get("why"):
        return f"{comment} silences nothing: {facts['why']}"
    code = facts.get("code")
    if not code:
        return f"{comment} silences nothing: no violation is reported on this line or its layer"
    if not facts.get("known", True):
        return f"{comment}: {code} is not a netcheck code"
    return f"{comment}: {code} silences nothing: no {code} is reported on this line or its layer"
