"""Tests for analysis.compare.rates: small hand-built Documents/Matches tables with known answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.compare.rates import (
    count_model,
    g2_test,
    group_rates,
    pairwise_differences,
    term_decomposition,
    voice_rates,
)

N = 500  # resamples in tests: enough for stable intervals, fast


def docs_from(spec):
    """spec: list of (outlet, n_tokens, hedging count) -> Documents table."""
    rows = [
        {
            "doc_id": f"d{i}",
            "outlet": o,
            "n_tokens": t,
            "hedging:count": c,
            "hedging:rate": 1000 * c / t,
        }
        for i, (o, t, c) in enumerate(spec)
    ]
    return pd.DataFrame(rows)


def dominated_by_one_long_document():
    """Outlet A: 19 short documents at 1 per 1,000 plus one 100,000-token document at 5 per 1,000.

    Outlet B: 20 short documents at 2 per 1,000. Pooled, A looks far hedgier (about 4.7 vs 2 per
    1,000) and a token-level test calls it certain; but the excess lives in a single document.
    """
    spec = [("A", 1000, 1)] * 19 + [("A", 100_000, 500)] + [("B", 1000, 2)] * 20
    return docs_from(spec)


# ------------------------------------------------------------------------------------- group_rates
def test_group_rates_known_answer():
    docs = docs_from([("X", 100, 1), ("X", 300, 3), ("Y", 200, 0), ("Y", 200, 2)])
    out = group_rates(docs, by="outlet", n_resamples=N)
    x = out[out.outlet == "X"].iloc[0]
    y = out[out.outlet == "Y"].iloc[0]
    # X: 4 matches / 400 tokens; both documents have exactly 10 per 1,000, so every resample does too
    assert (x.documents, x.tokens, x.matches) == (2, 400, 4)
    assert x.rate_per_1k == pytest.approx(10.0)
    assert x.rate_low == pytest.approx(10.0) and x.rate_high == pytest.approx(10.0)
    assert x.share_docs == 1.0 and x.share_low == 1.0 and x.share_high == 1.0
    # Y: 2 / 400 tokens, half the documents hedge
    assert y.rate_per_1k == pytest.approx(5.0)
    assert y.share_docs == pytest.approx(0.5)
    assert y.rate_low <= 5.0 <= y.rate_high
    assert "document bootstrap" in y.method and f"{N} resamples" in y.method
    assert list(out.columns) == [
        "outlet",
        "category",
        "documents",
        "tokens",
        "matches",
        "rate_per_1k",
        "rate_low",
        "rate_high",
        "share_docs",
        "share_low",
        "share_high",
        "confidence",
        "method",
        "note",
    ]


def test_group_rates_is_the_ratio_estimator_not_the_mean_of_document_rates():
    # document rates 100 and 0 per 1,000: their mean is 50, the pooled ratio 1 / 1010 * 1000
    docs = docs_from([("X", 10, 1), ("X", 1000, 0)])
    out = group_rates(docs, n_resamples=N)
    assert out.rate_per_1k.iloc[0] == pytest.approx(1000 / 1010)


def test_group_rates_interval_covers_known_rate():
    rng = np.random.default_rng(42)
    tokens = rng.integers(200, 2000, size=80)
    counts = rng.poisson(tokens * 5 / 1000)  # true rate 5 per 1,000
    docs = docs_from([("X", int(t), int(c)) for t, c in zip(tokens, counts)])
    out = group_rates(docs, n_resamples=N).iloc[0]
    assert out.rate_low < 5.0 < out.rate_high
    assert out.rate_high - out.rate_low < 3.0


def test_zero_matches_give_zero_rate_and_degenerate_interval():
    docs = docs_from([("X", 100, 0), ("X", 200, 0), ("X", 50, 0)])
    out = group_rates(docs, n_resamples=N).iloc[0]
    assert (out.rate_per_1k, out.rate_low, out.rate_high) == (0.0, 0.0, 0.0)
    assert (out.share_docs, out.share_low, out.share_high) == (0.0, 0.0, 0.0)


def test_group_rates_reproducible_and_independent_of_other_groups():
    rng = np.random.default_rng(1)
    spec = [("X", int(t), int(rng.poisson(t / 200))) for t in rng.integers(100, 900, 30)]
    spec += [("Y", int(t), int(rng.poisson(t / 300))) for t in rng.integers(100, 900, 30)]
    docs = docs_from(spec)
    a = group_rates(docs, n_resamples=N, seed=3)
    b = group_rates(docs, n_resamples=N, seed=3)
    pd.testing.assert_frame_equal(a, b)
    only_x = group_rates(docs[docs.outlet == "X"], n_resamples=N, seed=3)
    pd.testing.assert_frame_equal(a[a.outlet == "X"].reset_index(drop=True), only_x)


def test_weights_halve_a_duplicated_document():
    docs = docs_from([("X", 100, 5), ("X", 100, 5), ("X", 300, 0)])
    docs["weight"] = [0.5, 0.5, 1.0]
    weighted = group_rates(docs, weights="weight", n_resamples=N).iloc[0]
    single = group_rates(docs.iloc[[0, 2]], n_resamples=N).iloc[0]
    assert weighted.rate_per_1k == pytest.approx(single.rate_per_1k)  # 5 / 400 tokens
    assert weighted.share_docs == pytest.approx(single.share_docs)  # 1 of 2 documents
    assert "weighted by 'weight'" in weighted.method


def test_group_rates_by_several_columns():
    docs = docs_from([("X", 100, 1), ("X", 100, 3), ("X", 100, 2), ("X", 100, 2)])
    docs["month"] = ["2016-01", "2016-01", "2016-02", "2016-02"]
    out = group_rates(docs, by=["outlet", "month"], n_resamples=N)
    assert out[["outlet", "month"]].values.tolist() == [["X", "2016-01"], ["X", "2016-02"]]
    assert out.rate_per_1k.tolist() == pytest.approx([20.0, 20.0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"by": "publisher"}, "publisher"),
        ({"categories": "boosting"}, "boosting"),
        ({"categories": []}, "empty"),
        ({"confidence": 1.5}, "confidence"),
        ({"method": "bca"}, "method"),
        ({"weights": "w"}, "'w'"),
    ],
)
def test_group_rates_bad_requests(kwargs, message):
    docs = docs_from([("X", 100, 1), ("X", 100, 2)])
    with pytest.raises(ValueError, match=message):
        group_rates(docs, n_resamples=N, **kwargs)


def test_group_with_one_document_is_named_in_the_error():
    docs = docs_from([("X", 100, 1), ("X", 100, 2), ("Lonely Times", 100, 1)])
    with pytest.raises(ValueError, match="'Lonely Times' has only one document"):
        group_rates(docs, n_resamples=N, on_small_group="raise")
    out = group_rates(docs, n_resamples=N)  # default: kept, NaN bounds, a note
    lonely = out[out.outlet == "Lonely Times"].iloc[0]
    assert lonely.rate_per_1k == 10.0 and np.isnan(lonely.rate_low)
    assert "one document" in lonely.note and out[out.outlet == "X"].note.eq("").all()
    assert group_rates(docs, n_resamples=N, on_small_group="drop").outlet.tolist() == ["X"]


# ------------------------------------------------------------------------------ pairwise differences
def test_pairwise_known_difference():
    # every X document hedges at exactly 10 per 1,000, every Y document at 5: the difference is 5
    docs = docs_from(
        [("X", 200 * (i + 1), 2 * (i + 1)) for i in range(10)]
        + [("Y", 200 * (i + 1), i + 1) for i in range(10)]
    )
    out = pairwise_differences(docs, "hedging", n_resamples=N, n_permutations=N)
    row = out.iloc[0]
    assert (row.group_a, row.group_b) == ("X", "Y")
    assert row["diff"] == pytest.approx(5.0)
    assert row.low == pytest.approx(5.0) and row.high == pytest.approx(5.0)
    assert row.p_value < 0.01


def test_one_long_document_fools_the_token_test_but_not_the_document_bootstrap():
    docs = dominated_by_one_long_document()
    a, b = docs[docs.outlet == "A"], docs[docs.outlet == "B"]
    _, p_naive = g2_test(
        a["hedging:count"].sum(), a.n_tokens.sum(), b["hedging:count"].sum(), b.n_tokens.sum()
    )
    assert p_naive < 1e-6  # pooled tokens: "certain" difference

    out = pairwise_differences(docs, "hedging", n_resamples=N, n_permutations=N).iloc[0]
    assert out["diff"] == pytest.approx(519 / 119 - 2)  # pooled: 4.36 vs 2 per 1,000 ...
    assert out.low < 0 < out.high  # ... but resampling documents, it is not distinguishable from 0
    assert out.p_value > 0.05  # and shuffling documents between outlets produces it easily
    assert out.p_token_g2 == pytest.approx(p_naive)


def test_pairwise_correction_is_applied_and_stated():
    rng = np.random.default_rng(7)
    spec = []
    for outlet, rate in [("A", 2), ("B", 4), ("C", 4.5)]:
        for t in rng.integers(300, 1500, 25):
            spec.append((outlet, int(t), int(rng.poisson(t * rate / 1000))))
    docs = docs_from(spec)
    out = pairwise_differences(docs, "hedging", n_resamples=N, n_permutations=N, correction="holm")
    assert out[["group_a", "group_b"]].values.tolist() == [["A", "B"], ["A", "C"], ["B", "C"]]
    assert (out.p_adjusted >= out.p_value - 1e-12).all()
    assert out.correction.iloc[0].startswith("p_adjusted: holm over 3 comparisons")
    assert out.loc[0, "high"] < 0  # A hedges less than B: 2 vs 4 per 1,000 over 25 documents each
    raw = pairwise_differences(docs, "hedging", n_resamples=N, n_permutations=N, correction=None)
    np.testing.assert_allclose(raw.p_adjusted, raw.p_value)
    some = pairwise_differences(docs, "hedging", groups=["C", "A"], n_resamples=N, n_permutations=N)
    assert some[["group_a", "group_b"]].values.tolist() == [["C", "A"]]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"category": "boosting"}, "boosting"),
        ({"category": "hedging", "groups": ["X", "Nowhere"]}, "Nowhere"),
        ({"category": "hedging", "groups": ["X"]}, "at least two groups"),
        ({"category": "hedging", "correction": "magic"}, "magic"),
    ],
)
def test_pairwise_bad_requests(kwargs, message):
    docs = docs_from([("X", 100, 1), ("X", 100, 2), ("Y", 100, 1), ("Y", 100, 0)])
    with pytest.raises(ValueError, match=message):
        pairwise_differences(docs, n_resamples=N, n_permutations=N, **kwargs)


def test_pairwise_empty_category_is_refused():
    docs = docs_from([("X", 100, 0), ("X", 100, 0), ("Y", 100, 0), ("Y", 100, 0)])
    with pytest.raises(ValueError, match="'hedging' has no matches"):
        pairwise_differences(docs, "hedging", n_resamples=N, n_permutations=N)


# ------------------------------------------------------------------------------------- count model
def test_poisson_count_model_recovers_exact_rate_ratio():
    docs = docs_from([("X", 1000, c) for c in (4, 6, 5)] + [("Y", 1000, c) for c in (10, 9, 11)])
    out = count_model(docs, "hedging", family="poisson").set_index("term")
    assert out.loc["C(outlet)[T.Y]", "rate_ratio"] == pytest.approx(2.0)
    assert out.loc["Intercept", "rate_ratio"] * 1000 == pytest.approx(5.0)  # baseline per 1,000
    assert np.isnan(out.loc["Intercept", "p_adjusted"])
    assert "over 1 non-intercept terms" in out.correction.iloc[0]


def test_negbin_count_model_interval_covers_true_ratio():
    rng = np.random.default_rng(3)
    spec = []
    for outlet, rate in [("X", 3.0), ("Y", 6.0)]:
        for t in rng.integers(300, 3000, 60):
            mu = t * rate / 1000
            spec.append((outlet, int(t), int(rng.negative_binomial(5, 5 / (5 + mu)))))
    out = count_model(docs_from(spec), "hedging", family="negbin").set_index("term")
    row = out.loc["C(outlet)[T.Y]"]
    assert row.rr_low < 2.0 < row.rr_high
    assert out.model.iloc[0].startswith("negative binomial")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"family": "gaussian"}, "family"),
        ({"formula_rhs": "C(publisher)"}, "publisher"),
        ({"category": "boosting"}, "boosting"),
    ],
)
def test_count_model_bad_requests(kwargs, message):
    docs = docs_from([("X", 100, 1), ("X", 100, 2), ("Y", 100, 1), ("Y", 100, 0)])
    kwargs = {"category": "hedging", **kwargs}
    with pytest.raises(ValueError, match=message):
        count_model(docs, **kwargs)


# ---------------------------------------------------------------------------- term decomposition
def decomposition_tables():
    # 4 documents per outlet, 1,000 tokens each. X: "may" 3 per document, "might" 1; Y: "may" 1, "might" 1.
    docs = docs_from([("X", 1000, 4)] * 4 + [("Y", 1000, 2)] * 4)
    rows = []
    for doc_id, outlet in zip(docs.doc_id, docs.outlet):
        entries = ["may"] * (3 if outlet == "X" else 1) + ["might"]
        rows += [
            {"doc_id": doc_id, "outlet": outlet, "category": "hedging.modal", "entry": e}
            for e in entries
        ]
    rows.append({"doc_id": "d0", "outlet": "X", "category": "boosting", "entry": "clearly"})
    return pd.DataFrame(rows), docs


def test_term_decomposition_known_answer():
    matches, docs = decomposition_tables()
    out = term_decomposition(matches, docs, "hedging", "X", "Y", n_resamples=N)
    assert out.entry.tolist() == ["may", "might"]
    may, might = out.iloc[0], out.iloc[1]
    assert (may.rate_a, may.rate_b, may["diff"]) == pytest.approx((3.0, 1.0, 2.0))
    assert might["diff"] == pytest.approx(0.0)
    assert may.share_of_difference == pytest.approx(1.0)
    assert out["diff"].sum() == pytest.approx(out.attrs["total"]["diff"])
    assert (may.matches_a, may.matches_b) == (12, 4)
    assert may.low == pytest.approx(2.0) and may.high == pytest.approx(2.0)  # identical documents


def test_term_decomposition_bad_requests():
    matches, docs = decomposition_tables()
    with pytest.raises(ValueError, match="'evidential'"):
        term_decomposition(matches, docs, "evidential", "X", "Y", n_resamples=N)
    with pytest.raises(ValueError, match="'Z'"):
        term_decomposition(matches, docs, "hedging", "X", "Z", n_resamples=N)
    # "boosting" exists (one match in X) but not in the two groups compared here
    two_y_groups = docs[docs.outlet == "Y"].assign(outlet=["Y", "Y", "W", "W"])
    with pytest.raises(ValueError, match="'boosting' has no matches in groups 'Y' and 'W'"):
        term_decomposition(matches, two_y_groups, "boosting", "Y", "W", n_resamples=N)


# ------------------------------------------------------------------------------------------- voice
def test_voice_rates_split_by_voice():
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d"],
            "outlet": ["X", "X", "Y", "Y"],
            "n_tokens_narration": [800, 800, 900, 900],
            "n_tokens_quote": [200, 200, 100, 100],
            "n_tokens_attributed": [0, 0, 0, 0],
        }
    )
    matches = pd.DataFrame(
        {
            "doc_id": ["a", "a", "b", "c", "d"],
            "category": ["hedging.modal"] * 5,
            "voice": ["quote", "narration", "quote", "narration", "narration"],
        }
    )
    out = voice_rates(matches, docs, categories="hedging", n_resamples=N)
    got = out.set_index(["outlet", "voice"]).rate_per_1k
    assert got[("X", "narration")] == pytest.approx(1000 / 1600)
    assert got[("X", "quote")] == pytest.approx(2000 / 400)
    assert got[("Y", "narration")] == pytest.approx(2000 / 1800)
    assert got[("Y", "quote")] == 0.0
    assert np.isnan(got[("X", "attributed")])  # no attributed words at all: undefined, not zero
    assert out.voice.tolist()[:3] == ["narration", "quote", "attributed"]


def test_voice_rates_need_token_counts_by_voice():
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b"],
            "outlet": ["X", "X"],
            "n_tokens": [10, 10],
            "n_tokens_narration": [10, 10],
        }
    )
    matches = pd.DataFrame({"doc_id": ["a"], "category": ["hedging"], "voice": ["quote"]})
    with pytest.raises(ValueError, match="n_tokens_quote"):
        voice_rates(matches, docs, n_resamples=N)


def test_bca_falls_back_to_percentile_where_it_is_undefined():
    # the number of distinct documents in a resample is never above the original's: BCa's bias
    # correction is infinite there, and the percentile interval of the same resamples is used instead
    from analysis.compare.rates import _bootstrap_ci

    def distinct(idx, axis=-1):
        return 1.0 + (np.diff(np.sort(idx, axis=-1), axis=-1) > 0).sum(axis=-1)

    low, high, labels = _bootstrap_ci(
        (np.arange(10.0),),
        distinct,
        [10.0],
        n_resamples=300,
        confidence=0.95,
        rng=np.random.default_rng(0),
        method="BCa",
    )
    assert labels.tolist() == ["percentile (BCa undefined)"]
    assert 1 <= low[0] <= high[0] < 10


def test_doc_counts_equal_crosstab():
    """The bincount table behind term_decomposition and voice_rates is pd.crosstab reindexed to the
    documents: same cells, same (sorted) columns, missing labels left out, repeated and absent target ids."""
    from analysis.compare.rates import _doc_counts

    rng = np.random.default_rng(4)
    n = 3000
    m = pd.DataFrame({"doc_id": rng.choice([f"d{i}" for i in range(300)], n),
                      "category": rng.choice(["hedging.modal", "hedging.lexical", "booster"], n),
                      "entry": rng.choice(["may", "might", "Perhaps", "é", "b c"], n)}).astype("str")
    m.loc[rng.choice(n, 40, replace=False), "entry"] = np.nan
    target = pd.Series([f"d{i}" for i in range(0, 330, 1)] + ["d5", "d5"], dtype="str")
    want = pd.crosstab(m["doc_id"], [m["category"].astype(str), m["entry"].astype(str)]).reindex(target, fill_value=0)
    got, keys = _doc_counts(m["doc_id"], [m["category"], m["entry"]], target)
    assert keys == list(want.columns)
    assert np.array_equal(got, want.to_numpy())


@pytest.mark.parametrize("bound", [1, 7, 300, 5000])
@pytest.mark.parametrize("n", [0, 3, 20_000])
def test_unique_inverse_through_a_table_equals_np_unique(bound, n):
    """_doc_counts numbers the label combinations present through a table of the codes when their range
    is small: the values, order and dtypes of np.unique(return_inverse=True)."""
    from analysis.compare.rates import _unique_inverse

    values = np.random.default_rng(n + bound).integers(0, bound, size=n).astype(np.int64)
    want, got = np.unique(values, return_inverse=True), _unique_inverse(values, bound)
    for w, g in zip(want, got):
        assert w.dtype == g.dtype
        np.testing.assert_array_equal(w, g)
