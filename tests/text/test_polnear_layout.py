"""PolNeAR read as published: any split (train, dev, test, others) from its root, a split folder or its
``text/``, always with the metadata of ``metadata.tsv``; ``score --split`` and ``evaluate --split test``."""
from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis.text.corpus import CorpusError, load_corpus
from analysis.validate.corpora import load_polnear, polnear_root, polnear_splits

TINY = Path(__file__).parents[1] / "validate" / "fixtures" / "polnear_tiny"
TEST_DOC = "outlet-c_2016-03-09_budget-talks-may-stall"


@pytest.fixture
def published(tmp_path):
    """The tiny fixture with a third, ``test`` split (text and annotation written here), as published."""
    root = tmp_path / "PolNeAR"
    shutil.copytree(TINY, root)
    (root / "test" / "text").mkdir(parents=True)
    (root / "test" / "attributions").mkdir()
    text = "Budget talks may stall\n\nThe talks may stall, aides said on Wednesday."
    (root / "test" / "text" / f"{TEST_DOC}.txt").write_text(text, encoding="utf-8", newline="")
    cue, src, content = text.index("said"), text.index("aides"), text.index("The talks may stall")
    (root / "test" / "attributions" / f"{TEST_DOC}_dddd.ann").write_text(
        f"T1\tSource {src} {src + 5}\taides\nT2\tCue {cue} {cue + 4}\tsaid\n"
        f"T3\tContent {content} {content + 19}\tThe talks may stall\n"
        "E1\tAttribution:T2 Source:T1 Content:T3 Cue:T2\n", encoding="utf-8")
    with open(root / "metadata.tsv", "a", encoding="utf-8") as fh:
        fh.write(f"test\t{TEST_DOC}\t2\tdddd\toutlet-c\t2016-03-09\tAl Doe\tBudget talks may stall\t0\t0\tNone\tAP\n")
    return root


def test_splits_are_found_in_published_order(published):
    assert polnear_splits(published) == ["train", "dev", "test"]
    assert polnear_root(published) == (published, None)
    assert polnear_root(published / "test") == (published, "test")
    assert polnear_root(published / "test" / "text") == (published, "test")
    assert polnear_root(published / "test" / "attributions") is None


def test_root_reads_every_split_with_metadata(published):
    corpus, report = load_corpus(published)
    assert corpus["split"].tolist() == ["train", "dev", "test"]
    assert report.n_read == 3 and report.issues == []
    test = corpus.set_index("doc_id").loc[TEST_DOC]
    assert (test["outlet"], test["author"], test["wire"], test["title"]) == ("outlet-c", "Al Doe", "AP",
                                                                            "Budget talks may stall")
    assert test["date"] == pd.Timestamp("2016-03-09")
    for col in ("level", "annotators", "trump_count", "clinton_count", "credit"):  # every metadata column kept
        assert col in corpus.columns
    assert "splits read: train, dev, test" in " ".join(report.notes)
    assert str(published) not in " ".join(report.notes)  # notes go to provenance.json: no paths


@pytest.mark.parametrize("where", ["root", "folder", "text"])
def test_one_split_from_the_root_its_folder_or_its_text_folder(published, where):
    path, kw = {"root": (published, {"split": "test"}), "folder": (published / "test", {}),
                "text": (published / "test" / "text", {})}[where]
    corpus, _ = load_corpus(path, **kw)
    assert corpus["doc_id"].tolist() == [TEST_DOC]
    assert corpus["outlet"].tolist() == ["outlet-c"]  # not 'unknown': the metadata is found


def test_a_missing_split_names_those_present(published):
    with pytest.raises(CorpusError, match=r"no PolNeAR split 'gold' \(splits found: train, dev, test"):
        load_corpus(published, split="gold")
    with pytest.raises(CorpusError, match="this is the 'test' split"):
        load_corpus(published / "test", split="dev")
    with pytest.raises(CorpusError, match="split='dev' is for a PolNeAR folder"):
        load_corpus(TINY / "metadata.tsv", split="dev", fmt="csv")


def test_an_unparsable_date_in_the_metadata_is_reported(published):
    meta = published / "metadata.tsv"
    meta.write_text(meta.read_text(encoding="utf-8").replace("\t2016-03-09\t", "\tsometime\t"), encoding="utf-8")
    corpus, report = load_corpus(published, split="test")
    assert corpus["date"].isna().all()
    (issue,) = report.issues
    assert issue.row == TEST_DOC and "'sometime'" in issue.problem


def test_sentences_of_the_test_split(published):
    df = load_polnear(published, "test")
    assert df["split"].unique().tolist() == ["test"]
    assert df["label"].sum() == 1


def _cli(argv):
    from analysis.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("extra", [(), ("--chunk-size", "1")])
def test_score_accepts_the_root_and_a_split(published, tmp_path, extra):
    code, _, err = _cli(["score", published, "--split", "test", "--out", tmp_path / "o", "--quiet", *extra])
    assert code == 0, err
    docs = pd.read_csv(tmp_path / "o" / "documents.csv")
    assert docs["doc_id"].tolist() == [TEST_DOC] and docs["outlet"].tolist() == ["outlet-c"]
    code, _, err = _cli(["score", published, "--out", tmp_path / "all", "--quiet", *extra])
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "all" / "documents.csv")) == 3


@pytest.mark.parametrize("gold", ["root", "folder"])
def test_evaluate_reads_the_test_split(published, gold):
    path = published if gold == "root" else published / "test"
    code, out, err = _cli(["evaluate", path, "--format", "polnear", "--split", "test", "--lexicon", "sourcing",
                           "--json"])
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["n_positive"] == 1


def test_evaluate_refuses_a_split_that_is_not_there(published):
    code, _, err = _cli(["evaluate", published, "--format", "polnear", "--split", "gold", "--lexicon", "sourcing"])
    assert code != 0 and err.startswith("error:") and "splits found: train, dev, test" in err
