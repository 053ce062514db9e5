"""Reporters, one module per format, found by name in a small registry.

Each module defines ``render(reports, settings) -> str``, and
``NEEDS_EXTENTS = True`` when it reads the files' text (the checker then keeps
each document with its node extents); an entry ``module:function`` renders
with that function instead of ``render``. Modules are imported only when their
format is asked for, so the text path never pays for SARIF.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from netcheck.results import FileReport

FORMATS: dict[str, str] = {
    "text": "netcheck.report.text",
    "json": "netcheck.report.json",
    "sarif": "netcheck.report.sarif",
    "github": "netcheck.report.github",
}
#: What ``summary --format`` renders: the per-layer table (text), the JSON report with the summary's additions,
#: GitHub tables (markdown) or one CSV row per layer; all from ``netcheck.report.table``'s rows.
SUMMARY_FORMATS: dict[str, str] = {
    "text": "netcheck.report.table",
    "json": "netcheck.report.json:render_summary",
    "markdown": "netcheck.report.markdown",
    "csv": "netcheck.report.csv",
}


@dataclass(frozen=True, slots=True)
class Settings:
    """How to render: colour or not; for ``summary``, the depth to fold uses of blocks at (None: every layer)."""

    color: bool = False
    depth: int | None = None


Renderer = Callable[[list[FileReport], Settings], "str | Iterable[str]"]


def resolve(name: str, formats: dict[str, str] = FORMATS) -> str:
    """The concrete format for ``name``: ``auto`` is github under GitHub Actions (when offered), else text."""
    if name == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" and "github" in formats else "text"
    return name


def renderer(name: str, formats: dict[str, str] = FORMATS) -> Renderer:
    """The render function of format ``name`` among ``formats`` (``render``, or the one named after a colon).

    KeyError when there is no such format.
    """
    module_name, _, function = formats[resolve(name, formats)].partition(":")
    render: Renderer = getattr(importlib.import_module(module_name), function or "render")
    return render


def unknown(name: str, formats: dict[str, str] = FORMATS, command: str = "") -> str | None:
    """The usage error for a format ``name`` that ``formats`` (of ``command``) does not offer, else None."""
    if resolve(name, formats) in formats:
        return None
    used = f" for {command}" if command else ""
    return f"unknown format {name!r}{used}; choose from {', '.join(['auto', *formats])}"


def needs_extents(name: str) -> bool:
    """True when format ``name`` reads the files' text and node extents (KeyError for no such format)."""
    return bool(getattr(importlib.import_module(FORMATS[resolve(name)]), "NEEDS_EXTENTS", False))
