"""Old and new paths of the comparison layer, timed in one run on the same data (CPU seconds).

1. Rate interval of one group of N documents: scipy.stats.bootstrap (BCa, the reference
   ``_bootstrap_ci``) against the vectorised ``_ratio_bootstrap_ci`` (same resamples, closed-form jackknife).
2. Two-group permutation test: scipy.stats.permutation_test against ``_ratio_permutation_p``.
3. Near-duplicates (only with ``--old-duplicates FILE``, the datasketch version of
   analysis/compare/duplicates.py, e.g. ``git show f6511f3:analysis/compare/duplicates.py > old.py``) on
   ``--corpus``.

    nice python benchmarks/compare_components.py [--docs 12000] [--corpus C --old-duplicates old.py]
"""
from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np
from scipy import stats

from analysis.compare.rates import (
    _bootstrap_ci,
    _diff_statistic,
    _ratio_bootstrap_ci,
    _ratio_permutation_p,
    _ratio_statistic,
)


def _cpu(fn):
    t = time.process_time()
    out = fn()
    return time.process_time() - t, out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--docs", type=int, default=12000)
    ap.add_argument("--resamples", type=int, default=1000)
    ap.add_argument("--corpus")
    ap.add_argument("--old-duplicates")
    args = ap.parse_args(argv)
    rng = np.random.default_rng(0)
    n, b = args.docs, args.resamples
    tokens = rng.integers(200, 2000, size=2 * n).astype(float)
    counts = rng.poisson(tokens * 0.01 * rng.gamma(4, 0.25, size=2 * n)).astype(float)
    num, den = counts[None, :], tokens[None, :]
    cols = np.arange(n)
    point = num[:, cols].sum(1) / den[:, cols].sum(1)
    print("| step | old CPU s | new CPU s | old / new |\n|---|---:|---:|---:|")
    t_old, r_old = _cpu(lambda: _bootstrap_ci((cols.astype(float),), _ratio_statistic(num, den), point,
                                              n_resamples=b, confidence=0.95, rng=np.random.default_rng(1),
                                              method="BCa"))
    t_new, r_new = _cpu(lambda: _ratio_bootstrap_ci(num, den, (cols,), point, n_resamples=b, confidence=0.95,
                                                    rng=np.random.default_rng(1), method="BCa"))
    assert np.allclose(r_old[0], r_new[0]) and np.allclose(r_old[1], r_new[1])
    print(f"| BCa interval, one group of {n:,} documents, {b} resamples | {t_old:.2f} | {t_new:.2f} | "
          f"{t_old / t_new:.0f}x |")
    ia, ib = np.arange(n), np.arange(n, 2 * n)
    stat = _diff_statistic(num, den)
    t_old, _ = _cpu(lambda: stats.permutation_test(
        (ia.astype(float), ib.astype(float)), lambda x, y, axis=-1: stat(x, y)[0], permutation_type="independent",
        vectorized=True, n_resamples=b, rng=np.random.default_rng(2), batch=max(1, 4_000_000 // (2 * n))))
    t_new, _ = _cpu(lambda: _ratio_permutation_p(num, den, ia, ib, b, np.random.default_rng(2)))
    print(f"| permutation test, two groups of {n:,} documents, {b} permutations | {t_old:.2f} | {t_new:.2f} | "
          f"{t_old / t_new:.0f}x |")
    if args.corpus and args.old_duplicates:
        from analysis.compare.duplicates import near_duplicates
        from analysis.text.corpus import load_corpus

        spec = importlib.util.spec_from_file_location("old_duplicates", args.old_duplicates)
        old = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(old)
        corpus, _ = load_corpus(args.corpus)
        t_old, c_old = _cpu(lambda: old.near_duplicates(corpus, seed=1))
        t_new, c_new = _cpu(lambda: near_duplicates(corpus, seed=1))
        words = int(corpus["text"].str.split().str.len().sum())
        print(f"| near-duplicates, {len(corpus):,} articles, {words:,} words | {t_old:.2f} | {t_new:.2f} | "
              f"{t_old / t_new:.1f}x |")
        print(f"\nclusters found: old {c_old['cluster_id'].nunique() if len(c_old) else 0}, "
              f"new {c_new['cluster_id'].nunique() if len(c_new) else 0}")


if __name__ == "__main__":
    main()
