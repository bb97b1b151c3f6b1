"""Partial pooling: outlet rates shrunk toward the corpus rate, with honest intervals for small outlets.

A raw rate ``sum(counts) / sum(tokens)`` of an outlet with one article is as noisy as that article, and a
document bootstrap cannot give it an interval at all. Real corpora are long-tailed (most outlets have a
few articles), so :func:`pooled_rates` fits a two-level count model and reports, beside the raw rate,
the *pooled* rate: the posterior mean of the outlet's rate and its equal-tailed posterior interval.

The model (``docs/comparing.md``, "Pooled rates", states what it assumes):

* Documents within outlet ``i``: ``y_ij ~ NegBin(mean m = t_ij * lam_i, var = m + m**2 / kappa)``, ``t_ij``
  the document's word tokens (the exposure), ``kappa`` one document-level shape for the corpus, estimated
  by moments from the outlets with two or more documents (``kappa = inf`` is Poisson).
* Outlets: ``log lam_i ~ Normal(mu, sd)``, a Poisson-lognormal random intercept.
* ``mu`` (flat prior) and ``sd`` (uniform on [0.02, 2.5]) are integrated out on a grid, and so is each
  ``lam_i`` (321 points on a log scale), so the intervals carry the uncertainty of the prior itself, not
  only of the outlet's own data; ``kappa`` is plugged in.

An outlet with one article therefore gets a finite interval that is as wide as the spread between
outlets and its own article allow, and its estimate is pulled toward the corpus rate by as much as its
data are weak. Coverage is an average over outlets (outlets far out in the tail are pulled in and covered
less often than typical ones); :func:`coverage_study` checks it by simulation with known outlet effects
drawn from a lognormal and documents from a negative binomial.

Examples
--------
>>> import pandas as pd
>>> docs = pd.DataFrame({"outlet": ["A", "A", "A", "B", "C", "C"],
...                      "n_tokens": [500, 700, 400, 300, 650, 800],
...                      "hedging:count": [6, 9, 5, 12, 7, 8]})
>>> t = pooled_rates(docs, "hedging")
>>> list(t.columns[:6])
['outlet', 'category', 'n_docs', 'tokens', 'matches', 'rate']
>>> bool((t["pooled_low"] <= t["rate_pooled"]).all() and (t["rate_pooled"] <= t["pooled_high"]).all())
True
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["coverage_study", "pooled_rates", "simulate_outlets"]

COUNT_SUFFIX = ":count"


def _categories(documents: pd.DataFrame, categories) -> list[str]:
    available = [c[: -len(COUNT_SUFFIX)] for c in documents.columns if str(c).endswith(COUNT_SUFFIX)]
    if categories is None:
        if not available:
            raise ValueError("the documents table has no category columns (expected columns named 'c:count')")
        return available
    if isinstance(categories, str):
        categories = [categories]
    unknown = [c for c in categories if c not in available]
    if unknown:
        raise ValueError(f"unknown category {unknown[0]!r}; available categories: {available}")
    return list(categories)


def _doc_shape(y: np.ndarray, t: np.ndarray, group: np.ndarray, n_groups: int) -> float:
    """Moment estimate of the document-level NB shape ``kappa`` (``inf`` when there is no overdispersion).

    Uses the outlets with at least two documents: with ``r_i`` the outlet's raw rate and ``h = t / T_i``
    the document's share of its outlet's tokens, ``E[(y - t r_i)**2] ~ (t lam + t**2 lam**2 / kappa)(1 - h)``.
    """
    Y = np.bincount(group, weights=y, minlength=n_groups)
    T = np.bincount(group, weights=t, minlength=n_groups)
    n = np.bincount(group, minlength=n_groups)
    keep = (n[group] >= 2) & (T[group] > 0)
    if not keep.any():
        return np.inf
    r = np.divide(Y, T, out=np.zeros_like(Y), where=T > 0)[group][keep]
    tt, yy = t[keep], y[keep]
    h = tt / T[group][keep]
    resid = (yy - tt * r) ** 2
    denom = float(np.sum(tt**2 * r**2 * (1 - h)))
    if denom <= 0:
        return np.inf
    inv = (float(resid.sum()) - float(np.sum(tt * r * (1 - h)))) / denom
    return np.inf if inv <= 1e-9 else 1.0 / inv


def _loglik_grid(y, t, group, n_groups, kappa, grid):
    """``L[i, g]``: log-likelihood of group ``i``'s documents at rate ``grid[g]`` (up to a constant in ``g``)."""
    Y = np.bincount(group, weights=y, minlength=n_groups)
    T = np.bincount(group, weights=t, minlength=n_groups)
    if not np.isfinite(kappa):
        return Y[:, None] * np.log(grid)[None, :] - T[:, None] * grid[None, :]
    order = np.argsort(group, kind="stable")
    g_sorted = group[order]
    ys, ts = y[order], t[order]
    out = np.zeros((n_groups, len(grid)))
    step = max(1, 2_000_000 // len(grid))
    for a in range(0, len(ys), step):
        g = g_sorted[a:a + step]
        m = ts[a:a + step, None] * grid[None, :]
        yy = ys[a:a + step, None]
        ll = yy * np.log(m, out=np.zeros_like(m), where=m > 0) - (yy + kappa) * np.log1p(m / kappa)
        first = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        out[g[first]] += np.add.reduceat(ll, first, axis=0)
    return out


def _quantile_rows(cdf: np.ndarray, q: float, x: np.ndarray) -> np.ndarray:
    """Per row of a discrete CDF on grid ``x``, the linearly interpolated ``q`` quantile."""
    k = np.clip((cdf < q).sum(axis=1), 1, cdf.shape[1] - 1)
    rows = np.arange(len(cdf))
    c0, c1 = cdf[rows, k - 1], cdf[rows, k]
    frac = np.clip((q - c0) / np.where(c1 > c0, c1 - c0, 1.0), 0, 1)
    return x[k - 1] + frac * (x[k] - x[k - 1])


def _pool_one(y, t, group, n_groups, confidence):
    """Posterior mean and interval of each group's rate (per token) and the fitted parameters.

    Poisson-lognormal random intercept (NB documents), integrated on grids: rates on a log grid, the
    prior's (log mean, sd) on a hyper grid with flat priors (log mean) and uniform sd on [0.01, 2.5].
    """
    Y = np.bincount(group, weights=y, minlength=n_groups)
    T = np.bincount(group, weights=t, minlength=n_groups)
    kappa = _doc_shape(y, t, group, n_groups)
    note = ""
    total = Y.sum()
    if total == 0:
        # nothing to pool: rate 0 and the exact Poisson upper bound of zero counts on the group's tokens
        alpha = 1 - confidence
        with np.errstate(divide="ignore"):
            hi = np.where(T > 0, -np.log(alpha / 2) / np.maximum(T, 1e-300), np.nan)
        params = {"prior_rate_per_1k": 0.0, "prior_sd": np.nan, "doc_shape": kappa}
        note = "no matches in any group: pooled rate 0, upper bound the exact Poisson bound of zero counts"
        return np.zeros(n_groups), np.zeros(n_groups), hi, params, note
    center = np.log(total / max(T.sum(), 1.0))
    log_grid = np.linspace(center - 8.0, center + 4.0, 321)
    grid = np.exp(log_grid)
    L = _loglik_grid(y, t, group, n_groups, kappa, grid)
    mus = np.linspace(center - 2.0, center + 2.0, 41)
    sds = np.linspace(0.02, 2.5, 40)
    MU, SD = np.meshgrid(mus, sds, indexing="ij")
    MU, SD = MU.ravel(), SD.ravel()
    P = -0.5 * ((log_grid[None, :] - MU[:, None]) / SD[:, None]) ** 2  # (H, G)
    # each prior normalised on the grid itself, so a narrow prior is not over- or under-weighted by where
    # its mean falls between grid points
    Pm = P.max(axis=1, keepdims=True)
    P -= Pm + np.log(np.exp(P - Pm).sum(axis=1, keepdims=True))
    Lmax = L.max(axis=1, keepdims=True)
    Pmax = P.max(axis=1, keepdims=True)
    EL = np.exp(L - Lmax)
    EP = np.exp(P - Pmax)
    with np.errstate(divide="ignore"):
        M = np.log(EL @ EP.T) + Lmax + Pmax.T  # (I, H) log marginal of group i under hyper h
    lp = M.sum(axis=0)
    lp -= lp.max()
    w = np.exp(lp)
    w /= w.sum()
    keep = w > 1e-10 * w.max()
    B = np.log(w[keep])[None, :] - M[:, keep] + Pmax[keep].T
    B = np.where(np.isfinite(B), B, -np.inf)
    bmax = B.max(axis=1, keepdims=True)
    post = EL * (np.exp(B - bmax) @ EP[keep])
    post /= post.sum(axis=1, keepdims=True)
    mean = post @ grid
    cdf = np.cumsum(post, axis=1)
    lo_q, hi_q = (1 - confidence) / 2, 1 - (1 - confidence) / 2
    lo, hi = np.exp(_quantile_rows(cdf, lo_q, log_grid)), np.exp(_quantile_rows(cdf, hi_q, log_grid))
    mu_post = float(w @ MU)
    sd_post = float(w @ SD)
    params = {"prior_rate_per_1k": float(np.exp(mu_post + sd_post**2 / 2) * 1000), "prior_sd": sd_post,
              "doc_shape": kappa}
    if (T > 0).sum() < 3 and not note:
        note = "fewer than 3 groups: the spread between groups is barely identified, intervals are wide"
    return mean, lo, hi, params, note


def pooled_rates(
    documents: pd.DataFrame,
    categories: str | Sequence[str] | None = None,
    by: str = "outlet",
    confidence: float = 0.95,
    token_col: str = "n_tokens",
) -> pd.DataFrame:
    """Raw and partially pooled rates per 1,000 tokens for every group, one row per group and category.

    Parameters
    ----------
    documents : DataFrame
        Documents table (``n_tokens`` and ``c:count`` per category) with the grouping column ``by``.
        Rows whose group is missing are left out.
    categories : str or list of str, optional
        Categories (default: every ``c:count`` column).
    by : str, default "outlet"
        The grouping column (groups of any size, one document included).
    confidence : float, default 0.95
        Level of the posterior intervals.
    token_col : str, default "n_tokens"
        Column with each document's word tokens (the exposure).

    Returns
    -------
    DataFrame
        ``by, category, n_docs, tokens, matches, rate`` (raw, per 1,000 tokens), ``rate_pooled, pooled_low,
        pooled_high`` (posterior mean and interval per 1,000 tokens), ``shrinkage`` (the weight of the
        corpus rate in the pooled estimate, 0 = the outlet's own data, 1 = the corpus rate), ``prior_rate``
        and ``prior_shape`` (the fitted gamma prior, per 1,000 tokens), ``doc_shape`` (the document-level
        overdispersion shape; ``inf`` = Poisson), ``method`` and ``note``. Sorted by group.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if by not in documents.columns:
        raise ValueError(f"unknown column {by!r} in the documents table; available: {list(documents.columns)}")
    if token_col not in documents.columns:
        raise ValueError(f"the documents table has no {token_col!r} column")
    cats = _categories(documents, categories)
    docs = documents[documents[by].notna()]
    if docs.empty:
        raise ValueError(f"no document has a value in column {by!r}")
    codes, labels = pd.factorize(docs[by], sort=True)
    n_groups = len(labels)
    t = docs[token_col].to_numpy(dtype=float)
    if np.isnan(t).any() or (t < 0).any():
        raise ValueError(f"column {token_col!r} must hold non-negative token counts without NaN")
    n = np.bincount(codes, minlength=n_groups)
    T = np.bincount(codes, weights=t, minlength=n_groups)
    frames = [
        _pooled_table(by, cat, docs[cat + COUNT_SUFFIX].to_numpy(dtype=float), t, codes, labels, n, T, confidence)
        for cat in cats
    ]
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values([by, "category"], kind="stable").reset_index(drop=True)


def _pooled_table(by: str, cat: str, y, t, codes, labels, n, T, confidence: float) -> pd.DataFrame:
    """The rows of :func:`pooled_rates` for category ``cat``, one per group.

    ``y`` and ``t`` are the documents' counts and tokens, ``codes`` their group numbers into ``labels``;
    ``n`` and ``T`` the documents and tokens per group.
    """
    n_groups = len(labels)
    Y = np.bincount(codes, weights=y, minlength=n_groups)
    mean, lo, hi, params, note = _pool_one(y, t, codes, n_groups, confidence)
    raw = np.divide(Y, T, out=np.full(n_groups, np.nan), where=T > 0)
    prior = params["prior_rate_per_1k"] / 1000
    with np.errstate(invalid="ignore", divide="ignore"):
        shrink = np.where(np.isfinite(raw) & (raw != prior), (raw - mean) / (raw - prior), np.nan)
    notes = np.full(n_groups, note, dtype=object)
    if not note:
        notes[T == 0] = "no tokens: pooled rate is the prior"
        notes[(n == 1) & (T > 0)] = "one document: estimate leans on the corpus rate"
    return pd.DataFrame({
        by: labels,
        "category": cat,
        "n_docs": n,
        "tokens": T.astype(np.int64),
        "matches": Y.astype(np.int64),
        "rate": raw * 1000,
        "rate_pooled": mean * 1000,
        "pooled_low": lo * 1000,
        "pooled_high": hi * 1000,
        "shrinkage": np.clip(shrink, 0, 1),
        "prior_rate": params["prior_rate_per_1k"],
        "prior_sd": params["prior_sd"],
        "doc_shape": params["doc_shape"],
        "method": f"Poisson-lognormal outlet intercept, NB documents, {confidence:.0%} posterior",
        "note": notes,
    })


# --------------------------------------------------------------------------------------------------
# simulation: known outlet effects, to check the intervals
# --------------------------------------------------------------------------------------------------
def simulate_outlets(rng: np.random.Generator, n_outlets: int = 40, single_share: float = 1 / 3,
                     max_docs: int = 40, rate_per_1k: float = 8.0, outlet_sd: float = 0.35,
                     doc_shape: float = 4.0, mean_tokens: float = 600.0) -> tuple[pd.DataFrame, np.ndarray]:
    """A long-tailed corpus with known outlet rates (for checking estimators).

    Outlet ``i`` has the true rate ``rate_per_1k * exp(outlet_sd * z_i - outlet_sd**2 / 2)`` (lognormal, so the
    gamma prior of the model is *misspecified* on purpose); document lengths are lognormal around
    ``mean_tokens``; counts are negative binomial with shape ``doc_shape`` around ``tokens * rate``.

    Returns
    -------
    documents : DataFrame
        ``outlet, n_tokens, x:count``.
    true_rates : ndarray
        True rate per 1,000 tokens of each outlet, in the order of ``sorted(outlet)``.
    """
    n_single = round(n_outlets * single_share)
    sizes = [max(2, int(max_docs / (r + 1) ** 0.9)) for r in range(n_outlets - n_single)] + [1] * n_single
    z = rng.standard_normal(n_outlets)
    lam = rate_per_1k / 1000 * np.exp(outlet_sd * z - outlet_sd**2 / 2)
    outlet = np.repeat(np.arange(n_outlets), sizes)
    tokens = np.maximum(20, rng.lognormal(np.log(mean_tokens) - 0.18, 0.6, size=len(outlet))).round()
    m = tokens * lam[outlet]
    if np.isfinite(doc_shape):
        y = rng.poisson(rng.gamma(doc_shape, m / doc_shape))
    else:
        y = rng.poisson(m)
    names = np.array([f"o{i:03d}" for i in range(n_outlets)])
    docs = pd.DataFrame({"outlet": names[outlet], "n_tokens": tokens.astype(np.int64), "x:count": y})
    return docs, lam * 1000


def coverage_study(n_corpora: int = 200, seed: int = 0, confidence: float = 0.95, **kwargs) -> pd.DataFrame:
    """Coverage of :func:`pooled_rates` intervals over simulated corpora with known outlet rates.

    Parameters
    ----------
    n_corpora : int
        Simulated corpora (each with ``simulate_outlets(**kwargs)``).
    seed : int
        Seed of the whole study.

    Returns
    -------
    DataFrame
        One row per outlet size class (``1``, ``2-5``, ``6+``, ``all``): ``outlets`` (outlet-corpus pairs),
        ``coverage`` (share of intervals that hold the true rate), ``mean_width`` (per 1,000 tokens), and
        ``raw_rmse`` / ``pooled_rmse`` (error of the raw and pooled estimates against the truth).
    """
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(n_corpora):
        docs, truth = simulate_outlets(rng, **kwargs)
        t = pooled_rates(docs, "x", confidence=confidence)
        rows.append(pd.DataFrame({
            "n_docs": t["n_docs"].to_numpy(),
            "covered": (t["pooled_low"] <= truth) & (truth <= t["pooled_high"]),
            "width": t["pooled_high"] - t["pooled_low"],
            "raw_err": (t["rate"] - truth) ** 2,
            "pooled_err": (t["rate_pooled"] - truth) ** 2,
        }))
    allr = pd.concat(rows, ignore_index=True)
    allr["size"] = pd.cut(allr["n_docs"], [0, 1, 5, np.inf], labels=["1", "2-5", "6+"]).astype(str)
    out = []
    for size, part in [*allr.groupby("size", sort=True), ("all", allr)]:
        out.append({"size": size, "outlets": len(part), "coverage": part["covered"].mean(),
                    "mean_width": part["width"].mean(), "raw_rmse": np.sqrt(part["raw_err"].mean()),
                    "pooled_rmse": np.sqrt(part["pooled_err"].mean())})
    return pd.DataFrame(out)
