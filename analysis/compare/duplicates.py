"""Syndication and near-duplicates: find wire copy and near-identical articles across outlets.

Outlets reprint the same AP or Reuters story, sometimes lightly edited; counted as separate
documents, one wire story can make two outlets look alike (or one outlet look hedgier than it is).
:func:`near_duplicates` finds clusters of near-identical documents with MinHash LSH (numpy, all
documents at once) on word shingles, confirms each candidate pair with the exact Jaccard similarity of the shingle sets,
and reports the clusters as a tidy table. :func:`deduplicate` then lets any comparison run with
duplicates removed (one document kept per cluster, chosen deterministically) or weighted
(1 / cluster size, for the ``weights`` argument of :mod:`analysis.compare.rates`).
:func:`duplicate_agreement` checks the detector against a metadata column such as PolNeAR's ``wire``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analysis.compare.rates import _require_columns

__all__ = ["deduplicate", "duplicate_agreement", "fast_word_tokens", "near_duplicates", "shingles"]

CLUSTER_COLUMNS = [
    "cluster_id",
    "doc_id",
    "outlet",
    "date",
    "cluster_size",
    "n_outlets",
    "outlets",
    "multi_outlet",
    "similarity",
    "cluster_min_similarity",
    "representative",
]


def shingles(tokens: Sequence[str], size: int = 5) -> set[str]:
    """Word shingles (``size`` consecutive tokens joined by a space) of a token sequence.

    A document shorter than ``size`` tokens gives one shingle (all its tokens); an empty one none.

    Examples
    --------
    >>> sorted(shingles("a b c d".split(), size=3))
    ['a b c', 'b c d']
    >>> shingles(["short"], size=3)
    {'short'}
    """
    if size < 1:
        raise ValueError(f"shingle size must be at least 1, got {size}")
    tokens = list(tokens)
    if not tokens:
        return set()
    if len(tokens) < size:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


_WORD = re.compile(r"\w+(?:['\u2019]\w+)*")
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                  0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
                 dtype=np.uint64)


def fast_word_tokens(text: str) -> list[str]:
    """Lower-cased ``\\w+`` words (inner apostrophes kept): the default tokens of :func:`near_duplicates`.

    >>> fast_word_tokens("It's the AP's story, again.")
    ["it's", 'the', "ap's", 'story', 'again']
    """
    return _WORD.findall(text.lower())


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads the bits of uint64 values (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def _token_hash(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def _shingle_sets(texts, size: int, tokenizer) -> tuple[np.ndarray, np.ndarray]:
    """Every document's set of shingle hashes, CSR style: ``(offsets, hashes)``, each set sorted.

    A shingle is ``size`` consecutive tokens; its 64-bit hash combines the tokens' blake2b hashes with
    position-dependent odd multipliers, so equal shingles hash equally in every document and run. A
    document shorter than ``size`` tokens has one shingle (all its tokens), an empty one none.
    """
    if size > len(_MULT):
        raise ValueError(f"shingle size must be at most {len(_MULT)}, got {size}")
    vocab: dict[str, int] = {}
    offsets = [0]
    parts = []
    for text in texts:
        toks = tokenizer("" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text))
        ids = []
        for t in toks:
            v = vocab.get(t)
            if v is None:
                v = vocab[t] = _token_hash(t)
            ids.append(v)
        h = np.array(ids, dtype=np.uint64)
        n = len(h)
        if n == 0:
            sh = h
        elif n < size:
            sh = _mix(np.array([np.sum(h * _MULT[:n], dtype=np.uint64)], dtype=np.uint64))
        else:
            acc = np.zeros(n - size + 1, dtype=np.uint64)
            for j in range(size):
                acc += h[j:n - size + 1 + j] * _MULT[j]
            sh = np.unique(_mix(acc))
        parts.append(sh)
        offsets.append(offsets[-1] + len(sh))
    hashes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint64)
    return np.asarray(offsets, dtype=np.int64), hashes


def _band_params(threshold: float, num_perm: int, weights=(0.2, 0.8)) -> tuple[int, int]:
    """Bands and rows minimising the weighted false positive and negative areas (as datasketch does)."""
    xs = np.linspace(0, 1, 201)

    def prob(b, r):
        return 1 - (1 - xs**r) ** b

    best, best_err = (1, num_perm), np.inf
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            p = prob(b, r)
            fp = np.trapezoid(np.where(xs < threshold, p, 0), xs)
            fn = np.trapezoid(np.where(xs >= threshold, 1 - p, 0), xs)
            err = weights[0] * fp + weights[1] * fn
            if err < best_err:
                best, best_err = (b, r), err
    return best


def _minhash(offsets: np.ndarray, hashes: np.ndarray, num_perm: int, seed: int, docs: np.ndarray) -> np.ndarray:
    """(len(docs), num_perm) MinHash signatures of the non-empty sets ``docs``.

    Shingle hashes are already well mixed (:func:`_mix`), so permutation ``i`` is the bijection
    ``x * a_i + b_i`` modulo 2^64 (odd ``a_i``), drawn from ``seed``.
    """
    rng = np.random.default_rng(seed)
    mults = rng.integers(0, 2**63, size=num_perm, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    adds = rng.integers(0, 2**63, size=num_perm, dtype=np.int64).astype(np.uint64)
    sig = np.empty((len(docs), num_perm), dtype=np.uint64)
    starts = offsets[docs]
    ends = offsets[docs + 1]
    step = 4000
    for c in range(0, len(docs), step):
        s0, s1 = starts[c:c + step], ends[c:c + step]
        idx = np.concatenate([np.arange(a, b) for a, b in zip(s0, s1)])
        vals = hashes[idx]
        local = np.concatenate([[0], np.cumsum(s1 - s0)[:-1]])
        for p0 in range(0, num_perm, 16):
            block = vals[None, :] * mults[p0:p0 + 16, None] + adds[p0:p0 + 16, None]
            sig[c:c + step, p0:p0 + 16] = np.minimum.reduceat(block, local, axis=1).T
    return sig


def _candidate_pairs(sig: np.ndarray, bands: int, rows: int, max_bucket: int = 50) -> set[tuple[int, int]]:
    """Pairs (positions in ``sig``) sharing all ``rows`` values of at least one band.

    A bucket of more than ``max_bucket`` documents contributes a chain (each member with the next) and a
    star (each with the first) instead of all its pairs: enough for its connected component, without a
    quadratic number of checks when many copies of one text are present.
    """
    pairs: set[tuple[int, int]] = set()
    n = sig.shape[0]
    for b in range(bands):
        band = sig[:, b * rows:(b + 1) * rows]
        key = band[:, 0].copy()
        for j in range(1, rows):
            key = _mix(key ^ band[:, j])
        order = np.argsort(key, kind="stable")
        sk = key[order]
        cut = np.flatnonzero(np.diff(sk) != 0) + 1
        for grp in np.split(order, cut):
            if len(grp) < 2:
                continue
            grp = np.sort(grp)
            if len(grp) <= max_bucket:
                for x in range(len(grp)):
                    for y in range(x + 1, len(grp)):
                        pairs.add((int(grp[x]), int(grp[y])))
            else:
                for x in range(1, len(grp)):
                    pairs.add((int(grp[0]), int(grp[x])))
                    pairs.add((int(grp[x - 1]), int(grp[x])))
    del n
    return pairs


def _representative_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort so the representative of each cluster comes first: earliest date (unknown last), then doc_id."""
    key = frame.assign(
        _date=pd.to_datetime(frame["date"]) if "date" in frame.columns else pd.NaT,
        _id=frame["doc_id"].astype(str),
    )
    return key.sort_values(["_date", "_id"], na_position="last", kind="mergesort")


def near_duplicates(
    corpus: pd.DataFrame,
    threshold: float = 0.8,
    num_perm: int = 128,
    shingle: int = 5,
    seed: int = 1,
    tokenizer: Callable[[str], list[str]] | None = None,
    lsh_threshold: float | None = None,
) -> pd.DataFrame:
    """Clusters of near-identical documents (wire copy, reprints, light rewrites).

    Each document becomes the set of its word shingles (64-bit hashes of ``shingle`` consecutive
    lower-cased words); MinHash signatures (``num_perm`` permutations, ``seed``), computed with numpy
    over all documents at once, are cut into bands (bands and rows chosen, as datasketch does, to
    minimise 0.2 x false positives + 0.8 x false negatives around ``lsh_threshold``); documents that
    share a band are candidates, and a candidate pair is kept only if the *exact* Jaccard similarity of
    the two shingle sets is at least ``threshold``. The index is deliberately looser than
    ``threshold`` (see ``lsh_threshold``) so that pairs at or just above it are found; the exact check
    removes the extra candidates. Clusters are the connected components of the kept pairs (single
    linkage: A~B and B~C put A and C together even if they are less alike; ``cluster_min_similarity``
    shows the weakest link). 40,000 articles of 1,000 words take seconds, not minutes
    (``benchmarks/compare_scale.py``); earlier versions used ``datasketch`` and the project tokenizer,
    and found the same clusters on the test corpora.

    Parameters
    ----------
    corpus : DataFrame
        Corpus table: ``doc_id``, ``outlet``, ``text`` (``date`` used to pick representatives if present).
    threshold : float, default 0.8
        Jaccard similarity of shingle sets above which two documents are duplicates.
    num_perm : int, default 128
        MinHash permutations.
    shingle : int, default 5
        Words per shingle.
    seed : int, default 1
        MinHash seed (the result is deterministic for a given seed).
    tokenizer : callable, optional
        ``text -> list[str]``; default :func:`fast_word_tokens` (lower-cased ``\\w+`` words).
    lsh_threshold : float, optional
        Threshold of the candidate index (built with recall-weighted ``weights=(0.2, 0.8)``). Default
        ``max(threshold - 0.15, 0.05)``.

    Returns
    -------
    DataFrame
        One row per document that belongs to a cluster of two or more (singletons are not listed):
        ``cluster_id`` (0, 1, ... ordered by the clusters' smallest doc_id), ``doc_id, outlet, date,
        cluster_size, n_outlets, outlets`` (sorted, comma-separated), ``multi_outlet`` (cluster spans
        several outlets), ``similarity`` (the document's highest Jaccard similarity to another member),
        ``cluster_min_similarity`` and ``representative`` (the document kept by
        ``deduplicate(how="remove")``: earliest date, then smallest doc_id).

    Examples
    --------
    >>> import pandas as pd
    >>> text = "the officials said the attack could come within days according to reports"
    >>> corpus = pd.DataFrame({"doc_id": ["a", "b", "c"], "outlet": ["X", "Y", "X"],
    ...                        "text": [text, text + " today", "an unrelated story about the weather"]})
    >>> clusters = near_duplicates(corpus, threshold=0.7, shingle=3, tokenizer=str.split)
    >>> clusters[["doc_id", "cluster_id"]].to_dict("records")
    [{'doc_id': 'a', 'cluster_id': 0}, {'doc_id': 'b', 'cluster_id': 0}]
    """
    _require_columns(corpus, ["doc_id", "outlet", "text"], "corpus")
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}")
    if corpus["doc_id"].duplicated().any():
        dup = corpus.loc[corpus["doc_id"].duplicated(), "doc_id"].iloc[0]
        raise ValueError(f"doc_id must be unique in the corpus; {dup!r} occurs more than once")
    if shingle < 1:
        raise ValueError(f"shingle size must be at least 1, got {shingle}")
    if lsh_threshold is None:
        lsh_threshold = max(threshold - 0.15, 0.05)
    if not 0 < lsh_threshold <= threshold:
        raise ValueError(f"lsh_threshold must be in (0, threshold], got {lsh_threshold!r}")
    tok = tokenizer or fast_word_tokens
    docs = corpus.reset_index(drop=True)
    offsets, hashes = _shingle_sets(docs["text"].tolist(), shingle, tok)
    sizes = np.diff(offsets)
    nonempty = np.flatnonzero(sizes > 0)
    edges: dict[tuple[int, int], float] = {}
    if len(nonempty) >= 2:
        sig = _minhash(offsets, hashes, num_perm, seed, nonempty)
        bands, rows = _band_params(lsh_threshold, num_perm)
        for pi, pj in sorted(_candidate_pairs(sig, bands, rows)):
            i, j = int(nonempty[pi]), int(nonempty[pj])
            a = hashes[offsets[i]:offsets[i + 1]]
            b = hashes[offsets[j]:offsets[j + 1]]
            inter = len(np.intersect1d(a, b, assume_unique=True))
            jac = inter / (len(a) + len(b) - inter)
            if jac >= threshold:
                edges[(i, j)] = jac
    if not edges:
        return pd.DataFrame(columns=CLUSTER_COLUMNS)
    pairs = np.array(list(edges), dtype=int)
    n = len(docs)
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    best = np.zeros(n)
    for (i, j), jac in edges.items():
        best[i] = max(best[i], jac)
        best[j] = max(best[j], jac)
    weakest: dict[int, float] = {}
    for (i, _j), jac in edges.items():
        weakest[comp[i]] = min(weakest.get(comp[i], 1.0), jac)
    members = pd.DataFrame(
        {
            "component": comp,
            "doc_id": docs["doc_id"],
            "outlet": docs["outlet"],
            "date": pd.to_datetime(docs["date"]) if "date" in docs.columns else pd.NaT,
            "similarity": best,
        }
    )
    sizes = members.groupby("component")["doc_id"].transform("size")
    members = members[sizes >= 2].copy()
    # deterministic ids: clusters ordered by their smallest doc_id
    first_id = members.groupby("component")["doc_id"].transform(lambda s: min(map(str, s)))
    order = sorted(set(first_id))
    members["cluster_id"] = first_id.map({v: k for k, v in enumerate(order)}).astype(int)
    members["cluster_size"] = members.groupby("cluster_id")["doc_id"].transform("size")
    outlets = members.groupby("cluster_id")["outlet"].agg(lambda s: sorted(set(map(str, s))))
    members["n_outlets"] = members["cluster_id"].map(outlets.map(len)).astype(int)
    members["outlets"] = members["cluster_id"].map(outlets.map(", ".join))
    members["multi_outlet"] = members["n_outlets"] >= 2
    members["cluster_min_similarity"] = members["component"].map(weakest)
    ordered = _representative_order(members)
    reps = set(ordered.drop_duplicates("cluster_id")["doc_id"])
    members["representative"] = members["doc_id"].isin(reps)
    members = members.sort_values(["cluster_id", "doc_id"], kind="mergesort").reset_index(drop=True)
    return members[CLUSTER_COLUMNS]


def deduplicate(
    documents: pd.DataFrame,
    clusters: pd.DataFrame,
    how: str = "remove",
    weight_col: str = "weight",
) -> pd.DataFrame:
    """Documents table with near-duplicates removed or down-weighted.

    Parameters
    ----------
    documents : DataFrame
        Documents (or Corpus) table with ``doc_id`` (``date`` used to choose the kept document).
    clusters : DataFrame
        Output of :func:`near_duplicates` (``cluster_id, doc_id`` at least).
    how : {"remove", "weight"}, default "remove"
        ``"remove"``: keep one document per cluster — among the members present in ``documents``,
        the earliest dated, then the smallest doc_id (the same rule as the ``representative`` column),
        so the choice is deterministic. ``"weight"``: keep every document and add ``weight_col``
        = 1 / (number of the cluster's members present), 1 for documents in no cluster; pass
        ``weights=weight_col`` to :func:`analysis.compare.rates.group_rates` and friends.
    weight_col : str, default "weight"

    Returns
    -------
    DataFrame
        A new table; ``attrs["deduplication"]`` records what was done.

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": ["a", "b", "c"], "n_tokens": [10, 10, 10]})
    >>> clusters = pd.DataFrame({"cluster_id": [0, 0], "doc_id": ["a", "b"]})
    >>> deduplicate(docs, clusters)["doc_id"].tolist()
    ['a', 'c']
    >>> deduplicate(docs, clusters, how="weight")["weight"].tolist()
    [0.5, 0.5, 1.0]
    """
    if how not in ("remove", "weight"):
        raise ValueError(f"how must be 'remove' or 'weight', got {how!r}")
    _require_columns(documents, ["doc_id"], "documents")
    _require_columns(clusters, ["cluster_id", "doc_id"], "clusters")
    cluster_of = clusters.drop_duplicates("doc_id").set_index("doc_id")["cluster_id"]
    present = documents[["doc_id"] + (["date"] if "date" in documents.columns else [])].copy()
    present["cluster_id"] = present["doc_id"].map(cluster_of)
    in_cluster = present["cluster_id"].notna()
    out = documents.copy()
    if how == "remove":
        ordered = _representative_order(present[in_cluster])
        keep_ids = set(ordered.drop_duplicates("cluster_id")["doc_id"])
        drop = in_cluster & ~present["doc_id"].isin(keep_ids)
        out = out[~drop.to_numpy()].copy()
        out.attrs["deduplication"] = {
            "how": "remove",
            "removed": int(drop.sum()),
            "rule": "one per cluster: earliest date, then smallest doc_id",
        }
    else:
        if weight_col in out.columns:
            raise ValueError(
                f"documents already has a column {weight_col!r}; choose another weight_col"
            )
        size = present.groupby("cluster_id")["doc_id"].transform("size")
        out[weight_col] = np.where(
            in_cluster.to_numpy(), 1.0 / size.reindex(present.index).to_numpy(), 1.0
        )
        out.attrs["deduplication"] = {
            "how": "weight",
            "column": weight_col,
            "rule": "1 / number of cluster members present",
        }
    return out


_MISSING_WIRE = ("", "none", "null", "nan")


def duplicate_agreement(
    clusters: pd.DataFrame,
    corpus: pd.DataFrame,
    wire_col: str = "wire",
    unknown_values: Sequence[str] = ("NA",),
    exclude_outlets: Sequence[str] = (),
    scope: str = "multi_outlet",
) -> pd.DataFrame:
    """Precision and recall of 'in a multi-outlet cluster' against 'the wire column names an agency'.

    A document counts as detected when it belongs to a cluster spanning two or more outlets
    (``scope="multi_outlet"``) or to any cluster (``scope="any"``); as wire copy when ``wire_col``
    holds a value (AP, Reuters, ...) rather than None/NaN/empty/"None". Values in ``unknown_values``
    mean the source did not record it (PolNeAR's metadata.tsv writes "NA" for every West Journal
    article) and are left out, as are documents of ``exclude_outlets`` (use this when a loader has
    already turned "NA" into a missing value, e.g. ``exclude_outlets=["west-journal"]``).

    The wire column marks *syndicated* articles, not *duplicated* ones: a wire story that only one
    outlet in the corpus ran cannot be found by cross-outlet matching (PolNeAR samples articles per
    outlet, and none of its 75 wire articles has a copy in another outlet), and reprints of an
    outlet's own story are duplicates without a wire credit. Read the result with that in mind.

    Parameters
    ----------
    clusters : DataFrame
        Output of :func:`near_duplicates`.
    corpus : DataFrame
        Corpus table with ``doc_id`` and ``wire_col`` (and ``outlet`` for ``exclude_outlets``).
    wire_col : str, default "wire"
    unknown_values : sequence of str, default ("NA",)
    exclude_outlets : sequence of str, default ()
    scope : {"multi_outlet", "any"}, default "multi_outlet"

    Returns
    -------
    DataFrame
        One row: ``documents`` (evaluated), ``unknown`` (left out), ``true_positive, false_positive,
        false_negative, true_negative, precision, recall, f1`` (NaN where undefined).

    Examples
    --------
    >>> import pandas as pd
    >>> corpus = pd.DataFrame({"doc_id": ["a", "b", "c"], "wire": ["AP", "AP", None]})
    >>> clusters = pd.DataFrame({"cluster_id": [0, 0], "doc_id": ["a", "b"],
    ...                          "multi_outlet": [True, True]})
    >>> duplicate_agreement(clusters, corpus)[["precision", "recall"]].to_dict("records")
    [{'precision': 1.0, 'recall': 1.0}]
    """
    if scope not in ("multi_outlet", "any"):
        raise ValueError(f"scope must be 'multi_outlet' or 'any', got {scope!r}")
    _require_columns(corpus, ["doc_id", wire_col], "corpus")
    _require_columns(clusters, ["doc_id"], "clusters")
    if scope == "any":
        detected_ids = set(clusters["doc_id"])
    elif "multi_outlet" in clusters.columns:
        detected_ids = set(clusters.loc[clusters["multi_outlet"].astype(bool), "doc_id"])
    else:
        _require_columns(clusters, ["n_outlets"], "clusters")
        detected_ids = set(clusters.loc[clusters["n_outlets"] >= 2, "doc_id"])
    wire = corpus[wire_col]
    text = wire.astype("string").str.strip()
    unknown = text.isin(list(unknown_values)).fillna(False).to_numpy(dtype=bool)
    if len(exclude_outlets):
        _require_columns(corpus, ["outlet"], "corpus")
        unknown = unknown | corpus["outlet"].isin(list(exclude_outlets)).to_numpy(dtype=bool)
    is_wire = (~(wire.isna() | text.str.lower().isin(_MISSING_WIRE).fillna(True))).to_numpy(
        dtype=bool
    )
    detected = corpus["doc_id"].isin(detected_ids).to_numpy()
    keep = ~unknown
    t, d = is_wire[keep], detected[keep]
    tp, fp = int((t & d).sum()), int((~t & d).sum())
    fn, tn = int((t & ~d).sum()), int((~t & ~d).sum())
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    if np.isfinite(precision) and np.isfinite(recall):
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    else:
        f1 = float("nan")
    return pd.DataFrame(
        [
            {
                "documents": int(keep.sum()),
                "unknown": int(unknown.sum()),
                "true_positive": tp,
                "false_positive": fp,
                "false_negative": fn,
                "true_negative": tn,
                "precision": precision,
                "recall": recall,
                "f1": f1,
            }
        ]
    )
