"""Scoring: corpus + lexicons -> the match table, the per-document table and the per-outlet summary.

``score`` is the one public entry point. The match table is the primary output: every number in the
document and summary tables is a count of its rows (see docs/architecture.md for the columns).
Top-level categories (``hedging``) are roll-ups of their sub-categories: a stretch of text matched by two
sub-categories ("Officials said" as both ``sourcing.anonymous`` and ``sourcing.named``) counts once, so a
roll-up count can be smaller than the sum of its sub-categories.
"""
from __future__ import annotations

import gc
import hashlib
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import pandas as pd

from ..provenance import _hash_text
from ..provenance import provenance as make_provenance
from ..text.corpus import from_texts
from .core import is_arrow_text, strings_from_buffers
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
    ids, outlets, texts = _columns(corpus, texts)
    scored = scan(matcher, texts, ids, outlets, progress)
    return match_table(scored, matcher, ids, outlets), scored.doc_rows(_output_columns(matcher)[0])


def _columns(corpus: pd.DataFrame, texts: list | None = None):
    """``doc_id``, ``outlet`` (``"unknown"`` when absent) and ``text`` of ``corpus`` as lists."""
    ids = corpus["doc_id"].tolist()
    outlets = corpus["outlet"].tolist() if "outlet" in corpus.columns else ["unknown"] * len(corpus)
    return ids, outlets, corpus["text"].tolist() if texts is None else texts


# -- scanning: per-document numbers and packed matches, before any table is built -----------------------

_STATS = ("n_tokens", "n_sentences", "n_tokens_narration", "n_tokens_quote", "n_tokens_attributed")
_RECORD = 7  # int32 fields of a packed match: sentence, entry id, start, end, token start, token end, voice


class Scored:
    """What scoring a run of documents gives before any table is built, in document order: per-document
    numbers as arrays and the matches as packed records (compiled core) or row tuples (Python engine).

    Runs of adjacent documents concatenate (:meth:`concat`); the tables are then built once from the
    whole (:func:`match_table`, :func:`documents_table`), so a corpus scored in pieces, in one process or
    several, gives exactly the tables of one pass. Small to pickle: arrays and one string array.

    Attributes: ``stats`` (n, 5) int64 (``_STATS``); ``counts`` and ``sents`` (n, k) int64, matches and
    sentences with a match per column (the categories, then the roll-ups); ``n_matches`` (n,) int64;
    ``records`` (m, 7) int32 and ``matched`` (m strings: a list, or a pandas string array once
    :meth:`compact`), or ``rows`` (match tuples of the Python engine, ``records`` is None).
    """

    __slots__ = ("counts", "matched", "n_matches", "records", "rows", "sents", "stats")

    def __init__(self, stats, counts, sents, n_matches, records, matched, rows=None):
        self.stats, self.counts, self.sents, self.n_matches = stats, counts, sents, n_matches
        self.records, self.matched, self.rows = records, matched, rows

    def __len__(self):
        return len(self.stats)

    def __getstate__(self):
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state):
        for k, v in state.items():
            setattr(self, k, v)

    @property
    def n_rows(self) -> int:
        return len(self.rows) if self.records is None else len(self.records)

    def compact(self) -> Scored:
        """The matched texts as one string array (cheaper to pickle and to concatenate than a list)."""
        if isinstance(self.matched, list) and self.matched:
            self.matched = _string_array(self.matched)
        return self

    @staticmethod
    def concat(parts: list) -> Scored:
        """Adjacent runs, in order, as one."""
        if len(parts) == 1:
            return parts[0]
        if not parts:
            raise ValueError("nothing to concatenate")
        with_matches = [p for p in parts if p.n_rows]

        def stack(name):
            return np.concatenate([getattr(p, name) for p in parts])

        if parts[0].records is None:
            records, matched = None, []
            rows = [r for p in parts for r in p.rows]
        else:
            rows = None
            records = np.concatenate([p.records for p in with_matches]) if with_matches else parts[0].records
            chunks = [p.matched for p in with_matches]
            if all(isinstance(c, list) for c in chunks):
                matched = list(chain.from_iterable(chunks))
            else:
                chunks = [_string_array(c) if isinstance(c, list) else c for c in chunks]
                matched = type(chunks[0])._concat_same_type(chunks)
        return Scored(stack("stats"), stack("counts"), stack("sents"), stack("n_matches"), records, matched, rows)

    def doc_rows(self, columns: list) -> list:
        """The document rows :func:`score_documents` returns (dicts; counts as :class:`CountRow` over
        ``columns``)."""
        names = {c: i for i, c in enumerate(columns)}
        stats = self.stats.tolist()
        counts, sents = self.counts.tolist(), self.sents.tolist()
        return [
            {**dict(zip(_STATS, st)), "_counts": CountRow(names, c), "_sent": CountRow(names, s)}
            for st, c, s in zip(stats, counts, sents)
        ]


def _output_columns(matcher: Matcher):
    """Count columns (categories, then roll-ups), roll-ups and the roll-up of each sub-category."""
    cats = matcher.categories
    rollups = _rollups(cats)
    member_of = {m: top for top, members in rollups.items() for m in members}
    return list(cats) + list(rollups), rollups, member_of


def scan(matcher: Matcher, texts: list, ids: list, outlets: list, progress=None) -> Scored:
    """Score documents (``texts`` with their ``ids`` and ``outlets``) into a :class:`Scored` run."""
    columns, rollups, member_of = _output_columns(matcher)
    k = len(columns)
    core = getattr(matcher, "_core", None)
    n = len(texts)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # many small lists and tuples with no cycles: no collection while they are made
    try:
        utf8 = False
        if core is not None:
            core.set_output(columns, member_of)
            # matched texts straight into Arrow buffers when pandas keeps text in Arrow (no str objects)
            utf8 = _arrow_strings() is not None
            core.scanner.set_matched_utf8(utf8)
            score_doc = core.score_doc
            if progress is None:
                results = [score_doc(t, None) if isinstance(t, str) else None for t in texts]
            else:
                results = []
                for t in texts:
                    results.append(score_doc(t, None) if isinstance(t, str) else None)
                    progress.update(1)
            rows = None
        else:
            results, rows = [None] * n, []
        for i, res in enumerate(results):
            if res is None:  # the Python path (a text the core does not take)
                results[i] = _python_result(matcher, core, ids[i], outlets[i], texts[i], columns, rollups, member_of, rows)
                if core is None and progress is not None:
                    progress.update(1)
        stats = np.array([r[:5] for r in results], dtype=np.int64).reshape(n, 5)
        counts = np.array([r[5] for r in results], dtype=np.int64).reshape(n, k)
        sents = np.array([r[6] for r in results], dtype=np.int64).reshape(n, k)
        if core is None:
            n_matches = np.fromiter(map(len, [r[8] for r in results]), dtype=np.int64, count=n)
            return Scored(stats, counts, sents, n_matches, None, [], rows)
        packed = [r[7] for r in results]
        n_matches = np.fromiter(map(len, packed), dtype=np.int64, count=n) // (4 * _RECORD)
        records = np.frombuffer(b"".join(packed), dtype=np.int32).reshape(-1, _RECORD)
        matched = _matched_texts([r[8] for r in results], utf8 and len(records) > 0)
    finally:
        if gc_was_enabled:
            gc.enable()
    return Scored(stats, counts, sents, n_matches, records, matched)


def _matched_texts(parts: list, utf8: bool):
    """The matched texts of a run: per document a list of str, or (with ``utf8``, from the core) the
    pair (UTF-8 bytes of its matched texts one after the other, their int32 byte lengths). Returns one
    Arrow-backed string array when every document gave the pair, else a list of str."""
    if utf8 and all(type(p) is tuple for p in parts):
        lengths = np.frombuffer(b"".join([p[1] for p in parts]), dtype=np.int32)
        offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return strings_from_buffers(_arrow_strings(), len(lengths), offsets, b"".join([p[0] for p in parts]))
    return list(chain.from_iterable(p if type(p) is not tuple else _decode_utf8(*p) for p in parts))


def _decode_utf8(data: bytes, lengths: bytes) -> list:
    out, at = [], 0
    for n in np.frombuffer(lengths, dtype=np.int32).tolist():
        out.append(data[at : at + n].decode("utf-8"))
        at += n
    return out


def _python_result(matcher, core, doc_id, outlet, text, columns, rollups, member_of, rows_out):
    """One document on the Python path, shaped like the core's result: ``(5 numbers, counts, sentence
    counts, packed records, matched texts)``; without a core the row tuples go to ``rows_out``."""
    rows: list = []
    row = _score_one(matcher, doc_id, outlet, text, matcher.categories, rollups, member_of, rows.extend)
    counts, sents = row["_counts"], row["_sent"]
    out = tuple(row[key] for key in _STATS) + ([counts.get(c, 0) for c in columns], [sents.get(c, 0) for c in columns])
    if core is None:
        rows_out += rows
        return (*out, b"", [None] * len(rows))
    packed = array("i", [
        x for r in rows for x in (r[2], core.entry_id[(r[3], r[4], r[11], r[12])], r[6], r[7], r[8], r[9],
                                  core.voices.index(r[10]))
    ]).tobytes()
    return (*out, packed, [r[5] for r in rows])


_STRING_SAMPLE = None


def _arrow_strings():
    """A one-element ``pd.Series(list of str).array`` when pandas keeps such text as an Arrow
    ``large_string`` array (its type and dtype are those of every text column built here), else None."""
    global _STRING_SAMPLE
    if _STRING_SAMPLE is None:
        _STRING_SAMPLE = pd.Series(["a"]).array
    return _STRING_SAMPLE if is_arrow_text(_STRING_SAMPLE) else None


def _string_array(values: list):
    """``pd.Series(values).array`` for a list of str (built straight from Arrow when pandas stores text
    in Arrow: about twice as fast)."""
    sample = _arrow_strings()
    if sample is not None:
        import pyarrow as pa

        try:
            return type(sample)(pa.array(values, type=pa.large_string()), dtype=sample.dtype)
        except (TypeError, ValueError, pa.ArrowException):
            pass
    return pd.Series(values).array


def match_table(scored: Scored, matcher: Matcher, ids: list, outlets: list,
                corpus: pd.DataFrame | None = None) -> pd.DataFrame:
    """The match table of a :class:`Scored` run of the documents ``ids`` / ``outlets`` (``corpus``:
    their table, if at hand: see :func:`assemble_matches`)."""
    if scored.records is None:
        return matches_frame(scored.rows)
    return assemble_matches([match_parts(scored, matcher)], scored.n_matches, ids, outlets, corpus)


_INT_COLUMNS = {"sentence": 0, "start": 2, "end": 3, "token_start": 4, "token_end": 5}  # field in a record


def match_parts(scored: Scored, matcher: Matcher, corpus: pd.DataFrame | None = None, start: int = 0) -> dict:
    """The columns of the match table that come from a run's packed records (the integer columns as the
    int32 ``records`` themselves), as arrays; parts of adjacent runs are joined by
    :func:`assemble_matches`. With ``corpus`` (the whole table; the run holds its documents from
    ``start`` on), also ``doc_id`` and ``outlet`` when they can be taken from its columns."""
    rec = scored.records
    if not len(rec):
        return {}
    entry = np.ascontiguousarray(rec[:, 1])
    typed = matcher._core.typed_entry_columns()
    matched = scored.matched
    parts = {"records": np.ascontiguousarray(rec)}
    parts.update({name: typed[name].take(entry) for name in ("category", "entry", "lexicon", "lexicon_version")})
    parts["voice"] = typed["voice"].take(np.ascontiguousarray(rec[:, 6]))
    parts["matched"] = _string_array(matched) if isinstance(matched, list) else matched
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
    if _STRING_SAMPLE is None:
        _string_array(["a"])
    if type(array) is not type(_STRING_SAMPLE) or array.dtype != _STRING_SAMPLE.dtype or array.isna().any():
        return None
    return array


def matches_frame(match_rows) -> pd.DataFrame:
    """The match table from match rows (tuples in ``MATCH_COLUMNS`` order)."""
    return pd.DataFrame(match_rows, columns=MATCH_COLUMNS)


def _documents_frame(corpus, doc_rows, cats):
    """The document table from document rows (dicts, as :func:`score_documents` returns them)."""
    names = list(cats) + list(_rollups(cats))
    stats = np.array([[r[key] for key in _STATS] for r in doc_rows], dtype=np.int64).reshape(len(doc_rows), len(_STATS))
    return documents_table(corpus, stats, _count_matrix(doc_rows, "_counts", names),
                           _count_matrix(doc_rows, "_sent", names), cats)


def documents_table(corpus, stats, counts, sents_with, cats):
    """The document table: ``stats`` (n, 5), ``counts`` and ``sents_with`` (n, k) per column of the
    categories then their roll-ups; returns ``(table, those column names)``."""
    base_cols = [c for c in ("doc_id", "outlet", "date", "title") if c in corpus.columns]
    docs = corpus[base_cols].reset_index(drop=True).copy()
    names = list(cats) + list(_rollups(cats))
    n, k, s = len(stats), len(names), len(_STATS)
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
    int_names = list(_STATS) + [f"{c}:count" for c in names]
    float_names = [f"{c}:rate" for c in names] + [f"{c}:sent_share" for c in names]
    order = base_cols + list(_STATS) + [f"{c}:{x}" for c in names for x in ("count", "rate", "sent_share")]
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
        return pa_array.fill_null(_hash_text(values.dtype.na_value)) if pa_array.null_count else pa_array
    try:
        return pa.array([_hash_text(v) for v in values.tolist()], type=pa.large_string())
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
        ids, outlets, texts = _columns(corpus)
        scored = scan(matcher, texts, ids, outlets, bar)
    finally:
        if bar is not None:
            bar.close()
    matches = match_table(scored, matcher, ids, outlets, corpus)
    documents, all_cats = documents_table(corpus, scored.stats, scored.counts, scored.sents, matcher.categories)
    summary = summarise(documents, all_cats)
    prov = corpus_provenance(matcher, corpus, all_cats, texts)
    return ScoreResult(matches, documents, summary, all_cats, prov)
