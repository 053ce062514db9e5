"""Text from a spec made safe for a terminal: no control, escape or bidi characters."""

from __future__ import annotations

import re

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff]")


def safe(text: str) -> str:
    """``text`` with every control, invisible or lone-surrogate character shown as ``\\uXXXX``."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
