"""Story-matched comparison: group articles into stories and compare outlets on the *same* stories.

Outlet differences are confounded by story mix: an outlet that covered a strike's aftermath hedges
differently from one that covered the funeral, whatever its style. :func:`find_stories` groups articles
that tell the same event (the same story told by different outlets) and
:func:`story_matched_differences` compares two groups (outlets, or any grouping) only *within* the
stories both covered, beside the raw difference over all their articles.

Story rule (single-pass centroid clustering, as in topic detection and tracking):

1. Each article is represented by the TF-IDF vector (sublinear term frequency, English stop words out,
   words of three or more letters, at most ``max_features`` terms, rows L2-normalised) of its title and
   the first ``lead_words`` words of its text.
2. Articles are taken in date order (ties by ``doc_id``). An article joins the story whose centroid (the
   normalised sum of its articles' vectors) is most similar to it by cosine, if that similarity is at least
   ``threshold`` and the story's latest article is at most ``window_days`` days older; otherwise it starts a
   new story. Articles without a date are not matched: each is a story of its own (counted in the notes).

The rule is deterministic. What it cannot catch is in ``docs/comparing.md``: stories told with different
words (translation, paraphrase), follow-ups after a gap longer than the window, and different events that
share names and places within the window.

Examples
--------
>>> import pandas as pd
>>> corpus = pd.DataFrame({
...     "doc_id": ["a", "b", "c"], "outlet": ["X", "Y", "X"],
...     "date": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-03-01"]),
...     "title": ["Dam floodgates opened in valley", "Valley dam floodgates open", "Budget vote delayed"],
...     "text": ["The dam ...", "Floodgates of the dam ...", "The council budget ..."]})
>>> s, notes = find_stories(corpus, threshold=0.2)
>>> s.set_index("doc_id")["story_id"].tolist()
[0, 0, 1]
"""
from __future__ import annotations

import zlib
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import t as stats_t

__all__ = ["clustering_agreement", "find_stories", "story_matched_differences"]

COUNT_SUFFIX = ":count"


def _lead(texts: pd.Series, n_words: int) -> pd.Series:
    if n_words <= 0:
        return pd.Series([""] * len(texts), index=texts.index)
    return texts.fillna("").astype(str).str.split(n=n_words).str[:n_words].str.join(" ")


def find_stories(
    corpus: pd.DataFrame,
    threshold: float = 0.35,
    window_days: float = 3.0,
    lead_words: int = 60,
    max_features: int = 16384,
    top_terms: int = 5,
) -> tuple[pd.DataFrame, dict]:
    """Group articles into stories.

    Parameters
    ----------
    corpus : DataFrame
        Columns ``doc_id``, ``outlet`` and ``date`` (datetime, NaT allowed), and ``title`` and/or ``text``.
    threshold : float, default 0.35
        Least cosine similarity between an article and a story's centroid for the article to join it.
    window_days : float, default 3
        Largest gap (days) between an article and the latest article of the story it joins.
    lead_words : int, default 60
        Words of the text used beside the title (0: titles only).
    max_features : int, default 16384
        Vocabulary size of the TF-IDF representation.
    top_terms : int, default 5
        Terms listed per story (highest centroid weights).

    Returns
    -------
    stories : DataFrame
        One row per article, in the corpus order: ``doc_id, outlet, story_id`` (0, 1, ... in order of first
        article), ``story_size`` (articles), ``story_outlets`` (distinct outlets), ``story_start`` (date of
        its first article) and ``top_terms`` (space-separated).
    params : dict
        The parameters and counts (``n_stories``, ``n_multi_outlet``, ``n_undated``), for provenance.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    if window_days < 0:
        raise ValueError(f"window_days must be >= 0, got {window_days}")
    missing = [c for c in ("doc_id", "outlet", "date") if c not in corpus.columns]
    if missing:
        raise ValueError(f"the corpus table has no column(s) {missing}; available: {list(corpus.columns)}")
    if "title" not in corpus.columns and "text" not in corpus.columns:
        raise ValueError("find_stories needs a 'title' or a 'text' column")
    n = len(corpus)
    params = {"rule": "single-pass centroid clustering of TF-IDF(title + lead) in date order",
              "threshold": threshold, "window_days": window_days, "lead_words": lead_words,
              "max_features": max_features}
    if n == 0:
        empty = pd.DataFrame(columns=["doc_id", "outlet", "story_id", "story_size", "story_outlets",
                                      "story_start", "top_terms"])
        return empty, {**params, "n_stories": 0, "n_multi_outlet": 0, "n_undated": 0}
    title = corpus["title"].fillna("").astype(str) if "title" in corpus.columns else pd.Series([""] * n)
    lead = _lead(corpus["text"], lead_words) if "text" in corpus.columns else pd.Series([""] * n)
    docs = (title.to_numpy(dtype=object) + " " + lead.to_numpy(dtype=object)).tolist()
    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True, max_features=max_features,
                          token_pattern=r"(?u)\b[^\W\d_]{3,}\b", dtype=np.float32)
    try:
        X = vec.fit_transform(docs).tocsr()
    except ValueError:  # no word survives: every article its own story
        X = None
    dates = pd.to_datetime(corpus["date"], errors="coerce")
    days = ((dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy(dtype=float)
    order = np.lexsort((corpus["doc_id"].astype(str).to_numpy(), np.nan_to_num(days, nan=np.inf)))
    story = np.full(n, -1, dtype=np.int64)
    n_feat = X.shape[1] if X is not None else 0
    cap = 64
    cent = np.zeros((cap, max(n_feat, 1)), dtype=np.float32)  # centroid sums of active stories
    norm2 = np.zeros(cap)
    last = np.zeros(cap)
    sid = np.zeros(cap, dtype=np.int64)
    n_active = 0
    next_id = 0
    sums = {}  # story id -> centroid sum (sparse index -> weight), for the top terms
    for i in order:
        d = days[i]
        row = X[i] if X is not None else None
        if np.isnan(d) or row is None or row.nnz == 0:
            story[i] = next_id
            next_id += 1
            continue
        # retire stories whose latest article is older than the window
        if n_active:
            alive = last[:n_active] >= d - window_days
            if not alive.all():
                k = int(alive.sum())
                cent[:k] = cent[:n_active][alive]
                norm2[:k] = norm2[:n_active][alive]
                last[:k] = last[:n_active][alive]
                sid[:k] = sid[:n_active][alive]
                n_active = k
        idx, val = row.indices, row.data
        best = -1
        if n_active:
            dots = cent[:n_active][:, idx] @ val
            sims = dots / np.sqrt(np.maximum(norm2[:n_active], 1e-12))
            j = int(np.argmax(sims))
            if sims[j] >= threshold:
                best = j
        if best < 0:
            if n_active == cap:
                cap *= 2
                cent = np.concatenate([cent, np.zeros_like(cent)])
                norm2, last, sid = (np.concatenate([a, np.zeros_like(a)]) for a in (norm2, last, sid))
            best = n_active
            n_active += 1
            cent[best] = 0
            norm2[best] = 0
            sid[best] = next_id
            next_id += 1
            dots_best = 0.0
        else:
            dots_best = float(cent[best, idx] @ val)
        norm2[best] += 2 * dots_best + float(val @ val)
        cent[best, idx] += val
        last[best] = max(last[best], d)
        story[i] = sid[best]
        acc = sums.setdefault(int(sid[best]), {})
        for a, v in zip(idx.tolist(), val.tolist()):
            acc[a] = acc.get(a, 0.0) + v
    # renumber stories in order of their first article (date order) so ids are stable and readable
    first_pos = {}
    for pos, i in enumerate(order):
        first_pos.setdefault(int(story[i]), pos)
    renum = {s: k for k, s in enumerate(sorted(first_pos, key=first_pos.get))}
    story_id = np.array([renum[int(s)] for s in story], dtype=np.int64)
    vocab = vec.get_feature_names_out() if X is not None else np.array([], dtype=object)
    terms = {}
    for s, acc in sums.items():
        top = sorted(acc.items(), key=lambda kv: (-kv[1], kv[0]))[:top_terms]
        terms[renum[s]] = " ".join(str(vocab[a]) for a, _ in top)
    out = pd.DataFrame({"doc_id": corpus["doc_id"].to_numpy(), "outlet": corpus["outlet"].to_numpy(),
                        "story_id": story_id})
    out["story_size"] = out.groupby("story_id")["doc_id"].transform("size").astype(np.int64)
    out["story_outlets"] = out.groupby("story_id")["outlet"].transform("nunique").astype(np.int64)
    out["story_start"] = pd.Series(dates.to_numpy()).groupby(story_id).transform("min").to_numpy()
    out["top_terms"] = [terms.get(s, "") for s in story_id]
    per_story = out.drop_duplicates("story_id")
    params.update({"n_stories": len(per_story),
                   "n_multi_outlet": int((per_story["story_outlets"] >= 2).sum()),
                   "n_undated": int(np.isnan(days).sum())})
    return out, params


def clustering_agreement(true_labels: Sequence, found_labels: Sequence) -> dict:
    """Purity, inverse purity, homogeneity, completeness and V-measure of a clustering against the truth.

    Purity: share of articles whose found story's most common true story is theirs; completeness
    (``sklearn.metrics``): how far each true story stays in one found story.
    """
    from sklearn.metrics import homogeneity_completeness_v_measure

    t = pd.Series(np.asarray(true_labels)).astype(str).to_numpy()
    f = pd.Series(np.asarray(found_labels)).astype(str).to_numpy()
    tab = pd.crosstab(f, t)
    purity = float(tab.max(axis=1).sum() / len(t))
    inverse = float(tab.max(axis=0).sum() / len(t))
    h, c, v = homogeneity_completeness_v_measure(t, f)
    return {"purity": purity, "inverse_purity": inverse, "homogeneity": float(h), "completeness": float(c),
            "v_measure": float(v), "n": len(t)}


def _rates(y, t):
    return np.divide(y, t, out=np.full(np.shape(y), np.nan), where=np.asarray(t) > 0) * 1000


def story_matched_differences(
    documents: pd.DataFrame,
    stories: pd.DataFrame,
    categories: str | Sequence[str] | None = None,
    by: str = "outlet",
    pairs: Sequence[tuple] | None = None,
    max_groups: int = 10,
    n_resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    min_shared: int = 2,
    token_col: str = "n_tokens",
) -> pd.DataFrame:
    """Raw and story-adjusted differences in rate (per 1,000 tokens) between pairs of groups.

    The raw difference is ``rate_a - rate_b`` over all articles of the two groups, with a two-sample
    document bootstrap interval. The story-adjusted difference uses only the stories both groups covered:
    within each shared story ``s`` the contrast ``d_s = rate_a,s - rate_b,s``, averaged with weights
    ``w_s = T_a,s T_b,s / (T_a,s + T_b,s)`` (tokens), so a story counts by how much both groups wrote about
    it. Stories are the independent units of its interval: a cluster-robust (sandwich) standard error over
    the ``G`` shared stories with the small-sample factor ``G / (G - 1)`` and a t interval with ``G - 1``
    degrees of freedom (a percentile bootstrap over so few stories was too narrow in simulation). With
    fewer than ``min_shared`` shared stories the adjusted difference is NaN and ``note`` says why; the pair
    is kept.

    Parameters
    ----------
    documents : DataFrame
        Documents table: ``doc_id``, ``n_tokens``, ``c:count`` columns and the grouping column ``by``.
    stories : DataFrame
        :func:`find_stories` output (``doc_id``, ``story_id``).
    categories : str or list of str, optional
        Categories (default: every ``c:count`` column).
    by : str, default "outlet"
        Grouping column (an outlet, or a coarser column such as lean).
    pairs : list of (a, b), optional
        Pairs to compare; default: every pair among the ``max_groups`` groups with the most documents.
    n_resamples, confidence, seed
        Bootstrap settings; the same seed gives the same intervals.
    min_shared : int, default 2
        Least number of shared stories for an adjusted difference.

    Returns
    -------
    DataFrame
        ``group_a, group_b, category, n_docs_a, n_docs_b, raw_diff, raw_low, raw_high, shared_stories,
        shared_docs_a, shared_docs_b, story_diff, story_low, story_high, note``.
    """
    for col in ("doc_id", token_col, by):
        if col not in documents.columns:
            raise ValueError(f"the documents table has no column {col!r}")
    if not {"doc_id", "story_id"} <= set(stories.columns):
        raise ValueError("stories must have columns 'doc_id' and 'story_id' (see find_stories)")
    available = [c[: -len(COUNT_SUFFIX)] for c in documents.columns if str(c).endswith(COUNT_SUFFIX)]
    if categories is None:
        cats = available
    else:
        cats = [categories] if isinstance(categories, str) else list(categories)
        bad = [c for c in cats if c not in available]
        if bad:
            raise ValueError(f"unknown category {bad[0]!r}; available categories: {available}")
    docs = documents.drop(columns=["story_id"], errors="ignore").merge(stories[["doc_id", "story_id"]], on="doc_id", how="left", validate="one_to_one")
    if docs["story_id"].isna().any():
        raise ValueError(f"{int(docs['story_id'].isna().sum())} document(s) have no story: run find_stories "
                         "on the same corpus")
    docs = docs[docs[by].notna()]
    sizes = docs.groupby(by).size().sort_values(ascending=False, kind="stable")
    if pairs is None:
        top = sorted(sizes.index[:max_groups], key=str)
        pairs = [(a, b) for i, a in enumerate(top) for b in top[i + 1:]]
    else:
        unknown = [g for p in pairs for g in p if g not in sizes.index]
        if unknown:
            raise ValueError(f"unknown {by} {unknown[0]!r} in pairs; known: {sorted(map(str, sizes.index))[:20]}")
    lo_q, hi_q = 100 * (1 - confidence) / 2, 100 * (1 + confidence) / 2
    rows = []
    for a, b in pairs:
        da, db = docs[docs[by] == a], docs[docs[by] == b]
        rng = np.random.default_rng([int(seed), zlib.crc32(repr((a, b)).encode("utf-8"))])
        ta, tb = da[token_col].to_numpy(float), db[token_col].to_numpy(float)
        wa = rng.poisson(1.0, size=(n_resamples, len(da))) if len(da) >= 2 else None
        wb = rng.poisson(1.0, size=(n_resamples, len(db))) if len(db) >= 2 else None
        sa = da.groupby("story_id")[token_col].sum()
        sb = db.groupby("story_id")[token_col].sum()
        shared = sorted(set(sa.index) & set(sb.index))
        for cat in cats:
            ya, yb = da[cat + COUNT_SUFFIX].to_numpy(float), db[cat + COUNT_SUFFIX].to_numpy(float)
            raw = float(_rates(ya.sum(), ta.sum()) - _rates(yb.sum(), tb.sum()))
            note = []
            if wa is not None and wb is not None:
                boot = _rates(wa @ ya, wa @ ta) - _rates(wb @ yb, wb @ tb)
                raw_lo, raw_hi = np.nanpercentile(boot, [lo_q, hi_q])
            else:
                raw_lo = raw_hi = np.nan
                note.append("a group has one document: no raw interval")
            row = {"group_a": a, "group_b": b, "category": cat, "n_docs_a": len(da), "n_docs_b": len(db),
                   "raw_diff": raw, "raw_low": raw_lo, "raw_high": raw_hi, "shared_stories": len(shared),
                   "shared_docs_a": int(da["story_id"].isin(shared).sum()),
                   "shared_docs_b": int(db["story_id"].isin(shared).sum())}
            if len(shared) >= min_shared:
                ca = da.groupby("story_id")[cat + COUNT_SUFFIX].sum().loc[shared].to_numpy(float)
                cb = db.groupby("story_id")[cat + COUNT_SUFFIX].sum().loc[shared].to_numpy(float)
                Ta, Tb = sa.loc[shared].to_numpy(float), sb.loc[shared].to_numpy(float)
                d = _rates(ca, Ta) - _rates(cb, Tb)
                w = np.where((Ta > 0) & (Tb > 0), Ta * Tb / np.maximum(Ta + Tb, 1e-12), 0.0)
                d = np.nan_to_num(d)
                est = float(w @ d / w.sum()) if w.sum() > 0 else np.nan
                # stories are the independent units: a cluster-robust (sandwich) standard error of the
                # weighted mean over G shared stories with the small-sample factor G / (G - 1), and a
                # t interval with G - 1 degrees of freedom
                G = int((w > 0).sum())
                if G >= 2:
                    se = float(np.sqrt(np.sum(w**2 * (d - est) ** 2) / w.sum() ** 2 * G / (G - 1)))
                    q = float(stats_t.ppf((1 + confidence) / 2, G - 1))
                    s_lo, s_hi = est - q * se, est + q * se
                else:
                    s_lo = s_hi = np.nan
                row.update({"story_diff": est, "story_low": s_lo, "story_high": s_hi})
            else:
                row.update({"story_diff": np.nan, "story_low": np.nan, "story_high": np.nan})
                note.append(f"{len(shared)} shared stor{'y' if len(shared) == 1 else 'ies'} "
                            f"(fewer than {min_shared}): no story-adjusted difference")
            row["note"] = "; ".join(note)
            rows.append(row)
    cols = ["group_a", "group_b", "category", "n_docs_a", "n_docs_b", "raw_diff", "raw_low", "raw_high",
            "shared_stories", "shared_docs_a", "shared_docs_b", "story_diff", "story_low", "story_high", "note"]
    return pd.DataFrame(rows, columns=cols)
