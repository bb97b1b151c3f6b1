"""Evaluate a lexicon or a trained model against gold-annotated sentences.

``python -m analysis evaluate GOLD --format {conll2010,szeged,polnear,csv}
(--lexicon NAME --categories GLOB | --model FILE) [--json]`` prints sentence-level precision, recall
and F1 of the positive class (a sentence is predicted positive when the lexicon matches in it, or
when the model says so) and, for formats with cue spans and a lexicon, cue-level scores (exact and
overlapping spans). For PolNeAR a sentence is positive when it holds a gold attribution cue. With
``--json`` the last line is one JSON object:
``{"precision": ..., "recall": ..., "f1": ..., "n_sentences": ..., "n_positive": ...}``.

``--task attribution`` (``--format polnear``) evaluates the attribution extractor instead: sentence
level and cue, source and content spans (exact and overlap), always with a JSON object on the last
line (docs/attribution.md).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd

FORMATS = ("conll2010", "szeged", "polnear", "csv")


def add_gold_arguments(parser) -> None:
    """Arguments shared by ``evaluate`` and ``learn`` for reading gold sentences."""
    parser.add_argument("--format", required=True, choices=FORMATS, help="format of the gold files")
    parser.add_argument("--pattern", default="*.xml",
                        help="conll2010: glob for files when GOLD is a folder (default: *.xml)")
    parser.add_argument("--cue-types", action="append", default=None, metavar="TYPE",
                        help="conll2010/szeged: keep only these cue types (repeatable)")
    parser.add_argument("--split", default="all", metavar="NAME",
                        help="polnear: which split (train, dev, test, any split folder under the root, or all; "
                             "default: all)")
    parser.add_argument("--text-col", default="sentence", help="csv: sentence column (default: sentence)")
    parser.add_argument("--label-col", default="label", help="csv: label column (default: label)")


def load_gold(paths, args) -> pd.DataFrame:
    """Load gold sentences for the ``--format`` in ``args`` from one or more paths."""
    from analysis.validate import corpora

    paths = [Path(p) for p in paths]
    fmt = args.format
    frames = []
    if fmt == "conll2010":
        cue_types = args.cue_types or ("speculation",)
        files = []
        for p in paths:
            if p.is_dir():
                found = sorted(p.glob(args.pattern))
                if not found:
                    raise FileNotFoundError(f"{p}: no files matching {args.pattern!r}")
                files.extend(found)
            else:
                files.append(p)
        return corpora.load_conll2010(files, cue_types=cue_types)
    for p in paths:
        if fmt == "szeged":
            frames.append(corpora.load_szeged(p, cue_types=args.cue_types))
        elif fmt == "polnear":
            from analysis.text.tokenize import sentence_spans

            split = None if args.split == "all" else args.split
            found = corpora.polnear_root(p)
            if found is not None and found[1] is not None:  # a split folder (or its text/): that split
                if split not in (None, found[1]):
                    raise ValueError(f"{p}: this is the {found[1]!r} split; --split {split} asks for another "
                                     "(give the root)")
                p, split = found
            frames.append(corpora.load_polnear(p, split, sentence_splitter=sentence_spans))
        else:
            frames.append(corpora.load_labelled_csv(p, text_col=args.text_col, label_col=args.label_col))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def add_arguments(parser) -> None:
    parser.add_argument("gold", nargs="+", metavar="GOLD",
                        help="gold file(s) or folder (polnear: the corpus root)")
    add_gold_arguments(parser)
    parser.add_argument("--lexicon", action="append", default=None, metavar="NAME",
                        help="built-in lexicon name or lexicon file (repeatable)")
    parser.add_argument("--categories", action="append", default=None, metavar="GLOB",
                        help="categories that count as positive, e.g. 'hedging.*' (repeatable; "
                        "default: every category of the lexicons)")
    parser.add_argument("--model", default=None, metavar="FILE",
                        help="a model saved by `learn` (with --task attribution: an attribution model; default "
                        "the bundled one)")
    parser.add_argument("--task", choices=("sentences", "attribution"), default="sentences",
                        help="sentences (default): a lexicon or sentence model against gold sentences; "
                        "attribution (polnear only): the attribution extractor's sentence, cue, source and "
                        "content scores")
    parser.add_argument("--json", action="store_true", help="print a JSON object as the last line")


def evaluate_lexicon_sentences(gold: pd.DataFrame, lexicons, categories=None) -> dict:
    """Sentence- and cue-level scores of a lexicon on gold sentences.

    Uses :func:`analysis.validate.lexicon_accuracy.evaluate_lexicon` (the library's evaluation, with
    per-entry precision) when it is available, else the same computation done here.

    A sentence is predicted positive when at least one entry of the selected categories matches in
    it; the predicted cue spans are the matches' character spans.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1``, ``n_sentences``, ``n_positive``, ``tp``, ``fp``, ``fn``,
        ``cue_exact`` and ``cue_overlap`` (:func:`~analysis.validate.metrics.span_prf` results, only
        when the gold has cue spans), ``per_category`` (sentences flagged and how many of them are
        gold positive) and ``lexicons`` (name, version, sha256).
    """
    try:
        from analysis.validate.lexicon_accuracy import evaluate_lexicon
    except ImportError:
        evaluate_lexicon = None
    if evaluate_lexicon is not None:
        r = evaluate_lexicon(gold, lexicons, categories)
        out = {k: r[k] for k in ("precision", "recall", "f1", "n_sentences", "n_positive", "tp", "fp",
                                 "fn", "lexicons", "categories")}
        if r.get("cue") and any(len(c) for c in gold["cues"]):
            out["cue_exact"], out["cue_overlap"] = r["cue"]["exact"], r["cue"]["overlap"]
        per_entry = r["per_entry"]
        out["per_category"] = [
            {"category": c, "sentences": len(set(r["matches"].loc[r["matches"]["category"] == c, "row"])),
             "gold_positive": int(gold["label"].astype(bool).to_numpy()[
                 sorted(set(r["matches"].loc[r["matches"]["category"] == c, "row"]))].sum())}
            for c in r["categories"]
        ]
        for row in out["per_category"]:
            row["precision"] = row["gold_positive"] / row["sentences"] if row["sentences"] else math.nan
        out["per_entry"] = per_entry
        return out
    return _evaluate_lexicon_fallback(gold, lexicons, categories)


def _evaluate_lexicon_fallback(gold: pd.DataFrame, lexicons, categories=None) -> dict:
    from analysis.measure.matching import Matcher
    from analysis.validate.metrics import prf, span_prf

    matcher = Matcher(lexicons, categories=categories)
    preds, spans, cats_per_sentence = [], [], []
    for text in gold["text"]:
        res = matcher.match(text)
        preds.append(bool(res.matches))
        spans.append([(m.start, m.end) for m in res.matches])
        cats_per_sentence.append({m.category for m in res.matches})
    labels = gold["label"].astype(bool).tolist()
    scores = prf(labels, preds)
    out = {
        "precision": scores["precision"], "recall": scores["recall"], "f1": scores["f1"],
        "n_sentences": len(labels), "n_positive": int(sum(labels)),
        "tp": scores["tp"], "fp": scores["fp"], "fn": scores["fn"],
        "lexicons": [{k: v for k, v in p.items() if k != "path"} for p in matcher.provenance],
        "categories": list(matcher.categories),
    }
    if any(len(c) for c in gold["cues"]):
        # gold cues may be discontinuous pieces; predicted spans of one match are contiguous
        out["cue_exact"] = span_prf(gold["cues"], spans, mode="exact")
        out["cue_overlap"] = span_prf(gold["cues"], spans, mode="overlap")
    per_cat = []
    for c in matcher.categories:
        flagged = [lab for lab, cs in zip(labels, cats_per_sentence) if c in cs]
        per_cat.append({"category": c, "sentences": len(flagged), "gold_positive": int(sum(flagged)),
                        "precision": sum(flagged) / len(flagged) if flagged else math.nan})
    out["per_category"] = per_cat
    return out


def _evaluate_model(gold: pd.DataFrame, path) -> dict:
    from analysis.validate.learn import load_model
    from analysis.validate.metrics import prf

    model = load_model(path)
    preds = model.predict(gold["text"].tolist())
    labels = gold["label"].astype(bool).tolist()
    scores = prf(labels, preds.tolist())
    return {
        "precision": scores["precision"], "recall": scores["recall"], "f1": scores["f1"],
        "n_sentences": len(labels), "n_positive": int(sum(labels)),
        "tp": scores["tp"], "fp": scores["fp"], "fn": scores["fn"],
        "model_training": model.training,
    }


def _fmt(d: dict) -> str:
    return (f"P {d['precision']:.3f}  R {d['recall']:.3f}  F1 {d['f1']:.3f}  "
            f"(tp {d['tp']}, fp {d['fp']}, fn {d['fn']})")


def run_attribution(args) -> int:
    """``evaluate --task attribution``: the extractor against PolNeAR gold attributions."""
    from analysis.measure.attribution import default_model, load_attribution_model
    from analysis.validate.attribution import evaluate_attributions, gold_documents

    if args.format != "polnear":
        raise ValueError("--task attribution needs --format polnear (gold attribution spans)")
    if args.lexicon or args.categories:
        raise ValueError("--task attribution evaluates the attribution extractor: leave out --lexicon/--categories")
    model = load_attribution_model(args.model) if args.model else default_model()
    split = None if args.split == "all" else args.split
    results = []
    for root in args.gold:
        arts, by_doc = gold_documents(Path(root), split)
        results.append(evaluate_attributions(arts, by_doc, model))
    if len(results) != 1:
        raise ValueError("--task attribution takes one PolNeAR root")
    res = results[0]
    print(f"gold: {args.gold[0]} (polnear, split {args.split}): {res['n_documents']} articles, "
          f"{res['n_sentences']} sentences, {res['n_gold_sentences']} with a gold cue")
    print(f"predictor: attribution model (training: {model.training.get('data', '?')}, "
          f"threshold {model.threshold:g})")
    print(f"sentence level:      {_fmt(res['sentence'])}")
    for role in ("cue", "source", "content"):
        for mode in ("exact", "overlap"):
            print(f"{role + ' ' + mode + ' spans:':<21}{_fmt(res[role + '_' + mode])}")
    print(f"time: {res['seconds']} s")
    summary = {"task": "attribution", "split": args.split, "n_documents": res["n_documents"],
               "n_sentences": res["n_sentences"]}
    summary.update({k: round(res["sentence"][k], 4) for k in ("precision", "recall", "f1")})
    for role in ("cue", "source", "content"):
        for mode in ("exact", "overlap"):
            summary[f"{role}_{mode}"] = {k: round(res[f"{role}_{mode}"][k], 4) for k in ("precision", "recall", "f1")}
    print(json.dumps(summary))
    return 0


def run(args) -> int:
    if getattr(args, "task", "sentences") == "attribution":
        return run_attribution(args)
    if bool(args.lexicon) == bool(args.model):
        raise ValueError("give either --lexicon (with optional --categories) or --model, not both")
    if args.model and args.categories:
        raise ValueError("--categories applies to --lexicon only")
    gold = load_gold(args.gold, args)
    if len(gold) == 0:
        raise ValueError("the gold files hold no sentences")
    where = ", ".join(str(g) for g in args.gold)
    print(f"gold: {where} ({args.format}): {len(gold)} sentences, {int(gold['label'].sum())} positive")
    if args.lexicon:
        res = evaluate_lexicon_sentences(gold, args.lexicon, args.categories)
        lex = ", ".join(f"{p['name']} {p['version']}" for p in res["lexicons"])
        cats = ", ".join(args.categories) if args.categories else "all categories"
        print(f"predictor: lexicon {lex} ({cats}); a sentence is positive when any entry matches")
    else:
        res = _evaluate_model(gold, args.model)
        print(f"predictor: model {args.model} (trained on {res['model_training']['n_sentences']} "
              f"sentences, data sha256 {res['model_training']['sha256'][:12]})")
    print(f"sentence level, positive class: {_fmt(res)}")
    if "cue_exact" in res:
        print(f"cue level, exact spans:       {_fmt(res['cue_exact'])}")
        print(f"cue level, overlapping spans: {_fmt(res['cue_overlap'])}")
    elif args.lexicon:
        print("cue level: the gold has no cue spans")
    else:
        print("cue level: not available for a sentence classifier")
    if res.get("per_category"):
        print("per category: sentences flagged, of which gold positive")
        for row in res["per_category"]:
            p = "-" if math.isnan(row["precision"]) else f"{row['precision']:.3f}"
            print(f"  {row['category']:<28} {row['sentences']:>6} {row['gold_positive']:>6}  precision {p}")
    per_entry = res.get("per_entry")
    if per_entry is not None and len(per_entry):
        worst = per_entry.assign(false=per_entry["fires"] - per_entry["gold_positive"])
        worst = worst.sort_values("false", ascending=False, kind="mergesort").head(5)
        print("entries with the most false-positive sentences: " + ", ".join(
            f"{r.entry} ({r.false} of {r.fires})" for r in worst.itertuples()))
    if args.json:
        keys = ("precision", "recall", "f1", "n_sentences", "n_positive")
        print(json.dumps({k: res[k] for k in keys}))
    return 0
