"""A sentence-level uncertainty classifier: lexicon features, n-grams, induced cues, a linear model.

For researchers who have annotated sentences (CoNLL-2010, Szeged, their own coded CSV), this module
trains a linear classifier that says whether a sentence is uncertain. Features are (1) word n-grams
over the library's tokens, (2) optional character n-grams, (3) the counts of a lexicon's categories
and entries (:class:`~analysis.validate.features.LexiconVectorizer`), and (4) cue features induced
from the *training* sentences' annotated cues (:mod:`analysis.validate.induction`): the highest cue
precision of any known cue in the sentence and the number of strong cues. The model is
``LogisticRegression`` or ``LinearSVC`` from scikit-learn. With the setting ``tagger`` the sentence
model is replaced by a token-level cue tagger (:mod:`analysis.validate.tagger`): a logistic
regression over candidate cue tokens, labelled by the annotated cue spans, and a sentence is
uncertain when its most probable candidate's log-odds exceed ``threshold`` (0: probability 0.5);
``tagger_sentence`` blends those log-odds with a sentence model's decision (a weighted sum, the weight
fitted on inner folds of the training sentences).
:func:`cross_validate` estimates F1 with
folds grouped by document (sentences of one abstract never sit on both sides), inducing cues inside
each fold so nothing leaks.

Models are saved as **JSON only** (vocabularies, lexicon TOML, coefficients, intercept, settings,
the hash of the training data and a checksum), never pickled: :func:`load_model` validates the
schema, the shapes, the ranges of the weights and the checksum before it builds anything, so a model
file from elsewhere cannot run code, and a corrupted or hand-edited one is refused. The checksum is a
plain SHA-256 over the file's content: it detects corruption and careless edits, **not** tampering
(anyone who edits a file can recompute it). Only load models you trained or whose origin you trust.
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..modelfile import read_model_json

__all__ = [
    "DEFAULT_SETTINGS",
    "MODEL_FORMAT",
    "SentenceClassifier",
    "cross_validate",
    "load_model",
    "tagger_cue_words",
    "train",
    "training_hash",
]

MODEL_FORMAT = "media-framing-analysis/sentence-classifier"
#: Schema 2 adds ``context_vocabulary`` (cue-in-context features) and ``token_model``; schema 3 adds
#: the ``tagger`` setting; schema 4 the ``tagger_lexicon`` setting; schema 5 ``tagger_sentence``,
#: ``tagger_weight`` and ``sentence_C`` (the tagger blended with a sentence model). Older files still
#: load as they were written.
SCHEMA_VERSION = 5
_READABLE_SCHEMAS = (1, 2, 3, 4, 5)
MAX_MODEL_BYTES = 200 * 1024 * 1024

#: Settings chosen by 10-fold cross-validation on the CoNLL-2010 biological training files
#: (docs/validation.md gives the grid and the scores).
DEFAULT_SETTINGS = {
    "word_ngrams": [1, 2],
    "char_ngrams": None,
    "min_df": 2,
    "lexicons": ["hedging"],
    "lexicon_entries": True,
    "induced_cues": True,
    "cue_min_count": 2,
    "cue_context": False,
    "token_model": False,
    "tagger": False,
    "tagger_lexicon": False,
    "tagger_sentence": False,
    "tagger_weight": None,
    "sentence_C": 3.0,
    "hash_bits": None,
    "model": "logreg",
    "C": 3.0,
    "class_weight": None,
    "threshold": 0.0,
}
#: Settings a schema-1 model file was written with when it does not name them.
_SCHEMA1_SETTINGS = {"cue_context": False, "token_model": False, "hash_bits": None}
#: Settings a schema-2 model file was written with when it does not name them (before the tagger).
_SCHEMA2_SETTINGS = {"tagger": False}
#: Settings a schema-3 model file was written with when it does not name them (before the tagger's lexicon).
_SCHEMA3_SETTINGS = {"tagger_lexicon": False}
#: Settings a schema-4 model file was written with when it does not name them (before the blend).
_SCHEMA4_SETTINGS = {"tagger_sentence": False, "tagger_weight": None, "sentence_C": 3.0}
#: The weight used when the training sentences are too few (under three documents) to choose one.
DEFAULT_TAGGER_WEIGHT = 0.8

# name -> (allowed python types, validator or None)
_SETTING_TYPES = {
    "word_ngrams": (list, type(None)),
    "char_ngrams": (list, type(None)),
    "min_df": (int,),
    "lexicons": (list,),
    "lexicon_entries": (bool,),
    "induced_cues": (bool,),
    "cue_min_count": (int,),
    "cue_context": (bool,),
    "token_model": (bool,),
    "tagger": (bool,),
    "tagger_lexicon": (bool,),
    "tagger_sentence": (bool,),
    "tagger_weight": (int, float, type(None)),
    "sentence_C": (int, float),
    "hash_bits": (int, type(None)),
    "model": (str,),
    "C": (int, float),
    "class_weight": (str, type(None)),
    "threshold": (int, float),
}


def check_settings(settings: dict | None) -> dict:
    """Fill in defaults and refuse unknown or ill-typed settings with a ValueError."""
    out = dict(DEFAULT_SETTINGS)
    for key, value in (settings or {}).items():
        if key not in _SETTING_TYPES:
            raise ValueError(f"unknown setting {key!r} (known: {', '.join(sorted(_SETTING_TYPES))})")
        out[key] = list(value) if isinstance(value, tuple) else value
    for key, types in _SETTING_TYPES.items():
        value = out[key]
        if isinstance(value, bool) and bool not in types:
            raise ValueError(f"setting {key!r} must be {types[0].__name__}, got {value!r}")
        if not isinstance(value, types):
            raise ValueError(f"setting {key!r} must be {' or '.join(t.__name__ for t in types)}, got {value!r}")  # noqa: TRY004
    for key in ("word_ngrams", "char_ngrams"):
        rng = out[key]
        if rng is not None and not (
            len(rng) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in rng)
            and 1 <= rng[0] <= rng[1] <= 8
        ):
            raise ValueError(f"setting {key!r} must be [low, high] with 1 <= low <= high <= 8, got {rng!r}")
    if out["model"] not in ("logreg", "linear_svc"):
        raise ValueError(f"setting 'model' must be 'logreg' or 'linear_svc', got {out['model']!r}")
    if out["class_weight"] not in (None, "balanced"):
        raise ValueError(f"setting 'class_weight' must be null or 'balanced', got {out['class_weight']!r}")
    if not (math.isfinite(out["C"]) and out["C"] > 0):
        raise ValueError(f"setting 'C' must be a positive number, got {out['C']!r}")
    if not math.isfinite(out["threshold"]):
        raise ValueError("setting 'threshold' must be finite")
    if out["hash_bits"] is not None and not 8 <= out["hash_bits"] <= 22:
        raise ValueError(f"setting 'hash_bits' must be null or between 8 and 22, got {out['hash_bits']!r}")
    for key in ("cue_context", "token_model", "tagger"):
        if out[key] and not out["induced_cues"]:
            raise ValueError(f"setting {key!r} needs 'induced_cues' (the candidate cues come from them)")
    if out["tagger"] and (out["token_model"] or out["cue_context"]):
        raise ValueError("setting 'tagger' decides sentences by the cue tagger alone: "
                         "it cannot be combined with 'token_model' or 'cue_context'")
    if out["tagger_lexicon"] and not (out["tagger"] and out["lexicons"]):
        raise ValueError("setting 'tagger_lexicon' adds the lexicons' matches to the cue tagger: "
                         "it needs 'tagger' and at least one of 'lexicons'")
    if out["tagger_sentence"] and not out["tagger"]:
        raise ValueError("setting 'tagger_sentence' blends a sentence model into the cue tagger's decision: "
                         "it needs 'tagger'")
    if out["tagger_weight"] is not None and not (out["tagger_sentence"] and 0 < out["tagger_weight"] <= 1):
        raise ValueError("setting 'tagger_weight' is the tagger's share of a 'tagger_sentence' blend: "
                         f"null (chosen by inner folds) or a number in (0, 1], got {out['tagger_weight']!r}")
    if not (math.isfinite(out["sentence_C"]) and out["sentence_C"] > 0):
        raise ValueError(f"setting 'sentence_C' must be a positive number, got {out['sentence_C']!r}")
    if out["tagger"] and out["model"] != "logreg":
        raise ValueError("setting 'tagger' needs model 'logreg' (the tagger's probabilities are its decision)")
    if out["min_df"] < 1 or out["cue_min_count"] < 1:
        raise ValueError("settings 'min_df' and 'cue_min_count' must be at least 1")
    if not all(isinstance(v, str) for v in out["lexicons"]):
        raise ValueError("setting 'lexicons' must be a list of lexicon names or paths")
    if out["word_ngrams"] is None and out["char_ngrams"] is None and not out["lexicons"] and not out["induced_cues"]:
        raise ValueError("the settings switch every feature block off")
    return out


def _word_tokens(text: str) -> list[str]:
    from analysis.text.tokenize import word_tokens

    return word_tokens(text)


def training_hash(gold: pd.DataFrame) -> str:
    """SHA-256 over ``doc_id, sentence_id, text, label`` of every training sentence, in order."""
    h = hashlib.sha256()
    cols = [c for c in ("doc_id", "sentence_id", "text", "label") if c in gold.columns]
    for row in gold[cols].itertuples(index=False, name=None):
        for v in row:
            h.update(str(bool(v) if isinstance(v, (bool, np.bool_)) else v).encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")
        h.update(b"\x1e")
    return h.hexdigest()


# --------------------------------------------------------------------------- features

_CUE_FEATURES = ["cue:max_precision", "cue:n_strong", "cue:any_strong"]
_STRONG = 0.5
#: Length of the prefix that lets an unseen form of a known cue word ("suggestive" from "suggest")
#: count as a candidate.
_PREFIX = 5


def _shape(token: str) -> str:
    """Coarse word shape: ``NUM``, ``PUNCT``-free classes used as context of a candidate cue."""
    if any(ch.isdigit() for ch in token):
        return "<num>"
    if len(token) <= 3:
        return token
    return "<word>"


def context_features(norms: list[str], cue_words: set[str], prefixes: set[str]) -> list[str]:
    """Cue-in-context feature strings of one sentence (its word tokens ``norms``).

    A token is a *candidate cue* when it is a word of an induced cue or shares its first
    :data:`_PREFIX` letters with one. For every candidate the features are its identity (or its
    prefix when only the prefix is known), the identity joined with the word before and after it,
    with the two words after it, with the coarse shape of its neighbours, and its position in the
    sentence (first or not). A linear model learns from these when a cue word is a cue ("may" before
    a verb) and when it is not ("in May", "may 5").

    >>> context_features(["it", "may", "rain"], {"may"}, {"may"})[:4]
    ['c=may', 'c=may|l=it', 'c=may|r=rain', 'c=may|r2=rain </s>']
    """
    return [f for _j, feats in candidate_contexts(norms, cue_words, prefixes) for f in feats]


def candidate_contexts(norms: list[str], cue_words: set[str], prefixes: set[str]) -> list[tuple[int, list[str]]]:
    """``(token index, feature strings)`` for every candidate cue of a sentence (see :func:`context_features`)."""
    out = []
    n = len(norms)
    keys = {}
    for j, w in enumerate(norms):
        if w in cue_words:
            keys[j] = f"c={w}"
        elif len(w) >= _PREFIX and w[:_PREFIX] in prefixes:
            keys[j] = f"p={w[:_PREFIX]}"
    for j, key in keys.items():
        prev = norms[j - 1] if j > 0 else "<s>"
        prev2 = norms[j - 2] if j > 1 else "<s>"
        nxt = norms[j + 1] if j + 1 < n else "</s>"
        nxt2 = norms[j + 2] if j + 2 < n else "</s>"
        out.append((j, [key, f"{key}|l={prev}", f"{key}|r={nxt}", f"{key}|r2={nxt} {nxt2}",
                        f"{key}|l2={prev2} {prev}", f"{key}|lr={prev} {nxt}",
                        f"{key}|shape={_shape(prev)} {_shape(nxt)}",
                        f"{key}|first" if j == 0 else f"{key}|inner"]
                   # words within three tokens either side, and the other candidates of the sentence
                   # ("or" is a cue after "whether" or "either", "known" after "not")
                   + [f"{key}|w={norms[i]}" for i in sorted(set(range(max(0, j - 3), min(n, j + 4))) - {j})]
                   + [f"{key}|co={k}" for k in sorted({keys[i] for i in keys if i != j})]))
    return out


#: Sentence features from the token-level cue classifier.
_TOKEN_FEATURES = ["tok:max_prob", "tok:n_likely", "tok:any_likely"]
#: Hashed size of the token classifier (bits) when ``hash_bits`` is set: candidate-cue contexts are
#: far fewer than sentence n-grams.
_TOKEN_BITS = 16
#: Inner folds that give the training sentences out-of-fold token probabilities (stacking).
_TOKEN_FOLDS = 3
#: The one sentence feature of a ``tagger`` model: the highest log-odds of any candidate cue.
_TAGGER_FEATURES = ["tagger:max_logit"]
#: Its value for a sentence without any candidate cue (a probability of about 2e-22).
NO_CANDIDATE_SCORE = -50.0


def tagger_cue_words(gold: pd.DataFrame, min_count: int) -> list[str]:
    """Word tokens that overlap an annotated cue span at least ``min_count`` times in ``gold``.

    >>> gold = pd.DataFrame({"text": ["It may rain.", "We may go.", "Whether or not."],
    ...                      "cues": [[(3, 6)], [(3, 6)], [(0, 7), (11, 14)]]})
    >>> tagger_cue_words(gold, 2), tagger_cue_words(gold, 1)
    (['may'], ['may', 'not', 'whether'])
    """
    from collections import Counter

    from analysis.validate.induction import sentence_token_spans

    counts = Counter()
    for text, cues in zip(gold["text"], gold["cues"]):
        spans = [(int(c[0]), int(c[1])) for c in cues]
        if spans:
            counts.update(n for a, b, n in sentence_token_spans(text) if any(a < e and b > st for st, e in spans))
    return sorted(w for w, c in counts.items() if c >= min_count)


def _lexicon_tomls(names) -> list[dict]:
    """The lexicons a model stores: name, version, hash and the full TOML of each."""
    from analysis.lexicons.formats import lexicon_to_toml
    from analysis.lexicons.model import load_lexicons

    return [{"name": lex.name, "version": lex.version, "sha256": lex.sha256, "toml": lexicon_to_toml(lex)}
            for lex in (load_lexicons(names) if names else [])]


def _hash_index(feature: str, bits: int) -> int:
    from sklearn.utils import murmurhash3_32

    return int(murmurhash3_32(feature, seed=0, positive=True)) % (1 << bits)


class _Featurizer:
    """Turns sentences into the model's feature matrix; state is plain data (lists, dicts, str)."""

    def __init__(self, settings, word_vocabulary=None, char_vocabulary=None, lexicon_tomls=None,
                 cues=None, context_vocabulary=None, token_model=None):
        self.settings = settings
        self.word_vocabulary = word_vocabulary or []
        self.char_vocabulary = char_vocabulary or []
        self.lexicon_tomls = lexicon_tomls or []
        self.cues = cues or []  # [[cue, precision], ...]
        self.context_vocabulary = context_vocabulary or []
        # {"vocabulary": [...] ([] when hashed), "coef": [...], "intercept": float} or None
        self.token_model = token_model
        self._train_token_block = None  # out-of-fold token block of the training sentences (not saved)
        self._build()

    def _build(self):
        from sklearn.feature_extraction.text import CountVectorizer

        from analysis.lexicons.model import parse_lexicon
        from analysis.validate.features import LexiconVectorizer

        s = self.settings
        self._word = self._char = self._lex = self._hashed = None
        if s["tagger"] and not s["tagger_sentence"]:  # the tagger decides alone: no sentence-level blocks
            pass
        elif s["hash_bits"] is not None and (s["word_ngrams"] is not None or s["cue_context"]):
            from sklearn.feature_extraction.text import HashingVectorizer

            if s["word_ngrams"] is not None:
                self._hashed = HashingVectorizer(
                    tokenizer=_word_tokens, token_pattern=None, lowercase=False, binary=True, norm=None,
                    alternate_sign=False, ngram_range=tuple(s["word_ngrams"]), n_features=1 << s["hash_bits"],
                )
        elif s["word_ngrams"] is not None and self.word_vocabulary:
            self._word = CountVectorizer(
                tokenizer=_word_tokens, token_pattern=None, lowercase=False, binary=True,
                ngram_range=tuple(s["word_ngrams"]),
                vocabulary={t: i for i, t in enumerate(self.word_vocabulary)},
            )
        if s["char_ngrams"] is not None and self.char_vocabulary:
            self._char = CountVectorizer(
                analyzer="char_wb", lowercase=True, binary=True, ngram_range=tuple(s["char_ngrams"]),
                vocabulary={t: i for i, t in enumerate(self.char_vocabulary)},
            )
        if self.lexicon_tomls:
            lexicons = [parse_lexicon(t["toml"], f"<model lexicon {t['name']}>") for t in self.lexicon_tomls]
            for lex, t in zip(lexicons, self.lexicon_tomls):
                if lex.sha256 != t["sha256"]:
                    raise ValueError(f"lexicon {t['name']!r} in the model does not match its recorded hash")
            self._lex = LexiconVectorizer(lexicons, entries=s["lexicon_entries"], binary=True).fit()
        self._cue_map = {tuple(c.split()): float(p) for c, p in self.cues}
        self._cue_lengths = sorted({len(k) for k in self._cue_map})
        self._cue_words = {w for k in self._cue_map for w in k}
        self._cue_prefixes = {w[:_PREFIX] for w in self._cue_words if len(w) >= _PREFIX}
        # the tagger's candidates come from its own cue words (word tokens marked as cues in training)
        self._tagger_words = set(self.token_model.get("cue_words", [])) if self.token_model else set()
        self._context_index = {f: i for i, f in enumerate(self.context_vocabulary)}
        tm = self.token_model
        self._token_index = {f: i for i, f in enumerate(tm["vocabulary"])} if tm else {}
        self._token_coef = np.asarray(tm["coef"], dtype=np.float64) if tm else np.zeros(0)
        if tm and len(self._token_coef) != self.n_token_columns:
            raise ValueError(f"token model has {len(self._token_coef)} weights for {self.n_token_columns} features")

    @property
    def _token_bits(self) -> int:
        # a tagger is the whole model: it takes every bit asked for; a stacked token model at most 2^16
        bits = self.settings["hash_bits"]
        return bits if self.settings["tagger"] else min(bits, _TOKEN_BITS)

    @property
    def n_token_columns(self) -> int:
        if self.settings["hash_bits"] is not None:
            return 1 << self._token_bits
        return len(self.token_model["vocabulary"]) if self.token_model else 0

    def _token_column(self, feature: str):
        if self.settings["hash_bits"] is not None:
            return _hash_index("tok=" + feature, self._token_bits)
        return self._token_index.get(feature)

    def token_candidates(self, texts, cues=None):
        """Candidate cue tokens of ``texts``: feature lists, sentence index, and (with ``cues``) labels."""
        from analysis.validate.induction import sentence_token_spans
        from analysis.validate.tagger import lexicon_hits, tagger_candidates

        matcher = self._lex.matcher_ if self.settings["tagger_lexicon"] and self._lex is not None else None
        feats, sent, labels = [], [], []
        for i, text in enumerate(texts):
            spans = sentence_token_spans(text)
            gold = [(int(c[0]), int(c[1])) for c in cues[i]] if cues is not None else []
            norms = [n for _a, _b, n in spans]
            if self.settings["tagger"]:
                hits = lexicon_hits(spans, matcher.match(text).matches) if matcher is not None else None
                found = tagger_candidates(norms, self._tagger_words, hits=hits)
            else:
                found = candidate_contexts(norms, self._cue_words, self._cue_prefixes)
            for j, fs in found:
                feats.append(fs)
                sent.append(i)
                if cues is not None:
                    a, b, _n = spans[j]
                    labels.append(any(a < e and b > st for st, e in gold))
        return feats, np.asarray(sent, dtype=np.int64), np.asarray(labels, dtype=bool)

    def token_matrix(self, feats, n_cols=None) -> sp.csr_matrix:
        n_cols = self.n_token_columns if n_cols is None else n_cols
        rows, cols = [], []
        for i, fs in enumerate(feats):
            js = {j for j in (self._token_column(f) for f in fs) if j is not None}
            rows += [i] * len(js)
            cols += sorted(js)
        return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(feats), n_cols))

    def token_probabilities(self, texts) -> tuple[np.ndarray, np.ndarray]:
        """Probability that each candidate token is a cue, and the sentence it belongs to."""
        feats, sent, _ = self.token_candidates(texts)
        if not feats or not self.token_model:
            return np.zeros(len(feats)), sent
        z = np.asarray(self.token_matrix(feats) @ self._token_coef).ravel() + float(self.token_model["intercept"])
        return 1.0 / (1.0 + np.exp(-z)), sent

    def tagger_scores(self, texts) -> np.ndarray:
        """Highest candidate log-odds per sentence (:data:`NO_CANDIDATE_SCORE` without a candidate)."""
        feats, sent, _ = self.token_candidates(texts)
        out = np.full(len(texts), NO_CANDIDATE_SCORE)
        if feats and self.token_model:
            z = np.asarray(self.token_matrix(feats) @ self._token_coef).ravel() + float(self.token_model["intercept"])
            np.maximum.at(out, sent, z)
        return out

    @staticmethod
    def _token_sentence_block(probs, sent, n) -> sp.csr_matrix:
        out = np.zeros((n, len(_TOKEN_FEATURES)))
        if len(probs):
            np.maximum.at(out[:, 0], sent, probs)
            np.add.at(out[:, 1], sent, (probs > 0.5).astype(np.float64))
        out[:, 1] = np.log1p(out[:, 1])
        out[:, 2] = (out[:, 0] > 0.5).astype(np.float64)
        return sp.csr_matrix(out)

    def fit_token_model(self, gold: pd.DataFrame, min_df: int, sample_weight=None) -> None:
        """Train the token-level cue classifier on ``gold`` and the out-of-fold block of its sentences.

        With the ``tagger`` setting the classifier uses :mod:`analysis.validate.tagger`'s candidates
        and features, the settings' ``C`` and ``class_weight`` and the sentences' ``sample_weight``;
        it decides sentences alone, so no out-of-fold block is needed.
        """
        from sklearn.model_selection import GroupKFold

        texts = gold["text"].tolist()
        feats, sent, labels = self.token_candidates(texts, gold["cues"].tolist())
        vocab = []
        if self.settings["hash_bits"] is None:
            df = {}
            for fs in feats:
                for f in set(fs):
                    df[f] = df.get(f, 0) + 1
            vocab = sorted(f for f, c in df.items() if c >= min_df)
        self.token_model = {"vocabulary": vocab, "coef": [], "intercept": 0.0}
        if self.settings["tagger"]:
            self.token_model["cue_words"] = sorted(self._tagger_words)
        self._token_index = {f: i for i, f in enumerate(vocab)}
        n_cols = self.n_token_columns
        self.token_model["coef"] = [0.0] * n_cols
        self._token_coef = np.zeros(n_cols)
        if self.settings["tagger"] and not labels.any():
            raise ValueError("setting 'tagger' needs training sentences with annotated cue spans "
                             "(no candidate word in them is marked as a cue)")
        if len(set(labels.tolist())) < 2:
            self._train_token_block = self._token_sentence_block(np.zeros(len(feats)), sent, len(texts))
            return
        X = self.token_matrix(feats, n_cols)
        if self.settings["tagger"]:
            weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)[sent]
            coef, intercept = _fit_token(X, labels, C=float(self.settings["C"]),
                                         class_weight=self.settings["class_weight"], sample_weight=weights,
                                         max_iter=2000)
            self.token_model.update(coef=[float(v) for v in coef], intercept=intercept)
            self._token_coef = np.asarray(coef)
            return
        coef, intercept = _fit_token(X, labels)
        self.token_model.update(coef=[float(v) for v in coef], intercept=intercept)
        self._token_coef = np.asarray(coef)
        # stacking: the sentence model must see token probabilities as they are on unseen text
        groups = gold["doc_id"].astype(str).to_numpy()[sent]
        oof = np.zeros(len(feats))
        if len(set(groups)) >= _TOKEN_FOLDS:
            for tr, te in GroupKFold(n_splits=_TOKEN_FOLDS, shuffle=True, random_state=0).split(X, labels, groups):
                if len(set(labels[tr].tolist())) < 2:
                    oof[te] = labels[tr].mean() if len(tr) else 0.0
                    continue
                c, b = _fit_token(X[tr], labels[tr])
                oof[te] = 1.0 / (1.0 + np.exp(-(np.asarray(X[te] @ c).ravel() + b)))
        else:
            oof = 1.0 / (1.0 + np.exp(-(np.asarray(X @ coef).ravel() + intercept)))
        self._train_token_block = self._token_sentence_block(oof, sent, len(texts))

    @classmethod
    def fit(cls, gold: pd.DataFrame, settings: dict, sample_weight=None) -> _Featurizer:
        from sklearn.feature_extraction.text import CountVectorizer

        from analysis.validate.induction import induce_cues

        texts = gold["text"].tolist()
        word_vocab, char_vocab = [], []
        min_df = min(settings["min_df"], max(1, len(texts)))
        if settings["tagger"] and not settings["tagger_sentence"]:
            tomls = _lexicon_tomls(settings["lexicons"]) if settings["tagger_lexicon"] else []
            feat = cls(settings, lexicon_tomls=tomls)
            feat._tagger_words = set(tagger_cue_words(gold, settings["cue_min_count"]))
            feat.fit_token_model(gold, min_df, sample_weight)
            return feat
        if settings["word_ngrams"] is not None and settings["hash_bits"] is None:
            cv = CountVectorizer(tokenizer=_word_tokens, token_pattern=None, lowercase=False,
                                 ngram_range=tuple(settings["word_ngrams"]), min_df=min_df)
            try:
                cv.fit(texts)
                word_vocab = [str(t) for t in cv.get_feature_names_out()]
            except ValueError:  # empty vocabulary (tiny training sets)
                word_vocab = []
        if settings["char_ngrams"] is not None:
            cv = CountVectorizer(analyzer="char_wb", lowercase=True,
                                 ngram_range=tuple(settings["char_ngrams"]), min_df=min_df)
            cv.fit(texts)
            char_vocab = [str(t) for t in cv.get_feature_names_out()]
        tomls = _lexicon_tomls(settings["lexicons"])
        cues = []
        if settings["induced_cues"]:
            table = induce_cues(gold, min_cue_count=settings["cue_min_count"])
            cues = [[str(c), float(p)] for c, p in zip(table["cue"], table["cue_precision"])]
        context_vocab = []
        if settings["cue_context"] and settings["hash_bits"] is None:
            probe = cls(settings, [], [], [], cues)
            df = {}
            for text in texts:
                for f in set(probe.context_strings(text)):
                    df[f] = df.get(f, 0) + 1
            context_vocab = sorted(f for f, c in df.items() if c >= min_df)
        feat = cls(settings, word_vocab, char_vocab, tomls, cues, context_vocab)
        if settings["tagger"]:  # blended: the sentence blocks above and the tagger's column
            feat._tagger_words = set(tagger_cue_words(gold, settings["cue_min_count"]))
            feat.fit_token_model(gold, min_df, sample_weight)
        elif settings["token_model"]:
            feat.fit_token_model(gold, min_df)
        return feat

    def context_strings(self, text: str) -> list[str]:
        """The cue-in-context features of one sentence (:func:`context_features`)."""
        return context_features(_word_tokens(text), self._cue_words, self._cue_prefixes)

    @property
    def n_hashed(self) -> int:
        """Columns of the hashed block (word n-grams and cue contexts) or 0 without hashing."""
        s = self.settings
        if (s["tagger"] and not s["tagger_sentence"]) or s["hash_bits"] is None or (
                s["word_ngrams"] is None and not s["cue_context"]):
            return 0
        return 1 << s["hash_bits"]

    @property
    def feature_names(self) -> list[str]:
        if self.settings["tagger"] and not self.settings["tagger_sentence"]:
            return list(_TAGGER_FEATURES)
        names = [f"hash={i}" for i in range(self.n_hashed)]
        names += [f"word={t}" for t in self.word_vocabulary] if self._word is not None else []
        names += [f"char={t}" for t in self.char_vocabulary] if self._char is not None else []
        if self._lex is not None:
            names += [f"lex={n}" for n in self._lex.get_feature_names_out()]
        if self.settings["induced_cues"]:
            names += list(_CUE_FEATURES)
        if self.settings["cue_context"] and not self.n_hashed:
            names += [f"ctx={t}" for t in self.context_vocabulary]
        if self.settings["token_model"]:
            names += list(_TOKEN_FEATURES)
        if self.settings["tagger"]:  # blended: the tagger's column comes last
            names += list(_TAGGER_FEATURES)
        return names

    def _context_block(self, texts, n_cols: int, index) -> sp.csr_matrix:
        rows, cols = [], []
        for i, text in enumerate(texts):
            js = {j for j in (index(f) for f in self.context_strings(text)) if j is not None}
            rows += [i] * len(js)
            cols += sorted(js)
        data = np.ones(len(rows))
        return sp.csr_matrix((data, (rows, cols)), shape=(len(texts), n_cols))

    def _cue_block(self, texts) -> sp.csr_matrix:
        from analysis.text.tokenize import word_tokens

        out = np.zeros((len(texts), len(_CUE_FEATURES)))
        if self._cue_map:
            for i, text in enumerate(texts):
                norms = word_tokens(text)
                best, strong = 0.0, 0
                for n in self._cue_lengths:
                    for j in range(len(norms) - n + 1):
                        p = self._cue_map.get(tuple(norms[j : j + n]))
                        if p is not None:
                            best = max(best, p)
                            strong += p >= _STRONG
                out[i] = (best, math.log1p(strong), float(strong > 0))
        return sp.csr_matrix(out)

    def transform(self, texts, *, training: bool = False, tagger_column: bool = True) -> sp.csr_matrix:
        """Feature matrix of ``texts``; ``training`` uses the out-of-fold token block of the training sentences.

        ``tagger_column=False`` leaves out the tagger's column of a ``tagger_sentence`` blend (the
        sentence model's own features, as it is trained)."""
        if self.settings["tagger"] and not self.settings["tagger_sentence"]:
            return sp.csr_matrix(self.tagger_scores(texts).reshape(-1, 1))
        blocks = []
        if self.n_hashed:
            bits = self.settings["hash_bits"]
            x = sp.csr_matrix((len(texts), self.n_hashed))
            if self._hashed is not None:
                x = self._hashed.transform(texts).astype(np.float64)
            if self.settings["cue_context"]:
                x = x + self._context_block(texts, self.n_hashed, lambda f: _hash_index("ctx=" + f, bits))
            x = sp.csr_matrix(x)
            x.data[:] = 1.0  # binary: a collision does not double a feature
            blocks.append(x)
        if self._word is not None:
            blocks.append(self._word.transform(texts).astype(np.float64))
        if self._char is not None:
            x = self._char.transform(texts).astype(np.float64)
            # char n-grams are many per sentence: scale each row to unit length
            norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
            blocks.append(sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ x)
        if self._lex is not None:
            blocks.append(self._lex.transform(texts))
        if self.settings["induced_cues"]:
            blocks.append(self._cue_block(texts))
        if self.settings["cue_context"] and not self.n_hashed:
            blocks.append(self._context_block(texts, len(self.context_vocabulary), self._context_index.get))
        if self.settings["token_model"]:
            if training and self._train_token_block is not None:
                blocks.append(self._train_token_block)
            else:
                probs, sent = self.token_probabilities(texts)
                blocks.append(self._token_sentence_block(probs, sent, len(texts)))
        if self.settings["tagger"] and tagger_column:  # blended with the sentence blocks: the tagger's column last
            blocks.append(sp.csr_matrix(self.tagger_scores(texts).reshape(-1, 1)))
        if not blocks:
            return sp.csr_matrix((len(texts), 0))
        return sp.hstack(blocks, format="csr")


# --------------------------------------------------------------------------- model


def _check_texts(texts) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise ValueError("Iterable over raw text documents expected, string object received.")  # noqa: TRY004
    if hasattr(texts, "columns"):
        texts = texts["text"]
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise ValueError(f"sentence {i} is a {type(t).__name__}, not a str")  # noqa: TRY004
    return out


class SentenceClassifier:
    """A trained linear sentence classifier (build it with :func:`train` or :func:`load_model`).

    Attributes
    ----------
    settings : dict
    coef : numpy.ndarray
        One weight per feature (:attr:`feature_names`).
    intercept : float
    training : dict
        ``sha256`` of the training sentences, ``n_sentences``, ``n_positive``, ``n_documents``,
        ``sources``.
    cv : dict or None
        Cross-validation scores recorded at training time.
    """

    def __init__(self, featurizer: _Featurizer, coef, intercept: float, training: dict, cv=None):
        self.featurizer = featurizer
        self.settings = featurizer.settings
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = float(intercept)
        self.training = training
        self.cv = cv
        if self.coef.shape != (len(featurizer.feature_names),):
            raise ValueError(
                f"model has {self.coef.shape[0]} coefficients for {len(featurizer.feature_names)} features"
            )

    @property
    def feature_names(self) -> list[str]:
        return self.featurizer.feature_names

    @property
    def threshold(self) -> float:
        return float(self.settings["threshold"])

    def decision_function(self, texts) -> np.ndarray:
        """Signed score per sentence; positive above :attr:`threshold`."""
        X = self.featurizer.transform(_check_texts(texts))
        return np.asarray(X @ self.coef).ravel() + self.intercept

    def predict(self, texts) -> np.ndarray:
        """Boolean prediction per sentence (True: uncertain)."""
        return self.decision_function(texts) > self.threshold

    def top_features(self, n: int = 20) -> pd.DataFrame:
        """The ``n`` largest positive and negative weights, as a table."""
        df = pd.DataFrame({"feature": self.feature_names, "weight": self.coef})
        df = df.reindex(df["weight"].abs().sort_values(ascending=False).index)
        pos = df[df["weight"] > 0].head(n)
        neg = df[df["weight"] < 0].head(n)
        return pd.concat([pos, neg]).reset_index(drop=True)

    # -- JSON --------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The model as plain JSON-ready data, with a checksum over everything else."""
        from analysis.provenance import package_version

        f = self.featurizer
        body = {
            "format": MODEL_FORMAT,
            "schema_version": SCHEMA_VERSION,
            "package_version": package_version(),
            "settings": self.settings,
            "word_vocabulary": f.word_vocabulary,
            "char_vocabulary": f.char_vocabulary,
            "lexicons": f.lexicon_tomls,
            "cues": f.cues,
            "context_vocabulary": f.context_vocabulary,
            "token_model": f.token_model,
            "n_features": len(self.coef),
            "coef": [float(v) for v in self.coef],
            "intercept": self.intercept,
            "training": self.training,
            "cv": self.cv,
        }
        body["checksum"] = _checksum(body)
        return body

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=True, allow_nan=False) + "\n"

    def save(self, path) -> Path:
        """Write the model as JSON (atomically). Returns the path."""
        from analysis.outputs import atomic_write_text

        return atomic_write_text(path, self.to_json())


def _checksum(body: dict) -> str:
    blob = json.dumps({k: v for k, v in body.items() if k != "checksum"}, sort_keys=True,
                      ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _fit_token(X, y, *, C=1.0, class_weight=None, sample_weight=None, max_iter=1000):
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=C, class_weight=class_weight, solver="liblinear", max_iter=max_iter)
    clf.fit(X, y, sample_weight=sample_weight)
    return clf.coef_.ravel(), float(clf.intercept_[0])


def _fit_linear(X, y, settings, sample_weight=None):
    if settings["model"] == "logreg":
        from sklearn.linear_model import LogisticRegression

        clf = LogisticRegression(C=settings["C"], class_weight=settings["class_weight"],
                                 solver="liblinear", max_iter=1000)
    else:
        from sklearn.svm import LinearSVC

        clf = LinearSVC(C=settings["C"], class_weight=settings["class_weight"], max_iter=20000)
    if len(set(y.tolist())) < 2:
        raise ValueError("the training sentences need both positive and negative labels")
    clf.fit(X, y, sample_weight=sample_weight)
    return clf.coef_.ravel(), float(clf.intercept_[0])


def _check_gold(gold: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(gold, pd.DataFrame):
        raise ValueError("gold must be a DataFrame with text, label (and cues) columns")  # noqa: TRY004
    for col in ("text", "label"):
        if col not in gold.columns:
            raise ValueError(f"gold needs a {col!r} column (columns are: {', '.join(map(str, gold.columns))})")
    if len(gold) == 0:
        raise ValueError("no training sentences")
    gold = gold.reset_index(drop=True)
    if "cues" not in gold.columns:
        gold = gold.assign(cues=[[] for _ in range(len(gold))])
    if "doc_id" not in gold.columns:
        gold = gold.assign(doc_id=[str(i) for i in range(len(gold))])
    return gold


def train(gold: pd.DataFrame, settings: dict | None = None, *, sources=(), cv: dict | None = None,
          sample_weight=None) -> SentenceClassifier:
    """Train a sentence classifier on annotated sentences.

    Parameters
    ----------
    gold : DataFrame
        ``text``, ``label`` and, for induced cues, ``cues`` (the loaders' output).
    settings : dict, optional
        Overrides of :data:`DEFAULT_SETTINGS`.
    sources : sequence of str
        Names of the training files, recorded in the model.
    cv : dict, optional
        Cross-validation scores to record in the model.
    sample_weight : array of float, optional
        One positive weight per sentence for the sentence model's loss (e.g. to let a small in-domain
        set count as much as a large out-of-domain one); recorded in the model as ``training.weighted``.

    Examples
    --------
    >>> gold = pd.DataFrame({"text": ["It may rain.", "It rains.", "They may go.", "They go."] * 3,
    ...                      "label": [True, False, True, False] * 3,
    ...                      "cues": [[(3, 6, "may")], [], [(5, 8, "may")], []] * 3})
    >>> model = train(gold, {"lexicons": [], "min_df": 1})
    >>> model.predict(["Prices may fall.", "Prices fall."]).tolist()
    [True, False]
    """
    settings = check_settings(settings)
    gold = _check_gold(gold)
    y = gold["label"].astype(bool).to_numpy()
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if sample_weight.shape != y.shape or not np.all(np.isfinite(sample_weight)) or np.any(sample_weight <= 0):
            raise ValueError("sample_weight needs one finite positive weight per training sentence")
    if settings["tagger_sentence"] and settings["tagger_weight"] is None:
        settings = check_settings({**settings, "tagger_weight": _choose_tagger_weight(gold, settings, sample_weight)})
    feat = _Featurizer.fit(gold, settings, sample_weight)
    if settings["tagger_sentence"]:
        # decision = w x the tagger's highest log-odds + (1 - w) x a sentence model's decision
        X = feat.transform(gold["text"].tolist(), training=True, tagger_column=False)
        coef, intercept = _fit_linear(X, y, {**settings, "C": settings["sentence_C"]}, sample_weight)
        w = float(settings["tagger_weight"])
        coef, intercept = np.r_[(1.0 - w) * coef, w], (1.0 - w) * intercept
    elif settings["tagger"]:
        if len(set(y.tolist())) < 2:
            raise ValueError("the training sentences need both positive and negative labels")
        # the sentence decision is the tagger's: highest candidate log-odds > threshold
        coef, intercept = np.ones(1), 0.0
    else:
        X = feat.transform(gold["text"].tolist(), training=True)
        coef, intercept = _fit_linear(X, y, settings, sample_weight)
    training = {
        "sha256": training_hash(gold),
        "n_sentences": len(gold),
        "n_positive": int(y.sum()),
        "n_documents": int(gold["doc_id"].nunique()),
        "sources": [str(s) for s in sources],
    }
    if sample_weight is not None:
        training["weighted"] = True
    return SentenceClassifier(feat, coef, intercept, training, cv)


def _choose_tagger_weight(gold: pd.DataFrame, settings: dict, sample_weight=None) -> float:
    """The tagger's weight in a ``tagger_sentence`` blend, from three inner folds of ``gold``.

    The folds are grouped by document (``GroupKFold(3, shuffle=True, random_state=0)``); a tagger and
    a sentence model are trained on each inner training part (cue words and vocabularies from it
    alone) and both score the held-out part; the weight is :func:`_blend_weight` of those held-out
    scores. With fewer than three documents, or an inner part that cannot be trained,
    :data:`DEFAULT_TAGGER_WEIGHT`.
    """
    from sklearn.model_selection import GroupKFold

    groups = gold["doc_id"].astype(str).to_numpy()
    if len(set(groups)) < _TOKEN_FOLDS:
        return DEFAULT_TAGGER_WEIGHT
    y = gold["label"].astype(bool).to_numpy()
    texts = gold["text"].tolist()
    z_tag, z_sent = np.zeros(len(gold)), np.zeros(len(gold))
    half = {**settings, "tagger_weight": 0.5}
    for tr, te in GroupKFold(n_splits=_TOKEN_FOLDS, shuffle=True, random_state=0).split(gold, y, groups):
        try:
            inner = train(gold.iloc[tr], half, sample_weight=None if sample_weight is None else sample_weight[tr])
        except ValueError:  # an inner part without both labels or without annotated cues
            return DEFAULT_TAGGER_WEIGHT
        X = inner.featurizer.transform([texts[i] for i in te])
        z_tag[te] = X[:, -1].toarray().ravel()
        z_sent[te] = (np.asarray(X[:, :-1] @ inner.coef[:-1]).ravel() + inner.intercept) / 0.5
    return _blend_weight(z_tag, z_sent, y, sample_weight)


def _blend_weight(z_tag, z_sent, y, sample_weight=None) -> float:
    """The tagger's share ``a / (a + b)`` of a logistic regression ``y ~ a z_tag + b z_sent``.

    A likelihood fit, not a search for the best F1: it moves smoothly with the scores, where the F1 of
    a grid of weights jumps from fold to fold. The tagger's log-odds are floored at -20 for the fit
    (sentences without a candidate otherwise dominate it). When either weight is not positive, 1 (the
    tagger alone).

    >>> z_tag = np.array([-3.0, -1.0, 2.0, 4.0, -2.0, 1.0]); z_sent = np.array([-1.0, 1.0, -1.0, 1.0, 0.5, -0.5])
    >>> 0 < _blend_weight(z_tag, z_sent, np.array([0, 1, 1, 1, 0, 0])) < 1
    True
    """
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=bool)
    if len(set(y.tolist())) < 2:
        return DEFAULT_TAGGER_WEIGHT
    Z = np.c_[np.maximum(np.asarray(z_tag, dtype=np.float64), -20.0), np.asarray(z_sent, dtype=np.float64)]
    a, b = LogisticRegression(C=1e4, solver="lbfgs", max_iter=1000).fit(Z, y, sample_weight=sample_weight).coef_.ravel()
    if not (a > 0 and b > 0):
        return 1.0
    return float(min(1.0, max(0.05, a / (a + b))))


def cross_validate(gold: pd.DataFrame, settings: dict | None = None, *, k: int = 10, seed: int = 0,
                   extra: pd.DataFrame | None = None, gold_weight: float = 1.0) -> dict:
    """K-fold cross-validation grouped by document.

    Folds come from ``GroupKFold(k, shuffle=True, random_state=seed)`` over ``doc_id``; cues are
    induced and vocabularies built from the training folds only. Scores are computed on the pooled
    out-of-fold predictions (each sentence predicted once), plus the F1 of every fold.

    ``extra`` sentences (another corpus, e.g. Szeged WikiWeasel beside a small news set) join every
    training fold and are never scored: the estimate is of a model trained on ``extra`` plus the
    rest of ``gold``, measured on ``gold`` alone. ``gold_weight`` is the weight of a ``gold`` sentence
    in the sentence model's loss relative to an ``extra`` one (1: all alike).

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1`` (pooled), ``fold_f1`` (list), ``f1_mean``, ``f1_std``,
        ``k``, ``seed``, ``n_sentences``, ``n_positive``, ``n_extra``, ``fold_interval`` (a t
        interval over the fold F1s: mean +- t(k-1) sd / sqrt(k)), ``settings``.
    """
    from sklearn.model_selection import GroupKFold

    from analysis.validate.metrics import prf

    settings = check_settings(settings)
    gold = _check_gold(gold)
    if extra is not None:
        extra = _check_gold(extra)[["doc_id", "text", "label", "cues"]]
    groups = gold["doc_id"].astype(str).to_numpy()
    n_groups = len(set(groups))
    if not 2 <= k <= n_groups:
        raise ValueError(f"k must be between 2 and the number of documents ({n_groups}), got {k}")
    y = gold["label"].astype(bool).to_numpy()
    pred = np.zeros(len(gold), dtype=bool)
    fold_f1 = []
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(gold, y, groups):
        part = gold.iloc[train_idx]
        weights = None
        if extra is not None:
            part = pd.concat([extra, part[["doc_id", "text", "label", "cues"]]], ignore_index=True)
            if gold_weight != 1.0:
                weights = np.r_[np.ones(len(extra)), np.full(len(train_idx), float(gold_weight))]
        model = train(part, settings, sample_weight=weights)
        p = model.predict(gold["text"].iloc[test_idx].tolist())
        pred[test_idx] = p
        fold_f1.append(prf(y[test_idx], p)["f1"])
    scores = prf(y, pred)
    from scipy.stats import t as student_t

    sd = float(np.std(fold_f1, ddof=1))
    half = float(student_t.ppf(0.975, k - 1)) * sd / math.sqrt(k)
    return {
        "precision": scores["precision"],
        "recall": scores["recall"],
        "f1": scores["f1"],
        "fold_f1": fold_f1,
        "f1_mean": float(np.mean(fold_f1)),
        "f1_std": sd,
        "fold_interval": (float(np.mean(fold_f1)) - half, float(np.mean(fold_f1)) + half),
        "k": k,
        "seed": seed,
        "grouped_by": "doc_id",
        "n_sentences": len(gold),
        "n_positive": int(y.sum()),
        "n_extra": 0 if extra is None else len(extra),
        "gold_weight": float(gold_weight),
        "settings": settings,
    }


# --------------------------------------------------------------------------- loading

# key -> expected JSON type(s); every key is required
_TOP_LEVEL = {
    "format": str,
    "schema_version": int,
    "package_version": str,
    "settings": dict,
    "word_vocabulary": list,
    "char_vocabulary": list,
    "lexicons": list,
    "cues": list,
    "context_vocabulary": list,
    "token_model": (dict, type(None)),
    "n_features": int,
    "coef": list,
    "intercept": (int, float),
    "training": dict,
    "cv": (dict, type(None)),
    "checksum": str,
}


#: Largest absolute coefficient, intercept or threshold a model file may hold. A logistic regression
#: trained here on binary and unit-length features has weights well under 100; a weight of 1e308 can
#: only come from an edited or broken file, and would label every sentence the same way.
MAX_ABS_WEIGHT = 1e4
#: Most features (coefficients) a model file may declare.
MAX_FEATURES = 5_000_000


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _weight(v) -> bool:
    return _num(v) and abs(v) <= MAX_ABS_WEIGHT


def _file_settings(data: dict) -> dict:
    """The settings of a model file; schema 1 predates cue contexts and hashing, 2 the tagger, 3 its lexicon, 4 the blend."""
    older = {1: [_SCHEMA1_SETTINGS, _SCHEMA2_SETTINGS, _SCHEMA3_SETTINGS, _SCHEMA4_SETTINGS],
             2: [_SCHEMA2_SETTINGS, _SCHEMA3_SETTINGS, _SCHEMA4_SETTINGS],
             3: [_SCHEMA3_SETTINGS, _SCHEMA4_SETTINGS], 4: [_SCHEMA4_SETTINGS]}
    out = {}
    for defaults in older.get(data.get("schema_version"), []):
        out.update(defaults)
    return {**out, **data["settings"]}


def validate_model_dict(data, where: str = "<model>") -> None:
    """Raise ValueError (naming ``where`` and the offending key) unless ``data`` is a valid model."""
    if not isinstance(data, dict):
        raise ValueError(f"{where}: a model file holds one JSON object")  # noqa: TRY004
    if data.get("format") != MODEL_FORMAT:
        raise ValueError(f"{where}: not a {MODEL_FORMAT} file (format is {data.get('format')!r})")
    schema = data.get("schema_version")
    if isinstance(schema, bool) or schema not in _READABLE_SCHEMAS:
        raise ValueError(f"{where}: schema_version {schema!r} is not supported (expected one of {_READABLE_SCHEMAS})")
    expected = {k: v for k, v in _TOP_LEVEL.items() if schema >= 2 or k not in ("context_vocabulary", "token_model")}
    missing = [k for k in expected if k not in data]
    extra = [k for k in data if k not in expected]
    if missing or extra:
        raise ValueError(f"{where}: missing key(s) {missing}, unknown key(s) {extra}")
    for key, types in expected.items():
        v = data[key]
        if isinstance(v, bool) or not isinstance(v, types):
            raise ValueError(f"{where}: {key!r} has the wrong type ({type(v).__name__})")  # noqa: TRY004
    if data["checksum"] != _checksum(data):
        raise ValueError(f"{where}: checksum mismatch: the file was modified after it was saved")
    try:
        check_settings(_file_settings(data))
    except ValueError as exc:
        raise ValueError(f"{where}: settings: {exc}") from None
    for key in ("word_vocabulary", "char_vocabulary", "context_vocabulary"):
        if key not in data:
            continue
        vocab = data[key]
        if not all(isinstance(t, str) for t in vocab) or len(set(vocab)) != len(vocab):
            raise ValueError(f"{where}: {key!r} must be a list of distinct strings")
    for i, lex in enumerate(data["lexicons"]):
        if not (isinstance(lex, dict) and set(lex) == {"name", "version", "sha256", "toml"}
                and all(isinstance(v, str) for v in lex.values())):
            raise ValueError(f"{where}: lexicons[{i}] must have string name, version, sha256, toml")
    for i, cue in enumerate(data["cues"]):
        if not (isinstance(cue, list) and len(cue) == 2 and isinstance(cue[0], str) and _num(cue[1])
                and 0 <= cue[1] <= 1):
            raise ValueError(f"{where}: cues[{i}] must be [cue, precision between 0 and 1]")
    if not 0 <= data["n_features"] <= MAX_FEATURES:
        raise ValueError(f"{where}: n_features {data['n_features']} is outside 0..{MAX_FEATURES}")
    for i, v in enumerate(data["coef"]):
        if not _weight(v):
            raise ValueError(f"{where}: coefficient {i} is {v!r}: every coefficient must be a finite number "
                             f"within +-{MAX_ABS_WEIGHT:g} (refused: a weight this size labels every sentence alike)")
    if not _weight(data["intercept"]):
        raise ValueError(f"{where}: intercept {data['intercept']!r} must be a finite number within +-{MAX_ABS_WEIGHT:g}")
    if not _weight(data["settings"].get("threshold", 0.0)):
        raise ValueError(f"{where}: settings.threshold must be a finite number within +-{MAX_ABS_WEIGHT:g}")
    tm = data.get("token_model")
    file_settings = _file_settings(data)
    if file_settings.get("tagger_sentence") and file_settings.get("tagger_weight") is None:
        raise ValueError(f"{where}: settings.tagger_weight must be the number a tagger_sentence model was trained with")
    if bool(tm) != bool(file_settings.get("token_model") or file_settings.get("tagger")):
        raise ValueError(f"{where}: 'token_model' must be present exactly when settings.token_model "
                         "or settings.tagger is true")
    if tm:
        keys = {"vocabulary", "coef", "intercept"} | ({"cue_words"} if file_settings.get("tagger") else set())
        if set(tm) != keys or not isinstance(tm["vocabulary"], list) or not isinstance(tm["coef"], list):
            raise ValueError(f"{where}: token_model must have a vocabulary list, a coef list and an intercept"
                             + (" and, for a tagger, its cue_words" if "cue_words" in keys else ""))
        if "cue_words" in keys and not (isinstance(tm["cue_words"], list) and all(isinstance(w, str) for w in tm["cue_words"])
                                        and len(set(tm["cue_words"])) == len(tm["cue_words"])):
            raise ValueError(f"{where}: token_model.cue_words must be a list of distinct strings")
        vocab = tm["vocabulary"]
        if not all(isinstance(t, str) for t in vocab) or len(set(vocab)) != len(vocab):
            raise ValueError(f"{where}: token_model.vocabulary must be a list of distinct strings")
        if len(tm["coef"]) > MAX_FEATURES or not all(_weight(v) for v in tm["coef"]) or not _weight(tm["intercept"]):
            raise ValueError(f"{where}: token_model weights must be finite numbers within +-{MAX_ABS_WEIGHT:g}")
    if len(data["coef"]) != data["n_features"]:
        raise ValueError(f"{where}: {len(data['coef'])} coefficients but n_features is {data['n_features']}")
    t = data["training"]
    if not (isinstance(t.get("sha256"), str) and len(t["sha256"]) == 64):
        raise ValueError(f"{where}: training.sha256 must be a SHA-256 hex digest")


def model_from_dict(data: dict, where: str = "<model>") -> SentenceClassifier:
    """Build a :class:`SentenceClassifier` from validated JSON data."""
    validate_model_dict(data, where)
    settings = check_settings(_file_settings(data))
    try:
        feat = _Featurizer(settings, data["word_vocabulary"], data["char_vocabulary"],
                           data["lexicons"], data["cues"], data.get("context_vocabulary", []),
                           data.get("token_model"))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if len(feat.feature_names) != data["n_features"]:
        raise ValueError(
            f"{where}: the vocabularies, lexicons and settings give {len(feat.feature_names)} "
            f"features but the model has {data['n_features']} coefficients"
        )
    return SentenceClassifier(feat, data["coef"], data["intercept"], data["training"], data["cv"])


def load_model(path) -> SentenceClassifier:
    """Load a model saved by :meth:`SentenceClassifier.save`, refusing anything else.

    The file must be JSON (never pickle) of at most 200 MB, nested at most :data:`analysis.modelfile.MAX_JSON_DEPTH`
    deep, with finite floats and integers of at most :data:`analysis.modelfile.MAX_INT_DIGITS` digits; the schema, every
    type, the number of coefficients, their range (:data:`MAX_ABS_WEIGHT`), the lexicon hashes and the
    checksum are checked. Anything else raises a one-line ``ValueError`` that starts with the file name.

    Parameters
    ----------
    path : str or path-like
        A ``.json`` file written by :meth:`SentenceClassifier.save`.

    Returns
    -------
    SentenceClassifier

    Notes
    -----
    The checksum detects corruption (a truncated download, a stray edit), not tampering: it is an
    unkeyed SHA-256 that anyone can recompute after editing the file. The range and shape checks stop
    the edits that would silently change every prediction, but a plausible, re-checksummed edit loads.
    """
    data = read_model_json(path, max_bytes=MAX_MODEL_BYTES)
    return model_from_dict(data, str(path))
