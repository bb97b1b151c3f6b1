"""Scoring: corpus + lexicons -> the match table, the per-document table and the per-outlet summary.

``score`` is the one public entry point. The match table is the primary output: every number in the
document and summary tables is a count of its rows (see docs/architecture.md for the columns).
Top-level categories (``hedging``) are roll-ups of their sub-categories: a stretch of text matched by two
sub-categories ("Officials said" as both ``sourcing.anonymous`` and ``sourcing.named``) counts once, so a
roll-up count can be smaller than the sum of its sub-categories.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..provenance import hash_text
from ..provenance import provenance as make_provenance
from ..text.corpus import from_texts
from .batch import STATS, Batch, count_columns, entry_table, scan, string_array, string_sample
from .matching import Matcher

__all__ = ["MATCH_COLUMNS", "Batch", "ScoreResult", "assemble", "check_corpus", "documents_table", "empty_documents",
           "match_table", "matches_frame", "scan", "score", "summarise"]

MATCH_COLUMNS = [
    "doc_id", "outlet", "sentence", "category", "entry", "matched", "start", "end",
    "token_start", "token_end", "voice", "lexicon", "lexicon_version",
]


@dataclass
class ScoreResult:
    """The outputs of :func:`score`; ``provenance`` names lexicon versions and hashes and the corpus hash.

    ``attributions`` is the attribution table when the scorer was asked for it
    (:func:`analysis.scale.parallel.score_parallel` with ``attributions=True``), else None;
    ``csv_parts`` the CSV rows its workers formatted, per table (``score_parallel`` with ``csv_escape``),
    for :func:`analysis.outputs.write_csv_parts`.
    """

    matches: pd.DataFrame
    documents: pd.DataFrame
    summary: pd.DataFrame
    categories: list
    provenance: dict = field(default_factory=dict)
    attributions: pd.DataFrame | None = None
    csv_parts: dict | None = None

    def summary_table(self, value: str = "rate_per_1k") -> pd.DataFrame:
        """The summary pivoted to one row per outlet and one column per category."""
        return self.summary.pivot(index="outlet", columns="category", values=value)


def match_table(batch: Batch, matcher: Matcher, ids: list, outlets: list,
                corpus: pd.DataFrame | None = None) -> pd.DataFrame:
    """The match table of a :class:`~analysis.measure.batch.Batch` of the documents ``ids`` / ``outlets``
    (``corpus``: their table, if at hand: see :func:`assemble_matches`)."""
    return assemble_matches([match_parts(batch, matcher)], batch.n_matches, ids, outlets, corpus)


_INT_COLUMNS = {"sentence": 0, "start": 2, "end": 3, "token_start": 4, "token_end": 5}  # field in a record


def match_parts(scored: Batch, matcher: Matcher, corpus: pd.DataFrame | None = None, start: int = 0) -> dict:
    """The columns of the match table that come from a run's packed records (the integer columns as the
    int32 ``records`` themselves), as arrays; parts of adjacent runs are joined by
    :func:`assemble_matches`. With ``corpus`` (the whole table; the run holds its documents from
    ``start`` on), also ``doc_id`` and ``outlet`` when they can be taken from its columns."""
    rec = scored.records
    if not len(rec):
        return {}
    entry = np.ascontiguousarray(rec[:, 1])
    typed = entry_table(matcher).typed()
    matched = scored.matched
    parts = {"records": np.ascontiguousarray(rec)}
    parts.update({name: typed[name].take(entry) for name in ("category", "entry", "lexicon", "lexicon_version")})
    parts["voice"] = typed["voice"].take(np.ascontiguousarray(rec[:, 6]))
    parts["matched"] = string_array(matched) if isinstance(matched, list) else matched
    row_doc = None
    for name in ("doc_id", "outlet"):
        column = _typed_like_str_list(corpus, name, None)
        if column is not None:
            if row_doc is None:
                row_doc = np.repeat(np.arange(start, start + len(scored), dtype=np.int64), scored.n_matches)
            parts[name] = column.take(row_doc)
    return parts


def assemble_matches(parts: list, n_matches: np.ndarray, ids: list, outlets: list,
                     corpus: pd.DataFrame | None = None) -> pd.DataFrame:
    """The match table from :func:`match_parts` of runs in document order, ``n_matches`` of every
    document and the documents' ``ids`` and ``outlets`` (``corpus``: the same documents' table, whose
    id and outlet columns are taken from directly when they hold text typed as a list of str is)."""
    parts = [p for p in parts if p]
    if not parts:
        return matches_frame([])

    def joined(name):
        arrays = [p[name] for p in parts]
        return arrays[0] if len(arrays) == 1 else type(arrays[0])._concat_same_type(arrays)

    records = [p["records"] for p in parts]
    cols = {"doc_id": None, "outlet": None}
    for name, k in _INT_COLUMNS.items():
        cols[name] = np.concatenate([r[:, k] for r in records], dtype=np.int64)
    cols.update({name: joined(name) for name in MATCH_COLUMNS[2:] if name not in _INT_COLUMNS})
    row_doc = None
    for name, values in (("doc_id", ids), ("outlet", outlets)):
        column = _typed_like_str_list(corpus, name, len(n_matches))
        if column is not None and all(name in p for p in parts):  # taken from it run by run already
            cols[name] = joined(name)
        elif column is not None:
            if row_doc is None:
                row_doc = np.repeat(np.arange(len(n_matches), dtype=np.int64), n_matches)
            cols[name] = column.take(row_doc)
        else:
            # typed over the documents that have matches, as a row-built table types it (typed over
            # documents without matches too, a column could differ), then taken row by row
            has = np.flatnonzero(n_matches)
            codes = np.repeat(np.arange(len(has), dtype=np.int64), n_matches[has])
            cols[name] = pd.Series([values[i] for i in has.tolist()]).array.take(codes)
    # the columns are new arrays: no copy, and no stacking of the five integer columns into one block
    # (a copy of them all: 25 ms for 314,000 matches in a new process)
    return pd.DataFrame(cols, columns=MATCH_COLUMNS, copy=False)


def _typed_like_str_list(corpus, name: str, n: int):
    """``corpus[name]`` as an array when it holds text without missing values, typed as
    ``pd.Series(list of str)`` types it (then any of its values, taken, are typed alike); else None."""
    if corpus is None or name not in corpus.columns or (n is not None and len(corpus) != n):
        return None
    array = corpus[name].array
    sample = string_sample()
    if type(array) is not type(sample) or array.dtype != sample.dtype or array.isna().any():
        return None
    return array


def matches_frame(match_rows) -> pd.DataFrame:
    """The match table from match rows (tuples in ``MATCH_COLUMNS`` order)."""
    return pd.DataFrame(match_rows, columns=MATCH_COLUMNS)


def empty_documents(corpus: pd.DataFrame, cats) -> pd.DataFrame:
    """The document table of no documents (its columns and dtypes) for a corpus table like ``corpus``."""
    k = len(count_columns(cats)[0])
    zeros = np.zeros((0, k), dtype=np.int64)
    return documents_table(corpus.iloc[:0], np.zeros((0, len(STATS)), dtype=np.int64), zeros, zeros, cats)[0]


def documents_table(corpus, stats, counts, sents_with, cats):
    """The document table: ``stats`` (n, 5), ``counts`` and ``sents_with`` (n, k) per column of the
    categories then their roll-ups; returns ``(table, those column names)``."""
    base_cols = [c for c in ("doc_id", "outlet", "date", "title") if c in corpus.columns]
    docs = corpus[base_cols].reset_index(drop=True).copy()
    names = count_columns(cats)[0]
    n, k, s = len(stats), len(names), len(STATS)
    # the integer and the float columns each computed into one array (no temporary per column, no
    # stacking of columns afterwards): rate = count / tokens * 1000, sent_share = sentences with a
    # match / sentences, 0 for a document without tokens or sentences
    ints = np.empty((s + k, n), dtype=np.int64)
    ints[:s] = np.asarray(stats).reshape(n, s).T
    ints[s:] = np.asarray(counts).reshape(n, k).T
    tokens = ints[0].astype(float)
    sents = ints[1].astype(float)
    floats = np.zeros((2 * k, n))
    np.divide(ints[s:], tokens, out=floats[:k], where=tokens > 0)
    floats[:k] *= 1000.0
    np.divide(np.asarray(sents_with).reshape(n, k).T, sents, out=floats[k:], where=sents > 0)
    int_names = list(STATS) + [f"{c}:count" for c in names]
    float_names = [f"{c}:rate" for c in names] + [f"{c}:sent_share" for c in names]
    order = base_cols + list(STATS) + [f"{c}:{x}" for c in names for x in ("count", "rate", "sent_share")]
    table = pd.concat([docs, pd.DataFrame(ints.T, columns=int_names, copy=False),
                       pd.DataFrame(floats.T, columns=float_names, copy=False)], axis=1)
    return table[order], names


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


_HASHED = ("doc_id", "outlet", "date", "text")  # the columns provenance.corpus_sha256 hashes, in its order


def _arrow_column(values: pd.Series):
    """A column as an Arrow large_string array of the texts ``corpus_sha256`` hashes for it (missing
    values as ""), read straight from Arrow when pandas stores it there; None if it cannot be."""
    import pyarrow as pa

    pa_array = getattr(values.array, "_pa_array", None)
    if _is_arrow_text(values) and pa.types.is_large_string(pa_array.type):
        # a missing value is hashed as the text of what .tolist() gives for it ("" for NaN, "<NA>" for NA)
        return pa_array.fill_null(hash_text(values.dtype.na_value)) if pa_array.null_count else pa_array
    try:
        return pa.array([hash_text(v) for v in values.tolist()], type=pa.large_string())
    except (TypeError, ValueError, UnicodeError, pa.ArrowException):  # lone surrogates, odd types: the plain path
        return None


def _is_arrow_text(values: pd.Series) -> bool:
    return type(values.array).__name__ == "ArrowStringArray" and hasattr(values.array, "_pa_array")


def fast_corpus_sha256(corpus: pd.DataFrame, rows_per_step: int = 1024) -> str | None:
    """:func:`analysis.provenance.corpus_sha256` of a corpus whose text column is stored in Arrow,
    computed from the Arrow buffers: the rows' separated values are joined by Arrow a block of rows at
    a time and hashed in one update per block, without making a Python string per value (about twice
    as fast, and nothing is written to memory shared with forked workers). None when the text column
    is not in Arrow or a value cannot be encoded as ``corpus_sha256`` encodes it (then use that).

    >>> import pandas as pd
    >>> from analysis.provenance import corpus_sha256
    >>> c = pd.DataFrame({"doc_id": ["a", "b"], "text": ["x", None]}).astype({"text": "string[pyarrow]"})
    >>> fast_corpus_sha256(c) in (None, corpus_sha256(c))
    True
    """
    if "text" not in corpus.columns or not _is_arrow_text(corpus["text"]):
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        return None
    cols = [_arrow_column(corpus[c]) for c in _HASHED if c in corpus.columns]
    if any(c is None for c in cols):
        return None
    h = hashlib.sha256()
    unit, record = pa.scalar("\x1f", pa.large_string()), pa.scalar("\x1e", pa.large_string())
    for a in range(0, len(corpus), rows_per_step):
        # value, US, value, US, ..., value, US, RS: hash_rows' bytes for these rows, in one buffer
        joined = pc.binary_join_element_wise(*[c.slice(a, rows_per_step) for c in cols], record, unit)
        for chunk in getattr(joined, "chunks", [joined]):  # columns stored in chunks give chunks
            if len(chunk):
                offsets = np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=len(chunk) + 1, offset=chunk.offset * 8)
                h.update(memoryview(chunk.buffers()[2])[offsets[0]:offsets[-1]])
    return h.hexdigest()


def corpus_provenance(matcher: Matcher, corpus: pd.DataFrame, categories: list, texts: list | None = None) -> dict:
    """The provenance of scoring ``corpus`` with ``matcher``, exactly as
    ``provenance(matcher.lexicons, corpus, corpus_values={"text": texts}, categories=categories)`` gives
    it; the corpus hash by :func:`fast_corpus_sha256` when it can."""
    digest = fast_corpus_sha256(corpus)
    if digest is None:
        return make_provenance(matcher.lexicons, corpus, corpus_values=None if texts is None else {"text": texts},
                               categories=list(categories))
    prov = make_provenance(matcher.lexicons)
    prov["corpus_sha256"] = digest
    prov["corpus_documents"] = len(corpus)
    prov["categories"] = list(categories)
    return prov


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
    progress : bool or tqdm-like, optional
        True: show a progress bar (tqdm) on stderr; an object with ``update(n)`` (such as
        :func:`analysis.progress.bar`) is advanced once per document instead.

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
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(corpus), unit="doc", desc="scoring", mininterval=0.5)
    try:
        ids, outlets, _ = corpus_columns(corpus, texts=[])
        column = corpus["text"]
        tick = bar if bar is not None else (progress or None)
        if _is_arrow_text(column) and len(corpus) > SCAN_PIECE_DOCS:
            # Arrow text is turned into Python strings a piece at a time, so that the strings of every
            # text never exist at once (a 37M-word corpus: about 0.5 GB); the hash reads the Arrow buffers
            texts = None
            batch = Batch.concat([
                scan(matcher, column.iloc[a:a + SCAN_PIECE_DOCS].tolist(), ids[a:a + SCAN_PIECE_DOCS],
                     outlets[a:a + SCAN_PIECE_DOCS], tick)
                for a in range(0, len(corpus), SCAN_PIECE_DOCS)])
        else:
            texts = column.tolist()
            batch = scan(matcher, texts, ids, outlets, tick)
    finally:
        if bar is not None:
            bar.close()
    return assemble(batch, matcher, corpus, texts=texts)


#: documents scanned at a time by :func:`score` when the corpus keeps its text in Arrow
SCAN_PIECE_DOCS = 2000


def corpus_columns(corpus: pd.DataFrame, texts: list | None = None) -> tuple[list, list, list]:
    """``doc_id``, ``outlet`` (``"unknown"`` when absent) and ``text`` of ``corpus`` as lists, the
    arguments of :func:`~analysis.measure.batch.scan` (``texts``: the text column, if read already)."""
    ids = corpus["doc_id"].tolist()
    outlets = corpus["outlet"].tolist() if "outlet" in corpus.columns else ["unknown"] * len(corpus)
    return ids, outlets, corpus["text"].tolist() if texts is None else texts


def assemble(batch: Batch, matcher: Matcher, corpus: pd.DataFrame, *, texts: list | None = None,
             matches: pd.DataFrame | None = None) -> ScoreResult:
    """The :class:`ScoreResult` of ``corpus`` from the :class:`~analysis.measure.batch.Batch` that scanned
    all its documents in order (one :func:`~analysis.measure.batch.scan`, or chunks joined with
    :meth:`Batch.concat`): the match, document and summary tables and the provenance, built once.

    Parameters
    ----------
    batch : Batch
        Every document of ``corpus``, in its order.
    matcher : Matcher
        The matcher that scanned it.
    corpus : pandas.DataFrame
        The checked corpus table (:func:`check_corpus`).
    texts : list of str, optional
        Its text column as a list, when the caller has it (the corpus hash reuses it).
    matches : pandas.DataFrame, optional
        The match table, when the caller built it already (workers build match columns as they go).

    Examples
    --------
    >>> corpus = check_corpus(["It may rain.", "No."])
    >>> m = Matcher("hedging")
    >>> ids, outlets, texts = corpus_columns(corpus)
    >>> res = assemble(scan(m, texts, ids, outlets), m, corpus, texts=texts)
    >>> res.matches["matched"].tolist(), res.documents["hedging:count"].tolist()
    (['may'], [1, 0])
    """
    if len(batch) != len(corpus):
        raise ValueError(f"the batch holds {len(batch)} documents, the corpus {len(corpus)}")
    if matches is None:
        ids, outlets, _ = corpus_columns(corpus, texts=[])
        matches = match_table(batch, matcher, ids, outlets, corpus)
    documents, all_cats = documents_table(corpus, batch.stats, batch.counts, batch.sents, matcher.categories)
    summary = summarise(documents, all_cats)
    prov = corpus_provenance(matcher, corpus, all_cats, texts)
    return ScoreResult(matches, documents, summary, all_cats, prov)
