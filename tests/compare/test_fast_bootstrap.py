"""The vectorised ratio bootstrap and permutation test (issue 19 items 3 and 6) against scipy.

``_ratio_bootstrap_ci`` draws the same resamples as ``scipy.stats.bootstrap`` and computes BCa with a
closed-form jackknife: for the same generator state the intervals must equal scipy's up to rounding.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from analysis.compare.rates import (
    _bootstrap_ci,
    _diff_statistic,
    _quantiles,
    _ratio_bootstrap_ci,
    _ratio_permutation_p,
    _ratio_statistic,
)


def _data(seed, n=60, k=3):
    rng = np.random.default_rng(seed)
    tokens = rng.integers(50, 2000, size=n).astype(float)
    counts = rng.poisson(tokens[None, :] * rng.uniform(0.001, 0.02, size=(k, 1)) * rng.gamma(3, 1 / 3, (k, n)))
    num = np.vstack([counts, counts > 0]).astype(float)
    den = np.vstack([np.tile(tokens, (k, 1)), np.ones((k, n))])
    return num, den


@pytest.mark.parametrize("method", ["BCa", "percentile", "basic"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_sample_equals_scipy(method, seed):
    num, den = _data(seed)
    cols = np.arange(num.shape[1])
    point = num.sum(1) / den.sum(1)
    ref = _bootstrap_ci((cols.astype(float),), _ratio_statistic(num, den), point, n_resamples=300,
                        confidence=0.95, rng=np.random.default_rng(seed), method=method)
    fast = _ratio_bootstrap_ci(num, den, (cols,), point, n_resamples=300, confidence=0.95,
                               rng=np.random.default_rng(seed), method=method)
    np.testing.assert_allclose(fast[0], ref[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast[1], ref[1], rtol=1e-9, atol=1e-12)
    assert list(fast[2]) == list(ref[2])


@pytest.mark.parametrize("method", ["BCa", "percentile"])
def test_two_samples_equal_scipy(method):
    num, den = _data(7, n=90)
    ia, ib = np.arange(0, 35), np.arange(35, 90)
    point = num[:, ia].sum(1) / den[:, ia].sum(1) - num[:, ib].sum(1) / den[:, ib].sum(1)
    ref = _bootstrap_ci((ia.astype(float), ib.astype(float)), _diff_statistic(num, den), point, n_resamples=400,
                        confidence=0.9, rng=np.random.default_rng(3), method=method)
    fast = _ratio_bootstrap_ci(num, den, (ia, ib), point, n_resamples=400, confidence=0.9,
                               rng=np.random.default_rng(3), method=method)
    np.testing.assert_allclose(fast[0], ref[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fast[1], ref[1], rtol=1e-9, atol=1e-12)


def test_batches_are_drawn_like_scipy():
    """More resamples than one batch holds: the draws must still follow scipy's batch order."""
    num, den = _data(4, n=30_000, k=1)
    cols = np.arange(num.shape[1])
    point = num.sum(1) / den.sum(1)
    ref = _bootstrap_ci((cols.astype(float),), _ratio_statistic(num, den), point, n_resamples=300,
                        confidence=0.95, rng=np.random.default_rng(5), method="percentile")
    fast = _ratio_bootstrap_ci(num, den, (cols,), point, n_resamples=300, confidence=0.95,
                               rng=np.random.default_rng(5), method="percentile")
    np.testing.assert_allclose(fast[0], ref[0], rtol=1e-9)


@pytest.mark.parametrize("cells", [1, 997, 10**9])
def test_one_sample_batch_size_does_not_change_the_interval(monkeypatch, cells):
    """With one sample the batch bounds memory only: one resample per batch, odd batches and a single
    batch give the same bits (the generator is drawn in the same order)."""
    from analysis.compare import rates

    num, den = _data(11, n=70)
    cols = np.arange(num.shape[1])
    point = num.sum(1) / den.sum(1)

    def run():
        return _ratio_bootstrap_ci(num, den, (cols,), point, n_resamples=250, confidence=0.95,
                                   rng=np.random.default_rng(2), method="BCa")

    base = run()
    monkeypatch.setattr(rates, "_ONE_SAMPLE_BATCH_CELLS", cells)
    other = run()
    np.testing.assert_array_equal(other[0], base[0])
    np.testing.assert_array_equal(other[1], base[1])


def test_two_sample_batches_keep_their_size(monkeypatch):
    """With two samples the batch orders the draws: it is still _BATCH_CELLS, not the one-sample size."""
    from analysis.compare import rates

    num, den = _data(11, n=70)
    ia, ib = np.arange(0, 30), np.arange(30, 70)
    point = num[:, ia].sum(1) / den[:, ia].sum(1) - num[:, ib].sum(1) / den[:, ib].sum(1)

    def run():
        return _ratio_bootstrap_ci(num, den, (ia, ib), point, n_resamples=250, confidence=0.95,
                                   rng=np.random.default_rng(2), method="BCa")

    base = run()
    monkeypatch.setattr(rates, "_ONE_SAMPLE_BATCH_CELLS", 1)
    np.testing.assert_array_equal(run()[0], base[0])
    monkeypatch.setattr(rates, "_BATCH_CELLS", 70 * 3)  # three resamples a batch: another order
    assert not np.array_equal(run()[0], base[0])


def test_permutation_p_value_agrees_with_scipy():
    num, den = _data(9, n=40, k=1)
    ia, ib = np.arange(0, 18), np.arange(18, 40)
    stat = _diff_statistic(num[:1], den[:1])
    ref = stats.permutation_test((ia.astype(float), ib.astype(float)), lambda x, y, axis=-1: stat(x, y)[0],
                                 permutation_type="independent", vectorized=True, n_resamples=4000,
                                 rng=np.random.default_rng(0)).pvalue
    fast = _ratio_permutation_p(num, den, ia, ib, 4000, np.random.default_rng(1))
    assert abs(fast - ref) < 0.03  # two Monte Carlo estimates of one p-value (sd ~ 0.008)


def test_small_permutation_test_is_exact():
    num = np.array([[1.0, 2.0, 3.0, 10.0, 11.0, 12.0]])
    den = np.full((1, 6), 100.0)
    p = _ratio_permutation_p(num, den, np.arange(3), np.arange(3, 6), 1000, np.random.default_rng(0))
    assert p == pytest.approx(2 / 20)  # 20 splits, the observed one the most extreme on each side


def test_numpy_quantiles_are_scipys_to_the_last_bit():
    """_quantiles avoids importing scipy.stats in the score command; it must give stats.quantile's values
    exactly (ties, levels 0 and 1, one value per row, a NaN level, a row holding NaN)."""
    rng = np.random.default_rng(3)
    for trial in range(300):
        k, n = int(rng.integers(1, 6)), int(rng.integers(1, 250))
        dist = rng.normal(size=(k, n))
        if trial % 3 == 0:
            dist = np.round(dist, 1)
        levels = rng.uniform(0, 1, size=(k, 2))
        if trial % 5 == 0:
            levels[0] = [0.0, 1.0]
        if trial % 7 == 0:
            levels[-1, 0] = np.nan
        if trial % 11 == 0:
            dist[0, 0] = np.nan
        ok = np.isfinite(levels).all(axis=1) & ~np.isnan(dist).any(axis=1)
        expected = np.full((k, 2), np.nan)
        if ok.any():
            expected[ok] = stats.quantile(dist[ok], np.ascontiguousarray(levels[ok]), axis=-1)
        assert np.array_equal(_quantiles(dist, levels), expected, equal_nan=True), trial
    shared = np.array([0.025, 0.975])  # one pair of levels for every row (the percentile interval)
    dist = rng.normal(size=(4, 999))
    assert np.array_equal(_quantiles(dist, shared), stats.quantile(dist, shared, axis=-1))


def test_score_summary_does_not_import_scipy_stats():
    """The score command's summary intervals need numpy and scipy.special only (scipy.stats costs 0.7 s)."""
    import subprocess
    import sys

    code = ("import sys\nfrom analysis.measure.scoring import score\n"
            "from analysis.compare.rates import summary_with_intervals\n"
            "res = score(['It may rain.', 'It might.', 'No.'] * 5, 'hedging')\n"
            "summary_with_intervals(res.summary, res.documents, res.categories)\n"
            "print('scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (0, 5), (40, 300)])
def test_row_counts_are_bincount_per_row(shape):
    """The multiplicities of each resample (the compiled counting, or numpy without the core) are those
    of np.bincount, exact, into a reused buffer."""
    from analysis.measure.core import row_counts

    b, n = shape
    draws = np.random.default_rng(b * 31 + n).integers(0, n, (b, n))
    ref = np.bincount((draws + n * np.arange(b)[:, None]).ravel(), minlength=b * n).reshape(b, n).astype(float)
    buf = np.full((b, n), 99.0)
    got = row_counts(draws, out=buf)
    assert got is buf
    np.testing.assert_array_equal(got, ref)
    np.testing.assert_array_equal(row_counts(draws), ref)


def test_row_counts_refuse_bad_draws_and_buffers():
    from analysis.measure.core import AVAILABLE, row_counts

    with pytest.raises(ValueError, match="out must be"):
        row_counts(np.zeros((2, 3), dtype=np.int64), out=np.empty((3, 2)))
    with pytest.raises(ValueError, match="out must be"):
        row_counts(np.zeros((2, 3), dtype=np.int64), out=np.empty((2, 3), dtype=np.float32))
    if AVAILABLE:  # numpy's bincount has its own errors
        for bad in (3, -1):
            with pytest.raises(ValueError, match="outside"):
                row_counts(np.array([[0, bad, 1]]))
