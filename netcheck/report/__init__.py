"""Reporters, one module per format, found by name in a small registry.

Each module defines ``render(reports, settings) -> str``, and
``NEEDS_EXTENTS = True`` when it reads the files' text (the checker then keeps
each document with its node extents). Modules are imported only when their
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


@dataclass(frozen=True, slots=True)
class Settings:
    """How to render: colour or not."""

    color: bool = False


Renderer = Callable[[list[FileReport], Settings], "str | Iterable[str]"]


def resolve(name: str) -> str:
    """The concrete format for ``name``: ``auto`` is github under GitHub Actions, else text."""
    if name == "auto":
        return "github" if os.environ.get("GITHUB_ACTIONS") == "true" and "github" in FORMATS else "text"
    return name


def renderer(name: str) -> Renderer:
    """The ``render`` function of format ``name``; KeyError when there is no such format."""
    module = importlib.import_module(FORMATS[resolve(name)])
    render: Renderer = module.render
    return render


def needs_extents(name: str) -> bool:
    """True when format ``name`` reads the files' text and node extents (KeyError for no such format)."""
    return bool(getattr(importlib.import_module(FORMATS[resolve(name)]), "NEEDS_EXTENTS", False))
