"""Partial pooling: every outlet gets a finite pooled interval; the intervals cover known rates."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compare.pooling import coverage_study, pooled_rates, simulate_outlets


def _docs():
    rng = np.random.default_rng(3)
    docs, truth = simulate_outlets(rng, n_outlets=30)
    return docs, truth


def test_one_article_outlet_is_kept_with_a_finite_wide_interval():
    docs, _ = _docs()
    t = pooled_rates(docs, "x")
    assert len(t) == docs["outlet"].nunique()  # every outlet kept, one-article outlets included
    assert np.isfinite(t[["rate_pooled", "pooled_low", "pooled_high"]].to_numpy()).all()
    assert (t["pooled_low"] <= t["rate_pooled"]).all() and (t["rate_pooled"] <= t["pooled_high"]).all()
    single = t[t["n_docs"] == 1]
    big = t[t["n_docs"] >= 10]
    assert len(single) >= 8 and len(big) >= 1
    width = t["pooled_high"] - t["pooled_low"]
    assert width[single.index].median() > 1.5 * width[big.index].median()
    assert (single["note"] == "one document: estimate leans on the corpus rate").all()


def test_small_outlets_shrink_toward_the_corpus_rate_more_than_large_ones():
    docs, _ = _docs()
    t = pooled_rates(docs, "x")
    corpus_rate = docs["x:count"].sum() / docs["n_tokens"].sum() * 1000
    moved = (t["rate"] - t["rate_pooled"]).abs() / (t["rate"] - corpus_rate).abs().clip(lower=1e-9)
    assert moved[t["n_docs"] == 1].median() > moved[t["n_docs"] >= 10].median()
    # pooled estimates lie between the raw rate and the corpus rate (up to grid resolution)
    lo = np.minimum(t["rate"], corpus_rate) - 0.05 * corpus_rate
    hi = np.maximum(t["rate"], corpus_rate) + 0.05 * corpus_rate
    assert ((t["rate_pooled"] >= lo) & (t["rate_pooled"] <= hi)).mean() > 0.9


def test_row_order_and_extra_groups_do_not_matter_for_the_table_shape():
    docs, _ = _docs()
    a = pooled_rates(docs, "x")
    b = pooled_rates(docs.sample(frac=1, random_state=1), "x")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


def test_edge_cases_zero_matches_two_groups_empty_documents():
    docs = pd.DataFrame({"outlet": ["A", "A", "B"], "n_tokens": [100, 0, 50], "x:count": [0, 0, 0],
                         "y:count": [3, 0, 1]})
    t = pooled_rates(docs)
    x = t[t["category"] == "x"]
    assert (x["rate_pooled"] < 1).all() and np.isfinite(x["pooled_high"]).all()
    assert x["note"].str.contains("no matches in any group").all()
    y = t[t["category"] == "y"]
    assert y["note"].str.contains("fewer than 3 groups").all()
    assert np.isfinite(y["pooled_high"]).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"by": "nope"}, "unknown column 'nope'"),
    ({"categories": "z"}, "unknown category 'z'"),
    ({"confidence": 1.5}, "confidence must be between 0 and 1"),
])
def test_bad_arguments(kwargs, message):
    docs, _ = _docs()
    with pytest.raises(ValueError, match=message):
        pooled_rates(docs, **kwargs)


def test_interval_coverage_in_simulation():
    # known outlet rates (lognormal, so the model's prior shape is not assumed to be exact), NB documents,
    # a third of the outlets with one article: 95% intervals must cover 92-98% of the outlet rates
    study = coverage_study(n_corpora=200, seed=11, n_outlets=40)
    overall = study.set_index("size").loc["all"]
    assert overall["outlets"] == 200 * 40
    assert 0.92 <= overall["coverage"] <= 0.98, study.to_string()
    # pooling pays: the pooled estimates are closer to the truth than the raw rates
    assert overall["pooled_rmse"] < overall["raw_rmse"]
