"""Reporting: highlighted articles, the figure registry with byte-stable saving, and a notebook explorer.

- :mod:`~analysis.report.highlight`: :func:`highlight_article`, :func:`highlight_document` (HTML,
  everything escaped), :func:`html_page`
- :mod:`~analysis.report.figures`: :data:`FIGURES` (stable ids -> plotting function + table builder),
  :class:`FigureData`, :func:`build_figure`, :func:`save_figure`
- :mod:`~analysis.report.style`: the Okabe-Ito palette, fixed outlet and category colours, the packaged
  matplotlib style
- :mod:`~analysis.report.explorer`: an ipywidgets explorer (outlet, category, entry -> concordance and
  highlighted article)
- :mod:`~analysis.report.tables`: :func:`compact_summary` (what ``score`` prints) and :func:`format_table`
  (plain text, Markdown, LaTeX)
- ``python -m analysis figures --out DIR [--corpus PATH]`` (:mod:`~analysis.report.run`, CLI in :mod:`~analysis.cli.figures`)

The names below are imported on first use, so ``analysis.report.tables`` does not pull in matplotlib.
"""
from __future__ import annotations

import importlib

_WHERE = {
    "FIGURES": "figures", "FigureData": "figures", "build_figure": "figures", "figure_ids": "figures",
    "save_figure": "figures", "highlight_article": "highlight", "highlight_document": "highlight",
    "html_page": "highlight", "category_colors": "style", "outlet_colors": "style", "outlet_styles": "style",
}


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f"analysis.report.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'analysis.report' has no attribute {name!r}")


__all__ = [
    "FIGURES",
    "FigureData",
    "build_figure",
    "category_colors",
    "figure_ids",
    "highlight_article",
    "highlight_document",
    "html_page",
    "outlet_colors",
    "outlet_styles",
    "save_figure",
]
