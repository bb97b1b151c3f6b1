"""Keyness: which words (or lexicon categories) are over-represented in one group against another.

Used to find candidate terms for a lexicon and to describe what sets an outlet apart. Two scores per
term: the log-odds ratio with an informative Dirichlet prior of Monroe, Colaresi and Quinn (2008,
"Fightin' Words", *Political Analysis* 16(4)), with its z-score, which shrinks rare terms toward the
background and so does not crown one-off words; and Dunning's G2 with its chi-square p-value, the usual
corpus-linguistics statistic. Both treat tokens as independent draws, so their p-values overstate the
evidence when a few long documents dominate a group: use them to *rank* terms, and
:mod:`analysis.compare.rates` (document bootstrap) to test a difference. :func:`keyness` works on a
Corpus table (tokenized with a swappable ``tokenizer``) or on a table of counts;
:func:`category_keyness` works on the category counts of the Documents table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from itertools import repeat

import numpy as np
import pandas as pd

from analysis.compare.columns import COUNT_SUFFIX
from analysis.compare.columns import as_list as _as_list
from analysis.compare.columns import require_columns as _require_columns
from analysis.compare.columns import resolve_categories as _resolve_categories

__all__ = ["category_keyness", "g2_statistic", "keyness", "log_odds_dirichlet", "term_counts"]


def _default_tokenizer() -> Callable[[str], list[str]]:
    from analysis.text.tokenize import word_tokens  # lazy: the text stage is imported on use only

    return word_tokens


def log_odds_dirichlet(y_i, y_j, n_i, n_j, alpha_w, alpha_0):
    """Log-odds ratio with informative Dirichlet prior and its z-score (Monroe et al. 2008, eq. 16-22).

    ``delta = log((y_i + a_w) / (n_i + a_0 - y_i - a_w)) - log((y_j + a_w) / (n_j + a_0 - y_j - a_w))``,
    ``var = 1 / (y_i + a_w) + 1 / (y_j + a_w)``, ``z = delta / sqrt(var)``.

    Parameters
    ----------
    y_i, y_j : array-like
        Counts of each term in the target and reference.
    n_i, n_j : float
        Total tokens in the target and reference.
    alpha_w : array-like
        Prior pseudo-count of each term.
    alpha_0 : float
        Total prior pseudo-count over the whole vocabulary.

    Returns
    -------
    (delta, z) : tuple of ndarray

    Examples
    --------
    >>> d, z = log_odds_dirichlet([5], [5], 100, 100, [1.0], 10.0)
    >>> float(d[0]), float(z[0])
    (0.0, 0.0)
    """
    y_i, y_j = np.asarray(y_i, dtype=float), np.asarray(y_j, dtype=float)
    a_w = np.asarray(alpha_w, dtype=float)
    if (a_w <= 0).any():
        raise ValueError("prior pseudo-counts must be positive for every term")
    odds_i = (y_i + a_w) / (n_i + alpha_0 - y_i - a_w)
    odds_j = (y_j + a_w) / (n_j + alpha_0 - y_j - a_w)
    delta = np.log(odds_i) - np.log(odds_j)
    var = 1.0 / (y_i + a_w) + 1.0 / (y_j + a_w)
    return delta, delta / np.sqrt(var)


def g2_statistic(a, b, n_i, n_j):
    """Dunning's log-likelihood G2 for each term (2x2 table: term vs other tokens, target vs reference).

    Returns ``(g2, p)`` arrays; ``p`` is the chi-square (df = 1) tail probability, which assumes
    independent tokens.

    Examples
    --------
    >>> g2, p = g2_statistic([10], [10], 1000, 1000)
    >>> float(g2[0]), float(p[0])
    (0.0, 1.0)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    observed = np.stack(
        [a, b, n_i - a, n_j - b]
    )  # rows: term in i, term in j, other in i, other in j
    if (observed < 0).any():
        raise ValueError("term counts cannot exceed the token totals")
    total = n_i + n_j
    term = a + b
    expected = np.stack(
        [
            term * n_i / total,
            term * n_j / total,
            (total - term) * n_i / total,
            (total - term) * n_j / total,
        ]
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        parts = np.where(observed > 0, observed * np.log(observed / expected), 0.0)
    g2 = np.maximum(2.0 * parts.sum(axis=0), 0.0)
    from scipy.special import chdtrc

    return g2, chdtrc(1, g2)


class _SharedCounts(dict):
    """``group -> {term: number of documents containing it}``, copied by reference.

    pandas deep-copies a frame's ``attrs`` into the result of nearly every operation (selecting
    columns, summing, clipping, ...). This dict has an entry per term and group, so deep-copying it
    made :func:`keyness` on a counts table several times slower than the arithmetic; copies of the
    table share it instead. It is a plain dict otherwise (JSON, pickle): treat it as read-only.
    """

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self


def _count_terms(
    corpus: pd.DataFrame,
    by: list,
    tokenizer: Callable[[str], list[str]] | None,
    text_col: str,
    per_group: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, dict | None]:
    """Term counts and document frequencies per group: ``(counts, documents, docs_per_group)``.

    ``counts`` and ``documents`` are term x group tables with the same (sorted) index. With
    ``per_group``, ``docs_per_group`` maps group -> {term: documents containing it} for the terms the
    group has (the ``attrs["documents"]`` of :func:`term_counts`); otherwise it is None.
    """
    _require_columns(corpus, [*by, text_col], "corpus")
    words_only = tokenizer is None
    if words_only:
        from analysis.compare.coretokens import ids_function  # lazy, as in _default_tokenizer

        core_ids = ids_function()
        if core_ids is not None:
            return _count_term_ids(corpus, by, text_col, per_group, *core_ids)
        from analysis.compare.coretokens import norms_function  # lazy, as in _default_tokenizer
        from analysis.text.tokenize import norm_tokens

        # word_tokens(text) is norm_tokens(text) without the punctuation tokens: count every token and
        # classify each distinct one once below, not every occurrence (classifying every occurrence
        # was about 40% of word_tokens' time). A test pins the equality with word_tokens. The compiled
        # core's tokenizer (analysis.compare.coretokens) gives the same norms about four times faster.
        tok = norms_function() or norm_tokens
    else:
        tok = tokenizer
    labels, counts, docfreq = [], [], []
    for key, sub in corpus.groupby(by, sort=True, dropna=True):
        c: Counter = Counter()
        d: Counter = Counter()
        for text in sub[text_col].tolist():
            toks = tok("" if pd.isna(text) else str(text))
            if not isinstance(toks, list):
                toks = list(toks)
            c.update(toks)
            d.update(set(toks))
        labels.append(key[0] if len(by) == 1 else key)
        counts.append(c)
        docfreq.append(d)
    if not labels:  # no group at all: the empty table the dict-of-counters construction gives
        empty = pd.DataFrame({})
        return empty.rename_axis("term"), empty.copy(), {} if per_group else None
    vocab = set().union(*counts)
    if words_only:
        from analysis.text.tokenize import token_kind

        vocab = {t for t in vocab if token_kind(t) in ("word", "num")}
    terms = list(vocab)
    index = pd.Index(terms)

    def table(maps: list) -> pd.DataFrame:
        columns = {
            label: np.fromiter(map(m.get, terms, repeat(0)), dtype=int, count=len(terms))
            for label, m in zip(labels, maps)
        }
        out = pd.DataFrame(columns, index=index).sort_index()
        out.index.name = "term"
        return out

    docs_per_group = None
    if per_group:
        docs_per_group = {
            label: {t: n for t, n in d.items() if t in vocab} if words_only else dict(d)
            for label, d in zip(labels, docfreq)
        }
    return table(counts), table(docfreq), docs_per_group


def _count_term_ids(corpus: pd.DataFrame, by: list, text_col: str, per_group: bool, ids: Callable,
                    norm: Callable[[int], str], size: Callable[[], int]):
    """What :func:`_count_terms` gives for word tokens, counted with numpy over the compiled core's norm
    ids (:func:`analysis.compare.coretokens.ids_function`) instead of a ``Counter`` of strings: per
    group, ``bincount`` of the documents' ids for the counts and of each document's distinct ids for
    the document frequencies, a block of documents at a time (the ids of a whole group are never held).
    ``tests/compare/test_keyness_reference.py`` pins it to the ``Counter`` path."""
    labels, counted = [], []
    for key, sub in corpus.groupby(by, sort=True, dropna=True):
        total, docs = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        texts = sub[text_col]
        for a in range(0, len(texts), _ID_BLOCK):  # Python strings of one block of texts at a time
            block = [ids("" if pd.isna(text) else str(text)) for text in texts.iloc[a:a + _ID_BLOCK].tolist()]
            total = _add_counts(total, np.concatenate(block))
            docs = _add_counts(docs, np.concatenate([np.unique(b) for b in block]))
        labels.append(key[0] if len(by) == 1 else key)
        counted.append((total, docs))
    if not labels:  # no group at all: the empty table the dict-of-counters construction gives
        empty = pd.DataFrame({})
        return empty.rename_axis("term"), empty.copy(), {} if per_group else None
    n = size()
    seen = np.zeros(n, dtype=bool)
    for total, _docs in counted:
        seen[: len(total)] |= total > 0
    from analysis.text.tokenize import token_kind

    candidates = np.flatnonzero(seen)
    norms = [norm(int(i)) for i in candidates]
    keep = np.fromiter((token_kind(t) in ("word", "num") for t in norms), dtype=bool, count=len(norms))
    terms = [t for t, k in zip(norms, keep) if k]
    order = np.argsort(np.array(terms, dtype=object), kind="stable") if terms else np.zeros(0, dtype=np.intp)
    vocab_ids = candidates[keep][order]
    terms = [terms[i] for i in order]  # sorted; the dicts below share these strings
    index = pd.Index(terms)
    index.name = "term"
    counts, documents, docs_per_group = {}, {}, {} if per_group else None
    for label, (total, docs) in zip(labels, counted):
        counts[label] = np.pad(total, (0, n - len(total)))[vocab_ids].astype(int)
        documents[label] = np.pad(docs, (0, n - len(docs)))[vocab_ids].astype(int)
        if per_group:
            nz = np.flatnonzero(documents[label])
            docs_per_group[label] = dict(zip(map(terms.__getitem__, nz.tolist()), documents[label][nz].tolist()))
    return pd.DataFrame(counts, index=index), pd.DataFrame(documents, index=index), docs_per_group


_ID_BLOCK = 512  # documents tokenized before their ids are counted (bounds the memory of a large group)


def _add_counts(acc: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``acc`` plus the ``bincount`` of ``ids``, grown to the largest id."""
    got = np.bincount(ids)
    if len(got) > len(acc):
        acc = np.pad(acc, (0, len(got) - len(acc)))
    acc[: len(got)] += got
    return acc


def term_counts(
    corpus: pd.DataFrame,
    by: str | Sequence[str] = "outlet",
    tokenizer: Callable[[str], list[str]] | None = None,
    text_col: str = "text",
) -> pd.DataFrame:
    """Word counts per group from a Corpus table: a term x group table of counts.

    Parameters
    ----------
    corpus : DataFrame
        Corpus table with ``text`` and the ``by`` column(s).
    by : str or list of str, default "outlet"
    tokenizer : callable, optional
        ``text -> list[str]``; default ``analysis.text.tokenize.word_tokens`` (normalised word tokens,
        the tokens every rate counts).
    text_col : str, default "text"

    Returns
    -------
    DataFrame
        Index ``term`` (sorted), one column per group (a tuple label when ``by`` has several columns),
        integer counts. ``attrs["documents"]`` maps group -> {term: number of documents containing it};
        frames derived from the table share this dict rather than copy it, so treat it as read-only.

    Examples
    --------
    >>> import pandas as pd
    >>> corpus = pd.DataFrame({"outlet": ["X", "Y"], "text": ["may be may", "be"]})
    >>> term_counts(corpus, tokenizer=str.split).to_dict()
    {'X': {'be': 1, 'may': 2}, 'Y': {'be': 1, 'may': 0}}
    """
    table, _documents, docs = _count_terms(corpus, _as_list(by), tokenizer, text_col, per_group=True)
    table.attrs["documents"] = _SharedCounts(docs)
    return table


def _prior(prior, prior_scale, background: pd.Series) -> tuple[np.ndarray, float]:
    """Prior pseudo-counts per term and their total over the vocabulary."""
    if isinstance(prior, str):
        if prior != "corpus":
            raise ValueError(
                f"prior must be 'corpus', a positive number, or a Series of counts; got {prior!r}"
            )
        base = background.astype(float)
    elif isinstance(prior, pd.Series):
        base = prior.astype(float).reindex(background.index)
        if base.isna().any():
            missing = list(base[base.isna()].index[:5])
            raise ValueError(
                f"prior Series lacks counts for term(s) {missing} (needs every term compared)"
            )
    elif np.isscalar(prior) and float(prior) > 0:
        a = np.full(len(background), float(prior))
        return a, float(a.sum())
    else:
        raise ValueError(
            f"prior must be 'corpus', a positive number, or a Series of counts; got {prior!r}"
        )
    # smoothing of 0.01 keeps terms absent from an external background from getting a zero prior
    base = base.clip(lower=0) + 0.01
    total = float(base.sum())
    if prior_scale is None:
        return base.to_numpy(), total
    if prior_scale <= 0:
        raise ValueError(f"prior_scale must be positive, got {prior_scale!r}")
    return base.to_numpy() * (prior_scale / total), float(prior_scale)


def _split(labels: list, group, reference, by) -> tuple[list, list]:
    if group not in labels:
        raise ValueError(f"unknown group {group!r} in {by}; available: {labels}")
    if reference is None:
        ref = [g for g in labels if g != group]
        if not ref:
            raise ValueError(f"group {group!r} is the only group: nothing to compare against")
    else:
        # a list (or set) names several reference groups; anything else (a tuple too) is one label
        ref = list(reference) if isinstance(reference, (list, set)) else [reference]
        unknown = [r for r in ref if r not in labels]
        if unknown:
            raise ValueError(f"unknown reference group {unknown[0]!r} in {by}; available: {labels}")
        if group in ref:
            raise ValueError(f"reference must not contain the target group {group!r}")
    return [group], ref


def _score(
    table: pd.DataFrame, target: list, ref: list, prior, prior_scale, totals=None
) -> pd.DataFrame:
    """Score every row of a term x group table; the prior's background is all columns of ``table``."""
    y_i = table[target].sum(axis=1).to_numpy(dtype=float)
    y_j = table[ref].sum(axis=1).to_numpy(dtype=float)
    if totals is None:
        n_i, n_j = y_i.sum(), y_j.sum()
    else:
        n_i = float(sum(totals[g] for g in target))
        n_j = float(sum(totals[g] for g in ref))
    if n_i <= 0 or n_j <= 0:
        raise ValueError("target and reference must both contain tokens")
    background = table.sum(axis=1)
    a_w, a_0 = _prior(prior, prior_scale, background)
    if totals is not None and isinstance(prior, str) and prior_scale is None:
        # categories are not a whole vocabulary: the prior's total is the corpus token count
        a_0 = float(sum(totals.values()))
    elif totals is not None and isinstance(prior, str):
        # scale category pseudo-counts by their share of all tokens, not of category counts
        a_w = (background.to_numpy(dtype=float) + 0.01) / float(sum(totals.values())) * prior_scale
        a_0 = float(prior_scale)
    delta, z = log_odds_dirichlet(y_i, y_j, n_i, n_j, a_w, a_0)
    g2, p = g2_statistic(y_i, y_j, n_i, n_j)
    return pd.DataFrame(
        {
            "count_target": y_i.astype(int),
            "count_reference": y_j.astype(int),
            "rate_target": y_i / n_i * 1000,
            "rate_reference": y_j / n_j * 1000,
            "log_odds": delta,
            "z": z,
            "g2": g2,
            "p_g2": p,
        }
    )


def keyness(
    corpus_or_counts: pd.DataFrame,
    group,
    by: str | Sequence[str] = "outlet",
    reference=None,
    prior="corpus",
    prior_scale: float | None = None,
    tokenizer: Callable[[str], list[str]] | None = None,
    min_count: int = 1,
) -> pd.DataFrame:
    """Word keyness of one group against the rest (or a reference group): log-odds with prior, and G2.

    Parameters
    ----------
    corpus_or_counts : DataFrame
        Either a Corpus table (has a ``text`` column; tokenized with ``tokenizer`` and counted per
        ``by`` group) or a counts table as returned by :func:`term_counts` (index = term, one column
        per group).
    group
        The target group (a value of ``by``, or a column of the counts table).
    by : str or list of str, default "outlet"
        Grouping column(s) of the corpus (ignored for a counts table).
    reference : label or list of labels, optional
        Reference group(s); default: every other group.
    prior : "corpus", float or Series, default "corpus"
        Informative Dirichlet prior. ``"corpus"``: pseudo-counts proportional to each term's count in
        all groups of the input, compared or not (Monroe et al.'s informative prior); a positive
        float: the same pseudo-count for every term (uninformative); a Series term -> count: an
        external background
        corpus. A pseudo-count of 0.01 is added so no term has a zero prior.
    prior_scale : float, optional
        Total prior mass ``alpha_0``. Default: the background counts are used as they are (the prior
        then weighs as much as the whole background corpus, as in the common "Fightin' Words" code);
        a smaller value shrinks less.
    tokenizer : callable, optional
        ``text -> list[str]`` for a Corpus; default ``analysis.text.tokenize.word_tokens``.
    min_count : int, default 1
        Drop terms whose count in target + reference is below this.

    Returns
    -------
    DataFrame
        ``term, count_target, count_reference, rate_target, rate_reference`` (per 1,000 tokens),
        ``log_odds, z, g2, p_g2`` and, for a Corpus input, ``docs_target, docs_reference`` (documents
        containing the term: a term in one document only is no evidence about an outlet). Sorted by
        ``z`` descending: terms typical of the target first, of the reference last. ``p_g2`` assumes
        independent tokens.

    Examples
    --------
    >>> import pandas as pd
    >>> corpus = pd.DataFrame({"outlet": ["X", "X", "Y"],
    ...                        "text": ["officials may say", "it may rain", "officials say it rained"]})
    >>> out = keyness(corpus, "X", tokenizer=str.split)
    >>> out.iloc[0][["term", "count_target", "count_reference"]].to_dict()
    {'term': 'may', 'count_target': 2, 'count_reference': 0}
    """
    if not isinstance(corpus_or_counts, pd.DataFrame):
        raise ValueError(  # noqa: TRY004 - the project reports every bad input as a ValueError
            "corpus_or_counts must be a Corpus DataFrame or a term x group counts DataFrame"
        )
    is_corpus = "text" in corpus_or_counts.columns
    if is_corpus:
        by_text = _as_list(by)
        table, documents, _per_group = _count_terms(corpus_or_counts, by_text, tokenizer, "text")
    else:
        table = corpus_or_counts
        by_text = "the columns of the counts table"
        if table.empty:
            raise ValueError("the counts table is empty")
    labels = list(table.columns)
    target, ref = _split(labels, group, reference, by_text)
    out = _score(table, target, ref, prior, prior_scale)
    out.insert(0, "term", list(table.index))
    if is_corpus:
        out["docs_target"] = documents[target].sum(axis=1).to_numpy()
        out["docs_reference"] = documents[ref].sum(axis=1).to_numpy()
    keep = (out["count_target"] + out["count_reference"]) >= min_count
    out = out[keep]
    return out.sort_values(["z", "term"], ascending=[False, True], kind="mergesort").reset_index(
        drop=True
    )


def category_keyness(
    documents: pd.DataFrame,
    group,
    by: str | Sequence[str] = "outlet",
    reference=None,
    categories: str | Sequence[str] | None = None,
    prior="corpus",
    prior_scale: float | None = None,
) -> pd.DataFrame:
    """Keyness of lexicon categories (from the Documents table) of one group against the rest.

    Each category is scored against all other tokens: counts are summed ``c:count`` over the group's
    documents and totals are summed ``n_tokens``. With ``prior="corpus"`` a category's pseudo-count is
    its count over all groups and ``alpha_0`` is the corpus token total. Categories may overlap
    (roll-ups and leaves); each is scored on its own.

    Parameters
    ----------
    documents : DataFrame
        Documents table with ``n_tokens``, ``c:count`` and the ``by`` column(s).
    group, by, reference, prior, prior_scale
        As in :func:`keyness`.
    categories : str or list of str, optional
        Default: every category.

    Returns
    -------
    DataFrame
        ``category, count_target, count_reference, rate_target, rate_reference, log_odds, z, g2, p_g2``,
        sorted by ``z`` descending.

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"outlet": ["X", "Y"], "n_tokens": [1000, 1000],
    ...                      "hedging:count": [20, 5], "booster:count": [5, 5]})
    >>> category_keyness(docs, "X")["category"].tolist()
    ['hedging', 'booster']
    """
    by_list = _as_list(by)
    _require_columns(documents, [*by_list, "n_tokens"], "documents")
    cats = _resolve_categories(documents, categories)
    grouped = documents.groupby(by_list, sort=True, dropna=True)
    sums = grouped[[c + COUNT_SUFFIX for c in cats]].sum()
    tokens = grouped["n_tokens"].sum()
    if len(by_list) == 1:
        sums.index = [k[0] if isinstance(k, tuple) else k for k in sums.index]
        tokens.index = sums.index
    table = sums.T
    table.index = cats
    labels = list(table.columns)
    target, ref = _split(labels, group, reference, by_list)
    if table[target + ref].to_numpy().sum() == 0:
        raise ValueError(f"categories {cats} have no matches in the compared groups")
    totals = {g: float(tokens[g]) for g in labels}
    out = _score(table, target, ref, prior, prior_scale, totals=totals)
    out.insert(0, "category", cats)
    return out.sort_values(
        ["z", "category"], ascending=[False, True], kind="mergesort"
    ).reset_index(drop=True)
