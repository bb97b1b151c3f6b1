"""Lexicon accuracy: how often the built-in (or your own) lexicon categories agree with gold annotations.

Two questions are answered here, with plain functions on the tables returned by
:mod:`analysis.validate.corpora`:

* **sentence level** (:func:`evaluate_lexicon`): run a :class:`~analysis.measure.matching.Matcher` with
  chosen categories over gold sentences (Szeged WikiWeasel, CoNLL-2010, a hand-labelled CSV); a sentence
  is predicted positive when at least one chosen category matches in it. Returns precision, recall and F1
  of the positive class, per-entry precision (share of the sentences where an entry fires that are
  gold-positive, with Wilson intervals) and cue-level overlap scores;
* **attribution level** (:func:`evaluate_attribution`): for PolNeAR, the share of gold attributions whose
  cue or source span one of our sourcing matches overlaps (recall) and the share of our sourcing matches
  that overlap a gold cue or source span (precision).

:func:`split_by_document` makes the fixed dev/test split by document that lexicon tuning must respect
(tune on ``dev``, report ``test``). :data:`UNCERTAIN_CATEGORIES` is the documented mapping from our
categories to the "uncertain" class of the Szeged and CoNLL-2010 annotations (see docs/codebook.md).
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from ..measure.matching import Matcher
from .metrics import prf, span_prf, wilson_interval

__all__ = [
    "CORE_UNCERTAIN_CATEGORIES",
    "SOURCING_CATEGORIES",
    "SPLIT_SEED",
    "UNCERTAIN_CATEGORIES",
    "evaluate_attribution",
    "evaluate_lexicon",
    "evaluate_polnear",
    "evaluate_szeged",
    "match_sentences",
    "split_by_document",
]

#: Categories mapped to "uncertain" for Szeged WikiWeasel and CoNLL-2010 (semantic uncertainty). Conditionals
#: are included because both annotation schemes mark conditions as uncertainty cues (Szeged:
#: ``speculation_hypo_condition``). Approximators are left out (vagueness about a number, not uncertainty
#: about a proposition), and so is evidence_absent: most of its entries ("declined to comment", "could not be
#: verified") report missing information rather than mark a proposition as uncertain. Distancing ("alleged")
#: is a separate construct; adding it changes dev F1 by less than 0.01 (docs/codebook.md).
UNCERTAIN_CATEGORIES = (
    "hedging.modal",
    "hedging.epistemic_verb",
    "hedging.evidential",
    "hedging.possibility",
    "hedging.conditional",
)
#: The same without conditionals, for news analyses that leave conditionals out.
CORE_UNCERTAIN_CATEGORIES = UNCERTAIN_CATEGORIES[:4]
#: Categories evaluated against PolNeAR attributions.
SOURCING_CATEGORIES = ("sourcing.*",)
#: The seed of the document-level dev/test split used for every published figure.
SPLIT_SEED = 20260101

_SENTENCE_REQUIRED = ("text", "label")


def split_by_document(gold: pd.DataFrame, seed: int = SPLIT_SEED, dev_share: float = 0.5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a sentence table into a dev and a test part by document, reproducibly.

    Parameters
    ----------
    gold : DataFrame
        Sentence table with a ``doc_id`` column (as returned by the corpus loaders).
    seed : int
        Seed of the permutation of document ids (sorted first, so the split does not depend on row order).
    dev_share : float
        Share of documents that go to the dev part, strictly between 0 and 1.

    Returns
    -------
    (dev, test) : two DataFrames
        Rows keep their original order and index; no document is in both.

    Examples
    --------
    >>> df = pd.DataFrame({"doc_id": list("aabbccdd"), "text": ["x"] * 8, "label": [False] * 8})
    >>> dev, test = split_by_document(df, seed=1)
    >>> sorted(set(dev.doc_id) | set(test.doc_id)), set(dev.doc_id) & set(test.doc_id)
    (['a', 'b', 'c', 'd'], set())
    """
    if not isinstance(gold, pd.DataFrame) or "doc_id" not in gold.columns:
        raise ValueError("split_by_document expects a DataFrame with a 'doc_id' column")
    if not 0 < dev_share < 1:
        raise ValueError(f"dev_share must be strictly between 0 and 1, got {dev_share!r}")
    docs = np.array(sorted(gold["doc_id"].astype(str).unique()))
    rng = np.random.default_rng(seed)
    perm = rng.permutation(len(docs))
    n_dev = round(len(docs) * dev_share)
    dev_docs = set(docs[perm[:n_dev]])
    in_dev = gold["doc_id"].astype(str).isin(dev_docs)
    return gold[in_dev], gold[~in_dev]


def _matcher(lexicons, categories) -> Matcher:
    if isinstance(lexicons, Matcher):
        if categories is not None:
            raise ValueError("pass categories when building the Matcher, not together with a Matcher")
        return lexicons
    if isinstance(categories, str):
        categories = [categories]
    return Matcher(lexicons, categories)


def match_sentences(gold: pd.DataFrame, lexicons=None, categories=None) -> pd.DataFrame:
    """Match every sentence of a gold table; one row per match.

    Each sentence is matched on its own (``text`` of the row), so offsets index that text.

    Returns
    -------
    DataFrame
        ``row`` (position of the sentence in ``gold``, 0-based), ``category``, ``entry``, ``lexicon``,
        ``start``, ``end``, ``matched``.

    Examples
    --------
    >>> g = pd.DataFrame({"text": ["It may rain.", "It rains."], "label": [True, False]})
    >>> match_sentences(g, "hedging", ["hedging.modal"])[["row", "matched"]].values.tolist()
    [[0, 'may']]
    """
    _check_gold(gold)
    matcher = _matcher(lexicons, categories)
    rows = []
    for i, text in enumerate(gold["text"].tolist()):
        for m in matcher.match(text).matches:
            rows.append((i, m.category, m.entry, m.lexicon, m.start, m.end, m.matched))
    return pd.DataFrame(rows, columns=["row", "category", "entry", "lexicon", "start", "end", "matched"])


def _check_gold(gold):
    if not isinstance(gold, pd.DataFrame):
        raise ValueError(  # noqa: TRY004 - the project refuses bad input with ValueError
            f"gold must be a DataFrame of sentences, got {type(gold).__name__}"
        )
    missing = [c for c in _SENTENCE_REQUIRED if c not in gold.columns]
    if missing:
        raise ValueError(f"gold table lacks column(s) {missing}; expected at least 'text' and 'label' (and 'cues')")
    bad = [i for i, t in enumerate(gold["text"].tolist()) if not isinstance(t, str)]
    if bad:
        raise ValueError(f"gold['text'] must hold strings; row {bad[0]} holds {gold['text'].iloc[bad[0]]!r}")


def _merge_spans(spans):
    """Union of overlapping (start, end) spans: a word matched by two categories is predicted once."""
    out = []
    for s, e in sorted(spans):
        if out and s < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _cue_scores(gold_cues: list, pred_spans: list) -> dict:
    """Cue-level scores (overlap and exact spans) of the union of each sentence's predicted spans."""
    merged = [_merge_spans(p) for p in pred_spans]
    clean_gold = [[g for g in cues if g[1] > g[0]] for cues in gold_cues]
    return {"overlap": span_prf(clean_gold, merged, mode="overlap"), "exact": span_prf(clean_gold, merged, mode="exact")}


def _per_entry(matches: pd.DataFrame, labels: np.ndarray, gold_cues: list, has_cues: bool, confidence: float):
    """Per entry: sentences where it fires, how many of them are gold-positive, cue overlap of its matches.

    Returns the ``per_entry`` table of :func:`evaluate_lexicon` and the predicted spans of each sentence.
    """
    fires = defaultdict(set)
    n_matches = defaultdict(int)
    overlapping = defaultdict(int)
    pred_spans = [[] for _ in range(len(labels))]
    for row, cat, entry, lex, s, e in matches[["row", "category", "entry", "lexicon", "start", "end"]].itertuples(index=False):
        key = (cat, entry, lex)
        fires[key].add(row)
        n_matches[key] += 1
        pred_spans[row].append((s, e))
        if any(max(s, g[0]) < min(e, g[1]) for g in gold_cues[row]):
            overlapping[key] += 1
    per_rows = []
    for (cat, entry, lex), rows in fires.items():
        k = len(rows)
        pos = int(labels[list(rows)].sum())
        low, high = wilson_interval(pos, k, confidence)
        per_rows.append({
            "category": cat, "entry": entry, "lexicon": lex, "fires": k, "gold_positive": pos,
            "precision": pos / k, "ci_low": low, "ci_high": high, "matches": n_matches[(cat, entry, lex)],
            "cue_overlap": overlapping[(cat, entry, lex)] / n_matches[(cat, entry, lex)] if has_cues else np.nan,
        })
    per_entry = pd.DataFrame(
        per_rows,
        columns=["category", "entry", "lexicon", "fires", "gold_positive", "precision", "ci_low", "ci_high", "matches", "cue_overlap"],
    )
    per_entry = per_entry.sort_values(["fires", "category", "entry"], ascending=[False, True, True], ignore_index=True)
    return per_entry, pred_spans


def evaluate_lexicon(gold: pd.DataFrame, lexicons=None, categories=None, *, confidence: float = 0.95) -> dict:
    """Sentence-level precision, recall and F1 of lexicon categories against gold labels.

    A sentence is predicted positive when at least one match of the chosen categories falls in it.

    Parameters
    ----------
    gold : DataFrame
        One row per sentence with ``text`` (str), ``label`` (bool) and optionally ``cues`` (list of
        ``(start, end, ...)`` spans into ``text``): the shape of the corpus loaders.
    lexicons : Lexicon, name, path, list of them, or a ready :class:`Matcher`; None means all built-in.
    categories : iterable of str, optional
        Categories (exact names or globs such as ``"hedging.*"``) mapped to the positive class, e.g.
        :data:`UNCERTAIN_CATEGORIES`. None means every category of ``lexicons``.
    confidence : float
        Coverage of the Wilson intervals.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``tp``, ``fp``, ``fn``, ``n_sentences``, ``n_positive``
        (gold), ``n_predicted``, ``precision_ci`` and ``recall_ci`` (Wilson), ``categories`` (the
        categories actually used), ``lexicons`` (name, version, sha256 of each),
        ``per_entry`` (DataFrame: ``category, entry, lexicon, fires`` = sentences where the entry
        fires, ``gold_positive`` = of those, gold-positive, ``precision``, ``ci_low``, ``ci_high``,
        ``matches``, ``cue_overlap`` = share of its matches overlapping a gold cue; sorted by
        ``fires``), ``cue`` (``{"overlap": ..., "exact": ...}`` from :func:`span_prf` over the union
        of the predicted spans of each sentence; empty dict when ``gold`` has no ``cues``),
        ``predicted`` (bool array, one per sentence) and ``matches`` (from :func:`match_sentences`).

    Examples
    --------
    >>> g = pd.DataFrame({
    ...     "text": ["It may rain.", "It will rain.", "Sales rose in May 2020.", "Rain is possible."],
    ...     "label": [True, False, False, True],
    ...     "cues": [[(3, 6, "may", "x")], [], [], [(8, 16, "possible", "x")]],
    ... })
    >>> r = evaluate_lexicon(g, "hedging", ["hedging.modal"])
    >>> r["precision"], r["recall"], r["n_positive"]
    (1.0, 0.5, 2)
    >>> r["per_entry"][["entry", "fires", "gold_positive"]].values.tolist()
    [['may', 1, 1]]
    """
    _check_gold(gold)
    matcher = _matcher(lexicons, categories)
    matches = match_sentences(gold, matcher)
    n = len(gold)
    labels = np.array([bool(x) for x in gold["label"].tolist()], dtype=bool)
    predicted = np.zeros(n, dtype=bool)
    if len(matches):
        predicted[matches["row"].unique()] = True
    scores = prf(labels, predicted)
    has_cues = "cues" in gold.columns
    gold_cues = [list(c) if isinstance(c, (list, tuple)) else [] for c in gold["cues"]] if has_cues else [[] for _ in range(n)]

    per_entry, pred_spans = _per_entry(matches, labels, gold_cues, has_cues, confidence)

    cue = _cue_scores(gold_cues, pred_spans) if has_cues else {}

    n_pos, n_pred = int(labels.sum()), int(predicted.sum())
    return {
        "precision": scores["precision"],
        "recall": scores["recall"],
        "f1": scores["f1"],
        "tp": scores["tp"],
        "fp": scores["fp"],
        "fn": scores["fn"],
        "n_sentences": n,
        "n_positive": n_pos,
        "n_predicted": n_pred,
        "precision_ci": wilson_interval(scores["tp"], n_pred, confidence) if n_pred else (np.nan, np.nan),
        "recall_ci": wilson_interval(scores["tp"], n_pos, confidence) if n_pos else (np.nan, np.nan),
        "categories": list(matcher.categories),
        "lexicons": [{k: p[k] for k in ("name", "version", "sha256")} for p in matcher.provenance],
        "per_entry": per_entry,
        "cue": cue,
        "predicted": predicted,
        "matches": matches,
    }


def _spans(value):
    if isinstance(value, (list, tuple)):
        return [(int(s[0]), int(s[1])) for s in value if int(s[1]) > int(s[0])]
    return []


def _gold_spans_by_doc(attributions: pd.DataFrame) -> dict:
    """``{doc_id: [(attribution index, role, start, end)]}`` of every gold cue and source span."""
    gold_by_doc = defaultdict(list)
    for idx, (doc, cues, sources) in enumerate(attributions[["doc_id", "cue", "source"]].itertuples(index=False)):
        for s, e in _spans(cues):
            gold_by_doc[doc].append((idx, "cue", s, e))
        for s, e in _spans(sources):
            gold_by_doc[doc].append((idx, "source", s, e))
    return gold_by_doc


def _match_gold(articles: pd.DataFrame, matcher, gold_by_doc: dict):
    """Match every article; mark each match that overlaps a gold span and collect the attributions caught.

    Returns the match table (with ``hit``), the attribution indices caught by a cue span, by a source
    span, and ``{category: attribution indices}``.
    """
    caught_cue, caught_source = set(), set()
    caught_by_cat = defaultdict(set)
    rows = []
    for doc, text in articles[["doc_id", "text"]].itertuples(index=False):
        gold = gold_by_doc.get(doc, [])
        for m in matcher.match(text).matches:
            hit = False
            for idx, role, s, e in gold:
                if max(m.start, s) < min(m.end, e):
                    hit = True
                    (caught_cue if role == "cue" else caught_source).add(idx)
                    caught_by_cat[m.category].add(idx)
            rows.append((doc, m.category, m.entry, m.start, m.end, m.matched, hit))
    table = pd.DataFrame(rows, columns=["doc_id", "category", "entry", "start", "end", "matched", "hit"])
    return table, caught_cue, caught_source, caught_by_cat


def _precision_by(table: pd.DataFrame, keys, confidence: float) -> pd.DataFrame:
    """Matches, precision and its Wilson interval per value of ``keys``, most matches first."""
    out = []
    if not len(table):
        return pd.DataFrame(columns=[*keys, "matches", "precision", "ci_low", "ci_high"])
    for key, grp in table.groupby(list(keys), sort=True):
        k, h = len(grp), int(grp["hit"].sum())
        low, high = wilson_interval(h, k, confidence)
        key = key if isinstance(key, tuple) else (key,)
        out.append({**dict(zip(keys, key)), "matches": k, "precision": h / k, "ci_low": low, "ci_high": high})
    return pd.DataFrame(out).sort_values("matches", ascending=False, ignore_index=True)


def _recall_by_cue(attributions: pd.DataFrame, caught: set) -> pd.DataFrame:
    """Recall by the text of the gold cue (lower-cased): PolNeAR annotates far more than "said"."""
    cue_text = [
        " ".join(str(c[2]) if len(c) > 2 else "" for c in cues).lower().strip() if isinstance(cues, (list, tuple)) else ""
        for cues in attributions["cue"]
    ]
    by_cue = pd.DataFrame({"cue": cue_text, "caught": [i in caught for i in range(len(attributions))]})
    return (
        by_cue.groupby("cue").agg(attributions=("caught", "size"), recall=("caught", "mean"))
        .sort_values("attributions", ascending=False).reset_index()
    )


def evaluate_attribution(
    articles: pd.DataFrame,
    attributions: pd.DataFrame,
    lexicons="sourcing",
    categories=SOURCING_CATEGORIES,
    *,
    confidence: float = 0.95,
) -> dict:
    """Sourcing matches against gold attributions (PolNeAR): recall of attributions, precision of matches.

    Parameters
    ----------
    articles : DataFrame
        ``doc_id`` and ``text`` (e.g. :func:`~analysis.validate.corpora.load_polnear_articles`); gold
        offsets index ``text``.
    attributions : DataFrame
        One row per gold attribution with ``doc_id`` and ``cue`` and ``source`` span lists
        (``(start, end, text)``), e.g. :func:`~analysis.validate.corpora.load_polnear_attributions`.
    lexicons, categories
        As in :func:`evaluate_lexicon`; by default every ``sourcing.*`` category.

    Returns
    -------
    dict
        ``recall`` (share of gold attributions whose cue or source span overlaps one of our matches),
        ``recall_cue``, ``recall_source`` (the same for each role alone; attributions without a source
        span count as misses in ``recall_source``), ``recall_ci``, ``precision`` (share of our matches
        that overlap a gold cue or source span of any attribution), ``precision_ci``,
        ``n_attributions``, ``n_matches``, ``n_documents``, ``per_category`` (DataFrame: ``category,
        matches, precision, ci_low, ci_high, attributions_caught`` = attributions whose cue or source a
        match of that category overlaps, ``recall``), ``per_entry`` (DataFrame: ``category, entry,
        matches, precision, ci_low, ci_high``), ``recall_by_cue`` (DataFrame: ``cue`` = lower-cased gold
        cue text, ``attributions``, ``recall``), ``lexicons``, ``matches`` (one row per match, with ``hit``).

    Examples
    --------
    >>> arts = pd.DataFrame({"doc_id": ["d"], "text": ["One official told CNN that it may rain. It rained."]})
    >>> gold = pd.DataFrame({"doc_id": ["d"], "cue": [[(13, 17, "told")]], "source": [[(0, 12, "One official")]]})
    >>> r = evaluate_attribution(arts, gold)
    >>> r["recall"], r["precision"], r["n_matches"]
    (1.0, 1.0, 2)
    """
    for name, frame, cols in (("articles", articles, ("doc_id", "text")), ("attributions", attributions, ("doc_id", "cue", "source"))):
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"{name} must be a DataFrame, got {type(frame).__name__}")  # noqa: TRY004
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} lacks column(s) {missing}")
    matcher = _matcher(lexicons, categories)
    gold_by_doc = _gold_spans_by_doc(attributions)
    n_attr = len(attributions)
    known_docs = set(articles["doc_id"].astype(str))
    unknown = sorted(set(map(str, attributions["doc_id"])) - known_docs)
    if unknown:
        raise ValueError(f"attributions refer to {len(unknown)} document(s) not in articles, e.g. {unknown[0]!r}")
    table, caught_cue, caught_source, caught_by_cat = _match_gold(articles, matcher, gold_by_doc)
    caught = caught_cue | caught_source
    n_match = len(table)
    n_hit = int(table["hit"].sum()) if n_match else 0
    recall_by_cue = _recall_by_cue(attributions, caught)
    per_category = _precision_by(table, ("category",), confidence)
    if len(per_category):
        per_category["attributions_caught"] = [len(caught_by_cat[c]) for c in per_category["category"]]
        per_category["recall"] = per_category["attributions_caught"] / n_attr if n_attr else np.nan
    return {
        "recall": len(caught) / n_attr if n_attr else 0.0,
        "recall_cue": len(caught_cue) / n_attr if n_attr else 0.0,
        "recall_source": len(caught_source) / n_attr if n_attr else 0.0,
        "recall_ci": wilson_interval(len(caught), n_attr, confidence) if n_attr else (np.nan, np.nan),
        "precision": n_hit / n_match if n_match else 0.0,
        "precision_ci": wilson_interval(n_hit, n_match, confidence) if n_match else (np.nan, np.nan),
        "n_attributions": n_attr,
        "n_matches": n_match,
        "n_documents": len(articles),
        "per_category": per_category,
        "per_entry": _precision_by(table, ("category", "entry"), confidence),
        "recall_by_cue": recall_by_cue,
        "lexicons": [{k: p[k] for k in ("name", "version", "sha256")} for p in matcher.provenance],
        "matches": table,
    }


def evaluate_szeged(path, part: str = "test", lexicons="hedging", categories=UNCERTAIN_CATEGORIES, *, seed: int = SPLIT_SEED, text_only: bool = False) -> dict:
    """Load the Szeged WikiWeasel XML, split it by document and evaluate one half.

    Parameters
    ----------
    path : path to ``szeged_wiki.xml``.
    part : {"dev", "test", "all"}
        ``dev`` is the half lexicon tuning may look at; ``test`` is the half reported as the result.
    text_only : bool
        Drop the article titles (``part == "Title"`` rows, about a fifth of the sentences).

    Returns
    -------
    dict
        As :func:`evaluate_lexicon`, plus ``part`` and ``seed``.
    """
    from .corpora import load_szeged

    if part not in ("dev", "test", "all"):
        raise ValueError(f"part must be 'dev', 'test' or 'all', got {part!r}")
    gold = load_szeged(path)
    if text_only and "part" in gold.columns:
        gold = gold[gold["part"] != "Title"]
    if part != "all":
        dev, test = split_by_document(gold, seed=seed)
        gold = dev if part == "dev" else test
    out = evaluate_lexicon(gold.reset_index(drop=True), lexicons, categories)
    out.update(part=part, seed=seed)
    return out


def evaluate_polnear(root, split: str | None = "train", lexicons="sourcing", categories=SOURCING_CATEGORIES) -> dict:
    """Load PolNeAR (articles and gold attributions) from ``root`` and run :func:`evaluate_attribution`."""
    from .corpora import load_polnear_articles, load_polnear_attributions

    articles = load_polnear_articles(root, split)
    attributions = load_polnear_attributions(root, split)
    out = evaluate_attribution(articles, attributions, lexicons, categories)
    out["split"] = split
    return out
