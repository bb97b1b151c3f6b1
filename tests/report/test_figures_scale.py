"""Figures from 2 to 500 outlets: baselines at 5, 40 and 300 outlets, and the rules that keep them legible.

Tables are generated here (seeded, long-tailed: a third of the outlets have one article), so the images
do not change with the sample corpus. Regenerate after an intended change:
``.venv/bin/python -m pytest tests/report/test_figures_scale.py --mpl-generate-path=tests/report/baseline``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.report import figures as F

IMAGE = {"baseline_dir": "baseline", "tolerance": 2, "savefig_kwargs": {"dpi": 60}}
CATS = ["hedging", "sourcing.anonymous", "booster"]


def _outlets(n: int, seed: int = 5) -> pd.DataFrame:
    """``outlet, documents``: a long tail (Zipf-like), the last third with one article each."""
    rng = np.random.default_rng(seed)
    names = [f"Outlet {i:03d} {'Daily' if i % 3 else 'Post'}" for i in range(n)]
    docs = np.maximum(1, (400 / (1 + np.arange(n)) ** 1.1).astype(int))
    docs[-max(1, n // 3):] = 1
    return pd.DataFrame({"outlet": rng.permutation(names), "documents": docs})


def _rates(n: int, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for o, d in _outlets(n, seed).itertuples(index=False):
        for c in CATS:
            r = float(rng.uniform(2, 20))
            half = np.nan if d == 1 else 12 / np.sqrt(d)
            rows.append({"outlet": o, "category": c, "rate_per_1k": r, "rate_low": max(r - half, 0),
                         "rate_high": r + half, "documents": int(d), "confidence": 0.95})
    return pd.DataFrame(rows)


def _shift(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    base = _outlets(n, seed)
    old = rng.uniform(3, 20, n)
    new = old + rng.normal(0, 1.5, n)
    return pd.concat([base.assign(version="hedging 1.0.0", category="hedging", rate_per_1k=old),
                      base.assign(version="hedging 1.1.0", category="hedging", rate_per_1k=new)], ignore_index=True)


@pytest.mark.parametrize("n", [5, 40, 300])
@pytest.mark.mpl_image_compare(**IMAGE)
def test_rates_by_outlet_at_scale(n):
    return F.plot_rates_by_outlet(_rates(n), CATS)


@pytest.mark.parametrize("n", [5, 40, 300])
@pytest.mark.mpl_image_compare(**IMAGE)
def test_lexicon_version_shift_at_scale(n):
    return F.plot_lexicon_version_shift(_shift(n))


@pytest.mark.mpl_image_compare(**IMAGE)
def test_rates_over_time_at_40_outlets_reads_dates():
    sizes = _outlets(40)
    periods = pd.date_range("2019-11-01", periods=8, freq="MS")
    rows = [{"outlet": o, "period": p, "category": "hedging", "rate_per_1k": 8 + 3 * np.sin(j + i),
             "rate_low": 6 + 3 * np.sin(j + i), "rate_high": 10 + 3 * np.sin(j + i), "outlet_documents": int(d)}
            for i, (o, d) in enumerate(sizes.itertuples(index=False)) for j, p in enumerate(periods)]
    return F.plot_rates_over_time(pd.DataFrame(rows), category="hedging")


@pytest.mark.mpl_image_compare(**IMAGE)
def test_term_decomposition_labels_and_bars():
    entries = ["(appear|appears|appeared|appearing) to", "suggest*", "may", "(could|can) not be ruled out",
               "(it is)? possible"]
    diffs = [3.0, -2.2, 1.4, 0.6, -0.3]
    table = pd.DataFrame({"category": "hedging.epistemic_verb", "entry": entries, "diff": diffs,
                          "low": [d - 0.8 for d in diffs], "high": [d + 0.8 for d in diffs]})
    return F.plot_term_decomposition(table, "Alpha Post", "Beta Wire",
                                     colors={"Alpha Post": "#000000", "Beta Wire": "#0072B2"})


# -- the rules behind the images -------------------------------------------------------------------
def _tick_labels(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.get_yticklabels() if t.get_text()]


def test_many_outlets_draw_the_largest_with_n_and_count_the_rest():
    rates = _rates(300)
    fig = F.plot_rates_by_outlet(rates, CATS, top=30)
    labels = _tick_labels(fig)
    assert len(labels) == 30  # one row per drawn outlet, not 300
    biggest = rates.drop_duplicates("outlet").nlargest(1, "documents").iloc[0]
    assert any(lab.startswith(biggest["outlet"]) and lab.endswith(f"n={biggest['documents']}") for lab in labels)
    assert "\n270 smaller outlets (" in fig.get_suptitle()


def test_height_grows_with_rows_and_stops_at_top():
    h = {n: F.plot_rates_by_outlet(_rates(n), CATS).get_figheight() for n in (5, 20, 40, 300)}
    assert h[5] < h[20] < h[40]
    assert h[300] == pytest.approx(h[40], rel=0.05)  # both draw 30 outlets


def test_single_article_outlets_are_hollow_and_say_n_1():
    rates = _rates(6)
    fig = F.plot_rates_by_outlet(rates, ["hedging"])
    ones = set(rates.loc[rates["documents"] == 1, "outlet"])
    assert ones and any(lab.endswith("n=1") for lab in _tick_labels(fig))
    hollow = [ln for ln in fig.axes[0].lines if ln.get_marker() not in ("None", "") and ln.get_markerfacecolor() in
              ("white", (1.0, 1.0, 1.0, 1.0))]
    assert len(hollow) == len(ones)


def test_rest_row_from_summarise_groups_is_drawn_last_in_grey():
    docs = pd.DataFrame({"outlet": ["A"] * 5 + ["B"] * 3 + ["C", "D", "E"]})
    grouped = F.summarise_groups(docs, top=2)
    assert grouped["outlet"].tolist()[-3:] == ["(3 other outlets)"] * 3
    rates = pd.DataFrame({"outlet": ["A", "B", "(3 other outlets)"], "category": "hedging",
                          "rate_per_1k": [1.0, 2.0, 3.0], "rate_low": [0.5, 1.5, 2.0], "rate_high": [1.5, 2.5, 4.0],
                          "documents": [5, 3, 3]})
    fig = F.plot_rates_by_outlet(rates, ["hedging"])
    assert _tick_labels(fig)[-1].startswith("(3 other outlets)")  # bottom row (labels run top to bottom)
    assert F.summarise_groups(docs, top=10) is docs


def test_version_shift_is_a_rank_axis():
    fig = F.plot_lexicon_version_shift(_shift(42))
    ax = fig.axes[0]
    lo, hi = ax.get_ylim()
    assert (hi, lo) == pytest.approx((0.4, 30.6))  # ranks 1..30 top to bottom, never a rate axis
    assert "rank" in ax.get_ylabel()
    assert all(txt.get_text().startswith("#") or "#" in txt.get_text() for txt in ax.texts)


def test_entry_labels_never_show_raw_patterns():
    from analysis.lexicons.labels import entry_labels
    from analysis.lexicons.model import parse_lexicon

    lex = parse_lexicon('[meta]\nname = "x"\nversion = "1.0.0"\n[categories.x]\ndescription = "d"\n'
                        'entries = [{ pattern = "(point|points|pointed) to", label = "points to" }, "signal*"]\n')
    assert entry_labels(["(point|points|pointed) to", "signal*", "(a|b) c"], [lex]) == ["points to", "signal…", "a c"]
    # the label survives a round trip through TOML (notebook 04 writes lexicons that way)
    assert parse_lexicon(lex.to_toml()).entries[0].label == "points to"
    two = entry_labels(["(may|might) be", "(might|may) be"])
    assert two == ["may be (1)", "may be (2)"]  # two patterns never share one name


def test_date_labels_are_whole_dates():
    fig = F.plot_rates_over_time(pd.DataFrame({
        "outlet": "A", "period": pd.date_range("2020-01-01", periods=5, freq="MS"), "category": "hedging",
        "rate_per_1k": 1.0, "rate_low": 0.5, "rate_high": 1.5}), category="hedging")
    ax = fig.axes[0]
    fig.draw_without_rendering()
    texts = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert texts and all(len(t.split()) == 2 and t.split()[1].isdigit() for t in texts), texts  # "Mar 2020"
