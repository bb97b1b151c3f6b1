"""The hand-coded news set: shipped codes are pointers only, load against PolNeAR, split by document."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from analysis.validate.news_set import (
    CODED_FILE,
    CODER_B_FILE,
    agreement,
    draw_sample,
    load_codes,
    load_news_set,
)

FIXTURE = Path(__file__).parent / "fixtures" / "polnear_tiny"


@pytest.mark.checkout  # the codes are repository data (data/coding)
def test_shipped_codes_hold_no_text():
    codes = load_codes(CODED_FILE)
    assert len(codes) >= 1500
    assert set(codes["part"]) == {"dev", "test"}
    assert set(codes["coder"]) == {"A"}
    # only pointers and codes: no column can carry a sentence
    with open(CODED_FILE, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
        assert not {"text", "sentence", "left", "right", "match"} & set(header)
        for row in csv.reader(fh):
            assert all(len(v.split()) <= 6 for v in row), row
    # a document is in dev or in test, never both
    docs = codes.groupby("file")["part"].nunique()
    assert (docs == 1).all()
    assert codes.groupby("part")["file"].nunique().min() > 100


@pytest.mark.checkout  # the codes are repository data (data/coding)
def test_coder_b_is_a_subset_and_agreement_is_reported():
    b = load_codes(CODER_B_FILE)
    assert set(b["coder"]) == {"B"} and len(b) >= 300
    table = agreement()
    row = table.set_index("measure").loc["uncertain"]
    assert row["n"] == len(b)
    assert 0 < row["kappa"] <= 1 and 0 < row["agree"] <= 1


@pytest.mark.checkout  # the codes are repository data (data/coding)
def test_bad_codes_file_names_file_and_line(tmp_path):
    bad = tmp_path / "codes.csv"
    lines = CODED_FILE.read_text(encoding="utf-8").splitlines()[:4]
    first = lines[2].split(",")
    first[10] = "MQ"
    lines[2] = ",".join(first)
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(f"{bad}:3: unknown code")):
        load_codes(bad)
    lines[2] = lines[1]
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="coded twice"):
        load_codes(bad)


def test_draw_sample_on_a_tiny_corpus_is_reproducible():
    a = draw_sample(FIXTURE, n_uniform=(2, 1), cap=(1, 1), test_share=0.0)
    b = draw_sample(FIXTURE, n_uniform=(2, 1), cap=(1, 1), test_share=0.0)
    assert a.equals(b) and len(a) >= 1
    assert set(a["draw"]) <= {"uniform", "cue"}
    for r in a.itertuples():
        assert r.text.strip() and r.end > r.start


@pytest.mark.shared
@pytest.mark.checkout  # the codes are repository data (data/coding)
def test_news_set_loads_against_polnear(shared_dir):
    root = shared_dir / "data" / "polnear"
    dev = load_news_set(root, "dev")
    test = load_news_set(root, "test")
    assert len(dev) + len(test) >= 1500
    assert not set(dev["doc_id"]) & set(test["doc_id"])
    for g in (dev, test):
        assert g["text"].str.len().min() > 0
        assert 0.2 < g["label"].mean() < 0.7
        for text, cues in zip(g["text"], g["cues"]):
            for s, e, cue, _cat in cues:
                assert text[s:e] == cue and re.fullmatch(r"[\w'-]+", cue)
    # the uniform draw keeps the natural mix of news sentences: most are certain
    uni = dev[dev["draw"] == "uniform"]
    assert 0.1 < uni["label"].mean() < 0.3


def test_shipped_news_model_loads_and_holds_no_text_ngrams():
    import json

    from analysis.validate.news_set import NEWS_MODEL, load_news_model

    model = load_news_model()
    data = json.loads(NEWS_MODEL.read_text(encoding="utf-8"))
    assert data["word_vocabulary"] == [] and data["char_vocabulary"] == [] and data["context_vocabulary"] == []
    assert all(" " not in cue for cue, _p in data["cues"])  # single words only
    assert model.predict(["Officials warn of potential attacks.", "The bombers flew into the Gulf."]).tolist() == [True, False]


@pytest.mark.shared
def test_shipped_news_model_on_the_test_part(shared_dir):
    """Trained on the dev part only; its test-part F1 is reported in docs/validation.md (0.918)."""
    from analysis.validate.metrics import prf
    from analysis.validate.news_set import load_news_model, load_news_set

    test = load_news_set(shared_dir / "data" / "polnear", "test")
    r = prf(test["label"].tolist(), load_news_model().predict(test["text"].tolist()).tolist())
    assert r["f1"] >= 0.85, r
