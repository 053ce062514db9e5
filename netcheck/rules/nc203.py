"""NC203 — stride > the dilated kernel: some input pixels are never read.

Windows of span F_eff that move by S > F_eff leave S − F_eff pixels between
them unread. A 1×1 convolution with stride 2 (ResNet's downsampling
shortcut) reads one pixel in four on purpose; elsewhere it is usually a
mistake.

Why it matters: information is thrown away without any computation seeing it.

Fails:

    name: strided
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 8, kernel: 2, stride: 3}

Passes:

    name: strided
    input: 32x32x3
    layers:
      - {type: conv2d, filters: 8, kernel: 3, stride: 3, padding: 2}
"""

from __future__ import annotations

from netcheck.rules.words import Facts, line_of

CODE = "NC203"
NAME = "skipped-pixels"
SEVERITY = "warning"


def message(facts: Facts) -> str:
    """``width: stride 3 > the kernel's span 2: 1 input column between windows is never read``."""
    skipped = facts["skipped"]
    return (f"{facts['axis']}: stride {facts['stride']} > the kernel's span {facts['kernel_eff']}: "
            f"{line_of(facts, skipped, 'input ')} between windows {'is' if skipped == 1 else 'are'} never read")
