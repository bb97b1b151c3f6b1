"""Groups of outlets, clustered by outlet (issue 13 item 3): cluster bootstrap, outlet permutation test,
clustered count models, the default when ``by`` is coarser than outlet, and the type I error simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compare import group_rates, pairwise_differences, run_all, term_decomposition
from analysis.compare.clustered import is_coarser, simulate_house_styles, type1_study
from analysis.compare.rates import count_model

N = 200


@pytest.fixture(scope="module")
def nested():
    return simulate_house_styles(np.random.default_rng(5), n_groups=3, outlets_per_group=6, mean_docs=12)


def test_cluster_bootstrap_is_a_bootstrap_of_outlet_totals(nested):
    """Resampling outlets within groups = the document bootstrap of a table with one row per outlet."""
    clustered = group_rates(nested, "hedging", by="group", cluster="outlet", n_resamples=N, method="percentile")
    totals = (nested.groupby(["group", "outlet"], as_index=False)[["n_tokens", "hedging:count"]].sum()
              .sort_values(["group", "outlet"]).reset_index(drop=True))
    manual = group_rates(totals, "hedging", by="group", n_resamples=N, method="percentile")
    assert np.allclose(clustered["rate_per_1k"], manual["rate_per_1k"])
    assert np.allclose(clustered["rate_low"], manual["rate_low"])
    assert np.allclose(clustered["rate_high"], manual["rate_high"])
    assert (clustered["clusters"] == 6).all() and (clustered["documents"] > 6).all()
    assert clustered["method"].str.contains("cluster bootstrap").all()
    assert clustered["note"].str.contains("only 6 outlets").all()  # few clusters: said
    plain = group_rates(nested, "hedging", by="group", n_resamples=N, method="percentile")
    assert np.allclose(plain["rate_per_1k"], clustered["rate_per_1k"])  # same point estimate
    # strong house styles: outlets vary more than their articles suggest, so the outlet interval is wider
    strong = simulate_house_styles(np.random.default_rng(1), n_groups=3, outlets_per_group=12, mean_docs=30,
                                   outlet_sd=0.8)
    c = group_rates(strong, "hedging", by="group", cluster="outlet", n_resamples=N, method="percentile")
    d = group_rates(strong, "hedging", by="group", n_resamples=N, method="percentile")
    assert ((c["rate_high"] - c["rate_low"]) > 1.5 * (d["rate_high"] - d["rate_low"])).all()


def test_one_outlet_group_is_kept_with_nan_bounds(nested):
    docs = nested.copy()
    docs.loc[docs["outlet"] == "G0-O0", "group"] = "solo"
    out = group_rates(docs, "hedging", by="group", cluster="outlet", n_resamples=N)
    solo = out[out["group"] == "solo"].iloc[0]
    assert np.isnan(solo["rate_low"]) and "one outlet" in solo["note"]
    pw = pairwise_differences(docs, "hedging", by="group", cluster="outlet", n_resamples=N, n_permutations=N)
    with_solo = pw[(pw["group_a"] == "solo") | (pw["group_b"] == "solo")]
    assert with_solo["p_value"].isna().all() and with_solo["note"].str.contains("one outlet").all()
    assert pw.loc[~pw.index.isin(with_solo.index), "p_value"].notna().all()


def test_pairwise_and_decomposition_at_group_level(nested):
    pw = pairwise_differences(nested, "hedging", by="group", cluster="outlet", n_resamples=N, n_permutations=N)
    assert list(pw[["clusters_a", "clusters_b"]].iloc[0]) == [6, 6]
    assert pw["method"].str.contains("outlet permutation test").all()
    matches = pd.DataFrame({"doc_id": np.repeat(nested["doc_id"], nested["hedging:count"]),
                            "category": "hedging.modal"})
    matches["entry"] = np.where(np.arange(len(matches)) % 3 == 0, "may", "might")
    td = term_decomposition(matches, nested, "hedging", "group0", "group1", by="group", cluster="outlet",
                            n_resamples=N)
    total = td.attrs["total"]
    assert np.isclose(td["diff"].sum(), total["diff"])
    assert np.isclose(total["diff"], pw.loc[(pw.group_a == "group0") & (pw.group_b == "group1"), "diff"].iloc[0])
    assert td["method"].str.contains("outlet bootstrap").all()


def test_count_model_with_outlet_clustered_errors(nested):
    plain = count_model(nested, "hedging", formula_rhs="C(group)", family="poisson")
    clustered = count_model(nested, "hedging", formula_rhs="C(group)", family="poisson", cluster="outlet")
    assert np.allclose(plain["estimate"], clustered["estimate"])
    assert "outlet-clustered SE (18 clusters)" in clustered["model"].iloc[0]
    # strong house styles: outlet-clustered standard errors are larger than the HC0 ones
    strong = simulate_house_styles(np.random.default_rng(1), n_groups=3, outlets_per_group=12, mean_docs=30,
                                   outlet_sd=0.8)
    hc0 = count_model(strong, "hedging", formula_rhs="C(group)", family="poisson")
    cl = count_model(strong, "hedging", formula_rhs="C(group)", family="poisson", cluster="outlet")
    slope = cl["term"] != "Intercept"
    assert (cl.loc[slope, "std_error"].to_numpy() > 1.5 * hc0.loc[slope, "std_error"].to_numpy()).all()


def test_is_coarser(nested):
    assert is_coarser(nested, "group")
    assert not is_coarser(nested, "outlet")
    mixed = nested.copy()
    mixed.loc[mixed.index[0], "group"] = "group2" if mixed.loc[mixed.index[0], "group"] != "group2" else "group0"
    assert not is_coarser(mixed, "group")


def test_type_one_error_with_house_styles():
    """Groups that do not differ, outlets with house styles: the document-level test rejects far too often,
    the outlet permutation test about 5%. (The full study, with more settings: benchmarks/cluster_study.py.)"""
    res = type1_study(n_corpora=100, seed=3, n_resamples=100).set_index("method")
    assert res.loc["document", "reject_p"] > 0.25
    assert 0.0 < res.loc["cluster: outlet", "reject_p"] <= 0.10


def test_run_all_clusters_by_outlet_when_by_is_coarser(nested):
    from analysis.measure.scoring import summarise  # noqa: F401 - the documents table is enough here

    docs = nested.rename(columns={"group": "lean"})
    matches = pd.DataFrame({"doc_id": np.repeat(docs["doc_id"], docs["hedging:count"]), "category": "hedging",
                            "entry": "may", "voice": "narration"})
    steps = ["rates", "pairwise differences", "count models", "term decomposition"]
    res = run_all((docs, matches, {}), by="lean", n_resamples=50, steps=steps)
    assert res.settings["cluster"] == "outlet"
    assert any("clustered by outlet by default" in n for n in res.notes)
    assert (res["rates"]["clusters"] == 6).all()
    assert "outlet-clustered" in res["count_model_hedging"]["model"].iloc[0]
    off = run_all((docs, matches, {}), by="lean", n_resamples=50, steps=["rates"], cluster="none")
    assert off.settings["cluster"] is None and "clusters" not in off["rates"].columns
    with pytest.raises(ValueError, match="unknown --cluster column"):
        run_all((docs, matches, {}), by="lean", n_resamples=50, steps=["rates"], cluster="owner")


def test_a_grouping_across_outlets_is_not_clustered_but_says_so(nested):
    """--by year (outlets have articles in several groups): documents stay the unit by default, with a
    note that they are not independent within an outlet and how to cluster; --cluster outlet then makes
    each (year, outlet) pair a unit. No such note when the groups nest outlets or are the outlets."""
    docs = nested.assign(year=np.where(np.arange(len(nested)) % 2 == 0, 2020, 2021))
    matches = pd.DataFrame({"doc_id": np.repeat(docs["doc_id"], docs["hedging:count"]), "category": "hedging",
                            "entry": "may", "voice": "narration"})
    res = run_all((docs, matches, {}), by="year", n_resamples=50, steps=["rates"])
    assert res.settings["cluster"] is None
    assert any("outlets have documents in several 'year' groups" in n for n in res.notes)
    crossed = run_all((docs, matches, {}), by="year", n_resamples=50, steps=["rates"], cluster="outlet")
    assert any("each (year, outlet) pair is one resampling unit" in n for n in crossed.notes)
    assert not any("outlets have documents in several" in n for n in crossed.notes)
    for by in ("group", "outlet"):
        res = run_all((docs, matches, {}), by=by, n_resamples=50, steps=["rates"])
        assert not any("outlets have documents in several" in n for n in res.notes)
