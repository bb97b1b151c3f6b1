"""The tagger with the lexicon's matches (learn setting ``tagger_lexicon``): candidates, settings, model files."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis.validate.learn import check_settings, load_model, train


def _gold() -> pd.DataFrame:
    """Sentences whose hedges are each annotated once only: too rare to be cue words (cue_min_count 2),
    but all in the hedging lexicon's possibility category; one control sentence per hedge without it."""
    rows = []
    for d, word in enumerate(["perhaps", "probably", "maybe", "likely"]):
        text = f"{word.capitalize()} the kinase binds the receptor."
        rows.append({"doc_id": f"d{d}", "text": text, "label": True,
                     "cues": [(0, len(word), word, "speculation")]})
        rows.append({"doc_id": f"d{d}", "text": "The kinase binds the receptor.", "label": False, "cues": []})
    for d in range(4, 8):  # an annotated cue word, so that the tagger has candidates of both kinds
        for text, cued in (("It may bind the receptor.", True), ("We met in may last year.", False)):
            start = text.index("may")
            rows.append({"doc_id": f"d{d}", "text": text, "label": cued,
                         "cues": [(start, start + 3, "may", "speculation")] if cued else []})
    return pd.DataFrame(rows)


SETTINGS = {"tagger": True, "min_df": 1, "C": 10.0}


def test_rare_lexicon_cues_are_found_only_with_the_lexicon():
    gold = _gold()
    plain = train(gold, SETTINGS)
    with_lex = train(gold, {**SETTINGS, "tagger_lexicon": True})
    # "possibly" is never seen in training: without the lexicon it is no candidate at all
    texts = ["Possibly the kinase binds the receptor.", "The kinase binds the receptor."]
    assert plain.predict(texts).tolist() == [False, False]
    assert with_lex.predict(texts).tolist() == [True, False]
    assert with_lex.featurizer.token_model["cue_words"] == ["may"]


def test_tagger_lexicon_model_file_round_trip(tmp_path):
    model = train(_gold(), {**SETTINGS, "tagger_lexicon": True})
    back = load_model(model.save(tmp_path / "m.json"))
    texts = ["Possibly the kinase binds the receptor.", "It may bind.", "We met in may."]
    assert back.decision_function(texts).tolist() == model.decision_function(texts).tolist()
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["schema_version"] == 5 and data["settings"]["tagger_lexicon"] is True
    assert [lex["name"] for lex in data["lexicons"]] == ["hedging"]  # the lexicon travels with the model


def test_a_tagger_without_the_setting_stores_no_lexicon(tmp_path):
    model = train(_gold(), SETTINGS)
    data = json.loads(model.save(tmp_path / "m.json").read_text())
    assert data["lexicons"] == [] and data["settings"]["tagger_lexicon"] is False


@pytest.mark.parametrize(("settings", "message"), [
    ({"tagger_lexicon": True}, "needs 'tagger'"),
    ({"tagger": True, "tagger_lexicon": True, "lexicons": []}, "at least one of 'lexicons'"),
    ({"tagger": True, "tagger_lexicon": "yes"}, "must be bool"),
])
def test_settings_refused(settings, message):
    with pytest.raises(ValueError, match=message):
        check_settings(settings)


def test_schema_3_tagger_files_still_load(tmp_path):
    """A tagger written before this setting (schema 3: no ``tagger_lexicon``) loads without the lexicon."""
    from analysis.validate.learn import _checksum

    model = train(_gold(), SETTINGS)
    data = json.loads(model.save(tmp_path / "m.json").read_text())
    data["schema_version"] = 3
    for key in ("tagger_lexicon", "tagger_sentence", "tagger_weight", "sentence_C"):
        data["settings"].pop(key)
    data["checksum"] = _checksum(data)
    (tmp_path / "old.json").write_text(json.dumps(data))
    back = load_model(tmp_path / "old.json")
    assert back.settings["tagger_lexicon"] is False
    texts = ["It may bind the receptor.", "We met in may."]
    assert back.decision_function(texts).tolist() == model.decision_function(texts).tolist()
