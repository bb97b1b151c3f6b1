"""score() builds its tables once from scanned batches (analysis.measure.batch.Batch, made by both engines):
pieces scanned apart and concatenated give the tables of one pass; the corpus hash read from Arrow equals
provenance.corpus_sha256."""
from __future__ import annotations

import pickle
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest

from analysis.measure.batch import Batch, entry_table, scan
from analysis.measure.matching import Matcher
from analysis.measure.scoring import (
    assemble,
    corpus_columns,
    corpus_provenance,
    documents_table,
    fast_corpus_sha256,
    match_table,
    matches_frame,
    score,
)
from analysis.provenance import corpus_sha256
from analysis.provenance import provenance as plain_provenance

TEXTS = [
    "Officials said it may rain. Experts believe it is possible.",
    "Nothing here.",
    "İstanbul officials said it could be possible, reportedly.",  # the core refuses it: Python path
    "",
    "Sources said the \u201cdeal\u201d is likely. It might, perhaps.",
    "He said so.\n\nShe suggested it may be true.",
]


def _corpus(ids=None):
    return pd.DataFrame({
        "doc_id": ids if ids is not None else [f"d{i}" for i in range(len(TEXTS))],
        "outlet": ["a", "b", "a", None, "c", "b"],
        "text": TEXTS,
    })


def rows_reference(corpus, matcher):
    """The match table built row by row from ``Matcher.match_rows`` (the per-text API), independently
    of batches and of the column-by-column assembly."""
    ids, outlets, texts = corpus_columns(corpus)
    return matches_frame([(i, o, *r) for i, o, t in zip(ids, outlets, texts) for r in matcher.match_rows(t)[4]])


def _tables(matcher, corpus, scored):
    ids, outlets, _ = corpus_columns(corpus)
    docs, _ = documents_table(corpus, scored.stats, scored.counts, scored.sents, matcher.categories)
    return match_table(scored, matcher, ids, outlets), docs


@pytest.mark.parametrize("ids", [None, pd.Series([1, "b", 3, "d", 5, "f"], dtype=object)])
def test_pieces_concatenated_give_the_tables_of_one_pass(engine, ids):
    matcher = Matcher()
    assert matcher.engine == engine
    corpus = _corpus(ids)
    ids_, outlets, texts = corpus_columns(corpus)
    whole = scan(matcher, texts, ids_, outlets)
    for cuts in ([0, 6], [0, 1, 2, 3, 6], [0, 3, 4, 4, 6]):
        parts = [scan(matcher, texts[a:b], ids_[a:b], outlets[a:b]) for a, b in pairwise(cuts)]
        # compacted (as workers send them) and pickled, or as they are
        sent = [pickle.loads(pickle.dumps(p.compact())) for p in parts[::2]]
        parts[::2] = sent
        joined = Batch.concat(parts)
        got, ref = _tables(matcher, corpus, joined), _tables(matcher, corpus, whole)
        pd.testing.assert_frame_equal(got[0], ref[0])
        pd.testing.assert_frame_equal(got[1], ref[1])
    # and the tables are those of the row-by-row reference
    pd.testing.assert_frame_equal(_tables(matcher, corpus, whole)[0], rows_reference(corpus, matcher))
    res = assemble(whole, matcher, corpus)
    pd.testing.assert_frame_equal(res.matches, _tables(matcher, corpus, whole)[0])
    pd.testing.assert_frame_equal(res.documents, _tables(matcher, corpus, whole)[1])


def test_empty_scan_gives_empty_tables(engine):
    matcher = Matcher()
    corpus = _corpus().iloc[:0]
    empty = scan(matcher, [], [], [])
    assert len(empty) == 0 and empty.n_rows == 0
    matches, docs = _tables(matcher, corpus, empty)
    pd.testing.assert_frame_equal(matches, matches_frame([]))
    assert len(docs) == 0
    assert Batch.concat([empty, scan(matcher, ["It may rain."], ["x"], ["o"])]).n_rows == 1
    with pytest.raises(ValueError, match="nothing"):
        Batch.concat([])


def _hash_cases():
    base = _corpus()
    arrow = base.astype({"doc_id": "str", "outlet": "str", "text": "str"})
    yield "default str dtype, missing outlet", arrow
    na = base.astype({"doc_id": "string[pyarrow]", "outlet": "string[pyarrow]", "text": "string[pyarrow]"})
    yield "string[pyarrow] with <NA>", na
    dated = arrow.assign(date=pd.to_datetime(["2026-01-02", None, "2025-12-31 10:30", "2026-03-01", None, "2024-02-29"], format="ISO8601"))
    yield "dates with NaT", dated
    yield "numeric ids", arrow.assign(doc_id=np.arange(6) * 7)
    odd = arrow.assign(text=arrow["text"].str.replace("said", "s\x1fa\x1eid\u00e9\U0001F600", regex=False))
    yield "separators and non-ASCII inside texts", odd
    yield "no outlet column", arrow.drop(columns="outlet")
    yield "columns in several Arrow chunks", pd.concat([arrow.iloc[:2], arrow.iloc[2:5], arrow.iloc[5:]], ignore_index=True)
    yield "empty", arrow.iloc[:0]


@pytest.mark.parametrize("step", [1, 4, 1024])
def test_arrow_hash_equals_corpus_sha256(step):
    for name, corpus in _hash_cases():
        got = fast_corpus_sha256(corpus, rows_per_step=step)
        if getattr(corpus["text"].array, "_pa_array", None) is None:  # pandas keeps text as objects here
            assert got is None, name
            continue
        assert got == corpus_sha256(corpus), name
        if name.startswith("columns in several"):
            assert corpus["text"].array._pa_array.num_chunks > 1


def test_arrow_hash_declines_what_it_cannot_hash_alike():
    objects = _corpus().astype({"text": object})
    assert fast_corpus_sha256(objects) is None  # text not in Arrow: the plain path
    if getattr(_corpus().astype({"text": "str"})["text"].array, "_pa_array", None) is None:
        pytest.skip("pandas does not store text in Arrow here")
    surrogate = _corpus().astype({"text": "str"}).assign(doc_id=pd.Series(["a\udc80", "b", "c", "d", "e", "f"], dtype=object))
    assert fast_corpus_sha256(surrogate) is None
    matcher = Matcher()
    cats = score(["x"], matcher=matcher).categories
    assert corpus_provenance(matcher, surrogate, cats) == plain_provenance(matcher.lexicons, surrogate, categories=cats)


def test_score_provenance_is_the_plain_provenance():
    matcher = Matcher()
    for _name, corpus in _hash_cases():
        if "outlet" not in corpus.columns:
            continue
        res = score(corpus, matcher=matcher)
        plain = plain_provenance(matcher.lexicons, corpus, categories=res.categories)
        assert res.provenance == plain
        assert list(res.provenance) == list(plain)  # same keys in the same order
        assert corpus_provenance(matcher, corpus, res.categories) == plain


@pytest.mark.parametrize("dtype", ["str", "string[pyarrow]", object, "category"])
def test_ids_and_outlets_typed_as_the_row_built_table_types_them(dtype):
    """With a text id column the ids are taken from it directly; every other kind of column is typed
    from the list of ids of documents with matches, as the row-built table types it."""
    matcher = Matcher()
    corpus = _corpus().astype({"doc_id": dtype, "outlet": dtype})
    if dtype == "str":
        with_missing = corpus.assign(outlet=corpus["outlet"].where(corpus.index != 0))
    else:
        with_missing = corpus
    for table in (corpus, with_missing, corpus.assign(doc_id=np.arange(6))):
        pd.testing.assert_frame_equal(score(table, matcher=matcher).matches, rows_reference(table, matcher))


def _reference_documents_table(corpus, stats, counts, sents_with, cats):
    """The document table computed column by column (how it was first written)."""
    from analysis.measure.matching import rollup_categories

    docs = corpus[[c for c in ("doc_id", "outlet", "date", "title") if c in corpus.columns]].reset_index(drop=True).copy()
    for j, key in enumerate(("n_tokens", "n_sentences", "n_tokens_narration", "n_tokens_quote", "n_tokens_attributed")):
        docs[key] = np.ascontiguousarray(stats[:, j])
    tokens, sents = stats[:, 0].astype(float), stats[:, 1].astype(float)
    cols = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, c in enumerate(list(cats) + list(rollup_categories(cats))):
            count, sent = np.ascontiguousarray(counts[:, j]), np.ascontiguousarray(sents_with[:, j])
            cols[f"{c}:count"] = count
            cols[f"{c}:rate"] = np.where(tokens > 0, count / tokens * 1000.0, 0.0)
            cols[f"{c}:sent_share"] = np.where(sents > 0, sent / sents, 0.0)
    return pd.concat([docs, pd.DataFrame(cols)], axis=1)


@pytest.mark.parametrize("n", [0, 1, 57])
def test_documents_table_equals_the_column_by_column_reference(n):
    rng = np.random.default_rng(n)
    cats = ["a", "b.x", "b.y", "c"]
    k = len(cats) + 1  # the roll-up "b"
    corpus = pd.DataFrame({"doc_id": [f"d{i}" for i in range(n)], "outlet": rng.choice(["p", "q"], n),
                           "date": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 9, n), "D"),
                           "title": ["t"] * n, "text": ["x"] * n}, index=np.arange(n) * 3 + 7)
    stats = rng.integers(0, 500, (n, 5))
    stats[::4, 0] = 0  # documents without tokens
    stats[::5, 1] = 0  # ... or without sentences
    counts, sents = rng.integers(0, 9, (n, k)), rng.integers(0, 4, (n, k))
    got, names = documents_table(corpus, stats, counts, sents, cats)
    assert names == ["a", "b.x", "b.y", "c", "b"]
    pd.testing.assert_frame_equal(got, _reference_documents_table(corpus, stats, counts, sents, cats), check_exact=True)


def test_both_engines_give_one_batch():
    """The contract: the compiled core and the Python path give the same Batch (same arrays, same entry
    ids, same matched texts), and the core numbers its entries as the shared EntryTable does."""
    from analysis.measure import core

    if not core.AVAILABLE:
        pytest.skip("analysis._core is not built")
    fast, ref = Matcher(engine="c"), Matcher(engine="python")
    assert [tuple(x) for x in fast._core.entry_info] == entry_table(fast).info == entry_table(ref).info
    from analysis.paths import SAMPLE_CORPUS
    from analysis.text.corpus import load_corpus

    corpus = load_corpus(SAMPLE_CORPUS)[0].head(40)
    ids, outlets, texts = corpus_columns(corpus)
    a, b = scan(fast, texts, ids, outlets), scan(ref, texts, ids, outlets)
    assert a.columns == b.columns
    for name in ("stats", "counts", "sents", "n_matches", "records"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert list(a.matched) == list(b.matched) and a.n_rows > 50


def test_assemble_refuses_a_batch_of_other_documents():
    matcher = Matcher()
    corpus = _corpus()
    ids, outlets, texts = corpus_columns(corpus)
    with pytest.raises(ValueError, match="6 documents, the corpus 5"):
        assemble(scan(matcher, texts, ids, outlets), matcher, corpus.iloc[:5])
    with pytest.raises(ValueError, match="different count columns"):
        Batch.concat([scan(matcher, texts, ids, outlets), scan(Matcher("hedging"), texts, ids, outlets)])


def test_entries_sharing_a_pattern_keep_their_own_ids():
    """Two entries of one category may share a pattern text (hedging's ``considered``, once with
    ``only_preceded_by`` and once with ``only_followed_by``): a record names the entry that matched,
    on both engines, not the last entry of that text."""
    from analysis.measure import core

    ref = Matcher("hedging", engine="python")
    ids = [ce.idx for ce in ref.entries if ce.entry.pattern == "considered"]
    assert len(ids) == 2
    texts = ["It is considered safe.", "They considered to leave.", "It is considered to be safe."]
    batch = scan(ref, texts, ["a", "b", "c"], ["x"] * 3)
    got = [r[1] for r in batch.records.tolist() if r[1] in ids]
    # the third text matches both on the same tokens: the tie goes to the better rank (tie_key), not file order
    tie = min(ids, key=lambda i: ref.entries[i].rank)
    assert got == [ids[0], ids[1], tie]
    if core.AVAILABLE:
        fast = scan(Matcher("hedging", engine="c"), texts, ["a", "b", "c"], ["x"] * 3)
        np.testing.assert_array_equal(fast.records, batch.records)


def test_arrow_text_scanned_in_pieces_gives_the_tables_of_one_pass(engine, monkeypatch):
    # score() turns Arrow text into Python strings SCAN_PIECE_DOCS documents at a time; the tables, the
    # summary and the provenance (hashed from Arrow) are those of one pass over a list of the texts
    from analysis.measure import scoring

    texts = (TEXTS * 7)[:40]
    corpus = pd.DataFrame({"doc_id": [f"d{i}" for i in range(40)], "outlet": ["a", "b", "c", "a"] * 10,
                           "text": texts})
    plain = corpus.astype({"text": object})
    arrow = corpus.astype({"text": "string[pyarrow]"})
    assert type(arrow["text"].array).__name__ == "ArrowStringArray"
    ref = score(plain)
    monkeypatch.setattr(scoring, "SCAN_PIECE_DOCS", 3)
    sizes = []

    def counted(matcher, texts, *args):
        sizes.append(len(texts))
        return scan(matcher, texts, *args)

    monkeypatch.setattr(scoring, "scan", counted)
    ticks = []

    class Bar:
        def update(self, n):
            ticks.append(n)

    got = score(arrow, progress=Bar())
    assert sizes == [3] * 13 + [1] and all(isinstance(t, str) for t in texts)
    assert sum(ticks) == 40  # every document counted once, across the pieces
    pd.testing.assert_frame_equal(got.matches, ref.matches)
    pd.testing.assert_frame_equal(got.documents, ref.documents)
    pd.testing.assert_frame_equal(got.summary, ref.summary)
    assert got.provenance == ref.provenance
    assert got.provenance["corpus_sha256"] == corpus_sha256(plain)
