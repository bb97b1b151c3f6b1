"""The ``sourcing_profile`` figure: who the outlets let speak, and how hedged that speech is.

Left panel: per outlet, the share of its attributions by source type (a stacked bar of 100%; the
types of :mod:`analysis.measure.attribution`, pronouns counted as the source they resolve to). Right
panel: per outlet, the share of attributions whose content is hedged or evidence-absent, for named
(person or organisation) and for anonymous sources, with document-bootstrap intervals. The tables are
those of :mod:`analysis.compare.sourcing`.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .style import style_context

__all__ = ["SOURCE_TYPE_COLORS", "plot_sourcing_profile"]

SOURCE_TYPE_COLORS = {
    "named_person": "#1f5a96", "named_organisation": "#6a9fd4", "anonymous": "#c0392b", "vague": "#e59866",
    "document": "#7d8c4a", "pronoun": "#9b8fb8", "outlet": "#5d6d7e", "none": "#d5d8dc",
}
_LABELS = {"named_person": "named person", "named_organisation": "named organisation", "anonymous": "anonymous",
           "vague": "vague", "document": "document", "pronoun": "pronoun (unresolved)", "outlet": "outlet",
           "none": "no source found"}


def plot_sourcing_profile(shares: pd.DataFrame, hedging: pd.DataFrame, title: str | None = None,
                          order: list | None = None) -> Figure:
    """The figure from :func:`analysis.compare.sourcing.source_shares` and
    :func:`~analysis.compare.sourcing.content_hedging` tables (``group`` or ``outlet`` column).

    ``order``: the outlets top to bottom (default: most attributions first, ties by name)."""
    col = "outlet" if "outlet" in shares.columns else "group"
    for c in (col, "source_type", "share", "n_attributions"):
        if c not in shares.columns:
            raise ValueError(f"the shares table has no {c!r} column")
    totals = shares.groupby(col)["n_attributions"].first()
    if order is None:
        order = sorted(totals.index.astype(str), key=lambda g: (-int(totals.get(g, 0)), g))
    types = [t for t in SOURCE_TYPE_COLORS if t in set(shares["source_type"])]
    y = np.arange(len(order))[::-1]
    with style_context():
        fig = Figure(figsize=(11, 1.2 + 0.42 * len(order)), layout="constrained")
        ax, bx = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2]})
        left = np.zeros(len(order))
        piv = shares.assign(**{col: shares[col].astype(str)}).pivot_table(
            index=col, columns="source_type", values="share", aggfunc="first").reindex(order)
        for t in types:
            v = piv[t].fillna(0).to_numpy() if t in piv.columns else np.zeros(len(order))
            ax.barh(y, v, left=left, color=SOURCE_TYPE_COLORS[t], label=_LABELS[t], height=0.7,
                    edgecolor="white", linewidth=0.5)
            left += v
        ax.set_yticks(y, [f"{g} ({int(totals.get(g, 0))})" for g in order])
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of the outlet's attributions (number of attributions in brackets)")
        ax.legend(ncols=4, loc="lower left", bbox_to_anchor=(0, 1.0), fontsize="small", frameon=False)
        hcol = "outlet" if "outlet" in hedging.columns else "group"
        kinds = [("named_person", "named person", "o", -0.15), ("named_organisation", "named organisation", "s", 0.0),
                 ("anonymous", "anonymous", "D", 0.15)]
        for t, label, marker, dy in kinds:
            sub = hedging[hedging["source_type"] == t].assign(**{hcol: lambda d: d[hcol].astype(str)})
            sub = sub.set_index(hcol).reindex(order)
            val = sub["share"].to_numpy(dtype=float)
            lo, hi = sub["low"].to_numpy(dtype=float), sub["high"].to_numpy(dtype=float)
            ok = np.isfinite(val)
            err = np.vstack([np.where(np.isfinite(lo), val - lo, 0), np.where(np.isfinite(hi), hi - val, 0)])
            bx.errorbar(val[ok], y[ok] + dy, xerr=err[:, ok], fmt=marker, color=SOURCE_TYPE_COLORS[t],
                        label=label, markersize=5, capsize=2, linewidth=1)
        bx.set_xlim(0, 1)
        bx.set_xlabel("share with hedged or evidence-absent content\n(95% document-bootstrap interval)")
        bx.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=3, fontsize="small", frameon=False)
        fig.suptitle(title or "Who speaks, and how hedged: attributions by source type per outlet")
    return fig
