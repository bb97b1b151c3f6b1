"""Every figure of the project: one plotting function per figure, registered under a stable id, and one way to save.

A figure has two halves. The **plotting function** (``plot_<id>``) takes tidy tables (the outputs of
:mod:`analysis.compare`) and returns a :class:`matplotlib.figure.Figure`; it computes nothing, so the
tests can pin it against baseline images with small hand-made tables. The **table builder** takes a
:class:`FigureData` (a corpus, its :class:`~analysis.measure.scoring.ScoreResult`, events, seed) and
computes those tables. :data:`FIGURES` maps each id to both, the notebook that tells its story and a
one-line description; :func:`build_figure` runs them, and :func:`save_figure` writes SVG and PNG that
are byte-identical from run to run in the same environment (packaged style and font, fixed dpi,
``svg.hashsalt``, no dates or software names in the metadata) with a provenance JSON beside them
(figure id, lexicon names, versions and hashes, corpus hash, package version, parameters).

Outlet colours come from :func:`analysis.report.style.outlet_styles` applied to every outlet of the
corpus, so an outlet keeps its colour in every figure.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.figure import Figure

from ..lexicons.labels import entry_labels
from ..outputs import atomic_write_bytes, atomic_write_text
from ..provenance import dumps
from .sourcing import plot_sourcing_profile
from .style import outlet_styles, style_context

__all__ = [
    "DEFAULT_CATEGORIES",
    "FIGURES",
    "FigureData",
    "FigureSpec",
    "NothingToPlot",
    "build_figure",
    "figure_ids",
    "plot_corrected_rates",
    "plot_dedup_effect",
    "plot_keyness",
    "plot_lexicon_version_shift",
    "plot_rates_by_outlet",
    "plot_rates_over_time",
    "plot_story_matched",
    "plot_term_decomposition",
    "plot_voice_split",
    "register",
    "save_figure",
]

#: Categories shown by the rate figures when the built-in lexicons are used (others: top-level categories).
DEFAULT_CATEGORIES = ("hedging", "evidence_absent", "sourcing.anonymous", "sourcing.named", "booster", "distancing")
WIDTH = 7.0  # inches: a two-column-wide figure; single panels stay legible at 3.5 in
PNG_DPI = 200
#: Groups drawn one by one in the per-outlet figures (the largest by documents); the others are one row.
TOP_GROUPS = 30
#: Panels of the small-multiple figures (rates over time, keyness): the largest groups, then the rest.
TOP_PANELS = 12
REST_COLOR = "#8a8a8a"
_REST_RE = r"^\(\d+ other "


def rest_label(n_groups: int, what: str = "outlets") -> str:
    """The name of the row that summarises the groups not drawn one by one.

    >>> rest_label(270)
    '(270 other outlets)'
    """
    return f"({n_groups} other {what})"


def is_rest(name) -> bool:
    """True for a name made by :func:`rest_label`."""
    import re

    return re.match(_REST_RE, str(name)) is not None


def summarise_groups(frame: pd.DataFrame, top: int = TOP_GROUPS, by: str = "outlet",
                     sizes: pd.Series | None = None) -> pd.DataFrame:
    """``frame`` with every group outside the ``top`` largest (by documents) renamed :func:`rest_label`.

    Parameters
    ----------
    frame : DataFrame
        A documents table or a corpus (one row per document) with a ``by`` column.
    top : int
        Groups kept under their own name: the most documents first, ties by name.
    sizes : Series, optional
        Documents per group to rank by (default: counted in ``frame``).

    Examples
    --------
    >>> docs = pd.DataFrame({"outlet": ["A", "A", "B", "C", "D"]})
    >>> list(summarise_groups(docs, top=2)["outlet"])
    ['A', 'A', 'B', '(2 other outlets)', '(2 other outlets)']
    """
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    names = frame[by].astype(str)
    sizes = names.value_counts() if sizes is None else sizes
    order = sorted(sizes.index.astype(str), key=lambda o: (-int(sizes.get(o, 0)), o))
    if len(order) <= top:
        return frame
    keep = set(order[:top])
    label = rest_label(len(order) - top, "groups" if by != "outlet" else "outlets")
    return frame.assign(**{by: names.where(names.isin(keep), label)})


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def _new_figure(width: float, height: float) -> Figure:
    with style_context():
        return Figure(figsize=(width, height), layout="constrained")


def _styles(outlets, colors: Mapping | None):
    base = outlet_styles(outlets)
    if colors:
        for k, v in colors.items():
            if isinstance(v, Mapping):
                base[str(k)] = {**base.get(str(k), {"marker": "o"}), **v}
            else:
                base[str(k)] = {**base.get(str(k), {"marker": "o"}), "color": v}
    for k in list(base):
        if is_rest(k):
            base[k] = {"color": REST_COLOR, "marker": "D"}
    return base


def _group_sizes(table: pd.DataFrame, col: str = "outlet") -> dict:
    """Documents per group from a ``documents`` or ``n_docs`` column (empty when the table has neither)."""
    for c in ("documents", "n_docs"):
        if c in table.columns:
            v = pd.to_numeric(table[c], errors="coerce")
            return {str(k): int(x) for k, x in v.groupby(table[col].astype(str)).max().items() if pd.notna(x)}
    return {}


def _group_order(table: pd.DataFrame, top: int | None, col: str = "outlet") -> tuple[list, list, dict]:
    """(groups drawn, groups left out, documents per group): largest first (else by name), the rest row last."""
    names = list(dict.fromkeys(table[col].astype(str)))
    sizes = _group_sizes(table, col)
    rest = [o for o in names if is_rest(o)]
    main = [o for o in names if not is_rest(o)]
    main.sort(key=(lambda o: (-sizes.get(o, 0), o)) if sizes else None)
    hidden = main[top:] if top else []
    return (main[:top] if top else main) + rest, hidden, sizes


def _group_label(name: str, sizes: dict, width: int = 24) -> str:
    n = sizes.get(name)
    if n is None:
        return shorten(name, width)
    return f"{shorten(name, width)}  n={n}"


def _hidden_note(hidden: list, sizes: dict, what: str = "outlets") -> str:
    """A line for the title saying how many groups are not drawn ("" when all are)."""
    if not hidden:
        return ""
    docs = sum(sizes.get(o, 0) for o in hidden)
    docs_txt = f" ({docs} documents)" if sizes else ""
    return f"\n{len(hidden)} smaller {what}{docs_txt} not drawn (all are in the tables)"


def _marker_kw(color: str, n: int | None) -> dict:
    """Filled marker; hollow for a group of one document (its rate is one article's)."""
    if n == 1:
        return {"mfc": "white", "mec": color, "mew": 1.1}
    return {"mfc": color, "mec": "white", "mew": 0.5}


class NothingToPlot(ValueError):
    """The table a figure is drawn from is empty (e.g. keyness when no outlet has a word in three of its
    articles): ``figures`` skips that figure and says why instead of stopping."""


def _require(df: pd.DataFrame, cols: Sequence[str], what: str) -> None:
    if not isinstance(df, pd.DataFrame):
        raise ValueError(f"{what} must be a DataFrame")  # noqa: TRY004 - bad input is a ValueError in this project
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{what} needs column(s) {missing} (columns are: {', '.join(map(str, df.columns))})")
    if df.empty:
        raise NothingToPlot(f"{what} is empty: nothing to plot")


def shorten(text: str, width: int, placeholder: str = "…") -> str:
    """``text`` cut to ``width`` characters with a trailing ellipsis (never empty, unlike textwrap.shorten)."""
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: max(width - len(placeholder), 1)].rstrip() + placeholder


def _grid(n: int, ncols: int = 3) -> tuple[int, int]:
    ncols = max(1, min(ncols, n))
    return int(np.ceil(n / ncols)), ncols


def _dot_panels(table, panel_col, panels, colors, xlabel, suptitle, ncols=3, label_fmt=str, top=TOP_GROUPS):
    """One panel per value of ``panel_col``; outlets on the y axis, point estimate and interval on x.

    Outlets are drawn largest first (by ``documents`` when the table has it) with ``n=`` beside their
    name; a one-document outlet has a hollow marker; past ``top`` outlets the rest are left out and
    counted under the panels (a :func:`rest_label` row, when the table has one, is drawn last in grey).
    """
    outlets, hidden, sizes = _group_order(table, top)
    styles = _styles(outlets, colors)
    nrows, ncols = _grid(len(panels), ncols)
    fig = _new_figure(WIDTH, 0.45 + (0.15 if hidden else 0) + nrows * (0.55 + 0.2 * len(outlets)))
    with style_context():
        axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
        y = {o: len(outlets) - 1 - i for i, o in enumerate(outlets)}
        for ax, panel in zip(axes.flat, panels):
            sub = table[table[panel_col] == panel]
            for row in sub.itertuples(index=False):
                o = str(row.outlet)
                if o not in y:
                    continue
                st = styles[o]
                lo, hi = row.rate_low, row.rate_high
                if pd.notna(lo) and pd.notna(hi):
                    ax.plot([lo, hi], [y[o], y[o]], color=st["color"], lw=1.4, solid_capstyle="butt")
                ax.plot([row.rate_per_1k], [y[o]], marker=st["marker"], color=st["color"], ls="none", ms=5,
                        **_marker_kw(st["color"], sizes.get(o)))
            ax.set_title(label_fmt(panel), loc="left")
            ax.set_xlim(left=0)
            ax.margins(x=0.08)
        _finish_outlet_grid(axes, len(panels), y, xlabel, sizes)
        if suptitle:
            fig.suptitle(suptitle + (" (hollow: one article)" if 1 in sizes.values() else "")
                         + _hidden_note(hidden, sizes), x=0.01, ha="left")
    return fig


# --------------------------------------------------------------------------------------------------
# plotting functions: tables in, Figure out
# --------------------------------------------------------------------------------------------------
def _finish_outlet_grid(axes, n_panels, y, xlabel, sizes=None):
    """Hide unused panels; outlet names (and n) on the left column (one row per outlet), x label at the bottom."""
    for ax in list(axes.flat)[n_panels:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_yticks(list(y.values()), [_group_label(o, sizes or {}) for o in y])
        ax.set_ylim(-0.6, len(y) - 0.4)
    for ax in axes[-1, :]:
        ax.set_xlabel(xlabel)


def plot_rates_by_outlet(rates: pd.DataFrame, categories: Sequence[str] | None = None,
                         colors: Mapping | None = None, title: str | None = None, top: int = TOP_GROUPS) -> Figure:
    """Rate per 1,000 tokens with its interval, one panel per category, one row per outlet.

    Parameters
    ----------
    rates : DataFrame
        Output of :func:`analysis.compare.group_rates` with ``by="outlet"``: ``outlet, category,
        rate_per_1k, rate_low, rate_high`` (``confidence`` used in the axis label when present).
    categories : list of str, optional
        Panels, in order (default: the categories of ``rates`` in order of appearance).
    colors : mapping, optional
        Outlet -> colour (or ``{"color", "marker"}``); default from the sorted outlets of ``rates``.
    title : str, optional
    top : int
        Outlets drawn, the most documents first (``documents`` column); the others are counted in a
        note. Build the table from :func:`summarise_groups` documents to get them as one summary row.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _require(rates, ["outlet", "category", "rate_per_1k", "rate_low", "rate_high"], "rates")
    cats = list(categories) if categories is not None else list(dict.fromkeys(rates["category"]))
    conf = _confidence(rates)
    return _dot_panels(rates, "category", cats, colors, f"per 1,000 words ({conf} interval)",
                       title or "Framing devices per outlet", top=top)


def _confidence(table) -> str:
    if "confidence" in table.columns and table["confidence"].notna().any():
        return f"{float(table['confidence'].dropna().iloc[0]):.0%}"
    return "95%"


def plot_voice_split(voice: pd.DataFrame, category: str | None = None, colors: Mapping | None = None,
                     title: str | None = None, top: int = TOP_GROUPS) -> Figure:
    """Rates of one category per outlet, split by voice: narration, quotation, attributed sentences.

    Parameters
    ----------
    voice : DataFrame
        Output of :func:`analysis.compare.voice_rates`: ``outlet, voice, category, rate_per_1k,
        rate_low, rate_high``; the rate's denominator is the words in that voice.
    category : str, optional
        The category to show (default: the first in the table).
    colors, title
        As in :func:`plot_rates_by_outlet`.
    """
    _require(voice, ["outlet", "voice", "category", "rate_per_1k", "rate_low", "rate_high"], "voice")
    category = category or str(voice["category"].iloc[0])
    sub = voice[voice["category"] == category]
    if sub.empty:
        raise ValueError(f"no rows for category {category!r} in the voice table")
    order = [v for v in ("narration", "quote", "attributed") if v in set(sub["voice"])]
    order += sorted(set(sub["voice"]) - set(order))
    labels = {"narration": "narration", "quote": "inside quotations", "attributed": "attributed speech"}
    return _dot_panels(sub, "voice", order, colors, "per 1,000 words in that voice",
                       title or f"Who speaks the {category}? Rates in the outlet's narration, in quotations "
                                f"and in attributed sentences", label_fmt=lambda v: labels.get(v, v), top=top)


def plot_dedup_effect(rates: pd.DataFrame, categories: Sequence[str] | None = None,
                      colors: Mapping | None = None, removed: int | None = None,
                      title: str | None = None, top: int = TOP_GROUPS) -> Figure:
    """Rates with near-duplicates kept and removed: does wire copy change the comparison?

    Parameters
    ----------
    rates : DataFrame
        Two stacked :func:`analysis.compare.group_rates` outputs with a ``corpus`` column whose
        values are ``"all documents"`` and ``"duplicates removed"``.
    categories : list of str, optional
    colors : mapping, optional
    removed : int, optional
        Number of documents removed (shown in the title).
    title : str, optional
    """
    _require(rates, ["outlet", "category", "rate_per_1k", "rate_low", "rate_high", "corpus"], "rates")
    versions = ["all documents", "duplicates removed"]
    unknown = set(rates["corpus"]) - set(versions)
    if unknown:
        raise ValueError(f"corpus column values must be {versions}, got {sorted(unknown)}")
    cats = list(categories) if categories is not None else list(dict.fromkeys(rates["category"]))
    outlets, hidden, sizes = _group_order(rates[rates["corpus"] == versions[0]], top)
    styles = _styles(outlets, colors)
    nrows, ncols = _grid(len(cats), 3)
    fig = _new_figure(WIDTH, 0.7 + nrows * (0.55 + 0.24 * len(outlets)))
    with style_context():
        axes = fig.subplots(nrows, ncols, sharey=True, squeeze=False)
        y = {o: len(outlets) - 1 - i for i, o in enumerate(outlets)}
        for ax, cat in zip(axes.flat, cats):
            sub = rates[rates["category"] == cat]
            for o in outlets:
                st = styles[o]
                pts = {}
                for k, (ver, off) in enumerate(zip(versions, (0.14, -0.14))):
                    r = sub[(sub["outlet"] == o) & (sub["corpus"] == ver)]
                    if r.empty:
                        continue
                    r = r.iloc[0]
                    yy = y[o] + off
                    if pd.notna(r.rate_low) and pd.notna(r.rate_high):
                        ax.plot([r.rate_low, r.rate_high], [yy, yy], color=st["color"], lw=1.2,
                                alpha=0.45 if k == 0 else 1.0)
                    ax.plot([r.rate_per_1k], [yy], marker=st["marker"], ls="none", ms=5,
                            mfc="white" if k == 0 else st["color"], mec=st["color"], mew=1.0)
                    pts[ver] = r.rate_per_1k
            ax.set_title(cat, loc="left")
            ax.set_xlim(left=0)
            ax.margins(x=0.08)
        _finish_outlet_grid(axes, len(cats), y, f"per 1,000 words ({_confidence(rates)} interval)", sizes)
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], marker="o", ls="none", mfc="white", mec="#333333", label="all documents"),
                   Line2D([], [], marker="o", ls="none", mfc="#333333", mec="#333333",
                          label="near-duplicates removed (one copy kept)")]
        fig.legend(handles=handles, loc="outside lower left", ncols=2)
        extra = f" ({removed} documents removed)" if removed is not None else ""
        fig.suptitle((title or f"Wire copy and reprints: rates with and without near-duplicates{extra}")
                     + _hidden_note(hidden, sizes), x=0.01, ha="left")
    return fig


def plot_term_decomposition(table: pd.DataFrame, group_a: str, group_b: str, top: int = 12,
                            colors: Mapping | None = None, title: str | None = None) -> Figure:
    """Which lexicon entries make two outlets differ: per-entry rate difference with its interval.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`analysis.compare.term_decomposition`: ``category, entry, diff, low, high``
        (``attrs["total"]`` with the category difference is shown in the title when present). Rows are
        named by a ``label`` column when present, else by :func:`analysis.lexicons.labels.entry_label`
        (the shortest form an entry matches, never its raw pattern).
    group_a, group_b : str
        The two outlets (``diff = rate_a - rate_b``).
    top : int
        Show the ``top`` entries with the largest absolute difference.
    colors, title
        As in :func:`plot_rates_by_outlet`.
    """
    _require(table, ["category", "entry", "diff", "low", "high"], "table")
    if top < 1:
        raise ValueError(f"top must be at least 1, got {top}")
    styles = _styles([group_a, group_b], colors)
    t = table.assign(_abs=table["diff"].abs()).sort_values(["_abs", "entry"], ascending=[False, True],
                                                          kind="mergesort").head(top)
    t = t.sort_values(["diff", "entry"], kind="mergesort")
    fig = _new_figure(WIDTH, 1.0 + 0.22 * len(t))
    with style_context():
        ax = fig.subplots()
        ys = np.arange(len(t))
        cols = [styles[group_a]["color"] if d > 0 else styles[group_b]["color"] for d in t["diff"]]
        ax.barh(ys, t["diff"], color=cols, height=0.62, alpha=0.55)
        ok = (t["low"].notna() & t["high"].notna()).to_numpy()
        # the interval: a dark line with a white edge, visible over light and dark bars alike
        halo = [patheffects.Stroke(linewidth=3.2, foreground="white"), patheffects.Normal()]
        ax.hlines(ys[ok], t.loc[ok, "low"], t.loc[ok, "high"], color="#1a1a1a", lw=1.3, path_effects=halo, zorder=3)
        ax.plot(t.loc[ok, "diff"], ys[ok], "|", color="#1a1a1a", ms=7, mew=1.3, path_effects=halo, zorder=4)
        ax.axvline(0, color="#333333", lw=0.6)
        names = list(t["label"]) if "label" in t.columns else entry_labels(t["entry"])
        ax.set_yticks(ys, [shorten(f"{e}  ({c.split('.')[-1]})", 40, placeholder="…")
                           for e, c in zip(names, t["category"])])
        ax.set_xlabel(f"difference per 1,000 words ({group_a} − {group_b})")
        total = table.attrs.get("total") if hasattr(table, "attrs") else None
        sub = ""
        if isinstance(total, Mapping) and "diff" in total:
            sub = f"\ntotal {total.get('category', '')} difference {float(total['diff']):+.2f}"
            if total.get("low") is not None and pd.notna(total.get("low")):
                sub += f" [{float(total['low']):.2f}, {float(total['high']):.2f}]"
        ax.set_title(title or f"Entries behind the difference: {shorten(group_a, 28)} vs "
                     f"{shorten(group_b, 28)}{sub}", loc="left")
        ax.grid(axis="y", visible=False)
    return fig


def plot_keyness(table: pd.DataFrame, top: int = 8, colors: Mapping | None = None,
                 title: str | None = None, max_panels: int = TOP_PANELS) -> Figure:
    """Words most typical of each outlet against all others (log-odds z-score with informative prior).

    Parameters
    ----------
    table : DataFrame
        Stacked :func:`analysis.compare.keyness` outputs with an ``outlet`` column (the target group):
        ``outlet, term, z``.
    top : int
        Terms per outlet (highest ``z``).
    max_panels : int
        Outlets shown: the most documents first when the table has a ``documents`` column (documents of
        the outlet), else by name; the others are counted under the panels.
    """
    _require(table, ["outlet", "term", "z"], "table")
    outlets, hidden, sizes = _group_order(table[~table["outlet"].astype(str).map(is_rest)], max_panels)
    styles = _styles(outlets, colors)
    nrows, ncols = _grid(len(outlets), 4 if len(outlets) > 6 else 3)
    fig = _new_figure(WIDTH, 0.5 + nrows * (0.45 + 0.17 * top))
    with style_context():
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for ax, o in zip(axes.flat, outlets):
            sub = table[table["outlet"].astype(str) == o].sort_values(["z", "term"], ascending=[False, True],
                                                                     kind="mergesort").head(top)[::-1]
            ys = np.arange(len(sub))
            ax.barh(ys, sub["z"], color=styles[o]["color"], height=0.65)
            ax.set_yticks(ys, [shorten(str(t), 18, placeholder="…") for t in sub["term"]])
            name = shorten(o, 26 if ncols < 4 else 15)
            ax.set_title(f"{name}\nn={sizes[o]}" if o in sizes else name, loc="left")
            ax.set_xlim(left=0)
        for ax in list(axes.flat)[len(outlets):]:
            ax.set_visible(False)
        for ax in axes[-1, :]:
            ax.set_xlabel("z (log-odds, informative prior)")
        rest = sorted({str(o) for o in table["outlet"] if is_rest(o)})
        more = f"\n{rest[0][1:-1]} not drawn (they are the reference of the others)" if rest and not hidden else ""
        fig.suptitle((title or "Words typical of each outlet (vs all others)") + _hidden_note(hidden, sizes) + more,
                     x=0.01, ha="left")
    return fig


def plot_rates_over_time(rates: pd.DataFrame, events: pd.DataFrame | None = None,
                         category: str | None = None, colors: Mapping | None = None,
                         title: str | None = None, max_panels: int = TOP_PANELS) -> Figure:
    """Rate per period and outlet with its interval band, one panel per outlet, events as numbered lines.

    Parameters
    ----------
    rates : DataFrame
        ``rates`` of :func:`analysis.compare.rates_over_time` with ``by="outlet"``: ``outlet, period,
        category, rate_per_1k, rate_low, rate_high``.
    events : DataFrame, optional
        ``date, label`` (the ``events`` of the same call): drawn as dotted lines numbered in date order
        and listed under the panels.
    category : str, optional
        Default: the first category in ``rates``.
    max_panels : int
        Outlets drawn: the most documents first (``outlet_documents``: the outlet's documents over all
        periods, else the per-period ``documents`` summed), then a :func:`rest_label` panel when there is one.
    """
    _require(rates, ["outlet", "period", "category", "rate_per_1k", "rate_low", "rate_high"], "rates")
    category = category or str(rates["category"].iloc[0])
    sub = rates[rates["category"] == category].copy()
    if sub.empty:
        raise ValueError(f"no rows for category {category!r}")
    sub["period"] = pd.to_datetime(sub["period"])
    outlets, hidden, sizes = _period_groups(sub, max_panels)
    styles = _styles(outlets, colors)
    ev = None
    if events is not None and len(events):
        ev = events.assign(date=pd.to_datetime(events["date"])).sort_values("date", kind="mergesort")
        ev = ev.reset_index(drop=True)
    nrows, ncols = _grid(len(outlets), 3)
    n_ev = 0 if ev is None else len(ev)
    fig = _new_figure(WIDTH, 0.5 + nrows * 1.45 + 0.16 * n_ev)
    with style_context():
        import matplotlib.dates as mdates

        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False)
        for ax, o in zip(axes.flat, outlets):
            s = sub[sub["outlet"].astype(str) == o].sort_values("period")
            st = styles[o]
            ax.fill_between(s["period"], s["rate_low"], s["rate_high"], color=st["color"], alpha=0.18,
                            lw=0, step=None)
            ax.plot(s["period"], s["rate_per_1k"], color=st["color"], marker=st["marker"], ms=3.5)
            if ev is not None:
                for i, row in ev.iterrows():
                    ax.axvline(row["date"], color="#555555", lw=0.6, ls=":")
                    ax.annotate(str(i + 1), (mdates.date2num(row["date"]), 1.0), xycoords=("data", "axes fraction"),
                                ha="center", va="bottom", fontsize=6.5, color="#555555")
            ax.set_title(_group_label(o, sizes, 26), loc="left", pad=9)
            ax.grid(axis="y", visible=True)
            _date_axis(ax, sub["period"])
        top = np.nanmax(np.r_[sub["rate_per_1k"].to_numpy(float), sub["rate_high"].to_numpy(float), 0.0])
        axes[0, 0].set_ylim(0, top * 1.06 if top > 0 else 1.0)
        for k, ax in enumerate(axes.flat):
            if k >= len(outlets):
                ax.set_visible(False)
            elif k + ncols >= len(outlets):  # nothing below this panel: show its dates
                ax.xaxis.set_tick_params(labelbottom=True)
        for ax in axes[:, 0]:
            ax.set_ylabel(f"{category} per 1,000 words")
        for ax in axes.flat:
            for lab in ax.get_xticklabels():
                lab.set_rotation(0)
        if ev is not None:
            lines = [f"{i + 1}  {d:%Y-%m-%d}  {shorten(str(lbl), 90, placeholder='…')}"
                     for i, (d, lbl) in enumerate(zip(ev["date"], ev["label"]))]
            fig.text(0.01, 0.0, "\n".join(lines), ha="left", va="bottom", fontsize=6.5, color="#333333")
            bottom = 0.16 * n_ev / (0.5 + nrows * 1.45 + 0.16 * n_ev) + 0.01
            fig.get_layout_engine().set(rect=(0, bottom, 1, 1 - bottom))
        fig.suptitle((title or f"{category} over time ({_confidence(sub)} interval bands)")
                     + _hidden_note(hidden, sizes), x=0.01, ha="left")
    return fig


def _period_groups(sub: pd.DataFrame, max_panels: int):
    """Panels of the time figure: sizes from ``outlet_documents`` (articles of the outlet over all periods),
    else the per-period ``documents`` summed."""
    if "outlet_documents" in sub.columns:
        sub = sub.assign(documents=sub["outlet_documents"])
    elif "documents" in sub.columns:
        tot = pd.to_numeric(sub["documents"], errors="coerce").groupby(sub["outlet"].astype(str)).sum()
        sub = sub.assign(documents=sub["outlet"].astype(str).map(tot))
    return _group_order(sub, max_panels)


def date_format(span_days: float) -> str:
    """The strftime format of date tick labels for a time axis spanning ``span_days`` days.

    Every label is a whole date a reader can say aloud (``Mar 2020``, ``15 Mar 2020``), never a
    fragment with an offset elsewhere on the axis.

    >>> date_format(30), date_format(400), date_format(3000)
    ('%d %b %Y', '%b %Y', '%Y')
    """
    if span_days > 3 * 365:
        return "%Y"
    if span_days > 90:
        return "%b %Y"
    return "%d %b %Y"


def _date_axis(ax, dates: pd.Series) -> None:
    import matplotlib.dates as mdates

    d = pd.to_datetime(dates).dropna()
    span = (d.max() - d.min()).days if len(d) else 0
    locator = mdates.AutoDateLocator(minticks=2, maxticks=4)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.DateFormatter(date_format(span)))


def plot_lexicon_version_shift(table: pd.DataFrame, colors: Mapping | None = None,
                               title: str | None = None, top: int = TOP_GROUPS) -> Figure:
    """How outlet rankings move between two versions of a lexicon: a slope chart on a rank axis.

    Parameters
    ----------
    table : DataFrame
        ``version, outlet, rate_per_1k`` for exactly two versions (in order of appearance: old, new);
        optional ``category`` for the axis label and ``documents`` (documents per outlet: the ``top``
        largest are ranked, the others counted in a note). Ranks (1 = highest rate) are computed here,
        among the outlets drawn; rows of a :func:`rest_label` group are not ranked.

    Each outlet is a line from its rank under the old version (left) to its rank under the new one
    (right); the labels give rank, outlet, ``n=`` and rate, so the vertical axis is the rank itself
    and never mixes ranks with rates.
    """
    _require(table, ["version", "outlet", "rate_per_1k"], "table")
    versions = list(dict.fromkeys(table["version"].astype(str)))
    if len(versions) != 2:
        raise ValueError(f"table must hold exactly two versions, got {versions}")
    t = table.assign(version=table["version"].astype(str), outlet=table["outlet"].astype(str))
    t = t[~t["outlet"].map(is_rest)]
    outlets, hidden, sizes = _group_order(t, top)
    t = t[t["outlet"].isin(outlets)].copy()
    t["rank"] = t.groupby("version")["rate_per_1k"].rank(ascending=False, method="min")
    # positions: ties share a rank but get distinct rows (ordered by name)
    t = t.sort_values(["version", "rate_per_1k", "outlet"], ascending=[True, False, True], kind="mergesort")
    t["pos"] = t.groupby("version").cumcount() + 1
    styles = _styles(outlets, colors)
    cat = str(t["category"].iloc[0]) if "category" in t.columns else "rate"
    n = len(outlets)
    fig = _new_figure(WIDTH * 0.8, 1.1 + 0.19 * n + (0.2 if hidden else 0))
    with style_context():
        ax = fig.subplots()
        ax.grid(False)
        per = {o: t[t["outlet"] == o].set_index("version").reindex(versions) for o in outlets}
        for o in outlets:
            s = per[o]
            st = styles[o]
            p0, p1 = s["pos"].iloc[0], s["pos"].iloc[1]
            nk = sizes.get(o)
            kw = _marker_kw(st["color"], nk)
            ax.plot([0, 1], [p0, p1], color=st["color"], lw=1.2, marker=st["marker"], ms=4, **kw)
            tag = f"  n={nk}" if nk is not None else ""
            for k, (pos, side) in enumerate(((p0, "right"), (p1, "left"))):
                if pd.isna(pos):
                    continue
                r = int(s["rank"].iloc[k])
                rate = float(s["rate_per_1k"].iloc[k])
                if k == 0:
                    text = f"{shorten(o, 22)}{tag}  {rate:.1f}  #{r}"
                else:
                    r0 = s["rank"].iloc[0]
                    move = "" if pd.isna(r0) or r0 == r else (" ▲" if r < r0 else " ▼")
                    text = f"#{r}{move}  {rate:.1f}  {shorten(o, 22)}"
                ax.annotate(text, (k, pos), xytext=(-6 if k == 0 else 6, 0), textcoords="offset points",
                            ha=side, va="center", fontsize=6.5, color=st["color"])
        ax.set_xticks([0, 1], versions)
        ax.xaxis.tick_top()
        ax.set_xlim(-1.25, 2.25)
        ax.set_ylim(n + 0.6, 0.4)  # rank 1 at the top
        ax.set_yticks([])
        for side in ("left", "right", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_ylabel(f"rank of the outlet's {cat} rate (1 = highest)")
        ax.set_title((title or f"Outlet ranks under two lexicon versions\n({cat} per 1,000 words; #1 = highest)")
                     + _hidden_note(hidden, sizes), loc="left")
    return fig


def plot_corrected_rates(rates: pd.DataFrame, category: str, top: int = TOP_GROUPS,
                         title: str | None = None) -> Figure:
    """Rates as measured and corrected for the precision hand coding found in each outlet.

    Parameters
    ----------
    rates : DataFrame
        :func:`analysis.validate.coding.corrected_rates` (with ``keep_uncoded=True`` so that outlets
        without a coded match are shown as such): ``outlet, category, rate_per_1k, corrected_rate,
        corrected_low, corrected_high, n_coded`` and optionally ``documents``.
    category : str
        The category shown.
    top : int
        Outlets drawn, most documents first; the others are counted in the title.

    One row per outlet: an open grey circle at the measured rate and, when the outlet has coded
    matches, a filled square at the corrected rate with its interval and ``k coded``; an outlet without
    coded matches says "not coded" (its rate cannot be corrected) instead of disappearing.
    """
    _require(rates, ["outlet", "category", "rate_per_1k", "corrected_rate", "corrected_low", "corrected_high"],
             "rates")
    t = rates[rates["category"] == category]
    if t.empty:
        raise ValueError(f"no rows for category {category!r} in the rates")
    outlets, hidden, sizes = _group_order(t, top)
    t = t.assign(outlet=t["outlet"].astype(str)).set_index("outlet")
    fig = _new_figure(WIDTH * 0.8, 1.2 + 0.24 * len(outlets))
    with style_context():
        ax = fig.subplots()
        y = {o: len(outlets) - 1 - i for i, o in enumerate(outlets)}
        right = float(np.nanmax(np.r_[t["rate_per_1k"].to_numpy(float), t["corrected_high"].to_numpy(float), 0.0]))
        for o in outlets:
            r = t.loc[o]
            ax.plot([r["rate_per_1k"]], [y[o] + 0.12], "o", mfc="white", mec="#777777", ms=5)
            n_coded = int(r["n_coded"]) if "n_coded" in t.columns and pd.notna(r["n_coded"]) else 0
            if pd.notna(r["corrected_rate"]):
                ax.hlines(y[o] - 0.12, r["corrected_low"], r["corrected_high"], color="#0072B2", lw=1.4)
                ax.plot([r["corrected_rate"]], [y[o] - 0.12], "s", color="#0072B2", ms=5)
                note = f"{n_coded} coded"
            else:
                note = "not coded"
            ax.annotate(note, (1.0, y[o]), xycoords=("axes fraction", "data"), xytext=(4, 0),
                        textcoords="offset points", ha="left", va="center", fontsize=6.5,
                        color="#333333" if note != "not coded" else "#b00000")
        ax.set_yticks(list(y.values()), [_group_label(o, sizes) for o in y])
        ax.set_ylim(-0.6, len(outlets) - 0.4)
        ax.set_xlim(0, right * 1.08 if right > 0 else 1.0)
        ax.set_xlabel(f"{category} per 1,000 words")
        ax.grid(axis="y", visible=False)
        ax.set_title((title or f"{category}: ○ as measured, ■ corrected for the precision coded in each outlet")
                     + _hidden_note(hidden, sizes), loc="left")
    return fig


# --------------------------------------------------------------------------------------------------
# the data behind the figures, and the registry
# --------------------------------------------------------------------------------------------------
@dataclass
class FigureData:
    """What the table builders need: a corpus, its scores, optional events, and the bootstrap settings.

    Build it with :meth:`from_corpus`. Tables are computed on first use and cached in ``cache``.

    Attributes
    ----------
    corpus : DataFrame
        The Corpus table.
    result : ScoreResult
        ``score(corpus, lexicons)``.
    events : DataFrame or None
        ``date, label`` event markers for the time figure.
    compare_lexicon : Lexicon or None
        A new version of one of the scored lexicons (e.g. the extended copy under ``data/lexicons/``)
        for ``lexicon_version_shift``; the figure is skipped when None.
    n_resamples, seed : int
        Bootstrap resamples per interval and the seed of every random step.
    top : int
        Outlets drawn one by one (the most documents first); the others become one summary row
        (:func:`summarise_groups`), so a 500-outlet corpus gives figures of ``top + 1`` rows.
    """

    corpus: pd.DataFrame
    result: object
    events: pd.DataFrame | None = None
    compare_lexicon: object = None
    n_resamples: int = 400
    seed: int = 0
    top: int = TOP_GROUPS
    cache: dict = field(default_factory=dict)

    def __post_init__(self):
        if int(self.top) < 1:
            raise ValueError(f"top must be at least 1, got {self.top}")

    @property
    def sizes(self) -> pd.Series:
        """Documents per outlet over the whole corpus."""
        return self.cached("sizes", lambda: self.corpus["outlet"].astype(str).value_counts())

    def grouped(self, frame: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
        """``frame`` (documents or corpus) with the outlets outside the ``top`` largest as one summary group."""
        return summarise_groups(frame, top or self.top, sizes=self.sizes)

    @property
    def documents(self) -> pd.DataFrame:
        """The documents table with the small outlets summarised (see ``top``)."""
        return self.cached("documents", lambda: self.grouped(self.result.documents))

    @classmethod
    def from_corpus(cls, corpus: pd.DataFrame, lexicons=None, **kwargs) -> FigureData:
        """Score ``corpus`` with ``lexicons`` (default: all built-in lexicons) and wrap the result."""
        from ..lexicons.model import load_lexicons
        from ..measure.scoring import score

        lexs = load_lexicons(lexicons)
        data = cls(corpus=corpus, result=score(corpus, lexs), **kwargs)
        data.cache["lexicons"] = lexs
        return data

    @property
    def outlets(self) -> list[str]:
        return sorted(self.corpus["outlet"].astype(str).unique())

    @property
    def colors(self) -> dict:
        """Outlet -> ``{"color", "marker"}`` over every outlet of the corpus."""
        return outlet_styles(self.outlets + sorted({o for o in self.documents["outlet"].astype(str) if is_rest(o)}))

    @property
    def categories(self) -> list[str]:
        cats = list(self.result.categories)
        wanted = [c for c in DEFAULT_CATEGORIES if c in cats]
        if len(wanted) >= 3:
            return wanted
        tops = [c for c in cats if "." not in c]
        return tops or cats

    @property
    def main_category(self) -> str:
        cats = self.result.categories
        return "hedging" if "hedging" in cats else self.categories[0]

    def cached(self, key, fn: Callable):
        if key not in self.cache:
            self.cache[key] = fn()
        return self.cache[key]

    def rates(self) -> pd.DataFrame:
        from ..compare import group_rates

        return self.cached("rates", lambda: group_rates(
            self.documents, self.categories, by="outlet", n_resamples=self.n_resamples,
            seed=self.seed, on_small_group="nan"))

    def provenance(self, figure_id: str, **extra) -> dict:
        prov = {k: v for k, v in dict(self.result.provenance).items() if k != "categories"}
        prov.update({"figure_id": figure_id, "n_resamples": self.n_resamples, "seed": self.seed})
        if "selection" in self.cache:
            prov["selection"] = self.cache["selection"]
        if len(self.sizes) > self.top:
            prov["groups"] = {"drawn": self.top, "summarised": int(len(self.sizes) - self.top),
                              "rule": "the outlets with most documents (ties by name) drawn one by one, the rest "
                                      "as one summary row"}
        if self.events is not None:
            from ..provenance import corpus_sha256

            prov["events_sha256"] = corpus_sha256(self.events.astype(str).rename(columns={"label": "text"}))
        prov.update(extra)
        return prov


@dataclass(frozen=True)
class FigureSpec:
    """A registered figure: ``plot(**tables(data))`` makes it; ``notebook`` tells its story."""

    id: str
    plot: Callable
    tables: Callable
    notebook: str
    description: str


#: id -> FigureSpec, in gallery order.
FIGURES: dict[str, FigureSpec] = {}


def register(figure_id: str, *, plot: Callable, notebook: str, description: str):
    """Decorator registering a table builder ``(FigureData) -> dict of plot kwargs`` under ``figure_id``.

    The builder may return None to say the figure does not apply to this corpus (it is then skipped).
    """
    if not figure_id.replace("_", "").isalnum() or not figure_id.islower():
        raise ValueError(f"figure ids are lower-case letters, digits and '_', got {figure_id!r}")

    def deco(builder):
        if figure_id in FIGURES:
            raise ValueError(f"figure id {figure_id!r} is already registered")
        FIGURES[figure_id] = FigureSpec(figure_id, plot, builder, notebook, description)
        return builder

    return deco


def figure_ids() -> list[str]:
    """Registered figure ids in gallery order.

    >>> figure_ids()[:2]
    ['rates_by_outlet', 'voice_split']
    """
    return list(FIGURES)


def build_figure(figure_id: str, data: FigureData) -> Figure | None:
    """Compute the tables of a registered figure and plot it; None when it does not apply to ``data``."""
    if figure_id not in FIGURES:
        raise ValueError(f"unknown figure id {figure_id!r}; known: {', '.join(FIGURES)}")
    spec = FIGURES[figure_id]
    kwargs = spec.tables(data)
    if kwargs is None:
        return None
    return spec.plot(**kwargs)


@register("rates_by_outlet", plot=plot_rates_by_outlet, notebook="02_comparing_outlets",
          description="rate per 1,000 words with document-bootstrap intervals, per outlet and category")
def _rates_by_outlet(data: FigureData):
    return {"rates": data.rates(), "categories": data.categories, "colors": data.colors, "top": data.top}


@register("voice_split", plot=plot_voice_split, notebook="02_comparing_outlets",
          description="hedging per 1,000 words in narration, in quotations and in attributed sentences")
def _voice_split(data: FigureData):
    from ..compare import voice_rates

    res = data.result
    if res.matches.empty:
        return None
    cat = data.main_category
    table = voice_rates(res.matches, data.documents, [cat], by="outlet", n_resamples=data.n_resamples,
                        seed=data.seed, on_small_group="nan")
    return {"voice": table, "category": cat, "colors": data.colors, "top": data.top}


@register("dedup_effect", plot=plot_dedup_effect, notebook="02_comparing_outlets",
          description="rates with near-duplicate (wire) copies kept and removed")
def _dedup_effect(data: FigureData):
    from ..compare import deduplicate, group_rates, near_duplicates

    clusters = data.cached("clusters", lambda: near_duplicates(data.corpus, seed=1))
    docs = data.documents
    kept = deduplicate(docs, clusters, how="remove")
    cats = [c for c in (data.main_category, "evidence_absent", "sourcing.anonymous") if c in data.categories]
    cats = list(dict.fromkeys(cats)) or data.categories[:3]
    before = data.rates()
    before = before[before["category"].isin(cats)].assign(corpus="all documents")
    after = group_rates(kept, cats, by="outlet", n_resamples=data.n_resamples, seed=data.seed,
                        on_small_group="nan").assign(corpus="duplicates removed")
    return {"rates": pd.concat([before, after], ignore_index=True), "categories": cats,
            "colors": data.colors, "removed": int(len(docs) - len(kept)), "top": data.top}


def _extreme_pair(data: FigureData, category: str) -> tuple[str, str]:
    """Highest and lowest rate among the outlets drawn one by one (the ``top`` largest), among those with
    two or more articles when two such exist."""
    summ = data.result.summary
    drawn = {o for o in data.documents["outlet"].astype(str) if not is_rest(o)}
    s = summ[(summ["category"] == category) & summ["outlet"].astype(str).isin(drawn)]
    several = s[s["outlet"].astype(str).map(data.sizes).fillna(0) >= 2]
    if len(several) >= 2:
        s = several
    s = s.sort_values(["rate_per_1k", "outlet"], ascending=[False, True], kind="mergesort")
    return str(s["outlet"].iloc[0]), str(s["outlet"].iloc[-1])


@register("term_decomposition", plot=plot_term_decomposition, notebook="02_comparing_outlets",
          description="which hedging entries make the highest- and lowest-hedging outlets differ")
def _term_decomposition(data: FigureData):
    from ..compare import term_decomposition

    if len(data.outlets) < 2 or data.result.matches.empty:
        return None
    cat = data.main_category
    a, b = _extreme_pair(data, cat)
    table = term_decomposition(data.result.matches, data.result.documents, cat, a, b,
                               n_resamples=data.n_resamples, seed=data.seed)
    table["label"] = entry_labels(table["entry"], data.cache.get("lexicons"))
    return {"table": table, "group_a": a, "group_b": b, "colors": data.colors}


#: keyness keeps the words found in at least this many articles of the outlet
KEYNESS_MIN_DOCS = 3


def keyness_by_outlet(corpus: pd.DataFrame, min_docs: int = KEYNESS_MIN_DOCS, top: int = 15) -> pd.DataFrame:
    """Word keyness of every outlet against all others, stacked: ``outlet, term, z, count_target, docs_target``.

    Terms found in fewer than ``min_docs`` documents of the outlet are left out (one article's
    vocabulary says nothing about an outlet), and so are tokens without a letter (``___``, ``2016``);
    the ``top`` terms by ``z`` are kept per outlet.
    """
    from ..compare import keyness, term_counts

    counts = term_counts(corpus, by="outlet")
    docfreq = counts.attrs.get("documents", {})
    counts.attrs = {}  # pandas deep-copies attrs on every operation: keep the big dict out of the way
    frames = []
    for o in counts.columns:
        k = keyness(counts, o)
        k["docs_target"] = [docfreq.get(o, {}).get(t, 0) for t in k["term"]]
        has_letter = k["term"].astype(str).str.contains(r"[^\W\d_]", regex=True)
        k = k[(k["docs_target"] >= min_docs) & (k["z"] > 0) & has_letter].head(top)
        frames.append(k.assign(outlet=str(o)))
    return pd.concat(frames, ignore_index=True)[["outlet", "term", "z", "count_target", "count_reference",
                                                 "docs_target"]]


@register("keyness", plot=plot_keyness, notebook="02_comparing_outlets",
          description="words most typical of each outlet (log-odds with informative Dirichlet prior)")
def _keyness(data: FigureData):
    if len(data.outlets) < 2:
        return None
    top = min(data.top, TOP_PANELS)
    corpus = data.grouped(data.corpus, top)
    table = data.cached("keyness", lambda: keyness_by_outlet(corpus))
    if table.empty:
        raise NothingToPlot(f"no outlet has a word in {KEYNESS_MIN_DOCS} or more of its articles")
    table = table.assign(documents=table["outlet"].map(corpus["outlet"].astype(str).value_counts()))
    return {"table": table, "colors": data.colors, "max_panels": top}


def time_frequency(dates: pd.Series) -> str:
    """A pandas frequency giving roughly 5-12 periods over the span of ``dates``.

    >>> time_frequency(pd.Series(pd.to_datetime(["2026-01-05", "2026-03-27"])))
    'SMS'
    """
    d = pd.to_datetime(dates).dropna()
    span = (d.max() - d.min()).days if len(d) else 0
    if span <= 45:
        return "W"
    if span <= 200:
        return "SMS"
    if span <= 800:
        return "MS"
    return "QS"


@register("rates_over_time", plot=plot_rates_over_time, notebook="03_over_time",
          description="hedging per outlet and period with interval bands and event markers")
def _rates_over_time(data: FigureData):
    from ..compare import rates_over_time

    top = min(data.top, TOP_PANELS)
    docs = data.grouped(data.result.documents, top)
    if "date" not in docs.columns or docs["date"].notna().sum() < 2:
        return None
    cat = data.main_category
    rates, events = rates_over_time(docs, freq=time_frequency(docs["date"]), by="outlet", categories=[cat],
                                    events=data.events, n_resamples=data.n_resamples, seed=data.seed)
    rates = rates.assign(outlet_documents=rates["outlet"].astype(str).map(docs["outlet"].astype(str).value_counts()))
    return {"rates": rates, "events": events if data.events is not None else None, "category": cat,
            "colors": data.colors, "max_panels": top}


def version_shift_table(corpus: pd.DataFrame, old, new, category: str | None = None) -> pd.DataFrame:
    """Pooled rate per outlet of one category under two lexicon versions: ``version, outlet, category,
    rate_per_1k, documents``.

    ``old`` and ``new`` are lexicons (names, paths or Lexicon objects); ``category`` defaults to the
    lexicon's name (its top-level roll-up, e.g. ``hedging``).
    """
    from ..lexicons.model import load_lexicon
    from ..measure.scoring import score

    old, new = load_lexicon(old), load_lexicon(new)
    category = category or new.name
    frames = []
    for lx in (old, new):
        res = score(corpus, [lx])
        if category not in res.categories:
            raise ValueError(f"category {category!r} is not in lexicon {lx.name!r} {lx.version}")
        s = res.summary[res.summary["category"] == category][["outlet", "category", "rate_per_1k", "documents"]]
        frames.append(s.assign(version=f"{lx.name} {lx.version}"))
    out = pd.concat(frames, ignore_index=True)[["version", "outlet", "category", "rate_per_1k", "documents"]]
    if out["version"].nunique() != 2:
        raise ValueError(f"both lexicons are {old.name} {old.version}: give the new one a new version")
    return out


@register("lexicon_version_shift", plot=plot_lexicon_version_shift, notebook="04_extending_a_lexicon",
          description="outlet rates and ranks under the built-in lexicon and its extended copy")
def _lexicon_version_shift(data: FigureData):
    new = data.compare_lexicon
    if new is None:
        return None
    from ..lexicons.model import builtin_lexicon_names

    if new.name not in builtin_lexicon_names():
        raise ValueError(f"the compared lexicon is named {new.name!r}, which is not a built-in lexicon")
    table = data.cached("version_shift", lambda: version_shift_table(data.corpus, new.name, new))
    return {"table": table, "colors": data.colors, "top": data.top}


def lexicon_shift_provenance(data: FigureData) -> dict:
    new = data.compare_lexicon
    return {} if new is None else {"compare_lexicon": {k: v for k, v in new.provenance().items() if k != "path"}}


# --------------------------------------------------------------------------------------------------
# saving
# --------------------------------------------------------------------------------------------------
def save_figure(fig: Figure, path_stem, provenance: Mapping, formats: Sequence[str] = ("svg", "png"),
                dpi: int = PNG_DPI) -> list[Path]:
    """Write ``fig`` as ``<stem>.svg`` and ``<stem>.png`` (byte-stable) and ``<stem>.json`` (provenance).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path_stem : str or Path
        Output path without suffix, e.g. ``figures/rates_by_outlet``. Folders are created.
    provenance : mapping
        Written as sorted JSON beside the images; should hold ``figure_id``, the lexicons (name,
        version, sha256), ``corpus_sha256`` and ``package_version`` (see :meth:`FigureData.provenance`).
    formats : sequence of {"svg", "png", "pdf"}
    dpi : int
        Resolution of the PNG (default 200).

    Returns
    -------
    list of Path
        The files written (images first, then the JSON).

    Notes
    -----
    SVG: the packaged style sets ``svg.hashsalt`` (stable element ids) and glyphs are stored as paths
    (no dependence on installed fonts when viewing); ``metadata={"Date": None}``. PNG:
    ``metadata={"Software": None}``. PDF: ``metadata={"CreationDate": None, "Producer": None}``.
    Files are written atomically.
    """
    if not isinstance(fig, Figure):
        raise ValueError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")  # noqa: TRY004 - bad input is a ValueError in this project
    if not isinstance(provenance, Mapping):
        raise ValueError("provenance must be a mapping (see FigureData.provenance)")  # noqa: TRY004 - bad input is a ValueError in this project
    stem = Path(path_stem)
    if stem.suffix in (".svg", ".png", ".pdf", ".json"):
        stem = stem.with_suffix("")
    meta = {"svg": {"Date": None}, "png": {"Software": None}, "pdf": {"CreationDate": None, "Producer": None}}
    written = []
    with style_context():
        for fmt in formats:
            if fmt not in meta:
                raise ValueError(f"unknown format {fmt!r}; use svg, png or pdf")
            buf = io.BytesIO()
            fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta[fmt])
            written.append(atomic_write_bytes(stem.with_name(f"{stem.name}.{fmt}"), buf.getvalue()))
    prov = dict(provenance)
    prov.setdefault("figure_id", stem.name)
    prov["files"] = [p.name for p in written]
    prov["png_dpi"] = dpi
    written.append(atomic_write_text(stem.with_name(f"{stem.name}.json"), dumps(prov)))
    return written


# --------------------------------------------------------------------------------------------------
# story-matched comparison
# --------------------------------------------------------------------------------------------------
def plot_story_matched(table: pd.DataFrame, category: str, top: int = 15, title: str | None = None) -> Figure:
    """Raw versus story-adjusted differences in rate for pairs of groups.

    Parameters
    ----------
    table : DataFrame
        Output of :func:`analysis.compare.stories.story_matched_differences`.
    category : str
        The category shown.
    top : int
        Pairs shown: those with the most shared stories (ties by name).

    Each pair is one row: the raw difference over all articles (open circle, document-bootstrap
    interval) and the difference within the stories both covered (filled square, interval over stories),
    labelled with the number of shared stories. Pairs without a story-adjusted difference show the raw
    one only.
    """
    _require(table, ["group_a", "group_b", "category", "raw_diff", "raw_low", "raw_high", "story_diff",
                     "story_low", "story_high", "shared_stories"], "table")
    t = table[table["category"] == category]
    if t.empty:
        raise ValueError(f"no rows for category {category!r} in the table")
    t = t.sort_values(["shared_stories", "group_a", "group_b"], ascending=[False, True, True],
                      kind="mergesort").head(top).iloc[::-1]
    fig = _new_figure(WIDTH, 1.3 + 0.32 * len(t))
    with style_context():
        ax = fig.subplots()
        ys = np.arange(len(t))
        ax.hlines(ys + 0.14, t["raw_low"], t["raw_high"], color="#777777", lw=1.0)
        ax.plot(t["raw_diff"], ys + 0.14, "o", mfc="white", mec="#444444", ms=5, label="all articles (raw)")
        ax.hlines(ys - 0.14, t["story_low"], t["story_high"], color="#1f5f9f", lw=1.4)
        ax.plot(t["story_diff"], ys - 0.14, "s", color="#1f5f9f", ms=5, label="within shared stories")
        ax.axvline(0, color="#333333", lw=0.6)
        labels = [f"{shorten(str(a), 22)} − {shorten(str(b), 22)}  ({int(n)} stor{'y' if n == 1 else 'ies'})"
                  for a, b, n in zip(t["group_a"], t["group_b"], t["shared_stories"])]
        ax.set_yticks(ys, labels)
        ax.set_xlabel(f"difference in {category} per 1,000 words")
        ax.set_title(title or f"{category}: raw and story-matched differences\n"
                     "○ all articles (raw)   ■ within the stories both covered", loc="left")
        ax.grid(axis="y", visible=False)
    return fig


@register("story_matched", plot=plot_story_matched, notebook="02_comparing_outlets",
          description="outlet differences over all articles and within the stories both outlets covered")
def _story_matched(data: FigureData):
    from ..compare.stories import find_stories, story_matched_differences

    if len(data.outlets) < 2:
        return None
    stories, params = data.cached("stories", lambda: find_stories(data.corpus))
    if params["n_multi_outlet"] == 0:
        return None
    cat = data.main_category
    table = story_matched_differences(data.result.documents, stories, cat, by="outlet",
                                      n_resamples=data.n_resamples, seed=data.seed)
    if table["story_diff"].notna().sum() == 0:
        return None
    return {"table": table, "category": cat}


@register("sourcing_profile", plot=plot_sourcing_profile, notebook="07_sourcing",
          description="share of attributions by source type per outlet, and how often named and anonymous "
                      "sources' content is hedged")
def _sourcing_profile(data: FigureData):
    from ..compare.sourcing import content_hedging, source_shares
    from ..measure.attribution import attributions_frame, with_match_counts

    att = data.cached("attributions", lambda: with_match_counts(attributions_frame(data.corpus), data.result.matches))
    if att.empty:
        return None
    docs = data.documents
    kw = {"by": "outlet", "n_resamples": data.n_resamples, "seed": data.seed}
    shares = source_shares(att, docs, **kw).rename(columns={"group": "outlet"})
    hedging = content_hedging(att, docs, **kw).rename(columns={"group": "outlet"})
    return {"shares": shares, "hedging": hedging}
