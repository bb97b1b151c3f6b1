"""Scoring: corpus + lexicons -> the match table, the per-document table and the per-outlet summary.

``score`` is the one public entry point. The match table is the primary output: every number in the
document and summary tables is a count of its rows (see docs/architecture.md for the columns).
Top-level categories (``hedging``) are roll-ups: the sum of their sub-categories' counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..provenance import provenance as make_provenance
from ..text.corpus import from_texts
from .matching import Matcher

__all__ = ["score", "ScoreResult", "MATCH_COLUMNS", "summarise", "score_documents"]

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


def _rollups(categories):
    tops = {}
    for c in categories:
        if "." in c:
            tops.setdefault(c.split(".")[0], []).append(c)
    return {k: v for k, v in tops.items() if k not in categories}


def score_documents(corpus: pd.DataFrame, matcher: Matcher, progress=None):
    """Match every document; returns (match rows as a list of tuples, document rows as a list of dicts)."""
    cats = matcher.categories
    match_rows = []
    doc_rows = []
    has_outlet = "outlet" in corpus.columns
    ids = corpus["doc_id"].tolist()
    outlets = corpus["outlet"].tolist() if has_outlet else ["unknown"] * len(corpus)
    for doc_id, outlet, text in zip(ids, outlets, corpus["text"].tolist()):
        res = matcher.match(text)
        counts = dict.fromkeys(cats, 0)
        for m in res.matches:
            counts[m.category] += 1
            match_rows.append(
                (doc_id, outlet, m.sentence, m.category, m.entry, m.matched, m.start, m.end,
                 m.token_start, m.token_end, m.voice, m.lexicon, m.lexicon_version)
            )
        doc_rows.append(
            {
                "n_tokens": res.n_tokens,
                "n_sentences": res.n_sentences,
                "n_tokens_narration": res.tokens_by_voice["narration"],
                "n_tokens_quote": res.tokens_by_voice["quote"],
                "n_tokens_attributed": res.tokens_by_voice["attributed"],
                "_counts": counts,
                "_sent": res.sentences_with_match,
            }
        )
        if progress is not None:
            progress.update(1)
    return match_rows, doc_rows


def _documents_frame(corpus, doc_rows, cats):
    base_cols = [c for c in ("doc_id", "outlet", "date", "title") if c in corpus.columns]
    docs = corpus[base_cols].reset_index(drop=True).copy()
    for key in ("n_tokens", "n_sentences", "n_tokens_narration", "n_tokens_quote", "n_tokens_attributed"):
        docs[key] = np.array([r[key] for r in doc_rows], dtype=np.int64)
    tokens = docs["n_tokens"].to_numpy(dtype=float)
    sents = docs["n_sentences"].to_numpy(dtype=float)
    cols = {}
    rollups = _rollups(cats)
    with np.errstate(divide="ignore", invalid="ignore"):
        for c in list(cats) + list(rollups):
            members = rollups.get(c, [c])
            count = np.array([sum(r["_counts"][m] for m in members) for r in doc_rows], dtype=np.int64)
            if c in rollups:
                # a sentence with matches in two sub-categories counts once: approximate by max
                sent = np.array([max((r["_sent"].get(m, 0) for m in members), default=0) for r in doc_rows])
            else:
                sent = np.array([r["_sent"].get(c, 0) for r in doc_rows])
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
    for group, g in documents.groupby(by, sort=True, dropna=False):
        tokens = int(g["n_tokens"].sum())
        for c in categories:
            count = g[f"{c}:count"]
            rows.append(
                {
                    by: group,
                    "category": c,
                    "documents": int(len(g)),
                    "tokens": tokens,
                    "matches": int(count.sum()),
                    "rate_per_1k": float(count.sum() / tokens * 1000.0) if tokens else 0.0,
                    "mean_doc_rate": float(g[f"{c}:rate"].mean()),
                    "share_docs": float((count > 0).mean()),
                }
            )
    return pd.DataFrame(rows)


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
    if isinstance(corpus, str):
        raise ValueError("Iterable over raw text documents expected, string object received.")
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
    matcher = matcher or Matcher(lexicons, categories=categories)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(corpus), unit="doc", desc="scoring", mininterval=0.5)
    try:
        match_rows, doc_rows = score_documents(corpus, matcher, bar)
    finally:
        if bar is not None:
            bar.close()
    matches = pd.DataFrame(match_rows, columns=MATCH_COLUMNS)
    documents, all_cats = _documents_frame(corpus, doc_rows, matcher.categories)
    summary = summarise(documents, all_cats)
    prov = make_provenance(matcher.lexicons, corpus, categories=list(all_cats))
    return ScoreResult(matches, documents, summary, all_cats, prov)
