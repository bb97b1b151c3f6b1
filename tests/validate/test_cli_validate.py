"""The evaluate, learn and code commands, run in-process through analysis.cli.main."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from analysis.cli import main

FIXTURES = Path(__file__).parent / "fixtures"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def last_json(out: str) -> dict:
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "gold.csv"
    pd.DataFrame({
        "sentence": ["It may rain.", "It rains.", "Officials might act.", "Perhaps so.", "In May it snowed."],
        "label": [1, 0, 1, 1, 0],
    }).to_csv(path, index=False)
    return path


def test_evaluate_csv_json_last_line(capsys, labelled):
    code, out, _ = run(capsys, "evaluate", labelled, "--format", "csv", "--lexicon", "hedging",
                       "--categories", "hedging.modal", "--json")
    assert code == 0
    # modal finds "may" and "might" (not the month): tp 2, fp 0, fn 1 ("Perhaps" is not modal)
    assert last_json(out) == {"precision": 1.0, "recall": 2 / 3, "f1": 0.8, "n_sentences": 5, "n_positive": 3}
    assert "cue level: the gold has no cue spans" in out


def test_evaluate_conll_and_szeged_fixtures_report_cue_scores(capsys):
    code, out, _ = run(capsys, "evaluate", FIXTURES / "conll_tiny.xml", "--format", "conll2010",
                       "--lexicon", "hedging", "--json")
    assert code == 0 and "cue level, exact spans" in out
    assert last_json(out)["n_sentences"] == 3 and last_json(out)["n_positive"] == 1
    code, out, _ = run(capsys, "evaluate", FIXTURES / "szeged_tiny.xml", "--format", "szeged",
                       "--lexicon", "hedging", "--categories", "hedging.*", "--json")
    assert code == 0 and set(last_json(out)) == {"precision", "recall", "f1", "n_sentences", "n_positive"}


def test_evaluate_polnear_fixture(capsys):
    code, out, _ = run(capsys, "evaluate", FIXTURES / "polnear_tiny", "--format", "polnear",
                       "--lexicon", "sourcing", "--json")
    assert code == 0
    res = last_json(out)
    assert res["n_positive"] > 0 and 0 <= res["f1"] <= 1


def test_evaluate_refuses_bad_requests(capsys, labelled):
    code, _, err = run(capsys, "evaluate", labelled, "--format", "csv")
    assert code == 2 and err.startswith("error: give either --lexicon")
    code, _, err = run(capsys, "evaluate", labelled, "--format", "csv", "--lexicon", "hedging",
                       "--model", "m.json")
    assert code == 2
    code, _, err = run(capsys, "evaluate", labelled, "--format", "csv", "--model", labelled)
    assert code == 2 and "not a JSON model file" in err


def test_learn_then_evaluate_model(capsys, tmp_path):
    rows = []
    for d in range(6):
        for s, (text, label) in enumerate([("the gene blorfly binds", 1), ("the gene binds", 0),
                                           ("cells blorfly grow", 1), ("cells grow fast", 0)]):
            rows.append({"doc_id": f"d{d}", "sentence": f"{text} {d}.", "label": label})
    train = tmp_path / "train.csv"
    pd.DataFrame(rows).to_csv(train, index=False)
    model = tmp_path / "model.json"
    code, out, _ = run(capsys, "learn", train, "--format", "csv", "--out", model, "--cv", "3",
                       "--set", "lexicons=[]", "--set", "min_df=1", "--json")
    assert code == 0 and model.is_file()
    assert last_json(out)["f1"] == 1.0 and last_json(out)["k"] == 3
    code, out, _ = run(capsys, "evaluate", train, "--format", "csv", "--model", model, "--json")
    assert code == 0 and last_json(out)["f1"] == 1.0 and last_json(out)["n_sentences"] == 24
    code, _, err = run(capsys, "learn", train, "--format", "csv", "--out", tmp_path / "m.pkl")
    assert code == 2 and "JSON" in err
    code, _, err = run(capsys, "learn", train, "--format", "csv", "--out", model, "--set", "bogus=1")
    assert code == 2 and "unknown setting" in err


def _conll(path, n_docs=6):
    """A small CoNLL-2010 file: "may" is a cue before a verb, "May" the month is not."""
    docs = []
    for d in range(n_docs):
        sents = [(f'<sentence id="S{d}.1">The gene <xcope id="X{d}.1"><cue ref="X{d}.1" type="speculation">may'
                 f"</cue> bind here</xcope> {d}.</sentence>"),
                 f'<sentence id="S{d}.2">The gene binds in May {d}.</sentence>',
                 (f'<sentence id="S{d}.3">Cells <xcope id="X{d}.3"><cue ref="X{d}.3" type="speculation">may</cue>'
                 f" grow</xcope> {d}.</sentence>"),
                 f'<sentence id="S{d}.4">Cells grow fast {d}.</sentence>']
        docs.append(f'<Document type="Biological_abstract"><DocID type="PMID">{d}</DocID>'
                    f'<DocumentPart type="AbstractText">{"".join(sents)}</DocumentPart></Document>')
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><Annotation><DocumentSet>'
                    + "".join(docs) + "</DocumentSet></Annotation>", encoding="utf-8")
    return path


def test_learn_tagger_blend_says_how_it_decides(capsys, tmp_path):
    train = _conll(tmp_path / "train.xml", n_docs=12)
    model = tmp_path / "blend.json"
    code, out, err = run(capsys, "learn", train, "--format", "conll2010", "--out", model, "--set", "tagger=true",
                         "--set", "tagger_sentence=true", "--set", "lexicons=[]", "--set", "min_df=1")
    assert code == 0, err
    weight = json.loads(model.read_text())["settings"]["tagger_weight"]
    assert isinstance(weight, float) and 0 <= weight <= 1
    line = next(ln for ln in out.splitlines() if ln.startswith("cue tagger:"))
    assert "blended with a sentence model" in line and f"{weight:g} x" in line, line


def test_learn_tagger_cross_validates_and_saves(capsys, tmp_path):
    train = _conll(tmp_path / "train.xml")
    model = tmp_path / "tagger.json"
    code, out, err = run(capsys, "learn", train, "--format", "conll2010", "--out", model, "--cv", "3",
                         "--set", "tagger=true", "--set", "lexicons=[]", "--set", "min_df=1", "--json")
    assert code == 0, err
    assert last_json(out)["f1"] == 1.0 and "cue tagger:" in out
    assert json.loads(model.read_text())["settings"]["tagger"] is True
    code, out, _ = run(capsys, "evaluate", train, "--format", "conll2010", "--model", model, "--json")
    assert code == 0 and last_json(out)["f1"] == 1.0
    # sentences without annotated cue spans cannot train a tagger: one line, no model written
    csv = tmp_path / "plain.csv"
    pd.DataFrame({"sentence": ["It may rain.", "It rains."] * 4, "label": [1, 0] * 4}).to_csv(csv, index=False)
    code, _, err = run(capsys, "learn", csv, "--format", "csv", "--out", tmp_path / "t2.json",
                       "--set", "tagger=true")
    assert code == 2 and err.startswith("error:") and "annotated cue spans" in err
    assert not (tmp_path / "t2.json").exists()


def test_code_sample_and_evaluate(capsys, tmp_path):
    corpus = tmp_path / "corpus.csv"
    pd.DataFrame({
        "doc_id": ["a", "b"], "outlet": ["X", "Y"],
        "text": ["Attacks may come. It rained. Officials might act.", "It may rain. Sun. Perhaps not."],
    }).to_csv(corpus, index=False)
    sheet = tmp_path / "sheet.csv"
    code, out, _ = run(capsys, "code", "sample", corpus, "--lexicon", "hedging", "--out", sheet,
                       "--n-per-stratum", "2", "--nonmatch", "2")
    assert code == 0 and sheet.is_file() and "Codes:" in out
    df = pd.read_csv(sheet, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df["code"] = "1"
    coded = tmp_path / "coded.csv"
    df.to_csv(coded, index=False)
    code, out, _ = run(capsys, "code", "evaluate", coded, "--sample", sheet, "--corpus", corpus,
                       "--lexicon", "hedging", "--out", tmp_path / "tables", "--json")
    assert code == 0
    res = last_json(out)
    assert res["overall"]["precision"] == 1.0 and res["corrected_rates"]
    assert (tmp_path / "tables" / "by_entry.csv").is_file()
    df.loc[0, "code"] = "perhaps"
    df.to_csv(coded, index=False)
    code, _, err = run(capsys, "code", "evaluate", coded)
    assert code == 2 and "line 2: unknown code 'perhaps'" in err


@pytest.mark.shared
def test_evaluate_polnear_dev_sourcing(capsys, shared_dir):
    code, out, _ = run(capsys, "evaluate", shared_dir / "data" / "polnear", "--format", "polnear",
                       "--split", "dev", "--lexicon", "sourcing", "--json")
    assert code == 0
    res = last_json(out)
    assert res["n_sentences"] > 1000 and res["precision"] > 0.5
