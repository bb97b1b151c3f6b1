"""Tests for analysis.validate.metrics, pinned to published worked examples."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from analysis.validate.metrics import (
    _wilson_formula,
    cohen_kappa,
    krippendorff_alpha,
    prf,
    span_prf,
    wilson_interval,
)

# --------------------------------------------------------------------------- prf


def test_prf_counts():
    r = prf([1, 1, 1, 0, 0, 0], [1, 1, 0, 1, 0, 0])
    assert (r["tp"], r["fp"], r["fn"], r["n"]) == (2, 1, 1, 6)
    assert r["precision"] == pytest.approx(2 / 3)
    assert r["recall"] == pytest.approx(2 / 3)
    assert r["f1"] == pytest.approx(2 / 3)


def test_prf_accepts_bools_and_series():
    r = prf(pd.Series([True, False, True]), np.array([True, True, True]))
    assert (r["precision"], r["recall"]) == (pytest.approx(2 / 3), 1.0)


@pytest.mark.parametrize(
    "y_true, y_pred, expected",
    [
        # no predicted positives: precision 0/0 is defined as 0.0, not NaN
        ([1, 0], [0, 0], {"precision": 0.0, "recall": 0.0, "f1": 0.0}),
        # no gold positives and none predicted: every ratio is 0/0 -> 0.0
        ([0, 0], [0, 0], {"precision": 0.0, "recall": 0.0, "f1": 0.0}),
        ([], [], {"precision": 0.0, "recall": 0.0, "f1": 0.0, "n": 0}),
    ],
)
def test_prf_zero_division_is_zero(y_true, y_pred, expected):
    r = prf(y_true, y_pred)
    for key, value in expected.items():
        assert r[key] == value


@pytest.mark.parametrize(
    "y_true, y_pred, match",
    [
        ([1, 0], [1], "2 labels"),
        ([1, 2], [1, 0], r"y_true\[1\] = 2"),
        ([1, None], [1, 0], r"y_true\[1\]"),
        ("10", [1, 0], "string"),
    ],
)
def test_prf_rejects_bad_input(y_true, y_pred, match):
    with pytest.raises(ValueError, match=match):
        prf(y_true, y_pred)


# --------------------------------------------------------------------------- wilson


# Newcombe (1998), "Two-sided confidence intervals for the single proportion",
# Statistics in Medicine 17:857-872, Table I, method 3 (Wilson score, no continuity correction).
NEWCOMBE = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
    (29, 29, 0.8830, 1.0000),
]


@pytest.mark.parametrize("successes, n, low, high", NEWCOMBE)
def test_wilson_matches_newcombe_1998(successes, n, low, high):
    got = wilson_interval(successes, n)
    assert got == pytest.approx((low, high), abs=5e-5)
    # the fallback formula used without statsmodels gives the same numbers
    assert _wilson_formula(successes, n, 0.95) == pytest.approx(got, abs=1e-9)


def test_wilson_confidence_and_edges():
    narrow = wilson_interval(40, 100, confidence=0.80)
    wide = wilson_interval(40, 100, confidence=0.99)
    assert wide[0] < narrow[0] < 0.4 < narrow[1] < wide[1]
    assert all(math.isnan(x) for x in wilson_interval(0, 0))
    for bad in [(5, 4), (-1, 4), (1.5, 4)]:
        with pytest.raises(ValueError):
            wilson_interval(*bad)
    with pytest.raises(ValueError, match="confidence"):
        wilson_interval(1, 4, confidence=95)


# --------------------------------------------------------------------------- spans


def test_span_prf_exact_and_overlap():
    gold = [[(0, 3, "may", "speculation"), (10, 20, "suggest that", "speculation")], [], [(4, 9)]]
    pred = [[(0, 3), (11, 18)], [(1, 2)], [(4, 9), (4, 9)]]
    exact = span_prf(gold, pred)
    # (0,3) and one of the duplicated (4,9) match; (11,18) is off by its edges
    assert (exact["tp"], exact["fp"], exact["fn"], exact["n"]) == (2, 3, 1, 3)
    overlap = span_prf(gold, pred, mode="overlap")
    # (11,18) now matches (10,20); the duplicate (4,9) still counts once
    assert (overlap["tp"], overlap["fp"], overlap["fn"]) == (3, 2, 0)
    assert overlap["recall"] == 1.0 and overlap["precision"] == pytest.approx(3 / 5)


def test_span_prf_overlap_is_one_to_one_and_maximal():
    # greedy matching would pair the long prediction with the first gold span and leave
    # the second prediction unmatched; the maximum matching pairs both
    gold = [[(0, 5), (6, 10)]]
    pred = [[(0, 10), (1, 3)]]
    r = span_prf(gold, pred, mode="overlap")
    assert (r["tp"], r["fp"], r["fn"]) == (2, 0, 0)
    # spans that only touch (end == start) do not overlap
    assert span_prf([[(0, 5)]], [[(5, 8)]], mode="overlap")["tp"] == 0


def test_span_prf_rejects_bad_input():
    with pytest.raises(ValueError, match="mode"):
        span_prf([[]], [[]], mode="fuzzy")
    with pytest.raises(ValueError, match="sentences"):
        span_prf([[]], [[], []])
    with pytest.raises(ValueError, match=r"pred_spans\[0\].*empty or reversed"):
        span_prf([[]], [[(3, 3)]])
    with pytest.raises(ValueError, match=r"gold_spans\[0\]"):
        span_prf([["abc"]], [[]])


# --------------------------------------------------------------------------- agreement


def test_cohen_kappa_wikipedia_example():
    # Wikipedia, "Cohen's kappa", worked example: 50 proposals, A and B both yes on 20,
    # A yes/B no on 5, A no/B yes on 10, both no on 15: p_o = 0.7, p_e = 0.5, kappa = 0.4
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_cohen_kappa_matches_sklearn_on_random_data():
    from sklearn.metrics import cohen_kappa_score

    rng = random.Random(7)
    for _ in range(20):
        a = [rng.choice("xyz") for _ in range(40)]
        b = [x if rng.random() < 0.6 else rng.choice("xyz") for x in a]
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_cohen_kappa_edges():
    assert cohen_kappa([1, 0, 1], [1, 0, 1]) == pytest.approx(1.0)
    # one shared label everywhere: chance agreement is 1, kappa undefined
    assert math.isnan(cohen_kappa([1, 1], [1, 1]))
    with pytest.raises(ValueError, match="missing"):
        cohen_kappa([1, None], [1, 0])
    with pytest.raises(ValueError, match="3 labels"):
        cohen_kappa([1, 0, 1], [1, 0])


# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units, nominal data with missing values. Published: nominal 0.743, interval 0.849.
NA = None
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
]


def test_krippendorff_alpha_published_nominal_example():
    assert krippendorff_alpha(KRIPPENDORFF_2011) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_published_interval_example():
    assert krippendorff_alpha(KRIPPENDORFF_2011, level="interval") == pytest.approx(0.849, abs=5e-4)


def test_krippendorff_alpha_accepts_nan_and_dataframes():
    as_float = np.array([[np.nan if v is None else v for v in row] for row in KRIPPENDORFF_2011])
    assert krippendorff_alpha(as_float) == pytest.approx(0.743, abs=5e-4)
    frame = pd.DataFrame(KRIPPENDORFF_2011).astype("Int64")  # pd.NA for missing
    assert krippendorff_alpha(frame) == pytest.approx(0.743, abs=5e-4)
    # string labels work for nominal data
    labels = [[None if v is None else f"c{v}" for v in row] for row in KRIPPENDORFF_2011]
    assert krippendorff_alpha(labels) == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_alpha_two_coders_complete_data_close_to_kappa():
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    # with two coders and no gaps alpha is Scott's pi with a small-sample correction
    alpha = krippendorff_alpha([a, b])
    assert 0.38 < alpha < 0.41


def test_krippendorff_alpha_edges():
    assert math.isnan(krippendorff_alpha([[1, 1, None], [1, 1, 2]]))
    with pytest.raises(ValueError, match="two or more coders"):
        krippendorff_alpha([[1, None], [None, 2]])
    with pytest.raises(ValueError, match="at least two coders"):
        krippendorff_alpha([[1, 2, 3]])
    with pytest.raises(ValueError, match="same number of units"):
        krippendorff_alpha([[1, 2], [1]])
    with pytest.raises(ValueError, match="level"):
        krippendorff_alpha(KRIPPENDORFF_2011, level="ordinal")
    with pytest.raises(ValueError, match="numbers"):
        krippendorff_alpha([["a", "b"], ["a", "b"]], level="interval")
