"""Training and evaluating the attribution extractor (:mod:`analysis.measure.attribution`) on PolNeAR.

* :func:`train_attribution_model` learns the cue vocabulary and the cue classifier from PolNeAR
  **train** only, and chooses the regularisation and the probability threshold on **dev** (sentence
  F1). Nothing is tuned on any other data.
* :func:`evaluate_attributions` scores the extractor against gold attributions of any split:
  sentence-level P/R/F1 (a sentence is positive when it holds a gold cue; predicted positive when it
  holds an extracted cue) and, for each of cue, source and content, span P/R/F1 with exact and with
  overlap matching (one-to-one, within a document). A discontinuous gold span (brat fragments) is
  compared as its hull, first to last character; surrounding spaces, quotes and final punctuation
  are stripped from gold and predicted spans alike before the exact comparison.
"""
from __future__ import annotations

import hashlib
import time
from bisect import bisect_right
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from ..measure.attribution import (
    FUNCTION_WORDS,
    QUOTE_TOKENS,
    TOKEN_RE,
    AttributionModel,
    cue_features,
    default_model,
    extract,
    quote_mask,
)
from ..text.tokenize import sentence_spans
from .corpora import load_polnear_articles, load_polnear_attributions
from .metrics import prf, span_prf

__all__ = ["candidate_table", "evaluate_attributions", "gold_documents", "train_attribution_model"]

_STRIP = " \t\r\n\"“”'‘’.,;:"


def gold_documents(root, split: str) -> tuple[pd.DataFrame, dict]:
    """PolNeAR articles of ``split`` and, per ``doc_id``, the gold attributions as a list of dicts
    ``{"cue": [(s, e)], "source": [...], "content": [...]}`` (brat fragments)."""
    arts = load_polnear_articles(root, split)
    gold = load_polnear_attributions(root, split)
    by_doc: dict[str, list] = {d: [] for d in arts["doc_id"]}
    for r in gold.itertuples(index=False):
        by_doc[r.doc_id].append({k: [(s, e) for s, e, _ in getattr(r, k) if e > s] for k in ("cue", "source", "content")})
    return arts, by_doc


def _sentence_tokens(text: str, a: int, b: int):
    toks = [(m.start(), m.end()) for m in TOKEN_RE.finditer(text, a, b)]
    words = [text[s:e] for s, e in toks]
    return toks, words, [w.lower() for w in words]


def candidate_table(arts: pd.DataFrame, by_doc: dict, vocabulary=None):
    """Every token of every sentence as (features, label, word) for tokens whose lower-cased form is in
    ``vocabulary`` (all tokens when None); label: the token lies inside a gold cue span."""
    feats, labels, lows_out, where = [], [], [], []
    vocab = None if vocabulary is None else frozenset(vocabulary)
    for doc in arts.itertuples(index=False):
        text = doc.text
        covered = np.zeros(len(text) + 1, dtype=bool)
        for ev in by_doc[doc.doc_id]:
            for s, e in ev["cue"]:
                covered[s:e] = True
        for sa, sb in sentence_spans(text):
            toks, words, lows = _sentence_tokens(text, sa, sb)
            if not toks:
                continue
            qmask = quote_mask(words)
            has_q = any(w in QUOTE_TOKENS for w in words)
            for i, lw in enumerate(lows):
                if vocab is not None and lw not in vocab:
                    continue
                a = toks[i][0]
                inside = bool(covered[a])
                labels.append(inside)
                lows_out.append(lw)
                where.append((doc.doc_id, a))
                feats.append(cue_features(words, lows, i, qmask[i], has_q) if vocab is not None else None)
    return feats, np.array(labels, dtype=bool), lows_out, where


def _vocabulary(lows, labels, min_count: int, min_rate: float) -> list:
    """Words inside gold cues at least ``min_count`` times and in a cue at least ``min_rate`` of the
    times they occur; function words ("has", "to", "about") never head a cue: the extractor joins them
    to the cue next to them."""
    total = Counter(lows)
    pos = Counter(w for w, y in zip(lows, labels) if y)
    return sorted(w for w, c in pos.items() if c >= min_count and c / total[w] >= min_rate
                  and any(ch.isalpha() for ch in w) and w not in FUNCTION_WORDS)


def train_attribution_model(root, *, Cs=(0.3, 1.0, 3.0), min_count: int = 3, min_rate: float = 0.08,
                            min_feature_count: int = 3, log=None) -> tuple[AttributionModel, dict]:
    """Train on PolNeAR train, choose C and the threshold on dev (sentence F1); returns (model, report)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    t0 = time.perf_counter()
    arts, gold = gold_documents(root, "train")
    _, all_labels, all_lows, _ = candidate_table(arts, gold, None)
    vocab = _vocabulary(all_lows, all_labels, min_count, min_rate)
    feats, y, _, _ = candidate_table(arts, gold, vocab)
    counts = Counter(f for fs in feats for f in fs)
    keep = {f for f, c in counts.items() if c >= min_feature_count}
    dv = DictVectorizer()
    X = dv.fit_transform([{f: 1 for f in fs if f in keep} for fs in feats])
    X = X.tocsr()
    X.indices = X.indices.astype(np.int32)
    X.indptr = X.indptr.astype(np.int32)
    names = dv.get_feature_names_out()
    dev_arts, dev_gold = gold_documents(root, "dev")
    report = {"vocabulary": len(vocab), "train_candidates": len(y), "train_positive": int(y.sum()),
              "features": len(names), "grid": []}
    best = None
    for C in Cs:
        lr = LogisticRegression(C=C, max_iter=2000, solver="liblinear")
        lr.fit(X, y)
        weights = {n: round(float(w), 4) for n, w in zip(names, lr.coef_[0]) if abs(w) >= 0.01}
        for thr in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
            model = AttributionModel(vocab, weights, float(lr.intercept_[0]), thr, {})
            res = evaluate_attributions(dev_arts, dev_gold, model, spans=False)
            row = {"C": C, "threshold": thr, "sentence_f1": res["sentence"]["f1"],
                   "precision": res["sentence"]["precision"], "recall": res["sentence"]["recall"]}
            report["grid"].append(row)
            if log:
                log(f"C={C} threshold={thr}: dev sentence F1 {row['sentence_f1']:.4f}")
            if best is None or row["sentence_f1"] > best[0]["sentence_f1"]:
                best = (row, model)
    row, model = best
    h = hashlib.sha256()
    for doc in arts.itertuples(index=False):
        h.update(doc.doc_id.encode() + b"\x1f" + doc.text.encode("utf-8") + b"\x1e")
    model.training = {
        "data": "PolNeAR v1.0.0 train (first annotator per article)", "n_documents": len(arts),
        "sha256": h.hexdigest(), "chosen_on": "PolNeAR dev, sentence F1", "C": row["C"],
        "threshold": row["threshold"], "dev_sentence_f1": round(row["sentence_f1"], 4),
        "vocabulary_min_count": min_count, "vocabulary_min_rate": min_rate, "feature_min_count": min_feature_count,
    }
    report["chosen"] = row
    report["seconds"] = round(time.perf_counter() - t0, 1)
    return model, report


def _hull(frags):
    return (min(s for s, _ in frags), max(e for _, e in frags)) if frags else None


def _stripped(text, span):
    s, e = span
    while s < e and text[s] in _STRIP:
        s += 1
    while e > s and text[e - 1] in _STRIP:
        e -= 1
    return (s, e) if s < e else span


def evaluate_attributions(arts: pd.DataFrame, by_doc: dict, model: AttributionModel | None = None, *,
                          spans: bool = True) -> dict:
    """Sentence-level and span-level scores of the extractor on gold documents (see the module
    docstring). Returns ``{"sentence": prf, "cue_exact": ..., "cue_overlap": ..., "source_exact": ...,
    "source_overlap": ..., "content_exact": ..., "content_overlap": ..., "n_documents", "n_sentences",
    "seconds"}``."""
    model = model or default_model()
    t0 = time.perf_counter()
    y_true, y_pred = [], []
    gold_roles = {r: [] for r in ("cue", "source", "content")}
    pred_roles = {r: [] for r in ("cue", "source", "content")}
    for doc in arts.itertuples(index=False):
        text = doc.text
        sents = sentence_spans(text)
        starts = [a for a, _ in sents]
        recs = extract(text, model)
        gold_cues = [sp for ev in by_doc[doc.doc_id] for sp in ev["cue"]]
        g = np.zeros(len(sents), dtype=bool)
        p = np.zeros(len(sents), dtype=bool)
        for s, e in gold_cues:
            for k in range(max(bisect_right(starts, s) - 1, 0), len(sents)):
                a, b = sents[k]
                if a >= e:
                    break
                if s < b and e > a:
                    g[k] = True
        for r in recs:
            k = bisect_right(starts, r[2]) - 1
            if k >= 0:
                p[k] = True
        y_true += g.tolist()
        y_pred += p.tolist()
        if spans:
            for role, (a_i, b_i) in (("cue", (2, 3)), ("source", (4, 5)), ("content", (6, 7))):
                gs = [_stripped(text, _hull(ev[role])) for ev in by_doc[doc.doc_id] if ev[role]]
                ps = [_stripped(text, (r[a_i], r[b_i])) for r in recs if r[a_i] >= 0]
                gold_roles[role].append(gs)
                pred_roles[role].append(ps)
    out = {"sentence": _prf(y_true, y_pred), "n_documents": len(arts), "n_sentences": len(y_true),
           "n_gold_sentences": int(sum(y_true))}
    if spans:
        for role in ("cue", "source", "content"):
            for mode in ("exact", "overlap"):
                r = span_prf(gold_roles[role], pred_roles[role], mode=mode)
                out[f"{role}_{mode}"] = {k: r[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn")}
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def _prf(y_true, y_pred) -> dict:
    r = prf(y_true, y_pred)
    return {k: r[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn")}


def evaluate_polnear(root, split: str = "dev", model: AttributionModel | None = None) -> dict:
    """:func:`evaluate_attributions` on a PolNeAR split read from ``root`` as published."""
    arts, by_doc = gold_documents(Path(root), split)
    return evaluate_attributions(arts, by_doc, model)
