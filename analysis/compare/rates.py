"""Rates with honest uncertainty: compare outlets (or any grouping) on the Documents table.

Token-level tests (a chi-square or G2 on pooled token counts, as in quanteda or scattertext keyness)
treat every token as an independent draw, which overstates significance when a few long articles
dominate a group. Everything here treats the *document* as the unit of resampling: rates per 1,000
tokens are ratio estimators ``sum(counts) / sum(tokens) * 1000`` whose intervals come from
``scipy.stats.bootstrap`` resampling documents within groups; differences between groups use a
two-sample document bootstrap and a document-label permutation test (vectorised; the bootstrap draws
the resamples of ``scipy.stats.bootstrap`` and equals it up to rounding)
with a multiple-comparison correction (``statsmodels``) named in the output; :func:`count_model` fits a
negative binomial (or Poisson) regression with the token count as exposure for users who need covariates;
:func:`term_decomposition` shows which lexicon entries drive a difference; :func:`voice_rates` splits
rates by voice (narration / quote / attributed). Every function returns a new tidy DataFrame.
"""

from __future__ import annotations

import itertools
import math
import warnings
import zlib
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
import pandas as pd

from ..measure.core import row_counts
from .columns import (
    COUNT_SUFFIX,
    as_list,
    available_categories,
    category_matches,
    distinct,
    require_columns,
    resolve_categories,
)

__all__ = [
    "VOICES",
    "adjust_p",
    "available_categories",
    "count_model",
    "drop_small_groups",
    "g2_test",
    "group_rates",
    "pairwise_differences",
    "term_decomposition",
    "voice_rates",
]

VOICES = ("narration", "quote", "attributed")

FEW_CLUSTERS = 10  # below this many clusters in a group, intervals get a note: cluster bootstraps are rough
SMALL_GROUP_NOTE = "one document: a document bootstrap needs two or more, bounds are NaN"

# Upper bound on the size of the (resamples x documents) multiplicity matrix built per batch. With two
# samples the batch decides the order of the draws (each batch draws sample 0, then sample 1), so it is
# part of the result and stays as it was.
_BATCH_CELLS = 4_000_000
# With one sample the draws are the same whatever the batch (the generator is drawn in order), so the
# batch only bounds memory: the arrays of a batch (draws, multiplicities, their float copy) are freed and
# made again each batch, and at 32 MB each every batch was fresh memory from the kernel, whose zeroing
# cost the score command's summary 0.05-0.25 s of system time on the 10M-token benchmark; at 4 MB each
# malloc hands the same memory back.
_ONE_SAMPLE_BATCH_CELLS = 500_000


# --------------------------------------------------------------------------------------------------
# validation helpers (the column checks shared with keyness, duplicates, kwic and time are in .columns)
# --------------------------------------------------------------------------------------------------


def _check_documents(documents: pd.DataFrame, by: list[str], token_col: str = "n_tokens") -> None:
    if not isinstance(documents, pd.DataFrame):
        raise ValueError(  # noqa: TRY004 - the project reports every bad input as a ValueError
            f"documents must be a pandas DataFrame, got {type(documents).__name__}"
        )
    if documents.empty:
        raise ValueError("the documents table is empty")
    require_columns(documents, [*by, token_col], "documents")
    tokens = documents[token_col]
    if tokens.isna().any() or (tokens < 0).any():
        raise ValueError(f"column {token_col!r} must hold non-negative token counts without NaN")


def _weights(documents: pd.DataFrame, weights) -> np.ndarray:
    """Per-document weights: None -> ones; a column name; or an array-like aligned with the rows."""
    if weights is None:
        return np.ones(len(documents))
    if isinstance(weights, str):
        require_columns(documents, [weights], "documents")
        w = documents[weights].to_numpy(dtype=float)
        name = repr(weights)
    else:
        w = np.asarray(weights, dtype=float)
        name = "weights"
        if w.shape != (len(documents),):
            raise ValueError(
                f"weights must have one value per document ({len(documents)}), got {w.shape}"
            )
    if not np.all(np.isfinite(w)) or (w < 0).any():
        raise ValueError(f"{name} must be finite and non-negative")
    return w


def _group_rng(seed: int | None, key) -> np.random.Generator:
    """A generator that depends on the seed and the group label only.

    A group's interval therefore does not change when other groups are added or removed.
    """
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([int(seed), zlib.crc32(repr(key).encode("utf-8"))])


def _label(key, by: list[str]):
    """Group label for output: the value for one column, a tuple for several."""
    if len(by) == 1:
        return key[0] if isinstance(key, tuple) else key
    return key


def _groups(documents: pd.DataFrame, by: list[str]) -> dict:
    """Mapping group label -> positional row indices (sorted labels; rows with NaN keys dropped)."""
    grouped = documents.reset_index(drop=True).groupby(by, sort=True, dropna=True)
    return {(_label(k, by)): np.asarray(v) for k, v in grouped.indices.items()}


def _check_small(groups: dict, on_small_group: str, what: str = "group") -> dict:
    if on_small_group not in ("raise", "nan", "drop"):
        raise ValueError(f"on_small_group must be 'raise', 'nan' or 'drop', got {on_small_group!r}")
    small = [k for k, idx in groups.items() if len(idx) < 2]
    if small and on_small_group == "raise":
        raise ValueError(
            f"{what} {small[0]!r} has only one document: a document bootstrap needs at least two "
            f"documents per {what} ({len(small)} such {what}s; pass on_small_group='nan' or 'drop' "
            "to keep or skip them)"
        )
    if on_small_group == "drop":
        return {k: v for k, v in groups.items() if len(v) >= 2}
    return groups


def drop_small_groups(documents: pd.DataFrame, by: str | Sequence[str] = "outlet",
                      min_docs: int = 2) -> tuple[pd.DataFrame, dict]:
    """Leave out the groups with fewer than ``min_docs`` documents, and say which.

    Every function here keeps small groups (flagged, with NaN bounds where a method cannot work); this
    is the explicit way to leave them out, e.g. ``--min-docs 5`` on the command line.

    Parameters
    ----------
    documents : DataFrame
        Documents table with the ``by`` column(s).
    by : str or list of str, default "outlet"
    min_docs : int, default 2
        Smallest group kept (1 keeps everything).

    Returns
    -------
    (kept, report) : (DataFrame, dict)
        The documents of the groups kept (rows with a missing group value are kept: they are left
        out of group comparisons anyway), and ``min_docs, groups_dropped`` (labels, sorted),
        ``n_groups_dropped, documents_removed, n_groups_kept``.

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"outlet": ["X", "X", "Y"], "n_tokens": [10, 10, 10]})
    >>> kept, report = drop_small_groups(docs, min_docs=2)
    >>> kept["outlet"].tolist(), report["groups_dropped"], report["documents_removed"]
    (['X', 'X'], ['Y'], 1)
    """
    if isinstance(min_docs, bool) or not isinstance(min_docs, (int, np.integer)) or min_docs < 1:
        raise ValueError(f"min_docs must be a whole number of at least 1, got {min_docs!r}")
    by = as_list(by)
    require_columns(documents, by, "documents")
    groups = _groups(documents, by)
    small = sorted((k for k, idx in groups.items() if len(idx) < min_docs), key=repr)
    drop = np.zeros(len(documents), dtype=bool)
    for k in small:
        drop[groups[k]] = True
    kept = documents[~drop]
    report = {
        "min_docs": int(min_docs),
        "groups_dropped": [k if not isinstance(k, np.generic) else k.item() for k in small],
        "n_groups_dropped": len(small),
        "documents_removed": int(drop.sum()),
        "n_groups_kept": len(groups) - len(small),
    }
    return kept, report


def _cluster_units(documents: pd.DataFrame, groups: dict, cluster: str | None):
    """Resampling units: documents, or the clusters (e.g. outlets) within each group.

    Returns ``(unit_groups, aggregate)``: ``unit_groups`` maps each group to the positions of its units,
    and ``aggregate(mat)`` turns a (rows x documents) matrix into (rows x units) sums. A cluster that
    appears in two groups is two units (one per group). Without ``cluster`` the units are the documents
    and ``aggregate`` is the identity.
    """
    if cluster is None:
        return groups, (lambda mat: mat)
    require_columns(documents, [cluster], "documents")
    values = documents[cluster].astype("string").fillna("\x00missing").to_numpy(dtype=object).astype(str)
    codes = np.full(len(documents), -1, dtype=np.intp)
    unit_groups = {}
    start = 0
    for key, idx in groups.items():
        uniq, inv = np.unique(values[idx], return_inverse=True)
        codes[idx] = start + inv
        unit_groups[key] = np.arange(start, start + len(uniq))
        start += len(uniq)
    member = np.flatnonzero(codes >= 0)
    from scipy import sparse

    indicator = sparse.csr_matrix((np.ones(len(member)), (member, codes[member])), shape=(len(documents), start))

    def aggregate(mat):
        return np.asarray((indicator.T @ np.asarray(mat, dtype=float).T).T)

    return unit_groups, aggregate


def _few_clusters_note(n: int, cluster: str) -> str:
    if n < 2:
        return f"one {cluster}: a {cluster} bootstrap needs two or more, bounds are NaN"
    if n < FEW_CLUSTERS:
        return f"only {n} {cluster}s: a bootstrap over so few clusters is rough"
    return ""


# --------------------------------------------------------------------------------------------------
# bootstrap machinery: samples are *index arrays* so scipy resamples whole documents
# --------------------------------------------------------------------------------------------------
def _resampled_sums(idx: np.ndarray, mat: np.ndarray) -> np.ndarray:
    """Sums of the columns of ``mat`` (S x n) selected by resampled indices ``idx`` (..., m).

    Returns an array of shape (S, ...). Counting multiplicities and multiplying keeps memory at
    (resamples x documents) instead of (statistics x resamples x documents).
    """
    idx = np.asarray(idx).astype(np.intp)
    lead = idx.shape[:-1]
    flat = idx.reshape(-1, idx.shape[-1])
    b = flat.shape[0]
    n = mat.shape[1]
    mult = np.bincount((flat + n * np.arange(b)[:, None]).ravel(), minlength=b * n)
    mult = mult.reshape(b, n).astype(float)
    return (mult @ mat.T).T.reshape((mat.shape[0], *lead))


def _ratio_statistic(num: np.ndarray, den: np.ndarray) -> Callable:
    """Statistic over one resampled index array: sum(num) / sum(den), for each row of num/den."""
    stacked = np.vstack([num, den])
    s = num.shape[0]

    def statistic(idx, axis=-1):
        sums = _resampled_sums(idx, stacked)
        with np.errstate(invalid="ignore", divide="ignore"):
            return sums[:s] / sums[s:]

    return statistic


def _diff_statistic(num: np.ndarray, den: np.ndarray) -> Callable:
    """Statistic over two index arrays into the same columns: ratio(first) - ratio(second)."""
    ratio = _ratio_statistic(num, den)

    def statistic(idx_a, idx_b, axis=-1):
        return ratio(idx_a) - ratio(idx_b)

    return statistic


def _ndtr(x) -> np.ndarray:
    """The standard normal CDF, element-wise (``scipy.special.ndtr``, whose import costs the score
    command 0.2 s): ``erfc(-x / sqrt 2) / 2``, within two units in the last place of scipy's."""
    x = np.asarray(x, dtype=float)
    out = [math.nan if math.isnan(v) else 0.5 * math.erfc(-v / math.sqrt(2)) for v in x.ravel().tolist()]
    return np.array(out, dtype=float).reshape(x.shape)


def _ndtri(p) -> np.ndarray:
    """The standard normal quantile, element-wise (``scipy.special.ndtri``): Wichura's AS241 as
    :class:`statistics.NormalDist` computes it, -inf at 0, inf at 1, NaN outside [0, 1]; within 1e-15
    of scipy's."""
    from statistics import NormalDist

    unit = NormalDist()
    p = np.asarray(p, dtype=float)
    out = [unit.inv_cdf(v) if 0 < v < 1 else (-math.inf if v == 0 else math.inf if v == 1 else math.nan)
           for v in p.ravel().tolist()]
    return np.array(out, dtype=float).reshape(p.shape)


@lru_cache(maxsize=1)
def _blas_controller():
    """threadpoolctl's view of the BLAS libraries numpy loaded (looked up once: it walks the loaded
    libraries), or None when threadpoolctl is missing."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - scikit-learn, a dependency, requires it
        return None
    return ThreadpoolController()


@contextmanager
def _one_blas_thread():
    """Run the bootstrap's matrix products on one BLAS thread.

    Each product is a (resamples x documents) multiplicity matrix times a few columns: memory-bound, so
    a second BLAS thread saves no time, but OpenBLAS's threads spin between products and so cost CPU
    (about a third of the summary's bootstrap in ``score`` on two cores). The results are the same
    bits (the same products in the same order; ``tests/compare/test_fast_bootstrap.py``).
    """
    controller = _blas_controller()
    if controller is None:
        yield
        return
    with controller.limit(limits=1, user_api="blas"):
        yield


def _batch(n_docs: int, cells: int | None = None) -> int:
    return max(1, (_BATCH_CELLS if cells is None else cells) // max(n_docs, 1))


def _bootstrap_ci(samples, statistic, point, *, n_resamples, confidence, rng, method):
    """Run scipy.stats.bootstrap on index samples; return (low, high, method labels).

    The reference implementation: the rate functions use :func:`_ratio_bootstrap_ci`, which gives the
    same intervals (pinned by ``tests/compare/test_fast_bootstrap.py``) in a fraction of the time.

    Where the bootstrap distribution of a statistic is constant (e.g. no matches at all) the interval
    is the point estimate; where BCa is undefined otherwise, the percentile interval of the same
    bootstrap distribution is used and the label says so.
    """
    from scipy import stats

    point = np.atleast_1d(np.asarray(point, dtype=float))
    n_docs = sum(len(s) for s in samples)
    common = {
        "vectorized": True,
        "paired": False,
        "confidence_level": confidence,
        "batch": _batch(n_docs),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap(
            samples, statistic, n_resamples=n_resamples, method=method, rng=rng, **common
        )
    low = np.atleast_1d(np.asarray(res.confidence_interval.low, dtype=float)).copy()
    high = np.atleast_1d(np.asarray(res.confidence_interval.high, dtype=float)).copy()
    dist = np.asarray(res.bootstrap_distribution, dtype=float).reshape(len(point), -1)
    labels = np.full(len(point), method, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        constant = np.nanmax(dist, axis=1) == np.nanmin(dist, axis=1)
    low[constant] = point[constant]
    high[constant] = point[constant]
    bad = ~constant & ~(np.isfinite(low) & np.isfinite(high))
    if bad.any() and method != "percentile":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pres = stats.bootstrap(
                samples,
                statistic,
                n_resamples=0,
                bootstrap_result=res,
                method="percentile",
                **common,
            )
        plow = np.atleast_1d(np.asarray(pres.confidence_interval.low, dtype=float))
        phigh = np.atleast_1d(np.asarray(pres.confidence_interval.high, dtype=float))
        low[bad], high[bad] = plow[bad], phigh[bad]
        labels[bad] = "percentile (BCa undefined)"
    return low, high, labels


@_one_blas_thread()
def _ratio_bootstrap_ci(num, den, samples, point, *, n_resamples, confidence, rng, method):
    """The interval of :func:`_bootstrap_ci` for ratio statistics, without scipy's per-resample machinery.

    The statistic is ``ratio(sample 0) - ratio(sample 1)`` (or ``ratio(sample 0)`` for one sample), where
    ``ratio(cols) = num[:, cols].sum(1) / den[:, cols].sum(1)`` and ``samples`` are column indices. The
    resamples are drawn exactly as ``scipy.stats.bootstrap`` draws them (same generator calls, same
    batches), each batch turned into one multiplicity matrix times the sample's columns; the BCa
    acceleration uses the closed-form jackknife of a ratio (leave-one-out sums are the total minus one
    column) instead of n statistic calls, so a group of 12,000 documents costs O(n) instead of O(n^2).
    The result equals ``scipy.stats.bootstrap`` up to floating-point rounding
    (``tests/compare/test_fast_bootstrap.py``).
    """
    point = np.atleast_1d(np.asarray(point, dtype=float))
    cols = [np.asarray(c).astype(np.intp) for c in samples]
    signs = (1.0, -1.0)[: len(cols)]
    k = num.shape[0]
    mats = [np.vstack([num[:, c], den[:, c]]).astype(float) for c in cols]
    n_docs = sum(len(c) for c in cols)
    batch = _batch(n_docs, None if len(cols) > 1 else _ONE_SAMPLE_BATCH_CELLS)
    dist = np.empty((k, n_resamples))
    # one multiplicity buffer per sample, reused by every batch (fresh memory each batch cost page faults)
    bufs = [np.empty((min(batch, n_resamples), mat.shape[1])) for mat in mats]
    with np.errstate(invalid="ignore", divide="ignore"):
        for start in range(0, n_resamples, batch):
            b = min(batch, n_resamples - start)
            theta = np.zeros((k, b))
            for sign, mat, buf in zip(signs, mats, bufs):
                n = mat.shape[1]
                mult = row_counts(rng.integers(0, n, (b, n)), out=buf[:b])
                sums = (mult @ mat.T).T
                theta += sign * (sums[:k] / sums[k:])
            dist[:, start:start + b] = theta
        totals = [m.sum(axis=1) for m in mats]
        full = [t[:k] / t[k:] for t in totals]
        theta_hat = sum(sg * f for sg, f in zip(signs, full))
        alpha = (1 - confidence) / 2
        if method == "BCa":
            pct = ((dist < theta_hat[:, None]).sum(axis=1) + (dist <= theta_hat[:, None]).sum(axis=1)) / (
                2 * n_resamples)
            z0 = _ndtri(pct)
            nums, dens = 0, 0
            for j, (sg, mat) in enumerate(zip(signs, mats)):
                n = float(mat.shape[1])
                loo = totals[j][:, None] - mat
                theta_i = sg * (loo[:k] / loo[k:])
                for m, (sm, f) in enumerate(zip(signs, full)):
                    if m != j:
                        theta_i = theta_i + sm * f[:, None] if m > j else sm * f[:, None] + theta_i
                u = (n - 1) * (theta_i.mean(axis=1, keepdims=True) - theta_i)
                nums = nums + (u**3).sum(axis=1) / n**3
                dens = dens + (u**2).sum(axis=1) / n**2
            a_hat = 1 / 6 * nums / dens ** (3 / 2)
            z_alpha = float(_ndtri(alpha))
            num1 = z0 + z_alpha
            num2 = z0 - z_alpha
            levels = np.stack([_ndtr(z0 + num1 / (1 - a_hat * num1)), _ndtr(z0 + num2 / (1 - a_hat * num2))], axis=-1)
        else:
            levels = np.array([alpha, 1 - alpha])
        ci = _quantiles(dist, levels)
        low, high = ci[:, 0].copy(), ci[:, 1].copy()
        if method == "basic":
            low, high = 2 * theta_hat - high, 2 * theta_hat - low
        labels = np.full(k, method, dtype=object)
        constant = np.nanmax(dist, axis=1) == np.nanmin(dist, axis=1)
    low[constant] = point[constant]
    high[constant] = point[constant]
    bad = ~constant & ~(np.isfinite(low) & np.isfinite(high))
    if bad.any() and method != "percentile":
        pci = _quantiles(dist, np.array([alpha, 1 - alpha]))
        low[bad], high[bad] = pci[bad, 0], pci[bad, 1]
        labels[bad] = "percentile (BCa undefined)"
    return low, high, labels


def _quantiles(dist: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """Row-wise linear-interpolation quantiles, NaN where a level is NaN.

    Hyndman and Fan's definition 7 (``scipy.stats.quantile``'s and numpy's default, "linear"), written
    with numpy so that the score command's summary does not import ``scipy.stats`` (0.7 s): for ``n``
    sorted values and level ``p``, ``h = p * n + 1 - p``, ``j = floor(h) - 1``, ``g = h mod 1``, the
    quantile is ``(1 - g) * y[j] + g * y[j + 1]`` with both indices clipped to the row. These are the
    operations ``scipy.stats.quantile`` performs, in the same order, so the result is the same to the
    last bit (``tests/compare/test_fast_bootstrap.py``).
    """
    levels = np.broadcast_to(levels, (dist.shape[0], 2))
    ok = np.isfinite(levels).all(axis=1) & ~np.isnan(dist).any(axis=1)
    out = np.full((dist.shape[0], 2), np.nan)
    if ok.any():
        y = np.sort(dist[ok], axis=-1)
        p = np.ascontiguousarray(levels[ok], dtype=float)
        n = y.shape[-1]
        h = p * n + (1 - p)
        j = h // 1 - 1
        g = h % 1
        g[j < 0] = 0
        lo = np.clip(j, 0.0, n - 1).astype(np.int64)
        hi = np.clip(h // 1, 0.0, n - 1).astype(np.int64)
        out[ok] = (1 - g) * np.take_along_axis(y, lo, axis=-1) + g * np.take_along_axis(y, hi, axis=-1)
    return out


@_one_blas_thread()
def _ratio_permutation_p(num, den, ua, ub, n_permutations, rng) -> float:
    """Two-sided permutation p-value of ``ratio(ua) - ratio(ub)`` (row 0 of num/den), units moved whole.

    Every split is enumerated when there are at most ``n_permutations`` of them (an exact test);
    otherwise ``n_permutations`` random splits are drawn, in batches of one indicator matrix each, and
    the p-value is ``(hits + 1) / (n_permutations + 1)``. Two-sided as in ``scipy.stats.permutation_test``:
    twice the smaller one-sided p-value, at most 1.
    """
    from math import comb

    units = np.concatenate([ua, ub]).astype(np.intp)
    mat = np.vstack([num[0, units], den[0, units]]).astype(float)  # (2, n)
    n, na = len(units), len(ua)
    total = mat.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sa = mat[:, :na].sum(axis=1)
        observed = sa[0] / sa[1] - (total[0] - sa[0]) / (total[1] - sa[1])
        exact = comb(n, na) <= n_permutations
        nulls = []
        if exact:
            splits = np.array(list(itertools.combinations(range(n), na)), dtype=np.intp)
            for start in range(0, len(splits), _batch(n)):
                part = splits[start:start + _batch(n)]
                ind = np.zeros((len(part), n))
                np.put_along_axis(ind, part, 1.0, axis=1)
                s_a = ind @ mat.T
                nulls.append(s_a[:, 0] / s_a[:, 1] - (total[0] - s_a[:, 0]) / (total[1] - s_a[:, 1]))
        else:
            batch = _batch(n)
            for start in range(0, n_permutations, batch):
                b = min(batch, n_permutations - start)
                base = np.zeros((b, n))
                base[:, :na] = 1.0
                s_a = rng.permuted(base, axis=1) @ mat.T
                nulls.append(s_a[:, 0] / s_a[:, 1] - (total[0] - s_a[:, 0]) / (total[1] - s_a[:, 1]))
        null = np.concatenate(nulls)
    if not np.isfinite(observed):
        return float("nan")
    gamma = abs(np.finfo(float).eps * 100 * observed)
    adjustment = 0 if exact else 1
    less = (np.count_nonzero(null <= observed + gamma) + adjustment) / (len(null) + adjustment)
    greater = (np.count_nonzero(null >= observed - gamma) + adjustment) / (len(null) + adjustment)
    return float(min(1.0, 2 * min(less, greater)))


def _method_text(kind: str, method_labels, n_resamples: int, weights) -> list[str]:
    wtxt = (
        ""
        if weights is None
        else (f", weighted by {weights!r}" if isinstance(weights, str) else ", weighted")
    )
    return [f"{kind} ({m}), {n_resamples} resamples{wtxt}" for m in method_labels]


def _check_method(method: str) -> None:
    if method not in ("BCa", "percentile", "basic"):
        raise ValueError(f"method must be 'BCa', 'percentile' or 'basic', got {method!r}")


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence!r}")


# --------------------------------------------------------------------------------------------------
# group rates
# --------------------------------------------------------------------------------------------------
def _group_interval(num, den, sums_num, sums_den, k, key, kind, token_col, cluster, n_resamples, confidence,
                    seed, method, weights):
    """Point estimates and bootstrap bounds of one group's ``k`` rates and ``k`` shares (rows of ``num``/``den``).

    Returns ``(point, low, high, rate_methods, note)``. A group without tokens gets NaN rates; a group of
    one document (or one cluster) gets NaN bounds; both say so in the method and the note.
    """
    n_units = num.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        point = sums_num / sums_den
    if sums_den[0] <= 0:  # e.g. no quoted words in this group: the rate is undefined
        low = high = np.full(2 * k, np.nan)
        point[:k] = np.nan
        rate_methods = [f"no interval: group has no tokens in {token_col!r}"] * k
        note = f"no tokens in {token_col!r}: rate undefined"
    elif n_units >= 2:
        low, high, labels = _ratio_bootstrap_ci(
            num,
            den,
            (np.arange(n_units),),
            point,
            n_resamples=n_resamples,
            confidence=confidence,
            rng=_group_rng(seed, key),
            method=method,
        )
        rate_methods = _method_text(kind, labels[:k], n_resamples, weights)
        note = "" if cluster is None else _few_clusters_note(n_units, cluster)
    elif cluster is None:
        low = high = np.full(2 * k, np.nan)
        rate_methods = ["no interval: group has one document"] * k
        note = SMALL_GROUP_NOTE
    else:
        low = high = np.full(2 * k, np.nan)
        rate_methods = [f"no interval: group has one {cluster}"] * k
        note = _few_clusters_note(n_units, cluster)
    return point, low, high, rate_methods, note


def group_rates(
    documents: pd.DataFrame,
    categories: str | Sequence[str] | None = None,
    by: str | Sequence[str] = "outlet",
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
    weights: str | Sequence[float] | None = None,
    method: str = "BCa",
    on_small_group: str = "nan",
    token_col: str = "n_tokens",
    cluster: str | None = None,
) -> pd.DataFrame:
    """Rate per 1,000 tokens and share of documents with a match per group, with bootstrap intervals.

    The rate is the ratio estimator ``sum(counts) / sum(tokens) * 1000`` over the documents of a group
    (the pooled rate), and its interval comes from ``scipy.stats.bootstrap`` resampling *documents*
    within the group, so a few long articles cannot masquerade as many independent observations.
    The share of documents is the (weighted) mean of ``count > 0``, bootstrapped the same way.

    Parameters
    ----------
    documents : DataFrame
        Documents table (``docs/architecture.md``): ``n_tokens`` and ``c:count`` per category, plus
        the grouping column(s).
    categories : str or list of str, optional
        Categories to report (default: every ``c:count`` column).
    by : str or list of str, default "outlet"
        Grouping column(s): any metadata column, e.g. ``["outlet", "month"]``. Rows whose group value
        is missing are left out.
    n_resamples : int, default 2000
        Bootstrap resamples per group.
    confidence : float, default 0.95
        Confidence level of the intervals.
    seed : int or None, default 0
        Seed; each group draws from a generator seeded by ``(seed, group label)``, so a group's
        interval does not depend on which other groups are present.
    weights : str or array-like, optional
        Per-document weights (a column name or one value per row), e.g. ``1 / cluster size`` from
        :func:`analysis.compare.duplicates.deduplicate`. The rate becomes
        ``sum(w * count) / sum(w * tokens) * 1000`` and the share ``sum(w * [count > 0]) / sum(w)``;
        ``tokens`` and ``matches`` in the output are then weighted sums.
    method : {"BCa", "percentile", "basic"}, default "BCa"
        Interval method passed to ``scipy.stats.bootstrap``. Where BCa is undefined the percentile
        interval of the same resamples is used and ``method`` says so.
    on_small_group : {"nan", "raise", "drop"}, default "nan"
        What to do with a group of one document (no document bootstrap possible): keep it with its point
        estimate, NaN bounds and a ``note`` saying why; raise a ValueError naming it; or leave it out.
        To drop groups below a size explicitly (and say so), see :func:`drop_small_groups`.
    token_col : str, default "n_tokens"
        Column with the denominator (used by :func:`voice_rates` for per-voice token counts).
    cluster : str, optional
        Resample these clusters (e.g. ``"outlet"``) within each group instead of documents: the
        cluster bootstrap for groups coarser than the cluster (``by="lean"``), whose documents are not
        independent (an outlet's house style is shared by all its articles). Point estimates are the
        same; the intervals are those of a bootstrap of whole outlets. A group with one cluster gets NaN
        bounds and a note; one with fewer than 10 a note that the interval is rough.

    Returns
    -------
    DataFrame
        One row per group and category: the ``by`` column(s), ``category, documents, tokens, matches,
        rate_per_1k, rate_low, rate_high, share_docs, share_low, share_high, confidence, method, note``
        (with ``cluster``: ``clusters`` after ``documents``). ``note`` is empty unless the interval could
        not be computed (one document or cluster, no tokens) or rests on few clusters.

    Raises
    ------
    ValueError
        Unknown column or category, a group with one document (``on_small_group="raise"``), bad
        weights. A group whose token column sums to zero gets NaN rates (the method column says why).

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": list("abcd"), "outlet": ["X", "X", "Y", "Y"],
    ...                      "n_tokens": [100, 300, 200, 200], "hedging:count": [1, 3, 0, 2]})
    >>> out = group_rates(docs, by="outlet", n_resamples=200)
    >>> out[["outlet", "rate_per_1k", "share_docs"]].values.tolist()
    [['X', 10.0, 1.0], ['Y', 5.0, 0.5]]
    """
    by = as_list(by)
    _check_documents(documents, by, token_col)
    cats = resolve_categories(documents, categories)
    _check_method(method)
    _check_confidence(confidence)
    docs = documents.reset_index(drop=True)
    w = _weights(docs, weights)
    counts = docs[[c + COUNT_SUFFIX for c in cats]].to_numpy(dtype=float).T  # (K, n)
    if np.isnan(counts).any() or (counts < 0).any():
        raise ValueError("category counts must be non-negative and not NaN")
    tokens = docs[token_col].to_numpy(dtype=float)
    groups = _check_small(_groups(docs, by), on_small_group)

    k = len(cats)
    # rows 0..K-1: weighted counts / weighted tokens; rows K..2K-1: weighted indicator / weights
    num_all = np.vstack([counts * w, (counts > 0) * w])
    den_all = np.vstack([np.tile(tokens * w, (k, 1)), np.tile(w, (k, 1))])
    units, aggregate = _cluster_units(docs, groups, cluster)
    if cluster is not None:
        num_all, den_all = aggregate(num_all), aggregate(den_all)
    kind = "document bootstrap" if cluster is None else f"cluster bootstrap ({cluster}s resampled within groups)"

    rows = []
    for key, idx in groups.items():
        uidx = units[key]
        num, den = num_all[:, uidx], den_all[:, uidx]
        n_units = len(uidx)
        sums_num, sums_den = num.sum(axis=1), den.sum(axis=1)
        point, low, high, rate_methods, note = _group_interval(
            num, den, sums_num, sums_den, k, key, kind, token_col, cluster, n_resamples, confidence, seed,
            method, weights)
        keyvals = key if isinstance(key, tuple) else (key,)
        for j, cat in enumerate(cats):
            rows.append(
                {
                    **dict(zip(by, keyvals)),
                    "category": cat,
                    "documents": len(idx),
                    "clusters": n_units,
                    "tokens": sums_den[j],
                    "matches": sums_num[j],
                    "rate_per_1k": point[j] * 1000,
                    "rate_low": low[j] * 1000,
                    "rate_high": high[j] * 1000,
                    "share_docs": point[k + j],
                    "share_low": low[k + j],
                    "share_high": high[k + j],
                    "confidence": confidence,
                    "method": rate_methods[j] + "; rate = sum(counts) / sum(tokens) * 1000",
                    "note": note,
                }
            )
    columns = [
        *by,
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
    if cluster is not None:
        columns.insert(columns.index("documents") + 1, "clusters")
    return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------------------------------
# pairwise differences
# --------------------------------------------------------------------------------------------------
def g2_test(
    count_a: float, tokens_a: float, count_b: float, tokens_b: float
) -> tuple[float, float]:
    """Log-likelihood ratio (G2) test of two pooled token proportions, 2x2 table, df = 1.

    This is the *token-level* test used by most keyness tools; it treats tokens as independent
    draws and is reported only for comparison with the document-level tests.

    Returns
    -------
    (g2, p_value) : tuple of float

    Examples
    --------
    >>> g2, p = g2_test(10, 1000, 10, 1000)
    >>> round(g2, 6), round(p, 6)
    (0.0, 1.0)
    """
    table = np.array([[count_a, tokens_a - count_a], [count_b, tokens_b - count_b]], dtype=float)
    if (table < 0).any():
        raise ValueError("counts cannot exceed token totals")
    if table.sum(axis=0).min() == 0:
        return 0.0, 1.0
    from scipy import stats

    g2, p, _, _ = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    return float(g2), float(p)


CORRECTIONS = (
    "bonferroni",
    "sidak",
    "holm-sidak",
    "holm",
    "simes-hochberg",
    "hommel",
    "fdr_bh",
    "fdr_by",
    "fdr_tsbh",
    "fdr_tsbky",
)


def _check_correction(correction):
    if correction in (None, "none"):
        return None
    if correction not in CORRECTIONS:
        raise ValueError(
            f"unknown correction {correction!r}: use one of {list(CORRECTIONS)} "
            "(statsmodels multipletests methods) or None"
        )
    return correction


def adjust_p(pvalues, correction: str | None) -> np.ndarray:
    """Adjusted p-values over the finite ones (NaN stays NaN and does not count as a test).

    ``correction`` is a ``statsmodels`` ``multipletests`` method name, or None / "none" for no adjustment.

    Examples
    --------
    >>> adjust_p([0.01, float("nan"), 0.04], "bonferroni").tolist()
    [0.02, nan, 0.08]
    """
    return _adjust(pvalues, _check_correction(correction))


def _adjust(pvalues, correction):
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    if correction is None or len(p) == 0:
        return p.copy()
    ok = np.isfinite(p)
    out = np.full_like(p, np.nan)
    if ok.any():
        out[ok] = multipletests(p[ok], method=correction)[1]
    return out


def pairwise_differences(
    documents: pd.DataFrame,
    category: str,
    by: str | Sequence[str] = "outlet",
    groups: Sequence | None = None,
    n_resamples: int = 2000,
    n_permutations: int = 2000,
    confidence: float = 0.95,
    correction: str | None = "holm",
    seed: int | None = 0,
    weights: str | Sequence[float] | None = None,
    method: str = "BCa",
    on_small_group: str = "nan",
    cluster: str | None = None,
) -> pd.DataFrame:
    """Differences in rate per 1,000 tokens between every pair of groups, with document-level inference.

    For each pair (a, b): ``diff = rate_a - rate_b`` (ratio estimators, per 1,000 tokens); the
    interval comes from ``scipy.stats.bootstrap`` resampling documents within each group
    independently; ``p_value`` from a permutation test (exact when there are few splits) shuffling whole documents between
    the two groups (two-sided). ``p_adjusted`` corrects the p-values over all pairs reported
    (``correction``, via ``statsmodels.stats.multitest.multipletests``); intervals are per comparison
    (not adjusted), and the ``correction`` column says both. ``p_token_g2`` is the naive token-level
    G2 test on pooled counts, given only to show how much it overstates the evidence.

    Parameters
    ----------
    documents : DataFrame
        Documents table with ``n_tokens``, ``{category}:count`` and the ``by`` column(s).
    category : str
        Category to compare.
    by : str or list of str, default "outlet"
        Grouping column(s).
    groups : sequence, optional
        Groups to compare, in this order (default: all groups, sorted). Pairs are ``(groups[i],
        groups[j])`` for i < j.
    n_resamples : int, default 2000
        Bootstrap resamples per pair.
    n_permutations : int, default 2000
        Permutations per pair (scipy runs an exact test when there are fewer distinct permutations).
    confidence : float, default 0.95
    correction : str or None, default "holm"
        A ``statsmodels`` ``multipletests`` method ("holm", "bonferroni", "fdr_bh", ...) or None.
    seed : int or None, default 0
        Seed; each pair draws from a generator seeded by ``(seed, pair)``.
    weights : str or array-like, optional
        Per-document weights as in :func:`group_rates` (they travel with documents under permutation).
    method : {"BCa", "percentile", "basic"}, default "BCa"
    on_small_group : {"nan", "raise", "drop"}, default "nan"
        A pair with a group of one document keeps its difference but gets NaN bounds and p-values
        (neither a document bootstrap nor a permutation test says anything about one document) and a
        ``note``; it is left out of the correction. ``"raise"`` refuses such a group, ``"drop"`` leaves
        its pairs out.
    cluster : str, optional
        Resample and permute these clusters (e.g. ``"outlet"``) instead of documents: the interval is a
        two-sample cluster bootstrap (outlets resampled within each group) and the p-value a permutation
        test that moves whole outlets between the two groups. Use it when ``by`` is coarser than the
        cluster: articles of one outlet share its house style, and a document-level test then rejects
        far too often (``docs/comparing.md``). A group with one cluster is treated like a group of one
        document.

    Returns
    -------
    DataFrame
        ``group_a, group_b, category, documents_a, documents_b, rate_a, rate_b, diff, low, high,
        p_value, p_adjusted, correction, p_token_g2, method, note`` (with ``cluster``: ``clusters_a,
        clusters_b`` after ``documents_b``).

    Raises
    ------
    ValueError
        Unknown column/category/group, fewer than two groups, a group with one document
        (``on_small_group="raise"``), or a category with no matches in the compared groups.

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"outlet": ["X"] * 3 + ["Y"] * 3, "n_tokens": [100] * 6,
    ...                      "hedging:count": [2, 2, 2, 1, 1, 1]})
    >>> out = pairwise_differences(docs, "hedging", n_resamples=200, n_permutations=200)
    >>> out[["group_a", "group_b", "diff"]].to_dict("records")
    [{'group_a': 'X', 'group_b': 'Y', 'diff': 10.0}]
    """
    by = as_list(by)
    _check_documents(documents, by)
    (cat,) = resolve_categories(documents, [category])
    _check_method(method)
    _check_confidence(confidence)
    correction = _check_correction(correction)
    docs = documents.reset_index(drop=True)
    w = _weights(docs, weights)
    all_groups = _groups(docs, by)
    if groups is None:
        labels = list(all_groups)
    else:
        labels = list(groups)
        unknown = [g for g in labels if g not in all_groups]
        if unknown:
            raise ValueError(
                f"unknown group {unknown[0]!r} in column(s) {by}; available: {list(all_groups)}"
            )
    if len(labels) < 2:
        raise ValueError(f"need at least two groups to compare, got {labels}")
    kept = _check_small({g: all_groups[g] for g in labels}, on_small_group)
    labels = [g for g in labels if g in kept]
    if len(labels) < 2:
        raise ValueError(f"need at least two groups of two or more documents to compare, got {labels}")

    counts = docs[cat + COUNT_SUFFIX].to_numpy(dtype=float)
    tokens = docs["n_tokens"].to_numpy(dtype=float)
    used = np.concatenate([all_groups[g] for g in labels])
    if counts[used].sum() == 0:
        raise ValueError(f"category {cat!r} has no matches in groups {labels}: nothing to compare")
    num, den = (counts * w)[None, :], (tokens * w)[None, :]
    units, aggregate = _cluster_units(docs, {g: all_groups[g] for g in labels}, cluster)
    unum, uden = aggregate(num), aggregate(den)
    unit = "document" if cluster is None else cluster
    kind = "two-sample document bootstrap" if cluster is None else f"two-sample {cluster} bootstrap"

    rows = []
    for a, b in itertools.combinations(labels, 2):
        ia, ib = all_groups[a], all_groups[b]
        if den[0, ia].sum() <= 0 or den[0, ib].sum() <= 0:
            raise ValueError(f"group {a if den[0, ia].sum() <= 0 else b!r} has no tokens")
        rate_a = num[0, ia].sum() / den[0, ia].sum()
        rate_b = num[0, ib].sum() / den[0, ib].sum()
        point = rate_a - rate_b
        _, p_g2 = g2_test(counts[ia].sum(), tokens[ia].sum(), counts[ib].sum(), tokens[ib].sum())
        ua, ub = units[a], units[b]
        small = [g for g, u in ((a, ua), (b, ub)) if len(u) < 2]
        pair = {"group_a": a, "group_b": b, "category": cat, "documents_a": len(ia), "documents_b": len(ib),
                "clusters_a": len(ua), "clusters_b": len(ub), "rate_a": rate_a * 1000, "rate_b": rate_b * 1000,
                "diff": point * 1000}
        if small:
            rows.append(
                {
                    **pair,
                    "low": np.nan,
                    "high": np.nan,
                    "p_value": np.nan,
                    "p_token_g2": p_g2,
                    "method": f"no interval or test: a group has one {unit}",
                    "note": "; ".join(f"{g!r} has one {unit}" for g in small)
                    + f": no {unit} bootstrap or permutation test (bounds and p-values NaN, "
                    "left out of the correction)",
                }
            )
            continue
        rng = _group_rng(seed, (a, b))
        low, high, mlabels = _ratio_bootstrap_ci(
            unum,
            uden,
            (ua, ub),
            [point],
            n_resamples=n_resamples,
            confidence=confidence,
            rng=rng,
            method=method,
        )
        p_value = _ratio_permutation_p(unum, uden, ua, ub, n_permutations, rng)
        few = "" if cluster is None else "; ".join(
            n for n in (_few_clusters_note(len(u), cluster) for u in (ua, ub)) if n)
        rows.append(
            {
                **pair,
                "low": low[0] * 1000,
                "high": high[0] * 1000,
                "p_value": p_value,
                "p_token_g2": p_g2,
                "method": _method_text(kind, mlabels, n_resamples, weights)[0]
                + f"; {unit} permutation test, {n_permutations} permutations",
                "note": few,
            }
        )
    out = pd.DataFrame(rows)
    out["p_adjusted"] = _adjust(out["p_value"], correction)
    ctext = "none" if correction is None else correction
    out["correction"] = (
        f"p_adjusted: {ctext} over {int(out['p_value'].notna().sum())} comparisons with a test; "
        f"intervals unadjusted ({confidence:.0%} per comparison)"
    )
    return out[
        [
            "group_a",
            "group_b",
            "category",
            "documents_a",
            "documents_b",
            *(["clusters_a", "clusters_b"] if cluster is not None else []),
            "rate_a",
            "rate_b",
            "diff",
            "low",
            "high",
            "p_value",
            "p_adjusted",
            "correction",
            "p_token_g2",
            "method",
            "note",
        ]
    ]


# --------------------------------------------------------------------------------------------------
# count model
# --------------------------------------------------------------------------------------------------
def count_model(
    documents: pd.DataFrame,
    category: str,
    formula_rhs: str = "C(outlet)",
    family: str = "negbin",
    confidence: float = 0.95,
    correction: str | None = "holm",
    robust: bool = True,
    cluster: str | None = None,
) -> pd.DataFrame:
    """Regression of a category's count per document with the token count as exposure.

    ``count ~ formula_rhs`` with ``log(n_tokens)`` as offset, so coefficients are log rate ratios.
    ``family="negbin"`` fits an NB2 negative binomial (``statsmodels.formula.api.negativebinomial``,
    dispersion ``alpha`` estimated); ``family="poisson"`` fits a Poisson GLM, by default with
    sandwich (HC0) standard errors so overdispersion does not shrink the intervals. Documents with zero
    tokens carry no information about a rate and are left out (``n_documents`` counts the rest).

    Parameters
    ----------
    documents : DataFrame
        Documents table with ``n_tokens``, ``{category}:count`` and the covariates used in the formula.
    category : str
        Category whose count is modelled.
    formula_rhs : str, default "C(outlet)"
        Right-hand side of a patsy formula, e.g. ``"C(outlet, Treatment('nyt')) + C(month)"``.
    family : {"negbin", "poisson"}, default "negbin"
    confidence : float, default 0.95
    correction : str or None, default "holm"
        Multiple-comparison correction of the non-intercept p-values (``multipletests`` method).
    robust : bool, default True
        Poisson only: HC0 sandwich standard errors.
    cluster : str, optional
        Cluster-robust standard errors with these clusters (e.g. ``"outlet"``; statsmodels
        ``cov_type="cluster"``, with its small-sample correction): documents of one outlet may share its
        house style. With few clusters (fewer than about 20-40) such standard errors are too small:
        ``docs/comparing.md`` says how far.

    Returns
    -------
    DataFrame
        One row per coefficient: ``term, estimate`` (log rate ratio), ``std_error, z, p_value,
        p_adjusted, rate_ratio, rr_low, rr_high, correction, model, n_documents``. For the
        ``Intercept``, ``rate_ratio`` is the baseline rate *per token* (multiply by 1,000 for per 1k)
        and it is not included in the correction. The NB dispersion is given in ``model``.

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"outlet": ["X", "X", "X", "Y", "Y", "Y"], "n_tokens": [1000] * 6,
    ...                      "hedging:count": [4, 6, 5, 10, 9, 11]})
    >>> out = count_model(docs, "hedging", family="poisson")
    >>> round(float(out.loc[out.term == "C(outlet)[T.Y]", "rate_ratio"].iloc[0]), 6)
    2.0
    """
    if family not in ("negbin", "poisson"):
        raise ValueError(f"family must be 'negbin' or 'poisson', got {family!r}")
    _check_documents(documents, [])
    (cat,) = resolve_categories(documents, [category])
    _check_confidence(confidence)
    correction = _check_correction(correction)
    data = documents[documents["n_tokens"] > 0].reset_index(drop=True).copy()
    data["_count_"] = data[cat + COUNT_SUFFIX].astype(float)
    if data["_count_"].sum() == 0:
        raise ValueError(f"category {cat!r} has no matches: a count model cannot be fitted")
    cov, n_clusters = _cluster_cov(data, cluster)
    fit, converged = _fit_count_model(data, formula_rhs, family, cov, robust)
    if not converged:
        warnings.warn(f"count model for {cat!r} did not converge; treat the estimates with care",
                      RuntimeWarning, stacklevel=2)
    if family == "negbin":
        model = f"negative binomial (NB2), alpha={float(fit.params['alpha']):.4g}, exposure=n_tokens"
    else:
        model = "Poisson GLM, exposure=n_tokens" + (", HC0 robust SE" if robust and not cov else "")
    if cov:
        model += f", {cluster}-clustered SE ({n_clusters} clusters)"
    out = _adjusted_slopes(_terms_table(fit, confidence), correction)
    out["model"] = model
    out["n_documents"] = len(data)
    return out[_COUNT_MODEL_COLUMNS]


_COUNT_MODEL_COLUMNS = ["term", "estimate", "std_error", "z", "p_value", "p_adjusted", "rate_ratio", "rr_low",
                        "rr_high", "correction", "model", "n_documents"]


def _cluster_cov(data: pd.DataFrame, cluster: str | None) -> tuple[dict, int]:
    """statsmodels' cluster-robust covariance settings for ``cluster`` (missing values one cluster), and the count."""
    if cluster is None:
        return {}, 0
    require_columns(data, [cluster], "documents")
    codes = pd.factorize(data[cluster].astype("string").fillna("\x00missing"))[0]
    return {"cov_type": "cluster", "cov_kwds": {"groups": codes}}, int(codes.max()) + 1


def _adjusted_slopes(out: pd.DataFrame, correction) -> pd.DataFrame:
    """Add ``p_adjusted`` (the correction over the non-intercept terms) and a ``correction`` note."""
    slope = (out["term"] != "Intercept").to_numpy()
    adjusted = np.full(len(out), np.nan)
    adjusted[slope] = _adjust(out.loc[slope, "p_value"], correction)
    out["p_adjusted"] = adjusted
    ctext = "none" if correction is None else correction
    out["correction"] = f"p_adjusted: {ctext} over {int(slope.sum())} non-intercept terms"
    return out


def _fit_count_model(data: pd.DataFrame, formula_rhs: str, family: str, cov: dict, robust: bool):
    """Fit ``_count_ ~ formula_rhs`` with ``n_tokens`` as exposure (statsmodels); return the fit and convergence."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    formula = f"_count_ ~ {formula_rhs}"
    exposure = data["n_tokens"].astype(float)
    try:
        if family == "negbin":
            mod = smf.negativebinomial(formula, data, exposure=exposure)
        else:
            mod = smf.glm(formula, data, family=sm.families.Poisson(), exposure=exposure)
    except Exception as err:  # patsy raises its own error type
        raise ValueError(
            f"formula_rhs {formula_rhs!r} could not be evaluated on the documents table: {err}"
        ) from err
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "negbin":
            fit = mod.fit(disp=0, maxiter=200, **cov)
            converged = bool(fit.mle_retvals.get("converged", True))
        else:
            fit = mod.fit(**cov) if cov else (mod.fit(cov_type="HC0") if robust else mod.fit())
            converged = bool(getattr(fit, "converged", True))
    return fit, converged


def _terms_table(fit, confidence: float) -> pd.DataFrame:
    """One row per model term (NB's ``alpha`` aside): estimate, SE, z, p, and the rate ratio with its interval."""
    params, bse = fit.params, fit.bse
    ci = fit.conf_int(alpha=1 - confidence)
    pvals, tvals = fit.pvalues, fit.tvalues
    terms = [t for t in params.index if t != "alpha"]
    return pd.DataFrame(
        {
            "term": terms,
            "estimate": [float(params[t]) for t in terms],
            "std_error": [float(bse[t]) for t in terms],
            "z": [float(tvals[t]) for t in terms],
            "p_value": [float(pvals[t]) for t in terms],
            "rate_ratio": [float(np.exp(params[t])) for t in terms],
            "rr_low": [float(np.exp(ci.loc[t, 0])) for t in terms],
            "rr_high": [float(np.exp(ci.loc[t, 1])) for t in terms],
        }
    )


# --------------------------------------------------------------------------------------------------
# term decomposition
# --------------------------------------------------------------------------------------------------
def _sorted_codes(col: pd.Series) -> tuple[np.ndarray, list]:
    """``pd.factorize(col.astype(str), sort=True)`` as (int64 codes, list of levels). A categorical
    column is factorized through its categories (one string per category, not per row); its unused
    categories become levels no code points to, which leaves the order of the used ones as it was."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cat_codes, levels = pd.factorize(pd.Series(col.cat.categories).astype(str), sort=True)
        rows = col.cat.codes.to_numpy()
        lookup = np.append(np.asarray(cat_codes, dtype=np.int64), -1)  # code -1 (missing) stays -1
        return lookup[rows], list(levels)
    c, u = pd.factorize(col.astype(str), sort=True)
    return np.asarray(c, dtype=np.int64), list(u)


def _unique_inverse(values: np.ndarray, bound: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for whole numbers in ``[0, bound)``: through a table of
    the values present when ``bound`` is small (no sort of millions of rows), else ``np.unique``."""
    if bound > _TABLE_BOUND or len(values) < bound:
        return np.unique(values, return_inverse=True)
    present = np.bincount(values, minlength=bound) > 0
    uniq = np.flatnonzero(present)
    rank = np.cumsum(present) - 1
    return uniq.astype(values.dtype), rank[values]


_TABLE_BOUND = 1 << 22  # _unique_inverse: largest range of codes counted through a table


def _doc_counts(doc_ids: pd.Series, labels: Sequence[pd.Series], target_ids: pd.Series) -> tuple[np.ndarray, list]:
    """Counts of rows per (document, label combination): ``pd.crosstab(doc_ids, labels)`` reindexed to
    ``target_ids`` with 0 for documents without rows, as a (len(target_ids), K) integer matrix, and the K
    label tuples in crosstab's (sorted) order. Rows with a missing value are left out, as crosstab does.
    Computed with factorize and bincount, not crosstab's per-cell Python aggregation.
    """
    doc_codes, doc_uniq = pd.factorize(doc_ids)
    codes, levels = [], []
    for col in labels:
        c, u = _sorted_codes(col)
        codes.append(c)
        levels.append(u)
    keep = np.asarray(doc_codes >= 0)
    combined = np.zeros(len(doc_codes), dtype=np.int64)
    for c, lv in zip(codes, levels):
        keep &= c >= 0
        combined = combined * len(lv) + c
    uniq, inv = _unique_inverse(combined[keep], int(np.prod([len(lv) for lv in levels], dtype=float)))
    k = len(uniq)
    per_doc = np.bincount(np.asarray(doc_codes)[keep] * k + inv, minlength=len(doc_uniq) * k).reshape(len(doc_uniq), k)
    keys = []
    for u in uniq.tolist():
        key = []
        for lv in reversed(levels):
            u, r = divmod(u, len(lv))
            key.append(lv[r])
        keys.append(tuple(reversed(key)))
    rows = pd.Index(doc_uniq).get_indexer(target_ids)
    out = np.zeros((len(rows), k), dtype=np.int64)
    out[rows >= 0] = per_doc[rows[rows >= 0]]
    return out, keys


def term_decomposition(
    matches: pd.DataFrame,
    documents: pd.DataFrame,
    category: str,
    group_a,
    group_b,
    by: str = "outlet",
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int | None = 0,
    weights: str | Sequence[float] | None = None,
    method: str = "BCa",
    on_small_group: str = "nan",
    cluster: str | None = None,
) -> pd.DataFrame:
    """Which lexicon entries drive the difference in a category between two groups.

    For every entry of ``category`` (leaf category and entry from the Matches table) the rate per
    1,000 tokens in each group is ``sum(matches of the entry) / sum(tokens) * 1000`` over the group's
    documents (tokens from the Documents table, so documents without matches count). ``diff =
    rate_a - rate_b``; the entry diffs add up to the difference in the category rate, and
    ``share_of_difference`` is each entry's part of it. Intervals come from one two-sample document
    bootstrap shared by all entries (``scipy.stats.bootstrap``, documents resampled within groups).

    To read the concordance lines behind a row, filter the matches and call
    :func:`analysis.compare.kwic.kwic`, e.g.
    ``kwic(matches[matches.doc_id.isin(ids_a)], corpus, category=row.category, entry=row.entry)``.

    Parameters
    ----------
    matches : DataFrame
        Matches table (``doc_id, category, entry`` at least).
    documents : DataFrame
        Documents table (``doc_id, n_tokens`` and the ``by`` column).
    category : str
        A leaf category (``hedging.modal``) or a roll-up (``hedging``: its subcategories' matches).
    group_a, group_b
        The two groups (values of ``by``).
    by : str, default "outlet"
    n_resamples, confidence, seed, weights, method
        As in :func:`group_rates`.
    on_small_group : {"nan", "raise"}, default "nan"
        When a group has one document the decomposition is still computed (it is exact) but the
        bounds are NaN and ``note`` says why; ``"raise"`` refuses it.
    cluster : str, optional
        Resample these clusters (e.g. ``"outlet"``) within each group instead of documents, as in
        :func:`pairwise_differences`: the decomposition of a difference between groups of outlets.

    Returns
    -------
    DataFrame
        ``category, entry, matches_a, matches_b, rate_a, rate_b, diff, low, high,
        share_of_difference, method, note``, sorted by ``diff`` (largest excess in group a first).
        ``attrs["total"]`` holds the category difference with its interval (and the ``note``).

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": list("abcd"), "outlet": list("XXYY"), "n_tokens": [1000] * 4})
    >>> m = pd.DataFrame({"doc_id": list("aabc"), "category": ["hedging.modal"] * 4,
    ...                   "entry": ["may", "may", "might", "might"]})
    >>> out = term_decomposition(m, docs, "hedging", "X", "Y", n_resamples=200)
    >>> out[["entry", "diff", "share_of_difference"]].values.tolist()
    [['may', 1.0, 1.0], ['might', 0.0, 0.0]]
    """
    docs, w, ia, ib = _decomposition_input(documents, matches, by, group_a, group_b, weights, method,
                                           confidence, on_small_group)
    cat_m = _pair_category_matches(matches, docs, category, ia, ib, group_a, group_b)
    keys, counts, num, den, rate_a, rate_b = _entry_rates(cat_m, docs, w, ia, ib, group_a, group_b)
    point = rate_a - rate_b
    low, high, methods, note = _pair_interval(docs, num, den, point, (group_a, group_b, category), (ia, ib),
                                              cluster, n_resamples, confidence, seed, method, weights)
    out = _decomposition_table(keys, counts, (ia, ib), (rate_a, rate_b, point), (low, high), methods, note)
    out.attrs["total"] = {"category": category, "group_a": group_a, "group_b": group_b, "diff": point[-1] * 1000,
                          "low": low[-1] * 1000, "high": high[-1] * 1000, "note": note}
    return out


def _decomposition_input(documents, matches, by, group_a, group_b, weights, method, confidence, on_small_group):
    """Refuse bad input to :func:`term_decomposition`; return the documents, weights and both groups' rows."""
    _check_documents(documents, ["doc_id", by])
    require_columns(matches, ["doc_id", "category", "entry"], "matches")
    _check_method(method)
    _check_confidence(confidence)
    if group_a == group_b:
        raise ValueError("group_a and group_b must differ")
    docs = documents.reset_index(drop=True)
    w = _weights(docs, weights)
    groups = _groups(docs, [by])
    for g in (group_a, group_b):
        if g not in groups:
            raise ValueError(f"unknown group {g!r} in column {by!r}; available: {list(groups)}")
    if on_small_group not in ("nan", "raise"):
        raise ValueError(f"on_small_group must be 'nan' or 'raise', got {on_small_group!r}")
    _check_small({group_a: groups[group_a], group_b: groups[group_b]}, on_small_group)
    return docs, w, groups[group_a], groups[group_b]


def _pair_category_matches(matches, docs, category, ia, ib, group_a, group_b) -> pd.DataFrame:
    """The matches of ``category`` in the documents of the two groups (refused when there are none)."""
    known = distinct(matches["category"])
    cat_m = category_matches(matches[["doc_id", "category", "entry"]], category)  # only the columns used
    if cat_m.empty and not any(k == category or k.startswith(category + ".") for k in known):
        raise ValueError(
            f"unknown category {category!r} in the matches table; available: {sorted(known)}"
        )
    used_ids = set(docs.loc[np.concatenate([ia, ib]), "doc_id"])
    cat_m = cat_m[cat_m["doc_id"].isin(used_ids)]
    if cat_m.empty:
        raise ValueError(
            f"category {category!r} has no matches in groups {group_a!r} and {group_b!r}: "
            "nothing to decompose"
        )
    return cat_m


def _entry_rates(cat_m, docs, w, ia, ib, group_a, group_b):
    """Per-entry (and, last row, whole-category) counts, weighted numerators and denominators, and both rates."""
    table, keys = _doc_counts(cat_m["doc_id"], [cat_m["category"], cat_m["entry"]], docs["doc_id"])
    counts = table.T.astype(float)  # (E, n)
    counts = np.vstack([counts, counts.sum(axis=0)])  # last row: the whole category
    tokens = docs["n_tokens"].to_numpy(dtype=float)
    num = counts * w
    den = np.tile(tokens * w, (num.shape[0], 1))
    ta, tb = den[0, ia].sum(), den[0, ib].sum()
    if ta <= 0 or tb <= 0:
        raise ValueError(f"group {group_a if ta <= 0 else group_b!r} has no tokens")
    return keys, counts, num, den, num[:, ia].sum(axis=1) / ta, num[:, ib].sum(axis=1) / tb


def _pair_interval(docs, num, den, point, names, rows, cluster, n_resamples, confidence, seed, method, weights):
    """Two-sample bootstrap bounds of every difference in ``point``, the method texts and a note.

    ``names`` is ``(group_a, group_b, category)`` (the seed of the draws), ``rows`` both groups' rows.
    A group with one document (or cluster) gets NaN bounds and says so.
    """
    group_a, group_b, category = names
    units, aggregate = _cluster_units(docs, {group_a: rows[0], group_b: rows[1]}, cluster)
    ua, ub = units[group_a], units[group_b]
    unit = "document" if cluster is None else cluster
    small = [g for g, u in ((group_a, ua), (group_b, ub)) if len(u) < 2]
    if small:
        low = high = np.full(len(point), np.nan)
        methods = [f"no interval: a group has one {unit}"] * len(point)
        note = "; ".join(f"{g!r} has one {unit}" for g in small) + f": no {unit} bootstrap (bounds NaN)"
        return low, high, methods, note
    low, high, labels = _ratio_bootstrap_ci(
        aggregate(num),
        aggregate(den),
        (ua, ub),
        point,
        n_resamples=n_resamples,
        confidence=confidence,
        rng=_group_rng(seed, (group_a, group_b, category)),
        method=method,
    )
    methods = _method_text(f"two-sample {unit} bootstrap", labels, n_resamples, weights)
    note = "" if cluster is None else "; ".join(
        n for n in (_few_clusters_note(len(u), cluster) for u in (ua, ub)) if n)
    return low, high, methods, note


def _decomposition_table(keys, counts, rows, rates, bounds, methods, note) -> pd.DataFrame:
    """The rows of :func:`term_decomposition`: one per entry, largest difference first."""
    ia, ib = rows
    rate_a, rate_b, point = rates
    low, high = bounds
    total = point[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = point[:-1] / total if total != 0 else np.full(len(keys), np.nan)
    out = pd.DataFrame(
        {
            "category": [k[0] for k in keys],
            "entry": [k[1] for k in keys],
            "matches_a": counts[:-1, ia].sum(axis=1).astype(int),
            "matches_b": counts[:-1, ib].sum(axis=1).astype(int),
            "rate_a": rate_a[:-1] * 1000,
            "rate_b": rate_b[:-1] * 1000,
            "diff": point[:-1] * 1000,
            "low": low[:-1] * 1000,
            "high": high[:-1] * 1000,
            "share_of_difference": share,
            "method": methods[:-1],
            "note": note,
        }
    )
    out = out.sort_values(
        ["diff", "category", "entry"], ascending=[False, True, True], kind="mergesort"
    )
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------------------------------
# voice split
# --------------------------------------------------------------------------------------------------
def voice_rates(
    matches: pd.DataFrame,
    documents: pd.DataFrame,
    categories: str | Sequence[str] | None = None,
    by: str | Sequence[str] = "outlet",
    voices: Sequence[str] = VOICES,
    **kwargs,
) -> pd.DataFrame:
    """Rates split by voice: e.g. hedges per 1,000 narration words vs per 1,000 quoted words.

    Numerators are the matches of each category in each voice (Matches column ``voice``);
    denominators are per-document token counts by voice, which the Documents table must provide as
    ``n_tokens_narration``, ``n_tokens_quote`` and ``n_tokens_attributed``. Intervals are the document
    bootstrap of :func:`group_rates` (one per voice, documents resampled within groups).

    Parameters
    ----------
    matches : DataFrame
        Matches table with ``doc_id, category, voice``.
    documents : DataFrame
        Documents table with ``doc_id``, the ``by`` column(s) and ``n_tokens_<voice>`` for each voice.
    categories : str or list of str, optional
        Categories (default: every category in the matches table). Roll-ups gather their
        subcategories as in :func:`term_decomposition`.
    by : str or list of str, default "outlet"
    voices : sequence of str, default ("narration", "quote", "attributed")
    **kwargs
        Passed to :func:`group_rates` (``n_resamples``, ``confidence``, ``seed``, ``weights``,
        ``method``, ``on_small_group``, ``cluster``).

    Returns
    -------
    DataFrame
        The columns of :func:`group_rates` with ``voice`` after the group column(s); ``tokens`` are
        the tokens in that voice.

    Raises
    ------
    ValueError
        When a ``n_tokens_<voice>`` column is missing, a voice is unknown, or a category has no
        matches at all.

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "outlet": ["X", "X"],
    ...                      "n_tokens_narration": [800, 800], "n_tokens_quote": [200, 200],
    ...                      "n_tokens_attributed": [0, 0]})
    >>> m = pd.DataFrame({"doc_id": ["a", "a", "b"], "category": ["hedging"] * 3,
    ...                   "voice": ["quote", "narration", "quote"]})
    >>> out = voice_rates(m, docs, n_resamples=200, voices=["narration", "quote"])
    >>> out[["voice", "rate_per_1k"]].to_dict("records")
    [{'voice': 'narration', 'rate_per_1k': 0.625}, {'voice': 'quote', 'rate_per_1k': 5.0}]
    """
    by_list = as_list(by)
    voices, categories = _checked_voice_input(matches, documents, by_list, voices, categories)
    docs = documents.reset_index(drop=True)
    per_cat = _voice_counts(matches, docs["doc_id"], categories)
    frames = []
    for voice in voices:
        vdocs = docs[["doc_id", *by_list, f"n_tokens_{voice}"]].copy()
        if isinstance(kwargs.get("weights"), str):
            vdocs[kwargs["weights"]] = docs[kwargs["weights"]]
        if kwargs.get("cluster") is not None and kwargs["cluster"] not in vdocs.columns:
            require_columns(docs, [kwargs["cluster"]], "documents")
            vdocs[kwargs["cluster"]] = docs[kwargs["cluster"]]
        for cat in categories:
            vdocs[cat + COUNT_SUFFIX] = per_cat[cat].get(voice, np.zeros(len(vdocs), dtype=np.int64)).astype(int)
        out = group_rates(vdocs, categories, by=by_list, token_col=f"n_tokens_{voice}", **kwargs)
        out.insert(len(by_list), "voice", voice)
        frames.append(out)
    result = pd.concat(frames, ignore_index=True)
    # frames are concatenated in voice order and the sort is stable, so voices keep that order
    return result.sort_values([*by_list, "category"], kind="mergesort").reset_index(drop=True)


def _checked_voice_input(matches, documents, by_list, voices, categories) -> tuple[list, list]:
    """Refuse bad input to :func:`voice_rates`; return the voices and categories (default: every leaf)."""
    voices = list(voices)
    unknown = [v for v in voices if v not in VOICES]
    if unknown:
        raise ValueError(f"unknown voice {unknown[0]!r}; voices are {list(VOICES)}")
    needed = [f"n_tokens_{v}" for v in voices]
    missing = [c for c in needed if c not in documents.columns]
    if missing:
        raise ValueError(
            f"voice rates need per-document token counts by voice: column(s) {missing} missing from "
            "the documents table (expected n_tokens_narration, n_tokens_quote, n_tokens_attributed)"
        )
    require_columns(documents, ["doc_id", *by_list], "documents")
    require_columns(matches, ["doc_id", "category", "voice"], "matches")
    bad_voice = sorted(distinct(matches["voice"].dropna()) - set(VOICES))
    if bad_voice:
        raise ValueError(
            f"matches table has unknown voice value(s) {bad_voice}; expected {list(VOICES)}"
        )
    if categories is None:
        leaf = sorted(distinct(matches["category"]))
        if not leaf:
            raise ValueError("the matches table is empty and no categories were given")
        categories = leaf
    elif isinstance(categories, str):
        categories = [categories]
    categories = list(categories)
    if not categories:
        raise ValueError("`categories` is empty: name at least one category")
    return voices, categories


def _voice_counts(matches: pd.DataFrame, doc_ids: pd.Series, categories: list) -> dict:
    """``{category: {voice: counts per document}}``, in the order of ``doc_ids``, computed once for all voices."""
    # the category and voice of every match coded once (not compared as strings per category); the
    # voice as a categorical, which _doc_counts reads through its categories
    cat_codes, cat_levels = pd.factorize(matches["category"].astype(str))
    known = {str(c): i for i, c in enumerate(cat_levels)}
    voice = matches["voice"]
    if not isinstance(voice.dtype, pd.CategoricalDtype):
        voice = pd.Series(pd.Categorical(voice), index=voice.index, name="voice")
    pair = pd.DataFrame({"doc_id": matches["doc_id"], "voice": voice})
    per_cat = {}
    for cat in categories:
        wanted = [cat] if cat in known else [c for c in known if c.startswith(cat + ".")]
        mask = np.isin(cat_codes, [known[c] for c in wanted])
        if not mask.any():
            raise ValueError(f"category {cat!r} has no matches in the matches table")
        sub = pair[mask]  # only the columns used: no copy of the whole table
        table, keys = _doc_counts(sub["doc_id"], [sub["voice"]], doc_ids)
        per_cat[cat] = {key[0]: table[:, j] for j, key in enumerate(keys)}
    return per_cat


SUMMARY_INTERVAL_RESAMPLES = 1000
SUMMARY_INTERVAL_NOTE = (
    f"rate_low/rate_high and share_low/share_high: 95% document bootstrap ({SUMMARY_INTERVAL_RESAMPLES} "
    "resamples, seed 0) within each outlet; NaN for an outlet with one document (group_rates)"
)


def summary_with_intervals(summary: pd.DataFrame, documents: pd.DataFrame, categories,
                           intervals: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add 95% document-bootstrap intervals (``rate_low``, ``rate_high``, ``share_low``, ``share_high``)
    to a per-outlet summary from :func:`analysis.measure.scoring.summarise`.

    ``intervals`` are the rows of :func:`summary_intervals` for every outlet, when already computed
    (in parts, in any order: ``score --jobs N`` shares the outlets between processes).

    Examples
    --------
    >>> from analysis.measure.scoring import score
    >>> res = score(["It may rain.", "It might.", "No."], "hedging")
    >>> list(summary_with_intervals(res.summary, res.documents, res.categories).columns[-4:])
    ['rate_low', 'rate_high', 'share_low', 'share_high']
    """
    rates = summary_intervals(documents, categories) if intervals is None else intervals
    return summary.merge(rates, on=["outlet", "category"], how="left", validate="one_to_one")


SUMMARY_INTERVAL_COLUMNS = ["outlet", "category", "rate_low", "rate_high", "share_low", "share_high"]


def summary_intervals(documents: pd.DataFrame, categories, outlets=None) -> pd.DataFrame:
    """The interval columns :func:`summary_with_intervals` adds, one row per outlet and category
    (``SUMMARY_INTERVAL_COLUMNS``), for the documents of ``outlets`` only when given: each outlet's
    resamples are drawn from a generator seeded by its name (:func:`group_rates`), so the rows of a part
    of the outlets are those of the whole, whoever computes them."""
    docs = documents if outlets is None else documents[documents["outlet"].isin(list(outlets))]
    rates = group_rates(docs, list(categories), by="outlet", n_resamples=SUMMARY_INTERVAL_RESAMPLES,
                        seed=0, on_small_group="nan")
    return rates[SUMMARY_INTERVAL_COLUMNS]
