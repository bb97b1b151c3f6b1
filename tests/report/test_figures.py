"""Figure functions against baseline images (pytest-mpl), the registry, colours and byte-stable saving.

The plotting functions take tables, so the baselines are drawn from small hand-made tables here and do
not change when the sample corpus or the lexicons change. Regenerate them after an intended change:
``.venv/bin/python -m pytest tests/report/test_figures.py --mpl-generate-path=tests/report/baseline``.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from analysis import paths
from analysis.report import figures as F
from analysis.report.style import OKABE_ITO, category_colors, outlet_colors, outlet_styles

OUTLETS = ["Alpha Post", "Beta Wire", "Gamma Herald", "Delta Daily"]
CATS = ["hedging", "evidence_absent", "sourcing.anonymous"]
IMAGE = {"baseline_dir": "baseline", "tolerance": 2, "savefig_kwargs": {"dpi": 80}}


def _rates(scale=1.0, seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for o in OUTLETS:
        for c in CATS:
            r = float(rng.uniform(2, 30)) * scale
            rows.append({"outlet": o, "category": c, "rate_per_1k": r, "rate_low": r * 0.7,
                         "rate_high": r * 1.35, "confidence": 0.95, "documents": 10})
    return pd.DataFrame(rows)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_rates_by_outlet_image():
    return F.plot_rates_by_outlet(_rates(), CATS)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_voice_split_image():
    frames = [_rates(s, seed=i).assign(voice=v) for i, (v, s) in
              enumerate([("narration", 1.0), ("quote", 1.6), ("attributed", 0.8)])]
    table = pd.concat(frames, ignore_index=True)
    table.loc[(table["voice"] == "quote") & (table["outlet"] == "Beta Wire"), ["rate_low", "rate_high"]] = np.nan
    return F.plot_voice_split(table, "hedging")


@pytest.mark.mpl_image_compare(**IMAGE)
def test_dedup_effect_image():
    table = pd.concat([_rates().assign(corpus="all documents"),
                       _rates(0.85).assign(corpus="duplicates removed")], ignore_index=True)
    return F.plot_dedup_effect(table, CATS, removed=7)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_term_decomposition_image():
    entries = ["may", "could", "might", "possibly", "reportedly", "suggest*", "appear*"]
    diffs = [3.1, 2.0, -1.2, 0.8, -0.4, 0.1, 0.0]
    table = pd.DataFrame({"category": ["hedging.modal"] * 3 + ["hedging.possibility", "hedging.evidential",
                                                                "hedging.epistemic_verb", "hedging.epistemic_verb"],
                          "entry": entries, "diff": diffs, "low": [d - 1 for d in diffs],
                          "high": [d + 1 for d in diffs]})
    table.attrs["total"] = {"category": "hedging", "diff": 4.4, "low": 2.0, "high": 6.9}
    return F.plot_term_decomposition(table, "Alpha Post", "Delta Daily", top=6)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_keyness_image():
    rows = [{"outlet": o, "term": f"{o.split()[0].lower()}_{k}", "z": 4.0 - 0.4 * k}
            for o in OUTLETS for k in range(6)]
    return F.plot_keyness(pd.DataFrame(rows), top=5)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_rates_over_time_image():
    periods = pd.date_range("2026-01-01", periods=6, freq="SMS")
    rows = []
    for i, o in enumerate(OUTLETS):
        for j, p in enumerate(periods):
            r = np.nan if (i == 1 and j == 2) else 10 + 3 * i + 2 * np.sin(j + i)
            rows.append({"outlet": o, "period": p, "category": "hedging", "rate_per_1k": r,
                         "rate_low": r - 3, "rate_high": r + 3, "confidence": 0.95})
    events = pd.DataFrame({"date": ["2026-01-20", "2026-02-27"], "label": ["Strike <one>", "Hearing"]})
    return F.plot_rates_over_time(pd.DataFrame(rows), events, "hedging")


@pytest.mark.mpl_image_compare(**IMAGE)
def test_lexicon_version_shift_image():
    table = pd.DataFrame({"version": ["hedging 1.0.0"] * 4 + ["hedging 1.1.0"] * 4, "outlet": OUTLETS * 2,
                          "category": "hedging", "rate_per_1k": [10, 12, 8, 5, 11, 12.5, 13, 5.2]})
    return F.plot_lexicon_version_shift(table)


@pytest.mark.mpl_image_compare(**IMAGE)
def test_story_matched_image():
    pairs = [(a, b) for i, a in enumerate(OUTLETS) for b in OUTLETS[i + 1:]]
    raw = [8.0, -3.0, 12.0, -6.0, 2.5, 9.0]
    adj = [1.0, -2.5, np.nan, -5.0, 0.5, 3.0]
    table = pd.DataFrame({"group_a": [a for a, _ in pairs], "group_b": [b for _, b in pairs], "category": "hedging",
                          "raw_diff": raw, "raw_low": [r - 3 for r in raw], "raw_high": [r + 3 for r in raw],
                          "story_diff": adj, "story_low": [a - 4 for a in adj], "story_high": [a + 4 for a in adj],
                          "shared_stories": [6, 3, 1, 4, 2, 5]})
    return F.plot_story_matched(table, "hedging")


# -- registry --------------------------------------------------------------------------------------
@pytest.mark.checkout
def test_registry_ids_are_stable_and_documented():
    assert F.figure_ids() == ["rates_by_outlet", "voice_split", "dedup_effect", "term_decomposition",
                              "keyness", "rates_over_time", "lexicon_version_shift", "story_matched",
                              "sourcing_profile"]
    gallery = (paths.PROJECT_ROOT / "docs" / "figures.md").read_text(encoding="utf-8")
    for spec in F.FIGURES.values():
        assert callable(spec.plot) and callable(spec.tables) and spec.description
        assert (paths.NOTEBOOKS_DIR / f"{spec.notebook}.ipynb").is_file(), spec.notebook
        assert f"`{spec.id}`" in gallery and f"figures/{spec.id}.png" in gallery


def test_register_refuses_duplicates_and_bad_ids():
    with pytest.raises(ValueError, match="already registered"):
        F.register("rates_by_outlet", plot=F.plot_rates_by_outlet, notebook="x", description="x")(lambda d: {})
    with pytest.raises(ValueError, match="lower-case"):
        F.register("Bad Id", plot=F.plot_rates_by_outlet, notebook="x", description="x")
    with pytest.raises(ValueError, match="unknown figure id"):
        F.build_figure("nope", None)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: F.plot_rates_by_outlet(pd.DataFrame({"outlet": ["a"]})), "needs column"),
        (lambda: F.plot_rates_by_outlet(_rates().iloc[0:0]), "empty"),
        (lambda: F.plot_dedup_effect(_rates().assign(corpus="other")), "corpus column"),
        (lambda: F.plot_lexicon_version_shift(pd.DataFrame({"version": ["a"], "outlet": ["x"],
                                                            "rate_per_1k": [1.0]})), "exactly two"),
        (lambda: F.plot_voice_split(_rates().assign(voice="quote"), "nope"), "no rows"),
    ],
)
def test_plot_functions_refuse_bad_tables(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# -- colours ---------------------------------------------------------------------------------------
def test_outlet_colours_follow_sorted_names_and_are_okabe_ito():
    colors = outlet_colors(["Zeta", "alpha", "Mid", "Zeta"])
    assert list(colors) == ["Mid", "Zeta", "alpha"]  # sorted by name (code points)
    assert set(colors.values()) <= set(OKABE_ITO.values())
    # the same outlet keeps its colour whatever the order it was seen in
    assert outlet_colors(["alpha", "Mid", "Zeta"]) == colors


def test_more_than_eight_outlets_change_marker():
    styles = outlet_styles([f"o{i:02d}" for i in range(10)])
    assert styles["o00"]["color"] == styles["o08"]["color"]
    assert styles["o00"]["marker"] != styles["o08"]["marker"]


def test_figures_use_the_corpus_wide_outlet_colours():
    full = outlet_styles(OUTLETS + ["Zulu News"])
    fig = F.plot_rates_by_outlet(_rates(), CATS, colors=full)
    line_colors = {ln.get_color() for ax in fig.axes for ln in ax.lines}
    assert line_colors == {full[o]["color"] for o in OUTLETS}


def test_category_colours():
    cols = category_colors(["hedging.modal", "hedging.possibility", "sourcing.named", "sourcing.vague", "mine.a"])
    assert cols["hedging.modal"] == cols["hedging.possibility"] == OKABE_ITO["orange"]
    assert cols["sourcing.named"] != cols["sourcing.vague"]
    assert cols["mine.a"] == "#999999"


# -- saving ----------------------------------------------------------------------------------------
def test_save_figure_is_byte_stable_and_writes_provenance(tmp_path):
    prov = {"figure_id": "rates_by_outlet", "corpus_sha256": "c" * 64,
            "lexicons": [{"name": "hedging", "version": "1.0.0", "sha256": "h" * 64}], "package_version": "0"}
    first = F.save_figure(F.plot_rates_by_outlet(_rates(), CATS), tmp_path / "a" / "rates_by_outlet", prov)
    second = F.save_figure(F.plot_rates_by_outlet(_rates(), CATS), tmp_path / "b" / "rates_by_outlet", prov)
    assert [p.name for p in first] == ["rates_by_outlet.svg", "rates_by_outlet.png", "rates_by_outlet.json"]
    for a, b in zip(first, second):
        assert a.read_bytes() == b.read_bytes(), a.name
    svg = first[0].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "font-family" not in svg  # glyphs as paths, no date
    png = first[1].read_bytes()
    assert png.startswith(b"\x89PNG") and b"Software" not in png and b"matplotlib" not in png.lower()
    meta = json.loads(first[2].read_text(encoding="utf-8"))
    assert meta["figure_id"] == "rates_by_outlet" and meta["lexicons"][0]["sha256"] == "h" * 64
    assert meta["files"] == ["rates_by_outlet.svg", "rates_by_outlet.png"] and meta["png_dpi"] == F.PNG_DPI


def test_save_figure_pdf_and_bad_input(tmp_path):
    fig = F.plot_lexicon_version_shift(pd.DataFrame({"version": ["a", "a", "b", "b"], "outlet": ["x", "y"] * 2,
                                                     "rate_per_1k": [1.0, 2.0, 2.5, 1.5]}))
    out = F.save_figure(fig, tmp_path / "shift.png", {}, formats=("pdf",))
    assert [p.name for p in out] == ["shift.pdf", "shift.json"]
    assert b"CreationDate" not in out[0].read_bytes()
    with pytest.raises(ValueError, match="unknown format"):
        F.save_figure(fig, tmp_path / "x", {}, formats=("gif",))
    with pytest.raises(ValueError, match="matplotlib Figure"):
        F.save_figure("not a figure", tmp_path / "x", {})


def test_shorten_never_returns_only_the_placeholder():
    assert F.shorten("(about|around|roughly|approximately)", 10) == "(about|ar…"
    assert F.shorten("short", 10) == "short"


def test_time_frequency_scales_with_the_date_range():
    d = lambda a, b: pd.Series(pd.to_datetime([a, b]))
    assert F.time_frequency(d("2026-01-01", "2026-01-20")) == "W"
    assert F.time_frequency(d("2016-01-01", "2016-11-30")) == "MS"
    assert F.time_frequency(d("2010-01-01", "2016-01-01")) == "QS"


def test_plot_functions_return_figures_without_pyplot():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    fig = F.plot_rates_by_outlet(_rates(), CATS)
    assert isinstance(fig, Figure) and plt.get_fignums() == before  # nothing left open in pyplot
