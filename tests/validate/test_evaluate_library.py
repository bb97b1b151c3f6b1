"""analysis.validate.evaluate: the evaluations the `evaluate` command prints, as library calls that a
notebook makes (issue 17: the library computes, the command line only prints)."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.cli import main
from analysis.validate.evaluate import (
    attribution_summary,
    evaluate_attribution,
    evaluate_sentences,
    load_gold,
)


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "gold.csv"
    pd.DataFrame({
        "sentence": ["It may rain.", "It rains.", "Officials might act.", "Perhaps so.", "In May it snowed.",
                     "It could be so, perhaps."],
        "label": [1, 0, 1, 1, 0, 1],
    }).to_csv(path, index=False)
    return path


def test_lexicon_scores_and_per_category(labelled):
    gold = load_gold([labelled], "csv")
    assert len(gold) == 6
    r = evaluate_sentences(gold, lexicons=["hedging"], categories=["hedging.modal", "hedging.possibility"])
    assert (r["tp"], r["fp"], r["fn"]) == (4, 0, 0)
    cats = {row["category"]: row for row in r["per_category"]}
    # modal: may, might, could (three sentences); possibility: perhaps (two sentences)
    assert cats["hedging.modal"]["sentences"] == 3 and cats["hedging.possibility"]["sentences"] == 2
    assert cats["hedging.modal"]["precision"] == 1.0
    assert set(r["per_entry"]["entry"]) >= {"may", "perhaps"}
    assert r["lexicons"][0]["name"] == "hedging"


def test_the_command_prints_what_the_library_computes(labelled, capsys):
    gold = load_gold(labelled, "csv")
    r = evaluate_sentences(gold, lexicons=["hedging"], categories=["hedging.modal"])
    assert main(["evaluate", str(labelled), "--format", "csv", "--lexicon", "hedging",
                 "--categories", "hedging.modal", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed == {k: r[k] for k in ("precision", "recall", "f1", "n_sentences", "n_positive")}
    assert r["recall"] == 0.75  # "Perhaps so." is not modal


def test_a_model_is_scored_like_the_lexicon(labelled, tmp_path):
    from analysis.validate.learn import train

    gold = load_gold(labelled, "csv")
    model = train(gold, {})
    path = model.save(tmp_path / "m.json")
    r = evaluate_sentences(gold, model=path)
    assert r["n_sentences"] == 6 and r["tp"] + r["fn"] == 4
    assert r["model_training"]["n_sentences"] == 6
    assert "per_category" not in r


def test_bad_calls_say_what_is_wrong(labelled, tmp_path):
    gold = load_gold(labelled, "csv")
    with pytest.raises(ValueError, match="either lexicons"):
        evaluate_sentences(gold)
    with pytest.raises(ValueError, match="either lexicons"):
        evaluate_sentences(gold, lexicons=["hedging"], model="m.json")
    with pytest.raises(ValueError, match="no sentences"):
        evaluate_sentences(gold.iloc[:0], lexicons=["hedging"])
    with pytest.raises(ValueError, match="unknown gold format"):
        load_gold(labelled, "xml")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="no files matching"):
        load_gold(tmp_path / "empty", "conll2010")


def test_attribution_summary_is_flat_and_rounded():
    prf = {"precision": 0.123456, "recall": 0.5, "f1": 0.2, "tp": 1, "fp": 7, "fn": 1}
    res = {"n_documents": 2, "n_sentences": 9, "sentence": prf, "split": "dev",
           **{f"{r}_{m}": prf for r in ("cue", "source", "content") for m in ("exact", "overlap")}}
    s = attribution_summary(res)
    assert s["task"] == "attribution" and s["split"] == "dev" and s["precision"] == 0.1235
    assert s["source_overlap"] == {"precision": 0.1235, "recall": 0.5, "f1": 0.2}
    json.dumps(s)


@pytest.mark.shared
def test_attribution_on_polnear_dev_matches_the_command(shared_dir, capsys):
    root = shared_dir / "data" / "polnear"
    res = evaluate_attribution(root, "dev")
    assert res["n_documents"] == 84 and res["sentence"]["f1"] >= 0.80
    assert main(["evaluate", str(root), "--format", "polnear", "--split", "dev", "--task", "attribution"]) == 0
    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed == res["summary"]
