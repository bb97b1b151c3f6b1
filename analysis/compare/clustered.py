"""Groups of outlets: when the outlet, not the article, is the independent unit.

Articles of one outlet share its house style, so a comparison of *groups of outlets* (lean, owner,
country) that resamples articles treats 80 articles from one outlet as 80 independent pieces of
evidence about the group. The rate functions of :mod:`analysis.compare.rates` take ``cluster="outlet"``
to resample and permute whole outlets instead; this module holds the rule for when to do so by default
(:func:`is_coarser`) and the simulation that shows why (:func:`type1_study`): groups that do not differ,
outlets that do, and the share of tests that call the groups different at the 5% level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rates import pairwise_differences

__all__ = ["crosses", "is_coarser", "simulate_house_styles", "type1_study"]


def is_coarser(documents: pd.DataFrame, by: str, cluster: str = "outlet") -> bool:
    """True when every ``cluster`` value lies in one ``by`` group and there are fewer groups than clusters.

    That is when ``by`` groups clusters (``lean`` groups outlets) and a document-level comparison of
    ``by`` groups would treat the documents of one cluster as independent.

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"outlet": ["a", "a", "b", "c"], "lean": ["L", "L", "L", "R"]})
    >>> is_coarser(docs, "lean"), is_coarser(docs, "outlet")
    (True, False)
    """
    counted = _groups_per_cluster(documents, by, cluster)
    if counted is None:
        return False
    per_cluster, n_groups = counted
    return bool((per_cluster <= 1).all() and n_groups < len(per_cluster))


def crosses(documents: pd.DataFrame, by: str, cluster: str = "outlet") -> bool:
    """True when some ``cluster`` value has documents in two or more ``by`` groups (``by="year"``: an
    outlet writes in several years), so the groups do not nest the clusters.

    >>> import pandas as pd
    >>> docs = pd.DataFrame({"outlet": ["a", "a", "b"], "year": [2020, 2021, 2021], "lean": ["L", "L", "R"]})
    >>> crosses(docs, "year"), crosses(docs, "lean")
    (True, False)
    """
    counted = _groups_per_cluster(documents, by, cluster)
    return counted is not None and bool((counted[0] > 1).any())


def _groups_per_cluster(documents: pd.DataFrame, by: str, cluster: str) -> tuple[pd.Series, int] | None:
    """The number of ``by`` groups of each ``cluster`` value and the number of groups (rows missing
    either left out); None when there is nothing to count (the same column, a column absent, no
    complete row)."""
    if by == cluster or by not in documents.columns or cluster not in documents.columns:
        return None
    sub = documents[[by, cluster]].dropna()
    if sub.empty:
        return None
    return sub.groupby(cluster, sort=False)[by].nunique(), sub[by].nunique()


def simulate_house_styles(rng: np.random.Generator, n_groups: int = 2, outlets_per_group: int = 8,
                          mean_docs: float = 20.0, outlet_sd: float = 0.35, group_ratio: float = 1.0,
                          rate_per_1k: float = 8.0, doc_shape: float = 5.0) -> pd.DataFrame:
    """A Documents table of outlets with house styles nested in groups.

    Each outlet's log rate is the group's plus ``N(0, outlet_sd)``; its article count is
    ``1 + Poisson-gamma`` with mean ``mean_docs`` (a long tail: some outlets have one article, some many).
    Documents have 200-1,200 tokens and a negative binomial count (gamma shape ``doc_shape``). Group
    ``g`` has rate ``rate_per_1k * group_ratio ** g``: with ``group_ratio=1`` the groups do not differ.

    Returns
    -------
    DataFrame
        ``doc_id, outlet, group, n_tokens, hedging:count``.
    """
    rows = []
    for g in range(n_groups):
        group_rate = rate_per_1k / 1000 * group_ratio**g
        for o in range(outlets_per_group):
            style = np.exp(rng.normal(0.0, outlet_sd))
            n_docs = 1 + rng.poisson(rng.gamma(0.8, (mean_docs - 1) / 0.8))
            tokens = rng.integers(200, 1200, size=n_docs)
            mu = group_rate * style * tokens * rng.gamma(doc_shape, 1 / doc_shape, size=n_docs)
            counts = rng.poisson(mu)
            for t, c in zip(tokens, counts):
                rows.append((f"G{g}-O{o}", f"group{g}", int(t), int(c)))
    docs = pd.DataFrame(rows, columns=["outlet", "group", "n_tokens", "hedging:count"])
    docs.insert(0, "doc_id", [f"d{i}" for i in range(len(docs))])
    return docs


def type1_study(n_corpora: int = 200, seed: int = 0, n_resamples: int = 200, alpha: float = 0.05,
                **kwargs) -> pd.DataFrame:
    """How often a group test rejects at level ``alpha`` when the groups do not differ but outlets do.

    Every simulated corpus (:func:`simulate_house_styles` with ``kwargs``; by default two groups of 8
    outlets and no group difference) is compared with :func:`analysis.compare.rates.pairwise_differences`
    twice: resampling and permuting documents, and with ``cluster="outlet"``.

    Returns
    -------
    DataFrame
        One row per method (``document``, ``cluster: outlet``): ``corpora``, ``reject_p`` (share with a
        permutation p-value below ``alpha``), ``reject_ci`` (share whose interval excludes 0),
        ``mean_docs``, ``outlets_per_group``.
    """
    rng = np.random.default_rng(seed)
    hits = {None: [], "outlet": []}
    n_docs = []
    for i in range(n_corpora):
        docs = simulate_house_styles(rng, **kwargs)
        n_docs.append(len(docs))
        for cluster, found in hits.items():
            pw = pairwise_differences(docs, "hedging", by="group", n_resamples=n_resamples,
                                      n_permutations=n_resamples, correction=None, seed=i,
                                      method="percentile", cluster=cluster)
            row = pw.iloc[0]
            found.append((row["p_value"] < alpha, not (row["low"] <= 0 <= row["high"])))
    out = []
    for cluster, h in hits.items():
        arr = np.array(h, dtype=float)
        out.append({"method": "document" if cluster is None else f"cluster: {cluster}", "corpora": n_corpora,
                    "reject_p": float(arr[:, 0].mean()), "reject_ci": float(arr[:, 1].mean()),
                    "mean_docs": float(np.mean(n_docs)),
                    "outlets_per_group": kwargs.get("outlets_per_group", 8)})
    return pd.DataFrame(out)
