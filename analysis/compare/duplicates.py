"""Syndication and near-duplicates: find wire copy and near-identical articles across outlets.

Outlets reprint the same AP or Reuters story, sometimes lightly edited; counted as separate
documents, one wire story can make two outlets look alike (or one outlet look hedgier than it is).
:func:`near_duplicates` finds clusters of near-identical documents with one-permutation MinHash LSH
(numpy, batches of documents) on word shingles, confirms each candidate pair with the exact Jaccard similarity of the shingle sets,
and reports the clusters as a tidy table. :func:`deduplicate` then lets any comparison run with
duplicates removed (one document kept per cluster, chosen deterministically) or weighted
(1 / cluster size, for the ``weights`` argument of :mod:`analysis.compare.rates`).
:func:`duplicate_agreement` checks the detector against a metadata column such as PolNeAR's ``wire``.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from analysis.compare.columns import require_columns as _require_columns

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
_WORD_CHAR = re.compile(r"\w")
_MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                  0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
                 dtype=np.uint64)
_APOSTROPHES = (0x27, 0x2019)
_SEPARATOR = "\x01"  # between the documents of a batch: neither a word character nor an apostrophe
_BATCH_CHARS = 4_000_000  # code points per shingling batch (about 100 MB of temporary arrays)


def fast_word_tokens(text: str) -> list[str]:
    """Lower-cased ``\\w+`` words (inner apostrophes kept): the default tokens of :func:`near_duplicates`.

    :func:`near_duplicates` finds the same tokens without calling this function (numpy over the code
    points of many documents at once); a test pins the two against each other.

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


_POLY = 0x100000001B3  # odd base of the polynomial token hash (modulo 2**64)
_POLY_INV = pow(_POLY, -1, 2**64)
_PYTHON_LOWER = (0x130, 0x3A3)  # lower() maps these to two characters or by context (final sigma)


@functools.lru_cache(maxsize=1)
def _tables() -> dict:
    """Per code point 0-0xFFFF: its lower case, whether that is a ``\\w`` character, a random 64-bit
    value, and the last two composed with lower-casing (built once, about 20 ms)."""
    chars = [chr(c) for c in range(0x10000)]
    lower = np.array([ord(lo) if len(lo := ch.lower()) == 1 else c for c, ch in enumerate(chars)],
                     dtype=np.uint32)
    word = np.zeros(0x10000, dtype=bool)
    word[[m.start() for m in _WORD_CHAR.finditer("".join(chars))]] = True
    value = _mix(np.arange(0x10000, dtype=np.uint64) * _MULT[2] + _MULT[3])
    python_lower = np.isin(np.arange(0x10000), _PYTHON_LOWER)
    return {"lower": lower, "value": value, "value_of_lower": value[lower],
            # bit 0: a \\w character; bit 1: lower() of this character needs Python
            "flags": word.astype(np.uint8), "flags_of_lower": word[lower] | (python_lower.astype(np.uint8) << 1)}


def _astral(cps: np.ndarray, lower: bool) -> tuple[np.ndarray, np.ndarray, bool]:
    """(word flags, values, exact) of code points above 0xFFFF, lower-cased first if ``lower``;
    ``exact`` is False when one of them lower-cases to several characters."""
    uniq, inv = np.unique(cps, return_inverse=True)
    chars = [chr(int(c)).lower() if lower else chr(int(c)) for c in uniq]
    exact = all(len(ch) == 1 for ch in chars)
    points = np.array([ord(ch[0]) for ch in chars], dtype=np.uint64)
    word = np.array([_WORD_CHAR.match(ch[0]) is not None for ch in chars], dtype=bool)
    value = np.where(points < 0x10000, _tables()["value"][np.minimum(points, 0xFFFF).astype(np.intp)],
                     _mix(points * _MULT[2] + _MULT[3]))
    return word[inv], value[inv], exact


def _char_values(cps: np.ndarray, lower: bool) -> tuple[np.ndarray, np.ndarray] | None:
    """Word flags and random values of (lower-cased) code points; None when ``lower`` needs Python's
    ``str.lower`` (a character that lower-cases to two, or a capital sigma, whose case depends on its
    position)."""
    t = _tables()
    flags, values = (t["flags_of_lower"], t["value_of_lower"]) if lower else (t["flags"], t["value"])
    big = len(cps) > 0 and int(cps.max()) >= 0x10000
    small = np.where(cps >= 0x10000, 0, cps) if big else cps
    f = flags[small]
    if lower and (f > 1).any():
        return None
    word, value = f.view(bool) if not lower else (f & 1).view(bool), values[small]
    if big:
        where = cps >= 0x10000
        aw, av, exact = _astral(cps[where], lower)
        if not exact:
            return None
        word[where], value[where] = aw, av
    return word, value


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _powers(base: int, n: int) -> np.ndarray:
    """``base ** arange(n + 1)`` modulo 2**64 (cached for the next power of two above ``n``)."""
    return _power_table(base, 1 << max(int(n), 1).bit_length())[:n + 1]


@functools.lru_cache(maxsize=4)
def _power_table(base: int, size: int) -> np.ndarray:
    out = np.empty(size + 1, dtype=np.uint64)
    out[0] = 1
    np.cumprod(np.full(size, base, dtype=np.uint64), dtype=np.uint64, out=out[1:])
    return out


def _span_hashes(values: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """64-bit hashes of the spans ``[starts, ends)`` of a sequence of character values.

    Polynomial hash modulo 2**64 of the span's values, made independent of where the span lies with
    prefix sums and the inverse of the base, then mixed with the span's length: equal tokens hash
    equally in every document and run, in a few numpy passes over the characters.
    """
    n = len(values)
    prefix = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(values * _powers(_POLY, n)[1:], dtype=np.uint64, out=prefix[1:])
    unshift = _powers(_POLY_INV, n)[starts]  # POLY ** -start
    lengths = (ends - starts).astype(np.uint64)
    return _mix((prefix[ends] - prefix[starts]) * unshift ^ (lengths * _MULT[0]))


def _default_token_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of :func:`fast_word_tokens` for a batch of texts, and the number of tokens of each.

    The texts are joined with a separator and lower-cased code point by code point (with ``str.lower``
    when a batch holds a character whose lower case is not one fixed character); a token is a maximal
    run of ``\\w`` characters and of apostrophes (' or U+2019) that have a ``\\w`` character on both
    sides, which is what ``\\w+(?:['\u2019]\\w+)*`` finds.
    """
    cps = _code_points(_SEPARATOR.join(texts))
    got = _char_values(cps, lower=True)
    if got is None:
        texts = [t.lower() for t in texts]
        cps = _code_points(_SEPARATOR.join(texts))
        got = _char_values(cps, lower=False)
    word, values = got
    apos = (cps == _APOSTROPHES[0]) | (cps == _APOSTROPHES[1])
    token = word.copy()
    token[1:-1] |= apos[1:-1] & word[:-2] & word[2:]
    edge = np.diff(token.view(np.int8), prepend=np.int8(0), append=np.int8(0))
    starts = np.flatnonzero(edge == 1)
    ends = np.flatnonzero(edge == -1)
    hashes = _span_hashes(values, starts, ends)
    doc_start = np.cumsum([0] + [len(t) + 1 for t in texts[:-1]])
    per_doc = np.diff(np.searchsorted(starts, doc_start), append=len(starts))
    return hashes, per_doc


def _tokenizer_hashes(texts: list[str], tokenizer) -> tuple[np.ndarray, np.ndarray]:
    """Token hashes of a custom tokenizer's tokens (the same hash as the default path)."""
    tokens = [list(tokenizer(t)) for t in texts]
    flat = [str(t) for toks in tokens for t in toks]
    lengths = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
    _, values = _char_values(_code_points("".join(flat)), lower=False)
    ends = np.cumsum(lengths)
    hashes = _span_hashes(values, ends - lengths, ends)
    return hashes, np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))


def _batch_shingles(texts: list[str], size: int, tokenizer) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of a batch of texts, document by document, and how many each document has.

    A shingle is ``size`` consecutive tokens; its hash combines the tokens' hashes with
    position-dependent odd multipliers. A document shorter than ``size`` tokens has one shingle (all its
    tokens), an empty one none. A document's hashes may repeat (a repeated passage): they are a
    multiset; :func:`_shingle_set` makes the set.
    """
    if tokenizer is None:
        th, per_doc = _default_token_hashes(texts)
    else:
        th, per_doc = _tokenizer_hashes(texts, tokenizer)
    n_tok = len(th)
    tok_start = np.cumsum(per_doc) - per_doc
    n_sh = np.where(per_doc >= size, per_doc - size + 1, (per_doc > 0).astype(np.int64))
    if n_tok >= size:
        acc = np.zeros(n_tok - size + 1, dtype=np.uint64)
        for j in range(size):
            acc += th[j:n_tok - size + 1 + j] * _MULT[j]
    else:
        acc = np.zeros(0, dtype=np.uint64)
    long_docs = per_doc >= size
    # the windows that start at a document's first n - size + 1 tokens lie inside it
    take = np.repeat(tok_start[long_docs], n_sh[long_docs]) + _ranges(n_sh[long_docs])
    hashes = _mix(acc[take]) if len(take) else np.zeros(0, dtype=np.uint64)
    short = np.flatnonzero((per_doc > 0) & ~long_docs)
    if len(short):
        extra = np.array([np.sum(th[tok_start[d]:tok_start[d] + per_doc[d]] * _MULT[:per_doc[d]],
                                 dtype=np.uint64) for d in short], dtype=np.uint64)
        offsets = np.concatenate([[0], np.cumsum(n_sh)])
        out = np.empty(offsets[-1], dtype=np.uint64)
        is_long = np.repeat(long_docs, n_sh)
        out[is_long] = hashes
        out[offsets[short]] = _mix(extra)
        hashes = out
    return hashes, n_sh


def _ranges(lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(n) for n in lengths])`` without the loop."""
    lengths = np.asarray(lengths, dtype=np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.cumsum(lengths) - lengths
    return np.arange(total, dtype=np.int64) - np.repeat(starts, lengths)


def _text_of(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


class _Texts:
    """The text column, handed out batch by batch as Python strings (a missing text is "").

    An Arrow-backed column (what ``load_corpus`` gives) is converted one batch at a time, so the
    corpus is never held twice; any other column is converted once.
    """

    def __init__(self, column: pd.Series):
        self._arrow = None
        if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
            import pyarrow as pa
            import pyarrow.compute as pc

            self._arrow = pa.array(column.array)
            self.lengths = pc.utf8_length(self._arrow).fill_null(0).to_numpy(zero_copy_only=False)
        else:
            self._list = [_text_of(t) for t in column.tolist()]
            self.lengths = np.fromiter(map(len, self._list), dtype=np.int64, count=len(self._list))

    def __len__(self) -> int:
        return len(self.lengths)

    def take(self, positions) -> list[str]:
        """The texts at sorted ``positions`` (a range or an array)."""
        if self._arrow is None:
            return [self._list[k] for k in positions]
        if isinstance(positions, range):
            got = self._arrow.slice(positions.start, len(positions)).to_pylist()
        else:
            got = self._arrow.take(np.asarray(positions, dtype=np.int64)).to_pylist()
        return ["" if t is None else t for t in got]

    def batches(self, positions=None, batch_chars: int | None = None):
        """(positions, texts) of consecutive batches of about ``batch_chars`` characters."""
        batch_chars = _BATCH_CHARS if batch_chars is None else batch_chars
        positions = np.arange(len(self)) if positions is None else np.asarray(positions)
        ends = np.cumsum(self.lengths[positions])
        start = 0
        while start < len(positions):
            base = ends[start - 1] if start else 0
            stop = max(int(np.searchsorted(ends, base + batch_chars, side="left")) + 1, start + 1)
            stop = min(stop, len(positions))
            chosen = positions[start:stop]
            contiguous = len(chosen) and chosen[-1] - chosen[0] == len(chosen) - 1
            yield chosen, self.take(range(int(chosen[0]), int(chosen[-1]) + 1) if contiguous else chosen)
            start = stop


def _signatures(texts: _Texts, size: int, tokenizer, num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """One-permutation MinHash signatures of every document's shingle set, and its number of shingles.

    Each shingle hash is mixed with a key drawn from ``seed``; its top bits choose one of ``num_perm``
    bins and the signature keeps the smallest value per bin (one pass over the shingles instead of
    ``num_perm``). An empty bin takes the value of the next non-empty bin to its right (cyclically),
    mixed with the distance ("rotation" densification), so two documents agree on a position with
    probability close to the Jaccard similarity of their sets. Shingles are made batch by batch and
    dropped once signed: memory is the signatures plus one batch.
    """
    key = np.random.default_rng(seed).integers(0, 2**63, dtype=np.int64).astype(np.uint64)
    n = len(texts)
    sig = np.empty((n, num_perm), dtype=np.uint64)
    sizes = np.zeros(n, dtype=np.int64)
    m = np.uint64(num_perm)
    for where, batch in texts.batches():
        k = len(where)
        hashes, n_sh = _batch_shingles(batch, size, tokenizer)
        sizes[where] = n_sh
        h = _mix(hashes ^ key)
        slot = (np.repeat(np.arange(k, dtype=np.uint64), n_sh) * m
                + (((h >> np.uint64(32)) * m) >> np.uint64(32))).astype(np.intp)
        block = np.full(k * num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
        np.minimum.at(block, slot, h)
        filled = np.bincount(slot, minlength=len(block)) > 0
        sig[where] = _densify(block.reshape(k, num_perm), filled.reshape(k, num_perm))
    return sig, sizes


def _densify(sig: np.ndarray, filled: np.ndarray) -> np.ndarray:
    """Empty bins take the next filled bin's value (cyclically) mixed with the distance; rows with no
    filled bin (documents without shingles) are left as they are."""
    rows = np.flatnonzero(~filled.all(axis=1) & filled.any(axis=1))
    if not len(rows):
        return sig
    m = sig.shape[1]
    f = filled[rows]
    pos = np.where(f, np.arange(m), 2 * m)
    pos = np.concatenate([pos, np.where(f, np.arange(m) + m, 2 * m)], axis=1)
    nxt = np.minimum.accumulate(pos[:, ::-1], axis=1)[:, ::-1][:, :m]
    dist = (nxt - np.arange(m)).astype(np.uint64)
    src = np.take_along_axis(sig[rows], nxt % m, axis=1)
    sig[rows] = np.where(f, sig[rows], _mix(src + dist * _MULT[1]))
    return sig


def _shingle_sets(texts: _Texts, which: np.ndarray, size: int, tokenizer) -> dict[int, np.ndarray]:
    """Document position -> sorted set of its shingle hashes, for the documents ``which`` only."""
    out: dict[int, np.ndarray] = {}
    for where, batch in texts.batches(which):
        hashes, n_sh = _batch_shingles(batch, size, tokenizer)
        ends = np.cumsum(n_sh)
        for k, stop, count in zip(where.tolist(), ends.tolist(), n_sh.tolist()):
            out[k] = np.unique(hashes[stop - count:stop])
    return out


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
        bounds = np.concatenate([[0], np.flatnonzero(np.diff(key[order]) != 0) + 1, [n]])
        lengths = np.diff(bounds)
        for start, length in zip(bounds[:-1][lengths >= 2].tolist(), lengths[lengths >= 2].tolist()):
            grp = np.sort(order[start:start + length]).tolist()
            if length <= max_bucket:
                pairs.update(itertools.combinations(grp, 2))
            else:
                pairs.update((grp[0], x) for x in grp[1:])
                pairs.update(itertools.pairwise(grp))
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
    lower-cased words); one-permutation MinHash signatures (``num_perm`` bins, ``seed``; see
    :func:`_signatures`) are cut into bands (bands and rows chosen, as datasketch does, to minimise
    0.2 x false positives + 0.8 x false negatives around ``lsh_threshold``); documents that share a
    band are candidates, and a candidate pair is kept only if the *exact* Jaccard similarity of the two
    shingle sets is at least ``threshold``. The index is deliberately looser than ``threshold`` (see
    ``lsh_threshold``) so that pairs at or just above it are found; the exact check removes the extra
    candidates. Clusters are the connected components of the kept pairs (single linkage: A~B and B~C
    put A and C together even if they are less alike; ``cluster_min_similarity`` shows the weakest
    link).

    Tokens, shingles and signatures are computed with numpy over the code points of batches of about
    four million characters (no Python loop over tokens), and a batch's shingles are dropped once its
    signatures are made; only the documents of candidate pairs are shingled again for the exact check.
    40,003 articles of 36.7 M words take about 10 CPU seconds (``benchmarks/compare_scale.py``).
    Earlier versions used datasketch, then a numpy MinHash with ``num_perm`` full permutations; the
    exact Jaccard values are the same (the shingle sets are), and on a corpus of 3,600 articles with
    600 planted rewrites the clusters were identical to the full-permutation version's.

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
    if shingle > len(_MULT):
        raise ValueError(f"shingle size must be at most {len(_MULT)}, got {shingle}")
    if lsh_threshold is None:
        lsh_threshold = max(threshold - 0.15, 0.05)
    if not 0 < lsh_threshold <= threshold:
        raise ValueError(f"lsh_threshold must be in (0, threshold], got {lsh_threshold!r}")
    docs = corpus.reset_index(drop=True)
    texts = _Texts(docs["text"])
    sig, sizes = _signatures(texts, shingle, tokenizer, num_perm, seed)
    _power_table.cache_clear()
    nonempty = np.flatnonzero(sizes > 0)
    edges: dict[tuple[int, int], float] = {}
    if len(nonempty) >= 2:
        bands, rows = _band_params(lsh_threshold, num_perm)
        candidates = sorted(_candidate_pairs(sig[nonempty], bands, rows))
        del sig
        if candidates:
            pairs = nonempty[np.array(candidates, dtype=np.intp)]
            sets = _shingle_sets(texts, np.unique(pairs), shingle, tokenizer)
            for i, j in pairs.tolist():
                a, b = sets[i], sets[j]
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
