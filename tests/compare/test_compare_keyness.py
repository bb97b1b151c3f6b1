"""Tests for analysis.compare.keyness: hand-counted corpora, formulas checked against scipy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.compare.keyness import (
    category_keyness,
    g2_statistic,
    keyness,
    log_odds_dirichlet,
    term_counts,
)


def split_words(text):
    """The test tokenizer: lower-cased whitespace split (the real one is analysis.text.tokenize)."""
    return text.lower().split()


@pytest.fixture
def corpus():
    return pd.DataFrame(
        {
            "doc_id": ["x1", "x2", "y1", "y2", "z1"],
            "outlet": ["X", "X", "Y", "Y", "Z"],
            "text": [
                "officials may say the attack may come",
                "it may rain and it might not",
                "officials said the attack will come",
                "it will rain",
                "the rain came",
            ],
        }
    )


def test_term_counts_by_hand(corpus):
    table = term_counts(corpus, tokenizer=split_words)
    assert table.loc["may"].to_dict() == {"X": 3, "Y": 0, "Z": 0}
    assert table.loc["rain"].to_dict() == {"X": 1, "Y": 1, "Z": 1}
    assert table.attrs["documents"]["X"]["may"] == 2  # in both X documents


def test_keyness_counts_and_formulas(corpus):
    out = keyness(corpus, "X", tokenizer=split_words).set_index("term")
    n_x, n_rest = 14, 12  # tokens in X; in Y and Z together
    may = out.loc["may"]
    assert (may.count_target, may.count_reference) == (3, 0)
    assert (may.docs_target, may.docs_reference) == (2, 0)
    assert may.rate_target == pytest.approx(3 / n_x * 1000)
    # log-odds with the corpus as prior: alpha_w = corpus count + 0.01, alpha_0 = their sum
    a_w, a_0 = 3.01, 26 + 0.01 * len(out)
    expected = np.log((3 + a_w) / (n_x + a_0 - 3 - a_w)) - np.log(
        (0 + a_w) / (n_rest + a_0 - 0 - a_w)
    )
    assert may.log_odds == pytest.approx(expected)
    assert may.z == pytest.approx(expected / np.sqrt(1 / (3 + a_w) + 1 / a_w))
    # G2 equals scipy's log-likelihood chi-square on the 2x2 table
    g2, p, _, _ = stats.chi2_contingency(
        [[3, n_x - 3], [0, n_rest]], correction=False, lambda_="log-likelihood"
    )
    assert may.g2 == pytest.approx(g2) and may.p_g2 == pytest.approx(p)


def test_keyness_ranks_target_terms_first_and_reference_terms_last(corpus):
    out = keyness(corpus, "X", tokenizer=split_words)
    assert out.term.iloc[0] == "may"
    assert out.term.iloc[-1] == "will"  # only in Y
    assert out.z.is_monotonic_decreasing


def test_reference_group_and_counts_table_input(corpus):
    vs_y = keyness(corpus, "X", reference="Y", tokenizer=split_words).set_index("term")
    assert "came" not in vs_y.index  # only in Z: not in target or reference
    assert vs_y.loc["rain", "count_reference"] == 1
    table = term_counts(corpus, tokenizer=split_words)
    from_counts = keyness(table, "X", reference="Y").set_index("term")
    cols = ["count_target", "count_reference", "log_odds", "z", "g2"]
    pd.testing.assert_frame_equal(vs_y[cols].sort_index(), from_counts[cols].sort_index())


def test_prior_shrinks_rare_terms():
    # "seems": 40 vs 10 in equal-sized groups; "arguably": 1 vs 0. Without shrinkage "arguably" would
    # have an infinite log-odds ratio; with the informative prior the frequent difference wins.
    table = pd.DataFrame(
        {"X": [40, 1, 959], "Y": [10, 0, 990]}, index=["seems", "arguably", "other"]
    )
    out = keyness(table, "X").set_index("term")
    assert out.loc["seems", "z"] > out.loc["arguably", "z"] > 0
    weak = keyness(table, "X", prior=0.01).set_index("term")  # near-flat, weak prior
    assert weak.loc["arguably", "log_odds"] > out.loc["arguably", "log_odds"]
    scaled = keyness(table, "X", prior_scale=100).set_index("term")
    assert abs(scaled.loc["seems", "log_odds"]) > abs(
        out.loc["seems", "log_odds"]
    )  # less prior mass


def test_log_odds_and_g2_helpers_are_symmetric():
    d, z = log_odds_dirichlet([5, 2], [2, 5], 100, 100, [1, 1], 10)
    assert d[0] == pytest.approx(-d[1]) and z[0] == pytest.approx(-z[1])
    g2, _ = g2_statistic([5, 2], [2, 5], 100, 100)
    assert g2[0] == pytest.approx(g2[1])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"group": "Q"}, "'Q'"),
        ({"group": "X", "reference": "Q"}, "'Q'"),
        ({"group": "X", "reference": "X"}, "target"),
        ({"group": "X", "prior": "flat"}, "prior"),
        ({"group": "X", "by": "publisher"}, "publisher"),
    ],
)
def test_keyness_bad_requests(corpus, kwargs, message):
    with pytest.raises(ValueError, match=message):
        keyness(corpus, tokenizer=split_words, **kwargs)


def test_category_keyness_by_hand():
    docs = pd.DataFrame(
        {
            "doc_id": ["a", "b", "c", "d"],
            "outlet": ["X", "X", "Y", "Y"],
            "n_tokens": [500, 500, 400, 600],
            "hedging:count": [10, 10, 2, 3],
            "booster:count": [1, 1, 1, 1],
        }
    )
    out = category_keyness(docs, "X").set_index("category")
    assert out.index.tolist() == ["hedging", "booster"]
    h = out.loc["hedging"]
    assert (h.count_target, h.count_reference) == (20, 5)
    assert (h.rate_target, h.rate_reference) == pytest.approx((20.0, 5.0))
    g2, _, _, _ = stats.chi2_contingency(
        [[20, 980], [5, 995]], correction=False, lambda_="log-likelihood"
    )
    assert h.g2 == pytest.approx(g2)
    a_w, a_0 = 25.01, 2000  # prior: corpus count of the category, corpus token total
    expected = np.log((20 + a_w) / (1000 + a_0 - 20 - a_w)) - np.log(
        (5 + a_w) / (1000 + a_0 - 5 - a_w)
    )
    assert h.log_odds == pytest.approx(expected)
    assert out.loc["booster", "log_odds"] == pytest.approx(0.0)


def test_category_keyness_bad_requests():
    docs = pd.DataFrame({"outlet": ["X", "Y"], "n_tokens": [10, 10], "hedging:count": [0, 0]})
    with pytest.raises(ValueError, match="no matches"):
        category_keyness(docs, "X")
    with pytest.raises(ValueError, match="'boosting'"):
        category_keyness(docs, "X", categories=["boosting"])
