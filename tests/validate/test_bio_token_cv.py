"""benchmarks/bio_token_cv.py on small synthetic sentences: folds by seed, the --augment corpus, argument errors."""
from __future__ import annotations

import importlib.util
import json
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
    again = bio.run(gold, k=5, C=2.0, min_count=2, window=3, seed=0, bits=12)
    assert (again.pop("scores") == a.pop("scores")).all() and a == again  # deterministic
    b.pop("scores")
    assert a["recall"] == b["recall"] < 1.0  # the same five sentences are missed whatever the folds
    assert a["seed"] == 0 and b["seed"] == 1


def test_argument_errors(bio, tmp_path, capsys):
    assert bio.main(["--data", str(tmp_path), "--augment", "x.xml", "--stack"]) == 2
    assert "cannot be combined" in capsys.readouterr().err
    assert bio.main(["--data", str(tmp_path)]) == 2
    assert "no task2_train_bio_" in capsys.readouterr().err


def _rare_hedges(n_docs: int) -> pd.DataFrame:
    """The month corpus plus hedges each annotated once (never cue words) that the hedging lexicon knows."""
    rows = [_corpus(n_docs, "d")]
    words = ["perhaps", "probably", "maybe", "likely", "possibly", "presumably"]
    for d in range(n_docs):
        word = words[d % len(words)]
        rows.append(pd.DataFrame([
            {"doc_id": f"d{d}", "text": f"{word.capitalize()} the kinase binds.", "label": True,
             "cues": [(0, len(word), word, "speculation")]},
            {"doc_id": f"d{d}", "text": "The kinase binds.", "label": False, "cues": []}]))
    return pd.concat(rows, ignore_index=True)


def test_the_lexicon_finds_hedges_too_rare_to_be_cue_words(bio):
    gold = _rare_hedges(12)
    plain = bio.run(gold, k=3, C=2.0, min_count=2, window=3, bits=14)
    with_lex = bio.run(gold, k=3, C=2.0, min_count=2, window=3, bits=14, lexicon="hedging")
    # each rare hedge is in one document only: its fold never saw it marked, so only the lexicon finds it
    assert plain["recall"] < 0.9 and with_lex["recall"] == 1.0
    assert with_lex["lexicon"] == "hedging" and plain["lexicon"] is None


def test_nested_C_is_chosen_from_the_grid_inside_training_parts(bio):
    gold = _rare_hedges(12)
    month = pd.DataFrame([{"doc_id": f"d{d}", "text": f"They left in may {i}.", "label": False, "cues": []}
                          for d in range(12) for i in range(4)])
    gold = pd.concat([gold, month], ignore_index=True)  # most candidates are now not cues
    assert bio.run(gold, k=3, C=0.001, min_count=2, window=3, bits=14, lexicon="hedging")["recall"] < 0.5
    res = bio.run(gold, k=3, C=2.0, min_count=2, window=3, bits=14, lexicon="hedging", C_grid=(0.001, 10.0))
    assert res["C_grid"] == [0.001, 10.0] and len(res["C_chosen"]) == 3
    # C=0.001 shrinks the weights until the (negative) intercept wins: the inner folds see it and pick 10
    assert res["C_chosen"] == [10.0, 10.0, 10.0]
    assert res["f1"] == bio.run(gold, k=3, C=10.0, min_count=2, window=3, bits=14, lexicon="hedging")["f1"]


def test_several_seeds_print_their_mean(bio, tmp_path, capsys, monkeypatch):
    gold = _corpus(10, "d")
    monkeypatch.setattr("analysis.validate.corpora.load_conll2010", lambda files: gold)
    (tmp_path / "task2_train_bio_x.xml").write_text("<x/>")
    assert bio.main(["--data", str(tmp_path), "--seeds", "0,1", "--k", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line.get("seed") for line in lines[:2]] == [0, 1]
    assert lines[2]["seeds"] == [0, 1] and lines[2]["mean_f1"] == 1.0 and lines[2]["f1"] == [1.0, 1.0]


@pytest.mark.parametrize(("argv", "message"), [
    (["--seeds", "0,x"], "comma-separated numbers"),
    (["--C-grid", "1,-2"], "must be positive"),
    (["--C-grid", "1,2", "--stack"], "cannot be combined"),
    (["--sentence", "--stack"], "cannot be combined"),
    (["--sentence", "[1]"], "needs a JSON object"),
    (["--sentence", "{x"], "must be a JSON object"),
    (["--sentence", "--blend-grid", "0,0.5"], "weights in (0, 1]"),
])
def test_grid_and_seed_errors(bio, tmp_path, capsys, argv, message):
    assert bio.main(["--data", str(tmp_path), *argv]) == 2
    assert message in capsys.readouterr().err


def test_sentence_blend_is_the_weighted_sum_of_tagger_and_sentence_model(bio):
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from analysis.validate.learn import train

    gold = _rare_hedges(12)
    kw = {"k": 3, "C": 2.0, "min_count": 2, "window": 3, "bits": 14, "lexicon": "hedging"}
    tagger = bio.run(gold, **kw)
    blend = bio.run(gold, **kw, sentence={"min_df": 1}, blend_grid=(0.7,), blend_fit="grid")
    sentence = np.zeros(len(gold))
    for tr, te in GroupKFold(n_splits=3, shuffle=True, random_state=0).split(gold, gold["label"], gold["doc_id"]):
        sentence[te] = train(gold.iloc[tr], {"min_df": 1}).decision_function(gold["text"].iloc[te].tolist())
    np.testing.assert_allclose(blend["scores"], 0.7 * tagger["scores"] + 0.3 * sentence, rtol=1e-9, atol=1e-9)
    assert blend["w_chosen"] == [0.7, 0.7, 0.7] and blend["sentence"] == {"min_df": 1}
    assert tagger["w_chosen"] is None
    # with a grid, the weight of each fold comes from it (chosen by inner folds of the training part)
    chosen = bio.run(gold, **kw, sentence={"min_df": 1}, blend_grid=(0.6, 0.9), blend_fit="grid")["w_chosen"]
    assert len(chosen) == 3 and set(chosen) <= {0.6, 0.9}
    # the default: a logistic regression on the inner scores gives each fold's weight
    fitted = bio.run(gold, **kw, sentence={"min_df": 1})
    assert fitted["blend_fit"] == "logistic" and all(0 < w <= 1 for w in fitted["w_chosen"])


def test_cue_stage_learns_how_far_each_cue_word_is_trusted(bio):
    """A second stage over the inner scores: "or" at a high tagger probability is a cue in a third of the
    sentences, "may" at the same probability in all of them; the stage learns a lower score for "or"."""
    import numpy as np

    n = 60
    sents = np.arange(2 * n)
    probs = np.full(2 * n, 0.9)
    keys = ["c=or"] * n + ["c=may"] * n
    labels = np.r_[np.arange(n) % 3 == 0, np.ones(n, dtype=bool)]
    z_sent = np.zeros(2 * n)
    score = bio.cue_stage(sents, probs, keys, z_sent, sents, labels)
    out = score(np.array([0, 1]), np.array([0.9, 0.9]), ["c=or", "c=may"], np.zeros(2), [0, 1])
    assert out[0] < 0 < out[1]  # the same tagger score decides "may" but not "or"
    # without the identity of the cue (one key for both) it could not tell them apart
    flat = bio.cue_stage(sents, probs, ["c=x"] * (2 * n), z_sent, sents, labels)
    same = flat(np.array([0, 1]), np.array([0.9, 0.9]), ["c=x", "c=x"], np.zeros(2), [0, 1])
    assert same[0] == same[1]
    # a sentence without a candidate gets only the tagger's floor and the sentence model's score
    assert bio.cue_rows(np.zeros(0, dtype=int), np.zeros(0), [], np.array([1.5]), [0]) == [{"z": -20.0, "s": 1.5}]


def test_cue_stage_run_reports_the_logistic_blend_of_the_same_inner_fits(bio):
    gold = _rare_hedges(12)
    kw = {"k": 3, "C": 2.0, "min_count": 2, "window": 3, "bits": 14, "lexicon": "hedging", "sentence": {"min_df": 1}}
    logistic = bio.run(gold, **kw)
    cues = bio.run(gold, **kw, blend_fit="cues")
    assert cues["blend_fit"] == "cues" and cues["w_chosen"] == logistic["w_chosen"]
    # the logistic blend is computed beside the second stage from the very same fits, so rows pair exactly
    assert (cues["logistic_scores"] == logistic["scores"]).all() and cues["logistic_f1"] == logistic["f1"]
    assert not (cues["scores"] == logistic["scores"]).all()  # the second stage's own decision values
    assert cues["f1"] == 1.0
    assert "logistic_f1" not in logistic


def test_cue_stage_needs_a_sentence_model(bio, tmp_path, capsys):
    assert bio.main(["--data", str(tmp_path), "--blend-fit", "cues"]) == 2
    assert "needs --sentence" in capsys.readouterr().err


def test_cue_stage_variants(bio):
    import numpy as np

    sents, probs = np.array([0, 0, 0]), np.array([0.9, 0.2, 0.6])
    keys = ["c=or", "c=may", "c=or"]
    top = bio.cue_rows(sents, probs, keys, np.array([0.5]), [0])[0]
    assert set(top) == {"z", "s", "top=c=or", "topz=c=or"} and top["z"] == np.log(9)
    assert set(bio.cue_rows(sents, probs, keys, np.array([0.5]), [0], "offset")[0]) == {"z", "s", "top=c=or"}
    every = bio.cue_rows(sents, probs, keys, np.array([0.5]), [0], "all")[0]
    # every identity with its highest log-odds (over ten), and the log of the number above 0.5 (two)
    assert every["k=c=may"] == np.log(0.2 / 0.8) / 10 and every["k=c=or"] == top["z"] / 10
    assert every["n"] == np.log1p(2)


@pytest.mark.parametrize("argv", [["--sentence", "--blend-fit", "cues", "--cue-variants", "x"],
                                  ["--sentence", "--cue-variants", "all"]])
def test_cue_variant_errors(bio, tmp_path, capsys, argv):
    assert bio.main(["--data", str(tmp_path), *argv]) == 2
    assert "--cue-variants" in capsys.readouterr().err


def _pair_corpus(n_docs: int) -> pd.DataFrame:
    """'zeta' and 'theta' are cues only together, six tokens apart: each alone (twice as often) is not."""
    rows = []
    for d in range(n_docs):
        for text, cued in (("zeta one two three four five theta.", True), ("zeta one two three four five six.", False),
                           ("zeta one two three four five six.", False), ("seven one two three four five theta.", False),
                           ("seven one two three four five theta.", False)):
            cues = [(0, 4, "zeta", "speculation"), (text.index("theta"), text.index("theta") + 5, "theta",
                                                    "speculation")] if cued else []
            rows.append({"doc_id": f"d{d}", "text": text, "label": cued, "cues": cues})
    return pd.DataFrame(rows)


def test_pair_features_learn_which_candidates_make_each_other_cues(bio):
    gold = _pair_corpus(10)
    plain = bio.run(gold, k=2, C=2.0, min_count=2, window=3, bits=14)
    pairs = bio.run(gold, k=2, C=2.0, min_count=2, window=3, bits=14, pairs=("cooc",))
    # outside the window and not trigger words: without the pair feature each word alone is a cue a third of
    # the time, so the sentences holding both are missed; with it they are all found and nothing else is
    assert plain["recall"] == 0.0 and plain["f1"] == 0.0 and pairs["f1"] == 1.0
    assert pairs["pairs"] == ["cooc"] and plain["pairs"] == []


def test_pair_feature_strings(bio):
    cands = [(0, "c=either"), (2, "c=or"), (4, "c=or")]
    norms = ["either", "a", "or", "b", "or"]
    assert bio.pair_features(norms, 2, "c=or", cands, ("cooc",)) == ["c=or|oc<=c=either", "c=or|oc>=c=or"]
    assert bio.pair_features(norms, 4, "c=or", cands, ("lrx",)) == [
        "c=or|l=b|rs2=s>", "c=or|r=</s>|r2s2=s>", "c=or|ls2=b|r=</s>"]
    assert bio.pair_features(norms, 4, "c=or", cands, ()) == []


def test_bagging_averages_bootstrap_fits_and_stays_deterministic(bio):
    import numpy as np

    gold = _rare_hedges(12)  # documents differ, so resamples of them do too
    one = bio.run(gold, k=3, C=2.0, min_count=2, window=3, bits=14, lexicon="hedging")
    bagged = bio.run(gold, k=3, C=2.0, min_count=2, window=3, bits=14, lexicon="hedging", bag=3)
    again = bio.run(gold, k=3, C=2.0, min_count=2, window=3, bits=14, lexicon="hedging", bag=3)
    assert (bagged["scores"] == again["scores"]).all() and bagged["bag"] == 3 and one["bag"] == 1
    assert not np.allclose(bagged["scores"], one["scores"])  # other fits, the same decisions here
    assert bagged["f1"] == one["f1"] == 1.0
    # with nested C the inner folds are bagged too, and the outer fit still resamples its own documents
    nested = bio.run(gold, k=3, C=2.0, min_count=2, window=3, bits=14, lexicon="hedging", bag=2, C_grid=(0.5, 2.0))
    assert nested["f1"] == 1.0 and len(nested["C_chosen"]) == 3
    w = bio.bootstrap_weights(np.array(["a", "b", "a", "c", "d"]), 0, 1)
    assert w[0] == w[2] and w[[0, 1, 3, 4]].sum() == 4
    assert not (w == bio.bootstrap_weights(np.array(["a", "b", "a", "c", "d"]), 0, 2)).all()


def test_bagged_probability_is_the_sigmoid_of_the_mean_log_odds(bio):
    import numpy as np

    class Fixed:
        def __init__(self, z):
            self.z = np.asarray(z, dtype=float)

        def decision_function(self, X):
            return self.z

    p = bio.Bagged([Fixed([0.0, 2.0]), Fixed([2.0, -4.0])]).predict_proba(None)
    assert np.allclose(p[:, 1], 1 / (1 + np.exp(-np.array([1.0, -1.0])))) and np.allclose(p.sum(axis=1), 1)


@pytest.mark.parametrize(("argv", "message"), [
    (["--pairs", "cooc,x"], "the groups are cooc, lrx"),
    (["--bag", "0"], "positive count"),
    (["--bag", "2", "--stack"], "cannot be combined"),
    (["--bag", "2", "--augment", "x.xml"], "cannot be combined"),
])
def test_pair_and_bag_errors(bio, tmp_path, capsys, argv, message):
    assert bio.main(["--data", str(tmp_path), *argv]) == 2
    assert message in capsys.readouterr().err
    with pytest.raises(ValueError):
        bio.run(_corpus(4, "d"), k=2, C=1.0, min_count=2, window=3, bits=10, pairs=("x",))


def test_l1_penalty_keeps_few_features(bio):
    gold = _rare_hedges(12)
    l2 = bio.run(gold, k=3, C=1.0, min_count=2, window=3, bits=14, lexicon="hedging")
    l1 = bio.run(gold, k=3, C=1.0, min_count=2, window=3, bits=14, lexicon="hedging", penalty="l1")
    assert l1["penalty"] == "l1" and l2["penalty"] == "l2"
    assert (l1["scores"] != l2["scores"]).any() and l1["f1"] == 1.0
    with pytest.raises(ValueError, match="l1 or l2"):
        bio.run(gold, k=3, C=1.0, min_count=2, window=3, bits=14, penalty="elasticnet")


def test_averaged_perceptron_tagger(bio):
    import numpy as np

    gold = _rare_hedges(12)
    res = bio.run(gold, k=3, C=1.0, min_count=2, window=3, bits=14, lexicon="hedging", learner="perceptron")
    assert res["learner"] == "perceptron" and res["f1"] == 1.0
    blend = bio.run(gold, k=3, C=1.0, min_count=2, window=3, bits=14, lexicon="hedging", learner="perceptron",
                    sentence={}, blend_fit="cues")
    assert blend["f1"] == 1.0
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]] * 5)
    y = np.array([True, False, True, False] * 5)
    p = bio.Perceptron().fit(X, y).predict_proba(X)[:, 1]
    assert ((p > 0.5) == y).all() and np.allclose(np.std(np.log(p / (1 - p))), 1.0)
    with pytest.raises(ValueError, match="logreg or perceptron"):
        bio.run(gold, k=3, C=1.0, min_count=2, window=3, bits=14, learner="svm")


def test_crf_tags_every_token_of_a_multiword_cue(bio):
    """The chain CRF learns cue and non-cue tokens of whole sentences: here "not known" is a cue as a pair,
    "known" alone and "not" alone are not, so the CRF has to tag both tokens together or neither."""
    import numpy as np

    pytest.importorskip("pycrfsuite")
    feats = {w: [f"w={w}"] for w in ("it", "is", "not", "known", "well", "was")}

    def seq(words, labels):
        return [feats[w] + ([f"l={words[j - 1]}"] if j else []) + ([f"r={words[j + 1]}"] if j + 1 < len(words) else [])
                for j, w in enumerate(words)], labels

    train = [seq(["it", "is", "not", "known"], [0, 0, 1, 1]), seq(["it", "is", "well", "known"], [0, 0, 0, 0]),
             seq(["it", "was", "not", "well"], [0, 0, 0, 0])] * 10
    crf = bio.ChainCRF().fit(train)
    (m_cue, v_cue), (m_not, v_not) = crf.predict([train[0], train[1]])
    assert (v_cue == np.array([False, False, True, True])).all() and not v_not.any()
    assert m_cue[2] > 0.5 and m_cue[3] > 0.5 and m_not.max() < 0.5
    z, viterbi = crf.sentence_scores([train[0], train[2], ([], [])])
    assert z[0] > 0 > z[1] and z[2] == bio.NO_CANDIDATE and list(viterbi) == [True, False, False]
    # candidate rows (sentence index, token) get their token's marginal, whatever the order of the rows
    _z, _v, rows = crf.scores([train[0], train[1]], np.array([7, 3, 7]), np.array([3, 3, 0]), [3, 7])
    np.testing.assert_allclose(rows, [m_not[3], m_cue[3], m_not[0]])
    # a CRF trained without any cue scores every sentence as certain
    none = bio.ChainCRF().fit([train[1], train[2]])
    assert none.sentence_scores([train[0]])[0][0] < 0


def test_crf_beside_the_tagger(bio):
    pytest.importorskip("pycrfsuite")
    gold = _corpus(10, "d")
    res = bio.run(gold, k=2, C=2.0, min_count=2, window=3, bits=12, crf=True)
    plain = bio.run(gold, k=2, C=2.0, min_count=2, window=3, bits=12)
    assert res["crf"] is True and res["crf_f1"] == 1.0 and res["crf_viterbi_f1"] == 1.0
    assert (res["scores"] == plain["scores"]).all()  # the tagger's own decisions are untouched
    assert len(res["crf_scores"]) == len(gold) and "crf_f1" not in plain


def test_crf_joins_the_second_stage_and_its_variants_pair_with_the_stage_without_it(bio):
    pytest.importorskip("pycrfsuite")
    gold = _rare_hedges(12)
    kw = {"k": 3, "C": 2.0, "min_count": 2, "window": 3, "bits": 14, "lexicon": "hedging", "sentence": {"min_df": 1},
          "blend_fit": "cues"}
    without = bio.run(gold, **kw)
    res = bio.run(gold, **kw, crf=True)
    assert set(res["variant_f1"]) == {"nocrf", "lin3", "crfs", "crftop"}
    # "nocrf" is the second stage of the run without the CRF, from the very same fits
    assert res["variant_f1"]["nocrf"] == without["f1"] and res["logistic_f1"] == without["logistic_f1"]
    assert res["f1"] == 1.0 and res["crf_f1"] == 1.0
    with pytest.raises(ValueError, match="need crf"):
        bio.run(gold, **kw, cue_variants=("lin3",))
    with pytest.raises(ValueError, match="crf: not with"):
        bio.run(gold, k=3, C=2.0, min_count=2, window=3, bits=14, crf=True, bag=2)


def test_cue_rows_with_the_crf_column(bio):
    import numpy as np

    sents, probs, keys = np.array([0]), np.array([0.9]), ["c=or"]
    z_sent, z_crf = np.array([0.5, 1.0]), np.array([2.0, -50.0])
    top = bio.cue_rows(sents, probs, keys, z_sent, [0, 1], "top", z_crf)
    assert top[0]["crf"] == 2.0 and top[1]["crf"] == -20.0 and "top=c=or" in top[0]  # floored as the tagger's
    assert set(bio.cue_rows(sents, probs, keys, z_sent, [0], "lin3", z_crf)[0]) == {"z", "s", "crf"}
    assert bio.cue_rows(sents, probs, keys, z_sent, [0], "crfs", z_crf) == [{"s": 0.5, "crf": 2.0}]


def test_crf_argument_errors(bio, tmp_path, capsys):
    assert bio.main(["--data", str(tmp_path), "--crf", "--stack"]) == 2
    assert "--crf cannot be combined" in capsys.readouterr().err
