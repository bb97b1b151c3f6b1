"""benchmarks/bio_token_cv.py on small synthetic sentences: folds by seed, the --augment corpus, argument errors."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

_SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bio_token_cv.py"
pytestmark = pytest.mark.checkout  # the repository's benchmarks/, not part of the package


@pytest.fixture(scope="module")
def bio():
    spec = importlib.util.spec_from_file_location("bio_token_cv", _SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _corpus(n_docs: int, prefix: str) -> pd.DataFrame:
    """'may' before a verb is a cue, 'may' as the month is not; two sentences of each per document."""
    rows = []
    for d in range(n_docs):
        for text, cued in (("It may bind the receptor.", True), ("We met in may last year.", False),
                           ("They may act on cells.", True), ("Samples from may were kept.", False)):
            start = text.index("may")
            rows.append({"doc_id": f"{prefix}{d}", "text": text, "label": cued,
                         "cues": [(start, start + 3, "may", "speculation")] if cued else []})
    return pd.DataFrame(rows)


def test_separable_sentences_are_all_found(bio):
    gold = _corpus(10, "d")
    res = bio.run(gold, k=2, C=2.0, min_count=2, window=3, bits=12)
    assert res["f1"] == 1.0 and res["sentences"] == 40 and res["documents"] == 10
    assert res["seed"] == 0 and res["augment"] is None


def test_augmented_corpus_joins_training_but_is_never_scored(bio):
    gold, wiki = _corpus(10, "d"), _corpus(6, "w")
    res = bio.run(gold, k=2, C=2.0, min_count=2, window=3, augment=wiki, bits=12)
    assert res["augment"] == 24 and res["sentences"] == 40  # only the bio sentences are scored
    assert res["f1"] == 1.0


def test_the_seed_changes_the_folds_not_the_scoring(bio):
    gold = _corpus(10, "d")
    gold.loc[gold.index % 8 == 1, "label"] = True  # a month sentence that is "uncertain" without a cue
    a = bio.run(gold, k=5, C=2.0, min_count=2, window=3, seed=0, bits=12)
    b = bio.run(gold, k=5, C=2.0, min_count=2, window=3, seed=1, bits=12)
    assert a == bio.run(gold, k=5, C=2.0, min_count=2, window=3, seed=0, bits=12)  # deterministic
    assert a["recall"] == b["recall"] < 1.0  # the same five sentences are missed whatever the folds
    assert a["seed"] == 0 and b["seed"] == 1


def test_argument_errors(bio, tmp_path, capsys):
    assert bio.main(["--data", str(tmp_path), "--augment", "x.xml", "--stack"]) == 2
    assert "cannot be combined" in capsys.readouterr().err
    assert bio.main(["--data", str(tmp_path)]) == 2
    assert "no task2_train_bio_" in capsys.readouterr().err
