"""Several processes and Dask give exactly the single-process results."""
from __future__ import annotations

import filecmp
import re

import pandas as pd
import pytest

from analysis.measure.scoring import score
from analysis.scale.parallel import score_parallel
from analysis.scale.stream import score_stream
from analysis.text.corpus import load_corpus

from .conftest import LEXICON, write_corpus_csv


@pytest.fixture(scope="module")
def corpus_csv(tmp_path_factory, sample_sentences):
    return write_corpus_csv(tmp_path_factory.mktemp("par") / "c.csv", sample_sentences, 400, problems=True)


def test_jobs_2_equals_jobs_1(corpus_csv):
    corpus, _ = load_corpus(corpus_csv)
    one = score(corpus, LEXICON)
    two = score_parallel(corpus, LEXICON, jobs=2, batch_size=37)
    pd.testing.assert_frame_equal(two.matches, one.matches)
    pd.testing.assert_frame_equal(two.documents, one.documents)
    pd.testing.assert_frame_equal(two.summary, one.summary)
    assert two.provenance == one.provenance


@pytest.mark.parametrize("start_method", ["auto", "spawn"])
def test_streamed_jobs_2_equals_jobs_1(corpus_csv, tmp_path, monkeypatch, start_method):
    from analysis.scale.parallel import START_METHOD_ENV

    monkeypatch.setenv(START_METHOD_ENV, start_method)  # auto: the pool is forked unless threads run
    score_stream(corpus_csv, tmp_path / "one", LEXICON, chunk_size=30, fmt="csv", jobs=1)
    score_stream(corpus_csv, tmp_path / "two", LEXICON, chunk_size=30, fmt="csv", jobs=2)
    for name in ("matches.csv", "documents.csv", "summary.csv", "provenance.json"):
        assert filecmp.cmp(tmp_path / "one" / name, tmp_path / "two" / name, shallow=False), name


def test_dask_local_cluster_equals_single_process(corpus_csv, tmp_path):
    # real worker processes (not threads): lexicons and chunks are pickled to other interpreters
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    from analysis.cli import main
    from analysis.scale.distributed import score_dask, summarise_dask

    corpus, _ = load_corpus(corpus_csv)
    ref = score(corpus, LEXICON)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        matches, documents = score_dask(dd.from_pandas(corpus, npartitions=5), LEXICON)
        m, d = dask.compute(matches, documents)
        pd.testing.assert_frame_equal(m.reset_index(drop=True), ref.matches, check_dtype=False)
        pd.testing.assert_frame_equal(d.reset_index(drop=True), ref.documents, check_dtype=False)
        pd.testing.assert_frame_equal(summarise_dask(documents, ref.categories), ref.summary, check_exact=False)
        # the CLI on a running scheduler: same files as a local run
        assert main(["score", str(corpus_csv), "--out", str(tmp_path / "dask"), "--quiet", "--lexicon", LEXICON,
                     "--scheduler", cluster.scheduler_address, "--chunk-size", "60"]) == 0
        assert len(client.scheduler_info()["workers"]) == 2
    assert main(["score", str(corpus_csv), "--out", str(tmp_path / "local"), "--quiet", "--lexicon", LEXICON]) == 0
    for name in ("matches.csv", "documents.csv", "summary.csv", "provenance.json"):
        assert filecmp.cmp(tmp_path / "local" / name, tmp_path / "dask" / name, shallow=False), name


def test_dask_partitions_without_matches_concatenate_alike():
    """Each partition is scored by one task returning both tables; a partition without matches gives an
    empty match table typed like the others, so the whole table is the one score() gives."""
    dask = pytest.importorskip("dask")
    dd = pytest.importorskip("dask.dataframe")
    from analysis.scale.distributed import score_dask
    from analysis.text.corpus import from_texts

    corpus = from_texts(["It may rain.", "Nothing here.", "Nothing at all.", "It is possible, perhaps.", "Quiet."])
    ref = score(corpus, LEXICON)
    assert len(ref.matches) >= 2
    matches, documents = score_dask(dd.from_pandas(corpus, npartitions=5), LEXICON)
    m, d = dask.compute(matches, documents, scheduler="sync")
    pd.testing.assert_frame_equal(m.reset_index(drop=True), ref.matches, check_dtype=False)
    pd.testing.assert_frame_equal(d.reset_index(drop=True), ref.documents, check_dtype=False)
    assert list(m.dtypes) == list(matches.dtypes)  # the computed table has the types Dask announced
    empty, _ = dask.compute(*score_dask(dd.from_pandas(from_texts(["Quiet.", "Calm."]), npartitions=2), LEXICON),
                            scheduler="sync")
    assert len(empty) == 0
    assert list(empty.columns) == list(ref.matches.columns)


def test_bad_jobs_refused(corpus_csv, tmp_path):
    from analysis.cli import main

    assert main(["score", str(corpus_csv), "--out", str(tmp_path / "x"), "--jobs", "0", "--quiet"]) == 2
    with pytest.raises(ValueError, match="jobs"):
        score_parallel(["a"], LEXICON, jobs=0)


# -- start methods and work sharing (fork inherits the corpus, spawn pickles it) ---------------------------

needs_fork = pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(),
                                reason="no fork on this platform")


def _assert_same(res, ref):
    pd.testing.assert_frame_equal(res.matches, ref.matches)
    pd.testing.assert_frame_equal(res.documents, ref.documents)
    pd.testing.assert_frame_equal(res.summary, ref.summary)
    assert res.categories == ref.categories
    assert res.provenance == ref.provenance


@pytest.fixture
def worker_goes_first(monkeypatch):
    """This process takes its first piece only after a worker has taken one, and a worker takes its second
    only after this process has taken one (forked workers inherit the patch), so every fork test really
    scores on both sides, however the scheduler orders them (a quick worker could otherwise take every
    piece while this process waits)."""
    import time

    from analysis.scale import parallel

    take = parallel._Pieces.take

    def patient_take(self, front, **kw):
        deadline = time.monotonic() + 10

        def other_side_waits():
            lo, hi = self.bounds[0], self.bounds[1]
            return lo < hi and (hi == self.n if front else (lo == 0 and hi < self.n))
        while other_side_waits() and time.monotonic() < deadline:
            time.sleep(0.001)
        return take(self, front, **kw)

    monkeypatch.setattr(parallel._Pieces, "take", patient_take)


@pytest.fixture
def slow_here(monkeypatch):
    """Scoring in this process takes 0.5 s more per piece (spawned workers import the real function),
    so a spawned pool has time to start and score even on a busy machine (60 s for 120 pieces; once a
    worker runs it takes the rest at full speed, so an idle machine does not wait); returns the list
    of documents scored here."""
    import time

    from analysis.scale import parallel

    real, here = parallel._scan_piece, []

    def slow(matcher, corpus, a, b, *args, **kw):
        time.sleep(0.5)
        here.extend(corpus["doc_id"].iloc[a:b])
        return real(matcher, corpus, a, b, *args, **kw)

    monkeypatch.setattr(parallel, "_scan_piece", slow)
    return here


@pytest.fixture(scope="module")
def small_corpus(corpus_csv):
    corpus, _ = load_corpus(corpus_csv)
    return corpus.iloc[:120].reset_index(drop=True)


@needs_fork
def test_fork_and_spawn_give_identical_results(small_corpus, worker_goes_first):
    ref = score(small_corpus, LEXICON)
    forked = score_parallel(small_corpus, LEXICON, jobs=2, start_method="fork")
    spawned = score_parallel(small_corpus, LEXICON, jobs=2, start_method="spawn")
    _assert_same(forked, ref)
    _assert_same(spawned, ref)  # here the pool may still be starting when this process is done


def test_spawned_workers_share_the_work(small_corpus, slow_here):
    ref = score(small_corpus, LEXICON)
    # one document per piece: this process keeps busy (0.5 s each, 60 s in all) until the pool has started
    spawned = score_parallel(small_corpus, LEXICON, jobs=2, batch_size=1, start_method="spawn")
    _assert_same(spawned, ref)
    assert 0 < len(slow_here) < len(small_corpus)  # both sides scored some documents
    assert len(set(slow_here)) == len(slow_here)  # none twice


@needs_fork
@pytest.mark.parametrize("jobs,batch_size", [(3, 7), (2, 1), (5, None), (2, 1000)])
def test_fork_many_pieces_and_workers(small_corpus, jobs, batch_size, worker_goes_first):
    # workers take pieces from the back, interleaved with each other; more jobs than pieces is fine
    res = score_parallel(small_corpus, LEXICON, jobs=jobs, batch_size=batch_size, start_method="fork")
    _assert_same(res, score(small_corpus, LEXICON))


@needs_fork
def test_fork_no_matches_keeps_dtypes(worker_goes_first):
    texts = ["Nothing to see.", "Nor here at all."] * 5
    _assert_same(score_parallel(texts, LEXICON, jobs=2, start_method="fork"), score(texts, LEXICON))
    mixed = ["Nothing to see."] * 6 + ["It may rain.", "Officials said so."]
    _assert_same(score_parallel(mixed, LEXICON, jobs=2, batch_size=2, start_method="fork"), score(mixed, LEXICON))


@needs_fork
@pytest.mark.parametrize("bad", [0, -1])
def test_fork_worker_errors_are_raised_here(small_corpus, bad, worker_goes_first):
    # the last document is scored by the worker (it takes pieces from the back), the first by this process
    from analysis.scale.parallel import _RemoteTraceback

    corpus = small_corpus.astype({"text": object})
    corpus.loc[len(corpus) + bad if bad < 0 else 0, "text"] = 5
    with pytest.raises(TypeError) as ref:
        score(corpus, LEXICON)
    with pytest.raises(TypeError) as got:
        score_parallel(corpus, LEXICON, jobs=2, batch_size=10, start_method="fork")
    assert str(got.value) == str(ref.value)
    assert isinstance(got.value.__cause__, _RemoteTraceback) == (bad < 0)  # the worker's traceback comes along


def test_auto_start_method_avoids_fork_while_threads_run(monkeypatch):
    import threading

    from analysis.scale import parallel

    monkeypatch.delenv(parallel.START_METHOD_ENV, raising=False)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        assert not parallel.fork_is_safe()
        assert parallel.resolve_start_method() == "spawn"
        assert parallel.resolve_start_method("auto") == "spawn"
    finally:
        stop.set()
        t.join()
    monkeypatch.setenv(parallel.START_METHOD_ENV, "spawn")
    assert parallel.resolve_start_method() == "spawn"
    if "fork" in parallel.multiprocessing.get_all_start_methods():
        assert parallel.resolve_start_method("fork") == "fork"  # an explicit choice wins over the environment
    with pytest.raises(ValueError, match="start method"):
        parallel.resolve_start_method("threads")
    with pytest.raises(ValueError, match="start method"):
        score_parallel(["It may rain."], LEXICON, jobs=2, start_method="threads")


# -- the fork path's transfer: shared memory, its fallbacks, odd corpora ------------------------------------

ODD_TEXTS = (["İstanbul officials said it may be possible."]  # the core refuses it: the Python path
             + ["Officials said it may rain.", "Nothing here.", "", "Experts believe it is likely, perhaps."] * 6
             + ["Sources suggested the İzmir deal could fail."])


@needs_fork
def test_fork_texts_the_core_refuses_on_both_sides(worker_goes_first):
    _assert_same(score_parallel(ODD_TEXTS, LEXICON, jobs=2, batch_size=3, start_method="fork"),
                 score(ODD_TEXTS, LEXICON))


@needs_fork
@pytest.mark.parametrize("texts", [[], ["It may rain."]], ids=["empty", "one document"])
@pytest.mark.parametrize("start_method", ["fork", "spawn"])
def test_tiny_corpora(texts, start_method):
    from analysis.text.corpus import from_texts

    corpus = from_texts(texts) if texts else from_texts(["x"]).iloc[:0]
    _assert_same(score_parallel(corpus, LEXICON, jobs=2, start_method=start_method), score(corpus, LEXICON))


@needs_fork
@pytest.mark.parametrize("capacity", [256, 12000])  # no piece fits; the first pieces fit, later ones do not
def test_fork_shared_area_too_small_sends_through_the_pipe(small_corpus, monkeypatch, worker_goes_first, capacity):
    from analysis.scale import parallel

    monkeypatch.setattr(parallel, "_area_capacity", lambda pieces, corpus: capacity)
    monkeypatch.setattr(parallel, "_FINISH_WEIGHT", 1)  # every piece handed over on its own
    imported, received = [], []  # counted here, in this process
    real_imported, real_receive = parallel._SharedArea.imported, parallel._receive

    def counted_imported(self, refs):
        imported.append(refs)
        return real_imported(self, refs)

    def counted_receive(proc, conn, area):
        items = real_receive(proc, conn, area)
        received.extend(items)
        return items

    monkeypatch.setattr(parallel._SharedArea, "imported", counted_imported)
    monkeypatch.setattr(parallel, "_receive", counted_receive)
    real_scan = parallel._scan_piece

    def paced(*args, **kw):  # 20 ms a piece on both sides, so that the worker gets several pieces
        import time

        time.sleep(0.02)
        return real_scan(*args, **kw)

    monkeypatch.setattr(parallel, "_scan_piece", paced)
    _assert_same(score_parallel(small_corpus, LEXICON, jobs=2, batch_size=10, start_method="fork"),
                 score(small_corpus, LEXICON))
    assert received
    if capacity == 256:
        assert not imported
    else:
        assert 0 < len(imported) < len(received), (len(imported), len(received))


@needs_fork
def test_fork_without_shared_memory(small_corpus, monkeypatch, worker_goes_first):
    from analysis.scale import parallel

    def no_memory(self, capacity):
        raise OSError("no shared memory here")

    monkeypatch.setattr(parallel._SharedArea, "__init__", no_memory)
    _assert_same(score_parallel(small_corpus, LEXICON, jobs=3, batch_size=10, start_method="fork"),
                 score(small_corpus, LEXICON))


@needs_fork
def test_fork_python_engine(small_corpus, monkeypatch, worker_goes_first):
    from analysis.scale import parallel

    monkeypatch.setenv("MFA_ENGINE", "python")
    monkeypatch.setattr(parallel, "_MATCHERS", {})  # no cached compiled matcher
    corpus = small_corpus.iloc[:30]
    res = score_parallel(corpus, LEXICON, jobs=2, batch_size=4, start_method="fork")
    assert parallel.worker_matcher(parallel.MatcherSpec.create(LEXICON)).engine == "python"
    _assert_same(res, score(corpus, LEXICON))


@needs_fork
def test_fork_worker_that_dies_is_reported(small_corpus, monkeypatch, worker_goes_first):
    import os

    from analysis.scale import parallel

    real, here = parallel._scan_piece, os.getpid()

    def dying(*args, **kw):
        if os.getpid() != here:  # the worker, after taking its first piece
            os._exit(3)
        return real(*args, **kw)

    monkeypatch.setattr(parallel, "_scan_piece", dying)
    said = []
    res = score_parallel(small_corpus, LEXICON, jobs=2, batch_size=10, start_method="fork", log=said.append)
    # its documents are scored again here (issue 16 item 7): the same tables, and one warning naming them
    assert len(said) >= 1 and re.search(r"died before returning its results \(exit code 3\); documents? \d+", said[0])
    ref = score(small_corpus, LEXICON)
    pd.testing.assert_frame_equal(res.documents, ref.documents)
    pd.testing.assert_frame_equal(res.matches, ref.matches)


def test_shared_area_round_trip():
    import numpy as np
    import pyarrow as pa

    from analysis.scale.parallel import _AreaFull, _SharedArea

    area = _SharedArea(1 << 20)
    strings = pd.Series(["a", "bé", "", "ccc", "\U0001F600"]).array
    values = {
        "ints": np.arange(10, dtype=np.int32).reshape(5, 2),
        "strided": np.arange(12, dtype=np.int64).reshape(3, 4)[:, 1],
        "empty": np.zeros((0, 3), dtype=np.int64),
        "strings": strings,
        "sliced": strings[1:4],
        "no strings": strings[:0],
        "objects": np.array(["x", None], dtype=object),  # sent as it is
    }
    if hasattr(strings, "_pa_array"):
        values["chunked"] = type(strings)(pa.chunked_array([pa.array(["x", "y"], pa.large_string()),
                                                            pa.array(["z"], pa.large_string())]), dtype=strings.dtype)
        values["missing"] = pd.Series(["x", None, "z"]).array  # has a missing value: sent as it is
    refs = {k: area.put(v) for k, v in values.items()}
    assert refs["objects"][0] == "obj"
    if "missing" in refs:
        assert refs["missing"][0] == "obj" and refs["strings"][0] == "str"
    for k, v in values.items():
        got = area.get(refs[k])
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(got, v)
            assert got.dtype == v.dtype and got.shape == v.shape
        else:
            pd.testing.assert_extension_array_equal(got, v)
    keep = area.get(refs["ints"])
    area.release()  # a view is still alive: the scratch area stays mapped
    np.testing.assert_array_equal(keep, values["ints"])
    del keep
    area.release()
    assert area.scratch.closed
    with pytest.raises(_AreaFull):
        _SharedArea(64).put(np.zeros(100))


def test_pieces_are_capped_and_cover_every_document_once(small_corpus, monkeypatch):
    from analysis.scale import parallel

    monkeypatch.setattr(parallel, "_MAX_PIECE_WEIGHT", 2000)
    pieces = parallel._Pieces(small_corpus, 2, None)
    taken, front = [], True
    while (piece := pieces.take(front)) is not None:
        taken.append(piece)
        front = not front
        a, b = piece
        # at most the cap, plus the one document that straddles the cut
        biggest = max(pieces.weight(i, i + 1) for i in range(a, b))
        assert pieces.weight(a, b) <= max(2000, pieces.min_weight) + biggest
    assert sorted(i for a, b in taken for i in range(a, b)) == list(range(len(small_corpus)))
    assert len(taken) > 10


@needs_fork
@pytest.mark.parametrize("finish_weight", [1, 3000, 10**9])  # each piece, a few pieces, all at the end
@pytest.mark.parametrize("jobs", [2, 3])
def test_fork_with_small_pieces(small_corpus, monkeypatch, worker_goes_first, finish_weight, jobs):
    from analysis.scale import parallel

    monkeypatch.setattr(parallel, "_MAX_PIECE_WEIGHT", 1500)
    monkeypatch.setattr(parallel, "_FINISH_WEIGHT", finish_weight)
    _assert_same(score_parallel(small_corpus, LEXICON, jobs=jobs, start_method="fork"), score(small_corpus, LEXICON))


@needs_fork
@pytest.mark.parametrize("kind", ["text", "int ids", "object ids", "NA-string outlets", "missing outlet"])
def test_fork_ids_and_outlets_of_every_kind(small_corpus, kind, worker_goes_first):
    # text columns are taken from run by run (workers included); any other kind is typed from the list
    import numpy as np

    corpus = small_corpus.copy()
    if kind == "int ids":
        corpus["doc_id"] = np.arange(len(corpus)) * 3
    elif kind == "object ids":
        corpus["doc_id"] = pd.Series([i if i % 3 else f"d{i}" for i in range(len(corpus))], dtype=object)
    elif kind == "NA-string outlets":
        corpus["outlet"] = corpus["outlet"].astype("string[pyarrow]")
    elif kind == "missing outlet":
        corpus["outlet"] = corpus["outlet"].where(corpus.index % 7 != 3)
    _assert_same(score_parallel(corpus, LEXICON, jobs=2, batch_size=15, start_method="fork"), score(corpus, LEXICON))


# -- attributions per piece (issue 19: --jobs on the whole command) ----------------------------------------


def _attributions_ref(corpus):
    from analysis.measure.attribution import attributions_frame, with_match_counts

    return with_match_counts(attributions_frame(corpus), score(corpus).matches)


def test_attribution_table_in_pieces_is_one_call(small_corpus):
    from analysis.scale.parallel import attribution_table

    ref = _attributions_ref(small_corpus)
    # several attributions per document (the per-document index and pronoun resolution are within it),
    # and content that holds matches: pieces that cut between documents must change nothing
    assert ref.groupby("doc_id")["attribution"].max().max() >= 2
    assert ref["resolved_type"].ne(ref["source_type"]).any() and ref["content_hedging"].sum() > 0
    matches = score(small_corpus).matches
    for size in (1, 7, 1000):
        pd.testing.assert_frame_equal(attribution_table(small_corpus, matches, docs_per_piece=size), ref)


@needs_fork
@pytest.mark.parametrize("start_method,batch_size", [("fork", None), ("fork", 9), ("spawn", 11)])
def test_score_parallel_attributions_equal_one_call(small_corpus, worker_goes_first, start_method, batch_size):
    res = score_parallel(small_corpus, jobs=2, batch_size=batch_size, start_method=start_method, attributions=True)
    pd.testing.assert_frame_equal(res.attributions, _attributions_ref(small_corpus))
    _assert_same(res, score(small_corpus))
    assert score_parallel(small_corpus.iloc[:3], LEXICON, jobs=2).attributions is None  # only when asked


@needs_fork
def test_fork_worker_that_dies_keeps_attributions(small_corpus, monkeypatch, worker_goes_first):
    import os

    from analysis.scale import parallel

    real, here = parallel._scan_piece, os.getpid()

    def dying(*args, **kw):
        if os.getpid() != here:
            os._exit(3)
        return real(*args, **kw)

    monkeypatch.setattr(parallel, "_scan_piece", dying)
    said = []
    res = score_parallel(small_corpus, jobs=2, batch_size=10, start_method="fork", log=said.append, attributions=True)
    assert said and "scored again in this process" in said[0]
    pd.testing.assert_frame_equal(res.attributions, _attributions_ref(small_corpus))


def test_no_documents_gives_empty_attribution_table():
    from analysis.scale.parallel import attribution_table

    corpus = pd.DataFrame({"doc_id": pd.Series([], dtype=str), "outlet": pd.Series([], dtype=str),
                           "text": pd.Series([], dtype=str)})
    table = attribution_table(corpus, score(["x"]).matches.iloc[:0])
    assert len(table) == 0 and "hedged_content" in table.columns


def test_score_command_jobs_2_writes_the_same_attributions(corpus_csv, tmp_path):
    from analysis.cli import main

    for jobs in ("1", "2"):
        assert main(["score", str(corpus_csv), "--out", str(tmp_path / jobs), "--jobs", jobs, "--quiet"]) == 0
    for name in ("attributions.csv", "attributions_provenance.json", "matches.csv", "documents.csv"):
        assert filecmp.cmp(tmp_path / "1" / name, tmp_path / "2" / name, shallow=False), name


@needs_fork
@pytest.mark.parametrize("escape", [True, False])
def test_workers_format_csv_rows_that_write_the_same_bytes(small_corpus, worker_goes_first, tmp_path, escape):
    # forked workers and this process format their pieces of matches.csv and attributions.csv while they
    # score; joined, the file is that of write_table, byte for byte
    from analysis.outputs import write_csv_parts, write_table

    corpus = small_corpus.copy()
    corpus.loc[::5, "outlet"] = "=cmd|' /C calc'!A0"  # a cell that is escaped (or not, with escape=False)
    res = score_parallel(corpus, jobs=2, batch_size=9, start_method="fork", attributions=True, csv_escape=escape)
    assert list(res.csv_parts) == ["matches", "attributions"]
    for name in ("matches", "attributions"):
        table, parts = getattr(res, name), res.csv_parts[name]
        assert sum(n for n, _, _ in parts) == len(table)
        assert len(parts) > 1 and all(rows is not None for n, rows, _ in parts if n)  # every run formatted its own
        write_table(table, tmp_path / f"{name}.ref.csv", csv_escape=escape)
        write_csv_parts(table, tmp_path / f"{name}.csv", parts, csv_escape=escape)
        assert (tmp_path / f"{name}.csv").read_bytes() == (tmp_path / f"{name}.ref.csv").read_bytes()
    assert (b"'=cmd" in (tmp_path / "matches.csv").read_bytes()) is escape


def test_csv_parts_typed_otherwise_or_not_covering_the_table_are_formatted_here(tmp_path):
    from analysis.outputs import column_types, csv_rows, write_csv_parts, write_table

    df = pd.DataFrame({"doc_id": ["a", "b,c", "=d", "e"], "n": [1, 2, 3, 4], "x": [0.5, 0.0, -0.0, 1e-9]})
    write_table(df, tmp_path / "ref.csv")
    ref = (tmp_path / "ref.csv").read_bytes()
    good = [(2, csv_rows(df.iloc[:2]), column_types(df)), (2, None, None)]
    write_csv_parts(df, tmp_path / "a.csv", good)
    assert (tmp_path / "a.csv").read_bytes() == ref
    # rows made from a piece typed otherwise are not trusted: formatted here (the wrong bytes never appear)
    wrong = [(2, b"WRONG\n", column_types(df.astype({"n": float}))), (2, None, None)]
    write_csv_parts(df, tmp_path / "b.csv", wrong)
    assert (tmp_path / "b.csv").read_bytes() == ref
    # parts that do not cover the table: the whole table is written as write_table writes it
    write_csv_parts(df, tmp_path / "c.csv", [(3, b"WRONG\n", column_types(df))])
    assert (tmp_path / "c.csv").read_bytes() == ref
