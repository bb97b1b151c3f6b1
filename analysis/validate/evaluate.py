"""Evaluation as one call each: gold sentences read in any supported format, and a lexicon, a trained
sentence model or the attribution extractor scored against them.

This is what ``python -m analysis evaluate`` (and ``learn``, for reading its training data) calls; the
command only prints. A notebook gets the same numbers::

    from analysis.validate.evaluate import evaluate_sentences, load_gold

    gold = load_gold(["../shared/data/uncertainty"], "conll2010", pattern="task2_eval*.xml")
    res = evaluate_sentences(gold, lexicons=["hedging"], categories=["hedging.*"])
    res["f1"], res["per_category"], res["per_entry"]

* :func:`load_gold` reads gold sentences (CoNLL-2010/BioScope, Szeged WikiWeasel, PolNeAR, a labelled
  CSV) from files or folders into the table shape of :mod:`analysis.validate.corpora`;
* :func:`evaluate_sentences` scores a lexicon (a sentence is positive when an entry of the chosen
  categories matches in it; cue spans too when the gold has them) or a model saved by ``learn``;
* :func:`evaluate_attribution` scores the attribution extractor on a PolNeAR split (sentence level and
  cue, source and content spans, exact and overlap) and gives the summary the command prints as JSON.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

__all__ = ["FORMATS", "attribution_summary", "evaluate_attribution", "evaluate_sentences", "load_gold"]

#: Gold formats :func:`load_gold` reads.
FORMATS = ("conll2010", "szeged", "polnear", "csv")


# the readers, the matcher and the models are imported by the functions that use them: the command line
# imports this module (for FORMATS) to build its --help

def _conll_files(paths, pattern: str) -> list:
    files = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.glob(pattern))
            if not found:
                raise FileNotFoundError(f"{p}: no files matching {pattern!r}")
            files.extend(found)
        else:
            files.append(p)
    return files


def _polnear_split(p: Path, split):
    from ..text.tokenize import sentence_spans
    from . import corpora

    found = corpora.polnear_root(p)
    if found is not None and found[1] is not None:  # a split folder (or its text/): that split
        if split not in (None, found[1]):
            raise ValueError(f"{p}: this is the {found[1]!r} split; --split {split} asks for another "
                             "(give the root)")
        p, split = found
    return corpora.load_polnear(p, split, sentence_splitter=sentence_spans)


def load_gold(paths, fmt: str, *, pattern: str = "*.xml", cue_types=None, split: str | None = "all",
              text_col: str = "sentence", label_col: str = "label") -> pd.DataFrame:
    """Gold sentences from one or more files or folders.

    Parameters
    ----------
    paths : path or list of paths
        Files or folders (``conll2010``: folders are globbed with ``pattern``; ``polnear``: the corpus
        root or one split's folder).
    fmt : {"conll2010", "szeged", "polnear", "csv"}
    pattern : str
        ``conll2010``: the glob for files in a folder.
    cue_types : list of str, optional
        ``conll2010`` and ``szeged``: keep only these cue types (``conll2010`` default: speculation).
    split : str or None
        ``polnear``: which split; ``"all"`` or None for every split.
    text_col, label_col : str
        ``csv``: the sentence and label columns.

    Returns
    -------
    pandas.DataFrame
        One row per sentence, the columns of :data:`analysis.validate.corpora.SENTENCE_COLUMNS`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown gold format {fmt!r}; choose one of {', '.join(FORMATS)}")
    paths = [Path(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
    if not paths:
        raise ValueError("no gold files given")
    from . import corpora

    if fmt == "conll2010":
        return corpora.load_conll2010(_conll_files(paths, pattern), cue_types=cue_types or ("speculation",))
    split = None if split == "all" else split
    frames = []
    for p in paths:
        if fmt == "szeged":
            frames.append(corpora.load_szeged(p, cue_types=cue_types))
        elif fmt == "polnear":
            frames.append(_polnear_split(p, split))
        else:
            frames.append(corpora.load_labelled_csv(p, text_col=text_col, label_col=label_col))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _per_category(r: dict, labels) -> list:
    rows = []
    for c in r["categories"]:
        flagged = sorted(set(r["matches"].loc[r["matches"]["category"] == c, "row"]))
        positive = int(labels[flagged].sum())
        rows.append({"category": c, "sentences": len(flagged), "gold_positive": positive,
                     "precision": positive / len(flagged) if flagged else float("nan")})
    return rows


def evaluate_sentences(gold: pd.DataFrame, *, lexicons=None, categories=None, model=None) -> dict:
    """Sentence-level scores of a lexicon or of a model saved by ``learn`` on gold sentences.

    Give ``lexicons`` (names or files, with optional ``categories`` globs; default every category) or
    ``model`` (a path), not both. A sentence is predicted positive when at least one entry of the chosen
    categories matches in it, or when the model says so.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``n_sentences``, ``n_positive``, ``tp``, ``fp``, ``fn``.
        For a lexicon also ``lexicons`` (name, version, sha256), ``categories``, ``per_category``
        (sentences flagged, how many gold positive, precision), ``per_entry`` (a table, see
        :func:`~analysis.validate.lexicon_accuracy.evaluate_lexicon`) and, when the gold has cue spans,
        ``cue_exact`` and ``cue_overlap`` (:func:`~analysis.validate.metrics.span_prf`). For a model also
        ``model_training`` (what it was trained on).

    Examples
    --------
    >>> import pandas as pd
    >>> gold = pd.DataFrame({"doc_id": ["a", "a"], "sentence_id": [0, 1], "text": ["It may rain.", "It rains."],
    ...                      "label": [1, 0], "cues": [[(3, 6)], []]})
    >>> r = evaluate_sentences(gold, lexicons=["hedging"], categories=["hedging.modal"])
    >>> r["tp"], r["fp"], r["fn"], r["cue_exact"]["f1"]
    (1, 0, 0, 1.0)
    """
    if (lexicons is None) == (model is None):
        raise ValueError("give either lexicons (with optional categories) or a model, not both")
    if model is not None and categories:
        raise ValueError("categories apply to a lexicon only")
    if len(gold) == 0:
        raise ValueError("the gold table holds no sentences")
    from .lexicon_accuracy import evaluate_lexicon
    from .metrics import prf

    labels = gold["label"].astype(bool).to_numpy()
    if model is not None:
        from .learn import load_model

        fitted = load_model(model)
        scores = prf(labels.tolist(), fitted.predict(gold["text"].tolist()).tolist())
        out = {k: scores[k] for k in ("precision", "recall", "f1", "tp", "fp", "fn")}
        out.update(n_sentences=len(labels), n_positive=int(labels.sum()), model_training=fitted.training)
        return out
    r = evaluate_lexicon(gold, lexicons, categories)
    out = {k: r[k] for k in ("precision", "recall", "f1", "n_sentences", "n_positive", "tp", "fp", "fn",
                             "lexicons", "categories")}
    if r.get("cue") and any(len(c) for c in gold["cues"]):
        out["cue_exact"], out["cue_overlap"] = r["cue"]["exact"], r["cue"]["overlap"]
    out["per_category"] = _per_category(r, labels)
    out["per_entry"] = r["per_entry"]
    return out


def evaluate_attribution(root, split: str | None = "dev", model=None) -> dict:
    """The attribution extractor against PolNeAR gold attributions of one split (``"all"``/None: every
    split), read from the corpus root as published.

    ``model`` is an :class:`~analysis.measure.attribution.AttributionModel` or a path to one (default: the
    bundled model). Returns the result of
    :func:`~analysis.validate.attribution.evaluate_attributions` (``sentence``, ``cue_exact``, ...,
    ``content_overlap``, counts, ``seconds``) with ``split``, ``model`` (the model used) and ``summary``
    (:func:`attribution_summary`) added.
    """
    from ..measure.attribution import AttributionModel, default_model, load_attribution_model
    from .attribution import evaluate_attributions, gold_documents

    if model is None:
        model = default_model()
    elif not isinstance(model, AttributionModel):
        model = load_attribution_model(model)
    split_name = "all" if split in (None, "all") else split
    arts, by_doc = gold_documents(Path(root), None if split_name == "all" else split_name)
    res = evaluate_attributions(arts, by_doc, model)
    res["split"] = split_name
    res["model"] = model
    res["summary"] = attribution_summary(res)
    return res


def attribution_summary(res: dict) -> dict:
    """The flat summary of an attribution evaluation (what ``evaluate --task attribution`` prints as JSON on
    its last line): task, split, counts, sentence-level P/R/F1 and each role's exact and overlap P/R/F1,
    rounded to four places."""
    summary = {"task": "attribution", "split": res.get("split", "all"), "n_documents": res["n_documents"],
               "n_sentences": res["n_sentences"]}
    summary.update({k: round(res["sentence"][k], 4) for k in ("precision", "recall", "f1")})
    for role in ("cue", "source", "content"):
        for mode in ("exact", "overlap"):
            summary[f"{role}_{mode}"] = {k: round(res[f"{role}_{mode}"][k], 4) for k in ("precision", "recall", "f1")}
    return summary
