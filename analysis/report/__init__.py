"""Reporting: highlighted articles, the figure registry with byte-stable saving, and a notebook explorer.

- :mod:`~analysis.report.highlight`: :func:`highlight_article`, :func:`highlight_document` (HTML,
  everything escaped), :func:`html_page`
- :mod:`~analysis.report.figures`: :data:`FIGURES` (stable ids -> plotting function + table builder),
  :class:`FigureData`, :func:`build_figure`, :func:`save_figure`
- :mod:`~analysis.report.style`: the Okabe-Ito palette, fixed outlet and category colours, the packaged
  matplotlib style
- :mod:`~analysis.report.explorer`: an ipywidgets explorer (outlet, category, entry -> concordance and
  highlighted article)
- ``python -m analysis figures --out DIR [--corpus PATH]`` (:mod:`~analysis.report.run`, CLI in :mod:`~analysis.cli.figures`)
"""
from analysis.report.figures import FIGURES, FigureData, build_figure, figure_ids, save_figure
from analysis.report.highlight import highlight_article, highlight_document, html_page
from analysis.report.style import category_colors, outlet_colors, outlet_styles

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
