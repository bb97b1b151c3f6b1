"""Scoring: corpus + lexicons -> the match table, the per-document table and the per-outlet summary.

``score`` is the one public entry point. The match table is the primary output: every number in the
document and summary tables is a count of its rows (see docs/architecture.md for the columns).
Top-level categories (``hedging``) are roll-ups of their sub-categories: a stretch of text matched by two
sub-categories ("Officials said" as both ``sourcing.anonymous`` and ``sourcing.named``) counts once, so a
roll-up count can be smaller than the sum of its sub-categories.
"""
from __future__ import annotations

import gc
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd

from ..provenance import provenance as make_provenance
from ..text.corpus import from_texts
from .matching import Matcher, rollup_categories

__all__ = ["MATCH_COLUMNS", "ScoreResult", "check_corpus", "matches_frame", "score", "score_documents", "score_frames", "summarise"]

MATCH_COLUMNS = [
    "doc_id", "outlet", "sentence", "category", "entry", "matched", "start", "end",
    "token_start", "token_end", "voice", "lexicon", "lexicon_version",
]


@dataclass
class ScoreResult:
    """The outputs of :func:`score`; ``provenance`` names lexicon versions and hashes and the corpus hash."""

    matches: pd.DataFrame
    documents: pd.DataFrame
    summary: pd.DataFrame
    categories: list
    provenance: dict = field(default_factory=dict)

    def summary_table(self, value: str = "rate_per_1k") -> pd.DataFrame:
        """The summary pivoted to one row per outlet and one column per category."""
        return self.summary.pivot(index="outlet", columns="category", values=value)


_rollups = rollup_categories


def _union_count(spans):
    """Matches of a top-level category: overlapping matches of its sub-categories count once
    (leftmost-longest over their union); also the number of sentences holding one."""
    if not spans:
        return 0, 0
    if len(spans) == 1:
        return 1, 1
    count, last_end = 0, -1
    for start, end, _sent in sorted(spans, key=lambda x: (x[0], -x[1])):
        if start >= last_end:
            count += 1
            last_end = end
    return count, len({x[2] for x in spans})


def score_documents(corpus: pd.DataFrame, matcher: Matcher, progress=None):
    """Match every document; returns (match rows as a list of tuples, document rows as a list of dicts)."""
    cats = matcher.categories
    rollups = _rollups(cats)
    member_of = {m: top for top, members in rollups.items() for m in members}
    columns = list(cats) + list(rollups)
    core = getattr(matcher, "_core", None)
    if core is not None:
        core.set_output(columns, member_of)
    column_index = {c: i for i, c in enumerate(columns)}
    match_rows = []
    doc_rows = []
    has_outlet = "outlet" in corpus.columns
    ids = corpus["doc_id"].tolist()
    outlets = corpus["outlet"].tolist() if has_outlet else ["unknown"] * len(corpus)
    extend = match_rows.extend
    # millions of small row tuples would set off the cyclic garbage collector again and again; the rows
    # hold no cycles, so it is paused while they are made
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for doc_id, outlet, text in zip(ids, outlets, corpus["text"].tolist()):
            res = core.score_doc(text, (doc_id, outlet)) if core is not None and isinstance(text, str) else None
            if res is not None:
                extend(res[7])
                doc_rows.append(_core_doc_row(res, column_index))
            else:
                doc_rows.append(_score_one(matcher, doc_id, outlet, text, cats, rollups, member_of, extend))
            if progress is not None:
                progress.update(1)
    finally:
        if gc_was_enabled:
            gc.enable()
    return match_rows, doc_rows


def _core_doc_row(res, column_index) -> dict:
    """The document row of one ``CoreScanner.score_doc`` result (the core counts categories and roll-ups)."""
    n_tokens, n_sent, narr, quote, attr, counts, sent_counts = res[:7]
    return {
        "n_tokens": n_tokens,
        "n_sentences": n_sent,
        "n_tokens_narration": narr,
        "n_tokens_quote": quote,
        "n_tokens_attributed": attr,
        "_counts": CountRow(column_index, counts),
        "_sent": CountRow(column_index, sent_counts),
    }


class CountRow(Mapping):
    """Per-category counts of one document: a read-only mapping over a list aligned with shared columns
    (the compiled core returns counts as lists; the document table reads them as one 2-D array)."""

    __slots__ = ("columns", "values")

    def __init__(self, columns: dict, values: list):
        self.columns = columns
        self.values = values

    def __getitem__(self, key):
        return self.values[self.columns[key]]

    def __iter__(self):
        return iter(self.columns)

    def __len__(self):
        return len(self.columns)

    def __reduce__(self):
        return (CountRow, (self.columns, self.values))


def _count_matrix(doc_rows, key, names):
    """``doc_rows[i][key][name]`` as an (n_docs, n_names) int64 array (0 when missing)."""
    rows = [r[key] for r in doc_rows]
    first = rows[0] if rows else None
    if isinstance(first, CountRow) and all(
        type(x) is CountRow and (x.columns is first.columns or x.columns == first.columns) for x in rows
    ):
        full = np.array([x.values for x in rows], dtype=np.int64).reshape(len(rows), len(first.columns))
        out = np.zeros((len(rows), len(names)), dtype=np.int64)
        for j, name in enumerate(names):
            k = first.columns.get(name)
            if k is not None:
                out[:, j] = full[:, k]
        return out
    return np.array([[x.get(c, 0) for c in names] for x in rows], dtype=np.int64).reshape(len(rows), len(names))


def _score_one(matcher, doc_id, outlet, text, cats, rollups, member_of, extend):
    """One document on the Python path (the reference the core's counts are checked against)."""
    n_tokens, n_sent, voice, sent_hits, rows = matcher.match_rows(text)
    counts = dict.fromkeys(cats, 0)
    sent_counts = dict(sent_hits)
    head = (doc_id, outlet)
    extend([head + r for r in rows])
    spans_by_top: dict[str, list] = {}
    for r in rows:
        cat = r[1]
        counts[cat] += 1
        top = member_of.get(cat)
        if top is not None:
            spans_by_top.setdefault(top, []).append((r[4], r[5], r[0]))
    for top in rollups:
        counts[top], sent_counts[top] = _union_count(spans_by_top.get(top, ()))
    return {
        "n_tokens": n_tokens,
        "n_sentences": n_sent,
        "n_tokens_narration": voice["narration"],
        "n_tokens_quote": voice["quote"],
        "n_tokens_attributed": voice["attributed"],
        "_counts": counts,
        "_sent": sent_counts,
    }


def score_frames(corpus: pd.DataFrame, matcher: Matcher, progress=None, texts: list | None = None):
    """Like :func:`score_documents`, but returns the match table as a DataFrame built column by column
    from the compiled core's packed records (no row tuples): the same table, several times faster to
    build when there are many matches. Returns ``(matches, document rows)``. ``texts``: the text column
    as a list, when the caller has read it already."""
    core = getattr(matcher, "_core", None)
    if core is None:
        match_rows, doc_rows = score_documents(corpus, matcher, progress)
        return matches_frame(match_rows), doc_rows
    cats = matcher.categories
    rollups = _rollups(cats)
    member_of = {m: top for top, members in rollups.items() for m in members}
    columns = list(cats) + list(rollups)
    core.set_output(columns, member_of)
    column_index = {c: i for i, c in enumerate(columns)}
    ids = corpus["doc_id"].tolist()
    outlets = corpus["outlet"].tolist() if "outlet" in corpus.columns else ["unknown"] * len(corpus)
    packed, matched, doc_of, n_of = [], [], [], []
    doc_rows = []

    score_doc = core.score_doc
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for i, (doc_id, outlet, text) in enumerate(zip(ids, outlets, texts if texts is not None else corpus["text"].tolist())):
            res = score_doc(text, None) if isinstance(text, str) else None
            if res is not None:
                records, texts = res[7], res[8]
                if texts:
                    packed.append(records)
                    matched.append(texts)
                    doc_of.append(i)
                    n_of.append(len(texts))
                doc_rows.append(_core_doc_row(res, column_index))
            else:  # the Python path (a text the core does not take), packed the same way
                rows: list = []
                doc_rows.append(_score_one(matcher, doc_id, outlet, text, cats, rollups, member_of, rows.extend))
                if rows:
                    packed.append(array("i", [
                        x for r in rows for x in (r[2], core.entry_id[(r[3], r[4], r[11], r[12])], r[6], r[7], r[8],
                                                  r[9], core.voices.index(r[10]))
                    ]).tobytes())
                    matched.append([r[5] for r in rows])
                    doc_of.append(i)
                    n_of.append(len(rows))
            if progress is not None:
                progress.update(1)
    finally:
        if gc_was_enabled:
            gc.enable()
    if not packed:
        return matches_frame([]), doc_rows
    rec = np.frombuffer(b"".join(packed), dtype=np.int32).reshape(-1, 7)
    # codes into the documents that have matches: their ids and outlets are typed as a row-built table
    # would type them (an id or outlet column typed over documents without matches could differ)
    doc_idx = np.repeat(np.arange(len(doc_of), dtype=np.int64), n_of)
    entry = rec[:, 1]
    typed = core.typed_entry_columns()

    def coded(values, codes):
        # a column of few distinct values: typed once, as a row-built table would type it, then taken
        return pd.Series(list(values)).array.take(codes)

    cols = {
        "doc_id": coded([ids[i] for i in doc_of], doc_idx),
        "outlet": coded([outlets[i] for i in doc_of], doc_idx),
        "sentence": rec[:, 0].astype(np.int64),
        "category": typed["category"].take(entry),
        "entry": typed["entry"].take(entry),
        "matched": pd.Series(list(chain.from_iterable(matched))).array,
        "start": rec[:, 2].astype(np.int64),
        "end": rec[:, 3].astype(np.int64),
        "token_start": rec[:, 4].astype(np.int64),
        "token_end": rec[:, 5].astype(np.int64),
        "voice": typed["voice"].take(rec[:, 6]),
        "lexicon": typed["lexicon"].take(entry),
        "lexicon_version": typed["lexicon_version"].take(entry),
    }
    return pd.DataFrame(cols, columns=MATCH_COLUMNS), doc_rows


def matches_frame(match_rows) -> pd.DataFrame:
    """The match table from match rows (tuples in ``MATCH_COLUMNS`` order)."""
    return pd.DataFrame(match_rows, columns=MATCH_COLUMNS)


def _documents_frame(corpus, doc_rows, cats):
    base_cols = [c for c in ("doc_id", "outlet", "date", "title") if c in corpus.columns]
    docs = corpus[base_cols].reset_index(drop=True).copy()
    for key in ("n_tokens", "n_sentences", "n_tokens_narration", "n_tokens_quote", "n_tokens_attributed"):
        docs[key] = np.array([r[key] for r in doc_rows], dtype=np.int64)
    tokens = docs["n_tokens"].to_numpy(dtype=float)
    sents = docs["n_sentences"].to_numpy(dtype=float)
    cols = {}
    rollups = _rollups(cats)
    names = list(cats) + list(rollups)
    counts = _count_matrix(doc_rows, "_counts", names)
    sents_with = _count_matrix(doc_rows, "_sent", names)
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, c in enumerate(names):
            count = np.ascontiguousarray(counts[:, j])
            sent = np.ascontiguousarray(sents_with[:, j])
            cols[f"{c}:count"] = count
            cols[f"{c}:rate"] = np.where(tokens > 0, count / tokens * 1000.0, 0.0)
            cols[f"{c}:sent_share"] = np.where(sents > 0, sent / sents, 0.0)
    return pd.concat([docs, pd.DataFrame(cols)], axis=1), list(cats) + list(rollups)


def summarise(documents: pd.DataFrame, categories, by: str = "outlet") -> pd.DataFrame:
    """Per-group summary in long format: documents, tokens, matches, pooled rate, mean document rate,
    share of documents with at least one match."""
    if by not in documents.columns:
        raise ValueError(f"no column {by!r} in the documents table")
    rows = []
    categories = list(categories)
    count_cols = [f"{c}:count" for c in categories]
    rate_cols = [f"{c}:rate" for c in categories]
    groups = documents.groupby(by, sort=True, dropna=False)
    number = groups.ngroup().to_numpy()  # group of each document, numbered in the sorted order
    keys = list(groups.size().index)
    all_counts = documents[count_cols].to_numpy(dtype=np.int64)
    all_rates = documents[rate_cols].to_numpy(dtype=float)
    all_tokens = documents["n_tokens"].to_numpy()
    for k, group in enumerate(keys):
        pos = np.flatnonzero(number == k)
        n_docs = len(pos)
        tokens = int(all_tokens[pos].sum())
        # one contiguous array per column, so sums are those of the per-column Series
        counts = np.ascontiguousarray(all_counts[pos].T)
        rates = np.ascontiguousarray(all_rates[pos].T)
        for j, c in enumerate(categories):
            total = int(counts[j].sum())
            rows.append(
                {
                    by: group,
                    "category": c,
                    "documents": int(n_docs),
                    "tokens": tokens,
                    "matches": total,
                    "rate_per_1k": float(total / tokens * 1000.0) if tokens else 0.0,
                    "mean_doc_rate": float(rates[j].sum() / n_docs) if n_docs else float("nan"),
                    "share_docs": float((counts[j] > 0).sum() / n_docs) if n_docs else float("nan"),
                }
            )
    return pd.DataFrame(rows, columns=[by, "category", "documents", "tokens", "matches", "rate_per_1k", "mean_doc_rate", "share_docs"])


def check_corpus(corpus) -> pd.DataFrame:
    """Refuse what cannot be scored, early and clearly; wrap raw texts; add ``outlet`` when missing."""
    if isinstance(corpus, str):
        raise ValueError("Iterable over raw text documents expected, string object received.")  # noqa: TRY004 (scikit-learn's message and type, pinned by tests)
    if not isinstance(corpus, pd.DataFrame):
        corpus = from_texts(corpus)
    for col in ("doc_id", "text"):
        if col not in corpus.columns:
            raise ValueError(f"the corpus table needs a {col!r} column (columns are: {', '.join(map(str, corpus.columns))})")
    if corpus["doc_id"].duplicated().any():
        dup = corpus.loc[corpus["doc_id"].duplicated(), "doc_id"].iloc[0]
        raise ValueError(f"duplicate doc_id {dup!r}: doc_ids must be unique (load_corpus renames duplicates)")
    if "outlet" not in corpus.columns:
        corpus = corpus.assign(outlet="unknown")
    return corpus


def score(corpus, lexicons=None, *, categories=None, matcher: Matcher | None = None, progress: bool = False) -> ScoreResult:
    """Score a corpus with framing lexicons.

    Parameters
    ----------
    corpus : pandas.DataFrame or iterable of str
        A corpus table (``doc_id``, ``text`` and optionally ``outlet``, ``date``, ``title``) or raw texts.
    lexicons : name, path, Lexicon or list of them, optional
        Defaults to every built-in lexicon.
    categories : list of str, optional
        Keep only these categories (names or globs such as ``"hedging.*"``).
    matcher : Matcher, optional
        A compiled matcher to reuse (then ``lexicons`` and ``categories`` are ignored).
    progress : bool
        Show a progress bar (tqdm) on stderr.

    Returns
    -------
    ScoreResult
        ``matches``, ``documents``, ``summary`` and ``provenance``.

    Examples
    --------
    >>> res = score(["Officials said attacks may be possible.", "It rained."], "hedging")
    >>> res.matches[["doc_id", "category", "matched"]].values.tolist()
    [['doc0', 'hedging.modal', 'may'], ['doc0', 'hedging.possibility', 'possible']]
    >>> round(float(res.documents.loc[0, "hedging:rate"]), 1)  # 2 matches in 6 tokens
    333.3
    """
    corpus = check_corpus(corpus)
    matcher = matcher or Matcher(lexicons, categories=categories)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(corpus), unit="doc", desc="scoring", mininterval=0.5)
    try:
        texts = corpus["text"].tolist()
        matches, doc_rows = score_frames(corpus, matcher, bar, texts=texts)
    finally:
        if bar is not None:
            bar.close()
    documents, all_cats = _documents_frame(corpus, doc_rows, matcher.categories)
    summary = summarise(documents, all_cats)
    prov = make_provenance(matcher.lexicons, corpus, corpus_values={"text": texts}, categories=list(all_cats))
    return ScoreResult(matches, documents, summary, all_cats, prov)
