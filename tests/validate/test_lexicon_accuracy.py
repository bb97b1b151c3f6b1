"""Lexicon accuracy: hand-made gold tables with known answers, plus fast checks on ../shared (sampled)."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis.lexicons.model import parse_lexicon
from analysis.validate.lexicon_accuracy import (
    UNCERTAIN_CATEGORIES,
    evaluate_attribution,
    evaluate_lexicon,
    match_sentences,
    split_by_document,
)

TINY = parse_lexicon(
    """
[meta]
name = "tiny"
version = "0.0.1"
[categories."hedging.modal"]
entries = ["may", "might"]
[categories."hedging.possibility"]
entries = ["possible"]
"""
)

GOLD = pd.DataFrame(
    {
        "doc_id": ["a", "a", "b", "b", "c", "c"],
        "text": [
            "It may rain.",  # TP (may)
            "It might rain and it is possible.",  # TP (might, possible)
            "A possible date.",  # FP (possible)
            "It will rain.",  # TN
            "Rain is probable.",  # FN: no entry for probable
            "It may be May.",  # TP; the tiny lexicon has no month rule, so "May" is a second (wrong) match
        ],
        "label": [True, True, False, False, True, True],
        "cues": [
            [(3, 6, "may", "x")],
            [(3, 8, "might", "x"), (24, 32, "possible", "x")],
            [],
            [],
            [(8, 16, "probable", "x")],
            [(3, 6, "may", "x")],
        ],
    }
)


def test_sentence_level_known_answer():
    r = evaluate_lexicon(GOLD, TINY)
    # predicted positive: rows 0, 1, 2, 5 -> tp = 3, fp = 1, fn = 1
    assert (r["tp"], r["fp"], r["fn"]) == (3, 1, 1)
    assert r["precision"] == pytest.approx(0.75) and r["recall"] == pytest.approx(0.75)
    assert r["f1"] == pytest.approx(0.75)
    assert (r["n_sentences"], r["n_positive"], r["n_predicted"]) == (6, 4, 4)
    assert r["predicted"].tolist() == [True, True, True, False, False, True]
    assert r["lexicons"][0]["name"] == "tiny" and len(r["lexicons"][0]["sha256"]) == 64
    lo, hi = r["precision_ci"]
    assert 0 < lo < 0.75 < hi <= 1


def test_per_entry_precision_and_cue_overlap():
    r = evaluate_lexicon(GOLD, TINY)
    pe = r["per_entry"].set_index("entry")
    assert pe.loc["may", "fires"] == 2 and pe.loc["may", "gold_positive"] == 2
    assert pe.loc["possible", "fires"] == 2 and pe.loc["possible", "precision"] == pytest.approx(0.5)
    assert pe.loc["possible", "cue_overlap"] == pytest.approx(0.5)
    assert pe.loc["might", "precision"] == 1.0
    assert list(r["per_entry"].columns) == [
        "category", "entry", "lexicon", "fires", "gold_positive", "precision", "ci_low", "ci_high", "matches", "cue_overlap"
    ]
    assert pe.loc["may", "matches"] == 3 and pe.loc["may", "cue_overlap"] == pytest.approx(2 / 3)
    # cue level: 6 predicted spans (may, might, possible, possible, may, May), 5 gold cues, 4 overlap
    cue = r["cue"]["overlap"]
    assert (cue["tp"], cue["fp"], cue["fn"]) == (4, 2, 1)


def test_category_filter_and_matcher_reuse():
    r = evaluate_lexicon(GOLD, TINY, ["hedging.modal"])
    assert r["categories"] == ["hedging.modal"]
    assert (r["tp"], r["fp"], r["fn"]) == (3, 0, 1)
    m = match_sentences(GOLD, TINY, "hedging.possibility")
    assert m["row"].tolist() == [1, 2]


def test_gold_without_cues_and_bad_input():
    r = evaluate_lexicon(GOLD.drop(columns=["cues"]), TINY)
    assert r["cue"] == {} and r["per_entry"]["cue_overlap"].isna().all()
    with pytest.raises(ValueError, match="label"):
        evaluate_lexicon(GOLD.drop(columns=["label"]), TINY)
    with pytest.raises(ValueError, match="strings"):
        evaluate_lexicon(pd.DataFrame({"text": [None], "label": [True]}), TINY)
    with pytest.raises(ValueError, match="DataFrame"):
        evaluate_lexicon(["It may rain."], TINY)


def test_split_by_document_is_reproducible_and_disjoint():
    df = pd.DataFrame({"doc_id": [f"d{i // 3}" for i in range(60)], "text": "x", "label": False})
    dev, test = split_by_document(df, seed=7)
    dev2, _ = split_by_document(df.sample(frac=1, random_state=1), seed=7)
    assert set(dev.doc_id) == set(dev2.doc_id)  # row order does not matter
    assert not set(dev.doc_id) & set(test.doc_id)
    assert len(dev) + len(test) == 60 and dev.doc_id.nunique() == 10
    with pytest.raises(ValueError, match="doc_id"):
        split_by_document(df.drop(columns=["doc_id"]))


def test_attribution_known_answer():
    text = "One official told CNN that Iran may attack. Smith said nothing. The weather was fine, he wrote."
    articles = pd.DataFrame({"doc_id": ["d1"], "text": [text]})
    gold = pd.DataFrame(
        {
            "doc_id": ["d1", "d1", "d1"],
            "source": [[(0, 12, "One official")], [(44, 49, "Smith")], [(84, 86, "he")]],
            "cue": [[(13, 17, "told")], [(50, 54, "said")], [(87, 92, "wrote")]],
        }
    )
    r = evaluate_attribution(articles, gold)
    # caught: attribution 1 (anonymous + outlet), 2 (named "Smith said"), 3 (named "he wrote")
    assert r["n_attributions"] == 3 and r["recall"] == 1.0
    assert r["precision"] == 1.0
    cats = set(r["per_category"]["category"])
    assert {"sourcing.anonymous", "sourcing.outlet", "sourcing.named"} <= cats
    only_anon = evaluate_attribution(articles, gold, "sourcing", ["sourcing.anonymous"])
    assert only_anon["recall"] == pytest.approx(1 / 3) and only_anon["n_matches"] == 1
    assert set(r["recall_by_cue"]["cue"]) == {"told", "said", "wrote"}


def test_attribution_precision_counts_misses():
    articles = pd.DataFrame({"doc_id": ["d1"], "text": ["Smith said it rained. Jones said it snowed."]})
    gold = pd.DataFrame({"doc_id": ["d1"], "source": [[(0, 5, "Smith")]], "cue": [[(6, 10, "said")]]})
    r = evaluate_attribution(articles, gold)
    assert r["n_matches"] == 2 and r["precision"] == 0.5 and r["recall"] == 1.0
    with pytest.raises(ValueError, match="not in articles"):
        evaluate_attribution(articles.assign(doc_id="other"), gold)


# --- ../shared: fast, sampled -------------------------------------------------------------------------


@pytest.mark.shared
def test_szeged_dev_sample_is_in_the_expected_range(shared_dir):
    from analysis.validate.corpora import load_szeged

    gold = load_szeged(shared_dir / "data" / "uncertainty" / "szeged_wiki.xml")
    dev, test = split_by_document(gold)
    assert not set(dev.doc_id) & set(test.doc_id)
    sample = dev[dev.doc_id.isin(sorted(dev.doc_id.unique())[:800])].reset_index(drop=True)
    r = evaluate_lexicon(sample, "hedging", UNCERTAIN_CATEGORIES)
    assert r["n_positive"] > 100
    assert r["precision"] > 0.7 and r["recall"] > 0.7  # full dev half: P 0.83, R 0.82 (docs/codebook.md)


@pytest.mark.shared
def test_polnear_dev_sample(shared_dir):
    from analysis.validate.corpora import load_polnear_articles, load_polnear_attributions

    root = shared_dir / "data" / "polnear"
    articles = load_polnear_articles(root, "dev").head(30)
    attributions = load_polnear_attributions(root, "dev")
    attributions = attributions[attributions.doc_id.isin(articles.doc_id)]
    r = evaluate_attribution(articles, attributions)
    assert r["n_attributions"] > 200
    assert r["precision"] > 0.8 and 0.15 < r["recall"] < 0.6
