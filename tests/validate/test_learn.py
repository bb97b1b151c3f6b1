"""The sentence classifier: learns an obvious cue, JSON round trip, tampered files refused."""
from __future__ import annotations

import json
import math
import pickle
import random

import pandas as pd
import pytest

from analysis.validate.learn import (
    DEFAULT_SETTINGS,
    check_settings,
    cross_validate,
    load_model,
    train,
)

FILLER = ["the", "protein", "cell", "binds", "gene", "level", "expression", "sample", "result", "increase", "was", "in", "of"]
# lexicons off: the model has to learn the nonsense cue "blorfly" from the data alone
SETTINGS = {"lexicons": [], "min_df": 1}


def tiny_gold(n_docs=12, per_doc=8, seed=1):
    rng = random.Random(seed)
    rows = []
    for d in range(n_docs):
        for s in range(per_doc):
            words = rng.sample(FILLER, 6)
            positive = (d + s) % 3 == 0
            cues = []
            if positive:
                pos = rng.randrange(1, 6)
                start = len(" ".join(words[:pos])) + 1
                words.insert(pos, "blorfly")
                cues = [(start, start + 7, "blorfly", "speculation")]
            text = " ".join(words) + "."
            rows.append({"doc_id": f"d{d}", "sentence_id": f"S{d}.{s}", "text": text, "label": positive,
                         "cues": cues})
    return pd.DataFrame(rows)


def test_learns_an_obvious_cue():
    gold = tiny_gold()
    for c in gold.itertuples():
        for s, e, t, _ in c.cues:
            assert c.text[s:e] == t
    model = train(gold, SETTINGS)
    assert model.predict(["the gene blorfly binds.", "the gene binds."]).tolist() == [True, False]
    top = model.top_features(3)
    assert top.iloc[0]["feature"] in {"word=blorfly", "cue:max_precision", "cue:any_strong"}
    cv = cross_validate(gold, SETTINGS, k=3)
    assert cv["f1"] == 1.0 and len(cv["fold_f1"]) == 3 and cv["grouped_by"] == "doc_id"


def test_json_round_trip(tmp_path):
    gold = tiny_gold()
    model = train(gold, {**SETTINGS, "lexicons": ["hedging"], "char_ngrams": [3, 4]}, sources=["tiny"])
    path = model.save(tmp_path / "m.json")
    back = load_model(path)
    texts = ["the gene blorfly binds.", "the gene may bind.", "nothing"]
    assert back.decision_function(texts).tolist() == model.decision_function(texts).tolist()
    assert back.to_dict() == model.to_dict()
    data = json.loads(path.read_text())
    assert data["training"]["sha256"] == model.training["sha256"] and data["training"]["sources"] == ["tiny"]
    assert data["settings"]["char_ngrams"] == [3, 4]
    assert path.read_bytes().startswith(b"{")


def _resave(path, data, fix_checksum=True):
    from analysis.validate.learn import _checksum

    if fix_checksum:
        data["checksum"] = _checksum(data)
    path.write_text(json.dumps(data))


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m.json"
    train(tiny_gold(), {**SETTINGS, "lexicons": ["hedging"]}).save(path)
    return path


@pytest.mark.parametrize(
    ("edit", "fix", "message"),
    [
        (lambda d: d["coef"].__setitem__(0, d["coef"][0] + 1.0), False, "checksum mismatch"),
        (lambda d: d.pop("intercept"), True, "missing key"),
        (lambda d: d.__setitem__("evil", "__import__('os')"), True, "unknown key"),
        (lambda d: d["coef"].append(0.5), True, "coefficients but n_features"),
        (lambda d: (d["coef"].append(0.5), d.__setitem__("n_features", d["n_features"] + 1)), True,
         "features but the model has"),
        (lambda d: d["settings"].__setitem__("model", "os.system"), True, "setting 'model'"),
        (lambda d: d["lexicons"][0].__setitem__("toml", d["lexicons"][0]["toml"].replace('"may"', '"mayy"')),
         True, "recorded hash"),
        (lambda d: d.__setitem__("schema_version", 99), True, "not supported"),
        (lambda d: d.__setitem__("format", "something else"), True, "not a media-framing"),
        (lambda d: d["cues"].append(["x", 7.0]), True, "precision between 0 and 1"),
    ],
)
def test_tampered_model_is_refused(saved, tmp_path, edit, fix, message):
    data = json.loads(saved.read_text())
    edit(data)
    bad = tmp_path / "bad.json"
    _resave(bad, data, fix_checksum=fix)
    with pytest.raises(ValueError, match=message):
        load_model(bad)


def test_pickle_nan_and_garbage_refused(tmp_path):
    p = tmp_path / "m.json"
    p.write_bytes(pickle.dumps({"format": "x"}))
    with pytest.raises(ValueError, match="pickle"):
        load_model(p)
    p.write_text('{"coef": [NaN]}')
    with pytest.raises(ValueError, match="non-finite"):
        load_model(p)
    p.write_text("[1, 2]")
    with pytest.raises(ValueError, match="one JSON object"):
        load_model(p)
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.json")


def test_settings_are_checked():
    assert check_settings(None) == DEFAULT_SETTINGS
    with pytest.raises(ValueError, match="unknown setting"):
        check_settings({"alpha": 1})
    with pytest.raises(ValueError, match="word_ngrams"):
        check_settings({"word_ngrams": [3, 1]})
    with pytest.raises(ValueError, match="'C'"):
        check_settings({"C": -1})
    with pytest.raises(ValueError, match="both positive and negative"):
        train(pd.DataFrame({"text": ["a b", "c d"], "label": [True, True]}), SETTINGS)


@pytest.mark.shared
def test_conll_subset_learns_hedges(shared_dir):
    """Train on a few hundred CoNLL-2010 abstracts, test on others: far above chance (fast subset)."""
    from analysis.validate.corpora import load_conll2010
    from analysis.validate.metrics import prf

    df = load_conll2010(shared_dir / "data" / "uncertainty" / "task2_train_bio_abstracts_rev2.xml")
    docs = sorted(df["doc_id"].unique())
    train_df = df[df["doc_id"].isin(docs[:300])]
    test_df = df[df["doc_id"].isin(docs[300:450])]
    model = train(train_df, {"lexicons": ["hedging"]})
    scores = prf(test_df["label"].tolist(), model.predict(test_df["text"].tolist()).tolist())
    assert scores["f1"] > 0.75, scores


def context_gold(n_docs=16, per_doc=8, seed=3):
    """'blorfly' is a cue before a verb and a plain noun after 'the': only context tells them apart."""
    rng = random.Random(seed)
    rows = []
    for d in range(n_docs):
        for s in range(per_doc):
            words = rng.sample(FILLER[:8], 4)
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


@pytest.mark.parametrize("extra", [{"cue_context": True}, {"token_model": True}, {"token_model": True, "hash_bits": 12},
                                   {"cue_context": True, "token_model": True, "hash_bits": 10},
                                   {"tagger": True}, {"tagger": True, "hash_bits": 12}])
def test_cue_in_context(tmp_path, extra):
    """Cue identity alone cannot separate the two uses; the context features or the token model can."""
    gold = context_gold()
    settings = {"lexicons": [], "min_df": 1, "word_ngrams": None, **extra}
    plain = cross_validate(gold, {"lexicons": [], "min_df": 1, "word_ngrams": None}, k=4)
    with_context = cross_validate(gold, settings, k=4)
    assert with_context["f1"] == 1.0 > plain["f1"]
    assert with_context["fold_interval"][0] <= with_context["f1_mean"] <= with_context["fold_interval"][1]
    model = train(gold, settings)
    assert model.predict(["cell gene blorfly zorps level.", "cell gene the blorfly level."]).tolist() == [True, False]
    back = load_model(model.save(tmp_path / "m.json"))
    texts = gold["text"].tolist()[:20]
    assert back.decision_function(texts).tolist() == model.decision_function(texts).tolist()
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["schema_version"] == 5
    if extra.get("hash_bits"):  # hashed: no n-gram or context strings from the training text in the file
        assert data["word_vocabulary"] == [] and data["context_vocabulary"] == []
        assert data["token_model"] is None or data["token_model"]["vocabulary"] == []


def test_token_model_weights_are_checked(tmp_path):
    model = train(context_gold(), {"lexicons": [], "min_df": 1, "token_model": True})
    data = model.to_dict()
    data["token_model"]["coef"][0] = 1e9
    bad = tmp_path / "bad.json"
    _resave(bad, data)
    with pytest.raises(ValueError, match="token_model weights"):
        load_model(bad)
    data = model.to_dict()
    data["token_model"] = None
    _resave(bad, data)
    with pytest.raises(ValueError, match="exactly when"):
        load_model(bad)


def test_tagger_decides_by_its_most_probable_candidate(tmp_path):
    """``tagger``: one sentence feature, the highest candidate log-odds; no candidate gives the floor."""
    from analysis.validate.learn import NO_CANDIDATE_SCORE

    gold = context_gold()
    model = train(gold, {"lexicons": [], "min_df": 1, "tagger": True})
    assert model.feature_names == ["tagger:max_logit"] and model.coef.tolist() == [1.0] and model.intercept == 0.0
    scores = model.decision_function(["cell gene blorfly zorps level.", "cell gene the blorfly level.", "cell level."])
    assert scores[0] > 0 > scores[1] > NO_CANDIDATE_SCORE == scores[2]
    # the score is the token model's log-odds of the candidate itself
    feats, _sent, _ = model.featurizer.token_candidates(["cell gene blorfly zorps level."])
    assert len(feats) == 1
    probs, _ = model.featurizer.token_probabilities(["cell gene blorfly zorps level."])
    assert abs(1 / (1 + math.exp(-scores[0])) - probs[0]) < 1e-12
    data = model.to_dict()
    assert data["word_vocabulary"] == [] and data["lexicons"] == [] and data["token_model"]["coef"]
    # hashed, a tagger takes all the bits asked for (a stacked token model at most 2^16)
    hashed = train(gold, {"lexicons": [], "min_df": 1, "tagger": True, "hash_bits": 18}).to_dict()["token_model"]
    assert len(hashed["coef"]) == 1 << 18 and hashed["vocabulary"] == []
    stacked = train(gold, {"lexicons": [], "min_df": 1, "token_model": True, "hash_bits": 18}).to_dict()["token_model"]
    assert len(stacked["coef"]) == 1 << 16
    # a raised threshold (log-odds) turns the weaker positives negative
    stricter = train(gold, {"lexicons": [], "min_df": 1, "tagger": True, "threshold": float(scores[0]) + 1})
    assert not stricter.predict(["cell gene blorfly zorps level."])[0]


@pytest.mark.parametrize(("bad", "message"), [
    ({"tagger": True, "token_model": True}, "cannot be combined"),
    ({"tagger": True, "cue_context": True}, "cannot be combined"),
    ({"tagger": True, "model": "linear_svc"}, "needs model 'logreg'"),
    ({"tagger": True, "induced_cues": False}, "needs 'induced_cues'"),
    ({"tagger": 1}, "must be bool"),
])
def test_tagger_settings_are_checked(bad, message):
    with pytest.raises(ValueError, match=message):
        check_settings(bad)


def test_tagger_file_without_its_weights_is_refused(tmp_path):
    model = train(context_gold(), {"lexicons": [], "min_df": 1, "tagger": True})
    assert model.to_dict()["token_model"]["cue_words"] == ["blorfly"]  # marked as a cue in training
    bad = tmp_path / "bad.json"
    for edit, message in [(lambda d: d.__setitem__("token_model", None), "exactly when"),
                          (lambda d: d["token_model"].pop("cue_words"), "its cue_words"),
                          (lambda d: d["token_model"].__setitem__("cue_words", "blorfly"), "distinct strings"),
                          (lambda d: d["token_model"].__setitem__("cue_words", ["a", "a"]), "distinct strings")]:
        data = model.to_dict()
        edit(data)
        _resave(bad, data)
        with pytest.raises(ValueError, match=message):
            load_model(bad)


def test_tagger_sample_weight_reaches_the_token_model():
    gold = context_gold()
    plain = train(gold, {"lexicons": [], "min_df": 1, "tagger": True})
    w = [5.0 if lab else 1.0 for lab in gold["label"]]
    heavy = train(gold, {"lexicons": [], "min_df": 1, "tagger": True}, sample_weight=w)
    assert heavy.featurizer.token_model["intercept"] != plain.featurizer.token_model["intercept"]


def test_schema_2_files_still_load(saved, tmp_path):
    """A model written before the tagger (schema 2: no ``tagger`` setting) loads as it was."""
    data = json.loads(saved.read_text())
    assert data["schema_version"] == 5
    data["schema_version"] = 2
    for key in ("tagger", "tagger_lexicon", "tagger_sentence", "tagger_weight", "sentence_C"):
        data["settings"].pop(key)
    old = tmp_path / "old.json"
    _resave(old, data)
    texts = ["the gene blorfly binds.", "the gene binds."]
    back = load_model(old)
    assert back.decision_function(texts).tolist() == load_model(saved).decision_function(texts).tolist()
    assert back.settings["tagger"] is False


def test_schema_1_files_still_load(saved, tmp_path):
    """A model written before cue contexts (schema 1: no context_vocabulary, no token_model) loads as it was."""
    data = json.loads(saved.read_text())
    data["schema_version"] = 1
    for key in ("context_vocabulary", "token_model"):
        data.pop(key)
    for key in ("cue_context", "token_model", "hash_bits", "tagger", "tagger_lexicon", "tagger_sentence",
                "tagger_weight", "sentence_C"):
        data["settings"].pop(key)
    old = tmp_path / "old.json"
    _resave(old, data)
    texts = ["the gene blorfly binds.", "the gene binds."]
    assert load_model(old).decision_function(texts).tolist() == load_model(saved).decision_function(texts).tolist()


def test_extra_sentences_train_but_are_not_scored():
    gold = tiny_gold(n_docs=6)
    extra = tiny_gold(n_docs=6, seed=9).assign(doc_id=lambda d: "x" + d["doc_id"])
    r = cross_validate(gold, SETTINGS, k=3, extra=extra)
    assert r["n_sentences"] == len(gold) and r["n_extra"] == len(extra) and r["f1"] == 1.0


def test_gold_weight_tilts_training_towards_the_scored_corpus():
    """Out-of-domain extra sentences label 'blorfly' the other way; weighting the in-domain ones wins."""
    gold = tiny_gold(n_docs=6)
    other = tiny_gold(n_docs=6, seed=9)
    extra = other.assign(label=[not v for v in other["label"]], doc_id="x" + other["doc_id"],
                         cues=[[] for _ in range(len(other))])
    settings = {**SETTINGS, "induced_cues": False}
    plain = cross_validate(gold, settings, k=3, extra=extra)
    weighted = cross_validate(gold, settings, k=3, extra=extra, gold_weight=10.0)
    assert weighted["f1"] > plain["f1"] and weighted["gold_weight"] == 10.0
    with pytest.raises(ValueError, match="positive weight"):
        train(gold, settings, sample_weight=[0.0] * len(gold))
