"""Grouped cross-validation of a token-level cue tagger on the CoNLL-2010 biological training files.

``nice python benchmarks/bio_token_cv.py [--data ../shared/data/uncertainty] [--k 5] [--C 2]
[--extra alt,modal,sent] [--pos-weight W] [--stack] [--seed S | --seeds 0,1,2,3,4] [--augment SZEGED_XML]
[--lexicon hedging] [--C-grid 0.5,1,2] [--sentence [SETTINGS_JSON]] [--blend-fit logistic|grid|cues]
[--blend-grid 0.6,0.7,...] [--pairs cooc,lrx] [--bag N]
[--penalty l2|l1] [--learner logreg|perceptron] [--crf]``

An experiment for issue 18: it measures how far a sentence decision taken from a token-level cue
tagger alone gets. The candidate features are the library's (:mod:`analysis.validate.tagger`, the
``tagger`` setting of ``learn``); this script differs from the library only in how it picks the cue
words (every word token the training folds mark as a cue ``--min-count`` times, where the library
takes the words of the cues it induces) and in hashing every feature into 2^20 columns. For each
fold (``GroupKFold(k, shuffle=True, random_state=0)`` over documents, the same folds as ``learn --cv``):

* cue words are the word tokens the *training* folds mark as cues at least ``--min-count`` times;
  a token of any sentence is a candidate when it is such a word, shares its crude stem with one, or
  shares its first five letters with one;
* every candidate gets binary hashed features: its identity, word and stem, neighbours one and two
  to each side (words, stems, three-letter suffixes, coarse shapes), bigrams and the trigram around
  it, words within ``--window`` tokens, prefixes and suffixes of the candidate (3-5 letters),
  whether a few trigger words occur in the sentence ("whether", "either", "not" ...), its position;
* a logistic regression (liblinear, ``--C``) is trained on the training folds' candidates, labelled
  by the gold cue spans;
* a held-out sentence is uncertain when its most probable candidate has probability above 0.5.

``--seed`` changes the fold assignment (``random_state``; 0 gives the folds of ``learn --cv``), to see
how much of a difference between settings is the partition's; ``--seeds`` runs several assignments
and prints each one's JSON line, then their mean pooled F1 (the last line). ``--lexicon`` adds a
lexicon's matches (the ``tagger_lexicon`` setting of ``learn``): tokens it matches are candidates
too, and every candidate gets the category and entry that match it
(:func:`analysis.validate.tagger.lexicon_features`). ``--C-grid`` chooses ``C`` inside every training
part (nested): three inner folds grouped by document (cue words induced from each inner training
part), the value with the best pooled inner F1 (ties: the smaller C) is refitted on the whole
training part; the test fold is never looked at. ``--sentence`` blends the tagger with a sentence
model of the library (:func:`analysis.validate.learn.train` with its default settings, or the JSON
settings given), trained on the same training part: a sentence is uncertain when ``w`` x its highest
candidate log-odds + (1 - ``w``) x the sentence model's decision is above 0. ``w`` comes from the same
three inner folds: by default (``--blend-fit logistic``, as the ``tagger_sentence`` setting of
``learn``) it is the tagger's share of the two weights of a logistic regression of the labels on the
inner out-of-fold scores (``C`` chosen by the tagger alone); ``--blend-fit grid`` takes the pair of
``--C-grid`` x ``--blend-grid`` with the best inner F1 (ties: the smaller C, then the smaller ``w``).
``--blend-fit cues`` adds a second stage learned on the same inner out-of-fold scores: a logistic
regression (:data:`CUE_STAGE_C`) of the labels on the tagger's highest log-odds, the sentence model's
decision, and the identity of the most probable candidate, as an offset and as a slope on the tagger's
score (:func:`cue_rows`): how far a tagger score for "or", "could" or "either" can be trusted, by cue
word; the logistic blend of the same fits is reported beside it (``logistic_f1``), so the two pair
exactly.
``--pairs`` adds learned conjunctions to every candidate (:func:`pair_features`): ``cooc``, the identity
of each other candidate of the sentence with its side ("either" with "or" after it), and ``lrx``, the
candidate with one neighbour word and the other neighbour's last two letters ("could be" + -ed).
``--bag N`` makes every tagger fit, inner and outer, the mean log-odds of ``N`` fits on bootstrap
resamples of the fit's training documents (as row weights; :func:`bootstrap_weights`). ``--penalty l1``
trains the tagger with an L1 penalty instead of L2 (``C`` and ``--C-grid`` as before);
``--learner perceptron`` replaces its logistic regression by an averaged perceptron (:class:`Perceptron`).
``--crf`` trains a linear-chain CRF (:class:`ChainCRF`, python-crfsuite; labels cue / not cue from the gold
spans) beside the tagger on every token of the same training sentences: candidates carry the tagger's
features, other tokens a few of their own (:func:`token_features`). Its sentence decision (highest token
marginal above 0.5, fixed in advance; also any token tagged as a cue on the Viterbi path) is reported as
``crf_f1`` and ``crf_viterbi_f1``; with ``--sentence --blend-fit cues`` the CRF is also fitted on the inner
folds and its score joins the second stage (the variants ``nocrf``, ``lin3``, ``crfs``, ``crftop`` are
scored from the same fits; see :func:`run`). Each CRF fit is trained into a temporary file that is deleted.
``--augment`` adds the sentences of a
Szeged WikiWeasel file to every training fold (never scored) with "frustratingly easy" domain
adaptation (Daume 2007): every feature appears twice, once shared and once prefixed with its domain
(``bio:`` or ``wiki:``), so the model learns what the two annotations share and where they differ;
candidates are still the bio training folds' cue words.

Scores are pooled over the out-of-fold predictions (each sentence predicted once); the fold F1s give
a t interval. The last line printed is JSON. Nothing is written. Needs ``../shared`` (the data may
not be redistributed).
"""
from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from analysis.validate.tagger import candidate_features, crude_stem, lexicon_features, lexicon_hits


def tokenise(gold) -> list[tuple[list[str], list[int]]]:
    """Word tokens of every sentence and, per token, 1 when it overlaps a gold cue span."""
    from analysis.validate.induction import sentence_token_spans

    out = []
    for text, cues in zip(gold["text"], gold["cues"]):
        spans = sentence_token_spans(text)
        labels = [int(any(a < int(c[1]) and b > int(c[0]) for c in cues)) for a, b, _n in spans]
        out.append(([t[2] for t in spans], labels))
    return out


#: Words whose place before or after the candidate (within 12 tokens) is a feature of the ``alt`` group.
_ALT_TRIGGERS = ("whether", "either", "if", "not", "or", "and", "between", "than", "no")
_MODALS = {"can", "could", "may", "might", "would", "should", "must", "will"}


def _ending(word: str) -> str:
    """Coarse ending class: ED (-ed, -en), ING, LY, S or O."""
    if word.endswith(("ed", "en")):
        return "ED"
    for end, cls in (("ing", "ING"), ("ly", "LY"), ("s", "S")):
        if word.endswith(end):
            return cls
    return "O"


def extra_features(norms: list[str], j: int, key: str, groups) -> list[str]:
    """Optional feature groups tried for issue 18 (``--extra alt,modal,sent``; none is in the library).

    * ``alt`` (alternatives): trigger words before / after the candidate, the ending classes of its
      neighbours, whether they share an ending or a stem ("activates or represses"), the distance back
      to "whether" / "either";
    * ``modal``: ending classes of the next two words, "can be" + participle, "not" + word, adverb +
      word(s), modal verbs in the four words before;
    * ``sent``: the sentence's first two words and its length in tens of tokens.
    """
    n = len(norms)
    out = []
    if "alt" in groups:
        before, after = set(norms[max(0, j - 12):j]), set(norms[j + 1:j + 13])
        out += [f"{key}|bef={t}" for t in _ALT_TRIGGERS if t in before]
        out += [f"{key}|aft={t}" for t in _ALT_TRIGGERS if t in after]
        left = norms[j - 1] if j else "<s>"
        right = norms[j + 1] if j + 1 < n else "</s>"
        out.append(f"{key}|lrcls={_ending(left)}_{_ending(right)}")
        if left[-2:] == right[-2:]:
            out.append(f"{key}|samesuf")
        if crude_stem(left) == crude_stem(right):
            out.append(f"{key}|samestem")
        for t in ("whether", "either"):
            if t in before:
                d = j - max(i for i in range(max(0, j - 12), j) if norms[i] == t)
                out.append(f"{key}|d{t}={min(d, 6)}")
    if "modal" in groups:
        r1, r2, r3 = (norms[i] if i < n else "</s>" for i in (j + 1, j + 2, j + 3))
        out.append(f"{key}|rcls={_ending(r1)}_{_ending(r2)}")
        if r1 == "be":
            out += [f"{key}|be_{_ending(r2)}", f"{key}|be_{r2}"]
        if r1 == "not":
            out.append(f"{key}|not_{r2}")
        if r1 in ("also", "then", "therefore", "thus", "only", "not", "still"):
            out += [f"{key}|adv_{r2}", f"{key}|adv_{r2}_{r3}"]
        out += [f"{key}|lmodal={norms[i]}" for i in range(max(0, j - 4), j) if norms[i] in _MODALS]
    if "sent" in groups:
        out += [f"{key}|first2={' '.join(norms[:2])}", f"{key}|len={min(n // 10, 5)}"]
    return out


#: Groups of :func:`pair_features` (``--pairs``).
PAIR_GROUPS = ("cooc", "lrx")


def pair_features(norms: list[str], j: int, key: str, cands, groups) -> list[str]:
    """Conjunctions of the candidate with its context, learned rather than hand-listed (``--pairs``).

    * ``cooc``: the identity of every *other* candidate of the sentence, with its side
      (``c=either|oc>=c=or``: "either" with "or" after it; ``c=or|oc<=c=whether``); the weights say which
      pairs of candidate words make each other more or less of a cue;
    * ``lrx``: the candidate with its left word and the right word's last two letters, with its right
      word and the last two letters of the word after (``c=could|r=be|r2s2=ed``: "could be" + a
      participle), and with the left word's last two letters and the right word.

    ``cands`` are the sentence's candidates as ``(token index, identity)``.

    >>> pair_features(["either", "a", "or", "b"], 0, "c=either", [(0, "c=either"), (2, "c=or")], ("cooc",))
    ['c=either|oc>=c=or']
    >>> pair_features(["it", "could", "be", "used"], 1, "c=could", [(1, "c=could")], ("lrx",))
    ['c=could|l=it|rs2=be', 'c=could|r=be|r2s2=ed', 'c=could|ls2=it|r=be']
    """
    out: list[str] = []
    if "cooc" in groups:
        out += sorted({f"{key}|oc{'<' if j2 < j else '>'}={key2}" for j2, key2 in cands if j2 != j})
    if "lrx" in groups:
        n = len(norms)
        left = norms[j - 1] if j else "<s>"
        right = norms[j + 1] if j + 1 < n else "</s>"
        right2 = norms[j + 2] if j + 2 < n else "</s>"
        out += [f"{key}|l={left}|rs2={right[-2:]}", f"{key}|r={right}|r2s2={right2[-2:]}",
                f"{key}|ls2={left[-2:]}|r={right}"]
    return out


class Bagged:
    """The mean log-odds of several fitted classifiers, as a probability (``--bag``)."""

    def __init__(self, models):
        self.models = models

    def predict_proba(self, X) -> np.ndarray:
        z = np.mean([m.decision_function(X) for m in self.models], axis=0)
        p = 1.0 / (1.0 + np.exp(-z))
        return np.c_[1 - p, p]


class Perceptron:
    """An averaged perceptron over the candidates' rows (``--learner perceptron``; no regulariser).

    scikit-learn's ``SGDClassifier(loss="perceptron", average=True)``, ``epochs`` passes in a fixed
    shuffled order; its decision values are divided by their standard deviation over the training rows
    so that they fall in the range of log-odds the blend and the second stage expect (both refit the
    scale; only the floor at -20 of the tagger's score depends on it).
    """

    def __init__(self, epochs: int = 10):
        self.epochs = epochs

    def fit(self, X, labels, sample_weight=None):
        from sklearn.linear_model import SGDClassifier

        self.model = SGDClassifier(loss="perceptron", penalty=None, average=True, learning_rate="constant",
                                   eta0=1.0, max_iter=self.epochs, tol=None, shuffle=True, random_state=0)
        self.model.fit(X, labels, sample_weight=sample_weight)
        self.scale = float(np.std(self.model.decision_function(X))) or 1.0
        return self

    def decision_function(self, X) -> np.ndarray:
        return self.model.decision_function(X) / self.scale

    def predict_proba(self, X) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-np.clip(self.decision_function(X), -500, 500)))
        return np.c_[1 - p, p]


#: The CRF's L2 coefficient (crfsuite's ``c2``, which multiplies ||w||^2): fixed in advance at 1 / (2 C)
#: for C = 1, the middle of the tagger's ``--C-grid``, so that it penalises as the logistic regression does.
CRF_C2 = 0.5
#: L-BFGS passes of every CRF fit (fixed in advance from the time one fit takes, not from any score).
CRF_ITERATIONS = 100


def token_features(norms: list[str], j: int) -> list[str]:
    """What the CRF sees of a token that is not a candidate (``--crf``): a bias, the word, its crude stem and
    its last three letters. Candidates get the tagger's own features instead.

    >>> token_features(["the", "cells"], 1)
    ['nc', 'w=cells', 'st=cell', 'suf3=lls']
    """
    w = norms[j]
    return ["nc", f"w={w}", f"st={crude_stem(w)}", f"suf3={w[-3:]}"]


class ChainCRF:
    """A linear-chain CRF over every token of a sentence, labelled cue (``C``) or not (``O``) by the gold cue
    spans (``--crf``; python-crfsuite, L-BFGS, L2 :data:`CRF_C2`, :data:`CRF_ITERATIONS` passes).

    ``fit(seqs)`` takes ``(attributes per token, labels per token)`` pairs; ``predict(seqs)`` returns per
    sentence the marginal probability that each token is a cue (forward-backward) and whether the Viterbi
    path tags it as one. The model is trained into a temporary file and read back into memory.
    """

    def __init__(self, c2: float = CRF_C2, max_iterations: int = CRF_ITERATIONS):
        self.c2, self.max_iterations = c2, max_iterations

    def fit(self, seqs):
        import os
        import tempfile

        import pycrfsuite

        trainer = pycrfsuite.Trainer(verbose=False)
        for xseq, yseq in seqs:
            if xseq:
                trainer.append(xseq, ["C" if lab else "O" for lab in yseq])
        trainer.set_params({"c1": 0.0, "c2": self.c2, "max_iterations": self.max_iterations})
        fd, path = tempfile.mkstemp(suffix=".crfsuite")
        os.close(fd)
        try:
            trainer.train(path)
            with open(path, "rb") as fh:
                self.model_ = fh.read()
        finally:
            os.unlink(path)
        self.tagger_ = pycrfsuite.Tagger()
        self.tagger_.open_inmemory(self.model_)
        return self

    def predict(self, seqs) -> list[tuple[np.ndarray, np.ndarray]]:
        tagger, out = self.tagger_, []
        has_cue = "C" in tagger.labels()
        for xseq, _y in seqs:
            if not xseq or not has_cue:
                out.append((np.zeros(len(xseq)), np.zeros(len(xseq), dtype=bool)))
                continue
            tags = tagger.tag(xseq)  # also sets the sequence for the marginals
            out.append((np.array([tagger.marginal("C", t) for t in range(len(xseq))]),
                        np.array([t == "C" for t in tags])))
        return out

    def scores(self, seqs, sents, pos, indices) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`sentence_scores` of ``seqs`` (the sentences ``indices``, in order) and the marginal of every
        candidate row (sentence ``sents[r]``, token ``pos[r]``)."""
        pred = self.predict(seqs)
        where = {int(i): n for n, i in enumerate(indices)}
        rows = np.array([pred[where[int(i)]][0][j] for i, j in zip(sents, pos)], dtype=np.float64)
        best = np.array([float(m.max()) if len(m) else 0.0 for m, _v in pred])
        return _logit(best), np.array([bool(v.any()) for _m, v in pred]), rows

    def sentence_scores(self, seqs) -> tuple[np.ndarray, np.ndarray]:
        """Per sentence: the log-odds of its highest token marginal (:data:`NO_CANDIDATE` for an empty one) and
        whether the Viterbi path tags any token as a cue."""
        pred = self.predict(seqs)
        best = np.array([float(m.max()) if len(m) else 0.0 for m, _v in pred])
        return _logit(best), np.array([bool(v.any()) for _m, v in pred])


def bootstrap_weights(docs: np.ndarray, seed: int, b: int) -> np.ndarray:
    """Row weights of bootstrap resample ``b``: how often each row's document is drawn (documents drawn
    with replacement, as many as there are); the draw depends only on ``seed``, ``b`` and the documents.

    >>> w = bootstrap_weights(np.array(["a", "a", "b", "c"]), 0, 0)
    >>> bool(w[0] == w[1]), float(w[[0, 2, 3]].sum())  # a document's rows share a count; 3 documents drawn
    (True, 3.0)
    """
    uniq, inv = np.unique(docs, return_inverse=True)
    counts = np.bincount(np.random.default_rng([seed, b]).integers(0, len(uniq), len(uniq)), minlength=len(uniq))
    return counts[inv].astype(np.float64)


def _sentence_block(probs, sent, n: int) -> np.ndarray:
    """Per sentence: highest and second-highest candidate probability, noisy-or, log count > 0.5, logit of the highest."""
    best, second = np.zeros(n), np.zeros(n)
    seen = np.zeros(n, dtype=np.int64)
    for o in np.argsort(-probs, kind="stable"):
        i = sent[o]
        if seen[i] == 0:
            best[i] = probs[o]
        elif seen[i] == 1:
            second[i] = probs[o]
        seen[i] += 1
    log_none, count = np.zeros(n), np.zeros(n)
    np.add.at(log_none, sent, np.log1p(-np.minimum(probs, 1 - 1e-9)))
    np.add.at(count, sent, (probs > 0.5).astype(np.float64))
    clipped = np.clip(best, 1e-6, 1 - 1e-6)
    return np.c_[best, second, 1 - np.exp(log_none), np.log1p(count), np.log(clipped / (1 - clipped))]


#: Log-odds of a sentence without any candidate cue (as ``analysis.validate.learn.NO_CANDIDATE_SCORE``).
NO_CANDIDATE = -50.0


def _logit(prob: np.ndarray) -> np.ndarray:
    """Log-odds of the highest candidate probabilities (0: no candidate, :data:`NO_CANDIDATE`)."""
    p = np.clip(prob, 1e-15, 1 - 1e-15)
    return np.where(prob > 0, np.log(p / (1 - p)), NO_CANDIDATE)


def lexicon_table(gold, lexicon: str | None) -> list[dict] | None:
    """Per sentence, ``{token index: (category, entry)}`` of the lexicon's matches (None without a lexicon)."""
    if not lexicon:
        return None
    from analysis.measure.matching import Matcher
    from analysis.validate.induction import sentence_token_spans

    matcher = Matcher([lexicon])
    return [lexicon_hits(sentence_token_spans(text), matcher.match(text).matches) for text in gold["text"]]


def prepare(gold, augment=None, lexicon: str | None = None) -> dict:
    """Tokens and labels (:func:`tokenise`) and lexicon matches of ``gold`` and ``augment``."""
    return {"toks": tokenise(gold), "aug_toks": tokenise(augment) if augment is not None else [],
            "hits": lexicon_table(gold, lexicon),
            "aug_hits": lexicon_table(augment, lexicon) if augment is not None else None}


def run(gold, *, k: int, C: float, min_count: int, window: int, seed: int = 0, extra=(),
        pos_weight: float = 1.0, stack: bool = False, augment=None, bits: int = 20, lexicon: str | None = None,
        C_grid=(), tables=None, sentence: dict | None = None, blend_grid=(), blend_fit: str = "logistic",
        cue_variants=(), pairs=(), bag: int = 1, penalty: str = "l2", learner: str = "logreg",
        crf: bool = False) -> dict:
    """Out-of-fold scores of the tagger; ``extra`` feature groups, a cue ``pos_weight``, ``stack``ing,
    and ``augment``: sentences of another domain (a DataFrame like ``gold``) joining every training fold.
    ``bits``: features are hashed into 2^bits columns. ``lexicon``: a lexicon whose matches are
    candidates and features; ``C_grid``: values of C chosen among inside each training part (nested).
    ``tables``: :func:`prepare` of the same ``gold``, ``augment`` and ``lexicon``, computed once for
    several seeds (nothing in it depends on the folds). ``sentence``: settings of a sentence model
    (:func:`analysis.validate.learn.train`, ``{}`` for its defaults) trained on each training part and
    blended with the tagger: a sentence is uncertain when ``w`` x the highest candidate log-odds +
    (1 - ``w``) x the sentence model's decision > 0. ``blend_fit="logistic"`` (as ``learn``): ``C`` is
    chosen by the tagger alone, then ``w`` is the tagger's share of the two weights of a logistic
    regression of the labels on the two inner scores; ``"grid"``: ``(C, w)`` with the best inner F1
    over ``C_grid`` x ``blend_grid``; ``"cues"``: the logistic blend's fits and a second stage on them
    (:func:`cue_stage`), whose other ``cue_variants`` (:func:`cue_rows`) are scored beside it from the
    same fits (``variant_f1``). All nested (three inner folds of each training part). ``pairs``:
    :func:`pair_features` groups added to every candidate. ``bag``: every tagger fit (inner and outer) is
    the mean log-odds of ``bag`` fits on bootstrap resamples of its training documents
    (:func:`bootstrap_weights`, :class:`Bagged`). ``penalty``: the tagger's regulariser (``"l2"`` or
    ``"l1"``, liblinear either way; ``C`` and ``C_grid`` are its inverse strength). ``learner="perceptron"``:
    the tagger is an averaged perceptron (:class:`Perceptron`; ``C``, ``C_grid`` and ``penalty`` unused).
    ``crf``: a linear-chain CRF (:class:`ChainCRF`) is trained beside the tagger on every token of the same
    training sentences (candidates with the tagger's features, other tokens with :func:`token_features`); its
    out-of-fold decisions are reported as ``crf_f1`` (highest token marginal above 0.5) and
    ``crf_viterbi_f1`` (any token tagged as a cue on the Viterbi path). With ``sentence`` and
    ``blend_fit="cues"`` it is also fitted on the three inner folds, and the second stage gets its highest
    token log-odds as one more column (``crf``); the same fits also give the variants ``nocrf`` (the second
    stage without that column, as without ``crf``), ``lin3`` (a logistic regression on the tagger's,
    the sentence model's and the CRF's scores alone), ``crfs`` (on the CRF's and the sentence model's) and
    ``crftop`` (the second stage without ``crf`` column, with the CRF's marginals of the candidates in place of
    the tagger's probabilities: the CRF as the tagger).
    The result's ``scores`` are every sentence's out-of-fold decision value (the
    blend, or the highest candidate log-odds; :data:`NO_CANDIDATE` without a candidate); :func:`main`
    leaves them out of its JSON lines."""
    import scipy.sparse as sp
    from scipy.stats import t as student_t
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    if bag > 1 and (augment is not None or stack):
        raise ValueError("bag: not with augment or stack")
    if set(pairs) - set(PAIR_GROUPS):
        raise ValueError(f"pairs: the groups are {', '.join(PAIR_GROUPS)}")
    if learner not in ("logreg", "perceptron"):
        raise ValueError(f"learner: logreg or perceptron, got {learner!r}")
    if penalty not in ("l1", "l2"):
        raise ValueError(f"penalty: l1 or l2, got {penalty!r}")
    if crf and (augment is not None or stack or bag > 1):
        raise ValueError("crf: not with augment, stack or bag")
    crf_stage = crf and sentence is not None and blend_fit == "cues"
    if crf_stage:
        cue_variants = (*cue_variants, *(v for v in CRF_VARIANTS if v not in cue_variants))
    elif set(cue_variants) & set(CRF_VARIANTS):
        raise ValueError(f"cue_variants {', '.join(CRF_VARIANTS)} need crf, a sentence model and blend_fit='cues'")
    if tables is None:
        tables = prepare(gold, augment, lexicon)
    toks, aug_toks, hits, aug_hits = tables["toks"], tables["aug_toks"], tables["hits"], tables["aug_hits"]
    y = gold["label"].astype(bool).to_numpy()
    groups = gold["doc_id"].astype(str).to_numpy()
    hasher = FeatureHasher(n_features=1 << bits, input_type="string", alternate_sign=False)
    class_weight = None if pos_weight == 1.0 else {False: 1.0, True: float(pos_weight)}
    pred = np.zeros(len(gold), dtype=bool)
    oof_score = np.zeros(len(gold))
    fold_f1 = []

    def builder(train_idx):
        """Candidates and features of any sentences, with cue words from the sentences ``train_idx``."""
        counts = Counter(w for i in train_idx for w, lab in zip(*toks[i]) if lab)
        cue_words = {w for w, c in counts.items() if c >= min_count}
        stems = {crude_stem(w) for w in cue_words}
        prefixes = {w[:5] for w in cue_words if len(w) >= 5}

        def build(indices, source=toks, domain="bio"):
            feats, sent, labels, keys, pos, seqs = [], [], [], [], [], []
            source_hits = hits if source is toks else aug_hits
            for i in indices:
                norms, labs = source[i]
                found = source_hits[i] if source_hits is not None else {}
                cands = []
                for j, w in enumerate(norms):
                    if w in cue_words:
                        cands.append((j, "c=" + w))
                    elif len(w) >= 4 and crude_stem(w) in stems:
                        cands.append((j, "s=" + crude_stem(w)))
                    elif len(w) >= 5 and w[:5] in prefixes:
                        cands.append((j, "p=" + w[:5]))
                    elif j in found:
                        cands.append((j, "x=" + found[j][0]))
                for j, key in cands:
                    fs = candidate_features(norms, j, key, window) + extra_features(norms, j, key, extra)
                    if pairs:
                        fs += pair_features(norms, j, key, cands, pairs)
                    if source_hits is not None:
                        fs += lexicon_features(key, found.get(j))
                    feats.append(fs + [f"{domain}:{f}" for f in fs] if aug_toks else fs)
                    sent.append(i)
                    labels.append(bool(labs[j]))
                    keys.append(key)
                    pos.append(j)
                if crf:  # every token: a candidate's features as the tagger sees them, else token_features
                    mine = dict(zip((j for j, _k in cands), feats[len(feats) - len(cands):]))
                    seqs.append(([mine[j] if j in mine else token_features(norms, j) for j in range(len(norms))],
                                 [bool(v) for v in labs]))
            X = hasher.transform(feats)
            X.data[:] = 1.0
            build.last = (keys, pos)  # the candidates' identities and token positions, in row order
            build.seqs = seqs  # with crf: the sentences' token attributes and labels, in the order of indices
            return X, np.asarray(sent, dtype=np.int64), np.asarray(labels, dtype=bool)
        return build

    def fit(X, labels, c=C, sents=None):
        def one(weights=None):
            if learner == "perceptron":
                return Perceptron().fit(X if weights is None else X[weights > 0],
                                        labels if weights is None else labels[weights > 0],
                                        sample_weight=None if weights is None else weights[weights > 0])
            return LogisticRegression(C=c, solver="liblinear", max_iter=2000, class_weight=class_weight,
                                      **({"l1_ratio": 1.0} if penalty == "l1" else {})).fit(
                X if weights is None else X[weights > 0], labels if weights is None else labels[weights > 0],
                sample_weight=None if weights is None else weights[weights > 0])
        if bag <= 1 or sents is None:
            return one()
        docs = groups[sents]
        return Bagged([one(bootstrap_weights(docs, seed, b)) for b in range(bag)])

    def training_matrix(build, idx):
        X, sents, lab = build(idx)
        if aug_toks:
            X_aug, _sa, lab_aug = build(range(len(aug_toks)), aug_toks, "wiki")
            X, lab = sp.vstack([X, X_aug]).tocsr(), np.r_[lab, lab_aug]
        training_matrix.sents = sents
        return X, lab

    def sentence_scores(train_idx, test_idx) -> np.ndarray:
        """The decision of a sentence model trained on ``train_idx``, for the sentences ``test_idx``."""
        from analysis.validate.learn import train

        model = train(gold.iloc[train_idx], sentence)
        return model.decision_function(gold["text"].iloc[test_idx].tolist())

    Cs = list(C_grid) if C_grid else [C]
    ws = list(blend_grid) if sentence is not None else [1.0]

    def choose(train_idx) -> tuple[float, float, object]:
        """``(C, w, top)`` from three inner folds of ``train_idx``: ``C`` and ``w`` as described in
        :func:`run` (ties: the smaller), ``top`` the ``"cues"`` second stage (None otherwise)."""
        best = np.zeros((len(Cs), len(gold)))
        z_sent = np.zeros(len(gold))
        inner_cands = [([], [], []) for _c in Cs]  # per C: sentence, probability, identity of every candidate
        z_crf = np.full(len(gold), NO_CANDIDATE)
        crf_cands = []  # the CRF's marginal of every inner held-out candidate, in the order of inner_cands
        for itr, ite in GroupKFold(n_splits=3, shuffle=True, random_state=0).split(
                train_idx, y[train_idx], groups[train_idx]):
            inner = builder(train_idx[itr])
            X_a, lab_a = training_matrix(inner, train_idx[itr])
            s_a = training_matrix.sents
            seqs_a = inner.seqs if crf_stage else None
            X_b, s_b, _lb = inner(train_idx[ite])
            if crf_stage:
                z_c, _v, rows = ChainCRF().fit(seqs_a).scores(inner.seqs, s_b, inner.last[1], train_idx[ite])
                z_crf[train_idx[ite]] = z_c
                crf_cands.append(rows)
            keys_b = inner.last[0] if hasattr(inner, "last") else []
            for g, c in enumerate(Cs):
                if len(s_b):
                    p_b = fit(X_a, lab_a, c, s_a).predict_proba(X_b)[:, 1]
                    np.maximum.at(best[g], s_b, p_b)
                    inner_cands[g][0].append(s_b)
                    inner_cands[g][1].append(p_b)
                    inner_cands[g][2].extend(keys_b)
            if sentence is not None:
                z_sent[train_idx[ite]] = sentence_scores(train_idx[itr], train_idx[ite])
        t = y[train_idx]
        if blend_fit == "cues" and sentence is not None:
            f1s = []
            for g in range(len(Cs)):
                p = best[g][train_idx] > 0.5
                f1s.append(2 * float((p & t).sum()) / max(float(p.sum() + t.sum()), 1.0))
            g = int(np.argmax(f1s))
            sents, probs, keys = inner_cands[g]
            sents = np.concatenate(sents) if sents else np.zeros(0, dtype=np.int64)
            probs = np.concatenate(probs) if probs else np.zeros(0)
            top = {v: cue_stage(sents, probs, keys, z_sent, train_idx, t, v,
                                z_crf if crf_stage and v not in ("nocrf", "offset", "all", "crftop") else None)
                   for v in ("top", *cue_variants) if v != "crftop"}
            if crf_stage:  # the same stage with the CRF's candidate marginals in place of the tagger's
                top["crftop"] = cue_stage(sents, np.concatenate(crf_cands) if crf_cands else np.zeros(0), keys,
                                          z_sent, train_idx, t, "top")
            Z = np.c_[np.maximum(_logit(best[g][train_idx]), -20.0), z_sent[train_idx]]
            a, b = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(Z, t).coef_.ravel()
            return float(Cs[g]), float(min(1.0, max(0.05, a / (a + b)))) if a > 0 and b > 0 else 1.0, top
        if blend_fit == "logistic" and sentence is not None:
            # C by the tagger alone (as without --sentence); w from a logistic regression of the labels on
            # the two inner scores: the tagger's share of its two weights (no threshold searched)
            f1s = []
            for g in range(len(Cs)):
                p = best[g][train_idx] > 0.5
                f1s.append(2 * float((p & t).sum()) / max(float(p.sum() + t.sum()), 1.0))
            g = int(np.argmax(f1s))
            Z = np.c_[np.maximum(_logit(best[g][train_idx]), -20.0), z_sent[train_idx]]
            a, b = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(Z, t).coef_.ravel()
            return float(Cs[g]), float(min(1.0, max(0.05, a / (a + b)))) if a > 0 and b > 0 else 1.0, None
        f1s = []
        for g in range(len(Cs)):
            for w in ws:
                p = w * _logit(best[g][train_idx]) + (1 - w) * z_sent[train_idx] > 0
                f1s.append(2 * float((p & t).sum()) / max(float(p.sum() + t.sum()), 1.0))
        g = int(np.argmax(f1s))  # the first (smallest C, then smallest w) among ties
        return float(Cs[g // len(ws)]), float(ws[g % len(ws)]), None

    chosen, chosen_w = [], []
    alt_score = np.zeros(len(gold))  # with blend_fit="cues": the logistic blend of the same inner fits
    variant_score = {v: np.zeros(len(gold)) for v in cue_variants}
    crf_score = np.full(len(gold), NO_CANDIDATE)  # with crf: the CRF's out-of-fold highest token log-odds
    crf_viterbi = np.zeros(len(gold), dtype=bool)
    for train_idx, test_idx in GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(gold, y, groups):
        build = builder(train_idx)
        X_tr, lab_tr = training_matrix(build, train_idx)
        s_tr = training_matrix.sents  # before choose() refits on inner folds
        seqs_tr = build.seqs
        c_fold, w_fold, top = (choose(train_idx)
                               if len(Cs) * len(ws) > 1 or (sentence is not None and blend_fit in ("logistic", "cues"))
                               else (Cs[0], ws[0], None))
        chosen.append(c_fold)
        chosen_w.append(w_fold)
        clf = fit(X_tr, lab_tr, c_fold, s_tr)
        X_te, sent_te, _l = build(test_idx)
        p_te = clf.predict_proba(X_te)[:, 1] if len(sent_te) else np.zeros(0)
        if crf:
            crf_score[test_idx], crf_viterbi[test_idx], p_crf_te = ChainCRF().fit(seqs_tr).scores(
                build.seqs, sent_te, build.last[1], test_idx)
        if stack:
            # the training sentences' block from three inner folds (cue words induced inside each)
            probs, sents = [], []
            for itr, ite in GroupKFold(n_splits=3, shuffle=True, random_state=0).split(
                    train_idx, y[train_idx], groups[train_idx]):
                inner = builder(train_idx[itr])
                X_a, _sa, lab_a = inner(train_idx[itr])
                X_b, s_b, _lb = inner(train_idx[ite])
                if len(s_b):
                    probs.append(fit(X_a, lab_a).predict_proba(X_b)[:, 1])
                    sents.append(s_b)
            F_tr = _sentence_block(np.concatenate(probs), np.concatenate(sents), len(gold))[train_idx]
            F_te = _sentence_block(p_te, sent_te, len(gold))[test_idx]
            top = LogisticRegression(C=1.0, solver="liblinear").fit(F_tr, y[train_idx])
            pred[test_idx] = top.predict_proba(F_te)[:, 1] > 0.5
        else:
            best = np.zeros(len(gold))
            if len(sent_te):
                np.maximum.at(best, sent_te, p_te)
            z = _logit(best[test_idx])
            if sentence is not None:
                z_s = sentence_scores(train_idx, test_idx)
                z = w_fold * z + (1 - w_fold) * z_s
                if top is not None:
                    alt_score[test_idx] = z
                    z_all = np.zeros(len(gold))
                    z_all[test_idx] = z_s
                    k_te = build.last[0] if len(sent_te) else []
                    for v in cue_variants:
                        variant_score[v][test_idx] = top[v](sent_te, p_crf_te if v == "crftop" else p_te, k_te,
                                                            z_all, test_idx, crf_score)
                    z = top["top"](sent_te, p_te, k_te, z_all, test_idx, crf_score)
            pred[test_idx] = z > 0
            oof_score[test_idx] = z
        p, t = pred[test_idx], y[test_idx]
        fold_f1.append(2 * float((p & t).sum()) / float(p.sum() + t.sum()))
    tp = float((pred & y).sum())
    precision, recall = tp / max(float(pred.sum()), 1.0), tp / y.sum()  # precision 0 when nothing is flagged
    mean, sd = float(np.mean(fold_f1)), float(np.std(fold_f1, ddof=1))
    half = float(student_t.ppf(0.975, k - 1)) * sd / math.sqrt(k)
    return {"sentences": len(gold), "uncertain": int(y.sum()), "documents": len(set(groups)), "k": k,
            "C": C, "min_count": min_count, "window": window, "extra": sorted(extra), "pos_weight": pos_weight,
            "stack": stack, "seed": seed, "lexicon": lexicon, "pairs": sorted(pairs), "bag": bag,
            "penalty": penalty, "learner": learner, "crf": crf,
            "C_grid": sorted(C_grid) if C_grid else None, "C_chosen": chosen if C_grid else None,
            "sentence": sentence, "blend_fit": blend_fit if sentence is not None else None,
            "blend_grid": list(ws) if sentence is not None and blend_fit == "grid" else None,
            "w_chosen": chosen_w if sentence is not None else None,
            "augment": None if augment is None else len(augment), "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(2 * precision * recall / max(precision + recall, 1e-12), 4),
            "fold_f1": [round(f, 4) for f in fold_f1], "fold_mean": round(mean, 4),
            "fold_interval": [round(mean - half, 4), round(mean + half, 4)], "scores": oof_score,
            **({"logistic_f1": _f1(alt_score > 0, y), "logistic_scores": alt_score,
                "variant_f1": {v: _f1(variant_score[v] > 0, y) for v in cue_variants}}
               if blend_fit == "cues" and sentence is not None else {}),
            **({"crf_f1": _f1(crf_score > 0, y), "crf_viterbi_f1": _f1(crf_viterbi, y), "crf_scores": crf_score}
               if crf else {})}


def _f1(pred, y) -> float:
    return round(2 * float((pred & y).sum()) / max(float(pred.sum() + y.sum()), 1.0), 4)


def cue_rows(sents, probs, keys, z_sent, idx, variant: str = "top", z_crf=None) -> list[dict]:
    """Second-stage features of the sentences ``idx`` (``blend_fit="cues"``).

    ``sents``, ``probs`` and ``keys`` are the candidates' sentences, tagger probabilities and
    identities; ``z_sent`` the sentence model's decision by sentence (indexed like ``sents``). A row holds
    the tagger's highest log-odds (``z``, floored at -20), the sentence model's (``s``), and the identity
    of the most probable candidate both as an offset (``top=``) and as a slope on ``z`` (``topz=``): how far
    the tagger's score for *this* cue word can be trusted, learned from the inner out-of-fold scores.
    ``variant="offset"``: the identity as an offset only; ``"all"``: as ``"top"`` plus, for every
    candidate identity in the sentence, its highest log-odds (``k=``), and the log of the number of
    candidates above probability 0.5 (``n``). ``z_crf`` (the CRF's highest token log-odds by sentence,
    indexed like ``z_sent``; ``--crf``) adds a column ``crf`` (floored at -20); the variants ``"lin3"`` and
    ``"crfs"`` hold only ``z``, ``s`` and ``crf``, and only ``s`` and ``crf``.
    """
    best: dict[int, tuple[float, str]] = {}
    each: dict[int, dict[str, float]] = {}
    above: dict[int, int] = {}
    for i, p, key in zip(sents.tolist(), probs.tolist(), keys):
        if i not in best or p > best[i][0]:
            best[i] = (p, key)
        if variant == "all":
            d = each.setdefault(i, {})
            d[key] = max(d.get(key, 0.0), p)
            above[i] = above.get(i, 0) + (p > 0.5)
    rows = []
    for i in idx:
        p, key = best.get(int(i), (0.0, None))
        z = float(max(_logit(np.array([p]))[0], -20.0))
        row = {"z": z, "s": float(z_sent[i])}
        if z_crf is not None:
            row["crf"] = float(max(z_crf[i], -20.0))
        if variant in ("lin3", "crfs"):
            if variant == "crfs":
                del row["z"]
            rows.append(row)
            continue
        if key is not None:
            row["top=" + key] = 1.0
            if variant != "offset":
                row["topz=" + key] = z / 10.0
        if variant == "all" and int(i) in each:
            found = each[int(i)]
            zs = np.maximum(_logit(np.array(list(found.values()))), -20.0)
            row.update({"k=" + k: float(v) / 10.0 for k, v in zip(found, zs)})
            row["n"] = float(np.log1p(above[int(i)]))
        rows.append(row)
    return rows


def cue_stage(sents, probs, keys, z_sent, train_idx, labels, variant: str = "top", z_crf=None):
    """A logistic regression of ``labels`` on :func:`cue_rows` of the training sentences; returns
    ``score(sents, probs, keys, z_sent, idx, z_crf)``: its decision values for other sentences (``z_crf``
    is used only when the stage was fitted with one)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = DictVectorizer()
    X = vec.fit_transform(cue_rows(sents, probs, keys, z_sent, train_idx, variant, z_crf))
    model = LogisticRegression(C=CUE_STAGE_C, solver="lbfgs", max_iter=2000).fit(X, labels)
    with_crf = z_crf is not None

    def score(s2, p2, k2, z2, idx, zc2=None):
        rows = cue_rows(np.asarray(s2), np.asarray(p2), k2, z2, idx, variant, zc2 if with_crf else None)
        return model.decision_function(vec.transform(rows))
    score.model, score.vectorizer = model, vec
    return score


#: Inverse regularisation of the ``"cues"`` second stage.
CUE_STAGE_C = 1.0
#: Second stages scored beside the first from the same fits when the CRF joins it (``--crf``; :func:`cue_rows`).
CRF_VARIANTS = ("nocrf", "lin3", "crfs", "crftop")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data" / "uncertainty"))
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--C", type=float, default=2.0)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--window", type=int, default=3)
    ap.add_argument("--extra", default="", help="feature groups to add: alt, modal, sent (comma-separated)")
    ap.add_argument("--pos-weight", type=float, default=1.0, help="class weight of cue tokens (default 1)")
    ap.add_argument("--stack", action="store_true",
                    help="decide by a sentence model over the tagger's probabilities (three inner folds)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the fold assignment (default 0: learn's folds)")
    ap.add_argument("--seeds", help="several fold seeds (comma-separated): one JSON line each, then their mean")
    ap.add_argument("--lexicon", help="a lexicon whose matches are candidates and features (e.g. hedging)")
    ap.add_argument("--C-grid", dest="C_grid", default="",
                    help="values of C to choose among inside each training part (nested; comma-separated)")
    ap.add_argument("--sentence", nargs="?", const="{}", metavar="SETTINGS_JSON",
                    help="blend the tagger with a sentence model of analysis.validate.learn (its defaults, or "
                         "these settings as JSON), the tagger's weight chosen by inner folds from --blend-grid")
    ap.add_argument("--blend-fit", dest="blend_fit", choices=("logistic", "grid", "cues"), default="logistic",
                    help="how the blend's weight is chosen in the inner folds; cues: the logistic blend's fits and a "
                         "second stage that knows the deciding cue word (default %(default)s)")
    ap.add_argument("--cue-variants", dest="cue_variants", default="",
                    help="with --blend-fit cues: other second stages scored from the same fits (offset, all)")
    ap.add_argument("--blend-grid", dest="blend_grid", default="0.6,0.7,0.75,0.8,0.85,0.9",
                    help="weights of the tagger's log-odds in the blend (comma-separated; default %(default)s)")
    ap.add_argument("--pairs", default="",
                    help="conjunction features to add: cooc (the other candidates of the sentence, by side), lrx "
                         "(the candidate with a neighbour word and the other neighbour's ending; comma-separated)")
    ap.add_argument("--bag", type=int, default=1,
                    help="every tagger fit is the mean log-odds of this many fits on bootstrap resamples of its "
                         "training documents (default 1: one fit on all of them)")
    ap.add_argument("--penalty", choices=("l2", "l1"), default="l2",
                    help="the tagger's regulariser (liblinear; default %(default)s)")
    ap.add_argument("--learner", choices=("logreg", "perceptron"), default="logreg",
                    help="the tagger: a logistic regression, or an averaged perceptron (default %(default)s)")
    ap.add_argument("--crf", action="store_true",
                    help="also train a linear-chain CRF over every token (python-crfsuite): reports crf_f1 and "
                         "crf_viterbi_f1; with --sentence --blend-fit cues its score joins the second stage")
    ap.add_argument("--augment", metavar="SZEGED_XML",
                    help="add a Szeged WikiWeasel file's sentences to every training fold (domain-augmented features)")
    args = ap.parse_args(argv)
    if args.augment and args.stack:
        print("error: --augment and --stack cannot be combined", file=sys.stderr)
        return 2
    try:
        seeds = [int(v) for v in args.seeds.split(",")] if args.seeds else [args.seed]
        C_grid = sorted({float(v) for v in args.C_grid.split(",") if v})
    except ValueError:
        print(f"error: --seeds {args.seeds!r} / --C-grid {args.C_grid!r}: comma-separated numbers expected",
              file=sys.stderr)
        return 2
    if args.stack and (C_grid or args.sentence is not None):
        print("error: --stack cannot be combined with --C-grid or --sentence", file=sys.stderr)
        return 2
    sentence = None
    if args.sentence is not None:
        try:
            sentence = json.loads(args.sentence)
            blend_grid = sorted({float(v) for v in args.blend_grid.split(",") if v})
        except ValueError:
            print(f"error: --sentence {args.sentence!r} must be a JSON object, --blend-grid comma-separated numbers",
                  file=sys.stderr)
            return 2
        if not isinstance(sentence, dict) or not blend_grid or not all(0 < w <= 1 for w in blend_grid):
            print("error: --sentence needs a JSON object and --blend-grid weights in (0, 1]", file=sys.stderr)
            return 2
    if args.blend_fit == "cues" and sentence is None:
        print("error: --blend-fit cues is a second stage over the tagger and a sentence model: it needs --sentence",
              file=sys.stderr)
        return 2
    cue_variants = tuple(v for v in args.cue_variants.split(",") if v)
    if set(cue_variants) - {"offset", "all"} or (cue_variants and args.blend_fit != "cues"):
        print(f"error: --cue-variants {args.cue_variants!r}: offset and/or all, with --blend-fit cues", file=sys.stderr)
        return 2
    if any(c <= 0 for c in C_grid):
        print("error: --C-grid values must be positive", file=sys.stderr)
        return 2
    extra = {g for g in args.extra.split(",") if g}
    if extra - {"alt", "modal", "sent"}:
        print(f"error: --extra {args.extra!r}: the groups are alt, modal, sent", file=sys.stderr)
        return 2
    pairs = tuple(g for g in args.pairs.split(",") if g)
    if set(pairs) - set(PAIR_GROUPS):
        print(f"error: --pairs {args.pairs!r}: the groups are {', '.join(PAIR_GROUPS)}", file=sys.stderr)
        return 2
    if args.crf and (args.augment or args.stack or args.bag > 1):
        print("error: --crf cannot be combined with --augment, --stack or --bag", file=sys.stderr)
        return 2
    if args.crf:
        try:
            import pycrfsuite  # noqa: F401
        except ImportError:
            print("error: --crf needs python-crfsuite (pip install python-crfsuite)", file=sys.stderr)
            return 2
    if args.bag < 1 or (args.bag > 1 and (args.augment or args.stack)):
        print("error: --bag needs a positive count and cannot be combined with --augment or --stack", file=sys.stderr)
        return 2
    files = sorted(Path(args.data).glob("task2_train_bio_*.xml"))
    if not files:
        print(f"error: no task2_train_bio_*.xml under {args.data} (the CoNLL-2010 files live in ../shared)",
              file=sys.stderr)
        return 2
    from analysis.validate.corpora import load_conll2010, load_szeged

    augment = load_szeged(args.augment) if args.augment else None
    gold = load_conll2010(files)
    tables, f1s = prepare(gold, augment, args.lexicon), []
    for seed in seeds:
        start = time.process_time()
        result = run(gold, k=args.k, C=args.C, min_count=args.min_count, window=args.window, extra=extra,
                     pos_weight=args.pos_weight, stack=args.stack, seed=seed, augment=augment,
                     lexicon=args.lexicon, C_grid=C_grid, tables=tables, sentence=sentence,
                     blend_grid=blend_grid if sentence is not None else (), blend_fit=args.blend_fit,
                     cue_variants=cue_variants, pairs=pairs, bag=args.bag, penalty=args.penalty,
                     learner=args.learner, crf=args.crf)
        result.pop("scores")
        result.pop("logistic_scores", None)
        result.pop("crf_scores", None)
        result["cpu_seconds"] = round(time.process_time() - start, 1)
        f1s.append(result["f1"])
        print(json.dumps(result), flush=True)
    if len(seeds) > 1:
        print(json.dumps({"seeds": seeds, "f1": f1s, "mean_f1": round(float(np.mean(f1s)), 4),
                          "sd_f1": round(float(np.std(f1s, ddof=1)), 4)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
