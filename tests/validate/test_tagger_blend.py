"""The tagger blended with a sentence model (learn setting ``tagger_sentence``, schema 5)."""
from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest

from analysis.validate.learn import (
    DEFAULT_TAGGER_WEIGHT,
    NO_CANDIDATE_SCORE,
    _blend_weight,
    _checksum,
    _choose_tagger_weight,
    check_settings,
    cross_validate,
    load_model,
    train,
)


def context_gold(n_docs=16, per_doc=8, seed=3):
    """'blorfly' is a cue before a verb and a plain noun after 'the' (as in test_learn.py)."""
    rng = random.Random(seed)
    filler = ["the", "protein", "cell", "binds", "gene", "level", "expression", "sample"]
    rows = []
    for d in range(n_docs):
        for s in range(per_doc):
            words = rng.sample(filler, 4)
            kind = (d + s) % 3
            cues = []
            if kind == 0:  # cue use: "blorfly zorps"
                text = " ".join(words[:2]) + " blorfly zorps " + " ".join(words[2:]) + "."
                start = len(" ".join(words[:2])) + 1
                cues = [(start, start + 7, "blorfly", "speculation")]
            elif kind == 1:  # the noun: "the blorfly"
                text = " ".join(words[:2]) + " the blorfly " + " ".join(words[2:]) + "."
            else:
                text = " ".join(words) + "."
            rows.append({"doc_id": f"d{d}", "sentence_id": f"S{d}.{s}", "text": text, "label": kind == 0,
                         "cues": cues})
    return pd.DataFrame(rows)

BLEND = {"lexicons": [], "min_df": 1, "tagger": True, "tagger_sentence": True}
TEXTS = ["cell gene blorfly zorps level.", "cell gene the blorfly level.", "cell level."]


def _resave(path, data):
    data["checksum"] = _checksum(data)
    path.write_text(json.dumps(data))
    return path


def test_the_decision_is_the_weighted_sum_of_tagger_and_sentence_model():
    gold = context_gold()
    blend = train(gold, {**BLEND, "tagger_weight": 0.7})
    tagger = train(gold, {"lexicons": [], "min_df": 1, "tagger": True})
    # the sentence part: the same features a plain sentence model has, trained with sentence_C
    sentence = train(gold, {"lexicons": [], "min_df": 1, "C": 3.0})
    assert blend.feature_names == [*sentence.feature_names, "tagger:max_logit"]
    expected = 0.7 * tagger.decision_function(TEXTS) + 0.3 * sentence.decision_function(TEXTS)
    np.testing.assert_allclose(blend.decision_function(TEXTS), expected, rtol=1e-9, atol=1e-9)
    # the planted pattern: "blorfly" before a verb is a cue, after "the" it is not
    assert blend.predict(TEXTS).tolist() == [True, False, False]
    # a sentence without any candidate keeps (almost) the tagger's floor
    assert blend.decision_function(["cell level."])[0] < 0.7 * NO_CANDIDATE_SCORE + 10


def test_sentence_C_reaches_the_sentence_part_only():
    gold = context_gold()
    a = train(gold, {**BLEND, "tagger_weight": 0.5, "sentence_C": 0.01})
    b = train(gold, {**BLEND, "tagger_weight": 0.5, "sentence_C": 100.0})
    assert a.featurizer.token_model["coef"] == b.featurizer.token_model["coef"]  # the tagger is the same
    assert np.abs(a.coef[:-1]).max() < np.abs(b.coef[:-1]).max()


def test_a_null_weight_is_chosen_by_inner_folds_and_recorded(tmp_path):
    gold = context_gold()
    model = train(gold, BLEND)
    w = model.settings["tagger_weight"]
    assert 0 < w <= 1 and model.coef[-1] == pytest.approx(w)
    assert w == _choose_tagger_weight(gold, check_settings(BLEND))  # deterministic folds
    data = json.loads(model.save(tmp_path / "m.json").read_text())
    assert data["schema_version"] == 5 and data["settings"]["tagger_weight"] == w
    # under three documents there are no inner folds to choose with
    two_docs = gold[gold["doc_id"].isin(["d0", "d1"])]
    assert _choose_tagger_weight(two_docs, check_settings(BLEND)) == DEFAULT_TAGGER_WEIGHT
    # the planted pattern is separable: every fold finds it
    assert cross_validate(gold, BLEND, k=4)["f1"] == 1.0


def test_the_weight_follows_the_more_informative_score():
    rng = np.random.default_rng(0)
    y = rng.random(400) < 0.3
    truth = np.where(y, 1.0, -1.0)
    # two noisy views of the truth, one with a quarter of the other's noise variance: weights ~ 1 / variance
    signal, partly, noise = truth + rng.normal(0, 1.5, 400), truth + rng.normal(0, 3, 400), rng.normal(0, 1, 400)
    assert _blend_weight(signal, partly, y) > 0.6 and _blend_weight(partly, signal, y) < 0.4
    assert _blend_weight(signal, noise, y) > 0.9  # a useless sentence score gets (almost) no weight
    assert _blend_weight(signal, -signal, y) == 1.0  # a negative weight: the tagger alone
    assert _blend_weight(signal, noise, np.zeros(400, dtype=bool)) == DEFAULT_TAGGER_WEIGHT  # one class


def test_blend_model_file_round_trip_and_refusals(tmp_path):
    model = train(context_gold(), {**BLEND, "tagger_weight": 0.8})
    path = model.save(tmp_path / "m.json")
    back = load_model(path)
    assert back.decision_function(TEXTS).tolist() == model.decision_function(TEXTS).tolist()
    assert back.to_json() == model.to_json()
    data = json.loads(path.read_text())
    data["coef"][-1] = 0.9  # an edited tagger weight without a new checksum
    (tmp_path / "edited.json").write_text(json.dumps(data))
    with pytest.raises(ValueError, match="checksum mismatch"):
        load_model(tmp_path / "edited.json")
    data = json.loads(path.read_text())
    data["settings"]["tagger_weight"] = None  # a trained blend always records its weight
    with pytest.raises(ValueError, match="tagger_weight must be the number"):
        load_model(_resave(tmp_path / "null.json", data))
    data = json.loads(path.read_text())
    data["token_model"] = None
    with pytest.raises(ValueError, match="exactly when"):
        load_model(_resave(tmp_path / "notagger.json", data))


def test_schema_4_tagger_files_still_load(tmp_path):
    """A tagger written before the blend (schema 4: no ``tagger_sentence``) loads as the tagger alone."""
    model = train(context_gold(), {"lexicons": [], "min_df": 1, "tagger": True})
    data = json.loads(model.save(tmp_path / "m.json").read_text())
    data["schema_version"] = 4
    for key in ("tagger_sentence", "tagger_weight", "sentence_C"):
        data["settings"].pop(key)
    back = load_model(_resave(tmp_path / "old.json", data))
    assert back.settings["tagger_sentence"] is False and back.feature_names == ["tagger:max_logit"]
    assert back.decision_function(TEXTS).tolist() == model.decision_function(TEXTS).tolist()


@pytest.mark.parametrize(("settings", "message"), [
    ({"tagger_sentence": True}, "needs 'tagger'"),
    ({"tagger": True, "tagger_weight": 0.5}, "tagger's share"),
    ({"tagger": True, "tagger_sentence": True, "tagger_weight": 0.0}, "tagger's share"),
    ({"tagger": True, "tagger_sentence": True, "tagger_weight": 1.5}, "tagger's share"),
    ({"tagger": True, "tagger_sentence": True, "tagger_weight": True}, "must be int"),
    ({"tagger": True, "tagger_sentence": True, "sentence_C": -1}, "'sentence_C' must be a positive"),
])
def test_settings_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        check_settings(settings)


def test_a_hashed_blend_with_the_lexicon_round_trips(tmp_path):
    """``hash_bits``: the sentence part's n-grams and the tagger's features are hashed; the file holds no strings of them."""
    model = train(context_gold(), {**BLEND, "lexicons": ["hedging"], "tagger_lexicon": True, "hash_bits": 12})
    data = model.to_dict()
    assert data["word_vocabulary"] == [] and data["token_model"]["vocabulary"] == []
    assert len(data["token_model"]["coef"]) == 1 << 12 and model.feature_names[:1] == ["hash=0"]
    back = load_model(model.save(tmp_path / "m.json"))
    assert back.decision_function(TEXTS).tolist() == model.decision_function(TEXTS).tolist()
    assert back.predict(TEXTS).tolist() == [True, False, False]
