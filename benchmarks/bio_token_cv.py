"""Grouped cross-validation of a token-level cue tagger on the CoNLL-2010 biological training files.

``nice python benchmarks/bio_token_cv.py [--data ../shared/data/uncertainty] [--k 5] [--C 2]``

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

from analysis.validate.tagger import candidate_features, crude_stem


def tokenise(gold) -> list[tuple[list[str], list[int]]]:
    """Word tokens of every sentence and, per token, 1 when it overlaps a gold cue span."""
    from analysis.validate.induction import sentence_token_spans

    out = []
    for text, cues in zip(gold["text"], gold["cues"]):
        spans = sentence_token_spans(text)
        labels = [int(any(a < int(c[1]) and b > int(c[0]) for c in cues)) for a, b, _n in spans]
        out.append(([t[2] for t in spans], labels))
    return out


def run(gold, *, k: int, C: float, min_count: int, window: int, seed: int = 0) -> dict:
    from scipy.stats import t as student_t
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    toks = tokenise(gold)
    y = gold["label"].astype(bool).to_numpy()
    groups = gold["doc_id"].astype(str).to_numpy()
    hasher = FeatureHasher(n_features=1 << 20, input_type="string", alternate_sign=False)
    pred = np.zeros(len(gold), dtype=bool)
    fold_f1 = []
    for train_idx, test_idx in GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(gold, y, groups):
        counts = Counter(w for i in train_idx for w, lab in zip(*toks[i]) if lab)
        cue_words = {w for w, c in counts.items() if c >= min_count}
        stems = {crude_stem(w) for w in cue_words}
        prefixes = {w[:5] for w in cue_words if len(w) >= 5}

        def build(indices, cue_words=cue_words, stems=stems, prefixes=prefixes):
            feats, sent, labels = [], [], []
            for i in indices:
                norms, labs = toks[i]
                for j, w in enumerate(norms):
                    if w in cue_words:
                        key = "c=" + w
                    elif len(w) >= 4 and crude_stem(w) in stems:
                        key = "s=" + crude_stem(w)
                    elif len(w) >= 5 and w[:5] in prefixes:
                        key = "p=" + w[:5]
                    else:
                        continue
                    feats.append(candidate_features(norms, j, key, window))
                    sent.append(i)
                    labels.append(bool(labs[j]))
            X = hasher.transform(feats)
            X.data[:] = 1.0
            return X, np.asarray(sent, dtype=np.int64), np.asarray(labels, dtype=bool)

        X_tr, _s, lab_tr = build(train_idx)
        clf = LogisticRegression(C=C, solver="liblinear", max_iter=2000).fit(X_tr, lab_tr)
        X_te, sent_te, _l = build(test_idx)
        best = np.zeros(len(gold))
        if len(sent_te):
            np.maximum.at(best, sent_te, clf.predict_proba(X_te)[:, 1])
        pred[test_idx] = best[test_idx] > 0.5
        p, t = pred[test_idx], y[test_idx]
        fold_f1.append(2 * float((p & t).sum()) / float(p.sum() + t.sum()))
    tp = float((pred & y).sum())
    precision, recall = tp / pred.sum(), tp / y.sum()
    mean, sd = float(np.mean(fold_f1)), float(np.std(fold_f1, ddof=1))
    half = float(student_t.ppf(0.975, k - 1)) * sd / math.sqrt(k)
    return {"sentences": len(gold), "uncertain": int(y.sum()), "documents": len(set(groups)), "k": k,
            "C": C, "min_count": min_count, "window": window, "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(2 * precision * recall / (precision + recall), 4),
            "fold_f1": [round(f, 4) for f in fold_f1], "fold_mean": round(mean, 4),
            "fold_interval": [round(mean - half, 4), round(mean + half, 4)]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(HERE.parent.parent / "shared" / "data" / "uncertainty"))
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--C", type=float, default=2.0)
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--window", type=int, default=3)
    args = ap.parse_args(argv)
    files = sorted(Path(args.data).glob("task2_train_bio_*.xml"))
    if not files:
        print(f"error: no task2_train_bio_*.xml under {args.data} (the CoNLL-2010 files live in ../shared)",
              file=sys.stderr)
        return 2
    from analysis.validate.corpora import load_conll2010

    start = time.process_time()
    result = run(load_conll2010(files), k=args.k, C=args.C, min_count=args.min_count, window=args.window)
    result["cpu_seconds"] = round(time.process_time() - start, 1)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
