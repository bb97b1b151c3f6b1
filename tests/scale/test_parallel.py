"""Several processes and Dask give exactly the single-process results."""
from __future__ import annotations

import filecmp

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


def test_streamed_jobs_2_equals_jobs_1(corpus_csv, tmp_path):
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


def test_bad_jobs_refused(corpus_csv, tmp_path):
    from analysis.cli import main

    assert main(["score", str(corpus_csv), "--out", str(tmp_path / "x"), "--jobs", "0", "--quiet"]) == 2
    with pytest.raises(ValueError, match="jobs"):
        score_parallel(["a"], LEXICON, jobs=0)
