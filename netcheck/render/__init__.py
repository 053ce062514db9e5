"""``netcheck render``: a picture of the network, as SVG or as a self-contained HTML page (FORMAT.md §9).

``netcheck.render.scene`` decides what is drawn (block uses folded),
``netcheck.render.layout`` where (a layered layout, top to bottom),
``netcheck.render.volume`` how big (W×H×D on a log scale), ``netcheck.render.svg``
draws it and ``netcheck.render.html`` makes the page around it.
"""

from __future__ import annotations

from netcheck.results import FileReport


def svg_document(report: FileReport) -> str:
    """The standalone SVG picture of a checked file."""
    from netcheck.render.svg import document

    return document(report)


def html_page(report: FileReport) -> str:
    """The self-contained HTML page of a checked file: picture, table, violations with fixes, totals."""
    from netcheck.render.html import page

    return page(report)


__all__ = ["html_page", "svg_document"]
